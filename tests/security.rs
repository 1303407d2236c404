//! What SECURITY.md promises, tested: no secret in any output, no network and no program run,
//! no configuration read from outside the workspace unless named, no write outside the files
//! being fixed.

#[path = "support/lsp.rs"]
mod lsp_support;
mod support;

use lsp_support::{Session, uri};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn secrets_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/secrets")
}

/// The fake keys of the fixture, one per format of RULES.md H5.
fn keys() -> Vec<String> {
    std::fs::read_to_string(secrets_fixture().join("keys.txt"))
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

use support::preflight;

fn assert_no_key(keys: &[String], what: &str, text: &str) {
    for key in keys {
        assert!(
            !text.contains(key.as_str()),
            "{what} shows the secret {}…",
            &key[..8]
        );
    }
}

#[test]
fn no_output_shows_a_secret() {
    let keys = keys();
    assert!(keys.len() >= 16, "one key per format");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    support::copy_dir(&secrets_fixture(), root);
    std::fs::remove_file(root.join("keys.txt")).unwrap();
    // The findings exist: the test is not vacuous.
    let json = preflight(root, &["check", ".", "--format", "json"]);
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    let secrets = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "hardcoded-secret" || d["rule"] == "secret-in-image")
        .count();
    assert!(secrets >= 35, "{secrets} secret findings");
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("human", vec!["check", "."]),
        ("json", vec!["check", ".", "--format", "json"]),
        ("sarif", vec!["check", ".", "--format", "sarif"]),
        ("github", vec!["check", ".", "--format", "github"]),
        ("markdown report", vec!["report", "."]),
        ("html report", vec!["report", ".", "--format", "html"]),
        ("rule docs", vec!["rule", "hardcoded-secret"]),
    ];
    for (what, args) in runs {
        let output = preflight(root, &args);
        assert_no_key(&keys, what, &String::from_utf8_lossy(&output.stdout));
        assert_no_key(&keys, what, &String::from_utf8_lossy(&output.stderr));
    }
    // The language server: diagnostics, hovers and code actions, and its most verbose log.
    let mut session = Session::start(root);
    let mut seen = String::new();
    for (path, language) in [
        ("src/config.ts", "typescript"),
        ("app/settings.py", "python"),
        ("Dockerfile", "dockerfile"),
    ] {
        let doc = uri(&root.join(path));
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        session.open(&doc, language, 1, &text);
        let diagnostics = session.diagnostics(&doc, 1);
        assert!(diagnostics.len() >= 6, "{path}: {diagnostics:?}");
        seen.push_str(&serde_json::to_string(&diagnostics).unwrap());
        for diagnostic in &diagnostics {
            let hover = session.result(
                "textDocument/hover",
                json!({ "textDocument": { "uri": doc },
                        "position": diagnostic["range"]["start"] }),
            );
            seen.push_str(&hover.to_string());
            let actions = session.result(
                "textDocument/codeAction",
                json!({ "textDocument": { "uri": doc }, "range": diagnostic["range"],
                        "context": { "diagnostics": [diagnostic] } }),
            );
            seen.push_str(&actions.to_string());
        }
    }
    assert!(seen.contains("hardcoded-secret") && seen.contains("secret-in-image"));
    assert_no_key(&keys, "the language server's answers", &seen);
    assert_no_key(&keys, "the language server's log", &session.full_stderr());
}

/// Runs `args` under `strace`, tracing network calls and program starts; `None` without strace.
fn traced(dir: &Path, args: &[&str], input: &[u8]) -> Option<String> {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("skipped: strace is not installed (apt-get install strace)");
        return None;
    }
    let log = dir.join("strace.log");
    let mut child = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=network,execve,execveat", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_preflight"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), input).unwrap();
    drop(child.stdin.take());
    child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    Some(text)
}

/// What `strace -e trace=network` reports.
const NETWORK_CALLS: &[&str] = &[
    "socket",
    "socketpair",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "sendto",
    "sendmsg",
    "sendmmsg",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
    "getsockopt",
    "setsockopt",
    "getsockname",
    "getpeername",
    "shutdown",
];

