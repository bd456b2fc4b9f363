//! The operator console (`mcp-tasks-server --console ADDR`), end to end: the real server
//! binary, a real MCP client over HTTP, and headless Chromium (Debian's chromium driven by
//! npm playwright-core, installed by tests/browser/install.sh). Screenshots go to target/screenshots/
//! (to docs/ with `UPDATE_SCREENSHOTS=1`).

#[path = "../../../tests/browser/browser.rs"]
mod browser;
mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use browser::{Browser, screenshot_path};
use mcp_tasks_client::{Client, EraChoice, Error, Handlers, Started};
use mcp_tasks_types::elicitation::ElicitResult;
use mcp_tasks_types::mrtr::InputResponses;
use mcp_tasks_types::task::TaskStatus;
use serde_json::json;
use support::{ServerGuard, http};

const TOKEN: &str = "console-test-token-0123456789";

/// Starts the server with the console on a free port; returns it and the console's base URL.
fn start_with_console(extra: &[&str]) -> (ServerGuard, String, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let mut args = vec![
        "--store",
        "memory:",
        "--console",
        "127.0.0.1:0",
        "--console-token-file",
    ];
    let tf = token_file.to_str().unwrap().to_owned();
    args.push(&tf);
    args.extend_from_slice(extra);
    let server = ServerGuard::start_with(&args);
    let base = console_base(&server);
    (server, base, dir)
}

