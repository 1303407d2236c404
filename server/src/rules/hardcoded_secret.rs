use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::engine::{Captures, FileContext};
use crate::secrets::{
    KnownKey, default_env_name, env_var_name, find_known_keys, is_credential_like, is_placeholder,
    is_secret_name,
};
use preflight_grammars::LanguageFamily;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;
use tree_sitter::Node;

const SECRET_WORDS: Words = Words {
    any_case: &[
        "passw",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "key",
        "credential",
        "authorization",
    ],
    exact: crate::secrets::KEY_FORMAT_LITERALS,
};

/// Secret names (every word of `secrets::SECRET_WORDS` and every bigram's last word, in any
/// case), `Authorization` headers, and the fixed parts of the well-known key formats
/// (`secrets::MAY_HOLD_KEY`).
const TRIGGERS: Triggers = Triggers {
    ecma: SECRET_WORDS,
    python: SECRET_WORDS,
};

declare_rule! {
    /// ## What it does
    /// Flags credentials written into source code:
    /// - a string assigned to a secret name (`JWT_SECRET = '…'`, `{ password: '…' }`,
    ///   `api_key="…"`, `app.config["SECRET_KEY"] = "…"`, a parameter default, an
    ///   `Authorization: 'Bearer …'` header) when the value looks like a real credential rather
    ///   than a placeholder (`changeme`, `<your-key>`, `${API_KEY}`), a key name
    ///   (`'auth_token'`), an environment variable name, a path or a URL;
    /// - a well-known key format anywhere in a string or comment: AWS access key ids, GitHub,
    ///   GitLab, Slack, Stripe, OpenAI, Anthropic, npm, PyPI and SendGrid tokens, Google API
    ///   keys, private key blocks, `django-insecure-` keys and URLs with a password;
    /// - a hard-coded fallback for a secret environment variable (`process.env.JWT_SECRET ||
    ///   'dev-secret'`, `os.getenv("SECRET_KEY", "…")`), as a warning.
    ///
    /// Names ending in `name`, `field`, `header`, `url`, `type`, `length`… (`PASSWORD_FIELD =
    /// "password"`, `TOKEN_HEADER = "Authorization"`), flags (`isSecret`), public-by-design
    /// variables (`NEXT_PUBLIC_…`, `VITE_…`) and public Firebase web configs are not secrets.
    /// The secret itself is never repeated: messages name the variable, and code frames show at
    /// most its first four characters.
    ///
    /// ## Why is this bad?
    /// Everyone with access to the repository, its history, a build artefact or an image can read
    /// a committed credential, and it stays in the history after it is removed. The only remedy
    /// is to rotate it. A hard-coded fallback is quieter: when the variable is missing in
    /// production, the service silently runs with a secret everybody knows.
    ///
    /// ## Example
    /// ```ts
    /// const JWT_SECRET = 'a9f8e7d6c5b4a3928171';
    /// const secret = process.env.SESSION_SECRET || 'dev-secret';
    /// ```
    /// ```python
    /// SECRET_KEY = "django-insecure-7h#k2$9x!q@w3e4r5t6y7u8i9o0p"
    /// engine = create_engine("postgresql://app:S3cretPassw0rd@db.prod.internal:5432/app")
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// const JWT_SECRET = process.env.JWT_SECRET;
    /// const secret = process.env.SESSION_SECRET;
    /// ```
    /// ```python
    /// SECRET_KEY = os.environ["SECRET_KEY"]
    /// engine = create_engine(os.environ["DATABASE_URL"])
    /// ```
    ///
    /// ## Fix safety
    /// The fix is unsafe: it replaces the literal by an environment read (`process.env.NAME`,
    /// `os.environ["NAME"]`, adding `import os` when needed), named after the variable or key
    /// (`db.password` → `DB_PASSWORD`), or removes the fallback, so the variable must then be
    /// provided at runtime. It does not rotate the secret, which stays in the history. Keys found
    /// in comments, and strings that are not a plain value, get no fix.
    ///
    /// ## How to silence
    /// Test credentials and documented sample keys belong in test files, which are not analysed.
    /// Otherwise put `// preflight-ignore: hardcoded-secret` (TS/JS) or
    /// `# preflight-ignore: hardcoded-secret` (Python) on the line above, or turn the rule off
    /// with `[rules] hardcoded-secret = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "hardcoded-secret",
        summary: "Credential hard-coded in source",
        category: Category::Security,
        severity: Severity::Error,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Matches(check, TRIGGERS),
    };
}

fn assigned_message(name: &str) -> String {
    format!(
        "Hard-coded secret assigned to `{name}`; load it from the environment or a secret \
         manager, and rotate it."
    )
}

fn known_key_message(kind: &str) -> String {
    format!("Hard-coded {kind} in source; rotate it and load it from the environment.")
}

fn fallback_message(variable: &str) -> String {
    format!(
        "`{variable}` falls back to a hard-coded secret when the environment variable is missing."
    )
}

fn read_env_title(name: &str) -> String {
    format!("Read `{name}` from the environment")
}

const DROP_FALLBACK_TITLE: &str = "Remove the hard-coded fallback";

/// Keys of a public Firebase web configuration: its `apiKey` is meant to be shipped.
const FIREBASE_KEYS: &[&str] = &["authDomain", "projectId", "messagingSenderId"];

/// `Authorization` header values with a credential (H4 / §4.3 A).
static AUTHORIZATION_VALUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:Bearer|Basic|Token)\s+(\S{8,})$").expect("valid regex"));

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    match cx.language().family() {
        LanguageFamily::Ecma => ecma::check(cx, m, out),
        LanguageFamily::Python => python::check(cx, m, out),
        LanguageFamily::Dockerfile => {}
    }
}

/// Whether a (name, static value) pair holds a credential: a secret name with a credential-like
/// value, or an `Authorization` header with a token.
fn is_secret_pair(name: &str, value: &str, header_position: bool) -> bool {
    if is_secret_name(name) && is_credential_like(name, value) {
        return true;
    }
    header_position
        && name.eq_ignore_ascii_case("authorization")
        && AUTHORIZATION_VALUE
            .captures(value)
            .and_then(|c| c.get(1))
            .is_some_and(|token| {
                let token = token.as_str();
                !is_placeholder(token)
                    && !token.starts_with('$')
                    && !token.starts_with('{')
                    && !token.starts_with('<')
                    && is_credential_like("token", token)
            })
}

/// Marks `range` as secret, one range per line: a code frame shows only some lines of a
/// multi-line secret, and must redact each of them.
fn redact(mut finding: Finding, text: &str, range: Range<usize>) -> Finding {
    let mut start = range.start;
    for (offset, _) in text[range.clone()].match_indices('\n') {
        let end = range.start + offset;
        if start < end {
            finding = finding.with_redacted(start..end);
        }
        start = end + 1;
    }
    if start < range.end {
        finding = finding.with_redacted(start..range.end);
    }
    finding
}

/// The text between a string literal's delimiters, as a byte range.
fn string_content(node: Node<'_>) -> Range<usize> {
    if node.kind() == "string" {
        // Python: between `string_start` (prefix and quotes) and `string_end`.
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        if let (Some(first), Some(last)) = (children.first(), children.last())
            && first.kind() == "string_start"
            && last.kind() == "string_end"
        {
            return first.end_byte()..last.start_byte();
        }
    }
    // TypeScript strings and template strings: one delimiter on each side.
    let range = node.byte_range();
    if range.len() >= 2 {
        range.start + 1..range.end - 1
    } else {
        range
    }
}

