use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::docker::command::{analysed_words, basename, launcher_len};
use crate::docker::python::is_python;
use crate::docker::{Command, DockerContext, Stage, Word};
use preflight_grammars::LanguageFamily;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Reports a final image that runs a network service but defines no `HEALTHCHECK` in its
    /// stage chain. A stage is a service when it has an `EXPOSE` or its command starts a server
    /// (`uvicorn`, `gunicorn`, `hypercorn`, `daphne`, `granian`, `waitress-serve`, `flask run`,
    /// `manage.py runserver`, `fastapi run`, `npm`/`yarn`/`pnpm start`, `next start`,
    /// `nest start`, `nginx`, `httpd`, `caddy`, `pm2-runtime`, `serve`, `http-server`).
    ///
    /// `HEALTHCHECK NONE` counts as an explicit choice. Workers and batch jobs (no `EXPOSE`, no
    /// server command) are not reported, nor are `HEALTHCHECK`s of stages the final image is not
    /// built on. A `HEALTHCHECK` of an external base image is not known and does not count.
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker, Compose and Swarm only know whether the process is
    /// alive: a deadlocked or wedged server keeps receiving traffic and is never restarted, and
    /// `depends_on: condition: service_healthy` cannot be used. (Kubernetes ignores
    /// `HEALTHCHECK` and uses probes instead, hence the info level.)
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// EXPOSE 8000
    /// CMD ["gunicorn", "-b", "0.0.0.0:8000", "app.wsgi:application"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// EXPOSE 8000
    /// HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["python", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
    /// CMD ["gunicorn", "-b", "0.0.0.0:8000", "app.wsgi:application"]
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts a `HEALTHCHECK` before the final `CMD`/`ENTRYPOINT`, probing
    /// `http://127.0.0.1:<port>/health` (the port from `EXPOSE` or the server's `--port`/`--bind`)
    /// with Python or Node when the base image has them, `curl` otherwise. It is **unsafe**: the
    /// route may not exist, and a failing check marks the container unhealthy.
    ///
    /// ## How to silence
    /// Add `HEALTHCHECK NONE` to state the choice, put
    /// `# preflight-ignore: missing-healthcheck` on the line above the final `FROM`, or set
    /// `missing-healthcheck = "off"` under `[rules]` in `preflight.toml`.
    pub static RULE = Rule {
        id: "missing-healthcheck",
        summary: "Service images without a HEALTHCHECK",
        category: Category::Reliability,
        severity: Severity::Info,
        languages: &[LanguageFamily::Dockerfile],
        fix: FixAvailability::Unsafe,
        check: Check::Dockerfile(check),
    };
}

const MESSAGE: &str =
    "The final image defines no `HEALTHCHECK`; Docker and Compose cannot detect a hung container.";

/// The health route probed by the fix.
const HEALTH_PATH: &str = "/health";

fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
    let Some(stage) = docker.final_stage() else {
        return;
    };
    if stage.from.has_error() {
        return;
    }
    if has_broken_instruction(docker, stage.index) {
        return;
    }
    let chain = docker.chain_instructions(stage.index, None);
    if chain
        .iter()
        .any(|(_, i)| i.kind() == "healthcheck_instruction")
    {
        return;
    }
    let exposes: Vec<Node<'_>> = chain
        .iter()
        .filter(|(_, i)| i.kind() == "expose_instruction")
        .map(|&(_, i)| i)
        .collect();
    let commands = command_lines(docker, stage.index);
    let server = commands.iter().any(|words| starts_server(words));
    if exposes.is_empty() && !server {
        return;
    }
    let mut finding = RULE.finding(stage.from.byte_range(), MESSAGE);
    if let Some(fix) = insert_healthcheck(docker, stage, &exposes, &commands) {
        finding = finding.with_fix(fix);
    }
    out.push(finding);
}

