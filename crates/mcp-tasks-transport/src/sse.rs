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
    /// `id:` field of this event (an `id` containing NUL is ignored, as the spec says).
    pub id: Option<String>,
    /// `event:` field.
    pub event: Option<String>,
    /// `data:` lines joined with `\n`.
    pub data: String,
    /// `retry:` field (only when it is all ASCII digits).
    pub retry_ms: Option<u64>,
}

/// Incremental SSE decoder: feed bytes, take complete events.
///
/// Follows the WHATWG event-stream interpretation: lines end with CRLF, LF or a lone CR
/// (also when the CR and LF of one CRLF arrive in different chunks), a leading BOM is
/// dropped, `data` lines join with LF, `retry` is honoured only when all digits, and an
/// `id` containing NUL is ignored. Unlike a browser's `EventSource` it also reports blocks
/// that carry only `id`/`retry` (with empty `data`), because a resuming client needs them.
/// The chunking of the input never changes the events (fuzzed: `fuzz/`, target
/// `sse_decoder`).
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    cur: RawEvent,
    has_field: bool,
    /// Whether a data line was seen in the current block.
    has_data: bool,
    /// The previous chunk ended in CR: a leading LF of the next one ends nothing.
    after_cr: bool,
    /// The stream start is behind us (no BOM may follow).
    started: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl SseDecoder {
    /// A new decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes and returns every event completed by them.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<RawEvent> {
        let mut chunk = chunk;
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
        }
        self.buf.extend_from_slice(chunk);
        if !self.started {
            // Wait until the first bytes can tell a BOM from data.
            let n = self.buf.len().min(BOM.len());
            if self.buf[..n] != BOM[..n] {
                self.started = true;
            } else if n == BOM.len() {
                self.buf.drain(..BOM.len());
                self.started = true;
            } else {
                return Vec::new();
            }
        }
        let mut events = Vec::new();
        let mut start = 0;
        while let Some(off) = self.buf[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
        {
            let end = start + off;
            let mut next = end + 1;
            if self.buf[end] == b'\r' {
                match self.buf.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    // The LF of this CRLF may come with the next chunk.
                    None => self.after_cr = true,
                }
            }
            let line = String::from_utf8_lossy(&self.buf[start..end]).into_owned();
            start = next;
            if let Some(ev) = self.line(&line) {
                events.push(ev);
            }
        }
        self.buf.drain(..start);
        events
    }

    /// [`SseDecoder::feed`] for a reader with a message size limit: `None` when an event
    /// completed by `chunk`, or the event still in progress, holds more than `max` bytes (a
    /// peer that never ends its event would otherwise grow it without bound). The stream is
    /// then best abandoned: what follows cannot be trusted to line up.
    pub fn feed_limited(&mut self, chunk: &[u8], max: usize) -> Option<Vec<RawEvent>> {
        let events = self.feed(chunk);
        let over = self.buffered() > max || events.iter().any(|ev| ev.data.len() > max);
        (!over).then_some(events)
    }

    /// Bytes held for the event in progress (its fields so far and its unfinished line).
    fn buffered(&self) -> usize {
        self.buf.len()
            + self.cur.data.len()
            + self.cur.id.as_ref().map_or(0, String::len)
            + self.cur.event.as_ref().map_or(0, String::len)
    }

    fn line(&mut self, line: &str) -> Option<RawEvent> {
        if line.is_empty() {
            if !self.has_field {
                return None;
            }
            self.has_field = false;
            self.has_data = false;
            return Some(std::mem::take(&mut self.cur));
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "id" if !value.contains('\0') => {
                self.cur.id = Some(value.to_owned());
                self.has_field = true;
            }
            "event" => {
                self.cur.event = Some(value.to_owned());
                self.has_field = true;
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // All digits, but possibly beyond u64: then ignored too.
                if let Ok(ms) = value.parse() {
                    self.cur.retry_ms = Some(ms);
                    self.has_field = true;
                }
            }
            "data" => {
                if self.has_data {
                    self.cur.data.push('\n');
                }
                self.cur.data.push_str(value);
                self.has_data = true;
                self.has_field = true;
            }
            _ => {}
        }
        None
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

    #[test]
    fn buffered_counts_the_event_in_progress() {
        let mut d = SseDecoder::new();
        assert!(d.feed(b"id: 12\ndata: abcd\ndata: ef").is_empty());
        // "12", "abcd", and the unfinished "data: ef" line.
        assert_eq!(d.buffered(), 2 + 4 + 8);
        assert_eq!(d.feed(b"\n\n").len(), 1);
        assert_eq!(d.buffered(), 0);
        // The limit counts the event in progress (here its unfinished line, 11 bytes, then
        // 12) and the events completed.
        assert_eq!(d.feed_limited(b"data: 12345", 11), Some(Vec::new()));
        assert_eq!(d.feed_limited(b"6", 11), None);
        let mut d = SseDecoder::new();
        assert_eq!(d.feed_limited(b"data: 123456\n\n", 5), None);
        let mut d = SseDecoder::new();
        assert_eq!(
            d.feed_limited(b"data: 12345\n\n", 5).map(|e| e.len()),
            Some(1)
        );
    }

    fn all(chunks: &[&[u8]]) -> Vec<RawEvent> {
        let mut d = SseDecoder::new();
        chunks.iter().flat_map(|c| d.feed(c)).collect()
    }

    #[test]
    fn every_line_ending_and_a_split_crlf() {
        let data = |s: &str| RawEvent {
            data: s.into(),
            ..Default::default()
        };
        for chunks in [
            &[&b"data: a\r\rdata: b\r\n\r\ndata: c\n\n"[..]][..],
            &[
                b"data: a\r",
                b"\r",
                b"data: b\r",
                b"\n\r",
                b"\ndata: c\n",
                b"\n",
            ],
        ] {
            assert_eq!(all(chunks), [data("a"), data("b"), data("c")]);
        }
    }

    #[test]
    fn bom_data_joins_retry_and_id_rules() {
        let got = all(&[
            b"\xEF\xBB",
            b"\xBFdata\ndata: x\nretry: 5x\nid: a\0b\n\nretry: 70\nid: 7\n\n",
        ]);
        assert_eq!(
            got,
            [
                RawEvent {
                    data: "\nx".into(),
                    ..Default::default()
                },
                RawEvent {
                    id: Some("7".into()),
                    retry_ms: Some(70),
                    ..Default::default()
                }
            ]
        );
    }
}
