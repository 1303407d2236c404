//! Compose files (RULES.md §6.2): `compose.yaml`, `docker-compose.yml`,
//! `docker-compose.prod.yml`, … in a project root or its ancestors. They are fact sources, not
//! analysed files: a service's `build` sets the build context of the Dockerfile it names, and its
//! `environment` keys document variables for `env-not-documented`.
//!
//! Compose files are read through the [`FileSystem`], so an editor's unsaved buffer counts. A
//! file that is not valid YAML, or that is hostile (an alias bomb, absurd nesting), is ignored.

use super::FileSystem;
use saphyr_parser::{Event, Parser};
use std::collections::HashMap;

/// Compose files larger than this are not read.
const MAX_SIZE: usize = 1 << 20;
/// The deepest nesting of collections a compose file may have.
const MAX_DEPTH: usize = 64;
/// The most nodes a compose file may expand to, aliases included.
const MAX_NODES: usize = 100_000;

/// Whether a file name is a compose file: `compose.yaml`, `compose.yml`,
/// `docker-compose.yaml`, `docker-compose.yml`, and variants such as `docker-compose.prod.yml`
/// or `compose.override.yaml`.
pub fn is_compose_file(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))
    else {
        return false;
    };
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"));
    match rest {
        Some("") => true,
        Some(variant) => variant.len() > 1 && variant.starts_with('.'),
        None => false,
    }
}

/// What Preflight reads from one compose file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Compose {
    pub services: Vec<Service>,
}

/// One entry of `services`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    /// `build: ./dir` or `build: { context, dockerfile }`.
    pub build: Option<Build>,
    /// The names `environment` sets (`KEY=value`/`KEY` list items, or map keys).
    pub environment: Vec<String>,
}

/// A service's `build`, as written (relative to the compose file's folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// The build context; `.` when the map form leaves it out.
    pub context: String,
    /// The Dockerfile, relative to the context; `None` for the default `Dockerfile`.
    pub dockerfile: Option<String>,
}

/// Reads a compose file. `None` when it is not valid YAML, too large or too deeply nested, or
/// not a mapping.
pub fn parse(text: &str) -> Option<Compose> {
    if text.len() > MAX_SIZE {
        return None;
    }
    let root = load(text)?;
    let mut compose = Compose::default();
    let Some(services) = root.get("services") else {
        return Some(compose);
    };
    for (name, service) in services.entries() {
        let Some(name) = name.as_str() else { continue };
        let build = service.get("build").and_then(|build| match build {
            Node::Scalar(context) if !context.is_empty() => Some(Build {
                context: context.clone(),
                dockerfile: None,
            }),
            Node::Map(_) => Some(Build {
                context: build
                    .get("context")
                    .and_then(Node::as_str)
                    .filter(|c| !c.is_empty())
                    .unwrap_or(".")
                    .to_string(),
                dockerfile: build
                    .get("dockerfile")
                    .and_then(Node::as_str)
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
            }),
            _ => None,
        });
        let mut environment = Vec::new();
        match service.get("environment") {
            Some(Node::Seq(items)) => {
                for item in items {
                    if let Some(item) = item.as_str() {
                        let key = item.split_once('=').map_or(item, |(key, _)| key).trim();
                        environment.push(key.to_string());
                    }
                }
            }
            Some(map @ Node::Map(_)) => {
                for (key, _) in map.entries() {
                    if let Some(key) = key.as_str() {
                        environment.push(key.trim().to_string());
                    }
                }
            }
            _ => {}
        }
        let mut seen = std::collections::HashSet::new();
        environment.retain(|key| !key.is_empty() && seen.insert(key.clone()));
        compose.services.push(Service {
            name: name.to_string(),
            build,
            environment,
        });
    }
    Some(compose)
}

/// The compose files of a folder (`""` = the workspace root), in the order Docker Compose
/// prefers them: `compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml`,
/// then the variants alphabetically.
pub fn files_in(fs: &dyn FileSystem, dir: &str) -> Vec<String> {
    const PREFERRED: [&str; 4] = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
    ];
    let mut names: Vec<String> = fs
        .list_dir(dir)
        .into_iter()
        .filter(|name| is_compose_file(name))
        .collect();
    names.sort_by_key(|name| {
        let rank = PREFERRED.iter().position(|p| p == name).unwrap_or(4);
        (rank, name.clone())
    });
    names
        .into_iter()
        .map(|name| super::dotenv::join(dir, &name))
        .filter(|path| fs.is_file(path))
        .collect()
}

