//! The floor under a scan: how fast tree-sitter alone parses a corpus, on all cores, and what
//! one query pass or Preflight's whole analysis adds to it, over the very same files (every
//! `.py`, `.ts`, `.tsx`, `.js`… below the folders, without Preflight's path and content skips).
//!
//! ```sh
//! cargo run --release -p preflight --example floor -- parse   DIR...   # parse only
//! cargo run --release -p preflight --example floor -- query   DIR...   # parse + one query pass
//! cargo run --release -p preflight --example floor -- analyze DIR...   # parse + every rule
//! cargo run --release -p preflight --example floor -- full    DIR...   # the same, no prefilter
//! cargo run --release -p preflight --example floor -- queries DIR...   # each query file alone
//! ```
//!
//! `queries` parses every file once (one thread), then times the compilation and one cursor
//! pass of each query file of the family on its own and of all of them combined, as the engine
//! runs them: where the query share of a scan goes.
//!
//! Prints one line: mode, files, bytes, files with syntax errors, files the prefilter lets
//! through, wall time of the parallel part (reading the files excluded). `--threads N` (default
//! 2) sizes the pool.

use preflight::engine::{Engine, SourceFile};
use preflight::project::{NoFileSystem, ProjectInfo};
use preflight_grammars::Language;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Parser, Query, QueryCursor};

