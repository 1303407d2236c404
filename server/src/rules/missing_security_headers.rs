use super::missing_rate_limit::{depends_on, facts_of, primary_sites, use_after_creation};
use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Fix, Severity};
use crate::engine::ProjectFinding;
use crate::project::ProjectView;
use crate::project::facts::{AppSite, Framework, SecurityHeadersKind};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// Flags an HTTP application (NestJS, Express, Fastify, FastAPI/Starlette, Flask, Django)
    /// when no file of its project adds security headers: `app.use(helmet())` (or a `helmet.*`
    /// middleware, or `lusca`), `register(@fastify/helmet)`, Flask-Talisman's `Talisman(app)`,
    /// the `secure` package, Django's `SecurityMiddleware` in `MIDDLEWARE`, or code that sets at
    /// least two of `Strict-Transport-Security`, `Content-Security-Policy`,
    /// `X-Content-Type-Options`, `X-Frame-Options` and `Referrer-Policy` itself.
    ///
    /// The diagnostic is reported once per project and framework, at the app's creation in the
    /// file that starts the server; for Django at the `MIDDLEWARE` setting.
    ///
    /// ## Why is this bad?
    /// Without HSTS, `nosniff` and frame and referrer policies, browsers may downgrade to HTTP,
    /// sniff uploaded files as scripts, frame the app for clickjacking and leak URLs to other
    /// sites. A middleware sets all of them in one line; reverse proxies rarely add them per
    /// application.
    ///
    /// ## Example
    /// ```js
    /// const express = require('express');
    /// const app = express();
    /// app.disable('x-powered-by');
    /// app.listen(8080);
    /// ```
    ///
    /// ## Use instead
    /// ```js
    /// const express = require('express');
    /// const helmet = require('helmet');
    /// const app = express();
    /// app.use(helmet());
    /// app.listen(8080);
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: a Content-Security-Policy can break front-ends. Offered when the package is
    /// already a dependency: Express and NestJS with `helmet` (`app.use(helmet())` after the
    /// app's creation), Fastify with `@fastify/helmet` (`await app.register(helmet)`, where
    /// `await` is allowed); and for Django, which needs no new dependency, `SecurityMiddleware`
    /// as the first element of `MIDDLEWARE`.
    ///
    /// ## How to silence
    /// `// preflight-ignore: missing-security-headers` (or `# preflight-ignore: …`) on the line
    /// above the app's creation, or `[rules] missing-security-headers = "off"` in
    /// `preflight.toml`.
    pub static RULE = Rule {
        id: "missing-security-headers",
        summary: "HTTP app without security-header middleware",
        category: Category::Security,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Unsafe,
        check: Check::Project(check),
    };
}

fn check(project: &ProjectView<'_>, out: &mut Vec<ProjectFinding>) {
    let kinds: Vec<SecurityHeadersKind> = project
        .facts()
        .flat_map(|(_, facts)| facts.security_headers.iter().map(|h| h.kind))
        .collect();
    let mut names: Vec<&str> = project
        .facts()
        .flat_map(|(_, facts)| facts.security_header_names.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    // Headers set by hand count for every framework.
    if names.len() >= 2 {
        return;
    }
    for (path, site) in primary_sites(project) {
        use SecurityHeadersKind::*;
        let accepted: &[SecurityHeadersKind] = match site.framework {
            Framework::NestJs => &[Helmet, FastifyHelmet],
            Framework::Express => &[Helmet],
            Framework::Fastify => &[FastifyHelmet],
            Framework::FastApi | Framework::Starlette => &[SecurePackage],
            Framework::Flask => &[Talisman, SecurePackage],
            Framework::Django => &[DjangoSecurityMiddleware],
        };
        if kinds.iter().any(|kind| accepted.contains(kind)) {
            continue;
        }
        let message = format!(
            "No security-header middleware for this {} app ({}); responses lack HSTS, \
             `X-Content-Type-Options` and frame/referrer policies.",
            site.framework.name(),
            suggestion(site.framework)
        );
        let mut finding = RULE.finding(site.range.clone(), message);
        if let Some(fix) = fix(project, path, site) {
            finding = finding.with_fix(fix);
        }
        out.push(ProjectFinding {
            path: path.to_string(),
            finding,
        });
    }
}

fn suggestion(framework: Framework) -> &'static str {
    match framework {
        Framework::NestJs | Framework::Express => "add `helmet`",
        Framework::Fastify => "register `@fastify/helmet`",
        Framework::FastApi | Framework::Starlette => "add the `secure` package's middleware",
        Framework::Flask => "add `Flask-Talisman`",
        Framework::Django => "add `django.middleware.security.SecurityMiddleware` to `MIDDLEWARE`",
    }
}

