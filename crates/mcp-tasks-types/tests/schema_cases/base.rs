//! Cases for the envelope, `_meta`, capabilities and the small shared shapes.

use mcp_tasks_types::base::{Icon, Implementation, LoggingLevel, Role};
use mcp_tasks_types::capabilities::{ClientCapabilities, ServerCapabilities};
use mcp_tasks_types::elicitation::{ElicitRequestURLParams, UrlElicitationRequiredData};
use mcp_tasks_types::jsonrpc::{
    Cursor, ErrorCode, ErrorObject, JsonObject, JsonRpcErrorResponse, JsonRpcMessage,
    JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, ProgressToken, RequestId,
};
use mcp_tasks_types::lifecycle::{NotificationMeta, ResultMeta};
use mcp_tasks_types::messages::Response;
use mcp_tasks_types::meta::{Meta, RequestMeta, ResultType};
use serde_json::{Value, json};

use crate::harness::{Cases, Schema::*};

pub(crate) fn cases(c: &mut Cases) {
    small_shapes(c);
    envelope(c);
    errors(c);
    json_values_and_meta(c);
    capabilities(c);
    rejections(c);
}

fn small_shapes(c: &mut Cases) {
    c.json_in::<Implementation>(
        &[V2025, V2026, Ext],
        "Implementation",
        json!({"name":"x","version":"1"}),
    );
    c.json_in::<Implementation>(&[V2025, V2026, Ext], "Implementation", json!({"name":"x","version":"1","title":"X","description":"d","websiteUrl":"https://x.example","icons":[{"src":"https://x.example/i.png","mimeType":"image/png","sizes":["48x48"],"theme":"dark"}]}));
    c.json_in::<Icon>(
        &[V2025, V2026, Ext],
        "Icon",
        json!({"src":"https://x.example/i.png"}),
    );
    c.json_in::<Icon>(&[V2025, V2026, Ext], "Icon", json!({"src":"data:image/png;base64,AAAA","mimeType":"image/png","sizes":["any"],"theme":"light"}));

    for level in [
        "debug",
        "info",
        "notice",
        "warning",
        "error",
        "critical",
        "alert",
        "emergency",
    ] {
        c.json_in::<LoggingLevel>(&[V2025, V2026], "LoggingLevel", json!(level));
    }
    for role in ["user", "assistant"] {
        c.json_in::<Role>(&[V2025, V2026, Ext], "Role", json!(role));
    }
    for id in [json!(1), json!("req-1"), json!(-7)] {
        c.json_in::<RequestId>(&[V2025, V2026, Ext], "RequestId", id.clone());
        c.json_in::<ProgressToken>(&[V2025, V2026], "ProgressToken", id);
    }
    c.json_in::<Cursor>(&[V2025, V2026], "Cursor", json!("c1"));
    c.json_in::<Cursor>(&[V2025, V2026], "Cursor", json!("eyJwYWdlIjoyfQ=="));
    for rt in ["complete", "input_required", "task", "x.example/custom"] {
        c.json::<ResultType>(V2026, "ResultType", json!(rt));
    }

    let why = "abstract mixin ({name, title?}); each concrete type (Implementation, Tool, \
               Prompt, Resource, ...) declares its own name/title fields";
    c.not_modelled(V2025, "BaseMetadata", why);
    c.not_modelled(V2026, "BaseMetadata", why);
    // No helper's area names `Icons`; it is the same kind of mixin, so it is listed here.
    let why = "abstract mixin ({icons?}); each concrete type (Implementation, Tool, Prompt, \
               Resource, ...) declares its own `icons: Option<Vec<Icon>>` field";
    c.not_modelled(V2025, "Icons", why);
    c.not_modelled(V2026, "Icons", why);
}

