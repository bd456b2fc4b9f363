//! The console's pages and fragments. Full pages work without JavaScript; with it, htmx
//! re-fetches the fragments on each live `change` event and on filter input.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use mcp_tasks_server::task::record::{Outcome, TaskRecord};
use mcp_tasks_types::task::TaskStatus;
use mcp_tasks_web::fmt::{ago, duration, iso, json_block, status};
use mcp_tasks_web::layout::{Page, page};
use mcp_tasks_web::{html, live};
use serde::Deserialize;

use crate::Inner;
use crate::scan::{self, Filter, Scan, owner_text};

type St = State<Arc<Inner>>;

const APP: &str = "Tasks console";
/// Who a console cancellation is attributed to (the task's status message).
const CANCEL_REASON: &str = "Cancelled by an operator (tasks console)";

fn frame(title: &str) -> Page {
    Page::new(APP, title).link("/", "All tasks")
}

fn store_failure(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "console: task store failure");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        html(page(
            &frame("Store unavailable"),
            html! { h1 { "The task store failed" } p.error role="alert" { (e.to_string()) } },
        )),
    )
        .into_response()
}

pub(crate) async fn index(State(c): St, Query(f): Query<Filter>) -> Response {
    let scan = match scan::scan(&c.op, c.config.max_scan).await {
        Ok(s) => s,
        Err(e) => return store_failure(e),
    };
    let body = html! {
        h1 { "Tasks" }
        section aria-labelledby="stats-h" {
            h2 #stats-h { "Overview" }
            div #stats hx-get="/fragments/stats" hx-trigger="sse:change" { (stats_view(&c, &scan)) }
        }
        section aria-labelledby="tasks-h" {
            h2 #tasks-h { "Tasks " span.muted { "(live)" } }
            (filters(&f, &scan))
            div #tasks hx-get="/fragments/tasks" hx-include="#filters" hx-trigger="sse:change" {
                (table(&c, &scan, &f))
            }
        }
    };
    let p = frame("Tasks").live("/events");
    html(page(&p, body)).into_response()
}

pub(crate) async fn rows(State(c): St, Query(f): Query<Filter>) -> Response {
    match scan::scan(&c.op, c.config.max_scan).await {
        Ok(scan) => html(table(&c, &scan, &f)).into_response(),
        Err(e) => store_failure(e),
    }
}

pub(crate) async fn stats(State(c): St) -> Response {
    match scan::scan(&c.op, c.config.max_scan).await {
        Ok(scan) => html(stats_view(&c, &scan)).into_response(),
        Err(e) => store_failure(e),
    }
}

fn stats_view(c: &Inner, scan: &Scan) -> Markup {
    let window = c.config.rate_window.as_millis() as u64;
    let s = scan::stats(&scan.tasks, scan.now_ms, window);
    let rate = |r: f64| format!("{r:.1}");
    html! {
        dl.counts #counts {
            div { dt { "All tasks" } dd data-count="total" { (s.total) @if scan.truncated { "+" } } }
            @for (st, n) in &s.by_status {
                div { dt { (status(*st)) } dd data-count=(st.as_str()) { (n) } }
            }
            div { dt { "Created / min" } dd data-rate="created" { (rate(s.created_per_min)) } }
            div { dt { "Completed / min" } dd data-rate="completed" { (rate(s.completed_per_min)) } }
            div { dt { "Failed or cancelled / min" } dd { (rate(s.ended_otherwise_per_min)) } }
        }
        p.muted {
            "Rates averaged over the last " (duration(window)) ". Store: " (c.op.store_name()) "."
            @if scan.truncated {
                " Only the first " (c.config.max_scan) " tasks of the store are read (raise --console-max-scan)."
            }
        }
    }
}

