//! The one task that owns the server's state and applies every message in arrival order.

use super::FIX_ALL_KIND;
use super::actions::{self, ActionData, ActionInput, ActionKind};
use super::convert::{self, Lines};
use super::document::{Document, SourceDocument};
use super::workspace::{IndexedFile, Workspace, apply_overrides};
use crate::config::{EffectiveConfig, RuleLevel};
use crate::diagnostic::Finding;
use crate::engine::{Engine, FileAnalysis, Reusable, SourceFile};
use crate::position::{ColumnUnit, LineIndex};
use crate::project::{NoFileSystem, OverlayFileSystem, ProjectInfo};
use crate::scan::{ScanOptions, ScanReport};
use crate::suppress::Suppressions;
use preflight_grammars::Language;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::*;
use tree_sitter::Tree;

/// How long edits must pause before a document is analysed.
const DEBOUNCE: Duration = Duration::from_millis(50);

/// What the client can do, from its `initialize` capabilities.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientFeatures {
    /// Shows `$/progress`.
    pub progress: bool,
    /// Pulls diagnostics (`textDocument/diagnostic`): then nothing is pushed.
    pub pull: bool,
    /// Handles `workspace/diagnostic/refresh`.
    pub refresh: bool,
    /// Resolves code actions lazily (`codeAction/resolve` of `edit`).
    pub resolve: bool,
    /// What the client accepts in workspace edits (fixes that create or change other files).
    pub edit_support: convert::EditSupport,
}

