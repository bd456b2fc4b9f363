//! `x-mcp-header` parameter mirroring (SEP-2243, MCP 2026-07-28 "Streamable HTTP"): tool arguments
//! annotated in `inputSchema` travel again as `Mcp-Param-{Name}` headers so HTTP
//! intermediaries can route without parsing the body.

use mcp_tasks_transport::headers::encode_header_value;
use mcp_tasks_types::jsonrpc::JsonObject;
use serde_json::Value;

/// The annotation key.
const ANNOTATION: &str = "x-mcp-header";
/// The largest integer a header may mirror (±(2^53−1)).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// One mirrored argument: header name and the path of property names to its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mirrored {
    pub(crate) header: String,
    pub(crate) path: Vec<String>,
}

/// Reads and validates the annotations of a tool's `inputSchema`. An `Err` means the tool
/// must be hidden (an HTTP client MUST drop it).
pub(crate) fn annotations(schema: &JsonObject) -> Result<Vec<Mirrored>, String> {
    let mut found = Vec::new();
    walk(schema, &mut Vec::new(), &mut found)?;
    // Annotations anywhere but on a `properties` path (items, composition, $defs...) are
    // invalid; they are exactly the ones the walk did not visit.
    let total = count(&Value::Object(schema.clone()));
    if total != found.len() {
        return Err(format!(
            "`{ANNOTATION}` used outside plain `properties` ({} of {total} reachable)",
            found.len()
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for m in &found {
        if !seen.insert(m.header.to_ascii_lowercase()) {
            return Err(format!("duplicate `{ANNOTATION}` name {:?}", m.header));
        }
    }
    Ok(found)
}

fn walk(
    schema: &JsonObject,
    path: &mut Vec<String>,
    out: &mut Vec<Mirrored>,
) -> Result<(), String> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    for (name, sub) in props {
        let Some(sub) = sub.as_object() else { continue };
        path.push(name.clone());
        if let Some(ann) = sub.get(ANNOTATION) {
            let header = ann
                .as_str()
                .ok_or_else(|| format!("`{ANNOTATION}` of {name:?} is not a string"))?;
            if header.is_empty() || !header.bytes().all(is_tchar) {
                return Err(format!("`{ANNOTATION}` {header:?} is not an HTTP token"));
            }
            match sub.get("type").and_then(Value::as_str) {
                Some("string" | "integer" | "boolean") => {}
                other => {
                    return Err(format!(
                        "`{ANNOTATION}` on {name:?} of type {other:?} (only string, integer, boolean)"
                    ));
                }
            }
            out.push(Mirrored {
                header: header.to_owned(),
                path: path.clone(),
            });
        }
        walk(sub, path, out)?;
        path.pop();
    }
    Ok(())
}

fn count(v: &Value) -> usize {
    match v {
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| usize::from(k == ANNOTATION) + count(v))
            .sum(),
        Value::Array(a) => a.iter().map(count).sum(),
        _ => 0,
    }
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The `Mcp-Param-*` headers for `args`: (name, encoded value). Absent and `null` values
/// send no header.
pub(crate) fn headers(mirrored: &[Mirrored], args: &JsonObject) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for m in mirrored {
        let mut cur = args.get(m.path[0].as_str());
        for p in &m.path[1..] {
            cur = cur.and_then(|v| v.get(p.as_str()));
        }
        let value = match cur {
            Some(Value::String(s)) => encode_header_value(s),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) if i.abs() <= MAX_SAFE_INTEGER => i.to_string(),
                // Integral floats (`42.0`) still name an integer.
                _ => match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 => {
                        format!("{}", f as i64)
                    }
                    _ => continue,
                },
            },
            _ => continue,
        };
        out.push((m.header.clone(), value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> JsonObject {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn valid_annotations_are_mirrored() {
        let schema = obj(json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "n":{"type":"integer","x-mcp-header":"Count"},
            "opts":{"type":"object","properties":{"dry":{"type":"boolean","x-mcp-header":"Dry"}}},
            "free":{"type":"string"}
        }}));
        let m = annotations(&schema).unwrap();
        assert_eq!(m.len(), 3);
        let h = headers(
            &m,
            &obj(json!({"region":"eu ","n":42,"opts":{"dry":true},"free":"x"})),
        );
        assert!(h.contains(&("Region".into(), encode_header_value("eu "))));
        assert!(h.contains(&("Count".into(), "42".into())));
        assert!(h.contains(&("Dry".into(), "true".into())));
        assert!(headers(&m, &obj(json!({"region": null}))).is_empty());
    }

    #[test]
    fn invalid_annotations_hide_the_tool() {
        for bad in [
            json!({"properties":{"a":{"type":"number","x-mcp-header":"A"}}}),
            json!({"properties":{"a":{"type":"string","x-mcp-header":""}}}),
            json!({"properties":{"a":{"type":"string","x-mcp-header":"A B"}}}),
            json!({"properties":{"a":{"type":"string","x-mcp-header":"A"},"b":{"type":"string","x-mcp-header":"a"}}}),
            json!({"properties":{"a":{"type":"array","items":{"type":"string","x-mcp-header":"A"}}}}),
            json!({"properties":{"a":{"anyOf":[{"type":"string","x-mcp-header":"A"}]}}}),
        ] {
            assert!(annotations(&obj(bad.clone())).is_err(), "{bad}");
        }
    }
}
