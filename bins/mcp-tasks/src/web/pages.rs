//! The client page's pages, fragments and form posts. Every page works without
//! JavaScript (plain links and form posts); with it, htmx refreshes the live parts.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use mcp_tasks_types::Era;
use mcp_tasks_types::elicitation::{ElicitRequestParams, ElicitResult};
use mcp_tasks_types::sampling::CreateMessageResult;
use mcp_tasks_types::tool::{CallToolResult, TaskSupport, Tool};
use mcp_tasks_web::fmt::{ago, iso, json_block, status};
use mcp_tasks_web::form;
use mcp_tasks_web::layout::{Page, page};
use mcp_tasks_web::{html, live};
use serde::Deserialize;
use serde_json::Value;

use super::App;
use super::state::{Answer, Ask, Run, Topic, now_ms};

type St = State<Arc<App>>;
type Pairs = Form<Vec<(String, String)>>;

const APP: &str = "mcp-tasks ui";

fn frame(title: &str) -> Page {
    Page::new(APP, title)
        .link("/", "Tools and calls")
        .live("/events?topic=runs")
}

fn error_page(code: StatusCode, title: &str, msg: &str) -> Response {
    let body = html! { h1 { (title) } p.error role="alert" { (msg) } p { a href="/" { "Back to the tools" } } };
    (code, html(page(&frame(title), body))).into_response()
}

fn server_line(app: &App) -> Markup {
    let s = app.client.server();
    let name = s
        .info
        .as_ref()
        .map(|i| format!("{} {}", i.name, i.version))
        .unwrap_or_else(|| "unnamed server".into());
    let era = match app.client.era() {
        Era::Legacy => "2025-11-25 (Tasks v1)",
        Era::Modern => "2026-07-28 (tasks extension)",
    };
    html! { p.muted { "Connected to " strong { (name) } " over protocol " (era) "." } }
}

/// The questions region: its own SSE stream, so answers being typed are not re-rendered
/// when a status changes.
fn questions_region(app: &App, task: Option<Option<&str>>, back: &str, src: &str) -> Markup {
    html! {
        div sse-connect="/events?topic=questions" {
            div #questions hx-get=(src) hx-trigger="sse:change" {
                (questions(app, task, back))
            }
        }
    }
}

fn questions(app: &App, task: Option<Option<&str>>, back: &str) -> Markup {
    let qs = app.state.questions(task);
    html! {
        @if !qs.is_empty() {
            section aria-labelledby="q-h" {
                h2 #q-h { "The server asks (" (qs.len()) ")" }
                @for (id, task_id, key, ask) in &qs {
                    (question(*id, task_id.as_deref(), key.as_deref(), ask, back, None))
                }
            }
        }
    }
}

fn question(
    id: u64,
    task_id: Option<&str>,
    key: Option<&str>,
    ask: &Ask,
    back: &str,
    errors: Option<&[form::FieldError]>,
) -> Markup {
    let from = match (task_id, key) {
        (Some(t), _) => format!("for task {t}"),
        (None, Some(k)) => format!("before the task starts ({k})"),
        (None, None) => "for a call".into(),
    };
    html! {
        form.card.question method="post" action={"/questions/" (id)} aria-labelledby={"q" (id) "-h"} data-question=(id) {
            input type="hidden" name="back" value=(back);
            @match ask {
                Ask::Elicit(ElicitRequestParams::Form(f)) => {
                    h3 #{"q" (id) "-h"} { (f.message) }
                    p.muted { (from) }
                    @if let Some(errs) = errors { (form::errors(errs)) }
                    (form::fields(&serde_json::to_value(&f.requested_schema).unwrap_or(Value::Null), "q.", &format!("q{id}")))
                    div.actions {
                        button type="submit" name="action" value="accept" { "Submit" }
                        button.secondary type="submit" name="action" value="decline" formnovalidate { "Decline" }
                        button.secondary type="submit" name="action" value="cancel" formnovalidate { "Dismiss" }
                    }
                }
                Ask::Elicit(ElicitRequestParams::Url(u)) => {
                    h3 #{"q" (id) "-h"} { (u.message) }
                    p.muted { (from) }
                    p { "The server asks you to open " a href=(u.url) rel="noopener noreferrer" target="_blank" { (u.url) } "." }
                    div.actions {
                        button type="submit" name="action" value="accept" { "I opened it, continue" }
                        button.secondary type="submit" name="action" value="decline" { "Decline" }
                    }
                }
                Ask::Sampling(p) => {
                    h3 #{"q" (id) "-h"} { "The server asks for a model reply" }
                    p.muted { (from) " · at most " (p.max_tokens) " tokens" }
                    @if let Some(sys) = &p.system_prompt { p { strong { "System: " } (sys) } }
                    ol.timeline {
                        @for m in &p.messages {
                            li {
                                strong { (serde_json::to_value(m.role).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()) ": " }
                                @for b in m.content.blocks() {
                                    @match b.as_text() { Some(t) => span { (t) }, None => (json_block("message content", b)) }
                                }
                            }
                        }
                    }
                    @if let Some(errs) = errors { (form::errors(errs)) }
                    div.field {
                        label for={"q" (id) "-reply"} { "Your reply (as the assistant)" }
                        textarea id={"q" (id) "-reply"} name="reply" rows="4" required {}
                    }
                    div.actions {
                        button type="submit" name="action" value="accept" { "Send reply" }
                        button.secondary type="submit" name="action" value="decline" formnovalidate { "Refuse" }
                    }
                }
            }
        }
    }
}

