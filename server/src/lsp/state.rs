//! The one task that owns the server's state and applies every message in arrival order.

use super::FIX_ALL_KIND;
use super::convert::{self, Lines};
use super::document::Document;
use crate::config::{ConfigResolver, EffectiveConfig, RuleLevel};
use crate::diagnostic::{Finding, FixSafety};
use crate::engine::{Engine, FileAnalysis, SourceFile};
use crate::position::{ColumnUnit, LineIndex};
use crate::project::manifest::MARKERS;
use crate::project::{DiskFileSystem, FileFacts, NoFileSystem, ProjectInfo, ProjectView};
use crate::scan::{ScanOptions, ScanReport};
use crate::suppress::Suppressions;
use preflight_grammars::{Language, LanguageFamily};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::*;
use tree_sitter::Tree;

/// How long edits must pause before a document is analysed.
const DEBOUNCE: Duration = Duration::from_millis(50);

pub enum Msg {
    Initialize {
        root: Option<PathBuf>,
        encoding: ColumnUnit,
        settings: Option<serde_json::Value>,
        /// The client shows `$/progress`.
        progress: bool,
        /// What the client accepts in workspace edits (fixes that create or change other files).
        edit_support: convert::EditSupport,
    },
    Settings {
        settings: Option<serde_json::Value>,
    },
    Open {
        uri: Uri,
        version: i32,
        language_id: String,
        text: String,
    },
    Change {
        uri: Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    },
    Close {
        uri: Uri,
    },
    /// The debounce of a document ran out.
    Analyze {
        uri: Uri,
    },
    /// Analysis of a document finished (`version` is what it analysed).
    Analysed {
        uri: Uri,
        version: i32,
        outcome: Box<Result<Analysed, String>>,
    },
    /// Scan every file of the workspace (`startup`: the automatic scan after `initialized`).
    ScanWorkspace {
        startup: bool,
    },
    ScanDone(Box<Result<ScanReport, String>>),
    /// Files changed on disk (`workspace/didChangeWatchedFiles`).
    FilesChanged {
        uris: Vec<Uri>,
    },
    CodeAction {
        params: Box<CodeActionParams>,
        reply: oneshot::Sender<Option<CodeActionResponse>>,
    },
    Hover {
        params: HoverParams,
        reply: oneshot::Sender<Option<Hover>>,
    },
}

/// What analysing one text produced.
pub struct Analysed {
    text: Arc<str>,
    tree: Option<Tree>,
    analysis: FileAnalysis,
}

/// Settings from the editor (`initializationOptions`, `workspace/didChangeConfiguration`).
#[derive(Default)]
struct Settings {
    enabled: bool,
    config_path: Option<PathBuf>,
    scan_on_startup: bool,
    rules: HashMap<String, RuleLevel>,
}

