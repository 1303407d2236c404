use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::engine::{Captures, FileContext};
use crate::lang::{ecma, python};
use preflight_grammars::LanguageFamily;
use regex::Regex;
use std::cell::RefCell;
use std::ops::Range;
use std::sync::LazyLock;
use tree_sitter::Node;

/// `console.*` and `debugger`; `print`, `breakpoint`, `pprint` and the debuggers' `set_trace` /
/// `post_mortem`, reached through any alias of their modules.
const TRIGGERS: Triggers = Triggers {
    ecma: Words::exact(&["console", "debugger"]),
    python: Words::exact(&["print", "breakpoint", "set_trace", "post_mortem", "pprint"]),
};

declare_rule! {
    /// ## What it does
    /// Flags debugging output and breakpoints left in production code: `console.log` and its
    /// siblings (`debug`, `info`, `trace`, `dir`, `table`, `time`, `group`, …) and `debugger`
    /// statements in TypeScript/JavaScript; `print()`, `pprint`, `breakpoint()` and
    /// `pdb`/`ipdb`/`pudb.set_trace()` in Python.
    ///
    /// `console.warn`, `console.error`, `console.assert` and `print(..., file=...)` are deliberate
    /// output and are not flagged. Scripts and command-line tools (a shebang, a `scripts/` or
    /// `bin/` folder, `manage.py`, a file importing `commander`/`argparse`/`click`, …) print by
    /// design, and so does code guarded by `if __name__ == "__main__":`,
    /// `if (require.main === module)` or a debug switch (`if settings.DEBUG:`,
    /// `if (process.env.NODE_ENV !== 'production')`): there only `debugger`, `breakpoint()` and
    /// `set_trace()` are flagged.
    ///
    /// ## Why is this bad?
    /// Console output bypasses log levels, structured fields and log shipping, so it is noise in
    /// production and silence when you need it; it can also leak tokens or personal data to
    /// stdout. A `debugger` statement or `breakpoint()` pauses the process as soon as a debugger
    /// or an interactive terminal is attached.
    ///
    /// ## Example
    /// ```ts
    /// export class UsersService {
    ///   async findOne(id: string) {
    ///     console.log('finding user', id);
    ///     debugger;
    ///     return this.repo.findOne({ where: { id } });
    ///   }
    /// }
    /// ```
    /// ```python
    /// def charge(customer, amount):
    ///     print(f"charging {customer.id} {amount}")
    ///     breakpoint()
    ///     return gateway.charge(customer, amount)
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// export class UsersService {
    ///   private readonly logger = new Logger(UsersService.name);
    ///   async findOne(id: string) {
    ///     this.logger.debug(`finding user ${id}`);
    ///     return this.repo.findOne({ where: { id } });
    ///   }
    /// }
    /// ```
    /// ```python
    /// logger = logging.getLogger(__name__)
    ///
    /// def charge(customer, amount):
    ///     logger.info("charging %s %s", customer.id, amount)
    ///     return gateway.charge(customer, amount)
    /// ```
    ///
    /// ## Fix safety
    /// Removing a `debugger` statement, `breakpoint()` or `pdb.set_trace()` is **safe**: the
    /// program only no longer stops there (a Python block left empty gets `pass`).
    /// Removing a `console.*` or `print()` call, or routing it to the logger, is **unsafe**: the
    /// output may be intended. The logger fix is offered when the enclosing class has a `logger`
    /// field or constructor parameter (`this.logger.info(…)`), when the module defines or imports
    /// `logger` (`logger.info(…)`; NestJS `Logger` gets `log`), or, in Python, when the module
    /// defines `logger = logging.getLogger(...)` and `print` has exactly one argument. A call that
    /// is part of a larger expression (`x && console.log(y)`, `() => console.log(x)`) or the only
    /// statement of a brace-less `if` is never removed.
    ///
    /// ## Options
    /// `[rules.debug-print] methods = ["log", "debug"]` replaces the list of `console` methods
    /// reported (default: `log`, `debug`, `info`, `trace`, `dir`, `dirxml`, `table`, `count`,
    /// `countReset`, `group`, `groupCollapsed`, `groupEnd`, `time`, `timeEnd`, `timeLog`,
    /// `timeStamp`, `profile`, `profileEnd`). `debugger` and the Python checks do not change.
    ///
    /// ## How to silence
    /// Put `// preflight-ignore: debug-print` (Python: `# preflight-ignore: debug-print`) on the
    /// line above, or turn the rule off with `[rules] debug-print = "off"` in `preflight.toml`.
    /// Files listed under `[files] scripts` are treated as scripts.
    pub static RULE = Rule {
        id: "debug-print",
        summary: "console.log/print/debugger/breakpoint() left in production code",
        category: Category::Observability,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Mixed,
        check: Check::Matches(check, TRIGGERS),
    };
}

/// `console` methods that write debugging output (`warn`, `error` and `assert` are deliberate).
const CONSOLE_METHODS: &[&str] = &[
    "log",
    "debug",
    "info",
    "trace",
    "dir",
    "dirxml",
    "table",
    "count",
    "countReset",
    "group",
    "groupCollapsed",
    "groupEnd",
    "time",
    "timeEnd",
    "timeLog",
    "timeStamp",
    "profile",
    "profileEnd",
];

/// Canonical callees of Python calls that stop the process.
const PY_BREAKPOINTS: &[&str] = &[
    "breakpoint",
    "pdb.set_trace",
    "ipdb.set_trace",
    "pudb.set_trace",
    "pdb.post_mortem",
];

/// Canonical callees of `pprint`.
const PY_PPRINT: &[&str] = &["pprint.pprint", "pprint.pp"];

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    match cx.language().family() {
        LanguageFamily::Ecma => {
            if let Some(statement) = m.get("debug-print.debugger") {
                out.push(debugger_statement(cx, &Site::new(cx, statement)));
            } else if let Some(call) = m.get("debug-print.call") {
                out.extend(console_call(cx, call));
            }
        }
        LanguageFamily::Python => {
            if let Some(call) = m.get("debug-print.call") {
                out.extend(python_call(cx, call));
            }
        }
        LanguageFamily::Dockerfile => {}
    }
}

/// A matched node and its ancestors. tree-sitter's `parent()` searches down from the root on
/// every call, so the chain is found once, in a single descent, and every check reads it.
struct Site<'t> {
    node: Node<'t>,
    /// Root first, the node's parent last.
    ancestors: Vec<Node<'t>>,
}

impl<'t> Site<'t> {
    fn new(cx: &FileContext<'t>, node: Node<'t>) -> Site<'t> {
        let mut ancestors = Vec::new();
        let mut current = cx.tree().root_node();
        while current != node {
            ancestors.push(current);
            match current.child_with_descendant(node) {
                Some(next) => current = next,
                None => break,
            }
        }
        Site { node, ancestors }
    }

    /// `(ancestor, its child on the way down to the node)`, innermost first.
    fn path(&self) -> impl Iterator<Item = (Node<'t>, Node<'t>)> + '_ {
        (0..self.ancestors.len()).rev().map(|i| {
            let child = self.ancestors.get(i + 1).copied().unwrap_or(self.node);
            (self.ancestors[i], child)
        })
    }

    /// The `n`th ancestor: 0 is the parent.
    fn up(&self, n: usize) -> Option<Node<'t>> {
        self.ancestors
            .len()
            .checked_sub(n + 1)
            .map(|i| self.ancestors[i])
    }

    fn in_kinds(&self, kinds: &[&str]) -> bool {
        self.ancestors.iter().any(|a| kinds.contains(&a.kind()))
    }
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

