//! The command line as users and CI scripts meet it: exit codes, JSON shape, `--fix`, bad input.

mod support;

use serde_json::Value;
use std::process::Output;
use support::{fixtures, preflight};

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

/// Copies a fixture project into a fresh temporary folder (tests that write must not touch the
/// checked-in fixtures).
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let from = fixtures().join("projects").join(name);
    support::copy_dir(&from, temp.path());
    temp
}

/// `(rule, path, line)` of every diagnostic.
fn summary(value: &Value) -> Vec<(String, String, u64)> {
    value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn scratch_project_reports_what_a_reviewer_would() {
    let project = copy_fixture("scratch");
    let output = preflight(project.path(), &["check", "--format", "json"]);
    assert_eq!(code(&output), 1, "{}", stdout(&output));
    let value = json(&output);
    assert_eq!(value["version"], 1);
    let mut found = summary(&value);
    let expected = [
        ("cors-wildcard", "api/src/main.ts", 6),
        ("missing-error-handler", "api/src/main.ts", 5),
        ("missing-health-check", "api/src/main.ts", 5),
        ("missing-rate-limit", "api/src/main.ts", 5),
        ("missing-security-headers", "api/src/main.ts", 5),
        ("debug-print", "api/src/users/users.service.ts", 8),
        ("container-runs-as-root", "ml/Dockerfile", 1),
        ("malformed-entrypoint", "ml/Dockerfile", 6),
        ("cors-wildcard", "ml/src/api/main.py", 10),
        ("missing-health-check", "ml/src/api/main.py", 9),
        ("missing-rate-limit", "ml/src/api/main.py", 9),
        ("missing-security-headers", "ml/src/api/main.py", 9),
    ];
    let mut expected: Vec<_> = expected
        .iter()
        .map(|(r, p, l)| (r.to_string(), p.to_string(), *l))
        .collect();
    let order = |a: &(String, String, u64), b: &(String, String, u64)| {
        (&a.1, a.2, &a.0).cmp(&(&b.1, b.2, &b.0))
    };
    expected.sort_by(order);
    found.sort_by(order);
    assert_eq!(found, expected, "{value:#}");
    // The FastAPI finding lies within the add_middleware call, on the `"*"` of allow_origins.
    let py = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == "ml/src/api/main.py" && d["rule"] == "cors-wildcard")
        .unwrap();
    let line = "app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_methods=[\"*\"])";
    let at = line.find("\"*\"").unwrap() as u64 + 1;
    assert_eq!(py["column"].as_u64().unwrap(), at);
    assert_eq!(py["end_column"].as_u64().unwrap(), at + 3);
}

#[test]
fn clean_project_passes() {
    let project = copy_fixture("clean-fastapi");
    let output = preflight(project.path(), &["check", "--format", "json"]);
    assert_eq!(json(&output)["diagnostics"], Value::Array(vec![]));
    assert_eq!(code(&output), 0);
    let human = preflight(project.path(), &["check"]);
    assert_eq!(code(&human), 0);
    assert!(
        stdout(&human).contains("No problems found."),
        "{}",
        stdout(&human)
    );
}

#[test]
fn json_diagnostics_have_the_contract_shape_and_count_characters() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    // Non-ASCII text before the finding on the same line: columns count characters.
    std::fs::write(
        dir.path().join("src/a.ts"),
        "export function f() {\n  const é = '😀'; console.log(é);\n}\n",
    )
    .unwrap();
    let output = preflight(dir.path(), &["check", "--format", "json"]);
    let value = json(&output);
    let d = &value["diagnostics"][0];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec![
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "fixable",
    ];
    expected.sort();
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, expected);
    assert_eq!(d["rule"], "debug-print");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["path"], "src/a.ts");
    assert_eq!(d["line"], 2);
    assert_eq!(d["column"], 18);
    assert_eq!(d["end_line"], 2);
    assert_eq!(d["end_column"], 29);
}

