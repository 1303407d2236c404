//! `--format json`: one object on stdout, as the contract specifies.

use crate::position::{ColumnUnit, LineIndex};
use crate::scan::ScanReport;
use serde::Serialize;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    diagnostics: Vec<Diagnostic<'a>>,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    rule: &'a str,
    severity: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    fixable: bool,
}

/// Builds the JSON value of a report: 1-based lines, columns counted in characters, the end
/// exclusive; sorted by path, line, column.
pub(super) fn render(report: &ScanReport) -> String {
    let mut diagnostics = Vec::new();
    for file in &report.files {
        let Some(source) = &file.source else { continue };
        let index = LineIndex::new(&source.text);
        for finding in &file.findings {
            let start = index.position(&source.text, finding.range.start, ColumnUnit::Char);
            let end = index.position(&source.text, finding.range.end, ColumnUnit::Char);
            diagnostics.push(Diagnostic {
                rule: finding.rule,
                severity: finding.severity.as_str(),
                path: &file.path,
                line: start.line + 1,
                column: start.column + 1,
                end_line: end.line + 1,
                end_column: end.column + 1,
                message: &finding.message,
                fixable: !finding.fixes.is_empty(),
            });
        }
    }
    diagnostics.sort_by(|a, b| {
        (a.path, a.line, a.column, a.rule).cmp(&(b.path, b.line, b.column, b.rule))
    });
    serde_json::to_string(&Output {
        version: 1,
        diagnostics,
    })
    .expect("plain data serialises")
}