fn filters(f: &Filter, scan: &Scan) -> Markup {
    let tools = scan::tools(&scan.tasks);
    html! {
        form.filters.card #filters method="get" action="/" role="search"
            hx-get="/fragments/tasks" hx-target="#tasks" hx-trigger="input delay:300ms, change, submit" {
            div.field {
                label for="f-status" { "Status" }
                select #f-status name="status" {
                    option value="" { "any" }
                    @for s in TaskStatus::ALL {
                        option value=(s.as_str()) selected[f.status == s.as_str()] { (s.as_str().replace('_', " ")) }
                    }
                }
            }
            div.field {
                label for="f-tool" { "Tool" }
                select #f-tool name="tool" {
                    option value="" { "any" }
                    @for t in &tools {
                        option value=(t) selected[f.tool == *t] { (t) }
                    }
                    @if !f.tool.is_empty() && !tools.contains(f.tool.as_str()) {
                        option value=(f.tool) selected { (f.tool) }
                    }
                }
            }
            div.field {
                label for="f-owner" { "Owner" }
                input #f-owner type="search" name="owner" value=(f.owner) placeholder="session or principal";
            }
            div.field {
                label for="f-q" { "Text" }
                input #f-q type="search" name="q" value=(f.q) placeholder="id, tool, message, arguments";
            }
            div.actions { button type="submit" { "Filter" } a href="/" { "Clear" } }
        }
    }
}

fn ttl_left(r: &TaskRecord, now: u64) -> String {
    match r.expires_at_ms() {
        None => "unlimited".into(),
        Some(e) => duration(e.saturating_sub(now)),
    }
}

fn table(c: &Inner, scan: &Scan, f: &Filter) -> Markup {
    let matching: Vec<&TaskRecord> = scan.tasks.iter().filter(|r| f.admits(r)).collect();
    let shown = matching.len().min(c.config.max_rows);
    let now = scan.now_ms;
    html! {
        table.tasks aria-describedby="tasks-count" {
            caption #tasks-count role="status" {
                (matching.len()) @if matching.len() == 1 { " task" } @else { " tasks" }
                @if !f.is_empty() { @if matching.len() == 1 { " matches" } @else { " match" } " the filters" }
                @if shown < matching.len() { " (newest " (shown) " shown)" }
            }
            thead { tr {
                th scope="col" { "Task" } th scope="col" { "Tool" } th scope="col" { "Status" }
                th scope="col" { "Message" } th scope="col" { "Owner" } th scope="col" { "Created" }
                th scope="col" { "Updated" } th scope="col" { "TTL left" }
            } }
            tbody {
                @for r in matching.iter().take(shown) {
                    tr data-task=(r.id) data-status=(r.status().as_str()) {
                        td.id data-label="Task" { a href={"/tasks/" (r.id)} { (r.id) } }
                        td data-label="Tool" { (r.request.name) }
                        td data-label="Status" { (status(r.status())) }
                        td data-label="Message" { (r.status_message.as_deref().unwrap_or("")) }
                        td data-label="Owner" { (short_owner(&r.owner)) }
                        td data-label="Created" { (ago(now, r.created_at_ms)) }
                        td data-label="Updated" { (ago(now, r.updated_at_ms)) }
                        td data-label="TTL left" { (ttl_left(r, now)) }
                    }
                }
                @if matching.is_empty() {
                    tr { td colspan="8" { "No tasks" @if !f.is_empty() { " match these filters" } "." } }
                }
            }
        }
    }
}

/// An owner shortened for a table cell (session ids are long).
fn short_owner(o: &mcp_tasks_server::task::record::Owner) -> String {
    let full = owner_text(o);
    if full.chars().count() > 28 {
        let cut: String = full.chars().take(26).collect();
        format!("{cut}…")
    } else {
        full
    }
}

pub(crate) async fn detail(State(c): St, Path(id): Path<String>) -> Response {
    let p = frame(&format!("Task {id}")).live(format!("/events?task={id}"));
    match c.op.get(&id).await {
        Ok(Some(r)) => {
            let body = html! {
                h1 { "Task " span.mono { (r.id) } }
                div #detail hx-get={"/fragments/tasks/" (id)} hx-trigger="sse:change" {
                    (detail_view(&c, &r, None))
                }
            };
            html(page(&p, body)).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, html(page(&p, not_found(&id)))).into_response(),
        Err(e) => store_failure(e),
    }
}

fn era(e: mcp_tasks_types::Era) -> &'static str {
    match e {
        mcp_tasks_types::Era::Legacy => "2025-11-25 (Tasks v1)",
        mcp_tasks_types::Era::Modern => "2026-07-28 (tasks extension)",
    }
}

fn not_found(id: &str) -> Markup {
    html! {
        h1 { "Task not found" }
        p role="alert" { "No task " code { (id) } " in the store (it may have expired)." }
        p { a href="/" { "All tasks" } }
    }
}

