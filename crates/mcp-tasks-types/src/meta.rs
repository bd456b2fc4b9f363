//! `_meta` objects, the reserved keys of both eras, and `resultType` (MCP 2026-07-28 stateless requests (SEP-2575); MCP 2026-07-28 `resultType`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::base::{Implementation, LoggingLevel};
use crate::capabilities::ClientCapabilities;
use crate::jsonrpc::{JsonObject, ProgressToken, RequestId};

/// A `_meta` object (`MetaObject`): free-form keys.
pub type Meta = JsonObject;

/// Reserved `_meta` keys.
pub mod keys {
    /// Per-request protocol version (2026-07-28).
    pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
    /// Per-request client capabilities (2026-07-28).
    pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
    /// Per-request client info (2026-07-28).
    pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
    /// Per-request log level (2026-07-28).
    pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
    /// Server info on results (2026-07-28).
    pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
    /// Listen-stream subscription id on notifications (2026-07-28).
    pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
    /// Related task (Tasks v1, 2025-11-25).
    pub const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
    /// Immediate text for the model while a v1 task runs (2025-11-25).
    pub const MODEL_IMMEDIATE_RESPONSE: &str = "io.modelcontextprotocol/model-immediate-response";
    /// Progress token (both eras).
    pub const PROGRESS_TOKEN: &str = "progressToken";
}

/// The `_meta` of a request (`RequestMetaObject`), with the reserved keys of both eras typed
/// and every other key kept in `extra`.
///
/// In 2026-07-28 `protocolVersion` and `clientCapabilities` are required; this type keeps
/// them optional so the server can answer a missing key with `-32602` instead of failing to
/// decode the whole request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestMeta {
    /// `io.modelcontextprotocol/protocolVersion`.
    #[serde(
        rename = "io.modelcontextprotocol/protocolVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub protocol_version: Option<String>,
    /// `io.modelcontextprotocol/clientCapabilities`.
    #[serde(
        rename = "io.modelcontextprotocol/clientCapabilities",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_capabilities: Option<Box<ClientCapabilities>>,
    /// `io.modelcontextprotocol/clientInfo`.
    #[serde(
        rename = "io.modelcontextprotocol/clientInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    // Boxed, like the capabilities: every request's params embed a `RequestMeta`, and the
    // two inline would make each of them (and every future holding one) about 1 KiB larger.
    pub client_info: Option<Box<Implementation>>,
    /// `io.modelcontextprotocol/logLevel`.
    #[serde(
        rename = "io.modelcontextprotocol/logLevel",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub log_level: Option<LoggingLevel>,
    /// `progressToken`.
    #[serde(
        rename = "progressToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub progress_token: Option<ProgressToken>,
    /// Every other key (trace context, related-task, application keys).
    #[serde(flatten)]
    pub extra: Meta,
}

impl RequestMeta {
    /// The modern-era metadata every 2026-07-28 request carries.
    pub fn modern(version: &str, caps: ClientCapabilities) -> Self {
        RequestMeta {
            protocol_version: Some(version.to_owned()),
            client_capabilities: Some(Box::new(caps)),
            ..Default::default()
        }
    }
}

/// The `_meta` of a notification on a listen stream carries the subscription id.
pub fn subscription_meta(id: &RequestId) -> Meta {
    let mut m = Meta::new();
    m.insert(
        keys::SUBSCRIPTION_ID.to_owned(),
        serde_json::to_value(id).unwrap_or(Value::Null),
    );
    m
}

/// The `resultType` discriminator (MCP 2026-07-28 `resultType`): an open set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum ResultType {
    /// `"complete"`: the final result.
    #[default]
    Complete,
    /// `"input_required"`: an MRTR `InputRequiredResult`.
    InputRequired,
    /// `"task"`: a tasks-extension `CreateTaskResult`.
    Task,
    /// Any other value; a client must treat it as invalid unless an extension defines it.
    Unknown(String),
}

impl ResultType {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            ResultType::Complete => "complete",
            ResultType::InputRequired => "input_required",
            ResultType::Task => "task",
            ResultType::Unknown(s) => s,
        }
    }
}

impl From<&str> for ResultType {
    fn from(s: &str) -> Self {
        match s {
            "complete" => ResultType::Complete,
            "input_required" => ResultType::InputRequired,
            "task" => ResultType::Task,
            other => ResultType::Unknown(other.to_owned()),
        }
    }
}

impl Serialize for ResultType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        Ok(ResultType::from(s.as_ref()))
    }
}

/// Declares a unit type that serializes as one fixed string and rejects any other value.
macro_rules! const_str_tag {
    ($(#[$doc:meta])* $name:ident = $lit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl $name {
            /// The fixed wire value.
            pub const VALUE: &'static str = $lit;
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($lit)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                if s == $lit {
                    Ok($name)
                } else {
                    Err(serde::de::Error::custom(format!(
                        concat!("expected \"", $lit, "\" here, got {:?}"),
                        s
                    )))
                }
            }
        }
    };
}
#[allow(unused_imports)] // available to other modules for fixed discriminators
pub(crate) use const_str_tag;

const_str_tag!(
    /// A `resultType` that must be exactly `"complete"` (results of the tasks extension's
    /// `tasks/get|update|cancel`, whose schema pins the constant).
    CompleteTag = "complete"
);
const_str_tag!(
    /// A `resultType` that must be exactly `"task"` (the tasks extension's `CreateTaskResult`).
    TaskTag = "task"
);
const_str_tag!(
    /// A `resultType` that must be exactly `"input_required"` (MRTR `InputRequiredResult`).
    InputRequiredTag = "input_required"
);
