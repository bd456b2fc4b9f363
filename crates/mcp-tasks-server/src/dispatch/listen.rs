//! Change notifications to subscribers: `subscriptions/listen` streams (2026-07-28,
//! MCP 2026-07-28 `subscriptions/listen`) and the standalone stream of a legacy session (2025-11-25 list changes and
//! `resources/subscribe`).
//!
//! Both read the server's event broadcast ([`ServerEvent`]) for list and resource changes;
//! listen streams get their tasks' changes from their own feed
//! ([`task_feed`](crate::task_feed)). What an event becomes on the wire is decided by
//! [`deliver`] against what the subscriber asked for.

use std::collections::VecDeque;
use std::sync::{Arc, Weak};

use futures_util::stream;
use mcp_tasks_transport::{Context, Reply, SseEvent, TransportKind};
use mcp_tasks_types::jsonrpc::{JsonRpcNotification, RequestId};
use mcp_tasks_types::lifecycle::NotificationMeta;
use mcp_tasks_types::methods::notifications as notif;
use mcp_tasks_types::subscriptions::{
    SubscriptionFilter, SubscriptionsAcknowledgedNotificationParams,
    SubscriptionsListenRequestParams, SubscriptionsListenResult,
};
use mcp_tasks_types::{JsonObject, JsonRpcMessage};
use serde_json::Value;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::session::Session;
use crate::{Inner, ServerEvent};

/// What this server can deliver on a listen stream. Task notifications (`taskIds`) are the
/// tasks engine's to add: until then they are left out of the acknowledgement, which tells
/// the client they are not delivered.
fn supported() -> SubscriptionFilter {
    SubscriptionFilter {
        tools_list_changed: Some(true),
        prompts_list_changed: Some(true),
        resources_list_changed: Some(true),
        resource_subscriptions: Some(Vec::new()),
        // The ids were already narrowed to the tasks the caller may see (or refused with
        // -32021) by `Inner::task_subscription`.
        task_ids: Some(Vec::new()),
        ..Default::default()
    }
}

/// The notification (method, params without `_meta`) `ev` becomes for a subscriber granted
/// `filter`, or `None` when the subscriber did not ask for it.
pub(crate) fn deliver(
    ev: &ServerEvent,
    filter: &SubscriptionFilter,
) -> Option<(&'static str, JsonObject)> {
    let on = |f: Option<bool>| f == Some(true);
    match ev {
        ServerEvent::ToolsListChanged if on(filter.tools_list_changed) => {
            Some((notif::TOOLS_LIST_CHANGED, JsonObject::new()))
        }
        ServerEvent::PromptsListChanged if on(filter.prompts_list_changed) => {
            Some((notif::PROMPTS_LIST_CHANGED, JsonObject::new()))
        }
        ServerEvent::ResourcesListChanged if on(filter.resources_list_changed) => {
            Some((notif::RESOURCES_LIST_CHANGED, JsonObject::new()))
        }
        ServerEvent::ResourceUpdated(uri) => {
            let subscribed = filter.resource_subscriptions.as_deref().unwrap_or_default();
            subscribed.iter().any(|s| covers(s, uri)).then(|| {
                let mut p = JsonObject::new();
                p.insert("uri".into(), Value::String(uri.clone()));
                (notif::RESOURCES_UPDATED, p)
            })
        }
        ServerEvent::TaskChanged { id, params } => filter
            .task_ids
            .as_deref()
            .unwrap_or_default()
            .contains(id)
            .then(|| (notif::TASKS, params.clone())),
        _ => None,
    }
}

/// Whether a subscription to `subscribed` covers an update of `uri` (the resource itself or
/// a sub-resource of it).
fn covers(subscribed: &str, uri: &str) -> bool {
    uri == subscribed
        || uri
            .strip_prefix(subscribed)
            .is_some_and(|rest| subscribed.ends_with('/') || rest.starts_with('/'))
}

/// After a lag the subscriber may have missed anything: every list it follows is reported
/// changed, so it refetches. (Missed resource updates cannot be reconstructed; the lists
/// are the part a client can always recover from.)
fn after_lag(filter: &SubscriptionFilter) -> Vec<ServerEvent> {
    [
        ServerEvent::ToolsListChanged,
        ServerEvent::PromptsListChanged,
        ServerEvent::ResourcesListChanged,
    ]
    .into_iter()
    .filter(|e| deliver(e, filter).is_some())
    .collect()
}