/// An instruction of the stage chain did not parse (it may be a `HEALTHCHECK`): stay quiet.
fn has_broken_instruction(docker: &DockerContext<'_>, stage: usize) -> bool {
    let stages = docker.stages();
    let root = docker.cx.tree().root_node();
    let mut cursor = root.walk();
    let errors: Vec<Node<'_>> = root
        .children(&mut cursor)
        .filter(|n| n.is_error() || n.is_missing())
        .collect();
    docker.chain(stage).into_iter().any(|index| {
        let start = stages[index].from.start_byte();
        let end = stages
            .get(index + 1)
            .map_or(usize::MAX, |next| next.from.start_byte());
        stages[index].instructions.iter().any(|i| i.has_error())
            || errors
                .iter()
                .any(|e| e.start_byte() >= start && e.start_byte() < end)
    })
}

/// The command lines the final container runs, as analysed words (H9): `ENTRYPOINT` + `CMD`, and
/// the `CMD` alone when the `ENTRYPOINT` is a wrapper script that runs its arguments.
fn command_lines(docker: &DockerContext<'_>, stage: usize) -> Vec<Vec<String>> {
    let text = docker.text();
    let effective = docker.effective_command(stage);
    let words_of = |command: &Option<Command<'_>>| -> Option<Vec<Word>> {
        match command {
            Some(c) if !c.instruction.has_error() => c.words(text),
            Some(_) => None,
            None => Some(Vec::new()),
        }
    };
    let (Some(entrypoint), Some(cmd)) = (words_of(&effective.entrypoint), words_of(&effective.cmd))
    else {
        return Vec::new();
    };
    // A shell-form ENTRYPOINT ignores CMD.
    let shell_entrypoint = effective.entrypoint.as_ref().is_some_and(|e| !e.is_exec());
    let mut full = entrypoint.clone();
    if !shell_entrypoint {
        full.extend(cmd.iter().cloned());
    }
    let texts = |words: Vec<Word>| -> Vec<String> { words.into_iter().map(|w| w.text).collect() };
    let mut lines = vec![texts(analysed_words(&full))];
    let entry_texts: Vec<&str> = entrypoint.iter().map(|w| w.text.as_str()).collect();
    let rest = &entry_texts[launcher_len(&entry_texts)..];
    let wrapper =
        rest.len() == 1 && (rest[0].ends_with(".sh") || basename(rest[0]).contains("entrypoint"));
    if wrapper && !shell_entrypoint && !cmd.is_empty() {
        lines.push(texts(analysed_words(&cmd)));
    }
    lines
}

/// The command line starts a network server (RULES.md §5.6).
fn starts_server(words: &[String]) -> bool {
    let Some(first) = words.first() else {
        return false;
    };
    let mut program = basename(first);
    let mut rest = &words[1..];
    if is_python(program) {
        match rest {
            [flag, module, tail @ ..] if flag == "-m" => {
                program = module.as_str();
                rest = tail;
            }
            [script, tail @ ..] if basename(script) == "manage.py" => {
                return tail.iter().any(|w| w == "runserver");
            }
            _ => return false,
        }
    }
    let first_argument = rest
        .iter()
        .find(|w| !w.starts_with('-'))
        .map(String::as_str);
    match program {
        "uvicorn" | "gunicorn" | "hypercorn" | "daphne" | "granian" | "waitress-serve"
        | "nginx" | "httpd" | "httpd-foreground" | "caddy" | "pm2-runtime" | "serve"
        | "http-server" => true,
        "manage.py" | "django-admin" => first_argument == Some("runserver"),
        "flask" => rest.iter().any(|w| w == "run"),
        "next" | "nest" => first_argument == Some("start"),
        // FastAPI's production server (uvicorn underneath); `fastapi dev` is the dev server.
        "fastapi" => first_argument == Some("run"),
        "npm" | "yarn" | "pnpm" => {
            let mut args = rest.iter().filter(|w| !w.starts_with('-'));
            let script = match args.next().map(String::as_str) {
                Some("run" | "run-script") => args.next().map(String::as_str),
                other => other,
            };
            script.is_some_and(|s| s == "start" || s.starts_with("start:"))
        }
        _ => false,
    }
}

