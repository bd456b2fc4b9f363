//! Elicitation: `elicitation/create` params (form and URL modes), the restricted JSON Schema
//! subset a form may use (`PrimitiveSchemaDefinition` and the enum schema family), and
//! `ElicitResult`.
//!
//! In 2025-11-25 `elicitation/create` is a server→client JSON-RPC request; in 2026-07-28 it
//! only travels embedded in an MRTR `InputRequest` (see [`crate::mrtr`]), without `_meta`,
//! `task` or `elicitationId`.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use crate::jsonrpc::JsonObject;
use crate::meta::{Meta, RequestMeta, const_str_tag};
use crate::task::v1::TaskMetadata;

const_str_tag!(
    /// `"mode": "form"` on form elicitation params.
    FormModeTag = "form"
);
const_str_tag!(
    /// `"mode": "url"` on URL elicitation params.
    UrlModeTag = "url"
);
const_str_tag!(
    /// `"type": "object"` on a form's `requestedSchema`.
    ObjectTypeTag = "object"
);
const_str_tag!(
    /// `"type": "string"` on string and single-select enum field schemas.
    StringTypeTag = "string"
);
const_str_tag!(
    /// `"type": "boolean"` on boolean field schemas.
    BooleanTypeTag = "boolean"
);
const_str_tag!(
    /// `"type": "array"` on multi-select enum field schemas.
    ArrayTypeTag = "array"
);

// ---------------------------------------------------------------------------------------
// Request params

/// Params of `elicitation/create` (`ElicitRequestParams`): a form or a URL elicitation.
///
/// Decoding dispatches on `mode`: `"url"` is URL mode; `"form"` or no `mode` at all (2025-11-25
/// lets form requests omit it) is form mode; anything else is rejected.
#[derive(Debug, Clone, PartialEq)]
pub enum ElicitRequestParams {
    /// Form mode: the client renders `requestedSchema` as a form.
    Form(ElicitRequestFormParams),
    /// URL mode: the client sends the user to an out-of-band URL.
    Url(ElicitRequestURLParams),
}

impl ElicitRequestParams {
    /// The message shown to the user, whatever the mode.
    pub fn message(&self) -> &str {
        match self {
            ElicitRequestParams::Form(p) => &p.message,
            ElicitRequestParams::Url(p) => &p.message,
        }
    }
}

impl From<ElicitRequestFormParams> for ElicitRequestParams {
    fn from(p: ElicitRequestFormParams) -> Self {
        ElicitRequestParams::Form(p)
    }
}

impl From<ElicitRequestURLParams> for ElicitRequestParams {
    fn from(p: ElicitRequestURLParams) -> Self {
        ElicitRequestParams::Url(p)
    }
}

impl Serialize for ElicitRequestParams {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ElicitRequestParams::Form(p) => p.serialize(s),
            ElicitRequestParams::Url(p) => p.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ElicitRequestParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let Value::Object(obj) = &v else {
            return Err(D::Error::custom("elicitation params must be a JSON object"));
        };
        match obj.get("mode") {
            None => from_value(v).map(ElicitRequestParams::Form),
            Some(Value::String(m)) if m == FormModeTag::VALUE => {
                from_value(v).map(ElicitRequestParams::Form)
            }
            Some(Value::String(m)) if m == UrlModeTag::VALUE => {
                from_value(v).map(ElicitRequestParams::Url)
            }
            Some(other) => Err(D::Error::custom(format!(
                "unknown elicitation mode {other}, expected \"form\" or \"url\""
            ))),
        }
    }
}

/// Decodes an already-buffered value as `T`, mapping the error into `E`.
fn from_value<T: serde::de::DeserializeOwned, E: serde::de::Error>(v: Value) -> Result<T, E> {
    serde_json::from_value(v).map_err(E::custom)
}

