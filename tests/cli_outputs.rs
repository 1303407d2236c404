//! The machine-readable outputs CI and editors consume: SARIF (checked against the official
//! SARIF 2.1.0 schema), GitHub workflow commands, `--stdin-filename`, the progress bar, and the
//! promise that no format ever echoes a secret.

mod support;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::fixtures;

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = support::command(dir);
    command.args(args);
    command
}

fn preflight(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("the binary runs")
}

/// Runs Preflight with `input` on stdin.
fn preflight_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = command(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A usage error exits before reading stdin: a broken pipe is expected then.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            stdout(output),
            stderr(output)
        )
    })
}

fn copy_fixture(name: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    support::copy_dir(&fixtures().join("projects").join(name), temp.path());
    temp
}

/// A temporary folder holding these files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The official SARIF 2.1.0 schema (see `tests/schemas/README.md`).
fn sarif_schema() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/schemas/sarif-2.1.0-rtm.5.json");
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The schema's pattern for `language` properties has a stray `]`, which the validator's
    // check of the schema itself rejects as an invalid regular expression. Preflight writes no
    // `language`; the pattern is replaced by the one the schema's description intends.
    fn fix_language_patterns(value: &mut Value) -> usize {
        const ERRATUM: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
        match value {
            Value::Object(map) => {
                let mut fixed = 0;
                if map.get("pattern").is_some_and(|p| p == ERRATUM) {
                    map.insert("pattern".into(), "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into());
                    fixed += 1;
                }
                fixed + map.values_mut().map(fix_language_patterns).sum::<usize>()
            }
            Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
            _ => 0,
        }
    }
    assert!(
        fix_language_patterns(&mut schema) > 0,
        "the erratum is still there"
    );
    schema
}

/// Validates a SARIF log against the official schema, listing every violation.
fn assert_valid_sarif(log: &Value) {
    let validator = jsonschema::draft4::new(&sarif_schema()).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

/// `(rule, path, line, column, end line, end column)` of every JSON diagnostic.
fn json_positions(value: &Value) -> Vec<(String, String, u64, u64, u64, u64)> {
    value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().into(),
                d["path"].as_str().unwrap().into(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["end_line"].as_u64().unwrap(),
                d["end_column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn sarif_positions(log: &Value) -> Vec<(String, String, u64, u64, u64, u64)> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            let region = &location["region"];
            (
                r["ruleId"].as_str().unwrap().into(),
                location["artifactLocation"]["uri"].as_str().unwrap().into(),
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
                region["endLine"].as_u64().unwrap(),
                region["endColumn"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn sarif_is_valid_against_the_official_schema_and_matches_the_json_output() {
    let project = copy_fixture("scratch");
    let output = preflight(project.path(), &["check", "--format", "sarif"]);
    assert_eq!(code(&output), 1, "exit codes do not depend on the format");
    let log = json(&output);
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );

    // The same findings at the same places as `--format json`.
    let expected = json(&preflight(project.path(), &["check", "--format", "json"]));
    assert_eq!(sarif_positions(&log), json_positions(&expected));
    for result in run["results"].as_array().unwrap() {
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uriBaseId"], "%SRCROOT%");
        let rule = &run["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], result["ruleId"], "ruleIndex points at the rule");
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
    }
    let levels: Vec<_> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap()))
        .collect();
    assert!(levels.contains(&("cors-wildcard", "warning")), "{levels:?}");
    assert!(levels.contains(&("debug-print", "warning")), "{levels:?}");
}

#[test]
fn the_schema_check_rejects_what_the_spec_forbids() {
    let validator = jsonschema::draft4::new(&sarif_schema()).unwrap();
    let log = |region: Value| {
        serde_json::json!({
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": { "name": "x" } },
                "results": [{
                    "message": { "text": "m" },
                    "locations": [{ "physicalLocation": {
                        "artifactLocation": { "uri": "a.ts" }, "region": region } }],
                }],
            }],
        })
    };
    assert!(validator.is_valid(&log(serde_json::json!({ "startLine": 1 }))));
    assert!(!validator.is_valid(&log(serde_json::json!({ "startLine": 0 }))));
    assert!(!validator.is_valid(&serde_json::json!({ "version": "2.1.0" })));
    assert!(!validator.is_valid(&serde_json::json!({ "version": "2.0.0", "runs": [] })));
}

#[test]
fn sarif_describes_every_rule_with_its_documentation() {
    let dir = project(&[]);
    let output = preflight(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(code(&output), 0);
    let log = json(&output);
    assert_valid_sarif(&log);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "Preflight");
    let listed: Value =
        serde_json::from_slice(&preflight(dir.path(), &["rules", "--format", "json"]).stdout)
            .unwrap();
    let descriptors = driver["rules"].as_array().unwrap();
    for rule in listed.as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        let descriptor = descriptors
            .iter()
            .find(|d| d["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not described"));
        assert_eq!(descriptor["shortDescription"]["text"], rule["summary"]);
        let full = descriptor["fullDescription"]["text"].as_str().unwrap();
        assert!(!full.is_empty() && !full.contains('\n'), "{id}: {full}");
        let help = descriptor["help"]["markdown"].as_str().unwrap();
        let doc = stdout(&preflight(dir.path(), &["rule", id]));
        assert!(
            doc.ends_with(help),
            "{id}: help is the rule's documentation"
        );
        assert!(help.contains("## Why is this bad?"), "{id}");
        assert_eq!(
            descriptor["helpUri"],
            format!("https://preflight.dev/rules/{id}")
        );
        let level = match rule["default_severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "note",
        };
        assert_eq!(descriptor["defaultConfiguration"]["level"], level, "{id}");
    }
    assert!(
        descriptors.iter().any(|d| d["id"] == "invalid-ignore"),
        "suppression problems have a descriptor too"
    );
    assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));
}

