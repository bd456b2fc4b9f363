//! Scenarios: small units that talk to the server and report named checks.

mod auth;
mod durability;
mod headers;
mod instances;
mod listen;
mod mrtr;
mod schema;
mod stateless;
mod tasks;
mod v1;
mod v1_hosted;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::model::{CheckDef, Recorder};
use crate::peer::Env;

/// The group of the `io.modelcontextprotocol/tasks` extension's scenarios: not applicable to
/// a server that does not offer the extension at all.
pub(crate) const EXTENSION_GROUP: &str = "tasks-extension";

/// What a scenario runs with.
pub(crate) struct Cx {
    pub(crate) env: Arc<Env>,
    pub(crate) rec: Recorder,
}

/// The future a scenario returns; `Err` stops it (unreported checks become skipped).
pub(crate) type RunFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// What a scenario needs from the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// Works on HTTP and stdio.
    Any,
    /// Needs Streamable HTTP (headers, status codes).
    Http,
    /// Opt-in (`--durability`) and needs a server the checker started (`--cmd`).
    Restart,
    /// Opt-in: needs two or more instances on one store (`--instances`).
    Instances,
    /// Opt-in: an OAuth-protected HTTP server and a token for it (`--bearer`).
    Auth,
    /// Opt-in: [`Needs::Auth`] and a second principal's token (`--bearer-other`).
    AuthOther,
}

/// A scenario as declared.
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) group: &'static str,
    pub(crate) description: &'static str,
    pub(crate) needs: Needs,
    pub(crate) checks: &'static [&'static CheckDef],
    pub(crate) run: for<'a> fn(&'a mut Cx) -> RunFuture<'a>,
}

/// Every scenario, in run order.
pub(crate) fn all() -> Vec<Scenario> {
    let mut v = Vec::new();
    v.extend(tasks::scenarios());
    v.extend(schema::scenarios());
    v.extend(listen::scenarios());
    v.extend(v1::scenarios());
    v.extend(v1_hosted::scenarios());
    v.extend(mrtr::scenarios());
    v.extend(headers::scenarios());
    v.extend(stateless::scenarios());
    v.extend(durability::scenarios());
    v.extend(instances::scenarios());
    v.extend(auth::scenarios());
    v
}
