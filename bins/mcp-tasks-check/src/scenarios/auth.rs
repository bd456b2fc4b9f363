//! OAuth-protected servers (opt-in: `--bearer TOKEN`, and `--bearer-other TOKEN2` for the
//! isolation checks): the 401 challenge and Protected Resource Metadata, and that every task
//! operation of one principal on another's task is refused exactly as for an id that never
//! existed, in both eras.

use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::net::{Conn, Next, Reply, short};
use crate::peer::{Legacy, Modern, caps_with_tasks};

check!(
    CHALLENGE,
    "auth-401-without-token",
    Must,
    "MCP 2025-11-25 / 2026-07-28 Authorization (RFC 9728 §5.1, RFC 6750 §3)",
    "A request without a token gets HTTP 401 with WWW-Authenticate: Bearer … resource_metadata=\"URL\"."
);
check!(
    METADATA,
    "auth-protected-resource-metadata",
    Must,
    "RFC 9728 §3, §3.3; MCP Authorization (Protected Resource Metadata Discovery)",
    "The resource_metadata URL serves the Protected Resource Metadata: JSON whose resource is this endpoint's URL, with at least one authorization server."
);
check!(
    INVALID_TOKEN,
    "auth-invalid-token-401",
    Must,
    "MCP Authorization (Token Handling); RFC 6750 §3.1",
    "A request with a token the server did not issue gets HTTP 401, not an answer."
);
check!(
    ISO_GET,
    "auth-isolation-tasks-get",
    Must,
    "PROTOCOL.md §5.11; SEP-2663 Security",
    "2026-07-28: tasks/get by another principal is refused exactly as for a task id that never existed."
);
check!(
    ISO_UPDATE,
    "auth-isolation-tasks-update",
    Must,
    "PROTOCOL.md §5.11; SEP-2663 Security",
    "2026-07-28: tasks/update by another principal is refused exactly as for a task id that never existed."
);
check!(
    ISO_CANCEL,
    "auth-isolation-tasks-cancel",
    Must,
    "PROTOCOL.md §5.11; SEP-2663 Security",
    "2026-07-28: tasks/cancel by another principal is refused exactly as for a task id that never existed."
);
check!(
    ISO_LISTEN,
    "auth-isolation-listen",
    Must,
    "PROTOCOL.md §5.11 (subscription to a taskId, inferred)",
    "2026-07-28: subscriptions/listen by another principal does not acknowledge nor report the task."
);
check!(
    ISO_V1,
    "auth-isolation-v1-tasks",
    Must,
    "Tasks v1 (2025-11-25) Security: tasks bound to the authorization context",
    "2025-11-25: tasks/get, tasks/result and tasks/cancel by another principal's session are refused exactly as for a task id that never existed, and tasks/list does not show the task."
);
check!(
    SESSION_BOUND,
    "auth-session-bound-to-principal",
    Must,
    "MCP 2025-11-25 Security Best Practices (session hijacking)",
    "2025-11-25: a session id presented with another principal's token is not that principal's session (404, or an error), never served as the original's."
);

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "auth-discovery",
            group: "auth",
            description: "Without a token: 401 with a challenge that names the Protected Resource Metadata, which is served; a bad token is refused.",
            needs: Needs::Auth,
            checks: &[&CHALLENGE, &METADATA, &INVALID_TOKEN],
            run: |cx| Box::pin(discovery(cx)),
        },
        Scenario {
            name: "auth-isolation",
            group: "auth",
            description: "Two principals (--bearer, --bearer-other): each task method of one on the other's task is refused as \"not found\", in both eras.",
            needs: Needs::AuthOther,
            checks: &[
                &ISO_GET,
                &ISO_UPDATE,
                &ISO_CANCEL,
                &ISO_LISTEN,
                &ISO_V1,
                &SESSION_BOUND,
            ],
            run: |cx| Box::pin(isolation(cx)),
        },
    ]
}

/// The `resource_metadata` parameter of a `WWW-Authenticate: Bearer …` value.
fn resource_metadata(challenge: &str) -> Option<String> {
    let rest = challenge.split("resource_metadata=\"").nth(1)?;
    Some(rest.split('"').next()?.to_owned())
}

