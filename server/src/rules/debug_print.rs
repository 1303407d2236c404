use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Finding, Severity};
use crate::engine::{Captures, FileContext};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// ## Why is this bad?
    /// ## Example
    /// ## Use instead
    /// ## Fix safety
    /// ## How to silence
    pub static RULE = Rule {
        id: "debug-print",
        summary: "",
        category: Category::Observability,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma],
        fix: FixAvailability::None,
        check: Check::Matches(check),
    };
}

fn check(_cx: &FileContext<'_>, _m: &Captures<'_, '_>, _out: &mut Vec<Finding>) {}
