//! A monorepo whose packages configure Preflight differently (`tests/fixtures/projects/monorepo`):
//! the command line and the language server resolve every file's configuration through the same
//! code, so they must report the same findings — rule, severity and range — for every file.
//!
//! The fixture's root `preflight.toml` raises `todo-comment` and `request-without-timeout` and
//! lowers the latter again for `packages/worker/src/jobs/**`; `packages/api` turns `debug-print`
//! off; `packages/web/.preflight.toml` makes `cors-wildcard` an error and relaxes its
//! `src/legacy/**` through `[[overrides]]`; `packages/ml` configures itself in
//! `[tool.preflight]` of its `pyproject.toml`; `packages/worker` has no configuration of its own.

#[path = "support/lsp.rs"]
mod lsp_support;
mod support;

use lsp_support::{Encoding, Server, TIMEOUT, copy_fixture, offset, uri};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use support::preflight;

/// `(rule, severity, (start, end))` of one finding, in bytes.
type Found = (String, String, (usize, usize));

/// The files of the fixture the language server analyses, with their language ids.
fn analysed_files(root: &Path) -> Vec<(String, &'static str)> {
    let mut files = Vec::new();
    for path in support::files_below(root) {
        let name = path.file_name().unwrap().to_str().unwrap();
        let language = match path.extension().and_then(|e| e.to_str()) {
            Some("ts") => "typescript",
            Some("js") => "javascript",
            Some("py") => "python",
            _ if name == "Dockerfile" => "dockerfile",
            _ => continue,
        };
        let rel = path.strip_prefix(root).unwrap().to_str().unwrap();
        files.push((rel.replace('\\', "/"), language));
    }
    files.sort();
    files
}

/// The byte offset of a 1-based line and column counted in characters (the JSON output's
/// positions).
fn byte_offset(text: &str, line: u64, column: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let chars = text[start..].char_indices().map(|(at, _)| at);
    let inside = chars
        .chain(std::iter::once(text.len() - start))
        .nth(column as usize - 1)
        .expect("the column lies inside the text");
    start + inside
}

/// What `preflight check --format json` reports, by file.
fn cli_findings(root: &Path) -> BTreeMap<String, BTreeSet<Found>> {
    let output = preflight(root, &["check", "--format", "json", "--no-cache"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut by_file: BTreeMap<String, BTreeSet<Found>> = BTreeMap::new();
    for d in report["diagnostics"].as_array().unwrap() {
        let path = d["path"].as_str().unwrap();
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        let at = |line: &str, column: &str| {
            byte_offset(
                &text,
                d[line].as_u64().unwrap(),
                d[column].as_u64().unwrap(),
            )
        };
        by_file.entry(path.to_string()).or_default().insert((
            d["rule"].as_str().unwrap().to_string(),
            d["severity"].as_str().unwrap().to_string(),
            (at("line", "column"), at("end_line", "end_column")),
        ));
    }
    by_file
}

/// The findings of a `publishDiagnostics`.
fn lsp_findings(params: &Value, text: &str, encoding: Encoding) -> BTreeSet<Found> {
    params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let severity = match d["severity"].as_u64() {
                Some(1) => "error",
                Some(2) => "warning",
                Some(3) => "info",
                Some(4) => "hint",
                other => panic!("unexpected severity {other:?}"),
            };
            let start = offset(text, &d["range"]["start"], encoding);
            let end = offset(text, &d["range"]["end"], encoding);
            (
                d["code"].as_str().unwrap().to_string(),
                severity.to_string(),
                (start, end),
            )
        })
        .collect()
}

fn has(found: &BTreeSet<Found>, rule: &str, severity: &str) -> bool {
    found.iter().any(|(r, s, _)| r == rule && s == severity)
}

fn lacks(found: &BTreeSet<Found>, rule: &str) -> bool {
    !found.iter().any(|(r, _, _)| r == rule)
}

#[test]
fn the_command_line_and_the_language_server_agree_on_every_file() {
    let (_dir, root) = copy_fixture("monorepo");
    let files = analysed_files(&root);
    assert!(files.len() >= 8, "{files:?}");
    let expected = cli_findings(&root);
    let none = BTreeSet::new();
    let of = |path: &str| expected.get(path).unwrap_or(&none);

    // The fixture exercises every way configuration reaches a file.
    let api = of("packages/api/src/server.ts");
    assert!(
        lacks(api, "debug-print"),
        "turned off in packages/api: {api:?}"
    );
    assert!(has(api, "todo-comment", "warning"), "root: {api:?}");
    assert!(
        has(api, "request-without-timeout", "error"),
        "root: {api:?}"
    );
    assert!(has(api, "cors-wildcard", "warning"), "default: {api:?}");
    let web = of("packages/web/src/index.js");
    assert!(has(web, "cors-wildcard", "error"), "packages/web: {web:?}");
    assert!(has(web, "debug-print", "warning"), "default: {web:?}");
    let legacy = of("packages/web/src/legacy/pages.js");
    assert!(has(legacy, "debug-print", "hint"), "override: {legacy:?}");
    assert!(lacks(legacy, "todo-comment"), "override: {legacy:?}");
    let ml = of("packages/ml/src/ml/app.py");
    assert!(has(ml, "debug-print", "info"), "[tool.preflight]: {ml:?}");
    assert!(lacks(ml, "todo-comment"), "[tool.preflight]: {ml:?}");
    assert!(has(ml, "request-without-timeout", "error"), "root: {ml:?}");
    let worker = of("packages/worker/src/worker.js");
    assert!(has(worker, "todo-comment", "warning"), "root: {worker:?}");
    assert!(
        has(worker, "request-without-timeout", "error"),
        "root: {worker:?}"
    );
    let job = of("packages/worker/src/jobs/sync.js");
    assert!(
        has(job, "request-without-timeout", "warning"),
        "root override: {job:?}"
    );
    assert!(!of("packages/worker/Dockerfile").is_empty());
    // Project rules run per package.
    for app in [api, web, ml] {
        assert!(has(app, "missing-error-handler", "warning"), "{app:?}");
    }

    let encoding = Encoding::Utf16;
    let mut server = Server::start(&root, encoding);
    let texts: Vec<(String, String, &str)> = files
        .iter()
        .map(|(rel, language)| {
            let text = std::fs::read_to_string(root.join(rel)).unwrap();
            (uri(&root.join(rel)), text, *language)
        })
        .collect();

    // The workspace scan publishes the files nobody opened.
    for ((rel, _), (uri, text, _)) in files.iter().zip(&texts) {
        if of(rel).is_empty() {
            continue;
        }
        let params = server.wait_for_diagnostics(uri, TIMEOUT, |params| {
            lsp_findings(params, text, encoding) == *of(rel)
        });
        assert_eq!(lsp_findings(&params, text, encoding), *of(rel), "{rel}");
    }

    // Open documents are analysed by the server itself, with the configuration it resolves for
    // them; project findings come from the facts of the whole package.
    for ((rel, _), (uri, text, language)) in files.iter().zip(&texts) {
        server.open(uri, language, text);
        let params = server.wait_for_diagnostics(uri, TIMEOUT, |params| {
            params["version"] == 1 && lsp_findings(params, text, encoding) == *of(rel)
        });
        assert_eq!(lsp_findings(&params, text, encoding), *of(rel), "{rel}");
    }
}
