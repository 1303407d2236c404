//! Projects: what a file belongs to, what its manifests say, and the facts its files yield for
//! project-level rules (RULES.md §6).
//!
//! Project rules are pure functions of the facts of a project's files ([`ProjectView`]): the
//! language server recomputes one file's [`FileFacts`] after an edit and re-runs only the project
//! rules, without reparsing any other file.

pub mod compose;
pub mod dotenv;
pub mod facts;
pub mod manifest;
/// An in-memory workspace, for tests and the fuzz targets.
#[doc(hidden)]
pub mod testing;

pub use facts::FileFacts;

use crate::diagnostic::{Finding, Waiver};
use crate::engine::RuleOptions;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a project's manifests say, as far as file-level analysis needs it.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProjectInfo {
    /// The project root relative to the workspace root, `/`-separated; empty for the root itself.
    pub root: String,
    /// npm package names from every dependency table of `package.json`.
    pub npm_dependencies: BTreeSet<String>,
    /// Python distribution names (PEP 503-normalised) from `pyproject.toml`/`requirements*.txt`.
    pub python_dependencies: BTreeSet<String>,
    /// Workspace-relative paths of files that manifests name as scripts or CLIs
    /// (`package.json` `bin` and non-service `scripts`, `[project.scripts]` modules).
    pub script_files: BTreeSet<String>,
    /// Workspace-relative paths of files that run the service itself (`package.json` `main`,
    /// `start`/`dev`/`serve` scripts): never scripts, whatever else they look like.
    pub service_files: BTreeSet<String>,
}

impl ProjectInfo {
    pub fn is_script_file(&self, path: &str) -> bool {
        self.script_files.contains(path)
    }

    pub fn is_service_file(&self, path: &str) -> bool {
        self.service_files.contains(path)
    }
}

/// A relative, `/`-separated path normalised: empty and `.` segments dropped, `..` applied
/// (`./src/` → `src`, `.` → `""`). `None` when `..` climbs above the start.
pub fn normalize_relative(path: &str) -> Option<String> {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            other => segments.push(other),
        }
    }
    Some(segments.join("/"))
}

/// A project as project-level rules see it: its manifests, every analysed file's facts, and the
/// workspace's files (for fact sources that are not analysed files, such as `.env.example`).
pub struct ProjectView<'a> {
    pub info: &'a ProjectInfo,
    /// `(path, facts)` of every analysed file of the project, sorted by path.
    pub files: Vec<(&'a str, &'a FileFacts)>,
    /// The workspace the project lives in; an editor answers with its unsaved buffers.
    pub fs: &'a dyn FileSystem,
    /// The rule options configured for a file of the project, by path.
    pub options: &'a dyn Fn(&str) -> RuleOptions,
}

impl<'a> ProjectView<'a> {
    /// The rule options configured for the file `path` (one of `files`).
    pub fn options(&self, path: &str) -> RuleOptions {
        (self.options)(path)
    }

    /// Every fact of every file, with its file's path.
    pub fn facts(&self) -> impl Iterator<Item = (&'a str, &'a FileFacts)> + '_ {
        self.files.iter().copied()
    }
}

/// The project-wide facts that make some file-level findings moot (see [`Waiver`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectWaivers {
    axios_default_timeout: bool,
}

impl ProjectWaivers {
    /// What the facts of all the files of one project waive.
    pub fn of<'f>(files: impl IntoIterator<Item = &'f FileFacts>) -> ProjectWaivers {
        let mut waivers = ProjectWaivers::default();
        for facts in files {
            waivers.axios_default_timeout |= facts.axios_default_timeout;
        }
        waivers
    }

    pub fn is_empty(&self) -> bool {
        *self == ProjectWaivers::default()
    }

    pub fn holds(&self, waiver: Waiver) -> bool {
        match waiver {
            Waiver::AxiosDefaultTimeout => self.axios_default_timeout,
        }
    }

    /// Whether the project makes `finding` moot.
    pub fn waives(&self, finding: &Finding) -> bool {
        finding.waiver.is_some_and(|waiver| self.holds(waiver))
    }
}

/// What rules may ask of the file system: existence of files, for fixes whose safety depends on
/// a target being present (a Dockerfile's module path, say). Paths are workspace-relative,
/// `/`-separated.
pub trait FileSystem: Sync {
    fn is_file(&self, path: &str) -> bool;
    fn is_dir(&self, path: &str) -> bool;
    /// The text of a file (an editor's unsaved buffer when it has one); `None` when it does not
    /// exist or cannot be read.
    fn read_to_string(&self, _path: &str) -> Option<String> {
        None
    }
    /// The names of the entries of a folder (`""` = the workspace root), sorted.
    fn list_dir(&self, _path: &str) -> Vec<String> {
        Vec::new()
    }
}

