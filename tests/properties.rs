//! Properties over generated inputs (proptest), bounded so the file runs in seconds:
//! position conversions round-trip, an open document's edits equal the same edits on a string,
//! an incremental reparse with chunk reuse finds what a fresh parse and analysis finds, fixing
//! is idempotent, and no fix adds a syntax error.
//!
//! The same reuse check runs on every fixture under random edits in `engine/chunks.rs`, and on
//! arbitrary bytes in the `document` fuzz target.

use preflight::diagnostic::Finding;
use preflight::engine::{Engine, SourceFile, syntax_error_count};
use preflight::fix;
use preflight::lsp::document::Document;
use preflight::position::{ColumnUnit, LineCol, LineIndex, rope_offset};
use preflight::project::{NoFileSystem, ProjectInfo};
use preflight_grammars::Language;
use proptest::prelude::*;
use std::sync::OnceLock;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

const UNITS: [ColumnUnit; 3] = [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::new)
}

/// Text mixing ASCII, two-, three- and four-byte characters (surrogate pairs in UTF-16), and
/// every kind of line break.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z ]{0,6}",
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("é".to_string()),
        Just("中".to_string()),
        Just("😀".to_string()),
        Just("𝄞".to_string()),
        Just("\u{2028}".to_string()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every character boundary (but the middle of a `\r\n`) survives offset → position → offset
    /// in every unit, and the rope agrees with the line index everywhere.
    #[test]
    fn positions_round_trip(text in text()) {
        let index = LineIndex::new(&text);
        let rope = ropey::Rope::from_str(&text);
        for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
            let inside_crlf = offset > 0
                && text.as_bytes()[offset - 1] == b'\r'
                && text.as_bytes().get(offset) == Some(&b'\n');
            for unit in UNITS {
                let position = index.position(&text, offset, unit);
                if !inside_crlf {
                    prop_assert_eq!(index.offset(&text, position, unit), offset, "{:?}", unit);
                }
                prop_assert_eq!(rope_offset(&rope, position, unit), index.offset(&text, position, unit));
            }
        }
    }

    /// Columns past a line's end clamp to the line's end (before its break), lines past the end
    /// to the end of the text, and a column inside a character to that character's start.
    #[test]
    fn positions_past_the_end_clamp(text in text(), line in 0usize..40, column in 0usize..400) {
        let index = LineIndex::new(&text);
        let rope = ropey::Rope::from_str(&text);
        for unit in UNITS {
            let position = LineCol { line, column };
            let offset = index.offset(&text, position, unit);
            prop_assert!(text.is_char_boundary(offset));
            prop_assert_eq!(rope_offset(&rope, position, unit), offset);
            if line >= index.line_count() {
                prop_assert_eq!(offset, text.len());
            } else {
                let range = index.line_range(&text, line);
                prop_assert!(range.start <= offset && offset <= range.end);
                if column >= range.end - range.start {
                    prop_assert_eq!(offset, range.end);
                }
                // The position of the result never lies after the one asked for.
                let back = index.position(&text, offset, unit);
                prop_assert!(back.line == line && back.column <= column);
            }
        }
    }
}

