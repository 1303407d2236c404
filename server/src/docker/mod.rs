//! The Dockerfile model (RULES.md H9): stages, ARG/ENV values, WORKDIR, effective commands and
//! the mapping of container paths to the build context.
//!
//! Built once per file from the root's instruction children (instructions never nest, except the
//! `CMD` of a `HEALTHCHECK` and the trigger of an `ONBUILD`, which belong to their parent). Every
//! Dockerfile rule receives the same [`DockerContext`].

pub mod command;
pub mod copy;
pub mod ignore;
pub mod launch;
pub mod python;
pub mod shell;
pub mod vars;

#[cfg(test)]
pub(crate) mod testing;

pub use command::{Command, CommandForm, Element, Word};
pub use copy::{CopyOp, Origin};
pub use vars::Vars;

use crate::engine::FileContext;
use std::collections::HashSet;
use tree_sitter::Node;

/// What Dockerfile rules see: the file and its model, built once per file.
pub struct DockerContext<'a> {
    pub cx: &'a FileContext<'a>,
    /// `ARG`s before the first `FROM`: they parameterise `FROM` lines.
    global_args: Vec<Node<'a>>,
    global_vars: Vars,
    stages: Vec<Stage<'a>>,
    /// The stage treated as final: the one `[docker] target` names, else the last.
    final_stage: Option<usize>,
    /// The build context directory, workspace-relative (`""` = the workspace root).
    build_context: String,
}

/// One build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone)]
pub struct Stage<'a> {
    pub index: usize,
    pub from: Node<'a>,
    pub image: Image<'a>,
    /// The `AS` name, resolved (compare case-insensitively).
    pub alias: Option<String>,
    pub params: Vec<Param<'a>>,
    pub base: Base,
    /// The top-level instructions after the `FROM`, in source order.
    pub instructions: Vec<Node<'a>>,
}

/// What a stage is built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// An earlier stage of the same file (its index).
    Stage(usize),
    /// An external image (or `scratch`, or an image name that does not resolve).
    Image,
}

/// The `image_spec` of a `FROM`, resolved with the global `ARG`s.
#[derive(Debug, Clone)]
pub struct Image<'a> {
    pub spec: Option<Node<'a>>,
    /// The whole reference, resolved (`node:20-slim`); `None` when an expansion is unknown.
    pub reference: Option<String>,
    /// Repository part of the resolved reference (`docker.io/library/node`, `node`).
    pub name: Option<String>,
    /// Tag without its `:`.
    pub tag: Option<String>,
    /// Digest without its `@`.
    pub digest: Option<String>,
}

/// A `--name=value` flag of an instruction.
#[derive(Debug, Clone)]
pub struct Param<'a> {
    pub node: Node<'a>,
    pub name: String,
    /// The text after `=` as written; `None` for a bare flag.
    pub raw_value: Option<String>,
}

/// The command a stage's container runs (H9): the last `ENTRYPOINT` and `CMD` of its stage chain.
#[derive(Debug, Clone, Default)]
pub struct EffectiveCommand<'a> {
    pub entrypoint: Option<Command<'a>>,
    /// `None` also when an `ENTRYPOINT` of a later stage reset an inherited `CMD`, as Docker does.
    pub cmd: Option<Command<'a>>,
}

/// Where a container file comes from, for checks that need it to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Copied from this workspace-relative file of the build context.
    InContext(String),
    /// A `COPY --from`/remote `ADD`/unresolved path may provide it: unknowable.
    Unknowable,
    /// No `COPY` of the build context provides it (it may still be installed or generated).
    Missing,
}