fn runs_list(app: &App) -> Markup {
    let runs = app.state.runs();
    let now = now_ms();
    html! {
        @if runs.is_empty() {
            p.muted { "No calls yet: pick a tool above." }
        } @else {
            table.tasks {
                caption.sr { "Calls made from this page, newest first" }
                thead { tr { th scope="col" { "Call" } th scope="col" { "Task" } th scope="col" { "Status" } th scope="col" { "Message" } th scope="col" { "Started" } } }
                tbody {
                    @for r in &runs {
                        tr data-run=(r.id) {
                            td data-label="Call" { a href={"/runs/" (r.id)} { (r.title()) } }
                            td.id data-label="Task" { code { (r.task_id.as_deref().unwrap_or("—")) } }
                            td data-label="Status" { (run_status(r)) }
                            td data-label="Message" { (r.message.as_deref().unwrap_or("")) }
                            td data-label="Started" { (ago(now, r.started_ms)) }
                        }
                    }
                }
            }
        }
    }
}

fn run_status(r: &Run) -> Markup {
    html! {
        @match (&r.status, &r.outcome) {
            (Some(s), _) => (status(*s)),
            (None, Some(Ok(_))) => span.status.completed { "done" },
            (None, Some(Err(_))) => span.status.failed { "error" },
            (None, None) => span.status.working { "calling" },
        }
    }
}

pub(crate) async fn home(State(app): St) -> Response {
    let tools = app.client.list_tools().await;
    let body = html! {
        h1 { "Tools and calls" }
        (server_line(&app))
        (questions_region(&app, None, "/", "/fragments/questions"))
        section aria-labelledby="tools-h" {
            h2 #tools-h { "Tools" }
            @match &tools {
                Ok(tools) => ul.tools {
                    @for t in tools {
                        li {
                            a href={"/tools/" (t.name)} { (t.name) }
                            @if let Some(d) = t.description.as_deref().or(t.title.as_deref()) { small { (d) } }
                            (task_note(&app, t))
                        }
                    }
                },
                Err(e) => p.error role="alert" { "tools/list failed: " (e.to_string()) },
            }
        }
        section aria-labelledby="runs-h" {
            h2 #runs-h { "Calls " span.muted { "(live)" } }
            div #runs hx-get="/fragments/runs" hx-trigger="sse:change" { (runs_list(&app)) }
        }
        section aria-labelledby="open-h" {
            h2 #open-h { "Reopen a task" }
            form.card.actions method="get" action="/open" {
                div.field {
                    label for="open-id" { "Task id" }
                    input #open-id type="text" name="task" required autocomplete="off" spellcheck="false";
                }
                button type="submit" { "Follow task" }
            }
        }
    };
    html(page(&frame("Tools and calls"), body)).into_response()
}

fn task_note(app: &App, t: &Tool) -> Markup {
    html! {
        @if app.client.era() == Era::Legacy {
            @match t.task_support() {
                TaskSupport::Required => small { "runs as a task" },
                TaskSupport::Optional => small { "may run as a task" },
                TaskSupport::Forbidden => {},
            }
        }
    }
}

pub(crate) async fn runs_fragment(State(app): St) -> Response {
    html(runs_list(&app)).into_response()
}

pub(crate) async fn questions_fragment(State(app): St) -> Response {
    html(questions(&app, None, "/")).into_response()
}

pub(crate) async fn run_questions_fragment(State(app): St, Path(id): Path<u64>) -> Response {
    match app.state.run(id) {
        Some(r) => html(questions(&app, run_filter(&r), &format!("/runs/{id}"))).into_response(),
        None => (StatusCode::NOT_FOUND, "no such call").into_response(),
    }
}

async fn find_tool(app: &App, name: &str) -> Result<Tool, Response> {
    match app.client.list_tools().await {
        Ok(tools) => tools.into_iter().find(|t| t.name == name).ok_or_else(|| {
            error_page(
                StatusCode::NOT_FOUND,
                "No such tool",
                &format!("The server has no tool {name:?}."),
            )
        }),
        Err(e) => Err(error_page(
            StatusCode::BAD_GATEWAY,
            "tools/list failed",
            &e.to_string(),
        )),
    }
}

