//! The language server end to end: `preflight lsp` driven over stdio by a small synchronous
//! JSON-RPC client, the way an editor drives it.
//!
//! Every test starts its own server processes on its own temporary workspace. Waits are always for
//! an event (a response, a `publishDiagnostics` matching a predicate) with a generous deadline, never
//! a sleep followed by an assertion.

#[path = "support/lsp_wire.rs"]
mod lsp_wire;
mod support;

use lsp_wire::{Frame, read_frames};

use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any single expected event may take. Generous: CI machines are slow and shared.
const TIMEOUT: Duration = Duration::from_secs(20);

const CONSOLE_LOG: &str =
    "`console.log` left in production code; use the application logger or remove it.";
const DEBUGGER: &str = "`debugger` statement left in code.";

// ---------------------------------------------------------------------------------------------
// Positions, counted independently of the server's own conversions

/// The unit LSP columns are counted in, as negotiated in `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }

    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// Byte offsets of the line starts; lines end at `\n`, `\r\n` or a lone `\r` (LSP's definition).
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => starts.push(i + 1),
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                starts.push(i + 2);
                i += 1;
            }
            b'\r' => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts
}

fn position(text: &str, offset: usize, encoding: Encoding) -> Value {
    let starts = line_starts(text);
    let line = starts.partition_point(|&start| start <= offset) - 1;
    let character: usize = text[starts[line]..offset]
        .chars()
        .map(|c| encoding.width(c))
        .sum();
    json!({ "line": line, "character": character })
}

/// The byte offset of an LSP position. Positions the server sends must be exact: inside a line
/// (or at its end) and on a character boundary.
fn offset(text: &str, position: &Value, encoding: Encoding) -> usize {
    let starts = line_starts(text);
    let line = position["line"].as_u64().expect("a line number") as usize;
    let character = position["character"].as_u64().expect("a character") as usize;
    assert!(
        line < starts.len(),
        "position {position} lies past the last line"
    );
    let start = starts[line];
    let end = starts.get(line + 1).copied().unwrap_or(text.len());
    let content = text[start..end].trim_end_matches(['\r', '\n']);
    let mut units = 0;
    for (i, c) in content.char_indices() {
        if units >= character {
            assert_eq!(units, character, "position {position} splits a character");
            return start + i;
        }
        units += encoding.width(c);
    }
    assert_eq!(
        units, character,
        "position {position} lies past its line's end"
    );
    start + content.len()
}

fn range(text: &str, bytes: std::ops::Range<usize>, encoding: Encoding) -> Value {
    json!({
        "start": position(text, bytes.start, encoding),
        "end": position(text, bytes.end, encoding),
    })
}

/// The range of the first occurrence of `needle`.
fn range_of(text: &str, needle: &str, encoding: Encoding) -> Value {
    range_of_nth(text, needle, 0, encoding)
}

/// The range of the `n`th (from 0) occurrence of `needle`.
fn range_of_nth(text: &str, needle: &str, n: usize, encoding: Encoding) -> Value {
    let (at, _) = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("{needle:?} not {n} times in {text:?}"));
    range(text, at..at + needle.len(), encoding)
}

/// Applies a `TextEdit[]` the way a client does: every range refers to the original text.
fn apply_edits(text: &str, edits: &[Value], encoding: Encoding) -> String {
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|edit| {
            (
                offset(text, &edit["range"]["start"], encoding),
                offset(text, &edit["range"]["end"], encoding),
                edit["newText"].as_str().expect("newText"),
            )
        })
        .collect();
    edits.sort_by_key(|&(start, end, _)| (start, end));
    for pair in edits.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlapping edits: {edits:?}");
    }
    let mut result = text.to_string();
    for (start, end, new_text) in edits.into_iter().rev() {
        result.replace_range(start..end, new_text);
    }
    result
}

/// Turns edits against `text` into `contentChanges` a client may send in one `didChange`: later
/// positions first, so that each change's range is still valid after the previous ones.
fn edits_as_changes(text: &str, edits: &[Value], encoding: Encoding) -> Vec<Value> {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|edit| offset(text, &edit["range"]["start"], encoding));
    edits
        .into_iter()
        .rev()
        .map(|edit| json!({ "range": edit["range"], "text": edit["newText"] }))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Workspaces

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// A temporary folder holding `files`; its canonical path is what URIs are built from.
fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    (dir, root)
}

/// Copies a fixture project into a fresh temporary folder.
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, root) = workspace(&[]);
    let from = fixtures().join("projects").join(name);
    support::copy_dir(&from, &root);
    (dir, root)
}

fn uri(path: &Path) -> String {
    let path = path.to_str().expect("UTF-8 path").replace('\\', "/");
    if path.starts_with('/') {
        format!("file://{path}")
    } else {
        format!("file:///{path}")
    }
}

const PACKAGE_JSON: &str = r#"{ "name": "app", "version": "1.0.0", "dependencies": {} }"#;

// ---------------------------------------------------------------------------------------------
// The client

