//! Multi Round-Trip Requests (MRTR, 2026-07-28, SEP-2322).
//!
//! Instead of sending requests to the client, a 2026-07-28 server answers `tools/call`,
//! `prompts/get` or `resources/read` with an [`InputRequiredResult`] holding embedded
//! [`InputRequest`]s; the client retries the same call with a new id, the answers in
//! `inputResponses` ([`InputResponses`]) and the echoed `requestState`. The tasks extension
//! reuses [`InputRequests`]/[`InputResponses`] for task-time input (`tasks/get`,
//! `tasks/update`).

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::elicitation::{
    ElicitRequestFormParams, ElicitRequestParams, ElicitRequestURLParams, ElicitResult,
    RequestedSchema,
};
use crate::jsonrpc::JsonObject;
use crate::meta::{InputRequiredTag, Meta, RequestMeta};
use crate::methods;
use crate::roots::{ListRootsRequestParams, ListRootsResult};
use crate::sampling::{CreateMessageRequestParams, CreateMessageResult};

/// A server-to-client request embedded in a result (`InputRequest`), tagged by `method`.
///
/// A plain `{method, params}` object: no `jsonrpc`, no `id` (the key in [`InputRequests`]
/// identifies it). An unknown `method` is rejected when decoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method")]
pub enum InputRequest {
    /// `elicitation/create` (`ElicitRequest`).
    #[serde(rename = "elicitation/create")]
    Elicit {
        /// Form or URL params.
        params: ElicitRequestParams,
    },
    /// `sampling/createMessage` (`CreateMessageRequest`).
    #[serde(rename = "sampling/createMessage")]
    Sampling {
        /// The sampling params.
        params: CreateMessageRequestParams,
    },
    /// `roots/list` (`ListRootsRequest`).
    #[serde(rename = "roots/list")]
    ListRoots {
        /// Optional params (only `_meta`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        params: Option<ListRootsRequestParams>,
    },
}

impl InputRequest {
    /// A form elicitation (`"mode": "form"`).
    pub fn elicit_form(message: impl Into<String>, schema: RequestedSchema) -> Self {
        InputRequest::Elicit {
            params: ElicitRequestFormParams::new(message, schema).into(),
        }
    }

    /// A URL elicitation (no `elicitationId`: it does not exist in 2026-07-28).
    pub fn elicit_url(message: impl Into<String>, url: impl Into<String>) -> Self {
        InputRequest::Elicit {
            params: ElicitRequestURLParams::new(message, url).into(),
        }
    }

    /// A sampling request.
    pub fn sampling(params: CreateMessageRequestParams) -> Self {
        InputRequest::Sampling { params }
    }

    /// A `roots/list` request without params.
    pub fn roots() -> Self {
        InputRequest::ListRoots { params: None }
    }

    /// The method name.
    pub fn method(&self) -> &'static str {
        match self {
            InputRequest::Elicit { .. } => methods::ELICITATION_CREATE,
            InputRequest::Sampling { .. } => methods::SAMPLING_CREATE_MESSAGE,
            InputRequest::ListRoots { .. } => methods::ROOTS_LIST,
        }
    }
}

/// Server-chosen keys to embedded requests (`InputRequests`).
pub type InputRequests = BTreeMap<String, InputRequest>;

/// Keys (the same as in [`InputRequests`]) to the client's answers (`InputResponses`).
pub type InputResponses = BTreeMap<String, InputResponse>;

/// Decodes the `inputResponses` of a retry leniently: an entry that is not a valid answer is
/// dropped instead of failing the whole request. A server ignores keys it did not ask for
/// (SEP-2322), and a malformed answer to a key it did ask for is then simply missing, which
/// earns a fresh `InputRequiredResult` rather than an error.
pub fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<InputResponses>, D::Error> {
    let raw: Option<BTreeMap<String, serde_json::Value>> = Option::deserialize(d)?;
    Ok(raw.map(|m| {
        m.into_iter()
            .filter_map(|(k, v)| serde_json::from_value(v).ok().map(|r| (k, r)))
            .collect()
    }))
}

/// The client's answer to one [`InputRequest`] (`InputResponse`).
///
/// The wire form is untagged and carries no `resultType`, so decoding looks at the required
/// keys: `action` means an [`ElicitResult`], `roots` a [`ListRootsResult`], and `model`,
/// `role` or `content` a [`CreateMessageResult`] (checked in that order, because an
/// `ElicitResult` may also have a `content`).
// Sampling results are larger than the others; these are short-lived decoded wire values,
// so keeping them unboxed (plain construction and matching) is worth the extra bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum InputResponse {
    /// Answer to `elicitation/create`.
    Elicit(ElicitResult),
    /// Answer to `sampling/createMessage`.
    Sampling(CreateMessageResult),
    /// Answer to `roots/list`.
    ListRoots(ListRootsResult),
}

