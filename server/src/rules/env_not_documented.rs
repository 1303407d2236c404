use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, FileChange, FileEdit, Fix, Severity};
use crate::engine::ProjectFinding;
use crate::project::ProjectView;
use crate::project::facts::EnvRead;
use crate::project::{compose, dotenv};
use preflight_grammars::LanguageFamily;
use std::collections::{BTreeMap, HashSet};

declare_rule! {
    /// ## What it does
    /// Flags a read of an environment variable (`process.env.REDIS_URL`,
    /// `os.getenv("SENTRY_DSN")`, a pydantic-settings field, …) whose name the project's env
    /// example file does not list. The example folder is the nearest folder, from the project
    /// root up to the workspace root, holding an example file (`.env.example`, `.env.sample`,
    /// `.env.template`, `example.env`, …); the keys of all example files there count, commented
    /// ones (`# SENTRY_DSN=`) included, and so do the `ENV` names of the project's Dockerfiles
    /// and the `environment` keys of compose services built from the project root (in
    /// `compose.yaml`, `docker-compose.yml`, `docker-compose.*.yml`, … of the project root or a
    /// folder above it).
    ///
    /// One diagnostic per file and name, at its first read in the file. Platform variables
    /// (`NODE_ENV`, `PATH`, …), dynamic names, writes, tests and scripts do not count.
    /// pydantic-settings names compare case-insensitively unless `case_sensitive=True`.
    ///
    /// ## Why is this bad?
    /// The example file is what deployments and colleagues copy from. A variable it does not
    /// list is missing from every environment set up from it, and the service fails (or quietly
    /// falls back to a default) where it is read.
    ///
    /// ## Example
    /// ```ts
    /// // src/config.ts — .env.example contains only `DATABASE_URL=`
    /// export const config = {
    ///   databaseUrl: process.env.DATABASE_URL,
    ///   redisUrl: process.env.REDIS_URL,
    /// };
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// # .env.example
    /// DATABASE_URL=
    /// REDIS_URL=
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the fix appends `NAME=` (with a static default found at a read site as the value,
    /// empty for secret-like names) to the primary example file (`.env.example` > `.env.sample`
    /// > `.env.template` > others), after a line break if the file lacks a final one. A second
    /// action documents every undocumented variable of the project at once. Only documentation
    /// changes; applying it twice adds nothing.
    ///
    /// ## How to silence
    /// `// preflight-ignore: env-not-documented` (or `# preflight-ignore: …`) on the line above
    /// the read, `[env] ignore = ["NAME"]` or `[rules] env-not-documented = "off"` in
    /// `preflight.toml`.
    pub static RULE = Rule {
        id: "env-not-documented",
        summary: "Environment variable read but missing from .env.example",
        category: Category::Deployment,
        severity: Severity::Info,
        languages: &[LanguageFamily::Ecma, LanguageFamily::Python],
        fix: FixAvailability::Safe,
        check: Check::Project(check),
    };
}

fn check(project: &ProjectView<'_>, out: &mut Vec<ProjectFinding>) {
    let has_reads = project
        .facts()
        .any(|(_, facts)| !facts.env_reads.is_empty());
    if !has_reads {
        return;
    }
    let Some(examples) = dotenv::example_dir(project.fs, &project.info.root) else {
        return;
    };
    let mut documented: Vec<String> = examples.keys(project.fs);
    documented.extend(compose::environment_keys(project.fs, &project.info.root));
    for (_, facts) in project.facts() {
        if let Some(docker) = &facts.dockerfile {
            documented.extend(docker.env_names.iter().cloned());
        }
    }
    let exact: HashSet<&str> = documented.iter().map(String::as_str).collect();
    let upper: HashSet<String> = documented.iter().map(|k| k.to_ascii_uppercase()).collect();
    let is_documented = |read: &EnvRead| {
        exact.contains(read.name.as_str())
            || (read.case_insensitive && upper.contains(&read.name.to_ascii_uppercase()))
    };
    // (path, first undocumented read of each name in that file)
    let mut flagged: Vec<(&str, &EnvRead)> = Vec::new();
    // Every undocumented name of the project with its first static default.
    let mut missing: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for (path, facts) in project.facts() {
        if facts.env_reads.is_empty() {
            continue;
        }
        let ignored = project.options(path).env_ignore;
        let mut seen: HashSet<&str> = HashSet::new();
        for read in &facts.env_reads {
            if is_documented(read) || ignored.matches(&read.name) {
                continue;
            }
            let default = missing.entry(read.name.as_str()).or_insert(None);
            if default.is_none() {
                *default = read.default.as_deref();
            }
            if seen.insert(read.name.as_str()) {
                flagged.push((path, read));
            }
        }
    }
    let primary = examples.primary();
    let display = primary.rsplit('/').next().unwrap_or(primary);
    let all_lines: Vec<String> = missing
        .iter()
        .map(|(name, default)| dotenv::example_line(name, *default))
        .collect();
    for (path, read) in flagged {
        let line = dotenv::example_line(&read.name, missing[read.name.as_str()]);
        let mut finding = RULE
            .finding(
                read.range.clone(),
                format!(
                    "`{}` is read here but not documented in `{display}`.",
                    read.name
                ),
            )
            .with_fix(
                Fix::safe(format!("Add `{line}` to `{display}`"), Vec::new()).with_file_edit(
                    FileEdit {
                        path: primary.to_string(),
                        change: FileChange::AppendLines(vec![line]),
                    },
                ),
            );
        if all_lines.len() > 1 {
            finding = finding.with_fix(
                Fix::safe(
                    format!(
                        "Document all {} missing variables in `{display}`",
                        all_lines.len()
                    ),
                    Vec::new(),
                )
                .with_file_edit(FileEdit {
                    path: primary.to_string(),
                    change: FileChange::AppendLines(all_lines.clone()),
                }),
            );
        }
        out.push(ProjectFinding {
            path: path.to_string(),
            finding,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, SourceFile};
    use crate::project::testing::MemoryFiles;
    use crate::project::{FileFacts, FileSystem, ProjectInfo};
    use preflight_grammars::Language;

    fn run(files: &[(&str, &str)], fs: &dyn FileSystem) -> Vec<ProjectFinding> {
        let info = ProjectInfo::default();
        let engine = Engine::with_rules(vec![&RULE]);
        let facts: Vec<(&str, FileFacts)> = files
            .iter()
            .map(|(path, text)| {
                let name = path.rsplit('/').next().unwrap();
                let file = SourceFile::new(path, text, Language::from_file_name(name).unwrap());
                (*path, engine.analyze_file(&file, &info, fs).facts)
            })
            .collect();
        let view = ProjectView {
            info: &info,
            files: facts.iter().map(|(p, f)| (*p, f)).collect(),
            fs,
            options: &|_| crate::engine::RuleOptions::default(),
        };
        engine.analyze_project(&view)
    }

    fn texts<'a>(files: &[(&str, &'a str)], found: &[ProjectFinding]) -> Vec<&'a str> {
        found
            .iter()
            .map(|f| {
                let text = files.iter().find(|(p, _)| *p == f.path).unwrap().1;
                &text[f.finding.range.clone()]
            })
            .collect()
    }

    const CONFIG: &str = "export const config = {\n  databaseUrl: process.env.DATABASE_URL,\n  \
                          redisUrl: process.env.REDIS_URL,\n  jwtSecret: process.env['JWT_SECRET'],\n  \
                          again: process.env.REDIS_URL,\n};\n";

    #[test]
    fn flags_each_undocumented_name_once_per_file() {
        let fs = MemoryFiles::new(&[(".env.example", "DATABASE_URL=\n")]);
        let files = [("src/config.ts", CONFIG)];
        let found = run(&files, &fs);
        assert_eq!(texts(&files, &found), ["REDIS_URL", "'JWT_SECRET'"]);
        assert_eq!(
            found[0].finding.message,
            "`REDIS_URL` is read here but not documented in `.env.example`."
        );
        let fix = &found[0].finding.fixes[0];
        assert_eq!(fix.title, "Add `REDIS_URL=` to `.env.example`");
        assert_eq!(
            fix.file_edits[0].change,
            FileChange::AppendLines(vec!["REDIS_URL=".into()])
        );
        assert_eq!(
            found[0].finding.fixes[1].file_edits[0].change,
            FileChange::AppendLines(vec!["JWT_SECRET=".into(), "REDIS_URL=".into()])
        );
        // Applying every finding's fix merges into one append, once.
        let changes: Vec<&FileChange> = found
            .iter()
            .map(|f| &f.finding.fixes[0].file_edits[0].change)
            .collect();
        let after = FileEdit::apply_all(Some("DATABASE_URL="), changes.iter().copied()).unwrap();
        assert_eq!(after, "DATABASE_URL=\nREDIS_URL=\nJWT_SECRET=\n");
        assert_eq!(FileEdit::apply_all(Some(&after), changes), None);
    }

    #[test]
    fn documentation_sources() {
        let files = [
            ("src/config.ts", CONFIG),
            (
                "Dockerfile",
                "FROM node:20\nENV REDIS_URL=redis://cache:6379\n",
            ),
        ];
        let fs = MemoryFiles::new(&[
            (".env.sample", "DATABASE_URL=\n"),
            (".env.local.example", "# JWT_SECRET=\n"),
        ]);
        assert!(run(&files, &fs).is_empty());
        // `environment` of a compose service built from the project root documents too; a
        // service built from elsewhere, a broken compose file and a service without `build`
        // do not.
        let compose = "services:\n  api:\n    build: .\n    environment:\n      - REDIS_URL=redis://cache\n  \
                       web:\n    build: ./web\n    environment: {JWT_SECRET: x}\n  \
                       cache:\n    image: redis\n    environment: [JWT_SECRET=x]\n";
        let fs = MemoryFiles::new(&[
            (".env.example", "DATABASE_URL=\n"),
            ("docker-compose.yml", compose),
            ("docker-compose.prod.yml", "services: [\n"),
        ]);
        let found = run(&files[..1], &fs);
        assert_eq!(texts(&files, &found), ["'JWT_SECRET'"]);
        // Without an example folder, `missing-env-example` speaks instead.
        assert!(run(&files[..1], &MemoryFiles::new(&[])).is_empty());
    }

    #[test]
    fn python_reads_and_near_misses() {
        let fs = MemoryFiles::new(&[(".env.example", "DATABASE_URL=\nSTRIPE_API_KEY=\n")]);
        let settings = "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"config.settings\")\n\
                        url = os.environ[\"DATABASE_URL\"]\nSENTRY_DSN = os.getenv(\"SENTRY_DSN\")\n";
        let pydantic = "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n    \
                        database_url: str\n    stripe_api_key: str\n    redis_url: str = 'redis://localhost'\n";
        let files = [("app/settings.py", settings), ("app/config.py", pydantic)];
        let found = run(&files, &fs);
        assert_eq!(texts(&files, &found), ["redis_url", "\"SENTRY_DSN\""]);
        assert_eq!(
            found[0].finding.fixes[0].file_edits[0].change,
            FileChange::AppendLines(vec!["REDIS_URL=redis://localhost".into()])
        );
    }

    #[test]
    fn example_folder_above_the_project() {
        let info = ProjectInfo {
            root: "apps/api".into(),
            ..ProjectInfo::default()
        };
        let fs = MemoryFiles::new(&[(".env.example", "A=\n"), ("apps/api/package.json", "{}")]);
        let found = super::super::missing_env_example::tests::run_project(
            &RULE,
            &info,
            &[("apps/api/src/main.ts", "const b = process.env.B;\n")],
            &fs,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.fixes[0].file_edits[0].path, ".env.example");
    }
}
