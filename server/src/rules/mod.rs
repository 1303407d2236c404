//! The rule registry. One rule, one file: its `///` doc comment is its documentation (shown by
//! `preflight rule ID`), its logic follows, its query file lives in
//! `grammars/queries/<family>/<id>.scm` and its fixtures under `tests/fixtures/<id>/`.
//! Adding a rule means adding that file, its fixtures, and one line to [`all`].

mod container_runs_as_root;
mod cors_wildcard;
mod debug_mode;
mod debug_print;
mod dev_server_in_production;
mod entrypoint_target_missing;
mod env_not_documented;
mod hardcoded_secret;
mod malformed_entrypoint;
mod missing_env_example;
mod missing_error_handler;
mod missing_health_check;
mod missing_healthcheck;
mod missing_rate_limit;
mod missing_security_headers;
mod request_without_timeout;
mod secret_in_image;
mod shell_form_entrypoint;
mod sql_injection;
mod swallowed_error;
mod tls_verify_disabled;
mod todo_comment;
mod unpinned_base_image;

use crate::diagnostic::{Category, Finding, Severity};
use crate::docker::DockerContext;
use crate::engine::{Captures, FileContext, ProjectFinding};
use crate::project::ProjectView;
use preflight_grammars::LanguageFamily;

/// How a rule inspects code.
#[derive(Clone, Copy)]
pub enum Check {
    /// Called for each match of the rule's query file on each file of its language families,
    /// on files that contain one of its trigger words.
    Matches(
        fn(&FileContext<'_>, &Captures<'_, '_>, &mut Vec<Finding>),
        Triggers,
    ),
    /// Called once per Dockerfile with its instruction model.
    Dockerfile(fn(&DockerContext<'_>, &mut Vec<Finding>)),
    /// Called once per project with the facts of all its files.
    Project(fn(&ProjectView<'_>, &mut Vec<ProjectFinding>)),
    /// A rule about code and Dockerfiles alike: both of the above.
    MatchesAndDockerfile(
        fn(&FileContext<'_>, &Captures<'_, '_>, &mut Vec<Finding>),
        Triggers,
        fn(&DockerContext<'_>, &mut Vec<Finding>),
    ),
}

impl Check {
    /// The per-match check, if the rule has one.
    pub fn matches(self) -> Option<fn(&FileContext<'_>, &Captures<'_, '_>, &mut Vec<Finding>)> {
        match self {
            Check::Matches(check, _) | Check::MatchesAndDockerfile(check, _, _) => Some(check),
            _ => None,
        }
    }

    /// The trigger words of the per-match check, if the rule has one.
    pub fn triggers(self) -> Option<Triggers> {
        match self {
            Check::Matches(_, triggers) | Check::MatchesAndDockerfile(_, triggers, _) => {
                Some(triggers)
            }
            _ => None,
        }
    }

    /// The Dockerfile check, if the rule has one.
    pub fn dockerfile(self) -> Option<fn(&DockerContext<'_>, &mut Vec<Finding>)> {
        match self {
            Check::Dockerfile(check) | Check::MatchesAndDockerfile(_, _, check) => Some(check),
            _ => None,
        }
    }
}

/// Words without which a per-match check finds nothing in a file (see `engine/prefilter.rs`): a
/// file of a family that contains none of the words of any enabled rule, nor of the fact
/// extractors, is not parsed. Each list must hold a word that every finding needs in the file's
/// text: a callee or method name the check compares, a module name its import bindings must
/// name, a key the rule looks for.
#[derive(Debug, Clone, Copy)]
pub struct Triggers {
    pub ecma: Words,
    pub python: Words,
}

/// Trigger words of one language family.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// Found whatever their ASCII case (`cors` finds `CORS`, `Cors`, `enableCors`).
    pub any_case: &'static [&'static str],
    /// Found only as written.
    pub exact: &'static [&'static str],
}

impl Words {
    /// Words matched whatever their ASCII case.
    pub const fn any_case(words: &'static [&'static str]) -> Words {
        Words {
            any_case: words,
            exact: &[],
        }
    }

    /// Words matched as written.
    pub const fn exact(words: &'static [&'static str]) -> Words {
        Words {
            any_case: &[],
            exact: words,
        }
    }
}

/// Which fixes a rule can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Safe,
    Unsafe,
    /// Safe fixes for some cases, unsafe ones for others.
    Mixed,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Safe => "safe",
            Self::Unsafe => "unsafe",
            Self::Mixed => "safe, unsafe",
        }
    }
}

/// A rule: its identity, defaults, documentation and check.
pub struct Rule {
    /// Stable id, as in `preflight-ignore: <id>` and the JSON output. Never changes meaning.
    pub id: &'static str,
    /// One line, for `preflight rules`.
    pub summary: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub languages: &'static [LanguageFamily],
    pub fix: FixAvailability,
    /// The rule's doc comment.
    pub doc: &'static str,
    pub check: Check,
}