pub(crate) async fn detail_fragment(State(c): St, Path(id): Path<String>) -> Response {
    match c.op.get(&id).await {
        Ok(Some(r)) => html(detail_view(&c, &r, None)).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, html(not_found(&id))).into_response(),
        Err(e) => store_failure(e),
    }
}

fn detail_view(c: &Inner, r: &TaskRecord, notice: Option<&str>) -> Markup {
    let now = c.op.now_ms();
    html! {
        @if let Some(n) = notice { p.card role="status" { (n) } }
        div.grid {
            section.card aria-labelledby="facts-h" {
                h2 #facts-h { "Status" }
                p role="status" #task-status data-status=(r.status().as_str()) {
                    (status(r.status()))
                    @if let Some(m) = &r.status_message { " " span #task-message { (m) } }
                }
                dl.facts {
                    dt { "Tool" } dd { (r.request.name) }
                    dt { "Owner" } dd { (owner_text(&r.owner)) }
                    dt { "Protocol" } dd { (era(r.era)) }
                    dt { "Created" } dd { (iso(r.created_at_ms)) " (" (ago(now, r.created_at_ms)) ")" }
                    dt { "Updated" } dd { (iso(r.updated_at_ms)) " (" (ago(now, r.updated_at_ms)) ")" }
                    dt { "TTL" } dd {
                        @match r.ttl_ms { Some(t) => { (duration(t)) " (" (ttl_left(r, now)) " left)" }, None => "unlimited" }
                    }
                    @if let Some(p) = r.poll_interval_ms { dt { "Poll interval" } dd { (p) " ms" } }
                }
                @if !r.is_terminal() {
                    form.actions method="post" action={"/tasks/" (r.id) "/cancel"}
                        hx-post={"/tasks/" (r.id) "/cancel"} hx-target="#detail" {
                        button.danger type="submit" { "Cancel task" }
                    }
                }
            }
            section.card aria-labelledby="timeline-h" {
                h2 #timeline-h { "Timeline" }
                ol.timeline {
                    li { (iso(r.created_at_ms)) " " (status(TaskStatus::Working)) " created" }
                    @for ch in &r.history {
                        li { (iso(ch.at_ms)) " " (status(ch.status))
                             span.muted { " +" (duration(ch.at_ms.saturating_sub(r.created_at_ms))) } }
                    }
                }
            }
        }
        @if !r.input_requests.is_empty() {
            section.card.question aria-labelledby="input-h" {
                h2 #input-h { "Outstanding input requests (" (r.input_requests.len()) ")" }
                @for (k, req) in &r.input_requests {
                    h3 { code { (k) } }
                    (json_block(&format!("input request {k}"), req))
                }
            }
        }
        @if !r.request.arguments.is_empty() {
            section.card aria-labelledby="args-h" {
                h2 #args-h { "Arguments" }
                (json_block("arguments", &r.request.arguments))
            }
        }
        @match &r.outcome {
            Some(Outcome::Result(res)) => section.card aria-labelledby="result-h" {
                h2 #result-h { "Result"
                    @if res.get("isError") == Some(&serde_json::Value::Bool(true)) {
                        " " span.muted { "(the tool reported an error)" }
                    }
                }
                (json_block("result", res))
            },
            Some(Outcome::Error(e)) => section.card aria-labelledby="error-h" {
                h2 #error-h { "Error" }
                (json_block("error", e))
            },
            None => {}
        }
    }
}

pub(crate) async fn cancel(State(c): St, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let htmx = headers.contains_key("hx-request");
    match c.op.cancel(&id, CANCEL_REASON).await {
        Ok(r) => {
            tracing::info!(task = %id, "cancelled from the console");
            if htmx {
                html(detail_view(&c, &r, Some("Cancellation recorded."))).into_response()
            } else {
                Redirect::to(&format!("/tasks/{id}")).into_response()
            }
        }
        Err(e) => {
            let body = html! { p.error role="alert" { "Cannot cancel: " (e.to_string()) } };
            let code = if matches!(e, mcp_tasks_server::TaskError::NotFound(_)) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (code, html(body)).into_response()
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct EventsQuery {
    task: Option<String>,
}

pub(crate) async fn events(State(c): St, Query(q): Query<EventsQuery>) -> Response {
    let rx = c.op.changes();
    let stop = c.stop.clone();
    live::changes(
        rx,
        c.config.min_refresh,
        move |id: &String| q.task.as_ref().is_none_or(|t| t == id),
        stop,
    )
    .into_response()
}
