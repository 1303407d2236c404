use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Fix, Severity};
use crate::engine::ProjectFinding;
use crate::project::ProjectView;
use crate::project::facts::{EntrypointTarget, ModuleIndex, TargetProblem};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// Checks that what the final stage's `CMD`/`ENTRYPOINT` runs is in the image, as far as the
    /// build context mapped through `WORKDIR` and `COPY` tells. The build context is the one a
    /// compose service building the Dockerfile gives it (`build: { context, dockerfile }` in a
    /// `compose.yaml`/`docker-compose.yml` of the Dockerfile's folder or one above), else
    /// `[docker.files."<path>"] context` from `preflight.toml`, else the Dockerfile's folder.
    /// What is checked:
    ///
    /// - `python -m pkg.module`: the module exists when its top-level package is local;
    /// - `uvicorn`/`gunicorn`/`hypercorn`/`daphne`/`granian` `module:attr`: the module exists,
    ///   and defines `attr` at top level (a function or class for `attr()` / `--factory`);
    /// - `python app.py`, `node server.js` (Node's resolution: `.js`, `.mjs`, `.cjs`,
    ///   `/index.js`), `pm2-runtime F`, and entrypoint scripts (`./run.sh`, `/app/start.sh`);
    /// - `flask --app M run`, or `flask run` with `ENV FLASK_APP=M`: the module `M` (or the file,
    ///   for `app.py` and paths with a `/`) exists, and defines `attr` for `M:attr`;
    /// - `npm start`, `npm run S`, `yarn S`, `pnpm S`, `bun run S`: the script exists in the
    ///   `package.json` copied to the `WORKDIR` (`npm start` also accepts a `server.js`);
    /// - a Node file under `dist/`, `build/`, `out/` or `lib/` must have a source with the same
    ///   stem (`src/main.ts` for `dist/main.js`, or under a `tsconfig` `rootDir`);
    /// - a target the context has but `.dockerignore` excludes.
    ///
    /// Targets that another stage, a remote `ADD` or a build step (`RUN npm run build`,
    /// `pip install`, …) may produce are never flagged, nor are files that no `COPY` of the
    /// context covers (installed tools, base-image scripts).
    ///
    /// ## Why is this bad?
    /// The image builds, and the container exits at start: `No module named …`,
    /// `Cannot find module …`, `Missing script: …`, `Attribute "app" not found in module …`.
    ///
    /// ## Example
    /// ```dockerfile
    /// # the context has src/api/app.py but no src/api/main.py
    /// FROM python:3.12-slim
    /// WORKDIR /app
    /// COPY . .
    /// CMD ["python", "-m", "src.api.main"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// CMD ["python", "-m", "src.api.app"]
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: "did you mean …" replaces a missing application attribute by the module's only
    /// top-level name that differs from it in case or by at most two edits. Nothing else is
    /// guessed.
    ///
    /// ## How to silence
    /// `# preflight-ignore: entrypoint-target-missing` on the line above the instruction, or
    /// `[rules] entrypoint-target-missing = "off"` in `preflight.toml`.
    pub static RULE = Rule {
        id: "entrypoint-target-missing",
        summary: "Container command targets a module, file or script the image lacks",
        category: Category::Deployment,
        severity: Severity::Error,
        languages: &[LanguageFamily::Dockerfile],
        fix: FixAvailability::Unsafe,
        check: Check::Project(check),
    };
}

fn check(project: &ProjectView<'_>, out: &mut Vec<ProjectFinding>) {
    for (path, facts) in project.facts() {
        let Some(docker) = &facts.dockerfile else {
            continue;
        };
        for target in &docker.targets {
            if let Some(finding) = finding(project, target) {
                out.push(ProjectFinding {
                    path: path.to_string(),
                    finding,
                });
            }
        }
    }
}

