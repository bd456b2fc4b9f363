//! The task state machine (SEP-2663 "Status machine"; SEP-1686 "Status lifecycle"): a pure function, no I/O, no clock.
//!
//! Every status change of a stored task goes through [`next`]; terminal states never change.

use mcp_tasks_types::task::TaskStatus;

/// What happens to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEvent {
    /// The handler asked for client input.
    InputRequested,
    /// Every outstanding input was answered.
    InputsAnswered,
    /// The handler produced a result (tool results with `isError: true` included).
    Completed,
    /// The handler failed with a JSON-RPC error.
    Failed,
    /// `tasks/cancel` (or shutdown) stopped the task.
    Cancelled,
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("illegal task transition: {from:?} on {event:?}")]
pub struct IllegalTransition {
    /// The status the task was in.
    pub from: TaskStatus,
    /// The event that cannot apply.
    pub event: TaskEvent,
}

/// The status after `event`, or why it cannot happen.
pub fn next(from: TaskStatus, event: TaskEvent) -> Result<TaskStatus, IllegalTransition> {
    use TaskEvent as E;
    use TaskStatus as S;
    let to = match (from, event) {
        (S::Completed | S::Failed | S::Cancelled, _) => None,
        (S::Working, E::InputRequested) => Some(S::InputRequired),
        // More input while already waiting keeps the status.
        (S::InputRequired, E::InputRequested) => Some(S::InputRequired),
        (S::InputRequired, E::InputsAnswered) => Some(S::Working),
        (S::Working, E::InputsAnswered) => None,
        (S::Working | S::InputRequired, E::Completed) => Some(S::Completed),
        (S::Working | S::InputRequired, E::Failed) => Some(S::Failed),
        (S::Working | S::InputRequired, E::Cancelled) => Some(S::Cancelled),
    };
    to.ok_or(IllegalTransition { from, event })
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskEvent as E;
    use TaskStatus as S;

    /// The full table of SEP-2663 "Status machine": every (status, event) pair.
    #[test]
    fn transition_table() {
        let table: &[(S, E, Option<S>)] = &[
            (S::Working, E::InputRequested, Some(S::InputRequired)),
            (S::Working, E::InputsAnswered, None),
            (S::Working, E::Completed, Some(S::Completed)),
            (S::Working, E::Failed, Some(S::Failed)),
            (S::Working, E::Cancelled, Some(S::Cancelled)),
            (S::InputRequired, E::InputRequested, Some(S::InputRequired)),
            (S::InputRequired, E::InputsAnswered, Some(S::Working)),
            (S::InputRequired, E::Completed, Some(S::Completed)),
            (S::InputRequired, E::Failed, Some(S::Failed)),
            (S::InputRequired, E::Cancelled, Some(S::Cancelled)),
        ];
        for (from, ev, to) in table {
            assert_eq!(next(*from, *ev).ok(), *to, "{from:?} on {ev:?}");
        }
        for terminal in [S::Completed, S::Failed, S::Cancelled] {
            for ev in [
                E::InputRequested,
                E::InputsAnswered,
                E::Completed,
                E::Failed,
                E::Cancelled,
            ] {
                assert!(
                    next(terminal, ev).is_err(),
                    "{terminal:?} must stay terminal on {ev:?}"
                );
            }
        }
    }

    /// Random event sequences against the table written out independently in
    /// `store::model::table`: a record applies exactly the legal transitions, an illegal
    /// one changes nothing, and terminal states absorb everything.
    mod property {
        use super::*;
        use crate::record::{Owner, TaskRecord, TaskRequest};
        use crate::store::model::table;
        use proptest::prelude::*;

        fn event() -> impl Strategy<Value = E> {
            prop_oneof![
                Just(E::InputRequested),
                Just(E::InputsAnswered),
                Just(E::Completed),
                Just(E::Failed),
                Just(E::Cancelled),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1_000))]
            #[test]
            fn records_follow_the_transition_table(events in prop::collection::vec(event(), 0..24)) {
                let mut r = TaskRecord::new(
                    "t".into(),
                    Owner::Unbound,
                    mcp_tasks_types::Era::Modern,
                    TaskRequest { method: "tools/call".into(), name: "t".into(), arguments: Default::default() },
                    0,
                    None,
                    None,
                );
                let mut model = S::Working;
                for (i, ev) in events.into_iter().enumerate() {
                    let before = r.clone();
                    let now = i as u64 + 1;
                    match (table(model, ev), r.apply(ev, now)) {
                        (Some(to), Ok(())) => {
                            prop_assert_eq!(r.status(), to);
                            prop_assert_eq!(r.updated_at_ms, now);
                            model = to;
                        }
                        (None, Err(e)) => {
                            prop_assert_eq!(e, IllegalTransition { from: model, event: ev });
                            prop_assert_eq!(&r, &before, "an illegal event changed the record");
                        }
                        (want, got) => prop_assert!(false, "{:?} on {:?}: table {:?}, record {:?}", model, ev, want, got),
                    }
                    if before.is_terminal() {
                        prop_assert_eq!(r.status(), before.status(), "terminal states never change");
                    }
                }
            }
        }
    }
}
