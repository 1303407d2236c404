//! The command line's result cache: what analysing a file yielded, kept between runs so that a
//! repeated `preflight check` analyses again only the files that changed.
//!
//! A file's entry is reused only when everything its analysis read is unchanged:
//! - its text (a 128-bit hash of the decoded text; modification times are never trusted);
//! - what the engine is told besides the text: the path relative to the scanned root, the
//!   language, whether the configuration declares it a script, the file's whole effective
//!   configuration, its project's manifests ([`ProjectInfo`]), the rules that run, and the build
//!   of Preflight itself (version, cache schema, and the executable's size and time);
//! - every answer the file system gave during the analysis: a Dockerfile asks whether the
//!   sources its `COPY` names exist, reads `.dockerignore` and `package.json`. The questions and
//!   a digest of each answer are stored with the entry and asked again before it is reused.
//!
//! An entry holds the file's findings (before the configuration's severities are applied), its
//! facts, its suppressions and whether it has syntax errors. Project-level rules are never
//! cached: they run on every scan over the facts of all files, cached or fresh.
//!
//! On disk, `<cache dir>/<version>/<hash of the scanned folder>` holds every entry of one scanned
//! folder: read once at the start of a scan, written (to a temporary file, then renamed) at its
//! end when anything changed. A file that is corrupt, truncated, or written by another version or
//! build is ignored and rebuilt. The cache folder carries a `.gitignore` of `*` and a
//! `CACHEDIR.TAG`, so that neither version control nor backups pick it up.

use crate::config::EffectiveConfig;
use crate::diagnostic::Finding;
use crate::engine::{Engine, FileAnalysis, SourceFile};
use crate::project::{FileFacts, FileSystem, ProjectInfo};
use crate::suppress::Suppressions;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

/// The name of the cache folder created in the working directory.
pub const DIR_NAME: &str = ".preflight_cache";

/// Bumped whenever what an entry holds, or how it is encoded, changes.
const SCHEMA: u32 = 1;

/// The first bytes of every cache file.
const MAGIC: &[u8; 8] = b"PFCACHE\n";

const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by Preflight.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

/// Where the cache of this run lives.
#[derive(Debug)]
pub struct Cache {
    /// The folder of this version's cache files.
    dir: PathBuf,
    /// Identifies the build of Preflight writing the entries.
    build: u64,
}

impl Cache {
    /// The cache in `dir`, created if need be; an error when it cannot be written.
    pub fn in_dir(dir: &Path) -> std::io::Result<Cache> {
        prepare(dir)?;
        Ok(Cache {
            dir: dir.join(env!("CARGO_PKG_VERSION")),
            build: build_id(),
        })
    }

    /// The cache for a run in `working_dir`: its `.preflight_cache` folder, or, when that cannot
    /// be written, a folder of the user's cache directory set aside for `working_dir`. `None`
    /// when neither can be written.
    pub fn for_working_dir(working_dir: &Path) -> Option<Cache> {
        if let Ok(cache) = Self::in_dir(&working_dir.join(DIR_NAME)) {
            return Some(cache);
        }
        let user = dirs::cache_dir()?
            .join("preflight")
            .join(format!("{:016x}", path_hash(working_dir)));
        Self::in_dir(&user).ok()
    }

    /// The folder holding this version's cache files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads the entries of the scanned folders `roots` (folder, and whether it is scanned whole
    /// rather than for files named one by one), for one scan with `engine`.
    pub(crate) fn session<'a>(
        &self,
        roots: impl IntoIterator<Item = (&'a Path, bool)>,
        engine: &Engine,
    ) -> Session {
        let mut stores: Vec<Store> = Vec::new();
        let mut store_of_root = Vec::new();
        let mut by_path: HashMap<PathBuf, usize> = HashMap::new();
        for (dir, whole) in roots {
            let path = self.dir.join(format!("{:016x}", path_hash(dir)));
            let index = *by_path.entry(path.clone()).or_insert_with(|| {
                stores.push(Store::load(path, self.build));
                stores.len() - 1
            });
            // Entries of files no longer found are dropped only when a whole folder was walked.
            stores[index].prune |= whole;
            store_of_root.push(index);
        }
        let mut rules = Xxh3::new();
        for rule in engine.rules() {
            write_str(&mut rules, rule.id);
        }
        Session {
            stores,
            store_of_root,
            build: self.build,
            rules: rules.digest(),
            configs: Mutex::new(HashMap::new()),
            projects: Mutex::new(HashMap::new()),
        }
    }
}

