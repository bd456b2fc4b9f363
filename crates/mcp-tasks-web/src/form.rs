//! Forms generated from JSON Schema: a tool's `inputSchema` or an elicitation's
//! `requestedSchema` becomes labelled fields ([`fields`]), and the submitted form becomes
//! the JSON object the schema describes ([`read`]).
//!
//! | schema | field |
//! | --- | --- |
//! | `string` (`format` email, uri, date → matching input types) | text input |
//! | `string` with `enum`, `oneOf`/`anyOf` of `const` | select |
//! | `integer`, `number` (`minimum`/`maximum` kept) | number input |
//! | `boolean` | checkbox |
//! | `array` of an enum | a group of checkboxes |
//! | `array` of strings or numbers | text area, one item per line |
//! | anything else (objects, unions) | text area holding JSON |
//!
//! A schema without properties that does not forbid them gets one JSON text area for the
//! whole object.

use maud::{Markup, html};
use serde_json::{Map, Number, Value};

/// The field name of the whole-object JSON text area (after the prefix).
const RAW: &str = "__json";

/// A submitted value that does not fit its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The property.
    pub field: String,
    /// What is wrong, for the person filling the form.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Text,
    Integer,
    Number,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Text(&'static str),
    Integer,
    Number,
    Bool,
    Choice(Vec<(String, String)>),
    MultiChoice(Vec<(String, String)>),
    Lines(Item),
    Json,
}

/// The first non-null `type` of a property.
fn type_of(p: &Value) -> Option<&str> {
    match p.get("type") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// The choices of an enum-like schema: (value, label).
fn choices(p: &Value) -> Option<Vec<(String, String)>> {
    if let Some(e) = p.get("enum").and_then(Value::as_array) {
        let names = p.get("enumNames").and_then(Value::as_array);
        let out: Vec<_> = e
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let v = v.as_str()?.to_owned();
                let label = names
                    .and_then(|n| n.get(i))
                    .and_then(Value::as_str)
                    .map_or_else(|| v.clone(), str::to_owned);
                Some((v, label))
            })
            .collect();
        return (!out.is_empty()).then_some(out);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(a) = p.get(key).and_then(Value::as_array) {
            let out: Option<Vec<_>> = a
                .iter()
                .map(|o| {
                    let v = o.get("const")?.as_str()?.to_owned();
                    let label = o
                        .get("title")
                        .and_then(Value::as_str)
                        .map_or_else(|| v.clone(), str::to_owned);
                    Some((v, label))
                })
                .collect();
            if let Some(out) = out.filter(|o| !o.is_empty()) {
                return Some(out);
            }
        }
    }
    None
}

fn kind(p: &Value) -> Kind {
    match type_of(p) {
        Some("boolean") => Kind::Bool,
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("array") => {
            let items = p.get("items").unwrap_or(&Value::Null);
            if let Some(c) = choices(items) {
                return Kind::MultiChoice(c);
            }
            match type_of(items) {
                Some("string") => Kind::Lines(Item::Text),
                Some("integer") => Kind::Lines(Item::Integer),
                Some("number") => Kind::Lines(Item::Number),
                _ => Kind::Json,
            }
        }
        Some("string") | None if choices(p).is_some() => {
            Kind::Choice(choices(p).unwrap_or_default())
        }
        Some("string") => Kind::Text(match p.get("format").and_then(Value::as_str) {
            Some("email") => "email",
            Some("uri" | "url") => "url",
            Some("date") => "date",
            _ => "text",
        }),
        _ => Kind::Json,
    }
}

