//! The one HTTP exchange the authenticators make (JWKS fetch, introspection), bounded in time
//! and size.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;

use crate::http_client::{Connector, Endpoint, TlsOptions};

/// A parsed URL and a connector for it (TLS with the system's roots for `https://`, proxies
/// from the environment).
#[derive(Clone)]
pub(crate) struct Target {
    endpoint: Endpoint,
    connector: Connector,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.endpoint)
    }
}

impl Target {
    pub(crate) fn new(url: &str) -> Result<Target, String> {
        let endpoint = Endpoint::parse(url).map_err(|e| e.to_string())?;
        let connector =
            Connector::new(&endpoint, &TlsOptions::default(), None).map_err(|e| e.to_string())?;
        Ok(Target {
            endpoint,
            connector,
        })
    }

    /// Sends one request and reads the answer: status and body (at most `max_bytes`), all
    /// within `timeout`.
    pub(crate) async fn send(
        &self,
        method: Method,
        headers: Vec<(header::HeaderName, HeaderValue)>,
        body: Bytes,
        timeout: Duration,
        max_bytes: usize,
    ) -> Result<(http::StatusCode, Bytes), String> {
        let exchange = async {
            let conn = self
                .connector
                .connect(&self.endpoint)
                .await
                .map_err(|e| e.to_string())?;
            let target = conn.request_target(&self.endpoint, &self.endpoint.path);
            let proxy_auth = conn.proxy_authorization().cloned();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(conn.io))
                .await
                .map_err(|e| format!("HTTP handshake with {} failed: {e}", self.endpoint))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            let mut req = Request::builder()
                .method(method)
                .uri(target)
                .header(header::HOST, self.endpoint.host_header.clone())
                .header(header::ACCEPT, "application/json");
            if let Some(a) = proxy_auth {
                req = req.header(header::PROXY_AUTHORIZATION, a);
            }
            for (k, v) in headers {
                req = req.header(k, v);
            }
            let req = req.body(Full::new(body)).map_err(|e| e.to_string())?;
            let resp = sender
                .send_request(req)
                .await
                .map_err(|e| format!("request to {} failed: {e}", self.endpoint))?;
            let status = resp.status();
            let body = Limited::new(resp.into_body(), max_bytes)
                .collect()
                .await
                .map_err(|e| format!("reading the answer of {} failed: {e}", self.endpoint))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("{} did not answer within {timeout:?}", self.endpoint))?
    }
}
