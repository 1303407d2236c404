//! `preflight lsp`: the language server, a thin adapter over the engine.
//!
//! Ordering is the one thing that must never go wrong: tower-lsp runs several handlers at
//! once, so an `.await` before a document mutation would let a later `didChange` overtake an
//! earlier one. Every handler therefore only converts its parameters and pushes a message,
//! synchronously, into one unbounded channel; a single task ([`state::State`]) owns the
//! documents and applies messages in arrival order. Analysis runs on blocking threads and comes
//! back through the same channel tagged with the version it analysed; stale results are dropped.
//! Requests that need state (code actions, hover) travel the same path with a reply channel, so
//! they see every edit sent before them.

mod actions;
mod convert;
pub mod document;
mod input;
mod state;
mod workspace;

use crate::position::ColumnUnit;
use state::{ClientFeatures, Msg, ResolveError};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, oneshot};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// The command that re-scans every workspace folder.
pub const SCAN_WORKSPACE_COMMAND: &str = "preflight.scanWorkspace";
/// The code action kind of "fix all safe problems".
pub const FIX_ALL_KIND: &str = "source.fixAll.preflight";

struct Backend {
    client: Client,
    tx: mpsc::UnboundedSender<Msg>,
    shutdown: Arc<AtomicBool>,
    /// The client can register file watchers dynamically.
    watch_files: AtomicBool,
}

/// Files whose changes on disk change what Preflight reports (manifests, configuration,
/// Dockerfiles and their ignore files, env examples, compose files, and sources that are not
/// open).
const WATCHED: &[&str] = &[
    "**/{package.json,pyproject.toml,setup.py,setup.cfg,Pipfile,requirements*.txt}",
    "**/{preflight.toml,.preflight.toml}",
    "**/{.env*,*.env,env.example}",
    "**/{.dockerignore,*.dockerignore}",
    "**/{compose,docker-compose}*.{yml,yaml}",
    "**/tsconfig*.json",
    "**/{Dockerfile,Containerfile}*",
    "**/*.{Dockerfile,dockerfile,containerfile}",
    "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs,py}",
];

impl Backend {
    fn send(&self, msg: Msg) {
        // The state task lives as long as the server; a closed channel means we are exiting.
        let _ = self.tx.send(msg);
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Msg) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.send(make(reply));
        answer.await.map_err(|_| Error::internal_error())
    }
}

fn negotiate_encoding(params: &InitializeParams) -> ColumnUnit {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.as_ref());
    if offered.is_some_and(|kinds| kinds.contains(&PositionEncodingKind::UTF8)) {
        ColumnUnit::Utf8
    } else {
        ColumnUnit::Utf16
    }
}

/// The workspace folders, or the deprecated root of clients that send no folders.
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut uris: Vec<Uri> = params
        .workspace_folders
        .iter()
        .flatten()
        .map(|folder| folder.uri.clone())
        .collect();
    #[allow(deprecated)]
    if uris.is_empty()
        && let Some(root) = &params.root_uri
    {
        uris.push(root.clone());
    }
    uris.iter()
        .filter_map(|uri| uri.to_file_path().map(|path| path.into_owned()))
        .collect()
}

