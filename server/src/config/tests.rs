use super::*;
use crate::diagnostic::Severity;
use std::fs;

/// The contract's example, plus every option of RULES.md §9.
const FULL: &str = r#"fail-on = "warning"                    # error | warning | info | hint
extend-exclude = ["old/**"]

[rules]                                # off | hint | info | warning | error
debug-print = "warning"
todo-comment = "off"

[rules.request-without-timeout]        # per-rule options (see RULES.md)
default-timeout-seconds = 10
include-fetch = true

[rules.missing-rate-limit]
severity = "error"
gateway = true

[files]
exclude = ["legacy/**"]                # added to the default excludes
include = ["docs/examples/server/**"]  # re-include something skipped by default
scripts = ["ops/**"]                   # more files where debug-print does not apply

[env]
ignore = ["OTEL_*", "MY_PLATFORM_VAR"]

[docker]
target = "prod"
nonroot-images = ["registry.example.com/base/*"]

[docker.files."deploy/api.Dockerfile"]
context = ".."
target = "runtime"

[[overrides]]
files = ["scripts/**", "**/*.test.ts"]
rules = { debug-print = "off" }
"#;

fn parse_as(name: &str, text: &str) -> Result<Option<ConfigFile>, ConfigError> {
    let path = Path::new(name);
    ConfigFile::parse(path, text, "", ConfigFormat::of(path))
}

fn config(text: &str) -> EffectiveConfig {
    match parse_as("preflight.toml", text) {
        Ok(Some(file)) => EffectiveConfig::default().with_file(&file),
        Ok(None) => panic!("not a config file"),
        Err(error) => panic!("unexpected error: {error}"),
    }
}

fn invalid(text: &str) -> ConfigError {
    invalid_in("preflight.toml", text)
}

fn invalid_in(name: &str, text: &str) -> ConfigError {
    match parse_as(name, text) {
        Err(error) => error,
        Ok(_) => panic!("expected an error for:\n{text}"),
    }
}

