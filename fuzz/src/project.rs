//! Several small files of one project: file analysis, then the project-level rules over their
//! facts.
//!
//! Input format, so that fixture projects seed the corpus as they are: records separated by NUL
//! bytes, each a relative path, a line break, and the file's contents.

use crate::shared_engine;
use preflight::diagnostic::FileEdit;
use preflight::engine::SourceFile;
use preflight::project::testing::MemoryFiles;
use preflight::project::{FileFacts, ProjectInfo, ProjectView, manifest};
use preflight_grammars::Language;
use std::collections::BTreeMap;
use std::path::Path;

/// The files of the input, by normalised relative path.
pub fn parse(data: &[u8]) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for record in data.split(|&b| b == 0).take(12) {
        let text = String::from_utf8_lossy(record);
        let Some((path, contents)) = text.split_once('\n') else {
            continue;
        };
        let Some(path) = preflight::project::normalize_relative(path.trim()) else {
            continue;
        };
        if !path.is_empty() {
            files.insert(path, contents.to_string());
        }
    }
    files
}

pub fn check(data: &[u8]) {
    let texts = parse(data);
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let files = MemoryFiles::new(&pairs);
    let mut info = ProjectInfo::default();
    for (path, text) in &texts {
        let name = path.rsplit('/').next().unwrap_or(path);
        let _ = manifest::read_manifest(&mut info, name, text);
    }
    let engine = shared_engine();
    let mut facts: Vec<(&str, FileFacts)> = Vec::new();
    for (path, text) in &texts {
        let Some(language) = Language::from_path(Path::new(path)) else {
            continue;
        };
        let file = SourceFile::new(path, text, language);
        let Ok(tree) = engine.parse_bounded(language, text, None) else {
            continue;
        };
        let analysis = engine.analyze_tree(&file, &tree, &info, &files);
        for finding in &analysis.findings {
            crate::engine::check_finding(text, finding);
        }
        facts.push((path, analysis.facts));
    }
    let view = ProjectView {
        info: &info,
        files: facts.iter().map(|(path, facts)| (*path, facts)).collect(),
        fs: &files,
        options: &|_| preflight::engine::RuleOptions::default(),
    };
    for found in engine.analyze_project(&view) {
        let text = texts
            .get(&found.path)
            .unwrap_or_else(|| panic!("a project finding in a file not analysed: {found:?}"));
        crate::engine::check_finding(text, &found.finding);
        for fix in &found.finding.fixes {
            for edit in &fix.file_edits {
                let path = preflight::project::normalize_relative(&edit.path)
                    .unwrap_or_else(|| panic!("a fix edits a file outside the project: {edit:?}"));
                assert!(!Path::new(&edit.path).is_absolute(), "{edit:?}");
                let current = texts.get(&path).map(String::as_str);
                let once = FileEdit::apply_all(current, [&edit.change]);
                if let Some(once) = once {
                    // Applying a file edit twice changes nothing the second time.
                    assert_eq!(
                        FileEdit::apply_all(Some(&once), [&edit.change]),
                        None,
                        "{edit:?} is not idempotent"
                    );
                }
            }
        }
    }
}
