use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Related, Severity};
use crate::engine::ProjectFinding;
use crate::project::ProjectView;
use crate::project::facts::{
    AppSite, EditContext, FileFacts, FilterClass, Framework, primary_site, resolve_relative_module,
};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// Flags an HTTP application (NestJS, Express, Fastify, FastAPI/Starlette, Flask) when no
    /// file of its project registers a global error handler: a NestJS `useGlobalFilters(…)` or
    /// `APP_FILTER` provider, an Express middleware with four parameters
    /// (`(err, req, res, next)`, also imported from another file of the project), Sentry's or
    /// celebrate's Express handler, Fastify's `setErrorHandler`, FastAPI/Starlette's
    /// `exception_handler(Exception)` / `add_exception_handler(500, …)` /
    /// `exception_handlers={Exception: …}` / an HTTP middleware catching `Exception`, or Flask's
    /// `errorhandler(Exception | 500 | InternalServerError | HTTPException)`.
    ///
    /// The diagnostic is reported once per project and framework, at the app's creation
    /// (`NestFactory.create`, `express()`, `FastAPI()`, …) in the file that starts the server.
    /// When a NestJS project declares a catch-all `@Catch()` filter that is never registered,
    /// the message names it and points to it.
    ///
    /// ## Why is this bad?
    /// Express's default handler answers with an HTML page that includes the stack trace unless
    /// `NODE_ENV=production`. NestJS, FastAPI and Flask return a generic 500, but leave no single
    /// place to map domain errors, attach request context, report to an error tracker or keep a
    /// consistent error body.
    ///
    /// ## Example
    /// ```ts
    /// // src/server.ts
    /// import express from 'express';
    /// const app = express();
    /// app.get('/users/:id', getUser);
    /// app.listen(3000);
    /// ```
    /// ```python
    /// # app/main.py
    /// from fastapi import FastAPI
    /// app = FastAPI()
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// app.get('/users/:id', getUser);
    /// app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    ///   logger.error(err);
    ///   res.status(500).json({ error: 'Internal Server Error' });
    /// });
    /// app.listen(3000);
    /// ```
    /// ```python
    /// @app.exception_handler(Exception)
    /// async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    ///     logging.getLogger(__name__).exception("Unhandled error", exc_info=exc)
    ///     return JSONResponse({"detail": "Internal Server Error"}, status_code=500)
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: it adds behaviour. Express: an error middleware before the app's `.listen(`
    /// statement (else after its last route or middleware). Fastify: `setErrorHandler` after
    /// the app's creation. FastAPI/Starlette and Flask: an `Exception` handler after the app's
    /// creation, with the imports it needs (Flask's passes `HTTPException`s through, so 404s
    /// stay 404s). NestJS: `app.useGlobalFilters(new X(…))` when an unregistered `@Catch()`
    /// filter `X` exists; otherwise no fix is offered (writing a new filter file is left to you).
    ///
    /// ## How to silence
    /// `// preflight-ignore: missing-error-handler` (or `# preflight-ignore: …`) on the line
    /// above the app's creation, or `[rules] missing-error-handler = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "missing-error-handler",
        summary: "HTTP app without a global error handler",
        category: Category::Reliability,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Project(check),
    };
}

/// Frameworks reported together: FastAPI is Starlette, and shares its error handling.
const GROUPS: &[&[Framework]] = &[
    &[Framework::NestJs],
    &[Framework::Express],
    &[Framework::Fastify],
    &[Framework::FastApi, Framework::Starlette],
    &[Framework::Flask],
];

fn check(project: &ProjectView<'_>, out: &mut Vec<ProjectFinding>) {
    let project = Project::new(project);
    for group in GROUPS {
        let sites = project.files.iter().flat_map(|(path, facts)| {
            facts
                .app_sites
                .iter()
                .filter(|site| group.contains(&site.framework))
                // An Express app only matters once something is mounted on it.
                .filter(|site| site.framework != Framework::Express || site.has_registrations)
                .map(move |site| (*path, site))
        });
        let Some((path, site)) = primary_site(sites) else {
            continue;
        };
        if project.has_error_handler(site.framework) {
            continue;
        }
        out.push(ProjectFinding {
            path: path.to_string(),
            finding: project.finding(path, site),
        });
    }
}

/// The project's files, with lookups by path.
struct Project<'a> {
    files: Vec<(&'a str, &'a FileFacts)>,
    paths: Vec<&'a str>,
}

impl<'a> Project<'a> {
    fn new(view: &ProjectView<'a>) -> Self {
        let files: Vec<_> = view.facts().collect();
        let paths = files.iter().map(|(path, _)| *path).collect();
        Project { files, paths }
    }

