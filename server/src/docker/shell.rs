//! A POSIX `sh` tokenizer, just enough to read the commands a Dockerfile runs (RULES.md H9).
//!
//! Words come out with quotes removed and backslash escapes resolved, but with parameter
//! expansions and command substitutions kept literally (`${PORT:-8000}` stays as written): the
//! analyses that read them want to know *that* something expands, not to evaluate it. Every token
//! keeps its byte range in the input, so rules can anchor on it.
//!
//! Dockerfile line continuations (`\` before a line break) are removed wherever they appear, as
//! Docker joins the lines before the shell sees them; a `#` at the start of a word comments out the
//! rest of its line, which also covers the comment lines Docker drops inside a continued
//! instruction.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    /// A control operator (`&&`, `||`, `;`, `|`, `&`, `(`, `)`, a line break) or a redirection
    /// operator (`>`, `>>`, `<`, `2>&`, …).
    Operator,
}

/// One token of a shell command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// Words: the value after quote removal, expansions kept literally. Operators: their text
    /// (a line break is `"\n"`; an IO number is included, as in `2>&`).
    pub text: String,
    /// Byte range of the token in the tokenized input.
    pub range: Range<usize>,
    /// The word contains an unquoted or double-quoted `$`, or a backquote: its value is only
    /// known at run time.
    pub expands: bool,
}

impl Token {
    pub fn is_word(&self) -> bool {
        self.kind == TokenKind::Word
    }

    pub fn is_operator(&self, op: &str) -> bool {
        self.kind == TokenKind::Operator && self.text == op
    }

    /// A control operator: it ends a simple command.
    pub fn is_separator(&self) -> bool {
        self.kind == TokenKind::Operator
            && matches!(
                self.text.as_str(),
                "&&" | "||" | ";" | ";;" | "|" | "|&" | "&" | "(" | ")" | "\n"
            )
    }

    /// A redirection operator: the word after it is its target, not an argument.
    pub fn is_redirection(&self) -> bool {
        self.kind == TokenKind::Operator && !self.is_separator()
    }
}

/// Splits `input` into words and operators. `None` when a quote, `${`, `$(` or backquote is not
/// closed: the text is not a complete shell command.
pub fn tokenize(input: &str) -> Option<Vec<Token>> {
    Lexer {
        input,
        bytes: input.as_bytes(),
        at: 0,
        tokens: Vec::new(),
    }
    .run()
}

/// The simple commands of a token list: the runs of tokens between control operators (empty runs
/// dropped), in source order.
pub fn simple_commands(tokens: &[Token]) -> Vec<&[Token]> {
    tokens
        .split(|token| token.is_separator())
        .filter(|run| !run.is_empty())
        .collect()
}

/// The words of the last simple command of `input` (RULES.md H9): redirections and their targets
/// removed, then a leading `exec` and leading `NAME=value` assignments dropped. `None` when the
/// input does not tokenize or has no command.
pub fn last_simple_command(input: &str) -> Option<Vec<Token>> {
    let tokens = tokenize(input)?;
    let last = *simple_commands(&tokens).last()?;
    let words = command_words(input, last);
    (!words.is_empty()).then_some(words)
}

/// The words of one simple command, without redirections, a leading `exec` or leading
/// assignments. `input` is the text the tokens were read from (to tell `A=b` from `"A=b"`).
pub fn command_words(input: &str, command: &[Token]) -> Vec<Token> {
    let mut words = Vec::new();
    let mut skip_target = false;
    for token in command {
        if token.is_redirection() {
            skip_target = true;
        } else if skip_target {
            skip_target = false;
        } else {
            words.push(token.clone());
        }
    }
    let mut start = 0;
    while let Some(word) = words.get(start) {
        if is_assignment(&input[word.range.clone()]) || (word.text == "exec" && !word.expands) {
            start += 1;
        } else {
            break;
        }
    }
    words.split_off(start)
}

