//! `--format human`: code frames (annotate-snippets), colours only on a terminal (anstream
//! honours `NO_COLOR` and strips styles from pipes), notes, and a summary line.

use super::write::FixSummary;
use crate::diagnostic::{Finding, FixSafety, Severity, redacted};
use crate::position::LineIndex;
use crate::scan::{FileReport, ScanReport};
use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use std::io::Write;
use std::time::Duration;

/// Lines of source shown at most for one finding.
const MAX_FRAME_LINES: usize = 6;

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
        Severity::Hint => Level::NOTE.with_name("hint"),
    }
}

/// Renders one finding as a code frame.
fn render_finding(
    renderer: &Renderer,
    file: &FileReport,
    index: &LineIndex,
    finding: &Finding,
    unsafe_enabled: bool,
) -> String {
    let text = &file
        .source
        .as_ref()
        .expect("files with findings keep their text")
        .text;
    let first = index.line_of(finding.range.start);
    let last = index
        .line_of(finding.range.end.saturating_sub(1).max(finding.range.start))
        .min(first + MAX_FRAME_LINES - 1);
    let start = index.line_range(text, first).start;
    let end = index.line_range(text, last).end;
    let redact: Vec<_> = finding
        .redact
        .iter()
        .filter(|r| r.start >= start && r.end <= end)
        .map(|r| r.start - start..r.end - start)
        .collect();
    let (frame, map) = redacted(&text[start..end], &redact);
    let frame = frame.as_str();
    let span_start = map(finding.range.start - start);
    let span_end = map(finding.range.end.clamp(finding.range.start, end) - start).max(span_start);
    let mut group = level(finding.severity)
        .primary_title(finding.message.as_str())
        .id(finding.rule)
        .element(
            Snippet::source(frame)
                .line_start(first + 1)
                .path(file.path.as_str())
                .annotation(AnnotationKind::Primary.span(span_start..span_end)),
        );
    for related in &finding.related {
        group =
            group.element(Level::NOTE.message(format!("{}: {}", related.path, related.message)));
    }
    if let Some(fix) = finding.fixes.first() {
        let how = match fix.safety {
            FixSafety::Safe => "safe fix, applied by `--fix`".to_string(),
            FixSafety::Unsafe if unsafe_enabled => {
                "unsafe fix, applied by `--fix --unsafe-fixes`".into()
            }
            FixSafety::Unsafe => "unsafe fix, applied only by `--fix --unsafe-fixes`".into(),
        };
        group = group.element(Level::HELP.message(format!("{} ({how})", fix.title)));
    }
    renderer.render(&[group])
}

/// Writes the report to `out`, which strips the styles unless it is a terminal that shows them.
pub(super) fn print(
    out: &mut dyn Write,
    report: &ScanReport,
    fixed: &FixSummary,
    unsafe_enabled: bool,
    elapsed: Duration,
) {
    let renderer = Renderer::styled();
    let mut counts = [0usize; 4];
    let mut files_with_findings = 0;
    let mut safe_fixable = 0;
    let mut unsafe_fixable = 0;
    for file in &report.files {
        if file.findings.is_empty() {
            continue;
        }
        files_with_findings += 1;
        let text = &file.source.as_ref().expect("kept").text;
        let index = LineIndex::new(text);
        for finding in &file.findings {
            counts[finding.severity as usize] += 1;
            if finding.fixable(false) {
                safe_fixable += 1;
            } else if finding.fixable(true) {
                unsafe_fixable += 1;
            }
            let _ = writeln!(
                out,
                "{}\n",
                render_finding(&renderer, file, &index, finding, unsafe_enabled)
            );
        }
    }
    let note_style = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Cyan.into()));
    for note in &report.notes {
        let _ = writeln!(
            out,
            "{note_style}note{note_style:#}: {}: {}",
            note.path, note.message
        );
    }
    let bold = anstyle::Style::new().bold();
    if fixed.applied > 0 {
        let _ = writeln!(
            out,
            "{bold}Fixed {} {} in {} {}.{bold:#}",
            fixed.applied,
            plural(fixed.applied, "problem", "problems"),
            fixed.files,
            plural(fixed.files, "file", "files")
        );
    }
    let total: usize = counts.iter().sum();
    let checked = report.files.len();
    let seconds = elapsed.as_secs_f64();
    if total == 0 {
        let _ = writeln!(
            out,
            "{bold}No problems found.{bold:#} Checked {checked} {} in {seconds:.2}s.",
            plural(checked, "file", "files")
        );
        return;
    }
    let mut parts = Vec::new();
    for (severity, singular, many) in [
        (Severity::Error, "error", "errors"),
        (Severity::Warning, "warning", "warnings"),
        (Severity::Info, "info", "info"),
        (Severity::Hint, "hint", "hints"),
    ] {
        let n = counts[severity as usize];
        if n > 0 {
            parts.push(format!("{n} {}", plural(n, singular, many)));
        }
    }
    let _ = writeln!(
        out,
        "{bold}Found {total} {} ({}) in {files_with_findings} {}.{bold:#} Checked {checked} {} in {seconds:.2}s.",
        plural(total, "problem", "problems"),
        parts.join(", "),
        plural(files_with_findings, "file", "files"),
        plural(checked, "file", "files"),
    );
    if safe_fixable > 0 {
        let _ = writeln!(out, "{safe_fixable} fixable with `--fix`.");
    }
    if unsafe_fixable > 0 {
        let _ = writeln!(
            out,
            "{unsafe_fixable} more fixable with `--fix --unsafe-fixes`."
        );
    }
}

pub(super) fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
