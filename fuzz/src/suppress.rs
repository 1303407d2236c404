//! Suppression comments: the comment parser on any text, and directive collection on any file.

use crate::shared_engine;
use preflight::suppress;

pub fn check(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Some((_, Ok(suppress::RuleSet::Only(ids)))) = suppress::parse_comment(text) {
        assert!(!ids.is_empty(), "an empty id list must mean every rule");
    }
    let language = crate::LANGUAGES[usize::from(selector) % crate::LANGUAGES.len()];
    let tree = shared_engine().parse(language, text, None);
    let found = suppress::collect(text, &tree, language);
    for directive in &found.directives {
        let comment = &directive.comment;
        assert!(comment.end <= text.len() && comment.start <= comment.end);
        assert!(
            text[comment.clone()].contains("preflight-ignore"),
            "{directive:?}"
        );
        if let Some(scope) = &directive.scope {
            assert!(
                scope.start <= scope.end && scope.end <= text.len(),
                "scope {scope:?} of a {}-byte text",
                text.len()
            );
        }
    }
    for problem in &found.problems {
        crate::engine::check_finding(text, problem);
    }
}
