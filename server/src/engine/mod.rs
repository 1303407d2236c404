//! The analysis engine: text in, findings and facts out.
//!
//! One parse per file; one query pass per file. Every rule's query file and the shared fact
//! queries of a language family are concatenated into one query, compiled once per grammar, and
//! run with a single `QueryCursor` over the tree; each match is dispatched to the rule (or fact
//! extractor) that owns the pattern. Dockerfiles are reduced once to an instruction model that
//! their rules read. Project-level rules never see trees, only the facts of every file.

pub mod chunks;
mod context;
mod options;
mod prefilter;
mod query;

pub use chunks::Reusable;
pub use context::{FileClass, FileContext, SourceFile};
pub use options::{DEFAULT_TIMEOUT_SECONDS, RuleOptions};
pub use query::Captures;

use chunks::ChunkResult;

use crate::diagnostic::Finding;
use crate::docker::DockerContext;
use crate::project::{FileFacts, FileSystem, ProjectInfo, ProjectView};
use crate::rules::{Check, Rule};
use crate::suppress::Suppressions;
use prefilter::Prefilter;
use preflight_grammars::Language;
use query::CompiledQueries;
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};
use tree_sitter::{ParseOptions, Parser, Tree};

/// With the `fault-injection` feature (the crate's own tests only), analysing a text holding
/// this panics: how the tests prove that one failing analysis is contained.
#[cfg(feature = "fault-injection")]
pub const FAULT_MARKER: &str = "preflight-fault-injection: panic";

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
    /// The file holds none of the trigger words, and was not parsed (see [`Engine::scan_file`]):
    /// it has no findings and no facts that matter on their own, but the facts other files'
    /// project rules may read (routes, exports, top-level names) were not collected.
    pub skipped_by_prefilter: bool,
}

/// Why [`Engine::scan_file`] did not analyse a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Parsing took longer than the budget allows (pathological error recovery).
    ParseTimeout(Duration),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::ParseTimeout(budget) => write!(
                f,
                "parsing took longer than {:.1} s; the file was not analysed",
                budget.as_secs_f64()
            ),
        }
    }
}

/// How long a scan lets one file parse: `floor`, plus `per_mib` for every MiB of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseBudget {
    pub floor: Duration,
    pub per_mib: Duration,
}

impl ParseBudget {
    /// Generous: a healthy parse runs at several MB/s, so only pathological error recovery on
    /// hostile or broken input comes near it.
    pub const DEFAULT: ParseBudget = ParseBudget {
        floor: Duration::from_secs(2),
        per_mib: Duration::from_secs(2),
    };

    /// The budget for a text of `len` bytes.
    pub fn for_len(self, len: usize) -> Duration {
        self.floor + self.per_mib.mul_f64(len as f64 / (1024.0 * 1024.0))
    }
}

thread_local! {
    /// One parser per thread, reused from file to file, and the grammar it is set to.
    static PARSER: RefCell<(Parser, Option<Language>)> = RefCell::new((Parser::new(), None));
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
    prefilter: Prefilter,
    /// Whether [`Engine::scan_file`] consults the prefilter.
    use_prefilter: bool,
    parse_budget: ParseBudget,
}

impl Engine {
    /// An engine running every registered rule.
    pub fn new() -> Engine {
        Self::with_rules(crate::rules::all().to_vec())
    }

    /// An engine running only `rules` (the facts every project rule needs are always collected).
    pub fn with_rules(rules: Vec<&'static Rule>) -> Engine {
        Engine {
            prefilter: Prefilter::new(&rules),
            rules,
            queries: CompiledQueries::new(),
            use_prefilter: true,
            parse_budget: ParseBudget::DEFAULT,
        }
    }

    /// The same engine parsing every file a scan reads, trigger words or not: what the
    /// prefilter is tested against.
    pub fn without_prefilter(mut self) -> Engine {
        self.use_prefilter = false;
        self
    }

    /// The same engine with another parse budget for [`Engine::scan_file`].
    pub fn with_parse_budget(mut self, budget: ParseBudget) -> Engine {
        self.parse_budget = budget;
        self
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
        parse_within(language, text, old_tree, None)
            .expect("parsing without a deadline always yields a tree")
    }

    /// What a scan does with one file: with `prefilter`, nothing when it holds no trigger word
    /// (the analysis is empty, [`FileAnalysis::skipped_by_prefilter`]); else a parse within the
    /// budget and the analysis of [`Engine::analyze_file`].
    pub fn scan_file(
        &self,
        file: &SourceFile<'_>,
        project: &ProjectInfo,
        fs: &dyn FileSystem,
        prefilter: bool,
    ) -> Result<FileAnalysis, Skip> {
        if prefilter && self.use_prefilter && !self.may_match(file) {
            return Ok(FileAnalysis {
                skipped_by_prefilter: true,
                ..FileAnalysis::default()
            });
        }
        let tree = self.parse_bounded(file.language, file.text, None)?;
        Ok(self.analyze_tree(file, &tree, project, fs))
    }

    /// Whether the prefilter lets `file` through (see `engine/prefilter.rs`).
    pub fn may_match(&self, file: &SourceFile<'_>) -> bool {
        self.prefilter.may_match(file.language.family(), file.text)
    }

