//! Routing-header values (SEP-2243): what a server decodes from `Mcp-Name` /
//! `Mcp-Param-*` (plain or the `=?base64?…?=` sentinel), and what a client encodes.

use mcp_tasks_transport::headers::{
    decode_header_value, encode_header_value, is_plain_header_safe,
};

fn assert_sendable(encoded: &str, original: &str) {
    assert!(
        http::HeaderValue::from_str(encoded).is_ok(),
        "{original:?} encodes to {encoded:?}, which is no valid header value"
    );
    let back = decode_header_value(encoded.as_bytes())
        .unwrap_or_else(|e| panic!("{original:?} -> {encoded:?} does not decode: {e}"));
    assert_eq!(back, original, "encode/decode must round-trip");
}

/// Decodes `data` as a received header value; encodes it (as text) as a client would.
pub fn check(data: &[u8]) {
    if let Ok(v) = decode_header_value(data) {
        // Whatever a server accepts, a client can send again.
        assert_sendable(&encode_header_value(&v), &v);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let enc = encode_header_value(s);
        assert_sendable(&enc, s);
        if is_plain_header_safe(s) {
            assert_eq!(enc, s, "a plain-safe value is sent as is");
        }
    }
}
