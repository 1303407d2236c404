use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Fix, Related, Severity};
use crate::engine::ProjectFinding;
use crate::project::ProjectView;
use crate::project::facts::{
    AppSite, EditContext, FileFacts, Framework, Insertion, RateLimitKind, primary_site,
};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// Flags an HTTP application (NestJS, Express, Fastify, FastAPI/Starlette, Flask, Django)
    /// when no file of its project limits request rates: NestJS's `ThrottlerModule` with a
    /// `ThrottlerGuard` applied (`APP_GUARD`, `@UseGuards`, `useGlobalGuards`), a call of
    /// `express-rate-limit`, `rate-limiter-flexible`, `express-slow-down`, `express-brute` or
    /// `@upstash/ratelimit`, Fastify's `@fastify/rate-limit` plugin, an import of `slowapi`,
    /// `fastapi_limiter`, `limits` or `flask_limiter`, DRF's `DEFAULT_THROTTLE_CLASSES` or
    /// `django_ratelimit`.
    ///
    /// The diagnostic is reported once per project and framework, at the app's creation
    /// (`NestFactory.create`, `express()`, `FastAPI()`, …) in the file that starts the server;
    /// for Django at the `MIDDLEWARE` setting. A NestJS project that configures
    /// `ThrottlerModule` but never applies `ThrottlerGuard` is told so, with a pointer to the
    /// module's configuration.
    ///
    /// ## Why is this bad?
    /// Without a limit, one client can brute-force logins, stuff credentials or exhaust the
    /// service's resources. Many deployments enforce limits at a gateway, WAF or ingress that
    /// the code does not show, hence the low default severity.
    ///
    /// ## Example
    /// ```ts
    /// import express from 'express';
    /// const app = express();
    /// app.post('/login', login);
    /// app.listen(3000);
    /// ```
    ///
    /// ## Use instead
    /// ```ts
    /// import express from 'express';
    /// import rateLimit from 'express-rate-limit';
    /// const app = express();
    /// app.use(rateLimit({ windowMs: 60_000, limit: 100 }));
    /// app.post('/login', login);
    /// app.listen(3000);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: limits change how the service answers busy clients. Offered only when the
    /// package is already a dependency of the project: Express with `express-rate-limit`
    /// (`app.use(rateLimit(…))` after the app's creation), Fastify with `@fastify/rate-limit`
    /// (`await app.register(rateLimit, …)`, where `await` is allowed). No fix for NestJS
    /// (the module to change is another file) or Python.
    ///
    /// ## How to silence
    /// `// preflight-ignore: missing-rate-limit` (or `# preflight-ignore: …`) on the line above
    /// the app's creation. When a gateway, WAF or ingress enforces the limits, say so in
    /// `preflight.toml`: `[rules.missing-rate-limit] gateway = true` (for the files that
    /// configuration covers), or turn the rule off with `[rules] missing-rate-limit = "off"`.
    pub static RULE = Rule {
        id: "missing-rate-limit",
        summary: "HTTP app without rate limiting",
        category: Category::Security,
        severity: Severity::Info,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Project(check),
    };
}

