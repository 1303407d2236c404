//! The literal prefilter never changes what a scan reports: every fixture folder (rule cases and
//! projects) is scanned with and without it, with every rule and with the folder's rule alone,
//! and the findings, notes and facts must agree. A file the prefilter skipped may lack only the
//! facts that matter to project rules through other files (routes, exports, top-level names).

use preflight::engine::Engine;
use preflight::scan::{ScanOptions, ScanReport, scan};
use std::path::{Path, PathBuf};

fn fixture_cases() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut cases = Vec::new();
    for group in std::fs::read_dir(&root).unwrap() {
        let group = group.unwrap().path();
        if !group.is_dir() {
            continue;
        }
        let name = group.file_name().unwrap().to_string_lossy().into_owned();
        for case in std::fs::read_dir(&group).unwrap() {
            let case = case.unwrap().path();
            if case.is_dir() {
                cases.push((name.clone(), case));
            }
        }
    }
    cases.sort();
    cases
}

fn scan_with(engine: &Engine, case: &Path) -> ScanReport {
    scan(&ScanOptions {
        paths: vec![case.to_path_buf()],
        engine,
        max_file_size: preflight::source::DEFAULT_MAX_FILE_SIZE,
        respect_ignore_files: true,
        threads: 2,
        working_dir: case.to_path_buf(),
        config: None,
        progress: None,
        cache: None,
    })
    .expect("fixture folders are readable")
}

fn assert_same(filtered: &ScanReport, full: &ScanReport, what: &str) {
    assert_eq!(filtered.notes, full.notes, "{what}: notes");
    let paths = |r: &ScanReport| r.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(filtered), paths(full), "{what}: analysed files");
    for (a, b) in filtered.files.iter().zip(&full.files) {
        assert_eq!(a.findings, b.findings, "{what}: findings of {}", a.path);
        assert_eq!(
            a.suppressions, b.suppressions,
            "{what}: suppressions of {}",
            a.path
        );
        if a.facts != b.facts {
            assert!(
                a.facts == Default::default() && !b.facts.anchors(),
                "{what}: facts of {}: {:?} instead of {:?}",
                a.path,
                a.facts,
                b.facts
            );
        }
    }
}

#[test]
fn prefiltered_scans_report_what_full_scans_report() {
    let every = Engine::new();
    let every_full = Engine::new().without_prefilter();
    let mut skipped = 0;
    let mut files = 0;
    for (group, case) in fixture_cases() {
        let what = case.display().to_string();
        let full = scan_with(&every_full, &case);
        assert_same(&scan_with(&every, &case), &full, &what);
        files += full.files.len();
        skipped += full
            .files
            .iter()
            .filter(|f| {
                let text = std::fs::read_to_string(&f.abs_path).unwrap();
                let file = preflight::engine::SourceFile::new(&f.rel_path, &text, f.language);
                !every.may_match(&file)
            })
            .count();
        if let Some(rule) = preflight::rules::by_id(&group) {
            let alone = Engine::with_rules(vec![rule]);
            let alone_full = Engine::with_rules(vec![rule]).without_prefilter();
            assert_same(
                &scan_with(&alone, &case),
                &scan_with(&alone_full, &case),
                &format!("{what} ({group} alone)"),
            );
        }
    }
    // The fixtures exercise the prefilter both ways.
    assert!(files > 100 && skipped > 0, "{skipped} of {files} skipped");
}

#[test]
fn a_parse_over_its_budget_is_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    // Large enough that the parser checks its deadline many times; `print` passes the prefilter.
    let text = "def f(x):\n    print(x)\n".repeat(20_000);
    std::fs::write(dir.path().join("slow.py"), &text).unwrap();
    std::fs::write(dir.path().join("fast.py"), "print(1)\n").unwrap();
    let none = preflight::engine::ParseBudget {
        floor: std::time::Duration::ZERO,
        per_mib: std::time::Duration::ZERO,
    };
    let engine = Engine::new().with_parse_budget(none);
    let report = scan_with(&engine, dir.path());
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert_eq!(report.notes[0].path, "slow.py");
    assert!(
        report.notes[0]
            .message
            .starts_with("skipped: parsing took longer than"),
        "{}",
        report.notes[0].message
    );
    assert!(report.files.iter().all(|f| f.path != "slow.py"));
    // The next file of the same thread parses from scratch, not from where the other stopped.
    let report = scan_with(&Engine::new(), dir.path());
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    assert_eq!(report.files.len(), 2);
    // The default budget is generous: seconds, growing with the size.
    let default = preflight::engine::ParseBudget::DEFAULT;
    assert!(default.for_len(0) >= std::time::Duration::from_secs(2));
    assert!(default.for_len(10 << 20) > default.for_len(1 << 20));
}

/// A file without trigger words that a project rule reads through another file (here the arity
/// of an imported error middleware) is analysed after all.
#[test]
fn skipped_files_of_a_project_with_an_app_are_analysed_after_all() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("package.json"),
        r#"{"name": "api", "dependencies": {"express": "5"}}"#,
    )
    .unwrap();
    let errors = "export function handle(a: unknown, b: unknown, c: unknown, d: (x: unknown) => void) {\n  d(a);\n}\n";
    std::fs::write(root.join("src/errors.ts"), errors).unwrap();
    let app = "import express from 'express';\nimport { handle } from './errors';\n\
               const app = express();\napp.get('/', (req, res) => res.send('ok'));\n\
               app.use(handle);\napp.listen(3000);\n";
    std::fs::write(root.join("src/app.ts"), app).unwrap();
    let engine = Engine::new();
    let file = preflight::engine::SourceFile::new(
        "src/errors.ts",
        errors,
        preflight_grammars::Language::TypeScript,
    );
    assert!(
        !engine.may_match(&file),
        "the middleware's file has no trigger word"
    );
    let rules = |report: &ScanReport| {
        report
            .findings()
            .map(|(_, f)| f.rule)
            .filter(|rule| *rule == "missing-error-handler")
            .count()
    };
    let report = scan_with(&engine, root);
    assert_eq!(rules(&report), 0, "{:?}", report.files);
    let skipped = report
        .files
        .iter()
        .find(|f| f.path == "src/errors.ts")
        .unwrap();
    assert!(!skipped.skipped_by_prefilter);
    assert!(!skipped.facts.exports.is_empty());
    // The control: without the middleware the app has no error handler.
    std::fs::write(
        root.join("src/app.ts"),
        app.replace("app.use(handle);\n", ""),
    )
    .unwrap();
    assert_eq!(rules(&scan_with(&engine, root)), 1);
}
