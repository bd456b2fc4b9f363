//! Server-Sent Events framing: encoding for servers, incremental decoding for clients.

use bytes::{Bytes, BytesMut};

use crate::SseEvent;

/// Encodes one event. A message is one `data:` line (JSON never contains raw newlines).
pub fn encode_event(ev: &SseEvent) -> Bytes {
    let mut out = BytesMut::with_capacity(64);
    if let Some(id) = &ev.id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(b"\n");
    }
    if let Some(ms) = ev.retry_ms {
        out.extend_from_slice(format!("retry: {ms}\n").as_bytes());
    }
    match &ev.message {
        Some(m) => {
            out.extend_from_slice(b"event: message\ndata: ");
            out.extend_from_slice(&m.encode());
            out.extend_from_slice(b"\n\n");
        }
        None => out.extend_from_slice(b"data: \n\n"),
    }
    out.freeze()
}

/// A keep-alive comment line, which clients ignore.
pub fn keep_alive() -> Bytes {
    Bytes::from_static(b": keep-alive\n\n")
}

/// One decoded SSE event (raw `data`, not yet parsed as JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawEvent {
    /// `id:` field.
    pub id: Option<String>,
    /// `event:` field.
    pub event: Option<String>,
    /// `data:` lines joined with `\n`.
    pub data: String,
    /// `retry:` field.
    pub retry_ms: Option<u64>,
}

/// Incremental SSE decoder: feed bytes, take complete events.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    cur: RawEvent,
    has_field: bool,
}

impl SseDecoder {
    /// A new decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes and returns every event completed by them.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<RawEvent> {
        self.buf.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8_lossy(&line).into_owned();
            if line.is_empty() {
                if self.has_field {
                    events.push(std::mem::take(&mut self.cur));
                    self.has_field = false;
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f.to_owned(), v.strip_prefix(' ').unwrap_or(v).to_owned()),
                None => (line.clone(), String::new()),
            };
            self.has_field = true;
            match field.as_str() {
                "id" => self.cur.id = Some(value),
                "event" => self.cur.event = Some(value),
                "retry" => self.cur.retry_ms = value.parse().ok(),
                "data" => {
                    if !self.cur.data.is_empty() {
                        self.cur.data.push('\n');
                    }
                    self.cur.data.push_str(&value);
                }
                _ => {}
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcp_tasks_types::JsonRpcMessage;

    #[test]
    fn encode_then_decode() {
        let m = JsonRpcMessage::decode(br#"{"jsonrpc":"2.0","method":"x"}"#).unwrap();
        let ev = SseEvent {
            id: Some("s1-3".into()),
            retry_ms: Some(500),
            message: Some(m),
        };
        let bytes = encode_event(&ev);
        let mut d = SseDecoder::new();
        let (a, b) = bytes.split_at(7);
        assert!(d.feed(a).is_empty());
        let mut got = d.feed(b);
        got.extend(d.feed(&keep_alive()));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id.as_deref(), Some("s1-3"));
        assert_eq!(got[0].retry_ms, Some(500));
        assert_eq!(got[0].data, r#"{"jsonrpc":"2.0","method":"x"}"#);
    }
}
