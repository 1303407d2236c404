//! Suppression comments (CONTRACT.md, RULES.md §3):
//!
//! ```text
//! preflight-ignore[: rule-id[, rule-id]*] [-- reason]        the next line of code, or this line
//! preflight-ignore-file[: rule-id[, rule-id]*] [-- reason]   the whole file
//! ```
//!
//! Directives are found by a substring search and confirmed against the tree (they must start a
//! comment node), so a file without the word costs one scan of its bytes and no tree walk.

use crate::diagnostic::{Finding, Severity};
use crate::position::LineIndex;
use preflight_grammars::{Language, LanguageFamily};
use std::ops::Range;
use tree_sitter::{Node, Tree};

/// The rule id of findings about directives themselves.
pub const INVALID_IGNORE: &str = "invalid-ignore";

pub(crate) const MARKER: &str = "preflight-ignore";

/// Which rules a directive names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuleSet {
    All,
    Only(Vec<String>),
}

impl RuleSet {
    fn contains(&self, rule: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(ids) => ids.iter().any(|id| id == rule),
        }
    }
}

/// One parsed directive.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Directive {
    /// The comment holding it.
    pub comment: Range<usize>,
    pub rules: RuleSet,
    /// Bytes it silences; `None` for a file-level directive.
    pub scope: Option<Range<usize>>,
}

/// The suppressions of one file.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Suppressions {
    pub directives: Vec<Directive>,
    /// Findings about the directives themselves (unknown rule ids).
    pub problems: Vec<Finding>,
}

impl Suppressions {
    /// Whether a finding starting at `start` of rule `rule` is silenced.
    pub fn silences(&self, rule: &str, start: usize) -> bool {
        self.directives.iter().any(|directive| {
            directive.rules.contains(rule)
                && directive.scope.as_ref().is_none_or(|scope| {
                    scope.start <= start && start < scope.end.max(scope.start + 1)
                })
        })
    }

    /// Removes silenced findings.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        if !self.directives.is_empty() {
            findings.retain(|finding| !self.silences(finding.rule, finding.range.start));
        }
    }
}

/// The directive in a comment's text, if the comment is one: `(is file-level, rules)`, or an
/// error naming unknown ids.
pub fn parse_comment(comment: &str) -> Option<(bool, Result<RuleSet, Vec<String>>)> {
    let body = strip_comment_markers(comment);
    let rest = body.strip_prefix(MARKER)?;
    let (file_level, rest) = match rest.strip_prefix("-file") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    // The directive ends at ` -- ` (a reason) or the end of the comment.
    let rest = match rest.find("--") {
        Some(at) => &rest[..at],
        None => rest,
    };
    let rest = rest.trim_end();
    if rest.is_empty() {
        return Some((file_level, Ok(RuleSet::All)));
    }
    let list = rest.strip_prefix(':')?.trim();
    if list.is_empty() || list == "all" {
        return Some((file_level, Ok(RuleSet::All)));
    }
    let ids: Vec<String> = list
        .split(',')
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() {
        // `: ,` names no rule, like a bare `:` (found by fuzzing).
        return Some((file_level, Ok(RuleSet::All)));
    }
    let unknown: Vec<String> = ids
        .iter()
        .filter(|id| crate::rules::by_id(id).is_none() && id.as_str() != INVALID_IGNORE)
        .cloned()
        .collect();
    if unknown.is_empty() {
        Some((file_level, Ok(RuleSet::Only(ids))))
    } else {
        Some((file_level, Err(unknown)))
    }
}

fn strip_comment_markers(comment: &str) -> &str {
    let mut text = comment.trim();
    for (open, close) in [("/*", "*/"), ("//", ""), ("#", "")] {
        if let Some(inner) = text.strip_prefix(open) {
            text = inner.strip_suffix(close).unwrap_or(inner);
            break;
        }
    }
    text.trim()
}