/// Applies a SARIF fix's replacements to a text (1-based lines, columns in code points).
fn apply_sarif_fix(text: &str, fix: &Value) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let offset = |line: u64, column: u64| -> usize {
        let start: usize = lines[..line as usize - 1].iter().map(|l| l.len()).sum();
        let line_text = lines[line as usize - 1];
        start
            + line_text
                .char_indices()
                .nth(column as usize - 1)
                .map_or(line_text.len(), |(at, _)| at)
    };
    let mut edits: Vec<(usize, usize, String)> = fix["artifactChanges"][0]["replacements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let d = &r["deletedRegion"];
            let u = |k: &str| d[k].as_u64().unwrap();
            (
                offset(u("startLine"), u("startColumn")),
                offset(u("endLine"), u("endColumn")),
                r["insertedContent"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

#[test]
fn sarif_fixes_apply_to_what_fix_writes() {
    let project = copy_fixture("scratch");
    let log = json(&preflight(project.path(), &["check", "--format", "sarif"]));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let entrypoint = results
        .iter()
        .find(|r| r["ruleId"] == "malformed-entrypoint")
        .unwrap();
    let fix = &entrypoint["fixes"][0];
    assert!(fix["description"]["text"].as_str().is_some());
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "ml/Dockerfile");
    assert_eq!(change["artifactLocation"]["uriBaseId"], "%SRCROOT%");

    let dockerfile = project.path().join("ml/Dockerfile");
    let before = std::fs::read_to_string(&dockerfile).unwrap();
    let by_sarif = apply_sarif_fix(&before, fix);
    let fixed = preflight(project.path(), &["check", "--fix", "ml"]);
    assert!(stdout(&fixed).contains("Fixed"), "{}", stdout(&fixed));
    assert_eq!(by_sarif, std::fs::read_to_string(&dockerfile).unwrap());

    let unfixable = results
        .iter()
        .find(|r| r["ruleId"] == "cors-wildcard")
        .unwrap();
    assert!(
        unfixable.get("fixes").is_none_or(|f| f.is_array()),
        "fixes is an array when present"
    );
}

#[test]
fn sarif_uris_are_encoded_and_columns_count_code_points() {
    let dir = project(&[(
        "src/my app/a b.ts",
        "export function f() {\n  const é = '😀'; console.log(é);\n}\n",
    )]);
    // A file that is skipped becomes a notification of the invocation.
    std::fs::write(
        dir.path().join("src/image.ts"),
        b"\x89PNG\r\n\x1a\n\x00\x00",
    )
    .unwrap();
    let log = json(&preflight(dir.path(), &["check", "--format", "sarif"]));
    assert_valid_sarif(&log);
    let notification = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/image.ts"
    );
    assert!(
        notification["message"]["text"]
            .as_str()
            .unwrap()
            .contains("binary")
    );
    let positions = sarif_positions(&log);
    assert_eq!(
        positions,
        [(
            "debug-print".to_string(),
            "src/my%20app/a%20b.ts".to_string(),
            2,
            18,
            2,
            29
        )]
    );
}

#[test]
fn github_annotations_have_the_workflow_command_shape() {
    let project = copy_fixture("scratch");
    let output = preflight(project.path(), &["check", "--format", "github"]);
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(
            &"::warning file=api/src/main.ts,line=6,col=28,endLine=6,endColumn=31,title=cors-wildcard::CORS allows any origin (`origin: '*'`); restrict it to an explicit allow-list, e.g. from an environment variable."
        ),
        "{text}"
    );
    // Each finding of the JSON output is one line, at the same place, by severity.
    let expected = json(&preflight(project.path(), &["check", "--format", "json"]));
    let diagnostics = expected["diagnostics"].as_array().unwrap();
    assert_eq!(lines.len(), diagnostics.len(), "{text}");
    for (line, d) in lines.iter().zip(diagnostics) {
        let command = match d["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        let prefix = format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::",
            d["path"].as_str().unwrap(),
            d["line"],
            d["column"],
            d["end_line"],
            d["end_column"],
            d["rule"].as_str().unwrap()
        );
        assert!(line.starts_with(&prefix), "{line}\nexpected {prefix}");
        assert!(line.ends_with(d["message"].as_str().unwrap()), "{line}");
    }
}

