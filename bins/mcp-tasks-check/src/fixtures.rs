//! Fixtures: the tools and the prompt the checks call, which of them the server under test
//! offers, and which checks need which. A check whose fixture the server lacks is reported as
//! skipped, naming the missing tool and the flag that maps it: a server written on another SDK
//! rarely has every fixture, and "Unknown tool" says nothing about the rule being checked.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::peer::{Env, Legacy, Modern, Tools, caps_plain, caps_with_tasks};

/// One fixture the checks call (TASKS_CHECKS.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fixture {
    Greet,
    SlowCompute,
    FailingJob,
    ProtocolErrorJob,
    ConfirmDelete,
    MultiInput,
    ToolWithTask,
    /// One of the MRTR tools: `--mrtr-prefix` + this suffix.
    Mrtr(&'static str),
    MrtrPrompt,
}

use Fixture::*;

/// Every fixture, in the order the README lists them.
pub(crate) const ALL: &[Fixture] = &[
    Greet,
    SlowCompute,
    FailingJob,
    ProtocolErrorJob,
    ConfirmDelete,
    MultiInput,
    ToolWithTask,
    Mrtr("elicitation"),
    Mrtr("sampling"),
    Mrtr("list_roots"),
    Mrtr("request_state"),
    Mrtr("multiple_inputs"),
    Mrtr("multi_round"),
    Mrtr("tampered_state"),
    Mrtr("capabilities"),
    MrtrPrompt,
];

impl Fixture {
    /// The name the server must offer, as mapped by the flags.
    pub(crate) fn name(self, t: &Tools) -> String {
        match self {
            Greet => t.greet.clone(),
            SlowCompute => t.slow_compute.clone(),
            FailingJob => t.failing_job.clone(),
            ProtocolErrorJob => t.protocol_error_job.clone(),
            ConfirmDelete => t.confirm_delete.clone(),
            MultiInput => t.multi_input.clone(),
            ToolWithTask => t.tool_with_task.clone(),
            Mrtr(s) => format!("{}{s}", t.mrtr_prefix),
            MrtrPrompt => t.mrtr_prompt.clone(),
        }
    }

    /// The flag that maps it to another name.
    pub(crate) fn flag(self) -> &'static str {
        match self {
            Greet => "--tool-greet",
            SlowCompute => "--tool-slow-compute",
            FailingJob => "--tool-failing-job",
            ProtocolErrorJob => "--tool-protocol-error-job",
            ConfirmDelete => "--tool-confirm-delete",
            MultiInput => "--tool-multi-input",
            ToolWithTask => "--tool-with-task",
            Mrtr(_) => "--mrtr-prefix",
            MrtrPrompt => "--mrtr-prompt",
        }
    }

    pub(crate) fn is_prompt(self) -> bool {
        self == MrtrPrompt
    }

    /// Why a check needing this fixture is skipped.
    pub(crate) fn missing_reason(self, t: &Tools) -> String {
        let (kind, how) = match self {
            Mrtr(_) => (
                "tool",
                "map your MRTR tools' common prefix with --mrtr-prefix PREFIX",
            ),
            MrtrPrompt => ("prompt", "map yours with --mrtr-prompt NAME"),
            _ => ("tool", ""),
        };
        let how = if how.is_empty() {
            format!("map yours with {} NAME", self.flag())
        } else {
            how.to_owned()
        };
        format!(
            "the server has no fixture {kind} `{}` ({how})",
            self.name(t)
        )
    }
}

