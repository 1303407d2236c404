//! Facts: what one file says about its project (app sites, error handlers, exported functions,
//! …), extracted in the same query pass as the file-level rules (RULES.md §6.3).
//!
//! The shared `app-facts.scm` query of each language family finds the candidates; [`extract`]
//! is called once per match and adds to the file's [`FileFacts`]. Project rules never see trees,
//! so whatever a project rule's fix needs from a file (where a statement can be inserted, which
//! names are imported) is recorded here too, as byte offsets into that file.
//!
//! Each kind of fact is its own field, so that a rule can add a field without touching the
//! others, and an editor can tell which kinds an edit changed (RULES.md §7).

mod dockerfile;
mod ecma;
pub(crate) use ecma::sets_axios_default_timeout;
mod edit;
mod env;
mod http;
mod modules;
mod python;

pub use dockerfile::{DockerfileFacts, EntrypointTarget, TargetProblem, dockerfile};
pub(crate) use edit::indent_unit;
pub use edit::{EditContext, Insertion};
pub use env::is_platform_variable;
pub(crate) use env::mentions_env_factory;
pub use http::{
    HealthRoute, RateLimit, RateLimitKind, SecurityHeaders, SecurityHeadersKind, is_health_path,
};
pub use modules::ModuleIndex;

use crate::engine::{Captures, FileContext};
use crate::rules::{Triggers, Words};
use preflight_grammars::LanguageFamily;
use std::ops::Range;

/// Everything one file contributes to project-level rules. Comparable, so that an editor can
/// tell whether an edit changed anything a project rule depends on.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    /// HTTP application sites (RULES.md H10), in document order.
    pub app_sites: Vec<AppSite>,
    /// The file starts serving: it calls `.listen(` (TS/JS), `app.run(` or `uvicorn.run(`.
    pub listens: bool,
    /// How project-rule fixes may edit this file; present when the file holds an app site.
    pub edit_context: Option<EditContext>,
    /// Evidence of a global error handler (RULES.md §6.4.1).
    pub error_handlers: Vec<ErrorHandler>,
    /// `app.use(name)` where `name` is imported from a relative module: whether it is an error
    /// middleware depends on what that module exports, which only the project knows.
    pub imported_middleware: Vec<ImportedMiddleware>,
    /// Names this module exports (TS/JS), for resolving imports across the project.
    pub exports: Vec<Export>,
    /// `export … from './m'` (TS/JS).
    pub reexports: Vec<ReExport>,
    /// Classes decorated with `@Catch()` without arguments (NestJS catch-all filters).
    pub catch_all_filters: Vec<FilterClass>,
    /// Class names used as exception filters: `@UseFilters(X)`, `useGlobalFilters(new X())`,
    /// `{ provide: APP_FILTER, useClass: X }`.
    pub filter_references: Vec<String>,
    /// Names that routes or middleware are registered on (`app.get('/x', h)`, `app.use(m)`).
    pub route_receivers: Vec<String>,
    /// Evidence of rate limiting (RULES.md §6.4.2).
    pub rate_limits: Vec<RateLimit>,
    /// Class names applied as NestJS guards: `@UseGuards(X)`, `useGlobalGuards(new X())`,
    /// `{ provide: APP_GUARD, useClass: X }`.
    pub applied_guards: Vec<String>,
    /// Classes declared as `extends ThrottlerGuard`.
    pub throttler_guard_subclasses: Vec<String>,
    /// Evidence of security-header middleware (RULES.md §6.4.3).
    pub security_headers: Vec<SecurityHeaders>,
    /// Security headers the file sets itself (lower-case names).
    pub security_header_names: Vec<String>,
    /// Health-check routes (RULES.md §6.4.4).
    pub health_routes: Vec<HealthRoute>,
    /// Django settings: the `ROOT_URLCONF` name.
    pub root_urlconf: Option<Range<usize>>,
    /// Django settings: `INSTALLED_APPS` is empty, as in Django's own defaults
    /// (`global_settings.py`): no application is configured here.
    pub no_installed_apps: Option<bool>,
    /// Django settings: inserts `SecurityMiddleware` as the first element of `MIDDLEWARE`.
    pub security_middleware_insertion: Option<crate::diagnostic::Edit>,
    /// Start bytes of Fastify app-creating calls where `await` is allowed (async function or
    /// ES module top level).
    pub async_app_sites: Vec<usize>,
    /// Environment variables the file reads (RULES.md H7), in document order.
    pub env_reads: Vec<EnvRead>,
    /// The file sets `axios.defaults.timeout` to something other than `0`.
    pub axios_default_timeout: bool,
    /// What a Dockerfile tells its project: `ENV` names, the container command's targets.
    pub dockerfile: Option<DockerfileFacts>,
    /// Python: the module's top-level names.
    pub module_index: Option<ModuleIndex>,
}

