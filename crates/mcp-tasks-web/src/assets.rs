//! Static assets, embedded in the binary: htmx 2.0.11 and its SSE extension 2.2.4 (both
//! from the npm registry, Zero-Clause BSD, files unchanged) and the stylesheet.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// URL of htmx.
pub const HTMX: &str = "/assets/htmx-2.0.11.min.js";
/// URL of the htmx SSE extension.
pub const HTMX_SSE: &str = "/assets/htmx-ext-sse-2.2.4.js";
/// URL of the stylesheet.
pub const CSS: &str = "/assets/app.css";

const FILES: &[(&str, &str, &str)] = &[
    (
        "htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/htmx-2.0.11.min.js"),
    ),
    (
        "htmx-ext-sse-2.2.4.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/htmx-ext-sse-2.2.4.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../assets/app.css"),
    ),
];

/// Routes serving `/assets/{file}` (no sign-in needed: nothing in them is secret).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/assets/{file}", get(asset))
}

async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
