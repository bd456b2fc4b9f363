//! Content blocks of prompts and tool results (`ContentBlock` and its members) and their
//! `Annotations`. The shapes are identical in 2025-11-25, 2026-07-28 and the tasks extension.
//!
//! The content structs do not carry their `type` discriminator: the enclosing union
//! ([`ContentBlock`], or `SamplingMessageContentBlock` in `sampling`) is a
//! `#[serde(tag = "type")]` enum that writes and checks it. This keeps one source of truth
//! for the tag and gives a clear error (`unknown variant ...`) for a bad discriminator.
//! A union built elsewhere from these structs must be tagged the same way.

use serde::{Deserialize, Serialize};

use crate::base::Role;
use crate::meta::Meta;
use crate::resource::{BlobResourceContents, Resource, ResourceContents, TextResourceContents};

/// Hints for the client about how to use or display an object (`Annotations`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotations {
    /// Who the object is meant for (`user`, `assistant` or both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Vec<Role>>,
    /// Importance from 0 (optional) to 1 (effectively required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<f64>,
    /// When the underlying resource was last modified, ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// Text for or from a model (`TextContent`, tag `"text"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextContent {
    /// The text.
    pub text: String,
    /// Client hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl TextContent {
    /// Text without annotations.
    pub fn new(text: impl Into<String>) -> Self {
        TextContent {
            text: text.into(),
            ..Default::default()
        }
    }
}

/// A base64-encoded image (`ImageContent`, tag `"image"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageContent {
    /// Base64-encoded image bytes.
    pub data: String,
    /// MIME type, e.g. `image/png`.
    pub mime_type: String,
    /// Client hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl ImageContent {
    /// An image from base64 data and a MIME type.
    pub fn new(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        ImageContent {
            data: data.into(),
            mime_type: mime_type.into(),
            ..Default::default()
        }
    }
}

/// Base64-encoded audio (`AudioContent`, tag `"audio"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioContent {
    /// Base64-encoded audio bytes.
    pub data: String,
    /// MIME type, e.g. `audio/wav`.
    pub mime_type: String,
    /// Client hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl AudioContent {
    /// Audio from base64 data and a MIME type.
    pub fn new(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        AudioContent {
            data: data.into(),
            mime_type: mime_type.into(),
            ..Default::default()
        }
    }
}

/// The contents of a resource embedded in a prompt or tool result (`EmbeddedResource`,
/// tag `"resource"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedResource {
    /// The text or blob contents.
    pub resource: ResourceContents,
    /// Client hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
    /// Free-form metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl EmbeddedResource {
    /// Embeds resource contents without annotations.
    pub fn new(resource: impl Into<ResourceContents>) -> Self {
        EmbeddedResource {
            resource: resource.into(),
            annotations: None,
            meta: None,
        }
    }
}

/// A link to a resource the server can read (`ResourceLink`, tag `"resource_link"`).
///
/// Its fields are exactly those of [`Resource`], so it is the same Rust type.
pub type ResourceLink = Resource;

/// One content block of a prompt message or tool result (`ContentBlock`), tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ContentBlock {
    /// `"text"`.
    #[serde(rename = "text")]
    Text(TextContent),
    /// `"image"`.
    #[serde(rename = "image")]
    Image(ImageContent),
    /// `"audio"`.
    #[serde(rename = "audio")]
    Audio(AudioContent),
    /// `"resource_link"`.
    #[serde(rename = "resource_link")]
    ResourceLink(ResourceLink),
    /// `"resource"`.
    #[serde(rename = "resource")]
    EmbeddedResource(EmbeddedResource),
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock::Text(TextContent::new(text))
    }

    /// An image block from base64 data and a MIME type.
    pub fn image(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        ContentBlock::Image(ImageContent::new(data, mime_type))
    }

    /// An audio block from base64 data and a MIME type.
    pub fn audio(data: impl Into<String>, mime_type: impl Into<String>) -> Self {
        ContentBlock::Audio(AudioContent::new(data, mime_type))
    }

    /// A link to a resource.
    pub fn resource_link(resource: Resource) -> Self {
        ContentBlock::ResourceLink(resource)
    }

    /// Embedded text or blob resource contents.
    pub fn embedded(resource: impl Into<ResourceContents>) -> Self {
        ContentBlock::EmbeddedResource(EmbeddedResource::new(resource))
    }

    /// The text of a text block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ContentBlock::Text(t) => Some(&t.text),
            _ => None,
        }
    }

    /// The annotations of any block.
    pub fn annotations(&self) -> Option<&Annotations> {
        match self {
            ContentBlock::Text(c) => c.annotations.as_ref(),
            ContentBlock::Image(c) => c.annotations.as_ref(),
            ContentBlock::Audio(c) => c.annotations.as_ref(),
            ContentBlock::ResourceLink(c) => c.annotations.as_ref(),
            ContentBlock::EmbeddedResource(c) => c.annotations.as_ref(),
        }
    }
}

impl From<TextContent> for ContentBlock {
    fn from(c: TextContent) -> Self {
        ContentBlock::Text(c)
    }
}

impl From<ImageContent> for ContentBlock {
    fn from(c: ImageContent) -> Self {
        ContentBlock::Image(c)
    }
}

impl From<AudioContent> for ContentBlock {
    fn from(c: AudioContent) -> Self {
        ContentBlock::Audio(c)
    }
}

impl From<EmbeddedResource> for ContentBlock {
    fn from(c: EmbeddedResource) -> Self {
        ContentBlock::EmbeddedResource(c)
    }
}

impl From<TextResourceContents> for ContentBlock {
    fn from(c: TextResourceContents) -> Self {
        ContentBlock::embedded(c)
    }
}

impl From<BlobResourceContents> for ContentBlock {
    fn from(c: BlobResourceContents) -> Self {
        ContentBlock::embedded(c)
    }
}

impl From<&str> for ContentBlock {
    fn from(s: &str) -> Self {
        ContentBlock::text(s)
    }
}

impl From<String> for ContentBlock {
    fn from(s: String) -> Self {
        ContentBlock::text(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blocks_carry_their_tag() {
        let v = serde_json::to_value(ContentBlock::text("hi")).unwrap();
        assert_eq!(v, json!({"type": "text", "text": "hi"}));
        let b: ContentBlock = serde_json::from_value(
            json!({"type": "image", "data": "AA==", "mimeType": "image/png"}),
        )
        .unwrap();
        assert_eq!(b, ContentBlock::image("AA==", "image/png"));
        let e = serde_json::from_value::<ContentBlock>(json!({"type": "video", "data": ""}))
            .unwrap_err();
        assert!(e.to_string().contains("unknown variant `video`"), "{e}");
    }

    #[test]
    fn embedded_text_resource() {
        let b = ContentBlock::from(TextResourceContents::new("file:///a", "x"));
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            json!({"type": "resource", "resource": {"uri": "file:///a", "text": "x"}})
        );
        assert_eq!(b.as_text(), None);
    }
}
