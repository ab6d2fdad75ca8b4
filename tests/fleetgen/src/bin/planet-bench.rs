//! `planet-bench`: the figures of BENCHMARKS.md ("Core") in one run.
//!
//! 1. Generates one fleet (default 1M points) as line protocol, CSV and chunked JSON.
//! 2. Core throughput per format: the file in memory, pushed in 1 MiB chunks through one
//!    `Analyzer` on one thread (best of `--runs`), in points/s and MB/s.
//! 3. The floor: `wc -l` on the same files; and `planet-bq analyze` (release) end to end.
//! 4. A real influxd (tests/scripts/influxd.sh): the line protocol file is loaded (timed apart),
//!    then the reference MIN/MAX/MEAN and COUNT(*) GROUP BY queries over the same window are
//!    timed; their answers are read back through the core to check they give the same rows.
//! 5. Peak memory (max RSS from /usr/bin/time -v) of `planet-bq analyze` on a ~1 GiB file.

use anyhow::{bail, Context, Result};
use clap::Parser;
use planet_core::rows::to_ndjson;
use planet_core::{Analysis, Analyzer, Format as CoreFormat, Options, Timestamp};
use planet_fleetgen::{Config, Fleet, Format};
use std::io::{BufWriter, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Measures core throughput per format, `wc -l`, a real influxd and peak memory, in one run.
#[derive(Debug, Parser)]
#[command(name = "planet-bench")]
struct Args {
    /// Scratch directory for the generated files (never inside the repository's tracked tree).
    #[arg(long, default_value = "tests/.work/bench")]
    work: PathBuf,
    /// Points of the throughput files.
    #[arg(long, default_value_t = 1_000_000)]
    points: u64,
    /// Hostgroups of the fleet.
    #[arg(long, default_value_t = 200)]
    hostgroups: usize,
    /// Series of the fleet.
    #[arg(long, default_value_t = 5000)]
    pairs: usize,
    /// Repetitions of each timing (the best is kept).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The release planet-bq binary.
    #[arg(long, default_value = "target/release/planet-bq")]
    planet_bq: PathBuf,
    /// Size of the peak-memory input, in MiB.
    #[arg(long, default_value_t = 1024)]
    memory_mib: u64,
    /// Skip the influxd comparison.
    #[arg(long)]
    skip_influxd: bool,
    /// Skip the peak-memory run.
    #[arg(long)]
    skip_memory: bool,
    /// Formats of the throughput runs (comma-separated; the first is the reference).
    #[arg(long, default_value = "lp,csv,json")]
    formats: String,
    /// Keep the generated files.
    #[arg(long)]
    keep: bool,
}

/// Wall and CPU time of one measurement. The machine is shared, so wall time includes waiting
/// for a core; CPU time is what the work itself cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    wall: Duration,
    cpu: Duration,
}

fn timespec(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own; the clock ids are valid on Linux.
    let ok = unsafe { libc::clock_gettime(clock, &mut ts) } == 0;
    if ok {
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    } else {
        Duration::ZERO
    }
}