/// The fixtures check `id` needs. Found by running every check against the reference server
/// with each fixture mapped to a name it does not offer (`tests/fixtures.rs` keeps this table
/// honest): a check listed here cannot pass without these fixtures, either because it calls
/// them or because its scenario cannot reach it without them.
pub(crate) fn needs(id: &str) -> &'static [Fixture] {
    const SLOW: &[Fixture] = &[SlowCompute];
    const FAILING: &[Fixture] = &[FailingJob];
    const GREET: &[Fixture] = &[Greet];
    const FAILED: &[Fixture] = &[SlowCompute, FailingJob, ProtocolErrorJob];
    const INPUT: &[Fixture] = &[ConfirmDelete];
    const MULTI: &[Fixture] = &[ConfirmDelete, MultiInput];
    const TWO_STORES: &[Fixture] = &[SlowCompute, ConfirmDelete];
    const ELICIT: &[Fixture] = &[Mrtr("elicitation")];
    match id {
        // tasks-lifecycle: one scenario, its tasks one after the other.
        "tasks-sync-tool-call" => GREET,
        "sep-2663-result-type-task-on-create"
        | "sep-2663-durable-create-strong-consistency"
        | "sep-2663-tasks-get-status-working"
        | "sep-2663-result-type-complete-on-tasks-get"
        | "sep-2663-tasks-get-status-completed" => SLOW,
        "sep-2663-tool-error-uses-completed-status" => &[SlowCompute, FailingJob],
        "sep-2663-tasks-get-status-failed"
        | "sep-2663-failed-status-jsonrpc-only"
        | "sep-2663-failed-includes-statusmessage" => FAILED,
        // tasks-capability-negotiation
        "tasks-per-request-meta-opt-in"
        | "sep-2663-server-rejects-undeclared-client"
        | "sep-2663-legacy-capability-treated-as-non-declaring" => SLOW,
        // tasks-required-task-error
        "sep-2663-server-returns-missing-capability-when-required"
        | "sep-2663-server-returns-missing-capability-data-shape" => FAILING,
        // tasks-wire-fields, tasks-cancellation, tasks-result-schema: one long task each.
        "tasks-wire-field-renames"
        | "tasks-no-early-ttl-expiry"
        | "tasks-no-related-task-meta-on-inlined-result"
        | "tasks-create-result-no-request-state"
        | "tasks-get-detailed-no-request-state"
        | "sep-2663-cancel-ack-empty-result"
        | "sep-2663-result-type-complete-on-tasks-cancel"
        | "sep-2663-tasks-get-status-cancelled"
        | "tasks-cancel-terminal-idempotent-ack"
        | "sep-2663-cancel-not-via-cancelled-notification"
        | "tasks-inlined-result-validates-as-method-result" => SLOW,
        // tasks-input-required
        "sep-2663-tasks-get-status-input-required"
        | "sep-2663-update-ack-empty-result"
        | "sep-2663-result-type-complete-on-tasks-update"
        | "tasks-mrtr-tasks-update-resumes"
        | "sep-2663-update-ignore-unknown-keys" => INPUT,
        "tasks-mrtr-partial-fulfillment"
        | "sep-2663-input-request-key-unique-per-task"
        | "sep-2663-no-key-reuse-after-response" => MULTI,
        // tasks-dispatch-and-envelope
        "tasks-server-directed-creation-no-hint" => FAILING,
        "sep-2663-legacy-task-param-ignored"
        | "tasks-result-type-complete-on-non-task-responses" => GREET,
        "tasks-immediate-result-shortcut" => SLOW,
        // tasks-mrtr-composition
        "sep-2663-mrtr-synchronous-before-task-creation" => &[ToolWithTask],
        // tasks-request-headers
        "tasks-headers-tolerate-mcp-method-on-tools-call" => GREET,
        "sep-2663-routing-headers-accepted-on-tasks-get"
        | "tasks-headers-reject-mismatched-method"
        | "sep-2663-server-rejects-mismatched-mcp-name-on-tasks-get" => SLOW,
        // tasks-status-notifications: every check follows one input_required task.
        "sep-2575-server-sends-subscription-ack"
        | "tasks-listen-ack-subset"
        | "sep-2575-server-tags-subscription-id"
        | "tasks-notification-payload-detailed-task"
        | "tasks-notification-includes-result"
        | "sep-2663-no-progress-or-message-on-task-stream"
        | "tasks-notification-only-subscribed"
        | "tasks-notification-delivered" => INPUT,
        // tasks-v1: the capability checks need nothing; the rest follow one v1 task.
        "sep-1686-server-declares-tasks-capability"
        | "sep-1686-extension-capability-ignored-on-legacy" => &[],
        "sep-1686-tool-execution-task-support" => &[Greet, SlowCompute, FailingJob],
        "sep-1686-forbidden-tool-with-task-32601" => &[Greet, SlowCompute],
        "sep-1686-required-tool-without-task-32601" | "sep-1686-is-error-is-failed" => {
            &[SlowCompute, FailingJob]
        }
        id if id.starts_with("sep-1686-") => SLOW,
        // mrtr: one fixture tool per round shape.
        "sep-2322-result-type-included"
        | "sep-2322-elicitation-incomplete"
        | "sep-2322-elicitation-complete"
        | "sep-2322-missing-response-rerequests"
        | "sep-2322-ignore-unexpected-params"
        | "sep-2322-validate-input-responses"
        | "sep-2322-error-on-protocol-error" => ELICIT,
        "sep-2322-sampling-incomplete" | "sep-2322-sampling-complete" => &[Mrtr("sampling")],
        "sep-2322-list-roots-incomplete" | "sep-2322-list-roots-complete" => &[Mrtr("list_roots")],
        "sep-2322-request-state-incomplete" | "sep-2322-request-state-complete" => {
            &[Mrtr("request_state")]
        }
        "sep-2322-multiple-inputs-incomplete" | "sep-2322-multiple-inputs-complete" => {
            &[Mrtr("multiple_inputs")]
        }
        "sep-2322-multi-round-r1" | "sep-2322-multi-round-r2" | "sep-2322-multi-round-r3" => {
            &[Mrtr("multi_round")]
        }
        "sep-2322-reject-tampered-state" => &[Mrtr("tampered_state")],
        "sep-2322-respect-client-capabilities" => &[Mrtr("capabilities")],
        "sep-2322-non-tool-incomplete" | "sep-2322-non-tool-complete" => &[MrtrPrompt],
        // routing-headers: greet is the tool every header variant is sent with.
        "sep-2243-server-accepts-whitespace-header-value"
        | "sep-2243-header-name-case-insensitive"
        | "sep-2243-base64-sentinel-decoded" => GREET,
        // stateless
        "sep-2575-missing-capability-http-400" => FAILING,
        // durability and instances: a finished and a waiting task on each store.
        id if id.starts_with("tasks-durable-") || id.starts_with("instances-") => TWO_STORES,
        _ => &[],
    }
}

