//! Configuration: `preflight.toml`, `.preflight.toml` or `[tool.preflight]` in `pyproject.toml`.
//!
//! The command line and the language server resolve configuration through this module only.
//!
//! # Discovery
//! For a file, every folder from the file's own up to the workspace root may hold one
//! configuration file. Per folder the first of `preflight.toml`, `.preflight.toml`, `pyproject.toml`
//! that is a configuration file counts (a `pyproject.toml` without `[tool.preflight]` is not one,
//! and neither is a broken one that never mentions `preflight`). Nearer files override farther
//! ones as [`EffectiveConfig`] describes. A resolver built with an explicit file (`--config FILE`)
//! uses that file alone for every path, its globs relative to the workspace root.
//!
//! # Globs
//! `[files]` globs, `extend-exclude` and `[[overrides]] files` are relative to the folder of the
//! config file declaring them and match like `.gitignore` lines: with a `/` they are anchored to
//! that folder (`legacy/**`), without one they match a name at any depth (`*.test.ts`); a path
//! matches when it or a folder above it does; `*` stays within one path segment, `**` crosses
//! them. `[env] ignore` and `[docker] nonroot-images` globs match whole names.
//!
//! # Errors
//! Unknown keys, values of the wrong type or out of range, unknown severities and rule ids,
//! invalid globs and TOML syntax errors are [`ConfigError`]s naming the file, line, column and key.
//! Parsing never panics, whatever the input.

mod effective;
mod error;
mod glob;
mod parse;

pub use effective::{DockerFileSettings, EffectiveConfig, RuleLevel};
pub use error::ConfigError;
pub use glob::NameGlobs;
pub use parse::{ConfigFile, ConfigFormat};

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Configuration file names looked for in each folder, in order of precedence.
pub const CONFIG_FILE_NAMES: [&str; 3] = ["preflight.toml", ".preflight.toml", "pyproject.toml"];

/// Every rule id of the contract, plus the id suppression comments report under. A configuration
/// may name these even before the rule registry implements them; ids of
/// [`crate::rules::all`] are accepted as well.
pub const KNOWN_RULE_IDS: &[&str] = &[
    "cors-wildcard",
    "debug-print",
    "hardcoded-secret",
    "swallowed-error",
    "sql-injection",
    "tls-verify-disabled",
    "request-without-timeout",
    "debug-mode",
    "todo-comment",
    "malformed-entrypoint",
    "dev-server-in-production",
    "shell-form-entrypoint",
    "container-runs-as-root",
    "unpinned-base-image",
    "missing-healthcheck",
    "secret-in-image",
    "missing-error-handler",
    "missing-rate-limit",
    "missing-security-headers",
    "missing-health-check",
    "missing-env-example",
    "env-not-documented",
    "entrypoint-target-missing",
    "invalid-ignore",
];

/// Whether a file name is one configuration may live in (for editors watching files).
pub fn is_config_file_name(name: &str) -> bool {
    CONFIG_FILE_NAMES.contains(&name)
}

/// Checks configuration text (an editor buffer, say) as if it were the file `path`. `Ok(false)`
/// when it is a `pyproject.toml` without `[tool.preflight]`.
pub fn validate(path: &Path, text: &str) -> Result<bool, ConfigError> {
    ConfigFile::parse(path, text, "", ConfigFormat::of(path)).map(|file| file.is_some())
}

/// Finds and merges the configuration in force for any path of one workspace. Thread-safe:
/// results are cached per folder, so a parallel walk reads each file once.
pub struct ConfigResolver {
    /// The workspace root as given, to build file paths from.
    root: PathBuf,
    /// The root made absolute and free of `.`/`..`, to relativise absolute paths.
    root_absolute: PathBuf,
    /// With `--config FILE`: the settings for every path.
    explicit: Option<Arc<EffectiveConfig>>,
    /// Per root-relative folder: the settings in force there, or the error of a file on the way.
    cache: RwLock<HashMap<String, Result<Arc<EffectiveConfig>, ConfigError>>>,
    /// For paths outside the workspace: no configuration.
    outside: Arc<EffectiveConfig>,
}

