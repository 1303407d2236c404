use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::docker::launch::is_development_stage;
use crate::docker::{DockerContext, Image, Stage};
use preflight_grammars::LanguageFamily;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Checks which user the production container runs as: the last `USER` of the final stage
    /// (including the stages it is built `FROM`). Reports a last `USER root` / `USER 0`, and a
    /// final stage with no `USER` at all on a base image that runs as root by default. Base images
    /// known to default to a non-root user are fine: tags containing `nonroot`, `non-root` or
    /// `rootless`, `cgr.dev/chainguard/*` (except `-dev` tags), `*/nginx-unprivileged` and
    /// `bitnami/*`; and the official `postgres`, `mysql`, `mariadb`, `mongo`, `redis`,
    /// `rabbitmq` and `memcached` images, whose entrypoint starts the server as its own user
    /// (unless the file sets another `ENTRYPOINT`). A `USER` whose value comes from an `ARG` without a known default counts as
    /// non-root. A `USER` in another stage does not count: each `FROM` of an external image starts
    /// over as root.
    ///
    /// ## Why is this bad?
    /// A compromise of the application (a deserialisation bug, a path traversal, a vulnerable
    /// dependency) gets root inside the container: it can rewrite the application's own files,
    /// install tools, and exploit kernel or runtime weaknesses to escape the container far more
    /// easily. Orchestrators can force a user (`runAsNonRoot`), hence a warning, but the image
    /// should not depend on it.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// WORKDIR /app
    /// COPY . .
    /// CMD ["gunicorn", "app.wsgi:application"]
    /// ```
    /// ```dockerfile
    /// FROM node:20 AS build
    /// USER node
    /// FROM node:20-slim
    /// COPY --from=build /app /app
    /// CMD ["node", "/app/dist/main.js"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// WORKDIR /app
    /// COPY . .
    /// RUN groupadd --system app && useradd --system --gid app --no-create-home app
    /// USER app
    /// CMD ["gunicorn", "app.wsgi:application"]
    /// ```
    ///
    /// ## Fix safety
    /// The fix is **unsafe**: files the application writes may need `COPY --chown` or a `chown`,
    /// and ports below 1024 cannot be bound without root. It inserts, before the final stage's
    /// first `CMD`/`ENTRYPOINT`/`HEALTHCHECK`, `USER node` for the official `node` images, a
    /// system user `app` created with `adduser` (Alpine, BusyBox) or `useradd` (others), or
    /// switches a distroless image to its `:nonroot` tag. A last `USER root` is switched back to
    /// the non-root user set before it, when nothing after it needs root.
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: container-runs-as-root` on the line above the reported
    /// instruction, or set `container-runs-as-root = "off"` under `[rules]` in `preflight.toml`.
    /// Your own base images that already switch to a non-root user can be listed in
    /// `preflight.toml`: `[docker] nonroot-images = ["registry.example.com/base/*"]` (globs over
    /// the image reference, with or without its tag; `*` stays within one `/` segment).
    pub static RULE = Rule {
        id: "container-runs-as-root",
        summary: "The production container runs as root",
        category: Category::Security,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Dockerfile],
        fix: FixAvailability::Unsafe,
        check: Check::Dockerfile(check),
    };
}

fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
    let Some(stage) = docker.final_stage() else {
        return;
    };
    if is_development_stage(docker, stage) || stage.from.has_error() {
        return;
    }
    let chain = docker.chain(stage.index);
    let base = &docker.stages()[chain[0]];
    let instructions = docker.chain_instructions(stage.index, None);
    let users: Vec<Node<'_>> = instructions
        .iter()
        .map(|&(_, node)| node)
        .filter(|node| node.kind() == "user_instruction")
        .collect();
    match users.split_last() {
        Some((&last, earlier)) => {
            if last.has_error() {
                return;
            }
            let Some(user) = last.child_by_field_name("user") else {
                return;
            };
            // Unresolvable values count as non-root.
            if !docker.value(user).is_some_and(|u| u == "root" || u == "0") {
                return;
            }
            let mut finding = RULE.finding(
                last.byte_range(),
                "The container runs as root (last `USER` is `root`); add a non-root `USER` before \
                 `CMD`/`ENTRYPOINT`.",
            );
            if let Some(fix) = root_user_fix(docker, stage, base, last, earlier) {
                finding = finding.with_fix(fix);
            }
            out.push(finding);
        }
        None => {
            let Some(name) = base.image.name.as_deref() else {
                // `FROM $BASE` with an unknown value: it may well be a non-root image.
                return;
            };
            let own_entrypoint = instructions
                .iter()
                .any(|(_, node)| node.kind() == "entrypoint_instruction");
            let configured = &docker.cx.options().nonroot_images;
            let listed = [base.image.reference.as_deref(), Some(name)]
                .into_iter()
                .flatten()
                .any(|image| configured.matches(image));
            if listed
                || defaults_to_non_root(&base.image)
                || (!own_entrypoint && entrypoint_steps_down(&base.image))
            {
                return;
            }
            let runs_something = instructions.iter().any(|(_, node)| {
                matches!(node.kind(), "cmd_instruction" | "entrypoint_instruction")
            });
            if name == "scratch" && !runs_something {
                // An artifact stage (`docker build --output`), not a container.
                return;
            }
            let mut finding = RULE.finding(
                stage.from.byte_range(),
                "The container runs as root (no `USER` instruction); add a non-root `USER` before \
                 `CMD`/`ENTRYPOINT`.",
            );
            if let Some(fix) = add_user_fix(docker, stage, base) {
                finding = finding.with_fix(fix);
            }
            out.push(finding);
        }
    }
}

/// Base images documented to run as a non-root user unless told otherwise (RULES.md §5.4).
fn defaults_to_non_root(image: &Image<'_>) -> bool {
    let name = image.name.as_deref().unwrap_or("").to_ascii_lowercase();
    let tag = image.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    ["nonroot", "non-root", "rootless"]
        .iter()
        .any(|marker| tag.contains(marker))
        || (name.starts_with("cgr.dev/chainguard/") && !tag.ends_with("-dev"))
        || name.ends_with("/nginx-unprivileged")
        || name.starts_with("bitnami/")
        || name.starts_with("docker.io/bitnami/")
}

/// Official database and broker images whose entrypoint script starts the server as its own
/// user (`gosu postgres …`): as long as that entrypoint runs, the server is not root.
fn entrypoint_steps_down(image: &Image<'_>) -> bool {
    let name = image.name.as_deref().unwrap_or("").to_ascii_lowercase();
    let short = name
        .strip_prefix("docker.io/")
        .unwrap_or(&name)
        .trim_start_matches("library/");
    matches!(
        short,
        "postgres" | "mysql" | "mariadb" | "mongo" | "redis" | "rabbitmq" | "memcached"
    )
}

/// What kind of base the user is created on.
enum Family {
    /// The official `node` images ship a `node` user.
    Node,
    Alpine,
    Distroless,
    /// Chainguard images ship a `nonroot` user (uid 65532), also in their `-dev` variants.
    Chainguard,
    Scratch,
    /// Debian, Ubuntu and other distributions with `useradd`.
    Debian,
}

fn family(image: &Image<'_>) -> Family {
    let name = image.name.as_deref().unwrap_or("").to_ascii_lowercase();
    let tag = image.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    let short = name
        .strip_prefix("docker.io/")
        .unwrap_or(&name)
        .trim_start_matches("library/");
    if short == "node" {
        Family::Node
    } else if name.starts_with("cgr.dev/chainguard/") {
        Family::Chainguard
    } else if name.contains("distroless") {
        Family::Distroless
    } else if name == "scratch" {
        Family::Scratch
    } else if name.contains("alpine") || tag.contains("alpine") || short == "busybox" {
        Family::Alpine
    } else {
        Family::Debian
    }
}

/// The instructions that make a non-root user the current one, and that user's name.
fn user_lines(family: &Family) -> Option<(Vec<&'static str>, &'static str)> {
    match family {
        Family::Node => Some((vec!["USER node"], "node")),
        Family::Chainguard => Some((vec!["USER nonroot"], "nonroot")),
        Family::Alpine => Some((
            vec!["RUN addgroup -S app && adduser -S -G app app", "USER app"],
            "app",
        )),
        Family::Debian => Some((
            vec![
                "RUN groupadd --system app && useradd --system --gid app --no-create-home app",
                "USER app",
            ],
            "app",
        )),
        // No shell to create users with: a numeric user needs no `/etc/passwd` entry.
        Family::Scratch => Some((vec!["USER 65532:65532"], "65532")),
        Family::Distroless => None,
    }
}

fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// Inserts a non-root `USER` before the final stage's first `CMD`/`ENTRYPOINT`/`HEALTHCHECK`
/// (or at its end), or moves a distroless base to its `:nonroot` tag.
fn add_user_fix(docker: &DockerContext<'_>, stage: &Stage<'_>, base: &Stage<'_>) -> Option<Fix> {
    let family = family(&base.image);
    if let Family::Distroless = family {
        return nonroot_tag_fix(docker, base);
    }
    let (lines, user) = user_lines(&family)?;
    let text = docker.text();
    let nl = newline(text);
    let edit = insertion(docker, stage, &lines, nl)?;
    Some(Fix::unsafe_(insertion_title(&lines, user), vec![edit]))
}

fn insertion_title(lines: &[&str], user: &str) -> String {
    if lines.len() == 1 {
        format!("Add `{}`", lines[0])
    } else {
        format!("Create user `{user}` and add `USER {user}`")
    }
}

/// The edit inserting `lines` before the first command-like instruction of `stage`, or after
/// its last instruction.
fn insertion(
    docker: &DockerContext<'_>,
    stage: &Stage<'_>,
    lines: &[&str],
    nl: &str,
) -> Option<Edit> {
    let text = docker.text();
    let before = stage.instructions.iter().find(|node| {
        matches!(
            node.kind(),
            "cmd_instruction" | "entrypoint_instruction" | "healthcheck_instruction"
        )
    });
    match before {
        Some(node) => {
            let line_start = docker.line_start_before(*node)?;
            let indent = &text[line_start..node.start_byte()];
            let block: String = lines
                .iter()
                .map(|line| format!("{indent}{line}{nl}"))
                .collect();
            Some(Edit::insert(line_start, block))
        }
        None => {
            let last = stage.instructions.last().copied().unwrap_or(stage.from);
            if last.has_error() {
                return None;
            }
            let block: String = lines.iter().map(|line| format!("{nl}{line}")).collect();
            Some(Edit::insert(docker.end_of_line_after(last)?, block))
        }
    }
}

/// `gcr.io/distroless/nodejs20-debian12` → `…:nonroot`, `:debug` → `:debug-nonroot`.
fn nonroot_tag_fix(docker: &DockerContext<'_>, base: &Stage<'_>) -> Option<Fix> {
    let spec = base.image.spec?;
    if base.image.digest.is_some() || spec.has_error() {
        return None;
    }
    let text = docker.text();
    let (range, tag) = match spec.child_by_field_name("tag") {
        Some(tag) => {
            let written = text[tag.byte_range()].trim_start_matches(':');
            let new = match written {
                "latest" => "nonroot".to_string(),
                "debug" => "debug-nonroot".to_string(),
                _ => return None,
            };
            (tag.byte_range(), new)
        }
        None => {
            let name = spec.child_by_field_name("name")?;
            if text[name.byte_range()].contains('$') {
                return None;
            }
            (name.end_byte()..name.end_byte(), "nonroot".to_string())
        }
    };
    Some(Fix::unsafe_(
        format!("Use the `:{tag}` image"),
        vec![Edit::replace(range, format!(":{tag}"))],
    ))
}

/// For a last `USER root`: switch back to the non-root user set before it when nothing after it
/// needs root (no `RUN`, `COPY`, `ADD`); otherwise add a non-root `USER` before the command.
fn root_user_fix(
    docker: &DockerContext<'_>,
    stage: &Stage<'_>,
    base: &Stage<'_>,
    root: Node<'_>,
    earlier: &[Node<'_>],
) -> Option<Fix> {
    let text = docker.text();
    let previous = earlier.iter().rev().find_map(|node| {
        let user = node.child_by_field_name("user")?;
        let value = docker.value(user)?;
        (value != "root" && value != "0" && !node.has_error())
            .then(|| text[user.start_byte()..node.end_byte()].trim().to_string())
    });
    let needs_root_after = stage.instructions.iter().any(|node| {
        node.start_byte() > root.end_byte()
            && matches!(
                node.kind(),
                "run_instruction" | "copy_instruction" | "add_instruction"
            )
    });
    let user_field = root.child_by_field_name("user")?;
    let value_range = user_field.start_byte()..root.end_byte();
    let family = family(&base.image);
    match (previous, needs_root_after) {
        (Some(previous), false) => Some(Fix::unsafe_(
            format!("Switch back to `USER {previous}`"),
            vec![Edit::replace(value_range, previous)],
        )),
        (None, false) if matches!(family, Family::Node) => Some(Fix::unsafe_(
            "Use `USER node`",
            vec![Edit::replace(value_range, "node")],
        )),
        (previous, _) => {
            let nl = newline(text);
            let line = previous.map(|p| format!("USER {p}"));
            let (lines, user): (Vec<&str>, &str) = match &line {
                Some(line) => (vec![line.as_str()], ""),
                None => user_lines(&family)?,
            };
            // Only when the root user's instructions come before the command.
            let edit = insertion(docker, stage, &lines, nl)?;
            if edit.range.start < root.end_byte() {
                return None;
            }
            Some(Fix::unsafe_(insertion_title(&lines, user), vec![edit]))
        }
    }
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

    fn fix(text: &str) -> String {
        let findings = check(text);
        assert_eq!(findings.len(), 1, "{text}");
        let out = fixed(text, &findings, FixSafety::Unsafe);
        let tree = Engine::with_rules(Vec::new()).parse(Language::Dockerfile, &out, None);
        assert!(!tree.root_node().has_error(), "fix broke the file:\n{out}");
        assert!(check(&out).is_empty(), "still root after the fix:\n{out}");
        out
    }

    #[test]
    fn no_user_on_a_root_base() {
        let text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"gunicorn\", \"app.wsgi:application\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["FROM python:3.12-slim"]);
        assert_eq!(
            findings[0].message,
            "The container runs as root (no `USER` instruction); add a non-root `USER` before \
             `CMD`/`ENTRYPOINT`."
        );
        assert_eq!(findings[0].fixes[0].safety, FixSafety::Unsafe);
        assert_eq!(
            fix(text),
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n\
             RUN groupadd --system app && useradd --system --gid app --no-create-home app\n\
             USER app\nCMD [\"gunicorn\", \"app.wsgi:application\"]\n"
        );
    }

    #[test]
    fn last_user_root() {
        let text = "FROM node:20-slim\nUSER node\nRUN npm ci\nUSER root\nCMD [\"node\", \"dist/main.js\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["USER root"]);
        assert!(findings[0].message.contains("(last `USER` is `root`)"));
        assert_eq!(fix(text), text.replace("USER root", "USER node"));
        // Root is needed after it: add the user before the command instead.
        let text = "FROM node:20-slim\nUSER node\nUSER 0:0\nRUN apt-get update\nCMD [\"node\", \"x.js\"]\n";
        assert_eq!(fix(text), text.replace("CMD", "USER node\nCMD"));
        let text = "FROM python:3.12\nUSER root\nEXPOSE 80\nCMD [\"python\", \"-m\", \"app\"]\n";
        assert!(fix(text).contains("useradd"));
    }

    #[test]
    fn user_in_an_earlier_stage_only() {
        let text = "FROM node:20 AS build\nUSER node\nFROM node:20-slim\nCOPY --from=build /app /app\nCMD [\"node\", \"/app/dist/main.js\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["FROM node:20-slim"]);
        assert_eq!(fix(text), text.replace("CMD", "USER node\nCMD"));
    }

    #[test]
    fn user_inherited_from_a_base_stage() {
        assert!(check(
            "FROM python:3.12-slim AS base\nRUN useradd --system --uid 10001 app\nUSER 10001:10001\nFROM base\nCMD [\"python\", \"-m\", \"app\"]\n"
        )
        .is_empty());
    }

    #[test]
    fn user_from_args_and_env() {
        assert!(check("FROM python:3.12\nARG APP_USER=app\nUSER ${APP_USER}\n").is_empty());
        // Unknown: treated as non-root.
        assert!(check("FROM python:3.12\nARG UID\nUSER $UID\n").is_empty());
        let text = "FROM python:3.12\nARG UID=0\nUSER $UID\nCMD [\"x\"]\n";
        assert_eq!(spans(text, &check(text)), ["USER $UID"]);
    }

    #[test]
    fn non_root_base_images() {
        for image in [
            "gcr.io/distroless/nodejs20-debian12:nonroot",
            "cgr.dev/chainguard/node:latest",
            "cgr.dev/chainguard/python",
            "nginxinc/nginx-unprivileged:1.27-alpine",
            "bitnami/node:20",
            "docker.io/bitnami/python:3.12",
            "docker:27-dind-rootless",
        ] {
            let text = format!("FROM {image}\nCMD [\"x\"]\n");
            assert!(check(&text).is_empty(), "{image}");
        }
        assert_eq!(
            check("FROM cgr.dev/chainguard/node:latest-dev\nCMD [\"x\"]\n").len(),
            1
        );
        // Official images whose entrypoint drops root, unless the file replaces it.
        assert!(check("FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n").is_empty());
        assert_eq!(
            check("FROM redis:7\nENTRYPOINT [\"redis-server\"]\n").len(),
            1
        );
        // An unknown base image may be a non-root one.
        assert!(check("ARG BASE\nFROM $BASE\nCMD [\"x\"]\n").is_empty());
    }

    #[test]
    fn fixes_per_base_family() {
        assert!(fix("FROM node:20-alpine\nCMD [\"node\", \"x.js\"]\n").contains("USER node\nCMD"));
        assert!(
            fix("FROM python:3.12-alpine\nCMD [\"python\", \"x.py\"]\n")
                .contains("RUN addgroup -S app && adduser -S -G app app\nUSER app\nCMD")
        );
        assert_eq!(
            fix("FROM gcr.io/distroless/nodejs20-debian12\nCMD [\"main.js\"]\n"),
            "FROM gcr.io/distroless/nodejs20-debian12:nonroot\nCMD [\"main.js\"]\n"
        );
        assert_eq!(
            fix("FROM gcr.io/distroless/static:debug\nCMD [\"/app\"]\n"),
            "FROM gcr.io/distroless/static:debug-nonroot\nCMD [\"/app\"]\n"
        );
        assert_eq!(
            fix("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"),
            "FROM scratch\nCOPY app /app\nUSER 65532:65532\nENTRYPOINT [\"/app\"]\n"
        );
        // No command in the final stage: appended at its end.
        assert_eq!(
            fix("FROM python:3.12 AS base\nCMD [\"python\"]\nFROM base\nRUN pip install x"),
            "FROM python:3.12 AS base\nCMD [\"python\"]\nFROM base\nRUN pip install x\n\
             RUN groupadd --system app && useradd --system --gid app --no-create-home app\nUSER app"
        );
        // CRLF files keep their line endings.
        assert_eq!(
            fix("FROM node:20\r\nCMD [\"node\", \"x.js\"]\r\n"),
            "FROM node:20\r\nUSER node\r\nCMD [\"node\", \"x.js\"]\r\n"
        );
    }

    #[test]
    fn artifact_and_development_stages() {
        assert!(check("FROM node:20 AS build\nUSER node\nFROM scratch AS out\nCOPY --from=build /app/dist /\n").is_empty());
        assert!(check("FROM node:20 AS prod\nUSER node\nCMD [\"node\", \"x.js\"]\nFROM node:20 AS dev\nCMD [\"npm\", \"run\", \"dev\"]\n").is_empty());
        // A single stage is production whatever its name.
        assert_eq!(
            check("FROM node:20 AS dev\nCMD [\"node\", \"x.js\"]\n").len(),
            1
        );
    }

    /// Found by fuzzing: the grammar may end the last instruction's node before the end of
    /// its line (`FROM x[…]`, `ARG NAME=#…` where `#` starts a comment swallowing the line
    /// break): a line inserted after it broke the file or changed its meaning. No fix then.
    #[test]
    fn no_user_block_after_a_line_the_grammar_did_not_understand() {
        for text in [
            "FROM pythonTRYPOINT [\"gunicorn\", \"app.wsgi:application\"]\r\n",
            "FROM python:3.12-slim\nCOPY . .\nARG PYTHON_VERSION=#.12\n",
            // An unterminated heredoc: the lines after it would be its body.
            "FROM python:3BUG=True\nWORKDIR /app\nRUN pip install --no-ca<<<<<<nn",
            // A line continuation ends the file: a new line would join the instruction.
            "FROM python:3.12-slim\nARG token\nFROM no:\\",
            "FROM python:3.12-slim\nRUN pip install gunicorn \\\n",
            // A heredoc marker without its body: the grammar's reading of later lines depends
            // on what they hold.
            "FROM python:3.12\nCMD curl --bind 0.0.0.0 <<<ython:3.12\nFROM python:3.12\n\
             CMD [\"pyth,no\" \"-m\", \"app\"]\n",
        ] {
            let findings = check(text);
            assert_eq!(findings.len(), 1, "{text}");
            assert!(
                findings[0].fixes.is_empty(),
                "{text}: {:?}",
                findings[0].fixes
            );
        }
        // A trailing blank is no reason to refuse.
        fix("FROM python:3.12-slim\nCOPY . . \n");
    }
}
