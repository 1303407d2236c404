//! `preflight report`: the readiness review a reviewer would write, generated from a scan.
//!
//! A thin adapter over [`scan`](crate::scan): the scan's files are grouped into their projects,
//! every rule that ran on a project becomes one line of its checklist (worded by
//! [`checks`]), and the checklist gives each category its score. Rendering lives in
//! [`markdown`] and [`html`]; both read only the [`Readiness`] model built here, so they cannot
//! disagree. Only rule messages and paths reach the output, never source text, so a secret
//! cannot leak into a report (messages are redacted by the rules themselves).

mod checks;
mod html;
mod markdown;

use super::check::FailOn;
use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, current_dir, fail};
use crate::diagnostic::{Category, Severity};
use crate::engine::Engine;
use crate::position::{ColumnUnit, LineIndex};
use crate::rules::{self, Rule};
use crate::scan::{self, FileReport, Note, ScanOptions, ScanReport};
use checks::CheckText;
use clap::{Args, ValueEnum};
use preflight_grammars::LanguageFamily;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

#[derive(Args)]
pub(super) struct ReportArgs {
    /// Files and folders to scan.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    /// Write the report to this file instead of standard output (links are made relative to it).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit with 1 when a finding has at least this severity [default: the configuration's
    /// `fail-on`, else warning].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Use this configuration file instead of discovering `preflight.toml` files.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Do not honour `.gitignore`, `.ignore` and `.preflightignore`.
    #[arg(long)]
    no_ignore: bool,
    #[command(flatten)]
    cache: super::check::CacheArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Markdown,
    Html,
}

/// The categories in the order the report lists them.
pub(super) const CATEGORIES: [Category; 5] = [
    Category::Security,
    Category::Reliability,
    Category::Observability,
    Category::Deployment,
    Category::Performance,
];

/// How many failing checks "What to do first" lists per project.
const FIRST_STEPS: usize = 5;

/// How much a failing check takes off its category's score, by its worst finding's severity.
pub(super) fn penalty(severity: Severity) -> u32 {
    match severity {
        Severity::Error => 40,
        Severity::Warning => 20,
        Severity::Info => 5,
        Severity::Hint => 2,
    }
}

/// How urgent a finding's severity is when ordering "What to do first".
pub(super) fn severity_weight(severity: Severity) -> u32 {
    match severity {
        Severity::Error => 4,
        Severity::Warning => 2,
        Severity::Info | Severity::Hint => 1,
    }
}

/// How urgent a category is when ordering "What to do first": a leaked credential or an image
/// that cannot start outranks a stray `console.log` of the same severity.
pub(super) fn category_weight(category: Category) -> u32 {
    match category {
        Category::Security => 5,
        Category::Deployment => 4,
        Category::Reliability => 3,
        Category::Observability | Category::Performance => 2,
    }
}

/// Everything a report shows, in the order it shows it.
pub(super) struct Readiness {
    pub projects: Vec<ProjectReadiness>,
    /// Files analysed, in every project.
    pub files: usize,
    /// Files that could not be analysed, with why.
    pub notes: Vec<Note>,
}

/// One project: its checklist, scores, findings and first steps.
pub(super) struct ProjectReadiness {
    /// The project's folder relative to the working directory (`.` for the directory itself).
    pub name: String,
    /// Languages of its analysed files, by stable name.
    pub languages: Vec<&'static str>,
    pub files: usize,
    /// One line per rule that ran on the project, by category then registry order.
    pub checks: Vec<CheckResult>,
    /// Findings by category (registry order of categories, then unknown rules last), each sorted
    /// by path, line, column and rule.
    pub findings: Vec<Finding>,
    /// Score of each category, in [`CATEGORIES`] order; `None` when no check of it applied.
    pub scores: Vec<(Category, Option<u32>)>,
    /// The mean of the category scores.
    pub overall: Option<u32>,
    /// Indices into `checks` of the failing checks to fix first, most urgent first.
    pub first: Vec<usize>,
}

impl ProjectReadiness {
    /// The findings of one check.
    pub fn findings_of<'a>(&'a self, check: &'a CheckResult) -> impl Iterator<Item = &'a Finding> {
        self.findings
            .iter()
            .filter(move |finding| finding.rule == check.rule.id)
    }
}