/// One `preflight lsp` process and the client side of its session.
struct Server {
    child: Child,
    stdin: ChildStdin,
    frames: Receiver<Frame>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Signalled once the server's stderr reaches its end.
    stderr_closed: Receiver<()>,
    next_id: i64,
    /// The latest `publishDiagnostics` params per URI.
    diagnostics: HashMap<String, Value>,
    /// The highest document version published per URI since the client opened it.
    published_versions: HashMap<String, i64>,
    encoding: Encoding,
    /// `workspace/diagnostic/refresh` requests received.
    refreshes: usize,
    /// Published versions must never go down (off when the test itself sends versions going
    /// backwards).
    monotonic_versions: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn spawn() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
            .arg("lsp")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let (sender, frames) = mpsc::channel();
        std::thread::spawn(move || read_frames(stdout, sender));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        let (closed, stderr_closed) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = stderr_pipe.read(&mut buffer) {
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
            let _ = closed.send(());
        });
        Server {
            child,
            stdin,
            frames,
            stderr,
            stderr_closed,
            next_id: 1,
            diagnostics: HashMap::new(),
            published_versions: HashMap::new(),
            encoding: Encoding::Utf16,
            refreshes: 0,
            monotonic_versions: true,
        }
    }

    /// A server initialized on `root`, offering UTF-8 positions when `encoding` is UTF-8 and
    /// offering nothing (the LSP default, UTF-16) otherwise.
    fn start(root: &Path, encoding: Encoding) -> Server {
        let mut server = Server::spawn();
        let offered: &[&str] = match encoding {
            Encoding::Utf8 => &["utf-8", "utf-16"],
            Encoding::Utf16 => &[],
        };
        server.initialize(Some(root), offered);
        assert_eq!(server.encoding, encoding);
        server
    }

    /// Sends `initialize` and `initialized`; returns the `initialize` result.
    fn initialize(&mut self, root: Option<&Path>, offered_encodings: &[&str]) -> Value {
        let roots: Vec<&Path> = root.into_iter().collect();
        self.initialize_with(&roots, offered_encodings, |_| {})
    }

    /// `initialize` with several workspace folders, the client capabilities changed by `patch`.
    fn initialize_with(
        &mut self,
        roots: &[&Path],
        offered_encodings: &[&str],
        patch: impl FnOnce(&mut Value),
    ) -> Value {
        let mut general = json!({});
        if !offered_encodings.is_empty() {
            general["positionEncodings"] = json!(offered_encodings);
        }
        let folders = (!roots.is_empty()).then(|| {
            roots
                .iter()
                .map(|root| {
                    json!({
                        "uri": uri(root),
                        "name": root.file_name().unwrap().to_str().unwrap(),
                    })
                })
                .collect::<Vec<_>>()
        });
        let mut capabilities = json!({
            "general": general,
            "window": { "workDoneProgress": true },
            "workspace": {
                "configuration": true,
                "workspaceFolders": true,
                "didChangeWatchedFiles": { "dynamicRegistration": true },
            },
            "textDocument": {
                "synchronization": { "dynamicRegistration": true },
                "publishDiagnostics": {
                    "versionSupport": true,
                    "codeDescriptionSupport": true,
                    "dataSupport": true,
                    "relatedInformation": true,
                },
                "codeAction": {
                    "codeActionLiteralSupport": {
                        "codeActionKind": {
                            "valueSet": ["quickfix", "source", "source.fixAll"],
                        },
                    },
                    "dataSupport": true,
                },
                "hover": { "contentFormat": ["markdown", "plaintext"] },
            },
        });
        patch(&mut capabilities);
        let result = self.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "clientInfo": { "name": "preflight-tests" },
                "rootUri": roots.first().map(|root| uri(root)),
                "workspaceFolders": folders,
                "capabilities": capabilities,
            }),
        );
        self.encoding = match result["capabilities"]["positionEncoding"].as_str() {
            None | Some("utf-16") => Encoding::Utf16,
            Some("utf-8") => Encoding::Utf8,
            Some(other) => panic!("unexpected position encoding {other:?}"),
        };
        self.notify("initialized", json!({}));
        result
    }

    /// What the server wrote to stderr, for failure messages: all of it when the server is
    /// ending, else what has arrived within a second.
    fn stderr(&self) -> String {
        let _ = self.stderr_closed.recv_timeout(Duration::from_secs(1));
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap();
        let written = write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len())
            .and_then(|()| self.stdin.write_all(&body))
            .and_then(|()| self.stdin.flush());
        if let Err(e) = written {
            panic!(
                "cannot write to the server ({e}); its stderr:\n{}",
                self.stderr()
            );
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its whole response, handling everything that arrives meanwhile.
    fn request_response(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if !params.is_null() {
            message["params"] = params;
        }
        self.send(&message);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let Some(message) = self.receive(deadline) else {
                panic!(
                    "no response to {method} within {TIMEOUT:?}; stderr:\n{}",
                    self.stderr()
                );
            };
            if message.get("method").is_none() && message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Sends a request and returns its result; an error response fails the test.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_response(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response:#}"
        );
        response["result"].clone()
    }

    /// The next message that is not a request from the server (those are answered here), or
    /// `None` at the deadline.
    fn receive(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let frame = match self.frames.recv_timeout(wait) {
                Ok(frame) => frame,
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server closed its output; stderr:\n{}", self.stderr())
                }
            };
            if let Some(message) = self.handle(frame) {
                return Some(message);
            }
        }
    }

    /// Handles every message already received, without waiting.
    fn drain(&mut self) {
        loop {
            match self.frames.try_recv() {
                Ok(frame) => {
                    self.handle(frame);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
            }
        }
    }

    fn handle(&mut self, frame: Frame) -> Option<Value> {
        let message = match frame {
            Frame::Message(message) => message,
            Frame::Garbage(text) => panic!(
                "the server wrote something that is not an LSP frame to stdout: {text:?}; stderr:\n{}",
                self.stderr()
            ),
        };
        match (message.get("id"), message["method"].as_str()) {
            (Some(id), Some(method)) => {
                if method == "workspace/diagnostic/refresh" {
                    self.refreshes += 1;
                }
                // Requests from the server get empty answers so that it never waits on us.
                let result = if method == "workspace/configuration" {
                    let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                    Value::Array(vec![Value::Null; items])
                } else {
                    Value::Null
                };
                let id = id.clone();
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": result }));
                None
            }
            (None, Some("textDocument/publishDiagnostics")) => {
                self.record_diagnostics(&message["params"]);
                Some(message)
            }
            _ => Some(message),
        }
    }

    fn record_diagnostics(&mut self, params: &Value) {
        let uri = params["uri"]
            .as_str()
            .expect("publishDiagnostics names a uri");
        assert!(
            params["diagnostics"].is_array(),
            "publishDiagnostics without a diagnostics array: {params:#}"
        );
        if let Some(version) = params["version"].as_i64()
            && self.monotonic_versions
        {
            let latest = self.published_versions.entry(uri.to_string()).or_default();
            assert!(
                version >= *latest,
                "stale diagnostics published for {uri}: version {version} after version {latest}"
            );
            *latest = version;
        }
        self.diagnostics.insert(uri.to_string(), params.clone());
    }

    /// The latest `publishDiagnostics` params for `uri` satisfying `accept`: the one already
    /// received if it does, else the next one that does.
    fn wait_for_diagnostics(
        &mut self,
        uri: &str,
        timeout: Duration,
        accept: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(params) = self.diagnostics.get(uri)
                && accept(params)
            {
                return params.clone();
            }
            if self.receive(deadline).is_none() {
                panic!(
                    "no acceptable diagnostics for {uri} within {timeout:?}; the latest: {:#}\nstderr:\n{}",
                    self.diagnostics.get(uri).unwrap_or(&Value::Null),
                    self.stderr()
                );
            }
        }
    }

    /// Waits for the diagnostics of exactly `version` of `uri`.
    fn diagnostics_of(&mut self, uri: &str, version: i64) -> Value {
        self.wait_for_diagnostics(uri, TIMEOUT, |params| params["version"] == json!(version))
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.published_versions.remove(uri);
        self.notify(
            "textDocument/didOpen",
            json!({
                "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text },
            }),
        );
    }

    fn change(&mut self, uri: &str, version: i64, changes: Vec<Value>) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": changes,
            }),
        );
    }

    fn close(&mut self, uri: &str) {
        self.published_versions.remove(uri);
        self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    fn code_actions(&mut self, uri: &str, range: Value, context: Value) -> Vec<Value> {
        let result = self.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": range, "context": context }),
        );
        result
            .as_array()
            .unwrap_or_else(|| panic!("codeAction answered {result}"))
            .clone()
    }

    /// The process's exit code, once it exits by itself.
    fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited normally, not by a signal");
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {TIMEOUT:?}; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading diagnostics and actions

