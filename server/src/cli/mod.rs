//! The command line: a thin adapter from arguments to a [`scan`](crate::scan) and from its report
//! to text.

mod check;
mod github;
mod human;
mod json;
mod progress;
mod report;
mod rules;
mod sarif;
mod write;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Path, line, column, rule: the order in which machine-readable formats list findings.
type OutputOrder<'a> = (&'a str, usize, usize, &'a str);

/// Exit code: nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage error, unreadable path or invalid configuration.
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "preflight",
    version,
    about = "Catches production-readiness anti-patterns in TypeScript, JavaScript, Python and Dockerfiles."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files and folders (default: the current folder).
    Check(check::CheckArgs),
    /// Write a production-readiness report: scores, checklist and findings per project.
    Report(report::ReportArgs),
    /// Run the language server on stdin/stdout.
    Lsp,
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Show a rule's documentation.
    Rule {
        /// The rule id, e.g. `cors-wildcard`.
        id: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

/// Runs the command line; the exit code follows the contract (0, 1 or 2).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    EXIT_OK
                }
                _ => EXIT_ERROR,
            });
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Report(args) => report::run(args),
        Command::Lsp => crate::lsp::run(),
        Command::Rules { format } => rules::list(format == ListFormat::Json),
        Command::Rule { id } => rules::show(&id),
    };
    ExitCode::from(code)
}

/// Prints an error in the house style and returns the usage-error exit code.
fn fail(message: impl std::fmt::Display) -> u8 {
    labelled("error", anstyle::AnsiColor::Red, message);
    EXIT_ERROR
}

/// Prints a warning in the house style; the run goes on.
fn warn(message: impl std::fmt::Display) {
    labelled("warning", anstyle::AnsiColor::Yellow, message);
}

/// `label: message` on stderr, the label bold and coloured on a terminal.
fn labelled(label: &str, color: anstyle::AnsiColor, message: impl std::fmt::Display) {
    let mut stderr = anstream::stderr();
    let style = anstyle::Style::new().bold().fg_color(Some(color.into()));
    let _ = std::io::Write::write_fmt(
        &mut stderr,
        format_args!("{style}{label}{style:#}: {message}\n"),
    );
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}