/// Finds the directives of a file.
pub fn collect(text: &str, tree: &Tree, language: Language) -> Suppressions {
    let mut suppressions = Suppressions::default();
    if !text.contains(MARKER) {
        return suppressions;
    }
    let root = tree.root_node();
    let index = LineIndex::new(text);
    let mut seen = Vec::new();
    for (at, _) in text.match_indices(MARKER) {
        let Some(comment) = root
            .descendant_for_byte_range(at, at + MARKER.len())
            .filter(|node| node.kind() == "comment")
        else {
            continue;
        };
        if seen.contains(&comment.start_byte()) {
            continue;
        }
        seen.push(comment.start_byte());
        let comment_text = &text[comment.byte_range()];
        let Some((file_level, rules)) = parse_comment(comment_text) else {
            continue;
        };
        let rules = match rules {
            Ok(rules) => rules,
            Err(unknown) => {
                suppressions.problems.push(Finding::new(
                    INVALID_IGNORE,
                    Severity::Hint,
                    comment.start_byte()..comment.end_byte(),
                    format!(
                        "Unknown rule {} in a suppression comment; it silences nothing.",
                        unknown
                            .iter()
                            .map(|id| format!("`{id}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                continue;
            }
        };
        let scope = if file_level {
            if !before_first_statement(root, comment, text, language) {
                continue;
            }
            None
        } else {
            match line_scope(text, &index, root, comment, language) {
                Some(scope) => Some(scope),
                None => continue,
            }
        };
        suppressions.directives.push(Directive {
            comment: comment.byte_range(),
            rules,
            scope,
        });
    }
    suppressions
}

/// Whether the comment stands alone on its line (only whitespace, or a JSX `{` … `}` around it).
fn is_own_line(text: &str, index: &LineIndex, comment: Node<'_>) -> bool {
    let line = index.line_of(comment.start_byte());
    let range = index.line_range(text, line);
    let before = text[range.start..comment.start_byte()].trim();
    let after_end = comment.end_byte().min(range.end.max(comment.end_byte()));
    let after = if comment.end_byte() <= range.end {
        text[after_end..range.end].trim()
    } else {
        ""
    };
    (before.is_empty() && after.is_empty()) || (before == "{" && after == "}")
}

/// The bytes a line directive silences.
fn line_scope(
    text: &str,
    index: &LineIndex,
    root: Node<'_>,
    comment: Node<'_>,
    language: Language,
) -> Option<Range<usize>> {
    if language == Language::Dockerfile {
        // The next instruction, continuation lines included.
        let mut next = comment.next_named_sibling();
        while let Some(node) = next {
            if node.kind() != "comment" {
                return Some(node.byte_range());
            }
            next = node.next_named_sibling();
        }
        return None;
    }
    if !is_own_line(text, index, comment) {
        let line = index.line_of(comment.start_byte());
        let range = index.line_range(text, line);
        return Some(range);
    }
    // The next line holding a non-comment token: blank lines and comment lines are skipped.
    let mut line = index.line_of(comment.end_byte().saturating_sub(1)) + 1;
    while line < index.line_count() {
        let range = index.line_range(text, line);
        let content = &text[range.clone()];
        let Some(offset) = content.find(|c: char| !c.is_whitespace()) else {
            line += 1;
            continue;
        };
        let first = range.start + offset;
        let mut at = first;
        // `{/* … */}` in JSX: look past the brace.
        if text[at..].starts_with('{') && text[at + 1..].trim_start().starts_with("/*") {
            at += 1 + (text[at + 1..].len() - text[at + 1..].trim_start().len());
        }
        match root.descendant_for_byte_range(at, at + 1) {
            Some(node) if node.kind() == "comment" => {
                line = index.line_of(node.end_byte().saturating_sub(1)) + 1;
            }
            _ => return Some(range),
        }
    }
    None
}

/// Whether a comment stands before the first statement of the file (after a shebang, a
/// `"use strict"` directive or a module docstring; in a Dockerfile, before the first instruction).
fn before_first_statement(
    root: Node<'_>,
    comment: Node<'_>,
    text: &str,
    language: Language,
) -> bool {
    let mut cursor = root.walk();
    for child in root.named_children(&mut cursor) {
        if child.start_byte() >= comment.start_byte() {
            return true;
        }
        let preamble = match (language.family(), child.kind()) {
            (_, "comment") => true,
            (LanguageFamily::Ecma, "hash_bang_line") => true,
            (LanguageFamily::Ecma, "expression_statement") => {
                child.named_child(0).is_some_and(|s| s.kind() == "string")
                    && text[child.byte_range()].contains("use strict")
            }
            (LanguageFamily::Python, "expression_statement") => {
                child.named_child(0).is_some_and(|s| s.kind() == "string")
            }
            _ => false,
        };
        if !preamble {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(language: Language, text: &str) -> Tree {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        parser.parse(text, None).unwrap()
    }

    fn silenced(language: Language, text: &str, rule: &str, needle: &str) -> bool {
        let tree = parse(language, text);
        let suppressions = collect(text, &tree, language);
        suppressions.silences(rule, text.find(needle).expect("needle in text"))
    }

    #[test]
    fn parses_directives() {
        assert_eq!(
            parse_comment("// preflight-ignore"),
            Some((false, Ok(RuleSet::All)))
        );
        assert_eq!(
            parse_comment("# preflight-ignore: all"),
            Some((false, Ok(RuleSet::All)))
        );
        assert_eq!(
            parse_comment("/* preflight-ignore: debug-print, cors-wildcard -- vendor demo */"),
            Some((
                false,
                Ok(RuleSet::Only(vec![
                    "debug-print".into(),
                    "cors-wildcard".into()
                ]))
            ))
        );
        assert_eq!(
            parse_comment("# preflight-ignore-file: debug-print"),
            Some((true, Ok(RuleSet::Only(vec!["debug-print".into()]))))
        );
        assert_eq!(
            parse_comment("// preflight-ignore: debug-prnt"),
            Some((false, Err(vec!["debug-prnt".into()])))
        );
        // A list of no ids (found by fuzzing) is a bare directive, as `:` alone is.
        for comment in [
            "// preflight-ignore: ,",
            "// preflight-ignore:,\r",
            "# preflight-ignore:",
        ] {
            assert_eq!(
                parse_comment(comment),
                Some((false, Ok(RuleSet::All))),
                "{comment}"
            );
        }
        assert_eq!(parse_comment("// see preflight-ignore docs"), None);
        assert_eq!(parse_comment("// preflight-ignored"), None);
    }

    #[test]
    fn own_line_directives_silence_the_next_code_line() {
        let text = "// preflight-ignore: debug-print\n\n// another comment\nconsole.log(a);\nconsole.log(b);\n";
        assert!(silenced(
            Language::TypeScript,
            text,
            "debug-print",
            "console.log(a)"
        ));
        assert!(!silenced(
            Language::TypeScript,
            text,
            "debug-print",
            "console.log(b)"
        ));
        assert!(!silenced(
            Language::TypeScript,
            text,
            "cors-wildcard",
            "console.log(a)"
        ));
    }

    #[test]
    fn trailing_directives_silence_their_own_line() {
        let text = "print(a)  # preflight-ignore: debug-print -- CLI output\nprint(b)\n";
        assert!(silenced(Language::Python, text, "debug-print", "print(a)"));
        assert!(!silenced(Language::Python, text, "debug-print", "print(b)"));
    }

    #[test]
    fn directives_in_strings_do_nothing() {
        let text = "const s = '// preflight-ignore';\nconsole.log(s);\n";
        assert!(!silenced(
            Language::TypeScript,
            text,
            "debug-print",
            "console.log"
        ));
    }

    #[test]
    fn file_directives_must_precede_the_first_statement() {
        let text = "#!/usr/bin/env node\n'use strict';\n// preflight-ignore-file: debug-print\nconsole.log(1);\n";
        assert!(silenced(
            Language::JavaScript,
            text,
            "debug-print",
            "console.log"
        ));
        let late = "console.log(0);\n// preflight-ignore-file: debug-print\nconsole.log(1);\n";
        assert!(!silenced(
            Language::JavaScript,
            late,
            "debug-print",
            "console.log(1)"
        ));
        let py = "\"\"\"Docs.\"\"\"\n# preflight-ignore-file\nprint(1)\n";
        assert!(silenced(Language::Python, py, "debug-print", "print"));
    }

    #[test]
    fn dockerfile_directives_cover_the_next_instruction() {
        let text = "# syntax=docker/dockerfile:1\nFROM node:20\n# preflight-ignore: malformed-entrypoint\nCMD node \\\n  a.js\nCMD ['b']\n";
        assert!(silenced(
            Language::Dockerfile,
            text,
            "malformed-entrypoint",
            "a.js"
        ));
        assert!(!silenced(
            Language::Dockerfile,
            text,
            "malformed-entrypoint",
            "['b']"
        ));
    }

    #[test]
    fn jsx_comment_directives_are_own_line() {
        let text = "const a = (\n  <div>\n    {/* preflight-ignore: debug-print */}\n    {console.log(x)}\n  </div>\n);\n";
        assert!(silenced(Language::Tsx, text, "debug-print", "console.log"));
    }

    #[test]
    fn unknown_ids_are_reported() {
        let text = "// preflight-ignore: debug-prnt\nconsole.log(1);\n";
        let tree = parse(Language::TypeScript, text);
        let suppressions = collect(text, &tree, Language::TypeScript);
        assert_eq!(suppressions.problems.len(), 1);
        assert_eq!(suppressions.problems[0].rule, INVALID_IGNORE);
        assert!(suppressions.problems[0].message.contains("`debug-prnt`"));
        assert!(suppressions.directives.is_empty());
    }
}
