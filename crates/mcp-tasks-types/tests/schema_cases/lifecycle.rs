//! Cases for lifecycle, utilities, subscriptions, completion and the message unions.

use mcp_tasks_types::base::{Implementation, LoggingLevel};
use mcp_tasks_types::capabilities::ServerCapabilities;
use mcp_tasks_types::completion::{
    CompleteRequest, CompleteRequestParams, CompleteResult, Completion, CompletionReference,
};
use mcp_tasks_types::jsonrpc::RequestId;
use mcp_tasks_types::lifecycle::{
    CacheScope, CacheableResult, CancelledNotification, CancelledNotificationParams,
    DiscoverRequest, DiscoverResult, EmptyResult, InitializeRequest, InitializeRequestParams,
    InitializeResult, InitializedNotification, LoggingMessageNotification,
    LoggingMessageNotificationParams, NotificationParams, PaginatedRequest, PaginatedRequestParams,
    PaginatedResult, PingRequest, ProgressNotification, ProgressNotificationParams,
    PromptListChangedNotification, RequestParams, ResourceListChangedNotification,
    RootsListChangedNotification, SetLevelRequest, SetLevelRequestParams,
    ToolListChangedNotification,
};
use mcp_tasks_types::messages::{
    ClientNotification, ClientRequest, ClientResult, InputRequiredOr, ResultResponse,
    ServerNotification, ServerRequest, ServerResult, TypedNotification, TypedRequest,
};
use mcp_tasks_types::prompt::{GetPromptResult, ListPromptsResult};
use mcp_tasks_types::resource::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult,
};
use mcp_tasks_types::subscriptions::{
    SubscriptionFilter, SubscriptionsAcknowledgedNotification,
    SubscriptionsAcknowledgedNotificationParams, SubscriptionsListenRequest,
    SubscriptionsListenRequestParams, SubscriptionsListenResult, SubscriptionsListenResultMeta,
};
use mcp_tasks_types::tool::{CallToolResult, ListToolsResult};
use serde_json::{Value, json};

use crate::harness::{Cases, Schema::*};

/// The required per-request `_meta` of 2026-07-28.
fn m26() -> Value {
    json!({"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}})
}

/// A per-request `_meta` with every key set.
fn m26_full() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}},
        "io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},
        "io.modelcontextprotocol/logLevel":"info",
        "progressToken":"p-1",
        "traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    })
}

fn server_info() -> Value {
    json!({"io.modelcontextprotocol/serverInfo":{"name":"srv","version":"1.2.3"}})
}

pub(crate) fn cases(c: &mut Cases) {
    base_shapes(c);
    lifecycle(c);
    utilities(c);
    subscriptions(c);
    completion(c);
    unions(c);
    result_responses(c);
    rejections(c);
}

