//! Facts of TypeScript / JavaScript files.

use super::edit::{self, EditContext};
use super::{
    AppSite, ErrorHandlerKind, Export, FileFacts, FilterClass, Framework, ImportedMiddleware,
    ReExport, SiteInsertions,
};
use crate::engine::{Captures, FileContext};
use crate::lang::ecma::{
    callee_path, property_key, required_module, static_string, unwrap_expression,
};
use preflight_grammars::Language;
use tree_sitter::Node;

/// Express/Fastify methods that register a route (with a path and a handler).
const ROUTE_METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "del", "all", "options", "head",
];

pub(super) fn extract(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    if let Some(call) = captures.get("app.call") {
        plain_call(cx, call, facts);
    } else if let Some(call) = captures.get("fact.call") {
        method_call(cx, call, facts);
    } else if let Some(pair) = captures.get("fact.provide") {
        provide(cx, pair, facts);
    } else if let Some(decorator) = captures.get("fact.decorator") {
        decorator_call(cx, decorator, facts);
    } else if let Some(statement) = captures.get("fact.export") {
        export_statement(cx, statement, facts);
    } else if let Some(assignment) = captures.get("fact.cjs_export") {
        commonjs_export(cx, assignment, facts);
    } else if let Some(assignment) = captures.get("fact.default_timeout") {
        facts.axios_default_timeout |= sets_axios_default_timeout(cx, assignment);
    }
}

/// `axios.defaults.timeout = <anything but 0>`: every call on axios' default instance (and
/// every instance `axios.create` makes afterwards) gets that timeout.
pub(crate) fn sets_axios_default_timeout(cx: &FileContext<'_>, assignment: Node<'_>) -> bool {
    let (Some(left), Some(right)) = (
        assignment.child_by_field_name("left"),
        assignment.child_by_field_name("right"),
    ) else {
        return false;
    };
    callee_path(left, cx.text())
        .is_some_and(|path| cx.bindings().canonical(&path) == "axios#default.defaults.timeout")
        && cx.node_text(right) != "0"
}

/// `express()`, `Fastify()`, `require('fastify')()`, `errors()`, `errorhandler()`.
fn plain_call(cx: &FileContext<'_>, call: Node<'_>, facts: &mut FileFacts) {
    let Some(function) = call.child_by_field_name("function") else {
        return;
    };
    let target = match function.kind() {
        "identifier" => cx
            .bindings()
            .get(cx.node_text(function))
            .map(str::to_string),
        "call_expression" => required_module(function, cx.text()).map(|module| {
            let module = module.strip_prefix("node:").unwrap_or(&module);
            format!("{module}#default")
        }),
        _ => None,
    };
    let Some(target) = target else { return };
    match target.as_str() {
        "express#default" => add_site(cx, call, call, Framework::Express, facts),
        "fastify#default" | "fastify#fastify" => {
            add_site(cx, call, call, Framework::Fastify, facts)
        }
        other if is_express_error_package(other) => {
            facts.add_error_handler(ErrorHandlerKind::ExpressPackage, call.byte_range());
        }
        _ => {}
    }
}