/// Creates the cache folder with its `.gitignore` and `CACHEDIR.TAG`, and checks that files can
/// be written in it.
fn prepare(dir: &Path) -> std::io::Result<()> {
    let versioned = dir.join(env!("CARGO_PKG_VERSION"));
    std::fs::create_dir_all(&versioned)?;
    for (name, text) in [(".gitignore", "*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)] {
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.join(name));
        match created {
            Ok(mut file) => file.write_all(text.as_bytes())?,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    // A folder can exist without being writable.
    tempfile::NamedTempFile::new_in(&versioned).map(drop)
}

/// The build of the running executable: its size and modification time, so that a rebuilt
/// Preflight (whose rules may find other things under the same version number) starts afresh.
fn build_id() -> u64 {
    let mut hasher = Xxh3::new();
    hasher.update(&SCHEMA.to_le_bytes());
    write_str(&mut hasher, env!("CARGO_PKG_VERSION"));
    if let Some(metadata) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        hasher.update(&metadata.len().to_le_bytes());
        if let Ok(since) = metadata.modified().map(|time| {
            time.duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
        }) {
            hasher.update(&since.as_nanos().to_le_bytes());
        }
    }
    hasher.digest()
}

fn path_hash(path: &Path) -> u64 {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    xxh3_64(absolute.as_os_str().as_encoded_bytes())
}

/// Feeds a string with its length, so that consecutive strings cannot run into each other.
fn write_str(hasher: &mut Xxh3, text: &str) {
    hasher.update(&(text.len() as u64).to_le_bytes());
    hasher.update(text.as_bytes());
}

/// The header of a cache file, after [`MAGIC`].
#[derive(Serialize, Deserialize)]
struct Header {
    schema: u32,
    build: u64,
    /// The hash of the body: a damaged file is never read as entries.
    checksum: u64,
}

/// What one file's analysis yielded, and what it depended on.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// Path relative to the scanned folder.
    rel: String,
    /// The hash of everything but the text that the analysis was given.
    context: u64,
    /// The hash of the text.
    content: u128,
    /// The file system's answers during the analysis.
    deps: Vec<Dep>,
    /// A [`Stored`] analysis, decoded only when the entry is reused.
    #[serde(with = "serde_bytes")]
    analysis: Vec<u8>,
    /// Reused during this scan.
    #[serde(skip)]
    used: AtomicBool,
}

/// One question asked of the file system, with (a digest of) its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Dep {
    IsFile(String, bool),
    IsDir(String, bool),
    Read(String, Option<u128>),
    ListDir(String, u64),
}

impl Dep {
    /// Whether `fs` still gives the same answer.
    fn holds(&self, fs: &dyn FileSystem) -> bool {
        match self {
            Dep::IsFile(path, answer) => fs.is_file(path) == *answer,
            Dep::IsDir(path, answer) => fs.is_dir(path) == *answer,
            Dep::Read(path, digest) => read_digest(fs.read_to_string(path).as_deref()) == *digest,
            Dep::ListDir(path, digest) => list_digest(&fs.list_dir(path)) == *digest,
        }
    }
}

fn read_digest(text: Option<&str>) -> Option<u128> {
    text.map(|text| xxh3_128(text.as_bytes()))
}

fn list_digest(names: &[String]) -> u64 {
    let mut hasher = Xxh3::new();
    for name in names {
        write_str(&mut hasher, name);
    }
    hasher.digest()
}

/// A file system that remembers what it was asked.
struct Recording<'a> {
    inner: &'a dyn FileSystem,
    deps: Mutex<Vec<Dep>>,
}

impl Recording<'_> {
    fn note(&self, dep: Dep) {
        let mut deps = self.deps.lock().unwrap_or_else(|e| e.into_inner());
        if !deps.contains(&dep) {
            deps.push(dep);
        }
    }
}

