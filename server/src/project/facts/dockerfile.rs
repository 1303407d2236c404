//! Facts of Dockerfiles (RULES.md §6.3 `dockerfile-model`, `context-files`): the `ENV` names of
//! the final stage (documentation for `env-not-documented`) and what the container command
//! targets, checked against the build context (`entrypoint-target-missing`).
//!
//! Existence is checked here, where the Dockerfile model and the file system are at hand; what
//! needs another file's facts (does `app/main.py` define `app`?) is left to the project rule.

use super::FileFacts;
use crate::docker::command::{self, Word, basename};
use crate::docker::python::{self, ModuleUse};
use crate::docker::{DockerContext, copy};
use std::ops::Range;

/// What a Dockerfile tells its project.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct DockerfileFacts {
    /// Names set by `ENV` in the final stage chain.
    pub env_names: Vec<String>,
    /// Targets of the final stage's command that are missing, or whose check needs the project.
    pub targets: Vec<EntrypointTarget>,
}

/// A target of the container command (RULES.md §6.5) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EntrypointTarget {
    /// The target as written: `src.api.main`, `app.main:app`, `dist/main.js`, `start:prod`.
    pub target: String,
    /// The argv element (or shell token) naming it.
    pub range: Range<usize>,
    /// The text at `range`: the target, its JSON string, or a larger `sh -c` script.
    pub written: String,
    pub problem: TargetProblem,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TargetProblem {
    /// The file (context-relative) is not in the build context.
    NotInContext { path: String },
    /// A Node file under a build output folder with no source anywhere in the project.
    NoSource { path: String },
    /// The file exists but `.dockerignore` excludes it.
    Ignored { path: String, pattern: String },
    /// `package.json` has no such script.
    NoScript { script: String },
    /// The module exists (workspace-relative `file`); whether it defines `attribute` at top
    /// level is for the project rule to tell from the module's facts.
    Attribute {
        module: String,
        file: String,
        attribute: String,
        /// `attr()` or `--factory`: must be a function or class.
        callable: bool,
    },
}

/// Commands that build or install inside the image: files below a `COPY` they follow may be
/// generated there.
const BUILD_WORDS: &[&str] = &[
    "build",
    "tsc",
    "webpack",
    "vite",
    "esbuild",
    "swc",
    "babel",
    "compile",
    "make",
    "pip install",
    "poetry install",
    "uv sync",
    "pdm install",
    "python -m build",
];

/// Records the facts of a Dockerfile.
pub fn dockerfile(docker: &DockerContext<'_>, facts: &mut FileFacts) {
    let Some(stage) = docker.final_stage().map(|s| s.index) else {
        return;
    };
    let text = docker.text();
    let mut out = DockerfileFacts::default();
    for (_, instruction) in docker.chain_instructions(stage, None) {
        if instruction.kind() != "env_instruction" {
            continue;
        }
        let mut cursor = instruction.walk();
        for pair in instruction.named_children(&mut cursor) {
            if let Some(name) = pair.child_by_field_name("name") {
                let name = text[name.byte_range()].to_string();
                if !out.env_names.contains(&name) {
                    out.env_names.push(name);
                }
            }
        }
    }
    Targets::new(docker, stage).collect(&mut out.targets);
    facts.dockerfile = Some(out);
}

/// Where a container path comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    /// This context-relative file or folder exists.
    Present(String),
    /// A `COPY` of the context covers the path, but the context has nothing there (the
    /// context-relative path the last covering `COPY` maps it to).
    Absent(String),
    /// Another stage or image, a remote source, an unresolved path, or a build step may provide it.
    Unknowable,
    /// No `COPY` covers it: installed or generated in the image.
    Uncovered,
}

/// Where a Flask application is named.
enum FlaskSite {
    /// The argv element (`--app=M`, or the value after `--app`).
    Word(usize),
    /// The value of `ENV FLASK_APP=M`.
    Env(Range<usize>),
}

struct Targets<'d, 'a> {
    docker: &'d DockerContext<'a>,
    stage: usize,
    workdir: Option<String>,
    /// A `RUN` of the final stage chain builds or installs something.
    builds: bool,
}

