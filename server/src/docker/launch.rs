//! What a stage's container launches, for rules about the command itself (RULES.md H9 "effective
//! command" and "intended command"): the words of `ENTRYPOINT` + `CMD` as Docker joins them, the
//! `CMD` alone behind a wrapper script, and an exec form written as invalid JSON read as the array
//! its author meant. Also how to edit one of those words in place.

use super::command::{self, Word, analysed_words, basename, launcher_len};
use super::{Command, CommandForm, DockerContext, Stage};
use crate::diagnostic::Edit;
use tree_sitter::Node;

/// The argv its author meant a command to have: exec-form elements, the three words of
/// `/bin/sh -c script`, or for text that looks like an exec form but is not JSON
/// (`CMD ['npm', 'run', 'dev']`) its elements read leniently. `None` when a word does not decode.
pub fn intended_words(command: &Command<'_>, text: &str) -> Option<Vec<Word>> {
    if let CommandForm::Shell { node } = &command.form
        && let Some(words) = loose_array(*node, text)
    {
        return Some(words);
    }
    command.words(text)
}

/// Whether a shell-form `CMD`/`ENTRYPOINT` is really a broken exec form (`malformed-entrypoint`
/// reports those).
pub fn is_loose_array(command: &Command<'_>, text: &str) -> bool {
    match &command.form {
        CommandForm::Shell { node } => command::shell_script(*node, text)
            .trim_start()
            .starts_with('['),
        CommandForm::Exec { .. } => false,
    }
}

/// The command lines `stage`'s container runs, each analysed as H9 says (launchers, `sh -c`,
/// the last simple command): the `ENTRYPOINT` with the `CMD` appended when the `ENTRYPOINT` is an
/// exec form, or the `CMD` alone. When the `ENTRYPOINT` is a wrapper script that runs its
/// arguments (`docker-entrypoint.sh`), the `CMD` is read as a command line of its own too.
pub fn launched_commands(docker: &DockerContext<'_>, stage: usize) -> Vec<Vec<Word>> {
    let text = docker.text();
    let effective = docker.effective_command(stage);
    let entrypoint = effective
        .entrypoint
        .as_ref()
        .filter(|c| docker.is_intact(c.instruction))
        .and_then(|c| {
            Some((
                intended_words(c, text)?,
                c.is_exec() || is_loose_array(c, text),
            ))
        });
    let cmd = effective
        .cmd
        .as_ref()
        .filter(|c| docker.is_intact(c.instruction))
        .and_then(|c| intended_words(c, text));
    let mut out = Vec::new();
    match (entrypoint, cmd) {
        (Some((entrypoint, true)), Some(cmd)) => {
            let prefix = &entrypoint[launcher_len(&texts(&entrypoint))..];
            let wrapper = prefix.len() == 1
                && (prefix[0].text.ends_with(".sh")
                    || basename(&prefix[0].text).contains("entrypoint"));
            let mut joined = entrypoint.clone();
            joined.extend(cmd.iter().cloned());
            out.push(analysed_words(&joined));
            if wrapper {
                out.push(analysed_words(&cmd));
            }
        }
        (Some((entrypoint, _)), _) => out.push(analysed_words(&entrypoint)),
        (None, Some(cmd)) => out.push(analysed_words(&cmd)),
        (None, None) => {}
    }
    out.retain(|words| !words.is_empty());
    out
}

/// A stage meant for development by its name (`AS dev`, `AS development`, `AS test`): in a
/// multi-stage file whose last stage is such a target, production images are built with
/// `--target`, so rules about the production container leave it alone.
/// A stage configuration names as the target (`[docker] target`) is never one.
pub fn is_development_stage(docker: &DockerContext<'_>, stage: &Stage<'_>) -> bool {
    docker.cx.options().docker_target.is_none()
        && docker.stages().len() > 1
        && stage.alias.as_deref().is_some_and(|alias| {
            alias.split(['.', '-', '_']).any(|word| {
                matches!(
                    word.to_ascii_lowercase().as_str(),
                    "dev" | "development" | "local" | "test" | "ci" | "debug"
                )
            })
        })
}

fn texts(words: &[Word]) -> Vec<&str> {
    words.iter().map(|w| w.text.as_str()).collect()
}

