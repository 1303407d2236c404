//! The settings in force for one folder: every configuration file from the workspace root down to
//! that folder, merged.

use super::glob::{NameGlobs, PathGlobs};
use super::normalize_rel;
use super::parse::{ConfigFile, Override, RuleSettings};
use crate::diagnostic::Severity;
use crate::engine::{DEFAULT_TIMEOUT_SECONDS, RuleOptions};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a rule is configured for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleLevel {
    /// Not configured: the rule runs at its default severity.
    Default,
    /// Turned off.
    Off,
    /// Runs, reporting at this severity.
    Severity(Severity),
}

impl RuleLevel {
    /// `"off"` or a severity name.
    pub fn parse(text: &str) -> Option<RuleLevel> {
        if text == "off" {
            Some(RuleLevel::Off)
        } else {
            Severity::parse(text).map(RuleLevel::Severity)
        }
    }

    /// The severity to report at, given the rule's default; `None` when the rule is off.
    pub fn resolve(self, default: Severity) -> Option<Severity> {
        match self {
            RuleLevel::Default => Some(default),
            RuleLevel::Off => None,
            RuleLevel::Severity(severity) => Some(severity),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RuleLevel::Default => "default",
            RuleLevel::Off => "off",
            RuleLevel::Severity(severity) => severity.as_str(),
        }
    }
}

/// `[docker.files."<path>"]`: how one Dockerfile is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerFileSettings {
    /// The build context, relative to the Dockerfile's folder, as written.
    pub context: Option<String>,
    /// The stage treated as final.
    pub target: Option<String>,
}

/// The merged settings in force for the files of one folder.
///
/// Merging, from the workspace root down to the folder (nearer files win):
/// - `fail-on`, `[docker] target` and each `[docker.files."<path>"]` field: the nearest wins;
/// - `[rules]`: per rule, the nearest severity wins and options merge key by key;
/// - `[files] exclude/include/scripts`, `extend-exclude`, `[env] ignore`,
///   `[docker] nonroot-images` and `[[overrides]]` accumulate, each glob relative to the folder
///   of the file declaring it.
///
/// Every path argument is relative to the workspace root, `/`-separated (see
/// [`ConfigResolver::relative`](super::ConfigResolver::relative)).
#[derive(Clone, Default)]
pub struct EffectiveConfig {
    sources: Vec<PathBuf>,
    fail_on: Option<Severity>,
    rules: BTreeMap<String, RuleSettings>,
    exclude: PathGlobs,
    include: PathGlobs,
    scripts: PathGlobs,
    env_ignore: NameGlobs,
    docker_target: Option<String>,
    nonroot_images: NameGlobs,
    docker_files: BTreeMap<String, DockerFileSettings>,
    overrides: Vec<Arc<Override>>,
}

impl EffectiveConfig {
    /// These settings with `file` (nearer than every file already merged) applied on top.
    pub fn with_file(&self, file: &ConfigFile) -> EffectiveConfig {
        let mut merged = self.clone();
        merged.sources.push(file.path.clone());
        if file.fail_on.is_some() {
            merged.fail_on = file.fail_on;
        }
        for (id, settings) in &file.rules {
            let entry = merged.rules.entry(id.clone()).or_default();
            if settings.level.is_some() {
                entry.level = settings.level;
            }
            for (name, value) in &settings.options {
                entry.options.insert(name.clone(), value.clone());
            }
        }
        for group in &file.exclude {
            merged.exclude.push(group.clone());
        }
        if let Some(group) = &file.include {
            merged.include.push(group.clone());
        }
        if let Some(group) = &file.scripts {
            merged.scripts.push(group.clone());
        }
        if let Some(group) = &file.env_ignore {
            merged.env_ignore.push(group.clone());
        }
        if file.docker_target.is_some() {
            merged.docker_target.clone_from(&file.docker_target);
        }
        if let Some(group) = &file.nonroot_images {
            merged.nonroot_images.push(group.clone());
        }
        for (path, settings) in &file.docker_files {
            let entry = merged.docker_files.entry(path.clone()).or_default();
            if settings.context.is_some() {
                entry.context.clone_from(&settings.context);
            }
            if settings.target.is_some() {
                entry.target.clone_from(&settings.target);
            }
        }
        merged.overrides.extend(file.overrides.iter().cloned());
        merged
    }

