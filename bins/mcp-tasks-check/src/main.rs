//! `mcp-tasks-check`: a conformance checker for MCP servers — the tasks extension
//! (SEP-2663), Tasks v1 (2025-11-25), MRTR (SEP-2322), routing headers (SEP-2243), the
//! stateless core (SEP-2575) and task durability. See README.md for the report formats.

mod client;
mod fixtures;
mod html;
mod model;
mod net;
mod peer;
mod report;
mod scenarios;
mod target;

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

use crate::model::{Recorder, ScenarioResult, ScenarioStatus};
use crate::net::{Conn, HttpTarget, StdioPeer};
use crate::peer::{Env, Tools};
use crate::scenarios::{Cx, Needs, Scenario};
use crate::target::Target;

#[derive(Debug, Parser)]
#[command(
    name = "mcp-tasks-check",
    version,
    about = "Conformance checker for MCP Tasks, MRTR, routing headers and stateless MCP"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Checks a server (Streamable HTTP at --url, or stdio with --stdio-cmd).
    Server(Box<ServerArgs>),
    /// Checks a client: starts a mock tasks server per scenario and runs `--cmd URL` with
    /// MCP_CONFORMANCE_SCENARIO set (the official suite's client-mode contract).
    Client(ClientArgs),
    /// The mock server of one client scenario on stdin/stdout (what `client --stdio` gives
    /// the client to start).
    #[command(hide = true)]
    ClientMock {
        /// The client scenario.
        #[arg(long)]
        scenario: String,
        /// Where the mock keeps what the client did, for the checker.
        #[arg(long)]
        state: std::path::PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct ClientArgs {
    /// Shell command of the client under test; the mock server's URL is appended as its
    /// last argument (run with `sh -c` in its own process group).
    #[arg(long, required_unless_present = "list")]
    cmd: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write the report to this file (same format).
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Run only scenarios or checks matching PATTERN (`*` wildcards; comma-separated).
    #[arg(long, value_name = "PATTERN", value_delimiter = ',')]
    only: Vec<String>,
    /// Leave out scenarios or checks matching PATTERN.
    #[arg(long, value_name = "PATTERN", value_delimiter = ',')]
    skip: Vec<String>,
    /// List scenarios and checks and exit.
    #[arg(long)]
    list: bool,
    /// Show the detail of passing checks too (text format).
    #[arg(long, short)]
    verbose: bool,
    /// stdio client: instead of a URL, the client gets as its last argument the command of
    /// a mock server to start, and talks to it on that process's stdin/stdout.
    #[arg(long)]
    stdio: bool,
    /// How long one client run may take before it is killed, in seconds.
    #[arg(long, default_value_t = 60.0)]
    client_timeout_secs: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Junit,
    /// One self-contained HTML page.
    Html,
}

#[derive(Debug, clap::Args)]
struct ServerArgs {
    /// URL of the server's MCP endpoint, e.g. http://127.0.0.1:8080/mcp.
    #[arg(long, required_unless_present_any = ["stdio_cmd", "list"])]
    url: Option<String>,
    /// Shell command that starts the server (run with `sh -c` in its own process group;
    /// the checker waits for --url's port, and kills the group at the end).
    #[arg(long, requires = "url", conflicts_with = "stdio_cmd")]
    cmd: Option<String>,
    /// Shell command of a stdio server (newline-delimited JSON-RPC on stdin/stdout).
    #[arg(long)]
    stdio_cmd: Option<String>,
    /// PEM file of a certificate authority to trust for an https:// --url, besides the
    /// system's roots (repeatable). HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured.
    #[arg(long, value_name = "FILE")]
    ca_cert: Vec<std::path::PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write the report to this file (same format).
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Run only scenarios or checks matching PATTERN (name, group or check id; `*` wildcards;
    /// repeatable, comma-separated).
    #[arg(long, value_name = "PATTERN", value_delimiter = ',')]
    only: Vec<String>,
    /// Leave out scenarios or checks matching PATTERN.
    #[arg(long, value_name = "PATTERN", value_delimiter = ',')]
    skip: Vec<String>,
    /// List scenarios and checks (with severity and source) and exit.
    #[arg(long)]
    list: bool,
    /// Run the durability scenario (needs --cmd or --stdio-cmd: the server is killed with -9
    /// and started again; use a persistent store).
    #[arg(long)]
    durability: bool,
    /// Run the multi-instance scenario against these endpoints of instances sharing one task
    /// store (2 or more; comma-separated). Tasks are created on the first.
    #[arg(long, value_name = "URL,URL,...", value_delimiter = ',')]
    instances: Vec<String>,
    /// Shell command that kills the first of --instances (e.g. `kill -9 PID`), for the
    /// takeover check of the multi-instance scenario.
    #[arg(long, value_name = "CMD")]
    kill_cmd: Option<String>,
    /// How long the tasks of the killed instance may take to be taken over, in seconds
    /// (set it above the implementation's lease).
    #[arg(long, default_value_t = 60.0)]
    takeover_timeout_secs: f64,
    /// Show the detail of passing checks too (text format).
    #[arg(long, short)]
    verbose: bool,
    /// An OAuth access token for an OAuth-protected server: sent with every request
    /// (`Authorization: Bearer`), and runs the auth scenarios (401 challenge and Protected
    /// Resource Metadata without it).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "MCP_TASKS_CHECK_BEARER",
        hide_env_values = true
    )]
    bearer: Option<String>,
    /// A second principal's token: runs the isolation checks (each task operation of one
    /// principal on the other's task must be refused as for an id that never existed).
    #[arg(
        long,
        value_name = "TOKEN",
        requires = "bearer",
        env = "MCP_TASKS_CHECK_BEARER_OTHER",
        hide_env_values = true
    )]
    bearer_other: Option<String>,
    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout_secs: f64,
    /// How long a task may take to reach an expected status, in seconds.
    #[arg(long, default_value_t = 15.0)]
    task_timeout_secs: f64,
    /// How long a started server may take to listen, in seconds.
    #[arg(long, default_value_t = 30.0)]
    startup_timeout_secs: f64,
    /// Largest message read from the server, in bytes (a reply, one event of a stream, one
    /// stdio line); a larger one is reported as the server's error.
    #[arg(long, value_name = "BYTES", default_value_t = net::DEFAULT_MAX_MESSAGE_BYTES)]
    max_message_bytes: usize,
    /// Sync-only fixture tool (`{name}` → "Hello, {name}!").
    #[arg(long, default_value = "greet")]
    tool_greet: String,
    /// Task-optional fixture tool (`{seconds, label}`).
    #[arg(long, default_value = "slow_compute")]
    tool_slow_compute: String,
    /// Task-required fixture tool whose result has isError: true.
    #[arg(long, default_value = "failing_job")]
    tool_failing_job: String,
    /// Task fixture tool that fails with a JSON-RPC error.
    #[arg(long, default_value = "protocol_error_job")]
    tool_protocol_error_job: String,
    /// Task fixture tool that asks one elicitation (`{filename}`).
    #[arg(long, default_value = "confirm_delete")]
    tool_confirm_delete: String,
    /// Task fixture tool that asks two questions at once.
    #[arg(long, default_value = "multi_input")]
    tool_multi_input: String,
    /// MRTR round, then a task.
    #[arg(long, default_value = "test_tool_with_task")]
    tool_with_task: String,
    /// Tool that asks the client one elicitation, task-augmented when the client hosts such
    /// tasks (Tasks v1, client-hosted).
    #[arg(long, default_value = "approve_via_client_task")]
    tool_client_task: String,
    /// Prefix of the MRTR fixture tools.
    #[arg(long, default_value = "test_input_required_result_")]
    mrtr_prefix: String,
    /// MRTR fixture prompt.
    #[arg(long, default_value = "test_input_required_result_prompt")]
    mrtr_prompt: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-tasks-check: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Server(args) => rt.block_on(run(*args)),
        Command::Client(args) => rt.block_on(run_client(args)),
        Command::ClientMock { scenario, state } => {
            match rt.block_on(client::serve_mock_stdio(&scenario, state)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("mcp-tasks-check client-mock: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn matches_client(pats: &[String], s: &client::ClientScenario, id: &str) -> bool {
    pats.iter()
        .any(|p| glob(p, s.name) || glob(p, client::GROUP) || glob(p, id))
}

/// Writes the report; the exit status.
fn emit(rep: &report::Report, format: Format, verbose: bool, output: Option<&std::path::Path>) {
    let out = match format {
        Format::Text => rep.text(verbose),
        Format::Json => rep.json(),
        Format::Junit => rep.junit(),
        Format::Html => rep.html(),
    };
    print!("{out}");
    if let Some(path) = output {
        if let Err(e) = std::fs::write(path, &out) {
            eprintln!("mcp-tasks-check: cannot write {}: {e}", path.display());
        }
    }
}

async fn run_client(args: ClientArgs) -> ExitCode {
    let selected = |s: &client::ClientScenario, id: &str| {
        (args.only.is_empty() || matches_client(&args.only, s, id))
            && !matches_client(&args.skip, s, id)
    };
    if args.list {
        print!("{}", client::list(selected));
        return ExitCode::SUCCESS;
    }
    let Some(cmd) = args.cmd.clone() else {
        eprintln!("mcp-tasks-check: client mode needs --cmd");
        return ExitCode::from(2);
    };
    let timeout = Duration::from_secs_f64(args.client_timeout_secs.max(1.0));
    let bar = (args.format == Format::Text && std::io::stderr().is_terminal())
        .then(indicatif::ProgressBar::new_spinner);
    let started = Instant::now();
    let mut results = Vec::new();
    for s in client::scenarios() {
        let declared: Vec<_> = s
            .checks
            .iter()
            .copied()
            .filter(|c| selected(&s, c.id))
            .collect();
        if declared.is_empty() {
            continue;
        }
        if let Some(b) = &bar {
            b.set_message(format!("running {} with the client", s.name));
        }
        let r = client::run_scenario(&s, &cmd, timeout, &declared, args.stdio).await;
        if let Some(b) = &bar {
            b.println(report::scenario_line(&r));
        }
        results.push(r);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let rep = report::Report::new(
        report::TargetDesc {
            url: None,
            command: Some(cmd),
            transport: if args.stdio { "stdio" } else { "http" },
        },
        results,
        started.elapsed(),
    );
    emit(&rep, args.format, args.verbose, args.output.as_deref());
    if rep.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Whether `name` matches `pattern` (`*` matches any run of characters).
fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(at) => rest = &rest[at + p.len()..],
                None => return false,
            }
        }
    }
    true
}