/// One line of a checklist.
pub(super) struct CheckResult {
    pub rule: &'static Rule,
    pub text: CheckText,
    /// How many findings the rule reported in the project: 0 means the check passes.
    pub places: usize,
    /// The most severe of those findings.
    pub worst: Option<Severity>,
}

impl CheckResult {
    pub fn passed(&self) -> bool {
        self.places == 0
    }

    /// The urgency of a failing check: its worst severity's weight times its category's.
    pub fn priority(&self) -> u32 {
        self.worst.map_or(0, severity_weight) * category_weight(self.rule.category)
    }
}

/// One finding as the report shows it: where, what, and a link there.
pub(super) struct Finding {
    pub rule: &'static str,
    /// `None` for findings that are not a rule's (a bad suppression comment).
    pub category: Option<Category>,
    pub severity: Severity,
    /// Relative to the working directory, `/`-separated.
    pub path: String,
    /// The file relative to where the report is written, for links.
    pub link: String,
    /// 1-based, columns in characters.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// How the scores are computed, in words, for the top of every report (and `docs/report.md`).
pub(super) const SCORING: &str = "A category starts at 100 and each failing check takes off 40 \
     when its worst finding is an error, 20 for a warning, 5 for info and 2 for a hint (never \
     below 0); the overall score is the mean of the categories that had checks, and — means no \
     check of that category applied. \"What to do first\" orders failing checks by their worst \
     severity (error 4, warning 2, info and hint 1) times their category's weight (security 5, \
     deployment 4, reliability 3, observability and performance 2).";

/// A category's score: 100 less the penalty of each failing check, at least 0; `None` without
/// checks.
fn score<'a>(checks: impl Iterator<Item = &'a CheckResult>) -> Option<u32> {
    let mut any = false;
    let mut lost = 0;
    for check in checks {
        any = true;
        lost += check.worst.map_or(0, penalty);
    }
    any.then(|| 100u32.saturating_sub(lost))
}

/// The overall score: the mean of the categories that have a score, rounded to the nearest
/// integer.
fn overall(scores: &[(Category, Option<u32>)]) -> Option<u32> {
    let known: Vec<u32> = scores.iter().filter_map(|(_, s)| *s).collect();
    let n = known.len() as u32;
    (n > 0).then(|| (2 * known.iter().sum::<u32>() + n) / (2 * n))
}

