//! Code actions: each finding's fixes, "ignore on this line" / "in this file", and "fix all
//! safe problems". When the client can resolve actions lazily, the list carries only titles and
//! a reference (`data`); the edits are computed by `codeAction/resolve` against the same
//! version of the document, or refused if it changed meanwhile.

use super::convert::Lines;
use crate::diagnostic::{Edit, Finding, Fix, FixSafety};
use crate::suppress::{RuleSet, Suppressions};
use preflight_grammars::{Language, LanguageFamily};
use serde::{Deserialize, Serialize};
use tree_sitter::Tree;

/// What one action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "do", content = "index")]
pub enum ActionKind {
    /// The finding's fix of this index.
    Fix(usize),
    IgnoreLine,
    IgnoreFile,
    FixAll,
}

/// The reference a lazily resolved action carries in `data`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionData {
    pub uri: String,
    pub version: i32,
    pub kind: ActionKind,
    /// The finding the action is about (absent for fix-all).
    pub rule: Option<String>,
    pub start: usize,
    pub end: usize,
}

/// What code actions need to know of a document.
pub struct ActionInput<'a> {
    pub language: Language,
    pub text: &'a str,
    pub tree: Option<&'a Tree>,
    pub suppressions: &'a Suppressions,
    /// File-level and project findings of the document.
    pub findings: &'a [Finding],
}

/// One offered action, before conversion.
pub struct Offer<'a> {
    pub title: String,
    pub kind: ActionKind,
    /// The finding it is about.
    pub finding: Option<&'a Finding>,
    pub preferred: bool,
}

/// The actions for findings touching `range` (bytes), and fix-all when `fix_all` is asked.
pub fn offers<'a>(
    input: &ActionInput<'a>,
    range: std::ops::Range<usize>,
    quickfix: bool,
    fix_all: bool,
) -> Vec<Offer<'a>> {
    let mut offers = Vec::new();
    if quickfix {
        for finding in input.findings {
            let touches = finding.range.start <= range.end && range.start <= finding.range.end;
            if !touches {
                continue;
            }
            for (index, fix) in finding.fixes.iter().enumerate() {
                offers.push(Offer {
                    title: fix.title.clone(),
                    kind: ActionKind::Fix(index),
                    finding: Some(finding),
                    preferred: fix.safety == FixSafety::Safe,
                });
            }
            offers.push(Offer {
                title: format!("Ignore `{}` on this line", finding.rule),
                kind: ActionKind::IgnoreLine,
                finding: Some(finding),
                preferred: false,
            });
            offers.push(Offer {
                title: format!("Ignore `{}` in this file", finding.rule),
                kind: ActionKind::IgnoreFile,
                finding: Some(finding),
                preferred: false,
            });
        }
    }
    if fix_all && !crate::fix::select(input.findings, false).is_empty() {
        offers.push(Offer {
            title: "Fix all safe Preflight problems".into(),
            kind: ActionKind::FixAll,
            finding: None,
            preferred: false,
        });
    }
    offers
}

/// The edits of one action, in bytes of `input.text`.
pub fn edits(input: &ActionInput<'_>, kind: ActionKind, finding: Option<&Finding>) -> Vec<Edit> {
    match (kind, finding) {
        (ActionKind::Fix(index), Some(finding)) => finding
            .fixes
            .get(index)
            .map(|fix| fix.edits.clone())
            .unwrap_or_default(),
        (ActionKind::IgnoreLine, Some(finding)) => vec![ignore_line(input, finding)],
        (ActionKind::IgnoreFile, Some(finding)) => vec![ignore_file(input, finding)],
        (ActionKind::FixAll, _) => {
            let fixes = crate::fix::select(input.findings, false);
            let applied = crate::fix::apply(input.text, &fixes);
            minimal_edit(input.text, &applied.text)
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The fixes an action applies (their edits of other files travel with the action).
pub fn fixes_of<'a>(
    input: &ActionInput<'a>,
    kind: ActionKind,
    finding: Option<&'a Finding>,
) -> Vec<&'a Fix> {
    match (kind, finding) {
        (ActionKind::Fix(index), Some(finding)) => finding.fixes.get(index).into_iter().collect(),
        (ActionKind::FixAll, _) => crate::fix::select(input.findings, false),
        _ => Vec::new(),
    }
}

/// The finding an action's data refers to, in the current findings.
pub fn find<'a>(findings: &'a [Finding], data: &ActionData) -> Option<&'a Finding> {
    findings.iter().find(|f| {
        Some(f.rule) == data.rule.as_deref()
            && f.range.start == data.start
            && f.range.end == data.end
    })
}

