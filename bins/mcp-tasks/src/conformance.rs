//! `mcp-tasks conformance-client URL`: the client under test for the official MCP
//! conformance suite's client mode.
//!
//! The suite starts a mock server for one scenario and runs this command with the server's
//! URL as the last argument, the scenario in `MCP_CONFORMANCE_SCENARIO`, the protocol
//! version in `MCP_CONFORMANCE_PROTOCOL_VERSION` (`2025-06-18`/`2025-11-25` = initialize
//! handshake, `2026-07-28` = stateless) and scenario data in `MCP_CONFORMANCE_CONTEXT`.
//! The mock server grades what the client does, so this module behaves like an ordinary
//! application: it lists what the server offers and uses it, through the public client API
//! only. Every scenario runs the same generic exercise; a scenario only adds data (the
//! context's tool calls) or a particular use of a tool (the schema echo).
//!
//! Authorization (`auth/*`) is the SDK's ordinary OAuth support, configured like an
//! application would be: the context's credentials (a pre-registered client id and secret
//! or key, a workload assertion, an enterprise identity provider) when the scenario gives
//! some, a Client ID Metadata Document URL, and a user agent that approves by following
//! the authorization endpoint's redirect (the suite's authorization servers need no person).
//! The client does not know which scenario runs: each server's metadata and challenges
//! drive what it does.

use std::collections::BTreeMap;

use mcp_tasks_client::auth::{EnterpriseIdp, FollowRedirect, OAuthConfig};
use mcp_tasks_client::{Client, ClientBuilder, EraChoice, Error, HandlerError, Handlers, Started};
use mcp_tasks_types::elicitation::{ElicitRequestParams, ElicitResult};
use mcp_tasks_types::roots::ListRootsResult;
use mcp_tasks_types::sampling::CreateMessageResult;
use mcp_tasks_types::tool::Tool;
use mcp_tasks_types::{Era, Implementation, ProtocolVersion};
use serde_json::{Map, Value, json};

/// The tool of `json-schema-2020-12-preservation` that echoes a schema back.
const SCHEMA_ECHO_TOOL: &str = "json_schema_echo";

/// The Client ID Metadata Document URL the suite's `auth/basic-cimd` expects (the document
/// itself is never fetched by the suite's authorization server).
const CLIENT_METADATA_URL: &str = "https://conformance-test.local/client-metadata.json";
/// Where the suite's authorization servers redirect to; never requested.
const REDIRECT_URI: &str = "http://localhost:3000/callback";

/// What the suite told us, from the environment.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    /// `MCP_CONFORMANCE_SCENARIO` (empty when unset).
    pub(crate) scenario: String,
    /// `MCP_CONFORMANCE_PROTOCOL_VERSION` (default `2025-11-25`).
    pub(crate) version: ProtocolVersion,
    /// `MCP_CONFORMANCE_CONTEXT`, parsed (`null` when unset).
    pub(crate) context: Value,
}