/// Every string literal in `value` (itself included), without recursion.
fn strings_in(value: Node<'_>) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        if matches!(node.kind(), "string" | "template_string") {
            found.push(node);
            continue;
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    found.sort_by_key(|n| n.start_byte());
    found
}

/// The well-known keys in a string or comment, with ranges in file bytes, minus public
/// Firebase API keys.
fn known_keys(cx: &FileContext<'_>, node: Node<'_>) -> Vec<KnownKey> {
    let content = if node.kind() == "comment" {
        node.byte_range()
    } else {
        string_content(node)
    };
    let mut keys = find_known_keys(cx.slice(content.clone()));
    if keys.is_empty() {
        // Most strings: nothing to place (`parent()` below searches from the root).
        return keys;
    }
    for key in &mut keys {
        key.range = key.range.start + content.start..key.range.end + content.start;
        key.secret = key.secret.start + content.start..key.secret.end + content.start;
    }
    if keys.iter().any(|k| k.kind == "Google API key") && in_firebase_config(cx, node) {
        keys.retain(|k| k.kind != "Google API key");
    }
    if is_documentation(node) {
        // `postgresql://user:pass@host/db` in prose explains a format; keys in prose are leaks.
        keys.retain(|k| k.kind != "credentialed URL");
    }
    keys
}

/// A comment, or a string standing alone as a statement (a docstring).
fn is_documentation(node: Node<'_>) -> bool {
    node.kind() == "comment"
        || (node.kind() == "string"
            && node
                .parent()
                .is_some_and(|p| p.kind() == "expression_statement" && p.named_child_count() == 1))
}

/// Whether `node` lies in an object or dictionary that has a Firebase web-config key.
fn in_firebase_config(cx: &FileContext<'_>, node: Node<'_>) -> bool {
    let Some(object) = crate::lang::ancestor_of_kind(node, &["object", "dictionary"]) else {
        return false;
    };
    let mut cursor = object.walk();
    object
        .named_children(&mut cursor)
        .filter(|child| child.kind() == "pair")
        .filter_map(|pair| pair.child_by_field_name("key"))
        .any(|key| {
            let name = match cx.language().family() {
                LanguageFamily::Python => crate::lang::python::static_string(key, cx.text()),
                _ => crate::lang::ecma::property_key(key, cx.text()),
            };
            name.is_some_and(|name| FIREBASE_KEYS.contains(&name.as_str()))
        })
}

/// Whether any string of `value` holds a well-known key: the pattern-based finding on that
/// string replaces the name-based one.
fn holds_known_key(cx: &FileContext<'_>, value: Node<'_>) -> bool {
    strings_in(value)
        .into_iter()
        .any(|s| !known_keys(cx, s).is_empty())
}

/// The name-based finding on `value`, with every string in it redacted.
fn assigned_finding(cx: &FileContext<'_>, name: &str, value: Node<'_>) -> Finding {
    let mut finding = RULE.finding(value.byte_range(), assigned_message(name));
    for string in strings_in(value) {
        finding = redact(finding, cx.text(), string_content(string));
    }
    finding
}

/// The pattern-based finding on a string or comment.
fn known_key_finding(cx: &FileContext<'_>, node: Node<'_>, keys: &[KnownKey]) -> Finding {
    let mut finding = RULE.finding(node.byte_range(), known_key_message(keys[0].kind));
    for key in keys {
        finding = redact(finding, cx.text(), key.secret.clone());
    }
    finding
}

/// The finding on the default literal of an environment read of `variable`: the pattern-based
/// one (an error) when the default holds a well-known key, else the fallback warning when the
/// variable names a secret. Placeholders are not exempt: a `'secret'` fallback is the worst case.
fn fallback_finding(cx: &FileContext<'_>, variable: &str, default: Node<'_>) -> Option<Finding> {
    let strings = strings_in(default);
    let keys: Vec<KnownKey> = strings.iter().flat_map(|s| known_keys(cx, *s)).collect();
    if let Some(first) = keys.first() {
        let mut finding = RULE.finding(default.byte_range(), known_key_message(first.kind));
        for key in &keys {
            finding = redact(finding, cx.text(), key.secret.clone());
        }
        return Some(finding);
    }
    if !is_secret_name(variable) {
        return None;
    }
    let mut finding = RULE
        .finding(default.byte_range(), fallback_message(variable))
        .with_severity(Severity::Warning);
    for string in strings {
        finding = redact(finding, cx.text(), string_content(string));
    }
    Some(finding)
}

mod ecma {
    //! TypeScript and JavaScript.

    use super::*;
    use crate::lang::ecma::{callee_path, property_key, static_string, unwrap_expression};

