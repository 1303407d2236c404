//! A workspace scan: walk the named paths, read and classify files, analyse them in parallel,
//! group them into projects and run the project-level rules. The command line and the fixture
//! tests both drive this; it prints nothing.

use crate::classify;
use crate::config::{ConfigError, ConfigResolver, EffectiveConfig};
use crate::diagnostic::Finding;
use crate::diagnostic::Severity;
use crate::engine::{Engine, SourceFile};
use crate::project::manifest::{self, is_manifest};
use crate::project::{DiskFileSystem, FileFacts, ProjectInfo, ProjectView, ProjectWaivers};
use crate::source::{self, SourceText};
use preflight_grammars::Language;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What to scan and how.
pub struct ScanOptions<'e> {
    pub paths: Vec<PathBuf>,
    pub engine: &'e Engine,
    /// Files larger than this are skipped with a note.
    pub max_file_size: u64,
    /// Honour `.gitignore`, `.ignore` and `.preflightignore`.
    pub respect_ignore_files: bool,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// The directory output paths are made relative to.
    pub working_dir: PathBuf,
    /// A configuration file named with `--config`, used instead of discovery.
    pub config: Option<PathBuf>,
    /// Called from worker threads as files are analysed, with (analysed, total).
    pub progress: Option<&'e (dyn Fn(usize, usize) + Sync)>,
    /// Reuse the analyses of unchanged files from earlier scans, and keep this scan's.
    pub cache: Option<&'e crate::cache::Cache>,
}

/// One analysed file with what it yielded.
#[derive(Debug)]
pub struct FileReport {
    /// Path relative to the working directory, `/`-separated, no leading `./`.
    pub path: String,
    pub abs_path: PathBuf,
    pub language: Language,
    /// The text; kept only for files with findings (output and fixes need it).
    pub source: Option<SourceText>,
    pub findings: Vec<Finding>,
    /// File-level findings the file's project makes moot (see [`crate::diagnostic::Waiver`]):
    /// not reported, but kept for whoever follows the project as it changes (the editor).
    pub waived: Vec<Finding>,
    pub has_syntax_errors: bool,
    /// The `fail-on` threshold of the file's configuration, if it sets one.
    pub fail_on: Option<Severity>,
    /// Path relative to the scanned root, as the engine saw it.
    pub rel_path: String,
    /// The project root the file belongs to, relative to the scanned root.
    pub project: String,
    /// What the file contributes to project-level rules.
    pub facts: FileFacts,
    /// The file's suppression comments.
    pub suppressions: crate::suppress::Suppressions,
    /// The configuration in force for the file, and the path its globs are matched against.
    pub config: Arc<EffectiveConfig>,
    pub config_rel: String,
    /// The prefilter skipped the file (no trigger word) and its project did not need it: its
    /// facts lack what matters only through other files (routes, exports, top-level names).
    pub skipped_by_prefilter: bool,
}

/// Something the user should know about a file that was not (fully) analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub path: String,
    pub message: String,
}

/// The outcome of a scan.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// The projects found below the first scanned folder, by root (relative to that folder).
    pub projects: BTreeMap<String, ProjectInfo>,
    /// Analysed files, sorted by path.
    pub files: Vec<FileReport>,
    pub notes: Vec<Note>,
    pub bytes: u64,
    /// Files (or projects) whose analysis failed with an internal error; each has a note. The
    /// report is incomplete, and the command line exits with 2.
    pub internal_errors: usize,
}

impl ScanReport {
    pub fn findings(&self) -> impl Iterator<Item = (&FileReport, &Finding)> {
        self.files
            .iter()
            .flat_map(|file| file.findings.iter().map(move |finding| (file, finding)))
    }
}

/// A scan that cannot start or finish: a named path that cannot be read, or an invalid
/// configuration file.
#[derive(Debug)]
pub enum ScanError {
    Path {
        path: PathBuf,
        error: std::io::Error,
    },
    Config(ConfigError),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path { path, error } => write!(f, "cannot read `{}`: {error}", path.display()),
            Self::Config(error) => write!(f, "invalid configuration: {error}"),
        }
    }
}