fn debugger_statement(cx: &FileContext<'_>, site: &Site<'_>) -> Finding {
    let statement = site.node;
    let finding = RULE.finding(statement.byte_range(), "`debugger` statement left in code.");
    match site
        .up(0)
        .and_then(|container| ecma_statement_removal(cx, statement, container))
    {
        Some(edit) => finding.with_fix(Fix::safe("Remove the `debugger` statement", vec![edit])),
        None => finding,
    }
}

fn console_call(cx: &FileContext<'_>, call: Node<'_>) -> Option<Finding> {
    let text = cx.text();
    let function = call.child_by_field_name("function")?;
    let method = match function.kind() {
        "member_expression" => cx
            .node_text(function.child_by_field_name("property")?)
            .to_string(),
        "subscript_expression" => {
            ecma::static_string(function.child_by_field_name("index")?, text)?
        }
        _ => return None,
    };
    let reported = match &cx.options().debug_print_methods {
        Some(methods) => methods.contains(&method),
        None => CONSOLE_METHODS.contains(&method.as_str()),
    };
    if !reported || cx.class().script {
        return None;
    }
    let site = &Site::new(cx, call);
    if is_guarded(cx, site) || console_is_rebound(cx, site) {
        return None;
    }
    let mut finding = RULE.finding(
        function.byte_range(),
        format!(
            "`console.{method}` left in production code; use the application logger or remove it."
        ),
    );
    if let Some((receiver, level)) = ecma_logger(cx, site, &method) {
        finding = finding.with_fix(Fix::unsafe_(
            format!("Use `{receiver}.{level}` instead"),
            vec![Edit::replace(
                function.byte_range(),
                format!("{receiver}.{level}"),
            )],
        ));
    }
    if let Some((statement, container)) = whole_statement(site)
        && let Some(edit) = ecma_statement_removal(cx, statement, container)
    {
        finding = finding.with_fix(Fix::unsafe_(
            format!("Remove the `console.{method}` call"),
            vec![edit],
        ));
    }
    Some(finding)
}

/// Whether `console` names something else where `call` is: a parameter, a declaration, a
/// `catch` binding or a non-`console` import in one of its enclosing scopes.
fn console_is_rebound(cx: &FileContext<'_>, site: &Site<'_>) -> bool {
    const NAME: &str = "console";
    let text = cx.text();
    if cx
        .bindings()
        .get(NAME)
        .is_some_and(|target| !target.starts_with("console#"))
    {
        return true;
    }
    site.path().any(|(parent, _)| match parent.kind() {
        "program" => top_level(cx).rebinds_output,
        "statement_block" | "switch_case" | "switch_default" | "class_static_block" => {
            declares_in_block(parent, NAME, text)
        }
        "catch_clause" => parent
            .child_by_field_name("parameter")
            .is_some_and(|p| pattern_binds(p, NAME, text)),
        "for_in_statement" => parent
            .child_by_field_name("left")
            .is_some_and(|p| pattern_binds(p, NAME, text)),
        "for_statement" => parent
            .child_by_field_name("initializer")
            .is_some_and(|d| declaration_binds(d, NAME, text)),
        kind if ecma::FUNCTION_KINDS.contains(&kind) => {
            let parameters = parent
                .child_by_field_name("parameters")
                .or_else(|| parent.child_by_field_name("parameter"));
            parameters.is_some_and(|p| pattern_binds(p, NAME, text))
        }
        _ => false,
    })
}

/// Whether a statement standing directly in `block` declares `name`.
fn declares_in_block(block: Node<'_>, name: &str, text: &str) -> bool {
    let mut cursor = block.walk();
    block.named_children(&mut cursor).any(|statement| {
        let declaration = if statement.kind() == "export_statement" {
            statement.child_by_field_name("declaration")
        } else {
            Some(statement)
        };
        declaration.is_some_and(|d| declaration_binds(d, name, text))
    })
}

/// Whether a declaration statement binds `name`.
fn declaration_binds(declaration: Node<'_>, name: &str, text: &str) -> bool {
    match declaration.kind() {
        "lexical_declaration" | "variable_declaration" => {
            let mut cursor = declaration.walk();
            declaration
                .named_children(&mut cursor)
                .filter(|d| d.kind() == "variable_declarator")
                .filter_map(|d| d.child_by_field_name("name"))
                .any(|pattern| pattern_binds(pattern, name, text))
        }
        "function_declaration" | "generator_function_declaration" | "class_declaration" => {
            declaration
                .child_by_field_name("name")
                .is_some_and(|n| &text[n.byte_range()] == name)
        }
        _ => false,
    }
}

/// Whether a binding pattern (identifier, destructuring, parameter list) binds `name`. Default
/// values are uses, not bindings, and are not looked at.
fn pattern_binds(pattern: Node<'_>, name: &str, text: &str) -> bool {
    let mut stack = vec![pattern];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "identifier" | "shorthand_property_identifier_pattern"
                if &text[node.byte_range()] == name =>
            {
                return true;
            }
            "formal_parameters" | "object_pattern" | "array_pattern" | "rest_pattern" => {
                let mut cursor = node.walk();
                stack.extend(node.named_children(&mut cursor));
            }
            "required_parameter" | "optional_parameter" => {
                stack.extend(node.child_by_field_name("pattern"));
            }
            "pair_pattern" => stack.extend(node.child_by_field_name("value")),
            "assignment_pattern" | "object_assignment_pattern" => {
                stack.extend(node.child_by_field_name("left"));
            }
            _ => {}
        }
    }
    false
}

/// The logger `console.{method}` can be routed to, as (receiver, method): `this.logger` when the
/// enclosing class has a `logger` field or constructor parameter property and `this` is its
/// instance; else a module-level `logger` binding visible from the call.
fn ecma_logger(
    cx: &FileContext<'_>,
    site: &Site<'_>,
    method: &str,
) -> Option<(&'static str, &'static str)> {
    let level = |nest: bool| match method {
        "log" | "info" if nest => Some("log"),
        "log" | "info" => Some("info"),
        "debug" | "trace" | "dir" | "table" => Some("debug"),
        _ => None,
    };
    if let Some(class_body) = instance_class_body(site)
        && let Some(nest) = class_logger(cx, class_body)
    {
        return level(nest).map(|level| ("this.logger", level));
    }
    let nest = module_logger(cx, site)?;
    level(nest).map(|level| ("logger", level))
}

/// The body of the class whose instance `this` is at the site, if any.
fn instance_class_body<'t>(site: &Site<'t>) -> Option<Node<'t>> {
    for (depth, ancestor) in site.ancestors.iter().enumerate().rev() {
        match ancestor.kind() {
            // Arrow functions keep the `this` of where they are written.
            "arrow_function" => {}
            "method_definition" | "public_field_definition" => {
                if has_token(*ancestor, "static") {
                    return None;
                }
                let body = site.ancestors.get(depth.checked_sub(1)?)?;
                return (body.kind() == "class_body").then_some(*body);
            }
            kind if ecma::FUNCTION_KINDS.contains(&kind) => return None,
            "class_body" | "class_static_block" | "program" => return None,
            _ => {}
        }
    }
    None
}

