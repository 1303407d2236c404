//! Facts about how an HTTP application is protected and probed: rate limiting (RULES.md
//! §6.4.2), security headers (§6.4.3) and health routes (§6.4.4), from TypeScript/JavaScript
//! and Python files. The candidates come from the `http.`-prefixed patterns at the end of each
//! family's `app-facts.scm`.

use super::FileFacts;
use super::edit::indentation_at;
use crate::diagnostic::Edit;
use crate::engine::{Captures, FileContext};
use crate::lang::{ecma, python};
use preflight_grammars::LanguageFamily;
use std::ops::Range;
use tree_sitter::Node;

/// Evidence that requests are rate-limited.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RateLimit {
    pub kind: RateLimitKind,
    pub range: Range<usize>,
}

/// Where a piece of rate-limit evidence comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum RateLimitKind {
    /// `ThrottlerModule.forRoot(…)`/`forRootAsync(…)` of `@nestjs/throttler`: limits nothing
    /// until a `ThrottlerGuard` is applied. The range is the callee.
    NestThrottlerModule,
    /// A Node package called or constructed: `express-rate-limit`, `rate-limiter-flexible`,
    /// `express-slow-down`, `express-brute`, `@upstash/ratelimit`.
    NodePackage,
    /// `fastify.register(rateLimit)` with `@fastify/rate-limit`.
    FastifyPlugin,
    /// An import of `slowapi`, `fastapi_limiter` or `limits`.
    AsgiPackage,
    /// An import of `flask_limiter`.
    FlaskLimiter,
    /// DRF's `DEFAULT_THROTTLE_CLASSES`, an import of `django_ratelimit`.
    Django,
}

/// Evidence that responses carry security headers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SecurityHeaders {
    pub kind: SecurityHeadersKind,
    pub range: Range<usize>,
}

/// Where a piece of security-header evidence comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum SecurityHeadersKind {
    /// `app.use(helmet())`, `app.use(helmet.hsts())`, `app.use(lusca(…))`.
    Helmet,
    /// `fastify.register(helmet)` with `@fastify/helmet`.
    FastifyHelmet,
    /// `Talisman(app)` of `flask_talisman`.
    Talisman,
    /// An import of `secure`.
    SecurePackage,
    /// `"django.middleware.security.SecurityMiddleware"` in `MIDDLEWARE`.
    DjangoSecurityMiddleware,
}

/// A route (or a library) answering health probes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct HealthRoute {
    /// The path as written (`/healthz`, `health/`); `None` when a library serves the probes
    /// (`TerminusModule`, `createTerminus`, Django's `health_check` app).
    pub path: Option<String>,
    pub range: Range<usize>,
}

/// Whether a route path is a health path (RULES.md §6.4.4), case-insensitively:
/// `/health`, `health/`, `/api/v1/healthz`, `/ready`, `/ping`, `/status`, …
pub fn is_health_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut rest = lower.strip_prefix('/').unwrap_or(&lower);
    rest = rest.strip_suffix('/').unwrap_or(rest);
    if let Some(after) = rest.strip_prefix("api/") {
        rest = after;
    }
    if let Some((version, after)) = rest.split_once('/')
        && version.len() > 1
        && version.starts_with('v')
        && version[1..].bytes().all(|b| b.is_ascii_digit())
    {
        rest = after;
    }
    matches!(
        rest,
        "health"
            | "healthz"
            | "healthcheck"
            | "health-check"
            | "_health"
            | "livez"
            | "readyz"
            | "liveness"
            | "readiness"
            | "ready"
            | "live"
            | "ping"
            | "status"
    )
}

/// Node packages whose use is rate-limit evidence.
const NODE_RATE_LIMIT_PACKAGES: &[&str] = &[
    "express-rate-limit",
    "rate-limiter-flexible",
    "express-slow-down",
    "express-brute",
    "@upstash/ratelimit",
];

/// The header names that count as security headers, lower-case.
const SECURITY_HEADERS: &[&str] = &[
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
];

/// Handles one match of an `http.` pattern of the family's `app-facts.scm`.
pub(super) fn extract(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    match cx.language().family() {
        LanguageFamily::Ecma => extract_ecma(cx, captures, facts),
        LanguageFamily::Python => extract_python(cx, captures, facts),
        LanguageFamily::Dockerfile => {}
    }
}

impl FileFacts {
    pub(super) fn add_rate_limit(&mut self, kind: RateLimitKind, range: Range<usize>) {
        let evidence = RateLimit { kind, range };
        if !self.rate_limits.contains(&evidence) {
            self.rate_limits.push(evidence);
        }
    }

    pub(super) fn add_security_headers(&mut self, kind: SecurityHeadersKind, range: Range<usize>) {
        let evidence = SecurityHeaders { kind, range };
        if !self.security_headers.contains(&evidence) {
            self.security_headers.push(evidence);
        }
    }

    pub(super) fn add_security_header_name(&mut self, name: &str) {
        let name = name.trim().to_ascii_lowercase();
        if SECURITY_HEADERS.contains(&name.as_str()) && !self.security_header_names.contains(&name)
        {
            self.security_header_names.push(name);
        }
    }

    pub(super) fn add_health_route(&mut self, path: Option<String>, range: Range<usize>) {
        let route = HealthRoute { path, range };
        if !self.health_routes.contains(&route) {
            self.health_routes.push(route);
        }
    }

    pub(super) fn add_applied_guard(&mut self, name: &str) {
        if !self.applied_guards.iter().any(|g| g == name) {
            self.applied_guards.push(name.to_string());
        }
    }
}

