//! The report as one self-contained HTML page: inline CSS, an inline SVG chart per project, no
//! script and no request to anything (a Content-Security-Policy says so to the browser too).
//! Laid out for a phone first. Messages and paths come from scanned code: every piece of them
//! is escaped.

use super::markdown::{capitalised, count, finding_counts, url};
use super::{CheckResult, Finding, ProjectReadiness, Readiness, SCORING, message_parts};
use crate::diagnostic::Severity;
use std::fmt::Write;

const STYLE: &str = r#"
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --card: #f6f8fa;
  --line: #d0d7de; --pass: #1a7f37; --warn: #9a6700; --fail: #cf222e; --track: #e6e9ed; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --card: #161b22; --line: #30363d;
    --pass: #3fb950; --warn: #d29922; --fail: #f85149; --track: #30363d; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.5;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.35rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
p { margin: .5rem 0; }
.muted, .meta { color: var(--muted); }
.explain { font-size: .875rem; }
section.project { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 1rem; margin: 1.25rem 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg.chart { width: 100%; max-width: 32rem; height: auto; display: block; }
svg.chart text { fill: var(--fg); font: 13px system-ui, sans-serif; }
svg.chart .track { fill: var(--track); }
.good { fill: var(--pass); } .fair { fill: var(--warn); } .poor { fill: var(--fail); }
ul, ol { padding-left: 1.25rem; margin: .25rem 0; }
li { margin: .3rem 0; overflow-wrap: anywhere; }
ul.checks { list-style: none; padding: 0; }
ul.checks li { display: flex; gap: .5rem; align-items: baseline; }
.mark { font-weight: 700; width: 1.1rem; flex: none; }
.pass .mark { color: var(--pass); } .fail .mark { color: var(--fail); }
.places { color: var(--fail); white-space: nowrap; }
ul.checks code { color: var(--muted); font-size: .75em; }
code { font: .85em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: var(--track); border-radius: 4px; padding: 0 .25em; }
.sev { font-size: .75rem; font-weight: 700; text-transform: uppercase; border-radius: 4px;
  padding: 0 .3em; color: #fff; }
.sev.error { background: var(--fail); } .sev.warning { background: var(--warn); }
.sev.info, .sev.hint { background: var(--muted); }
a { color: inherit; }
"#;

pub(in crate::cli) fn render(report: &Readiness) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">\n\
         <title>Production readiness report</title>\n<style>",
    );
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<main>\n<h1>Production readiness report</h1>\n");
    let severities = report
        .projects
        .iter()
        .flat_map(|p| p.findings.iter().map(|f| f.severity));
    let _ = writeln!(
        out,
        "<p>Preflight {} checked {} in {}: {}.</p>",
        env!("CARGO_PKG_VERSION"),
        count(report.files, "file", "files"),
        count(report.projects.len(), "project", "projects"),
        finding_counts(severities),
    );
    let _ = writeln!(out, "<p class=\"muted explain\">{}</p>", escape(SCORING));
    if report.projects.is_empty() {
        out.push_str("<p>No files to analyse were found.</p>\n");
    } else {
        summary_table(&mut out, report);
    }
    for (index, project) in report.projects.iter().enumerate() {
        render_project(&mut out, index, project);
    }
    if !report.notes.is_empty() {
        out.push_str("<section>\n<h2>Not analysed</h2>\n<ul>\n");
        for note in &report.notes {
            let _ = writeln!(
                out,
                "<li>{}: {}</li>",
                escape(&note.path),
                escape(&note.message)
            );
        }
        out.push_str("</ul>\n</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn summary_table(out: &mut String, report: &Readiness) {
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>Project</th><th>Overall</th>");
    for category in super::CATEGORIES {
        let _ = write!(out, "<th>{}</th>", capitalised(category.as_str()));
    }
    out.push_str("<th>Findings</th></tr></thead>\n<tbody>\n");
    for (index, project) in report.projects.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td><a href=\"#project-{index}\">{}</a></td><td><strong>{}</strong></td>",
            escape(&project.name),
            score_text(project.overall)
        );
        for (_, score) in &project.scores {
            let _ = write!(out, "<td>{}</td>", score_text(*score));
        }
        let _ = writeln!(out, "<td>{}</td></tr>", project.findings.len());
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn render_project(out: &mut String, index: usize, project: &ProjectReadiness) {
    let _ = writeln!(
        out,
        "<section class=\"project\" id=\"project-{index}\">\n<h2>{}</h2>",
        escape(&project.name)
    );
    let passed = project.checks.iter().filter(|c| c.passed()).count();
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} ({}); {} checks, {passed} passed; {}.</p>",
        count(project.files, "file", "files"),
        escape(&project.languages.join(", ")),
        project.checks.len(),
        finding_counts(project.findings.iter().map(|f| f.severity)),
    );
    chart(out, project);

    out.push_str("<h3>What to do first</h3>\n");
    if project.first.is_empty() {
        out.push_str("<p>Nothing: every check passed.</p>\n");
    } else {
        out.push_str("<ol>\n");
        for &index in &project.first {
            let check = &project.checks[index];
            let places: Vec<String> = project.findings_of(check).map(location).collect();
            let _ = writeln!(
                out,
                "<li><strong>{}</strong> <span class=\"muted\">({}, {}, {})</span>: {}</li>",
                message(check.text.action),
                check.rule.category.as_str(),
                check.worst.unwrap_or(Severity::Hint),
                count(check.places, "place", "places"),
                places.join(", ")
            );
        }
        out.push_str("</ol>\n");
    }

    out.push_str("<h3>Checklist</h3>\n<ul class=\"checks\">\n");
    for check in &project.checks {
        checklist_line(out, check);
    }
    out.push_str("</ul>\n");

    out.push_str("<h3>Findings</h3>\n");
    if project.findings.is_empty() {
        out.push_str("<p>None.</p>\n");
    }
    let mut current = None;
    for finding in &project.findings {
        if current != Some(finding.category) {
            if current.is_some() {
                out.push_str("</ul>\n");
            }
            current = Some(finding.category);
            let n = project
                .findings
                .iter()
                .filter(|f| f.category == finding.category)
                .count();
            let name = finding.category.map_or("Other", |c| c.as_str());
            let _ = writeln!(out, "<h4>{} ({n})</h4>\n<ul>", capitalised(name));
        }
        let _ = writeln!(
            out,
            "<li><span class=\"sev {0}\">{0}</span> {1} <code>{2}</code>: {3}</li>",
            finding.severity,
            location(finding),
            escape(finding.rule),
            message(&finding.message)
        );
    }
    if current.is_some() {
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn checklist_line(out: &mut String, check: &CheckResult) {
    let (class, mark, result) = if check.passed() {
        ("pass", "✔", String::new())
    } else {
        (
            "fail",
            "✘",
            format!(
                " <span class=\"places\">{}</span>",
                count(check.places, "place", "places")
            ),
        )
    };
    let _ = writeln!(
        out,
        "<li class=\"{class}\"><span class=\"mark\" aria-label=\"{class}ed\">{mark}</span>\
         <span>{}{result} <code>{}</code></span></li>",
        message(check.text.check),
        escape(check.rule.id),
    );
}

/// A horizontal bar per category and one for the whole project, scaled to 100.
fn chart(out: &mut String, project: &ProjectReadiness) {
    const ROW: u32 = 26;
    const LABEL: u32 = 104;
    const TRACK: u32 = 170;
    let mut rows: Vec<(String, Option<u32>)> = project
        .scores
        .iter()
        .map(|(category, score)| (capitalised(category.as_str()), *score))
        .collect();
    rows.push(("Overall".into(), project.overall));
    let height = ROW * rows.len() as u32;
    let _ = writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 320 {height}\" role=\"img\" \
         aria-labelledby=\"chart-title-{id}\">\
         <title id=\"chart-title-{id}\">Scores of {name}</title>",
        id = escape(&slug(&project.name)),
        name = escape(&project.name),
    );
    for (row, (label, score)) in rows.iter().enumerate() {
        let y = row as u32 * ROW;
        let weight = if label == "Overall" {
            " font-weight=\"700\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\"{weight}>{label}</text>\
             <rect class=\"track\" x=\"{LABEL}\" y=\"{}\" width=\"{TRACK}\" height=\"14\" rx=\"3\"/>",
            y + 17,
            y + 6,
        );
        match score {
            Some(score) => {
                let class = match score {
                    80.. => "good",
                    50..=79 => "fair",
                    _ => "poor",
                };
                let _ = writeln!(
                    out,
                    "<rect class=\"{class}\" x=\"{LABEL}\" y=\"{}\" width=\"{}\" height=\"14\" rx=\"3\"/>\
                     <text x=\"{}\" y=\"{}\"{weight}>{score}</text>",
                    y + 6,
                    TRACK * score / 100,
                    LABEL + TRACK + 8,
                    y + 17,
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\">—</text>",
                    LABEL + TRACK + 8,
                    y + 17
                );
            }
        }
    }
    out.push_str("</svg>\n");
}

/// `path:line` linking to the file, relative to the report.
fn location(finding: &Finding) -> String {
    format!(
        "<a href=\"{}\">{}:{}</a>",
        escape(&url(&finding.link)),
        escape(&finding.path),
        finding.line
    )
}

fn score_text(score: Option<u32>) -> String {
    score.map_or("—".into(), |s| s.to_string())
}

/// An id-safe name.
fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Text with the five characters HTML gives meaning to replaced by references.
fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// A message with its backtick spans as `<code>`, everything escaped.
fn message(raw: &str) -> String {
    message_parts(raw)
        .into_iter()
        .map(|(code, part)| {
            if code {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_is_escaped() {
        assert_eq!(
            message("`<script>` & \"x\" <img src=x onerror='a'>"),
            "<code>&lt;script&gt;</code> &amp; &quot;x&quot; &lt;img src=x onerror=&#39;a&#39;&gt;"
        );
        assert_eq!(slug("a b/c"), "a-b-c");
    }
}
