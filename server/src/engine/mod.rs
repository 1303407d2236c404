//! The analysis engine: text in, findings and facts out.
//!
//! One parse per file; one query pass per file. Every rule's query file and the shared fact
//! queries of a language family are concatenated into one query, compiled once per grammar, and
//! run with a single `QueryCursor` over the tree; each match is dispatched to the rule (or fact
//! extractor) that owns the pattern. Dockerfiles are reduced once to an instruction model that
//! their rules read. Project-level rules never see trees, only the facts of every file.

pub mod chunks;
mod context;
mod query;

pub use chunks::Reusable;
pub use context::{FileClass, FileContext, SourceFile};
pub use query::Captures;

use chunks::ChunkResult;

use crate::diagnostic::Finding;
use crate::docker::DockerContext;
use crate::project::{FileFacts, FileSystem, ProjectInfo, ProjectView};
use crate::rules::{Check, Rule};
use crate::suppress::Suppressions;
use preflight_grammars::Language;
use query::CompiledQueries;
use tree_sitter::{Parser, Tree};

/// With the `fault-injection` feature (the crate's own tests only), analysing a text holding
/// this panics: how the tests prove that one failing analysis is contained.
#[cfg(feature = "fault-injection")]
pub const FAULT_MARKER: &str = "preflight-fault-injection: panic";

/// How long one parse may take. Tree-sitter's error recovery can explode on some small broken
/// texts (found by fuzzing: 500 bytes of mangled JavaScript parsed for minutes, in gigabytes of
/// memory); such a file is skipped with a note instead of hanging a scan or the editor.
pub const PARSE_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// The parser gave up on a text: see [`PARSE_BUDGET`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseTooSlow;

impl std::fmt::Display for ParseTooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the parser gave up after {} s (its error recovery could not finish on this text)",
            PARSE_BUDGET.as_secs()
        )
    }
}

fn parse_until(
    language: Language,
    text: &str,
    old_tree: Option<&Tree>,
    deadline: Option<std::time::Instant>,
) -> Option<Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&language.grammar())
        .expect("bundled grammars match the tree-sitter runtime");
    let bytes = text.as_bytes();
    let mut read = |offset: usize, _| &bytes[offset.min(bytes.len())..];
    let mut progress = |_: &tree_sitter::ParseState| match deadline {
        Some(deadline) if std::time::Instant::now() >= deadline => std::ops::ControlFlow::Break(()),
        _ => std::ops::ControlFlow::Continue(()),
    };
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
    parser.parse_with_options(&mut read, old_tree, Some(options))
}

/// What one file yields.
#[derive(Debug, Default)]
pub struct FileAnalysis {
    pub findings: Vec<Finding>,
    pub facts: FileFacts,
    /// The file has syntax errors; findings come from its intact parts only.
    pub has_syntax_errors: bool,
    /// The file's suppression comments, already applied to `findings`; project findings anchored
    /// in this file must pass through them too.
    pub suppressions: Suppressions,
}

/// A finding of a project-level rule, anchored in one of the project's files.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectFinding {
    /// Path of the anchor file, as given in its [`SourceFile`].
    pub path: String,
    pub finding: Finding,
}

/// The rules to run and their compiled queries. Cheap to share between threads.
pub struct Engine {
    rules: Vec<&'static Rule>,
    queries: CompiledQueries,
}

impl Engine {
    /// An engine running every registered rule.
    pub fn new() -> Engine {
        Self::with_rules(crate::rules::all().to_vec())
    }

    /// An engine running only `rules` (the facts every project rule needs are always collected).
    pub fn with_rules(rules: Vec<&'static Rule>) -> Engine {
        Engine {
            rules,
            queries: CompiledQueries::new(),
        }
    }

    pub fn rules(&self) -> &[&'static Rule] {
        &self.rules
    }

    fn queries(&self) -> &CompiledQueries {
        &self.queries
    }

    /// Parses `text` as `language`, however long it takes (tests and tools; analyses use
    /// [`Engine::parse_bounded`]).
    pub fn parse(&self, language: Language, text: &str, old_tree: Option<&Tree>) -> Tree {
        parse_until(language, text, old_tree, None)
            .expect("parsing without a deadline always yields a tree")
    }

    /// Parses `text` as `language`, giving up after [`PARSE_BUDGET`].
    pub fn parse_bounded(
        &self,
        language: Language,
        text: &str,
        old_tree: Option<&Tree>,
    ) -> Result<Tree, ParseTooSlow> {
        let deadline = std::time::Instant::now() + PARSE_BUDGET;
        parse_until(language, text, old_tree, Some(deadline)).ok_or(ParseTooSlow)
    }

