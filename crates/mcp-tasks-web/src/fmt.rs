//! Formatting of times, durations and JSON for pages.

use std::time::{Duration, UNIX_EPOCH};

use maud::{Markup, html};

/// `ms` since the Unix epoch as RFC 3339 UTC, to the second.
pub fn iso(ms: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

/// A short, rounded duration: `850 ms`, `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`.
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0 => format!("{ms} ms"),
        1..60 => format!("{s} s"),
        60..3600 => two(s / 60, "min", s % 60, "s"),
        3600..86400 => two(s / 3600, "h", (s % 3600) / 60, "min"),
        _ => two(s / 86400, "d", (s % 86400) / 3600, "h"),
    }
}

/// `5 min 3 s`, or `5 min` when the smaller unit is zero.
fn two(a: u64, ua: &str, b: u64, ub: &str) -> String {
    if b == 0 {
        format!("{a} {ua}")
    } else {
        format!("{a} {ua} {b} {ub}")
    }
}

/// A `<time>` element showing how long ago `ms` was, with the exact time on hover and
/// for assistive technology.
pub fn ago(now_ms: u64, ms: u64) -> Markup {
    let exact = iso(ms);
    html! {
        time datetime=(exact) title=(exact) { (duration(now_ms.saturating_sub(ms))) " ago" }
    }
}

/// A status badge: the status as words, coloured (never colour alone).
pub fn status(s: mcp_tasks_types::task::TaskStatus) -> Markup {
    html! { span class={"status " (s.as_str())} { (s.as_str().replace('_', " ")) } }
}

/// Pretty-printed JSON in a labelled, scrollable block.
pub fn json_block(label: &str, v: &impl serde::Serialize) -> Markup {
    let text = serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("<unprintable: {e}>"));
    html! {
        pre.json tabindex="0" aria-label=(label) { code { (text) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(42_000), "42 s");
        assert_eq!(duration(185_000), "3 min 5 s");
        assert_eq!(duration(300_000), "5 min");
        assert_eq!(duration(7_800_000), "2 h 10 min");
        assert_eq!(duration(273_600_000), "3 d 4 h");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
    }
}