fn envelope(c: &mut Cases) {
    let all = [V2025, V2026, Ext];
    let both = [V2025, V2026];

    // One message of each kind, through the classifying decoder.
    let messages = [
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
        json!({"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"t","arguments":{"x":1}}}),
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
        json!({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":2}}),
        json!({"jsonrpc":"2.0","id":1,"result":{"resultType":"complete"}}),
        json!({"jsonrpc":"2.0","id":"b","result":{"resultType":"complete","tools":[],"_meta":{"k":"v"}}}),
        json!({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}}),
        json!({"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Unknown tool","data":{"name":"t"}}}),
    ];
    for m in &messages {
        c.json_in::<JsonRpcMessage>(&both, "JSONRPCMessage", m.clone());
    }
    for m in &messages[4..] {
        c.json_in::<Response>(&both, "JSONRPCResponse", m.clone());
    }
    // A legacy result needs no resultType.
    c.json::<JsonRpcMessage>(
        V2025,
        "JSONRPCMessage",
        json!({"jsonrpc":"2.0","id":2,"result":{}}),
    );
    c.json::<Response>(
        V2025,
        "JSONRPCResponse",
        json!({"jsonrpc":"2.0","id":2,"result":{}}),
    );

    c.json_in::<JsonRpcRequest>(
        &all,
        "JSONRPCRequest",
        json!({"jsonrpc":"2.0","id":1,"method":"ping"}),
    );
    c.json_in::<JsonRpcRequest>(
        &all,
        "JSONRPCRequest",
        json!({"jsonrpc":"2.0","id":"r-9","method":"tasks/get","params":{"taskId":"t1","_meta":{}}}),
    );
    c.json_in::<JsonRpcNotification>(
        &all,
        "JSONRPCNotification",
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    );
    c.json_in::<JsonRpcNotification>(
        &all,
        "JSONRPCNotification",
        json!({"jsonrpc":"2.0","method":"notifications/tasks","params":{"taskId":"t1","_meta":{"io.modelcontextprotocol/subscriptionId":5}}}),
    );
    c.json::<JsonRpcResponse>(
        V2025,
        "JSONRPCResultResponse",
        json!({"jsonrpc":"2.0","id":1,"result":{}}),
    );
    c.json_in::<JsonRpcResponse>(
        &both,
        "JSONRPCResultResponse",
        json!({"jsonrpc":"2.0","id":"x","result":{"resultType":"complete","_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"}},"tools":[]}}),
    );
    c.json::<JsonRpcResponse>(
        V2026,
        "JSONRPCResultResponse",
        json!({"jsonrpc":"2.0","id":1,"result":{"resultType":"complete"}}),
    );
    c.json_in::<JsonRpcErrorResponse>(
        &both,
        "JSONRPCErrorResponse",
        json!({"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid request"}}),
    );
    c.json_in::<JsonRpcErrorResponse>(
        &both,
        "JSONRPCErrorResponse",
        json!({"jsonrpc":"2.0","id":4,"error":{"code":-32603,"message":"boom","data":{"detail":["a",1]}}}),
    );
}

