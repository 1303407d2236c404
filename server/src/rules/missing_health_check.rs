use super::missing_rate_limit::{block, facts_of, primary_sites, python_block_after};
use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Fix, Severity};
use crate::engine::ProjectFinding;
use crate::project::ProjectView;
use crate::project::facts::{AppSite, Framework};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// Flags an HTTP application (NestJS, Express, Fastify, FastAPI/Starlette, Flask, Django)
    /// when no file of its project serves a health endpoint: a route whose path is `/health`,
    /// `/healthz`, `/healthcheck`, `/livez`, `/readyz`, `/ready`, `/live`, `/ping`, `/status`
    /// (optionally under `/api` and a version such as `/v1`), a NestJS controller combining to
    /// such a path or `TerminusModule`, `@godaddy/terminus`, `lightship`,
    /// `express-healthcheck`, `@fastify/under-pressure`'s status route, or Django's
    /// `health_check` app.
    ///
    /// The diagnostic is reported once per project and framework, at the app's creation in the
    /// file that starts the server; for Django at `ROOT_URLCONF` (else `MIDDLEWARE`).
    ///
    /// ## Why is this bad?
    /// Load balancers and orchestrators probe an endpoint to decide whether an instance is
    /// alive and ready for traffic; without one they fall back to TCP checks that pass while
    /// the app cannot serve requests. Info only: TCP probes or a sidecar may be enough.
    ///
    /// ## Example
    /// ```python
    /// from fastapi import FastAPI
    /// app = FastAPI()
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// from fastapi import FastAPI
    /// app = FastAPI()
    ///
    ///
    /// @app.get("/health")
    /// def health() -> dict[str, str]:
    ///     return {"status": "ok"}
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: it adds a public route. Express, Fastify, FastAPI and Flask (2.0 or later) get a
    /// `GET /health` route right after the app's creation. NestJS and Django need new files
    /// (a controller, a URL pattern and view): no fix.
    ///
    /// ## How to silence
    /// `// preflight-ignore: missing-health-check` (or `# preflight-ignore: …`) on the line
    /// above the app's creation, or `[rules] missing-health-check = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "missing-health-check",
        summary: "HTTP app without a health-check endpoint",
        category: Category::Reliability,
        severity: Severity::Info,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Project(check),
    };
}

fn check(project: &ProjectView<'_>, out: &mut Vec<ProjectFinding>) {
    if project
        .facts()
        .any(|(_, facts)| !facts.health_routes.is_empty())
    {
        return;
    }
    for (path, site) in primary_sites(project) {
        let facts = facts_of(project, path);
        let range = match site.framework {
            Framework::Django => facts
                .and_then(|f| f.root_urlconf.clone())
                .unwrap_or_else(|| site.range.clone()),
            _ => site.range.clone(),
        };
        let mut finding = RULE.finding(
            range,
            format!(
                "No health-check endpoint (e.g. `GET /health`) found for this {} app; \
                 orchestrators and load balancers cannot probe it.",
                site.framework.name()
            ),
        );
        if let Some(fix) = facts.and_then(|facts| fix(site, facts.edit_context.as_ref()?)) {
            finding = finding.with_fix(fix);
        }
        out.push(ProjectFinding {
            path: path.to_string(),
            finding,
        });
    }
}

