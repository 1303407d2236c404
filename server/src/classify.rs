//! Which files are analysed, and in what role (RULES.md §2). Paths are relative to the scanned
//! root (or workspace folder), `/`-separated, so a project kept under `examples/x/` is analysed
//! as a project when `examples/x` is what was named.

use crate::engine::SourceFile;
use crate::lang::Bindings;
use crate::project::ProjectInfo;
use preflight_grammars::{Language, LanguageFamily};
use tree_sitter::Node;

/// Why a file is not analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Under a folder that is never analysed (`node_modules`, `dist`, `.venv`, …).
    ExcludedFolder,
    /// A test, fixture or test-tool configuration file.
    Test,
    /// Generated code: protobuf output, declaration files, migrations.
    Generated,
    /// Minified or bundled code.
    Minified,
    /// A Dockerfile for development or CI, not production.
    NonProductionDockerfile,
}

impl Skip {
    pub fn reason(self) -> &'static str {
        match self {
            Self::ExcludedFolder => "in an excluded folder",
            Self::Test => "a test file",
            Self::Generated => "generated code",
            Self::Minified => "minified or bundled code",
            Self::NonProductionDockerfile => "a development Dockerfile",
        }
    }
}

/// Folder names never descended into (RULES.md §2.2, 1).
const EXCLUDED_FOLDERS: &[&str] = &[
    "node_modules",
    "bower_components",
    "jspm_packages",
    ".pnpm-store",
    ".yarn",
    "dist",
    "build",
    "built",
    "out",
    ".next",
    ".nuxt",
    ".output",
    ".svelte-kit",
    ".astro",
    ".vercel",
    ".netlify",
    ".turbo",
    ".docusaurus",
    ".expo",
    ".angular",
    "storybook-static",
    "coverage",
    ".nyc_output",
    "htmlcov",
    ".cache",
    ".parcel-cache",
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".venv",
    "venv",
    "virtualenv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".eggs",
    "site-packages",
    "target",
    "vendor",
    "third_party",
    "third-party",
    ".terraform",
    ".serverless",
    ".aws-sam",
    "cdk.out",
    "generated",
    "__generated__",
    "codegen",
    ".devcontainer",
    "docs",
    "doc",
    "docs_src",
    "examples",
    "example",
    "samples",
];

/// Folder names that hold tests (RULES.md §2.3).
const TEST_FOLDERS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "__test__",
    "spec",
    "specs",
    "e2e",
    "cypress",
    "playwright",
    "__mocks__",
    "mocks",
    "fixtures",
    "__fixtures__",
    "testdata",
    "test-data",
    "test_data",
    "__snapshots__",
];

/// Folder names that hold scripts (RULES.md §2.4).
const SCRIPT_FOLDERS: &[&str] = &[
    "scripts",
    "script",
    "bin",
    "tools",
    "tooling",
    "cli",
    "hack",
    "seeds",
    "seeders",
    "migrations",
];

/// Whether a walk should skip a folder of this name. (A folder holding `pyvenv.cfg` is a
/// virtualenv under any name; the walker checks that on disk.)
pub fn is_excluded_folder(name: &str) -> bool {
    EXCLUDED_FOLDERS.contains(&name) || name.ends_with(".egg-info")
}