fn has_token(node: Node<'_>, kind: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor).any(|child| child.kind() == kind)
}

/// Whether a class has an instance `logger` (a field, a constructor parameter property, or an
/// assignment `this.logger = …` in its constructor); `Some(true)` when it is a NestJS `Logger`.
fn class_logger(cx: &FileContext<'_>, class_body: Node<'_>) -> Option<bool> {
    let text = cx.text();
    let mut cursor = class_body.walk();
    for member in class_body.named_children(&mut cursor) {
        let name = member
            .child_by_field_name("name")
            .map(|n| &text[n.byte_range()]);
        match (member.kind(), name) {
            ("public_field_definition", Some("logger")) if !has_token(member, "static") => {
                return Some(is_nest_logger(cx, member));
            }
            ("method_definition", Some("constructor")) => {
                if let Some(found) = constructor_logger(cx, member) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

fn constructor_logger(cx: &FileContext<'_>, constructor: Node<'_>) -> Option<bool> {
    let text = cx.text();
    let parameters = constructor.child_by_field_name("parameters")?;
    let mut cursor = parameters.walk();
    for parameter in parameters.named_children(&mut cursor) {
        let is_property = has_token(parameter, "readonly") || has_token(parameter, "override") || {
            let mut inner = parameter.walk();
            parameter
                .named_children(&mut inner)
                .any(|c| c.kind() == "accessibility_modifier")
        };
        let named_logger = parameter
            .child_by_field_name("pattern")
            .is_some_and(|p| p.kind() == "identifier" && &text[p.byte_range()] == "logger");
        if is_property && named_logger {
            return Some(is_nest_logger(cx, parameter));
        }
    }
    // `constructor(logger) { this.logger = logger; }` (JavaScript classes).
    let body = constructor.child_by_field_name("body")?;
    let mut cursor = body.walk();
    body.named_children(&mut cursor).find_map(|statement| {
        let assignment = statement.named_child(0)?;
        if statement.kind() != "expression_statement"
            || assignment.kind() != "assignment_expression"
        {
            return None;
        }
        let left = assignment.child_by_field_name("left")?;
        let is_this_logger = left.kind() == "member_expression"
            && left
                .child_by_field_name("object")
                .is_some_and(|o| o.kind() == "this")
            && left
                .child_by_field_name("property")
                .is_some_and(|p| &text[p.byte_range()] == "logger");
        is_this_logger.then(|| {
            assignment
                .child_by_field_name("right")
                .is_some_and(|right| is_nest_logger_value(cx, right))
        })
    })
}

/// Whether a field, parameter or declarator is typed as, or initialised with, NestJS's `Logger`.
fn is_nest_logger(cx: &FileContext<'_>, declaration: Node<'_>) -> bool {
    let typed = declaration
        .child_by_field_name("type")
        .is_some_and(|annotation| {
            annotation
                .named_child(0)
                .is_some_and(|t| is_nest_logger_name(cx, t))
        });
    typed
        || declaration
            .child_by_field_name("value")
            .is_some_and(|value| is_nest_logger_value(cx, value))
}

fn is_nest_logger_value(cx: &FileContext<'_>, value: Node<'_>) -> bool {
    let value = ecma::unwrap_expression(value);
    value.kind() == "new_expression"
        && value
            .child_by_field_name("constructor")
            .is_some_and(|c| is_nest_logger_name(cx, c))
}

fn is_nest_logger_name(cx: &FileContext<'_>, name: Node<'_>) -> bool {
    matches!(name.kind(), "identifier" | "type_identifier")
        && cx
            .bindings()
            .is(cx.node_text(name), "@nestjs/common#Logger")
}

/// A module-level `logger` visible from the site: imported, or declared at the top level (before
/// the call when the call itself runs at module load). `Some(true)` for a NestJS `Logger`.
fn module_logger(cx: &FileContext<'_>, site: &Site<'_>) -> Option<bool> {
    if cx.bindings().get("logger").is_some() {
        return Some(cx.bindings().is("logger", "@nestjs/common#Logger"));
    }
    let in_function = site.in_kinds(ecma::FUNCTION_KINDS);
    let logger = top_level(cx).logger?;
    (in_function || logger.start < site.node.start_byte()).then_some(logger.nest)
}

/// Statements that may stand alone in these nodes can be deleted without changing how the
/// neighbouring code parses (an `if` without braces, a label or a loop body cannot lose theirs).
const ECMA_STATEMENT_LISTS: &[&str] = &[
    "program",
    "statement_block",
    "switch_case",
    "switch_default",
    "class_static_block",
];

/// The edit deleting a statement, when that leaves the program valid and meaning the same.
fn ecma_statement_removal(
    cx: &FileContext<'_>,
    statement: Node<'_>,
    container: Node<'_>,
) -> Option<Edit> {
    let text = cx.text();
    if statement.has_error() || !ECMA_STATEMENT_LISTS.contains(&container.kind()) {
        return None;
    }
    // Automatic semicolon insertion: `a = b\ndebugger\n(c)()` must not become `a = b\n(c)()`,
    // which calls `b`. A closing `}` proves nothing (`const f = function () {}`), so only an
    // explicit `;` (or the start of the statement list) ends the previous statement for sure.
    let next = after_trivia(text, statement.end_byte());
    if next.starts_with(['(', '[', '`', '+', '-', '/', '<', '.', ',']) {
        let closed = token_before(container, statement, text)
            .is_none_or(|token| matches!(token.kind(), ";" | "{" | ":" | "hash_bang_line"));
        if !closed {
            return None;
        }
    }
    Some(delete_statement(text, statement.byte_range()))
}

/// The text from `at` on, past blanks and comments: how the next statement begins.
fn after_trivia(text: &str, mut at: usize) -> &str {
    loop {
        let rest = text[at..].trim_start();
        at = text.len() - rest.len();
        let skip = if rest.starts_with("//") {
            rest.find('\n')
        } else if let Some(comment) = rest.strip_prefix("/*") {
            comment.find("*/").map(|end| end + 4)
        } else {
            return rest;
        };
        match skip {
            Some(skip) => at += skip,
            None => return "",
        }
    }
}

/// The last token before `statement` inside `container`, comments skipped. Looked up by
/// position: tree-sitter's sibling lookups each walk the parent's children from the first.
fn token_before<'t>(container: Node<'t>, statement: Node<'t>, text: &str) -> Option<Node<'t>> {
    let mut end = statement.start_byte();
    loop {
        let before = text[container.start_byte()..end].trim_end();
        if before.is_empty() {
            return None;
        }
        let at = container.start_byte() + before.len();
        let token = container.descendant_for_byte_range(at - 1, at)?;
        if token.kind() != "comment" {
            return Some(token);
        }
        end = token.start_byte();
    }
}

/// The `expression_statement` a call makes up on its own, and the statement's container.
fn whole_statement<'t>(site: &Site<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let statement = site.up(0)?;
    let container = site.up(1)?;
    (statement.kind() == "expression_statement"
        && statement.named_child_count() == 1
        && statement.named_child(0) == Some(site.node))
    .then_some((statement, container))
}

// ---------------------------------------------------------------------------------------------
// Python

fn python_call(cx: &FileContext<'_>, call: Node<'_>) -> Option<Finding> {
    let text = cx.text();
    let function = call.child_by_field_name("function")?;
    let path = python::callee_path(function, text)?;
    let canonical = cx.bindings().canonical(&path);
    let arguments = call.child_by_field_name("arguments")?;
    if PY_BREAKPOINTS.contains(&canonical.as_str()) {
        let site = &Site::new(cx, call);
        let finding = RULE.finding(
            function.byte_range(),
            format!("`{path}()` left in code; it pauses the process when reached."),
        );
        return Some(match python_removal(cx, site) {
            Some(edit) => finding.with_fix(Fix::safe(format!("Remove `{path}()`"), vec![edit])),
            None => finding,
        });
    }
    let is_print = path == "print" && canonical == "print";
    let is_pprint = PY_PPRINT.contains(&canonical.as_str());
    if !(is_print || is_pprint) || cx.class().script {
        return None;
    }
    // An explicit stream is deliberate output; `**kwargs` may carry one.
    let has_splat_keywords = {
        let mut cursor = arguments.walk();
        arguments
            .named_children(&mut cursor)
            .any(|a| a.kind() == "dictionary_splat")
    };
    let stream = if is_print { "file" } else { "stream" };
    if has_splat_keywords || python::keyword_argument(arguments, stream, text).is_some() {
        return None;
    }
    let positional = python::positional_arguments(arguments);
    if is_pprint && positional.len() >= 2 {
        return None; // pprint(obj, stream)
    }
    let site = &Site::new(cx, call);
    // `from rich import print`, `def print(...)`, `print = functools.partial(print, flush=True)`.
    let print_is_rebound = cx.bindings().get("print").is_some() || top_level(cx).rebinds_output;
    if is_guarded(cx, site) || (is_print && print_is_rebound) {
        return None;
    }
    let mut finding = RULE.finding(
        function.byte_range(),
        format!("`{path}()` left in production code; use `logging` instead."),
    );
    let only_argument = {
        let mut cursor = arguments.walk();
        let all: Vec<_> = arguments
            .named_children(&mut cursor)
            .filter(|a| a.kind() != "comment")
            .collect();
        (all.len() == 1
            && positional.len() == 1
            && positional[0].kind() != "parenthesized_list_splat")
            .then(|| positional[0])
    };
    if is_print
        && let Some(argument) = only_argument
        && python_module_logger(cx, site)
    {
        finding = finding.with_fix(Fix::unsafe_(
            "Use `logger.info` instead",
            vec![Edit::replace(
                call.byte_range(),
                format!("logger.info({})", cx.node_text(argument)),
            )],
        ));
    }
    if let Some(edit) = python_removal(cx, site) {
        finding = finding.with_fix(Fix::unsafe_(
            format!("Remove the `{path}()` call"),
            vec![edit],
        ));
    }
    Some(finding)
}

/// Whether the module defines `logger = logging.getLogger(...)` where the site can use it
/// (before the call when the call runs at import time).
fn python_module_logger(cx: &FileContext<'_>, site: &Site<'_>) -> bool {
    let in_function = site.in_kinds(&["function_definition", "lambda"]);
    top_level(cx)
        .logger
        .is_some_and(|logger| in_function || logger.start < site.node.start_byte())
}

/// The edit deleting the statement a call makes up on its own, with a `;` separating it from a
/// neighbour on the same line; `pass` replaces it when its block would be left empty.
fn python_removal(cx: &FileContext<'_>, site: &Site<'_>) -> Option<Edit> {
    let text = cx.text();
    let (statement, container) = whole_statement(site)?;
    if statement.has_error() || !matches!(container.kind(), "block" | "module") {
        return None;
    }
    let alone = {
        let mut cursor = container.walk();
        !container.named_children(&mut cursor).any(|other| {
            other != statement && !matches!(other.kind(), "comment" | "line_continuation")
        })
    };
    if alone && container.kind() == "block" {
        return Some(Edit::replace(statement.byte_range(), "pass"));
    }
    // A `;` on the same line separates the statement from a neighbour: it goes too. Blanks
    // include a form feed and a lone carriage return, which the grammar skips (found by
    // fuzzing).
    let mut range = statement.byte_range();
    let blanks = [' ', '\t', '\u{c}', '\r'];
    let after = &text[range.end..];
    let after_blanks = after.trim_start_matches(blanks);
    let before = text[..range.start].trim_end_matches(blanks);
    if after_blanks.starts_with(';') {
        range.end += after.len() - after_blanks.len() + 1;
    } else if before.ends_with(';') {
        range.start = before.len() - 1;
    }
    Some(delete_statement(text, range))
}

// ---------------------------------------------------------------------------------------------
// What the module's top level declares

/// What the rule needs to know about a module's top-level statements.
#[derive(Debug, Clone, Copy, Default)]
struct TopLevel {
    /// The module declares `console` (TS/JS) or `print` (Python) itself.
    rebinds_output: bool,
    /// The first top-level `logger` (TS/JS: any declaration; Python:
    /// `logger = logging.getLogger(...)`).
    logger: Option<TopLevelLogger>,
}

#[derive(Debug, Clone, Copy)]
struct TopLevelLogger {
    start: usize,
    /// A NestJS `Logger`, whose `info` level is called `log`.
    nest: bool,
}

/// The file's [`TopLevel`], computed once per file rather than once per call: a module with
/// thousands of top-level `console.log` calls would otherwise be scanned once for each.
///
/// The engine calls a rule match by match and offers no per-file state, so the last answer is
/// kept per thread. Its key is the address of the root's first child, which lives in the root
/// subtree's storage (shared by every copy of a tree), and the text's address and length. The
/// cache holds a copy of the tree (a reference count), so that storage cannot be freed and
/// reused by another tree while it is the key: the same key means the same parse of the same
/// text. An empty module has nothing to scan and is not cached.
fn top_level(cx: &FileContext<'_>) -> TopLevel {
    type Key = (usize, usize, usize);
    thread_local! {
        static LAST: RefCell<Option<(Key, tree_sitter::Tree, TopLevel)>> =
            const { RefCell::new(None) };
    }
    let compute = || match cx.language().family() {
        LanguageFamily::Python => python_top_level(cx),
        _ => ecma_top_level(cx),
    };
    let Some(first) = cx.tree().root_node().child(0) else {
        return compute();
    };
    let key = (first.id(), cx.text().as_ptr() as usize, cx.text().len());
    LAST.with(|last| {
        let cached = last
            .borrow()
            .as_ref()
            .filter(|(cached, _, _)| *cached == key)
            .map(|(_, _, facts)| *facts);
        cached.unwrap_or_else(|| {
            let facts = compute();
            *last.borrow_mut() = Some((key, cx.tree().clone(), facts));
            facts
        })
    })
}

fn ecma_top_level(cx: &FileContext<'_>) -> TopLevel {
    let text = cx.text();
    let root = cx.tree().root_node();
    let mut facts = TopLevel::default();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let declaration = if statement.kind() == "export_statement" {
            statement.child_by_field_name("declaration")
        } else {
            Some(statement)
        };
        let Some(declaration) = declaration else {
            continue;
        };
        facts.rebinds_output |= declaration_binds(declaration, "console", text);
        if facts.logger.is_some()
            || !matches!(
                declaration.kind(),
                "lexical_declaration" | "variable_declaration"
            )
        {
            continue;
        }
        let mut inner = declaration.walk();
        facts.logger = declaration
            .named_children(&mut inner)
            .find(|declarator| {
                declarator
                    .child_by_field_name("name")
                    .is_some_and(|n| n.kind() == "identifier" && &text[n.byte_range()] == "logger")
            })
            .map(|declarator| TopLevelLogger {
                start: declarator.start_byte(),
                nest: is_nest_logger(cx, declarator),
            });
    }
    facts
}

fn python_top_level(cx: &FileContext<'_>) -> TopLevel {
    let text = cx.text();
    let root = cx.tree().root_node();
    let is_named =
        |n: Node<'_>, name: &str| n.kind() == "identifier" && &text[n.byte_range()] == name;
    let mut facts = TopLevel::default();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        let definition = if statement.kind() == "decorated_definition" {
            statement.child_by_field_name("definition")
        } else {
            Some(statement)
        };
        let Some(definition) = definition else {
            continue;
        };
        match definition.kind() {
            // `def print(...)`, `class print`
            "function_definition" | "class_definition" => {
                facts.rebinds_output |= definition
                    .child_by_field_name("name")
                    .is_some_and(|n| is_named(n, "print"));
            }
            "expression_statement" => {
                let Some(assignment) = definition
                    .named_child(0)
                    .filter(|a| a.kind() == "assignment")
                else {
                    continue;
                };
                let Some(left) = assignment.child_by_field_name("left") else {
                    continue;
                };
                // `print = functools.partial(print, flush=True)`
                facts.rebinds_output |= is_named(left, "print");
                let is_get_logger = assignment.child_by_field_name("right").is_some_and(|r| {
                    r.kind() == "call"
                        && python::canonical_callee(r, text, cx.bindings()).as_deref()
                            == Some("logging.getLogger")
                });
                if facts.logger.is_none() && is_named(left, "logger") && is_get_logger {
                    facts.logger = Some(TopLevelLogger {
                        start: statement.start_byte(),
                        nest: false,
                    });
                }
            }
            _ => {}
        }
    }
    facts
}

// ---------------------------------------------------------------------------------------------
// Shared

/// Deletes `range` (one or more whole statements); when nothing but blanks is left on its lines,
/// deletes the lines with their line break (`\n` or `\r\n`).
fn delete_statement(text: &str, range: Range<usize>) -> Edit {
    let blank = |s: &str| s.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\u{c}'));
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i);
    let before = &text[line_start..range.start];
    let after = &text[range.end..line_end];
    if blank(before) && blank(after) {
        let end = if line_end < text.len() {
            line_end + 1
        } else {
            line_end
        };
        return Edit::delete(line_start..end);
    }
    // Something else shares the line: take the blanks that separated the statement from what
    // follows it, or, at the end of the line, from what precedes it.
    let trailing = after.len() - after.trim_start_matches([' ', '\t']).len();
    if !blank(after) {
        return Edit::delete(range.start..range.end + trailing);
    }
    let leading = before.len() - before.trim_end_matches([' ', '\t']).len();
    Edit::delete(range.start - leading..range.end + trailing)
}