    fn facts(&self, path: &str) -> Option<&'a FileFacts> {
        self.files.iter().find(|(p, _)| *p == path).map(|(_, f)| *f)
    }

    fn has_error_handler(&self, framework: Framework) -> bool {
        let direct = self.files.iter().any(|(_, facts)| {
            facts
                .error_handlers
                .iter()
                .any(|handler| handler.kind.serves(framework))
        });
        direct
            || (matches!(framework, Framework::Express | Framework::NestJs)
                && self.files.iter().any(|(path, facts)| {
                    facts.imported_middleware.iter().any(|m| {
                        self.is_error_middleware(path, &m.module, &m.export, m.error_named)
                    })
                }))
    }

    /// Whether `export` of the module `module` imported by `from` is a 4-parameter function.
    /// A module or export that cannot be followed counts when the local name says it is an
    /// error handler.
    fn is_error_middleware(
        &self,
        from: &str,
        module: &str,
        export: &str,
        error_named: bool,
    ) -> bool {
        let Some(file) = resolve_relative_module(from, module, &self.paths) else {
            return error_named;
        };
        match self.export_arity(file, export) {
            Some(Some(arity)) => arity == 4,
            Some(None) | None => error_named,
        }
    }

    /// The arity of `name` as exported by `file`, following `export … from` re-exports.
    /// `None`: not found; `Some(None)`: found, but not a function.
    fn export_arity(&self, file: &str, name: &str) -> Option<Option<usize>> {
        let mut pending = vec![(file.to_string(), name.to_string())];
        let mut seen: Vec<(String, String)> = Vec::new();
        while let Some((file, name)) = pending.pop() {
            if seen.len() > 32 {
                break; // a re-export chain this long is not worth following
            }
            if seen.contains(&(file.clone(), name.clone())) {
                continue;
            }
            seen.push((file.clone(), name.clone()));
            let Some(facts) = self.facts(&file) else {
                continue;
            };
            if let Some(export) = facts.exports.iter().rev().find(|e| e.name == name) {
                return Some(export.arity);
            }
            for reexport in &facts.reexports {
                let Some(target) = resolve_relative_module(&file, &reexport.module, &self.paths)
                else {
                    continue;
                };
                match &reexport.name {
                    Some((imported, exported)) if *exported == name => {
                        pending.push((target.to_string(), imported.clone()));
                    }
                    None if name != "default" => pending.push((target.to_string(), name.clone())),
                    _ => {}
                }
            }
        }
        None
    }

    /// `@Catch()` classes whose name is never used as a filter anywhere, by (path, position).
    fn unregistered_filters(&self) -> Vec<(&'a str, &'a FilterClass)> {
        let registered = |name: &str| {
            self.files
                .iter()
                .any(|(_, facts)| facts.filter_references.iter().any(|r| r == name))
        };
        let mut classes: Vec<_> = self
            .files
            .iter()
            .flat_map(|(path, facts)| facts.catch_all_filters.iter().map(move |c| (*path, c)))
            .filter(|(_, class)| !registered(&class.name))
            .collect();
        classes.sort_by_key(|(path, class)| (*path, class.range.start));
        classes
    }

    fn finding(&self, path: &str, site: &AppSite) -> Finding {
        let unregistered = if site.framework == Framework::NestJs {
            self.unregistered_filters().into_iter().next()
        } else {
            None
        };
        let message = match unregistered {
            Some((_, class)) => format!(
                "`{}` is decorated with `@Catch()` but never registered (`useGlobalFilters` or an \
                 `APP_FILTER` provider).",
                class.name
            ),
            None => format!(
                "No global error handler is registered for this {} app; unhandled errors fall \
                 back to framework defaults (no error reporting, inconsistent error bodies, \
                 possible stack-trace leaks).",
                site.framework.name()
            ),
        };
        let mut finding = RULE.finding(site.range.clone(), message);
        if let Some((class_path, class)) = unregistered {
            finding = finding.with_related(Related {
                path: class_path.to_string(),
                range: class.range.clone(),
                message: format!(
                    "`{}` catches every exception but is never registered",
                    class.name
                ),
            });
        }
        let context = self
            .facts(path)
            .and_then(|facts| facts.edit_context.as_ref());
        let fix = context.and_then(|context| match site.framework {
            Framework::Express => express_fix(site, context),
            Framework::Fastify => fastify_fix(site, context),
            Framework::NestJs => unregistered
                .and_then(|(class_path, class)| nest_fix(site, context, path, class_path, class)),
            Framework::FastApi | Framework::Starlette => asgi_fix(site, context),
            Framework::Flask => flask_fix(site, context),
            Framework::Django => None,
        });
        match fix {
            Some(fix) => finding.with_fix(fix),
            None => finding,
        }
    }
}