#[test]
fn github_properties_escape_separators() {
    let dir = project(&[(
        "src/we,ird:name.ts",
        "export function f() {\n  console.log(1);\n}\n",
    )]);
    let output = preflight(dir.path(), &["check", "--format", "github"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("::warning file=src/we%2Cird%3Aname.ts,line=2,col=3,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn stdin_is_reported_as_the_named_file() {
    let dir = project(&[(
        "strict/preflight.toml",
        "[rules]\ndebug-print = \"error\"\n",
    )]);
    let text = "export function f() {\n  console.log('x');\n}\n";

    let output = preflight_stdin(
        dir.path(),
        &["check", "--stdin-filename", "src/a.ts", "--format", "json"],
        text,
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let positions = json_positions(&json(&output));
    assert_eq!(
        positions,
        [("debug-print".into(), "src/a.ts".into(), 2, 3, 2, 14)]
    );
    assert!(
        !dir.path().join("src/a.ts").exists(),
        "nothing is written, the file need not exist"
    );

    // The configuration in force for the named path applies.
    let output = preflight_stdin(
        dir.path(),
        &[
            "check",
            "--stdin-filename",
            "strict/a.ts",
            "--format",
            "json",
        ],
        text,
    );
    assert_eq!(json(&output)["diagnostics"][0]["severity"], "error");

    // The language comes from the name: the same text is not Python.
    let output = preflight_stdin(
        dir.path(),
        &["check", "--stdin-filename", "src/a.py", "--format", "json"],
        "print('x')\nconsole.log('x')\n",
    );
    let value = json(&output);
    assert_eq!(json_positions(&value)[0].2, 1, "{value}");

    // A name Preflight does not analyse: a note, nothing found.
    let output = preflight_stdin(
        dir.path(),
        &["check", "--stdin-filename", "notes.txt"],
        text,
    );
    assert_eq!(code(&output), 0);
    assert!(stdout(&output).contains("notes.txt: not a file Preflight analyses"));
}

#[test]
fn stdin_runs_file_rules_but_not_project_rules() {
    let project = copy_fixture("scratch");
    let main = std::fs::read_to_string(project.path().join("api/src/main.ts")).unwrap();
    let output = preflight_stdin(
        project.path(),
        &[
            "check",
            "--stdin-filename",
            "api/src/main.ts",
            "--format",
            "json",
        ],
        &main,
    );
    let rules: Vec<String> = json_positions(&json(&output))
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(rules, ["cors-wildcard"], "no missing-error-handler");
    let help = stdout(&preflight(project.path(), &["check", "--help"]));
    assert!(help.contains("--stdin-filename"), "{help}");
    assert!(help.contains("Project-level rules"), "{help}");
}

#[test]
fn stdin_fix_writes_the_fixed_text_to_stdout() {
    let project = copy_fixture("scratch");
    let dockerfile = project.path().join("ml/Dockerfile");
    let before = std::fs::read_to_string(&dockerfile).unwrap();
    let crlf = before.replace('\n', "\r\n");
    let output = preflight_stdin(
        project.path(),
        &["check", "--stdin-filename", "ml/Dockerfile", "--fix"],
        &crlf,
    );
    // The unsafe `USER` fix is left for `--unsafe-fixes`: that finding remains.
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        crlf.replace("src.api. main", "src.api.main"),
        "only the fixed text on stdout"
    );
    assert!(
        stderr(&output).contains("Fixed 1 problem"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(&dockerfile).unwrap(),
        before,
        "the file on disk is left alone"
    );

    // Nothing to fix: the text comes back unchanged, remaining findings on stderr.
    let main = "export function f() {\n  app.enableCors({ origin: '*' });\n}\n";
    let output = preflight_stdin(
        project.path(),
        &[
            "check",
            "--stdin-filename",
            "api/src/x.ts",
            "--fix",
            "--format",
            "json",
        ],
        main,
    );
    assert_eq!(code(&output), 1);
    assert_eq!(stdout(&output), main);
    let report: Value = serde_json::from_slice(&output.stderr).unwrap();
    assert_eq!(report["diagnostics"][0]["rule"], "cors-wildcard");
}

#[test]
fn stdin_with_paths_is_a_usage_error() {
    let dir = project(&[]);
    let output = preflight_stdin(
        dir.path(),
        &["check", "--stdin-filename", "a.ts", "src"],
        "x",
    );
    assert_eq!(code(&output), 2);
    assert!(stdout(&output).is_empty());
    assert!(
        stderr(&output).contains("--stdin-filename"),
        "{}",
        stderr(&output)
    );
}

/// Fake credentials, assembled here so that the test file itself holds no key-shaped string.
fn secrets() -> [String; 3] {
    [
        format!("sk_{}_51Hq3xGQk2n8vLmP0aZbYcXwVuTs", "live"),
        format!("ghp_{}", "R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex"),
        format!("django-insecure-{}", "q3!v8z@m1x#c5b$n7k2j4h6g9f0d"),
    ]
}

#[test]
fn no_format_echoes_a_secret() {
    let [stripe, github, django] = secrets();
    let files = [
        (
            "api/src/config.ts",
            format!(
                "export const stripeKey = '{stripe}';\n// token: {github}\nexport const jwtSecret = '{github}';\n"
            ),
        ),
        ("app/settings.py", format!("SECRET_KEY = \"{django}\"\n")),
        (
            "app/Dockerfile",
            format!("FROM python:3.12-slim\nENV GITHUB_TOKEN={github}\nUSER app\n"),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let dir = project(&files);
    let json_output = preflight(dir.path(), &["check", "--format", "json"]);
    let rules: Vec<String> = json_positions(&json(&json_output))
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert!(rules.contains(&"hardcoded-secret".into()), "{rules:?}");
    assert!(rules.contains(&"secret-in-image".into()), "{rules:?}");

    let mut outputs = vec![("json", json_output)];
    for format in ["human", "sarif", "github"] {
        outputs.push((
            format,
            preflight(dir.path(), &["check", "--format", format]),
        ));
    }
    for format in ["human", "json", "sarif", "github"] {
        outputs.push((
            format,
            preflight_stdin(
                dir.path(),
                &[
                    "check",
                    "--stdin-filename",
                    "api/src/config.ts",
                    "--format",
                    format,
                ],
                files[0].1,
            ),
        ));
    }
    for (format, output) in &outputs {
        let text = format!("{}{}", stdout(output), stderr(output));
        assert!(!text.is_empty(), "{format}");
        for secret in [&stripe, &github, &django] {
            // At most the first four characters of a secret may be shown.
            let tail = &secret[4..];
            assert!(
                !text.contains(tail),
                "{format} output shows the secret {secret}:\n{text}"
            );
        }
    }
    let sarif = json(&outputs[2].1);
    assert_valid_sarif(&sarif);
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let files: Vec<(String, String)> = (0..250)
        .map(|i| {
            (
                format!("src/m{i}.ts"),
                format!("export const v{i} = {i};\n"),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = project(&files);
    let output = command(dir.path(), &["check"])
        .env("PREFLIGHT_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert!(output.stderr.is_empty(), "{}", stderr(&output));
    assert!(stdout(&output).contains("Checked 250 files"));
}

/// On a pseudo-terminal (util-linux `script`), a scan that runs past the delay shows the bar on
/// stderr.
#[test]
fn progress_bar_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let files: Vec<(String, String)> = (0..250)
        .map(|i| {
            (
                format!("src/m{i}.ts"),
                format!("export const v{i} = {i};\n"),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = project(&files);
    let binary = env!("CARGO_BIN_EXE_preflight");
    // stdout to a file, so only stderr reaches the terminal.
    let out = dir.path().join("report.json");
    let shell = format!("'{binary}' check --format json src > '{}'", out.display());
    let output = Command::new("script")
        .args(["-qec", &shell, "/dev/null"])
        .current_dir(dir.path())
        .env("PREFLIGHT_PROGRESS_DELAY_MS", "0")
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let terminal = String::from_utf8_lossy(&output.stdout);
    assert!(terminal.contains("Checking files"), "{terminal:?}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        report["diagnostics"],
        Value::Array(vec![]),
        "stdout stays clean"
    );
}

/// The pre-commit hooks run `preflight check` on the files of every language Preflight reads.
#[test]
fn pre_commit_hooks_cover_every_language() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains("- id: preflight\n"), "{hooks}");
    assert!(hooks.contains("entry: preflight check\n"), "{hooks}");
    let types = "types_or: [ts, tsx, javascript, jsx, python, dockerfile]";
    assert_eq!(hooks.matches(types).count(), 2, "{hooks}");
    let ci = std::fs::read_to_string(root.join("docs/ci.md")).unwrap();
    for needle in [
        "--format sarif",
        "github/codeql-action/upload-sarif",
        "--format github",
        "codequality:",
    ] {
        assert!(ci.contains(needle), "docs/ci.md lacks {needle}");
    }
}
