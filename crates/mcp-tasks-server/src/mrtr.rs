//! Sealed MRTR `requestState` (SEP-2322): HMAC-SHA256 over a payload that binds the
//! method, the target (tool/prompt name or resource URI), an expiry, the answers gathered in
//! earlier rounds and the handler's own state. A tampered, expired or misdirected state is
//! rejected with -32602.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use mcp_tasks_types::JsonObject;
use mcp_tasks_types::jsonrpc::ErrorObject;
use mcp_tasks_types::mrtr::{InputRequest, InputRequiredResult, InputResponse, InputResponses};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::ToolError;

type HmacSha256 = Hmac<Sha256>;

/// The input bookkeeping of one MRTR run of a handler: the answers known (earlier rounds,
/// carried in the sealed state, plus this retry's `inputResponses`) and the requests asked in
/// this run that have no answer yet.
#[derive(Debug, Default)]
pub(crate) struct Round {
    answers: BTreeMap<String, InputResponse>,
    asked: BTreeMap<String, InputRequest>,
}

impl Round {
    /// How many answers are known.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn answer_count(&self) -> usize {
        self.answers.len()
    }

    /// Returns every answer, or records the missing requests and says input is required.
    pub(crate) fn take(
        &mut self,
        requests: Vec<(String, InputRequest)>,
    ) -> Result<BTreeMap<String, InputResponse>, ToolError> {
        let mut out = BTreeMap::new();
        let mut missing = false;
        for (k, r) in requests {
            match self.answers.get(&k) {
                Some(a) if a.answers(&r) => {
                    out.insert(k, a.clone());
                }
                _ => {
                    self.asked.insert(k, r);
                    missing = true;
                }
            }
        }
        if missing {
            Err(ToolError::InputRequired)
        } else {
            Ok(out)
        }
    }
}

/// What a sealed state carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StatePayload {
    /// Method of the originating request.
    pub(crate) m: String,
    /// Target name or URI.
    pub(crate) n: String,
    /// Expiry, seconds since the Unix epoch.
    pub(crate) exp: u64,
    /// Answers from earlier rounds (`InputResponses` as JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) a: Option<Value>,
    /// The handler's own state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) s: Option<Value>,
}

/// Seals and opens `requestState` values with a server secret.
#[derive(Clone)]
pub struct StateSealer {
    key: [u8; 32],
    ttl: Duration,
}

impl std::fmt::Debug for StateSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateSealer")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl StateSealer {
    /// A sealer with a fresh random key (states do not survive a restart or cross instances).
    pub fn random(ttl: Duration) -> Self {
        let mut key = [0u8; 32];
        // The OS CSPRNG failing is not recoverable in any useful way.
        getrandom::fill(&mut key).expect("the OS random number generator failed");
        StateSealer { key, ttl }
    }

    /// A sealer keyed by SHA-256 of a shared secret of any length (e.g. a key file).
    pub fn from_secret(secret: &[u8], ttl: Duration) -> Self {
        use sha2::Digest;
        let key: [u8; 32] = Sha256::digest(secret).into();
        StateSealer { key, ttl }
    }

    /// A sealer with a shared key (several instances behind one load balancer).
    pub fn with_key(key: [u8; 32], ttl: Duration) -> Self {
        StateSealer { key, ttl }
    }

    pub(crate) fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length.
        <HmacSha256 as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length")
    }

    /// Starts a run from a retry: the answers sealed in `state` plus this retry's
    /// `responses`, and the handler's own state. A bad state is -32602.
    pub(crate) fn resume(
        &self,
        method: &str,
        target: &str,
        state: Option<&str>,
        responses: Option<InputResponses>,
    ) -> Result<(Round, Option<Value>), ErrorObject> {
        let mut round = Round::default();
        let mut user = None;
        if let Some(st) = state {
            let p = self.open(st, method, target)?;
            if let Some(a) = p.a {
                round.answers = serde_json::from_value(a).unwrap_or_default();
            }
            user = p.s;
        }
        round.answers.extend(responses.unwrap_or_default());
        Ok((round, user))
    }

    /// Ends a run that needs input: the `InputRequiredResult` asking for what is missing,
    /// with the answers so far and the handler's state sealed into `requestState`.
    pub(crate) fn input_required(
        &self,
        method: &str,
        target: &str,
        round: Round,
        user: Option<Value>,
    ) -> InputRequiredResult {
        let answers = (!round.answers.is_empty())
            .then(|| serde_json::to_value(&round.answers).unwrap_or(Value::Null));
        InputRequiredResult {
            result_type: Default::default(),
            input_requests: Some(round.asked),
            request_state: Some(self.seal(method, target, answers, user)),
            meta: None,
            extra: JsonObject::new(),
        }
    }

    pub(crate) fn seal(
        &self,
        method: &str,
        target: &str,
        a: Option<Value>,
        s: Option<Value>,
    ) -> String {
        let exp = now_secs() + self.ttl.as_secs();
        let payload = StatePayload {
            m: method.to_owned(),
            n: target.to_owned(),
            exp,
            a,
            s,
        };
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default());
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{body}.{tag}")
    }

    pub(crate) fn open(
        &self,
        state: &str,
        method: &str,
        target: &str,
    ) -> Result<StatePayload, ErrorObject> {
        let bad = |why: &str| ErrorObject::invalid_params(format!("Invalid requestState: {why}"));
        let (body, tag) = state.split_once('.').ok_or_else(|| bad("malformed"))?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| bad("malformed"))?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&tag)
            .map_err(|_| bad("integrity check failed"))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| bad("malformed"))?;
        let p: StatePayload = serde_json::from_slice(&bytes).map_err(|_| bad("malformed"))?;
        if p.m != method || p.n != target {
            return Err(bad("issued for a different request"));
        }
        if p.exp < now_secs() {
            return Err(bad("expired"));
        }
        Ok(p)
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seal_open_and_reject_tampering() {
        let s = StateSealer::random(Duration::from_secs(60));
        let st = s.seal("tools/call", "t", None, Some(json!({"round": 2})));
        let p = s.open(&st, "tools/call", "t").unwrap();
        assert_eq!(p.s, Some(json!({"round": 2})));
        assert!(
            s.open(&format!("{st}-TAMPERED"), "tools/call", "t")
                .is_err()
        );
        assert!(s.open(&st, "tools/call", "other").is_err());
        let other = StateSealer::random(Duration::from_secs(60));
        assert!(other.open(&st, "tools/call", "t").is_err());
        let expired = StateSealer::with_key([1; 32], Duration::from_secs(0));
        let st = expired.seal("m", "n", None, None);
        // exp == now is still valid; one second in the past is not.
        let mut p: StatePayload = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(st.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        p.exp -= 2;
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&p).unwrap());
        let mut mac = expired.mac();
        mac.update(body.as_bytes());
        let forged = format!(
            "{body}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        assert!(
            expired
                .open(&forged, "m", "n")
                .unwrap_err()
                .message
                .contains("expired")
        );
    }
}
