//! Token sign-in for a local web page: every route except `/login` and `/assets/*` needs
//! the token, either as `Authorization: Bearer TOKEN` (scripts, curl) or as the cookie the
//! sign-in sets (browsers). The sign-in is a form (`POST /login`) or a link
//! (`GET /login?token=…`, printed by the command that generated the token), and redirects so
//! the token leaves the address bar. A missing or wrong token is refused with 401; a
//! cross-origin write with 403. Comparisons are constant-time.

use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::layout;

/// Shortest token accepted from a file or the environment.
pub const MIN_TOKEN_LEN: usize = 16;

/// The secret that opens the pages, and the cookie that carries it in a browser.
#[derive(Clone)]
pub struct Auth {
    token: Arc<str>,
    cookie: Arc<str>,
    app: Arc<str>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("Auth")
            .field("cookie", &self.cookie)
            .finish()
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadToken(pub String);

impl std::fmt::Display for BadToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadToken {}

impl Auth {
    /// Guards with `token` (at least [`MIN_TOKEN_LEN`] characters, surrounding whitespace
    /// ignored). `cookie` names the browser cookie: cookies are shared by every port of a
    /// host, so each listener should use its own name. `app` titles the sign-in page.
    pub fn new(token: &str, cookie: &str, app: &str) -> Result<Self, BadToken> {
        let token = token.trim();
        if token.len() < MIN_TOKEN_LEN {
            return Err(BadToken(format!(
                "the token has {} characters; use at least {MIN_TOKEN_LEN}",
                token.len()
            )));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(BadToken(
                "the token must be printable ASCII without spaces".into(),
            ));
        }
        Ok(Auth {
            token: token.into(),
            cookie: cookie.into(),
            app: app.into(),
        })
    }

    /// A fresh random token (256 bits, hex).
    pub fn random_token() -> String {
        let mut b = [0u8; 32];
        // The OS generator failing is not recoverable and leaves no safe fallback.
        getrandom::fill(&mut b).expect("the OS random generator failed");
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// The sign-in link for `base` (e.g. `http://127.0.0.1:9090`), to print for the
    /// person who started the page.
    pub fn login_link(&self, base: &str) -> String {
        format!("{base}/login?token={}", self.token)
    }

    fn matches(&self, candidate: &str) -> bool {
        bool::from(self.token.as_bytes().ct_eq(candidate.trim().as_bytes()))
    }

    /// What the request presents: a bearer header wins over the cookie.
    fn presented<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        if let Some(v) = headers.get(header::AUTHORIZATION) {
            let v = v.to_str().ok()?;
            return v.strip_prefix("Bearer ").or(Some(""));
        }
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == &*self.cookie)
            .map(|(_, v)| v)
    }

    fn set_cookie(&self) -> HeaderValue {
        let v = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict",
            self.cookie, self.token
        );
        HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The `/login` routes (merge them into the app's router, outside [`Auth::layer`]).
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/login", get(login_get).post(login_post))
            .with_state(self.clone())
    }

    /// Refuses requests that do not carry the token; apply with
    /// `axum::middleware::from_fn_with_state(auth, Auth::layer)`.
    pub async fn layer(State(auth): State<Auth>, req: Request, next: Next) -> Response {
        if let Some(refused) = cross_origin_write(req.method(), req.headers()) {
            return refused;
        }
        let wants_page = req.method() == Method::GET
            && req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/html"))
            && !req.headers().contains_key("hx-request");
        let next_path = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        match auth.presented(req.headers()) {
            Some(t) if auth.matches(t) => next.run(req).await,
            presented => {
                let wrong = presented.is_some();
                let (why, challenge) = if wrong {
                    ("wrong token", r#"Bearer error="invalid_token""#)
                } else {
                    ("missing token", "Bearer")
                };
                tracing::debug!(path = %req.uri().path(), "refused: {why}");
                let mut resp = if wants_page {
                    let msg = wrong.then_some("That token is not the right one.");
                    (
                        StatusCode::UNAUTHORIZED,
                        crate::html(login_page(&auth.app, msg, &next_path)),
                    )
                        .into_response()
                } else {
                    (StatusCode::UNAUTHORIZED, format!("401: {why}\n")).into_response()
                };
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
                resp
            }
        }
    }
}

/// A write whose `Origin` is not this host: refused (the cookie is `SameSite=Strict`
/// already; this also covers browsers that send it anyway).
fn cross_origin_write(method: &Method, headers: &HeaderMap) -> Option<Response> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    (origin_host.is_empty() || origin_host != host)
        .then(|| (StatusCode::FORBIDDEN, "403: cross-origin request\n").into_response())
}