/// Lines indented by `base` plus `depth` units; an empty line stays empty.
fn block(lines: &[(usize, String)], base: &str, unit: &str) -> String {
    let mut out = String::new();
    for (depth, line) in lines {
        if !line.is_empty() {
            out.push_str(base);
            out.push_str(&unit.repeat(*depth));
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn express_fix(site: &AppSite, context: &EditContext) -> Option<Fix> {
    let app = site.binding.as_deref()?;
    let at = site
        .insertions
        .before_listen
        .as_ref()
        .or(site.insertions.after_last_registration.as_ref())?;
    let (q, semi) = (context.quote, if context.semicolons { ";" } else { "" });
    let parameters = if context.typed {
        // The types come from the default import the app was created with.
        let express = &site.callee;
        if !is_identifier(express) {
            return None;
        }
        format!(
            "err: unknown, _req: {express}.Request, res: {express}.Response, _next: {express}.NextFunction"
        )
    } else {
        "err, _req, res, _next".to_string()
    };
    let lines = [
        (0, format!("{app}.use(({parameters}) => {{")),
        (1, format!("console.error(err){semi}")),
        (
            1,
            format!("res.status(500).json({{ error: {q}Internal Server Error{q} }}){semi}"),
        ),
        (0, format!("}}){semi}")),
    ];
    let edit = at.edit(&block(&lines, &at.indent, &context.indent_unit));
    Some(Fix::unsafe_(
        format!("Add an error-handling middleware to `{app}`"),
        vec![edit],
    ))
}

fn fastify_fix(site: &AppSite, context: &EditContext) -> Option<Fix> {
    let app = site.binding.as_deref()?;
    let at = site.insertions.after_creation.as_ref()?;
    let (q, semi) = (context.quote, if context.semicolons { ";" } else { "" });
    let lines = [
        (
            0,
            format!("{app}.setErrorHandler((error, request, reply) => {{"),
        ),
        (1, format!("request.log.error(error){semi}")),
        (
            1,
            format!(
                "reply.status(error.statusCode ?? 500).send({{ error: {q}Internal Server Error{q} }}){semi}"
            ),
        ),
        (0, format!("}}){semi}")),
    ];
    let edit = at.edit(&block(&lines, &at.indent, &context.indent_unit));
    Some(Fix::unsafe_(
        format!("Add `{app}.setErrorHandler`"),
        vec![edit],
    ))
}

/// `app.useGlobalFilters(new X(…))` after `NestFactory.create`, importing `X` (and
/// `HttpAdapterHost` when the filter needs it).
fn nest_fix(
    site: &AppSite,
    context: &EditContext,
    path: &str,
    class_path: &str,
    class: &FilterClass,
) -> Option<Fix> {
    let app = site.binding.as_deref()?;
    let at = site.insertions.after_creation.as_ref()?;
    let argument = match class.constructor_params.as_deref() {
        // `BaseExceptionFilter` replies through the HTTP adapter it is given.
        None if class.extends_base_filter => format!("{app}.get(HttpAdapterHost).httpAdapter"),
        None | Some([]) => String::new(),
        Some([only]) if only == "HttpAdapterHost" => format!("{app}.get(HttpAdapterHost)"),
        Some([only])
            if class.extends_base_filter
                && matches!(only.as_str(), "HttpServer" | "AbstractHttpAdapter") =>
        {
            format!("{app}.get(HttpAdapterHost).httpAdapter")
        }
        // A constructor this fix cannot satisfy.
        Some(_) => return None,
    };
    let semi = if context.semicolons { ";" } else { "" };
    let mut imports = Vec::new();
    if argument.contains("HttpAdapterHost") && context.import_of("HttpAdapterHost").is_none() {
        imports.push(import_line(context, "HttpAdapterHost", "@nestjs/core"));
    }
    if class_path != path && context.import_of(&class.name).is_none() {
        let module = relative_specifier(path, class_path, context);
        imports.push(import_line(context, &class.name, &module));
    }
    let statement = block(
        &[(
            0,
            format!(
                "{app}.useGlobalFilters(new {}({argument})){semi}",
                class.name
            ),
        )],
        &at.indent,
        &context.indent_unit,
    );
    let mut edits = vec![at.edit(&statement)];
    if !imports.is_empty() {
        merge_insert(&mut edits, context.import_at.edit(&imports.concat()));
    }
    Some(Fix::unsafe_(
        format!("Register `{}` with `{app}.useGlobalFilters`", class.name),
        edits,
    ))
}

/// `import { name } from 'module';` or, in CommonJS files, `const { name } = require('module');`.
fn import_line(context: &EditContext, name: &str, module: &str) -> String {
    let (q, semi) = (context.quote, if context.semicolons { ";" } else { "" });
    if context.commonjs {
        format!("const {{ {name} }} = require({q}{module}{q}){semi}\n")
    } else {
        format!("import {{ {name} }} from {q}{module}{q}{semi}\n")
    }
}

/// The specifier importing `to` from `from`: `./common/all-exceptions.filter`. Writes a `.js`
/// extension when the file's other relative imports do (ES modules compiled by `tsc`).
fn relative_specifier(from: &str, to: &str, context: &EditContext) -> String {
    let mut from_dirs: Vec<&str> = from.split('/').collect();
    from_dirs.pop();
    let to_parts: Vec<&str> = to.split('/').collect();
    let (to_dirs, file) = to_parts.split_at(to_parts.len() - 1);
    let common = from_dirs
        .iter()
        .zip(to_dirs)
        .take_while(|(a, b)| a == b)
        .count();
    let mut specifier = if from_dirs.len() == common {
        "./".to_string()
    } else {
        "../".repeat(from_dirs.len() - common)
    };
    for dir in &to_dirs[common..] {
        specifier.push_str(dir);
        specifier.push('/');
    }
    let (stem, extension) = match file[0].rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, extension),
        _ => (file[0], ""),
    };
    specifier.push_str(stem);
    let writes_js = context.imports.iter().any(|(_, target)| {
        target
            .split_once('#')
            .is_some_and(|(module, _)| module.starts_with('.') && module.ends_with(".js"))
    });
    if writes_js && matches!(extension, "ts" | "tsx" | "js" | "jsx") {
        specifier.push_str(".js");
    }
    specifier
}

/// Adds an insertion, joining it with one already at the same place (two insertions at one
/// point would clash).
fn merge_insert(edits: &mut Vec<Edit>, edit: Edit) {
    match edits.iter_mut().find(|e| e.range == edit.range) {
        Some(existing) => {
            existing.replacement = format!("{}{}", edit.replacement, existing.replacement)
        }
        None => edits.push(edit),
    }
}

/// A Python name the fix needs, with the import lines that bind it and the targets that are
/// acceptable when it is already bound.
struct PyImport {
    name: &'static str,
    line: &'static str,
    accepted: &'static [&'static str],
}

/// The import lines still missing, or `None` when a needed name is bound to something else.
fn python_imports(context: &EditContext, needed: &[PyImport]) -> Option<String> {
    let mut lines = String::new();
    for import in needed {
        match context.import_of(import.name) {
            Some(target) if import.accepted.contains(&target) => {}
            Some(_) => return None,
            None => lines.push_str(import.line),
        }
    }
    Some(lines)
}

/// Inserts a Python block after the app's creation, with PEP 8 blank lines around it, and the
/// imports it needs (before the app's creation, so that annotations resolve when the module
/// runs; right before the block when the file imports after creating its app).
fn python_fix(
    site: &AppSite,
    context: &EditContext,
    body: &[(usize, String)],
    imports: String,
    title: String,
) -> Option<Fix> {
    let at = site.insertions.after_creation.as_ref()?;
    let blank = if at.indent.is_empty() { "\n\n" } else { "\n" };
    let imports_before_app = context.import_at.at <= site.range.start;
    let mut text = blank.to_string();
    if !imports_before_app && !imports.is_empty() {
        let lines: Vec<(usize, String)> = imports.lines().map(|l| (0, l.to_string())).collect();
        text.push_str(&block(&lines, &at.indent, &context.indent_unit));
        text.push_str(blank);
    }
    text.push_str(&block(body, &at.indent, &context.indent_unit));
    if !at.next_line_blank {
        text.push_str(blank);
    }
    let mut edits = vec![at.edit(&text)];
    if imports_before_app && !imports.is_empty() {
        merge_insert(&mut edits, context.import_at.edit(&imports));
    }
    Some(Fix::unsafe_(title, edits))
}