    /// Parses and analyses one file.
    pub fn analyze_file(
        &self,
        file: &SourceFile<'_>,
        project: &ProjectInfo,
        fs: &dyn FileSystem,
    ) -> FileAnalysis {
        let tree = self.parse(file.language, file.text, None);
        self.analyze_tree(file, &tree, project, fs)
    }

    /// Analyses one file whose tree is already parsed.
    pub fn analyze_tree(
        &self,
        file: &SourceFile<'_>,
        tree: &Tree,
        project: &ProjectInfo,
        fs: &dyn FileSystem,
    ) -> FileAnalysis {
        self.analyze(file, tree, project, fs, None).0
    }

    /// Analyses one file whose tree was reparsed after edits, reusing what `previous` (the
    /// analysis of the text before the edits) found in the statements the edits did not touch
    /// (see [`chunks`]). Returns what the next analysis can reuse in turn.
    pub fn analyze_tree_reusing(
        &self,
        file: &SourceFile<'_>,
        tree: &Tree,
        project: &ProjectInfo,
        fs: &dyn FileSystem,
        previous: Option<Reusable>,
    ) -> (FileAnalysis, Option<Reusable>) {
        self.analyze(file, tree, project, fs, Some(previous))
    }

    /// `reuse`: `None` for a one-off analysis, `Some(previous)` to keep chunk results.
    fn analyze(
        &self,
        file: &SourceFile<'_>,
        tree: &Tree,
        project: &ProjectInfo,
        fs: &dyn FileSystem,
        reuse: Option<Option<Reusable>>,
    ) -> (FileAnalysis, Option<Reusable>) {
        #[cfg(feature = "fault-injection")]
        if file.text.contains(FAULT_MARKER) {
            panic!("fault injected into the analysis of {}", file.path);
        }
        let cx = FileContext::new(file, tree, project, fs);
        let mut analysis = FileAnalysis {
            has_syntax_errors: tree.root_node().has_error(),
            ..FileAnalysis::default()
        };
        let mut reusable = None;
        if file.language == Language::Dockerfile {
            let docker = DockerContext::new(&cx);
            crate::project::facts::dockerfile(&docker, &mut analysis.facts);
            for rule in &self.rules {
                if let Some(check) = rule.check.dockerfile() {
                    check(&docker, &mut analysis.findings);
                }
            }
        } else if let Some(previous) = reuse {
            let layout = chunks::layout(tree, file.text, file.language);
            let script = cx.class().script;
            let plan = previous.map_or(chunks::Plan::Full, |previous| {
                previous.plan(
                    &layout,
                    file.text.len(),
                    file.path,
                    file.language,
                    script,
                    cx.bindings(),
                    project,
                )
            });
            let (query, mut before, after) = match plan {
                chunks::Plan::Full => (0..layout.chunks.len(), Vec::new(), Vec::new()),
                chunks::Plan::Reuse {
                    query,
                    before,
                    after,
                } => (query, before, after),
            };
            let mut fresh = vec![ChunkResult::default(); query.len()];
            // Matches spanning the whole module are found again on every analysis.
            let mut whole = ChunkResult::default();
            let range = match (layout.chunks.get(query.start), query.end.checked_sub(1)) {
                _ if query.len() == layout.chunks.len() => None,
                (Some(first), Some(last)) if !query.is_empty() => {
                    Some(first.range().start..layout.chunks[last].range().end)
                }
                // Nothing to query but the module itself: a range at its first byte meets it
                // (not byte 0: the root node starts after leading whitespace).
                _ => {
                    let at = tree.root_node().start_byte();
                    Some(at..at + 1)
                }
            };
            self.queries().run(
                &cx,
                &self.rules,
                range,
                &layout.chunks,
                query.clone(),
                &mut fresh,
                &mut whole,
            );
            before.extend(fresh);
            before.extend(after);
            let results = before;
            analysis.facts.absorb(whole.facts);
            analysis.findings.extend(whole.findings);
            for result in &results {
                analysis.findings.extend(result.findings.iter().cloned());
                analysis.facts.absorb(result.facts.clone());
            }
            reusable = Some(chunks::remember(
                layout,
                file.text.len(),
                file.path,
                file.language,
                script,
                cx.bindings(),
                project,
                results,
            ));
        } else {
            let mut results = [ChunkResult::default()];
            let mut unused = ChunkResult::default();
            self.queries()
                .run(&cx, &self.rules, None, &[], 0..1, &mut results, &mut unused);
            let [result] = results;
            analysis.findings = result.findings;
            analysis.facts = result.facts;
        }
        analysis.suppressions = crate::suppress::collect(file.text, tree, file.language);
        analysis.suppressions.apply(&mut analysis.findings);
        analysis
            .findings
            .extend(analysis.suppressions.problems.iter().cloned());
        analysis.findings.sort_by(|a, b| {
            (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
        });
        analysis.findings.dedup();
        (analysis, reusable)
    }

    /// Runs the project-level rules over the facts of every analysed file of one project.
    pub fn analyze_project(&self, project: &ProjectView<'_>) -> Vec<ProjectFinding> {
        let mut findings = Vec::new();
        for rule in &self.rules {
            if let Check::Project(check) = rule.check {
                check(project, &mut findings);
            }
        }
        findings.sort_by(|a, b| {
            (&a.path, a.finding.range.start, a.finding.rule).cmp(&(
                &b.path,
                b.finding.range.start,
                b.finding.rule,
            ))
        });
        findings
    }
}

/// The number of `ERROR` and `MISSING` nodes in a tree: a fix must never raise it.
///
/// A `MISSING` token of a hidden rule (Python's `_newline`, say) is invisible to cursors; it
/// shows only as the error flag of a node none of whose visible children has an error, and
/// counts as one there.
pub fn syntax_error_count(tree: &Tree) -> usize {
    if !tree.root_node().has_error() {
        return 0;
    }
    let mut count = 0;
    let mut cursor = tree.walk();
    let mut children = tree.walk();
    loop {
        let node = cursor.node();
        count += usize::from(
            node.is_error()
                || node.is_missing()
                || (node.has_error() && !node.children(&mut children).any(|c| c.has_error())),
        );
        // Only subtrees holding an error can hold more.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return count;
            }
        }
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: Python's newline token is hidden, so a cursor never visits it when it
    /// is MISSING, and a fix gluing two statements together went uncounted.
    #[test]
    fn counts_missing_tokens_of_hidden_rules() {
        let engine = Engine::with_rules(Vec::new());
        let text = "SECRET_KEY = \"x\"o09p\nA = 1\n";
        let tree = engine.parse(Language::Python, text, None);
        assert!(tree.root_node().has_error());
        assert_eq!(syntax_error_count(&tree), 1);
        let clean = engine.parse(Language::Python, "a = 1\n", None);
        assert_eq!(syntax_error_count(&clean), 0);
        let broken = engine.parse(Language::TypeScript, "f(;\n", None);
        assert!(syntax_error_count(&broken) >= 1);
    }

