//! The one place where byte offsets become line/column positions and back.
//!
//! The engine works in byte offsets only. Terminals and JSON count columns in characters
//! (Unicode scalar values), LSP clients in UTF-16 code units or UTF-8 bytes. Lines end at `\n`,
//! `\r\n` or a lone `\r`, as in the LSP specification; other Unicode separators are not line ends.

/// The unit columns are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnUnit {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units: the LSP default.
    Utf16,
    /// Unicode scalar values: what people and the JSON output count.
    Char,
}

/// A zero-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// The start offsets of every line of a text, for fast conversions in both directions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first byte of every line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    line_starts.push(i + 2);
                    i += 1;
                }
                b'\r' => line_starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            line_starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The zero-based line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Byte range of `line` without its line ending.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts[line.min(self.line_starts.len() - 1)];
        let mut end = self.line_starts.get(line + 1).copied().unwrap_or(self.len);
        let bytes = text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    /// The position of byte `offset`. An offset inside a multi-byte character counts as that
    /// character's start.
    pub fn position(&self, text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(self.len));
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let prefix = &text[start..offset];
        let column = match unit {
            ColumnUnit::Utf8 => prefix.len(),
            ColumnUnit::Utf16 => prefix.chars().map(char::len_utf16).sum(),
            ColumnUnit::Char => prefix.chars().count(),
        };
        LineCol { line, column }
    }

    /// The byte offset of a position. Lines past the end clamp to the end of the text; columns
    /// past the end of a line clamp to the line's end (before its line break), as LSP asks.
    /// A column inside a UTF-16 surrogate pair counts as the character's start.
    pub fn offset(&self, text: &str, position: LineCol, unit: ColumnUnit) -> usize {
        if position.line >= self.line_starts.len() {
            return self.len;
        }
        let range = self.line_range(text, position.line);
        let line_text = &text[range.clone()];
        let mut remaining = position.column;
        for (index, ch) in line_text.char_indices() {
            let width = match unit {
                ColumnUnit::Utf8 => ch.len_utf8(),
                ColumnUnit::Utf16 => ch.len_utf16(),
                ColumnUnit::Char => 1,
            };
            if remaining < width {
                return range.start + index;
            }
            remaining -= width;
        }
        range.end
    }
}

/// The byte offset of a position in a rope (an editor document). Same clamping rules as
/// [`LineIndex::offset`]; the rope must be built with `cr_lines` so that its lines are LSP's.
pub fn rope_offset(rope: &ropey::Rope, position: LineCol, unit: ColumnUnit) -> usize {
    if position.line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let line = rope.line(position.line);
    let start = rope.line_to_byte(position.line);
    let mut remaining = position.column;
    let mut bytes = 0;
    for ch in line.chars() {
        if ch == '\n' || ch == '\r' {
            break;
        }
        let width = match unit {
            ColumnUnit::Utf8 => ch.len_utf8(),
            ColumnUnit::Utf16 => ch.len_utf16(),
            ColumnUnit::Char => 1,
        };
        if remaining < width {
            break;
        }
        remaining -= width;
        bytes += ch.len_utf8();
    }
    start + bytes
}

/// The line and byte column of a byte offset in a rope, as tree-sitter's `Point` wants them.
pub fn rope_point(rope: &ropey::Rope, offset: usize) -> (usize, usize) {
    let offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    (line, offset - rope.line_to_byte(line))
}

/// The largest char boundary at or before `offset`.
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: usize, column: usize) -> LineCol {
        LineCol { line, column }
    }

    #[test]
    fn counts_columns_in_each_unit() {
        let text = "é😀x\n中文y";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.position(text, x, ColumnUnit::Utf8), pos(0, 6));
        assert_eq!(index.position(text, x, ColumnUnit::Utf16), pos(0, 3));
        assert_eq!(index.position(text, x, ColumnUnit::Char), pos(0, 2));
        let y = text.find('y').unwrap();
        assert_eq!(index.position(text, y, ColumnUnit::Utf16), pos(1, 2));
        assert_eq!(index.position(text, y, ColumnUnit::Utf8), pos(1, 6));
    }

    #[test]
    fn round_trips_every_char_boundary() {
        let text = "a\r\nbé😀\rc中\n\nend";
        let index = LineIndex::new(text);
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
            for (offset, ch) in text.char_indices() {
                if ch == '\n' || (ch == '\r') {
                    continue;
                }
                let p = index.position(text, offset, unit);
                assert_eq!(index.offset(text, p, unit), offset, "{unit:?} {offset}");
            }
        }
    }

    #[test]
    fn recognises_crlf_lf_and_lone_cr_but_not_unicode_separators() {
        let text = "a\r\nb\rc\nd\u{2028}e";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_range(text, 0), 0..1);
        assert_eq!(&text[index.line_range(text, 3)], "d\u{2028}e");
    }

    #[test]
    fn clamps_positions_past_the_end() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, pos(0, 99), ColumnUnit::Utf16), 2);
        assert_eq!(index.offset(text, pos(7, 0), ColumnUnit::Utf16), text.len());
        assert_eq!(index.position(text, 999, ColumnUnit::Char), pos(1, 2));
    }

    #[test]
    fn rope_offsets_agree_with_the_line_index() {
        let text = "a\r\nbé😀\rc中\n\nend";
        let rope = ropey::Rope::from_str(text);
        let index = LineIndex::new(text);
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
            for line in 0..6 {
                for column in 0..8 {
                    let p = pos(line, column);
                    assert_eq!(
                        rope_offset(&rope, p, unit),
                        index.offset(text, p, unit),
                        "{unit:?} {p:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_column_inside_a_surrogate_pair_is_the_character_start() {
        let text = "😀x";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, pos(0, 1), ColumnUnit::Utf16), 0);
        assert_eq!(index.offset(text, pos(0, 2), ColumnUnit::Utf16), 4);
    }
}