fn base_shapes(c: &mut Cases) {
    let both = [V2025, V2026];
    // `Result` and `EmptyResult` (= `$ref Result`).
    for def in ["Result", "EmptyResult"] {
        c.json::<EmptyResult>(V2025, def, json!({}));
        c.json::<EmptyResult>(
            V2025,
            def,
            json!({"_meta":{"x.example/k":1},"anything":"else"}),
        );
        c.json::<EmptyResult>(V2026, def, json!({"resultType":"complete"}));
        c.value(V2026, def, &EmptyResult::complete());
        c.json::<EmptyResult>(
            V2026,
            def,
            json!({"resultType":"complete","_meta":server_info(),"x.example/extra":[1]}),
        );
    }
    c.json::<EmptyResult>(Ext, "Result", json!({"resultType":"complete"}));
    c.json::<EmptyResult>(
        Ext,
        "Result",
        json!({"resultType":"task","_meta":server_info(),"taskId":"t"}),
    );

    c.json::<CacheableResult>(
        V2026,
        "CacheableResult",
        json!({"ttlMs":0,"cacheScope":"private","resultType":"complete"}),
    );
    c.json::<CacheableResult>(
        V2026,
        "CacheableResult",
        json!({"ttlMs":60000,"cacheScope":"public","resultType":"complete","_meta":server_info(),"tools":[]}),
    );

    c.json::<RequestParams>(V2025, "RequestParams", json!({}));
    c.json::<RequestParams>(
        V2025,
        "RequestParams",
        json!({"_meta":{"progressToken":"p","x.example/k":true}}),
    );
    c.json::<RequestParams>(V2026, "RequestParams", json!({"_meta":m26()}));
    c.json::<RequestParams>(V2026, "RequestParams", json!({"_meta":m26_full()}));

    c.json_in::<NotificationParams>(&[V2025, V2026, Ext], "NotificationParams", json!({}));
    c.json::<NotificationParams>(
        V2025,
        "NotificationParams",
        json!({"_meta":{"x.example/k":"v"}}),
    );
    c.json_in::<NotificationParams>(
        &[V2026, Ext],
        "NotificationParams",
        json!({"_meta":{"io.modelcontextprotocol/subscriptionId":"L1","x.example/k":1}}),
    );
    c.value(
        V2026,
        "NotificationParams",
        &NotificationParams::for_subscription(RequestId::Number(4)),
    );

    // The abstract `{method, params?}` bases, as calls of the unions.
    c.json_in::<ClientRequest>(&both, "Request", json!({"method":"tools/list"}));
    c.json_in::<ClientRequest>(
        &both,
        "Request",
        json!({"method":"tools/call","params":{"name":"t","arguments":{"a":1}}}),
    );
    c.json::<ClientRequest>(
        V2026,
        "Request",
        json!({"method":"server/discover","params":{"_meta":m26()}}),
    );
    c.json_in::<ServerNotification>(
        &both,
        "Notification",
        json!({"method":"notifications/tools/list_changed"}),
    );
    c.json_in::<ServerNotification>(
        &both,
        "Notification",
        json!({"method":"notifications/progress","params":{"progressToken":1,"progress":0.5}}),
    );

    c.json::<PaginatedRequest>(
        V2025,
        "PaginatedRequest",
        json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}),
    );
    c.json::<PaginatedRequest>(
        V2025,
        "PaginatedRequest",
        json!({"jsonrpc":"2.0","id":"p2","method":"tasks/list","params":{"cursor":"c2","_meta":{"progressToken":7}}}),
    );
    c.json::<PaginatedRequest>(
        V2026,
        "PaginatedRequest",
        json!({"jsonrpc":"2.0","id":1,"method":"prompts/list","params":{"_meta":m26()}}),
    );
    c.json::<PaginatedRequest>(
        V2026,
        "PaginatedRequest",
        json!({"jsonrpc":"2.0","id":"x","method":"resources/list","params":{"cursor":"c","_meta":m26_full()}}),
    );
    c.json::<PaginatedRequestParams>(V2025, "PaginatedRequestParams", json!({}));
    c.json::<PaginatedRequestParams>(
        V2025,
        "PaginatedRequestParams",
        json!({"cursor":"abc","_meta":{"progressToken":"t"}}),
    );
    c.value(
        V2025,
        "PaginatedRequestParams",
        &PaginatedRequestParams::page("next"),
    );
    c.json::<PaginatedRequestParams>(V2026, "PaginatedRequestParams", json!({"_meta":m26()}));
    c.json::<PaginatedRequestParams>(
        V2026,
        "PaginatedRequestParams",
        json!({"cursor":"abc","_meta":m26_full(),"x.example/k":1}),
    );
    c.json::<PaginatedResult>(V2025, "PaginatedResult", json!({}));
    c.json::<PaginatedResult>(
        V2025,
        "PaginatedResult",
        json!({"nextCursor":"n","_meta":{},"tools":[]}),
    );
    c.json::<PaginatedResult>(V2026, "PaginatedResult", json!({"resultType":"complete"}));
    c.json::<PaginatedResult>(
        V2026,
        "PaginatedResult",
        json!({"resultType":"complete","nextCursor":"n","_meta":server_info(),"prompts":[]}),
    );
}

