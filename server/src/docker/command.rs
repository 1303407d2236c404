//! The commands a Dockerfile runs: `CMD`/`ENTRYPOINT` (and `HEALTHCHECK CMD`) in exec or shell
//! form, their argv, and the words rules analyse (RULES.md H9: the last simple command of a shell
//! script, without `exec`, assignments and launchers such as `tini` or `npx`).

use super::shell;
use std::ops::Range;
use tree_sitter::Node;

/// A `cmd_instruction` or `entrypoint_instruction`.
#[derive(Debug, Clone)]
pub struct Command<'a> {
    pub instruction: Node<'a>,
    pub form: CommandForm<'a>,
}

#[derive(Debug, Clone)]
pub enum CommandForm<'a> {
    /// `["a", "b"]`: a `json_string_array`.
    Exec {
        array: Node<'a>,
        elements: Vec<Element<'a>>,
    },
    /// Anything else: a `shell_command` run with `/bin/sh -c` (including text that starts with
    /// `[` but is not valid JSON).
    Shell { node: Node<'a> },
}

/// One `json_string` of an exec form.
#[derive(Debug, Clone)]
pub struct Element<'a> {
    pub node: Node<'a>,
    /// The JSON-decoded string; `None` if it does not decode.
    pub value: Option<String>,
}

impl<'a> Command<'a> {
    /// The command of a `cmd_instruction`/`entrypoint_instruction`; `None` when it has neither
    /// form (an empty or broken instruction).
    pub fn new(instruction: Node<'a>, text: &str) -> Option<Command<'a>> {
        let mut cursor = instruction.walk();
        let form =
            instruction
                .named_children(&mut cursor)
                .find_map(|child| match child.kind() {
                    "json_string_array" => {
                        let mut inner = child.walk();
                        let elements = child
                            .named_children(&mut inner)
                            .filter(|n| n.kind() == "json_string")
                            .map(|node| Element {
                                node,
                                value: decode_json_string(&text[node.byte_range()]),
                            })
                            .collect();
                        Some(CommandForm::Exec {
                            array: child,
                            elements,
                        })
                    }
                    "shell_command" => Some(CommandForm::Shell { node: child }),
                    _ => None,
                })?;
        Some(Command { instruction, form })
    }

    pub fn is_exec(&self) -> bool {
        matches!(self.form, CommandForm::Exec { .. })
    }

    pub fn is_entrypoint(&self) -> bool {
        self.instruction.kind() == "entrypoint_instruction"
    }

    /// The argv Docker runs (H9): the decoded exec-form elements, or
    /// `["/bin/sh", "-c", script]` for the shell form. `None` if an element does not decode.
    pub fn argv(&self, text: &str) -> Option<Vec<String>> {
        match &self.form {
            CommandForm::Exec { elements, .. } => {
                elements.iter().map(|e| e.value.clone()).collect()
            }
            CommandForm::Shell { node } => Some(vec![
                "/bin/sh".into(),
                "-c".into(),
                shell_script(*node, text),
            ]),
        }
    }

    /// The argv as [`Word`]s anchored in the file: exec elements, or for the shell form the
    /// three words of `/bin/sh -c script`, all anchored on the `shell_command`.
    pub fn words(&self, text: &str) -> Option<Vec<Word>> {
        match &self.form {
            CommandForm::Exec { elements, .. } => elements
                .iter()
                .map(|element| {
                    let value = element.value.clone()?;
                    let range = element.node.byte_range();
                    let raw = &text[range.start + 1..range.end - 1];
                    Some(Word {
                        exact_at: (raw == value).then_some(range.start + 1),
                        text: value,
                        range,
                        expands: false,
                    })
                })
                .collect(),
            CommandForm::Shell { node } => {
                let range = node.byte_range();
                let word = |text: &str| Word {
                    text: text.into(),
                    range: range.clone(),
                    expands: false,
                    exact_at: None,
                };
                let mut script = word(&shell_script(*node, text));
                // The script is the node's text when it spans one line without comments.
                if script.text == text[range.clone()].trim_end_matches('\r') {
                    script.exact_at = Some(range.start);
                }
                Some(vec![word("/bin/sh"), word("-c"), script])
            }
        }
    }
}

/// The shell script of a `shell_command`: its text without line continuations and without the
/// comment lines Docker drops inside a continued instruction.
pub fn shell_script(node: Node<'_>, text: &str) -> String {
    let mut out = String::new();
    let mut at = node.start_byte();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if matches!(child.kind(), "line_continuation" | "comment") {
            out.push_str(&text[at..child.start_byte()]);
            at = child.end_byte();
        }
    }
    out.push_str(&text[at..node.end_byte()]);
    // In a CRLF file the command ends with the `\r` of its line.
    if out.ends_with('\r') {
        out.pop();
    }
    out
}

