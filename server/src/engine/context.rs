//! What a rule sees of one file.

use super::RuleOptions;
use crate::lang::Bindings;
use crate::project::{FileSystem, ProjectInfo};
use preflight_grammars::{Language, LanguageFamily};
use std::cell::RefCell;
use std::ops::Range;
use tree_sitter::{Node, Tree};

/// One file's text, its language and where it lives.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// Path relative to the workspace (or scanned) root, `/`-separated: what path-based
    /// classification (tests, scripts, generated files) looks at.
    pub path: &'a str,
    pub text: &'a str,
    pub language: Language,
    /// The configuration declares this file a script (`[files] scripts`).
    pub declared_script: bool,
    /// The rule options configured for this file.
    pub options: &'a RuleOptions,
}

impl<'a> SourceFile<'a> {
    /// A file without configuration: not declared a script, default rule options.
    pub fn new(path: &'a str, text: &'a str, language: Language) -> SourceFile<'a> {
        SourceFile {
            path,
            text,
            language,
            declared_script: false,
            options: RuleOptions::defaults(),
        }
    }
}

/// How a file's role changes which rules apply to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileClass {
    /// A script or command-line tool (RULES.md §2.4): output to stdout is its job, so
    /// `debug-print` does not apply to `console.*`/`print`.
    pub script: bool,
}

/// A parsed file with the per-file knowledge every rule shares: its import bindings and its role.
pub struct FileContext<'a> {
    file: &'a SourceFile<'a>,
    tree: &'a Tree,
    project: &'a ProjectInfo,
    fs: &'a dyn FileSystem,
    bindings: Bindings,
    class: FileClass,
    /// Answers of [`FileContext::contains`], by needle.
    contains: RefCell<Vec<(&'static str, bool)>>,
}

impl<'a> FileContext<'a> {
    pub fn new(
        file: &'a SourceFile<'a>,
        tree: &'a Tree,
        project: &'a ProjectInfo,
        fs: &'a dyn FileSystem,
    ) -> Self {
        let bindings = match file.language.family() {
            LanguageFamily::Ecma => crate::lang::ecma::bindings(tree.root_node(), file.text),
            LanguageFamily::Python => crate::lang::python::bindings(tree.root_node(), file.text),
            LanguageFamily::Dockerfile => Bindings::default(),
        };
        let script = crate::classify::is_script(file, tree.root_node(), &bindings, project);
        FileContext {
            file,
            tree,
            project,
            fs,
            bindings,
            class: FileClass { script },
            contains: RefCell::new(Vec::new()),
        }
    }

    pub fn path(&self) -> &'a str {
        self.file.path
    }

    pub fn text(&self) -> &'a str {
        self.file.text
    }

    pub fn language(&self) -> Language {
        self.file.language
    }

    pub fn tree(&self) -> &'a Tree {
        self.tree
    }

    /// The rule options configured for this file.
    pub fn options(&self) -> &'a RuleOptions {
        self.file.options
    }

    pub fn project(&self) -> &'a ProjectInfo {
        self.project
    }

    /// Existence checks against the workspace (answers `false` when unknown).
    pub fn fs(&self) -> &'a dyn FileSystem {
        self.fs
    }

    pub fn class(&self) -> FileClass {
        self.class
    }

    /// The file's import bindings (RULES.md H2).
    pub fn bindings(&self) -> &Bindings {
        &self.bindings
    }

    /// The source text of `node`.
    pub fn node_text(&self, node: Node<'_>) -> &'a str {
        &self.file.text[node.byte_range()]
    }

    /// Whether the file's text contains `needle`, searched once per file: a cheap test a check
    /// can make before a costly search of the tree, on every match.
    pub fn contains(&self, needle: &'static str) -> bool {
        if let Some((_, found)) = self.contains.borrow().iter().find(|(n, _)| *n == needle) {
            return *found;
        }
        let found = self.file.text.contains(needle);
        self.contains.borrow_mut().push((needle, found));
        found
    }

    /// The source text of a byte range.
    pub fn slice(&self, range: Range<usize>) -> &'a str {
        &self.file.text[range]
    }
}
