//! One workspace folder: its configuration, the index of its files (open or not) and its
//! projects' findings. The server keeps one per folder the editor opened.

use crate::config::{ConfigError, ConfigResolver, EffectiveConfig, RuleLevel};
use crate::diagnostic::Finding;
use crate::engine::{Engine, SourceFile};
use crate::project::manifest::MARKERS;
use crate::project::{
    Buffers, FileFacts, FileSystem, OverlayFileSystem, ProjectInfo, ProjectView, ProjectWaivers,
};
use crate::scan::ScanReport;
use crate::suppress::Suppressions;
use preflight_grammars::Language;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::Uri;

/// What the server knows of one file of a workspace (open or not).
pub struct IndexedFile {
    pub project: String,
    pub facts: FileFacts,
    pub suppressions: Suppressions,
    /// File-level findings, configuration applied.
    pub findings: Vec<Finding>,
    /// The text the findings refer to; kept only when there is something to show.
    pub text: Option<Arc<str>>,
    pub config: Arc<EffectiveConfig>,
    pub config_rel: String,
    /// The scan's prefilter skipped the file: facts that matter only through other files are
    /// missing until a project needs them (see [`Workspace::complete_facts`]).
    pub partial_facts: bool,
}

pub struct Workspace {
    pub root: PathBuf,
    pub config: Option<Arc<ConfigResolver>>,
    pub files: BTreeMap<String, IndexedFile>,
    pub projects: BTreeMap<String, ProjectInfo>,
    pub project_findings: HashMap<String, Vec<Finding>>,
    /// What each project's facts waive of its files' findings, as of the last project run.
    pub waivers: HashMap<String, ProjectWaivers>,
    pub scanning: bool,
    /// Another scan was asked for while one ran.
    pub rescan: bool,
    /// Invalid configuration files, by path, as last found (the root's when the configuration
    /// was loaded, nested ones when a file under them was analysed).
    pub config_errors: RefCell<BTreeMap<PathBuf, ConfigError>>,
    /// The texts of the folder's open documents, which analyses and project rules read instead
    /// of the disk.
    buffers: Buffers,
}

impl Workspace {
    pub fn new(root: PathBuf) -> Workspace {
        Workspace {
            root,
            config: None,
            files: BTreeMap::new(),
            projects: BTreeMap::new(),
            project_findings: HashMap::new(),
            waivers: HashMap::new(),
            scanning: false,
            rescan: false,
            config_errors: RefCell::new(BTreeMap::new()),
            buffers: Buffers::default(),
        }
    }

    /// The folder's files as analyses see them: open documents' buffers, else the disk.
    pub fn file_system(&self) -> OverlayFileSystem {
        OverlayFileSystem::new(&self.root, self.buffers.clone())
    }

    /// Records the buffer of an open document (`None` once closed: the disk is the truth
    /// again). Returns whether anything changed.
    pub fn set_buffer(&mut self, rel: &str, text: Option<Arc<str>>) -> bool {
        let current = self.buffers.get(rel);
        let same = match (&text, current) {
            (Some(new), Some(old)) => new == old,
            (None, None) => true,
            _ => false,
        };
        if same {
            return false;
        }
        let buffers = Arc::make_mut(&mut self.buffers);
        match text {
            Some(text) => buffers.insert(rel.to_string(), text),
            None => buffers.remove(rel),
        };
        true
    }

    /// Reads the manifests of the project rooted at the folder `dir` again, open buffers over
    /// the disk, as a scan reads them. Returns whether what they say changed.
    pub fn refresh_project(&mut self, dir: &str) -> bool {
        let fs = self.file_system();
        // The overlay lists buffers too: a manifest created in the editor counts.
        let names: Vec<String> = fs
            .list_dir(dir)
            .into_iter()
            .filter(|name| crate::project::manifest::is_manifest(name))
            .collect();
        let mut info = ProjectInfo {
            root: dir.to_string(),
            ..ProjectInfo::default()
        };
        for name in &names {
            let path = crate::docker::copy::join_relative(dir, name);
            if let Some(text) = fs.read_to_string(&path) {
                // A malformed manifest contributes nothing, as in a scan (which notes it).
                let _ = crate::project::manifest::read_manifest(&mut info, name, &text);
            }
        }
        if names.is_empty() || self.projects.get(dir) == Some(&info) {
            return false;
        }
        self.projects.insert(dir.to_string(), info);
        true
    }