impl std::error::Error for ScanError {}

impl From<ConfigError> for ScanError {
    fn from(error: ConfigError) -> Self {
        Self::Config(error)
    }
}

/// A folder named on the command line: the workspace root its files are classified against.
struct Root {
    dir: PathBuf,
    /// Project-level rules run only for folders: a file named alone is not a whole project.
    whole_projects: bool,
    config: Arc<ConfigResolver>,
}

/// A file to analyse.
struct Candidate {
    root: usize,
    /// Path relative to the root, `/`-separated.
    rel: String,
    abs: PathBuf,
    language: Language,
    /// Named on the command line: always analysed, whatever its path says.
    explicit: bool,
    config: Arc<EffectiveConfig>,
    /// The path relative to the configuration's root, for its globs.
    config_rel: String,
}

/// Runs a scan.
pub fn scan(options: &ScanOptions<'_>) -> Result<ScanReport, ScanError> {
    let mut roots: Vec<Root> = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut notes: Vec<Note> = Vec::new();
    // Manifests found by the walk: (root, folder relative to root) → manifest paths.
    let mut manifests: BTreeMap<(usize, String), Vec<PathBuf>> = BTreeMap::new();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .expect("a thread pool can be built");

    for path in &options.paths {
        let metadata = std::fs::metadata(path).map_err(|error| ScanError::Path {
            path: path.clone(),
            error,
        })?;
        if metadata.is_dir() {
            let root = roots.len();
            roots.push(Root {
                dir: path.clone(),
                whole_projects: true,
                config: Arc::new(ConfigResolver::new(
                    &config_root(path, &options.working_dir),
                    options.config.as_deref(),
                )?),
            });
            walk(
                options,
                root,
                &roots[root],
                &mut candidates,
                &mut manifests,
                &mut notes,
            )?;
        } else {
            match explicit_file(options, path, roots.len())? {
                Some((root, candidate)) => {
                    roots.push(root);
                    candidates.push(candidate);
                }
                None => notes.push(not_analysed(options, path)),
            }
        }
    }

    // Projects: the nearest folder with a marker, from a file's folder up to its root.
    let mut projects: BTreeMap<(usize, String), ProjectInfo> = BTreeMap::new();
    for ((root, dir), files) in &manifests {
        let info = projects
            .entry((*root, dir.clone()))
            .or_insert_with(|| ProjectInfo {
                root: dir.clone(),
                ..ProjectInfo::default()
            });
        for file in files {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            if let Err(message) = manifest::read_manifest(info, name, &text) {
                notes.push(Note {
                    path: display_path(file, &options.working_dir),
                    message: format!("manifest ignored: {message}"),
                });
            }
        }
    }
    let project_of = |candidate: &Candidate| -> (usize, String) {
        let mut dir = parent_dir(&candidate.rel);
        loop {
            if projects.contains_key(&(candidate.root, dir.to_string())) {
                return (candidate.root, dir.to_string());
            }
            if dir.is_empty() {
                return (candidate.root, String::new());
            }
            dir = parent_dir(dir);
        }
    };
    let empty_project = ProjectInfo::default();
    let file_systems: Vec<DiskFileSystem> =
        roots.iter().map(|r| DiskFileSystem::new(&r.dir)).collect();
    let cache = options.cache.map(|cache| {
        let roots = roots.iter().map(|r| (r.dir.as_path(), r.whole_projects));
        cache.session(roots, options.engine)
    });

    let done = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicUsize::new(0);
    let total = candidates.len();
    if let Some(progress) = options.progress {
        progress(0, total);
    }
    // Workers share nothing but the progress counter; skips come back as notes.
    let outcomes: Vec<Result<Analysed, Note>> = pool.install(|| {
        candidates
            .par_iter()
            .enumerate()
            .filter_map(|(index, candidate)| {
                if let Some(progress) = options.progress {
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    if n.is_multiple_of(100) || n == total {
                        progress(n, total);
                    }
                }
                let project_key = project_of(candidate);
                let project = projects.get(&project_key).unwrap_or(&empty_project);
                let fs = &file_systems[candidate.root];
                analyse_candidate(
                    options,
                    index,
                    candidate,
                    project_key,
                    project,
                    fs,
                    cache.as_ref(),
                    true,
                    &failed,
                )
            })
            .collect()
    });
    let mut analysed: Vec<Analysed> = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            Ok(item) => analysed.push(item),
            Err(note) => notes.push(note),
        }
    }

    // Files the prefilter skipped may still hold what other files' project rules read
    // (routes, middleware, exports, top-level names): projects that need them get them.
    let whole: HashSet<&(usize, String)> = analysed
        .iter()
        .filter(|item| item.facts.needs_whole_project())
        .map(|item| &item.project)
        .collect();
    let pending: Vec<usize> = (0..analysed.len())
        .filter(|&i| analysed[i].skipped_by_prefilter && whole.contains(&analysed[i].project))
        .collect();
    let completed: Vec<Result<Analysed, Note>> = pool.install(|| {
        pending
            .par_iter()
            .filter_map(|&i| {
                let (index, key) = (analysed[i].candidate, analysed[i].project.clone());
                let candidate = &candidates[index];
                let project = projects.get(&key).unwrap_or(&empty_project);
                let fs = &file_systems[candidate.root];
                analyse_candidate(
                    options,
                    index,
                    candidate,
                    key,
                    project,
                    fs,
                    cache.as_ref(),
                    false,
                    &failed,
                )
            })
            .collect()
    });
    // By candidate; what is left at the end changed on disk in between (now out of scope or
    // unreadable) and is dropped.
    let mut slots: HashMap<usize, usize> = pending
        .iter()
        .map(|&i| (analysed[i].candidate, i))
        .collect();
    for outcome in completed {
        match outcome {
            Ok(item) => {
                if let Some(i) = slots.remove(&item.candidate) {
                    analysed[i] = item;
                }
            }
            Err(note) => notes.push(note),
        }
    }
    let gone: HashSet<usize> = slots.into_keys().collect();
    analysed.retain(|item| !gone.contains(&item.candidate));
    if let Some(cache) = cache {
        cache.save();
    }

    // Project-level rules over the facts of each whole project.
    let mut by_project: HashMap<(usize, String), Vec<usize>> = HashMap::new();
    for (index, item) in analysed.iter().enumerate() {
        if roots[item.project.0].whole_projects {
            by_project
                .entry(item.project.clone())
                .or_default()
                .push(index);
        }
    }
    let mut extra: Vec<(usize, Finding)> = Vec::new();
    let mut waived_in: Vec<(ProjectWaivers, Vec<usize>)> = Vec::new();
    for (key, members) in &by_project {
        let info = projects.get(key).unwrap_or(&empty_project);
        let mut files: Vec<(&str, &FileFacts, usize)> = members
            .iter()
            .map(|&i| {
                (
                    candidates[analysed[i].candidate].rel.as_str(),
                    &analysed[i].facts,
                    i,
                )
            })
            .collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        let options_of = |path: &str| {
            files
                .iter()
                .find(|(p, _, _)| *p == path)
                .map(|(_, _, i)| {
                    let candidate = &candidates[analysed[*i].candidate];
                    candidate.config.options_for(&candidate.config_rel)
                })
                .unwrap_or_default()
        };
        let view = ProjectView {
            info,
            files: files
                .iter()
                .map(|(path, facts, _)| (*path, *facts))
                .collect(),
            fs: &file_systems[key.0],
            options: &options_of,
        };
        let found = match guarded(|| options.engine.analyze_project(&view)) {
            Ok(found) => found,
            Err(message) => {
                failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                notes.push(Note {
                    path: display_path(&roots[key.0].dir.join(&key.1), &options.working_dir),
                    message,
                });
                continue;
            }
        };
        for found in found {
            if let Some((_, _, index)) = files.iter().find(|(path, _, _)| *path == found.path) {
                extra.push((*index, found.finding));
            }
        }
        let waivers = ProjectWaivers::of(files.iter().map(|(_, facts, _)| *facts));
        if !waivers.is_empty() {
            waived_in.push((waivers, members.clone()));
        }
    }
    for (waivers, members) in waived_in {
        for index in members {
            let report = &mut analysed[index].report;
            let (moot, kept) = std::mem::take(&mut report.findings)
                .into_iter()
                .partition(|finding| waivers.waives(finding));
            report.findings = kept;
            report.waived = moot;
        }
    }
    for (index, finding) in extra {
        // Project findings honour the directives and configuration of the file they are
        // anchored in.
        let item = &mut analysed[index];
        if item
            .suppressions
            .silences(finding.rule, finding.range.start)
        {
            continue;
        }
        let candidate = &candidates[item.candidate];
        let mut one = vec![finding];
        apply_severities(&candidate.config, &candidate.config_rel, &mut one);
        item.report.findings.extend(one);
    }

    let mut report = ScanReport {
        notes,
        internal_errors: failed.into_inner(),
        ..ScanReport::default()
    };
    report.projects = projects
        .iter()
        .filter(|((root, _), _)| *root == 0)
        .map(|((_, dir), info)| (dir.clone(), info.clone()))
        .collect();
    for mut item in analysed {
        report.bytes += item.bytes;
        let candidate = &candidates[item.candidate];
        item.report.rel_path = candidate.rel.clone();
        item.report.project = item.project.1.clone();
        item.report.facts = std::mem::take(&mut item.facts);
        item.report.suppressions = std::mem::take(&mut item.suppressions);
        item.report.config = candidate.config.clone();
        item.report.config_rel = candidate.config_rel.clone();
        let file = &mut item.report;
        file.findings.sort_by(|a, b| {
            (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
        });
        if file.findings.is_empty() {
            file.source = None;
        }
        report.files.push(item.report);
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report.files.dedup_by(|a, b| a.abs_path == b.abs_path);
    report
        .notes
        .sort_by(|a, b| a.path.cmp(&b.path).then(a.message.cmp(&b.message)));
    report.notes.dedup();
    Ok(report)
}

/// One analysed file, before it joins its project.
struct Analysed {
    candidate: usize,
    project: (usize, String),
    report: FileReport,
    facts: FileFacts,
    suppressions: crate::suppress::Suppressions,
    bytes: u64,
    skipped_by_prefilter: bool,
}

/// Reads and analyses one candidate: `None` when its content puts it out of scope (generated,
/// minified), a note when it cannot be read or parsed. `prefilter`: skip the parse of a file
/// without trigger words.
#[allow(clippy::too_many_arguments)]
fn analyse_candidate(
    options: &ScanOptions<'_>,
    index: usize,
    candidate: &Candidate,
    project_key: (usize, String),
    project: &ProjectInfo,
    fs: &dyn crate::project::FileSystem,
    cache: Option<&crate::cache::Session>,
    prefilter: bool,
    failed: &std::sync::atomic::AtomicUsize,
) -> Option<Result<Analysed, Note>> {
    let display = display_path(&candidate.abs, &options.working_dir);
    let source = match read_source(&candidate.abs, options.max_file_size) {
        Ok(source) => source,
        Err(message) => {
            return Some(Err(Note {
                path: display,
                message: format!("skipped: {message}"),
            }));
        }
    };
    if !candidate.explicit
        && let Some(skip) = classify::skip_by_content(&source.text, candidate.language)
    {
        let _ = skip; // generated or minified: silently out of scope, like a test file
        return None;
    }
    let bytes = source.text.len() as u64;
    let analysed = guarded(|| {
        analyse(
            options,
            candidate,
            source,
            display.clone(),
            project,
            fs,
            cache,
            prefilter,
        )
    });
    match analysed {
        Ok(Ok((report, facts, suppressions, skipped_by_prefilter))) => Some(Ok(Analysed {
            candidate: index,
            project: project_key,
            report,
            facts,
            suppressions,
            bytes,
            skipped_by_prefilter,
        })),
        Ok(Err(message)) => Some(Err(Note {
            path: display,
            message,
        })),
        Err(message) => {
            failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some(Err(Note {
                path: display,
                message,
            }))
        }
    }
}

/// Analyses `source` as if it were the file at `path`, which need not exist (an editor buffer,
/// a pre-commit hook's staged text): the language comes from the path and the configuration is
/// the one in force for it, as for a file named on the command line. One file is not a project,
/// so project-level rules do not run.
pub fn scan_text(
    options: &ScanOptions<'_>,
    path: &Path,
    source: SourceText,
) -> Result<ScanReport, ScanError> {
    let mut report = ScanReport::default();
    let Some((root, candidate)) = explicit_file(options, path, 0)? else {
        report.notes.push(not_analysed(options, path));
        return Ok(report);
    };
    let display = display_path(path, &options.working_dir);
    if let Err(error) = source::check_size(source.text.len() as u64, options.max_file_size) {
        report.notes.push(Note {
            path: display,
            message: format!("skipped: {error}"),
        });
        return Ok(report);
    }
    report.bytes = source.text.len() as u64;
    let fs = DiskFileSystem::new(&root.dir);
    let analysed = guarded(|| {
        analyse(
            options,
            &candidate,
            source,
            display.clone(),
            &ProjectInfo::default(),
            &fs,
            None,
            true,
        )
    });
    let internal_error = analysed.is_err();
    let (mut file, facts, suppressions, _) = match analysed {
        Ok(Ok(analysed)) => analysed,
        Ok(Err(message)) | Err(message) => {
            report.internal_errors += usize::from(internal_error);
            report.notes.push(Note {
                path: display,
                message,
            });
            return Ok(report);
        }
    };
    file.rel_path = candidate.rel.clone();
    file.facts = facts;
    file.suppressions = suppressions;
    file.config_rel = candidate.config_rel.clone();
    file.findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
    });
    if file.findings.is_empty() {
        file.source = None;
    }
    report.files.push(file);
    Ok(report)
}

