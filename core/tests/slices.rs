//! One input cut at line boundaries, each slice read by its own analyzer (as `planet-bq analyze
//! --threads N` does) and merged back in order, gives the analysis of one pass: the same rows,
//! warnings with the same line numbers, the same counts, the same strict-mode error. A slice's
//! state taken through its bytes (`SliceState`, as the page's Workers pass it between their
//! WebAssembly memories) merges exactly as the slice's analyzer itself.

use planet_core::analyzer::{input_format, SliceState};
use planet_core::rows::Encoding;
use planet_core::{Analysis, Analyzer, Format, Options, Result, Timestamp};
use proptest::prelude::*;

/// 2026-11-22T13:00:00Z.
const AT: i64 = 1_795_352_400_000_000_000;
const SECOND: i64 = 1_000_000_000;

const SERVICES: [&str; 4] = ["api", "db", "web worker", "a,b=c"];

/// One line of the input, before rendering in a format.
#[derive(Debug, Clone)]
enum Line {
    /// A traffic point: measurement (ingress or egress), service, remote, value, seconds back.
    Traffic(bool, usize, usize, f64, i64),
    /// A dependency point (upstream): service, upstream, seconds back.
    Upstream(usize, usize, i64),
    /// A line no format reads.
    Malformed,
    Blank,
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        6 => (any::<bool>(), 0..4usize, 0..4usize, prop_oneof![(0..100_000u32).prop_map(f64::from), 0.0..1e12f64], 1..7200i64)
            .prop_map(|(e, s, r, v, b)| Line::Traffic(e, s, r, v, b)),
        2 => (0..4usize, 0..4usize, 1..7200i64).prop_map(|(s, u, b)| Line::Upstream(s, u, b)),
        1 => Just(Line::Malformed),
        1 => Just(Line::Blank),
    ]
}

