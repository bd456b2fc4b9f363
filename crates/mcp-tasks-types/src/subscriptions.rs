//! `subscriptions/listen` (MCP 2026-07-28): the long-lived request whose stream
//! carries list-changed, resource-updated and (with the tasks extension) task notifications.
//!
//! The stream opens with `notifications/subscriptions/acknowledged`, naming the subset of the
//! requested filter the server honours; every notification on it carries the listen request's
//! id in `_meta["io.modelcontextprotocol/subscriptionId"]`.

use serde::{Deserialize, Serialize};

use crate::base::Implementation;
use crate::jsonrpc::{JsonObject, RequestId};
use crate::lifecycle::NotificationMeta;
use crate::meta::{Meta, RequestMeta, ResultType};
use crate::tool::{typed_notification, typed_request};

/// Which notifications a listen request asks for, or an acknowledgement grants
/// (`SubscriptionFilter`). Absent or `false` means not subscribed.
///
/// `taskIds` comes from the tasks extension (`TaskSubscriptionNotifications`); the core schema
/// allows it as an additional key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    /// `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools_list_changed: Option<bool>,
    /// `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts_list_changed: Option<bool>,
    /// `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_list_changed: Option<bool>,
    /// `notifications/resources/updated` for these resource URIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_subscriptions: Option<Vec<String>>,
    /// `notifications/tasks` for these task ids (tasks extension; the listen request must
    /// declare the extension, else `-32021`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_ids: Option<Vec<String>>,
    /// Filters of other extensions.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SubscriptionFilter {
    /// Whether nothing at all is subscribed.
    pub fn is_empty(&self) -> bool {
        self.tools_list_changed != Some(true)
            && self.prompts_list_changed != Some(true)
            && self.resources_list_changed != Some(true)
            && self
                .resource_subscriptions
                .as_ref()
                .is_none_or(Vec::is_empty)
            && self.task_ids.as_ref().is_none_or(Vec::is_empty)
            && self.extra.is_empty()
    }

    /// The subset of this (requested) filter that `supported` allows: flags only where both
    /// say `true`, lists only where `supported` has that kind of list at all. Keys of other
    /// extensions are dropped. This is what an acknowledgement sends back.
    pub fn honoured_by(&self, supported: &SubscriptionFilter) -> SubscriptionFilter {
        let flag = |want: Option<bool>, can: Option<bool>| {
            (want == Some(true) && can == Some(true)).then_some(true)
        };
        let list = |want: &Option<Vec<String>>, can: &Option<Vec<String>>| {
            if can.is_some() { want.clone() } else { None }
        };
        SubscriptionFilter {
            tools_list_changed: flag(self.tools_list_changed, supported.tools_list_changed),
            prompts_list_changed: flag(self.prompts_list_changed, supported.prompts_list_changed),
            resources_list_changed: flag(
                self.resources_list_changed,
                supported.resources_list_changed,
            ),
            resource_subscriptions: list(
                &self.resource_subscriptions,
                &supported.resource_subscriptions,
            ),
            task_ids: list(&self.task_ids, &supported.task_ids),
            extra: JsonObject::new(),
        }
    }
}

/// Params of `subscriptions/listen` (`SubscriptionsListenRequestParams`, 2026-07-28).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionsListenRequestParams {
    /// What to deliver on the stream.
    pub notifications: SubscriptionFilter,
    /// `_meta` (required; optional here so a missing one can be answered with `-32602`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SubscriptionsListenRequestParams {
    /// Params asking for `notifications`.
    pub fn new(notifications: SubscriptionFilter, meta: RequestMeta) -> Self {
        SubscriptionsListenRequestParams {
            notifications,
            meta: Some(meta),
            extra: JsonObject::new(),
        }
    }
}

typed_request!(
    /// `subscriptions/listen` request (`SubscriptionsListenRequest`, 2026-07-28 only).
    SubscriptionsListenRequest {
        method: SubscriptionsListenMethod = "subscriptions/listen",
        params: SubscriptionsListenRequestParams
    }
);

