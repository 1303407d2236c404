//! Applying fixes to a text: pure, byte-based, and never overlapping.

use crate::diagnostic::{Edit, Finding, Fix, FixSafety};

/// The result of applying fixes to one text.
#[derive(Debug, Default)]
pub struct Applied {
    pub text: String,
    /// How many fixes were applied.
    pub applied: usize,
    /// Fixes left out because they overlapped one applied before them.
    pub conflicts: usize,
}

/// How many times fixing and analysing again may run before giving up on convergence. A round
/// applies at most one fix per insertion point, so a file repeating one problem many times (the
/// same `ARG` a dozen times) needs a round per repetition; real files need two or three.
pub const MAX_ROUNDS: usize = 100;

/// Whether a fix may be applied at this level of trust.
pub fn allowed(fix: &Fix, allow_unsafe: bool) -> bool {
    allow_unsafe || fix.safety == FixSafety::Safe
}

/// The fixes to apply for a set of findings: for each finding, its first allowed fix.
pub fn select<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    allow_unsafe: bool,
) -> Vec<&'a Fix> {
    findings
        .into_iter()
        .filter_map(|finding| finding.fixes.iter().find(|fix| allowed(fix, allow_unsafe)))
        .collect()
}

/// Applies `fixes` to `text`, in order of their first edit; a fix whose edits overlap (or touch
/// the same insertion point as) an already applied fix is left out, to be found again by the
/// next run. Line endings of the file are kept: a `\n` inside inserted text becomes `\r\n` when
/// the file uses CRLF.
pub fn apply(text: &str, fixes: &[&Fix]) -> Applied {
    let crlf = uses_crlf(text);
    let mut ordered: Vec<&Fix> = fixes.to_vec();
    ordered.sort_by_key(|fix| fix.edits.iter().map(|e| (e.range.start, e.range.end)).min());
    let mut taken: Vec<&Edit> = Vec::new();
    let mut result = Applied::default();
    for fix in ordered {
        let valid = fix.edits.iter().all(|edit| {
            edit.range.start <= edit.range.end
                && edit.range.end <= text.len()
                && text.is_char_boundary(edit.range.start)
                && text.is_char_boundary(edit.range.end)
        });
        let clashes = fix
            .edits
            .iter()
            .any(|edit| taken.iter().any(|other| overlaps(edit, other)))
            || fix
                .edits
                .iter()
                .enumerate()
                .any(|(i, a)| fix.edits[i + 1..].iter().any(|b| overlaps(a, b)));
        if !valid || clashes {
            result.conflicts += 1;
            continue;
        }
        taken.extend(fix.edits.iter());
        result.applied += 1;
    }
    taken.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in taken {
        out.push_str(&text[at..edit.range.start]);
        if crlf {
            out.push_str(&to_crlf(&edit.replacement));
        } else {
            out.push_str(&edit.replacement);
        }
        at = edit.range.end;
    }
    out.push_str(&text[at..]);
    result.text = out;
    result
}

fn overlaps(a: &Edit, b: &Edit) -> bool {
    let (a, b) = (&a.range, &b.range);
    // Two insertions at the same point clash (their order would be arbitrary); an insertion at
    // the boundary of a replaced range does not.
    if a.is_empty() && b.is_empty() {
        return a.start == b.start;
    }
    a.start < b.end && b.start < a.end
}

/// Whether the text's line breaks are CRLF (judged by its first line break).
pub fn uses_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|at| at > 0 && text.as_bytes()[at - 1] == b'\r')
}

/// `text` with every lone `\n` turned into `\r\n`.
pub fn to_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous = '\0';
    for ch in text.chars() {
        if ch == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(ch);
        previous = ch;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix::safe("t", edits)
    }

    #[test]
    fn applies_non_overlapping_fixes_and_skips_clashes() {
        let text = "abcdef";
        let a = fix(vec![Edit::replace(0..1, "A")]);
        let b = fix(vec![Edit::replace(2..4, "CD")]);
        let c = fix(vec![Edit::replace(3..5, "x")]);
        let result = apply(text, &[&c, &a, &b]);
        assert_eq!(result.text, "AbCDef");
        assert_eq!((result.applied, result.conflicts), (2, 1));
    }

    #[test]
    fn keeps_crlf_in_inserted_text() {
        let text = "a\r\nb\r\n";
        let f = fix(vec![Edit::insert(3, "x\ny\n")]);
        assert_eq!(apply(text, &[&f]).text, "a\r\nx\r\ny\r\nb\r\n");
        let lf = "a\nb\n";
        assert_eq!(apply(lf, &[&f]).text, "a\nbx\ny\n\n");
    }

    #[test]
    fn rejects_edits_outside_the_text_or_inside_a_character() {
        let text = "é";
        let bad = fix(vec![Edit::replace(1..2, "x")]);
        let past = fix(vec![Edit::replace(5..6, "x")]);
        let result = apply(text, &[&bad, &past]);
        assert_eq!(result.text, "é");
        assert_eq!(result.conflicts, 2);
    }
}