    pub(super) fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
        if let Some(pair) = m.get("secret.pair") {
            if let (Some(name), Some(value)) = (m.get("secret.name"), m.get("secret.value")) {
                named_value(cx, pair, name, value, out);
            }
        } else if let Some(string) = m.get("secret.string") {
            string_literal(cx, string, out);
        } else if let Some(comment) = m.get("secret.comment") {
            let keys = known_keys(cx, comment);
            if !keys.is_empty() {
                out.push(known_key_finding(cx, comment, &keys));
            }
        } else if let Some(fallback) = m.get("secret.fallback") {
            if let (Some(read), Some(default)) =
                (m.get("secret.env_read"), m.get("secret.env_default"))
            {
                or_fallback(cx, fallback, read, default, out);
            }
        } else if m.get("secret.destructured_fallback").is_some()
            && let (Some(name), Some(default), Some(object)) = (
                m.get("secret.env_name"),
                m.get("secret.env_default"),
                m.get("secret.env_object"),
            )
        {
            destructured_fallback(cx, name, default, object, out);
        }
    }

    /// The name a pair's name node gives: identifiers, property names, string keys.
    fn name_of(cx: &FileContext<'_>, name: Node<'_>) -> Option<String> {
        match name.kind() {
            "private_property_identifier" => Some(cx.node_text(name).to_string()),
            _ => property_key(name, cx.text()),
        }
    }

    /// A. `const NAME = '…'`, `{ name: '…' }`, `this.name = '…'`, `name = '…'` parameters.
    fn named_value(
        cx: &FileContext<'_>,
        pair: Node<'_>,
        name: Node<'_>,
        value: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let Some(name_text) = name_of(cx, name) else {
            return;
        };
        if pair.kind() == "pair" && in_firebase_config(cx, pair) {
            return;
        }
        let Some(ssv) = static_string(value, cx.text()) else {
            return;
        };
        if !is_secret_pair(&name_text, &ssv, pair.kind() == "pair") || holds_known_key(cx, value) {
            return;
        }
        let finding = assigned_finding(cx, &name_text, value);
        let env = env_var_name(&key_path(cx, pair, &name_text));
        out.push(with_env_fix(finding, value.byte_range(), &env, false));
    }

    /// The name of an object key with the keys of the objects it is nested in:
    /// `{ db: { password } }` → `db.password`.
    fn key_path(cx: &FileContext<'_>, pair: Node<'_>, name: &str) -> String {
        let mut path = vec![name.to_string()];
        let mut node = pair;
        while node.kind() == "pair" {
            let Some(outer) = node
                .parent()
                .filter(|o| o.kind() == "object")
                .and_then(|o| o.parent())
                .filter(|p| p.kind() == "pair")
            else {
                break;
            };
            match outer
                .child_by_field_name("key")
                .and_then(|k| property_key(k, cx.text()))
            {
                Some(key) => path.push(key),
                None => break,
            }
            node = outer;
        }
        path.reverse();
        path.join(".")
    }

    fn with_env_fix(finding: Finding, range: Range<usize>, env: &str, jsx: bool) -> Finding {
        if env.is_empty() {
            return finding;
        }
        let read = if jsx {
            format!("{{process.env.{env}}}")
        } else {
            format!("process.env.{env}")
        };
        finding.with_fix(Fix::unsafe_(
            read_env_title(env),
            vec![Edit::replace(range, read)],
        ))
    }

    /// B (and A for JSX attributes, which have no query pattern of their own in the TypeScript
    /// grammar): a string that holds a well-known key.
    fn string_literal(cx: &FileContext<'_>, string: Node<'_>, out: &mut Vec<Finding>) {
        let parent = string.parent();
        let keys = known_keys(cx, string);
        if keys.is_empty() {
            if let Some(attribute) = parent.filter(|p| p.kind() == "jsx_attribute") {
                jsx_attribute(cx, attribute, string, out);
            }
            return;
        }
        // The default of an environment read: reported, with its own fix, by C.
        if is_env_default(cx, string) {
            return;
        }
        let finding = known_key_finding(cx, string, &keys);
        // A fix only where the string is a whole value: named, an argument, or a JSX attribute.
        let named = parent.and_then(|p| value_name(cx, p, string));
        let (env, jsx) = match parent.map(|p| p.kind()) {
            Some("jsx_attribute") => (named, true),
            Some("arguments") => (default_env_name(keys[0].kind).map(String::from), false),
            _ => (named, false),
        };
        let finding = match env {
            Some(env) if string.kind() == "string" || !has_substitution(string) => {
                with_env_fix(finding, string.byte_range(), &env, jsx)
            }
            _ => finding,
        };
        out.push(finding);
    }

    fn has_substitution(template: Node<'_>) -> bool {
        let mut cursor = template.walk();
        template
            .named_children(&mut cursor)
            .any(|c| c.kind() == "template_substitution")
    }

    /// The environment variable name for a string that is the value of a named construct.
    fn value_name(cx: &FileContext<'_>, parent: Node<'_>, value: Node<'_>) -> Option<String> {
        let (name, field) = match parent.kind() {
            "variable_declarator" | "public_field_definition" => {
                (parent.child_by_field_name("name")?, "value")
            }
            "required_parameter" | "optional_parameter" => {
                (parent.child_by_field_name("pattern")?, "value")
            }
            "pair" => (parent.child_by_field_name("key")?, "value"),
            "assignment_expression" => {
                let left = parent.child_by_field_name("left")?;
                let name = match left.kind() {
                    "member_expression" => left.child_by_field_name("property")?,
                    _ => left,
                };
                (name, "right")
            }
            "jsx_attribute" => (parent.named_child(0)?, ""),
            _ => return None,
        };
        if !field.is_empty() && parent.child_by_field_name(field) != Some(value) {
            return None;
        }
        let text = name_of(cx, name)?;
        let text = if parent.kind() == "pair" {
            key_path(cx, parent, &text)
        } else {
            text
        };
        Some(env_var_name(&text)).filter(|n| !n.is_empty())
    }

    /// `<Widget apiKey="…" />`.
    fn jsx_attribute(
        cx: &FileContext<'_>,
        attribute: Node<'_>,
        value: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let Some(name) = attribute
            .named_child(0)
            .filter(|n| n.kind() == "property_identifier")
        else {
            return;
        };
        let name = cx.node_text(name);
        let Some(ssv) = static_string(value, cx.text()) else {
            return;
        };
        if !is_secret_pair(name, &ssv, false) {
            return;
        }
        let finding = assigned_finding(cx, name, value);
        out.push(with_env_fix(
            finding,
            value.byte_range(),
            &env_var_name(name),
            true,
        ));
    }

    /// The environment variable an expression reads (H7), if it is one.
    fn env_read_name(cx: &FileContext<'_>, read: Node<'_>) -> Option<String> {
        let text = cx.text();
        let read = unwrap_expression(read);
        match read.kind() {
            "member_expression" => {
                let object = read.child_by_field_name("object")?;
                if !is_env_object(cx, object) {
                    return None;
                }
                let property = read.child_by_field_name("property")?;
                (property.kind() == "property_identifier").then(|| cx.node_text(property).into())
            }
            "subscript_expression" => {
                let object = read.child_by_field_name("object")?;
                if !is_env_object(cx, object) {
                    return None;
                }
                static_string(read.child_by_field_name("index")?, text)
            }
            "call_expression" => {
                let path = callee_path(read.child_by_field_name("function")?, text)?;
                let arguments = read.child_by_field_name("arguments")?;
                let name = static_string(arguments.named_child(0)?, text)?;
                if path == "Deno.env.get" {
                    return Some(name);
                }
                let (receiver, method) = path.rsplit_once('.')?;
                let receiver = receiver.rsplit('.').next()?.to_ascii_lowercase();
                let is_config = receiver.ends_with("config") || receiver.ends_with("configservice");
                let is_env_name = name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                (matches!(method, "get" | "getOrThrow") && is_config && is_env_name).then_some(name)
            }
            _ => None,
        }
    }

    /// `process.env`, `import.meta.env`, `Bun.env`.
    fn is_env_object(cx: &FileContext<'_>, object: Node<'_>) -> bool {
        let object = unwrap_expression(object);
        if object.kind() != "member_expression" {
            return false;
        }
        matches!(
            cx.node_text(object),
            "process.env" | "import.meta.env" | "Bun.env"
        )
    }

    /// A static, non-empty default literal.
    fn static_default(cx: &FileContext<'_>, default: Node<'_>) -> bool {
        static_string(default, cx.text()).is_some_and(|s| !s.is_empty())
    }

    /// Whether `string` is the default of an environment read (C).
    fn is_env_default(cx: &FileContext<'_>, string: Node<'_>) -> bool {
        let Some(parent) = string.parent() else {
            return false;
        };
        match parent.kind() {
            "binary_expression" => {
                parent.child_by_field_name("right") == Some(string)
                    && parent
                        .child_by_field_name("operator")
                        .is_some_and(|op| matches!(cx.node_text(op), "||" | "??"))
                    && parent
                        .child_by_field_name("left")
                        .and_then(|left| env_read_name(cx, left))
                        .is_some()
            }
            "object_assignment_pattern" => {
                parent.child_by_field_name("right") == Some(string)
                    && parent
                        .parent()
                        .filter(|p| p.kind() == "object_pattern")
                        .and_then(|p| p.parent())
                        .filter(|d| d.kind() == "variable_declarator")
                        .and_then(|d| d.child_by_field_name("value"))
                        .is_some_and(|value| is_env_object(cx, value))
            }
            _ => false,
        }
    }

    /// C. `process.env.X || 'lit'`, `process.env.X ?? 'lit'`.
    fn or_fallback(
        cx: &FileContext<'_>,
        fallback: Node<'_>,
        read: Node<'_>,
        default: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let is_fallback_operator = fallback
            .child_by_field_name("operator")
            .is_some_and(|op| matches!(cx.node_text(op), "||" | "??"));
        if !is_fallback_operator || !static_default(cx, default) {
            return;
        }
        let Some(variable) = env_read_name(cx, read) else {
            return;
        };
        let Some(finding) = fallback_finding(cx, &variable, default) else {
            return;
        };
        out.push(finding.with_fix(Fix::unsafe_(
            DROP_FALLBACK_TITLE,
            vec![Edit::replace(
                fallback.byte_range(),
                cx.node_text(read).to_string(),
            )],
        )));
    }

    /// C. `const { X = 'lit' } = process.env`.
    fn destructured_fallback(
        cx: &FileContext<'_>,
        name: Node<'_>,
        default: Node<'_>,
        object: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        if !is_env_object(cx, object) || !static_default(cx, default) {
            return;
        }
        let Some(finding) = fallback_finding(cx, cx.node_text(name), default) else {
            return;
        };
        out.push(finding.with_fix(Fix::unsafe_(
            DROP_FALLBACK_TITLE,
            vec![Edit::delete(name.end_byte()..default.end_byte())],
        )));
    }
}