/// Params of a form-mode `elicitation/create` (`ElicitRequestFormParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElicitRequestFormParams {
    /// `"form"`; optional on the wire (absent means form), kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<FormModeTag>,
    /// The message to present to the user.
    pub message: String,
    /// The flat object schema of the form (primitive properties only).
    pub requested_schema: RequestedSchema,
    /// Task augmentation (Tasks v1, 2025-11-25 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
    /// Request `_meta` (2025-11-25 only; embedded 2026-07-28 requests have none).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Unknown keys, kept so a proxy loses nothing.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitRequestFormParams {
    /// Form params with an explicit `"mode": "form"` (valid in both eras).
    pub fn new(message: impl Into<String>, requested_schema: RequestedSchema) -> Self {
        ElicitRequestFormParams {
            mode: Some(FormModeTag),
            message: message.into(),
            requested_schema,
            task: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// Params of a URL-mode `elicitation/create` (`ElicitRequestURLParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElicitRequestURLParams {
    /// Always `"url"`.
    pub mode: UrlModeTag,
    /// Why the user is being sent to the URL.
    pub message: String,
    /// The URL the user should open.
    pub url: String,
    /// Id correlating `notifications/elicitation/complete` (required in 2025-11-25; removed
    /// in 2026-07-28, where completion is detected on the MRTR retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elicitation_id: Option<String>,
    /// Task augmentation (Tasks v1, 2025-11-25 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
    /// Request `_meta` (2025-11-25 only).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Unknown keys, kept so a proxy loses nothing.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitRequestURLParams {
    /// URL params without `elicitationId` (the 2026-07-28 shape; set it for 2025-11-25).
    pub fn new(message: impl Into<String>, url: impl Into<String>) -> Self {
        ElicitRequestURLParams {
            mode: UrlModeTag,
            message: message.into(),
            url: url.into(),
            elicitation_id: None,
            task: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// The `requestedSchema` of a form elicitation: a flat object schema whose properties are
/// [`PrimitiveSchemaDefinition`]s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestedSchema {
    /// The JSON Schema dialect URI, if given.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Always `"object"`.
    #[serde(rename = "type")]
    pub type_: ObjectTypeTag,
    /// The form fields, in the order they were declared (forms are rendered in this order).
    #[serde(with = "ordered_properties")]
    pub properties: Vec<(String, PrimitiveSchemaDefinition)>,
    /// Names of the fields the user must fill in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Vec<String>>,
}

impl RequestedSchema {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an optional field (replacing any field of the same name).
    pub fn property(
        mut self,
        name: impl Into<String>,
        schema: impl Into<PrimitiveSchemaDefinition>,
    ) -> Self {
        let name = name.into();
        let schema = schema.into();
        match self.properties.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = schema,
            None => self.properties.push((name, schema)),
        }
        self
    }

    /// Adds a required field.
    pub fn required_property(
        self,
        name: impl Into<String>,
        schema: impl Into<PrimitiveSchemaDefinition>,
    ) -> Self {
        let name = name.into();
        let mut me = self.property(name.clone(), schema);
        let required = me.required.get_or_insert_with(Vec::new);
        if !required.contains(&name) {
            required.push(name);
        }
        me
    }

    /// The schema of the field `name`, if declared.
    pub fn get(&self, name: &str) -> Option<&PrimitiveSchemaDefinition> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }
}

/// Serde for an ordered map of form fields, kept as a `Vec` so declaration order survives
/// (serde_json's `preserve_order` only helps untyped maps).
mod ordered_properties {
    use super::PrimitiveSchemaDefinition;
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    type Props = Vec<(String, PrimitiveSchemaDefinition)>;

    pub(super) fn serialize<S: Serializer>(props: &Props, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(props.len()))?;
        for (k, v) in props {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Props, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Props;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object mapping field names to primitive schemas")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Props, A::Error> {
                let mut out: Props = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, PrimitiveSchemaDefinition>()? {
                    // A duplicated key keeps the last value, like any JSON object decoder.
                    match out.iter_mut().find(|(n, _)| *n == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

// ---------------------------------------------------------------------------------------
// Field schemas

/// One form field (`PrimitiveSchemaDefinition`): string, number, boolean or an enum.
///
/// Decoding dispatches on `type` and on the enum keywords (`enum`, `oneOf`, `enumNames`,
/// `items.anyOf`), so every variant round-trips to exactly the shape it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum PrimitiveSchemaDefinition {
    /// A free-text field.
    String(StringSchema),
    /// A number or integer field.
    Number(NumberSchema),
    /// A checkbox.
    Boolean(BooleanSchema),
    /// A single- or multi-select field.
    Enum(EnumSchema),
}

/// An enum field (`EnumSchema`): single-select, multi-select, or the legacy titled form.
#[derive(Debug, Clone, PartialEq)]
pub enum EnumSchema {
    /// Pick one value.
    SingleSelect(SingleSelectEnumSchema),
    /// Pick several values.
    MultiSelect(MultiSelectEnumSchema),
    /// `enum` + `enumNames` (deprecated form of a titled single-select).
    LegacyTitled(LegacyTitledEnumSchema),
}

/// A single-select enum (`SingleSelectEnumSchema`).
#[derive(Debug, Clone, PartialEq)]
pub enum SingleSelectEnumSchema {
    /// Plain values (`enum`).
    Untitled(UntitledSingleSelectEnumSchema),
    /// Values with display titles (`oneOf` of `{const, title}`).
    Titled(TitledSingleSelectEnumSchema),
}

/// A multi-select enum (`MultiSelectEnumSchema`).
#[derive(Debug, Clone, PartialEq)]
pub enum MultiSelectEnumSchema {
    /// Plain values (`items.enum`).
    Untitled(UntitledMultiSelectEnumSchema),
    /// Values with display titles (`items.anyOf` of `{const, title}`).
    Titled(TitledMultiSelectEnumSchema),
}

/// What kind of field schema an object is, from its `type` and enum keywords.
enum FieldKind {
    String,
    Number,
    Boolean,
    UntitledSingle,
    TitledSingle,
    Legacy,
    UntitledMulti,
    TitledMulti,
}

fn classify(obj: &Map<String, Value>) -> Result<FieldKind, String> {
    let ty = match obj.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(other) => return Err(format!("form field `type` must be a string, got {other}")),
        None => return Err("form field schema needs a `type`".to_owned()),
    };
    Ok(match ty {
        "string" if obj.contains_key("oneOf") => FieldKind::TitledSingle,
        "string" if obj.contains_key("enumNames") => FieldKind::Legacy,
        "string" if obj.contains_key("enum") => FieldKind::UntitledSingle,
        "string" => FieldKind::String,
        "number" | "integer" => FieldKind::Number,
        "boolean" => FieldKind::Boolean,
        "array" => match obj.get("items") {
            Some(Value::Object(items)) if items.contains_key("anyOf") => FieldKind::TitledMulti,
            _ => FieldKind::UntitledMulti,
        },
        other => {
            return Err(format!(
                "unsupported form field type {other:?}; expected \"string\", \"number\", \
                 \"integer\", \"boolean\" or \"array\""
            ));
        }
    })
}

/// Reads a buffered field schema and classifies it.
fn read_field<'de, D: Deserializer<'de>>(d: D) -> Result<(FieldKind, Value), D::Error> {
    let v = Value::deserialize(d)?;
    let Value::Object(obj) = &v else {
        return Err(D::Error::custom(
            "a form field schema must be a JSON object",
        ));
    };
    let kind = classify(obj).map_err(D::Error::custom)?;
    Ok((kind, v))
}

fn enum_from<E: serde::de::Error>(kind: FieldKind, v: Value) -> Result<EnumSchema, E> {
    Ok(match kind {
        FieldKind::UntitledSingle => {
            EnumSchema::SingleSelect(SingleSelectEnumSchema::Untitled(from_value(v)?))
        }
        FieldKind::TitledSingle => {
            EnumSchema::SingleSelect(SingleSelectEnumSchema::Titled(from_value(v)?))
        }
        FieldKind::UntitledMulti => {
            EnumSchema::MultiSelect(MultiSelectEnumSchema::Untitled(from_value(v)?))
        }
        FieldKind::TitledMulti => {
            EnumSchema::MultiSelect(MultiSelectEnumSchema::Titled(from_value(v)?))
        }
        FieldKind::Legacy => EnumSchema::LegacyTitled(from_value(v)?),
        FieldKind::String | FieldKind::Number | FieldKind::Boolean => {
            return Err(E::custom(
                "expected an enum schema (`enum`, `oneOf`, `enumNames` or an array of enum items)",
            ));
        }
    })
}

impl<'de> Deserialize<'de> for PrimitiveSchemaDefinition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, v) = read_field(d)?;
        match kind {
            FieldKind::String => from_value(v).map(PrimitiveSchemaDefinition::String),
            FieldKind::Number => from_value(v).map(PrimitiveSchemaDefinition::Number),
            FieldKind::Boolean => from_value(v).map(PrimitiveSchemaDefinition::Boolean),
            k => enum_from(k, v).map(PrimitiveSchemaDefinition::Enum),
        }
    }
}

