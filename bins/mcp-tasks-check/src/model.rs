//! The check model: what a check is, what it can report, and how results are collected.

use std::time::Duration;

use serde::Serialize;

/// How strong the requirement behind a check is (RFC 2119).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Severity {
    /// MUST / MUST NOT: a violation is a failure.
    Must,
    /// SHOULD / SHOULD NOT: a violation is a warning.
    Should,
    /// MAY: a behaviour not seen is reported as info.
    May,
}

/// The result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// The requirement held.
    Pass,
    /// A MUST was violated.
    Fail,
    /// A SHOULD was violated.
    Warning,
    /// A MAY behaviour was not observed.
    Info,
    /// The check could not run (the reason is in the detail).
    Skipped,
}

impl Status {
    /// Ordering for merging several observations of one check: the worst wins.
    fn rank(self) -> u8 {
        match self {
            Status::Skipped => 0,
            Status::Pass => 1,
            Status::Info => 2,
            Status::Warning => 3,
            Status::Fail => 4,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warning => "warning",
            Status::Info => "info",
            Status::Skipped => "skipped",
        }
    }
}

/// A check as declared: its id, the sentence it enforces and where that sentence comes from.
#[derive(Debug)]
pub(crate) struct CheckDef {
    pub(crate) id: &'static str,
    pub(crate) severity: Severity,
    pub(crate) requirement: &'static str,
    pub(crate) source: &'static str,
}

/// Declares a `CheckDef` constant.
macro_rules! check {
    ($name:ident, $id:literal, $sev:ident, $source:literal, $req:literal) => {
        pub(crate) const $name: $crate::model::CheckDef = $crate::model::CheckDef {
            id: $id,
            severity: $crate::model::Severity::$sev,
            requirement: $req,
            source: $source,
        };
    };
}
pub(crate) use check;

/// One reported check.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CheckResult {
    pub(crate) id: &'static str,
    pub(crate) severity: Severity,
    pub(crate) status: Status,
    pub(crate) requirement: &'static str,
    pub(crate) source: &'static str,
    pub(crate) detail: String,
}

/// How a scenario ended as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ScenarioStatus {
    /// Every check that ran passed (skipped checks aside).
    Pass,
    /// At least one MUST check failed, or the scenario stopped on an error.
    Fail,
    /// No failure, but a SHOULD was violated.
    Warning,
    /// No check ran at all (all skipped): never reported as a pass.
    NoChecks,
    /// An opt-in scenario that was not asked for (`--durability`).
    NotRequested,
    /// The scenario needs what this target lacks (HTTP on a stdio server, a server the
    /// checker started).
    NotApplicable,
}

/// One scenario's results.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScenarioResult {
    pub(crate) name: &'static str,
    pub(crate) group: &'static str,
    pub(crate) description: &'static str,
    pub(crate) status: ScenarioStatus,
    /// Why the scenario stopped early (transport failure, timeout), if it did.
    pub(crate) error: Option<String>,
    /// Why a scenario did not run (`not-requested`, `not-applicable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
    pub(crate) duration_ms: u64,
    pub(crate) checks: Vec<CheckResult>,
}

impl ScenarioResult {
    pub(crate) fn finish(
        name: &'static str,
        group: &'static str,
        description: &'static str,
        error: Option<String>,
        duration: Duration,
        checks: Vec<CheckResult>,
    ) -> ScenarioResult {
        let ran = checks.iter().any(|c| c.status != Status::Skipped);
        let status = if error.is_some() || checks.iter().any(|c| c.status == Status::Fail) {
            ScenarioStatus::Fail
        } else if !ran {
            ScenarioStatus::NoChecks
        } else if checks.iter().any(|c| c.status == Status::Warning) {
            ScenarioStatus::Warning
        } else {
            ScenarioStatus::Pass
        };
        ScenarioResult {
            name,
            group,
            description,
            status,
            error,
            note: None,
            duration_ms: duration.as_millis() as u64,
            checks,
        }
    }

