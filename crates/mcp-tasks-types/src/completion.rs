//! Argument autocompletion: `completion/complete` (both eras).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::jsonrpc::JsonObject;
use crate::meta::{Meta, RequestMeta, ResultType};
use crate::tool::typed_request;

// The references are defined beside prompts (the CONTENT area wrote them first); they are
// re-exported here because completion is their only user.
pub use crate::prompt::{CompletionReference, PromptReference, ResourceTemplateReference};

/// The most values one completion may carry (2026-07-28 schema `maxItems`).
pub const MAX_COMPLETION_VALUES: usize = 100;

/// The argument being completed (`CompleteRequestParams.argument`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompletionArgument {
    /// Argument name.
    pub name: String,
    /// What the user typed so far.
    pub value: String,
}

/// Context for a completion (`CompleteRequestParams.context`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompletionContext {
    /// Arguments already resolved, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<BTreeMap<String, String>>,
}

/// Params of `completion/complete` (`CompleteRequestParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompleteRequestParams {
    /// The prompt or resource template.
    #[serde(rename = "ref")]
    pub reference: CompletionReference,
    /// The argument to complete.
    pub argument: CompletionArgument,
    /// Already-resolved arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<CompletionContext>,
    /// `_meta` (required in 2026-07-28).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<RequestMeta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CompleteRequestParams {
    /// Params completing `argument` (typed so far: `value`) of `reference`.
    pub fn new(
        reference: CompletionReference,
        argument: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        CompleteRequestParams {
            reference,
            argument: CompletionArgument {
                name: argument.into(),
                value: value.into(),
            },
            context: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

typed_request!(
    /// `completion/complete` request (`CompleteRequest`).
    CompleteRequest {
        method: CompletionCompleteMethod = "completion/complete",
        params: CompleteRequestParams
    }
);

/// The completions (`CompleteResult.completion`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    /// Suggested values, at most [`MAX_COMPLETION_VALUES`].
    pub values: Vec<String>,
    /// How many matches exist in total (may exceed `values.len()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Whether more matches exist than were sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
}

impl Completion {
    /// The first [`MAX_COMPLETION_VALUES`] of `matches`, with `total` and `hasMore` set when
    /// some were left out.
    pub fn from_matches(matches: impl IntoIterator<Item = String>) -> Self {
        let mut values: Vec<String> = matches.into_iter().collect();
        let total = values.len();
        if total <= MAX_COMPLETION_VALUES {
            return Completion {
                values,
                total: None,
                has_more: None,
            };
        }
        values.truncate(MAX_COMPLETION_VALUES);
        Completion {
            values,
            total: Some(total as u64),
            has_more: Some(true),
        }
    }
}

/// The result of `completion/complete` (`CompleteResult`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompleteResult {
    /// The completions.
    pub completion: Completion,
    /// `resultType` (required in 2026-07-28, absent in 2025-11-25).
    #[serde(
        rename = "resultType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_type: Option<ResultType>,
    /// `_meta`.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Keys this type does not model.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CompleteResult {
    /// A result with these completions and no `resultType` or `_meta`.
    pub fn new(completion: Completion) -> Self {
        CompleteResult {
            completion,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_tag_matches_method_name() {
        assert_eq!(CompleteRequest::METHOD, crate::methods::COMPLETION_COMPLETE);
    }

    #[test]
    fn long_match_lists_are_truncated() {
        let c = Completion::from_matches((0..150).map(|i| i.to_string()));
        assert_eq!(c.values.len(), MAX_COMPLETION_VALUES);
        assert_eq!((c.total, c.has_more), (Some(150), Some(true)));
        let c = Completion::from_matches(["a".to_owned()]);
        assert_eq!((c.total, c.has_more), (None, None));
    }
}
