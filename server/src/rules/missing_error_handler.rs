use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Finding, Severity};
use crate::engine::ProjectFinding;
use crate::project::ProjectView;
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// ## Why is this bad?
    /// ## Example
    /// ## Use instead
    /// ## Fix safety
    /// ## How to silence
    pub static RULE = Rule {
        id: "missing-error-handler",
        summary: "",
        category: Category::Reliability,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma],
        fix: FixAvailability::None,
        check: Check::Project(check),
    };
}

fn check(_p: &ProjectView<'_>, _out: &mut Vec<ProjectFinding>) {}