pub fn to_text_edits(
    lines: &Lines<'_>,
    edits: &[Edit],
) -> Vec<tower_lsp_server::ls_types::TextEdit> {
    edits.iter().map(|e| lines.edit(e)).collect()
}

fn comment_marker(language: Language) -> &'static str {
    match language.family() {
        LanguageFamily::Ecma => "//",
        LanguageFamily::Python | LanguageFamily::Dockerfile => "#",
    }
}

fn newline(text: &str) -> &'static str {
    if crate::fix::uses_crlf(text) {
        "\r\n"
    } else {
        "\n"
    }
}

/// Where a directive naming `ids` in `comment` ends its list: `, rule` is inserted there.
fn list_end(text: &str, comment: &std::ops::Range<usize>) -> Option<usize> {
    let body = &text[comment.clone()];
    let colon = body.find("preflight-ignore")?;
    let after = &body[colon..];
    let colon = colon + after.find(':')?;
    let mut end = body.len();
    if let Some(reason) = body[colon..].find("--") {
        end = colon + reason;
    }
    if body[..end].ends_with("*/") {
        end -= 2;
    } else if let Some(close) = body[colon..end].find("*/") {
        end = colon + close;
    }
    let end = colon + body[colon..end].trim_end().len();
    Some(comment.start + end)
}

/// A line directive silencing the finding's line that names other rules, to extend.
fn extend_directive(input: &ActionInput<'_>, finding: &Finding, file_level: bool) -> Option<Edit> {
    let directive = input.suppressions.directives.iter().find(|d| {
        matches!(d.rules, RuleSet::Only(_))
            && match &d.scope {
                None => file_level,
                Some(scope) => {
                    !file_level
                        && scope.start <= finding.range.start
                        && finding.range.start < scope.end
                }
            }
    })?;
    let at = list_end(input.text, &directive.comment)?;
    Some(Edit::insert(at, format!(", {}", finding.rule)))
}

/// "Ignore on this line": extends a directive already silencing the line, or adds one above it.
fn ignore_line(input: &ActionInput<'_>, finding: &Finding) -> Edit {
    if let Some(edit) = extend_directive(input, finding, false) {
        return edit;
    }
    let text = input.text;
    // The line to put the directive above: the finding's line, or in a Dockerfile the first line
    // of its instruction.
    let mut anchor = finding.range.start.min(text.len());
    if input.language == Language::Dockerfile
        && let Some(tree) = input.tree
    {
        let root = tree.root_node();
        let mut cursor = root.walk();
        if cursor.goto_first_child_for_byte(anchor).is_some()
            && cursor.node().start_byte() <= anchor
        {
            anchor = cursor.node().start_byte();
        }
    }
    let line_start = text[..anchor].rfind('\n').map(|at| at + 1).unwrap_or(0);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    Edit::insert(
        line_start,
        format!(
            "{indent}{} preflight-ignore: {}{}",
            comment_marker(input.language),
            finding.rule,
            newline(text)
        ),
    )
}

/// "Ignore in this file": extends the file's directive, or adds one after a shebang and
/// Dockerfile parser directives.
fn ignore_file(input: &ActionInput<'_>, finding: &Finding) -> Edit {
    if let Some(edit) = extend_directive(input, finding, true) {
        return edit;
    }
    let text = input.text;
    let mut file_start = 0;
    for candidate in text.split_inclusive('\n') {
        let trimmed = candidate.trim_start();
        let lower = trimmed.to_ascii_lowercase();
        let directive = file_start == 0 && trimmed.starts_with("#!")
            || input.language == Language::Dockerfile
                && ["syntax=", "escape=", "check="].iter().any(|d| {
                    lower
                        .strip_prefix('#')
                        .is_some_and(|rest| rest.trim_start().starts_with(d))
                });
        if !directive {
            break;
        }
        file_start += candidate.len();
    }
    Edit::insert(
        file_start,
        format!(
            "{} preflight-ignore-file: {}{}",
            comment_marker(input.language),
            finding.rule,
            newline(text)
        ),
    )
}

