use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::engine::{Captures, FileContext};
use crate::lang::{ecma, python};
use preflight_grammars::LanguageFamily;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Flags code that turns off TLS certificate verification: `rejectUnauthorized: false`,
    /// `strictSSL: false`, an empty `checkServerIdentity` callback and
    /// `NODE_TLS_REJECT_UNAUTHORIZED = '0'` in TypeScript/JavaScript; `verify=False` on
    /// `requests`/`httpx` calls, `ssl=False` on `aiohttp` calls, `ssl._create_unverified_context()`,
    /// `check_hostname = False`, `verify_mode = ssl.CERT_NONE`, `cert_reqs="CERT_NONE"` and
    /// environment overrides such as `PYTHONHTTPSVERIFY=0` in Python.
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
    /// different question).
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
    ///
    /// ## Use instead
    /// ```ts
    /// const agent = new https.Agent({ ca: fs.readFileSync('/etc/ssl/internal-ca.pem') });
    /// ```
    /// ```python
    /// resp = requests.get(url, verify="/etc/ssl/certs/internal-ca.pem", timeout=10)
    /// ```
    ///
    /// ## Fix safety
    /// The fixes are **unsafe**: a host whose certificate is signed by a private CA stops
    /// answering until that CA is configured. `rejectUnauthorized`/`strictSSL: false` becomes
    /// `true`; the `NODE_TLS_REJECT_UNAUTHORIZED` assignment, the `verify=False`/`ssl=False`
    /// keyword and the `check_hostname`/`verify_mode`/`verify` assignment statements are
    /// removed, which restores the libraries' verifying defaults.
    ///
    /// ## How to silence
    /// Put `// preflight-ignore: tls-verify-disabled` (Python:
    /// `# preflight-ignore: tls-verify-disabled`) on the line above, or turn the rule off with
    /// `[rules] tls-verify-disabled = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "tls-verify-disabled",
        summary: "TLS certificate verification turned off (rejectUnauthorized: false, verify=False, CERT_NONE)",
        category: Category::Security,
        severity: Severity::Error,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Matches(check),
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
}
