//! An open document: its text as a rope, and its syntax tree kept in step with every edit so the
//! next parse can reuse it.

use crate::position::{ColumnUnit, LineCol, rope_offset, rope_point};
use preflight_grammars::Language;
use ropey::Rope;
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent};
use tree_sitter::{InputEdit, Point, Tree};

pub struct Document {
    pub version: i32,
    pub language: Language,
    pub rope: Rope,
    /// The last parsed tree, edited (not reparsed) by every change since.
    pub tree: Option<Tree>,
}

fn line_col(position: Position) -> LineCol {
    LineCol {
        line: position.line as usize,
        column: position.character as usize,
    }
}

fn point(rope: &Rope, offset: usize) -> Point {
    let (row, column) = rope_point(rope, offset);
    Point { row, column }
}

impl Document {
    pub fn new(version: i32, language: Language, text: &str) -> Document {
        Document {
            version,
            language,
            rope: Rope::from_str(text),
            tree: None,
        }
    }

    /// Applies the changes of one `didChange`, in order, to the rope and the tree.
    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, unit: ColumnUnit) {
        apply_changes(&mut self.rope, &mut self.tree, changes, unit);
    }

    pub fn text(&self) -> String {
        self.rope.to_string()
    }
}

/// An open file Preflight reads facts from but does not analyse (`.env.example`,
/// `.dockerignore`, a compose file, `package.json`): its text, kept in step with every edit.
pub struct SourceDocument {
    pub version: i32,
    pub rope: Rope,
}

impl SourceDocument {
    pub fn new(version: i32, text: &str) -> SourceDocument {
        SourceDocument {
            version,
            rope: Rope::from_str(text),
        }
    }

    pub fn apply(&mut self, changes: Vec<TextDocumentContentChangeEvent>, unit: ColumnUnit) {
        apply_changes(&mut self.rope, &mut None, changes, unit);
    }

    pub fn text(&self) -> String {
        self.rope.to_string()
    }
}

/// Applies the changes of one `didChange`, in order, to a rope and the tree parsed from it (a
/// full-text change drops the tree).
fn apply_changes(
    rope: &mut Rope,
    tree: &mut Option<Tree>,
    changes: Vec<TextDocumentContentChangeEvent>,
    unit: ColumnUnit,
) {
    for change in changes {
        let Some(range) = change.range else {
            *rope = Rope::from_str(&change.text);
            *tree = None;
            continue;
        };
        let mut start = rope_offset(rope, line_col(range.start), unit);
        let mut end = rope_offset(rope, line_col(range.end), unit);
        if end < start {
            std::mem::swap(&mut start, &mut end);
        }
        let start_position = point(rope, start);
        let old_end_position = point(rope, end);
        let start_char = rope.byte_to_char(start);
        let end_char = rope.byte_to_char(end);
        rope.remove(start_char..end_char);
        rope.insert(start_char, &change.text);
        let new_end = start + change.text.len();
        if let Some(tree) = tree {
            tree.edit(&InputEdit {
                start_byte: start,
                old_end_byte: end,
                new_end_byte: new_end,
                start_position,
                old_end_position,
                new_end_position: point(rope, new_end),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::Range;

    fn change(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range {
                start: Position::new(start.0, start.1),
                end: Position::new(end.0, end.1),
            }),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn applies_changes_in_sequence_in_either_encoding() {
        let mut doc = Document::new(1, Language::TypeScript, "const é = '😀';\r\nlet x;\n");
        // UTF-16: the emoji is two units; insert after it, then on the next line.
        doc.apply(
            vec![change((0, 13), (0, 13), "!"), change((1, 4), (1, 5), "yz")],
            ColumnUnit::Utf16,
        );
        assert_eq!(doc.text(), "const é = '😀!';\r\nlet yz;\n");
        doc.apply(vec![change((0, 7), (0, 8), "e")], ColumnUnit::Utf8);
        assert_eq!(doc.text(), "const e = '😀!';\r\nlet yz;\n");
        // Past the end of a line clamps to the line's end.
        doc.apply(vec![change((1, 99), (1, 99), " // end")], ColumnUnit::Utf16);
        assert_eq!(doc.text(), "const e = '😀!';\r\nlet yz; // end\n");
    }

    #[test]
    fn incremental_reparse_matches_a_fresh_parse() {
        let engine = crate::engine::Engine::new();
        let mut doc = Document::new(1, Language::TypeScript, "function f() {\n  return 1;\n}\n");
        doc.tree = Some(engine.parse(Language::TypeScript, &doc.text(), None));
        doc.apply(
            vec![
                change((1, 9), (1, 10), "g(2) + 3"),
                change((0, 9), (0, 10), "h"),
            ],
            ColumnUnit::Utf16,
        );
        let text = doc.text();
        let incremental = engine.parse(Language::TypeScript, &text, doc.tree.as_ref());
        let fresh = engine.parse(Language::TypeScript, &text, None);
        assert_eq!(
            incremental.root_node().to_sexp(),
            fresh.root_node().to_sexp()
        );
    }
}