impl<'a> DockerContext<'a> {
    pub fn new(cx: &'a FileContext<'a>) -> Self {
        let text = cx.text();
        let root = cx.tree().root_node();
        let mut global_args = Vec::new();
        let mut global_vars = Vars::default();
        let mut stages: Vec<Stage<'a>> = Vec::new();
        let mut cursor = root.walk();
        for child in root.named_children(&mut cursor) {
            match child.kind() {
                "from_instruction" => {
                    let stage = build_stage(child, stages.len(), &stages, &global_vars, text);
                    stages.push(stage);
                }
                "comment" | "ERROR" => {}
                kind => match stages.last_mut() {
                    Some(stage) => stage.instructions.push(child),
                    None if kind == "arg_instruction" => {
                        declare_args(child, text, &mut global_vars, None, &HashSet::new());
                        global_args.push(child);
                    }
                    None => {}
                },
            }
        }
        let dir = match cx.path().rsplit_once('/') {
            Some((dir, _)) => dir,
            None => "",
        };
        // A compose service building this Dockerfile decides its context; then
        // `[docker.files."<path>"] context`, relative to the Dockerfile's folder (one that climbs
        // out of the workspace leaves the default); then the Dockerfile's folder.
        let build_context = crate::project::compose::build_context(cx.fs(), cx.path())
            .or_else(|| {
                cx.options().docker_context.as_deref().and_then(|context| {
                    crate::project::normalize_relative(&copy::join_relative(dir, context))
                })
            })
            .unwrap_or_else(|| dir.to_string());
        let final_stage = cx
            .options()
            .docker_target
            .as_deref()
            .and_then(|target| {
                stages.iter().position(|s| {
                    s.alias
                        .as_deref()
                        .is_some_and(|alias| alias.eq_ignore_ascii_case(target))
                })
            })
            .or(stages.len().checked_sub(1));
        DockerContext {
            cx,
            global_args,
            global_vars,
            stages,
            final_stage,
            build_context,
        }
    }

    /// The same model with another build context directory (workspace-relative), e.g. from a
    /// compose file or `[docker.files]` configuration.
    pub fn with_build_context(mut self, dir: impl Into<String>) -> Self {
        self.build_context = dir.into().trim_end_matches('/').to_string();
        self
    }

