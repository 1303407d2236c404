//! What the engine produces: findings with byte ranges, messages and fixes. Nothing here knows
//! about LSP or terminals; adapters convert byte ranges at the boundary (see `position`).

use std::fmt;
use std::ops::Range;

/// How serious a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FixSafety {
    /// Preserves intended behaviour, or turns a certainly-broken construct into the obviously
    /// intended one. Applied by `--fix` and the editor's "fix all".
    Safe,
    /// Changes behaviour or needs judgement. Offered one by one; `--unsafe-fixes` applies it.
    Unsafe,
}

/// Replace `range` (bytes of the file the finding is in) by `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fix {
    pub title: String,
    pub safety: FixSafety,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            safety: FixSafety::Safe,
            edits,
        }
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            safety: FixSafety::Unsafe,
            edits,
        }
    }
}

/// Another place a finding refers to, e.g. a filter class that is declared but never registered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Related {
    /// Path of the file, relative to the workspace root, `/`-separated.
    pub path: String,
    pub range: Range<usize>,
    pub message: String,
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Byte range in the file's text.
    pub range: Range<usize>,
    pub message: String,
    pub fixes: Vec<Fix>,
    pub related: Vec<Related>,
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
        }
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

    /// Whether any fix of the finding may be applied at the given level of trust.
    pub fn fixable(&self, allow_unsafe: bool) -> bool {
        self.fixes
            .iter()
            .any(|fix| allow_unsafe || fix.safety == FixSafety::Safe)
    }
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
