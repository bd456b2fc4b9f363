//! Stateless core (SEP-2575; PROTOCOL.md §1.4, §2.2): required `_meta`, `server/discover`,
//! -32022, removed methods, no sessions.

use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::check;
use crate::net::short;
use crate::peer::{Modern, caps_plain, set_header};

check!(
    MISSING_META,
    "sep-2575-request-meta-invalid-missing-meta",
    Must,
    "SEP-2575; PROTOCOL.md §1.4",
    "A request without params._meta is malformed: -32602."
);
check!(
    MISSING_VERSION,
    "sep-2575-request-meta-invalid-missing-protocol-version",
    Must,
    "SEP-2575; PROTOCOL.md §1.4",
    "A request whose _meta lacks io.modelcontextprotocol/protocolVersion is malformed: -32602."
);
check!(
    MISSING_CAPS,
    "sep-2575-request-meta-invalid-missing-client-capabilities",
    Must,
    "SEP-2575; PROTOCOL.md §1.4",
    "A request whose _meta lacks io.modelcontextprotocol/clientCapabilities is malformed: -32602."
);
check!(
    META_400,
    "sep-2575-http-server-meta-invalid-400",
    Must,
    "PROTOCOL.md §2.2, §2.3",
    "Over HTTP, a missing required _meta field is answered with status 400."
);
check!(
    DISCOVER,
    "sep-2575-server-implements-discover",
    Must,
    "SEP-2575; PROTOCOL.md §1.4",
    "Servers MUST implement server/discover: resultType complete, supportedVersions including the requested version, capabilities."
);
check!(
    DISCOVER_CACHE,
    "sep-2549-discover-cacheable",
    Must,
    "SEP-2549; PROTOCOL.md §1.4",
    "DiscoverResult is a CacheableResult: ttlMs a non-negative integer, cacheScope \"public\" or \"private\"."
);
check!(
    SERVER_INFO,
    "sep-2575-server-identifies-in-result-meta",
    Should,
    "PROTOCOL.md §1.4",
    "Servers SHOULD add _meta[\"io.modelcontextprotocol/serverInfo\"] to every result."
);
check!(
    UNSUPPORTED_VERSION,
    "sep-2575-server-unsupported-version-error",
    Must,
    "SEP-2575; PROTOCOL.md §1.2, §1.4",
    "An unsupported protocol version is answered with -32022 and data {supported: string[], requested}."
);
check!(
    UNSUPPORTED_400,
    "sep-2575-http-server-unsupported-version-400",
    Must,
    "PROTOCOL.md §2.3",
    "Over HTTP, -32022 comes with status 400."
);
check!(
    REMOVED_404,
    "sep-2575-http-server-method-not-found-404",
    Must,
    "PROTOCOL.md §1.1, §2.2",
    "Methods removed in 2026-07-28 (ping, logging/setLevel, resources/subscribe, resources/unsubscribe) and unknown methods are -32601 with HTTP 404."
);
check!(
    CAP_400,
    "sep-2575-missing-capability-http-400",
    Must,
    "PROTOCOL.md §1.4, §2.3",
    "A -32021 (missing client capability) error comes with HTTP 400."
);
check!(
    ERROR_ID,
    "sep-2575-http-server-error-jsonrpc-id",
    Must,
    "PROTOCOL.md §1.1",
    "An error response to a request whose id was readable carries that id."
);
check!(
    NO_SESSION,
    "sep-2575-no-session-id-on-modern-requests",
    Must,
    "PROTOCOL.md §1.4, §2.2",
    "Modern (2026-07-28) replies never mint an Mcp-Session-Id."
);

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "stateless",
        group: "stateless",
        description: "Per-request _meta, server/discover, version errors, removed methods, no sessions.",
        needs: Needs::Any,
        checks: &[
            &MISSING_META,
            &MISSING_VERSION,
            &MISSING_CAPS,
            &META_400,
            &DISCOVER,
            &DISCOVER_CACHE,
            &SERVER_INFO,
            &UNSUPPORTED_VERSION,
            &UNSUPPORTED_400,
            &REMOVED_404,
            &CAP_400,
            &ERROR_ID,
            &NO_SESSION,
        ],
        run: |cx| Box::pin(run(cx)),
    }]
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let http = cx.env.is_http().await;
    let c = Modern::new(&cx.env, caps_plain());
    let mut session_ids = Vec::new();
    let http400 =
        |cx: &mut Cx, r: &crate::net::Reply, what: &str, def: &'static crate::model::CheckDef| {
            if http {
                cx.rec.check(
                    def,
                    r.status == Some(400),
                    format!("{what} -> {}", r.describe()),
                );
            }
        };
    type Case = (
        &'static str,
        &'static crate::model::CheckDef,
        fn(&mut Value),
    );
    let cases: [Case; 3] = [
        ("no _meta", &MISSING_META, |p| {
            p.as_object_mut().map(|o| o.remove("_meta"));
        }),
        ("_meta without protocolVersion", &MISSING_VERSION, |p| {
            p["_meta"]
                .as_object_mut()
                .map(|o| o.remove("io.modelcontextprotocol/protocolVersion"));
        }),
        ("_meta without clientCapabilities", &MISSING_CAPS, |p| {
            p["_meta"]
                .as_object_mut()
                .map(|o| o.remove("io.modelcontextprotocol/clientCapabilities"));
        }),
    ];
    for (what, def, edit) in cases {
        let (mut body, h) = c.prepare("tools/list", json!({}));
        edit(&mut body["params"]);
        let r = c.send(&body, &h).await?;
        cx.rec.check(
            def,
            r.error_code() == Some(-32602),
            format!("tools/list with {what} -> {}", r.describe()),
        );
        http400(cx, &r, &format!("tools/list with {what}"), &META_400);
        cx.rec.check(
            &ERROR_ID,
            r.response().and_then(|m| m.get("id")) == body.get("id"),
            format!("error to request id {} -> {}", body["id"], r.describe()),
        );
    }
    if !http {
        cx.rec
            .skip(&META_400, "HTTP status codes need an HTTP server");
    }

    let r = c.request("server/discover", json!({})).await?;
    session_ids.extend(r.header("mcp-session-id").map(str::to_owned));
    let d = format!("server/discover -> {}", r.describe());
    match r.result() {
        Some(res) => {
            let versions_ok = res
                .get("supportedVersions")
                .and_then(Value::as_array)
                .is_some_and(|a| {
                    a.iter()
                        .any(|v| v.as_str() == Some(cx.env.version.as_str()))
                });
            cx.rec.check(
                &DISCOVER,
                res.get("resultType").and_then(Value::as_str) == Some("complete")
                    && versions_ok
                    && res.get("capabilities").is_some_and(Value::is_object),
                d.clone(),
            );
            let cache_ok = res
                .get("ttlMs")
                .and_then(crate::peer::as_schema_uint)
                .is_some()
                && matches!(
                    res.get("cacheScope").and_then(Value::as_str),
                    Some("public" | "private")
                );
            cx.rec.check(&DISCOVER_CACHE, cache_ok, d.clone());
            cx.rec.check(
                &SERVER_INFO,
                res.pointer("/_meta/io.modelcontextprotocol~1serverInfo/name")
                    .is_some_and(Value::is_string),
                d,
            );
        }
        None => {
            cx.rec.violate(&DISCOVER, d.clone());
            cx.rec.skip(&DISCOVER_CACHE, "no discover result");
            cx.rec.skip(&SERVER_INFO, "no discover result");
        }
    }
    let r = c.request("tools/list", json!({})).await?;
    session_ids.extend(r.header("mcp-session-id").map(str::to_owned));
    cx.rec.check(
        &SERVER_INFO,
        r.result()
            .and_then(|x| x.pointer("/_meta/io.modelcontextprotocol~1serverInfo"))
            .is_some(),
        format!("tools/list -> {}", r.describe()),
    );

    let (mut body, mut h) = c.prepare("tools/list", json!({}));
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("1999-01-01");
    set_header(&mut h, "mcp-protocol-version", Some("1999-01-01"));
    let r = c.send(&body, &h).await?;
    let d = format!("tools/list at version 1999-01-01 -> {}", r.describe());
    let data = r
        .error()
        .and_then(|e| e.get("data"))
        .cloned()
        .unwrap_or(Value::Null);
    let ok = r.error_code() == Some(-32022)
        && data
            .get("supported")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
        && data.get("requested").and_then(Value::as_str) == Some("1999-01-01");
    cx.rec.check(&UNSUPPORTED_VERSION, ok, d.clone());
    if http {
        cx.rec.check(&UNSUPPORTED_400, r.status == Some(400), d);
    } else {
        cx.rec
            .skip(&UNSUPPORTED_400, "HTTP status codes need an HTTP server");
    }

    for m in [
        "ping",
        "logging/setLevel",
        "resources/subscribe",
        "resources/unsubscribe",
        "mcp-tasks-check/no-such-method",
    ] {
        let params = match m {
            "logging/setLevel" => json!({"level": "info"}),
            "resources/subscribe" | "resources/unsubscribe" => json!({"uri": "test://static-text"}),
            _ => json!({}),
        };
        let r = c.request(m, params).await?;
        session_ids.extend(r.header("mcp-session-id").map(str::to_owned));
        let ok = r.error_code() == Some(-32601) && (!http || r.status == Some(404));
        cx.rec
            .check(&REMOVED_404, ok, format!("{m} -> {}", r.describe()));
    }

    let plain = Modern::new(&cx.env, json!({}));
    let r = plain.call(&cx.env.tools.failing_job, json!({})).await?;
    if r.error_code() == Some(-32021) && http {
        cx.rec.check(
            &CAP_400,
            r.status == Some(400),
            format!(
                "tools/call {} without the extension -> {}",
                cx.env.tools.failing_job,
                r.describe()
            ),
        );
    } else if !http {
        cx.rec
            .skip(&CAP_400, "HTTP status codes need an HTTP server");
    } else {
        cx.rec
            .skip(&CAP_400, format!("no -32021 to inspect: {}", r.describe()));
    }
    if http {
        cx.rec.check(
            &NO_SESSION,
            session_ids.is_empty(),
            format!("Mcp-Session-Id headers on modern replies: {session_ids:?}"),
        );
    } else {
        cx.rec.skip(&NO_SESSION, "sessions are an HTTP notion");
    }
    let _ = short(&Value::Null);
    Ok(())
}
