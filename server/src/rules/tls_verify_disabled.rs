use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::engine::{Captures, FileContext};
use crate::lang::{ecma, python};
use preflight_grammars::LanguageFamily;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;
use tree_sitter::Node;

/// The option, attribute, keyword and variable names the rule looks for:
/// `rejectUnauthorized`, `strictSSL`, `checkServerIdentity`, `NODE_TLS_REJECT_UNAUTHORIZED`;
/// `verify` (also in `_create_unverified_context`, `PYTHONHTTPSVERIFY`), `ssl`, `cert_reqs`,
/// `check_hostname`, `_create_default_https_context`, `*_CA_BUNDLE`.
const TRIGGERS: Triggers = Triggers {
    ecma: Words::any_case(&[
        "rejectunauthorized",
        "reject_unauthorized",
        "strictssl",
        "checkserveridentity",
    ]),
    python: Words::any_case(&[
        "verif",
        "ssl",
        "cert_reqs",
        "check_hostname",
        "https_context",
        "ca_bundle",
        "reject_unauthorized",
    ]),
};

declare_rule! {
    /// ## What it does
    /// Flags code that turns off TLS certificate verification: `rejectUnauthorized: false`,
    /// `strictSSL: false`, an empty `checkServerIdentity` callback and
    /// `NODE_TLS_REJECT_UNAUTHORIZED = '0'` in TypeScript/JavaScript; `verify=False` on
    /// `requests`/`httpx` calls, `ssl=False` on `aiohttp` calls, `ssl._create_unverified_context()`,
    /// `check_hostname = False`, `verify_mode = ssl.CERT_NONE`, `cert_reqs="CERT_NONE"` and
    /// environment overrides such as `PYTHONHTTPSVERIFY=0` in Python. In Dockerfiles (every
    /// stage): `ENV` of `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`,
    /// `GIT_SSL_NO_VERIFY`, `NPM_CONFIG_STRICT_SSL=false`, `PIP_TRUSTED_HOST` or
    /// `CURL_CA_BUNDLE=""`, and `RUN` commands (heredoc scripts included) using `curl -k` /
    /// `--insecure` (also in a cluster such as `-fsSLk`), `wget --no-check-certificate`,
    /// `npm|yarn|pnpm config set strict-ssl false`, `pip install --trusted-host`,
    /// `git config http.sslVerify false` or `git -c http.sslVerify=false`, or setting those
    /// variables inside a `RUN` (`NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci`, `export …`).
    ///
    /// Only literal values are flagged: a setting read from configuration
    /// (`rejectUnauthorized: process.env.DB_SSL_STRICT !== 'false'`,
    /// `verify=settings.CA_BUNDLE`) is a deliberate, deploy-time choice. So is code that only
    /// runs when such a setting asks for it (`elif verify is False:`,
    /// `if (options.allowSelfSigned)`), the way HTTP libraries implement their own `verify`
    /// option, and code in a development-only branch (`if settings.DEBUG:`,
    /// `if (process.env.NODE_ENV !== 'production')`). `verify=False` counts only in a file
    /// importing `requests` or `httpx` (`jwt.decode(..., verify=False)` is about signatures),
    /// and `ssl=False` only on `aiohttp` calls (on a database driver it means "no TLS", a
    /// different question). In a Dockerfile, a value taken from an `ARG` without default
    /// (`ENV NODE_TLS_REJECT_UNAUTHORIZED=$TLS_REJECT`) is left to the build, and development
    /// Dockerfiles (`Dockerfile.dev`) are not checked.
    ///
    /// ## Why is this bad?
    /// Without certificate verification anyone on the network path can impersonate the server
    /// and read or change the traffic, credentials included. It is never right in production: a
    /// host with a private certificate authority needs that CA configured, not verification off.
    ///
    /// ## Example
    /// ```ts
    /// const agent = new https.Agent({ rejectUnauthorized: false });
    /// process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    /// ```
    /// ```python
    /// resp = requests.get(url, verify=False, timeout=10)
    /// ```
    /// ```dockerfile
    /// FROM node:20-slim
    /// ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    /// RUN curl -fsSLk https://internal.example.net/install.sh | sh
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// const agent = new https.Agent({ ca: fs.readFileSync('/etc/ssl/internal-ca.pem') });
    /// ```
    /// ```python
    /// resp = requests.get(url, verify="/etc/ssl/certs/internal-ca.pem", timeout=10)
    /// ```
    /// ```dockerfile
    /// FROM node:20-slim
    /// COPY internal-ca.crt /usr/local/share/ca-certificates/
    /// RUN update-ca-certificates \
    ///     && curl -fsSL https://internal.example.net/install.sh | sh
    /// ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/internal-ca.crt
    /// ```
    ///
    /// ## Fix safety
    /// The fixes are **unsafe**: a host whose certificate is signed by a private CA stops
    /// answering until that CA is configured. `rejectUnauthorized`/`strictSSL: false` becomes
    /// `true`; the `NODE_TLS_REJECT_UNAUTHORIZED` assignment, the `verify=False`/`ssl=False`
    /// keyword and the `check_hostname`/`verify_mode`/`verify` assignment statements are
    /// removed, which restores the libraries' verifying defaults. In a Dockerfile the `ENV`
    /// pair is removed (the whole `ENV` when it was the only pair), and so is the `-k`,
    /// `--insecure` or `--no-check-certificate` option (only the `k` of a cluster such as
    /// `-fsSLk`).
    ///
    /// ## How to silence
    /// Put `// preflight-ignore: tls-verify-disabled` (Python and Dockerfile:
    /// `# preflight-ignore: tls-verify-disabled`) on the line above, or turn the rule off with
    /// `[rules] tls-verify-disabled = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "tls-verify-disabled",
        summary: "TLS certificate verification turned off (rejectUnauthorized: false, verify=False, CERT_NONE)",
        category: Category::Security,
        severity: Severity::Error,
        languages: &[
            LanguageFamily::Ecma,
            LanguageFamily::Python,
            LanguageFamily::Dockerfile,
        ],
        fix: FixAvailability::Unsafe,
        check: Check::MatchesAndDockerfile(check, TRIGGERS, dockerfile::check),
    };
}

fn message(how: &str) -> String {
    format!(
        "TLS certificate verification is disabled ({how}); traffic can be intercepted. Trust the \
         required CA instead."
    )
}

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    let finding = match cx.language().family() {
        LanguageFamily::Ecma => ecma_match(cx, m),
        LanguageFamily::Python => python_match(cx, m),
        LanguageFamily::Dockerfile => None,
    };
    let Some(finding) = finding else {
        return;
    };
    let anchor = [
        "tls.pair",
        "tls.assignment",
        "tls.call",
        "tls.unverified_call",
        "tls.attribute_assignment",
        "tls.environ_assignment",
    ]
    .into_iter()
    .find_map(|name| m.get(name));
    if anchor.is_some_and(|node| chosen_by_setting(cx, node)) {
        return;
    }
    out.push(finding);
}

/// A condition that reads a verification setting: `if verify is False:`, `elif insecure:`,
/// `if (options.rejectUnauthorized === false)`.
static SETTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(verify|insecure|unverified|reject_?unauthorized|strict_?ssl|check_?hostname|self_?signed|allow_?invalid|(ignore|skip|disable)_?(ssl|tls|cert))",
    )
    .expect("valid regex")
});

