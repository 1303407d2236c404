//! What a secret looks like (RULES.md H4 and H5), shared by `hardcoded-secret` and
//! `secret-in-image`: names that hold secrets, values that are credentials rather than
//! placeholders or key names, and the formats of well-known credentials.
//!
//! Everything here is a pure function of strings; rules decide where the strings come from.
//! Where this module is stricter than RULES.md (to keep false positives out), the function's
//! documentation says so.

use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// The lowercased words of an identifier or key (H4 "word split"): split on every character that
/// is not a letter or digit and on camelCase boundaries, so `apiKey`, `APIKey` and `API_KEY` all
/// give `["api", "key"]`. Digits stay with the letters before them (`oauth2Token` →
/// `["oauth2", "token"]`).
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (index, &ch) in chars.iter().enumerate() {
        if !ch.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if ch.is_uppercase() && !current.is_empty() {
            let previous = chars[index - 1];
            let next_is_lower = chars.get(index + 1).is_some_and(|n| n.is_lowercase());
            // `apiKey`, `v2Token` | `APIKey` (the `K` starts a word when a lowercase follows).
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_is_lower)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.extend(ch.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Words that make a name a secret name on their own.
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "secrets",
    "token",
    "apikey",
    "privatekey",
    "credential",
    "credentials",
];

/// Word pairs that make a name a secret name.
const SECRET_BIGRAMS: &[(&str, &str)] = &[
    ("api", "key"),
    ("access", "key"),
    ("private", "key"),
    ("secret", "key"),
    ("client", "secret"),
    ("signing", "key"),
    ("encryption", "key"),
    ("master", "key"),
    ("auth", "key"),
];

/// A name ending in one of these words names something about a secret, not the secret.
const NON_SECRET_LAST_WORDS: &[&str] = &[
    "name",
    "names",
    "field",
    "fields",
    "header",
    "headers",
    "param",
    "params",
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "filename",
    "dir",
    "type",
    "types",
    "length",
    "len",
    "size",
    "min",
    "max",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "timeout",
    "regex",
    "regexp",
    "pattern",
    "prefix",
    "suffix",
    "label",
    "placeholder",
    "id",
    "count",
    "enabled",
    "required",
    "policy",
    "strength",
    "reset",
    "route",
    "column",
    "env",
    "var",
    "variable",
];

/// Names ending in these word pairs name keys of a store, not cryptographic keys.
const NON_SECRET_LAST_BIGRAMS: &[(&str, &str)] = &[
    ("storage", "key"),
    ("cache", "key"),
    ("header", "key"),
    ("query", "key"),
    ("cookie", "name"),
];

/// A name starting with one of these words is a flag (`isSecret`, `USE_TOKEN`).
const BOOLEAN_PREFIXES: &[&str] = &[
    "is", "has", "should", "use", "enable", "disable", "allow", "require", "show", "hide",
];

/// Words that mark a name as something other than a live credential: a stand-in
/// (`fake_secret_token`, `EXAMPLE_API_KEY`), a one-way hash of a secret (`hashed_password`), or
/// a token of another kind (`next_page_token`, `cancellation_token`). Beyond H4.
const NON_CREDENTIAL_WORDS: &[&str] = &[
    "fake",
    "dummy",
    "example",
    "sample",
    "mock",
    "test",
    "hash",
    "hashed",
    "digest",
    "checksum",
    "fingerprint",
    "page",
    "pagination",
    "continuation",
    "cursor",
    "cancellation",
    "idempotency",
];

/// Frameworks inline variables with these prefixes into public client bundles by design.
const PUBLIC_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "PUBLIC_",
    "NUXT_PUBLIC_",
];

/// Words that make a secret name "strong": a shorter value (6 characters) is enough.
const STRONG_WORDS: &[&str] = &["password", "passwd", "passphrase", "pwd", "secret"];

fn has_secret_word(words: &[String]) -> bool {
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|pair| SECRET_BIGRAMS.contains(&(pair[0].as_str(), pair[1].as_str())))
}