fn lifecycle(c: &mut Cases) {
    let params_min = json!({"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}});
    let params_full = json!({
        "protocolVersion":"2025-11-25",
        "capabilities":{"roots":{"listChanged":true},"sampling":{},"elicitation":{"form":{}},"tasks":{"list":{},"cancel":{}}},
        "clientInfo":{"name":"c","version":"1","title":"Client"},
        "_meta":{"progressToken":"init"},
        "x.example/extra":1
    });
    c.json::<InitializeRequestParams>(V2025, "InitializeRequestParams", params_min.clone());
    c.json::<InitializeRequestParams>(V2025, "InitializeRequestParams", params_full.clone());
    c.json::<InitializeRequest>(
        V2025,
        "InitializeRequest",
        json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":params_min}),
    );
    c.json::<InitializeRequest>(
        V2025,
        "InitializeRequest",
        json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":params_full}),
    );
    c.json::<InitializeResult>(
        V2025,
        "InitializeResult",
        json!({"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s","version":"1"}}),
    );
    c.json::<InitializeResult>(
        V2025,
        "InitializeResult",
        json!({"protocolVersion":"2025-06-18","capabilities":{"tools":{"listChanged":true},"logging":{},
               "tasks":{"list":{},"cancel":{},"requests":{"tools":{"call":{}}}}},
               "serverInfo":{"name":"s","version":"1","websiteUrl":"https://s.example"},
               "instructions":"Use the tools.","_meta":{"x.example/k":1}}),
    );
    c.value(
        V2025,
        "InitializeResult",
        &InitializeResult::new(
            "2025-11-25",
            ServerCapabilities::default(),
            Implementation::new("s", "2"),
        ),
    );
    c.json::<InitializedNotification>(
        V2025,
        "InitializedNotification",
        json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
    );
    c.json::<InitializedNotification>(
        V2025,
        "InitializedNotification",
        json!({"jsonrpc":"2.0","method":"notifications/initialized","params":{"_meta":{"k":"v"}}}),
    );
    c.json::<PingRequest>(
        V2025,
        "PingRequest",
        json!({"jsonrpc":"2.0","id":1,"method":"ping"}),
    );
    c.json::<PingRequest>(
        V2025,
        "PingRequest",
        json!({"jsonrpc":"2.0","id":"p","method":"ping","params":{"_meta":{"progressToken":1}}}),
    );

    c.json::<DiscoverRequest>(
        V2026,
        "DiscoverRequest",
        json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":m26()}}),
    );
    c.json::<DiscoverRequest>(
        V2026,
        "DiscoverRequest",
        json!({"jsonrpc":"2.0","id":"d","method":"server/discover","params":{"_meta":m26_full()}}),
    );
    let discover_min = json!({"supportedVersions":["2026-07-28"],"capabilities":{},"ttlMs":0,"cacheScope":"private","resultType":"complete"});
    let discover_full = json!({
        "supportedVersions":["2025-11-25","2026-07-28"],
        "capabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}},"tools":{"listChanged":true},"completions":{}},
        "instructions":"Long calls run as tasks.",
        "ttlMs":300000,"cacheScope":"public","resultType":"complete",
        "_meta":server_info(),
        "x.example/extra":true
    });
    c.json::<DiscoverResult>(V2026, "DiscoverResult", discover_min.clone());
    c.json::<DiscoverResult>(V2026, "DiscoverResult", discover_full.clone());
    let mut built = DiscoverResult::new(
        vec!["2026-07-28".into()],
        ServerCapabilities {
            extensions: Some(
                [(
                    "io.modelcontextprotocol/tasks".to_owned(),
                    Default::default(),
                )]
                .into(),
            ),
            ..Default::default()
        },
    )
    .with_server_info(Implementation::new("srv", "1"));
    built.cache_scope = CacheScope::Public;
    c.value(V2026, "DiscoverResult", &built);
    c.json::<ResultResponse<DiscoverResult>>(
        V2026,
        "DiscoverResultResponse",
        json!({"jsonrpc":"2.0","id":1,"result":discover_min}),
    );
    c.json::<ResultResponse<DiscoverResult>>(
        V2026,
        "DiscoverResultResponse",
        json!({"jsonrpc":"2.0","id":"d","result":discover_full}),
    );
}

fn utilities(c: &mut Cases) {
    let both = [V2025, V2026];

    c.json::<SetLevelRequestParams>(V2025, "SetLevelRequestParams", json!({"level":"debug"}));
    c.json::<SetLevelRequestParams>(
        V2025,
        "SetLevelRequestParams",
        json!({"level":"emergency","_meta":{"progressToken":"x"},"x.example/k":1}),
    );
    c.json::<SetLevelRequest>(
        V2025,
        "SetLevelRequest",
        json!({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"info"}}),
    );
    c.value(
        V2025,
        "SetLevelRequest",
        &SetLevelRequest::new("lvl", SetLevelRequestParams::new(LoggingLevel::Warning)),
    );

    let log_min = json!({"level":"info","data":"started"});
    let log_full = json!({"level":"error","logger":"db","data":{"error":"timeout","retries":[1,2]},"_meta":{"x.example/k":1},"x.example/extra":1});
    for p in [&log_min, &log_full, &json!({"level":"notice","data":null})] {
        c.json_in::<LoggingMessageNotificationParams>(
            &both,
            "LoggingMessageNotificationParams",
            p.clone(),
        );
        c.json_in::<LoggingMessageNotification>(
            &both,
            "LoggingMessageNotification",
            json!({"jsonrpc":"2.0","method":"notifications/message","params":p}),
        );
    }

    let progress_min = json!({"progressToken":"t","progress":1});
    let progress_full = json!({"progressToken":42,"progress":0.5,"total":10,"message":"halfway","_meta":{"x.example/k":"v"}});
    for p in [&progress_min, &progress_full] {
        c.json_in::<ProgressNotificationParams>(&both, "ProgressNotificationParams", p.clone());
        c.json_in::<ProgressNotification>(
            &both,
            "ProgressNotification",
            json!({"jsonrpc":"2.0","method":"notifications/progress","params":p}),
        );
    }
    c.value(
        V2026,
        "ProgressNotificationParams",
        &ProgressNotificationParams::new(RequestId::from("tok"), 3.0),
    );

    c.json::<CancelledNotificationParams>(V2025, "CancelledNotificationParams", json!({}));
    let cancel_min = json!({"requestId":1});
    let cancel_full =
        json!({"requestId":"r-7","reason":"user pressed stop","_meta":{"x.example/k":1}});
    for p in [&cancel_min, &cancel_full] {
        c.json_in::<CancelledNotificationParams>(&both, "CancelledNotificationParams", p.clone());
        c.json_in::<CancelledNotification>(
            &both,
            "CancelledNotification",
            json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":p}),
        );
    }
    c.value(
        V2026,
        "CancelledNotification",
        &CancelledNotification::new(CancelledNotificationParams::new(RequestId::Number(9))),
    );

    let list_changed_min = |m: &str| json!({"jsonrpc":"2.0","method":m});
    let list_changed_full = |m: &str| json!({"jsonrpc":"2.0","method":m,"params":{"_meta":{"io.modelcontextprotocol/subscriptionId":"L1"}}});
    let m = "notifications/tools/list_changed";
    c.json_in::<ToolListChangedNotification>(
        &both,
        "ToolListChangedNotification",
        list_changed_min(m),
    );
    c.json_in::<ToolListChangedNotification>(
        &both,
        "ToolListChangedNotification",
        list_changed_full(m),
    );
    let m = "notifications/prompts/list_changed";
    c.json_in::<PromptListChangedNotification>(
        &both,
        "PromptListChangedNotification",
        list_changed_min(m),
    );
    c.json_in::<PromptListChangedNotification>(
        &both,
        "PromptListChangedNotification",
        list_changed_full(m),
    );
    let m = "notifications/resources/list_changed";
    c.json_in::<ResourceListChangedNotification>(
        &both,
        "ResourceListChangedNotification",
        list_changed_min(m),
    );
    c.json_in::<ResourceListChangedNotification>(
        &both,
        "ResourceListChangedNotification",
        list_changed_full(m),
    );
    let m = "notifications/roots/list_changed";
    c.json::<RootsListChangedNotification>(
        V2025,
        "RootsListChangedNotification",
        list_changed_min(m),
    );
    c.json::<RootsListChangedNotification>(
        V2025,
        "RootsListChangedNotification",
        json!({"jsonrpc":"2.0","method":m,"params":{"_meta":{"x.example/k":1}}}),
    );
}

