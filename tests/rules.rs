//! Rule fixtures: every `tests/fixtures/<rule-id>/<case>/` folder is scanned as a project root with
//! only that rule enabled. `pos-*` cases must produce at least one finding of the rule, `neg-*`
//! cases none. Every fix is applied on its own and must not add a syntax error. The rendered
//! findings and fix results of all cases of a rule are one snapshot a reviewer can read:
//! `tests/snapshots/rules__<rule-id>.snap`.

use preflight::diagnostic::{Finding, FixSafety};
use preflight::engine::Engine;
use preflight::position::{ColumnUnit, LineIndex};
use preflight::scan::{ScanOptions, ScanReport, scan};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn case_dirs(rule: &str) -> Vec<PathBuf> {
    let dir = fixtures_dir().join(rule);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("rule `{rule}` has no fixtures at {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

fn scan_case(engine: &Engine, case: &Path) -> ScanReport {
    scan(&ScanOptions {
        paths: vec![case.to_path_buf()],
        engine,
        max_file_size: preflight::source::DEFAULT_MAX_FILE_SIZE,
        respect_ignore_files: true,
        threads: 1,
        working_dir: case.to_path_buf(),
        config: None,
        progress: None,
        cache: None,
    })
    .expect("fixture folders are readable")
}

fn syntax_errors(engine: &Engine, language: preflight_grammars::Language, text: &str) -> usize {
    preflight::engine::syntax_error_count(&engine.parse(language, text, None))
}

/// The lines a fix changes, as a small diff.
fn diff(before: &str, after: &str) -> String {
    let mut out = String::new();
    for change in similar::TextDiff::from_lines(before, after).iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => "-",
            similar::ChangeTag::Insert => "+",
            similar::ChangeTag::Equal => continue,
        };
        writeln!(
            out,
            "      {sign} {}",
            change.value().trim_end_matches(['\n', '\r'])
        )
        .unwrap();
    }
    if out.is_empty() {
        out.push_str("      (no visible change)\n");
    }
    out
}

fn render(
    engine: &Engine,
    case: &Path,
    file: &preflight::scan::FileReport,
    finding: &Finding,
    out: &mut String,
) {
    let text = &file.source.as_ref().unwrap().text;
    // Secrets never reach output, snapshots included: every occurrence of a value the finding
    // marks as secret is cut to its first four characters.
    let secrets: Vec<(&str, String)> = finding
        .redact
        .iter()
        .map(|range| {
            let secret = &text[range.clone()];
            (
                secret,
                preflight::diagnostic::redacted(secret, std::slice::from_ref(&(0..secret.len()))).0,
            )
        })
        .collect();
    let mask = |s: &str| {
        secrets.iter().fold(s.to_string(), |s, (secret, masked)| {
            s.replace(secret, masked)
        })
    };
    let index = LineIndex::new(text);
    let start = index.position(text, finding.range.start, ColumnUnit::Char);
    let end = index.position(text, finding.range.end, ColumnUnit::Char);
    writeln!(
        out,
        "  {}:{}:{}-{}:{} {} {}",
        file.path,
        start.line + 1,
        start.column + 1,
        end.line + 1,
        end.column + 1,
        finding.severity,
        finding.message
    )
    .unwrap();
    writeln!(
        out,
        "    | {}",
        mask(&text[index.line_range(text, start.line)])
    )
    .unwrap();
    for related in &finding.related {
        writeln!(out, "    related: {}: {}", related.path, related.message).unwrap();
    }
    for fix in &finding.fixes {
        let safety = match fix.safety {
            FixSafety::Safe => "safe",
            FixSafety::Unsafe => "unsafe",
        };
        writeln!(out, "    fix ({safety}): {}", fix.title).unwrap();
        let applied = preflight::fix::apply(text, &[fix]);
        assert_eq!(
            applied.applied, 1,
            "{}: fix `{}` has overlapping edits",
            file.path, fix.title
        );
        let before = syntax_errors(engine, file.language, text);
        let after = syntax_errors(engine, file.language, &applied.text);
        assert!(
            after <= before,
            "{}: fix `{}` adds a syntax error:\n{}",
            file.path,
            fix.title,
            applied.text
        );
        out.push_str(&mask(&diff(text, &applied.text)));
        // Other files the fix creates or extends, against what the case folder holds.
        for edit in &fix.file_edits {
            let current = std::fs::read_to_string(case.join(&edit.path)).ok();
            let after = preflight::diagnostic::FileEdit::apply_all(
                current.as_deref(),
                std::iter::once(&edit.change),
            );
            let state = if current.is_some() { "" } else { " (new)" };
            writeln!(out, "      {}{state}:", edit.path).unwrap();
            match after {
                Some(after) => out.push_str(&diff(current.as_deref().unwrap_or(""), &after)),
                None => out.push_str("      (no visible change)\n"),
            }
        }
    }
}

