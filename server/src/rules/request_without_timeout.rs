use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity, Waiver};
use crate::engine::{Captures, FileContext};
use preflight_grammars::LanguageFamily;
use tree_sitter::Node;

/// The HTTP clients the rule knows, by module name (`axios`, `got`, `node-fetch`, Node's
/// `http`/`https` as a quoted specifier; `requests`, `httpx`) or by the function's own name
/// (`urlopen`, `HTTPConnection`, the global `fetch` under `include-fetch`, which also covers
/// `node-fetch`).
const TRIGGERS: Triggers = Triggers {
    ecma: Words::exact(&[
        "axios",
        "got",
        "fetch",
        "'http",
        "\"http",
        "`http",
        "node:http",
    ]),
    python: Words::exact(&[
        "requests",
        "httpx",
        "urlopen",
        "HTTPConnection",
        "HTTPSConnection",
    ]),
};

declare_rule! {
    /// ## What it does
    /// Flags outgoing HTTP requests that can wait forever for an answer.
    ///
    /// Python: `requests.get/post/put/patch/delete/head/options/request(...)` and the same
    /// methods of a `requests.Session()` without `timeout=` (requests has no default timeout);
    /// `urllib.request.urlopen(...)` and `http.client.HTTPConnection(...)`/`HTTPSConnection(...)`
    /// without a timeout; and any call that passes `timeout=None` to requests or httpx (httpx
    /// otherwise defaults to 5 seconds, so plain `httpx.get(url)` is fine).
    ///
    /// TypeScript/JavaScript: `axios(...)`, `axios.get(...)` & co. and `axios.create(...)` whose
    /// config sets no `timeout` (or `timeout: 0`), unless a file of the project (tests
    /// aside) sets `axios.defaults.timeout`; instances made by `axios.create({ timeout })` are not flagged,
    /// their `create` call is; `got(...)` without `timeout`; `node-fetch` without `signal` or
    /// `timeout`; `http(s).request`/`http(s).get` without `timeout` (or `signal`) whose request is
    /// not given one with `.setTimeout(...)`. Global `fetch` is not flagged unless
    /// `include-fetch` is set (see Options): Node's built-in client applies its own header and
    /// body timeouts, and browsers cancel requests when the page goes away.
    ///
    /// Only calls of the real libraries count (a local function named `get` is not requests).
    /// Calls that pass `**kwargs`, a spread config, or a config the rule cannot see are not
    /// flagged, nor are scripts and command-line tools, which a person can interrupt.
    ///
    /// ## Why is this bad?
    /// An upstream that accepts the connection but never answers holds the request open until
    /// the process is restarted. Each hung request ties up a worker, a thread or a slot of the
    /// connection pool, until the whole service stalls behind one slow dependency.
    ///
    /// ## Example
    /// ```python
    /// import requests
    ///
    /// def fetch_rates():
    ///     return requests.get("https://api.rates.example/latest").json()
    /// ```
    /// ```ts
    /// import axios from 'axios';
    /// const { data } = await axios.get(`${BASE}/users/${id}`);
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// def fetch_rates():
    ///     return requests.get("https://api.rates.example/latest", timeout=10).json()
    /// ```
    /// ```ts
    /// const { data } = await axios.get(`${BASE}/users/${id}`, { timeout: 10_000 });
    /// ```
    ///
    /// ## Fix safety
    /// The fix is unsafe: a timeout makes slow but valid calls fail. With the default of 10
    /// seconds (see Options) it adds `timeout=10`
    /// (Python, or replaces `None` by `10`), `{ timeout: 10_000 }` (axios, http), `timeout:
    /// { request: 10_000 }` (got) or `signal: AbortSignal.timeout(10_000)` (node-fetch).
    ///
    /// ## Options
    /// ```toml
    /// [rules.request-without-timeout]
    /// include-fetch = true            # also flag global fetch() without a `signal`
    /// default-timeout-seconds = 30    # what the fixes insert (JS: in milliseconds, 30_000)
    /// ```
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: request-without-timeout` (Python) or
    /// `// preflight-ignore: request-without-timeout` (TS/JS) on the line above, or turn the rule
    /// off with `[rules] request-without-timeout = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "request-without-timeout",
        summary: "HTTP request without a timeout",
        category: Category::Reliability,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Matches(check, TRIGGERS),
    };
}

const FIX_TITLE: &str = "Add a timeout";

fn missing_message(callee: &str) -> String {
    format!(
        "`{callee}` is called without a timeout; a slow or hung upstream blocks this request \
         indefinitely."
    )
}

fn none_message(callee: &str) -> String {
    format!("`timeout=None` disables the timeout of `{callee}`.")
}

