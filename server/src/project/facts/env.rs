//! Environment-variable reads (RULES.md H7, fact `env-read`): what `missing-env-example` and
//! `env-not-documented` compare with the project's `.env.example`.
//!
//! TS/JS: `process.env.X`, `process.env['X']`, `const { X, Y: y } = process.env`,
//! `import.meta.env.X`, `Bun.env.X`, `Deno.env.get('X')`, `config.get('X')` of a NestJS
//! `ConfigService`. Python: `os.environ['X']`, `os.environ.get('X', d)`, `os.getenv('X')`,
//! `os.environ.pop('X')`, `environ` imported from `os`, django-environ/environs `env('X')` /
//! `env.str('X')`, and the fields of pydantic-settings `BaseSettings` classes. Writes, dynamic
//! names, `os.environ.setdefault` and platform variables (`NODE_ENV`, `PATH`, …) are never reads.

use super::{EnvRead, FileFacts};
use crate::engine::{Captures, FileContext};
use crate::lang::{ecma, python};
use preflight_grammars::LanguageFamily;
use tree_sitter::Node;

/// Names that platforms, runtimes and tools set: reading them needs no documentation.
const PLATFORM_NAMES: &[&str] = &[
    "NODE_ENV",
    "CI",
    "HOME",
    "PATH",
    "PWD",
    "USER",
    "SHELL",
    "TERM",
    "TZ",
    "LANG",
    "HOSTNAME",
    "TMPDIR",
    "TEMP",
    "JEST_WORKER_ID",
    "VITEST",
    "NEXT_RUNTIME",
    "DJANGO_SETTINGS_MODULE",
    "PYTHONPATH",
    "PYTHONUNBUFFERED",
];

/// Prefixes of platform-provided names.
const PLATFORM_PREFIXES: &[&str] = &["npm_", "VERCEL_", "K_SERVICE", "AWS_LAMBDA_", "GITHUB_"];