static DEBUG_SWITCH: LazyLock<Regex> = LazyLock::new(|| {
    // `verbosity` too: `if verbosity >= 2: print(...)` is deliberate, switchable output (Django's
    // management hooks), the same intent as `verbose`.
    Regex::new(r"(?i)\b(debug|node_env|is_?dev(elopment)?|verbose|verbosity|__debug__)\b")
        .expect("valid regex")
});

/// `NODE_ENV === 'production'` (either order) or `NODE_ENV !== 'development'`: the branch runs
/// in production.
static PRODUCTION_BRANCH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:(?:^|[^!=])===?\s*['"`]production['"`]|['"`]production['"`]\s*===?(?:[^=]|$)|!==?\s*['"`](?:development|dev|local)['"`]|['"`](?:development|dev|local)['"`]\s*!==?)"#,
    )
    .expect("valid regex")
});

/// Whether the site only runs when the program is started directly or in debug mode (RULES.md H8):
/// it lies in the consequence of an `if` on `__name__ == "__main__"`, `require.main === module`,
/// `import.meta.main`, or a debug switch (`DEBUG`, `NODE_ENV` other than production, `isDev`,
/// `verbose`, `verbosity`).
fn is_guarded(cx: &FileContext<'_>, site: &Site<'_>) -> bool {
    site.path().any(|(parent, child)| {
        matches!(parent.kind(), "if_statement" | "elif_clause")
            && parent.child_by_field_name("consequence") == Some(child)
            && parent
                .child_by_field_name("condition")
                .is_some_and(|condition| is_guard_condition(cx, condition))
    })
}

