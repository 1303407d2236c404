//! Glob lists of configuration files, matched the way `.gitignore` patterns are.
//!
//! A path glob belongs to the folder of the config file that declares it (its *base*, relative to
//! the workspace root). A glob with a `/` before its last character is anchored to that folder
//! (`legacy/**`, `/build`, `src/*.gen.ts`); a glob without one matches a file or folder name at
//! any depth below it (`*.test.ts`, `legacy`). A path matches when it, or any folder above it
//! inside the base, matches: `legacy` excludes everything under every `legacy/` folder, so a walk
//! may skip a matching folder without looking inside. `*` and `?` never cross a `/`; `**` does.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use std::sync::Arc;

/// Builds a glob with the separator rules shared by every list: `*` stays inside one segment.
pub(crate) fn build_glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|error| error.kind().to_string())
}

/// The globs of one list (`files.exclude`, an override's `files`, …) of one config file.
#[derive(Clone)]
pub(crate) struct PathGlobGroup {
    /// Root-relative folder of the declaring config file; `""` for the root.
    base: String,
    /// The globs as written, for display.
    patterns: Vec<String>,
    /// Globs with a `/`: matched against the path below `base` and each of its ancestors.
    anchored: GlobSet,
    /// Literal segments before the first wildcard of each anchored glob, to tell whether a glob
    /// could match something below a folder.
    anchored_prefixes: Vec<Vec<String>>,
    /// Globs without a `/`: matched against each segment of the path below `base`.
    names: GlobSet,
}

/// Why a glob of a config file is refused.
pub(crate) enum GlobError {
    Empty,
    LeavesBase,
    Syntax(String),
}

impl PathGlobGroup {
    /// Compiles `patterns` (each with the index it came from, for errors). On error, gives the
    /// index of the offending pattern.
    pub(crate) fn new(
        base: &str,
        patterns: &[String],
    ) -> Result<PathGlobGroup, (usize, GlobError)> {
        let mut anchored = GlobSetBuilder::new();
        let mut anchored_prefixes = Vec::new();
        let mut names = GlobSetBuilder::new();
        for (index, pattern) in patterns.iter().enumerate() {
            let fail = |error| (index, error);
            let trimmed = pattern.strip_suffix('/').unwrap_or(pattern);
            if trimmed.is_empty() || trimmed == "." || trimmed == "./" {
                return Err(fail(GlobError::Empty));
            }
            // `./x` and `/x` are both anchored to the config file's folder, as in `.gitignore`.
            let (anchored_pattern, is_anchored) = if let Some(rest) = trimmed.strip_prefix("./") {
                (rest, true)
            } else if let Some(rest) = trimmed.strip_prefix('/') {
                (rest, true)
            } else {
                (trimmed, trimmed.contains('/'))
            };
            if anchored_pattern.is_empty() {
                return Err(fail(GlobError::Empty));
            }
            if anchored_pattern
                .split('/')
                .any(|segment| segment == ".." || segment == ".")
            {
                return Err(fail(GlobError::LeavesBase));
            }
            let glob = build_glob(anchored_pattern).map_err(|e| fail(GlobError::Syntax(e)))?;
            if is_anchored {
                anchored.add(glob);
                anchored_prefixes.push(literal_prefix(anchored_pattern));
            } else {
                names.add(glob);
            }
        }
        let build = |builder: GlobSetBuilder| {
            builder
                .build()
                .map_err(|error| (0, GlobError::Syntax(error.kind().to_string())))
        };
        Ok(PathGlobGroup {
            base: base.to_string(),
            patterns: patterns.to_vec(),
            anchored: build(anchored)?,
            anchored_prefixes,
            names: build(names)?,
        })
    }

    /// Whether `rel_path` (normalised, root-relative) or a folder above it matches.
    fn matches(&self, rel_path: &str) -> bool {
        let Some(below) = strip_base(&self.base, rel_path) else {
            return false;
        };
        if below.is_empty() {
            return false;
        }
        if !self.names.is_empty() && below.split('/').any(|name| self.names.is_match(name)) {
            return true;
        }
        if self.anchored.is_empty() {
            return false;
        }
        let mut end = 0;
        loop {
            let next = below[end..].find('/').map(|i| end + i);
            let candidate = &below[..next.unwrap_or(below.len())];
            if self.anchored.is_match(candidate) {
                return true;
            }
            match next {
                Some(slash) => end = slash + 1,
                None => return false,
            }
        }
    }