/// A file named on the command line (or given on stdin): its own root, classified against the
/// working directory when it lies inside it. `None` when it is not a language Preflight reads.
fn explicit_file(
    options: &ScanOptions<'_>,
    path: &Path,
    root: usize,
) -> Result<Option<(Root, Candidate)>, ScanError> {
    let Some(language) = Language::from_path(path) else {
        return Ok(None);
    };
    let dir = explicit_file_root(path, &options.working_dir);
    let rel = relative(&absolute(path, &options.working_dir), &dir);
    let config = ConfigResolver::new(&dir, options.config.as_deref())?;
    let effective = config.for_path(&dir.join(&rel))?;
    let candidate = Candidate {
        root,
        rel: rel.clone(),
        abs: path.to_path_buf(),
        language,
        explicit: true,
        config: effective,
        config_rel: rel,
    };
    let root = Root {
        dir,
        whole_projects: false,
        config: Arc::new(config),
    };
    Ok(Some((root, candidate)))
}

fn not_analysed(options: &ScanOptions<'_>, path: &Path) -> Note {
    Note {
        path: display_path(path, &options.working_dir),
        message: "not a file Preflight analyses".into(),
    }
}

/// Runs `work`, turning a panic into the message of an internal error, so that one failing
/// analysis costs its own file and no other.
pub fn guarded<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("internal error: the analysis failed ({detail}); please report this")
    })
}

