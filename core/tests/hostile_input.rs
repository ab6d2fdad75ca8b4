//! Input that is not what the parsers expect: overlong lines, compressed and binary files,
//! files of which nothing is readable. Each case is checked through the streaming analyzer,
//! fed in small chunks as hosts do.

use planet_core::{Analysis, Analyzer, Error, Options};
use std::io::Write;

const POINT: &str = "ingress,service=api,remote_service=web bandwidth_bps=1500 1795349886000000000\n";

fn run(name: &str, bytes: &[u8], chunk: usize, options: Options) -> Result<Analysis, Error> {
    let mut analyzer = Analyzer::new(options);
    analyzer.begin_input(name);
    for piece in bytes.chunks(chunk) {
        analyzer.push(piece)?;
    }
    analyzer.finish()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

#[test]
fn a_line_past_the_limit_is_reported_once_with_its_number_and_the_next_lines_are_read() {
    let options = Options { max_line_bytes: 100, ..Options::default() };
    let mut input = POINT.as_bytes().to_vec();
    input.extend(std::iter::repeat_n(b'a', 1000));
    input.push(b'\n');
    input.extend_from_slice(POINT.as_bytes());
    for chunk in [1, 7, 64, 4096] {
        let a = run("long.lp", &input, chunk, options.clone()).expect("analysis");
        assert_eq!(a.warnings.len(), 1, "chunk {chunk}: {:?}", a.warnings);
        let w = a.warnings[0].to_string();
        assert!(w.starts_with("long.lp:2: line longer than 100 bytes"), "chunk {chunk}: {w}");
        assert_eq!(a.stats.lines, 3, "chunk {chunk}");
        assert_eq!(a.stats.skipped_lines, 1, "chunk {chunk}");
        assert_eq!(a.traffic.len(), 1);
        assert_eq!(a.stats.aggregate.points, 2, "both points around the long line are read");
    }
    let strict = Options { strict: true, ..options };
    let error = run("long.lp", &input, 64, strict).expect_err("strict stops");
    assert!(error.to_string().starts_with("long.lp:2: line longer than 100 bytes"), "{error}");
}

#[test]
fn a_line_exactly_at_the_limit_is_read() {
    let options = Options { max_line_bytes: (POINT.len() - 1) as u64, ..Options::default() };
    let a = run("exact.lp", POINT.as_bytes(), 5, options).expect("analysis");
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert_eq!(a.stats.aggregate.points, 1);
}

#[test]
fn gzip_input_gives_the_rows_of_the_text_whatever_the_chunks() {
    let text: String = (0..500)
        .map(|i| {
            format!(
                "ingress,service=api,remote_service=web bandwidth_bps={} 17953498{:02}000000000\n",
                1000 + i,
                i % 60
            )
        })
        .collect();
    let plain = run("a.lp", text.as_bytes(), 4096, Options::default()).expect("plain");
    let compressed = gzip(text.as_bytes());
    assert_eq!(&compressed[..2], &[0x1f, 0x8b]);
    for chunk in [1, 3, 1000, compressed.len()] {
        let a = run("a.lp.gz", &compressed, chunk, Options::default()).expect("gzip");
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
        assert_eq!(a.traffic, plain.traffic, "chunk {chunk}");
        assert_eq!(a.stats.lines, 500);
    }
    // Two members, as `cat a.gz b.gz` makes.
    let mut two = gzip(&text.as_bytes()[..text.len() / 2]);
    two.extend(gzip(&text.as_bytes()[text.len() / 2..]));
    assert_eq!(run("two.gz", &two, 777, Options::default()).expect("two members").traffic, plain.traffic);
}

#[test]
fn a_cut_or_corrupt_gzip_stream_is_one_error_naming_the_input() {
    let compressed = gzip(POINT.repeat(100).as_bytes());
    let cut = &compressed[..compressed.len() - 10];
    let error = run("cut.gz", cut, 16, Options::default()).expect_err("truncated");
    assert!(matches!(error, Error::Input { .. }), "{error:?}");
    assert!(error.to_string().starts_with("cut.gz: not a valid gzip stream"), "{error}");
    let mut corrupt = compressed.clone();
    for b in &mut corrupt[12..40] {
        *b ^= 0x55;
    }
    let error = run("corrupt.gz", &corrupt, 16, Options::default()).expect_err("corrupt");
    assert!(error.to_string().starts_with("corrupt.gz: not a valid gzip stream"), "{error}");
}

#[test]
fn binary_and_other_compressed_input_is_refused_with_one_error() {
    let zeros = vec![0u8; 1 << 20];
    let error = run("/dev/zero", &zeros, 65536, Options::default()).expect_err("NUL bytes");
    assert!(error.to_string().starts_with("/dev/zero: not text: a NUL byte at byte 0"), "{error}");

    let zstd = [0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x01, 0x02];
    let error = run("a.lp.zst", &zstd, 3, Options::default()).expect_err("zstd");
    assert!(error.to_string().contains("zstd-compressed input is not read"), "{error}");

    // Latin-1 bytes on every line: not UTF-8, and no NUL.
    let latin1: Vec<u8> = (0..20).flat_map(|_| b"ingress,service=caf\xe9 bandwidth_bps=1 1\n".to_vec()).collect();
    let error = run("latin1.lp", &latin1, 50, Options::default()).expect_err("not utf-8");
    assert!(error.to_string().starts_with("latin1.lp: not text: 10 of its first 10 lines are not UTF-8"), "{error}");
}

#[test]
fn one_bad_line_among_good_ones_stays_a_warning() {
    let mut input = POINT.repeat(5).into_bytes();
    input.extend_from_slice(b"caf\xe9\n");
    input.extend_from_slice(POINT.repeat(5).as_bytes());
    let a = run("mixed.lp", &input, 10, Options::default()).expect("read");
    assert_eq!(a.stats.skipped_lines, 1);
    assert_eq!(a.stats.aggregate.points, 10);
}

#[test]
fn lines_read_alike_whether_a_chunk_holds_many_lines_or_a_piece_of_one() {
    // A byte order mark, CRLF endings, maybe one line that is not UTF-8 (at its byte 3), and a
    // last line without a newline.
    let crlf = POINT.replace('\n', "\r\n");
    for bad_line in [false, true] {
        let mut input = b"\xEF\xBB\xBF".to_vec();
        input.extend_from_slice(crlf.repeat(3).as_bytes());
        if bad_line {
            input.extend_from_slice(b"caf\xe9\n");
        }
        input.extend_from_slice(POINT.repeat(4).as_bytes());
        input.extend_from_slice(POINT.trim_end().as_bytes());
        for chunk in [1, 3, 50, 1 << 20] {
            let a = run("mixed.lp", &input, chunk, Options::default()).expect("read");
            let case = format!("chunk {chunk}, bad line {bad_line}");
            assert_eq!(a.stats.lines, 8 + u64::from(bad_line), "{case}");
            assert_eq!(a.stats.skipped_lines, u64::from(bad_line), "{case}");
            assert_eq!(a.stats.aggregate.points, 8, "{case}: the BOM and the CRs are not part of the points");
            assert_eq!(a.traffic.len(), 1, "{case}: one series");
            if bad_line {
                let w = a.warnings[0].to_string();
                assert!(w.starts_with("mixed.lp:4: invalid utf-8 at byte 3"), "{case}: {w}");
            } else {
                assert!(a.warnings.is_empty(), "{case}: {:?}", a.warnings);
            }
        }
    }
}

#[test]
fn an_input_of_which_no_line_is_readable_is_an_error() {
    let garbage = "this is not\nan export at all\n";
    let error = run("notes.txt", garbage.as_bytes(), 4, Options::default()).expect_err("nothing readable");
    assert!(error.to_string().starts_with("notes.txt: no line could be read (2 malformed line(s) skipped)"), "{error}");

    // Beside a good input, the unreadable one still fails the analysis: its rows are missing.
    let mut analyzer = Analyzer::new(Options::default());
    analyzer.begin_input("good.lp");
    analyzer.push(POINT.as_bytes()).expect("good");
    analyzer.begin_input("notes.txt");
    analyzer.push(garbage.as_bytes()).expect("non-strict");
    let error = analyzer.finish().expect_err("one input unreadable");
    assert!(error.to_string().starts_with("notes.txt: no line could be read"), "{error}");

    // A cut gzip input ended by the next begin_input (no explicit end_input) fails at finish.
    let mut analyzer = Analyzer::new(Options::default());
    analyzer.begin_input("cut.gz");
    let compressed = gzip(POINT.repeat(50).as_bytes());
    analyzer.push(&compressed[..compressed.len() - 8]).expect("no error before the end");
    analyzer.begin_input("good.lp");
    analyzer.push(POINT.as_bytes()).expect("good");
    let error = analyzer.finish().expect_err("the cut input is not forgotten");
    assert!(error.to_string().starts_with("cut.gz: not a valid gzip stream"), "{error}");

    // An empty input is not an error: nothing was malformed.
    assert!(run("empty.lp", b"", 1, Options::default()).is_ok());
}

#[test]
fn field_values_influxdb_refuses_on_write_are_malformed_lines_with_clear_messages() {
    // What a real InfluxDB 1.6 answered to POST /write of each line: 400 "invalid number" for
    // NaN, "invalid float" for 1e400, "invalid boolean" for inf. An unsigned past INT64 cannot
    // be a table value and must not become 9223372036854775807 silently.
    let cases = [
        ("bandwidth_bps=NaN", "field bandwidth_bps: invalid number NaN"),
        ("bandwidth_bps=inf", "field bandwidth_bps: invalid number inf"),
        ("bandwidth_bps=-Inf", "field bandwidth_bps: invalid number -Inf"),
        ("bandwidth_bps=1e400", "field bandwidth_bps: invalid float"),
        ("bandwidth_bps=18446744073709551615u", "field bandwidth_bps: 18446744073709551615u is past the largest value"),
        // InfluxDB stores these (204), but the traffic rows cannot use them.
        ("bandwidth_bps=\"x\"", "field bandwidth_bps: a string, not a number"),
        ("bandwidth_bps=true", "field bandwidth_bps: a boolean, not a number"),
    ];
    for (field, message) in cases {
        let line = format!("ingress,service=api,remote_service=web {field} 1795349886000000000\n");
        let input = format!("{POINT}{line}");
        let strict = Options { strict: true, ..Options::default() };
        let error = run("f.lp", input.as_bytes(), 4096, strict).expect_err(field);
        assert!(error.to_string().starts_with(&format!("f.lp:2: {message}")), "{field}: {error}");
        let a = run("f.lp", input.as_bytes(), 4096, Options::default()).expect(field);
        assert_eq!((a.stats.skipped_lines, a.stats.aggregate.points), (1, 1), "{field}");
        assert_eq!(a.traffic[0].traffic_bandwidth_bits_max_1h, 1500, "{field}: the bad value is not counted");
    }
    // The largest unsigned the tables hold is still read.
    let input = "ingress,service=api,remote_service=web bandwidth_bps=9223372036854775807u 1795349886000000000\n";
    let a = run("max.lp", input.as_bytes(), 4096, Options { strict: true, ..Options::default() }).expect("in range");
    assert_eq!(a.traffic[0].traffic_bandwidth_bits_max_1h, i64::MAX);
}

#[test]
fn a_pretty_printed_json_document_past_the_limit_is_reported_once_and_dropped() {
    let mut doc = String::from("{\"results\": [{\"statement_id\": 0, \"series\": [{\"name\": \"ingress\",\n");
    doc.push_str("\"columns\": [\"time\", \"bandwidth_bps\"], \"values\": [\n");
    for i in 0..1000 {
        doc.push_str(&format!("[1795349886000000000, {i}],\n"));
    }
    doc.push_str("[1795349886000000000, 1]]}]}]}\n");
    let options = Options { max_line_bytes: 4096, ..Options::default() };
    let a = run("pretty.json", doc.as_bytes(), 100, options.clone()).expect("non-strict");
    assert_eq!(a.stats.skipped_lines, 1, "{:?}", a.warnings);
    assert!(
        a.warnings[0].message.starts_with("a multi-line JSON document longer than 4096 bytes"),
        "{}",
        a.warnings[0]
    );
    let error = run("pretty.json", doc.as_bytes(), 100, Options { strict: true, ..options }).expect_err("strict");
    assert!(error.to_string().contains("a multi-line JSON document longer than 4096 bytes"), "{error}");
    // Under the default limit the same document is read.
    let a = run("pretty.json", doc.as_bytes(), 100, Options::default()).expect("read");
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}