/// A read of an environment variable by a static name (RULES.md H7, fact `env-read`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EnvRead {
    /// The variable's name (pydantic-settings fields: prefixed and upper-cased unless the
    /// settings are case-sensitive).
    pub name: String,
    /// The name node: the property, the string argument, the settings field.
    pub range: Range<usize>,
    /// A static default at the read site (`process.env.PORT ?? 3000`, `os.getenv("X", "d")`).
    pub default: Option<String>,
    /// The environment matches the name case-insensitively (pydantic-settings).
    pub case_insensitive: bool,
}

/// A web framework recognised from code.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Framework {
    NestJs,
    Express,
    Fastify,
    FastApi,
    Starlette,
    Flask,
    Django,
}

impl Framework {
    /// The framework's name as users write it, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::NestJs => "NestJS",
            Self::Express => "Express",
            Self::Fastify => "Fastify",
            Self::FastApi => "FastAPI",
            Self::Starlette => "Starlette",
            Self::Flask => "Flask",
            Self::Django => "Django",
        }
    }
}

/// Where an HTTP application is created (RULES.md H10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AppSite {
    pub framework: Framework,
    /// The anchor: `NestFactory.create` (the callee), `express()`, `FastAPI(...)` (the call),
    /// the `MIDDLEWARE` name of a Django settings module.
    pub range: Range<usize>,
    /// The same file starts serving (see [`FileFacts::listens`]).
    pub has_listen: bool,
    /// Routes or middleware are registered on the app in this file (`app.get(…)`, `app.use(…)`,
    /// or a chain on the creating call).
    pub has_registrations: bool,
    /// The variable the app is assigned to (`const app = express()`, `app = FastAPI()`).
    pub binding: Option<String>,
    /// The callee as written (`express`, `Fastify`, `NestFactory.create`), for snippets that
    /// name the framework's types (`express.Request`).
    pub callee: String,
    /// Where statements about the app can go.
    pub insertions: SiteInsertions,
}

/// Places in the app's file where fixes can add statements about the app.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SiteInsertions {
    /// Right after the statement that creates the app.
    pub after_creation: Option<Insertion>,
    /// Before the first statement of the same block that starts listening (`app.listen(…)`).
    pub before_listen: Option<Insertion>,
    /// After the last statement of the same block that registers a route or middleware on the
    /// app.
    pub after_last_registration: Option<Insertion>,
}

/// Evidence that errors reach a global handler.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ErrorHandler {
    pub kind: ErrorHandlerKind,
    pub range: Range<usize>,
}

/// Which framework a piece of error-handling evidence serves, and how it was recognised.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ErrorHandlerKind {
    /// `app.useGlobalFilters(f)`, `{ provide: APP_FILTER, … }`.
    NestFilter,
    /// `app.use((err, req, res, next) => …)`, or a name resolving to a 4-parameter function.
    ExpressMiddleware,
    /// `app.use(x)` where `x` cannot be resolved but is named as an error handler
    /// (`errorHandler`, `handleErrors()`), e.g. imported from a package.
    ExpressNamedMiddleware,
    /// Sentry's Express error handler, `celebrate`'s `errors()`, the `errorhandler` package.
    ExpressPackage,
    /// `fastify.setErrorHandler(…)`.
    Fastify,
    /// FastAPI/Starlette: `exception_handler(Exception)`, `add_exception_handler(500, …)`,
    /// `exception_handlers={Exception: …}`, an HTTP middleware catching `Exception`.
    Asgi,
    /// Flask: `errorhandler(Exception)`, `app_errorhandler(500)`, `register_error_handler(…)`.
    Flask,
}

impl ErrorHandlerKind {
    /// Whether this evidence counts for apps of `framework`. NestJS on Express also runs
    /// Express error middleware.
    pub fn serves(self, framework: Framework) -> bool {
        use ErrorHandlerKind::*;
        match framework {
            Framework::NestJs => matches!(
                self,
                NestFilter | ExpressMiddleware | ExpressNamedMiddleware | ExpressPackage
            ),
            Framework::Express => {
                matches!(
                    self,
                    ExpressMiddleware | ExpressNamedMiddleware | ExpressPackage
                )
            }
            Framework::Fastify => self == Fastify,
            Framework::FastApi | Framework::Starlette => self == Asgi,
            Framework::Flask => self == Flask,
            Framework::Django => false,
        }
    }
}

/// `app.use(name)` with `name` bound to `export` of the relative module `module`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ImportedMiddleware {
    /// The specifier as written: `./middleware/error-handler`.
    pub module: String,
    /// The imported export: a name, or `default`.
    pub export: String,
    /// The local name looks like an error handler's (`errorHandler`), for when the module
    /// cannot be resolved.
    pub error_named: bool,
    pub range: Range<usize>,
}