/// The content of a `json_string` node's text, JSON-decoded.
pub fn decode_json_string(raw: &str) -> Option<String> {
    serde_json::from_str(raw).ok()
}

/// A command-line word and where it comes from in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// Where to report about this word: the `json_string` of an exec element, the token of a
    /// shell form, or the whole `sh -c` script element when the word cannot be located exactly.
    pub range: Range<usize>,
    /// The word holds a shell expansion (only for words read from a shell script).
    pub expands: bool,
    /// When `text` appears verbatim in the file, the byte offset where it starts.
    pub exact_at: Option<usize>,
}

/// The words a rule should read of a command line (H9): launchers skipped, and for a shell
/// script — `/bin/sh -c X`, also when written in exec form — the last simple command of `X`
/// without a leading `exec` or `NAME=value` assignments, with launchers skipped again.
pub fn analysed_words(words: &[Word]) -> Vec<Word> {
    let skip = launcher_len(&texts(words));
    let argv = &words[skip..];
    if argv.len() < 3 || !is_shell(&argv[0].text) || !is_dash_c(&argv[1].text) {
        return argv.to_vec();
    }
    let script = &argv[2];
    let Some(tokens) = shell::last_simple_command(&script.text) else {
        return Vec::new();
    };
    let inner: Vec<Word> = tokens
        .into_iter()
        .map(|token| match script.exact_at {
            Some(at) => Word {
                text: token.text,
                range: at + token.range.start..at + token.range.end,
                expands: token.expands,
                exact_at: None,
            },
            None => Word {
                text: token.text,
                range: script.range.clone(),
                expands: token.expands,
                exact_at: None,
            },
        })
        .collect();
    let skip = launcher_len(&texts(&inner));
    inner[skip..].to_vec()
}

fn texts(words: &[Word]) -> Vec<&str> {
    words.iter().map(|w| w.text.as_str()).collect()
}

/// The last path segment of a command name (`/usr/bin/python3` → `python3`).
pub fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// The `package.json` script a package manager command runs: `npm start`, `npm test`,
/// `npm run S`, `npm run-script S`, `bun run S`, `yarn S`, `yarn run S`, `pnpm S`,
/// `pnpm run S` → (index of the word naming the script, script). `None` for built-in commands
/// (`npm ci`, `yarn install`) and for scripts of another package (`--prefix`, `--filter`,
/// `--cwd`, `yarn workspace`).
pub fn package_script(args: &[String]) -> Option<(usize, String)> {
    const ELSEWHERE: &[&str] = &[
        "--prefix",
        "-C",
        "--dir",
        "--filter",
        "-F",
        "-w",
        "--workspace",
        "--cwd",
    ];
    let manager = basename(args.first()?);
    if !matches!(manager, "npm" | "yarn" | "pnpm" | "bun") {
        return None;
    }
    let elsewhere = args[1..].iter().any(|arg| {
        let name = arg.split_once('=').map_or(arg.as_str(), |(name, _)| name);
        ELSEWHERE.contains(&name)
    });
    if elsewhere {
        return None;
    }
    let positional: Vec<usize> = (1..args.len())
        .filter(|&i| !args[i].starts_with('-'))
        .collect();
    let first = *positional.first()?;
    let next = positional.get(1).copied();
    match (manager, args[first].as_str()) {
        ("npm", "start") => Some((first, "start".into())),
        ("npm", "test" | "t") => Some((first, "test".into())),
        ("npm", "run" | "run-script") | ("bun" | "yarn" | "pnpm", "run") => {
            next.map(|i| (i, args[i].clone()))
        }
        ("yarn" | "pnpm", script) if !is_package_manager_command(script) => {
            Some((first, script.to_string()))
        }
        _ => None,
    }
}

