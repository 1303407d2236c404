//! A small synchronous LSP client for the end-to-end tests: it starts `preflight lsp`, speaks
//! JSON-RPC over its stdio the way an editor does, answers the server's requests, and records
//! every `publishDiagnostics`. Positions are counted here, independently of the server's own
//! conversions.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any single expected event may take. Generous: CI machines are slow and shared.
pub const TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Positions, counted independently of the server's own conversions

/// The unit LSP columns are counted in, as negotiated in `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }

    pub fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// Byte offsets of the line starts; lines end at `\n`, `\r\n` or a lone `\r` (LSP's definition).
pub fn line_starts(text: &str) -> Vec<usize> {
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

pub fn position(text: &str, offset: usize, encoding: Encoding) -> Value {
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
pub fn offset(text: &str, position: &Value, encoding: Encoding) -> usize {
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

pub fn range(text: &str, bytes: std::ops::Range<usize>, encoding: Encoding) -> Value {
    json!({
        "start": position(text, bytes.start, encoding),
        "end": position(text, bytes.end, encoding),
    })
}

/// The range of the first occurrence of `needle`.
pub fn range_of(text: &str, needle: &str, encoding: Encoding) -> Value {
    range_of_nth(text, needle, 0, encoding)
}

/// The range of the `n`th (from 0) occurrence of `needle`.
pub fn range_of_nth(text: &str, needle: &str, n: usize, encoding: Encoding) -> Value {
    let (at, _) = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("{needle:?} not {n} times in {text:?}"));
    range(text, at..at + needle.len(), encoding)
}

/// Applies a `TextEdit[]` the way a client does: every range refers to the original text.
pub fn apply_edits(text: &str, edits: &[Value], encoding: Encoding) -> String {
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
pub fn edits_as_changes(text: &str, edits: &[Value], encoding: Encoding) -> Vec<Value> {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|edit| offset(text, &edit["range"]["start"], encoding));
    edits
        .into_iter()
        .rev()
        .map(|edit| json!({ "range": edit["range"], "text": edit["newText"] }))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Workspaces (the test crate includes `support` too)

/// A temporary folder holding `files`; its canonical path is what URIs are built from.
pub fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
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
pub fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, root) = workspace(&[]);
    let from = crate::support::fixtures().join("projects").join(name);
    crate::support::copy_dir(&from, &root);
    (dir, root)
}

pub fn uri(path: &Path) -> String {
    let path = path.to_str().expect("UTF-8 path").replace('\\', "/");
    if path.starts_with('/') {
        format!("file://{path}")
    } else {
        format!("file:///{path}")
    }
}

// ---------------------------------------------------------------------------------------------
// The client

pub enum Frame {
    Message(Value),
    /// Something on stdout that is not a well-formed LSP frame (logs must go to stderr).
    Garbage(String),
}

/// Splits the server's stdout into `Content-Length` framed JSON messages.
pub fn read_frames(stdout: impl Read, frames: Sender<Frame>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == b"\r\n" {
                break;
            }
            let header = String::from_utf8_lossy(&line).into_owned();
            match header.strip_suffix("\r\n").and_then(|h| h.split_once(':')) {
                Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                    length = value.trim().parse::<usize>().ok();
                }
                Some((name, _)) if name.eq_ignore_ascii_case("content-type") => {}
                _ => {
                    let _ = frames.send(Frame::Garbage(header));
                    return;
                }
            }
        }
        let Some(length) = length else {
            let _ = frames.send(Frame::Garbage("a header without Content-Length".into()));
            return;
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            let _ = frames.send(Frame::Garbage(format!(
                "a body shorter than {length} bytes"
            )));
            return;
        }
        let frame = match serde_json::from_slice(&body) {
            Ok(message) => Frame::Message(message),
            Err(e) => Frame::Garbage(format!("{e}: {}", String::from_utf8_lossy(&body))),
        };
        if frames.send(frame).is_err() {
            return;
        }
    }
}

