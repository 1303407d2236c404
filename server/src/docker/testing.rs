//! Test helpers for Dockerfile rules and the model: a way to build a [`DockerContext`] from text in
//! an in-memory workspace.

use super::DockerContext;
use crate::engine::{Engine, FileContext, SourceFile};
use crate::project::ProjectInfo;
use crate::project::testing::MemoryFiles;
use preflight_grammars::Language;

/// Runs `f` on the model of `text`, read as the Dockerfile at `path` in a workspace holding
/// `files`.
pub fn with_docker<R>(
    path: &str,
    text: &str,
    files: &[&str],
    f: impl FnOnce(&DockerContext<'_>) -> R,
) -> R {
    let fs = MemoryFiles::with_paths(files);
    let engine = Engine::with_rules(Vec::new());
    let tree = engine.parse(Language::Dockerfile, text, None);
    let file = SourceFile::new(path, text, Language::Dockerfile);
    let project = ProjectInfo::default();
    let cx = FileContext::new(&file, &tree, &project, &fs);
    let docker = DockerContext::new(&cx);
    f(&docker)
}