    pub fn text(&self) -> &'a str {
        self.cx.text()
    }

    /// The build context directory, workspace-relative, `""` for the workspace root. Defaults to
    /// the Dockerfile's directory.
    pub fn build_context(&self) -> &str {
        &self.build_context
    }

    /// The workspace-relative path of a build-context-relative path.
    pub fn context_path(&self, relative: &str) -> String {
        copy::join_relative(&self.build_context, relative)
    }

    pub fn stages(&self) -> &[Stage<'a>] {
        &self.stages
    }

    /// The `ARG` instructions before the first `FROM`.
    pub fn global_args(&self) -> &[Node<'a>] {
        &self.global_args
    }

    /// The values of the global `ARG`s (what `FROM` lines see).
    pub fn global_vars(&self) -> &Vars {
        &self.global_vars
    }

    /// The stage production images are built from: what `docker build` produces without
    /// `--target` (the last stage), unless configuration names another (`[docker] target`).
    pub fn final_stage(&self) -> Option<&Stage<'a>> {
        self.stages.get(self.final_stage?)
    }

    /// The stage whose `AS` name is `name` (case-insensitive).
    pub fn stage_named(&self, name: &str) -> Option<&Stage<'a>> {
        self.stages.iter().find(|s| {
            s.alias
                .as_deref()
                .is_some_and(|alias| alias.eq_ignore_ascii_case(name))
        })
    }

    /// The stage containing `node` (by position); `None` before the first `FROM`.
    pub fn stage_of(&self, node: Node<'_>) -> Option<&Stage<'a>> {
        self.stages
            .iter()
            .rev()
            .find(|s| s.from.start_byte() <= node.start_byte())
    }

    /// The stage chain of `stage` (H9): its base stages, outermost first, then the stage itself.
    /// Chains longer than [`MAX_CHAIN`] are cut at their outermost stages.
    pub fn chain(&self, stage: usize) -> Vec<usize> {
        let mut chain = vec![stage];
        let mut current = stage;
        // Bases always come earlier in the file, so this terminates.
        while let Some(Base::Stage(base)) = self.stages.get(current).map(|s| s.base) {
            if chain.len() >= MAX_CHAIN {
                break;
            }
            chain.push(base);
            current = base;
        }
        chain.reverse();
        chain
    }

    /// The instructions in effect for `stage` up to byte offset `before` (exclusive; `None` =
    /// the whole stage): every instruction of its base stages, then its own that end before
    /// `before`. Each comes with the index of its stage.
    pub fn chain_instructions(
        &self,
        stage: usize,
        before: Option<usize>,
    ) -> Vec<(usize, Node<'a>)> {
        let mut out = Vec::new();
        for index in self.chain(stage) {
            for &instruction in &self.stages[index].instructions {
                if index == stage && before.is_some_and(|b| instruction.end_byte() > b) {
                    break;
                }
                out.push((index, instruction));
            }
        }
        out
    }

    /// The ARG/ENV values in scope for `stage` before byte offset `before` (H9): `ENV` inherited
    /// through the stage chain, `ARG` only within the stage (an `ARG` without default takes the
    /// global `ARG`'s default), `ENV` winning over `ARG` of the same name.
    pub fn vars_at(&self, stage: usize, before: Option<usize>) -> Vars {
        let mut walk = ChainWalk::new(self);
        for (index, instruction) in self.chain_instructions(stage, before) {
            walk.step(index, instruction);
        }
        walk.vars
    }

    /// The vars in scope where `node` is (global ones before the first `FROM`).
    pub fn vars_for(&self, node: Node<'_>) -> Vars {
        match self.stage_of(node) {
            Some(stage) => self.vars_at(stage.index, Some(node.start_byte())),
            None => self.global_vars.clone(),
        }
    }

    /// The static value of a Dockerfile node (H1): a `json_string` JSON-decoded, anything else
    /// (`double_quoted_string`, `unquoted_string`, `path`, …) processed as Docker does, with ARG
    /// and ENV values in scope at the node. `None` when not static.
    pub fn value(&self, node: Node<'_>) -> Option<String> {
        if node.has_error() {
            return None;
        }
        let raw = &self.text()[node.byte_range()];
        if node.kind() == "json_string" {
            return command::decode_json_string(raw);
        }
        self.vars_for(node).expand(raw)
    }

    /// The working directory of `stage` before byte offset `before` (`None` = at the end of the
    /// stage, where `CMD`/`ENTRYPOINT` run): the last `WORKDIR` of the stage chain, relative ones
    /// joined onto the previous one, `/` by default. `None` when a `WORKDIR` does not resolve.
    pub fn workdir_at(&self, stage: usize, before: Option<usize>) -> Option<String> {
        let mut walk = ChainWalk::new(self);
        for (index, instruction) in self.chain_instructions(stage, before) {
            walk.step(index, instruction);
        }
        walk.workdir
    }

    /// The `CMD`/`ENTRYPOINT` the container of `stage` runs (H9).
    pub fn effective_command(&self, stage: usize) -> EffectiveCommand<'a> {
        let text = self.text();
        let mut effective = EffectiveCommand::default();
        let mut cmd_stage = None;
        for (index, instruction) in self.chain_instructions(stage, None) {
            match instruction.kind() {
                "entrypoint_instruction" => {
                    effective.entrypoint = Command::new(instruction, text);
                    // Docker resets a CMD inherited from the base when ENTRYPOINT is set.
                    if cmd_stage != Some(index) {
                        effective.cmd = None;
                    }
                }
                "cmd_instruction" => {
                    effective.cmd = Command::new(instruction, text);
                    cmd_stage = Some(index);
                }
                _ => {}
            }
        }
        effective
    }

    /// The `ENTRYPOINT` in effect at the end of `stage`, if any.
    pub fn entrypoint(&self, stage: usize) -> Option<Command<'a>> {
        self.effective_command(stage).entrypoint
    }

    /// The `COPY`/`ADD` instructions in effect for `stage` before `before` (`None` = the whole
    /// stage), in order, with paths resolved against the WORKDIR at each.
    pub fn copies(&self, stage: usize, before: Option<usize>) -> Vec<CopyOp<'a>> {
        let text = self.text();
        let mut out = Vec::new();
        // One pass: the vars and WORKDIR at each instruction, not recomputed per instruction
        // (a long chain of stages made that quadratic).
        let mut walk = ChainWalk::new(self);
        for (index, instruction) in self.chain_instructions(stage, before) {
            walk.step(index, instruction);
            let is_add = match instruction.kind() {
                "copy_instruction" => false,
                "add_instruction" => true,
                _ => continue,
            };
            let vars = &walk.vars;
            let mut from = None;
            let mut paths: Vec<(Node<'a>, Option<String>)> = Vec::new();
            let mut cursor = instruction.walk();
            for child in instruction.named_children(&mut cursor) {
                match child.kind() {
                    "param" => {
                        let param = parse_param(child, text);
                        if param.name == "from" {
                            from = Some(
                                param
                                    .raw_value
                                    .and_then(|v| vars.expand(&v))
                                    .unwrap_or_default(),
                            );
                        }
                    }
                    "path" => {
                        let heredoc = first_named_child(child, "heredoc_marker").is_some();
                        let value = if heredoc {
                            None
                        } else {
                            vars.expand(&text[child.byte_range()])
                        };
                        paths.push((child, value));
                    }
                    "json_string_array" => {
                        let mut inner = child.walk();
                        for element in child.named_children(&mut inner) {
                            let value = command::decode_json_string(&text[element.byte_range()])
                                .and_then(|v| vars.expand(&v));
                            paths.push((element, value));
                        }
                    }
                    _ => {}
                }
            }
            let Some((_, destination)) = paths.pop() else {
                continue;
            };
            let destination_is_dir =
                paths.len() > 1 || destination.as_deref().is_some_and(|d| d.ends_with('/'));
            let workdir = walk.workdir.clone();
            let destination = destination
                .zip(workdir)
                .map(|(dest, cwd)| copy::absolute(&cwd, &dest));
            out.push(CopyOp {
                instruction,
                is_add,
                from,
                sources: paths,
                destination,
                destination_is_dir,
            });
        }
        out
    }

    /// Where the container file at `path` (absolute, or relative to the stage's final WORKDIR)
    /// of `stage` comes from, checked against the file system: the build-context file a
    /// `COPY`/`ADD` of the stage chain copies there, when it exists.
    pub fn locate_file(&self, stage: usize, path: &str) -> Located {
        let Some(workdir) = self.workdir_at(stage, None) else {
            return Located::Unknowable;
        };
        let path = copy::absolute(&workdir, path);
        for op in self.copies(stage, None).iter().rev() {
            for origin in op.origins(&path) {
                match origin {
                    Origin::Elsewhere => return Located::Unknowable,
                    Origin::Context(relative) => {
                        let workspace_path = self.context_path(&relative);
                        if self.cx.fs().is_file(&workspace_path) {
                            return Located::InContext(workspace_path);
                        }
                    }
                }
            }
        }
        Located::Missing
    }

    /// The instruction parsed cleanly: no error inside it, nothing after it on its last line
    /// that the grammar left out of its node, and no error right after it that swallowed its
    /// continuation (a line continuation inside a JSON string leaves the rest of the
    /// instruction in an `ERROR` sibling).
    pub fn is_intact(&self, instruction: Node<'_>) -> bool {
        let text = self.text();
        let end = instruction.end_byte();
        let line_end = text[end..].find('\n').map_or(text.len(), |at| end + at);
        if instruction.has_error() || !text[end..line_end].trim().is_empty() {
            return false;
        }
        match instruction.next_sibling() {
            Some(next) if next.is_error() || next.is_missing() => {
                let gap = &text[end..next.start_byte()];
                gap.matches('\n').count() > 1
            }
            _ => true,
        }
    }

    /// Some heredoc marker (`<<EOF`) has no body ending in its delimiter: how the grammar reads
    /// the lines after it depends on what they hold, so no line may be inserted anywhere (found
    /// by fuzzing).
    fn has_open_heredoc(&self) -> bool {
        let text = self.text();
        if !text.contains("<<") {
            return false;
        }
        let root = self.cx.tree().root_node();
        crate::lang::any_node(root, |node, _| {
            if node.kind() != "heredoc_marker" {
                return false;
            }
            let mut instruction = node;
            while let Some(parent) = instruction.parent()
                && parent != root
            {
                instruction = parent;
            }
            let mut cursor = instruction.walk();
            let ended = instruction.children(&mut cursor).any(|child| {
                child.kind() == "heredoc_block" && first_named_child(child, "heredoc_end").is_some()
            });
            !ended
        })
    }

    /// Where new lines may go before `instruction`: the start of its line, when only
    /// indentation precedes it there. `None` when the file holds an unterminated heredoc.
    pub fn line_start_before(&self, instruction: Node<'_>) -> Option<usize> {
        let text = self.text();
        let at = instruction.start_byte();
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        (text[line_start..at].trim().is_empty() && !self.has_open_heredoc()).then_some(line_start)
    }

    /// Where a new instruction may follow `instruction`: the end of its last line, before the
    /// line break. `None` when that line goes on after the instruction's node: text the grammar
    /// left out of it (a `#` after `ARG NAME=` starts a comment that swallows the line break),
    /// which a new line after it could change the meaning of.
    pub fn end_of_line_after(&self, instruction: Node<'_>) -> Option<usize> {
        let text = self.text();
        let end = instruction.end_byte();
        let line_end = text[end..].find('\n').map_or(text.len(), |at| end + at);
        // After a heredoc marker (`<<EOF`), the next lines are the heredoc's body; after a
        // line continuation ending the file (the grammar keeps it in the node), a new line
        // would join the instruction.
        let own = &text[instruction.start_byte()..end];
        let heredoc = own.contains("<<");
        let continued = own.trim_end().ends_with('\\');
        let fits = !heredoc && !continued && text[end..line_end].trim().is_empty();
        (fits && !self.has_open_heredoc()).then(|| {
            if line_end > end && text.as_bytes()[line_end - 1] == b'\r' {
                line_end - 1
            } else {
                line_end
            }
        })
    }
}

