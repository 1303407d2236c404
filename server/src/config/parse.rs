//! Reading one configuration file: TOML with spans in, validated settings or a positioned
//! [`ConfigError`] out. Nothing here looks at other files.

use super::effective::{DockerFileSettings, RuleLevel};
use super::error::ConfigError;
use super::glob::{GlobError, NameGlobGroup, PathGlobGroup, PathGlobs};
use super::{KNOWN_RULE_IDS, normalize_rel};
use crate::diagnostic::Severity;
use crate::position::LineIndex;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

/// The two shapes a configuration file comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// `preflight.toml` or `.preflight.toml`: the whole file is Preflight's.
    Preflight,
    /// `pyproject.toml`: only the `[tool.preflight]` table is, and may be absent.
    Pyproject,
}

impl ConfigFormat {
    /// The format a file name implies: `pyproject.toml` is read for its `[tool.preflight]` table,
    /// anything else as a whole Preflight file.
    pub fn of(path: &Path) -> ConfigFormat {
        if path
            .file_name()
            .is_some_and(|name| name == "pyproject.toml")
        {
            ConfigFormat::Pyproject
        } else {
            ConfigFormat::Preflight
        }
    }
}

/// The settings of one `[rules]` entry.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleSettings {
    pub(crate) level: Option<RuleLevel>,
    pub(crate) options: toml::Table,
}

/// One `[[overrides]]` entry.
pub(crate) struct Override {
    pub(crate) files: PathGlobs,
    pub(crate) rules: BTreeMap<String, RuleLevel>,
}

/// The validated settings of one configuration file, before merging with others.
pub struct ConfigFile {
    pub(crate) path: PathBuf,
    pub(crate) fail_on: Option<Severity>,
    pub(crate) rules: BTreeMap<String, RuleSettings>,
    /// `files.exclude` and `extend-exclude`.
    pub(crate) exclude: Vec<Arc<PathGlobGroup>>,
    pub(crate) include: Option<Arc<PathGlobGroup>>,
    pub(crate) scripts: Option<Arc<PathGlobGroup>>,
    pub(crate) env_ignore: Option<Arc<NameGlobGroup>>,
    pub(crate) docker_target: Option<String>,
    pub(crate) nonroot_images: Option<Arc<NameGlobGroup>>,
    /// Keyed by the Dockerfile's root-relative path.
    pub(crate) docker_files: BTreeMap<String, DockerFileSettings>,
    pub(crate) overrides: Vec<Arc<Override>>,
}

impl ConfigFile {
    /// Reads `text` as the configuration file `path`, whose folder is `base` (root-relative,
    /// `/`-separated, `""` for the workspace root): its globs and `[docker.files]` paths are
    /// relative to that folder. `Ok(None)` for a `pyproject.toml` without `[tool.preflight]`
    /// (not a configuration file at all).
    pub fn parse(
        path: &Path,
        text: &str,
        base: &str,
        format: ConfigFormat,
    ) -> std::result::Result<Option<ConfigFile>, ConfigError> {
        let parser = Parser {
            path,
            text,
            index: LineIndex::new(text),
            base,
            prefix: match format {
                ConfigFormat::Preflight => Vec::new(),
                ConfigFormat::Pyproject => vec!["tool".to_string(), "preflight".to_string()],
            },
        };
        let document = match DeTable::parse(text) {
            Ok(document) => document,
            // A broken pyproject.toml that never mentions us is another tool's business.
            Err(_) if format == ConfigFormat::Pyproject && !text.contains("preflight") => {
                return Ok(None);
            }
            Err(error) => {
                let span = error.span().unwrap_or(0..0);
                let message = format!("invalid TOML: {}", error.message().trim_end());
                return Err(parser.error(span, None, message));
            }
        };
        let root = match format {
            ConfigFormat::Preflight => document.get_ref(),
            ConfigFormat::Pyproject => {
                let Some(tool) = find(document.get_ref(), "tool") else {
                    return Ok(None);
                };
                let DeValue::Table(tool) = tool.1.get_ref() else {
                    return Ok(None);
                };
                let Some((key, value)) = find(tool, "preflight") else {
                    return Ok(None);
                };
                match value.get_ref() {
                    DeValue::Table(table) => table,
                    other => {
                        return Err(parser.error(
                            key.span(),
                            Some("tool.preflight".to_string()),
                            format!("`tool.preflight` must be a table, found {}", kind(other)),
                        ));
                    }
                }
            }
        };
        parser.file(root).map(Some)
    }
}