struct Selection {
    only: Vec<String>,
    skip: Vec<String>,
}

impl Selection {
    fn any(pats: &[String], s: &Scenario, id: Option<&str>) -> bool {
        pats.iter()
            .any(|p| glob(p, s.name) || glob(p, s.group) || id.is_some_and(|id| glob(p, id)))
    }

    /// Whether check `id` of `s` is reported.
    fn check(&self, s: &Scenario, id: &str) -> bool {
        (self.only.is_empty() || Self::any(&self.only, s, Some(id)))
            && !Self::any(&self.skip, s, Some(id))
    }

    /// Whether `s` runs at all.
    fn scenario(&self, s: &Scenario) -> bool {
        s.checks.iter().any(|c| self.check(s, c.id))
    }
}

fn tools(a: &ServerArgs) -> Tools {
    Tools {
        greet: a.tool_greet.clone(),
        slow_compute: a.tool_slow_compute.clone(),
        failing_job: a.tool_failing_job.clone(),
        protocol_error_job: a.tool_protocol_error_job.clone(),
        confirm_delete: a.tool_confirm_delete.clone(),
        multi_input: a.tool_multi_input.clone(),
        tool_with_task: a.tool_with_task.clone(),
        client_task: a.tool_client_task.clone(),
        mrtr_prefix: a.mrtr_prefix.clone(),
        mrtr_prompt: a.mrtr_prompt.clone(),
    }
}

