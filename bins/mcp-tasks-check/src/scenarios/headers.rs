//! Routing headers (SEP-2243; PROTOCOL.md §2.2) on Streamable HTTP.

use base64::Engine as _;
use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::peer::{Modern, caps_plain, first_text, set_header};

check!(
    REJECT_INVALID,
    "sep-2243-server-reject-invalid-headers",
    Must,
    "SEP-2243 Server Behavior; PROTOCOL.md §2.2",
    "Servers MUST reject with HTTP 400 a request whose required routing header is missing or whose header values disagree with the body."
);
check!(
    REJECT_CODE,
    "sep-2243-server-reject-error-code",
    Should,
    "PROTOCOL.md §1.2, §2.2",
    "The rejection carries the JSON-RPC error -32020 (HeaderMismatch)."
);
check!(
    WHITESPACE,
    "sep-2243-server-accepts-whitespace-header-value",
    Must,
    "SEP-2243; PROTOCOL.md §2.2",
    "Whitespace around a header value is not part of it: `Mcp-Name:  greet ` matches body name `greet`."
);
check!(
    NAME_CASE,
    "sep-2243-header-name-case-insensitive",
    Must,
    "PROTOCOL.md §2.2",
    "Header names compare case-insensitively (lower-case and Title-Case names both work)."
);
check!(
    VALUE_CASE,
    "sep-2243-method-value-case-sensitive",
    Must,
    "PROTOCOL.md §2.2",
    "Header values are case-sensitive: `Mcp-Method: TOOLS/CALL` does not match tools/call and is rejected."
);
check!(
    BASE64,
    "sep-2243-base64-sentinel-decoded",
    Must,
    "PROTOCOL.md §2.2",
    "A `=?base64?…?=` Mcp-Name is decoded before comparing: the base64 of the tool name matches."
);
check!(
    BASE64_BAD,
    "sep-2243-base64-sentinel-invalid-rejected",
    Must,
    "PROTOCOL.md §2.2",
    "A sentinel whose payload is not valid base64, or decodes to another value, is rejected (400)."
);

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "routing-headers",
        group: "routing-headers",
        description: "SEP-2243 Mcp-Method / Mcp-Name / MCP-Protocol-Version validation, base64 sentinel and case rules.",
        needs: Needs::Http,
        checks: &[
            &REJECT_INVALID,
            &REJECT_CODE,
            &WHITESPACE,
            &NAME_CASE,
            &VALUE_CASE,
            &BASE64,
            &BASE64_BAD,
        ],
        run: |cx| Box::pin(run(cx)),
    }]
}

fn greets(r: &crate::net::Reply, name: &str) -> bool {
    r.result().and_then(first_text) == Some(&format!("Hello, {name}!"))
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let greet = cx.env.tools.greet.clone();
    let c = Modern::new(&cx.env, caps_plain());
    let b64 = |s: &str| {
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
    };
    // Each bad variant: (description, header edits).
    type Edits<'a> = Vec<(&'a str, Option<String>)>;
    let variants: Vec<(&str, Edits)> = vec![
        (
            "Mcp-Method: tools/list on a tools/call",
            vec![("mcp-method", Some("tools/list".into()))],
        ),
        ("no Mcp-Method", vec![("mcp-method", None)]),
        (
            "Mcp-Name naming another tool",
            vec![("mcp-name", Some("some_other_tool".into()))],
        ),
        ("no Mcp-Name on tools/call", vec![("mcp-name", None)]),
        (
            "MCP-Protocol-Version 2025-11-25 with _meta 2026-07-28",
            vec![("mcp-protocol-version", Some("2025-11-25".into()))],
        ),
    ];
    for (what, edits) in variants {
        let (body, mut h) = c.prepare(
            "tools/call",
            json!({"name": greet, "arguments": {"name": "bad-headers"}}),
        );
        for (k, v) in edits {
            set_header(&mut h, k, v.as_deref());
        }
        let r = c.send(&body, &h).await?;
        let d = format!("tools/call {greet} with {what} -> {}", r.describe());
        cx.rec.check(
            &REJECT_INVALID,
            r.status == Some(400) && r.error().is_some(),
            d.clone(),
        );
        cx.rec
            .check(&REJECT_CODE, r.error_code() == Some(-32020), d);
    }

    let (body, mut h) = c.prepare(
        "tools/call",
        json!({"name": greet, "arguments": {"name": "whitespace"}}),
    );
    set_header(&mut h, "mcp-name", Some(&format!("  {greet} ")));
    let r = c.send(&body, &h).await?;
    cx.rec.check(
        &WHITESPACE,
        greets(&r, "whitespace"),
        format!("Mcp-Name: \"  {greet} \" -> {}", r.describe()),
    );

    let (body, h) = c.prepare(
        "tools/call",
        json!({"name": greet, "arguments": {"name": "lower-case"}}),
    );
    let conn = cx.env.conn().await;
    let r = conn
        .post_raw(
            body.to_string(),
            &h,
            body.get("id").cloned(),
            cx.env.timeout,
            false,
        )
        .await?;
    cx.rec.check(
        &NAME_CASE,
        greets(&r, "lower-case"),
        format!("lower-case header names -> {}", r.describe()),
    );
    let (body, h) = c.prepare(
        "tools/call",
        json!({"name": greet, "arguments": {"name": "title-case"}}),
    );
    let r = conn
        .post_raw(
            body.to_string(),
            &h,
            body.get("id").cloned(),
            cx.env.timeout,
            true,
        )
        .await?;
    cx.rec.check(
        &NAME_CASE,
        greets(&r, "title-case"),
        format!(
            "Title-Case header names (Mcp-Method, Mcp-Name) -> {}",
            r.describe()
        ),
    );

    let (body, mut h) = c.prepare(
        "tools/call",
        json!({"name": greet, "arguments": {"name": "upper"}}),
    );
    set_header(&mut h, "mcp-method", Some("TOOLS/CALL"));
    let r = c.send(&body, &h).await?;
    cx.rec.check(
        &VALUE_CASE,
        r.status == Some(400) && r.error().is_some(),
        format!("Mcp-Method: TOOLS/CALL -> {}", r.describe()),
    );

    let (body, mut h) = c.prepare(
        "tools/call",
        json!({"name": greet, "arguments": {"name": "base64"}}),
    );
    set_header(&mut h, "mcp-name", Some(&b64(&greet)));
    let r = c.send(&body, &h).await?;
    cx.rec.check(
        &BASE64,
        greets(&r, "base64"),
        format!("Mcp-Name: {} -> {}", b64(&greet), r.describe()),
    );

    for (what, v) in [
        ("invalid base64", "=?base64?***not-base64***?=".to_owned()),
        ("base64 of another name", b64("some_other_tool")),
    ] {
        let (body, mut h) = c.prepare(
            "tools/call",
            json!({"name": greet, "arguments": {"name": "bad-base64"}}),
        );
        set_header(&mut h, "mcp-name", Some(&v));
        let r = c.send(&body, &h).await?;
        cx.rec.check(
            &BASE64_BAD,
            r.status == Some(400) && r.error().is_some(),
            format!("Mcp-Name {what} {v:?} -> {}", r.describe()),
        );
    }
    let _ = Value::Null;
    Ok(())
}