fn fix(site: &AppSite, context: &crate::project::facts::EditContext) -> Option<Fix> {
    let app = site.binding.as_deref()?;
    let at = site.insertions.after_creation.as_ref()?;
    let (q, semi) = (context.quote, if context.semicolons { ";" } else { "" });
    let edit = match site.framework {
        Framework::Express => {
            let line = format!(
                "{app}.get({q}/health{q}, (_req, res) => {{ res.status(200).json({{ status: {q}ok{q} }}){semi} }}){semi}"
            );
            at.edit(&block(&[(0, line)], &at.indent, &context.indent_unit))
        }
        Framework::Fastify => {
            let line =
                format!("{app}.get({q}/health{q}, async () => ({{ status: {q}ok{q} }})){semi}");
            at.edit(&block(&[(0, line)], &at.indent, &context.indent_unit))
        }
        Framework::FastApi | Framework::Flask => {
            let body = [
                (0, format!("@{app}.get(\"/health\")")),
                (0, "def health() -> dict[str, str]:".to_string()),
                (1, "return {\"status\": \"ok\"}".to_string()),
            ];
            python_block_after(at, &body, &context.indent_unit)
        }
        _ => return None,
    };
    Some(Fix::unsafe_(
        format!("Add a `GET /health` route to `{app}`"),
        vec![edit],
    ))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::missing_rate_limit::testing::{anchor, apply, run};

    fn message(framework: &str) -> String {
        format!(
            "No health-check endpoint (e.g. `GET /health`) found for this {framework} app; \
             orchestrators and load balancers cannot probe it."
        )
    }

    const EXPRESS_APP: &str = "import express from 'express';\nexport const app = express();\n\
        app.get('/orders', listOrders);\napp.post('/orders', createOrder);\napp.listen(3000);\n";

    #[test]
    fn express_gets_a_health_route() {
        let files = [("src/app.ts", EXPRESS_APP)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(findings.len(), 1);
        assert_eq!(anchor(&files, &findings[0]), "express()");
        assert_eq!(findings[0].finding.message, message("Express"));
        assert_eq!(
            apply(&files, &findings[0]),
            "import express from 'express';\nexport const app = express();\n\
             app.get('/health', (_req, res) => { res.status(200).json({ status: 'ok' }); });\n\
             app.get('/orders', listOrders);\napp.post('/orders', createOrder);\napp.listen(3000);\n"
        );
    }

    #[test]
    fn a_router_in_another_module_is_evidence() {
        let health = "import { Router } from 'express';\nconst router = Router();\nrouter.get('/healthz', (_req, res) => res.send('ok'));\nexport default router;\n";
        assert!(
            run(
                &RULE,
                &[("src/app.ts", EXPRESS_APP), ("src/health.ts", health)],
                &[]
            )
            .is_empty()
        );
        let mounted = EXPRESS_APP.replace(
            "app.listen",
            "app.use('/status', statusRouter);\napp.listen",
        );
        assert!(run(&RULE, &[("src/app.ts", &mounted)], &[]).is_empty());
    }

    #[test]
    fn nest_controllers_and_terminus() {
        let main = "import { NestFactory } from '@nestjs/core';\nconst app = await NestFactory.create(AppModule);\nawait app.listen(3000);\n";
        let files = [("src/main.ts", main)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(anchor(&files, &findings[0]), "NestFactory.create");
        assert!(findings[0].finding.fixes.is_empty());
        let controller = "@Controller('health')\nexport class HealthController {\n  constructor(private readonly health: HealthCheckService) {}\n  @Get()\n  check() {\n    return this.health.check([]);\n  }\n}\n";
        assert!(
            run(
                &RULE,
                &[
                    ("src/main.ts", main),
                    ("src/health.controller.ts", controller)
                ],
                &[]
            )
            .is_empty()
        );
        let module = "@Module({ imports: [TerminusModule] })\nexport class HealthModule {}\n";
        assert!(
            run(
                &RULE,
                &[("src/main.ts", main), ("src/health.module.ts", module)],
                &[]
            )
            .is_empty()
        );
        let other =
            "@Controller('users')\nexport class UsersController {\n  @Get(':id')\n  find() {}\n}\n";
        assert_eq!(
            run(
                &RULE,
                &[("src/main.ts", main), ("src/users.controller.ts", other)],
                &[]
            )
            .len(),
            1
        );
    }

    #[test]
    fn fastapi_gets_a_health_function() {
        let main = "from fastapi import FastAPI\napp = FastAPI()\n@app.get(\"/users/{user_id}\")\nasync def get_user(user_id: int):\n    return await users.get(user_id)\n";
        let files = [("app/main.py", main)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(findings[0].finding.message, message("FastAPI"));
        assert_eq!(
            apply(&files, &findings[0]),
            "from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.get(\"/health\")\n\
             def health() -> dict[str, str]:\n    return {\"status\": \"ok\"}\n\n\n\
             @app.get(\"/users/{user_id}\")\nasync def get_user(user_id: int):\n    return await users.get(user_id)\n"
        );
        let healthy = format!(
            "{main}@app.get(\"/health\")\ndef health() -> dict[str, str]:\n    return {{\"status\": \"ok\"}}\n"
        );
        assert!(run(&RULE, &[("app/main.py", &healthy)], &[]).is_empty());
    }

    #[test]
    fn fastify_and_flask() {
        let server = "const fastify = require('fastify')\nconst app = fastify({ logger: true })\napp.get('/', async () => 'ok')\n";
        let files = [("src/server.js", server)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(
            apply(&files, &findings[0]),
            "const fastify = require('fastify')\nconst app = fastify({ logger: true })\n\
             app.get('/health', async () => ({ status: 'ok' }))\napp.get('/', async () => 'ok')\n"
        );
        let flask = "from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n    app.register_blueprint(api)\n    return app\n";
        let files = [("app/__init__.py", flask)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(
            apply(&files, &findings[0]),
            "from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n\n\
             \x20   @app.get(\"/health\")\n    def health() -> dict[str, str]:\n        return {\"status\": \"ok\"}\n\n\
             \x20   app.register_blueprint(api)\n    return app\n"
        );
    }

    #[test]
    fn django_is_anchored_at_root_urlconf() {
        let settings = "INSTALLED_APPS = [\"django.contrib.auth\"]\nMIDDLEWARE = []\nROOT_URLCONF = \"config.urls\"\n";
        let files = [("config/settings.py", settings)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(anchor(&files, &findings[0]), "ROOT_URLCONF");
        assert!(findings[0].finding.fixes.is_empty());
        let urls = "from django.urls import path\nurlpatterns = [path(\"healthz/\", healthz)]\n";
        assert!(
            run(
                &RULE,
                &[("config/settings.py", settings), ("config/urls.py", urls)],
                &[]
            )
            .is_empty()
        );
        let with_app = settings.replace(
            "\"django.contrib.auth\"",
            "\"django.contrib.auth\", \"health_check\"",
        );
        assert!(run(&RULE, &[("config/settings.py", &with_app)], &[]).is_empty());
    }
}