// ---- TypeScript / JavaScript ------------------------------------------------------------------

fn extract_ecma(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    if let Some(call) = captures.get("http.call") {
        ecma_plain_call(cx, call, facts);
    } else if let Some(new) = captures.get("http.new") {
        ecma_new(cx, new, facts);
    } else if let Some(call) = captures.get("http.method_call") {
        ecma_method_call(cx, call, facts);
    } else if let Some(key) = captures.get("http.header_key") {
        let name = match key.kind() {
            "string" => ecma::static_string(key, cx.text()),
            _ => Some(cx.node_text(key).to_string()),
        };
        if let Some(name) = name {
            facts.add_security_header_name(&name);
        }
    } else if let Some(pair) = captures.get("http.provide") {
        ecma_app_guard(cx, pair, facts);
    } else if let Some(clause) = captures.get("http.extends") {
        ecma_guard_subclass(cx, clause, facts);
    } else if let Some(decorator) = captures.get("http.decorator") {
        ecma_decorator(cx, decorator, facts);
    } else if let Some(array) = captures.get("http.imports") {
        ecma_module_imports(cx, array, facts);
    }
}

/// The module a binding target (`module#export`) comes from.
fn module_of(target: &str) -> &str {
    target.split_once('#').map_or(target, |(module, _)| module)
}

/// `rateLimit(…)`, `createTerminus(server, { healthChecks })`, `createLightship()`, and
/// whether `await` may follow a Fastify app's creation.
fn ecma_plain_call(cx: &FileContext<'_>, call: Node<'_>, facts: &mut FileFacts) {
    let Some(function) = call.child_by_field_name("function") else {
        return;
    };
    let name = cx.node_text(function);
    let Some(target) = cx.bindings().get(name) else {
        // Compiled CommonJS imports the package through a helper and calls `(0, x.default)(…)`:
        // `_interopRequireDefault(require("express-rate-limit"))`, `__importDefault(…)`.
        let interop = matches!(
            name,
            "_interopRequireDefault"
                | "_interopRequireWildcard"
                | "__importDefault"
                | "__importStar"
        );
        let module = call
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0))
            .and_then(|inner| ecma::required_module(inner, cx.text()));
        if let (true, Some(module)) = (interop, module) {
            if NODE_RATE_LIMIT_PACKAGES.contains(&module.as_str()) {
                facts.add_rate_limit(RateLimitKind::NodePackage, call.byte_range());
            }
        } else if mentions_rate_limit_package(cx)
            && local_require(function, cx.text())
                .is_some_and(|module| NODE_RATE_LIMIT_PACKAGES.contains(&module.as_str()))
        {
            facts.add_rate_limit(RateLimitKind::NodePackage, call.byte_range());
        }
        return;
    };
    let module = module_of(target);
    if NODE_RATE_LIMIT_PACKAGES.contains(&module) {
        facts.add_rate_limit(RateLimitKind::NodePackage, call.byte_range());
        return;
    }
    let arguments = call
        .child_by_field_name("arguments")
        .map(argument_nodes)
        .unwrap_or_default();
    match target {
        "@godaddy/terminus#createTerminus" => {
            let checks = arguments
                .iter()
                .any(|argument| object_pair(*argument, "healthChecks", cx.text()).is_some());
            if checks {
                facts.add_health_route(None, call.byte_range());
            }
        }
        "lightship#createLightship" | "express-healthcheck#default" => {
            facts.add_health_route(None, call.byte_range());
        }
        "fastify#default" | "fastify#fastify" if await_allowed(call) => {
            facts.async_app_sites.push(call.start_byte());
        }
        _ => {}
    }
}

/// Whether `await` is valid at `node`: inside an `async` function, or at the top level of an
/// ES module.
fn await_allowed(node: Node<'_>) -> bool {
    match ecma::enclosing_function(node) {
        Some(function) => {
            let mut cursor = function.walk();
            function
                .children(&mut cursor)
                .any(|child| child.kind() == "async")
        }
        None => {
            let mut root = node;
            while let Some(parent) = root.parent() {
                root = parent;
            }
            let mut cursor = root.walk();
            root.named_children(&mut cursor)
                .any(|statement| statement.kind() == "import_statement")
        }
    }
}

/// `new RateLimiterMemory(…)`, `new ExpressBrute(store)`, `new Ratelimit(…)`.
fn ecma_new(cx: &FileContext<'_>, new: Node<'_>, facts: &mut FileFacts) {
    let Some(constructor) = new.child_by_field_name("constructor") else {
        return;
    };
    let Some(path) = ecma::callee_path(constructor, cx.text()) else {
        return;
    };
    let canonical = cx.bindings().canonical(&path);
    let module = if canonical.contains('#') {
        Some(module_of(&canonical).to_string())
    } else {
        mentions_rate_limit_package(cx)
            .then(|| local_require(constructor, cx.text()))
            .flatten()
    };
    if module.is_some_and(|m| NODE_RATE_LIMIT_PACKAGES.contains(&m.as_str())) {
        facts.add_rate_limit(RateLimitKind::NodePackage, new.byte_range());
    }
}

/// Whether the file names one of the rate-limit packages at all: only then can a local
/// `require` bind one (the search for it walks the enclosing scopes, for every call).
fn mentions_rate_limit_package(cx: &FileContext<'_>) -> bool {
    NODE_RATE_LIMIT_PACKAGES
        .iter()
        .any(|package| cx.contains(package))
}