    /// Parses `text` as `language` within the engine's parse budget for its length; the server
    /// and the fix writer parse through this, so a text tree-sitter cannot finish on costs a
    /// skipped analysis, never a hung editor.
    pub fn parse_bounded(
        &self,
        language: Language,
        text: &str,
        old_tree: Option<&Tree>,
    ) -> Result<Tree, Skip> {
        let budget = self.parse_budget.for_len(text.len());
        parse_within(language, text, old_tree, Some(Instant::now() + budget))
            .ok_or(Skip::ParseTimeout(budget))
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
                    file,
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
                None,
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
                file,
                script,
                cx.bindings(),
                project,
                results,
            ));
        } else {
            let mut results = [ChunkResult::default()];
            let mut unused = ChunkResult::default();
            // Chunk results outlive the words of the text they came from: only one-off analyses
            // leave out the rules without trigger words.
            let active = self
                .use_prefilter
                .then(|| {
                    self.prefilter
                        .active_rules(file.language.family(), file.text)
                })
                .flatten();
            self.queries().run(
                &cx,
                &self.rules,
                active.as_deref(),
                None,
                &[],
                0..1,
                &mut results,
                &mut unused,
            );
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
        // The prefilter must never hide what an analysis finds: every test that analyses a
        // text checks its trigger words too.
        debug_assert!(
            self.may_match(file) || (analysis.findings.is_empty() && !analysis.facts.anchors()),
            "{}: the trigger words miss {:?} / {:?}",
            file.path,
            analysis.findings.iter().map(|f| f.rule).collect::<Vec<_>>(),
            analysis.facts,
        );
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

/// Parses with this thread's parser; `None` when `deadline` passes first.
fn parse_within(
    language: Language,
    text: &str,
    old_tree: Option<&Tree>,
    deadline: Option<Instant>,
) -> Option<Tree> {
    PARSER.with_borrow_mut(|(parser, grammar)| {
        if *grammar != Some(language.grammar_key()) {
            parser
                .set_language(&language.grammar())
                .expect("bundled grammars match the tree-sitter runtime");
            *grammar = Some(language.grammar_key());
        }
        let bytes = text.as_bytes();
        let mut input = |at: usize, _| bytes.get(at..).unwrap_or_default();
        let tree = match deadline {
            None => parser.parse_with_options(&mut input, old_tree, None),
            Some(deadline) => {
                let mut progress = |_: &tree_sitter::ParseState| {
                    if Instant::now() > deadline {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                };
                let options = ParseOptions::new().progress_callback(&mut progress);
                parser.parse_with_options(&mut input, old_tree, Some(options))
            }
        };
        if tree.is_none() {
            // Start the next parse afresh instead of resuming this one.
            parser.reset();
        }
        tree
    })
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
        let file = SourceFile::new("app/main.py", text, Language::Python);
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

    /// Found by fuzzing: a fact of one statement (the app site's edit context) reads the
    /// indentation of another statement's line (the last import's), which a function body
    /// ending on that line sets; an edit of that body alone kept the stale indentation.
    #[test]
    fn reusing_sees_a_line_shared_with_a_function_body() {
        let engine = Engine::new();
        let project = ProjectInfo::default();
        let fs = crate::project::NoFileSystem;
        let before = "import { NestFactory } from '@nestjs/core';\n\
                      async function bootstrap() {\n\
                      \x20 const app = await NestFactory.create(AppModule);\n\
                      \x20 await app.listen(3000);\n\
                      }\n\
                      function helper() {\n\
                      \x20 work();\n\
                      \x20 } import { AppModule } from './app.module';\n\
                      bootstrap();\n";
        let after = before.replace("  } import", "} import");
        let file = SourceFile::new("src/main.ts", before, Language::TypeScript);
        let tree = engine.parse(Language::TypeScript, before, None);
        let (first, reusable) = engine.analyze_tree_reusing(&file, &tree, &project, &fs, None);
        let indent = |facts: &crate::project::FileFacts| {
            facts
                .edit_context
                .as_ref()
                .unwrap()
                .import_at
                .indent
                .clone()
        };
        assert_eq!(indent(&first.facts), "  ");
        let file = SourceFile::new("src/main.ts", &after, Language::TypeScript);
        let tree = engine.parse(Language::TypeScript, &after, None);
        let (reused, _) = engine.analyze_tree_reusing(&file, &tree, &project, &fs, reusable);
        let whole = engine.analyze_tree(&file, &tree, &project, &fs);
        assert_eq!(indent(&whole.facts), "");
        assert_eq!(reused.facts, whole.facts);
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
        let file = SourceFile::new("mysite/settings.py", text, Language::Python);
        let tree = engine.parse(Language::Python, text, None);
        let (_, reusable) = engine.analyze_tree_reusing(&file, &tree, &project, &fs, None);
        let tree = engine.parse(Language::Python, text, Some(&tree));
        let (reused, _) = engine.analyze_tree_reusing(&file, &tree, &project, &fs, reusable);
        let whole = engine.analyze_tree(&file, &tree, &project, &fs);
        assert_eq!(reused.facts, whole.facts);
    }
}