fn diagnostics(params: &Value) -> &Vec<Value> {
    params["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
}

fn codes(params: &Value) -> Vec<&str> {
    diagnostics(params)
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("?"))
        .collect()
}

/// `(code, range, severity, message)` of every diagnostic: what two sessions must agree on.
fn summary(params: &Value) -> BTreeSet<(String, String, String, String)> {
    diagnostics(params)
        .iter()
        .map(|d| {
            (
                d["code"].to_string(),
                d["range"].to_string(),
                d["severity"].to_string(),
                d["message"].to_string(),
            )
        })
        .collect()
}

/// `line:character-line:character` of a range.
fn span(range: &Value) -> String {
    let at = |p: &Value| format!("{}:{}", p["line"], p["character"]);
    format!("{}-{}", at(&range["start"]), at(&range["end"]))
}

/// `(code, range)` of every diagnostic.
fn spans(params: &Value) -> BTreeSet<(String, String)> {
    diagnostics(params)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("?").to_string(),
                span(&d["range"]),
            )
        })
        .collect()
}

fn expected_spans(spans: &[(&str, Value)]) -> BTreeSet<(String, String)> {
    spans
        .iter()
        .map(|(code, range)| (code.to_string(), span(range)))
        .collect()
}

fn find_diagnostic<'a>(params: &'a Value, message: &str) -> &'a Value {
    diagnostics(params)
        .iter()
        .find(|d| d["message"] == message)
        .unwrap_or_else(|| panic!("no diagnostic {message:?} in {params:#}"))
}

/// The edits an action makes to `uri`, from `edit.changes` or `edit.documentChanges`.
fn action_edits(action: &Value, uri: &str) -> Vec<Value> {
    let edit = &action["edit"];
    if let Some(edits) = edit["changes"][uri].as_array() {
        return edits.clone();
    }
    let edits: Vec<Value> = edit["documentChanges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|change| change["textDocument"]["uri"] == uri)
        .flat_map(|change| change["edits"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(
        !edits.is_empty(),
        "the action edits nothing in {uri}: {action:#}"
    );
    edits
}

fn titled<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions
        .iter()
        .find(|action| action["title"] == title)
        .unwrap_or_else(|| panic!("no action titled {title:?} in {actions:#?}"))
}

// ---------------------------------------------------------------------------------------------
// The tests

#[test]
fn lifecycle_capabilities_and_exit_codes() {
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON)]);

    let mut server = Server::spawn();
    let result = server.initialize(Some(&root), &[]);
    assert_eq!(result["serverInfo"]["name"], "preflight", "{result:#}");
    assert_eq!(
        result["serverInfo"]["version"],
        env!("CARGO_PKG_VERSION"),
        "{result:#}"
    );
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16", "{result:#}");
    assert_eq!(
        capabilities["textDocumentSync"]["openClose"], true,
        "{result:#}"
    );
    assert_eq!(capabilities["textDocumentSync"]["change"], 2, "{result:#}");
    let kinds = &capabilities["codeActionProvider"]["codeActionKinds"];
    for kind in ["quickfix", "source.fixAll.preflight"] {
        assert!(
            kinds.as_array().is_some_and(|k| k.contains(&json!(kind))),
            "{result:#}"
        );
    }
    assert_eq!(capabilities["hoverProvider"], true, "{result:#}");
    assert!(
        capabilities["executeCommandProvider"]["commands"]
            .as_array()
            .is_some_and(|c| c.contains(&json!("preflight.scanWorkspace"))),
        "{result:#}"
    );
    assert_eq!(server.request("shutdown", Value::Null), Value::Null);
    server.notify("exit", Value::Null);
    assert_eq!(server.exit_code(), 0, "stderr:\n{}", server.stderr());

    // UTF-8 when offered; `exit` without `shutdown` is an abnormal end.
    let mut server = Server::spawn();
    let result = server.initialize(Some(&root), &["utf-8", "utf-16"]);
    assert_eq!(
        result["capabilities"]["positionEncoding"], "utf-8",
        "{result:#}"
    );
    server.notify("exit", Value::Null);
    assert_eq!(server.exit_code(), 1, "stderr:\n{}", server.stderr());
}

