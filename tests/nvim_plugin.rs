//! The Neovim plugin (`editors/nvim`) in a real Neovim: headless Neovim loads it from the
//! repository with a minimal user configuration (`tests/nvim_plugin/init.lua`), and
//! `tests/nvim_plugin/scenario.lua` opens files of a copied project, waits for diagnostics, applies
//! a quick fix from Neovim's code-action menu, runs `:PreflightFixAll`, `:PreflightScan`,
//! `:checkhealth preflight` and `:PreflightRestart`. This test checks the summary the script
//! wrote and the file it saved. Skipped when `nvim` is not on PATH (CI installs it).

#[path = "support/nvim.rs"]
mod nvim_support;
mod support;

use nvim_support::{Run, nvim_available, run_headless};

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Neovim is killed after this long; the script's own waits are 15 s each.
const DEADLINE: Duration = Duration::from_secs(90);

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn test_dir() -> PathBuf {
    repository().join("tests/nvim_plugin")
}

/// `PATH` with the folder of the freshly built `preflight` first, as a user's install would be.
fn path_with_preflight() -> std::ffi::OsString {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_preflight"))
        .parent()
        .unwrap()
        .to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&rest))).unwrap()
}

/// Runs the scenario in headless Neovim inside `project`, killing it after [`DEADLINE`].
fn run_nvim(work: &Path, project: &Path, summary: &Path) -> Run {
    let init = test_dir().join("init.lua");
    let scenario = test_dir().join("scenario.lua");
    let mut nvim = Command::new("nvim");
    nvim.args(["--headless", "--clean", "-u"])
        .arg(&init)
        .args(["-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", scenario.display()))
        .current_dir(project)
        .env("PATH", path_with_preflight())
        .env("PREFLIGHT_PLUGIN", repository().join("editors/nvim"))
        .env("PREFLIGHT_SUMMARY", summary);
    run_headless(nvim, work, DEADLINE)
}

/// A `vim.diagnostic` entry as the script summarised it (0-based line; severity 1 is an error).
fn diagnostic(code: &str, lnum: usize, message: &str) -> Value {
    json!({"code": code, "severity": 1, "lnum": lnum, "message": message})
}

const CONSOLE_LOG: &str =
    "`console.log` left in production code; use the application logger or remove it.";
const DEBUGGER: &str = "`debugger` statement left in code.";

