//! Facts of Python files.

use super::edit::{self, EditContext};
use super::{AppSite, ErrorHandlerKind, FileFacts, Framework, SiteInsertions};
use crate::engine::{Captures, FileContext};
use crate::lang::python::{
    canonical_callee, keyword_argument, positional_arguments, resolve_assignment, static_string,
};
use tree_sitter::Node;

pub(super) fn extract(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    if let Some(call) = captures.get("app.call") {
        named_call(cx, call, facts);
    } else if let Some(call) = captures.get("fact.call") {
        method_call(cx, call, facts);
    } else if let Some(name) = captures.get("fact.setting") {
        django_settings(cx, name, facts);
    }
}

/// The framework an app-creating call belongs to, by canonical callee.
fn app_framework(cx: &FileContext<'_>, call: Node<'_>) -> Option<Framework> {
    match canonical_callee(call, cx.text(), cx.bindings())?.as_str() {
        "fastapi.FastAPI" => Some(Framework::FastApi),
        "starlette.applications.Starlette" => Some(Framework::Starlette),
        "flask.Flask" => Some(Framework::Flask),
        _ => None,
    }
}

/// `FastAPI()`, `Flask(__name__)`, `Starlette()`, `run(app)` from uvicorn.
fn named_call(cx: &FileContext<'_>, call: Node<'_>, facts: &mut FileFacts) {
    if let Some(framework) = app_framework(cx, call) {
        add_site(cx, call, framework, facts);
    } else if canonical_callee(call, cx.text(), cx.bindings()).as_deref() == Some("uvicorn.run") {
        facts.set_listens();
    }
}

fn method_call(cx: &FileContext<'_>, call: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let (Some(function), Some(arguments)) = (
        call.child_by_field_name("function"),
        call.child_by_field_name("arguments"),
    ) else {
        return;
    };
    let Some(attribute) = function.child_by_field_name("attribute") else {
        return;
    };
    let first = positional_arguments(arguments).into_iter().next();
    match cx.node_text(attribute) {
        "FastAPI" | "Starlette" | "Flask" => named_call(cx, call, facts),
        "run" => {
            let canonical = canonical_callee(call, text, cx.bindings());
            let app_receiver = function
                .child_by_field_name("object")
                .filter(|object| object.kind() == "identifier")
                .and_then(|object| resolve_assignment(object, text))
                .is_some_and(|value| value.kind() == "call" && app_framework(cx, value).is_some());
            if canonical.as_deref() == Some("uvicorn.run") || app_receiver {
                facts.set_listens();
            }
        }
        "exception_handler" | "add_exception_handler"
            if first.is_some_and(|e| catches_everything_asgi(e, text)) =>
        {
            facts.add_error_handler(ErrorHandlerKind::Asgi, call.byte_range());
        }
        "errorhandler" | "app_errorhandler" | "register_error_handler"
            if first.is_some_and(|e| catches_everything_flask(e, text)) =>
        {
            facts.add_error_handler(ErrorHandlerKind::Flask, call.byte_range());
        }
        "middleware" => {
            let is_http = first.and_then(|f| static_string(f, text)).as_deref() == Some("http");
            let function = call
                .parent()
                .filter(|p| p.kind() == "decorator")
                .and_then(|d| d.parent())
                .and_then(|d| d.child_by_field_name("definition"));
            if is_http && function.is_some_and(|f| catches_exception(f, text)) {
                facts.add_error_handler(ErrorHandlerKind::Asgi, call.byte_range());
            }
        }
        _ => {}
    }
}

/// The last segment of a name: `InternalServerError` for `werkzeug.exceptions.InternalServerError`.
fn last_name<'t>(node: Node<'_>, text: &'t str) -> Option<&'t str> {
    match node.kind() {
        "identifier" => Some(&text[node.byte_range()]),
        "attribute" => node
            .child_by_field_name("attribute")
            .map(|a| &text[a.byte_range()]),
        _ => None,
    }
}

/// `Exception` or `500`, as an exception-handler key of FastAPI/Starlette.
fn catches_everything_asgi(node: Node<'_>, text: &str) -> bool {
    match node.kind() {
        "integer" => &text[node.byte_range()] == "500",
        _ => last_name(node, text) == Some("Exception"),
    }
}

/// `Exception`, `500`, `InternalServerError` or `HTTPException`, as a Flask error handler key.
fn catches_everything_flask(node: Node<'_>, text: &str) -> bool {
    match node.kind() {
        "integer" => &text[node.byte_range()] == "500",
        _ => matches!(
            last_name(node, text),
            Some("Exception" | "InternalServerError" | "HTTPException")
        ),
    }
}

/// Whether a function body has an `except` clause that catches `Exception` (also a bare
/// `except:` or `except BaseException`), outside nested functions and classes.
fn catches_exception(function: Node<'_>, text: &str) -> bool {
    let Some(body) = function.child_by_field_name("body") else {
        return false;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "function_definition" | "class_definition" | "lambda" => {}
                "except_clause" => {
                    if except_catches_exception(child, text) {
                        return true;
                    }
                    stack.push(child);
                }
                _ => stack.push(child),
            }
        }
    }
    false
}

fn except_catches_exception(clause: Node<'_>, text: &str) -> bool {
    let Some(value) = clause.child_by_field_name("value") else {
        return true; // bare `except:`
    };
    let caught = if value.kind() == "as_pattern" {
        match value.named_child(0) {
            Some(inner) => inner,
            None => return false,
        }
    } else {
        value
    };
    let broad = |n: Node<'_>| matches!(last_name(n, text), Some("Exception" | "BaseException"));
    if caught.kind() == "tuple" || caught.kind() == "parenthesized_expression" {
        let mut cursor = caught.walk();
        caught.named_children(&mut cursor).any(broad)
    } else {
        broad(caught)
    }
}