const AXIOS_MESSAGE: &str = "axios has no timeout by default (`timeout: 0`); set `timeout` here \
                             or via `axios.defaults.timeout`.";

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    // Scripts and command-line tools run under a person who can interrupt them.
    if cx.class().script {
        return;
    }
    let (Some(call), Some(function), Some(args)) = (
        m.get("timeout.call"),
        m.get("timeout.function"),
        m.get("timeout.args"),
    ) else {
        return;
    };
    match cx.language().family() {
        LanguageFamily::Ecma => ecma::check(cx, call, function, args, out),
        LanguageFamily::Python => python::check(cx, function, args, out),
        LanguageFamily::Dockerfile => {}
    }
}

/// Named children that are not comments.
fn code_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| child.kind() != "comment")
        .collect()
}

mod python {
    //! requests, `requests.Session`, httpx, urllib and http.client.

    use super::*;
    use crate::lang::python::{callee_path, keyword_argument, positional_arguments};
    use crate::lang::{ancestor_of_kind, python::SCOPE_KINDS, python::resolve_assignment};

    /// Request methods of `requests` and of a `Session`.
    const METHODS: &[&str] = &[
        "get", "post", "put", "patch", "delete", "head", "options", "request",
    ];

    /// Calls of httpx that accept a `timeout`.
    const HTTPX_CALLS: &[&str] = &[
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "request",
        "stream",
        "Client",
        "AsyncClient",
    ];

    const SESSION_FACTORIES: &[&str] = &[
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
    ];

    /// What a call is, as far as timeouts go.
    enum Kind {
        /// No default timeout: a call without `timeout=` hangs (requests, urllib, http.client).
        /// Calls with at least `positional_limit` positional arguments may pass it positionally.
        NoDefault { positional_limit: usize },
        /// A default timeout that only an explicit `timeout=None` removes (httpx).
        Default,
    }

    pub(super) fn check(
        cx: &FileContext<'_>,
        function: Node<'_>,
        args: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let text = cx.text();
        let Some(path) = callee_path(function, text) else {
            return;
        };
        let Some(kind) = classify(cx, function, &path) else {
            return;
        };
        let callee = cx.node_text(function);
        if let Some(timeout) = keyword_argument(args, "timeout", text) {
            if timeout.kind() == "none" {
                let keyword = timeout.parent().unwrap_or(timeout);
                let seconds = cx.options().timeout_seconds_literal();
                let fix = Edit::replace(timeout.byte_range(), seconds);
                out.push(
                    RULE.finding(keyword.byte_range(), none_message(callee))
                        .with_fix(Fix::unsafe_(FIX_TITLE, vec![fix])),
                );
            }
            return;
        }
        let Kind::NoDefault { positional_limit } = kind else {
            return;
        };
        let children = code_children(args);
        // `**kwargs` or `*args` may carry the timeout: unknowable, not flagged.
        if children
            .iter()
            .any(|a| matches!(a.kind(), "dictionary_splat" | "list_splat"))
            || positional_arguments(args).len() >= positional_limit
        {
            return;
        }
        let addition = format!("timeout={}", cx.options().timeout_seconds_literal());
        let edit = match children.last() {
            Some(last) => Edit::insert(last.end_byte(), format!(", {addition}")),
            None => Edit::insert(args.start_byte() + 1, addition),
        };
        out.push(
            RULE.finding(function.byte_range(), missing_message(callee))
                .with_fix(Fix::unsafe_(FIX_TITLE, vec![edit])),
        );
    }

    fn classify(cx: &FileContext<'_>, function: Node<'_>, path: &str) -> Option<Kind> {
        // Unimported heads keep their name: only the session case below may accept them.
        let canonical = imported(cx, path).unwrap_or_else(|| format!("?{path}"));
        let (receiver, method) = canonical.rsplit_once('.')?;
        let no_default = |positional_limit| Some(Kind::NoDefault { positional_limit });
        match (receiver, method) {
            // `timeout` is keyword-only in the module functions.
            ("requests" | "requests.api", m) if METHODS.contains(&m) => no_default(usize::MAX),
            ("httpx", m) if HTTPX_CALLS.contains(&m) => Some(Kind::Default),
            // `urlopen(url, data=None, timeout=…)`, `HTTPConnection(host, port=None, timeout=…)`.
            ("urllib.request", "urlopen")
            | ("http.client", "HTTPConnection" | "HTTPSConnection") => no_default(3),
            (_, m) if METHODS.contains(&m) => {
                let object = function.child_by_field_name("object")?;
                if !is_session(cx, object) {
                    return None;
                }
                // `Session.request(method, url, params, data, headers, cookies, files, auth,
                // timeout, …)`; the other methods take it as a keyword.
                no_default(if m == "request" { 9 } else { usize::MAX })
            }
            _ => None,
        }
    }

