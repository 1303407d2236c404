//! Python helpers.

use super::{Bindings, ancestor_of_kind, decode_escapes};
use tree_sitter::Node;

/// Import bindings of a module's top-level imports (RULES.md H2): `import a.b` binds `a`;
/// `import a.b as c` binds `c ↦ a.b`; `from m import a as b` binds `b ↦ m.a`. Imports inside a
/// top-level `try`/`if` count as well (`try: import ujson as json except ImportError: …`).
pub fn bindings(root: Node<'_>, text: &str) -> Bindings {
    let mut bindings = Bindings::default();
    let mut statements = Vec::new();
    let mut cursor = root.walk();
    statements.extend(root.named_children(&mut cursor));
    let mut index = 0;
    while index < statements.len() {
        let statement = statements[index];
        index += 1;
        match statement.kind() {
            "import_statement" => import_statement(statement, text, &mut bindings),
            "import_from_statement" => import_from_statement(statement, text, &mut bindings),
            "try_statement" | "if_statement" | "block" | "except_clause" | "else_clause"
            | "elif_clause" | "finally_clause" => {
                // One level of top-level control flow, read without recursion.
                let mut inner = statement.walk();
                for child in statement.named_children(&mut inner) {
                    if matches!(
                        child.kind(),
                        "block"
                            | "import_statement"
                            | "import_from_statement"
                            | "except_clause"
                            | "else_clause"
                            | "elif_clause"
                            | "finally_clause"
                    ) {
                        statements.push(child);
                    }
                }
            }
            _ => {}
        }
    }
    bindings
}

fn import_statement(statement: Node<'_>, text: &str, bindings: &mut Bindings) {
    let mut cursor = statement.walk();
    for name in statement.children_by_field_name("name", &mut cursor) {
        match name.kind() {
            "dotted_name" => {
                let full = &text[name.byte_range()];
                let head = full.split('.').next().unwrap_or(full);
                bindings.insert(head, head);
            }
            "aliased_import" => {
                if let (Some(module), Some(alias)) = (
                    name.child_by_field_name("name"),
                    name.child_by_field_name("alias"),
                ) {
                    bindings.insert(&text[alias.byte_range()], &text[module.byte_range()]);
                }
            }
            _ => {}
        }
    }
}

fn import_from_statement(statement: Node<'_>, text: &str, bindings: &mut Bindings) {
    let Some(module) = statement.child_by_field_name("module_name") else {
        return;
    };
    let module = &text[module.byte_range()];
    let mut cursor = statement.walk();
    for name in statement.children_by_field_name("name", &mut cursor) {
        let (imported, local) = match name.kind() {
            "dotted_name" => (name, name),
            "aliased_import" => match (
                name.child_by_field_name("name"),
                name.child_by_field_name("alias"),
            ) {
                (Some(imported), Some(alias)) => (imported, alias),
                _ => continue,
            },
            _ => continue,
        };
        bindings.insert(
            &text[local.byte_range()],
            format!("{module}.{}", &text[imported.byte_range()]),
        );
    }
}

/// The static string value of an expression (RULES.md H1), or `None` when it is not static.
pub fn static_string(node: Node<'_>, text: &str) -> Option<String> {
    let mut out = String::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "string" => {
                let mut raw = false;
                let mut cursor = node.walk();
                for part in node.children(&mut cursor) {
                    match part.kind() {
                        "string_start" => {
                            let prefix = &text[part.byte_range()];
                            raw = prefix.contains(['r', 'R']);
                            if prefix.contains(['b', 'B']) {
                                return None; // bytes, not text
                            }
                        }
                        "string_content" => {
                            let content = &text[part.byte_range()];
                            if raw {
                                out.push_str(content);
                            } else {
                                out.push_str(&decode_escapes(content));
                            }
                        }
                        "interpolation" => return None,
                        _ => {}
                    }
                }
            }
            "concatenated_string" => {
                let mut cursor = node.walk();
                let parts: Vec<_> = node.named_children(&mut cursor).collect();
                stack.extend(parts.into_iter().rev());
            }
            "binary_operator" => {
                let operator = node.child_by_field_name("operator")?;
                if &text[operator.byte_range()] != "+" {
                    return None;
                }
                stack.push(node.child_by_field_name("right")?);
                stack.push(node.child_by_field_name("left")?);
            }
            "parenthesized_expression" => stack.push(node.named_child(0)?),
            _ => return None,
        }
    }
    Some(out)
}