fn notification(method: &str, params: JsonObject) -> Option<JsonRpcMessage> {
    JsonRpcNotification::new(method, Value::Object(params))
        .ok()
        .map(JsonRpcMessage::Notification)
}

/// `notification` tagged with the listen stream's subscription id.
fn tagged(method: &str, mut params: JsonObject, id: &RequestId) -> Option<JsonRpcMessage> {
    let meta = serde_json::to_value(NotificationMeta::for_subscription(id.clone())).ok()?;
    params.insert("_meta".into(), meta);
    notification(method, params)
}

/// What a listen stream woke up for.
enum ServerEvents {
    One(ServerEvent),
    Tasks(Vec<(String, JsonObject)>),
}

/// Removes a stdio listen request from the in-flight table when its stream ends.
struct InflightEntry {
    inner: Weak<Inner>,
    key: (String, RequestId),
}

impl Drop for InflightEntry {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            inner.inflight.lock().remove(&self.key);
        }
    }
}

struct ListenState {
    events: broadcast::Receiver<ServerEvent>,
    granted: SubscriptionFilter,
    id: RequestId,
    queue: VecDeque<JsonRpcMessage>,
    stop: CancellationToken,
    /// The server is shutting down: the stream ends with `last`.
    closing: CancellationToken,
    /// The graceful end of the subscription (its `SubscriptionsListenResult`), sent when the
    /// server tears the stream down (MCP 2026-07-28 `subscriptions/listen`, item 5).
    last: Option<JsonRpcMessage>,
    _entry: Option<InflightEntry>,
    /// The subscribed tasks are followed across instances while the stream is open.
    _watch: Option<crate::task::engine::WatchGuard>,
    /// The subscribed tasks' changes.
    feed: Option<crate::task_feed::FeedGuard>,
}

impl Inner {
    /// `subscriptions/listen`: a stream that opens with the acknowledgement and then carries
    /// the subscribed notifications, each tagged with the listen request's id. It ends when
    /// the client goes away (HTTP: closes the stream; stdio: `notifications/cancelled`), or
    /// with the listen request's result when the server shuts down.
    ///
    /// `events` must have been subscribed before `initial` (the current state of what the
    /// client asked for, e.g. its tasks) was read, so no change falls between the two.
    pub(crate) fn listen(
        self: Arc<Self>,
        id: RequestId,
        params: SubscriptionsListenRequestParams,
        events: broadcast::Receiver<ServerEvent>,
        feed: Option<crate::task_feed::FeedGuard>,
        initial: Vec<ServerEvent>,
        cx: &Context,
    ) -> Reply {
        let granted = params.notifications.honoured_by(&supported());
        let stop = CancellationToken::new();
        let entry = (cx.kind == TransportKind::Stdio).then(|| {
            let key = (cx.session_id.clone().unwrap_or_default(), id.clone());
            self.inflight.lock().insert(key.clone(), stop.clone());
            InflightEntry {
                inner: Arc::downgrade(&self),
                key,
            }
        });
        let ack = SubscriptionsAcknowledgedNotificationParams::new(id.clone(), granted.clone());
        let mut queue: VecDeque<_> = serde_json::to_value(ack)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .and_then(|p| notification(notif::SUBSCRIPTIONS_ACKNOWLEDGED, p))
            .into_iter()
            .collect();
        // Right after the ack: the current state, so a late subscriber is not left waiting
        // for a change that may never come (e.g. a task that already finished).
        for ev in &initial {
            if let Some((method, p)) = deliver(ev, &granted) {
                queue.extend(tagged(method, p, &id));
            }
        }
        let watch = match (&self.tasks, granted.task_ids.as_deref()) {
            (Some(engine), Some(ids)) if !ids.is_empty() => Some(engine.watch(ids.to_vec())),
            _ => None,
        };
        let last = crate::render::ok(
            mcp_tasks_types::Era::Modern,
            &self.info,
            SubscriptionsListenResult::new(id.clone()),
        )
        .ok()
        .map(|r| crate::render::response(id.clone(), r.into_object()));
        let state = ListenState {
            events,
            granted,
            id,
            queue,
            stop,
            closing: self.closing.clone(),
            last,
            _entry: entry,
            _watch: watch,
            feed,
        };
        Reply::subscription(Box::pin(stream::unfold(state, |mut st| async move {
            loop {
                if let Some(m) = st.queue.pop_front() {
                    return Some((SseEvent::message(m), st));
                }
                let ev = tokio::select! {
                    biased;
                    () = st.stop.cancelled() => return None,
                    () = st.closing.cancelled() => {
                        // Queued notifications went out first; then the graceful end, once.
                        let last = st.last.take()?;
                        return Some((SseEvent::message(last), st));
                    }
                    r = st.events.recv() => r.map(ServerEvents::One),
                    changed = async {
                        match &st.feed {
                            Some(g) => g.feed.next().await,
                            None => std::future::pending().await,
                        }
                    } => Ok(ServerEvents::Tasks(changed)),
                };
                let evs = match ev {
                    Ok(ServerEvents::One(e)) => vec![e],
                    Ok(ServerEvents::Tasks(changed)) => changed
                        .into_iter()
                        .map(|(id, params)| ServerEvent::TaskChanged { id, params })
                        .collect(),
                    Err(RecvError::Lagged(_)) => after_lag(&st.granted),
                    Err(RecvError::Closed) => return None,
                };
                for e in evs {
                    if let Some((method, p)) = deliver(&e, &st.granted) {
                        st.queue.extend(tagged(method, p, &st.id));
                    }
                }
            }
        })))
    }
}

