use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Finding, Severity};
use crate::engine::{Captures, FileContext};
use preflight_grammars::LanguageFamily;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

const TAGS: &[&str] = &["TODO", "FIXME", "XXX", "HACK", "BUG"];

/// The tags, as the query matches them (upper case; `@todo` in any case in TS/JS).
const TRIGGERS: Triggers = Triggers {
    ecma: Words {
        any_case: &["@todo"],
        exact: TAGS,
    },
    python: Words::exact(TAGS),
};

declare_rule! {
    /// ## What it does
    /// Flags comments carrying a work-item marker: `TODO`, `FIXME`, `XXX`, `HACK` or `BUG`, in
    /// capitals, standing as a word and followed by `:`, whitespace, an owner in parentheses
    /// (`FIXME(jane):`) or the end of the comment; in TypeScript/JavaScript also the JSDoc tag
    /// `@todo` in any case. In the middle of a sentence a marker counts only when a `:` or an
    /// owner follows it, so prose such as "fetching a TODO item" or "fixes BUG 1234" is not a
    /// work item.
    ///
    /// Only comments are read: strings, docstrings, template literals, JSX text and identifiers
    /// such as `todoList` or `TODO_LIST_KEY` never match, and neither do lower-case prose
    /// ("todo items are stored in Redis"), file names (`TODO.md`), `preflight-ignore`
    /// directives or shebang lines. One finding per comment.
    ///
    /// ## Why is this bad?
    /// A marker records work somebody decided was needed before the code was done: validation
    /// not written yet, a known race, a workaround for an upstream bug. Listing them before a
    /// release makes that debt visible; it is information, not a defect by itself.
    ///
    /// ## Example
    /// ```ts
    /// // TODO: validate the signature before trusting the payload
    /// const payload = JSON.parse(body);
    /// ```
    /// ```python
    /// # HACK: retry because the upstream sometimes returns 502
    /// response = fetch_with_retry(url)
    /// ```
    ///
    /// ## Use instead
    /// Do the work, or move it to the issue tracker and leave a plain comment explaining the
    /// current behaviour:
    /// ```ts
    /// // The signature is verified by the gateway before the request reaches us (see ADR-12).
    /// const payload = JSON.parse(body);
    /// ```
    ///
    /// ## Fix safety
    /// There is no automatic fix: only a person can resolve a work item.
    ///
    /// ## How to silence
    /// Put `// preflight-ignore: todo-comment` (Python: `# preflight-ignore: todo-comment`) on the
    /// line above, or turn the rule off with `[rules] todo-comment = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "todo-comment",
        summary: "TODO/FIXME/XXX/HACK/BUG comment left in the code",
        category: Category::Observability,
        severity: Severity::Info,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::None,
        check: Check::Matches(check, TRIGGERS),
    };
}

/// A marker standing as a word: not inside an identifier (`MY_TODO`, `xTODO`) nor after `@`
/// (unless the `@` is its own).
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^A-Za-z0-9_@])(@?(?:TODO|FIXME|XXX|HACK|BUG))").expect("valid regex")
});

/// The JSDoc `@todo` tag, in any case.
static JSDOC_TODO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:^|[^A-Za-z0-9_@])(@todo)\b").expect("valid regex"));

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    let Some(comment) = m.get("todo-comment.comment") else {
        return;
    };
    let text = cx.node_text(comment);
    let jsdoc = cx.language().family() == LanguageFamily::Ecma;
    if let Some(tag) = work_item_tag(text, jsdoc) {
        let start = comment.start_byte() + tag.start;
        out.push(RULE.finding(
            start..comment.start_byte() + tag.end,
            format!(
                "`{}` comment: unresolved work item left in the code.",
                &text[tag]
            ),
        ));
    }
}