#[test]
fn the_neovim_plugin_attaches_fixes_scans_and_reports_health() {
    if !nvim_available() {
        eprintln!("nvim not found; skipping the Neovim plugin test");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let project = work.path().join("checkout");
    support::copy_dir(&test_dir().join("project"), &project);
    let app = project.join("web/src/app.ts");
    let original = std::fs::read_to_string(&app).unwrap();
    let summary_path = work.path().join("summary.json");

    let run = run_nvim(work.path(), &project, &summary_path);
    assert!(
        run.status.is_some(),
        "nvim was killed after {DEADLINE:?}\n{}",
        run.report()
    );
    assert!(
        run.status.unwrap().success(),
        "the Neovim scenario failed\n{}",
        run.report()
    );
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary_path).unwrap())
        .unwrap_or_else(|e| panic!("summary is not JSON ({e})\n{}", run.report()));

    // The server's diagnostics, at the severity the plugin's `settings` asked for.
    assert_eq!(
        summary["initial"],
        json!([
            diagnostic("debug-print", 1, CONSOLE_LOG),
            diagnostic("debug-print", 2, DEBUGGER),
            diagnostic("debug-print", 4, DEBUGGER),
        ]),
        "{summary:#}"
    );

    // Neovim's code-action menu offered the fix, the two ignores and fix-all; the fix was applied.
    assert_eq!(
        summary["quickfix_titles"],
        json!([
            "Remove the `debugger` statement",
            "Ignore `debug-print` on this line",
            "Ignore `debug-print` in this file",
            "Fix all safe Preflight problems",
        ]),
        "{summary:#}"
    );
    let lines = |text: &str| -> Value { text.lines().collect::<Vec<_>>().into() };
    assert_eq!(
        summary["after_quickfix"],
        lines(&original.replacen("  debugger;\n", "", 1)),
        "{summary:#}"
    );

    // :PreflightFixAll removed the other `debugger` (safe) and kept `console.log` (unsafe fix).
    let fixed = original.replace("  debugger;\n", "");
    assert_eq!(summary["after_fix_all"], lines(&fixed), "{summary:#}");
    assert_eq!(
        summary["after_fix_all_diagnostics"],
        json!([diagnostic("debug-print", 1, CONSOLE_LOG)]),
        "{summary:#}"
    );
    assert_eq!(std::fs::read_to_string(&app).unwrap(), fixed);

    // Filetypes and roots: web/ (package.json) and worker/ (pyproject.toml) get one client each;
    // a preflight.toml above a package.json decides the root.
    assert_eq!(
        summary["filetypes"],
        json!(["typescript", "dockerfile", "python"])
    );
    let clients = &summary["clients"];
    let root = |name: &str| project.join(name).to_str().unwrap().to_string();
    assert_eq!(clients["app"]["root"], root("web"), "{summary:#}");
    assert_eq!(clients["dockerfile"], clients["app"], "{summary:#}");
    assert_eq!(clients["tasks"]["root"], root("worker"), "{summary:#}");
    assert_ne!(clients["tasks"]["id"], clients["app"]["id"], "{summary:#}");
    assert_eq!(summary["mono_root"], root("mono"), "{summary:#}");

    // The env example file was attached by name and its unsaved edit documented the variable
    // (the script waited for that); so was the manifest, but not a file the server never reads.
    assert_eq!(summary["example_clients"], 1, "{summary:#}");
    assert_eq!(summary["example_modified"], true, "{summary:#}");
    assert_eq!(summary["pyproject_clients"], 1, "{summary:#}");
    assert_eq!(summary["notes_clients"], 0, "{summary:#}");
    assert_eq!(
        summary["fact_sources"],
        json!({
            ".env.example": true, ".env.production.example": true, ".env.sample": true,
            "example.env": true, "env.example": true, ".env": false, ".env.local": false,
            ".dockerignore": true, "api.dockerignore": true, "docker-compose.yml": true,
            "compose.prod.yaml": true, "docker-compose-dev.yml": false, "compose.yml.bak": false,
            "composer.json": false, "package.json": true, "package-lock.json": false,
            "tsconfig.json": true, "tsconfig.build.json": true, "pyproject.toml": true,
            "requirements-dev.txt": true, "setup.cfg": false, "notes.md": false,
        }),
        "{summary:#}"
    );

    // With scanWorkspaceOnStartup off, report.ts had no diagnostics until :PreflightScan (which
    // the script waited for).
    assert_eq!(summary["report_before_scan"], 0, "{summary:#}");

    // :checkhealth preflight: everything OK, the version, both clients.
    let health: Vec<&str> = summary["health"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    let health_text = health.join("\n");
    assert!(
        !health_text.contains("ERROR") && !health_text.contains("WARNING"),
        "{health_text}"
    );
    let version = format!("  - OK: version: preflight {}", env!("CARGO_PKG_VERSION"));
    assert!(health.contains(&version.as_str()), "{health_text}");
    assert!(
        health.iter().any(|l| l.starts_with("  - OK: binary: ")),
        "{health_text}"
    );
    for (root, files) in [
        (root("web"), "web/src/app.ts, web/Dockerfile"),
        (
            root("worker"),
            "worker/tasks.py, worker/settings.py, worker/pyproject.toml, worker/.env.example",
        ),
    ] {
        let client = format!(", root {root}, attached to {files}");
        assert!(
            health
                .iter()
                .any(|l| l.starts_with("  - OK: client ") && l.ends_with(&client)),
            "no `{client}` in\n{health_text}"
        );
    }

    assert_eq!(
        summary["restart"],
        json!({"before": 2, "after": 2}),
        "{summary:#}"
    );

    // The only notification is the scan's; no errors or warnings reached the user.
    assert_eq!(
        summary["notifications"],
        json!([{
            "level": 2,
            "message": format!("Preflight: scanning {}, {}", root("web"), root("worker")),
        }]),
        "{summary:#}"
    );
}
