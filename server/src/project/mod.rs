//! Projects: what a file belongs to, what its manifests say, and the facts its files yield for
//! project-level rules (RULES.md §6).
//!
//! Project rules are pure functions of the facts of a project's files ([`ProjectView`]): the
//! language server recomputes one file's [`FileFacts`] after an edit and re-runs only the project
//! rules, without reparsing any other file.

pub mod dotenv;
pub mod facts;
pub mod manifest;
/// An in-memory workspace, for tests and the fuzz targets.
#[doc(hidden)]
pub mod testing;

pub use facts::FileFacts;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a project's manifests say, as far as file-level analysis needs it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
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
}

impl<'a> ProjectView<'a> {
    /// Every fact of every file, with its file's path.
    pub fn facts(&self) -> impl Iterator<Item = (&'a str, &'a FileFacts)> + '_ {
        self.files.iter().copied()
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