/// Runs the file-level rules on one file (or takes what they found from the cache) and applies
/// its configuration's severities. The report's project fields are filled in by the caller.
/// `prefilter`: a file without trigger words is not parsed (the last element says so).
#[allow(clippy::too_many_arguments)]
fn analyse(
    options: &ScanOptions<'_>,
    candidate: &Candidate,
    source: SourceText,
    display: String,
    project: &ProjectInfo,
    fs: &dyn crate::project::FileSystem,
    cache: Option<&crate::cache::Session>,
    prefilter: bool,
) -> Result<(FileReport, FileFacts, crate::suppress::Suppressions, bool), String> {
    let rule_options = candidate.config.options_for(&candidate.config_rel);
    let file = SourceFile {
        path: &candidate.rel,
        text: &source.text,
        language: candidate.language,
        declared_script: candidate.config.is_script(&candidate.config_rel),
        options: &rule_options,
    };
    let run = |fs: &dyn crate::project::FileSystem| {
        options.engine.scan_file(&file, project, fs, prefilter)
    };
    let mut analysis = match cache {
        Some(cache) => {
            let inputs = crate::cache::Inputs {
                file: &file,
                config: &candidate.config,
                project,
            };
            cache.analyze(candidate.root, &inputs, fs, prefilter, run)
        }
        None => run(fs),
    }
    .map_err(|skip| format!("skipped: {skip}"))?;
    apply_severities(
        &candidate.config,
        &candidate.config_rel,
        &mut analysis.findings,
    );
    let report = FileReport {
        path: display,
        abs_path: candidate.abs.clone(),
        language: candidate.language,
        source: Some(source),
        findings: analysis.findings,
        waived: Vec::new(),
        has_syntax_errors: analysis.has_syntax_errors,
        fail_on: candidate.config.fail_on(),
        rel_path: String::new(),
        project: String::new(),
        facts: FileFacts::default(),
        suppressions: Default::default(),
        config: candidate.config.clone(),
        config_rel: String::new(),
        skipped_by_prefilter: analysis.skipped_by_prefilter,
    };
    Ok((
        report,
        analysis.facts,
        analysis.suppressions,
        analysis.skipped_by_prefilter,
    ))
}

