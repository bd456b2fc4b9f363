//! Cases for sampling, elicitation, roots and MRTR (`InputRequest`/`InputResponse`).
//!
//! In 2025-11-25 `CreateMessageRequest`, `ElicitRequest` and `ListRootsRequest` are full
//! JSON-RPC requests: they are checked as `TypedRequest<ServerRequest>` (and, for what a
//! sender builds, as a [`JsonRpcRequest`] made from the typed params). In 2026-07-28 and the
//! extension they are the plain `{method, params}` objects of MRTR, i.e. variants of
//! [`InputRequest`]. The 2025-11-25 notifications likewise use `TypedNotification<..>`.

use mcp_tasks_types::elicitation::{
    BooleanSchema, ElicitRequestFormParams, ElicitRequestParams, ElicitRequestURLParams,
    ElicitResult, ElicitationCompleteNotificationParams, EnumSchema, LegacyTitledEnumSchema,
    MultiSelectEnumSchema, NumberSchema, PrimitiveSchemaDefinition, RequestedSchema,
    SingleSelectEnumSchema, StringSchema, TitledMultiSelectEnumSchema,
    TitledSingleSelectEnumSchema, UntitledMultiSelectEnumSchema, UntitledSingleSelectEnumSchema,
    UrlElicitationRequiredData,
};
use mcp_tasks_types::jsonrpc::{
    ErrorCode, ErrorObject, JsonRpcErrorResponse, JsonRpcNotification, JsonRpcRequest,
};
use mcp_tasks_types::messages::{
    ClientNotification, ServerNotification, ServerRequest, TypedNotification, TypedRequest,
};
use mcp_tasks_types::methods;
use mcp_tasks_types::mrtr::{
    InputRequest, InputRequests, InputRequiredResult, InputResponse, InputResponseRequestParams,
    InputResponses,
};
use mcp_tasks_types::roots::{ListRootsRequestParams, ListRootsResult, Root};
use mcp_tasks_types::sampling::{
    CreateMessageRequestParams, CreateMessageResult, ModelHint, ModelPreferences, SamplingMessage,
    SamplingMessageContentBlock, ToolChoice, ToolResultContent, ToolUseContent,
};
use serde_json::{Value, json};

use crate::harness::{Cases, Schema::*};

const ALL: &[crate::harness::Schema] = &[V2025, V2026, Ext];
const MODERN: &[crate::harness::Schema] = &[V2026, Ext];

pub(crate) fn cases(c: &mut Cases) {
    sampling(c);
    elicitation_fields(c);
    elicitation(c);
    roots(c);
    mrtr(c);
    rejections(c);
}

// ---------------------------------------------------------------------------------------
// Sampling

fn tool_use() -> Value {
    json!({"type": "tool_use", "id": "toolu_1", "name": "get_weather",
           "input": {"city": "Paris"}, "_meta": {"com.example/trace": "t1"}})
}

fn tool_result() -> Value {
    json!({"type": "tool_result", "toolUseId": "toolu_1",
           "content": [{"type": "text", "text": "18°C"}],
           "structuredContent": {"celsius": 18}, "isError": false,
           "_meta": {"com.example/trace": "t1"}})
}

