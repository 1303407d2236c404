//! Manifests (RULES.md §6.2): what `package.json`, `pyproject.toml` and `requirements*.txt` say
//! about a project's dependencies, scripts and entry points.

use super::ProjectInfo;
use std::collections::BTreeSet;

/// File names that mark a project root (RULES.md §6.1).
pub const MARKERS: &[&str] = &[
    "package.json",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "requirements.txt",
];

/// Whether a file name is a manifest Preflight reads facts from.
pub fn is_manifest(name: &str) -> bool {
    MARKERS.contains(&name) || (name.starts_with("requirements") && name.ends_with(".txt"))
}

/// npm scripts that run the service itself: files they name are never scripts.
fn is_service_script(name: &str) -> bool {
    matches!(
        name,
        "start" | "serve" | "dev" | "watch" | "debug" | "preview"
    ) || name.starts_with("start:")
        || name.starts_with("dev:")
}

/// Extensions of files a script command may name.
const SOURCE_EXTENSIONS: &[&str] = &[
    ".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", ".py",
];

/// Joins a path named in a manifest onto the project root, `/`-separated and normalised.
fn join(root: &str, path: &str) -> Option<String> {
    super::normalize_relative(&format!("{root}/{path}"))
}

/// Reads a manifest into `info`. Returns a warning for malformed content; a malformed manifest
/// contributes nothing.
pub fn read_manifest(info: &mut ProjectInfo, name: &str, text: &str) -> Result<(), String> {
    match name {
        "package.json" => read_package_json(info, text),
        "pyproject.toml" => read_pyproject(info, text),
        _ if name.starts_with("requirements") && name.ends_with(".txt") => {
            read_requirements(&mut info.python_dependencies, text);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn read_package_json(info: &mut ProjectInfo, text: &str) -> Result<(), String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("invalid JSON: {error}"))?;
    for table in [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ] {
        if let Some(map) = json.get(table).and_then(|v| v.as_object()) {
            info.npm_dependencies.extend(map.keys().cloned());
        }
    }
    let root = info.root.clone();
    match json.get("bin") {
        Some(serde_json::Value::String(path)) => info.script_files.extend(join(&root, path)),
        Some(serde_json::Value::Object(map)) => {
            for path in map.values().filter_map(|v| v.as_str()) {
                info.script_files.extend(join(&root, path));
            }
        }
        _ => {}
    }
    if let Some(main) = json.get("main").and_then(|v| v.as_str()) {
        info.service_files.extend(join(&root, main));
    }
    if let Some(scripts) = json.get("scripts").and_then(|v| v.as_object()) {
        for (name, command) in scripts {
            let Some(command) = command.as_str() else {
                continue;
            };
            let files = command
                .split(|c: char| c.is_whitespace() || matches!(c, '&' | '|' | ';' | '"' | '\''))
                .filter(|token| SOURCE_EXTENSIONS.iter().any(|ext| token.ends_with(ext)))
                .filter(|token| !token.starts_with('-'))
                .filter_map(|token| join(&root, token));
            if is_service_script(name) {
                info.service_files.extend(files);
            } else {
                info.script_files.extend(files);
            }
        }
    }
    Ok(())
}

fn read_pyproject(info: &mut ProjectInfo, text: &str) -> Result<(), String> {
    let toml: toml::Table = text
        .parse()
        .map_err(|error: toml::de::Error| format!("invalid TOML: {}", error.message()))?;
    let project = toml.get("project").and_then(|v| v.as_table());
    let poetry = toml
        .get("tool")
        .and_then(|v| v.get("poetry"))
        .and_then(|v| v.as_table());
    if let Some(deps) = project
        .and_then(|p| p.get("dependencies"))
        .and_then(|v| v.as_array())
    {
        for dep in deps.iter().filter_map(|d| d.as_str()) {
            info.python_dependencies.extend(requirement_name(dep));
        }
    }
    if let Some(optional) = project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(|v| v.as_table())
    {
        for dep in optional
            .values()
            .filter_map(|v| v.as_array())
            .flatten()
            .filter_map(|d| d.as_str())
        {
            info.python_dependencies.extend(requirement_name(dep));
        }
    }
    if let Some(deps) = poetry
        .and_then(|p| p.get("dependencies"))
        .and_then(|v| v.as_table())
    {
        info.python_dependencies.extend(
            deps.keys()
                .filter(|k| *k != "python")
                .map(|k| normalise_python_name(k)),
        );
    }
    let scripts = [
        project.and_then(|p| p.get("scripts")),
        poetry.and_then(|p| p.get("scripts")),
    ];
    let root = info.root.clone();
    for table in scripts.into_iter().flatten().filter_map(|v| v.as_table()) {
        for entry in table.values().filter_map(|v| v.as_str()) {
            let module = entry.split(':').next().unwrap_or(entry).trim();
            let relative = module.replace('.', "/");
            for candidate in [format!("{relative}.py"), format!("src/{relative}.py")] {
                info.script_files.extend(join(&root, &candidate));
            }
        }
    }
    Ok(())
}

fn read_requirements(names: &mut BTreeSet<String>, text: &str) {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty()
            || line.starts_with('#')
            || line.starts_with("-r")
            || line.starts_with("-c")
        {
            continue;
        }
        if let Some(egg) = line.split("#egg=").nth(1) {
            names.extend(requirement_name(egg));
        } else if !line.starts_with('-') {
            names.extend(requirement_name(line));
        }
    }
}