/// Reads and decodes a file, or says why not.
pub fn read_source(path: &Path, max_size: u64) -> Result<SourceText, String> {
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    source::check_size(metadata.len(), max_size).map_err(|e| e.to_string())?;
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    source::decode(bytes).map_err(|e| e.to_string())
}

fn walk(
    options: &ScanOptions<'_>,
    root_index: usize,
    root: &Root,
    candidates: &mut Vec<Candidate>,
    manifests: &mut BTreeMap<(usize, String), Vec<PathBuf>>,
    notes: &mut Vec<Note>,
) -> Result<(), ScanError> {
    let dir = root.dir.as_path();
    let config_error: Arc<Mutex<Option<ConfigError>>> = Arc::default();
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .hidden(false)
        .parents(true)
        .ignore(options.respect_ignore_files)
        .git_ignore(options.respect_ignore_files)
        .git_global(options.respect_ignore_files)
        .git_exclude(options.respect_ignore_files)
        .require_git(false)
        .threads(options.threads)
        .filter_entry({
            let (resolver, errors, dir) =
                (root.config.clone(), config_error.clone(), root.dir.clone());
            move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                if !is_dir || entry.depth() == 0 {
                    return true;
                }
                let rel = resolver
                    .relative(entry.path())
                    .unwrap_or_else(|| relative(entry.path(), &dir));
                let settings = match resolver.for_dir(entry.path().parent().unwrap_or(&dir)) {
                    Ok(settings) => settings,
                    Err(error) => {
                        errors.lock().unwrap().get_or_insert(error);
                        return false;
                    }
                };
                if settings.is_excluded(&rel) {
                    return false;
                }
                // Never descend into excluded folders, nor into virtualenvs under any name, unless
                // the configuration re-includes something below.
                let skipped_by_default = entry
                    .file_name()
                    .to_str()
                    .is_some_and(classify::is_excluded_folder)
                    || entry.path().join("pyvenv.cfg").is_file();
                !skipped_by_default || settings.may_include_below(&rel)
            }
        });
    if options.respect_ignore_files {
        builder.add_custom_ignore_filename(".preflightignore");
    }
    let found: Mutex<Vec<(String, PathBuf, Option<Language>)>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<Note>> = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    if entry.file_type().is_some_and(|t| t.is_file()) {
                        let path = entry.path();
                        let name = entry.file_name().to_str().unwrap_or_default();
                        let language = Language::from_file_name(name);
                        if language.is_some() || is_manifest(name) {
                            found.lock().unwrap().push((
                                relative(path, dir),
                                path.to_path_buf(),
                                language,
                            ));
                        }
                    }
                }
                Err(error) => errors.lock().unwrap().push(Note {
                    path: display_path(dir, &options.working_dir),
                    message: format!("skipped: {error}"),
                }),
            }
            ignore::WalkState::Continue
        })
    });
    if let Some(error) = config_error.lock().unwrap().take() {
        return Err(error.into());
    }
    notes.extend(errors.into_inner().unwrap());
    let mut found = found.into_inner().unwrap();
    found.sort();
    for (rel, abs, language) in found {
        match language {
            Some(language) => {
                let settings = root.config.for_path(&abs)?;
                let config_rel = root.config.relative(&abs).unwrap_or_else(|| rel.clone());
                if settings.is_excluded(&config_rel) {
                    continue;
                }
                if classify::skip_by_path(&rel, language).is_some()
                    && !settings.is_included(&config_rel)
                {
                    continue;
                }
                candidates.push(Candidate {
                    root: root_index,
                    rel,
                    abs,
                    language,
                    explicit: false,
                    config: settings,
                    config_rel,
                });
            }
            None => manifests
                .entry((root_index, parent_dir(&rel).to_string()))
                .or_default()
                .push(abs),
        }
    }
    Ok(())
}

