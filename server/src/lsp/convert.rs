//! Engine values to LSP values: byte ranges become positions in the negotiated encoding here and
//! nowhere else (through [`crate::position`]).

use crate::diagnostic::{Edit, FileChange, FileEdit, Finding, Severity};
use crate::position::{ColumnUnit, LineIndex};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    ClientCapabilities, CodeDescription, CreateFile, CreateFileOptions, Diagnostic,
    DiagnosticSeverity, DocumentChangeOperation, DocumentChanges, NumberOrString, OneOf,
    OptionalVersionedTextDocumentIdentifier, Position, Range, ResourceOp, ResourceOperationKind,
    TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
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

/// What the client accepts in a `WorkspaceEdit` (`workspace.workspaceEdit` capabilities).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EditSupport {
    /// `documentChanges`: `TextDocumentEdit`s in order.
    pub document_changes: bool,
    /// `resourceOperations` includes `create`.
    pub create_files: bool,
}

impl EditSupport {
    pub fn from_capabilities(capabilities: &ClientCapabilities) -> EditSupport {
        let edit = capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.workspace_edit.as_ref());
        EditSupport {
            document_changes: edit.and_then(|e| e.document_changes).unwrap_or(false),
            create_files: edit
                .and_then(|e| e.resource_operations.as_ref())
                .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create)),
        }
    }
}

/// One file another file's fix changes: its URI, its current text (`None`: it does not exist)
/// and the changes aimed at it.
pub struct OtherFile<'a> {
    pub uri: Uri,
    pub current: Option<String>,
    pub changes: Vec<&'a FileChange>,
}

/// A `WorkspaceEdit` with `edits` for the finding's own document `uri` and the changes to other
/// files: `documentChanges` (`CreateFile` + `TextDocumentEdit`) when the client supports them,
/// else `changes`. `None` when a file must be created and the client cannot create files, or
/// when nothing would change.
pub fn workspace_edit(
    uri: &Uri,
    edits: Vec<TextEdit>,
    others: &[OtherFile<'_>],
    unit: ColumnUnit,
    support: EditSupport,
) -> Option<WorkspaceEdit> {
    // (uri, created, edits) of every file touched.
    let mut files: Vec<(Uri, bool, Vec<TextEdit>)> = Vec::new();
    if !edits.is_empty() {
        files.push((uri.clone(), false, edits));
    }
    for other in others {
        let current = other.current.as_deref();
        let Some(new) = FileEdit::apply_all(current, other.changes.iter().copied()) else {
            continue;
        };
        let old = current.unwrap_or("");
        // Changes only append: the new text starts with the old one.
        let appended = new.strip_prefix(old)?.to_string();
        let index = LineIndex::new(old);
        let lines = Lines {
            text: old,
            index: &index,
            unit,
        };
        let end = lines.position(old.len());
        let edit = TextEdit {
            range: Range::new(end, end),
            new_text: appended,
        };
        if current.is_none() && !(support.document_changes && support.create_files) {
            return None;
        }
        files.push((other.uri.clone(), current.is_none(), vec![edit]));
    }
    if files.is_empty() {
        return None;
    }
    if !support.document_changes {
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (uri, _, edits) in files {
            changes.entry(uri).or_default().extend(edits);
        }
        return Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        });
    }
    let mut operations = Vec::new();
    for (uri, created, edits) in files {
        if created {
            operations.push(DocumentChangeOperation::Op(ResourceOp::Create(
                CreateFile {
                    uri: uri.clone(),
                    options: Some(CreateFileOptions {
                        overwrite: Some(false),
                        ignore_if_exists: Some(true),
                    }),
                    annotation_id: None,
                },
            )));
        }
        operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: edits.into_iter().map(OneOf::Left).collect(),
        }));
    }
    Some(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(operations)),
        ..WorkspaceEdit::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(path: &str) -> Uri {
        format!("file:///w/{path}").parse().unwrap()
    }

    #[test]
    fn creating_a_file_needs_document_changes() {
        let lines = vec!["# header".to_string(), "A=".to_string()];
        let change = FileChange::Create(lines);
        let other = || OtherFile {
            uri: uri(".env.example"),
            current: None,
            changes: vec![&change],
        };
        let full = EditSupport {
            document_changes: true,
            create_files: true,
        };
        let edit = workspace_edit(
            &uri("a.ts"),
            Vec::new(),
            &[other()],
            ColumnUnit::Utf16,
            full,
        )
        .unwrap();
        let Some(DocumentChanges::Operations(ops)) = edit.document_changes else {
            panic!("operations expected");
        };
        assert!(
            matches!(&ops[0], DocumentChangeOperation::Op(ResourceOp::Create(c)) if c.uri == uri(".env.example"))
        );
        let DocumentChangeOperation::Edit(text) = &ops[1] else {
            panic!("an edit expected");
        };
        assert_eq!(
            text.edits,
            [OneOf::Left(TextEdit {
                range: Range::default(),
                new_text: "# header\nA=\n".into(),
            })]
        );
        let none = EditSupport::default();
        assert!(
            workspace_edit(
                &uri("a.ts"),
                Vec::new(),
                &[other()],
                ColumnUnit::Utf16,
                none
            )
            .is_none()
        );
    }

    #[test]
    fn appending_uses_changes_without_document_changes() {
        let change = FileChange::AppendLines(vec!["B=".into()]);
        let other = OtherFile {
            uri: uri(".env.example"),
            current: Some("A=".into()),
            changes: vec![&change],
        };
        let edit = workspace_edit(
            &uri("a.ts"),
            Vec::new(),
            &[other],
            ColumnUnit::Utf16,
            EditSupport::default(),
        )
        .unwrap();
        let changes = edit.changes.unwrap();
        assert_eq!(
            changes[&uri(".env.example")],
            [TextEdit {
                range: Range::new(Position::new(0, 2), Position::new(0, 2)),
                new_text: "\nB=\n".into(),
            }]
        );
        // Already documented: nothing to do.
        let done = OtherFile {
            uri: uri(".env.example"),
            current: Some("A=\nB=\n".into()),
            changes: vec![&change],
        };
        assert!(
            workspace_edit(
                &uri("a.ts"),
                Vec::new(),
                &[done],
                ColumnUnit::Utf16,
                EditSupport::default()
            )
            .is_none()
        );
    }
}