/// Reads `['a', "b", c]` leniently. `None` unless the text is array-like: a closing `]` with
/// nothing after it, and commas or single quotes (without them, `[ -f x ]` is a `test`).
fn loose_array(node: Node<'_>, text: &str) -> Option<Vec<Word>> {
    let mut cursor = node.walk();
    if node.named_children(&mut cursor).next().is_some() {
        // Line continuations or comment lines: leave it to `malformed-entrypoint`.
        return None;
    }
    let raw = &text[node.byte_range()];
    let start = node.start_byte() + (raw.len() - raw.trim_start().len());
    let body = raw.trim().strip_prefix('[')?.strip_suffix(']')?;
    let base = start + 1;
    let mut words = Vec::new();
    let (mut commas, mut single_quotes) = (0, false);
    let mut at = 0;
    // Every arm moves `at` forward: a word ends at the first whitespace (any, as `find` below
    // sees it) or comma after its first character.
    while let Some(ch) = body[at..].chars().next() {
        match ch {
            ',' => {
                commas += 1;
                at += 1;
            }
            c if c.is_whitespace() => at += c.len_utf8(),
            quote @ ('"' | '\'') => {
                single_quotes |= quote == '\'';
                let close = at + 1 + body[at + 1..].find(quote)?;
                let value = &body[at + 1..close];
                if value.contains('\\') {
                    return None;
                }
                words.push(Word {
                    text: value.to_string(),
                    range: base + at..base + close + 1,
                    expands: false,
                    exact_at: Some(base + at + 1),
                });
                at = close + 1;
            }
            '[' | ']' => return None,
            _ => {
                let end = body[at..]
                    .find(|c: char| c.is_whitespace() || c == ',')
                    .map_or(body.len(), |e| at + e);
                words.push(Word {
                    text: body[at..end].to_string(),
                    range: base + at..base + end,
                    expands: false,
                    exact_at: Some(base + at),
                });
                at = end;
            }
        }
    }
    (!words.is_empty() && (commas > 0 || single_quotes)).then_some(words)
}

/// How one word of a command line sits in the file, for edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordSite {
    /// A whole `json_string` element of an exec form.
    Element,
    /// A shell token written exactly as its value; `in_json` when it lies inside the
    /// `json_string` of an exec-form `sh -c` script (replacements are JSON-escaped).
    Token { in_json: bool },
}

/// Where `word` is written, if it can be edited in place: an exec-form element, or a shell token
/// whose text is its value (no quotes or escapes). `None` otherwise (an inexact anchor, a word of
/// a leniently read array).
pub fn word_site(docker: &DockerContext<'_>, word: &Word) -> Option<WordSite> {
    let text = docker.text();
    let raw = text.get(word.range.clone())?;
    let root = docker.cx.tree().root_node();
    let node = root.descendant_for_byte_range(word.range.start, word.range.end)?;
    if node.has_error() {
        return None;
    }
    let inside_array = |n: Node<'_>| {
        n.parent()
            .is_some_and(|p| p.kind() == "json_string_array" && !p.has_error())
    };
    if node.kind() == "json_string"
        && node.byte_range() == word.range
        && inside_array(node)
        && command::decode_json_string(raw).as_deref() == Some(word.text.as_str())
    {
        return Some(WordSite::Element);
    }
    if raw != word.text || raw.is_empty() {
        return None;
    }
    match node.kind() {
        "json_string" if inside_array(node) => Some(WordSite::Token { in_json: true }),
        // Not a word of an exec form written as invalid JSON.
        "shell_command" if !text[node.byte_range()].trim_start().starts_with('[') => {
            Some(WordSite::Token { in_json: false })
        }
        _ => None,
    }
}

/// An edit removing `word` (with the separator before it) from its command line.
pub fn remove_word(docker: &DockerContext<'_>, word: &Word) -> Option<Edit> {
    let text = docker.text();
    match word_site(docker, word)? {
        WordSite::Element => {
            let root = docker.cx.tree().root_node();
            let node = root.descendant_for_byte_range(word.range.start, word.range.end)?;
            match (node.prev_named_sibling(), node.next_named_sibling()) {
                (Some(previous), _) => Some(Edit::delete(previous.end_byte()..node.end_byte())),
                (None, Some(next)) => Some(Edit::delete(node.start_byte()..next.start_byte())),
                (None, None) => None,
            }
        }
        WordSite::Token { .. } => {
            let before = &text[..word.range.start];
            let start = before.trim_end_matches([' ', '\t']).len();
            (start < word.range.start).then(|| Edit::delete(start..word.range.end))
        }
    }
}

