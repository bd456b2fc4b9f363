//! Elicitation on the terminal: the server's question is printed on stderr and each form
//! field is read from stdin (one line per field). `!decline` and `!cancel` refuse; a closed
//! stdin is an error ([`StdinClosed`]), never an answer.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

use mcp_tasks_client::{HandlerError, Handlers, InputContext};
use mcp_tasks_types::elicitation::{ElicitRequestParams, ElicitResult};
use serde_json::{Value, json};

use crate::ui::Ui;

/// Handlers that ask the person at the terminal. Questions are asked one at a time.
pub(crate) fn terminal_handlers(ui: Ui) -> Handlers {
    let lock = Arc::new(tokio::sync::Mutex::new(()));
    Handlers::new()
        .with_url_elicitation()
        .on_elicitation(move |params, cx| {
            let ui = ui.clone();
            let lock = Arc::clone(&lock);
            async move {
                let _one_at_a_time = lock.lock().await;
                ui.begin_prompt();
                let r = ask(params, cx).await;
                ui.end_prompt();
                if matches!(&r, Err(e) if e.is::<StdinClosed>()) {
                    ui.mark_stdin_closed();
                }
                r
            }
        })
}

/// A question needs an answer and stdin has none left: an error, never a silent "no".
#[derive(Debug)]
pub(crate) struct StdinClosed;

impl std::fmt::Display for StdinClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "the server asked a question but stdin is closed: run on a terminal, or pipe the \
             answers in (one line per field)",
        )
    }
}

impl std::error::Error for StdinClosed {}

/// Reads one line from stdin after printing `prompt`; [`StdinClosed`] at end of input.
async fn read_line(prompt: String) -> Result<String, HandlerError> {
    let line = tokio::task::spawn_blocking(move || {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{prompt}");
        let _ = err.flush();
        drop(err);
        let mut line = String::new();
        let read = std::io::stdin().read_line(&mut line);
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        // Piped answers are not echoed by a terminal: echo them so the transcript reads well.
        if !std::io::stdin().is_terminal() {
            eprintln!("{line}");
        }
        match read {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(line)),
            Err(e) => Err(e),
        }
    })
    .await??;
    line.ok_or_else(|| Box::new(StdinClosed) as HandlerError)
}

async fn ask(params: ElicitRequestParams, cx: InputContext) -> Result<ElicitResult, HandlerError> {
    let from = cx
        .task_id
        .as_deref()
        .map(|t| format!(" (task {t})"))
        .unwrap_or_default();
    eprintln!("\n? The server asks{from}: {}", params.message());
    match params {
        ElicitRequestParams::Url(u) => {
            eprintln!("  Open this URL to continue: {}", u.url);
            let answer = read_line("  Done / consent? [y/N] ".into()).await?;
            Ok(match answer.trim() {
                "y" | "Y" | "yes" => ElicitResult::accept_url(),
                _ => ElicitResult::decline(),
            })
        }
        ElicitRequestParams::Form(form) => {
            eprintln!("  (* marks a required field; type !decline or !cancel to refuse)");
            let schema = form.requested_schema;
            let required = schema.required.clone().unwrap_or_default();
            let mut content = BTreeMap::new();
            for (name, field) in &schema.properties {
                let field = serde_json::to_value(field)?;
                let is_required = required.contains(name);
                match ask_field(name, &field, is_required).await? {
                    Field::Value(v) => {
                        content.insert(name.clone(), v);
                    }
                    Field::Skip => {}
                    Field::Decline => return Ok(ElicitResult::decline()),
                    Field::Cancel => return Ok(ElicitResult::cancel()),
                }
            }
            let result = json!({"action": "accept", "content": content});
            Ok(serde_json::from_value(result)?)
        }
    }
}

enum Field {
    Value(Value),
    Skip,
    Decline,
    Cancel,
}

/// The choices of an enum field: (value, label).
fn choices(field: &Value) -> Vec<(String, String)> {
    let plain = |v: &Value| {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| (s.to_owned(), s.to_owned()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let titled = |v: &Value| {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|o| {
                        let value = o.get("const")?.as_str()?.to_owned();
                        let title = o
                            .get("title")
                            .and_then(Value::as_str)
                            .unwrap_or(&value)
                            .to_owned();
                        Some((value, title))
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    if let Some(e) = field.get("enum") {
        return plain(e);
    }
    if let Some(o) = field.get("oneOf") {
        return titled(o);
    }
    if let Some(items) = field.get("items") {
        if let Some(e) = items.get("enum") {
            return plain(e);
        }
        if let Some(a) = items.get("anyOf") {
            return titled(a);
        }
    }
    Vec::new()
}

async fn ask_field(name: &str, field: &Value, required: bool) -> Result<Field, HandlerError> {
    let label = field.get("title").and_then(Value::as_str).unwrap_or(name);
    let ty = field
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    let opts = choices(field);
    if let Some(d) = field.get("description").and_then(Value::as_str) {
        eprintln!("  {label}: {d}");
    }
    let hint = match ty {
        "boolean" => "[y/n]".to_owned(),
        "number" | "integer" => format!("({ty})"),
        "array" => format!(
            "(comma-separated, from: {})",
            opts.iter()
                .map(|(v, _)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ if !opts.is_empty() => format!(
            "(one of: {})",
            opts.iter()
                .map(|(v, t)| if v == t {
                    v.clone()
                } else {
                    format!("{v} = {t}")
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    };
    let default = field.get("default").cloned();
    let mark = if required { "*" } else { "" };
    let dflt = default
        .as_ref()
        .map(|d| format!(" [default {d}]"))
        .unwrap_or_default();
    loop {
        let line = read_line(format!("  {label}{mark} {hint}{dflt}: ")).await?;
        let line = line.trim();
        match line {
            "!decline" => return Ok(Field::Decline),
            "!cancel" => return Ok(Field::Cancel),
            "" => match &default {
                Some(d) => return Ok(Field::Value(d.clone())),
                None if !required => return Ok(Field::Skip),
                None => {
                    eprintln!("  (required)");
                    continue;
                }
            },
            _ => {}
        }
        let parsed = match ty {
            "boolean" => match line.to_ascii_lowercase().as_str() {
                "y" | "yes" | "true" | "1" => Some(Value::Bool(true)),
                "n" | "no" | "false" | "0" => Some(Value::Bool(false)),
                _ => None,
            },
            "integer" => line.parse::<i64>().ok().map(Value::from),
            "number" => line
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number),
            "array" => {
                let picked: Vec<String> = line
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                let ok = opts.is_empty() || picked.iter().all(|p| opts.iter().any(|(v, _)| v == p));
                ok.then(|| json!(picked))
            }
            _ if !opts.is_empty() => opts
                .iter()
                .find(|(v, t)| v == line || t == line)
                .map(|(v, _)| Value::String(v.clone())),
            _ => Some(Value::String(line.to_owned())),
        };
        match parsed {
            Some(v) => return Ok(Field::Value(v)),
            None => eprintln!(
                "  (not a valid {ty}{})",
                if opts.is_empty() { "" } else { " choice" }
            ),
        }
    }
}