/// Applies the configured severity of each finding's rule for this file; drops rules turned off.
pub fn apply_severities(config: &EffectiveConfig, rel: &str, findings: &mut Vec<Finding>) {
    findings.retain_mut(
        |finding| match config.severity(finding.rule, finding.severity, rel) {
            Some(severity) => {
                finding.severity = severity;
                true
            }
            None => false,
        },
    );
}

/// Where configuration discovery stops for a scanned folder: the working directory when the
/// folder lies inside it (so `preflight check api` honours the repository's `preflight.toml`),
/// else the folder itself.
fn config_root(dir: &Path, working_dir: &Path) -> PathBuf {
    let absolute = absolute(dir, working_dir);
    if absolute.starts_with(working_dir) {
        working_dir.to_path_buf()
    } else {
        absolute
    }
}

/// The root an explicitly named file is classified against: the working directory when the file
/// lies inside it, else the file's own folder.
fn explicit_file_root(path: &Path, working_dir: &Path) -> PathBuf {
    let absolute = absolute(path, working_dir);
    if absolute.starts_with(working_dir) {
        working_dir.to_path_buf()
    } else {
        absolute.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}

fn absolute(path: &Path, working_dir: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        working_dir.join(path)
    }
}

/// `path` relative to `base`, `/`-separated, without `./`.
fn relative(path: &Path, base: &Path) -> String {
    let stripped = path.strip_prefix(base).unwrap_or(path);
    slash_path(stripped)
}