/// A development-only branch (RULES.md H8): `if settings.DEBUG:`, `if (isDev)`,
/// `if (process.env.NODE_ENV !== 'production')`, `if (process.env.NODE_ENV === 'development')`.
static DEVELOPMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(^|[^\w.])(not\s+|!\s*)?(\w+\.)*(debug|is_?dev(elopment)?|__debug__)\s*$|node_env\s*(!==?\s*['"`]production|===?\s*['"`](development|dev|local)['"`])"#,
    )
    .expect("valid regex")
});

/// Whether `node` only runs when a verification setting says so — code that implements a
/// user's `verify=False` (an HTTP library's own option handling) rather than choosing it — or
/// only in development.
fn is_development(condition: &str) -> bool {
    let condition = condition.trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace());
    // A negated switch (`if not settings.DEBUG:`) guards production.
    if condition.starts_with("not ") || (condition.starts_with('!') && !condition.contains("!=")) {
        return false;
    }
    DEVELOPMENT.is_match(condition)
}

fn chosen_by_setting(cx: &FileContext<'_>, node: Node<'_>) -> bool {
    let mut child = node;
    let mut current = node.parent();
    while let Some(ancestor) = current {
        let condition = match ancestor.kind() {
            "if_statement" | "elif_clause" | "while_statement" => {
                ancestor.child_by_field_name("condition")
            }
            "ternary_expression" => ancestor.child_by_field_name("condition"),
            "conditional_expression" => ancestor.named_child(1),
            _ => None,
        };
        if let Some(condition) = condition
            && condition != child
            && SETTING.is_match(cx.node_text(condition))
        {
            return true;
        }
        let in_consequence = matches!(ancestor.kind(), "if_statement" | "elif_clause")
            && ancestor.child_by_field_name("consequence") == Some(child);
        if in_consequence
            && let Some(condition) = condition
            && is_development(cx.node_text(condition))
        {
            return true;
        }
        child = ancestor;
        current = ancestor.parent();
    }
    false
}

// ---------------------------------------------------------------------------------------------
// TypeScript / JavaScript

fn ecma_match(cx: &FileContext<'_>, m: &Captures<'_, '_>) -> Option<Finding> {
    let text = cx.text();
    let key = ecma::property_key(m.get("tls.key")?, text)?;
    let value = m.get("tls.value")?;
    if m.get("tls.pair").is_some() {
        return match key.as_str() {
            "rejectUnauthorized" | "strictSSL" => literal_false(&key, value),
            "checkServerIdentity" if accepts_any_identity(cx, value) => Some(RULE.finding(
                value.byte_range(),
                message("`checkServerIdentity` accepts every certificate"),
            )),
            "NODE_TLS_REJECT_UNAUTHORIZED" if is_zero(cx, value) => Some(RULE.finding(
                value.byte_range(),
                message("`NODE_TLS_REJECT_UNAUTHORIZED=0`"),
            )),
            _ => None,
        };
    }
    let assignment = m.get("tls.assignment")?;
    let target = m.get("tls.target")?;
    match key.as_str() {
        "rejectUnauthorized" => literal_false(&key, value),
        "NODE_TLS_REJECT_UNAUTHORIZED" if is_process_env(cx, target) && is_zero(cx, value) => {
            let finding = RULE.finding(
                value.byte_range(),
                message("`NODE_TLS_REJECT_UNAUTHORIZED=0`"),
            );
            Some(match ecma_statement_removal(cx, assignment) {
                Some(edit) => finding.with_fix(Fix::unsafe_(
                    "Remove the `NODE_TLS_REJECT_UNAUTHORIZED` assignment",
                    vec![edit],
                )),
                None => finding,
            })
        }
        _ => None,
    }
}

/// `rejectUnauthorized: false` / `strictSSL: false` (as a pair or an assignment).
fn literal_false(key: &str, value: Node<'_>) -> Option<Finding> {
    if ecma::unwrap_expression(value).kind() != "false" {
        return None;
    }
    Some(
        RULE.finding(value.byte_range(), message(&format!("`{key}: false`")))
            .with_fix(Fix::unsafe_(
                format!("Set `{key}` to `true`"),
                vec![Edit::replace(value.byte_range(), "true")],
            )),
    )
}

/// `() => {}`, `() => undefined`, `function () {}`: a host check that never objects.
fn accepts_any_identity(cx: &FileContext<'_>, value: Node<'_>) -> bool {
    let value = ecma::unwrap_expression(value);
    if !matches!(value.kind(), "arrow_function" | "function_expression") {
        return false;
    }
    let Some(body) = value.child_by_field_name("body") else {
        return false;
    };
    match body.kind() {
        "statement_block" => body.named_child_count() == 0,
        "undefined" | "null" => true,
        "identifier" => cx.node_text(body) == "undefined",
        _ => false,
    }
}

/// `'0'`, `"0"`, `0`.
fn is_zero(cx: &FileContext<'_>, value: Node<'_>) -> bool {
    let value = ecma::unwrap_expression(value);
    match value.kind() {
        "number" => cx.node_text(value) == "0",
        _ => ecma::static_string(value, cx.text()).is_some_and(|s| s == "0"),
    }
}

/// `process.env.X` / `process.env['X']`.
fn is_process_env(cx: &FileContext<'_>, target: Node<'_>) -> bool {
    target
        .child_by_field_name("object")
        .and_then(|object| ecma::callee_path(object, cx.text()))
        .is_some_and(|path| path == "process.env")
}

/// Deletes the expression statement holding `expression`, when that cannot change how the
/// surrounding code parses.
fn ecma_statement_removal(cx: &FileContext<'_>, expression: Node<'_>) -> Option<Edit> {
    let text = cx.text();
    let statement = expression.parent()?;
    if statement.kind() != "expression_statement" || statement.has_error() {
        return None;
    }
    let container = statement.parent()?;
    if !matches!(container.kind(), "program" | "statement_block") {
        return None;
    }
    // Automatic semicolon insertion: with the statement gone, a next line starting with `(`
    // or `[` could continue the previous statement. Only then is the previous end checked.
    let next = text[statement.end_byte()..].trim_start();
    if next.starts_with(['(', '[', '`', '+', '-', '/', '<', '.', ',']) {
        let before = text[..statement.start_byte()].trim_end();
        if !(before.is_empty() || before.ends_with([';', '{'])) {
            return None;
        }
    }
    Some(delete_line(text, statement.byte_range()))
}

// ---------------------------------------------------------------------------------------------
// Python

fn python_match(cx: &FileContext<'_>, m: &Captures<'_, '_>) -> Option<Finding> {
    if let Some(argument) = m.get("tls.argument") {
        return keyword_argument(cx, m.get("tls.call")?, argument, m.get("tls.value")?);
    }
    if let Some(call) = m.get("tls.unverified_call") {
        let path = python::canonical_callee(call, cx.text(), cx.bindings())?;
        if path != "ssl._create_unverified_context" {
            return None;
        }
        return Some(RULE.finding(
            call.byte_range(),
            message("`ssl._create_unverified_context()`"),
        ));
    }
    if let Some(assignment) = m.get("tls.attribute_assignment") {
        return attribute_assignment(cx, assignment, m.get("tls.value")?);
    }
    if let Some(assignment) = m.get("tls.environ_assignment") {
        return environ_assignment(cx, assignment, m.get("tls.environ")?, m.get("tls.value")?);
    }
    None
}

/// HTTP verbs and request methods of `aiohttp` sessions, where `ssl=False` means "do not verify".
const AIOHTTP_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "ws_connect",
    "TCPConnector",
];

fn keyword_argument(
    cx: &FileContext<'_>,
    call: Node<'_>,
    argument: Node<'_>,
    value: Node<'_>,
) -> Option<Finding> {
    let text = cx.text();
    let keyword = cx.node_text(argument.child_by_field_name("name")?);
    let callee = python::canonical_callee(call, text, cx.bindings()).unwrap_or_default();
    let method = callee.rsplit('.').next().unwrap_or_default();
    let how = match keyword {
        "verify" => {
            let http =
                cx.bindings().imports_module("requests") || cx.bindings().imports_module("httpx");
            // `jwt.decode(token, verify=False)` is about signatures, not TLS.
            if !http || value.kind() != "false" || method == "decode" || callee.starts_with("jwt.")
            {
                return None;
            }
            "`verify=False`"
        }
        "ssl" | "verify_ssl" => {
            // `ssl=False` on a database or cache client means "no TLS", a different question.
            let aiohttp_call = callee.starts_with("aiohttp.") || AIOHTTP_METHODS.contains(&method);
            if !cx.bindings().imports_module("aiohttp") || !aiohttp_call || value.kind() != "false"
            {
                return None;
            }
            if keyword == "ssl" {
                "`ssl=False`"
            } else {
                "`verify_ssl=False`"
            }
        }
        "cert_reqs" => {
            if !is_cert_none(cx, value) {
                return None;
            }
            return Some(RULE.finding(argument.byte_range(), message("`cert_reqs=CERT_NONE`")));
        }
        _ => return None,
    };
    let finding = RULE.finding(argument.byte_range(), message(how));
    Some(match keyword_removal(argument) {
        Some(edit) => finding.with_fix(Fix::unsafe_(
            format!("Remove `{}`", cx.node_text(argument)),
            vec![edit],
        )),
        None => finding,
    })
}

/// `ssl.CERT_NONE`, `CERT_NONE`, `"CERT_NONE"`.
fn is_cert_none(cx: &FileContext<'_>, value: Node<'_>) -> bool {
    match value.kind() {
        "attribute" => value
            .child_by_field_name("attribute")
            .is_some_and(|a| cx.node_text(a) == "CERT_NONE"),
        "identifier" => {
            cx.node_text(value) == "CERT_NONE"
                && cx
                    .bindings()
                    .get("CERT_NONE")
                    .is_none_or(|target| target.starts_with("ssl."))
        }
        _ => python::static_string(value, cx.text()).is_some_and(|s| s == "CERT_NONE"),
    }
}

fn attribute_assignment(
    cx: &FileContext<'_>,
    assignment: Node<'_>,
    value: Node<'_>,
) -> Option<Finding> {
    let left = assignment.child_by_field_name("left")?;
    let attribute = cx.node_text(left.child_by_field_name("attribute")?);
    let object = left.child_by_field_name("object")?;
    let (how, title) = match attribute {
        "check_hostname" if value.kind() == "false" => (
            "`check_hostname = False`",
            "Remove the `check_hostname = False` assignment",
        ),
        "verify_mode" if is_cert_none(cx, value) => (
            "`verify_mode = CERT_NONE`",
            "Remove the `verify_mode = CERT_NONE` assignment",
        ),
        "verify"
            if value.kind() == "false"
                && (cx.bindings().imports_module("requests")
                    || cx.bindings().imports_module("httpx")) =>
        {
            ("`verify = False`", "Remove the `verify = False` assignment")
        }
        "_create_default_https_context" => {
            let module = python::callee_path(object, cx.text())
                .map(|path| cx.bindings().canonical(&path))
                .unwrap_or_default();
            let replacement = python::callee_path(value, cx.text())
                .map(|path| cx.bindings().canonical(&path))
                .unwrap_or_default();
            if module != "ssl" || replacement == "ssl.create_default_context" {
                return None;
            }
            (
                "`ssl._create_default_https_context` is replaced",
                "Remove the `_create_default_https_context` assignment",
            )
        }
        _ => return None,
    };
    let finding = RULE.finding(assignment.byte_range(), message(how));
    let Some(edit) = python_statement_removal(cx, assignment) else {
        return Some(finding);
    };
    // With `check_hostname` back on, `verify_mode = CERT_NONE` on the same context raises
    // `ValueError`: both go together.
    if attribute == "check_hostname"
        && let Some(companion) = sibling_cert_none(cx, assignment, cx.node_text(object))
    {
        let Some(second) = python_statement_removal(cx, companion) else {
            return Some(finding);
        };
        return Some(finding.with_fix(Fix::unsafe_(
            "Remove the `check_hostname = False` and `verify_mode = CERT_NONE` assignments",
            vec![edit, second],
        )));
    }
    Some(finding.with_fix(Fix::unsafe_(title, vec![edit])))
}

/// `<object>.verify_mode = ssl.CERT_NONE` among the statements next to `assignment`.
fn sibling_cert_none<'t>(
    cx: &FileContext<'_>,
    assignment: Node<'t>,
    object: &str,
) -> Option<Node<'t>> {
    let block = assignment.parent()?.parent()?;
    let mut cursor = block.walk();
    block
        .named_children(&mut cursor)
        .filter(|statement| statement.kind() == "expression_statement")
        .filter_map(|statement| statement.named_child(0))
        .find(|other| {
            other.kind() == "assignment"
                && other.child_by_field_name("left").is_some_and(|left| {
                    left.kind() == "attribute"
                        && left
                            .child_by_field_name("attribute")
                            .is_some_and(|a| cx.node_text(a) == "verify_mode")
                        && left
                            .child_by_field_name("object")
                            .is_some_and(|o| cx.node_text(o) == object)
                })
                && other
                    .child_by_field_name("right")
                    .is_some_and(|right| is_cert_none(cx, right))
        })
}

