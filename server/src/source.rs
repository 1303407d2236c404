//! Turning a file's bytes into text the engine can read — or a clear reason why not.

use std::fmt;

/// The default size limit: larger files are skipped with a note.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// A file's text, with what must be restored when it is written back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceText {
    /// The text without a byte-order mark.
    pub text: String,
    /// The file started with a UTF-8 byte-order mark.
    pub bom: bool,
}

impl SourceText {
    /// The bytes to write for `text`, restoring the byte-order mark if the file had one.
    pub fn encode(&self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() + 3);
        if self.bom {
            bytes.extend_from_slice(b"\xEF\xBB\xBF");
        }
        bytes.extend_from_slice(text.as_bytes());
        bytes
    }
}

/// Why a file's bytes are not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotText {
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// Contains NUL bytes: an image, an archive, a compiled file.
    Binary,
    /// A UTF-16 byte-order mark: Preflight reads UTF-8 only.
    Utf16,
    /// Not valid UTF-8; `offset` is the first bad byte.
    InvalidUtf8 {
        offset: usize,
    },
}

impl fmt::Display for NotText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { size, limit } => write!(
                f,
                "file is {} KiB, over the {} KiB limit",
                size.div_ceil(1024),
                limit / 1024
            ),
            Self::Binary => f.write_str("binary file (contains NUL bytes)"),
            Self::Utf16 => f.write_str("UTF-16 encoded; only UTF-8 is read"),
            Self::InvalidUtf8 { offset } => {
                write!(f, "not valid UTF-8 (first invalid byte at offset {offset})")
            }
        }
    }
}

/// Checks a file's size before reading it.
pub fn check_size(size: u64, limit: u64) -> Result<(), NotText> {
    if size > limit {
        Err(NotText::TooLarge { size, limit })
    } else {
        Ok(())
    }
}

/// Decodes a file's bytes as UTF-8 text.
pub fn decode(bytes: Vec<u8>) -> Result<SourceText, NotText> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(NotText::Utf16);
    }
    if memchr_nul(&bytes) {
        return Err(NotText::Binary);
    }
    let (bom, bytes) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest.to_vec()),
        None => (false, bytes),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceText { text, bom }),
        Err(error) => Err(NotText::InvalidUtf8 {
            offset: error.utf8_error().valid_up_to() + if bom { 3 } else { 0 },
        }),
    }
}

fn memchr_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_and_keeps_the_bom() {
        let decoded = decode(b"\xEF\xBB\xBFconst a = 1;\n".to_vec()).unwrap();
        assert!(decoded.bom);
        assert_eq!(decoded.text, "const a = 1;\n");
        assert_eq!(decoded.encode("x"), b"\xEF\xBB\xBFx");
    }

    #[test]
    fn refuses_binary_utf16_and_invalid_utf8() {
        assert_eq!(decode(b"PK\x03\x04\x00\x00".to_vec()), Err(NotText::Binary));
        assert_eq!(decode(b"\xFF\xFEa\x00".to_vec()), Err(NotText::Utf16));
        assert_eq!(
            decode(b"ok \xC3\x28".to_vec()),
            Err(NotText::InvalidUtf8 { offset: 3 })
        );
        assert!(check_size(10, 5).is_err());
        assert!(check_size(5, 5).is_ok());
    }
}
