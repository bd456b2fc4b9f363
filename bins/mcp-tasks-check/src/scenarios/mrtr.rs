//! Multi Round-Trip Requests (SEP-2322; TASKS_CHECKS.md §5) on the 2026-07-28 wire.

use serde_json::{Value, json};

use super::{Cx, Needs, Scenario};
use crate::model::{CheckDef, check};
use crate::net::Reply;
use crate::peer::{Modern, has_content};

check!(
    RT_INCLUDED,
    "sep-2322-result-type-included",
    Must,
    "SEP-2322 ResultType",
    "The resultType field MUST be included: an InputRequiredResult says \"input_required\"."
);
check!(
    ELICIT_INC,
    "sep-2322-elicitation-incomplete",
    Must,
    "SEP-2322 Server Requirements",
    "inputRequests values MUST be ElicitRequest, CreateMessageRequest or ListRootsRequest (elicitation: key user_name, method elicitation/create)."
);
check!(
    ELICIT_DONE,
    "sep-2322-elicitation-complete",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "The retry with the elicitation answer completes with content."
);
check!(
    SAMPLING_INC,
    "sep-2322-sampling-incomplete",
    Must,
    "SEP-2322 Server Requirements",
    "inputRequests values MUST be one of the three request kinds (sampling: method sampling/createMessage)."
);
check!(
    SAMPLING_DONE,
    "sep-2322-sampling-complete",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "The retry with the sampling answer completes with content."
);
check!(
    ROOTS_INC,
    "sep-2322-list-roots-incomplete",
    Must,
    "SEP-2322 Server Requirements",
    "inputRequests values MUST be one of the three request kinds (roots: method roots/list)."
);
check!(
    ROOTS_DONE,
    "sep-2322-list-roots-complete",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "The retry with the roots answer completes with content."
);
check!(
    STATE_INC,
    "sep-2322-request-state-incomplete",
    Must,
    "SEP-2322 Server Requirements",
    "Servers MUST include at least one of inputRequests or requestState in every InputRequiredResult (here: a string requestState)."
);
check!(
    STATE_DONE,
    "sep-2322-request-state-complete",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "The retry echoing requestState completes (the fixture reports \"state-ok\")."
);
check!(
    MULTI_INC,
    "sep-2322-multiple-inputs-incomplete",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "One InputRequiredResult can ask for elicitation, sampling and roots at once."
);
check!(
    MULTI_DONE,
    "sep-2322-multiple-inputs-complete",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "Answering every input request completes the call."
);
check!(
    ROUND1,
    "sep-2322-multi-round-r1",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "Round 1 is an InputRequiredResult with a requestState."
);
check!(
    ROUND2,
    "sep-2322-multi-round-r2",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "Round 2 asks again, with a different requestState."
);
check!(
    ROUND3,
    "sep-2322-multi-round-r3",
    Must,
    "SEP-2322 Basic Workflow (flow gate)",
    "Round 3 completes."
);
check!(
    MISSING_REREQUESTS,
    "sep-2322-missing-response-rerequests",
    Should,
    "SEP-2322 Error Handling",
    "If the client did not send the needed information, the server SHOULD respond with a new InputRequiredResult rather than an error."
);
check!(
    NON_TOOL_INC,
    "sep-2322-non-tool-incomplete",
    Must,
    "SEP-2322 Supported Requests (flow gate)",
    "prompts/get can answer with an InputRequiredResult."
);
check!(
    NON_TOOL_DONE,
    "sep-2322-non-tool-complete",
    Must,
    "SEP-2322 Supported Requests (flow gate)",
    "The prompts/get retry completes with messages."
);
check!(
    NOT_ON_UNSUPPORTED,
    "sep-2322-not-on-unsupported-requests",
    Must,
    "SEP-2322 Supported Requests",
    "Servers MUST NOT send InputRequiredResult responses on other requests (tools/list, prompts/list)."
);
check!(
    TAMPERED,
    "sep-2322-reject-tampered-state",
    Must,
    "SEP-2322 Server Requirements",
    "Servers MUST protect requestState integrity and MUST reject state that fails verification (a JSON-RPC error)."
);
check!(
    RESPECT_CAPS,
    "sep-2322-respect-client-capabilities",
    Must,
    "SEP-2322 Server Requirements",
    "Servers MUST NOT send an inputRequest the client did not declare in this request's capabilities."
);
check!(
    IGNORE_EXTRA,
    "sep-2322-ignore-unexpected-params",
    Should,
    "SEP-2322 Error Handling",
    "Unexpected extra inputResponses keys SHOULD be ignored."
);
check!(
    VALIDATE_INPUT,
    "sep-2322-validate-input-responses",
    Should,
    "SEP-2322 Error Handling",
    "Servers SHOULD validate inputResponses (a malformed answer is not silently accepted)."
);
check!(
    PROTOCOL_ERROR,
    "sep-2322-error-on-protocol-error",
    Should,
    "SEP-2322 Error Handling",
    "Protocol errors (e.g. inputResponses: null) SHOULD return a JSON-RPC error (or a fresh InputRequiredResult), never a silent success."
);