/// `dir` and its ancestors up to the workspace root, nearest first.
fn ancestors(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dir = dir.trim_matches('/').to_string();
    loop {
        out.push(dir.clone());
        if dir.is_empty() {
            return out;
        }
        dir = dir
            .rsplit_once('/')
            .map_or("", |(parent, _)| parent)
            .to_string();
    }
}

/// Every readable compose file from `dir` up to the workspace root (nearest folder first), with
/// its folder.
fn composes_from(fs: &dyn FileSystem, dir: &str) -> Vec<(String, Compose)> {
    let mut out = Vec::new();
    for folder in ancestors(dir) {
        for path in files_in(fs, &folder) {
            let Some(text) = fs.read_to_string(&path) else {
                continue;
            };
            match parse(&text) {
                Some(compose) => out.push((folder.clone(), compose)),
                None => tracing::debug!("{path}: not a readable compose file; ignored"),
            }
        }
    }
    out
}

/// A path written in a compose file, joined onto its folder: `None` for variables, URLs,
/// absolute paths and paths leaving the workspace.
fn resolve(dir: &str, path: &str) -> Option<String> {
    if path.contains('$') || path.contains("://") || path.starts_with('/') || path.contains('\\') {
        return None;
    }
    super::normalize_relative(&format!("{dir}/{path}"))
}

impl Build {
    /// The workspace-relative context folder and Dockerfile path, for a compose file in `dir`.
    fn resolve(&self, dir: &str) -> Option<(String, String)> {
        let context = resolve(dir, &self.context)?;
        let dockerfile = resolve(&context, self.dockerfile.as_deref().unwrap_or("Dockerfile"))?;
        Some((context, dockerfile))
    }
}

/// The build context (workspace-relative folder) a compose service gives the Dockerfile at
/// `dockerfile`: the first service naming it, in compose files from the Dockerfile's folder up
/// to the workspace root.
pub fn build_context(fs: &dyn FileSystem, dockerfile: &str) -> Option<String> {
    let dir = dockerfile.rsplit_once('/').map_or("", |(dir, _)| dir);
    composes_from(fs, dir)
        .into_iter()
        .find_map(|(folder, compose)| {
            compose.services.iter().find_map(|service| {
                let (context, path) = service.build.as_ref()?.resolve(&folder)?;
                (path == dockerfile).then_some(context)
            })
        })
}

