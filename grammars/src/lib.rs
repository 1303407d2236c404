//! The languages Preflight understands.
//!
//! This crate owns three things and nothing else: which grammar parses a file (from its path or
//! from an editor's `languageId`), the tree-sitter grammars themselves, and the query files under
//! `grammars/queries/<family>/` that the analysis engine compiles once at start-up.

mod detect;
mod queries;

pub use detect::{Language, LanguageFamily};
pub use queries::{QueryFile, query_files};

/// Re-exported so that every crate of the workspace uses the exact same tree-sitter runtime.
pub use tree_sitter;
