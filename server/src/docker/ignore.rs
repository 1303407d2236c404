//! `.dockerignore` (RULES.md §6.2): which files of the build context `docker build` leaves out.
//! The file in force is `<Dockerfile>.dockerignore` next to the Dockerfile when it exists (as in
//! BuildKit), else `.dockerignore` at the context root. Matching follows Docker: patterns are
//! relative to the context root (a leading `/` is ignored), `*`/`?`/`[…]` do not cross `/`, `**`
//! does, a pattern matching a folder excludes everything in it, `!` re-includes, and the last
//! matching line wins.

use super::DockerContext;
use globset::{GlobBuilder, GlobMatcher};

/// A parsed ignore file.
#[derive(Debug, Clone)]
pub struct DockerIgnore {
    /// The workspace-relative path of the file.
    pub path: String,
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The line as written, for messages.
    line: String,
    negated: bool,
    glob: GlobMatcher,
}

impl DockerIgnore {
    pub fn parse(path: impl Into<String>, text: &str) -> DockerIgnore {
        let mut patterns = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negated, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let Some(clean) = crate::project::normalize_relative(pattern.trim_start_matches('/'))
            else {
                continue;
            };
            if clean.is_empty() {
                continue;
            }
            let Ok(glob) = GlobBuilder::new(&clean)
                .literal_separator(true)
                .build()
                .map(|g| g.compile_matcher())
            else {
                continue;
            };
            patterns.push(Pattern {
                line: line.to_string(),
                negated,
                glob,
            });
        }
        DockerIgnore {
            path: path.into(),
            patterns,
        }
    }

    /// The line that excludes the context-relative `path`, if it is excluded.
    pub fn excluded(&self, path: &str) -> Option<&str> {
        let mut verdict = None;
        for pattern in &self.patterns {
            // The path itself or any of its parent folders.
            let mut candidate = path;
            let matched = loop {
                if pattern.glob.is_match(candidate) {
                    break true;
                }
                match candidate.rsplit_once('/') {
                    Some((parent, _)) => candidate = parent,
                    None => break false,
                }
            };
            if matched {
                verdict = (!pattern.negated).then_some(pattern.line.as_str());
            }
        }
        verdict
    }

    /// Whether some line re-includes files (`!keep.env`): an excluded folder may then still
    /// hold included files.
    pub fn reincludes(&self) -> bool {
        self.patterns.iter().any(|p| p.negated)
    }
}

/// A context-relative path written as an ignore line that matches exactly it: glob characters
/// escaped, and a leading `#` or `!` too.
pub fn literal_pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, c) in path.chars().enumerate() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\')
            || (i == 0 && matches!(c, '#' | '!'))
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl DockerContext<'_> {
    /// The workspace-relative path of the ignore file `docker build` would read for this
    /// Dockerfile: `<Dockerfile>.dockerignore` when it exists, else the context's `.dockerignore`
    /// (which may not exist).
    pub fn dockerignore_path(&self) -> String {
        let own = format!("{}.dockerignore", self.cx.path());
        if self.cx.fs().is_file(&own) {
            own
        } else {
            self.context_path(".dockerignore")
        }
    }

    /// The ignore file in force, when there is one.
    pub fn dockerignore(&self) -> Option<DockerIgnore> {
        let path = self.dockerignore_path();
        let text = self.cx.fs().read_to_string(&path)?;
        Some(DockerIgnore::parse(path, &text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(text: &str, path: &str) -> Option<String> {
        DockerIgnore::parse(".dockerignore", text)
            .excluded(path)
            .map(str::to_string)
    }

    #[test]
    fn docker_matching() {
        let text = "# comment\nscripts/\n*.md\n!README.md\nnode_modules\n**/*.log\n/secret\n";
        assert_eq!(
            excluded(text, "scripts/entrypoint.sh").as_deref(),
            Some("scripts/")
        );
        assert_eq!(excluded(text, "CHANGES.md").as_deref(), Some("*.md"));
        assert_eq!(excluded(text, "README.md"), None);
        assert_eq!(excluded(text, "docs/a.md"), None);
        assert_eq!(excluded(text, "a/b/c.log").as_deref(), Some("**/*.log"));
        assert_eq!(excluded(text, "secret/key").as_deref(), Some("/secret"));
        assert_eq!(excluded(text, "src/main.py"), None);
        // The last matching line wins.
        let text = "*.env\n!prod.env\nprod.*\n";
        assert_eq!(excluded(text, "prod.env").as_deref(), Some("prod.*"));
        assert_eq!(excluded(text, "dev.env").as_deref(), Some("*.env"));
        assert!(DockerIgnore::parse("x", text).reincludes());
        assert!(!DockerIgnore::parse("x", "*.env\n").reincludes());
    }

    #[test]
    fn literal_patterns_match_only_their_path() {
        for path in [
            ".env",
            "config/id_rsa",
            "keys/[prod]*.pem",
            "#odd.key",
            "!odd.key",
        ] {
            let line = literal_pattern(path);
            assert_eq!(
                excluded(&line, path).as_deref(),
                Some(line.as_str()),
                "{path}"
            );
        }
        assert_eq!(
            literal_pattern("keys/[prod]*.pem"),
            "keys/\\[prod\\]\\*.pem"
        );
        assert_eq!(excluded(&literal_pattern("a*.pem"), "ab.pem"), None);
    }
}
