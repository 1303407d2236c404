//! `preflight report`: the readiness review of the bundled demo workspace as Markdown (a
//! snapshot), the HTML page's promises (self-contained, escaped, phone-sized), and the page as
//! a real browser renders it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::preflight;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/readiness-demo")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

/// The report with the version number made stable.
fn without_version(text: &str) -> String {
    text.replace(
        &format!("Preflight {} ", env!("CARGO_PKG_VERSION")),
        "Preflight [version] ",
    )
}

#[test]
fn markdown_report_of_the_demo_workspace() {
    let output = preflight(&demo(), &["report"]);
    assert_eq!(
        code(&output),
        1,
        "findings at warning and above fail, like `check`"
    );
    insta::assert_snapshot!("readiness-demo", without_version(&stdout(&output)));
}

#[test]
fn markdown_is_the_default_and_output_files_get_links_relative_to_them() {
    let temp = tempfile::tempdir().unwrap();
    let target = temp.path().join("reports/readiness.md");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let demo = demo();
    let args = [
        "report",
        demo.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
    ];
    let output = preflight(temp.path(), &args);
    assert_eq!(code(&output), 1);
    assert!(output.stdout.is_empty(), "the report goes to the file only");
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.starts_with("# Production readiness report"));
    // Every link resolves from the report's folder to the scanned file.
    let mut links = 0;
    for (at, _) in written.match_indices("](") {
        let rest = &written[at + 2..];
        let target_link = &rest[..rest.find(')').unwrap()];
        let Some((file, _line)) = target_link.split_once("#L") else {
            continue;
        };
        links += 1;
        let resolved = target.parent().unwrap().join(file);
        assert!(resolved.is_file(), "link `{target_link}` does not resolve");
    }
    assert!(links >= 13, "one link per finding at least, got {links}");
}

#[test]
fn exit_codes_follow_check() {
    let output = preflight(
        &demo(),
        &["report", "--fail-on", "error", "orders/src/orders"],
    );
    assert_eq!(code(&output), 0, "only warnings there: {}", stdout(&output));
    let output = preflight(&demo(), &["report", "no-such-folder"]);
    assert_eq!(code(&output), 2);
    assert!(output.stdout.is_empty());
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("missing/report.html");
    let output = preflight(
        &demo(),
        &[
            "report",
            "--format",
            "html",
            "-o",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&output), 2, "an unwritable output is an error");
    assert!(!missing.exists());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write"));
}

#[test]
fn a_file_named_alone_gets_no_project_level_checks() {
    let output = preflight(&demo(), &["report", "orders/src/main.ts"]);
    let text = stdout(&output);
    assert!(text.contains("`cors-wildcard`"), "{text}");
    assert!(!text.contains("`missing-error-handler`"), "{text}");
}

fn html_report(dir: &Path) -> String {
    let output = preflight(dir, &["report", "--format", "html"]);
    assert_eq!(code(&output), 1);
    stdout(&output)
}

#[test]
fn html_is_one_self_contained_page() {
    let html = html_report(&demo());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("<meta name=\"viewport\" content=\"width=device-width"));
    assert!(html.contains("Content-Security-Policy"));
    for forbidden in [
        "http://", "https://", "<script", "<link", "<img", "@import", "url(", "<iframe",
    ] {
        assert!(
            !html.contains(forbidden),
            "the page must not contain `{forbidden}`"
        );
    }
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        3,
        "a chart per project"
    );
    assert_eq!(html.matches("<section class=\"project\"").count(), 3);
    assert!(html.contains("Global error handler registered"));
    assert!(html.contains("<a href=\"orders/src/main.ts\">orders/src/main.ts:6</a>"));
    // Balanced structure, roughly: every opened section, list and table is closed.
    for tag in ["section", "ul", "ol", "table", "svg", "li"] {
        assert_eq!(
            html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count(),
            html.matches(&format!("</{tag}>")).count(),
            "<{tag}> left open"
        );
    }
}

#[test]
fn untrusted_messages_and_paths_are_escaped_and_secrets_stay_out() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("<img src=x onerror=alert(1)>");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("package.json"), r#"{"name": "x"}"#).unwrap();
    let secret = "sk_live_51HxQzS3cr3tV4lu3D0N0tL34k";
    std::fs::write(
        dir.join("main.js"),
        format!("const stripe = '{secret}';\nconsole.log('<script>alert(1)</script>');\n"),
    )
    .unwrap();
    let html = html_report(temp.path());
    assert!(!html.contains("<img src=x"), "a path is markup-free");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<script"));
    assert!(
        !html.contains(secret) && !html.contains("S3cr3t"),
        "no secret in the page"
    );
    let markdown = stdout(&preflight(temp.path(), &["report"]));
    // Outside code spans, every `<` is escaped (`\<`), so no tag reaches a Markdown renderer.
    let unescaped = markdown
        .match_indices('<')
        .filter(|(at, _)| !markdown[..*at].ends_with('\\'))
        .count();
    assert_eq!(unescaped, 0, "{markdown}");
    assert!(!markdown.contains(secret));
}

/// Renders the page in headless Chromium at a phone's size and checks a real screenshot comes
/// out. Skips, saying so, where Chromium is not installed (`.ci/install-chromium.sh` installs it).
#[test]
fn html_renders_in_headless_chromium_at_phone_size() {
    let Some(chromium) = ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        eprintln!(
            "SKIPPED html_renders_in_headless_chromium_at_phone_size: no `chromium` on PATH (run .ci/install-chromium.sh)"
        );
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let page = temp.path().join("readiness.html");
    std::fs::write(&page, html_report(&demo())).unwrap();
    let png = temp.path().join("readiness.png");
    let profile = temp.path().join("profile");
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--window-size=390,844")
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&png).expect("a screenshot was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    // IHDR: width and height, big-endian, right after the signature and chunk header.
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (390, 844), "the phone-sized viewport");
    // A blank or error page compresses to almost nothing; the report's text, chart and colours
    // do not.
    assert!(
        bytes.len() > 20_000,
        "the screenshot looks empty ({} bytes)",
        bytes.len()
    );
}