/// `NAME=value` as written (the name unquoted).
fn is_assignment(raw: &str) -> bool {
    let Some((name, _)) = raw.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Quotes `word` for a POSIX shell when it needs quoting: single quotes, or double quotes when it
/// holds a `$` expansion that must stay live.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'/' | b':' | b'=' | b',' | b'@' | b'+' | b'%'
                )
        });
    if plain {
        word.to_string()
    } else if word.contains('$') {
        let mut out = String::from("\"");
        for c in word.chars() {
            if matches!(c, '"' | '\\' | '`') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

struct Lexer<'a> {
    input: &'a str,
    bytes: &'a [u8],
    at: usize,
    tokens: Vec<Token>,
}

/// A word being read.
struct Pending {
    start: usize,
    text: String,
    expands: bool,
}

impl Lexer<'_> {
    fn run(mut self) -> Option<Vec<Token>> {
        let mut word: Option<Pending> = None;
        while self.at < self.bytes.len() {
            let b = self.bytes[self.at];
            if let Some(len) = self.continuation_len(self.at) {
                self.at += len;
                continue;
            }
            match b {
                b' ' | b'\t' | b'\r' => {
                    self.finish(&mut word);
                    self.at += 1;
                }
                b'\n' => {
                    self.finish(&mut word);
                    self.push_operator(self.at, self.at + 1, "\n".into());
                    self.at += 1;
                }
                b'#' if word.is_none() => {
                    while self.at < self.bytes.len() && self.bytes[self.at] != b'\n' {
                        self.at += 1;
                    }
                }
                b'&' | b'|' | b';' | b'(' | b')' | b'<' | b'>' => {
                    let io_number = matches!(b, b'<' | b'>')
                        && word.as_ref().is_some_and(|w| {
                            !w.expands
                                && self.input[w.start..self.at]
                                    .bytes()
                                    .all(|c| c.is_ascii_digit())
                        });
                    let start = if io_number {
                        word.take().map_or(self.at, |w| w.start)
                    } else {
                        self.finish(&mut word);
                        self.at
                    };
                    let end = self.operator_end(self.at);
                    let text = self.input[start..end].to_string();
                    self.push_operator(start, end, text);
                    self.at = end;
                }
                _ => {
                    let pending = word.get_or_insert_with(|| Pending {
                        start: self.at,
                        text: String::new(),
                        expands: false,
                    });
                    self.at = Self::word_part(self.input, self.at, pending)?;
                }
            }
        }
        self.finish(&mut word);
        Some(self.tokens)
    }

    /// Length of a line continuation (`\` + LF or CRLF) at `at`.
    fn continuation_len(&self, at: usize) -> Option<usize> {
        let rest = &self.bytes[at..];
        if rest.starts_with(b"\\\n") {
            Some(2)
        } else if rest.starts_with(b"\\\r\n") {
            Some(3)
        } else {
            None
        }
    }

    fn operator_end(&self, at: usize) -> usize {
        const OPERATORS: [&str; 14] = [
            "&&", "||", ";;", "|&", "<<-", "<<<", "<<", ">>", "<&", ">&", "<>", ">|", "&>>", "&>",
        ];
        let rest = &self.input[at..];
        let longest = OPERATORS
            .iter()
            .filter(|op| rest.starts_with(*op))
            .map(|op| op.len())
            .max();
        at + longest.unwrap_or(1)
    }

    fn push_operator(&mut self, start: usize, end: usize, text: String) {
        self.tokens.push(Token {
            kind: TokenKind::Operator,
            text,
            range: start..end,
            expands: false,
        });
    }

    fn finish(&mut self, word: &mut Option<Pending>) {
        if let Some(w) = word.take() {
            self.tokens.push(Token {
                kind: TokenKind::Word,
                text: w.text,
                range: w.start..self.at,
                expands: w.expands,
            });
        }
    }

    /// Reads one part of a word at `at` (a quoted string, an expansion, an escaped or plain
    /// character) into `word`; returns where the part ends.
    fn word_part(input: &str, at: usize, word: &mut Pending) -> Option<usize> {
        let bytes = input.as_bytes();
        match bytes[at] {
            b'\'' => {
                let close = at + 1 + input[at + 1..].find('\'')?;
                word.text
                    .push_str(&remove_continuations(&input[at + 1..close]));
                Some(close + 1)
            }
            b'"' => {
                let mut i = at + 1;
                loop {
                    match *bytes.get(i)? {
                        b'"' => return Some(i + 1),
                        b'\\' => match bytes.get(i + 1) {
                            Some(b'\n') => i += 2,
                            Some(b'\r') if bytes.get(i + 2) == Some(&b'\n') => i += 3,
                            Some(&c) if matches!(c, b'"' | b'\\' | b'$' | b'`') => {
                                word.text.push(c as char);
                                i += 2;
                            }
                            _ => {
                                word.text.push('\\');
                                i += 1;
                            }
                        },
                        b'$' | b'`' => {
                            let end = substitution_end(input, i)?;
                            word.expands |= end > i + 1 || bytes[i] == b'`';
                            word.text.push_str(&remove_continuations(&input[i..end]));
                            i = end;
                        }
                        _ => {
                            let c = input[i..].chars().next()?;
                            word.text.push(c);
                            i += c.len_utf8();
                        }
                    }
                }
            }
            b'\\' => match input[at + 1..].chars().next() {
                Some(c) => {
                    word.text.push(c);
                    Some(at + 1 + c.len_utf8())
                }
                None => {
                    word.text.push('\\');
                    Some(at + 1)
                }
            },
            b'$' | b'`' => {
                let end = substitution_end(input, at)?;
                word.expands |= end > at + 1 || bytes[at] == b'`';
                word.text.push_str(&remove_continuations(&input[at..end]));
                Some(end)
            }
            _ => {
                let c = input[at..].chars().next()?;
                word.text.push(c);
                Some(at + c.len_utf8())
            }
        }
    }
}