    /// The configuration files that contributed, farthest (the workspace root) first.
    pub fn sources(&self) -> &[PathBuf] {
        &self.sources
    }

    /// Whether no configuration file contributed.
    pub fn is_default(&self) -> bool {
        self.sources.is_empty()
    }

    /// `fail-on`, when configured.
    pub fn fail_on(&self) -> Option<Severity> {
        self.fail_on
    }

    /// How rule `rule_id` is configured for the file `rel_path`: `[rules]` first, then every
    /// matching `[[overrides]]` entry in order (farther files' first), the last one winning.
    pub fn rule_level(&self, rule_id: &str, rel_path: &str) -> RuleLevel {
        let mut level = self
            .rules
            .get(rule_id)
            .and_then(|settings| settings.level)
            .unwrap_or(RuleLevel::Default);
        for entry in &self.overrides {
            if let Some(configured) = entry.rules.get(rule_id)
                && entry.files.matches(rel_path)
            {
                level = *configured;
            }
        }
        level
    }

    /// The severity rule `rule_id` reports at in `rel_path`, given its default; `None` when off.
    pub fn severity(&self, rule_id: &str, default: Severity, rel_path: &str) -> Option<Severity> {
        self.rule_level(rule_id, rel_path).resolve(default)
    }

    /// The options of `[rules.<rule_id>]` (without `severity`), when any are set. Values are
    /// validated: `methods` is an array of strings, `include-fetch` and `gateway` booleans,
    /// `default-timeout-seconds` a positive integer or float.
    pub fn rule_options(&self, rule_id: &str) -> Option<&toml::Table> {
        self.rules
            .get(rule_id)
            .map(|settings| &settings.options)
            .filter(|options| !options.is_empty())
    }

    /// One option of `[rules.<rule_id>]`.
    pub fn rule_option(&self, rule_id: &str, name: &str) -> Option<&toml::Value> {
        self.rule_options(rule_id)?.get(name)
    }

