//! Env example files (RULES.md §6.2): which files document a project's environment variables,
//! the keys they list, and the lines fixes add to them.

use super::FileSystem;
use std::sync::OnceLock;

/// The name a new example file gets.
pub const DEFAULT_EXAMPLE: &str = ".env.example";

/// Whether a file name is an env example file: `.env.example`, `.env.local.example`,
/// `.env.sample`, `example.env`, `env.example`, … (never the real `.env`).
pub fn is_example_file(name: &str) -> bool {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    PATTERN
        .get_or_init(|| {
            regex::Regex::new(
                r"^\.env(\.[A-Za-z0-9_-]+)?\.(example|sample|template|dist|defaults)$|^(example|sample)\.env$|^env\.example$",
            )
            .expect("a valid pattern")
        })
        .is_match(name)
}

/// The keys an example file documents: `KEY=…`, `export KEY=…`, and commented-out assignments
/// `# KEY=…` (optional variables).
pub fn keys(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Deduplicated through a set: a large example file made a linear search quadratic.
    let mut seen = std::collections::HashSet::new();
    for line in text.lines() {
        let mut line = line.trim();
        if let Some(rest) = line.strip_prefix('#') {
            line = rest.trim_start();
        }
        if let Some(rest) = line.strip_prefix("export ") {
            line = rest.trim_start();
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim_end();
        let valid = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if valid && seen.insert(key) {
            out.push(key.to_string());
        }
    }
    out
}

/// The folder holding a project's example files, and those files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleDir {
    /// Workspace-relative folder (`""` = the workspace root).
    pub dir: String,
    /// Workspace-relative paths of its example files, the primary one first (`.env.example` >
    /// `.env.sample` > `.env.template` > the others alphabetically).
    pub files: Vec<String>,
}

impl ExampleDir {
    /// The file fixes append to.
    pub fn primary(&self) -> &str {
        &self.files[0]
    }

    /// Every key documented by any of the folder's example files.
    pub fn keys(&self, fs: &dyn FileSystem) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for file in &self.files {
            for key in keys(&fs.read_to_string(file).unwrap_or_default()) {
                if seen.insert(key.clone()) {
                    out.push(key);
                }
            }
        }
        out
    }
}

/// The nearest folder, from the project root `root` up to the workspace root, that holds an env
/// example file.
pub fn example_dir(fs: &dyn FileSystem, root: &str) -> Option<ExampleDir> {
    let mut dir = root.trim_matches('/').to_string();
    loop {
        let mut names: Vec<String> = fs
            .list_dir(&dir)
            .into_iter()
            .filter(|name| is_example_file(name))
            .filter(|name| fs.is_file(&join(&dir, name)))
            .collect();
        if !names.is_empty() {
            names.sort_by_key(|name| {
                let rank = [".env.example", ".env.sample", ".env.template"]
                    .iter()
                    .position(|n| n == name)
                    .unwrap_or(3);
                (rank, name.clone())
            });
            return Some(ExampleDir {
                files: names.iter().map(|name| join(&dir, name)).collect(),
                dir,
            });
        }
        if dir.is_empty() {
            return None;
        }
        dir = match dir.rfind('/') {
            Some(at) => dir[..at].to_string(),
            None => String::new(),
        };
    }
}

/// `dir/name`, or `name` at the workspace root.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The line documenting `name`: `NAME=` with a static default from a read site as its value
/// when the name is not a secret's and the value is plain (no whitespace, quotes, `#` or `$`,
/// which dotenv would read differently); otherwise an empty value.
pub fn example_line(name: &str, default: Option<&str>) -> String {
    let value = default
        .filter(|_| !is_secret_name(name))
        .filter(|v| v.len() <= 200)
        .filter(|v| {
            !v.chars()
                .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '#' | '$' | '\\'))
        })
        .filter(|v| !looks_like_credential(v))
        .unwrap_or("");
    format!("{name}={value}")
}

/// A secret-like name (RULES.md H4 `SNC`, leaning towards "secret": a wrong guess only leaves a
/// value empty).
fn is_secret_name(name: &str) -> bool {
    let words = split_words(name);
    let single = [
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "secrets",
        "token",
        "apikey",
        "privatekey",
        "credential",
        "credentials",
        "dsn",
        "auth",
    ];
    if words.iter().any(|w| single.contains(&w.as_str())) {
        return true;
    }
    words.windows(2).any(|pair| {
        matches!(
            (pair[0].as_str(), pair[1].as_str()),
            ("api", "key")
                | ("access", "key")
                | ("private", "key")
                | ("secret", "key")
                | ("client", "secret")
                | ("signing", "key")
                | ("encryption", "key")
                | ("master", "key")
                | ("auth", "key")
        )
    })
}

/// A value that embeds credentials (`postgres://user:pass@host`) or is long and random-looking.
fn looks_like_credential(value: &str) -> bool {
    if let Some((_, rest)) = value.split_once("://") {
        return rest
            .split('/')
            .next()
            .is_some_and(|auth| auth.contains('@'));
    }
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let has_alpha = value.chars().any(|c| c.is_ascii_alphabetic());
    value.len() >= 20 && has_digit && has_alpha && !value.contains(['/', '.'])
}

/// Lower-case words of an identifier: split on `_`, `-`, `.` and camelCase boundaries.
fn split_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '_' | '-' | '.' | ' ') {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && i > 0
            && (chars[i - 1].is_ascii_lowercase()
                || (chars[i - 1].is_ascii_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())));
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_names() {
        for name in [
            ".env.example",
            ".env.local.example",
            ".env.sample",
            ".env.template",
            ".env.dist",
            ".env.defaults",
            "example.env",
            "sample.env",
            "env.example",
        ] {
            assert!(is_example_file(name), "{name}");
        }
        for name in [
            ".env",
            ".env.local",
            "env",
            ".env.example.bak",
            "x.env.example",
        ] {
            assert!(!is_example_file(name), "{name}");
        }
    }

    #[test]
    fn keys_of_an_example_file() {
        let text = "# Database\nDATABASE_URL=postgres://localhost/db\nexport PORT=3000\n\
                    # SENTRY_DSN=\n#  Comment without assignment\nBAD KEY=1\n  REDIS.URL = x\nDATABASE_URL=again\n";
        assert_eq!(
            keys(text),
            ["DATABASE_URL", "PORT", "SENTRY_DSN", "REDIS.URL"]
        );
    }

    #[test]
    fn values_of_new_lines() {
        assert_eq!(example_line("PORT", Some("3000")), "PORT=3000");
        assert_eq!(
            example_line("JWT_SECRET", Some("dev-secret")),
            "JWT_SECRET="
        );
        assert_eq!(example_line("apiKey", Some("abc")), "apiKey=");
        assert_eq!(example_line("GREETING", Some("hello world")), "GREETING=");
        assert_eq!(
            example_line("DATABASE_URL", Some("postgres://u:p@h/db")),
            "DATABASE_URL="
        );
        assert_eq!(
            example_line("DATABASE_URL", Some("postgres://localhost/db")),
            "DATABASE_URL=postgres://localhost/db"
        );
        assert_eq!(example_line("DATABASE_URL", None), "DATABASE_URL=");
    }

    #[test]
    fn words() {
        assert_eq!(split_words("APIKey"), ["api", "key"]);
        assert_eq!(split_words("apiKey"), ["api", "key"]);
        assert_eq!(split_words("DB_PASSWORD"), ["db", "password"]);
    }
}
