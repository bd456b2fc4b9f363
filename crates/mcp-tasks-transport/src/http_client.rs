//! Outgoing connections for Streamable HTTP clients (feature `http-client`): `http://` and
//! `https://` endpoints, TLS with rustls (the system's root certificates plus any private CA
//! the caller adds), and HTTP proxies from `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` /
//! `NO_PROXY` (curl's rules) or given explicitly.
//!
//! The connector only opens the byte stream; HTTP/1 framing stays with the caller (hyper's
//! connection API), so a client can still choose per-connection options such as Title-Case
//! header names.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mcp_tasks_transport::http_client::ConnectError> {
//! use mcp_tasks_transport::http_client::{Connector, Endpoint, TlsOptions};
//!
//! let endpoint = Endpoint::parse("https://mcp.example.com/mcp")?;
//! let connector = Connector::new(&endpoint, &TlsOptions::default(), None)?;
//! let conn = connector.connect(&endpoint).await?;
//! // hand `conn.io` to `hyper::client::conn::http1::handshake`, and send requests to
//! // `conn.request_target(&endpoint)` with `conn.proxy_authorization()` when it is set.
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tower_service::Service;

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// Bad URL, unreadable CA file, unsupported proxy: retrying will not help.
    #[error("{0}")]
    Config(String),
    /// The network said no: refused, unreachable, TLS handshake or proxy failure.
    #[error("{0}")]
    Connect(String),
}

impl ConnectError {
    /// Whether the error is in the configuration rather than the network.
    pub fn is_config(&self) -> bool {
        matches!(self, ConnectError::Config(_))
    }
}

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

/// A parsed endpoint URL.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The scheme.
    pub scheme: Scheme,
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Port (80 / 443 when the URL names none).
    pub port: u16,
    /// Path and query, `/` at least.
    pub path: String,
    /// The `Host` header: the URL's authority as written.
    pub host_header: String,
    uri: Uri,
}

impl Endpoint {
    /// Parses `http://host[:port]/path` or `https://…`.
    pub fn parse(url: &str) -> Result<Endpoint, ConnectError> {
        let uri: Uri = url
            .parse()
            .map_err(|e| ConnectError::Config(format!("invalid URL {url:?}: {e}")))?;
        let scheme = match uri.scheme_str() {
            Some("http") => Scheme::Http,
            Some("https") => Scheme::Https,
            Some(other) => {
                return Err(ConnectError::Config(format!(
                    "unsupported URL scheme {other:?} in {url:?} (use http:// or https://)"
                )));
            }
            None => {
                return Err(ConnectError::Config(format!(
                    "URL {url:?} has no scheme (use http://HOST:PORT/path or https://…)"
                )));
            }
        };
        let authority = uri
            .authority()
            .ok_or_else(|| ConnectError::Config(format!("URL {url:?} has no host")))?;
        if authority.as_str().contains('@') {
            return Err(ConnectError::Config(format!(
                "URL {url:?} carries credentials; MCP endpoints take no user:password@"
            )));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = authority.port_u16().unwrap_or(match scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        });
        let path = uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/".to_owned());
        Ok(Endpoint {
            scheme,
            host,
            port,
            path,
            host_header: authority.as_str().to_owned(),
            uri,
        })
    }

    /// `host:port`, for messages and plain TCP connects (IPv6 in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL.
    pub fn url(&self) -> &Uri {
        &self.uri
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.uri.fmt(f)
    }
}

/// Which certificates a TLS server may present.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    /// Trust the operating system's root certificates (default `true`).
    pub system_roots: bool,
    /// PEM files of extra certificate authorities (a private CA, a test CA).
    pub ca_files: Vec<PathBuf>,
    /// PEM text of extra certificate authorities.
    pub ca_pems: Vec<Vec<u8>>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            system_roots: true,
            ca_files: Vec::new(),
            ca_pems: Vec::new(),
        }
    }
}

/// Where proxies come from.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum ProxyConfig {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (upper or lower case), read
    /// when the connector is built (the default).
    #[default]
    FromEnv,
    /// Never use a proxy.
    None,
    /// This proxy (`http://[user:pass@]host:port`) for every destination not matched by
    /// `no_proxy` (comma-separated, `NO_PROXY` syntax).
    Url {
        /// The proxy URL.
        proxy: String,
        /// Destinations reached directly.
        no_proxy: String,
    },
}

/// Any stream a connection can be (plain TCP, TLS over TCP, TLS through a tunnel).
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// The byte stream of one connection; hand it to hyper with `hyper_util::rt::TokioIo`.
pub struct Stream(Box<dyn Io>);

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Stream")
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// One open connection.
#[derive(Debug)]
pub struct Connection {
    /// The bytes.
    pub io: Stream,
    /// Set when plain HTTP goes through a forwarding proxy: requests then use the absolute
    /// URL and carry the proxy's credentials.
    forward_proxy: Option<Option<HeaderValue>>,
}