impl<'d, 'a> Targets<'d, 'a> {
    fn new(docker: &'d DockerContext<'a>, stage: usize) -> Self {
        let text = docker.text();
        let builds = docker
            .chain_instructions(stage, None)
            .iter()
            .filter(|(_, i)| i.kind() == "run_instruction")
            .any(|(_, i)| {
                let run = &text[i.byte_range()];
                BUILD_WORDS.iter().any(|w| contains_words(run, w))
            });
        Targets {
            docker,
            stage,
            workdir: docker.workdir_at(stage, None),
            builds,
        }
    }

    /// The words of the final stage's command (H9): `ENTRYPOINT` (exec form) + `CMD`, launchers
    /// and shells skipped.
    fn words(&self) -> Option<Vec<Word>> {
        let text = self.docker.text();
        let effective = self.docker.effective_command(self.stage);
        let mut words = Vec::new();
        if let Some(entrypoint) = &effective.entrypoint {
            if !self.docker.is_intact(entrypoint.instruction) {
                return None;
            }
            words = entrypoint.words(text)?;
            if entrypoint.is_exec()
                && let Some(cmd) = &effective.cmd
            {
                if !self.docker.is_intact(cmd.instruction) {
                    return None;
                }
                words.extend(cmd.words(text)?);
            }
        } else if let Some(cmd) = &effective.cmd {
            if !self.docker.is_intact(cmd.instruction) {
                return None;
            }
            words = cmd.words(text)?;
        }
        Some(command::analysed_words(&words))
    }

    fn collect(&self, out: &mut Vec<EntrypointTarget>) {
        let Some(words) = self.words() else { return };
        let Some(program) = words.first() else { return };
        if program.expands || self.workdir.is_none() {
            return;
        }
        let args: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        let module = python::module_index(&args, 0);
        let text = self.docker.text();
        let push = |out: &mut Vec<EntrypointTarget>, word: &Word, problem: TargetProblem| {
            if !word.expands {
                out.push(EntrypointTarget {
                    target: word.text.clone(),
                    range: word.range.clone(),
                    written: text[word.range.clone()].to_string(),
                    problem,
                });
            }
        };
        // T3: an ASGI/WSGI application `module:attr`.
        if let Some((server, index)) = python::application_index(&args, 0, module) {
            let spec = &args[index];
            let Some(module_name) = python::application_module(server, spec) else {
                return;
            };
            let roots = python::option_values(&args, &["--app-dir", "--chdir", "--pythonpath"]);
            let factory = args.iter().any(|a| a == "--factory");
            let attribute = spec
                .split_once(':')
                .map(|(_, a)| a.to_string())
                .or_else(|| (server == "gunicorn").then(|| "application".to_string()));
            if let Some(problem) = self.python_module(&module_name, ModuleUse::Import, &roots) {
                let problem = match problem {
                    TargetProblem::Attribute { module, file, .. } => {
                        let Some(attribute) = attribute else { return };
                        let (name, called) = match attribute.split_once('(') {
                            Some((name, _)) => (name.to_string(), true),
                            None => (attribute.clone(), false),
                        };
                        // Nested attributes (`api.app`) are not checked.
                        if name.contains('.') {
                            return;
                        }
                        TargetProblem::Attribute {
                            module,
                            file,
                            attribute: name,
                            callable: called || factory,
                        }
                    }
                    other => other,
                };
                push(out, &words[index], problem);
            }
            return;
        }
        // T5: `flask --app M run`, `python -m flask run` with `ENV FLASK_APP=M`.
        let flask = match module {
            Some(index) if args[index] == "flask" => Some(index + 1),
            None if basename(&program.text) == "flask" => Some(1),
            _ => None,
        };
        if let Some(start) = flask {
            if let Some((value, site)) = self.flask_app(&words, &args, start)
                && let Some(problem) = self.flask_problem(&value)
            {
                let (range, expands) = match site {
                    FlaskSite::Word(index) => (words[index].range.clone(), words[index].expands),
                    FlaskSite::Env(range) => (range, false),
                };
                if !expands {
                    out.push(EntrypointTarget {
                        target: value,
                        written: text[range.clone()].to_string(),
                        range,
                        problem,
                    });
                }
            }
            return;
        }
        // T1: `python -m module`.
        if let Some(index) = module {
            if let Some(problem) = self.python_module(&args[index], ModuleUse::Run, &[])
                && !matches!(problem, TargetProblem::Attribute { .. })
            {
                push(out, &words[index], problem);
            }
            return;
        }
        let name = basename(&program.text);
        // T4: npm scripts.
        if let Some((index, script)) = command::package_script(&args) {
            if let Some(problem) = self.npm_script(&script) {
                push(out, &words[index], problem);
            }
            return;
        }
        // T2: a file run by an interpreter, or an entrypoint script.
        let interpreter = python::is_python(name) || matches!(name, "node" | "pm2-runtime");
        if interpreter {
            let Some(index) = (1..args.len()).find(|&i| !args[i].starts_with('-')) else {
                return;
            };
            let file = &args[index];
            if python::is_python(name) && !file.ends_with(".py") {
                return;
            }
            let node = !python::is_python(name);
            if let Some(problem) = self.file(file, node) {
                push(out, &words[index], problem);
            }
            return;
        }
        // A bare name (`docker-entrypoint.sh`) is looked up in `PATH`, not the WORKDIR.
        let script = program.text.contains('/')
            && (program.text.starts_with("./")
                || program.text.starts_with('/')
                || program.text.ends_with(".sh"));
        if script && let Some(problem) = self.file(&program.text, false) {
            push(out, program, problem);
        }
    }