/// Params of `notifications/subscriptions/acknowledged`
/// (`SubscriptionsAcknowledgedNotificationParams`, 2026-07-28): the first message of a listen
/// stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionsAcknowledgedNotificationParams {
    /// The subset of the requested filter the server honours.
    pub notifications: SubscriptionFilter,
    /// `_meta`, carrying the subscription id.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SubscriptionsAcknowledgedNotificationParams {
    /// The acknowledgement of the listen request `subscription_id`.
    pub fn new(subscription_id: RequestId, notifications: SubscriptionFilter) -> Self {
        SubscriptionsAcknowledgedNotificationParams {
            notifications,
            meta: Some(NotificationMeta::for_subscription(subscription_id).into_meta()),
            extra: JsonObject::new(),
        }
    }

    /// The subscription id in `_meta`, if present and well-formed.
    pub fn subscription_id(&self) -> Option<RequestId> {
        crate::lifecycle::subscription_id_of(self.meta.as_ref())
    }
}

typed_notification!(
    /// `notifications/subscriptions/acknowledged` (`SubscriptionsAcknowledgedNotification`,
    /// 2026-07-28 only).
    SubscriptionsAcknowledgedNotification {
        method: SubscriptionsAcknowledgedMethod = "notifications/subscriptions/acknowledged",
        params: SubscriptionsAcknowledgedNotificationParams
    }
);

/// The `_meta` of a [`SubscriptionsListenResult`] (`SubscriptionsListenResultMetaObject`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionsListenResultMeta {
    /// The id of the listen request this result ends.
    #[serde(rename = "io.modelcontextprotocol/subscriptionId")]
    pub subscription_id: RequestId,
    /// `io.modelcontextprotocol/serverInfo`.
    #[serde(
        rename = "io.modelcontextprotocol/serverInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub server_info: Option<Implementation>,
    /// Every other key.
    #[serde(flatten)]
    pub extra: Meta,
}

/// The result that ends a listen stream gracefully (`SubscriptionsListenResult`,
/// 2026-07-28): sent when the server tears the subscription down. A stream that closes
/// without it was dropped, and the client may listen again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionsListenResult {
    /// `resultType` (`"complete"`).
    #[serde(rename = "resultType")]
    pub result_type: ResultType,
    /// `_meta`, naming the subscription.
    #[serde(rename = "_meta")]
    pub meta: SubscriptionsListenResultMeta,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl SubscriptionsListenResult {
    /// The graceful end of the listen request `subscription_id`.
    pub fn new(subscription_id: RequestId) -> Self {
        SubscriptionsListenResult {
            result_type: ResultType::Complete,
            meta: SubscriptionsListenResultMeta {
                subscription_id,
                server_info: None,
                extra: Meta::new(),
            },
            extra: JsonObject::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn method_tags_match_method_names() {
        use crate::methods;
        assert_eq!(
            SubscriptionsListenRequest::METHOD,
            methods::SUBSCRIPTIONS_LISTEN
        );
        assert_eq!(
            SubscriptionsAcknowledgedNotification::METHOD,
            methods::notifications::SUBSCRIPTIONS_ACKNOWLEDGED
        );
    }

    #[test]
    fn acknowledgement_grants_the_supported_subset() {
        let asked: SubscriptionFilter = serde_json::from_value(json!({
            "toolsListChanged": true, "promptsListChanged": true,
            "resourceSubscriptions": ["file:///a"], "taskIds": ["t1"], "x.example/other": true
        }))
        .unwrap();
        let supported = SubscriptionFilter {
            tools_list_changed: Some(true),
            task_ids: Some(vec![]),
            ..Default::default()
        };
        let granted = asked.honoured_by(&supported);
        assert_eq!(
            serde_json::to_value(&granted).unwrap(),
            json!({"toolsListChanged": true, "taskIds": ["t1"]})
        );
        assert!(!granted.is_empty());
        assert!(SubscriptionFilter::default().is_empty());
    }

    #[test]
    fn acknowledgement_carries_the_subscription_id() {
        let ack = SubscriptionsAcknowledgedNotificationParams::new(
            RequestId::from("L1"),
            SubscriptionFilter::default(),
        );
        assert_eq!(ack.subscription_id(), Some(RequestId::from("L1")));
        assert_eq!(
            serde_json::to_value(&ack).unwrap(),
            json!({"notifications":{},"_meta":{"io.modelcontextprotocol/subscriptionId":"L1"}})
        );
    }
}
