//! The page frame shared by every page, and the security headers every response gets.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use maud::{DOCTYPE, Markup, html};

use crate::assets;

/// What frames a page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The application ("Tasks console").
    pub app: String,
    /// The page title.
    pub title: String,
    /// Navigation links: (href, label).
    pub nav: Vec<(String, String)>,
    /// An SSE endpoint the page listens to; elements inside `main` refresh themselves on
    /// its events with `hx-trigger="sse:EVENT"`.
    pub live: Option<String>,
}

impl Page {
    /// A page with no navigation and no live updates.
    pub fn new(app: &str, title: &str) -> Self {
        Page {
            app: app.into(),
            title: title.into(),
            nav: Vec::new(),
            live: None,
        }
    }

    /// Adds a navigation link.
    pub fn link(mut self, href: &str, label: &str) -> Self {
        self.nav.push((href.into(), label.into()));
        self
    }

    /// Listens to the SSE endpoint `url`.
    pub fn live(mut self, url: impl Into<String>) -> Self {
        self.live = Some(url.into());
        self
    }
}

/// A whole page around `body`.
pub fn page(p: &Page, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No favicon request (it would only 404).
                link rel="icon" href="data:,";
                // No inline styles from htmx: the Content-Security-Policy allows none.
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false}"#;
                title { (p.title) " · " (p.app) }
                link rel="stylesheet" href=(assets::CSS);
                script src=(assets::HTMX) defer {}
                script src=(assets::HTMX_SSE) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { (p.app) }
                    @if !p.nav.is_empty() {
                        nav aria-label="Main" {
                            ul {
                                @for (href, label) in &p.nav {
                                    li { a href=(href) { (label) } }
                                }
                            }
                        }
                    }
                }
                @match &p.live {
                    Some(url) => main #main hx-ext="sse" sse-connect=(url) { (body) },
                    None => main #main { (body) },
                }
            }
        }
    }
}

/// Adds the security headers: a strict Content-Security-Policy (scripts, styles and
/// connections from this origin only, no framing), no MIME sniffing, no referrer to other
/// sites (`same-origin`, not `no-referrer`: with that, browsers send `Origin: null` on form
/// posts and the cross-origin check would refuse them).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}