fn folders(path: &str) -> impl Iterator<Item = &str> {
    let mut segments: Vec<&str> = path.split('/').collect();
    segments.pop();
    segments.into_iter().filter(|s| !s.is_empty() && *s != ".")
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Classifies a file by its path alone. `None`: analyse it.
pub fn skip_by_path(path: &str, language: Language) -> Option<Skip> {
    if folders(path).any(is_excluded_folder) {
        return Some(Skip::ExcludedFolder);
    }
    let name = file_name(path);
    if language == Language::Dockerfile {
        return is_non_production_dockerfile(name).then_some(Skip::NonProductionDockerfile);
    }
    if folders(path).any(|folder| TEST_FOLDERS.contains(&folder))
        || is_test_file_name(name, language)
    {
        return Some(Skip::Test);
    }
    if is_generated_file_name(name) {
        return Some(Skip::Generated);
    }
    if is_minified_file_name(name) {
        return Some(Skip::Minified);
    }
    None
}

/// Classifies a file by its first bytes: generated headers and minified lines.
pub fn skip_by_content(text: &str, language: Language) -> Option<Skip> {
    if language == Language::Dockerfile {
        return None;
    }
    if has_generated_header(text) {
        return Some(Skip::Generated);
    }
    let head = &text[..crate::position::floor_char_boundary(text, 8 * 1024)];
    if head.lines().any(|line| line.len() > 1000) {
        return Some(Skip::Minified);
    }
    None
}

fn is_test_file_name(name: &str, language: Language) -> bool {
    match language.family() {
        LanguageFamily::Python => {
            (name.starts_with("test_") && name.ends_with(".py"))
                || name.ends_with("_test.py")
                || name == "tests.py"
                || name == "conftest.py"
        }
        LanguageFamily::Ecma => {
            let parts: Vec<&str> = name.split('.').collect();
            let inner = if parts.len() > 2 {
                &parts[1..parts.len() - 1]
            } else {
                &[][..]
            };
            let stem = parts[0];
            inner.iter().any(|part| {
                matches!(
                    *part,
                    "test" | "spec" | "e2e-spec" | "e2e" | "cy" | "stories" | "story"
                )
            }) || (parts.len() > 1
                && matches!(
                    stem,
                    "jest" | "vitest" | "playwright" | "cypress" | "karma" | "setupTests"
                )
                && (stem == "setupTests"
                    || matches!(parts.get(1).copied(), Some("config" | "setup" | "conf"))))
        }
        LanguageFamily::Dockerfile => false,
    }
}

fn is_generated_file_name(name: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        ".d.ts",
        ".d.mts",
        ".d.cts",
        "_pb2.py",
        "_pb2_grpc.py",
        "_pb.js",
        "_pb.d.ts",
        "_grpc_pb.js",
        ".pb.ts",
    ];
    SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
        || name
            .split('.')
            .skip(1)
            .any(|part| part == "generated" || part == "gen")
            && name.matches('.').count() >= 2
}

fn is_minified_file_name(name: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        ".min.js",
        ".min.mjs",
        ".min.cjs",
        "-min.js",
        ".bundle.js",
        ".chunk.js",
    ];
    SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

fn has_generated_header(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "@generated",
        "do not edit",
        "code generated",
        "auto-generated",
        "autogenerated",
        "automatically generated",
        "generated by django",
        "generated by the protocol buffer compiler",
    ];
    text.lines().take(5).any(|line| {
        let trimmed = line.trim_start();
        let is_comment = ["//", "/*", "*", "#"]
            .iter()
            .any(|m| trimmed.starts_with(m));
        is_comment && {
            let lower = trimmed.to_ascii_lowercase();
            MARKERS.iter().any(|marker| lower.contains(marker))
        }
    })
}

/// `Dockerfile.dev`, `dev.Dockerfile`, `Dockerfile.test`, … (RULES.md §2.2, 5).
pub fn is_non_production_dockerfile(name: &str) -> bool {
    name.split(['.', '-', '_']).any(|part| {
        matches!(
            part.to_ascii_lowercase().as_str(),
            "dev" | "development" | "local" | "test" | "ci" | "debug"
        )
    })
}

const PY_CLI_MODULES: &[&str] = &[
    "argparse", "click", "typer", "fire", "docopt", "optparse", "getopt",
];
const JS_CLI_MODULES: &[&str] = &[
    "commander",
    "yargs",
    "yargs/helpers",
    "meow",
    "cac",
    "@oclif/core",
    "minimist",
    "mri",
    "arg",
    "sade",
    "clipanion",
    "citty",
];

/// Whether a file is a script or command-line tool (RULES.md §2.4).
pub fn is_script(
    file: &SourceFile<'_>,
    root: Node<'_>,
    bindings: &Bindings,
    project: &ProjectInfo,
) -> bool {
    let path = file.path;
    if file.declared_script {
        return true;
    }
    if project.is_service_file(path) {
        return false;
    }
    if project.is_script_file(path) {
        return true;
    }
    if folders(path).any(|folder| SCRIPT_FOLDERS.contains(&folder))
        || path.contains("management/commands/")
    {
        return true;
    }
    let name = file_name(path);
    if is_script_file_name(name) {
        return true;
    }
    match file.language.family() {
        LanguageFamily::Python => {
            file.text.starts_with("#!")
                || PY_CLI_MODULES
                    .iter()
                    .any(|module| bindings.imports_module(module))
        }
        LanguageFamily::Ecma => {
            root.named_child(0)
                .is_some_and(|first| first.kind() == "hash_bang_line")
                || JS_CLI_MODULES
                    .iter()
                    .any(|module| bindings.imports_module(module))
                || bindings
                    .get("parseArgs")
                    .is_some_and(|t| t == "util#parseArgs")
                || file.text.contains("process.argv")
        }
        LanguageFamily::Dockerfile => false,
    }
}