fn subscriptions(c: &mut Cases) {
    let filter_full = json!({
        "toolsListChanged":true,"promptsListChanged":false,"resourcesListChanged":true,
        "resourceSubscriptions":["file:///a.txt","https://x.example/r"],
        "taskIds":["task-1","task-2"]
    });
    c.json::<SubscriptionFilter>(V2026, "SubscriptionFilter", json!({}));
    c.json::<SubscriptionFilter>(V2026, "SubscriptionFilter", filter_full.clone());
    c.json::<SubscriptionFilter>(
        V2026,
        "SubscriptionFilter",
        json!({"toolsListChanged":true,"x.example/other":{"on":true}}),
    );

    let listen_min = json!({"_meta":m26(),"notifications":{}});
    let listen_full = json!({"_meta":m26_full(),"notifications":filter_full,"x.example/k":1});
    c.json::<SubscriptionsListenRequestParams>(
        V2026,
        "SubscriptionsListenRequestParams",
        listen_min.clone(),
    );
    c.json::<SubscriptionsListenRequestParams>(
        V2026,
        "SubscriptionsListenRequestParams",
        listen_full.clone(),
    );
    c.json::<SubscriptionsListenRequest>(
        V2026,
        "SubscriptionsListenRequest",
        json!({"jsonrpc":"2.0","id":"L1","method":"subscriptions/listen","params":listen_min}),
    );
    c.json::<SubscriptionsListenRequest>(
        V2026,
        "SubscriptionsListenRequest",
        json!({"jsonrpc":"2.0","id":2,"method":"subscriptions/listen","params":listen_full}),
    );

    let ack_min = json!({"notifications":{}});
    let ack_full = json!({"notifications":{"toolsListChanged":true,"taskIds":["task-1"]},"_meta":{"io.modelcontextprotocol/subscriptionId":"L1"}});
    c.json::<SubscriptionsAcknowledgedNotificationParams>(
        V2026,
        "SubscriptionsAcknowledgedNotificationParams",
        ack_min.clone(),
    );
    c.json::<SubscriptionsAcknowledgedNotificationParams>(
        V2026,
        "SubscriptionsAcknowledgedNotificationParams",
        ack_full.clone(),
    );
    c.json::<SubscriptionsAcknowledgedNotification>(
        V2026,
        "SubscriptionsAcknowledgedNotification",
        json!({"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":ack_min}),
    );
    c.json::<SubscriptionsAcknowledgedNotification>(
        V2026,
        "SubscriptionsAcknowledgedNotification",
        json!({"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":ack_full}),
    );
    c.value(
        V2026,
        "SubscriptionsAcknowledgedNotification",
        &SubscriptionsAcknowledgedNotification::new(
            SubscriptionsAcknowledgedNotificationParams::new(
                RequestId::Number(3),
                SubscriptionFilter {
                    resources_list_changed: Some(true),
                    ..Default::default()
                },
            ),
        ),
    );

    let result_min =
        json!({"resultType":"complete","_meta":{"io.modelcontextprotocol/subscriptionId":"L1"}});
    let result_full = json!({"resultType":"complete","_meta":{"io.modelcontextprotocol/subscriptionId":7,
        "io.modelcontextprotocol/serverInfo":{"name":"srv","version":"1"},"x.example/k":1},"x.example/extra":1});
    c.json::<SubscriptionsListenResult>(V2026, "SubscriptionsListenResult", result_min.clone());
    c.json::<SubscriptionsListenResult>(V2026, "SubscriptionsListenResult", result_full.clone());
    c.value(
        V2026,
        "SubscriptionsListenResult",
        &SubscriptionsListenResult::new(RequestId::from("L9")),
    );
    c.json::<SubscriptionsListenResultMeta>(
        V2026,
        "SubscriptionsListenResultMetaObject",
        json!({"io.modelcontextprotocol/subscriptionId":1}),
    );
    c.json::<SubscriptionsListenResultMeta>(
        V2026,
        "SubscriptionsListenResultMetaObject",
        json!({"io.modelcontextprotocol/subscriptionId":"L1","io.modelcontextprotocol/serverInfo":{"name":"s","version":"1"},"traceparent":"x"}),
    );
    c.json::<ResultResponse<SubscriptionsListenResult>>(
        V2026,
        "SubscriptionsListenResultResponse",
        json!({"jsonrpc":"2.0","id":"L1","result":result_min}),
    );
    c.json::<ResultResponse<SubscriptionsListenResult>>(
        V2026,
        "SubscriptionsListenResultResponse",
        json!({"jsonrpc":"2.0","id":7,"result":result_full}),
    );
}

