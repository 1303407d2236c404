//! One combined query per grammar, and the dispatch of its matches.

use super::FileContext;
use super::chunks::{Chunk, ChunkResult, chunk_of};
use crate::rules::Rule;
use preflight_grammars::{Language, LanguageFamily, QueryFile, query_files};
use std::ops::Range;
use std::sync::OnceLock;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor};

/// Who handles the matches of a pattern.
#[derive(Debug, Clone, Copy)]
enum Owner {
    /// Index into the engine's rule list.
    Rule(usize),
    /// The shared fact extractor of the language family.
    Facts,
}

/// The captures of one match, looked up by name.
pub struct Captures<'q, 't> {
    names: &'q [&'q str],
    captures: &'q [(u32, Node<'t>)],
}

impl<'t> Captures<'_, 't> {
    /// The first node captured as `name`.
    pub fn get(&self, name: &str) -> Option<Node<'t>> {
        self.all(name).next()
    }

    /// Every node captured as `name`, in document order.
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = Node<'t>> + 's {
        self.captures
            .iter()
            .filter(move |(index, _)| self.names[*index as usize] == name)
            .map(|(_, node)| *node)
    }
}

struct CompiledQuery {
    query: Query,
    owners: Vec<Owner>,
}

/// The combined queries, one per grammar (JavaScript shares TSX's), each compiled the first
/// time a file of its grammar is analysed.
pub(super) struct CompiledQueries {
    typescript: OnceLock<CompiledQuery>,
    tsx: OnceLock<CompiledQuery>,
    python: OnceLock<CompiledQuery>,
}

impl CompiledQueries {
    pub(super) fn new() -> CompiledQueries {
        CompiledQueries {
            typescript: OnceLock::new(),
            tsx: OnceLock::new(),
            python: OnceLock::new(),
        }
    }

    fn get(&self, language: Language, rules: &[&'static Rule]) -> Option<&CompiledQuery> {
        let cell = match language.grammar_key() {
            Language::TypeScript => &self.typescript,
            Language::Tsx => &self.tsx,
            Language::Python => &self.python,
            _ => return None,
        };
        Some(cell.get_or_init(|| compile(language.grammar_key(), rules)))
    }

    /// Runs the combined query over the file (or over `range` of it) and dispatches every
    /// match. Without `chunks`, everything goes to `results[0]`. With them, a match belongs to
    /// the chunk its captures lie in: `results[i]` collects chunk `queried.start + i`, matches
    /// in other chunks are dropped (their results are kept from before), and a match whose
    /// captures span several chunks (the module itself) goes to `whole`. `active`: which rules
    /// may find anything in the file (see `prefilter.rs`); the others' matches are skipped.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run(
        &self,
        cx: &FileContext<'_>,
        rules: &[&'static Rule],
        active: Option<&[bool]>,
        range: Option<Range<usize>>,
        chunks: &[Chunk],
        queried: Range<usize>,
        results: &mut [ChunkResult],
        whole: &mut ChunkResult,
    ) {
        let Some(compiled) = self.get(cx.language(), rules) else {
            return;
        };
        let names = compiled.query.capture_names();
        let mut cursor = QueryCursor::new();
        if let Some(range) = range {
            cursor.set_byte_range(range);
        }
        let mut matches =
            cursor.matches(&compiled.query, cx.tree().root_node(), cx.text().as_bytes());
        let mut captures: Vec<(u32, Node)> = Vec::new();
        while let Some(m) = matches.next() {
            let inactive = match (compiled.owners[m.pattern_index], active) {
                (Owner::Rule(index), Some(active)) => !active[index],
                _ => false,
            };
            if inactive && !cfg!(debug_assertions) {
                continue;
            }
            captures.clear();
            captures.extend(m.captures.iter().map(|c| (c.index, c.node)));
            // No rule reports on, or builds a fix from, a construct that contains a syntax error.
            if captures.iter().any(|(_, node)| node.has_error()) {
                continue;
            }
            let view = Captures {
                names,
                captures: &captures,
            };
            let result = if chunks.is_empty() {
                match results.first_mut() {
                    Some(result) => result,
                    None => &mut *whole,
                }
            } else {
                let start = captures
                    .iter()
                    .map(|(_, n)| n.start_byte())
                    .min()
                    .unwrap_or(0);
                let end = captures
                    .iter()
                    .map(|(_, n)| n.end_byte())
                    .max()
                    .unwrap_or(0);
                let index = chunk_of(chunks, start);
                let chunk = chunks[index].range();
                if start < chunk.start || end > chunk.end {
                    &mut *whole
                } else if queried.contains(&index) {
                    &mut results[index - queried.start]
                } else {
                    continue;
                }
            };
            match compiled.owners[m.pattern_index] {
                Owner::Rule(index) => {
                    if let Some(check) = rules[index].check.matches() {
                        if inactive {
                            // Debug builds only: the rule's trigger words must not miss this.
                            let mut unexpected = Vec::new();
                            check(cx, &view, &mut unexpected);
                            assert!(
                                unexpected.is_empty(),
                                "{}: `{}` found {:?} without any of its trigger words",
                                cx.path(),
                                rules[index].id,
                                unexpected.iter().map(|f| &f.message).collect::<Vec<_>>(),
                            );
                        } else {
                            check(cx, &view, &mut result.findings);
                        }
                    }
                }
                Owner::Facts => crate::project::facts::extract(cx, &view, &mut result.facts),
            }
        }
    }
}

/// Concatenates the query files of the enabled rules and the shared fact queries of the
/// grammar's family, and compiles them as one query.
fn compile(language: Language, rules: &[&'static Rule]) -> CompiledQuery {
    let family = language.family();
    // (query file, owner) in the order they are concatenated.
    let mut parts: Vec<(&QueryFile, Owner)> = Vec::new();
    for (index, rule) in rules.iter().enumerate() {
        if rule.check.matches().is_some()
            && let Some(file) = query_file(family, rule.id)
        {
            parts.push((file, Owner::Rule(index)));
        }
    }
    if let Some(file) = query_file(family, "app-facts") {
        parts.push((file, Owner::Facts));
    }
    let mut source = String::new();
    let mut spans: Vec<(Range<usize>, Owner)> = Vec::new();
    for (file, owner) in &parts {
        let start = source.len();
        source.push_str(file.source);
        source.push('\n');
        spans.push((start..source.len(), *owner));
    }
    let query = Query::new(&language.grammar(), &source).unwrap_or_else(|error| {
        // The query files are compiled by a test of the grammars crate; reaching this means a
        // rule named a query that does not exist for this grammar.
        panic!(
            "combined {} query does not compile: {error}",
            language.name()
        )
    });
    let owners = (0..query.pattern_count())
        .map(|pattern| {
            let at = query.start_byte_for_pattern(pattern);
            spans
                .iter()
                .find(|(span, _)| span.contains(&at))
                .map(|(_, owner)| *owner)
                .expect("every pattern comes from one query file")
        })
        .collect();
    CompiledQuery { query, owners }
}

fn query_file(family: LanguageFamily, name: &str) -> Option<&'static QueryFile> {
    query_files()
        .iter()
        .find(|file| file.family == family && file.name == name)
}