/// The distribution name of a requirement such as `fastapi[all]>=0.110; python_version>"3.8"`.
fn requirement_name(requirement: &str) -> Option<String> {
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = &requirement[..end];
    (!name.is_empty()).then(|| normalise_python_name(name))
}

/// PEP 503: lower-case, runs of `-`, `_`, `.` become one `-`.
pub fn normalise_python_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(ch.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_package_json() {
        let mut info = ProjectInfo {
            root: "api".into(),
            ..ProjectInfo::default()
        };
        let text = r#"{"main": "dist/main.js", "bin": {"tool": "./bin/tool.js"},
            "dependencies": {"express": "^4"}, "devDependencies": {"jest": "29"},
            "scripts": {"start": "node dist/main.js", "seed": "ts-node prisma/seed.ts && echo ok",
                        "dev:api": "nodemon src/server.ts"}}"#;
        read_manifest(&mut info, "package.json", text).unwrap();
        assert!(info.npm_dependencies.contains("express"));
        assert!(info.npm_dependencies.contains("jest"));
        assert!(info.is_script_file("api/bin/tool.js"));
        assert!(info.is_script_file("api/prisma/seed.ts"));
        assert!(info.is_service_file("api/dist/main.js"));
        assert!(info.is_service_file("api/src/server.ts"));
        assert!(!info.is_script_file("api/src/server.ts"));
    }

    #[test]
    fn reports_malformed_manifests() {
        let mut info = ProjectInfo::default();
        assert!(read_manifest(&mut info, "package.json", "{").is_err());
        assert!(read_manifest(&mut info, "pyproject.toml", "[project").is_err());
        assert_eq!(info, ProjectInfo::default());
    }

    #[test]
    fn reads_python_manifests() {
        let mut info = ProjectInfo::default();
        let pyproject = "[project]\nname='x'\ndependencies=['FastAPI[all]>=0.1', 'python_dotenv']\n\
                         [project.scripts]\nx-cli = 'x.cli:main'\n";
        read_manifest(&mut info, "pyproject.toml", pyproject).unwrap();
        read_manifest(
            &mut info,
            "requirements.txt",
            "# c\nFlask==3.0\n-r base.txt\n-e git+https://h/x.git#egg=My_Pkg\n",
        )
        .unwrap();
        let deps: Vec<_> = info
            .python_dependencies
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(deps, ["fastapi", "flask", "my-pkg", "python-dotenv"]);
        assert!(info.is_script_file("x/cli.py"));
        assert!(info.is_script_file("src/x/cli.py"));
    }
}
