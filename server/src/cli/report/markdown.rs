//! The report as Markdown (CommonMark with GitHub tables). Messages and paths come from scanned
//! code, so every piece of them is escaped; links point at `path#Lline`, which code hosts open
//! at the line.

use super::{
    CATEGORIES, CheckResult, Finding, ProjectReadiness, Readiness, SCORING, message_parts,
};
use crate::diagnostic::Severity;
use std::fmt::Write;

/// How many places a step of "What to do first" names before "and N more".
const PLACES_SHOWN: usize = 3;

pub(in crate::cli) fn render(report: &Readiness) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Production readiness report\n");
    let findings: Vec<&Finding> = report
        .projects
        .iter()
        .flat_map(|p| p.findings.iter())
        .collect();
    let _ = writeln!(
        out,
        "Preflight {} checked {} in {}: {}.\n",
        env!("CARGO_PKG_VERSION"),
        count(report.files, "file", "files"),
        count(report.projects.len(), "project", "projects"),
        finding_counts(findings.iter().map(|f| f.severity)),
    );
    let _ = writeln!(out, "{}\n", text(SCORING));
    if report.projects.is_empty() {
        let _ = writeln!(out, "No files to analyse were found.\n");
    } else {
        summary_table(&mut out, report);
    }
    for project in &report.projects {
        render_project(&mut out, project);
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "## Not analysed\n");
        for note in &report.notes {
            let _ = writeln!(out, "- {}: {}", text(&note.path), text(&note.message));
        }
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn summary_table(out: &mut String, report: &Readiness) {
    let _ = write!(out, "| Project | Overall |");
    for category in CATEGORIES {
        let _ = write!(out, " {} |", capitalised(category.as_str()));
    }
    let _ = writeln!(out, " Findings |");
    let _ = writeln!(out, "|---|---:|{}---:|", "---:|".repeat(CATEGORIES.len()));
    for project in &report.projects {
        let _ = write!(
            out,
            "| {} | {} |",
            text(&project.name),
            score_text(project.overall)
        );
        for (_, score) in &project.scores {
            let _ = write!(out, " {} |", score_text(*score));
        }
        let _ = writeln!(out, " {} |", project.findings.len());
    }
    out.push('\n');
}

