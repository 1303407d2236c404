//! Build variables (`ARG`/`ENV`) and Docker's own word processing of instruction arguments:
//! quote removal, backslash escapes and `$NAME` / `${NAME}` / `${NAME:-word}` expansion.

use std::collections::HashMap;

/// The variables in scope at one point of a Dockerfile. A name maps to `None` when it is declared
/// but its value is unknown (an `ARG` without default, a value that did not resolve).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    values: HashMap<String, Option<String>>,
}

impl Vars {
    /// The value of `name`: `None` when it is undeclared or unknown.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.as_deref())
    }

    pub fn is_declared(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub fn set(&mut self, name: impl Into<String>, value: Option<String>) {
        self.values.insert(name.into(), value);
    }

    /// Processes `raw` as Docker processes instruction arguments (see [`process_word`]).
    pub fn expand(&self, raw: &str) -> Option<String> {
        process_word(raw, self)
    }
}

/// How deep `${A:-${B:-…}}` defaults may nest before the value counts as unknown.
const MAX_NESTING: usize = 8;

/// The value of an instruction argument as Docker computes it: line continuations removed, quotes
/// removed (single quotes literal, double quotes expanding), backslash escapes resolved, and
/// expansions substituted from `vars`. `${V:-word}` and `${V-word}` use `word` when `V` is unset,
/// empty or unknown; `${V:+word}`/`${V+word}` give `word` when `V` is set. `None` when a needed
/// value is unknown or the text uses an expansion form this does not evaluate.
pub fn process_word(raw: &str, vars: &Vars) -> Option<String> {
    let text = super::shell::remove_continuations(raw);
    expand_text(&text, vars, 0)
}

fn expand_text(text: &str, vars: &Vars, depth: usize) -> Option<String> {
    if depth > MAX_NESTING {
        return None;
    }
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    let mut in_double = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    if in_double && !matches!(next, '"' | '\\' | '$') {
                        out.push('\\');
                    }
                    out.push(next);
                } else {
                    out.push('\\');
                }
            }
            '\'' if !in_double => {
                let close = text[i + 1..].find('\'')? + i + 1;
                out.push_str(&text[i + 1..close]);
                while chars.peek().is_some_and(|&(j, _)| j <= close) {
                    chars.next();
                }
            }
            '"' => in_double = !in_double,
            '$' => {
                let rest = &text[i + 1..];
                let (value, consumed) = expansion(rest, vars, depth)?;
                out.push_str(&value);
                let end = i + 1 + consumed;
                while chars.peek().is_some_and(|&(j, _)| j < end) {
                    chars.next();
                }
            }
            _ => out.push(c),
        }
    }
    (!in_double).then_some(out)
}

/// Evaluates the expansion after a `$`: its value and how many bytes of `rest` it used.
fn expansion(rest: &str, vars: &Vars, depth: usize) -> Option<(String, usize)> {
    if let Some(inner) = rest.strip_prefix('{') {
        let close = closing_brace(inner)?;
        let body = &inner[..close];
        let name_len = name_length(body);
        if name_len == 0 {
            return None;
        }
        let (name, modifier) = body.split_at(name_len);
        let value = vars.get(name);
        let result = if modifier.is_empty() {
            value?.to_string()
        } else if let Some(word) = modifier.strip_prefix(":-").or(modifier.strip_prefix('-')) {
            match value {
                Some(v) if !v.is_empty() => v.to_string(),
                _ => expand_text(word, vars, depth + 1)?,
            }
        } else if let Some(word) = modifier.strip_prefix(":+").or(modifier.strip_prefix('+')) {
            match value {
                Some(v) if !v.is_empty() => expand_text(word, vars, depth + 1)?,
                Some(_) => String::new(),
                None if !vars.is_declared(name) => String::new(),
                None => return None,
            }
        } else {
            return None;
        };
        Some((result, close + 2))
    } else {
        let len = name_length(rest);
        if len == 0 {
            // A lone `$` is literal.
            return Some(("$".into(), 0));
        }
        Some((vars.get(&rest[..len])?.to_string(), len))
    }
}

fn name_length(text: &str) -> usize {
    let bytes = text.as_bytes();
    if !bytes
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        return 0;
    }
    bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count()
}

/// Index of the `}` closing a `${` whose body starts `inner`, nested braces counted.
fn closing_brace(inner: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in inner.bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut vars = Vars::default();
        vars.set("PORT", Some("8000".into()));
        vars.set("EMPTY", Some(String::new()));
        vars.set("UNKNOWN", None);
        vars
    }

    #[test]
    fn expands_known_values() {
        let v = vars();
        assert_eq!(v.expand("$PORT").as_deref(), Some("8000"));
        assert_eq!(
            v.expand("0.0.0.0:${PORT}/x").as_deref(),
            Some("0.0.0.0:8000/x")
        );
        assert_eq!(v.expand("\"a ${PORT}\"").as_deref(), Some("a 8000"));
        assert_eq!(v.expand("'$PORT'").as_deref(), Some("$PORT"));
        assert_eq!(v.expand(r"\$PORT").as_deref(), Some("$PORT"));
        assert_eq!(v.expand("cost $ 5").as_deref(), Some("cost $ 5"));
        assert_eq!(v.expand("a\\\nb").as_deref(), Some("ab"));
    }

    #[test]
    fn defaults_and_alternatives() {
        let v = vars();
        assert_eq!(v.expand("${MISSING:-x}").as_deref(), Some("x"));
        assert_eq!(v.expand("${UNKNOWN:-x}").as_deref(), Some("x"));
        assert_eq!(v.expand("${EMPTY:-x}").as_deref(), Some("x"));
        assert_eq!(v.expand("${PORT:-x}").as_deref(), Some("8000"));
        assert_eq!(v.expand("${MISSING:-${PORT}}").as_deref(), Some("8000"));
        assert_eq!(v.expand("${PORT:+on}").as_deref(), Some("on"));
        assert_eq!(v.expand("${MISSING:+on}").as_deref(), Some(""));
        assert_eq!(v.expand("${UNKNOWN:+on}"), None);
    }

    #[test]
    fn unknown_values_do_not_resolve() {
        let v = vars();
        assert_eq!(v.expand("$UNKNOWN"), None);
        assert_eq!(v.expand("${MISSING}"), None);
        assert_eq!(v.expand("${PORT#80}"), None);
        assert_eq!(v.expand("${PORT"), None);
        assert_eq!(v.expand("\"open"), None);
    }
}