/// `SNC(name)` (H4): whether `name` (an identifier, object key or environment variable name)
/// names a secret: `JWT_SECRET`, `apiKey`, `db.password`, but not `PASSWORD_FIELD`,
/// `TOKEN_STORAGE_KEY`, `isSecret` or `NEXT_PUBLIC_API_KEY`. Stricter than H4: names with a
/// word of [`NON_CREDENTIAL_WORDS`] (`fake_secret_token`, `hashed_password`, `next_page_token`)
/// are not secret names either.
pub fn is_secret_name(name: &str) -> bool {
    if PUBLIC_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return false;
    }
    let words = name_words(name);
    let (Some(first), Some(last)) = (words.first(), words.last()) else {
        return false;
    };
    if !has_secret_word(&words)
        || NON_SECRET_LAST_WORDS.contains(&last.as_str())
        || words
            .iter()
            .any(|w| NON_CREDENTIAL_WORDS.contains(&w.as_str()))
        || BOOLEAN_PREFIXES.contains(&first.as_str())
    {
        return false;
    }
    let ends_in_non_secret_bigram = words.len() >= 2 && {
        let tail = (
            words[words.len() - 2].as_str(),
            words[words.len() - 1].as_str(),
        );
        NON_SECRET_LAST_BIGRAMS.contains(&tail)
    };
    !ends_in_non_secret_bigram
}

/// Whether `name` contains one of the strong secret words (`password`, `secret`, …).
pub fn has_strong_word(name: &str) -> bool {
    name_words(name)
        .iter()
        .any(|w| STRONG_WORDS.contains(&w.as_str()))
}

const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "secret",
    "password",
    "passwd",
    "pass",
    "todo",
    "tbd",
    "dummy",
    "example",
    "sample",
    "placeholder",
    "none",
    "null",
    "undefined",
    "test",
    "testing",
    "fake",
    "mock",
    "redacted",
    "default",
];

/// H4's placeholder shapes, plus a lone `{name}` format field and a bracketed marker
/// (`[Filtered]`, `[REDACTED]`).
static PLACEHOLDER_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(x+|\*+|\.+|-+|_+|0+|1234\d*|abc\w*|your[-_ ].*|my[-_ ].*|<[^>]*>|\$\{[^}]*\}|\{\{.*\}\}|\{\w*\}|\[[^\]]*\]|%\(\w+\)s|\$[A-Z_][A-Z0-9_]*)$",
    )
    .expect("valid regex")
});

/// Fragments that mark a value as a placeholder wherever they appear. `xxxx` and `****` go
/// beyond H4: masked or elided values (`sk_live_xxxx…`) are not credentials either.
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "example",
    "placeholder",
    "changeme",
    "replace",
    "dummy",
    "your_",
    "your-",
    "xxxx",
    "****",
    "fake",
];

/// Values that describe a secret instead of being one: a setting's type (`password: 'string'`),
/// its visibility (`password: 'private'`). Beyond H4.
const DESCRIPTOR_WORDS: &[&str] = &[
    "string",
    "number",
    "boolean",
    "object",
    "array",
    "integer",
    "float",
    "bool",
    "int",
    "str",
    "text",
    "json",
    "private",
    "public",
    "internal",
    "protected",
    "hidden",
    "masked",
    "sensitive",
    "encrypted",
    "optional",
    "required",
    "readonly",
];

/// H4 "placeholder": empty, a well-known stand-in (`changeme`, `<your-key>`, `${API_KEY}`,
/// `xxx`), or a value containing `example`, `replace`, `your_`…. Case-insensitive. Beyond H4:
/// values containing `fake`, `xxxx` or `****`, and words that describe a secret (`string`,
/// `private`, `encrypted`).
pub fn is_placeholder(value: &str) -> bool {
    let lower = value.to_lowercase();
    lower.is_empty()
        || PLACEHOLDER_WORDS.contains(&lower.as_str())
        || DESCRIPTOR_WORDS.contains(&lower.as_str())
        || PLACEHOLDER_SHAPE.is_match(value)
        || PLACEHOLDER_FRAGMENTS.iter().any(|f| lower.contains(f))
}

static SCREAMING_SNAKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$").expect("valid regex"));
static PATH_OR_PLAIN_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(/|\./|\.\./|~/)|^[a-z][a-z0-9+.-]*://[^@]*$|\.(pem|key|crt|cer|json|txt|env|p12)$",
    )
    .expect("valid regex")
});
static KEY_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9]*([_.:|/-][a-z0-9]+)+$").expect("valid regex"));
/// A dotted module or property path: `django.contrib.auth.hashers.PBKDF2PasswordHasher`.
static DOTTED_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z_][A-Za-z0-9_]{0,39}(\.[A-Za-z_][A-Za-z0-9_]{0,39})+$")
        .expect("valid regex")
});
/// One capitalised word: a label (`Passwort`, `Contraseña`), not a password.
static TITLE_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\p{Lu}\p{Ll}+$").expect("valid regex"));