fn frame(message: Value) -> Vec<u8> {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn no_network_and_no_program_is_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    support::copy_dir(&secrets_fixture(), &root);
    std::fs::write(
        root.join("src/app.ts"),
        "import express from 'express';\nconst app = express();\nconsole.log('x');\n\
         app.listen(3000);\n",
    )
    .unwrap();
    let doc = uri(&root.join("src/app.ts"));
    let mut session = Vec::new();
    for message in [
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": { "processId": null, "rootUri": uri(&root), "capabilities": {} } }),
        json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": {
            "uri": doc, "languageId": "typescript", "version": 1,
            "text": "console.log(1);\n" } } }),
        json!({ "jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
                "params": { "command": "preflight.scanWorkspace", "arguments": [] } }),
        json!({ "jsonrpc": "2.0", "id": 3, "method": "shutdown" }),
        json!({ "jsonrpc": "2.0", "method": "exit" }),
    ] {
        session.extend(frame(message));
    }
    for (args, input) in [
        (&["check", ".", "--fix", "--unsafe-fixes"][..], &[][..]),
        (&["report", "."][..], &[][..]),
        (&["lsp"][..], &session[..]),
    ] {
        let Some(trace) = traced(&root, args, input) else {
            return;
        };
        let starts: Vec<&str> = trace.lines().filter(|l| l.contains("execve")).collect();
        assert_eq!(starts.len(), 1, "{args:?} started programs:\n{trace}");
        assert!(starts[0].contains(env!("CARGO_BIN_EXE_preflight")));
        // Network calls, started or resumed; strace's own notes (`+++ exited`, a thread
        // `<detached ...>` at exit) are not calls.
        let network: Vec<&str> = trace
            .lines()
            .filter(|line| {
                NETWORK_CALLS.iter().any(|call| {
                    line.contains(&format!(" {call}(")) || line.contains(&format!("<... {call} "))
                })
            })
            .collect();
        assert!(network.is_empty(), "{args:?} used the network:\n{trace}");
    }
}

#[test]
fn configuration_outside_the_workspace_is_read_only_when_named() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path();
    // Invalid: reading it at all would fail the run with exit code 2.
    std::fs::write(outer.join("preflight.toml"), "this is = = not toml\n").unwrap();
    std::fs::write(
        outer.join(".preflight.toml"),
        "[rules]\nno-such-rule = 'off'\n",
    )
    .unwrap();
    std::fs::write(
        outer.join("pyproject.toml"),
        "[tool.preflight]\nfail-on = 'nonsense'\n",
    )
    .unwrap();
    let workspace = outer.join("workspace");
    std::fs::create_dir_all(workspace.join("src")).unwrap();
    std::fs::write(workspace.join("src/app.ts"), "console.log(1);\n").unwrap();
    let output = preflight(&workspace, &["check", "."]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = preflight(&workspace, &["check", "src/app.ts"]);
    assert_eq!(output.status.code(), Some(1));
    // Named with --config, it is read (and here refused).
    let output = preflight(&workspace, &["check", ".", "--config", "../preflight.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("preflight.toml"));
    // The language server, opened on the workspace, does not read it either.
    let mut session = Session::start(&workspace);
    let doc = uri(&workspace.canonicalize().unwrap().join("src/app.ts"));
    session.open(&doc, "typescript", 1, "console.log(1);\n");
    assert_eq!(session.diagnostics(&doc, 1).len(), 1);
    assert!(
        !session
            .logged
            .iter()
            .any(|params| params["message"].to_string().contains("preflight.toml")),
        "{:?}",
        session.logged
    );
}

/// Every file below `root` with its contents.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    support::files_below(root)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path.strip_prefix(root).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

#[test]
fn fixing_writes_only_the_files_it_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path();
    std::fs::write(outside.join("neighbour.ts"), "console.log('outside');\n").unwrap();
    let root = outside.join("workspace");
    std::fs::create_dir_all(&root).unwrap();
    support::copy_dir(&secrets_fixture(), &root);
    support::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/projects"),
        &root.join("projects"),
    );
    let report = preflight(&root, &["check", ".", "--format", "json"]);
    let value: Value = serde_json::from_slice(&report.stdout).unwrap();
    let fixable: Vec<PathBuf> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["fixable"] == json!(true))
        .map(|d| PathBuf::from("workspace").join(d["path"].as_str().unwrap()))
        .collect();
    assert!(fixable.len() > 10, "{fixable:?}");
    let before = snapshot(outside);
    let output = preflight(&root, &["check", ".", "--fix", "--unsafe-fixes"]);
    assert!(output.status.code().is_some_and(|c| c <= 1));
    let after = snapshot(outside);
    let mut changed = 0;
    for (path, bytes) in &after {
        if before.get(path) == Some(bytes) {
            continue;
        }
        // The result cache is Preflight's own folder, in the working directory.
        if path.starts_with("workspace/.preflight_cache") {
            continue;
        }
        changed += 1;
        let created_example =
            !before.contains_key(path) && path.file_name().is_some_and(|n| n == ".env.example");
        let appended_example = path.file_name().is_some_and(|n| n == ".env.example");
        assert!(
            fixable.contains(path) || created_example || appended_example,
            "{} changed, but had nothing to fix",
            path.display()
        );
    }
    assert!(changed > 5, "{changed} files fixed");
    for path in before.keys() {
        assert!(after.contains_key(path), "{} was removed", path.display());
    }
    assert_eq!(
        after.get(Path::new("neighbour.ts")),
        before.get(Path::new("neighbour.ts"))
    );
}