#[test]
fn debug_print_is_published_with_ranges_in_the_negotiated_encoding() {
    let text = "export function greet(name: string) {\n  const s = \"é😀\"; console.log(s, name);\n  return s;\n}\n";
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON), ("src/greet.ts", text)]);
    let uri = uri(&root.join("src/greet.ts"));
    // `  const s = "é😀"; ` is 18 characters: é is 1 UTF-16 unit and 2 bytes, 😀 2 units and 4 bytes.
    for (encoding, start, end) in [(Encoding::Utf16, 19, 30), (Encoding::Utf8, 22, 33)] {
        let mut server = Server::start(&root, encoding);
        server.open(&uri, "typescript", text);
        let params = server.diagnostics_of(&uri, 1);
        assert_eq!(codes(&params), ["debug-print"], "{params:#}");
        let d = &diagnostics(&params)[0];
        assert_eq!(
            d["range"],
            json!({
                "start": { "line": 1, "character": start },
                "end": { "line": 1, "character": end },
            }),
            "{}: {d:#}",
            encoding.name()
        );
        assert_eq!(d["range"], range_of(text, "console.log", encoding));
        assert_eq!(d["source"], "preflight", "{d:#}");
        assert_eq!(d["severity"], 2, "{d:#}");
        assert_eq!(d["message"], CONSOLE_LOG, "{d:#}");
        assert_eq!(d["data"]["rule"], "debug-print", "{d:#}");
        let href = d["codeDescription"]["href"].as_str().unwrap_or_default();
        assert!(
            href.contains("://") && href.contains("debug-print"),
            "codeDescription.href should link the rule's documentation: {d:#}"
        );
    }
}

#[test]
fn incremental_changes_apply_in_order_in_the_negotiated_encoding() {
    let initial = "// héllo 😀 wörld\r\nconst x = \"ü\";\r\nexport {};\r\n";
    // (text before the replaced part, replaced part, replacement), each against the text left by
    // the previous change: multibyte insertions and deletions, CRLF line breaks added and joined.
    let steps = [
        ("const x = \"ü", "", "😀"),
        ("// h", "éllo 😀 ", ""),
        ("\"ü😀\";", "", " console.log(x, \"é\");"),
        (
            "console.log(x, \"é\");",
            "\r\nexport",
            "\r\nif (x) {\r\n  debugger;\r\n}\r\nexport",
        ),
        ("// hw", "ö", "ø😀"),
        ("", "", "/* ∑ */ "),
        ("if (x) {", "\r\n", "\r\n  // ünïcödé\r\n"),
        ("}", "\r\nexport", " export"),
    ];
    let expected = "/* ∑ */ // hwø😀rld\r\nconst x = \"ü😀\"; console.log(x, \"é\");\r\nif (x) {\r\n  // ünïcödé\r\n  debugger;\r\n} export {};\r\n";
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON), ("src/x.ts", initial)]);
    let uri = uri(&root.join("src/x.ts"));
    for encoding in [Encoding::Utf16, Encoding::Utf8] {
        let mut text = initial.to_string();
        let mut changes = Vec::new();
        for (before, old, new) in steps {
            let at = text.find(&format!("{before}{old}")).unwrap() + before.len();
            changes.push(json!({
                "range": range(&text, at..at + old.len(), encoding),
                "text": new,
            }));
            text.replace_range(at..at + old.len(), new);
        }
        assert_eq!(text, expected);

        let mut server = Server::start(&root, encoding);
        server.open(&uri, "typescript", initial);
        server.diagnostics_of(&uri, 1);
        server.change(&uri, 2, changes);
        let params = server.diagnostics_of(&uri, 2);
        assert_eq!(
            spans(&params),
            expected_spans(&[
                ("debug-print", range_of(expected, "console.log", encoding)),
                ("debug-print", range_of(expected, "debugger;", encoding)),
            ]),
            "{}: {params:#}",
            encoding.name()
        );

        let mut fresh = Server::start(&root, encoding);
        fresh.open(&uri, "typescript", expected);
        assert_eq!(summary(&params), summary(&fresh.diagnostics_of(&uri, 1)));
    }
}

#[test]
fn a_burst_of_keystrokes_ends_in_the_diagnostics_of_the_final_text() {
    let initial = "export const a = 1;\n";
    let filler: String = "abc é😀 d".chars().cycle().take(500 - 16).collect();
    let typed = format!("console.log(\"{filler}\");");
    assert_eq!(typed.chars().count(), 500);
    let final_text = format!("{initial}{typed}");
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON), ("src/a.ts", initial)]);
    let uri = uri(&root.join("src/a.ts"));

    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&uri, "typescript", initial);
    let mut column = 0;
    for (version, c) in (2..).zip(typed.chars()) {
        let at = json!({ "line": 1, "character": column });
        server.change(
            &uri,
            version,
            vec![json!({ "range": { "start": at, "end": at }, "text": c.to_string() })],
        );
        column += c.len_utf16();
    }
    let burst = server.diagnostics_of(&uri, 501);
    assert_eq!(
        spans(&burst),
        expected_spans(&[(
            "debug-print",
            range_of(&final_text, "console.log", Encoding::Utf16)
        )]),
        "{burst:#}"
    );

    let mut fresh = Server::start(&root, Encoding::Utf16);
    fresh.open(&uri, "typescript", &final_text);
    assert_eq!(summary(&burst), summary(&fresh.diagnostics_of(&uri, 1)));

    // Nothing older arrived in the meantime (the harness rejects stale versions as they come).
    server.drain();
    assert_eq!(server.diagnostics[&uri]["version"], 501);
}

