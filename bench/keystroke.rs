//! Per-keystroke analysis cost on a 10,000-line TypeScript file: one character inserted, the
//! edited tree reparsed incrementally, every rule run. This is the server's work between the
//! debounce and `publishDiagnostics`.
//!
//! `cargo run --release -p preflight --example keystroke`

use preflight::engine::{Engine, SourceFile};
use preflight::project::{NoFileSystem, ProjectInfo};
use preflight_grammars::Language;
use std::time::Instant;
use tree_sitter::{InputEdit, Point};

fn main() {
    let mut text = String::from(
        "import express from 'express';\nimport cors from 'cors';\nconst app = express();\n",
    );
    let mut line = 3;
    while line < 10_000 {
        text.push_str(&format!(
            "export function handler{line}(req: Request, res: Response) {{\n  const id = req.params.id;\n  console.log('handling', id);\n  return res.json({{ id, ok: true }});\n}}\n"
        ));
        line += 5;
    }
    text.push_str("app.use(cors());\napp.listen(3000);\n");
    let lines = text.lines().count();
    let only = std::env::args().nth(1);
    let engine = match &only {
        Some(id) if id == "none" || id == "parse" => Engine::with_rules(Vec::new()),
        Some(id) => Engine::with_rules(vec![preflight::rules::by_id(id).expect("rule id")]),
        None => Engine::new(),
    };
    let project = ProjectInfo::default();
    let mut tree = engine.parse(Language::TypeScript, &text, None);
    // As the language server does: each analysis reuses what the previous one found in the
    // statements an edit did not touch.
    let mut reusable = None;
    let mut analyse = |text: &str, tree: &tree_sitter::Tree| {
        let file = SourceFile::new("src/big.ts", text, Language::TypeScript);
        let (analysis, next) =
            engine.analyze_tree_reusing(&file, tree, &project, &NoFileSystem, reusable.take());
        reusable = next;
        analysis.findings.len()
    };
    let findings = analyse(&text, &tree);
    let mut samples = Vec::new();
    // Type characters into a string literal in the middle of the file, one at a time.
    let middle = text[text.len() / 2..].find("'handling'").unwrap() + text.len() / 2 + 9;
    for (i, at) in (middle..middle + 500).enumerate() {
        let ch = (b'a' + (i % 26) as u8) as char;
        let started = Instant::now();
        let row = text[..at].matches('\n').count();
        let column = at - text[..at].rfind('\n').map_or(0, |p| p + 1);
        text.insert(at, ch);
        tree.edit(&InputEdit {
            start_byte: at,
            old_end_byte: at,
            new_end_byte: at + 1,
            start_position: Point { row, column },
            old_end_position: Point { row, column },
            new_end_position: Point {
                row,
                column: column + 1,
            },
        });
        tree = engine.parse(Language::TypeScript, &text, Some(&tree));
        if only.as_deref() != Some("parse") {
            std::hint::black_box(analyse(&text, &tree));
        }
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    println!(
        "{lines} lines, {} bytes, {findings} findings: keystroke analysis p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        text.len(),
        pct(0.5),
        pct(0.99),
        samples.last().unwrap()
    );
}