/// Whether `value` is a dotted path with at least two all-lowercase segments (module paths, not
/// JWTs, whose dotted segments are long mixed-case base64).
fn is_dotted_path(value: &str) -> bool {
    DOTTED_PATH.is_match(value)
        && value
            .split('.')
            .filter(|part| part.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .count()
            >= 2
}

/// Letters only, optionally separated: `accessToken`, `X-Api-Key`, `Authorization`.
static WORDS_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z]+([_.:|/-]?[A-Za-z]+)*$").expect("valid regex"));

/// `CVP(name, value)` (H4): whether `value`, assigned to the secret name `name`, looks like a
/// real credential. Not: placeholders, values with whitespace, short values (under 8
/// characters, 6 for strong names), the name itself (`TOKEN = "token"`), environment variable
/// names, paths, credential-free URLs, key names (`auth_token`, `x-api-key`).
///
/// Stricter than H4, to keep false positives out: a value made of letters and separators only
/// whose words include a secret word or `key` is a key name too (`accessToken`,
/// `X-Session-Token`: storage keys and header names; leading `_`, `$`, `@` or `#` ignored), so
/// are dotted module paths (`django.contrib.auth.hashers.PBKDF2PasswordHasher`), a single
/// capitalised word is a label (`Passwort`), a value in `^…$` a regular expression, a
/// value with fewer than four distinct characters (`aaaaaaaa`, `12121212`) is a stand-in, and
/// for names without a strong word (tokens, API keys) a value shorter than 24 characters must
/// contain a digit: generated tokens nearly always do, while titles and modes (`titleToken:
/// "Ghost(Pro)"`) do not.
pub fn is_credential_like(name: &str, value: &str) -> bool {
    if is_placeholder(value) || value.chars().any(char::is_whitespace) {
        return false;
    }
    let strong = has_strong_word(name);
    let length = value.chars().count();
    if length < if strong { 6 } else { 8 } {
        return false;
    }
    if !strong && length < 24 && !value.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    let value_words = name_words(value);
    if value_words == name_words(name) {
        return false;
    }
    let bare = value.trim_start_matches(['_', '$', '@', '#']);
    if SCREAMING_SNAKE.is_match(value)
        || PATH_OR_PLAIN_URL.is_match(value)
        || KEY_NAME.is_match(bare)
        || is_dotted_path(value)
        || TITLE_WORD.is_match(value)
        || (value.starts_with('^') && value.ends_with('$'))
    {
        return false;
    }
    if WORDS_ONLY.is_match(bare)
        && (has_secret_word(&value_words)
            || value_words
                .iter()
                .any(|w| w == "key" || w == "auth" || w == "session"))
    {
        return false;
    }
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len() >= 4
}

/// A well-known credential found in a text (H5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownKey {
    /// What it is, for messages: "AWS access key id", "credentialed URL", …
    pub kind: &'static str,
    /// The byte range of the whole match in the searched text.
    pub range: Range<usize>,
    /// The byte range of the secret part (the whole key; a URL's password; a private key's
    /// body): what output must redact.
    pub secret: Range<usize>,
}

/// One H5 pattern. `body` is the capture group holding the variable part after a fixed prefix:
/// a match whose body is one repeated character is a stand-in.
struct Format {
    kind: &'static str,
    regex: Regex,
    body: usize,
}

fn format(kind: &'static str, pattern: &str) -> Format {
    Format {
        kind,
        regex: Regex::new(pattern).expect("valid regex"),
        body: 1,
    }
}