    /// The folders holding a manifest with an open buffer.
    fn buffered_manifest_dirs(&self) -> Vec<String> {
        let mut dirs: Vec<String> = self
            .buffers
            .keys()
            .filter_map(|rel| {
                let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
                crate::project::manifest::is_manifest(name).then(|| dir.to_string())
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// The projects with analysed files whose root is the folder `dir` or lies below it.
    pub fn projects_under(&self, dir: &str) -> Vec<String> {
        let mut projects: Vec<String> = self
            .files
            .values()
            .map(|file| file.project.clone())
            .filter(|project| {
                dir.is_empty()
                    || project == dir
                    || project
                        .strip_prefix(dir)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .collect();
        projects.sort();
        projects.dedup();
        projects
    }

    /// Re-reads the configuration. On error the last good configuration stays in force and the
    /// error is kept for the editor to show.
    pub fn reload_config(&mut self, config_path: Option<&Path>) {
        let mut errors = self.config_errors.borrow_mut();
        errors.clear();
        match ConfigResolver::new(&self.root, config_path) {
            Ok(resolver) => self.config = Some(Arc::new(resolver)),
            Err(error) => {
                errors.insert(error.path.clone(), error);
            }
        }
    }

    /// The `/`-separated path of `path` inside this workspace.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    pub fn uri_of(&self, rel: &str) -> Option<Uri> {
        Uri::from_file_path(self.root.join(rel))
    }

    /// The project root of a workspace-relative path: the nearest folder with a marker file.
    pub fn project_of(&self, rel: &str) -> String {
        let mut dir = rel.rfind('/').map(|at| &rel[..at]).unwrap_or("");
        loop {
            if self.projects.contains_key(dir)
                || MARKERS
                    .iter()
                    .any(|marker| self.root.join(dir).join(marker).is_file())
            {
                return dir.to_string();
            }
            if dir.is_empty() {
                return String::new();
            }
            dir = dir.rfind('/').map(|at| &dir[..at]).unwrap_or("");
        }
    }

    /// The project and configuration an analysis of `rel` needs.
    pub fn analysis_inputs(&self, rel: &str) -> (ProjectInfo, Arc<EffectiveConfig>) {
        let project = self.project_of(rel);
        let info = self
            .projects
            .get(&project)
            .cloned()
            .unwrap_or_else(|| ProjectInfo {
                root: project.clone(),
                ..ProjectInfo::default()
            });
        let config = match &self.config {
            Some(config) => match config.for_path(&self.root.join(rel)) {
                Ok(config) => config,
                Err(error) => {
                    self.config_errors
                        .borrow_mut()
                        .insert(error.path.clone(), error);
                    // The configuration this file was last analysed with stays in force.
                    self.files
                        .get(rel)
                        .map(|file| file.config.clone())
                        .unwrap_or_default()
                }
            },
            None => Arc::new(EffectiveConfig::default()),
        };
        (info, config)
    }

    /// Re-runs the project-level rules of one project; returns the files whose project findings
    /// changed.
    pub fn run_project_rules(
        &mut self,
        engine: &Engine,
        overrides: &HashMap<String, RuleLevel>,
        project: &str,
    ) -> Vec<String> {
        self.complete_facts(engine, project);
        let members: Vec<(&str, &IndexedFile)> = self
            .files
            .iter()
            .filter(|(_, file)| file.project == project)
            .map(|(rel, file)| (rel.as_str(), file))
            .collect();
        let default_info = ProjectInfo {
            root: project.to_string(),
            ..ProjectInfo::default()
        };
        let info = self.projects.get(project).unwrap_or(&default_info);
        let fs = self.file_system();
        let options_of = |path: &str| {
            members
                .iter()
                .find(|(rel, _)| *rel == path)
                .map(|(_, file)| file.config.options_for(&file.config_rel))
                .unwrap_or_default()
        };
        let view = ProjectView {
            info,
            files: members
                .iter()
                .map(|(rel, file)| (*rel, &file.facts))
                .collect(),
            fs: &fs,
            options: &options_of,
        };
        let mut next: HashMap<String, Vec<Finding>> = HashMap::new();
        // A failing project rule costs this project's findings, not the server.
        let found =
            crate::scan::guarded(|| engine.analyze_project(&view)).unwrap_or_else(|error| {
                tracing::error!("project rules of `{project}`: {error}");
                Vec::new()
            });
        for found in found {
            let Some((_, file)) = members.iter().find(|(rel, _)| *rel == found.path) else {
                continue;
            };
            if file
                .suppressions
                .silences(found.finding.rule, found.finding.range.start)
            {
                continue;
            }
            let mut one = vec![found.finding];
            crate::scan::apply_severities(&file.config, &file.config_rel, &mut one);
            apply_overrides(overrides, &mut one);
            next.entry(found.path).or_default().extend(one);
        }
        let mut changed = Vec::new();
        let member_paths: Vec<String> = members.iter().map(|(rel, _)| rel.to_string()).collect();
        let waivers = ProjectWaivers::of(members.iter().map(|(_, file)| &file.facts));
        let previous = self.waivers.insert(project.to_string(), waivers);
        if previous.unwrap_or_default() != waivers {
            // Findings of any file may have become moot, or stopped being so.
            changed.extend(member_paths.iter().cloned());
        }
        for rel in member_paths {
            let new = next.remove(&rel).unwrap_or_default();
            let old = self.project_findings.get(&rel).cloned().unwrap_or_default();
            if old != new {
                changed.push(rel.clone());
            }
            if new.is_empty() {
                self.project_findings.remove(&rel);
            } else {
                self.project_findings.insert(rel, new);
            }
        }
        changed
    }

    /// Removes the findings of `rel` that its project makes moot.
    pub fn drop_waived(&self, rel: &str, findings: &mut Vec<Finding>) {
        if findings.iter().all(|finding| finding.waiver.is_none()) {
            return;
        }
        let project = match self.files.get(rel) {
            Some(file) => file.project.clone(),
            None => self.project_of(rel),
        };
        if let Some(waivers) = self.waivers.get(&project) {
            findings.retain(|finding| !waivers.waives(finding));
        }
    }

    /// Analyses from disk the files of `project` whose facts the scan's prefilter left partial,
    /// once a file of the project needs them (an edit created an app, say).
    fn complete_facts(&mut self, engine: &Engine, project: &str) {
        let members = || self.files.values().filter(|file| file.project == project);
        if !members().any(|file| file.partial_facts)
            || !members().any(|file| file.facts.needs_whole_project())
        {
            return;
        }
        let partial: Vec<(String, Arc<EffectiveConfig>, String)> = self
            .files
            .iter()
            .filter(|(_, file)| file.project == project && file.partial_facts)
            .map(|(rel, file)| (rel.clone(), file.config.clone(), file.config_rel.clone()))
            .collect();
        let disk = self.file_system();
        for (rel, config, config_rel) in partial {
            let path = self.root.join(&rel);
            let (info, _) = self.analysis_inputs(&rel);
            let facts = Language::from_path(&path).and_then(|language| {
                let source =
                    crate::scan::read_source(&path, crate::source::DEFAULT_MAX_FILE_SIZE).ok()?;
                let rule_options = config.options_for(&config_rel);
                let file = SourceFile {
                    path: &rel,
                    text: &source.text,
                    language,
                    declared_script: config.is_script(&config_rel),
                    options: &rule_options,
                };
                Some(engine.analyze_file(&file, &info, &disk).facts)
            });
            if let Some(entry) = self.files.get_mut(&rel) {
                if let Some(facts) = facts {
                    entry.facts = facts;
                }
                entry.partial_facts = false;
            }
        }
    }

    /// Takes a finished scan: closed files are replaced by what is on disk (open ones keep
    /// their buffers), project rules re-run. Returns every path whose diagnostics may have
    /// changed, including files that are gone.
    pub fn apply_scan(
        &mut self,
        engine: &Engine,
        overrides: &HashMap<String, RuleLevel>,
        report: ScanReport,
        open: &HashSet<String>,
    ) -> Vec<String> {
        self.projects = report.projects;
        // The scan read manifests from the disk; open buffers of them are what is in force.
        for dir in self.buffered_manifest_dirs() {
            self.refresh_project(&dir);
        }
        let previous: Vec<String> = self
            .files
            .keys()
            .filter(|rel| !open.contains(*rel))
            .cloned()
            .collect();
        for rel in &previous {
            self.files.remove(rel);
        }
        for file in report.files {
            if open.contains(&file.rel_path) {
                continue; // the buffer is the truth for open documents
            }
            // Waived findings come back: the project may change under the editor.
            let mut findings: Vec<Finding> = file
                .findings
                .into_iter()
                .chain(file.waived)
                .filter(|f| !crate::rules::by_id(f.rule).is_some_and(|rule| rule.is_project_rule()))
                .collect();
            apply_overrides(overrides, &mut findings);
            let text = file
                .source
                .filter(|_| !findings.is_empty())
                .map(|source| Arc::from(source.text));
            self.files.insert(
                file.rel_path.clone(),
                IndexedFile {
                    project: file.project,
                    facts: file.facts,
                    suppressions: file.suppressions,
                    findings,
                    text,
                    config: file.config,
                    config_rel: file.config_rel,
                    partial_facts: file.skipped_by_prefilter,
                },
            );
        }
        let mut projects: Vec<String> = self.files.values().map(|f| f.project.clone()).collect();
        projects.sort();
        projects.dedup();
        for project in projects {
            self.run_project_rules(engine, overrides, &project);
        }
        let mut rels: Vec<String> = self.files.keys().cloned().collect();
        for rel in previous {
            if !self.files.contains_key(&rel) {
                self.project_findings.remove(&rel);
                rels.push(rel);
            }
        }
        rels
    }
}

/// Severities the editor's `rules` setting asks for, over the configuration's.
pub fn apply_overrides(overrides: &HashMap<String, RuleLevel>, findings: &mut Vec<Finding>) {
    if overrides.is_empty() {
        return;
    }
    findings.retain_mut(|finding| match overrides.get(finding.rule) {
        Some(level) => match level.resolve(finding.severity) {
            Some(severity) => {
                finding.severity = severity;
                true
            }
            None => false,
        },
        None => true,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An open manifest's buffer is what classifies the project's files, also after a scan
    /// that read the disk's manifest.
    #[test]
    fn buffered_manifests_outlast_a_scan() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("package.json"), r#"{ "name": "tool" }"#).unwrap();
        let mut workspace = Workspace::new(dir.path().to_path_buf());
        assert!(
            workspace.refresh_project(""),
            "first read of the disk's manifest"
        );
        assert!(!workspace.refresh_project(""), "nothing changed");
        assert!(!workspace.projects[""].is_script_file("src/report.js"));

        let edited = r#"{ "name": "tool", "bin": { "report": "./src/report.js" } }"#;
        workspace.set_buffer("package.json", Some(Arc::from(edited)));
        assert!(workspace.refresh_project(""));
        assert!(workspace.projects[""].is_script_file("src/report.js"));

        // A scan reads the disk, where the manifest names no script.
        let mut report = ScanReport::default();
        report.projects.insert(
            String::new(),
            ProjectInfo {
                root: String::new(),
                ..ProjectInfo::default()
            },
        );
        workspace.apply_scan(&Engine::new(), &HashMap::new(), report, &HashSet::new());
        assert!(workspace.projects[""].is_script_file("src/report.js"));

        // Closed unsaved: the disk is the truth again.
        workspace.set_buffer("package.json", None);
        assert!(workspace.refresh_project(""));
        assert!(!workspace.projects[""].is_script_file("src/report.js"));
    }
}