fn check(project: &ProjectView<'_>, out: &mut Vec<ProjectFinding>) {
    for (path, site) in primary_sites(project) {
        if project.options(path).rate_limit_at_gateway {
            continue;
        }
        let kinds: Vec<RateLimitKind> = project
            .facts()
            .flat_map(|(_, facts)| facts.rate_limits.iter().map(|r| r.kind))
            .collect();
        let limited = |accepted: &[RateLimitKind]| kinds.iter().any(|k| accepted.contains(k));
        use RateLimitKind::*;
        let (covered, suggestion) = match site.framework {
            Framework::NestJs => (
                limited(&[NodePackage, FastifyPlugin]) || throttler_guard_applied(project),
                "`@nestjs/throttler` (`ThrottlerModule` and a global `ThrottlerGuard`)",
            ),
            Framework::Express => (limited(&[NodePackage]), "`express-rate-limit`"),
            Framework::Fastify => (
                limited(&[NodePackage, FastifyPlugin]),
                "`@fastify/rate-limit`",
            ),
            Framework::FastApi | Framework::Starlette => (limited(&[AsgiPackage]), "`slowapi`"),
            Framework::Flask => (limited(&[FlaskLimiter]), "`Flask-Limiter`"),
            Framework::Django => (
                limited(&[Django]),
                "DRF throttling (`DEFAULT_THROTTLE_CLASSES`) or `django-ratelimit`",
            ),
        };
        if covered {
            continue;
        }
        let module = (site.framework == Framework::NestJs)
            .then(|| throttler_module(project))
            .flatten();
        let mut finding = match module {
            Some((module_path, range)) => RULE
                .finding(
                    site.range.clone(),
                    "`ThrottlerModule` is configured but `ThrottlerGuard` is never applied, so no \
                     route is limited.",
                )
                .with_related(Related {
                    path: module_path.to_string(),
                    range,
                    message: "`ThrottlerModule` is configured here".to_string(),
                }),
            None => RULE.finding(
                site.range.clone(),
                format!(
                    "No rate limiting found for this {} app; add {suggestion} or confirm it is \
                     enforced at the gateway.",
                    site.framework.name()
                ),
            ),
        };
        let context = project
            .facts()
            .find(|(p, _)| *p == path)
            .and_then(|(_, facts)| Some((facts, facts.edit_context.as_ref()?)));
        let fix = context.and_then(|(facts, context)| match site.framework {
            Framework::Express if depends_on(project, "express-rate-limit") => {
                let statement = |app: &str, local: &str| {
                    format!("{app}.use({local}({{ windowMs: 60_000, limit: 100 }}))")
                };
                use_after_creation(site, context, "express-rate-limit", "rateLimit", statement)
            }
            Framework::Fastify
                if depends_on(project, "@fastify/rate-limit")
                    && facts.async_app_sites.contains(&site.range.start) =>
            {
                let q = context.quote;
                let statement = move |app: &str, local: &str| {
                    format!(
                        "await {app}.register({local}, {{ max: 100, timeWindow: {q}1 minute{q} }})"
                    )
                };
                use_after_creation(site, context, "@fastify/rate-limit", "rateLimit", statement)
            }
            _ => None,
        });
        if let Some(fix) = fix {
            finding = finding.with_fix(fix);
        }
        out.push(ProjectFinding {
            path: path.to_string(),
            finding,
        });
    }
}

/// A `ThrottlerGuard` (or a subclass) is applied somewhere in the project.
fn throttler_guard_applied(project: &ProjectView<'_>) -> bool {
    let is_throttler = |name: &str| {
        name == "ThrottlerGuard"
            || project.facts().any(|(_, facts)| {
                facts
                    .throttler_guard_subclasses
                    .iter()
                    .any(|class| class == name)
            })
    };
    project
        .facts()
        .any(|(_, facts)| facts.applied_guards.iter().any(|guard| is_throttler(guard)))
}

/// The first `ThrottlerModule.forRoot` of the project, by (path, position).
fn throttler_module<'a>(project: &ProjectView<'a>) -> Option<(&'a str, std::ops::Range<usize>)> {
    project.facts().find_map(|(path, facts)| {
        facts
            .rate_limits
            .iter()
            .find(|r| r.kind == RateLimitKind::NestThrottlerModule)
            .map(|r| (path, r.range.clone()))
    })
}

// ---- Shared by the HTTP application rules (rate limits, security headers, health checks) ----

/// Frameworks reported together: FastAPI is Starlette.
const GROUPS: &[&[Framework]] = &[
    &[Framework::NestJs],
    &[Framework::Express],
    &[Framework::Fastify],
    &[Framework::FastApi, Framework::Starlette],
    &[Framework::Flask],
    &[Framework::Django],
];