#[test]
fn exit_codes_follow_the_contract() {
    let project = copy_fixture("scratch");
    let dir = project.path();
    assert_eq!(code(&preflight(dir, &["check"])), 1);
    // Only warnings below `error` in the NestJS project.
    assert_eq!(
        code(&preflight(dir, &["check", "api", "--fail-on", "error"])),
        0
    );
    assert_eq!(
        code(&preflight(dir, &["check", "ml", "--fail-on", "error"])),
        1
    );
    assert_eq!(
        code(&preflight(dir, &["check", "--select", "debug-print", "ml"])),
        0
    );
    assert_eq!(
        code(&preflight(
            dir,
            &[
                "check",
                "--ignore",
                "cors-wildcard,debug-print,missing-error-handler,missing-security-headers",
                "api"
            ]
        )),
        0
    );
    let missing = preflight(dir, &["check", "no/such/path"]);
    assert_eq!(code(&missing), 2);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/path"));
    assert_eq!(
        code(&preflight(dir, &["check", "--select", "no-such-rule"])),
        2
    );
    assert_eq!(code(&preflight(dir, &["check", "--fail-on", "fatal"])), 2);
    assert_eq!(code(&preflight(dir, &["frobnicate"])), 2);
}

#[test]
fn select_and_ignore_filter_rules() {
    let project = copy_fixture("scratch");
    let only = json(&preflight(
        project.path(),
        &["check", "--format", "json", "--select", "debug-print"],
    ));
    assert!(
        summary(&only)
            .iter()
            .all(|(rule, _, _)| rule == "debug-print")
    );
    assert_eq!(summary(&only).len(), 1);
    let without = json(&preflight(
        project.path(),
        &["check", "--format", "json", "--ignore", "debug-print"],
    ));
    assert!(
        summary(&without)
            .iter()
            .all(|(rule, _, _)| rule != "debug-print")
    );
    assert_eq!(summary(&without).len(), 11);
}

#[test]
fn fix_repairs_the_module_path_keeps_crlf_and_is_idempotent() {
    let project = copy_fixture("scratch");
    let dockerfile = project.path().join("ml/Dockerfile");
    let lf = std::fs::read_to_string(&dockerfile).unwrap();
    std::fs::write(&dockerfile, lf.replace('\n', "\r\n")).unwrap();

    let first = preflight(project.path(), &["check", "--fix", "ml"]);
    assert!(
        stdout(&first).contains("Fixed 1 problem"),
        "{}",
        stdout(&first)
    );
    let fixed = std::fs::read_to_string(&dockerfile).unwrap();
    assert!(
        fixed.contains("CMD [\"python\", \"-m\", \"src.api.main\"]\r\n"),
        "{fixed:?}"
    );
    assert_eq!(
        fixed.matches("\r\n").count(),
        fixed.matches('\n').count(),
        "CRLF kept everywhere"
    );
    assert_eq!(
        fixed,
        lf.replace('\n', "\r\n")
            .replace("src.api. main", "src.api.main")
    );

    let second = preflight(project.path(), &["check", "--fix", "ml"]);
    assert!(!stdout(&second).contains("Fixed"), "{}", stdout(&second));
    assert_eq!(std::fs::read_to_string(&dockerfile).unwrap(), fixed);
}

#[test]
fn fix_keeps_a_byte_order_mark() {
    let project = copy_fixture("scratch");
    let dockerfile = project.path().join("ml/Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    std::fs::write(&dockerfile, format!("\u{feff}{text}")).unwrap();
    preflight(project.path(), &["check", "--fix", "ml"]);
    let bytes = std::fs::read(&dockerfile).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFFROM"),
        "{:?}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(
        String::from_utf8(bytes)
            .unwrap()
            .contains("\"src.api.main\"")
    );
}

#[cfg(unix)]
#[test]
fn fix_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let project = copy_fixture("scratch");
    let dockerfile = project.path().join("ml/Dockerfile");
    std::fs::set_permissions(&dockerfile, std::fs::Permissions::from_mode(0o640)).unwrap();
    preflight(project.path(), &["check", "--fix", "ml"]);
    let mode = std::fs::metadata(&dockerfile).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert!(
        std::fs::read_to_string(&dockerfile)
            .unwrap()
            .contains("src.api.main")
    );
}

