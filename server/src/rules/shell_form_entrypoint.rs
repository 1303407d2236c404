use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::docker::launch::{is_development_stage, is_loose_array};
use crate::docker::{Command, CommandForm, DockerContext, command, shell};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// Checks the `CMD` and `ENTRYPOINT` the production container runs (those of the final stage,
    /// inherited through its `FROM` stages) for the shell form (`CMD node dist/main.js`). A shell
    /// form whose command is replaced by the application with `exec` (`CMD exec gunicorn …`, or
    /// `cd /app && exec node x.js`) is fine, and so are `RUN` and `HEALTHCHECK CMD`. A shell-form
    /// `CMD` under an exec-form `ENTRYPOINT` is an error: Docker passes `/bin/sh -c "…"` to the
    /// entrypoint as its arguments.
    ///
    /// ## Why is this bad?
    /// With the shell form the application runs as a child of `/bin/sh -c`, which is PID 1 and
    /// does not forward `SIGTERM`. `docker stop` and Kubernetes wait for the stop timeout and then
    /// `SIGKILL` the container: no graceful shutdown, dropped requests, unflushed logs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20-slim
    /// CMD node dist/main.js
    /// ```
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ENTRYPOINT ["/docker-entrypoint.sh"]
    /// CMD uvicorn app.main:app --host 0.0.0.0
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM node:20-slim
    /// CMD ["node", "dist/main.js"]
    /// ```
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD exec gunicorn -b 0.0.0.0:$PORT app.wsgi:application
    /// ```
    ///
    /// ## Fix safety
    /// Converting to exec form by word splitting is offered when the command has no shell syntax
    /// (`$ \` \ | & ; < > ( ) * ? [ ~ # { }`). It is **safe** for a `CMD` when no `ENTRYPOINT`
    /// is in effect and for an `ENTRYPOINT` when no `CMD` is, and **unsafe** otherwise (the
    /// `CMD` starts being appended to the `ENTRYPOINT`). A command that only uses `$` expansions
    /// gets an **unsafe** `["sh", "-c", "exec …"]` rewrite.
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: shell-form-entrypoint` on the line above the instruction, or set
    /// `shell-form-entrypoint = "off"` under `[rules]` in `preflight.toml`.
    pub static RULE = Rule {
        id: "shell-form-entrypoint",
        summary: "CMD/ENTRYPOINT in shell form: the app does not receive SIGTERM",
        category: Category::Reliability,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Dockerfile],
        fix: FixAvailability::Mixed,
        check: Check::Dockerfile(check),
    };
}

fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
    let Some(stage) = docker.final_stage() else {
        return;
    };
    if is_development_stage(docker, stage) {
        return;
    }
    let text = docker.text();
    let effective = docker.effective_command(stage.index);
    match (&effective.entrypoint, &effective.cmd) {
        (Some(entrypoint), cmd) if !entrypoint.is_exec() => {
            // Docker ignores the CMD under a shell-form ENTRYPOINT: only the ENTRYPOINT matters.
            if let Some(finding) = report(docker, entrypoint, cmd.is_some(), None) {
                out.push(finding);
            }
        }
        (Some(entrypoint), Some(cmd)) => {
            if docker.is_intact(entrypoint.instruction)
                && let Some(argv) = entrypoint.argv(text)
                && let Some(finding) = report(docker, cmd, true, Some(argv.join(" ")))
            {
                out.push(finding);
            }
        }
        (None, Some(cmd)) => {
            if let Some(finding) = report(docker, cmd, false, None) {
                out.push(finding);
            }
        }
        _ => {}
    }
}

/// The finding for a shell-form `command`, if it is one that keeps the shell as PID 1.
/// `other_in_effect`: the other instruction of the pair is in effect (conversion then changes
/// how they combine). `under_entrypoint`: the exec-form `ENTRYPOINT` a shell `CMD` is passed to.
fn report(
    docker: &DockerContext<'_>,
    command: &Command<'_>,
    other_in_effect: bool,
    under_entrypoint: Option<String>,
) -> Option<Finding> {
    let text = docker.text();
    let CommandForm::Shell { node } = &command.form else {
        return None;
    };
    if !docker.is_intact(command.instruction) || is_loose_array(command, text) {
        return None;
    }
    let script = command::shell_script(*node, text);
    if script.trim().is_empty() || execs_last_command(&script) {
        return None;
    }
    let name = crate::docker::instruction_name(command.instruction.kind());
    let range = command.instruction.start_byte()..node.end_byte();
    let mut finding = match &under_entrypoint {
        Some(entrypoint) => RULE
            .finding(
                range,
                format!(
                    "Shell-form `CMD` under an exec-form `ENTRYPOINT` passes `/bin/sh -c '…'` as \
                     arguments to `{entrypoint}`."
                ),
            )
            .with_severity(Severity::Error),
        None => RULE.finding(
            range,
            format!(
                "`{name}` uses shell form: the process runs under `/bin/sh -c` and does not \
                 receive SIGTERM, so `docker stop` kills it after the timeout. Use exec form \
                 (`[\"…\"]`)."
            ),
        ),
    };
    if let Some(fix) = exec_form_fix(
        *node,
        &script,
        other_in_effect || under_entrypoint.is_some(),
    ) {
        finding = finding.with_fix(fix);
    }
    Some(finding)
}

