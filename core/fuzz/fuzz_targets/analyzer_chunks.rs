//! The whole analyzer: any format (or auto-detection), strict or not, inputs cut into chunks of
//! varying sizes, two inputs and a merge. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planet_core::{Analyzer, Format, Options};

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let format = [Format::Auto, Format::LineProtocol, Format::Csv, Format::AnnotatedCsv, Format::Json]
        [usize::from(control & 7) % 5];
    let strict = control & 8 != 0;
    let at = (control & 16 != 0).then(|| "2026-11-22T13:00:00Z".parse().expect("a valid time"));
    let options = Options { format, strict, at, ..Options::default() };
    let mut analyzer = Analyzer::new(options.clone());
    let mut other = Analyzer::new(options);
    // Chunk sizes come from the input itself, so the fuzzer explores the cuts too.
    let mut sizes = rest.iter().map(|b| usize::from(b % 17) + 1).cycle();
    let half = rest.len() / 2;
    for (target, part, name) in [(&mut analyzer, &rest[..half], "a"), (&mut other, &rest[half..], "b")] {
        target.begin_input(name);
        let mut data = part;
        while !data.is_empty() {
            let n = sizes.next().unwrap_or(1).min(data.len());
            let _ = target.push(&data[..n]);
            data = &data[n..];
        }
        let _ = target.end_input();
    }
    let _ = analyzer.tables();
    let _ = analyzer.merge(other);
    let _ = analyzer.finish();
});