#[test]
fn bad_files_are_skipped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("image.ts"), b"\x89PNG\r\n\x1a\n\x00\x00\x00").unwrap();
    std::fs::write(src.join("latin1.py"), b"print('caf\xe9')\n").unwrap();
    std::fs::write(
        src.join("big.js"),
        format!("// {}\n", "x".repeat(3 * 1024 * 1024)),
    )
    .unwrap();
    std::fs::write(
        src.join("broken.ts"),
        "export function f( {\n  console.log('kept');\n",
    )
    .unwrap();
    std::fs::write(
        src.join("ok.ts"),
        "export function g() {\n  console.debug('x');\n}\n",
    )
    .unwrap();
    let output = preflight(dir.path(), &["check"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 1, "{text}");
    assert!(
        text.contains("src/image.ts: skipped: binary file"),
        "{text}"
    );
    assert!(
        text.contains("src/latin1.py: skipped: not valid UTF-8"),
        "{text}"
    );
    assert!(text.contains("src/big.js: skipped: file is"), "{text}");
    assert!(text.contains("src/ok.ts"), "{text}");
    let value = json(&preflight(dir.path(), &["check", "--format", "json"]));
    let paths: Vec<_> = summary(&value).into_iter().map(|(_, p, _)| p).collect();
    assert!(paths.contains(&"src/ok.ts".to_string()), "{value}");
}

#[test]
fn human_output_has_code_frames_and_a_summary() {
    let project = copy_fixture("scratch");
    let output = preflight(project.path(), &["check"]);
    let text = stdout(&output);
    assert!(text.contains("api/src/main.ts:6:"), "{text}");
    assert!(text.contains("app.enableCors({ origin: '*' });"), "{text}");
    assert!(text.contains("[cors-wildcard]"), "{text}");
    assert!(text.contains("Found 12 problems"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colours when NO_COLOR is set or output is piped"
    );
}

#[test]
fn rule_documentation_is_printed() {
    let dir = fixtures();
    for rule in [
        "cors-wildcard",
        "debug-print",
        "malformed-entrypoint",
        "missing-error-handler",
    ] {
        let output = preflight(&dir, &["rule", rule]);
        assert_eq!(code(&output), 0);
        let text = stdout(&output);
        assert!(text.starts_with(&format!("# {rule}")), "{text}");
        assert!(text.contains("## Why is this bad?"), "{text}");
    }
    assert_eq!(code(&preflight(&dir, &["rule", "nope"])), 2);
    let list = json(&preflight(&dir, &["rules", "--format", "json"]));
    assert_eq!(
        list.as_array().unwrap().len(),
        preflight::rules::all().len()
    );
}

#[test]
fn configuration_sets_severities_turns_rules_off_and_gates_ci() {
    let project = copy_fixture("scratch");
    let dir = project.path();
    std::fs::write(
        dir.join("preflight.toml"),
        "fail-on = \"error\"\n\n[rules]\ndebug-print = \"off\"\ncors-wildcard = \"error\"\n",
    )
    .unwrap();
    let output = preflight(dir, &["check", "--format", "json"]);
    let value = json(&output);
    let found = summary(&value);
    assert!(
        found.iter().all(|(rule, _, _)| rule != "debug-print"),
        "{value:#}"
    );
    for d in value["diagnostics"].as_array().unwrap() {
        if d["rule"] == "cors-wildcard" {
            assert_eq!(d["severity"], "error");
        }
    }
    assert_eq!(code(&output), 1);
    // Only the NestJS project: warnings below the configured `fail-on`, once CORS is off there.
    std::fs::write(
        dir.join("api/preflight.toml"),
        "[rules]\ncors-wildcard = \"off\"\n",
    )
    .unwrap();
    let api = preflight(dir, &["check", "api", "--format", "json"]);
    assert_eq!(summary(&json(&api)).len(), 4, "{}", stdout(&api));
    assert_eq!(code(&api), 0);
    // The command line wins over the configuration.
    assert_eq!(
        code(&preflight(dir, &["check", "api", "--fail-on", "warning"])),
        1
    );
}

#[test]
fn configuration_excludes_files_and_overrides_by_glob() {
    let project = copy_fixture("scratch");
    let dir = project.path();
    std::fs::write(
        dir.join("preflight.toml"),
        "[files]\nexclude = [\"ml/**\"]\n\n[[overrides]]\nfiles = [\"api/src/users/**\"]\nrules = { debug-print = \"info\" }\n",
    )
    .unwrap();
    let value = json(&preflight(dir, &["check", "--format", "json"]));
    let found = summary(&value);
    assert!(
        found.iter().all(|(_, path, _)| !path.starts_with("ml/")),
        "{value:#}"
    );
    let debug = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "debug-print")
        .unwrap();
    assert_eq!(debug["severity"], "info");
}