/// Canonical callees of error handlers that packages provide for Express.
fn is_express_error_package(canonical: &str) -> bool {
    let Some((module, export)) = canonical.split_once('#') else {
        return false;
    };
    let export = export
        .strip_prefix("*.")
        .or_else(|| export.strip_prefix("default."))
        .unwrap_or(export);
    match module {
        "@sentry/node" => matches!(export, "Handlers.errorHandler" | "setupExpressErrorHandler"),
        "celebrate" => export == "errors",
        "errorhandler" => export == "default" || export == "*",
        _ => false,
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
    // `await NestFactory.create<T>(…)` parses as a call of `(await NestFactory.create)`.
    let function = match function.kind() {
        "await_expression" => match function.named_child(0) {
            Some(inner) => inner,
            None => return,
        },
        _ => function,
    };
    let Some(property) = function.child_by_field_name("property") else {
        return;
    };
    let method = cx.node_text(property);
    let args = argument_nodes(arguments);
    match method {
        "create" => {
            let nest_factory = function.child_by_field_name("object").filter(|object| {
                object.kind() == "identifier" && cx.node_text(*object) == "NestFactory"
            });
            let bound_elsewhere = cx
                .bindings()
                .get("NestFactory")
                .is_some_and(|target| target != "@nestjs/core#NestFactory");
            if nest_factory.is_some() && !bound_elsewhere {
                add_site(cx, call, function, Framework::NestJs, facts);
            }
        }
        "listen" => facts.set_listens(),
        "setErrorHandler" if !args.is_empty() => {
            facts.add_error_handler(ErrorHandlerKind::Fastify, call.byte_range());
        }
        "useGlobalFilters" if !args.is_empty() => {
            facts.add_error_handler(ErrorHandlerKind::NestFilter, call.byte_range());
            for arg in args {
                if let Some(name) = class_reference(arg, text) {
                    facts.add_filter_reference(name);
                }
            }
        }
        "errorHandler" | "setupExpressErrorHandler" | "errors" => {
            let canonical = callee_path(function, text).map(|path| cx.bindings().canonical(&path));
            if canonical.is_some_and(|c| is_express_error_package(&c)) {
                facts.add_error_handler(ErrorHandlerKind::ExpressPackage, call.byte_range());
            }
        }
        _ => {
            let registers = match method {
                "use" | "route" => !args.is_empty(),
                // `app.get('env')` reads a setting; a route has a path and a handler.
                _ => ROUTE_METHODS.contains(&method) && args.len() >= 2,
            };
            if registers && let Some(root) = chain_root(call) {
                facts.add_route_receiver(cx.node_text(root));
            }
            if method == "use"
                && let Some(last) = args.last()
            {
                middleware_evidence(cx, *last, facts);
            }
        }
    }
}

/// The arguments of a call, without comments.
fn argument_nodes(arguments: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|node| node.kind() != "comment")
        .collect()
}

/// `X` of `new X(…)` or of a bare `X` argument.
fn class_reference<'t>(node: Node<'_>, text: &'t str) -> Option<&'t str> {
    let node = unwrap_expression(node);
    let name = match node.kind() {
        "new_expression" => node.child_by_field_name("constructor")?,
        "identifier" => node,
        _ => return None,
    };
    (name.kind() == "identifier").then(|| &text[name.byte_range()])
}

/// The identifier a call chain starts from: `app` in `app.route('/x').get(h)`.
fn chain_root(call: Node<'_>) -> Option<Node<'_>> {
    let mut node = call.child_by_field_name("function")?;
    loop {
        node = unwrap_expression(node);
        match node.kind() {
            "member_expression" => node = node.child_by_field_name("object")?,
            "call_expression" => node = node.child_by_field_name("function")?,
            "identifier" => return Some(node),
            _ => return None,
        }
    }
}

/// Whether the last argument of `.use(…)` is an error middleware (4 parameters).
fn middleware_evidence(cx: &FileContext<'_>, argument: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let argument = unwrap_expression(argument);
    let range = argument.byte_range();
    match argument.kind() {
        "arrow_function" | "function_expression" | "function"
            if middleware_arity(argument) == Some(4) =>
        {
            facts.add_error_handler(ErrorHandlerKind::ExpressMiddleware, range);
        }
        "identifier" => identifier_middleware(cx, argument, facts),
        "call_expression" | "member_expression" => {
            let canonical = crate::lang::ecma::canonical_callee(argument, text, cx.bindings());
            if argument.kind() == "call_expression"
                && canonical.is_some_and(|c| is_express_error_package(&c))
            {
                return; // recorded by the call's own match
            }
            let path = match argument.kind() {
                "call_expression" => argument
                    .child_by_field_name("function")
                    .and_then(|f| callee_path(f, text)),
                _ => callee_path(argument, text),
            };
            let last = path.as_deref().and_then(|p| p.rsplit('.').next());
            if last.is_some_and(is_error_handler_name) {
                facts.add_error_handler(ErrorHandlerKind::ExpressNamedMiddleware, range);
            }
        }
        _ => {}
    }
}

/// `app.use(name)`: a function of this file decides by its arity; an import from a relative
/// module is left to the project; anything else counts when its name says it handles errors.
fn identifier_middleware(cx: &FileContext<'_>, identifier: Node<'_>, facts: &mut FileFacts) {
    let name = cx.node_text(identifier);
    let range = identifier.byte_range();
    if let Some(Local::Function(arity)) = local_value(identifier, name, cx.text()) {
        if arity == Some(4) {
            facts.add_error_handler(ErrorHandlerKind::ExpressMiddleware, range);
        }
        return;
    }
    let imported = cx.bindings().get(name).and_then(|t| t.split_once('#'));
    match imported {
        Some((module, export)) if module.starts_with("./") || module.starts_with("../") => {
            facts.imported_middleware.push(ImportedMiddleware {
                module: module.to_string(),
                export: export.to_string(),
                error_named: is_error_handler_name(name),
                range,
            });
        }
        _ if is_error_handler_name(name) => {
            facts.add_error_handler(ErrorHandlerKind::ExpressNamedMiddleware, range);
        }
        _ => {}
    }
}

/// `errorHandler`, `handleErrors`, `globalErrorMiddleware` — but not `errorLogger`, which logs
/// and passes the error on to the default handler.
fn is_error_handler_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("error") && !lower.contains("log")
}