fn completion(c: &mut Cases) {
    let both = [V2025, V2026];
    let p25_min = json!({"ref":{"type":"ref/prompt","name":"code_review"},"argument":{"name":"language","value":"py"}});
    let p25_full = json!({
        "ref":{"type":"ref/resource","uri":"file:///{path}"},
        "argument":{"name":"path","value":"src/"},
        "context":{"arguments":{"repo":"mcp","branch":"main"}},
        "_meta":{"progressToken":1},
        "x.example/k":1
    });
    let p26_min = json!({"ref":{"type":"ref/prompt","name":"code_review"},"argument":{"name":"language","value":"py"},"_meta":m26()});
    let p26_full = json!({
        "ref":{"type":"ref/prompt","name":"p","title":"P"},
        "argument":{"name":"a","value":""},
        "context":{},
        "_meta":m26_full()
    });
    c.json::<CompleteRequestParams>(V2025, "CompleteRequestParams", p25_min.clone());
    c.json::<CompleteRequestParams>(V2025, "CompleteRequestParams", p25_full.clone());
    c.json::<CompleteRequestParams>(V2026, "CompleteRequestParams", p26_min.clone());
    c.json::<CompleteRequestParams>(V2026, "CompleteRequestParams", p26_full.clone());
    c.value(
        V2025,
        "CompleteRequestParams",
        &CompleteRequestParams::new(
            CompletionReference::resource_template("db://{table}"),
            "table",
            "us",
        ),
    );
    for (schema, p) in [
        (V2025, p25_min),
        (V2025, p25_full),
        (V2026, p26_min),
        (V2026, p26_full),
    ] {
        c.json::<CompleteRequest>(
            schema,
            "CompleteRequest",
            json!({"jsonrpc":"2.0","id":5,"method":"completion/complete","params":p}),
        );
    }

    let r_min = json!({"completion":{"values":[]}});
    let r_full = json!({"completion":{"values":["python","pytorch"],"total":10,"hasMore":true},"_meta":{"x.example/k":1},"x.example/extra":1});
    c.json::<CompleteResult>(V2025, "CompleteResult", r_min);
    c.json::<CompleteResult>(V2025, "CompleteResult", r_full);
    let r26_min = json!({"completion":{"values":[]},"resultType":"complete"});
    let r26_full = json!({"completion":{"values":["python","pytorch"],"total":2,"hasMore":false},"resultType":"complete","_meta":server_info()});
    c.json::<CompleteResult>(V2026, "CompleteResult", r26_min.clone());
    c.json::<CompleteResult>(V2026, "CompleteResult", r26_full.clone());
    // 150 matches are cut to the 2026-07-28 maximum of 100.
    let mut many = CompleteResult::new(Completion::from_matches((0..150).map(|i| format!("v{i}"))));
    many.result_type = Some(mcp_tasks_types::meta::ResultType::Complete);
    c.value(V2026, "CompleteResult", &many);
    c.value(
        V2025,
        "CompleteResult",
        &CompleteResult::new(Completion::from_matches(["a".to_owned()])),
    );
    c.json::<ResultResponse<CompleteResult>>(
        V2026,
        "CompleteResultResponse",
        json!({"jsonrpc":"2.0","id":1,"result":r26_min}),
    );
    c.json::<ResultResponse<CompleteResult>>(
        V2026,
        "CompleteResultResponse",
        json!({"jsonrpc":"2.0","id":"c","result":r26_full}),
    );
    let _ = both;
}

