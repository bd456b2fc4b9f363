//! Faults of the multi-instance scenario (`--instances`), shared by `faults.rs` (which counts
//! them as coverage) and `balancer.rs` (which proves each on three real instances).

/// (`MCP_TASKS_FAULT` of every instance, or "" for none; extra server flags; the checks that
/// must not pass).
pub(crate) const INSTANCE_FAULTS: &[(&str, &[&str], &[&str])] = &[
    (
        "instances-get-local-only",
        &[],
        &["instances-task-visible-on-every-instance"],
    ),
    (
        "instances-update-local-only",
        &[],
        &[
            "instances-answer-reaches-the-handler-elsewhere",
            "instances-listen-sees-changes-made-elsewhere",
        ],
    ),
    (
        "instances-cancel-local-only",
        &[],
        &["instances-cancel-from-another-instance"],
    ),
    (
        "instances-no-wakeups",
        &[],
        &[
            "instances-answer-reaches-the-handler-elsewhere",
            "instances-listen-sees-changes-made-elsewhere",
        ],
    ),
    // No takeover sweep within the test (a day apart): a dead instance's tasks stay stuck.
    (
        "",
        &["--takeover-interval-ms", "86400000"],
        &["instances-takeover-after-kill"],
    ),
];
