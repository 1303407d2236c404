//! Configuration text: validation never panics, and an error points inside the text.

use std::path::Path;

pub fn check(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = match selector % 3 {
        0 => "preflight.toml",
        1 => ".preflight.toml",
        _ => "pyproject.toml",
    };
    if let Err(error) = preflight::config::validate(Path::new(name), text) {
        let _ = error.to_string();
        if let Some(span) = &error.span {
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "span {span:?} outside the {}-byte text: {error}",
                text.len()
            );
        }
        // Lines as editors count them: `\n`, `\r\n` or a lone `\r` ends one.
        let lines = preflight::position::LineIndex::new(text).line_count();
        assert!(
            error.line <= lines,
            "line {} of {lines}: {error}",
            error.line
        );
    }
}