    /// Whether `object` is a `requests.Session()`: the call itself, or a name bound to one by a
    /// single assignment (RULES.md H3) or by `with requests.Session() as s:`, whose session is
    /// not given an adapter or a wrapped `request` (which may set the timeout).
    fn is_session(cx: &FileContext<'_>, object: Node<'_>) -> bool {
        let text = cx.text();
        match object.kind() {
            "call" => is_session_factory(cx, object),
            "identifier" => {
                let name = cx.node_text(object);
                let bound = resolve_assignment(object, text)
                    .is_some_and(|value| is_session_factory(cx, value))
                    || with_alias_session(cx, object, name);
                bound && !configured_elsewhere(cx, object, name)
            }
            _ => false,
        }
    }

    /// The canonical callee of `path` when its first name is imported (`requests.get` only
    /// means requests after `import requests`).
    fn imported(cx: &FileContext<'_>, path: &str) -> Option<String> {
        let head = path.split(['.', '(']).next()?;
        cx.bindings().get(head)?;
        Some(cx.bindings().canonical(path))
    }

    fn is_session_factory(cx: &FileContext<'_>, value: Node<'_>) -> bool {
        value.kind() == "call"
            && value
                .child_by_field_name("function")
                .and_then(|f| callee_path(f, cx.text()))
                .and_then(|path| imported(cx, &path))
                .is_some_and(|c| SESSION_FACTORIES.contains(&c.as_str()))
    }

    /// `with requests.Session() as name:` around `at`.
    fn with_alias_session(cx: &FileContext<'_>, at: Node<'_>, name: &str) -> bool {
        let mut current = at.parent();
        while let Some(node) = current {
            if SCOPE_KINDS.contains(&node.kind()) {
                return false;
            }
            if node.kind() == "with_statement" {
                let found = node
                    .named_children(&mut node.walk())
                    .filter(|c| c.kind() == "with_clause")
                    .flat_map(|clause| code_children(clause))
                    .filter_map(|item| item.child_by_field_name("value"))
                    .filter(|value| value.kind() == "as_pattern")
                    .any(|pattern| {
                        let alias = pattern
                            .child_by_field_name("alias")
                            .and_then(|target| target.named_child(0));
                        let value = pattern.named_child(0);
                        alias.is_some_and(|a| a.kind() == "identifier" && cx.node_text(a) == name)
                            && value.is_some_and(|v| is_session_factory(cx, v))
                    });
                if found {
                    return true;
                }
            }
            current = node.parent();
        }
        false
    }

    /// `s.mount("https://", TimeoutAdapter(...))` or `s.request = partial(s.request, timeout=…)`
    /// in the session's scope: the session may well have a timeout.
    fn configured_elsewhere(cx: &FileContext<'_>, at: Node<'_>, name: &str) -> bool {
        let scope = ancestor_of_kind(at, SCOPE_KINDS).unwrap_or_else(|| {
            let mut root = at;
            while let Some(parent) = root.parent() {
                root = parent;
            }
            root
        });
        let body = cx.node_text(scope);
        [".mount(", ".request =", ".send ="]
            .iter()
            .any(|suffix| body.contains(&format!("{name}{suffix}")))
    }
}

mod ecma {
    //! axios, got, node-fetch and Node's http/https.

    use super::*;
    use crate::lang::ecma::{
        FUNCTION_KINDS, callee_path, declares_name as declares, enclosing_function, property_key,
        resolve_const, unwrap_expression,
    };

    /// The pairs the fixes add, with the configured timeout in milliseconds.
    fn axios_timeout(cx: &FileContext<'_>) -> String {
        format!("timeout: {}", cx.options().timeout_millis_literal())
    }

    fn got_timeout(cx: &FileContext<'_>) -> String {
        format!(
            "timeout: {{ request: {} }}",
            cx.options().timeout_millis_literal()
        )
    }

    fn fetch_signal(cx: &FileContext<'_>) -> String {
        format!(
            "signal: AbortSignal.timeout({})",
            cx.options().timeout_millis_literal()
        )
    }

