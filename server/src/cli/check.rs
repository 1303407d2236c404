//! `preflight check`.

use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, current_dir, fail};
use crate::diagnostic::Severity;
use crate::engine::Engine;
use crate::rules::{self, Rule};
use crate::scan::{self, ScanOptions};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub(super) struct CheckArgs {
    /// Files and folders to scan.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Apply safe fixes in place.
    #[arg(long)]
    fix: bool,
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
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
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
    let engine = Engine::with_rules(rules);
    let options = ScanOptions {
        paths: args.paths.clone(),
        engine: &engine,
        max_file_size: args.max_file_size,
        respect_ignore_files: !args.no_ignore,
        threads: args.threads,
        working_dir: current_dir(),
        config: args.config.clone(),
        progress: None,
    };
    let outcome = if args.fix {
        super::write::fix_until_stable(&options, args.unsafe_fixes)
    } else {
        scan::scan(&options).map(|report| (report, super::write::FixSummary::default()))
    };
    let (report, fixed) = match outcome {
        Ok(outcome) => outcome,
        Err(error) => return fail(error),
    };
    let elapsed = started.elapsed();
    match args.format {
        Format::Human => super::human::print(&report, &fixed, args.unsafe_fixes, elapsed),
        Format::Json => super::json::print(&report),
    }
    if fixed.write_errors > 0 {
        return EXIT_ERROR;
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