/// The number of parameters Express sees (`fn.length`): declared parameters before the first
/// one with a default value or a rest pattern.
fn middleware_arity(function: Node<'_>) -> Option<usize> {
    if let Some(single) = function.child_by_field_name("parameter") {
        return (single.kind() == "identifier").then_some(1);
    }
    let parameters = function.child_by_field_name("parameters")?;
    let mut count = 0;
    let mut cursor = parameters.walk();
    for parameter in parameters.named_children(&mut cursor) {
        match parameter.kind() {
            "required_parameter" | "optional_parameter" => {
                let pattern = parameter.child_by_field_name("pattern");
                if pattern.is_some_and(|p| p.kind() == "rest_pattern")
                    || parameter.child_by_field_name("value").is_some()
                {
                    break;
                }
                if pattern.is_some_and(|p| p.kind() == "this") {
                    continue;
                }
                count += 1;
            }
            "comment" => {}
            _ => break,
        }
    }
    Some(count)
}

/// What a name is bound to in the file.
enum Local {
    /// A function (declaration, or a declarator whose value is a function), with its arity.
    Function(Option<usize>),
    /// Something else (a call's result, an object, …).
    Other,
}

const FUNCTION_VALUE_KINDS: &[&str] = &["arrow_function", "function_expression", "function"];