    /// Found by fuzzing: with every statement reused, only the module-wide matches were
    /// queried, in a range at byte 0, which misses a module starting after leading whitespace;
    /// its facts (the Python module index) were lost.
    #[test]
    fn reusing_every_statement_still_sees_a_module_after_leading_whitespace() {
        let engine = Engine::new();
        let project = ProjectInfo::default();
        let fs = crate::project::NoFileSystem;
        let text = "\tconsole.log(1);\n";
        let file = SourceFile {
            path: "app/main.py",
            text,
            language: Language::Python,
            declared_script: false,
        };
        let tree = engine.parse(Language::Python, text, None);
        let (_, reusable) = engine.analyze_tree_reusing(&file, &tree, &project, &fs, None);
        // An edit that changes nothing (an editor may send one): every statement is reused.
        let tree = engine.parse(Language::Python, text, Some(&tree));
        let (reused, _) = engine.analyze_tree_reusing(&file, &tree, &project, &fs, reusable);
        let whole = engine.analyze_tree(&file, &tree, &project, &fs);
        assert!(whole.facts.module_index.is_some());
        assert_eq!(reused.facts, whole.facts);
        assert_eq!(reused.findings, whole.findings);
    }

    /// Found by fuzzing: a setting assigned twice, the later assignment yielding no fact, kept
    /// the earlier one when statements were reused but not in a whole analysis.
    #[test]
    fn reusing_keeps_the_facts_of_a_setting_assigned_twice() {
        let engine = Engine::new();
        let project = ProjectInfo::default();
        let fs = crate::project::NoFileSystem;
        let text = "MIDDLEWARE = [\"corsheaders.middleware.CorsMiddleware\"]\n\
                    MIDDLEWARE = get_middleware()\n";
        let file = SourceFile {
            path: "mysite/settings.py",
            text,
            language: Language::Python,
            declared_script: false,
        };
        let tree = engine.parse(Language::Python, text, None);
        let (_, reusable) = engine.analyze_tree_reusing(&file, &tree, &project, &fs, None);
        let tree = engine.parse(Language::Python, text, Some(&tree));
        let (reused, _) = engine.analyze_tree_reusing(&file, &tree, &project, &fs, reusable);
        let whole = engine.analyze_tree(&file, &tree, &project, &fs);
        assert_eq!(reused.facts, whole.facts);
    }
}