pub(super) fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "mrtr",
        group: "mrtr",
        description: "InputRequiredResult rounds on tools/call and prompts/get (the official input-required-result-* scenarios).",
        needs: Needs::Any,
        checks: &[
            &RT_INCLUDED,
            &ELICIT_INC,
            &ELICIT_DONE,
            &SAMPLING_INC,
            &SAMPLING_DONE,
            &ROOTS_INC,
            &ROOTS_DONE,
            &STATE_INC,
            &STATE_DONE,
            &MULTI_INC,
            &MULTI_DONE,
            &ROUND1,
            &ROUND2,
            &ROUND3,
            &MISSING_REREQUESTS,
            &NON_TOOL_INC,
            &NON_TOOL_DONE,
            &NOT_ON_UNSUPPORTED,
            &TAMPERED,
            &RESPECT_CAPS,
            &IGNORE_EXTRA,
            &VALIDATE_INPUT,
            &PROTOCOL_ERROR,
        ],
        run: |cx| Box::pin(run(cx)),
    }]
}

fn rt(r: &Reply) -> Option<&str> {
    r.result()
        .and_then(|x| x.get("resultType"))
        .and_then(Value::as_str)
}

fn is_input_required(r: &Reply) -> bool {
    rt(r) == Some("input_required")
}

/// Complete = a result that is not input_required (TASKS_CHECKS.md §5).
fn is_complete(r: &Reply) -> bool {
    r.result().is_some() && !is_input_required(r)
}