/// What the server offers, as `tools/list` and `prompts/list` said. `None`: it could not be
/// listed, and every fixture is assumed present (the checks then say what went wrong).
#[derive(Debug, Default)]
pub(crate) struct Offered {
    pub(crate) tools: Option<BTreeSet<String>>,
    pub(crate) prompts: Option<BTreeSet<String>>,
    /// How it was learnt (or why not), for the report.
    pub(crate) how: String,
    /// Why the server does not offer the tasks extension at all (`None`: it does, or it
    /// could not be told): its group is then not applicable rather than failed.
    pub(crate) no_extension: Option<String>,
}

impl Offered {
    /// Whether the server offers `f` (as far as is known).
    pub(crate) fn has(&self, f: Fixture, t: &Tools) -> bool {
        let set = if f.is_prompt() {
            &self.prompts
        } else {
            &self.tools
        };
        set.as_ref().is_none_or(|s| s.contains(&f.name(t)))
    }

    /// The fixtures check `id` needs that the server lacks.
    pub(crate) fn missing(&self, id: &str, t: &Tools) -> Vec<Fixture> {
        needs(id)
            .iter()
            .copied()
            .filter(|f| !self.has(*f, t))
            .collect()
    }
}

/// The most list pages followed (a server that never stops paging is not waited for).
/// The skip reason of a check lacking `missing`.
pub(crate) fn reason(missing: &[Fixture], t: &Tools) -> String {
    missing
        .iter()
        .map(|f| f.missing_reason(t))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The most list pages followed (a server that never stops paging is not waited for).
const MAX_PAGES: usize = 20;

/// Lists the server's tools and prompts: on 2026-07-28 first (with and without the tasks
/// extension: a server may list task-only tools to declaring clients alone), else in a
/// 2025-11-25 session.
pub(crate) async fn discover(env: &std::sync::Arc<Env>) -> Offered {
    let mut tools = BTreeSet::new();
    let mut prompts = BTreeSet::new();
    let mut listed_tools = false;
    let mut listed_prompts = false;
    let mut how = Vec::new();
    for caps in [caps_with_tasks(), caps_plain()] {
        let c = Modern::new(env, caps);
        if let Some(names) = list_all(|p| c.request("tools/list", p), "tools").await {
            listed_tools = true;
            tools.extend(names);
        }
        if let Some(names) = list_all(|p| c.request("prompts/list", p), "prompts").await {
            listed_prompts = true;
            prompts.extend(names);
        }
    }
    if listed_tools {
        how.push("tools/list on 2026-07-28".to_owned());
    } else {
        match Legacy::connect(env, json!({"elicitation": {}, "sampling": {}})).await {
            Ok(l) => {
                if let Some(names) = list_all(|p| l.request("tools/list", p), "tools").await {
                    listed_tools = true;
                    tools.extend(names);
                    how.push("tools/list in a 2025-11-25 session".to_owned());
                }
                if !listed_prompts {
                    if let Some(names) = list_all(|p| l.request("prompts/list", p), "prompts").await
                    {
                        listed_prompts = true;
                        prompts.extend(names);
                    }
                }
            }
            Err(e) => how.push(format!("no tools/list ({e})")),
        }
    }
    // A server whose tools could be listed but whose prompts/list fails has no prompts (a
    // server without the prompts capability answers -32601 there).
    Offered {
        tools: listed_tools.then_some(tools),
        prompts: (listed_prompts || listed_tools).then_some(prompts),
        how: how.join("; "),
        no_extension: lacks_extension(env).await,
    }
}

/// Why the server does not offer the `io.modelcontextprotocol/tasks` extension, or `None`.
/// Not declaring it in `server/discover` is not enough: a server that still answers
/// `tasks/get` like a tasks server (a result, or -32602 for the unknown id) has the extension
/// and is judged, `tasks-extension-advertised` failing. A transport failure decides nothing.
async fn lacks_extension(env: &std::sync::Arc<Env>) -> Option<String> {
    let c = Modern::new(env, caps_with_tasks());
    let d = c.request("server/discover", json!({})).await.ok()?;
    let declared = d
        .result()
        .and_then(|r| r.pointer("/capabilities/extensions"))
        .and_then(|e| e.get(mcp_tasks_types::TASKS_EXTENSION))
        .is_some_and(Value::is_object);
    if declared {
        return None;
    }
    let g = c
        .request("tasks/get", json!({"taskId": "mcp-tasks-check-probe"}))
        .await
        .ok()?;
    if g.result().is_some() || g.error_code() == Some(-32602) {
        return None;
    }
    Some(format!(
        "the server does not offer the {} extension: server/discover does not declare it in capabilities.extensions ({}) and tasks/get with the extension declared -> {}",
        mcp_tasks_types::TASKS_EXTENSION,
        clip(&d.describe()),
        clip(&g.describe())
    ))
}

fn clip(s: &str) -> String {
    const MAX: usize = 200;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Every name of a paginated list (`key` is `tools` or `prompts`), or `None` when the first
/// page has no such array.
async fn list_all<F, Fut>(mut request: F, key: &str) -> Option<Vec<String>>
where
    F: FnMut(Value) -> Fut,
    Fut: std::future::Future<Output = Result<crate::net::Reply, String>>,
{
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0..MAX_PAGES {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let r = request(params).await.ok()?;
        let res = r.result()?;
        let Some(items) = res.get(key).and_then(Value::as_array) else {
            return (page > 0).then_some(names);
        };
        names.extend(
            items
                .iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str))
                .map(str::to_owned),
        );
        cursor = res
            .get("nextCursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    Some(names)
}