fn is_guard_condition(cx: &FileContext<'_>, condition: Node<'_>) -> bool {
    // The consequence runs only when every `&&`/`and` operand holds, so any of them may be the
    // guard; a negated guard (`if not settings.DEBUG:`) guards the other branch.
    let mut stack = vec![condition];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "parenthesized_expression" => stack.extend(node.named_child(0)),
            "binary_expression" | "boolean_operator"
                if node
                    .child_by_field_name("operator")
                    .is_some_and(|op| matches!(cx.node_text(op), "&&" | "and")) =>
            {
                stack.extend(node.child_by_field_name("left"));
                stack.extend(node.child_by_field_name("right"));
            }
            "unary_expression" | "not_operator" => {}
            _ => {
                if is_main_check(cx, node) || is_debug_switch(cx.node_text(node)) {
                    return true;
                }
            }
        }
    }
    false
}

/// `__name__ == "__main__"`, `require.main === module`, `import.meta.main`.
fn is_main_check(cx: &FileContext<'_>, node: Node<'_>) -> bool {
    let text = cx.text();
    let compact = |n: Node<'_>| -> String { text[n.byte_range()].split_whitespace().collect() };
    match node.kind() {
        "comparison_operator" => {
            let mut cursor = node.walk();
            let operands: Vec<_> = node.named_children(&mut cursor).collect();
            let has_eq = {
                let mut cursor = node.walk();
                node.children_by_field_name("operators", &mut cursor)
                    .any(|op| cx.node_text(op) == "==")
            };
            has_eq
                && operands.len() == 2
                && operands
                    .iter()
                    .any(|o| o.kind() == "identifier" && cx.node_text(*o) == "__name__")
                && operands
                    .iter()
                    .any(|o| python::static_string(*o, text).as_deref() == Some("__main__"))
        }
        "binary_expression" => {
            let operator = node
                .child_by_field_name("operator")
                .map(|op| cx.node_text(op));
            let (Some(left), Some(right)) = (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            ) else {
                return false;
            };
            let (left, right) = (compact(left), compact(right));
            matches!(operator, Some("===" | "=="))
                && ((left == "require.main" && right == "module")
                    || (left == "module" && right == "require.main"))
        }
        "member_expression" => compact(node) == "import.meta.main",
        _ => false,
    }
}