fn errors(c: &mut Cases) {
    c.json_in::<ErrorObject>(
        &[V2025, V2026, Ext],
        "Error",
        json!({"code":-32601,"message":"Method not found: x"}),
    );
    c.json_in::<ErrorObject>(
        &[V2025, V2026, Ext],
        "Error",
        json!({"code":1234,"message":"app error","data":"anything"}),
    );

    // The 2026-07-28 named error objects pin the code.
    let named = [
        ("ParseError", ErrorCode::PARSE_ERROR),
        ("InvalidRequestError", ErrorCode::INVALID_REQUEST),
        ("MethodNotFoundError", ErrorCode::METHOD_NOT_FOUND),
        ("InvalidParamsError", ErrorCode::INVALID_PARAMS),
        ("InternalError", ErrorCode::INTERNAL_ERROR),
    ];
    for (def, code) in named {
        c.value(V2026, def, &ErrorObject::new(code, "m"));
        c.value(
            V2026,
            def,
            &ErrorObject::new(code, "with data").with_data(json!({"why":"because"})),
        );
    }

    // Full error responses with typed data (2026-07-28).
    c.value(
        V2026,
        "HeaderMismatchError",
        &JsonRpcErrorResponse::new(
            None,
            ErrorObject::header_mismatch("Mcp-Method header does not match body"),
        ),
    );
    c.json::<JsonRpcErrorResponse>(
        V2026,
        "HeaderMismatchError",
        json!({"jsonrpc":"2.0","id":"r1","error":{"code":-32020,"message":"mismatch","data":{"header":"Mcp-Method","body":"tools/call"}}}),
    );
    c.value(
        V2026,
        "MissingRequiredClientCapabilityError",
        &JsonRpcErrorResponse::new(
            Some(RequestId::Number(1)),
            ErrorObject::missing_capability(
                "the tasks extension is required",
                ClientCapabilities::tasks_extension(),
            ),
        ),
    );
    c.json::<JsonRpcErrorResponse>(
        V2026,
        "MissingRequiredClientCapabilityError",
        json!({"jsonrpc":"2.0","error":{"code":-32021,"message":"needs sampling","data":{"requiredCapabilities":{"sampling":{"tools":{}}}}}}),
    );
    c.value(
        V2026,
        "UnsupportedProtocolVersionError",
        &JsonRpcErrorResponse::new(
            Some(RequestId::from("a")),
            ErrorObject::unsupported_version("1999-01-01", vec!["2026-07-28".into()]),
        ),
    );
    c.json::<JsonRpcErrorResponse>(
        V2026,
        "UnsupportedProtocolVersionError",
        json!({"jsonrpc":"2.0","error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2025-11-25","2026-07-28"],"requested":"2027-01-01"}}}),
    );
    c.json::<JsonRpcErrorResponse>(
        V2025,
        "URLElicitationRequiredError",
        json!({"jsonrpc":"2.0","error":{"code":-32042,"message":"auth needed","data":{"elicitations":[]}}}),
    );
    c.json::<JsonRpcErrorResponse>(
        V2025,
        "URLElicitationRequiredError",
        json!({"jsonrpc":"2.0","id":9,"error":{"code":-32042,"message":"auth needed","data":{
            "elicitations":[{"mode":"url","message":"Sign in","url":"https://x.example/auth","elicitationId":"e1"}],
            "hint":"extra keys are allowed"}}}),
    );
    // The typed data of -32042 (owned by the elicitation area) goes through `with_data`.
    let mut url = ElicitRequestURLParams::new("Authorize access", "https://x.example/oauth");
    url.elicitation_id = Some("e-2".into());
    c.value(
        V2025,
        "URLElicitationRequiredError",
        &JsonRpcErrorResponse::new(
            Some(RequestId::from("call-1")),
            ErrorObject::new(ErrorCode::URL_ELICITATION_REQUIRED, "authorization needed")
                .with_data(UrlElicitationRequiredData {
                    elicitations: vec![url],
                    extra: JsonObject::new(),
                }),
        ),
    );
}

fn json_values_and_meta(c: &mut Cases) {
    let modern = [V2026, Ext];
    for v in [
        json!("s"),
        json!(42),
        json!(true),
        json!([1, "a", [false]]),
        json!({"a":{"b":[1,2]},"c":"d"}),
    ] {
        c.json_in::<Value>(&modern, "JSONValue", v);
    }
    c.json_in::<JsonObject>(&modern, "JSONObject", json!({}));
    c.json_in::<JsonObject>(&modern, "JSONObject", json!({"k":[1,{"n":true}],"s":"x"}));
    c.json::<Vec<Value>>(V2026, "JSONArray", json!([]));
    c.json::<Vec<Value>>(V2026, "JSONArray", json!([1, "two", {"three":[3]}]));

    c.json_in::<Meta>(&modern, "MetaObject", json!({}));
    c.json_in::<Meta>(
        &modern,
        "MetaObject",
        json!({"x.example/k":1,"traceparent":"00-abc-def-01"}),
    );

    c.json::<RequestMeta>(
        V2026,
        "RequestMetaObject",
        json!({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}),
    );
    c.json::<RequestMeta>(
        V2026,
        "RequestMetaObject",
        json!({
            "io.modelcontextprotocol/protocolVersion":"2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}},"elicitation":{"form":{}}},
            "io.modelcontextprotocol/clientInfo":{"name":"c","version":"0.1"},
            "io.modelcontextprotocol/logLevel":"warning",
            "progressToken":"p1",
            "traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "x.example/app":{"a":1}
        }),
    );
    c.value(
        V2026,
        "RequestMetaObject",
        &RequestMeta::modern("2026-07-28", ClientCapabilities::tasks_extension()),
    );

    c.json_in::<ResultMeta>(&modern, "ResultMetaObject", json!({}));
    c.json_in::<ResultMeta>(
        &modern,
        "ResultMetaObject",
        json!({"io.modelcontextprotocol/serverInfo":{"name":"s","version":"2","title":"S"},"x.example/k":"v"}),
    );
    c.json_in::<NotificationMeta>(&modern, "NotificationMetaObject", json!({}));
    c.json_in::<NotificationMeta>(
        &modern,
        "NotificationMetaObject",
        json!({"io.modelcontextprotocol/subscriptionId":"listen-1","x.example/k":[1]}),
    );
    c.value(
        V2026,
        "NotificationMetaObject",
        &NotificationMeta::for_subscription(RequestId::Number(3)),
    );
}