fn properties(schema: &Value) -> Vec<(&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Whether the schema is an object without properties that still takes any.
fn takes_raw_object(schema: &Value) -> bool {
    properties(schema).is_empty() && schema.get("additionalProperties") != Some(&Value::Bool(false))
}

fn default_text(p: &Value) -> Option<String> {
    match p.get("default")? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        Value::Array(a) if matches!(kind(p), Kind::Lines(_)) => Some(
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
        v => serde_json::to_string_pretty(v).ok(),
    }
}

/// The labelled fields of `schema`'s properties. Field names are the property names after
/// `prefix` (keep it short, e.g. `a.`); element ids start with `id_prefix`.
pub fn fields(schema: &Value, prefix: &str, id_prefix: &str) -> Markup {
    let req = required(schema);
    let props = properties(schema);
    html! {
        @if props.is_empty() {
            @if takes_raw_object(schema) {
                div.field {
                    label for={(id_prefix) "-raw"} { "Arguments (a JSON object)" }
                    textarea id={(id_prefix) "-raw"} name={(prefix) (RAW)} rows="4" spellcheck="false" {}
                }
            } @else {
                p.muted { "No fields to fill in." }
            }
        }
        @for (i, (name, p)) in props.iter().enumerate() {
            (field(name, p, req.contains(&name.as_str()), &format!("{prefix}{name}"), &format!("{id_prefix}-{i}")))
        }
    }
}

fn field(name: &str, p: &Value, required: bool, full_name: &str, id: &str) -> Markup {
    let title = p.get("title").and_then(Value::as_str).unwrap_or(name);
    let desc = p.get("description").and_then(Value::as_str);
    let desc_id = format!("{id}-desc");
    let described = desc.map(|_| desc_id.as_str());
    let dflt = default_text(p);
    let mark = html! {
        @if required { abbr.req title="required" aria-hidden="true" { "*" } span.sr { " (required)" } }
    };
    let help = html! {
        @if let Some(d) = desc { small id=(desc_id) { (d) } }
    };
    match kind(p) {
        Kind::Bool => {
            let checked = p.get("default").and_then(Value::as_bool).unwrap_or(false);
            html! {
                div.field.check {
                    input id=(id) type="checkbox" name=(full_name) value="true" checked[checked]
                        aria-describedby=[described];
                    label for=(id) { (title) (mark) }
                    (help)
                }
            }
        }
        Kind::Choice(opts) => html! {
            div.field {
                label for=(id) { (title) (mark) }
                select id=(id) name=(full_name) required[required] aria-describedby=[described] {
                    @if !required || dflt.is_none() { option value="" { "—" } }
                    @for (v, l) in &opts {
                        option value=(v) selected[dflt.as_deref() == Some(v.as_str())] { (l) }
                    }
                }
                (help)
            }
        },
        Kind::MultiChoice(opts) => {
            let picked: Vec<String> = p
                .get("default")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            html! {
                fieldset.field aria-describedby=[described] {
                    legend { (title) (mark) }
                    @for (j, (v, l)) in opts.iter().enumerate() {
                        div.check {
                            input id={(id) "-" (j)} type="checkbox" name=(full_name) value=(v)
                                checked[picked.contains(v)];
                            label for={(id) "-" (j)} { (l) }
                        }
                    }
                    (help)
                }
            }
        }
        Kind::Integer | Kind::Number => {
            let step = if kind(p) == Kind::Integer { "1" } else { "any" };
            html! {
                div.field {
                    label for=(id) { (title) (mark) }
                    input id=(id) type="number" name=(full_name) step=(step) required[required]
                        min=[p.get("minimum").map(Value::to_string)]
                        max=[p.get("maximum").map(Value::to_string)]
                        value=[dflt] aria-describedby=[described];
                    (help)
                }
            }
        }
        Kind::Text(ty) => html! {
            div.field {
                label for=(id) { (title) (mark) }
                input id=(id) type=(ty) name=(full_name) required[required]
                    minlength=[p.get("minLength").map(Value::to_string)]
                    maxlength=[p.get("maxLength").map(Value::to_string)]
                    value=[dflt] aria-describedby=[described];
                (help)
            }
        },
        Kind::Lines(item) => html! {
            div.field {
                label for=(id) { (title) (mark) " "
                    span.muted { "(one " (match item { Item::Text => "item", _ => "number" }) " per line)" } }
                textarea id=(id) name=(full_name) rows="3" required[required]
                    aria-describedby=[described] { (dflt.unwrap_or_default()) }
                (help)
            }
        },
        Kind::Json => html! {
            div.field {
                label for=(id) { (title) (mark) " " span.muted { "(JSON)" } }
                textarea id=(id) name=(full_name) rows="3" spellcheck="false" required[required]
                    aria-describedby=[described] { (dflt.unwrap_or_default()) }
                (help)
            }
        },
    }
}

fn number(s: &str, integer: bool) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::from(i));
    }
    if integer {
        return None;
    }
    s.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

