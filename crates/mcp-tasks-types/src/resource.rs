//! Resources: definitions, templates, contents, `resources/list`, `resources/templates/list`,
//! `resources/read`, `resources/subscribe|unsubscribe` and `notifications/resources/updated`.
//!
//! Era differences: subscribe/unsubscribe exist in 2025-11-25 only (2026-07-28 uses
//! `subscriptions/listen`); `inputResponses`/`requestState` (MRTR), `resultType` and the
//! cacheable results' `ttlMs`/`cacheScope` exist in 2026-07-28 only.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::base::Icon;
use crate::content::Annotations;
use crate::jsonrpc::{Cursor, JsonObject};
use crate::lifecycle::{CacheScope, PaginatedRequestParams};
use crate::meta::{Meta, RequestMeta, ResultType};
use crate::mrtr::InputResponses;
use crate::tool::{list_result, typed_notification, typed_request};

/// A resource the server can read (`Resource`); also the body of a `resource_link` content
/// block ([`crate::content::ResourceLink`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The resource URI.
    pub uri: String,
    /// Programmatic name.
    pub name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the resource is (a hint to the model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// MIME type, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Raw size in bytes, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Icons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icons: Option<Vec<Icon>>,
    /// Client hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model (kept so a proxy loses nothing).
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl Resource {
    /// A resource with a URI and a name.
    pub fn new(uri: impl Into<String>, name: impl Into<String>) -> Self {
        Resource {
            uri: uri.into(),
            name: name.into(),
            ..Default::default()
        }
    }

    /// Sets the MIME type.
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A parameterized family of resources (`ResourceTemplate`, RFC 6570 URI template).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTemplate {
    /// The URI template.
    pub uri_template: String,
    /// Programmatic name.
    pub name: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the resources are (a hint to the model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// MIME type of every matching resource, if they share one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Icons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icons: Option<Vec<Icon>>,
    /// Client hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ResourceTemplate {
    /// A template with a URI template and a name.
    pub fn new(uri_template: impl Into<String>, name: impl Into<String>) -> Self {
        ResourceTemplate {
            uri_template: uri_template.into(),
            name: name.into(),
            ..Default::default()
        }
    }
}

/// Text contents of a resource (`TextResourceContents`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextResourceContents {
    /// The resource URI.
    pub uri: String,
    /// MIME type, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The text.
    pub text: String,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl TextResourceContents {
    /// Text contents without a MIME type.
    pub fn new(uri: impl Into<String>, text: impl Into<String>) -> Self {
        TextResourceContents {
            uri: uri.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// Sets the MIME type.
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }
}

/// Binary contents of a resource (`BlobResourceContents`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobResourceContents {
    /// The resource URI.
    pub uri: String,
    /// MIME type, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Base64-encoded bytes.
    pub blob: String,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl BlobResourceContents {
    /// Blob contents from base64 data, without a MIME type.
    pub fn new(uri: impl Into<String>, blob: impl Into<String>) -> Self {
        BlobResourceContents {
            uri: uri.into(),
            blob: blob.into(),
            ..Default::default()
        }
    }

    /// Sets the MIME type.
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }
}

/// The contents of a resource: text or blob (`TextResourceContents | BlobResourceContents`;
/// the schema's `ResourceContents` is their common base).
///
/// There is no discriminator field: an object with `text` is text, one with `blob` is a blob.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ResourceContents {
    /// Text contents.
    Text(TextResourceContents),
    /// Binary contents.
    Blob(BlobResourceContents),
}

impl ResourceContents {
    /// The resource URI.
    pub fn uri(&self) -> &str {
        match self {
            ResourceContents::Text(c) => &c.uri,
            ResourceContents::Blob(c) => &c.uri,
        }
    }

    /// The MIME type, if known.
    pub fn mime_type(&self) -> Option<&str> {
        match self {
            ResourceContents::Text(c) => c.mime_type.as_deref(),
            ResourceContents::Blob(c) => c.mime_type.as_deref(),
        }
    }

    /// The text, for text contents.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ResourceContents::Text(c) => Some(&c.text),
            ResourceContents::Blob(_) => None,
        }
    }
}