fn is_script_file_name(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "manage.py",
        "setup.py",
        "noxfile.py",
        "fabfile.py",
        "tasks.py",
        "dodo.py",
        "__main__.py",
        "cli.py",
        "cli.ts",
        "cli.js",
        "cli.mjs",
        "seed.ts",
        "seed.js",
        "seed.py",
        "Gruntfile.js",
    ];
    if NAMES.contains(&name) || name.starts_with("gulpfile.") {
        return true;
    }
    let parts: Vec<&str> = name.split('.').collect();
    let last = parts.last().copied().unwrap_or("");
    if parts.len() >= 3
        && parts[parts.len() - 2] == "config"
        && matches!(last, "js" | "cjs" | "mjs" | "ts" | "mts" | "cts")
    {
        return true;
    }
    // `.eslintrc.js`, `.babelrc.cjs`
    name.starts_with('.')
        && parts.len() == 3
        && parts[1].ends_with("rc")
        && matches!(last, "js" | "cjs")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(path: &str) -> Option<Skip> {
        let language = Language::from_file_name(file_name(path)).unwrap();
        skip_by_path(path, language)
    }

    #[test]
    fn classifies_paths() {
        assert_eq!(skip("src/main.ts"), None);
        assert_eq!(skip("node_modules/x/index.js"), Some(Skip::ExcludedFolder));
        assert_eq!(skip("pkg.egg-info/x.py"), Some(Skip::ExcludedFolder));
        assert_eq!(skip("src/users.service.spec.ts"), Some(Skip::Test));
        assert_eq!(skip("src/a.e2e-spec.ts"), Some(Skip::Test));
        assert_eq!(skip("jest.config.js"), Some(Skip::Test));
        assert_eq!(skip("src/setupTests.ts"), Some(Skip::Test));
        assert_eq!(skip("tests/helpers.py"), Some(Skip::Test));
        assert_eq!(skip("app/test_api.py"), Some(Skip::Test));
        assert_eq!(skip("app/api_test.py"), Some(Skip::Test));
        assert_eq!(skip("app/conftest.py"), Some(Skip::Test));
        assert_eq!(skip("app/contest.py"), None);
        assert_eq!(skip("src/testing.ts"), None);
        assert_eq!(skip("src/types.d.ts"), Some(Skip::Generated));
        assert_eq!(skip("src/api.generated.ts"), Some(Skip::Generated));
        assert_eq!(skip("proto/x_pb2.py"), Some(Skip::Generated));
        assert_eq!(skip("public/app.min.js"), Some(Skip::Minified));
        assert_eq!(skip("Dockerfile"), None);
        assert_eq!(skip("Dockerfile.dev"), Some(Skip::NonProductionDockerfile));
        assert_eq!(skip("dev.Dockerfile"), Some(Skip::NonProductionDockerfile));
        assert_eq!(skip("Dockerfile.prod"), None);
        assert_eq!(skip(".devcontainer/Dockerfile"), Some(Skip::ExcludedFolder));
    }

    #[test]
    fn classifies_content() {
        assert_eq!(
            skip_by_content(
                "// Code generated by protoc. DO NOT EDIT.\nx",
                Language::TypeScript
            ),
            Some(Skip::Generated)
        );
        assert_eq!(
            skip_by_content(
                "# Generated by Django 5.0 on 2024-01-01\n",
                Language::Python
            ),
            Some(Skip::Generated)
        );
        let long = format!("var a={};\n", "1".repeat(2000));
        assert_eq!(
            skip_by_content(&long, Language::JavaScript),
            Some(Skip::Minified)
        );
        assert_eq!(
            skip_by_content(
                "const generated = 1; // do not edit? fine",
                Language::TypeScript
            ),
            None
        );
    }

    #[test]
    fn recognises_script_names() {
        for name in [
            "manage.py",
            "cli.ts",
            "vite.config.ts",
            "webpack.config.js",
            ".eslintrc.js",
            "gulpfile.js",
        ] {
            assert!(is_script_file_name(name), "{name}");
        }
        for name in ["main.ts", "config.ts", "app.config.json", "rc.js"] {
            assert!(!is_script_file_name(name), "{name}");
        }
    }
}