/// The JSON object a submitted form stands for, read against `schema` (only fields named
/// `prefix` + a property are looked at). Empty optional fields are left out; an unchecked
/// checkbox is `false` when the property is required or has a default, and left out
/// otherwise.
pub fn read(
    schema: &Value,
    prefix: &str,
    form: &[(String, String)],
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let req = required(schema);
    let mut out = Map::new();
    let mut errors = Vec::new();
    let values = |name: &str| -> Vec<&str> {
        let full = format!("{prefix}{name}");
        form.iter()
            .filter(|(k, _)| *k == full)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.to_owned(),
            message,
        });
    };
    if takes_raw_object(schema) {
        let raw = values(RAW).first().map(|s| s.trim()).unwrap_or("");
        if !raw.is_empty() {
            match serde_json::from_str::<Value>(raw) {
                Ok(Value::Object(o)) => out = o,
                Ok(_) => err(RAW, "must be a JSON object".into()),
                Err(e) => err(RAW, format!("is not JSON: {e}")),
            }
        }
    }
    for (name, p) in properties(schema) {
        let is_required = req.contains(&name.as_str());
        let vals = values(name);
        let first = vals.first().map(|s| s.trim()).unwrap_or("");
        let k = kind(p);
        if !matches!(k, Kind::Bool | Kind::MultiChoice(_)) && first.is_empty() {
            if is_required {
                err(name, "is required".into());
            }
            continue;
        }
        let v = match k {
            Kind::Bool => {
                let on = vals.iter().any(|v| *v == "true" || *v == "on");
                if !on && !is_required && p.get("default").is_none() {
                    continue;
                }
                Value::Bool(on)
            }
            Kind::Text(_) => Value::String(first.to_owned()),
            Kind::Integer | Kind::Number => match number(first, k == Kind::Integer) {
                Some(n) => n,
                None => {
                    let what = if k == Kind::Integer {
                        "a whole number"
                    } else {
                        "a number"
                    };
                    err(name, format!("must be {what}"));
                    continue;
                }
            },
            Kind::Choice(opts) => {
                if !opts.iter().any(|(v, _)| v == first) {
                    err(name, format!("{first:?} is not one of the choices"));
                    continue;
                }
                Value::String(first.to_owned())
            }
            Kind::MultiChoice(opts) => {
                if let Some(bad) = vals.iter().find(|v| !opts.iter().any(|(o, _)| o == *v)) {
                    err(name, format!("{bad:?} is not one of the choices"));
                    continue;
                }
                if vals.is_empty() && !is_required {
                    continue;
                }
                Value::Array(
                    vals.iter()
                        .map(|v| Value::String((*v).to_owned()))
                        .collect(),
                )
            }
            Kind::Lines(item) => {
                let mut items = Vec::new();
                for line in first.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    match item {
                        Item::Text => items.push(Value::String(line.to_owned())),
                        Item::Integer | Item::Number => match number(line, item == Item::Integer) {
                            Some(n) => items.push(n),
                            None => {
                                err(name, format!("{line:?} is not a number"));
                                break;
                            }
                        },
                    }
                }
                Value::Array(items)
            }
            Kind::Json => match serde_json::from_str(first) {
                Ok(v) => v,
                Err(e) => {
                    err(name, format!("is not JSON: {e}"));
                    continue;
                }
            },
        };
        out.insert(name.clone(), v);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The errors of [`read`] as an alert list.