/// The callee path of a call's `function` (RULES.md H2): `app.add_middleware`, `FastAPI`,
/// `Env()` followed by `.str` gives `Env().str`.
pub fn callee_path(function: Node<'_>, text: &str) -> Option<String> {
    let mut suffix: Vec<String> = Vec::new();
    let mut node = function;
    let head = loop {
        match node.kind() {
            "identifier" => break text[node.byte_range()].to_string(),
            "attribute" => {
                let attribute = node.child_by_field_name("attribute")?;
                suffix.push(text[attribute.byte_range()].to_string());
                node = node.child_by_field_name("object")?;
            }
            "call" => {
                suffix.push(String::new());
                node = node.child_by_field_name("function")?;
            }
            "parenthesized_expression" => node = node.named_child(0)?,
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

/// The canonical callee of a `call` (RULES.md H2).
pub fn canonical_callee(call: Node<'_>, text: &str, bindings: &Bindings) -> Option<String> {
    let function = call.child_by_field_name("function")?;
    callee_path(function, text).map(|path| bindings.canonical(&path))
}

/// The value of a keyword argument `name=` of a call's `argument_list`.
pub fn keyword_argument<'t>(arguments: Node<'t>, name: &str, text: &str) -> Option<Node<'t>> {
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|argument| argument.kind() == "keyword_argument")
        .find(|argument| {
            argument
                .child_by_field_name("name")
                .is_some_and(|n| &text[n.byte_range()] == name)
        })
        .and_then(|argument| argument.child_by_field_name("value"))
}

/// The positional arguments of an `argument_list`, in order.
pub fn positional_arguments(arguments: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|argument| {
            !matches!(
                argument.kind(),
                "keyword_argument" | "list_splat" | "dictionary_splat" | "comment"
            )
        })
        .collect()
}

/// Kinds that start a new scope.
pub const SCOPE_KINDS: &[&str] = &["function_definition", "lambda", "class_definition"];

/// One-hop resolution (RULES.md H3): the right side of the single assignment to `identifier` in
/// its scope (function or module), if there is exactly one and no augmented assignment.
pub fn resolve_assignment<'t>(identifier: Node<'t>, text: &str) -> Option<Node<'t>> {
    if identifier.kind() != "identifier" {
        return None;
    }
    let name = &text[identifier.byte_range()];
    let scope = ancestor_of_kind(identifier, SCOPE_KINDS)
        .and_then(|f| f.child_by_field_name("body"))
        .unwrap_or_else(|| {
            let mut root = identifier;
            while let Some(parent) = root.parent() {
                root = parent;
            }
            root
        });
    let mut found = None;
    let mut count = 0;
    // Statements of the scope, nested blocks included, without entering inner scopes.
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "assignment" => {
                    if child.child_by_field_name("left").is_some_and(|left| {
                        left.kind() == "identifier" && &text[left.byte_range()] == name
                    }) {
                        count += 1;
                        found = child.child_by_field_name("right");
                    }
                }
                "augmented_assignment" => {
                    if child
                        .child_by_field_name("left")
                        .is_some_and(|left| &text[left.byte_range()] == name)
                    {
                        return None;
                    }
                }
                kind if SCOPE_KINDS.contains(&kind) || kind == "decorated_definition" => {}
                _ => stack.push(child),
            }
        }
    }
    if count == 1 { found } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_grammars::Language;

    fn parse(text: &str) -> tree_sitter::Tree {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&Language::Python.grammar()).unwrap();
        parser.parse(text, None).unwrap()
    }

    #[test]
    fn collects_import_bindings() {
        let text = "import os\nimport os.path as p\nfrom fastapi.middleware.cors import CORSMiddleware\n\
                    from flask_cors import CORS as C\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n";
        let tree = parse(text);
        let b = bindings(tree.root_node(), text);
        assert_eq!(b.get("os"), Some("os"));
        assert_eq!(b.get("p"), Some("os.path"));
        assert_eq!(
            b.get("CORSMiddleware"),
            Some("fastapi.middleware.cors.CORSMiddleware")
        );
        assert_eq!(b.get("C"), Some("flask_cors.CORS"));
        assert!(b.get("json").is_some());
    }

    #[test]
    fn static_strings_follow_h1() {
        let cases = [
            ("x = 'a' 'b'", Some("ab")),
            ("x = ('*')", Some("*")),
            ("x = f'{a}'", None),
            ("x = r'\\d+'", Some("\\d+")),
            ("x = '\\x41' + 'b'", Some("Ab")),
            ("x = b'raw'", None),
            ("x = y + 'a'", None),
        ];
        for (source, want) in cases {
            let tree = parse(source);
            let assignment = tree
                .root_node()
                .named_child(0)
                .unwrap()
                .named_child(0)
                .unwrap();
            let value = assignment.child_by_field_name("right").unwrap();
            assert_eq!(static_string(value, source).as_deref(), want, "{source}");
        }
    }

    #[test]
    fn resolves_single_assignments_only() {
        let source = "a = [1]\nb = 1\nb += 1\nc = 1\nc = 2\nuse(a, b, c)\n";
        let tree = parse(source);
        let root = tree.root_node();
        let last = u32::try_from(root.named_child_count() - 1).unwrap();
        let call = root.named_child(last).unwrap().named_child(0).unwrap();
        let args = call.child_by_field_name("arguments").unwrap();
        let resolved: Vec<_> = positional_arguments(args)
            .into_iter()
            .map(|a| resolve_assignment(a, source).map(|v| &source[v.byte_range()]))
            .collect();
        assert_eq!(resolved, [Some("[1]"), None, None]);
    }
}