fn render_project(out: &mut String, project: &ProjectReadiness) {
    let _ = writeln!(out, "## {}\n", text(&project.name));
    let _ = writeln!(
        out,
        "{} ({}); {} checks, {} passed; {}.\n",
        count(project.files, "file", "files"),
        project.languages.join(", "),
        project.checks.len(),
        project.checks.iter().filter(|c| c.passed()).count(),
        finding_counts(project.findings.iter().map(|f| f.severity)),
    );

    let _ = writeln!(out, "### Scores\n");
    let _ = writeln!(out, "| Category | Score | | Checks passed |");
    let _ = writeln!(out, "|---|---:|---|---:|");
    for (category, score) in &project.scores {
        let in_category: Vec<&CheckResult> = project
            .checks
            .iter()
            .filter(|c| c.rule.category == *category)
            .collect();
        let passed = in_category.iter().filter(|c| c.passed()).count();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            capitalised(category.as_str()),
            score_text(*score),
            bar(*score),
            if in_category.is_empty() {
                "—".to_string()
            } else {
                format!("{passed}/{}", in_category.len())
            }
        );
    }
    let _ = writeln!(
        out,
        "| **Overall** | **{}** | {} | {}/{} |\n",
        score_text(project.overall),
        bar(project.overall),
        project.checks.iter().filter(|c| c.passed()).count(),
        project.checks.len()
    );

    let _ = writeln!(out, "### What to do first\n");
    if project.first.is_empty() {
        let _ = writeln!(out, "Nothing: every check passed.\n");
    }
    for (step, &index) in project.first.iter().enumerate() {
        let check = &project.checks[index];
        let worst = check.worst.unwrap_or(Severity::Hint);
        let places: Vec<String> = project
            .findings_of(check)
            .take(PLACES_SHOWN)
            .map(location)
            .collect();
        let more = check.places.saturating_sub(PLACES_SHOWN);
        let _ = writeln!(
            out,
            "{}. **{}** ({}, {}, {}): {}{}",
            step + 1,
            text(check.text.action),
            check.rule.category.as_str(),
            worst,
            count(check.places, "place", "places"),
            places.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    if !project.first.is_empty() {
        out.push('\n');
    }

    let _ = writeln!(out, "### Checklist\n");
    let _ = writeln!(out, "| | Check | Category | Rule | Result |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for check in &project.checks {
        let (mark, result) = if check.passed() {
            ("✔", "passed".to_string())
        } else {
            ("✘", count(check.places, "place", "places"))
        };
        let _ = writeln!(
            out,
            "| {mark} | {} | {} | `{}` | {result} |",
            message(check.text.check),
            check.rule.category.as_str(),
            check.rule.id,
        );
    }
    out.push('\n');

    let _ = writeln!(out, "### Findings\n");
    if project.findings.is_empty() {
        let _ = writeln!(out, "None.\n");
        return;
    }
    let mut current = None;
    for finding in &project.findings {
        if current != Some(finding.category) {
            if current.is_some() {
                out.push('\n');
            }
            current = Some(finding.category);
            let name = finding.category.map_or("Other", |c| c.as_str());
            let n = project
                .findings
                .iter()
                .filter(|f| f.category == finding.category)
                .count();
            let _ = writeln!(out, "#### {} ({n})\n", capitalised(name));
        }
        let _ = writeln!(
            out,
            "- **{}** {} `{}`: {}",
            finding.severity,
            location(finding),
            finding.rule,
            message(&finding.message)
        );
    }
    out.push('\n');
}

/// `[path:line](link#Lline)`.
fn location(finding: &Finding) -> String {
    format!(
        "[{}:{}]({}#L{})",
        text(&finding.path),
        finding.line,
        url(&finding.link),
        finding.line
    )
}

fn score_text(score: Option<u32>) -> String {
    score.map_or("—".into(), |s| s.to_string())
}

/// A ten-cell bar, so scores read at a glance in plain text too.
fn bar(score: Option<u32>) -> String {
    match score {
        None => String::new(),
        Some(score) => {
            let full = ((score + 5) / 10) as usize;
            format!("`{}{}`", "█".repeat(full), "░".repeat(10 - full))
        }
    }
}

pub(super) fn finding_counts(severities: impl Iterator<Item = Severity>) -> String {
    let mut counts = [0usize; 4];
    for severity in severities {
        counts[severity as usize] += 1;
    }
    let total: usize = counts.iter().sum();
    if total == 0 {
        return "no findings".into();
    }
    let parts: Vec<String> = [
        (Severity::Error, "error", "errors"),
        (Severity::Warning, "warning", "warnings"),
        (Severity::Info, "info", "info"),
        (Severity::Hint, "hint", "hints"),
    ]
    .iter()
    .filter(|(s, _, _)| counts[*s as usize] > 0)
    .map(|(s, one, many)| count(counts[*s as usize], one, many))
    .collect();
    format!(
        "{} ({})",
        count(total, "finding", "findings"),
        parts.join(", ")
    )
}

pub(super) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Plain text with every character Markdown or inline HTML could act on backslash-escaped, on
/// one line.
fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            // Parentheses and `!` act only after `]`, which is escaped.
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A message with its backtick spans kept as code spans (where Markdown and HTML are inert) and
/// the rest escaped. `|` is escaped inside code too, so a message is safe in a table cell.
fn message(raw: &str) -> String {
    message_parts(raw)
        .into_iter()
        .map(|(code, part)| {
            if code {
                let inner: String = part
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect::<String>()
                    .replace('|', "\\|");
                format!("`{inner}`")
            } else {
                text(part)
            }
        })
        .collect()
}

/// A relative link target with everything but unreserved characters and `/` percent-encoded.
pub(super) fn url(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_cannot_inject_markup() {
        assert_eq!(
            text("<img src=x onerror=alert(1)> [a](b)"),
            "\\<img src=x onerror=alert(1)\\> \\[a\\](b)"
        );
        assert_eq!(text("a\nb|c"), "a b\\|c");
        assert_eq!(message("use `a|b` not <b>"), "use `a\\|b` not \\<b\\>");
        assert_eq!(message("odd ` tick"), "odd \\` tick");
        assert_eq!(url("my dir/a(1).ts"), "my%20dir/a%281%29.ts");
    }
}