fn sampling_params_full_modern() -> Value {
    json!({
        "messages": [
            {"role": "user", "content": {"type": "text", "text": "Weather in Paris?"}},
            {"role": "assistant", "content": [tool_use()]},
            {"role": "user", "content": [tool_result()], "_meta": {"com.example/k": 1}}
        ],
        "maxTokens": 512,
        "modelPreferences": {"hints": [{"name": "claude"}], "costPriority": 0.2,
                             "speedPriority": 0.5, "intelligencePriority": 0.9},
        "systemPrompt": "Be brief.",
        "includeContext": "thisServer",
        "temperature": 0.7,
        "stopSequences": ["\n\n"],
        "metadata": {"provider": {"x": 1}},
        "tools": [{"name": "get_weather", "description": "Weather",
                   "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
        "toolChoice": {"mode": "auto"}
    })
}

fn sampling_params_min() -> Value {
    json!({"messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}],
           "maxTokens": 100})
}

fn sampling(c: &mut Cases) {
    // CreateMessageRequestParams
    c.json_in::<CreateMessageRequestParams>(
        ALL,
        "CreateMessageRequestParams",
        sampling_params_min(),
    );
    c.json_in::<CreateMessageRequestParams>(
        MODERN,
        "CreateMessageRequestParams",
        sampling_params_full_modern(),
    );
    let mut full_2025 = sampling_params_full_modern();
    full_2025["task"] = json!({"ttl": 60000});
    full_2025["_meta"] = json!({"progressToken": "p1", "com.example/k": "v"});
    c.json::<CreateMessageRequestParams>(V2025, "CreateMessageRequestParams", full_2025.clone());

    // CreateMessageRequest: 2025 envelope, modern embedded request.
    for (id, params) in [(1, sampling_params_min()), (2, full_2025)] {
        c.json::<TypedRequest<ServerRequest>>(
            V2025,
            "CreateMessageRequest",
            json!({"jsonrpc": "2.0", "id": id, "method": "sampling/createMessage", "params": params}),
        );
    }
    let params = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("x")], 10)
        .with_system_prompt("s");
    let req = JsonRpcRequest::new("s3", methods::SAMPLING_CREATE_MESSAGE, &params).unwrap();
    c.value::<JsonRpcRequest>(V2025, "CreateMessageRequest", &req);
    c.json_in::<InputRequest>(
        MODERN,
        "CreateMessageRequest",
        json!({"method": "sampling/createMessage", "params": sampling_params_min()}),
    );
    c.json_in::<InputRequest>(
        MODERN,
        "CreateMessageRequest",
        json!({"method": "sampling/createMessage", "params": sampling_params_full_modern()}),
    );

    // CreateMessageResult
    c.json_in::<CreateMessageResult>(
        ALL,
        "CreateMessageResult",
        json!({"role": "assistant", "content": {"type": "text", "text": "Sunny."}, "model": "m-1"}),
    );
    c.json_in::<CreateMessageResult>(
        ALL,
        "CreateMessageResult",
        json!({"role": "assistant",
               "content": [{"type": "text", "text": "Checking."}, tool_use()],
               "model": "m-1", "stopReason": "toolUse", "_meta": {"com.example/k": true}}),
    );
    c.value::<CreateMessageResult>(
        V2025,
        "CreateMessageResult",
        &CreateMessageResult::text("m", "x"),
    );

    // SamplingMessage
    c.value::<SamplingMessage>(V2025, "SamplingMessage", &SamplingMessage::user_text("hi"));
    c.json_in::<SamplingMessage>(
        ALL,
        "SamplingMessage",
        json!({"role": "user", "content": {"type": "text", "text": "hi"}}),
    );
    c.json_in::<SamplingMessage>(
        ALL,
        "SamplingMessage",
        json!({"role": "assistant", "content": [
            {"type": "text", "text": "a", "annotations": {"audience": ["user"], "priority": 0.5}},
            {"type": "image", "data": "AAAA", "mimeType": "image/png"},
            {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
            tool_use(), tool_result()
        ], "_meta": {"com.example/k": 1}}),
    );

    // SamplingMessageContentBlock: one instance per member.
    for block in [
        json!({"type": "text", "text": "a"}),
        json!({"type": "image", "data": "AAAA", "mimeType": "image/png"}),
        json!({"type": "audio", "data": "AAAA", "mimeType": "audio/wav"}),
        tool_use(),
        tool_result(),
    ] {
        c.json_in::<SamplingMessageContentBlock>(ALL, "SamplingMessageContentBlock", block);
    }

    // ToolUseContent / ToolResultContent: as members of the tagged union (the structs do not
    // carry the tag themselves).
    c.json_in::<SamplingMessageContentBlock>(
        ALL,
        "ToolUseContent",
        json!({"type": "tool_use", "id": "u", "name": "f", "input": {}}),
    );
    c.json_in::<SamplingMessageContentBlock>(ALL, "ToolUseContent", tool_use());
    c.json_in::<SamplingMessageContentBlock>(
        ALL,
        "ToolResultContent",
        json!({"type": "tool_result", "toolUseId": "u", "content": []}),
    );
    c.json_in::<SamplingMessageContentBlock>(ALL, "ToolResultContent", tool_result());
    // 2026-07-28 allows any structured value (2025-11-25: objects only), and keeps null.
    c.json_in::<SamplingMessageContentBlock>(
        MODERN,
        "ToolResultContent",
        json!({"type": "tool_result", "toolUseId": "u", "content": [], "structuredContent": [1, 2]}),
    );
    c.json_in::<SamplingMessageContentBlock>(
        MODERN,
        "ToolResultContent",
        json!({"type": "tool_result", "toolUseId": "u", "content": [], "structuredContent": null}),
    );
    // The constructors build the same shapes.
    let mut input = serde_json::Map::new();
    input.insert("city".into(), json!("Paris"));
    c.value::<SamplingMessageContentBlock>(
        V2026,
        "ToolUseContent",
        &SamplingMessageContentBlock::ToolUse(ToolUseContent::new("u2", "get_weather", input)),
    );
    c.value::<SamplingMessageContentBlock>(
        V2026,
        "ToolResultContent",
        &SamplingMessageContentBlock::ToolResult(ToolResultContent::new(
            "u2",
            vec![mcp_tasks_types::content::ContentBlock::text("ok")],
        )),
    );

    // ModelPreferences, ModelHint, ToolChoice
    c.json_in::<ModelPreferences>(ALL, "ModelPreferences", json!({}));
    c.json_in::<ModelPreferences>(
        ALL,
        "ModelPreferences",
        json!({"hints": [{"name": "claude-3"}, {}], "costPriority": 0.0,
               "speedPriority": 1.0, "intelligencePriority": 0.5}),
    );
    c.json_in::<ModelHint>(ALL, "ModelHint", json!({}));
    c.value::<ModelHint>(V2025, "ModelHint", &ModelHint::new("sonnet"));
    c.json_in::<ModelHint>(MODERN, "ModelHint", json!({"name": "sonnet"}));
    c.json_in::<ToolChoice>(ALL, "ToolChoice", json!({}));
    for mode in ["auto", "required", "none"] {
        c.json_in::<ToolChoice>(ALL, "ToolChoice", json!({"mode": mode}));
    }
}

// ---------------------------------------------------------------------------------------
// Elicitation form field schemas

fn string_full() -> Value {
    json!({"type": "string", "title": "Email", "description": "Work email",
           "minLength": 3, "maxLength": 64, "format": "email", "default": "a@b.example"})
}
fn number_full() -> Value {
    json!({"type": "number", "title": "Ratio", "description": "0..1",
           "minimum": 0, "maximum": 1.5, "default": 0.5})
}
fn boolean_full() -> Value {
    json!({"type": "boolean", "title": "OK?", "description": "Confirm", "default": true})
}
fn untitled_single_full() -> Value {
    json!({"type": "string", "title": "Color", "description": "Pick one",
           "enum": ["red", "green"], "default": "red"})
}
fn titled_single_full() -> Value {
    json!({"type": "string", "title": "Color", "description": "Pick one",
           "oneOf": [{"const": "r", "title": "Red"}, {"const": "g", "title": "Green"}],
           "default": "g"})
}
fn untitled_multi_full() -> Value {
    json!({"type": "array", "title": "Tags", "description": "Pick some",
           "minItems": 1, "maxItems": 2,
           "items": {"type": "string", "enum": ["a", "b", "c"]}, "default": ["a"]})
}
fn titled_multi_full() -> Value {
    json!({"type": "array", "title": "Tags", "description": "Pick some",
           "minItems": 0, "maxItems": 3,
           "items": {"anyOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]},
           "default": ["a", "b"]})
}
fn legacy_full() -> Value {
    json!({"type": "string", "title": "Size", "description": "Pick one",
           "enum": ["s", "l"], "enumNames": ["Small", "Large"], "default": "s"})
}

fn elicitation_fields(c: &mut Cases) {
    c.json_in::<StringSchema>(ALL, "StringSchema", json!({"type": "string"}));
    c.json_in::<StringSchema>(ALL, "StringSchema", string_full());
    for f in ["uri", "date", "date-time"] {
        c.json_in::<StringSchema>(ALL, "StringSchema", json!({"type": "string", "format": f}));
    }
    c.json_in::<NumberSchema>(ALL, "NumberSchema", json!({"type": "integer"}));
    c.json_in::<NumberSchema>(ALL, "NumberSchema", json!({"type": "number"}));
    c.json_in::<NumberSchema>(ALL, "NumberSchema", number_full());
    c.json_in::<BooleanSchema>(ALL, "BooleanSchema", json!({"type": "boolean"}));
    c.json_in::<BooleanSchema>(ALL, "BooleanSchema", boolean_full());

    let untitled_single_min = json!({"type": "string", "enum": ["a"]});
    let titled_single_min = json!({"type": "string", "oneOf": [{"const": "a", "title": "A"}]});
    let untitled_multi_min = json!({"type": "array", "items": {"type": "string", "enum": ["a"]}});
    let titled_multi_min =
        json!({"type": "array", "items": {"anyOf": [{"const": "a", "title": "A"}]}});
    let legacy_min = json!({"type": "string", "enum": ["a"], "enumNames": ["A"]});

    for v in [untitled_single_min.clone(), untitled_single_full()] {
        c.json_in::<UntitledSingleSelectEnumSchema>(ALL, "UntitledSingleSelectEnumSchema", v);
    }
    for v in [titled_single_min.clone(), titled_single_full()] {
        c.json_in::<TitledSingleSelectEnumSchema>(ALL, "TitledSingleSelectEnumSchema", v);
    }
    for v in [untitled_multi_min.clone(), untitled_multi_full()] {
        c.json_in::<UntitledMultiSelectEnumSchema>(ALL, "UntitledMultiSelectEnumSchema", v);
    }
    for v in [titled_multi_min.clone(), titled_multi_full()] {
        c.json_in::<TitledMultiSelectEnumSchema>(ALL, "TitledMultiSelectEnumSchema", v);
    }
    // LegacyTitledEnumSchema: `enumNames` is optional in the schema, but without it the
    // shape is an untitled single-select, which is how it decodes.
    for v in [
        json!({"type": "string", "enum": ["a"]}),
        legacy_min.clone(),
        legacy_full(),
    ] {
        c.json_in::<LegacyTitledEnumSchema>(ALL, "LegacyTitledEnumSchema", v);
    }

    // The unions (EnumSchema, SingleSelect and MultiSelect exist only in the core schemas).
    let core = &[V2025, V2026];
    for v in [untitled_single_min.clone(), titled_single_full()] {
        c.json_in::<SingleSelectEnumSchema>(core, "SingleSelectEnumSchema", v);
    }
    for v in [untitled_multi_min.clone(), titled_multi_full()] {
        c.json_in::<MultiSelectEnumSchema>(core, "MultiSelectEnumSchema", v);
    }
    for v in [
        untitled_single_min,
        titled_single_min,
        untitled_multi_min,
        titled_multi_min,
        legacy_min,
        legacy_full(),
    ] {
        c.json_in::<EnumSchema>(core, "EnumSchema", v);
    }
    for v in [
        json!({"type": "string"}),
        string_full(),
        number_full(),
        boolean_full(),
        untitled_single_full(),
        titled_single_full(),
        untitled_multi_full(),
        titled_multi_full(),
        legacy_full(),
    ] {
        c.json_in::<PrimitiveSchemaDefinition>(ALL, "PrimitiveSchemaDefinition", v);
    }
}

// ---------------------------------------------------------------------------------------
// Elicitation requests and results

fn requested_schema_full() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "email": string_full(), "ratio": number_full(), "ok": boolean_full(),
            "color": titled_single_full(), "tags": untitled_multi_full(), "size": legacy_full()
        },
        "required": ["email", "ok"]
    })
}