/// `os.environ["PYTHONHTTPSVERIFY"] = "0"`, `os.environ["CURL_CA_BUNDLE"] = ""`.
fn environ_assignment(
    cx: &FileContext<'_>,
    assignment: Node<'_>,
    environ: Node<'_>,
    value: Node<'_>,
) -> Option<Finding> {
    let text = cx.text();
    let environ = python::callee_path(environ, text).map(|path| cx.bindings().canonical(&path))?;
    if environ != "os.environ" {
        return None;
    }
    let name = python::static_string(
        assignment
            .child_by_field_name("left")?
            .child_by_field_name("subscript")?,
        text,
    )?;
    let value = python::static_string(value, text)?;
    let disabled = match name.as_str() {
        "PYTHONHTTPSVERIFY" | "NODE_TLS_REJECT_UNAUTHORIZED" => value == "0",
        "CURL_CA_BUNDLE" | "REQUESTS_CA_BUNDLE" => value.is_empty(),
        _ => false,
    };
    if !disabled {
        return None;
    }
    let finding = RULE.finding(
        assignment.byte_range(),
        message(&format!(
            "`{name}={}`",
            if value.is_empty() { "\"\"" } else { &value }
        )),
    );
    Some(match python_statement_removal(cx, assignment) {
        Some(edit) => finding.with_fix(Fix::unsafe_(
            format!("Remove the `{name}` assignment"),
            vec![edit],
        )),
        None => finding,
    })
}

/// Removes one keyword argument and the comma that separates it from its neighbours.
fn keyword_removal(argument: Node<'_>) -> Option<Edit> {
    if let Some(previous) = argument.prev_named_sibling() {
        return Some(Edit::delete(previous.end_byte()..argument.end_byte()));
    }
    match argument.next_named_sibling() {
        Some(next) => Some(Edit::delete(argument.start_byte()..next.start_byte())),
        None => Some(Edit::delete(argument.byte_range())),
    }
}