impl<'de> Deserialize<'de> for EnumSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, v) = read_field(d)?;
        enum_from(kind, v)
    }
}

impl<'de> Deserialize<'de> for SingleSelectEnumSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, v) = read_field(d)?;
        match enum_from(kind, v)? {
            EnumSchema::SingleSelect(s) => Ok(s),
            _ => Err(D::Error::custom(
                "expected a single-select enum schema (`type: \"string\"` with `enum` or `oneOf`)",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for MultiSelectEnumSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, v) = read_field(d)?;
        match enum_from(kind, v)? {
            EnumSchema::MultiSelect(s) => Ok(s),
            _ => Err(D::Error::custom(
                "expected a multi-select enum schema (`type: \"array\"` with enum `items`)",
            )),
        }
    }
}

impl Serialize for PrimitiveSchemaDefinition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PrimitiveSchemaDefinition::String(x) => x.serialize(s),
            PrimitiveSchemaDefinition::Number(x) => x.serialize(s),
            PrimitiveSchemaDefinition::Boolean(x) => x.serialize(s),
            PrimitiveSchemaDefinition::Enum(x) => x.serialize(s),
        }
    }
}

impl Serialize for EnumSchema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            EnumSchema::SingleSelect(x) => x.serialize(s),
            EnumSchema::MultiSelect(x) => x.serialize(s),
            EnumSchema::LegacyTitled(x) => x.serialize(s),
        }
    }
}

