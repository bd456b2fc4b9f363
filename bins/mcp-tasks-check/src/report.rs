//! Reports: readable text, JSON (schema in README.md, `schemaVersion` 1) and JUnit XML.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::model::{ScenarioResult, ScenarioStatus, Severity, Status};
use crate::scenarios::Scenario;

/// What was checked.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TargetDesc {
    pub(crate) url: Option<String>,
    pub(crate) command: Option<String>,
    pub(crate) transport: &'static str,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Summary {
    pub(crate) scenarios: usize,
    pub(crate) scenarios_without_checks: usize,
    /// Opt-in scenarios not asked for.
    pub(crate) scenarios_not_requested: usize,
    /// Scenarios this target cannot run (HTTP-only on stdio, restarts of a server the
    /// checker did not start).
    pub(crate) scenarios_not_applicable: usize,
    pub(crate) scenario_errors: usize,
    pub(crate) checks: usize,
    pub(crate) pass: usize,
    pub(crate) fail: usize,
    pub(crate) warning: usize,
    pub(crate) info: usize,
    pub(crate) skipped: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    pub(crate) schema_version: u32,
    pub(crate) tool: &'static str,
    pub(crate) version: &'static str,
    pub(crate) target: TargetDesc,
    /// True when no MUST check failed and no scenario stopped on an error.
    pub(crate) ok: bool,
    pub(crate) duration_ms: u64,
    pub(crate) summary: Summary,
    /// What the server offers of the fixtures (server mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fixtures: Option<FixtureSummary>,
    pub(crate) scenarios: Vec<ScenarioResult>,
}

/// The fixtures the server offers, and how that was learnt.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FixtureSummary {
    /// How the server's tools were learnt (or why they could not be).
    pub(crate) learnt: String,
    /// Fixtures the server lacks, each with the flag that maps it (`"name (--flag)"`).
    pub(crate) missing: Vec<String>,
}

impl Report {
    pub(crate) fn new(
        target: TargetDesc,
        scenarios: Vec<ScenarioResult>,
        took: Duration,
    ) -> Report {
        let mut s = Summary {
            scenarios: scenarios.len(),
            ..Summary::default()
        };
        for sc in &scenarios {
            match sc.status {
                ScenarioStatus::NoChecks => s.scenarios_without_checks += 1,
                ScenarioStatus::NotRequested => s.scenarios_not_requested += 1,
                ScenarioStatus::NotApplicable => s.scenarios_not_applicable += 1,
                _ => {}
            }
            if sc.error.is_some() {
                s.scenario_errors += 1;
            }
            for c in &sc.checks {
                s.checks += 1;
                match c.status {
                    Status::Pass => s.pass += 1,
                    Status::Fail => s.fail += 1,
                    Status::Warning => s.warning += 1,
                    Status::Info => s.info += 1,
                    Status::Skipped => s.skipped += 1,
                }
            }
        }
        Report {
            schema_version: 1,
            tool: "mcp-tasks-check",
            version: env!("CARGO_PKG_VERSION"),
            target,
            ok: s.fail == 0 && s.scenario_errors == 0,
            duration_ms: took.as_millis() as u64,
            summary: s,
            fixtures: None,
            scenarios,
        }
    }

    /// Adds what is known of the server's fixtures.
    pub(crate) fn with_fixtures(mut self, f: FixtureSummary) -> Report {
        self.fixtures = Some(f);
        self
    }

    pub(crate) fn ok(&self) -> bool {
        self.ok
    }

    pub(crate) fn json(&self) -> String {
        let mut s =
            serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        s.push('\n');
        s
    }