/// End of the expansion or substitution starting at `at` (a `$` or a backquote); `at + 1` for a
/// lone `$`. `None` when it is not closed.
fn substitution_end(input: &str, at: usize) -> Option<usize> {
    let bytes = input.as_bytes();
    if bytes[at] == b'`' {
        let mut i = at + 1;
        loop {
            match *bytes.get(i)? {
                b'\\' => i += 2,
                b'`' => return Some(i + 1),
                _ => i += 1,
            }
        }
    }
    match bytes.get(at + 1) {
        Some(b'{') => matching_close(bytes, at + 1, b'{', b'}'),
        Some(b'(') => matching_close(bytes, at + 1, b'(', b')'),
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            let len = bytes[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            Some(at + 1 + len)
        }
        Some(c) if c.is_ascii_digit() || b"@*#?-$!".contains(c) => Some(at + 2),
        _ => Some(at + 1),
    }
}

/// The index after the bracket closing the one at `open_at`, skipping quoted text.
fn matching_close(bytes: &[u8], open_at: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open_at;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'\'' => {
                i += 1;
                while *bytes.get(i)? != b'\'' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while *bytes.get(i)? != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `text` without Dockerfile line continuations (`\` + LF or CRLF).
pub fn remove_continuations(text: &str) -> String {
    text.replace("\\\r\n", "").replace("\\\n", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(input: &str) -> Vec<String> {
        tokenize(input)
            .unwrap()
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    fn last(input: &str) -> Vec<String> {
        last_simple_command(input)
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn splits_words_and_removes_quotes() {
        assert_eq!(
            words(r#"python -c 'print("hi")' "a b" c\ d"#),
            ["python", "-c", r#"print("hi")"#, "a b", "c d"]
        );
        assert_eq!(words(r#""a\"b\\c\d""#), [r#"a"b\c\d"#]);
        assert_eq!(words("a''b"), ["ab"]);
    }

    #[test]
    fn keeps_expansions_literally_and_marks_them() {
        let tokens = tokenize(r#"--port ${PORT:-8000} "$HOST" '$x' $(cat "f)") `id`"#).unwrap();
        let texts: Vec<_> = tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "--port",
                "${PORT:-8000}",
                "$HOST",
                "$x",
                r#"$(cat "f)")"#,
                "`id`"
            ]
        );
        let expands: Vec<_> = tokens.iter().map(|t| t.expands).collect();
        assert_eq!(expands, [false, true, true, false, true, true]);
        assert!(!tokenize("cost $ 5").unwrap()[1].expands);
    }

    #[test]
    fn operators_and_io_numbers() {
        assert_eq!(
            words("a&&b||c;d|e & f>out 2>&1 <in >>log"),
            [
                "a", "&&", "b", "||", "c", ";", "d", "|", "e", "&", "f", ">", "out", "2>&", "1",
                "<", "in", ">>", "log"
            ]
        );
        let tokens = tokenize("x 2>&1").unwrap();
        assert!(tokens[1].is_redirection());
        assert_eq!(tokens[1].range, 2..5);
    }

    #[test]
    fn ranges_point_into_the_input() {
        let input = "exec  'a b' c";
        let tokens = tokenize(input).unwrap();
        assert_eq!(&input[tokens[1].range.clone()], "'a b'");
        assert_eq!(&input[tokens[2].range.clone()], "c");
    }

    #[test]
    fn line_continuations_and_comments() {
        assert_eq!(words("npm \\\n  start"), ["npm", "start"]);
        assert_eq!(words("npm \\\r\n  start"), ["npm", "start"]);
        assert_eq!(words("a \\\n# note\n  && b"), ["a", "\n", "&&", "b"]);
        assert_eq!(words("echo a#b # c"), ["echo", "a#b"]);
        assert_eq!(words("x\ny"), ["x", "\n", "y"]);
    }

    #[test]
    fn unclosed_quotes_do_not_tokenize() {
        assert!(tokenize("echo 'a").is_none());
        assert!(tokenize("echo \"a").is_none());
        assert!(tokenize("echo ${a").is_none());
        assert!(tokenize("echo $(a").is_none());
    }

    #[test]
    fn last_simple_command_drops_exec_assignments_and_redirections() {
        assert_eq!(
            last("cd /app && exec uvicorn app.main:app --port ${PORT:-8000}"),
            ["uvicorn", "app.main:app", "--port", "${PORT:-8000}"]
        );
        assert_eq!(
            last("A=1 B=\"x y\" exec node server.js > /dev/null 2>&1"),
            ["node", "server.js"]
        );
        assert_eq!(last("set -e; npm ci | tee log"), ["tee", "log"]);
        assert_eq!(last("\"A=1\" cmd"), ["A=1", "cmd"]);
        assert_eq!(last("python app.py &"), ["python", "app.py"]);
        assert!(last_simple_command("  ").is_none());
        assert!(last_simple_command("A=1").is_none());
    }

    #[test]
    fn simple_commands_split_on_control_operators() {
        let tokens = tokenize("a 1; b 2 && (c)").unwrap();
        let commands: Vec<Vec<&str>> = simple_commands(&tokens)
            .into_iter()
            .map(|c| c.iter().map(|t| t.text.as_str()).collect())
            .collect();
        assert_eq!(commands, [vec!["a", "1"], vec!["b", "2"], vec!["c"]]);
    }

    #[test]
    fn quoting_round_trips() {
        for word in [
            "plain",
            "a b",
            "it's",
            "$PORT",
            "0.0.0.0:${PORT}",
            "",
            "say \"hi\" $X",
            "*",
        ] {
            let quoted = quote(word);
            let tokens = tokenize(&quoted).unwrap();
            assert_eq!(tokens.len(), 1, "{quoted}");
            assert_eq!(tokens[0].text, word, "{quoted}");
        }
        assert_eq!(quote("app.main:app"), "app.main:app");
        assert_eq!(quote("$PORT"), "\"$PORT\"");
    }
}