/// `(line, column, key)` of an error.
fn place(error: &ConfigError) -> (usize, usize, Option<&str>) {
    (error.line, error.column, error.key.as_deref())
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Keys

#[test]
fn the_full_example_reads_back() {
    let config = config(FULL);
    assert_eq!(config.fail_on(), Some(Severity::Warning));
    assert_eq!(
        config.rule_level("debug-print", "src/app.ts"),
        RuleLevel::Severity(Severity::Warning)
    );
    assert_eq!(
        config.rule_level("todo-comment", "src/app.ts"),
        RuleLevel::Off
    );
    assert_eq!(
        config.rule_level("cors-wildcard", "src/app.ts"),
        RuleLevel::Default
    );
    assert_eq!(
        config.rule_option("request-without-timeout", "default-timeout-seconds"),
        Some(&toml::Value::Integer(10))
    );
    assert_eq!(
        config.rule_option("request-without-timeout", "include-fetch"),
        Some(&toml::Value::Boolean(true))
    );
    assert_eq!(
        config.rule_level("request-without-timeout", "a.py"),
        RuleLevel::Default
    );
    assert_eq!(
        config.rule_level("missing-rate-limit", "a.py"),
        RuleLevel::Severity(Severity::Error)
    );
    assert_eq!(
        config.rule_option("missing-rate-limit", "gateway"),
        Some(&toml::Value::Boolean(true))
    );
    assert!(config.rule_options("debug-print").is_none());

    assert!(config.is_excluded("legacy/a.py"));
    assert!(config.is_excluded("old/x/y.ts"));
    assert!(!config.is_excluded("src/legacy.py"));
    assert!(config.is_included("docs/examples/server/app.py"));
    assert!(!config.is_included("docs/index.md"));
    assert!(config.may_include_below("docs"));
    assert!(!config.may_include_below("node_modules"));
    assert!(config.is_script("ops/deploy.py"));
    assert!(!config.is_script("src/ops.py"));

    assert!(config.env_ignored("OTEL_SERVICE_NAME"));
    assert!(config.env_ignored("MY_PLATFORM_VAR"));
    assert!(!config.env_ignored("DATABASE_URL"));

    assert_eq!(config.docker_target("Dockerfile"), Some("prod"));
    assert_eq!(
        config.docker_target("deploy/api.Dockerfile"),
        Some("runtime")
    );
    assert_eq!(
        config.docker_target("./deploy/api.Dockerfile"),
        Some("runtime")
    );
    assert_eq!(config.docker_context("deploy/api.Dockerfile"), Some(".."));
    assert_eq!(config.docker_context("Dockerfile"), None);
    assert!(config.is_nonroot_image("registry.example.com/base/python:3.12"));
    assert!(!config.is_nonroot_image("python:3.12"));

    assert_eq!(
        config.rule_level("debug-print", "scripts/seed.ts"),
        RuleLevel::Off
    );
    assert_eq!(
        config.rule_level("debug-print", "src/a.test.ts"),
        RuleLevel::Off
    );
    assert_eq!(
        config.rule_level("debug-print", "src/a.ts"),
        RuleLevel::Severity(Severity::Warning)
    );
    assert_eq!(config.sources(), [PathBuf::from("preflight.toml")]);
}

#[test]
fn an_empty_file_is_an_empty_configuration() {
    for text in ["", "\n\n", "# only a comment\n", "\u{feff}", "\r\n\t \r\n"] {
        let config = config(text);
        assert_eq!(config.fail_on(), None);
        assert_eq!(config.rule_level("debug-print", "a.ts"), RuleLevel::Default);
        assert!(!config.is_excluded("a.ts"));
        assert!(
            !config.is_default(),
            "a file contributed, even an empty one"
        );
    }
    assert!(EffectiveConfig::default().is_default());
}

#[test]
fn fail_on_takes_every_severity() {
    for (text, severity) in [
        ("error", Severity::Error),
        ("warning", Severity::Warning),
        ("info", Severity::Info),
        ("hint", Severity::Hint),
    ] {
        let config = config(&format!("fail-on = \"{text}\""));
        assert_eq!(config.fail_on(), Some(severity));
    }
    let error = invalid("fail-on = \"off\"");
    assert_eq!(place(&error), (1, 11, Some("fail-on")));
    assert_eq!(
        error.message,
        "invalid `fail-on` value `off` (expected one of: error, warning, info, hint)"
    );
    let error = invalid("fail-on = \"Warning\"");
    assert!(error.message.contains("invalid `fail-on` value `Warning`"));
}

#[test]
fn rules_take_every_level_in_both_forms() {
    for level in ["off", "hint", "info", "warning", "error"] {
        let short = config(&format!("[rules]\ntodo-comment = \"{level}\""));
        let long = config(&format!("[rules.todo-comment]\nseverity = \"{level}\""));
        let expected = RuleLevel::parse(level).unwrap();
        assert_eq!(short.rule_level("todo-comment", "a.py"), expected);
        assert_eq!(long.rule_level("todo-comment", "a.py"), expected);
    }
    // Dotted keys and inline tables are the same TOML.
    let dotted = config("rules.debug-print = \"off\"\nrules.todo-comment.severity = \"hint\"");
    assert_eq!(dotted.rule_level("debug-print", "a.ts"), RuleLevel::Off);
    assert_eq!(
        dotted.rule_level("todo-comment", "a.ts"),
        RuleLevel::Severity(Severity::Hint)
    );
    let inline = config("rules = { debug-print = { methods = [\"log\"] } }");
    assert_eq!(
        inline.rule_option("debug-print", "methods"),
        Some(&toml::Value::Array(vec![toml::Value::String("log".into())]))
    );
    assert_eq!(inline.rule_level("debug-print", "a.ts"), RuleLevel::Default);
}

#[test]
fn rule_levels_resolve_against_the_default() {
    assert_eq!(
        RuleLevel::Default.resolve(Severity::Error),
        Some(Severity::Error)
    );
    assert_eq!(RuleLevel::Off.resolve(Severity::Error), None);
    assert_eq!(
        RuleLevel::Severity(Severity::Hint).resolve(Severity::Error),
        Some(Severity::Hint)
    );
    let config = config("[rules]\ndebug-print = \"off\"\ncors-wildcard = \"info\"");
    assert_eq!(
        config.severity("debug-print", Severity::Warning, "a.ts"),
        None
    );
    assert_eq!(
        config.severity("cors-wildcard", Severity::Error, "a.ts"),
        Some(Severity::Info)
    );
    assert_eq!(
        config.severity("sql-injection", Severity::Error, "a.ts"),
        Some(Severity::Error)
    );
}

#[test]
fn the_invalid_ignore_id_and_registry_ids_are_accepted() {
    let config = config("[rules]\ninvalid-ignore = \"off\"");
    assert_eq!(config.rule_level("invalid-ignore", "a.ts"), RuleLevel::Off);
    let mut text = String::from("[rules]\n");
    for rule in crate::rules::all() {
        text.push_str(&format!("{} = \"hint\"\n", rule.id));
    }
    for id in KNOWN_RULE_IDS {
        text.push_str(&format!("{id} = \"hint\"\n"));
    }
    // Duplicates are a TOML error, so keep each id once.
    let mut seen = std::collections::HashSet::new();
    let text: String = text
        .lines()
        .filter(|line| seen.insert(line.to_string()))
        .map(|line| format!("{line}\n"))
        .collect();
    let config = self::config(&text);
    for id in KNOWN_RULE_IDS {
        assert_eq!(
            config.rule_level(id, "x"),
            RuleLevel::Severity(Severity::Hint)
        );
    }
}

#[test]
fn rule_options_are_validated() {
    let config = config(
        "[rules.debug-print]\nmethods = [\"log\", \"table\"]\n\
         [rules.request-without-timeout]\ndefault-timeout-seconds = 2.5\ninclude-fetch = false\n",
    );
    let options = config.rule_options("debug-print").unwrap();
    assert_eq!(options.len(), 1);
    assert_eq!(
        config.rule_option("request-without-timeout", "default-timeout-seconds"),
        Some(&toml::Value::Float(2.5))
    );
    assert_eq!(
        config.rule_option("request-without-timeout", "include-fetch"),
        Some(&toml::Value::Boolean(false))
    );
    // Integers in any TOML notation.
    let config = self::config("[rules.request-without-timeout]\ndefault-timeout-seconds = 0x1_e");
    assert_eq!(
        config.rule_option("request-without-timeout", "default-timeout-seconds"),
        Some(&toml::Value::Integer(30))
    );

    let error = invalid("[rules.debug-print]\nmethod = [\"log\"]");
    assert_eq!(place(&error), (2, 1, Some("rules.debug-print.method")));
    assert_eq!(
        error.message,
        "unknown option `method` for rule `debug-print` (expected one of: severity, methods)"
    );
    let error = invalid("[rules.todo-comment]\ngateway = true");
    assert_eq!(place(&error), (2, 1, Some("rules.todo-comment.gateway")));
    assert_eq!(
        error.message,
        "unknown option `gateway` for rule `todo-comment` (expected one of: severity)"
    );
    let error = invalid("[rules.missing-rate-limit]\ngateway = \"yes\"");
    assert_eq!(
        place(&error),
        (2, 11, Some("rules.missing-rate-limit.gateway"))
    );
    assert_eq!(
        error.message,
        "`rules.missing-rate-limit.gateway` must be a boolean, found a string"
    );
    let error = invalid("[rules.debug-print]\nmethods = [\"log\", 3]");
    assert_eq!(place(&error), (2, 19, Some("rules.debug-print.methods")));
    let error = invalid("[rules.debug-print]\nmethods = [\"log\", \"\"]");
    assert_eq!(place(&error), (2, 19, Some("rules.debug-print.methods")));
    assert!(error.message.contains("must not hold empty strings"));
    for bad in [
        "0",
        "-5",
        "86401",
        "99999999999999999999999999",
        "0.0",
        "-1.5",
        "inf",
        "nan",
        "1e400",
        "\"10\"",
        "true",
        "[10]",
        "1979-05-27",
    ] {
        let text = format!("[rules.request-without-timeout]\ndefault-timeout-seconds = {bad}");
        let error = invalid(&text);
        assert_eq!(
            place(&error),
            (
                2,
                27,
                Some("rules.request-without-timeout.default-timeout-seconds")
            ),
            "{bad}"
        );
    }
}

#[test]
fn file_globs_accumulate_within_a_file() {
    let config = config("extend-exclude = [\"a/**\"]\n[files]\nexclude = [\"b\"]");
    assert!(config.is_excluded("a/x.py"));
    assert!(config.is_excluded("src/b/x.py"));
    assert!(!config.is_excluded("c/x.py"));
    let json = config.to_json();
    assert_eq!(json["files"]["exclude"], serde_json::json!(["a/**", "b"]));
}

#[test]
fn empty_lists_are_allowed() {
    let config = config(
        "extend-exclude = []\n[files]\nexclude = []\ninclude = []\nscripts = []\n\
         [env]\nignore = []\n[docker]\nnonroot-images = []\n[rules.debug-print]\nmethods = []\n",
    );
    assert!(!config.is_excluded("a"));
    assert!(!config.may_include_below(""));
    assert_eq!(
        config.rule_option("debug-print", "methods"),
        Some(&toml::Value::Array(Vec::new()))
    );
}

#[test]
fn overrides_apply_after_rules_and_the_last_match_wins() {
    let config = config(
        r#"
[rules]
debug-print = "error"
todo-comment = "off"

[[overrides]]
files = ["scripts/**"]
rules = { debug-print = "off", todo-comment = "hint" }

[[overrides]]
files = ["scripts/keep/**"]
rules = { debug-print = "info" }

[[overrides]]
files = ["*.spec.ts"]
[overrides.rules]
cors-wildcard = "off"
"#,
    );
    let level = |id, path| config.rule_level(id, path);
    assert_eq!(
        level("debug-print", "src/a.ts"),
        RuleLevel::Severity(Severity::Error)
    );
    assert_eq!(level("debug-print", "scripts/a.ts"), RuleLevel::Off);
    assert_eq!(
        level("debug-print", "scripts/keep/a.ts"),
        RuleLevel::Severity(Severity::Info)
    );
    assert_eq!(
        level("todo-comment", "scripts/keep/a.ts"),
        RuleLevel::Severity(Severity::Hint)
    );
    assert_eq!(level("todo-comment", "src/a.ts"), RuleLevel::Off);
    assert_eq!(level("cors-wildcard", "src/deep/a.spec.ts"), RuleLevel::Off);
    assert_eq!(level("cors-wildcard", "src/a.ts"), RuleLevel::Default);
    let json = config.to_json();
    assert_eq!(
        json["overrides"][1]["files"],
        serde_json::json!(["scripts/keep/**"])
    );
    assert_eq!(json["overrides"][2]["rules"]["cors-wildcard"], "off");
}

#[test]
fn docker_settings() {
    let config = config(
        "[docker]\ntarget = \"final\"\n[docker.files.\"./svc/Dockerfile\"]\ncontext = \".\"\n\
         [docker.files.\"deploy/x.Dockerfile\"]\ncontext = \"../..\"\n",
    );
    assert_eq!(config.docker_target("svc/Dockerfile"), Some("final"));
    assert_eq!(config.docker_context("svc/Dockerfile"), Some("."));
    assert_eq!(config.docker_context("deploy/x.Dockerfile"), Some("../.."));
    assert_eq!(config.docker_target("other/Dockerfile"), Some("final"));
    assert_eq!(
        config.to_json()["docker"]["files"]["svc/Dockerfile"],
        serde_json::json!({"context": ".", "target": null})
    );

    let error = invalid("[docker.files.\"../Dockerfile\"]\ntarget = \"x\"");
    assert_eq!(
        place(&error),
        (1, 15, Some("docker.files.\"../Dockerfile\""))
    );
    let error = invalid("[docker.files.\"deploy/x.Dockerfile\"]\nstage = \"x\"");
    assert_eq!(
        place(&error),
        (2, 1, Some("docker.files.\"deploy/x.Dockerfile\".stage"))
    );
    assert_eq!(
        error.message,
        "unknown key `stage` in [docker.files.\"deploy/x.Dockerfile\"] (expected one of: context, target)"
    );
    let error = invalid("[docker]\ntarget = \"\"");
    assert_eq!(place(&error), (2, 10, Some("docker.target")));
    assert_eq!(error.message, "`docker.target` must not be empty");
    let error = invalid("[docker.files]\nDockerfile = \"prod\"");
    assert_eq!(place(&error), (2, 14, Some("docker.files.Dockerfile")));
    assert_eq!(
        error.message,
        "`docker.files.Dockerfile` must be a table, found a string"
    );
}

// ---------------------------------------------------------------------------------------------
// Errors: position, key and message of every kind

#[test]
fn unknown_rule_ids_are_named_with_a_suggestion_or_the_known_list() {
    let text = "fail-on = \"error\"\n\n[files]\nexclude = []\n\n[rules]\ndebug-prnt = \"off\"\n";
    let error = invalid(text);
    assert_eq!(place(&error), (7, 1, Some("rules.debug-prnt")));
    assert_eq!(
        error.to_string(),
        "preflight.toml:7:1: unknown rule id `debug-prnt` in [rules] (did you mean `debug-print`?)"
    );
    let error = invalid("[rules]\nno-console = \"off\"");
    assert!(error.message.starts_with(
        "unknown rule id `no-console` in [rules] (known: container-runs-as-root, cors-wildcard,"
    ));
    assert!(error.message.contains("invalid-ignore"));
    let error = invalid("[rules.debug-prnt]\nseverity = \"off\"");
    assert_eq!(place(&error), (1, 8, Some("rules.debug-prnt")));
    let error = invalid("[[overrides]]\nfiles = [\"a\"]\nrules = { debug-prnt = \"off\" }");
    assert_eq!(
        place(&error),
        (3, 11, Some("overrides[0].rules.debug-prnt"))
    );
    assert_eq!(
        error.message,
        "unknown rule id `debug-prnt` in [[overrides]] rules (did you mean `debug-print`?)"
    );
}

#[test]
fn unknown_keys_are_named_where_they_stand() {
    let error = invalid("fail-on = \"error\"\nfail_on = \"error\"");
    assert_eq!(place(&error), (2, 1, Some("fail_on")));
    assert_eq!(
        error.message,
        "unknown key `fail_on` (expected one of: fail-on, extend-exclude, rules, files, env, \
         docker, overrides)"
    );
    let error = invalid("[rulez]\na = 1");
    assert_eq!(place(&error), (1, 2, Some("rulez")));
    let error = invalid("[files]\nexclude = []\nexcludes = []");
    assert_eq!(place(&error), (3, 1, Some("files.excludes")));
    assert_eq!(
        error.message,
        "unknown key `excludes` in [files] (expected one of: exclude, include, scripts)"
    );
    let error = invalid("[env]\nignored = []");
    assert_eq!(place(&error), (2, 1, Some("env.ignored")));
    let error = invalid("[docker]\nstage = \"x\"");
    assert_eq!(place(&error), (2, 1, Some("docker.stage")));
    let error = invalid("[[overrides]]\nfiles = [\"a\"]\nrules = {}\nseverity = \"off\"");
    assert_eq!(place(&error), (4, 1, Some("overrides[0].severity")));
    assert_eq!(
        error.message,
        "unknown key `severity` in [[overrides]] (expected one of: files, rules)"
    );
    // The first error in reading order is the one reported, whatever the key order.
    let error = invalid("zzz = 1\naaa = 2");
    assert_eq!(error.key.as_deref(), Some("zzz"));
}

#[test]
fn wrong_types_are_named_with_what_was_expected() {
    let cases: &[(&str, (usize, usize, &str), &str)] = &[
        (
            "fail-on = 3",
            (1, 11, "fail-on"),
            "`fail-on` must be a string, found an integer",
        ),
        (
            "extend-exclude = \"legacy\"",
            (1, 18, "extend-exclude"),
            "`extend-exclude` must be an array of strings, found a string",
        ),
        (
            "rules = [\"debug-print\"]",
            (1, 9, "rules"),
            "`rules` must be a table, found an array",
        ),
        (
            "[rules]\ndebug-print = false",
            (2, 15, "rules.debug-print"),
            "`rules.debug-print` must be a severity (off, hint, info, warning, error) or a table, \
             found a boolean",
        ),
        (
            "[rules.debug-print]\nseverity = 2",
            (2, 12, "rules.debug-print.severity"),
            "`rules.debug-print.severity` must be one of: off, hint, info, warning, error, found \
             an integer",
        ),
        (
            "files = 1",
            (1, 9, "files"),
            "`files` must be a table, found an integer",
        ),
        (
            "[files]\nexclude = [1]",
            (2, 12, "files.exclude"),
            "`files.exclude` must be an array of strings, found an integer",
        ),
        (
            "[files]\ninclude = {a = 1}",
            (2, 11, "files.include"),
            "`files.include` must be an array of strings, found a table",
        ),
        (
            "[env]\nignore = \"OTEL_*\"",
            (2, 10, "env.ignore"),
            "`env.ignore` must be an array of strings, found a string",
        ),
        (
            "env = []",
            (1, 7, "env"),
            "`env` must be a table, found an array",
        ),
        (
            "[docker]\ntarget = 1.5",
            (2, 10, "docker.target"),
            "`docker.target` must be a string, found a float",
        ),
        (
            "[docker]\nnonroot-images = [true]",
            (2, 19, "docker.nonroot-images"),
            "`docker.nonroot-images` must be an array of strings, found a boolean",
        ),
        (
            "[docker]\nfiles = []",
            (2, 9, "docker.files"),
            "`docker.files` must be a table, found an array",
        ),
        (
            "overrides = 1979-05-27T07:32:00Z",
            (1, 13, "overrides"),
            "`overrides` must be an array of tables ([[overrides]]), found a date-time",
        ),
        (
            "overrides = [1]",
            (1, 14, "overrides[0]"),
            "`overrides[0]` must be a table, found an integer",
        ),
        (
            "[[overrides]]\nfiles = \"a\"\nrules = {}",
            (2, 9, "overrides[0].files"),
            "`overrides[0].files` must be an array of strings, found a string",
        ),
        (
            "[[overrides]]\nfiles = [\"a\"]\nrules = \"off\"",
            (3, 9, "overrides[0].rules"),
            "`overrides[0].rules` must be a table, found a string",
        ),
        (
            "[[overrides]]\nfiles = [\"a\"]\nrules = { debug-print = { severity = \"off\" } }",
            (3, 25, "overrides[0].rules.debug-print"),
            "`overrides[0].rules.debug-print` must be one of: off, hint, info, warning, error, \
             found a table",
        ),
    ];
    for (text, (line, column, key), message) in cases {
        let error = invalid(text);
        assert_eq!(place(&error), (*line, *column, Some(*key)), "{text}");
        assert_eq!(&error.message, message, "{text}");
    }
}

#[test]
fn bad_severities_are_named() {
    let error = invalid("[rules]\ndebug-print = \"warn\"");
    assert_eq!(place(&error), (2, 15, Some("rules.debug-print")));
    assert_eq!(
        error.message,
        "invalid severity `warn` for rule `debug-print` (expected one of: off, hint, info, \
         warning, error)"
    );
    let error = invalid("[rules.debug-print]\nseverity = \"none\"");
    assert_eq!(place(&error), (2, 12, Some("rules.debug-print.severity")));
    let error = invalid("[[overrides]]\nfiles = [\"x\"]\nrules = { debug-print = \"default\" }");
    assert_eq!(
        place(&error),
        (3, 25, Some("overrides[0].rules.debug-print"))
    );
}

#[test]
fn invalid_globs_point_at_the_glob() {
    let error = invalid("[files]\nexclude = [\"ok/**\", \"legacy/[\"]");
    assert_eq!(place(&error), (2, 21, Some("files.exclude")));
    assert_eq!(
        error.message,
        "invalid glob `legacy/[` in `files.exclude`: unclosed character class; missing ']'"
    );
    let error = invalid("extend-exclude = [\"{a,b\"]");
    assert_eq!(place(&error), (1, 19, Some("extend-exclude")));
    let error = invalid("[files]\nscripts = [\"\"]");
    assert_eq!(place(&error), (2, 12, Some("files.scripts")));
    assert_eq!(error.message, "empty glob in `files.scripts`");
    let error = invalid("[files]\ninclude = [\"../shared/**\"]");
    assert_eq!(place(&error), (2, 12, Some("files.include")));
    assert!(
        error
            .message
            .contains("must stay inside the folder of the config file")
    );
    let error = invalid("[env]\nignore = [\"OTEL_[\"]");
    assert_eq!(place(&error), (2, 11, Some("env.ignore")));
    let error = invalid("[env]\nignore = [\"\"]");
    assert_eq!(error.message, "empty glob in `env.ignore`");
    let error = invalid("[[overrides]]\nfiles = [\"a/[\"]\nrules = {}");
    assert_eq!(place(&error), (2, 10, Some("overrides[0].files")));
    let error = invalid("[[overrides]]\nfiles = []\nrules = {}");
    assert_eq!(place(&error), (2, 9, Some("overrides[0].files")));
    assert_eq!(
        error.message,
        "`overrides[0].files` must list at least one glob"
    );
}

#[test]
fn incomplete_overrides_are_named() {
    let error =
        invalid("[[overrides]]\nfiles = [\"a\"]\nrules = {}\n\n[[overrides]]\nfiles = [\"b\"]");
    assert_eq!(place(&error), (5, 1, Some("overrides[1]")));
    assert_eq!(error.message, "[[overrides]] entry needs `rules`");
    let error = invalid("[[overrides]]\nrules = {}");
    assert_eq!(error.message, "[[overrides]] entry needs `files`");
    let error = invalid("overrides = [{ files = [\"a\"] }]");
    assert_eq!(place(&error), (1, 14, Some("overrides[0]")));
}

#[test]
fn toml_syntax_errors_carry_their_position() {
    let error = invalid("fail-on = \"warning\"\n[rules\ndebug-print = \"off\"");
    assert_eq!(
        (error.line, error.column, error.key.as_deref()),
        (2, 7, None)
    );
    assert!(
        error.message.starts_with("invalid TOML: "),
        "{}",
        error.message
    );
    assert_eq!(
        error.to_string(),
        format!("preflight.toml:2:7: {}", error.message)
    );
    let error = invalid("[rules]\ndebug-print = \"off\"\ndebug-print = \"hint\"");
    assert_eq!((error.line, error.column), (3, 1));
    assert!(error.message.contains("duplicate key"), "{}", error.message);
    let error = invalid("fail-on = 'unterminated");
    assert_eq!(error.line, 1);
    let error = invalid("a = \"\\q\"");
    assert_eq!(error.line, 1);
}

#[test]
fn columns_count_characters_and_ignore_a_byte_order_mark() {
    let error = invalid("\u{feff}fail_on = \"x\"");
    assert_eq!(place(&error), (1, 1, Some("fail_on")));
    let error = invalid("\u{feff}\n  bad = 1");
    assert_eq!(place(&error), (2, 3, Some("bad")));
    let error = invalid("[rules]\n\"débug-prînt\" = \"off\"");
    assert_eq!(place(&error), (2, 1, Some("rules.\"débug-prînt\"")));
    let error = invalid("[env]\n\"ïgnore\" = [] ; x");
    assert_eq!(error.line, 2);
    let error = invalid("[files] # é\r\nexclude = [\"é\", 1]");
    assert_eq!(place(&error), (2, 17, Some("files.exclude")));
    let config = config("\u{feff}fail-on = \"hint\"\r\n");
    assert_eq!(config.fail_on(), Some(Severity::Hint));
}

#[test]
fn pyproject_tables_are_read_with_their_prefix() {
    let text = "[project]\nname = \"api\"\n\n[tool.preflight]\nfail-on = \"error\"\n\n\
                [tool.preflight.rules]\ntodo-comment = \"off\"\n";
    let file = parse_as("pyproject.toml", text).unwrap().unwrap();
    let config = EffectiveConfig::default().with_file(&file);
    assert_eq!(config.fail_on(), Some(Severity::Error));
    assert_eq!(config.rule_level("todo-comment", "a.py"), RuleLevel::Off);

    let error = invalid_in(
        "pyproject.toml",
        "[tool.preflight.rules]\ndebug-prnt = \"off\"",
    );
    assert_eq!(
        place(&error),
        (2, 1, Some("tool.preflight.rules.debug-prnt"))
    );
    assert_eq!(
        error.message,
        "unknown rule id `debug-prnt` in [tool.preflight.rules] (did you mean `debug-print`?)"
    );
    let error = invalid_in("pyproject.toml", "[tool.preflight]\nfail_on = \"x\"");
    assert_eq!(place(&error), (2, 1, Some("tool.preflight.fail_on")));
    assert!(
        error.message.contains("in [tool.preflight]"),
        "{}",
        error.message
    );
    let error = invalid_in("pyproject.toml", "[tool]\npreflight = \"on\"");
    assert_eq!(place(&error), (2, 1, Some("tool.preflight")));
    assert_eq!(
        error.message,
        "`tool.preflight` must be a table, found a string"
    );
    let error = invalid_in(
        "pyproject.toml",
        "[[tool.preflight.overrides]]\nfiles = [\"a\"]",
    );
    assert_eq!(
        error.message,
        "[[tool.preflight.overrides]] entry needs `rules`"
    );
}

#[test]
fn a_pyproject_without_our_table_is_not_a_configuration() {
    for text in [
        "",
        "[project]\nname = \"x\"",
        "[tool.ruff]\nline-length = 100",
        "tool = 3",
        // Broken, but not about us: another tool will complain.
        "[project\nname = ",
    ] {
        assert!(
            parse_as("pyproject.toml", text).unwrap().is_none(),
            "{text}"
        );
        assert!(!validate(Path::new("pyproject.toml"), text).unwrap());
    }
    // Broken and about us: an error.
    let error = invalid_in("pyproject.toml", "[tool.preflight\nfail-on = \"error\"");
    assert_eq!(error.line, 1);
    assert!(validate(Path::new("preflight.toml"), "").unwrap());
    assert!(validate(Path::new("preflight.toml"), "x = 1").is_err());
}

/// Every key given every kind of wrong value: always an error with a position, never a panic.
#[test]
fn wrong_types_everywhere_are_errors() {
    let values = [
        "1",
        "-1",
        "1.5",
        "true",
        "\"text\"",
        "[]",
        "[1, 2]",
        "[\"a\", [\"b\"]]",
        "{}",
        "{ a = 1 }",
        "1979-05-27",
        "99999999999999999999999",
    ];
    let places = [
        ("", "fail-on"),
        ("", "extend-exclude"),
        ("", "rules"),
        ("", "files"),
        ("", "env"),
        ("", "docker"),
        ("", "overrides"),
        ("[rules]", "debug-print"),
        ("[rules.debug-print]", "severity"),
        ("[rules.debug-print]", "methods"),
        ("[rules.request-without-timeout]", "include-fetch"),
        ("[rules.request-without-timeout]", "default-timeout-seconds"),
        ("[rules.missing-rate-limit]", "gateway"),
        ("[files]", "exclude"),
        ("[files]", "include"),
        ("[files]", "scripts"),
        ("[env]", "ignore"),
        ("[docker]", "target"),
        ("[docker]", "nonroot-images"),
        ("[docker]", "files"),
        ("[docker.files.Dockerfile]", "target"),
        ("[docker.files.Dockerfile]", "context"),
        ("[[overrides]]\nrules = {}", "files"),
        ("[[overrides]]\nfiles = [\"a\"]", "rules"),
    ];
    let mut accepted = Vec::new();
    for (header, key) in places {
        for value in values {
            let text = format!("{header}\n{key} = {value}\n");
            match parse_as("preflight.toml", &text) {
                Err(error) => assert!(error.line >= 1 && error.column >= 1, "{text}"),
                Ok(_) => accepted.push(text),
            }
        }
    }
    // The only values accepted are the right ones: empty tables and lists where those are valid,
    // strings, booleans and numbers where those are wanted.
    let expected = [
        "[docker.files.Dockerfile]\ncontext = \"text\"\n",
        "[docker.files.Dockerfile]\ntarget = \"text\"\n",
        "[docker]\ntarget = \"text\"\n",
        "[rules.missing-rate-limit]\ngateway = true\n",
        "[rules.request-without-timeout]\ndefault-timeout-seconds = 1\n",
        "[rules.request-without-timeout]\ndefault-timeout-seconds = 1.5\n",
        "[rules.request-without-timeout]\ninclude-fetch = true\n",
        "[rules]\ndebug-print = {}\n",
        "\nrules = {}\n",
        "\nfiles = {}\n",
        "\nenv = {}\n",
        "\ndocker = {}\n",
        "\nextend-exclude = []\n",
        "\noverrides = []\n",
        "[rules.debug-print]\nmethods = []\n",
        "[files]\nexclude = []\n",
        "[files]\ninclude = []\n",
        "[files]\nscripts = []\n",
        "[env]\nignore = []\n",
        "[docker]\nnonroot-images = []\n",
        "[docker]\nfiles = {}\n",
        "[[overrides]]\nfiles = [\"a\"]\nrules = {}\n",
    ];
    let mut accepted_sorted = accepted.clone();
    accepted_sorted.sort();
    let mut expected_sorted: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected_sorted.sort();
    assert_eq!(accepted_sorted, expected_sorted);
}

/// Arbitrary bytes, truncations and mutations of a valid file: errors, never panics.
#[test]
fn garbage_never_panics() {
    let samples: Vec<String> = vec![
        "\0\0\0".into(),
        "[[[[[[[[[[".into(),
        "a = [".repeat(10_000),
        "a = {b = ".repeat(10_000),
        "x".repeat(100_000),
        "[rules]\n".to_string() + &"debug-print = \"off\"\n".repeat(3),
        "\u{feff}\u{feff}fail-on = \"error\"".into(),
        "fail-on = \"\u{202e}error\"".into(),
        "[docker.files.\"\"]\ntarget = \"x\"".into(),
        "[docker.files.\".\"]\ntarget = \"x\"".into(),
        "[docker.files.\"a/../..\"]\ntarget = \"x\"".into(),
        "[files]\nexclude = [\"/\", \"./\"]".into(),
        "[files]\nexclude = [\"**/**/**/***\"]".into(),
    ];
    for text in &samples {
        let _ = parse_as("preflight.toml", text);
        let _ = parse_as("pyproject.toml", text);
    }
    // Mutations of the full example: drop, duplicate or replace one byte at a time.
    let bytes = FULL.as_bytes();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let replacements = b"[]{}\"'=.,#\n \\*-_0aZ\xff";
    for _ in 0..3_000 {
        let mut mutated = bytes.to_vec();
        for _ in 0..(next() % 4 + 1) {
            let at = (next() as usize) % mutated.len();
            match next() % 3 {
                0 => {
                    mutated.remove(at);
                }
                1 => mutated.insert(at, mutated[at]),
                _ => mutated[at] = replacements[(next() as usize) % replacements.len()],
            }
        }
        let text = String::from_utf8_lossy(&mutated);
        if let Err(error) = parse_as("preflight.toml", &text) {
            assert!(!error.message.is_empty());
            if error.line > 0 {
                assert!(error.line <= text.lines().count().max(1) + 1);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery and merging

/// A monorepo: a root file, a pyproject with `[tool.preflight]`, a `.preflight.toml`, and a
/// pyproject without the table in between.
fn monorepo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "preflight.toml",
        r#"fail-on = "warning"
[rules]
debug-print = "warning"
todo-comment = "off"
[rules.request-without-timeout]
default-timeout-seconds = 10
include-fetch = false
[files]
exclude = ["legacy/**"]
scripts = ["ops"]
[env]
ignore = ["OTEL_*"]
[docker]
target = "prod"
[[overrides]]
files = ["**/*.test.ts"]
rules = { debug-print = "off" }
"#,
    );
    write(
        root,
        "packages/api/pyproject.toml",
        r#"[project]
name = "api"

[tool.preflight]
fail-on = "error"

[tool.preflight.rules]
todo-comment = "hint"

[tool.preflight.rules.request-without-timeout]
default-timeout-seconds = 30

[tool.preflight.files]
exclude = ["legacy/**", "generated"]

[tool.preflight.env]
ignore = ["API_*"]

[tool.preflight.docker.files."deploy/api.Dockerfile"]
target = "runtime"

[[tool.preflight.overrides]]
files = ["scripts/**"]
rules = { debug-print = "error", todo-comment = "off" }
"#,
    );
    write(
        root,
        "packages/web/.preflight.toml",
        "[rules]\ndebug-print = \"info\"\n[docker]\ntarget = \"web\"\n",
    );
    write(
        root,
        "packages/lib/pyproject.toml",
        "[project]\nname = \"lib\"\n[tool.ruff]\nline-length = 90\n",
    );
    dir
}

#[test]
fn nearer_files_override_farther_ones_key_by_key() {
    let dir = monorepo();
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    let api = resolver
        .for_path(Path::new("packages/api/app/main.py"))
        .unwrap();
    let web = resolver
        .for_path(Path::new("packages/web/src/index.ts"))
        .unwrap();
    let lib = resolver
        .for_path(Path::new("packages/lib/lib/core.py"))
        .unwrap();
    let top = resolver.for_path(Path::new("tools/x.py")).unwrap();

    // Sources, farthest first; the pyproject without the table does not count.
    let names = |config: &EffectiveConfig| -> Vec<String> {
        config
            .sources()
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    };
    assert_eq!(
        names(&api),
        ["preflight.toml", "packages/api/pyproject.toml"]
    );
    assert_eq!(
        names(&web),
        ["preflight.toml", "packages/web/.preflight.toml"]
    );
    assert_eq!(names(&lib), ["preflight.toml"]);
    assert_eq!(names(&top), ["preflight.toml"]);

    // Scalars: nearest wins.
    assert_eq!(api.fail_on(), Some(Severity::Error));
    assert_eq!(web.fail_on(), Some(Severity::Warning));
    assert_eq!(web.docker_target("packages/web/Dockerfile"), Some("web"));
    assert_eq!(api.docker_target("packages/api/Dockerfile"), Some("prod"));
    assert_eq!(
        api.docker_target("packages/api/deploy/api.Dockerfile"),
        Some("runtime")
    );
    assert_eq!(
        top.docker_target("packages/api/deploy/api.Dockerfile"),
        Some("prod")
    );

    // Rules: per rule; options key by key.
    let main = "packages/api/app/main.py";
    assert_eq!(
        api.rule_level("todo-comment", main),
        RuleLevel::Severity(Severity::Hint)
    );
    assert_eq!(
        api.rule_level("debug-print", main),
        RuleLevel::Severity(Severity::Warning)
    );
    assert_eq!(
        api.rule_option("request-without-timeout", "default-timeout-seconds"),
        Some(&toml::Value::Integer(30))
    );
    assert_eq!(
        api.rule_option("request-without-timeout", "include-fetch"),
        Some(&toml::Value::Boolean(false))
    );
    assert_eq!(
        web.rule_level("debug-print", "packages/web/src/index.ts"),
        RuleLevel::Severity(Severity::Info)
    );
    assert_eq!(
        lib.rule_level("todo-comment", "packages/lib/lib/core.py"),
        RuleLevel::Off
    );

    // Lists accumulate, each relative to its own file's folder.
    assert!(api.is_excluded("packages/api/legacy/old.py"));
    assert!(api.is_excluded("packages/api/src/generated/x.py"));
    assert!(!api.is_excluded("packages/api/src/gen.py"));
    assert!(web.is_excluded("legacy/a.ts"));
    assert!(!web.is_excluded("packages/web/legacy/a.ts"));
    assert!(!web.is_excluded("packages/web/generated/a.ts"));
    assert!(api.is_script("ops/x.py"));
    assert!(
        api.is_script("packages/api/ops/x.py"),
        "name globs match at any depth"
    );
    assert!(api.env_ignored("OTEL_SERVICE_NAME"));
    assert!(api.env_ignored("API_KEY_HEADER"));
    assert!(!web.env_ignored("API_KEY_HEADER"));

    // Overrides accumulate: the root's, then the package's.
    assert_eq!(
        api.rule_level("debug-print", "packages/api/scripts/seed.py"),
        RuleLevel::Severity(Severity::Error)
    );
    assert_eq!(
        api.rule_level("todo-comment", "packages/api/scripts/seed.py"),
        RuleLevel::Off
    );
    assert_eq!(
        web.rule_level("debug-print", "packages/web/src/a.test.ts"),
        RuleLevel::Off
    );
    assert_eq!(
        web.rule_level("debug-print", "packages/web/scripts/a.ts"),
        RuleLevel::Severity(Severity::Info)
    );

    let json = api.to_json();
    assert_eq!(
        json["files"]["exclude"],
        serde_json::json!([
            "legacy/**",
            "packages/api/legacy/**",
            "packages/api/**/generated"
        ])
    );
    assert_eq!(json["fail-on"], "error");
    assert_eq!(
        json["rules"]["request-without-timeout"],
        serde_json::json!({"options": {"default-timeout-seconds": 30, "include-fetch": false}})
    );
    assert_eq!(
        json["overrides"][1]["files"],
        serde_json::json!(["packages/api/scripts/**"])
    );
    assert_eq!(
        json["docker"]["files"]["packages/api/deploy/api.Dockerfile"]["target"],
        "runtime"
    );
    let debug = format!("{api:?}");
    assert!(debug.starts_with("EffectiveConfig {"), "{debug}");
    assert_eq!(serde_json::to_value(&*api).unwrap(), json);
}

#[test]
fn folders_share_settings_and_the_cache() {
    let dir = monorepo();
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    let a = resolver
        .for_path(Path::new("packages/api/app/a.py"))
        .unwrap();
    let b = resolver
        .for_path(Path::new("packages/api/app/b.py"))
        .unwrap();
    let c = resolver.for_dir(Path::new("packages/api")).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert!(
        Arc::ptr_eq(&a, &c),
        "a folder without a file shares its parent's settings"
    );
    let root = resolver.for_dir(Path::new("")).unwrap();
    let packages = resolver.for_dir(Path::new("packages")).unwrap();
    assert!(Arc::ptr_eq(&root, &packages));
    assert!(!Arc::ptr_eq(&root, &a));
    // A configuration in the folder itself applies to the folder.
    let api_dir = resolver.for_dir(&dir.path().join("packages/api")).unwrap();
    assert_eq!(api_dir.fail_on(), Some(Severity::Error));
    // The package's file applies to files in the package folder itself.
    let manifest = resolver
        .for_path(Path::new("packages/api/pyproject.toml"))
        .unwrap();
    assert_eq!(manifest.fail_on(), Some(Severity::Error));
}

#[test]
fn absolute_and_relative_paths_resolve_alike() {
    let dir = monorepo();
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    let absolute = dir.path().join("packages/web/src/index.ts");
    assert_eq!(
        resolver.relative(&absolute).as_deref(),
        Some("packages/web/src/index.ts")
    );
    assert_eq!(
        resolver
            .relative(Path::new("./packages/web/../web/src/index.ts"))
            .as_deref(),
        Some("packages/web/src/index.ts")
    );
    assert_eq!(resolver.relative(dir.path()).as_deref(), Some(""));
    assert_eq!(resolver.relative(Path::new("../elsewhere.ts")), None);
    let via_absolute = resolver.for_path(&absolute).unwrap();
    let via_relative = resolver
        .for_path(Path::new("packages/web/src/index.ts"))
        .unwrap();
    assert!(Arc::ptr_eq(&via_absolute, &via_relative));

    // Outside the workspace: no configuration.
    let other = tempfile::tempdir().unwrap();
    write(other.path(), "preflight.toml", "fail-on = \"hint\"");
    let outside = resolver.for_path(&other.path().join("x.py")).unwrap();
    assert!(outside.is_default());
    assert_eq!(resolver.relative(&other.path().join("x.py")), None);
}

#[test]
fn config_paths_are_joined_without_a_leading_dot() {
    // The command line passes the root as typed, often `.`: messages should read
    // `svc/preflight.toml`, not `./svc/preflight.toml`.
    assert_eq!(
        clean_join(Path::new("."), "preflight.toml"),
        PathBuf::from("preflight.toml")
    );
    assert_eq!(
        clean_join(Path::new(""), "preflight.toml"),
        PathBuf::from("preflight.toml")
    );
    assert_eq!(
        clean_join(&clean_join(Path::new("."), "svc"), "preflight.toml"),
        PathBuf::from("svc/preflight.toml")
    );
    assert_eq!(
        clean_join(Path::new("a"), "preflight.toml"),
        PathBuf::from("a/preflight.toml")
    );
}

#[test]
fn the_first_config_name_in_a_folder_wins() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "preflight.toml", "fail-on = \"error\"");
    write(dir.path(), ".preflight.toml", "fail-on = \"info\"");
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.preflight]\nfail-on = \"hint\"",
    );
    write(dir.path(), "a/.preflight.toml", "fail-on = \"info\"");
    write(
        dir.path(),
        "a/pyproject.toml",
        "[tool.preflight]\nfail-on = \"hint\"",
    );
    write(
        dir.path(),
        "b/pyproject.toml",
        "[tool.preflight]\nfail-on = \"hint\"",
    );
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    let fail_on = |path: &str| resolver.for_path(Path::new(path)).unwrap().fail_on();
    assert_eq!(fail_on("x.py"), Some(Severity::Error));
    assert_eq!(fail_on("a/x.py"), Some(Severity::Info));
    assert_eq!(fail_on("b/x.py"), Some(Severity::Hint));
    let sources = resolver.for_path(Path::new("a/x.py")).unwrap();
    assert_eq!(sources.sources().len(), 2);
    assert!(sources.sources()[1].ends_with("a/.preflight.toml"));
}