/// `table[name]` with its key.
fn find<'t, 'i>(
    table: &'t DeTable<'i>,
    name: &str,
) -> Option<(&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>)> {
    table.iter().find(|(key, _)| key.get_ref() == name)
}

/// The entries of `table` in the order they appear in the file, so the first error reported is
/// the first one a reader meets.
fn entries<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t Spanned<DeString<'i>>, &'t Spanned<DeValue<'i>>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// "a string", "an integer", … for messages.
fn kind(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Writes a key segment as TOML would need it: bare when it can be, quoted otherwise.
fn push_segment(out: &mut String, segment: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    let is_bare = |text: &str| {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    // `overrides[2]`: an element of an array of tables, counted from 0 as in JSON paths.
    let element = segment
        .strip_suffix(']')
        .and_then(|rest| rest.split_once('['));
    let bare = is_bare(segment)
        || element.is_some_and(|(name, index)| {
            is_bare(name) && !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())
        });
    if bare {
        out.push_str(segment);
    } else {
        out.push('"');
        for ch in segment.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                ch if ch.is_control() => out.push_str(&format!("\\u{:04X}", ch as u32)),
                ch => out.push(ch),
            }
        }
        out.push('"');
    }
}

/// Options a rule accepts in its `[rules.<id>]` table, besides `severity` (RULES.md §9).
const RULE_OPTIONS: &[(&str, &[(&str, OptionKind)])] = &[
    ("debug-print", &[("methods", OptionKind::Names)]),
    (
        "request-without-timeout",
        &[
            ("include-fetch", OptionKind::Bool),
            ("default-timeout-seconds", OptionKind::Seconds),
        ],
    ),
    ("missing-rate-limit", &[("gateway", OptionKind::Bool)]),
];

/// The longest timeout `default-timeout-seconds` may ask for: a day.
const MAX_TIMEOUT_SECONDS: i64 = 86_400;

#[derive(Debug, Clone, Copy)]
enum OptionKind {
    /// A list of non-empty strings.
    Names,
    Bool,
    /// A positive number of seconds, integer or float, at most a day.
    Seconds,
}

const TOP_LEVEL_KEYS: &[&str] = &[
    "fail-on",
    "extend-exclude",
    "rules",
    "files",
    "env",
    "docker",
    "overrides",
];
const SEVERITIES: &str = "error, warning, info, hint";
const LEVELS: &str = "off, hint, info, warning, error";

struct Parser<'a> {
    path: &'a Path,
    text: &'a str,
    index: LineIndex,
    base: &'a str,
    /// `tool.preflight` in a pyproject.toml.
    prefix: Vec<String>,
}

type Result<T> = std::result::Result<T, ConfigError>;