/// A started `preflight lsp` and the threads reading its output.
struct Process {
    child: Child,
    stdin: ChildStdin,
    frames: Receiver<Frame>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Signalled once the server's stderr reaches its end.
    stderr_closed: Receiver<()>,
}

impl Process {
    fn spawn(env: &[(&str, &str)]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
            .arg("lsp")
            .envs(env.iter().copied())
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
        Process {
            child,
            stdin,
            frames,
            stderr,
            stderr_closed,
        }
    }
}

/// One `preflight lsp` process and the client side of its session.
pub struct Server {
    pub child: Child,
    pub stdin: ChildStdin,
    pub frames: Receiver<Frame>,
    pub stderr: Arc<Mutex<Vec<u8>>>,
    /// Signalled once the server's stderr reaches its end.
    pub stderr_closed: Receiver<()>,
    pub next_id: i64,
    /// The latest `publishDiagnostics` params per URI.
    pub diagnostics: HashMap<String, Value>,
    /// The highest document version published per URI since the client opened it.
    pub published_versions: HashMap<String, i64>,
    pub encoding: Encoding,
    /// `workspace/diagnostic/refresh` requests received.
    pub refreshes: usize,
    /// Published versions must never go down (off when the test itself sends versions going
    /// backwards).
    pub monotonic_versions: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn spawn() -> Server {
        let Process {
            child,
            stdin,
            frames,
            stderr,
            stderr_closed,
        } = Process::spawn(&[("NO_COLOR", "1")]);
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
    pub fn start(root: &Path, encoding: Encoding) -> Server {
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
    pub fn initialize(&mut self, root: Option<&Path>, offered_encodings: &[&str]) -> Value {
        let roots: Vec<&Path> = root.into_iter().collect();
        self.initialize_with(&roots, offered_encodings, |_| {})
    }

    /// `initialize` with several workspace folders, the client capabilities changed by `patch`.
    pub fn initialize_with(
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
    pub fn stderr(&self) -> String {
        let _ = self.stderr_closed.recv_timeout(Duration::from_secs(1));
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    pub fn send(&mut self, message: &Value) {
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

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its whole response, handling everything that arrives meanwhile.
    pub fn request_response(&mut self, method: &str, params: Value) -> Value {
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
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_response(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response:#}"
        );
        response["result"].clone()
    }

    /// The next message that is not a request from the server (those are answered here), or
    /// `None` at the deadline.
    pub fn receive(&mut self, deadline: Instant) -> Option<Value> {
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
    pub fn drain(&mut self) {
        loop {
            match self.frames.try_recv() {
                Ok(frame) => {
                    self.handle(frame);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
            }
        }
    }

    pub fn handle(&mut self, frame: Frame) -> Option<Value> {
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

    pub fn record_diagnostics(&mut self, params: &Value) {
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
    pub fn wait_for_diagnostics(
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
    pub fn diagnostics_of(&mut self, uri: &str, version: i64) -> Value {
        self.wait_for_diagnostics(uri, TIMEOUT, |params| params["version"] == json!(version))
    }

    pub fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.published_versions.remove(uri);
        self.notify(
            "textDocument/didOpen",
            json!({
                "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text },
            }),
        );
    }

    pub fn change(&mut self, uri: &str, version: i64, changes: Vec<Value>) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": changes,
            }),
        );
    }

    pub fn close(&mut self, uri: &str) {
        self.published_versions.remove(uri);
        self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    pub fn code_actions(&mut self, uri: &str, range: Value, context: Value) -> Vec<Value> {
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
    pub fn exit_code(&mut self) -> i32 {
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
// A raw session, for tests that send what no well-behaved client would

/// How long a raw session waits for one event: longer than [`TIMEOUT`], since its tests load the
/// server on purpose.
pub const RAW_TIMEOUT: Duration = Duration::from_secs(30);

/// A `preflight lsp` process driven at the level of raw frames, for tests that send what no
/// well-behaved client would.
pub struct Session {
    pub child: Child,
    pub stdin: ChildStdin,
    frames: Receiver<Frame>,
    stderr: Arc<Mutex<Vec<u8>>>,
    next_id: i64,
    /// The latest `publishDiagnostics` params per URI.
    pub published: HashMap<String, Value>,
    /// Every `window/logMessage` params received.
    pub logged: Vec<Value>,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Session {
    pub fn start(root: &Path) -> Session {
        let Process {
            child,
            stdin,
            frames,
            stderr,
            ..
        } = Process::spawn(&[("PREFLIGHT_LOG", "trace")]);
        let mut session = Session {
            child,
            stdin,
            frames,
            stderr,
            next_id: 1,
            published: HashMap::new(),
            logged: Vec::new(),
        };
        let root_uri = uri(root);
        let id = session.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{ "uri": root_uri, "name": "root" }],
                "capabilities": {
                    "window": { "workDoneProgress": true },
                    "textDocument": { "publishDiagnostics": { "versionSupport": true } },
                },
                "initializationOptions": { "scanWorkspaceOnStartup": false },
            }),
        );
        session.response(id);
        session.notify("initialized", json!({}));
        session
    }

    /// The end of what the server wrote to stderr, for failure messages.
    pub fn stderr(&self) -> String {
        let all = String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned();
        let mut start = all.len().saturating_sub(3000);
        while !all.is_char_boundary(start) {
            start += 1;
        }
        all[start..].to_string()
    }

    pub fn full_stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    pub fn write_raw(&mut self, bytes: &[u8]) {
        if let Err(error) = self
            .stdin
            .write_all(bytes)
            .and_then(|()| self.stdin.flush())
        {
            panic!(
                "cannot write to the server ({error}); stderr:\n{}",
                self.stderr()
            );
        }
    }

    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend(body);
        self.write_raw(&frame);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    pub fn request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// The next message satisfying `accept` (answering the server's own requests meanwhile).
    pub fn wait_for(&mut self, what: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + RAW_TIMEOUT;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let message = match self.frames.recv_timeout(wait) {
                Ok(Frame::Message(message)) => message,
                Ok(Frame::Garbage(text)) => panic!("not an LSP frame on stdout: {text:?}"),
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "no {what} within {RAW_TIMEOUT:?}; stderr:\n{}",
                        self.stderr()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server closed its output; stderr:\n{}", self.stderr())
                }
            };
            if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
                let id = id.clone();
                self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
                continue;
            }
            if message["method"] == "window/logMessage" {
                self.logged.push(message["params"].clone());
            }
            if message["method"] == "textDocument/publishDiagnostics" {
                let uri = message["params"]["uri"].as_str().unwrap_or_default();
                self.published
                    .insert(uri.to_string(), message["params"].clone());
            }
            if accept(&message) {
                return message;
            }
        }
    }

    pub fn response(&mut self, id: i64) -> Value {
        self.wait_for(&format!("response {id}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let id = self.request(method, params);
        let response = self.response(id);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    pub fn open(&mut self, uri: &str, language: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri, "languageId": language, "version": version, "text": text,
            }}),
        );
    }

    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        if let Some(params) = self.published.get(uri)
            && params["version"] == json!(version)
        {
            return params["diagnostics"].as_array().unwrap().clone();
        }
        let message = self.wait_for(&format!("diagnostics of {uri} v{version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(uri)
                && m["params"]["version"] == json!(version)
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// Resident memory of the server process.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("a Linux /proc");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    pub fn assert_alive(&mut self) {
        let result = self.result(
            "textDocument/hover",
            json!({
                "textDocument": { "uri": "file:///nowhere/never.ts" },
                "position": { "line": 0, "character": 0 },
            }),
        );
        assert_eq!(result, Value::Null);
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the server exited"
        );
    }
}