#[test]
fn code_actions_fix_ignore_and_fix_all() {
    let text = "export function total(items: number[]) {\n  const label = \"é😀\"; debugger;\n  let sum = 0;\n  for (const item of items) {\n    debugger;\n    sum += item;\n  }\n  console.log(label, sum);\n  return sum;\n}\n";
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON), ("src/total.ts", text)]);
    let uri = uri(&root.join("src/total.ts"));
    for encoding in [Encoding::Utf16, Encoding::Utf8] {
        let mut server = Server::start(&root, encoding);
        server.open(&uri, "typescript", text);
        let params = server.diagnostics_of(&uri, 1);
        assert_eq!(
            spans(&params),
            expected_spans(&[
                ("debug-print", range_of(text, "debugger;", encoding)),
                ("debug-print", range_of_nth(text, "debugger;", 1, encoding)),
                ("debug-print", range_of(text, "console.log", encoding)),
            ]),
            "{params:#}"
        );

        // The quick fix for the `debugger;` after multibyte text on the same line.
        let first = find_diagnostic(&params, DEBUGGER).clone();
        let actions = server.code_actions(
            &uri,
            first["range"].clone(),
            json!({ "diagnostics": [first] }),
        );
        let fix = titled(&actions, "Remove the `debugger` statement");
        assert_eq!(fix["kind"], "quickfix", "{fix:#}");
        assert_eq!(
            apply_edits(text, &action_edits(fix, &uri), encoding),
            text.replace("\"é😀\"; debugger;", "\"é😀\";"),
            "{}: {fix:#}",
            encoding.name()
        );
        titled(&actions, "Ignore `debug-print` in this file");

        // Ignoring the indented one inserts a directive with its indentation; once the client
        // sends the edit, that diagnostic is gone and the others stay.
        let second = diagnostics(&params)
            .iter()
            .find(|d| d["message"] == DEBUGGER && d["range"]["start"]["line"] == 4)
            .expect("the second debugger")
            .clone();
        let actions = server.code_actions(
            &uri,
            second["range"].clone(),
            json!({ "diagnostics": [second] }),
        );
        let ignore = titled(&actions, "Ignore `debug-print` on this line");
        let edits = action_edits(ignore, &uri);
        let ignored = apply_edits(text, &edits, encoding);
        assert_eq!(
            ignored,
            text.replace(
                "    debugger;",
                "    // preflight-ignore: debug-print\n    debugger;"
            ),
            "{ignore:#}"
        );
        server.change(&uri, 2, edits_as_changes(text, &edits, encoding));
        let params = server.diagnostics_of(&uri, 2);
        assert_eq!(
            spans(&params),
            expected_spans(&[
                ("debug-print", range_of(&ignored, "debugger;", encoding)),
                ("debug-print", range_of(&ignored, "console.log", encoding)),
            ]),
            "{params:#}"
        );

        // Fix all: every safe fix (both `debugger`s), nothing unsafe (`console.log` stays).
        let other = uri.replace("total.ts", "other.ts");
        server.open(&other, "typescript", text);
        let params = server.diagnostics_of(&other, 1);
        let whole = range(text, 0..text.len(), encoding);
        let actions = server.code_actions(
            &other,
            whole,
            json!({
                "diagnostics": params["diagnostics"],
                "only": ["source.fixAll.preflight"],
            }),
        );
        let fix_all: Vec<&Value> = actions
            .iter()
            .filter(|action| action["kind"] == "source.fixAll.preflight")
            .collect();
        assert_eq!(fix_all.len(), 1, "{actions:#?}");
        assert_eq!(
            apply_edits(text, &action_edits(fix_all[0], &other), encoding),
            text.replace("\"é😀\"; debugger;", "\"é😀\";")
                .replace("    debugger;\n", ""),
            "{}: {:#}",
            encoding.name(),
            fix_all[0]
        );
    }
}

/// Moves a single-line range's start `by` columns to the right.
fn shift_start(mut range: Value, by: u64) -> Value {
    let character = range["start"]["character"].as_u64().unwrap();
    range["start"]["character"] = json!(character + by);
    range
}

#[test]
fn hover_on_a_diagnostic_shows_the_rule_documentation() {
    let text = "export function f() {\n  console.log('x');\n}\n";
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON), ("src/f.ts", text)]);
    let uri = uri(&root.join("src/f.ts"));
    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&uri, "typescript", text);
    let params = server.diagnostics_of(&uri, 1);
    let d = find_diagnostic(&params, CONSOLE_LOG).clone();
    let inside = shift_start(d["range"].clone(), 3)["start"].clone();
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": inside }),
    );
    assert_eq!(hover["contents"]["kind"], "markdown", "{hover:#}");
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(markdown.contains("# debug-print"), "{hover:#}");
}

