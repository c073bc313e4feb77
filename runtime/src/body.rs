//! Reading response bodies with bounded memory.
//!
//! Every body the runtime buffers (success bodies it decodes, error bodies
//! it keeps, token, device authorization and discovery responses) is read
//! chunk by chunk up to a limit, so that a server sending an endless body,
//! or lying about its length, cannot make the process grow beyond it. A
//! declared `Content-Length` over the limit is refused before anything is
//! read. Bodies handed to the user unread (`send_raw`) are not limited.

use reqwest::Response;

/// The default limit of a success body read to decode it.
pub(crate) const DEFAULT_MAX_RESPONSE_BODY: usize = 16 * 1024 * 1024;

/// The default length of the start of an error body kept in an error.
pub(crate) const DEFAULT_MAX_ERROR_BODY: usize = 64 * 1024;

/// The fixed limit of token endpoint, device authorization and discovery
/// responses: a few kilobytes in practice.
pub(crate) const MAX_ENDPOINT_BODY: usize = 1024 * 1024;

/// A body read up to a limit.
#[derive(Debug)]
pub(crate) struct Limited {
    /// The body, or its first `limit` bytes.
    pub(crate) bytes: Vec<u8>,
    /// Whether the body went on past the limit (and was not read further).
    pub(crate) cut: bool,
}

/// Whether the response declares a body longer than `limit`.
pub(crate) fn declared_over(response: &Response, limit: usize) -> bool {
    response
        .content_length()
        .is_some_and(|length| length > limit as u64)
}

/// Reads `response`'s body up to `limit` bytes, chunk by chunk: memory
/// holds at most the limit and one chunk. When the body goes on, the rest
/// is left unread (and the connection is dropped with the response).
pub(crate) async fn read_at_most(
    response: &mut Response,
    limit: usize,
) -> Result<Limited, reqwest::Error> {
    let expected = response
        .content_length()
        .map_or(0, |length| usize::try_from(length).unwrap_or(usize::MAX));
    let mut bytes = Vec::with_capacity(expected.min(limit).min(64 * 1024));
    while let Some(chunk) = response.chunk().await? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Limited { bytes, cut: true });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Limited { bytes, cut: false })
}

/// A server on loopback that answers every request with `200` and an
/// endless chunked JSON-ish body, for tests of the limits.
#[cfg(test)]
pub(crate) async fn endless_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            transfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n[{}]\r\n", 64 * 1024 + 2, "1".repeat(64 * 1024));
                // Until the client hangs up.
                while socket.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn an_endless_body_is_read_up_to_the_limit_only() {
        let url = endless_server().await;
        let read = tokio::time::timeout(Duration::from_secs(10), async {
            let mut response = reqwest::get(&url).await.unwrap();
            read_at_most(&mut response, 100_000).await.unwrap()
        })
        .await
        .expect("stops reading at the limit");
        assert!(read.cut);
        assert_eq!(read.bytes.len(), 100_000);
    }
}