impl Serialize for SingleSelectEnumSchema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SingleSelectEnumSchema::Untitled(x) => x.serialize(s),
            SingleSelectEnumSchema::Titled(x) => x.serialize(s),
        }
    }
}

impl Serialize for MultiSelectEnumSchema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MultiSelectEnumSchema::Untitled(x) => x.serialize(s),
            MultiSelectEnumSchema::Titled(x) => x.serialize(s),
        }
    }
}

macro_rules! into_primitive {
    ($($t:ty => |$x:ident| $e:expr;)*) => {$(
        impl From<$t> for PrimitiveSchemaDefinition {
            fn from($x: $t) -> Self {
                $e
            }
        }
    )*};
}

into_primitive! {
    StringSchema => |x| PrimitiveSchemaDefinition::String(x);
    NumberSchema => |x| PrimitiveSchemaDefinition::Number(x);
    BooleanSchema => |x| PrimitiveSchemaDefinition::Boolean(x);
    EnumSchema => |x| PrimitiveSchemaDefinition::Enum(x);
    UntitledSingleSelectEnumSchema => |x| PrimitiveSchemaDefinition::Enum(EnumSchema::SingleSelect(SingleSelectEnumSchema::Untitled(x)));
    TitledSingleSelectEnumSchema => |x| PrimitiveSchemaDefinition::Enum(EnumSchema::SingleSelect(SingleSelectEnumSchema::Titled(x)));
    UntitledMultiSelectEnumSchema => |x| PrimitiveSchemaDefinition::Enum(EnumSchema::MultiSelect(MultiSelectEnumSchema::Untitled(x)));
    TitledMultiSelectEnumSchema => |x| PrimitiveSchemaDefinition::Enum(EnumSchema::MultiSelect(MultiSelectEnumSchema::Titled(x)));
    LegacyTitledEnumSchema => |x| PrimitiveSchemaDefinition::Enum(EnumSchema::LegacyTitled(x));
}