    /// The application `flask … run` loads and where it is written: `--app M` (`-A M`,
    /// `--app=M`) before the command, else the final stage's `ENV FLASK_APP=M`. `None` for
    /// another command, or when the application is not given.
    fn flask_app(
        &self,
        words: &[Word],
        args: &[String],
        start: usize,
    ) -> Option<(String, FlaskSite)> {
        let mut app = None;
        let mut i = start;
        while let Some(arg) = args.get(i) {
            match arg.as_str() {
                "--app" | "-A" => {
                    app = args
                        .get(i + 1)
                        .map(|value| (value.clone(), FlaskSite::Word(i + 1)));
                    i += 2;
                }
                "--env-file" | "-e" => i += 2,
                option if option.starts_with("--app=") => {
                    app = Some((option["--app=".len()..].to_string(), FlaskSite::Word(i)));
                    i += 1;
                }
                option if option.starts_with('-') => i += 1,
                "run" => break,
                _ => return None,
            }
        }
        if i >= args.len() || words.get(i).is_none() {
            return None;
        }
        if app.is_some() {
            return app;
        }
        let text = self.docker.text();
        let mut found = None;
        for (_, instruction) in self.docker.chain_instructions(self.stage, None) {
            if instruction.kind() != "env_instruction" {
                continue;
            }
            let mut cursor = instruction.walk();
            for pair in instruction.named_children(&mut cursor) {
                let name = pair.child_by_field_name("name");
                if name.is_some_and(|n| &text[n.byte_range()] == "FLASK_APP") {
                    found = pair.child_by_field_name("value");
                }
            }
        }
        let value = self.docker.value(found?)?;
        Some((value, FlaskSite::Env(found?.byte_range())))
    }

    /// T5: the problem with a Flask application `M`, `M:attr`, `path/app.py` or
    /// `path/app.py:attr()`, if any. Without an attribute Flask finds the application itself.
    fn flask_problem(&self, value: &str) -> Option<TargetProblem> {
        let (module, attribute) = match value.split_once(':') {
            Some((module, attribute)) => (module, Some(attribute)),
            None => (value, None),
        };
        // `create_app()`, `create_app('prod')`: a factory, called.
        let attribute = attribute.map(|a| match a.split_once('(') {
            Some((name, _)) => (name.trim(), true),
            None => (a.trim(), false),
        });
        if attribute.is_some_and(|(name, _)| !python::is_dotted_path(name) || name.contains('.')) {
            return None;
        }
        let with_attribute = |module: String, file: String| {
            let (attribute, callable) = attribute?;
            Some(TargetProblem::Attribute {
                module,
                file,
                attribute: attribute.to_string(),
                callable,
            })
        };
        if !(module.ends_with(".py") || module.contains('/')) {
            return match self.python_module(module, ModuleUse::Import, &[])? {
                TargetProblem::Attribute { module, file, .. } => with_attribute(module, file),
                other => Some(other),
            };
        }
        // A file path: `app.py`, `src/web/app.py`, or `src/web` (a module or package there).
        let candidates = if module.ends_with(".py") {
            vec![module.to_string()]
        } else {
            let path = module.trim_end_matches('/');
            vec![format!("{path}.py"), format!("{path}/__init__.py")]
        };
        for candidate in &candidates {
            match self.locate(candidate, false) {
                Found::Present(context_path) => {
                    if let Some(problem) = self.ignored(&context_path) {
                        return Some(problem);
                    }
                    return with_attribute(
                        module.to_string(),
                        self.docker.context_path(&context_path),
                    );
                }
                Found::Unknowable | Found::Uncovered => return None,
                Found::Absent(_) => {}
            }
        }
        self.file(&candidates[0], false)
    }

