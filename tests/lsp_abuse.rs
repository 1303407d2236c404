//! The language server under abuse: broken messages, requests about documents it never saw,
//! positions anywhere, a client that stops reading, a thousand open documents, and an analysis
//! that panics. The server must answer what deserves an answer, ignore the rest, keep serving,
//! and keep its memory bounded.

#[path = "support/lsp.rs"]
mod lsp_support;
mod support;

use lsp_support::{Session, uri};
use serde_json::{Value, json};
use std::io::Write;
use std::process::ChildStdin;
use std::time::Duration;

/// The marker the `fault-injection` feature (on in this crate's test builds) panics on.
const FAULT: &str = "preflight-fault-injection: panic";

fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    (dir, root)
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("?"))
        .collect()
}

#[test]
fn broken_and_pointless_messages_get_errors_or_nothing() {
    let (_dir, root) = workspace();
    let mut session = Session::start(&root);
    // A body that is not JSON, and JSON that is not JSON-RPC.
    for body in [
        &b"{\"jsonrpc\":"[..],
        b"[1,2,3]",
        b"\xff\xfe",
        b"{\"jsonrpc\":\"2.0\",\"id\":[]}",
    ] {
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body);
        session.write_raw(&frame);
    }
    session.assert_alive();
    // Unknown methods: a request gets "method not found", a notification nothing.
    let id = session.request("preflight/noSuchThing", json!({}));
    let response = session.response(id);
    assert_eq!(response["error"]["code"], json!(-32601), "{response}");
    session.notify("preflight/noSuchNotification", json!({ "x": 1 }));
    // Parameters of the wrong shape: "invalid params".
    let id = session.request("textDocument/hover", json!("not an object"));
    let response = session.response(id);
    assert_eq!(response["error"]["code"], json!(-32602), "{response}");
    session.assert_alive();
}

#[test]
fn documents_never_opened_closed_or_edited_out_of_range() {
    let (_dir, root) = workspace();
    std::fs::write(root.join("package.json"), r#"{"name":"app"}"#).unwrap();
    let mut session = Session::start(&root);
    let never = uri(&root.join("src/never.ts"));
    let anywhere = json!({ "start": { "line": 0, "character": 0 },
                           "end": { "line": 99999, "character": 99999 } });
    for (method, params) in [
        (
            "textDocument/hover",
            json!({ "textDocument": { "uri": never }, "position": { "line": 7, "character": 3 } }),
        ),
        (
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": never }, "range": anywhere,
                    "context": { "diagnostics": [] } }),
        ),
    ] {
        let result = session.result(method, params);
        assert!(
            result.is_null() || result == json!([]),
            "{method}: {result}"
        );
    }
    // Edits and closes of a document never opened are ignored.
    session.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": never, "version": 2 },
                "contentChanges": [{ "range": anywhere, "text": "x" }] }),
    );
    session.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": never } }),
    );
    // An open document, then positions past every line and column.
    let doc = uri(&root.join("src/app.ts"));
    let text = "const a = 1;\nconsole.log(a);\n";
    session.open(&doc, "typescript", 1, text);
    assert_eq!(codes(&session.diagnostics(&doc, 1)), ["debug-print"]);
    let far = json!({ "line": 4_000_000_000u32, "character": 4_000_000_000u32 });
    session.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": doc }, "position": far }),
    );
    session.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": doc }, "range": { "start": far, "end": far },
                "context": { "diagnostics": [] } }),
    );
    // A change past the end appends; the range's ends given backwards are read in order.
    session.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": doc, "version": 2 },
                "contentChanges": [
                    { "range": { "start": far, "end": far }, "text": "debugger;\n" },
                    { "range": { "start": { "line": 0, "character": 12 },
                                 "end": { "line": 0, "character": 0 } },
                      "text": "const b = 2;" },
                ] }),
    );
    assert_eq!(
        codes(&session.diagnostics(&doc, 2)),
        ["debug-print", "debug-print"]
    );
    // A version gap (2 → 7) is no reason to refuse an edit.
    session.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": doc, "version": 7 },
                "contentChanges": [{ "text": "export const ok = 1;\n" }] }),
    );
    assert_eq!(session.diagnostics(&doc, 7), Vec::<Value>::new());
    // Closed, then edited: ignored, and the server goes on.
    session.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": doc } }),
    );
    session.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": doc, "version": 8 },
                "contentChanges": [{ "text": "console.log(1);\n" }] }),
    );
    session.assert_alive();
    assert!(
        !session.full_stderr().contains("panicked"),
        "{}",
        session.stderr()
    );
}

