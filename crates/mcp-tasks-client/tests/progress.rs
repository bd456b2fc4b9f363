//! Progress: a streamed call sends a `progressToken`, and the reference server's `countdown`
//! (one `notifications/progress` a second) reaches the caller as `ToolEvent::Progress`, in
//! both eras and on both transports.

mod common;

use std::time::Duration;

use common::{ServerProcess, connect, server_bin, text};
use futures_util::StreamExt;
use mcp_tasks_client::{Client, ClientBuilder, EraChoice, Handlers, ToolEvent};
use serde_json::json;

/// Runs `countdown {seconds: 2}` and returns the progress events and the result text.
async fn countdown(c: &Client) -> (Vec<(f64, Option<f64>, Option<String>)>, String) {
    let mut stream = c.call_tool_stream("countdown", json!({"seconds": 2}));
    let mut seen = Vec::new();
    let run = async {
        while let Some(ev) = stream.next().await {
            match ev {
                ToolEvent::Progress {
                    progress,
                    total,
                    message,
                } => seen.push((progress, total, message)),
                ToolEvent::Finished(r) => return text(&r.expect("countdown result")),
                _ => {}
            }
        }
        panic!("the stream ended without Finished");
    };
    let result = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("in time");
    (seen, result)
}

fn assert_countdown_progress(era: &str, seen: &[(f64, Option<f64>, Option<String>)]) {
    assert_eq!(
        seen.iter().map(|p| p.0).collect::<Vec<_>>(),
        [0.0, 1.0, 2.0],
        "{era}: {seen:?}"
    );
    assert!(seen.iter().all(|p| p.1 == Some(2.0)), "{era}: {seen:?}");
    assert_eq!(seen[0].2.as_deref(), Some("2 s left"), "{era}");
}

#[tokio::test]
async fn client_progress_reaches_the_stream_over_http_both_eras() {
    let srv = ServerProcess::start();
    for era in [EraChoice::Modern, EraChoice::Legacy] {
        let c = connect(&srv.url, era, Handlers::new()).await;
        let (seen, result) = countdown(&c).await;
        assert_eq!(result, "Liftoff!");
        assert_countdown_progress(&format!("{era:?}"), &seen);
        c.close().await;
    }
}

#[tokio::test]
async fn client_progress_reaches_the_stream_over_stdio() {
    let mut cmd = tokio::process::Command::new(server_bin());
    cmd.args(["--stdio", "--store", "memory:"]);
    let c = ClientBuilder::new().spawn_stdio(cmd).await.expect("spawn");
    let (seen, result) = countdown(&c).await;
    assert_eq!(result, "Liftoff!");
    assert_countdown_progress("stdio", &seen);
    c.close().await;
}

#[tokio::test]
async fn client_plain_calls_do_not_ask_for_progress() {
    // call_tool has no one to show progress to: no token, so the server sends none, and the
    // call still completes.
    let srv = ServerProcess::start();
    let c = connect(&srv.url, EraChoice::Modern, Handlers::new()).await;
    let r = c
        .call_tool("countdown", json!({"seconds": 1}))
        .await
        .unwrap();
    assert_eq!(text(&r), "Liftoff!");
}
