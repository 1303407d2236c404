//! Reusing an analysis across edits: the language server's keystroke path.
//!
//! A file is cut into chunks, the top-level statements (the root's children). Each match of the
//! combined query belongs to the chunk its first capture starts in, so every chunk has its own
//! findings and facts; the file's are the chunks' in order (`FileFacts::absorb`).
//!
//! After an edit, the chunks whose text is unchanged keep their results, moved by the edit's
//! length; only the chunks between the unchanged prefix and suffix are queried again. That is
//! sound only while nothing else a rule can look at has changed, so the results are reused
//! only when the file's *context* is the same: every chunk's text except the bodies of
//! top-level functions and classes (imports, constants, module-level settings, signatures, the
//! chunk count), every line a chunk shares with what precedes or follows it, the file's import
//! bindings, its script classification and its project. Any other edit runs the whole file
//! again. A test compares the two paths on every fixture.

use super::{RuleOptions, SourceFile};
use crate::diagnostic::Finding;
use crate::lang::Bindings;
use crate::project::{FileFacts, ProjectInfo};
use preflight_grammars::{Language, LanguageFamily};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use tree_sitter::{Node, Tree};

/// Results of one chunk, offsets into the whole file.
#[derive(Debug, Clone, Default)]
pub struct ChunkResult {
    pub findings: Vec<Finding>,
    pub facts: FileFacts,
}

/// What an analysis keeps for the next analysis of an edited version of the same file.
#[derive(Debug, Clone)]
pub struct Reusable {
    key: ContextKey,
    text_len: usize,
    chunks: Vec<Chunk>,
    results: Vec<ChunkResult>,
}

/// Everything outside function and class bodies that results may depend on.
#[derive(Debug, Clone, PartialEq)]
struct ContextKey {
    path: String,
    language: Language,
    script: bool,
    bindings: Bindings,
    project: ProjectInfo,
    options: RuleOptions,
    /// Hash of the chunks' text with function and class bodies left out.
    outline: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    start: usize,
    end: usize,
    /// Hash of the chunk's whole text.
    hash: u64,
}

impl Chunk {
    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The chunks of a file and the hash of its outline.
pub struct Layout {
    pub chunks: Vec<Chunk>,
    outline: u64,
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Field ids `body` looks up, resolved once per layout (resolving a name costs a string search).
struct Fields {
    declaration: Option<std::num::NonZeroU16>,
    definition: Option<std::num::NonZeroU16>,
    body: Option<std::num::NonZeroU16>,
}

impl Fields {
    fn new(tree: &Tree) -> Fields {
        let language = tree.language();
        Fields {
            declaration: language.field_id_for_name("declaration"),
            definition: language.field_id_for_name("definition"),
            body: language.field_id_for_name("body"),
        }
    }
}

/// The body of a top-level function or class declaration: edits inside it do not change what
/// other statements can see of it (its name, parameters, decorators).
fn body<'t>(node: Node<'t>, family: LanguageFamily, fields: &Fields) -> Option<Node<'t>> {
    let field =
        |node: Node<'t>, id: Option<std::num::NonZeroU16>| node.child_by_field_id(id?.get());
    let mut declaration = node;
    match (family, node.kind()) {
        (LanguageFamily::Ecma, "export_statement") => {
            declaration = field(node, fields.declaration)?;
        }
        (LanguageFamily::Python, "decorated_definition") => {
            declaration = field(node, fields.definition)?;
        }
        _ => {}
    }
    let declares = match family {
        LanguageFamily::Ecma => matches!(
            declaration.kind(),
            "function_declaration"
                | "generator_function_declaration"
                | "class_declaration"
                | "abstract_class_declaration"
        ),
        LanguageFamily::Python => {
            matches!(
                declaration.kind(),
                "function_definition" | "class_definition"
            )
        }
        LanguageFamily::Dockerfile => false,
    };
    if !declares {
        return None;
    }
    field(declaration, fields.body)
}

/// Hashes of whole lines, each line hashed once however many chunks share it (a minified file
/// is one line of thousands of statements). Asked for offsets in increasing order.
#[derive(Default)]
struct LineHashes {
    /// The line last hashed: its range and hash.
    last: Option<(Range<usize>, u64)>,
}

