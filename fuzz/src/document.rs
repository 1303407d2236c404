//! An open document under a random sequence of incremental edits.
//!
//! After every `didChange` the rope must hold exactly what the same edits give applied to a
//! plain `String` (positions converted with [`LineIndex`]); analysing the incrementally
//! reparsed tree while reusing the previous chunk results must find exactly what analysing that
//! tree afresh finds; and, unless tree-sitter's error recovery built a different tree for a
//! broken text than a fresh parse does, exactly what a fresh parse and analysis finds.
//!
//! Input: the document's initial text up to the first `0xFF` byte (never part of UTF-8 text, so
//! any fixture seeds the corpus as it is); the edits are drawn from the bytes after it, or from
//! the whole input when it has none.

use crate::shared_engine;
use arbitrary::{Result, Unstructured};
use preflight::engine::{FileAnalysis, Reusable, SourceFile};
use preflight::lsp::document::Document;
use preflight::position::{ColumnUnit, LineCol, LineIndex};
use preflight::project::{NoFileSystem, ProjectInfo};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

/// Text that exercises line breaks, multi-byte characters and the grammars' delimiters.
const SNIPPETS: &[&str] = &[
    "",
    "x",
    "\n",
    "\r\n",
    "\r",
    "é",
    "😀",
    "中文",
    "\u{2028}",
    "}",
    "{",
    "'",
    "\"",
    "`",
    "(",
    "#",
    "  ",
    "\t",
    "console.log(1);\n",
    "print(1)\n",
    "function f() {\n  return 1;\n}\n",
    "def f():\n    pass\n",
    "// preflight-ignore: debug-print\n",
    "app.use(cors());\r\n",
    "RUN echo 😀 \\\n  && true\n",
    "/*",
    "*/",
    "\"\"\"",
];

struct Step {
    changes: Vec<TextDocumentContentChangeEvent>,
    unit: ColumnUnit,
}

fn position(u: &mut Unstructured<'_>, lines: usize) -> Result<Position> {
    // Mostly real lines and columns, sometimes past the end of either.
    let line = u.int_in_range(0..=lines as u32 + 1)?;
    let character = if u.ratio(1, 8)? {
        u.arbitrary::<u16>()? as u32
    } else {
        u.int_in_range(0..=40)?
    };
    Ok(Position { line, character })
}

fn text(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(3, 4)? {
        let count = u.int_in_range(1..=3)?;
        let mut out = String::new();
        for _ in 0..count {
            out.push_str(u.choose(SNIPPETS)?);
        }
        Ok(out)
    } else {
        let len = u.int_in_range(0..=12)?;
        let mut out = String::new();
        for _ in 0..len {
            out.push(u.arbitrary::<char>()?);
        }
        Ok(out)
    }
}

fn steps(u: &mut Unstructured<'_>, mut lines: usize) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    let count = u.int_in_range(1..=12)?;
    for _ in 0..count {
        let unit = if u.arbitrary()? {
            ColumnUnit::Utf16
        } else {
            ColumnUnit::Utf8
        };
        let mut changes = Vec::new();
        for _ in 0..u.int_in_range(1..=3)? {
            let full = u.ratio(1, 32)?;
            let start = position(u, lines)?;
            let end = if u.ratio(1, 2)? {
                Position {
                    line: start.line + u.int_in_range(0..=2)?,
                    character: u.int_in_range(0..=40)?,
                }
            } else {
                position(u, lines)?
            };
            let text = text(u)?;
            lines += text.matches('\n').count();
            changes.push(TextDocumentContentChangeEvent {
                range: (!full).then_some(Range { start, end }),
                range_length: None,
                text,
            });
        }
        steps.push(Step { changes, unit });
    }
    Ok(steps)
}

/// Applies one change to the plain-text model, the way the LSP specification describes it.
fn apply_to_string(text: &mut String, change: &TextDocumentContentChangeEvent, unit: ColumnUnit) {
    let Some(range) = change.range else {
        *text = change.text.clone();
        return;
    };
    let index = LineIndex::new(text);
    let offset = |p: Position| {
        index.offset(
            text,
            LineCol {
                line: p.line as usize,
                column: p.character as usize,
            },
            unit,
        )
    };
    let (mut start, mut end) = (offset(range.start), offset(range.end));
    if end < start {
        std::mem::swap(&mut start, &mut end);
    }
    text.replace_range(start..end, &change.text);
}

pub fn check(data: &[u8]) {
    let (initial, edits) = match data.iter().position(|&b| b == 0xFF) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, data),
    };
    let Ok(initial) = std::str::from_utf8(initial) else {
        return;
    };
    let mut u = Unstructured::new(edits);
    let Ok(language) = u.choose(&crate::LANGUAGES).copied() else {
        return;
    };
    let Ok(steps) = steps(&mut u, initial.lines().count()) else {
        return;
    };
    let engine = shared_engine();
    let mut document = Document::new(1, language, initial);
    let mut model = initial.to_string();
    let path = crate::engine::path_for(language);
    let mut reusable: Option<Reusable> = None;
    let Ok(tree) = engine.parse_bounded(language, initial, None) else {
        return;
    };
    document.tree = Some(tree);
    for (number, step) in steps.into_iter().enumerate() {
        for change in &step.changes {
            apply_to_string(&mut model, change, step.unit);
        }
        document.apply(step.changes, step.unit);
        let text = document.text();
        assert_eq!(text, model, "rope and string differ after step {number}");
        let Ok(tree) = engine.parse_bounded(language, &text, document.tree.as_ref()) else {
            return; // the server analyses nothing then
        };
        let file = SourceFile::new(path, &text, language);
        let project = ProjectInfo::default();
        let (incremental, next) =
            engine.analyze_tree_reusing(&file, &tree, &project, &NoFileSystem, reusable.take());
        // Reusing chunk results never changes what an analysis of the same tree finds.
        let whole = engine.analyze_tree(&file, &tree, &project, &NoFileSystem);
        assert_same(
            &incremental,
            &whole,
            &format!("reused, after step {number}"),
            &text,
        );
        // And the incrementally reparsed tree is the tree a fresh parse builds, so the editor
        // finds what the command line finds. Tree-sitter's error recovery may take another path
        // through a broken text when it starts from an old tree; such texts are left out.
        let Ok(fresh_tree) = engine.parse_bounded(language, &text, None) else {
            return;
        };
        if fresh_tree.root_node().has_error()
            && fresh_tree.root_node().to_sexp() != tree.root_node().to_sexp()
        {
            reusable = next;
            document.tree = Some(tree);
            continue;
        }
        let fresh = engine.analyze_tree(&file, &fresh_tree, &project, &NoFileSystem);
        assert_same(
            &incremental,
            &fresh,
            &format!("fresh, after step {number}"),
            &text,
        );
        reusable = next;
        document.tree = Some(tree);
    }
}

fn assert_same(a: &FileAnalysis, b: &FileAnalysis, what: &str, text: &str) {
    assert_eq!(a.findings, b.findings, "findings differ ({what}):\n{text}");
    assert_eq!(a.facts, b.facts, "facts differ ({what}):\n{text}");
    assert_eq!(
        a.suppressions, b.suppressions,
        "suppressions differ ({what})"
    );
}