static FORMATS: LazyLock<Vec<Format>> = LazyLock::new(|| {
    vec![
        format(
            "AWS access key id",
            r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)([A-Z0-9]{16})\b",
        ),
        format("GitHub token", r"\bgh[pousr]_([A-Za-z0-9]{36,})\b"),
        format("GitHub token", r"\bgithub_pat_([A-Za-z0-9_]{60,})\b"),
        format("GitLab token", r"\bglpat-([A-Za-z0-9_-]{20,})\b"),
        format("Slack token", r"\bxox[abprs]-([A-Za-z0-9-]{10,})"),
        format(
            "Stripe secret key",
            r"\b[rs]k_(?:live|test)_([A-Za-z0-9]{16,})\b",
        ),
        format(
            "OpenAI API key",
            r"\bsk-(?:proj|svcacct|admin)-([A-Za-z0-9_-]{40,})",
        ),
        format("OpenAI API key", r"\bsk-([A-Za-z0-9]{48})\b"),
        format(
            "Anthropic API key",
            r"\bsk-ant-[a-z]+\d\d-([A-Za-z0-9_-]{80,})",
        ),
        format("npm token", r"\bnpm_([A-Za-z0-9]{36})\b"),
        format("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc([A-Za-z0-9_-]{50,})"),
        format(
            "SendGrid API key",
            r"\bSG\.([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})\b",
        ),
        format("Google API key", r"\bAIza([0-9A-Za-z_-]{35})\b"),
        format(
            "private key",
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----((?:\\[nr]|\s)*[A-Za-z0-9+/=]{40,})",
        ),
        format("Django secret key", r"^django-insecure-(\S{8,})"),
        Format {
            kind: "credentialed URL",
            regex: Regex::new(r#"\b([a-z][a-z0-9+.-]*)://([^\s/:@'"]+):([^\s/@'"]+)@([^\s/:'"]+)"#)
                .expect("valid regex"),
            body: 3,
        },
    ]
});

/// Text that every match of one of the [`FORMATS`] contains, as written.
pub const KEY_FORMAT_LITERALS: &[&str] = &[
    "AKIA",
    "ASIA",
    "AGPA",
    "AIDA",
    "AROA",
    "AIPA",
    "ANPA",
    "ANVA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxa-",
    "xoxb-",
    "xoxp-",
    "xoxr-",
    "xoxs-",
    "k_live_",
    "k_test_",
    "sk-",
    "npm_",
    "pypi-",
    "SG.",
    "AIza",
    "PRIVATE KEY",
    "django-insecure-",
    "://",
];

/// Cheap test that a text may hold any of the [`FORMATS`]: most strings hold none.
static MAY_HOLD_KEY: LazyLock<Regex> = LazyLock::new(|| {
    let alternatives: Vec<String> = KEY_FORMAT_LITERALS
        .iter()
        .map(|l| regex::escape(l))
        .collect();
    Regex::new(&alternatives.join("|")).expect("valid regex")
});

/// Schemes of network services that take a password in the URL. Beyond H5, which accepts any
/// scheme: application-specific URIs (`models://scope:prefix@databricks/…`) are not logins.
fn is_network_scheme(scheme: &str) -> bool {
    let base = scheme
        .split('+')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase();
    matches!(
        base.as_str(),
        "http"
            | "https"
            | "ftp"
            | "ftps"
            | "sftp"
            | "ssh"
            | "git"
            | "svn"
            | "postgres"
            | "postgresql"
            | "pgsql"
            | "mysql"
            | "mysqlx"
            | "mariadb"
            | "mssql"
            | "sqlserver"
            | "oracle"
            | "cockroachdb"
            | "clickhouse"
            | "snowflake"
            | "db2"
            | "mongodb"
            | "redis"
            | "rediss"
            | "valkey"
            | "memcached"
            | "amqp"
            | "amqps"
            | "mqtt"
            | "mqtts"
            | "nats"
            | "kafka"
            | "stomp"
            | "ldap"
            | "ldaps"
            | "smtp"
            | "smtps"
            | "imap"
            | "imaps"
            | "pop3"
            | "pop3s"
            | "couchdb"
            | "elasticsearch"
            | "neo4j"
            | "bolt"
            | "ws"
            | "wss"
            | "socks5"
            | "socks5h"
            | "socks4"
            | "sentry"
    )
}

/// Hosts a credentialed URL may name without leaking anything: the machine itself, the Docker
/// host, and names reserved for documentation (RFC 2606).
fn is_local_or_example_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let host = host.as_str();
    matches!(
        host,
        "localhost" | "127.0.0.1" | "0.0.0.0" | "host.docker.internal"
    ) || host.starts_with('[')
        || host.ends_with(".localhost")
        || host.ends_with(".example")
        || host.ends_with(".test")
        || host.ends_with(".invalid")
        || host == "example.com"
        || host.ends_with(".example.com")
        || host == "example.org"
        || host.ends_with(".example.org")
        || host == "example.net"
        || host.ends_with(".example.net")
}