#[test]
fn project_rules_follow_the_open_buffer() {
    let (_dir, root) = copy_fixture("scratch");
    let main = root.join("api/src/main.ts");
    let text = std::fs::read_to_string(&main).unwrap();
    let uri = uri(&main);
    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&uri, "typescript", &text);
    let params = server.wait_for_diagnostics(&uri, TIMEOUT, |params| {
        params["version"] == 1 && codes(params).contains(&"missing-error-handler")
    });
    assert!(codes(&params).contains(&"cors-wildcard"), "{params:#}");

    let create = "  const app = await NestFactory.create(AppModule);\n";
    let at = text.find(create).unwrap() + create.len();
    server.change(
        &uri,
        2,
        vec![json!({
            "range": range(&text, at..at, Encoding::Utf16),
            "text": "  app.useGlobalFilters(new AllExceptionsFilter());\n",
        })],
    );
    let params = server.diagnostics_of(&uri, 2);
    assert!(
        !codes(&params).contains(&"missing-error-handler"),
        "{params:#}"
    );
    assert!(codes(&params).contains(&"cors-wildcard"), "{params:#}");
}

#[test]
fn closing_a_file_outside_the_workspace_clears_its_diagnostics() {
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON)]);
    let text = "export function f() {\n  console.log('x');\n}\n";
    let (_outside_dir, outside) = workspace(&[
        ("package.json", PACKAGE_JSON),
        ("src/f.ts", text),
        ("src/g.ts", text),
    ]);
    let f = uri(&outside.join("src/f.ts"));
    let g = uri(&outside.join("src/g.ts"));
    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&f, "typescript", text);
    let params = server.diagnostics_of(&f, 1);
    assert_eq!(codes(&params), ["debug-print"], "{params:#}");

    // A change still being analysed when the file closes must not resurface afterwards.
    server.change(
        &f,
        2,
        vec![json!({
            "range": range(text, text.len()..text.len(), Encoding::Utf16),
            "text": "console.log('y');\n",
        })],
    );
    server.close(&f);
    server.wait_for_diagnostics(&f, TIMEOUT, |params| diagnostics(params).is_empty());
    // Another document's analysis, requested later, serves as a barrier.
    server.open(&g, "typescript", text);
    server.diagnostics_of(&g, 1);
    server.drain();
    assert_eq!(
        server.diagnostics[&f]["diagnostics"],
        json!([]),
        "{:#}",
        server.diagnostics[&f]
    );
}

#[test]
fn watched_file_changes_rescan_closed_files() {
    let (_dir, root) = workspace(&[
        ("package.json", "{\"name\": \"svc\"}\n"),
        (
            "src/a.ts",
            "export function a() {\n  console.log('a');\n}\n",
        ),
        (
            "src/b.ts",
            "export function b() {\n  console.log('b');\n}\n",
        ),
    ]);
    let a = uri(&root.join("src/a.ts"));
    let b = uri(&root.join("src/b.ts"));
    let mut server = Server::start(&root, Encoding::Utf16);
    // The startup scan publishes files nobody opened.
    server.wait_for_diagnostics(&a, TIMEOUT, |p| codes(p) == ["debug-print"]);
    server.wait_for_diagnostics(&b, TIMEOUT, |p| codes(p) == ["debug-print"]);
    // One file fixed on disk, the other deleted: both lose their diagnostics.
    std::fs::write(
        root.join("src/a.ts"),
        "export function a() {\n  return 1;\n}\n",
    )
    .unwrap();
    std::fs::remove_file(root.join("src/b.ts")).unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": a, "type": 2 }, { "uri": b, "type": 3 }] }),
    );
    server.wait_for_diagnostics(&a, TIMEOUT, |p| diagnostics(p).is_empty());
    server.wait_for_diagnostics(&b, TIMEOUT, |p| diagnostics(p).is_empty());
}

#[test]
fn documents_over_the_size_limit_are_skipped_with_one_message() {
    let (_dir, root) = workspace(&[("package.json", "{}\n")]);
    let big = uri(&root.join("src/big.ts"));
    let small = uri(&root.join("src/small.ts"));
    let mut server = Server::start(&root, Encoding::Utf16);
    let text = format!("console.log(1);\n// {}\n", "x".repeat(3 * 1024 * 1024));
    server.open(&big, "typescript", &text);
    let deadline = Instant::now() + TIMEOUT;
    let mut told = false;
    while let Some(message) = server.receive(deadline) {
        if message["method"] == "window/logMessage"
            && message["params"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("not analysed") && m.contains("big.ts"))
        {
            told = true;
            break;
        }
    }
    assert!(told, "no message about the skipped document");
    // The server keeps serving other documents, and never published for the big one.
    server.open(&small, "typescript", "console.log(2);\n");
    server.wait_for_diagnostics(&small, TIMEOUT, |p| codes(p) == ["debug-print"]);
    assert!(
        server
            .diagnostics
            .get(&big)
            .is_none_or(|p| diagnostics(p).is_empty())
    );
}

#[test]
fn the_workspace_scan_reports_progress() {
    let (_dir, root) = workspace(&[
        ("package.json", "{}\n"),
        ("src/a.ts", "export const a = 1;\n"),
        ("src/b.py", "b = 2\n"),
    ]);
    let mut server = Server::start(&root, Encoding::Utf16);
    let deadline = Instant::now() + TIMEOUT;
    let mut kinds = Vec::new();
    let mut messages = Vec::new();
    while let Some(message) = server.receive(deadline) {
        if message["method"] == "$/progress" {
            let value = &message["params"]["value"];
            kinds.push(value["kind"].as_str().unwrap_or_default().to_string());
            messages.extend(value["message"].as_str().map(str::to_string));
            if value["kind"] == "end" {
                break;
            }
        }
    }
    assert_eq!(
        kinds.first().map(String::as_str),
        Some("begin"),
        "{kinds:?}"
    );
    assert_eq!(kinds.last().map(String::as_str), Some("end"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "report"), "{kinds:?}");
    assert!(messages.iter().any(|m| m == "2/2 files"), "{messages:?}");
    assert_eq!(messages.last().map(String::as_str), Some("2 files"));
}