impl ConfigResolver {
    /// A resolver for the workspace at `workspace_root`. With `explicit` (`--config FILE`), that
    /// file is read now and used for every path instead of discovery; a missing, unreadable or
    /// invalid explicit file is an error.
    pub fn new(
        workspace_root: &Path,
        explicit: Option<&Path>,
    ) -> Result<ConfigResolver, ConfigError> {
        let explicit = match explicit {
            None => None,
            Some(path) => {
                let text = read_text(path)?;
                let file = ConfigFile::parse(path, &text, "", ConfigFormat::of(path))?;
                let Some(file) = file else {
                    return Err(ConfigError::whole_file(
                        path,
                        "no [tool.preflight] table in this pyproject.toml".to_string(),
                    ));
                };
                Some(Arc::new(EffectiveConfig::default().with_file(&file)))
            }
        };
        let root_absolute = if workspace_root.is_absolute() {
            lexical_normalize(workspace_root)
        } else {
            std::env::current_dir()
                .map(|cwd| lexical_normalize(&cwd.join(workspace_root)))
                .unwrap_or_else(|_| workspace_root.to_path_buf())
        };
        Ok(ConfigResolver {
            root: workspace_root.to_path_buf(),
            root_absolute,
            outside: explicit.clone().unwrap_or_default(),
            explicit,
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// The workspace root, as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether this resolver uses one explicit file instead of discovery.
    pub fn is_explicit(&self) -> bool {
        self.explicit.is_some()
    }

    /// `path` (absolute, or relative to the workspace root) relative to the workspace root,
    /// `/`-separated, `""` for the root itself; `None` when it lies outside the workspace.
    pub fn relative(&self, path: &Path) -> Option<String> {
        if !path.is_absolute() {
            return normalize_rel(&path_to_slashes(path));
        }
        let normalized = lexical_normalize(path);
        if let Ok(rest) = normalized.strip_prefix(&self.root_absolute) {
            return normalize_rel(&path_to_slashes(rest));
        }
        // Symbolic links on the way (a temporary folder, say): compare real paths.
        let real_root = self.root_absolute.canonicalize().ok()?;
        let real_path = normalized.canonicalize().ok()?;
        let rest = real_path.strip_prefix(real_root).ok()?;
        normalize_rel(&path_to_slashes(rest))
    }

    /// The settings for the file at `path` (absolute, or relative to the workspace root): those
    /// of its folder. A file outside the workspace gets no configuration (or the explicit file).
    pub fn for_path(&self, path: &Path) -> Result<Arc<EffectiveConfig>, ConfigError> {
        if let Some(explicit) = &self.explicit {
            return Ok(explicit.clone());
        }
        match self.relative(path) {
            Some(rel) => self.for_rel_dir(parent_rel(&rel)),
            None => Ok(self.outside.clone()),
        }
    }

    /// The settings in force inside the folder `dir` (absolute, or relative to the workspace
    /// root), including a configuration file in `dir` itself.
    pub fn for_dir(&self, dir: &Path) -> Result<Arc<EffectiveConfig>, ConfigError> {
        if let Some(explicit) = &self.explicit {
            return Ok(explicit.clone());
        }
        match self.relative(dir) {
            Some(rel) => self.for_rel_dir(&rel),
            None => Ok(self.outside.clone()),
        }
    }

    /// The settings in force inside the root-relative, normalised folder `rel_dir`.
    fn for_rel_dir(&self, rel_dir: &str) -> Result<Arc<EffectiveConfig>, ConfigError> {
        if let Some(cached) = self.cached(rel_dir) {
            return cached;
        }
        // Climb to the nearest folder already known, then merge back down, caching every folder.
        let mut pending = Vec::new();
        let mut inherited = Ok(Arc::new(EffectiveConfig::default()));
        let mut dir = Some(rel_dir);
        while let Some(current) = dir {
            if let Some(cached) = self.cached(current) {
                inherited = cached;
                break;
            }
            pending.push(current);
            dir = (!current.is_empty()).then(|| parent_rel(current));
        }
        for current in pending.into_iter().rev() {
            inherited = inherited.and_then(|parent| match self.load(current)? {
                Some(file) => Ok(Arc::new(parent.with_file(&file))),
                None => Ok(parent),
            });
            let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
            inherited = cache
                .entry(current.to_string())
                .or_insert(inherited)
                .clone();
        }
        inherited
    }

    fn cached(&self, rel_dir: &str) -> Option<Result<Arc<EffectiveConfig>, ConfigError>> {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        cache.get(rel_dir).cloned()
    }

    /// The configuration file of folder `rel_dir`, if it has one.
    fn load(&self, rel_dir: &str) -> Result<Option<ConfigFile>, ConfigError> {
        let dir = if rel_dir.is_empty() {
            self.root.clone()
        } else {
            clean_join(&self.root, rel_dir)
        };
        for name in CONFIG_FILE_NAMES {
            let path = clean_join(&dir, name);
            if !path.is_file() {
                continue;
            }
            let format = ConfigFormat::of(&path);
            let text = match (read_text(&path), format) {
                (Ok(text), _) => text,
                // An undecodable pyproject.toml is no concern of ours unless it names us.
                (Err(_), ConfigFormat::Pyproject)
                    if !std::fs::read(&path)
                        .is_ok_and(|bytes| bytes.windows(9).any(|w| w == b"preflight")) =>
                {
                    continue;
                }
                (Err(error), _) => return Err(error),
            };
            if let Some(file) = ConfigFile::parse(&path, &text, rel_dir, format)? {
                return Ok(Some(file));
            }
        }
        Ok(None)
    }
}

/// Reads a configuration file as UTF-8.
fn read_text(path: &Path) -> Result<String, ConfigError> {
    let bytes = std::fs::read(path)
        .map_err(|error| ConfigError::whole_file(path, format!("cannot read: {error}")))?;
    String::from_utf8(bytes)
        .map_err(|_| ConfigError::whole_file(path, "not valid UTF-8".to_string()))
}

/// `dir/name`, without a leading `./` when `dir` is `.`, so messages show `svc/preflight.toml`.
fn clean_join(dir: &Path, name: &str) -> PathBuf {
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// The folder holding root-relative `rel` (`""` for a top-level entry).
fn parent_rel(rel: &str) -> &str {
    rel.rfind('/').map_or("", |slash| &rel[..slash])
}

/// A relative path as `/`-separated text.
fn path_to_slashes(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// `path` without `.` components, and `..` applied to what precedes it.
fn lexical_normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Root-relative paths are normalised like every other relative path of the project.
pub(crate) use crate::project::normalize_relative as normalize_rel;

#[cfg(test)]
mod tests;