impl Rule {
    pub fn is_project_rule(&self) -> bool {
        matches!(self.check, Check::Project(_))
    }

    /// A finding of this rule at its default severity.
    pub fn finding(
        &'static self,
        range: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(self.id, self.severity, range, message)
    }

    /// The documentation as Markdown, without the indentation `///` leaves.
    pub fn documentation(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    pub fn scope(&self) -> &'static str {
        if self.is_project_rule() {
            "project"
        } else {
            "file"
        }
    }
}

/// Declares a rule whose doc comment becomes its `doc`.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        pub static $name:ident = Rule { $($field:ident : $value:expr),+ $(,)? };
    ) => {
        $(#[doc = $doc])+
        pub static $name: $crate::rules::Rule = $crate::rules::Rule {
            doc: concat!($($doc, "\n"),+),
            $($field: $value),+
        };
    };
}
pub(crate) use declare_rule;

static RULES: &[&Rule] = &[
    &cors_wildcard::RULE,
    &debug_print::RULE,
    &hardcoded_secret::RULE,
    &swallowed_error::RULE,
    &sql_injection::RULE,
    &tls_verify_disabled::RULE,
    &request_without_timeout::RULE,
    &debug_mode::RULE,
    &todo_comment::RULE,
    &malformed_entrypoint::RULE,
    &dev_server_in_production::RULE,
    &shell_form_entrypoint::RULE,
    &container_runs_as_root::RULE,
    &unpinned_base_image::RULE,
    &missing_healthcheck::RULE,
    &secret_in_image::RULE,
    &missing_error_handler::RULE,
    &missing_rate_limit::RULE,
    &missing_security_headers::RULE,
    &missing_health_check::RULE,
    &missing_env_example::RULE,
    &env_not_documented::RULE,
    &entrypoint_target_missing::RULE,
];

/// Preflight's documentation site.
pub const DOCS_HOME: &str = "https://preflight.dev/";

/// Where rules' documentation lives, followed by a rule id; `preflight rule ID` prints the same
/// text.
pub const DOCS_URL: &str = "https://preflight.dev/rules/";

/// The documentation page of a rule.
pub fn docs_url(id: &str) -> String {
    format!("{DOCS_URL}{id}")
}

/// Every rule, in a stable order.
pub fn all() -> &'static [&'static Rule] {
    RULES
}

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule documents itself the same way, so `preflight rule ID` always answers the same
    /// questions.
    #[test]
    fn every_rule_documents_itself() {
        let sections = [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Fix safety",
            "## How to silence",
        ];
        for rule in all() {
            let doc = rule.documentation();
            for section in sections {
                assert!(doc.contains(section), "{} lacks `{section}`", rule.id);
            }
        }
    }

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for rule in all() {
            assert!(seen.insert(rule.id), "duplicate {}", rule.id);
            assert!(
                rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                rule.id
            );
        }
    }
}

/// Helpers for the unit tests of rules: run the engine on one in-memory file.
#[cfg(test)]
pub(crate) mod testing {
    use crate::diagnostic::{Finding, FixSafety};
    use crate::engine::{Engine, SourceFile};
    use crate::project::{FileSystem, NoFileSystem, ProjectInfo};
    use preflight_grammars::Language;

    /// Findings of rule `id` on `text`, read as the file at `path` (its name picks the language;
    /// its folders decide whether it is a script). Test-file classification is not applied:
    /// that is the walker's job, tested with the fixtures.
    pub fn check(id: &str, path: &str, text: &str) -> Vec<Finding> {
        check_with(id, path, text, &ProjectInfo::default())
    }

    pub fn check_with(id: &str, path: &str, text: &str, project: &ProjectInfo) -> Vec<Finding> {
        check_in(id, path, text, project, &NoFileSystem)
    }

    /// Findings of rule `id` on `text` in a workspace whose other files `fs` holds.
    pub fn check_in(
        id: &str,
        path: &str,
        text: &str,
        project: &ProjectInfo,
        fs: &dyn FileSystem,
    ) -> Vec<Finding> {
        let rule = super::by_id(id).expect("known rule");
        let language = Language::from_file_name(path.rsplit('/').next().unwrap())
            .expect("a file name Preflight parses");
        let engine = Engine::with_rules(vec![rule]);
        let file = SourceFile::new(path, text, language);
        let analysis = engine.analyze_file(&file, project, fs);
        analysis
            .findings
            .into_iter()
            .filter(|f| f.rule == id)
            .collect()
    }

    /// The text after applying the first fix of each finding allowed at `safety`.
    pub fn fixed(text: &str, findings: &[Finding], safety: FixSafety) -> String {
        let fixes = crate::fix::select(findings, safety == FixSafety::Unsafe);
        crate::fix::apply(text, &fixes).text
    }

    /// The text each finding covers, for compact assertions.
    pub fn spans<'t>(text: &'t str, findings: &[Finding]) -> Vec<&'t str> {
        findings.iter().map(|f| &text[f.range.clone()]).collect()
    }
}