/// Deletes the statement made of `assignment` (a lone statement of a block becomes `pass`).
fn python_statement_removal(cx: &FileContext<'_>, assignment: Node<'_>) -> Option<Edit> {
    let statement = assignment.parent()?;
    if statement.kind() != "expression_statement" || statement.named_child_count() != 1 {
        return None;
    }
    let block = statement.parent()?;
    // `if x: ctx.check_hostname = False` on one line, or `a = 1; ctx.verify = False`: leave it.
    let line_start = cx.text()[..statement.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    if !cx.text()[line_start..statement.start_byte()]
        .trim()
        .is_empty()
    {
        return None;
    }
    // `ctx.verify = False; a = 1` (found by fuzzing): removing the statement would leave the
    // line starting with `;`.
    let text = cx.text();
    let end = statement.end_byte();
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let rest = text[end..line_end].trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    let mut cursor = block.walk();
    let siblings = block
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .count();
    if block.kind() == "block" && siblings == 1 {
        return Some(Edit::replace(statement.byte_range(), "pass"));
    }
    Some(delete_line(cx.text(), statement.byte_range()))
}

/// Deletes `range`, with its whole line when nothing else is on it.
fn delete_line(text: &str, range: Range<usize>) -> Edit {
    let blank = |s: &str| s.chars().all(|c| matches!(c, ' ' | '\t' | '\r'));
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i + 1);
    if blank(&text[line_start..range.start])
        && blank(text[range.end..line_end].trim_end_matches('\n'))
    {
        return Edit::delete(line_start..line_end);
    }
    Edit::delete(range)
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

mod dockerfile {
    use super::{RULE, message};
    use crate::diagnostic::{Edit, Finding, Fix};
    use crate::docker::command::{basename, is_dash_c, is_shell};
    use crate::docker::shell::{self, Token};
    use crate::docker::{DockerContext, first_named_child};
    use std::ops::Range;
    use tree_sitter::Node;

    pub fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
        for stage in docker.stages() {
            for &instruction in &stage.instructions {
                if !docker.is_intact(instruction) {
                    continue;
                }
                match instruction.kind() {
                    "env_instruction" => env_instruction(docker, instruction, out),
                    "run_instruction" => run_instruction(docker.text(), instruction, out),
                    // `ONBUILD RUN …` runs in every image built from this one.
                    "onbuild_instruction" => {
                        if let Some(run) = first_named_child(instruction, "run_instruction") {
                            run_instruction(docker.text(), run, out);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Whether setting `name` to `value` turns verification off for the tools reading it.
    fn disables_verification(name: &str, value: &str) -> bool {
        match name {
            "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => value == "0",
            // git and pip take any value.
            "GIT_SSL_NO_VERIFY" | "PIP_TRUSTED_HOST" => !value.is_empty(),
            "CURL_CA_BUNDLE" => value.is_empty(),
            // npm reads its configuration from the environment case-insensitively.
            _ => {
                name.eq_ignore_ascii_case("NPM_CONFIG_STRICT_SSL")
                    && value.eq_ignore_ascii_case("false")
            }
        }
    }

    fn shown(name: &str, value: &str) -> String {
        if value.is_empty() {
            format!("{name}=\"\"")
        } else {
            format!("{name}={value}")
        }
    }

    // -----------------------------------------------------------------------------------------
    // ENV

    fn env_instruction(docker: &DockerContext<'_>, instruction: Node<'_>, out: &mut Vec<Finding>) {
        let text = docker.text();
        let mut cursor = instruction.walk();
        let pairs: Vec<Node<'_>> = instruction
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "env_pair")
            .collect();
        let flagged: Vec<(usize, &str, String)> = pairs
            .iter()
            .enumerate()
            .filter_map(|(i, pair)| {
                let name = &text[pair.child_by_field_name("name")?.byte_range()];
                let value = match pair.child_by_field_name("value") {
                    Some(value) => docker.value(value)?,
                    None => String::new(),
                };
                disables_verification(name, &value).then_some((i, name, value))
            })
            .collect();
        for (i, name, value) in &flagged {
            let pair = pairs[*i];
            let removal = if flagged.len() == pairs.len() {
                whole_lines(text, instruction.byte_range())
            } else if *i > 0 {
                pairs[i - 1].end_byte()..pair.end_byte()
            } else {
                pair.start_byte()..pairs[1].start_byte()
            };
            out.push(
                RULE.finding(
                    pair.byte_range(),
                    message(&format!("`ENV {}`", shown(name, value))),
                )
                .with_fix(Fix::unsafe_(
                    format!("Remove `ENV {name}`"),
                    vec![Edit::delete(removal)],
                )),
            );
        }
    }

    /// `range` widened to whole lines when nothing else is on them.
    fn whole_lines(text: &str, range: Range<usize>) -> Range<usize> {
        let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let start = if text[line_start..range.start].trim().is_empty() {
            line_start
        } else {
            range.start
        };
        let line_end = text[range.end..]
            .find('\n')
            .map_or(text.len(), |i| range.end + i + 1);
        let end = if text[range.end..line_end].trim().is_empty() {
            line_end
        } else {
            range.end
        };
        start..end
    }

    // -----------------------------------------------------------------------------------------
    // RUN

    /// How the words of a command are written: they are deleted differently.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Form {
        /// A shell script (`RUN curl …` or a heredoc).
        Shell,
        /// `RUN ["curl", …]`.
        Exec,
    }

    /// A word of a command line, anchored in the file.
    #[derive(Debug, Clone)]
    struct Arg {
        text: String,
        range: Range<usize>,
        /// Holds an expansion: its value is unknown.
        expands: bool,
        /// Where `text` starts in the file when it is written verbatim there.
        verbatim: Option<usize>,
    }

    fn run_instruction(text: &str, instruction: Node<'_>, out: &mut Vec<Finding>) {
        if let Some(array) = first_named_child(instruction, "json_string_array") {
            let mut cursor = array.walk();
            let args: Option<Vec<Arg>> = array
                .named_children(&mut cursor)
                .filter(|n| n.kind() == "json_string")
                .map(|node| {
                    let range = node.byte_range();
                    let value = crate::docker::command::decode_json_string(&text[range.clone()])?;
                    let inner = &text[range.start + 1..range.end - 1];
                    Some(Arg {
                        verbatim: (inner == value).then_some(range.start + 1),
                        text: value,
                        range,
                        expands: false,
                    })
                })
                .collect();
            let Some(args) = args else {
                return;
            };
            // `["sh", "-c", "curl -k …"]`: the script, when it is written as is.
            if let [program, flag, script_arg, ..] = args.as_slice()
                && is_shell(&program.text)
                && is_dash_c(&flag.text)
                && let Some(start) = script_arg.verbatim
                && let Some(tokens) = tokens_at(text, start..start + script_arg.text.len())
            {
                script(text, &tokens, out);
                return;
            }
            command(text, Form::Exec, &args, out);
            return;
        }
        let Some(shell_command) = first_named_child(instruction, "shell_command") else {
            return;
        };
        // Inside a `RUN` line breaks only end the comment lines Docker drops: the command goes on.
        let Some(tokens) = tokens_at(text, shell_command.byte_range()) else {
            return;
        };
        let tokens: Vec<Token> = tokens
            .into_iter()
            .filter(|t| !t.is_operator("\n"))
            .collect();
        script(text, &tokens, out);
        if runs_heredoc(text, &tokens)
            && let Some(content) = first_named_child(instruction, "heredoc_block")
                .and_then(|block| first_named_child(block, "heredoc_content"))
            && let Some(tokens) = tokens_at(text, content.byte_range())
        {
            script(text, &tokens, out);
        }
    }

    /// The tokens of the shell text at `range`, with ranges into the whole file.
    fn tokens_at(text: &str, range: Range<usize>) -> Option<Vec<Token>> {
        let mut tokens = shell::tokenize(&text[range.clone()])?;
        for token in &mut tokens {
            token.range = token.range.start + range.start..token.range.end + range.start;
        }
        Some(tokens)
    }

    /// `RUN <<EOF` or `RUN <<EOF bash`: the heredoc is the script the shell runs (and not, as
    /// in `RUN cat <<EOF > /etc/app.conf`, data).
    fn runs_heredoc(text: &str, tokens: &[Token]) -> bool {
        let words = shell::command_words(text, tokens);
        match words.first() {
            None => true,
            Some(program) => {
                is_shell(&program.text)
                    && !words[1..].iter().any(|w| is_dash_c(&w.text) || w.expands)
            }
        }
    }

    /// Every simple command of a shell script.
    /// Every simple command of a shell script, those of its command substitutions
    /// (`VERSION=$(curl -sk …)`) included.
    fn script(text: &str, tokens: &[Token], out: &mut Vec<Finding>) {
        let mut pending = vec![tokens.to_vec()];
        let mut next = 0;
        while let Some(tokens) = pending.get(next).cloned() {
            next += 1;
            for token in &tokens {
                if token.is_word() && token.expands {
                    pending.extend(substitutions(text, token.range.clone()));
                }
            }
            let nested = simple_commands(text, &tokens, out);
            pending.extend(nested);
        }
    }

    /// The tokens of each `$(…)` directly inside the word at `range` (nested ones are found in
    /// their turn).
    fn substitutions(text: &str, range: Range<usize>) -> Vec<Vec<Token>> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut in_double = false;
        let mut i = range.start;
        while i < range.end {
            match bytes[i] {
                b'\\' => i += 1,
                b'\'' if !in_double => {
                    i += 1;
                    while i < range.end && bytes[i] != b'\'' {
                        i += 1;
                    }
                }
                b'"' => in_double = !in_double,
                b'$' if bytes.get(i + 1) == Some(&b'(') && bytes.get(i + 2) != Some(&b'(') => {
                    let Some(close) = closing_paren(bytes, i + 1, range.end) else {
                        break;
                    };
                    if let Some(tokens) = tokens_at(text, i + 2..close) {
                        out.push(tokens);
                    }
                    i = close;
                }
                _ => {}
            }
            i += 1;
        }
        out
    }

    /// The `)` matching the `(` at `open`, before `end`, skipping quoted text.
    fn closing_paren(bytes: &[u8], open: usize, end: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = open;
        while i < end {
            match bytes[i] {
                b'\\' => i += 1,
                quote @ (b'\'' | b'"') => {
                    i += 1;
                    while i < end && bytes[i] != quote {
                        i += if quote == b'"' && bytes[i] == b'\\' {
                            2
                        } else {
                            1
                        };
                    }
                }
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// Checks each simple command of `tokens`; returns the scripts they pass to `sh -c`.
    fn simple_commands(text: &str, tokens: &[Token], out: &mut Vec<Finding>) -> Vec<Vec<Token>> {
        let mut nested = Vec::new();
        for simple in shell::simple_commands(tokens) {
            inline_assignments(text, simple, out);
            let args: Vec<Arg> = shell::command_words(text, simple)
                .into_iter()
                .map(|token| {
                    let raw = trim_continuation(text, token.range.clone());
                    Arg {
                        verbatim: (text[raw.clone()] == token.text).then_some(raw.start),
                        text: token.text,
                        range: raw,
                        expands: token.expands,
                    }
                })
                .collect();
            if let Some(tokens) = quoted_script(text, &args) {
                nested.push(tokens);
            }
            command(text, Form::Shell, &args, out);
        }
        nested
    }

    /// The tokens of `X` in `sh -c 'X'` (or `"X"` without escapes), anchored in the file.
    fn quoted_script(text: &str, args: &[Arg]) -> Option<Vec<Token>> {
        let args = &args[prefix_len(args).min(args.len())..];
        let [program, flag, script_arg, ..] = args else {
            return None;
        };
        if !is_shell(&program.text) || !is_dash_c(&flag.text) {
            return None;
        }
        let range = script_arg.range.clone();
        let raw = &text[range.clone()];
        let quote = raw.chars().next()?;
        let inner = raw.get(1..raw.len().checked_sub(1)?)?;
        let plain = match quote {
            '\'' => raw.ends_with('\'') && !inner.contains('\''),
            '"' => raw.ends_with('"') && !inner.contains(['"', '\\']),
            _ => false,
        };
        if !plain {
            return None;
        }
        tokens_at(text, range.start + 1..range.end - 1)
    }

    /// A word's range without the line continuation that may follow it (`-k\` + line break).
    fn trim_continuation(text: &str, range: Range<usize>) -> Range<usize> {
        let raw = &text[range.clone()];
        let trimmed = raw
            .strip_suffix("\\\n")
            .or_else(|| raw.strip_suffix("\\\r\n"))
            .unwrap_or(raw);
        range.start..range.start + trimmed.len()
    }

    /// `GIT_SSL_NO_VERIFY=1 git clone …` and `export NODE_TLS_REJECT_UNAUTHORIZED=0`: the same
    /// settings as `ENV`, for one command or the rest of the script.
    fn inline_assignments(text: &str, simple: &[Token], out: &mut Vec<Finding>) {
        let words: Vec<&Token> = simple.iter().filter(|t| t.is_word()).collect();
        let exported = words.first().is_some_and(|w| w.text == "export");
        // `env A=0 cmd` is a prefix assignment too.
        let skip = usize::from(exported || words.first().is_some_and(|w| w.text == "env"));
        let mut prefix = Vec::new();
        for word in &words[skip.min(words.len())..] {
            if word.text.starts_with('-') && skip == 1 {
                continue;
            }
            let raw = &text[word.range.clone()];
            let assignment = raw.split_once('=').is_some_and(|(name, _)| is_name(name));
            if !assignment {
                break;
            }
            prefix.push(*word);
        }
        // A bare `NAME=value` without a command is a shell variable, not an environment one.
        let has_command = exported || words.len() > skip + prefix.len();
        if !has_command {
            return;
        }
        for word in prefix {
            if word.expands {
                continue;
            }
            let Some((name, value)) = word.text.split_once('=') else {
                continue;
            };
            if !disables_verification(name, value) {
                continue;
            }
            let range = trim_continuation(text, word.range.clone());
            let finding =
                RULE.finding(range.clone(), message(&format!("`{}`", shown(name, value))));
            // `export A=0` alone would become a bare `export`: only prefixes are removed.
            out.push(if exported {
                finding
            } else {
                finding.with_fix(Fix::unsafe_(
                    format!("Remove `{}`", &text[range.clone()]),
                    vec![delete_word(text, Form::Shell, range)],
                ))
            });
        }
    }

    fn is_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    /// Words that run the rest of the command line: `sudo curl …`, `if curl …; then`.
    fn prefix_len(args: &[Arg]) -> usize {
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            match arg.text.as_str() {
                "then" | "do" | "else" | "elif" | "if" | "while" | "until" | "!" | "{" | "time"
                | "nohup" | "command" | "exec" => i += 1,
                "sudo" | "env" => {
                    i += 1;
                    while let Some(option) = args.get(i) {
                        let raw = &option.text;
                        if matches!(raw.as_str(), "-u" | "-g" | "--user" | "--group") {
                            i += 2;
                        } else if raw.starts_with('-')
                            || raw.split_once('=').is_some_and(|(name, _)| is_name(name))
                        {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
                _ => break,
            }
        }
        i
    }

    fn command(text: &str, form: Form, args: &[Arg], out: &mut Vec<Finding>) {
        let args = &args[prefix_len(args).min(args.len())..];
        let Some(program) = args.first() else {
            return;
        };
        if program.expands {
            return;
        }
        let name = basename(&program.text);
        let rest = &args[1..];
        match name {
            "curl" => curl(text, form, rest, out),
            "wget" => wget(text, form, rest, out),
            "npm" | "yarn" | "pnpm" => strict_ssl(name, rest, out),
            "git" => git(rest, out),
            _ if is_pip(name) => pip(rest, out),
            _ if is_python(name) => {
                let module = match rest.first().map(|a| a.text.as_str()) {
                    Some("-m") => rest.get(1).map(|a| a.text.as_str()).map(|m| (m, 2)),
                    Some(m) => m.strip_prefix("-m").map(|m| (m, 1)),
                    None => None,
                };
                if let Some(("pip", skip)) = module {
                    pip(&rest[skip..], out);
                }
            }
            _ => {}
        }
    }

    /// `pip`, `pip3`, `pip3.12`.
    fn is_pip(name: &str) -> bool {
        name.strip_prefix("pip")
            .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    }

    /// `python`, `python3`, `python3.12`.
    fn is_python(name: &str) -> bool {
        name.strip_prefix("python")
            .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    }

    /// Short options of curl that take a value: the rest of a cluster, or the next word.
    const CURL_SHORT_VALUES: &str = "AbcCdDeEFHKmoPQrtTuUwxXyYz";

    /// Long options of curl that take a value (the common ones: a value starting with `-` is rare
    /// anyway).
    const CURL_LONG_VALUES: &[&str] = &[
        "--cacert",
        "--capath",
        "--cert",
        "--config",
        "--connect-timeout",
        "--cookie",
        "--cookie-jar",
        "--data",
        "--data-ascii",
        "--data-binary",
        "--data-raw",
        "--data-urlencode",
        "--form",
        "--header",
        "--key",
        "--max-time",
        "--output",
        "--proxy",
        "--range",
        "--referer",
        "--request",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--upload-file",
        "--url",
        "--user",
        "--user-agent",
        "--write-out",
    ];

    fn curl(text: &str, form: Form, args: &[Arg], out: &mut Vec<Finding>) {
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            i += 1;
            let t = arg.text.as_str();
            if arg.expands || !t.starts_with('-') || t == "-" {
                continue;
            }
            if t == "--" {
                break;
            }
            if t == "--insecure" {
                out.push(option_removed(text, form, arg, "curl"));
            } else if t.starts_with("--") {
                if CURL_LONG_VALUES.contains(&t) {
                    i += 1;
                }
            } else {
                // A cluster of short options: `-fsSLk`; one that takes a value ends it.
                let mut ks = Vec::new();
                for (at, c) in t.char_indices().skip(1) {
                    if c == 'k' {
                        ks.push(at);
                    } else if CURL_SHORT_VALUES.contains(c) {
                        if at + 1 == t.len() {
                            i += 1;
                        }
                        break;
                    }
                }
                if ks.is_empty() {
                    continue;
                }
                if t.len() == 1 + ks.len() {
                    out.push(option_removed(text, form, arg, "curl"));
                } else {
                    out.push(k_removed(arg, &ks));
                }
            }
        }
    }

    fn wget(text: &str, form: Form, args: &[Arg], out: &mut Vec<Finding>) {
        for arg in args {
            if arg.text == "--" {
                break;
            }
            if arg.text == "--no-check-certificate" {
                out.push(option_removed(text, form, arg, "wget"));
            }
        }
    }

    /// A finding on an option word, fixed by deleting the word.
    fn option_removed(text: &str, form: Form, arg: &Arg, program: &str) -> Finding {
        RULE.finding(
            arg.range.clone(),
            message(&format!("`{program} {}`", arg.text)),
        )
        .with_fix(Fix::unsafe_(
            format!("Remove `{}`", arg.text),
            vec![delete_word(text, form, arg.range.clone())],
        ))
    }

    /// A finding on `-fsSLk`, fixed by deleting its `k`s (at byte offsets `ks` of the word).
    fn k_removed(arg: &Arg, ks: &[usize]) -> Finding {
        let finding = RULE.finding(arg.range.clone(), message(&format!("`curl {}`", arg.text)));
        let Some(start) = arg.verbatim else {
            return finding;
        };
        finding.with_fix(Fix::unsafe_(
            format!("Remove `k` from `{}`", arg.text),
            ks.iter()
                .map(|&at| Edit::delete(start + at..start + at + 1))
                .collect(),
        ))
    }

    /// Deletes a word with the blank that separates it from the previous one (or, in an exec
    /// form, the comma); a word alone on a continued line takes its line along.
    fn delete_word(text: &str, form: Form, range: Range<usize>) -> Edit {
        if form == Form::Exec {
            let before = text[..range.start].trim_end();
            return match before.strip_suffix(',') {
                Some(kept) => Edit::delete(kept.len()..range.end),
                None => Edit::delete(range),
            };
        }
        let blank = |b: u8| b == b' ' || b == b'\t';
        let bytes = text.as_bytes();
        let mut before = range.start;
        while before > 0 && blank(bytes[before - 1]) {
            before -= 1;
        }
        let mut after = range.end;
        while after < bytes.len() && blank(bytes[after]) {
            after += 1;
        }
        let starts_line = before == 0 || bytes[before - 1] == b'\n';
        let rest = &text[after..];
        let continuation = ["\\\n", "\\\r\n"].into_iter().find(|c| rest.starts_with(c));
        if starts_line {
            if let Some(continuation) = continuation {
                // `    -k \` on a line of its own.
                return Edit::delete(before..after + continuation.len());
            }
            // The last line of a continued command: join it to the one before.
            let previous = text[..before]
                .strip_suffix("\\\n")
                .or_else(|| text[..before].strip_suffix("\\\r\n"));
            if let Some(previous) = previous
                && rest.starts_with(['\n', '\r'])
            {
                return Edit::delete(previous.trim_end_matches([' ', '\t']).len()..range.end);
            }
        }
        if before < range.start {
            Edit::delete(before..range.end)
        } else if after > range.end {
            Edit::delete(range.start..after)
        } else {
            Edit::delete(range)
        }
    }

    /// The non-option words of `args`, skipping the values of `value_options`.
    fn positionals<'a>(args: &'a [Arg], value_options: &[&str]) -> Vec<&'a Arg> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            i += 1;
            if arg.text.starts_with('-') {
                if value_options.contains(&arg.text.as_str()) {
                    i += 1;
                }
            } else {
                out.push(arg);
            }
        }
        out
    }

    /// `npm config set strict-ssl false`, `npm set strict-ssl=false`, `yarn config set …`.
    fn strict_ssl(program: &str, args: &[Arg], out: &mut Vec<Finding>) {
        let words = positionals(
            args,
            &[
                "--location",
                "-L",
                "--userconfig",
                "--globalconfig",
                "--prefix",
                "-C",
                "--dir",
            ],
        );
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        let setting = match texts.as_slice() {
            ["config", "set", ..] => 2,
            ["set", ..] if program == "npm" => 1,
            _ => return,
        };
        let (Some(key), value) = (words.get(setting), words.get(setting + 1)) else {
            return;
        };
        if key.expands {
            return;
        }
        let range = if key.text.eq_ignore_ascii_case("strict-ssl=false") {
            key.range.clone()
        } else if key.text.eq_ignore_ascii_case("strict-ssl")
            && let Some(value) = value
            && value.text.eq_ignore_ascii_case("false")
        {
            key.range.start..value.range.end
        } else {
            return;
        };
        out.push(RULE.finding(
            range,
            message(&format!("`{program} config set strict-ssl false`")),
        ));
    }

    /// `pip install … --trusted-host host` (also `python -m pip`).
    fn pip(args: &[Arg], out: &mut Vec<Finding>) {
        let words = positionals(
            args,
            &[
                "--trusted-host",
                "-i",
                "--index-url",
                "--extra-index-url",
                "-r",
                "--requirement",
                "-c",
                "--constraint",
                "-t",
                "--target",
            ],
        );
        if words.first().is_none_or(|w| w.text != "install") {
            return;
        }
        for (i, arg) in args.iter().enumerate() {
            let range = if arg.text == "--trusted-host" {
                match args.get(i + 1) {
                    Some(host) => arg.range.start..host.range.end,
                    None => continue,
                }
            } else if arg.text.starts_with("--trusted-host=") {
                arg.range.clone()
            } else {
                continue;
            };
            out.push(RULE.finding(range, message("`pip install --trusted-host`")));
        }
    }

    /// Git's false values of a boolean setting.
    fn git_false(value: &str) -> bool {
        matches!(
            value.to_ascii_lowercase().as_str(),
            "false" | "no" | "off" | "0" | ""
        )
    }

    /// `http.sslVerify`, `http.https://git.internal/.sslVerify` (git keys are case-insensitive).
    fn is_ssl_verify(key: &str) -> bool {
        let key = key.to_ascii_lowercase();
        key.starts_with("http.") && key.ends_with(".sslverify")
    }

    /// `git config [--global] http.sslVerify false`, `git -c http.sslVerify=false clone …`.
    fn git(args: &[Arg], out: &mut Vec<Finding>) {
        let mut i = 0;
        // Global options, up to the subcommand.
        while let Some(arg) = args.get(i) {
            let t = arg.text.as_str();
            if t == "-c" || (t.starts_with("-c") && t.len() > 2 && !t.starts_with("--")) {
                let (setting, end) = if t == "-c" {
                    i += 1;
                    match args.get(i) {
                        Some(value) => (value.text.as_str(), value.range.end),
                        None => return,
                    }
                } else {
                    (&t[2..], arg.range.end)
                };
                if let Some((key, value)) = setting.split_once('=')
                    && is_ssl_verify(key)
                    && git_false(value)
                    && !args[i].expands
                {
                    out.push(RULE.finding(
                        arg.range.start..end,
                        message(&format!("`git -c {setting}`")),
                    ));
                }
            } else if matches!(t, "-C" | "--git-dir" | "--work-tree" | "--namespace") {
                i += 1;
            } else if !t.starts_with('-') {
                break;
            }
            i += 1;
        }
        if args.get(i).is_none_or(|a| a.text != "config") {
            return;
        }
        let words = positionals(
            &args[i + 1..],
            &[
                "-f",
                "--file",
                "--blob",
                "--type",
                "--default",
                "--comment",
                "--value",
            ],
        );
        let words = match words.first() {
            Some(w) if w.text == "set" => &words[1..],
            _ => &words[..],
        };
        if let [key, value, ..] = words
            && !key.expands
            && !value.expands
            && is_ssl_verify(&key.text)
            && git_false(&value.text)
            && !value.text.is_empty()
        {
            out.push(RULE.finding(
                key.range.start..value.range.end,
                message(&format!("`git config {} {}`", key.text, value.text)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::FixSafety;
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "tls-verify-disabled";

    fn parses(language: Language, text: &str) -> bool {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        !parser.parse(text, None).unwrap().root_node().has_error()
    }

    #[test]
    fn flags_node_options_and_environment() {
        let text = "import https from 'https';\n\
                    const agent = new https.Agent({ rejectUnauthorized: false });\n\
                    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';\n\
                    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = 0;\n\
                    https.globalAgent.options.rejectUnauthorized = false;\n\
                    request({ url, strictSSL: false });\n\
                    tls.connect({ checkServerIdentity: () => undefined });\n\
                    tls.connect({ checkServerIdentity: function () {} });\n\
                    Object.assign(process.env, { 'NODE_TLS_REJECT_UNAUTHORIZED': '0' });\n";
        let findings = check(ID, "src/client.ts", text);
        assert_eq!(
            spans(text, &findings),
            [
                "false",
                "'0'",
                "0",
                "false",
                "false",
                "() => undefined",
                "function () {}",
                "'0'"
            ]
        );
        assert_eq!(
            findings[0].message,
            "TLS certificate verification is disabled (`rejectUnauthorized: false`); traffic can \
             be intercepted. Trust the required CA instead."
        );
    }

    /// Found by fuzzing: removing a statement followed by `;` and more code left a line
    /// starting with `;`. No removal then; followed by a comment only, it goes (the comment
    /// stays).
    #[test]
    fn no_python_removal_of_a_statement_sharing_its_line() {
        let text = "import ssl\nssl._create_default_https_context = ssl._create_unverified_context; x = 1\n";
        let findings = check(ID, "app/client.py", text);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].fixes.is_empty(), "{:?}", findings[0].fixes);
        let text = "import ssl\nssl._create_default_https_context = ssl._create_unverified_context  # dev\nx = 1\n";
        let findings = check(ID, "app/client.py", text);
        assert_eq!(
            fixed(text, &findings, FixSafety::Unsafe),
            "import ssl\n  # dev\nx = 1\n"
        );
    }

    #[test]
    fn ignores_configured_and_unrelated_values() {
        let text = "const agent = new https.Agent({ ca: fs.readFileSync('/etc/ssl/ca.pem') });\n\
                    const tlsOptions = { rejectUnauthorized: process.env.DB_SSL_STRICT !== 'false' };\n\
                    const o = { rejectUnauthorized: true, strictSSL: isStrict };\n\
                    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '1';\n\
                    config.NODE_TLS_REJECT_UNAUTHORIZED = '0';\n\
                    tls.connect({ checkServerIdentity: (host, cert) => check(host, cert) });\n\
                    const s = 'rejectUnauthorized: false'; // rejectUnauthorized: false\n";
        assert!(check(ID, "src/client.ts", text).is_empty());
    }

    #[test]
    fn ecma_fixes_re_enable_verification() {
        let text = "const agent = new https.Agent({ rejectUnauthorized: false });\n\
                    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';\n\
                    start();\n";
        let findings = check(ID, "src/a.ts", text);
        let after = fixed(text, &findings, FixSafety::Unsafe);
        assert_eq!(
            after,
            "const agent = new https.Agent({ rejectUnauthorized: true });\nstart();\n"
        );
        assert!(parses(Language::TypeScript, &after));
        assert_eq!(fixed(text, &findings, FixSafety::Safe), text);
    }

    #[test]
    fn assignment_before_a_parenthesised_line_is_kept() {
        let text = "const a = b\nprocess.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';\n(c || d).run()\n";
        let findings = check(ID, "src/a.js", text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].fixes.is_empty());
    }

    #[test]
    fn flags_python_http_clients_and_ssl_contexts() {
        let text = "import os\nimport ssl\nimport requests\n\
                    resp = requests.get(url, verify=False, timeout=10)\n\
                    ctx = ssl.create_default_context()\n\
                    ctx.check_hostname = False\n\
                    ctx.verify_mode = ssl.CERT_NONE\n\
                    unverified = ssl._create_unverified_context()\n\
                    ssl._create_default_https_context = ssl._create_unverified_context\n\
                    session = requests.Session()\n\
                    session.verify = False\n\
                    pool = urllib3.PoolManager(cert_reqs='CERT_NONE')\n\
                    os.environ['PYTHONHTTPSVERIFY'] = '0'\n\
                    os.environ[\"CURL_CA_BUNDLE\"] = \"\"\n";
        let findings = check(ID, "app/client.py", text);
        assert_eq!(
            spans(text, &findings),
            [
                "verify=False",
                "ctx.check_hostname = False",
                "ctx.verify_mode = ssl.CERT_NONE",
                "ssl._create_unverified_context()",
                "ssl._create_default_https_context = ssl._create_unverified_context",
                "session.verify = False",
                "cert_reqs='CERT_NONE'",
                "os.environ['PYTHONHTTPSVERIFY'] = '0'",
                "os.environ[\"CURL_CA_BUNDLE\"] = \"\"",
            ]
        );
    }

    #[test]
    fn python_near_misses() {
        let text = "import os\nimport requests\nimport jwt\n\
                    requests.get(url, verify=\"/etc/ssl/certs/internal-ca.pem\", timeout=10)\n\
                    requests.get(url, verify=True, timeout=10)\n\
                    requests.get(url, verify=os.environ.get('CA_BUNDLE', True), timeout=10)\n\
                    jwt.decode(token, verify=False)\n\
                    ctx.check_hostname = True\n\
                    os.environ['PYTHONHTTPSVERIFY'] = '1'\n\
                    s = 'verify=False'  # verify=False\n";
        assert!(check(ID, "app/client.py", text).is_empty());
        // No HTTP client imported: `verify=False` is someone else's flag.
        let other = "def check(x, verify=False):\n    return run(x, verify=False)\n";
        assert!(check(ID, "app/other.py", other).is_empty());
        // `ssl=False` on a database driver means "no TLS", not "do not verify".
        let db = "import aiohttp\nimport asyncpg\nconn = await asyncpg.connect(dsn, ssl=False)\n";
        assert!(check(ID, "app/db.py", db).is_empty());
    }

    #[test]
    fn option_handling_of_http_libraries_is_not_flagged() {
        let text = "import ssl\n\
                    def context(verify):\n    \
                    if verify is True:\n        return ssl.create_default_context()\n    \
                    elif verify is False:\n        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n        \
                    ctx.check_hostname = False\n        ctx.verify_mode = ssl.CERT_NONE\n        return ctx\n";
        assert!(check(ID, "app/config.py", text).is_empty());
        let ts = "const agent = options.insecure\n  ? new https.Agent({ rejectUnauthorized: false })\n  : undefined;\n\
                  if (config.allowSelfSigned) { process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; }\n";
        assert!(check(ID, "src/agent.ts", ts).is_empty());
        // A condition about something else does not excuse it.
        let other = "if (retry) { const a = new https.Agent({ rejectUnauthorized: false }); }\n";
        assert_eq!(check(ID, "src/agent.ts", other).len(), 1);
    }

    #[test]
    fn check_hostname_fix_takes_cert_none_along() {
        let text = "import ssl\nctx = ssl.create_default_context()\nctx.check_hostname = False\n\
                    ctx.verify_mode = ssl.CERT_NONE\n";
        let findings = check(ID, "app/tls.py", text);
        assert_eq!(findings.len(), 2);
        let after = fixed(text, &findings[..1], FixSafety::Unsafe);
        assert_eq!(after, "import ssl\nctx = ssl.create_default_context()\n");
    }

    #[test]
    fn development_only_branches_are_not_flagged() {
        let ts = [
            "if (process.env.NODE_ENV !== 'production') {\n  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';\n}\n",
            "if (process.env.NODE_ENV === 'development') {\n  agent = new Agent({ rejectUnauthorized: false });\n}\n",
            "if (isDev) {\n  agent = new Agent({ rejectUnauthorized: false });\n}\n",
            "if (config.debug) {\n  agent = new Agent({ rejectUnauthorized: false });\n}\n",
        ];
        for text in ts {
            assert!(check(ID, "src/a.ts", text).is_empty(), "{text}");
        }
        let flagged = [
            "if (process.env.NODE_ENV === 'production') {\n  agent = new Agent({ rejectUnauthorized: false });\n}\n",
            "if (!isDev) {\n  agent = new Agent({ rejectUnauthorized: false });\n}\n",
            "if (isDev) {\n  x();\n} else {\n  agent = new Agent({ rejectUnauthorized: false });\n}\n",
            "if (debugger_attached_count > 2) {\n  agent = new Agent({ rejectUnauthorized: false });\n}\n",
        ];
        for text in flagged {
            assert_eq!(check(ID, "src/a.ts", text).len(), 1, "{text}");
        }
        let py = "import requests\nfrom django.conf import settings\n\
                  if settings.DEBUG:\n    requests.get(url, verify=False, timeout=5)\n";
        assert!(check(ID, "app/a.py", py).is_empty());
        let py_prod = py.replace("if settings.DEBUG:", "if not settings.DEBUG:");
        assert_eq!(check(ID, "app/a.py", &py_prod).len(), 1);
    }

    #[test]
    fn flags_aiohttp_ssl_false() {
        let text = "import aiohttp\nasync def f(session):\n    \
                    async with session.get(url, ssl=False) as r:\n        return r\n\
                    connector = aiohttp.TCPConnector(verify_ssl=False)\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(spans(text, &findings), ["ssl=False", "verify_ssl=False"]);
    }

    #[test]
    fn python_fixes_remove_the_override() {
        let text = "import ssl\nimport requests\n\
                    r = requests.get(\n    url,\n    verify=False,\n    timeout=10,\n)\n\
                    requests.post(url, verify=False)\n\
                    requests.put(verify=False)\n\
                    def make():\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = False\n    ctx.verify_mode = ssl.CERT_NONE\n    return ctx\n\
                    if retry:\n    ctx.check_hostname = False\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(findings.len(), 6);
        let after = fixed(text, &findings, FixSafety::Unsafe);
        assert_eq!(
            after,
            "import ssl\nimport requests\n\
             r = requests.get(\n    url,\n    timeout=10,\n)\n\
             requests.post(url)\n\
             requests.put()\n\
             def make():\n    ctx = ssl.create_default_context()\n    return ctx\n\
             if retry:\n    pass\n"
        );
        assert!(parses(Language::Python, &after));
    }

    // -----------------------------------------------------------------------------------------
    // Dockerfile

    fn docker(text: &str) -> Vec<crate::diagnostic::Finding> {
        check(ID, "Dockerfile", text)
    }

    /// Applies every fix, one finding at a time and all together, checking each result parses.
    fn docker_fixes_parse(text: &str) -> String {
        let findings = docker(text);
        for finding in &findings {
            let after = fixed(text, std::slice::from_ref(finding), FixSafety::Unsafe);
            assert!(parses(Language::Dockerfile, &after), "{after}");
        }
        let after = fixed(text, &findings, FixSafety::Unsafe);
        assert!(parses(Language::Dockerfile, &after), "{after}");
        after
    }

    #[test]
    fn dockerfile_example_from_the_spec() {
        let text = "FROM node:20-slim\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n\
                    RUN curl -fsSLk https://internal.example.net/install.sh | sh\n";
        let findings = docker(text);
        assert_eq!(
            spans(text, &findings),
            ["NODE_TLS_REJECT_UNAUTHORIZED=0", "-fsSLk"]
        );
        assert_eq!(
            findings[0].message,
            "TLS certificate verification is disabled (`ENV NODE_TLS_REJECT_UNAUTHORIZED=0`); \
             traffic can be intercepted. Trust the required CA instead."
        );
        assert_eq!(
            findings[1].message,
            "TLS certificate verification is disabled (`curl -fsSLk`); traffic can be \
             intercepted. Trust the required CA instead."
        );
        assert_eq!(
            docker_fixes_parse(text),
            "FROM node:20-slim\nRUN curl -fsSL https://internal.example.net/install.sh | sh\n"
        );
        let negative = "FROM node:20-slim\n# never use curl --insecure here\n\
                        RUN curl -fsSL https://deb.nodesource.com/setup_20.x -o /tmp/setup.sh\n";
        assert!(docker(negative).is_empty());
    }

    #[test]
    fn dockerfile_environment() {
        let text = "FROM python:3.12-slim AS build\n\
                    ENV PYTHONHTTPSVERIFY=0\n\
                    ENV GIT_SSL_NO_VERIFY true\n\
                    ENV npm_config_strict_ssl=FALSE\n\
                    ENV PIP_TRUSTED_HOST=\"pypi.org files.pythonhosted.org\"\n\
                    ENV CURL_CA_BUNDLE=\"\"\n\
                    ENV CURL_CA_BUNDLE=\n\
                    FROM python:3.12-slim\n\
                    ARG OFF=0\n\
                    ENV NODE_TLS_REJECT_UNAUTHORIZED=${OFF}\n";
        let findings = docker(text);
        assert_eq!(
            spans(text, &findings),
            [
                "PYTHONHTTPSVERIFY=0",
                "GIT_SSL_NO_VERIFY true",
                "npm_config_strict_ssl=FALSE",
                "PIP_TRUSTED_HOST=\"pypi.org files.pythonhosted.org\"",
                "CURL_CA_BUNDLE=\"\"",
                "CURL_CA_BUNDLE=",
                "NODE_TLS_REJECT_UNAUTHORIZED=${OFF}",
            ]
        );
        assert!(findings[4].message.contains("(`ENV CURL_CA_BUNDLE=\"\"`)"));
        assert_eq!(
            docker_fixes_parse(text),
            "FROM python:3.12-slim AS build\nFROM python:3.12-slim\nARG OFF=0\n"
        );
    }

    #[test]
    fn dockerfile_environment_near_misses() {
        let text = "FROM node:20-slim\n\
                    ENV GIT_SSL_NO_VERIFY=\n\
                    ENV NODE_TLS_REJECT_UNAUTHORIZED=1 PYTHONHTTPSVERIFY=1\n\
                    ENV NPM_CONFIG_STRICT_SSL=true PIP_TRUSTED_HOST=\"\"\n\
                    ENV CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt\n\
                    ARG TLS_REJECT\n\
                    ENV NODE_TLS_REJECT_UNAUTHORIZED=$TLS_REJECT\n\
                    ENV node_tls_reject_unauthorized=0\n\
                    LABEL GIT_SSL_NO_VERIFY=1\n";
        assert!(docker(text).is_empty());
    }

    #[test]
    fn env_pair_removal_keeps_the_other_pairs() {
        let text = "FROM node:20\nENV NODE_ENV=production \\\n    NODE_TLS_REJECT_UNAUTHORIZED=0\n";
        assert_eq!(
            docker_fixes_parse(text),
            "FROM node:20\nENV NODE_ENV=production\n"
        );
        let text = "FROM node:20\nENV NODE_TLS_REJECT_UNAUTHORIZED=0 PORT=3000\nCMD [\"node\", \"a.js\"]\n";
        assert_eq!(
            docker_fixes_parse(text),
            "FROM node:20\nENV PORT=3000\nCMD [\"node\", \"a.js\"]\n"
        );
        let text = "FROM node:20\nENV A=1 NODE_TLS_REJECT_UNAUTHORIZED=0 B=2\n";
        assert_eq!(docker_fixes_parse(text), "FROM node:20\nENV A=1 B=2\n");
        // Every pair flagged: the whole instruction goes.
        let text = "FROM node:20\nENV NODE_TLS_REJECT_UNAUTHORIZED=0 \\\n    PYTHONHTTPSVERIFY=0\nUSER node\n";
        assert_eq!(docker(text).len(), 2);
        assert_eq!(docker_fixes_parse(text), "FROM node:20\nUSER node\n");
    }

    #[test]
    fn dockerfile_run_commands() {
        let text = "FROM debian:bookworm-slim\n\
                    RUN curl -k https://a.example/x.sh | sh\n\
                    RUN set -eux; curl --insecure -o /tmp/x https://a.example/x\n\
                    RUN wget --no-check-certificate -qO- https://a.example/key | apt-key add -\n\
                    RUN npm config set strict-ssl false && npm ci\n\
                    RUN yarn config set strict-ssl false\n\
                    RUN pnpm config set strict-ssl=false\n\
                    RUN npm set strict-ssl false -g\n\
                    RUN pip install --no-cache-dir --trusted-host pypi.internal -r requirements.txt\n\
                    RUN python3 -m pip install --trusted-host=pypi.internal flask\n\
                    RUN git config --global http.sslVerify false\n\
                    RUN git config --global http.https://git.internal/.sslverify 0\n\
                    RUN git -c http.sslVerify=false clone https://git.internal/app.git\n\
                    RUN sudo curl -sSLk https://a.example/x -o /x\n\
                    RUN if ! curl -fk https://a.example/health; then exit 1; fi\n";
        let findings = docker(text);
        assert_eq!(
            spans(text, &findings),
            [
                "-k",
                "--insecure",
                "--no-check-certificate",
                "strict-ssl false",
                "strict-ssl false",
                "strict-ssl=false",
                "strict-ssl false",
                "--trusted-host pypi.internal",
                "--trusted-host=pypi.internal",
                "http.sslVerify false",
                "http.https://git.internal/.sslverify 0",
                "-c http.sslVerify=false",
                "-sSLk",
                "-fk",
            ]
        );
        let hows: Vec<&str> = findings
            .iter()
            .map(|f| {
                let start = f.message.find('(').unwrap() + 1;
                let end = f.message.find(");").unwrap();
                &f.message[start..end]
            })
            .collect();
        assert_eq!(
            hows,
            [
                "`curl -k`",
                "`curl --insecure`",
                "`wget --no-check-certificate`",
                "`npm config set strict-ssl false`",
                "`yarn config set strict-ssl false`",
                "`pnpm config set strict-ssl false`",
                "`npm config set strict-ssl false`",
                "`pip install --trusted-host`",
                "`pip install --trusted-host`",
                "`git config http.sslVerify false`",
                "`git config http.https://git.internal/.sslverify 0`",
                "`git -c http.sslVerify=false`",
                "`curl -sSLk`",
                "`curl -fk`",
            ]
        );
        let after = docker_fixes_parse(text);
        assert!(after.contains("RUN curl https://a.example/x.sh | sh\n"));
        assert!(after.contains("RUN set -eux; curl -o /tmp/x https://a.example/x\n"));
        assert!(after.contains("RUN wget -qO- https://a.example/key"));
        assert!(after.contains("RUN sudo curl -sSL https://a.example/x -o /x\n"));
        assert!(after.contains("RUN if ! curl -f https://a.example/health; then"));
        // Only curl and wget options have fixes.
        assert_eq!(findings.iter().filter(|f| f.fixes.is_empty()).count(), 9);
    }

    #[test]
    fn dockerfile_run_near_misses() {
        let text = "FROM node:20-slim\n\
                    RUN curl -fsSL https://deb.nodesource.com/setup_20.x -o /tmp/setup.sh\n\
                    RUN echo \"use curl --insecure only for testing\" && echo curl -k\n\
                    RUN curl --key /run/secrets/key.pem --cert /c.pem -K /etc/curl.conf https://x\n\
                    RUN curl -o -k https://x && curl -okay https://x && curl -H -k https://x\n\
                    RUN curl -fsSL https://x -- -k\n\
                    # RUN curl -k https://x\n\
                    RUN set -e \\\n    # curl --insecure was needed once\n    && curl -fsSL https://x\n\
                    RUN wget -q https://x && grep -e --no-check-certificate notes.txt\n\
                    RUN npm config set strict-ssl true && npm config get strict-ssl\n\
                    RUN npm config set registry https://registry.npmjs.org/\n\
                    RUN pip install --index-url https://pypi.internal/simple flask\n\
                    RUN pip download --no-deps flask && pip config list\n\
                    RUN git config --global http.sslVerify true && git config --unset http.sslVerify\n\
                    RUN git -c core.autocrlf=false clone https://github.com/a/b.git\n\
                    RUN cat <<EOF > /etc/motd\ncurl -k is not allowed here\nEOF\n\
                    RUN curl $CURL_FLAGS https://x && \"$CURL\" -k https://x\n\
                    RUN export NODE_TLS_REJECT_UNAUTHORIZED=1 && npm ci && PYTHONHTTPSVERIFY=0\n";
        let findings = docker(text);
        assert!(findings.is_empty(), "{:?}", spans(text, &findings));
    }

    #[test]
    fn dockerfile_heredocs_exec_forms_and_onbuild() {
        let text = "FROM node:20-slim\n\
                    RUN <<EOT\nset -e\ncurl -k https://x -o /x\nEOT\n\
                    RUN <<EOT bash\nwget --no-check-certificate https://x\nEOT\n\
                    RUN [\"curl\", \"-fsSLk\", \"https://x\", \"-o\", \"/x\"]\n\
                    RUN [\"curl\", \"--insecure\", \"https://x\"]\n\
                    ONBUILD RUN curl -k https://x\n\
                    RUN [\"/bin/sh\", \"-c\", \"curl --insecure https://x\"]\n";
        let findings = docker(text);
        assert_eq!(
            spans(text, &findings),
            [
                "-k",
                "--no-check-certificate",
                "\"-fsSLk\"",
                "\"--insecure\"",
                "-k",
                "--insecure"
            ]
        );
        assert_eq!(
            docker_fixes_parse(text),
            "FROM node:20-slim\n\
             RUN <<EOT\nset -e\ncurl https://x -o /x\nEOT\n\
             RUN <<EOT bash\nwget https://x\nEOT\n\
             RUN [\"curl\", \"-fsSL\", \"https://x\", \"-o\", \"/x\"]\n\
             RUN [\"curl\", \"https://x\"]\n\
             ONBUILD RUN curl https://x\n\
             RUN [\"/bin/sh\", \"-c\", \"curl https://x\"]\n"
        );
    }

    #[test]
    fn command_substitutions_and_real_world_spellings() {
        let text = "FROM debian\n\
                    RUN VERSION=\"$(curl -sk https://api.example/v | jq -r .tag)\" && echo $VERSION\n\
                    RUN echo '$(curl -k https://x)' && X=$((1 + 2))\n\
                    RUN curl -kfsSL https://x | tar -xz\n\
                    RUN pip install\t\t\\\n      --trusted-host pypi.python.org \t\\\n      -r r.txt\n\
                    RUN git config --global http.sslverify \"false\"\n\
                    RUN for u in a b; do curl -k \"$u\"; done && sort -k 2 f\n\
                    RUN sh -c 'curl --insecure https://x' && bash -lc \"wget --no-check-certificate $U\"\n";
        let findings = docker(text);
        assert_eq!(
            spans(text, &findings),
            [
                "-sk",
                "-kfsSL",
                "--trusted-host pypi.python.org",
                "http.sslverify \"false\"",
                "-k",
                "--insecure",
                "--no-check-certificate"
            ]
        );
        let after = docker_fixes_parse(text);
        assert!(after.contains("$(curl -s https://api.example/v"));
        assert!(after.contains("RUN curl -fsSL https://x"));
        assert!(after.contains("RUN sh -c 'curl https://x' && bash -lc \"wget $U\"\n"));
    }

    #[test]
    fn dockerfile_inline_environment() {
        let text = "FROM node:20-slim\n\
                    RUN NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci\n\
                    RUN env GIT_SSL_NO_VERIFY=1 git clone https://git.internal/a.git\n\
                    RUN export NODE_TLS_REJECT_UNAUTHORIZED=0 && npm ci\n";
        let findings = docker(text);
        assert_eq!(
            spans(text, &findings),
            [
                "NODE_TLS_REJECT_UNAUTHORIZED=0",
                "GIT_SSL_NO_VERIFY=1",
                "NODE_TLS_REJECT_UNAUTHORIZED=0"
            ]
        );
        assert!(findings[2].fixes.is_empty());
        let after = docker_fixes_parse(text);
        assert!(after.contains("RUN npm ci\nRUN env git clone"));
    }

    #[test]
    fn continued_lines_are_fixed_cleanly() {
        let text = "FROM debian\nRUN curl -fsSL \\\n    -k \\\n    https://x -o /x\n";
        assert_eq!(
            docker_fixes_parse(text),
            "FROM debian\nRUN curl -fsSL \\\n    https://x -o /x\n"
        );
        let text = "FROM debian\nRUN curl -fsSL https://x \\\n    --insecure\nUSER app\n";
        assert_eq!(
            docker_fixes_parse(text),
            "FROM debian\nRUN curl -fsSL https://x\nUSER app\n"
        );
        let text = "FROM debian\nRUN curl -k\\\n  https://x\n";
        assert_eq!(
            docker_fixes_parse(text),
            "FROM debian\nRUN curl\\\n  https://x\n"
        );
        let text = "FROM debian\r\nRUN curl --insecure \\\r\n  https://x\r\n";
        assert_eq!(
            docker_fixes_parse(text),
            "FROM debian\r\nRUN curl \\\r\n  https://x\r\n"
        );
    }

    #[test]
    fn broken_dockerfile_instructions_are_skipped() {
        let text = "FROM node:20\nRUN [\"curl\", \"-k\", \nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n";
        for finding in docker(text) {
            assert_eq!(
                &text[finding.range.clone()],
                "NODE_TLS_REJECT_UNAUTHORIZED=0"
            );
        }
        assert!(docker("FROM node:20\nRUN curl -k 'https://x\n").is_empty());
    }
}
