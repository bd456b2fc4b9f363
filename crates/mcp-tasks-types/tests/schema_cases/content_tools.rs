//! Content blocks, tools, resources and prompts (helper CONTENT).

use mcp_tasks_types::content::{Annotations, ContentBlock};
use mcp_tasks_types::messages::ResultResponse;
use mcp_tasks_types::prompt::{
    CompletionReference, GetPromptRequest, GetPromptRequestParams, GetPromptResult,
    ListPromptsRequest, ListPromptsResult, Prompt, PromptArgument, PromptMessage,
};
use mcp_tasks_types::resource::{
    BlobResourceContents, ListResourceTemplatesRequest, ListResourceTemplatesResult,
    ListResourcesRequest, ListResourcesResult, ReadResourceRequest, ReadResourceRequestParams,
    ReadResourceResult, Resource, ResourceContents, ResourceRequestParams, ResourceTemplate,
    ResourceUpdatedNotification, ResourceUpdatedNotificationParams, SubscribeRequest,
    SubscribeRequestParams, TextResourceContents, UnsubscribeRequest, UnsubscribeRequestParams,
};
use mcp_tasks_types::tool::{
    CallToolRequest, CallToolRequestParams, CallToolResult, ListToolsRequest, ListToolsResult,
    Tool, ToolAnnotations, ToolExecution,
};
use serde_json::{Value, json};

use crate::harness::Cases;
use crate::harness::Schema::{Ext, V2025, V2026};

/// The `_meta` every 2026-07-28 request carries (minimal).
fn rmeta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    })
}

/// A 2026-07-28 request `_meta` with every reserved key.
fn rmeta_full() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
        "io.modelcontextprotocol/clientInfo": {"name": "c", "version": "1"},
        "io.modelcontextprotocol/logLevel": "info",
        "progressToken": "p1",
        "com.example/trace": "abc"
    })
}

fn icons() -> Value {
    json!([{"src": "https://example.com/i.png", "mimeType": "image/png", "sizes": ["48x48"], "theme": "dark"}])
}

fn annotations() -> Value {
    json!({"audience": ["user", "assistant"], "priority": 0.5, "lastModified": "2025-01-12T15:00:58Z"})
}

pub(crate) fn cases(c: &mut Cases) {
    content(c);
    resources(c);
    tools(c);
    prompts(c);
    responses(c);
    rejections(c);
}

