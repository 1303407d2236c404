//! What the engine produces: findings with byte ranges, messages and fixes. Nothing here knows
//! about LSP or terminals; adapters convert byte ranges at the boundary (see `position`).

use std::fmt;
use std::ops::Range;

/// How serious a finding is. Ordered from least to most severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Hint,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hint => "hint",
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "hint" => Some(Self::Hint),
            "info" => Some(Self::Info),
            "warning" => Some(Self::Warning),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a fix may be applied without a human looking at it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum FixSafety {
    /// Preserves intended behaviour, or turns a certainly-broken construct into the obviously
    /// intended one. Applied by `--fix` and the editor's "fix all".
    Safe,
    /// Changes behaviour or needs judgement. Offered one by one; `--unsafe-fixes` applies it.
    Unsafe,
}

/// Replace `range` (bytes of the file the finding is in) by `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

impl Edit {
    pub fn replace(range: Range<usize>, replacement: impl Into<String>) -> Edit {
        Edit {
            range,
            replacement: replacement.into(),
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Self::replace(at..at, text)
    }

    pub fn delete(range: Range<usize>) -> Edit {
        Self::replace(range, "")
    }
}

/// One way to resolve a finding: a set of non-overlapping edits applied together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Fix {
    pub title: String,
    pub safety: FixSafety,
    /// Edits of the finding's own file.
    pub edits: Vec<Edit>,
    /// Changes to other files (`.env.example`), applied together with `edits`.
    pub file_edits: Vec<FileEdit>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            safety: FixSafety::Safe,
            edits,
            file_edits: Vec::new(),
        }
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            safety: FixSafety::Unsafe,
            edits,
            file_edits: Vec::new(),
        }
    }

    pub fn with_file_edit(mut self, edit: FileEdit) -> Fix {
        self.file_edits.push(edit);
        self
    }
}

/// A change to a file other than the finding's own. Changes are described by intent rather than
/// by byte ranges, because the file may change (or be created by another fix) before they are
/// applied: applying one is idempotent, and several aimed at one file merge without duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FileEdit {
    /// Relative to the workspace (scanned) root, `/`-separated.
    pub path: String,
    pub change: FileChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FileChange {
    /// Create the file with these lines (each without its line break). When the file exists by
    /// the time the change is applied, the lines it lacks are appended instead.
    Create(Vec<String>),
    /// Append these lines (each without its line break) to the existing file, skipping lines it
    /// already has, after a line break when the file does not end with one.
    AppendLines(Vec<String>),
}

impl FileEdit {
    /// The text of the file after applying `changes` (all aimed at it, in order) to `current`
    /// (`None`: the file does not exist). `None` when nothing changes, or when the file does not
    /// exist and no change creates it. Line breaks follow the file's (CRLF or LF).
    pub fn apply_all<'c>(
        current: Option<&str>,
        changes: impl IntoIterator<Item = &'c FileChange>,
    ) -> Option<String> {
        let mut creates = false;
        let mut lines: Vec<&str> = Vec::new();
        for change in changes {
            let (FileChange::Create(new) | FileChange::AppendLines(new)) = change;
            creates |= matches!(change, FileChange::Create(_));
            for line in new {
                if !lines.contains(&line.as_str()) {
                    lines.push(line);
                }
            }
        }
        let existing = match current {
            Some(text) => text,
            None if creates => "",
            None => return None,
        };
        let present: Vec<&str> = existing.lines().map(|l| l.trim_end_matches('\r')).collect();
        // Comment lines of a created file's header are only written with the file.
        let missing: Vec<&str> = lines
            .into_iter()
            .filter(|line| !present.contains(line))
            .filter(|line| current.is_none() || !line.starts_with('#'))
            .collect();
        if missing.is_empty() && current.is_some() {
            return None;
        }
        let newline = if crate::fix::uses_crlf(existing) {
            "\r\n"
        } else {
            "\n"
        };
        let mut out = existing.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(newline);
        }
        for line in missing {
            out.push_str(line);
            out.push_str(newline);
        }
        Some(out)
    }
}

/// Another place a finding refers to, e.g. a filter class that is declared but never registered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Related {
    /// Path of the file, relative to the workspace root, `/`-separated.
    pub path: String,
    pub range: Range<usize>,
    pub message: String,
}

/// A project-wide fact that, when it holds, makes a file-level finding moot. A file alone cannot
/// know it (another file of the project may set `axios.defaults.timeout`), so the finding is
/// reported with its waiver and whoever knows the whole project drops it
/// (see [`crate::project::ProjectWaivers`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Waiver {
    /// Some file of the project gives axios' default instance a timeout.
    AxiosDefaultTimeout,
}

/// A rule's id, as registered (`cors-wildcard`).
pub type RuleId = &'static str;

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    #[serde(with = "crate::cache::rule_id")]
    pub rule: RuleId,
    pub severity: Severity,
    /// Byte range in the file's text.
    pub range: Range<usize>,
    pub message: String,
    pub fixes: Vec<Fix>,
    pub related: Vec<Related>,
    /// Byte ranges of secrets in the file's text: whatever shows source text for this finding
    /// (code frames, snippets) shows at most their first four characters and `…`.
    pub redact: Vec<Range<usize>>,
    /// The project fact that would make this finding moot, if any.
    pub waiver: Option<Waiver>,
}