/// A client that pulls diagnostics and resolves code actions lazily.
fn pull_client(capabilities: &mut Value) {
    capabilities["textDocument"]["diagnostic"] = json!({ "dynamicRegistration": false });
    capabilities["workspace"]["diagnostics"] = json!({ "refreshSupport": true });
}

#[test]
fn pulling_clients_get_diagnostics_by_request_and_never_by_push() {
    let closed = "export function a() {\n  console.log('a');\n}\n";
    let text = "export function b() {\n  console.log('b');\n}\n";
    let (_dir, root) = workspace(&[
        ("package.json", PACKAGE_JSON),
        ("src/a.ts", closed),
        ("src/b.ts", text),
    ]);
    let a = uri(&root.join("src/a.ts"));
    let b = uri(&root.join("src/b.ts"));
    let mut server = Server::spawn();
    let result = server.initialize_with(&[&root], &[], pull_client);
    let provider = &result["capabilities"]["diagnosticProvider"];
    assert_eq!(provider["workspaceDiagnostics"], true, "{result:#}");
    assert_eq!(provider["interFileDependencies"], true, "{result:#}");

    // A document pulled right after it opens is answered once its analysis lands.
    server.open(&b, "typescript", text);
    let report = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": b } }),
    );
    assert_eq!(report["kind"], "full", "{report:#}");
    assert_eq!(
        codes(&json!({ "diagnostics": report["items"] })),
        ["debug-print"]
    );
    let id = report["resultId"]
        .as_str()
        .expect("a result id")
        .to_string();
    // The same diagnostics again: unchanged.
    let again = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": b }, "previousResultId": id }),
    );
    assert_eq!(again["kind"], "unchanged", "{again:#}");
    assert_eq!(again["resultId"], json!(id), "{again:#}");
    // After an edit the pull waits for the new version's analysis.
    let at = text.find("console").unwrap();
    let end = text[at..].find('\n').unwrap() + at;
    server.change(
        &b,
        2,
        vec![json!({ "range": range(text, at..end, Encoding::Utf16), "text": "return 2;" })],
    );
    let report = server.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": b }, "previousResultId": id }),
    );
    assert_eq!(report["kind"], "full", "{report:#}");
    assert_eq!(report["items"], json!([]), "{report:#}");

    // Closed files come through the workspace pull, held until the scan has something to say.
    let report = server.request("workspace/diagnostic", json!({ "previousResultIds": [] }));
    let items = report["items"].as_array().expect("items");
    let item = items
        .iter()
        .find(|item| item["uri"] == a)
        .unwrap_or_else(|| panic!("no report for {a}: {report:#}"));
    assert_eq!(item["kind"], "full", "{report:#}");
    assert_eq!(
        codes(&json!({ "diagnostics": item["items"] })),
        ["debug-print"]
    );
    assert!(
        items.iter().all(|item| item["uri"] != b),
        "open documents are pulled one by one: {report:#}"
    );

    // Nothing was ever pushed.
    server.request(
        "textDocument/hover",
        json!({
            "textDocument": { "uri": b },
            "position": { "line": 0, "character": 0 },
        }),
    );
    server.drain();
    assert!(server.diagnostics.is_empty(), "{:#?}", server.diagnostics);
}

#[test]
fn a_held_workspace_pull_is_answered_when_a_closed_file_changes() {
    let (_dir, root) = workspace(&[
        ("package.json", PACKAGE_JSON),
        (
            "src/a.ts",
            "export function a() {\n  console.log('a');\n}\n",
        ),
    ]);
    let a = uri(&root.join("src/a.ts"));
    let mut server = Server::spawn();
    server.initialize_with(&[&root], &[], pull_client);
    let first = server.request("workspace/diagnostic", json!({ "previousResultIds": [] }));
    let id = first["items"][0]["resultId"].clone();
    assert_eq!(first["items"][0]["uri"], a, "{first:#}");

    // The client asks again with what it has: nothing changed, so the answer waits.
    let pending = server.next_id;
    server.next_id += 1;
    server.send(&json!({
        "jsonrpc": "2.0", "id": pending, "method": "workspace/diagnostic",
        "params": { "previousResultIds": [{ "uri": a, "value": id }] },
    }));
    std::fs::write(
        root.join("src/a.ts"),
        "export function a() {\n  return 1;\n}\n",
    )
    .unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": a, "type": 2 }] }),
    );
    let deadline = Instant::now() + TIMEOUT;
    let response = loop {
        let message = server.receive(deadline).unwrap_or_else(|| {
            panic!(
                "the held pull was never answered; stderr:\n{}",
                server.stderr()
            )
        });
        if message["id"] == json!(pending) {
            break message;
        }
    };
    let items = &response["result"]["items"];
    assert_eq!(items[0]["uri"], a, "{response:#}");
    assert_eq!(items[0]["kind"], "full", "{response:#}");
    assert_eq!(items[0]["items"], json!([]), "{response:#}");
}

