use super::{Check, FixAvailability, Triggers, Words, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::engine::{Captures, FileContext};
use preflight_grammars::LanguageFamily;
use std::ops::Range;
use tree_sitter::Node;

/// The `cors` package, `enableCors`, `{ cors: … }`, `CorsOptions`, `CORSMiddleware`,
/// `flask_cors`, the `CORS_*` settings; the `Access-Control-Allow-Origin` header and Flask-CORS's
/// `cross_origin` both contain `origin`.
const TRIGGERS: Triggers = Triggers {
    ecma: Words::any_case(&["cors", "origin"]),
    python: Words::any_case(&["cors", "origin"]),
};

declare_rule! {
    /// ## What it does
    /// Flags CORS configurations that allow every origin: the `cors` package called without an
    /// allow-list (its default is `*`) or with `origin: '*'`/`true`/a match-all regex/an
    /// allow-all callback, NestJS `enableCors()` and `NestFactory.create(…, { cors: … })`,
    /// `@fastify/cors`, FastAPI/Starlette `CORSMiddleware` with `allow_origins=["*"]`, Flask-CORS
    /// without `origins`, django-cors-headers `CORS_ALLOW_ALL_ORIGINS = True`, and
    /// `Access-Control-Allow-Origin: *` headers written by hand.
    ///
    /// The finding is an **error** when the configuration echoes the caller's origin back while
    /// credentials are allowed (`origin: true` with `credentials: true`; in Python, where
    /// Starlette, Flask-CORS and django-cors-headers all echo the origin once credentials are on,
    /// any allow-all setting with credentials). `origin: '*'` with `credentials: true` in
    /// TypeScript stays a warning: browsers refuse that combination, so it is a bug rather than a
    /// hole.
    ///
    /// ## Why is this bad?
    /// With an allow-all policy any website a user visits can call your API from the browser and
    /// read the responses. Combined with credentials (cookies, HTTP auth), any website can act as
    /// the logged-in user.
    ///
    /// ## Example
    /// ```ts
    /// import cors from 'cors';
    /// app.use(cors());
    /// app.enableCors({ origin: true, credentials: true });
    /// ```
    /// ```python
    /// app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"])
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// app.use(cors({ origin: process.env.CORS_ORIGINS?.split(',') ?? [] }));
    /// ```
    /// ```python
    /// app.add_middleware(
    ///     CORSMiddleware,
    ///     allow_origins=[o for o in os.environ.get("CORS_ORIGINS", "").split(",") if o],
    /// )
    /// ```
    ///
    /// ## Fix safety
    /// The fix is unsafe: it reads the allowed origins from the `CORS_ORIGINS` environment
    /// variable (comma-separated), so cross-origin callers are refused until it is set. In Python
    /// it adds `import os` when needed; Django's `CORS_ALLOW_ALL_ORIGINS = True` becomes
    /// `CORS_ALLOWED_ORIGINS = …` (or `False` when an allow-list is already configured).
    /// Hand-written `Access-Control-Allow-Origin: *` headers and match-all regexes have no fix.
    ///
    /// ## How to silence
    /// A public API meant to be called from any site may keep `*` (without credentials). Put
    /// `// preflight-ignore: cors-wildcard` (TS/JS) or `# preflight-ignore: cors-wildcard`
    /// (Python) on the line above, or turn the rule off with `[rules] cors-wildcard = "off"` in
    /// `preflight.toml`.
    pub static RULE = Rule {
        id: "cors-wildcard",
        summary: "CORS configuration allows every origin",
        category: Category::Security,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Matches(check, TRIGGERS),
    };
}

const FIX_TITLE: &str = "Read the allowed origins from the `CORS_ORIGINS` environment variable";

const REFLECTS_WITH_CREDENTIALS: &str = "CORS reflects any origin while credentials are allowed: \
     any website can send authenticated requests as your users.";

fn message(detail: &str) -> String {
    format!(
        "CORS allows any origin ({detail}); restrict it to an explicit allow-list, e.g. from an \
         environment variable."
    )
}

/// `*` together with credentials: browsers refuse the response, so this is a bug, not a hole.
fn refused_message(detail: &str) -> String {
    format!(
        "CORS allows any origin ({detail}) together with credentials, which browsers refuse, so \
         credentialed requests fail; restrict it to an explicit allow-list, e.g. from an \
         environment variable."
    )
}

/// How a setting lets every origin in.
struct Permissive {
    /// What the message names, e.g. "`origin: '*'`".
    detail: String,
    /// Whether the server answers with the caller's own origin rather than `*`: browsers then
    /// accept credentialed responses too.
    reflects: bool,
}

impl Permissive {
    fn wildcard(detail: impl Into<String>) -> Permissive {
        Permissive {
            detail: detail.into(),
            reflects: false,
        }
    }

    fn reflecting(detail: impl Into<String>) -> Permissive {
        Permissive {
            detail: detail.into(),
            reflects: true,
        }
    }

    fn finding(&self, range: Range<usize>, credentials: bool) -> Finding {
        match (credentials, self.reflects) {
            (true, true) => RULE
                .finding(range, REFLECTS_WITH_CREDENTIALS)
                .with_severity(Severity::Error),
            (true, false) => RULE.finding(range, refused_message(&self.detail)),
            (false, _) => RULE.finding(range, message(&self.detail)),
        }
    }
}

const HEADER_DETAIL: &str = "`Access-Control-Allow-Origin: *`";

/// Regular expressions that match every origin.
const MATCH_ALL_PATTERNS: &[&str] = &[".*", ".+", "^.*$", ".*?"];

fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
    match cx.language().family() {
        LanguageFamily::Ecma => ecma::check(cx, m, out),
        LanguageFamily::Python => python::check(cx, m, out),
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

mod ecma {
    //! `cors`, NestJS, `@fastify/cors` and hand-written headers.

    use super::*;
    use crate::lang::ecma::{
        property_key, required_module, resolve_const, static_string, unwrap_expression,
    };

    const ENV_ORIGINS: &str = "process.env.CORS_ORIGINS?.split(',') ?? []";

    const CORS_DEFAULT: &str = "`cors()` defaults to `*`";
    const ENABLE_CORS_DEFAULT: &str = "`enableCors()` defaults to `*`";
    const NEST_CORS_TRUE: &str = "`cors: true` defaults to `*`";
    const NEST_CORS_OPTIONS_DEFAULT: &str = "`cors` options without `origin` default to `*`";
    const FASTIFY_DEFAULT: &str = "`@fastify/cors` defaults to `*`";

    pub(super) fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
        if let Some(call) = m.get("cors.package_call") {
            package_call(cx, m, call, out);
        } else if let Some(call) = m.get("cors.enable_call") {
            if let Some(args) = m.get("cors.args") {
                configure(cx, call, args, ENABLE_CORS_DEFAULT, out);
            }
        } else if m.get("cors.nest_create").is_some() {
            if let Some(args) = m.get("cors.args") {
                nest_create(cx, args, out);
            }
        } else if let Some(call) = m.get("cors.register_call") {
            fastify_register(cx, m, call, out);
        } else if let Some(value) = m.get("cors.header_value") {
            header(cx, m, value, out);
        } else if m.get("cors.header_decorator").is_some() {
            header_decorator(cx, m, out);
        } else if let Some(object) = m.get("cors.typed_options") {
            options(cx, object, None, out);
        }
    }

    /// `cors(...)` where the callee is the `cors` package.
    fn package_call(
        cx: &FileContext<'_>,
        m: &Captures<'_, '_>,
        call: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let (Some(factory), Some(args)) = (m.get("cors.factory"), m.get("cors.args")) else {
            return;
        };
        let is_cors = match factory.kind() {
            "identifier" => matches!(
                cx.bindings().get(cx.node_text(factory)),
                Some("cors#default" | "cors#*")
            ),
            _ => required_module(factory, cx.text()).as_deref() == Some("cors"),
        };
        if is_cors {
            configure(cx, call, args, CORS_DEFAULT, out);
        }
    }

    /// A call whose first argument is the options of the `cors` package (absent → its default).
    fn configure(
        cx: &FileContext<'_>,
        call: Node<'_>,
        args: Node<'_>,
        default: &'static str,
        out: &mut Vec<Finding>,
    ) {
        match code_children(args).first() {
            None => {
                let fix = Edit::insert(
                    args.start_byte() + 1,
                    format!("{{ origin: {ENV_ORIGINS} }}"),
                );
                out.push(
                    Permissive::wildcard(default)
                        .finding(call.byte_range(), false)
                        .with_fix(Fix::unsafe_(FIX_TITLE, vec![fix])),
                );
            }
            Some(&first) => {
                if let Some(object) = options_object(cx, first) {
                    options(cx, object, Some((call, default)), out);
                }
            }
        }
    }

    /// `NestFactory.create(AppModule, { cors: ... })`.
    fn nest_create(cx: &FileContext<'_>, args: Node<'_>, out: &mut Vec<Finding>) {
        // The options follow the module, and the HTTP adapter when there is one.
        let Some(object) = code_children(args)
            .into_iter()
            .skip(1)
            .filter_map(|argument| options_object(cx, argument))
            .next_back()
        else {
            return;
        };
        let Some(value) = pair_value(cx, object, "cors") else {
            return;
        };
        let written = unwrap_expression(value);
        let resolved = match written.kind() {
            "identifier" => match resolve_const(written, cx.text()) {
                Some(resolved) if !resolved.has_error() => unwrap_expression(resolved),
                _ => return,
            },
            _ => written,
        };
        match resolved.kind() {
            "true" => {
                let fix =
                    Edit::replace(written.byte_range(), format!("{{ origin: {ENV_ORIGINS} }}"));
                out.push(
                    Permissive::wildcard(NEST_CORS_TRUE)
                        .finding(written.byte_range(), false)
                        .with_fix(Fix::unsafe_(FIX_TITLE, vec![fix])),
                );
            }
            "object" => options(
                cx,
                resolved,
                Some((written, NEST_CORS_OPTIONS_DEFAULT)),
                out,
            ),
            _ => {}
        }
    }

    /// `fastify.register(cors, { ... })` with the `@fastify/cors` plugin.
    fn fastify_register(
        cx: &FileContext<'_>,
        m: &Captures<'_, '_>,
        call: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let Some(plugin) = m.get("cors.plugin") else {
            return;
        };
        if !is_fastify_cors(cx, plugin) {
            return;
        }
        let Some(args) = plugin.parent() else {
            return;
        };
        match code_children(args).get(1) {
            None => {
                let fix = Edit::insert(plugin.end_byte(), format!(", {{ origin: {ENV_ORIGINS} }}"));
                out.push(
                    Permissive::wildcard(FASTIFY_DEFAULT)
                        .finding(call.byte_range(), false)
                        .with_fix(Fix::unsafe_(FIX_TITLE, vec![fix])),
                );
            }
            Some(&second) => {
                if let Some(object) = options_object(cx, second) {
                    options(cx, object, Some((call, FASTIFY_DEFAULT)), out);
                }
            }
        }
    }

    fn is_fastify_cors(cx: &FileContext<'_>, plugin: Node<'_>) -> bool {
        const MODULES: &[&str] = &["@fastify/cors", "fastify-cors"];
        let plugin = unwrap_expression(plugin);
        match plugin.kind() {
            "identifier" => cx
                .bindings()
                .get(cx.node_text(plugin))
                .and_then(|target| target.split_once('#'))
                .is_some_and(|(module, export)| {
                    MODULES.contains(&module) && matches!(export, "default" | "*" | "fastifyCors")
                }),
            "call_expression" => {
                let module = required_module(plugin, cx.text()).or_else(|| {
                    // `import('@fastify/cors')`
                    let function = plugin.child_by_field_name("function")?;
                    if function.kind() != "import" {
                        return None;
                    }
                    let args = plugin.child_by_field_name("arguments")?;
                    static_string(*code_children(args).first()?, cx.text())
                });
                module.is_some_and(|module| MODULES.contains(&module.as_str()))
            }
            _ => false,
        }
    }

    /// An options argument: an object literal, or a `const` bound to one (one hop).
    fn options_object<'t>(cx: &FileContext<'_>, node: Node<'t>) -> Option<Node<'t>> {
        let node = unwrap_expression(node);
        let object = match node.kind() {
            "object" => node,
            "identifier" => unwrap_expression(resolve_const(node, cx.text())?),
            _ => return None,
        };
        (object.kind() == "object" && !object.has_error()).then_some(object)
    }

    /// The value of the last `key: value` pair of an object (later keys win in JavaScript).
    fn pair_value<'t>(cx: &FileContext<'_>, object: Node<'t>, key: &str) -> Option<Node<'t>> {
        code_children(object)
            .into_iter()
            .rev()
            .filter(|entry| entry.kind() == "pair")
            .filter(|pair| {
                pair.child_by_field_name("key")
                    .and_then(|k| property_key(k, cx.text()))
                    .is_some_and(|k| k == key)
            })
            .find_map(|pair| pair.child_by_field_name("value"))
    }

    /// Evaluates CORS options. `default` is where to report, and with which detail, when the
    /// options set no `origin` and the API then allows every origin.
    fn options(
        cx: &FileContext<'_>,
        object: Node<'_>,
        default: Option<(Node<'_>, &'static str)>,
        out: &mut Vec<Finding>,
    ) {
        if object.has_error() {
            return;
        }
        let text = cx.text();
        let mut origin = None;
        let mut credentials = false;
        let mut open = false;
        for entry in code_children(object) {
            match entry.kind() {
                "pair" => {
                    let key = entry
                        .child_by_field_name("key")
                        .and_then(|k| property_key(k, text));
                    let value = entry.child_by_field_name("value");
                    match key.as_deref() {
                        Some("origin") => origin = value,
                        Some("credentials") => {
                            credentials =
                                value.is_some_and(|v| unwrap_expression(v).kind() == "true");
                        }
                        // `@fastify/cors` computes the options per request.
                        Some("delegator") => open = true,
                        _ => {}
                    }
                }
                // `{ origin }`: set, from somewhere this rule does not follow.
                "shorthand_property_identifier" if cx.node_text(entry) == "origin" => {
                    origin = Some(entry);
                }
                "shorthand_property_identifier" if cx.node_text(entry) == "credentials" => {
                    credentials = false;
                }
                "method_definition"
                    if entry
                        .child_by_field_name("name")
                        .is_some_and(|name| cx.node_text(name) == "origin") =>
                {
                    origin = Some(entry);
                }
                "spread_element" => open = true,
                _ => {}
            }
        }
        match origin {
            Some(value) => {
                let Some(permissive) = permissive_origin(cx, value) else {
                    return;
                };
                let replacement = if value.kind() == "method_definition" {
                    format!("origin: {ENV_ORIGINS}")
                } else {
                    ENV_ORIGINS.to_string()
                };
                let fix = Edit::replace(value.byte_range(), replacement);
                out.push(
                    permissive
                        .finding(value.byte_range(), credentials)
                        .with_fix(Fix::unsafe_(FIX_TITLE, vec![fix])),
                );
            }
            None if !open => {
                if let Some((anchor, detail)) = default {
                    out.push(
                        Permissive::wildcard(detail)
                            .finding(anchor.byte_range(), credentials)
                            .with_fix(Fix::unsafe_(FIX_TITLE, vec![insert_origin(cx, object)])),
                    );
                }
            }
            None => {}
        }
    }

    /// RULES.md `POV`: `'*'`, an array holding it, `true`, a match-all regex, an allow-all
    /// callback, or a `const` bound to one of them.
    fn permissive_origin(cx: &FileContext<'_>, value: Node<'_>) -> Option<Permissive> {
        if value.kind() == "method_definition" {
            return allows_every_origin(cx, value).then(callback_permissive);
        }
        let value = unwrap_expression(value);
        if value.kind() == "identifier" {
            let resolved = resolve_const(value, cx.text())?;
            if resolved.has_error() {
                return None;
            }
            return permissive_literal(cx, unwrap_expression(resolved));
        }
        permissive_literal(cx, value)
    }

    fn permissive_literal(cx: &FileContext<'_>, value: Node<'_>) -> Option<Permissive> {
        let text = cx.text();
        match value.kind() {
            "true" => Some(Permissive::reflecting(
                "`origin: true` reflects every origin",
            )),
            "regex" => {
                let pattern = value.child_by_field_name("pattern")?;
                MATCH_ALL_PATTERNS
                    .contains(&cx.node_text(pattern))
                    .then(|| {
                        Permissive::reflecting(format!(
                            "`origin: {}` matches every origin",
                            cx.node_text(value)
                        ))
                    })
            }
            "array" => code_children(value)
                .into_iter()
                .any(|element| static_string(element, text).as_deref() == Some("*"))
                .then(|| Permissive::wildcard("`origin: '*'`")),
            "arrow_function" | "function_expression" | "function" => {
                allows_every_origin(cx, value).then(callback_permissive)
            }
            _ => (static_string(value, text).as_deref() == Some("*"))
                .then(|| Permissive::wildcard("`origin: '*'`")),
        }
    }

    fn callback_permissive() -> Permissive {
        Permissive::reflecting("the `origin` callback allows every origin")
    }

    /// `(origin, callback) => callback(null, true)` and its `function` spellings.
    fn allows_every_origin(cx: &FileContext<'_>, function: Node<'_>) -> bool {
        let Some(parameters) = function.child_by_field_name("parameters") else {
            return false;
        };
        let parameters = code_children(parameters);
        let Some(&second) = parameters.get(1) else {
            return false;
        };
        let name = match second.kind() {
            "identifier" => Some(second),
            "required_parameter" | "optional_parameter" => second.child_by_field_name("pattern"),
            _ => None,
        };
        let Some(name) = name.filter(|n| n.kind() == "identifier") else {
            return false;
        };
        let Some(body) = function.child_by_field_name("body") else {
            return false;
        };
        let call = if body.kind() == "statement_block" {
            match code_children(body).as_slice() {
                [statement]
                    if matches!(
                        statement.kind(),
                        "expression_statement" | "return_statement"
                    ) =>
                {
                    code_children(*statement).first().copied()
                }
                _ => None,
            }
        } else {
            Some(body)
        };
        let Some(call) = call.map(unwrap_expression) else {
            return false;
        };
        if call.kind() != "call_expression" {
            return false;
        }
        let calls_callback = call
            .child_by_field_name("function")
            .is_some_and(|f| f.kind() == "identifier" && cx.node_text(f) == cx.node_text(name));
        let arguments = call
            .child_by_field_name("arguments")
            .map(code_children)
            .unwrap_or_default();
        calls_callback
            && matches!(arguments.as_slice(), [a, b] if a.kind() == "null" && b.kind() == "true")
    }

    /// Inserts `origin: …` as the first entry of an options object, matching its layout.
    fn insert_origin(cx: &FileContext<'_>, object: Node<'_>) -> Edit {
        let text = cx.text();
        let mut cursor = object.walk();
        let first = object.named_children(&mut cursor).next();
        let Some(first) = first else {
            return Edit::replace(object.byte_range(), format!("{{ origin: {ENV_ORIGINS} }}"));
        };
        let before = &text[object.start_byte() + 1..first.start_byte()];
        if !before.contains('\n') {
            return Edit::insert(first.start_byte(), format!("origin: {ENV_ORIGINS}, "));
        }
        let line_start = text[..first.start_byte()]
            .rfind('\n')
            .map_or(0, |at| at + 1);
        let indent = &text[line_start..first.start_byte()];
        let indent = if indent.chars().all(char::is_whitespace) {
            indent
        } else {
            ""
        };
        Edit::insert(
            first.start_byte(),
            format!("origin: {ENV_ORIGINS},\n{indent}"),
        )
    }

    /// `res.setHeader('Access-Control-Allow-Origin', '*')` and `{ 'Access-Control-Allow-Origin': '*' }`.
    fn header(cx: &FileContext<'_>, m: &Captures<'_, '_>, value: Node<'_>, out: &mut Vec<Finding>) {
        let Some(name) = m.get("cors.header_name") else {
            return;
        };
        if is_allow_origin(cx, name) && is_wildcard(cx, value) {
            out.push(Permissive::wildcard(HEADER_DETAIL).finding(value.byte_range(), false));
        }
    }

    /// NestJS `@Header('Access-Control-Allow-Origin', '*')`.
    fn header_decorator(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
        let (Some(name), Some(args)) = (m.get("cors.decorator_name"), m.get("cors.args")) else {
            return;
        };
        if !matches!(
            cx.bindings().get(cx.node_text(name)),
            None | Some("@nestjs/common#Header")
        ) {
            return;
        }
        if let [header_name, value] = code_children(args).as_slice()
            && is_allow_origin(cx, *header_name)
            && is_wildcard(cx, *value)
        {
            out.push(Permissive::wildcard(HEADER_DETAIL).finding(value.byte_range(), false));
        }
    }

    fn is_allow_origin(cx: &FileContext<'_>, name: Node<'_>) -> bool {
        static_string(name, cx.text())
            .is_some_and(|name| name.eq_ignore_ascii_case("access-control-allow-origin"))
    }

    /// `'*'`, or a `const` bound to it.
    fn is_wildcard(cx: &FileContext<'_>, value: Node<'_>) -> bool {
        let text = cx.text();
        let value = unwrap_expression(value);
        let value = match value.kind() {
            "identifier" => match resolve_const(value, text) {
                Some(resolved) => resolved,
                None => return false,
            },
            _ => value,
        };
        static_string(value, text).as_deref() == Some("*")
    }
}

mod python {
    //! FastAPI/Starlette, Flask-CORS, django-cors-headers and hand-written headers.

    use super::*;
    use crate::lang::python::{
        callee_path, keyword_argument, positional_arguments, resolve_assignment, static_string,
    };

    const ENV_ORIGINS: &str = r#"[o for o in os.environ.get("CORS_ORIGINS", "").split(",") if o]"#;

    const CORS_MIDDLEWARE: &[&str] = &[
        "fastapi.middleware.cors.CORSMiddleware",
        "starlette.middleware.cors.CORSMiddleware",
    ];
    const MIDDLEWARE: &[&str] = &[
        "starlette.middleware.Middleware",
        "fastapi.middleware.Middleware",
    ];
    const FLASK_CORS: &[&str] = &[
        "flask_cors.CORS",
        "flask_cors.cross_origin",
        "flask_cors.extension.CORS",
        "flask_cors.decorator.cross_origin",
    ];
    /// Flask-CORS turns `*` into the regex `.*`; both spellings (and other match-alls) allow all.
    const FLASK_WILDCARDS: &[&str] = &["*", ".*", ".+", "^.*$"];

    pub(super) fn check(cx: &FileContext<'_>, m: &Captures<'_, '_>, out: &mut Vec<Finding>) {
        if m.get("cors.add_middleware").is_some() {
            if let Some(args) = m.get("cors.args")
                && registers_cors_middleware(cx, args)
            {
                starlette(cx, args, out);
            }
        } else if m.get("cors.imported_call").is_some() {
            let (Some(callee), Some(args)) = (m.get("cors.callee"), m.get("cors.args")) else {
                return;
            };
            let Some(path) = callee_path(callee, cx.text()) else {
                return;
            };
            let callee_name = cx.bindings().canonical(&path);
            if MIDDLEWARE.contains(&callee_name.as_str()) {
                if registers_cors_middleware(cx, args) {
                    starlette(cx, args, out);
                }
            } else if FLASK_CORS.contains(&callee_name.as_str()) {
                flask(cx, callee, args, out);
            }
        } else if let Some(assignment) = m.get("cors.django_setting") {
            django(cx, m, assignment, out);
        } else if let Some(value) = m.get("cors.header_value") {
            header(cx, m, value, out);
        }
    }

    /// Whether the first positional argument is Starlette's (or FastAPI's) `CORSMiddleware`.
    fn registers_cors_middleware(cx: &FileContext<'_>, args: Node<'_>) -> bool {
        positional_arguments(args)
            .first()
            .and_then(|first| callee_path(*first, cx.text()))
            .is_some_and(|path| CORS_MIDDLEWARE.contains(&cx.bindings().canonical(&path).as_str()))
    }

    /// `CORSMiddleware` options: `allow_origins`, `allow_origin_regex`, `allow_credentials`.
    fn starlette(cx: &FileContext<'_>, args: Node<'_>, out: &mut Vec<Finding>) {
        let text = cx.text();
        // Starlette echoes the caller's origin instead of `*` once credentials are allowed.
        let credentials = keyword_argument(args, "allow_credentials", text)
            .is_some_and(|value| value.kind() == "true");
        if let Some(value) = keyword_argument(args, "allow_origins", text)
            && let Some((origins, star)) = wildcard_origins(cx, value, &["*"])
        {
            let finding = Permissive::reflecting("`allow_origins=['*']`")
                .finding(star.byte_range(), credentials);
            out.push(with_fix(
                cx,
                finding,
                vec![Edit::replace(origins.byte_range(), ENV_ORIGINS)],
            ));
        }
        if let Some(value) = keyword_argument(args, "allow_origin_regex", text)
            && let Some(pattern) = resolved_static(cx, value)
            && MATCH_ALL_PATTERNS.contains(&pattern.as_str())
        {
            let detail = format!("`allow_origin_regex='{pattern}'` matches every origin");
            out.push(Permissive::reflecting(detail).finding(value.byte_range(), credentials));
        }
    }

    /// Flask-CORS `CORS(app, ...)` and `@cross_origin(...)`.
    fn flask(cx: &FileContext<'_>, callee: Node<'_>, args: Node<'_>, out: &mut Vec<Finding>) {
        let text = cx.text();
        let arguments = code_children(args);
        if arguments.iter().any(|a| a.kind() == "dictionary_splat") {
            return; // options from elsewhere
        }
        // Flask-CORS echoes the caller's origin instead of `*` (unless `send_wildcard=True`).
        let credentials = keyword_argument(args, "supports_credentials", text)
            .is_some_and(|value| value.kind() == "true");
        let origins = keyword_argument(args, "origins", text);
        let resources = keyword_argument(args, "resources", text);
        if origins.is_none() && resources.is_none() {
            // `app.config["CORS_ORIGINS"]` / `CORS_RESOURCES` configure the extension too.
            if text.contains("CORS_ORIGINS") || text.contains("CORS_RESOURCES") {
                return;
            }
            let edit = match arguments.last() {
                Some(last) => Edit::insert(last.end_byte(), format!(", origins={ENV_ORIGINS}")),
                None => Edit::insert(args.start_byte() + 1, format!("origins={ENV_ORIGINS}")),
            };
            let finding = Permissive::reflecting("Flask-CORS defaults to `*`")
                .finding(callee.byte_range(), credentials);
            out.push(with_fix(cx, finding, vec![edit]));
            return;
        }
        if let Some(value) = origins {
            flask_origins(cx, value, credentials, out);
        }
        let Some(resources) = resources.and_then(|r| resolved(cx, r)) else {
            return;
        };
        if resources.kind() != "dictionary" {
            return;
        }
        for pair in code_children(resources) {
            let Some(options) = pair
                .child_by_field_name("value")
                .filter(|v| v.kind() == "dictionary")
            else {
                continue;
            };
            let credentials = credentials
                || dictionary_value(cx, options, "supports_credentials")
                    .is_some_and(|v| v.kind() == "true");
            if let Some(value) = dictionary_value(cx, options, "origins") {
                flask_origins(cx, value, credentials, out);
            }
        }
    }

    fn flask_origins(
        cx: &FileContext<'_>,
        value: Node<'_>,
        credentials: bool,
        out: &mut Vec<Finding>,
    ) {
        if let Some((origins, _)) = wildcard_origins(cx, value, FLASK_WILDCARDS) {
            let finding =
                Permissive::reflecting("`origins='*'`").finding(origins.byte_range(), credentials);
            out.push(with_fix(
                cx,
                finding,
                vec![Edit::replace(origins.byte_range(), ENV_ORIGINS)],
            ));
        }
    }

    /// The value of `"key": value` in a dictionary literal.
    fn dictionary_value<'t>(
        cx: &FileContext<'_>,
        dictionary: Node<'t>,
        key: &str,
    ) -> Option<Node<'t>> {
        code_children(dictionary)
            .into_iter()
            .rev()
            .filter(|pair| pair.kind() == "pair")
            .filter(|pair| {
                pair.child_by_field_name("key")
                    .and_then(|k| static_string(k, cx.text()))
                    .is_some_and(|k| k == key)
            })
            .find_map(|pair| pair.child_by_field_name("value"))
    }

    /// django-cors-headers settings.
    fn django(
        cx: &FileContext<'_>,
        m: &Captures<'_, '_>,
        assignment: Node<'_>,
        out: &mut Vec<Finding>,
    ) {
        let (Some(name), Some(value)) = (m.get("cors.setting"), m.get("cors.setting_value")) else {
            return;
        };
        let name = cx.node_text(name);
        if is_development_settings(cx.path()) {
            return;
        }
        // django-cors-headers echoes the caller's origin instead of `*` when credentials are on.
        let credentials = module_assigns_true(cx, "CORS_ALLOW_CREDENTIALS");
        match name {
            "CORS_ALLOW_ALL_ORIGINS" | "CORS_ORIGIN_ALLOW_ALL" => {
                if value.kind() != "true" {
                    return;
                }
                let finding = Permissive::reflecting(format!("`{name} = True`"))
                    .finding(value.byte_range(), credentials);
                if module_assigns(cx, &["CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST"]) {
                    // An allow-list is already there: stop overriding it.
                    let fix = Fix::unsafe_(
                        format!("Set `{name} = False` and use the configured allow-list"),
                        vec![Edit::replace(value.byte_range(), "False")],
                    );
                    out.push(finding.with_fix(fix));
                } else {
                    let edit = Edit::replace(
                        assignment.byte_range(),
                        format!("CORS_ALLOWED_ORIGINS = {ENV_ORIGINS}"),
                    );
                    out.push(with_fix(cx, finding, vec![edit]));
                }
            }
            _ => {
                if !matches!(value.kind(), "list" | "tuple") {
                    return;
                }
                for element in code_children(value) {
                    if static_string(element, cx.text())
                        .is_some_and(|pattern| MATCH_ALL_PATTERNS.contains(&pattern.as_str()))
                    {
                        let detail = format!("`{name}` matches every origin");
                        out.push(
                            Permissive::reflecting(detail)
                                .finding(element.byte_range(), credentials),
                        );
                    }
                }
            }
        }
    }

    /// A development settings module (`settings/local.py`, `settings_dev.py`), as for
    /// `debug-mode`: allowing every origin there is intended.
    fn is_development_settings(path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        let stem = name.strip_suffix(".py").unwrap_or(name);
        stem.split(['_', '-', '.']).any(|word| {
            matches!(
                word,
                "local" | "dev" | "development" | "test" | "testing" | "ci"
            )
        })
    }

    /// Module-level assignments of the file.
    fn module_assignments<'t>(cx: &FileContext<'t>) -> impl Iterator<Item = Node<'t>> {
        code_children(cx.tree().root_node())
            .into_iter()
            .filter(|statement| statement.kind() == "expression_statement")
            .filter_map(|statement| statement.named_child(0))
            .filter(|assignment| assignment.kind() == "assignment")
    }

    fn assigned_name<'t>(cx: &FileContext<'t>, assignment: Node<'_>) -> Option<&'t str> {
        let left = assignment.child_by_field_name("left")?;
        (left.kind() == "identifier").then(|| cx.node_text(left))
    }

    fn module_assigns(cx: &FileContext<'_>, names: &[&str]) -> bool {
        module_assignments(cx).any(|a| assigned_name(cx, a).is_some_and(|n| names.contains(&n)))
    }

    fn module_assigns_true(cx: &FileContext<'_>, name: &str) -> bool {
        module_assignments(cx)
            .filter(|a| assigned_name(cx, *a) == Some(name))
            .last()
            .and_then(|a| a.child_by_field_name("right"))
            .is_some_and(|right| right.kind() == "true")
    }

    /// `headers["Access-Control-Allow-Origin"] = "*"`, `{"Access-Control-Allow-Origin": "*"}`,
    /// `headers.add("Access-Control-Allow-Origin", "*")`.
    fn header(cx: &FileContext<'_>, m: &Captures<'_, '_>, value: Node<'_>, out: &mut Vec<Finding>) {
        let Some(name) = m.get("cors.header_name") else {
            return;
        };
        let is_allow_origin = static_string(name, cx.text())
            .is_some_and(|name| name.eq_ignore_ascii_case("access-control-allow-origin"));
        if is_allow_origin && resolved_static(cx, value).as_deref() == Some("*") {
            out.push(Permissive::wildcard(HEADER_DETAIL).finding(value.byte_range(), false));
        }
    }

    /// The value, or the value of the single assignment to it when it is a name (one hop).
    fn resolved<'t>(cx: &FileContext<'_>, value: Node<'t>) -> Option<Node<'t>> {
        let value = match value.kind() {
            "identifier" => resolve_assignment(value, cx.text())?,
            _ => value,
        };
        (!value.has_error()).then_some(value)
    }

    fn resolved_static(cx: &FileContext<'_>, value: Node<'_>) -> Option<String> {
        static_string(resolved(cx, value)?, cx.text())
    }

    /// A list/tuple holding one of `wildcards`, or such a string itself: the node holding the
    /// origins, and the wildcard string.
    fn wildcard_origins<'t>(
        cx: &FileContext<'_>,
        value: Node<'t>,
        wildcards: &[&str],
    ) -> Option<(Node<'t>, Node<'t>)> {
        let mut origins = resolved(cx, value)?;
        while origins.kind() == "parenthesized_expression" {
            origins = origins.named_child(0)?;
        }
        let is_wildcard = |node: Node<'_>| {
            static_string(node, cx.text()).is_some_and(|s| wildcards.contains(&s.as_str()))
        };
        match origins.kind() {
            "list" | "tuple" | "set" => code_children(origins)
                .into_iter()
                .find(|element| is_wildcard(*element))
                .map(|star| (origins, star)),
            _ => is_wildcard(origins).then_some((origins, origins)),
        }
    }

    /// Attaches the unsafe fix, adding `import os` where the file lacks it.
    fn with_fix(cx: &FileContext<'_>, finding: Finding, mut edits: Vec<Edit>) -> Finding {
        match cx.bindings().get("os") {
            Some("os") => {}
            // `os` is something else here: an edit could not name the module safely.
            Some(_) => return finding,
            None => {
                let before = edits.iter().map(|e| e.range.start).min().unwrap_or(0);
                match import_os(cx, before) {
                    Some(edit) => edits.push(edit),
                    None => return finding,
                }
            }
        }
        finding.with_fix(Fix::unsafe_(FIX_TITLE, edits))
    }

    /// Inserts `import os` after the last top-level import before `before` (or after the module
    /// docstring, or before the first statement), so that it runs before the edited code.
    fn import_os(cx: &FileContext<'_>, before: usize) -> Option<Edit> {
        let text = cx.text();
        let statements = code_children(cx.tree().root_node());
        let first = *statements.first()?;
        let is_docstring = first.kind() == "expression_statement"
            && code_children(first)
                .as_slice()
                .first()
                .is_some_and(|s| s.kind() == "string");
        let anchor = statements
            .iter()
            .rev()
            .filter(|s| s.start_byte() < before)
            .find(|s| {
                matches!(
                    s.kind(),
                    "import_statement" | "import_from_statement" | "future_import_statement"
                )
            })
            .copied()
            .or(is_docstring.then_some(first));
        let Some(anchor) = anchor else {
            return Some(Edit::insert(first.start_byte(), "import os\n"));
        };
        let end = anchor.end_byte();
        Some(match text[end..].find('\n') {
            Some(newline) => Edit::insert(end + newline + 1, "import os\n"),
            None => Edit::insert(text.len(), "\nimport os\n"),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{FixSafety, Severity};
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "cors-wildcard";

    fn reparses(language: Language, text: &str) -> bool {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language.grammar()).unwrap();
        !parser.parse(text, None).unwrap().root_node().has_error()
    }

    /// Applies the unsafe fixes and checks the result still parses.
    fn fix(path: &str, text: &str) -> String {
        let findings = check(ID, path, text);
        let out = fixed(text, &findings, FixSafety::Unsafe);
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        assert!(reparses(language, &out), "fix broke the syntax:\n{out}");
        out
    }

    fn ts(text: &str) -> Vec<String> {
        let findings = check(ID, "src/main.ts", text);
        spans(text, &findings)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    fn py(text: &str) -> Vec<String> {
        let findings = check(ID, "app/main.py", text);
        spans(text, &findings)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    // ---- TypeScript / JavaScript -------------------------------------------------------------

    #[test]
    fn cors_package_without_options_defaults_to_wildcard() {
        let text = "import cors from 'cors';\napp.use(cors());\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(spans(text, &findings), ["cors()"]);
        assert_eq!(
            findings[0].message,
            "CORS allows any origin (`cors()` defaults to `*`); restrict it to an explicit \
             allow-list, e.g. from an environment variable."
        );
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(
            fix("src/app.ts", text),
            "import cors from 'cors';\napp.use(cors({ origin: process.env.CORS_ORIGINS?.split(',') ?? [] }));\n"
        );
    }

    #[test]
    fn cors_package_bound_by_require_and_namespace() {
        assert_eq!(
            ts("const c = require('cors');\napp.use(c({ origin: '*' }));\n"),
            ["'*'"]
        );
        assert_eq!(
            ts("import * as cors from 'cors';\napp.use(cors());\n"),
            ["cors()"]
        );
        assert_eq!(ts("app.use(require('cors')());\n"), ["require('cors')()"]);
        let findings = check(
            ID,
            "src/app.js",
            "const cors = require('cors');\napp.use(cors({ origin: '*' }));\n",
        );
        assert_eq!(findings.len(), 1);
    }

    #[test]
    fn origin_values_that_allow_everyone() {
        let cases = [
            ("'*'", "'*'"),
            ("`*`", "`*`"),
            ("['*']", "['*']"),
            ("['https://a.example', '*']", "['https://a.example', '*']"),
            ("true", "true"),
            ("/.*/", "/.*/"),
            ("/^.*$/", "/^.*$/"),
            (
                "(origin, cb) => cb(null, true)",
                "(origin, cb) => cb(null, true)",
            ),
            (
                "function (origin, callback) { callback(null, true); }",
                "function (origin, callback) { callback(null, true); }",
            ),
            (
                "(o, cb) => { return cb(null, true); }",
                "(o, cb) => { return cb(null, true); }",
            ),
        ];
        for (value, span) in cases {
            let text = format!("import cors from 'cors';\napp.use(cors({{ origin: {value} }}));\n");
            assert_eq!(ts(&text), [span], "{value}");
        }
    }

    #[test]
    fn origin_values_that_restrict() {
        for value in [
            "process.env.ALLOWED_ORIGINS",
            "process.env.ALLOWED_ORIGINS?.split(',')",
            "['https://app.example.com']",
            "'https://app.example.com'",
            "false",
            "/\\.example\\.com$/",
            "(origin, cb) => cb(null, allowed.includes(origin))",
            "(origin, cb) => cb(null, false)",
            "`${proto}://*`",
            "css`*`",
            "config.origins",
        ] {
            let text = format!("import cors from 'cors';\napp.use(cors({{ origin: {value} }}));\n");
            assert!(ts(&text).is_empty(), "{value}");
        }
    }

    #[test]
    fn credentials_raise_reflecting_origins_to_error() {
        let text =
            "import cors from 'cors';\napp.use(cors({ origin: true, credentials: true }));\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(spans(text, &findings), ["true"]);
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(
            findings[0].message,
            "CORS reflects any origin while credentials are allowed: any website can send \
             authenticated requests as your users."
        );

        // `*` with credentials: browsers refuse it, a warning that says so.
        let text = "import cors from 'cors';\napp.use(cors({ origin: '*', credentials: true }));\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert!(
            findings[0].message.contains("browsers refuse"),
            "{}",
            findings[0].message
        );

        let text =
            "import cors from 'cors';\napp.use(cors({ origin: /.*/, credentials: true }));\n";
        assert_eq!(check(ID, "src/app.ts", text)[0].severity, Severity::Error);
        let text =
            "import cors from 'cors';\napp.use(cors({ origin: true, credentials: false }));\n";
        assert_eq!(check(ID, "src/app.ts", text)[0].severity, Severity::Warning);
    }

    #[test]
    fn options_without_origin_default_to_wildcard() {
        let text = "import cors from 'cors';\napp.use(cors({ credentials: true }));\n";
        let findings = check(ID, "src/app.ts", text);
        assert_eq!(spans(text, &findings), ["cors({ credentials: true })"]);
        assert!(findings[0].message.contains("browsers refuse"));
        assert_eq!(
            fix("src/app.ts", text),
            "import cors from 'cors';\napp.use(cors({ origin: process.env.CORS_ORIGINS?.split(',') ?? [], credentials: true }));\n"
        );
        // A spread may carry the origin.
        assert!(
            ts("import cors from 'cors';\napp.use(cors({ ...base, credentials: true }));\n")
                .is_empty()
        );
        // Multi-line objects keep their layout.
        let text =
            "import cors from 'cors';\napp.use(\n  cors({\n    methods: ['GET'],\n  }),\n);\n";
        assert_eq!(
            fix("src/app.ts", text),
            "import cors from 'cors';\napp.use(\n  cors({\n    origin: process.env.CORS_ORIGINS?.split(',') ?? [],\n    methods: ['GET'],\n  }),\n);\n"
        );
        assert_eq!(
            fix(
                "src/app.ts",
                "import cors from 'cors';\napp.use(cors({}));\n"
            ),
            "import cors from 'cors';\napp.use(cors({ origin: process.env.CORS_ORIGINS?.split(',') ?? [] }));\n"
        );
    }

    #[test]
    fn one_hop_resolution_of_options_and_origins() {
        let text = "import cors from 'cors';\nconst corsOptions = { origin: '*' };\napp.use(cors(corsOptions));\n";
        assert_eq!(ts(text), ["'*'"]);
        assert_eq!(
            fix("src/app.ts", text),
            "import cors from 'cors';\nconst corsOptions = { origin: process.env.CORS_ORIGINS?.split(',') ?? [] };\napp.use(cors(corsOptions));\n"
        );
        let text =
            "import cors from 'cors';\nconst allowed = '*';\napp.use(cors({ origin: allowed }));\n";
        assert_eq!(ts(text), ["allowed"]);
        // `let` may be reassigned; parameters are unknown.
        assert!(
            ts("import cors from 'cors';\nlet o = { origin: '*' };\napp.use(cors(o));\n")
                .is_empty()
        );
        assert!(
            ts("import cors from 'cors';\nexport function mount(app, o) { app.use(cors(o)); }\n")
                .is_empty()
        );
        // A delegate function is not resolved.
        assert!(ts("import cors from 'cors';\napp.use(cors((req, cb) => cb(null, { origin: true })));\n").is_empty());
    }

    #[test]
    fn cors_must_be_the_imported_package() {
        assert!(ts("function cors(o) { return o; }\napp.use(cors({ origin: '*' }));\napp.use(cors());\n").is_empty());
        assert!(ts("import cors from './cors';\napp.use(cors());\n").is_empty());
        assert!(ts("import { cors } from 'hono/cors';\napp.use(cors());\n").is_empty());
        assert!(ts("const route = { origin: '*', destination: 'LHR' };\n").is_empty());
        assert!(ts("window.parent.postMessage(payload, '*');\n").is_empty());
        assert!(ts("// cors({ origin: '*' })\nconst s = \"cors({ origin: '*' })\";\n").is_empty());
    }

    #[test]
    fn nestjs_enable_cors() {
        let text =
            "const app = await NestFactory.create(AppModule);\napp.enableCors({ origin: '*' });\n";
        let findings = check(ID, "src/main.ts", text);
        assert_eq!(spans(text, &findings), ["'*'"]);
        assert_eq!(
            findings[0].message,
            "CORS allows any origin (`origin: '*'`); restrict it to an explicit allow-list, e.g. \
             from an environment variable."
        );
        assert_eq!(
            fix("src/main.ts", text),
            "const app = await NestFactory.create(AppModule);\napp.enableCors({ origin: process.env.CORS_ORIGINS?.split(',') ?? [] });\n"
        );
        let text = "app.enableCors();\n";
        assert_eq!(ts(text), ["app.enableCors()"]);
        assert_eq!(
            fix("src/main.ts", text),
            "app.enableCors({ origin: process.env.CORS_ORIGINS?.split(',') ?? [] });\n"
        );
        let findings = check(
            ID,
            "src/main.ts",
            "app.enableCors({ origin: true, credentials: true });\n",
        );
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(
            ts("app.enableCors({ origin: ['https://app.example.com'], credentials: true });\n")
                .is_empty()
        );
        assert!(ts("app.enableCors(corsOptionsDelegate);\n").is_empty());
    }

    #[test]
    fn nestjs_factory_options() {
        let text = "const app = await NestFactory.create(AppModule, { cors: true });\n";
        assert_eq!(ts(text), ["true"]);
        assert_eq!(
            fix("src/main.ts", text),
            "const app = await NestFactory.create(AppModule, { cors: { origin: process.env.CORS_ORIGINS?.split(',') ?? [] } });\n"
        );
        let text = "const app = await NestFactory.create<NestExpressApplication>(AppModule, { cors: { origin: '*' } });\n";
        assert_eq!(ts(text), ["'*'"]);
        assert_eq!(
            ts("const app = await NestFactory.create(AppModule, { cors: {} });\n"),
            ["{}"]
        );
        assert!(
            ts("const app = await NestFactory.create(AppModule, { cors: false });\n").is_empty()
        );
        assert!(ts("const app = await NestFactory.create(AppModule, { cors: { origin: allowList } });\n").is_empty());
        assert!(ts("const app = await NestFactory.create(AppModule);\n").is_empty());
        assert_eq!(
            ts(
                "const app = await NestFactory.create(AppModule, new FastifyAdapter(), { cors: true });\n"
            ),
            ["true"]
        );
    }

    #[test]
    fn fastify_cors_plugin() {
        let text = "import fastifyCors from '@fastify/cors';\nawait app.register(fastifyCors);\n";
        assert_eq!(ts(text), ["app.register(fastifyCors)"]);
        assert_eq!(
            fix("src/server.ts", text),
            "import fastifyCors from '@fastify/cors';\nawait app.register(fastifyCors, { origin: process.env.CORS_ORIGINS?.split(',') ?? [] });\n"
        );
        assert_eq!(
            ts("import cors from '@fastify/cors';\napp.register(cors, { origin: true });\n"),
            ["true"]
        );
        assert_eq!(
            ts("app.register(require('@fastify/cors'), { methods: ['GET'] });\n"),
            ["app.register(require('@fastify/cors'), { methods: ['GET'] })"]
        );
        assert_eq!(
            ts("app.register(import('@fastify/cors'), { origin: '*' });\n"),
            ["'*'"]
        );
        assert!(ts("import cors from '@fastify/cors';\napp.register(cors, { origin: ['https://a.example'] });\n").is_empty());
        assert!(ts("import helmet from '@fastify/helmet';\napp.register(helmet);\n").is_empty());
        assert!(ts("import cors from '@fastify/cors';\napp.register(cors, { delegator: corsDelegate });\n").is_empty());
        assert!(
            ts("import cors from '@fastify/cors';\napp.register(cors, () => delegate);\n")
                .is_empty()
        );
        assert!(ts("app.register(routes, { prefix: '/api' });\n").is_empty());
    }

    #[test]
    fn raw_header_writes() {
        let text = "res.setHeader('Access-Control-Allow-Origin', '*');\n\
                    reply.header('access-control-allow-origin', \"*\");\n\
                    res.set({ 'Access-Control-Allow-Origin': '*', 'X-Other': '1' });\n\
                    res.writeHead(200, { \"Access-Control-Allow-Origin\": `*` });\n\
                    return NextResponse.json(data, { headers: { 'Access-Control-Allow-Origin': '*' } });\n";
        let findings = check(ID, "src/handler.ts", text);
        assert_eq!(
            spans(text, &findings),
            ["'*'", "\"*\"", "'*'", "`*`", "'*'"]
        );
        assert!(findings.iter().all(|f| f.fixes.is_empty()));
        assert_eq!(
            findings[0].message,
            "CORS allows any origin (`Access-Control-Allow-Origin: *`); restrict it to an \
             explicit allow-list, e.g. from an environment variable."
        );
        assert!(ts("res.setHeader('Access-Control-Allow-Origin', origin);\n").is_empty());
        assert!(ts("res.setHeader('Access-Control-Allow-Methods', '*');\n").is_empty());
        assert!(
            ts("res.setHeader('Access-Control-Allow-Origin', 'https://app.example.com');\n")
                .is_empty()
        );
        assert!(ts("map.set('origin', '*');\n").is_empty());
    }

    #[test]
    fn nestjs_header_decorator() {
        let text = "import { Controller, Get, Header } from '@nestjs/common';\n\
                    @Controller('cats')\nexport class CatsController {\n  @Get()\n  \
                    @Header('Access-Control-Allow-Origin', '*')\n  findAll() { return []; }\n}\n";
        assert_eq!(ts(text), ["'*'"]);
        let text = "export class C {\n  @Header('Cache-Control', 'none')\n  find() {}\n}\n";
        assert!(ts(text).is_empty());
    }

    #[test]
    fn typed_cors_options() {
        let text = "import { CorsOptions } from 'cors';\nexport const corsOptions: CorsOptions = { origin: '*', credentials: true };\n";
        let findings = check(ID, "src/config/cors.ts", text);
        assert_eq!(spans(text, &findings), ["'*'"]);
        assert_eq!(
            ts("export const corsConfig: CorsConfig = { origin: (o, cb) => cb(null, true) };\n"),
            ["(o, cb) => cb(null, true)"]
        );
        assert_eq!(
            ts("export const c = { origin: true } satisfies cors.CorsOptions;\n"),
            ["true"]
        );
        assert_eq!(
            ts("const c: CorsOptions = { origin(o, cb) { cb(null, true); } };\n"),
            ["origin(o, cb) { cb(null, true); }"]
        );
        assert_eq!(
            fix(
                "src/c.ts",
                "const c: CorsOptions = { origin(o, cb) { cb(null, true); } };\n"
            ),
            "const c: CorsOptions = { origin: process.env.CORS_ORIGINS?.split(',') ?? [] };\n"
        );
        // Typed but without `origin`: no call to say what the default is.
        assert!(ts("const c: CorsOptions = { credentials: true };\n").is_empty());
        assert!(ts("const c: RouteOptions = { origin: '*' };\n").is_empty());
    }

    #[test]
    fn options_typed_and_passed_report_once() {
        let text = "import cors from 'cors';\nconst o: CorsOptions = { origin: '*' };\napp.use(cors(o));\n";
        assert_eq!(ts(text), ["'*'"]);
    }

    #[test]
    fn javascript_and_tsx_files() {
        let text = "const cors = require('cors');\napp.use(cors());\n";
        assert_eq!(check(ID, "src/app.js", text).len(), 1);
        assert_eq!(
            check(
                ID,
                "src/app.mjs",
                "import cors from 'cors';\napp.use(cors());\n"
            )
            .len(),
            1
        );
        assert_eq!(
            check(
                ID,
                "src/App.tsx",
                "res.setHeader('Access-Control-Allow-Origin', '*');\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn broken_code_is_not_reported() {
        assert!(ts("import cors from 'cors';\napp.use(cors({ origin: '*' ));\n").is_empty());
        assert!(py("from flask_cors import CORS\nCORS(app, origins=\"*\" +)\n").is_empty());
    }

    // ---- Python -------------------------------------------------------------------------------

    #[test]
    fn fastapi_wildcard_origins() {
        let text = "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\n\
                    app = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_methods=[\"*\"])\n";
        let findings = check(ID, "app/main.py", text);
        assert_eq!(spans(text, &findings), ["\"*\""]);
        let start = text.find("allow_origins").unwrap();
        assert!(
            findings[0].range.start > start
                && findings[0].range.start < text.find("allow_methods").unwrap()
        );
        assert_eq!(
            findings[0].message,
            "CORS allows any origin (`allow_origins=['*']`); restrict it to an explicit \
             allow-list, e.g. from an environment variable."
        );
        assert_eq!(
            fix("app/main.py", text),
            "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nimport os\n\n\
             app = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=[o for o in os.environ.get(\"CORS_ORIGINS\", \"\").split(\",\") if o], allow_methods=[\"*\"])\n"
        );
    }

    #[test]
    fn fastapi_env_driven_origins_are_fine() {
        let head = "import os\nfrom fastapi.middleware.cors import CORSMiddleware\n";
        for value in [
            "os.environ[\"CORS_ORIGINS\"].split(\",\")",
            "settings.CORS_ORIGINS",
            "[\"https://app.example.com\"]",
            "origins",
        ] {
            let text = format!(
                "{head}app.add_middleware(CORSMiddleware, allow_origins={value}, allow_methods=[\"*\"])\n"
            );
            assert!(py(&text).is_empty(), "{value}");
        }
        // Not flagged without the import: some other middleware of the same name.
        assert!(py("app.add_middleware(CORSMiddleware, allow_origins=[\"*\"])\n").is_empty());
        assert!(py("from fastapi.middleware.gzip import GZipMiddleware\napp.add_middleware(GZipMiddleware, allow_origins=[\"*\"])\n").is_empty());
    }

    #[test]
    fn starlette_middleware_list_and_resolution() {
        let text = "from starlette.middleware import Middleware\nfrom starlette.middleware.cors import CORSMiddleware\n\
                    origins = ['*']\nmiddleware = [Middleware(CORSMiddleware, allow_origins=origins)]\n";
        assert_eq!(py(text), ["'*'"]);
        let fixed = fix("app/main.py", text);
        assert!(
            fixed.contains("origins = [o for o in os.environ"),
            "{fixed}"
        );
        assert!(fixed.contains("import os\n"), "{fixed}");
        let text = "import fastapi\napp.add_middleware(fastapi.middleware.cors.CORSMiddleware, allow_origins=(\"*\",))\n";
        assert_eq!(py(text), ["\"*\""]);
    }

    #[test]
    fn starlette_regex_and_credentials() {
        let text = "from fastapi.middleware.cors import CORSMiddleware\n\
                    app.add_middleware(CORSMiddleware, allow_origin_regex=\".*\", allow_credentials=True)\n";
        let findings = check(ID, "app/main.py", text);
        assert_eq!(spans(text, &findings), ["\".*\""]);
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].fixes.is_empty());
        // Starlette echoes the origin for `["*"]` once credentials are on: also an error.
        let text = "from fastapi.middleware.cors import CORSMiddleware\n\
                    app.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=True)\n";
        assert_eq!(check(ID, "app/main.py", text)[0].severity, Severity::Error);
        let text = "from fastapi.middleware.cors import CORSMiddleware\n\
                    app.add_middleware(CORSMiddleware, allow_origin_regex=r\"https://.*\\.example\\.com\")\n";
        assert!(py(text).is_empty());
    }

    #[test]
    fn flask_cors() {
        let text = "from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app)\n";
        let findings = check(ID, "app/__init__.py", text);
        assert_eq!(spans(text, &findings), ["CORS"]);
        assert_eq!(
            findings[0].message,
            "CORS allows any origin (Flask-CORS defaults to `*`); restrict it to an explicit \
             allow-list, e.g. from an environment variable."
        );
        assert_eq!(
            fix("app/__init__.py", text),
            "from flask import Flask\nfrom flask_cors import CORS\nimport os\n\napp = Flask(__name__)\n\
             CORS(app, origins=[o for o in os.environ.get(\"CORS_ORIGINS\", \"\").split(\",\") if o])\n"
        );
        assert_eq!(
            py("from flask_cors import CORS\nCORS(app, origins=\"*\")\n"),
            ["\"*\""]
        );
        assert_eq!(
            py("import flask_cors\nflask_cors.CORS(app, origins=[\"*\"])\n"),
            ["[\"*\"]"]
        );
        assert_eq!(
            py(
                "from flask_cors import CORS\nCORS(app, resources={r\"/api/*\": {\"origins\": \"*\"}})\n"
            ),
            ["\"*\""]
        );
        assert_eq!(
            py(
                "from flask_cors import cross_origin\n@app.route('/')\n@cross_origin()\ndef index():\n    return 'hi'\n"
            ),
            ["cross_origin"]
        );
        let findings = check(
            ID,
            "app/main.py",
            "from flask_cors import CORS\nCORS(app, supports_credentials=True)\n",
        );
        assert_eq!(findings[0].severity, Severity::Error);
        // Explicit lists, config-driven origins, options from elsewhere.
        assert!(
            py("from flask_cors import CORS\nCORS(app, origins=[\"https://app.example.com\"])\n")
                .is_empty()
        );
        assert!(py("from flask_cors import CORS\napp.config[\"CORS_ORIGINS\"] = os.environ[\"ORIGINS\"]\nCORS(app)\n").is_empty());
        assert!(py("from flask_cors import CORS\nCORS(app, **cors_options)\n").is_empty());
        assert!(py("from flask_cors import CORS\nCORS(app, resources={r\"/api/*\": {\"origins\": allowed}})\n").is_empty());
        // Not Flask-CORS.
        assert!(py("def CORS(app):\n    pass\nCORS(app)\n").is_empty());
    }

    #[test]
    fn django_settings() {
        let text = "import os\n\nCORS_ALLOW_ALL_ORIGINS = True\n";
        let findings = check(ID, "myproject/settings.py", text);
        assert_eq!(spans(text, &findings), ["True"]);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(
            fix("myproject/settings.py", text),
            "import os\n\nCORS_ALLOWED_ORIGINS = [o for o in os.environ.get(\"CORS_ORIGINS\", \"\").split(\",\") if o]\n"
        );
        // Without `import os`, and with credentials.
        let text =
            "\"\"\"Settings.\"\"\"\nCORS_ORIGIN_ALLOW_ALL = True\nCORS_ALLOW_CREDENTIALS = True\n";
        let findings = check(ID, "myproject/settings.py", text);
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(
            fix("myproject/settings.py", text),
            "\"\"\"Settings.\"\"\"\nimport os\nCORS_ALLOWED_ORIGINS = [o for o in os.environ.get(\"CORS_ORIGINS\", \"\").split(\",\") if o]\nCORS_ALLOW_CREDENTIALS = True\n"
        );
        // An allow-list already exists: turn the override off.
        let text = "CORS_ALLOWED_ORIGINS = ['https://a.example']\nCORS_ALLOW_ALL_ORIGINS = True\n";
        assert_eq!(
            fix("myproject/settings.py", text),
            "CORS_ALLOWED_ORIGINS = ['https://a.example']\nCORS_ALLOW_ALL_ORIGINS = False\n"
        );
        let text = "CORS_ALLOWED_ORIGIN_REGEXES = [r\"^https://\\w+\\.example\\.com$\", r\".*\"]\n";
        assert_eq!(py(text), ["r\".*\""]);
        assert!(py("CORS_ALLOW_ALL_ORIGINS = False\nCORS_ALLOW_ALL_ORIGINS_X = True\n").is_empty());
        assert!(py("CORS_ALLOW_ALL_ORIGINS = DEBUG\n").is_empty());
        assert!(py("if DEBUG:\n    CORS_ALLOW_ALL_ORIGINS = True\n").is_empty());
        assert!(py("def f():\n    CORS_ALLOW_ALL_ORIGINS = True\n").is_empty());
        // Development settings modules.
        assert!(
            check(
                ID,
                "myproject/settings/local.py",
                "CORS_ALLOW_ALL_ORIGINS = True\n"
            )
            .is_empty()
        );
        assert!(
            check(
                ID,
                "myproject/settings_dev.py",
                "CORS_ALLOW_ALL_ORIGINS = True\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn python_header_writes() {
        let text = "response.headers[\"Access-Control-Allow-Origin\"] = \"*\"\n\
                    response[\"access-control-allow-origin\"] = '*'\n\
                    headers = {\"Access-Control-Allow-Origin\": \"*\"}\n\
                    resp.headers.add(\"Access-Control-Allow-Origin\", \"*\")\n";
        let findings = check(ID, "app/views.py", text);
        assert_eq!(spans(text, &findings), ["\"*\"", "'*'", "\"*\"", "\"*\""]);
        assert!(findings.iter().all(|f| f.fixes.is_empty()));
        assert!(py("response.headers[\"Access-Control-Allow-Origin\"] = origin\n").is_empty());
        assert!(py("response.headers[\"Access-Control-Allow-Headers\"] = \"*\"\n").is_empty());
    }

    #[test]
    fn python_near_misses() {
        assert!(
            py("# app.add_middleware(CORSMiddleware, allow_origins=[\"*\"])\ns = 'CORS(app)'\n")
                .is_empty()
        );
        assert!(py("route = {\"origin\": \"*\", \"destination\": \"LHR\"}\n").is_empty());
        assert!(py("print(\"*\")\n").is_empty());
    }

    #[test]
    fn import_os_goes_after_imports_that_run_before_the_edit() {
        let text = "#!/usr/bin/env python\nfrom __future__ import annotations\nfrom flask_cors import CORS\nCORS(app)\nfrom .views import bp\n";
        let out = fix("app/main.py", text);
        assert_eq!(
            out,
            "#!/usr/bin/env python\nfrom __future__ import annotations\nfrom flask_cors import CORS\nimport os\n\
             CORS(app, origins=[o for o in os.environ.get(\"CORS_ORIGINS\", \"\").split(\",\") if o])\nfrom .views import bp\n"
        );
        let text = "# settings\nCORS_ALLOW_ALL_ORIGINS = True\n";
        assert_eq!(
            fix("proj/settings.py", text),
            "# settings\nimport os\nCORS_ALLOWED_ORIGINS = [o for o in os.environ.get(\"CORS_ORIGINS\", \"\").split(\",\") if o]\n"
        );
        // `os` already imported: no duplicate.
        let text = "import os.path\nfrom flask_cors import CORS\nCORS(app)\n";
        assert_eq!(fix("app/main.py", text).matches("import os").count(), 1);
    }
}
