/// A query file under `grammars/queries/<family>/<name>.scm`, embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct QueryFile {
    pub family: crate::LanguageFamily,
    /// The file name without `.scm`: a rule id, or the name of a shared extractor.
    pub name: &'static str,
    pub source: &'static str,
}

macro_rules! query_files {
    ($($family:ident / $dir:literal / $name:literal),* $(,)?) => {
        &[$(QueryFile {
            family: crate::LanguageFamily::$family,
            name: $name,
            source: include_str!(concat!("../queries/", $dir, "/", $name, ".scm")),
        }),*]
    };
}

static QUERY_FILES: &[QueryFile] = query_files![
    Ecma / "typescript" / "cors-wildcard",
    Ecma / "typescript" / "debug-mode",
    Ecma / "typescript" / "debug-print",
    Ecma / "typescript" / "hardcoded-secret",
    Ecma / "typescript" / "request-without-timeout",
    Ecma / "typescript" / "sql-injection",
    Ecma / "typescript" / "swallowed-error",
    Ecma / "typescript" / "tls-verify-disabled",
    Ecma / "typescript" / "todo-comment",
    Ecma / "typescript" / "app-facts",
    Python / "python" / "cors-wildcard",
    Python / "python" / "debug-mode",
    Python / "python" / "debug-print",
    Python / "python" / "hardcoded-secret",
    Python / "python" / "request-without-timeout",
    Python / "python" / "sql-injection",
    Python / "python" / "swallowed-error",
    Python / "python" / "tls-verify-disabled",
    Python / "python" / "todo-comment",
    Python / "python" / "app-facts",
];

/// Every embedded query file.
pub fn query_files() -> &'static [QueryFile] {
    QUERY_FILES
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A grammar bump that renames a node or a field must fail here, loudly, rather than make a
    /// rule silently stop matching.
    #[test]
    fn every_query_compiles_against_its_pinned_grammars() {
        for file in query_files() {
            for language in file.family.languages() {
                if let Err(error) = tree_sitter::Query::new(&language.grammar(), file.source) {
                    panic!(
                        "queries/{}/{}.scm does not compile for {}: {error}",
                        file.family.query_dir(),
                        file.name,
                        language.name()
                    );
                }
            }
        }
    }

    /// Every `.scm` file on disk is embedded, so a new query cannot be forgotten.
    #[test]
    fn every_query_file_on_disk_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        let mut on_disk = BTreeSet::new();
        for family in crate::LanguageFamily::ALL {
            let dir = root.join(family.query_dir());
            // A family may have no query files (Dockerfile rules read a model instead).
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|ext| ext == "scm") {
                    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                    on_disk.insert((family.query_dir(), stem));
                }
            }
        }
        let embedded: BTreeSet<_> = query_files()
            .iter()
            .map(|file| (file.family.query_dir(), file.name.to_string()))
            .collect();
        assert_eq!(on_disk, embedded);
    }
}