fn unions(c: &mut Cases) {
    let req = |id: Value, method: &str, params: Option<Value>| {
        let mut v = json!({"jsonrpc":"2.0","id":id,"method":method});
        if let Some(p) = params {
            v["params"] = p;
        }
        v
    };
    let note = |method: &str, params: Option<Value>| {
        let mut v = json!({"jsonrpc":"2.0","method":method});
        if let Some(p) = params {
            v["params"] = p;
        }
        v
    };
    let task_v1 = json!({"taskId":"t1","status":"working","createdAt":"2025-11-25T10:00:00Z",
        "lastUpdatedAt":"2025-11-25T10:00:05Z","ttl":60000,"pollInterval":1000});

    // ClientRequest.
    for v in [
        req(
            json!(0),
            "initialize",
            Some(
                json!({"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}),
            ),
        ),
        req(json!(1), "ping", None),
        req(json!(2), "tools/list", None),
        req(
            json!(3),
            "tools/call",
            Some(json!({"name":"slow","arguments":{"n":3},"task":{"ttl":60000}})),
        ),
        req(
            json!(4),
            "resources/subscribe",
            Some(json!({"uri":"file:///a"})),
        ),
        req(json!(5), "tasks/result", Some(json!({"taskId":"t1"}))),
        req(json!(6), "tasks/list", Some(json!({"cursor":"c"}))),
        req(json!(7), "logging/setLevel", Some(json!({"level":"debug"}))),
        req(
            json!("8"),
            "completion/complete",
            Some(
                json!({"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":"b"}}),
            ),
        ),
    ] {
        c.json::<TypedRequest<ClientRequest>>(V2025, "ClientRequest", v);
    }
    for v in [
        req(json!(1), "server/discover", Some(json!({"_meta":m26()}))),
        req(
            json!(2),
            "tools/call",
            Some(json!({"name":"t","arguments":{},"_meta":m26_full()})),
        ),
        req(
            json!(3),
            "subscriptions/listen",
            Some(json!({"_meta":m26(),"notifications":{"taskIds":["t1"]}})),
        ),
        req(
            json!(4),
            "prompts/get",
            Some(json!({"name":"p","arguments":{"x":"y"},"_meta":m26(),"requestState":"s"})),
        ),
        req(
            json!(5),
            "resources/templates/list",
            Some(json!({"_meta":m26()})),
        ),
    ] {
        c.json::<TypedRequest<ClientRequest>>(V2026, "ClientRequest", v);
    }

    // ServerRequest (2025-11-25 only).
    for v in [
        req(json!(1), "ping", None),
        req(json!(2), "roots/list", Some(json!({}))),
        req(
            json!(3),
            "sampling/createMessage",
            Some(
                json!({"messages":[{"role":"user","content":{"type":"text","text":"hi"}}],"maxTokens":10}),
            ),
        ),
        req(
            json!(4),
            "elicitation/create",
            Some(
                json!({"mode":"url","message":"Sign in","url":"https://x.example/a","elicitationId":"e1"}),
            ),
        ),
        req(json!(5), "tasks/get", Some(json!({"taskId":"t1"}))),
        req(json!(6), "tasks/list", None),
    ] {
        c.json::<TypedRequest<ServerRequest>>(V2025, "ServerRequest", v);
    }

    // ClientNotification.
    let mut status = task_v1.clone();
    status["_meta"] = json!({"x.example/k":1});
    for v in [
        note("notifications/initialized", None),
        note(
            "notifications/cancelled",
            Some(json!({"requestId":3,"reason":"timeout"})),
        ),
        note(
            "notifications/progress",
            Some(json!({"progressToken":"p","progress":2,"total":4})),
        ),
        note("notifications/roots/list_changed", None),
        note("notifications/tasks/status", Some(status.clone())),
    ] {
        c.json::<TypedNotification<ClientNotification>>(V2025, "ClientNotification", v);
    }
    for v in [
        note("notifications/cancelled", Some(json!({"requestId":3}))),
        note(
            "notifications/cancelled",
            Some(json!({"requestId":"L1","reason":"bye","_meta":{}})),
        ),
    ] {
        c.json::<TypedNotification<ClientNotification>>(V2026, "ClientNotification", v);
    }

    // ServerNotification.
    for v in [
        note(
            "notifications/message",
            Some(json!({"level":"info","data":"x"})),
        ),
        note(
            "notifications/resources/updated",
            Some(json!({"uri":"file:///a"})),
        ),
        note(
            "notifications/elicitation/complete",
            Some(json!({"elicitationId":"e1"})),
        ),
        note("notifications/tasks/status", Some(task_v1.clone())),
        note("notifications/prompts/list_changed", None),
    ] {
        c.json::<TypedNotification<ServerNotification>>(V2025, "ServerNotification", v);
    }
    let sub = json!({"io.modelcontextprotocol/subscriptionId":"L1"});
    for v in [
        note(
            "notifications/subscriptions/acknowledged",
            Some(json!({"notifications":{"toolsListChanged":true},"_meta":sub})),
        ),
        note(
            "notifications/tools/list_changed",
            Some(json!({"_meta":sub})),
        ),
        note(
            "notifications/progress",
            Some(json!({"progressToken":1,"progress":0.25})),
        ),
        note(
            "notifications/cancelled",
            Some(json!({"requestId":"L1","reason":"server shutting down"})),
        ),
    ] {
        c.json::<TypedNotification<ServerNotification>>(V2026, "ServerNotification", v);
    }

    // ClientResult.
    for v in [
        json!({}),
        json!({"role":"assistant","content":{"type":"text","text":"hello"},"model":"m-1","stopReason":"endTurn"}),
        json!({"roots":[{"uri":"file:///home/u/p","name":"p"}]}),
        json!({"action":"accept","content":{"name":"Ada","age":36,"ok":true}}),
        json!({"task":task_v1}),
        json!({"tasks":[task_v1],"nextCursor":"n"}),
        task_v1.clone(),
    ] {
        c.json::<ClientResult>(V2025, "ClientResult", v);
    }
    c.json::<ClientResult>(V2026, "ClientResult", json!({"resultType":"complete"}));
    c.json::<ClientResult>(
        V2026,
        "ClientResult",
        json!({"resultType":"complete","_meta":server_info()}),
    );

    // ServerResult.
    for v in [
        json!({}),
        json!({"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s","version":"1"}}),
        json!({"tools":[{"name":"t","inputSchema":{"type":"object"}}]}),
        json!({"content":[{"type":"text","text":"4"}],"isError":false}),
        json!({"completion":{"values":["a"]}}),
        json!({"task":task_v1}),
        task_v1.clone(),
    ] {
        c.json::<ServerResult>(V2025, "ServerResult", v);
    }
    for v in [
        json!({"resultType":"complete"}),
        json!({"supportedVersions":["2026-07-28"],"capabilities":{},"ttlMs":0,"cacheScope":"private","resultType":"complete"}),
        json!({"resultType":"input_required","requestState":"s1"}),
        json!({"resultType":"complete","tools":[],"ttlMs":0,"cacheScope":"public"}),
        json!({"resultType":"complete","content":[]}),
        json!({"resultType":"complete","_meta":{"io.modelcontextprotocol/subscriptionId":"L1"}}),
    ] {
        c.json::<ServerResult>(V2026, "ServerResult", v);
    }
}

