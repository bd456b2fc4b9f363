//! The HTML report (`--format html`): one self-contained page (inline CSS, no script, no
//! external resource) for people: the verdict, a summary per scenario group, then every check
//! that did not pass with its requirement, source and the exchange that decided it.

use std::fmt::Write as _;

use crate::model::{ScenarioResult, Status};
use crate::report::Report;

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}\
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .6rem}h3{font-size:1rem;margin:1.2rem 0 .3rem}\
.meta{color:#57606a}.verdict{display:inline-block;padding:.2rem .7rem;border-radius:.3rem;font-weight:700;color:#fff}\
.ok{background:#1a7f37}.bad{background:#cf222e}table{border-collapse:collapse;width:100%}\
th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.fail{color:#cf222e;font-weight:600}.warning{color:#9a6700;font-weight:600}.info{color:#0969da}\
.skipped{color:#57606a}.pass{color:#1a7f37}.check{border:1px solid #d0d7de;border-radius:.4rem;padding:.6rem .8rem;margin:.6rem 0}\
.req{margin:.3rem 0}.src{color:#57606a;font-size:.9em}pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;\
padding:.5rem;border-radius:.3rem;font-size:.85em;margin:.4rem 0 0}details summary{cursor:pointer;color:#57606a}";

fn count(sc: &ScenarioResult, st: Status) -> usize {
    sc.checks.iter().filter(|c| c.status == st).count()
}

impl Report {
    /// The report as one self-contained HTML page.
    pub(crate) fn html(&self) -> String {
        let mut o = String::new();
        let target = self
            .target
            .url
            .clone()
            .or(self.target.command.clone())
            .unwrap_or_default();
        let _ = write!(
            o,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>mcp-tasks-check: {}</title><style>{STYLE}</style></head><body>\n",
            esc(&target)
        );
        let s = &self.summary;
        let (class, word) = if self.ok {
            ("ok", "PASS")
        } else {
            ("bad", "FAIL")
        };
        let _ = write!(
            o,
            "<h1>mcp-tasks-check {} — {} ({})</h1>\n<p><span class=\"verdict {class}\">{word}</span> \
             {} checks in {} scenarios: {} passed, {} failed, {} warnings, {} info, {} skipped \
             <span class=\"meta\">({:.1} s)</span></p>\n",
            esc(self.version),
            esc(&target),
            esc(self.target.transport),
            s.checks,
            s.scenarios,
            s.pass,
            s.fail,
            s.warning,
            s.info,
            s.skipped,
            self.duration_ms as f64 / 1000.0
        );
        if let Some(f) = &self.fixtures {
            if !f.missing.is_empty() {
                let _ = writeln!(
                    o,
                    "<p class=\"meta\">Fixtures the server lacks (learnt by {}); the checks needing them are skipped: {}</p>",
                    esc(&f.learnt),
                    esc(&f.missing.join(", "))
                );
            }
        }

        // Summary per group, one row per scenario.
        o.push_str("<h2>Summary</h2>\n<table><thead><tr><th>group</th><th>scenario</th><th>status</th>\
                    <th>pass</th><th>fail</th><th>warn</th><th>info</th><th>skipped</th></tr></thead><tbody>\n");
        for sc in &self.scenarios {
            let status = serde_json::to_value(sc.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let cls = match status.as_str() {
                "fail" => "fail",
                "warning" => "warning",
                "pass" => "pass",
                _ => "skipped",
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td class=\"{cls}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(sc.group),
                esc(sc.name),
                esc(&status),
                count(sc, Status::Pass),
                count(sc, Status::Fail),
                count(sc, Status::Warning),
                count(sc, Status::Info),
                count(sc, Status::Skipped),
            );
        }
        o.push_str("</tbody></table>\n");

        // Every check that did not pass, worst first within the page order.
        o.push_str("<h2>Findings</h2>\n");
        let mut any = false;
        for want in [Status::Fail, Status::Warning, Status::Info] {
            for sc in &self.scenarios {
                for c in sc.checks.iter().filter(|c| c.status == want) {
                    any = true;
                    let _ = writeln!(
                        o,
                        "<div class=\"check\"><h3><span class=\"{st}\">{ST}</span> {id} \
                         <span class=\"meta\">[{sev}] in {scn}</span></h3>\
                         <p class=\"req\">{req}</p><p class=\"src\">{src}</p><pre>{detail}</pre></div>",
                        st = want.as_str(),
                        ST = want.as_str().to_uppercase(),
                        id = esc(c.id),
                        sev = crate::report::sev(c.severity),
                        scn = esc(sc.name),
                        req = esc(c.requirement),
                        src = esc(c.source),
                        detail = esc(&c.detail),
                    );
                }
            }
        }
        for sc in self.scenarios.iter().filter(|sc| sc.error.is_some()) {
            any = true;
            let _ = writeln!(
                o,
                "<div class=\"check\"><h3><span class=\"fail\">ERROR</span> scenario {} stopped</h3><pre>{}</pre></div>",
                esc(sc.name),
                esc(sc.error.as_deref().unwrap_or_default())
            );
        }
        if !any {
            o.push_str("<p class=\"pass\">Every check that ran passed.</p>\n");
        }

        // Skipped checks, folded: why each did not run.
        let skipped: Vec<_> = self
            .scenarios
            .iter()
            .flat_map(|sc| sc.checks.iter().map(move |c| (sc, c)))
            .filter(|(_, c)| c.status == Status::Skipped)
            .collect();
        if !skipped.is_empty() {
            let _ = write!(
                o,
                "<h2>Skipped</h2>\n<details><summary>{} checks did not run</summary><table><tbody>\n",
                skipped.len()
            );
            for (sc, c) in skipped {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td class=\"skipped\">{}</td></tr>",
                    esc(sc.name),
                    esc(c.id),
                    esc(&c.detail)
                );
            }
            o.push_str("</tbody></table></details>\n");
        }
        o.push_str("</body></html>\n");
        o
    }
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(esc("<b a=\"x\">&'"), "&lt;b a=&quot;x&quot;&gt;&amp;&#39;");
    }
}