fn requests(r: &Reply) -> serde_json::Map<String, Value> {
    r.result()
        .and_then(|x| x.get("inputRequests"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn methods(r: &Reply) -> Vec<String> {
    requests(r)
        .values()
        .filter_map(|v| v.get("method").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn answer_for(method: &str) -> Value {
    match method {
        "sampling/createMessage" => {
            json!({"role": "assistant", "content": {"type": "text", "text": "Hello from the checker"}, "model": "test-model", "stopReason": "endTurn"})
        }
        "roots/list" => json!({"roots": [{"uri": "file:///test/root", "name": "Test Root"}]}),
        _ => {
            json!({"action": "accept", "content": {"name": "Alice", "ok": true, "confirm": true, "color": "blue", "context": "testing"}})
        }
    }
}

fn answers(r: &Reply) -> Value {
    Value::Object(
        requests(r)
            .into_iter()
            .map(|(k, v)| {
                let m = v
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                (k, answer_for(&m))
            })
            .collect(),
    )
}

async fn retry(
    c: &Modern,
    method: &str,
    mut params: Value,
    prev: &Reply,
    responses: Value,
) -> Result<Reply, String> {
    params["inputResponses"] = responses;
    if let Some(s) = prev.result().and_then(|x| x.get("requestState")) {
        params["requestState"] = s.clone();
    }
    c.request(method, params).await
}

async fn basic(
    cx: &mut Cx,
    c: &Modern,
    tool: &str,
    method: &str,
    inc: &'static CheckDef,
    done: &'static CheckDef,
) -> Result<Reply, String> {
    let params = json!({"name": tool, "arguments": {}});
    let r1 = c.request("tools/call", params.clone()).await?;
    let d1 = format!("tools/call {tool} -> {}", r1.describe());
    let ok = is_input_required(&r1)
        && methods(&r1).iter().any(|m| m == method)
        && (method != "elicitation/create"
            || requests(&r1)
                .get("user_name")
                .and_then(|v| v.get("method"))
                .and_then(Value::as_str)
                == Some(method));
    cx.rec.check(inc, ok, d1.clone());
    if !is_input_required(&r1) {
        cx.rec.skip(done, format!("no InputRequiredResult: {d1}"));
        return Ok(r1);
    }
    let r2 = retry(c, "tools/call", params, &r1, answers(&r1)).await?;
    cx.rec.check(
        done,
        is_complete(&r2) && r2.result().is_some_and(has_content),
        format!("retry with answers -> {}", r2.describe()),
    );
    Ok(r1)
}

async fn run(cx: &mut Cx) -> Result<(), String> {
    let p = cx.env.tools.mrtr_prefix.clone();
    let tool = |s: &str| format!("{p}{s}");
    let c = Modern::new(
        &cx.env,
        json!({"sampling": {}, "elicitation": {}, "roots": {"listChanged": true}}),
    );

    let r1 = basic(
        cx,
        &c,
        &tool("elicitation"),
        "elicitation/create",
        &ELICIT_INC,
        &ELICIT_DONE,
    )
    .await?;
    cx.rec.check(
        &RT_INCLUDED,
        rt(&r1) == Some("input_required"),
        format!("tools/call {} -> {}", tool("elicitation"), r1.describe()),
    );
    basic(
        cx,
        &c,
        &tool("sampling"),
        "sampling/createMessage",
        &SAMPLING_INC,
        &SAMPLING_DONE,
    )
    .await?;
    basic(
        cx,
        &c,
        &tool("list_roots"),
        "roots/list",
        &ROOTS_INC,
        &ROOTS_DONE,
    )
    .await?;

    // requestState round trip.
    let params = json!({"name": tool("request_state"), "arguments": {}});
    let r1 = c.request("tools/call", params.clone()).await?;
    let has_state = r1
        .result()
        .and_then(|x| x.get("requestState"))
        .is_some_and(Value::is_string);
    cx.rec.check(
        &STATE_INC,
        is_input_required(&r1) && has_state && !requests(&r1).is_empty(),
        format!("tools/call {} -> {}", tool("request_state"), r1.describe()),
    );
    if is_input_required(&r1) {
        let r2 = retry(&c, "tools/call", params, &r1, answers(&r1)).await?;
        let text = r2.result().and_then(crate::peer::first_text).unwrap_or("");
        cx.rec.check(
            &STATE_DONE,
            is_complete(&r2) && text.contains("state-ok"),
            format!("retry echoing requestState -> {}", r2.describe()),
        );
    } else {
        cx.rec.skip(&STATE_DONE, "no InputRequiredResult");
    }

    // Several inputs at once.
    let params = json!({"name": tool("multiple_inputs"), "arguments": {}});
    let r1 = c.request("tools/call", params.clone()).await?;
    let m = methods(&r1);
    let all3 = ["elicitation/create", "sampling/createMessage", "roots/list"]
        .iter()
        .all(|x| m.iter().any(|y| y == x));
    cx.rec.check(
        &MULTI_INC,
        is_input_required(&r1) && requests(&r1).len() >= 3 && all3,
        format!(
            "tools/call {} -> {}",
            tool("multiple_inputs"),
            r1.describe()
        ),
    );
    if is_input_required(&r1) {
        let r2 = retry(&c, "tools/call", params, &r1, answers(&r1)).await?;
        cx.rec.check(
            &MULTI_DONE,
            is_complete(&r2) && r2.result().is_some_and(has_content),
            format!("retry answering all -> {}", r2.describe()),
        );
    } else {
        cx.rec.skip(&MULTI_DONE, "no InputRequiredResult");
    }

    // Multi-round.
    let params = json!({"name": tool("multi_round"), "arguments": {}});
    let r1 = c.request("tools/call", params.clone()).await?;
    let s1 = r1.result().and_then(|x| x.get("requestState")).cloned();
    cx.rec.check(
        &ROUND1,
        is_input_required(&r1) && s1.is_some(),
        format!("round 1 -> {}", r1.describe()),
    );
    if is_input_required(&r1) {
        let r2 = retry(&c, "tools/call", params.clone(), &r1, answers(&r1)).await?;
        let s2 = r2.result().and_then(|x| x.get("requestState")).cloned();
        cx.rec.check(
            &ROUND2,
            is_input_required(&r2) && s2.is_some() && s2 != s1,
            format!("round 2 -> {}", r2.describe()),
        );
        if is_input_required(&r2) {
            let r3 = retry(&c, "tools/call", params, &r2, answers(&r2)).await?;
            cx.rec.check(
                &ROUND3,
                is_complete(&r3),
                format!("round 3 -> {}", r3.describe()),
            );
        } else {
            cx.rec
                .skip(&ROUND3, "round 2 was not an InputRequiredResult");
        }
    } else {
        cx.rec
            .skip(&ROUND2, "round 1 was not an InputRequiredResult");
        cx.rec
            .skip(&ROUND3, "round 1 was not an InputRequiredResult");
    }

    // Wrong key: ask again.
    let params = json!({"name": tool("elicitation"), "arguments": {}});
    let first = c.request("tools/call", params.clone()).await?;
    let r = retry(
        &c,
        "tools/call",
        params.clone(),
        &first,
        json!({"wrong_key": {"action": "accept", "content": {"name": "Alice"}}}),
    )
    .await?;
    cx.rec.check(
        &MISSING_REREQUESTS,
        is_input_required(&r),
        format!("retry with only an unknown key -> {}", r.describe()),
    );

    // prompts/get.
    let pp = json!({"name": cx.env.tools.mrtr_prompt, "arguments": {}});
    let r1 = c.request("prompts/get", pp.clone()).await?;
    cx.rec.check(
        &NON_TOOL_INC,
        is_input_required(&r1) && !requests(&r1).is_empty(),
        format!(
            "prompts/get {} -> {}",
            cx.env.tools.mrtr_prompt,
            r1.describe()
        ),
    );
    if is_input_required(&r1) {
        let r2 = retry(&c, "prompts/get", pp, &r1, answers(&r1)).await?;
        let ok = is_complete(&r2)
            && r2
                .result()
                .and_then(|x| x.get("messages"))
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
        cx.rec
            .check(&NON_TOOL_DONE, ok, format!("retry -> {}", r2.describe()));
    } else {
        cx.rec.skip(&NON_TOOL_DONE, "no InputRequiredResult");
    }

    // The rule forbids an InputRequiredResult there; an error (a server without prompts
    // answers prompts/list with -32601) is no such result, and proves nothing either way.
    for m in ["tools/list", "prompts/list"] {
        let r = c.request(m, json!({})).await?;
        let d = format!("{m} -> {}", r.describe());
        if is_input_required(&r) {
            cx.rec.violate(&NOT_ON_UNSUPPORTED, d);
        } else if r.result().is_some() {
            cx.rec.pass(&NOT_ON_UNSUPPORTED, d);
        } else {
            cx.rec
                .skip(&NOT_ON_UNSUPPORTED, format!("no result to judge: {d}"));
        }
    }

    // Tampered state.
    let params = json!({"name": tool("tampered_state"), "arguments": {}});
    let r1 = c.request("tools/call", params.clone()).await?;
    match r1
        .result()
        .and_then(|x| x.get("requestState"))
        .and_then(Value::as_str)
    {
        Some(s) => {
            let mut p2 = params.clone();
            p2["inputResponses"] = answers(&r1);
            p2["requestState"] = json!(format!("{s}-TAMPERED"));
            let r2 = c.request("tools/call", p2).await?;
            cx.rec.check(
                &TAMPERED,
                r2.error().is_some(),
                format!(
                    "retry with requestState + \"-TAMPERED\" -> {}",
                    r2.describe()
                ),
            );
        }
        None => cx.rec.violate(
            &TAMPERED,
            format!("no requestState to tamper with: {}", r1.describe()),
        ),
    }

    // Only sampling declared: no elicitation request.
    let sampling_only = Modern::new(&cx.env, json!({"sampling": {}}));
    let r = sampling_only.call(&tool("capabilities"), json!({})).await?;
    cx.rec.check(
        &RESPECT_CAPS,
        is_input_required(&r) && !methods(&r).iter().any(|m| m == "elicitation/create"),
        format!(
            "tools/call {} declaring only sampling -> {}",
            tool("capabilities"),
            r.describe()
        ),
    );

    // Extra keys ignored.
    let r = retry(&c, "tools/call", params_for(&tool("elicitation")), &first,
        json!({"user_name": {"action": "accept", "content": {"name": "Alice"}}, "unexpected_a": {"action": "accept", "content": {}}, "unexpected_b": {"roots": []}})).await?;
    cx.rec.check(
        &IGNORE_EXTRA,
        is_complete(&r),
        format!("retry with user_name + 2 unknown keys -> {}", r.describe()),
    );

    // Malformed answers.
    let r = retry(
        &c,
        "tools/call",
        params_for(&tool("elicitation")),
        &first,
        json!({"user_name": 12345}),
    )
    .await?;
    cx.rec.check(
        &VALIDATE_INPUT,
        !is_complete(&r),
        format!("inputResponses {{user_name: 12345}} -> {}", r.describe()),
    );
    let r = retry(
        &c,
        "tools/call",
        params_for(&tool("elicitation")),
        &first,
        Value::Null,
    )
    .await?;
    cx.rec.check(
        &PROTOCOL_ERROR,
        !is_complete(&r),
        format!("inputResponses: null -> {}", r.describe()),
    );
    Ok(())
}

fn params_for(tool: &str) -> Value {
    json!({"name": tool, "arguments": {}})
}