fn result_responses(c: &mut Cases) {
    let resp = |id: i64, result: Value| json!({"jsonrpc":"2.0","id":id,"result":result});
    let input = json!({"resultType":"input_required","inputRequests":{"name":{"method":"elicitation/create",
        "params":{"message":"Name?","requestedSchema":{"type":"object","properties":{"name":{"type":"string"}}}}}},
        "requestState":"round-1"});

    c.json::<ResultResponse<InputRequiredOr<CallToolResult>>>(
        V2026,
        "CallToolResultResponse",
        resp(
            1,
            json!({"resultType":"complete","content":[{"type":"text","text":"ok"}]}),
        ),
    );
    c.json::<ResultResponse<InputRequiredOr<CallToolResult>>>(
        V2026,
        "CallToolResultResponse",
        resp(2, input.clone()),
    );
    c.json::<ResultResponse<InputRequiredOr<GetPromptResult>>>(
        V2026,
        "GetPromptResultResponse",
        resp(1, json!({"resultType":"complete","messages":[{"role":"user","content":{"type":"text","text":"hi"}}]})),
    );
    c.json::<ResultResponse<InputRequiredOr<GetPromptResult>>>(
        V2026,
        "GetPromptResultResponse",
        resp(2, input.clone()),
    );
    c.json::<ResultResponse<InputRequiredOr<ReadResourceResult>>>(
        V2026,
        "ReadResourceResultResponse",
        resp(1, json!({"resultType":"complete","ttlMs":0,"cacheScope":"private","contents":[{"uri":"file:///a","text":"x"}]})),
    );
    c.json::<ResultResponse<InputRequiredOr<ReadResourceResult>>>(
        V2026,
        "ReadResourceResultResponse",
        resp(2, json!({"resultType":"input_required","requestState":"s"})),
    );
    let list = |key: &str, items: Value, cursor: bool| {
        let mut r = json!({"resultType":"complete","ttlMs":1000,"cacheScope":"public"});
        r[key] = items;
        if cursor {
            r["nextCursor"] = json!("n2");
            r["_meta"] = server_info();
        }
        r
    };
    c.json::<ResultResponse<ListToolsResult>>(
        V2026,
        "ListToolsResultResponse",
        resp(1, list("tools", json!([]), false)),
    );
    c.json::<ResultResponse<ListToolsResult>>(
        V2026,
        "ListToolsResultResponse",
        resp(
            2,
            list(
                "tools",
                json!([{"name":"t","inputSchema":{"type":"object"}}]),
                true,
            ),
        ),
    );
    c.json::<ResultResponse<ListPromptsResult>>(
        V2026,
        "ListPromptsResultResponse",
        resp(1, list("prompts", json!([]), false)),
    );
    c.json::<ResultResponse<ListPromptsResult>>(
        V2026,
        "ListPromptsResultResponse",
        resp(2, list("prompts", json!([{"name":"p"}]), true)),
    );
    c.json::<ResultResponse<ListResourcesResult>>(
        V2026,
        "ListResourcesResultResponse",
        resp(1, list("resources", json!([]), false)),
    );
    c.json::<ResultResponse<ListResourcesResult>>(
        V2026,
        "ListResourcesResultResponse",
        resp(
            2,
            list("resources", json!([{"uri":"file:///a","name":"a"}]), true),
        ),
    );
    c.json::<ResultResponse<ListResourceTemplatesResult>>(
        V2026,
        "ListResourceTemplatesResultResponse",
        resp(1, list("resourceTemplates", json!([]), false)),
    );
    c.json::<ResultResponse<ListResourceTemplatesResult>>(
        V2026,
        "ListResourceTemplatesResultResponse",
        resp(
            2,
            list(
                "resourceTemplates",
                json!([{"uriTemplate":"file:///{p}","name":"files"}]),
                true,
            ),
        ),
    );
}