fn asgi_fix(site: &AppSite, context: &EditContext) -> Option<Fix> {
    let app = site.binding.as_deref()?;
    let fastapi = site.framework == Framework::FastApi;
    let imports = python_imports(
        context,
        &[
            PyImport {
                name: "logging",
                line: "import logging\n",
                accepted: &["logging"],
            },
            PyImport {
                name: "Request",
                line: if fastapi {
                    "from fastapi import Request\n"
                } else {
                    "from starlette.requests import Request\n"
                },
                accepted: &["fastapi.Request", "starlette.requests.Request"],
            },
            PyImport {
                name: "JSONResponse",
                line: if fastapi {
                    "from fastapi.responses import JSONResponse\n"
                } else {
                    "from starlette.responses import JSONResponse\n"
                },
                accepted: &[
                    "fastapi.responses.JSONResponse",
                    "starlette.responses.JSONResponse",
                ],
            },
        ],
    )?;
    let handler = [
        (
            0,
            "async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:"
                .to_string(),
        ),
        (1, "logging.getLogger(__name__).exception(".to_string()),
        (
            2,
            "\"Unhandled error on %s %s\", request.method, request.url.path, exc_info=exc"
                .to_string(),
        ),
        (1, ")".to_string()),
        (
            1,
            "return JSONResponse({\"detail\": \"Internal Server Error\"}, status_code=500)"
                .to_string(),
        ),
    ];
    let mut body = Vec::new();
    if fastapi {
        body.push((0, format!("@{app}.exception_handler(Exception)")));
        body.extend(handler);
        python_fix(
            site,
            context,
            &body,
            imports,
            format!("Add an `@{app}.exception_handler(Exception)` handler"),
        )
    } else {
        body.extend(handler);
        body.push((0, String::new()));
        if site.insertions.after_creation.as_ref()?.indent.is_empty() {
            body.push((0, String::new()));
        }
        body.push((
            0,
            format!("{app}.add_exception_handler(Exception, handle_unexpected_error)"),
        ));
        python_fix(
            site,
            context,
            &body,
            imports,
            format!("Add an `Exception` handler with `{app}.add_exception_handler`"),
        )
    }
}