// Dispatch on the member that tells the variants apart, so a bad object gets a precise
// error instead of serde's "did not match any variant".
impl<'de> Deserialize<'de> for ResourceContents {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let (has_text, has_blob) = match &v {
            Value::Object(o) => (o.contains_key("text"), o.contains_key("blob")),
            _ => return Err(D::Error::custom("resource contents must be a JSON object")),
        };
        match (has_text, has_blob) {
            (true, false) => serde_json::from_value(v)
                .map(ResourceContents::Text)
                .map_err(D::Error::custom),
            (false, true) => serde_json::from_value(v)
                .map(ResourceContents::Blob)
                .map_err(D::Error::custom),
            (true, true) => Err(D::Error::custom(
                "resource contents have both `text` and `blob`",
            )),
            (false, false) => Err(D::Error::custom("resource contents need `text` or `blob`")),
        }
    }
}

impl From<TextResourceContents> for ResourceContents {
    fn from(c: TextResourceContents) -> Self {
        ResourceContents::Text(c)
    }
}

impl From<BlobResourceContents> for ResourceContents {
    fn from(c: BlobResourceContents) -> Self {
        ResourceContents::Blob(c)
    }
}

typed_request!(
    /// `resources/list` request (`ListResourcesRequest`). `params` is required in 2026-07-28.
    ListResourcesRequest {
        method: ResourcesListMethod = "resources/list",
        params?: PaginatedRequestParams
    }
);

list_result!(
    /// Result of `resources/list` (`ListResourcesResult`).
    ListResourcesResult {
        /// The resources.
        resources: Resource,
        "One page of resources without a next cursor."
    }
);

typed_request!(
    /// `resources/templates/list` request (`ListResourceTemplatesRequest`). `params` is
    /// required in 2026-07-28.
    ListResourceTemplatesRequest {
        method: ResourcesTemplatesListMethod = "resources/templates/list",
        params?: PaginatedRequestParams
    }
);

list_result!(
    /// Result of `resources/templates/list` (`ListResourceTemplatesResult`).
    ListResourceTemplatesResult {
        /// The templates.
        resource_templates: ResourceTemplate,
        "One page of templates without a next cursor."
    }
);

typed_request!(
    /// `resources/read` request (`ReadResourceRequest`).
    ReadResourceRequest {
        method: ResourcesReadMethod = "resources/read",
        params: ReadResourceRequestParams
    }
);

/// Params of `resources/read` (`ReadResourceRequestParams`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadResourceRequestParams {
    /// The resource URI.
    pub uri: String,
    /// Answers to an earlier `InputRequiredResult` (MRTR, 2026-07-28 only). Entries that
    /// are not a valid answer are dropped when decoding (see [`crate::mrtr::lenient`]).
    #[serde(
        default,
        deserialize_with = "crate::mrtr::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub input_responses: Option<InputResponses>,
    /// Opaque state echoed from an earlier `InputRequiredResult` (MRTR, 2026-07-28 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// Request metadata (required in 2026-07-28).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ReadResourceRequestParams {
    /// Reads `uri`.
    pub fn new(uri: impl Into<String>) -> Self {
        ReadResourceRequestParams {
            uri: uri.into(),
            ..Default::default()
        }
    }

    /// Sets the request metadata.
    pub fn with_meta(mut self, meta: RequestMeta) -> Self {
        self.meta = Some(meta);
        self
    }
}

/// Result of `resources/read` (`ReadResourceResult`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadResourceResult {
    /// The contents (one resource may have several parts).
    pub contents: Vec<ResourceContents>,
    /// Cache lifetime hint in milliseconds (2026-07-28, required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<u64>,
    /// Cache scope (2026-07-28, required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_scope: Option<CacheScope>,
    /// Result metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// `resultType` (2026-07-28, required there).
    #[serde(
        rename = "resultType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_type: Option<ResultType>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ReadResourceResult {
    /// A result with these contents.
    pub fn new(contents: Vec<ResourceContents>) -> Self {
        ReadResourceResult {
            contents,
            ..Default::default()
        }
    }

    /// A result with one text part.
    pub fn text(uri: impl Into<String>, text: impl Into<String>) -> Self {
        ReadResourceResult::new(vec![TextResourceContents::new(uri, text).into()])
    }
}

