//! Cases for Tasks v1 (2025-11-25) and the tasks extension (`tasks-extension.schema.json`).

use mcp_tasks_types::task::{CancelTaskRequest, GetTaskRequest, TaskStatus, ext, v1};
use serde_json::{Value, json};

use crate::harness::{Cases, Schema::*};

/// Request `_meta` of a modern request that declares the tasks extension.
fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {
            "extensions": {"io.modelcontextprotocol/tasks": {}}
        }
    })
}

/// Every common field of an extension task, for the "full" instances.
fn ext_full(status: &str) -> Value {
    json!({
        "taskId": "t-9f3a",
        "status": status,
        "statusMessage": "in progress",
        "createdAt": "2026-08-01T10:00:00Z",
        "lastUpdatedAt": "2026-08-01T10:00:05Z",
        "ttlMs": 3_600_000,
        "pollIntervalMs": 5000
    })
}

/// Only the required fields of an extension task.
fn ext_min(status: &str) -> Value {
    json!({
        "taskId": "t-1",
        "status": status,
        "createdAt": "2026-08-01T10:00:00Z",
        "lastUpdatedAt": "2026-08-01T10:00:00Z",
        "ttlMs": null
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    let obj = base.as_object_mut().unwrap();
    for (k, v) in extra.as_object().unwrap() {
        obj.insert(k.clone(), v.clone());
    }
    base
}

fn input_requests() -> Value {
    json!({
        "ask-name": {
            "method": "elicitation/create",
            "params": {
                "mode": "form",
                "message": "Which branch?",
                "requestedSchema": {"type": "object", "properties": {"branch": {"type": "string"}}}
            }
        },
        "roots-1": {"method": "roots/list"}
    })
}

fn payloads() -> [(&'static str, Value); 5] {
    [
        ("working", json!({})),
        ("input_required", json!({"inputRequests": input_requests()})),
        (
            "completed",
            json!({"result": {"content": [{"type": "text", "text": "done"}], "isError": false}}),
        ),
        (
            "failed",
            json!({"error": {"code": -32603, "message": "backend down", "data": {"retry": true}}}),
        ),
        ("cancelled", json!({})),
    ]
}

fn v1_full(status: &str) -> Value {
    json!({
        "taskId": "786512e2-9e0d-44bd-8f29-789f320fe840",
        "status": status,
        "statusMessage": "The operation is now in progress.",
        "createdAt": "2025-11-25T10:30:00Z",
        "lastUpdatedAt": "2025-11-25T10:40:00Z",
        "ttl": 60000,
        "pollInterval": 5000
    })
}

fn v1_min() -> Value {
    json!({
        "taskId": "t-1",
        "status": "working",
        "createdAt": "2025-11-25T10:30:00Z",
        "lastUpdatedAt": "2025-11-25T10:30:00Z",
        "ttl": null
    })
}

pub(crate) fn cases(c: &mut Cases) {
    // ----- shared -----
    for s in TaskStatus::ALL {
        c.json_in::<TaskStatus>(&[V2025, Ext], "TaskStatus", json!(s.as_str()));
    }
    let get_min = json!({"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"taskId":"t-1"}});
    let cancel_min =
        json!({"jsonrpc":"2.0","id":"c1","method":"tasks/cancel","params":{"taskId":"t-1"}});
    c.json_in::<GetTaskRequest>(&[V2025, Ext], "GetTaskRequest", get_min.clone());
    c.json_in::<CancelTaskRequest>(&[V2025, Ext], "CancelTaskRequest", cancel_min.clone());
    c.json::<GetTaskRequest>(
        V2025,
        "GetTaskRequest",
        json!({"jsonrpc":"2.0","id":"g","method":"tasks/get","params":{"taskId":"t-1","_meta":{"progressToken":"p"}}}),
    );
    c.json::<CancelTaskRequest>(
        V2025,
        "CancelTaskRequest",
        json!({"jsonrpc":"2.0","id":2,"method":"tasks/cancel","params":{"taskId":"t-1","_meta":{"progressToken":3,"trace":"x"}}}),
    );
    c.json::<GetTaskRequest>(
        Ext,
        "GetTaskRequest",
        json!({"jsonrpc":"2.0","id":7,"method":"tasks/get","params":{"taskId":"t-9f3a","_meta":modern_meta()}}),
    );
    c.json::<CancelTaskRequest>(
        Ext,
        "CancelTaskRequest",
        json!({"jsonrpc":"2.0","id":8,"method":"tasks/cancel","params":{"taskId":"t-9f3a","_meta":modern_meta()}}),
    );

    v1_cases(c);
    ext_cases(c);
    rejections(c);
}

fn v1_cases(c: &mut Cases) {
    c.json::<v1::Task>(V2025, "Task", v1_min());
    for s in TaskStatus::ALL {
        c.json::<v1::Task>(V2025, "Task", v1_full(s.as_str()));
    }
    c.json::<v1::TaskMetadata>(V2025, "TaskMetadata", json!({}));
    c.json::<v1::TaskMetadata>(V2025, "TaskMetadata", json!({"ttl": 60000}));
    c.json::<v1::RelatedTaskMetadata>(V2025, "RelatedTaskMetadata", json!({"taskId": "t-1"}));
    c.json::<v1::RelatedTaskMetadata>(
        V2025,
        "RelatedTaskMetadata",
        json!({"taskId": "786512e2-9e0d-44bd-8f29-789f320fe840"}),
    );
    c.json::<v1::TaskAugmentedRequestParams>(V2025, "TaskAugmentedRequestParams", json!({}));
    c.json::<v1::TaskAugmentedRequestParams>(
        V2025,
        "TaskAugmentedRequestParams",
        json!({"_meta":{"progressToken":"p1"},"task":{"ttl":60000},"name":"get_weather","arguments":{"city":"Paris"}}),
    );
    c.json::<v1::CreateTaskResult>(V2025, "CreateTaskResult", json!({"task": v1_min()}));
    c.json::<v1::CreateTaskResult>(
        V2025,
        "CreateTaskResult",
        json!({"task": v1_full("working"), "_meta": {
            "io.modelcontextprotocol/model-immediate-response": "The weather lookup has started."
        }}),
    );
    for def in ["GetTaskResult", "CancelTaskResult"] {
        c.json::<v1::GetTaskResult>(V2025, def, v1_min());
        c.json::<v1::GetTaskResult>(
            V2025,
            def,
            with(v1_full("cancelled"), json!({"_meta": {"x": 1}})),
        );
    }
    c.json::<v1::GetTaskPayloadRequest>(
        V2025,
        "GetTaskPayloadRequest",
        json!({"jsonrpc":"2.0","id":4,"method":"tasks/result","params":{"taskId":"t-1"}}),
    );
    c.json::<v1::GetTaskPayloadRequest>(
        V2025,
        "GetTaskPayloadRequest",
        json!({"jsonrpc":"2.0","id":"r","method":"tasks/result","params":{"taskId":"t-1","_meta":{"progressToken":5}}}),
    );
    c.json::<v1::GetTaskPayloadResult>(V2025, "GetTaskPayloadResult", json!({}));
    c.json::<v1::GetTaskPayloadResult>(
        V2025,
        "GetTaskPayloadResult",
        json!({
            "_meta": {"io.modelcontextprotocol/related-task": {"taskId": "t-1"}},
            "content": [{"type": "text", "text": "Sunny, 21°C"}],
            "isError": false
        }),
    );
    c.json::<v1::ListTasksRequest>(
        V2025,
        "ListTasksRequest",
        json!({"jsonrpc":"2.0","id":5,"method":"tasks/list"}),
    );
    c.json::<v1::ListTasksRequest>(
        V2025,
        "ListTasksRequest",
        json!({"jsonrpc":"2.0","id":6,"method":"tasks/list","params":{"cursor":"c2","_meta":{"progressToken":"p"}}}),
    );
    c.json::<v1::ListTasksResult>(V2025, "ListTasksResult", json!({"tasks": []}));
    c.json::<v1::ListTasksResult>(
        V2025,
        "ListTasksResult",
        json!({"tasks": [v1_min(), v1_full("completed")], "nextCursor": "c3", "_meta": {"k": "v"}}),
    );
    c.json::<v1::TaskStatusNotificationParams>(V2025, "TaskStatusNotificationParams", v1_min());
    c.json::<v1::TaskStatusNotificationParams>(
        V2025,
        "TaskStatusNotificationParams",
        with(v1_full("failed"), json!({"_meta": {"k": "v"}})),
    );
    c.json::<v1::TaskStatusNotification>(
        V2025,
        "TaskStatusNotification",
        json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params": v1_min()}),
    );
    c.json::<v1::TaskStatusNotification>(
        V2025,
        "TaskStatusNotification",
        json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params": v1_full("input_required")}),
    );
}

fn ext_cases(c: &mut Cases) {
    c.json::<ext::Task>(Ext, "Task", ext_min("working"));
    for s in TaskStatus::ALL {
        c.json::<ext::Task>(Ext, "Task", ext_full(s.as_str()));
    }

    // Each variant def and the union, with the minimal and the full common fields.
    let variant_def = [
        "WorkingTask",
        "InputRequiredTask",
        "CompletedTask",
        "FailedTask",
        "CancelledTask",
    ];
    for ((status, payload), def) in payloads().into_iter().zip(variant_def) {
        let min = with(ext_min(status), payload.clone());
        let full = with(ext_full(status), payload);
        for d in [def, "DetailedTask"] {
            c.json::<ext::DetailedTask>(Ext, d, min.clone());
            c.json::<ext::DetailedTask>(Ext, d, full.clone());
        }
        // The result and notification wrap the same union.
        c.json::<ext::GetTaskResult>(
            Ext,
            "GetTaskResult",
            with(min.clone(), json!({"resultType": "complete"})),
        );
        c.json::<ext::GetTaskResult>(
            Ext,
            "GetTaskResult",
            with(
                full.clone(),
                json!({"resultType": "complete", "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
            ),
        );
        c.json::<ext::TaskStatusNotificationParams>(
            Ext,
            "TaskStatusNotificationParams",
            min.clone(),
        );
        let params = with(
            full,
            json!({"_meta": {"io.modelcontextprotocol/subscriptionId": 7}}),
        );
        c.json::<ext::TaskStatusNotificationParams>(
            Ext,
            "TaskStatusNotificationParams",
            params.clone(),
        );
        c.json::<ext::TaskStatusNotification>(
            Ext,
            "TaskStatusNotification",
            json!({"jsonrpc":"2.0","method":"notifications/tasks","params": min}),
        );
        c.json::<ext::TaskStatusNotification>(
            Ext,
            "TaskStatusNotification",
            json!({"jsonrpc":"2.0","method":"notifications/tasks","params": params}),
        );
    }

    c.json::<ext::CreateTaskResult>(
        Ext,
        "CreateTaskResult",
        with(ext_min("working"), json!({"resultType": "task"})),
    );
    c.json::<ext::CreateTaskResult>(
        Ext,
        "CreateTaskResult",
        with(
            ext_full("working"),
            json!({"resultType": "task", "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
        ),
    );
    // The seed status need not be `working`.
    c.json::<ext::CreateTaskResult>(
        Ext,
        "CreateTaskResult",
        with(ext_min("completed"), json!({"resultType": "task"})),
    );

    c.json::<ext::UpdateTaskRequest>(
        Ext,
        "UpdateTaskRequest",
        json!({"jsonrpc":"2.0","id":9,"method":"tasks/update","params":{"taskId":"t-1","inputResponses":{}}}),
    );
    c.json::<ext::UpdateTaskRequest>(
        Ext,
        "UpdateTaskRequest",
        json!({"jsonrpc":"2.0","id":"u","method":"tasks/update","params":{
            "taskId": "t-9f3a",
            "inputResponses": {
                "ask-name": {"action": "accept", "content": {"branch": "main"}},
                "roots-1": {"roots": [{"uri": "file:///repo", "name": "repo"}]}
            },
            "_meta": modern_meta()
        }}),
    );
    for def in ["UpdateTaskResult", "CancelTaskResult"] {
        c.json::<ext::AckResult>(Ext, def, json!({"resultType": "complete"}));
        c.json::<ext::AckResult>(
            Ext,
            def,
            json!({"resultType": "complete", "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "s", "version": "1"}}}),
        );
    }

    for def in [
        "TaskSubscriptionNotifications",
        "TaskSubscriptionAcknowledgedNotifications",
    ] {
        c.json::<ext::TaskSubscriptionNotifications>(Ext, def, json!({}));
        c.json::<ext::TaskSubscriptionNotifications>(Ext, def, json!({"taskIds": ["t-1", "t-2"]}));
    }
    // `{}` is the only valid instance (no properties allowed), so there is no "full" one.
    c.json::<ext::TasksExtensionCapability>(Ext, "TasksExtensionCapability", json!({}));
    c.sole_instance(
        Ext,
        "TasksExtensionCapability",
        "an object with no properties allowed: `{}` is both minimal and full",
    );
}

fn rejections(c: &mut Cases) {
    c.reject::<ext::DetailedTask>(
        "DetailedTask with an unknown status",
        with(ext_min("done"), json!({})),
        "unknown variant `done`",
    );
    c.reject::<ext::GetTaskResult>(
        "GetTaskResult with an unknown status",
        with(ext_min("finished"), json!({"resultType": "complete"})),
        "unknown variant `finished`",
    );
    let mut no_id = ext_min("working");
    no_id.as_object_mut().unwrap().remove("taskId");
    c.reject::<ext::DetailedTask>("extension task without taskId", no_id.clone(), "taskId");
    c.reject::<ext::Task>(
        "extension Task without taskId",
        no_id,
        "missing field `taskId`",
    );
    let mut v1_no_id = v1_min();
    v1_no_id.as_object_mut().unwrap().remove("taskId");
    c.reject::<v1::Task>("v1 Task without taskId", v1_no_id, "missing field `taskId`");
    c.reject::<ext::GetTaskResult>(
        "tasks/get result with resultType \"task\"",
        with(ext_min("working"), json!({"resultType": "task"})),
        "expected \"complete\"",
    );
    c.reject::<ext::GetTaskResult>(
        "tasks/get result without resultType",
        ext_min("working"),
        "resultType",
    );
    c.reject::<ext::CreateTaskResult>(
        "CreateTaskResult with resultType \"complete\"",
        with(ext_min("working"), json!({"resultType": "complete"})),
        "expected \"task\"",
    );
    c.reject::<ext::DetailedTask>(
        "CompletedTask without result",
        ext_min("completed"),
        "requires `result`",
    );
    c.reject::<ext::DetailedTask>(
        "FailedTask without error",
        ext_min("failed"),
        "requires `error`",
    );
    c.reject::<ext::DetailedTask>(
        "InputRequiredTask without inputRequests",
        ext_min("input_required"),
        "requires `inputRequests`",
    );
    c.reject::<ext::DetailedTask>(
        "working task carrying a result",
        with(ext_min("working"), json!({"result": {}})),
        "`result` is not allowed",
    );
    let mut no_ttl_ms = ext_min("working");
    no_ttl_ms.as_object_mut().unwrap().remove("ttlMs");
    c.reject::<ext::DetailedTask>(
        "extension task without ttlMs",
        no_ttl_ms,
        "missing field `ttlMs`",
    );
    let mut no_ttl = v1_min();
    no_ttl.as_object_mut().unwrap().remove("ttl");
    c.reject::<v1::Task>("v1 Task without ttl", no_ttl.clone(), "missing field `ttl`");
    c.reject::<v1::GetTaskResult>(
        "v1 GetTaskResult without ttl",
        no_ttl,
        "missing field `ttl`",
    );
    c.reject::<ext::TasksExtensionCapability>(
        "TasksExtensionCapability with a setting",
        json!({"mode": "x"}),
        "unknown field `mode`",
    );
    c.reject::<GetTaskRequest>(
        "tasks/get request with another method",
        json!({"jsonrpc":"2.0","id":1,"method":"tasks/result","params":{"taskId":"t"}}),
        "expected \"tasks/get\"",
    );
    c.reject::<ext::UpdateTaskRequest>(
        "tasks/update without inputResponses",
        json!({"jsonrpc":"2.0","id":1,"method":"tasks/update","params":{"taskId":"t"}}),
        "inputResponses",
    );
}
