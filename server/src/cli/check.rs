//! `preflight check`.

use super::write::FixSummary;
use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, current_dir, fail};
use crate::cache::Cache;
use crate::diagnostic::Severity;
use crate::engine::Engine;
use crate::rules::{self, Rule};
use crate::scan::{self, ScanOptions, ScanReport};
use clap::{Args, ValueEnum};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub(super) struct CheckArgs {
    /// Files and folders to scan [default: .].
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Apply safe fixes in place.
    #[arg(long)]
    fix: bool,
    /// Read one file's text from stdin and report it as if it were PATH, which need not exist:
    /// the language and the configuration come from PATH. Project-level rules (missing error
    /// handler, rate limit, health check…) need a whole project and do not run. With `--fix`,
    /// the fixed text goes to stdout and the report to stderr.
    #[arg(long, value_name = "PATH", conflicts_with = "show_settings")]
    stdin_filename: Option<PathBuf>,
    /// With `--fix`, apply unsafe fixes too.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    ignore: Vec<String>,
    /// Exit with 1 when a finding has at least this severity [default: the configuration's
    /// `fail-on`, else warning].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Use this configuration file instead of discovering `preflight.toml` files.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the effective configuration for a file and exit.
    #[arg(long, value_name = "PATH")]
    show_settings: Option<PathBuf>,
    /// Do not honour `.gitignore`, `.ignore` and `.preflightignore`.
    #[arg(long)]
    no_ignore: bool,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Skip files larger than this many bytes.
    #[arg(long, default_value_t = crate::source::DEFAULT_MAX_FILE_SIZE, value_name = "BYTES")]
    max_file_size: u64,
    #[command(flatten)]
    cache: CacheArgs,
}

/// Where the results of unchanged files are kept between runs (`check` and `report`).
#[derive(Debug, clap::Args)]
pub(super) struct CacheArgs {
    /// Analyse every file afresh: neither read nor write the cache of results of unchanged
    /// files (kept in `.preflight_cache` in the current folder).
    #[arg(long, env = "PREFLIGHT_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    no_cache: bool,
    /// Keep the cache in this folder instead of `.preflight_cache` in the current folder.
    #[arg(long, value_name = "DIR", env = "PREFLIGHT_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
}