/// The unsafe fix: a `HEALTHCHECK` before the final stage's first effective `CMD`/`ENTRYPOINT`,
/// or at the end of the stage.
fn insert_healthcheck(
    docker: &DockerContext<'_>,
    stage: &Stage<'_>,
    exposes: &[Node<'_>],
    commands: &[Vec<String>],
) -> Option<Fix> {
    let text = docker.text();
    let family = Family::of(docker, stage);
    let port = exposes
        .iter()
        .find_map(|&expose| expose_port(docker, expose))
        .or_else(|| commands.iter().find_map(|words| command_port(words)))
        .unwrap_or_else(|| family.default_port().to_string());
    let url = format!("http://127.0.0.1:{port}{HEALTH_PATH}");
    let probe = match family {
        Family::Python => json_array(&[
            "python",
            "-c",
            &format!("import urllib.request,sys; urllib.request.urlopen('{url}', timeout=4)"),
        ]),
        Family::Node => json_array(&[
            "node",
            "-e",
            &format!("fetch('{url}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"),
        ]),
        Family::OldNode | Family::Other => format!("curl -fsS {url} || exit 1"),
    };
    let line = format!(
        "HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD {probe}"
    );
    let effective = docker.effective_command(stage.index);
    let own: Vec<Node<'_>> = [effective.entrypoint, effective.cmd]
        .into_iter()
        .flatten()
        .map(|c| c.instruction)
        .filter(|i| stage.instructions.contains(i))
        .collect();
    let edit = match own.iter().min_by_key(|i| i.start_byte()) {
        Some(first) => {
            let at = first.start_byte();
            let indent = &text[docker.line_start_before(*first)?..at];
            Edit::insert(at, format!("{line}\n{indent}"))
        }
        None => {
            let last = stage.instructions.last().copied().unwrap_or(stage.from);
            Edit::insert(docker.end_of_line_after(last)?, format!("\n{line}"))
        }
    };
    Some(Fix::unsafe_(
        format!("Add a `HEALTHCHECK` probing `{HEALTH_PATH}` on port {port}"),
        vec![edit],
    ))
}

/// Which probe the base image can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Python,
    /// Node 18 or newer (global `fetch`).
    Node,
    /// Older Node: no `fetch`, probed with `curl`.
    OldNode,
    Other,
}

impl Family {
    fn of(docker: &DockerContext<'_>, stage: &Stage<'_>) -> Family {
        let root = docker.chain(stage.index)[0];
        let image = &docker.stages()[root].image;
        let Some(name) = image.name.as_deref() else {
            return Family::Other;
        };
        let name = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
        if name.starts_with("python") {
            return Family::Python;
        }
        if name == "node" {
            let major: Option<u32> = image.tag.as_deref().and_then(|tag| {
                let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            });
            // `lts`, `current`, `alpine` and no tag are all recent releases.
            return match major {
                Some(m) if m < 18 => Family::OldNode,
                _ => Family::Node,
            };
        }
        Family::Other
    }

    fn default_port(self) -> &'static str {
        match self {
            Family::Node | Family::OldNode => "3000",
            Family::Python | Family::Other => "8000",
        }
    }
}

/// The first port number of an `EXPOSE` (`8000/tcp` → `8000`).
fn expose_port(docker: &DockerContext<'_>, expose: Node<'_>) -> Option<String> {
    let mut cursor = expose.walk();
    let ports: Vec<Node<'_>> = expose
        .named_children(&mut cursor)
        .filter(|n| n.kind() == "expose_port")
        .collect();
    ports.into_iter().find_map(|port| {
        let value = docker.value(port)?;
        let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty()).then_some(digits)
    })
}

/// The port of a server command: `--port N`, `--port=N`, `-b/--bind host:N`.
fn command_port(words: &[String]) -> Option<String> {
    let mut iter = words.iter();
    while let Some(word) = iter.next() {
        let (option, inline) = match word.split_once('=') {
            Some((option, value)) if option.starts_with("--") => (option, Some(value.to_string())),
            _ => (word.as_str(), None),
        };
        let value = match option {
            "--port" | "-b" | "--bind" => inline.or_else(|| iter.next().cloned()),
            _ => continue,
        };
        let Some(value) = value else { continue };
        let port = value.rsplit(':').next().unwrap_or(&value);
        if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            return Some(port.to_string());
        }
    }
    None
}