fn finding(
    project: &ProjectView<'_>,
    target: &EntrypointTarget,
) -> Option<crate::diagnostic::Finding> {
    let mut fix = None;
    let reason = match &target.problem {
        TargetProblem::NotInContext { path } => format!("`{path}` is not in the build context"),
        TargetProblem::NoSource { path } => {
            format!("`{path}` is build output and no source for it exists in the build context")
        }
        TargetProblem::Ignored { path, pattern } => {
            format!("`{path}` is excluded by `.dockerignore` (`{pattern}`)")
        }
        TargetProblem::NoScript { script } => format!("`package.json` has no script `{script}`"),
        TargetProblem::Attribute {
            module,
            file,
            attribute,
            callable,
        } => {
            // Only modules the project analyses can be checked.
            let index = project
                .facts()
                .find(|(path, _)| path == file)
                .and_then(|(_, facts)| facts.module_index.as_ref())?;
            if index.defines(attribute, *callable) {
                return None;
            }
            if let Some(candidate) = did_you_mean(index, attribute, *callable) {
                fix = replacement(target, attribute, &candidate);
            }
            format!("module `{module}` has no top-level `{attribute}`")
        }
    };
    let mut finding = RULE.finding(
        target.range.clone(),
        format!(
            "The container command targets `{}`, but {reason}; the container will exit at start.",
            target.target
        ),
    );
    if let Some(fix) = fix {
        finding = finding.with_fix(fix);
    }
    Some(finding)
}

/// The one top-level name `attribute` was probably meant to be: differing only in case, or
/// within two edits.
fn did_you_mean(index: &ModuleIndex, attribute: &str, callable: bool) -> Option<String> {
    let candidates: Vec<&str> = index
        .names
        .iter()
        .filter(|(_, c)| *c || !callable)
        .map(|(n, _)| n.as_str())
        .filter(|n| *n != attribute)
        .collect();
    let same_case: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|n| n.eq_ignore_ascii_case(attribute))
        .collect();
    let pick = |mut list: Vec<&str>| {
        list.sort();
        list.dedup();
        (list.len() == 1).then(|| list[0].to_string())
    };
    if !same_case.is_empty() {
        return pick(same_case);
    }
    pick(
        candidates
            .into_iter()
            .filter(|n| edit_distance(n, attribute) <= 2 && attribute.len() > 2)
            .collect(),
    )
}

/// Replaces `attribute` in the target's spec, when the anchor's text is the target as written.
fn replacement(target: &EntrypointTarget, attribute: &str, candidate: &str) -> Option<Fix> {
    let (module, rest) = target.target.split_once(':')?;
    let call = rest.strip_prefix(attribute)?;
    let new = format!("{module}:{candidate}{call}");
    let written = if target.written == target.target {
        new.clone()
    } else if serde_json::to_string(&target.target).ok()? == target.written {
        serde_json::to_string(&new).ok()?
    } else {
        return None;
    };
    Some(Fix::unsafe_(
        format!("Did you mean `{new}`?"),
        vec![Edit::replace(target.range.clone(), written)],
    ))
}

/// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::testing::MemoryFiles;
    use crate::project::{FileSystem, ProjectInfo};
    use crate::rules::missing_env_example::tests::run_project;

    /// Findings of the rule on a project whose files are all in `files` (the analysed ones are
    /// the Dockerfile and Python/TS sources).
    fn run(files: &[(&str, &str)]) -> Vec<(String, String)> {
        let fs = MemoryFiles::new(files);
        let analysed: Vec<(&str, &str)> = files
            .iter()
            .copied()
            .filter(|(p, _)| {
                preflight_grammars::Language::from_file_name(p.rsplit('/').next().unwrap())
                    .is_some()
            })
            .collect();
        let found = run_project(
            &RULE,
            &ProjectInfo::default(),
            &analysed,
            &fs as &dyn FileSystem,
        );
        found
            .into_iter()
            .map(|f| {
                let text = files.iter().find(|(p, _)| *p == f.path).unwrap().1;
                (text[f.finding.range.clone()].to_string(), f.finding.message)
            })
            .collect()
    }

    const PY: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"-m\", \"src.api.main\"]\n";

    #[test]
    fn python_modules() {
        let found = run(&[("Dockerfile", PY), ("src/api/app.py", "x = 1\n")]);
        assert_eq!(
            found,
            [(
                "\"src.api.main\"".to_string(),
                "The container command targets `src.api.main`, but `src/api/main.py` is not in \
                 the build context; the container will exit at start."
                    .to_string()
            )]
        );
        assert!(run(&[("Dockerfile", PY), ("src/api/main.py", "x = 1\n")]).is_empty());
        assert!(run(&[("Dockerfile", PY), ("src/api/main/__main__.py", "x = 1\n")]).is_empty());
        // `src` is not local: an installed package.
        assert!(run(&[("Dockerfile", PY), ("app/main.py", "x = 1\n")]).is_empty());
    }

    #[test]
    fn application_attributes() {
        let docker = "FROM python:3.12-slim\nWORKDIR /srv\nCOPY app/ ./app/\nCMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]\n";
        let module = "from fastapi import FastAPI\napplication = FastAPI()\n";
        let found = run(&[("Dockerfile", docker), ("app/main.py", module)]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .1
                .contains("module `app.main` has no top-level `app`")
        );
        let fine = "from fastapi import FastAPI\napp = FastAPI()\n";
        assert!(run(&[("Dockerfile", docker), ("app/main.py", fine)]).is_empty());
        // `create_app()` must be callable.
        let factory = docker.replace("app.main:app", "app.main:create_app()");
        let values = "create_app = 1\n";
        assert_eq!(
            run(&[("Dockerfile", &factory), ("app/main.py", values)]).len(),
            1
        );
        // Star imports may define anything.
        assert!(
            run(&[
                ("Dockerfile", docker),
                ("app/main.py", "from .x import *\n")
            ])
            .is_empty()
        );
    }

    #[test]
    fn node_files_and_scripts() {
        let docker = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"npm\", \"run\", \"start:prod\"]\n";
        let manifest = r#"{"scripts": {"build": "tsc", "start": "node dist/main.js"}}"#;
        let found = run(&[
            ("Dockerfile", docker),
            ("package.json", manifest),
            ("src/main.ts", ""),
        ]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .1
                .contains("`package.json` has no script `start:prod`")
        );
        let start = docker.replace("\"run\", \"start:prod\"", "\"start\"");
        assert!(
            run(&[
                ("Dockerfile", &start),
                ("package.json", manifest),
                ("src/main.ts", "")
            ])
            .is_empty()
        );
        // Built in the image: unknowable.
        let node = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm run build\nCMD [\"node\", \"dist/main.js\"]\n";
        assert!(run(&[("Dockerfile", node), ("src/main.ts", "")]).is_empty());
        // Build output without a source.
        let found = run(&[("Dockerfile", node), ("src/other.ts", "")]);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("`dist/main.js` is build output"));
        // A plain file that is not there.
        let plain = "FROM node:20\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"server.js\"]\n";
        assert_eq!(run(&[("Dockerfile", plain), ("index.js", "")]).len(), 1);
        assert_eq!(
            run(&[("Dockerfile", plain), ("server/index.js", "")]).len(),
            1
        );
        let folder = plain.replace("server.js", "server");
        assert!(run(&[("Dockerfile", &folder), ("server/index.js", "")]).is_empty());
    }

    #[test]
    fn other_stages_and_uncovered_targets() {
        let multi = "FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n\
                     FROM node:20-slim\nWORKDIR /app\nCOPY --from=build /app/dist ./dist\nCMD [\"node\", \"dist/main.js\"]\n";
        assert!(run(&[("Dockerfile", multi), ("src/main.ts", "")]).is_empty());
        let installed = "FROM python:3.12-slim\nRUN pip install --no-cache-dir gunicorn\n\
                         CMD [\"python\", \"-m\", \"gunicorn\", \"app.wsgi:application\"]\n";
        assert!(run(&[("Dockerfile", installed)]).is_empty());
        let base_script = "FROM node:20\nCOPY . /app\nENTRYPOINT [\"docker-entrypoint.sh\"]\n";
        assert!(run(&[("Dockerfile", base_script)]).is_empty());
    }

    #[test]
    fn dockerignore_exclusions() {
        let docker =
            "FROM node:20-slim\nCOPY . /app\nENTRYPOINT [\"/app/scripts/entrypoint.sh\"]\n";
        let found = run(&[
            ("Dockerfile", docker),
            (".dockerignore", "node_modules\nscripts/\n"),
            ("scripts/entrypoint.sh", ""),
        ]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .1
                .contains("`scripts/entrypoint.sh` is excluded by `.dockerignore` (`scripts/`)")
        );
        assert!(run(&[("Dockerfile", docker), ("scripts/entrypoint.sh", "")]).is_empty());
    }

    #[test]
    fn flask_applications() {
        let docker = |cmd: &str| format!("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n{cmd}\n");
        let app = "from flask import Flask\napp = Flask(__name__)\n";
        let factory = "from flask import Flask\ndef create_app():\n    return Flask(__name__)\n";
        // `--app M`: the module must exist.
        let cli = docker("CMD [\"flask\", \"--app\", \"web.main\", \"run\", \"--host=0.0.0.0\"]");
        let found = run(&[("Dockerfile", &cli), ("web/app.py", app)]);
        assert_eq!(
            found,
            [(
                "\"web.main\"".to_string(),
                "The container command targets `web.main`, but `web/main.py` is not in the build \
                 context; the container will exit at start."
                    .to_string()
            )]
        );
        assert!(run(&[("Dockerfile", &cli), ("web/main.py", app)]).is_empty());
        // `ENV FLASK_APP=M:attr`: the attribute must be defined, callable when called.
        let env = docker(
            "ENV FLASK_APP=web.main:create_app()\nCMD [\"python\", \"-m\", \"flask\", \"run\"]",
        );
        let found = run(&[("Dockerfile", &env), ("web/main.py", app)]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "web.main:create_app()");
        assert!(
            found[0]
                .1
                .contains("module `web.main` has no top-level `create_app`")
        );
        assert!(run(&[("Dockerfile", &env), ("web/main.py", factory)]).is_empty());
        // A file path (`.py`, or with a `/`) must exist as a file.
        let file = docker("CMD flask --app=src/server.py run");
        let found = run(&[("Dockerfile", &file), ("src/app.py", app)]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "--app=src/server.py");
        assert!(
            found[0]
                .1
                .contains("`src/server.py` is not in the build context")
        );
        assert!(run(&[("Dockerfile", &file), ("src/server.py", app)]).is_empty());
        let package = docker("ENV FLASK_APP=src/web:app\nCMD [\"flask\", \"run\"]");
        assert!(run(&[("Dockerfile", &package), ("src/web/__init__.py", app)]).is_empty());
        assert_eq!(
            run(&[("Dockerfile", &package), ("src/other.py", app)]).len(),
            1
        );
        // Other commands, unknown values, installed packages: nothing to check.
        for cmd in [
            "CMD [\"flask\", \"--app\", \"web.main\", \"routes\"]",
            "CMD [\"flask\", \"run\"]",
            "ENV FLASK_APP=${APP}\nCMD [\"flask\", \"run\"]",
            "ENV FLASK_APP=installed_pkg.app\nCMD [\"flask\", \"run\"]",
        ] {
            assert!(
                run(&[("Dockerfile", &docker(cmd)), ("web/app.py", app)]).is_empty(),
                "{cmd}"
            );
        }
    }

    #[test]
    fn did_you_mean_fix() {
        let docker =
            "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD [\"uvicorn\", \"main:App\"]\n";
        let fs = MemoryFiles::new(&[("main.py", "app = make()\n")]);
        let files = [("Dockerfile", docker), ("main.py", "app = make()\n")];
        let found = run_project(&RULE, &ProjectInfo::default(), &files, &fs);
        let fixed = crate::rules::testing::fixed(
            docker,
            std::slice::from_ref(&found[0].finding),
            crate::diagnostic::FixSafety::Unsafe,
        );
        assert!(fixed.contains("CMD [\"uvicorn\", \"main:app\"]"));
        assert_eq!(edit_distance("aplication", "application"), 1);
        assert_eq!(edit_distance("ap", "pa"), 1);
    }
}