#[test]
fn a_broken_file_fails_every_path_below_it_only() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "preflight.toml", "fail-on = \"error\"");
    write(
        dir.path(),
        "svc/preflight.toml",
        "\n[rules]\ndebug-prnt = \"off\"\n",
    );
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    let error = resolver.for_path(Path::new("svc/deep/x.py")).unwrap_err();
    assert_eq!(place(&error), (3, 1, Some("rules.debug-prnt")));
    assert_eq!(error.path, dir.path().join("svc/preflight.toml"));
    assert!(error.to_string().starts_with(&format!(
        "{}:3:1: unknown rule id",
        dir.path().join("svc/preflight.toml").display()
    )));
    // Cached, and the same for every path below.
    assert_eq!(resolver.for_path(Path::new("svc/x.py")).unwrap_err(), error);
    assert_eq!(
        resolver.for_path(Path::new("svc/deep/x.py")).unwrap_err(),
        error
    );
    assert!(resolver.for_path(Path::new("other/x.py")).is_ok());
    assert!(resolver.for_path(Path::new("x.py")).is_ok());
}

#[test]
fn a_broken_pyproject_is_ours_only_when_it_mentions_us() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/pyproject.toml", "[project\nname = ");
    write(
        dir.path(),
        "b/pyproject.toml",
        "[tool.preflight\nfail-on = 1",
    );
    write(dir.path(), "c/pyproject.toml", "");
    fs::write(dir.path().join("c/pyproject.toml"), b"name = \"\xff\"").unwrap();
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    assert!(resolver.for_path(Path::new("a/x.py")).unwrap().is_default());
    assert!(resolver.for_path(Path::new("c/x.py")).unwrap().is_default());
    let error = resolver.for_path(Path::new("b/x.py")).unwrap_err();
    assert_eq!(error.line, 1);
}

