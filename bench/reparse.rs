//! Compares the syntax errors of files before and after fixing: reads `BEFORE<TAB>AFTER` path
//! pairs from stdin (the language comes from AFTER's name), prints one line per file whose
//! count went up, and exits with 1 if any did. Used by `bench/fix-safety.sh`.
//!
//! `cargo run --release -p preflight --example reparse < pairs.tsv`

use preflight::engine::{Engine, syntax_error_count};
use preflight_grammars::Language;
use std::io::BufRead;
use std::path::Path;

fn main() -> std::process::ExitCode {
    let engine = Engine::with_rules(Vec::new());
    let (mut checked, mut worse) = (0, 0);
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("readable input");
        let Some((before, after)) = line.split_once('\t') else {
            continue;
        };
        let Some(language) = Language::from_path(Path::new(after)) else {
            continue;
        };
        let count = |path: &str| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            engine
                .parse_bounded(language, text, None)
                .map_or(usize::MAX, |tree| syntax_error_count(&tree))
        };
        let (old, new) = (count(before), count(after));
        checked += 1;
        if new > old {
            worse += 1;
            println!("{after}: {old} -> {new} syntax errors");
        }
    }
    println!("{checked} changed files re-parsed, {worse} with new syntax errors");
    std::process::ExitCode::from(u8::from(worse > 0))
}
