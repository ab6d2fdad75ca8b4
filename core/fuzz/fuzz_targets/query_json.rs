//! Any bytes read as Json: the analyzer must never panic, whatever the window.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planet_core::{Analyzer, Format, Options};

fuzz_target!(|data: &[u8]| {
    for at in [None, Some("2026-11-22T13:00:00Z".parse().expect("a valid time"))] {
        let mut analyzer = Analyzer::new(Options { format: Format::Json, at, ..Options::default() });
        analyzer.begin_input("fuzz");
        let _ = analyzer.push(data);
        let _ = analyzer.end_input();
        let _ = analyzer.finish();
    }
});