    /// The problem with a Python module, if any: its top-level package exists in a root but the
    /// module does not; or it exists and its attribute needs checking.
    fn python_module(
        &self,
        module: &str,
        usage: ModuleUse,
        extra_roots: &[String],
    ) -> Option<TargetProblem> {
        if !python::is_dotted_path(module) {
            return None;
        }
        let roots = self.docker.python_roots(self.stage, extra_roots);
        let path = module.replace('.', "/");
        let candidates = match usage {
            ModuleUse::Run => [format!("{path}.py"), format!("{path}/__main__.py")],
            ModuleUse::Import => [format!("{path}.py"), format!("{path}/__init__.py")],
        };
        let top = module.split('.').next().unwrap_or(module);
        let mut missing_in = None;
        for root in &roots {
            let mut unknowable = false;
            for candidate in &candidates {
                match self.locate(&format!("{root}/{candidate}"), false) {
                    Found::Present(context_path) => {
                        if let Some(problem) = self.ignored(&context_path) {
                            return Some(problem);
                        }
                        return Some(TargetProblem::Attribute {
                            module: module.to_string(),
                            file: self.docker.context_path(&context_path),
                            attribute: String::new(),
                            callable: false,
                        });
                    }
                    Found::Unknowable => unknowable = true,
                    Found::Absent(_) | Found::Uncovered => {}
                }
            }
            if unknowable {
                return None;
            }
            // The top-level package must be local for a missing module to be a mistake;
            // otherwise it is an installed package.
            let top_present = matches!(
                self.locate(&format!("{root}/{top}"), true),
                Found::Present(_)
            ) || matches!(
                self.locate(&format!("{root}/{top}.py"), false),
                Found::Present(_)
            );
            if top_present
                && missing_in.is_none()
                && let Found::Absent(context_path) =
                    self.locate(&format!("{root}/{}", candidates[0]), false)
            {
                // A build step may generate modules, but not in folders the context lacks.
                let parent = context_path.rsplit_once('/').map_or("", |(dir, _)| dir);
                let fs = self.docker.cx.fs();
                if !self.builds || fs.is_dir(&self.docker.context_path(parent)) {
                    missing_in = Some(context_path);
                }
            }
        }
        missing_in.map(|path| TargetProblem::NotInContext { path })
    }

    /// The problem with a file target (`node` resolution when `node`), if any.
    fn file(&self, file: &str, node: bool) -> Option<TargetProblem> {
        let suffixes: &[&str] = if node {
            &["", ".js", ".mjs", ".cjs", "/index.js"]
        } else {
            &[""]
        };
        let mut absent = None;
        for suffix in suffixes {
            match self.locate(&format!("{file}{suffix}"), false) {
                Found::Present(context_path) => return self.ignored(&context_path),
                Found::Absent(context_path) => {
                    absent.get_or_insert(context_path);
                }
                Found::Unknowable | Found::Uncovered => {}
            }
        }
        if node && let Some(problem) = self.build_output_without_source(file) {
            return Some(problem);
        }
        let absent = absent?;
        // Built in the image from sources that were copied: unknowable, except for files a
        // build does not produce.
        if self.builds && !(file.ends_with(".py") || file.ends_with(".sh")) {
            return None;
        }
        if file.ends_with(".py") || file.ends_with(".sh") {
            let parent = absent.rsplit_once('/').map_or("", |(dir, _)| dir);
            if self.builds
                && !self
                    .docker
                    .cx
                    .fs()
                    .is_dir(&self.docker.context_path(parent))
            {
                return None;
            }
        }
        Some(TargetProblem::NotInContext { path: absent })
    }