#[test]
fn unreadable_files_are_errors_without_a_position() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("preflight.toml"), b"fail-on = \"\xff\"").unwrap();
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    let error = resolver.for_path(Path::new("x.py")).unwrap_err();
    assert_eq!((error.line, error.column, error.span.clone()), (0, 0, None));
    assert_eq!(
        error.to_string(),
        format!(
            "{}: not valid UTF-8",
            dir.path().join("preflight.toml").display()
        )
    );
    // A folder named like a config file is not one.
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("preflight.toml")).unwrap();
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    assert!(resolver.for_path(Path::new("x.py")).unwrap().is_default());
}

#[test]
fn an_explicit_file_replaces_discovery() {
    let dir = monorepo();
    let explicit = dir.path().join("ci/strict.toml");
    write(
        dir.path(),
        "ci/strict.toml",
        "fail-on = \"hint\"\n[files]\nexclude = [\"packages/web/**\"]\n",
    );
    let resolver = ConfigResolver::new(dir.path(), Some(&explicit)).unwrap();
    assert!(resolver.is_explicit());
    let api = resolver
        .for_path(Path::new("packages/api/app/main.py"))
        .unwrap();
    assert_eq!(api.fail_on(), Some(Severity::Hint));
    assert_eq!(api.sources(), std::slice::from_ref(&explicit));
    assert_eq!(
        api.rule_level("todo-comment", "packages/api/app/main.py"),
        RuleLevel::Default
    );
    // Its globs are relative to the workspace root, not to the file's folder.
    assert!(api.is_excluded("packages/web/src/index.ts"));
    let outside = resolver.for_path(Path::new("/somewhere/else.py")).unwrap();
    assert!(Arc::ptr_eq(&api, &outside));
    assert!(Arc::ptr_eq(
        &api,
        &resolver.for_dir(Path::new("packages")).unwrap()
    ));

    // An explicit pyproject.toml must hold the table.
    let pyproject = dir.path().join("packages/lib/pyproject.toml");
    let error = ConfigResolver::new(dir.path(), Some(&pyproject))
        .err()
        .unwrap();
    assert_eq!(
        error.message,
        "no [tool.preflight] table in this pyproject.toml"
    );
    let pyproject = dir.path().join("packages/api/pyproject.toml");
    let resolver = ConfigResolver::new(dir.path(), Some(&pyproject)).unwrap();
    let config = resolver.for_path(Path::new("x.py")).unwrap();
    assert_eq!(config.fail_on(), Some(Severity::Error));
    assert!(config.is_excluded("legacy/a.py"));

    // Missing or invalid: an error at construction.
    let missing = dir.path().join("nope.toml");
    let error = ConfigResolver::new(dir.path(), Some(&missing))
        .err()
        .unwrap();
    assert_eq!(error.path, missing);
    assert!(
        error.message.starts_with("cannot read: "),
        "{}",
        error.message
    );
    write(dir.path(), "bad.toml", "fail-on = \"loud\"");
    let error = ConfigResolver::new(dir.path(), Some(&dir.path().join("bad.toml")))
        .err()
        .unwrap();
    assert_eq!(place(&error), (1, 11, Some("fail-on")));
}

