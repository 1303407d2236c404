use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::engine::{Captures, FileContext};
use preflight_grammars::LanguageFamily;
use std::ops::Range;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Flags debug modes switched on in code:
    ///
    /// - Flask (in a file importing `flask`): `app.run(debug=True)` (also under
    ///   `if __name__ == "__main__":`, since containers often run `python app.py`),
    ///   `app.debug = True`, `app.config["DEBUG"] = True`, `app.config.update(DEBUG=True)`;
    /// - `FastAPI(debug=True)`, `Starlette(debug=True)`, Werkzeug
    ///   `run_simple(..., use_debugger=True)`;
    /// - Django `DEBUG = True` at module level of a settings module (`settings.py`,
    ///   `settings/*.py`, or a module assigning `INSTALLED_APPS` and `MIDDLEWARE`), except
    ///   development settings whose name says so (`settings/local.py`, `settings_dev.py`,
    ///   `test`, `ci`);
    /// - a debug switch read from the environment that defaults to on:
    ///   `os.getenv("DEBUG", "True")`;
    /// - TS/JS: `process.env.NODE_ENV = 'development'`, `app.use(errorhandler())` outside a
    ///   development-only branch, `app.set('env', 'development')`.
    ///
    /// Values read from the environment (`debug=os.environ.get("FLASK_DEBUG") == "1"`) are not
    /// flagged.
    ///
    /// ## Why is this bad?
    /// Werkzeug's debugger lets anyone who can trigger an error run Python code on the server.
    /// Django, FastAPI and Express debug pages show stack traces, settings, SQL and environment
    /// details to every visitor. A setting that defaults to debug is one missing variable away
    /// from that.
    ///
    /// ## Example
    /// ```python
    /// from flask import Flask
    /// app = Flask(__name__)
    /// if __name__ == "__main__":
    ///     app.run(host="0.0.0.0", debug=True)
    /// ```
    /// ```python
    /// # myproject/settings.py
    /// DEBUG = True
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// if __name__ == "__main__":
    ///     app.run(host="0.0.0.0", debug=os.environ.get("FLASK_DEBUG") == "1")
    /// ```
    /// ```python
    /// DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
    /// ```
    ///
    /// ## Fix safety
    /// The fixes are unsafe: they change how developers run the application. They delete the
    /// `debug=True` keyword, the `app.debug = True` or `app.config["DEBUG"] = True` statement or
    /// the `NODE_ENV` assignment; read Django's `DEBUG` from `DJANGO_DEBUG` (adding `import os`);
    /// turn a debug default off (`"True"` → `"False"`, `"1"` → `"0"`); and wrap
    /// `app.use(errorhandler())` in `if (process.env.NODE_ENV === 'development') { … }`.
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: debug-mode` (Python) or `// preflight-ignore: debug-mode` (TS/JS)
    /// on the line above, or turn the rule off with `[rules] debug-mode = "off"` in
    /// `preflight.toml`.
    pub static RULE = Rule {
        id: "debug-mode",
        summary: "Debug mode enabled in code",
        category: Category::Security,
        severity: Severity::Error,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Matches(check),
    };
}

fn message(how: &str, debugger: bool) -> String {
    let debugger = if debugger {
        ", and an interactive debugger"
    } else {
        ""
    };
    format!(
        "Debug mode is enabled ({how}); in production it exposes stack traces and \
         internals{debugger}. Control it from the environment and keep it off by default."
    )
}

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    match cx.language().family() {
        LanguageFamily::Ecma => ecma::check(cx, m, out),
        LanguageFamily::Python => python::check(cx, m, out),
        LanguageFamily::Dockerfile => {}
    }
}

/// Named children that are not comments.
fn code_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| child.kind() != "comment")
        .collect()
}

/// The range that deletes `statement`: its whole lines when nothing else stands on them.
fn statement_deletion(text: &str, statement: Node<'_>) -> Range<usize> {
    let range = statement.byte_range();
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..range.start];
    let after_end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i + 1);
    let after = &text[range.end..after_end];
    if before.trim().is_empty() && after.trim().trim_end_matches(';').trim().is_empty() {
        line_start..after_end
    } else {
        range
    }
}