/// How many stages a chain follows (a stage, its base, the base's base…). Every question about
/// a point of a stage (its vars, its WORKDIR) walks the chain, so a file of thousands of stages
/// each built on the previous one would take quadratic time; no real Dockerfile comes near.
pub const MAX_CHAIN: usize = 64;

/// The ARG/ENV values and the WORKDIR along a stage chain, one instruction at a time: after
/// the instructions before a point, what [`DockerContext::vars_at`] and
/// [`DockerContext::workdir_at`] give there.
struct ChainWalk<'d, 'a> {
    docker: &'d DockerContext<'a>,
    vars: Vars,
    env_names: HashSet<String>,
    stage: Option<usize>,
    workdir: Option<String>,
}

impl<'d, 'a> ChainWalk<'d, 'a> {
    fn new(docker: &'d DockerContext<'a>) -> Self {
        ChainWalk {
            docker,
            vars: Vars::default(),
            env_names: HashSet::new(),
            stage: None,
            workdir: Some("/".to_string()),
        }
    }

    /// Takes `instruction` of stage `index` into account.
    fn step(&mut self, index: usize, instruction: Node<'_>) {
        let text = self.docker.text();
        if self.stage != Some(index) {
            // A new stage keeps only the environment.
            if self.stage.is_some() {
                let mut kept = Vars::default();
                for name in &self.env_names {
                    kept.set(name.clone(), self.vars.get(name).map(str::to_string));
                }
                self.vars = kept;
            }
            self.stage = Some(index);
        }
        match instruction.kind() {
            "arg_instruction" => declare_args(
                instruction,
                text,
                &mut self.vars,
                Some(&self.docker.global_vars),
                &self.env_names,
            ),
            "env_instruction" => {
                let before_instruction = self.vars.clone();
                let mut cursor = instruction.walk();
                for pair in instruction.named_children(&mut cursor) {
                    let Some(name) = pair.child_by_field_name("name") else {
                        continue;
                    };
                    let name = text[name.byte_range()].to_string();
                    let value = pair
                        .child_by_field_name("value")
                        .and_then(|v| before_instruction.expand(&text[v.byte_range()]));
                    self.vars.set(name.clone(), value);
                    self.env_names.insert(name);
                }
            }
            "workdir_instruction" => {
                let Some(path) = first_named_child(instruction, "path") else {
                    return;
                };
                // As `DockerContext::value` reads it, with the vars in scope here.
                let raw = &text[path.byte_range()];
                let value = if path.has_error() {
                    None
                } else if path.kind() == "json_string" {
                    command::decode_json_string(raw)
                } else {
                    self.vars.expand(raw)
                };
                self.workdir = match (value, self.workdir.take()) {
                    (Some(v), _) if v.starts_with('/') => Some(copy::absolute("/", &v)),
                    (Some(v), Some(current)) => Some(copy::absolute(&current, &v)),
                    _ => None,
                };
            }
            _ => {}
        }
    }
}

