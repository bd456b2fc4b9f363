//! Entry points for the fuzz targets (feature `fuzzing`): internals that read bytes from
//! peers but are not part of the public API. Not covered by semver; do not use.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::Mac;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::mrtr::InputResponses;

use crate::mrtr::StateSealer;

/// The key every fuzz target seals and opens with.
pub const KEY: [u8; 32] = [0x5a; 32];

fn sealer() -> StateSealer {
    StateSealer::with_key(KEY, Duration::from_secs(600))
}

/// Opens `state` the way a retried request does (`StateSealer::resume`): the MAC check,
/// then the payload decoding. Returns how many answers the run starts with.
pub fn resume_state(
    state: &str,
    method: &str,
    target: &str,
    responses: Option<InputResponses>,
) -> Result<usize, ErrorObject> {
    sealer()
        .resume(method, target, Some(state), responses)
        .map(|(round, _)| round.answer_count())
}

/// A state whose MAC is valid for arbitrary `payload` bytes, so that a fuzzer reaches the
/// payload decoding behind the integrity check (it cannot forge a MAC by itself).
pub fn sign_payload(payload: &[u8]) -> String {
    let body = URL_SAFE_NO_PAD.encode(payload);
    let mut mac = sealer().mac();
    mac.update(body.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{body}.{tag}")
}

/// Seals a state as the server does when a handler needs input.
pub fn seal_state(
    method: &str,
    target: &str,
    answers: Option<serde_json::Value>,
    user: Option<serde_json::Value>,
) -> String {
    sealer().seal(method, target, answers, user)
}

/// The `StateSealer` the fuzz targets use (for a server built with the same key).
pub fn state_sealer() -> StateSealer {
    sealer()
}
