//! Hostile inputs: what a careless or malicious workspace can hold. Each must end in findings, a
//! clear note or a clear error, with the exit code the contract gives, and never in a panic, a
//! stack overflow, a hang or unbounded memory.

mod support;

use preflight::engine::{Engine, SourceFile};
use preflight::project::{NoFileSystem, ProjectInfo};
use preflight_grammars::Language;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// The stack every spawned thread gets by default, and what rayon's workers run on.
const NORMAL_STACK: usize = 2 * 1024 * 1024;

/// A run of the command line with its peak memory (VmHWM, sampled until it exits).
struct Run {
    output: Output,
    peak_kib: u64,
    elapsed: Duration,
}

fn preflight(dir: &Path, args: &[&str]) -> Run {
    let started = Instant::now();
    let mut child = support::command(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let status = format!("/proc/{}/status", child.id());
    // Drain the pipes on threads so that a large output never blocks the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buffer).unwrap();
        buffer
    });
    let err = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut buffer).unwrap();
        buffer
    });
    let mut peak_kib = 0;
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kib) = text
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "preflight {args:?} still running after two minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let output = Output {
        status: code,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    Run {
        output,
        peak_kib,
        elapsed: started.elapsed(),
    }
}

impl Run {
    fn code(&self) -> i32 {
        self.output.status.code().expect("exited, not killed")
    }
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    /// Finished within `seconds`.
    fn within(&self, seconds: u64) -> &Self {
        assert!(
            self.elapsed < Duration::from_secs(seconds),
            "took {:?}",
            self.elapsed
        );
        self
    }

    /// Exit code `expected`, and no panic anywhere.
    fn expect(&self, expected: i32) -> &Self {
        assert!(
            !self.stderr().contains("panicked"),
            "a panic:\n{}",
            self.stderr()
        );
        assert_eq!(
            self.code(),
            expected,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Runs `work` on a thread with the normal 2 MiB stack: a recursive walk over a deep tree would
/// overflow it (and abort the test process).
fn on_normal_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(NORMAL_STACK)
        .spawn(work)
        .unwrap()
        .join()
        .expect("no panic")
}

fn nested(language: Language, open: char, close: char, depth: usize) -> String {
    let mut text = String::with_capacity(2 * depth + 16);
    text.push_str(match language {
        Language::Python => "x = ",
        _ => "const x = ",
    });
    text.extend(std::iter::repeat_n(open, depth));
    text.push('1');
    text.extend(std::iter::repeat_n(close, depth));
    text.push('\n');
    text
}

#[test]
fn deeply_nested_brackets_need_no_deep_stack() {
    let depth = 100_000;
    for (language, name) in [
        (Language::TypeScript, "src/deep.ts"),
        (Language::Python, "app/deep.py"),
    ] {
        for (open, close) in [('[', ']'), ('(', ')')] {
            let text = nested(language, open, close, depth);
            let started = Instant::now();
            let (findings, errors) = on_normal_stack(move || {
                let engine = Engine::new();
                let tree = engine.parse_bounded(language, &text, None).expect("parses");
                let file = SourceFile::new(name, &text, language);
                let analysis =
                    engine.analyze_tree(&file, &tree, &ProjectInfo::default(), &NoFileSystem);
                let errors = preflight::engine::syntax_error_count(&tree);
                // The chunked analysis an editor runs, and a second pass reusing its chunks.
                let (_, reusable) = engine.analyze_tree_reusing(
                    &file,
                    &tree,
                    &ProjectInfo::default(),
                    &NoFileSystem,
                    None,
                );
                engine.analyze_tree_reusing(
                    &file,
                    &tree,
                    &ProjectInfo::default(),
                    &NoFileSystem,
                    reusable,
                );
                (analysis.findings.len(), errors)
            });
            assert_eq!(errors, 0, "{language:?} {open}{close}");
            assert_eq!(findings, 0, "{language:?} {open}{close}");
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{language:?} {open}{close} took {:?}",
                started.elapsed()
            );
        }
    }
    // And the whole command line, whose workers run on rayon's normal stacks.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.ts",
        nested(Language::TypeScript, '[', ']', depth),
    );
    write(
        dir.path(),
        "b.py",
        nested(Language::Python, '(', ')', depth),
    );
    let run = preflight(dir.path(), &["check", ".", "--format", "json"]);
    run.expect(0);
}

