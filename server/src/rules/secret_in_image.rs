use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, FileChange, FileEdit, Finding, Fix, Severity};
use crate::docker::ignore::{DockerIgnore, literal_pattern};
use crate::docker::{CopyOp, DockerContext, Stage, copy};
use crate::secrets;
use preflight_grammars::LanguageFamily;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Reports secrets that end up inside the image:
    ///
    /// - an `ENV` of the final image whose name is a secret (`DATABASE_PASSWORD`,
    ///   `STRIPE_SECRET_KEY`, `NPM_TOKEN`, …) with a credential-like value or a value taken from
    ///   a build `ARG`;
    /// - an `ARG` (in any stage) whose name is a secret: build arguments are meant to be
    ///   overridden with `--build-arg`, and their values are recorded in the build history;
    /// - a `COPY`/`ADD` into the final image of a secret file (`.env`, `*.pem`, `*.key`,
    ///   `id_rsa`, `.npmrc`, `.pypirc`, `credentials.json`, …), or a `COPY . .` (`./`, `*`) of a
    ///   build context holding such a file anywhere (`node_modules` and `.git` aside) that
    ///   `.dockerignore` — or `<Dockerfile>.dockerignore`, which takes precedence — does not
    ///   exclude;
    /// - a known credential format (AWS key id, GitHub/GitLab/Slack/Stripe/npm tokens, a private
    ///   key block, a password in a URL, …) written into a `RUN`, `ENV`, `ARG` or heredoc.
    ///
    /// Placeholder values (`changeme`, `your-api-key`), empty values, paths
    /// (`SECRET_KEY_FILE=/run/secrets/…`), `RUN --mount=type=secret` and files copied only into
    /// build stages (`COPY .npmrc` before `npm ci` in a builder the final image does not inherit)
    /// are not reported.
    ///
    /// ## Why is this bad?
    /// Everything an image contains — `ENV` values in its config, build arguments in
    /// `docker history` and provenance, copied files in its layers — is readable by anyone who
    /// can pull it, and stays there after a later `rm` or `ENV X=`. A leaked credential has to
    /// be rotated.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20-slim
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
    /// ENV DATABASE_PASSWORD=hunter22
    /// COPY .env /app/.env
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// # syntax=docker/dockerfile:1.10
    /// FROM node:20-slim
    /// RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    /// # DATABASE_PASSWORD and the .env values are provided at run time.
    /// ```
    ///
    /// ## Fix safety
    /// All fixes are **unsafe**: the secret must then be provided another way.
    /// - `ENV`: remove the pair (the instruction if it was the only one).
    /// - `ARG`: remove it and add `--mount=type=secret,id=<name>,env=<NAME>` to every `RUN` of
    ///   the stage that reads it (adding `# syntax=docker/dockerfile:1.10` when the file has no
    ///   syntax directive); no fix when another instruction reads it.
    /// - `COPY` of a secret file: remove the instruction when it copies only that file.
    /// - `COPY . .`: add the secret files to the `.dockerignore` in force (created at the
    ///   context root when there is none); a build step that needs one of them then fails.
    /// - Hard-coded credentials: no fix (rotate the credential).
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: secret-in-image` on the line above the instruction, or set
    /// `secret-in-image = "off"` under `[rules]` in `preflight.toml`.
    pub static RULE = Rule {
        id: "secret-in-image",
        summary: "Secrets baked into image metadata, history or layers",
        category: Category::Security,
        severity: Severity::Error,
        languages: &[LanguageFamily::Dockerfile],
        fix: FixAvailability::Unsafe,
        check: Check::Dockerfile(check),
    };
}

fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
    let Some(last) = docker.final_stage() else {
        return;
    };
    let first = out.len();
    let chain = docker.chain_instructions(last.index, None);
    let mut flagged_values: Vec<Range<usize>> = Vec::new();
    // S1: ENV of the final stage chain.
    for &(_, instruction) in &chain {
        if instruction.kind() == "env_instruction" && !instruction.has_error() {
            check_env(docker, instruction, &mut flagged_values, out);
        }
    }
    // S2: ARG in any stage.
    for stage in docker.stages() {
        for &instruction in &stage.instructions {
            if instruction.kind() == "arg_instruction" && !instruction.has_error() {
                check_arg(docker, stage, instruction, &mut flagged_values, out);
            }
        }
    }
    // S3/S4: files copied into the final image.
    for op in docker.copies(last.index, None) {
        if !op.instruction.has_error() {
            check_copy(docker, &op, out);
        }
    }
    // S5: known credential formats written into instructions.
    for stage in docker.stages() {
        for &instruction in &stage.instructions {
            if !instruction.has_error() {
                check_credentials(docker, instruction, &flagged_values, out);
            }
        }
    }
    // A code frame shows whole lines: every finding hides every secret found in the file, so
    // `ENV A_PASSWORD=… B_TOKEN=${B}` shows neither value under either finding.
    let secrets: Vec<Range<usize>> = out[first..]
        .iter()
        .flat_map(|f| f.redact.iter().cloned())
        .collect();
    for finding in &mut out[first..] {
        for range in &secrets {
            if !finding.redact.contains(range) {
                finding.redact.push(range.clone());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// S1/S2: ENV and ARG.

/// Names that are secrets although the word test does not say so (`..._ID` is usually public).
const SECRET_NAMES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "PYPI_TOKEN",
    "TWINE_PASSWORD",
    "DOCKER_PASSWORD",
    "AZURE_CLIENT_SECRET",
];

fn is_secret_variable(name: &str) -> bool {
    SECRET_NAMES.contains(&name) || secrets::is_secret_name(name)
}

fn check_env(
    docker: &DockerContext<'_>,
    instruction: Node<'_>,
    flagged: &mut Vec<Range<usize>>,
    out: &mut Vec<Finding>,
) {
    let text = docker.text();
    let pairs = named_children(instruction, "env_pair");
    for (i, &pair) in pairs.iter().enumerate() {
        let (Some(name), Some(value)) = (
            pair.child_by_field_name("name"),
            pair.child_by_field_name("value"),
        ) else {
            continue;
        };
        let name = &text[name.byte_range()];
        if !is_secret_variable(name) {
            continue;
        }
        let raw = &text[value.byte_range()];
        let referenced = references(raw);
        let vars = docker.vars_for(pair);
        let from_arg = referenced.iter().any(|var| vars.is_declared(var));
        let secret = match docker.value(value) {
            // A literal, or build arguments with known defaults (`ARG KEY=dummy` for
            // `collectstatic`): judged by the value.
            Some(v) => (referenced.is_empty() || from_arg) && secrets::is_credential_like(name, &v),
            // An `ARG` without default: whatever `--build-arg` passes is baked in. Undeclared
            // variables expand to nothing at build time.
            None => from_arg,
        };
        if !secret {
            continue;
        }
        flagged.push(value.byte_range());
        let mut finding = RULE.finding(
            pair.byte_range(),
            format!(
                "`{name}` is a secret passed via `ENV`; it is stored in the image (metadata). \
                 Use a BuildKit secret mount (`RUN --mount=type=secret`)."
            ),
        );
        if !from_arg {
            finding = finding.with_redacted(value.byte_range());
        }
        let removal = if pairs.len() == 1 {
            whole_lines(text, instruction.byte_range())
        } else if let Some(next) = pairs.get(i + 1) {
            pair.start_byte()..next.start_byte()
        } else {
            pairs[i - 1].end_byte()..pair.end_byte()
        };
        // Removing lines the grammar did not fully understand could leave half of one.
        if docker.is_intact(instruction) {
            finding = finding.with_fix(Fix::unsafe_(
                format!("Remove `ENV {name}`"),
                vec![Edit::delete(removal)],
            ));
        }
        out.push(finding);
    }
}

fn check_arg(
    docker: &DockerContext<'_>,
    stage: &Stage<'_>,
    instruction: Node<'_>,
    flagged: &mut Vec<Range<usize>>,
    out: &mut Vec<Finding>,
) {
    let text = docker.text();
    let pairs = named_children(instruction, "arg_pair");
    for &pair in &pairs {
        let Some(name) = pair.child_by_field_name("name") else {
            continue;
        };
        let name = &text[name.byte_range()];
        if !is_secret_variable(name) {
            continue;
        }
        // `ARG SECRET_KEY=dummy`: a stand-in for build steps such as `collectstatic`.
        let placeholder_default = pair
            .child_by_field_name("default")
            .and_then(|d| docker.value(d))
            .is_some_and(|v| !v.is_empty() && secrets::is_placeholder(&v));
        if placeholder_default {
            continue;
        }
        let mut finding = RULE.finding(
            pair.byte_range(),
            format!(
                "`{name}` is a secret passed via `ARG`; it is stored in the image (build \
                 history). Use a BuildKit secret mount (`RUN --mount=type=secret`)."
            ),
        );
        if let Some(default) = pair.child_by_field_name("default") {
            flagged.push(default.byte_range());
            if !text[default.byte_range()].starts_with('$') {
                finding = finding.with_redacted(default.byte_range());
            }
        }
        if pairs.len() == 1
            && let Some(fix) = secret_mount_fix(docker, stage, instruction, name)
        {
            finding = finding.with_fix(fix);
        }
        out.push(finding);
    }
}

/// Replaces `ARG NAME` by a secret mount on every `RUN` of the stage that reads `$NAME`; `None`
/// when anything else reads it.
fn secret_mount_fix(
    docker: &DockerContext<'_>,
    stage: &Stage<'_>,
    arg: Node<'_>,
    name: &str,
) -> Option<Fix> {
    // Text the grammar left out of the instruction's node would be left behind on its own.
    if !docker.is_intact(arg) {
        return None;
    }
    let text = docker.text();
    let mut edits = vec![Edit::delete(whole_lines(text, arg.byte_range()))];
    let mount = format!(
        " --mount=type=secret,id={},env={name}",
        name.to_ascii_lowercase()
    );
    for &instruction in &stage.instructions {
        if instruction.start_byte() <= arg.start_byte() {
            continue;
        }
        let reads = references(&text[instruction.byte_range()])
            .iter()
            .any(|var| var == name);
        if !reads {
            continue;
        }
        if instruction.kind() != "run_instruction" {
            return None;
        }
        // Another `ARG` of the same name may have been fixed already.
        if text[instruction.byte_range()].contains(mount.trim_start()) {
            continue;
        }
        let keyword = instruction.child(0)?;
        edits.push(Edit::insert(keyword.end_byte(), mount.clone()));
    }
    if edits.len() > 1 && !has_syntax_directive(docker) {
        edits.push(Edit::insert(0, "# syntax=docker/dockerfile:1.10\n"));
    }
    Some(Fix::unsafe_(
        format!("Pass `{name}` as a BuildKit secret"),
        edits,
    ))
}

/// The file starts with a `# syntax=` parser directive.
fn has_syntax_directive(docker: &DockerContext<'_>) -> bool {
    let root = docker.cx.tree().root_node();
    let mut cursor = root.walk();
    for child in root.named_children(&mut cursor) {
        if child.kind() != "comment" {
            return false;
        }
        let body = docker.text()[child.byte_range()]
            .trim_start_matches('#')
            .trim_start()
            .to_ascii_lowercase();
        if body.starts_with("syntax") && body[6..].trim_start().starts_with('=') {
            return true;
        }
    }
    false
}

