//! TypeScript / JavaScript helpers.

use super::{Bindings, ancestor_of_kind, decode_escapes};
use tree_sitter::Node;

/// Kinds that start a new function scope (RULES.md §1.1, "enclosing function").
pub const FUNCTION_KINDS: &[&str] = &[
    "function_declaration",
    "function_expression",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "generator_function",
];

/// Import bindings of a module: ES imports and top-level `require` declarations (RULES.md H2).
pub fn bindings(root: Node<'_>, text: &str) -> Bindings {
    let mut bindings = Bindings::default();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind() {
            "import_statement" => import_statement(statement, text, &mut bindings),
            "lexical_declaration" | "variable_declaration" => {
                let mut inner = statement.walk();
                for declarator in statement.named_children(&mut inner) {
                    if declarator.kind() == "variable_declarator" {
                        require_declarator(declarator, text, &mut bindings);
                    }
                }
            }
            _ => {}
        }
    }
    bindings
}

fn normalise_module(module: &str) -> &str {
    module.strip_prefix("node:").unwrap_or(module)
}

fn import_statement(statement: Node<'_>, text: &str, bindings: &mut Bindings) {
    let Some(module) = statement
        .child_by_field_name("source")
        .and_then(|source| static_string(source, text))
    else {
        return;
    };
    let module = normalise_module(&module);
    let mut cursor = statement.walk();
    let Some(clause) = statement
        .named_children(&mut cursor)
        .find(|child| child.kind() == "import_clause")
    else {
        return;
    };
    let mut cursor = clause.walk();
    for part in clause.named_children(&mut cursor) {
        match part.kind() {
            "identifier" => bindings.insert(&text[part.byte_range()], format!("{module}#default")),
            "namespace_import" => {
                let mut inner = part.walk();
                if let Some(name) = part
                    .named_children(&mut inner)
                    .find(|n| n.kind() == "identifier")
                {
                    bindings.insert(&text[name.byte_range()], format!("{module}#*"));
                }
            }
            "named_imports" => {
                let mut inner = part.walk();
                for specifier in part.named_children(&mut inner) {
                    if specifier.kind() != "import_specifier" {
                        continue;
                    }
                    let Some(name) = specifier.child_by_field_name("name") else {
                        continue;
                    };
                    let imported = static_string(name, text)
                        .unwrap_or_else(|| text[name.byte_range()].to_string());
                    let local = specifier.child_by_field_name("alias").unwrap_or(name);
                    bindings.insert(&text[local.byte_range()], format!("{module}#{imported}"));
                }
            }
            _ => {}
        }
    }
}