#[test]
fn the_resolver_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ConfigResolver>();
    assert_send_sync::<EffectiveConfig>();
    assert_send_sync::<ConfigError>();

    let dir = monorepo();
    for n in 0..20 {
        write(dir.path(), &format!("packages/api/src/m{n}/x.py"), "");
    }
    let resolver = ConfigResolver::new(dir.path(), None).unwrap();
    let results: Vec<Arc<EffectiveConfig>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let resolver = &resolver;
                scope.spawn(move || {
                    (0..20)
                        .map(|n| {
                            let path = format!("packages/api/src/m{}/x.py", (n + t) % 20);
                            resolver.for_path(Path::new(&path)).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for config in &results {
        assert_eq!(config.fail_on(), Some(Severity::Error));
        assert_eq!(config.sources().len(), 2);
    }
}

#[test]
fn normalising_relative_paths() {
    assert_eq!(normalize_rel("a/b").as_deref(), Some("a/b"));
    assert_eq!(normalize_rel("").as_deref(), Some(""));
    assert_eq!(normalize_rel("a/").as_deref(), Some("a"));
    assert_eq!(normalize_rel("./a//b/./c").as_deref(), Some("a/b/c"));
    assert_eq!(normalize_rel("/a/b").as_deref(), Some("a/b"));
    assert_eq!(normalize_rel("a/../b").as_deref(), Some("b"));
    assert_eq!(normalize_rel("a/../..").as_deref(), None);
    assert_eq!(parent_rel("a/b/c.py"), "a/b");
    assert_eq!(parent_rel("c.py"), "");
    assert_eq!(parent_rel(""), "");
}

#[test]
fn config_file_names() {
    for name in CONFIG_FILE_NAMES {
        assert!(is_config_file_name(name));
    }
    assert!(!is_config_file_name("ruff.toml"));
    assert_eq!(
        ConfigFormat::of(Path::new("a/pyproject.toml")),
        ConfigFormat::Pyproject
    );
    assert_eq!(
        ConfigFormat::of(Path::new("ci/strict.toml")),
        ConfigFormat::Preflight
    );
}