/// The path-specific well-known metadata URL of an endpoint URL.
fn well_known(endpoint: &str) -> Option<String> {
    let after = endpoint.find("://")? + 3;
    let (origin, path) = match endpoint[after..].find('/') {
        Some(i) => endpoint.split_at(after + i),
        None => (endpoint, ""),
    };
    Some(format!(
        "{origin}/.well-known/oauth-protected-resource{}",
        path.trim_end_matches('/')
    ))
}

async fn discovery(cx: &mut Cx) -> Result<(), String> {
    let conn = cx.env.conn().await;
    let Conn::Http(target) = &*conn else {
        return Err("needs an HTTP server".into());
    };
    let anonymous = Modern::new(&cx.env, caps_with_tasks()).with_authorization("");
    let r = anonymous
        .call(&cx.env.tools.greet, json!({"name": "auth"}))
        .await?;
    let challenge = r.header("www-authenticate").unwrap_or("").to_owned();
    let named = resource_metadata(&challenge);
    cx.rec.check(
        &CHALLENGE,
        r.status == Some(401)
            && challenge.to_ascii_lowercase().starts_with("bearer")
            && named.is_some(),
        format!(
            "no token: HTTP {:?}, WWW-Authenticate {challenge:?}",
            r.status
        ),
    );
    // Without a challenge naming it, clients try the well-known location (RFC 9728 §3.1).
    let url = named.or_else(|| well_known(&target.url()));
    match url {
        None => cx
            .rec
            .violate(&METADATA, "no resource_metadata URL to fetch"),
        Some(u) => {
            let m = match target.sibling(&u) {
                Ok(t) => t.get(cx.env.timeout).await,
                Err(e) => Err(e),
            };
            match m {
                Err(e) => cx.rec.violate(&METADATA, format!("GET {u}: {e}")),
                Ok(m) => {
                    let doc = m.messages.first().cloned().unwrap_or(Value::Null);
                    let resource = doc.get("resource").and_then(Value::as_str);
                    let servers = doc
                        .get("authorization_servers")
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty());
                    let here = target.url();
                    let same = resource
                        .is_some_and(|r| r.trim_end_matches('/') == here.trim_end_matches('/'));
                    cx.rec.check(
                        &METADATA,
                        m.status == Some(200) && same && servers,
                        format!(
                            "GET {u}: HTTP {:?}, {} (the endpoint is {here})",
                            m.status,
                            short(&doc)
                        ),
                    );
                }
            }
        }
    }
    let forged = Modern::new(&cx.env, caps_with_tasks())
        .with_authorization("Bearer mcp-tasks-check.not-a-token.x");
    let r = forged
        .call(&cx.env.tools.greet, json!({"name": "auth"}))
        .await?;
    cx.rec.check(
        &INVALID_TOKEN,
        r.status == Some(401),
        format!("a made-up token: {}", r.describe()),
    );
    Ok(())
}

/// The error of `r` with `id` replaced: what a caller learns from it.
fn refusal(r: &Reply, id: &str) -> Option<(Option<u16>, String)> {
    let e = r.error()?;
    Some((r.status, e.to_string().replace(id, "ID")))
}

/// Whether `theirs` (on another's task `id`) is the same refusal as `never` (on `ghost`).
fn same_refusal(theirs: &Reply, id: &str, never: &Reply, ghost: &str) -> (bool, String) {
    let a = refusal(theirs, id);
    let b = refusal(never, ghost);
    (
        a.is_some() && a == b,
        format!(
            "on the other principal's task: {}; on an id that never existed: {}",
            theirs.describe(),
            never.describe()
        ),
    )
}

const GHOST: &str = "mcp-tasks-check-never-existed";

