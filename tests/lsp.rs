//! The language server end to end: `preflight lsp` driven over stdio by a small synchronous
//! JSON-RPC client, the way an editor drives it.
//!
//! The client lives in `support/lsp.rs`. Every test starts its own server processes on its own
//! temporary workspace. Waits are always for an event (a response, a `publishDiagnostics`
//! matching a predicate) with a generous deadline, never a sleep followed by an assertion.

#[path = "support/lsp.rs"]
mod lsp_support;
mod support;

use lsp_support::{
    Encoding, Server, TIMEOUT, apply_edits, copy_fixture, edits_as_changes, range, range_of,
    range_of_nth, uri, workspace,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Instant;

const CONSOLE_LOG: &str =
    "`console.log` left in production code; use the application logger or remove it.";
const DEBUGGER: &str = "`debugger` statement left in code.";

const PACKAGE_JSON: &str = r#"{ "name": "app", "version": "1.0.0", "dependencies": {} }"#;

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

/// The startup scan does not parse files without trigger words; once an edit creates an app,
/// the facts of those files (here the arity of an imported error middleware) are read after all.
#[test]
fn an_app_created_by_an_edit_sees_the_files_the_scan_skipped() {
    let (_dir, root) = workspace(&[
        (
            "package.json",
            r#"{"name": "api", "dependencies": {"express": "5"}}"#,
        ),
        (
            "src/errors.ts",
            "export function handle(a: unknown, b: unknown, c: unknown, d: (x: unknown) => void) {\n  d(a);\n}\n",
        ),
        ("src/app.ts", "export const port = 3000;\n"),
    ]);
    let app = root.join("src/app.ts");
    let text = std::fs::read_to_string(&app).unwrap();
    let uri = uri(&app);
    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&uri, "typescript", &text);
    server.diagnostics_of(&uri, 1);
    let edited = "import express from 'express';\nimport { handle } from './errors';\n\
                  const app = express();\napp.get('/', (req, res) => res.send('ok'));\n\
                  app.use(handle);\napp.listen(3000);\n";
    server.change(
        &uri,
        2,
        vec![json!({
            "range": range(&text, 0..text.len(), Encoding::Utf16),
            "text": edited,
        })],
    );
    let params = server.diagnostics_of(&uri, 2);
    assert!(
        !codes(&params).contains(&"missing-error-handler"),
        "{params:#}"
    );
    // Without the middleware's arity, the app would have no error handler.
    server.change(
        &uri,
        3,
        vec![json!({
            "range": range(edited, 0..edited.len(), Encoding::Utf16),
            "text": edited.replace("app.use(handle);\n", ""),
        })],
    );
    let params = server.diagnostics_of(&uri, 3);
    assert!(
        codes(&params).contains(&"missing-error-handler"),
        "{params:#}"
    );
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

#[test]
fn a_project_fact_in_another_buffer_waives_file_findings() {
    let users_text = "import axios from 'axios';\n\nexport async function listUsers() {\n  \
                      return (await axios.get('/users')).data;\n}\n";
    let http_text = "import axios from 'axios';\n";
    let (_dir, root) = workspace(&[
        (
            "package.json",
            r#"{ "name": "api", "dependencies": { "axios": "^1.7.0" } }"#,
        ),
        ("src/users.ts", users_text),
        ("src/http.ts", http_text),
    ]);
    let users = uri(&root.join("src/users.ts"));
    let http = uri(&root.join("src/http.ts"));
    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&users, "typescript", users_text);
    server.wait_for_diagnostics(&users, TIMEOUT, |params| {
        codes(params).contains(&"request-without-timeout")
    });

    // Unsaved: the default instance gets a timeout in another file.
    server.open(&http, "typescript", http_text);
    let end = http_text.len();
    server.change(
        &http,
        2,
        vec![json!({
            "range": range(http_text, end..end, Encoding::Utf16),
            "text": "axios.defaults.timeout = 5000;\n",
        })],
    );
    server.wait_for_diagnostics(&users, TIMEOUT, |params| {
        !codes(params).contains(&"request-without-timeout")
    });

    // And taken away again.
    let edited = format!("{http_text}axios.defaults.timeout = 5000;\n");
    server.change(
        &http,
        3,
        vec![json!({
            "range": range(&edited, http_text.len()..edited.len(), Encoding::Utf16),
            "text": "",
        })],
    );
    server.wait_for_diagnostics(&users, TIMEOUT, |params| {
        codes(params).contains(&"request-without-timeout")
    });
}