/// What the client can do that changes how the server talks to it.
fn client_features(params: &InitializeParams) -> ClientFeatures {
    let capabilities = &params.capabilities;
    let text_document = capabilities.text_document.as_ref();
    ClientFeatures {
        progress: capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        pull: text_document.is_some_and(|t| t.diagnostic.is_some()),
        refresh: capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.diagnostics.as_ref())
            .and_then(|d| d.refresh_support)
            .unwrap_or(false),
        resolve: text_document
            .and_then(|t| t.code_action.as_ref())
            .and_then(|c| c.resolve_support.as_ref())
            .is_some_and(|r| r.properties.iter().any(|p| p == "edit")),
        edit_support: convert::EditSupport::from_capabilities(capabilities),
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = negotiate_encoding(&params);
        let dynamic_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        self.watch_files.store(dynamic_watch, Ordering::SeqCst);
        let features = client_features(&params);
        self.send(Msg::Initialize {
            roots: workspace_roots(&params),
            encoding,
            settings: params.initialization_options.clone(),
            features,
        });
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "preflight".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(match encoding {
                    ColumnUnit::Utf8 => PositionEncodingKind::UTF8,
                    _ => PositionEncodingKind::UTF16,
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new(FIX_ALL_KIND),
                        ]),
                        resolve_provider: Some(features.resolve),
                        ..CodeActionOptions::default()
                    },
                )),
                // Pull when the client can; then nothing is pushed (one channel per client).
                diagnostic_provider: features.pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("preflight".into()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: true,
                        ..DiagnosticOptions::default()
                    })
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![SCAN_WORKSPACE_COMMAND.into()],
                    ..ExecuteCommandOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            ..InitializeResult::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.send(Msg::ScanWorkspace { startup: true });
        if self.watch_files.load(Ordering::SeqCst) {
            // A client round-trip: spawned, never awaited inside a handler.
            let client = self.client.clone();
            tokio::spawn(async move {
                let watchers: Vec<_> = WATCHED
                    .iter()
                    .map(|glob| serde_json::json!({ "globPattern": glob }))
                    .collect();
                let registration = Registration {
                    id: "preflight-watched-files".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: Some(serde_json::json!({ "watchers": watchers })),
                };
                if let Err(error) = client.register_capability(vec![registration]).await {
                    tracing::warn!("cannot watch files: {error}");
                }
            });
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.shutdown.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        self.send(Msg::Open {
            uri: document.uri,
            version: document.version,
            language_id: document.language_id,
            text: document.text,
        });
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.send(Msg::Change {
            uri: params.text_document.uri,
            version: params.text_document.version,
            changes: params.content_changes,
        });
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.send(Msg::Close {
            uri: params.text_document.uri,
        });
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.send(Msg::Settings {
            settings: Some(params.settings),
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        self.send(Msg::FilesChanged {
            uris: params
                .changes
                .into_iter()
                .map(|change| change.uri)
                .collect(),
        });
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.ask(|reply| Msg::CodeAction {
            params: Box::new(params),
            reply,
        })
        .await
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        match self
            .ask(|reply| Msg::ResolveCodeAction {
                action: Box::new(action),
                reply,
            })
            .await?
        {
            Ok(action) => Ok(action),
            Err(ResolveError::ContentModified) => Err(Error::content_modified()),
            Err(ResolveError::Invalid) => Err(Error::invalid_params(
                "the code action does not come from Preflight",
            )),
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        self.ask(|reply| Msg::PullDocument {
            uri: params.text_document.uri,
            previous: params.previous_result_id,
            reply,
        })
        .await
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        self.ask(|reply| Msg::PullWorkspace {
            previous: params.previous_result_ids,
            reply,
        })
        .await
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let paths = |folders: Vec<WorkspaceFolder>| -> Vec<PathBuf> {
            folders
                .into_iter()
                .filter_map(|folder| folder.uri.to_file_path().map(|p| p.into_owned()))
                .collect()
        };
        self.send(Msg::Folders {
            added: paths(params.event.added),
            removed: paths(params.event.removed),
        });
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.ask(|reply| Msg::Hover { params, reply }).await
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != SCAN_WORKSPACE_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command `{}`",
                params.command
            )));
        }
        self.send(Msg::ScanWorkspace { startup: false });
        Ok(None)
    }
}

/// Runs the server on stdin/stdout until `exit`. Returns the process exit code: 0 when `exit`
/// followed `shutdown`, 1 otherwise (as the specification asks).
pub fn run() -> u8 {
    // The protocol traffic itself is never logged, at any level: documents travel in it, and
    // with them whatever secrets they hold.
    let filter = tracing_subscriber::EnvFilter::try_from_env("PREFLIGHT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"))
        .add_directive(
            "tower_lsp_server::codec=off"
                .parse()
                .expect("a valid directive"),
        );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the language server: {error}");
            return 2;
        }
    };
    let shutdown = Arc::new(AtomicBool::new(false));
    runtime.block_on({
        let shutdown = shutdown.clone();
        async move {
            let (service, socket) = LspService::new(|client: Client| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(state::State::new(client.clone(), tx.clone()).run(rx));
                Backend {
                    client,
                    tx,
                    shutdown,
                    watch_files: AtomicBool::new(false),
                }
            });
            Server::new(
                input::checked(tokio::io::stdin()),
                tokio::io::stdout(),
                socket,
            )
            .serve(service)
            .await;
        }
    });
    // Analysis threads may still be running; they hold nothing that must be flushed.
    runtime.shutdown_background();
    u8::from(!shutdown.load(Ordering::SeqCst))
}