/// A URL password that is not a credential: a placeholder, a variable (`$DB_PASS`, `${…}`,
/// `{password}`, `%s`, `%(password)s`), or the user name repeated (`postgres:postgres`,
/// `guest:guest`: a local default, not a secret — stricter than H5).
fn is_stand_in_password(user: &str, password: &str) -> bool {
    is_placeholder(password)
        || password.starts_with('$')
        || password.starts_with('{')
        || password.starts_with('%')
        || password.starts_with('<')
        || password.contains("${")
        || password.eq_ignore_ascii_case(user)
}

/// Every well-known credential in `text` (H5), in order. A match is ignored when it contains
/// `EXAMPLE` (AWS documentation keys), a placeholder fragment (`your-`, `xxxx`, …), or when its
/// variable part is one repeated character. Stricter than H5: a private key header counts only
/// when the key's body follows it (code that parses PEM files names the header alone), a
/// `django-insecure-` prefix only with a key after it, and credentialed URLs only for a host
/// other than loopback and documentation names.
pub fn find_known_keys(text: &str) -> Vec<KnownKey> {
    let mut found: Vec<KnownKey> = Vec::new();
    if !MAY_HOLD_KEY.is_match(text) {
        return found;
    }
    for format in FORMATS.iter() {
        for captures in format.regex.captures_iter(text) {
            let (Some(whole), Some(body)) = (captures.get(0), captures.get(format.body)) else {
                continue;
            };
            let matched = whole.as_str();
            let lower = matched.to_lowercase();
            if matched.contains("EXAMPLE")
                || PLACEHOLDER_FRAGMENTS.iter().any(|f| lower.contains(f))
            {
                continue;
            }
            let mut body_chars = body.as_str().chars().filter(|c| c.is_alphanumeric());
            if let Some(first) = body_chars.next()
                && body_chars.all(|c| c == first)
            {
                continue;
            }
            if format.kind == "credentialed URL" {
                let scheme = captures.get(1).map_or("", |m| m.as_str());
                let user = captures.get(2).map_or("", |m| m.as_str());
                let host = captures.get(4).map_or("", |m| m.as_str());
                if !is_network_scheme(scheme)
                    || is_stand_in_password(user, body.as_str())
                    || is_local_or_example_host(host)
                {
                    continue;
                }
            }
            let secret = match format.kind {
                "credentialed URL" => body.range(),
                // The whole body, up to the end marker, not only its first line.
                "private key" => {
                    let end = text[body.start()..]
                        .find("-----END")
                        .map_or(text.len(), |at| body.start() + at);
                    body.start()..end.max(body.end())
                }
                _ => whole.range(),
            };
            if found
                .iter()
                .any(|k| k.range.start < whole.end() && whole.start() < k.range.end)
            {
                continue;
            }
            found.push(KnownKey {
                kind: format.kind,
                range: whole.range(),
                secret,
            });
        }
    }
    found.sort_by_key(|k| k.range.start);
    found
}

/// The kind of well-known credential `value` holds (`"GitHub token"`, `"private key"`, …), if
/// any: the first match of [`find_known_keys`].
pub fn known_key_format(value: &str) -> Option<&'static str> {
    find_known_keys(value).first().map(|k| k.kind)
}

/// The environment variable a rule's fix reads a secret of this kind from, when nothing in the
/// code names it.
pub fn default_env_name(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS access key id" => "AWS_ACCESS_KEY_ID",
        "GitHub token" => "GITHUB_TOKEN",
        "GitLab token" => "GITLAB_TOKEN",
        "Slack token" => "SLACK_TOKEN",
        "Stripe secret key" => "STRIPE_SECRET_KEY",
        "OpenAI API key" => "OPENAI_API_KEY",
        "Anthropic API key" => "ANTHROPIC_API_KEY",
        "npm token" => "NPM_TOKEN",
        "PyPI token" => "PYPI_TOKEN",
        "SendGrid API key" => "SENDGRID_API_KEY",
        "Google API key" => "GOOGLE_API_KEY",
        "private key" => "PRIVATE_KEY",
        "Django secret key" => "DJANGO_SECRET_KEY",
        "credentialed URL" => "DATABASE_URL",
        _ => return None,
    })
}