async fn isolation(cx: &mut Cx) -> Result<(), String> {
    let t = cx.env.tools.clone();
    let other = format!("Bearer {}", cx.env.bearer_other.clone().unwrap_or_default());
    let owner = Modern::new(&cx.env, caps_with_tasks());
    let intruder = Modern::new(&cx.env, caps_with_tasks()).with_authorization(&other);

    // 2026-07-28.
    let (id, _) = owner
        .create(&t.confirm_delete, json!({"filename": "auth.txt"}))
        .await?;
    owner
        .wait_for(&id, "input_required", |t| {
            crate::peer::status_of(t) == "input_required" || crate::peer::is_terminal(t)
        })
        .await?;
    let answer = json!({"confirm": {"action": "accept", "content": {"confirm": true}}});
    for (def, method, extra) in [
        (&ISO_GET, "tasks/get", json!({})),
        (
            &ISO_UPDATE,
            "tasks/update",
            json!({"inputResponses": answer}),
        ),
        (&ISO_CANCEL, "tasks/cancel", json!({})),
    ] {
        let mut p = extra.clone();
        p["taskId"] = json!(id);
        let theirs = intruder.request(method, p.clone()).await?;
        p["taskId"] = json!(GHOST);
        let never = intruder.request(method, p).await?;
        let (ok, d) = same_refusal(&theirs, &id, &never, GHOST);
        cx.rec.check(def, ok, format!("{method}: {d}"));
    }
    match intruder.listen(json!({"taskIds": [id]}), Value::Null).await {
        Err(e) => cx
            .rec
            .violate(&ISO_LISTEN, format!("subscriptions/listen: {e}")),
        Ok((mut stream, _)) => {
            let mut seen = Vec::new();
            // The acknowledgement, and whatever follows at once (the task's current state).
            while seen.len() < 3 {
                match stream.next(std::time::Duration::from_millis(500)).await {
                    Next::Message(m) => seen.push(m),
                    _ => break,
                }
            }
            let leaked = seen.iter().any(|m| m.to_string().contains(&id));
            cx.rec.check(
                &ISO_LISTEN,
                !seen.is_empty() && !leaked,
                format!(
                    "listen to the other principal's task: {}",
                    short(&Value::Array(seen))
                ),
            );
        }
    }
    owner.cancel_quietly(&id).await;

    // 2025-11-25.
    let mine = Legacy::connect(&cx.env, caps_with_tasks()).await?;
    let c = mine
        .request(
            "tools/call",
            json!({"name": t.slow_compute, "arguments": {"seconds": 30}, "task": {"ttl": 60000}}),
        )
        .await?;
    let Some(v1) = c
        .result()
        .and_then(|r| r.pointer("/task/taskId"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Err(format!("no v1 task: {}", c.describe()));
    };
    let theirs = Legacy::connect_as(&cx.env, caps_with_tasks(), Some(other.clone())).await?;
    let mut details = Vec::new();
    let mut ok = true;
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        // A server that serves the other's task may hold `tasks/result` open: that is a
        // failure of this check, not of the run.
        let (a, b) = match (
            theirs.request(method, json!({"taskId": v1})).await,
            theirs.request(method, json!({"taskId": GHOST})).await,
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                ok = false;
                details.push(format!(
                    "{method}: {:?} / {:?}",
                    a.map(|r| r.describe()),
                    b.map(|r| r.describe())
                ));
                continue;
            }
        };
        let (same, d) = same_refusal(&a, &v1, &b, GHOST);
        ok &= same;
        details.push(format!("{method}: {d}"));
    }
    let list = theirs.request("tasks/list", json!({})).await?;
    let listed = list.result().is_none_or(|r| r.to_string().contains(&v1));
    ok &= !listed;
    details.push(format!("tasks/list: {}", list.describe()));
    cx.rec.check(&ISO_V1, ok, details.join("; "));

    // The owner's session id with the other principal's token.
    let mut hijack = mine.clone_session();
    hijack.authorization = Some(other);
    let r = hijack.request("tasks/get", json!({"taskId": v1})).await?;
    cx.rec.check(
        &SESSION_BOUND,
        r.result().is_none(),
        format!(
            "tasks/get on the owner's session with another token: {}",
            r.describe()
        ),
    );
    let _ = mine.request("tasks/cancel", json!({"taskId": v1})).await;
    Ok(())
}
