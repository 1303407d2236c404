use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::engine::{Captures, FileContext};
use preflight_grammars::LanguageFamily;
use std::ops::Range;
use tree_sitter::Node;

/// `process.env.NODE_ENV`, the `errorhandler` package, Express's `'development'` env; in Python
/// every debug switch is named `debug` in some case (`debug=True`, `DEBUG`, `use_debugger`).
const TRIGGERS: Triggers = Triggers {
    ecma: Words::any_case(&["node_env", "errorhandler", "development"]),
    python: Words::any_case(&["debug"]),
};

declare_rule! {
    /// ## What it does
    /// Flags debug modes switched on in code or in a container image:
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
    ///   development-only branch, `app.set('env', 'development')`;
    /// - Dockerfiles, in the final stage and the stages it is built on: an `ENV` that leaves
    ///   `DEBUG`, `FLASK_DEBUG`, `DJANGO_DEBUG` or `APP_DEBUG` truthy (`1`, `true`, `yes`, `on`),
    ///   `FLASK_ENV`/`RAILS_ENV` at `development`, `NODE_ENV` at `development`/`dev` or
    ///   `ASPNETCORE_ENVIRONMENT` at `Development` (build arguments resolved, a later `ENV`
    ///   winning); `NODE_OPTIONS` holding an inspector flag; and a container command that starts
    ///   Node's inspector (`node --inspect`, `--inspect-brk`, `--inspect-wait`, also through
    ///   `nodemon`, `tsx` or `ts-node-dev`) or `flask run --debug`/`--debugger`.
    ///
    /// Values read from the environment (`debug=os.environ.get("FLASK_DEBUG") == "1"`) are not
    /// flagged, nor are build stages that do not ship (`FROM node:20 AS build` with
    /// `ENV NODE_ENV=development`), `ARG`s (they do not reach the container), or Dockerfiles
    /// named for development (`Dockerfile.dev`).
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
    /// ```dockerfile
    /// FROM node:20-slim
    /// ENV NODE_ENV=development
    /// CMD ["node", "--inspect=0.0.0.0:9229", "dist/main.js"]
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
    /// ```dockerfile
    /// FROM node:20-slim
    /// ENV NODE_ENV=production
    /// CMD ["node", "dist/main.js"]
    /// ```
    ///
    /// ## Fix safety
    /// The fixes are unsafe: they change how developers run the application. They delete the
    /// `debug=True` keyword, the `app.debug = True` or `app.config["DEBUG"] = True` statement or
    /// the `NODE_ENV` assignment; read Django's `DEBUG` from `DJANGO_DEBUG` (adding `import os`);
    /// turn a debug default off (`"True"` → `"False"`, `"1"` → `"0"`); and wrap
    /// `app.use(errorhandler())` in `if (process.env.NODE_ENV === 'development') { … }`. In a
    /// Dockerfile they set the `ENV` value to its off counterpart (`1` → `0`, `true` → `false`,
    /// `development` → `production`; none when the value comes from a build argument) and remove
    /// the `--inspect…`/`--debug` element or word from the command or from `NODE_OPTIONS`.
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: debug-mode` (Python, Dockerfile: above the instruction) or
    /// `// preflight-ignore: debug-mode` (TS/JS) on the line above, or turn the rule off with
    /// `[rules] debug-mode = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "debug-mode",
        summary: "Debug mode enabled in code or in the container",
        category: Category::Security,
        severity: Severity::Error,
        languages: &[
            LanguageFamily::Ecma,
            LanguageFamily::Python,
            LanguageFamily::Dockerfile,
        ],
        fix: FixAvailability::Unsafe,
        check: Check::MatchesAndDockerfile(check, TRIGGERS, dockerfile::check),
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

mod dockerfile {
    //! Debug switches in the `ENV` of the final stage chain and debugger flags in the command the
    //! final container runs.

    use super::*;
    use crate::docker::DockerContext;
    use crate::docker::command::{
        Command, CommandForm, Word, analysed_words, basename, launcher_len,
    };
    use crate::docker::python::module_index;

    pub(super) fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
        let Some(last) = docker.final_stage() else {
            return;
        };
        environment(docker, last.index, out);
        command(docker, last.index, out);
    }

    // -----------------------------------------------------------------------------------------
    // ENV

    /// What a debug setting turns on, and the value that turns it off.
    struct Switch {
        off: String,
        debugger: bool,
    }

    /// The debug switch `NAME=value` sets, if any (RULES.md §4.8).
    fn switch(name: &str, value: &str) -> Option<Switch> {
        let off = match name {
            "DEBUG" | "FLASK_DEBUG" | "DJANGO_DEBUG" | "APP_DEBUG" => {
                let off = match value.to_ascii_lowercase().as_str() {
                    "1" => "0",
                    "true" => "false",
                    "yes" => "no",
                    "on" => "off",
                    _ => return None,
                };
                same_case(value, off)
            }
            "FLASK_ENV" | "RAILS_ENV" if value == "development" => "production".into(),
            "NODE_ENV" if value == "development" || value == "dev" => "production".into(),
            "ASPNETCORE_ENVIRONMENT" if value.eq_ignore_ascii_case("development") => {
                same_case(value, "production")
            }
            _ => return None,
        };
        Some(Switch {
            off,
            // Flask's debug mode runs the Werkzeug debugger under `flask run`.
            debugger: matches!(name, "FLASK_DEBUG" | "FLASK_ENV"),
        })
    }

    /// `off` written like `like`: `True` → `False`, `TRUE` → `FALSE`.
    fn same_case(like: &str, off: &str) -> String {
        let mut letters = like.chars().filter(|c| c.is_ascii_alphabetic());
        match letters.next() {
            Some(first) if first.is_ascii_uppercase() => {
                if letters.clone().next().is_some() && letters.all(|c| c.is_ascii_uppercase()) {
                    off.to_ascii_uppercase()
                } else {
                    let mut chars = off.chars();
                    chars.next().map_or_else(String::new, |c| {
                        c.to_ascii_uppercase().to_string() + chars.as_str()
                    })
                }
            }
            _ => off.to_string(),
        }
    }

    /// The `env_pair` of each name that is in effect at the end of the final stage chain: a later
    /// `ENV` of the same name (in the stage or a derived one) overrides an earlier one.
    fn environment(docker: &DockerContext<'_>, stage: usize, out: &mut Vec<Finding>) {
        let text = docker.text();
        let mut last: Vec<(&str, Node<'_>, Node<'_>)> = Vec::new();
        for (_, instruction) in docker.chain_instructions(stage, None) {
            if instruction.kind() != "env_instruction" {
                continue;
            }
            let mut cursor = instruction.walk();
            for pair in instruction.named_children(&mut cursor) {
                let Some(name) = pair.child_by_field_name("name") else {
                    continue;
                };
                let name = &text[name.byte_range()];
                last.retain(|(n, _, _)| *n != name);
                last.push((name, pair, instruction));
            }
        }
        for (name, pair, instruction) in last {
            // Resolving a value walks the stage chain: only for names that can matter.
            let known = matches!(
                name,
                "NODE_OPTIONS"
                    | "DEBUG"
                    | "FLASK_DEBUG"
                    | "DJANGO_DEBUG"
                    | "APP_DEBUG"
                    | "FLASK_ENV"
                    | "RAILS_ENV"
                    | "NODE_ENV"
                    | "ASPNETCORE_ENVIRONMENT"
            );
            if !known || !docker.is_intact(instruction) {
                continue;
            }
            let Some(value_node) = pair.child_by_field_name("value") else {
                continue;
            };
            let Some(value) = docker.value(value_node) else {
                continue;
            };
            if name == "NODE_OPTIONS" {
                node_options(docker, pair, value_node, &value, out);
                continue;
            }
            let Some(switch) = switch(name, &value) else {
                continue;
            };
            let how = format!("`ENV {name}={value}`");
            let finding = RULE.finding(pair.byte_range(), message(&how, switch.debugger));
            out.push(match replacement(docker, value_node, &switch.off) {
                Some(edit) => finding.with_fix(Fix::unsafe_(
                    format!("Set `{name}` to `{}`", switch.off),
                    vec![edit],
                )),
                None => finding,
            });
        }
    }

    /// `NODE_OPTIONS` holding an inspector flag: every `node` of the container opens a debugger
    /// port, whatever the command.
    fn node_options(
        docker: &DockerContext<'_>,
        pair: Node<'_>,
        value_node: Node<'_>,
        value: &str,
        out: &mut Vec<Finding>,
    ) {
        let Some(flag) = value.split_whitespace().find(|w| is_inspect(w)) else {
            return;
        };
        let how = format!("`{flag}` in `NODE_OPTIONS`");
        let finding = RULE.finding(pair.byte_range(), message(&how, true));
        out.push(match option_removal(docker, value_node, flag) {
            Some(edit) => finding.with_fix(Fix::unsafe_(format!("Remove `{flag}`"), vec![edit])),
            None => finding,
        });
    }

    /// The edit removing the word `flag` from a literal `NODE_OPTIONS` value (with the blanks
    /// that separate it), or emptying the value when it is the only word.
    fn option_removal(docker: &DockerContext<'_>, value: Node<'_>, flag: &str) -> Option<Edit> {
        let range = value.byte_range();
        let raw = &docker.text()[range.clone()];
        if raw.contains(['$', '\\', '\n']) {
            return None;
        }
        let (content, offset) = match value.kind() {
            "double_quoted_string" | "single_quoted_string" => (&raw[1..raw.len() - 1], 1),
            "unquoted_string" => (raw, 0),
            _ => return None,
        };
        let words: Vec<(usize, &str)> = content
            .split(' ')
            .scan(0, |at, word| {
                let start = *at;
                *at += word.len() + 1;
                Some((start, word))
            })
            .filter(|(_, word)| !word.is_empty())
            .collect();
        if words.len() == 1 && words[0].1 == flag {
            return Some(Edit::replace(range, "\"\""));
        }
        let index = words.iter().position(|(_, word)| *word == flag)?;
        let at = |offset_in_content: usize| range.start + offset + offset_in_content;
        let (start, end) = match (words.get(index + 1), index.checked_sub(1)) {
            // Up to the next word, or from the end of the previous one.
            (Some(&(next, _)), _) => (at(words[index].0), at(next)),
            (None, Some(previous)) => (
                at(words[previous].0 + words[previous].1.len()),
                at(words[index].0 + flag.len()),
            ),
            (None, None) => return None,
        };
        Some(Edit::delete(start..end))
    }

    /// The edit writing `off` in place of a literal value, keeping its quotes. `None` when the
    /// value comes from an expansion (the `ARG` default or build argument decides it).
    fn replacement(docker: &DockerContext<'_>, value: Node<'_>, off: &str) -> Option<Edit> {
        let raw = &docker.text()[value.byte_range()];
        if raw.contains('$') || raw.contains('\n') {
            return None;
        }
        let replacement = match value.kind() {
            "double_quoted_string" => format!("\"{off}\""),
            "single_quoted_string" => format!("'{off}'"),
            "unquoted_string" => off.to_string(),
            _ => return None,
        };
        Some(Edit::replace(value.byte_range(), replacement))
    }

    // -----------------------------------------------------------------------------------------
    // CMD / ENTRYPOINT

    /// Debugger flags in the command lines the final container runs.
    fn command(docker: &DockerContext<'_>, stage: usize, out: &mut Vec<Finding>) {
        let effective = docker.effective_command(stage);
        let mut flagged: Vec<Range<usize>> = Vec::new();
        for words in command_lines(docker, &effective.entrypoint, &effective.cmd) {
            for (word, how) in debugger_flags(&words) {
                if flagged.contains(&word.range) {
                    continue;
                }
                flagged.push(word.range.clone());
                let finding = RULE.finding(word.range.clone(), message(&how, true));
                let commands = [&effective.entrypoint, &effective.cmd];
                let removal = commands
                    .into_iter()
                    .flatten()
                    .find_map(|c| removal(docker, c, &word));
                out.push(match removal {
                    Some(range) => finding.with_fix(Fix::unsafe_(
                        format!("Remove `{}`", word.text),
                        vec![Edit::delete(range)],
                    )),
                    None => finding,
                });
            }
        }
    }

    /// The analysed words (H9) of `ENTRYPOINT` + `CMD`, and of the `CMD` alone when the
    /// `ENTRYPOINT` is a wrapper script that runs its arguments (`docker-entrypoint.sh`).
    fn command_lines(
        docker: &DockerContext<'_>,
        entrypoint: &Option<Command<'_>>,
        cmd: &Option<Command<'_>>,
    ) -> Vec<Vec<Word>> {
        let text = docker.text();
        let words_of = |command: &Option<Command<'_>>| -> Option<Vec<Word>> {
            match command {
                Some(c) if docker.is_intact(c.instruction) => c.words(text),
                Some(_) => None,
                None => Some(Vec::new()),
            }
        };
        let (Some(entry), Some(cmd_words)) = (words_of(entrypoint), words_of(cmd)) else {
            return Vec::new();
        };
        // A shell-form ENTRYPOINT ignores CMD.
        let shell_entrypoint = entrypoint.as_ref().is_some_and(|e| !e.is_exec());
        let mut full = entry.clone();
        if !shell_entrypoint {
            full.extend(cmd_words.iter().cloned());
        }
        let mut lines = vec![analysed_words(&full)];
        let entry_texts: Vec<&str> = entry.iter().map(|w| w.text.as_str()).collect();
        let rest = &entry_texts[launcher_len(&entry_texts)..];
        let wrapper = rest.len() == 1
            && (rest[0].ends_with(".sh") || basename(rest[0]).contains("entrypoint"));
        if wrapper && !shell_entrypoint && !cmd_words.is_empty() {
            lines.push(analysed_words(&cmd_words));
        }
        lines
    }

    /// Node's inspector flags (`--inspect`, `--inspect-brk`, `--inspect-wait`, with or without
    /// `=host:port`).
    fn is_inspect(arg: &str) -> bool {
        let flag = arg.split_once('=').map_or(arg, |(flag, _)| flag);
        matches!(flag, "--inspect" | "--inspect-brk" | "--inspect-wait")
    }

    /// Node options that take the next word as their value.
    const NODE_VALUE_OPTIONS: &[&str] = &[
        "-r",
        "--require",
        "--import",
        "--loader",
        "--experimental-loader",
        "-C",
        "--conditions",
        "--env-file",
        "--title",
        "--inspect-port",
        "--debug-port",
        "--input-type",
        "--stack-size",
    ];

    /// nodemon options that take the next word as their value.
    const NODEMON_VALUE_OPTIONS: &[&str] = &[
        "-e",
        "--ext",
        "-x",
        "--exec",
        "-w",
        "--watch",
        "-i",
        "--ignore",
        "-d",
        "--delay",
        "--signal",
        "--config",
        "-r",
        "--require",
    ];

    /// The debugger flags of one command line, with how to describe them.
    fn debugger_flags(words: &[Word]) -> Vec<(Word, String)> {
        let Some(first) = words.first() else {
            return Vec::new();
        };
        let program = basename(&first.text);
        let mut found = Vec::new();
        match program {
            // Node's own options come before the script; later words are the script's.
            "node" | "nodejs" | "nodemon" | "tsx" | "ts-node-dev" => {
                let value_options = if program == "nodemon" {
                    NODEMON_VALUE_OPTIONS
                } else {
                    NODE_VALUE_OPTIONS
                };
                let mut i = 1;
                while let Some(word) = words.get(i) {
                    let arg = word.text.as_str();
                    if arg == "--" || !arg.starts_with('-') || word.expands {
                        break;
                    }
                    if is_inspect(arg) {
                        found.push((word.clone(), format!("`{program} {arg}`")));
                    }
                    let takes_value = !arg.contains('=') && value_options.contains(&arg);
                    i += if takes_value { 2 } else { 1 };
                }
            }
            _ => {
                let texts: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
                let start = match module_index(&texts, 0) {
                    Some(module) if texts[module] == "flask" => module + 1,
                    Some(_) => return found,
                    None if program == "flask" => 1,
                    None => return found,
                };
                let args = &words[start..];
                if !args.iter().any(|w| w.text == "run") {
                    return found;
                }
                for word in args {
                    if word.text == "--debug" || word.text == "--debugger" {
                        let how = if word.text == "--debug" {
                            "`flask run --debug`"
                        } else {
                            "`flask run --debugger`"
                        };
                        found.push((word.clone(), how.to_string()));
                    }
                }
            }
        }
        found
    }

    /// The range that removes `word` from `command`: the exec element with its comma, or the
    /// shell token with the blanks after it. `None` when the word is not located exactly (a
    /// word of a multi-line script).
    fn removal(
        docker: &DockerContext<'_>,
        command: &Command<'_>,
        word: &Word,
    ) -> Option<Range<usize>> {
        let text = docker.text();
        let instruction = command.instruction.byte_range();
        if word.range.start < instruction.start || word.range.end > instruction.end {
            return None;
        }
        if let CommandForm::Exec { elements, .. } = &command.form
            && let Some(element) = elements.iter().find(|e| e.node.byte_range() == word.range)
        {
            return element_removal(element.node);
        }
        if text[word.range.clone()] != word.text {
            return None;
        }
        let after = &text[word.range.end..];
        let blanks = after.len() - after.trim_start_matches([' ', '\t']).len();
        let rest = &after[blanks..];
        if blanks > 0
            && !rest.is_empty()
            && !rest.starts_with(['\n', '\r', '\\', '"', ';', '&', '|'])
        {
            return Some(word.range.start..word.range.end + blanks);
        }
        let before = &text[..word.range.start];
        let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
        (blanks > 0).then(|| word.range.start - blanks..word.range.end)
    }

    /// An exec-form element with the comma that separates it from its neighbours.
    fn element_removal(element: Node<'_>) -> Option<Range<usize>> {
        if let Some(previous) = element.prev_sibling().filter(|p| p.kind() == ",") {
            return Some(previous.start_byte()..element.end_byte());
        }
        let comma = element.next_sibling().filter(|n| n.kind() == ",")?;
        let next = comma.next_named_sibling()?;
        Some(element.start_byte()..next.start_byte())
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

    fn dockerfile(text: &str) -> Vec<String> {
        found("Dockerfile", text)
    }

    fn messages(text: &str) -> Vec<String> {
        check(ID, "Dockerfile", text)
            .into_iter()
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn dockerfile_rules_example() {
        let text = "FROM node:20-slim\nENV NODE_ENV=development\n\
                    CMD [\"node\", \"--inspect=0.0.0.0:9229\", \"dist/main.js\"]\n";
        assert_eq!(
            dockerfile(text),
            ["NODE_ENV=development", "\"--inspect=0.0.0.0:9229\""]
        );
        assert_eq!(
            messages(text),
            [
                "Debug mode is enabled (`ENV NODE_ENV=development`); in production it exposes \
                 stack traces and internals. Control it from the environment and keep it off by \
                 default.",
                "Debug mode is enabled (`node --inspect=0.0.0.0:9229`); in production it exposes \
                 stack traces and internals, and an interactive debugger. Control it from the \
                 environment and keep it off by default."
            ]
        );
        assert_eq!(
            fix("Dockerfile", text),
            "FROM node:20-slim\nENV NODE_ENV=production\nCMD [\"node\", \"dist/main.js\"]\n"
        );
        let text = "FROM node:20 AS build\nENV NODE_ENV=development\nRUN npm ci && npm run build\n\
                    FROM node:20-slim\nENV NODE_ENV=production\nCMD [\"node\", \"dist/main.js\"]\n";
        assert!(dockerfile(text).is_empty());
    }

    #[test]
    fn dockerfile_env_switches() {
        for (pair, off) in [
            ("DEBUG=1", "DEBUG=0"),
            ("DEBUG=True", "DEBUG=False"),
            ("DEBUG=TRUE", "DEBUG=FALSE"),
            ("FLASK_DEBUG=\"1\"", "FLASK_DEBUG=\"0\""),
            ("DJANGO_DEBUG='yes'", "DJANGO_DEBUG='no'"),
            ("APP_DEBUG=on", "APP_DEBUG=off"),
            ("FLASK_ENV=development", "FLASK_ENV=production"),
            ("NODE_ENV=dev", "NODE_ENV=production"),
            ("NODE_ENV development", "NODE_ENV production"),
            ("RAILS_ENV=development", "RAILS_ENV=production"),
            (
                "ASPNETCORE_ENVIRONMENT=Development",
                "ASPNETCORE_ENVIRONMENT=Production",
            ),
        ] {
            let text = format!("FROM python:3.12-slim\nENV {pair}\nCMD [\"python\", \"app.py\"]\n");
            assert_eq!(dockerfile(&text), [pair], "{pair}");
            assert_eq!(
                fix("Dockerfile", &text),
                format!("FROM python:3.12-slim\nENV {off}\nCMD [\"python\", \"app.py\"]\n")
            );
        }
        // The Werkzeug debugger comes with Flask's debug mode.
        let text = "FROM python:3.12-slim\nENV FLASK_DEBUG=1 DEBUG=1\n";
        let messages = messages(text);
        assert!(messages[0].contains("(`ENV FLASK_DEBUG=1`)") && messages[0].contains("debugger"));
        assert!(messages[1].contains("(`ENV DEBUG=1`)") && !messages[1].contains("debugger"));
    }

    #[test]
    fn dockerfile_env_near_misses() {
        for pair in [
            "DEBUG=0",
            "DEBUG=false",
            "DEBUG=\"\"",
            "DEBUG=express:*",
            "NODE_ENV=production",
            "NODE_ENV=test",
            "NODE_ENV=Development",
            "FLASK_ENV=production",
            "DEBUG_LEVEL=1",
            "PYTHONDEBUG=1",
            "MY_DEBUG=1",
            "LOG_LEVEL=debug",
            "DEBUG=${DEBUG}",
            "DEBUG=$UNDECLARED_ARG",
        ] {
            let text = format!("FROM python:3.12-slim\nENV {pair}\n");
            assert!(dockerfile(&text).is_empty(), "{pair}");
        }
        // Overridden later in the stage or in a derived stage; an ARG never reaches the container.
        let text = "FROM node:20\nENV NODE_ENV=development\nRUN npm ci\nENV NODE_ENV=production\n";
        assert!(dockerfile(text).is_empty());
        let text = "FROM node:20 AS base\nENV DEBUG=1\nFROM base\nENV DEBUG=0\n";
        assert!(dockerfile(text).is_empty());
        let text = "FROM node:20\nARG NODE_ENV=development\nRUN npm ci\n";
        assert!(dockerfile(text).is_empty());
        let text = "FROM node:20\nARG NODE_ENV=development\nENV NODE_ENV=production\n";
        assert!(dockerfile(text).is_empty());
        // A stage the final one does not build on.
        let text = "FROM node:20 AS dev\nENV NODE_ENV=development\nFROM node:20-slim AS prod\n";
        assert!(dockerfile(text).is_empty());
        // A comment.
        let text = "FROM node:20\n# ENV NODE_ENV=development\nCMD [\"node\", \"x.js\"]\n";
        assert!(dockerfile(text).is_empty());
    }

    #[test]
    fn dockerfile_env_through_args_and_stages() {
        // The build argument's default decides: reported, but the fix is left to the author.
        let text = "FROM node:20\nARG NODE_ENV=development\nENV NODE_ENV=${NODE_ENV}\n";
        let findings = check(ID, "Dockerfile", text);
        assert_eq!(spans(text, &findings), ["NODE_ENV=${NODE_ENV}"]);
        assert!(findings[0].fixes.is_empty());
        assert!(findings[0].message.contains("(`ENV NODE_ENV=development`)"));
        let text = "FROM node:20\nARG NODE_ENV=production\nENV NODE_ENV=${NODE_ENV}\n";
        assert!(dockerfile(text).is_empty());
        // Inherited from a base stage.
        let text =
            "FROM python:3.12 AS base\nENV DJANGO_DEBUG=true\nFROM base\nCMD [\"gunicorn\"]\n";
        assert_eq!(dockerfile(text), ["DJANGO_DEBUG=true"]);
    }

    #[test]
    fn dockerfile_env_fix_in_multi_pair_instructions() {
        let text =
            "FROM node:20\nENV PORT=3000 \\\n    NODE_ENV=development \\\n    HOST=0.0.0.0\n";
        assert_eq!(
            fix("Dockerfile", text),
            "FROM node:20\nENV PORT=3000 \\\n    NODE_ENV=production \\\n    HOST=0.0.0.0\n"
        );
    }

    #[test]
    fn dockerfile_inspector_flags() {
        let cases = [
            (
                "CMD [\"node\", \"--inspect\", \"server.js\"]",
                "\"--inspect\"",
                "CMD [\"node\", \"server.js\"]",
            ),
            (
                "CMD node --inspect-brk=0.0.0.0 server.js",
                "--inspect-brk=0.0.0.0",
                "CMD node server.js",
            ),
            (
                "ENTRYPOINT [\"tini\", \"--\", \"node\", \"-r\", \"dotenv/config\", \"--inspect\"]\nCMD [\"dist/main.js\"]",
                "\"--inspect\"",
                "ENTRYPOINT [\"tini\", \"--\", \"node\", \"-r\", \"dotenv/config\"]\nCMD [\"dist/main.js\"]",
            ),
            (
                "CMD [\"sh\", \"-c\", \"npm run migrate && exec node --inspect=0.0.0.0:9229 dist/main.js\"]",
                "--inspect=0.0.0.0:9229",
                "CMD [\"sh\", \"-c\", \"npm run migrate && exec node dist/main.js\"]",
            ),
            (
                "ENTRYPOINT [\"./docker-entrypoint.sh\"]\nCMD [\"node\", \"--inspect\", \"dist/main.js\"]",
                "\"--inspect\"",
                "ENTRYPOINT [\"./docker-entrypoint.sh\"]\nCMD [\"node\", \"dist/main.js\"]",
            ),
            (
                "CMD [\"flask\", \"run\", \"--host=0.0.0.0\", \"--debug\"]",
                "\"--debug\"",
                "CMD [\"flask\", \"run\", \"--host=0.0.0.0\"]",
            ),
            (
                "CMD python -m flask --app app run --debugger --host 0.0.0.0",
                "--debugger",
                "CMD python -m flask --app app run --host 0.0.0.0",
            ),
        ];
        for (command, span, after) in cases {
            let text = format!("FROM node:20-slim\n{command}\n");
            assert_eq!(dockerfile(&text), [span], "{command}");
            assert_eq!(
                fix("Dockerfile", &text),
                format!("FROM node:20-slim\n{after}\n")
            );
        }
        let text = "FROM python:3.12-slim\nCMD [\"flask\", \"--debug\", \"run\"]\n";
        assert_eq!(
            messages(text),
            [
                "Debug mode is enabled (`flask run --debug`); in production it exposes stack traces \
              and internals, and an interactive debugger. Control it from the environment and \
              keep it off by default."
            ]
        );
    }

    #[test]
    fn dockerfile_inspector_near_misses() {
        for command in [
            // After the script: the script's own argument.
            "CMD [\"node\", \"dist/main.js\", \"--inspect\"]",
            "CMD [\"node\", \"--inspect-port=9229\", \"dist/main.js\"]",
            "CMD [\"flask\", \"run\", \"--no-debug\"]",
            "CMD [\"flask\", \"routes\", \"--debug\"]",
            "CMD [\"gunicorn\", \"--debug\", \"app:app\"]",
            "CMD [\"python\", \"-m\", \"myapp\", \"run\", \"--debug\"]",
            // Only the last command of a script runs the service.
            "CMD node --inspect scripts/check.js && node dist/main.js",
            "CMD [\"echo\", \"node --inspect\"]",
        ] {
            let text = format!("FROM node:20-slim\n{command}\n");
            assert!(dockerfile(&text).is_empty(), "{command}");
        }
        // A RUN step of a build stage, a HEALTHCHECK, an overridden CMD and another stage.
        let text = "FROM node:20 AS build\nRUN node --inspect scripts/test.js\n\
                    CMD [\"node\", \"--inspect\", \"x.js\"]\n\
                    FROM node:20-slim\nHEALTHCHECK CMD node --inspect healthcheck.js\n\
                    CMD [\"node\", \"--inspect\", \"a.js\"]\nCMD [\"node\", \"dist/main.js\"]\n";
        assert!(dockerfile(text).is_empty());
        // Inherited from the base stage: reported where it is written.
        let text = "FROM node:20 AS base\nCMD [\"node\", \"--inspect\", \"x.js\"]\nFROM base\nENV PORT=3000\n";
        assert_eq!(dockerfile(text), ["\"--inspect\""]);
    }

    #[test]
    fn dockerfile_node_options() {
        for (value, after) in [
            ("\"--inspect=0.0.0.0:9229\"", "\"\""),
            ("--inspect", "\"\""),
            (
                "\"--inspect=0.0.0.0:9229 --max-old-space-size=2048\"",
                "\"--max-old-space-size=2048\"",
            ),
            (
                "'--enable-source-maps --inspect-brk'",
                "'--enable-source-maps'",
            ),
        ] {
            let text =
                format!("FROM node:20-slim\nENV NODE_OPTIONS={value}\nCMD [\"npm\", \"start\"]\n");
            assert_eq!(dockerfile(&text), [format!("NODE_OPTIONS={value}")]);
            assert_eq!(
                fix("Dockerfile", &text),
                format!("FROM node:20-slim\nENV NODE_OPTIONS={after}\nCMD [\"npm\", \"start\"]\n")
            );
        }
        let text = "FROM node:20-slim\nENV NODE_OPTIONS=\"--max-old-space-size=2048 --inspect-port=9229\"\n";
        assert!(dockerfile(text).is_empty());
        let text = "FROM node:20 AS dev\nENV NODE_OPTIONS=--inspect\nFROM node:20-slim\n";
        assert!(dockerfile(text).is_empty());
    }

    #[test]
    fn dockerfile_node_launchers() {
        let text = "FROM node:20\nCMD [\"nodemon\", \"--ext\", \"ts,js\", \"--inspect=0.0.0.0:9229\", \"src/index.ts\"]\n";
        assert_eq!(dockerfile(text), ["\"--inspect=0.0.0.0:9229\""]);
        let text = "FROM node:20\nCMD [\"npx\", \"ts-node-dev\", \"--inspect=0.0.0.0:9229\", \"--respawn\", \"src/server.ts\"]\n";
        assert_eq!(dockerfile(text), ["\"--inspect=0.0.0.0:9229\""]);
        let text = "FROM node:20\nCMD [\"nodemon\", \"--exec\", \"--inspect\", \"src/index.ts\"]\n";
        assert!(dockerfile(text).is_empty());
    }

    #[test]
    fn dockerfile_broken_instructions_are_skipped() {
        let text = "FROM node:20\nENV NODE_ENV=development\nCMD [\"node\", \"--inspect\", \"x.js\n";
        assert_eq!(dockerfile(text), ["NODE_ENV=development"]);
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
