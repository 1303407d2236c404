//! `--fix`: apply fixes, verify the result still parses as well as before, write atomically, and
//! repeat until nothing changes (a fix may reveal or unblock another).

use crate::diagnostic::{FileChange, FileEdit};
use crate::engine::Engine;
use crate::fix;
use crate::scan::{self, FileReport, Note, ScanError, ScanOptions, ScanReport};
use crate::source::SourceText;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `--fix` did.
#[derive(Debug, Default)]
pub struct FixSummary {
    pub applied: usize,
    pub files: usize,
    /// Fixes not applied because the result would not parse, with where they were.
    pub refused: Vec<Note>,
    pub write_errors: usize,
}

/// Scans, applies fixes, and scans again until no fix applies; returns the final report.
pub fn fix_until_stable(
    options: &ScanOptions<'_>,
    allow_unsafe: bool,
) -> Result<(ScanReport, FixSummary), ScanError> {
    let mut summary = FixSummary::default();
    let mut touched = std::collections::BTreeSet::new();
    for _ in 0..fix::MAX_ROUNDS {
        let mut report = scan::scan(options)?;
        let mut changed = false;
        // Changes to files other than the findings' own, merged per file.
        let mut other_files: BTreeMap<PathBuf, (Vec<FileChange>, usize)> = BTreeMap::new();
        for file in &report.files {
            let Some(source) = &file.source else { continue };
            let fixes = fix::select(&file.findings, allow_unsafe);
            if fixes.is_empty() {
                continue;
            }
            collect_file_edits(file, &fixes, &mut other_files);
            let (text, applied, refused) =
                apply_checked(options.engine, file.language, &source.text, &fixes);
            for title in refused {
                let note = Note {
                    path: file.path.clone(),
                    message: format!("fix not applied, it would introduce a syntax error: {title}"),
                };
                if !summary.refused.contains(&note) {
                    summary.refused.push(note);
                }
            }
            if applied == 0 || text == source.text {
                continue;
            }
            match write_atomically(&file.abs_path, &source.encode(&text)) {
                Ok(()) => {
                    summary.applied += applied;
                    touched.insert(file.abs_path.clone());
                    changed = true;
                }
                Err(error) => {
                    summary.write_errors += 1;
                    report.notes.push(Note {
                        path: file.path.clone(),
                        message: format!("cannot write fixes: {error}"),
                    });
                }
            }
        }
        for (path, (changes, fixes)) in &other_files {
            let current = std::fs::read_to_string(path).ok();
            let Some(text) = FileEdit::apply_all(current.as_deref(), changes) else {
                continue;
            };
            let written = match current {
                Some(_) => write_atomically(path, text.as_bytes()),
                None => create_atomically(path, text.as_bytes()),
            };
            match written {
                Ok(()) => {
                    summary.applied += fixes;
                    touched.insert(path.clone());
                    changed = true;
                }
                Err(error) => {
                    summary.write_errors += 1;
                    report.notes.push(Note {
                        path: scan::display_path(path, &options.working_dir),
                        message: format!("cannot write fixes: {error}"),
                    });
                }
            }
        }
        if !changed || summary.write_errors > 0 {
            summary.files = touched.len();
            report.notes.extend(summary.refused.iter().cloned());
            return Ok((report, summary));
        }
    }
    let mut report = scan::scan(options)?;
    summary.files = touched.len();
    report.notes.extend(summary.refused.iter().cloned());
    Ok((report, summary))
}

/// Gathers the changes the selected fixes of one file make to other files, by absolute path.
/// Paths are relative to the scanned root the file was found under; paths that leave it are
/// ignored.
fn collect_file_edits(
    file: &FileReport,
    fixes: &[&crate::diagnostic::Fix],
    out: &mut BTreeMap<PathBuf, (Vec<FileChange>, usize)>,
) {
    let depth = file.rel_path.split('/').filter(|s| !s.is_empty()).count();
    let Some(root) = file.abs_path.ancestors().nth(depth) else {
        return;
    };
    for fix in fixes {
        for edit in &fix.file_edits {
            let Some(relative) = crate::project::normalize_relative(&edit.path) else {
                continue;
            };
            if relative.is_empty() || Path::new(&edit.path).is_absolute() {
                continue;
            }
            let entry = out.entry(root.join(relative)).or_default();
            entry.0.push(edit.change.clone());
            entry.1 += 1;
        }
    }
}