fn slash_path(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => parts.push("..".into()),
            std::path::Component::RootDir => parts.push(String::new()),
            std::path::Component::Prefix(prefix) => {
                parts.push(prefix.as_os_str().to_string_lossy().into_owned())
            }
        }
    }
    if parts.len() == 1 && parts[0].is_empty() {
        return "/".into();
    }
    parts.join("/")
}

/// How a path is shown: relative to the working directory when inside it.
pub fn display_path(path: &Path, working_dir: &Path) -> String {
    let absolute = absolute(path, working_dir);
    match absolute.strip_prefix(working_dir) {
        Ok(inside) => slash_path(inside),
        Err(_) => slash_path(path),
    }
}

/// The folder part of a `/`-separated relative path (`""` at the root).
fn parent_dir(path: &str) -> &str {
    path.rfind('/').map(|at| &path[..at]).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_and_slash_separated() {
        let cwd = Path::new("/w");
        assert_eq!(display_path(Path::new("./src/a.ts"), cwd), "src/a.ts");
        assert_eq!(display_path(Path::new("/w/src/a.ts"), cwd), "src/a.ts");
        assert_eq!(
            display_path(Path::new("/elsewhere/a.ts"), cwd),
            "/elsewhere/a.ts"
        );
        assert_eq!(parent_dir("a/b/c.ts"), "a/b");
        assert_eq!(parent_dir("c.ts"), "");
        assert_eq!(
            relative(Path::new("/w/x/src/a.ts"), Path::new("/w/x")),
            "src/a.ts"
        );
    }
}