fn is_debug_switch(condition: &str) -> bool {
    let mut words = DEBUG_SWITCH.find_iter(condition).peekable();
    if words.peek().is_none() {
        return false;
    }
    // Only `NODE_ENV` can name the production branch.
    words.any(|word| !word.as_str().eq_ignore_ascii_case("node_env"))
        || !PRODUCTION_BRANCH.is_match(condition)
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Finding, FixSafety};
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "debug-print";

    fn parses(path: &str, text: &str) -> bool {
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        !parser.parse(text, None).unwrap().root_node().has_error()
    }

    /// Applies the first fix allowed at `safety` of every finding and checks the result parses.
    fn fix(path: &str, text: &str, safety: FixSafety) -> String {
        let findings = check(ID, path, text);
        let result = fixed(text, &findings, safety);
        assert!(parses(path, &result), "fix broke the syntax:\n{result}");
        result
    }

    fn messages(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.message.as_str()).collect()
    }

    fn titles(finding: &Finding) -> Vec<&str> {
        finding.fixes.iter().map(|f| f.title.as_str()).collect()
    }

    #[test]
    fn flags_console_debug_methods_and_debugger() {
        let text = "export class UsersService {\n  async findOne(id: string) {\n    console.log('finding user', id);\n    debugger;\n    return this.repo.findOne({ where: { id } });\n  }\n}\n";
        let findings = check(ID, "src/users/users.service.ts", text);
        assert_eq!(spans(text, &findings), ["console.log", "debugger;"]);
        assert_eq!(
            messages(&findings),
            [
                "`console.log` left in production code; use the application logger or remove it.",
                "`debugger` statement left in code.",
            ]
        );
    }

    #[test]
    fn flags_every_listed_method_and_the_subscript_form() {
        let text = "console.debug(a); console.info(a); console.trace(a); console.dir(a); console.table(a);\n\
                    console.count(); console.time('t'); console.timeEnd('t'); console.group(); console.groupEnd();\n\
                    console['log'](a); console[\"dir\"](a); console?.log(a);\n";
        let findings = check(ID, "src/a.js", text);
        assert_eq!(findings.len(), 13);
        assert_eq!(
            findings[10].message,
            "`console.log` left in production code; use the application logger or remove it."
        );
    }

    #[test]
    fn flags_tsx_components() {
        let text = "export function Cart({ items }: Props) {\n  console.table(items);\n  return <ul>{items.map((i) => <li key={i.id}>{i.name}</li>)}</ul>;\n}\n";
        assert_eq!(
            spans(text, &check(ID, "src/Cart.tsx", text)),
            ["console.table"]
        );
    }

    #[test]
    fn ignores_deliberate_output_and_lookalikes() {
        let text = "console.error('fatal');\nconsole.warn('slow');\nconsole.assert(ok);\n\
                    logger.log('x');\nthis.console.log('x');\nwindow.console.log('x');\nconsole[method]('x');\n\
                    // console.log('commented out')\nconst s = 'console.log(1)';\nconst t = `${'console.log'}`;\n\
                    items.forEach(console.log);\n";
        assert!(check(ID, "src/a.ts", text).is_empty());
    }

    #[test]
    fn ignores_a_rebound_console() {
        let cases = [
            "import { Console } from 'node:console';\nconst console = new Console(process.stdout);\nconsole.log('x');\n",
            "function run(console: Console) {\n  console.log('x');\n}\n",
            "const f = (console) => console.log('x');\n",
            "function f({ console }) { if (x) { console.info('y'); } }\n",
            "export function f() {\n  let console = makeConsole();\n  console.log('x');\n}\n",
            "import console from './console';\nconsole.log('x');\n",
            "try { go(); } catch (console) { console.log(console); }\n",
            "for (const console of consoles) { console.log('x'); }\n",
        ];
        for text in cases {
            assert!(check(ID, "src/a.ts", text).is_empty(), "{text}");
        }
        // Shadowing in a sibling scope does not count.
        let text = "function a() { const console = c; }\nfunction b() { console.log('x'); }\n";
        assert_eq!(check(ID, "src/a.ts", text).len(), 1);
        let text = "import console from 'node:console';\nconsole.log('x');\n";
        assert_eq!(check(ID, "src/a.ts", text).len(), 1);
    }

    /// Module-level facts are computed once per file; they never carry over to the next file,
    /// even when its text reuses the previous one's memory.
    #[test]
    fn module_facts_belong_to_one_file() {
        for round in 0..20 {
            let rebound = format!("const console = makeConsole({round});\nconsole.log('x');\n");
            assert!(check(ID, "src/a.ts", &rebound).is_empty());
            drop(rebound);
            let plain = format!("const konsole = makeConsole({round});\nconsole.log('x');\n");
            assert_eq!(check(ID, "src/a.ts", &plain).len(), 1);
            let py = format!("def print(*a):\n    pass\nprint({round})\n");
            assert!(check(ID, "app/a.py", &py).is_empty());
            drop(py);
            let py = format!("def prin(*a):\n    pass\nprint({round})\n");
            assert_eq!(check(ID, "app/a.py", &py).len(), 1);
        }
    }

    #[test]
    fn scripts_may_print_but_not_stop() {
        let text = "console.log('migrated 12 tables');\ndebugger;\n";
        let findings = check(ID, "scripts/migrate.ts", text);
        assert_eq!(spans(text, &findings), ["debugger;"]);
        let text = "#!/usr/bin/env node\nconsole.log('done');\n";
        assert!(check(ID, "src/run.ts", text).is_empty());
        let text = "import { Command } from 'commander';\nconsole.log('x');\n";
        assert!(check(ID, "src/run.ts", text).is_empty());
        let text = "#!/usr/bin/env python\nprint('done')\nbreakpoint()\n";
        assert_eq!(spans(text, &check(ID, "app/run.py", text)), ["breakpoint"]);
        let text = "import argparse\nprint('x')\n";
        assert!(check(ID, "app/tool.py", text).is_empty());
        let text = "import click\nprint('x')\n";
        assert!(check(ID, "app/tool.py", text).is_empty());
    }

    #[test]
    fn guarded_code_may_print_but_not_stop() {
        let ts = [
            "if (process.env.NODE_ENV !== 'production') {\n  console.debug('config', config);\n}\n",
            "if (process.env.NODE_ENV === 'development') console.log(x);\n",
            "if (require.main === module) {\n  console.log('listening');\n}\n",
            "if (import.meta.main) {\n  console.log('x');\n}\n",
            "if (config.debug && ready) {\n  console.log('x');\n}\n",
            "if (isDev) {\n  app.use((req, res, next) => { console.log(req.url); next(); });\n}\n",
            "if (options.verbose) console.info('x');\n",
            "if (this.verbosity > 1) console.info('x');\n",
        ];
        for text in ts {
            assert!(check(ID, "src/a.ts", text).is_empty(), "{text}");
        }
        let flagged = [
            "if (process.env.NODE_ENV === 'production') {\n  console.log('x');\n}\n",
            "if ('production' == process.env.NODE_ENV) console.log('x');\n",
            "if (process.env.NODE_ENV !== 'development') console.log('x');\n",
            "if (!isDev) {\n  console.log('x');\n}\n",
            "if (require.main === module) {} else {\n  console.log('x');\n}\n",
            "if (debugMode) {\n  console.log('x');\n}\n",
            "if (isDev) {\n  debugger;\n}\n",
        ];
        for text in flagged {
            assert_eq!(check(ID, "src/a.ts", text).len(), 1, "{text}");
        }
        let py = [
            "def main() -> None:\n    sync()\n\nif __name__ == \"__main__\":\n    main()\n    print(\"done\")\n",
            "if '__main__' == __name__:\n    print(1)\n",
            "if settings.DEBUG:\n    print(1)\n",
            "if x:\n    pass\nelif DEBUG:\n    print(1)\n",
            "if __debug__:\n    pprint.pprint(x)\n",
        ];
        for text in py {
            assert!(check(ID, "app/a.py", text).is_empty(), "{text}");
        }
        let flagged = [
            "if not settings.DEBUG:\n    print(1)\n",
            "if __name__ == \"__main__\":\n    pass\nelse:\n    print(1)\n",
            "if __name__ == \"__main__\":\n    breakpoint()\n",
        ];
        for text in flagged {
            assert_eq!(check(ID, "app/a.py", text).len(), 1, "{text}");
        }
    }

    #[test]
    fn flags_python_prints_and_breakpoints() {
        let text = "def charge(customer, amount):\n    print(f\"charging {customer.id} {amount}\")\n    breakpoint()\n    return gateway.charge(customer, amount)\n";
        let findings = check(ID, "app/services/billing.py", text);
        assert_eq!(spans(text, &findings), ["print", "breakpoint"]);
        assert_eq!(
            messages(&findings),
            [
                "`print()` left in production code; use `logging` instead.",
                "`breakpoint()` left in code; it pauses the process when reached.",
            ]
        );
        let text = "import pdb\nfrom pprint import pprint\ndef handler(event, context):\n    pprint(event)\n    pdb.set_trace()\n";
        let findings = check(ID, "app/handler.py", text);
        assert_eq!(spans(text, &findings), ["pprint", "pdb.set_trace"]);
        assert_eq!(
            findings[1].message,
            "`pdb.set_trace()` left in code; it pauses the process when reached."
        );
        let text = "import ipdb\nimport pudb as pu\nfrom pdb import post_mortem\nfrom pprint import pp as show\nimport pprint\n\
                    def f():\n    ipdb.set_trace()\n    pu.set_trace()\n    post_mortem()\n    show(x)\n    pprint.pprint(x)\n    import pdb; pdb.set_trace()\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(
            spans(text, &findings),
            [
                "ipdb.set_trace",
                "pu.set_trace",
                "post_mortem",
                "show",
                "pprint.pprint",
                "pdb.set_trace"
            ]
        );
    }

    #[test]
    fn ignores_deliberate_python_output_and_lookalikes() {
        let cases = [
            "import sys\nprint(\"invalid configuration\", file=sys.stderr)\nlogger.info(\"started\")\n",
            "from rich import print\nprint('x')\n",
            "def print(*args):\n    pass\nprint('x')\n",
            "print = logger.info\nprint('x')\n",
            "def f(**kw):\n    print('x', **kw)\n",
            "import pprint, sys\npprint.pprint(x, stream=sys.stderr)\npprint.pprint(x, sys.stderr)\n",
            "def pprint(x):\n    pass\npprint(x)\npp(x)\n",
            "from mylib import pdb\npdb.set_trace()\n",
            "# print('x')\ns = 'print(1)'\nobj.print('x')\nx.set_trace\n",
        ];
        for text in cases {
            assert!(check(ID, "app/a.py", text).is_empty(), "{text}");
        }
    }

    #[test]
    fn reports_intact_calls_in_a_file_with_syntax_errors() {
        let text = "function broken( {\n\nexport function ok() {\n  console.log('x');\n}\n";
        assert_eq!(spans(text, &check(ID, "src/a.ts", text)), ["console.log"]);
        let text = "def broken(:\n    pass\n\ndef ok():\n    print('x')\n";
        assert_eq!(spans(text, &check(ID, "app/a.py", text)), ["print"]);
    }

    #[test]
    fn removes_debugger_statements_safely() {
        let path = "src/a.ts";
        let text = "function f() {\n  debugger;\n  return 1;\n}\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "function f() {\n  return 1;\n}\n"
        );
        let text = "function f() {\r\n  debugger;\r\n  return 1;\r\n}\r\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "function f() {\r\n  return 1;\r\n}\r\n"
        );
        let text = "f(); debugger; g();\n";
        assert_eq!(fix(path, text, FixSafety::Safe), "f(); g();\n");
        let text = "f(); debugger\n";
        assert_eq!(fix(path, text, FixSafety::Safe), "f();\n");
        let text = "function f() { debugger; }\n";
        assert_eq!(fix(path, text, FixSafety::Safe), "function f() { }\n");
        let text = "x();\ndebugger;";
        assert_eq!(fix(path, text, FixSafety::Safe), "x();\n");
        // The only statement of a brace-less `if`, a label's body, an ASI hazard: no fix.
        for text in [
            "if (x) debugger;\ng();\n",
            "a: debugger;\n",
            "const a = b\ndebugger\n(c || d)()\n",
            "const f = function () {}\ndebugger\n[1, 2].forEach(f)\n",
        ] {
            let findings = check(ID, path, text);
            assert_eq!(findings.len(), 1, "{text}");
            assert!(findings[0].fixes.is_empty(), "{text}");
        }
        // Comments between the statements do not hide the hazard.
        let text =
            "const a = b // no semicolon\n/* pause */ debugger\n// then\n[c, d].forEach(go)\n";
        assert!(check(ID, path, text)[0].fixes.is_empty());
        // Not an ASI hazard: the previous statement is closed, or there is none.
        let text = "const a = b;\ndebugger\n(c || d)()\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "const a = b;\n(c || d)()\n"
        );
        let text = "const a = b; // done\ndebugger\n(c || d)()\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "const a = b; // done\n(c || d)()\n"
        );
        // `debugger\n;` is one statement; with nothing before it, removing it is harmless.
        let text = "function f() {\n  debugger\n  ;(c || d)()\n}\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "function f() {\n  (c || d)()\n}\n"
        );
        let text = "function f() {\n  a = b\n  debugger\n  ;(c || d)()\n}\n";
        assert!(check(ID, path, text)[0].fixes.is_empty());
        let text = "switch (x) {\n  case 1:\n    debugger\n    (c || d)()\n}\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "switch (x) {\n  case 1:\n    (c || d)()\n}\n"
        );
    }

    #[test]
    fn removes_breakpoints_safely() {
        let path = "app/a.py";
        let text = "def f():\n    breakpoint()\n    return 1\n";
        assert_eq!(fix(path, text, FixSafety::Safe), "def f():\n    return 1\n");
        let text = "def f():\n    x = 1\n    if x:\n        pdb.set_trace()\n    return x\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "def f():\n    x = 1\n    if x:\n        pass\n    return x\n"
        );
        let text = "def f():\n    # stop here\n    breakpoint()\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "def f():\n    # stop here\n    pass\n"
        );
        let text = "def f():\n    import pdb; pdb.set_trace()\n    go()\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "def f():\n    import pdb\n    go()\n"
        );
        let text = "def f():\r\n    breakpoint(); go()\r\n    x = 1; breakpoint();\r\n";
        assert_eq!(
            fix(path, text, FixSafety::Safe),
            "def f():\r\n    go()\r\n    x = 1;\r\n"
        );
        // A form feed and a lone carriage return are blanks before the `;` (found by fuzzing).
        let text = "def f():\n    breakpoint()\r\u{c}  ; return 1\n";
        assert_eq!(fix(path, text, FixSafety::Safe), "def f():\n    return 1\n");
        let text = "if x: breakpoint()\n";
        assert_eq!(fix(path, text, FixSafety::Safe), "if x: pass\n");
        let text = "breakpoint()\n";
        assert_eq!(fix(path, text, FixSafety::Safe), "");
        // Part of a bigger expression: flagged, no fix.
        let text = "x = y or breakpoint()\n";
        let findings = check(ID, path, text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].fixes.is_empty());
    }

    #[test]
    fn removes_console_calls_only_as_unsafe_fixes() {
        let path = "src/a.ts";
        let text = "export function f(id: string) {\n  console.log(\n    'finding user',\n    id,\n  );\n  return id;\n}\n";
        assert_eq!(fix(path, text, FixSafety::Safe), text);
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            "export function f(id: string) {\n  return id;\n}\n"
        );
        let text = "function f() {\r\n  console.log(x); // trace\r\n}\r\n";
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            "function f() {\r\n  // trace\r\n}\r\n"
        );
        let text = "switch (x) {\n  case 1:\n    console.log(x);\n}\n";
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            "switch (x) {\n  case 1:\n}\n"
        );
        for text in [
            "if (x) console.log(y);\n",
            "x && console.log(y);\n",
            "const f = () => console.log(x);\n",
            "const v = console.log(x) ?? 1;\n",
            "const el = <div onClick={() => console.log(1)}>{console.log(2)}</div>;\n",
        ] {
            let findings = check(ID, "src/a.tsx", text);
            assert!(!findings.is_empty(), "{text}");
            assert!(findings.iter().all(|f| f.fixes.is_empty()), "{text}");
        }
        let path = "app/a.py";
        let text = "def f():\n    print('x')\n";
        assert_eq!(fix(path, text, FixSafety::Safe), text);
        assert_eq!(fix(path, text, FixSafety::Unsafe), "def f():\n    pass\n");
        let text = "def f():\n    print('x')\n    return 1\n";
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            "def f():\n    return 1\n"
        );
        for text in ["f = lambda: print(1)\n", "print(1), go()\n"] {
            let findings = check(ID, path, text);
            assert!(findings[0].fixes.is_empty(), "{text}");
        }
    }

    #[test]
    fn routes_console_to_a_class_logger() {
        let path = "src/users.service.ts";
        let text = "import { Logger } from '@nestjs/common';\nexport class UsersService {\n  private readonly logger = new Logger(UsersService.name);\n  find(id: string) {\n    console.log('find', id);\n    console.dir(id);\n    console.time('x');\n  }\n}\n";
        let findings = check(ID, path, text);
        assert_eq!(
            titles(&findings[0]),
            [
                "Use `this.logger.log` instead",
                "Remove the `console.log` call"
            ]
        );
        assert_eq!(titles(&findings[2]), ["Remove the `console.time` call"]);
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            text.replace("console.log", "this.logger.log")
                .replace("console.dir", "this.logger.debug")
                .replace("    console.time('x');\n", "")
        );
        // A constructor parameter property, any logger type; arrow functions keep `this`.
        let text = "export class A {\n  constructor(private readonly logger: PinoLogger) {}\n  run() {\n    items.forEach((i) => console.info(i));\n  }\n}\n";
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            text.replace("console.info", "this.logger.info")
        );
        // JavaScript: assigned in the constructor.
        let text = "class A {\n  constructor(logger) { this.logger = logger; }\n  run() { console['trace'](1); }\n}\n";
        assert_eq!(
            fix("src/a.js", text, FixSafety::Unsafe),
            text.replace("console['trace']", "this.logger.debug")
        );
        // A plain constructor parameter is no field; `function` rebinds `this`; static methods
        // have no instance.
        for text in [
            "class A {\n  constructor(logger: Logger) {}\n  run() { console.log(1); }\n}\n",
            "class A {\n  logger = x;\n  run() { return function () { console.log(1); }; }\n}\n",
            "class A {\n  logger = x;\n  static run() { console.log(1); }\n}\n",
        ] {
            let findings = check(ID, path, text);
            assert_eq!(
                titles(&findings[0]),
                ["Remove the `console.log` call"],
                "{text}"
            );
        }
    }

    #[test]
    fn routes_console_to_a_module_logger() {
        let path = "src/a.ts";
        let text =
            "import { logger } from './logger';\nexport function f() {\n  console.log('x');\n}\n";
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            text.replace("console.log", "logger.info")
        );
        let text = "import { Logger } from '@nestjs/common';\nconst logger = new Logger('Bootstrap');\nconsole.info('x');\n";
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            text.replace("console.info", "logger.log")
        );
        // Declared after a call that runs at module load: not usable there.
        let text = "console.log('x');\nconst logger = pino();\n";
        assert_eq!(
            titles(&check(ID, path, text)[0]),
            ["Remove the `console.log` call"]
        );
        let text = "function f() { console.debug('x'); }\nexport const logger = pino();\n";
        assert_eq!(
            fix(path, text, FixSafety::Unsafe),
            text.replace("console.debug", "logger.debug")
        );
    }

    #[test]
    fn routes_print_to_a_module_logger() {
        let path = "app/a.py";
        let text = "import logging\nlogger = logging.getLogger(__name__)\ndef f(x):\n    print(f\"x={x}\")\n    print('a', x)\n    print(x, end='')\n";
        let findings = check(ID, path, text);
        assert_eq!(
            titles(&findings[0]),
            ["Use `logger.info` instead", "Remove the `print()` call"]
        );
        assert_eq!(titles(&findings[1]), ["Remove the `print()` call"]);
        assert_eq!(titles(&findings[2]), ["Remove the `print()` call"]);
        let once = fixed(text, &findings[..1], FixSafety::Unsafe);
        assert_eq!(
            once,
            text.replace("print(f\"x={x}\")", "logger.info(f\"x={x}\")")
        );
        assert!(parses(path, &once));
        // No `logging.getLogger` logger, or defined after a module-level print.
        for text in [
            "logger = make_logger()\nprint('x')\n",
            "print('x')\nimport logging\nlogger = logging.getLogger(__name__)\n",
        ] {
            let findings = check(ID, path, text);
            assert_eq!(
                titles(&findings[0]),
                ["Remove the `print()` call"],
                "{text}"
            );
        }
    }
}
