use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, FileChange, FileEdit, Fix, Related, Severity};
use crate::engine::ProjectFinding;
use crate::project::ProjectView;
use crate::project::dotenv::{self, DEFAULT_EXAMPLE};
use crate::project::facts::{EnvRead, Framework};
use preflight_grammars::LanguageFamily;
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Flags a project whose code reads environment variables (`process.env.X`,
    /// `os.environ["X"]`, `os.getenv("X")`, pydantic-settings fields, …) when no env example
    /// file (`.env.example`, `.env.sample`, `.env.template`, `example.env`, …) exists in the
    /// project's folder or any folder above it in the workspace.
    ///
    /// Only projects that are deployed count: they create an HTTP app (Express, NestJS,
    /// Fastify, FastAPI, Flask, …) that registers routes or starts serving, are a Django project
    /// (`manage.py` in the project root), or have a Dockerfile. Libraries, whose variables are optional knobs
    /// their users set, are left alone.
    ///
    /// Platform variables (`NODE_ENV`, `PATH`, `HOME`, `CI`, `npm_*`, …), dynamic names
    /// (`process.env[name]`), writes, and reads in tests and scripts do not count. The
    /// diagnostic is reported once per project, at the first read (by path, then position), and
    /// points to up to five read sites.
    ///
    /// ## Why is this bad?
    /// Without a documented list of variables, a deployment (or a new colleague) finds out what
    /// the service needs from its crashes: the first missing setting fails at runtime. An
    /// example file is the conventional, reviewable place to list them.
    ///
    /// ## Example
    /// ```ts
    /// // api/src/config.ts — api/ has a package.json and no .env.example
    /// export const config = {
    ///   databaseUrl: process.env.DATABASE_URL,
    ///   port: Number(process.env.PORT ?? 3000),
    /// };
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// # api/.env.example
    /// DATABASE_URL=
    /// PORT=3000
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the fix creates `.env.example` in the project root listing every variable the
    /// project reads, sorted, with a static default found at a read site as the value (left
    /// empty for secret-like names and values). It adds a documentation file and changes no
    /// code. It is not offered when the project depends on `dotenv-safe`, which would start
    /// enforcing the new file.
    ///
    /// ## How to silence
    /// `// preflight-ignore: missing-env-example` (or `# preflight-ignore: …`) on the line above
    /// the first read, or `[rules] missing-env-example = "off"` in `preflight.toml`. Variables
    /// matched by `[env] ignore = ["OTEL_*"]` are not counted, and not written by the fix.
    pub static RULE = Rule {
        id: "missing-env-example",
        summary: "Project reads environment variables but has no .env.example",
        category: Category::Deployment,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Safe,
        check: Check::Project(check),
    };
}

/// How many read sites `relatedInformation` points to.
const MAX_RELATED: usize = 5;