impl Settings {
    fn parse(value: Option<&serde_json::Value>) -> Settings {
        // Accept both `{ "preflight": { … } }` and the inner object itself.
        let value = value.map(|v| v.get("preflight").unwrap_or(v));
        let get = |key: &str| value.and_then(|v| v.get(key));
        let rules = get("rules")
            .and_then(|v| v.as_object())
            .map(|map| {
                map.iter()
                    .filter_map(|(id, level)| {
                        Some((id.clone(), RuleLevel::parse(level.as_str()?)?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Settings {
            enabled: get("enable").and_then(|v| v.as_bool()).unwrap_or(true),
            config_path: get("configPath")
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            scan_on_startup: get("scanWorkspaceOnStartup")
                .and_then(|v| v.as_bool())
                .unwrap_or(true),
            rules,
        }
    }
}

/// What the server knows of one file of the workspace (open or not).
struct IndexedFile {
    project: String,
    facts: FileFacts,
    suppressions: Suppressions,
    /// File-level findings, configuration applied.
    findings: Vec<Finding>,
    /// The text the findings refer to; kept only when there is something to show.
    text: Option<Arc<str>>,
    config: Arc<EffectiveConfig>,
    config_rel: String,
}

struct OpenDocument {
    document: Document,
    /// The workspace-relative path, or `None` outside the workspace.
    rel: Option<String>,
    /// The last analysis that matched the document's version at the time.
    analysed: Option<(i32, Arc<str>, Vec<Finding>)>,
    debounce_pending: bool,
    in_flight: bool,
    /// The document is over the size limit; said once.
    too_large: bool,
}

/// A `publishDiagnostics` waiting to be sent.
type Publication = (Uri, Vec<Diagnostic>, Option<i32>);

pub struct State {
    client: Client,
    /// Publications leave through one queue drained by one task, so the editor receives them in
    /// the order the state task produced them (spawning a task per publication would not).
    outgoing: mpsc::UnboundedSender<Publication>,
    tx: mpsc::UnboundedSender<Msg>,
    engine: Arc<Engine>,
    encoding: ColumnUnit,
    root: Option<PathBuf>,
    settings: Settings,
    config: Option<Arc<ConfigResolver>>,
    documents: HashMap<Uri, OpenDocument>,
    files: BTreeMap<String, IndexedFile>,
    projects: BTreeMap<String, ProjectInfo>,
    project_findings: HashMap<String, Vec<Finding>>,
    /// Files whose diagnostics were published non-empty, to clear them when they go away.
    published: HashSet<Uri>,
    scanning: bool,
    /// Another scan was asked for while one ran.
    rescan: bool,
    progress: bool,
    scans: u32,
    edit_support: convert::EditSupport,
}

impl State {
    pub fn new(client: Client, tx: mpsc::UnboundedSender<Msg>) -> State {
        let (outgoing, mut queue) = mpsc::unbounded_channel::<Publication>();
        let publisher = client.clone();
        tokio::spawn(async move {
            while let Some((uri, diagnostics, version)) = queue.recv().await {
                publisher
                    .publish_diagnostics(uri, diagnostics, version)
                    .await;
            }
        });
        State {
            client,
            outgoing,
            tx,
            engine: Arc::new(Engine::new()),
            encoding: ColumnUnit::Utf16,
            root: None,
            settings: Settings::parse(None),
            config: None,
            documents: HashMap::new(),
            files: BTreeMap::new(),
            projects: BTreeMap::new(),
            project_findings: HashMap::new(),
            published: HashSet::new(),
            scanning: false,
            rescan: false,
            progress: false,
            scans: 0,
            edit_support: convert::EditSupport::default(),
        }
    }

    pub async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        while let Some(msg) = rx.recv().await {
            self.handle(msg);
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Initialize {
                root,
                encoding,
                settings,
                progress,
                edit_support,
            } => {
                self.progress = progress;
                self.edit_support = edit_support;
                self.root = root;
                self.encoding = encoding;
                self.settings = Settings::parse(settings.as_ref());
                self.reload_config();
            }
            Msg::Settings { settings } => {
                self.settings = Settings::parse(settings.as_ref());
                self.reload_config();
                let uris: Vec<Uri> = self.documents.keys().cloned().collect();
                for uri in uris {
                    self.start_analysis(&uri);
                }
            }
            Msg::Open {
                uri,
                version,
                language_id,
                text,
            } => self.open(uri, version, &language_id, &text),
            Msg::Change {
                uri,
                version,
                changes,
            } => self.change(&uri, version, changes),
            Msg::Close { uri } => self.close(&uri),
            Msg::Analyze { uri } => {
                if let Some(doc) = self.documents.get_mut(&uri) {
                    doc.debounce_pending = false;
                }
                self.start_analysis(&uri);
            }
            Msg::Analysed {
                uri,
                version,
                outcome,
            } => self.analysed(uri, version, *outcome),
            Msg::ScanWorkspace { startup } => {
                if !startup || self.settings.scan_on_startup {
                    self.scan_workspace();
                }
            }
            Msg::ScanDone(report) => self.scan_done(*report),
            Msg::FilesChanged { uris } => {
                let config_changed = uris.iter().any(|uri| {
                    uri.to_file_path()
                        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .is_some_and(|name| crate::config::is_config_file_name(&name))
                });
                if config_changed {
                    self.reload_config();
                    let open: Vec<Uri> = self.documents.keys().cloned().collect();
                    for uri in open {
                        self.start_analysis(&uri);
                    }
                }
                // Manifests, Dockerfiles and closed sources feed project facts: re-scan. The
                // scan reads only the disk; open documents keep their buffers.
                self.scan_workspace();
            }
            Msg::CodeAction { params, reply } => {
                let _ = reply.send(self.code_actions(&params));
            }
            Msg::Hover { params, reply } => {
                let _ = reply.send(self.hover(&params));
            }
        }
    }

    fn log(&self, kind: MessageType, message: String) {
        let client = self.client.clone();
        tokio::spawn(async move { client.log_message(kind, message).await });
    }

    fn reload_config(&mut self) {
        let Some(root) = &self.root else {
            self.config = None;
            return;
        };
        match ConfigResolver::new(root, self.settings.config_path.as_deref()) {
            Ok(resolver) => self.config = Some(Arc::new(resolver)),
            Err(error) => {
                // The last good configuration stays in force.
                let message = format!("Preflight: invalid configuration: {error}");
                let client = self.client.clone();
                tokio::spawn(async move {
                    client.show_message(MessageType::ERROR, message).await;
                });
            }
        }
    }

    fn relative(&self, uri: &Uri) -> Option<String> {
        let path = uri.to_file_path()?;
        let rel = path.strip_prefix(self.root.as_ref()?).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    fn uri_of(&self, rel: &str) -> Option<Uri> {
        Uri::from_file_path(self.root.as_ref()?.join(rel))
    }

    /// The project root of a workspace-relative path: the nearest folder with a marker file.
    fn project_of(&self, rel: &str) -> String {
        let Some(root) = &self.root else {
            return String::new();
        };
        let mut dir = rel.rfind('/').map(|at| &rel[..at]).unwrap_or("");
        loop {
            if self.projects.contains_key(dir)
                || MARKERS
                    .iter()
                    .any(|marker| root.join(dir).join(marker).is_file())
            {
                return dir.to_string();
            }
            if dir.is_empty() {
                return String::new();
            }
            dir = dir.rfind('/').map(|at| &dir[..at]).unwrap_or("");
        }
    }

    fn open(&mut self, uri: Uri, version: i32, language_id: &str, text: &str) {
        let file_name = uri
            .to_file_path()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        let language = Language::from_language_id(language_id)
            .or_else(|| file_name.as_deref().and_then(Language::from_file_name));
        let Some(language) = language else {
            return;
        };
        let rel = self.relative(&uri);
        self.documents.insert(
            uri.clone(),
            OpenDocument {
                document: Document::new(version, language, text),
                rel,
                analysed: None,
                debounce_pending: false,
                in_flight: false,
                too_large: false,
            },
        );
        self.start_analysis(&uri);
    }

    fn change(&mut self, uri: &Uri, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        let encoding = self.encoding;
        let Some(doc) = self.documents.get_mut(uri) else {
            tracing::warn!(
                "didChange for a document that is not open: {}",
                uri.as_str()
            );
            return;
        };
        if version <= doc.document.version {
            tracing::warn!(
                "version of {} went from {} to {}; applying the change anyway",
                uri.as_str(),
                doc.document.version,
                version
            );
        }
        doc.document.apply(changes, encoding);
        doc.document.version = version;
        if !doc.debounce_pending {
            doc.debounce_pending = true;
            let tx = self.tx.clone();
            let uri = uri.clone();
            tokio::spawn(async move {
                tokio::time::sleep(DEBOUNCE).await;
                let _ = tx.send(Msg::Analyze { uri });
            });
        }
    }

    fn close(&mut self, uri: &Uri) {
        let Some(doc) = self.documents.remove(uri) else {
            return;
        };
        match doc.rel {
            // A workspace file: its facts and findings go back to what is on disk.
            Some(rel) if self.files.contains_key(&rel) || self.root.is_some() => {
                let path = self.root.as_ref().map(|root| root.join(&rel));
                match path.and_then(|p| {
                    crate::scan::read_source(&p, crate::source::DEFAULT_MAX_FILE_SIZE).ok()
                }) {
                    Some(source) => {
                        let text: Arc<str> = Arc::from(source.text);
                        let analysed = self.analyse_now(&rel, doc.document.language, text);
                        self.update_file(&rel, analysed);
                    }
                    None => {
                        self.files.remove(&rel);
                        self.publish(uri);
                    }
                }
            }
            _ => {
                self.published.remove(uri);
                let _ = self.outgoing.send((uri.clone(), Vec::new(), None));
            }
        }
    }

    /// The inputs of an analysis, gathered on the state task.
    fn analysis_inputs(
        &self,
        rel: Option<&str>,
    ) -> (String, ProjectInfo, Arc<EffectiveConfig>, String) {
        let rel = rel.map(str::to_string);
        let project = rel
            .as_deref()
            .map(|r| self.project_of(r))
            .unwrap_or_default();
        let info = self
            .projects
            .get(&project)
            .cloned()
            .unwrap_or_else(|| ProjectInfo {
                root: project.clone(),
                ..ProjectInfo::default()
            });
        let config = match (&self.config, &self.root, &rel) {
            (Some(config), Some(root), Some(rel)) => {
                config.for_path(&root.join(rel)).unwrap_or_default()
            }
            _ => Arc::new(EffectiveConfig::default()),
        };
        let path = rel.unwrap_or_default();
        (path, info, config, project)
    }

    fn analyse_now(&self, rel: &str, language: Language, text: Arc<str>) -> Analysed {
        let (path, info, config, _) = self.analysis_inputs(Some(rel));
        analyse(
            &self.engine,
            self.root.clone(),
            &path,
            language,
            text,
            None,
            &info,
            &config,
            &self.settings.rules,
        )
    }

    fn start_analysis(&mut self, uri: &Uri) {
        let Some(doc) = self.documents.get(uri) else {
            return;
        };
        if doc.in_flight || doc.debounce_pending {
            return; // the finished run (or the debounce) starts the next one
        }
        let rel = doc.rel.clone();
        let (path, info, config, _) = self.analysis_inputs(rel.as_deref());
        let file_name = uri
            .to_file_path()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let path = if path.is_empty() { file_name } else { path };
        let doc = self.documents.get_mut(uri).expect("checked above");
        let size = doc.document.rope.len_bytes() as u64;
        if size > crate::source::DEFAULT_MAX_FILE_SIZE {
            if !std::mem::replace(&mut doc.too_large, true) {
                let message = format!(
                    "Preflight: {} is not analysed: {}",
                    uri.as_str(),
                    crate::source::NotText::TooLarge {
                        size,
                        limit: crate::source::DEFAULT_MAX_FILE_SIZE
                    }
                );
                self.log(MessageType::INFO, message);
            }
            return;
        }
        doc.too_large = false;
        doc.in_flight = true;
        let version = doc.document.version;
        let language = doc.document.language;
        let text: Arc<str> = Arc::from(doc.document.text());
        let old_tree = doc.document.tree.clone();
        let engine = self.engine.clone();
        let root = if rel.is_some() {
            self.root.clone()
        } else {
            None
        };
        let overrides = self.settings.rules.clone();
        let tx = self.tx.clone();
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                analyse(
                    &engine, root, &path, language, text, old_tree, &info, &config, &overrides,
                )
            }))
            .map_err(|panic| {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                format!("analysis of {path} failed: {detail}")
            });
            let _ = tx.send(Msg::Analysed {
                uri,
                version,
                outcome: Box::new(outcome),
            });
        });
    }

    fn analysed(&mut self, uri: Uri, version: i32, outcome: Result<Analysed, String>) {
        let Some(doc) = self.documents.get_mut(&uri) else {
            return;
        };
        doc.in_flight = false;
        if doc.document.version != version {
            // Stale: the document changed meanwhile. Never publish; analyse the new text.
            self.start_analysis(&uri);
            return;
        }
        let analysed = match outcome {
            Ok(analysed) => analysed,
            Err(message) => {
                self.log(MessageType::ERROR, format!("Preflight: {message}"));
                return;
            }
        };
        if let Some(tree) = &analysed.tree {
            doc.document.tree = Some(tree.clone());
        }
        doc.analysed = Some((
            version,
            analysed.text.clone(),
            analysed.analysis.findings.clone(),
        ));
        match doc.rel.clone() {
            Some(rel) => self.update_file(&rel, analysed),
            None => self.publish(&uri),
        }
    }

    /// Records a file's new analysis; re-runs its project's rules when its facts changed and
    /// publishes every file whose diagnostics may have changed.
    fn update_file(&mut self, rel: &str, analysed: Analysed) {
        let project = self.project_of(rel);
        let (_, _, config, _) = self.analysis_inputs(Some(rel));
        let facts_changed = self.files.get(rel).is_none_or(|old| {
            old.facts != analysed.analysis.facts
                || old.suppressions != analysed.analysis.suppressions
        });
        let keep_text = !analysed.analysis.findings.is_empty();
        self.files.insert(
            rel.to_string(),
            IndexedFile {
                project: project.clone(),
                facts: analysed.analysis.facts,
                suppressions: analysed.analysis.suppressions,
                findings: analysed.analysis.findings,
                text: keep_text.then(|| analysed.text.clone()),
                config,
                config_rel: rel.to_string(),
            },
        );
        let mut touched = vec![rel.to_string()];
        if facts_changed {
            touched.extend(self.run_project_rules(&project));
        }
        touched.sort();
        touched.dedup();
        for rel in touched {
            if let Some(uri) = self.uri_of(&rel) {
                self.publish(&uri);
            }
        }
    }

    /// Re-runs the project-level rules of one project; returns the files whose project findings
    /// changed.
    fn run_project_rules(&mut self, project: &str) -> Vec<String> {
        let members: Vec<(&str, &IndexedFile)> = self
            .files
            .iter()
            .filter(|(_, file)| file.project == project)
            .map(|(rel, file)| (rel.as_str(), file))
            .collect();
        let default_info = ProjectInfo {
            root: project.to_string(),
            ..ProjectInfo::default()
        };
        let info = self.projects.get(project).unwrap_or(&default_info);
        let disk = self.root.as_ref().map(DiskFileSystem::new);
        let view = ProjectView {
            info,
            files: members
                .iter()
                .map(|(rel, file)| (*rel, &file.facts))
                .collect(),
            fs: match &disk {
                Some(disk) => disk,
                None => &NoFileSystem,
            },
        };
        let mut next: HashMap<String, Vec<Finding>> = HashMap::new();
        for found in self.engine.analyze_project(&view) {
            let Some((_, file)) = members.iter().find(|(rel, _)| *rel == found.path) else {
                continue;
            };
            if file
                .suppressions
                .silences(found.finding.rule, found.finding.range.start)
            {
                continue;
            }
            let mut one = vec![found.finding];
            crate::scan::apply_severities(&file.config, &file.config_rel, &mut one);
            apply_overrides(&self.settings.rules, &mut one);
            next.entry(found.path).or_default().extend(one);
        }
        let mut changed = Vec::new();
        let member_paths: Vec<String> = members.iter().map(|(rel, _)| rel.to_string()).collect();
        for rel in member_paths {
            let new = next.remove(&rel).unwrap_or_default();
            let old = self.project_findings.get(&rel).cloned().unwrap_or_default();
            if old != new {
                changed.push(rel.clone());
            }
            if new.is_empty() {
                self.project_findings.remove(&rel);
            } else {
                self.project_findings.insert(rel, new);
            }
        }
        changed
    }

    /// Publishes the full list of diagnostics of one file.
    fn publish(&mut self, uri: &Uri) {
        let rel = self.relative(uri);
        let (text, findings, version): (Option<Arc<str>>, Vec<Finding>, Option<i32>) =
            match self.documents.get(uri) {
                Some(doc) => match &doc.analysed {
                    Some((version, text, findings)) => {
                        (Some(text.clone()), findings.clone(), Some(*version))
                    }
                    None => return,
                },
                None => match rel.as_deref().and_then(|r| self.files.get(r)) {
                    Some(file) => (file.text.clone(), file.findings.clone(), None),
                    None => (None, Vec::new(), None),
                },
            };
        let mut findings = findings;
        if let Some(project) = rel.as_deref().and_then(|r| self.project_findings.get(r)) {
            findings.extend(project.iter().cloned());
        }
        if !self.settings.enabled {
            findings.clear();
        }
        let text = match text {
            Some(text) => Some(text),
            None if !findings.is_empty() => self
                .root
                .as_ref()
                .zip(rel.as_ref())
                .and_then(|(root, rel)| std::fs::read_to_string(root.join(rel)).ok())
                .map(Arc::from),
            None => None,
        };
        let diagnostics = match &text {
            Some(text) => {
                let index = LineIndex::new(text);
                let lines = Lines {
                    text,
                    index: &index,
                    unit: self.encoding,
                };
                findings
                    .iter()
                    .map(|finding| convert::diagnostic(&lines, finding))
                    .collect()
            }
            None => Vec::new(),
        };
        if diagnostics.is_empty() && !self.published.remove(uri) && version.is_none() {
            return; // nothing shown before, nothing to show now
        }
        if !diagnostics.is_empty() {
            self.published.insert(uri.clone());
        }
        let _ = self.outgoing.send((uri.clone(), diagnostics, version));
    }

    fn scan_workspace(&mut self) {
        let Some(root) = self.root.clone() else {
            return;
        };
        if self.scanning {
            self.rescan = true;
            return;
        }
        self.scanning = true;
        self.scans += 1;
        let engine = self.engine.clone();
        let config = self.settings.config_path.clone();
        let tx = self.tx.clone();
        let client = self.progress.then(|| self.client.clone());
        let token = NumberOrString::String(format!("preflight-scan-{}", self.scans));
        tokio::spawn(async move {
            // Progress is a client round-trip: this task may wait on it, the state task never.
            let progress = match client {
                Some(client)
                    if client
                        .create_work_done_progress(token.clone())
                        .await
                        .is_ok() =>
                {
                    Some(
                        client
                            .progress(token, "Preflight: scanning the workspace")
                            .with_percentage(0)
                            .begin()
                            .await,
                    )
                }
                _ => None,
            };
            let (counts, mut counted) = mpsc::unbounded_channel::<(usize, usize)>();
            let scan = tokio::task::spawn_blocking(move || {
                let report_count = |done: usize, total: usize| {
                    let _ = counts.send((done, total));
                };
                let options = ScanOptions {
                    paths: vec![root.clone()],
                    engine: &engine,
                    max_file_size: crate::source::DEFAULT_MAX_FILE_SIZE,
                    respect_ignore_files: true,
                    threads: 0,
                    working_dir: root,
                    config,
                    progress: Some(&report_count),
                };
                crate::scan::scan(&options).map_err(|error| error.to_string())
            });
            let mut files = 0;
            while let Some((done, total)) = counted.recv().await {
                files = total;
                if let Some(progress) = &progress {
                    let percentage = (done * 100).checked_div(total).unwrap_or(100) as u32;
                    progress
                        .report_with_message(format!("{done}/{total} files"), percentage)
                        .await;
                }
            }
            let report = scan
                .await
                .unwrap_or_else(|error| Err(format!("the scan stopped: {error}")));
            if let Some(progress) = progress {
                progress.finish_with_message(format!("{files} files")).await;
            }
            let _ = tx.send(Msg::ScanDone(Box::new(report)));
        });
    }

    fn scan_done(&mut self, report: Result<ScanReport, String>) {
        self.scanning = false;
        if std::mem::take(&mut self.rescan) {
            self.scan_workspace();
        }
        let report = match report {
            Ok(report) => report,
            Err(message) => {
                self.log(
                    MessageType::ERROR,
                    format!("Preflight: workspace scan failed: {message}"),
                );
                return;
            }
        };
        self.projects = report.projects;
        let open: HashSet<String> = self
            .documents
            .values()
            .filter_map(|doc| doc.rel.clone())
            .collect();
        // Files of the previous scan that are gone (deleted, excluded) must be cleared.
        let previous: Vec<String> = self
            .files
            .keys()
            .filter(|rel| !open.contains(*rel))
            .cloned()
            .collect();
        for rel in &previous {
            self.files.remove(rel);
        }
        for file in report.files {
            if open.contains(&file.rel_path) {
                continue; // the buffer is the truth for open documents
            }
            let findings: Vec<Finding> = file
                .findings
                .into_iter()
                .filter(|f| !crate::rules::by_id(f.rule).is_some_and(|rule| rule.is_project_rule()))
                .collect();
            let mut findings = findings;
            apply_overrides(&self.settings.rules, &mut findings);
            let text = file
                .source
                .filter(|_| !findings.is_empty())
                .map(|source| Arc::from(source.text));
            self.files.insert(
                file.rel_path.clone(),
                IndexedFile {
                    project: file.project,
                    facts: file.facts,
                    suppressions: file.suppressions,
                    findings,
                    text,
                    config: file.config,
                    config_rel: file.config_rel,
                },
            );
        }
        let projects: Vec<String> = {
            let mut all: Vec<String> = self.files.values().map(|f| f.project.clone()).collect();
            all.sort();
            all.dedup();
            all
        };
        for project in projects {
            self.run_project_rules(&project);
        }
        let mut rels: Vec<String> = self.files.keys().cloned().collect();
        for rel in previous {
            if !self.files.contains_key(&rel) {
                self.project_findings.remove(&rel);
                rels.push(rel);
            }
        }
        for rel in rels {
            if let Some(uri) = self.uri_of(&rel) {
                self.publish(&uri);
            }
        }
    }

    /// The latest analysis of an open document, if it matches the document's current text.
    fn current(&self, uri: &Uri) -> Option<(&OpenDocument, Arc<str>, Vec<Finding>)> {
        let doc = self.documents.get(uri)?;
        let (version, text, findings) = doc.analysed.as_ref()?;
        if *version != doc.document.version {
            return None;
        }
        let mut findings = findings.clone();
        if let Some(project) = doc
            .rel
            .as_deref()
            .and_then(|r| self.project_findings.get(r))
        {
            findings.extend(project.iter().cloned());
        }
        Some((doc, text.clone(), findings))
    }

    fn code_actions(&self, params: &CodeActionParams) -> Option<CodeActionResponse> {
        let uri = &params.text_document.uri;
        let (doc, text, findings) = self.current(uri)?;
        let index = LineIndex::new(&text);
        let lines = Lines {
            text: &text,
            index: &index,
            unit: self.encoding,
        };
        let only = params.context.only.as_ref();
        let wants = |kind: &str| {
            only.is_none_or(|kinds| {
                kinds
                    .iter()
                    .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str())))
            })
        };
        let mut actions = Vec::new();
        if wants(CodeActionKind::QUICKFIX.as_str()) {
            let start = lines.offset(params.range.start);
            let end = lines.offset(params.range.end);
            for finding in &findings {
                let touches = finding.range.start <= end && start <= finding.range.end;
                if !touches {
                    continue;
                }
                let diagnostic = convert::diagnostic(&lines, finding);
                for fix in &finding.fixes {
                    let edits = fix.edits.iter().map(|e| lines.edit(e)).collect();
                    if fix.file_edits.is_empty() {
                        actions.push(action(
                            &fix.title,
                            CodeActionKind::QUICKFIX,
                            uri,
                            edits,
                            Some(diagnostic.clone()),
                            fix.safety == FixSafety::Safe,
                        ));
                        continue;
                    }
                    let others = self.other_files([fix]);
                    let Some(edit) = convert::workspace_edit(
                        uri,
                        edits,
                        &others,
                        self.encoding,
                        self.edit_support,
                    ) else {
                        continue;
                    };
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: fix.title.clone(),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![diagnostic.clone()]),
                        edit: Some(edit),
                        is_preferred: (fix.safety == FixSafety::Safe).then_some(true),
                        ..CodeAction::default()
                    }));
                }
                for (title, edit) in ignore_edits(doc, &text, finding) {
                    actions.push(action(
                        &title,
                        CodeActionKind::QUICKFIX,
                        uri,
                        vec![lines.edit(&edit)],
                        Some(diagnostic.clone()),
                        false,
                    ));
                }
            }
        }
        if only.is_some() && wants(FIX_ALL_KIND) || only.is_none() {
            let fixes = crate::fix::select(&findings, false);
            if !fixes.is_empty() {
                let applied = crate::fix::apply(&text, &fixes);
                let edit = minimal_edit(&text, &applied.text);
                let others = self.other_files(fixes.iter().copied());
                if others.is_empty() {
                    if let Some(edit) = edit {
                        actions.push(action(
                            "Fix all safe Preflight problems",
                            CodeActionKind::new(FIX_ALL_KIND),
                            uri,
                            vec![lines.edit(&edit)],
                            None,
                            false,
                        ));
                    }
                } else if let Some(edit) = convert::workspace_edit(
                    uri,
                    edit.iter().map(|e| lines.edit(e)).collect(),
                    &others,
                    self.encoding,
                    self.edit_support,
                ) {
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: "Fix all safe Preflight problems".into(),
                        kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
                        edit: Some(edit),
                        ..CodeAction::default()
                    }));
                }
            }
        }
        Some(actions)
    }

    /// The other files `fixes` change, with their current text (an open buffer, else the disk)
    /// and the changes aimed at each.
    fn other_files<'f>(
        &self,
        fixes: impl IntoIterator<Item = &'f crate::diagnostic::Fix>,
    ) -> Vec<convert::OtherFile<'f>> {
        let mut out: Vec<convert::OtherFile<'f>> = Vec::new();
        for fix in fixes {
            for file_edit in &fix.file_edits {
                let Some(rel) = crate::project::normalize_relative(&file_edit.path) else {
                    continue;
                };
                let Some(uri) = self.uri_of(&rel) else {
                    continue;
                };
                if let Some(existing) = out.iter_mut().find(|o| o.uri == uri) {
                    existing.changes.push(&file_edit.change);
                    continue;
                }
                let current = match self.documents.get(&uri) {
                    Some(doc) => Some(doc.document.text()),
                    None => self
                        .root
                        .as_ref()
                        .and_then(|root| std::fs::read_to_string(root.join(&rel)).ok()),
                };
                out.push(convert::OtherFile {
                    uri,
                    current,
                    changes: vec![&file_edit.change],
                });
            }
        }
        out
    }

    fn hover(&self, params: &HoverParams) -> Option<Hover> {
        let uri = &params.text_document_position_params.text_document.uri;
        let (_, text, findings) = self.current(uri)?;
        let index = LineIndex::new(&text);
        let lines = Lines {
            text: &text,
            index: &index,
            unit: self.encoding,
        };
        let at = lines.offset(params.text_document_position_params.position);
        let finding = findings
            .iter()
            .find(|f| f.range.start <= at && at <= f.range.end)?;
        let rule = crate::rules::by_id(finding.rule)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: format!("# {}\n\n{}", rule.id, rule.documentation()),
            }),
            range: Some(lines.range(&finding.range)),
        })
    }
}