    /// A scenario that was not run, with every check skipped for `reason`.
    pub(crate) fn not_run(
        name: &'static str,
        group: &'static str,
        description: &'static str,
        status: ScenarioStatus,
        reason: &str,
        checks: Vec<CheckResult>,
    ) -> ScenarioResult {
        ScenarioResult {
            name,
            group,
            description,
            status,
            error: None,
            note: Some(reason.to_owned()),
            duration_ms: 0,
            checks,
        }
    }

    /// Whether the scenario was left out on purpose (not requested, not applicable).
    pub(crate) fn not_run_on_purpose(&self) -> bool {
        matches!(
            self.status,
            ScenarioStatus::NotRequested | ScenarioStatus::NotApplicable
        )
    }
}

/// Collects the results of one scenario's checks.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    results: Vec<CheckResult>,
}

const MAX_DETAIL: usize = 1500;

fn clip(mut s: String) -> String {
    if s.len() > MAX_DETAIL {
        let mut cut = MAX_DETAIL;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str(" …");
    }
    s
}

impl Recorder {
    /// Records an observation. Several observations of one check merge: the worst status
    /// wins and the details are joined.
    pub(crate) fn record(&mut self, def: &'static CheckDef, status: Status, detail: String) {
        let detail = clip(detail);
        if let Some(r) = self.results.iter_mut().find(|r| r.id == def.id) {
            if status.rank() > r.status.rank() {
                let old = r.status;
                r.status = status;
                r.detail = if r.detail.is_empty() || matches!(old, Status::Skipped | Status::Pass) {
                    detail
                } else {
                    clip(format!("{detail}; {}", r.detail))
                };
            } else if status.rank() == r.status.rank() && status != Status::Pass {
                r.detail = clip(format!("{}; {detail}", r.detail));
            }
            return;
        }
        self.results.push(CheckResult {
            id: def.id,
            severity: def.severity,
            status,
            requirement: def.requirement,
            source: def.source,
            detail,
        });
    }

    /// The requirement held.
    pub(crate) fn pass(&mut self, def: &'static CheckDef, detail: impl Into<String>) {
        self.record(def, Status::Pass, detail.into());
    }

    /// The requirement was violated: fail, warning or info by severity.
    pub(crate) fn violate(&mut self, def: &'static CheckDef, detail: impl Into<String>) {
        let status = match def.severity {
            Severity::Must => Status::Fail,
            Severity::Should => Status::Warning,
            Severity::May => Status::Info,
        };
        self.record(def, status, detail.into());
    }

    /// Pass when `ok`, else a violation; the detail is the same either way.
    pub(crate) fn check(&mut self, def: &'static CheckDef, ok: bool, detail: impl Into<String>) {
        if ok {
            self.pass(def, detail);
        } else {
            self.violate(def, detail);
        }
    }

    /// `Ok(detail)` passes, `Err(detail)` violates.
    pub(crate) fn verdict(&mut self, def: &'static CheckDef, r: Result<String, String>) {
        match r {
            Ok(d) => self.pass(def, d),
            Err(d) => self.violate(def, d),
        }
    }

    /// The check could not run.
    pub(crate) fn skip(&mut self, def: &'static CheckDef, reason: impl Into<String>) {
        self.record(def, Status::Skipped, reason.into());
    }

    /// Ends the scenario: every declared check that was not reported is skipped with
    /// `reason`; results come out in declaration order.
    pub(crate) fn into_results(
        mut self,
        declared: &[&'static CheckDef],
        reason: &str,
    ) -> Vec<CheckResult> {
        for d in declared {
            if !self.results.iter().any(|r| r.id == d.id) {
                self.skip(d, reason.to_owned());
            }
        }
        let mut out = Vec::with_capacity(self.results.len());
        for d in declared {
            if let Some(i) = self.results.iter().position(|r| r.id == d.id) {
                out.push(self.results.swap_remove(i));
            }
        }
        // Checks reported but not declared (a bug in a scenario) still show up.
        out.extend(self.results);
        out
    }
}
