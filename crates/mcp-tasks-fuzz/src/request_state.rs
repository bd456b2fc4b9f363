//! `requestState` unsealing (MRTR): a retry's state is checked (HMAC), decoded and bound to
//! its method and target. The fuzzer cannot forge a MAC, so one mode signs its bytes with
//! the fuzz key to reach the payload decoding behind the check.

use mcp_tasks_server::fuzzing;
use mcp_tasks_types::mrtr::InputResponses;

const METHOD: &str = "tools/call";
const TARGET: &str = "t";

/// `data`: the first byte picks the mode, the rest is the state (mode 0), the payload to
/// sign (mode 1), or `answers JSON \0 user-state JSON` to seal and reopen (mode 2).
pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            // A state from a peer: anything but a state we sealed is refused.
            let s = String::from_utf8_lossy(rest);
            if let Ok(n) = fuzzing::resume_state(&s, METHOD, TARGET, None) {
                let (body, _) = s.split_once('.').expect("an accepted state has a MAC");
                assert_eq!(
                    s,
                    fuzzing::sign_payload(&decode_b64(body)),
                    "accepted a state whose MAC is not ours ({n} answers)"
                );
            }
        }
        1 => {
            // A payload we signed (the server never signs garbage, but the decoder must
            // still hold): decoding errors are -32602, never a panic.
            let state = fuzzing::sign_payload(rest);
            if let Err(e) = fuzzing::resume_state(&state, METHOD, TARGET, None) {
                assert_eq!(e.code, mcp_tasks_types::jsonrpc::ErrorCode::INVALID_PARAMS);
            }
        }
        _ => {
            let mut parts = rest.splitn(2, |&b| b == 0);
            let a = parts
                .next()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
            let u = parts
                .next()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
            let state = fuzzing::seal_state(METHOD, TARGET, a, u);
            // What we sealed opens for its own request, and for no other.
            fuzzing::resume_state(&state, METHOD, TARGET, None::<InputResponses>)
                .expect("a state we sealed opens");
            assert!(fuzzing::resume_state(&state, METHOD, "other", None).is_err());
            assert!(fuzzing::resume_state(&state, "prompts/get", TARGET, None).is_err());
        }
    }
}

fn decode_b64(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .expect("an accepted state's body is base64")
}