/// `exception_handlers={Exception: handler}` (or a name assigned such a dictionary).
fn has_catch_all_handler_map(call: Node<'_>, text: &str) -> bool {
    let Some(arguments) = call.child_by_field_name("arguments") else {
        return false;
    };
    let Some(mut value) = keyword_argument(arguments, "exception_handlers", text) else {
        return false;
    };
    if value.kind() == "identifier" {
        match resolve_assignment(value, text) {
            Some(resolved) => value = resolved,
            None => return false,
        }
    }
    if value.kind() != "dictionary" {
        return false;
    }
    let mut cursor = value.walk();
    value.named_children(&mut cursor).any(|pair| {
        pair.kind() == "pair"
            && pair
                .child_by_field_name("key")
                .is_some_and(|key| catches_everything_asgi(key, text))
    })
}

fn add_site(cx: &FileContext<'_>, call: Node<'_>, framework: Framework, facts: &mut FileFacts) {
    let text = cx.text();
    if matches!(framework, Framework::FastApi | Framework::Starlette)
        && has_catch_all_handler_map(call, text)
    {
        facts.add_error_handler(ErrorHandlerKind::Asgi, call.byte_range());
    }
    let (statement, binding) = match call.parent() {
        Some(assignment)
            if assignment.kind() == "assignment"
                && assignment.child_by_field_name("right") == Some(call) =>
        {
            let binding = assignment
                .child_by_field_name("left")
                .filter(|left| left.kind() == "identifier")
                .map(|left| cx.node_text(left).to_string());
            let statement = assignment
                .parent()
                .filter(|p| p.kind() == "expression_statement");
            (statement, binding)
        }
        Some(statement) if statement.kind() == "expression_statement" => (Some(statement), None),
        _ => (None, None),
    };
    if facts.edit_context.is_none() {
        facts.edit_context = Some(edit_context(cx));
    }
    let callee = call
        .child_by_field_name("function")
        .map(|f| cx.node_text(f).to_string())
        .unwrap_or_default();
    facts.add_site(AppSite {
        framework,
        range: call.byte_range(),
        has_listen: false,
        has_registrations: false,
        binding,
        callee,
        insertions: SiteInsertions {
            after_creation: statement.and_then(|s| edit::after_line_of(s, text, "#")),
            ..SiteInsertions::default()
        },
    });
}

/// A module-level `MIDDLEWARE = …` in a module that also assigns `INSTALLED_APPS`.
fn django_settings(cx: &FileContext<'_>, name: Node<'_>, facts: &mut FileFacts) {
    let root = cx.tree().root_node();
    let mut cursor = root.walk();
    let has_installed_apps = root.named_children(&mut cursor).any(|statement| {
        statement.kind() == "expression_statement"
            && statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
                .and_then(|a| a.child_by_field_name("left"))
                .is_some_and(|left| cx.node_text(left) == "INSTALLED_APPS")
    });
    if !has_installed_apps {
        return;
    }
    if facts.edit_context.is_none() {
        facts.edit_context = Some(edit_context(cx));
    }
    facts.add_site(AppSite {
        framework: Framework::Django,
        range: name.byte_range(),
        has_listen: false,
        has_registrations: false,
        binding: None,
        callee: String::new(),
        insertions: SiteInsertions::default(),
    });
}

/// How fixes should write into this file: imports go after the last top-level import (after
/// `from __future__` imports and the docstring, RULES.md §1.5).
fn edit_context(cx: &FileContext<'_>) -> EditContext {
    let text = cx.text();
    let root = cx.tree().root_node();
    let mut anchor = None;
    let mut seen_statement = false;
    let mut locals = Vec::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind() {
            "comment" if !seen_statement => anchor = Some(statement),
            "comment" => {}
            "expression_statement"
                if !seen_statement
                    && statement
                        .named_child(0)
                        .is_some_and(|s| s.kind() == "string") =>
            {
                seen_statement = true;
                anchor = Some(statement); // the module docstring
            }
            "future_import_statement" => {
                seen_statement = true;
                anchor = Some(statement);
            }
            "import_statement" | "import_from_statement" => {
                seen_statement = true;
                anchor = Some(statement);
                import_locals(statement, text, &mut locals);
            }
            _ => seen_statement = true,
        }
    }
    let mut imports: Vec<(String, String)> = locals
        .into_iter()
        .filter_map(|local| {
            let target = cx.bindings().get(&local)?.to_string();
            Some((local, target))
        })
        .collect();
    imports.sort();
    imports.dedup();
    EditContext {
        import_at: edit::top_of_file(anchor, text, "#"),
        commonjs: false,
        typed: true,
        indent_unit: edit::indent_unit(text, "    "),
        quote: '"',
        semicolons: false,
        imports,
    }
}

/// The names an import statement binds.
fn import_locals(statement: Node<'_>, text: &str, locals: &mut Vec<String>) {
    let mut cursor = statement.walk();
    for name in statement.children_by_field_name("name", &mut cursor) {
        let local = match name.kind() {
            "dotted_name" if statement.kind() == "import_statement" => {
                let full = &text[name.byte_range()];
                full.split('.').next().unwrap_or(full).to_string()
            }
            "dotted_name" => text[name.byte_range()].to_string(),
            "aliased_import" => match name.child_by_field_name("alias") {
                Some(alias) => text[alias.byte_range()].to_string(),
                None => continue,
            },
            _ => continue,
        };
        locals.push(local);
    }
}