    /// A Node target under `dist/`, `build/`, `out/` or `lib/` (wherever it comes from) with no
    /// source of the same stem in the build context.
    fn build_output_without_source(&self, file: &str) -> Option<TargetProblem> {
        let relative = file.trim_start_matches("./");
        // Only paths relative to the WORKDIR, or absolute under it.
        let relative = match &self.workdir {
            Some(workdir) if relative.starts_with('/') => relative
                .strip_prefix(workdir.as_str())?
                .trim_start_matches('/'),
            _ => relative,
        };
        let (out_dir, rest) = relative.split_once('/')?;
        if !matches!(out_dir, "dist" | "build" | "out" | "lib") {
            return None;
        }
        let stem = ["js", "mjs", "cjs"]
            .iter()
            .find_map(|ext| rest.strip_suffix(&format!(".{ext}")[..]))
            .unwrap_or(rest);
        let fs = self.docker.cx.fs();
        let exists = |path: &str| fs.is_file(&self.docker.context_path(path));
        let mut dirs = vec!["src".to_string(), String::new()];
        for (root_dir, outdir) in tsconfig_dirs(self.docker) {
            if outdir == out_dir {
                dirs.push(root_dir);
            }
        }
        let extensions = ["ts", "tsx", "mts", "js", "mjs", "jsx", "cts", "cjs"];
        let found = dirs.iter().any(|dir| {
            extensions.iter().any(|ext| {
                exists(&copy::join_relative(dir, &format!("{stem}.{ext}")))
                    || exists(&copy::join_relative(dir, &format!("{stem}/index.{ext}")))
            })
        });
        // Nothing to compare with when the context has no sources at all (a prebuilt bundle).
        let has_sources = fs.is_dir(&self.docker.context_path("src"))
            || fs.is_file(&self.docker.context_path("tsconfig.json"));
        (!found && has_sources).then(|| TargetProblem::NoSource {
            path: relative.to_string(),
        })
    }

    /// The `.dockerignore` pattern excluding a context-relative path, as a problem.
    fn ignored(&self, context_path: &str) -> Option<TargetProblem> {
        let ignore = self.docker.dockerignore()?;
        let pattern = ignore.excluded(context_path)?;
        Some(TargetProblem::Ignored {
            path: context_path.to_string(),
            pattern: pattern.to_string(),
        })
    }

    /// `T4`: a script missing from the `package.json` in the WORKDIR.
    fn npm_script(&self, script: &str) -> Option<TargetProblem> {
        let Found::Present(manifest) = self.locate("package.json", false) else {
            return None;
        };
        let fs = self.docker.cx.fs();
        let text = fs.read_to_string(&self.docker.context_path(&manifest))?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        let has_script = json
            .get("scripts")
            .and_then(|s| s.get(script))
            .is_some_and(|s| s.is_string());
        if has_script {
            return None;
        }
        if script == "start" {
            // npm's default: `node server.js`.
            let dir = manifest.rsplit_once('/').map_or("", |(d, _)| d);
            if fs.is_file(
                &self
                    .docker
                    .context_path(&copy::join_relative(dir, "server.js")),
            ) {
                return None;
            }
        }
        let dependency = ["dependencies", "devDependencies"]
            .iter()
            .any(|table| json.get(table).and_then(|t| t.get(script)).is_some());
        (!dependency).then(|| TargetProblem::NoScript {
            script: script.to_string(),
        })
    }