fn change(start: (u32, u32), end: (u32, u32), text: String) -> TextDocumentContentChangeEvent {
    TextDocumentContentChangeEvent {
        range: Some(Range {
            start: Position::new(start.0, start.1),
            end: Position::new(end.0, end.1),
        }),
        range_length: None,
        text,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// An open document's rope after incremental edits (UTF-16 or UTF-8 columns, ranges
    /// anywhere) holds what the same edits give on a plain string.
    #[test]
    fn document_edits_equal_string_edits(
        initial in text(),
        edits in prop::collection::vec(
            ((0u32..8, 0u32..12), (0u32..8, 0u32..12), text(), any::<bool>()),
            1..8,
        ),
    ) {
        let mut document = Document::new(1, Language::TypeScript, &initial);
        let mut model = initial.clone();
        for (start, end, inserted, utf16) in edits {
            let unit = if utf16 { ColumnUnit::Utf16 } else { ColumnUnit::Utf8 };
            let index = LineIndex::new(&model);
            let at = |(line, column): (u32, u32)| {
                index.offset(&model, LineCol { line: line as usize, column: column as usize }, unit)
            };
            let (mut from, mut to) = (at(start), at(end));
            if to < from {
                std::mem::swap(&mut from, &mut to);
            }
            model.replace_range(from..to, &inserted);
            document.apply(vec![change(start, end, inserted)], unit);
            prop_assert_eq!(document.text(), model.clone());
        }
    }
}

/// Statements with findings (most with fixes) and without, per language.
const TYPESCRIPT: &[&str] = &[
    "import express from 'express';\n",
    "import cors from 'cors';\n",
    "import axios from 'axios';\n",
    "const app = express();\n",
    "app.use(cors());\n",
    "app.use(cors({ origin: '*' }));\n",
    "console.log('starting');\n",
    "debugger;\n",
    "const r = await axios.get('https://example.com/api');\n",
    "try { run(); } catch (e) {}\n",
    "const password = 'Sup3rS3cretPassw0rd!';\n",
    "// TODO: remove before release\n",
    "export function f(x: number) {\n  console.debug(x);\n  return x + 1;\n}\n",
    "app.listen(3000);\n",
    "const n = 1;\n",
];

const PYTHON: &[&str] = &[
    "import os\n",
    "import requests\n",
    "from flask import Flask\n",
    "app = Flask(__name__)\n",
    "print('starting')\n",
    "r = requests.get('https://example.com/api')\n",
    "r = requests.post(url, json=body, verify=False)\n",
    "try:\n    run()\nexcept Exception:\n    pass\n",
    "SECRET_KEY = 'django-insecure-abcdefghijklmnop1234'\n",
    "app.run(debug=True)\n",
    "def f(x):\n    print(x)\n    return x + 1\n",
    "# TODO: remove before release\n",
    "n = 1\n",
];

const DOCKERFILE: &[&str] = &[
    "FROM node:20\n",
    "FROM python:3.12-slim AS build\n",
    "WORKDIR /app\n",
    "COPY . .\n",
    "ENV NODE_ENV=development\n",
    "ENV API_KEY=sk_live_51Hq3xGQk2n8vLmP0aZbYcXwVuTs\n",
    "RUN npm ci\n",
    "EXPOSE 3000\n",
    "CMD node server.js\n",
    "CMD [\"npm\", \"run\", \"dev\"]\n",
    "ENTRYPOINT ['node', 'server.js']\n",
    "USER node\n",
];

fn program(language: Language) -> impl Strategy<Value = String> {
    let pool = match language {
        Language::Python => PYTHON,
        Language::Dockerfile => DOCKERFILE,
        _ => TYPESCRIPT,
    };
    prop::collection::vec(prop::sample::select(pool), 1..10).prop_map(move |parts| {
        let mut text = parts.concat();
        if language == Language::Dockerfile && !text.starts_with("FROM") {
            text.insert_str(0, "FROM node:20\n");
        }
        text
    })
}

fn language_and_program() -> impl Strategy<Value = (Language, String)> {
    prop::sample::select(vec![
        Language::TypeScript,
        Language::Python,
        Language::Dockerfile,
    ])
    .prop_flat_map(|language| (Just(language), program(language)))
}

fn path(language: Language) -> &'static str {
    match language {
        Language::Python => "app/main.py",
        Language::Dockerfile => "Dockerfile",
        _ => "src/server.ts",
    }
}

fn findings(language: Language, text: &str) -> Vec<Finding> {
    let file = SourceFile::new(path(language), text, language);
    engine()
        .analyze_file(&file, &ProjectInfo::default(), &NoFileSystem)
        .findings
}

fn errors(language: Language, text: &str) -> usize {
    syntax_error_count(&engine().parse(language, text, None))
}

