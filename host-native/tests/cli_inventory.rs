//! `planet-bq analyze --inventory PATH|URL`: the inventory from a file or an HTTP server
//! (retried when the server fails transiently), and its errors. Expected rows are the
//! `contiv-svcstats-ndjson` vector's, computed by tests/oracle/contiv_vectors.py.

mod common;

use common::{planet_bq, scratch, vectors_dir};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Output;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn case() -> std::path::PathBuf {
    vectors_dir().join("contiv-svcstats-ndjson")
}

fn analyze(inventory: Option<&str>, out: &std::path::Path) -> Output {
    let mut cmd = planet_bq();
    cmd.args(["analyze", "--at", "2026-11-20T14:00:00Z", "--dependency-window", "1h", "--profile", "contiv-svcstats"]);
    if let Some(inventory) = inventory {
        cmd.args(["--inventory", inventory]);
    }
    cmd.arg("--out").arg(out).arg(case().join("input.lp")).output().expect("runs")
}

#[test]
fn contiv_without_an_inventory_stops_before_reading_and_writes_nothing() {
    let dir = scratch("inventory-missing");
    let out = dir.join("out");
    let output = analyze(None, &out);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("the profile contiv-svcstats maps addresses to hostgroups only through an inventory"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_inventory_line_is_named_and_quoted() {
    let dir = scratch("inventory-bad");
    fs::create_dir_all(&dir).expect("scratch");
    let file = dir.join("hosts.ndjson");
    fs::write(
        &file,
        "{\"ip_address\":\"10.1.1.2\",\"hostgroup\":\"web\"}\n{\"ip_address\":\"10.1.2.0/24\",\"group\":\"db\"}\n",
    )
    .expect("written");
    let output = analyze(Some(&file.display().to_string()), &dir.join("out"));
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains(&format!("{}:2: unknown field `group`", file.display())), "{err}");
    assert!(err.contains("10.1.2.0/24"), "the line is quoted: {err}");
    let _ = fs::remove_dir_all(&dir);
}

/// Serves `answers` in order, one connection each, then stops; returns the base URL.
fn serve(answers: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    std::thread::spawn(move || {
        for answer in answers {
            let Ok((mut stream, _)) = listener.accept() else { return };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn an_inventory_url_is_fetched_retried_after_a_503_and_gives_the_vectors_rows() {
    let body = fs::read_to_string(case().join("inventory.ndjson")).expect("the vector's inventory");
    let ok = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    let unavailable = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string();
    let url = serve(vec![unavailable, ok]);
    let dir = scratch("inventory-url");
    let out = dir.join("out");
    // A secret in the query string must not appear in any message.
    let output = analyze(Some(&format!("{url}/hosts?token=s3cr3t")), &out);
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    for table in ["traffic", "dependency"] {
        let expected = fs::read_to_string(case().join(format!("{table}.ndjson"))).expect("expected");
        let actual = fs::read_to_string(out.join(format!("{table}.ndjson"))).expect("written");
        assert_eq!(actual, expected, "{table}");
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn an_inventory_url_that_keeps_failing_is_an_error_without_its_secret() {
    let url = serve(vec!["HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()]);
    let dir = scratch("inventory-404");
    let output = analyze(Some(&format!("{url}/hosts?token=s3cr3t")), &dir.join("out"));
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("HTTP 404"), "{err}");
    assert!(err.contains(&format!("inventory {url}/hosts")), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
    let _ = fs::remove_dir_all(&dir);
}