pub enum Msg {
    Initialize {
        roots: Vec<PathBuf>,
        encoding: ColumnUnit,
        settings: Option<serde_json::Value>,
        features: ClientFeatures,
    },
    Settings {
        settings: Option<serde_json::Value>,
    },
    /// Workspace folders were added or removed.
    Folders {
        added: Vec<PathBuf>,
        removed: Vec<PathBuf>,
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
    /// Scan every workspace folder (`startup`: the automatic scan after `initialized`).
    ScanWorkspace {
        startup: bool,
    },
    ScanDone {
        root: PathBuf,
        report: Box<Result<ScanReport, String>>,
    },
    /// Files changed on disk (`workspace/didChangeWatchedFiles`).
    FilesChanged {
        uris: Vec<Uri>,
    },
    CodeAction {
        params: Box<CodeActionParams>,
        reply: oneshot::Sender<Option<CodeActionResponse>>,
    },
    ResolveCodeAction {
        action: Box<CodeAction>,
        reply: oneshot::Sender<Result<CodeAction, ResolveError>>,
    },
    Hover {
        params: HoverParams,
        reply: oneshot::Sender<Option<Hover>>,
    },
    /// `textDocument/diagnostic`.
    PullDocument {
        uri: Uri,
        previous: Option<String>,
        reply: oneshot::Sender<DocumentDiagnosticReportResult>,
    },
    /// `workspace/diagnostic`.
    PullWorkspace {
        previous: Vec<PreviousResultId>,
        reply: oneshot::Sender<WorkspaceDiagnosticReportResult>,
    },
}

/// Why an action could not be resolved.
#[derive(Debug)]
pub enum ResolveError {
    /// The action does not come from this server.
    Invalid,
    /// The document changed since the action was offered.
    ContentModified,
}

/// What analysing one text produced.
pub struct Analysed {
    text: Arc<str>,
    tree: Option<Tree>,
    analysis: FileAnalysis,
    /// What the next analysis of this document can reuse.
    reusable: Option<Reusable>,
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

/// Where an open document lives: its workspace folder and its path inside it.
#[derive(Clone, PartialEq, Eq)]
struct Location {
    root: PathBuf,
    rel: String,
}

/// The last analysis of an open document.
struct DocumentAnalysis {
    version: i32,
    text: Arc<str>,
    findings: Vec<Finding>,
    suppressions: Suppressions,
}

/// A `textDocument/diagnostic` waiting for the analysis of the current version.
type WaitingPull = (
    Option<String>,
    oneshot::Sender<DocumentDiagnosticReportResult>,
);

struct OpenDocument {
    document: Document,
    /// The workspace folder and path, or `None` outside every folder.
    location: Option<Location>,
    /// The last analysis that matched the document's version at the time.
    analysed: Option<DocumentAnalysis>,
    debounce_pending: bool,
    in_flight: bool,
    /// The document is over the size limit; said once.
    too_large: bool,
    waiting: Vec<WaitingPull>,
    /// What the last analysis left for the next one to reuse (taken while one runs).
    reusable: Option<Reusable>,
    /// Files the analysis reads (an ignore file, a compose file) changed while it ran: its
    /// result is outdated, and it runs again.
    stale: bool,
}

/// An open fact source: a file that is not analysed but that analyses and project rules read
/// (RULES.md §7.2).
struct OpenSource {
    document: SourceDocument,
    location: Location,
    debounce_pending: bool,
}

/// Which analyses a fact source feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SourceKind {
    /// Dockerfile rules read it through the build context: `.dockerignore`, compose files,
    /// `package.json`, `tsconfig*.json`.
    dockerfiles: bool,
    /// Project rules of the projects at or below its folder read it: env example and compose
    /// files.
    projects: bool,
    /// A manifest (`package.json`, `pyproject.toml`, `requirements*.txt`): what it says of the
    /// project's dependencies and scripts feeds every analysis of the project's files.
    manifest: bool,
}

impl SourceKind {
    /// The kind of a file name; `None` when no rule reads such a file.
    fn of(name: &str) -> Option<SourceKind> {
        use crate::project::{compose, dotenv};
        let compose = compose::is_compose_file(name);
        let kind = SourceKind {
            dockerfiles: compose
                || name == ".dockerignore"
                || name.ends_with(".dockerignore")
                || name == "package.json"
                || (name.starts_with("tsconfig") && name.ends_with(".json")),
            projects: compose || dotenv::is_example_file(name),
            manifest: crate::project::manifest::is_manifest(name)
                && Language::from_file_name(name).is_none(),
        };
        (kind.dockerfiles || kind.projects || kind.manifest).then_some(kind)
    }
}

impl OpenDocument {
    /// Whether an analysis of the current version is done and none is coming.
    fn settled(&self) -> bool {
        !self.in_flight
            && !self.debounce_pending
            && (self.too_large
                || self
                    .analysed
                    .as_ref()
                    .is_some_and(|a| a.version == self.document.version))
    }
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
    features: ClientFeatures,
    settings: Settings,
    workspaces: Vec<Workspace>,
    documents: HashMap<Uri, OpenDocument>,
    /// Open fact sources (files Preflight reads but does not analyse).
    sources: HashMap<Uri, OpenSource>,
    /// Push: files whose diagnostics were published non-empty, to clear them when they go away.
    published: HashSet<Uri>,
    /// Pull: the result id the client last received for each file.
    reported: HashMap<Uri, String>,
    /// Pull: an open document's diagnostics changed without the client asking.
    needs_refresh: bool,
    /// Configuration errors shown, by file, with their text.
    config_errors_shown: HashMap<Uri, String>,
    /// Pull: a `workspace/diagnostic` held until something changes (long poll).
    held_workspace_pull: Option<(
        HashMap<Uri, String>,
        oneshot::Sender<WorkspaceDiagnosticReportResult>,
    )>,
    scans: u32,
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
            features: ClientFeatures::default(),
            settings: Settings::parse(None),
            workspaces: Vec::new(),
            documents: HashMap::new(),
            sources: HashMap::new(),
            published: HashSet::new(),
            reported: HashMap::new(),
            needs_refresh: false,
            held_workspace_pull: None,
            config_errors_shown: HashMap::new(),
            scans: 0,
        }
    }

    pub async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        while let Some(msg) = rx.recv().await {
            self.handle(msg);
            self.after_message();
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Initialize {
                roots,
                encoding,
                settings,
                features,
            } => {
                self.features = features;
                self.encoding = encoding;
                self.settings = Settings::parse(settings.as_ref());
                for root in roots {
                    self.add_workspace(root);
                }
            }
            Msg::Settings { settings } => {
                self.settings = Settings::parse(settings.as_ref());
                self.reload_config();
                self.reanalyse_open_documents();
            }
            Msg::Folders { added, removed } => self.change_folders(added, removed),
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
                if let Some(source) = self.sources.get_mut(&uri) {
                    source.debounce_pending = false;
                    self.source_edited(&uri);
                    return;
                }
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
                    let roots: Vec<PathBuf> =
                        self.workspaces.iter().map(|w| w.root.clone()).collect();
                    for root in roots {
                        self.scan_workspace(&root);
                    }
                }
            }
            Msg::ScanDone { root, report } => self.scan_done(&root, *report),
            Msg::FilesChanged { uris } => self.files_changed(&uris),
            Msg::CodeAction { params, reply } => {
                let _ = reply.send(self.code_actions(&params));
            }
            Msg::ResolveCodeAction { action, reply } => {
                let _ = reply.send(self.resolve_code_action(*action));
            }
            Msg::Hover { params, reply } => {
                let _ = reply.send(self.hover(&params));
            }
            Msg::PullDocument {
                uri,
                previous,
                reply,
            } => self.pull_document(uri, previous, reply),
            Msg::PullWorkspace { previous, reply } => self.pull_workspace(previous, reply),
        }
    }

    /// Work owed to a pulling client once a message is handled: a refresh when open documents'
    /// diagnostics changed behind its back, and the answer to a held workspace pull.
    fn after_message(&mut self) {
        self.report_config_errors();
        if !self.features.pull {
            return;
        }
        if std::mem::take(&mut self.needs_refresh) && self.features.refresh {
            // A client round-trip: spawned, never awaited on the state task.
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(error) = client.workspace_diagnostic_refresh().await {
                    tracing::debug!("diagnostic refresh: {error}");
                }
            });
        }
        if let Some((previous, reply)) = self.held_workspace_pull.take() {
            if reply.is_closed() {
                return; // cancelled
            }
            let report = self.workspace_report(&previous);
            if report
                .items
                .iter()
                .all(|item| matches!(item, WorkspaceDocumentDiagnosticReport::Unchanged(_)))
            {
                self.held_workspace_pull = Some((previous, reply));
            } else {
                self.remember_workspace_report(&report);
                let _ = reply.send(WorkspaceDiagnosticReportResult::Report(report));
            }
        }
    }

    fn log(&self, kind: MessageType, message: String) {
        let client = self.client.clone();
        tokio::spawn(async move { client.log_message(kind, message).await });
    }

    fn reload_config(&mut self) {
        let config_path = self.settings.config_path.clone();
        for workspace in &mut self.workspaces {
            workspace.reload_config(config_path.as_deref());
        }
    }

    /// Shows configuration errors that appeared (a window message, and a diagnostic on the
    /// file) and clears the diagnostics of those that are gone.
    fn report_config_errors(&mut self) {
        let mut current: HashMap<Uri, String> = HashMap::new();
        for workspace in &self.workspaces {
            for (path, error) in workspace.config_errors.borrow().iter() {
                if let Some(uri) = Uri::from_file_path(path) {
                    current.insert(uri, error.to_string());
                }
            }
        }
        if current == self.config_errors_shown {
            return;
        }
        let previous = std::mem::replace(&mut self.config_errors_shown, current.clone());
        for (uri, message) in &current {
            if previous.get(uri) != Some(message) {
                let message = format!(
                    "Preflight: invalid configuration (the last valid one stays in force): {message}"
                );
                let client = self.client.clone();
                tokio::spawn(async move {
                    client.show_message(MessageType::ERROR, message).await;
                });
            }
        }
        let uris: HashSet<Uri> = previous.into_keys().chain(current.into_keys()).collect();
        for uri in uris {
            self.publish(&uri);
        }
    }

    /// The diagnostic of an invalid configuration file.
    fn config_diagnostics(&self, path: &Path) -> Option<Vec<Diagnostic>> {
        let error = self
            .workspaces
            .iter()
            .find_map(|w| w.config_errors.borrow().get(path).cloned())?;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let index = LineIndex::new(&text);
        let lines = Lines {
            text: &text,
            index: &index,
            unit: self.encoding,
        };
        let span = error
            .span
            .clone()
            .filter(|span| span.end <= text.len())
            .unwrap_or(0..0);
        Some(vec![Diagnostic {
            range: lines.range(&span),
            severity: Some(DiagnosticSeverity::ERROR),
            code: Some(NumberOrString::String("invalid-config".into())),
            source: Some("preflight".into()),
            message: match &error.key {
                Some(key) => format!("{} (`{key}`)", error.message),
                None => error.message.clone(),
            },
            ..Diagnostic::default()
        }])
    }

    /// Analyses again the open documents of the project rooted at `dir` in a workspace folder.
    fn reanalyse_open_documents_of(&mut self, root: &Path, dir: &str) {
        let Some(workspace) = self.workspace(root) else {
            return;
        };
        let uris: Vec<Uri> = self
            .documents
            .iter()
            .filter(|(_, doc)| {
                doc.location
                    .as_ref()
                    .is_some_and(|l| l.root == root && workspace.project_of(&l.rel) == dir)
            })
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in uris {
            self.start_analysis(&uri);
        }
    }

    fn reanalyse_open_documents(&mut self) {
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in uris {
            self.start_analysis(&uri);
        }
    }

    fn add_workspace(&mut self, root: PathBuf) {
        if self.workspaces.iter().any(|w| w.root == root) {
            return;
        }
        let mut workspace = Workspace::new(root);
        workspace.reload_config(self.settings.config_path.as_deref());
        self.workspaces.push(workspace);
    }

    fn change_folders(&mut self, added: Vec<PathBuf>, removed: Vec<PathBuf>) {
        for root in removed {
            let Some(at) = self.workspaces.iter().position(|w| w.root == root) else {
                continue;
            };
            let workspace = self.workspaces.remove(at);
            // Its closed files' diagnostics go away with it.
            for rel in workspace.files.keys() {
                if let Some(uri) = workspace.uri_of(rel)
                    && !self.documents.contains_key(&uri)
                {
                    self.clear(&uri);
                }
            }
        }
        let mut new_roots = Vec::new();
        for root in added {
            if !self.workspaces.iter().any(|w| w.root == root) {
                self.add_workspace(root.clone());
                new_roots.push(root);
            }
        }
        // Open documents may now belong to another folder, or to none.
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in uris {
            let location = self.locate(&uri);
            let doc = self.documents.get_mut(&uri).expect("listed above");
            if doc.location != location {
                doc.location = location;
                self.start_analysis(&uri);
            }
        }
        for root in new_roots {
            self.scan_workspace(&root);
        }
    }

    fn files_changed(&mut self, uris: &[Uri]) {
        let config_changed = uris.iter().any(|uri| {
            uri.to_file_path()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .is_some_and(|name| crate::config::is_config_file_name(&name))
        });
        if config_changed {
            self.reload_config();
            self.reanalyse_open_documents();
        }
        // Manifests, Dockerfiles and closed sources feed project facts: re-scan the folders
        // they are in. The scan reads only the disk; open documents keep their buffers.
        let mut roots: Vec<PathBuf> = uris
            .iter()
            .filter_map(|uri| uri.to_file_path())
            .filter_map(|path| self.workspace_for(&path).map(|w| w.root.clone()))
            .collect();
        roots.sort();
        roots.dedup();
        for root in roots {
            self.scan_workspace(&root);
        }
    }

    /// The innermost workspace folder holding `path`.
    fn workspace_for(&self, path: &Path) -> Option<&Workspace> {
        self.workspaces
            .iter()
            .filter(|w| path.starts_with(&w.root))
            .max_by_key(|w| w.root.as_os_str().len())
    }

    fn workspace(&self, root: &Path) -> Option<&Workspace> {
        self.workspaces.iter().find(|w| w.root == root)
    }

    fn workspace_mut(&mut self, root: &Path) -> Option<&mut Workspace> {
        self.workspaces.iter_mut().find(|w| w.root == root)
    }

    fn locate(&self, uri: &Uri) -> Option<Location> {
        let path = uri.to_file_path()?;
        let workspace = self.workspace_for(&path)?;
        Some(Location {
            root: workspace.root.clone(),
            rel: workspace.relative(&path)?,
        })
    }

    fn open(&mut self, uri: Uri, version: i32, language_id: &str, text: &str) {
        let file_name = uri
            .to_file_path()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        let language = Language::from_language_id(language_id)
            .or_else(|| file_name.as_deref().and_then(Language::from_file_name));
        let Some(language) = language else {
            if file_name.as_deref().and_then(SourceKind::of).is_some()
                && let Some(location) = self.locate(&uri)
            {
                let document = SourceDocument::new(version, text);
                self.sources.insert(
                    uri.clone(),
                    OpenSource {
                        document,
                        location,
                        debounce_pending: false,
                    },
                );
                self.source_edited(&uri);
            }
            return;
        };
        let location = self.locate(&uri);
        self.documents.insert(
            uri.clone(),
            OpenDocument {
                document: Document::new(version, language, text),
                location,
                analysed: None,
                debounce_pending: false,
                in_flight: false,
                too_large: false,
                waiting: Vec::new(),
                reusable: None,
                stale: false,
            },
        );
        self.start_analysis(&uri);
    }

    fn change(&mut self, uri: &Uri, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        let encoding = self.encoding;
        if let Some(source) = self.sources.get_mut(uri) {
            source.document.apply(changes, encoding);
            source.document.version = version;
            if !std::mem::replace(&mut source.debounce_pending, true) {
                self.debounce(uri);
            }
            return;
        }
        let Some(doc) = self.documents.get_mut(uri) else {
            tracing::warn!(
                "didChange for a document that is not open: {}",
                uri.as_str()
            );
            return;
        };
        let full_text = changes.iter().rposition(|c| c.range.is_none());
        if version <= doc.document.version && full_text.is_none() {
            // The client and the server disagree on the document's history: an incremental
            // change cannot be trusted. Read the file again rather than guess.
            let reread = uri
                .to_file_path()
                .and_then(|path| std::fs::read_to_string(&path).ok());
            let message = format!(
                "version of {} went from {} to {}: {}",
                uri.as_str(),
                doc.document.version,
                version,
                if reread.is_some() {
                    "the document was re-read from disk"
                } else {
                    "it cannot be re-read; the change was applied"
                }
            );
            tracing::warn!("{message}");
            match reread {
                Some(text) => doc.document = Document::new(version, doc.document.language, &text),
                None => doc.document.apply(changes, encoding),
            }
            self.log(MessageType::WARNING, format!("Preflight: {message}"));
        } else {
            doc.document.apply(changes, encoding);
        }
        let doc = self.documents.get_mut(uri).expect("checked above");
        doc.document.version = version;
        if !std::mem::replace(&mut doc.debounce_pending, true) {
            self.debounce(uri);
        }
    }

    /// Asks for `Msg::Analyze` of `uri` once edits pause.
    fn debounce(&self, uri: &Uri) {
        let tx = self.tx.clone();
        let uri = uri.clone();
        tokio::spawn(async move {
            tokio::time::sleep(DEBOUNCE).await;
            let _ = tx.send(Msg::Analyze { uri });
        });
    }

    /// An open fact source's text settled: it is what analyses read of that file from now on.
    fn source_edited(&mut self, uri: &Uri) {
        let Some(source) = self.sources.get(uri) else {
            return;
        };
        let text: Arc<str> = Arc::from(source.document.text());
        let location = source.location.clone();
        let changed = self
            .workspace_mut(&location.root)
            .is_some_and(|w| w.set_buffer(&location.rel, Some(text)));
        if changed {
            self.source_changed(&location);
        }
    }

    /// A fact source changed (its buffer, or its disk file once closed): re-runs what reads it
    /// (RULES.md §7.2) and publishes what changed.
    fn source_changed(&mut self, location: &Location) {
        let (dir, name) = location.rel.rsplit_once('/').unwrap_or(("", &location.rel));
        let Some(kind) = SourceKind::of(name) else {
            return;
        };
        if kind.dockerfiles {
            self.reanalyse_dockerfiles(&location.root);
        }
        // For a manifest, open files of the project are analysed again (their project rules
        // follow); closed ones keep what the disk's manifest gave until it is saved.
        if kind.manifest
            && self
                .workspace_mut(&location.root)
                .is_some_and(|w| w.refresh_project(dir))
        {
            self.reanalyse_open_documents_of(&location.root, dir);
        }
        if kind.projects {
            let engine = self.engine.clone();
            let overrides = self.settings.rules.clone();
            let Some(workspace) = self.workspace_mut(&location.root) else {
                return;
            };
            let mut touched = Vec::new();
            for project in workspace.projects_under(dir) {
                touched.extend(workspace.run_project_rules(&engine, &overrides, &project));
            }
            self.publish_files(&location.root, &touched);
        }
    }

    /// Publishes the diagnostics of these files of a workspace folder.
    fn publish_files(&mut self, root: &Path, rels: &[String]) {
        let Some(workspace) = self.workspace(root) else {
            return;
        };
        let uris: Vec<Uri> = rels
            .iter()
            .filter_map(|rel| workspace.uri_of(rel))
            .collect();
        for uri in uris {
            self.publish(&uri);
        }
    }

    /// Analyses every Dockerfile of a workspace folder again, for what their build contexts
    /// hold changed: open ones from their buffers, closed ones from the disk.
    fn reanalyse_dockerfiles(&mut self, root: &Path) {
        let open = self.reanalyse_open_dockerfiles(root);
        let Some(workspace) = self.workspace(root) else {
            return;
        };
        let closed: Vec<String> = workspace
            .files
            .keys()
            .filter(|rel| {
                let name = rel.rsplit('/').next().unwrap_or(rel);
                Language::from_file_name(name) == Some(Language::Dockerfile) && !open.contains(*rel)
            })
            .cloned()
            .collect();
        for rel in closed {
            let location = Location {
                root: root.to_path_buf(),
                rel,
            };
            let path = root.join(&location.rel);
            let Ok(source) = crate::scan::read_source(&path, crate::source::DEFAULT_MAX_FILE_SIZE)
            else {
                continue;
            };
            match self.analyse_now(&location, Language::Dockerfile, Arc::from(source.text)) {
                Ok(analysed) => self.update_file(&location, analysed),
                Err(message) => self.forget_failed(&location, &message),
            }
        }
    }

    /// Analyses the open Dockerfiles of a workspace folder again (one running is marked stale);
    /// returns their paths.
    fn reanalyse_open_dockerfiles(&mut self, root: &Path) -> HashSet<String> {
        let open: Vec<(Uri, String)> = self
            .documents
            .iter()
            .filter(|(_, doc)| doc.document.language == Language::Dockerfile)
            .filter_map(|(uri, doc)| {
                let location = doc.location.as_ref()?;
                (location.root == root).then(|| (uri.clone(), location.rel.clone()))
            })
            .collect();
        for (uri, _) in &open {
            let Some(doc) = self.documents.get_mut(uri) else {
                continue;
            };
            if doc.in_flight {
                doc.stale = true;
            } else if !doc.debounce_pending {
                self.start_analysis(uri);
            }
        }
        open.into_iter().map(|(_, rel)| rel).collect()
    }

    fn close(&mut self, uri: &Uri) {
        if let Some(source) = self.sources.remove(uri) {
            // The disk is the truth again.
            let location = source.location;
            let changed = self
                .workspace_mut(&location.root)
                .is_some_and(|w| w.set_buffer(&location.rel, None));
            if changed {
                self.source_changed(&location);
            }
            return;
        }
        let Some(doc) = self.documents.remove(uri) else {
            return;
        };
        for (_, reply) in doc.waiting {
            let _ = reply.send(empty_document_report());
        }
        let Some(location) = doc.location else {
            self.clear(uri);
            return;
        };
        // A workspace file: its facts and findings go back to what is on disk.
        if let Some(workspace) = self.workspace_mut(&location.root) {
            workspace.set_buffer(&location.rel, None);
        }
        let path = location.root.join(&location.rel);
        match crate::scan::read_source(&path, crate::source::DEFAULT_MAX_FILE_SIZE) {
            Ok(source) => {
                let text: Arc<str> = Arc::from(source.text);
                match self.analyse_now(&location, doc.document.language, text) {
                    Ok(analysed) => self.update_file(&location, analysed),
                    Err(message) => {
                        self.forget_failed(&location, &message);
                        self.clear(uri);
                    }
                }
            }
            Err(_) => {
                if let Some(workspace) = self.workspace_mut(&location.root) {
                    workspace.files.remove(&location.rel);
                    workspace.project_findings.remove(&location.rel);
                }
                self.clear(uri);
            }
        }
    }

    /// The inputs of an analysis, gathered on the state task.
    fn analysis_inputs(
        &self,
        location: Option<&Location>,
    ) -> (ProjectInfo, Arc<EffectiveConfig>, Option<OverlayFileSystem>) {
        match location.and_then(|l| Some((l, self.workspace(&l.root)?))) {
            Some((location, workspace)) => {
                let (info, config) = workspace.analysis_inputs(&location.rel);
                (info, config, Some(workspace.file_system()))
            }
            None => (
                ProjectInfo::default(),
                Arc::new(EffectiveConfig::default()),
                None,
            ),
        }
    }

    /// Logs an analysis that failed and drops what the workspace knew of its file.
    fn forget_failed(&mut self, location: &Location, message: &str) {
        self.log(MessageType::ERROR, format!("Preflight: {message}"));
        if let Some(workspace) = self.workspace_mut(&location.root) {
            workspace.files.remove(&location.rel);
            workspace.project_findings.remove(&location.rel);
        }
    }

    fn analyse_now(
        &self,
        location: &Location,
        language: Language,
        text: Arc<str>,
    ) -> Result<Analysed, String> {
        let (info, config, fs) = self.analysis_inputs(Some(location));
        crate::scan::guarded(|| {
            analyse(
                &self.engine,
                fs,
                &location.rel,
                language,
                text,
                None,
                &info,
                &config,
                &self.settings.rules,
            )
        })
        .and_then(|analysed| analysed)
        .map_err(|message| format!("{}: {message}", location.rel))
    }

    fn start_analysis(&mut self, uri: &Uri) {
        let Some(doc) = self.documents.get(uri) else {
            return;
        };
        if doc.in_flight || doc.debounce_pending {
            return; // the finished run (or the debounce) starts the next one
        }
        let location = doc.location.clone();
        let path = match &location {
            Some(location) => location.rel.clone(),
            None => uri
                .to_file_path()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_default(),
        };
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
            // Whatever was shown no longer matches the text.
            let doc = self.documents.get_mut(uri).expect("checked above");
            doc.analysed = None;
            for (_, reply) in std::mem::take(&mut doc.waiting) {
                let _ = reply.send(empty_document_report());
            }
            return;
        }
        doc.too_large = false;
        doc.in_flight = true;
        let version = doc.document.version;
        let language = doc.document.language;
        let text: Arc<str> = Arc::from(doc.document.text());
        let old_tree = doc.document.tree.clone();
        let previous = doc.reusable.take();
        // Other files' analyses and project rules read this buffer, not the disk.
        if let Some(location) = &location
            && let Some(workspace) = self.workspace_mut(&location.root)
        {
            workspace.set_buffer(&location.rel, Some(text.clone()));
        }
        let (info, config, fs) = self.analysis_inputs(location.as_ref());
        let engine = self.engine.clone();
        let overrides = self.settings.rules.clone();
        let tx = self.tx.clone();
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || {
            let outcome = crate::scan::guarded(|| {
                analyse(
                    &engine,
                    fs,
                    &path,
                    language,
                    text,
                    Some((old_tree, previous)),
                    &info,
                    &config,
                    &overrides,
                )
            })
            .and_then(|analysed| analysed)
            .map_err(|message| format!("{path}: {message}"));
            let _ = tx.send(Msg::Analysed {
                uri,
                version,
                outcome: Box::new(outcome),
            });
        });
    }

    fn analysed(&mut self, uri: Uri, version: i32, mut outcome: Result<Analysed, String>) {
        let Some(doc) = self.documents.get_mut(&uri) else {
            return;
        };
        doc.in_flight = false;
        if let Ok(analysed) = &mut outcome {
            // Valid for the text it analysed, whatever the document's version is now.
            doc.reusable = analysed.reusable.take();
        }
        let inputs_changed = std::mem::take(&mut doc.stale);
        if doc.document.version != version || inputs_changed {
            // Stale: the document, or a file its analysis reads, changed meanwhile. Never
            // publish; analyse again.
            self.start_analysis(&uri);
            return;
        }
        let analysed = match outcome {
            Ok(analysed) => analysed,
            Err(message) => {
                self.log(MessageType::ERROR, format!("Preflight: {message}"));
                let doc = self.documents.get_mut(&uri).expect("checked above");
                for (_, reply) in std::mem::take(&mut doc.waiting) {
                    let _ = reply.send(empty_document_report());
                }
                return;
            }
        };
        if let Some(tree) = &analysed.tree {
            doc.document.tree = Some(tree.clone());
        }
        doc.analysed = Some(DocumentAnalysis {
            version,
            text: analysed.text.clone(),
            findings: analysed.analysis.findings.clone(),
            suppressions: analysed.analysis.suppressions.clone(),
        });
        match doc.location.clone() {
            Some(location) => self.update_file(&location, analysed),
            None => self.publish(&uri),
        }
    }

    /// Records a file's new analysis; re-runs its project's rules when its facts changed and
    /// publishes every file whose diagnostics may have changed.
    fn update_file(&mut self, location: &Location, analysed: Analysed) {
        let engine = self.engine.clone();
        let overrides = self.settings.rules.clone();
        let Some(workspace) = self.workspace_mut(&location.root) else {
            return;
        };
        let rel = location.rel.as_str();
        let project = workspace.project_of(rel);
        let (_, config) = workspace.analysis_inputs(rel);
        let facts_changed = workspace.files.get(rel).is_none_or(|old| {
            old.facts != analysed.analysis.facts
                || old.suppressions != analysed.analysis.suppressions
        });
        let keep_text = !analysed.analysis.findings.is_empty();
        workspace.files.insert(
            rel.to_string(),
            IndexedFile {
                project: project.clone(),
                facts: analysed.analysis.facts,
                suppressions: analysed.analysis.suppressions,
                findings: analysed.analysis.findings,
                text: keep_text.then(|| analysed.text.clone()),
                config,
                config_rel: rel.to_string(),
                partial_facts: false,
            },
        );
        let mut touched = vec![rel.to_string()];
        if facts_changed {
            touched.extend(workspace.run_project_rules(&engine, &overrides, &project));
        }
        touched.sort();
        touched.dedup();
        self.publish_files(&location.root, &touched);
    }

    /// The diagnostics of one file as things stand, with the document version they are for.
    /// `None` for an open document not analysed yet.
    fn diagnostics_of(&self, uri: &Uri) -> Option<(Vec<Diagnostic>, Option<i32>)> {
        let path = uri.to_file_path();
        if let Some(diagnostics) = path.as_deref().and_then(|p| self.config_diagnostics(p)) {
            return Some((diagnostics, None));
        }
        let workspace = path.as_deref().and_then(|p| self.workspace_for(p));
        let rel = workspace
            .zip(path.as_deref())
            .and_then(|(w, p)| w.relative(p));
        let indexed = workspace.zip(rel.as_deref());
        let (text, mut findings, version): (Option<Arc<str>>, Vec<Finding>, Option<i32>) =
            match self.documents.get(uri) {
                Some(doc) => match &doc.analysed {
                    Some(analysis) => (
                        Some(analysis.text.clone()),
                        analysis.findings.clone(),
                        Some(analysis.version),
                    ),
                    None if doc.too_large => (None, Vec::new(), Some(doc.document.version)),
                    None => return None,
                },
                None => match indexed.and_then(|(w, rel)| w.files.get(rel)) {
                    Some(file) => (file.text.clone(), file.findings.clone(), None),
                    None => (None, Vec::new(), None),
                },
            };
        if let Some((workspace, rel)) = indexed {
            workspace.drop_waived(rel, &mut findings);
            if let Some(project) = workspace.project_findings.get(rel) {
                findings.extend(project.iter().cloned());
            }
        }
        if !self.settings.enabled {
            findings.clear();
        }
        let text = match text {
            Some(text) => Some(text),
            None if !findings.is_empty() => path
                .as_deref()
                .and_then(|p| std::fs::read_to_string(p).ok())
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
        Some((diagnostics, version))
    }

    /// Tells the client the diagnostics of one file changed: publishes them (push), or answers
    /// the pulls waiting for them and notes what the client has not seen (pull).
    fn publish(&mut self, uri: &Uri) {
        let Some((diagnostics, version)) = self.diagnostics_of(uri) else {
            return;
        };
        if self.features.pull {
            let id = result_id(&diagnostics);
            // Pulls wait for the analysis of the version they were sent after.
            let waiting = self
                .documents
                .get_mut(uri)
                .filter(|doc| doc.settled())
                .map(|doc| std::mem::take(&mut doc.waiting))
                .unwrap_or_default();
            let answered = !waiting.is_empty();
            for (previous, reply) in waiting {
                let _ = reply.send(document_report(&diagnostics, &id, previous.as_deref()));
            }
            if answered {
                self.reported.insert(uri.clone(), id);
            } else if self.reported.get(uri) != Some(&id) {
                // Open documents are pulled again after a refresh; closed files are reported
                // by the held workspace pull.
                if self.documents.get(uri).is_some_and(OpenDocument::settled) {
                    self.needs_refresh = true;
                }
            }
            return;
        }
        if diagnostics.is_empty() && !self.published.remove(uri) && version.is_none() {
            return; // nothing shown before, nothing to show now
        }
        if !diagnostics.is_empty() {
            self.published.insert(uri.clone());
        }
        let _ = self.outgoing.send((uri.clone(), diagnostics, version));
    }

    /// Removes whatever the client shows for a file that is gone.
    fn clear(&mut self, uri: &Uri) {
        if self.features.pull {
            if self
                .reported
                .get(uri)
                .is_some_and(|id| *id != result_id(&[]))
            {
                self.needs_refresh = true;
            }
            return;
        }
        self.published.remove(uri);
        let _ = self.outgoing.send((uri.clone(), Vec::new(), None));
    }

    fn pull_document(
        &mut self,
        uri: Uri,
        previous: Option<String>,
        reply: oneshot::Sender<DocumentDiagnosticReportResult>,
    ) {
        if let Some(doc) = self.documents.get_mut(&uri)
            && !doc.settled()
        {
            // Answered when the analysis of the current version lands.
            doc.waiting.push((previous, reply));
            return;
        }
        let diagnostics = self
            .diagnostics_of(&uri)
            .map(|(diagnostics, _)| diagnostics)
            .unwrap_or_default();
        let id = result_id(&diagnostics);
        let _ = reply.send(document_report(&diagnostics, &id, previous.as_deref()));
        self.reported.insert(uri, id);
    }

    fn pull_workspace(
        &mut self,
        previous: Vec<PreviousResultId>,
        reply: oneshot::Sender<WorkspaceDiagnosticReportResult>,
    ) {
        let previous: HashMap<Uri, String> =
            previous.into_iter().map(|p| (p.uri, p.value)).collect();
        let report = self.workspace_report(&previous);
        let nothing_new = report
            .items
            .iter()
            .all(|item| matches!(item, WorkspaceDocumentDiagnosticReport::Unchanged(_)));
        if nothing_new {
            // Long poll: answer when something changes. Clients re-ask as soon as they get an
            // answer, so answering now would spin. One request is held at a time.
            if let Some((old_previous, old_reply)) = self.held_workspace_pull.take() {
                let old = self.workspace_report(&old_previous);
                let _ = old_reply.send(WorkspaceDiagnosticReportResult::Report(old));
            }
            self.held_workspace_pull = Some((previous, reply));
            return;
        }
        self.remember_workspace_report(&report);
        let _ = reply.send(WorkspaceDiagnosticReportResult::Report(report));
    }

    /// Diagnostics of every closed file the workspace scans know of: full reports where they
    /// differ from `previous`, unchanged ones where they do not, and empty ones for files the
    /// client still shows but that have nothing left.
    fn workspace_report(&self, previous: &HashMap<Uri, String>) -> WorkspaceDiagnosticReport {
        let mut uris: Vec<Uri> = self
            .workspaces
            .iter()
            .flat_map(|w| {
                w.files
                    .iter()
                    .filter(|(rel, file)| {
                        !file.findings.is_empty() || w.project_findings.contains_key(*rel)
                    })
                    .filter_map(|(rel, _)| w.uri_of(rel))
            })
            .filter(|uri| !self.documents.contains_key(uri))
            .collect();
        uris.extend(
            previous
                .keys()
                .filter(|uri| !self.documents.contains_key(*uri))
                .cloned(),
        );
        uris.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        uris.dedup();
        let items = uris
            .into_iter()
            .map(|uri| {
                let diagnostics = self
                    .diagnostics_of(&uri)
                    .map(|(d, _)| d)
                    .unwrap_or_default();
                let id = result_id(&diagnostics);
                if previous.get(&uri) == Some(&id) {
                    WorkspaceDocumentDiagnosticReport::Unchanged(
                        WorkspaceUnchangedDocumentDiagnosticReport {
                            uri,
                            version: None,
                            unchanged_document_diagnostic_report:
                                UnchangedDocumentDiagnosticReport { result_id: id },
                        },
                    )
                } else {
                    WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
                        uri,
                        version: None,
                        full_document_diagnostic_report: FullDocumentDiagnosticReport {
                            result_id: Some(id),
                            items: diagnostics,
                        },
                    })
                }
            })
            .collect();
        WorkspaceDiagnosticReport { items }
    }

    fn remember_workspace_report(&mut self, report: &WorkspaceDiagnosticReport) {
        for item in &report.items {
            match item {
                WorkspaceDocumentDiagnosticReport::Full(full) => {
                    if let Some(id) = &full.full_document_diagnostic_report.result_id {
                        self.reported.insert(full.uri.clone(), id.clone());
                    }
                }
                WorkspaceDocumentDiagnosticReport::Unchanged(unchanged) => {
                    self.reported.insert(
                        unchanged.uri.clone(),
                        unchanged
                            .unchanged_document_diagnostic_report
                            .result_id
                            .clone(),
                    );
                }
            }
        }
    }

    fn scan_workspace(&mut self, root: &Path) {
        let scans = self.scans + 1;
        let Some(workspace) = self.workspace_mut(root) else {
            return;
        };
        if workspace.scanning {
            workspace.rescan = true;
            return;
        }
        workspace.scanning = true;
        self.scans = scans;
        let root = root.to_path_buf();
        let engine = self.engine.clone();
        let config = self.settings.config_path.clone();
        let tx = self.tx.clone();
        let client = self.features.progress.then(|| self.client.clone());
        let token = NumberOrString::String(format!("preflight-scan-{}", self.scans));
        let title = match root.file_name() {
            Some(name) if self.workspaces.len() > 1 => {
                format!("Preflight: scanning {}", name.to_string_lossy())
            }
            _ => "Preflight: scanning the workspace".to_string(),
        };
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
                            .progress(token, title)
                            .with_percentage(0)
                            .begin()
                            .await,
                    )
                }
                _ => None,
            };
            let (counts, mut counted) = mpsc::unbounded_channel::<(usize, usize)>();
            let scan_root = root.clone();
            let scan = tokio::task::spawn_blocking(move || {
                let report_count = |done: usize, total: usize| {
                    let _ = counts.send((done, total));
                };
                let options = ScanOptions {
                    paths: vec![scan_root.clone()],
                    engine: &engine,
                    max_file_size: crate::source::DEFAULT_MAX_FILE_SIZE,
                    respect_ignore_files: true,
                    threads: 0,
                    working_dir: scan_root,
                    config,
                    progress: Some(&report_count),
                    cache: None,
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
            let _ = tx.send(Msg::ScanDone {
                root,
                report: Box::new(report),
            });
        });
    }

    fn scan_done(&mut self, root: &Path, report: Result<ScanReport, String>) {
        let Some(workspace) = self.workspace_mut(root) else {
            return; // the folder was removed meanwhile
        };
        workspace.scanning = false;
        if std::mem::take(&mut workspace.rescan) {
            self.scan_workspace(root);
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
        let open: HashSet<String> = self
            .documents
            .values()
            .filter_map(|doc| doc.location.as_ref())
            .filter(|location| location.root == root)
            .map(|location| location.rel.clone())
            .collect();
        let engine = self.engine.clone();
        let overrides = self.settings.rules.clone();
        let workspace = self.workspace_mut(root).expect("found above");
        let rels = workspace.apply_scan(&engine, &overrides, report, &open);
        self.publish_files(root, &rels);
        // Open Dockerfiles read their build contexts, which the disk changes behind them; the
        // scan read closed ones from the disk, which open fact sources may contradict.
        let unsaved_context = self.sources.values().any(|source| {
            let name = source.location.rel.rsplit('/').next().unwrap_or_default();
            source.location.root == root && SourceKind::of(name).is_some_and(|k| k.dockerfiles)
        });
        if unsaved_context {
            self.reanalyse_dockerfiles(root);
        } else {
            self.reanalyse_open_dockerfiles(root);
        }
    }

    /// The latest analysis of an open document, if it matches the document's current text,
    /// with its project findings.
    fn current(&self, uri: &Uri) -> Option<(&OpenDocument, &DocumentAnalysis, Vec<Finding>)> {
        let doc = self.documents.get(uri)?;
        let analysis = doc.analysed.as_ref()?;
        if analysis.version != doc.document.version {
            return None;
        }
        let mut findings = analysis.findings.clone();
        if let Some(location) = &doc.location
            && let Some(workspace) = self.workspace(&location.root)
        {
            workspace.drop_waived(&location.rel, &mut findings);
            if let Some(project) = workspace.project_findings.get(&location.rel) {
                findings.extend(project.iter().cloned());
            }
        }
        Some((doc, analysis, findings))
    }

    fn code_actions(&self, params: &CodeActionParams) -> Option<CodeActionResponse> {
        let uri = &params.text_document.uri;
        let (doc, analysis, findings) = self.current(uri)?;
        let text = &analysis.text;
        let index = LineIndex::new(text);
        let lines = Lines {
            text,
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
        let input = ActionInput {
            language: doc.document.language,
            text,
            tree: doc.document.tree.as_ref(),
            suppressions: &analysis.suppressions,
            findings: &findings,
        };
        let range = lines.offset(params.range.start)..lines.offset(params.range.end);
        let offers = actions::offers(
            &input,
            range,
            wants(CodeActionKind::QUICKFIX.as_str()),
            wants(FIX_ALL_KIND),
        );
        let mut response = Vec::new();
        for offer in offers {
            let kind = match offer.kind {
                ActionKind::FixAll => CodeActionKind::new(FIX_ALL_KIND),
                _ => CodeActionKind::QUICKFIX,
            };
            let diagnostic = offer
                .finding
                .map(|finding| convert::diagnostic(&lines, finding));
            let mut action = CodeAction {
                title: offer.title,
                kind: Some(kind),
                diagnostics: diagnostic.map(|d| vec![d]),
                is_preferred: offer.preferred.then_some(true),
                ..CodeAction::default()
            };
            if self.features.resolve {
                let data = ActionData {
                    uri: uri.as_str().to_string(),
                    version: analysis.version,
                    kind: offer.kind,
                    rule: offer.finding.map(|f| f.rule.to_string()),
                    start: offer.finding.map_or(0, |f| f.range.start),
                    end: offer.finding.map_or(0, |f| f.range.end),
                };
                action.data = serde_json::to_value(data).ok();
            }
            // Edits of other files are computed now even for lazy clients: whether the client
            // can make them at all decides whether the action is offered.
            let other_files = !actions::fixes_of(&input, offer.kind, offer.finding)
                .iter()
                .all(|fix| fix.file_edits.is_empty());
            if !self.features.resolve || other_files {
                let Some(edit) =
                    self.action_edit(uri, doc, &input, &lines, offer.kind, offer.finding)
                else {
                    continue;
                };
                action.edit = Some(edit);
                action.data = None;
            }
            response.push(CodeActionOrCommand::CodeAction(action));
        }
        Some(response)
    }

    fn resolve_code_action(&self, mut action: CodeAction) -> Result<CodeAction, ResolveError> {
        let data: ActionData = action
            .data
            .clone()
            .and_then(|data| serde_json::from_value(data).ok())
            .ok_or(ResolveError::Invalid)?;
        let uri: Uri = data.uri.parse().map_err(|_| ResolveError::Invalid)?;
        let (doc, analysis, findings) = self.current(&uri).ok_or(ResolveError::ContentModified)?;
        if analysis.version != data.version {
            return Err(ResolveError::ContentModified);
        }
        let finding = match data.kind {
            ActionKind::FixAll => None,
            _ => Some(actions::find(&findings, &data).ok_or(ResolveError::ContentModified)?),
        };
        let input = ActionInput {
            language: doc.document.language,
            text: &analysis.text,
            tree: doc.document.tree.as_ref(),
            suppressions: &analysis.suppressions,
            findings: &findings,
        };
        let index = LineIndex::new(&analysis.text);
        let lines = Lines {
            text: &analysis.text,
            index: &index,
            unit: self.encoding,
        };
        action.edit = self.action_edit(&uri, doc, &input, &lines, data.kind, finding);
        Ok(action)
    }

    /// The workspace edit of one action: its edits of the document, and the changes its fixes
    /// make to other files (an open buffer's text, else the disk's, is what they change).
    /// `None` when nothing would change or the client cannot make the edit.
    fn action_edit(
        &self,
        uri: &Uri,
        doc: &OpenDocument,
        input: &ActionInput<'_>,
        lines: &Lines<'_>,
        kind: ActionKind,
        finding: Option<&Finding>,
    ) -> Option<WorkspaceEdit> {
        let edits = actions::to_text_edits(lines, &actions::edits(input, kind, finding));
        let fixes = actions::fixes_of(input, kind, finding);
        let workspace = doc
            .location
            .as_ref()
            .and_then(|location| self.workspace(&location.root));
        let mut others: Vec<convert::OtherFile<'_>> = Vec::new();
        for fix in fixes {
            for file_edit in &fix.file_edits {
                let Some((workspace, rel)) =
                    workspace.zip(crate::project::normalize_relative(&file_edit.path))
                else {
                    continue;
                };
                let Some(other) = workspace.uri_of(&rel) else {
                    continue;
                };
                if let Some(existing) = others.iter_mut().find(|o| o.uri == other) {
                    existing.changes.push(&file_edit.change);
                    continue;
                }
                let current = match self.documents.get(&other) {
                    Some(doc) => Some(doc.document.text()),
                    None => std::fs::read_to_string(workspace.root.join(&rel)).ok(),
                };
                others.push(convert::OtherFile {
                    uri: other,
                    current,
                    changes: vec![&file_edit.change],
                });
            }
        }
        if others.is_empty() {
            return (!edits.is_empty()).then(|| workspace_edit(uri, edits));
        }
        convert::workspace_edit(
            uri,
            edits,
            &others,
            self.encoding,
            self.features.edit_support,
        )
    }

    fn hover(&self, params: &HoverParams) -> Option<Hover> {
        let uri = &params.text_document_position_params.text_document.uri;
        let (_, analysis, findings) = self.current(uri)?;
        let text = &analysis.text;
        let index = LineIndex::new(text);
        let lines = Lines {
            text,
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

fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), edits);
    WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }
}