/// Kills the started server with -9 and starts it again (durability scenario).
pub(crate) async fn restart(env: &Env) -> Result<(), String> {
    let Some(target) = &env.target else {
        return Err("a restart needs a server the checker started (--cmd or --stdio-cmd)".into());
    };
    let mut t = target.lock().await;
    t.kill_hard().await;
    let pipes = t.restart()?;
    let conn = env.conn().await;
    match (&*conn, pipes) {
        (Conn::Http(h), _) => {
            let startup = Duration::from_secs(30);
            t.wait_for_port(&h.authority, startup).await?;
            // A listening port is not yet a serving server: wait for one HTTP answer.
            let deadline = Instant::now() + startup;
            let probe = serde_json::json!({"jsonrpc": "2.0", "id": "restart-probe", "method": "server/discover", "params": {}});
            loop {
                match conn.post(&probe, &[], env.timeout).await {
                    Ok(_) => break,
                    Err(e) if Instant::now() >= deadline => {
                        return Err(format!("the restarted server does not answer: {e}"));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
        (Conn::Stdio(_), Some((i, o))) => {
            *env.conn.write().await = Arc::new(Conn::Stdio(StdioPeer::start(i, o)));
        }
        (Conn::Stdio(_), None) => return Err("the restarted stdio server has no pipes".into()),
    }
    Ok(())
}

async fn run(args: ServerArgs) -> ExitCode {
    net::set_max_message_bytes(args.max_message_bytes);
    let all = scenarios::all();
    let sel = Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
    };
    if args.list {
        print!(
            "{}",
            report::list(&all, &tools(&args), |s, id| sel.check(s, id))
        );
        return ExitCode::SUCCESS;
    }
    let secs = |s: f64| Duration::from_secs_f64(s.max(0.1));
    let timeout = secs(args.timeout_secs);

    // Start the server, if asked to.
    let mut spawned = None;
    let conn = if let Some(cmd) = &args.stdio_cmd {
        match Target::spawn(cmd, true) {
            Ok((t, Some((i, o)))) => {
                spawned = Some(t);
                Conn::Stdio(StdioPeer::start(i, o))
            }
            Ok(_) => {
                eprintln!("mcp-tasks-check: the stdio server has no pipes");
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("mcp-tasks-check: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        let url = args.url.clone().unwrap_or_default();
        let target = match HttpTarget::parse(&url, &args.ca_cert) {
            Ok(mut t) => {
                t.bearer = args.bearer.clone();
                t
            }
            Err(e) => {
                eprintln!("mcp-tasks-check: {e}");
                return ExitCode::from(2);
            }
        };
        if let Some(cmd) = &args.cmd {
            let mut t = match Target::spawn(cmd, false) {
                Ok((t, _)) => t,
                Err(e) => {
                    eprintln!("mcp-tasks-check: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Err(e) = t
                .wait_for_port(&target.authority, secs(args.startup_timeout_secs))
                .await
            {
                eprintln!("mcp-tasks-check: {e}");
                t.stop().await;
                return ExitCode::from(2);
            }
            spawned = Some(t);
        }
        // A server that cannot be reached makes every check fail for the same reason: say it
        // once and stop (exit 2: the run itself failed, not the server's conformance).
        if let Err(e) = target.reachable(timeout).await {
            eprintln!("mcp-tasks-check: cannot reach {url}: {e}");
            if let Some(t) = spawned.as_mut() {
                t.stop().await;
            }
            return ExitCode::from(2);
        }
        Conn::Http(Box::new(target))
    };
    let can_restart = spawned.is_some();
    let mut env = Env::new(
        conn,
        tools(&args),
        timeout,
        secs(args.task_timeout_secs),
        spawned,
    )
    .with_stdio_cmd(args.stdio_cmd.clone());
    env.instances = args.instances.clone();
    env.kill_cmd = args.kill_cmd.clone();
    env.takeover_timeout = secs(args.takeover_timeout_secs);
    env.bearer = args.bearer.clone();
    env.bearer_other = args.bearer_other.clone();
    let env = Arc::new(env);
    let http = env.is_http().await;
    // What the server offers decides which checks can run at all (a missing fixture is a
    // skip naming it, never a failure of the rule the check is about).
    let offered = fixtures::discover(&env).await;

    let selected: Vec<&Scenario> = all.iter().filter(|s| sel.scenario(s)).collect();
    let bar = (args.format == Format::Text && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(selected.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut results = Vec::new();
    let started = Instant::now();
    for s in selected {
        if let Some(b) = &bar {
            b.set_message(format!("running {}", s.name));
        }
        let t0 = Instant::now();
        let declared: Vec<_> = s
            .checks
            .iter()
            .copied()
            .filter(|c| sel.check(s, c.id))
            .collect();
        let not_run = match s.needs {
            Needs::Http if !http => Some((
                ScenarioStatus::NotApplicable,
                "needs a Streamable HTTP server (--url)",
            )),
            Needs::Restart if !args.durability => {
                Some((ScenarioStatus::NotRequested, "opt-in: pass --durability"))
            }
            Needs::Restart if !can_restart => Some((
                ScenarioStatus::NotApplicable,
                "needs a server the checker starts (--cmd or --stdio-cmd)",
            )),
            Needs::Auth | Needs::AuthOther if args.bearer.is_none() => Some((
                ScenarioStatus::NotRequested,
                "opt-in: pass --bearer TOKEN (an OAuth-protected server)",
            )),
            Needs::AuthOther if args.bearer_other.is_none() => Some((
                ScenarioStatus::NotRequested,
                "opt-in: pass --bearer-other TOKEN2 (a second principal)",
            )),
            Needs::Auth | Needs::AuthOther if !http => Some((
                ScenarioStatus::NotApplicable,
                "needs a Streamable HTTP server (--url)",
            )),
            Needs::Instances if args.instances.len() < 2 => Some((
                ScenarioStatus::NotRequested,
                "opt-in: pass --instances URL,URL,... (two or more instances on one store)",
            )),
            _ => match &offered.no_extension {
                // A server without the extension breaks none of its rules by lacking it.
                Some(why) if s.group == scenarios::EXTENSION_GROUP => {
                    Some((ScenarioStatus::NotApplicable, why.as_str()))
                }
                _ => None,
            },
        };
        if let Some((status, reason)) = not_run {
            let checks = Recorder::default().into_results(&declared, reason);
            let r = ScenarioResult::not_run(s.name, s.group, s.description, status, reason, checks);
            if let Some(b) = &bar {
                b.println(report::scenario_line(&r));
                b.inc(1);
            }
            results.push(r);
            continue;
        }
        // Checks whose fixtures the server lacks are skipped, saying which and how to map them.
        let lacking: Vec<(&'static str, String)> = declared
            .iter()
            .filter_map(|c| {
                let m = offered.missing(c.id, &env.tools);
                (!m.is_empty()).then(|| (c.id, fixtures::reason(&m, &env.tools)))
            })
            .collect();
        if lacking.len() == declared.len() {
            let mut rec = Recorder::default();
            for (c, (_, why)) in declared.iter().zip(&lacking) {
                rec.skip(c, why.clone());
            }
            let checks = rec.into_results(&declared, "");
            let r = ScenarioResult::finish(
                s.name,
                s.group,
                s.description,
                None,
                Duration::ZERO,
                checks,
            );
            if let Some(b) = &bar {
                b.println(report::scenario_line(&r));
                b.inc(1);
            }
            results.push(r);
            continue;
        }
        let mut cx = Cx {
            env: env.clone(),
            rec: Recorder::default(),
        };
        let mut scenario_budget = env.timeout * 6 + env.task_timeout * 4;
        if s.needs == Needs::Instances {
            scenario_budget += env.takeover_timeout * 2;
        }
        let out = tokio::time::timeout(scenario_budget, (s.run)(&mut cx)).await;
        let error = match out {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(_) => Some(format!(
                "the scenario did not finish within {scenario_budget:?}"
            )),
        };
        // A scenario that stopped because it called a fixture the server lacks did not find
        // a fault: its unreached checks are skipped, not the run failed.
        let lacked = |e: &str| {
            declared.iter().any(|c| {
                offered
                    .missing(c.id, &env.tools)
                    .iter()
                    .any(|f| e.contains(&f.name(&env.tools)))
            })
        };
        let (error, reason) = match error {
            Some(e) if lacked(&e) => (
                None,
                format!("not reached: the scenario stopped at a missing fixture ({e})"),
            ),
            Some(e) => {
                let reason = format!("not reached: the scenario stopped ({e})");
                (Some(e), reason)
            }
            None => (None, "not reached".to_owned()),
        };
        let mut checks = cx.rec.into_results(&declared, &reason);
        checks.retain(|c| declared.iter().any(|d| d.id == c.id));
        for c in &mut checks {
            if let Some((_, why)) = lacking.iter().find(|(id, _)| *id == c.id) {
                c.status = model::Status::Skipped;
                c.detail.clone_from(why);
            }
        }
        let r = ScenarioResult::finish(s.name, s.group, s.description, error, t0.elapsed(), checks);
        if let Some(b) = &bar {
            b.println(report::scenario_line(&r));
            b.inc(1);
        }
        results.push(r);
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let target_desc = match (&args.stdio_cmd, &args.cmd, &args.url) {
        (Some(c), _, _) => report::TargetDesc {
            url: None,
            command: Some(c.clone()),
            transport: "stdio",
        },
        (None, c, u) => report::TargetDesc {
            url: u.clone(),
            command: c.clone(),
            transport: "http",
        },
    };
    let rep = report::Report::new(target_desc, results, started.elapsed()).with_fixtures(
        report::FixtureSummary {
            learnt: offered.how.clone(),
            missing: fixtures::ALL
                .iter()
                .filter(|f| !offered.has(**f, &env.tools))
                .map(|f| format!("{} ({})", f.name(&env.tools), f.flag()))
                .collect(),
        },
    );
    emit(&rep, args.format, args.verbose, args.output.as_deref());
    if let Some(t) = &env.target {
        let mut t = t.lock().await;
        if rep.ok() {
            t.stop().await;
        } else {
            let tail = t.output_tail(20);
            t.stop().await;
            if !tail.is_empty() && args.format == Format::Text {
                eprintln!("--- last lines of the server's output ---\n{tail}");
            }
        }
    }
    if rep.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