fn fix(project: &ProjectView<'_>, path: &str, site: &AppSite) -> Option<Fix> {
    let facts = facts_of(project, path)?;
    match site.framework {
        Framework::Django => {
            let edit = facts.security_middleware_insertion.clone()?;
            Some(Fix::unsafe_(
                "Add `SecurityMiddleware` to `MIDDLEWARE`",
                vec![edit],
            ))
        }
        // `app.use(helmet())` is Express middleware: not for NestJS on Fastify.
        Framework::Express | Framework::NestJs
            if depends_on(project, "helmet")
                && (site.framework == Framework::Express
                    || !depends_on(project, "@nestjs/platform-fastify")) =>
        {
            let context = facts.edit_context.as_ref()?;
            use_after_creation(site, context, "helmet", "helmet", |app, local| {
                format!("{app}.use({local}())")
            })
        }
        Framework::Fastify
            if depends_on(project, "@fastify/helmet")
                && facts.async_app_sites.contains(&site.range.start) =>
        {
            let context = facts.edit_context.as_ref()?;
            use_after_creation(site, context, "@fastify/helmet", "helmet", |app, local| {
                format!("await {app}.register({local})")
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::missing_rate_limit::testing::{anchor, apply, run};

    fn message(framework: &str, suggestion: &str) -> String {
        format!(
            "No security-header middleware for this {framework} app ({suggestion}); responses \
             lack HSTS, `X-Content-Type-Options` and frame/referrer policies."
        )
    }

    const NEST_MAIN: &str = "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\n\
        async function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n\
        \x20 app.enableCors({ origin: process.env.CORS_ORIGINS?.split(',') ?? [] });\n\
        \x20 await app.listen(process.env.PORT ?? 3000);\n}\nbootstrap();\n";

    #[test]
    fn nest_without_helmet_gets_it_when_installed() {
        let files = [("src/main.ts", NEST_MAIN)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(anchor(&files, &findings[0]), "NestFactory.create");
        assert_eq!(
            findings[0].finding.message,
            message("NestJS", "add `helmet`")
        );
        assert!(findings[0].finding.fixes.is_empty());
        let findings = run(&RULE, &files, &["helmet"]);
        assert_eq!(
            apply(&files, &findings[0]),
            "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\
             import helmet from 'helmet';\n\nasync function bootstrap() {\n\
             \x20 const app = await NestFactory.create(AppModule);\n  app.use(helmet());\n\
             \x20 app.enableCors({ origin: process.env.CORS_ORIGINS?.split(',') ?? [] });\n\
             \x20 await app.listen(process.env.PORT ?? 3000);\n}\nbootstrap();\n"
        );
        // NestJS on Fastify: Express middleware would not run.
        let findings = run(&RULE, &files, &["helmet", "@nestjs/platform-fastify"]);
        assert!(findings[0].finding.fixes.is_empty());
    }

    #[test]
    fn helmet_in_another_file_is_evidence() {
        let main = "import { NestFactory } from '@nestjs/core';\nconst app = await NestFactory.create(AppModule);\nconfigure(app);\nawait app.listen(3000);\n";
        let setup = "import helmet from 'helmet';\nexport function configure(app) {\n  app.use(helmet({ contentSecurityPolicy: false }));\n}\n";
        assert!(
            run(
                &RULE,
                &[("src/main.ts", main), ("src/setup.ts", setup)],
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn commonjs_express() {
        let index = "const express = require('express');\nconst app = express();\napp.disable('x-powered-by');\napp.get('/', h);\napp.listen(8080);\n";
        let files = [("src/index.js", index)];
        let findings = run(&RULE, &files, &["helmet"]);
        assert_eq!(
            findings[0].finding.message,
            message("Express", "add `helmet`")
        );
        assert_eq!(
            apply(&files, &findings[0]),
            "const express = require('express');\nconst helmet = require('helmet');\n\
             const app = express();\napp.use(helmet());\napp.disable('x-powered-by');\napp.get('/', h);\napp.listen(8080);\n"
        );
        let helmet = "const express = require('express');\nconst helmet = require('helmet');\nconst app = express();\napp.use(helmet());\napp.get('/', h);\n";
        assert!(run(&RULE, &[("src/index.js", helmet)], &[]).is_empty());
    }

    #[test]
    fn headers_set_by_hand_count_from_two() {
        let app = "import express from 'express';\nconst app = express();\napp.get('/', h);\n";
        let one = "export function secure(req, res, next) {\n  res.setHeader('X-Frame-Options', 'DENY');\n  next();\n}\n";
        assert_eq!(
            run(&RULE, &[("src/app.ts", app), ("src/mw.ts", one)], &[]).len(),
            1
        );
        let two = "export function secure(req, res, next) {\n  res.set({ 'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff' });\n  next();\n}\n";
        assert!(run(&RULE, &[("src/app.ts", app), ("src/mw.ts", two)], &[]).is_empty());
    }

    #[test]
    fn django_gets_security_middleware_first() {
        let settings = "INSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\"]\nMIDDLEWARE = [\n    \"django.contrib.sessions.middleware.SessionMiddleware\",\n    \"django.middleware.common.CommonMiddleware\",\n]\n";
        let files = [("config/settings.py", settings)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(anchor(&files, &findings[0]), "MIDDLEWARE");
        assert_eq!(
            findings[0].finding.message,
            message(
                "Django",
                "add `django.middleware.security.SecurityMiddleware` to `MIDDLEWARE`"
            )
        );
        assert_eq!(
            apply(&files, &findings[0]),
            "INSTALLED_APPS = [\"django.contrib.auth\", \"rest_framework\"]\nMIDDLEWARE = [\n    \"django.middleware.security.SecurityMiddleware\",\n    \"django.contrib.sessions.middleware.SessionMiddleware\",\n    \"django.middleware.common.CommonMiddleware\",\n]\n"
        );
        let secure = "INSTALLED_APPS = [\"django.contrib.auth\"]\nMIDDLEWARE = [\n    \"django.middleware.security.SecurityMiddleware\",\n]\n";
        assert!(run(&RULE, &[("config/settings.py", secure)], &[]).is_empty());
    }

    #[test]
    fn flask_and_fastapi() {
        let flask = "from flask import Flask\napp = Flask(__name__)\n";
        let files = [("app/main.py", flask)];
        let findings = run(&RULE, &files, &[]);
        assert_eq!(
            findings[0].finding.message,
            message("Flask", "add `Flask-Talisman`")
        );
        let talisman = "from flask import Flask\nfrom flask_talisman import Talisman\napp = Flask(__name__)\nTalisman(app, content_security_policy=None)\n";
        assert!(run(&RULE, &[("app/main.py", talisman)], &[]).is_empty());
        let fastapi = "from fastapi import FastAPI\napp = FastAPI()\n";
        assert_eq!(run(&RULE, &[("app/main.py", fastapi)], &[]).len(), 1);
        let secure = "import secure\nsecure_headers = secure.Secure()\n";
        assert!(
            run(
                &RULE,
                &[("app/main.py", fastapi), ("app/headers.py", secure)],
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn fastify_registers_helmet() {
        let server = "import Fastify from 'fastify';\nconst app = Fastify();\napp.get('/', async () => 'ok');\nawait app.listen({ port: 3000 });\n";
        let files = [("src/server.ts", server)];
        let findings = run(&RULE, &files, &["@fastify/helmet"]);
        let result = apply(&files, &findings[0]);
        assert!(result.contains("import helmet from '@fastify/helmet';\nconst app = Fastify();\nawait app.register(helmet);\n"), "{result}");
    }
}
