//! The language server in a real editor: headless Neovim opens a TypeScript file, shows the pushed
//! `debug-print` diagnostics, applies the `debugger` quickfix and saves. The steps live in
//! `tests/nvim/quickfix.lua`; this test prepares the project, runs Neovim with a time limit and
//! checks what the script recorded and what ended up on disk. Skipped when `nvim` is not on PATH
//! (CI installs it).

#[path = "support/nvim.rs"]
mod nvim_support;
mod support;

use nvim_support::{Run, nvim_available, run_headless};

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Neovim is killed after this long; the script's own waits are 15 s each.
const DEADLINE: Duration = Duration::from_secs(60);

fn nvim_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/nvim")
}

/// Copies `tests/nvim/project` into `to`.
fn copy_project(to: &Path) {
    let from = nvim_dir().join("project");
    support::copy_dir(&from, to);
}

/// Runs the Lua script in headless Neovim against `project`, killing it after [`DEADLINE`].
fn run_nvim(work: &Path, project: &Path, file: &Path, summary: &Path) -> Run {
    let script = nvim_dir().join("quickfix.lua");
    let mut nvim = Command::new("nvim");
    nvim.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(project)
        .env("PREFLIGHT_BIN", env!("CARGO_BIN_EXE_preflight"))
        .env("PREFLIGHT_ROOT", project)
        .env("PREFLIGHT_FILE", file)
        .env("PREFLIGHT_SUMMARY", summary);
    run_headless(nvim, work, DEADLINE)
}

/// 0-based line and byte column of the first occurrence of `needle` in `text`.
fn byte_position(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(line, content)| content.find(needle).map(|col| (line, col)))
        .unwrap_or_else(|| panic!("`{needle}` not in the fixture"))
}

/// `vim.diagnostic` entries as the script summarised them, minus the message.
fn diagnostic(code: &str, start: (usize, usize), len: usize) -> Value {
    json!({
        "code": code,
        "source": "preflight",
        "severity": 2,
        "lnum": start.0,
        "col": start.1,
        "end_lnum": start.0,
        "end_col": start.1 + len,
    })
}

fn without_messages(diagnostics: &Value) -> Vec<Value> {
    diagnostics
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.as_object_mut().unwrap().remove("message");
            d
        })
        .collect()
}

fn messages(diagnostics: &Value) -> Vec<&str> {
    diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect()
}

#[test]
fn neovim_shows_diagnostics_and_applies_the_debugger_quickfix() {
    if !nvim_available() {
        eprintln!("nvim not found; skipping");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("checkout");
    copy_project(&project);
    let file = project.join("src").join("app.ts");
    let summary_path = work.path().join("summary.json");
    let original = std::fs::read_to_string(&file).unwrap();

    let run = run_nvim(work.path(), &project, &file, &summary_path);
    assert!(
        run.status.is_some(),
        "nvim was killed after {DEADLINE:?}\n{}",
        run.report()
    );
    assert!(
        run.status.unwrap().success(),
        "the Neovim script failed\n{}",
        run.report()
    );
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary_path).unwrap())
        .unwrap_or_else(|e| panic!("summary is not JSON ({e})\n{}", run.report()));

    // Neovim 0.7 offers no positionEncodings, so positions are UTF-16 and Neovim converts them to
    // byte columns: the emoji before `console.log` is 4 bytes but 2 UTF-16 units.
    assert_eq!(summary["offset_encoding"], "utf-16");
    let console = byte_position(&original, "console.log");
    let debugger = byte_position(&original, "debugger;");
    assert_eq!(
        without_messages(&summary["before"]),
        [
            diagnostic("debug-print", console, "console.log".len()),
            diagnostic("debug-print", debugger, "debugger;".len()),
        ],
        "{summary:#}"
    );
    assert_eq!(
        messages(&summary["before"]),
        [
            "`console.log` left in production code; use the application logger or remove it.",
            "`debugger` statement left in code.",
        ]
    );

    let quickfixes: Vec<&str> = summary["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "quickfix")
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        quickfixes,
        [
            "Remove the `debugger` statement",
            "Ignore `debug-print` on this line",
            "Ignore `debug-print` in this file",
        ],
        "{summary:#}"
    );
    assert_eq!(summary["applied"], "Remove the `debugger` statement");

    // After the edit (sent as didChange) only the `console.log` warning is left, unmoved.
    assert_eq!(
        without_messages(&summary["after"]),
        [diagnostic("debug-print", console, "console.log".len())],
        "{summary:#}"
    );
    assert_eq!(
        summary["exit"],
        json!({"code": 0, "signal": 0}),
        "shutdown + exit must end the server with status 0"
    );

    let saved = std::fs::read_to_string(&file).unwrap();
    let expected = original.replace("  debugger;\n", "");
    assert_ne!(expected, original);
    assert_eq!(saved, expected);
    assert!(!saved.contains("debugger"));
    assert!(saved.contains("console.log(label, items.length);"));
}