/// The script hands PID 1 over: `exec …` at its start, or as its last command after `&&`/`;`
/// (the shell is replaced once it gets there).
fn execs_last_command(script: &str) -> bool {
    if script.trim_start().starts_with("exec ") {
        return true;
    }
    let Some(tokens) = shell::tokenize(script) else {
        return false;
    };
    let Some(last_separator) = tokens.iter().rposition(|t| t.is_separator()) else {
        return false;
    };
    let sequential = tokens
        .iter()
        .filter(|t| t.is_separator())
        .all(|t| matches!(t.text.as_str(), "&&" | ";" | "\n"));
    sequential
        && tokens[last_separator + 1..]
            .iter()
            .find(|t| t.is_word())
            .is_some_and(|t| t.text == "exec" && !t.expands)
}

/// Characters that need a shell (RULES.md §5.3): with none of them, word splitting is all the
/// shell does.
const SHELL_SYNTAX: &[char] = &[
    '$', '`', '\\', '|', '&', ';', '<', '>', '(', ')', '*', '?', '[', '~', '#', '{', '}',
];

fn exec_form_fix(node: tree_sitter::Node<'_>, script: &str, other_in_effect: bool) -> Option<Fix> {
    if node.named_child_count() > 0 || script.contains(['\n', '\r']) {
        // Continued lines or comment lines: too easy to get wrong.
        return None;
    }
    let trimmed = script.trim();
    if !trimmed.contains(SHELL_SYNTAX) {
        let words: Vec<String> = shell::tokenize(trimmed)?
            .into_iter()
            .map(|t| t.is_word().then_some(t.text))
            .collect::<Option<_>>()?;
        if words.is_empty() {
            return None;
        }
        let json = json_array(&words);
        let edit = Edit::replace(node.byte_range(), json.clone());
        let title = format!("Use exec form `{json}`");
        return Some(if other_in_effect {
            Fix::unsafe_(title, vec![edit])
        } else {
            Fix::safe(title, vec![edit])
        });
    }
    // Only `$` expansions: keep a shell for them, but let the app replace it.
    let tokens = shell::tokenize(trimmed)?;
    let only_expansions = tokens.iter().all(|t| t.is_word())
        && !trimmed.contains(['`', '\\', '|', '&', ';', '<', '>', '(', ')', '#']);
    if !only_expansions {
        return None;
    }
    let exec = format!("exec {trimmed}");
    let json = json_array(&["sh".to_string(), "-c".to_string(), exec]);
    Some(Fix::unsafe_(
        "Run through `sh -c \"exec …\"`",
        vec![Edit::replace(node.byte_range(), json)],
    ))
}