/// The nearest declaration of `name` visible from `from`: a `function` declaration or a
/// `const`/`let`/`var` declarator in an enclosing block. Walks up parents, never into
/// sub-trees, and stops at the first block declaring the name.
fn local_value(from: Node<'_>, name: &str, text: &str) -> Option<Local> {
    let mut scope = from.parent();
    while let Some(block) = scope {
        if matches!(block.kind(), "statement_block" | "program") {
            let mut cursor = block.walk();
            for statement in block.named_children(&mut cursor) {
                let declaration = match statement.kind() {
                    "export_statement" => match statement.child_by_field_name("declaration") {
                        Some(declaration) => declaration,
                        None => continue,
                    },
                    _ => statement,
                };
                match declaration.kind() {
                    "function_declaration"
                        if declaration
                            .child_by_field_name("name")
                            .is_some_and(|n| &text[n.byte_range()] == name) =>
                    {
                        return Some(Local::Function(middleware_arity(declaration)));
                    }
                    "lexical_declaration" | "variable_declaration" => {
                        let mut inner = declaration.walk();
                        for declarator in declaration.named_children(&mut inner) {
                            let bound = declarator.child_by_field_name("name");
                            if !bound.is_some_and(|b| {
                                b.kind() == "identifier" && &text[b.byte_range()] == name
                            }) {
                                continue;
                            }
                            let value = declarator
                                .child_by_field_name("value")
                                .map(unwrap_expression);
                            return Some(match value {
                                Some(v) if FUNCTION_VALUE_KINDS.contains(&v.kind()) => {
                                    Local::Function(middleware_arity(v))
                                }
                                _ => Local::Other,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        scope = block.parent();
    }
    None
}

/// The arity of an exported value: a function literal, or a name declared as a function.
fn exported_arity(value: Node<'_>, text: &str) -> Option<usize> {
    let value = unwrap_expression(value);
    if FUNCTION_VALUE_KINDS.contains(&value.kind()) {
        return middleware_arity(value);
    }
    if value.kind() != "identifier" {
        return None;
    }
    match local_value(value, &text[value.byte_range()], text) {
        Some(Local::Function(arity)) => arity,
        _ => None,
    }
}

/// `{ provide: APP_FILTER, useClass: X }` with `APP_FILTER` from `@nestjs/core`.
fn provide(cx: &FileContext<'_>, pair: Node<'_>, facts: &mut FileFacts) {
    let Some(value) = pair.child_by_field_name("value") else {
        return;
    };
    let name = cx.node_text(value);
    let is_app_filter = match cx.bindings().get(name) {
        Some(target) => target == "@nestjs/core#APP_FILTER",
        // Snippets often leave the import out; an unbound `APP_FILTER` can only be Nest's.
        None => name == "APP_FILTER",
    };
    if !is_app_filter {
        return;
    }
    facts.add_error_handler(ErrorHandlerKind::NestFilter, pair.byte_range());
    let Some(object) = pair.parent() else { return };
    let mut cursor = object.walk();
    for sibling in object.named_children(&mut cursor) {
        if sibling.kind() == "pair"
            && sibling
                .child_by_field_name("key")
                .and_then(|key| property_key(key, cx.text()))
                .is_some_and(|key| key == "useClass")
            && let Some(class) = sibling.child_by_field_name("value")
            && let Some(name) = class_reference(class, cx.text())
        {
            facts.add_filter_reference(name);
        }
    }
}

/// A decorator call `@Name(args…)` whose name is not bound to anything but `@nestjs/common`'s:
/// its name and arguments.
pub(super) fn nest_decorator<'t>(
    cx: &FileContext<'t>,
    decorator: Node<'t>,
) -> Option<(&'t str, Vec<Node<'t>>)> {
    let call = decorator.named_child(0)?;
    let function = call.child_by_field_name("function")?;
    let arguments = call.child_by_field_name("arguments")?;
    let name = cx.node_text(function);
    if cx
        .bindings()
        .get(name)
        .is_some_and(|target| target != format!("@nestjs/common#{name}"))
    {
        return None;
    }
    Some((name, argument_nodes(arguments)))
}

/// `@Catch()` on a class, `@UseFilters(X, new Y())`.
fn decorator_call(cx: &FileContext<'_>, decorator: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let Some((name, args)) = nest_decorator(cx, decorator) else {
        return;
    };
    match name {
        "Catch" if args.is_empty() => {
            if let Some(class) = decorated_class(decorator) {
                catch_all_class(class, text, facts);
            }
        }
        "UseFilters" => {
            for arg in args {
                if let Some(name) = class_reference(arg, text) {
                    facts.add_filter_reference(name);
                }
            }
        }
        _ => {}
    }
}

const CLASS_KINDS: &[&str] = &["class_declaration", "abstract_class_declaration", "class"];

fn decorated_class(decorator: Node<'_>) -> Option<Node<'_>> {
    let parent = decorator.parent()?;
    if CLASS_KINDS.contains(&parent.kind()) {
        return Some(parent);
    }
    if parent.kind() == "export_statement" {
        let declaration = parent
            .child_by_field_name("declaration")
            .or_else(|| parent.child_by_field_name("value"))?;
        return CLASS_KINDS
            .contains(&declaration.kind())
            .then_some(declaration);
    }
    None
}

fn catch_all_class(class: Node<'_>, text: &str, facts: &mut FileFacts) {
    let Some(name) = class.child_by_field_name("name") else {
        return;
    };
    let mut extends_base_filter = false;
    let mut constructor_params = None;
    let mut cursor = class.walk();
    for child in class.named_children(&mut cursor) {
        if child.kind() == "class_heritage" {
            let mut inner = child.walk();
            for clause in child.named_children(&mut inner) {
                if clause.kind() == "extends_clause"
                    && let Some(value) = clause.child_by_field_name("value")
                {
                    let base = &text[value.byte_range()];
                    extends_base_filter = base.rsplit('.').next() == Some("BaseExceptionFilter");
                }
            }
        }
    }
    if let Some(body) = class.child_by_field_name("body") {
        let mut inner = body.walk();
        for member in body.named_children(&mut inner) {
            let is_constructor = member.kind() == "method_definition"
                && member
                    .child_by_field_name("name")
                    .is_some_and(|n| &text[n.byte_range()] == "constructor");
            if let (true, Some(parameters)) =
                (is_constructor, member.child_by_field_name("parameters"))
            {
                let mut params = Vec::new();
                let mut walk = parameters.walk();
                for parameter in parameters.named_children(&mut walk) {
                    if matches!(
                        parameter.kind(),
                        "required_parameter" | "optional_parameter"
                    ) {
                        let ty = parameter
                            .child_by_field_name("type")
                            .and_then(|t| t.named_child(0))
                            .map(|t| text[t.byte_range()].to_string())
                            .unwrap_or_default();
                        params.push(ty);
                    }
                }
                constructor_params = Some(params);
            }
        }
    }
    facts.catch_all_filters.push(FilterClass {
        name: text[name.byte_range()].to_string(),
        range: name.byte_range(),
        extends_base_filter,
        constructor_params,
    });
}

fn export_statement(cx: &FileContext<'_>, statement: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let mut cursor = statement.walk();
    let children: Vec<Node<'_>> = statement.children(&mut cursor).collect();
    let is_default = children.iter().any(|c| c.kind() == "default");
    let clause = children
        .iter()
        .find(|c| c.kind() == "export_clause")
        .copied();
    if let Some(source) = statement.child_by_field_name("source") {
        let Some(module) = static_string(source, text) else {
            return;
        };
        match clause {
            Some(clause) => {
                for (name, alias) in export_specifiers(clause, text) {
                    facts.reexports.push(ReExport {
                        module: module.clone(),
                        name: Some((name.to_string(), alias.to_string())),
                    });
                }
            }
            None if !children.iter().any(|c| c.kind() == "namespace_export") => {
                facts.reexports.push(ReExport { module, name: None });
            }
            None => {}
        }
        return;
    }
    let mut export = |name: &str, arity: Option<usize>| {
        facts.exports.push(Export {
            name: name.to_string(),
            arity,
        });
    };
    if let Some(declaration) = statement.child_by_field_name("declaration") {
        let declared = declaration
            .child_by_field_name("name")
            .map(|n| &text[n.byte_range()]);
        match declaration.kind() {
            "function_declaration" | "generator_function_declaration" => {
                let arity = middleware_arity(declaration);
                match (is_default, declared) {
                    (true, _) => export("default", arity),
                    (false, Some(name)) => export(name, arity),
                    _ => {}
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                let mut inner = declaration.walk();
                for declarator in declaration.named_children(&mut inner) {
                    let Some(name) = declarator
                        .child_by_field_name("name")
                        .filter(|n| n.kind() == "identifier")
                    else {
                        continue;
                    };
                    let arity = declarator
                        .child_by_field_name("value")
                        .and_then(|v| exported_arity(v, text));
                    export(&text[name.byte_range()], arity);
                }
            }
            kind if CLASS_KINDS.contains(&kind) => match (is_default, declared) {
                (true, _) => export("default", None),
                (false, Some(name)) => export(name, None),
                _ => {}
            },
            _ => {}
        }
    } else if let Some(value) = statement.child_by_field_name("value") {
        export("default", exported_arity(value, text));
    } else if let Some(clause) = clause {
        let mut cursor = clause.walk();
        for specifier in clause.named_children(&mut cursor) {
            let (Some(name), alias) = (
                specifier.child_by_field_name("name"),
                specifier.child_by_field_name("alias"),
            ) else {
                continue;
            };
            let exported = &text[alias.unwrap_or(name).byte_range()];
            let arity = match local_value(name, &text[name.byte_range()], text) {
                Some(Local::Function(arity)) => arity,
                _ => None,
            };
            export(exported, arity);
        }
    }
}

/// `(name, exported name)` of each specifier of an `export { a as b }` clause.
fn export_specifiers<'t>(clause: Node<'_>, text: &'t str) -> Vec<(&'t str, &'t str)> {
    let mut cursor = clause.walk();
    clause
        .named_children(&mut cursor)
        .filter_map(|specifier| {
            let name = specifier.child_by_field_name("name")?;
            let alias = specifier.child_by_field_name("alias").unwrap_or(name);
            Some((&text[name.byte_range()], &text[alias.byte_range()]))
        })
        .collect()
}

/// `module.exports = …`, `module.exports.x = …`, `exports.x = …`.
fn commonjs_export(cx: &FileContext<'_>, assignment: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let (Some(left), Some(right)) = (
        assignment.child_by_field_name("left"),
        assignment.child_by_field_name("right"),
    ) else {
        return;
    };
    let target = cx.node_text(left);
    let named = target
        .strip_prefix("module.exports.")
        .or_else(|| target.strip_prefix("exports."));
    if let Some(name) = named {
        facts.exports.push(Export {
            name: name.to_string(),
            arity: exported_arity(right, text),
        });
        return;
    }
    if target != "module.exports" {
        return;
    }
    let value = unwrap_expression(right);
    if value.kind() != "object" {
        facts.exports.push(Export {
            name: "default".to_string(),
            arity: exported_arity(value, text),
        });
        return;
    }
    let mut cursor = value.walk();
    for member in value.named_children(&mut cursor) {
        match member.kind() {
            "shorthand_property_identifier" => {
                let name = cx.node_text(member);
                let arity = match local_value(member, name, text) {
                    Some(Local::Function(arity)) => arity,
                    _ => None,
                };
                facts.exports.push(Export {
                    name: name.to_string(),
                    arity,
                });
            }
            "pair" => {
                let (Some(key), Some(value)) = (
                    member.child_by_field_name("key"),
                    member.child_by_field_name("value"),
                ) else {
                    continue;
                };
                if let Some(name) = property_key(key, text) {
                    facts.exports.push(Export {
                        name,
                        arity: exported_arity(value, text),
                    });
                }
            }
            "method_definition" => {
                if let Some(name) = member.child_by_field_name("name") {
                    facts.exports.push(Export {
                        name: cx.node_text(name).to_string(),
                        arity: middleware_arity(member),
                    });
                }
            }
            _ => {}
        }
    }
}

/// Records an app site created by `call`, anchored at `anchor`.
fn add_site(
    cx: &FileContext<'_>,
    call: Node<'_>,
    anchor: Node<'_>,
    framework: Framework,
    facts: &mut FileFacts,
) {
    let text = cx.text();
    let (statement, binding) = creation_statement(call, text);
    let insertions = match statement {
        Some(statement) => insertions(statement, binding.as_deref(), text),
        None => SiteInsertions::default(),
    };
    if facts.edit_context.is_none() {
        facts.edit_context = Some(edit_context(cx, statement));
    }
    let callee = call
        .child_by_field_name("function")
        .map(|f| cx.node_text(f).to_string())
        .unwrap_or_default();
    facts.add_site(AppSite {
        framework,
        range: anchor.byte_range(),
        has_listen: false,
        has_registrations: registers_in_chain(call, text),
        binding,
        callee,
        insertions,
    });
}

/// The statement that creates the app, and the name it is assigned to:
/// `const app = await NestFactory.create(…)`, `app = express()`, `export const app = express()`.
fn creation_statement<'t>(call: Node<'t>, text: &str) -> (Option<Node<'t>>, Option<String>) {
    let mut node = call;
    while let Some(parent) = node.parent() {
        if matches!(
            parent.kind(),
            "await_expression"
                | "parenthesized_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
        ) {
            node = parent;
        } else {
            break;
        }
    }
    let Some(parent) = node.parent() else {
        return (None, None);
    };
    let identifier = |n: Option<Node<'_>>| {
        n.filter(|n| n.kind() == "identifier")
            .map(|n| text[n.byte_range()].to_string())
    };
    match parent.kind() {
        "variable_declarator" if parent.child_by_field_name("value") == Some(node) => {
            let binding = identifier(parent.child_by_field_name("name"));
            let declaration = parent.parent();
            let statement = match declaration.and_then(|d| d.parent()) {
                Some(export) if export.kind() == "export_statement" => Some(export),
                _ => declaration,
            };
            (statement, binding)
        }
        "assignment_expression" if parent.child_by_field_name("right") == Some(node) => {
            let statement = parent
                .parent()
                .filter(|p| p.kind() == "expression_statement");
            (statement, identifier(parent.child_by_field_name("left")))
        }
        "expression_statement" | "export_statement" => (Some(parent), None),
        _ => (None, None),
    }
}

/// `express().use(…)`: the creating call itself is the start of a registration chain.
fn registers_in_chain(call: Node<'_>, text: &str) -> bool {
    let Some(member) = call.parent().filter(|p| p.kind() == "member_expression") else {
        return false;
    };
    let method = member
        .child_by_field_name("property")
        .map(|p| &text[p.byte_range()]);
    method.is_some_and(|m| m == "use" || m == "route" || ROUTE_METHODS.contains(&m))
}

/// Where statements about the app can go, relative to its creation statement and the
/// statements after it in the same block.
fn insertions(statement: Node<'_>, binding: Option<&str>, text: &str) -> SiteInsertions {
    let mut found = SiteInsertions {
        after_creation: edit::after_line_of(statement, text, "//"),
        ..SiteInsertions::default()
    };
    let (Some(binding), Some(block)) = (binding, statement.parent()) else {
        return found;
    };
    let mut after = false;
    let mut cursor = block.walk();
    for sibling in block.named_children(&mut cursor) {
        if sibling == statement {
            after = true;
            continue;
        }
        if !after {
            continue;
        }
        let Some(method) = statement_method_on(sibling, binding, text) else {
            continue;
        };
        if method == "listen" {
            if found.before_listen.is_none() {
                found.before_listen = edit::before_line_of(sibling, text);
            }
        } else if method == "use" || method == "route" || ROUTE_METHODS.contains(&method) {
            found.after_last_registration = edit::after_line_of(sibling, text, "//");
        }
    }
    found
}

/// The outermost method a statement calls on `binding`: `listen` for `app.listen(3000);`,
/// `await app.listen(…)` or `const server = app.listen(…)`.
fn statement_method_on<'t>(statement: Node<'_>, binding: &str, text: &'t str) -> Option<&'t str> {
    let expression = match statement.kind() {
        "expression_statement" => statement.named_child(0)?,
        "lexical_declaration" | "variable_declaration" => {
            let declarator = statement.named_child(0)?;
            declarator.child_by_field_name("value")?
        }
        _ => return None,
    };
    let call = unwrap_expression(expression);
    if call.kind() != "call_expression" {
        return None;
    }
    let root = chain_root(call)?;
    if &text[root.byte_range()] != binding {
        return None;
    }
    let property = call
        .child_by_field_name("function")?
        .child_by_field_name("property")?;
    Some(&text[property.byte_range()])
}

/// How fixes should write into this file.
fn edit_context(cx: &FileContext<'_>, site_statement: Option<Node<'_>>) -> EditContext {
    let text = cx.text();
    let root = cx.tree().root_node();
    let mut last_import = None;
    let mut last_require = None;
    let mut prologue = None;
    let mut locals: Vec<String> = Vec::new();
    let mut quote = None;
    let mut seen_statement = false;
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind() {
            "hash_bang_line" => prologue = Some(statement),
            "comment" => {}
            "expression_statement"
                if !seen_statement
                    && statement.named_child(0).is_some_and(|s| {
                        s.kind() == "string"
                            && static_string(s, text).as_deref() == Some("use strict")
                    }) =>
            {
                prologue = Some(statement);
            }
            "import_statement" => {
                seen_statement = true;
                last_import = Some(statement);
                if let Some(source) = statement.child_by_field_name("source") {
                    quote = quote.or(text[source.byte_range()].chars().next());
                }
                import_locals(statement, text, &mut locals);
            }
            "lexical_declaration" | "variable_declaration" => {
                seen_statement = true;
                let mut inner = statement.walk();
                for declarator in statement.named_children(&mut inner) {
                    let Some(value) = declarator.child_by_field_name("value") else {
                        continue;
                    };
                    let value = unwrap_expression(value);
                    if required_module(value, text).is_none() {
                        continue;
                    }
                    last_require = Some(statement);
                    if let Some(arg) = value
                        .child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                    {
                        quote = quote.or(text[arg.byte_range()].chars().next());
                    }
                    if let Some(name) = declarator.child_by_field_name("name") {
                        pattern_locals(name, text, &mut locals);
                    }
                }
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
    let semicolons = last_import
        .or(last_require)
        .or(site_statement)
        .is_none_or(|s| text[s.byte_range()].trim_end().ends_with(';'));
    EditContext {
        import_at: edit::top_of_file(last_import.or(last_require).or(prologue), text, "//"),
        commonjs: last_import.is_none() && last_require.is_some(),
        typed: cx.language() != Language::JavaScript,
        indent_unit: edit::indent_unit(text, "  "),
        quote: quote.filter(|q| *q == '"' || *q == '\'').unwrap_or('\''),
        semicolons,
        imports,
    }
}

/// The local names an `import` statement binds.
fn import_locals(statement: Node<'_>, text: &str, locals: &mut Vec<String>) {
    let mut cursor = statement.walk();
    for clause in statement.named_children(&mut cursor) {
        if clause.kind() != "import_clause" {
            continue;
        }
        let mut inner = clause.walk();
        for part in clause.named_children(&mut inner) {
            match part.kind() {
                "identifier" => locals.push(text[part.byte_range()].to_string()),
                "namespace_import" | "named_imports" => {
                    let mut walk = part.walk();
                    for child in part.named_children(&mut walk) {
                        let local = match child.kind() {
                            "identifier" => Some(child),
                            "import_specifier" => child
                                .child_by_field_name("alias")
                                .or_else(|| child.child_by_field_name("name")),
                            _ => None,
                        };
                        if let Some(local) = local {
                            locals.push(text[local.byte_range()].to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The names a `require` declarator binds: `x` or the names of `{ a, b: c }`.
fn pattern_locals(pattern: Node<'_>, text: &str, locals: &mut Vec<String>) {
    match pattern.kind() {
        "identifier" => locals.push(text[pattern.byte_range()].to_string()),
        "object_pattern" => {
            let mut cursor = pattern.walk();
            for property in pattern.named_children(&mut cursor) {
                let local = match property.kind() {
                    "shorthand_property_identifier_pattern" => Some(property),
                    "pair_pattern" => property.child_by_field_name("value"),
                    _ => None,
                };
                if let Some(local) = local.filter(|l| {
                    l.kind().ends_with("identifier")
                        || l.kind() == "shorthand_property_identifier_pattern"
                }) {
                    locals.push(text[local.byte_range()].to_string());
                }
            }
        }
        _ => {}
    }
}
