use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Finding, Severity};
use crate::docker::DockerContext;
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// ## Why is this bad?
    /// ## Example
    /// ## Use instead
    /// ## Fix safety
    /// ## How to silence
    pub static RULE = Rule {
        id: "malformed-entrypoint",
        summary: "",
        category: Category::Deployment,
        severity: Severity::Error,
        languages: &[LanguageFamily::Ecma],
        fix: FixAvailability::None,
        check: Check::Dockerfile(check),
    };
}

fn check(_cx: &DockerContext<'_>, _out: &mut Vec<Finding>) {}