/// The package of `const X = require('m')` declared in a function around `identifier` (file
/// bindings only know top-level imports).
fn local_require(identifier: Node<'_>, text: &str) -> Option<String> {
    let value = ecma::resolve_const(identifier, text)?;
    ecma::required_module(ecma::unwrap_expression(value), text)
}

/// The arguments of a call, without comments.
fn argument_nodes(arguments: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = arguments.walk();
    arguments
        .named_children(&mut cursor)
        .filter(|node| node.kind() != "comment")
        .collect()
}

/// The value of the pair `key` of an object literal.
fn object_pair<'t>(object: Node<'t>, key: &str, text: &str) -> Option<Node<'t>> {
    let object = ecma::unwrap_expression(object);
    if object.kind() != "object" {
        return None;
    }
    let mut cursor = object.walk();
    for member in object.named_children(&mut cursor) {
        match member.kind() {
            "pair" => {
                let name = member
                    .child_by_field_name("key")
                    .and_then(|k| ecma::property_key(k, text));
                if name.as_deref() == Some(key) {
                    return member.child_by_field_name("value");
                }
            }
            "shorthand_property_identifier" if &text[member.byte_range()] == key => {
                return Some(member);
            }
            _ => {}
        }
    }
    None
}

/// The static strings of a path argument: a string, or an array of strings.
fn static_paths(node: Node<'_>, text: &str) -> Vec<String> {
    let node = ecma::unwrap_expression(node);
    if node.kind() == "array" {
        let mut cursor = node.walk();
        return node
            .named_children(&mut cursor)
            .filter_map(|element| ecma::static_string(element, text))
            .collect();
    }
    ecma::static_string(node, text).into_iter().collect()
}

/// The first health path among `node`'s static paths.
fn health_path(node: Node<'_>, text: &str) -> Option<String> {
    static_paths(node, text)
        .into_iter()
        .find(|path| is_health_path(path))
}

/// The package a Fastify plugin argument names: a bound identifier, `require('m')`,
/// `import('m')`.
fn plugin_module(cx: &FileContext<'_>, plugin: Node<'_>) -> Option<String> {
    let plugin = ecma::unwrap_expression(plugin);
    match plugin.kind() {
        "identifier" => cx
            .bindings()
            .get(cx.node_text(plugin))
            .map(|target| module_of(target).to_string()),
        "call_expression" => {
            if let Some(module) = ecma::required_module(plugin, cx.text()) {
                return Some(module);
            }
            let function = plugin.child_by_field_name("function")?;
            if function.kind() != "import" {
                return None;
            }
            let argument = plugin.child_by_field_name("arguments")?.named_child(0)?;
            ecma::static_string(argument, cx.text())
        }
        _ => None,
    }
}