/// A name a module exports.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Export {
    /// The exported name; `default` for `export default` and `module.exports = …`.
    pub name: String,
    /// The number of declared parameters when the export is a function.
    pub arity: Option<usize>,
}

/// `export { a as b } from './m'` (`name = Some(("a", "b"))`) or `export * from './m'`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ReExport {
    pub module: String,
    /// `(imported, exported)`; `None` for `export *`.
    pub name: Option<(String, String)>,
}

/// A class decorated with `@Catch()` (catches every exception).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FilterClass {
    pub name: String,
    /// The class name node.
    pub range: Range<usize>,
    /// `extends BaseExceptionFilter`.
    pub extends_base_filter: bool,
    /// The declared constructor's parameter types as written (`""` when untyped); `None`
    /// without a constructor.
    pub constructor_params: Option<Vec<String>>,
}

/// Words without which a file has no app site and reads no environment variable: the facts
/// that make a file matter to project rules on their own (see [`FileFacts::anchors`]). App
/// sites are recognised through the framework's module or class name (`express`, `fastify`,
/// `NestFactory`; `fastapi`, `starlette`, `flask`, Django's `MIDDLEWARE`); environment reads
/// all name `env` in some case (`process.env`, `import.meta.env`, `Deno.env`, `os.environ`,
/// `getenv`, django-environ's `env`), or read a NestJS `ConfigService` or a pydantic
/// `BaseSettings` class.
pub const TRIGGERS: Triggers = Triggers {
    ecma: Words::any_case(&["express", "fastify", "nestfactory", "env", "config"]),
    python: Words::any_case(&[
        "fastapi",
        "starlette",
        "flask",
        "middleware",
        "env",
        "settings",
    ]),
};

/// Handles one match of the family's `app-facts.scm` query.
pub fn extract(cx: &FileContext<'_>, captures: &Captures<'_, '_>, facts: &mut FileFacts) {
    http::extract(cx, captures, facts);
    env::extract(cx, captures, facts);
    modules::extract(cx, captures, facts);
    match cx.language().family() {
        LanguageFamily::Ecma => ecma::extract(cx, captures, facts),
        LanguageFamily::Python => python::extract(cx, captures, facts),
        LanguageFamily::Dockerfile => {}
    }
}

impl FileFacts {
    /// Whether the file matters to project rules on its own: it creates an app, reads the
    /// environment, or is a Dockerfile. Every other fact (routes, middleware, exports, a
    /// module's top-level names, …) only matters in a project where some file anchors one, and
    /// the [`TRIGGERS`] need not cover it: a scan that skipped files of such a project analyses
    /// them after all (see [`FileFacts::needs_whole_project`]).
    pub fn anchors(&self) -> bool {
        !self.app_sites.is_empty() || !self.env_reads.is_empty() || self.dockerfile.is_some()
    }

    /// Whether project rules read facts of other files of the project because of this one: it
    /// creates an app (routes, middleware, error handlers, exports may be anywhere), or it is a
    /// Dockerfile whose command names a Python module's attribute.
    pub fn needs_whole_project(&self) -> bool {
        !self.app_sites.is_empty()
            || self.dockerfile.as_ref().is_some_and(|docker| {
                docker
                    .targets
                    .iter()
                    .any(|target| matches!(target.problem, TargetProblem::Attribute { .. }))
            })
    }

