//! `planet-bench-cardinality`: memory per group and throughput at high cardinality.
//!
//! Two fleets with the same number of points, one with few series (the benchmark fleet) and one
//! with many (every series a group), written as line protocol. Each file is read by a child
//! process of this binary, so that each has its own peak: the child streams the file from disk
//! in 1 MiB chunks through one `Analyzer` (open window, as `planet-bq analyze` without `--at`)
//! and reports its CPU time, its peak RSS and the peak of the bytes its heap held, counted by
//! a global allocator that wraps the system one: before `finish` (the groups) and overall
//! (the groups and the rows built from them).
//!
//! Bytes per group = (heap of the large fleet - heap of the small fleet) / (groups of the large
//! fleet - groups of the small one), shown with and without the groups' own tag values (the
//! key's bytes, summed over the rows' tag columns).

use anyhow::{bail, Context, Result};
use clap::Parser;
use planet_core::rows::to_ndjson;
use planet_core::{Analyzer, Options};
use planet_fleetgen::{Config, Fleet, Format};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes held and their peak.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn held(delta: isize) {
    if delta >= 0 {
        let now = HELD.fetch_add(delta as usize, Ordering::Relaxed) + delta as usize;
        PEAK.fetch_max(now, Ordering::Relaxed);
    } else {
        HELD.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` with the same arguments; only counters change.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            held(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        held(-(layout.size() as isize));
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            held(layout.size() as isize);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            held(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Memory per group and points per CPU-second for a fleet of few series and one of many.
#[derive(Debug, Parser)]
#[command(name = "planet-bench-cardinality")]
struct Args {
    /// Scratch directory for the generated files.
    #[arg(long, default_value = "tests/.work/bench-cardinality")]
    work: PathBuf,
    /// Points of each fleet.
    #[arg(long, default_value_t = 2_000_000)]
    points: u64,
    /// Series of the small fleet.
    #[arg(long, default_value_t = 5000)]
    small: usize,
    /// Series of the large fleet.
    #[arg(long, default_value_t = 1_000_000)]
    large: usize,
    /// Hostgroups of both fleets.
    #[arg(long, default_value_t = 200)]
    hostgroups: usize,
    /// Runs of each file (the least CPU time is kept; peaks are the same every run).
    #[arg(long, default_value_t = 1)]
    runs: usize,
    /// Keep the generated files (and reuse them when present).
    #[arg(long)]
    keep: bool,
    /// Internal: read this file and print one result line (run by the parent).
    #[arg(long, hide = true)]
    measure: Option<PathBuf>,
}

/// What one child measured.
#[derive(Debug, Clone, Default)]
struct Measured {
    points: u64,
    groups: u64,
    cpu_s: f64,
    max_rss_kib: u64,
    heap_groups: u64,
    heap_all: u64,
    key_bytes: u64,
    rows: u64,
    rows_hash: u64,
}

fn process_cpu_and_rss() -> (f64, u64) {
    // SAFETY: getrusage fills the zeroed struct we own; RUSAGE_SELF is a valid target.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (tv(usage.ru_utime) + tv(usage.ru_stime), usage.ru_maxrss as u64)
}

/// FNV-1a of the rows, to tell two builds gave the same tables.
fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn measure(path: &Path) -> Result<Measured> {
    let (cpu_before, _) = process_cpu_and_rss();
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut analyzer = Analyzer::new(Options::default());
    analyzer.begin_input(&path.display().to_string());
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        analyzer.push(&buffer[..n])?;
    }
    let heap_groups = PEAK.load(Ordering::Relaxed) as u64;
    let analysis = analyzer.finish()?;
    let (cpu_after, max_rss_kib) = process_cpu_and_rss();
    let heap_all = PEAK.load(Ordering::Relaxed) as u64;
    let len = |s: &str| s.len() as u64;
    let opt = |s: &Option<String>| s.as_deref().map_or(0, len);
    let key_bytes = analysis
        .traffic
        .iter()
        .map(|r| {
            len(&r.local_hostgroup)
                + opt(&r.local_hostgroup_address)
                + len(&r.remote_hostgroup)
                + opt(&r.remote_hostgroup_address)
        })
        .chain(analysis.dependency.iter().map(|r| {
            len(&r.protocol)
                + opt(&r.local_hostgroup_process_name)
                + len(&r.local_hostgroup)
                + opt(&r.local_hostgroup_address)
                + opt(&r.local_hostgroup_address_port)
                + len(&r.remote_hostgroup)
                + opt(&r.remote_hostgroup_address)
                + opt(&r.remote_hostgroup_address_port)
        }))
        .sum();
    let rows_hash = fnv(
        to_ndjson(&analysis.dependency).as_bytes(),
        fnv(to_ndjson(&analysis.traffic).as_bytes(), 0xcbf2_9ce4_8422_2325),
    );
    Ok(Measured {
        points: analysis.stats.aggregate.points,
        groups: analysis.stats.groups,
        cpu_s: cpu_after - cpu_before,
        max_rss_kib,
        heap_groups,
        heap_all,
        key_bytes,
        rows: (analysis.traffic.len() + analysis.dependency.len()) as u64,
        rows_hash,
    })
}

fn print_measured(m: &Measured) {
    println!(
        "points={} groups={} cpu_s={:.4} max_rss_kib={} heap_groups={} heap_all={} key_bytes={} rows={} rows_hash={:016x}",
        m.points, m.groups, m.cpu_s, m.max_rss_kib, m.heap_groups, m.heap_all, m.key_bytes, m.rows, m.rows_hash
    );
}

fn parse_measured(line: &str) -> Result<Measured> {
    let mut m = Measured::default();
    for pair in line.split_whitespace() {
        let (k, v) = pair.split_once('=').context("bad result line")?;
        match k {
            "points" => m.points = v.parse()?,
            "groups" => m.groups = v.parse()?,
            "cpu_s" => m.cpu_s = v.parse()?,
            "max_rss_kib" => m.max_rss_kib = v.parse()?,
            "heap_groups" => m.heap_groups = v.parse()?,
            "heap_all" => m.heap_all = v.parse()?,
            "key_bytes" => m.key_bytes = v.parse()?,
            "rows" => m.rows = v.parse()?,
            "rows_hash" => m.rows_hash = u64::from_str_radix(v, 16)?,
            _ => {}
        }
    }
    Ok(m)
}

fn run_child(path: &Path, runs: usize) -> Result<Measured> {
    let me = std::env::current_exe()?;
    let mut best: Option<Measured> = None;
    for _ in 0..runs.max(1) {
        let out = Command::new(&me).arg("--measure").arg(path).output()?;
        if !out.status.success() {
            bail!("measuring {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let m = parse_measured(text.lines().last().unwrap_or(""))?;
        if best.as_ref().is_none_or(|b| m.cpu_s < b.cpu_s) {
            best = Some(m);
        }
    }
    best.context("no run")
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(path) = &args.measure {
        print_measured(&measure(path)?);
        return Ok(());
    }
    std::fs::create_dir_all(&args.work).with_context(|| format!("creating {}", args.work.display()))?;
    let mut results = Vec::new();
    for series in [args.small, args.large] {
        let base = Config { hostgroups: args.hostgroups, pairs: series, ticks: 1, ..Config::default() };
        let per_tick = Fleet::new(base.clone()).points_per_tick();
        let fleet = Fleet::new(Config { ticks: args.points.div_ceil(per_tick), ..base });
        let path = args.work.join(format!("fleet-{}-series-{}-points.lp", series, fleet.points()));
        if !(args.keep && path.exists()) {
            let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
            let mut w = BufWriter::with_capacity(1 << 20, file);
            fleet.write(Format::Lp, &mut w)?;
            w.flush()?;
        }
        let bytes = std::fs::metadata(&path)?.len();
        eprintln!("measuring {} ({bytes} bytes)", path.display());
        let m = run_child(&path, args.runs)?;
        if m.points != fleet.points() {
            bail!("{}: the core read {} points, the file holds {}", path.display(), m.points, fleet.points());
        }
        if !args.keep {
            std::fs::remove_file(&path)?;
        }
        results.push((series, bytes, m));
    }
    println!(
        "| series | MB | groups | CPU s | points per CPU-s | max RSS MiB | heap of the groups MiB | heap with the rows MiB | rows hash |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (series, bytes, m) in &results {
        println!(
            "| {series} | {:.0} | {} | {:.2} | {:.0} | {:.1} | {:.1} | {:.1} | {:016x} |",
            *bytes as f64 / 1e6,
            m.groups,
            m.cpu_s,
            m.points as f64 / m.cpu_s,
            m.max_rss_kib as f64 / 1024.0,
            m.heap_groups as f64 / (1 << 20) as f64,
            m.heap_all as f64 / (1 << 20) as f64,
            m.rows_hash
        );
    }
    let (small, large) = (&results[0].2, &results[1].2);
    let groups = large.groups.saturating_sub(small.groups).max(1) as f64;
    let per = |a: u64, b: u64| (a as f64 - b as f64) / groups;
    let keys = per(large.key_bytes, small.key_bytes);
    println!();
    println!("per group ({} more groups):", large.groups.saturating_sub(small.groups));
    println!(
        "  heap of the groups: {:.0} B ({:.0} B beyond the {keys:.0} B of its tag values)",
        per(large.heap_groups, small.heap_groups),
        per(large.heap_groups, small.heap_groups) - keys
    );
    println!("  heap with the rows: {:.0} B", per(large.heap_all, small.heap_all));
    println!("  max RSS: {:.0} B", per(large.max_rss_kib * 1024, small.max_rss_kib * 1024));
    println!(
        "throughput at {} series / at {} series: {:.2}x (points per CPU-s)",
        args.large,
        args.small,
        (large.points as f64 / large.cpu_s) / (small.points as f64 / small.cpu_s)
    );
    Ok(())
}
