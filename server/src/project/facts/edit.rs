//! Where project-rule fixes may add code to a file, recorded while the tree is at hand.

use crate::diagnostic::Edit;
use tree_sitter::Node;

/// A place to insert whole lines: before the line starting at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Insertion {
    /// The start of a line, or the end of the text.
    pub at: usize,
    /// The indentation of the statement the insertion is next to.
    pub indent: String,
    /// The text ends at `at` without a line break, so inserted lines must begin with one.
    pub needs_newline: bool,
    /// The line at `at` is blank, or there is none.
    pub next_line_blank: bool,
}

impl Insertion {
    /// An edit inserting `lines` (complete lines, each ending with `\n`) here.
    pub fn edit(&self, lines: &str) -> Edit {
        if self.needs_newline {
            Edit::insert(self.at, format!("\n{lines}"))
        } else {
            Edit::insert(self.at, lines)
        }
    }
}

/// How fixes should write code into a file that holds an app site.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EditContext {
    /// Where new imports go (RULES.md §1.5): after the last top-level import.
    pub import_at: Insertion,
    /// TS/JS: the file uses `require` and no `import` statements.
    pub commonjs: bool,
    /// TS/JS: type annotations are allowed (TypeScript, not JavaScript).
    pub typed: bool,
    /// One level of indentation as the file writes it.
    pub indent_unit: String,
    /// TS/JS: the quote the file's imports use.
    pub quote: char,
    /// TS/JS: statements end with `;`.
    pub semicolons: bool,
    /// Top-level imports: (local name, target as in [`crate::lang::Bindings`]), sorted.
    pub imports: Vec<(String, String)>,
}

impl EditContext {
    /// What a local name is imported as, if it is imported at top level.
    pub fn import_of(&self, name: &str) -> Option<&str> {
        self.imports
            .iter()
            .find(|(local, _)| local == name)
            .map(|(_, target)| target.as_str())
    }
}

/// The start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |newline| newline + 1)
}

/// The leading whitespace of the line holding `at`.
pub(super) fn indentation_at(text: &str, at: usize) -> String {
    let start = line_start(text, at);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// An insertion after the line where `node` ends, when nothing but a comment follows `node` on
/// that line (otherwise the new lines would land inside whatever comes next).
pub(super) fn after_line_of(node: Node<'_>, text: &str, comment: &str) -> Option<Insertion> {
    if node.has_error() {
        return None;
    }
    let end = node.end_byte();
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let rest = text[end..line_end].trim();
    if !(rest.is_empty() || rest.starts_with(comment)) {
        return None;
    }
    let (at, needs_newline) = if line_end < text.len() {
        (line_end + 1, false)
    } else {
        (text.len(), true)
    };
    let next_line = text[at..].split('\n').next().unwrap_or("");
    Some(Insertion {
        at,
        indent: indentation_at(text, node.start_byte()),
        needs_newline,
        next_line_blank: next_line.trim().is_empty(),
    })
}

/// An insertion before the line where `node` starts, when only indentation precedes it there.
pub(super) fn before_line_of(node: Node<'_>, text: &str) -> Option<Insertion> {
    if node.has_error() {
        return None;
    }
    let start = line_start(text, node.start_byte());
    let prefix = &text[start..node.start_byte()];
    if !prefix.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    Some(Insertion {
        at: start,
        indent: prefix.to_string(),
        needs_newline: false,
        next_line_blank: false,
    })
}

/// An insertion at the start of the text (or after `node`'s line when given).
pub(super) fn top_of_file(after: Option<Node<'_>>, text: &str, comment: &str) -> Insertion {
    after
        .and_then(|node| after_line_of(node, text, comment))
        .unwrap_or(Insertion {
            at: 0,
            indent: String::new(),
            needs_newline: false,
            next_line_blank: text.lines().next().is_none_or(|l| l.trim().is_empty()),
        })
}

/// One level of indentation as the file writes it: a tab, or the smallest positive number of
/// leading spaces of any line; `default` when no line is indented.
pub(crate) fn indent_unit(text: &str, default: &str) -> String {
    let mut smallest: Option<usize> = None;
    for line in text.lines() {
        if line.starts_with('\t') {
            return "\t".to_string();
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if spaces > 0 && spaces < line.len() && smallest.is_none_or(|s| spaces < s) {
            smallest = Some(spaces);
        }
    }
    match smallest {
        Some(width) if width <= 8 => " ".repeat(width),
        _ => default.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_indent_unit() {
        assert_eq!(indent_unit("a\n    b\n        c\n", "  "), "    ");
        assert_eq!(indent_unit("a\n\tb\n", "  "), "\t");
        assert_eq!(indent_unit("a\nb\n", "  "), "  ");
        assert_eq!(indent_unit("a\n   \nb\n", "  "), "  ");
    }

    #[test]
    fn inserts_lines_and_adds_a_missing_line_break() {
        let at_end = Insertion {
            at: 3,
            indent: String::new(),
            needs_newline: true,
            next_line_blank: true,
        };
        assert_eq!(at_end.edit("x\n").replacement, "\nx\n");
    }
}