/// The primary app site (RULES.md H10) of each framework group of the project. An Express app
/// only counts once something is mounted on it; a Django settings module without installed
/// apps (Django's own defaults) configures no application.
pub(super) fn primary_sites<'a>(project: &ProjectView<'a>) -> Vec<(&'a str, &'a AppSite)> {
    GROUPS
        .iter()
        .filter_map(|group| {
            let sites = project.facts().flat_map(|(path, facts)| {
                facts
                    .app_sites
                    .iter()
                    .filter(|site| group.contains(&site.framework))
                    .filter(|site| site.framework != Framework::Express || site.has_registrations)
                    .filter(|site| {
                        site.framework != Framework::Django || facts.no_installed_apps != Some(true)
                    })
                    .map(move |site| (path, site))
            });
            primary_site(sites)
        })
        .collect()
}

/// Whether the project's manifest lists an npm package.
pub(super) fn depends_on(project: &ProjectView<'_>, package: &str) -> bool {
    project.info.npm_dependencies.contains(package)
}

/// The facts of the file at `path`.
pub(super) fn facts_of<'a>(project: &ProjectView<'a>, path: &str) -> Option<&'a FileFacts> {
    project.facts().find(|(p, _)| *p == path).map(|(_, f)| f)
}

/// Lines indented by `base` plus `depth` units; an empty line stays empty.
pub(super) fn block(lines: &[(usize, String)], base: &str, unit: &str) -> String {
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

/// Adds an insertion, joining it with one already at the same place.
fn merge_insert(edits: &mut Vec<Edit>, edit: Edit) {
    match edits.iter_mut().find(|e| e.range == edit.range) {
        Some(existing) => {
            existing.replacement = format!("{}{}", edit.replacement, existing.replacement)
        }
        None => edits.push(edit),
    }
}

/// A statement about the app right after its creation, using the default export of `module`
/// under the name the file already imports it as, else imported as `local`:
/// `app.use(helmet());` with `import helmet from 'helmet';`. `None` when the app has no name,
/// or `local` is taken by another import.
pub(super) fn use_after_creation(
    site: &AppSite,
    context: &EditContext,
    module: &str,
    local: &str,
    statement: impl Fn(&str, &str) -> String,
) -> Option<Fix> {
    let app = site.binding.as_deref()?;
    let at = site.insertions.after_creation.as_ref()?;
    let (q, semi) = (context.quote, if context.semicolons { ";" } else { "" });
    let existing = context
        .imports
        .iter()
        .find(|(_, target)| target.split_once('#').map(|(m, _)| m) == Some(module))
        .filter(|(_, target)| target.ends_with("#default"))
        .map(|(name, _)| name.as_str());
    let (name, import) = match existing {
        Some(name) => (name, None),
        None if context.import_of(local).is_some() => return None,
        None if context.commonjs => (
            local,
            Some(format!("const {local} = require({q}{module}{q}){semi}\n")),
        ),
        None => (
            local,
            Some(format!("import {local} from {q}{module}{q}{semi}\n")),
        ),
    };
    let mut lines = Vec::new();
    // A `require` placed after the app's creation would run too late: put it with the statement.
    let import_with_statement = context.commonjs && context.import_at.at > at.at;
    if let (Some(import), true) = (&import, import_with_statement) {
        lines.push((0, import.trim_end().to_string()));
    }
    lines.push((0, format!("{}{semi}", statement(app, name))));
    let mut edits = vec![at.edit(&block(&lines, &at.indent, &context.indent_unit))];
    if let (Some(import), false) = (import, import_with_statement) {
        merge_insert(&mut edits, context.import_at.edit(&import));
    }
    edits.sort_by_key(|e| e.range.start);
    Some(Fix::unsafe_(
        format!("Add `{}`", statement(app, name)),
        edits,
    ))
}

/// A Python block inserted after the app's creation, with PEP 8 blank lines around it.
pub(super) fn python_block_after(at: &Insertion, body: &[(usize, String)], unit: &str) -> Edit {
    let blank = if at.indent.is_empty() { "\n\n" } else { "\n" };
    let mut text = blank.to_string();
    text.push_str(&block(body, &at.indent, unit));
    if !at.next_line_blank {
        text.push_str(blank);
    }
    at.edit(&text)
}

/// Runs project rules over in-memory projects, for unit tests.
#[cfg(test)]
pub(super) mod testing {
    use crate::diagnostic::FixSafety;
    use crate::engine::{Engine, ProjectFinding, SourceFile};
    use crate::project::{FileFacts, NoFileSystem, ProjectInfo, ProjectView};
    use crate::rules::Rule;
    use crate::rules::testing::fixed;
    use preflight_grammars::Language;

    fn language(path: &str) -> Language {
        Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap()
    }

    /// Runs `rule` over one project made of `files`, whose manifests list `dependencies`.
    pub fn run(
        rule: &'static Rule,
        files: &[(&str, &str)],
        dependencies: &[&str],
    ) -> Vec<ProjectFinding> {
        let engine = Engine::with_rules(vec![rule]);
        let mut info = ProjectInfo::default();
        for dependency in dependencies {
            info.npm_dependencies.insert(dependency.to_string());
            info.python_dependencies.insert(dependency.to_string());
        }
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

    pub fn text_of<'a>(files: &[(&str, &'a str)], path: &str) -> &'a str {
        files.iter().find(|(p, _)| *p == path).unwrap().1
    }

    /// The text the finding is anchored at.
    pub fn anchor<'a>(files: &[(&str, &'a str)], finding: &ProjectFinding) -> &'a str {
        &text_of(files, &finding.path)[finding.finding.range.clone()]
    }

    /// The anchor file after applying the finding's fix; it must still parse cleanly.
    pub fn apply(files: &[(&str, &str)], finding: &ProjectFinding) -> String {
        assert!(!finding.finding.fixes.is_empty(), "no fix offered");
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
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use super::testing::{anchor, apply, run};

    fn generic(framework: &str, suggestion: &str) -> String {
        format!(
            "No rate limiting found for this {framework} app; add {suggestion} or confirm it is \
             enforced at the gateway."
        )
    }

    const NEST_MAIN: &str = "import { NestFactory } from '@nestjs/core';\nimport helmet from 'helmet';\n\
        import { AppModule } from './app.module';\n\nasync function bootstrap() {\n\
        \x20 const app = await NestFactory.create(AppModule);\n  app.use(helmet());\n  await app.listen(3000);\n}\nbootstrap();\n";

    #[test]
    fn nest_without_throttler_is_flagged_at_nest_factory_create() {
        let files = [("src/main.ts", NEST_MAIN)];
        let findings = run(&RULE, &files, &["@nestjs/throttler"]);
        assert_eq!(findings.len(), 1);
        assert_eq!(anchor(&files, &findings[0]), "NestFactory.create");
        assert_eq!(
            findings[0].finding.message,
            generic(
                "NestJS",
                "`@nestjs/throttler` (`ThrottlerModule` and a global `ThrottlerGuard`)"
            )
        );
        assert!(findings[0].finding.fixes.is_empty());
    }

    const THROTTLER_MODULE: &str = "import { Module } from '@nestjs/common';\n\
        import { ThrottlerModule } from '@nestjs/throttler';\n\n@Module({\n\
        \x20 imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 100 }])],\n})\nexport class AppModule {}\n";

    #[test]
    fn a_throttler_module_without_guard_gets_the_variant() {
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/app.module.ts", THROTTLER_MODULE),
        ];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0].finding;
        assert_eq!(
            finding.message,
            "`ThrottlerModule` is configured but `ThrottlerGuard` is never applied, so no route \
             is limited."
        );
        assert_eq!(finding.related[0].path, "src/app.module.ts");
        assert_eq!(
            &THROTTLER_MODULE[finding.related[0].range.clone()],
            "ThrottlerModule.forRoot"
        );
    }

    #[test]
    fn an_applied_throttler_guard_is_evidence() {
        let module = THROTTLER_MODULE.replace(
            "],\n})",
            "],\n  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],\n})",
        );
        let files = [("src/main.ts", NEST_MAIN), ("src/app.module.ts", &module)];
        assert!(run(&RULE, &files, &[]).is_empty());
        // A subclass applied on a controller.
        let guard = "import { ThrottlerGuard } from '@nestjs/throttler';\nexport class UserThrottler extends ThrottlerGuard {}\n";
        let controller =
            "@UseGuards(UserThrottler)\n@Controller('auth')\nexport class AuthController {}\n";
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/app.module.ts", THROTTLER_MODULE),
            ("src/user.throttler.ts", guard),
            ("src/auth.controller.ts", controller),
        ];
        assert!(run(&RULE, &files, &[]).is_empty());
        // Some other guard is not throttling.
        let controller = "@UseGuards(AuthGuard)\nexport class AuthController {}\n";
        let files = [
            ("src/main.ts", NEST_MAIN),
            ("src/auth.controller.ts", controller),
        ];
        assert_eq!(run(&RULE, &files, &[]).len(), 1);
    }

    const EXPRESS_APP: &str = "import express from 'express';\n\nconst app = express();\n\
        app.post('/login', login);\napp.listen(3000);\n";

    #[test]
    fn express_gets_rate_limit_when_the_package_is_installed() {
        let files = [("src/server.ts", EXPRESS_APP)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(anchor(&files, &findings[0]), "express()");
        assert_eq!(
            findings[0].finding.message,
            generic("Express", "`express-rate-limit`")
        );
        assert!(findings[0].finding.fixes.is_empty());
        let findings = run(&RULE, &files, &["express-rate-limit"]);
        assert_eq!(
            apply(&files, &findings[0]),
            "import express from 'express';\nimport rateLimit from 'express-rate-limit';\n\n\
             const app = express();\napp.use(rateLimit({ windowMs: 60_000, limit: 100 }));\n\
             app.post('/login', login);\napp.listen(3000);\n"
        );
    }

    #[test]
    fn commonjs_requires_go_before_their_use() {
        let index = "const express = require('express')\nconst app = express()\nconst routes = require('./routes')\napp.use(routes)\n";
        let files = [("src/index.js", index)];
        let findings = run(&RULE, &files, &["express-rate-limit"]);
        assert_eq!(
            apply(&files, &findings[0]),
            "const express = require('express')\nconst app = express()\n\
             const rateLimit = require('express-rate-limit')\n\
             app.use(rateLimit({ windowMs: 60_000, limit: 100 }))\n\
             const routes = require('./routes')\napp.use(routes)\n"
        );
    }

    #[test]
    fn express_limiter_anywhere_in_the_project_is_evidence() {
        let limits = "import rateLimit from 'express-rate-limit';\nexport const apiLimiter = rateLimit({ windowMs: 60_000, limit: 100 });\n";
        let files = [("src/server.ts", EXPRESS_APP), ("src/limits.ts", limits)];
        assert!(run(&RULE, &files, &[]).is_empty());
        let flexible = "const { RateLimiterRedis } = require('rate-limiter-flexible');\nmodule.exports = new RateLimiterRedis({ storeClient });\n";
        let files = [("src/server.ts", EXPRESS_APP), ("src/limiter.js", flexible)];
        assert!(run(&RULE, &files, &[]).is_empty());
    }

    #[test]
    fn fastify_registers_the_plugin_where_await_is_allowed() {
        let server = "import Fastify from 'fastify';\n\nconst fastify = Fastify({ logger: true });\n\
            fastify.get('/', async () => 'ok');\nawait fastify.listen({ port: 3000 });\n";
        let files = [("src/server.ts", server)];
        let findings = run(&RULE, &files, &["@fastify/rate-limit"]);
        assert_eq!(
            findings[0].finding.message,
            generic("Fastify", "`@fastify/rate-limit`")
        );
        let result = apply(&files, &findings[0]);
        assert!(result.contains("import rateLimit from '@fastify/rate-limit';\n"));
        assert!(result.contains(
            "const fastify = Fastify({ logger: true });\n\
             await fastify.register(rateLimit, { max: 100, timeWindow: '1 minute' });\n"
        ));
        // Inside a plain function `await` is not allowed: no fix.
        let sync = "const Fastify = require('fastify');\nfunction build() {\n  const app = Fastify();\n  app.get('/', h);\n  return app;\n}\n";
        let findings = run(&RULE, &[("src/app.js", sync)], &["@fastify/rate-limit"]);
        assert!(findings[0].finding.fixes.is_empty());
        let limited = format!("{server}await fastify.register(import('@fastify/rate-limit'));\n");
        assert!(run(&RULE, &[("src/server.ts", &limited)], &[]).is_empty());
    }

    #[test]
    fn python_frameworks() {
        let flask = "from flask import Flask, request\napp = Flask(__name__)\n@app.post(\"/login\")\ndef login():\n    return auth.login(request.json)\n";
        let files = [("app/main.py", flask)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(anchor(&files, &findings[0]), "Flask(__name__)");
        assert_eq!(
            findings[0].finding.message,
            generic("Flask", "`Flask-Limiter`")
        );
        let limiter =
            "from flask_limiter import Limiter\nlimiter = Limiter(key_func=lambda: \"x\")\n";
        assert!(
            run(
                &RULE,
                &[("app/main.py", flask), ("app/ext.py", limiter)],
                &[]
            )
            .is_empty()
        );
        let fastapi = "from fastapi import FastAPI\napp = FastAPI()\n";
        let slowapi = "from slowapi import Limiter\nfrom slowapi.util import get_remote_address\nlimiter = Limiter(key_func=get_remote_address)\n";
        assert_eq!(run(&RULE, &[("app/main.py", fastapi)], &[]).len(), 1);
        assert!(
            run(
                &RULE,
                &[("app/main.py", fastapi), ("app/limits.py", slowapi)],
                &[]
            )
            .is_empty()
        );
        // A Flask limiter does not protect a FastAPI app.
        assert_eq!(
            run(
                &RULE,
                &[("app/main.py", fastapi), ("app/ext.py", limiter)],
                &[]
            )
            .len(),
            1
        );
    }

    #[test]
    fn django_settings() {
        let settings = "INSTALLED_APPS = [\"rest_framework\"]\nMIDDLEWARE = []\n";
        let files = [("config/settings.py", settings)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(anchor(&files, &findings[0]), "MIDDLEWARE");
        let throttled = format!(
            "{settings}REST_FRAMEWORK = {{\n    \"DEFAULT_THROTTLE_CLASSES\": [\"rest_framework.throttling.UserRateThrottle\"],\n}}\n"
        );
        assert!(run(&RULE, &[("config/settings.py", &throttled)], &[]).is_empty());
        let views = "from django_ratelimit.decorators import ratelimit\n";
        assert!(
            run(
                &RULE,
                &[("config/settings.py", settings), ("app/views.py", views)],
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn libraries_and_routers_are_not_apps() {
        let router = "import { Router } from 'express';\nconst router = Router();\nrouter.post('/login', login);\nexport default router;\n";
        assert!(run(&RULE, &[("src/routes.ts", router)], &[]).is_empty());
        let bare = "import express from 'express';\nexport const app = express();\n";
        assert!(run(&RULE, &[("src/app.ts", bare)], &[]).is_empty());
    }
}
