//! The server's input, checked frame by frame before tower-lsp reads it.
//!
//! tower-lsp stops reading at the first frame whose body is not a JSON-RPC message (its framed
//! reader ends after a decode error), so one malformed message from a client would end the
//! session. Here every frame is read (`Content-Length` headers, then the body); a body that is
//! neither a request nor a response is logged and replaced by a `$/` notification, which the
//! server ignores, and everything else passes through unchanged. Input whose headers cannot be
//! framed at all is passed on as it is.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Request, Response};

/// What replaces a malformed message: a notification servers ignore.
const REPLACEMENT: &[u8] = br#"{"jsonrpc":"2.0","method":"$/preflight/malformedMessage"}"#;

/// Room for a few frames between the reader task and the server: writes wait when it is full,
/// so a client sending faster than the server reads costs no memory here.
const PIPE_CAPACITY: usize = 64 * 1024;

/// `input` as the server should read it.
pub fn checked(input: impl AsyncRead + Unpin + Send + 'static) -> impl AsyncRead + Unpin {
    let (mut to_server, from_task) = tokio::io::duplex(PIPE_CAPACITY);
    tokio::spawn(async move {
        let mut input = BufReader::new(input);
        loop {
            let mut headers = Vec::new();
            let mut length = None;
            loop {
                let start = headers.len();
                match input.read_until(b'\n', &mut headers).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let line = &headers[start..];
                if line == b"\r\n" || line == b"\n" {
                    break;
                }
                let text = String::from_utf8_lossy(line);
                if let Some((name, value)) = text.split_once(':')
                    && name.trim().eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse::<usize>().ok();
                }
            }
            let Some(length) = length else {
                // Not framed: let the server report it; nothing more can be checked.
                let _ = to_server.write_all(&headers).await;
                let _ = tokio::io::copy(&mut input, &mut to_server).await;
                return;
            };
            let mut body = vec![0; length];
            if input.read_exact(&mut body).await.is_err() {
                return;
            }
            let valid = serde_json::from_slice::<Request>(&body).is_ok()
                || serde_json::from_slice::<Response>(&body).is_ok();
            let body = if valid {
                body
            } else {
                // Its text is not logged: it may hold a document's source, secrets included.
                tracing::error!("ignored a {}-byte message that is not JSON-RPC", body.len());
                REPLACEMENT.to_vec()
            };
            let header = format!("Content-Length: {}\r\n\r\n", body.len());
            if to_server.write_all(header.as_bytes()).await.is_err()
                || to_server.write_all(&body).await.is_err()
            {
                return;
            }
        }
    });
    from_task
}