fn check_rule(rule_id: &str) {
    let rule = preflight::rules::by_id(rule_id).expect("known rule");
    let engine = Engine::with_rules(vec![rule]);
    let mut snapshot = String::new();
    let mut problems = Vec::new();
    for case in case_dirs(rule_id) {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let report = scan_case(&engine, &case);
        let found: Vec<_> = report
            .findings()
            .filter(|(_, f)| f.rule == rule_id)
            .collect();
        writeln!(snapshot, "{name}: {} finding(s)", found.len()).unwrap();
        for (file, finding) in &found {
            render(&engine, &case, file, finding, &mut snapshot);
        }
        match name.split('-').next() {
            Some("pos") if found.is_empty() => {
                problems.push(format!("{name}: expected findings, got none"))
            }
            Some("neg") if !found.is_empty() => {
                problems.push(format!("{name}: expected no finding, got {}", found.len()))
            }
            Some("pos" | "neg") => {}
            _ => problems.push(format!("{name}: case names start with `pos-` or `neg-`")),
        }
    }
    assert!(
        problems.is_empty(),
        "{rule_id}:\n{}\n\n{snapshot}",
        problems.join("\n")
    );
    insta::assert_snapshot!(rule_id, snapshot);
}

#[test]
fn every_rule_has_fixtures() {
    for rule in preflight::rules::all() {
        let cases = case_dirs(rule.id);
        let names: Vec<String> = cases
            .iter()
            .map(|c| c.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("pos-")),
            "{} has no pos- fixture",
            rule.id
        );
        assert!(
            names.iter().any(|n| n.starts_with("neg-")),
            "{} has no neg- fixture",
            rule.id
        );
    }
}

#[test]
fn cors_wildcard() {
    check_rule("cors-wildcard");
}

#[test]
fn debug_print() {
    check_rule("debug-print");
}

#[test]
fn hardcoded_secret() {
    check_rule("hardcoded-secret");
}

#[test]
fn swallowed_error() {
    check_rule("swallowed-error");
}

#[test]
fn sql_injection() {
    check_rule("sql-injection");
}

#[test]
fn tls_verify_disabled() {
    check_rule("tls-verify-disabled");
}

#[test]
fn request_without_timeout() {
    check_rule("request-without-timeout");
}

#[test]
fn debug_mode() {
    check_rule("debug-mode");
}

#[test]
fn todo_comment() {
    check_rule("todo-comment");
}

#[test]
fn malformed_entrypoint() {
    check_rule("malformed-entrypoint");
}

#[test]
fn dev_server_in_production() {
    check_rule("dev-server-in-production");
}

#[test]
fn shell_form_entrypoint() {
    check_rule("shell-form-entrypoint");
}

#[test]
fn container_runs_as_root() {
    check_rule("container-runs-as-root");
}

#[test]
fn unpinned_base_image() {
    check_rule("unpinned-base-image");
}

#[test]
fn missing_healthcheck() {
    check_rule("missing-healthcheck");
}

#[test]
fn secret_in_image() {
    check_rule("secret-in-image");
}

#[test]
fn missing_error_handler() {
    check_rule("missing-error-handler");
}

#[test]
fn missing_rate_limit() {
    check_rule("missing-rate-limit");
}

#[test]
fn missing_security_headers() {
    check_rule("missing-security-headers");
}

#[test]
fn missing_health_check() {
    check_rule("missing-health-check");
}

#[test]
fn missing_env_example() {
    check_rule("missing-env-example");
}

#[test]
fn env_not_documented() {
    check_rule("env-not-documented");
}

#[test]
fn entrypoint_target_missing() {
    check_rule("entrypoint-target-missing");
}