/// The indentation of the line `node` starts on.
fn line_indent(text: &str, node: Node<'_>) -> String {
    let line_start = text[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..node.start_byte()]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect()
}

mod python {
    //! Flask, FastAPI/Starlette, Werkzeug, Django settings and debug defaults.

    use super::*;
    use crate::lang::python::{
        callee_path, keyword_argument, positional_arguments, resolve_assignment, static_string,
    };

    const FIX_KEYWORD: &str = "Remove the debug switch";
    const FIX_DJANGO: &str = "Read `DEBUG` from the `DJANGO_DEBUG` environment variable";
    const FIX_DEFAULT: &str = "Default the debug switch to off";

    pub(super) fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
        if m.get("debug.call").is_some() {
            keyword_call(cx, m, out);
        } else if let Some(assignment) = m.get("debug.attribute_assignment") {
            if cx.bindings().imports_module("flask") {
                flask_statement(cx, assignment, "`app.debug = True`", out);
            }
        } else if let Some(assignment) = m.get("debug.config_assignment") {
            let is_debug_key = m
                .get("debug.key")
                .and_then(|key| static_string(key, cx.text()))
                .is_some_and(|key| key == "DEBUG");
            if is_debug_key && cx.bindings().imports_module("flask") {
                flask_statement(cx, assignment, "`config[\"DEBUG\"] = True`", out);
            }
        } else if m.get("debug.django").is_some() {
            if let Some(value) = m.get("debug.value") {
                django(cx, value, out);
            }
        } else if let Some(call) = m.get("debug.env_call") {
            env_default(cx, m, call, out);
        }
    }

    /// `…(debug=True)`, `…(use_debugger=True)`, `….update(DEBUG=True)`.
    fn keyword_call(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
        let (Some(function), Some(name), Some(keyword)) = (
            m.get("debug.function"),
            m.get("debug.keyword_name"),
            m.get("debug.keyword"),
        ) else {
            return;
        };
        let text = cx.text();
        let Some(path) = callee_path(function, text) else {
            return;
        };
        let canonical = cx.bindings().canonical(&path);
        let bound = cx
            .bindings()
            .get(path.split('.').next().unwrap_or(""))
            .is_some();
        let flask = cx.bindings().imports_module("flask");
        let name = cx.node_text(name);
        let callee = cx.node_text(function);
        let (how, debugger) = match name {
            "debug" if bound && FRAMEWORKS.contains(&canonical.as_str()) => {
                (format!("`{callee}(debug=True)`"), false)
            }
            "debug" if flask && path.ends_with(".run") && canonical != "asyncio.run" => {
                (format!("`{callee}(debug=True)`"), true)
            }
            "use_debugger"
                if bound
                    && matches!(
                        canonical.as_str(),
                        "werkzeug.serving.run_simple" | "werkzeug.run_simple"
                    ) =>
            {
                (format!("`{callee}(use_debugger=True)`"), true)
            }
            "DEBUG"
                if flask
                    && (path.ends_with(".config.update")
                        || path.ends_with(".config.from_mapping")) =>
            {
                (format!("`{callee}(DEBUG=True)`"), true)
            }
            _ => return,
        };
        let finding = RULE.finding(keyword.byte_range(), message(&how, debugger));
        out.push(finding.with_fix(Fix::unsafe_(
            FIX_KEYWORD,
            vec![Edit::delete(keyword_deletion(keyword))],
        )));
    }

    const FRAMEWORKS: &[&str] = &[
        "fastapi.FastAPI",
        "fastapi.applications.FastAPI",
        "starlette.applications.Starlette",
    ];

    /// The keyword with the comma that separates it from its neighbours.
    fn keyword_deletion(keyword: Node<'_>) -> Range<usize> {
        let mut previous = keyword.prev_sibling();
        while let Some(node) = previous {
            if node.kind() == "," {
                return node.start_byte()..keyword.end_byte();
            }
            if node.kind() != "comment" {
                break;
            }
            previous = node.prev_sibling();
        }
        // The first argument: take the comma after it and the space up to the next one.
        let mut next = keyword.next_sibling();
        let mut after_comma = false;
        while let Some(node) = next {
            match node.kind() {
                "," => after_comma = true,
                "comment" => {}
                ")" => break,
                _ if after_comma => return keyword.start_byte()..node.start_byte(),
                _ => break,
            }
            next = node.next_sibling();
        }
        keyword.byte_range()
    }

    /// `app.debug = True` / `app.config["DEBUG"] = True`: reported at `True`, fixed by deleting
    /// the statement.
    fn flask_statement(
        cx: &FileContext<'_>,
        assignment: Node<'_>,
        how: &str,
        out: &mut Vec<Finding>,
    ) {
        let Some(value) = assignment.child_by_field_name("right") else {
            return;
        };
        let finding = RULE.finding(value.byte_range(), message(how, true));
        let Some(statement) = assignment
            .parent()
            .filter(|p| p.kind() == "expression_statement")
        else {
            out.push(finding);
            return;
        };
        let block = statement.parent();
        let alone = block.is_some_and(|b| b.kind() == "block" && code_children(b).len() == 1);
        let edit = if alone {
            Edit::replace(statement.byte_range(), "pass")
        } else {
            Edit::delete(statement_deletion(cx.text(), statement))
        };
        out.push(finding.with_fix(Fix::unsafe_(FIX_KEYWORD, vec![edit])));
    }

    /// Basename words that mark development settings.
    const DEVELOPMENT_WORDS: &[&str] = &["local", "dev", "development", "test", "testing", "ci"];

    fn django(cx: &FileContext<'_>, value: Node<'_>, out: &mut Vec<Finding>) {
        let path = cx.path();
        let mut segments = path.rsplit('/');
        let basename = segments.next().unwrap_or(path);
        let folder = segments.next().unwrap_or("");
        if basename
            .split(['_', '-', '.'])
            .any(|word| DEVELOPMENT_WORDS.contains(&word.to_ascii_lowercase().as_str()))
        {
            return;
        }
        let settings_path = basename == "settings.py" || folder == "settings";
        if !settings_path && !assigns_installed_apps_and_middleware(cx) {
            return;
        }
        // `DEBUG = True` overridden further down (`DEBUG = env.bool(...)`): the later one wins.
        if reassigned_later(cx, value) {
            return;
        }
        let finding = RULE.finding(
            value.byte_range(),
            message("`DEBUG = True` in Django settings", false),
        );
        let mut edits = vec![Edit::replace(
            value.byte_range(),
            "os.environ.get(\"DJANGO_DEBUG\", \"\") == \"1\"",
        )];
        match cx.bindings().get("os") {
            Some("os") => {}
            Some(_) => {
                out.push(finding);
                return;
            }
            None => edits.push(import_os(cx, value.start_byte())),
        }
        out.push(finding.with_fix(Fix::unsafe_(FIX_DJANGO, edits)));
    }

    /// Another module-level assignment to `DEBUG` after `value`'s.
    fn reassigned_later(cx: &FileContext<'_>, value: Node<'_>) -> bool {
        code_children(cx.tree().root_node())
            .into_iter()
            .filter(|s| s.start_byte() > value.end_byte())
            .filter_map(|s| {
                s.named_child(0)
                    .filter(|_| s.kind() == "expression_statement")
            })
            .filter(|a| a.kind() == "assignment")
            .any(|a| {
                a.child_by_field_name("left")
                    .is_some_and(|l| cx.node_text(l) == "DEBUG")
            })
    }

    /// RULES.md H10: a module assigning both `INSTALLED_APPS` and `MIDDLEWARE`.
    fn assigns_installed_apps_and_middleware(cx: &FileContext<'_>) -> bool {
        let mut apps = false;
        let mut middleware = false;
        for statement in code_children(cx.tree().root_node()) {
            if statement.kind() != "expression_statement" {
                continue;
            }
            let Some(assignment) = statement.named_child(0) else {
                continue;
            };
            if assignment.kind() != "assignment" {
                continue;
            }
            match assignment
                .child_by_field_name("left")
                .map(|l| cx.node_text(l))
            {
                Some("INSTALLED_APPS") => apps = true,
                Some("MIDDLEWARE") => middleware = true,
                _ => {}
            }
        }
        apps && middleware
    }

    /// `import os` after the last top-level import before `before` (or after the docstring,
    /// or before the first statement).
    fn import_os(cx: &FileContext<'_>, before: usize) -> Edit {
        let text = cx.text();
        let statements = code_children(cx.tree().root_node());
        let Some(&first) = statements.first() else {
            return Edit::insert(0, "import os\n");
        };
        let is_docstring = first.kind() == "expression_statement"
            && first.named_child(0).is_some_and(|s| s.kind() == "string");
        let anchor = statements
            .iter()
            .rev()
            .filter(|s| s.start_byte() < before)
            .find(|s| {
                matches!(
                    s.kind(),
                    "import_statement" | "import_from_statement" | "future_import_statement"
                )
            })
            .copied()
            .or(is_docstring.then_some(first));
        let Some(anchor) = anchor else {
            return Edit::insert(first.start_byte(), "import os\n");
        };
        let end = anchor.end_byte();
        match text[end..].find('\n') {
            Some(newline) => Edit::insert(end + newline + 1, "import os\n"),
            None => Edit::insert(text.len(), "\nimport os\n"),
        }
    }

    /// `os.getenv("DEBUG", "True")`, `os.environ.get("APP_DEBUG", "1")`,
    /// `env.bool("DEBUG", default=True)` (django-environ / environs).
    fn env_default(
        cx: &FileContext<'_>,
        m: &Captures<'_, '_>,
        call: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let (Some(function), Some(name), Some(args)) = (
            m.get("debug.env_function"),
            m.get("debug.env_name"),
            call.child_by_field_name("arguments"),
        ) else {
            return;
        };
        let text = cx.text();
        let Some(name) = static_string(name, text) else {
            return;
        };
        let lower = name.to_ascii_lowercase();
        if !(lower == "debug" || lower.ends_with("_debug")) {
            return;
        }
        let Some(path) = callee_path(function, text) else {
            return;
        };
        let canonical = cx.bindings().canonical(&path);
        let bound = cx
            .bindings()
            .get(path.split('.').next().unwrap_or(""))
            .is_some();
        let default = if bound
            && matches!(
                canonical.as_str(),
                "os.getenv" | "os.environ.get" | "os.environ.pop"
            ) {
            positional_arguments(args)
                .get(1)
                .copied()
                .or_else(|| keyword_argument(args, "default", text))
        } else if is_env_reader(cx, function) {
            keyword_argument(args, "default", text)
        } else {
            None
        };
        let Some(default) = default else {
            return;
        };
        let Some(off) = false_counterpart(cx, default) else {
            return;
        };
        let how = format!(
            "`{name}` defaults to `{}` when unset",
            cx.node_text(default)
        );
        out.push(
            RULE.finding(default.byte_range(), message(&how, false))
                .with_fix(Fix::unsafe_(
                    FIX_DEFAULT,
                    vec![Edit::replace(default.byte_range(), off)],
                )),
        );
    }

    /// `env(...)`, `env.bool(...)` where `env = environ.Env(...)` / `environs.Env()`.
    fn is_env_reader(cx: &FileContext<'_>, function: Node<'_>) -> bool {
        let receiver = match function.kind() {
            "identifier" => function,
            "attribute" => match function.child_by_field_name("object") {
                Some(object) => object,
                None => return false,
            },
            _ => return false,
        };
        let Some(value) = resolve_assignment(receiver, cx.text()) else {
            return false;
        };
        value.kind() == "call"
            && value
                .child_by_field_name("function")
                .and_then(|f| callee_path(f, cx.text()))
                .is_some_and(|path| {
                    cx.bindings()
                        .get(path.split('.').next().unwrap_or(""))
                        .is_some()
                        && matches!(
                            cx.bindings().canonical(&path).as_str(),
                            "environ.Env" | "environs.Env"
                        )
                })
    }

    /// The "off" literal for a truthy default, written in the same style.
    fn false_counterpart(cx: &FileContext<'_>, value: Node<'_>) -> Option<String> {
        match value.kind() {
            "true" => Some("False".into()),
            "integer" if cx.node_text(value) == "1" => Some("0".into()),
            "string" => {
                let content = static_string(value, cx.text())?;
                let off = match content.as_str() {
                    "True" => "False",
                    "true" => "false",
                    "1" => "0",
                    "yes" => "no",
                    "on" => "off",
                    _ => return None,
                };
                let written = cx.node_text(value);
                let quote = if written.ends_with('\'') { '\'' } else { '"' };
                Some(format!("{quote}{off}{quote}"))
            }
            _ => None,
        }
    }
}