fn tool_page(
    tool: &Tool,
    errors: Option<&[form::FieldError]>,
    status_code: StatusCode,
) -> Response {
    let schema = Value::Object(tool.input_schema.clone());
    let body = html! {
        h1 { code { (tool.name) } }
        @if let Some(d) = tool.description.as_deref().or(tool.title.as_deref()) { p { (d) } }
        form.card method="post" action={"/tools/" (tool.name)} aria-labelledby="args-h" {
            h2 #args-h { "Arguments" }
            @if let Some(errs) = errors { (form::errors(errs)) }
            (form::fields(&schema, "a.", "arg"))
            div.actions { button type="submit" { "Call " (tool.name) } }
        }
        details {
            summary { "Input schema" }
            (json_block("input schema", &schema))
        }
    };
    (status_code, html(page(&frame(&tool.name), body))).into_response()
}

pub(crate) async fn tool(State(app): St, Path(name): Path<String>) -> Response {
    match find_tool(&app, &name).await {
        Ok(t) => tool_page(&t, None, StatusCode::OK),
        Err(r) => r,
    }
}

pub(crate) async fn call(State(app): St, Path(name): Path<String>, Form(pairs): Pairs) -> Response {
    let tool = match find_tool(&app, &name).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let schema = Value::Object(tool.input_schema.clone());
    let args = match form::read(&schema, "a.", &pairs) {
        Ok(a) => Value::Object(a),
        Err(errs) => return tool_page(&tool, Some(&errs), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let stream = app.client.call_tool_stream(&name, args.clone());
    let id = app.state.start_run(Some(name), args, None, stream);
    Redirect::to(&format!("/runs/{id}")).into_response()
}

#[derive(Deserialize)]
pub(crate) struct OpenQuery {
    task: Option<String>,
}

pub(crate) async fn open(State(app): St, Query(q): Query<OpenQuery>) -> Response {
    let Some(task) = q
        .task
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
    else {
        return Redirect::to("/").into_response();
    };
    let stream = app.client.resume_task_stream(&task);
    let id = app.state.start_run(None, Value::Null, Some(task), stream);
    Redirect::to(&format!("/runs/{id}")).into_response()
}

pub(crate) async fn run(State(app): St, Path(id): Path<u64>) -> Response {
    let Some(r) = app.state.run(id) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "No such call",
            "This page does not remember that call.",
        );
    };
    let back = format!("/runs/{id}");
    let body = html! {
        h1 { (r.title()) }
        div #run hx-get={"/fragments/runs/" (id)} hx-trigger="sse:change" { (run_view(&r)) }
        (run_questions(&app, &r, &back))
    };
    html(page(&frame(&r.title()), body)).into_response()
}

/// Which questions a run shows: its task's, or (before the task exists) those tied to no
/// task.
fn run_filter(r: &Run) -> Option<Option<&str>> {
    Some(r.task_id.as_deref())
}

fn run_questions(app: &App, r: &Run, back: &str) -> Markup {
    let src = format!("/fragments/runs/{}/questions", r.id);
    questions_region(app, run_filter(r), back, &src)
}

pub(crate) async fn run_fragment(State(app): St, Path(id): Path<u64>) -> Response {
    match app.state.run(id) {
        Some(r) => html(run_view(&r)).into_response(),
        None => (StatusCode::NOT_FOUND, "no such call").into_response(),
    }
}

fn result_view(res: &CallToolResult) -> Markup {
    html! {
        @if res.is_error == Some(true) { p.error role="alert" { "The tool reported an error." } }
        @for b in &res.content {
            @match b.as_text() {
                Some(t) => p.result-text { (t) },
                None => (json_block("content block", b)),
            }
        }
        @if let Some(s) = &res.structured_content { h3 { "Structured content" } (json_block("structured content", s)) }
        details { summary { "Raw result" } (json_block("raw result", res)) }
    }
}