impl FileSystem for Recording<'_> {
    fn is_file(&self, path: &str) -> bool {
        let answer = self.inner.is_file(path);
        self.note(Dep::IsFile(path.to_string(), answer));
        answer
    }

    fn is_dir(&self, path: &str) -> bool {
        let answer = self.inner.is_dir(path);
        self.note(Dep::IsDir(path.to_string(), answer));
        answer
    }

    fn read_to_string(&self, path: &str) -> Option<String> {
        let answer = self.inner.read_to_string(path);
        self.note(Dep::Read(path.to_string(), read_digest(answer.as_deref())));
        answer
    }

    fn list_dir(&self, path: &str) -> Vec<String> {
        let answer = self.inner.list_dir(path);
        self.note(Dep::ListDir(path.to_string(), list_digest(&answer)));
        answer
    }
}

/// An analysis as an entry stores it.
#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    findings: Cow<'a, [Finding]>,
    facts: Cow<'a, FileFacts>,
    suppressions: Cow<'a, Suppressions>,
    has_syntax_errors: bool,
    skipped_by_prefilter: bool,
}

fn encode(analysis: &FileAnalysis) -> Vec<u8> {
    let stored = Stored {
        findings: Cow::Borrowed(&analysis.findings),
        facts: Cow::Borrowed(&analysis.facts),
        suppressions: Cow::Borrowed(&analysis.suppressions),
        has_syntax_errors: analysis.has_syntax_errors,
        skipped_by_prefilter: analysis.skipped_by_prefilter,
    };
    postcard::to_allocvec(&stored).unwrap_or_default()
}

fn decode(bytes: &[u8]) -> Option<FileAnalysis> {
    let stored: Stored<'static> = postcard::from_bytes(bytes).ok()?;
    Some(FileAnalysis {
        findings: stored.findings.into_owned(),
        facts: stored.facts.into_owned(),
        suppressions: stored.suppressions.into_owned(),
        has_syntax_errors: stored.has_syntax_errors,
        skipped_by_prefilter: stored.skipped_by_prefilter,
    })
}

/// The cache file of one scanned folder.
struct Store {
    path: PathBuf,
    /// A whole folder is scanned: entries of files not seen again are dropped.
    prune: bool,
    /// The entries read at the start, by path.
    old: HashMap<String, Entry>,
    /// Entries of files analysed during this scan.
    fresh: Mutex<Vec<Entry>>,
}

impl Store {
    fn load(path: PathBuf, build: u64) -> Store {
        let old = std::fs::read(&path)
            .ok()
            .and_then(|bytes| read_entries(&bytes, build))
            .map(|entries| entries.into_iter().map(|e| (e.rel.clone(), e)).collect())
            .unwrap_or_default();
        Store {
            path,
            prune: false,
            old,
            fresh: Mutex::new(Vec::new()),
        }
    }

    /// Writes the entries of this scan, if anything changed.
    fn save(self, build: u64) {
        let fresh = self.fresh.into_inner().unwrap_or_else(|e| e.into_inner());
        let stale = self.prune && self.old.values().any(|e| !e.used.load(Ordering::Relaxed));
        if fresh.is_empty() && !stale {
            return;
        }
        let renewed: HashSet<&str> = fresh.iter().map(|e| e.rel.as_str()).collect();
        let mut entries: Vec<&Entry> = self
            .old
            .values()
            .filter(|e| !self.prune || e.used.load(Ordering::Relaxed))
            .filter(|e| !renewed.contains(e.rel.as_str()))
            .collect();
        // The same file may be analysed twice (named alone and inside a folder): one entry.
        let mut seen = HashSet::new();
        entries.extend(fresh.iter().rev().filter(|e| seen.insert(e.rel.as_str())));
        entries.sort_by(|a, b| a.rel.cmp(&b.rel));
        let Ok(body) = postcard::to_allocvec(&entries) else {
            return;
        };
        let header = Header {
            schema: SCHEMA,
            build,
            checksum: xxh3_64(&body),
        };
        let Ok(mut bytes) = postcard::to_extend(&header, MAGIC.to_vec()) else {
            return;
        };
        bytes.extend_from_slice(&body);
        // A cache that cannot be written only costs time on the next run.
        let _ = write_atomically(&self.path, &bytes);
    }
}

