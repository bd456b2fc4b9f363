//! One-shot HTTP requests to authorization servers and metadata documents, through the
//! same TLS roots and proxies as the MCP endpoint. Redirects are never followed here: the
//! authorization endpoint's redirect is the answer itself, and metadata must come from the
//! URL that was asked for.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use mcp_tasks_transport::http_client::{Connector, Endpoint};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::transport::http::NetOptions;

/// What came back.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Fetched {
    /// The body as a JSON object, or `None`.
    pub(crate) fn json(&self) -> Option<serde_json::Map<String, Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        }
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The start of the body, for error messages.
    pub(crate) fn snippet(&self) -> String {
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(300)
            .collect()
    }
}

/// A request body.
#[derive(Debug)]
pub(crate) enum Payload {
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// `application/json`.
    Json(Value),
}

/// Limits of the requests this module makes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FetchLimits {
    /// Whole request, connect to last byte.
    pub(crate) timeout: Duration,
    /// Largest body read.
    pub(crate) max_body: usize,
}

/// Sends one request to `url` and reads the whole answer.
pub(crate) async fn fetch(
    net: &NetOptions,
    limits: FetchLimits,
    method: Method,
    url: &str,
    headers: &[(HeaderName, String)],
    payload: Option<Payload>,
) -> Result<Fetched> {
    tokio::time::timeout(
        limits.timeout,
        fetch_inner(net, limits, method.clone(), url, headers, payload),
    )
    .await
    .map_err(|_| {
        Error::Timeout(format!(
            "{method} {url} took longer than {:?}",
            limits.timeout
        ))
    })?
}

async fn fetch_inner(
    net: &NetOptions,
    limits: FetchLimits,
    method: Method,
    url: &str,
    headers: &[(HeaderName, String)],
    payload: Option<Payload>,
) -> Result<Fetched> {
    let endpoint = Endpoint::parse(url).map_err(|e| Error::Auth(e.to_string()))?;
    let connector = Connector::new(&endpoint, &net.tls, net.proxy.as_ref())
        .map_err(|e| Error::Config(e.to_string()))?;
    let conn = connector
        .connect(&endpoint)
        .await
        .map_err(|e| Error::Transport(format!("{url}: {e}")))?;
    let target = conn.request_target(&endpoint, &endpoint.path);
    let proxy_auth = conn.proxy_authorization().cloned();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(conn.io))
        .await
        .map_err(Error::transport)?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!("HTTP connection ended: {e}");
        }
    });
    let host = HeaderValue::from_str(&endpoint.host_header)
        .map_err(|e| Error::Config(format!("invalid host in {url:?}: {e}")))?;
    let mut req = Request::builder()
        .method(method.clone())
        .uri(target)
        .header(HOST, host)
        .header(ACCEPT, "application/json");
    if let Some(auth) = proxy_auth {
        req = req.header(http::header::PROXY_AUTHORIZATION, auth);
    }
    for (name, value) in headers {
        let value = HeaderValue::from_str(value)
            .map_err(|e| Error::Config(format!("invalid value for header {name}: {e}")))?;
        req = req.header(name, value);
    }
    let body = match payload {
        Some(Payload::Form(pairs)) => {
            req = req.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
                .into_bytes()
        }
        Some(Payload::Json(v)) => {
            req = req.header(CONTENT_TYPE, "application/json");
            v.to_string().into_bytes()
        }
        None => Vec::new(),
    };
    let req = req
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| Error::Config(e.to_string()))?;
    tracing::debug!("oauth → {method} {url}");
    let resp = sender.send_request(req).await.map_err(Error::transport)?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = Limited::new(resp.into_body(), limits.max_body)
        .collect()
        .await
        .map_err(|e| Error::Transport(format!("{url}: reading the answer: {e}")))?
        .to_bytes();
    tracing::debug!("oauth ← {status} {url}");
    Ok(Fetched {
        status,
        headers,
        body,
    })
}
