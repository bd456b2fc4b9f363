//! `mcp-tasks`: a command-line MCP client. Lists tools, calls them (waiting on tasks with a
//! live status line and asking the server's questions on the terminal), and follows or
//! cancels tasks by id, against an HTTP endpoint (`--url`) or a spawned stdio server
//! (`--cmd`), in either protocol era.

mod auth;
mod conformance;
mod prompt;
mod state;
mod ui;
mod web;

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, Parser, Subcommand, ValueEnum};
use futures_util::StreamExt;
use mcp_tasks_client::{
    Client, ClientBuilder, EraChoice, Error, LegacySession, TaskInfo, ToolCallStream, ToolEvent,
};
use mcp_tasks_types::Era;
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_types::tool::{CallToolResult, TaskSupport};
use serde_json::{Value, json};

use crate::ui::Ui;

/// A command-line MCP client with long-running task support.
#[derive(Debug, Parser)]
#[command(name = "mcp-tasks", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// List the server's tools.
    Tools {
        #[command(flatten)]
        conn: Conn,
        /// Print the raw tool definitions as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Call a tool and wait for its result (following a task if the server makes one).
    Call {
        #[command(flatten)]
        conn: Conn,
        /// The tool name.
        tool: String,
        /// The arguments, as a JSON object.
        #[arg(default_value = "{}")]
        args: String,
        /// Print the raw result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Inspect, cancel or follow a task by id.
    Task {
        #[command(subcommand)]
        action: TaskCmd,
    },
    /// Serve a local web page that is a tasks-aware client of the server: list and call
    /// tools with generated forms, follow tasks live, answer their questions, cancel them,
    /// reopen a task by id. Prints the page's sign-in link on stderr.
    Ui {
        #[command(flatten)]
        conn: Conn,
        /// Address of the page.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: std::net::SocketAddr,
        /// Most calls the page remembers (the oldest finished ones are forgotten first).
        #[arg(long, default_value_t = 200)]
        max_calls: usize,
        /// Most unanswered server questions at once (more are refused).
        #[arg(long, default_value_t = 32)]
        max_questions: usize,
    },
    /// Authorize access to an OAuth-protected server now (a browser opens, or the URL is
    /// printed) and keep the tokens for later commands.
    Login {
        #[command(flatten)]
        conn: Conn,
    },
    /// Forget the tokens kept for a server.
    Logout {
        #[command(flatten)]
        conn: Conn,
    },
    /// The client under test for the official conformance suite's client mode: runs the
    /// scenario named by MCP_CONFORMANCE_SCENARIO at MCP_CONFORMANCE_PROTOCOL_VERSION.
    #[command(name = "conformance-client")]
    ConformanceClient {
        /// The mock server's URL (the suite appends it as the last argument), or, for a stdio
        /// server, the command that starts it (anything not starting with http:// or https://,
        /// run with `sh -c`; `mcp-tasks-check client --stdio` passes one).
        url: String,
        /// Log protocol details to stderr.
        #[arg(long, short)]
        verbose: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TaskCmd {
    /// Show a task's status (`tasks/get`).
    Get {
        /// The task id (ids may start with `-`).
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[command(flatten)]
        conn: Conn,
        /// Print the raw task as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask the server to cancel a task (`tasks/cancel`).
    Cancel {
        /// The task id (ids may start with `-`).
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// Follow a task to its end and print the result (answering its questions).
    Watch {
        /// The task id (ids may start with `-`).
        #[arg(allow_hyphen_values = true)]
        id: String,
        #[command(flatten)]
        conn: Conn,
        /// Print the raw result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// How to reach the server.
#[derive(Debug, Clone, Args)]
struct Conn {
    /// Streamable HTTP endpoint, e.g. http://127.0.0.1:8080/mcp or https://host/mcp.
    #[arg(
        long,
        env = "MCP_TASKS_URL",
        required_unless_present = "cmd",
        conflicts_with = "cmd"
    )]
    url: Option<String>,
    /// Server command to spawn and talk to over stdio, e.g. "mcp-tasks-server --stdio".
    #[arg(long)]
    cmd: Option<String>,
    /// PEM file of a certificate authority to trust for https:// besides the system's
    /// roots (a private CA; repeatable). HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured.
    #[arg(long, value_name = "FILE")]
    ca_cert: Vec<PathBuf>,
    /// Protocol era: probe the server (auto), or force 2025-11-25 (legacy) or 2026-07-28
    /// (modern).
    #[arg(long, value_enum, default_value_t = EraArg::Auto)]
    era: EraArg,
    /// Largest message read from the server, in bytes (a reply body, an SSE event, a stdio
    /// line); a larger one fails the command instead of filling memory.
    #[arg(long, value_name = "BYTES", default_value_t = mcp_tasks_client::DEFAULT_MAX_MESSAGE_BYTES)]
    max_message_bytes: usize,
    /// Log every request and response (and the server's notifications) to stderr.
    #[arg(long, short)]
    verbose: bool,
    /// Where the sessions of started 2025-11-25 tasks are remembered, so that `task
    /// get|cancel|watch` in another process can rejoin them, and the OAuth credentials of each
    /// server (mode 0600) (default $XDG_STATE_HOME/mcp-tasks or ~/.local/state/mcp-tasks).
    #[arg(long, env = "MCP_TASKS_STATE_DIR")]
    state_dir: Option<PathBuf>,
    #[command(flatten)]
    auth: auth::AuthArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EraArg {
    Auto,
    Legacy,
    Modern,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbose = match &cli.cmd {
        Cmd::Tools { conn, .. }
        | Cmd::Call { conn, .. }
        | Cmd::Ui { conn, .. }
        | Cmd::Login { conn }
        | Cmd::Logout { conn } => conn.verbose,
        Cmd::ConformanceClient { verbose, .. } => *verbose,
        Cmd::Task { action } => match action {
            TaskCmd::Get { conn, .. }
            | TaskCmd::Cancel { conn, .. }
            | TaskCmd::Watch { conn, .. } => conn.verbose,
        },
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Escape codes only for a person at a terminal (NO_COLOR opts out there too).
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .without_time()
        .with_target(false)
        .with_env_filter(if verbose {
            "mcp_tasks_client=debug,mcp_tasks=debug"
        } else {
            "warn"
        })
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-tasks: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mcp-tasks: {e}");
            ExitCode::FAILURE
        }
    };
    // A question may still be waiting on stdin (Ctrl-C during a prompt): do not wait for it.
    rt.shutdown_background();
    code
}

/// Set once stdout is a closed pipe (`mcp-tasks tools | head`): nothing more is printed and
/// the command ends normally, like a Unix filter.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Prints one line on stdout; a closed pipe is not an error.
fn out(text: &str) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let written = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
    if let Err(e) = written {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("mcp-tasks: cannot write to stdout: {e}");
        }
    }
}

async fn connect(conn: &Conn, ui: &Ui) -> Result<Client, Error> {
    connect_rejoining(conn, ui, None).await
}

/// Connects, rejoining the legacy session saved for `task_id` when there is one for this
/// URL (its v1 task is only visible in that session).
async fn connect_for_task(
    conn: &Conn,
    ui: &Ui,
    task_id: &str,
) -> Result<(Client, Option<LegacySession>), Error> {
    let saved = match (&conn.url, state::dir(conn.state_dir.as_deref()), conn.era) {
        (Some(url), Some(dir), EraArg::Auto | EraArg::Legacy) => {
            state::load(&dir, task_id).filter(|s| &s.url == url)
        }
        _ => None,
    };
    let session = saved.map(|s| s.session);
    if let Some(s) = &session {
        tracing::debug!(session = %s.session_id, "rejoining the session of task {task_id}");
    }
    let client = connect_rejoining(conn, ui, session.clone())
        .await
        .map_err(|e| match (&session, e) {
            (Some(s), e) => Error::Config(format!(
                "cannot rejoin session {} of task {task_id} (has the server forgotten it?): {e}",
                s.session_id
            )),
            (None, e) => e,
        })?;
    Ok((client, session))
}

async fn connect_rejoining(
    conn: &Conn,
    ui: &Ui,
    rejoin: Option<LegacySession>,
) -> Result<Client, Error> {
    connect_with(conn, prompt::terminal_handlers(ui.clone()), rejoin).await
}

async fn connect_with(
    conn: &Conn,
    handlers: mcp_tasks_client::Handlers,
    rejoin: Option<LegacySession>,
) -> Result<Client, Error> {
    let mut builder = ClientBuilder::new()
        .client_info(mcp_tasks_types::Implementation::new(
            "mcp-tasks",
            env!("CARGO_PKG_VERSION"),
        ))
        .handlers(handlers)
        .max_message_bytes(conn.max_message_bytes)
        .era(match conn.era {
            EraArg::Auto => EraChoice::Auto,
            EraArg::Legacy => EraChoice::Legacy,
            EraArg::Modern => EraChoice::Modern,
        });
    if let Some(session) = rejoin {
        builder = builder.rejoin_legacy_session(session);
    }
    for ca in &conn.ca_cert {
        builder = builder.ca_cert_file(ca);
    }
    if let Some(cmd) = &conn.cmd {
        let argv = split_command(cmd).map_err(Error::Config)?;
        let Some((program, args)) = argv.split_first() else {
            return Err(Error::Config("--cmd is empty".into()));
        };
        let mut command = tokio::process::Command::new(program);
        command.args(args);
        builder.spawn_stdio(command).await
    } else if let Some(url) = &conn.url {
        let state_dir = state::dir(conn.state_dir.as_deref());
        builder
            .oauth(auth::config(&conn.auth, url, state_dir.as_deref())?)
            .connect_http(url)
            .await
    } else {
        Err(Error::Config("give --url or --cmd".into()))
    }
}

/// `mcp-tasks login`: authorizes now and reports what was granted.
async fn login(conn: &Conn) -> Result<ExitCode, Error> {
    let url = conn
        .url
        .as_deref()
        .ok_or_else(|| Error::Config("login needs --url (stdio servers take no OAuth)".into()))?;
    let dir = state::dir(conn.state_dir.as_deref());
    let mut builder = ClientBuilder::new().oauth(auth::config(&conn.auth, url, dir.as_deref())?);
    for ca in &conn.ca_cert {
        builder = builder.ca_cert_file(ca);
    }
    let a = builder.authorize_http(url).await?;
    out(&format!("Logged in to {url}"));
    if let Some(issuer) = &a.issuer {
        out(&format!("  authorization server: {issuer}"));
    }
    let expires = match a.expires_at {
        Some(at) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            format!(
                "expires in {}",
                humantime::format_duration(std::time::Duration::from_secs(at.saturating_sub(now)))
            )
        }
        None => "no expiry given".to_owned(),
    };
    out(&format!(
        "  token: {}, scope {}, {expires}, refresh token: {}",
        a.token_type,
        a.scope
            .as_deref()
            .map_or("(none)".to_owned(), |s| format!("{s:?}")),
        if a.refreshable { "yes" } else { "no" }
    ));
    match &dir {
        Some(d) => out(&format!(
            "  saved in {} (readable by you only)",
            auth::FileStore::new(d, url).path().display()
        )),
        None => eprintln!("mcp-tasks: no state directory (set --state-dir): the token is not kept"),
    }
    Ok(ExitCode::SUCCESS)
}

/// `mcp-tasks logout`: revokes the server's tokens where its authorization server allows
/// (best effort) and removes its credentials file.
async fn logout(conn: &Conn) -> Result<ExitCode, Error> {
    let url = conn
        .url
        .as_deref()
        .ok_or_else(|| Error::Config("logout needs --url".into()))?;
    let Some(dir) = state::dir(conn.state_dir.as_deref()) else {
        return Err(Error::Config("no state directory: set --state-dir".into()));
    };
    let store = auth::FileStore::new(&dir, url);
    if !store.path().exists() {
        out(&format!("Not logged in to {url}"));
        return Ok(ExitCode::SUCCESS);
    }
    let mut builder = ClientBuilder::new().oauth(auth::config(&conn.auth, url, Some(&dir))?);
    for ca in &conn.ca_cert {
        builder = builder.ca_cert_file(ca);
    }
    let revoked = match builder.revoke_http(url).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mcp-tasks: could not revoke the tokens ({e}); forgetting them anyway");
            false
        }
    };
    std::fs::remove_file(store.path())
        .map_err(|e| Error::Config(format!("cannot remove {}: {e}", store.path().display())))?;
    out(&format!(
        "Logged out of {url} (removed {}{})",
        store.path().display(),
        if revoked {
            "; tokens revoked at the authorization server"
        } else {
            ""
        }
    ));
    Ok(ExitCode::SUCCESS)
}

