//! Engine values to LSP values: byte ranges become positions in the negotiated encoding here and
//! nowhere else (through [`crate::position`]).

use crate::diagnostic::{Edit, Finding, Severity};
use crate::position::{ColumnUnit, LineIndex};
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, NumberOrString, Position, Range, TextEdit, Uri,
};

/// Where a rule's documentation lives; `preflight rule ID` prints the same text.
pub const RULE_DOCS_URL: &str = crate::rules::DOCS_URL;

/// A text with its line index, for conversions.
pub struct Lines<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex,
    pub unit: ColumnUnit,
}

impl Lines<'_> {
    pub fn position(&self, offset: usize) -> Position {
        let at = self.index.position(self.text, offset, self.unit);
        Position::new(at.line as u32, at.column as u32)
    }

    pub fn range(&self, range: &std::ops::Range<usize>) -> Range {
        Range::new(self.position(range.start), self.position(range.end))
    }

    pub fn offset(&self, position: Position) -> usize {
        self.index.offset(
            self.text,
            crate::position::LineCol {
                line: position.line as usize,
                column: position.character as usize,
            },
            self.unit,
        )
    }

    pub fn edit(&self, edit: &Edit) -> TextEdit {
        TextEdit {
            range: self.range(&edit.range),
            new_text: edit.replacement.clone(),
        }
    }
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

pub fn diagnostic(lines: &Lines<'_>, finding: &Finding) -> Diagnostic {
    let href = format!("{RULE_DOCS_URL}{}", finding.rule)
        .parse::<Uri>()
        .ok();
    Diagnostic {
        range: lines.range(&finding.range),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.rule.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("preflight".into()),
        message: finding.message.clone(),
        data: Some(serde_json::json!({ "rule": finding.rule })),
        ..Diagnostic::default()
    }
}
