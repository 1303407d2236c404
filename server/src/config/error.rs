//! What goes wrong with a configuration file, and where.

use crate::position::{ColumnUnit, LineIndex};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// An invalid or unreadable configuration file. Displays as
/// `preflight.toml:7:1: unknown rule id `debug-prnt` in [rules] (did you mean `debug-print`?)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration file, as found (the workspace root joined with its folder) or as named.
    pub path: PathBuf,
    /// 1-based line of the offending key or value; `0` when the error has no position (an
    /// unreadable file).
    pub line: usize,
    /// 1-based column, counted in characters; `0` when the error has no position.
    pub column: usize,
    /// Byte range of the offending key or value in the file, for editors.
    pub span: Option<Range<usize>>,
    /// The dotted key at fault (`rules.debug-prnt`, `tool.preflight.files.exclude`), when there
    /// is one.
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    /// An error at byte range `span` of `text`.
    pub(crate) fn at(
        path: &Path,
        text: &str,
        index: &LineIndex,
        span: Range<usize>,
        key: Option<String>,
        message: String,
    ) -> ConfigError {
        let position = index.position(text, span.start, ColumnUnit::Char);
        // A byte-order mark is invisible to the person reading the file: do not count it.
        let bom = usize::from(position.line == 0 && text.starts_with('\u{feff}') && span.start > 0);
        ConfigError {
            path: path.to_path_buf(),
            line: position.line + 1,
            column: position.column + 1 - bom,
            span: Some(span),
            key,
            message,
        }
    }

    /// An error about the whole file (it cannot be read).
    pub(crate) fn whole_file(path: &Path, message: String) -> ConfigError {
        ConfigError {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            span: None,
            key: None,
            message,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}