#[test]
fn a_client_that_stops_reading_neither_deadlocks_nor_bloats_the_server() {
    let (_dir, root) = workspace();
    let mut session = Session::start(&root);
    let base = session.rss_kib();
    // Flood it while reading nothing: every change yields diagnostics, and the pipe fills.
    let doc = uri(&root.join("src/app.ts"));
    let line = "console.log('a fairly long line to make the diagnostics message bigger');\n";
    session.open(&doc, "typescript", 1, &line.repeat(200));
    let writer = {
        let mut stdin = session.stdin.try_clone_for_test();
        let doc = doc.clone();
        std::thread::spawn(move || {
            for version in 2..=400 {
                let message = json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
                    "params": { "textDocument": { "uri": doc, "version": version },
                                "contentChanges": [{ "range": {
                                    "start": { "line": 0, "character": 0 },
                                    "end": { "line": 0, "character": 0 } },
                                  "text": "console.log(1);\n" }] } });
                let body = serde_json::to_vec(&message).unwrap();
                let _ = write!(stdin, "Content-Length: {}\r\n\r\n", body.len());
                let _ = stdin.write_all(&body);
            }
            let _ = stdin.flush();
        })
    };
    std::thread::sleep(Duration::from_secs(3));
    let stalled = session.rss_kib();
    assert!(
        stalled < base + 200 * 1024,
        "grew from {base} KiB to {stalled} KiB while the client was not reading"
    );
    // Reading again: the backlog drains and the server answers, with the latest version.
    writer.join().unwrap();
    session.diagnostics(&doc, 400);
    session.assert_alive();
}

#[test]
fn a_thousand_open_documents_fit_in_bounded_memory() {
    let (_dir, root) = workspace();
    std::fs::write(root.join("package.json"), r#"{"name":"app"}"#).unwrap();
    let mut session = Session::start(&root);
    let mut body = String::from("import express from 'express';\n");
    for i in 0..40 {
        body.push_str(&format!(
            "export function handler{i}(req, res) {{\n  console.log('handling', req.url);\n  \
             return res.json({{ ok: {i} }});\n}}\n"
        ));
    }
    let uris: Vec<String> = (0..1000)
        .map(|i| uri(&root.join(format!("src/m{i}.ts"))))
        .collect();
    for doc in &uris {
        session.open(doc, "typescript", 1, &body);
    }
    for doc in &uris {
        assert_eq!(session.diagnostics(doc, 1).len(), 40);
    }
    let rss = session.rss_kib();
    assert!(rss < 500 * 1024, "{rss} KiB for 1,000 documents");
    session.assert_alive();
}

#[test]
fn a_panicking_analysis_costs_one_file_and_the_server_goes_on() {
    let (_dir, root) = workspace();
    std::fs::write(root.join("package.json"), r#"{"name":"app"}"#).unwrap();
    let mut session = Session::start(&root);
    let bad = uri(&root.join("src/bad.ts"));
    let good = uri(&root.join("src/good.ts"));
    session.open(
        &bad,
        "typescript",
        1,
        &format!("// {FAULT}\nconsole.log(1);\n"),
    );
    session.open(&good, "typescript", 1, "console.log(2);\n");
    assert_eq!(codes(&session.diagnostics(&good, 1)), ["debug-print"]);
    let is_failure = |params: &Value| {
        params["type"] == json!(1)
            && params["message"]
                .as_str()
                .is_some_and(|t| t.contains("src/bad.ts") && t.contains("fault injected"))
    };
    if !session.logged.iter().any(is_failure) {
        session.wait_for("the failure's log message", |m| {
            m["method"] == "window/logMessage" && is_failure(&m["params"])
        });
    }
    let logged = session.logged.iter().find(|p| is_failure(p)).unwrap();
    assert!(
        logged["message"]
            .as_str()
            .unwrap()
            .contains("internal error")
    );
    // Still serving: the good file is analysed again after an edit, and the bad one once
    // the fault is gone.
    session.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": good, "version": 2 },
                "contentChanges": [{ "text": "debugger;\nconsole.log(2);\n" }] }),
    );
    assert_eq!(
        codes(&session.diagnostics(&good, 2)),
        ["debug-print", "debug-print"]
    );
    session.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": bad, "version": 2 },
                "contentChanges": [{ "text": "console.log(1);\n" }] }),
    );
    assert_eq!(codes(&session.diagnostics(&bad, 2)), ["debug-print"]);
    session.assert_alive();
}

trait CloneForTest {
    fn try_clone_for_test(&mut self) -> std::fs::File;
}

impl CloneForTest for ChildStdin {
    /// A second handle on the server's stdin, for a writer thread.
    fn try_clone_for_test(&mut self) -> std::fs::File {
        use std::os::fd::AsFd;
        std::fs::File::from(self.as_fd().try_clone_to_owned().unwrap())
    }
}