/// The byte range, within the comment's text, of its first work-item tag.
fn work_item_tag(comment: &str, jsdoc: bool) -> Option<Range<usize>> {
    if comment.starts_with("#!") || crate::suppress::parse_comment(comment).is_some() {
        return None;
    }
    // The closing `*/` is a marker, not text: `/* TODO*/` ends with its tag.
    let body = comment.strip_suffix("*/").unwrap_or(comment);
    let marker = TAG
        .captures_iter(body)
        .filter_map(|c| c.get(1))
        .map(|tag| tag.range())
        .find(|tag| ends_tag(body, tag.end, true) && reads_as_tag(body, tag.clone()));
    let jsdoc = jsdoc
        .then(|| {
            JSDOC_TODO
                .captures_iter(body)
                .filter_map(|c| c.get(1))
                .map(|tag| tag.range())
                .find(|tag| ends_tag(body, tag.end, false))
        })
        .flatten();
    match (marker, jsdoc) {
        (Some(a), Some(b)) => Some(if b.start < a.start { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Whether a marker is used as a tag rather than as a word of prose ("Fetching a TODO item",
/// "fixes BUG 1234"): it carries `@`, is followed by `:` or an owner in parentheses, or is the
/// first word of its line in the comment.
fn reads_as_tag(body: &str, tag: Range<usize>) -> bool {
    if body[tag.clone()].starts_with('@') || body[tag.end..].starts_with([':', '(']) {
        return true;
    }
    let line_start = body[..tag.start].rfind('\n').map_or(0, |i| i + 1);
    body[line_start..tag.start]
        .chars()
        .all(|c| c.is_whitespace() || "/*#!-([".contains(c))
}

/// Whether the tag ending at `end` stands on its own: followed by `:`, whitespace, an owner in
/// parentheses followed by one of those, or the end of the comment. The JSDoc tag only needs a
/// word boundary (already checked) and must not be a file name (`@todo.md`).
fn ends_tag(body: &str, end: usize, strict: bool) -> bool {
    let rest = &body[end..];
    if !strict {
        let mut chars = rest.chars();
        return !(chars.next() == Some('.') && chars.next().is_some_and(char::is_alphabetic));
    }
    let rest = match rest.strip_prefix('(') {
        Some(owner) => match owner.find(')') {
            Some(close) => &owner[close + 1..],
            None => return false,
        },
        None => rest,
    };
    rest.chars()
        .next()
        .is_none_or(|c| c == ':' || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{check, spans};

    const ID: &str = "todo-comment";

    fn messages(findings: &[crate::diagnostic::Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.message.as_str()).collect()
    }

    #[test]
    fn flags_markers_in_typescript_comments() {
        let text = "// TODO: validate the signature before trusting the payload\n\
                    /* FIXME(jane): race condition when two workers claim the same job */\n\
                    /** @todo remove after the v2 migration */\n\
                    export const x = 1;\n";
        let findings = check(ID, "src/a.ts", text);
        assert_eq!(spans(text, &findings), ["TODO", "FIXME", "@todo"]);
        assert_eq!(
            messages(&findings),
            [
                "`TODO` comment: unresolved work item left in the code.",
                "`FIXME` comment: unresolved work item left in the code.",
                "`@todo` comment: unresolved work item left in the code.",
            ]
        );
    }

    #[test]
    fn flags_markers_in_python_comments() {
        let text = "# TODO: paginate this query\n# HACK: retry because the upstream sometimes returns 502\nx = compute()  # XXX temporary\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(spans(text, &findings), ["TODO", "HACK", "XXX"]);
    }

    #[test]
    fn flags_jsx_comments() {
        let text = "export const Banner = () => (\n  <div>\n    {/* TODO: replace with the design-system component */}\n    <span>Sale</span>\n  </div>\n);\n";
        assert_eq!(spans(text, &check(ID, "src/Banner.tsx", text)), ["TODO"]);
    }

    #[test]
    fn accepts_every_boundary_the_spec_allows() {
        for (comment, tag) in [
            ("//TODO fix", "TODO"),
            ("// TODO", "TODO"),
            ("/*TODO*/", "TODO"),
            ("/* BUG */", "BUG"),
            ("// @TODO: later", "@TODO"),
            ("// TODO(#123): later", "TODO"),
            ("// FIXME(jane)", "FIXME"),
            ("// note - HACK:\tworkaround", "HACK"),
            ("/**\n * Does things.\n * @Todo split this\n */", "@Todo"),
            ("/**\n * TODO\n */", "TODO"),
            ("// (TODO: later)", "TODO"),
            ("// Create the class. FIXME: ideally not", "FIXME"),
            ("// remove the cast TODO(#1286) once fixed", "TODO"),
            ("/*\n   XXX not implemented yet */", "XXX"),
            ("// - HACK around the SDK", "HACK"),
        ] {
            let text = format!("{comment}\nlet a = 1;\n");
            assert_eq!(
                spans(&text, &check(ID, "src/a.ts", &text)),
                [tag],
                "{comment}"
            );
        }
    }

    #[test]
    fn one_finding_per_comment_at_its_first_tag() {
        let text = "/* FIXME: one\n * TODO: two\n */\nlet a = 1;\n";
        let findings = check(ID, "src/a.ts", text);
        assert_eq!(findings.len(), 1);
        assert_eq!(spans(text, &findings), ["FIXME"]);
        let text = "// see TODO.md; TODO: write it\nlet a = 1;\n";
        let findings = check(ID, "src/a.ts", text);
        assert_eq!(findings[0].range.start, text.rfind("TODO").unwrap());
    }

    #[test]
    fn ignores_code_strings_and_lookalikes() {
        let cases = [
            "const todos = await todoRepository.find();\n// See docs/TODO.md for the roadmap\nconst label = 'TODO: buy milk';\n",
            "// preflight-ignore: todo-comment\nconst TODO_LIST_KEY = 'todo-list';\nconst url = 'https://example.com/TODO';    // inside a string\n",
            "// todo: lower case is prose\n// the todoList store\n// TODOs are tracked elsewhere\n",
            "// MY_TODO_FLAG, xTODO, TODO_LIST, FIXMEs, XXXL, BUGFIX, HACKS\n",
            "// format: XXX-XXX-XXXX\n// TODO.\n// TODO, later\n// TODO! now\n",
            "// mail me at ops@todo.example\n// @todo.md\n// @todos\n",
            "// FIXME(unclosed\nconst a = `TODO: ${x}`;\nconst r = /TODO: /;\n",
            "const el = <p>TODO: fill in</p>;\n",
            "/**\n * **Example** (Fetching a TODO Item)\n */\n// Fixes BUG 1234 in the parser\n// this is a HACK around the SDK\n",
            "// preflight-ignore: todo-comment -- TODO remove once fixed\nconst b = 1;\n",
            "/* preflight-ignore-file: todo-comment -- HACK */\nconst c = 1;\n",
        ];
        for text in cases {
            assert!(check(ID, "src/a.tsx", text).is_empty(), "{text}");
        }
    }

    #[test]
    fn ignores_python_docstrings_strings_and_shebangs() {
        let cases = [
            "\"\"\"TODO: a docstring mention is not a comment\"\"\"\n# todo items are stored in Redis\n",
            "#!/usr/bin/env python  TODO\nx = 'FIXME: not a comment'\n",
            "def f():\n    \"\"\"HACK: docstring.\"\"\"\n    return f\"TODO {x}\"\n",
            "# preflight-ignore: todo-comment -- XXX tracked upstream\nx = 1\n",
            "# @todo is a JSDoc tag, not a Python marker\n",
        ];
        for text in cases {
            assert!(check(ID, "app/a.py", text).is_empty(), "{text}");
        }
    }
}