// ---------------------------------------------------------------------------------------------
// Fact sources edited in the editor: what reads them follows the buffer, not the disk

/// Some diagnostic's message contains `text`.
fn mentions(params: &Value, text: &str) -> bool {
    diagnostics(params)
        .iter()
        .any(|d| d["message"].as_str().is_some_and(|m| m.contains(text)))
}

/// An insertion at the end of `text` as one `didChange` content change.
fn append(text: &str, added: &str) -> Vec<Value> {
    vec![json!({
        "range": range(text, text.len()..text.len(), Encoding::Utf16),
        "text": added,
    })]
}

#[test]
fn an_unsaved_env_example_documents_variables() {
    let config = "export const config = {\n  databaseUrl: process.env.DATABASE_URL,\n  \
                  redisUrl: process.env.REDIS_URL,\n};\n";
    let example = "DATABASE_URL=\n";
    let (_dir, root) = workspace(&[
        ("package.json", PACKAGE_JSON),
        (".env.example", example),
        ("src/config.ts", config),
    ]);
    let reader = uri(&root.join("src/config.ts"));
    let env = uri(&root.join(".env.example"));
    let mut server = Server::start(&root, Encoding::Utf16);
    // The startup scan reports the closed file.
    let params = server.wait_for_diagnostics(&reader, TIMEOUT, |p| {
        codes(p).contains(&"env-not-documented")
    });
    assert_eq!(
        spans(&params),
        expected_spans(&[(
            "env-not-documented",
            range_of(config, "REDIS_URL", Encoding::Utf16)
        )]),
        "{params:#}"
    );

    // Documented in the buffer, not on disk: the diagnostic goes.
    server.open(&env, "dotenv", example);
    server.change(
        &env,
        2,
        append(example, "REDIS_URL=redis://localhost:6379\n"),
    );
    server.wait_for_diagnostics(&reader, TIMEOUT, |p| {
        !codes(p).contains(&"env-not-documented")
    });
    assert_eq!(
        std::fs::read_to_string(root.join(".env.example")).unwrap(),
        example
    );

    // An opened reader sees the buffer too.
    server.open(&reader, "typescript", config);
    let params = server.diagnostics_of(&reader, 1);
    assert!(
        !codes(&params).contains(&"env-not-documented"),
        "{params:#}"
    );

    // Closed without saving: the disk is the truth again.
    server.close(&env);
    server.wait_for_diagnostics(&reader, TIMEOUT, |p| {
        codes(p).contains(&"env-not-documented")
    });
}