/// A result id naming a list of diagnostics: equal lists, equal ids.
fn result_id(diagnostics: &[Diagnostic]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(diagnostics)
        .unwrap_or_default()
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn document_report(
    diagnostics: &[Diagnostic],
    id: &str,
    previous: Option<&str>,
) -> DocumentDiagnosticReportResult {
    let report = if previous == Some(id) {
        DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                result_id: id.to_string(),
            },
        })
    } else {
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(id.to_string()),
                items: diagnostics.to_vec(),
            },
        })
    };
    DocumentDiagnosticReportResult::Report(report)
}

fn empty_document_report() -> DocumentDiagnosticReportResult {
    document_report(&[], &result_id(&[]), None)
}

/// Parses and analyses one text. `incremental`: the tree of the previous text, edited to
/// match this one, and what the previous analysis left to reuse (an open document); `None` for
/// a one-off analysis.
#[allow(clippy::too_many_arguments)]
fn analyse(
    engine: &Engine,
    fs: Option<OverlayFileSystem>,
    path: &str,
    language: Language,
    text: Arc<str>,
    incremental: Option<(Option<Tree>, Option<Reusable>)>,
    info: &ProjectInfo,
    config: &EffectiveConfig,
    overrides: &HashMap<String, RuleLevel>,
) -> Result<Analysed, String> {
    let old_tree = incremental.as_ref().and_then(|(tree, _)| tree.as_ref());
    let tree = engine
        .parse_bounded(language, &text, old_tree)
        .map_err(|error| format!("not analysed: {error}"))?;
    let rule_options = config.options_for(path);
    let file = SourceFile {
        path,
        text: &text,
        language,
        declared_script: config.is_script(path),
        options: &rule_options,
    };
    let fs: &dyn crate::project::FileSystem = match &fs {
        Some(fs) => fs,
        None => &NoFileSystem,
    };
    let (mut analysis, reusable) = match incremental {
        Some((_, previous)) => engine.analyze_tree_reusing(&file, &tree, info, fs, previous),
        None => (engine.analyze_tree(&file, &tree, info, fs), None),
    };
    crate::scan::apply_severities(config, path, &mut analysis.findings);
    apply_overrides(overrides, &mut analysis.findings);
    Ok(Analysed {
        text: text.clone(),
        tree: Some(tree),
        analysis,
        reusable,
    })
}