/// Whether `instruction` (one instruction's text) parses without errors on its own: the
/// grammar rejects some valid Dockerfile text (a JSON string starting with `#`), and a fix must
/// not write what it rejects.
pub fn parses_cleanly(instruction: &str) -> bool {
    let mut parser = tree_sitter::Parser::new();
    let language = preflight_grammars::Language::Dockerfile;
    if parser.set_language(&language.grammar()).is_err() {
        return false;
    }
    parser
        .parse(format!("FROM scratch\n{instruction}\n"), None)
        .is_some_and(|tree| !tree.root_node().has_error())
}

/// The canonical keyword of an instruction node (`cmd_instruction` → `CMD`).
pub fn instruction_name(kind: &str) -> &'static str {
    match kind {
        "add_instruction" => "ADD",
        "arg_instruction" => "ARG",
        "cmd_instruction" => "CMD",
        "copy_instruction" => "COPY",
        "cross_build_instruction" => "CROSS_BUILD",
        "entrypoint_instruction" => "ENTRYPOINT",
        "env_instruction" => "ENV",
        "expose_instruction" => "EXPOSE",
        "from_instruction" => "FROM",
        "healthcheck_instruction" => "HEALTHCHECK",
        "label_instruction" => "LABEL",
        "maintainer_instruction" => "MAINTAINER",
        "onbuild_instruction" => "ONBUILD",
        "run_instruction" => "RUN",
        "shell_instruction" => "SHELL",
        "stopsignal_instruction" => "STOPSIGNAL",
        "user_instruction" => "USER",
        "volume_instruction" => "VOLUME",
        "workdir_instruction" => "WORKDIR",
        _ => "",
    }
}

