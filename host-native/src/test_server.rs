//! A stand-in HTTP server for the clients' unit tests: each request is read whole (head and
//! `Content-Length` body) and answered by the test's own function, one connection per request.
//! The live suites (tests/live) test the clients against the real servers.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request as the server read it.
#[derive(Debug)]
pub(crate) struct Request {
    /// The request line and headers, as sent.
    pub(crate) head: String,
    /// The body.
    pub(crate) body: Vec<u8>,
}

/// Serves on a free loopback port until the test ends; returns its base URL. `answer` gives
/// each request's status and JSON body.
pub(crate) async fn serve<F>(mut answer: F) -> String
where
    F: FnMut(Request) -> (u16, String) + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let request = read(&mut stream).await;
            let (status, body) = answer(request);
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    url
}

async fn read(stream: &mut tokio::net::TcpStream) -> Request {
    let mut data = Vec::new();
    let mut buf = [0u8; 65536];
    let (head_end, length) = loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break (data.len(), 0);
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(pos) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..pos]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                .unwrap_or(0usize);
            break (pos + 4, length);
        }
    };
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let body = data.split_off(head_end.min(data.len()));
    Request { head: String::from_utf8_lossy(&data).into_owned(), body }
}
