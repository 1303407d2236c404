//! The literal prefilter: a file that contains none of the trigger words of the enabled rules,
//! of the fact extractors and of suppression comments cannot yield a finding or a fact that
//! matters on its own, so the scan does not parse it.
//!
//! The words come from each rule's [`Triggers`] (`rules/*.rs`), from
//! [`crate::project::facts::TRIGGERS`] and from the suppression marker (an unknown rule in a
//! `preflight-ignore` comment is a finding of its own). One Aho-Corasick automaton per family
//! and case mode runs over the raw bytes: one pass, no allocation. Dockerfiles are few and feed
//! several project rules; they are always analysed.
//!
//! What a skipped file could still contribute (routes, middleware, exports, a module's
//! top-level names) matters only in a project where another file anchors a project rule; the
//! scan analyses the skipped files of such projects after all (`FileFacts::needs_whole_project`).

use crate::rules::{Rule, Triggers, Words};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use preflight_grammars::LanguageFamily;

/// The trigger automata of one engine.
pub(super) struct Prefilter {
    ecma: Matcher,
    python: Matcher,
}

/// The words of one family: matched whatever their case, and as written.
struct Matcher {
    any_case: Option<AhoCorasick>,
    exact: Option<AhoCorasick>,
}

impl Prefilter {
    pub(super) fn new(rules: &[&'static Rule]) -> Prefilter {
        let mut triggers: Vec<Triggers> = rules
            .iter()
            .filter_map(|rule| rule.check.triggers())
            .collect();
        triggers.push(crate::project::facts::TRIGGERS);
        let marker = Words::exact(&[crate::suppress::MARKER]);
        Prefilter {
            ecma: Matcher::new(triggers.iter().map(|t| t.ecma).chain([marker])),
            python: Matcher::new(triggers.iter().map(|t| t.python).chain([marker])),
        }
    }

    /// Whether `text`, of `family`, contains a trigger word: only then can its analysis find
    /// anything that matters on its own.
    pub(super) fn may_match(&self, family: LanguageFamily, text: &str) -> bool {
        match family {
            LanguageFamily::Ecma => self.ecma.is_match(text),
            LanguageFamily::Python => self.python.is_match(text),
            LanguageFamily::Dockerfile => true,
        }
    }
}

impl Matcher {
    fn new(words: impl Iterator<Item = Words>) -> Matcher {
        let mut any_case: Vec<&str> = Vec::new();
        let mut exact: Vec<&str> = Vec::new();
        for list in words {
            any_case.extend(list.any_case);
            exact.extend(list.exact);
        }
        let build = |words: &[&str], ignore_case: bool| {
            (!words.is_empty()).then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(ignore_case)
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(words)
                    .expect("trigger words form a valid automaton")
            })
        };
        Matcher {
            any_case: build(&any_case, true),
            exact: build(&exact, false),
        }
    }

    fn is_match(&self, text: &str) -> bool {
        self.exact.as_ref().is_some_and(|a| a.is_match(text))
            || self.any_case.as_ref().is_some_and(|a| a.is_match(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_by_case_mode() {
        let prefilter = Prefilter::new(crate::rules::all());
        let python = LanguageFamily::Python;
        assert!(!prefilter.may_match(python, "x = 1\n"));
        assert!(prefilter.may_match(python, "print(x)\n"));
        // `print` is matched as written only; `todo-comment`'s tags too.
        assert!(!prefilter.may_match(python, "PRINT = 1\n# todo later\n"));
        assert!(prefilter.may_match(python, "# TODO later\n"));
        // Environment reads in any case.
        assert!(prefilter.may_match(python, "x = ENVIRON\n"));
        assert!(prefilter.may_match(python, "# preflight-ignore: nothing\n"));
        let ecma = LanguageFamily::Ecma;
        assert!(!prefilter.may_match(ecma, "export const x = 1;\n"));
        assert!(prefilter.may_match(ecma, "app.enableCors();\n"));
        assert!(prefilter.may_match(LanguageFamily::Dockerfile, ""));
    }

    #[test]
    fn an_engine_without_rules_still_collects_facts() {
        let prefilter = Prefilter::new(&[]);
        assert!(prefilter.may_match(LanguageFamily::Ecma, "process.env.PORT"));
        assert!(!prefilter.may_match(LanguageFamily::Ecma, "console.log(x)"));
    }
}