/// `name` as an environment variable name: `db.password` → `DB_PASSWORD`, `apiKey` →
/// `API_KEY`.
pub fn env_var_name(name: &str) -> String {
    name_words(name)
        .iter()
        .map(|w| w.to_uppercase())
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_of_every_naming_style() {
        assert_eq!(name_words("apiKey"), ["api", "key"]);
        assert_eq!(name_words("APIKey"), ["api", "key"]);
        assert_eq!(name_words("DB_PASSWORD"), ["db", "password"]);
        assert_eq!(name_words("x-api-key"), ["x", "api", "key"]);
        assert_eq!(name_words("user.password"), ["user", "password"]);
        assert_eq!(name_words("oauth2Token"), ["oauth2", "token"]);
        assert_eq!(name_words("#privateToken"), ["private", "token"]);
        assert_eq!(name_words(""), Vec::<String>::new());
    }

    #[test]
    fn secret_names() {
        for name in [
            "JWT_SECRET",
            "apiKey",
            "api_key",
            "APIKey",
            "password",
            "DB_PASSWORD",
            "clientSecret",
            "AWS_SECRET_ACCESS_KEY",
            "stripeSecretKey",
            "githubToken",
            "privateKey",
            "SECRET_KEY",
            "credentials",
            "x-api-key",
            "apikey",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PASSWORD_FIELD",
            "passwordField",
            "TOKEN_HEADER",
            "TOKEN_STORAGE_KEY",
            "tokenCacheKey",
            "isSecret",
            "useToken",
            "NEXT_PUBLIC_API_KEY",
            "VITE_API_KEY",
            "PASSWORD_MIN_LENGTH",
            "tokenUrl",
            "SECRET_KEY_FILE",
            "password_reset",
            "tokenizer",
            "fake_secret_token",
            "hashed_password",
            "next_page_token",
            "passwordHash",
            "key",
            "username",
            "",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn placeholders() {
        for value in [
            "",
            "changeme",
            "CHANGEME",
            "xxx",
            "****",
            "<your-key>",
            "${API_KEY}",
            "{{ secret }}",
            "%(password)s",
            "$API_KEY",
            "your-api-key-here",
            "my_secret",
            "replace-with-real-key",
            "sk_live_xxxxxxxx",
            "abc123",
            "12345678",
            "{password}",
            "secret",
            "test",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        for value in ["a9f8e7d6c5b4a3928171", "hunter22", "Pr0d-Passw0rd!"] {
            assert!(!is_placeholder(value), "{value}");
        }
    }

    #[test]
    fn credential_like_values() {
        assert!(is_credential_like("JWT_SECRET", "a9f8e7d6c5b4a3928171"));
        assert!(is_credential_like("password", "Pr0d-Passw0rd!"));
        assert!(is_credential_like("password", "hunter22"));
        assert!(is_credential_like("api_key", "9d8c7b6a5f4e3d2c1b0a"));
        // Short values: 6 characters are enough for strong names only.
        assert!(is_credential_like("password", "s3cr3t"));
        let jwt =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmb28ifQ.NnExK_dlNAYyzACrXtXDrcWOgGY2";
        assert!(is_credential_like("token", jwt));
        assert!(!is_credential_like("token", "s3cr3t"));
        for (name, value) in [
            ("TOKEN_KEY", "auth_token"),
            ("TOKEN_KEY", "accessToken"),
            ("TOKEN_KEY", "x-api-key"),
            ("PASSWORD", "user.password"),
            ("TOKEN", "token"),
            ("API_KEY", "API_KEY"),
            ("apiKey", "STRIPE_API_KEY"),
            ("secret", "/run/secrets/app"),
            ("secret", "./secret.pem"),
            ("keyFile", "server.key"),
            ("tokenEndpoint", "https://auth.example.org/token"),
            ("password", "has space in it"),
            ("password", "aaaaaaaa"),
            ("password", "your-password"),
            ("INTERNAL_RESET_SESSION_TOKEN", "_password_reset_token"),
            ("titleToken", "Ghost(Pro)"),
            ("admin_session_secret", "string"),
            ("password", "private"),
            ("api_key", "abcdefghijklmnop"),
            ("password", "[Filtered]"),
            (
                "DEFAULT_PASSWORD_HASHER",
                "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            ),
            ("password", "Passwort"),
            ("PASSWORD_RULE", "^(?=.*[A-Z])(?=.*\\d).{8,}$"),
        ] {
            assert!(!is_credential_like(name, value), "{name} = {value}");
        }
    }

    fn kinds(text: &str) -> Vec<&'static str> {
        find_known_keys(text).iter().map(|k| k.kind).collect()
    }

    #[test]
    fn known_key_formats() {
        assert_eq!(
            known_key_format("AKIAZ7Q3XK5W2M9TR4HB"),
            Some("AWS access key id")
        );
        assert_eq!(
            known_key_format("ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex"),
            Some("GitHub token")
        );
        assert_eq!(
            known_key_format("glpat-Ab3dEf6hIj9kLm2nOp5q"),
            Some("GitLab token")
        );
        assert_eq!(
            known_key_format("xoxb-1234567890-abcdefghij"),
            Some("Slack token")
        );
        assert_eq!(
            known_key_format("sk_live_51Hq3xGQk2n8vLmP0aZbYcXwVuTs"),
            Some("Stripe secret key")
        );
        assert_eq!(
            known_key_format(&format!("sk-proj-{}", "aB3".repeat(15))),
            Some("OpenAI API key")
        );
        assert_eq!(
            known_key_format(&format!("sk-ant-api03-{}", "xY9_".repeat(21))),
            Some("Anthropic API key")
        );
        assert_eq!(
            known_key_format("npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
            Some("npm token")
        );
        assert_eq!(
            known_key_format(&format!(
                "SG.{}.{}",
                "a1B2c3D4e5F6g7H8i9J0k1",
                "Z9".repeat(21) + "x"
            )),
            Some("SendGrid API key")
        );
        assert_eq!(
            known_key_format("AIzaSyB-1x2Y3z4A5b6C7d8E9f0G1h2I3j4K5l6"),
            Some("Google API key")
        );
        assert_eq!(
            known_key_format("django-insecure-7h#k2$9x!q@w3e4r5t6y7u8i9o0p"),
            Some("Django secret key")
        );
        let pem = format!(
            "-----BEGIN RSA PRIVATE KEY-----\\n{}\\n-----END RSA PRIVATE KEY-----",
            "MIIEowIBAAKCAQEA1x2Y3z4".repeat(3)
        );
        assert_eq!(known_key_format(&pem), Some("private key"));
        assert_eq!(
            known_key_format("postgresql://app:S3cretPassw0rd@db.prod.internal:5432/app"),
            Some("credentialed URL")
        );
    }

    #[test]
    fn stand_ins_are_not_known_keys() {
        for text in [
            "AKIAIOSFODNN7EXAMPLE",
            "AKIAXXXXXXXXXXXXXXXX",
            "sk_live_0000000000000000",
            "pk_live_51Hq3xGQk2n8vLmP0aZbYcXwVu",
            "xoxb-your-token-here",
            "-----BEGIN PRIVATE KEY-----",
            "if (pem.startsWith('-----BEGIN RSA PRIVATE KEY-----')) {",
            "django-insecure-",
            "postgresql://postgres:postgres@localhost:5432/app",
            "postgresql://app:secret@db:5432/app",
            "postgresql://app:${DB_PASSWORD}@db:5432/app",
            "postgresql://app:{password}@db:5432/app",
            "mysql://user:%s@db/app",
            "https://user:S3cretPassw0rd@example.com/",
            "redis://guest:guest@rabbit:5672",
            "https://github.com/acme/lib.git",
            "sk-not-a-key",
            "'models://scope:prefix@databricks/model-name/stage-or-version', is deprecated",
        ] {
            assert_eq!(kinds(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn known_keys_report_the_secret_part() {
        let text = "see postgresql://app:S3cretPassw0rd@db.prod.internal/app";
        let keys = find_known_keys(text);
        assert_eq!(keys.len(), 1);
        assert_eq!(&text[keys[0].secret.clone()], "S3cretPassw0rd");
        let text = "token ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex here";
        let keys = find_known_keys(text);
        assert_eq!(
            &text[keys[0].secret.clone()],
            "ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex"
        );
    }

    #[test]
    fn env_var_names() {
        assert_eq!(env_var_name("db.password"), "DB_PASSWORD");
        assert_eq!(env_var_name("apiKey"), "API_KEY");
        assert_eq!(env_var_name("JWT_SECRET"), "JWT_SECRET");
    }
}