impl InputResponse {
    /// Whether this is the kind of answer `request` asks for.
    pub fn answers(&self, request: &InputRequest) -> bool {
        matches!(
            (self, request),
            (InputResponse::Elicit(_), InputRequest::Elicit { .. })
                | (InputResponse::Sampling(_), InputRequest::Sampling { .. })
                | (InputResponse::ListRoots(_), InputRequest::ListRoots { .. })
        )
    }

    /// The elicitation answer, if this is one.
    pub fn as_elicit(&self) -> Option<&ElicitResult> {
        match self {
            InputResponse::Elicit(r) => Some(r),
            _ => None,
        }
    }

    /// The sampling answer, if this is one.
    pub fn as_sampling(&self) -> Option<&CreateMessageResult> {
        match self {
            InputResponse::Sampling(r) => Some(r),
            _ => None,
        }
    }

    /// The roots answer, if this is one.
    pub fn as_roots(&self) -> Option<&ListRootsResult> {
        match self {
            InputResponse::ListRoots(r) => Some(r),
            _ => None,
        }
    }
}

impl From<ElicitResult> for InputResponse {
    fn from(r: ElicitResult) -> Self {
        InputResponse::Elicit(r)
    }
}

impl From<CreateMessageResult> for InputResponse {
    fn from(r: CreateMessageResult) -> Self {
        InputResponse::Sampling(r)
    }
}

impl From<ListRootsResult> for InputResponse {
    fn from(r: ListRootsResult) -> Self {
        InputResponse::ListRoots(r)
    }
}

impl Serialize for InputResponse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            InputResponse::Elicit(r) => r.serialize(s),
            InputResponse::Sampling(r) => r.serialize(s),
            InputResponse::ListRoots(r) => r.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for InputResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let Value::Object(obj) = &v else {
            return Err(D::Error::custom("an input response must be a JSON object"));
        };
        let has = |k: &str| obj.contains_key(k);
        let res = if has("action") {
            serde_json::from_value(v).map(InputResponse::Elicit)
        } else if has("roots") {
            serde_json::from_value(v).map(InputResponse::ListRoots)
        } else if has("model") || has("role") || has("content") {
            serde_json::from_value(v).map(InputResponse::Sampling)
        } else {
            return Err(D::Error::custom(
                "an input response must be an ElicitResult (`action`), a CreateMessageResult \
                 (`role`, `content`, `model`) or a ListRootsResult (`roots`)",
            ));
        };
        res.map_err(D::Error::custom)
    }
}

/// "Input needed before this request can complete" (`InputRequiredResult`, 2026-07-28).
///
/// At least one of `inputRequests` and `requestState` is present; decoding enforces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "RawInputRequiredResult")]
pub struct InputRequiredResult {
    /// Always `"input_required"`.
    pub result_type: InputRequiredTag,
    /// Requests the client must fulfil before retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_requests: Option<InputRequests>,
    /// Opaque state the client must echo byte-exact on the retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// Result `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Unknown keys, kept so a proxy loses nothing.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// The unchecked wire form of [`InputRequiredResult`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawInputRequiredResult {
    result_type: InputRequiredTag,
    #[serde(default)]
    input_requests: Option<InputRequests>,
    #[serde(default)]
    request_state: Option<String>,
    #[serde(rename = "_meta", default)]
    meta: Option<Meta>,
    #[serde(flatten)]
    extra: JsonObject,
}

impl TryFrom<RawInputRequiredResult> for InputRequiredResult {
    type Error = String;

    fn try_from(r: RawInputRequiredResult) -> Result<Self, String> {
        if r.input_requests.is_none() && r.request_state.is_none() {
            return Err(
                "an InputRequiredResult needs `inputRequests`, `requestState` or both".to_owned(),
            );
        }
        Ok(InputRequiredResult {
            result_type: r.result_type,
            input_requests: r.input_requests,
            request_state: r.request_state,
            meta: r.meta,
            extra: r.extra,
        })
    }
}