#[test]
fn invalid_configuration_is_a_usage_error_naming_file_line_and_key() {
    let project = copy_fixture("scratch");
    let dir = project.path();
    std::fs::write(
        dir.join("preflight.toml"),
        "[rules]\ndebug-prnt = \"off\"\n",
    )
    .unwrap();
    let before = std::fs::read_to_string(dir.join("ml/Dockerfile")).unwrap();
    let output = preflight(dir, &["check", "--fix"]);
    assert_eq!(code(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("preflight.toml:2:"), "{stderr}");
    assert!(stderr.contains("debug-prnt"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("ml/Dockerfile")).unwrap(),
        before,
        "nothing written"
    );
    std::fs::write(dir.join("preflight.toml"), "fail-on = \"fatal\"\n").unwrap();
    assert_eq!(code(&preflight(dir, &["check"])), 2);
    std::fs::write(dir.join("preflight.toml"), "[rules\n").unwrap();
    assert_eq!(code(&preflight(dir, &["check"])), 2);
}

#[test]
fn explicit_config_and_show_settings() {
    let project = copy_fixture("scratch");
    let dir = project.path();
    std::fs::write(
        dir.join("strict.toml"),
        "[rules]\ndebug-print = \"error\"\n",
    )
    .unwrap();
    let value = json(&preflight(
        dir,
        &[
            "check",
            "--format",
            "json",
            "--config",
            "strict.toml",
            "api",
        ],
    ));
    let debug = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "debug-print")
        .unwrap()
        .clone();
    assert_eq!(debug["severity"], "error");
    let shown = preflight(
        dir,
        &[
            "check",
            "--config",
            "strict.toml",
            "--show-settings",
            "api/src/main.ts",
        ],
    );
    assert_eq!(code(&shown), 0);
    let settings: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert!(settings.to_string().contains("debug-print"), "{settings}");
    assert_eq!(
        code(&preflight(dir, &["check", "--config", "missing.toml"])),
        2
    );
}

#[test]
fn suppression_comments_silence_file_and_project_findings() {
    let project = copy_fixture("scratch");
    let dir = project.path();
    let main = dir.join("api/src/main.ts");
    let text = std::fs::read_to_string(&main).unwrap();
    let text = text.replace(
        "  const app = await NestFactory.create(AppModule);",
        "  // preflight-ignore: missing-error-handler, missing-health-check, missing-rate-limit, missing-security-headers -- the gateway handles these\n  const app = await NestFactory.create(AppModule);",
    );
    let text = text.replace(
        "app.enableCors({ origin: '*' });",
        "app.enableCors({ origin: '*' }); // preflight-ignore: cors-wildcard",
    );
    std::fs::write(&main, text).unwrap();
    let service = dir.join("api/src/users/users.service.ts");
    let text = std::fs::read_to_string(&service).unwrap();
    std::fs::write(
        &service,
        format!("// preflight-ignore-file: debug-print\n{text}"),
    )
    .unwrap();
    let value = json(&preflight(dir, &["check", "api", "--format", "json"]));
    assert_eq!(summary(&value), vec![], "{value:#}");
}