    /// Adds the facts `later` found further down the same file, as if one pass had found both:
    /// the language server analyses files in pieces and keeps the pieces an edit did not touch.
    pub fn absorb(&mut self, later: FileFacts) {
        // Exhaustive, so that a new kind of fact cannot be forgotten here.
        let FileFacts {
            app_sites,
            listens,
            edit_context,
            error_handlers,
            imported_middleware,
            exports,
            reexports,
            catch_all_filters,
            filter_references,
            route_receivers,
            rate_limits,
            applied_guards,
            throttler_guard_subclasses,
            security_headers,
            security_header_names,
            health_routes,
            root_urlconf,
            no_installed_apps,
            security_middleware_insertion,
            async_app_sites,
            env_reads,
            axios_default_timeout,
            dockerfile,
            module_index,
        } = later;
        for receiver in &route_receivers {
            self.add_route_receiver(receiver);
        }
        for site in app_sites {
            self.add_site(site);
        }
        if listens {
            self.set_listens();
        }
        if self.edit_context.is_none() {
            self.edit_context = edit_context;
        }
        for handler in error_handlers {
            self.add_error_handler(handler.kind, handler.range);
        }
        self.imported_middleware.extend(imported_middleware);
        self.exports.extend(exports);
        self.reexports.extend(reexports);
        self.catch_all_filters.extend(catch_all_filters);
        for name in &filter_references {
            self.add_filter_reference(name);
        }
        for evidence in rate_limits {
            self.add_rate_limit(evidence.kind, evidence.range);
        }
        for name in &applied_guards {
            self.add_applied_guard(name);
        }
        for name in throttler_guard_subclasses {
            if !self.throttler_guard_subclasses.contains(&name) {
                self.throttler_guard_subclasses.push(name);
            }
        }
        for evidence in security_headers {
            self.add_security_headers(evidence.kind, evidence.range);
        }
        for name in &security_header_names {
            self.add_security_header_name(name);
        }
        for route in health_routes {
            self.add_health_route(route.path, route.range);
        }
        // Module-level settings: the last assignment wins.
        if root_urlconf.is_some() {
            self.root_urlconf = root_urlconf;
        }
        if no_installed_apps.is_some() {
            self.no_installed_apps = no_installed_apps;
        }
        if security_middleware_insertion.is_some() {
            self.security_middleware_insertion = security_middleware_insertion;
        }
        self.async_app_sites.extend(async_app_sites);
        for read in env_reads {
            self.add_env_read(read);
        }
        self.axios_default_timeout |= axios_default_timeout;
        if dockerfile.is_some() {
            self.dockerfile = dockerfile;
        }
        if module_index.is_some() {
            self.module_index = module_index;
        }
    }

    /// The facts with every byte offset passed through `map`; `None` when one has no image.
    pub fn map_offsets(&self, map: &impl Fn(usize) -> Option<usize>) -> Option<FileFacts> {
        let range = |r: &Range<usize>| Some(map(r.start)?..map(r.end)?);
        let insertion = |i: &Insertion| {
            Some(Insertion {
                at: map(i.at)?,
                ..i.clone()
            })
        };
        let optional = |i: &Option<Insertion>| match i {
            Some(i) => insertion(i).map(Some),
            None => Some(None),
        };
        let FileFacts {
            app_sites,
            listens,
            edit_context,
            error_handlers,
            imported_middleware,
            exports,
            reexports,
            catch_all_filters,
            filter_references,
            route_receivers,
            rate_limits,
            applied_guards,
            throttler_guard_subclasses,
            security_headers,
            security_header_names,
            health_routes,
            root_urlconf,
            no_installed_apps,
            security_middleware_insertion,
            async_app_sites,
            env_reads,
            axios_default_timeout,
            dockerfile,
            module_index,
        } = self;
        Some(FileFacts {
            app_sites: app_sites
                .iter()
                .map(|site| {
                    Some(AppSite {
                        range: range(&site.range)?,
                        insertions: SiteInsertions {
                            after_creation: optional(&site.insertions.after_creation)?,
                            before_listen: optional(&site.insertions.before_listen)?,
                            after_last_registration: optional(
                                &site.insertions.after_last_registration,
                            )?,
                        },
                        ..site.clone()
                    })
                })
                .collect::<Option<_>>()?,
            listens: *listens,
            edit_context: match edit_context {
                Some(context) => Some(EditContext {
                    import_at: insertion(&context.import_at)?,
                    ..context.clone()
                }),
                None => None,
            },
            error_handlers: error_handlers
                .iter()
                .map(|h| {
                    Some(ErrorHandler {
                        kind: h.kind,
                        range: range(&h.range)?,
                    })
                })
                .collect::<Option<_>>()?,
            imported_middleware: imported_middleware
                .iter()
                .map(|m| {
                    Some(ImportedMiddleware {
                        range: range(&m.range)?,
                        ..m.clone()
                    })
                })
                .collect::<Option<_>>()?,
            exports: exports.clone(),
            reexports: reexports.clone(),
            catch_all_filters: catch_all_filters
                .iter()
                .map(|f| {
                    Some(FilterClass {
                        range: range(&f.range)?,
                        ..f.clone()
                    })
                })
                .collect::<Option<_>>()?,
            filter_references: filter_references.clone(),
            route_receivers: route_receivers.clone(),
            rate_limits: rate_limits
                .iter()
                .map(|r| {
                    Some(RateLimit {
                        kind: r.kind,
                        range: range(&r.range)?,
                    })
                })
                .collect::<Option<_>>()?,
            applied_guards: applied_guards.clone(),
            throttler_guard_subclasses: throttler_guard_subclasses.clone(),
            security_headers: security_headers
                .iter()
                .map(|h| {
                    Some(SecurityHeaders {
                        kind: h.kind,
                        range: range(&h.range)?,
                    })
                })
                .collect::<Option<_>>()?,
            security_header_names: security_header_names.clone(),
            health_routes: health_routes
                .iter()
                .map(|h| {
                    Some(HealthRoute {
                        path: h.path.clone(),
                        range: range(&h.range)?,
                    })
                })
                .collect::<Option<_>>()?,
            root_urlconf: match root_urlconf {
                Some(r) => Some(range(r)?),
                None => None,
            },
            no_installed_apps: *no_installed_apps,
            security_middleware_insertion: match security_middleware_insertion {
                Some(edit) => Some(crate::diagnostic::Edit {
                    range: range(&edit.range)?,
                    replacement: edit.replacement.clone(),
                }),
                None => None,
            },
            async_app_sites: async_app_sites
                .iter()
                .map(|at| map(*at))
                .collect::<Option<_>>()?,
            env_reads: env_reads
                .iter()
                .map(|read| {
                    Some(EnvRead {
                        range: range(&read.range)?,
                        ..read.clone()
                    })
                })
                .collect::<Option<_>>()?,
            axios_default_timeout: *axios_default_timeout,
            // Dockerfiles are analysed whole, never in pieces.
            dockerfile: match dockerfile {
                Some(_) => return None,
                None => None,
            },
            module_index: module_index.clone(),
        })
    }