/// Fix-all as `--fix` runs it: rounds of every allowed fix until nothing changes. Each round
/// must keep the syntax intact and the rounds must end.
fn fix_all(language: Language, mut text: String, allow_unsafe: bool) -> String {
    for _ in 0..fix::MAX_ROUNDS {
        let found = findings(language, &text);
        let applied = fix::apply(&text, &fix::select(&found, allow_unsafe));
        assert!(
            errors(language, &applied.text) <= errors(language, &text),
            "a fix round broke the syntax:\n{text}\n->\n{}",
            applied.text
        );
        if applied.text == text {
            return text;
        }
        text = applied.text;
    }
    panic!("fixes did not converge:\n{text}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Applying every fix twice changes nothing the first application did not.
    #[test]
    fn fixing_twice_is_fixing_once(
        (language, text) in language_and_program(),
    ) {
        for allow_unsafe in [false, true] {
            let once = fix_all(language, text.clone(), allow_unsafe);
            let twice = fix_all(language, once.clone(), allow_unsafe);
            prop_assert_eq!(&twice, &once, "{}", text);
        }
    }

    /// No single fix, and no set of them, adds a syntax error to a file that had none.
    #[test]
    fn no_fix_adds_a_syntax_error(
        (language, text) in language_and_program(),
    ) {
        prop_assume!(errors(language, &text) == 0);
        let found = findings(language, &text);
        for finding in &found {
            for candidate in &finding.fixes {
                let applied = fix::apply(&text, &[candidate]);
                prop_assert_eq!(
                    errors(language, &applied.text), 0,
                    "`{}` broke\n{}\n->\n{}", candidate.title, text, applied.text
                );
            }
        }
        for allow_unsafe in [false, true] {
            let all = fix::apply(&text, &fix::select(&found, allow_unsafe));
            prop_assert_eq!(errors(language, &all.text), 0, "{}\n->\n{}", text, all.text);
        }
    }
}

/// One edit of a program: where (a fraction of its length), how many characters go, and what
/// comes in (a whole statement of the language's pool, or a few characters that may break the
/// syntax for a while, as typing does).
fn program_edit(language: Language) -> impl Strategy<Value = (bool, f64, usize, String)> {
    let pool = match language {
        Language::Python => PYTHON,
        Language::Dockerfile => DOCKERFILE,
        _ => TYPESCRIPT,
    };
    let inserted = prop_oneof![
        prop::sample::select(pool).prop_map(str::to_string),
        "[a-z(){}\\[\\]'\"=;:, \n]{0,4}",
        Just(String::new()),
    ];
    (prop::bool::weighted(0.7), 0.0..=1.0f64, 0usize..6, inserted)
}

/// The byte ranges of the bodies of top-level functions and classes: where typing keeps the
/// file's outline, so an analysis reuses the other statements' results.
fn bodies(tree: &tree_sitter::Tree) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut cursor = tree.root_node().walk();
    for statement in tree.root_node().named_children(&mut cursor) {
        let declaration = ["declaration", "definition"]
            .iter()
            .find_map(|field| statement.child_by_field_name(field))
            .unwrap_or(statement);
        if let Some(body) = declaration.child_by_field_name("body") {
            ranges.push(body.byte_range());
        }
    }
    ranges
}

type ProgramEdit = (bool, f64, usize, String);

fn program_and_edits() -> impl Strategy<Value = (Language, String, Vec<ProgramEdit>)> {
    language_and_program().prop_flat_map(|(language, text)| {
        (
            Just(language),
            Just(text),
            prop::collection::vec(program_edit(language), 1..8),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After each edit, the incrementally reparsed tree analysed with the previous analysis's
    /// chunk results finds exactly what a whole analysis of that tree finds, and, when
    /// tree-sitter's error recovery built the same tree, what a fresh parse finds.
    #[test]
    fn incremental_reuse_equals_a_full_analysis(
        (language, initial, edits) in program_and_edits(),
    ) {
        let engine = engine();
        let project = ProjectInfo::default();
        let path = path(language);
        let mut document = Document::new(1, language, &initial);
        document.tree = Some(engine.parse(language, &initial, None));
        let mut reusable = None;
        for (in_body, at, removed, inserted) in edits {
            let text = document.text();
            // Most edits land inside a function body, where chunk results are reused.
            let mut span = 0..text.len();
            if in_body {
                let bodies = bodies(document.tree.as_ref().unwrap());
                if !bodies.is_empty() {
                    span = bodies[(at * (bodies.len() - 1) as f64) as usize].clone();
                }
            }
            let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let first = chars.partition_point(|&i| i < span.start);
            let last = chars.partition_point(|&i| i <= span.end) - 1;
            let start = first + ((last - first) as f64 * at) as usize;
            let end = (start + removed).min(last);
            let index = LineIndex::new(&text);
            let position = |offset: usize| {
                let at = index.position(&text, offset, ColumnUnit::Utf16);
                (at.line as u32, at.column as u32)
            };
            let change = change(position(chars[start]), position(chars[end]), inserted);
            document.apply(vec![change], ColumnUnit::Utf16);
            let text = document.text();
            let tree = engine.parse(language, &text, document.tree.as_ref());
            let file = SourceFile::new(path, &text, language);
            let (reused, next) = engine.analyze_tree_reusing(
                &file, &tree, &project, &NoFileSystem, reusable.take(),
            );
            let whole = engine.analyze_tree(&file, &tree, &project, &NoFileSystem);
            prop_assert_eq!(&reused.findings, &whole.findings, "{}", text);
            prop_assert_eq!(&reused.facts, &whole.facts, "{}", text);
            let fresh_tree = engine.parse(language, &text, None);
            if fresh_tree.root_node().to_sexp() == tree.root_node().to_sexp() {
                let fresh = engine.analyze_tree(&file, &fresh_tree, &project, &NoFileSystem);
                prop_assert_eq!(&reused.findings, &fresh.findings, "{}", text);
                prop_assert_eq!(&reused.facts, &fresh.facts, "{}", text);
            }
            reusable = next;
            document.tree = Some(tree);
        }
    }
}