impl Setup {
    /// Reads the suite's environment variables.
    pub(crate) fn from_env() -> Result<Setup, Error> {
        let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
        let version = match std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION") {
            Ok(v) => ProtocolVersion::parse(&v).ok_or_else(|| {
                Error::Config(format!(
                    "MCP_CONFORMANCE_PROTOCOL_VERSION={v:?} is not a protocol version this client speaks"
                ))
            })?,
            Err(_) => ProtocolVersion::LATEST_LEGACY,
        };
        let context = match std::env::var("MCP_CONFORMANCE_CONTEXT") {
            Ok(c) => serde_json::from_str(&c)
                .map_err(|e| Error::Config(format!("MCP_CONFORMANCE_CONTEXT is not JSON: {e}")))?,
            Err(_) => Value::Null,
        };
        Ok(Setup {
            scenario,
            version,
            context,
        })
    }

    /// A string field of the context.
    fn context_str(&self, key: &str) -> Option<&str> {
        self.context.get(key).and_then(Value::as_str)
    }

    /// The OAuth configuration: the context's credentials, if any, plus the client's own
    /// metadata document URL and a redirect-following user agent.
    pub(crate) fn oauth(&self) -> OAuthConfig {
        let mut cfg = OAuthConfig::new("mcp-tasks-conformance-client")
            .client_metadata_url(CLIENT_METADATA_URL)
            .user_agent(FollowRedirect::new(REDIRECT_URI));
        if let Some(id) = self.context_str("client_id") {
            cfg = cfg.client_id(id);
        }
        if let Some(secret) = self.context_str("client_secret") {
            cfg = cfg.client_secret(secret);
        }
        if let Some(pem) = self.context_str("private_key_pem") {
            cfg = cfg.private_key_pem(pem);
        }
        if let Some(jwt) = self.context_str("valid_jwt") {
            cfg = cfg.jwt_bearer_assertion(jwt);
        }
        if let (Some(endpoint), Some(token), Some(id)) = (
            self.context_str("idp_token_endpoint"),
            self.context_str("idp_id_token"),
            self.context_str("idp_client_id"),
        ) {
            cfg = cfg.enterprise(EnterpriseIdp {
                token_endpoint: endpoint.to_owned(),
                id_token: token.to_owned(),
                client_id: id.to_owned(),
            });
        }
        cfg
    }

    /// Tool calls the scenario prescribes (`context.toolCalls`: `[{name, arguments}]`).
    fn tool_calls(&self) -> Vec<(String, Value)> {
        self.context
            .get("toolCalls")
            .and_then(Value::as_array)
            .map(|calls| {
                calls
                    .iter()
                    .filter_map(|c| {
                        let name = c.get("name")?.as_str()?.to_owned();
                        let args = c.get("arguments").cloned().unwrap_or(json!({}));
                        Some((name, args))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Runs the scenario against `url`. Returns how many operations failed on the client side
/// (transport, protocol, handlers; a JSON-RPC error from the server is only logged). The
/// command exits non-zero when any did, after trying everything else.
pub(crate) async fn run(url: &str, setup: &Setup) -> Result<usize, Error> {
    eprintln!(
        "conformance-client: scenario {:?} at {} against {url}",
        setup.scenario,
        setup.version.as_str()
    );
    let era = match setup.version.era() {
        Era::Modern => EraChoice::Modern,
        Era::Legacy => EraChoice::Legacy,
    };
    let client = ClientBuilder::new()
        .client_info(Implementation::new(
            "mcp-tasks-conformance-client",
            env!("CARGO_PKG_VERSION"),
        ))
        .handlers(if setup.scenario == HOSTED_CANCEL_SCENARIO {
            waiting_handlers()
        } else {
            handlers()
        })
        .era(era)
        .legacy_version(setup.version);
    // A URL is a Streamable HTTP server; anything else is the command of a stdio server.
    let client = if url.starts_with("http://") || url.starts_with("https://") {
        client.oauth(setup.oauth()).connect_http(url).await?
    } else {
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c").arg(url);
        client.spawn_stdio(cmd).await?
    };
    let mut failures = 0;
    let mut fail = |what: &str, e: &Error| {
        eprintln!("conformance-client: {what} failed: {e}");
        // A JSON-RPC error is the server's answer (a mock may serve only tools/list): the
        // client did its part. Anything else is this client failing.
        if e.rpc().is_none() {
            failures += 1;
        }
    };

    let tools = match client.list_tools().await {
        Ok(t) => t,
        Err(e) => {
            fail("tools/list", &e);
            Vec::new()
        }
    };
    eprintln!(
        "conformance-client: {} tool(s): {}",
        tools.len(),
        tools
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if setup.scenario == "tasks-client-cancel" {
        // Start each tool as a task and cancel it: with `tasks/cancel`, never with
        // `notifications/cancelled` for the creating request (PROTOCOL.md §5.8).
        for (name, args) in plan_calls(setup, &tools) {
            match client.start_tool(&name, args).await {
                Ok(Started::Task(task)) => {
                    if let Err(e) = client.get_task(&task.task_id).await {
                        fail(&format!("tasks/get {}", task.task_id), &e);
                    }
                    match client.cancel_task(&task.task_id).await {
                        Ok(()) => eprintln!("conformance-client: cancelled task {}", task.task_id),
                        Err(e) => fail(&format!("tasks/cancel {}", task.task_id), &e),
                    }
                }
                Ok(_) => {
                    eprintln!(
                        "conformance-client: {name} answered synchronously; nothing to cancel"
                    )
                }
                Err(e) => fail(&format!("tools/call {name}"), &e),
            }
        }
        client.close().await;
        return Ok(failures);
    }
    for (name, args) in plan_calls(setup, &tools) {
        match client.call_tool(&name, args).await {
            Ok(r) => eprintln!(
                "conformance-client: {name} -> {}",
                serde_json::to_string(&r).unwrap_or_default()
            ),
            Err(e) => fail(&format!("tools/call {name}"), &e),
        }
    }

    let caps = client.server().capabilities.clone();
    if caps.resources.is_some() {
        failures += exercise_resources(&client).await;
    }
    if caps.prompts.is_some() {
        failures += exercise_prompts(&client).await;
    }
    client.close().await;
    Ok(failures)
}

/// Which tools to call with which arguments: the context's calls when the scenario gives
/// some, else every listed tool once with arguments made up from its schema (the schema
/// echo tool gets the other tools' schemas, verbatim).
fn plan_calls(setup: &Setup, tools: &[Tool]) -> Vec<(String, Value)> {
    let prescribed = setup.tool_calls();
    if !prescribed.is_empty() {
        return prescribed;
    }
    let mut calls = Vec::new();
    for tool in tools {
        if tool.name == SCHEMA_ECHO_TOOL {
            for other in tools.iter().filter(|t| t.name != SCHEMA_ECHO_TOOL) {
                calls.push((
                    tool.name.clone(),
                    json!({ "schema": Value::Object(other.input_schema.clone()) }),
                ));
            }
        } else {
            calls.push((tool.name.clone(), sample_arguments(&tool.input_schema)));
        }
    }
    calls
}

/// Arguments that satisfy a simple object schema: each property's `default`, else a
/// plain value of its type (`$ref`s are left alone, never fetched).
pub(crate) fn sample_arguments(schema: &Map<String, Value>) -> Value {
    let mut args = Map::new();
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            let value = prop.get("default").cloned().or_else(|| sample_value(prop));
            match value {
                Some(v) => {
                    args.insert(name.clone(), v);
                }
                None if required.contains(&name.as_str()) => {
                    args.insert(name.clone(), json!("sample"));
                }
                None => {}
            }
        }
    }
    Value::Object(args)
}

fn sample_value(prop: &Value) -> Option<Value> {
    if let Some(first) = prop
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return Some(first.clone());
    }
    let ty = match prop.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).next()?,
        _ => return None,
    };
    Some(match ty {
        "string" => json!("sample"),
        "integer" => json!(1),
        "number" => json!(1.5),
        "boolean" => json!(true),
        "array" => json!([]),
        "object" => json!({}),
        "null" => Value::Null,
        _ => return None,
    })
}

async fn exercise_resources(client: &Client) -> usize {
    let mut failures = 0;
    match client.request("resources/list", json!({})).await {
        Ok(list) => {
            let uris: Vec<String> = list
                .get("resources")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|r| r.get("uri")?.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for uri in uris {
                if let Err(e) = client
                    .request("resources/read", json!({ "uri": uri }))
                    .await
                {
                    eprintln!("conformance-client: resources/read {uri} failed: {e}");
                    failures += usize::from(e.rpc().is_none());
                }
            }
        }
        Err(e) => {
            eprintln!("conformance-client: resources/list failed: {e}");
            failures += usize::from(e.rpc().is_none());
        }
    }
    failures
}

async fn exercise_prompts(client: &Client) -> usize {
    let mut failures = 0;
    match client.request("prompts/list", json!({})).await {
        Ok(list) => {
            let prompts: Vec<(String, Value)> = list
                .get("prompts")
                .and_then(Value::as_array)
                .map(|p| {
                    p.iter()
                        .filter_map(|p| {
                            let name = p.get("name")?.as_str()?.to_owned();
                            let args: Map<String, Value> = p
                                .get("arguments")
                                .and_then(Value::as_array)
                                .map(|a| {
                                    a.iter()
                                        .filter(|a| a.get("required") == Some(&json!(true)))
                                        .filter_map(|a| {
                                            let n = a.get("name")?.as_str()?;
                                            Some((n.to_owned(), json!("sample")))
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            Some((name, Value::Object(args)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            for (name, arguments) in prompts {
                let params = json!({ "name": name, "arguments": arguments });
                if let Err(e) = client.request("prompts/get", params).await {
                    eprintln!("conformance-client: prompts/get {name} failed: {e}");
                    failures += usize::from(e.rpc().is_none());
                }
            }
        }
        Err(e) => {
            eprintln!("conformance-client: prompts/list failed: {e}");
            failures += usize::from(e.rpc().is_none());
        }
    }
    failures
}

/// Handlers of an agreeable user: forms are accepted with each field's default (SEP-1034),
/// or a plain value of its type; sampling answers a fixed text; roots are empty.
fn handlers() -> Handlers {
    Handlers::new()
        .on_elicitation(|params, _cx| async move { accept_with_defaults(&params) })
        .on_sampling(|_params, _cx| async move {
            let r: CreateMessageResult = serde_json::from_value(json!({
                "role": "assistant",
                "content": {"type": "text", "text": "conformance sample"},
                "model": "mcp-tasks-conformance",
                "stopReason": "endTurn",
            }))?;
            Ok(r)
        })
        .on_roots(|_cx| async move {
            let r: ListRootsResult = serde_json::from_value(json!({ "roots": [] }))?;
            Ok(r)
        })
}

/// The checker's scenario whose server cancels a task this client hosts: the application's
/// person is away, so its questions wait (until the server cancels them).
const HOSTED_CANCEL_SCENARIO: &str = "tasks-client-hosted-cancel";

/// Handlers for a person who does not answer: elicitation and sampling wait for ever (a
/// hosted task of theirs ends only by `tasks/cancel`, or with the process).
fn waiting_handlers() -> Handlers {
    Handlers::new()
        .on_elicitation(|_params, _cx| async move {
            std::future::pending::<()>().await;
            Ok(ElicitResult::decline())
        })
        .on_sampling(|_params, _cx| async move {
            std::future::pending::<()>().await;
            Err::<CreateMessageResult, HandlerError>("nobody answered".into())
        })
        .on_roots(|_cx| async move {
            let r: ListRootsResult = serde_json::from_value(json!({ "roots": [] }))?;
            Ok(r)
        })
}

/// Accepts a form with every field filled: its `default`, else a plain value of its type.
pub(crate) fn accept_with_defaults(
    params: &ElicitRequestParams,
) -> Result<ElicitResult, HandlerError> {
    let ElicitRequestParams::Form(form) = params else {
        return Ok(ElicitResult::decline());
    };
    let schema = serde_json::to_value(&form.requested_schema)?;
    let mut content = BTreeMap::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            if let Some(v) = prop.get("default").cloned().or_else(|| sample_value(prop)) {
                content.insert(name.clone(), v);
            }
        }
    }
    Ok(serde_json::from_value(
        json!({ "action": "accept", "content": content }),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_arguments_use_defaults_then_types() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": {"type": "number"},
                "b": {"type": "integer", "default": 7},
                "c": {"type": "string", "enum": ["x", "y"]},
                "d": {"$ref": "http://example.invalid/never-fetched.json"},
                "e": {"$ref": "#/$defs/id"}
            },
            "required": ["a", "e"]
        });
        let args = sample_arguments(schema.as_object().unwrap());
        assert_eq!(args, json!({"a": 1.5, "b": 7, "c": "x", "e": "sample"}));
    }

    #[test]
    fn forms_are_accepted_with_their_defaults() {
        let params: ElicitRequestParams = serde_json::from_value(json!({
            "message": "defaults?",
            "requestedSchema": {"type": "object", "properties": {
                "name": {"type": "string", "default": "John Doe"},
                "age": {"type": "integer", "default": 30},
                "status": {"type": "string", "enum": ["active", "inactive"], "default": "inactive"},
                "ok": {"type": "boolean"}
            }}
        }))
        .unwrap();
        let r = serde_json::to_value(accept_with_defaults(&params).unwrap()).unwrap();
        assert_eq!(
            r,
            json!({"action": "accept", "content": {"age": 30, "name": "John Doe", "ok": true, "status": "inactive"}})
        );
    }
}