    /// Records an app site, with what the file already told about listening and registrations.
    fn add_site(&mut self, mut site: AppSite) {
        site.has_listen |= self.listens;
        if let Some(binding) = &site.binding {
            site.has_registrations |= self.route_receivers.contains(binding);
        }
        if !self.app_sites.iter().any(|s| s.range == site.range) {
            self.app_sites.push(site);
        }
    }

    fn set_listens(&mut self) {
        self.listens = true;
        for site in &mut self.app_sites {
            site.has_listen = true;
        }
    }

    fn add_route_receiver(&mut self, name: &str) {
        for site in &mut self.app_sites {
            if site.binding.as_deref() == Some(name) {
                site.has_registrations = true;
            }
        }
        if !self.route_receivers.iter().any(|r| r == name) {
            self.route_receivers.push(name.to_string());
        }
    }

    fn add_error_handler(&mut self, kind: ErrorHandlerKind, range: Range<usize>) {
        let handler = ErrorHandler { kind, range };
        if !self.error_handlers.contains(&handler) {
            self.error_handlers.push(handler);
        }
    }

    fn add_filter_reference(&mut self, name: &str) {
        if !self.filter_references.iter().any(|r| r == name) {
            self.filter_references.push(name.to_string());
        }
    }
}

/// The primary site among `sites` (RULES.md H10): the first by (path, position) in a file that
/// also listens, else the first by (path, position).
pub fn primary_site<'a>(
    sites: impl IntoIterator<Item = (&'a str, &'a AppSite)>,
) -> Option<(&'a str, &'a AppSite)> {
    let mut sites: Vec<_> = sites.into_iter().collect();
    sites.sort_by(|a, b| (a.0, a.1.range.start).cmp(&(b.0, b.1.range.start)));
    sites
        .iter()
        .copied()
        .find(|(_, site)| site.has_listen)
        .or_else(|| sites.first().copied())
}