impl InputRequiredResult {
    /// Asks the client for the given keyed requests.
    pub fn new<I, K>(requests: I) -> Self
    where
        I: IntoIterator<Item = (K, InputRequest)>,
        K: Into<String>,
    {
        InputRequiredResult {
            result_type: InputRequiredTag,
            input_requests: Some(requests.into_iter().map(|(k, v)| (k.into(), v)).collect()),
            request_state: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// Only asks the client to retry with `state` (e.g. load shedding), without requests.
    pub fn state_only(state: impl Into<String>) -> Self {
        InputRequiredResult {
            result_type: InputRequiredTag,
            input_requests: None,
            request_state: Some(state.into()),
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// Adds the opaque state to echo on the retry.
    pub fn with_request_state(mut self, state: impl Into<String>) -> Self {
        self.request_state = Some(state.into());
        self
    }
}

/// The MRTR retry fields of a request (`InputResponseRequestParams`, 2026-07-28).
///
/// The eligible methods' params (`CallToolRequestParams`, `GetPromptRequestParams`,
/// `ReadResourceRequestParams`) carry `inputResponses` and `requestState` themselves; this
/// type is the schema's common base, useful to read the retry fields of any request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputResponseRequestParams {
    /// Request `_meta` (required in 2026-07-28; optional here so a missing one can be
    /// answered with `-32602`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Answers to the previous round's `inputRequests`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_responses: Option<InputResponses>,
    /// The previous round's `requestState`, echoed byte-exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// The method's own params and any unknown keys.
    #[serde(flatten)]
    pub extra: JsonObject,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_params_drop_invalid_answers_instead_of_failing() {
        let p: crate::tool::CallToolRequestParams = serde_json::from_value(serde_json::json!({
            "name": "t",
            "inputResponses": {"ok": {"action": "accept"}, "junk": 12345, "also": {"x": 1}}
        }))
        .unwrap();
        let r = p.input_responses.unwrap();
        assert_eq!(r.keys().collect::<Vec<_>>(), ["ok"]);
        let p: crate::tool::CallToolRequestParams =
            serde_json::from_value(serde_json::json!({"name": "t", "inputResponses": null}))
                .unwrap();
        assert!(p.input_responses.is_none());
    }
    use crate::elicitation::StringSchema;
    use serde_json::json;

    #[test]
    fn constructors_produce_plain_requests() {
        let r = InputRequest::elicit_form(
            "Name?",
            RequestedSchema::new().required_property("name", StringSchema::new()),
        );
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"method": "elicitation/create", "params": {"mode": "form", "message": "Name?",
                "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}},
                "required": ["name"]}}})
        );
        assert_eq!(
            serde_json::to_value(InputRequest::roots()).unwrap(),
            json!({"method": "roots/list"})
        );
        assert_eq!(r.method(), "elicitation/create");
        let e = serde_json::from_value::<InputRequest>(json!({"method": "ping"})).unwrap_err();
        assert!(e.to_string().contains("unknown variant `ping`"), "{e}");
    }

    #[test]
    fn responses_dispatch_on_required_keys() {
        let rs: InputResponses = serde_json::from_value(json!({
            "a": {"action": "accept", "content": {"x": "y"}},
            "b": {"roots": []},
            "c": {"role": "assistant", "model": "m", "content": {"type": "text", "text": "t"}}
        }))
        .unwrap();
        assert!(rs["a"].answers(&InputRequest::elicit_url("m", "https://x.example")));
        assert!(rs["b"].answers(&InputRequest::roots()));
        assert!(rs["c"].as_sampling().is_some());
        let e = serde_json::from_value::<InputResponse>(json!({"foo": 1})).unwrap_err();
        assert!(e.to_string().contains("an input response must be"), "{e}");
        // A sampling-shaped answer with a broken field reports that field.
        let e =
            serde_json::from_value::<InputResponse>(json!({"role": "assistant", "content": []}))
                .unwrap_err();
        assert!(e.to_string().contains("model"), "{e}");
    }

    #[test]
    fn input_required_needs_requests_or_state() {
        let e =
            serde_json::from_value::<InputRequiredResult>(json!({"resultType": "input_required"}))
                .unwrap_err();
        assert!(e.to_string().contains("needs `inputRequests`"), "{e}");
        let r = InputRequiredResult::state_only("s1");
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"resultType": "input_required", "requestState": "s1"})
        );
        let r = InputRequiredResult::new([("k", InputRequest::roots())]).with_request_state("s");
        let back: InputRequiredResult =
            serde_json::from_value(serde_json::to_value(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