/// A file system that knows nothing: every fix that depends on it stays unsafe.
pub struct NoFileSystem;

impl FileSystem for NoFileSystem {
    fn is_file(&self, _: &str) -> bool {
        false
    }
    fn is_dir(&self, _: &str) -> bool {
        false
    }
}

/// The real file system below a workspace root.
pub struct DiskFileSystem {
    root: PathBuf,
}

impl DiskFileSystem {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DiskFileSystem { root: root.into() }
    }

    fn resolve(&self, path: &str) -> Option<PathBuf> {
        // Only paths inside the workspace: no `..` escapes, no absolute paths.
        if path.split('/').any(|segment| segment == "..") || Path::new(path).is_absolute() {
            return None;
        }
        Some(self.root.join(path))
    }
}

impl FileSystem for DiskFileSystem {
    fn is_file(&self, path: &str) -> bool {
        self.resolve(path).is_some_and(|p| p.is_file())
    }
    fn is_dir(&self, path: &str) -> bool {
        self.resolve(path).is_some_and(|p| p.is_dir())
    }
    fn read_to_string(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.resolve(path)?).ok()
    }
    fn list_dir(&self, path: &str) -> Vec<String> {
        let Some(dir) = self.resolve(path) else {
            return Vec::new();
        };
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }
}

/// Unsaved editor buffers by workspace-relative path.
pub type Buffers = Arc<BTreeMap<String, Arc<str>>>;

/// The file system below a workspace root with an editor's open buffers in front: a buffer is
/// the file's text, and a file that exists only as a buffer exists.
pub struct OverlayFileSystem {
    disk: DiskFileSystem,
    buffers: Buffers,
}

impl OverlayFileSystem {
    pub fn new(root: impl Into<PathBuf>, buffers: Buffers) -> Self {
        OverlayFileSystem {
            disk: DiskFileSystem::new(root),
            buffers,
        }
    }

    /// The paths of the buffers below the folder `dir` (`""` = the workspace root), relative
    /// to it.
    fn buffers_below(&self, dir: &str) -> Vec<&str> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.buffers
            .range(prefix.clone()..)
            .map(|(path, _)| path.as_str())
            .take_while(|path| path.starts_with(&prefix))
            .map(|path| &path[prefix.len()..])
            .collect()
    }
}

impl FileSystem for OverlayFileSystem {
    fn is_file(&self, path: &str) -> bool {
        self.buffers.contains_key(path) || self.disk.is_file(path)
    }
    fn is_dir(&self, path: &str) -> bool {
        self.disk.is_dir(path) || !self.buffers_below(path).is_empty()
    }
    fn read_to_string(&self, path: &str) -> Option<String> {
        match self.buffers.get(path) {
            Some(text) => Some(text.to_string()),
            None => self.disk.read_to_string(path),
        }
    }
    fn list_dir(&self, path: &str) -> Vec<String> {
        let mut names = self.disk.list_dir(path);
        names.extend(
            self.buffers_below(path)
                .into_iter()
                .map(|rest| rest.split('/').next().unwrap_or(rest).to_string()),
        );
        names.sort();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_first() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env.example"), "A=\n").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/main.ts"), "").unwrap();
        let mut buffers = BTreeMap::new();
        buffers.insert(".env.example".to_string(), Arc::from("A=\nB=\n"));
        buffers.insert("api/new.ts".to_string(), Arc::from("x"));
        buffers.insert("src/unsaved.ts".to_string(), Arc::from("y"));
        let fs = OverlayFileSystem::new(dir.path(), Arc::new(buffers));
        assert_eq!(
            fs.read_to_string(".env.example").as_deref(),
            Some("A=\nB=\n")
        );
        assert_eq!(fs.read_to_string("src/main.ts").as_deref(), Some(""));
        assert!(fs.is_file("api/new.ts") && fs.is_dir("api") && !fs.is_dir("ap"));
        assert_eq!(fs.list_dir(""), [".env.example", "api", "src"]);
        assert_eq!(fs.list_dir("src"), ["main.ts", "unsaved.ts"]);
        assert!(!fs.is_file("missing.ts"));
    }
}
