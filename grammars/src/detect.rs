use std::path::Path;

/// A grammar Preflight parses with. JavaScript is parsed with the TSX grammar (JSX may appear in
/// `.js` files, and TypeScript-only syntax simply never occurs there), but it stays a language of
/// its own so that fixes can avoid emitting type annotations into JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    TypeScript,
    Tsx,
    JavaScript,
    Python,
    Dockerfile,
}

/// Languages that share rules and query files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LanguageFamily {
    /// TypeScript, TSX, JavaScript and JSX.
    Ecma,
    Python,
    Dockerfile,
}

impl LanguageFamily {
    pub const ALL: [LanguageFamily; 3] = [Self::Ecma, Self::Python, Self::Dockerfile];

    /// The folder of this family's query files under `grammars/queries/`.
    pub fn query_dir(self) -> &'static str {
        match self {
            Self::Ecma => "typescript",
            Self::Python => "python",
            Self::Dockerfile => "dockerfile",
        }
    }

    /// The grammars a query file of this family must compile against.
    pub fn languages(self) -> &'static [Language] {
        match self {
            Self::Ecma => &[Language::TypeScript, Language::Tsx],
            Self::Python => &[Language::Python],
            Self::Dockerfile => &[Language::Dockerfile],
        }
    }
}

impl Language {
    pub const ALL: [Language; 5] = [
        Self::TypeScript,
        Self::Tsx,
        Self::JavaScript,
        Self::Python,
        Self::Dockerfile,
    ];

    /// The language of a file, from its name alone; `None` for files Preflight does not parse.
    pub fn from_path(path: &Path) -> Option<Language> {
        let name = path.file_name()?.to_str()?;
        Self::from_file_name(name)
    }

    /// The language of a file name such as `main.ts` or `Dockerfile.prod`.
    pub fn from_file_name(name: &str) -> Option<Language> {
        if is_dockerfile_name(name) {
            return Some(Self::Dockerfile);
        }
        let (_, ext) = name.rsplit_once('.')?;
        match ext {
            "ts" | "mts" | "cts" => Some(Self::TypeScript),
            "tsx" => Some(Self::Tsx),
            "js" | "jsx" | "mjs" | "cjs" => Some(Self::JavaScript),
            "py" => Some(Self::Python),
            _ => None,
        }
    }

    /// The language of an editor document, from its LSP `languageId`.
    pub fn from_language_id(id: &str) -> Option<Language> {
        match id {
            "typescript" => Some(Self::TypeScript),
            "typescriptreact" => Some(Self::Tsx),
            "javascript" | "javascriptreact" => Some(Self::JavaScript),
            "python" => Some(Self::Python),
            "dockerfile" | "containerfile" => Some(Self::Dockerfile),
            _ => None,
        }
    }

    pub fn family(self) -> LanguageFamily {
        match self {
            Self::TypeScript | Self::Tsx | Self::JavaScript => LanguageFamily::Ecma,
            Self::Python => LanguageFamily::Python,
            Self::Dockerfile => LanguageFamily::Dockerfile,
        }
    }

    /// A short, stable name, as shown to users and used in JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Self::TypeScript => "typescript",
            Self::Tsx => "tsx",
            Self::JavaScript => "javascript",
            Self::Python => "python",
            Self::Dockerfile => "dockerfile",
        }
    }

    /// The grammar this language is parsed with.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Self::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Self::Tsx | Self::JavaScript => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Self::Python => tree_sitter_python::LANGUAGE.into(),
            Self::Dockerfile => tree_sitter_containerfile::LANGUAGE.into(),
        }
    }

    /// Languages that share one grammar share compiled queries too.
    pub fn grammar_key(self) -> Language {
        match self {
            Self::JavaScript => Self::Tsx,
            other => other,
        }
    }
}

/// `Dockerfile`, `Containerfile`, `Dockerfile.*`, `Containerfile.*`, `*.Dockerfile`,
/// `*.dockerfile`, `*.containerfile`.
fn is_dockerfile_name(name: &str) -> bool {
    const STEMS: [&str; 2] = ["Dockerfile", "Containerfile"];
    // `Dockerfile.dockerignore` is the ignore file of `Dockerfile`, not a Dockerfile.
    if name.ends_with(".dockerignore") {
        return false;
    }
    if STEMS.iter().any(|stem| {
        name == *stem
            || name
                .strip_prefix(stem)
                .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1)
    }) {
        return true;
    }
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && matches!(ext, "Dockerfile" | "dockerfile" | "containerfile")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_languages_from_file_names() {
        let cases = [
            ("main.ts", Some(Language::TypeScript)),
            ("x.mts", Some(Language::TypeScript)),
            ("x.cts", Some(Language::TypeScript)),
            ("App.tsx", Some(Language::Tsx)),
            ("index.js", Some(Language::JavaScript)),
            ("x.jsx", Some(Language::JavaScript)),
            ("x.mjs", Some(Language::JavaScript)),
            ("x.cjs", Some(Language::JavaScript)),
            ("app.py", Some(Language::Python)),
            ("types.pyi", None),
            ("Dockerfile", Some(Language::Dockerfile)),
            ("Containerfile", Some(Language::Dockerfile)),
            ("Dockerfile.prod", Some(Language::Dockerfile)),
            ("Containerfile.api", Some(Language::Dockerfile)),
            ("api.Dockerfile", Some(Language::Dockerfile)),
            ("api.dockerfile", Some(Language::Dockerfile)),
            ("api.containerfile", Some(Language::Dockerfile)),
            ("Dockerfile.", None),
            ("Dockerfile.dockerignore", None),
            ("Containerfile.prod.dockerignore", None),
            (".dockerfile", None),
            ("Dockerfiles", None),
            ("README.md", None),
            ("Makefile", None),
            ("ts", None),
        ];
        for (name, want) in cases {
            assert_eq!(Language::from_file_name(name), want, "{name}");
        }
    }

    #[test]
    fn detects_languages_from_editor_ids() {
        assert_eq!(
            Language::from_language_id("typescriptreact"),
            Some(Language::Tsx)
        );
        assert_eq!(
            Language::from_language_id("javascriptreact"),
            Some(Language::JavaScript)
        );
        assert_eq!(
            Language::from_language_id("dockerfile"),
            Some(Language::Dockerfile)
        );
        assert_eq!(Language::from_language_id("rust"), None);
    }
}