    /// What an options argument is.
    enum Config<'t> {
        /// Not passed (or `undefined`/`null`, the node given when written out).
        Absent(Option<Node<'t>>),
        /// An object literal, written here or one `const` away.
        Object(Node<'t>),
        /// Something the rule cannot see into.
        Unknown,
    }

    pub(super) fn check(
        cx: &FileContext<'_>,
        call: Node<'_>,
        function: Node<'_>,
        args: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let text = cx.text();
        let Some(path) = callee_path(function, text) else {
            return;
        };
        let canonical = cx.bindings().canonical(&path);
        let arguments = code_children(args);
        if arguments.iter().any(|a| a.kind() == "spread_element") {
            return;
        }
        let callee = cx.node_text(function);
        if let Some(rest) = canonical.strip_prefix("axios#default") {
            axios(cx, function, args, &arguments, rest, out);
        } else if let Some(rest) = canonical.strip_prefix("got#default") {
            if !matches!(
                rest,
                "" | ".get" | ".post" | ".put" | ".patch" | ".delete" | ".head"
            ) {
                return;
            }
            let index = usize::from(!is_object(cx, arguments.first().copied()));
            let config = config_at(cx, &arguments, index);
            report(
                cx,
                function,
                args,
                &arguments,
                config,
                &["timeout", "signal"],
                &got_timeout(cx),
                &missing_message(callee),
                out,
            );
        } else if canonical == "node-fetch#default"
            // The global `fetch` (not imported, not declared in this file): only on request.
            || (canonical == "fetch"
                && cx.options().include_fetch
                && !declares(cx.tree().root_node(), text, "fetch"))
        {
            // node-fetch 2 also takes a `timeout` option; the global one only a signal.
            let keys: &[&str] = if canonical == "fetch" {
                &["signal"]
            } else {
                &["signal", "timeout"]
            };
            let config = config_at(cx, &arguments, 1);
            report(
                cx,
                function,
                args,
                &arguments,
                config,
                keys,
                &fetch_signal(cx),
                &missing_message(callee),
                out,
            );
        } else if is_node_http(&canonical) {
            node_http(cx, call, function, args, &arguments, out);
        }
    }

    fn is_node_http(canonical: &str) -> bool {
        let Some((module, rest)) = canonical.split_once('#') else {
            return false;
        };
        matches!(module, "http" | "https")
            && matches!(
                rest,
                "default.request" | "default.get" | "*.request" | "*.get" | "request" | "get"
            )
    }

    fn axios(
        cx: &FileContext<'_>,
        function: Node<'_>,
        args: Node<'_>,
        arguments: &[Node<'_>],
        rest: &str,
        out: &mut Vec<Finding>,
    ) {
        let index = match rest {
            // `axios(config)` or `axios(url, config?)`.
            "" => match arguments.first() {
                None => return,
                Some(&first) if is_object(cx, Some(first)) => 0,
                Some(&first) if is_url(cx, first) || arguments.len() >= 2 => 1,
                Some(_) => return,
            },
            ".request" | ".create" => 0,
            ".get" | ".delete" | ".head" | ".options" => 1,
            ".post" | ".put" | ".patch" | ".postForm" | ".putForm" | ".patchForm" => 2,
            _ => return,
        };
        if sets_axios_default_timeout(cx) {
            return;
        }
        let config = config_at(cx, arguments, index);
        let mut found = Vec::new();
        report(
            cx,
            function,
            args,
            arguments,
            config,
            &["timeout"],
            &axios_timeout(cx),
            AXIOS_MESSAGE,
            &mut found,
        );
        out.extend(
            found
                .into_iter()
                .map(|finding| finding.waived_by(Waiver::AxiosDefaultTimeout)),
        );
    }

    /// `axios.defaults.timeout = <non-zero>` in this file. Elsewhere in the project, it is the
    /// project's fact that waives the finding.
    fn sets_axios_default_timeout(cx: &FileContext<'_>) -> bool {
        cx.text().contains("defaults.timeout")
            && crate::lang::any_node(cx.tree().root_node(), |node, _| {
                node.kind() == "assignment_expression"
                    && crate::project::facts::sets_axios_default_timeout(cx, node)
            })
    }

    /// `http.request(url?, options?, callback?)`, `http.get(...)`.
    fn node_http(
        cx: &FileContext<'_>,
        call: Node<'_>,
        function: Node<'_>,
        args: Node<'_>,
        arguments: &[Node<'_>],
        out: &mut Vec<Finding>,
    ) {
        let Some(&first) = arguments.first() else {
            return;
        };
        let config = if is_object(cx, Some(first)) {
            config_at(cx, arguments, 0)
        } else if is_url(cx, first) {
            match arguments.get(1).map(|a| unwrap_expression(*a)) {
                Some(second) if FUNCTION_KINDS.contains(&second.kind()) => Config::Absent(None),
                // One argument after the URL that may be the callback or the options.
                Some(second) if second.kind() == "identifier" && !is_object(cx, Some(second)) => {
                    return;
                }
                _ => config_at(cx, arguments, 1),
            }
        } else {
            return;
        };
        if given_timeout_later(cx, call) {
            return;
        }
        let callee = cx.node_text(function);
        // Without options, they go right after the URL, before any callback.
        let config = match config {
            Config::Absent(None) => {
                let pair = axios_timeout(cx);
                let edit = Edit::insert(first.end_byte(), format!(", {{ {pair} }}"));
                out.push(
                    RULE.finding(function.byte_range(), missing_message(callee))
                        .with_fix(Fix::unsafe_(FIX_TITLE, vec![edit])),
                );
                return;
            }
            other => other,
        };
        report(
            cx,
            function,
            args,
            arguments,
            config,
            &["timeout", "signal"],
            &axios_timeout(cx),
            &missing_message(callee),
            out,
        );
    }

    /// `http.get(...).setTimeout(…)`, or `const req = http.request(…)` followed by
    /// `req.setTimeout(…)` in the same function.
    fn given_timeout_later(cx: &FileContext<'_>, call: Node<'_>) -> bool {
        let mut outer = call;
        while let Some(parent) = outer.parent() {
            if matches!(
                parent.kind(),
                "parenthesized_expression" | "await_expression" | "as_expression"
            ) {
                outer = parent;
            } else {
                break;
            }
        }
        let Some(parent) = outer.parent() else {
            return false;
        };
        match parent.kind() {
            "member_expression" => parent
                .child_by_field_name("property")
                .is_some_and(|p| cx.node_text(p) == "setTimeout"),
            "variable_declarator" | "assignment_expression" => {
                let name = parent
                    .child_by_field_name("name")
                    .or_else(|| parent.child_by_field_name("left"));
                let Some(name) = name.filter(|n| n.kind() == "identifier") else {
                    return false;
                };
                let scope = enclosing_function(call).unwrap_or_else(|| cx.tree().root_node());
                cx.node_text(scope)
                    .contains(&format!("{}.setTimeout(", cx.node_text(name)))
            }
            _ => false,
        }
    }

    /// Whether `node` is (or is a `const` bound to) an object literal.
    fn is_object(cx: &FileContext<'_>, node: Option<Node<'_>>) -> bool {
        matches!(node.map(|n| config_of(cx, n)), Some(Config::Object(_)))
    }

    /// A URL: a string, a template, a concatenation, `new URL(…)`, or a name that says so.
    fn is_url(cx: &FileContext<'_>, node: Node<'_>) -> bool {
        let node = unwrap_expression(node);
        match node.kind() {
            "string" | "template_string" | "binary_expression" => true,
            "new_expression" => node
                .child_by_field_name("constructor")
                .is_some_and(|c| cx.node_text(c) == "URL"),
            "identifier" => match resolve_const(node, cx.text()) {
                Some(value) => is_url(cx, value),
                None => is_url_name(cx.node_text(node)),
            },
            "member_expression" => node
                .child_by_field_name("property")
                .is_some_and(|p| is_url_name(cx.node_text(p))),
            _ => false,
        }
    }

    fn is_url_name(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        ["url", "uri", "href", "endpoint", "link"]
            .iter()
            .any(|suffix| lower.ends_with(suffix))
    }

    fn config_at<'t>(cx: &FileContext<'_>, arguments: &[Node<'t>], index: usize) -> Config<'t> {
        match arguments.get(index) {
            None => Config::Absent(None),
            Some(&node) => config_of(cx, node),
        }
    }

    fn config_of<'t>(cx: &FileContext<'_>, node: Node<'t>) -> Config<'t> {
        let written = unwrap_expression(node);
        match written.kind() {
            "object" => Config::Object(written),
            "undefined" | "null" => Config::Absent(Some(node)),
            "identifier" if cx.node_text(written) == "undefined" => Config::Absent(Some(node)),
            "identifier" => match resolve_const(written, cx.text()).map(unwrap_expression) {
                Some(value) if value.kind() == "object" && !value.has_error() => {
                    Config::Object(value)
                }
                _ => Config::Unknown,
            },
            _ => Config::Unknown,
        }
    }

    /// Reports a call whose `config` lacks every one of `keys` (or sets `timeout: 0`), with a
    /// fix adding `pair`.
    #[allow(clippy::too_many_arguments)]
    fn report(
        cx: &FileContext<'_>,
        function: Node<'_>,
        args: Node<'_>,
        arguments: &[Node<'_>],
        config: Config<'_>,
        keys: &[&str],
        pair: &str,
        message: &str,
        out: &mut Vec<Finding>,
    ) {
        let object = format!("{{ {pair} }}");
        let edit = match config {
            Config::Unknown => return,
            Config::Absent(Some(written)) => Some(Edit::replace(written.byte_range(), object)),
            Config::Absent(None) => absent_edit(cx, function, args, arguments, &object),
            Config::Object(object) => {
                let entries = code_children(object);
                if entries.iter().any(|e| {
                    e.kind() != "pair"
                        && e.kind() != "shorthand_property_identifier"
                        && e.kind() != "method_definition"
                }) {
                    return; // `...defaults`: may carry the timeout.
                }
                let mut zero = None;
                for entry in &entries {
                    let key = match entry.kind() {
                        "pair" => entry
                            .child_by_field_name("key")
                            .and_then(|k| property_key(k, cx.text())),
                        _ => Some(cx.node_text(*entry).to_string()),
                    };
                    if !key.as_deref().is_some_and(|k| keys.contains(&k)) {
                        continue;
                    }
                    let value = entry.child_by_field_name("value").map(unwrap_expression);
                    match value {
                        Some(v) if v.kind() == "number" && is_zero(cx.node_text(v)) => {
                            zero = Some(v);
                        }
                        _ => return,
                    }
                }
                match zero {
                    Some(value) => Some(Edit::replace(
                        value.byte_range(),
                        cx.options().timeout_millis_literal(),
                    )),
                    None => Some(insert_first_pair(
                        cx,
                        object,
                        entries.first().copied(),
                        pair,
                    )),
                }
            }
        };
        let mut finding = RULE.finding(function.byte_range(), message);
        if let Some(edit) = edit {
            finding = finding.with_fix(Fix::unsafe_(FIX_TITLE, vec![edit]));
        }
        out.push(finding);
    }

    fn is_zero(number: &str) -> bool {
        number.chars().all(|c| matches!(c, '0' | '_' | '.'))
    }

    /// Where a missing options argument goes: axios's position depends on the method.
    fn absent_edit(
        cx: &FileContext<'_>,
        function: Node<'_>,
        args: Node<'_>,
        arguments: &[Node<'_>],
        object: &str,
    ) -> Option<Edit> {
        let method = match function.kind() {
            "member_expression" => function
                .child_by_field_name("property")
                .map(|p| cx.node_text(p))
                .unwrap_or_default(),
            _ => "",
        };
        let with_data = matches!(
            method,
            "post" | "put" | "patch" | "postForm" | "putForm" | "patchForm"
        ) && cx
            .bindings()
            .canonical(&callee_path(function, cx.text())?)
            .starts_with("axios#default.");
        match (arguments, with_data) {
            ([], _) if matches!(method, "create" | "request") => {
                Some(Edit::insert(args.start_byte() + 1, object.to_string()))
            }
            ([], _) => None,
            ([url], true) => Some(Edit::insert(
                url.end_byte(),
                format!(", undefined, {object}"),
            )),
            ([.., last], _) => Some(Edit::insert(last.end_byte(), format!(", {object}"))),
        }
    }

    /// Inserts `pair` as the first entry of `object`, on its own line when entries are.
    fn insert_first_pair(
        cx: &FileContext<'_>,
        object: Node<'_>,
        first: Option<Node<'_>>,
        pair: &str,
    ) -> Edit {
        let Some(first) = first else {
            return Edit::replace(object.byte_range(), format!("{{ {pair} }}"));
        };
        let text = cx.text();
        if first.start_position().row == object.start_position().row {
            return Edit::insert(first.start_byte(), format!("{pair}, "));
        }
        let line_start = text[..first.start_byte()].rfind('\n').map_or(0, |i| i + 1);
        let indent = &text[line_start..first.start_byte()];
        let indent: String = indent.chars().take_while(|c| c.is_whitespace()).collect();
        Edit::insert(first.start_byte(), format!("{pair},\n{indent}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::FixSafety;
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "request-without-timeout";

    /// The unsafe fix applied, checked to parse cleanly.
    fn fix(path: &str, text: &str) -> String {
        let findings = check(ID, path, text);
        assert!(!findings.is_empty(), "no finding in {text}");
        let result = fixed(text, &findings, FixSafety::Unsafe);
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        let tree = parser.parse(&result, None).unwrap();
        assert!(
            !tree.root_node().has_error(),
            "fix broke the syntax:\n{result}"
        );
        result
    }

    fn py(text: &str) -> Vec<String> {
        let findings = check(ID, "app/client.py", text);
        spans(text, &findings)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    fn ts(text: &str) -> Vec<String> {
        let findings = check(ID, "src/client.ts", text);
        spans(text, &findings)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn flags_requests_without_timeout() {
        assert_eq!(
            py("import requests\ndef f():\n    return requests.get(\"https://x\").json()\n"),
            ["requests.get"]
        );
        assert_eq!(
            py("from requests import post as send\nsend(url, json=body)\n"),
            ["send"]
        );
        assert_eq!(
            py("import requests\nrequests.request('GET', url, timeout=None)\n"),
            ["timeout=None"]
        );
        let findings = check(ID, "app/a.py", "import requests\nrequests.get(url)\n");
        assert_eq!(
            findings[0].message,
            "`requests.get` is called without a timeout; a slow or hung upstream blocks this \
             request indefinitely."
        );
    }

    #[test]
    fn requests_near_misses() {
        let text = "import requests\nrequests.get(url, timeout=5)\nrequests.get(url, **kw)\n\
                    requests.get(url, timeout=t)\nrequests.get(*args)\n\
                    def get(u):\n    return u\nget(url)\nrequests.Response()\n";
        assert!(py(text).is_empty());
        // Not the library: a local `requests` object, an unrelated `get`.
        assert!(py("requests.get(url)\ncache.get(key)\n").is_empty());
        assert!(py("from .http import requests\nrequests.get(url)\n").is_empty());
    }

    #[test]
    fn sessions_bound_by_assignment_or_with() {
        let text = "import requests\nsession = requests.Session()\nresp = session.post(url, json=payload)\n\
                    with requests.session() as s:\n    s.get(url)\n    s.get(url, timeout=3)\n\
                    requests.Session().get(url)\n";
        assert_eq!(
            py(text),
            ["session.post", "s.get", "requests.Session().get"]
        );
        // An adapter or a wrapped `request` may set the timeout; other objects are not sessions.
        let text = "import requests\ns = requests.Session()\ns.mount('https://', TimeoutAdapter())\n\
                    s.get(url)\nt = Other()\nt.get(url)\n";
        assert!(py(text).is_empty());
        // Two assignments: not one hop.
        let text = "import requests\ns = requests.Session()\ns = make()\ns.get(url)\n";
        assert!(py(text).is_empty());
    }

    #[test]
    fn httpx_only_with_explicit_none() {
        let text = "import httpx\nhttpx.get(url)\nclient = httpx.Client(timeout=None)\n\
                    async with httpx.AsyncClient(timeout=None) as c:\n    pass\nhttpx.Client(timeout=5)\n";
        assert_eq!(py(text), ["timeout=None", "timeout=None"]);
        let findings = check(ID, "app/a.py", "import httpx\nhttpx.Client(timeout=None)\n");
        assert_eq!(
            findings[0].message,
            "`timeout=None` disables the timeout of `httpx.Client`."
        );
    }

    #[test]
    fn urllib_and_http_client() {
        let text = "from urllib.request import urlopen\nimport urllib.request\nimport http.client\n\
                    urlopen(url)\nurllib.request.urlopen(url, None, 5)\nurlopen(url, timeout=5)\n\
                    http.client.HTTPSConnection(host)\nhttp.client.HTTPConnection(host, 80, 5)\n";
        assert_eq!(py(text), ["urlopen", "http.client.HTTPSConnection"]);
    }

    #[test]
    fn scripts_are_not_flagged() {
        let text = "import requests\nrequests.get(url)\n";
        assert!(check(ID, "scripts/sync.py", text).is_empty());
        assert!(check(ID, "app/cli.py", text).is_empty());
    }

    #[test]
    fn python_fixes() {
        assert_eq!(
            fix("app/a.py", "import requests\nrequests.get(url)\n"),
            "import requests\nrequests.get(url, timeout=10)\n"
        );
        assert_eq!(
            fix(
                "app/a.py",
                "import requests\nrequests.post(\n    url,\n    json=body,\n)\n"
            ),
            "import requests\nrequests.post(\n    url,\n    json=body, timeout=10,\n)\n"
        );
        assert_eq!(
            fix("app/a.py", "import httpx\nhttpx.get(url, timeout=None)\n"),
            "import httpx\nhttpx.get(url, timeout=10)\n"
        );
        assert_eq!(
            fix(
                "app/a.py",
                "import requests\ns = requests.Session()\ns.get()\n"
            ),
            "import requests\ns = requests.Session()\ns.get(timeout=10)\n"
        );
    }

    #[test]
    fn flags_axios_without_timeout() {
        let text = "import axios from 'axios';\nconst { data } = await axios.get(`${BASE}/users/${id}`);\n\
                    export const api = axios.create({ baseURL: process.env.API_URL });\n\
                    axios.post(url, body, { headers });\naxios({ url, method: 'get' });\naxios(url);\n\
                    axios.get(url, { timeout: 0 });\n";
        assert_eq!(
            ts(text),
            [
                "axios.get",
                "axios.create",
                "axios.post",
                "axios",
                "axios",
                "axios.get"
            ]
        );
        let findings = check(
            ID,
            "src/a.ts",
            "import axios from 'axios';\naxios.get(u);\n",
        );
        assert_eq!(findings[0].message, super::AXIOS_MESSAGE);
    }

    #[test]
    fn axios_near_misses() {
        let text = "import axios from 'axios';\n\
                    const api = axios.create({ baseURL: process.env.API_URL, timeout: 10_000 });\n\
                    const res = await api.get('/users');\nawait axios.post(url, body, { timeout: 5000 });\n\
                    axios.get(url, config);\naxios.get(url, { ...defaults });\naxios.get(url, { timeout });\n\
                    axios.isAxiosError(e);\naxios.interceptors.request.use(f);\naxios(config);\n\
                    axios.get(...args);\n";
        assert!(ts(text).is_empty(), "{:?}", ts(text));
        // Not imported: someone else's `axios`, a `get` on anything else.
        assert!(ts("axios.get(url);\nhttp.get(url);\nclient.get(url);\n").is_empty());
        // `axios.defaults.timeout` set in the same file.
        let text = "import axios from 'axios';\naxios.defaults.timeout = 5000;\naxios.get(url);\n";
        assert!(ts(text).is_empty());
        let text =
            "const axios = require('axios');\naxios.defaults.timeout = 0;\naxios.get(url);\n";
        assert_eq!(ts(text), ["axios.get"]);
        // An options object one `const` away.
        let text = "import axios from 'axios';\nconst cfg = { timeout: 1000 };\naxios.get(url, cfg);\n\
                    const bare = { headers: {} };\naxios.get(url, bare);\n";
        assert_eq!(ts(text), ["axios.get"]);
    }

    #[test]
    fn axios_fixes() {
        let head = "import axios from 'axios';\n";
        let cases = [
            (
                "axios.get(url);\n",
                "axios.get(url, { timeout: 10_000 });\n",
            ),
            (
                "axios.post(url, body);\n",
                "axios.post(url, body, { timeout: 10_000 });\n",
            ),
            (
                "axios.put(url);\n",
                "axios.put(url, undefined, { timeout: 10_000 });\n",
            ),
            ("axios.create();\n", "axios.create({ timeout: 10_000 });\n"),
            (
                "axios.create({});\n",
                "axios.create({ timeout: 10_000 });\n",
            ),
            (
                "axios.create({ baseURL: u });\n",
                "axios.create({ timeout: 10_000, baseURL: u });\n",
            ),
            (
                "axios.create({\n  baseURL: u,\n});\n",
                "axios.create({\n  timeout: 10_000,\n  baseURL: u,\n});\n",
            ),
            (
                "axios.get(url, { timeout: 0 });\n",
                "axios.get(url, { timeout: 10_000 });\n",
            ),
            (
                "axios.get(url, undefined);\n",
                "axios.get(url, { timeout: 10_000 });\n",
            ),
            ("axios(url);\n", "axios(url, { timeout: 10_000 });\n"),
        ];
        for (before, after) in cases {
            assert_eq!(
                fix("src/a.ts", &format!("{head}{before}")),
                format!("{head}{after}")
            );
        }
    }

    #[test]
    fn got_fetch_and_http() {
        let text = "import got from 'got';\nimport fetch from 'node-fetch';\nimport https from 'node:https';\n\
                    import { request } from 'http';\n\
                    await got(url);\nawait got.post(url, { json: body });\nawait got(url, { timeout: { request: 5000 } });\n\
                    await fetch(url);\nawait fetch(url, { signal: AbortSignal.timeout(5000) });\n\
                    https.get(url, (res) => {});\nhttps.request({ host, timeout: 5000 });\nrequest(options);\n\
                    const req = https.request(url, (res) => {});\nreq.setTimeout(5000);\n";
        assert_eq!(ts(text), ["got", "got.post", "fetch", "https.get"]);
        // Global fetch is left alone; so is a local `fetch` or `request`.
        assert!(ts("await fetch(url);\nrequest(url);\n").is_empty());
        assert_eq!(
            fix("src/a.ts", "import got from 'got';\ngot(url);\n"),
            "import got from 'got';\ngot(url, { timeout: { request: 10_000 } });\n"
        );
        assert_eq!(
            fix(
                "src/a.js",
                "const fetch = require('node-fetch');\nfetch(url, { method: 'POST' });\n"
            ),
            "const fetch = require('node-fetch');\nfetch(url, { signal: AbortSignal.timeout(10_000), method: 'POST' });\n"
        );
        assert_eq!(
            fix(
                "src/a.js",
                "const https = require('https');\nhttps.get(url, (res) => {});\n"
            ),
            "const https = require('https');\nhttps.get(url, { timeout: 10_000 }, (res) => {});\n"
        );
    }

    #[test]
    fn ts_scripts_are_not_flagged() {
        let text = "import axios from 'axios';\naxios.get(url);\n";
        assert!(check(ID, "scripts/seed.ts", text).is_empty());
    }
}