/// The variables `$NAME`/`${NAME…}` that `raw` refers to (single quotes and `\$` not excepted:
/// callers only use this to decide whether a value may come from a build argument).
fn references(raw: &str) -> Vec<String> {
    static VAR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)").expect("valid regex"));
    VAR.captures_iter(raw)
        .filter(|c| {
            let start = c.get(0).map_or(0, |m| m.start());
            !raw[..start].ends_with('\\')
        })
        .map(|c| c[1].to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// S3/S4: COPY and ADD from the build context.

fn check_copy(docker: &DockerContext<'_>, op: &CopyOp<'_>, out: &mut Vec<Finding>) {
    for (node, source) in &op.sources {
        let Some(source) = source.as_deref() else {
            continue;
        };
        if source.contains("://") || source.starts_with("git@") {
            continue;
        }
        if is_secret_file(source) {
            let mut finding = RULE.finding(
                node.byte_range(),
                format!("`{source}` is copied into the image; secrets in it ship with every pull."),
            );
            if op.sources.len() == 1 {
                finding = finding.with_fix(Fix::unsafe_(
                    format!("Remove the `COPY` of `{source}`"),
                    vec![Edit::delete(whole_lines(
                        docker.text(),
                        op.instruction.byte_range(),
                    ))],
                ));
            }
            out.push(finding);
        } else if op.from.is_none() && matches!(source, "." | "./" | "*") {
            check_broad_copy(docker, *node, source, out);
        }
    }
}

/// Folders S4 does not search: dependencies and version control.
const UNSEARCHED: &[&str] = &["node_modules", ".git"];
/// The most entries of a build context S4 looks at.
const MAX_CONTEXT_ENTRIES: usize = 50_000;

/// S4: `COPY . .` of a build context holding secret files that `.dockerignore` does not exclude.
fn check_broad_copy(
    docker: &DockerContext<'_>,
    node: Node<'_>,
    source: &str,
    out: &mut Vec<Finding>,
) {
    let ignore = docker.dockerignore();
    let found = context_secrets(docker, ignore.as_ref());
    if found.is_empty() {
        return;
    }
    let listed: Vec<String> = found.iter().take(3).map(|f| format!("`{f}`")).collect();
    let more = if found.len() > 3 { ", …" } else { "" };
    let listed = format!("{}{more}", listed.join(", "));
    let ignore_path = docker.dockerignore_path();
    let display = ignore_path.rsplit('/').next().unwrap_or(&ignore_path);
    let lines: Vec<String> = found.iter().map(|f| literal_pattern(f)).collect();
    let change = if ignore.is_some() {
        FileChange::AppendLines(lines)
    } else {
        FileChange::Create(lines)
    };
    let fix =
        Fix::unsafe_(format!("Add {listed} to `{display}`"), Vec::new()).with_file_edit(FileEdit {
            path: ignore_path.clone(),
            change,
        });
    out.push(
        RULE.finding(
            node.byte_range(),
            format!(
                "`COPY {source}` copies secret files into the image ({listed}); exclude them in \
                 `{display}`."
            ),
        )
        .with_fix(fix),
    );
}

/// The context-relative paths of the secret files (S3 names) in the build context that `ignore`
/// does not exclude, sorted; `node_modules` and `.git` are not searched.
fn context_secrets(docker: &DockerContext<'_>, ignore: Option<&DockerIgnore>) -> Vec<String> {
    let fs = docker.cx.fs();
    let reincludes = ignore.is_some_and(DockerIgnore::reincludes);
    let excluded = |path: &str| ignore.is_some_and(|i| i.excluded(path).is_some());
    let mut found = Vec::new();
    let mut seen = 0;
    let mut pending = vec![String::new()];
    while let Some(dir) = pending.pop() {
        for name in fs.list_dir(&docker.context_path(&dir)) {
            seen += 1;
            if seen > MAX_CONTEXT_ENTRIES {
                found.sort();
                return found;
            }
            let path = copy::join_relative(&dir, &name);
            let workspace_path = docker.context_path(&path);
            if fs.is_dir(&workspace_path) {
                // An excluded folder can hold included files only through a `!` line.
                if !UNSEARCHED.contains(&name.as_str()) && (reincludes || !excluded(&path)) {
                    pending.push(path);
                }
            } else if is_secret_file(&path) && !excluded(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// RULES.md S3: the basename (or path) of a copied source names a secret file.
fn is_secret_file(source: &str) -> bool {
    let path = source.trim_end_matches('/');
    if path.ends_with(".aws/credentials") || path.ends_with(".docker/config.json") {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower == ".env" {
        return true;
    }
    if let Some(variant) = lower.strip_prefix(".env.") {
        let last = variant.rsplit('.').next().unwrap_or(variant);
        return !matches!(
            last,
            "example" | "sample" | "template" | "dist" | "defaults" | "tpl"
        ) && !variant.contains('*');
    }
    if matches!(
        lower.as_str(),
        "id_rsa"
            | "id_ecdsa"
            | "id_ed25519"
            | ".npmrc"
            | ".pypirc"
            | ".netrc"
            | ".git-credentials"
            | "credentials.json"
            | "kubeconfig"
            | "secrets.json"
            | "secrets.yml"
            | "secrets.yaml"
            | "secrets.toml"
    ) {
        return true;
    }
    if lower.ends_with(".json") && lower.contains("service-account") {
        return true;
    }
    let Some((stem, extension)) = lower.rsplit_once('.') else {
        return false;
    };
    match extension {
        "p12" | "pfx" | "jks" => !stem.is_empty() && !stem.contains('*'),
        // Public keys (`repo.gpg.key`, `jwt-public.key`) are meant to be shipped.
        "key" => !stem.is_empty() && !stem.contains('*') && !public_key_name(stem),
        // So are certificates and CA bundles; private keys are what matter.
        "pem" => {
            !stem.is_empty()
                && !stem.contains('*')
                && !public_key_name(stem)
                && !stem.split(['-', '_', '.']).any(|part| {
                    part == "ca" || ["cert", "chain", "bundle"].iter().any(|w| part.contains(w))
                })
        }
        _ => false,
    }
}

/// A key file name that says the key is public: a `pub`/`public` or `gpg` part.
fn public_key_name(stem: &str) -> bool {
    stem.split(['-', '_', '.'])
        .any(|part| matches!(part, "pub" | "public" | "pubkey" | "gpg" | "asc"))
}

// ---------------------------------------------------------------------------------------------
// S5: known credential formats.

fn check_credentials(
    docker: &DockerContext<'_>,
    instruction: Node<'_>,
    flagged: &[Range<usize>],
    out: &mut Vec<Finding>,
) {
    let text = docker.text();
    let keyword = crate::docker::instruction_name(instruction.kind());
    let scanned: Vec<Node<'_>> = match instruction.kind() {
        "run_instruction" | "env_instruction" | "arg_instruction" | "label_instruction" => {
            vec![instruction]
        }
        // Heredoc bodies of `COPY <<EOF /dest`.
        _ => heredoc_contents(instruction),
    };
    let comments = descendants_of_kind(instruction, "comment");
    for node in scanned {
        let range = node.byte_range();
        for hit in secrets::find_known_keys(&text[range.clone()]) {
            let at = range.start + hit.secret.start..range.start + hit.secret.end;
            let in_comment = comments
                .iter()
                .any(|c| c.start_byte() <= at.start && at.end <= c.end_byte());
            let in_flagged = flagged
                .iter()
                .any(|f| f.start <= at.start && at.end <= f.end);
            if in_comment || in_flagged {
                continue;
            }
            let article = if keyword.starts_with(['A', 'E']) {
                "an"
            } else {
                "a"
            };
            // `ENV` values live in the image config; everything else in its build history.
            let stored = if keyword == "ENV" {
                "metadata"
            } else {
                "history"
            };
            out.push(
                RULE.finding(
                    at.clone(),
                    format!(
                        "Hard-coded {} in {article} `{keyword}` instruction; it is stored in the \
                         image {stored}.",
                        hit.kind
                    ),
                )
                .with_redacted(at),
            );
        }
    }
}

fn heredoc_contents<'t>(instruction: Node<'t>) -> Vec<Node<'t>> {
    descendants_of_kind(instruction, "heredoc_content")
}

/// Descendants of `node` of kind `kind`, without recursion.
fn descendants_of_kind<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == kind {
            out.push(n);
        }
        let mut cursor = n.walk();
        stack.extend(n.named_children(&mut cursor));
    }
    out
}

fn named_children<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|c| c.kind() == kind)
        .collect()
}

