//! `--format sarif`: one SARIF 2.1.0 log on stdout, for code-scanning services (GitHub code
//! scanning, Azure DevOps, SonarQube, DefectDojo…).
//!
//! Every rule is described in `tool.driver.rules`, whether it ran or not, so a service can show
//! the documentation of a result's rule. Paths are relative to the working directory under the
//! `%SRCROOT%` base, regions are 1-based and count columns in Unicode code points (declared in
//! `columnKind`), as the JSON output does. No source text is embedded: results carry no
//! snippets, and a fix whose new text would repeat a secret is left out.

use super::OutputOrder;
use crate::diagnostic::{Finding, Severity};
use crate::fix;
use crate::position::{ColumnUnit, LineIndex};
use crate::rules::{self, Rule};
use crate::scan::{FileReport, ScanReport};
use crate::suppress::INVALID_IGNORE;
use serde_json::{Value, json};
use std::ops::Range;
use std::path::Path;

/// The schema a consumer validates the log against.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base every relative artifact URI is resolved against: the directory Preflight ran in.
const SRCROOT: &str = "%SRCROOT%";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// The first paragraph of a Markdown section of a rule's documentation.
fn section(doc: &str, heading: &str) -> Option<String> {
    let start = doc.find(heading)? + heading.len();
    let body = &doc[start..];
    let end = body.find("\n## ").unwrap_or(body.len());
    let paragraph = body[..end].trim().split("\n\n").next()?.trim();
    (!paragraph.is_empty()).then(|| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn rule_descriptor(rule: &Rule) -> Value {
    let doc = rule.documentation();
    let full = section(&doc, "## What it does").unwrap_or_else(|| rule.summary.to_string());
    json!({
        "id": rule.id,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": full },
        "help": { "text": doc, "markdown": doc },
        "helpUri": rules::docs_url(rule.id),
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": { "tags": [rule.category.as_str()] },
    })
}

/// Suppression comments report under an id that is not a registered rule.
fn invalid_ignore_descriptor() -> Value {
    let text =
        "A `preflight-ignore` comment names a rule that does not exist, so it silences nothing.";
    json!({
        "id": INVALID_IGNORE,
        "shortDescription": { "text": "Suppression comment names an unknown rule" },
        "fullDescription": { "text": text },
        "help": { "text": text, "markdown": text },
        "defaultConfiguration": { "level": level(Severity::Hint) },
    })
}

/// Percent-encodes a `/`-separated path for a URI, keeping RFC 3986's unreserved characters.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A `file:` URI for an absolute path (`/`-separated, or starting with a drive letter).
fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    match path.split_once(':') {
        // `C:/x` keeps its drive letter's colon.
        Some((drive, rest)) if drive.len() == 1 && !path.starts_with('/') => {
            format!("file:///{drive}:{}", encode_path(rest))
        }
        _ => format!("file://{}", encode_path(&path)),
    }
}

/// The artifact location of a report path: relative under `%SRCROOT%`, or an absolute URI for a
/// file outside the working directory.
fn artifact_location(path: &str) -> Value {
    if path.starts_with('/') || path.get(1..2) == Some(":") {
        json!({ "uri": file_uri(path) })
    } else {
        json!({ "uri": encode_path(path), "uriBaseId": SRCROOT })
    }
}

/// 1-based region of a byte range, columns in code points, the end exclusive.
fn region(text: &str, index: &LineIndex, range: &Range<usize>) -> Value {
    let start = index.position(text, range.start, ColumnUnit::Char);
    let end = index.position(text, range.end.max(range.start), ColumnUnit::Char);
    json!({
        "startLine": start.line + 1,
        "startColumn": start.column + 1,
        "endLine": end.line + 1,
        "endColumn": end.column + 1,
    })
}

/// Whether `replacement` would repeat one of the finding's secrets.
fn repeats_secret(text: &str, finding: &Finding, replacement: &str) -> bool {
    finding
        .redact
        .iter()
        .filter_map(|range| text.get(range.clone()))
        .any(|secret| !secret.is_empty() && replacement.contains(secret))
}

fn fixes(file: &FileReport, text: &str, index: &LineIndex, finding: &Finding) -> Vec<Value> {
    let crlf = fix::uses_crlf(text);
    finding
        .fixes
        .iter()
        .filter(|f| {
            !f.edits
                .iter()
                .any(|edit| repeats_secret(text, finding, &edit.replacement))
        })
        .map(|f| {
            let replacements: Vec<Value> = f
                .edits
                .iter()
                .map(|edit| {
                    let inserted = if crlf {
                        fix::to_crlf(&edit.replacement)
                    } else {
                        edit.replacement.clone()
                    };
                    json!({
                        "deletedRegion": region(text, index, &edit.range),
                        "insertedContent": { "text": inserted },
                    })
                })
                .collect();
            json!({
                "description": { "text": f.title },
                "artifactChanges": [{
                    "artifactLocation": artifact_location(&file.path),
                    "replacements": replacements,
                }],
            })
        })
        .collect()
}

/// Related places: in the same file with a region; in another file of the report with a region
/// when its text is at hand, else by path alone.
fn related_locations(report: &ScanReport, file: &FileReport, finding: &Finding) -> Vec<Value> {
    // Related paths are relative to the scanned root; report paths to the working directory.
    let root_prefix = file
        .path
        .strip_suffix(file.rel_path.as_str())
        .unwrap_or_default();
    finding
        .related
        .iter()
        .enumerate()
        .map(|(id, related)| {
            let path = format!("{root_prefix}{}", related.path);
            let mut physical = json!({ "artifactLocation": artifact_location(&path) });
            let other = report.files.iter().find(|f| f.path == path);
            if let Some(text) = other.and_then(|f| f.source.as_ref()).map(|s| &s.text) {
                let index = LineIndex::new(text);
                physical["region"] = region(text, &index, &related.range);
            }
            json!({
                "id": id,
                "physicalLocation": physical,
                "message": { "text": related.message },
            })
        })
        .collect()
}

/// Builds the SARIF log of a report. `working_dir` becomes `%SRCROOT%`.
pub(super) fn render(report: &ScanReport, working_dir: &Path) -> String {
    let all = rules::all();
    let mut descriptors: Vec<Value> = all.iter().map(|rule| rule_descriptor(rule)).collect();
    descriptors.push(invalid_ignore_descriptor());
    let rule_index = |id: &str| {
        all.iter()
            .position(|rule| rule.id == id)
            .or((id == INVALID_IGNORE).then_some(all.len()))
    };

    // Sorted by path, line, column and rule, as the JSON output is.
    let mut results: Vec<(OutputOrder<'_>, Value)> = Vec::new();
    for file in &report.files {
        let Some(source) = &file.source else { continue };
        let text = &source.text;
        let index = LineIndex::new(text);
        for finding in &file.findings {
            let region = region(text, &index, &finding.range);
            let key = (
                file.path.as_str(),
                region["startLine"].as_u64().unwrap_or_default() as usize,
                region["startColumn"].as_u64().unwrap_or_default() as usize,
                finding.rule,
            );
            let mut result = json!({
                "ruleId": finding.rule,
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&file.path),
                        "region": region,
                    }
                }],
            });
            if let Some(at) = rule_index(finding.rule) {
                result["ruleIndex"] = json!(at);
            }
            let fixes = fixes(file, text, &index, finding);
            if !fixes.is_empty() {
                result["fixes"] = json!(fixes);
            }
            let related = related_locations(report, file, finding);
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            results.push((key, result));
        }
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let results: Vec<Value> = results.into_iter().map(|r| r.1).collect();

    let notifications: Vec<Value> = report
        .notes
        .iter()
        .map(|note| {
            json!({
                "level": "note",
                "message": { "text": note.message },
                "locations": [{
                    "physicalLocation": { "artifactLocation": artifact_location(&note.path) }
                }],
            })
        })
        .collect();
    let root = working_dir.to_string_lossy().replace('\\', "/");
    let root = if root.ends_with('/') {
        root
    } else {
        format!("{root}/")
    };
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "Preflight",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": rules::DOCS_HOME,
                    "rules": descriptors,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": { SRCROOT: { "uri": file_uri(&root) } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&log).expect("plain data serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_and_absolute_paths_are_file_uris() {
        assert_eq!(encode_path("src/a b/ü.ts"), "src/a%20b/%C3%BC.ts");
        assert_eq!(
            artifact_location("src/a.ts"),
            json!({"uri": "src/a.ts", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location("/srv/x#1/a.ts"),
            json!({"uri": "file:///srv/x%231/a.ts"})
        );
        assert_eq!(file_uri("C:/repo/a.ts"), "file:///C:/repo/a.ts");
    }

    #[test]
    fn full_descriptions_are_the_first_paragraph_of_what_it_does() {
        let doc =
            "## What it does\nFlags a thing\nacross lines.\n\nMore.\n\n## Why is this bad?\nx\n";
        assert_eq!(
            section(doc, "## What it does").as_deref(),
            Some("Flags a thing across lines.")
        );
        assert_eq!(section(doc, "## Missing"), None);
    }
}