mod python {
    //! Python.

    use super::*;
    use crate::lang::python::{
        canonical_callee, keyword_argument, positional_arguments, resolve_assignment, static_string,
    };

    pub(super) fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
        if let Some(pair) = m.get("secret.pair") {
            let Some(value) = m.get("secret.value") else {
                return;
            };
            let name = match m.get("secret.target") {
                Some(target) => target_name(cx, target),
                None => m.get("secret.name").and_then(|n| name_of(cx, n)),
            };
            if let Some(name) = name {
                named_value(cx, pair, &name, value, out);
            }
        } else if let Some(string) = m.get("secret.string") {
            string_literal(cx, string, out);
        } else if let Some(comment) = m.get("secret.comment") {
            let keys = known_keys(cx, comment);
            if !keys.is_empty() {
                out.push(known_key_finding(cx, comment, &keys));
            }
        } else if let Some(call) = m.get("secret.env_call") {
            if let Some(arguments) = m.get("secret.env_args") {
                env_call(cx, call, arguments, out);
            }
        } else if let Some(fallback) = m.get("secret.fallback")
            && let (Some(read), Some(default)) =
                (m.get("secret.env_read"), m.get("secret.env_default"))
        {
            or_fallback(cx, fallback, read, default, out);
        }
    }

    fn name_of(cx: &FileContext<'_>, name: Node<'_>) -> Option<String> {
        match name.kind() {
            "identifier" => Some(cx.node_text(name).to_string()),
            _ => static_string(name, cx.text()),
        }
    }

    /// `NAME = …`, `obj.NAME = …`, `obj["NAME"] = …`.
    fn target_name(cx: &FileContext<'_>, target: Node<'_>) -> Option<String> {
        match target.kind() {
            "identifier" => Some(cx.node_text(target).to_string()),
            "attribute" => Some(
                cx.node_text(target.child_by_field_name("attribute")?)
                    .into(),
            ),
            "subscript" => static_string(target.child_by_field_name("subscript")?, cx.text()),
            _ => None,
        }
    }

    /// A. Assignments, keyword arguments, dictionary pairs and parameter defaults.
    fn named_value(
        cx: &FileContext<'_>,
        pair: Node<'_>,
        name: &str,
        value: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        if pair.kind() == "pair" && in_firebase_config(cx, pair) {
            return;
        }
        let Some(ssv) = static_string(value, cx.text()) else {
            return;
        };
        let header_position = matches!(pair.kind(), "pair" | "keyword_argument");
        if !is_secret_pair(name, &ssv, header_position) || holds_known_key(cx, value) {
            return;
        }
        let finding = assigned_finding(cx, name, value);
        let env = env_var_name(&key_path(cx, pair, name));
        out.push(with_env_fix(cx, finding, value.byte_range(), &env));
    }

    /// `{"db": {"password": …}}` → `db.password`.
    fn key_path(cx: &FileContext<'_>, pair: Node<'_>, name: &str) -> String {
        let mut path = vec![name.to_string()];
        let mut node = pair;
        while node.kind() == "pair" {
            let Some(outer) = node
                .parent()
                .filter(|o| o.kind() == "dictionary")
                .and_then(|o| o.parent())
                .filter(|p| p.kind() == "pair")
            else {
                break;
            };
            match outer
                .child_by_field_name("key")
                .and_then(|k| static_string(k, cx.text()))
            {
                Some(key) => path.push(key),
                None => break,
            }
            node = outer;
        }
        path.reverse();
        path.join(".")
    }

    /// B. A string holding a well-known key.
    fn string_literal(cx: &FileContext<'_>, string: Node<'_>, out: &mut Vec<Finding>) {
        let keys = known_keys(cx, string);
        // The default of an environment read is reported, with its own fix, by C.
        if keys.is_empty() || is_env_default(cx, string) {
            return;
        }
        let finding = known_key_finding(cx, string, &keys);
        let has_interpolation = {
            let mut cursor = string.walk();
            string
                .named_children(&mut cursor)
                .any(|c| c.kind() == "interpolation")
        };
        let env = match string.parent() {
            _ if has_interpolation => None,
            Some(parent) if parent.kind() == "argument_list" => {
                default_env_name(keys[0].kind).map(String::from)
            }
            Some(parent) => value_name(cx, parent, string),
            None => None,
        };
        out.push(match env {
            Some(env) => with_env_fix(cx, finding, string.byte_range(), &env),
            None => finding,
        });
    }

    /// The environment variable name for a string that is the value of a named construct.
    fn value_name(cx: &FileContext<'_>, parent: Node<'_>, value: Node<'_>) -> Option<String> {
        let name = match parent.kind() {
            "assignment" if parent.child_by_field_name("right") == Some(value) => {
                target_name(cx, parent.child_by_field_name("left")?)?
            }
            "keyword_argument" | "default_parameter" | "typed_default_parameter"
                if parent.child_by_field_name("value") == Some(value) =>
            {
                name_of(cx, parent.child_by_field_name("name")?)?
            }
            "pair" if parent.child_by_field_name("value") == Some(value) => {
                let key = name_of(cx, parent.child_by_field_name("key")?)?;
                key_path(cx, parent, &key)
            }
            _ => return None,
        };
        Some(env_var_name(&name)).filter(|n| !n.is_empty())
    }

    /// Attaches `os.environ["NAME"]` in place of `range`, importing `os` when needed.
    fn with_env_fix(
        cx: &FileContext<'_>,
        finding: Finding,
        range: Range<usize>,
        env: &str,
    ) -> Finding {
        if env.is_empty() {
            return finding;
        }
        let mut edits = vec![Edit::replace(
            range.clone(),
            format!("os.environ[\"{env}\"]"),
        )];
        match import_os(cx, range.start) {
            Ok(None) => {}
            Ok(Some(edit)) => edits.push(edit),
            Err(()) => return finding,
        }
        finding.with_fix(Fix::unsafe_(read_env_title(env), edits))
    }

    /// The edit that makes `os` available before `before`: none when the file imports it;
    /// `Err` when `os` names something else.
    fn import_os(cx: &FileContext<'_>, before: usize) -> Result<Option<Edit>, ()> {
        match cx.bindings().get("os") {
            Some("os") => return Ok(None),
            Some(_) => return Err(()),
            None => {}
        }
        let root = cx.tree().root_node();
        let mut cursor = root.walk();
        let statements: Vec<Node<'_>> = root
            .named_children(&mut cursor)
            .filter(|s| s.kind() != "comment")
            .collect();
        let Some(&first) = statements.first() else {
            return Err(());
        };
        let is_docstring = first.kind() == "expression_statement"
            && first.named_child(0).is_some_and(|s| s.kind() == "string");
        let anchor = statements
            .iter()
            .rev()
            .filter(|s| s.end_byte() <= before)
            .find(|s| {
                matches!(
                    s.kind(),
                    "import_statement" | "import_from_statement" | "future_import_statement"
                )
            })
            .copied()
            .or(is_docstring
                .then_some(first)
                .filter(|d| d.end_byte() <= before));
        let Some(anchor) = anchor else {
            return Ok(Some(Edit::insert(first.start_byte(), "import os\n")));
        };
        let text = cx.text();
        let end = anchor.end_byte();
        Ok(Some(match text[end..].find('\n') {
            Some(newline) => Edit::insert(end + newline + 1, "import os\n"),
            None => Edit::insert(text.len(), "\nimport os\n"),
        }))
    }

    /// Where an environment read's default is, and how to remove it.
    enum Default<'t> {
        /// `os.getenv("X", "lit")`: becomes `<mapping>["X"]`.
        Mapping(Node<'t>, Option<&'static str>),
        /// `env("X", default="lit")`: the default argument is dropped.
        Argument(Node<'t>),
    }

    /// C. `os.getenv("X", "lit")`, `os.environ.get("X", "lit")`, `env("X", default="lit")`
    /// (django-environ, environs), `config("X", default="lit")` (python-decouple).
    fn env_call(cx: &FileContext<'_>, call: Node<'_>, arguments: Node<'_>, out: &mut Vec<Finding>) {
        let text = cx.text();
        let Some((variable, default_node, how)) = env_default(cx, call, arguments) else {
            return;
        };
        if static_string(default_node, text).is_none_or(|s| s.is_empty()) {
            return;
        }
        let Some(finding) = fallback_finding(cx, &variable, default_node) else {
            return;
        };
        let fix = match how {
            Default::Mapping(name, mapping) => {
                let mapping = match mapping {
                    Some(mapping) => mapping.to_string(),
                    // `<receiver>.get(…)`: the receiver is the mapping.
                    None => call
                        .child_by_field_name("function")
                        .and_then(|f| f.child_by_field_name("object"))
                        .map(|o| cx.node_text(o).to_string())
                        .unwrap_or_default(),
                };
                let mut edits = vec![Edit::replace(
                    call.byte_range(),
                    format!("{mapping}[{}]", cx.node_text(name)),
                )];
                let import = if mapping == "os.environ" {
                    import_os(cx, call.start_byte())
                } else {
                    Ok(None)
                };
                match (mapping.is_empty(), import) {
                    (false, Ok(edit)) => {
                        edits.extend(edit);
                        Some(Fix::unsafe_(DROP_FALLBACK_TITLE, edits))
                    }
                    _ => None,
                }
            }
            Default::Argument(argument) => drop_argument(argument)
                .map(|range| Fix::unsafe_(DROP_FALLBACK_TITLE, vec![Edit::delete(range)])),
        };
        out.push(match fix {
            Some(fix) => finding.with_fix(fix),
            None => finding,
        });
    }

    /// The variable, the default argument and how to drop it, of an environment read with a
    /// default (H7).
    fn env_default<'t>(
        cx: &FileContext<'_>,
        call: Node<'t>,
        arguments: Node<'t>,
    ) -> Option<(String, Node<'t>, Default<'t>)> {
        let text = cx.text();
        let callee = canonical_callee(call, text, cx.bindings())?;
        let positional = positional_arguments(arguments);
        let first = *positional.first()?;
        let variable = static_string(first, text)?;
        let default_node = positional
            .get(1)
            .copied()
            .or_else(|| keyword_argument(arguments, "default", text))?;
        let how = match callee.as_str() {
            "os.getenv" => Default::Mapping(first, Some("os.environ")),
            "os.environ.get" | "os.environ.pop" => Default::Mapping(first, None),
            "decouple.config" => Default::Argument(default_node),
            _ if is_env_reader(cx, call) => Default::Argument(default_node),
            _ => return None,
        };
        Some((variable, default_node, how))
    }

    /// Whether `string` is the default of an environment read (C).
    fn is_env_default(cx: &FileContext<'_>, string: Node<'_>) -> bool {
        let Some(parent) = string.parent() else {
            return false;
        };
        let arguments = match parent.kind() {
            "argument_list" => parent,
            "keyword_argument" => match parent.parent() {
                Some(arguments) => arguments,
                None => return false,
            },
            "boolean_operator" => {
                return parent.child_by_field_name("right") == Some(string)
                    && parent
                        .child_by_field_name("left")
                        .is_some_and(|left| or_read_variable(cx, left).is_some());
            }
            _ => return false,
        };
        arguments
            .parent()
            .filter(|call| call.kind() == "call")
            .and_then(|call| env_default(cx, call, arguments))
            .is_some_and(|(_, default, _)| default == string)
    }

    /// The range that removes `value`'s argument (a keyword argument when it is one's value)
    /// with the comma before it.
    fn drop_argument(value: Node<'_>) -> Option<Range<usize>> {
        let argument = value
            .parent()
            .filter(|p| p.kind() == "keyword_argument")
            .unwrap_or(value);
        let previous = argument.prev_named_sibling()?;
        Some(previous.end_byte()..argument.end_byte())
    }

    /// `env(…)` / `env.str(…)` where `env` is assigned from django-environ's or environs'
    /// `Env(…)`.
    fn is_env_reader(cx: &FileContext<'_>, call: Node<'_>) -> bool {
        if !crate::project::facts::mentions_env_factory(cx) {
            return false;
        }
        let Some(function) = call.child_by_field_name("function") else {
            return false;
        };
        let receiver = match function.kind() {
            "identifier" => function,
            "attribute" => match function.child_by_field_name("object") {
                Some(object) if object.kind() == "identifier" => object,
                _ => return false,
            },
            _ => return false,
        };
        resolve_assignment(receiver, cx.text())
            .filter(|value| value.kind() == "call")
            .and_then(|value| canonical_callee(value, cx.text(), cx.bindings()))
            .is_some_and(|callee| matches!(callee.as_str(), "environ.Env" | "environs.Env"))
    }

    /// The variable `os.getenv("X")` / `os.environ.get("X")` reads.
    fn or_read_variable(cx: &FileContext<'_>, read: Node<'_>) -> Option<String> {
        let text = cx.text();
        if read.kind() != "call" {
            return None;
        }
        let callee = canonical_callee(read, text, cx.bindings())?;
        if !matches!(callee.as_str(), "os.getenv" | "os.environ.get") {
            return None;
        }
        let arguments = read.child_by_field_name("arguments")?;
        let first = *positional_arguments(arguments).first()?;
        static_string(first, text)
    }

    /// C. `os.environ.get("X") or "lit"`.
    fn or_fallback(
        cx: &FileContext<'_>,
        fallback: Node<'_>,
        read: Node<'_>,
        default: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let text = cx.text();
        let is_or = fallback
            .child_by_field_name("operator")
            .is_some_and(|op| cx.node_text(op) == "or");
        if !is_or || static_string(default, text).is_none_or(|s| s.is_empty()) {
            return;
        }
        let Some(variable) = or_read_variable(cx, read) else {
            return;
        };
        let Some(finding) = fallback_finding(cx, &variable, default) else {
            return;
        };
        out.push(finding.with_fix(Fix::unsafe_(
            DROP_FALLBACK_TITLE,
            vec![Edit::replace(
                fallback.byte_range(),
                cx.node_text(read).to_string(),
            )],
        )));
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{FixSafety, Severity};
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "hardcoded-secret";

    fn ts(text: &str) -> Vec<String> {
        let findings = check(ID, "src/app.ts", text);
        spans(text, &findings)
            .into_iter()
            .map(String::from)
            .collect()
    }

    fn py(text: &str) -> Vec<String> {
        let findings = check(ID, "app/settings.py", text);
        spans(text, &findings)
            .into_iter()
            .map(String::from)
            .collect()
    }

    fn fix(path: &str, text: &str) -> String {
        let findings = check(ID, path, text);
        let result = fixed(text, &findings, FixSafety::Unsafe);
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        let tree = parser.parse(&result, None).unwrap();
        assert!(
            !tree.root_node().has_error(),
            "fix breaks syntax:\n{result}"
        );
        result
    }

    #[test]
    fn name_based_typescript() {
        let text = "const JWT_SECRET = 'a9f8e7d6c5b4a3928171';\n\
                    const config = { db: { password: 'Pr0d-Passw0rd!' } };\n\
                    class Client { private apiKey = '9d8c7b6a5f4e3d2c1b0a'; }\n\
                    function connect(password: string = 'hunter22') {}\n\
                    this.clientSecret = 'q8w7e6r5t4y3u2i1o0p9';\n\
                    const headers = { Authorization: 'Bearer 4f9a8b7c6d5e4f3a2b1c' };\n";
        assert_eq!(
            ts(text),
            [
                "'a9f8e7d6c5b4a3928171'",
                "'Pr0d-Passw0rd!'",
                "'9d8c7b6a5f4e3d2c1b0a'",
                "'hunter22'",
                "'q8w7e6r5t4y3u2i1o0p9'",
                "'Bearer 4f9a8b7c6d5e4f3a2b1c'"
            ]
        );
        assert_eq!(
            fix("src/app.ts", text),
            "const JWT_SECRET = process.env.JWT_SECRET;\n\
             const config = { db: { password: process.env.DB_PASSWORD } };\n\
             class Client { private apiKey = process.env.API_KEY; }\n\
             function connect(password: string = process.env.PASSWORD) {}\n\
             this.clientSecret = process.env.CLIENT_SECRET;\n\
             const headers = { Authorization: process.env.AUTHORIZATION };\n"
        );
    }

    #[test]
    fn messages_and_redaction_never_show_the_secret() {
        let text = "const JWT_SECRET = 'a9f8e7d6c5b4a3928171';\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(
            finding.message,
            "Hard-coded secret assigned to `JWT_SECRET`; load it from the environment or a \
             secret manager, and rotate it."
        );
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(
            finding
                .redact
                .iter()
                .map(|r| &text[r.clone()])
                .collect::<Vec<_>>(),
            ["a9f8e7d6c5b4a3928171"]
        );
        let (frame, _) = crate::diagnostic::redacted(text, &finding.redact);
        assert_eq!(frame, "const JWT_SECRET = 'a9f8…';\n");

        let key = "ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex";
        for (path, text) in [
            ("src/a.ts", format!("const t = '{key}';\n// {key}\n")),
            ("app/a.py", format!("t = \"{key}\"\n# {key}\n")),
            (
                "app/b.py",
                "engine = create_engine(\"postgresql://app:S3cretPassw0rd@db.prod.internal/app\")\n"
                    .to_string(),
            ),
        ] {
            let findings = check(ID, path, &text);
            assert!(!findings.is_empty(), "{text}");
            for finding in &findings {
                assert!(!finding.message.contains(&key[4..]), "{}", finding.message);
                assert!(!finding.message.contains("S3cret"), "{}", finding.message);
                // The code frame: the lines of the finding, redacted.
                let start = text[..finding.range.start].rfind('\n').map_or(0, |i| i + 1);
                let end = text[finding.range.end..]
                    .find('\n')
                    .map_or(text.len(), |i| finding.range.end + i);
                let redact: Vec<_> = finding
                    .redact
                    .iter()
                    .map(|r| r.start - start..r.end - start)
                    .collect();
                let (frame, _) = crate::diagnostic::redacted(&text[start..end], &redact);
                assert!(!frame.contains(&key[4..]), "{frame}");
                assert!(!frame.contains("S3cretPassw0rd"), "{frame}");
            }
        }
    }

    #[test]
    fn multi_line_secrets_are_redacted_line_by_line() {
        let body = "MIIEowIBAAKCAQEA1x2Y3z4aB5cD6eF7gH8iJ9kL0mN1oP2qR3sT4uV5wX6yZ7";
        let text = format!(
            "KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\n{body}\n{body}\n-----END RSA PRIVATE KEY-----\"\"\"\n"
        );
        let findings = check(ID, "app/keys.py", &text);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].message,
            "Hard-coded private key in source; rotate it and load it from the environment."
        );
        assert!(findings[0].redact.len() >= 2);
        let (frame, _) = crate::diagnostic::redacted(&text, &findings[0].redact);
        assert!(!frame.contains(&body[4..]), "{frame}");
    }

    #[test]
    fn pattern_based_typescript() {
        let text = "export const stripe = new Stripe('sk_live_51Hq3xGQk2n8vLmP0aZbYcXwVuTs');\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(
            spans(text, &findings),
            ["'sk_live_51Hq3xGQk2n8vLmP0aZbYcXwVuTs'"]
        );
        assert_eq!(
            findings[0].message,
            "Hard-coded Stripe secret key in source; rotate it and load it from the environment."
        );
        assert_eq!(
            fix("src/app.ts", text),
            "export const stripe = new Stripe(process.env.STRIPE_SECRET_KEY);\n"
        );
        // Named and pattern-based at once: one finding, the pattern's message, the name's fix.
        let text = "const stripeKey = 'sk_live_51Hq3xGQk2n8vLmP0aZbYcXwVuTs';\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.starts_with("Hard-coded Stripe"));
        assert_eq!(
            fix("src/app.ts", text),
            "const stripeKey = process.env.STRIPE_KEY;\n"
        );
        // In a comment: reported, no fix.
        let text = "// token: ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].fixes.is_empty());
        // In a template with substitutions: reported, no fix.
        let text = "const url = `https://deploy:ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex@github.com/${repo}`;\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].fixes.is_empty());
    }

    #[test]
    fn jsx_attributes() {
        let text = "const w = <Widget apiKey=\"9d8c7b6a5f4e3d2c1b0a\" label=\"x\" />;\n";
        let findings = check(ID, "src/app.tsx", text);
        assert_eq!(spans(text, &findings), ["\"9d8c7b6a5f4e3d2c1b0a\""]);
        assert_eq!(
            fix("src/app.tsx", text),
            "const w = <Widget apiKey={process.env.API_KEY} label=\"x\" />;\n"
        );
        assert!(
            check(
                ID,
                "src/app.jsx",
                "const f = <input type=\"password\" name=\"password\" />;\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn environment_fallbacks_typescript() {
        let text = "const secret = process.env.JWT_SECRET || 'dev-secret';\n\
                    const key = process.env['API_KEY'] ?? 'abc';\n\
                    const t = config.get('AUTH_TOKEN') || 'x';\n\
                    const { SESSION_SECRET = 'keyboard cat' } = process.env;\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(
            spans(text, &findings),
            ["'dev-secret'", "'abc'", "'x'", "'keyboard cat'"]
        );
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
        // A well-known key as the default: one error, with the fallback's fix.
        let text2 = "const k = process.env.STRIPE_KEY || 'sk_live_51Hq3xGQk2n8vLmP0aZbYcXwV';\n";
        let found = check(ID, "src/app.ts", text2);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(
            fix("src/app.ts", text2),
            "const k = process.env.STRIPE_KEY;\n"
        );
        assert_eq!(
            findings[0].message,
            "`JWT_SECRET` falls back to a hard-coded secret when the environment variable is \
             missing."
        );
        assert_eq!(
            fix("src/app.ts", text),
            "const secret = process.env.JWT_SECRET;\n\
             const key = process.env['API_KEY'];\n\
             const t = config.get('AUTH_TOKEN');\n\
             const { SESSION_SECRET } = process.env;\n"
        );
        // Not secrets, empty defaults, other objects.
        assert!(
            ts("const a = process.env.PORT || '3000';\n\
                const b = process.env.JWT_SECRET || '';\n\
                const c = options.JWT_SECRET || 'dev-secret';\n\
                const d = process.env.TOKEN_URL || 'https://auth/token';\n\
                const { PORT = '3000' } = process.env;\n")
            .is_empty()
        );
    }

    #[test]
    fn typescript_near_misses() {
        let cases = [
            "const JWT_SECRET = process.env.JWT_SECRET;\n",
            "const TOKEN_STORAGE_KEY = 'auth_token';\n",
            "const passwordField = 'password';\n",
            "const TOKEN_HEADER = 'Authorization';\n",
            "const PASSWORD_FIELD = 'password';\n",
            "const ACCESS_TOKEN_KEY = 'accessToken';\n",
            "const apiKey = 'changeme';\n",
            "const apiKey = '<your-key>';\n",
            "const apiKey = '${API_KEY}';\n",
            "const apiKey = '';\n",
            "const apiKey = 'xxxxxxxxxxxx';\n",
            "const apiKey = config.get('apiKey');\n",
            "const tokenUrl = 'https://oauth2.googleapis.com/token';\n",
            "const secretKeyPath = '/run/secrets/key';\n",
            "const secret = 'JWT_SECRET_FROM_ENV';\n",
            "const isSecret = 'yes-it-is-true';\n",
            "const NEXT_PUBLIC_API_KEY = '9d8c7b6a5f4e3d2c1b0a';\n",
            "interface Login { password: string; token?: 'a9f8e7d6c5b4a3928171' }\n",
            "type Creds = { apiKey: string };\n",
            "enum Keys { Token = 'a9f8e7d6c5b4a3928171' }\n",
            "const msg = { password: 'Password is required' };\n",
            "const stripeJs = loadStripe('pk_live_51Hq3xGQk2n8vLmP0aZbYcXwVu');\n",
            "const aws = 'AKIAIOSFODNN7EXAMPLE';\n",
            "const headers = { Authorization: `Bearer ${token}` };\n",
            "const headers = { Authorization: 'Bearer <token>' };\n",
            "const db = 'postgres://postgres:postgres@localhost:5432/app';\n",
            "if (pem.startsWith('-----BEGIN RSA PRIVATE KEY-----')) {}\n",
            "const token = 'aaaaaaaaaaaa';\n",
            "const TYPES = { admin_session_secret: 'string', password: 'private' };\n",
            "const meta = { titleToken: 'Ghost(Pro)' };\n",
            "/** Connect with `postgres://app:S3cretPassw0rd@db.prod.internal/app`. */\n",
        ];
        for text in cases {
            assert_eq!(ts(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn firebase_web_config_is_public() {
        let text = "const firebaseConfig = {\n  apiKey: 'AIzaSyB-1x2Y3z4A5b6C7d8E9f0G1h2I3j4K5l6',\n  \
                    authDomain: 'demo-app.firebaseapp.com',\n  projectId: 'demo-app',\n};\n";
        assert!(ts(text).is_empty());
        let text = "const maps = { apiKey: 'AIzaSyB-1x2Y3z4A5b6C7d8E9f0G1h2I3j4K5l6' };\n";
        assert_eq!(ts(text), ["'AIzaSyB-1x2Y3z4A5b6C7d8E9f0G1h2I3j4K5l6'"]);
    }

    #[test]
    fn name_based_python() {
        let text = "import os\n\
                    SECRET_KEY = \"k2$9x!q@w3e4r5t6y7u8\"\n\
                    app.config[\"JWT_SECRET_KEY\"] = \"q8w7e6r5t4y3u2i1o0p9\"\n\
                    settings.DB_PASSWORD = \"Pr0d-Passw0rd!\"\n\
                    def get_client(password: str = \"hunter22\"):\n    \
                        return Client(api_key=\"9d8c7b6a5f4e3d2c1b0a\")\n\
                    CREDS = {\"aws\": {\"secret_access_key\": \"wJalrXUtnFEMI/K7MDENG\"}}\n\
                    HEADERS = {\"Authorization\": \"Token 4f9a8b7c6d5e4f3a2b1c\"}\n";
        assert_eq!(
            py(text),
            [
                "\"k2$9x!q@w3e4r5t6y7u8\"",
                "\"q8w7e6r5t4y3u2i1o0p9\"",
                "\"Pr0d-Passw0rd!\"",
                "\"hunter22\"",
                "\"9d8c7b6a5f4e3d2c1b0a\"",
                "\"wJalrXUtnFEMI/K7MDENG\"",
                "\"Token 4f9a8b7c6d5e4f3a2b1c\"",
            ]
        );
        assert_eq!(
            fix("app/settings.py", text),
            "import os\n\
             SECRET_KEY = os.environ[\"SECRET_KEY\"]\n\
             app.config[\"JWT_SECRET_KEY\"] = os.environ[\"JWT_SECRET_KEY\"]\n\
             settings.DB_PASSWORD = os.environ[\"DB_PASSWORD\"]\n\
             def get_client(password: str = os.environ[\"PASSWORD\"]):\n    \
                 return Client(api_key=os.environ[\"API_KEY\"])\n\
             CREDS = {\"aws\": {\"secret_access_key\": os.environ[\"AWS_SECRET_ACCESS_KEY\"]}}\n\
             HEADERS = {\"Authorization\": os.environ[\"AUTHORIZATION\"]}\n"
        );
    }

    #[test]
    fn python_fix_imports_os() {
        let text = "\"\"\"Settings.\"\"\"\nfrom pathlib import Path\n\nSECRET_KEY = \"k2$9x!q@w3e4r5t6y7u8\"\n";
        assert_eq!(
            fix("app/settings.py", text),
            "\"\"\"Settings.\"\"\"\nfrom pathlib import Path\nimport os\n\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\n"
        );
        let text = "SECRET_KEY = \"k2$9x!q@w3e4r5t6y7u8\"\n";
        assert_eq!(
            fix("app/settings.py", text),
            "import os\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\n"
        );
        // `os` is something else here: no fix rather than a wrong one.
        let text = "import myos as os\nSECRET_KEY = \"k2$9x!q@w3e4r5t6y7u8\"\n";
        let findings = check(ID, "app/settings.py", text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].fixes.is_empty());
    }

    #[test]
    fn pattern_based_python() {
        let text = "import os\nSECRET_KEY = \"django-insecure-7h#k2$9x!q@w3e4r5t6y7u8i9o0p\"\n\
                    AWS_ACCESS_KEY_ID = \"AKIAZ7Q3XK5W2M9TR4HB\"\n\
                    engine = create_engine(\"postgresql://app:S3cretPassw0rd@db.prod.internal:5432/app\")\n";
        let findings = check(ID, "app/settings.py", text);
        assert_eq!(findings.len(), 3);
        assert!(findings[0].message.contains("Django secret key"));
        assert!(findings[1].message.contains("AWS access key id"));
        assert!(findings[2].message.contains("credentialed URL"));
        assert_eq!(
            fix("app/settings.py", text),
            "import os\n\
             SECRET_KEY = os.environ[\"SECRET_KEY\"]\n\
             AWS_ACCESS_KEY_ID = os.environ[\"AWS_ACCESS_KEY_ID\"]\n\
             engine = create_engine(os.environ[\"DATABASE_URL\"])\n"
        );
        // An f-string: reported, no fix.
        let text = "URL = f\"https://deploy:ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex@github.com/{repo}\"\n";
        let findings = check(ID, "app/a.py", text);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].fixes.is_empty());
    }

    #[test]
    fn environment_fallbacks_python() {
        let text = "import os\nimport environ\nfrom decouple import config\nenv = environ.Env()\n\
                    A = os.getenv(\"SECRET_KEY\", \"dev\")\n\
                    B = os.environ.get(\"API_TOKEN\", default=\"abc\")\n\
                    C = env(\"DB_PASSWORD\", default=\"postgres\")\n\
                    D = env.str(\"JWT_SECRET\", \"changeme\")\n\
                    E = config(\"STRIPE_SECRET_KEY\", default=\"k\")\n\
                    F = os.environ.get(\"SESSION_SECRET\") or \"s\"\n";
        let findings = check(ID, "app/settings.py", text);
        assert_eq!(
            spans(text, &findings),
            [
                "\"dev\"",
                "\"abc\"",
                "\"postgres\"",
                "\"changeme\"",
                "\"k\"",
                "\"s\""
            ]
        );
        assert!(findings.iter().all(|f| f.severity == Severity::Warning));
        let original = text;
        // A well-known key as the default: one error, with the fallback's fix.
        let text = "from decouple import config\nK = config(\"STRIPE_KEY\", default=\"sk_live_51Hq3xGQk2n8vLmP0aZbYcXwV\")\n";
        let findings = check(ID, "app/settings.py", text);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(
            findings[0]
                .message
                .starts_with("Hard-coded Stripe secret key")
        );
        assert_eq!(
            fix("app/settings.py", text),
            "from decouple import config\nK = config(\"STRIPE_KEY\")\n"
        );
        let text = "import os\nK = os.getenv(\"STRIPE\", \"sk_live_51Hq3xGQk2n8vLmP0aZbYcXwV\")\n";
        assert_eq!(check(ID, "app/settings.py", text).len(), 1);
        let text =
            "import os\nK = os.getenv(\"STRIPE\") or \"sk_live_51Hq3xGQk2n8vLmP0aZbYcXwV\"\n";
        assert_eq!(check(ID, "app/settings.py", text).len(), 1);
        let text = "import os\nthat = os.environ.get\nK = print(\"S\", \"sk_live_51Hq3xGQk2n8vLmP0aZbYcXwV\")\n";
        assert_eq!(check(ID, "app/settings.py", text).len(), 1);
        assert_eq!(
            fix("app/settings.py", original),
            "import os\nimport environ\nfrom decouple import config\nenv = environ.Env()\n\
             A = os.environ[\"SECRET_KEY\"]\n\
             B = os.environ[\"API_TOKEN\"]\n\
             C = env(\"DB_PASSWORD\")\n\
             D = env.str(\"JWT_SECRET\")\n\
             E = config(\"STRIPE_SECRET_KEY\")\n\
             F = os.environ.get(\"SESSION_SECRET\")\n"
        );
        assert!(
            py("import os\nA = os.getenv(\"PORT\", \"8000\")\nB = os.getenv(\"SECRET_KEY\", \"\")\n\
                C = os.getenv(\"SECRET_KEY\")\nD = cache.get(\"SECRET_KEY\", \"x\")\n\
                E = os.environ.setdefault(\"SECRET_KEY\", \"x\")\n")
            .is_empty()
        );
    }

    #[test]
    fn python_near_misses() {
        let cases = [
            "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n",
            "PASSWORD_MIN_LENGTH = 12\n",
            "DATABASE_URL = \"postgresql://postgres:postgres@localhost:5432/app\"\n",
            "api_key = \"your-api-key-here\"\n",
            "TOKEN_HEADER = \"Authorization\"\n",
            "PASSWORD_FIELD = \"password\"\n",
            "SECRET_KEY_FILE = \"/run/secrets/django_secret_key\"\n",
            "password = None\n",
            "token_type = \"bearer_token_v2\"\n",
            "password_hash = \"pbkdf2_sha256\"\n",
            "def login(password=\"\"):\n    pass\n",
            "class Settings(BaseSettings):\n    secret_key: str\n    api_token: str = \"changeme\"\n",
            "grant_type = \"password\"\n",
            "secret = \"{password}\"\n",
            "auth_url = \"https://user@example.com/login\"\n",
            "AWS = \"AKIAIOSFODNN7EXAMPLE\"\n",
            "def f():\n    \"\"\"Connect with postgresql://user:secret@db.example.com/app.\"\"\"\n",
            "def f():\n    \"\"\"Connect with postgresql://app:S3cretPassw0rd@db.prod.internal/app.\"\"\"\n",
            "# e.g. redis://default:S3cretPassw0rd@cache.prod.internal:6379\n",
            "INTERNAL_RESET_SESSION_TOKEN = \"_password_reset_token\"\n",
            "fake_secret_token = \"coneofsilence\"\n",
            "USERS = {\"alice\": {\"hashed_password\": \"fakehashedsecret2\"}}\n",
            "RESPONSE = {\"next_page_token\": \"eyJpbmRleCI6IDExfQ==\"}\n",
            "MSG = \"'models://scope:prefix@databricks/model-name/stage-or-version' is deprecated\"\n",
        ];
        for text in cases {
            assert_eq!(py(text), Vec::<String>::new(), "{text}");
        }
    }
}