    /// The rule options in force for the file `rel_path` (RULES.md §9), typed for the engine.
    pub fn options_for(&self, rel_path: &str) -> RuleOptions {
        let flag = |rule: &str, name: &str| {
            self.rule_option(rule, name)
                .and_then(toml::Value::as_bool)
                .unwrap_or(false)
        };
        let seconds = self
            .rule_option("request-without-timeout", "default-timeout-seconds")
            .and_then(|value| match value {
                toml::Value::Integer(n) => Some(*n as f64),
                toml::Value::Float(x) => Some(*x),
                _ => None,
            })
            .filter(|seconds| *seconds > 0.0)
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        let methods = self
            .rule_option("debug-print", "methods")
            .and_then(toml::Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|name| name.as_str().map(str::to_string))
                    .collect()
            });
        RuleOptions {
            debug_print_methods: methods,
            include_fetch: flag("request-without-timeout", "include-fetch"),
            default_timeout_seconds: seconds,
            rate_limit_at_gateway: flag("missing-rate-limit", "gateway"),
            env_ignore: self.env_ignore.clone(),
            nonroot_images: self.nonroot_images.clone(),
            docker_target: self.docker_target(rel_path).map(str::to_string),
            docker_context: self.docker_context(rel_path).map(str::to_string),
        }
    }

    /// Whether `[files] exclude` (or `extend-exclude`) matches `rel_path` or a folder above it.
    /// Exclusion wins over `[files] include`.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        self.exclude.matches(rel_path)
    }

    /// Whether `[files] include` matches `rel_path` or a folder above it: the file is analysed
    /// even if the default rules (RULES.md §2.2, 1–5) would skip it.
    pub fn is_included(&self, rel_path: &str) -> bool {
        self.include.matches(rel_path)
    }

    /// Whether `[files] include` could match something inside folder `rel_dir`, so a walk must
    /// enter it even when it is skipped by default. Never `false` when something inside matches.
    pub fn may_include_below(&self, rel_dir: &str) -> bool {
        self.include.could_match_below(rel_dir)
    }

    /// Whether `[files] scripts` matches `rel_path` or a folder above it.
    pub fn is_script(&self, rel_path: &str) -> bool {
        self.scripts.matches(rel_path)
    }

    /// Whether `[env] ignore` matches the environment variable `name` (case-sensitive).
    pub fn env_ignored(&self, name: &str) -> bool {
        self.env_ignore.matches(name)
    }

    /// Whether `[docker] nonroot-images` matches an image reference (`registry/name:tag`).
    pub fn is_nonroot_image(&self, image: &str) -> bool {
        self.nonroot_images.matches(image)
    }

    /// The stage treated as final in the Dockerfile `dockerfile_rel_path`: its
    /// `[docker.files."<path>"] target`, else `[docker] target`.
    pub fn docker_target(&self, dockerfile_rel_path: &str) -> Option<&str> {
        self.docker_file(dockerfile_rel_path)
            .and_then(|settings| settings.target.as_deref())
            .or(self.docker_target.as_deref())
    }

    /// `[docker.files."<path>"] context` of the Dockerfile `dockerfile_rel_path`, relative to
    /// the Dockerfile's folder, as written.
    pub fn docker_context(&self, dockerfile_rel_path: &str) -> Option<&str> {
        self.docker_file(dockerfile_rel_path)?.context.as_deref()
    }

    fn docker_file(&self, dockerfile_rel_path: &str) -> Option<&DockerFileSettings> {
        if self.docker_files.is_empty() {
            return None;
        }
        self.docker_files.get(&normalize_rel(dockerfile_rel_path)?)
    }

    /// The effective settings as JSON, for `--show-settings`: globs are shown relative to the
    /// workspace root.
    pub fn to_json(&self) -> Value {
        let rules: Map<String, Value> = self
            .rules
            .iter()
            .map(|(id, settings)| {
                let mut rule = Map::new();
                if let Some(level) = settings.level {
                    rule.insert("severity".into(), level.as_str().into());
                }
                if !settings.options.is_empty() {
                    let options = serde_json::to_value(&settings.options).unwrap_or(Value::Null);
                    rule.insert("options".into(), options);
                }
                (id.clone(), Value::Object(rule))
            })
            .collect();
        let docker_files: Map<String, Value> = self
            .docker_files
            .iter()
            .map(|(path, settings)| {
                let entry = json!({"context": settings.context, "target": settings.target});
                (path.clone(), entry)
            })
            .collect();
        let overrides: Vec<Value> = self
            .overrides
            .iter()
            .map(|entry| {
                let rules: Map<String, Value> = entry
                    .rules
                    .iter()
                    .map(|(id, level)| (id.clone(), level.as_str().into()))
                    .collect();
                json!({"files": entry.files.display(), "rules": rules})
            })
            .collect();
        let sources: Vec<String> = self.sources.iter().map(|p| display(p)).collect();
        json!({
            "sources": sources,
            "fail-on": self.fail_on.map(Severity::as_str),
            "rules": rules,
            "files": {
                "exclude": self.exclude.display(),
                "include": self.include.display(),
                "scripts": self.scripts.display(),
            },
            "env": {"ignore": self.env_ignore.display()},
            "docker": {
                "target": self.docker_target,
                "nonroot-images": self.nonroot_images.display(),
                "files": docker_files,
            },
            "overrides": overrides,
        })
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl serde::Serialize for EffectiveConfig {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl fmt::Debug for EffectiveConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EffectiveConfig {}", self.to_json())
    }
}