fn flask_fix(site: &AppSite, context: &EditContext) -> Option<Fix> {
    let app = site.binding.as_deref()?;
    let imports = python_imports(
        context,
        &[PyImport {
            name: "HTTPException",
            line: "from werkzeug.exceptions import HTTPException\n",
            accepted: &["werkzeug.exceptions.HTTPException"],
        }],
    )?;
    let body = [
        (0, format!("@{app}.errorhandler(Exception)")),
        (
            0,
            "def handle_unexpected_error(error: Exception):".to_string(),
        ),
        // `errorhandler(Exception)` also receives 404s and other HTTP errors: keep them.
        (1, "if isinstance(error, HTTPException):".to_string()),
        (2, "return error".to_string()),
        (
            1,
            format!("{app}.logger.exception(\"Unhandled error: %s\", error)"),
        ),
        (
            1,
            "return {\"error\": \"Internal Server Error\"}, 500".to_string(),
        ),
    ];
    python_fix(
        site,
        context,
        &body,
        imports,
        format!("Add an `@{app}.errorhandler(Exception)` handler"),
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::diagnostic::FixSafety;
    use crate::engine::{Engine, ProjectFinding, SourceFile};
    use crate::project::{FileFacts, NoFileSystem, ProjectInfo, ProjectView};
    use crate::rules::testing::fixed;
    use preflight_grammars::Language;

    fn language(path: &str) -> Language {
        Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap()
    }

    /// Runs the rule over one project made of `files`.
    fn run(files: &[(&str, &str)]) -> Vec<ProjectFinding> {
        let engine = Engine::with_rules(vec![&RULE]);
        let info = ProjectInfo::default();
        let mut facts: Vec<(&str, FileFacts)> = files
            .iter()
            .map(|(path, text)| {
                let file = SourceFile::new(path, text, language(path));
                (
                    *path,
                    engine.analyze_file(&file, &info, &NoFileSystem).facts,
                )
            })
            .collect();
        facts.sort_by_key(|(path, _)| *path);
        let view = ProjectView {
            info: &info,
            files: facts.iter().map(|(path, facts)| (*path, facts)).collect(),
            fs: &NoFileSystem,
            options: &|_| crate::engine::RuleOptions::default(),
        };
        engine.analyze_project(&view)
    }

    fn text_of<'a>(files: &[(&str, &'a str)], path: &str) -> &'a str {
        files.iter().find(|(p, _)| *p == path).unwrap().1
    }

    /// The anchor file after applying the finding's fix; it must still parse cleanly.
    fn apply(files: &[(&str, &str)], finding: &ProjectFinding) -> String {
        let text = text_of(files, &finding.path);
        let result = fixed(
            text,
            std::slice::from_ref(&finding.finding),
            FixSafety::Unsafe,
        );
        let tree = Engine::new().parse(language(&finding.path), &result, None);
        assert!(
            !tree.root_node().has_error(),
            "fix breaks the syntax:\n{result}"
        );
        result
    }

    fn anchor<'a>(files: &[(&str, &'a str)], finding: &ProjectFinding) -> &'a str {
        &text_of(files, &finding.path)[finding.finding.range.clone()]
    }

    fn generic(framework: &str) -> String {
        format!(
            "No global error handler is registered for this {framework} app; unhandled errors fall \
             back to framework defaults (no error reporting, inconsistent error bodies, possible \
             stack-trace leaks)."
        )
    }

    const NEST_MAIN: &str = "import { NestFactory } from '@nestjs/core';\n\
        import { AppModule } from './app.module';\n\n\
        async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.enableCors({ origin: '*' });\n  await app.listen(3000);\n}\nbootstrap();\n";

    const NEST_MODULE: &str = "import { Module } from '@nestjs/common';\n\n\
        @Module({ controllers: [], providers: [] })\nexport class AppModule {}\n";

    #[test]
    fn nest_app_without_filter_is_flagged_once_at_nest_factory_create() {
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/app.module.ts", NEST_MODULE),
        ];
        let findings = run(&files);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.path, "src/main.ts");
        assert_eq!(anchor(&files, finding), "NestFactory.create");
        assert_eq!(finding.finding.message, generic("NestJS"));
        assert!(finding.finding.related.is_empty());
        // No unregistered filter to register: a new filter file is not written.
        assert!(finding.finding.fixes.is_empty());
    }

    #[test]
    fn bare_nest_bootstrap_statements_are_flagged() {
        let main = "const app = await NestFactory.create(AppModule);\napp.enableCors({ origin: '*' });\nawait app.listen(3000);\n";
        let files = [("src/main.ts", main)];
        let findings = run(&files);
        assert_eq!(findings.len(), 1);
        assert_eq!(anchor(&files, &findings[0]), "NestFactory.create");
    }

    const NEST_FILTER: &str = "import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';\n\n\
        @Catch()\nexport class AllExceptionsFilter implements ExceptionFilter {\n  catch(exception: unknown, host: ArgumentsHost) {}\n}\n";

    #[test]
    fn an_unregistered_catch_all_filter_is_named_and_registered_by_the_fix() {
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/app.module.ts", NEST_MODULE),
            ("src/common/all-exceptions.filter.ts", NEST_FILTER),
        ];
        let findings = run(&files);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0].finding;
        assert_eq!(
            finding.message,
            "`AllExceptionsFilter` is decorated with `@Catch()` but never registered \
             (`useGlobalFilters` or an `APP_FILTER` provider)."
        );
        assert_eq!(finding.related.len(), 1);
        assert_eq!(
            finding.related[0].path,
            "src/common/all-exceptions.filter.ts"
        );
        assert_eq!(
            &NEST_FILTER[finding.related[0].range.clone()],
            "AllExceptionsFilter"
        );
        assert_eq!(finding.fixes[0].safety, FixSafety::Unsafe);
        assert_eq!(
            apply(&files, &findings[0]),
            "import { NestFactory } from '@nestjs/core';\n\
             import { AppModule } from './app.module';\n\
             import { AllExceptionsFilter } from './common/all-exceptions.filter';\n\n\
             async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n\
             \x20 app.useGlobalFilters(new AllExceptionsFilter());\n\
             \x20 app.enableCors({ origin: '*' });\n  await app.listen(3000);\n}\nbootstrap();\n"
        );
    }

    #[test]
    fn a_base_exception_filter_gets_the_http_adapter() {
        let filter = "import { Catch } from '@nestjs/common';\nimport { BaseExceptionFilter } from '@nestjs/core';\n\n\
            @Catch()\nexport class AllExceptionsFilter extends BaseExceptionFilter {}\n";
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/filters/all.filter.ts", filter),
        ];
        let findings = run(&files);
        let result = apply(&files, &findings[0]);
        assert!(
            result.contains("import { HttpAdapterHost } from '@nestjs/core';\n"),
            "{result}"
        );
        assert!(result.contains("import { AllExceptionsFilter } from './filters/all.filter';\n"));
        assert!(result.contains(
            "  app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost).httpAdapter));\n"
        ));
        // A filter whose constructor takes the adapter host, in the same file as the app.
        let main = "import { NestFactory, HttpAdapterHost } from '@nestjs/core';\n\n\
            @Catch()\nclass AllExceptionsFilter {\n  constructor(private readonly host: HttpAdapterHost) {}\n}\n\n\
            async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\n";
        let files = [("src/main.ts", main)];
        let findings = run(&files);
        let result = apply(&files, &findings[0]);
        assert!(result.starts_with(
            "import { NestFactory, HttpAdapterHost } from '@nestjs/core';\n\n@Catch()"
        ));
        assert!(result.contains(
            "  app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost)));\n"
        ));
        // A constructor the fix cannot satisfy: still reported, without a fix.
        let filter = "@Catch()\nexport class LoggingFilter {\n  constructor(private readonly logger: Logger, private readonly x: X) {}\n}\n";
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/logging.filter.ts", filter),
        ];
        let findings = run(&files);
        assert!(findings[0].finding.message.starts_with("`LoggingFilter`"));
        assert!(findings[0].finding.fixes.is_empty());
    }

    #[test]
    fn registered_nest_filters_are_evidence() {
        let main = "import { NestFactory, HttpAdapterHost } from '@nestjs/core';\n\
            async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n\
            \x20 app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost)));\n  await app.listen(3000);\n}\n";
        assert!(run(&[("src/main.ts", main), ("src/f.ts", NEST_FILTER)]).is_empty());
        let module = "import { Module } from '@nestjs/common';\nimport { APP_FILTER } from '@nestjs/core';\n\
            @Module({\n  providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],\n})\nexport class AppModule {}\n";
        assert!(
            run(&[
                ("src/main.ts", NEST_MAIN),
                ("src/app.module.ts", module),
                ("src/f.ts", NEST_FILTER)
            ])
            .is_empty()
        );
        // NestJS on Express also runs Express error middleware.
        let main = "const app = await NestFactory.create(AppModule);\napp.use((err, req, res, next) => res.status(500).end());\n";
        assert!(run(&[("src/main.ts", main)]).is_empty());
    }

    #[test]
    fn a_filter_used_by_a_controller_is_not_called_unregistered() {
        let controller = "@UseFilters(AllExceptionsFilter)\n@Controller('cats')\nexport class CatsController {}\n";
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/f.ts", NEST_FILTER),
            ("src/cats.controller.ts", controller),
        ];
        let findings = run(&files);
        assert_eq!(findings[0].finding.message, generic("NestJS"));
        assert!(findings[0].finding.fixes.is_empty());
    }

    const EXPRESS_SERVER: &str = "import express from 'express';\nconst app = express();\n\
        app.use(express.json());\napp.get('/users/:id', getUser);\napp.listen(3000);\n";

    #[test]
    fn express_app_with_routes_gets_an_error_middleware_before_listen() {
        let files = [("src/server.ts", EXPRESS_SERVER)];
        let findings = run(&files);
        assert_eq!(findings.len(), 1);
        assert_eq!(anchor(&files, &findings[0]), "express()");
        assert_eq!(findings[0].finding.message, generic("Express"));
        assert_eq!(
            apply(&files, &findings[0]),
            "import express from 'express';\nconst app = express();\n\
             app.use(express.json());\napp.get('/users/:id', getUser);\n\
             app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {\n\
             \x20 console.error(err);\n  res.status(500).json({ error: 'Internal Server Error' });\n});\n\
             app.listen(3000);\n"
        );
    }

    #[test]
    fn commonjs_express_gets_an_untyped_middleware_after_the_last_route() {
        let index = "const express = require(\"express\")\nconst app = express()\n\n\
            app.get(\"/\", (req, res) => res.send(\"ok\"))\n\nmodule.exports = app\n";
        let files = [("src/index.js", index)];
        let findings = run(&files);
        assert_eq!(
            apply(&files, &findings[0]),
            "const express = require(\"express\")\nconst app = express()\n\n\
             app.get(\"/\", (req, res) => res.send(\"ok\"))\n\
             app.use((err, _req, res, _next) => {\n  console.error(err)\n  res.status(500).json({ error: \"Internal Server Error\" })\n})\n\
             \nmodule.exports = app\n"
        );
    }

    #[test]
    fn express_app_inside_a_function_keeps_its_indentation() {
        let app = "import express from 'express';\n\nexport function createServer() {\n    const app = express();\n    app.use(cors());\n    return app.listen(8080);\n}\n";
        let files = [("src/app.ts", app)];
        let findings = run(&files);
        let result = apply(&files, &findings[0]);
        assert!(
            result.contains("    app.use(cors());\n    app.use((err: unknown"),
            "{result}"
        );
        assert!(result.contains("        console.error(err);\n"));
        assert!(result.contains("    });\n    return app.listen(8080);\n"));
    }

    #[test]
    fn express_apps_without_registrations_and_routers_are_not_flagged() {
        let bare = "import express from 'express';\nconst app = express();\napp.set('trust proxy', 1);\napp.get('env');\n";
        assert!(run(&[("src/app.ts", bare)]).is_empty());
        let router = "import express from 'express';\nconst router = express.Router();\nrouter.get('/users', list);\nexport default router;\n";
        assert!(run(&[("src/routes/users.ts", router)]).is_empty());
        let unbound = "const app = express();\napp.get('/x', h);\napp.listen(1);\n";
        assert!(run(&[("src/app.ts", unbound)]).is_empty());
    }

    const ERROR_HANDLER_APP: &str = "import express from 'express';\n\
        import { errorHandler } from './middleware/error-handler';\nconst app = express();\napp.use(errorHandler);\n";
    const ERROR_HANDLER: &str = "import { NextFunction, Request, Response } from 'express';\n\
        export function errorHandler(err: Error, req: Request, res: Response, next: NextFunction) {\n\
        \x20 res.status(500).json({ error: 'Internal Server Error' });\n}\n";

    #[test]
    fn an_imported_error_middleware_is_resolved_across_the_project() {
        let files = [
            ("src/app.ts", ERROR_HANDLER_APP),
            ("src/middleware/error-handler.ts", ERROR_HANDLER),
        ];
        assert!(run(&files).is_empty());
        // Through a barrel that re-exports it, imported with a `.js` specifier.
        let app = "import express from 'express';\nimport { errorHandler } from './middleware/index.js';\n\
            const app = express();\napp.get('/', h);\napp.use(errorHandler);\n";
        let barrel = "export * from './error-handler';\nexport { notFound } from './not-found';\n";
        let files = [
            ("src/app.ts", app),
            ("src/middleware/index.ts", barrel),
            ("src/middleware/error-handler.ts", ERROR_HANDLER),
        ];
        assert!(run(&files).is_empty());
        // A CommonJS module exporting the function.
        let app = "const express = require('express');\nconst handle = require('./errors');\nconst app = express();\napp.use(handle);\n";
        let errors = "module.exports = function (err, req, res, next) { res.sendStatus(500); };\n";
        assert!(run(&[("src/app.js", app), ("src/errors.js", errors)]).is_empty());
    }

    #[test]
    fn an_imported_three_parameter_middleware_is_not_an_error_handler() {
        let handler = "export function errorHandler(req, res, next) { next(); }\n";
        let files = [
            ("src/app.ts", ERROR_HANDLER_APP),
            ("src/middleware/error-handler.ts", handler),
        ];
        let findings = run(&files);
        assert_eq!(findings.len(), 1);
        // After the last registration, since the app does not listen in this file.
        let result = apply(&files, &findings[0]);
        assert!(result.ends_with("app.use(errorHandler);\napp.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {\n  console.error(err);\n  res.status(500).json({ error: 'Internal Server Error' });\n});\n"), "{result}");
    }

    #[test]
    fn an_error_handler_named_import_that_cannot_be_followed_counts() {
        // The module is not part of the project (skipped or generated): trust the name.
        assert!(run(&[("src/app.ts", ERROR_HANDLER_APP)]).is_empty());
        let app = "import express from 'express';\nimport { handleErrors } from '@acme/http';\n\
            const app = express();\napp.get('/', h);\napp.use(handleErrors());\n";
        assert!(run(&[("src/app.ts", app)]).is_empty());
        let app = "import express from 'express';\nimport * as Sentry from '@sentry/node';\n\
            const app = express();\napp.get('/', h);\nSentry.setupExpressErrorHandler(app);\n";
        assert!(run(&[("src/app.ts", app)]).is_empty());
    }

    #[test]
    fn the_primary_site_is_in_the_file_that_listens() {
        let app =
            "import express from 'express';\nexport const app = express();\napp.get('/', h);\n";
        let admin = "import express from 'express';\nconst admin = express();\nadmin.get('/', h);\nadmin.listen(4000);\n";
        let files = [("src/app.ts", app), ("src/z-admin.ts", admin)];
        let findings = run(&files);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].path, "src/z-admin.ts");
    }

    #[test]
    fn fastify_gets_set_error_handler_after_creation() {
        let server = "import Fastify from 'fastify';\n\nconst fastify = Fastify({ logger: true });\n\
            fastify.get('/', async () => ({ hello: 'world' }));\nawait fastify.listen({ port: 3000 });\n";
        let files = [("src/server.ts", server)];
        let findings = run(&files);
        assert_eq!(findings[0].finding.message, generic("Fastify"));
        assert_eq!(anchor(&files, &findings[0]), "Fastify({ logger: true })");
        assert_eq!(
            apply(&files, &findings[0]),
            "import Fastify from 'fastify';\n\nconst fastify = Fastify({ logger: true });\n\
             fastify.setErrorHandler((error, request, reply) => {\n  request.log.error(error);\n\
             \x20 reply.status(error.statusCode ?? 500).send({ error: 'Internal Server Error' });\n});\n\
             fastify.get('/', async () => ({ hello: 'world' }));\nawait fastify.listen({ port: 3000 });\n"
        );
        let handled = format!("{server}fastify.setErrorHandler((e, q, r) => r.send(e));\n");
        assert!(run(&[("src/server.ts", &handled)]).is_empty());
    }

    const FASTAPI_MAIN: &str = "from fastapi import FastAPI\napp = FastAPI()\n\
        @app.get(\"/items/{item_id}\")\ndef read_item(item_id: int):\n    return repo.get(item_id)\n";

    #[test]
    fn fastapi_gets_an_exception_handler_and_its_imports() {
        let files = [("app/main.py", FASTAPI_MAIN)];
        let findings = run(&files);
        assert_eq!(findings.len(), 1);
        assert_eq!(anchor(&files, &findings[0]), "FastAPI()");
        assert_eq!(findings[0].finding.message, generic("FastAPI"));
        assert_eq!(
            apply(&files, &findings[0]),
            "from fastapi import FastAPI\nimport logging\nfrom fastapi import Request\n\
             from fastapi.responses import JSONResponse\napp = FastAPI()\n\n\n\
             @app.exception_handler(Exception)\n\
             async def handle_unexpected_error(request: Request, exc: Exception) -> JSONResponse:\n\
             \x20   logging.getLogger(__name__).exception(\n\
             \x20       \"Unhandled error on %s %s\", request.method, request.url.path, exc_info=exc\n    )\n\
             \x20   return JSONResponse({\"detail\": \"Internal Server Error\"}, status_code=500)\n\n\n\
             @app.get(\"/items/{item_id}\")\ndef read_item(item_id: int):\n    return repo.get(item_id)\n"
        );
    }

    #[test]
    fn fastapi_with_an_exception_handler_is_clean() {
        let main = "from fastapi import FastAPI, Request\nfrom fastapi.responses import JSONResponse\napp = FastAPI()\n\
            @app.exception_handler(Exception)\nasync def unhandled(request: Request, exc: Exception):\n\
            \x20   return JSONResponse({\"detail\": \"Internal Server Error\"}, status_code=500)\n";
        assert!(run(&[("app/main.py", main)]).is_empty());
        // Registered from another module of the project.
        let errors = "from fastapi import FastAPI\n\ndef install(app: FastAPI) -> None:\n    app.add_exception_handler(Exception, on_error)\n";
        assert!(run(&[("app/main.py", FASTAPI_MAIN), ("app/errors.py", errors)]).is_empty());
        let main = "import fastapi\napp = fastapi.FastAPI(exception_handlers={500: on_error})\n";
        assert!(run(&[("app/main.py", main)]).is_empty());
        // A handler for one HTTP status is not a catch-all.
        let errors =
            "@app.exception_handler(404)\nasync def not_found(request, exc):\n    return None\n";
        assert_eq!(
            run(&[("app/main.py", FASTAPI_MAIN), ("app/errors.py", errors)]).len(),
            1
        );
    }

    #[test]
    fn python_fix_reuses_imports_and_follows_the_factory_indentation() {
        let main = "\"\"\"The API.\"\"\"\nimport logging\n\nfrom fastapi import FastAPI, Request\nfrom fastapi.responses import JSONResponse\n\n\n\
            def create_app() -> FastAPI:\n  app = FastAPI(\n    title=\"api\",\n  )\n  app.include_router(router)\n  return app\n";
        let files = [("app/main.py", main)];
        let findings = run(&files);
        let result = apply(&files, &findings[0]);
        assert_eq!(result.matches("import logging").count(), 1, "{result}");
        assert!(result.contains(
            "  )\n\n  @app.exception_handler(Exception)\n  async def handle_unexpected_error("
        ));
        assert!(
            result.contains("\n    logging.getLogger(__name__).exception(\n      \"Unhandled"),
            "{result}"
        );
        assert!(result.contains("status_code=500)\n\n  app.include_router(router)\n"));
        // A name the handler needs is bound to something else: no fix.
        let main = "from fastapi import FastAPI\nfrom myapp.http import Request\napp = FastAPI()\n";
        let findings = run(&[("app/main.py", main)]);
        assert!(findings[0].finding.fixes.is_empty());
    }

    #[test]
    fn starlette_is_reported_with_fastapi_once() {
        let main = "from fastapi import FastAPI\nfrom starlette.applications import Starlette\n\
            app = FastAPI()\nadmin = Starlette()\napp.mount(\"/admin\", admin)\n";
        let files = [("app/main.py", main)];
        let findings = run(&files);
        assert_eq!(findings.len(), 1);
        assert_eq!(anchor(&files, &findings[0]), "FastAPI()");
        let main = "from starlette.applications import Starlette\nfrom starlette.routing import Route\n\n\
            app = Starlette(routes=[Route(\"/\", home)])\n";
        let files = [("app/main.py", main)];
        let findings = run(&files);
        assert_eq!(findings[0].finding.message, generic("Starlette"));
        let result = apply(&files, &findings[0]);
        assert!(
            result.contains("from starlette.requests import Request\n"),
            "{result}"
        );
        assert!(
            result.ends_with("\n\napp.add_exception_handler(Exception, handle_unexpected_error)\n")
        );
    }

    #[test]
    fn flask_gets_an_errorhandler_that_keeps_http_errors() {
        let main = "from flask import Flask, request\napp = Flask(__name__)\n\n\n\
            @app.post(\"/login\")\ndef login():\n    return auth.login(request.json)\n\n\n\
            if __name__ == \"__main__\":\n    app.run()\n";
        let files = [("app/main.py", main)];
        let findings = run(&files);
        assert_eq!(findings[0].finding.message, generic("Flask"));
        assert_eq!(anchor(&files, &findings[0]), "Flask(__name__)");
        assert_eq!(
            apply(&files, &findings[0]),
            "from flask import Flask, request\nfrom werkzeug.exceptions import HTTPException\n\
             app = Flask(__name__)\n\n\n@app.errorhandler(Exception)\n\
             def handle_unexpected_error(error: Exception):\n    if isinstance(error, HTTPException):\n\
             \x20       return error\n    app.logger.exception(\"Unhandled error: %s\", error)\n\
             \x20   return {\"error\": \"Internal Server Error\"}, 500\n\n\n\
             @app.post(\"/login\")\ndef login():\n    return auth.login(request.json)\n\n\n\
             if __name__ == \"__main__\":\n    app.run()\n"
        );
        let handled =
            format!("{main}\n@app.errorhandler(500)\ndef oops(e):\n    return \"oops\", 500\n");
        assert!(run(&[("app/main.py", &handled)]).is_empty());
    }

    #[test]
    fn each_framework_of_a_project_is_reported_once() {
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/other-main.ts", NEST_MAIN),
            ("app/main.py", FASTAPI_MAIN),
        ];
        let findings = run(&files);
        let paths: Vec<_> = findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["app/main.py", "src/main.ts"]);
    }

    #[test]
    fn nest_fix_follows_the_files_module_style() {
        // ES modules with `.js` specifiers, and the filter in a parent folder.
        let main = "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module.js';\n\n\
            const app = await NestFactory.create(AppModule);\nawait app.listen(3000);\n";
        let files = [
            ("apps/api/src/main.ts", main),
            ("apps/api/shared/catch-all.filter.ts", NEST_FILTER),
        ];
        let findings = run(&files);
        let result = apply(&files, &findings[0]);
        assert!(
            result
                .contains("import { AllExceptionsFilter } from '../shared/catch-all.filter.js';\n"),
            "{result}"
        );
        // CommonJS without semicolons.
        let main = "const { NestFactory } = require(\"@nestjs/core\")\n\nasync function main() {\n\
            \x20 const app = await NestFactory.create(AppModule)\n  await app.listen(3000)\n}\n";
        let files = [("src/main.js", main), ("src/filter.js", NEST_FILTER)];
        let findings = run(&files);
        assert_eq!(
            apply(&files, &findings[0]),
            "const { NestFactory } = require(\"@nestjs/core\")\n\
             const { AllExceptionsFilter } = require(\"./filter\")\n\nasync function main() {\n\
             \x20 const app = await NestFactory.create(AppModule)\n\
             \x20 app.useGlobalFilters(new AllExceptionsFilter())\n  await app.listen(3000)\n}\n"
        );
    }

    #[test]
    fn python_imports_after_the_app_go_with_the_handler() {
        let main =
            "from flask import Flask\napp = Flask(__name__)\nfrom app import views  # noqa: E402\n";
        let files = [("app/__init__.py", main)];
        let findings = run(&files);
        assert_eq!(
            apply(&files, &findings[0]),
            "from flask import Flask\napp = Flask(__name__)\n\n\n\
             from werkzeug.exceptions import HTTPException\n\n\n@app.errorhandler(Exception)\n\
             def handle_unexpected_error(error: Exception):\n    if isinstance(error, HTTPException):\n\
             \x20       return error\n    app.logger.exception(\"Unhandled error: %s\", error)\n\
             \x20   return {\"error\": \"Internal Server Error\"}, 500\n\n\n\
             from app import views  # noqa: E402\n"
        );
        // A file without a trailing newline.
        let files = [(
            "app/main.py",
            "from fastapi import FastAPI\napp = FastAPI()",
        )];
        let findings = run(&files);
        let result = apply(&files, &findings[0]);
        assert!(
            result.starts_with("from fastapi import FastAPI\nimport logging\n"),
            "{result}"
        );
        assert!(result.contains("app = FastAPI()\n\n\n@app.exception_handler(Exception)\n"));
    }

    #[test]
    fn django_is_out_of_scope() {
        let settings = "INSTALLED_APPS = [\"django.contrib.auth\"]\nMIDDLEWARE = []\n";
        assert!(run(&[("config/settings.py", settings)]).is_empty());
    }
}