fn capabilities(c: &mut Cases) {
    c.json_in::<ClientCapabilities>(&[V2025, V2026], "ClientCapabilities", json!({}));
    c.json::<ClientCapabilities>(
        V2025,
        "ClientCapabilities",
        json!({
            "experimental":{"x.example/feature":{"on":true}},
            "roots":{"listChanged":true},
            "sampling":{"context":{},"tools":{}},
            "elicitation":{"form":{},"url":{}},
            "tasks":{"list":{},"cancel":{},"requests":{"sampling":{"createMessage":{}},"elicitation":{"create":{}}}}
        }),
    );
    c.json::<ClientCapabilities>(
        V2026,
        "ClientCapabilities",
        json!({
            "experimental":{"x.example/feature":{"on":true}},
            "extensions":{"io.modelcontextprotocol/tasks":{},"x.example/ext":{"level":2}},
            "roots":{},
            "sampling":{"context":{},"tools":{}},
            "elicitation":{"form":{},"url":{}}
        }),
    );
    c.value(
        V2026,
        "ClientCapabilities",
        &ClientCapabilities::tasks_extension(),
    );

    c.json_in::<ServerCapabilities>(&[V2025, V2026], "ServerCapabilities", json!({}));
    c.json::<ServerCapabilities>(
        V2025,
        "ServerCapabilities",
        json!({
            "experimental":{"x.example/feature":{}},
            "logging":{},
            "completions":{},
            "prompts":{"listChanged":true},
            "resources":{"subscribe":true,"listChanged":false},
            "tools":{"listChanged":true},
            "tasks":{"list":{},"cancel":{},"requests":{"tools":{"call":{}}}}
        }),
    );
    c.json::<ServerCapabilities>(
        V2026,
        "ServerCapabilities",
        json!({
            "experimental":{"x.example/feature":{}},
            "extensions":{"io.modelcontextprotocol/tasks":{}},
            "logging":{},
            "completions":{},
            "prompts":{"listChanged":true},
            "resources":{"subscribe":true,"listChanged":true},
            "tools":{"listChanged":false}
        }),
    );
}

fn rejections(c: &mut Cases) {
    c.reject::<JsonRpcRequest>(
        "JSON-RPC 1.0 request",
        json!({"jsonrpc":"1.0","id":1,"method":"ping"}),
        "jsonrpc must be \"2.0\"",
    );
    c.reject::<JsonRpcMessage>(
        "message that is neither request, notification nor response",
        json!({"jsonrpc":"2.0","id":1}),
        "needs `method`, `result` or `error`",
    );
    c.reject::<RequestId>("null request id", json!(null), "did not match any variant");
    c.reject::<LoggingLevel>("unknown log level", json!("verbose"), "unknown variant");
    c.reject::<Role>("unknown role", json!("system"), "unknown variant");
    c.reject::<Response>(
        "a request where a response is expected",
        json!({"jsonrpc":"2.0","id":1,"method":"ping"}),
        "`result` or `error`",
    );
}
