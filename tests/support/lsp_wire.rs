//! The wire of the language server protocol, as the end-to-end tests read it.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::Sender;

use serde_json::Value;

pub enum Frame {
    Message(Value),
    /// Something on stdout that is not a well-formed LSP frame (logs must go to stderr).
    Garbage(String),
}

/// Splits the server's stdout into `Content-Length` framed JSON messages.
pub fn read_frames(stdout: impl Read, frames: Sender<Frame>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = Vec::new();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == b"\r\n" {
                break;
            }
            let header = String::from_utf8_lossy(&line).into_owned();
            match header.strip_suffix("\r\n").and_then(|h| h.split_once(':')) {
                Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                    length = value.trim().parse::<usize>().ok();
                }
                Some((name, _)) if name.eq_ignore_ascii_case("content-type") => {}
                _ => {
                    let _ = frames.send(Frame::Garbage(header));
                    return;
                }
            }
        }
        let Some(length) = length else {
            let _ = frames.send(Frame::Garbage("a header without Content-Length".into()));
            return;
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            let _ = frames.send(Frame::Garbage(format!(
                "a body shorter than {length} bytes"
            )));
            return;
        }
        let frame = match serde_json::from_slice(&body) {
            Ok(message) => Frame::Message(message),
            Err(e) => Frame::Garbage(format!("{e}: {}", String::from_utf8_lossy(&body))),
        };
        if frames.send(frame).is_err() {
            return;
        }
    }
}
