//! The top-level names of a Python module (RULES.md §6.3 `py-module-index`): what
//! `uvicorn app.main:app` can find in `app/main.py`.

use super::FileFacts;
use crate::engine::{Captures, FileContext};
use tree_sitter::Node;

/// The names a module defines at top level.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ModuleIndex {
    /// `(name, callable)`: `callable` for functions, classes and imported names (which may be
    /// either); assignments are values.
    pub names: Vec<(String, bool)>,
    /// `from x import *`: any name may be defined.
    pub star_import: bool,
}

impl ModuleIndex {
    /// Whether the module defines `name` (callable when `callable`).
    pub fn defines(&self, name: &str, callable: bool) -> bool {
        self.star_import
            || self
                .names
                .iter()
                .any(|(n, c)| n == name && (*c || !callable))
    }
}

pub(super) fn extract(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    let Some(module) = captures.get("entry.module") else {
        return;
    };
    let text = cx.text();
    let mut index = ModuleIndex::default();
    // Top-level statements, also inside top-level `if`/`try`/`with` blocks.
    let mut stack = vec![module];
    while let Some(block) = stack.pop() {
        let mut cursor = block.walk();
        for statement in block.named_children(&mut cursor) {
            match statement.kind() {
                "function_definition" | "class_definition" => {
                    add_name(
                        &mut index,
                        statement.child_by_field_name("name"),
                        text,
                        true,
                    );
                }
                "decorated_definition" => {
                    let name = statement
                        .child_by_field_name("definition")
                        .and_then(|d| d.child_by_field_name("name"));
                    add_name(&mut index, name, text, true);
                }
                "expression_statement" => {
                    let mut inner = statement.walk();
                    for assignment in statement.named_children(&mut inner) {
                        assignment_targets(assignment, text, &mut index);
                    }
                }
                "import_statement" | "import_from_statement" => {
                    imported_names(statement, text, &mut index);
                }
                "if_statement" | "try_statement" | "with_statement" | "block" | "else_clause"
                | "elif_clause" | "except_clause" | "finally_clause" => {
                    stack.push(statement);
                }
                _ => {}
            }
        }
    }
    facts.module_index = Some(index);
}

fn add_name(index: &mut ModuleIndex, node: Option<Node<'_>>, text: &str, callable: bool) {
    if let Some(node) = node.filter(|n| n.kind() == "identifier") {
        index
            .names
            .push((text[node.byte_range()].to_string(), callable));
    }
}

/// `app = FastAPI()`, `a = b = x`, `a, b = …`, `app: FastAPI = …`.
fn assignment_targets(node: Node<'_>, text: &str, index: &mut ModuleIndex) {
    let mut current = Some(node);
    while let Some(assignment) = current.filter(|n| n.kind() == "assignment") {
        if let Some(left) = assignment.child_by_field_name("left") {
            match left.kind() {
                "identifier" => add_name(index, Some(left), text, false),
                "pattern_list" | "tuple_pattern" | "list_pattern" => {
                    let mut cursor = left.walk();
                    for target in left.named_children(&mut cursor) {
                        add_name(index, Some(target), text, false);
                    }
                }
                _ => {}
            }
        }
        current = assignment.child_by_field_name("right");
    }
}

/// Names bound by an import (`from x import a as b` → `b`; `import a.b as c` → `c`; `import a`
/// → `a`).
fn imported_names(statement: Node<'_>, text: &str, index: &mut ModuleIndex) {
    let mut cursor = statement.walk();
    for child in statement.named_children(&mut cursor) {
        if child.kind() == "wildcard_import" {
            index.star_import = true;
        }
    }
    let mut cursor = statement.walk();
    for name in statement.children_by_field_name("name", &mut cursor) {
        let bound = match name.kind() {
            "aliased_import" => name.child_by_field_name("alias"),
            "dotted_name" => name.named_child(0),
            _ => None,
        };
        add_name(index, bound, text, true);
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, SourceFile};
    use crate::project::{NoFileSystem, ProjectInfo};
    use preflight_grammars::Language;

    fn index(text: &str) -> super::ModuleIndex {
        let engine = Engine::with_rules(Vec::new());
        let file = SourceFile::new("app/main.py", text, Language::Python);
        engine
            .analyze_file(&file, &ProjectInfo::default(), &NoFileSystem)
            .facts
            .module_index
            .unwrap()
    }

    #[test]
    fn top_level_names() {
        let text = "import os\nimport a.b as c\nfrom fastapi import FastAPI as F, Depends\n\
                    application = F()\nx = y = 1\np, q = 1, 2\ndef create_app():\n    inner = 1\n\
                    @decorator\nclass Config: pass\nif True:\n    cond = 1\ntry:\n    from x import tried\nexcept ImportError:\n    tried = None\n";
        let index = index(text);
        let names: Vec<&str> = index.names.iter().map(|(n, _)| n.as_str()).collect();
        for name in [
            "os",
            "c",
            "F",
            "Depends",
            "application",
            "x",
            "y",
            "p",
            "q",
            "create_app",
            "Config",
            "cond",
            "tried",
        ] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        assert!(!names.contains(&"inner"));
        assert!(!names.contains(&"app"));
        assert!(index.defines("create_app", true));
        assert!(!index.defines("application", true));
        assert!(index.defines("application", false));
        assert!(!index.star_import);
        assert!(!index.defines("anything", true));
        assert!(
            super::ModuleIndex {
                star_import: true,
                ..Default::default()
            }
            .defines("app", false)
        );
        assert!(self::index("from x import *\n").star_import);
    }
}