#[test]
fn every_workspace_folder_is_scanned_and_folders_come_and_go() {
    let text = "export function f() {\n  console.log('x');\n}\n";
    let (_one_dir, one) = workspace(&[("package.json", PACKAGE_JSON), ("src/f.ts", text)]);
    let (_two_dir, two) = workspace(&[("package.json", PACKAGE_JSON), ("src/f.ts", text)]);
    let (_three_dir, three) = workspace(&[("package.json", PACKAGE_JSON), ("src/f.ts", text)]);
    let [f1, f2, f3] = [&one, &two, &three].map(|root| uri(&root.join("src/f.ts")));
    let mut server = Server::spawn();
    server.initialize_with(&[&one, &two], &[], |_| {});
    server.wait_for_diagnostics(&f1, TIMEOUT, |p| codes(p) == ["debug-print"]);
    server.wait_for_diagnostics(&f2, TIMEOUT, |p| codes(p) == ["debug-print"]);

    // A file of the second folder is analysed with the second folder's configuration.
    std::fs::write(
        two.join("preflight.toml"),
        "[rules]\ndebug-print = \"off\"\n",
    )
    .unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&two.join("preflight.toml")), "type": 1 }] }),
    );
    server.wait_for_diagnostics(&f2, TIMEOUT, |p| diagnostics(p).is_empty());

    server.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": {
            "added": [{ "uri": uri(&three), "name": "three" }],
            "removed": [{ "uri": uri(&one), "name": "one" }],
        } }),
    );
    server.wait_for_diagnostics(&f1, TIMEOUT, |p| diagnostics(p).is_empty());
    server.wait_for_diagnostics(&f3, TIMEOUT, |p| codes(p) == ["debug-print"]);
}

#[test]
fn code_actions_resolve_their_edits_lazily() {
    let text = "export function f() {\n  console.log('x');\n  return 1;\n}\n";
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON)]);
    let f = uri(&root.join("src/f.ts"));
    let mut server = Server::spawn();
    server.initialize_with(&[&root], &[], |capabilities| {
        capabilities["textDocument"]["codeAction"]["resolveSupport"] =
            json!({ "properties": ["edit"] });
    });
    server.open(&f, "typescript", text);
    let params = server.diagnostics_of(&f, 1);
    let diagnostic = find_diagnostic(&params, CONSOLE_LOG).clone();
    let actions = server.code_actions(
        &f,
        diagnostic["range"].clone(),
        json!({ "diagnostics": [diagnostic] }),
    );
    assert!(!actions.is_empty());
    for action in &actions {
        assert!(
            action.get("edit").is_none(),
            "edits come on resolve: {action:#}"
        );
        assert!(action.get("data").is_some(), "{action:#}");
    }
    let ignore = titled(&actions, "Ignore `debug-print` on this line").clone();
    let resolved = server.request("codeAction/resolve", ignore.clone());
    let edited = apply_edits(text, &action_edits(&resolved, &f), Encoding::Utf16);
    assert_eq!(
        edited,
        text.replace("  console", "  // preflight-ignore: debug-print\n  console")
    );

    // Offered for version 1, resolved after version 2: refused as modified.
    server.change(
        &f,
        2,
        vec![json!({ "range": range(text, 0..0, Encoding::Utf16), "text": "\n" })],
    );
    let response = server.request_response("codeAction/resolve", ignore);
    assert_eq!(response["error"]["code"], -32801, "{response:#}");
}

#[test]
fn a_version_going_backwards_rereads_the_file() {
    let on_disk = "export function f() {\n  console.log('disk');\n}\n";
    let (_dir, root) = workspace(&[("package.json", PACKAGE_JSON), ("src/f.ts", on_disk)]);
    let f = uri(&root.join("src/f.ts"));
    let mut server = Server::start(&root, Encoding::Utf16);
    let buffer = "export const x = 1;\n";
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": f, "languageId": "typescript", "version": 5, "text": buffer } }),
    );
    let params = server.diagnostics_of(&f, 5);
    assert!(diagnostics(&params).is_empty(), "{params:#}");
    // Version 3 after version 5: the incremental change cannot be trusted.
    server.monotonic_versions = false;
    server.change(
        &f,
        3,
        vec![json!({ "range": range(buffer, 0..0, Encoding::Utf16), "text": "// x\n" })],
    );
    let params = server.wait_for_diagnostics(&f, TIMEOUT, |p| p["version"] == json!(3));
    let diagnostic = find_diagnostic(&params, CONSOLE_LOG);
    assert_eq!(
        diagnostic["range"],
        range_of(on_disk, "console.log", Encoding::Utf16),
        "{params:#}"
    );
}

#[test]
fn an_invalid_configuration_is_shown_on_its_file_and_the_last_valid_one_kept() {
    let text = "export function f() {\n  console.log('x');\n}\n";
    let (_dir, root) = workspace(&[
        ("package.json", PACKAGE_JSON),
        ("preflight.toml", "[rules]\ndebug-print = \"off\"\n"),
        ("src/f.ts", text),
    ]);
    let f = uri(&root.join("src/f.ts"));
    let config = uri(&root.join("preflight.toml"));
    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&f, "typescript", text);
    let params = server.diagnostics_of(&f, 1);
    assert!(diagnostics(&params).is_empty(), "{params:#}");

    // A typo in a rule id: the file gets a diagnostic on the key, the old settings stay.
    let broken = "[rules]\ndebug-prnt = \"off\"\n";
    std::fs::write(root.join("preflight.toml"), broken).unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": config, "type": 2 }] }),
    );
    let params = server.wait_for_diagnostics(&config, TIMEOUT, |p| !diagnostics(p).is_empty());
    let diagnostic = &diagnostics(&params)[0];
    assert_eq!(diagnostic["code"], "invalid-config", "{params:#}");
    assert_eq!(diagnostic["range"]["start"]["line"], 1, "{params:#}");
    // Re-analysed under the last valid configuration: still quiet.
    server.change(
        &f,
        2,
        vec![json!({ "range": range(text, 0..0, Encoding::Utf16), "text": "\n" })],
    );
    let params = server.diagnostics_of(&f, 2);
    assert!(diagnostics(&params).is_empty(), "{params:#}");

    // Fixed: the diagnostic goes away.
    std::fs::write(
        root.join("preflight.toml"),
        "[rules]\ndebug-print = \"off\"\n",
    )
    .unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": config, "type": 2 }] }),
    );
    server.wait_for_diagnostics(&config, TIMEOUT, |p| diagnostics(p).is_empty());
}