fn rejections(c: &mut Cases) {
    c.reject::<TypedRequest<ClientRequest>>(
        "client request with an unknown method",
        json!({"jsonrpc":"2.0","id":1,"method":"tools/destroy"}),
        "unknown variant `tools/destroy`",
    );
    c.reject::<ClientRequest>(
        "tools/call without params",
        json!({"method":"tools/call"}),
        "missing field `params`",
    );
    c.reject::<PingRequest>(
        "a typed request with another method",
        json!({"jsonrpc":"2.0","id":1,"method":"pong"}),
        "expected \"ping\"",
    );
    c.reject::<SubscriptionsListenResult>(
        "listen result without the subscription id",
        json!({"resultType":"complete"}),
        "missing field `_meta`",
    );
    c.reject::<DiscoverResult>(
        "discover result with an unknown cache scope",
        json!({"supportedVersions":[],"capabilities":{},"ttlMs":0,"cacheScope":"shared","resultType":"complete"}),
        "unknown variant `shared`",
    );
    c.reject::<LoggingMessageNotificationParams>(
        "log message without data",
        json!({"level":"info"}),
        "missing field `data`",
    );
    c.reject::<ResultResponse<InputRequiredOr<CallToolResult>>>(
        "input_required result with neither requests nor state",
        json!({"jsonrpc":"2.0","id":1,"result":{"resultType":"input_required"}}),
        "needs `inputRequests`, `requestState` or both",
    );
}
