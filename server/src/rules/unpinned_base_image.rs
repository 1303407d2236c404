use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::docker::{DockerContext, Stage};
use preflight_grammars::LanguageFamily;

declare_rule! {
    /// ## What it does
    /// Checks the base image of every `FROM` (in every stage) for a version pin: it reports an
    /// image without a tag (implicitly `latest`) or with the `latest` tag, and — at info level —
    /// a floating tag without any version number (`node:lts-alpine`, `python:slim`).
    ///
    /// `FROM scratch`, `FROM <earlier stage>`, images pinned by digest (`@sha256:…`) and `FROM`
    /// lines whose `ARG` has no default (the tag is chosen at build time) are not reported.
    /// `debian` and `ubuntu` codename tags (`bookworm`, `jammy`) pin a release and are fine.
    ///
    /// ## Why is this bad?
    /// A rebuild silently picks up whatever the tag points to that day: a new major version of
    /// the runtime, a different libc, removed packages. Builds stop being reproducible, and
    /// rolling back to an older commit no longer gives back the image that ran before.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node
    /// FROM python:latest AS build
    /// FROM node:lts-alpine
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// FROM node:20.11-alpine
    /// FROM python:3.12-slim AS build
    /// FROM node@sha256:4d2191666712a2e2b3a5a1f1b1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1
    /// ```
    ///
    /// ## Fix safety
    /// When another `FROM` of the same file uses the same image with a version tag or digest,
    /// the fix reuses that pin. It is **unsafe**: it changes the image the stage is built on.
    /// Otherwise there is no fix — the right version is a human decision.
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: unpinned-base-image` on the line above the `FROM`, or set
    /// `unpinned-base-image = "off"` under `[rules]` in `preflight.toml`.
    pub static RULE = Rule {
        id: "unpinned-base-image",
        summary: "Base images without a version tag or digest",
        category: Category::Deployment,
        severity: Severity::Warning,
        languages: &[LanguageFamily::Dockerfile],
        fix: FixAvailability::Unsafe,
        check: Check::Dockerfile(check),
    };
}

/// How a base image reference fails to pin a version.
enum Unpinned {
    ImplicitLatest,
    LatestTag,
    Floating(String),
}

fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
    let text = docker.text();
    for stage in docker.stages() {
        let Some(spec) = stage.image.spec else {
            continue;
        };
        if spec.has_error() || stage.from.has_error() {
            continue;
        }
        let Some(name) = external_image(docker, stage) else {
            continue;
        };
        let Some(problem) = unpinned(name, &stage.image.tag, &stage.image.digest) else {
            continue;
        };
        let why = match &problem {
            Unpinned::ImplicitLatest => "implicit `latest`".to_string(),
            Unpinned::LatestTag => "`latest` tag".to_string(),
            Unpinned::Floating(tag) => format!("floating tag `{tag}`"),
        };
        let mut finding = RULE.finding(
            spec.byte_range(),
            format!("Base image `{name}` is not pinned ({why}); pin a version tag or digest."),
        );
        if let Unpinned::Floating(_) = problem {
            finding = finding.with_severity(Severity::Info);
        }
        // Rewriting a spec built from `ARG`s would bypass them.
        let written = &text[spec.byte_range()];
        if !written.contains('$')
            && let Some(pin) = pinned_elsewhere(docker, stage, name)
        {
            let replacement = &text[pin.byte_range()];
            let line = text[..pin.start_byte()].matches('\n').count() + 1;
            finding = finding.with_fix(Fix::unsafe_(
                format!("Use `{replacement}` as on line {line}"),
                vec![Edit::replace(spec.byte_range(), replacement)],
            ));
        }
        out.push(finding);
    }
}

/// The resolved image name of a stage built on an external image; `None` for `scratch`, an
/// earlier stage, or a reference that does not resolve.
fn external_image<'s>(docker: &DockerContext<'_>, stage: &'s Stage<'_>) -> Option<&'s str> {
    let name = stage.image.name.as_deref()?;
    if name.eq_ignore_ascii_case("scratch") {
        return None;
    }
    // RULES: an image name equal to an earlier alias names that stage, whatever its tag.
    let earlier_alias = docker.stages()[..stage.index].iter().any(|s| {
        s.alias
            .as_deref()
            .is_some_and(|alias| alias.eq_ignore_ascii_case(name))
    });
    (!earlier_alias).then_some(name)
}

fn unpinned(name: &str, tag: &Option<String>, digest: &Option<String>) -> Option<Unpinned> {
    if digest.is_some() {
        return None;
    }
    let Some(tag) = tag else {
        return Some(Unpinned::ImplicitLatest);
    };
    if tag.eq_ignore_ascii_case("latest") {
        return Some(Unpinned::LatestTag);
    }
    let has_digit = tag.bytes().any(|b| b.is_ascii_digit());
    let codenames = matches!(last_segment(name), "debian" | "ubuntu");
    // Images versioned by name (`gcr.io/distroless/nodejs20-debian12:nonroot`) use tags for
    // variants.
    let versioned_name = last_segment(name).bytes().any(|b| b.is_ascii_digit());
    (!has_digit && !codenames && !versioned_name).then(|| Unpinned::Floating(tag.clone()))
}

/// `docker.io/library/node` → `node`.
fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The `image_spec` of another `FROM` of the same image that pins a version (a digest, or a tag
/// with a digit), nearest first before `stage`, then after it.
fn pinned_elsewhere<'a>(
    docker: &DockerContext<'a>,
    stage: &Stage<'a>,
    name: &str,
) -> Option<tree_sitter::Node<'a>> {
    docker
        .stages()
        .iter()
        .filter(|other| other.index != stage.index)
        .filter(|other| other.image.name.as_deref() == Some(name))
        .filter(|other| other.image.spec.is_some_and(|s| !s.has_error()))
        .find(|other| {
            other.image.digest.is_some()
                || other
                    .image
                    .tag
                    .as_deref()
                    .is_some_and(|t| t.bytes().any(|b| b.is_ascii_digit()))
        })
        .and_then(|other| other.image.spec)
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{FixSafety, Severity};
    use crate::engine::Engine;
    use crate::rules::testing::{check, fixed, spans};
    use preflight_grammars::Language;

    const ID: &str = "unpinned-base-image";

    fn run(text: &str) -> Vec<crate::diagnostic::Finding> {
        check(ID, "Dockerfile", text)
    }

    #[test]
    fn untagged_and_latest_are_warnings() {
        let text = "FROM node\nCMD [\"node\", \"index.js\"]\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["node"]);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].message,
            "Base image `node` is not pinned (implicit `latest`); pin a version tag or digest."
        );
        let text = "FROM python:latest AS build\nFROM python:3.12-slim\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["python:latest"]);
        assert!(found[0].message.contains("(`latest` tag)"));
        let text = "FROM docker.io/library/Node:LATEST\n";
        assert_eq!(run(text).len(), 1);
    }

    #[test]
    fn floating_tags_are_info() {
        let text = "FROM node:lts-alpine\n";
        let found = run(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
        assert_eq!(
            found[0].message,
            "Base image `node` is not pinned (floating tag `lts-alpine`); pin a version tag or \
             digest."
        );
        assert_eq!(run("FROM python:slim\n").len(), 1);
        // Codenames pin a release; so does a version in the image name.
        assert!(run("FROM ubuntu:jammy\nFROM debian:bookworm-slim\n").is_empty());
        assert!(run("FROM gcr.io/distroless/nodejs20-debian12:nonroot\n").is_empty());
        assert_eq!(run("FROM gcr.io/distroless/static-debian12\n").len(), 1);
        assert_eq!(
            run("FROM gcr.io/distroless/static-debian12:latest\n").len(),
            1
        );
    }

    #[test]
    fn arg_resolution() {
        let text = "ARG BASE=node:latest\nFROM ${BASE}\n";
        let found = run(text);
        assert_eq!(spans(text, &found), ["${BASE}"]);
        assert!(found[0].message.contains("`node`"));
        assert!(found[0].fixes.is_empty());
        // A global ARG without default: the image is chosen at build time.
        assert!(run("ARG BASE\nFROM $BASE\n").is_empty());
        assert!(run("ARG V=20\nFROM node:${V}-alpine\n").is_empty());
        assert_eq!(run("ARG V=lts\nFROM node:${V}\n").len(), 1);
        assert!(run("ARG V\nFROM node:${V}\n").is_empty());
    }

    #[test]
    fn stages_scratch_and_digests_are_fine() {
        assert!(run("FROM node:20.11-alpine AS build\nFROM build\n").is_empty());
        assert!(run("FROM node:20 AS Build\nFROM build\n").is_empty());
        assert!(run("FROM scratch\nCOPY app /app\n").is_empty());
        assert!(
            run("FROM python@sha256:4d2191666712a2e2b3a5a1f1b1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1\n")
                .is_empty()
        );
        assert!(
            run("FROM node:lts@sha256:4d2191666712a2e2b3a5a1f1b1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1\n")
                .is_empty()
        );
        assert!(run("FROM --platform=$BUILDPLATFORM node:20 AS b\nFROM b\n").is_empty());
        // A name that only matches a later alias is an image.
        assert_eq!(run("FROM app\nFROM node:20 AS app\n").len(), 1);
    }

    #[test]
    fn reuses_a_pin_from_the_same_file() {
        let text = "FROM python:latest AS build\nRUN pip wheel .\nFROM python:3.12-slim\n";
        let found = run(text);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].fixes[0].title,
            "Use `python:3.12-slim` as on line 3"
        );
        assert_eq!(found[0].fixes[0].safety, FixSafety::Unsafe);
        let after = fixed(text, &found, FixSafety::Unsafe);
        assert_eq!(
            after,
            "FROM python:3.12-slim AS build\nRUN pip wheel .\nFROM python:3.12-slim\n"
        );
        let tree = Engine::with_rules(Vec::new()).parse(Language::Dockerfile, &after, None);
        assert!(!tree.root_node().has_error());
        assert!(run(&after).is_empty());
        // Not offered at the safe level, nor from a floating tag or another image.
        assert_eq!(fixed(text, &found, FixSafety::Safe), text);
        let found = run("FROM node:lts AS a\nFROM node\n");
        assert!(found.iter().all(|f| f.fixes.is_empty()));
        let found = run("FROM node:20 AS a\nFROM nodejs\n");
        assert!(found[0].fixes.is_empty());
    }
}
