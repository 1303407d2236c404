//! `COPY`/`ADD` instructions and the mapping between container paths and build-context paths
//! (RULES.md H9 "COPY mapping", §6.5).

use crate::project::normalize_relative;
use tree_sitter::Node;

/// One `COPY` or `ADD` instruction, with its paths resolved.
#[derive(Debug, Clone)]
pub struct CopyOp<'a> {
    pub instruction: Node<'a>,
    pub is_add: bool,
    /// The `--from=` value: the files come from another stage or image, not the build context.
    pub from: Option<String>,
    /// Source paths as written (resolved with ARG/ENV; `None` when unknown), with their nodes.
    pub sources: Vec<(Node<'a>, Option<String>)>,
    /// The destination as an absolute, normalised container path (no trailing `/`); `None` when
    /// it or the WORKDIR it is relative to is unknown.
    pub destination: Option<String>,
    /// The destination names a directory: it ends in `/`, or there are several sources.
    pub destination_is_dir: bool,
}

/// Where a container path may come from, as far as the `COPY`s of a stage chain tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Possibly this build-context-relative path (`""` = the context root).
    Context(String),
    /// A `COPY --from`, a remote or archive `ADD`, or a path that does not resolve: unknowable.
    Elsewhere,
}

impl CopyOp<'_> {
    /// Where `path` (absolute, normalised) may come from if this instruction provides it: every
    /// reading of the sources (a directory whose contents are copied, a file copied into the
    /// destination directory, a file copied to the destination name). Empty when the instruction
    /// cannot provide `path`; [`Origin::Elsewhere`] when it may, from outside the context.
    pub fn origins(&self, path: &str) -> Vec<Origin> {
        let Some(dest) = self.destination.as_deref() else {
            // An unknown destination may be anywhere.
            return vec![Origin::Elsewhere];
        };
        let under_dest = strip_dir_prefix(path, dest);
        let mut out = Vec::new();
        for (_, source) in &self.sources {
            let remote = source.as_deref().is_some_and(|s| {
                s.contains("://") || s.starts_with("git@") || (self.is_add && is_archive(s))
            });
            let source = match source.as_deref().map(normalize_relative) {
                Some(Some(s)) if self.from.is_none() && !remote => s,
                // Unknown, escaping, remote or from another stage: any path under the
                // destination may come from it.
                _ => {
                    if under_dest.is_some() || path == dest {
                        out.push(Origin::Elsewhere);
                    }
                    continue;
                }
            };
            let (source_dir, source_name) = split_last(&source);
            let globbed = is_glob(&source);
            // A directory: its contents land in the destination.
            if let Some(rel) = under_dest
                && !globbed
            {
                out.push(Origin::Context(join_relative(&source, rel)));
            }
            // A file copied into the destination directory.
            let (parent, name) = split_last(path.trim_start_matches('/'));
            let in_dest = format!("/{parent}") == dest || (dest == "/" && parent.is_empty());
            if in_dest && !is_glob(source_dir) && glob_match(source_name, name) {
                out.push(Origin::Context(join_relative(source_dir, name)));
            }
            // A file copied to the destination name.
            if !self.destination_is_dir && path == dest && !globbed {
                out.push(Origin::Context(source.clone()));
            }
        }
        out
    }
}

fn is_archive(source: &str) -> bool {
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ]
    .iter()
    .any(|ext| source.ends_with(ext))
}

fn is_glob(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// `name` matches the single-segment `pattern` (`*` and `?` wildcards; `[` matches literally).
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// `path` relative to the directory `dir` when it lies strictly inside it.
fn strip_dir_prefix<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    if dir == "/" {
        return path.strip_prefix('/').filter(|rest| !rest.is_empty());
    }
    path.strip_prefix(dir)?
        .strip_prefix('/')
        .filter(|rest| !rest.is_empty())
}

/// (directory, last segment) of a `/`-separated path; the directory is `""` for a bare name.
fn split_last(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some((dir, name)) => (dir, name),
        None => ("", path),
    }
}

/// Joins two relative paths (`""` is the current directory).
pub fn join_relative(base: &str, rel: &str) -> String {
    match (base.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_string(),
        (_, true) => base.to_string(),
        _ => format!("{base}/{rel}"),
    }
}

/// An absolute container path: `path` taken relative to `cwd` unless absolute, with `.`, `..`
/// and repeated or trailing `/` resolved (`/app/./src/` → `/app/src`).
pub fn absolute(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    format!("/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths() {
        assert_eq!(absolute("/", "app"), "/app");
        assert_eq!(absolute("/app", "./src/"), "/app/src");
        assert_eq!(absolute("/app", "."), "/app");
        assert_eq!(absolute("/app", "/srv//x/"), "/srv/x");
        assert_eq!(absolute("/app/a", "../b"), "/app/b");
        assert_eq!(absolute("/", ".."), "/");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(normalize_relative(".").as_deref(), Some(""));
        assert_eq!(normalize_relative("./src/").as_deref(), Some("src"));
        assert_eq!(normalize_relative("a/../b").as_deref(), Some("b"));
        assert_eq!(normalize_relative("../x"), None);
        assert_eq!(join_relative("", "a"), "a");
        assert_eq!(join_relative("a", ""), "a");
        assert_eq!(join_relative("a", "b/c"), "a/b/c");
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.py", "main.py"));
        assert!(glob_match("req*.txt", "requirements.txt"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("*.py", "main.js"));
        assert!(glob_match("main.py", "main.py"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn strips_directory_prefixes() {
        assert_eq!(strip_dir_prefix("/app/src/x.py", "/app"), Some("src/x.py"));
        assert_eq!(strip_dir_prefix("/app", "/app"), None);
        assert_eq!(strip_dir_prefix("/application", "/app"), None);
        assert_eq!(strip_dir_prefix("/x", "/"), Some("x"));
    }
}
