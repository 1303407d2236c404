//! The result cache of `preflight check`: a repeated scan reuses what unchanged files yielded,
//! and never reports anything a scan without the cache would not. Every scan here is compared
//! with a `--no-cache` scan of the same tree.

mod support;

use preflight::cache::Cache;
use preflight::engine::Engine;
use preflight::scan::{ScanOptions, ScanReport, scan};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{fixtures, preflight};

/// A copy of the fixture folder `path` (below `tests/fixtures`) in a fresh temporary folder.
fn copy_fixture(path: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    support::copy_dir(&fixtures().join(path), temp.path());
    temp
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The JSON report of a cached scan with `args`, checked to be byte for byte what a scan
/// without the cache prints, with the same exit code.
fn check(dir: &Path, args: &[&str]) -> String {
    let mut cached_args = vec!["check", "--format", "json"];
    cached_args.extend_from_slice(args);
    let mut uncached_args = cached_args.clone();
    uncached_args.push("--no-cache");
    let cached = preflight(dir, &cached_args);
    let uncached = preflight(dir, &uncached_args);
    let text = String::from_utf8(cached.stdout).unwrap();
    assert!(
        matches!(cached.status.code(), Some(0 | 1)),
        "{text}\n{}",
        String::from_utf8_lossy(&cached.stderr)
    );
    assert_eq!(
        text,
        String::from_utf8(uncached.stdout).unwrap(),
        "the cached scan differs from a scan without the cache"
    );
    assert_eq!(cached.status.code(), uncached.status.code());
    text
}

/// `(path, rule, line, severity)` of every diagnostic of a JSON report.
fn diagnostics(report: &str) -> Vec<(String, String, u64, String)> {
    let value: Value = serde_json::from_str(report).unwrap();
    value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn of_rule(report: &str, rule: &str) -> Vec<(String, u64)> {
    diagnostics(report)
        .into_iter()
        .filter(|d| d.1 == rule)
        .map(|d| (d.0, d.2))
        .collect()
}

/// `(path, line)` pairs as [`of_rule`] lists them.
fn at(places: &[(&str, u64)]) -> Vec<(String, u64)> {
    places
        .iter()
        .map(|(path, line)| (path.to_string(), *line))
        .collect()
}

fn of_file(report: &str, path: &str) -> Vec<(String, String, u64, String)> {
    diagnostics(report)
        .into_iter()
        .filter(|d| d.0 == path)
        .collect()
}

/// The cache files (one per scanned folder) below `dir`, with their modification times.
fn cache_files(dir: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut files = Vec::new();
    let Ok(versions) = std::fs::read_dir(dir) else {
        return files;
    };
    for version in versions {
        let version = version.unwrap().path();
        if !version.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&version).unwrap() {
            let path = file.unwrap().path();
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            files.push((path, modified));
        }
    }
    files.sort();
    files
}

#[test]
fn a_second_scan_reuses_every_file_and_prints_the_same_bytes() {
    let project = copy_fixture("projects/scratch");
    let dir = project.path();
    let first = check(dir, &[]);
    assert!(!diagnostics(&first).is_empty(), "{first}");
    let cache = dir.join(".preflight_cache");
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore")).unwrap(),
        "*\n"
    );
    assert!(cache.join("CACHEDIR.TAG").is_file());
    let written = cache_files(&cache);
    assert_eq!(written.len(), 1, "{written:?}");

    let second = check(dir, &[]);
    assert_eq!(first, second);
    // Every file was found in the cache: nothing new to write.
    assert_eq!(cache_files(&cache), written);
    // The human report, code frames included, is the same too.
    let human = |extra: &[&str]| {
        let mut args = vec!["check"];
        args.extend_from_slice(extra);
        String::from_utf8(preflight(dir, &args).stdout).unwrap()
    };
    // The summary line ends with the time taken.
    let strip_time = |text: String| -> String {
        text.lines()
            .map(|line| match line.contains("Checked ") {
                true => line.rsplit_once(" in ").map_or(line, |(kept, _)| kept),
                false => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip_time(human(&[])), strip_time(human(&["--no-cache"])));
}

#[test]
fn an_edited_file_is_analysed_again_and_project_rules_see_its_new_facts() {
    let project = copy_fixture("env-not-documented/pos-ts-config");
    let dir = project.path();
    write(
        dir,
        "src/queue.ts",
        "export const queue = process.env.QUEUE_URL;\nconsole.log(queue);\n",
    );
    let first = check(dir, &[]);
    assert_eq!(
        of_rule(&first, "env-not-documented"),
        at(&[
            ("src/config.ts", 3),
            ("src/config.ts", 4),
            ("src/queue.ts", 1)
        ]),
        "{first}"
    );
    let written = cache_files(&dir.join(".preflight_cache"));

    // `src/queue.ts` no longer reads `QUEUE_URL`: its own findings change, those of the
    // unchanged `src/config.ts` (taken from the cache) stay, and the project rule, which runs
    // over the facts of both, drops the variable.
    write(
        dir,
        "src/queue.ts",
        "export const queue = 'memory';\nconsole.log(queue);\n",
    );
    let second = check(dir, &[]);
    assert_eq!(
        of_rule(&second, "env-not-documented"),
        at(&[("src/config.ts", 3), ("src/config.ts", 4)]),
        "{second}"
    );
    assert_eq!(
        of_file(&second, "src/config.ts"),
        of_file(&first, "src/config.ts")
    );
    assert_eq!(
        of_file(&second, "src/queue.ts")
            .iter()
            .map(|d| d.1.as_str())
            .collect::<Vec<_>>(),
        ["debug-print"]
    );
    assert_ne!(cache_files(&dir.join(".preflight_cache")), written);

    // Without `.env.example`, the only file reading the environment decides whether a
    // deployed project (it has a Dockerfile) misses one.
    std::fs::remove_file(dir.join(".env.example")).unwrap();
    write(
        dir,
        "Dockerfile",
        "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nUSER node\nCMD [\"node\", \"src/config.js\"]\n",
    );
    let third = check(dir, &[]);
    assert_eq!(of_rule(&third, "missing-env-example").len(), 1, "{third}");
    write(
        dir,
        "src/config.ts",
        "export const config = { databaseUrl: 'sqlite://memory' };\n",
    );
    let fourth = check(dir, &[]);
    assert!(
        of_rule(&fourth, "missing-env-example").is_empty(),
        "{fourth}"
    );
    assert!(
        of_rule(&fourth, "env-not-documented").is_empty(),
        "{fourth}"
    );
}

#[test]
fn configuration_changes_invalidate_what_they_touch() {
    let project = copy_fixture("projects/scratch");
    let dir = project.path();
    let before = check(dir, &[]);
    assert!(!of_rule(&before, "debug-print").is_empty(), "{before}");
    assert!(
        diagnostics(&before)
            .iter()
            .any(|d| d.1 == "cors-wildcard" && d.3 == "warning"),
        "{before}"
    );

    write(
        dir,
        "preflight.toml",
        "[rules]\ndebug-print = \"off\"\ncors-wildcard = \"error\"\n",
    );
    let after = check(dir, &[]);
    assert!(of_rule(&after, "debug-print").is_empty(), "{after}");
    assert!(
        diagnostics(&after)
            .iter()
            .filter(|d| d.1 == "cors-wildcard")
            .all(|d| d.3 == "error"),
        "{after}"
    );

    // A nested configuration changes one package only; an override glob one file.
    write(
        dir,
        "ml/preflight.toml",
        "[rules]\ndebug-print = \"hint\"\n",
    );
    write(
        dir,
        "preflight.toml",
        "[[overrides]]\nfiles = [\"api/src/main.ts\"]\nrules = { cors-wildcard = \"off\" }\n",
    );
    let nested = check(dir, &[]);
    assert!(
        !of_rule(&nested, "debug-print").is_empty(),
        "the rule is back on: {nested}"
    );
    assert!(
        !of_rule(&nested, "cors-wildcard")
            .iter()
            .any(|(path, _)| path == "api/src/main.ts"),
        "{nested}"
    );
    // Settings the analysis itself reads (here: which files are scripts, where printing is
    // their job) invalidate the entries of the files they apply to.
    let service = "api/src/users/users.service.ts";
    assert!(
        of_rule(&before, "debug-print")
            .iter()
            .any(|(path, _)| path == service),
        "{before}"
    );
    write(
        dir,
        "api/preflight.toml",
        "[files]\nscripts = [\"src/users/**\"]\n",
    );
    let scripts = check(dir, &[]);
    assert!(
        !of_rule(&scripts, "debug-print")
            .iter()
            .any(|(path, _)| path == service),
        "{scripts}"
    );
    std::fs::remove_file(dir.join("preflight.toml")).unwrap();
    std::fs::remove_file(dir.join("ml/preflight.toml")).unwrap();
    std::fs::remove_file(dir.join("api/preflight.toml")).unwrap();
    assert_eq!(check(dir, &[]), before);
}

#[test]
fn no_cache_writes_nothing_and_cache_dir_chooses_the_folder() {
    let project = copy_fixture("projects/scratch");
    let dir = project.path();
    let plain = preflight(dir, &["check", "--format", "json", "--no-cache"]);
    assert_eq!(plain.status.code(), Some(1));
    assert!(!dir.join(".preflight_cache").exists());

    let elsewhere = tempfile::tempdir().unwrap();
    let folder = elsewhere.path().join("cache");
    let folder_arg = folder.to_str().unwrap();
    let first = preflight(
        dir,
        &["check", "--format", "json", "--cache-dir", folder_arg],
    );
    assert_eq!(first.stdout, plain.stdout);
    assert!(!dir.join(".preflight_cache").exists());
    assert_eq!(
        std::fs::read_to_string(folder.join(".gitignore")).unwrap(),
        "*\n"
    );
    let written = cache_files(&folder);
    assert_eq!(written.len(), 1, "{written:?}");
    let second = preflight(
        dir,
        &["check", "--format", "json", "--cache-dir", folder_arg],
    );
    assert_eq!(second.stdout, plain.stdout);
    assert_eq!(cache_files(&folder), written);

    // `--no-cache` wins over a cache folder (given, or set in the environment for every run).
    std::fs::remove_dir_all(&folder).unwrap();
    let both = preflight(dir, &["check", "--no-cache", "--cache-dir", folder_arg]);
    assert_eq!(both.status.code(), Some(1));
    assert!(!folder.exists());

    // The same two settings from the environment.
    let run = |env: &[(&str, &str)]| {
        let output = support::command(dir)
            .args(["check", "--format", "json"])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert_eq!(output.stdout, plain.stdout);
    };
    run(&[
        ("PREFLIGHT_NO_CACHE", "1"),
        ("PREFLIGHT_CACHE_DIR", folder_arg),
    ]);
    assert!(!folder.exists() && !dir.join(".preflight_cache").exists());
    run(&[
        ("PREFLIGHT_NO_CACHE", "false"),
        ("PREFLIGHT_CACHE_DIR", folder_arg),
    ]);
    assert_eq!(cache_files(&folder).len(), 1);
    assert!(!dir.join(".preflight_cache").exists());
}

#[test]
fn a_damaged_cache_is_ignored_and_rebuilt() {
    let project = copy_fixture("projects/scratch");
    let dir = project.path();
    let expected = check(dir, &[]);
    let cache = dir.join(".preflight_cache");
    let (file, _) = cache_files(&cache).pop().unwrap();
    let intact = std::fs::read(&file).unwrap();
    let mut damages: Vec<Vec<u8>> = vec![
        Vec::new(),
        intact[..intact.len() / 2].to_vec(),
        intact[..10].to_vec(),
        b"not a cache at all".to_vec(),
        vec![0xff; intact.len()],
    ];
    // Flipped bytes in the header and in the body.
    for at in [9, 12, intact.len() / 2, intact.len() - 1] {
        let mut flipped = intact.clone();
        flipped[at] ^= 0x5a;
        damages.push(flipped);
    }
    for damaged in damages {
        std::fs::write(&file, &damaged).unwrap();
        assert_eq!(check(dir, &[]), expected);
        // Rebuilt: the next scan finds every file again.
        let rebuilt = std::fs::read(&file).unwrap();
        assert_ne!(rebuilt, damaged);
        assert_eq!(check(dir, &[]), expected);
    }
    // A folder where the cache file should be is no reason to fail either.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    assert_eq!(check(dir, &[]), expected);
}

#[test]
fn a_dockerfile_is_analysed_again_when_the_files_it_names_change() {
    // The Dockerfile itself never changes: what it finds depends on the build context.
    let project = copy_fixture("entrypoint-target-missing/pos-node-file");
    let dir = project.path();
    let missing = check(dir, &[]);
    assert_eq!(
        of_rule(&missing, "entrypoint-target-missing"),
        at(&[("Dockerfile", 4)]),
        "{missing}"
    );
    write(dir, "server.js", "require('./index.js');\n");
    let present = check(dir, &[]);
    assert!(
        of_rule(&present, "entrypoint-target-missing").is_empty(),
        "{present}"
    );
    write(dir, ".dockerignore", "server.js\n");
    let ignored = check(dir, &[]);
    assert_eq!(
        of_rule(&ignored, "entrypoint-target-missing"),
        at(&[("Dockerfile", 4)]),
        "{ignored}"
    );
}

#[test]
fn fix_never_trusts_what_the_cache_says_about_rewritten_files() {
    let project = copy_fixture("projects/scratch");
    let dir = project.path();
    let before = check(dir, &[]);
    let fixable = diagnostics(&before).len();
    let fixed = preflight(dir, &["check", "--fix", "--format", "json"]);
    let fixed_text = String::from_utf8(fixed.stdout).unwrap();
    assert!(
        diagnostics(&fixed_text).len() < fixable,
        "nothing was fixed: {fixed_text}"
    );
    // The report after fixing describes the rewritten files, as a fresh scan does.
    assert_eq!(check(dir, &[]), fixed_text);
}

#[test]
fn results_follow_manifests_and_rule_selection() {
    let project = copy_fixture("projects/scratch");
    let dir = project.path();
    let all = check(dir, &[]);
    let selected = check(dir, &["--select", "debug-print"]);
    assert!(diagnostics(&selected).iter().all(|d| d.1 == "debug-print"));
    assert!(!diagnostics(&selected).is_empty());
    assert_eq!(check(dir, &[]), all);
    // A manifest naming a file as a script changes what its analysis may report.
    let service = "api/src/users/users.service.ts";
    assert!(!of_file(&all, service).is_empty(), "{all}");
    let manifest = std::fs::read_to_string(dir.join("api/package.json")).unwrap();
    let mut value: Value = serde_json::from_str(&manifest).unwrap();
    value["bin"] = serde_json::json!({ "users": "src/users/users.service.ts" });
    write(dir, "api/package.json", &value.to_string());
    let scripted = check(dir, &[]);
    assert_ne!(of_file(&scripted, service), of_file(&all, service));
}

#[test]
fn every_fixture_reads_back_from_the_cache_as_it_was_analysed() {
    let engine = Engine::new();
    let folder = tempfile::tempdir().unwrap();
    let cache = Cache::in_dir(folder.path()).unwrap();
    let run = |cache: Option<&Cache>| -> ScanReport {
        scan(&ScanOptions {
            paths: vec![fixtures()],
            engine: &engine,
            max_file_size: preflight::source::DEFAULT_MAX_FILE_SIZE,
            respect_ignore_files: true,
            threads: 0,
            working_dir: fixtures(),
            config: None,
            progress: None,
            cache,
        })
        .expect("the fixtures can be scanned")
    };
    let fresh = run(None);
    let cold = run(Some(&cache));
    let written = cache_files(folder.path());
    assert_eq!(written.len(), 1, "{written:?}");
    let warm = run(Some(&cache));
    // Every entry decoded: a file whose entry could not be read would have been stored again.
    assert_eq!(cache_files(folder.path()), written);
    assert!(fresh.files.len() > 100, "{} files", fresh.files.len());
    for report in [&cold, &warm] {
        assert_eq!(report.files.len(), fresh.files.len());
        for (got, want) in report.files.iter().zip(&fresh.files) {
            assert_eq!(got.path, want.path);
            assert_eq!(got.findings, want.findings, "{}", want.path);
            assert_eq!(got.facts, want.facts, "{}", want.path);
            assert_eq!(got.suppressions, want.suppressions, "{}", want.path);
            assert_eq!(
                got.has_syntax_errors, want.has_syntax_errors,
                "{}",
                want.path
            );
            assert_eq!(got.source, want.source, "{}", want.path);
        }
        assert_eq!(report.notes, fresh.notes);
    }
}

#[test]
fn report_shares_the_cache_of_check_and_prints_the_same_report() {
    let project = copy_fixture("projects/scratch");
    let dir = project.path();
    let report = |extra: &[&str]| {
        let mut args = vec!["report", "--format", "markdown"];
        args.extend_from_slice(extra);
        let output = preflight(dir, &args);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let uncached = report(&["--no-cache"]);
    assert!(
        !dir.join(".preflight_cache").exists(),
        "--no-cache wrote a cache"
    );
    // The report writes the cache, `check` reuses it, and the report reads it back.
    let first = report(&[]);
    let cache = dir.join(".preflight_cache");
    let written = cache_files(&cache);
    assert_eq!(written.len(), 1, "{written:?}");
    check(dir, &[]);
    assert_eq!(cache_files(&cache), written, "check found nothing to add");
    assert_eq!(report(&[]), first);
    assert_eq!(first, uncached);
    // An edit is seen through the cache.
    write(dir, "src/added.ts", "debugger;\n");
    let edited = report(&[]);
    assert_ne!(edited, first);
    assert_eq!(edited, report(&["--no-cache"]));
}