/// `const x = require('m')`, `const { a, b: c } = require('m')`.
fn require_declarator(declarator: Node<'_>, text: &str, bindings: &mut Bindings) {
    let (Some(name), Some(value)) = (
        declarator.child_by_field_name("name"),
        declarator.child_by_field_name("value"),
    ) else {
        return;
    };
    let Some(module) = required_module(unwrap_expression(value), text) else {
        return;
    };
    let module = normalise_module(&module);
    match name.kind() {
        "identifier" => bindings.insert(&text[name.byte_range()], format!("{module}#default")),
        "object_pattern" => {
            let mut cursor = name.walk();
            for property in name.named_children(&mut cursor) {
                match property.kind() {
                    "shorthand_property_identifier_pattern" => {
                        let key = &text[property.byte_range()];
                        bindings.insert(key, format!("{module}#{key}"));
                    }
                    "pair_pattern" => {
                        let (Some(key), Some(value)) = (
                            property.child_by_field_name("key"),
                            property.child_by_field_name("value"),
                        ) else {
                            continue;
                        };
                        if value.kind() == "identifier" {
                            let key = static_string(key, text)
                                .unwrap_or_else(|| text[key.byte_range()].to_string());
                            bindings.insert(&text[value.byte_range()], format!("{module}#{key}"));
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The module of a `require('m')` call.
pub fn required_module(call: Node<'_>, text: &str) -> Option<String> {
    if call.kind() != "call_expression" {
        return None;
    }
    let function = call.child_by_field_name("function")?;
    if function.kind() != "identifier" || &text[function.byte_range()] != "require" {
        return None;
    }
    let arguments = call.child_by_field_name("arguments")?;
    let first = arguments.named_child(0)?;
    static_string(first, text)
}

/// Strips wrappers that do not change a value: parentheses, `as`, `satisfies`, `!`, `await`.
pub fn unwrap_expression(mut node: Node<'_>) -> Node<'_> {
    loop {
        match node.kind() {
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "await_expression" => match node.named_child(0) {
                Some(inner) => node = inner,
                None => return node,
            },
            _ => return node,
        }
    }
}

/// The static string value of an expression (RULES.md H1), or `None` when it is not static.
pub fn static_string(node: Node<'_>, text: &str) -> Option<String> {
    // An explicit stack: `'a' + 'b' + … ` chains are left-deep and may be long.
    let mut out = String::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "string" | "template_string" => {
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    match part.kind() {
                        "string_fragment" => out.push_str(&text[part.byte_range()]),
                        "escape_sequence" => {
                            out.push_str(&decode_escapes(&text[part.byte_range()]))
                        }
                        "template_substitution" => return None,
                        _ => {}
                    }
                }
            }
            "binary_expression" => {
                let operator = node.child_by_field_name("operator")?;
                if &text[operator.byte_range()] != "+" {
                    return None;
                }
                stack.push(node.child_by_field_name("right")?);
                stack.push(node.child_by_field_name("left")?);
            }
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression" => stack.push(node.named_child(0)?),
            // Property names in `{ origin: … }` and `obj.prop` are names, not strings, but a key
            // written `'origin'` or `origin` means the same: callers that compare keys use
            // [`property_key`].
            _ => return None,
        }
    }
    Some(out)
}

/// The name of an object key: `origin`, `'origin'`, `"origin"` all give `origin`.
pub fn property_key(key: Node<'_>, text: &str) -> Option<String> {
    match key.kind() {
        "property_identifier" | "identifier" | "shorthand_property_identifier" => {
            Some(text[key.byte_range()].to_string())
        }
        "string" => static_string(key, text),
        "number" => Some(text[key.byte_range()].to_string()),
        _ => None,
    }
}

/// The callee path of a call's `function` (RULES.md H2): `app.use`, `NestFactory.create`,
/// `express()` for a call in object position, `new Foo` for a constructor.
pub fn callee_path(function: Node<'_>, text: &str) -> Option<String> {
    // Built right to left with an explicit loop: member chains can be arbitrarily long.
    let mut suffix: Vec<String> = Vec::new();
    let mut node = function;
    let head = loop {
        match node.kind() {
            "identifier" | "this" | "super" => break text[node.byte_range()].to_string(),
            "member_expression" => {
                let property = node.child_by_field_name("property")?;
                suffix.push(text[property.byte_range()].to_string());
                node = node.child_by_field_name("object")?;
            }
            "subscript_expression" => {
                let index = node.child_by_field_name("index")?;
                suffix.push(static_string(index, text)?);
                node = node.child_by_field_name("object")?;
            }
            "call_expression" => {
                suffix.push(String::new()); // marks "()"
                node = node.child_by_field_name("function")?;
            }
            "new_expression" => {
                let constructor = node.child_by_field_name("constructor")?;
                let inner = callee_path(constructor, text)?;
                break format!("new {inner}");
            }
            "parenthesized_expression" | "non_null_expression" | "await_expression" => {
                node = node.named_child(0)?;
            }
            _ => return None,
        }
    };
    let mut path = head;
    for segment in suffix.iter().rev() {
        if segment.is_empty() {
            path.push_str("()");
        } else {
            path.push('.');
            path.push_str(segment);
        }
    }
    Some(path)
}

/// The canonical callee of a call expression (RULES.md H2).
pub fn canonical_callee(call: Node<'_>, text: &str, bindings: &Bindings) -> Option<String> {
    let function = call.child_by_field_name("function")?;
    callee_path(function, text).map(|path| bindings.canonical(&path))
}

/// One-hop resolution (RULES.md H3): the value of the single `const` declaration of `identifier`
/// visible from it in the same function (or module), or `None`.
pub fn resolve_const<'t>(identifier: Node<'t>, text: &str) -> Option<Node<'t>> {
    if identifier.kind() != "identifier" {
        return None;
    }
    let name = &text[identifier.byte_range()];
    // Walk up the enclosing blocks up to the function (or the module), looking at the
    // declarations that stand directly in each block.
    let mut found: Option<Node<'t>> = None;
    let mut count = 0;
    let mut scope = identifier.parent();
    while let Some(block) = scope {
        if matches!(block.kind(), "statement_block" | "program" | "class_body") {
            let mut cursor = block.walk();
            for statement in block.named_children(&mut cursor) {
                let declaration = if statement.kind() == "export_statement" {
                    statement.child_by_field_name("declaration")
                } else {
                    Some(statement)
                };
                let Some(declaration) = declaration else {
                    continue;
                };
                if declaration.kind() != "lexical_declaration" {
                    continue;
                }
                let is_const = declaration
                    .child_by_field_name("kind")
                    .is_some_and(|kind| &text[kind.byte_range()] == "const");
                let mut inner = declaration.walk();
                for declarator in declaration.named_children(&mut inner) {
                    let Some(bound) = declarator.child_by_field_name("name") else {
                        continue;
                    };
                    if bound.kind() == "identifier" && &text[bound.byte_range()] == name {
                        count += 1;
                        found = if is_const {
                            declarator.child_by_field_name("value")
                        } else {
                            None
                        };
                    }
                }
            }
            if count > 0 {
                break;
            }
        }
        // A parameter of an enclosing function shadows outer declarations: unknown.
        if FUNCTION_KINDS.contains(&block.kind()) && binds_parameter(block, name, text) {
            return None;
        }
        scope = block.parent();
    }
    if count == 1 { found } else { None }
}

/// Whether a function declares a parameter called `name` (destructured ones included).
fn binds_parameter(function: Node<'_>, name: &str, text: &str) -> bool {
    let parameters = function
        .child_by_field_name("parameters")
        .or_else(|| function.child_by_field_name("parameter"));
    let Some(parameters) = parameters else {
        return false;
    };
    let mut cursor = parameters.walk();
    loop {
        let node = cursor.node();
        if matches!(
            node.kind(),
            "identifier" | "shorthand_property_identifier_pattern"
        ) && &text[node.byte_range()] == name
            && cursor.field_name() != Some("type")
        {
            return true;
        }
        // Default values are expressions, not bindings: skip them.
        if cursor.field_name() != Some("value") && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == parameters {
                return false;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return false;
            }
        }
    }
}

/// Whether the file declares `name` anywhere — a variable, function, class, import or
/// parameter — so that a use of `name` may not be the global of that name.
pub fn declares_name(root: Node<'_>, text: &str, name: &str) -> bool {
    text.contains(name)
        && super::any_node(root, |node, field| {
            matches!(
                node.kind(),
                "identifier" | "shorthand_property_identifier_pattern"
            ) && &text[node.byte_range()] == name
                && is_binding(node, field)
        })
}

/// Whether an identifier (reached as `field` of its parent) introduces a binding.
fn is_binding(identifier: Node<'_>, field: Option<&str>) -> bool {
    if identifier.kind() == "shorthand_property_identifier_pattern" {
        return true;
    }
    let Some(parent) = identifier.parent() else {
        return false;
    };
    match parent.kind() {
        "variable_declarator"
        | "function_declaration"
        | "generator_function_declaration"
        | "class_declaration"
        | "function_expression"
        | "class" => field == Some("name"),
        "required_parameter" | "optional_parameter" => field == Some("pattern"),
        "formal_parameters" | "array_pattern" | "rest_pattern" | "namespace_import"
        | "import_clause" => true,
        "arrow_function" => field == Some("parameter"),
        "import_specifier" => {
            field == Some("alias") || parent.child_by_field_name("alias").is_none()
        }
        "assignment_pattern" | "object_assignment_pattern" => field == Some("left"),
        "pair_pattern" => field == Some("value"),
        _ => false,
    }
}

/// The enclosing function of `node`, or `None` at module level.
pub fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    ancestor_of_kind(node, FUNCTION_KINDS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_grammars::Language;

    fn parse(text: &str) -> tree_sitter::Tree {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&Language::TypeScript.grammar())
            .unwrap();
        parser.parse(text, None).unwrap()
    }

    fn first_of_kind<'t>(root: Node<'t>, kind: &str) -> Node<'t> {
        let mut cursor = root.walk();
        loop {
            if cursor.node().kind() == kind {
                return cursor.node();
            }
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                assert!(cursor.goto_parent(), "no {kind}");
            }
        }
    }

    #[test]
    fn collects_import_and_require_bindings() {
        let text = "import express from 'express';\nimport * as core from '@nestjs/core';\n\
                    import { APP_FILTER as F, Module } from '@nestjs/common';\n\
                    const cors = require('cors');\nconst { join, resolve: r } = require('node:path');\n";
        let tree = parse(text);
        let b = bindings(tree.root_node(), text);
        assert_eq!(b.get("express"), Some("express#default"));
        assert_eq!(b.get("core"), Some("@nestjs/core#*"));
        assert_eq!(b.get("F"), Some("@nestjs/common#APP_FILTER"));
        assert_eq!(b.get("Module"), Some("@nestjs/common#Module"));
        assert_eq!(b.get("cors"), Some("cors#default"));
        assert_eq!(b.get("join"), Some("path#join"));
        assert_eq!(b.get("r"), Some("path#resolve"));
    }

    #[test]
    fn static_strings_follow_h1() {
        let cases = [
            ("x = 'a' + \"b\" + `c`;", Some("abc")),
            ("x = ('*' as string);", Some("*")),
            ("x = `a${b}`;", None),
            ("x = 'a\\x41';", Some("aA")),
            ("x = y + 'a';", None),
        ];
        for (source, want) in cases {
            let tree = parse(source);
            let assignment = first_of_kind(tree.root_node(), "assignment_expression");
            let value = assignment.child_by_field_name("right").unwrap();
            assert_eq!(static_string(value, source).as_deref(), want, "{source}");
        }
    }

    #[test]
    fn callee_paths_follow_h2() {
        let source = "a.b['c'].d(); express()(); new Foo().bar(); (await x).y();";
        let tree = parse(source);
        let mut paths = Vec::new();
        let mut cursor = tree.root_node().walk();
        for statement in tree.root_node().named_children(&mut cursor) {
            let call = statement.named_child(0).unwrap();
            paths.push(callee_path(
                call.child_by_field_name("function").unwrap(),
                source,
            ));
        }
        assert_eq!(
            paths,
            [
                Some("a.b.c.d".to_string()),
                Some("express()".to_string()),
                Some("new Foo.bar".to_string()),
                Some("x.y".to_string()),
            ]
        );
    }

    #[test]
    fn resolves_one_hop_consts_only() {
        let source = "const o = { a: 1 };\nlet m = 2;\nfunction f() { const p = 3; use(o, m, p, q); }\n\
                      function g(o) { use(o); }\n";
        let tree = parse(source);
        let call = first_of_kind(tree.root_node(), "arguments");
        let mut cursor = call.walk();
        let args: Vec<_> = call.named_children(&mut cursor).collect();
        let resolved: Vec<_> = args
            .iter()
            .map(|a| resolve_const(*a, source).map(|v| &source[v.byte_range()]))
            .collect();
        assert_eq!(resolved, [Some("{ a: 1 }"), None, Some("3"), None]);
        // A parameter shadows the module-level const.
        let shadowed = tree.root_node().named_child(3).unwrap();
        let call = first_of_kind(shadowed, "arguments").named_child(0).unwrap();
        assert_eq!(resolve_const(call, source), None);
    }
}