fn run_view(r: &Run) -> Markup {
    html! {
        div.grid {
            section.card aria-labelledby="st-h" {
                h2 #st-h { "Status" }
                p role="status" #run-status { (run_status(r)) @if let Some(m) = &r.message { " " span #run-message { (m) } } }
                dl.facts {
                    @if let Some(t) = &r.task_id { dt { "Task id" } dd { code #task-id { (t) } } }
                    dt { "Started" } dd { (iso(r.started_ms)) }
                }
                @if let (Some(_), false) = (&r.task_id, r.finished()) {
                    form.actions method="post" action={"/runs/" (r.id) "/cancel"} {
                        button.danger type="submit" { "Cancel task" }
                    }
                }
            }
            section.card aria-labelledby="tl-h" {
                h2 #tl-h { "Timeline" }
                ol.timeline { @for (at, what) in &r.timeline { li { (iso(*at)) " " (what) } } }
            }
        }
        @if !r.args.is_null() {
            details.card { summary { "Arguments" } (json_block("arguments", &r.args)) }
        }
        @match &r.outcome {
            Some(Ok(res)) => section.card #result aria-labelledby="res-h" { h2 #res-h { "Result" } (result_view(res)) },
            Some(Err(e)) => section.card #result aria-labelledby="res-h" { h2 #res-h { "Outcome" } p.error role="alert" { (e) } },
            None => {},
        }
    }
}

pub(crate) async fn cancel(State(app): St, Path(id): Path<u64>) -> Response {
    let Some(task) = app.state.run(id).and_then(|r| r.task_id) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "Nothing to cancel",
            "That call has no task.",
        );
    };
    if let Err(e) = app.client.cancel_task(&task).await {
        return error_page(
            StatusCode::BAD_GATEWAY,
            "tasks/cancel failed",
            &e.to_string(),
        );
    }
    // Questions of a cancelled task need no answer (and would hold its follower up).
    app.state.dismiss_task_questions(&task);
    Redirect::to(&format!("/runs/{id}")).into_response()
}

fn safe_back(b: Option<&str>) -> String {
    match b {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.starts_with("/\\") => {
            b.to_owned()
        }
        _ => "/".into(),
    }
}

pub(crate) async fn answer(State(app): St, Path(id): Path<u64>, Form(pairs): Pairs) -> Response {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let back = safe_back(get("back"));
    let Some(ask) = app.state.question(id) else {
        return error_page(
            StatusCode::GONE,
            "Already answered",
            "That question is no longer waiting.",
        );
    };
    let action = get("action").unwrap_or("accept");
    let answer = match (&ask, action) {
        (Ask::Elicit(_), "decline") => Answer::Elicit(ElicitResult::decline()),
        (Ask::Elicit(_), "cancel") => Answer::Elicit(ElicitResult::cancel()),
        (Ask::Elicit(ElicitRequestParams::Url(_)), _) => Answer::Elicit(ElicitResult::accept_url()),
        (Ask::Elicit(ElicitRequestParams::Form(f)), _) => {
            let schema = serde_json::to_value(&f.requested_schema).unwrap_or(Value::Null);
            match form::read(&schema, "q.", &pairs) {
                Ok(content) => {
                    let r = serde_json::json!({"action": "accept", "content": content});
                    match serde_json::from_value(r) {
                        Ok(r) => Answer::Elicit(r),
                        Err(e) => {
                            let errs = [form::FieldError {
                                field: "form".into(),
                                message: e.to_string(),
                            }];
                            return question_again(id, &ask, &back, &errs);
                        }
                    }
                }
                Err(errs) => return question_again(id, &ask, &back, &errs),
            }
        }
        (Ask::Sampling(_), "decline") => Answer::Refuse("the user refused to sample".into()),
        (Ask::Sampling(_), _) => {
            let reply = get("reply").unwrap_or("").trim();
            if reply.is_empty() {
                let errs = [form::FieldError {
                    field: "reply".into(),
                    message: "is required".into(),
                }];
                return question_again(id, &ask, &back, &errs);
            }
            Answer::Sampling(CreateMessageResult::text("human (mcp-tasks ui)", reply))
        }
    };
    if !app.state.answer(id, answer) {
        return error_page(
            StatusCode::GONE,
            "Already answered",
            "That question is no longer waiting.",
        );
    }
    Redirect::to(&back).into_response()
}

fn question_again(id: u64, ask: &Ask, back: &str, errs: &[form::FieldError]) -> Response {
    let body = html! {
        h1 { "Please check your answer" }
        (question(id, None, None, ask, back, Some(errs)))
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        html(page(&frame("Answer"), body)),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct EventsQuery {
    topic: Option<String>,
}

pub(crate) async fn events(State(app): St, Query(q): Query<EventsQuery>) -> Response {
    let want = match q.topic.as_deref() {
        Some("questions") => Topic::Questions,
        _ => Topic::Runs,
    };
    live::changes(
        app.state.subscribe(),
        std::time::Duration::from_millis(150),
        move |t: &Topic| *t == want,
        app.stop.clone(),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_back;

    #[test]
    fn answers_return_only_to_local_pages() {
        assert_eq!(safe_back(Some("/runs/3")), "/runs/3");
        assert_eq!(safe_back(Some("//evil.example")), "/");
        assert_eq!(safe_back(Some("https://evil.example")), "/");
        assert_eq!(safe_back(None), "/");
    }
}