fn console_base(server: &ServerGuard) -> String {
    let log = server.log_text();
    log.split("console on ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| panic!("no console line in the server log: {log}"))
}

/// A tiny temporary directory (removed on drop).
mod tempdir {
    pub(crate) struct Dir(std::path::PathBuf);
    impl Dir {
        pub(crate) fn new() -> Dir {
            let p = std::env::temp_dir().join(format!(
                "mcp-tasks-console-test-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub(crate) fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn addr_of(base: &str) -> SocketAddr {
    base.trim_start_matches("http://").parse().unwrap()
}

#[test]
fn console_refuses_requests_without_the_right_token() {
    let (_server, base, _dir) = start_with_console(&[]);
    let addr = addr_of(&base);
    let bearer = format!("Bearer {TOKEN}");
    let cookie_name = format!("mcp_tasks_console_{}", addr.port());
    let right_cookie = format!("{cookie_name}={TOKEN}");
    let wrong_cookie = format!("{cookie_name}=not-the-token-0123456789");

    for path in [
        "/",
        "/fragments/tasks",
        "/fragments/stats",
        "/events",
        "/tasks/abc",
    ] {
        // No token.
        let (st, raw) = http(addr, "GET", path, &[], "");
        assert_eq!(st, 401, "{path} without a token: {raw}");
        assert!(
            raw.to_lowercase().contains("www-authenticate: bearer"),
            "{raw}"
        );
        // Wrong token, as a header and as a cookie.
        let (st, raw) = http(
            addr,
            "GET",
            path,
            &[("Authorization", "Bearer wrong-token-0123456789")],
            "",
        );
        assert_eq!(st, 401, "{path} with a wrong bearer: {raw}");
        assert!(raw.contains("invalid_token"), "{raw}");
        let (st, _) = http(addr, "GET", path, &[("Cookie", &wrong_cookie)], "");
        assert_eq!(st, 401, "{path} with a wrong cookie");
        let (st, _) = http(
            addr,
            "GET",
            path,
            &[("Authorization", "Basic dXNlcjpwYXNz")],
            "",
        );
        assert_eq!(st, 401, "{path} with another scheme");
    }
    // A browser without the token gets the sign-in form (still 401).
    let (st, raw) = http(addr, "GET", "/", &[("Accept", "text/html")], "");
    assert_eq!(st, 401);
    assert!(
        raw.contains(r#"<label for="token">Access token</label>"#),
        "{raw}"
    );
    // Cancelling without the token changes nothing.
    let (st, _) = http(addr, "POST", "/tasks/abc/cancel", &[], "");
    assert_eq!(st, 401);

    // The right token, either way, opens the pages.
    let (st, raw) = http(addr, "GET", "/", &[("Authorization", &bearer)], "");
    assert_eq!(st, 200, "{raw}");
    assert!(raw.contains("<h1>Tasks</h1>"));
    assert!(
        raw.to_lowercase()
            .contains("content-security-policy: default-src 'none'")
    );
    let (st, _) = http(addr, "GET", "/", &[("Cookie", &right_cookie)], "");
    assert_eq!(st, 200);
    // Unknown tasks are 404 once signed in (not 401).
    let (st, _) = http(addr, "GET", "/tasks/abc", &[("Authorization", &bearer)], "");
    assert_eq!(st, 404);
    // A cross-origin write is refused even with the token.
    let (st, _) = http(
        addr,
        "POST",
        "/tasks/abc/cancel",
        &[
            ("Authorization", &bearer),
            ("Origin", "http://evil.example"),
        ],
        "",
    );
    assert_eq!(st, 403);

    // Sign-in: a wrong token is refused and sets no cookie; the right one sets it.
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let (st, raw) = http(
        addr,
        "POST",
        "/login",
        &form,
        "token=wrong-token-0123456789&next=%2F",
    );
    assert_eq!(st, 401);
    assert!(!raw.to_lowercase().contains("set-cookie"), "{raw}");
    let (st, raw) = http(
        addr,
        "POST",
        "/login",
        &form,
        &format!("token={TOKEN}&next=%2F"),
    );
    assert_eq!(st, 303, "{raw}");
    assert!(
        raw.contains(&format!(
            "{right_cookie}; Path=/; HttpOnly; SameSite=Strict"
        )),
        "{raw}"
    );
    // Off-site redirects after sign-in are not followed.
    let (st, raw) = http(
        addr,
        "GET",
        &format!("/login?token={TOKEN}&next=//evil.example/"),
        &[],
        "",
    );
    assert_eq!(st, 303);
    assert!(raw.to_lowercase().contains("location: /\r\n"), "{raw}");
    // Assets need no token (nothing secret in them).
    let (st, _) = http(addr, "GET", "/assets/htmx-2.0.11.min.js", &[], "");
    assert_eq!(st, 200);
}

#[test]
fn console_without_a_token_file_prints_a_working_sign_in_link() {
    let server = ServerGuard::start_with(&["--store", "memory:", "--console", "127.0.0.1:0"]);
    let log = server.log_text();
    let link = log
        .split("sign in: ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("no sign-in link: {log}"))
        .to_owned();
    let base = console_base(&server);
    let path = link.trim_start_matches(&base);
    let token = path.split("token=").nth(1).unwrap();
    assert_eq!(token.len(), 64, "a 256-bit hex token: {link}");
    let (st, raw) = http(addr_of(&base), "GET", path, &[], "");
    assert_eq!(st, 303, "{raw}");
    let (st, _) = http(
        addr_of(&base),
        "GET",
        "/",
        &[("Authorization", &format!("Bearer {token}"))],
        "",
    );
    assert_eq!(st, 200);
}

#[test]
fn console_shows_tasks_live_and_cancels_them_in_a_browser() {
    let (server, base, _dir) = start_with_console(&[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rt.block_on(async {
        Client::builder()
            .era(EraChoice::Modern)
            .handlers(Handlers::new().on_elicitation(|_, _| async { Ok(ElicitResult::decline()) }))
            .connect_http(&server.url)
            .await
            .expect("an MCP client connects")
    });
    let start = |tool: &str, args: serde_json::Value| -> String {
        match rt
            .block_on(client.start_tool(tool, args))
            .expect("tools/call")
        {
            Started::Task(t) => t.task_id,
            other => panic!("{tool} did not become a task: {other:?}"),
        }
    };

    let mut b = Browser::launch();
    // Sign in with the form (label, typing, Enter), as a person would.
    assert_eq!(b.goto(&format!("{base}/")), 401);
    b.fill_label("Access token", TOKEN);
    b.cmd(json!({"cmd": "press", "label": "Access token", "key": "Enter"}));
    b.wait_text("h1", "Tasks", 5000);
    b.wait_text("#tasks caption", "0 tasks", 5000);
    // The only error so far is the refused first visit.
    let refused = b.errors();
    assert!(
        refused.len() == 1 && refused[0].contains("401"),
        "{refused:?}"
    );

    // 1. A task created through MCP appears without a reload, within a second.
    let created = Instant::now();
    let slow = start(
        "slow_compute",
        json!({"seconds": 600, "label": "quarterly report"}),
    );
    let row = format!("tr[data-task='{slow}']");
    b.wait_text(&row, "computing for 600s", 1000);
    let seen_after = created.elapsed();
    eprintln!("task appeared in the console {seen_after:?} after tools/call returned");
    assert!(b.text(&row).contains("working"));

    // 2. Its status changes live: a task waiting for input, answered through MCP.
    let confirm = start("confirm_delete", json!({"filename": "old-logs.tar"}));
    let crow = format!("tr[data-task='{confirm}']");
    b.wait_text(&crow, "input required", 2000);
    let mut answers = InputResponses::new();
    answers.insert(
        "confirm".into(),
        ElicitResult::accept([("confirm", true)]).into(),
    );
    rt.block_on(client.update_task(&confirm, &answers))
        .expect("tasks/update");
    b.wait_text(
        &format!("{crow}[data-status='completed']"),
        "completed",
        5000,
    );
    b.wait_text("[data-count='completed']", "1", 5000);

    // A few more tasks so the page (and its screenshot) shows every kind of row.
    let _waiting = start("confirm_delete", json!({"filename": "customer-export.csv"}));
    let failing = start("protocol_error_job", json!({}));
    let _tool_error = start("failing_job", json!({}));
    let _another = start(
        "slow_compute",
        json!({"seconds": 900, "label": "nightly build"}),
    );
    b.wait_text(&format!("tr[data-task='{failing}']"), "failed", 5000);
    b.wait_text("#tasks caption", "6 tasks", 5000);

    // Filters: by status, then by text.
    b.cmd(json!({"cmd": "select", "label": "Status", "value": "working"}));
    b.wait_text("#tasks caption", "2 tasks match the filters", 5000);
    b.cmd(json!({"cmd": "select", "label": "Status", "value": ""}));
    b.fill_label("Text", "quarterly");
    b.wait_text("#tasks caption", "1 task matches", 5000);
    assert_eq!(b.count("#tasks tbody tr[data-task]"), 1);
    b.fill_label("Text", "");
    b.wait_text("#tasks caption", "6 tasks", 5000);
    b.screenshot(&screenshot_path("console.png"), true);

    // 3. Cancelled from the page (keyboard: the button takes Enter): the MCP client that
    // waits on the task sees `cancelled`.
    let waiter = {
        let client = client.clone();
        let id = slow.clone();
        rt.spawn(async move { client.resume_task(&id).await })
    };
    b.click(&format!("{row} td.id a"));
    b.wait_text("h1", &slow, 5000);
    b.wait_text("#task-status", "working", 5000);
    b.cmd(json!({"cmd": "press", "role": "button", "name": "Cancel task", "key": "Enter"}));
    b.wait_text("#task-status", "cancelled", 5000);
    b.wait_text("#task-message", "Cancelled by an operator", 5000);
    b.wait_text("ol.timeline", "cancelled", 5000);
    let outcome = rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(20), waiter).await })
        .expect("the waiting client finished")
        .expect("the waiter ran");
    match outcome {
        Err(Error::TaskCancelled(id)) => assert_eq!(id, slow),
        other => panic!("the MCP client should see the task cancelled, got {other:?}"),
    }
    let info = rt.block_on(client.get_task(&slow)).expect("tasks/get");
    assert_eq!(info.status, TaskStatus::Cancelled);
    assert_eq!(
        info.status_message.as_deref(),
        Some("Cancelled by an operator (tasks console)")
    );
    b.screenshot(&screenshot_path("console-task.png"), true);

    // The list shows it too, and the counters moved.
    b.goto(&format!("{base}/"));
    b.wait_text(
        &format!("{row}[data-status='cancelled']"),
        "cancelled",
        5000,
    );
    assert_eq!(b.text("[data-count='cancelled']"), "1");

    // Readable on a phone: one column, rows as cards with their labels.
    b.viewport(390, 844);
    b.goto(&format!("{base}/?status=input_required"));
    b.wait_text("#tasks caption", "1 task matches", 5000);
    b.screenshot(&screenshot_path("console-phone.png"), true);

    // No script errors or blocked resources on any page.
    let errors = b.errors();
    assert!(errors.is_empty(), "the pages reported errors: {errors:?}");
    rt.block_on(client.close());
}