/// `range` widened to whole lines: from the start of its first line when only whitespace
/// precedes it, through the newline after it when only whitespace follows.
fn whole_lines(text: &str, range: Range<usize>) -> Range<usize> {
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let start = if text[line_start..range.start].trim().is_empty() {
        line_start
    } else {
        range.start
    };
    let rest = &text[range.end..];
    let line_end = rest.find('\n').map_or(text.len(), |i| range.end + i + 1);
    let end = if text[range.end..line_end].trim().is_empty() {
        line_end
    } else {
        range.end
    };
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::FixSafety;
    use crate::engine::Engine;
    use crate::rules::testing::{fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "secret-in-image";

    fn run(text: &str) -> Vec<Finding> {
        crate::rules::testing::check(ID, "Dockerfile", text)
    }

    fn run_in(text: &str, files: &[&str]) -> Vec<Finding> {
        crate::docker::testing::with_docker("Dockerfile", text, files, |docker| {
            let mut out = Vec::new();
            check(docker, &mut out);
            out
        })
    }

    fn parses(text: &str) -> bool {
        !Engine::with_rules(Vec::new())
            .parse(Language::Dockerfile, text, None)
            .root_node()
            .has_error()
    }

    /// No message shows more than the first four characters of a secret.
    fn assert_no_leak(text: &str, findings: &[Finding], secret: &str) {
        for f in findings {
            assert!(!f.message.contains(secret), "{}", f.message);
            assert!(!f.message.contains(&secret[..5]), "{}", f.message);
            for fix in &f.fixes {
                assert!(!fix.title.contains(&secret[..5]), "{}", fix.title);
            }
        }
        assert!(text.contains(secret));
    }

    #[test]
    fn arg_with_secret_name() {
        let text = "FROM node:20-slim\nARG NPM_TOKEN\n\
                    RUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && npm ci && rm .npmrc\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["NPM_TOKEN"]);
        assert_eq!(
            found[0].message,
            "`NPM_TOKEN` is a secret passed via `ARG`; it is stored in the image (build history). \
             Use a BuildKit secret mount (`RUN --mount=type=secret`)."
        );
        let after = fixed(text, &found, FixSafety::Unsafe);
        assert_eq!(
            after,
            "# syntax=docker/dockerfile:1.10\nFROM node:20-slim\n\
             RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN echo \
             \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && npm ci && rm .npmrc\n"
        );
        assert!(parses(&after));
        assert!(run(&after).is_empty());
        assert_eq!(fixed(text, &found, FixSafety::Safe), text);
    }

    #[test]
    fn arg_fix_keeps_an_existing_directive_and_skips_other_readers() {
        let text = "# syntax=docker/dockerfile:1\nFROM node:20\nARG GITHUB_TOKEN\n\
                    RUN git clone https://x-access-token:${GITHUB_TOKEN}@github.com/a/b.git\n\
                    RUN echo done\n";
        let found = run(text);
        assert_eq!(found.len(), 1);
        let after = fixed(text, &found, FixSafety::Unsafe);
        assert!(after.starts_with("# syntax=docker/dockerfile:1\nFROM node:20\nRUN --mount"));
        assert!(after.ends_with("RUN echo done\n"));
        let text = "FROM node:20\nARG API_KEY\nENV KEY_COPY=$API_KEY\n";
        let found = run(text);
        assert_eq!(found.len(), 1);
        assert!(found[0].fixes.is_empty());
        // An unused secret ARG is simply removed.
        let text = "FROM node:20\nARG API_TOKEN=\nRUN npm ci\n";
        let found = run(text);
        assert_eq!(
            fixed(text, &found, FixSafety::Unsafe),
            "FROM node:20\nRUN npm ci\n"
        );
    }

    #[test]
    fn arg_defaults_are_redacted() {
        let text = "FROM python:3.12\nARG DB_PASSWORD=Pr0d-Passw0rd! PYTHON_VERSION=3.12\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["DB_PASSWORD=Pr0d-Passw0rd!"]);
        assert_eq!(found[0].redact.len(), 1);
        assert_eq!(&text[found[0].redact[0].clone()], "Pr0d-Passw0rd!");
        assert_no_leak(text, &found, "Pr0d-Passw0rd!");
        // Several pairs: no fix (the other ARGs stay needed).
        assert!(found[0].fixes.is_empty());
    }

    #[test]
    fn arg_in_any_stage_but_not_global() {
        let text = "ARG GITHUB_TOKEN\nFROM golang:1.22 AS build\nARG GITHUB_TOKEN\nRUN go build\n\
                    FROM gcr.io/distroless/static\n";
        let found = run(text);
        assert_eq!(found.len(), 1);
        assert!(found[0].range.start > 20);
    }

    #[test]
    fn env_with_secret_values() {
        let text = "FROM python:3.12-slim\n\
                    ENV DATABASE_PASSWORD=hunter22 STRIPE_SECRET_KEY=${STRIPE_SECRET_KEY}\n";
        // STRIPE_SECRET_KEY is undeclared: it expands to nothing.
        let found = run(text);
        assert_eq!(spans(text, &found), ["DATABASE_PASSWORD=hunter22"]);
        assert_eq!(
            found[0].message,
            "`DATABASE_PASSWORD` is a secret passed via `ENV`; it is stored in the image \
             (metadata). Use a BuildKit secret mount (`RUN --mount=type=secret`)."
        );
        assert_no_leak(text, &found, "hunter22");
        // Every finding of the file hides every secret its line may show.
        let text = "FROM python:3.12-slim\nARG KEY_VALUE\n\
                    ENV DATABASE_PASSWORD=hunter22 STRIPE_SECRET_KEY=${KEY_VALUE}\n";
        let found = run(text);
        assert_eq!(found.len(), 2);
        for finding in &found {
            assert!(
                finding
                    .redact
                    .iter()
                    .any(|r| &text[r.clone()] == "hunter22")
            );
        }
        let text = "FROM python:3.12-slim\n\
                    ENV DATABASE_PASSWORD=hunter22 STRIPE_SECRET_KEY=${STRIPE_SECRET_KEY}\n";
        let found = run(text);
        let after = fixed(text, &found, FixSafety::Unsafe);
        assert_eq!(
            after,
            "FROM python:3.12-slim\nENV STRIPE_SECRET_KEY=${STRIPE_SECRET_KEY}\n"
        );
        assert!(parses(&after));
        // From a build argument: baked in.
        let text = "FROM python:3.12-slim\nARG STRIPE_KEY_VALUE\n\
                    ENV STRIPE_SECRET_KEY=${STRIPE_KEY_VALUE}\n";
        let found = run(text);
        assert_eq!(
            spans(text, &found),
            ["STRIPE_SECRET_KEY=${STRIPE_KEY_VALUE}"]
        );
        assert!(found[0].redact.is_empty());
        let after = fixed(text, &found, FixSafety::Unsafe);
        assert_eq!(after, "FROM python:3.12-slim\nARG STRIPE_KEY_VALUE\n");
        // A build argument with a placeholder default (for `collectstatic`).
        let text = "FROM python:3.12-slim\nARG DJANGO_SECRET_KEY=dummy\n\
                    ENV DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY}\nRUN python manage.py collectstatic\n";
        assert!(run(text).is_empty());
        let text = "FROM python:3.12-slim\nARG SECRET_KEY=\"django-insecure-placeholder\"\n\
                    ENV SECRET_KEY=${SECRET_KEY}\n";
        assert!(run(text).is_empty());
        // A real default is reported on the ARG and on the ENV that bakes it in.
        let text = "FROM python:3.12-slim\nARG SECRET_KEY=9d8c7b6a5f4e3d2c1b0a\n\
                    ENV SECRET_KEY=${SECRET_KEY}\n";
        assert_eq!(run(text).len(), 2);
    }

    #[test]
    fn env_pair_removal_keeps_the_others() {
        let text = "FROM node:20\nENV NODE_ENV=production \\\n    API_TOKEN=9d8c7b6a5f4e3d2c1b0a\n";
        let found = run(text);
        assert_eq!(found.len(), 1);
        let after = fixed(text, &found, FixSafety::Unsafe);
        assert_eq!(after, "FROM node:20\nENV NODE_ENV=production\n");
        assert!(parses(&after));
        let text = "FROM node:20\nENV API_TOKEN=9d8c7b6a5f4e3d2c1b0a PORT=3000\n";
        let after = fixed(text, &run(text), FixSafety::Unsafe);
        assert_eq!(after, "FROM node:20\nENV PORT=3000\n");
        let text = "FROM node:20\nENV API_TOKEN 9d8c7b6a5f4e3d2c1b0a\nCMD [\"node\", \"x.js\"]\n";
        let found = run(text);
        assert_no_leak(text, &found, "9d8c7b6a5f4e3d2c1b0a");
        let after = fixed(text, &found, FixSafety::Unsafe);
        assert_eq!(after, "FROM node:20\nCMD [\"node\", \"x.js\"]\n");
    }

    #[test]
    fn env_near_misses() {
        for env in [
            "SECRET_KEY_FILE=/run/secrets/django_secret_key",
            "API_KEY=",
            "API_KEY=\"\"",
            "API_KEY=changeme",
            "API_KEY=your-api-key-here",
            "JWT_SECRET=${JWT_SECRET}",
            "PASSWORD_MIN_LENGTH=12",
            "TOKEN_URL=https://auth.example.com/token",
            "NEXT_PUBLIC_API_KEY=pk_abcdef123456",
            "PYTHON_VERSION=3.12.1",
            "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
            "DB_PASSWORD=$DB_PASSWORD",
        ] {
            let text = format!("FROM python:3.12-slim\nENV {env}\n");
            assert!(run(&text).is_empty(), "{env}");
        }
    }

    #[test]
    fn env_of_build_stages_does_not_ship() {
        let text = "FROM node:20 AS build\nENV NPM_TOKEN=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\n\
                    FROM node:20-slim\nCOPY --from=build /app /app\n";
        let found = run(text);
        // Not S1 (build stage), but the token itself is written in the Dockerfile (S5).
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .starts_with("Hard-coded npm token in an `ENV`")
        );
        assert_no_leak(text, &found, "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
        let text = "FROM node:20 AS base\nENV API_TOKEN=9d8c7b6a5f4e3d2c1b0a\nFROM base\n";
        assert_eq!(run(text).len(), 1, "inherited through the chain");
    }

    #[test]
    fn copied_secret_files() {
        let text = "FROM python:3.12-slim\nCOPY .env /app/.env\n";
        let found = run(text);
        assert_eq!(spans(text, &found), [".env"]);
        assert_eq!(
            found[0].message,
            "`.env` is copied into the image; secrets in it ship with every pull."
        );
        let after = fixed(text, &found, FixSafety::Unsafe);
        assert_eq!(after, "FROM python:3.12-slim\n");
        for source in [
            ".env.production",
            "config/server.key",
            "certs/tls.key",
            "deploy/id_rsa",
            ".npmrc",
            "secrets/gcp-service-account.json",
            "home/.aws/credentials",
            "keystore.jks",
            "privkey.pem",
            "application.pem",
            "jwt-private.key",
        ] {
            let text = format!("FROM python:3.12-slim\nCOPY {source} /app/\n");
            assert_eq!(run(&text).len(), 1, "{source}");
        }
        for source in [
            ".env.example",
            ".env.sample",
            ".env.production.template",
            "id_rsa.pub",
            "certs/ca-bundle.pem",
            "keys/jwt-public.pem",
            "nodesource.gpg.key",
            "signing_pub.key",
            "fullchain.pem",
            "cert.pem",
            "package.json",
            "src/keys.py",
            "https://example.com/.env",
        ] {
            let text = format!("FROM python:3.12-slim\nADD {source} /app/\n");
            assert!(run(&text).is_empty(), "{source}");
        }
        let text = "FROM python:3.12-slim\nCOPY [\"a.txt\", \".env\", \"/app/\"]\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["\".env\""]);
        assert!(found[0].fixes.is_empty());
    }

    #[test]
    fn secret_files_copied_from_other_stages_ship_too() {
        let text = "FROM node:20 AS builder\nCOPY . .\nRUN npm run build\n\
                    FROM node:20-slim\nCOPY --from=builder /app/dist ./dist\n\
                    COPY --from=builder /app/.env ./.env\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["/app/.env"]);
        assert_eq!(
            fixed(text, &found, FixSafety::Unsafe),
            "FROM node:20 AS builder\nCOPY . .\nRUN npm run build\n\
             FROM node:20-slim\nCOPY --from=builder /app/dist ./dist\n"
        );
    }

    #[test]
    fn copies_into_build_stages_do_not_ship() {
        let text = "FROM node:20 AS build\nCOPY .npmrc .npmrc\nRUN npm ci\n\
                    FROM node:20-slim\nCOPY --from=build /app/dist /app/dist\n";
        assert!(run(text).is_empty());
    }

    /// Findings on `text` as `path` in a workspace of `(path, text)` files.
    fn run_with(path: &str, text: &str, files: &[(&str, &str)]) -> Vec<Finding> {
        let fs = crate::project::testing::MemoryFiles::new(files);
        crate::rules::testing::check_in(ID, path, text, &Default::default(), &fs)
    }

    #[test]
    fn broad_copies_of_contexts_with_secret_files() {
        let text = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\n";
        let found = run_in(text, &["Dockerfile", ".env", "package.json", ".npmrc"]);
        assert_eq!(spans(text, &found), ["."]);
        assert_eq!(
            found[0].message,
            "`COPY .` copies secret files into the image (`.env`, `.npmrc`); exclude them in \
             `.dockerignore`."
        );
        let fix = &found[0].fixes[0];
        assert_eq!(fix.title, "Add `.env`, `.npmrc` to `.dockerignore`");
        assert_eq!(fix.safety, FixSafety::Unsafe);
        assert_eq!(
            fix.file_edits,
            [FileEdit {
                path: ".dockerignore".into(),
                change: FileChange::Create(vec![".env".into(), ".npmrc".into()]),
            }]
        );
        assert!(run_in(text, &["Dockerfile", ".env.example", "package.json"]).is_empty());
        let text =
            "FROM node:20 AS build\nCOPY . .\nFROM node:20-slim\nCOPY --from=build /app /app\n";
        assert!(run_in(text, &["Dockerfile", ".env"]).is_empty());
    }

    #[test]
    fn broad_copies_search_the_whole_context() {
        let text = "FROM python:3.12-slim\nWORKDIR /srv\nCOPY ./ ./\n";
        let files = [
            ("Dockerfile", text),
            ("app/main.py", ""),
            ("config/prod/.env.production", "X=1"),
            ("deploy/keys/id_ed25519", "k"),
            ("deploy/keys/id_ed25519.pub", "k"),
            ("certs/ca-bundle.pem", "c"),
            ("node_modules/pkg/test/key.pem", "k"),
            (".git/config", ""),
            (".env.example", "X="),
        ];
        let found = run_with("Dockerfile", text, &files);
        assert_eq!(
            found[0].message,
            "`COPY ./` copies secret files into the image (`config/prod/.env.production`, \
             `deploy/keys/id_ed25519`); exclude them in `.dockerignore`."
        );
        // More than three: the message lists three.
        let many = [
            ("Dockerfile", text),
            ("a.pem", ""),
            ("b.key", ""),
            (".npmrc", ""),
            (".pypirc", ""),
        ];
        let found = run_with("Dockerfile", text, &many);
        assert!(
            found[0]
                .message
                .contains("(`.npmrc`, `.pypirc`, `a.pem`, …)")
        );
        assert_eq!(
            found[0].fixes[0].file_edits[0].change,
            FileChange::Create(vec![
                ".npmrc".into(),
                ".pypirc".into(),
                "a.pem".into(),
                "b.key".into()
            ])
        );
    }

    #[test]
    fn dockerignore_patterns_and_negations() {
        let text = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\n";
        let base = [
            ("Dockerfile", text),
            (".env", "A=1"),
            ("keys/server.key", "k"),
        ];
        let with = |ignore: &str| {
            let mut files = base.to_vec();
            files.push((".dockerignore", ignore));
            run_with("Dockerfile", text, &files)
        };
        assert!(with(".env\nkeys/\n").is_empty());
        assert!(with("*\n!src\n").is_empty());
        assert!(with("**/*.key\n.env*\n").is_empty());
        // Only some excluded: the rest is reported, and the fix extends the file.
        let found = with("node_modules\n.env\n");
        assert!(found[0].message.contains("(`keys/server.key`)"));
        assert_eq!(
            found[0].fixes[0].file_edits[0].change,
            FileChange::AppendLines(vec!["keys/server.key".into()])
        );
        // A later `!` line re-includes, also inside an excluded folder.
        let found = with("keys\n.env\n!keys/server.key\n");
        assert!(found[0].message.contains("(`keys/server.key`)"));
        // `<Dockerfile>.dockerignore` takes precedence over the context's file.
        let mut files = base.to_vec();
        files.push((".dockerignore", ".env\nkeys\n"));
        files.push(("Dockerfile.dockerignore", "node_modules\n"));
        let found = run_with("Dockerfile", text, &files);
        assert!(found[0].message.contains("(`.env`, `keys/server.key`)"));
        assert_eq!(
            found[0].fixes[0].file_edits[0].path,
            "Dockerfile.dockerignore"
        );
        // A Dockerfile in a subfolder built from there.
        let sub = [
            ("api/Dockerfile", text),
            ("api/.env", "A=1"),
            (".env", "A=1"),
        ];
        let found = run_with("api/Dockerfile", text, &sub);
        assert!(found[0].message.contains("(`.env`)"));
        assert_eq!(found[0].fixes[0].file_edits[0].path, "api/.dockerignore");
        // The fix adds what is missing; applied, nothing is left to report.
        let ignore = "node_modules\n";
        let after = FileEdit::apply_all(
            Some(ignore),
            [&with(ignore)[0].fixes[0].file_edits[0].change],
        )
        .unwrap();
        assert_eq!(after, "node_modules\n.env\nkeys/server.key\n");
        assert!(with(&after).is_empty());
    }

    #[test]
    fn hard_coded_credentials_in_run() {
        let text = "FROM python:3.12-slim\nRUN pip install \
                    git+https://deploy:ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex@github.com/acme/lib.git\n";
        let found = run(text);
        assert_eq!(
            spans(text, &found),
            ["ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex"]
        );
        assert_eq!(
            found[0].message,
            "Hard-coded GitHub token in a `RUN` instruction; it is stored in the image history."
        );
        assert_eq!(found[0].redact, vec![found[0].range.clone()]);
        assert!(found[0].fixes.is_empty());
        assert_no_leak(text, &found, "ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex");
        let text = "FROM node:20\nCOPY <<EOF /root/.npmrc\n\
                    //registry.npmjs.org/:_authToken=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\nEOF\n";
        let found = run(text);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`COPY`"));
    }

    #[test]
    fn run_near_misses() {
        for text in [
            "FROM node:20-slim\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
            "FROM node:20-slim\nRUN --mount=type=secret,id=gh,env=GH_TOKEN git clone https://x:${GH_TOKEN}@github.com/a/b\n",
            "FROM python:3.12\nRUN pip install psycopg && echo postgres://u:p@localhost/db\n",
            "FROM python:3.12\nRUN echo a \\\n# ghp_R8x2Lm4Qz7Tn1Vb5Kc9Wd3Yf6Hs0Ju2Pa4Ex\n  && b\n",
            "FROM scratch\nCOPY app /app\n",
        ] {
            assert!(run(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn whole_line_ranges() {
        let text = "A\n  B x\nC";
        assert_eq!(&text[whole_lines(text, 4..7)], "  B x\n");
        assert_eq!(&text[whole_lines(text, 8..9)], "C");
    }

    /// Found by fuzzing: the grammar ended the `ENV` node before the rest of its line, and the
    /// removal left that rest behind as a broken line.
    #[test]
    fn no_removal_of_an_env_line_the_grammar_did_not_understand() {
        let text =
            "FROM python:3.12-slim\nENV DATABASE_PASSWORD=hunter22T [\"/usr/bin/tini\", \"--\"]\n";
        let found = run(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].fixes.is_empty(), "{:?}", found[0].fixes);
    }

    /// Found by fuzzing: an `ARG` declared many times needed a fix round per declaration, each
    /// adding the same mount to the `RUN` again.
    #[test]
    fn a_repeated_arg_is_fixed_with_one_mount() {
        let mut text = String::from("FROM node:20-slim\n");
        for _ in 0..12 {
            text.push_str("ARG NPM_TOKEN\n");
        }
        text.push_str("RUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc\n");
        let once = fixed(&text, &run(&text), FixSafety::Unsafe);
        assert_eq!(once.matches("--mount=type=secret").count(), 1, "{once}");
        let twice = fixed(&once, &run(&once), FixSafety::Unsafe);
        assert_eq!(
            twice,
            "# syntax=docker/dockerfile:1.10\nFROM node:20-slim\n\
             RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN echo \
             \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc\n"
        );
    }

    /// Found by fuzzing: the grammar ended the `ARG` node before the rest of its line, and the
    /// secret-mount fix, which removes the instruction, left that rest behind.
    #[test]
    fn no_secret_mount_for_an_arg_line_the_grammar_did_not_understand() {
        let text = "FROM python:3.12-slim\nARG github_token[\"/docker-entrypoint.sh\"]\n\
                    CMD uvicorn app.main:app\n";
        let found = run(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].fixes.is_empty(), "{:?}", found[0].fixes);
        let text = "FROM python:3.12-slim\nARG github_token\nCMD uvicorn app.main:app\n";
        let found = run(text);
        assert_eq!(found[0].fixes.len(), 1, "{found:?}");
    }
}