/// Builds the report model from a scan. `named_files` are the files named on the command line
/// (absolute): project-level rules do not run for a file named alone. Links are made relative
/// to `link_base` (absolute).
pub(super) fn build(
    report: &ScanReport,
    rules: &[&'static Rule],
    working_dir: &Path,
    named_files: &BTreeSet<PathBuf>,
    link_base: &Path,
) -> Readiness {
    struct Gathered<'r> {
        files: Vec<&'r FileReport>,
        families: BTreeSet<LanguageFamily>,
        languages: BTreeSet<&'static str>,
        /// Some file came from a folder walk, so project-level rules ran.
        whole: bool,
    }
    let mut projects: BTreeMap<String, Gathered> = BTreeMap::new();
    for file in &report.files {
        let entry = projects
            .entry(project_name(file))
            .or_insert_with(|| Gathered {
                files: Vec::new(),
                families: BTreeSet::new(),
                languages: BTreeSet::new(),
                whole: false,
            });
        entry.files.push(file);
        entry.families.insert(file.language.family());
        entry.languages.insert(file.language.name());
        let absolute = normalize(&working_dir.join(&file.abs_path));
        entry.whole |= !named_files.contains(&absolute);
    }

    let projects = projects
        .into_iter()
        .map(|(name, gathered)| {
            let mut findings = Vec::new();
            for file in &gathered.files {
                findings.extend(findings_of(file, working_dir, link_base));
            }
            let category_rank = |c: Option<Category>| {
                c.and_then(|c| CATEGORIES.iter().position(|&k| k == c))
                    .unwrap_or(CATEGORIES.len())
            };
            findings.sort_by(|a, b| {
                (category_rank(a.category), &a.path, a.line, a.column, a.rule).cmp(&(
                    category_rank(b.category),
                    &b.path,
                    b.line,
                    b.column,
                    b.rule,
                ))
            });

            let applies = |rule: &Rule| {
                (gathered.whole || !rule.is_project_rule())
                    && gathered.files.iter().any(|file| {
                        rule.languages.contains(&file.language.family())
                            && file
                                .config
                                .severity(rule.id, rule.severity, &file.config_rel)
                                .is_some()
                    })
            };
            let mut checks: Vec<CheckResult> = rules
                .iter()
                .copied()
                .filter(|rule| applies(rule))
                .map(|rule| {
                    let mine = findings.iter().filter(|f| f.rule == rule.id);
                    CheckResult {
                        rule,
                        text: checks::for_rule(rule.id, rule.summary),
                        places: mine.clone().count(),
                        worst: mine.map(|f| f.severity).max(),
                    }
                })
                .collect();
            // A rule turned off for every file of the project may still have been reported by
            // an override elsewhere; whatever was reported counts.
            for finding in &findings {
                if !checks.iter().any(|c| c.rule.id == finding.rule)
                    && let Some(rule) = rules::by_id(finding.rule)
                {
                    let mine = findings.iter().filter(|f| f.rule == rule.id);
                    checks.push(CheckResult {
                        rule,
                        text: checks::for_rule(rule.id, rule.summary),
                        places: mine.clone().count(),
                        worst: mine.map(|f| f.severity).max(),
                    });
                }
            }
            let registry_rank = |rule: &Rule| {
                rules::all()
                    .iter()
                    .position(|r| r.id == rule.id)
                    .unwrap_or(usize::MAX)
            };
            checks.sort_by_key(|c| (category_rank(Some(c.rule.category)), registry_rank(c.rule)));

            let scores: Vec<(Category, Option<u32>)> = CATEGORIES
                .iter()
                .map(|&category| {
                    (
                        category,
                        score(checks.iter().filter(|c| c.rule.category == category)),
                    )
                })
                .collect();
            let overall = overall(&scores);
            let mut first: Vec<usize> =
                (0..checks.len()).filter(|&i| !checks[i].passed()).collect();
            first.sort_by(|&a, &b| {
                let (a, b) = (&checks[a], &checks[b]);
                b.priority()
                    .cmp(&a.priority())
                    .then(b.places.cmp(&a.places))
                    .then(registry_rank(a.rule).cmp(&registry_rank(b.rule)))
            });
            first.truncate(FIRST_STEPS);

            ProjectReadiness {
                name,
                languages: gathered.languages.into_iter().collect(),
                files: gathered.files.len(),
                checks,
                findings,
                scores,
                overall,
                first,
            }
        })
        .collect();
    Readiness {
        projects,
        files: report.files.len(),
        notes: report.notes.clone(),
    }
}

/// The findings of one file as the report shows them.
fn findings_of(file: &FileReport, working_dir: &Path, link_base: &Path) -> Vec<Finding> {
    let Some(source) = &file.source else {
        return Vec::new();
    };
    let index = LineIndex::new(&source.text);
    let link = relative_link(link_base, &normalize(&working_dir.join(&file.abs_path)));
    file.findings
        .iter()
        .map(|finding| {
            let at = index.position(&source.text, finding.range.start, ColumnUnit::Char);
            Finding {
                rule: finding.rule,
                category: rules::by_id(finding.rule).map(|rule| rule.category),
                severity: finding.severity,
                path: file.path.clone(),
                link: link.clone(),
                line: at.line + 1,
                column: at.column + 1,
                message: finding.message.clone(),
            }
        })
        .collect()
}

/// The folder of the file's project, relative to the working directory; `.` for the directory
/// itself.
fn project_name(file: &FileReport) -> String {
    // `path` is relative to the working directory and ends with `rel_path`, which is relative
    // to the scanned folder: what comes before is the scanned folder.
    let root = file
        .path
        .strip_suffix(file.rel_path.as_str())
        .unwrap_or("")
        .trim_end_matches('/');
    let name = match (root, file.project.as_str()) {
        ("", project) => project.to_string(),
        (root, "") => root.to_string(),
        (root, project) => format!("{root}/{project}"),
    };
    if name.is_empty() { ".".into() } else { name }
}