fn json_array(words: &[String]) -> String {
    let parts: Vec<String> = words
        .iter()
        .map(|w| serde_json::to_string(w).expect("strings serialise"))
        .collect();
    format!("[{}]", parts.join(", "))
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

    #[test]
    fn shell_form_cmd() {
        let text = "FROM node:20-slim\nCMD node dist/main.js\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["CMD node dist/main.js"]);
        assert_eq!(
            findings[0].message,
            "`CMD` uses shell form: the process runs under `/bin/sh -c` and does not receive \
             SIGTERM, so `docker stop` kills it after the timeout. Use exec form (`[\"…\"]`)."
        );
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(
            fix_at(text, FixSafety::Safe),
            "FROM node:20-slim\nCMD [\"node\", \"dist/main.js\"]\n"
        );
    }

    #[test]
    fn shell_form_entrypoint_with_quotes() {
        let text =
            "FROM python:3.12-slim\nENTRYPOINT gunicorn -b 0.0.0.0:8000 'app.wsgi:application'\n";
        assert_eq!(
            fix_at(text, FixSafety::Safe),
            "FROM python:3.12-slim\nENTRYPOINT [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app.wsgi:application\"]\n"
        );
        // With a CMD in effect the conversion appends it: unsafe.
        let text =
            "FROM python:3.12-slim\nCMD [\"--workers\", \"2\"]\nENTRYPOINT gunicorn app:app\n";
        assert_eq!(fix_at(text, FixSafety::Safe), text);
        assert_ne!(fix_at(text, FixSafety::Unsafe), text);
        assert_eq!(spans(text, &check(text)), ["ENTRYPOINT gunicorn app:app"]);
    }

    #[test]
    fn shell_cmd_under_exec_entrypoint_is_an_error() {
        let text = "FROM python:3.12-slim\nENTRYPOINT [\"/docker-entrypoint.sh\"]\nCMD uvicorn app.main:app --host 0.0.0.0\n";
        let findings = check(text);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(
            findings[0].message,
            "Shell-form `CMD` under an exec-form `ENTRYPOINT` passes `/bin/sh -c '…'` as \
             arguments to `/docker-entrypoint.sh`."
        );
        assert_eq!(findings[0].fixes[0].safety, FixSafety::Unsafe);
    }

    #[test]
    fn exec_hands_over_pid_1() {
        for line in [
            "CMD exec gunicorn -b 0.0.0.0:$PORT app.wsgi:application",
            "CMD cd /app && exec node dist/main.js",
            "CMD python manage.py migrate; exec gunicorn app.wsgi",
            "ENTRYPOINT exec node server.js",
            "CMD [\"node\", \"dist/main.js\"]",
            "CMD ['node', 'dist/main.js']",
        ] {
            let text = format!("FROM node:20\n{line}\n");
            assert!(check(&text).is_empty(), "{line}");
        }
        // `exec` that does not end the script, or only in a pipeline, does not help.
        for line in ["CMD exec_app --port 80", "CMD true || exec node x.js"] {
            let text = format!("FROM node:20\n{line}\n");
            assert_eq!(check(&text).len(), 1, "{line}");
        }
    }

    #[test]
    fn only_the_final_stage_and_not_healthchecks() {
        let text = "FROM node:20 AS build\nCMD npm test\nFROM node:20-slim\nHEALTHCHECK CMD curl -fsS http://localhost:3000/health || exit 1\nCMD [\"node\", \"dist/main.js\"]\n";
        assert!(check(text).is_empty());
        // Inherited through the stage chain.
        let text = "FROM node:20 AS base\nCMD node x.js\nFROM base\nRUN true\n";
        assert_eq!(spans(text, &check(text)), ["CMD node x.js"]);
        // A shell ENTRYPOINT makes the CMD irrelevant.
        let text = "FROM node:20\nENTRYPOINT node x.js\nCMD npm start\n";
        assert_eq!(spans(text, &check(text)), ["ENTRYPOINT node x.js"]);
    }

    #[test]
    fn fixes_keep_a_shell_for_expansions() {
        let text = "FROM python:3.12\nCMD gunicorn -b 0.0.0.0:${PORT:-8000} app.wsgi\n";
        assert_eq!(fix_at(text, FixSafety::Safe), text);
        assert_eq!(
            fix_at(text, FixSafety::Unsafe),
            "FROM python:3.12\nCMD [\"sh\", \"-c\", \"exec gunicorn -b 0.0.0.0:${PORT:-8000} app.wsgi\"]\n"
        );
        for line in [
            "CMD npm run migrate && node x.js",
            "CMD node x.js > /var/log/app.log",
            "CMD node \\\n  x.js",
        ] {
            let text = format!("FROM node:20\n{line}\n");
            let findings = check(&text);
            assert_eq!(findings.len(), 1, "{line}");
            assert!(findings[0].fixes.is_empty(), "{line}");
        }
    }
}