    /// Where the container path `path` (relative to the final WORKDIR, or absolute) comes from.
    fn locate(&self, path: &str, dir: bool) -> Found {
        let Some(workdir) = &self.workdir else {
            return Found::Unknowable;
        };
        let path = copy::absolute(workdir, path);
        let fs = self.docker.cx.fs();
        let mut first_absent = None;
        for op in self.docker.copies(self.stage, None).iter().rev() {
            let origins = op.origins(&path);
            if origins.is_empty() {
                continue;
            }
            for origin in origins {
                match origin {
                    copy::Origin::Elsewhere => return Found::Unknowable,
                    copy::Origin::Context(relative) => {
                        let workspace = self.docker.context_path(&relative);
                        let exists = if dir {
                            fs.is_dir(&workspace)
                        } else {
                            fs.is_file(&workspace)
                        };
                        if exists {
                            return Found::Present(relative);
                        }
                        // Reading a file source as a folder (`COPY package.json ./` for
                        // `/app/server.js`) is no reading at all.
                        let through_file = relative
                            .match_indices('/')
                            .any(|(at, _)| fs.is_file(&self.docker.context_path(&relative[..at])));
                        if !through_file {
                            first_absent.get_or_insert(relative);
                        }
                    }
                }
            }
            // The last covering instruction decides (an earlier one is overwritten only where
            // this one has files, which it does not).
        }
        match first_absent {
            Some(relative) => Found::Absent(relative),
            None => Found::Uncovered,
        }
    }
}

/// `(rootDir, outDir)` of the build context's `tsconfig*.json` files (comments allowed).
fn tsconfig_dirs(docker: &DockerContext<'_>) -> Vec<(String, String)> {
    let fs = docker.cx.fs();
    let mut out = Vec::new();
    for name in fs.list_dir(docker.build_context()) {
        if !(name.starts_with("tsconfig") && name.ends_with(".json")) {
            continue;
        }
        let Some(text) = fs.read_to_string(&docker.context_path(&name)) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&strip_json_comments(&text))
        else {
            continue;
        };
        let option = |key: &str| {
            json.get("compilerOptions")
                .and_then(|o| o.get(key))
                .and_then(|v| v.as_str())
                .and_then(crate::project::normalize_relative)
        };
        if let Some(outdir) = option("outDir") {
            out.push((option("rootDir").unwrap_or_default(), outdir));
        }
    }
    out
}

/// JSON with `//` and `/* */` comments (outside strings) and trailing commas removed.
fn strip_json_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut previous = ' ';
                for n in chars.by_ref() {
                    if previous == '*' && n == '/' {
                        break;
                    }
                    previous = n;
                }
            }
            _ => out.push(c),
        }
    }
    // Trailing commas before `}` or `]`.
    let mut cleaned = String::with_capacity(out.len());
    let bytes: Vec<char> = out.chars().collect();
    for (i, &c) in bytes.iter().enumerate() {
        if c == ',' {
            let next = bytes[i + 1..].iter().find(|n| !n.is_whitespace());
            if matches!(next, Some('}' | ']')) {
                continue;
            }
        }
        cleaned.push(c);
    }
    cleaned
}

/// Whether `text` contains `words` as whole words (`pip install`, not `pipx installer`).
fn contains_words(text: &str, words: &str) -> bool {
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '&' | '|' | '['))
        .filter(|t| !t.is_empty())
        .map(|t| t.trim_matches(','))
        .collect();
    let wanted: Vec<&str> = words.split(' ').collect();
    tokens.windows(wanted.len()).any(|window| {
        window
            .iter()
            .zip(&wanted)
            .all(|(token, want)| token == want || (wanted.len() == 1 && basename(token) == *want))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_words() {
        assert!(contains_words("RUN npm ci && npm run build", "build"));
        assert!(contains_words(
            "RUN pip install --no-cache-dir -r requirements.txt",
            "pip install"
        ));
        assert!(contains_words("RUN npx tsc -p .", "tsc"));
        assert!(!contains_words(
            "RUN apt-get install -y curl",
            "pip install"
        ));
        assert!(!contains_words("RUN echo rebuild", "build"));
    }

    #[test]
    fn json_with_comments() {
        let text = "{\n  // c\n  \"compilerOptions\": { \"outDir\": \"./dist\", /* x */ \"rootDir\": \"src\", },\n}\n";
        let json: serde_json::Value = serde_json::from_str(&strip_json_comments(text)).unwrap();
        assert_eq!(json["compilerOptions"]["outDir"], "./dist");
    }
}