/// `path` with `.` and `..` components resolved lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A `/`-separated relative path from folder `base` to `target` (both absolute and normalised).
fn relative_link(base: &Path, target: &Path) -> String {
    let base: Vec<Component> = base.components().collect();
    let target: Vec<Component> = target.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); base.len() - common];
    parts.extend(
        target[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// A message split at its backticks into plain text (`false`) and code spans (`true`). With an
/// odd number of backticks the whole message is plain text, so each renderer escapes it all.
pub(super) fn message_parts(message: &str) -> Vec<(bool, &str)> {
    if message.matches('`').count() % 2 == 1 {
        return vec![(false, message)];
    }
    message
        .split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| (i % 2 == 1, part))
        .collect()
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename, so a
/// failure never leaves half a report.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

pub(super) fn run(args: ReportArgs) -> u8 {
    let working_dir = current_dir();
    let engine = Engine::new();
    let cache = args.cache.open(&working_dir);
    let options = ScanOptions {
        paths: args.paths.clone(),
        engine: &engine,
        max_file_size: crate::source::DEFAULT_MAX_FILE_SIZE,
        respect_ignore_files: !args.no_ignore,
        threads: 0,
        working_dir: working_dir.clone(),
        config: args.config.clone(),
        progress: None,
        cache: cache.as_ref(),
    };
    let report = match scan::scan(&options) {
        Ok(report) => report,
        Err(error) => return fail(error),
    };
    let named_files: BTreeSet<PathBuf> = args
        .paths
        .iter()
        .filter(|path| path.is_file())
        .map(|path| normalize(&working_dir.join(path)))
        .collect();
    let link_base = match &args.output {
        Some(output) => normalize(&working_dir.join(output))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| working_dir.clone()),
        None => normalize(&working_dir),
    };
    let readiness = build(
        &report,
        engine.rules(),
        &working_dir,
        &named_files,
        &link_base,
    );
    let text = match args.format {
        ReportFormat::Markdown => markdown::render(&readiness),
        ReportFormat::Html => html::render(&readiness),
    };
    match &args.output {
        Some(path) => {
            if let Err(error) = write_new(path, &text) {
                return fail(format_args!("cannot write `{}`: {error}", path.display()));
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            if out.write_all(text.as_bytes()).is_err() {
                return EXIT_ERROR;
            }
        }
    }
    if report.internal_errors > 0 {
        super::check::print_notes_to_stderr(&report);
        return fail(super::check::internal_errors_message(
            report.internal_errors,
        ));
    }
    let fails = |file: &FileReport, severity: Severity| {
        let threshold = args
            .fail_on
            .map(FailOn::severity)
            .or(file.fail_on)
            .unwrap_or(Severity::Warning);
        severity >= threshold
    };
    if report.findings().any(|(file, f)| fails(file, f.severity)) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_to_the_report() {
        let link = |base: &str, target: &str| relative_link(Path::new(base), Path::new(target));
        assert_eq!(link("/w", "/w/api/main.ts"), "api/main.ts");
        assert_eq!(link("/w/reports", "/w/api/main.ts"), "../api/main.ts");
        assert_eq!(link("/w/a/b", "/w/c.ts"), "../../c.ts");
        assert_eq!(normalize(Path::new("/w/./x/../y")), Path::new("/w/y"));
    }

    fn check(severity: Severity, places: usize) -> CheckResult {
        let rule = rules::all()
            .iter()
            .copied()
            .find(|r| r.severity == severity)
            .expect("a rule of that severity");
        CheckResult {
            rule,
            text: checks::for_rule(rule.id, rule.summary),
            places,
            worst: (places > 0).then_some(severity),
        }
    }

    #[test]
    fn a_score_is_100_less_the_penalties_of_failing_checks() {
        assert_eq!(score([].iter()), None);
        let checks = [
            check(Severity::Error, 0),
            check(Severity::Warning, 3),
            check(Severity::Info, 1),
        ];
        assert_eq!(score(checks.iter()), Some(100 - 20 - 5));
        assert_eq!(score([check(Severity::Error, 0)].iter()), Some(100));
        let errors = [
            check(Severity::Error, 1),
            check(Severity::Error, 2),
            check(Severity::Error, 1),
        ];
        assert_eq!(score(errors.iter()), Some(0), "never below 0");
    }

    #[test]
    fn the_overall_score_is_the_mean_of_the_scored_categories() {
        let scores = [
            (Category::Security, Some(60)),
            (Category::Reliability, Some(75)),
            (Category::Performance, None),
        ];
        assert_eq!(overall(&scores), Some(68));
        assert_eq!(overall(&[(Category::Security, None)]), None);
    }
}