impl CacheArgs {
    /// The result cache: `--cache-dir`, else `.preflight_cache` in the working directory, else
    /// a folder of the user's cache directory; none with `--no-cache`. A cache that cannot be
    /// written is no reason to stop: the scan runs without one (with a warning when the folder
    /// was named).
    pub(super) fn open(&self, working_dir: &std::path::Path) -> Option<Cache> {
        if self.no_cache {
            return None;
        }
        let Some(dir) = &self.cache_dir else {
            return Cache::for_working_dir(working_dir);
        };
        match Cache::in_dir(&working_dir.join(dir)) {
            Ok(cache) => Some(cache),
            Err(error) => {
                super::warn(format_args!(
                    "not caching results: cannot write to `{}`: {error}",
                    dir.display()
                ));
                None
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Code frames and a summary, coloured on a terminal.
    Human,
    /// One JSON object with every diagnostic.
    Json,
    /// A SARIF 2.1.0 log, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands, shown as annotations on pull requests.
    Github,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum FailOn {
    Error,
    Warning,
    Info,
    Hint,
}

impl FailOn {
    pub(super) fn severity(self) -> Severity {
        match self {
            Self::Error => Severity::Error,
            Self::Warning => Severity::Warning,
            Self::Info => Severity::Info,
            Self::Hint => Severity::Hint,
        }
    }
}

/// Resolves `--select`/`--ignore` into the rules to run.
fn selected_rules(select: &[String], ignore: &[String]) -> Result<Vec<&'static Rule>, String> {
    for id in select.iter().chain(ignore) {
        if rules::by_id(id).is_none() {
            return Err(format!("unknown rule `{id}` (see `preflight rules`)"));
        }
    }
    Ok(rules::all()
        .iter()
        .copied()
        .filter(|rule| select.is_empty() || select.iter().any(|id| id == rule.id))
        .filter(|rule| !ignore.iter().any(|id| id == rule.id))
        .collect())
}

pub(super) fn run(args: CheckArgs) -> u8 {
    let started = Instant::now();
    let rules = match selected_rules(&args.select, &args.ignore) {
        Ok(rules) => rules,
        Err(message) => return fail(message),
    };
    if args.unsafe_fixes && !args.fix {
        return fail("`--unsafe-fixes` applies fixes only together with `--fix`");
    }
    if let Some(path) = &args.show_settings {
        return show_settings(path, args.config.as_deref());
    }
    if args.stdin_filename.is_some() && !args.paths.is_empty() {
        return fail("`--stdin-filename` reads one file from stdin; name no PATHS with it");
    }
    let engine = Engine::with_rules(rules);
    let working_dir = current_dir();
    let cache = if args.stdin_filename.is_some() {
        None
    } else {
        args.cache.open(&working_dir)
    };
    let progress = super::progress::Progress::on_terminal();
    let report_progress = |done: usize, total: usize| {
        if let Some(progress) = &progress {
            progress.update(done, total);
        }
    };
    let options = ScanOptions {
        paths: if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        },
        engine: &engine,
        max_file_size: args.max_file_size,
        respect_ignore_files: !args.no_ignore,
        threads: args.threads,
        working_dir,
        config: args.config.clone(),
        progress: Some(&report_progress),
        cache: cache.as_ref(),
    };
    let outcome = match &args.stdin_filename {
        Some(path) => scan_stdin(&options, path, args.fix, args.unsafe_fixes),
        None if args.fix => {
            super::write::fix_until_stable(&options, args.unsafe_fixes).map_err(|e| e.to_string())
        }
        None => scan::scan(&options)
            .map(|report| (report, FixSummary::default()))
            .map_err(|e| e.to_string()),
    };
    if let Some(progress) = &progress {
        progress.finish();
    }
    let (report, fixed) = match outcome {
        Ok(outcome) => outcome,
        Err(error) => return fail(error),
    };
    let elapsed = started.elapsed();
    // With the fixed text of stdin on stdout, the report goes to stderr.
    let mut out: Box<dyn Write> = if args.stdin_filename.is_some() && args.fix {
        Box::new(anstream::stderr().lock())
    } else {
        Box::new(anstream::stdout().lock())
    };
    let rendered = match args.format {
        Format::Human => {
            super::human::print(&mut out, &report, &fixed, args.unsafe_fixes, elapsed);
            String::new()
        }
        Format::Json => super::json::render(&report) + "\n",
        Format::Sarif => super::sarif::render(&report, &options.working_dir) + "\n",
        Format::Github => super::github::render(&report),
    };
    let _ = out.write_all(rendered.as_bytes());
    let _ = out.flush();
    if fixed.write_errors > 0 {
        return EXIT_ERROR;
    }
    if report.internal_errors > 0 {
        if args.format != Format::Human {
            print_notes_to_stderr(&report);
        }
        return fail(internal_errors_message(report.internal_errors));
    }
    let fails = |file: &crate::scan::FileReport, severity: Severity| {
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

/// The notes of a report whose output has no place for them.
pub(super) fn print_notes_to_stderr(report: &ScanReport) {
    for note in &report.notes {
        eprintln!("note: {}: {}", note.path, note.message);
    }
}

/// The error closing a report some of whose files or projects could not be analysed.
pub(super) fn internal_errors_message(count: usize) -> String {
    format!(
        "the analysis of {count} {} failed with an internal error (see the notes); the \
         report is incomplete",
        super::human::plural(count, "file or project", "files or projects")
    )
}

/// `--stdin-filename PATH`: analyses stdin as PATH; with `--fix`, writes the fixed text to
/// stdout.
fn scan_stdin(
    options: &ScanOptions<'_>,
    path: &std::path::Path,
    fix: bool,
    unsafe_fixes: bool,
) -> Result<(ScanReport, FixSummary), String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read stdin: {error}"))?;
    let source =
        crate::source::decode(bytes).map_err(|error| format!("cannot read stdin: {error}"))?;
    if !fix {
        let report = scan::scan_text(options, path, source).map_err(|e| e.to_string())?;
        return Ok((report, FixSummary::default()));
    }
    let (fixed, report, summary) =
        super::write::fix_text_until_stable(options, path, source, unsafe_fixes)
            .map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&fixed.encode(&fixed.text))
        .and_then(|()| stdout.flush())
        .map_err(|error| format!("cannot write the fixed text: {error}"))?;
    Ok((report, summary))
}

/// `--show-settings PATH`: the configuration in force for one file, as JSON.
fn show_settings(path: &std::path::Path, explicit: Option<&std::path::Path>) -> u8 {
    let cwd = current_dir();
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let root = if absolute.starts_with(&cwd) {
        cwd.clone()
    } else {
        absolute
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    };
    let settings = crate::config::ConfigResolver::new(&root, explicit)
        .and_then(|resolver| resolver.for_path(&absolute));
    match settings {
        Ok(settings) => {
            let rendered = serde_json::to_string_pretty(&settings.to_json()).unwrap_or_default();
            println!("{rendered}");
            EXIT_OK
        }
        Err(error) => fail(format_args!("invalid configuration: {error}")),
    }
}