/// The 2026-07-28 `*ResultResponse` defs of this area: `ResultResponse<T>` around each result.
fn responses(c: &mut Cases) {
    fn resp(id: Value, result: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "result": result})
    }
    let cache = |mut v: Value| {
        v["ttlMs"] = json!(0);
        v["cacheScope"] = json!("private");
        v["resultType"] = json!("complete");
        v
    };
    let meta = json!({"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}});
    c.json::<ResultResponse<ListToolsResult>>(
        V2026,
        "ListToolsResultResponse",
        resp(json!(1), cache(json!({"tools": []}))),
    );
    c.json::<ResultResponse<ListToolsResult>>(
        V2026,
        "ListToolsResultResponse",
        resp(json!("a"), cache(json!({"tools": [{"name": "t", "inputSchema": {"type": "object"}}], "nextCursor": "n", "_meta": meta}))),
    );
    c.json::<ResultResponse<CallToolResult>>(
        V2026,
        "CallToolResultResponse",
        resp(json!(1), json!({"content": [], "resultType": "complete"})),
    );
    c.json::<ResultResponse<CallToolResult>>(
        V2026,
        "CallToolResultResponse",
        resp(
            json!(2),
            json!({"content": [{"type": "text", "text": "x"}], "structuredContent": {"a": 1},
                              "isError": false, "resultType": "complete", "_meta": meta}),
        ),
    );
    c.json::<ResultResponse<ListResourcesResult>>(
        V2026,
        "ListResourcesResultResponse",
        resp(json!(1), cache(json!({"resources": []}))),
    );
    c.json::<ResultResponse<ListResourcesResult>>(
        V2026,
        "ListResourcesResultResponse",
        resp(json!(1), cache(json!({"resources": [{"uri": "file:///a", "name": "a"}], "nextCursor": "n", "_meta": meta}))),
    );
    c.json::<ResultResponse<ListResourceTemplatesResult>>(
        V2026,
        "ListResourceTemplatesResultResponse",
        resp(json!(1), cache(json!({"resourceTemplates": []}))),
    );
    c.json::<ResultResponse<ListResourceTemplatesResult>>(
        V2026,
        "ListResourceTemplatesResultResponse",
        resp(json!(1), cache(json!({"resourceTemplates": [{"uriTemplate": "file:///{p}", "name": "f"}], "nextCursor": "n", "_meta": meta}))),
    );
    c.json::<ResultResponse<ReadResourceResult>>(
        V2026,
        "ReadResourceResultResponse",
        resp(json!(1), cache(json!({"contents": []}))),
    );
    c.json::<ResultResponse<ReadResourceResult>>(
        V2026,
        "ReadResourceResultResponse",
        resp(
            json!(1),
            cache(json!({"contents": [{"uri": "file:///a", "blob": "AA=="}], "_meta": meta})),
        ),
    );
    c.json::<ResultResponse<ListPromptsResult>>(
        V2026,
        "ListPromptsResultResponse",
        resp(json!(1), cache(json!({"prompts": []}))),
    );
    c.json::<ResultResponse<ListPromptsResult>>(
        V2026,
        "ListPromptsResultResponse",
        resp(
            json!(1),
            cache(json!({"prompts": [{"name": "p"}], "nextCursor": "n", "_meta": meta})),
        ),
    );
    c.json::<ResultResponse<GetPromptResult>>(
        V2026,
        "GetPromptResultResponse",
        resp(json!(1), json!({"messages": [], "resultType": "complete"})),
    );
    c.json::<ResultResponse<GetPromptResult>>(
        V2026,
        "GetPromptResultResponse",
        resp(json!("g"), json!({"description": "d", "messages": [{"role": "user", "content": {"type": "text", "text": "t"}}],
                                "resultType": "complete", "_meta": meta})),
    );
}

fn content(c: &mut Cases) {
    let all = &[V2025, V2026, Ext];
    c.json_in::<Annotations>(all, "Annotations", json!({}));
    c.json_in::<Annotations>(all, "Annotations", annotations());

    // The content structs do not carry `type`; the `ContentBlock` union writes it, so each
    // member def is validated through the union.
    let text_min = json!({"type": "text", "text": "hello"});
    let text_full =
        json!({"type": "text", "text": "hello", "annotations": annotations(), "_meta": {"k": 1}});
    let image_min = json!({"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"});
    let image_full = json!({"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png",
        "annotations": {"priority": 1.0}, "_meta": {"k": "v"}});
    let audio_min = json!({"type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"});
    let audio_full = json!({"type": "audio", "data": "UklGRg==", "mimeType": "audio/wav",
        "annotations": {"audience": ["assistant"]}, "_meta": {}});
    let link_min = json!({"type": "resource_link", "uri": "file:///a.txt", "name": "a"});
    let link_full = json!({"type": "resource_link", "uri": "https://example.com/a", "name": "a",
        "title": "A", "description": "the a file", "mimeType": "text/plain", "size": 12,
        "icons": icons(), "annotations": annotations(), "_meta": {"x": true}});
    let emb_min = json!({"type": "resource", "resource": {"uri": "file:///a.txt", "text": "a"}});
    let emb_full = json!({"type": "resource",
        "resource": {"uri": "file:///b.bin", "mimeType": "application/octet-stream", "blob": "AAEC", "_meta": {}},
        "annotations": annotations(), "_meta": {"k": 1}});
    for (def, min, full) in [
        ("TextContent", &text_min, &text_full),
        ("ImageContent", &image_min, &image_full),
        ("AudioContent", &audio_min, &audio_full),
        ("ResourceLink", &link_min, &link_full),
        ("EmbeddedResource", &emb_min, &emb_full),
    ] {
        c.json_in::<ContentBlock>(all, def, min.clone());
        c.json_in::<ContentBlock>(all, def, full.clone());
        c.json_in::<ContentBlock>(all, "ContentBlock", min.clone());
        c.json_in::<ContentBlock>(all, "ContentBlock", full.clone());
    }
    c.value(V2025, "ContentBlock", &ContentBlock::text("built"));
}

fn resources(c: &mut Cases) {
    let all = &[V2025, V2026, Ext];
    let both = &[V2025, V2026];

    c.json_in::<TextResourceContents>(
        all,
        "TextResourceContents",
        json!({"uri": "file:///a", "text": ""}),
    );
    c.json_in::<TextResourceContents>(
        all,
        "TextResourceContents",
        json!({"uri": "file:///a", "mimeType": "text/plain", "text": "hi", "_meta": {"k": 1}}),
    );
    c.json_in::<BlobResourceContents>(
        all,
        "BlobResourceContents",
        json!({"uri": "file:///b", "blob": "AA=="}),
    );
    c.json_in::<BlobResourceContents>(
        all,
        "BlobResourceContents",
        json!({"uri": "file:///b", "mimeType": "image/png", "blob": "AA==", "_meta": {}}),
    );
    // `ResourceContents` is the common base; both members satisfy it.
    c.json_in::<ResourceContents>(
        both,
        "ResourceContents",
        json!({"uri": "file:///a", "text": "x"}),
    );
    c.json_in::<ResourceContents>(
        both,
        "ResourceContents",
        json!({"uri": "file:///b", "mimeType": "image/png", "blob": "AA==", "_meta": {"k": 1}}),
    );

    c.json_in::<Resource>(both, "Resource", json!({"uri": "file:///a", "name": "a"}));
    c.json_in::<Resource>(
        both,
        "Resource",
        json!({"uri": "file:///a", "name": "a", "title": "A", "description": "d",
               "mimeType": "text/plain", "size": 3, "icons": icons(),
               "annotations": annotations(), "_meta": {"k": 1}}),
    );
    c.value(
        V2026,
        "Resource",
        &Resource::new("file:///x", "x").with_mime_type("text/plain"),
    );
    c.json_in::<ResourceTemplate>(
        both,
        "ResourceTemplate",
        json!({"uriTemplate": "file:///{path}", "name": "files"}),
    );
    c.json_in::<ResourceTemplate>(
        both,
        "ResourceTemplate",
        json!({"uriTemplate": "file:///{path}", "name": "files", "title": "Files",
               "description": "d", "mimeType": "text/plain", "icons": icons(),
               "annotations": annotations(), "_meta": {}}),
    );

    // resources/list
    c.json::<ListResourcesRequest>(
        V2025,
        "ListResourcesRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/list"}),
    );
    c.json::<ListResourcesRequest>(
        V2025,
        "ListResourcesRequest",
        json!({"jsonrpc": "2.0", "id": "a", "method": "resources/list",
               "params": {"cursor": "c1", "_meta": {"progressToken": 3}}}),
    );
    c.json::<ListResourcesRequest>(
        V2026,
        "ListResourcesRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/list", "params": {"_meta": rmeta()}}),
    );
    c.json::<ListResourcesRequest>(
        V2026,
        "ListResourcesRequest",
        json!({"jsonrpc": "2.0", "id": 2, "method": "resources/list",
               "params": {"cursor": "c1", "_meta": rmeta_full()}}),
    );
    c.json::<ListResourcesResult>(V2025, "ListResourcesResult", json!({"resources": []}));
    c.json::<ListResourcesResult>(
        V2025,
        "ListResourcesResult",
        json!({"resources": [{"uri": "file:///a", "name": "a"}], "nextCursor": "n", "_meta": {"k": 1}}),
    );
    c.json::<ListResourcesResult>(
        V2026,
        "ListResourcesResult",
        json!({"resources": [], "ttlMs": 0, "cacheScope": "private", "resultType": "complete"}),
    );
    c.json::<ListResourcesResult>(
        V2026,
        "ListResourcesResult",
        json!({"resources": [{"uri": "file:///a", "name": "a"}], "nextCursor": "n",
               "ttlMs": 60000, "cacheScope": "public", "resultType": "complete",
               "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
    );

    // resources/templates/list
    c.json::<ListResourceTemplatesRequest>(
        V2025,
        "ListResourceTemplatesRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/templates/list"}),
    );
    c.json::<ListResourceTemplatesRequest>(
        V2025,
        "ListResourceTemplatesRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/templates/list", "params": {"cursor": "x"}}),
    );
    c.json::<ListResourceTemplatesRequest>(
        V2026,
        "ListResourceTemplatesRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/templates/list", "params": {"_meta": rmeta()}}),
    );
    c.json::<ListResourceTemplatesRequest>(
        V2026,
        "ListResourceTemplatesRequest",
        json!({"jsonrpc": "2.0", "id": "r", "method": "resources/templates/list",
               "params": {"cursor": "x", "_meta": rmeta_full()}}),
    );
    c.json::<ListResourceTemplatesResult>(
        V2025,
        "ListResourceTemplatesResult",
        json!({"resourceTemplates": []}),
    );
    c.json::<ListResourceTemplatesResult>(
        V2025,
        "ListResourceTemplatesResult",
        json!({"resourceTemplates": [{"uriTemplate": "file:///{p}", "name": "f"}], "nextCursor": "n", "_meta": {}}),
    );
    c.json::<ListResourceTemplatesResult>(
        V2026,
        "ListResourceTemplatesResult",
        json!({"resourceTemplates": [], "ttlMs": 0, "cacheScope": "private", "resultType": "complete"}),
    );
    c.json::<ListResourceTemplatesResult>(
        V2026,
        "ListResourceTemplatesResult",
        json!({"resourceTemplates": [{"uriTemplate": "file:///{p}", "name": "f"}], "nextCursor": "n",
               "ttlMs": 1000, "cacheScope": "public", "resultType": "complete", "_meta": {}}),
    );

    // resources/read
    c.json::<ReadResourceRequestParams>(
        V2025,
        "ReadResourceRequestParams",
        json!({"uri": "file:///a"}),
    );
    c.json::<ReadResourceRequestParams>(
        V2025,
        "ReadResourceRequestParams",
        json!({"uri": "file:///a", "_meta": {"progressToken": "t", "com.example/x": 1}}),
    );
    c.json::<ReadResourceRequestParams>(
        V2026,
        "ReadResourceRequestParams",
        json!({"uri": "file:///a", "_meta": rmeta()}),
    );
    c.json::<ReadResourceRequestParams>(
        V2026,
        "ReadResourceRequestParams",
        json!({"uri": "file:///a", "_meta": rmeta_full(),
               "inputResponses": {"confirm": {"action": "decline"}}, "requestState": "opaque"}),
    );
    c.value(
        V2026,
        "ReadResourceRequestParams",
        &ReadResourceRequestParams::new("file:///z")
            .with_meta(serde_json::from_value(rmeta()).unwrap()),
    );
    c.json::<ReadResourceRequest>(
        V2025,
        "ReadResourceRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "file:///a"}}),
    );
    c.json::<ReadResourceRequest>(
        V2025,
        "ReadResourceRequest",
        json!({"jsonrpc": "2.0", "id": "x", "method": "resources/read",
               "params": {"uri": "file:///a", "_meta": {"progressToken": 1}}}),
    );
    c.json::<ReadResourceRequest>(
        V2026,
        "ReadResourceRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "file:///a", "_meta": rmeta()}}),
    );
    c.json::<ReadResourceRequest>(
        V2026,
        "ReadResourceRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read",
               "params": {"uri": "file:///a", "_meta": rmeta_full(), "requestState": "s"}}),
    );
    c.json::<ReadResourceResult>(V2025, "ReadResourceResult", json!({"contents": []}));
    c.json::<ReadResourceResult>(
        V2025,
        "ReadResourceResult",
        json!({"contents": [{"uri": "file:///a", "text": "x"}, {"uri": "file:///b", "blob": "AA==", "mimeType": "image/png"}],
               "_meta": {"k": 1}}),
    );
    c.json::<ReadResourceResult>(
        V2026,
        "ReadResourceResult",
        json!({"contents": [], "ttlMs": 0, "cacheScope": "private", "resultType": "complete"}),
    );
    c.json::<ReadResourceResult>(
        V2026,
        "ReadResourceResult",
        json!({"contents": [{"uri": "file:///a", "text": "x", "mimeType": "text/plain", "_meta": {}},
                            {"uri": "file:///b", "blob": "AA=="}],
               "ttlMs": 5, "cacheScope": "public", "resultType": "complete",
               "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
    );

    // ResourceRequestParams and the 2025-11-25 subscribe/unsubscribe requests.
    c.json::<ResourceRequestParams>(V2025, "ResourceRequestParams", json!({"uri": "file:///a"}));
    c.json::<ResourceRequestParams>(
        V2025,
        "ResourceRequestParams",
        json!({"uri": "file:///a", "_meta": {"progressToken": 1}}),
    );
    c.json::<ResourceRequestParams>(
        V2026,
        "ResourceRequestParams",
        json!({"uri": "file:///a", "_meta": rmeta()}),
    );
    c.json::<ResourceRequestParams>(
        V2026,
        "ResourceRequestParams",
        json!({"uri": "file:///a", "_meta": rmeta_full()}),
    );
    for def in ["SubscribeRequestParams", "UnsubscribeRequestParams"] {
        c.json::<SubscribeRequestParams>(V2025, def, json!({"uri": "file:///a"}));
        c.json::<UnsubscribeRequestParams>(
            V2025,
            def,
            json!({"uri": "file:///a", "_meta": {"progressToken": "p", "k": 1}}),
        );
    }
    c.json::<SubscribeRequest>(
        V2025,
        "SubscribeRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe", "params": {"uri": "file:///a"}}),
    );
    c.json::<SubscribeRequest>(
        V2025,
        "SubscribeRequest",
        json!({"jsonrpc": "2.0", "id": "s", "method": "resources/subscribe",
               "params": {"uri": "file:///a", "_meta": {"progressToken": 1}}}),
    );
    c.json::<UnsubscribeRequest>(
        V2025,
        "UnsubscribeRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/unsubscribe", "params": {"uri": "file:///a"}}),
    );
    c.json::<UnsubscribeRequest>(
        V2025,
        "UnsubscribeRequest",
        json!({"jsonrpc": "2.0", "id": "u", "method": "resources/unsubscribe",
               "params": {"uri": "file:///a", "_meta": {"k": "v"}}}),
    );

    // notifications/resources/updated
    c.json_in::<ResourceUpdatedNotificationParams>(
        both,
        "ResourceUpdatedNotificationParams",
        json!({"uri": "file:///a"}),
    );
    c.json::<ResourceUpdatedNotificationParams>(
        V2025,
        "ResourceUpdatedNotificationParams",
        json!({"uri": "file:///a/b", "_meta": {"k": 1}}),
    );
    c.json::<ResourceUpdatedNotificationParams>(
        V2026,
        "ResourceUpdatedNotificationParams",
        json!({"uri": "file:///a/b", "_meta": {"io.modelcontextprotocol/subscriptionId": 7}}),
    );
    c.json_in::<ResourceUpdatedNotification>(
        both,
        "ResourceUpdatedNotification",
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": "file:///a"}}),
    );
    c.json::<ResourceUpdatedNotification>(
        V2025,
        "ResourceUpdatedNotification",
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
               "params": {"uri": "file:///a", "_meta": {"k": 1}}}),
    );
    c.json::<ResourceUpdatedNotification>(
        V2026,
        "ResourceUpdatedNotification",
        json!({"jsonrpc": "2.0", "method": "notifications/resources/updated",
               "params": {"uri": "file:///a", "_meta": {"io.modelcontextprotocol/subscriptionId": "sub-1"}}}),
    );
}