impl Connection {
    /// The request target for `path` on `endpoint`: the path itself, or the absolute URL when
    /// a plain-HTTP proxy forwards the request.
    pub fn request_target(&self, endpoint: &Endpoint, path: &str) -> String {
        match self.forward_proxy {
            Some(_) => format!("http://{}{path}", endpoint.host_header),
            None => path.to_owned(),
        }
    }

    /// The `Proxy-Authorization` header a forwarding proxy needs, if any.
    pub fn proxy_authorization(&self) -> Option<&HeaderValue> {
        self.forward_proxy.as_ref().and_then(Option::as_ref)
    }

    /// Whether requests go through a forwarding proxy.
    pub fn via_proxy(&self) -> bool {
        self.forward_proxy.is_some()
    }
}

/// Opens connections to endpoints: TLS and proxy settings, built once.
#[derive(Clone)]
pub struct Connector {
    tls: Option<tokio_rustls::TlsConnector>,
    proxies: Option<Arc<Matcher>>,
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("tls", &self.tls.is_some())
            .field("proxies", &self.proxies)
            .finish()
    }
}

/// The rustls configuration: system roots (when asked) plus the extra CAs.
fn tls_config(opts: &TlsOptions) -> Result<rustls::ClientConfig, ConnectError> {
    let mut roots = rustls::RootCertStore::empty();
    let mut extra: Vec<CertificateDer<'static>> = Vec::new();
    for path in &opts.ca_files {
        extra.extend(read_pem_certs(path)?);
    }
    for pem in &opts.ca_pems {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConnectError::Config(format!("invalid CA certificate PEM: {e}")))?;
        if certs.is_empty() {
            return Err(ConnectError::Config(
                "the CA PEM holds no certificate".into(),
            ));
        }
        extra.extend(certs);
    }
    for cert in extra {
        roots
            .add(cert)
            .map_err(|e| ConnectError::Config(format!("unusable CA certificate: {e}")))?;
    }
    if opts.system_roots {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::debug!("reading the system's root certificates: {e}");
        }
        let (added, ignored) = roots.add_parsable_certificates(found.certs);
        tracing::debug!(added, ignored, "system root certificates");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Config(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // Streamable HTTP as written here is HTTP/1.1.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn read_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, ConnectError> {
    let bytes = std::fs::read(path).map_err(|e| {
        ConnectError::Config(format!("cannot read CA file {}: {e}", path.display()))
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConnectError::Config(format!("CA file {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(ConnectError::Config(format!(
            "CA file {} holds no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

impl Connector {
    /// A connector for `endpoint`: TLS is set up only for `https://` (the system's roots are
    /// read then). `proxy` `None` means [`ProxyConfig::FromEnv`].
    pub fn new(
        endpoint: &Endpoint,
        tls: &TlsOptions,
        proxy: Option<&ProxyConfig>,
    ) -> Result<Connector, ConnectError> {
        let tls = match endpoint.scheme {
            Scheme::Https => Some(tokio_rustls::TlsConnector::from(Arc::new(tls_config(tls)?))),
            Scheme::Http => None,
        };
        let proxies = match proxy.unwrap_or(&ProxyConfig::FromEnv) {
            ProxyConfig::FromEnv => Some(Matcher::from_env()),
            ProxyConfig::None => None,
            ProxyConfig::Url { proxy, no_proxy } => Some(
                Matcher::builder()
                    .all(proxy.clone())
                    .no(no_proxy.clone())
                    .build(),
            ),
        };
        Ok(Connector {
            tls,
            proxies: proxies.map(Arc::new),
        })
    }

    /// The proxy `endpoint` is reached through, if any.
    fn proxy_for(&self, endpoint: &Endpoint) -> Result<Option<Intercept>, ConnectError> {
        let Some(m) = &self.proxies else {
            return Ok(None);
        };
        let Some(i) = m.intercept(endpoint.url()) else {
            return Ok(None);
        };
        if i.uri().scheme_str() != Some("http") {
            return Err(ConnectError::Config(format!(
                "proxy {} is not supported: only http:// proxies are (HTTP CONNECT for https://)",
                i.uri()
            )));
        }
        Ok(Some(i))
    }

    /// Opens a connection to `endpoint` (through its proxy, TLS when `https://`).
    pub async fn connect(&self, endpoint: &Endpoint) -> Result<Connection, ConnectError> {
        let proxy = self.proxy_for(endpoint)?;
        let (tcp, forward_proxy) = match (&proxy, endpoint.scheme) {
            (None, _) => (direct(endpoint).await?, None),
            (Some(p), Scheme::Http) => {
                let tcp = tcp_to(p.uri()).await?;
                (tcp, Some(p.basic_auth().cloned()))
            }
            (Some(p), Scheme::Https) => (tunnel(p, endpoint).await?, None),
        };
        let io: Box<dyn Io> = match &self.tls {
            None => Box::new(tcp),
            Some(tls) => {
                let name = ServerName::try_from(endpoint.host.clone()).map_err(|e| {
                    ConnectError::Config(format!(
                        "invalid TLS server name {:?}: {e}",
                        endpoint.host
                    ))
                })?;
                let stream = tls.connect(name, tcp).await.map_err(|e| {
                    ConnectError::Connect(format!(
                        "TLS handshake with {} failed: {e}{}",
                        endpoint.authority(),
                        if e.to_string().contains("UnknownIssuer") {
                            " (signed by a private CA? add its certificate, e.g. --ca-cert FILE)"
                        } else {
                            ""
                        }
                    ))
                })?;
                Box::new(stream)
            }
        };
        Ok(Connection {
            io: Stream(io),
            forward_proxy,
        })
    }
}

/// A direct TCP connection (every address the name resolves to is tried).
async fn direct(endpoint: &Endpoint) -> Result<TcpStream, ConnectError> {
    let stream = TcpStream::connect((endpoint.host.as_str(), endpoint.port))
        .await
        .map_err(|e| {
            ConnectError::Connect(format!("cannot connect to {}: {e}", endpoint.authority()))
        })?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// TCP to a proxy.
async fn tcp_to(proxy: &Uri) -> Result<TcpStream, ConnectError> {
    let host = proxy.host().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = proxy.port_u16().unwrap_or(80);
    TcpStream::connect((host, port))
        .await
        .map_err(|e| ConnectError::Connect(format!("cannot connect to proxy {proxy}: {e}")))
}

/// A tunnel through `proxy` to `endpoint` (HTTP CONNECT).
async fn tunnel(proxy: &Intercept, endpoint: &Endpoint) -> Result<TcpStream, ConnectError> {
    let mut tunnel = Tunnel::new(proxy.uri().clone(), HttpConnector::new());
    if let Some(auth) = proxy.basic_auth() {
        tunnel = tunnel.with_auth(auth.clone());
    }
    std::future::poll_fn(|cx| tunnel.poll_ready(cx))
        .await
        .map_err(|e| ConnectError::Connect(format!("proxy {}: {e}", proxy.uri())))?;
    let io = tunnel.call(endpoint.url().clone()).await.map_err(|e| {
        let cause = std::error::Error::source(&e)
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        ConnectError::Connect(format!(
            "proxy {} could not reach {}: {e}{cause}",
            proxy.uri(),
            endpoint.authority()
        ))
    })?;
    Ok(io.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse_with_default_ports_and_clear_errors() {
        let e = Endpoint::parse("https://example.com/mcp").unwrap();
        assert_eq!(
            (e.scheme, e.port, e.path.as_str()),
            (Scheme::Https, 443, "/mcp")
        );
        let e = Endpoint::parse("http://[::1]:8080").unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("::1", 8080, "/")
        );
        assert_eq!(e.authority(), "[::1]:8080");
        let err = Endpoint::parse("ftp://x/").unwrap_err().to_string();
        assert!(err.contains("use http:// or https://"), "{err}");
        let err = Endpoint::parse("localhost:8080").unwrap_err().to_string();
        assert!(
            err.contains("no scheme") || err.contains("unsupported"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_ca_file_names_the_path() {
        let opts = TlsOptions {
            system_roots: false,
            ca_files: vec!["/nonexistent/ca.pem".into()],
            ca_pems: Vec::new(),
        };
        let e = Endpoint::parse("https://127.0.0.1:1/").unwrap();
        let err = Connector::new(&e, &opts, Some(&ProxyConfig::None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn no_proxy_bypasses_the_proxy() {
        let cfg = ProxyConfig::Url {
            proxy: "http://127.0.0.1:9".into(),
            no_proxy: "localhost,10.0.0.0/8".into(),
        };
        let e = Endpoint::parse("http://localhost:1/").unwrap();
        let c = Connector::new(&e, &TlsOptions::default(), Some(&cfg)).unwrap();
        assert!(c.proxy_for(&e).unwrap().is_none());
        let far = Endpoint::parse("http://example.com/").unwrap();
        assert!(c.proxy_for(&far).unwrap().is_some());
    }
}
