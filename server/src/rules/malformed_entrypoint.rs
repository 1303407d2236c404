use super::{Check, FixAvailability, declare_rule};
use crate::diagnostic::{Category, Edit, Finding, Fix, Severity};
use crate::docker::command::{self, basename, is_dash_c, is_shell, launcher_len};
use crate::docker::python::{self, ModuleUse};
use crate::docker::{Command, CommandForm, DockerContext, Located, first_named_child, shell};
use preflight_grammars::LanguageFamily;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Checks the commands of `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` (and, for invalid JSON,
    /// `RUN` and `SHELL`) in every stage for mistakes that make the container fail at start or
    /// run something other than what was written:
    ///
    /// - an exec form that is not valid JSON (single quotes, a missing or trailing comma, an
    ///   unquoted element), which Docker silently runs as a shell command instead;
    /// - an argument with leading or trailing whitespace, an empty argument, or a program name
    ///   with spaces in it (`["python -m app"]`);
    /// - a `python -m` module path with spaces, slashes or a `.py` suffix;
    /// - a `uvicorn`/`gunicorn`/`hypercorn`/`daphne`/`granian` application that is not
    ///   `module.path:attribute`;
    /// - `$VARIABLES` and shell operators (`&&`, `|`, `>`, …) in an exec form, where no shell
    ///   expands or interprets them;
    /// - `["sh", "-c", "npm", "start"]`, where only `npm` runs.
    ///
    /// ## Why is this bad?
    /// Each of these fails only when the container starts: `sh: 1: [python,: not found`,
    /// `No module named src.api. main`, `Error loading ASGI app`, or a port that is literally
    /// `$PORT`. The image builds fine, so the mistake reaches a deployment before anyone notices,
    /// and the line looks right at a glance in review.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// WORKDIR /app
    /// COPY . .
    /// CMD ["python", "-m", "src.api. main"]
    /// ```
    /// ```dockerfile
    /// CMD ['uvicorn', 'app.main:app', '--host', '0.0.0.0']
    /// ENTRYPOINT ["gunicorn", "-b", "0.0.0.0:$PORT", "app.wsgi:application"]
    /// CMD ["sh", "-c", "npm", "start"]
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// CMD ["python", "-m", "src.api.main"]
    /// CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
    /// ENTRYPOINT ["sh", "-c", "exec gunicorn -b \"0.0.0.0:$PORT\" app.wsgi:application"]
    /// CMD ["sh", "-c", "npm start"]
    /// ```
    ///
    /// ## Fix safety
    /// - Rewriting invalid JSON is **safe** when every element is a quoted word without `\` or
    ///   `$`: the instruction cannot work as written, and the fix is exactly what was written.
    /// - Joining a split `sh -c` script is **safe** when no element contains whitespace or
    ///   quotes.
    /// - Normalising a module path, application or padded argument is **safe** only when the
    ///   normalised target exists in the build context (the Dockerfile's folder, mapped through
    ///   `WORKDIR` and `COPY`); otherwise it is **unsafe**.
    /// - Moving variables or operators into `sh -c "exec …"` is **unsafe**: quoting and
    ///   expansion semantics change.
    ///
    /// ## How to silence
    /// Put `# preflight-ignore: malformed-entrypoint` on the line above the instruction, or set
    /// `malformed-entrypoint = "off"` under `[rules]` in `preflight.toml`.
    pub static RULE = Rule {
        id: "malformed-entrypoint",
        summary: "Exec-form commands that Docker cannot run as written",
        category: Category::Deployment,
        severity: Severity::Error,
        languages: &[LanguageFamily::Dockerfile],
        fix: FixAvailability::Mixed,
        check: Check::Dockerfile(check),
    };
}

