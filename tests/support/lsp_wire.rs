//! The wire of the language server protocol, as the end-to-end tests read it.
#![allow(dead_code)] // each test uses part of it

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any single expected event may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

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

/// A `preflight lsp` process driven at the level of raw frames, for tests that send what no
/// well-behaved client would.
pub struct Session {
    pub child: Child,
    pub stdin: ChildStdin,
    frames: Receiver<Frame>,
    stderr: Arc<Mutex<Vec<u8>>>,
    next_id: i64,
    /// The latest `publishDiagnostics` params per URI.
    pub published: std::collections::HashMap<String, Value>,
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_preflight"))
            .arg("lsp")
            .env("PREFLIGHT_LOG", "trace")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut pipe = child.stderr.take().unwrap();
        let (sender, frames) = mpsc::channel();
        std::thread::spawn(move || read_frames(stdout, sender));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                sink.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        });
        let mut session = Session {
            child,
            stdin,
            frames,
            stderr,
            next_id: 1,
            published: std::collections::HashMap::new(),
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
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let message = match self.frames.recv_timeout(wait) {
                Ok(Frame::Message(message)) => message,
                Ok(Frame::Garbage(text)) => panic!("not an LSP frame on stdout: {text:?}"),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no {what} within {TIMEOUT:?}; stderr:\n{}", self.stderr())
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

pub fn uri(path: &Path) -> String {
    format!("file://{}", path.to_str().unwrap())
}