/// A free-text field (`StringSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StringSchema {
    /// Always `"string"`.
    #[serde(rename = "type")]
    pub type_: StringTypeTag,
    /// Field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minimum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// Maximum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Expected format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<StringFormat>,
    /// Pre-filled value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl StringSchema {
    /// A bare string field.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the field label.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the help text.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// `StringSchema.format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StringFormat {
    /// `"email"`.
    #[serde(rename = "email")]
    Email,
    /// `"uri"`.
    #[serde(rename = "uri")]
    Uri,
    /// `"date"`.
    #[serde(rename = "date")]
    Date,
    /// `"date-time"`.
    #[serde(rename = "date-time")]
    DateTime,
}

/// A number field (`NumberSchema`).
///
/// Bounds and default are kept as JSON numbers so `1` and `1.0` survive a round trip as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumberSchema {
    /// `"number"` or `"integer"`.
    #[serde(rename = "type")]
    pub type_: NumberType,
    /// Field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Inclusive minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Number>,
    /// Inclusive maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<Number>,
    /// Pre-filled value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Number>,
}

impl NumberSchema {
    /// A field taking any number.
    pub fn number() -> Self {
        Self::of(NumberType::Number)
    }

    /// A field taking an integer.
    pub fn integer() -> Self {
        Self::of(NumberType::Integer)
    }

    fn of(type_: NumberType) -> Self {
        NumberSchema {
            type_,
            title: None,
            description: None,
            minimum: None,
            maximum: None,
            default: None,
        }
    }

    /// Sets the field label.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the help text.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// `NumberSchema.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberType {
    /// Any number.
    Number,
    /// Integers only.
    Integer,
}

/// A checkbox (`BooleanSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BooleanSchema {
    /// Always `"boolean"`.
    #[serde(rename = "type")]
    pub type_: BooleanTypeTag,
    /// Field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Pre-filled value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
}

impl BooleanSchema {
    /// A bare checkbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the field label.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// One titled option of a titled enum: `{const, title}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumOption {
    /// The value sent back in the result.
    #[serde(rename = "const")]
    pub value: String,
    /// The label shown to the user.
    pub title: String,
}

impl EnumOption {
    /// An option with its value and label.
    pub fn new(value: impl Into<String>, title: impl Into<String>) -> Self {
        EnumOption {
            value: value.into(),
            title: title.into(),
        }
    }
}

/// Single-select without titles (`UntitledSingleSelectEnumSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntitledSingleSelectEnumSchema {
    /// Always `"string"`.
    #[serde(rename = "type")]
    pub type_: StringTypeTag,
    /// Field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The allowed values.
    #[serde(rename = "enum")]
    pub values: Vec<String>,
    /// Pre-selected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl UntitledSingleSelectEnumSchema {
    /// A single-select over `values`.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        UntitledSingleSelectEnumSchema {
            values: values.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }
}

/// Single-select with a title per option (`TitledSingleSelectEnumSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitledSingleSelectEnumSchema {
    /// Always `"string"`.
    #[serde(rename = "type")]
    pub type_: StringTypeTag,
    /// Field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The options.
    pub one_of: Vec<EnumOption>,
    /// Pre-selected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

impl TitledSingleSelectEnumSchema {
    /// A single-select over titled options.
    pub fn new(options: Vec<EnumOption>) -> Self {
        TitledSingleSelectEnumSchema {
            one_of: options,
            ..Default::default()
        }
    }
}

/// `items` of an untitled multi-select: `{type: "string", enum}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UntitledEnumItems {
    /// Always `"string"`.
    #[serde(rename = "type")]
    pub type_: StringTypeTag,
    /// The allowed values.
    #[serde(rename = "enum")]
    pub values: Vec<String>,
}

/// `items` of a titled multi-select: `{anyOf: [{const, title}]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitledEnumItems {
    /// The options.
    pub any_of: Vec<EnumOption>,
}

/// Multi-select without titles (`UntitledMultiSelectEnumSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntitledMultiSelectEnumSchema {
    /// Always `"array"`.
    #[serde(rename = "type")]
    pub type_: ArrayTypeTag,
    /// Field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minimum number of selections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Maximum number of selections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// The allowed values.
    pub items: UntitledEnumItems,
    /// Pre-selected values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Vec<String>>,
}

impl UntitledMultiSelectEnumSchema {
    /// A multi-select over `values`.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        UntitledMultiSelectEnumSchema {
            items: UntitledEnumItems {
                type_: StringTypeTag,
                values: values.into_iter().map(Into::into).collect(),
            },
            ..Default::default()
        }
    }
}