fn action(
    title: &str,
    kind: CodeActionKind,
    uri: &Uri,
    edits: Vec<TextEdit>,
    diagnostic: Option<Diagnostic>,
    preferred: bool,
) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), edits);
    CodeActionOrCommand::CodeAction(CodeAction {
        title: title.to_string(),
        kind: Some(kind),
        diagnostics: diagnostic.map(|d| vec![d]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

/// One edit turning `before` into `after`: the differing middle.
fn minimal_edit(before: &str, after: &str) -> Option<crate::diagnostic::Edit> {
    if before == after {
        return None;
    }
    let prefix = before
        .char_indices()
        .zip(after.chars())
        .find(|((_, a), b)| a != b)
        .map(|((at, _), _)| at)
        .unwrap_or(before.len().min(after.len()));
    let prefix = crate::position::floor_char_boundary(before, prefix);
    let max_suffix = (before.len() - prefix).min(after.len() - prefix);
    let mut suffix = 0;
    let (b, a) = (before.as_bytes(), after.as_bytes());
    while suffix < max_suffix && b[b.len() - 1 - suffix] == a[a.len() - 1 - suffix] {
        suffix += 1;
    }
    while !before.is_char_boundary(before.len() - suffix)
        || !after.is_char_boundary(after.len() - suffix)
    {
        suffix -= 1;
    }
    Some(crate::diagnostic::Edit::replace(
        prefix..before.len() - suffix,
        &after[prefix..after.len() - suffix],
    ))
}

/// "Ignore on this line" and "Ignore in this file" for one finding.
fn ignore_edits(
    doc: &OpenDocument,
    text: &str,
    finding: &Finding,
) -> Vec<(String, crate::diagnostic::Edit)> {
    let marker = match doc.document.language.family() {
        LanguageFamily::Ecma => "//",
        LanguageFamily::Python | LanguageFamily::Dockerfile => "#",
    };
    let newline = if crate::fix::uses_crlf(text) {
        "\r\n"
    } else {
        "\n"
    };
    // The line to put the directive above: the finding's line, or in a Dockerfile the first line
    // of its instruction.
    let mut anchor = finding.range.start;
    if doc.document.language == Language::Dockerfile
        && let Some(tree) = &doc.document.tree
    {
        let mut node = tree.root_node().descendant_for_byte_range(anchor, anchor);
        while let Some(n) = node {
            if n.parent().is_some_and(|p| p.parent().is_none()) {
                anchor = n.start_byte();
                break;
            }
            node = n.parent();
        }
    }
    let line_start = text[..anchor].rfind('\n').map(|at| at + 1).unwrap_or(0);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let line = crate::diagnostic::Edit::insert(
        line_start,
        format!(
            "{indent}{marker} preflight-ignore: {}{newline}",
            finding.rule
        ),
    );
    // File level: after a shebang and Dockerfile parser directives.
    let mut file_start = 0;
    for candidate in text.split_inclusive('\n') {
        let trimmed = candidate.trim_start();
        let directive = file_start == 0 && trimmed.starts_with("#!")
            || doc.document.language == Language::Dockerfile
                && [
                    "# syntax=",
                    "# escape=",
                    "# check=",
                    "#syntax=",
                    "#escape=",
                    "#check=",
                ]
                .iter()
                .any(|d| trimmed.to_ascii_lowercase().starts_with(d));
        if !directive {
            break;
        }
        file_start += candidate.len();
    }
    let file = crate::diagnostic::Edit::insert(
        file_start,
        format!("{marker} preflight-ignore-file: {}{newline}", finding.rule),
    );
    vec![
        (format!("Ignore `{}` on this line", finding.rule), line),
        (format!("Ignore `{}` in this file", finding.rule), file),
    ]
}

/// Severities the editor's `rules` setting asks for, over the configuration's.
fn apply_overrides(overrides: &HashMap<String, RuleLevel>, findings: &mut Vec<Finding>) {
    if overrides.is_empty() {
        return;
    }
    findings.retain_mut(|finding| match overrides.get(finding.rule) {
        Some(level) => match level.resolve(finding.severity) {
            Some(severity) => {
                finding.severity = severity;
                true
            }
            None => false,
        },
        None => true,
    });
}

/// Parses (reusing `old_tree` when given) and analyses one text.
#[allow(clippy::too_many_arguments)]
fn analyse(
    engine: &Engine,
    root: Option<PathBuf>,
    path: &str,
    language: Language,
    text: Arc<str>,
    old_tree: Option<Tree>,
    info: &ProjectInfo,
    config: &EffectiveConfig,
    overrides: &HashMap<String, RuleLevel>,
) -> Analysed {
    let tree = engine.parse(language, &text, old_tree.as_ref());
    let file = SourceFile {
        path,
        text: &text,
        language,
        declared_script: config.is_script(path),
    };
    let disk;
    let fs: &dyn crate::project::FileSystem = match &root {
        Some(root) => {
            disk = DiskFileSystem::new(root);
            &disk
        }
        None => &NoFileSystem,
    };
    let mut analysis = engine.analyze_tree(&file, &tree, info, fs);
    crate::scan::apply_severities(config, path, &mut analysis.findings);
    apply_overrides(overrides, &mut analysis.findings);
    Analysed {
        text: text.clone(),
        tree: Some(tree),
        analysis,
    }
}
