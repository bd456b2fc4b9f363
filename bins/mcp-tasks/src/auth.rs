//! OAuth for `mcp-tasks`: the flags, the per-server credentials file, `login` and `logout`.
//!
//! Credentials (the dynamic registration, the tokens, a DPoP key) are kept per server URL in
//! `<state dir>/auth-<url, percent-encoded>.json`, readable by the user only (0600, in a
//! 0700 directory). A protected server's first `401` starts the authorization: the URL is
//! printed (and opened in a browser when stderr is a terminal), and the browser comes back
//! to a loopback port this process listens on.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use mcp_tasks_client::Error;
use mcp_tasks_client::auth::{
    AuthRecord, CredentialStore, GrantChoice, LoopbackRedirect, OAuthConfig,
};

use crate::state;

/// OAuth settings of a command that talks to an HTTP server.
#[derive(Debug, Clone, Args)]
pub(crate) struct AuthArgs {
    /// OAuth: a client id registered with the server's authorization server (without one,
    /// the client registers itself where the server allows it).
    #[arg(long, env = "MCP_TASKS_CLIENT_ID")]
    client_id: Option<String>,
    /// OAuth: that client's secret (client_secret_basic or client_secret_post).
    #[arg(long, env = "MCP_TASKS_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// OAuth: that client's ES256 private key, a PKCS#8 PEM file (private_key_jwt).
    #[arg(long, value_name = "FILE")]
    client_key: Option<PathBuf>,
    /// OAuth: the HTTPS URL of this client's metadata document, used as its client id where
    /// the authorization server supports Client ID Metadata Documents.
    #[arg(long, value_name = "URL", env = "MCP_TASKS_CLIENT_METADATA_URL")]
    client_metadata_url: Option<String>,
    /// OAuth: ask for exactly these scopes (space-separated) instead of the server's.
    #[arg(long)]
    scope: Option<String>,
    /// OAuth grant: `code` (a person approves in a browser), `client-credentials` (a
    /// machine, with --client-id and --client-secret or --client-key), or `auto`.
    #[arg(long, value_enum, default_value_t = GrantArg::Auto)]
    grant: GrantArg,
    /// Port of the loopback address the browser is sent back to (0: any free port).
    #[arg(long, default_value_t = 0)]
    callback_port: u16,
    /// How long to wait for the browser to come back.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    login_timeout: Duration,
    /// Print the authorization URL without opening a browser.
    #[arg(long)]
    no_browser: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GrantArg {
    Auto,
    Code,
    ClientCredentials,
}

/// The credentials file of one server: JSON, mode 0600.
#[derive(Debug)]
pub(crate) struct FileStore {
    path: PathBuf,
}

impl FileStore {
    pub(crate) fn new(dir: &Path, url: &str) -> FileStore {
        FileStore {
            path: state::auth_file(dir, url),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl CredentialStore for FileStore {
    fn load(&self) -> Result<Option<AuthRecord>, Error> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::Config(format!(
                    "cannot read {}: {e}",
                    self.path.display()
                )));
            }
        };
        match serde_json::from_str(&text) {
            Ok(r) => Ok(Some(r)),
            Err(e) => {
                tracing::warn!(
                    "ignoring the unreadable credentials in {}: {e}",
                    self.path.display()
                );
                Ok(None)
            }
        }
    }

    fn save(&self, record: &AuthRecord) -> Result<(), Error> {
        write_private(&self.path, record)
            .map_err(|e| Error::Config(format!("cannot write {}: {e}", self.path.display())))
    }
}

/// Writes `record` readable by the owner only: a 0600 temporary file renamed over the old
/// one, in a 0700 directory.
fn write_private(path: &Path, record: &AuthRecord) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    let tmp = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    {
        use std::io::Write;
        let mut f = options.open(&tmp)?;
        // A file left by an older run may have had wider permissions.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        let text = serde_json::to_string_pretty(record).map_err(std::io::Error::other)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Opens `url` in the desktop's browser; whether that worked.
fn open_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

/// The OAuth configuration for the server at `url`, its credentials in `state_dir` (in
/// memory when there is no state directory).
pub(crate) fn config(
    args: &AuthArgs,
    url: &str,
    state_dir: Option<&Path>,
) -> Result<OAuthConfig, Error> {
    let server = url.to_owned();
    let store = state_dir.map(|dir| FileStore::new(dir, url));
    let open = !args.no_browser && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut agent = LoopbackRedirect::new(args.callback_port, move |auth_url| {
        eprintln!("mcp-tasks: {server} needs your authorization. Open this URL:");
        eprintln!("  {auth_url}");
        if open && open_browser(auth_url) {
            eprintln!("(opened in your browser; waiting for it to come back)");
        }
    })
    .timeout(args.login_timeout);
    // Come back on the port of the saved registration, whose redirect URI names it.
    if let Some(port) = store.as_ref().and_then(registered_port) {
        agent = agent.prefer_port(port);
    }
    let mut cfg = OAuthConfig::new("mcp-tasks")
        .user_agent(agent)
        .grant(match args.grant {
            GrantArg::Auto => GrantChoice::Auto,
            GrantArg::Code => GrantChoice::AuthorizationCode,
            GrantArg::ClientCredentials => GrantChoice::ClientCredentials,
        });
    if let Some(id) = &args.client_id {
        cfg = cfg.client_id(id);
    }
    if let Some(secret) = &args.client_secret {
        cfg = cfg.client_secret(secret);
    }
    if let Some(path) = &args.client_key {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        cfg = cfg.private_key_pem(pem);
    }
    if let Some(u) = &args.client_metadata_url {
        cfg = cfg.client_metadata_url(u);
    }
    if let Some(scope) = &args.scope {
        cfg = cfg.scope(scope);
    }
    if let Some(store) = store {
        cfg = cfg.store(store);
    }
    Ok(cfg)
}

/// The loopback port of the saved registration's redirect URI.
fn registered_port(store: &FileStore) -> Option<u16> {
    let record = store.load().ok()??;
    let uri = record.client?.redirect_uris.into_iter().next()?;
    let rest = uri.strip_prefix("http://127.0.0.1:")?;
    rest.split('/').next()?.parse().ok()
}