mod ecma {
    //! `NODE_ENV`, `errorhandler` and Express's `env` setting.

    use super::*;
    use crate::lang::ecma::{callee_path, static_string};

    pub(super) fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
        if let Some(assignment) = m.get("debug.node_env_assignment") {
            node_env(cx, m, assignment, out);
        } else if let Some(handler_call) = m.get("debug.handler_call") {
            errorhandler(cx, m, handler_call, out);
        } else if let Some(call) = m.get("debug.set_call") {
            let text = cx.text();
            let setting = m.get("debug.setting").and_then(|s| static_string(s, text));
            let value = m.get("debug.value").and_then(|v| static_string(v, text));
            if setting.as_deref() == Some("env") && value.as_deref() == Some("development") {
                let how = format!("`{}`", cx.node_text(call));
                out.push(RULE.finding(call.byte_range(), message(&how, false)));
            }
        }
    }

    fn node_env(
        cx: &FileContext<'_>,
        m: &Captures<'_, '_>,
        assignment: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let (Some(left), Some(value)) = (m.get("debug.node_env"), m.get("debug.value")) else {
            return;
        };
        let text = cx.text();
        if callee_path(left, text).as_deref() != Some("process.env.NODE_ENV") {
            return;
        }
        let Some(value) = static_string(value, text) else {
            return;
        };
        if matches!(value.as_str(), "production" | "prod" | "test") {
            return;
        }
        let how = format!("`NODE_ENV` is set to `'{value}'`");
        let finding = RULE.finding(assignment.byte_range(), message(&how, false));
        let statement = assignment
            .parent()
            .filter(|p| p.kind() == "expression_statement")
            .filter(|s| {
                s.parent()
                    .is_some_and(|b| matches!(b.kind(), "program" | "statement_block"))
            });
        out.push(match statement {
            Some(statement) => finding.with_fix(Fix::unsafe_(
                "Remove the `NODE_ENV` assignment",
                vec![Edit::delete(statement_deletion(text, statement))],
            )),
            None => finding,
        });
    }

    /// `app.use(errorhandler())` outside a development-only branch.
    fn errorhandler(
        cx: &FileContext<'_>,
        m: &Captures<'_, '_>,
        handler_call: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let (Some(handler), Some(use_call)) = (m.get("debug.handler"), m.get("debug.use_call"))
        else {
            return;
        };
        if !cx
            .bindings()
            .is(cx.node_text(handler), "errorhandler#default")
        {
            return;
        }
        if in_development_branch(cx, use_call) {
            return;
        }
        let finding = RULE.finding(
            handler_call.byte_range(),
            message("`errorhandler()` is installed unconditionally", false),
        );
        let statement = use_call
            .parent()
            .filter(|p| p.kind() == "expression_statement")
            .filter(|s| {
                s.parent()
                    .is_some_and(|b| matches!(b.kind(), "program" | "statement_block"))
            });
        let Some(statement) = statement else {
            out.push(finding);
            return;
        };
        let text = cx.text();
        let indent = line_indent(text, statement);
        let body = cx
            .node_text(statement)
            .replace('\n', "\n  ")
            .replace("\n  \n", "\n\n");
        let wrapped =
            format!("if (process.env.NODE_ENV === 'development') {{\n{indent}  {body}\n{indent}}}");
        out.push(finding.with_fix(Fix::unsafe_(
            "Install `errorhandler` in development only",
            vec![Edit::replace(statement.byte_range(), wrapped)],
        )));
    }

    /// Inside an `if`/`?:` whose condition mentions `NODE_ENV` or development.
    fn in_development_branch(cx: &FileContext<'_>, node: Node<'_>) -> bool {
        let mut current = node.parent();
        while let Some(ancestor) = current {
            if matches!(ancestor.kind(), "if_statement" | "ternary_expression")
                && let Some(condition) = ancestor.child_by_field_name("condition")
            {
                let condition = cx.node_text(condition).to_ascii_lowercase();
                if ["node_env", "development", "isdev", "is_dev", "debug"]
                    .iter()
                    .any(|word| condition.contains(word))
                    || condition.contains("'dev'")
                    || condition.contains("\"dev\"")
                {
                    return true;
                }
            }
            current = ancestor.parent();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::FixSafety;
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "debug-mode";

    fn found(path: &str, text: &str) -> Vec<String> {
        spans(text, &check(ID, path, text))
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    /// The unsafe fix applied, checked to parse cleanly.
    fn fix(path: &str, text: &str) -> String {
        let findings = check(ID, path, text);
        assert!(!findings.is_empty(), "no finding in {text}");
        let result = fixed(text, &findings, FixSafety::Unsafe);
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        let tree = parser.parse(&result, None).unwrap();
        assert!(
            !tree.root_node().has_error(),
            "fix broke the syntax:\n{result}"
        );
        result
    }

    #[test]
    fn flask_run_and_config() {
        let text = "from flask import Flask\napp = Flask(__name__)\napp.debug = True\n\
                    app.config[\"DEBUG\"] = True\napp.config.update(DEBUG=True)\n\
                    if __name__ == \"__main__\":\n    app.run(host=\"0.0.0.0\", debug=True)\n";
        assert_eq!(
            found("app/main.py", text),
            ["True", "True", "DEBUG=True", "debug=True"]
        );
        let findings = check(ID, "app/main.py", text);
        assert_eq!(
            findings[3].message,
            "Debug mode is enabled (`app.run(debug=True)`); in production it exposes stack traces \
             and internals, and an interactive debugger. Control it from the environment and keep \
             it off by default."
        );
    }

    #[test]
    fn flask_near_misses() {
        // Env-driven, not Flask, another key, asyncio.
        let text = "import os\nfrom flask import Flask\napp = Flask(__name__)\n\
                    app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")\n\
                    app.config[\"TESTING\"] = True\napp.debug = False\nasyncio.run(main(), debug=True)\n";
        assert!(found("app/main.py", text).is_empty());
        assert!(found("app/main.py", "thing.run(debug=True)\nobj.debug = True\n").is_empty());
    }

    #[test]
    fn fastapi_starlette_werkzeug() {
        let text = "import os\nfrom fastapi import FastAPI\nfrom starlette.applications import Starlette\n\
                    from werkzeug.serving import run_simple\n\
                    DEBUG = os.getenv(\"DEBUG\", \"True\") == \"True\"\napp = FastAPI(debug=True)\n\
                    other = Starlette(routes=[], debug=True)\nrun_simple(\"0\", 5000, app, use_debugger=True)\n";
        assert_eq!(
            found("app/main.py", text),
            ["\"True\"", "debug=True", "debug=True", "use_debugger=True"]
        );
        // A local `FastAPI` is not the framework.
        assert!(found("app/main.py", "FastAPI(debug=True)\n").is_empty());
    }

    #[test]
    fn django_settings_modules() {
        let text = "INSTALLED_APPS = [\"django.contrib.admin\"]\nMIDDLEWARE = []\nDEBUG = True\n";
        assert_eq!(found("myproject/conf.py", text), ["True"]);
        assert_eq!(found("myproject/settings.py", "DEBUG = True\n"), ["True"]);
        assert_eq!(
            found("myproject/settings/base.py", "DEBUG = True\n"),
            ["True"]
        );
        for path in [
            "myproject/settings/local.py",
            "myproject/settings_dev.py",
            "myproject/settings/test.py",
            "myproject/settings/ci.py",
            "myproject/config.py",
        ] {
            assert!(found(path, "DEBUG = True\n").is_empty(), "{path}");
        }
        // Overridden further down.
        let text = "import os\nDEBUG = True\nDEBUG = os.environ.get(\"DJANGO_DEBUG\") == \"1\"\n";
        assert!(found("myproject/settings.py", text).is_empty());
        // Env-driven or nested in a branch.
        let text = "import os\nDEBUG = os.environ.get(\"DJANGO_DEBUG\", \"\") == \"1\"\n\
                    if os.environ.get(\"X\"):\n    DEBUG = True\n";
        assert!(found("myproject/settings.py", text).is_empty());
    }

    #[test]
    fn debug_defaults_from_the_environment() {
        let text = "import os\nfrom os import environ\nimport environ as django_environ\n\
                    env = django_environ.Env()\n\
                    A = os.environ.get(\"APP_DEBUG\", \"1\")\nB = environ.get(\"DEBUG\", default=\"true\")\n\
                    C = env.bool(\"DEBUG\", default=True)\nD = os.getenv(\"DEBUG\", \"False\")\n\
                    E = os.getenv(\"DEBUGGER_HOST\", \"1\")\nF = os.getenv(\"DEBUG\")\n";
        assert_eq!(found("app/config.py", text), ["\"1\"", "\"true\"", "True"]);
    }

    #[test]
    fn python_fixes() {
        let head = "from flask import Flask\napp = Flask(__name__)\n";
        let cases = [
            (
                "app.run(host=\"0.0.0.0\", debug=True)\n",
                "app.run(host=\"0.0.0.0\")\n",
            ),
            ("app.run(debug=True, port=5000)\n", "app.run(port=5000)\n"),
            ("app.run(debug=True)\n", "app.run()\n"),
            ("app.debug = True\napp.run()\n", "app.run()\n"),
            ("if x:\n    app.debug = True\n", "if x:\n    pass\n"),
        ];
        for (before, after) in cases {
            assert_eq!(
                fix("app/main.py", &format!("{head}{before}")),
                format!("{head}{after}")
            );
        }
        assert_eq!(
            fix(
                "proj/settings.py",
                "\"\"\"Settings.\"\"\"\nfrom pathlib import Path\nDEBUG = True\n"
            ),
            "\"\"\"Settings.\"\"\"\nfrom pathlib import Path\nimport os\nDEBUG = os.environ.get(\"DJANGO_DEBUG\", \"\") == \"1\"\n"
        );
        assert_eq!(
            fix(
                "app/config.py",
                "import os\nDEBUG = os.getenv('DEBUG', 'True') == 'True'\n"
            ),
            "import os\nDEBUG = os.getenv('DEBUG', 'False') == 'True'\n"
        );
    }

    #[test]
    fn node_env_errorhandler_and_express_env() {
        let text = "import errorhandler from 'errorhandler';\nprocess.env.NODE_ENV = 'development';\n\
                    app.use(errorhandler());\napp.set('env', 'development');\n";
        assert_eq!(
            found("src/app.ts", text),
            [
                "process.env.NODE_ENV = 'development'",
                "errorhandler()",
                "app.set('env', 'development')"
            ]
        );
        let text = "import errorhandler from 'errorhandler';\n\
                    if (process.env.NODE_ENV === 'development') {\n  app.use(errorhandler());\n}\n\
                    process.env.NODE_ENV = 'production';\nprocess.env.NODE_ENV = process.env.X;\n\
                    app.use(other());\napp.set('env', process.env.NODE_ENV);\n";
        assert!(found("src/app.ts", text).is_empty());
        // Not the errorhandler package.
        assert!(found("src/app.js", "app.use(errorhandler());\n").is_empty());
    }

    #[test]
    fn ts_fixes() {
        assert_eq!(
            fix(
                "src/app.js",
                "process.env.NODE_ENV = 'development';\nstart();\n"
            ),
            "start();\n"
        );
        assert_eq!(
            fix(
                "src/app.js",
                "const errorhandler = require('errorhandler');\nfunction f() {\n  app.use(errorhandler());\n}\n"
            ),
            "const errorhandler = require('errorhandler');\nfunction f() {\n  if (process.env.NODE_ENV === 'development') {\n    app.use(errorhandler());\n  }\n}\n"
        );
    }
}
