//! Prints the syntax tree of a file with field names: `cargo run -p preflight-grammars --example dump -- FILE`.
//! A development aid for writing queries and rules.

use preflight_grammars::Language;
use std::path::Path;

fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let language = Language::from_path(Path::new(&path)).expect("not a file Preflight parses");
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&language.grammar()).unwrap();
    let tree = parser.parse(&text, None).unwrap();
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        let field = cursor
            .field_name()
            .map(|f| format!("{f}: "))
            .unwrap_or_default();
        let label = if node.is_named() {
            node.kind().to_string()
        } else {
            format!("{:?}", node.kind())
        };
        let leaf = if node.child_count() == 0 {
            format!(" {:?}", &text[node.byte_range()])
        } else {
            String::new()
        };
        println!(
            "{}{field}{label} [{}..{}]{leaf}",
            "  ".repeat(depth),
            node.start_byte(),
            node.end_byte()
        );
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return;
            }
            depth -= 1;
        }
    }
}