impl Parser<'_> {
    fn error(&self, span: Range<usize>, key: Option<String>, message: String) -> ConfigError {
        ConfigError::at(self.path, self.text, &self.index, span, key, message)
    }

    /// The full dotted key of `segments` (with `tool.preflight.` in a pyproject.toml).
    fn key(&self, segments: &[&str]) -> String {
        let mut out = String::new();
        for segment in self
            .prefix
            .iter()
            .map(String::as_str)
            .chain(segments.iter().copied())
        {
            push_segment(&mut out, segment);
        }
        out
    }

    fn unknown_key(
        &self,
        key: &Spanned<DeString<'_>>,
        table: &[&str],
        expected: &[&str],
    ) -> ConfigError {
        let mut segments = table.to_vec();
        segments.push(key.get_ref());
        let place = if table.is_empty() && self.prefix.is_empty() {
            String::new()
        } else {
            format!(" in [{}]", self.key(table))
        };
        self.error(
            key.span(),
            Some(self.key(&segments)),
            format!(
                "unknown key `{}`{place} (expected one of: {})",
                key.get_ref(),
                expected.join(", ")
            ),
        )
    }

    fn wrong_type(
        &self,
        value: &Spanned<DeValue<'_>>,
        segments: &[&str],
        expected: &str,
    ) -> ConfigError {
        let key = self.key(segments);
        self.error(
            value.span(),
            Some(key.clone()),
            format!(
                "`{key}` must be {expected}, found {}",
                kind(value.get_ref())
            ),
        )
    }

    fn table<'t, 'i>(
        &self,
        value: &'t Spanned<DeValue<'i>>,
        segments: &[&str],
    ) -> Result<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Ok(table),
            _ => Err(self.wrong_type(value, segments, "a table")),
        }
    }

    fn string<'t>(&self, value: &'t Spanned<DeValue<'_>>, segments: &[&str]) -> Result<&'t str> {
        match value.get_ref() {
            DeValue::String(text) => Ok(text),
            _ => Err(self.wrong_type(value, segments, "a string")),
        }
    }

    fn non_empty_string(&self, value: &Spanned<DeValue<'_>>, segments: &[&str]) -> Result<String> {
        let text = self.string(value, segments)?;
        if text.is_empty() {
            let key = self.key(segments);
            return Err(self.error(
                value.span(),
                Some(key.clone()),
                format!("`{key}` must not be empty"),
            ));
        }
        Ok(text.to_string())
    }

    /// A list of strings, each with its span.
    fn strings(
        &self,
        value: &Spanned<DeValue<'_>>,
        segments: &[&str],
    ) -> Result<Vec<(String, Range<usize>)>> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(value, segments, "an array of strings"));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(text) => Ok((text.to_string(), item.span())),
                _ => Err(self.wrong_type(item, segments, "an array of strings")),
            })
            .collect()
    }

    fn glob_error(
        &self,
        items: &[(String, Range<usize>)],
        (index, error): (usize, GlobError),
        segments: &[&str],
    ) -> ConfigError {
        let key = self.key(segments);
        let (pattern, span) = items
            .get(index)
            .cloned()
            .unwrap_or_else(|| (String::new(), 0..0));
        let message = match error {
            GlobError::Empty => format!("empty glob in `{key}`"),
            GlobError::LeavesBase => format!(
                "glob `{pattern}` in `{key}` must stay inside the folder of the config file \
                 (no `.` or `..` segments)"
            ),
            GlobError::Syntax(reason) => format!("invalid glob `{pattern}` in `{key}`: {reason}"),
        };
        self.error(span, Some(key), message)
    }

    /// A list of path globs relative to this file's folder; `None` when the list is empty.
    fn path_globs(
        &self,
        value: &Spanned<DeValue<'_>>,
        segments: &[&str],
    ) -> Result<Option<Arc<PathGlobGroup>>> {
        let items = self.strings(value, segments)?;
        if items.is_empty() {
            return Ok(None);
        }
        let patterns: Vec<String> = items.iter().map(|(text, _)| text.clone()).collect();
        PathGlobGroup::new(self.base, &patterns)
            .map(|group| Some(Arc::new(group)))
            .map_err(|error| self.glob_error(&items, error, segments))
    }

    fn name_globs(
        &self,
        value: &Spanned<DeValue<'_>>,
        segments: &[&str],
    ) -> Result<Option<Arc<NameGlobGroup>>> {
        let items = self.strings(value, segments)?;
        if items.is_empty() {
            return Ok(None);
        }
        let patterns: Vec<String> = items.iter().map(|(text, _)| text.clone()).collect();
        NameGlobGroup::new(&patterns)
            .map(|group| Some(Arc::new(group)))
            .map_err(|error| self.glob_error(&items, error, segments))
    }

    fn file(&self, root: &DeTable<'_>) -> Result<ConfigFile> {
        let mut file = ConfigFile {
            path: self.path.to_path_buf(),
            fail_on: None,
            rules: BTreeMap::new(),
            exclude: Vec::new(),
            include: None,
            scripts: None,
            env_ignore: None,
            docker_target: None,
            nonroot_images: None,
            docker_files: BTreeMap::new(),
            overrides: Vec::new(),
        };
        for (key, value) in entries(root) {
            match key.get_ref().as_ref() {
                "fail-on" => file.fail_on = Some(self.fail_on(value)?),
                "extend-exclude" => file
                    .exclude
                    .extend(self.path_globs(value, &["extend-exclude"])?),
                "rules" => file.rules = self.rules(value)?,
                "files" => self.files(value, &mut file)?,
                "env" => self.env(value, &mut file)?,
                "docker" => self.docker(value, &mut file)?,
                "overrides" => file.overrides = self.overrides(value)?,
                _ => return Err(self.unknown_key(key, &[], TOP_LEVEL_KEYS)),
            }
        }
        Ok(file)
    }

    fn fail_on(&self, value: &Spanned<DeValue<'_>>) -> Result<Severity> {
        let text = self.string(value, &["fail-on"])?;
        Severity::parse(text).ok_or_else(|| {
            self.error(
                value.span(),
                Some(self.key(&["fail-on"])),
                format!("invalid `fail-on` value `{text}` (expected one of: {SEVERITIES})"),
            )
        })
    }

    /// `"off"` or a severity, for rule `id`.
    fn level(
        &self,
        value: &Spanned<DeValue<'_>>,
        segments: &[&str],
        id: &str,
    ) -> Result<RuleLevel> {
        let DeValue::String(text) = value.get_ref() else {
            return Err(self.wrong_type(value, segments, &format!("one of: {LEVELS}")));
        };
        RuleLevel::parse(text).ok_or_else(|| {
            self.error(
                value.span(),
                Some(self.key(segments)),
                format!("invalid severity `{text}` for rule `{id}` (expected one of: {LEVELS})"),
            )
        })
    }

    fn rule_id(&self, key: &Spanned<DeString<'_>>, segments: &[&str], place: &str) -> Result<()> {
        let id = key.get_ref();
        if is_known_rule(id) {
            return Ok(());
        }
        let hint = match suggest(id) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("known: {}", known_rule_ids().join(", ")),
        };
        Err(self.error(
            key.span(),
            Some(self.key(segments)),
            format!("unknown rule id `{id}` in {place} ({hint})"),
        ))
    }

    fn rules(&self, value: &Spanned<DeValue<'_>>) -> Result<BTreeMap<String, RuleSettings>> {
        let table = self.table(value, &["rules"])?;
        let place = format!("[{}]", self.key(&["rules"]));
        let mut rules = BTreeMap::new();
        for (key, value) in entries(table) {
            let id: &str = key.get_ref();
            let segments = ["rules", id];
            self.rule_id(key, &segments, &place)?;
            let settings = match value.get_ref() {
                DeValue::String(_) => RuleSettings {
                    level: Some(self.level(value, &segments, id)?),
                    options: toml::Table::new(),
                },
                DeValue::Table(table) => self.rule_table(id, table)?,
                _ => {
                    return Err(self.wrong_type(
                        value,
                        &segments,
                        &format!("a severity ({LEVELS}) or a table"),
                    ));
                }
            };
            rules.insert(id.to_string(), settings);
        }
        Ok(rules)
    }

    fn rule_table(&self, id: &str, table: &DeTable<'_>) -> Result<RuleSettings> {
        let accepted = RULE_OPTIONS
            .iter()
            .find(|(rule, _)| *rule == id)
            .map_or(&[][..], |(_, options)| options);
        let mut settings = RuleSettings::default();
        for (key, value) in entries(table) {
            let name: &str = key.get_ref();
            let segments = ["rules", id, name];
            if name == "severity" {
                settings.level = Some(self.level(value, &segments, id)?);
                continue;
            }
            let Some((_, option)) = accepted.iter().find(|(option, _)| *option == name) else {
                let expected: Vec<&str> = std::iter::once("severity")
                    .chain(accepted.iter().map(|(option, _)| *option))
                    .collect();
                return Err(self.error(
                    key.span(),
                    Some(self.key(&segments)),
                    format!(
                        "unknown option `{name}` for rule `{id}` (expected one of: {})",
                        expected.join(", ")
                    ),
                ));
            };
            let converted = self.option(value, &segments, *option)?;
            settings.options.insert(name.to_string(), converted);
        }
        Ok(settings)
    }

    fn option(
        &self,
        value: &Spanned<DeValue<'_>>,
        segments: &[&str],
        option: OptionKind,
    ) -> Result<toml::Value> {
        match option {
            OptionKind::Bool => match value.get_ref() {
                DeValue::Boolean(flag) => Ok(toml::Value::Boolean(*flag)),
                _ => Err(self.wrong_type(value, segments, "a boolean")),
            },
            OptionKind::Names => {
                let items = self.strings(value, segments)?;
                if let Some((_, span)) = items.iter().find(|(text, _)| text.is_empty()) {
                    let key = self.key(segments);
                    return Err(self.error(
                        span.clone(),
                        Some(key.clone()),
                        format!("`{key}` must not hold empty strings"),
                    ));
                }
                Ok(toml::Value::Array(
                    items
                        .into_iter()
                        .map(|(text, _)| toml::Value::String(text))
                        .collect(),
                ))
            }
            OptionKind::Seconds => {
                let seconds = match value.get_ref() {
                    DeValue::Integer(number) => {
                        i64::from_str_radix(number.as_str(), number.radix())
                            .ok()
                            .filter(|n| (1..=MAX_TIMEOUT_SECONDS).contains(n))
                            .map(toml::Value::Integer)
                    }
                    DeValue::Float(number) => number
                        .as_str()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| *n > 0.0 && *n <= MAX_TIMEOUT_SECONDS as f64)
                        .map(toml::Value::Float),
                    _ => return Err(self.wrong_type(value, segments, "a number of seconds")),
                };
                seconds.ok_or_else(|| {
                    let key = self.key(segments);
                    self.error(
                        value.span(),
                        Some(key.clone()),
                        format!(
                            "`{key}` must be a number of seconds above 0 and at most \
                             {MAX_TIMEOUT_SECONDS}"
                        ),
                    )
                })
            }
        }
    }

    fn files(&self, value: &Spanned<DeValue<'_>>, file: &mut ConfigFile) -> Result<()> {
        let table = self.table(value, &["files"])?;
        for (key, value) in entries(table) {
            match key.get_ref().as_ref() {
                "exclude" => file
                    .exclude
                    .extend(self.path_globs(value, &["files", "exclude"])?),
                "include" => file.include = self.path_globs(value, &["files", "include"])?,
                "scripts" => file.scripts = self.path_globs(value, &["files", "scripts"])?,
                _ => {
                    return Err(self.unknown_key(
                        key,
                        &["files"],
                        &["exclude", "include", "scripts"],
                    ));
                }
            }
        }
        Ok(())
    }

    fn env(&self, value: &Spanned<DeValue<'_>>, file: &mut ConfigFile) -> Result<()> {
        let table = self.table(value, &["env"])?;
        for (key, value) in entries(table) {
            match key.get_ref().as_ref() {
                "ignore" => file.env_ignore = self.name_globs(value, &["env", "ignore"])?,
                _ => return Err(self.unknown_key(key, &["env"], &["ignore"])),
            }
        }
        Ok(())
    }

    fn docker(&self, value: &Spanned<DeValue<'_>>, file: &mut ConfigFile) -> Result<()> {
        let table = self.table(value, &["docker"])?;
        for (key, value) in entries(table) {
            match key.get_ref().as_ref() {
                "target" => {
                    file.docker_target = Some(self.non_empty_string(value, &["docker", "target"])?);
                }
                "nonroot-images" => {
                    file.nonroot_images = self.name_globs(value, &["docker", "nonroot-images"])?;
                }
                "files" => file.docker_files = self.docker_files(value)?,
                _ => {
                    return Err(self.unknown_key(
                        key,
                        &["docker"],
                        &["target", "nonroot-images", "files"],
                    ));
                }
            }
        }
        Ok(())
    }

    fn docker_files(
        &self,
        value: &Spanned<DeValue<'_>>,
    ) -> Result<BTreeMap<String, DockerFileSettings>> {
        let table = self.table(value, &["docker", "files"])?;
        let mut files = BTreeMap::new();
        for (key, value) in entries(table) {
            let name: &str = key.get_ref();
            let segments = ["docker", "files", name];
            let joined = if self.base.is_empty() {
                name.to_string()
            } else {
                format!("{}/{name}", self.base)
            };
            let inside = |path: &String| {
                if self.base.is_empty() {
                    !path.is_empty()
                } else {
                    path.strip_prefix(self.base)
                        .is_some_and(|rest| rest.len() > 1 && rest.starts_with('/'))
                }
            };
            let path = normalize_rel(&joined).filter(inside);
            let Some(path) = path else {
                let key_text = self.key(&segments);
                return Err(self.error(
                    key.span(),
                    Some(key_text),
                    format!(
                        "`{name}` in [{}] must be a Dockerfile path inside the folder of the \
                         config file",
                        self.key(&["docker", "files"])
                    ),
                ));
            };
            let entry = self.table(value, &segments)?;
            let mut settings = DockerFileSettings::default();
            for (field, value) in entries(entry) {
                match field.get_ref().as_ref() {
                    "context" => {
                        settings.context = Some(
                            self.non_empty_string(value, &[&segments[..], &["context"]].concat())?,
                        );
                    }
                    "target" => {
                        settings.target = Some(
                            self.non_empty_string(value, &[&segments[..], &["target"]].concat())?,
                        );
                    }
                    _ => return Err(self.unknown_key(field, &segments, &["context", "target"])),
                }
            }
            files.insert(path, settings);
        }
        Ok(files)
    }

    fn overrides(&self, value: &Spanned<DeValue<'_>>) -> Result<Vec<Arc<Override>>> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(
                value,
                &["overrides"],
                "an array of tables ([[overrides]])",
            ));
        };
        let mut overrides = Vec::new();
        for (number, item) in items.iter().enumerate() {
            let name = format!("overrides[{number}]");
            let table = self.table(item, &[&name])?;
            let mut files = None;
            let mut rules = None;
            for (key, value) in entries(table) {
                match key.get_ref().as_ref() {
                    "files" => {
                        let segments = [name.as_str(), "files"];
                        let group = self.path_globs(value, &segments)?;
                        let Some(group) = group else {
                            let key_text = self.key(&segments);
                            return Err(self.error(
                                value.span(),
                                Some(key_text.clone()),
                                format!("`{key_text}` must list at least one glob"),
                            ));
                        };
                        files = Some(group);
                    }
                    "rules" => rules = Some(self.override_rules(value, &name)?),
                    _ => {
                        return Err(self.error(
                            key.span(),
                            Some(self.key(&[&name, key.get_ref()])),
                            format!(
                                "unknown key `{}` in [[{}]] (expected one of: files, rules)",
                                key.get_ref(),
                                self.key(&["overrides"])
                            ),
                        ));
                    }
                }
            }
            let missing = |what: &str| {
                self.error(
                    item.span(),
                    Some(self.key(&[&name])),
                    format!("[[{}]] entry needs `{what}`", self.key(&["overrides"])),
                )
            };
            let files = files.ok_or_else(|| missing("files"))?;
            let rules = rules.ok_or_else(|| missing("rules"))?;
            let mut globs = PathGlobs::default();
            globs.push(files);
            overrides.push(Arc::new(Override {
                files: globs,
                rules,
            }));
        }
        Ok(overrides)
    }

    fn override_rules(
        &self,
        value: &Spanned<DeValue<'_>>,
        name: &str,
    ) -> Result<BTreeMap<String, RuleLevel>> {
        let table = self.table(value, &[name, "rules"])?;
        let place = format!("[[{}]] rules", self.key(&["overrides"]));
        let mut rules = BTreeMap::new();
        for (key, value) in entries(table) {
            let id: &str = key.get_ref();
            let segments = [name, "rules", id];
            self.rule_id(key, &segments, &place)?;
            rules.insert(id.to_string(), self.level(value, &segments, id)?);
        }
        Ok(rules)
    }
}