impl LineHashes {
    /// Adds to `hasher` the hashes of the line `start` is on, when it begins before `start`,
    /// and of the line `end` is on, when it goes on after `end`.
    fn hash_shared(&mut self, bytes: &[u8], start: usize, end: usize, hasher: &mut impl Hasher) {
        let (line, hash) = self.line_of(bytes, start);
        if line.start < start {
            hash.hash(hasher);
        }
        let (line, hash) = self.line_of(bytes, end);
        if line.end > end {
            hash.hash(hasher);
        }
    }

    /// The line holding `offset` and its hash.
    fn line_of(&mut self, bytes: &[u8], offset: usize) -> (Range<usize>, u64) {
        if let Some((line, hash)) = &self.last
            && (line.contains(&offset) || line.end == offset)
        {
            return (line.clone(), *hash);
        }
        let start = bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |newline| newline + 1);
        let end = bytes[offset..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |newline| offset + newline);
        let hash = hash_bytes(&bytes[start..end]);
        self.last = Some((start..end, hash));
        (start..end, hash)
    }
}

/// Cuts `tree` into chunks and hashes its outline.
pub fn layout(tree: &Tree, text: &str, language: Language) -> Layout {
    let family = language.family();
    let bytes = text.as_bytes();
    let mut outline = std::collections::hash_map::DefaultHasher::new();
    let mut chunks = Vec::new();
    let fields = Fields::new(tree);
    let mut lines = LineHashes::default();
    let mut cursor = tree.root_node().walk();
    // What lies between chunks (blank lines, stray whitespace) is part of the outline too.
    let mut gap_start = 0;
    if cursor.goto_first_child() {
        loop {
            let node = cursor.node();
            let (start, end) = (node.start_byte(), node.end_byte());
            bytes[gap_start.min(start)..start].hash(&mut outline);
            gap_start = end;
            node.kind_id().hash(&mut outline);
            match body(node, family, &fields) {
                Some(body) => {
                    bytes[start..body.start_byte()].hash(&mut outline);
                    bytes[body.end_byte()..end].hash(&mut outline);
                }
                None => bytes[start..end].hash(&mut outline),
            }
            // Facts read the whole lines a chunk starts and ends on (an insertion's
            // indentation, what follows a statement on its line): a line the chunk shares
            // with its neighbours (or a function body's) is part of the outline.
            lines.hash_shared(bytes, start, end, &mut outline);
            chunks.push(Chunk {
                start,
                end,
                hash: hash_bytes(&bytes[start..end]),
            });
            if !cursor.goto_next_sibling() {
                break;
            }
        }
    }
    bytes[gap_start.min(bytes.len())..].hash(&mut outline);
    chunks.len().hash(&mut outline);
    // Fixes write code in the file's indentation, which any line may set.
    crate::project::facts::indent_unit(text, "  ").hash(&mut outline);
    Layout {
        chunks,
        outline: outline.finish(),
    }
}

/// Which chunks an analysis must query, and how it gets the others' results.
pub enum Plan {
    /// Query every chunk.
    Full,
    /// Query the chunks `query` (indices into the new layout); the others keep their
    /// previous results, moved to their new offsets.
    Reuse {
        query: Range<usize>,
        /// Results of the chunks before `query`.
        before: Vec<ChunkResult>,
        /// Results of the chunks after `query`.
        after: Vec<ChunkResult>,
    },
}

impl Reusable {
    /// What an analysis of `text` (laid out as `layout`) in this context can reuse of `self`.
    #[allow(clippy::too_many_arguments)]
    pub fn plan(
        self,
        layout: &Layout,
        text_len: usize,
        file: &SourceFile<'_>,
        script: bool,
        bindings: &Bindings,
        project: &ProjectInfo,
    ) -> Plan {
        let key = &self.key;
        let path = file.path;
        if key.outline != layout.outline
            || key.language != file.language
            || key.script != script
            || key.path != path
            || key.bindings != *bindings
            || key.project != *project
            || key.options != *file.options
        {
            return Plan::Full;
        }
        let (old, new) = (&self.chunks, &layout.chunks);
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        let from_end = |len: usize, chunk: &Chunk| (len - chunk.start, len - chunk.end, chunk.hash);
        let suffix = old[prefix..]
            .iter()
            .rev()
            .zip(new[prefix..].iter().rev())
            .take_while(|(a, b)| from_end(self.text_len, a) == from_end(text_len, b))
            .count();
        // The text between the kept prefix and the kept suffix changed.
        let old_changed = prefix.checked_sub(1).map_or(0, |at| old[at].end)
            ..old
                .get(old.len() - suffix)
                .map_or(self.text_len, |chunk| chunk.start);
        let delta = text_len as isize - self.text_len as isize;
        let map = |offset: usize| -> Option<usize> {
            if offset <= old_changed.start {
                Some(offset)
            } else if offset >= old_changed.end {
                Some((offset as isize + delta) as usize)
            } else {
                None
            }
        };
        // Kept results move with the text; one that refers into the changed text cannot.
        let moved = |results: Vec<ChunkResult>| -> Option<Vec<ChunkResult>> {
            results
                .into_iter()
                .map(|mut result| {
                    for finding in &mut result.findings {
                        if !finding.shift_offsets(path, &map) {
                            return None;
                        }
                    }
                    result.facts = result.facts.map_offsets(&map)?;
                    Some(result)
                })
                .collect()
        };
        let query = prefix..new.len() - suffix;
        let mut results = self.results;
        let after = results.split_off(old.len() - suffix);
        results.truncate(prefix);
        let (Some(before), Some(after)) = (moved(results), moved(after)) else {
            return Plan::Full;
        };
        Plan::Reuse {
            query,
            before,
            after,
        }
    }
}