/// Only same-site paths may be redirected to after sign-in.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n,
        _ => "/",
    }
}

#[derive(Deserialize)]
struct LoginForm {
    token: Option<String>,
    next: Option<String>,
}

async fn login_get(State(auth): State<Auth>, Query(q): Query<LoginForm>) -> Response {
    match q.token {
        Some(t) => sign_in(&auth, &t, q.next.as_deref()),
        None => {
            crate::html(login_page(&auth.app, None, safe_next(q.next.as_deref()))).into_response()
        }
    }
}

async fn login_post(
    State(auth): State<Auth>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if let Some(refused) = cross_origin_write(&Method::POST, &headers) {
        return refused;
    }
    sign_in(&auth, f.token.as_deref().unwrap_or(""), f.next.as_deref())
}

fn sign_in(auth: &Auth, token: &str, next: Option<&str>) -> Response {
    let next = safe_next(next);
    if !auth.matches(token) {
        return (
            StatusCode::UNAUTHORIZED,
            crate::html(login_page(
                &auth.app,
                Some("That token is not the right one."),
                next,
            )),
        )
            .into_response();
    }
    let mut resp = Redirect::to(next).into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, auth.set_cookie());
    resp
}

fn login_page(app: &str, error: Option<&str>, next: &str) -> maud::Markup {
    let body = html! {
        h1 { "Sign in to " (app) }
        @if let Some(e) = error {
            p.error role="alert" { (e) }
        }
        form.card method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            div.field {
                label for="token" { "Access token" }
                input #token type="password" name="token" required autocomplete="current-password"
                    autofocus aria-describedby="token-help";
                small #token-help { "The token given to whoever started this page (a file or a printed sign-in link)." }
            }
            button type="submit" { "Sign in" }
        }
    };
    layout::page(&layout::Page::new(app, "Sign in"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_redirects() {
        assert!(Auth::new("short", "c", "a").is_err());
        assert!(Auth::new("has a space inside it", "c", "a").is_err());
        let a = Auth::new("  0123456789abcdef\n", "c", "a").unwrap();
        assert!(a.matches("0123456789abcdef"));
        assert!(!a.matches("0123456789abcdeF"));
        assert!(!a.matches(""));
        assert_eq!(Auth::random_token().len(), 64);
        assert_eq!(safe_next(Some("/tasks/x?y=1")), "/tasks/x?y=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn presented_token_from_header_or_cookie() {
        let a = Auth::new("0123456789abcdef", "my_cookie", "a").unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(a.presented(&h), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("x=1; my_cookie=abc"),
        );
        assert_eq!(a.presented(&h), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer zzz"),
        );
        assert_eq!(a.presented(&h), Some("zzz"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic zzz"));
        assert_eq!(a.presented(&h), Some(""));
    }

    #[test]
    fn cross_origin_writes_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9090"));
        assert!(cross_origin_write(&Method::POST, &h).is_none());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:9090"),
        );
        assert!(cross_origin_write(&Method::POST, &h).is_none());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(cross_origin_write(&Method::POST, &h).is_some());
        assert!(cross_origin_write(&Method::GET, &h).is_none());
    }
}