/// The `environment` keys of compose services built from the project root `root`, in compose
/// files of the root and its ancestors.
pub fn environment_keys(fs: &dyn FileSystem, root: &str) -> Vec<String> {
    let root = root.trim_matches('/');
    let mut out: Vec<String> = Vec::new();
    for (folder, compose) in composes_from(fs, root) {
        for service in &compose.services {
            let builds_root = service
                .build
                .as_ref()
                .and_then(|build| build.resolve(&folder))
                .is_some_and(|(context, _)| context == root);
            if builds_root {
                for key in &service.environment {
                    if !out.contains(key) {
                        out.push(key.clone());
                    }
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// A bounded YAML tree.

/// A YAML value as far as compose files need it: scalars are strings (`null` is `""`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The pairs of a mapping, with those of merged mappings (`<<: *base`) after its own; a key
    /// set directly wins over a merged one. Empty for anything but a mapping.
    fn entries(&self) -> Vec<(&Node, &Node)> {
        let mut out: Vec<(&Node, &Node)> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut pending: Vec<&Node> = vec![self];
        while let Some(node) = pending.pop() {
            let Node::Map(pairs) = node else { continue };
            let mut merged: Vec<&Node> = Vec::new();
            for (key, value) in pairs {
                match key.as_str() {
                    Some("<<") => match value {
                        Node::Seq(items) => merged.extend(items.iter()),
                        other => merged.push(other),
                    },
                    Some(name) if !seen.insert(name) => {}
                    _ => out.push((key, value)),
                }
            }
            // Earlier merge sources win over later ones: push them last.
            pending.extend(merged.into_iter().rev());
        }
        out
    }

    fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .into_iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
}

/// A collection being read.
enum Open {
    Seq(Vec<Node>),
    /// Pairs so far and a key waiting for its value.
    Map(Vec<(Node, Node)>, Option<Node>),
}

struct Frame {
    open: Open,
    anchor: usize,
    /// Nodes and height of what it holds so far.
    size: usize,
    height: usize,
}

/// A complete node with the number of nodes it holds and its height.
struct Built {
    node: Node,
    size: usize,
    height: usize,
}

/// The first document of `text`, with aliases expanded within [`MAX_NODES`] and nesting within
/// [`MAX_DEPTH`]; `None` on any error.
fn load(text: &str) -> Option<Node> {
    let mut anchors: HashMap<usize, Built> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut nodes = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, _) = event.ok()?;
        let complete = match event {
            Event::Scalar(value, _, anchor, _) => {
                let built = Built {
                    node: Node::Scalar(value.into_owned()),
                    size: 1,
                    height: 0,
                };
                Some((built, anchor))
            }
            Event::Alias(id) => {
                let target = anchors.get(&id)?;
                if stack.len() + target.height > MAX_DEPTH || nodes + target.size > MAX_NODES {
                    return None;
                }
                Some((
                    Built {
                        node: target.node.clone(),
                        size: target.size,
                        height: target.height,
                    },
                    0,
                ))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                let open = match event {
                    Event::SequenceStart(..) => Open::Seq(Vec::new()),
                    _ => Open::Map(Vec::new(), None),
                };
                stack.push(Frame {
                    open,
                    anchor,
                    size: 1,
                    height: 1,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = stack.pop()?;
                let node = match frame.open {
                    Open::Seq(items) => Node::Seq(items),
                    // A key without a value is an error the parser reports first.
                    Open::Map(pairs, _) => Node::Map(pairs),
                };
                Some((
                    Built {
                        node,
                        size: frame.size,
                        height: frame.height,
                    },
                    frame.anchor,
                ))
            }
            Event::DocumentEnd => {
                // Only the first document counts.
                return None;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) => {
                None
            }
        };
        let Some((built, anchor)) = complete else {
            continue;
        };
        nodes = nodes.checked_add(built.size)?;
        if nodes > MAX_NODES {
            return None;
        }
        if anchor != 0 {
            // The anchor's copy counts against the budget too.
            nodes = nodes.checked_add(built.size)?;
            if nodes > MAX_NODES {
                return None;
            }
            anchors.insert(
                anchor,
                Built {
                    node: built.node.clone(),
                    size: built.size,
                    height: built.height,
                },
            );
        }
        let Some(parent) = stack.last_mut() else {
            return Some(built.node);
        };
        parent.size += built.size;
        parent.height = parent.height.max(built.height + 1);
        match &mut parent.open {
            Open::Seq(items) => items.push(built.node),
            Open::Map(pairs, key) => match key.take() {
                Some(key) => pairs.push((key, built.node)),
                None => *key = Some(built.node),
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::testing::MemoryFiles;

    #[test]
    fn compose_file_names() {
        for name in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.yaml",
            "docker-compose.prod.yml",
            "compose.override.yaml",
        ] {
            assert!(is_compose_file(name), "{name}");
        }
        for name in [
            "compose.json",
            "docker-compose",
            "docker-compose..yml",
            "my-compose.yml",
            "composer.yml",
            "docker-compose-prod.yml",
        ] {
            assert!(!is_compose_file(name), "{name}");
        }
    }

    #[test]
    fn services_builds_and_environment() {
        let text = "x-env: &common\n  LOG_LEVEL: info\n  SENTRY_DSN: ''\nservices:\n  api:\n    \
                    build:\n      context: ./api\n      dockerfile: docker/Dockerfile.prod\n    \
                    environment:\n      <<: *common\n      DATABASE_URL: postgres://db/app\n  \
                    worker:\n    build: ./worker\n    environment:\n      - QUEUE_URL=redis://q\n      \
                    - DEBUG\n  db:\n    image: postgres:16\n    environment: [POSTGRES_PASSWORD=x]\n";
        let compose = parse(text).unwrap();
        let summary: Vec<(&str, Option<&Build>, Vec<&str>)> = compose
            .services
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.build.as_ref(),
                    s.environment.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "api",
                    Some(&Build {
                        context: "./api".into(),
                        dockerfile: Some("docker/Dockerfile.prod".into())
                    }),
                    vec!["DATABASE_URL", "LOG_LEVEL", "SENTRY_DSN"]
                ),
                (
                    "worker",
                    Some(&Build {
                        context: "./worker".into(),
                        dockerfile: None
                    }),
                    vec!["QUEUE_URL", "DEBUG"]
                ),
                ("db", None, vec!["POSTGRES_PASSWORD"]),
            ]
        );
        // The map form without a context builds the compose file's folder.
        let text = "services:\n  web:\n    build:\n      dockerfile: web.Dockerfile\n";
        assert_eq!(
            parse(text).unwrap().services[0].build,
            Some(Build {
                context: ".".into(),
                dockerfile: Some("web.Dockerfile".into())
            })
        );
    }

    #[test]
    fn malformed_and_hostile_files_are_ignored() {
        for text in [
            "services: [unclosed\n",
            "services:\n  api:\n    build: ./a\n   bad: indentation\n",
            "key: *undefined\n",
            "services:\n  api: {build: ./a\n",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
        // Not a mapping, or no services: nothing to read, nothing broken.
        assert_eq!(parse("- a\n- b\n").unwrap().services, []);
        assert_eq!(parse("").map(|c| c.services), None);
        // An alias bomb expands past the node budget.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let previous = (b'a' + level - 1) as char;
            let name = (b'a' + level) as char;
            let refs = vec![format!("*{previous}"); 10].join(", ");
            bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        bomb.push_str("services: {}\n");
        assert_eq!(parse(&bomb), None);
        // Nesting deeper than any compose file is refused without exhausting the stack.
        let deep = format!("services: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse(&deep), None);
        let deep_block = format!("services:\n{}x\n", "- ".repeat(50_000));
        assert_eq!(parse(&deep_block), None);
    }

    #[test]
    fn build_contexts_from_the_dockerfile_folder_upwards() {
        let fs = MemoryFiles::new(&[
            (
                "compose.yaml",
                "services:\n  api:\n    build:\n      context: .\n      dockerfile: deploy/api.Dockerfile\n  \
                 web:\n    build: web\n",
            ),
            ("deploy/api.Dockerfile", ""),
            ("web/Dockerfile", ""),
            ("svc/docker-compose.yml", "services:\n  x:\n    build: ..\n"),
            ("svc/Dockerfile", ""),
            ("broken/docker-compose.yml", "services: [\n"),
            ("broken/Dockerfile", ""),
        ]);
        assert_eq!(
            build_context(&fs, "deploy/api.Dockerfile").as_deref(),
            Some("")
        );
        assert_eq!(build_context(&fs, "web/Dockerfile").as_deref(), Some("web"));
        // `svc/docker-compose.yml` builds `Dockerfile` (the root's) from the root.
        assert_eq!(build_context(&fs, "svc/Dockerfile"), None);
        assert_eq!(build_context(&fs, "broken/Dockerfile"), None);
        assert_eq!(build_context(&fs, "Dockerfile"), None);
    }

    #[test]
    fn environment_of_services_built_from_the_project_root() {
        let fs = MemoryFiles::new(&[
            (
                "docker-compose.yml",
                "services:\n  api:\n    build: ./apps/api\n    environment:\n      - REDIS_URL\n  \
                 web:\n    build: ./apps/web\n    environment: {NEXT_URL: x}\n",
            ),
            (
                "apps/api/compose.override.yaml",
                "services:\n  api:\n    build: .\n    environment: [SENTRY_DSN=]\n",
            ),
        ]);
        assert_eq!(
            environment_keys(&fs, "apps/api"),
            ["SENTRY_DSN", "REDIS_URL"]
        );
        assert_eq!(environment_keys(&fs, "apps/web"), ["NEXT_URL"]);
        assert!(environment_keys(&fs, "").is_empty());
    }
}