/// One query of the kind every linter runs: calls, by callee shape.
const PYTHON_QUERY: &str = "(call function: [(identifier) (attribute)] @f) @call";
const ECMA_QUERY: &str = "(call_expression function: [(identifier) (member_expression)] @f) @call";

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = 2;
    if let Some(at) = args.iter().position(|a| a == "--threads") {
        threads = args[at + 1].parse().expect("--threads N");
        args.drain(at..at + 2);
    }
    let mode = args.first().cloned().unwrap_or_default();
    if !matches!(
        mode.as_str(),
        "parse" | "query" | "analyze" | "full" | "queries"
    ) || args.len() < 2
    {
        eprintln!("usage: floor [--threads N] parse|query|analyze|full|queries DIR...");
        std::process::exit(2);
    }
    let mut paths = Vec::new();
    for dir in &args[1..] {
        collect(Path::new(dir), &mut paths);
    }
    paths.sort();
    let files: Vec<(Language, String, String)> = paths
        .iter()
        .filter_map(|path| {
            let language = Language::from_path(path)
                .filter(|l| l.family() != preflight_grammars::LanguageFamily::Dockerfile)?;
            let text = std::fs::read_to_string(path).ok()?;
            Some((language, path.display().to_string(), text))
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, _, text)| text.len()).sum();
    if mode == "queries" {
        per_query(&files);
        return;
    }
    let engine = match mode.as_str() {
        "full" => Engine::new().without_prefilter(),
        _ => Engine::new(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let errors = AtomicUsize::new(0);
    let passed = AtomicUsize::new(0);
    let passed_bytes = AtomicUsize::new(0);
    let over_budget = AtomicUsize::new(0);
    let findings = AtomicUsize::new(0);
    let start = Instant::now();
    pool.install(|| {
        files.par_iter().for_each_init(
            || (Parser::new(), QueryCursor::new(), None::<Language>),
            |(parser, cursor, set), (language, path, text)| {
                let file = SourceFile::new(path, text, *language);
                if engine.may_match(&file) {
                    passed.fetch_add(1, Ordering::Relaxed);
                    passed_bytes.fetch_add(text.len(), Ordering::Relaxed);
                }
                match mode.as_str() {
                    "parse" | "query" => {
                        if *set != Some(language.grammar_key()) {
                            parser.set_language(&language.grammar()).expect("grammar");
                            *set = Some(language.grammar_key());
                        }
                        let tree = parser.parse(text, None).expect("a tree");
                        if tree.root_node().has_error() {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                        if mode == "query" {
                            let query = query_for(*language);
                            let mut matches =
                                cursor.matches(query, tree.root_node(), text.as_bytes());
                            let mut count = 0;
                            while matches.next().is_some() {
                                count += 1;
                            }
                            findings.fetch_add(count, Ordering::Relaxed);
                        }
                    }
                    _ => {
                        match engine.scan_file(&file, &ProjectInfo::default(), &NoFileSystem, true)
                        {
                            Ok(analysis) => {
                                if analysis.has_syntax_errors {
                                    errors.fetch_add(1, Ordering::Relaxed);
                                }
                                findings.fetch_add(analysis.findings.len(), Ordering::Relaxed);
                            }
                            // Over the parse budget (a profiler slows parsing down): counted apart.
                            Err(_) => {
                                over_budget.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            },
        )
    });
    let elapsed = start.elapsed();
    println!(
        "{mode}\tfiles={}\tbytes={bytes}\tsyntax_errors={}\tprefilter_passed={}\tprefilter_passed_bytes={}\tmatches_or_findings={}\tover_parse_budget={}\tseconds={:.3}",
        files.len(),
        errors.into_inner(),
        passed.into_inner(),
        passed_bytes.into_inner(),
        findings.into_inner(),
        over_budget.into_inner(),
        elapsed.as_secs_f64(),
    );
}

/// One cursor pass per query file over already parsed trees, then the combined query.
fn per_query(files: &[(Language, String, String)]) {
    let mut parser = Parser::new();
    let trees: Vec<(Language, &str, tree_sitter::Tree)> = files
        .iter()
        .map(|(language, _, text)| {
            parser.set_language(&language.grammar()).expect("grammar");
            (
                *language,
                text.as_str(),
                parser.parse(text, None).expect("a tree"),
            )
        })
        .collect();
    let mut grammars: Vec<Language> = trees.iter().map(|(l, _, _)| l.grammar_key()).collect();
    grammars.sort_by_key(|l| l.name());
    grammars.dedup();
    for grammar in grammars {
        let family = grammar.family();
        let parts: Vec<_> = preflight_grammars::query_files()
            .iter()
            .filter(|file| file.family == family)
            .collect();
        let combined: String = parts.iter().map(|f| format!("{}\n", f.source)).collect();
        let mut runs: Vec<(&str, String)> = parts
            .iter()
            .map(|f| (f.name, f.source.to_string()))
            .collect();
        runs.push(("(combined)", combined));
        for (name, source) in runs {
            let compiling = Instant::now();
            let query = Query::new(&grammar.grammar(), &source).expect("query");
            let compile = compiling.elapsed();
            let mut cursor = QueryCursor::new();
            let mut matches_found = 0;
            let start = Instant::now();
            for (_, text, tree) in trees.iter().filter(|(l, _, _)| l.grammar_key() == grammar) {
                let mut matches = cursor.matches(&query, tree.root_node(), text.as_bytes());
                while matches.next().is_some() {
                    matches_found += 1;
                }
            }
            println!(
                "{}\t{name}\tpatterns={}\tmatches={matches_found}\tcompile_seconds={:.3}\tseconds={:.3}",
                grammar.name(),
                query.pattern_count(),
                compile.as_secs_f64(),
                start.elapsed().as_secs_f64()
            );
        }
    }
}

fn query_for(language: Language) -> &'static Query {
    static QUERIES: std::sync::OnceLock<[Query; 3]> = std::sync::OnceLock::new();
    let [python, typescript, tsx] = QUERIES.get_or_init(|| {
        [
            Query::new(&Language::Python.grammar(), PYTHON_QUERY).expect("query"),
            Query::new(&Language::TypeScript.grammar(), ECMA_QUERY).expect("query"),
            Query::new(&Language::Tsx.grammar(), ECMA_QUERY).expect("query"),
        ]
    });
    match language.grammar_key() {
        Language::Python => python,
        Language::TypeScript => typescript,
        _ => tsx,
    }
}

/// Every file below `dir`, without following links.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
}