/// The first named child of `node` of kind `kind`.
pub fn first_named_child<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).find(|c| c.kind() == kind)
}

/// The `param`s of an instruction.
pub fn params<'t>(instruction: Node<'t>, text: &str) -> Vec<Param<'t>> {
    let mut cursor = instruction.walk();
    instruction
        .named_children(&mut cursor)
        .filter(|c| c.kind() == "param")
        .map(|node| parse_param(node, text))
        .collect()
}

fn parse_param<'t>(node: Node<'t>, text: &str) -> Param<'t> {
    let raw = text[node.byte_range()].trim_start_matches('-');
    let (name, raw_value) = match raw.split_once('=') {
        Some((name, value)) => (name, Some(value.to_string())),
        None => (raw, None),
    };
    Param {
        node,
        name: name.to_string(),
        raw_value,
    }
}

fn build_stage<'a>(
    from: Node<'a>,
    index: usize,
    earlier: &[Stage<'a>],
    global_vars: &Vars,
    text: &str,
) -> Stage<'a> {
    let spec = first_named_child(from, "image_spec");
    let reference = spec.and_then(|s| global_vars.expand(&text[s.byte_range()]));
    let (name, tag, digest) = match reference.as_deref() {
        Some(r) => split_reference(r),
        None => (None, None, None),
    };
    let alias = from
        .child_by_field_name("as")
        .and_then(|a| global_vars.expand(&text[a.byte_range()]));
    let base = name
        .as_deref()
        .and_then(|name| {
            earlier.iter().rev().find(|s| {
                s.alias
                    .as_deref()
                    .is_some_and(|alias| alias.eq_ignore_ascii_case(name))
            })
        })
        .filter(|_| tag.is_none() && digest.is_none())
        .map_or(Base::Image, |s| Base::Stage(s.index));
    Stage {
        index,
        from,
        image: Image {
            spec,
            reference,
            name,
            tag,
            digest,
        },
        alias,
        params: params(from, text),
        base,
        instructions: Vec::new(),
    }
}

/// (name, tag, digest) of an image reference: `registry:5000/team/img:1.2@sha256:…`.
fn split_reference(reference: &str) -> (Option<String>, Option<String>, Option<String>) {
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest.to_string())),
        None => (reference, None),
    };
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(colon) => (
            &rest[..last_slash + colon],
            Some(rest[last_slash + colon + 1..].to_string()),
        ),
        None => (rest, None),
    };
    (Some(name.to_string()), tag, digest)
}

/// Applies the `arg_pair`s of an `ARG` to `vars`. `globals` supplies the defaults of redeclared
/// global `ARG`s; names in `env` are left alone (ENV wins over ARG).
fn declare_args(
    instruction: Node<'_>,
    text: &str,
    vars: &mut Vars,
    globals: Option<&Vars>,
    env: &HashSet<String>,
) {
    let mut cursor = instruction.walk();
    for pair in instruction.named_children(&mut cursor) {
        let Some(name) = pair.child_by_field_name("name") else {
            continue;
        };
        let name = &text[name.byte_range()];
        if env.contains(name) {
            continue;
        }
        let value = match pair.child_by_field_name("default") {
            Some(default) => vars.expand(&text[default.byte_range()]),
            None => globals.and_then(|g| g.get(name)).map(str::to_string),
        };
        vars.set(name, value);
    }
}

#[cfg(test)]
mod tests;