/// Creates a new file with `bytes` through a temporary file and a rename; fails if the file
/// appeared meanwhile.
fn create_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist_noclobber(path).map_err(|error| error.error)?;
    Ok(())
}

/// `--fix` on a text read from stdin as if it were `path`: the same cycle as
/// [`fix_until_stable`], writing nothing; returns the fixed text with the final report.
pub fn fix_text_until_stable(
    options: &ScanOptions<'_>,
    path: &Path,
    source: SourceText,
    allow_unsafe: bool,
) -> Result<(SourceText, ScanReport, FixSummary), ScanError> {
    let mut summary = FixSummary::default();
    let mut current = source;
    for _ in 0..fix::MAX_ROUNDS {
        let mut report = scan::scan_text(options, path, current.clone())?;
        let Some(file) = report.files.first() else {
            return Ok((current, report, summary));
        };
        let fixes = fix::select(&file.findings, allow_unsafe);
        let (text, applied, refused) =
            apply_checked(options.engine, file.language, &current.text, &fixes);
        for title in refused {
            let note = Note {
                path: file.path.clone(),
                message: format!("fix not applied, it would introduce a syntax error: {title}"),
            };
            if !summary.refused.contains(&note) {
                summary.refused.push(note);
            }
        }
        if applied == 0 || text == current.text {
            report.notes.extend(summary.refused.iter().cloned());
            return Ok((current, report, summary));
        }
        summary.applied += applied;
        summary.files = 1;
        current.text = text;
    }
    let mut report = scan::scan_text(options, path, current.clone())?;
    report.notes.extend(summary.refused.iter().cloned());
    Ok((current, report, summary))
}

/// Applies fixes to a text and keeps only those that do not add syntax errors. Returns the new
/// text, how many fixes it holds, and the titles of refused fixes.
fn apply_checked(
    engine: &Engine,
    language: preflight_grammars::Language,
    text: &str,
    fixes: &[&crate::diagnostic::Fix],
) -> (String, usize, Vec<String>) {
    let baseline = syntax_errors(engine, language, text);
    let all = fix::apply(text, fixes);
    if syntax_errors(engine, language, &all.text) <= baseline {
        return (all.text, all.applied, Vec::new());
    }
    // Some fix breaks the file: take them one at a time, keeping each that parses.
    let mut current = text.to_string();
    let mut applied = 0;
    let mut refused = Vec::new();
    // Edits are byte ranges into the original text, so apply each candidate on top of the
    // accepted set rather than on the modified text.
    let mut accepted: Vec<&crate::diagnostic::Fix> = Vec::new();
    for candidate in fixes {
        let mut trial = accepted.clone();
        trial.push(candidate);
        let result = fix::apply(text, &trial);
        if result.applied < trial.len() {
            continue; // overlaps an accepted fix: left for the next round
        }
        if syntax_errors(engine, language, &result.text) <= baseline {
            accepted.push(candidate);
            current = result.text;
            applied += 1;
        } else {
            refused.push(candidate.title.clone());
        }
    }
    (current, applied, refused)
}

/// The number of syntax errors in `text`; a text the parser gives up on counts as broken.
fn syntax_errors(engine: &Engine, language: preflight_grammars::Language, text: &str) -> usize {
    engine
        .parse_bounded(language, text, None)
        .map_or(usize::MAX, |tree| crate::engine::syntax_error_count(&tree))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, keeping
/// the file's permissions: a crash never leaves a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(path)?.permissions();
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    std::fs::set_permissions(temp.path(), permissions)?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Fix};
    use preflight_grammars::Language;

    #[test]
    fn refuses_fixes_that_add_syntax_errors_and_keeps_the_others() {
        let engine = Engine::with_rules(Vec::new());
        let text = "function f() {\n  debugger;\n}\nconst x = 1;\n";
        let good = Fix::safe("remove debugger", vec![Edit::delete(17..27)]);
        let brace = text.find('}').unwrap();
        let bad = Fix::safe("drop a brace", vec![Edit::delete(brace..brace + 1)]);
        let (fixed, applied, refused) =
            apply_checked(&engine, Language::TypeScript, text, &[&good, &bad]);
        assert_eq!(fixed, "function f() {\n  }\nconst x = 1;\n");
        assert_eq!(applied, 1);
        assert_eq!(refused, ["drop a brace"]);
    }

    #[test]
    fn atomic_writes_replace_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ts");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        assert!(write_atomically(&dir.path().join("missing/a.ts"), b"x").is_err());
    }
}
