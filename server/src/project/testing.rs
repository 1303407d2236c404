//! An in-memory workspace for tests of project rules: files with their text.

use super::FileSystem;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct MemoryFiles {
    files: BTreeMap<String, String>,
}

impl MemoryFiles {
    /// A workspace holding these `(workspace-relative path, text)` files.
    pub fn new(files: &[(&str, &str)]) -> Self {
        MemoryFiles {
            files: files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_string()))
                .collect(),
        }
    }

    /// A workspace holding these files, all empty.
    pub fn with_paths(paths: &[&str]) -> Self {
        MemoryFiles {
            files: paths
                .iter()
                .map(|p| (p.to_string(), String::new()))
                .collect(),
        }
    }
}

impl FileSystem for MemoryFiles {
    fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    fn is_dir(&self, path: &str) -> bool {
        path.is_empty()
            || self
                .files
                .keys()
                .any(|f| f.starts_with(&format!("{path}/")))
    }

    fn read_to_string(&self, path: &str) -> Option<String> {
        self.files.get(path).cloned()
    }

    fn list_dir(&self, path: &str) -> Vec<String> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|f| f.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}