/// An edit replacing the consecutive words `words` (all of one instruction) with `replacement`:
/// JSON elements for an exec form, shell-quoted words for a shell form.
pub fn replace_words(
    docker: &DockerContext<'_>,
    words: &[Word],
    replacement: &[String],
) -> Option<Edit> {
    let text = docker.text();
    let (first, last) = (words.first()?, words.last()?);
    let sites: Option<Vec<WordSite>> = words.iter().map(|w| word_site(docker, w)).collect();
    let sites = sites?;
    // One instruction, one form, nothing but separators between the words.
    let separator = match sites[0] {
        WordSite::Element => |gap: &str| gap.trim() == ",",
        WordSite::Token { .. } => |gap: &str| !gap.is_empty() && gap.trim().is_empty(),
    };
    let consistent = sites.iter().all(|s| *s == sites[0])
        && words.windows(2).all(|pair| {
            separator(
                text.get(pair[0].range.end..pair[1].range.start)
                    .unwrap_or(""),
            )
        });
    if !consistent {
        return None;
    }
    let new_text = match sites[0] {
        WordSite::Element => replacement
            .iter()
            .map(|w| serde_json::to_string(w).expect("strings serialise"))
            .collect::<Vec<_>>()
            .join(", "),
        WordSite::Token { in_json } => {
            let shell: Vec<String> = replacement.iter().map(|w| super::shell::quote(w)).collect();
            let joined = shell.join(" ");
            if in_json {
                let json = serde_json::to_string(&joined).expect("strings serialise");
                json[1..json.len() - 1].to_string()
            } else {
                joined
            }
        }
    };
    Some(Edit::replace(first.range.start..last.range.end, new_text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::testing::with_docker;

    fn launched(text: &str) -> Vec<Vec<String>> {
        with_docker("Dockerfile", text, &[], |docker| {
            let stage = docker.final_stage().unwrap().index;
            launched_commands(docker, stage)
                .into_iter()
                .map(|words| words.into_iter().map(|w| w.text).collect())
                .collect()
        })
    }

    #[test]
    fn entrypoint_and_cmd_are_joined() {
        assert_eq!(
            launched("FROM x\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"npm\", \"run\", \"dev\"]\n"),
            [["npm", "run", "dev"]]
        );
        assert_eq!(
            launched("FROM x\nENTRYPOINT [\"python\"]\nCMD [\"manage.py\", \"runserver\"]\n"),
            [["python", "manage.py", "runserver"]]
        );
        // A shell-form ENTRYPOINT ignores the CMD.
        assert_eq!(
            launched("FROM x\nENTRYPOINT exec node a.js\nCMD [\"--reload\"]\n"),
            [["node", "a.js"]]
        );
    }

    #[test]
    fn wrapper_scripts_run_the_cmd() {
        assert_eq!(
            launched(
                "FROM x\nENTRYPOINT [\"/docker-entrypoint.sh\"]\nCMD [\"uvicorn\", \"a:app\", \"--reload\"]\n"
            ),
            vec![
                vec!["/docker-entrypoint.sh", "uvicorn", "a:app", "--reload"],
                vec!["uvicorn", "a:app", "--reload"]
            ]
        );
    }

    #[test]
    fn invalid_json_is_read_as_meant() {
        assert_eq!(
            launched("FROM x\nCMD ['npm', 'run', 'dev']\n"),
            [["npm", "run", "dev"]]
        );
        assert_eq!(
            launched("FROM x\nCMD [npm, run, dev]\n"),
            [["npm", "run", "dev"]]
        );
        // A test command is not an array.
        assert_eq!(
            launched("FROM x\nCMD [ -f /x ] && exec node a.js\n"),
            [["node", "a.js"]]
        );
    }

    /// Found by fuzzing: a vertical tab (whitespace to `char`, not to `u8`) made an empty word
    /// that never advanced, and the loop filled memory with empty words.
    #[test]
    fn any_whitespace_separates_the_words_of_a_loose_array() {
        assert_eq!(
            launched("FROM x\nCMD [filenam\x0berun\", \"dein.py\"]\n"),
            [["filenam", "erun\"", "dein.py"]]
        );
        assert_eq!(
            launched("FROM x\nCMD [npm,\u{a0}run,\u{2028}dev]\n"),
            [["npm", "run", "dev"]]
        );
    }

    #[test]
    fn edits_elements_and_tokens() {
        let text = "FROM x\nCMD [\"uvicorn\", \"a:app\", \"--reload\"]\n";
        with_docker("Dockerfile", text, &[], |docker| {
            let words = &launched_commands(docker, 0)[0];
            assert_eq!(word_site(docker, &words[2]), Some(WordSite::Element));
            let edit = remove_word(docker, &words[2]).unwrap();
            assert_eq!(&text[edit.range.clone()], ", \"--reload\"");
            let edit = replace_words(docker, &words[..2], &["a b".into()]).unwrap();
            assert_eq!(edit.replacement, "\"a b\"");
        });
        let text = "FROM x\nCMD [\"sh\", \"-c\", \"exec uvicorn a:app --reload\"]\n";
        with_docker("Dockerfile", text, &[], |docker| {
            let words = &launched_commands(docker, 0)[0];
            assert_eq!(
                word_site(docker, &words[2]),
                Some(WordSite::Token { in_json: true })
            );
            assert_eq!(
                &text[remove_word(docker, &words[2]).unwrap().range],
                " --reload"
            );
            let edit = replace_words(docker, &words[..1], &["it's".into()]).unwrap();
            assert_eq!(edit.replacement, "'it'\\\\''s'");
        });
        let text = "FROM x\nCMD uvicorn a:app \"--reload\"\n";
        with_docker("Dockerfile", text, &[], |docker| {
            let words = &launched_commands(docker, 0)[0];
            assert_eq!(
                word_site(docker, &words[1]),
                Some(WordSite::Token { in_json: false })
            );
            // A quoted token is not written as its value.
            assert_eq!(word_site(docker, &words[2]), None);
        });
    }
}
