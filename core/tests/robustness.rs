//! Never a panic, whatever the bytes (the always-on cousin of the cargo-fuzz targets in
//! core/fuzz), and the inputs that once crashed a fuzz target, replayed (core/tests/fuzz-regressions/).

use planet_core::{Analyzer, Format, Options, Timestamp};
use proptest::prelude::*;

const FORMATS: [Format; 5] = [Format::Auto, Format::LineProtocol, Format::Csv, Format::AnnotatedCsv, Format::Json];

/// Valid-looking lines of every format, to start mutations from.
const SEEDS: [&str; 8] = [
    "ingress,service=api,address=10.0.0.2,remote_service=db bandwidth_bps=3.38e+07 1795349886000000000\n",
    "upstream,service=api,upstream_service=db,upstream_port=5432,protocol=tcp,process_name=nginx\\ worker service_dependency=1i 1795349886000000000\n",
    "# DDL\nCREATE DATABASE mothership WITH NAME autogen\n# DML\n",
    "name,time,address,bandwidth_bps,remote_address,remote_service,service\ningress,1795349886000000000,10.0.0.2,31367249.298,10.0.0.1,frontend,api\n",
    "name,tags,time,min,max,mean\ningress,\"address=10.0.0.2,remote_service=frontend,service=api\",1795353692273029392,1094623.607,48995492.63,23749016.2415\n",
    "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"ingress\",\"tags\":{\"service\":\"api\"},\"columns\":[\"time\",\"min\",\"max\",\"mean\"],\"values\":[[\"2026-11-22T13:20:39.897417699Z\",1,2,1.5]]}],\"partial\":true}]}\n",
    "{\"results\":[{\"series\":[{\"name\":\"upstream\",\"columns\":[\"time\",\"service\",\"service_dependency\"],\"values\":[[1795349886,\"api\",1]]}]}]}\n",
    "#datatype,string,long,dateTime:RFC3339,double,string,string,string\n#group,false,false,false,false,true,true,true\n,result,table,_time,_value,_field,_measurement,service\n,,0,2026-11-22T13:00:00Z,1.5,bandwidth_bps,ingress,api\n",
];

fn feed_everything(data: &[u8], cut: usize) {
    for format in FORMATS {
        for (strict, at) in [(false, None), (true, Some(Timestamp(1_795_352_400_000_000_000)))] {
            let mut analyzer = Analyzer::new(Options { format, strict, at, ..Options::default() });
            analyzer.begin_input("bytes");
            let cut = if data.is_empty() { 0 } else { cut % data.len() };
            let _ = analyzer.push(&data[..cut]);
            let _ = analyzer.push(&data[cut..]);
            let _ = analyzer.end_input();
            let _ = analyzer.tables();
            let _ = analyzer.finish();
        }
    }
}

fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (0..SEEDS.len(), prop::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 0..8)).prop_map(|(seed, edits)| {
        let mut bytes = SEEDS[seed].as_bytes().to_vec();
        for (at, byte, kind) in edits {
            let i = if bytes.is_empty() { 0 } else { at % bytes.len() };
            match kind {
                0 if !bytes.is_empty() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if !bytes.is_empty() => {
                    bytes.remove(i);
                }
                _ => {}
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_in_any_format(data in prop::collection::vec(any::<u8>(), 0..400), cut in any::<usize>()) {
        feed_everything(&data, cut);
    }

    #[test]
    fn mutated_valid_inputs_never_panic_in_any_format(data in mutated(), cut in any::<usize>()) {
        feed_everything(&data, cut);
    }
}

#[test]
fn inputs_that_once_crashed_a_fuzz_target_are_read_without_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("the regression folder exists") {
        let path = entry.expect("a readable entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let data = std::fs::read(&path).expect("a readable file");
        for cut in [0, 1, data.len() / 2] {
            feed_everything(&data, cut);
        }
        replayed += 1;
    }
    assert!(replayed > 0, "no regression input in {}", dir.display());
}