    /// Whether some path inside folder `rel_dir` could match. Errs on the side of `true`.
    fn could_match_below(&self, rel_dir: &str) -> bool {
        let Some(below) = strip_base(&self.base, rel_dir) else {
            // The folder is above the base (or elsewhere): it holds the base, or nothing.
            return rel_dir.is_empty()
                || self
                    .base
                    .strip_prefix(rel_dir)
                    .is_some_and(|rest| rest.starts_with('/'));
        };
        if !self.names.is_empty() || self.matches(rel_dir) {
            return true;
        }
        let segments: Vec<&str> = if below.is_empty() {
            Vec::new()
        } else {
            below.split('/').collect()
        };
        self.anchored_prefixes.iter().any(|prefix| {
            segments
                .iter()
                .zip(prefix)
                .all(|(segment, literal)| segment == literal)
        })
    }

    /// The globs as they read from the workspace root, for display.
    fn display(&self) -> impl Iterator<Item = String> + '_ {
        self.patterns.iter().map(|pattern| {
            if self.base.is_empty() {
                return pattern.clone();
            }
            let trimmed = pattern.strip_suffix('/').unwrap_or(pattern);
            if let Some(rest) = trimmed
                .strip_prefix("./")
                .or_else(|| trimmed.strip_prefix('/'))
            {
                format!("{}/{rest}", self.base)
            } else if trimmed.contains('/') {
                format!("{}/{trimmed}", self.base)
            } else {
                format!("{}/**/{trimmed}", self.base)
            }
        })
    }
}

/// The literal leading segments of a glob, up to the first one holding a wildcard.
fn literal_prefix(pattern: &str) -> Vec<String> {
    pattern
        .split('/')
        .take_while(|segment| !segment.contains(['*', '?', '[', '{', '\\']))
        .map(str::to_string)
        .collect()
}

/// `rel_path` relative to `base`, or `None` when it is not inside `base`.
fn strip_base<'p>(base: &str, rel_path: &'p str) -> Option<&'p str> {
    if base.is_empty() {
        return Some(rel_path);
    }
    let rest = rel_path.strip_prefix(base)?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix('/')
    }
}

/// Path glob lists accumulated over every config file in force, farthest first.
#[derive(Clone, Default)]
pub(crate) struct PathGlobs {
    groups: Vec<Arc<PathGlobGroup>>,
}

impl PathGlobs {
    pub(crate) fn push(&mut self, group: Arc<PathGlobGroup>) {
        self.groups.push(group);
    }

    /// Whether `rel_path` (root-relative, `/`-separated) or a folder above it matches a glob.
    pub(crate) fn matches(&self, rel_path: &str) -> bool {
        if self.groups.is_empty() {
            return false;
        }
        let Some(path) = super::normalize_rel(rel_path) else {
            return false;
        };
        self.groups.iter().any(|group| group.matches(&path))
    }

    /// Whether some path inside folder `rel_dir` could match (never `false` when one does).
    pub(crate) fn could_match_below(&self, rel_dir: &str) -> bool {
        if self.groups.is_empty() {
            return false;
        }
        let Some(dir) = super::normalize_rel(rel_dir) else {
            return false;
        };
        self.groups
            .iter()
            .any(|group| group.could_match_below(&dir))
    }

    pub(crate) fn display(&self) -> Vec<String> {
        self.groups
            .iter()
            .flat_map(|group| group.display())
            .collect()
    }
}

/// Globs over plain names (environment variables, image references): `*` does not cross a `/`.
#[derive(Clone, Default)]
pub struct NameGlobs {
    groups: Vec<Arc<NameGlobGroup>>,
}

impl PartialEq for NameGlobs {
    fn eq(&self, other: &NameGlobs) -> bool {
        self.groups.len() == other.groups.len()
            && self
                .groups
                .iter()
                .zip(&other.groups)
                .all(|(a, b)| Arc::ptr_eq(a, b) || a.patterns == b.patterns)
    }
}

impl std::fmt::Debug for NameGlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.display()).finish()
    }
}

pub(crate) struct NameGlobGroup {
    patterns: Vec<String>,
    set: GlobSet,
}

impl NameGlobGroup {
    pub(crate) fn new(patterns: &[String]) -> Result<NameGlobGroup, (usize, GlobError)> {
        let mut builder = GlobSetBuilder::new();
        for (index, pattern) in patterns.iter().enumerate() {
            if pattern.is_empty() {
                return Err((index, GlobError::Empty));
            }
            builder.add(build_glob(pattern).map_err(|e| (index, GlobError::Syntax(e)))?);
        }
        let set = builder
            .build()
            .map_err(|error| (0, GlobError::Syntax(error.kind().to_string())))?;
        Ok(NameGlobGroup {
            patterns: patterns.to_vec(),
            set,
        })
    }
}

impl NameGlobs {
    /// No globs: matches nothing.
    pub const EMPTY: NameGlobs = NameGlobs { groups: Vec::new() };

