//! Test helpers for Dockerfile rules and the model: an in-memory file system and a way to build a
//! [`DockerContext`] from text.

use super::DockerContext;
use crate::engine::{Engine, FileContext, SourceFile};
use crate::project::{FileSystem, ProjectInfo};
use preflight_grammars::Language;
use std::collections::HashSet;

/// A file system holding exactly these workspace-relative files (and their parent folders).
#[derive(Debug, Default)]
pub struct MemoryFileSystem {
    files: HashSet<String>,
}

impl MemoryFileSystem {
    pub fn new(files: &[&str]) -> Self {
        MemoryFileSystem {
            files: files.iter().map(|f| f.to_string()).collect(),
        }
    }
}

impl FileSystem for MemoryFileSystem {
    fn is_file(&self, path: &str) -> bool {
        self.files.contains(path)
    }

    fn is_dir(&self, path: &str) -> bool {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        self.files.iter().any(|f| f.starts_with(&prefix))
    }
}

/// Runs `f` on the model of `text`, read as the Dockerfile at `path` in a workspace holding
/// `files`.
pub fn with_docker<R>(
    path: &str,
    text: &str,
    files: &[&str],
    f: impl FnOnce(&DockerContext<'_>) -> R,
) -> R {
    let fs = MemoryFileSystem::new(files);
    let engine = Engine::with_rules(Vec::new());
    let tree = engine.parse(Language::Dockerfile, text, None);
    let file = SourceFile::new(path, text, Language::Dockerfile);
    let project = ProjectInfo::default();
    let cx = FileContext::new(&file, &tree, &project, &fs);
    let docker = DockerContext::new(&cx);
    f(&docker)
}
