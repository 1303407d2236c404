use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Finding, Fix, Severity};
use crate::docker::command::{self, Word, basename};
use crate::docker::launch::{self, WordSite, is_development_stage, launched_commands};
use crate::docker::python::is_python;
use crate::docker::{DockerContext, Located, Vars, shell};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// Checks the command the production container starts — the `ENTRYPOINT`/`CMD` in effect for
    /// the final stage, through launchers such as `npx`, `tini` or `sh -c` — for development
    /// servers: `npm run dev` and other `dev`/`watch`/`serve` scripts, `nodemon`, `ts-node`,
    /// `ts-node-dev`, `node --watch`, `tsx watch`, `next dev`, `nuxt dev`, `vite`,
    /// `react-scripts start`, `ng serve`, `webpack serve`, `nest start --watch`,
    /// `gatsby develop`, `remix dev`, `astro dev`, `flask run`, `manage.py runserver`,
    /// `uvicorn`/`gunicorn`/`hypercorn --reload`, `fastapi dev` and `python -m http.server`.
    /// For `npm start`, `npm run S`, `yarn S`, `pnpm S` and `bun run S`, the script's command in
    /// the `package.json` copied to the `WORKDIR` is checked too (`"start": "nodemon src/index.js"`,
    /// `"start": "next dev"`). Commands of other stages, `RUN` lines, and Dockerfiles named for
    /// development (`Dockerfile.dev`) are not checked.
    ///
    /// ## Why is this bad?
    /// Development servers watch the file system and reload, compile TypeScript on every start,
    /// run a single process, and sometimes serve debugging aids. In production they are slow,
    /// use more memory, restart on unrelated file changes and are not hardened: Flask's and
    /// Django's own servers say so when they start.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20-slim
    /// WORKDIR /app
    /// COPY . .
    /// RUN npm ci
    /// CMD ["npm", "run", "dev"]
    /// ```
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM node:20-slim
    /// WORKDIR /app
    /// COPY . .
    /// RUN npm ci && npm run build
    /// CMD ["node", "dist/main.js"]
    /// ```
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
    /// ```
    ///
    /// ## Fix safety
    /// - Removing `--reload` is **safe**: it only disables file watching.
    /// - `nodemon file.js` → `node file.js` is **safe** when the script path is nodemon's only
    ///   argument.
    /// - `next dev` → `next start` is **unsafe**: it needs `next build` in the image.
    /// - `npm run dev` → `npm start` is **unsafe**, offered when the `start` script exists and
    ///   is not a development server itself: it may need a build step first.
    /// - `flask run` → `gunicorn --bind 0.0.0.0:<port> <module>:app` and
    ///   `manage.py runserver` → `gunicorn <project>.wsgi:application --bind 0.0.0.0:<port>` are
    ///   **unsafe**: they add a dependency. They are offered only when the application (from
    ///   `--app`/`FLASK_APP`, `--settings`/`DJANGO_SETTINGS_MODULE`) is known.
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: dev-server-in-production` on the line above the instruction, or
    /// set `dev-server-in-production = "off"` under `[rules]` in `preflight.toml`.
    pub static RULE = Rule {
        id: "dev-server-in-production",
        summary: "The production container starts a development server",
        category: Category::Deployment,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Dockerfile],
        fix: FixAvailability::Mixed,
        check: Check::Dockerfile(check),
    };
}

const WATCHING: &str = "file watching and auto-reload";
const DJANGO: &str = "Django's runserver is not meant for production";
const FLASK: &str = "Flask's built-in server is single-threaded and not for production";
const TYPESCRIPT: &str = "TypeScript is compiled at runtime";
const PREVIEW: &str = "a preview server is meant for checking a build locally, not for production";
const HTTP_SERVER: &str = "`http.server` only implements basic security checks";

/// A development server in a command line.
#[derive(Debug, PartialEq, Eq)]
struct Hit {
    /// The word that makes it one.
    anchor: usize,
    why: &'static str,
    suggestion: String,
    plan: Option<Plan>,
    /// The `package.json` script that runs it, when the command line names a script.
    script: Option<String>,
}

/// How to turn it into a production server.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// Drop the word (`--reload`): safe.
    Remove(usize),
    /// Replace `nodemon` by `node` (and a package runner right before it): safe.
    Nodemon(usize),
    /// Replace the words `from..` (to the end) by `words`: unsafe.
    Replace { from: usize, words: Vec<String> },
}

fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
    let Some(stage) = docker.final_stage() else {
        return;
    };
    if is_development_stage(docker, stage) {
        return;
    }
    let vars = docker.vars_at(stage.index, None);
    let scripts = package_scripts(docker, stage.index);
    for words in launched_commands(docker, stage.index) {
        let texts: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        let hit = match detect(&texts, &vars) {
            Some(hit) => Some(with_start_script(hit, &texts, &scripts, &vars)),
            None => script_server(&texts, &scripts, &vars),
        };
        let Some(hit) = hit else {
            continue;
        };
        let mut shown = format!("`{}`", shorten(&texts.join(" ")));
        if let Some(script) = &hit.script {
            shown = format!("{shown}, whose script is `{}`", shorten(script));
        }
        let mut finding = RULE.finding(
            words[hit.anchor].range.clone(),
            format!(
                "The container starts a development server ({shown}): {}. Run a production \
                 server instead (e.g. `{}`).",
                hit.why, hit.suggestion
            ),
        );
        if let Some(fix) = hit.plan.as_ref().and_then(|p| build_fix(docker, &words, p)) {
            finding = finding.with_fix(fix);
        }
        out.push(finding);
        // One finding per container: the wrapper's CMD is the same command.
        return;
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        return text.to_string();
    }
    let cut: String = text.chars().take(59).collect();
    format!("{cut}…")
}

fn build_fix(docker: &DockerContext<'_>, words: &[Word], plan: &Plan) -> Option<Fix> {
    match plan {
        Plan::Remove(index) => {
            let word = &words[*index];
            let edit = launch::remove_word(docker, word)?;
            Some(Fix::safe(format!("Remove `{}`", word.text), vec![edit]))
        }
        Plan::Nodemon(index) => {
            let mut edit =
                launch::replace_words(docker, &words[*index..=*index], &["node".into()])?;
            edit.range.start =
                package_runner_start(docker, &words[*index]).unwrap_or(edit.range.start);
            Some(Fix::safe(
                "Run with `node` instead of `nodemon`",
                vec![edit],
            ))
        }
        Plan::Replace { from, words: new } => {
            let edit = launch::replace_words(docker, &words[*from..], new)?;
            let command: Vec<&str> = words[..*from]
                .iter()
                .map(|w| w.text.as_str())
                .chain(new.iter().map(String::as_str))
                .collect();
            Some(Fix::unsafe_(
                format!("Use `{}`", command.join(" ")),
                vec![edit],
            ))
        }
    }
}

/// Where `npx`/`bunx` (and its options) written right before `word` starts: replacing
/// `npx nodemon` by `node` must not leave `npx node`, which may fetch a package named `node`.
fn package_runner_start(docker: &DockerContext<'_>, word: &Word) -> Option<usize> {
    let text = docker.text();
    match launch::word_site(docker, word)? {
        WordSite::Element => {
            let root = docker.cx.tree().root_node();
            let mut node = root.descendant_for_byte_range(word.range.start, word.range.end)?;
            while let Some(previous) = node.prev_named_sibling() {
                let value =
                    crate::docker::command::decode_json_string(&text[previous.byte_range()])?;
                node = previous;
                if matches!(basename(&value), "npx" | "bunx") {
                    return Some(previous.start_byte());
                }
                if !value.starts_with('-') {
                    return None;
                }
            }
            None
        }
        WordSite::Token { .. } => {
            let before = text[..word.range.start].trim_end_matches([' ', '\t']);
            ["npx", "bunx"].iter().find_map(|runner| {
                let start = before.len().checked_sub(runner.len())?;
                let boundary = before[..start].ends_with([' ', '\t', '"']) || start == 0;
                (before.ends_with(runner) && boundary && start < word.range.start).then_some(start)
            })
        }
    }
}

/// The `scripts` of the `package.json` the container's `WORKDIR` gets from the build context
/// (RULES.md §6.5 mapping), if it has one.
fn package_scripts(
    docker: &DockerContext<'_>,
    stage: usize,
) -> serde_json::Map<String, serde_json::Value> {
    let Located::InContext(path) = docker.locate_file(stage, "package.json") else {
        return serde_json::Map::new();
    };
    docker
        .cx
        .fs()
        .read_to_string(&path)
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json.get("scripts")?.as_object().cloned())
        .unwrap_or_default()
}

/// A command line running a `package.json` script whose own command starts a development
/// server (`npm start` with `"start": "nodemon src/index.js"`): the hit, anchored at the script
/// name. The script's command is read one level deep: a script running another script is judged
/// by that script's name.
fn script_server(
    words: &[String],
    scripts: &serde_json::Map<String, serde_json::Value>,
    vars: &Vars,
) -> Option<Hit> {
    let (index, name) = command::package_script(words)?;
    let script = scripts.get(&name)?.as_str()?;
    let inner = script_dev_server(script, vars)?;
    Some(Hit {
        anchor: index,
        why: inner.why,
        suggestion: inner.suggestion,
        plan: None,
        script: Some(script.to_string()),
    })
}

/// The development server the command of a `package.json` script starts, if any: each of its
/// simple commands (`tsc && nodemon dist/index.js`) is checked, through `cross-env` and the
/// launchers of H9.
fn script_dev_server(script: &str, vars: &Vars) -> Option<Hit> {
    let tokens = shell::tokenize(script)?;
    for command in shell::simple_commands(&tokens) {
        let mut words: Vec<String> = shell::command_words(script, command)
            .into_iter()
            .map(|token| token.text)
            .collect();
        // `cross-env NODE_ENV=production node x.js`: the assignments are its own.
        if words
            .first()
            .is_some_and(|w| matches!(basename(w), "cross-env" | "cross-env-shell"))
        {
            let skip = 1 + words[1..].iter().take_while(|w| w.contains('=')).count();
            words.drain(..skip);
        }
        let texts: Vec<&str> = words.iter().map(String::as_str).collect();
        let skip = command::launcher_len(&texts);
        if let Some(hit) = words.get(skip..).and_then(|argv| detect(argv, vars)) {
            return Some(hit);
        }
    }
    None
}

/// For `npm run dev` and the like: `npm start` instead (unsafe) when the `start` script exists
/// and is not a development server itself.
fn with_start_script(
    mut hit: Hit,
    words: &[String],
    scripts: &serde_json::Map<String, serde_json::Value>,
    vars: &Vars,
) -> Hit {
    let manager = basename(&words[0]);
    let is_script = command::package_script(words).is_some_and(|(index, _)| index == hit.anchor);
    let start = scripts.get("start").and_then(|s| s.as_str());
    if hit.plan.is_some()
        || !is_script
        || words[hit.anchor] == "start"
        || start.is_none_or(|start| script_dev_server(start, vars).is_some())
    {
        return hit;
    }
    // From the `run` word (`npm run --silent dev`), else the script word (`yarn dev`).
    let from = (1..hit.anchor)
        .rev()
        .take_while(|&i| {
            words[i].starts_with('-') || matches!(words[i].as_str(), "run" | "run-script")
        })
        .find(|&i| matches!(words[i].as_str(), "run" | "run-script"))
        .unwrap_or(hit.anchor);
    let mut new: Vec<String> = match manager {
        "bun" => vec!["run".into(), "start".into()],
        _ => vec!["start".into()],
    };
    new.extend(words[hit.anchor + 1..].iter().cloned());
    hit.plan = Some(Plan::Replace { from, words: new });
    hit
}

/// The development server `words` (an analysed command line) starts, if any.
fn detect(words: &[String], vars: &Vars) -> Option<Hit> {
    let program = basename(words.first()?);
    let hit = |anchor, why, suggestion: &str, plan| {
        Some(Hit {
            anchor,
            why,
            suggestion: suggestion.to_string(),
            plan,
            script: None,
        })
    };
    let arg = |i: usize| words.get(i).map(String::as_str);
    match program {
        "npm" | "yarn" | "pnpm" | "bun" => package_script(words, program),
        "nodemon" => {
            let args = &words[1..];
            let script = args.iter().find(|a| !a.starts_with('-'));
            let plan = (args.len() == 1 && is_js_file(&args[0])).then_some(Plan::Nodemon(0));
            let suggestion = format!("node {}", script.map_or("dist/main.js", |s| s.as_str()));
            hit(0, WATCHING, &suggestion, plan)
        }
        "ts-node-dev" | "tsnd" => hit(0, WATCHING, &compiled(words), None),
        "ts-node" | "ts-node-esm" => hit(0, TYPESCRIPT, &compiled(words), None),
        "tsx" if arg(1) == Some("watch") => hit(1, WATCHING, &compiled(words), None),
        "node" => {
            for (i, option) in words.iter().enumerate().skip(1) {
                if !option.starts_with('-') {
                    break;
                }
                if option == "--watch" || option.starts_with("--watch-path") {
                    let script = words[i + 1..].iter().find(|a| !a.starts_with('-'));
                    let suggestion = format!("node {}", script.map_or("dist/main.js", |s| s));
                    return hit(i, WATCHING, &suggestion, None);
                }
                let loader = match option.split_once('=') {
                    Some((name, value)) => Some((name, Some(value), i)),
                    None => Some((option.as_str(), arg(i + 1), i + 1)),
                };
                if let Some((
                    "-r" | "--require" | "--loader" | "--experimental-loader" | "--import",
                    Some(value),
                    at,
                )) = loader
                    && (value.starts_with("ts-node") || value == "tsx" || value.starts_with("tsx/"))
                {
                    return hit(at, TYPESCRIPT, "node dist/main.js", None);
                }
            }
            None
        }
        "next" if arg(1) == Some("dev") => hit(
            1,
            WATCHING,
            "next start",
            Some(Plan::Replace {
                from: 0,
                words: [&["next".to_string(), "start".to_string()], &words[2..]].concat(),
            }),
        ),
        "nuxt" | "nuxi" if arg(1) == Some("dev") => {
            hit(1, WATCHING, "node .output/server/index.mjs", None)
        }
        "astro" if arg(1) == Some("dev") => hit(1, WATCHING, "node ./dist/server/entry.mjs", None),
        "remix" if arg(1) == Some("dev") => hit(1, WATCHING, "remix-serve build/index.js", None),
        "gatsby" if arg(1) == Some("develop") => hit(1, WATCHING, "gatsby serve", None),
        "react-scripts" if arg(1) == Some("start") => hit(1, WATCHING, "npx serve -s build", None),
        "ng" if arg(1) == Some("serve") => hit(1, WATCHING, "npx serve -s dist", None),
        "vue-cli-service" if arg(1) == Some("serve") => hit(1, WATCHING, "npx serve -s dist", None),
        "webpack" if arg(1) == Some("serve") => hit(1, WATCHING, "npx serve -s dist", None),
        "webpack-dev-server" => hit(0, WATCHING, "npx serve -s dist", None),
        "vite" => {
            let command = words[1..]
                .iter()
                .position(|w| {
                    matches!(
                        w.as_str(),
                        "build" | "optimize" | "preview" | "dev" | "serve"
                    )
                })
                .map(|i| i + 1);
            match command.map(|i| (i, words[i].as_str())) {
                Some((_, "build" | "optimize")) => None,
                Some((i, "preview")) => hit(i, PREVIEW, "npx serve -s dist", None),
                Some((i, _)) => hit(i, WATCHING, "npx serve -s dist", None),
                None => hit(0, WATCHING, "npx serve -s dist", None),
            }
        }
        "nest" if arg(1) == Some("start") => {
            let flag = words[2..]
                .iter()
                .position(|w| matches!(w.as_str(), "--watch" | "-w" | "--debug" | "-d"))?;
            hit(flag + 2, WATCHING, "node dist/main.js", None)
        }
        _ => python_server(words, vars),
    }
}

/// The `dev`-like script a package manager runs (RULES.md §5.2).
fn package_script(words: &[String], manager: &str) -> Option<Hit> {
    let value_options: &[&str] = match manager {
        "npm" => &["--prefix", "-w", "--workspace", "-C"],
        "yarn" => &["--cwd"],
        "pnpm" => &["--filter", "-F", "-C", "--dir"],
        _ => &["--cwd", "--filter"],
    };
    let skip_options = |mut i: usize| {
        while let Some(word) = words.get(i) {
            if !word.starts_with('-') {
                break;
            }
            if manager == "bun" && matches!(word.as_str(), "--watch" | "--hot") {
                return Err(i);
            }
            i += if value_options.contains(&word.as_str()) {
                2
            } else {
                1
            };
        }
        Ok(i)
    };
    let watching = |i| {
        Some(Hit {
            anchor: i,
            why: WATCHING,
            suggestion: "npm start".to_string(),
            plan: None,
            script: None,
        })
    };
    let mut i = match skip_options(1) {
        Ok(i) => i,
        Err(flag) => return watching(flag),
    };
    if manager == "yarn" && words.get(i).map(String::as_str) == Some("workspace") {
        i += 2;
    }
    if matches!(words.get(i).map(String::as_str), Some("run" | "run-script")) {
        i = match skip_options(i + 1) {
            Ok(i) => i,
            Err(flag) => return watching(flag),
        };
    }
    let script = words.get(i)?;
    let dev = matches!(
        script.as_str(),
        "dev" | "develop" | "development" | "serve" | "watch" | "start:dev" | "start:debug"
    ) || script.starts_with("dev:")
        || script.ends_with(":dev")
        || script.ends_with(":watch");
    if !dev {
        return None;
    }
    let suggestion = if manager == "npm" {
        "npm start".to_string()
    } else {
        format!("{manager} start")
    };
    Some(Hit {
        anchor: i,
        why: WATCHING,
        suggestion,
        plan: None,
        script: None,
    })
}

/// Python development servers: `flask run`, `manage.py runserver`, `--reload`, `fastapi dev`,
/// `python -m http.server`.
fn python_server(words: &[String], vars: &Vars) -> Option<Hit> {
    // (index of the program word, its name) — `python -m M` runs M, `python manage.py` runs it.
    let program = basename(&words[0]);
    let (at, name) = if is_python(program) {
        let mut i = 1;
        let mut found = None;
        while let Some(word) = words.get(i) {
            match word.as_str() {
                "-m" => {
                    found = words.get(i + 1).map(|m| (i + 1, m.as_str()));
                    break;
                }
                "-X" | "-W" => i += 2,
                w if w.starts_with('-') => i += 1,
                script => {
                    found = Some((i, basename(script)));
                    break;
                }
            }
        }
        found?
    } else {
        (0, program)
    };
    let rest = &words[at + 1..];
    let positional = |skip_values: &[&str]| {
        let mut i = 0;
        while let Some(word) = rest.get(i) {
            if !word.starts_with('-') {
                return Some(at + 1 + i);
            }
            i += if skip_values.contains(&word.as_str()) {
                2
            } else {
                1
            };
        }
        None
    };
    match name {
        "manage.py" | "django-admin" | "django" => {
            let command = positional(&["--settings", "--pythonpath"])?;
            if words[command] != "runserver" {
                return None;
            }
            let settings = option_value(rest, &["--settings"])
                .or_else(|| vars.get("DJANGO_SETTINGS_MODULE").map(str::to_string));
            let project = settings
                .as_deref()
                .and_then(|s| s.split('.').next())
                .map(str::to_string);
            let port = words[command + 1..]
                .iter()
                .find(|w| !w.starts_with('-'))
                .and_then(|addr| addr.rsplit(':').next())
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or("8000");
            let gunicorn = |project: &str| {
                vec![
                    "gunicorn".to_string(),
                    format!("{project}.wsgi:application"),
                    "--bind".to_string(),
                    format!("0.0.0.0:{port}"),
                ]
            };
            let suggestion = gunicorn(project.as_deref().unwrap_or("myproject")).join(" ");
            Some(Hit {
                anchor: command,
                why: DJANGO,
                suggestion,
                plan: project.map(|p| Plan::Replace {
                    from: 0,
                    words: gunicorn(&p),
                }),
                script: None,
            })
        }
        "flask" => {
            let command = positional(&["--app", "-A", "--env-file", "-e"])?;
            if words[command] != "run" {
                return None;
            }
            let app = option_value(rest, &["--app", "-A"])
                .or_else(|| vars.get("FLASK_APP").map(str::to_string))
                .and_then(|app| flask_application(&app));
            let port = option_value(&words[command + 1..], &["--port", "-p"])
                .or_else(|| vars.get("FLASK_RUN_PORT").map(str::to_string))
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or_else(|| "5000".to_string());
            let gunicorn = |app: &str| {
                vec![
                    "gunicorn".to_string(),
                    "--bind".to_string(),
                    format!("0.0.0.0:{port}"),
                    app.to_string(),
                ]
            };
            Some(Hit {
                anchor: command,
                why: FLASK,
                suggestion: gunicorn(app.as_deref().unwrap_or("app:app")).join(" "),
                plan: app.map(|app| Plan::Replace {
                    from: 0,
                    words: gunicorn(&app),
                }),
                script: None,
            })
        }
        "uvicorn" | "hypercorn" | "gunicorn" => {
            let reload = rest.iter().position(|w| w == "--reload")? + at + 1;
            let without: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != reload)
                .map(|(_, w)| w.as_str())
                .collect();
            Some(Hit {
                anchor: reload,
                why: WATCHING,
                suggestion: shorten(&without.join(" ")),
                plan: Some(Plan::Remove(reload)),
                script: None,
            })
        }
        "fastapi" if rest.first().map(String::as_str) == Some("dev") => Some(Hit {
            anchor: at + 1,
            why: WATCHING,
            suggestion: shorten(format!("fastapi run {}", rest[1..].join(" ")).trim()),
            plan: None,
            script: None,
        }),
        "http.server" if at > 0 => Some(Hit {
            anchor: at,
            why: HTTP_SERVER,
            suggestion: "nginx".to_string(),
            plan: None,
            script: None,
        }),
        _ => None,
    }
}

/// The value of the first of `options` (`--opt value` or `--opt=value`).
fn option_value(args: &[String], options: &[&str]) -> Option<String> {
    args.iter().enumerate().find_map(|(i, arg)| {
        if options.contains(&arg.as_str()) {
            return args.get(i + 1).cloned();
        }
        let (name, value) = arg.split_once('=')?;
        options.contains(&name).then(|| value.to_string())
    })
}

/// A `FLASK_APP`/`--app` value as a gunicorn application: `app.py` → `app:app`,
/// `pkg/web.py` → `pkg.web:app`, `app:create_app()` kept. `None` when it is not a module path.
fn flask_application(value: &str) -> Option<String> {
    let (module, attribute) = match value.split_once(':') {
        Some((module, attribute)) => (module, attribute),
        None => (value, "app"),
    };
    let module = module
        .trim_end_matches(".py")
        .trim_start_matches("./")
        .replace('/', ".");
    crate::docker::python::is_dotted_path(&module)
        .then(|| format!("{module}:{attribute}"))
        .filter(|_| !attribute.is_empty())
}

fn is_js_file(path: &str) -> bool {
    !path.starts_with('-')
        && [".js", ".mjs", ".cjs"]
            .iter()
            .any(|ext| path.ends_with(ext))
}

/// `node dist/<stem>.js` for `ts-node src/<stem>.ts`.
fn compiled(words: &[String]) -> String {
    let script = words[1..]
        .iter()
        .find(|w| !w.starts_with('-') && w.as_str() != "watch" && w.contains('.'));
    let stem = script
        .map(|s| basename(s))
        .and_then(|s| s.rsplit_once('.').map(|(stem, _)| stem))
        .unwrap_or("main");
    format!("node dist/{stem}.js")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::FixSafety;
    use crate::engine::Engine;
    use crate::rules::testing::{self, fixed, spans};
    use preflight_grammars::Language;

    fn check(text: &str) -> Vec<Finding> {
        testing::check(RULE.id, "Dockerfile", text)
    }

    fn fix_at(text: &str, level: FixSafety) -> String {
        let out = fixed(text, &check(text), level);
        let tree = Engine::with_rules(Vec::new()).parse(Language::Dockerfile, &out, None);
        assert!(!tree.root_node().has_error(), "fix broke the file:\n{out}");
        out
    }

    fn flagged(line: &str) -> Vec<String> {
        let text = format!("FROM node:20\n{line}\n");
        spans(&text, &check(&text))
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn spec_examples() {
        let text = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"npm\", \"run\", \"dev\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"dev\""]);
        assert_eq!(
            findings[0].message,
            "The container starts a development server (`npm run dev`): file watching and \
             auto-reload. Run a production server instead (e.g. `npm start`)."
        );
        assert!(findings[0].fixes.is_empty());
        assert_eq!(
            flagged("CMD python manage.py runserver 0.0.0.0:8000"),
            ["runserver"]
        );
        assert_eq!(
            flagged("ENTRYPOINT [\"npx\", \"nodemon\", \"src/index.js\"]"),
            ["\"nodemon\""]
        );
    }

    #[test]
    fn reload_is_removed_safely() {
        let text = "FROM python:3.12-slim\nCMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\", \"--reload\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"--reload\""]);
        assert!(
            findings[0]
                .message
                .contains("(e.g. `uvicorn app.main:app --host 0.0.0.0`)")
        );
        assert_eq!(
            fix_at(text, FixSafety::Safe),
            "FROM python:3.12-slim\nCMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]\n"
        );
        let text = "FROM python:3.12\nCMD [\"sh\", \"-c\", \"exec uvicorn app:app --reload --port ${PORT}\"]\n";
        assert_eq!(
            fix_at(text, FixSafety::Safe),
            "FROM python:3.12\nCMD [\"sh\", \"-c\", \"exec uvicorn app:app --port ${PORT}\"]\n"
        );
        let text = "FROM python:3.12\nCMD python -m gunicorn --reload -b :80 app:app\n";
        assert_eq!(
            fix_at(text, FixSafety::Safe),
            "FROM python:3.12\nCMD python -m gunicorn -b :80 app:app\n"
        );
    }

    #[test]
    fn nodemon_becomes_node() {
        let text = "FROM node:20\nENTRYPOINT [\"npx\", \"-y\", \"nodemon\", \"src/index.js\"]\n";
        assert_eq!(
            fix_at(text, FixSafety::Safe),
            "FROM node:20\nENTRYPOINT [\"node\", \"src/index.js\"]\n"
        );
        let text = "FROM node:20\nCMD npx nodemon server.js\n";
        assert_eq!(
            fix_at(text, FixSafety::Safe),
            "FROM node:20\nCMD node server.js\n"
        );
        // TypeScript or options: no fix.
        let text = "FROM node:20\nCMD [\"nodemon\", \"--watch\", \"src\", \"src/index.ts\"]\n";
        assert_eq!(check(text).len(), 1);
        assert!(check(text)[0].fixes.is_empty());
    }

    #[test]
    fn unsafe_server_replacements() {
        let text = "FROM node:20\nCMD [\"npx\", \"next\", \"dev\", \"-p\", \"3000\"]\n";
        assert_eq!(fix_at(text, FixSafety::Safe), text);
        assert_eq!(
            fix_at(text, FixSafety::Unsafe),
            "FROM node:20\nCMD [\"npx\", \"next\", \"start\", \"-p\", \"3000\"]\n"
        );
        let text = "FROM python:3.12\nENV FLASK_APP=web/app.py\nCMD [\"flask\", \"run\", \"--host=0.0.0.0\", \"--port=8080\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"run\""]);
        assert!(findings[0].message.contains("Flask's built-in server"));
        assert_eq!(
            fix_at(text, FixSafety::Unsafe),
            "FROM python:3.12\nENV FLASK_APP=web/app.py\nCMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8080\", \"web.app:app\"]\n"
        );
        let text = "FROM python:3.12\nENV DJANGO_SETTINGS_MODULE=mysite.settings.prod\nCMD python manage.py migrate && python manage.py runserver 0.0.0.0:8000\n";
        assert_eq!(
            fix_at(text, FixSafety::Unsafe),
            "FROM python:3.12\nENV DJANGO_SETTINGS_MODULE=mysite.settings.prod\nCMD python manage.py migrate && gunicorn mysite.wsgi:application --bind 0.0.0.0:8000\n"
        );
        // Unknown application: a suggestion, no fix.
        let text = "FROM python:3.12\nCMD [\"python\", \"-m\", \"flask\", \"run\"]\n";
        assert!(check(text)[0].fixes.is_empty());
    }

    #[test]
    fn development_tools() {
        assert_eq!(
            flagged("CMD [\"ts-node\", \"src/index.ts\"]"),
            ["\"ts-node\""]
        );
        assert_eq!(
            flagged("CMD [\"node\", \"--watch\", \"server.js\"]"),
            ["\"--watch\""]
        );
        assert_eq!(
            flagged("CMD node -r ts-node/register src/index.ts"),
            ["ts-node/register"]
        );
        assert_eq!(
            flagged("CMD [\"tsx\", \"watch\", \"src/index.ts\"]"),
            ["\"watch\""]
        );
        assert_eq!(flagged("CMD yarn start:dev"), ["start:dev"]);
        assert_eq!(flagged("CMD pnpm --filter api run dev"), ["dev"]);
        assert_eq!(
            flagged("CMD [\"bun\", \"--hot\", \"src/index.ts\"]"),
            ["\"--hot\""]
        );
        assert_eq!(flagged("CMD npx vite --host 0.0.0.0"), ["vite"]);
        assert_eq!(
            flagged("CMD [\"npx\", \"vite\", \"preview\"]"),
            ["\"preview\""]
        );
        assert_eq!(
            flagged("CMD [\"nest\", \"start\", \"--watch\"]"),
            ["\"--watch\""]
        );
        assert_eq!(
            flagged("CMD [\"fastapi\", \"dev\", \"app/main.py\"]"),
            ["\"dev\""]
        );
        assert_eq!(
            flagged("CMD [\"python3\", \"-m\", \"http.server\", \"8000\"]"),
            ["\"http.server\""]
        );
        assert_eq!(flagged("CMD ['npm', 'run', 'dev']"), ["'dev'"]);
        for line in [
            "CMD [\"npm\", \"start\"]",
            "CMD [\"npm\", \"run\", \"start:prod\"]",
            "CMD [\"node\", \"dist/main.js\"]",
            "CMD [\"next\", \"start\"]",
            "CMD [\"npx\", \"vite\", \"build\"]",
            "CMD [\"nest\", \"start\"]",
            "CMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]",
            "CMD [\"fastapi\", \"run\", \"app/main.py\"]",
            "CMD [\"python\", \"manage.py\", \"migrate\"]",
            "CMD [\"tsx\", \"src/index.ts\"]",
            "CMD [\"yarn\", \"workspace\", \"dev\", \"start\"]",
            "CMD [\"sh\", \"-c\", \"if [ \\\"$DEV\\\" ]; then npm run dev; else node x.js; fi\"]",
        ] {
            assert!(flagged(line).is_empty(), "{line}");
        }
    }

    /// Findings on `docker` in a context holding `package.json` with these scripts.
    fn with_scripts(docker: &str, scripts: &str) -> Vec<Finding> {
        let manifest = format!("{{\"name\": \"app\", \"scripts\": {scripts}}}");
        let fs = crate::project::testing::MemoryFiles::new(&[
            ("Dockerfile", docker),
            ("package.json", &manifest),
        ]);
        testing::check_in(
            RULE.id,
            "Dockerfile",
            docker,
            &crate::project::ProjectInfo::default(),
            &fs,
        )
    }

    #[test]
    fn package_json_scripts_decide() {
        let docker = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD [\"npm\", \"start\"]\n";
        let found = with_scripts(docker, r#"{"start": "nodemon src/index.js"}"#);
        assert_eq!(spans(docker, &found), ["\"start\""]);
        assert_eq!(
            found[0].message,
            "The container starts a development server (`npm start`, whose script is \
             `nodemon src/index.js`): file watching and auto-reload. Run a production server \
             instead (e.g. `node src/index.js`)."
        );
        assert!(found[0].fixes.is_empty());
        for script in [
            "next dev",
            "ts-node-dev --respawn src/main.ts",
            "vite",
            "nest start --watch",
            "tsc && nodemon dist/index.js",
            "cross-env NODE_ENV=development nodemon src/index.js",
            "npx ts-node src/index.ts",
            "npm run dev",
            "uvicorn app:app --reload",
        ] {
            let scripts = format!("{{\"start\": {script:?}, \"dev\": \"vite\"}}");
            assert_eq!(with_scripts(docker, &scripts).len(), 1, "{script}");
        }
        for script in [
            "node dist/main.js",
            "next start",
            "nest start",
            "vite build && node server.js",
            "npm run serve:prod",
            "cross-env NODE_ENV=production node dist/main.js",
        ] {
            let scripts = format!("{{\"start\": {script:?}}}");
            assert!(with_scripts(docker, &scripts).is_empty(), "{script}");
        }
        // Other managers and named scripts.
        let yarn = docker.replace("\"npm\", \"start\"", "\"yarn\", \"serve:prod\"");
        assert_eq!(
            with_scripts(&yarn, r#"{"serve:prod": "ts-node src/main.ts"}"#).len(),
            1
        );
        let bun = docker.replace("\"npm\", \"start\"", "\"bun\", \"run\", \"web\"");
        assert_eq!(with_scripts(&bun, r#"{"web": "next dev -p 80"}"#).len(), 1);
        // Not copied into the image: nothing to read.
        let elsewhere = docker.replace("COPY . .", "COPY --from=build /app /app");
        assert!(with_scripts(&elsewhere, r#"{"start": "nodemon x.js"}"#).is_empty());
        // Another package's script.
        let filtered = docker.replace(
            "\"npm\", \"start\"",
            "\"pnpm\", \"--filter\", \"api\", \"start\"",
        );
        assert!(with_scripts(&filtered, r#"{"start": "nodemon x.js"}"#).is_empty());
    }

    #[test]
    fn dev_scripts_become_start_when_start_is_a_server() {
        let docker = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD [\"npm\", \"run\", \"dev\"]\n";
        let found = with_scripts(
            docker,
            r#"{"dev": "nodemon", "start": "node dist/main.js"}"#,
        );
        assert_eq!(found[0].fixes[0].title, "Use `npm start`");
        assert_eq!(
            fixed(docker, &found, FixSafety::Unsafe),
            "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD [\"npm\", \"start\"]\n"
        );
        assert_eq!(fixed_safe(docker, &found), docker);
        let yarn = "FROM node:20\nWORKDIR /app\nCOPY . .\nCMD yarn dev --port 3000\n";
        let found = with_scripts(yarn, r#"{"dev": "vite", "start": "node server.js"}"#);
        assert_eq!(
            fixed(yarn, &found, FixSafety::Unsafe),
            "FROM node:20\nWORKDIR /app\nCOPY . .\nCMD yarn start --port 3000\n"
        );
        // No `start`, or one that is a development server too: no fix.
        assert!(
            with_scripts(docker, r#"{"dev": "nodemon"}"#)[0]
                .fixes
                .is_empty()
        );
        assert!(
            with_scripts(docker, r#"{"dev": "nodemon", "start": "nodemon x.js"}"#)[0]
                .fixes
                .is_empty()
        );
    }

    fn fixed_safe(text: &str, found: &[Finding]) -> String {
        fixed(text, found, FixSafety::Safe)
    }

    #[test]
    fn stages_and_wrappers() {
        let text = "FROM node:20 AS dev\nCMD [\"npm\", \"run\", \"dev\"]\nFROM node:20-slim AS prod\nCMD [\"node\", \"dist/main.js\"]\n";
        assert!(check(text).is_empty());
        let text = "FROM python:3.12\nRUN python manage.py runserver --help\nCMD [\"gunicorn\", \"app.wsgi\"]\n";
        assert!(check(text).is_empty());
        let text = "FROM python:3.12 AS base\nCMD [\"uvicorn\", \"a:app\", \"--reload\"]\nFROM base\nRUN true\n";
        assert_eq!(check(text).len(), 1);
        let text = "FROM node:20\nENTRYPOINT [\"./docker-entrypoint.sh\"]\nCMD [\"npm\", \"run\", \"dev\"]\n";
        assert_eq!(spans(text, &check(text)), ["\"dev\""]);
        // A last stage named for development is built with `--target`.
        let text = "FROM node:20 AS prod\nCMD [\"node\", \"x.js\"]\nFROM prod AS development\nCMD [\"npm\", \"run\", \"dev\"]\n";
        assert!(check(text).is_empty());
    }
}