/// Builds what the next analysis can reuse.
#[allow(clippy::too_many_arguments)]
pub fn remember(
    layout: Layout,
    text_len: usize,
    file: &SourceFile<'_>,
    script: bool,
    bindings: &Bindings,
    project: &ProjectInfo,
    results: Vec<ChunkResult>,
) -> Reusable {
    Reusable {
        key: ContextKey {
            path: file.path.to_string(),
            language: file.language,
            script,
            bindings: bindings.clone(),
            project: project.clone(),
            options: file.options.clone(),
            outline: layout.outline,
        },
        text_len,
        chunks: layout.chunks,
        results,
    }
}

/// The index of the chunk holding `offset` (the last one starting at or before it).
pub fn chunk_of(chunks: &[Chunk], offset: usize) -> usize {
    chunks
        .partition_point(|chunk| chunk.start <= offset)
        .saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, Reusable, SourceFile};
    use crate::project::{NoFileSystem, ProjectInfo};
    use preflight_grammars::Language;
    use std::path::Path;
    use tree_sitter::{InputEdit, Point, Tree};

    /// A small deterministic generator (no dependency needed for shuffling test edits).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    fn point(text: &str, offset: usize) -> Point {
        let row = text[..offset].matches('\n').count();
        let column = offset - text[..offset].rfind('\n').map_or(0, |at| at + 1);
        Point { row, column }
    }

    /// Replaces `range` of `text` with `with`, editing `tree` to match.
    fn edit(text: &mut String, tree: &mut Tree, range: std::ops::Range<usize>, with: &str) {
        let start_position = point(text, range.start);
        let old_end_position = point(text, range.end);
        text.replace_range(range.clone(), with);
        tree.edit(&InputEdit {
            start_byte: range.start,
            old_end_byte: range.end,
            new_end_byte: range.start + with.len(),
            start_position,
            old_end_position,
            new_end_position: point(text, range.start + with.len()),
        });
    }

    /// Analyses `text` both ways and checks they agree; returns the reusable state.
    fn agree(
        engine: &Engine,
        path: &str,
        language: Language,
        text: &str,
        tree: &Tree,
        previous: Option<&Reusable>,
        what: &str,
    ) -> Reusable {
        let file = SourceFile::new(path, text, language);
        let project = ProjectInfo::default();
        let fresh = engine.analyze_file(&file, &project, &NoFileSystem);
        let (reused, reusable) =
            engine.analyze_tree_reusing(&file, tree, &project, &NoFileSystem, previous.cloned());
        assert_eq!(reused.findings, fresh.findings, "findings differ {what}");
        assert_eq!(reused.facts, fresh.facts, "facts differ {what}");
        assert_eq!(reused.suppressions, fresh.suppressions, "{what}");
        reusable.expect("source files keep chunk results")
    }

    /// The byte ranges of the file's top-level function and class bodies.
    fn bodies(tree: &Tree, language: Language) -> Vec<std::ops::Range<usize>> {
        let root = tree.root_node();
        let mut cursor = root.walk();
        root.children(&mut cursor)
            .filter_map(|chunk| super::body(chunk, language.family(), &super::Fields::new(tree)))
            .map(|body| body.byte_range())
            .collect()
    }

    /// How analysing `text` after `previous` would go.
    fn plan(
        previous: &Reusable,
        path: &str,
        language: Language,
        text: &str,
        tree: &Tree,
    ) -> super::Plan {
        let file = SourceFile::new(path, text, language);
        let project = ProjectInfo::default();
        let cx = crate::engine::FileContext::new(&file, tree, &project, &NoFileSystem);
        let layout = super::layout(tree, text, language);
        previous.clone().plan(
            &layout,
            text.len(),
            &file,
            cx.class().script,
            cx.bindings(),
            &project,
        )
    }

    /// Whether analysing `text` after `previous` reuses any chunk.
    fn reuses(
        previous: &Reusable,
        path: &str,
        language: Language,
        text: &str,
        tree: &Tree,
    ) -> bool {
        match plan(previous, path, language, text, tree) {
            super::Plan::Reuse { before, after, .. } => !before.is_empty() || !after.is_empty(),
            super::Plan::Full => false,
        }
    }

    fn source_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(Language::from_file_name)
                    .is_some_and(|l| l != Language::Dockerfile)
                {
                    out.push(path);
                }
            }
        }
        out.sort();
    }

    /// Random edits anywhere in every fixture source: reusing chunk results must always give
    /// exactly what analysing the whole text gives.
    #[test]
    fn reusing_agrees_with_a_full_analysis_on_every_fixture() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut files = Vec::new();
        source_files(&fixtures, &mut files);
        assert!(files.len() > 20, "fixtures found: {}", files.len());
        let engine = Engine::new();
        let mut rng = Lcg(7);
        let snippets = [
            "x",
            "\n",
            "console.log(1);\n",
            "print(1)\n",
            "'",
            "}",
            " ",
            "*",
        ];
        let (mut edits, mut reused) = (0, 0);
        for file in files {
            let Ok(original) = std::fs::read_to_string(&file) else {
                continue;
            };
            let name = file.file_name().unwrap().to_str().unwrap();
            let language = Language::from_file_name(name).unwrap();
            let path = format!("src/{name}");
            let mut text = original.clone();
            let mut tree = engine.parse(language, &text, None);
            let mut reusable = agree(&engine, &path, language, &text, &tree, None, "at first");
            for step in 0..12 {
                // Mostly inside function and class bodies, where typing usually happens.
                let bodies = bodies(&tree, language);
                let mut at = match bodies.len() {
                    n if n > 0 && rng.below(4) > 0 => {
                        let body = &bodies[rng.below(n)];
                        body.start + 1 + rng.below(body.len().saturating_sub(2))
                    }
                    _ => rng.below(text.len() + 1),
                };
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + rng.below(3)).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                let with = snippets[rng.below(snippets.len())];
                edit(&mut text, &mut tree, at..end, with);
                tree = engine.parse(language, &text, Some(&tree));
                edits += 1;
                reused += usize::from(reuses(&reusable, &path, language, &text, &tree));
                let what = format!(
                    "after edit {step} of {} ({at}..{end} -> {with:?})",
                    file.display()
                );
                reusable = agree(
                    &engine,
                    &path,
                    language,
                    &text,
                    &tree,
                    Some(&reusable),
                    &what,
                );
            }
        }
        // The comparison means something only if the reusing path was taken often.
        assert!(
            reused * 10 > edits,
            "{reused} of {edits} edits reused chunks"
        );
    }

    /// Typing inside one function of a large file queries that function alone.
    #[test]
    fn typing_inside_a_function_reuses_every_other_statement() {
        let mut text =
            String::from("import cors from 'cors';\nconst app = require('express')();\n");
        for i in 0..200 {
            text.push_str(&format!(
                "export function h{i}(req, res) {{\n  console.log('h', {i});\n  return res.json({{}});\n}}\n"
            ));
        }
        text.push_str("app.use(cors());\napp.listen(3000);\n");
        let engine = Engine::new();
        let language = Language::JavaScript;
        let mut tree = engine.parse(language, &text, None);
        let reusable = agree(
            &engine,
            "src/app.js",
            language,
            &text,
            &tree,
            None,
            "at first",
        );
        let at = text.find("'h', 100").unwrap() + 2;
        edit(&mut text, &mut tree, at..at, "i");
        tree = engine.parse(language, &text, Some(&tree));
        match plan(&reusable, "src/app.js", language, &text, &tree) {
            super::Plan::Reuse { query, .. } => assert_eq!(query.len(), 1, "{query:?}"),
            super::Plan::Full => panic!("an edit inside a function body ran the whole file"),
        }
        agree(
            &engine,
            "src/app.js",
            language,
            &text,
            &tree,
            Some(&reusable),
            "after typing",
        );
    }
}