/// The project file a relative import in `from` names: `./x` → `x.ts`, `x.tsx`, `x.js`,
/// `x.mjs`, `x.cjs`, `x.mts`, `x.cts`, `x/index.*`; a `.js` specifier also finds the `.ts`
/// source it is compiled from. `None` for package imports and files not in `files`.
pub fn resolve_relative_module<'a>(
    from: &str,
    specifier: &str,
    files: &[&'a str],
) -> Option<&'a str> {
    if !(specifier.starts_with("./") || specifier.starts_with("../") || specifier == ".") {
        return None;
    }
    let mut segments: Vec<&str> = from.split('/').collect();
    segments.pop();
    for part in specifier.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            other => segments.push(other),
        }
    }
    let base = segments.join("/");
    const EXTENSIONS: &[&str] = &["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"];
    let mut candidates = vec![base.clone()];
    for (written, sources) in [
        (".js", &["ts", "tsx"][..]),
        (".jsx", &["tsx"][..]),
        (".mjs", &["mts"][..]),
        (".cjs", &["cts"][..]),
    ] {
        if let Some(stem) = base.strip_suffix(written) {
            candidates.extend(sources.iter().map(|ext| format!("{stem}.{ext}")));
        }
    }
    candidates.extend(EXTENSIONS.iter().map(|ext| format!("{base}.{ext}")));
    let prefix = if base.is_empty() {
        String::new()
    } else {
        format!("{base}/")
    };
    candidates.extend(EXTENSIONS.iter().map(|ext| format!("{prefix}index.{ext}")));
    candidates
        .iter()
        .find_map(|candidate| files.iter().copied().find(|file| file == candidate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, SourceFile};
    use crate::project::{NoFileSystem, ProjectInfo};
    use preflight_grammars::Language;

    pub(crate) fn facts_of(path: &str, text: &str) -> FileFacts {
        let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
        let engine = Engine::with_rules(Vec::new());
        let file = SourceFile::new(path, text, language);
        engine
            .analyze_file(&file, &ProjectInfo::default(), &NoFileSystem)
            .facts
    }

    fn frameworks(facts: &FileFacts) -> Vec<Framework> {
        facts.app_sites.iter().map(|s| s.framework).collect()
    }

    fn kinds(facts: &FileFacts) -> Vec<ErrorHandlerKind> {
        facts.error_handlers.iter().map(|h| h.kind).collect()
    }

    #[test]
    fn finds_nest_sites_but_not_microservices() {
        let text = "import { NestFactory } from '@nestjs/core';\n\
                    async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\n\
                    const m = NestFactory.createMicroservice(AppModule);\n\
                    const c = NestFactory.createApplicationContext(AppModule);\n";
        let facts = facts_of("src/main.ts", text);
        assert_eq!(frameworks(&facts), [Framework::NestJs]);
        let site = &facts.app_sites[0];
        assert_eq!(&text[site.range.clone()], "NestFactory.create");
        assert!(site.has_listen);
        assert_eq!(site.binding.as_deref(), Some("app"));
    }

    #[test]
    fn nest_factory_bound_elsewhere_is_not_nest() {
        let text =
            "import { NestFactory } from './fake';\nconst app = NestFactory.create(AppModule);\n";
        assert!(facts_of("src/main.ts", text).app_sites.is_empty());
    }

    #[test]
    fn finds_express_and_fastify_sites_by_binding() {
        let text = "import express from 'express';\nimport Fastify from 'fastify';\n\
                    const app = express();\nconst router = express.Router();\nconst f = Fastify({ logger: true });\n\
                    const g = require('fastify')();\nfunction other() { return server(); }\n";
        let facts = facts_of("src/app.ts", text);
        assert_eq!(
            frameworks(&facts),
            [Framework::Express, Framework::Fastify, Framework::Fastify]
        );
        assert!(facts.app_sites.iter().all(|s| !s.has_listen));
        let cjs = "const express = require('express');\nconst app = express();\napp.get('/', h);\n";
        let facts = facts_of("src/index.js", cjs);
        assert_eq!(frameworks(&facts), [Framework::Express]);
        assert!(facts.app_sites[0].has_registrations);
    }

    #[test]
    fn an_unbound_express_call_is_not_an_app() {
        let facts = facts_of("src/app.ts", "const app = express();\napp.get('/', h);\n");
        assert!(facts.app_sites.is_empty());
    }

    #[test]
    fn registrations_and_listen_are_seen_in_any_order() {
        let text = "import express from 'express';\nfunction start() { app.listen(3000); }\n\
                    app.get('/x', h);\nconst app = express();\n";
        let facts = facts_of("src/app.ts", text);
        let site = &facts.app_sites[0];
        assert!(site.has_listen && site.has_registrations);
        // `app.get('env')` reads a setting; it registers nothing.
        let text = "import express from 'express';\nconst app = express();\napp.get('env');\n";
        assert!(!facts_of("src/app.ts", text).app_sites[0].has_registrations);
        let chained = "import express from 'express';\nexport default express().use(json());\n";
        assert!(facts_of("src/app.ts", chained).app_sites[0].has_registrations);
    }

    #[test]
    fn finds_python_sites_by_canonical_callee() {
        let text = "import fastapi\nfrom flask import Flask as F\nfrom starlette.applications import Starlette\n\
                    a = fastapi.FastAPI()\nb = F(__name__)\nc = Starlette()\nd = FastAPI()\n";
        let facts = facts_of("app/main.py", text);
        assert_eq!(
            frameworks(&facts),
            [Framework::FastApi, Framework::Flask, Framework::Starlette]
        );
        assert!(!facts.listens);
        let text = "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run()\n";
        assert!(facts_of("app/main.py", text).app_sites[0].has_listen);
        let text =
            "import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\nuvicorn.run(app)\n";
        assert!(facts_of("app/main.py", text).app_sites[0].has_listen);
        let text = "import asyncio\nfrom fastapi import FastAPI\napp = FastAPI()\nasyncio.run(main())\nthread.run()\n";
        assert!(!facts_of("app/main.py", text).app_sites[0].has_listen);
    }

    #[test]
    fn finds_django_settings_modules() {
        let text = "INSTALLED_APPS = ['x']\nMIDDLEWARE = ['y']\n";
        let facts = facts_of("config/settings.py", text);
        assert_eq!(frameworks(&facts), [Framework::Django]);
        assert_eq!(&text[facts.app_sites[0].range.clone()], "MIDDLEWARE");
        assert!(
            facts_of("config/other.py", "MIDDLEWARE = ['y']\n")
                .app_sites
                .is_empty()
        );
    }

    #[test]
    fn express_error_middleware_evidence() {
        let text = "import express from 'express';\nimport * as Sentry from '@sentry/node';\n\
                    import { errors } from 'celebrate';\nimport errorhandler from 'errorhandler';\n\
                    function local(err, req, res, next) {}\nconst arrow = (err: Error, req: Request, res?: Response, next?: NextFunction) => {};\n\
                    const three = (req, res, next) => {};\n\
                    app.use((err, req, res, next) => {});\napp.use('/api', function (e, q, s, n) {});\n\
                    app.use(local);\napp.use(arrow);\napp.use(three);\napp.use((req, res, next) => next());\n\
                    app.use(Sentry.Handlers.errorHandler());\nSentry.setupExpressErrorHandler(app);\n\
                    app.use(errors());\napp.use(errorhandler());\n";
        let facts = facts_of("src/app.ts", text);
        use ErrorHandlerKind::*;
        let mut found = kinds(&facts);
        found.sort();
        assert_eq!(
            found,
            [
                ExpressMiddleware,
                ExpressMiddleware,
                ExpressMiddleware,
                ExpressMiddleware,
                ExpressPackage,
                ExpressPackage,
                ExpressPackage,
                ExpressPackage,
            ]
        );
    }

    #[test]
    fn imported_middleware_is_left_to_the_project() {
        let text = "import { errorHandler } from './middleware/error-handler';\nimport notFound from '../not-found';\n\
                    import { handleErrors } from '@acme/express-kit';\n\
                    app.use(errorHandler);\napp.use(notFound);\napp.use(handleErrors);\napp.use(cors());\n";
        let facts = facts_of("src/app.ts", text);
        let imported: Vec<_> = facts
            .imported_middleware
            .iter()
            .map(|m| (m.module.as_str(), m.export.as_str(), m.error_named))
            .collect();
        assert_eq!(
            imported,
            [
                ("./middleware/error-handler", "errorHandler", true),
                ("../not-found", "default", false),
            ]
        );
        assert_eq!(kinds(&facts), [ErrorHandlerKind::ExpressNamedMiddleware]);
    }

    #[test]
    fn records_exported_functions_with_arity() {
        let text = "export function errorHandler(err, req, res, next) {}\n\
                    export const h = (a, b) => {}, k = make();\nfunction local(a, b, c, d) {}\n\
                    export { local as renamed };\nexport default local;\n\
                    export { a as b } from './x';\nexport * from './y';\n";
        let facts = facts_of("src/m.ts", text);
        let exports: Vec<_> = facts
            .exports
            .iter()
            .map(|e| (e.name.as_str(), e.arity))
            .collect();
        assert_eq!(
            exports,
            [
                ("errorHandler", Some(4)),
                ("h", Some(2)),
                ("k", None),
                ("renamed", Some(4)),
                ("default", Some(4)),
            ]
        );
        assert_eq!(
            facts.reexports,
            [
                ReExport {
                    module: "./x".into(),
                    name: Some(("a".into(), "b".into()))
                },
                ReExport {
                    module: "./y".into(),
                    name: None
                },
            ]
        );
        let cjs = "function eh(err, req, res, next) {}\nmodule.exports = { eh, other: (a) => a };\n\
                   exports.named = function (a, b, c, d) {};\nmodule.exports.x = eh;\n";
        let exports: Vec<_> = facts_of("src/m.js", cjs)
            .exports
            .into_iter()
            .map(|e| (e.name, e.arity))
            .collect();
        assert_eq!(
            exports,
            [
                ("eh".to_string(), Some(4)),
                ("other".to_string(), Some(1)),
                ("named".to_string(), Some(4)),
                ("x".to_string(), Some(4)),
            ]
        );
        let default = facts_of(
            "src/m.js",
            "module.exports = function (err, req, res, next) {};\n",
        );
        assert_eq!(
            default.exports,
            [Export {
                name: "default".into(),
                arity: Some(4)
            }]
        );
    }

    #[test]
    fn nest_filter_evidence_and_catch_all_classes() {
        let text = "import { APP_FILTER } from '@nestjs/core';\n\
                    app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost)));\napp.useGlobalFilters();\n\
                    @Module({ providers: [{ provide: APP_FILTER, useClass: Other }] })\nexport class AppModule {}\n\
                    @Catch()\nexport class CatchAll extends BaseExceptionFilter {}\n\
                    @Catch(HttpException)\nexport class HttpOnly {}\n\
                    @Catch()\nclass Plain implements ExceptionFilter {\n  constructor(private readonly host: HttpAdapterHost) {}\n}\n\
                    @UseFilters(Scoped, new Other2())\nexport class C {}\n";
        let facts = facts_of("src/main.ts", text);
        assert_eq!(
            kinds(&facts),
            [ErrorHandlerKind::NestFilter, ErrorHandlerKind::NestFilter]
        );
        assert_eq!(
            facts.catch_all_filters,
            [
                FilterClass {
                    name: "CatchAll".into(),
                    range: facts.catch_all_filters[0].range.clone(),
                    extends_base_filter: true,
                    constructor_params: None,
                },
                FilterClass {
                    name: "Plain".into(),
                    range: facts.catch_all_filters[1].range.clone(),
                    extends_base_filter: false,
                    constructor_params: Some(vec!["HttpAdapterHost".into()]),
                },
            ]
        );
        assert_eq!(
            facts.filter_references,
            ["AllExceptionsFilter", "Other", "Scoped", "Other2"]
        );
        // `provide` bound to something else is not Nest's token.
        let text = "import { APP_FILTER } from './tokens';\nconst p = { provide: APP_FILTER, useClass: X };\n";
        assert!(facts_of("src/m.ts", text).error_handlers.is_empty());
    }

    #[test]
    fn fastify_and_python_evidence() {
        let facts = facts_of(
            "src/app.ts",
            "fastify.setErrorHandler((e, q, r) => {});\nf.setErrorHandler();\n",
        );
        assert_eq!(kinds(&facts), [ErrorHandlerKind::Fastify]);
        let text = "from fastapi import FastAPI\nfrom starlette.applications import Starlette\n\
                    @app.exception_handler(Exception)\nasync def a(r, e): ...\n\
                    @app.exception_handler(500)\nasync def b(r, e): ...\n\
                    @app.exception_handler(HTTPException)\nasync def c(r, e): ...\n\
                    app.add_exception_handler(Exception, a)\n\
                    app = FastAPI(exception_handlers={Exception: a})\n\
                    handlers = {500: a}\nother = Starlette(exception_handlers=handlers)\n\
                    @app.middleware(\"http\")\nasync def mw(request, call_next):\n    try:\n        return await call_next(request)\n    except Exception:\n        return None\n\
                    @app.middleware(\"http\")\nasync def timing(request, call_next):\n    try:\n        return await call_next(request)\n    except ValueError:\n        return None\n";
        let facts = facts_of("app/main.py", text);
        assert_eq!(kinds(&facts), [ErrorHandlerKind::Asgi; 6]);
        let text = "@app.errorhandler(Exception)\ndef a(e): ...\n@bp.app_errorhandler(500)\ndef b(e): ...\n\
                    app.register_error_handler(werkzeug.exceptions.InternalServerError, a)\n\
                    @app.errorhandler(HTTPException)\ndef c(e): ...\n@app.errorhandler(404)\ndef d(e): ...\n";
        let facts = facts_of("app/main.py", text);
        assert_eq!(kinds(&facts), [ErrorHandlerKind::Flask; 4]);
    }

    #[test]
    fn resolves_relative_modules() {
        let files = [
            "src/middleware/error-handler.ts",
            "src/util/index.js",
            "src/legacy.cjs",
            "lib.ts",
        ];
        let resolve = |from: &str, spec: &str| resolve_relative_module(from, spec, &files);
        assert_eq!(
            resolve("src/app.ts", "./middleware/error-handler"),
            Some("src/middleware/error-handler.ts")
        );
        assert_eq!(
            resolve("src/app.ts", "./middleware/error-handler.js"),
            Some("src/middleware/error-handler.ts")
        );
        assert_eq!(resolve("src/app.ts", "./util"), Some("src/util/index.js"));
        assert_eq!(resolve("src/a/b.ts", "../legacy"), Some("src/legacy.cjs"));
        assert_eq!(resolve("src/app.ts", "../lib"), Some("lib.ts"));
        assert_eq!(resolve("src/app.ts", "../../lib"), None);
        assert_eq!(resolve("src/app.ts", "express"), None);
        assert_eq!(resolve("src/app.ts", "./missing"), None);
    }

    #[test]
    fn primary_site_prefers_a_listening_file() {
        let site = |start: usize, has_listen: bool| AppSite {
            framework: Framework::Express,
            range: start..start + 1,
            has_listen,
            has_registrations: true,
            binding: None,
            callee: String::new(),
            insertions: SiteInsertions::default(),
        };
        let (a, b, c) = (site(5, false), site(9, true), site(1, true));
        let sites = [("src/a.ts", &a), ("src/z.ts", &b), ("src/z.ts", &c)];
        let (path, primary) = primary_site(sites).unwrap();
        assert_eq!((path, primary.range.start), ("src/z.ts", 1));
        let (path, _) = primary_site([("src/b.ts", &a), ("src/a.ts", &a)]).unwrap();
        assert_eq!(path, "src/a.ts");
    }
}