/// A name an example file can document: letters, digits, `_`, `.` and `-`, not starting with a
/// digit. A string read as a variable name that holds anything else (a space, a line break, an
/// `=`) is no variable anyone sets, and writing it would break the file (found by fuzzing).
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Whether reading `name` is never a fact (RULES.md H7 exclusions).
pub fn is_platform_variable(name: &str) -> bool {
    PLATFORM_NAMES.contains(&name) || PLATFORM_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// django-environ / environs methods that read a variable by name.
const ENV_READER_METHODS: &[&str] = &[
    "str",
    "bool",
    "int",
    "float",
    "decimal",
    "list",
    "tuple",
    "dict",
    "json",
    "url",
    "db",
    "db_url",
    "cache",
    "cache_url",
    "email",
    "email_url",
    "search_url",
    "path",
    "timedelta",
    "datetime",
    "date",
    "time",
    "uuid",
    "log_level",
    "enum",
];

/// Handles the `env.*` captures of the family's `app-facts.scm`.
pub(super) fn extract(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    // Scripts and tools read their own settings (tokens for a release script, say); what a
    // deployment must provide is what the service reads.
    if cx.class().script {
        return;
    }
    match cx.language().family() {
        LanguageFamily::Ecma => extract_ecma(cx, captures, facts),
        LanguageFamily::Python => extract_python(cx, captures, facts),
        LanguageFamily::Dockerfile => {}
    }
}

impl FileFacts {
    pub(super) fn add_env_read(&mut self, read: EnvRead) {
        if !is_variable_name(&read.name) || is_platform_variable(&read.name) {
            return;
        }
        if !self.env_reads.iter().any(|r| r.range == read.range) {
            self.env_reads.push(read);
            self.env_reads.sort_by_key(|r| r.range.start);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

fn extract_ecma(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    let text = cx.text();
    if let Some(member) = captures.get("env.member") {
        let (Some(object), Some(property)) = (
            member.child_by_field_name("object"),
            member.child_by_field_name("property"),
        ) else {
            return;
        };
        if property.kind() == "property_identifier"
            && is_env_object(object, text)
            && is_read(member)
        {
            facts.add_env_read(ecma_read(cx, member, property.byte_range(), None));
        }
    } else if let Some(subscript) = captures.get("env.subscript") {
        let (Some(object), Some(index)) = (
            subscript.child_by_field_name("object"),
            subscript.child_by_field_name("index"),
        ) else {
            return;
        };
        if !is_env_object(object, text) || !is_read(subscript) {
            return;
        }
        if let Some(name) = ecma::static_string(index, text) {
            facts.add_env_read(ecma_read(cx, subscript, index.byte_range(), Some(name)));
        }
    } else if let Some(declarator) = captures.get("env.destructure") {
        destructured(cx, declarator, facts);
    } else if let Some(call) = captures.get("env.call") {
        getter_call(cx, call, facts);
    }
}

/// `process.env`, `Bun.env`, `import.meta.env`.
fn is_env_object(node: Node<'_>, text: &str) -> bool {
    let node = ecma::unwrap_expression(node);
    if node.kind() != "member_expression" {
        return false;
    }
    let (Some(object), Some(property)) = (
        node.child_by_field_name("object"),
        node.child_by_field_name("property"),
    ) else {
        return false;
    };
    if &text[property.byte_range()] != "env" {
        return false;
    }
    match object.kind() {
        "identifier" => matches!(&text[object.byte_range()], "process" | "Bun"),
        "meta_property" => true,
        _ => false,
    }
}

/// The expression is read, not written or deleted: not the left side of an assignment, not
/// the operand of `delete`.
fn is_read(node: Node<'_>) -> bool {
    let Some(parent) = node.parent() else {
        return true;
    };
    match parent.kind() {
        "assignment_expression" | "augmented_assignment_expression" => {
            parent.child_by_field_name("left") != Some(node)
        }
        "unary_expression" => parent
            .child(0)
            .is_none_or(|operator| operator.kind() != "delete"),
        _ => true,
    }
}

/// A read at `node` of the variable whose name is at `name_range` (or `name` when given): with
/// the static right side of a parent `||`/`??` as its default.
fn ecma_read(
    cx: &FileContext<'_>,
    node: Node<'_>,
    name_range: std::ops::Range<usize>,
    name: Option<String>,
) -> EnvRead {
    let text = cx.text();
    EnvRead {
        name: name.unwrap_or_else(|| text[name_range.clone()].to_string()),
        range: name_range,
        default: ecma_default(node, text),
        case_insensitive: false,
    }
}

fn ecma_default(node: Node<'_>, text: &str) -> Option<String> {
    let mut node = node;
    while let Some(parent) = node.parent() {
        if parent.kind() != "parenthesized_expression" {
            break;
        }
        node = parent;
    }
    let parent = node.parent()?;
    if parent.kind() != "binary_expression" || parent.child_by_field_name("left") != Some(node) {
        return None;
    }
    let operator = parent.child_by_field_name("operator")?;
    if !matches!(&text[operator.byte_range()], "||" | "??") {
        return None;
    }
    let right = ecma::unwrap_expression(parent.child_by_field_name("right")?);
    match right.kind() {
        "number" => Some(text[right.byte_range()].to_string()),
        _ => ecma::static_string(right, text),
    }
}

/// `const { DATABASE_URL, PORT: port = '3000' } = process.env`.
fn destructured(cx: &FileContext<'_>, declarator: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let (Some(pattern), Some(value)) = (
        declarator.child_by_field_name("name"),
        declarator.child_by_field_name("value"),
    ) else {
        return;
    };
    if pattern.kind() != "object_pattern" || !is_env_object(value, text) {
        return;
    }
    let mut cursor = pattern.walk();
    for property in pattern.named_children(&mut cursor) {
        let (key, default) = match property.kind() {
            "shorthand_property_identifier_pattern" => (Some(property), None),
            "object_assignment_pattern" => (
                property
                    .child_by_field_name("left")
                    .filter(|l| l.kind() == "shorthand_property_identifier_pattern"),
                property.child_by_field_name("right"),
            ),
            "pair_pattern" => {
                let value = property.child_by_field_name("value");
                let default = value
                    .filter(|v| v.kind() == "assignment_pattern")
                    .and_then(|v| v.child_by_field_name("right"));
                (property.child_by_field_name("key"), default)
            }
            _ => (None, None),
        };
        let Some(key) = key else { continue };
        let name = match key.kind() {
            "shorthand_property_identifier_pattern" => Some(text[key.byte_range()].to_string()),
            _ => ecma::property_key(key, text),
        };
        let Some(name) = name else { continue };
        let default = default.and_then(|d| match d.kind() {
            "number" => Some(text[d.byte_range()].to_string()),
            _ => ecma::static_string(d, text),
        });
        facts.add_env_read(EnvRead {
            name,
            range: key.byte_range(),
            default,
            case_insensitive: false,
        });
    }
}

/// `Deno.env.get('X')`; `config.get('X')` / `configService.getOrThrow<string>('X')` of a NestJS
/// `ConfigService` (receiver named `…config` / `…configService`, an upper-case name).
fn getter_call(cx: &FileContext<'_>, call: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let (Some(function), Some(arguments)) = (
        call.child_by_field_name("function"),
        call.child_by_field_name("arguments"),
    ) else {
        return;
    };
    let Some(object) = function.child_by_field_name("object") else {
        return;
    };
    let mut cursor = arguments.walk();
    let Some(first) = arguments
        .named_children(&mut cursor)
        .find(|a| a.kind() != "comment")
    else {
        return;
    };
    let Some(name) = ecma::static_string(first, text) else {
        return;
    };
    let object_text = &text[object.byte_range()];
    let deno = object_text == "Deno.env";
    let receiver = object_text.rsplit('.').next().unwrap_or(object_text);
    // NestJS's `ConfigService`: by its name, or any `…config` receiver in a file that uses
    // `@nestjs/config` (other `config.get('X')` are settings stores such as nconf).
    let config_receiver = {
        let lower = receiver.to_ascii_lowercase();
        lower.ends_with("configservice")
            || (lower.ends_with("config") && cx.bindings().imports_module("@nestjs/config"))
    };
    let env_like = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if deno || (config_receiver && env_like) {
        // A second argument of `ConfigService.get` is a default value.
        let default = arguments
            .named_children(&mut arguments.walk())
            .filter(|a| a.kind() != "comment")
            .nth(1)
            .and_then(|d| match d.kind() {
                "number" => Some(text[d.byte_range()].to_string()),
                _ => ecma::static_string(d, text),
            })
            .or_else(|| ecma_default(call, text));
        facts.add_env_read(EnvRead {
            name,
            range: first.byte_range(),
            default,
            case_insensitive: false,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Python

fn extract_python(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    if let Some(subscript) = captures.get("env.py_subscript") {
        python_subscript(cx, subscript, facts);
    } else if let Some(call) = captures.get("env.py_call") {
        python_call(cx, call, facts);
    } else if let Some(class) = captures.get("env.py_class") {
        settings_class(cx, class, facts);
    }
}

/// `os.environ`, or a name bound to it (`from os import environ`).
fn is_os_environ(cx: &FileContext<'_>, node: Node<'_>) -> bool {
    python::callee_path(node, cx.text())
        .is_some_and(|path| cx.bindings().canonical(&path) == "os.environ")
}

/// `os.environ['X']`, read (not assigned or deleted).
fn python_subscript(cx: &FileContext<'_>, subscript: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let (Some(value), Some(key)) = (
        subscript.child_by_field_name("value"),
        subscript.child_by_field_name("subscript"),
    ) else {
        return;
    };
    if !is_os_environ(cx, value) || is_python_write(subscript) {
        return;
    }
    if let Some(name) = python::static_string(key, text) {
        facts.add_env_read(EnvRead {
            name,
            range: key.byte_range(),
            default: None,
            case_insensitive: false,
        });
    }
}

/// The node is assigned to or deleted.
fn is_python_write(node: Node<'_>) -> bool {
    let mut current = node;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            "assignment" | "augmented_assignment" => {
                return parent.child_by_field_name("left") == Some(current);
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" => current = parent,
            "delete_statement" => return true,
            "expression_list"
                if parent
                    .parent()
                    .is_some_and(|p| p.kind() == "delete_statement") =>
            {
                return true;
            }
            _ => return false,
        }
    }
    false
}

fn python_call(cx: &FileContext<'_>, call: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let (Some(function), Some(arguments)) = (
        call.child_by_field_name("function"),
        call.child_by_field_name("arguments"),
    ) else {
        return;
    };
    let positional = python::positional_arguments(arguments);
    let Some(first) = positional.first().copied() else {
        return;
    };
    let Some(name) = python::static_string(first, text) else {
        return;
    };
    let canonical = python::canonical_callee(call, text, cx.bindings());
    let os_reader = matches!(
        canonical.as_deref(),
        Some("os.environ.get" | "os.getenv" | "os.environ.pop")
    );
    let default_node = if os_reader {
        positional
            .get(1)
            .copied()
            .or_else(|| python::keyword_argument(arguments, "default", text))
    } else if is_env_reader(cx, function) {
        python::keyword_argument(arguments, "default", text).or(positional.get(1).copied())
    } else {
        return;
    };
    let default = default_node.and_then(|d| python_static(d, text));
    facts.add_env_read(EnvRead {
        name,
        range: first.byte_range(),
        default,
        case_insensitive: false,
    });
}

/// A string or number literal's value.
fn python_static(node: Node<'_>, text: &str) -> Option<String> {
    match node.kind() {
        "integer" | "float" => Some(text[node.byte_range()].to_string()),
        _ => python::static_string(node, text),
    }
}

/// `env(…)` or `env.str(…)` where `env` is assigned from `environ.Env(…)` (django-environ) or
/// `environs.Env()`.
fn is_env_reader(cx: &FileContext<'_>, function: Node<'_>) -> bool {
    // Only a file that writes `Env` can call it; the assignment search below walks the whole
    // scope, for every call with a string argument.
    if !mentions_env_factory(cx) {
        return false;
    }
    let text = cx.text();
    let receiver = match function.kind() {
        "identifier" => function,
        "attribute" => {
            let method = function
                .child_by_field_name("attribute")
                .map(|a| &text[a.byte_range()]);
            if !method.is_some_and(|m| ENV_READER_METHODS.contains(&m)) {
                return false;
            }
            match function.child_by_field_name("object") {
                Some(object) if object.kind() == "identifier" => object,
                _ => return false,
            }
        }
        _ => return false,
    };
    let Some(value) = python::resolve_assignment(receiver, text) else {
        return false;
    };
    value.kind() == "call"
        && matches!(
            python::canonical_callee(value, text, cx.bindings()).as_deref(),
            Some("environ.Env" | "environs.Env")
        )
}

/// Whether the file may call django-environ's or environs' `Env(…)`: its text has `Env`, as any
/// call of it does (an alias is imported by that name).
pub(crate) fn mentions_env_factory(cx: &FileContext<'_>) -> bool {
    cx.contains("Env")
}

/// The fields of a pydantic-settings `BaseSettings` subclass, named as the environment sees
/// them: `env_prefix` + field name (or the `alias`/`validation_alias`), upper-cased, compared
/// case-insensitively unless `case_sensitive=True`.
fn settings_class(cx: &FileContext<'_>, class: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let Some(superclasses) = class.child_by_field_name("superclasses") else {
        return;
    };
    let mut cursor = superclasses.walk();
    let is_settings = superclasses
        .named_children(&mut cursor)
        .any(|base| match base.kind() {
            "identifier" => &text[base.byte_range()] == "BaseSettings",
            "attribute" => base
                .child_by_field_name("attribute")
                .is_some_and(|a| &text[a.byte_range()] == "BaseSettings"),
            _ => false,
        });
    let Some(body) = class.child_by_field_name("body") else {
        return;
    };
    if !is_settings {
        return;
    }
    let mut prefix = String::new();
    let mut case_sensitive = false;
    let mut fields: Vec<(Node<'_>, Option<Node<'_>>)> = Vec::new();
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        match statement.kind() {
            "expression_statement" => {
                let Some(assignment) = statement
                    .named_child(0)
                    .filter(|a| a.kind() == "assignment")
                else {
                    continue;
                };
                let Some(left) = assignment
                    .child_by_field_name("left")
                    .filter(|l| l.kind() == "identifier")
                else {
                    continue;
                };
                let right = assignment.child_by_field_name("right");
                if &text[left.byte_range()] == "model_config" {
                    if let Some(call) = right.filter(|r| r.kind() == "call")
                        && let Some(arguments) = call.child_by_field_name("arguments")
                    {
                        settings_options(arguments, text, &mut prefix, &mut case_sensitive);
                    }
                } else if assignment.child_by_field_name("type").is_some() {
                    fields.push((left, right));
                }
            }
            "class_definition" => {
                let is_config = statement
                    .child_by_field_name("name")
                    .is_some_and(|n| &text[n.byte_range()] == "Config");
                if let (true, Some(inner)) = (is_config, statement.child_by_field_name("body")) {
                    config_class(inner, text, &mut prefix, &mut case_sensitive);
                }
            }
            _ => {}
        }
    }
    for (left, right) in fields {
        let field = &text[left.byte_range()];
        if field.starts_with('_') {
            continue;
        }
        let mut name = format!("{prefix}{field}");
        let mut default = None;
        match right {
            Some(call) if call.kind() == "call" => {
                let is_field = call
                    .child_by_field_name("function")
                    .is_some_and(|f| &text[f.byte_range()] == "Field");
                if let (true, Some(arguments)) = (is_field, call.child_by_field_name("arguments")) {
                    let alias = python::keyword_argument(arguments, "validation_alias", text)
                        .or_else(|| python::keyword_argument(arguments, "alias", text))
                        .and_then(|a| python::static_string(a, text));
                    if let Some(alias) = alias {
                        name = alias;
                    }
                    default = python::keyword_argument(arguments, "default", text)
                        .or_else(|| python::positional_arguments(arguments).first().copied())
                        .and_then(|d| python_static(d, text));
                }
            }
            Some(value) => default = python_static(value, text),
            None => {}
        }
        if !case_sensitive {
            name = name.to_ascii_uppercase();
        }
        facts.add_env_read(EnvRead {
            name,
            range: left.byte_range(),
            default,
            case_insensitive: !case_sensitive,
        });
    }
}

/// `SettingsConfigDict(env_prefix="APP_", case_sensitive=True)`.
fn settings_options(arguments: Node<'_>, text: &str, prefix: &mut String, case: &mut bool) {
    if let Some(value) = python::keyword_argument(arguments, "env_prefix", text)
        .and_then(|v| python::static_string(v, text))
    {
        *prefix = value;
    }
    if let Some(value) = python::keyword_argument(arguments, "case_sensitive", text) {
        *case = &text[value.byte_range()] == "True";
    }
}

/// The pydantic v1 inner `class Config:` with `env_prefix = "APP_"`, `case_sensitive = True`.
fn config_class(body: Node<'_>, text: &str, prefix: &mut String, case: &mut bool) {
    let mut cursor = body.walk();
    for statement in body.named_children(&mut cursor) {
        let Some(assignment) = statement
            .named_child(0)
            .filter(|a| a.kind() == "assignment")
        else {
            continue;
        };
        let (Some(left), Some(right)) = (
            assignment.child_by_field_name("left"),
            assignment.child_by_field_name("right"),
        ) else {
            continue;
        };
        match &text[left.byte_range()] {
            "env_prefix" => {
                if let Some(value) = python::static_string(right, text) {
                    *prefix = value;
                }
            }
            "case_sensitive" => *case = &text[right.byte_range()] == "True",
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, SourceFile};
    use crate::project::{NoFileSystem, ProjectInfo};
    use preflight_grammars::Language;

    /// (name, text at the range, default, case-insensitive) of every read in a file.
    fn reads(path: &str, text: &str) -> Vec<(String, String, Option<String>, bool)> {
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let engine = Engine::with_rules(Vec::new());
        let file = SourceFile::new(path, text, language);
        engine
            .analyze_file(&file, &ProjectInfo::default(), &NoFileSystem)
            .facts
            .env_reads
            .into_iter()
            .map(|r| {
                (
                    r.name,
                    text[r.range].to_string(),
                    r.default,
                    r.case_insensitive,
                )
            })
            .collect()
    }

    fn names(path: &str, text: &str) -> Vec<String> {
        reads(path, text).into_iter().map(|r| r.0).collect()
    }

    #[test]
    fn typescript_reads() {
        let text = "export const config = {\n  databaseUrl: process.env.DATABASE_URL,\n  \
                    jwtSecret: process.env['JWT_SECRET'],\n  port: Number(process.env.PORT ?? 3000),\n  \
                    host: process.env.HOST || 'localhost',\n  key: import.meta.env.VITE_KEY,\n  b: Bun.env.BUN_X,\n};\n\
                    const { REDIS_URL, QUEUE: queue = 'jobs' } = process.env;\n\
                    const d = Deno.env.get('DENO_X');\n\
                    const s = this.configService.get<string>('STRIPE_KEY');\n\
                    import { ConfigService } from '@nestjs/config';\nconst f = (config: ConfigService) => config.get('JWT_TTL');\n";
        let found = reads("src/config.ts", text);
        let summary: Vec<(&str, &str, Option<&str>)> = found
            .iter()
            .map(|(n, t, d, _)| (n.as_str(), t.as_str(), d.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("DATABASE_URL", "DATABASE_URL", None),
                ("JWT_SECRET", "'JWT_SECRET'", None),
                ("PORT", "PORT", Some("3000")),
                ("HOST", "HOST", Some("localhost")),
                ("VITE_KEY", "VITE_KEY", None),
                ("BUN_X", "BUN_X", None),
                ("REDIS_URL", "REDIS_URL", None),
                ("QUEUE", "QUEUE", Some("jobs")),
                ("DENO_X", "'DENO_X'", None),
                ("STRIPE_KEY", "'STRIPE_KEY'", None),
                ("JWT_TTL", "'JWT_TTL'", None),
            ]
        );
    }

    /// Found by fuzzing: a string holding a line break, read as a name, went into the created
    /// `.env.example` as a broken line.
    #[test]
    fn names_no_example_file_can_hold_are_not_reads() {
        let text = "import os\na = os.getenv(\"\\nTEMP_DEBUG\")\nb = os.environ[\"MY KEY\"]\n\
                    c = os.getenv(\"A=B\")\nd = os.getenv(\"9LIVES\")\ne = os.getenv(\"app.mode-x\")\n";
        let names: Vec<String> = reads("app/settings.py", text)
            .into_iter()
            .map(|(name, ..)| name)
            .collect();
        assert_eq!(names, ["app.mode-x"]);
        assert!(super::is_variable_name("_PRIVATE") && super::is_variable_name("DATABASE_URL"));
        assert!(!super::is_variable_name("") && !super::is_variable_name("A\nB"));
    }

    #[test]
    fn typescript_near_misses() {
        let text = "const env = process.env.NODE_ENV;\nconst value = process.env[name];\n\
                    process.env.FEATURE_X = 'on';\ndelete process.env.OLD;\n\
                    const m = map.get('KEY');\nconst c = config.get('database.url');\nconst g = ghostConfig.get('STRIPE_API_HOST');\n\
                    const s = 'process.env.IN_STRING';\n// process.env.IN_COMMENT\n\
                    const o = other.env.X;\nconst p = process.envx.Y;\nconst { a } = process;\n";
        assert!(names("src/app.ts", text).is_empty());
        // JavaScript parses with the TSX grammar.
        assert_eq!(
            names(
                "src/app.js",
                "module.exports = { url: process.env.DB_URL };\n"
            ),
            ["DB_URL"]
        );
    }

    #[test]
    fn scripts_are_not_the_service() {
        let text = "#!/usr/bin/env node\nconst token = process.env.RELEASE_TOKEN;\n";
        assert!(names("src/release.js", text).is_empty());
        assert!(names("scripts/seed.py", "import os\nos.environ['SEED']\n").is_empty());
    }

    #[test]
    fn python_reads() {
        let text = "import os\nfrom os import environ, getenv as ge\nimport environ as dj\n\
                    DATABASE_URL = os.environ[\"DATABASE_URL\"]\nSENTRY_DSN = os.getenv(\"SENTRY_DSN\", \"\")\n\
                    A = os.environ.get('A_URL', 'http://localhost')\nB = environ['B_KEY']\nC = ge('C_X')\n\
                    D = os.environ.pop('D_X', None)\nenv = dj.Env()\nE = env('E_X', default=5)\nF = env.bool('F_X')\n";
        let found = reads("app/settings.py", text);
        let summary: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|(n, _, d, _)| (n.as_str(), d.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("DATABASE_URL", None),
                ("SENTRY_DSN", Some("")),
                ("A_URL", Some("http://localhost")),
                ("B_KEY", None),
                ("C_X", None),
                ("D_X", None),
                ("E_X", Some("5")),
                ("F_X", None),
            ]
        );
    }

    #[test]
    fn python_near_misses() {
        let text = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x.settings')\n\
                    os.environ.setdefault('OTHER', '1')\nos.environ['WRITTEN'] = '1'\ndel os.environ['GONE']\n\
                    name = 'X'\nos.environ[name]\nos.getenv(name)\nd = {}\nd.get('NOT_ENV')\n\
                    env = make()\nenv('NOT_DJANGO')\nif 'PRESENT' in os.environ:\n    pass\n\
                    os.environ.get('PATH')\n";
        assert!(names("app/settings.py", text).is_empty());
    }

    #[test]
    fn pydantic_settings_fields() {
        let text = "from pydantic import Field\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\
                    class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix='APP_')\n    \
                    redis_url: str\n    debug: bool = False\n    port: int = 8000\n    \
                    key: str = Field(alias='STRIPE_API_KEY')\n    _private: int = 1\n\n\
                    class Other(BaseModel):\n    not_env: str\n\n\
                    class Legacy(BaseSettings):\n    database_url: str = 'sqlite://'\n    class Config:\n        \
                    case_sensitive = True\n";
        let found = reads("app/config.py", text);
        let summary: Vec<(&str, &str, Option<&str>, bool)> = found
            .iter()
            .map(|(n, t, d, i)| (n.as_str(), t.as_str(), d.as_deref(), *i))
            .collect();
        assert_eq!(
            summary,
            [
                ("APP_REDIS_URL", "redis_url", None, true),
                ("APP_DEBUG", "debug", None, true),
                ("APP_PORT", "port", Some("8000"), true),
                ("STRIPE_API_KEY", "key", None, true),
                ("database_url", "database_url", Some("sqlite://"), false),
            ]
        );
    }
}