#[test]
fn an_unsaved_dockerignore_changes_what_the_build_context_holds() {
    let secrets = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]\n";
    let entry = "FROM node:20-slim\nCOPY . /app\nENTRYPOINT [\"/app/scripts/entrypoint.sh\"]\n";
    let ignore = "node_modules\n";
    let (_dir, root) = workspace(&[
        ("package.json", PACKAGE_JSON),
        ("web/Dockerfile", secrets),
        ("web/.env", "API_KEY=local\n"),
        (
            "web/server.js",
            "require('http').createServer().listen(3000);\n",
        ),
        ("web/.dockerignore", ignore),
        ("worker/Dockerfile", entry),
        (
            "worker/scripts/entrypoint.sh",
            "#!/bin/sh\nexec node index.js\n",
        ),
        ("worker/.dockerignore", ignore),
    ]);
    let web = uri(&root.join("web/Dockerfile"));
    let web_ignore = uri(&root.join("web/.dockerignore"));
    let worker = uri(&root.join("worker/Dockerfile"));
    let worker_ignore = uri(&root.join("worker/.dockerignore"));
    let mut server = Server::start(&root, Encoding::Utf16);
    server.wait_for_diagnostics(&web, TIMEOUT, |p| codes(p).contains(&"secret-in-image"));

    // S4 on a closed Dockerfile: excluding `.env` in the unsaved ignore file silences it.
    server.open(&web_ignore, "ignore", ignore);
    server.change(&web_ignore, 2, append(ignore, ".env\n"));
    server.wait_for_diagnostics(&web, TIMEOUT, |p| !codes(p).contains(&"secret-in-image"));

    // entrypoint-target-missing on an open Dockerfile: excluding its script reports it.
    server.open(&worker, "dockerfile", entry);
    let params = server.diagnostics_of(&worker, 1);
    assert!(
        !codes(&params).contains(&"entrypoint-target-missing"),
        "{params:#}"
    );
    server.open(&worker_ignore, "ignore", ignore);
    server.change(&worker_ignore, 2, append(ignore, "scripts/\n"));
    let params = server.wait_for_diagnostics(&worker, TIMEOUT, |p| {
        codes(p).contains(&"entrypoint-target-missing")
    });
    assert_eq!(
        spans(&params)
            .into_iter()
            .filter(|(code, _)| code == "entrypoint-target-missing")
            .collect::<BTreeSet<_>>(),
        expected_spans(&[(
            "entrypoint-target-missing",
            range_of(entry, "\"/app/scripts/entrypoint.sh\"", Encoding::Utf16)
        )]),
        "{params:#}"
    );
    assert!(
        mentions(&params, "excluded by `.dockerignore` (`scripts/`)"),
        "{params:#}"
    );

    // Both buffers closed unsaved: back to what the disk says.
    server.close(&worker_ignore);
    server.wait_for_diagnostics(&worker, TIMEOUT, |p| {
        !codes(p).contains(&"entrypoint-target-missing")
    });
    server.close(&web_ignore);
    server.wait_for_diagnostics(&web, TIMEOUT, |p| codes(p).contains(&"secret-in-image"));
}