/// Multi-select with a title per option (`TitledMultiSelectEnumSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TitledMultiSelectEnumSchema {
    /// Always `"array"`.
    #[serde(rename = "type")]
    pub type_: ArrayTypeTag,
    /// Field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minimum number of selections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// Maximum number of selections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// The options.
    pub items: TitledEnumItems,
    /// Pre-selected values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Vec<String>>,
}

impl TitledMultiSelectEnumSchema {
    /// A multi-select over titled options.
    pub fn new(options: Vec<EnumOption>) -> Self {
        TitledMultiSelectEnumSchema {
            items: TitledEnumItems { any_of: options },
            ..Default::default()
        }
    }
}

/// Deprecated titled single-select using `enumNames` (`LegacyTitledEnumSchema`); accepted
/// for compatibility, prefer [`TitledSingleSelectEnumSchema`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyTitledEnumSchema {
    /// Always `"string"`.
    #[serde(rename = "type")]
    pub type_: StringTypeTag,
    /// Field label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The allowed values.
    #[serde(rename = "enum")]
    pub values: Vec<String>,
    /// Display names, parallel to `values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_names: Option<Vec<String>>,
    /// Pre-selected value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Result

/// What the user did with an elicitation (`ElicitResult.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElicitAction {
    /// Submitted the form / consented to open the URL.
    Accept,
    /// Explicitly declined.
    Decline,
    /// Dismissed without choosing.
    Cancel,
}

/// The client's answer to `elicitation/create` (`ElicitResult`).
///
/// Has no `resultType` in either era: in 2025-11-25 results had none, and in 2026-07-28 it
/// only travels embedded in `inputResponses`, which are not `Result`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElicitResult {
    /// The user's action.
    pub action: ElicitAction,
    /// The submitted form values (form mode with `accept` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<BTreeMap<String, ElicitValue>>,
    /// Result `_meta` (2025-11-25 only).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Unknown keys, kept so a proxy loses nothing.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitResult {
    fn of(action: ElicitAction, content: Option<BTreeMap<String, ElicitValue>>) -> Self {
        ElicitResult {
            action,
            content,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// The user submitted the form `content` (an empty form sends no `content`).
    pub fn accept<I, K, V>(content: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<ElicitValue>,
    {
        let map: BTreeMap<String, ElicitValue> = content
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self::of(ElicitAction::Accept, (!map.is_empty()).then_some(map))
    }

    /// The user consented to open the URL (URL mode carries no content).
    pub fn accept_url() -> Self {
        Self::of(ElicitAction::Accept, None)
    }

    /// The user declined.
    pub fn decline() -> Self {
        Self::of(ElicitAction::Decline, None)
    }

    /// The user dismissed the request.
    pub fn cancel() -> Self {
        Self::of(ElicitAction::Cancel, None)
    }

    /// The submitted value of `field`, if any.
    pub fn get(&self, field: &str) -> Option<&ElicitValue> {
        self.content.as_ref().and_then(|c| c.get(field))
    }
}

/// One submitted form value: a string, number, boolean or list of strings.
///
/// The schemas only list integers, but a `"type": "number"` field naturally yields decimals,
/// so any JSON number is accepted and kept exactly as sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ElicitValue {
    /// A string (also single-select enums).
    String(String),
    /// A number.
    Number(Number),
    /// A boolean.
    Boolean(bool),
    /// Selected values of a multi-select enum.
    StringArray(Vec<String>),
}

impl ElicitValue {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ElicitValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            ElicitValue::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The value as `f64`, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            ElicitValue::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ElicitValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for ElicitValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const WHAT: &str =
            "an elicitation value must be a string, number, boolean or array of strings";
        match Value::deserialize(d)? {
            Value::String(s) => Ok(ElicitValue::String(s)),
            Value::Number(n) => Ok(ElicitValue::Number(n)),
            Value::Bool(b) => Ok(ElicitValue::Boolean(b)),
            Value::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s),
                    _ => Err(D::Error::custom(WHAT)),
                })
                .collect::<Result<_, _>>()
                .map(ElicitValue::StringArray),
            _ => Err(D::Error::custom(WHAT)),
        }
    }
}

