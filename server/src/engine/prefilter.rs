//! The literal prefilter: a file that contains none of the trigger words of the enabled rules,
//! of the fact extractors and of suppression comments cannot yield a finding or a fact that
//! matters on its own, so the scan does not parse it.
//!
//! The words come from each rule's [`Triggers`] (`rules/*.rs`), from
//! [`crate::project::facts::TRIGGERS`] and from the suppression marker (an unknown rule in a
//! `preflight-ignore` comment is a finding of its own). One Aho-Corasick automaton per family
//! and case mode runs over the raw bytes: one pass, no allocation. Dockerfiles are few and feed
//! several project rules; they are always analysed. In a file that passes, the same words tell
//! which rules can find anything in it: a one-off analysis calls only those rules' checks (the
//! fact extractors always run; debug builds call the others too and check they find nothing).
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
    rules: usize,
}

/// The words of one family: matched whatever their case, and as written; each word knows
/// whose it is (`Some(i)`: the engine's rule `i`; `None`: the facts or the suppression marker).
struct Matcher {
    any_case: Option<(AhoCorasick, Vec<Option<usize>>)>,
    exact: Option<(AhoCorasick, Vec<Option<usize>>)>,
}

impl Prefilter {
    pub(super) fn new(rules: &[&'static Rule]) -> Prefilter {
        let mut triggers: Vec<(Option<usize>, Triggers)> = rules
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| Some((Some(index), rule.check.triggers()?)))
            .collect();
        triggers.push((None, crate::project::facts::TRIGGERS));
        let marker = (None, Words::exact(&[crate::suppress::MARKER]));
        Prefilter {
            ecma: Matcher::new(triggers.iter().map(|(o, t)| (*o, t.ecma)).chain([marker])),
            python: Matcher::new(triggers.iter().map(|(o, t)| (*o, t.python)).chain([marker])),
            rules: rules.len(),
        }
    }

    fn matcher(&self, family: LanguageFamily) -> Option<&Matcher> {
        match family {
            LanguageFamily::Ecma => Some(&self.ecma),
            LanguageFamily::Python => Some(&self.python),
            LanguageFamily::Dockerfile => None,
        }
    }

    /// Whether `text`, of `family`, contains a trigger word: only then can its analysis find
    /// anything that matters on its own.
    pub(super) fn may_match(&self, family: LanguageFamily, text: &str) -> bool {
        self.matcher(family).is_none_or(|m| m.is_match(text))
    }

    /// Which of the engine's rules have a trigger word in `text`: the others cannot find
    /// anything in it, and their checks need not run (`None`: every rule may).
    pub(super) fn active_rules(&self, family: LanguageFamily, text: &str) -> Option<Vec<bool>> {
        let matcher = self.matcher(family)?;
        let mut active = vec![false; self.rules];
        for (automaton, owners) in [&matcher.exact, &matcher.any_case].into_iter().flatten() {
            for found in automaton.find_overlapping_iter(text) {
                if let Some(rule) = owners[found.pattern().as_usize()] {
                    active[rule] = true;
                }
            }
        }
        Some(active)
    }
}

impl Matcher {
    fn new(words: impl Iterator<Item = (Option<usize>, Words)>) -> Matcher {
        let mut any_case: (Vec<&str>, Vec<Option<usize>>) = Default::default();
        let mut exact: (Vec<&str>, Vec<Option<usize>>) = Default::default();
        for (owner, list) in words {
            any_case.0.extend(list.any_case);
            any_case.1.extend(list.any_case.iter().map(|_| owner));
            exact.0.extend(list.exact);
            exact.1.extend(list.exact.iter().map(|_| owner));
        }
        let build = |(words, owners): (Vec<&str>, Vec<Option<usize>>), ignore_case: bool| {
            (!words.is_empty()).then(|| {
                let automaton = AhoCorasickBuilder::new()
                    .ascii_case_insensitive(ignore_case)
                    .match_kind(MatchKind::Standard)
                    .build(&words)
                    .expect("trigger words form a valid automaton");
                (automaton, owners)
            })
        };
        Matcher {
            any_case: build(any_case, true),
            exact: build(exact, false),
        }
    }

    fn is_match(&self, text: &str) -> bool {
        [&self.exact, &self.any_case]
            .into_iter()
            .flatten()
            .any(|(automaton, _)| automaton.is_match(text))
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
    fn rules_without_their_words_are_inactive() {
        let rules = [
            crate::rules::by_id("debug-print").unwrap(),
            crate::rules::by_id("todo-comment").unwrap(),
        ];
        let prefilter = Prefilter::new(&rules);
        let active = |text| {
            prefilter
                .active_rules(LanguageFamily::Python, text)
                .unwrap()
        };
        assert_eq!(active("print(1)\n"), [true, false]);
        assert_eq!(active("# TODO: print less\n"), [true, true]);
        assert_eq!(active("import os\nos.environ['X']\n"), [false, false]);
        assert!(
            prefilter
                .active_rules(LanguageFamily::Dockerfile, "")
                .is_none()
        );
    }

    #[test]
    fn an_engine_without_rules_still_collects_facts() {
        let prefilter = Prefilter::new(&[]);
        assert!(prefilter.may_match(LanguageFamily::Ecma, "process.env.PORT"));
        assert!(!prefilter.may_match(LanguageFamily::Ecma, "console.log(x)"));
    }
}
