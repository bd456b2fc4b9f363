//! The SSE parser every client of ours reads server streams with
//! (`mcp_tasks_transport::sse::SseDecoder`), against a direct transcription of the WHATWG
//! event-stream interpretation, and against itself fed in other chunks.

use mcp_tasks_transport::sse::{RawEvent, SseDecoder};

/// What a client acts on: the messages (events with non-empty data, with their event
/// type), the id to resume from after each of them, and the last `retry`.
#[derive(Debug, PartialEq, Eq, Default)]
struct Seen {
    messages: Vec<(Option<String>, String, Option<String>)>,
    last_id: Option<String>,
    retry: Option<u64>,
}

fn observe(events: &[RawEvent]) -> Seen {
    let mut seen = Seen::default();
    for ev in events {
        if let Some(id) = &ev.id {
            seen.last_id = Some(id.clone());
        }
        if let Some(r) = ev.retry_ms {
            seen.retry = Some(r);
        }
        if !ev.data.is_empty() {
            let event = ev.event.clone().filter(|e| !e.is_empty());
            seen.messages
                .push((event, ev.data.clone(), seen.last_id.clone()));
        }
    }
    seen
}

/// The spec, literally: decode, split lines (CRLF, LF, CR), fields, dispatch on blank lines.
fn reference(stream: &[u8]) -> Seen {
    let text = String::from_utf8_lossy(stream);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut seen = Seen::default();
    let (mut data, mut event, mut id_buf) = (String::new(), String::new(), None::<String>);
    // The reconnection time is set at once; the decoder reports it with its block, so the
    // comparison uses its value as of the last blank line.
    let mut retry = None;
    let mut lines = Vec::new();
    let mut rest = text;
    // Only complete lines count: the stream may stop mid-line.
    while let Some(i) = rest.find(['\r', '\n']) {
        lines.push(&rest[..i]);
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    for line in lines {
        if line.is_empty() {
            // Dispatch: the last event id string is set even when nothing is dispatched.
            seen.last_id = id_buf.clone();
            seen.retry = retry;
            if data.is_empty() {
                event.clear();
                continue;
            }
            if data.ends_with('\n') {
                data.pop();
            }
            if !data.is_empty() {
                let ev = (!event.is_empty()).then(|| event.clone());
                seen.messages.push((ev, data.clone(), seen.last_id.clone()));
            }
            data.clear();
            event.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line, ""),
        };
        match field {
            "event" => event = value.to_owned(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => id_buf = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(v) = value.parse() {
                    retry = Some(v);
                }
            }
            _ => {}
        }
    }
    seen
}

/// `data`: the first byte picks chunk sizes, the rest is the stream.
pub fn check(data: &[u8]) {
    let Some((&seed, stream)) = data.split_first() else {
        return;
    };
    let whole = SseDecoder::new().feed(stream);
    // Chunks of 1..=8 bytes in a pattern from `seed`, including the split of CR from LF.
    let mut d = SseDecoder::new();
    let mut chunked = Vec::new();
    let mut rest = stream;
    let mut k = u32::from(seed);
    while !rest.is_empty() {
        let n = (k % 8 + 1) as usize;
        k = k.wrapping_mul(1_103_515_245).wrapping_add(12_345) >> 3;
        let (a, b) = rest.split_at(n.min(rest.len()));
        chunked.extend(d.feed(a));
        rest = b;
    }
    assert_eq!(chunked, whole, "chunking changed the events");
    // Everything a client acts on must match the spec.
    assert_eq!(observe(&whole), reference(stream), "differs from the spec");
}
