//! Running headless Neovim for the editor tests: isolated state folders, captured output, a time
//! limit.

use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Whether `nvim` can be run (the tests skip themselves, saying so, when it cannot).
pub fn nvim_available() -> bool {
    match Command::new("nvim")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output.status.success(),
        Err(e) if e.kind() == ErrorKind::NotFound => false,
        Err(e) => panic!("cannot run nvim --version: {e}"),
    }
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// What a Neovim run left behind.
pub struct Run {
    /// `None` when it was killed at the deadline.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub lsp_log: String,
}

impl Run {
    pub fn report(&self) -> String {
        format!(
            "status: {:?}\n--- stdout\n{}\n--- stderr\n{}\n--- lsp.log\n{}",
            self.status, self.stdout, self.stderr, self.lsp_log
        )
    }
}

/// Runs `nvim` (its arguments already set) with its state under `work` — notably `lsp.log`,
/// where Neovim copies the server's stderr — killing it after `deadline`.
pub fn run_headless(mut nvim: Command, work: &Path, deadline: Duration) -> Run {
    let xdg = work.join("xdg");
    std::fs::create_dir_all(&xdg).unwrap();
    let stdout_path = work.join("nvim.stdout");
    let stderr_path = work.join("nvim.stderr");
    let mut child = nvim
        .env("XDG_CONFIG_HOME", &xdg)
        .env("XDG_DATA_HOME", &xdg)
        .env("XDG_STATE_HOME", &xdg)
        .env("XDG_CACHE_HOME", &xdg)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .expect("nvim starts");
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
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        status,
        stdout: read_lossy(&stdout_path),
        stderr: read_lossy(&stderr_path),
        lsp_log: read_lossy(&xdg.join("nvim").join("lsp.log")),
    }
}
