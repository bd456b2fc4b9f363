//! A client that hosts the server's task-augmented elicitations in a SQLite file, so that
//! after a restart it still answers for them (Tasks v1, 2025-11-25).
//!
//! ```text
//! hosting_client start  <url> <db>                 # prints {"session":…,"serverTask":…}, then
//!                                                  # {"hosted":…} once the server follows the
//!                                                  # hosted task, then hosts it (never answers)
//! hosting_client rejoin <url> <db> <session-json>  # rejoins, follows the server task, prints
//!                                                  # {"ok":…} or {"error":…}
//! ```
//!
//! `start` calls the reference server's `approve_via_client_task` as a task; the server
//! asks this client for a name as a client-hosted task, whose handler waits for a human who
//! never comes. Kill the process, then `rejoin`: the new process finds the hosted task
//! unfinished, marks it `failed` (its handler died), tells the server, and the server task
//! fails with that reason.

use std::time::Duration;

use mcp_tasks_client::{ClientBuilder, EraChoice, Handlers, LegacySession, Started, hosted};
use mcp_tasks_types::elicitation::ElicitResult;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: hosting_client start <url> <db> | rejoin <url> <db> <session-json>";
    let (mode, url, db) = match args.as_slice() {
        [_, mode, url, db, ..] => (mode.as_str(), url.as_str(), db.as_str()),
        _ => return Err(usage.into()),
    };
    // The core's SQLite task store: one owning process at a time, so `rejoin` opens it
    // once `start` has died.
    let store = hosted::sqlite(db)?;
    // Nobody answers: the task stays `working` until the process dies.
    let handlers = Handlers::new().on_elicitation(|_params, _cx| async {
        std::future::pending::<()>().await;
        Ok(ElicitResult::decline())
    });
    let builder = ClientBuilder::new()
        .era(EraChoice::Legacy)
        .handlers(handlers)
        .hosted_task_store(store.clone());
    match mode {
        "start" => {
            let client = builder.connect_http(url).await?;
            let session = client.legacy_session().ok_or("no legacy session")?;
            let Started::Task(task) = client
                .start_tool("approve_via_client_task", json!({}))
                .await?
            else {
                return Err("the server did not run the call as a task".into());
            };
            println!(
                "{}",
                json!({"session": session, "serverTask": task.task_id})
            );
            // Wait until the server's request is hosted here and the server follows it
            // (its task's status message names the client's task).
            loop {
                let mine = hosted::tasks_of(store.as_ref(), &session.session_id).await?;
                if let Some(t) = mine.first() {
                    let info = client.get_task(&task.task_id).await?;
                    let message = info.status_message.unwrap_or_default();
                    if message.contains(&t.id) {
                        println!("{}", json!({"hosted": t.id, "server": message}));
                        break;
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            std::future::pending::<()>().await;
            Ok(())
        }
        "rejoin" => {
            let saved: serde_json::Value = serde_json::from_str(args.get(4).ok_or(usage)?)?;
            let session: LegacySession = serde_json::from_value(saved["session"].clone())?;
            let server_task = saved["serverTask"].as_str().ok_or("no serverTask")?;
            let client = builder
                .rejoin_legacy_session(session)
                .connect_http(url)
                .await?;
            match client.resume_task(server_task).await {
                Ok(r) => println!("{}", json!({"ok": r})),
                Err(e) => println!("{}", json!({"error": e.to_string()})),
            }
            client.close().await;
            Ok(())
        }
        _ => Err(usage.into()),
    }
}