/// The entries of a cache file, or `None` when it is not one this build wrote intact.
fn read_entries(bytes: &[u8], build: u64) -> Option<Vec<Entry>> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let (header, body) = postcard::take_from_bytes::<Header>(rest).ok()?;
    if header.schema != SCHEMA || header.build != build || header.checksum != xxh3_64(body) {
        return None;
    }
    postcard::from_bytes(body).ok()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// What the engine is given for one file besides its text.
pub(crate) struct Inputs<'a> {
    pub file: &'a SourceFile<'a>,
    pub config: &'a Arc<EffectiveConfig>,
    pub project: &'a ProjectInfo,
}

/// The cache during one scan; shared by the worker threads.
pub(crate) struct Session {
    stores: Vec<Store>,
    /// The store of each scanned root, by the root's index.
    store_of_root: Vec<usize>,
    build: u64,
    /// The hash of the ids of the rules that run.
    rules: u64,
    /// Hashes of the configurations and projects met so far, by address (both outlive the
    /// scan's analyses, so an address names one value throughout).
    configs: Mutex<HashMap<usize, u64>>,
    projects: Mutex<HashMap<usize, u64>>,
}

impl Session {
    /// The analysis of one file of scanned root `root`: reused from the cache when nothing it
    /// depends on changed, else made by `analyze` (given a file system that records what it is
    /// asked) and remembered. Without `prefilter` the analysis must be a full one: an entry
    /// the prefilter skipped is not reused, and the new one replaces it.
    pub(crate) fn analyze<E>(
        &self,
        root: usize,
        inputs: &Inputs<'_>,
        fs: &dyn FileSystem,
        prefilter: bool,
        analyze: impl FnOnce(&dyn FileSystem) -> Result<FileAnalysis, E>,
    ) -> Result<FileAnalysis, E> {
        let Some(store) = self.store_of_root.get(root).map(|&i| &self.stores[i]) else {
            return analyze(fs);
        };
        let content = xxh3_128(inputs.file.text.as_bytes());
        let context = self.context(inputs);
        if let Some(entry) = store.old.get(inputs.file.path)
            && entry.content == content
            && entry.context == context
            && entry.deps.iter().all(|dep| dep.holds(fs))
            && let Some(analysis) = decode(&entry.analysis)
            && (prefilter || !analysis.skipped_by_prefilter)
        {
            entry.used.store(true, Ordering::Relaxed);
            return Ok(analysis);
        }
        let recording = Recording {
            inner: fs,
            deps: Mutex::new(Vec::new()),
        };
        let analysis = analyze(&recording)?;
        let entry = Entry {
            rel: inputs.file.path.to_string(),
            context,
            content,
            deps: recording
                .deps
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
            analysis: encode(&analysis),
            used: AtomicBool::new(true),
        };
        let mut fresh = store.fresh.lock().unwrap_or_else(|e| e.into_inner());
        if !prefilter {
            fresh.retain(|earlier| earlier.rel != entry.rel);
        }
        fresh.push(entry);
        Ok(analysis)
    }

    /// Writes what changed.
    pub(crate) fn save(self) {
        for store in self.stores {
            store.save(self.build);
        }
    }

    fn context(&self, inputs: &Inputs<'_>) -> u64 {
        let config = memo(&self.configs, Arc::as_ptr(inputs.config) as usize, || {
            let json = serde_json::to_vec(&inputs.config.to_json()).unwrap_or_default();
            xxh3_64(&json)
        });
        let project = memo(&self.projects, inputs.project as *const _ as usize, || {
            xxh3_64(&postcard::to_allocvec(inputs.project).unwrap_or_default())
        });
        let mut hasher = Xxh3::new();
        hasher.update(&self.rules.to_le_bytes());
        hasher.update(&config.to_le_bytes());
        hasher.update(&project.to_le_bytes());
        write_str(&mut hasher, inputs.file.path);
        write_str(&mut hasher, inputs.file.language.name());
        hasher.update(&[u8::from(inputs.file.declared_script)]);
        hasher.digest()
    }
}