impl From<String> for ElicitValue {
    fn from(s: String) -> Self {
        ElicitValue::String(s)
    }
}

impl From<&str> for ElicitValue {
    fn from(s: &str) -> Self {
        ElicitValue::String(s.to_owned())
    }
}

impl From<bool> for ElicitValue {
    fn from(b: bool) -> Self {
        ElicitValue::Boolean(b)
    }
}

impl From<i64> for ElicitValue {
    fn from(n: i64) -> Self {
        ElicitValue::Number(n.into())
    }
}

impl From<Vec<String>> for ElicitValue {
    fn from(v: Vec<String>) -> Self {
        ElicitValue::StringArray(v)
    }
}

// ---------------------------------------------------------------------------------------
// Notifications and errors (2025-11-25 only)

/// Params of `notifications/elicitation/complete` (2025-11-25 only; removed in 2026-07-28).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElicitationCompleteNotificationParams {
    /// The `elicitationId` of the completed URL elicitation.
    pub elicitation_id: String,
    /// Notification `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Unknown keys, kept so a proxy loses nothing.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitationCompleteNotificationParams {
    /// Params for the given elicitation id.
    pub fn new(elicitation_id: impl Into<String>) -> Self {
        ElicitationCompleteNotificationParams {
            elicitation_id: elicitation_id.into(),
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// `data` of a `-32042` error (`URLElicitationRequiredError`, 2025-11-25 only): the URL
/// elicitations the client must complete before retrying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlElicitationRequiredData {
    /// The elicitations to complete.
    pub elicitations: Vec<ElicitRequestURLParams>,
    /// Unknown keys.
    #[serde(flatten)]
    pub extra: JsonObject,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mode_dispatch() {
        let p: ElicitRequestParams = serde_json::from_value(json!({
            "message": "m", "requestedSchema": {"type": "object", "properties": {}}
        }))
        .unwrap();
        assert!(matches!(p, ElicitRequestParams::Form(ref f) if f.mode.is_none()));
        let p: ElicitRequestParams = serde_json::from_value(json!({
            "mode": "url", "message": "m", "url": "https://x.example"
        }))
        .unwrap();
        assert!(matches!(p, ElicitRequestParams::Url(_)));
        let e =
            serde_json::from_value::<ElicitRequestParams>(json!({"mode": "sms", "message": "m"}))
                .unwrap_err();
        assert!(e.to_string().contains("unknown elicitation mode"), "{e}");
    }

    #[test]
    fn form_keeps_field_order_and_kinds() {
        let schema = RequestedSchema::new()
            .required_property("zeta", StringSchema::new().title("Z"))
            .property("alpha", NumberSchema::integer())
            .property("ok", BooleanSchema::new())
            .property("one", UntitledSingleSelectEnumSchema::new(["a", "b"]))
            .property(
                "many",
                TitledMultiSelectEnumSchema::new(vec![EnumOption::new("a", "A")]),
            );
        let v = serde_json::to_value(&schema).unwrap();
        let keys: Vec<_> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["zeta", "alpha", "ok", "one", "many"]);
        assert_eq!(v["required"], json!(["zeta"]));
        let back: RequestedSchema = serde_json::from_value(v).unwrap();
        assert_eq!(back, schema);
        assert!(matches!(
            back.get("many"),
            Some(PrimitiveSchemaDefinition::Enum(EnumSchema::MultiSelect(
                MultiSelectEnumSchema::Titled(_)
            )))
        ));
    }

    #[test]
    fn result_constructors() {
        let r = ElicitResult::accept([("name", ElicitValue::from("Ada")), ("age", 36.into())]);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"action": "accept", "content": {"age": 36, "name": "Ada"}})
        );
        assert_eq!(r.get("age").and_then(ElicitValue::as_i64), Some(36));
        assert_eq!(
            serde_json::to_value(ElicitResult::decline()).unwrap(),
            json!({"action": "decline"})
        );
        assert_eq!(
            serde_json::to_value(ElicitResult::cancel()).unwrap(),
            json!({"action": "cancel"})
        );
    }
}