/// Whether `id` names a rule: one of the contract's ids, or one the registry knows.
pub(crate) fn is_known_rule(id: &str) -> bool {
    KNOWN_RULE_IDS.contains(&id) || crate::rules::by_id(id).is_some()
}

/// Every known rule id, sorted.
fn known_rule_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = KNOWN_RULE_IDS
        .iter()
        .copied()
        .chain(crate::rules::all().iter().map(|rule| rule.id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The known id closest to a misspelt one, when it is close enough to be a typo.
fn suggest(id: &str) -> Option<&'static str> {
    if id.len() > 64 {
        return None;
    }
    known_rule_ids()
        .into_iter()
        .map(|known| (edit_distance(id, known), known))
        .filter(|(distance, known)| *distance <= (known.len() / 4).max(1))
        .min()
        .map(|(_, known)| known)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("debug-prnt", "debug-print"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("todo-coment", "todo-comment"), 1);
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(suggest("debug-prnt"), Some("debug-print"));
        assert_eq!(suggest("cors-wildcrd"), Some("cors-wildcard"));
        assert_eq!(suggest("no-console"), None);
        assert_eq!(suggest("x"), None);
    }

    #[test]
    fn keys_are_quoted_when_not_bare() {
        let mut out = String::new();
        push_segment(&mut out, "docker");
        push_segment(&mut out, "files");
        push_segment(&mut out, "deploy/api.Dockerfile");
        push_segment(&mut out, "a\"b");
        assert_eq!(out, r#"docker.files."deploy/api.Dockerfile"."a\"b""#);
        let mut out = String::new();
        push_segment(&mut out, "overrides[2]");
        push_segment(&mut out, "x[y]");
        assert_eq!(out, r#"overrides[2]."x[y]""#);
    }

    #[test]
    fn known_ids_include_the_contract_and_the_registry() {
        for rule in crate::rules::all() {
            assert!(is_known_rule(rule.id));
        }
        assert!(is_known_rule("invalid-ignore"));
        assert!(is_known_rule("entrypoint-target-missing"));
        assert!(!is_known_rule("debug-prnt"));
    }
}