fn memo(map: &Mutex<HashMap<usize, u64>>, key: usize, compute: impl FnOnce() -> u64) -> u64 {
    if let Some(&hash) = map.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return hash;
    }
    let hash = compute();
    map.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, hash);
    hash
}

/// Serde for [`Finding::rule`]: the id as a string, read back as the registered rule's id.
pub mod rule_id {
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(id: &&'static str, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(id)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<&'static str, D::Error> {
        struct Id;
        impl Visitor<'_> for Id {
            type Value = &'static str;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a rule id")
            }

            fn visit_str<E: Error>(self, id: &str) -> Result<&'static str, E> {
                known(id).ok_or_else(|| E::custom(format!("unknown rule `{id}`")))
            }
        }
        deserializer.deserialize_str(Id)
    }

    fn known(id: &str) -> Option<&'static str> {
        if id == crate::suppress::INVALID_IGNORE {
            return Some(crate::suppress::INVALID_IGNORE);
        }
        crate::rules::by_id(id).map(|rule| rule.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::testing::MemoryFiles;
    use preflight_grammars::Language;
    use std::cell::Cell;

    fn session(cache: &Cache, root: &Path) -> Session {
        cache.session([(root, true)], &Engine::new())
    }

    #[test]
    fn entries_are_reused_only_by_the_build_that_wrote_them() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache::in_dir(folder.path()).unwrap();
        let root = folder.path().join("project");
        let file = SourceFile::new("src/a.ts", "console.log(1);\n", Language::TypeScript);
        let config = Arc::new(EffectiveConfig::default());
        let project = ProjectInfo::default();
        let inputs = Inputs {
            file: &file,
            config: &config,
            project: &project,
        };
        let fs = MemoryFiles::new(&[("package.json", "{}")]);
        let runs = Cell::new(0);
        let analyze = |session: &Session| {
            session
                .analyze(0, &inputs, &fs, true, |fs| {
                    runs.set(runs.get() + 1);
                    // Whatever the analysis asks becomes part of the entry.
                    assert!(fs.is_file("package.json"));
                    Ok::<_, ()>(FileAnalysis {
                        has_syntax_errors: true,
                        ..FileAnalysis::default()
                    })
                })
                .unwrap()
        };
        let first = session(&cache, &root);
        assert!(analyze(&first).has_syntax_errors);
        first.save();
        let second = session(&cache, &root);
        assert!(analyze(&second).has_syntax_errors);
        assert_eq!(runs.get(), 1, "the second session reuses the entry");

        // Another build (a newer Preflight, another schema) starts afresh.
        let rebuilt = Cache {
            build: cache.build.wrapping_add(1),
            ..Cache::in_dir(folder.path()).unwrap()
        };
        analyze(&session(&rebuilt, &root));
        assert_eq!(runs.get(), 2);
    }

    #[test]
    fn recorded_answers_are_asked_again() {
        let fs = MemoryFiles::new(&[("app/server.js", "x"), ("app/.dockerignore", "*.md\n")]);
        let recording = Recording {
            inner: &fs,
            deps: Mutex::new(Vec::new()),
        };
        assert!(recording.is_file("app/server.js"));
        assert!(!recording.is_dir("lib"));
        assert!(recording.read_to_string("app/.dockerignore").is_some());
        assert_eq!(recording.list_dir("app").len(), 2);
        assert!(recording.is_file("app/server.js"));
        let deps = recording.deps.into_inner().unwrap();
        assert_eq!(deps.len(), 4, "each question once: {deps:?}");
        assert!(deps.iter().all(|dep| dep.holds(&fs)));
        let changed = MemoryFiles::new(&[("app/server.js", "x"), ("app/.dockerignore", "*\n")]);
        let holding: Vec<bool> = deps.iter().map(|dep| dep.holds(&changed)).collect();
        assert_eq!(holding, [true, true, false, true]);
        let moved = MemoryFiles::new(&[("app/main.js", "x"), ("app/.dockerignore", "*.md\n")]);
        let holding: Vec<bool> = deps.iter().map(|dep| dep.holds(&moved)).collect();
        assert_eq!(holding, [false, true, true, false]);
    }
}