#[test]
fn unsaved_package_json_and_compose_files_are_read_from_their_buffers() {
    let docker = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD [\"npm\", \"start\"]\n";
    let manifest = "{\n  \"name\": \"api\",\n  \"scripts\": { \"start\": \"node server.js\" }\n}\n";
    let config = "export const redisUrl = process.env.REDIS_URL;\n";
    let compose = "services:\n  api:\n    build: .\n";
    let (_dir, root) = workspace(&[
        ("package.json", manifest),
        ("Dockerfile", docker),
        (
            "server.js",
            "require('http').createServer().listen(3000);\n",
        ),
        (".env.example", "PORT=\n"),
        ("compose.yaml", compose),
        ("src/config.ts", config),
    ]);
    let dockerfile = uri(&root.join("Dockerfile"));
    let package = uri(&root.join("package.json"));
    let compose_uri = uri(&root.join("compose.yaml"));
    let reader = uri(&root.join("src/config.ts"));
    let mut server = Server::start(&root, Encoding::Utf16);
    server.wait_for_diagnostics(&reader, TIMEOUT, |p| {
        codes(p).contains(&"env-not-documented")
    });

    // The start script becomes a file watcher in the buffer.
    server.open(&dockerfile, "dockerfile", docker);
    let params = server.diagnostics_of(&dockerfile, 1);
    assert!(
        !codes(&params).contains(&"dev-server-in-production"),
        "{params:#}"
    );
    server.open(&package, "json", manifest);
    let at = manifest.find("node server.js").unwrap();
    server.change(
        &package,
        2,
        vec![json!({
            "range": range(manifest, at..at + "node".len(), Encoding::Utf16),
            "text": "nodemon",
        })],
    );
    let params = server.wait_for_diagnostics(&dockerfile, TIMEOUT, |p| {
        codes(p).contains(&"dev-server-in-production")
    });
    assert!(
        mentions(&params, "whose script is `nodemon server.js`"),
        "{params:#}"
    );

    // A compose service built from the project root documents `REDIS_URL` in the buffer.
    server.open(&compose_uri, "dockercompose", compose);
    server.change(
        &compose_uri,
        2,
        append(
            compose,
            "    environment:\n      - REDIS_URL=redis://cache\n",
        ),
    );
    server.wait_for_diagnostics(&reader, TIMEOUT, |p| {
        !codes(p).contains(&"env-not-documented")
    });
    // A half-typed, invalid compose file is ignored, not fatal.
    let typed = format!("{compose}    environment:\n      - REDIS_URL=redis://cache\n");
    server.change(&compose_uri, 3, append(&typed, "  worker: [\n"));
    server.wait_for_diagnostics(&reader, TIMEOUT, |p| {
        codes(p).contains(&"env-not-documented")
    });
}

/// An unsaved manifest is what classifies the project's open files: a `bin` entry typed into
/// `package.json` makes a file a script (where `debug-print` does not apply), and closing the
/// buffer unsaved brings back what the disk says.
#[test]
fn an_unsaved_manifest_classifies_open_files() {
    let manifest = "{\n  \"name\": \"tool\",\n  \"version\": \"1.0.0\"\n}\n";
    let source = "console.log('done');\n";
    let (_dir, root) = workspace(&[("package.json", manifest), ("src/report.js", source)]);
    let file = uri(&root.join("src/report.js"));
    let package = uri(&root.join("package.json"));
    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&file, "javascript", source);
    let params = server.diagnostics_of(&file, 1);
    assert_eq!(codes(&params), ["debug-print"], "{params:#}");

    server.open(&package, "json", manifest);
    let at = manifest.find("  \"version\"").unwrap();
    server.change(
        &package,
        2,
        vec![json!({
            "range": range(manifest, at..at, Encoding::Utf16),
            "text": "  \"bin\": { \"report\": \"./src/report.js\" },\n",
        })],
    );
    server.wait_for_diagnostics(&file, TIMEOUT, |p| codes(p).is_empty());

    server.close(&package);
    server.wait_for_diagnostics(&file, TIMEOUT, |p| codes(p) == ["debug-print"]);
    assert_eq!(
        std::fs::read_to_string(root.join("package.json")).unwrap(),
        manifest
    );
}

#[test]
fn open_dockerfiles_follow_their_build_context_on_disk() {
    let entry = "FROM node:20-slim\nCOPY . /app\nENTRYPOINT [\"/app/scripts/entrypoint.sh\"]\n";
    let (_dir, root) = workspace(&[
        ("package.json", PACKAGE_JSON),
        ("Dockerfile", entry),
        ("scripts/entrypoint.sh", "#!/bin/sh\nexec node index.js\n"),
    ]);
    let dockerfile = uri(&root.join("Dockerfile"));
    let script = uri(&root.join("scripts/entrypoint.sh"));
    let mut server = Server::start(&root, Encoding::Utf16);
    server.open(&dockerfile, "dockerfile", entry);
    let params = server.diagnostics_of(&dockerfile, 1);
    assert!(
        !codes(&params).contains(&"entrypoint-target-missing"),
        "{params:#}"
    );
    std::fs::remove_dir_all(root.join("scripts")).unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": script, "type": 3 }] }),
    );
    let params = server.wait_for_diagnostics(&dockerfile, TIMEOUT, |p| {
        codes(p).contains(&"entrypoint-target-missing")
    });
    assert!(
        mentions(
            &params,
            "`scripts/entrypoint.sh` is not in the build context"
        ),
        "{params:#}"
    );
}