impl Finding {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        range: Range<usize>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity,
            range,
            message: message.into(),
            fixes: Vec::new(),
            related: Vec::new(),
            redact: Vec::new(),
            waiver: None,
        }
    }

    /// Marks the finding as moot in a project where `waiver` holds.
    pub fn waived_by(mut self, waiver: Waiver) -> Finding {
        self.waiver = Some(waiver);
        self
    }

    /// Marks `range` of the file's text as a secret that must not be echoed.
    pub fn with_redacted(mut self, range: Range<usize>) -> Finding {
        self.redact.push(range);
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Finding {
        self.fixes.push(fix);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn with_related(mut self, related: Related) -> Finding {
        self.related.push(related);
        self
    }

    /// Moves every byte offset of the finding into its file through `map`, in place; `false`
    /// (leaving the finding partly moved) when one of them has no image. `related` places in
    /// other files, and fixes' changes to other files, are left alone.
    pub fn shift_offsets(&mut self, path: &str, map: &impl Fn(usize) -> Option<usize>) -> bool {
        let shift = |r: &mut Range<usize>| match (map(r.start), map(r.end)) {
            (Some(start), Some(end)) => {
                *r = start..end;
                true
            }
            _ => false,
        };
        let Finding {
            rule: _,
            severity: _,
            range,
            message: _,
            fixes,
            related,
            redact,
            waiver: _,
        } = self;
        shift(range)
            && fixes
                .iter_mut()
                .all(|fix| fix.edits.iter_mut().all(|edit| shift(&mut edit.range)))
            && related
                .iter_mut()
                .all(|r| r.path != path || shift(&mut r.range))
            && redact.iter_mut().all(shift)
    }

    /// Whether any fix of the finding may be applied at the given level of trust.
    pub fn fixable(&self, allow_unsafe: bool) -> bool {
        self.fixes
            .iter()
            .any(|fix| allow_unsafe || fix.safety == FixSafety::Safe)
    }
}

/// `text` with every range of `redact` (relative to `text`, sorted or not) cut to its first four
/// characters and `…`, and a function mapping offsets in `text` to offsets in the result.
pub fn redacted(text: &str, redact: &[Range<usize>]) -> (String, impl Fn(usize) -> usize) {
    let mut ranges: Vec<Range<usize>> = redact
        .iter()
        .filter(|r| r.start < r.end && r.end <= text.len())
        .filter(|r| text.is_char_boundary(r.start) && text.is_char_boundary(r.end))
        .cloned()
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    // (original end of a redacted range, shift applied from there on)
    let mut shifts: Vec<(Range<usize>, isize)> = Vec::new();
    let mut at = 0;
    let mut shift = 0isize;
    for range in ranges {
        if range.start < at {
            continue;
        }
        out.push_str(&text[at..range.start]);
        let secret = &text[range.clone()];
        let kept: String = secret.chars().take(4).collect();
        let masked = if kept.len() < secret.len() {
            format!("{kept}…")
        } else {
            // Too short to show any of it.
            "…".to_string()
        };
        out.push_str(&masked);
        shift += masked.len() as isize - secret.len() as isize;
        shifts.push((range.clone(), shift));
        at = range.end;
    }
    out.push_str(&text[at..]);
    let map = move |offset: usize| {
        let mut mapped = offset as isize;
        for (range, after) in &shifts {
            if offset >= range.end {
                mapped = offset as isize + after;
            } else if offset > range.start {
                // Inside a secret: the masked text's end.
                mapped = range.end as isize + after;
                break;
            } else {
                break;
            }
        }
        mapped.max(0) as usize
    };
    (out, map)
}

/// What a rule is about, for grouping in reports and `preflight rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Security,
    Reliability,
    Observability,
    Deployment,
    Performance,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Security => "security",
            Self::Reliability => "reliability",
            Self::Observability => "observability",
            Self::Deployment => "deployment",
            Self::Performance => "performance",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn redaction_keeps_four_characters_and_maps_offsets() {
        let text = "key = 'sk_live_0123456789abcdef' # x";
        let secret = 7..31;
        let (out, map) = redacted(text, std::slice::from_ref(&secret));
        assert_eq!(out, "key = 'sk_l…' # x");
        assert_eq!(map(secret.start), 7);
        assert_eq!(&out[map(secret.start)..map(secret.end)], "sk_l…");
        assert_eq!(&out[map(33)..], "# x");
    }

    #[test]
    fn short_or_invalid_ranges() {
        let (out, _) = redacted("a = 'abcd'", std::slice::from_ref(&(5..9)));
        assert_eq!(out, "a = '…'");
        let (out, _) = redacted("é", &[1..2, 0..9]);
        assert_eq!(out, "é");
    }
}