fn form_min() -> Value {
    json!({"message": "Who are you?",
           "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}})
}
fn form_full_modern() -> Value {
    json!({"mode": "form", "message": "Settings", "requestedSchema": requested_schema_full()})
}
fn form_full_2025() -> Value {
    let mut v = form_full_modern();
    v["task"] = json!({"ttl": 30000});
    v["_meta"] = json!({"progressToken": 7});
    v
}
fn url_min_modern() -> Value {
    json!({"mode": "url", "message": "Sign in", "url": "https://auth.example/start"})
}
fn url_min_2025() -> Value {
    let mut v = url_min_modern();
    v["elicitationId"] = json!("el-1");
    v
}
fn url_full_2025() -> Value {
    let mut v = url_min_2025();
    v["task"] = json!({});
    v["_meta"] = json!({"progressToken": "p", "com.example/k": 1});
    v
}

fn elicitation(c: &mut Cases) {
    // Form params
    c.json_in::<ElicitRequestFormParams>(ALL, "ElicitRequestFormParams", form_min());
    c.json_in::<ElicitRequestFormParams>(MODERN, "ElicitRequestFormParams", form_full_modern());
    c.json::<ElicitRequestFormParams>(V2025, "ElicitRequestFormParams", form_full_2025());
    c.value::<ElicitRequestFormParams>(
        V2026,
        "ElicitRequestFormParams",
        &ElicitRequestFormParams::new(
            "Choose",
            RequestedSchema::new()
                .required_property("n", NumberSchema::integer().title("N"))
                .property("b", BooleanSchema::new()),
        ),
    );

    // URL params (2025-11-25 requires elicitationId; 2026-07-28 has none)
    c.json::<ElicitRequestURLParams>(V2025, "ElicitRequestURLParams", url_min_2025());
    c.json::<ElicitRequestURLParams>(V2025, "ElicitRequestURLParams", url_full_2025());
    c.json_in::<ElicitRequestURLParams>(MODERN, "ElicitRequestURLParams", url_min_modern());
    c.value::<ElicitRequestURLParams>(
        V2026,
        "ElicitRequestURLParams",
        &ElicitRequestURLParams::new("Pay", "https://pay.example/checkout?x=1"),
    );
    c.json::<ElicitRequestURLParams>(
        Ext,
        "ElicitRequestURLParams",
        json!({"mode": "url", "message": "Pay", "url": "https://pay.example/checkout"}),
    );

    // The params union
    for v in [
        form_min(),
        form_full_2025(),
        url_min_2025(),
        url_full_2025(),
    ] {
        c.json::<ElicitRequestParams>(V2025, "ElicitRequestParams", v);
    }
    for v in [form_min(), form_full_modern(), url_min_modern()] {
        c.json_in::<ElicitRequestParams>(MODERN, "ElicitRequestParams", v);
    }

    // ElicitRequest: 2025 envelope, modern embedded request.
    for (id, params) in [(1, form_min()), (2, form_full_2025()), (3, url_full_2025())] {
        c.json::<TypedRequest<ServerRequest>>(
            V2025,
            "ElicitRequest",
            json!({"jsonrpc": "2.0", "id": id, "method": "elicitation/create", "params": params}),
        );
    }
    let params: ElicitRequestParams = ElicitRequestURLParams::new("Go", "https://x.example").into();
    let mut req = JsonRpcRequest::new(4, methods::ELICITATION_CREATE, &params).unwrap();
    if let Some(p) = req.params.as_mut() {
        p.insert("elicitationId".into(), json!("el-4"));
    }
    c.value::<JsonRpcRequest>(V2025, "ElicitRequest", &req);
    for params in [form_min(), form_full_modern(), url_min_modern()] {
        c.json_in::<InputRequest>(
            MODERN,
            "ElicitRequest",
            json!({"method": "elicitation/create", "params": params}),
        );
    }

    // ElicitResult
    c.json_in::<ElicitResult>(ALL, "ElicitResult", json!({"action": "cancel"}));
    c.json_in::<ElicitResult>(ALL, "ElicitResult", json!({"action": "decline"}));
    c.json_in::<ElicitResult>(
        ALL,
        "ElicitResult",
        json!({"action": "accept",
               "content": {"email": "a@b.example", "n": 3, "ok": true, "tags": ["a", "b"]}}),
    );
    c.json::<ElicitResult>(
        V2025,
        "ElicitResult",
        json!({"action": "accept", "content": {"n": -1}, "_meta": {"com.example/k": 1}}),
    );
    c.value::<ElicitResult>(V2026, "ElicitResult", &ElicitResult::accept([("x", "y")]));

    // notifications/elicitation/complete and the -32042 error (2025-11-25 only)
    let n = JsonRpcNotification::new(
        methods::notifications::ELICITATION_COMPLETE,
        ElicitationCompleteNotificationParams::new("el-1"),
    )
    .unwrap();
    c.value::<JsonRpcNotification>(V2025, "ElicitationCompleteNotification", &n);
    c.json::<TypedNotification<ServerNotification>>(
        V2025,
        "ElicitationCompleteNotification",
        json!({"jsonrpc": "2.0", "method": "notifications/elicitation/complete",
               "params": {"elicitationId": "el-2", "_meta": {"com.example/k": 1}}}),
    );

    for (id, elicitations) in [
        (None, vec![]),
        (
            Some(9.into()),
            vec![serde_json::from_value::<ElicitRequestURLParams>(url_min_2025()).unwrap()],
        ),
    ] {
        let data = UrlElicitationRequiredData {
            elicitations,
            extra: Default::default(),
        };
        let err = ErrorObject::new(ErrorCode::URL_ELICITATION_REQUIRED, "Authorization needed")
            .with_data(&data);
        assert_eq!(err.data_as::<UrlElicitationRequiredData>(), Some(data));
        c.value::<JsonRpcErrorResponse>(
            V2025,
            "URLElicitationRequiredError",
            &JsonRpcErrorResponse::new(id, err),
        );
    }
}

// ---------------------------------------------------------------------------------------
// Roots

fn roots(c: &mut Cases) {
    c.json_in::<Root>(ALL, "Root", json!({"uri": "file:///home/u/project"}));
    c.json_in::<Root>(
        ALL,
        "Root",
        json!({"uri": "file:///home/u/project", "name": "Project", "_meta": {"com.example/k": 1}}),
    );
    c.value::<Root>(V2026, "Root", &Root::new("file:///tmp").with_name("Tmp"));

    c.json_in::<ListRootsResult>(ALL, "ListRootsResult", json!({"roots": []}));
    c.json_in::<ListRootsResult>(
        ALL,
        "ListRootsResult",
        json!({"roots": [{"uri": "file:///a"}, {"uri": "file:///b", "name": "B"}]}),
    );
    c.json::<ListRootsResult>(
        V2025,
        "ListRootsResult",
        json!({"roots": [{"uri": "file:///a"}], "_meta": {"com.example/k": 1}}),
    );

    // ListRootsRequest: 2025 envelope (params optional), modern embedded request.
    let req = JsonRpcRequest::new(1, methods::ROOTS_LIST, ()).unwrap();
    c.value::<JsonRpcRequest>(V2025, "ListRootsRequest", &req);
    c.json::<TypedRequest<ServerRequest>>(
        V2025,
        "ListRootsRequest",
        json!({"jsonrpc": "2.0", "id": "r2", "method": "roots/list",
               "params": {"_meta": {"progressToken": 3, "com.example/k": 1}}}),
    );
    let _: ListRootsRequestParams = serde_json::from_value(json!({"_meta": {}})).unwrap();
    c.json_in::<InputRequest>(MODERN, "ListRootsRequest", json!({"method": "roots/list"}));
    c.json_in::<InputRequest>(
        MODERN,
        "ListRootsRequest",
        json!({"method": "roots/list", "params": {"_meta": {"com.example/k": 1}}}),
    );

    // notifications/roots/list_changed (2025-11-25 only)
    let n = JsonRpcNotification::new(methods::notifications::ROOTS_LIST_CHANGED, ()).unwrap();
    c.value::<JsonRpcNotification>(V2025, "RootsListChangedNotification", &n);
    c.json::<TypedNotification<ClientNotification>>(
        V2025,
        "RootsListChangedNotification",
        json!({"jsonrpc": "2.0", "method": "notifications/roots/list_changed",
               "params": {"_meta": {"com.example/k": 1}}}),
    );
}

// ---------------------------------------------------------------------------------------
// MRTR

fn input_requests_full() -> Value {
    json!({
        "ask_name": {"method": "elicitation/create", "params": form_full_modern()},
        "login": {"method": "elicitation/create", "params": url_min_modern()},
        "summarize": {"method": "sampling/createMessage", "params": sampling_params_full_modern()},
        "roots": {"method": "roots/list"}
    })
}

fn input_responses_full() -> Value {
    json!({
        "ask_name": {"action": "accept", "content": {"email": "a@b.example", "ok": true}},
        "login": {"action": "accept"},
        "summarize": {"role": "assistant", "content": {"type": "text", "text": "Summary"},
                      "model": "m-1", "stopReason": "endTurn"},
        "roots": {"roots": [{"uri": "file:///a", "name": "A"}]}
    })
}

fn request_meta() -> Value {
    json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
           "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}}})
}

fn mrtr(c: &mut Cases) {
    // InputRequest: every kind.
    for (_, v) in input_requests_full().as_object().unwrap().clone() {
        c.json_in::<InputRequest>(MODERN, "InputRequest", v);
    }
    c.json_in::<InputRequest>(
        MODERN,
        "InputRequest",
        json!({"method": "roots/list", "params": {}}),
    );
    for r in [
        InputRequest::elicit_form(
            "Name?",
            RequestedSchema::new().required_property("name", StringSchema::new()),
        ),
        InputRequest::elicit_url("Sign in", "https://auth.example/"),
        InputRequest::sampling(CreateMessageRequestParams::new(
            vec![SamplingMessage::user_text("hi")],
            64,
        )),
        InputRequest::roots(),
    ] {
        c.value::<InputRequest>(V2026, "InputRequest", &r);
    }

    c.json_in::<InputRequests>(MODERN, "InputRequests", json!({}));
    c.json_in::<InputRequests>(MODERN, "InputRequests", input_requests_full());

    // InputResponse: every kind.
    for (_, v) in input_responses_full().as_object().unwrap().clone() {
        c.json_in::<InputResponse>(MODERN, "InputResponse", v);
    }
    c.json_in::<InputResponse>(MODERN, "InputResponse", json!({"action": "decline"}));
    c.json_in::<InputResponses>(MODERN, "InputResponses", json!({}));
    c.json_in::<InputResponses>(MODERN, "InputResponses", input_responses_full());

    // InputRequiredResult (2026-07-28 only; the extension's task uses InputRequests directly)
    c.json::<InputRequiredResult>(
        V2026,
        "InputRequiredResult",
        json!({"resultType": "input_required", "requestState": "opaque"}),
    );
    c.json::<InputRequiredResult>(
        V2026,
        "InputRequiredResult",
        json!({"resultType": "input_required", "inputRequests": {"r": {"method": "roots/list"}}}),
    );
    c.json::<InputRequiredResult>(
        V2026,
        "InputRequiredResult",
        json!({"resultType": "input_required", "inputRequests": input_requests_full(),
               "requestState": "eyJ2IjoxfQ",
               "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
    );
    c.value::<InputRequiredResult>(
        V2026,
        "InputRequiredResult",
        &InputRequiredResult::new([("k", InputRequest::roots())]).with_request_state("s"),
    );

    // InputResponseRequestParams (2026-07-28 only)
    c.json::<InputResponseRequestParams>(
        V2026,
        "InputResponseRequestParams",
        json!({"_meta": request_meta()}),
    );
    c.json::<InputResponseRequestParams>(
        V2026,
        "InputResponseRequestParams",
        json!({"_meta": request_meta(), "inputResponses": input_responses_full(),
               "requestState": "eyJ2IjoxfQ"}),
    );
}

// ---------------------------------------------------------------------------------------
// Invalid instances

fn rejections(c: &mut Cases) {
    c.reject::<InputRequest>(
        "input request with an unknown method",
        json!({"method": "ping"}),
        "unknown variant `ping`",
    );
    c.reject::<InputRequest>(
        "sampling input request without params",
        json!({"method": "sampling/createMessage"}),
        "missing field `params`",
    );
    c.reject::<InputResponse>(
        "input response of no known kind",
        json!({"resultType": "complete"}),
        "an input response must be",
    );
    c.reject::<InputRequiredResult>(
        "InputRequiredResult with neither requests nor state",
        json!({"resultType": "input_required"}),
        "needs `inputRequests`, `requestState` or both",
    );
    c.reject::<InputRequiredResult>(
        "InputRequiredResult with the wrong resultType",
        json!({"resultType": "complete", "requestState": "s"}),
        "expected \"input_required\"",
    );
    c.reject::<ElicitRequestParams>(
        "elicitation with an unknown mode",
        json!({"mode": "sms", "message": "m"}),
        "unknown elicitation mode",
    );
    c.reject::<ElicitRequestParams>(
        "URL elicitation without url",
        json!({"mode": "url", "message": "m"}),
        "missing field `url`",
    );
    c.reject::<PrimitiveSchemaDefinition>(
        "form field of an unsupported type",
        json!({"type": "object"}),
        "unsupported form field type",
    );
    c.reject::<PrimitiveSchemaDefinition>(
        "form field without type",
        json!({"title": "x"}),
        "needs a `type`",
    );
    c.reject::<RequestedSchema>(
        "requestedSchema that is not an object schema",
        json!({"type": "array", "properties": {}}),
        "expected \"object\"",
    );
    c.reject::<ElicitResult>(
        "elicit result with an unknown action",
        json!({"action": "maybe"}),
        "unknown variant `maybe`",
    );
    c.reject::<ElicitResult>(
        "elicit result with a nested object value",
        json!({"action": "accept", "content": {"x": {"y": 1}}}),
        "must be a string, number, boolean or array of strings",
    );
    c.reject::<SamplingMessageContentBlock>(
        "sampling block with an unknown type",
        json!({"type": "video", "data": ""}),
        "unknown variant `video`",
    );
    c.reject::<CreateMessageResult>(
        "sampling result without model",
        json!({"role": "assistant", "content": {"type": "text", "text": "t"}}),
        "missing field `model`",
    );
}