/// Built-in commands of yarn and pnpm (never scripts).
fn is_package_manager_command(word: &str) -> bool {
    matches!(
        word,
        "add"
            | "audit"
            | "bin"
            | "cache"
            | "config"
            | "create"
            | "dlx"
            | "exec"
            | "info"
            | "init"
            | "install"
            | "i"
            | "link"
            | "node"
            | "pack"
            | "publish"
            | "remove"
            | "rebuild"
            | "set"
            | "unlink"
            | "up"
            | "upgrade"
            | "why"
            | "workspace"
            | "workspaces"
    )
}

/// A POSIX-like shell: `sh`, `bash`, `ash`, `dash`, `zsh`, by name or path.
pub fn is_shell(program: &str) -> bool {
    matches!(basename(program), "sh" | "bash" | "ash" | "dash" | "zsh")
}

/// `-c`, alone or as the last of combined short options (`-ec`, `-lc`).
pub fn is_dash_c(arg: &str) -> bool {
    arg.len() >= 2
        && arg.starts_with('-')
        && !arg.starts_with("--")
        && arg.ends_with('c')
        && arg[1..].bytes().all(|b| b.is_ascii_lowercase())
}

/// How many leading words of `argv` are launchers that run the rest (H9): `tini`, `dumb-init`,
/// `gosu <user>`, `su-exec <user>`, `npx`, `pnpm exec`, `yarn exec`, `bunx`, `poetry run`,
/// `pipenv run`, `uv run`, `pdm run`, `--`, with their options.
pub fn launcher_len(argv: &[&str]) -> usize {
    let mut i = 0;
    loop {
        // An option taking a value may end the line without one (found by fuzzing).
        let Some(&word) = argv.get(i) else {
            return i.min(argv.len());
        };
        let next = argv.get(i + 1).copied();
        // (words the launcher itself takes, its options that take a value)
        let (taken, value_options): (usize, &[&str]) = match (basename(word), next) {
            ("--", _) => (1, &[]),
            ("tini" | "tini-static", _) => (1, &["-p", "-e"]),
            ("dumb-init", _) => (1, &["-r", "--rewrite"]),
            ("gosu" | "su-exec", Some(_)) => (2, &[]),
            ("npx", _) => (1, &["-p", "--package", "-c", "--call"]),
            ("bunx", _) => (1, &["-p", "--package"]),
            ("pnpm" | "yarn", Some("exec")) => (2, &[]),
            ("poetry" | "pipenv" | "pdm", Some("run")) => (2, &[]),
            ("uv", Some("run")) => (
                2,
                &[
                    "--with",
                    "--with-editable",
                    "--with-requirements",
                    "-p",
                    "--python",
                    "--package",
                    "--extra",
                    "--group",
                    "--env-file",
                    "--directory",
                    "--project",
                    "--index",
                    "--default-index",
                    "--index-url",
                    "--extra-index-url",
                ],
            ),
            _ => return i,
        };
        i += taken;
        if word == "--" {
            continue;
        }
        // The launcher's own options, up to the command it runs (a `--` is skipped next round).
        while let Some(&option) = argv.get(i) {
            if option == "--" || !option.starts_with('-') {
                break;
            }
            i += if value_options.contains(&option) {
                2
            } else {
                1
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(argv: &[&str]) -> Vec<Word> {
        argv.iter()
            .enumerate()
            .map(|(i, text)| Word {
                text: text.to_string(),
                range: i..i + 1,
                expands: false,
                exact_at: None,
            })
            .collect()
    }

    fn analysed(argv: &[&str]) -> Vec<String> {
        analysed_words(&words(argv))
            .into_iter()
            .map(|w| w.text)
            .collect()
    }

    #[test]
    fn package_scripts() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let script = |list: &[&str]| package_script(&args(list));
        assert_eq!(script(&["npm", "start"]), Some((1, "start".into())));
        assert_eq!(script(&["npm", "t"]), Some((1, "test".into())));
        assert_eq!(
            script(&["npm", "run", "start:prod"]),
            Some((2, "start:prod".into()))
        );
        assert_eq!(
            script(&["npm", "run", "--silent", "dev"]),
            Some((3, "dev".into()))
        );
        assert_eq!(script(&["yarn", "serve"]), Some((1, "serve".into())));
        assert_eq!(script(&["yarn", "start"]), Some((1, "start".into())));
        assert_eq!(script(&["bun", "run", "start"]), Some((2, "start".into())));
        assert_eq!(script(&["yarn", "install"]), None);
        assert_eq!(script(&["npm", "ci"]), None);
        assert_eq!(script(&["npm", "dev"]), None);
        assert_eq!(script(&["bun", "src/index.ts"]), None);
        // Another package's script.
        assert_eq!(script(&["pnpm", "--filter", "api", "start"]), None);
        assert_eq!(script(&["npm", "--prefix=api", "start"]), None);
        assert_eq!(script(&["yarn", "workspace", "api", "start"]), None);
        assert_eq!(script(&["node", "start"]), None);
    }

    #[test]
    fn launchers() {
        assert_eq!(launcher_len(&["tini", "--", "node", "x.js"]), 2);
        assert_eq!(launcher_len(&["/sbin/tini", "-g", "--", "node"]), 3);
        assert_eq!(launcher_len(&["tini", "-p", "SIGTERM", "--", "node"]), 4);
        assert_eq!(launcher_len(&["dumb-init", "gosu", "app", "uvicorn"]), 3);
        // An option missing its value at the end (found by fuzzing): everything is launcher.
        assert_eq!(launcher_len(&["/sbin/tini", "-5", "-e"]), 3);
        let words: Vec<Word> = ["/sbin/tini", "-5", "-e"]
            .iter()
            .map(|text| Word {
                text: text.to_string(),
                range: 0..0,
                expands: false,
                exact_at: None,
            })
            .collect();
        assert!(analysed_words(&words).is_empty());
        assert_eq!(launcher_len(&["npx", "-y", "nodemon", "x"]), 2);
        assert_eq!(launcher_len(&["pnpm", "exec", "next", "start"]), 2);
        assert_eq!(launcher_len(&["pnpm", "start"]), 0);
        assert_eq!(launcher_len(&["uv", "run", "--with", "x", "uvicorn"]), 4);
        assert_eq!(launcher_len(&["poetry", "run", "gunicorn"]), 2);
        assert_eq!(launcher_len(&["python", "-m", "x"]), 0);
        assert_eq!(launcher_len(&["gosu"]), 0);
        assert_eq!(launcher_len(&["tini"]), 1);
    }

    #[test]
    fn analyses_the_last_command_of_a_shell_script() {
        assert_eq!(
            analysed(&["sh", "-c", "exec uvicorn app.main:app --port ${PORT:-8000}"]),
            ["uvicorn", "app.main:app", "--port", "${PORT:-8000}"]
        );
        assert_eq!(
            analysed(&[
                "tini",
                "--",
                "/bin/bash",
                "-ec",
                "cd /app && exec npx next start"
            ]),
            ["next", "start"]
        );
        assert_eq!(
            analysed(&["/bin/sh", "-c", "A=1 node server.js"]),
            ["node", "server.js"]
        );
        assert_eq!(analysed(&["node", "server.js"]), ["node", "server.js"]);
        assert_eq!(analysed(&["sh", "-c"]), ["sh", "-c"]);
        assert!(analysed(&["sh", "-c", "echo 'unclosed"]).is_empty());
    }

    #[test]
    fn shell_script_words_are_anchored_exactly_when_possible() {
        let mut argv = words(&["sh", "-c", "exec node a.js"]);
        argv[2].range = 10..26;
        argv[2].exact_at = Some(11);
        let out = analysed_words(&argv);
        assert_eq!(out[0].range, 16..20);
        assert_eq!(out[1].range, 21..25);
        argv[2].exact_at = None;
        assert_eq!(analysed_words(&argv)[1].range, 10..26);
    }

    #[test]
    fn shells_and_dash_c() {
        assert!(is_shell("sh") && is_shell("/bin/bash") && is_shell("/usr/bin/zsh"));
        assert!(!is_shell("bashful") && !is_shell("/bin/shell"));
        assert!(is_dash_c("-c") && is_dash_c("-ec") && is_dash_c("-lc"));
        assert!(!is_dash_c("--c") && !is_dash_c("-e") && !is_dash_c("c"));
    }
}