/// One edit turning `before` into `after`: the differing middle.
pub fn minimal_edit(before: &str, after: &str) -> Option<Edit> {
    if before == after {
        return None;
    }
    let prefix = before
        .char_indices()
        .zip(after.chars())
        .find(|((_, a), b)| a != b)
        .map(|((at, _), _)| at)
        .unwrap_or(before.len().min(after.len()));
    let prefix = crate::position::floor_char_boundary(before, prefix);
    let max_suffix = (before.len() - prefix).min(after.len() - prefix);
    let mut suffix = 0;
    let (b, a) = (before.as_bytes(), after.as_bytes());
    while suffix < max_suffix && b[b.len() - 1 - suffix] == a[a.len() - 1 - suffix] {
        suffix += 1;
    }
    while !before.is_char_boundary(before.len() - suffix)
        || !after.is_char_boundary(after.len() - suffix)
    {
        suffix -= 1;
    }
    Some(Edit::replace(
        prefix..before.len() - suffix,
        &after[prefix..after.len() - suffix],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::engine::{Engine, SourceFile};
    use crate::project::{NoFileSystem, ProjectInfo};

    /// The text after the edit an action makes for a finding of `rule` on `text` (the file
    /// `path`): the analysis's own finding, or one made up over `fallback` when the rule is quiet
    /// there.
    fn edited(
        path: &str,
        text: &str,
        rule: &'static str,
        fallback: std::ops::Range<usize>,
        make: fn(&ActionInput<'_>, &Finding) -> Edit,
    ) -> String {
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let engine = Engine::new();
        let tree = engine.parse(language, text, None);
        let file = SourceFile::new(path, text, language);
        let analysis = engine.analyze_tree(&file, &tree, &ProjectInfo::default(), &NoFileSystem);
        let input = ActionInput {
            language,
            text,
            tree: Some(&tree),
            suppressions: &analysis.suppressions,
            findings: &analysis.findings,
        };
        let finding = analysis
            .findings
            .iter()
            .find(|f| f.rule == rule)
            .cloned()
            .unwrap_or_else(|| Finding::new(rule, Severity::Warning, fallback, "x"));
        let edit = make(&input, &finding);
        let mut out = text.to_string();
        out.replace_range(edit.range.clone(), &edit.replacement);
        out
    }

    #[test]
    fn ignore_line_extends_an_existing_directive() {
        let text = "import cors from 'cors';\nconst app = require('express')();\n// preflight-ignore: debug-print -- reviewed\napp.use(cors()); console.log('x');\n";
        assert_eq!(
            edited("main.js", text, "cors-wildcard", 0..0, ignore_line),
            text.replace(
                "// preflight-ignore: debug-print -- reviewed",
                "// preflight-ignore: debug-print, cors-wildcard -- reviewed"
            )
        );
    }

    #[test]
    fn ignore_line_adds_a_directive_with_the_line_indent() {
        let text = "def f():\n    print('x')\n";
        assert_eq!(
            edited("app/f.py", text, "debug-print", 0..0, ignore_line),
            "def f():\n    # preflight-ignore: debug-print\n    print('x')\n"
        );
    }

    #[test]
    fn ignore_file_extends_the_file_directive_and_skips_a_shebang() {
        // A shebang makes the file a script, where debug-print is quiet: a made-up finding.
        let text = "#!/usr/bin/env python\n# preflight-ignore-file: cors-wildcard\nprint('x')\n";
        let print = text.find("print(").unwrap()..text.len() - 1;
        assert_eq!(
            edited("app/f.py", text, "debug-print", print, ignore_file),
            text.replace("cors-wildcard", "cors-wildcard, debug-print")
        );
        let bare = "#!/usr/bin/env python\nprint('x')\n";
        assert_eq!(
            edited("app/f.py", bare, "debug-print", 22..32, ignore_file),
            "#!/usr/bin/env python\n# preflight-ignore-file: debug-print\nprint('x')\n"
        );
    }

    #[test]
    fn dockerfile_directive_goes_above_the_instruction() {
        let text = "FROM python:3.12\nCMD python \\\n  -m app\n";
        let inside = text.find("-m").unwrap()..text.len() - 1;
        assert_eq!(
            edited("Dockerfile", text, "no-such-rule", inside, ignore_line),
            "FROM python:3.12\n# preflight-ignore: no-such-rule\nCMD python \\\n  -m app\n"
        );
    }
}