fn json_array(values: &[&str]) -> String {
    let elements: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).expect("strings serialise"))
        .collect();
    format!("[{}]", elements.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::FixSafety;
    use crate::engine::Engine;
    use crate::rules::testing::{check as run_rule, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "missing-healthcheck";

    fn run(text: &str) -> Vec<Finding> {
        run_rule(ID, "Dockerfile", text)
    }

    fn fix_of(text: &str) -> String {
        let found = run(text);
        assert_eq!(found.len(), 1, "{text}");
        let after = fixed(text, &found, FixSafety::Unsafe);
        let tree = Engine::with_rules(Vec::new()).parse(Language::Dockerfile, &after, None);
        assert!(!tree.root_node().has_error(), "{after}");
        assert!(run(&after).is_empty(), "{after}");
        after
    }

    #[test]
    fn exposed_services_without_healthcheck() {
        let text = "FROM python:3.12-slim\nEXPOSE 8000\n\
                    CMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app.wsgi:application\"]\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["FROM python:3.12-slim"]);
        assert_eq!(found[0].message, MESSAGE);
        assert_eq!(found[0].severity, Severity::Info);
        let text = "FROM node:20-slim\nEXPOSE 3000\nCMD [\"npm\", \"start\"]\n";
        assert_eq!(run(text).len(), 1);
        // EXPOSE alone makes a service.
        assert_eq!(run("FROM alpine:3.19\nEXPOSE 9000\n").len(), 1);
    }

    #[test]
    fn server_commands_make_a_service() {
        for cmd in [
            "[\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]",
            "[\"python\", \"-m\", \"uvicorn\", \"app.main:app\"]",
            "python manage.py runserver 0.0.0.0:8000",
            "[\"flask\", \"--app\", \"app\", \"run\"]",
            "[\"yarn\", \"start\"]",
            "[\"npm\", \"run\", \"start:prod\"]",
            "[\"npx\", \"next\", \"start\"]",
            "[\"nginx\", \"-g\", \"daemon off;\"]",
            "[\"pm2-runtime\", \"ecosystem.config.js\"]",
            "cd /app && exec gunicorn app:app",
            "[\"tini\", \"--\", \"waitress-serve\", \"app:app\"]",
            "[\"fastapi\", \"run\", \"app/main.py\", \"--port\", \"80\"]",
        ] {
            let text = format!("FROM python:3.12-slim\nCMD {cmd}\n");
            assert_eq!(run(&text).len(), 1, "{cmd}");
        }
        for cmd in [
            "[\"python\", \"-m\", \"worker\"]",
            "[\"python\", \"/jobs/nightly_export.py\"]",
            "[\"node\", \"dist/main.js\"]",
            "[\"npm\", \"test\"]",
            "[\"celery\", \"-A\", \"app\", \"worker\"]",
            "[\"flask\", \"db\", \"upgrade\"]",
        ] {
            let text = format!("FROM python:3.12-slim\nCMD {cmd}\n");
            assert!(run(&text).is_empty(), "{cmd}");
        }
    }

    #[test]
    fn entrypoint_wrappers_and_shell_entrypoints() {
        let text = "FROM python:3.12-slim\nENTRYPOINT [\"/docker-entrypoint.sh\"]\n\
                    CMD [\"gunicorn\", \"app:app\"]\n";
        assert_eq!(run(text).len(), 1);
        let text = "FROM python:3.12-slim\nENTRYPOINT [\"gunicorn\"]\nCMD [\"app:app\"]\n";
        assert_eq!(run(text).len(), 1);
        // A shell-form ENTRYPOINT ignores CMD.
        let text = "FROM python:3.12-slim\nENTRYPOINT python worker.py\nCMD [\"gunicorn\"]\n";
        assert!(run(text).is_empty());
    }

    #[test]
    fn healthchecks_in_the_chain_count() {
        let text = "FROM python:3.12-slim\nEXPOSE 8000\nHEALTHCHECK --interval=30s --timeout=3s \
                    CMD curl -f http://localhost:8000/health || exit 1\n\
                    CMD [\"gunicorn\", \"app.wsgi:application\"]\n";
        assert!(run(text).is_empty());
        let text = "FROM python:3.12-slim\nHEALTHCHECK NONE\nEXPOSE 8000\n";
        assert!(run(text).is_empty());
        let text = "FROM python:3.12-slim AS base\nHEALTHCHECK CMD curl -f http://x/ || exit 1\n\
                    FROM base\nEXPOSE 8000\n";
        assert!(run(text).is_empty());
        // A HEALTHCHECK in an unrelated stage does not.
        let text = "FROM python:3.12-slim AS tools\n\
                    HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1\n\
                    FROM python:3.12-slim\nCMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["FROM python:3.12-slim"]);
        assert!(found[0].range.start > 40);
    }

    #[test]
    fn broken_instructions_keep_it_quiet() {
        let text = "FROM python:3.12-slim\nEXPOSE 8000\nHEALTHCHECK --interval=30s \\\n\
                    CMD [\"gunicorn\", \"app:app\"]\n";
        assert!(run(text).is_empty());
    }

    #[test]
    fn exposes_in_build_stages_do_not_count() {
        let text = "FROM node:20 AS build\nEXPOSE 3000\nRUN npm run build\n\
                    FROM node:20-slim\nCOPY --from=build /app/dist /app\nCMD [\"node\", \"/app/cli.js\"]\n";
        assert!(run(text).is_empty());
    }

    #[test]
    fn fix_inserts_a_python_probe_before_the_command() {
        let text = "FROM python:3.12-slim\nEXPOSE 8080/tcp\n\
                    CMD [\"gunicorn\", \"-b\", \"0.0.0.0:8080\", \"app.wsgi:application\"]\n";
        let after = fix_of(text);
        assert_eq!(
            after,
            "FROM python:3.12-slim\nEXPOSE 8080/tcp\n\
             HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD \
             [\"python\", \"-c\", \"import urllib.request,sys; \
             urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)\"]\n\
             CMD [\"gunicorn\", \"-b\", \"0.0.0.0:8080\", \"app.wsgi:application\"]\n"
        );
    }

    #[test]
    fn fix_port_from_the_command_and_node_probe() {
        let text = "FROM node:20-slim\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"npm\", \"start\"]\n";
        let after = fix_of(text);
        assert!(after.contains(
            "HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD \
             [\"node\", \"-e\", \"fetch('http://127.0.0.1:3000/health')\
             .then(r=>process.exit(r.ok?0:1),()=>process.exit(1))\"]\nENTRYPOINT"
        ));
        let text = "FROM python:3.12-slim\nCMD uvicorn app.main:app --host 0.0.0.0 --port 9000\n";
        assert!(fix_of(text).contains("127.0.0.1:9000/health"));
        let text = "FROM node:16\nCMD [\"yarn\", \"start\"]\n";
        assert!(fix_of(text).contains("CMD curl -fsS http://127.0.0.1:3000/health || exit 1\nCMD"));
        let text = "FROM nginx:1.25\nEXPOSE 80";
        assert_eq!(
            fix_of(text),
            "FROM nginx:1.25\nEXPOSE 80\nHEALTHCHECK --interval=30s --timeout=5s \
             --start-period=20s --retries=3 CMD curl -fsS http://127.0.0.1:80/health || exit 1"
        );
    }

    #[test]
    fn inherited_command_appends_at_the_end() {
        let text = "FROM python:3.12-slim AS base\nCMD [\"gunicorn\", \"app:app\"]\n\
                    FROM base\nCOPY . /app\n";
        let after = fix_of(text);
        assert!(after.ends_with(
            "COPY . /app\nHEALTHCHECK --interval=30s --timeout=5s \
             --start-period=20s --retries=3 CMD [\"python\", \"-c\", \"import urllib.request,sys; \
             urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)\"]\n"
        ));
    }

    /// Found by fuzzing: the grammar ends an `ENV` node before the rest of its line; a
    /// healthcheck inserted at the node's end landed in the middle of the line. No fix then.
    #[test]
    fn no_healthcheck_after_a_line_the_grammar_did_not_understand() {
        let text = "FROM node:20-slim\nEXPOSE 3000\nENV HOSTNAME=\"0.0.0.0\",CMD [\"node\", \"server.js\"]\n";
        let found = run(text);
        assert_eq!(found.len(), 1, "{text}");
        assert!(found[0].fixes.is_empty(), "{:?}", found[0].fixes);
    }
}
