//! One file through the engine: decoding, parsing, every rule, positions and fixes.

use crate::shared_engine;
use preflight::diagnostic::Finding;
use preflight::engine::{SourceFile, syntax_error_count};
use preflight::fix;
use preflight::position::{ColumnUnit, LineIndex};
use preflight::project::{NoFileSystem, ProjectInfo};
use preflight_grammars::Language;
use std::ops::Range;

/// How many fix-and-reanalyse rounds a text may need before its fixes converge: as many as
/// the command line allows.
const MAX_ROUNDS: usize = preflight::fix::MAX_ROUNDS;

/// A path of `language` that no rule treats specially (not a test, script or generated file).
pub fn path_for(language: Language) -> &'static str {
    match language {
        Language::TypeScript => "src/server.ts",
        Language::Tsx => "src/App.tsx",
        Language::JavaScript => "src/server.js",
        Language::Python => "app/main.py",
        Language::Dockerfile => "Dockerfile",
    }
}

/// Arbitrary bytes as a file of `language`: whatever the decoder accepts is analysed.
pub fn check_bytes(language: Language, data: &[u8]) {
    if let Ok(source) = preflight::source::decode(data.to_vec()) {
        check_text(language, &source.text);
    }
}

/// Analyses `text` and checks every finding, then that fixing converges without breaking the
/// syntax of a file that had none.
pub fn check_text(language: Language, text: &str) {
    // A text the parser gives up on is skipped by every analysis, as here.
    let Ok(tree) = shared_engine().parse_bounded(language, text, None) else {
        return;
    };
    let findings = analyse(language, text);
    for finding in &findings {
        check_finding(text, finding);
    }
    if syntax_error_count(&tree) > 0 {
        return;
    }
    for finding in &findings {
        for fix in &finding.fixes {
            let applied = fix::apply(text, &[fix]);
            assert_eq!(applied.applied, 1, "a fix that cannot apply: {fix:?}");
            assert_no_syntax_error(language, &applied.text, &fix.title);
        }
    }
    for allow_unsafe in [false, true] {
        fix_until_stable(language, text.to_string(), allow_unsafe);
    }
}

/// The findings of `text`, as a scan gets them; none when the parser gives up.
fn analyse(language: Language, text: &str) -> Vec<Finding> {
    let file = SourceFile::new(path_for(language), text, language);
    let engine = shared_engine();
    let Ok(tree) = engine.parse_bounded(language, text, None) else {
        return Vec::new();
    };
    engine
        .analyze_tree(&file, &tree, &ProjectInfo::default(), &NoFileSystem)
        .findings
}

/// Applies every allowed fix, round after round, as `--fix` does: each round must keep the
/// file free of syntax errors, and the rounds must end.
pub fn fix_until_stable(language: Language, mut text: String, allow_unsafe: bool) -> String {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..MAX_ROUNDS {
        let findings = analyse(language, &text);
        let fixes = fix::select(&findings, allow_unsafe);
        let applied = fix::apply(&text, &fixes);
        if applied.applied == 0 || applied.text == text {
            return text;
        }
        assert!(
            seen.insert(text.clone()),
            "fixes go round in a cycle through:\n{text}"
        );
        let titles: Vec<&str> = fixes.iter().map(|f| f.title.as_str()).collect();
        assert_no_syntax_error(language, &applied.text, &titles.join("; "));
        text = applied.text;
    }
    panic!("fixes did not converge after {MAX_ROUNDS} rounds:\n{text}");
}

fn assert_no_syntax_error(language: Language, text: &str, what: &str) {
    let Ok(tree) = shared_engine().parse_bounded(language, text, None) else {
        return; // the command line counts this as broken and keeps the text as it was
    };
    assert_eq!(
        syntax_error_count(&tree),
        0,
        "fix `{what}` broke the syntax:\n{text}"
    );
}

fn check_range(text: &str, range: &Range<usize>, what: &str) {
    assert!(
        range.start <= range.end
            && range.end <= text.len()
            && text.is_char_boundary(range.start)
            && text.is_char_boundary(range.end),
        "{what} {range:?} is not a range of the {}-byte text",
        text.len()
    );
}

/// A finding's ranges lie in the text, on character boundaries, and convert to positions.
pub fn check_finding(text: &str, finding: &Finding) {
    check_range(text, &finding.range, finding.rule);
    for range in &finding.redact {
        check_range(text, range, "a redacted range");
    }
    for fix in &finding.fixes {
        for edit in &fix.edits {
            check_range(text, &edit.range, "a fix's edit");
        }
    }
    let index = LineIndex::new(text);
    for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
        let start = index.position(text, finding.range.start, unit);
        let end = index.position(text, finding.range.end, unit);
        assert!(start <= end, "{start:?} after {end:?}");
    }
}
