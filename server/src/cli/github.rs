//! `--format github`: GitHub Actions workflow commands, one line per finding, which the runner
//! turns into annotations on the pull request's diff:
//!
//! ```text
//! ::error file=src/main.ts,line=6,col=3,endLine=6,endColumn=20,title=cors-wildcard::CORS allows every origin
//! ```
//!
//! Errors become `::error`, warnings `::warning`, info and hints `::notice`. Lines and columns
//! are 1-based, columns counted in characters as in the JSON output.

use super::OutputOrder;
use crate::diagnostic::Severity;
use crate::position::{ColumnUnit, LineIndex};
use crate::scan::ScanReport;
use std::fmt::Write;

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "notice",
    }
}

/// Escapes a command's message, as the runner's `escapeData` does.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, as the runner's `escapeProperty` does: `:` and `,` separate
/// properties, so they are encoded too.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub(super) fn render(report: &ScanReport) -> String {
    let mut lines: Vec<(OutputOrder<'_>, String)> = Vec::new();
    for file in &report.files {
        let Some(source) = &file.source else { continue };
        let text = &source.text;
        let index = LineIndex::new(text);
        for finding in &file.findings {
            let start = index.position(text, finding.range.start, ColumnUnit::Char);
            let end = index.position(text, finding.range.end, ColumnUnit::Char);
            let (line, col) = (start.line + 1, start.column + 1);
            let line_text = format!(
                "::{} file={},line={line},col={col},endLine={},endColumn={},title={}::{}",
                command(finding.severity),
                escape_property(&file.path),
                end.line + 1,
                end.column + 1,
                escape_property(finding.rule),
                escape_data(&finding.message),
            );
            lines.push(((&file.path, line, col, finding.rule), line_text));
        }
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (_, line) in lines {
        let _ = writeln!(out, "{line}");
    }
    for note in &report.notes {
        let _ = writeln!(
            out,
            "::notice file={},title=preflight::{}",
            escape_property(&note.path),
            escape_data(&note.message)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_would_misread() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(
            escape_property("a:b,c%\n"),
            "a%3Ab%2Cc%25%0A",
            "properties also escape the separators"
        );
        assert_eq!(escape_data("a: b, c"), "a: b, c", "messages keep them");
    }
}
