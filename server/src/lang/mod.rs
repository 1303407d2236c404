//! Language knowledge shared by rules: import bindings, static string values, callee paths and
//! one-hop resolution (RULES.md H1–H3), for each language family.

pub mod ecma;
pub mod python;

use std::collections::HashMap;
use tree_sitter::Node;

/// What the names of a file are bound to by its imports.
///
/// Targets are written `module#export` for TypeScript/JavaScript (`express#default`,
/// `@nestjs/core#APP_FILTER`, `node:` stripped) and as dotted paths for Python
/// (`fastapi.middleware.cors.CORSMiddleware`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Bindings {
    names: HashMap<String, String>,
}

impl Bindings {
    pub fn insert(&mut self, name: impl Into<String>, target: impl Into<String>) {
        self.names.insert(name.into(), target.into());
    }

    /// The import a local name is bound to.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.names.get(name).map(String::as_str)
    }

    /// Whether `name` is bound to `target`.
    pub fn is(&self, name: &str, target: &str) -> bool {
        self.get(name) == Some(target)
    }

    /// Whether any name is bound to an export of `module` (or, for Python, to `module` or a
    /// name under it).
    pub fn imports_module(&self, module: &str) -> bool {
        self.names.values().any(|target| {
            target == module
                || target
                    .strip_prefix(module)
                    .is_some_and(|rest| rest.starts_with('#') || rest.starts_with('.'))
        })
    }

    /// Replaces the first segment of a callee path by its binding (RULES.md H2, "canonical
    /// callee"). `sep` is `.` for both families: `axios.get` → `axios#default.get`.
    pub fn canonical(&self, path: &str) -> String {
        let (head, rest) = match path.find('.') {
            Some(dot) => (&path[..dot], &path[dot..]),
            None => (path, ""),
        };
        match self.get(head) {
            Some(target) => format!("{target}{rest}"),
            None => path.to_string(),
        }
    }
}

/// Whether any node of the tree under `root` (itself included) satisfies `test`, visited in
/// document order with a cursor (no recursion); `test` also gets the field the node is in.
pub fn any_node<'t>(root: Node<'t>, mut test: impl FnMut(Node<'t>, Option<&str>) -> bool) -> bool {
    let mut cursor = root.walk();
    loop {
        if test(cursor.node(), cursor.field_name()) {
            return true;
        }
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() || cursor.node() == root {
                return false;
            }
        }
    }
}

/// The nearest ancestor of `node` (itself excluded) whose kind is one of `kinds`.
pub fn ancestor_of_kind<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut current = node.parent();
    while let Some(candidate) = current {
        if kinds.contains(&candidate.kind()) {
            return Some(candidate);
        }
        current = candidate.parent();
    }
    None
}

/// Decodes the backslash escapes of a JavaScript or Python string literal body. Unknown escapes
/// keep the escaped character, as both languages do for most of them.
pub fn decode_escapes(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push('\\');
            break;
        };
        match next {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\n' => {}
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            'x' | 'u' | 'U' => {
                let braced = next == 'u' && chars.peek() == Some(&'{');
                if braced {
                    chars.next();
                }
                let width = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut digits = String::new();
                while let Some(&d) = chars.peek() {
                    if (braced && d == '}') || (!braced && digits.len() == width) {
                        break;
                    }
                    if !d.is_ascii_hexdigit() {
                        break;
                    }
                    digits.push(d);
                    chars.next();
                }
                if braced && chars.peek() == Some(&'}') {
                    chars.next();
                }
                match u32::from_str_radix(&digits, 16)
                    .ok()
                    .and_then(char::from_u32)
                {
                    Some(decoded) => out.push(decoded),
                    None => {
                        out.push('\\');
                        out.push(next);
                        out.push_str(&digits);
                    }
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_common_escapes() {
        assert_eq!(
            decode_escapes(r"a\nb\t\\\x41\u0042\u{43}\'"),
            "a\nb\t\\ABC'"
        );
        assert_eq!(decode_escapes("line\\\ncontinued"), "linecontinued");
        assert_eq!(decode_escapes(r"\q"), "q");
        assert_eq!(decode_escapes("\\"), "\\");
    }

    #[test]
    fn canonical_callee_replaces_the_bound_head() {
        let mut bindings = Bindings::default();
        bindings.insert("axios", "axios#default");
        bindings.insert("get", "requests.get");
        assert_eq!(bindings.canonical("axios.get"), "axios#default.get");
        assert_eq!(bindings.canonical("get"), "requests.get");
        assert_eq!(bindings.canonical("other.get"), "other.get");
        assert!(bindings.imports_module("axios"));
        assert!(bindings.imports_module("requests"));
        assert!(!bindings.imports_module("request"));
    }
}
