//! HTTP header names of both revisions and the routing-header value encoding of SEP-2243
//! (MCP 2026-07-28 "Streamable HTTP").

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// `Mcp-Session-Id` (2025-11-25).
pub const MCP_SESSION_ID: &str = "mcp-session-id";
/// `MCP-Protocol-Version`.
pub const MCP_PROTOCOL_VERSION: &str = "mcp-protocol-version";
/// `Mcp-Method` (2026-07-28).
pub const MCP_METHOD: &str = "mcp-method";
/// `Mcp-Name` (2026-07-28).
pub const MCP_NAME: &str = "mcp-name";
/// Prefix of `Mcp-Param-{Name}` headers (2026-07-28).
pub const MCP_PARAM_PREFIX: &str = "mcp-param-";
/// `Last-Event-ID` (2025-11-25 resumability).
pub const LAST_EVENT_ID: &str = "last-event-id";

const SENTINEL_START: &str = "=?base64?";
const SENTINEL_END: &str = "?=";

/// Whether `s` can travel as a plain header value: visible ASCII and inner spaces only, no
/// leading or trailing whitespace, and not something that looks like the base64 sentinel.
pub fn is_plain_header_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let ok_chars = bytes
        .iter()
        .all(|&b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b))
        && !bytes.contains(&b'\t');
    let trimmed = !(s.starts_with([' ', '\t']) || s.ends_with([' ', '\t']));
    ok_chars && trimmed && !(s.starts_with(SENTINEL_START) && s.ends_with(SENTINEL_END))
}

/// Encodes a value for `Mcp-Name` / `Mcp-Param-*`: plain when safe, else
/// `=?base64?<base64 of UTF-8>?=`.
pub fn encode_header_value(s: &str) -> String {
    if is_plain_header_safe(s) {
        s.to_owned()
    } else {
        format!(
            "{SENTINEL_START}{}{SENTINEL_END}",
            STANDARD.encode(s.as_bytes())
        )
    }
}

/// Why a header value could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderValueError {
    /// Bytes outside visible ASCII and space.
    #[error("header value contains invalid characters")]
    InvalidCharacters,
    /// A sentinel whose payload is not base64 of UTF-8.
    #[error("header value has an invalid base64 sentinel")]
    InvalidBase64,
}

/// Decodes a received routing-header value: trims surrounding whitespace (as HTTP does),
/// rejects control and non-ASCII bytes, and unwraps the base64 sentinel.
///
/// A plain value is borrowed from `raw` (the common case, checked on every modern request);
/// only a Base64 sentinel value allocates.
pub fn decode_header_value(raw: &[u8]) -> Result<std::borrow::Cow<'_, str>, HeaderValueError> {
    if raw
        .iter()
        .any(|&b| !(b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b)))
    {
        return Err(HeaderValueError::InvalidCharacters);
    }
    // Only visible ASCII remains, so this cannot fail.
    let s = std::str::from_utf8(raw).map_err(|_| HeaderValueError::InvalidCharacters)?;
    let s = s.trim_matches([' ', '\t']);
    if let Some(inner) = s
        .strip_prefix(SENTINEL_START)
        .and_then(|r| r.strip_suffix(SENTINEL_END))
    {
        let bytes = STANDARD
            .decode(inner)
            .map_err(|_| HeaderValueError::InvalidBase64)?;
        return String::from_utf8(bytes)
            .map(std::borrow::Cow::Owned)
            .map_err(|_| HeaderValueError::InvalidBase64);
    }
    Ok(std::borrow::Cow::Borrowed(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_pass_through() {
        assert_eq!(encode_header_value("get_weather"), "get_weather");
        assert_eq!(
            decode_header_value(b"  get_weather ").unwrap(),
            "get_weather"
        );
    }

    #[test]
    fn unsafe_values_use_the_sentinel_both_ways() {
        for s in ["héllo", " lead", "trail ", "a\nb", "=?base64?abc?="] {
            let enc = encode_header_value(s);
            assert!(enc.starts_with("=?base64?"), "{s:?} -> {enc}");
            assert_eq!(decode_header_value(enc.as_bytes()).unwrap(), s);
        }
    }

    #[test]
    fn bad_values_are_rejected() {
        assert_eq!(
            decode_header_value(b"a\x00b"),
            Err(HeaderValueError::InvalidCharacters)
        );
        assert_eq!(
            decode_header_value(b"=?base64?***?="),
            Err(HeaderValueError::InvalidBase64)
        );
    }
}