    pub(crate) fn push(&mut self, group: Arc<NameGlobGroup>) {
        self.groups.push(group);
    }

    /// Whether any glob matches the whole of `name`.
    pub fn matches(&self, name: &str) -> bool {
        self.groups.iter().any(|group| group.set.is_match(name))
    }

    pub(crate) fn display(&self) -> Vec<String> {
        self.groups
            .iter()
            .flat_map(|group| group.patterns.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(base: &str, patterns: &[&str]) -> PathGlobs {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        let mut globs = PathGlobs::default();
        globs.push(Arc::new(PathGlobGroup::new(base, &patterns).ok().unwrap()));
        globs
    }

    #[test]
    fn anchored_globs_are_relative_to_the_base() {
        let globs = group("packages/api", &["legacy/**"]);
        assert!(globs.matches("packages/api/legacy/old.py"));
        assert!(globs.matches("packages/api/legacy/deep/old.py"));
        assert!(!globs.matches("legacy/old.py"));
        assert!(!globs.matches("packages/api/src/legacy/old.py"));
        assert!(!globs.matches("packages/apix/legacy/old.py"));
        assert!(!globs.matches("packages/api"));
    }

    #[test]
    fn a_matching_folder_covers_everything_below_it() {
        let globs = group("", &["legacy", "/ops/tools"]);
        assert!(globs.matches("legacy"));
        assert!(globs.matches("legacy/a/b.ts"));
        assert!(globs.matches("src/legacy/b.ts"));
        assert!(globs.matches("ops/tools/x.py"));
        assert!(!globs.matches("src/ops/tools/x.py"));
        assert!(!globs.matches("legacyx/b.ts"));
    }

    #[test]
    fn star_stays_in_one_segment() {
        let globs = group("", &["src/*.gen.ts"]);
        assert!(globs.matches("src/a.gen.ts"));
        assert!(!globs.matches("src/sub/a.gen.ts"));
        let globs = group("", &["**/*.test.ts", "*.spec.ts"]);
        assert!(globs.matches("a.test.ts"));
        assert!(globs.matches("x/y/a.test.ts"));
        assert!(globs.matches("x/y/a.spec.ts"));
        assert!(!globs.matches("x/y/a.ts"));
    }

    #[test]
    fn paths_are_normalised_before_matching() {
        let globs = group("", &["legacy/**"]);
        assert!(globs.matches("./legacy/a.py"));
        assert!(globs.matches("legacy//a.py"));
        assert!(!globs.matches("../legacy/a.py"));
    }

    #[test]
    fn could_match_below_follows_literal_prefixes() {
        let globs = group("", &["docs/examples/server/**"]);
        assert!(globs.could_match_below(""));
        assert!(globs.could_match_below("docs"));
        assert!(globs.could_match_below("docs/examples"));
        assert!(globs.could_match_below("docs/examples/server/x"));
        assert!(!globs.could_match_below("docs/api"));
        assert!(!globs.could_match_below("node_modules"));

        let nested = group("packages/web", &["dist/public/**"]);
        assert!(nested.could_match_below("packages"));
        assert!(nested.could_match_below("packages/web/dist"));
        assert!(!nested.could_match_below("packages/api"));
        assert!(!nested.could_match_below("packages/web/build"));

        let names = group("", &["fixtures"]);
        assert!(names.could_match_below("anything/at/all"));
    }

    #[test]
    fn bad_globs_are_refused_with_their_index() {
        let bad = |patterns: &[&str]| {
            let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
            PathGlobGroup::new("", &patterns)
                .err()
                .map(|(index, _)| index)
        };
        assert_eq!(bad(&["ok/**", "a/["]), Some(1));
        assert_eq!(bad(&[""]), Some(0));
        assert_eq!(bad(&["/"]), Some(0));
        assert_eq!(bad(&["a", "../shared/**"]), Some(1));
        assert_eq!(bad(&["a/**", "{a,b"]), Some(1));
    }

    #[test]
    fn display_reads_from_the_root() {
        let globs = group("packages/api", &["legacy/**", "fixtures", "/ops"]);
        assert_eq!(
            globs.display(),
            [
                "packages/api/legacy/**",
                "packages/api/**/fixtures",
                "packages/api/ops"
            ]
        );
    }

    #[test]
    fn name_globs_match_whole_names() {
        let mut globs = NameGlobs::default();
        let patterns = vec!["OTEL_*".to_string(), "MY_VAR".to_string()];
        globs.push(Arc::new(NameGlobGroup::new(&patterns).ok().unwrap()));
        assert!(globs.matches("OTEL_EXPORTER"));
        assert!(globs.matches("MY_VAR"));
        assert!(!globs.matches("MY_VAR_2"));
        assert!(!globs.matches("otel_x"));
    }
}
