//! `preflight rules` and `preflight rule ID`.

use super::{EXIT_OK, fail};
use crate::rules::{self, Rule};
use preflight_grammars::LanguageFamily;
use std::io::Write;

fn languages(rule: &Rule) -> Vec<&'static str> {
    rule.languages
        .iter()
        .map(|family| match family {
            LanguageFamily::Ecma => "typescript/javascript",
            LanguageFamily::Python => "python",
            LanguageFamily::Dockerfile => "dockerfile",
        })
        .collect()
}

pub(super) fn list(json: bool) -> u8 {
    let mut out = anstream::stdout().lock();
    if json {
        let rules: Vec<_> = rules::all()
            .iter()
            .map(|rule| {
                serde_json::json!({
                    "id": rule.id,
                    "summary": rule.summary,
                    "languages": languages(rule),
                    "category": rule.category.as_str(),
                    "default_severity": rule.severity.as_str(),
                    "scope": rule.scope(),
                    "fixable": rule.fix.as_str(),
                })
            })
            .collect();
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&rules).unwrap_or_default()
        );
        return EXIT_OK;
    }
    let bold = anstyle::Style::new().bold();
    for rule in rules::all() {
        let _ = writeln!(
            out,
            "{bold}{:<24}{bold:#} {:<8} {:<13} {:<7} fix: {:<13} {}",
            rule.id,
            rule.severity.as_str(),
            rule.category.as_str(),
            rule.scope(),
            rule.fix.as_str(),
            rule.summary,
        );
    }
    EXIT_OK
}

pub(super) fn show(id: &str) -> u8 {
    let Some(rule) = rules::by_id(id) else {
        let known: Vec<_> = rules::all().iter().map(|r| r.id).collect();
        return fail(format_args!(
            "unknown rule `{id}`; known rules: {}",
            known.join(", ")
        ));
    };
    let mut out = anstream::stdout().lock();
    let _ = writeln!(out, "# {}\n", rule.id);
    let _ = writeln!(
        out,
        "{} · default severity {} · {} · {} rule · fix: {}\n",
        rule.category.as_str(),
        rule.severity.as_str(),
        languages(rule).join(", "),
        rule.scope(),
        rule.fix.as_str()
    );
    let _ = write!(out, "{}", rule.documentation());
    EXIT_OK
}
