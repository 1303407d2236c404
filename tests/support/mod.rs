//! Helpers shared by the end-to-end tests (each test binary uses some of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// `preflight` to run in `dir`, without colours, and without a result cache when `dir` is a
/// checked-in folder of the repository (tests never write there; temporary folders keep the
/// cache, as users' projects do).
pub fn command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_preflight"));
    command.current_dir(dir).env("NO_COLOR", "1");
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let inside = |path: &Path| path.canonicalize().ok();
    if let (Some(dir), Some(repository)) = (inside(dir), inside(&repository))
        && dir.starts_with(repository)
    {
        command.env("PREFLIGHT_NO_CACHE", "1");
    }
    command
}

/// Runs `preflight ARGS` in `dir` (see [`command`]).
pub fn preflight(dir: &Path, args: &[&str]) -> Output {
    command(dir).args(args).output().expect("the binary runs")
}

/// Copies the folder `from` with everything below it into `to` (tests that write must never
/// touch the checked-in fixtures).
pub fn copy_dir(from: &Path, to: &Path) {
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let target = to.join(path.strip_prefix(from).unwrap());
            if path.is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                stack.push(path);
            } else {
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::copy(&path, &target).unwrap();
            }
        }
    }
}

/// Every file below `root` (symbolic links not followed), sorted.
pub fn files_below(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