fn check(docker: &DockerContext<'_>, out: &mut Vec<Finding>) {
    for stage in docker.stages() {
        let entrypoint = docker.entrypoint(stage.index);
        for &instruction in &stage.instructions {
            if !docker.is_intact(instruction) {
                continue;
            }
            let (command, name, prefix) = match instruction.kind() {
                "cmd_instruction" => (instruction, "CMD", entrypoint.as_ref()),
                "entrypoint_instruction" => (instruction, "ENTRYPOINT", None),
                "healthcheck_instruction" => {
                    match first_named_child(instruction, "cmd_instruction") {
                        Some(cmd) => (cmd, "HEALTHCHECK CMD", None),
                        None => continue,
                    }
                }
                "run_instruction" => {
                    check_invalid_exec_form(docker, instruction, "RUN", out);
                    continue;
                }
                "shell_instruction" => {
                    check_invalid_exec_form(docker, instruction, "SHELL", out);
                    continue;
                }
                _ => continue,
            };
            let Some(command) = Command::new(command, docker.text()) else {
                continue;
            };
            match &command.form {
                CommandForm::Shell { .. } => {
                    check_invalid_exec_form(docker, command.instruction, name, out);
                }
                CommandForm::Exec { .. } => {
                    let prefix = prefix.filter(|p| p.is_exec());
                    ExecCheck::new(docker, stage.index, &command, prefix).run(out);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// M1: text that starts with `[` but is not JSON.

/// M1 on an instruction whose `shell_command` looks like an exec form.
fn check_invalid_exec_form(
    docker: &DockerContext<'_>,
    instruction: Node<'_>,
    name: &str,
    out: &mut Vec<Finding>,
) {
    let text = docker.text();
    let Some(node) = first_named_child(instruction, "shell_command") else {
        return;
    };
    let script = command::shell_script(node, text);
    if !script.trim_start().starts_with('[') {
        return;
    }
    // Docker parses any valid JSON array of strings as exec form, whatever the grammar says.
    if serde_json::from_str::<Vec<String>>(&script).is_ok() {
        return;
    }
    let Some(array) = LooseArray::parse(script.trim()) else {
        return;
    };
    let Some(reason) = array.reason(&script) else {
        return;
    };
    let raw = &text[node.byte_range()];
    let start = node.start_byte() + (raw.len() - raw.trim_start().len());
    let end = node.end_byte() - (raw.len() - raw.trim_end().len());
    // A broken `RUN` fails the build; a broken `CMD`/`ENTRYPOINT` fails when the container starts.
    let consequence = if name.eq_ignore_ascii_case("RUN") || name.eq_ignore_ascii_case("SHELL") {
        "the build will fail"
    } else {
        "the container will fail to start"
    };
    let mut finding = RULE.finding(
        start..end,
        format!(
            "`{name}` looks like exec form but is not valid JSON ({reason}); Docker will run it \
             with `/bin/sh -c` and {consequence}."
        ),
    );
    if let Some(json) = array
        .repaired(node)
        .filter(|json| crate::docker::parses_cleanly(&format!("{name} {json}")))
    {
        finding = finding.with_fix(Fix::safe(
            "Rewrite as a JSON array",
            vec![Edit::replace(start..end, json)],
        ));
    }
    out.push(finding);
}

/// An array-like text read leniently: what JSON it was probably meant to be.
struct LooseArray {
    elements: Vec<LooseElement>,
    commas: usize,
    missing_comma: bool,
    trailing_comma: bool,
    closed: bool,
}

struct LooseElement {
    value: String,
    /// The quote it was written with, `None` for a bare word.
    quote: Option<char>,
}

impl LooseArray {
    /// Reads `[a, 'b' "c",]`-like text; `None` when it is not array-like (text after the
    /// closing `]`, an unclosed quote).
    fn parse(text: &str) -> Option<LooseArray> {
        let mut chars = text.strip_prefix('[')?.chars().peekable();
        let mut array = LooseArray {
            elements: Vec::new(),
            commas: 0,
            missing_comma: false,
            trailing_comma: false,
            closed: false,
        };
        // Whether the previous item was an element not yet followed by a comma.
        let mut after_element = false;
        let mut after_comma = false;
        while let Some(c) = chars.next() {
            match c {
                c if c.is_whitespace() => {}
                ']' => {
                    array.closed = true;
                    array.trailing_comma = after_comma && !array.elements.is_empty();
                    break;
                }
                ',' => {
                    array.commas += 1;
                    after_element = false;
                    after_comma = true;
                }
                '"' | '\'' => {
                    let mut value = String::new();
                    loop {
                        match chars.next()? {
                            q if q == c => break,
                            '\\' if c == '"' => {
                                value.push('\\');
                                value.push(chars.next()?);
                            }
                            other => value.push(other),
                        }
                    }
                    array.missing_comma |= after_element;
                    array.elements.push(LooseElement {
                        value,
                        quote: Some(c),
                    });
                    after_element = true;
                    after_comma = false;
                }
                first => {
                    let mut value = String::from(first);
                    while let Some(&next) = chars.peek() {
                        if next.is_whitespace() || next == ',' || next == ']' {
                            break;
                        }
                        value.push(next);
                        chars.next();
                    }
                    array.missing_comma |= after_element;
                    array.elements.push(LooseElement { value, quote: None });
                    after_element = true;
                    after_comma = false;
                }
            }
        }
        // Anything after the closing bracket: not an exec form (`[ -f x ] && y` is a test).
        if chars.any(|c| !c.is_whitespace()) {
            return None;
        }
        Some(array)
    }

    /// Why this is not valid JSON, if it is an exec form at all. Without commas, text such as
    /// `[ -f /x ]` or `[ "$a" ]` is the shell's `test` command, not a broken exec form.
    fn reason(&self, text: &str) -> Option<&'static str> {
        if self.elements.is_empty() {
            return None;
        }
        let unquoted = self.elements.iter().any(|e| e.quote.is_none());
        if self.commas == 0 {
            let single_quoted = self.elements.iter().any(|e| e.quote == Some('\''));
            if unquoted || (self.elements.len() < 2 && !single_quoted) || !self.closed {
                return None;
            }
        }
        Some(if text.contains('\'') {
            "single quotes"
        } else if unquoted {
            "unquoted element"
        } else if self.missing_comma {
            "missing comma"
        } else if self.trailing_comma {
            "trailing comma"
        } else if !self.closed {
            "missing `]`"
        } else {
            "invalid string"
        })
    }

    /// The JSON the author meant, when every element is a quoted word without `\` or `$` and
    /// the command carries no comment lines that the rewrite would drop.
    fn repaired(&self, node: Node<'_>) -> Option<String> {
        if !self.closed || first_named_child(node, "comment").is_some() {
            return None;
        }
        let clean = self.elements.iter().all(|e| {
            e.quote.is_some() && !e.value.contains(['\\', '$']) && !e.value.contains(['\n', '\r'])
        });
        clean.then(|| json_array(self.elements.iter().map(|e| e.value.as_str())))
    }
}

fn json_array<'s>(values: impl IntoIterator<Item = &'s str>) -> String {
    let parts: Vec<String> = values.into_iter().map(json_string).collect();
    format!("[{}]", parts.join(", "))
}

fn json_string(value: &str) -> String {
    serde_json::to_string(value).expect("strings serialise")
}

// ---------------------------------------------------------------------------------------------
// M2–M7: valid exec forms.

/// One argv element: from this instruction (`node`), or from the `ENTRYPOINT` a `CMD` is
/// appended to (`node` is `None`: reported with the `ENTRYPOINT` itself).
struct Arg<'a> {
    value: String,
    node: Option<Node<'a>>,
}

/// What is wrong with one element.
enum Problem {
    /// M2, with the normalised elements when there is an obvious one.
    Whitespace(Option<Vec<String>>),
    /// M3, with the normalised module.
    Module(Option<String>),
    /// M4: the server and the normalised application (and whether its attribute was guessed).
    Application(String, Option<(String, bool)>),
    /// M5.
    Variable,
    /// M6.
    Operator,
}

/// M7: `[shell, -c, X, Y…]`; `script` is the index of X.
struct SplitScript {
    script: usize,
}

struct Analysis {
    problems: Vec<(usize, Problem)>,
    split: Option<SplitScript>,
}

const SHELL_OPERATORS: [&str; 8] = ["&&", "||", "|", ";", ">", ">>", "<", "2>&1"];

struct ExecCheck<'d, 'a> {
    docker: &'d DockerContext<'a>,
    stage: usize,
    array: Node<'a>,
    args: Vec<Arg<'a>>,
    /// How many leading args come from the `ENTRYPOINT`.
    prefix_len: usize,
    /// The `ENTRYPOINT` is a wrapper script that runs its arguments (`docker-entrypoint.sh`):
    /// the `CMD` is also read as a command of its own.
    wrapped: bool,
}

impl<'d, 'a> ExecCheck<'d, 'a> {
    fn new(
        docker: &'d DockerContext<'a>,
        stage: usize,
        command: &Command<'a>,
        prefix: Option<&Command<'a>>,
    ) -> Self {
        let CommandForm::Exec { array, elements } = &command.form else {
            unreachable!("called for exec forms")
        };
        let text = docker.text();
        let prefix = prefix.filter(|p| p.instruction != command.instruction);
        let prefix_argv = prefix.and_then(|p| p.argv(text)).unwrap_or_default();
        let wrapped = {
            let rest = &prefix_argv[launcher_len(&strs(&prefix_argv))..];
            rest.len() == 1
                && (rest[0].ends_with(".sh") || basename(&rest[0]).contains("entrypoint"))
        };
        let mut args: Vec<Arg<'a>> = prefix_argv
            .iter()
            .map(|value| Arg {
                value: value.clone(),
                node: None,
            })
            .collect();
        let prefix_len = args.len();
        let own: Option<Vec<Arg<'a>>> = elements
            .iter()
            .map(|element| {
                Some(Arg {
                    value: element.value.clone()?,
                    node: Some(element.node),
                })
            })
            .collect();
        match own {
            Some(own) => args.extend(own),
            // An element that does not decode: leave the instruction alone.
            None => args.clear(),
        }
        ExecCheck {
            docker,
            stage,
            array: *array,
            args,
            prefix_len,
            wrapped,
        }
    }

    fn run(&self, out: &mut Vec<Finding>) {
        if self.args.len() <= self.prefix_len || self.array.has_error() {
            return;
        }
        let values: Vec<String> = self.args.iter().map(|a| a.value.clone()).collect();
        let analysis = self.analyse(&values);
        let rewrite = self.shell_rewrite(&values, &analysis);
        for (index, problem) in &analysis.problems {
            if let Some(node) = self.args[*index].node {
                out.push(self.report(node, problem, &values, *index, rewrite.as_ref()));
            }
        }
        if let Some(split) = &analysis.split {
            self.report_split(split, &values, out);
        }
        if self.wrapped {
            // The wrapper runs the CMD as a command of its own: check it as one, too.
            let own = &values[self.prefix_len..];
            for (index, problem) in self.analyse(own).problems {
                let reported = analysis
                    .problems
                    .iter()
                    .any(|(i, _)| *i == index + self.prefix_len);
                if let (false, Some(node)) = (reported, self.args[index + self.prefix_len].node) {
                    out.push(self.report(node, &problem, own, index, None));
                }
            }
        }
    }

    fn analyse(&self, args: &[String]) -> Analysis {
        let skip = launcher_len(&strs(args));
        let mut problems = Vec::new();
        let Some(program) = args.get(skip) else {
            return Analysis {
                problems,
                split: None,
            };
        };
        let program_name = basename(program);
        let runs_shell = is_shell(program);
        let code = inline_code(args, skip);
        let module = python::module_index(args, skip);
        let app = python::application_index(args, skip, module);
        for (index, value) in args.iter().enumerate() {
            let is_code = code == Some(index);
            let find_terminator = value == ";"
                && args[..index]
                    .iter()
                    .any(|a| matches!(a.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir"));
            let problem = if !runs_shell
                && !is_code
                && index >= skip
                && SHELL_OPERATORS.contains(&value.as_str())
                && !find_terminator
            {
                Some(Problem::Operator)
            } else if !runs_shell
                && !is_code
                && has_variable(value)
                && !spring_placeholder(program_name, value)
            {
                Some(Problem::Variable)
            } else if module == Some(index) && !self.valid_module(value) {
                Some(Problem::Module(python::normalize_module(value)))
            } else if let Some((server, app_index)) = app
                && app_index == index
                && !self.valid_application(server, value)
                && !args[index + 1..]
                    .iter()
                    .any(|a| a.contains(':') && self.valid_application(server, a))
            {
                Some(Problem::Application(
                    server.to_string(),
                    python::normalize_application(server, value),
                ))
            } else if !is_code && has_bad_whitespace(value, index == skip) {
                Some(Problem::Whitespace(normalize_whitespace(
                    value,
                    index == skip,
                )))
            } else {
                None
            };
            if let Some(problem) = problem {
                problems.push((index, problem));
            }
        }
        let split = (runs_shell
            && args.len() >= skip + 4
            && is_dash_c(&args[skip + 1])
            && !args[skip + 2].contains(char::is_whitespace))
        .then_some(SplitScript { script: skip + 2 });
        Analysis { problems, split }
    }

    /// A module path `python -m` can run. Python does not check the syntax of the name, so a
    /// module that exists under its literal name (`my-tool.py`, `app/main/py.py` for
    /// `app.main.py`) is fine too.
    fn valid_module(&self, module: &str) -> bool {
        (python::is_dotted_path(module) && !module.ends_with(".py"))
            || self.module_exists(module, ModuleUse::Run, &[])
    }

    /// An application spec `server` accepts; `app.main.py:app` only when a module `py` exists.
    fn valid_application(&self, server: &str, spec: &str) -> bool {
        if !python::valid_application(server, spec) {
            return false;
        }
        match spec.split_once(':') {
            Some((module, _))
                if module.ends_with(".py") && !matches!(server, "hypercorn" | "granian") =>
            {
                self.module_exists(module, ModuleUse::Import, &[])
            }
            _ => true,
        }
    }

    /// The finding for `problem` of the element `node`, which is `values[index]` of the argv
    /// it was found in.
    fn report(
        &self,
        node: Node<'a>,
        problem: &Problem,
        values: &[String],
        index: usize,
        rewrite: Option<&Fix>,
    ) -> Finding {
        let value = &values[index];
        let shown = if value.is_empty() {
            "\"\""
        } else {
            value.as_str()
        };
        let (message, replacement) = match problem {
            Problem::Whitespace(normalized) => (
                format!(
                    "Exec-form argument `{shown}` contains leading/trailing/embedded whitespace; \
                     it is passed verbatim."
                ),
                normalized.clone(),
            ),
            Problem::Module(normalized) => (
                format!(
                    "`python -m {value}`: `{value}` is not a valid module path (use dots, no \
                     spaces, no `.py`)."
                ),
                normalized.clone().map(|m| vec![m]),
            ),
            Problem::Application(server, normalized) => (
                format!("`{server}` application `{value}` must be `module.path:attribute`."),
                normalized.clone().map(|(app, _)| vec![app]),
            ),
            Problem::Variable => (
                format!("`{value}` is not expanded in exec form; use `sh -c` or a fixed value."),
                None,
            ),
            Problem::Operator => (format!("`{value}` has no effect in exec form."), None),
        };
        let mut finding = RULE.finding(node.byte_range(), message);
        // The Dockerfile grammar reads a JSON string starting with `#` as a comment (Docker
        // does not), so such an argument could not be read back: no fix writes one.
        let replacement =
            replacement.filter(|elements| !elements.iter().any(|e| e.starts_with('#')));
        if let Some(elements) = replacement {
            let mut fixed: Vec<String> = values.to_vec();
            fixed.splice(index..=index, elements.iter().cloned());
            let guessed = matches!(problem, Problem::Application(_, Some((_, true))));
            let title = match (problem, elements.as_slice()) {
                (Problem::Module(_), [module]) => format!("Use module path `{module}`"),
                (Problem::Whitespace(_), [one]) => format!("Trim to `{one}`"),
                (Problem::Whitespace(_), _) => "Split into separate arguments".to_string(),
                _ => format!("Use `{}`", elements.join(" ")),
            };
            let edit = Edit::replace(
                node.byte_range(),
                elements
                    .iter()
                    .map(|e| json_string(e))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            let fix = if !guessed && self.target_exists(&fixed) {
                Fix::safe(title, vec![edit])
            } else {
                Fix::unsafe_(title, vec![edit])
            };
            finding = finding.with_fix(fix);
        } else if let (Problem::Variable | Problem::Operator, Some(fix)) = (problem, rewrite) {
            finding = finding.with_fix(fix.clone());
        }
        finding
    }

    fn report_split(&self, split: &SplitScript, values: &[String], out: &mut Vec<Finding>) {
        let own: Vec<Node<'a>> = self.args[split.script..]
            .iter()
            .filter_map(|a| a.node)
            .collect();
        let (Some(first), Some(last)) = (own.first(), own.last()) else {
            return;
        };
        let script = &values[split.script];
        let mut finding = RULE.finding(
            first.start_byte()..last.end_byte(),
            format!(
                "Only `{script}` runs in `sh -c`; the remaining elements become positional \
                 parameters."
            ),
        );
        // Joining is only ours to do when the script element is in this instruction.
        if self.args[split.script].node.is_some() {
            let parts = &values[split.script..];
            let plain = parts
                .iter()
                .all(|p| !p.contains(char::is_whitespace) && !p.contains(['\'', '"']));
            let joined = if plain {
                parts.join(" ")
            } else {
                let mut words = vec![script.clone()];
                words.extend(parts[1..].iter().map(|p| shell::quote(p)));
                words.join(" ")
            };
            let title = format!("Join into one script `{joined}`");
            let edit = Edit::replace(first.start_byte()..last.end_byte(), json_string(&joined));
            finding = finding.with_fix(if plain {
                Fix::safe(title, vec![edit])
            } else {
                Fix::unsafe_(title, vec![edit])
            });
        }
        out.push(finding);
    }

    /// The M5/M6 rewrite: run the command through `sh -c "exec …"`, launchers kept in front.
    /// Only for a command that is all this instruction's own.
    fn shell_rewrite(&self, values: &[String], analysis: &Analysis) -> Option<Fix> {
        let wanted = analysis
            .problems
            .iter()
            .any(|(_, p)| matches!(p, Problem::Variable | Problem::Operator));
        if !wanted || self.prefix_len > 0 {
            return None;
        }
        let skip = launcher_len(&strs(values));
        let operator_at = |i: usize| {
            analysis
                .problems
                .iter()
                .any(|(j, p)| *j == i && matches!(p, Problem::Operator))
        };
        let words: Vec<String> = (skip..values.len())
            .map(|i| {
                if operator_at(i) {
                    values[i].clone()
                } else {
                    shell::quote(&values[i])
                }
            })
            .collect();
        // `exec` goes before the last command of a `&&`/`||`/`;` list; a pipeline keeps its shell.
        let separators: Vec<usize> = (skip..values.len())
            .filter(|&i| operator_at(i) && matches!(values[i].as_str(), "&&" | "||" | ";"))
            .collect();
        let piped = (skip..values.len()).any(|i| operator_at(i) && values[i] == "|");
        let exec_at = separators.last().map_or(0, |&i| i + 1 - skip);
        let mut words = words;
        if !piped && exec_at < words.len() {
            words.insert(exec_at, "exec".into());
        }
        let script = words.join(" ");
        let mut argv: Vec<&str> = strs(&values[..skip]);
        argv.extend(["sh", "-c", script.as_str()]);
        let json = json_array(argv);
        Some(Fix::unsafe_(
            "Run through `sh -c`",
            vec![Edit::replace(self.array.byte_range(), json)],
        ))
    }

    // -----------------------------------------------------------------------------------------
    // Does the (normalised) command's target exist in the build context?

    fn target_exists(&self, args: &[String]) -> bool {
        let skip = launcher_len(&strs(args));
        let Some(program) = args.get(skip) else {
            return false;
        };
        let module = python::module_index(args, skip);
        if let Some((server, index)) = python::application_index(args, skip, module) {
            let roots = python::option_values(args, &["--app-dir", "--chdir", "--pythonpath"]);
            return python::application_module(server, &args[index])
                .is_some_and(|m| self.module_exists(&m, ModuleUse::Import, &roots));
        }
        if let Some(index) = module {
            return self.module_exists(&args[index], ModuleUse::Run, &[]);
        }
        let name = basename(program);
        if python::is_python(name) || matches!(name, "node" | "bun" | "deno") {
            let script = args[skip + 1..].iter().find(|a| !a.starts_with('-'));
            return script.is_some_and(|s| self.node_or_file_exists(s));
        }
        if program.starts_with('/') || program.starts_with("./") || program.ends_with(".sh") {
            return self.file_exists(program);
        }
        false
    }

    fn file_exists(&self, path: &str) -> bool {
        matches!(
            self.docker.locate_file(self.stage, path),
            Located::InContext(_)
        )
    }

    fn module_exists(&self, module: &str, usage: ModuleUse, extra_roots: &[String]) -> bool {
        let located = self
            .docker
            .locate_python_module(self.stage, module, usage, extra_roots);
        matches!(located, Located::InContext(_))
    }

    fn node_or_file_exists(&self, path: &str) -> bool {
        ["", ".js", ".mjs", ".cjs", "/index.js"]
            .iter()
            .any(|ext| self.file_exists(&format!("{path}{ext}")))
    }
}

fn strs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

/// The element holding inline code (`sh -c CODE`, `python -c CODE`, `node -e CODE`): it is a
/// program, not an argument, so whitespace and `$` in it are expected.
fn inline_code(args: &[String], skip: usize) -> Option<usize> {
    let program = basename(args.get(skip)?);
    let flags: &[&str] =
        if is_shell(program) || python::is_python(program) || matches!(program, "su" | "runuser") {
            &["-c"]
        } else if matches!(program, "node" | "bun" | "deno" | "perl" | "ruby") {
            &["-e", "--eval", "-p", "--print"]
        } else {
            return None;
        };
    let position = args[skip + 1..]
        .iter()
        .position(|a| flags.contains(&a.as_str()) || (is_shell(program) && is_dash_c(a)))?;
    Some(skip + 1 + position + 1).filter(|&i| i < args.len())
}

fn has_variable(value: &str) -> bool {
    value.match_indices('$').any(|(i, _)| {
        value[i + 1..]
            .chars()
            .next()
            .is_some_and(|c| c == '{' || c.is_ascii_alphabetic() || c == '_')
    })
}

/// Spring Boot resolves `${NAME}` / `${NAME:default}` placeholders in its own arguments.
fn spring_placeholder(program: &str, value: &str) -> bool {
    program == "java" && value.contains("${") && !value.replace("${", "").contains('$')
}

fn has_bad_whitespace(value: &str, is_program: bool) -> bool {
    value.is_empty() || value.trim() != value || (is_program && value.contains(char::is_whitespace))
}

/// The trimmed element, or a program name with spaces split into its words.
fn normalize_whitespace(value: &str, is_program: bool) -> Option<Vec<String>> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    if is_program && trimmed.contains(char::is_whitespace) {
        if trimmed.contains(['\'', '"', '\\', '$']) {
            return None;
        }
        return Some(trimmed.split_whitespace().map(str::to_string).collect());
    }
    Some(vec![trimmed.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::FixSafety;
    use crate::engine::{Engine, SourceFile};
    use crate::project::ProjectInfo;
    use crate::project::testing::MemoryFiles;
    use crate::rules::testing::{self, fixed, spans};
    use preflight_grammars::Language;

    /// Findings on `text` as `path`, in a workspace holding `files`.
    fn check_in(path: &str, text: &str, files: &[&str]) -> Vec<Finding> {
        let fs = MemoryFiles::with_paths(files);
        let engine = Engine::with_rules(vec![&RULE]);
        let file = SourceFile::new(path, text, Language::Dockerfile);
        let analysis = engine.analyze_file(&file, &ProjectInfo::default(), &fs);
        analysis
            .findings
            .into_iter()
            .filter(|f| f.rule == RULE.id)
            .collect()
    }

    fn check(text: &str) -> Vec<Finding> {
        testing::check(RULE.id, "Dockerfile", text)
    }

    fn messages(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.message.as_str()).collect()
    }

    fn safety(finding: &Finding) -> Option<FixSafety> {
        finding.fixes.first().map(|f| f.safety)
    }

    /// Applies every fix (unsafe included) and checks the result still parses cleanly.
    fn fix_all(text: &str, findings: &[Finding], level: FixSafety) -> String {
        let out = fixed(text, findings, level);
        let tree = Engine::with_rules(Vec::new()).parse(Language::Dockerfile, &out, None);
        assert!(!tree.root_node().has_error(), "fix broke the file:\n{out}");
        out
    }

    const MODULE_WHITESPACE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"-m\", \"src.api. main\"]\n";

    #[test]
    fn m3_module_with_whitespace_safe_when_the_module_exists() {
        let findings = check_in("Dockerfile", MODULE_WHITESPACE, &["src/api/main.py"]);
        assert_eq!(spans(MODULE_WHITESPACE, &findings), ["\"src.api. main\""]);
        assert_eq!(
            messages(&findings),
            [
                "`python -m src.api. main`: `src.api. main` is not a valid module path (use dots, no \
              spaces, no `.py`)."
            ]
        );
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        assert_eq!(
            fix_all(MODULE_WHITESPACE, &findings, FixSafety::Safe),
            MODULE_WHITESPACE.replace("src.api. main", "src.api.main")
        );
    }

    #[test]
    fn m3_fix_is_unsafe_without_the_module() {
        let findings = check_in("Dockerfile", MODULE_WHITESPACE, &["src/api/app.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
        assert_eq!(
            fixed(MODULE_WHITESPACE, &findings, FixSafety::Safe),
            MODULE_WHITESPACE
        );
        assert_eq!(
            fix_all(MODULE_WHITESPACE, &findings, FixSafety::Unsafe),
            MODULE_WHITESPACE.replace("src.api. main", "src.api.main")
        );
    }

    #[test]
    fn m3_module_found_through_main_dunder_copy_mapping_and_build_context() {
        let text = "FROM python:3.12\nWORKDIR /srv\nCOPY src/ ./src/\nCMD [\"python3.12\", \"-u\", \"-m\", \"src/api/main.py\"]\n";
        let findings = check_in("svc/Dockerfile", text, &["svc/src/api/main/__main__.py"]);
        assert_eq!(spans(text, &findings), ["\"src/api/main.py\""]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        assert!(fix_all(text, &findings, FixSafety::Safe).contains("\"-m\", \"src.api.main\"]"));
        // The same file outside the build context does not count.
        let findings = check_in("svc/Dockerfile", text, &["src/api/main/__main__.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
        // Nor does a file that is not copied into the image.
        let text = "FROM python:3.12\nWORKDIR /srv\nCOPY lib/ ./lib/\nCMD [\"python\", \"-m\", \"src/api/main.py\"]\n";
        let findings = check_in("Dockerfile", text, &["src/api/main.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
    }

    #[test]
    fn m3_module_on_pythonpath() {
        let text = "FROM python:3.12\nENV PYTHONPATH=/code\nCOPY . /code\nCMD [\"python\", \"-m\", \"api.main.py\"]\n";
        let findings = check_in("Dockerfile", text, &["api/main.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        // A module literally named `py` makes `api.main.py` valid.
        assert!(check_in("Dockerfile", text, &["api/main/py.py"]).is_empty());
    }

    #[test]
    fn m3_modules_that_exist_under_their_literal_name() {
        let text = "FROM python:3.12\nCOPY . .\nCMD [\"python\", \"-m\", \"my-tool\"]\n";
        assert!(check_in("Dockerfile", text, &["my-tool.py"]).is_empty());
        let findings = check_in("Dockerfile", text, &[]);
        assert_eq!(spans(text, &findings), ["\"my-tool\""]);
        assert!(findings[0].fixes.is_empty());
    }

    #[test]
    fn m3_behind_a_wrapper_script_checks_the_cmd_target() {
        let text = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nENTRYPOINT [\"./entrypoint.sh\"]\n\
                    CMD [\"python\", \"-m\", \"src/api/main.py\"]\n";
        let findings = check_in("Dockerfile", text, &["entrypoint.sh"]);
        assert_eq!(spans(text, &findings), ["\"src/api/main.py\""]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
        let findings = check_in("Dockerfile", text, &["entrypoint.sh", "src/api/main.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
    }

    #[test]
    fn m1_single_quotes_missing_and_trailing_commas_unquoted() {
        let cases = [
            (
                "CMD ['uvicorn', 'app.main:app', '--host', '0.0.0.0']",
                "CMD",
                "single quotes",
            ),
            (
                "ENTRYPOINT [\"node\" \"server.js\"]",
                "ENTRYPOINT",
                "missing comma",
            ),
            ("CMD [\"node\", \"server.js\",]", "CMD", "trailing comma"),
            ("CMD [node, server.js]", "CMD", "unquoted element"),
            (
                "RUN [\"pip\", \"install\", \"-r\", \"requirements.txt\"",
                "RUN",
                "missing `]`",
            ),
            (
                "CMD [\"uvicorn\", \"app.main:app\", ]",
                "CMD",
                "trailing comma",
            ),
        ];
        for (line, name, reason) in cases {
            let text = format!("FROM python:3.12\n{line}\n");
            let findings = check(&text);
            let consequence = if name == "RUN" {
                "the build will fail"
            } else {
                "the container will fail to start"
            };
            assert_eq!(
                messages(&findings),
                [format!(
                    "`{name}` looks like exec form but is not valid JSON ({reason}); Docker will \
                     run it with `/bin/sh -c` and {consequence}."
                )],
                "{line}"
            );
            assert!(spans(&text, &findings)[0].starts_with('['), "{line}");
        }
    }

    #[test]
    fn m1_repairs_quoted_words() {
        let text = "FROM python:3.12\nCMD ['uvicorn', 'app.main:app', \"--host\" '0.0.0.0',]\n";
        let findings = check(text);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        assert_eq!(
            fix_all(text, &findings, FixSafety::Safe),
            "FROM python:3.12\nCMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]\n"
        );
        // Quotes inside a single-quoted element are escaped in the JSON.
        let text = "FROM x\nCMD ['echo', 'say \"hi\"']\n";
        assert_eq!(
            fix_all(text, &check(text), FixSafety::Safe),
            "FROM x\nCMD [\"echo\", \"say \\\"hi\\\"\"]\n"
        );
    }

    #[test]
    fn m1_no_repair_for_unquoted_escapes_or_variables() {
        for line in [
            "CMD [node, server.js]",
            "CMD ['sh', '-c', 'echo $HOME']",
            "CMD ['printf', 'a\\nb']",
        ] {
            let text = format!("FROM x\n{line}\n");
            let findings = check(&text);
            assert_eq!(findings.len(), 1, "{line}");
            assert!(findings[0].fixes.is_empty(), "{line}");
        }
    }

    #[test]
    fn m1_ignores_shell_test_commands_and_plain_shell_forms() {
        for line in [
            "RUN [ -f /etc/passwd ] && echo ok",
            "RUN [ -d /app ]",
            "RUN [ \"$MODE\" = \"prod\" ]",
            "RUN [ \"$MODE\" ]",
            "CMD node server.js",
            "CMD echo '[a, b]'",
            "CMD [\"node\", \"server.js\"]",
            "SHELL [\"/bin/bash\", \"-c\"]",
        ] {
            let text = format!("FROM x\n{line}\n");
            assert!(check(&text).is_empty(), "{line}");
        }
    }

    #[test]
    fn m2_whitespace() {
        let text = "FROM node:20\nCOPY . .\nCMD [\"node\", \" dist/main.js\", \"\"]\n";
        let findings = check_in("Dockerfile", text, &["dist/main.js"]);
        assert_eq!(spans(text, &findings), ["\" dist/main.js\"", "\"\""]);
        assert_eq!(
            findings[0].message,
            "Exec-form argument ` dist/main.js` contains leading/trailing/embedded whitespace; it \
             is passed verbatim."
        );
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        assert!(findings[1].fixes.is_empty());
        assert!(
            fix_all(text, &findings, FixSafety::Safe)
                .contains("[\"node\", \"dist/main.js\", \"\"]")
        );
    }

    #[test]
    fn m2_program_with_spaces_is_split() {
        let text = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD [\"python -m app\"]\n";
        let findings = check_in("Dockerfile", text, &["app/__main__.py"]);
        assert_eq!(spans(text, &findings), ["\"python -m app\""]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        assert!(
            fix_all(text, &findings, FixSafety::Safe).contains("CMD [\"python\", \"-m\", \"app\"]")
        );
        let findings = check(text);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
    }

    #[test]
    fn m2_ignores_inline_code() {
        for line in [
            "CMD [\"python\", \"-c\", \"\\nimport app\\napp.run()\\n\"]",
            "CMD [\"sh\", \"-c\", \" exec node server.js \"]",
            "CMD [\"node\", \"-e\", \"require('./x') \"]",
            "CMD [\"python\", \"-c\", \"import os; print(os.environ['HOME'])\"]",
        ] {
            let text = format!("FROM x\n{line}\n");
            assert!(check(&text).is_empty(), "{line}");
        }
    }

    #[test]
    fn m4_application_specs() {
        let cases = [
            (
                "[\"uvicorn\", \"app/main.py:app\", \"--host\", \"0.0.0.0\"]",
                "uvicorn",
                "app/main.py:app",
                "app.main:app",
            ),
            (
                "[\"uvicorn\", \"--port\", \"80\", \"app.main.app\"]",
                "uvicorn",
                "app.main.app",
                "app.main:app",
            ),
            (
                "[\"gunicorn\", \"-w\", \"4\", \"main:app \"]",
                "gunicorn",
                "main:app ",
                "main:app",
            ),
            (
                "[\"python\", \"-m\", \"uvicorn\", \"app.main:\"]",
                "uvicorn",
                "app.main:",
                "app.main:app",
            ),
            (
                "[\"daphne\", \"-b\", \"0.0.0.0\", \"proj/asgi.py:application\"]",
                "daphne",
                "proj/asgi.py:application",
                "proj.asgi:application",
            ),
        ];
        for (array, server, spec, normalized) in cases {
            let text = format!("FROM python:3.12\nCMD {array}\n");
            let findings = check(&text);
            assert_eq!(
                messages(&findings),
                [format!(
                    "`{server}` application `{spec}` must be `module.path:attribute`."
                )],
                "{array}"
            );
            let fix = &findings[0].fixes[0];
            assert_eq!(fix.edits[0].replacement, json_string(normalized), "{array}");
            fix_all(&text, &findings, FixSafety::Unsafe);
        }
    }

    #[test]
    fn m4_fix_safety_follows_the_module() {
        let text = "FROM python:3.12\nWORKDIR /srv\nCOPY app/ ./app/\nCMD [\"uvicorn\", \"app/main.py:app\"]\n";
        let findings = check_in("Dockerfile", text, &["app/main.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        let findings = check_in("Dockerfile", text, &["app/other.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
        // `--app-dir` is a search root.
        let text = "FROM python:3.12\nCOPY . /code\nCMD [\"uvicorn\", \"--app-dir\", \"/code/src\", \"main.py:app\"]\n";
        let findings = check_in("Dockerfile", text, &["src/main.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        // A guessed attribute is never safe.
        let text = "FROM python:3.12\nCOPY . .\nCMD [\"uvicorn\", \"main:\"]\n";
        let findings = check_in("Dockerfile", text, &["main.py"]);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
    }

    #[test]
    fn m4_valid_specs() {
        for array in [
            "[\"gunicorn\", \"app:create_app()\", \"-b\", \"0.0.0.0:8000\"]",
            "[\"gunicorn\", \"myproject.wsgi\"]",
            "[\"gunicorn\", \"--bind=0.0.0.0:8000\", \"--workers\", \"2\", \"myproject.wsgi:application\"]",
            "[\"gunicorn\", \"-c\", \"gunicorn.conf.py\"]",
            "[\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\", \"--port\", \"8000\", \"--proxy-headers\"]",
            "[\"uvicorn\", \"--factory\", \"app.main:create_app\"]",
            "[\"uvicorn\", \"app.main:api.app\"]",
            "[\"hypercorn\", \"app/main.py:app\"]",
            "[\"hypercorn\", \"asgi:app.main\"]",
            "[\"granian\", \"--interface\", \"asgi\", \"main:app\"]",
            "[\"uvicorn\", \"--some-new-option\", \"value\", \"app.main:app\"]",
            "[\"python\", \"-m\", \"gunicorn\", \"app.wsgi:application\"]",
            "[\"poetry\", \"run\", \"uvicorn\", \"app.main:app\"]",
        ] {
            let text = format!("FROM python:3.12\nCMD {array}\n");
            assert!(check(&text).is_empty(), "{array}");
        }
    }

    #[test]
    fn m5_variables() {
        let text = "FROM python:3.12-slim\nENTRYPOINT [\"gunicorn\", \"-b\", \"0.0.0.0:$PORT\", \"app.wsgi:application\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"0.0.0.0:$PORT\""]);
        assert_eq!(
            messages(&findings),
            ["`0.0.0.0:$PORT` is not expanded in exec form; use `sh -c` or a fixed value."]
        );
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
        assert_eq!(
            fix_all(text, &findings, FixSafety::Unsafe),
            "FROM python:3.12-slim\nENTRYPOINT [\"sh\", \"-c\", \"exec gunicorn -b \\\"0.0.0.0:$PORT\\\" app.wsgi:application\"]\n"
        );
    }

    #[test]
    fn m5_keeps_launchers_outside_the_shell() {
        let text = "FROM node:20\nCMD [\"tini\", \"--\", \"node\", \"server.js\", \"--port\", \"${PORT}\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"${PORT}\""]);
        assert!(fix_all(text, &findings, FixSafety::Unsafe).contains(
            "[\"tini\", \"--\", \"sh\", \"-c\", \"exec node server.js --port \\\"${PORT}\\\"\"]"
        ));
    }

    #[test]
    fn m5_not_for_shells_code_or_spring_placeholders() {
        for line in [
            "CMD [\"sh\", \"-c\", \"exec uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000}\"]",
            "CMD [\"/bin/bash\", \"-lc\", \"node server.js --port $PORT\"]",
            "CMD [\"node\", \"-e\", \"console.log(`${process.pid}`)\"]",
            "CMD [\"java\", \"-Dserver.port=${PORT:8080}\", \"-jar\", \"app.jar\"]",
            "CMD [\"awk\", \"{print $1}\", \"file\"]",
            "CMD [\"echo\", \"costs $5\"]",
        ] {
            let text = format!("FROM x\n{line}\n");
            assert!(check(&text).is_empty(), "{line}");
        }
    }

    #[test]
    fn m6_operators() {
        let text =
            "FROM node:20\nCMD [\"npm\", \"run\", \"migrate\", \"&&\", \"node\", \"server.js\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"&&\""]);
        assert_eq!(messages(&findings), ["`&&` has no effect in exec form."]);
        assert_eq!(
            fix_all(text, &findings, FixSafety::Unsafe),
            "FROM node:20\nCMD [\"sh\", \"-c\", \"npm run migrate && exec node server.js\"]\n"
        );
        let text = "FROM x\nCMD [\"python\", \"job.py\", \"2>&1\", \"|\", \"tee\", \"log\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"2>&1\"", "\"|\""]);
        assert_eq!(
            fix_all(text, &findings, FixSafety::Unsafe),
            "FROM x\nCMD [\"sh\", \"-c\", \"python job.py 2>&1 | tee log\"]\n"
        );
        // `find -exec … ;` takes `;` as an argument.
        assert!(
            check("FROM x\nCMD [\"find\", \".\", \"-exec\", \"rm\", \"{}\", \";\"]\n").is_empty()
        );
    }

    #[test]
    fn m7_split_sh_c() {
        let text = "FROM node:20-slim\nCMD [\"sh\", \"-c\", \"npm\", \"start\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"npm\", \"start\""]);
        assert_eq!(
            messages(&findings),
            ["Only `npm` runs in `sh -c`; the remaining elements become positional parameters."]
        );
        assert_eq!(safety(&findings[0]), Some(FixSafety::Safe));
        assert_eq!(
            fix_all(text, &findings, FixSafety::Safe),
            "FROM node:20-slim\nCMD [\"sh\", \"-c\", \"npm start\"]\n"
        );
        // Quoting needed: unsafe.
        let text = "FROM x\nCMD [\"/bin/sh\", \"-c\", \"echo\", \"a b\"]\n";
        let findings = check(text);
        assert_eq!(safety(&findings[0]), Some(FixSafety::Unsafe));
        assert!(fix_all(text, &findings, FixSafety::Unsafe).contains("\"echo 'a b'\""));
        // The `$0` idiom with a real script is fine.
        assert!(
            check(
                "FROM x\nCMD [\"sh\", \"-c\", \"exec \\\"$0\\\" \\\"$@\\\"\", \"node\", \"x.js\"]\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn cmd_under_an_exec_entrypoint_is_read_as_its_arguments() {
        // Only `npm` runs: the CMD elements are reported, without a fix.
        let text = "FROM x\nENTRYPOINT [\"sh\", \"-c\", \"npm\"]\nCMD [\"start\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"start\""]);
        assert!(findings[0].fixes.is_empty());
        // The module after an ENTRYPOINT's `-m`.
        let text = "FROM python:3.12\nENTRYPOINT [\"python\", \"-m\"]\nCMD [\"src.api. main\"]\n";
        assert_eq!(spans(text, &check(text)), ["\"src.api. main\""]);
        // A shell ENTRYPOINT expands the CMD.
        let text = "FROM x\nENTRYPOINT [\"/bin/bash\", \"-c\"]\nCMD [\"echo $HOME\"]\n";
        assert!(check(text).is_empty());
        // Behind a wrapper script, the CMD is still checked as a command.
        let text = "FROM python:3.12\nENTRYPOINT [\"/docker-entrypoint.sh\"]\nCMD [\"python\", \"-m\", \"app/main.py\"]\n";
        assert_eq!(spans(text, &check(text)), ["\"app/main.py\""]);
        // Variables in a CMD appended to an ENTRYPOINT get no `sh -c` rewrite.
        let text = "FROM x\nENTRYPOINT [\"node\"]\nCMD [\"server.js\", \"$PORT\"]\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["\"$PORT\""]);
        assert!(findings[0].fixes.is_empty());
    }

    #[test]
    fn every_stage_and_healthcheck() {
        let text = "FROM python:3.12 AS build\nCMD [\"python\", \"-m\", \"a b\"]\n\
                    FROM python:3.12\nHEALTHCHECK CMD [\"curl\", \"http://localhost:$PORT/\"]\nCMD [\"python\", \"-m\", \"ok\"]\n";
        assert_eq!(
            spans(text, &check(text)),
            ["\"a b\"", "\"http://localhost:$PORT/\""]
        );
    }

    #[test]
    fn negatives_from_the_spec() {
        for text in [
            "FROM python:3.12-slim\nCMD [\"python\", \"-m\", \"src.api.main\"]\n",
            "FROM python:3.12-slim\nCMD [\"sh\", \"-c\", \"exec uvicorn app.main:app --host 0.0.0.0 --port ${PORT:-8000}\"]\n",
            "FROM node:20-slim\n# CMD ['node', 'server.js']  <- only a comment\nCMD [\"node\", \"dist/main.js\"]\n",
            "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:create_app()\", \"-b\", \"0.0.0.0:8000\"]\n",
            "FROM python:3.12-slim\nCMD exec gunicorn -b 0.0.0.0:$PORT app.wsgi:application\n",
            "FROM node:20-slim\nHEALTHCHECK CMD curl -fsS http://localhost:3000/health || exit 1\nCMD [\"node\", \"dist/main.js\"]\n",
            "FROM python:3.12-slim\nHEALTHCHECK NONE\nCMD [\"python\", \"-m\", \"worker\"]\n",
            "FROM node:20-slim\nONBUILD CMD ['node', 'x.js']\n",
        ] {
            assert!(check(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn parse_errors_are_not_findings() {
        for text in [
            // A line continuation inside a JSON string.
            "FROM python:3.12\nCMD [\"python\", \"-m\", \"src.api.\\\nmain\"]\n",
            // The grammar cannot continue a non-JSON `[` line, and reads invalid JSON under
            // HEALTHCHECK or SHELL as errors.
            "FROM x\nCMD ['node', \\\n    'server.js']\n",
            "FROM x\nHEALTHCHECK CMD ['curl', '-f', 'http://localhost/']\n",
            "FROM x\nHEALTHCHECK CMD [\"curl\" \"-f\"]\n",
            "FROM x\nHEALTHCHECK CMD [curl, -f]\n",
            "FROM x\nSHELL ['/bin/bash', '-c']\n",
        ] {
            assert!(check(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn crlf_files_are_fixed_in_place() {
        let text = MODULE_WHITESPACE.replace('\n', "\r\n");
        let findings = check_in("Dockerfile", &text, &["src/api/main.py"]);
        assert_eq!(spans(&text, &findings), ["\"src.api. main\""]);
        assert_eq!(
            fix_all(&text, &findings, FixSafety::Safe),
            text.replace("src.api. main", "src.api.main")
        );
        let text = "FROM x\r\nCMD ['node', 'server.js']\r\nRUN ['a',]\r\n";
        let findings = check(text);
        assert_eq!(spans(text, &findings), ["['node', 'server.js']", "['a',]"]);
        assert_eq!(
            fix_all(text, &findings, FixSafety::Safe),
            "FROM x\r\nCMD [\"node\", \"server.js\"]\r\nRUN [\"a\"]\r\n"
        );
    }

    #[test]
    fn variables() {
        assert!(has_variable("$PORT") && has_variable("a${B}"));
        assert!(!has_variable("$1") && !has_variable("$") && !has_variable("a $ b"));
        assert!(spring_placeholder("java", "--server.port=${PORT:8080}"));
        assert!(!spring_placeholder("java", "$PORT"));
    }

    /// Found by fuzzing: the grammar rejects a JSON string starting with `#` (it reads a
    /// comment), so the repaired array would not parse; no fix is offered then.
    #[test]
    fn no_repair_the_grammar_would_reject() {
        let text = "FROM python:3.12\nCMD [\"pyth,no\" \"#-m\", \"app\"]\n";
        let found = check(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].fixes.is_empty(), "{:?}", found[0].fixes);
    }

    /// Found by fuzzing: splitting `"guni, #main:App"` would write `"#main:App"`, an argument
    /// the grammar reads as a comment.
    #[test]
    fn no_split_into_an_argument_starting_with_a_hash() {
        let text = "FROM python:3.12-slim\nWORKDIR /srv\nCOPY / .\nCMD [\"guni, #main:App\"]\n";
        let found = check(text);
        assert_eq!(spans(text, &found), ["\"guni, #main:App\""]);
        assert!(found[0].fixes.is_empty(), "{:?}", found[0].fixes);
        // The same split without the hash is offered.
        let text = text.replace('#', "");
        let found = check(&text);
        assert_eq!(found[0].fixes.len(), 1, "{found:?}");
    }
}