#[test]
fn a_huge_minified_file_is_skipped_quickly_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.js");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let chunk = "var a=function(b){return b+1};console.log(a(1));".repeat(1024);
    while file.get_ref().metadata().unwrap().len() < 50 * 1024 * 1024 {
        file.write_all(chunk.as_bytes()).unwrap();
        file.flush().unwrap();
    }
    drop(file);
    write(dir.path(), "src/app.js", "console.log('hi');\n");
    for args in [&["check", "."][..], &["check", "bundle.js"][..]] {
        let run = preflight(dir.path(), args);
        run.expect(if args[1] == "." { 1 } else { 0 });
        let stdout = run.stdout();
        let note = stdout
            .lines()
            .find(|line| line.contains("bundle.js: skipped: file is "))
            .unwrap_or_else(|| panic!("no note about bundle.js:\n{stdout}"));
        assert!(note.ends_with("KiB, over the 2048 KiB limit"), "{note}");
        run.within(10);
        // The file is never read: far below its 50 MiB.
        assert!(run.peak_kib < 40 * 1024, "peak {} KiB", run.peak_kib);
    }
}

#[test]
fn binary_invalid_and_utf16_files_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "image.ts",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    );
    write(root, "latin1.py", b"name = 'caf\xe9'\nprint(name)\n");
    write(root, "nul.js", b"const a = 1;\x00\nconsole.log(a);\n");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "console.log('hi');\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    write(root, "wide.ts", &utf16);
    write(root, "Dockerfile", b"FROM alpine\x00\xff\n");
    let run = preflight(root, &["check", "."]);
    run.expect(0);
    let stdout = run.stdout();
    for expected in [
        "image.ts: skipped: binary file (contains NUL bytes)",
        "latin1.py: skipped: not valid UTF-8 (first invalid byte at offset 11)",
        "nul.js: skipped: binary file (contains NUL bytes)",
        "wide.ts: skipped: UTF-16 encoded; only UTF-8 is read",
        "Dockerfile: skipped: binary file (contains NUL bytes)",
    ] {
        assert!(stdout.contains(expected), "{expected}\n{stdout}");
    }
    // The machine formats stay valid and hold nothing about them.
    let run = preflight(root, &["check", ".", "--format", "json"]);
    run.expect(0);
    let value: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(value["diagnostics"], serde_json::json!([]));
    // Named explicitly, the same.
    preflight(root, &["check", "wide.ts", "nul.js"]).expect(0);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/app.ts", "console.log('hi');\n");
    std::os::unix::fs::symlink("..", root.join("src/up")).unwrap();
    std::os::unix::fs::symlink(root.join("src"), root.join("src/again")).unwrap();
    std::os::unix::fs::symlink("b.ts", root.join("a.ts")).unwrap();
    std::os::unix::fs::symlink("a.ts", root.join("b.ts")).unwrap();
    let run = preflight(root, &["check", ".", "--format", "json"]);
    run.expect(1);
    let value: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let paths: Vec<&str> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["src/app.ts"], "each file once, through no link");
    // A looping link named on the command line is an unreadable path: exit 2 and a message.
    let run = preflight(root, &["check", "a.ts"]);
    run.expect(2);
    assert!(
        run.stderr().contains("cannot read `a.ts`"),
        "{}",
        run.stderr()
    );
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_skipped_with_a_note() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/secret.ts", "console.log('hi');\n");
    write(root, "src/open.ts", "console.log('hi');\n");
    let locked = root.join("src/secret.ts");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        // Root (or a capability) ignores permissions: nothing to test here.
        eprintln!("skipped: permissions do not apply to this user");
        return;
    }
    let run = preflight(root, &["check", "."]);
    run.expect(1);
    assert!(
        run.stdout()
            .contains("src/secret.ts: skipped: cannot read: Permission denied"),
        "{}",
        run.stdout()
    );
    assert!(run.stdout().contains("src/open.ts"), "{}", run.stdout());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
}

/// A file that disappears between the walk and the read: the read path says why, and the scan
/// turns that into a note for the one file.
#[test]
fn a_file_deleted_before_it_is_read_is_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gone.ts");
    std::fs::write(&path, "console.log(1);\n").unwrap();
    std::fs::remove_file(&path).unwrap();
    let error = preflight::scan::read_source(&path, 1024).unwrap_err();
    assert!(error.starts_with("cannot read: "), "{error}");
    assert!(error.contains("No such file"), "{error}");
}