/// Forwards change notifications to a legacy session's standalone stream until that stream
/// closes or the session ends: list changes always (the server declares `listChanged`), and
/// `notifications/resources/updated` for the URIs the session subscribed to.
pub(crate) fn forward_to_session(
    mut events: broadcast::Receiver<ServerEvent>,
    session: Weak<Session>,
    tx: mpsc::UnboundedSender<JsonRpcMessage>,
) {
    tokio::spawn(async move {
        loop {
            let ev = tokio::select! {
                r = events.recv() => r,
                () = tx.closed() => return,
            };
            let Some(s) = session.upgrade() else { return };
            let filter = SubscriptionFilter {
                tools_list_changed: Some(true),
                prompts_list_changed: Some(true),
                resources_list_changed: Some(true),
                resource_subscriptions: Some(s.subscriptions.lock().iter().cloned().collect()),
                ..Default::default()
            };
            let evs = match ev {
                Ok(e) => vec![e],
                Err(RecvError::Lagged(_)) => after_lag(&filter),
                Err(RecvError::Closed) => return,
            };
            for e in evs {
                if let Some(m) = deliver(&e, &filter).and_then(|(m, p)| notification(m, p)) {
                    if tx.send(m).is_err() {
                        return;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_requested_notifications_are_delivered() {
        let asked: SubscriptionFilter = serde_json::from_value(serde_json::json!({
            "promptsListChanged": true, "resourceSubscriptions": ["test://a"]
        }))
        .unwrap();
        let granted = asked.honoured_by(&supported());
        assert!(deliver(&ServerEvent::ToolsListChanged, &granted).is_none());
        assert_eq!(
            deliver(&ServerEvent::PromptsListChanged, &granted).map(|d| d.0),
            Some(notif::PROMPTS_LIST_CHANGED)
        );
        let upd = deliver(&ServerEvent::ResourceUpdated("test://a/b".into()), &granted).unwrap();
        assert_eq!(upd.1["uri"], "test://a/b");
        assert!(deliver(&ServerEvent::ResourceUpdated("test://ab".into()), &granted).is_none());
        assert_eq!(after_lag(&granted), vec![ServerEvent::PromptsListChanged]);
    }

    #[test]
    fn notifications_carry_the_subscription_id() {
        let m = tagged(
            notif::TOOLS_LIST_CHANGED,
            JsonObject::new(),
            &RequestId::from("L1"),
        )
        .unwrap();
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
            "L1"
        );
    }
}