pub fn errors(errs: &[FieldError]) -> Markup {
    html! {
        div.error role="alert" {
            p { "Please correct these fields:" }
            ul { @for e in errs { li { strong { (e.field) } " " (e.message) } } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    }

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "filename": {"type": "string", "description": "The file"},
                "seconds": {"type": "number"},
                "count": {"type": ["integer", "null"]},
                "confirm": {"type": "boolean"},
                "color": {"type": "string", "enum": ["red", "green"]},
                "size": {"type": "string", "oneOf": [{"const": "s", "title": "Small"}, {"const": "l", "title": "Large"}]},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}},
                "numbers": {"type": "array", "items": {"type": "number"}},
                "extra": {"type": "object"},
                "opt": {"type": "boolean"}
            },
            "required": ["filename", "confirm"]
        })
    }

    #[test]
    fn renders_labelled_fields_of_each_kind() {
        let html = fields(&schema(), "a.", "f").into_string();
        assert!(html.contains(r#"<label for="f-0">filename"#), "{html}");
        assert!(
            html.contains(r#"id="f-0" type="text" name="a.filename" required"#),
            "{html}"
        );
        assert!(html.contains(r#"aria-describedby="f-0-desc""#));
        assert!(html.contains(r#"type="number" name="a.seconds" step="any""#));
        assert!(html.contains(r#"type="number" name="a.count" step="1""#));
        assert!(html.contains(r#"type="checkbox" name="a.confirm" value="true""#));
        assert!(html.contains(r#"<option value="l">Large</option>"#));
        assert!(html.contains("<legend>tags"));
        assert!(html.contains("(JSON)"));
        let empty = fields(&json!({"type": "object", "properties": {}}), "a.", "f").into_string();
        assert!(empty.contains("a.__json"), "{empty}");
        let closed = json!({"type": "object", "additionalProperties": false});
        assert!(
            fields(&closed, "a.", "f")
                .into_string()
                .contains("No fields")
        );
    }

    #[test]
    fn reads_a_form_back_into_json() {
        let form = pairs(&[
            ("a.filename", " report.pdf "),
            ("a.seconds", "1.5"),
            ("a.count", "3"),
            ("a.color", "green"),
            ("a.size", "l"),
            ("a.tags", "a"),
            ("a.tags", "c"),
            ("a.numbers", "1\n2.5\n\n"),
            ("a.extra", r#"{"k": [1]}"#),
            ("other", "ignored"),
        ]);
        let v = read(&schema(), "a.", &form).unwrap();
        assert_eq!(
            Value::Object(v),
            json!({"filename": "report.pdf", "seconds": 1.5, "count": 3, "confirm": false,
                   "color": "green", "size": "l", "tags": ["a", "c"], "numbers": [1, 2.5],
                   "extra": {"k": [1]}})
        );
        let checked = read(
            &schema(),
            "a.",
            &pairs(&[
                ("a.filename", "x"),
                ("a.confirm", "true"),
                ("a.opt", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(checked["confirm"], json!(true));
        assert_eq!(checked["opt"], json!(true));
    }

    #[test]
    fn bad_values_are_reported_per_field() {
        let form = pairs(&[
            ("a.seconds", "soon"),
            ("a.count", "1.5"),
            ("a.color", "blue"),
            ("a.tags", "z"),
            ("a.extra", "{"),
        ]);
        let errs = read(&schema(), "a.", &form).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["filename", "seconds", "count", "color", "tags", "extra"]
        );
        let raw = json!({"type": "object"});
        assert_eq!(
            read(&raw, "a.", &pairs(&[("a.__json", r#"{"x": 1}"#)])).unwrap()["x"],
            json!(1)
        );
        assert!(read(&raw, "a.", &pairs(&[("a.__json", "[1]")])).is_err());
    }
}