fn escape_lp(text: &str) -> String {
    text.replace(',', "\\,").replace('=', "\\=").replace(' ', "\\ ")
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn render_lp(lines: &[Line]) -> String {
    let mut out = String::new();
    for l in lines {
        match l {
            Line::Traffic(egress, s, r, v, back) => out.push_str(&format!(
                "{},service={},remote_service={},address=10.0.0.{s} bandwidth_bps={v:?} {}\n",
                if *egress { "egress" } else { "ingress" },
                escape_lp(SERVICES[*s]),
                escape_lp(SERVICES[*r]),
                AT - back * SECOND
            )),
            Line::Upstream(s, u, back) => out.push_str(&format!(
                "upstream,service={},upstream_service={},protocol=tcp,upstream_port=443 service_dependency=1i {}\n",
                escape_lp(SERVICES[*s]),
                escape_lp(SERVICES[*u]),
                AT - back * SECOND
            )),
            Line::Malformed => out.push_str("ingress,service=api bandwidth_bps=\n"),
            Line::Blank => out.push('\n'),
        }
    }
    out
}

/// `influx -format csv`: a header whenever the columns change, as the CLI writes before each series.
fn render_csv(lines: &[Line]) -> String {
    let traffic_header = "name,time,address,bandwidth_bps,remote_service,service\n";
    let upstream_header = "name,time,protocol,service,service_dependency,upstream_port,upstream_service\n";
    let mut out = String::new();
    let mut header = "";
    for l in lines {
        let wanted = match l {
            Line::Traffic(..) => traffic_header,
            Line::Upstream(..) => upstream_header,
            _ => header,
        };
        if wanted != header {
            out.push_str(wanted);
            header = wanted;
        }
        match l {
            Line::Traffic(egress, s, r, v, back) => out.push_str(&format!(
                "{},{},10.0.0.{s},{v:?},{},{}\n",
                if *egress { "egress" } else { "ingress" },
                AT - back * SECOND,
                csv_cell(SERVICES[*r]),
                csv_cell(SERVICES[*s])
            )),
            Line::Upstream(s, u, back) => out.push_str(&format!(
                "upstream,{},tcp,{},1,443,{}\n",
                AT - back * SECOND,
                csv_cell(SERVICES[*s]),
                csv_cell(SERVICES[*u])
            )),
            Line::Malformed => out.push_str("ingress,not a time,x\n"),
            Line::Blank => out.push('\n'),
        }
    }
    out
}

/// The header in force at `cut` (what `planet-bq` hands a CSV slice).
fn csv_context(before: &str) -> Vec<&str> {
    before.lines().rfind(|l| l.starts_with("name,")).into_iter().collect()
}

/// Everything an analysis shows: rows as written, warnings, counts.
fn shown(result: Result<Analysis>) -> String {
    match result {
        Ok(a) => {
            let texts = a.render(Encoding::Ndjson);
            format!("{}\n{}\n{:?}\n{:?}\n{:?}", texts.traffic, texts.dependency, a.warnings, a.stats, a.windows)
        }
        Err(e) => format!("error: {e}"),
    }
}

fn masked_duplicates(shown: &str) -> String {
    match shown.find("duplicates: ") {
        Some(i) => {
            let end = shown[i..].find(' ').map_or(shown.len(), |j| i + j + 1);
            let digits = shown[end..].find(|c: char| !c.is_ascii_digit()).map_or(shown.len(), |j| end + j);
            format!("{}duplicates: _{}", &shown[..i], &shown[digits..])
        }
        None => shown.to_string(),
    }
}

fn one_pass(options: &Options, input: &[u8]) -> Result<Analysis> {
    let mut analyzer = Analyzer::new(options.clone());
    analyzer.begin_input("input");
    analyzer.push(input)?;
    analyzer.end_input()?;
    analyzer.finish()
}

/// Line-boundary cuts: after the `picks`-th line ends (taken modulo the line count).
fn cuts(input: &[u8], picks: &[usize]) -> Vec<usize> {
    let ends: Vec<usize> = input.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1).collect();
    let mut cuts: Vec<usize> = picks.iter().filter(|_| !ends.is_empty()).map(|p| ends[p % ends.len()]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts.retain(|&c| c < input.len());
    cuts
}

/// How a later slice comes back to the first slice's analyzer.
#[derive(Debug, Clone, Copy)]
enum Merge {
    /// The slice's analyzer itself (`merge_slice`), as `analyze --threads` does.
    InProcess,
    /// Its state serialized and read back (`end_slice`, bytes, `merge_slice_state`), as the
    /// page's Workers do.
    ThroughBytes,
}

fn sliced(options: &Options, input: &[u8], cuts: &[usize], merge: Merge) -> Result<Analysis> {
    let format = input_format(input, options).unwrap_or(Format::LineProtocol);
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(input.len());
    let mut first = Analyzer::new(options.clone());
    first.begin_input("input");
    first.push(&input[..bounds[1]])?;
    // Every later slice is read before any merge, as the threads do.
    let mut later = Vec::new();
    for w in bounds[1..].windows(2) {
        let before = std::str::from_utf8(&input[..w[0]]).expect("generated text");
        let context = if format == Format::Csv { csv_context(before) } else { Vec::new() };
        let mut analyzer = Analyzer::new(options.clone());
        analyzer.begin_slice("input", format, &context);
        let pushed = analyzer.push(&input[w[0]..w[1]]);
        later.push((analyzer, pushed));
    }
    for (analyzer, pushed) in later {
        match merge {
            Merge::InProcess => first.merge_slice(analyzer, pushed)?,
            Merge::ThroughBytes => {
                let bytes = analyzer.end_slice(pushed).to_bytes();
                first.merge_slice_state(SliceState::from_bytes(&bytes).expect("bytes of end_slice"))?
            }
        }
    }
    first.end_input()?;
    first.finish()
}

fn options(format: Format, at: bool, strict: bool, all_windows: bool) -> Options {
    Options { format, at: at.then_some(Timestamp(AT)), strict, all_windows, ..Options::default() }
}

/// The slices merged through their bytes give what the in-process merge gives, whatever that is.
fn same_through_bytes(options: &Options, input: &[u8], cuts: &[usize]) -> std::result::Result<String, TestCaseError> {
    let in_process = shown(sliced(options, input, cuts, Merge::InProcess));
    let through_bytes = shown(sliced(options, input, cuts, Merge::ThroughBytes));
    prop_assert_eq!(&through_bytes, &in_process, "cuts {:?}", cuts);
    Ok(in_process)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn slices_merged_in_order_give_the_analysis_of_one_pass(
        lines in prop::collection::vec(line(), 0..60),
        repeat in prop::collection::vec(0..60usize, 0..8),
        picks in prop::collection::vec(any::<usize>(), 0..4),
        csv in any::<bool>(),
        auto in any::<bool>(),
        at in any::<bool>(),
        strict in any::<bool>(),
        all_windows in any::<bool>(),
        percentiles in any::<bool>(),
    ) {
        // Some points again later in the input: duplicates that may land in two slices.
        let mut lines = lines;
        let again: Vec<Line> = repeat.iter().filter_map(|&i| lines.get(i).cloned()).collect();
        lines.extend(again);
        let text = if csv { render_csv(&lines) } else { render_lp(&lines) };
        let format = match (auto, csv) {
            (true, _) => Format::Auto,
            (false, true) => Format::Csv,
            (false, false) => Format::LineProtocol,
        };
        let mut options = options(format, at, strict, all_windows);
        options.what_if.percentiles = percentiles;
        let input = text.as_bytes();
        let cuts = cuts(input, &picks);
        let mut whole = shown(one_pass(&options, input));
        let mut parts = same_through_bytes(&options, input, &cuts)?;
        if !at && lines.iter().any(|l| matches!(l, Line::Traffic(.., back) if *back >= 3000)) {
            // The duplicate count of a point at the edge of the open window depends on when the
            // pass forgot the points of its pruned buckets (tables are not affected): compared
            // only when no point is near that edge.
            whole = masked_duplicates(&whole);
            parts = masked_duplicates(&parts);
        }
        prop_assert_eq!(parts, whole, "cuts {:?} of\n{}", cuts, text);
    }
}

/// The same point in two slices counts once; a warning in the second slice names its line in
/// the whole input (written out by hand: line 4).
#[test]
fn a_duplicate_across_slices_counts_once_and_line_numbers_are_the_inputs() {
    let point = format!("ingress,service=api,remote_service=db bandwidth_bps=1000 {}\n", AT - 60 * SECOND);
    let other = format!("ingress,service=api,remote_service=db bandwidth_bps=3000 {}\n", AT - 120 * SECOND);
    let input = format!("{point}{other}{point}ingress,service=api bandwidth_bps=\n");
    let options = options(Format::Auto, true, false, false);
    let cut = point.len() + other.len();
    let analysis = sliced(&options, input.as_bytes(), &[cut], Merge::ThroughBytes).expect("not strict");
    assert_eq!(analysis.traffic.len(), 1);
    // (1000 + 3000) / 2 points: the repeated point counted once.
    assert_eq!(analysis.traffic[0].traffic_bandwidth_bits_avg_1h, 2000);
    assert_eq!(analysis.warnings.len(), 1);
    assert_eq!(analysis.warnings[0].location.line, 4);
    assert_eq!(analysis.stats.lines, 4);

    let strict = Options { strict: true, ..options };
    for merge in [Merge::InProcess, Merge::ThroughBytes] {
        let error = sliced(&strict, input.as_bytes(), &[cut], merge).expect_err("strict");
        assert!(error.to_string().contains("input:4"), "{merge:?}: {error}");
    }
}

/// Every vector whose input is one line-protocol or `influx -format csv` file (the ones cut in
/// slices), cut in 2, 3 and 7 slices, gives the tables InfluxDB gave (the vector's files,
/// written by the oracle) with its slices merged in process and through their bytes: this
/// covers the profiles whose state is not the planet-federator groups (raw exporter metrics,
/// inventories), which the generated inputs above do not have.
#[test]
fn every_cuttable_vector_gives_its_tables_from_slices_merged_through_bytes() {
    use planet_test_support::{cases_in, inputs, inventory_file, vectors_dir};
    let mut checked = Vec::new();
    for dir in cases_in(&vectors_dir()) {
        let name = dir.file_name().expect("name").to_string_lossy().into_owned();
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).expect(file);
        let mut options: Options = serde_json::from_str(&read("options.json")).expect("valid options");
        if let Some((path, format)) = inventory_file(&dir) {
            let text = std::fs::read_to_string(path).expect("inventory");
            let format = format.parse().expect("known format");
            options.inventory = Some(planet_core::Inventory::parse(&text, format, "inventory").expect("inventory"));
        }
        let files = inputs(&dir);
        let [(_, input)] = files.as_slice() else { continue };
        if !matches!(input_format(input, &options), Some(Format::LineProtocol | Format::Csv)) {
            continue;
        }
        let line_ends = input.iter().filter(|&&b| b == b'\n').count();
        for slices in [2, 3, 7] {
            let picks: Vec<usize> = (1..slices).map(|k| line_ends * k / slices).collect();
            let cuts = cuts(input, &picks);
            for merge in [Merge::InProcess, Merge::ThroughBytes] {
                let analysis = sliced(&options, input, &cuts, merge).expect("a vector analyzes");
                let texts = analysis.render(Encoding::Ndjson);
                assert_eq!(texts.traffic, read("traffic.ndjson"), "{name}, cuts {cuts:?}, {merge:?}");
                assert_eq!(texts.dependency, read("dependency.ndjson"), "{name}, cuts {cuts:?}, {merge:?}");
            }
        }
        checked.push(name);
    }
    for family in ["exporter-fleet", "inventory-exporter", "influx-cli-csv", "lp-export"] {
        assert!(checked.iter().any(|n| n == family), "{family} was not cut: checked {checked:?}");
    }
}