/// CPU time of this thread.
fn thread_cpu() -> Duration {
    timespec(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// User + system time of the waited-for children so far.
fn children_cpu() -> Duration {
    // SAFETY: getrusage fills the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_CHILDREN is a valid target.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// User + system time of another process (influxd), from /proc.
fn process_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at state: utime is the 12th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after.split_whitespace().skip(11).take(2).filter_map(|f| f.parse().ok()).collect();
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let total: u64 = fields.iter().sum();
    Duration::from_nanos(total * 1_000_000_000 / ticks)
}

/// The best of `runs` (least CPU time; its wall time beside it).
fn best(runs: usize, mut f: impl FnMut() -> Result<Cost>) -> Result<Cost> {
    let mut best = Cost { wall: Duration::MAX, cpu: Duration::MAX };
    for _ in 0..runs.max(1) {
        let c = f()?;
        if c.cpu < best.cpu {
            best = c;
        }
    }
    Ok(best)
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn analyze_bytes(bytes: &[u8], options: &Options) -> Result<Analysis> {
    let mut analyzer = Analyzer::new(options.clone());
    analyzer.begin_input("bench");
    for chunk in bytes.chunks(1 << 20) {
        analyzer.push(chunk)?;
    }
    Ok(analyzer.finish()?)
}

fn generate(fleet: &Fleet, format: Format, path: &Path) -> Result<(u64, Duration)> {
    let start = Instant::now();
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let stats = fleet.write(format, &mut w)?;
    w.flush()?;
    Ok((stats.bytes, start.elapsed()))
}

fn run_timed(cmd: &mut Command) -> Result<Cost> {
    let cpu = children_cpu();
    let start = Instant::now();
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    let wall = start.elapsed();
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(Cost { wall, cpu: children_cpu().saturating_sub(cpu) })
}

/// A minimal HTTP/1.1 client for loopback influxd: one request per connection.
fn http(host: &str, request: &[u8]) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(host).with_context(|| format!("connecting to {host}"))?;
    stream.write_all(request)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").context("no end of HTTP headers")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no HTTP status")?;
    let mut body = raw[split + 4..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").context("bad chunk")?;
            let size_text = String::from_utf8_lossy(&rest[..line_end]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = decoded;
    }
    Ok((status, body))
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn query(host: &str, q: &str) -> Result<Vec<u8>> {
    let request =
        format!("GET /query?db=mothership&q={} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", url_encode(q));
    let (status, body) = http(host, request.as_bytes())?;
    if status != 200 {
        bail!("query {q:?}: HTTP {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(body)
}

fn write_lines(host: &str, lines: &[u8]) -> Result<()> {
    let mut request = format!(
        "POST /write?db=mothership&precision=ns HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        lines.len()
    )
    .into_bytes();
    request.extend_from_slice(lines);
    let (status, body) = http(host, &request)?;
    if status != 204 {
        bail!("write: HTTP {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(())
}

/// The reference queries of the original (docs/REFERENCE.md, "The queries") with explicit time bounds.
fn reference_queries(traffic: (i64, i64), dependency: (i64, i64)) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for direction in ["ingress", "egress"] {
        out.push((
            format!("traffic {direction}"),
            format!(
                "SELECT MIN(\"bandwidth_bps\"), MAX(\"bandwidth_bps\"), MEAN(\"bandwidth_bps\") FROM {direction} \
                 WHERE (\"service\" != '') AND time >= {} AND time < {} \
                 GROUP BY service, address, remote_service, remote_address",
                traffic.0, traffic.1
            ),
        ));
    }
    for (m, tags) in [
        ("upstream", "service, address, upstream_service, upstream_address, process_name, upstream_port, protocol"),
        ("downstream", "service, address, downstream_service, downstream_address, process_name, port, protocol"),
    ] {
        out.push((
            format!("dependency {m}"),
            format!(
                "SELECT COUNT(*) FROM {m} WHERE (\"service\" != '') AND time >= {} AND time < {} GROUP BY {tags}, time(1000d)",
                dependency.0, dependency.1
            ),
        ));
    }
    out
}

fn max_rss_kib(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): ")?.trim().parse().ok())
}

struct Row {
    what: String,
    cost: Cost,
    points: u64,
    bytes: u64,
    note: String,
}

fn main() -> Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.work).with_context(|| format!("creating {}", args.work.display()))?;
    let work = args.work.canonicalize()?;
    let base = Config { hostgroups: args.hostgroups, pairs: args.pairs, ticks: 1, ..Config::default() };
    let per_tick = Fleet::new(base.clone()).points_per_tick();
    let fleet = Fleet::new(Config { ticks: args.points.div_ceil(per_tick), ..base.clone() });
    let points = fleet.points();
    // The window ends where the data ends, as a job run right after the last tick would see it.
    let at = fleet.end_ns();
    let options = Options { at: Some(Timestamp(at)), ..Options::default() };
    let traffic = (at - options.traffic_window.0, at);
    let dependency = (at - options.dependency_window.0, at);
    println!(
        "fleet: {} hostgroups, {} series, {} ticks of 30 s, {points} points; window end {}",
        args.hostgroups,
        fleet.series.len(),
        fleet.config.ticks,
        Timestamp(at)
    );

    let mut rows: Vec<Row> = Vec::new();
    let mut reference: Option<Analysis> = None;
    let mut files = Vec::new();
    let wanted: Vec<&str> = args.formats.split(',').map(str::trim).collect();
    for (format, ext, core_format) in [
        (Format::Lp, "lp", CoreFormat::LineProtocol),
        (Format::Csv, "csv", CoreFormat::Csv),
        (Format::Json, "json", CoreFormat::Json),
    ] {
        if !wanted.contains(&ext) {
            continue;
        }
        let path = work.join(format!("fleet-{points}.{ext}"));
        let (bytes, gen_time) = generate(&fleet, format, &path)?;
        println!("generated {} ({bytes} bytes) in {:.2} s", path.display(), secs(gen_time));
        let data = std::fs::read(&path)?;
        let options = Options { format: core_format, ..options.clone() };
        let mut analysis = None;
        let time = best(args.runs, || {
            let (start, cpu) = (Instant::now(), thread_cpu());
            let a = analyze_bytes(&data, &options)?;
            let cost = Cost { wall: start.elapsed(), cpu: thread_cpu().saturating_sub(cpu) };
            analysis = Some(a);
            Ok(cost)
        })?;
        eprintln!("core {ext}: {:.3} s CPU, {:.3} s wall", secs(time.cpu), secs(time.wall));
        let analysis = analysis.context("no run")?;
        if analysis.stats.aggregate.points != points {
            bail!("{ext}: the core read {} points, the file holds {points}", analysis.stats.aggregate.points);
        }
        let same = match &reference {
            None => "reference".to_string(),
            Some(r) => {
                if to_ndjson(&r.traffic) == to_ndjson(&analysis.traffic)
                    && to_ndjson(&r.dependency) == to_ndjson(&analysis.dependency)
                {
                    "same rows as lp".to_string()
                } else {
                    "ROWS DIFFER from lp".to_string()
                }
            }
        };
        rows.push(Row {
            what: format!("core, {ext} (in memory, 1 thread)"),
            cost: time,
            points,
            bytes,
            note: format!("{} traffic + {} dependency rows, {same}", analysis.traffic.len(), analysis.dependency.len()),
        });
        if reference.is_none() {
            reference = Some(analysis);
        }
        let wc = best(args.runs, || run_timed(Command::new("wc").arg("-l").arg(&path)))?;
        rows.push(Row { what: format!("wc -l, {ext}"), cost: wc, points, bytes, note: "the floor".into() });
        files.push((ext, path, bytes));
    }
    let reference = reference.context("no reference analysis")?;

    let have_bq = args.planet_bq.is_file();
    if have_bq {
        for (ext, path, bytes) in &files {
            let out = work.join(format!("out-{ext}"));
            let at_text = Timestamp(at).to_rfc3339();
            let time = best(args.runs, || {
                run_timed(
                    Command::new(&args.planet_bq).args(["analyze", "--at", &at_text, "--out"]).arg(&out).arg(path),
                )
            })?;
            let same = std::fs::read_to_string(out.join("traffic.ndjson"))? == to_ndjson(&reference.traffic);
            rows.push(Row {
                what: format!("planet-bq analyze, {ext} (file, release)"),
                cost: time,
                points,
                bytes: *bytes,
                note: if same { "same rows".into() } else { "ROWS DIFFER".into() },
            });
        }
    } else {
        println!("(no {}: build it with `cargo build --release -p planet-bq`)", args.planet_bq.display());
    }

    if !args.skip_influxd {
        let dir = work.join("influxd");
        let _ = Command::new("bash").args(["tests/scripts/influxd.sh", "stop"]).arg(&dir).output();
        let started = Command::new("bash").args(["tests/scripts/influxd.sh", "start"]).arg(&dir).output()?;
        if !started.status.success() {
            bail!("influxd did not start: {}", String::from_utf8_lossy(&started.stderr));
        }
        let url = String::from_utf8_lossy(&started.stdout).trim().to_string();
        let pid: u32 = std::fs::read_to_string(dir.join("influxd.pid"))?.trim().parse().context("influxd.pid")?;
        let host = url.trim_start_matches("http://").to_string();
        let result = (|| -> Result<()> {
            let q = format!(
                "POST /query?q={} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                url_encode("CREATE DATABASE mothership")
            );
            http(&host, q.as_bytes())?;
            let lp = std::fs::read(&files[0].1)?;
            let (start, cpu) = (Instant::now(), process_cpu(pid));
            let mut batch_start = 0;
            let mut lines = 0;
            for (i, &b) in lp.iter().enumerate() {
                if b == b'\n' {
                    lines += 1;
                    if lines % 10_000 == 0 {
                        write_lines(&host, &lp[batch_start..=i])?;
                        batch_start = i + 1;
                    }
                }
            }
            if batch_start < lp.len() {
                write_lines(&host, &lp[batch_start..])?;
            }
            let load = Cost { wall: start.elapsed(), cpu: process_cpu(pid).saturating_sub(cpu) };
            rows.push(Row {
                what: "influxd 1.6.7: load (POST /write, 10k lines per request)".into(),
                cost: load,
                points,
                bytes: lp.len() as u64,
                note: "not part of the query time".into(),
            });
            let queries = reference_queries(traffic, dependency);
            // Let influxd settle (WAL snapshot and compactions after the load) before timing.
            std::thread::sleep(Duration::from_secs(5));
            let mut total = Cost { wall: Duration::ZERO, cpu: Duration::ZERO };
            let mut answers = Vec::new();
            for (name, q) in &queries {
                let mut body = Vec::new();
                let time = best(args.runs, || {
                    let (start, cpu) = (Instant::now(), process_cpu(pid));
                    body = query(&host, q)?;
                    Ok(Cost { wall: start.elapsed(), cpu: process_cpu(pid).saturating_sub(cpu) })
                })?;
                total.wall += time.wall;
                total.cpu += time.cpu;
                rows.push(Row {
                    what: format!("influxd query: {name}"),
                    cost: time,
                    points: 0,
                    bytes: body.len() as u64,
                    note: String::new(),
                });
                answers.push(body);
            }
            // The answers through the core must give the rows the core got from raw points.
            let mut analyzer = Analyzer::new(Options { format: CoreFormat::Json, ..options.clone() });
            for (i, body) in answers.iter().enumerate() {
                analyzer.begin_input(&format!("answer {i}"));
                analyzer.push(body)?;
                analyzer.end_input()?;
            }
            let from_influx = analyzer.finish()?;
            let same_traffic = to_ndjson(&from_influx.traffic) == to_ndjson(&reference.traffic);
            let same_dependency = to_ndjson(&from_influx.dependency) == to_ndjson(&reference.dependency);
            rows.push(Row {
                what: "influxd: the 4 reference queries".into(),
                cost: total,
                points,
                bytes: 0,
                note: format!(
                    "answers give {} traffic ({}) + {} dependency ({}) rows",
                    from_influx.traffic.len(),
                    if same_traffic { "same as core" } else { "DIFFER from core" },
                    from_influx.dependency.len(),
                    if same_dependency { "same as core" } else { "DIFFER from core" },
                ),
            });
            Ok(())
        })();
        let _ = Command::new("bash").args(["tests/scripts/influxd.sh", "stop"]).arg(&dir).output();
        result?;
    }

    if !args.skip_memory && have_bq {
        let path = work.join("fleet-1g.lp");
        let per_tick_bytes = Fleet::new(base.clone()).write(Format::Lp, &mut std::io::sink())?.bytes;
        let target = args.memory_mib << 20;
        let big = Fleet::new(Config { ticks: target.div_ceil(per_tick_bytes), ..base.clone() });
        let (bytes, gen_time) = generate(&big, Format::Lp, &path)?;
        println!("generated {} ({bytes} bytes) in {:.2} s", path.display(), secs(gen_time));
        let out = work.join("out-1g");
        let (start, cpu) = (Instant::now(), children_cpu());
        let run = Command::new("/usr/bin/time")
            .arg("-v")
            .arg(&args.planet_bq)
            .args(["analyze", "--out"])
            .arg(&out)
            .arg(&path)
            .output()
            .context("running /usr/bin/time -v planet-bq analyze (apt-get install time)")?;
        let cost = Cost { wall: start.elapsed(), cpu: children_cpu().saturating_sub(cpu) };
        let stderr = String::from_utf8_lossy(&run.stderr);
        if !run.status.success() {
            bail!("analyze of the 1 GiB file failed: {stderr}");
        }
        let rss = max_rss_kib(&stderr).context("no max RSS in /usr/bin/time -v output")?;
        rows.push(Row {
            what: format!("planet-bq analyze, lp {} MiB (file, release, open window)", bytes >> 20),
            cost,
            points: big.points(),
            bytes,
            note: format!("max RSS {:.1} MiB", rss as f64 / 1024.0),
        });
        if !args.keep {
            let _ = std::fs::remove_file(&path);
        }
    }
    if !args.keep {
        for (_, path, _) in &files {
            let _ = std::fs::remove_file(path);
        }
    }

    let core_lp = rows.first().map_or(1.0, |r| secs(r.cost.cpu));
    let mut table = String::from(
        "| measurement | wall s | CPU s | points per CPU-s | MB per CPU-s | CPU vs core lp | notes |\n\
         |---|---:|---:|---:|---:|---:|---|\n",
    );
    for r in &rows {
        let cpu = secs(r.cost.cpu);
        let pps = if r.points > 0 && cpu > 0.0 { format!("{:.0}", r.points as f64 / cpu) } else { String::new() };
        let mbps = if r.bytes > 0 && cpu > 0.0 && r.points > 0 {
            format!("{:.0}", r.bytes as f64 / 1e6 / cpu)
        } else {
            String::new()
        };
        table.push_str(&format!(
            "| {} | {:.3} | {:.3} | {pps} | {mbps} | {:.2}x | {} |\n",
            r.what,
            secs(r.cost.wall),
            cpu,
            cpu / core_lp,
            r.note
        ));
    }
    println!("\n{table}");
    std::fs::write(work.join("results.md"), &table)?;
    Ok(())
}