/// Ten thousand stages, and a thousand each built on the previous one (every question about a
/// point of a stage walks its chain of bases: that chain is capped, or this would be cubic).
/// The bounds are for an unoptimised test build on a slow shared machine.
#[test]
fn dockerfiles_with_thousands_of_stages_are_fast() {
    let mut wide = String::new();
    for i in 0..10_000 {
        wide.push_str(&format!(
            "FROM node:20-alpine AS s{i}\nARG V{i}=x\nENV E{i}=$V{i}\nWORKDIR /app\n\
             COPY --from=s{} /a /b\nRUN echo {i}\n",
            i.max(1) - 1
        ));
    }
    wide.push_str("FROM s9999\nEXPOSE 3000\nCMD node server.js\n");
    let mut deep = String::from("FROM node:20-alpine AS s0\nRUN echo 0\n");
    for i in 1..1_000 {
        deep.push_str(&format!(
            "FROM s{} AS s{i}\nARG V{i}=x\nENV E{i}=$V{i}\nCOPY --from=s{} /a /b\nRUN echo {i}\n",
            i - 1,
            i - 1
        ));
    }
    deep.push_str("EXPOSE 3000\nCMD node server.js\n");
    for text in [wide, deep] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Dockerfile", &text);
        let run = preflight(dir.path(), &["check", ".", "--format", "json"]);
        run.expect(1);
        run.within(40);
    }
}

#[test]
fn a_one_megabyte_env_example_is_read_and_appended_to_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "package.json",
        r#"{ "name": "app", "main": "src/app.js", "dependencies": { "express": "4" } }"#,
    );
    let mut app = String::from("const express = require('express');\nconst app = express();\n");
    for i in 0..500 {
        app.push_str(&format!("const v{i} = process.env.UNDOCUMENTED_{i};\n"));
    }
    app.push_str("app.listen(process.env.PORT);\n");
    write(root, "src/app.js", &app);
    let mut example = String::new();
    let mut i = 0;
    while example.len() < 1024 * 1024 {
        example.push_str(&format!("DOCUMENTED_VARIABLE_{i}=some-placeholder-value\n"));
        i += 1;
    }
    write(root, ".env.example", &example);
    let run = preflight(root, &["check", ".", "--format", "json"]);
    run.expect(0); // the findings are of severity info
    assert!(run.stdout().contains("env-not-documented"));
    run.within(20);
    let run = preflight(root, &["check", ".", "--fix", "--unsafe-fixes"]);
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    let after = std::fs::read_to_string(root.join(".env.example")).unwrap();
    assert!(after.starts_with(&example));
    assert!(after.contains("UNDOCUMENTED_499="), "appended");
    run.within(30);
}

/// An analysis that panics (the `fault-injection` feature of this crate's test builds panics on
/// a marker) costs its own file: the others are reported, the failure is a note and an error,
/// and the exit code says the report is incomplete.
#[test]
fn a_panicking_analysis_costs_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "src/bad.ts",
        "// preflight-fault-injection: panic\nconsole.log(1);\n",
    );
    write(root, "src/good.ts", "console.log(2);\n");
    let run = preflight(root, &["check", "."]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    let stdout = run.stdout();
    assert!(stdout.contains("src/good.ts:1:1"), "{stdout}");
    assert!(
        stdout.contains("src/bad.ts: internal error: the analysis failed (fault injected"),
        "{stdout}"
    );
    assert!(
        run.stderr()
            .contains("error: the analysis of 1 file or project failed with an internal error"),
        "{}",
        run.stderr()
    );
    // Machine formats stay whole; the note goes to stderr.
    let run = preflight(root, &["check", ".", "--format", "json"]);
    assert_eq!(run.code(), 2);
    let value: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let paths: Vec<&str> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["src/good.ts"]);
    assert!(run.stderr().contains("note: src/bad.ts: internal error"));
    // Fixing goes on for the other files.
    let run = preflight(root, &["check", ".", "--fix", "--unsafe-fixes"]);
    assert_eq!(run.code(), 2);
    let good = std::fs::read_to_string(root.join("src/good.ts")).unwrap();
    assert!(!good.contains("console.log"), "{good}");
}