fn check(project: &ProjectView<'_>, out: &mut Vec<ProjectFinding>) {
    // Names that `[env] ignore` covers are neither reported nor written to the example file.
    let mut reads: Vec<(&str, &EnvRead)> = Vec::new();
    for (path, facts) in project.facts() {
        if facts.env_reads.is_empty() {
            continue;
        }
        let ignored = project.options(path).env_ignore;
        reads.extend(
            facts
                .env_reads
                .iter()
                .filter(|read| !ignored.matches(&read.name))
                .map(|read| (path, read)),
        );
    }
    let Some(&(anchor_path, anchor)) = reads.first() else {
        return;
    };
    // Libraries read optional knobs (`REQUESTS_CA_BUNDLE`, `NO_PROXY`) that their users set;
    // only something that is deployed needs an example file: an HTTP app, a server that
    // listens, or a Dockerfile.
    let django_project = project
        .fs
        .is_file(&dotenv::join(&project.info.root, "manage.py"));
    let deployed = project.facts().any(|(_, facts)| {
        facts.dockerfile.is_some()
            || facts.app_sites.iter().any(|site| match site.framework {
                // A settings module alone may be a framework's defaults (`global_settings.py`).
                Framework::Django => django_project,
                // `express()` inside a library that wraps it mounts nothing.
                Framework::Express | Framework::Fastify => {
                    site.has_listen || site.has_registrations
                }
                _ => true,
            })
    });
    if !deployed {
        return;
    }
    if dotenv::example_dir(project.fs, &project.info.root).is_some() {
        return;
    }
    // Each name once, with the first static default found for it.
    let mut names: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (_, read) in &reads {
        let default = names.entry(read.name.as_str()).or_insert(None);
        if default.is_none() {
            *default = read.default.as_deref();
        }
    }
    let listed: Vec<String> = names.keys().take(3).map(|n| format!("`{n}`")).collect();
    let more = if names.len() > 3 { "…" } else { "" };
    let message = format!(
        "This project reads {} environment variable(s) ({}{more}) but has no `.env.example` \
         documenting them.",
        names.len(),
        listed.join(", ")
    );
    let mut finding = RULE.finding(anchor.range.clone(), message);
    let mut seen: Vec<&str> = vec![anchor.name.as_str()];
    for (path, read) in &reads {
        if finding.related.len() >= MAX_RELATED {
            break;
        }
        if seen.contains(&read.name.as_str()) {
            continue;
        }
        seen.push(&read.name);
        finding = finding.with_related(Related {
            path: path.to_string(),
            range: read.range.clone(),
            message: format!("`{}` is read here", read.name),
        });
    }
    if !project.info.npm_dependencies.contains("dotenv-safe") {
        let mut lines = vec![
            "# Environment variables read by this project (generated by preflight).".to_string(),
            "# Copy to .env and fill in real values; never commit real secrets.".to_string(),
        ];
        lines.extend(
            names
                .iter()
                .map(|(name, default)| dotenv::example_line(name, *default)),
        );
        let path = dotenv::join(&project.info.root, DEFAULT_EXAMPLE);
        finding = finding.with_fix(
            Fix::safe(format!("Create `{DEFAULT_EXAMPLE}`"), Vec::new()).with_file_edit(FileEdit {
                path,
                change: FileChange::Create(lines),
            }),
        );
    }
    out.push(ProjectFinding {
        path: anchor_path.to_string(),
        finding,
    });
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::{Engine, SourceFile};
    use crate::project::testing::MemoryFiles;
    use crate::project::{FileFacts, ProjectInfo, ProjectView};
    use preflight_grammars::Language;

    pub(crate) fn run_project(
        rule: &'static crate::rules::Rule,
        info: &ProjectInfo,
        files: &[(&str, &str)],
        fs: &dyn crate::project::FileSystem,
    ) -> Vec<ProjectFinding> {
        let engine = Engine::with_rules(vec![rule]);
        let facts: Vec<(&str, FileFacts)> = files
            .iter()
            .map(|(path, text)| {
                let language = Language::from_file_name(path.rsplit('/').next().unwrap()).unwrap();
                let file = SourceFile::new(path, text, language);
                (*path, engine.analyze_file(&file, info, fs).facts)
            })
            .collect();
        let view = ProjectView {
            info,
            files: facts.iter().map(|(p, f)| (*p, f)).collect(),
            fs,
            options: &|_| crate::engine::RuleOptions::default(),
        };
        engine.analyze_project(&view)
    }

    fn api() -> ProjectInfo {
        ProjectInfo {
            root: "api".into(),
            ..ProjectInfo::default()
        }
    }

    const CONFIG: &str = "export const config = {\n  databaseUrl: process.env.DATABASE_URL,\n  \
                          jwtSecret: process.env.JWT_SECRET,\n  port: Number(process.env.PORT ?? 3000),\n};\n";

    const SERVER: (&str, &str) = (
        "api/src/main.ts",
        "import express from 'express';\nconst app = express();\napp.listen(3000);\n",
    );

    #[test]
    fn libraries_are_not_deployed() {
        let fs = MemoryFiles::new(&[]);
        let text = "import os\nBUNDLE = os.environ.get('REQUESTS_CA_BUNDLE')\n";
        assert!(run_project(&RULE, &api(), &[("api/lib/sessions.py", text)], &fs).is_empty());
        let docker = (
            "api/Dockerfile",
            "FROM python:3.12\nCMD [\"python\", \"-m\", \"lib\"]\n",
        );
        let found = run_project(&RULE, &api(), &[docker, ("api/lib/sessions.py", text)], &fs);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn flags_a_project_without_an_example_file() {
        let fs = MemoryFiles::new(&[("api/package.json", "{}")]);
        let found = run_project(&RULE, &api(), &[("api/src/config.ts", CONFIG), SERVER], &fs);
        assert_eq!(found.len(), 1);
        let finding = &found[0].finding;
        assert_eq!(found[0].path, "api/src/config.ts");
        assert_eq!(&CONFIG[finding.range.clone()], "DATABASE_URL");
        assert_eq!(
            finding.message,
            "This project reads 3 environment variable(s) (`DATABASE_URL`, `JWT_SECRET`, `PORT`) \
             but has no `.env.example` documenting them."
        );
        assert_eq!(finding.related.len(), 2);
        let fix = &finding.fixes[0];
        assert_eq!(fix.safety, crate::diagnostic::FixSafety::Safe);
        assert_eq!(
            fix.file_edits,
            [FileEdit {
                path: "api/.env.example".into(),
                change: FileChange::Create(vec![
                    "# Environment variables read by this project (generated by preflight).".into(),
                    "# Copy to .env and fill in real values; never commit real secrets.".into(),
                    "DATABASE_URL=".into(),
                    "JWT_SECRET=".into(),
                    "PORT=3000".into(),
                ])
            }]
        );
        let created = FileEdit::apply_all(None, [&fix.file_edits[0].change]).unwrap();
        assert!(created.ends_with("JWT_SECRET=\nPORT=3000\n"));
    }

    #[test]
    fn an_example_file_up_to_the_workspace_root_documents() {
        for example in ["api/.env.example", ".env.sample", "api/example.env"] {
            let fs = MemoryFiles::new(&[("api/package.json", "{}"), (example, "")]);
            assert!(
                run_project(&RULE, &api(), &[("api/src/config.ts", CONFIG), SERVER], &fs)
                    .is_empty(),
                "{example}"
            );
        }
        // The real `.env` documents nothing.
        let fs = MemoryFiles::new(&[("api/package.json", "{}"), ("api/.env", "X=1")]);
        assert_eq!(
            run_project(&RULE, &api(), &[("api/src/config.ts", CONFIG), SERVER], &fs).len(),
            1
        );
    }

    #[test]
    fn only_platform_variables_or_dynamic_names() {
        let fs = MemoryFiles::new(&[]);
        let text = "export const isProd = process.env.NODE_ENV === 'production';\n\
                    const v = process.env[name];\nprocess.env.X = '1';\n";
        assert!(run_project(&RULE, &api(), &[("api/src/env.ts", text), SERVER], &fs).is_empty());
    }

    #[test]
    fn python_settings_and_dotenv_safe() {
        let fs = MemoryFiles::new(&[]);
        let info = ProjectInfo {
            root: "svc".into(),
            ..ProjectInfo::default()
        };
        let text = "import os\nDATABASE_URL = os.environ[\"DATABASE_URL\"]\nSENTRY_DSN = os.getenv(\"SENTRY_DSN\", \"\")\n";
        let config = "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n    redis_url: str\n";
        let found = run_project(
            &RULE,
            &info,
            &[
                ("svc/app/config.py", config),
                (
                    "svc/app/main.py",
                    "from fastapi import FastAPI\napp = FastAPI()\n",
                ),
                ("svc/app/settings.py", text),
            ],
            &fs,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path, "svc/app/config.py");
        assert!(found[0].finding.message.contains("reads 3 environment"));
        let mut info = api();
        info.npm_dependencies.insert("dotenv-safe".into());
        let found = run_project(&RULE, &info, &[("api/src/config.ts", CONFIG), SERVER], &fs);
        assert!(found[0].finding.fixes.is_empty());
    }
}