/// Params that name one resource (`ResourceRequestParams`; also `SubscribeRequestParams`
/// and `UnsubscribeRequestParams`, which have the same shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequestParams {
    /// The resource URI.
    pub uri: String,
    /// Request metadata (required in 2026-07-28).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ResourceRequestParams {
    /// Params naming `uri`.
    pub fn new(uri: impl Into<String>) -> Self {
        ResourceRequestParams {
            uri: uri.into(),
            ..Default::default()
        }
    }
}

/// Params of `resources/subscribe` (`SubscribeRequestParams`, 2025-11-25 only).
pub type SubscribeRequestParams = ResourceRequestParams;

/// Params of `resources/unsubscribe` (`UnsubscribeRequestParams`, 2025-11-25 only).
pub type UnsubscribeRequestParams = ResourceRequestParams;

typed_request!(
    /// `resources/subscribe` request (`SubscribeRequest`, 2025-11-25 only).
    SubscribeRequest {
        method: ResourcesSubscribeMethod = "resources/subscribe",
        params: SubscribeRequestParams
    }
);

typed_request!(
    /// `resources/unsubscribe` request (`UnsubscribeRequest`, 2025-11-25 only).
    UnsubscribeRequest {
        method: ResourcesUnsubscribeMethod = "resources/unsubscribe",
        params: UnsubscribeRequestParams
    }
);

/// Params of `notifications/resources/updated` (`ResourceUpdatedNotificationParams`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceUpdatedNotificationParams {
    /// The URI of the resource that changed (may be a sub-resource of the subscribed one).
    pub uri: String,
    /// Notification metadata (in 2026-07-28 it carries the listen-stream subscription id).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this crate does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ResourceUpdatedNotificationParams {
    /// Params for `uri`.
    pub fn new(uri: impl Into<String>) -> Self {
        ResourceUpdatedNotificationParams {
            uri: uri.into(),
            ..Default::default()
        }
    }
}

typed_notification!(
    /// `notifications/resources/updated` (`ResourceUpdatedNotification`).
    ResourceUpdatedNotification {
        method: ResourcesUpdatedMethod = "notifications/resources/updated",
        params: ResourceUpdatedNotificationParams
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods;
    use serde_json::json;

    #[test]
    fn method_tags_match_method_names() {
        assert_eq!(ResourcesListMethod::VALUE, methods::RESOURCES_LIST);
        assert_eq!(
            ResourcesTemplatesListMethod::VALUE,
            methods::RESOURCES_TEMPLATES_LIST
        );
        assert_eq!(ResourcesReadMethod::VALUE, methods::RESOURCES_READ);
        assert_eq!(
            ResourcesSubscribeMethod::VALUE,
            methods::RESOURCES_SUBSCRIBE
        );
        assert_eq!(
            ResourcesUnsubscribeMethod::VALUE,
            methods::RESOURCES_UNSUBSCRIBE
        );
        assert_eq!(
            ResourcesUpdatedMethod::VALUE,
            methods::notifications::RESOURCES_UPDATED
        );
    }

    #[test]
    fn contents_dispatch_on_text_or_blob() {
        let c: ResourceContents =
            serde_json::from_value(json!({"uri": "file:///a", "blob": "AA=="})).unwrap();
        assert_eq!(c, BlobResourceContents::new("file:///a", "AA==").into());
        assert_eq!(c.as_text(), None);
        let e =
            serde_json::from_value::<ResourceContents>(json!({"uri": "file:///a"})).unwrap_err();
        assert!(e.to_string().contains("need `text` or `blob`"), "{e}");
        let r = ReadResourceResult::text("file:///a", "hi");
        assert_eq!(r.contents[0].uri(), "file:///a");
    }

    #[test]
    fn list_params_are_optional() {
        let r: ListResourcesRequest = serde_json::from_value(
            json!({"jsonrpc": "2.0", "id": "x", "method": "resources/list"}),
        )
        .unwrap();
        assert!(r.params.is_none());
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"jsonrpc": "2.0", "id": "x", "method": "resources/list"})
        );
    }
}