    pub(crate) fn text(&self, verbose: bool) -> String {
        let mut o = String::new();
        let where_ = self
            .target
            .url
            .clone()
            .or(self.target.command.clone())
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "mcp-tasks-check {} — {} ({})\n",
            self.version, where_, self.target.transport
        );
        if let Some(f) = &self.fixtures {
            if !f.missing.is_empty() {
                let _ = writeln!(
                    o,
                    "fixtures missing (learnt by {}): {}\n(checks needing them are skipped)\n",
                    f.learnt,
                    f.missing.join(", ")
                );
            }
        }
        let mut group = "";
        for sc in &self.scenarios {
            if sc.group != group {
                group = sc.group;
                let _ = writeln!(o, "== {group} ==");
            }
            let _ = writeln!(o, "{}", scenario_line(sc));
            if sc.not_run_on_purpose() {
                // One reason for the whole scenario, not one skip line per check.
                continue;
            }
            if let Some(e) = &sc.error {
                let _ = writeln!(o, "    ERROR: {e}");
            }
            for c in &sc.checks {
                let mark = match c.status {
                    Status::Pass => "ok  ",
                    Status::Fail => "FAIL",
                    Status::Warning => "WARN",
                    Status::Info => "info",
                    Status::Skipped => "skip",
                };
                let _ = writeln!(o, "    {mark} {} [{}]", c.id, sev(c.severity));
                if c.status == Status::Fail
                    || c.status == Status::Warning
                    || c.status == Status::Info
                {
                    let _ = writeln!(o, "         requirement: {} ({})", c.requirement, c.source);
                }
                if c.status != Status::Pass || verbose {
                    let _ = writeln!(o, "         {}", c.detail);
                }
            }
        }
        let s = &self.summary;
        let _ = writeln!(
            o,
            "\n{} checks in {} scenarios: {} passed, {} failed, {} warnings, {} info, {} skipped",
            s.checks, s.scenarios, s.pass, s.fail, s.warning, s.info, s.skipped
        );
        if s.scenarios_not_requested + s.scenarios_not_applicable > 0 {
            let names = |st: ScenarioStatus| {
                self.scenarios
                    .iter()
                    .filter(|sc| sc.status == st)
                    .map(|sc| sc.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut parts = Vec::new();
            if s.scenarios_not_requested > 0 {
                parts.push(format!(
                    "not requested: {}",
                    names(ScenarioStatus::NotRequested)
                ));
            }
            if s.scenarios_not_applicable > 0 {
                parts.push(format!(
                    "not applicable to this target: {}",
                    names(ScenarioStatus::NotApplicable)
                ));
            }
            let _ = writeln!(o, "not run ({})", parts.join("; "));
        }
        if s.scenarios_without_checks > 0 {
            let _ = writeln!(
                o,
                "{} scenario(s) ran no check at all (not a pass)",
                s.scenarios_without_checks
            );
        }
        if s.scenario_errors > 0 {
            let _ = writeln!(o, "{} scenario(s) stopped on an error", s.scenario_errors);
        }
        let _ = writeln!(
            o,
            "{}",
            if self.ok {
                "RESULT: PASS (no MUST failure)"
            } else {
                "RESULT: FAIL"
            }
        );
        o
    }

    pub(crate) fn junit(&self) -> String {
        let s = &self.summary;
        let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            o,
            "<testsuites name=\"mcp-tasks-check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
            s.checks,
            s.fail,
            s.scenario_errors,
            s.skipped,
            self.duration_ms as f64 / 1000.0
        );
        for sc in &self.scenarios {
            let fails = sc
                .checks
                .iter()
                .filter(|c| c.status == Status::Fail)
                .count();
            let skips = sc
                .checks
                .iter()
                .filter(|c| c.status == Status::Skipped)
                .count();
            let _ = writeln!(
                o,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" errors=\"{}\" skipped=\"{skips}\" time=\"{:.3}\">",
                xml(sc.name),
                sc.checks.len() + usize::from(sc.error.is_some()),
                usize::from(sc.error.is_some()),
                sc.duration_ms as f64 / 1000.0
            );
            if let Some(e) = &sc.error {
                let _ = writeln!(
                    o,
                    "    <testcase classname=\"{}\" name=\"scenario\"><error message=\"{}\"/></testcase>",
                    xml(sc.name),
                    xml(e)
                );
            }
            for c in &sc.checks {
                let _ = write!(
                    o,
                    "    <testcase classname=\"{}\" name=\"{}\">",
                    xml(sc.name),
                    xml(c.id)
                );
                let msg = format!(
                    "[{}] {} ({}) — {}",
                    sev(c.severity),
                    c.requirement,
                    c.source,
                    c.detail
                );
                match c.status {
                    Status::Pass => {}
                    Status::Fail => {
                        let _ = write!(
                            o,
                            "<failure message=\"{}\">{}</failure>",
                            xml(&c.detail),
                            xml(&msg)
                        );
                    }
                    Status::Skipped => {
                        let _ = write!(o, "<skipped message=\"{}\"/>", xml(&c.detail));
                    }
                    Status::Warning | Status::Info => {
                        let _ = write!(
                            o,
                            "<system-out>{}: {}</system-out>",
                            c.status.as_str().to_uppercase(),
                            xml(&msg)
                        );
                    }
                }
                let _ = writeln!(o, "</testcase>");
            }
            let _ = writeln!(o, "  </testsuite>");
        }
        o.push_str("</testsuites>\n");
        o
    }
}

pub(crate) fn sev(s: Severity) -> &'static str {
    match s {
        Severity::Must => "MUST",
        Severity::Should => "SHOULD",
        Severity::May => "MAY",
    }
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// One line per scenario.
pub(crate) fn scenario_line(sc: &ScenarioResult) -> String {
    let n = |st: Status| sc.checks.iter().filter(|c| c.status == st).count();
    let status = match sc.status {
        ScenarioStatus::Pass => "PASS",
        ScenarioStatus::Fail => "FAIL",
        ScenarioStatus::Warning => "WARN",
        ScenarioStatus::NoChecks => "NO CHECKS RAN",
        ScenarioStatus::NotRequested | ScenarioStatus::NotApplicable => {
            let what = if sc.status == ScenarioStatus::NotRequested {
                "not requested"
            } else {
                "not applicable"
            };
            return format!(
                "  {:<30} {what}: {}",
                sc.name,
                sc.note.as_deref().unwrap_or_default()
            );
        }
    };
    format!(
        "  {:<30} {:<13} {} pass, {} fail, {} warn, {} info, {} skipped  ({:.1}s)",
        sc.name,
        status,
        n(Status::Pass),
        n(Status::Fail),
        n(Status::Warning),
        n(Status::Info),
        n(Status::Skipped),
        sc.duration_ms as f64 / 1000.0
    )
}

/// `--list`: every scenario and check.
pub(crate) fn list(
    all: &[Scenario],
    tools: &crate::peer::Tools,
    selected: impl Fn(&Scenario, &str) -> bool,
) -> String {
    let mut o = String::new();
    let mut total = 0;
    for s in all {
        let checks: Vec<_> = s.checks.iter().filter(|c| selected(s, c.id)).collect();
        if checks.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "{} [{}] ({} checks): {}",
            s.name,
            s.group,
            checks.len(),
            s.description
        );
        for c in checks {
            total += 1;
            let _ = writeln!(o, "  {:<62} {:<6} {}", c.id, sev(c.severity), c.source);
            let needs = crate::fixtures::needs(c.id);
            if !needs.is_empty() {
                let names: Vec<String> = needs
                    .iter()
                    .map(|f| {
                        let kind = if f.is_prompt() { "prompt" } else { "tool" };
                        format!("{kind} {} ({})", f.name(tools), f.flag())
                    })
                    .collect();
                let _ = writeln!(o, "      needs {}", names.join(", "));
            }
        }
    }
    let _ = writeln!(o, "{total} checks");
    o
}