async fn run(cli: Cli) -> Result<ExitCode, Error> {
    let ui = Ui::new();
    match cli.cmd {
        Cmd::Login { conn } => login(&conn).await,
        Cmd::Logout { conn } => logout(&conn).await,
        Cmd::ConformanceClient { url, .. } => {
            let setup = conformance::Setup::from_env()?;
            let failures = conformance::run(&url, &setup).await?;
            if failures == 0 {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("conformance-client: {failures} operation(s) failed");
                Ok(ExitCode::FAILURE)
            }
        }
        Cmd::Ui {
            conn,
            listen,
            max_calls,
            max_questions,
        } => {
            let limits = web::Limits {
                max_runs: max_calls.max(1),
                max_questions: max_questions.max(1),
            };
            web::run(listen, limits, |h| async move {
                connect_with(&conn, h, None).await
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Tools { conn, json } => {
            let client = connect(&conn, &ui).await?;
            let tools = client.list_tools().await;
            client.close().await;
            let tools = tools?;
            if json {
                out(&pretty(&tools));
            } else {
                for t in &tools {
                    out(&describe_tool(t, client.era()));
                }
                if client.era() == Era::Modern {
                    eprintln!(
                        "(2026-07-28: the server decides per call which calls become tasks; \
                         `--era legacy` lists each tool's task support)"
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Call {
            conn,
            tool,
            args,
            json,
        } => {
            let args: Value = serde_json::from_str(&args)
                .map_err(|e| Error::Config(format!("the arguments are not JSON: {e}")))?;
            if !args.is_object() {
                return Err(Error::Config("the arguments must be a JSON object".into()));
            }
            let client = connect(&conn, &ui).await?;
            let stream = client.call_tool_stream(&tool, args);
            let state_dir = state::dir(conn.state_dir.as_deref());
            let mut saved: Option<String> = None;
            let end = follow(stream, &ui, &format!("calling {tool}"), |task_id| {
                // A v1 task lives in this session: remember it for `task watch` elsewhere.
                let (Some(url), Some(dir), Some(session)) =
                    (&conn.url, &state_dir, client.legacy_session())
                else {
                    return;
                };
                let task = state::SavedTask {
                    url: url.clone(),
                    session,
                };
                match state::save(dir, task_id, &task) {
                    Ok(path) => {
                        tracing::debug!("saved task {task_id} to {}", path.display());
                        saved = Some(task_id.to_owned());
                    }
                    Err(e) => tracing::warn!("cannot save task {task_id}: {e}"),
                }
            })
            .await;
            if end.task_left_running() {
                // The task outlives this process: keep its session and saved state, and say
                // how to pick it up.
                client.detach().await;
                return Ok(interrupted(&end, &conn));
            }
            if let (Some(dir), Some(id)) = (&state_dir, &saved) {
                state::remove(dir, id);
            }
            client.close().await;
            Ok(report(end, json, &ui))
        }
        Cmd::Task { action } => match action {
            TaskCmd::Get { id, conn, json } => {
                let (client, rejoined) = connect_for_task(&conn, &ui, &id).await?;
                let t = client.get_task(&id).await;
                leave(&client, rejoined.is_some()).await;
                let t = t?;
                if json {
                    out(&pretty(&task_json(&t)));
                } else {
                    out(&describe_task(&t));
                }
                Ok(ExitCode::SUCCESS)
            }
            TaskCmd::Cancel { id, conn } => {
                let (client, rejoined) = connect_for_task(&conn, &ui, &id).await?;
                let r = client.cancel_task(&id).await;
                leave(&client, rejoined.is_some()).await;
                r?;
                eprintln!("cancellation requested for task {id}");
                Ok(ExitCode::SUCCESS)
            }
            TaskCmd::Watch { id, conn, json } => {
                let (client, rejoined) = connect_for_task(&conn, &ui, &id).await?;
                // The elapsed time counts from the task's creation, not from this command.
                // A task that already ended shows no running time.
                if let Some(t) = client
                    .get_task(&id)
                    .await
                    .ok()
                    .filter(|t| !t.status.is_terminal())
                {
                    if let Ok(created) = humantime::parse_rfc3339_weak(&t.created_at) {
                        let age = std::time::SystemTime::now()
                            .duration_since(created)
                            .unwrap_or_default();
                        ui.task_started_ago(age);
                    }
                }
                let stream = client.resume_task_stream(&id);
                let mut end = follow(stream, &ui, &format!("task {id}"), |_| {}).await;
                end.task_id = Some(id.clone());
                if end.task_left_running() {
                    client.detach().await;
                    return Ok(interrupted(&end, &conn));
                }
                if rejoined.is_some() {
                    // The outcome has been read: the task's session is done with.
                    if let Some(dir) = state::dir(conn.state_dir.as_deref()) {
                        state::remove(&dir, &id);
                    }
                    client.close().await;
                } else {
                    client.detach().await;
                }
                Ok(report(end, json, &ui))
            }
        },
    }
}

/// Ends the connection; a rejoined session is left alive, since the task still belongs to
/// it (`task watch` ends it once the outcome is read).
async fn leave(client: &Client, rejoined: bool) {
    if rejoined {
        client.detach().await;
    } else {
        client.close().await;
    }
}

/// How following a call ended.
struct FollowEnd {
    /// The task the call became, if it did.
    task_id: Option<String>,
    /// `None`: interrupted (Ctrl-C) before the outcome.
    outcome: Option<Result<CallToolResult, Error>>,
}

impl FollowEnd {
    /// Whether a task keeps running on the server although this process stops following
    /// it: Ctrl-C, a lost connection, or a question that could not be asked.
    fn task_left_running(&self) -> bool {
        self.task_id.is_some()
            && match &self.outcome {
                None => true,
                Some(Err(e)) => e.is_transport() || matches!(e, Error::Handler(_)),
                Some(Ok(_)) => false,
            }
    }
}

/// Follows a call's events with a status line until it finishes or Ctrl-C; `on_created`
/// sees the id of a task the server creates.
async fn follow(
    mut stream: ToolCallStream,
    ui: &Ui,
    start: &str,
    mut on_created: impl FnMut(&str),
) -> FollowEnd {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(120));
    let mut task_id: Option<String> = None;
    // The last status and message shown, so a message left over from an earlier status is
    // not repeated next to a new one.
    let mut last: Option<(TaskStatus, Option<String>)> = None;
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    ui.set(start.to_owned());
    loop {
        tokio::select! {
            ev = stream.next() => match ev {
                Some(ToolEvent::TaskCreated { task_id: id }) => {
                    on_created(&id);
                    ui.task_started();
                    ui.note(&format!("task {id} created"));
                    ui.set(format!("task {id}: working"));
                    task_id = Some(id);
                }
                Some(ToolEvent::Status { task_id: id, status, message }) => {
                    task_id.get_or_insert_with(|| id.clone());
                    let stale = last.as_ref().is_some_and(|(s, m)| *s != status && *m == message);
                    let mut text = match (&message, stale) {
                        (Some(m), false) => format!("task {id}: {status} — {m}"),
                        _ => format!("task {id}: {status}"),
                    };
                    if status.is_terminal() {
                        if let Some(t) = ui.task_elapsed() {
                            text.push_str(&format!(" after {}", ui::elapsed(t)));
                        }
                    }
                    ui.status_changed(text, status == TaskStatus::InputRequired);
                    last = Some((status, message));
                }
                Some(ToolEvent::Progress { progress, total, message }) => {
                    ui.progress(progress, total, message);
                }
                Some(ToolEvent::InputRequired { .. }) => {}
                Some(ToolEvent::Finished(r)) => {
                    ui.clear();
                    return FollowEnd { task_id, outcome: Some(r) };
                }
                Some(_) => {}
                None => {
                    ui.clear();
                    let e = Error::Protocol("the call ended without a result".into());
                    return FollowEnd { task_id, outcome: Some(Err(e)) };
                }
            },
            _ = &mut interrupt => {
                ui.clear();
                if ui.is_prompting() {
                    // End the unanswered prompt's line.
                    eprintln!();
                }
                return FollowEnd { task_id, outcome: None };
            }
            _ = tick.tick() => ui.redraw(),
        }
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+=,".contains(&b));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What to tell the user when a task keeps running without us; the exit code.
fn interrupted(end: &FollowEnd, conn: &Conn) -> ExitCode {
    let Some(id) = &end.task_id else {
        return ExitCode::from(130);
    };
    match &end.outcome {
        None => eprintln!("mcp-tasks: interrupted"),
        Some(Err(e)) if e.is_transport() => {
            eprintln!("mcp-tasks: lost the connection to the server: {e}");
        }
        Some(Err(e)) => eprintln!("mcp-tasks: {e}"),
        Some(Ok(_)) => {}
    }
    match &conn.url {
        Some(url) => {
            let mut target = format!("--url {}", shell_word(url));
            match conn.era {
                EraArg::Auto => {}
                EraArg::Legacy => target.push_str(" --era legacy"),
                EraArg::Modern => target.push_str(" --era modern"),
            }
            // --state-dir only when it was given on the command line (not from the env).
            let from_env = std::env::var_os("MCP_TASKS_STATE_DIR").map(PathBuf::from);
            if let Some(dir) = conn
                .state_dir
                .as_ref()
                .filter(|d| from_env.as_ref() != Some(d))
            {
                target.push_str(&format!(
                    " --state-dir {}",
                    shell_word(&dir.display().to_string())
                ));
            }
            for ca in &conn.ca_cert {
                target.push_str(&format!(
                    " --ca-cert {}",
                    shell_word(&ca.display().to_string())
                ));
            }
            let id = shell_word(id);
            eprintln!("task {id} may still be running on the server.");
            eprintln!("  follow it:  mcp-tasks task watch {id} {target}");
            eprintln!("  cancel it:  mcp-tasks task cancel {id} {target}");
        }
        None => eprintln!(
            "task {id} ran in the stdio server this command started, which stops with it."
        ),
    }
    if end.outcome.is_none() {
        ExitCode::from(130)
    } else {
        ExitCode::FAILURE
    }
}

/// Prints the outcome; the exit code is non-zero for errors and `isError` results.
fn report(end: FollowEnd, json: bool, ui: &Ui) -> ExitCode {
    match end.outcome {
        Some(Ok(r)) => {
            if json {
                out(&pretty(&r));
            } else {
                print_result(&r);
            }
            if r.is_error == Some(true) {
                eprintln!("mcp-tasks: the tool reported an error");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Some(Err(e)) => {
            eprintln!("mcp-tasks: {e}");
            if ui.stdin_was_closed() && !matches!(e, Error::Handler(_)) {
                eprintln!("mcp-tasks: {}", prompt::StdinClosed);
            }
            ExitCode::FAILURE
        }
        None => {
            eprintln!("mcp-tasks: interrupted");
            ExitCode::from(130)
        }
    }
}

fn print_result(r: &CallToolResult) {
    let mut printed = false;
    for block in &r.content {
        match block.as_text() {
            Some(t) => out(t),
            None => out(&pretty(block)),
        }
        printed = true;
    }
    if !printed {
        if let Some(s) = &r.structured_content {
            out(&pretty(s));
        }
    }
}

/// The task as JSON (`task get --json`).
fn task_json(t: &TaskInfo) -> Value {
    let mut v = json!({
        "taskId": t.task_id,
        "status": t.status.as_str(),
        "createdAt": t.created_at,
        "lastUpdatedAt": t.last_updated_at,
        "ttlMs": t.ttl_ms,
    });
    if let Some(m) = &t.status_message {
        v["statusMessage"] = json!(m);
    }
    if let Some(p) = t.poll_interval_ms {
        v["pollIntervalMs"] = json!(p);
    }
    if let Some(r) = &t.input_requests {
        v["inputRequests"] = serde_json::to_value(r).unwrap_or(Value::Null);
    }
    if let Some(r) = &t.result {
        v["result"] = Value::Object(r.clone());
    }
    if let Some(e) = &t.error {
        v["error"] = serde_json::to_value(e).unwrap_or(Value::Null);
    }
    v
}

/// The task for a person (`task get`).
fn describe_task(t: &TaskInfo) -> String {
    let mut lines = vec![match &t.status_message {
        Some(m) => format!("task {}: {} — {m}", t.task_id, t.status),
        None => format!("task {}: {}", t.task_id, t.status),
    }];
    lines.push(format!("  created      {}", t.created_at));
    lines.push(format!("  updated      {}", t.last_updated_at));
    lines.push(format!(
        "  ttl          {}",
        t.ttl_ms
            .map(|ms| ui::elapsed(std::time::Duration::from_millis(ms)))
            .unwrap_or_else(|| "unlimited".into())
    ));
    if let Some(p) = t.poll_interval_ms {
        lines.push(format!("  poll every   {p} ms"));
    }
    if let Some(r) = &t.input_requests {
        let keys: Vec<&str> = r.keys().map(String::as_str).collect();
        lines.push(format!(
            "  waiting for  {} (answer with `mcp-tasks task watch {}`)",
            keys.join(", "),
            t.task_id
        ));
    }
    if let Some(r) = &t.result {
        match serde_json::from_value::<CallToolResult>(Value::Object(r.clone())) {
            Ok(r) => {
                let texts: Vec<String> = r
                    .content
                    .iter()
                    .map(|b| b.as_text().map(str::to_owned).unwrap_or_else(|| pretty(b)))
                    .collect();
                let label = if r.is_error == Some(true) {
                    "tool error  "
                } else {
                    "result      "
                };
                lines.push(format!("  {label} {}", texts.join("\n               ")));
            }
            Err(_) => lines.push(format!("  result       {}", pretty(r))),
        }
    }
    if let Some(e) = &t.error {
        lines.push(format!("  error        {} {}", e.code, e.message));
    }
    lines.join("\n")
}

fn describe_tool(t: &mcp_tasks_types::tool::Tool, era: Era) -> String {
    let args: Vec<String> = t
        .input_schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            let required: Vec<&str> = t
                .input_schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            p.keys()
                .map(|k| {
                    if required.contains(&k.as_str()) {
                        k.clone()
                    } else {
                        format!("{k}?")
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut line = format!("{}({})", t.name, args.join(", "));
    if era == Era::Legacy {
        match t.task_support() {
            TaskSupport::Optional => line.push_str(" [task: optional]"),
            TaskSupport::Required => line.push_str(" [task: required]"),
            TaskSupport::Forbidden => {}
        }
    }
    if let Some(d) = t.description.as_deref().or(t.title.as_deref()) {
        line = format!("{line:<40} {d}");
    }
    line
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

/// Splits a command line like a POSIX shell would for plain words, quotes and
/// backslashes (no expansion).
fn split_command(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => match chars.next() {
                Some(n) => cur.push(n),
                None => return Err("--cmd ends with a backslash".into()),
            },
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
        if quote.is_some() {
            in_word = true;
        }
    }
    if quote.is_some() {
        return Err("--cmd has an unclosed quote".into());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::split_command;
    use super::{Cli, Cmd, TaskCmd};
    use clap::Parser as _;

    #[test]
    fn task_ids_may_start_with_a_dash() {
        // Task ids are base64url: `-` is a valid first character.
        let cli = Cli::try_parse_from(["mcp-tasks", "task", "cancel", "-tXYZ", "--url", "u"])
            .expect("parses");
        let Cmd::Task {
            action: TaskCmd::Cancel { id, conn },
        } = cli.cmd
        else {
            panic!("not task cancel");
        };
        assert_eq!((id.as_str(), conn.url.as_deref()), ("-tXYZ", Some("u")));
    }

    #[test]
    fn commands_split_like_a_shell() {
        assert_eq!(
            split_command(r#"srv --stdio --name "a b" 'c d' e\ f"#).unwrap(),
            ["srv", "--stdio", "--name", "a b", "c d", "e f"]
        );
        assert_eq!(split_command(r#"x """#).unwrap(), ["x", ""]);
        assert!(split_command("x 'open").is_err());
    }
}