fn tools(c: &mut Cases) {
    let all = &[V2025, V2026, Ext];

    c.json_in::<ToolAnnotations>(all, "ToolAnnotations", json!({}));
    c.json_in::<ToolAnnotations>(
        all,
        "ToolAnnotations",
        json!({"title": "T", "readOnlyHint": false, "destructiveHint": true,
               "idempotentHint": false, "openWorldHint": true}),
    );
    c.json::<ToolExecution>(V2025, "ToolExecution", json!({}));
    c.json::<ToolExecution>(V2025, "ToolExecution", json!({"taskSupport": "optional"}));
    c.json::<ToolExecution>(V2025, "ToolExecution", json!({"taskSupport": "required"}));
    c.json::<ToolExecution>(V2025, "ToolExecution", json!({"taskSupport": "forbidden"}));

    c.json_in::<Tool>(
        all,
        "Tool",
        json!({"name": "t", "inputSchema": {"type": "object"}}),
    );
    c.json::<Tool>(
        V2025,
        "Tool",
        json!({"name": "t", "title": "T", "description": "does t",
               "inputSchema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                               "properties": {"n": {"type": "integer"}}, "required": ["n"]},
               "outputSchema": {"type": "object", "properties": {"r": {"type": "string"}}, "required": ["r"]},
               "annotations": {"readOnlyHint": true}, "execution": {"taskSupport": "optional"},
               "icons": icons(), "_meta": {"k": 1}}),
    );
    // 2026-07-28: no `execution`; any 2020-12 keyword in the schemas, `x-mcp-header` included.
    c.json_in::<Tool>(
        &[V2026, Ext],
        "Tool",
        json!({"name": "t", "title": "T", "description": "does t",
               "inputSchema": {"type": "object",
                               "$defs": {"id": {"type": "string"}},
                               "properties": {"id": {"$ref": "#/$defs/id", "x-mcp-header": "X-Id"}},
                               "oneOf": [{"required": ["id"]}], "additionalProperties": false},
               "outputSchema": {"type": "array", "items": {"type": "number"}},
               "annotations": {"title": "T", "openWorldHint": false},
               "icons": icons(), "_meta": {"k": 1}}),
    );
    c.value(
        V2025,
        "Tool",
        &Tool::no_arguments("x").with_description("d"),
    );

    // tools/list
    c.json::<ListToolsRequest>(
        V2025,
        "ListToolsRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    );
    c.json::<ListToolsRequest>(
        V2025,
        "ListToolsRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"cursor": "c", "_meta": {"progressToken": 1}}}),
    );
    c.json::<ListToolsRequest>(
        V2026,
        "ListToolsRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": rmeta()}}),
    );
    c.json::<ListToolsRequest>(
        V2026,
        "ListToolsRequest",
        json!({"jsonrpc": "2.0", "id": "l", "method": "tools/list", "params": {"cursor": "c", "_meta": rmeta_full()}}),
    );
    c.json::<ListToolsResult>(V2025, "ListToolsResult", json!({"tools": []}));
    c.json::<ListToolsResult>(
        V2025,
        "ListToolsResult",
        json!({"tools": [{"name": "t", "inputSchema": {"type": "object"}, "execution": {"taskSupport": "required"}}],
               "nextCursor": "n", "_meta": {"k": 1}}),
    );
    c.json::<ListToolsResult>(
        V2026,
        "ListToolsResult",
        json!({"tools": [], "ttlMs": 0, "cacheScope": "private", "resultType": "complete"}),
    );
    c.json::<ListToolsResult>(
        V2026,
        "ListToolsResult",
        json!({"tools": [{"name": "t", "inputSchema": {"type": "object"}}], "nextCursor": "n",
               "ttlMs": 300000, "cacheScope": "public", "resultType": "complete",
               "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
    );

    // tools/call
    c.json::<CallToolRequestParams>(V2025, "CallToolRequestParams", json!({"name": "t"}));
    c.json::<CallToolRequestParams>(
        V2025,
        "CallToolRequestParams",
        json!({"name": "t", "arguments": {"n": 1, "s": [true]}, "task": {"ttl": 60000},
               "_meta": {"progressToken": "p", "io.modelcontextprotocol/related-task": {"taskId": "x"}}}),
    );
    c.json::<CallToolRequestParams>(
        V2025,
        "CallToolRequestParams",
        json!({"name": "t", "task": {}}),
    );
    c.json::<CallToolRequestParams>(
        V2026,
        "CallToolRequestParams",
        json!({"name": "t", "_meta": rmeta()}),
    );
    c.json::<CallToolRequestParams>(
        V2026,
        "CallToolRequestParams",
        json!({"name": "t", "arguments": {"n": 1}, "_meta": rmeta_full(),
               "inputResponses": {"ok": {"action": "accept", "content": {"yes": true}}},
               "requestState": "state-1"}),
    );
    c.json::<CallToolRequest>(
        V2025,
        "CallToolRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "t"}}),
    );
    c.json::<CallToolRequest>(
        V2025,
        "CallToolRequest",
        json!({"jsonrpc": "2.0", "id": "c", "method": "tools/call",
               "params": {"name": "t", "arguments": {}, "task": {"ttl": 1}}}),
    );
    c.json::<CallToolRequest>(
        V2026,
        "CallToolRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "t", "_meta": rmeta()}}),
    );
    c.json::<CallToolRequest>(
        V2026,
        "CallToolRequest",
        json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
               "params": {"name": "t", "arguments": {"a": "b"}, "_meta": rmeta_full(), "requestState": "s"}}),
    );
    c.value(
        V2025,
        "CallToolRequest",
        &CallToolRequest::new(
            5,
            CallToolRequestParams::new("t").with_arguments(serde_json::Map::new()),
        ),
    );

    c.json::<CallToolResult>(V2025, "CallToolResult", json!({"content": []}));
    c.json::<CallToolResult>(
        V2025,
        "CallToolResult",
        json!({"content": [{"type": "text", "text": "{\"r\":\"x\"}"}, {"type": "image", "data": "AA==", "mimeType": "image/png"}],
               "structuredContent": {"r": "x"}, "isError": false, "_meta": {"k": 1}}),
    );
    c.json::<CallToolResult>(
        V2026,
        "CallToolResult",
        json!({"content": [], "resultType": "complete"}),
    );
    c.json::<CallToolResult>(
        V2026,
        "CallToolResult",
        json!({"content": [{"type": "resource_link", "uri": "file:///a", "name": "a"}],
               "structuredContent": [1, 2, 3], "isError": true, "resultType": "complete",
               "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
    );
    c.json::<CallToolResult>(
        V2026,
        "CallToolResult",
        json!({"content": [], "structuredContent": null, "resultType": "complete"}),
    );
    c.value(V2025, "CallToolResult", &CallToolResult::error("boom"));
    c.value(
        V2025,
        "CallToolResult",
        &CallToolResult::structured(json!({"n": 1})),
    );
    c.value(V2026, "CallToolResult", &{
        let mut r = CallToolResult::text("ok");
        r.result_type = Some(mcp_tasks_types::ResultType::Complete);
        r
    });
}

fn prompts(c: &mut Cases) {
    let both = &[V2025, V2026];

    c.json_in::<PromptArgument>(both, "PromptArgument", json!({"name": "a"}));
    c.json_in::<PromptArgument>(
        both,
        "PromptArgument",
        json!({"name": "a", "title": "A", "description": "the a", "required": true}),
    );
    c.json_in::<Prompt>(both, "Prompt", json!({"name": "p"}));
    c.json_in::<Prompt>(
        both,
        "Prompt",
        json!({"name": "p", "title": "P", "description": "d", "arguments": [{"name": "a", "required": false}],
               "icons": icons(), "_meta": {"k": 1}}),
    );
    c.value(
        V2026,
        "Prompt",
        &Prompt::new("q").with_arguments(vec![PromptArgument::required("x")]),
    );
    c.json_in::<PromptMessage>(
        both,
        "PromptMessage",
        json!({"role": "user", "content": {"type": "text", "text": "hi"}}),
    );
    c.json_in::<PromptMessage>(
        both,
        "PromptMessage",
        json!({"role": "assistant", "content": {"type": "resource",
               "resource": {"uri": "file:///a", "text": "x", "mimeType": "text/plain"}, "annotations": {"priority": 0.1}}}),
    );

    c.json::<ListPromptsRequest>(
        V2025,
        "ListPromptsRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/list"}),
    );
    c.json::<ListPromptsRequest>(
        V2025,
        "ListPromptsRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/list", "params": {"cursor": "c"}}),
    );
    c.json::<ListPromptsRequest>(
        V2026,
        "ListPromptsRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/list", "params": {"_meta": rmeta()}}),
    );
    c.json::<ListPromptsRequest>(
        V2026,
        "ListPromptsRequest",
        json!({"jsonrpc": "2.0", "id": "p", "method": "prompts/list", "params": {"cursor": "c", "_meta": rmeta_full()}}),
    );
    c.json::<ListPromptsResult>(V2025, "ListPromptsResult", json!({"prompts": []}));
    c.json::<ListPromptsResult>(
        V2025,
        "ListPromptsResult",
        json!({"prompts": [{"name": "p"}], "nextCursor": "n", "_meta": {"k": 1}}),
    );
    c.json::<ListPromptsResult>(
        V2026,
        "ListPromptsResult",
        json!({"prompts": [], "ttlMs": 0, "cacheScope": "private", "resultType": "complete"}),
    );
    c.json::<ListPromptsResult>(
        V2026,
        "ListPromptsResult",
        json!({"prompts": [{"name": "p", "arguments": [{"name": "a"}]}], "nextCursor": "n",
               "ttlMs": 10, "cacheScope": "public", "resultType": "complete", "_meta": {}}),
    );

    c.json::<GetPromptRequestParams>(V2025, "GetPromptRequestParams", json!({"name": "p"}));
    c.json::<GetPromptRequestParams>(
        V2025,
        "GetPromptRequestParams",
        json!({"name": "p", "arguments": {"a": "1", "b": "2"}, "_meta": {"progressToken": 1}}),
    );
    c.json::<GetPromptRequestParams>(
        V2026,
        "GetPromptRequestParams",
        json!({"name": "p", "_meta": rmeta()}),
    );
    c.json::<GetPromptRequestParams>(
        V2026,
        "GetPromptRequestParams",
        json!({"name": "p", "arguments": {"a": "1"}, "_meta": rmeta_full(),
               "inputResponses": {"k": {"action": "cancel"}}, "requestState": "s"}),
    );
    c.json::<GetPromptRequest>(
        V2025,
        "GetPromptRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "p"}}),
    );
    c.json::<GetPromptRequest>(
        V2025,
        "GetPromptRequest",
        json!({"jsonrpc": "2.0", "id": 2, "method": "prompts/get", "params": {"name": "p", "arguments": {"a": "x"}}}),
    );
    c.json::<GetPromptRequest>(
        V2026,
        "GetPromptRequest",
        json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": "p", "_meta": rmeta()}}),
    );
    c.json::<GetPromptRequest>(
        V2026,
        "GetPromptRequest",
        json!({"jsonrpc": "2.0", "id": "g", "method": "prompts/get",
               "params": {"name": "p", "arguments": {"a": "x"}, "_meta": rmeta_full()}}),
    );
    c.json::<GetPromptResult>(V2025, "GetPromptResult", json!({"messages": []}));
    c.json::<GetPromptResult>(
        V2025,
        "GetPromptResult",
        json!({"description": "d", "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}], "_meta": {}}),
    );
    c.json::<GetPromptResult>(
        V2026,
        "GetPromptResult",
        json!({"messages": [], "resultType": "complete"}),
    );
    c.json::<GetPromptResult>(
        V2026,
        "GetPromptResult",
        json!({"description": "d", "messages": [{"role": "assistant", "content": {"type": "text", "text": "ok"}}],
               "resultType": "complete", "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
    );
    c.value(
        V2025,
        "GetPromptResult",
        &GetPromptResult::new(vec![PromptMessage::user("u")]),
    );

    // Completion references: the structs do not carry `type`; `CompletionReference` does.
    c.json_in::<CompletionReference>(
        both,
        "PromptReference",
        json!({"type": "ref/prompt", "name": "p"}),
    );
    c.json_in::<CompletionReference>(
        both,
        "PromptReference",
        json!({"type": "ref/prompt", "name": "p", "title": "P"}),
    );
    c.json_in::<CompletionReference>(
        both,
        "ResourceTemplateReference",
        json!({"type": "ref/resource", "uri": "file:///{path}"}),
    );
    c.json_in::<CompletionReference>(
        both,
        "ResourceTemplateReference",
        json!({"type": "ref/resource", "uri": "file:///a.txt"}),
    );
}

fn rejections(c: &mut Cases) {
    c.reject::<ContentBlock>(
        "content block with an unknown type",
        json!({"type": "video", "data": "AA=="}),
        "unknown variant `video`",
    );
    c.reject::<ContentBlock>(
        "content block without type",
        json!({"text": "x"}),
        "missing field `type`",
    );
    c.reject::<ResourceContents>(
        "resource contents with neither text nor blob",
        json!({"uri": "file:///a"}),
        "need `text` or `blob`",
    );
    c.reject::<CallToolRequest>(
        "tools/call request with another method",
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"name": "t"}}),
        "expected \"tools/call\"",
    );
    c.reject::<CallToolRequest>(
        "tools/call request without params",
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call"}),
        "missing field `params`",
    );
    c.reject::<Tool>(
        "tool whose execution.taskSupport is unknown",
        json!({"name": "t", "inputSchema": {"type": "object"}, "execution": {"taskSupport": "sometimes"}}),
        "unknown variant `sometimes`",
    );
    c.reject::<CompletionReference>(
        "completion reference with an unknown type",
        json!({"type": "ref/tool", "name": "t"}),
        "unknown variant `ref/tool`",
    );
}