fn ecma_method_call(cx: &FileContext<'_>, call: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let (Some(function), Some(arguments)) = (
        call.child_by_field_name("function"),
        call.child_by_field_name("arguments"),
    ) else {
        return;
    };
    let (Some(object), Some(property)) = (
        function.child_by_field_name("object"),
        function.child_by_field_name("property"),
    ) else {
        return;
    };
    let args = argument_nodes(arguments);
    let first = args.first().copied();
    match cx.node_text(property) {
        "use" => {
            for argument in &args {
                if is_helmet_middleware(cx, *argument) {
                    facts.add_security_headers(SecurityHeadersKind::Helmet, argument.byte_range());
                }
            }
            if args.len() >= 2
                && let Some(path) = first.and_then(|f| health_path(f, text))
            {
                facts.add_health_route(Some(path), call.byte_range());
            }
        }
        "register" => {
            let Some(module) = first.and_then(|plugin| plugin_module(cx, plugin)) else {
                return;
            };
            let module = module.strip_prefix("node:").unwrap_or(&module);
            match module {
                "@fastify/rate-limit" | "fastify-rate-limit" => {
                    facts.add_rate_limit(RateLimitKind::FastifyPlugin, call.byte_range());
                }
                "@fastify/helmet" | "fastify-helmet" => facts
                    .add_security_headers(SecurityHeadersKind::FastifyHelmet, call.byte_range()),
                "@fastify/under-pressure" | "under-pressure" => {
                    let exposed = args
                        .get(1)
                        .and_then(|options| object_pair(*options, "exposeStatusRoute", text));
                    match exposed.map(|value| (value.kind(), ecma::static_string(value, text))) {
                        Some((_, Some(path))) => {
                            facts.add_health_route(Some(path), call.byte_range())
                        }
                        Some(("true" | "object", None)) => {
                            facts.add_health_route(Some("/status".into()), call.byte_range())
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        "get" | "all" | "head" => {
            // `app.get('env')` reads a setting; a route has a path and a handler, and an HTTP
            // client's `get(url, { timeout })` ends with options rather than a handler.
            let handler = args.last().map(|a| ecma::unwrap_expression(*a).kind());
            if args.len() < 2 || handler == Some("object") {
                return;
            }
            if let Some(path) = first.and_then(|f| health_path(f, text)) {
                facts.add_health_route(Some(path), call.byte_range());
            }
        }
        "route" => {
            let Some(first) = first else { return };
            let path = match ecma::unwrap_expression(first).kind() {
                // Fastify: `fastify.route({ method: 'GET', url: '/health', handler })`.
                "object" => object_pair(first, "url", text)
                    .or_else(|| object_pair(first, "path", text))
                    .and_then(|value| health_path(value, text)),
                _ => health_path(first, text),
            };
            if let Some(path) = path {
                facts.add_health_route(Some(path), call.byte_range());
            }
        }
        "forRoot" | "forRootAsync" => {
            let is_throttler = object.kind() == "identifier"
                && cx.node_text(object) == "ThrottlerModule"
                && cx
                    .bindings()
                    .get("ThrottlerModule")
                    .is_none_or(|target| target == "@nestjs/throttler#ThrottlerModule");
            if is_throttler {
                facts.add_rate_limit(RateLimitKind::NestThrottlerModule, function.byte_range());
            }
        }
        "useGlobalGuards" => {
            for argument in args {
                if let Some(name) = class_reference(argument, text) {
                    facts.add_applied_guard(name);
                }
            }
        }
        "setHeader" | "header" | "set" | "append" => {
            if let Some(name) = first.and_then(|f| ecma::static_string(f, text)) {
                facts.add_security_header_name(&name);
            }
        }
        _ => {}
    }
}

/// `helmet()`, `helmet.hsts()`, `lusca(…)`, `lusca.xframe(…)`, or a `const` holding one of
/// them.
fn is_helmet_middleware(cx: &FileContext<'_>, argument: Node<'_>) -> bool {
    let mut node = ecma::unwrap_expression(argument);
    if node.kind() == "identifier"
        && let Some(value) = ecma::resolve_const(node, cx.text())
    {
        node = ecma::unwrap_expression(value);
    }
    if node.kind() != "call_expression" {
        return false;
    }
    let Some(canonical) = ecma::canonical_callee(node, cx.text(), cx.bindings()) else {
        return false;
    };
    canonical.contains('#') && matches!(module_of(&canonical), "helmet" | "lusca")
}

/// `X` of `new X(…)` or of a bare `X` argument.
fn class_reference<'t>(node: Node<'_>, text: &'t str) -> Option<&'t str> {
    let node = ecma::unwrap_expression(node);
    let name = match node.kind() {
        "new_expression" => node.child_by_field_name("constructor")?,
        "identifier" => node,
        _ => return None,
    };
    (name.kind() == "identifier").then(|| &text[name.byte_range()])
}

/// `{ provide: APP_GUARD, useClass: X }` with `APP_GUARD` from `@nestjs/core`.
fn ecma_app_guard(cx: &FileContext<'_>, pair: Node<'_>, facts: &mut FileFacts) {
    let is_app_guard = cx
        .bindings()
        .get("APP_GUARD")
        .is_none_or(|target| target == "@nestjs/core#APP_GUARD");
    let Some(object) = pair.parent().filter(|_| is_app_guard) else {
        return;
    };
    let mut cursor = object.walk();
    for sibling in object.named_children(&mut cursor) {
        if sibling.kind() == "pair"
            && sibling
                .child_by_field_name("key")
                .and_then(|key| ecma::property_key(key, cx.text()))
                .is_some_and(|key| key == "useClass")
            && let Some(class) = sibling.child_by_field_name("value")
            && let Some(name) = class_reference(class, cx.text())
        {
            facts.add_applied_guard(name);
        }
    }
}

/// `class X extends ThrottlerGuard`: `X` applies throttling wherever it is used as a guard.
fn ecma_guard_subclass(cx: &FileContext<'_>, clause: Node<'_>, facts: &mut FileFacts) {
    let Some(base) = clause.child_by_field_name("value") else {
        return;
    };
    if cx.node_text(base).rsplit('.').next() != Some("ThrottlerGuard") {
        return;
    }
    let class = clause.parent().and_then(|heritage| heritage.parent());
    if let Some(name) = class.and_then(|c| c.child_by_field_name("name")) {
        let name = cx.node_text(name).to_string();
        if !facts.throttler_guard_subclasses.contains(&name) {
            facts.throttler_guard_subclasses.push(name);
        }
    }
}

/// `@UseGuards(…)`, `@Header(name, value)`, `@Get(path)` in a `@Controller(prefix)` class.
fn ecma_decorator(cx: &FileContext<'_>, decorator: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let Some((name, args)) = super::ecma::nest_decorator(cx, decorator) else {
        return;
    };
    match name {
        "UseGuards" => {
            for argument in args {
                if let Some(guard) = class_reference(argument, text) {
                    facts.add_applied_guard(guard);
                }
            }
        }
        "Header" => {
            if let Some(header) = args.first().and_then(|a| ecma::static_string(*a, text)) {
                facts.add_security_header_name(&header);
            }
        }
        _ => {
            let Some(methods) = decorator_paths(args.first().copied(), text) else {
                return;
            };
            let class = decorator
                .parent()
                .filter(|body| body.kind() == "class_body")
                .and_then(|body| body.parent());
            let Some(prefixes) = class.and_then(|class| controller_paths(cx, class)) else {
                return;
            };
            for prefix in &prefixes {
                for method in &methods {
                    let path =
                        format!("/{}/{}", prefix.trim_matches('/'), method.trim_matches('/'))
                            .replace("//", "/");
                    if is_health_path(&path) {
                        facts.add_health_route(Some(path), decorator.byte_range());
                        return;
                    }
                }
            }
        }
    }
}

/// The paths of a NestJS route decorator argument: none (`""`), a string, an array of strings,
/// or an object's `path`. `None` when not static.
fn decorator_paths(argument: Option<Node<'_>>, text: &str) -> Option<Vec<String>> {
    let Some(argument) = argument else {
        return Some(vec![String::new()]);
    };
    let value = match ecma::unwrap_expression(argument).kind() {
        "object" => match object_pair(argument, "path", text) {
            Some(path) => path,
            None => return Some(vec![String::new()]),
        },
        _ => argument,
    };
    let paths = static_paths(value, text);
    (!paths.is_empty()).then_some(paths)
}

/// The paths of the `@Controller(…)` decorating `class` (on the class, or on its `export`).
fn controller_paths(cx: &FileContext<'_>, class: Node<'_>) -> Option<Vec<String>> {
    let mut holders = vec![class];
    if let Some(export) = class.parent().filter(|p| p.kind() == "export_statement") {
        holders.push(export);
    }
    for holder in holders {
        let mut cursor = holder.walk();
        for decorator in holder.children(&mut cursor) {
            if decorator.kind() != "decorator" {
                continue;
            }
            let Some(call) = decorator
                .named_child(0)
                .filter(|c| c.kind() == "call_expression")
            else {
                continue;
            };
            let is_controller = call
                .child_by_field_name("function")
                .is_some_and(|f| cx.node_text(f) == "Controller");
            if !is_controller {
                continue;
            }
            let first = call
                .child_by_field_name("arguments")
                .and_then(|a| argument_nodes(a).into_iter().next());
            return decorator_paths(first, cx.text());
        }
    }
    None
}

/// `imports: [TerminusModule, …]` of a NestJS module.
fn ecma_module_imports(cx: &FileContext<'_>, array: Node<'_>, facts: &mut FileFacts) {
    let mut cursor = array.walk();
    for element in array.named_children(&mut cursor) {
        let path = match element.kind() {
            "identifier" => Some(cx.node_text(element).to_string()),
            "call_expression" => element
                .child_by_field_name("function")
                .and_then(|f| ecma::callee_path(f, cx.text())),
            _ => None,
        };
        if path.is_some_and(|p| p == "TerminusModule" || p.starts_with("TerminusModule.")) {
            facts.add_health_route(None, element.byte_range());
        }
    }
}

// ---- Python ---------------------------------------------------------------------------------

fn extract_python(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    if let Some(module) = captures.get("http.module") {
        python_import(cx, module, facts);
    } else if let Some(call) = captures.get("http.call") {
        python_call(cx, call, facts);
    } else if let Some(key) = captures.get("http.header_key") {
        if let Some(name) = python::static_string(key, cx.text()) {
            facts.add_security_header_name(&name);
        }
    } else if let Some(string) = captures.get("http.setting_string") {
        python_setting_string(cx, string, facts);
    } else if let (Some(name), Some(assignment)) = (
        captures.get("http.setting"),
        captures.get("http.assignment"),
    ) {
        match cx.node_text(name) {
            "ROOT_URLCONF" => facts.root_urlconf = Some(name.byte_range()),
            "INSTALLED_APPS" => {
                facts.no_installed_apps =
                    Some(assignment.child_by_field_name("right").is_some_and(|apps| {
                        matches!(apps.kind(), "list" | "tuple") && apps.named_child_count() == 0
                    }));
            }
            _ => {
                // The last assignment with an insertion point wins, as when the facts of
                // separately analysed statements are merged (`FileFacts::absorb`).
                if let Some(edit) = assignment
                    .child_by_field_name("right")
                    .and_then(|list| first_element_insertion(list, cx.text()))
                {
                    facts.security_middleware_insertion = Some(edit);
                }
            }
        }
    }
}

/// `import slowapi`, `from flask_limiter import Limiter`, `from secure import Secure`.
fn python_import(cx: &FileContext<'_>, module: Node<'_>, facts: &mut FileFacts) {
    let name = cx.node_text(module);
    let top = name.split('.').next().unwrap_or(name);
    let range = module.byte_range();
    match top {
        "slowapi" | "fastapi_limiter" | "limits" => {
            facts.add_rate_limit(RateLimitKind::AsgiPackage, range)
        }
        "flask_limiter" => facts.add_rate_limit(RateLimitKind::FlaskLimiter, range),
        "django_ratelimit" => facts.add_rate_limit(RateLimitKind::Django, range),
        "ratelimit" if name.starts_with("ratelimit.decorators") => {
            facts.add_rate_limit(RateLimitKind::Django, range)
        }
        "secure" => facts.add_security_headers(SecurityHeadersKind::SecurePackage, range),
        _ => {}
    }
}

/// The static value of the first positional argument, or of the keyword `keyword`.
fn python_path_argument(arguments: Node<'_>, keyword: &str, text: &str) -> Option<String> {
    python::positional_arguments(arguments)
        .into_iter()
        .next()
        .or_else(|| python::keyword_argument(arguments, keyword, text))
        .and_then(|argument| python::static_string(argument, text))
}

fn python_call(cx: &FileContext<'_>, call: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let (Some(function), Some(arguments)) = (
        call.child_by_field_name("function"),
        call.child_by_field_name("arguments"),
    ) else {
        return;
    };
    let name = match function.kind() {
        "attribute" => function.child_by_field_name("attribute"),
        _ => Some(function),
    };
    let Some(name) = name.map(|n| cx.node_text(n)) else {
        return;
    };
    let canonical = python::canonical_callee(call, text, cx.bindings()).unwrap_or_default();
    let range = call.byte_range();
    let path = match name {
        "Talisman" => {
            if canonical == "flask_talisman.Talisman" {
                facts.add_security_headers(SecurityHeadersKind::Talisman, range);
            }
            return;
        }
        "Route" if canonical.starts_with("starlette.") || canonical.starts_with("fastapi.") => {
            python_path_argument(arguments, "path", text)
        }
        "path" | "re_path" | "url" if is_urls_module(cx.path()) => {
            python_path_argument(arguments, "route", text)
                .map(|p| p.trim_start_matches('^').trim_end_matches('$').to_string())
        }
        "APIRouter" | "include_router" => python::keyword_argument(arguments, "prefix", text)
            .and_then(|p| python::static_string(p, text)),
        "Blueprint" | "register_blueprint" => {
            python::keyword_argument(arguments, "url_prefix", text)
                .and_then(|p| python::static_string(p, text))
        }
        "add_api_route" => python_path_argument(arguments, "path", text),
        "add_url_rule" => python_path_argument(arguments, "rule", text),
        "get" | "head" | "api_route" | "route"
            if function.kind() == "attribute"
                && call.parent().is_some_and(|p| p.kind() == "decorator") =>
        {
            python_path_argument(arguments, "path", text)
                .or_else(|| python_path_argument(arguments, "rule", text))
        }
        _ => None,
    };
    if let Some(path) = path.filter(|p| is_health_path(p)) {
        facts.add_health_route(Some(path), range);
    }
}

/// Django URL configurations: `urls.py`, or any module of a `urls/` package.
fn is_urls_module(path: &str) -> bool {
    let mut segments = path.rsplit('/');
    let file = segments.next().unwrap_or("");
    file == "urls.py" || segments.next() == Some("urls")
}

/// The module-level statement holding `node`.
fn top_level_statement(node: Node<'_>) -> Option<Node<'_>> {
    let mut node = node;
    while let Some(parent) = node.parent() {
        if parent.kind() == "module" {
            return Some(node);
        }
        node = parent;
    }
    None
}

/// The setting a module-level statement assigns or changes: `MIDDLEWARE` for `MIDDLEWARE = […]`,
/// `MIDDLEWARE += […]` or `MIDDLEWARE.insert(0, …)`.
fn statement_setting<'t>(statement: Node<'_>, text: &'t str) -> Option<&'t str> {
    let expression = statement
        .named_child(0)
        .filter(|_| statement.kind() == "expression_statement")?;
    let target = match expression.kind() {
        "assignment" | "augmented_assignment" => expression.child_by_field_name("left")?,
        "call" => expression
            .child_by_field_name("function")?
            .child_by_field_name("object")?,
        _ => return None,
    };
    (target.kind() == "identifier").then(|| &text[target.byte_range()])
}

/// `"django.middleware.security.SecurityMiddleware"` in `MIDDLEWARE`, `"health_check"` in
/// `INSTALLED_APPS`, `"DEFAULT_THROTTLE_CLASSES": [...]` with at least one class.
fn python_setting_string(cx: &FileContext<'_>, string: Node<'_>, facts: &mut FileFacts) {
    let text = cx.text();
    let Some(value) = python::static_string(string, text) else {
        return;
    };
    if value == "DEFAULT_THROTTLE_CLASSES" {
        let throttles = string
            .parent()
            .filter(|pair| pair.kind() == "pair" && pair.child_by_field_name("key") == Some(string))
            .and_then(|pair| pair.child_by_field_name("value"))
            .is_some_and(|classes| {
                matches!(classes.kind(), "list" | "tuple") && classes.named_child_count() > 0
            });
        if throttles {
            facts.add_rate_limit(RateLimitKind::Django, string.byte_range());
        }
        return;
    }
    let setting = top_level_statement(string).and_then(|s| statement_setting(s, text));
    if value == "django.middleware.security.SecurityMiddleware" {
        if setting == Some("MIDDLEWARE") {
            facts.add_security_headers(
                SecurityHeadersKind::DjangoSecurityMiddleware,
                string.byte_range(),
            );
        }
    } else if setting == Some("INSTALLED_APPS") {
        facts.add_health_route(None, string.byte_range());
    }
}

/// An edit inserting `"django.middleware.security.SecurityMiddleware",` as the first element of
/// a `MIDDLEWARE` list or tuple, in the style of the elements already there.
fn first_element_insertion(sequence: Node<'_>, text: &str) -> Option<Edit> {
    if !matches!(sequence.kind(), "list" | "tuple") || sequence.has_error() {
        return None;
    }
    let open = sequence.child(0)?;
    let first = sequence.named_child(0).filter(|n| n.kind() != "comment");
    let quote = first
        .filter(|f| f.kind() == "string")
        .and_then(|f| {
            text[f.byte_range()]
                .chars()
                .find(|c| *c == '"' || *c == '\'')
        })
        .unwrap_or('"');
    let element = format!("{quote}django.middleware.security.SecurityMiddleware{quote},");
    let after_open = open.end_byte();
    let replacement = match first {
        None if sequence.named_child_count() == 0 => element,
        // Elements on their own lines: a new first line, indented like the current first.
        Some(first) if text[after_open..first.start_byte()].contains('\n') => {
            format!("\n{}{element}", indentation_at(text, first.start_byte()))
        }
        Some(_) => format!("{element} "),
        None => return None,
    };
    Some(Edit::insert(after_open, replacement))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, SourceFile};
    use crate::project::{NoFileSystem, ProjectInfo};
    use preflight_grammars::Language;

    fn facts_of(path: &str, text: &str) -> FileFacts {
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let engine = Engine::with_rules(Vec::new());
        let file = SourceFile::new(path, text, language);
        engine
            .analyze_file(&file, &ProjectInfo::default(), &NoFileSystem)
            .facts
    }

    fn rate_kinds(facts: &FileFacts) -> Vec<RateLimitKind> {
        facts.rate_limits.iter().map(|r| r.kind).collect()
    }

    fn header_kinds(facts: &FileFacts) -> Vec<SecurityHeadersKind> {
        facts.security_headers.iter().map(|r| r.kind).collect()
    }

    fn health_paths(facts: &FileFacts) -> Vec<Option<&str>> {
        facts
            .health_routes
            .iter()
            .map(|r| r.path.as_deref())
            .collect()
    }

    #[test]
    fn health_paths_follow_the_pattern() {
        for path in [
            "/health",
            "health",
            "/healthz/",
            "/api/health",
            "/api/v1/healthz",
            "v2/ready",
            "/PING",
            "/_health",
            "/livez",
            "status",
            "/health-check",
        ] {
            assert!(is_health_path(path), "{path}");
        }
        for path in [
            "/",
            "/healthy",
            "/api/users",
            "/v/health",
            "/orders/status",
            "/vx/ping",
        ] {
            assert!(!is_health_path(path), "{path}");
        }
    }

    #[test]
    fn node_rate_limit_packages_must_be_called() {
        let text = "import rateLimit from 'express-rate-limit';\n\
                    import { RateLimiterMemory } from 'rate-limiter-flexible';\n\
                    const ExpressBrute = require('express-brute');\n\
                    app.use('/api', rateLimit({ windowMs: 60_000, limit: 100 }));\n\
                    const limiter = new RateLimiterMemory({ points: 5 });\n\
                    const brute = new ExpressBrute(store);\n";
        let facts = facts_of("src/app.ts", text);
        assert_eq!(rate_kinds(&facts), [RateLimitKind::NodePackage; 3]);
        let imported_only = "import rateLimit from 'express-rate-limit';\nexport const x = 1;\n";
        assert!(facts_of("src/app.ts", imported_only).rate_limits.is_empty());
        let local = "function limits() {\n  const ExpressBrute = require('express-brute');\n  return new ExpressBrute(store);\n}\n";
        assert_eq!(
            rate_kinds(&facts_of("src/spam.js", local)),
            [RateLimitKind::NodePackage]
        );
        let babel =
            "var _expressRateLimit = _interopRequireDefault(require(\"express-rate-limit\"));\n";
        assert_eq!(
            rate_kinds(&facts_of("lib/m.js", babel)),
            [RateLimitKind::NodePackage]
        );
        let unbound = "const limiter = rateLimit({ max: 5 });\nnew RateLimiterMemory();\n";
        assert!(facts_of("src/app.ts", unbound).rate_limits.is_empty());
    }

    #[test]
    fn fastify_plugins() {
        let text = "import rateLimit from '@fastify/rate-limit';\nimport helmet from '@fastify/helmet';\n\
                    await fastify.register(rateLimit, { max: 100 });\nfastify.register(helmet);\n\
                    fastify.register(require('@fastify/under-pressure'), { exposeStatusRoute: true });\n\
                    fastify.register(import('fastify-rate-limit'));\nfastify.register(other);\n";
        let facts = facts_of("src/server.ts", text);
        assert_eq!(
            rate_kinds(&facts),
            [RateLimitKind::FastifyPlugin, RateLimitKind::FastifyPlugin]
        );
        assert_eq!(header_kinds(&facts), [SecurityHeadersKind::FastifyHelmet]);
        assert_eq!(health_paths(&facts), [Some("/status")]);
    }

    #[test]
    fn nest_throttler_module_and_guards() {
        let text = "import { APP_GUARD } from '@nestjs/core';\n\
                    import { ThrottlerModule, ThrottlerGuard } from '@nestjs/throttler';\n\
                    @Module({\n  imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 100 }])],\n\
                    \x20 providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],\n})\nexport class AppModule {}\n\
                    @UseGuards(AuthGuard, CustomThrottler)\nexport class C {}\n\
                    export class CustomThrottler extends ThrottlerGuard {}\n\
                    app.useGlobalGuards(new Other());\n";
        let facts = facts_of("src/app.module.ts", text);
        assert_eq!(rate_kinds(&facts), [RateLimitKind::NestThrottlerModule]);
        assert_eq!(
            &text[facts.rate_limits[0].range.clone()],
            "ThrottlerModule.forRoot"
        );
        assert_eq!(
            facts.applied_guards,
            ["ThrottlerGuard", "AuthGuard", "CustomThrottler", "Other"]
        );
        assert_eq!(facts.throttler_guard_subclasses, ["CustomThrottler"]);
    }

    #[test]
    fn helmet_and_header_writes() {
        let text = "import helmet from 'helmet';\nconst lusca = require('lusca');\n\
                    app.use(helmet());\napp.use(helmet.hsts({ maxAge: 1 }));\napp.use(lusca.xframe('SAMEORIGIN'));\n\
                    const h = helmet();\napp.use(h);\napp.use(cors());\n\
                    res.setHeader('X-Frame-Options', 'DENY');\nres.set({ 'Referrer-Policy': 'no-referrer' });\n\
                    headers.set('content-type', 'x');\n";
        let facts = facts_of("src/app.ts", text);
        assert_eq!(header_kinds(&facts), [SecurityHeadersKind::Helmet; 4]);
        assert_eq!(
            facts.security_header_names,
            ["x-frame-options", "referrer-policy"]
        );
    }

    #[test]
    fn express_and_nest_health_routes() {
        let text = "router.get('/healthz', (_req, res) => res.send('ok'));\napp.get('status');\n\
                    app.use('/ping', pingRouter);\napp.get(['/live', '/x'], h);\n\
                    http.get('/health', { timeout: 5 });\napp.route('/ready').get(h);\n\
                    fastify.route({ method: 'GET', url: '/livez', handler });\napp.get('/orders', h);\n";
        let facts = facts_of("src/app.ts", text);
        assert_eq!(
            health_paths(&facts),
            [
                Some("/healthz"),
                Some("/ping"),
                Some("/live"),
                Some("/ready"),
                Some("/livez")
            ]
        );
        let controller = "@Controller('health')\nexport class HealthController {\n  @Get()\n  check() {}\n}\n\
                          @Controller({ path: 'api', version: '1' })\nclass Api {\n  @Get('ping')\n  ping() {}\n  @Get('users')\n  users() {}\n}\n\
                          @Controller('users')\nclass Users {\n  @Get(':id/status')\n  status() {}\n}\n";
        let facts = facts_of("src/health.controller.ts", controller);
        assert_eq!(health_paths(&facts), [Some("/health/"), Some("/api/ping")]);
        let module =
            "@Module({ imports: [TerminusModule, HttpModule] })\nexport class HealthModule {}\n";
        assert_eq!(
            health_paths(&facts_of("src/health.module.ts", module)),
            [None]
        );
        let terminus = "import { createTerminus } from '@godaddy/terminus';\n\
                        createTerminus(server, { healthChecks: { '/healthcheck': check } });\n";
        assert_eq!(health_paths(&facts_of("src/server.ts", terminus)), [None]);
    }

    #[test]
    fn python_evidence() {
        let text = "from slowapi import Limiter\nimport flask_limiter.util\nfrom secure import Secure\n\
                    from flask_talisman import Talisman\nTalisman(app)\n\
                    response.headers[\"X-Content-Type-Options\"] = \"nosniff\"\n\
                    headers = {\"Strict-Transport-Security\": \"max-age=1\"}\n";
        let facts = facts_of("app/main.py", text);
        assert_eq!(
            rate_kinds(&facts),
            [RateLimitKind::AsgiPackage, RateLimitKind::FlaskLimiter]
        );
        assert_eq!(
            header_kinds(&facts),
            [
                SecurityHeadersKind::SecurePackage,
                SecurityHeadersKind::Talisman
            ]
        );
        assert_eq!(
            facts.security_header_names,
            ["x-content-type-options", "strict-transport-security"]
        );
    }

    #[test]
    fn python_health_routes() {
        let text = "@app.get(\"/health\")\ndef health(): ...\n@bp.route(\"/ping\", methods=[\"GET\"])\ndef ping(): ...\n\
                    app.add_url_rule(\"/ready\", view_func=ready)\nrequests.get(\"/health\")\n\
                    router = APIRouter(prefix=\"/healthz\")\nroutes = [Route(\"/livez\", live)]\n\
                    @app.post(\"/status\")\ndef s(): ...\n";
        let text = format!("from starlette.routing import Route\n{text}");
        let facts = facts_of("app/main.py", &text);
        assert_eq!(
            health_paths(&facts),
            [
                Some("/health"),
                Some("/ping"),
                Some("/ready"),
                Some("/healthz"),
                Some("/livez")
            ]
        );
        let urls = "from django.urls import path, re_path\nurlpatterns = [path(\"health/\", v), re_path(r\"^ping$\", p), path(\"users/\", u)]\n";
        assert_eq!(
            health_paths(&facts_of("config/urls.py", urls)),
            [Some("health/"), Some("ping")]
        );
        assert!(facts_of("config/views.py", urls).health_routes.is_empty());
    }

    #[test]
    fn django_settings_facts() {
        let text = "INSTALLED_APPS = [\n    \"django.contrib.auth\",\n    \"health_check\",\n    \"health_check.db\",\n]\n\
                    MIDDLEWARE = [\n    'django.middleware.security.SecurityMiddleware',\n    'x',\n]\n\
                    ROOT_URLCONF = \"config.urls\"\n\
                    REST_FRAMEWORK = {\"DEFAULT_THROTTLE_CLASSES\": [\"rest_framework.throttling.AnonRateThrottle\"]}\n\
                    OTHER = {\"DEFAULT_THROTTLE_CLASSES\": []}\nNOTE = \"django.middleware.security.SecurityMiddleware\"\n";
        let facts = facts_of("config/settings.py", text);
        assert_eq!(health_paths(&facts), [None, None]);
        assert_eq!(
            header_kinds(&facts),
            [SecurityHeadersKind::DjangoSecurityMiddleware]
        );
        assert_eq!(rate_kinds(&facts), [RateLimitKind::Django]);
        assert_eq!(&text[facts.root_urlconf.clone().unwrap()], "ROOT_URLCONF");
        let edit = facts.security_middleware_insertion.unwrap();
        assert_eq!(
            edit.replacement,
            "\n    'django.middleware.security.SecurityMiddleware',"
        );
        assert_eq!(facts.no_installed_apps, Some(false));
        let defaults = "INSTALLED_APPS = []\nMIDDLEWARE = []\n";
        assert_eq!(
            facts_of("django/conf/global_settings.py", defaults).no_installed_apps,
            Some(true)
        );
        let inline = "MIDDLEWARE = (\"a\", \"b\")\n";
        let edit = facts_of("s.py", inline)
            .security_middleware_insertion
            .unwrap();
        assert_eq!(
            edit.replacement,
            "\"django.middleware.security.SecurityMiddleware\", "
        );
        let empty = "MIDDLEWARE = []\n";
        let edit = facts_of("s.py", empty)
            .security_middleware_insertion
            .unwrap();
        assert_eq!(
            edit.replacement,
            "\"django.middleware.security.SecurityMiddleware\","
        );
    }
}
