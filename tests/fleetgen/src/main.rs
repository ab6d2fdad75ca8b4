//! `planet-fleetgen`: writes a deterministic planet-federator fleet in line protocol, CSV or JSON.

use anyhow::{bail, Context, Result};
use clap::Parser;
use planet_fleetgen::{parse_duration, parse_rfc3339, rfc3339_nano, Config, Fleet, Format, TimeFormat, INTERVAL_NS};
use std::io::Write;
use std::path::PathBuf;

/// Generates realistic planet-federator data (what planet-federator writes into InfluxDB):
/// `pairs` series over `hostgroups` services, one point per series every 30 s, all points of a
/// tick stamped with the same time. ingress/egress carry `bandwidth_bps` floats (some in
/// exponent form), upstream/downstream `service_dependency=1i`; some tags are empty.
/// The same arguments always give the same bytes.
///
/// Examples:
///   planet-fleetgen --hostgroups 50 --pairs 400 --duration 2h --format lp --out fleet.lp
///   planet-fleetgen --points 1000000 --format csv --out fleet.csv
///   planet-fleetgen --target-bytes 1G --format lp-export --out /var/tmp/fleet-1g.lp
#[derive(Debug, Parser)]
#[command(name = "planet-fleetgen", version, verbatim_doc_comment)]
struct Args {
    /// Number of hostgroups (services).
    #[arg(long, default_value_t = 50)]
    hostgroups: usize,
    /// Number of series (traffic pairs and dependencies; about 35% ingress, 35% egress,
    /// 15% upstream, 15% downstream).
    #[arg(long, default_value_t = 400)]
    pairs: usize,
    /// Time span, Go style with days (`30s`, `90m`, `2h`, `7d`): one tick per 30 s.
    #[arg(long, default_value = "1h", conflicts_with_all = ["points", "target_bytes"])]
    duration: String,
    /// Instead of --duration: at least this many points (rounded up to whole ticks).
    #[arg(long)]
    points: Option<u64>,
    /// Instead of --duration: about this many bytes or more (suffixes K, M, G: powers of 1024).
    #[arg(long, conflicts_with = "points")]
    target_bytes: Option<String>,
    /// Time of the first tick (RFC3339).
    #[arg(long, default_value = "2026-11-22T00:00:00Z")]
    start: String,
    /// lp (bare, time-major), lp-export (influx_inspect export), csv (influx -format csv),
    /// json (/query chunked NDJSON, one statement per measurement).
    #[arg(long, default_value = "lp")]
    format: Format,
    /// Times in csv/json: default (csv ns, json RFC3339), ns, rfc3339.
    #[arg(long, default_value = "default")]
    time_format: TimeFormat,
    /// Rows per JSON chunk.
    #[arg(long, default_value_t = 10_000)]
    chunk_size: usize,
    /// Seed of every choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (default: stdout).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn parse_bytes(text: &str) -> Result<u64> {
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let n: u64 = number.parse().with_context(|| format!("--target-bytes {text:?}: not a number"))?;
    let unit: u64 = match unit.trim_end_matches(['B', 'b', 'i']) {
        "" => 1,
        "K" | "k" => 1 << 10,
        "M" | "m" => 1 << 20,
        "G" | "g" => 1 << 30,
        other => bail!("--target-bytes {text:?}: unknown unit {other:?} (K, M, G)"),
    };
    Ok(n * unit)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut config = Config {
        seed: args.seed,
        hostgroups: args.hostgroups,
        pairs: args.pairs,
        start_ns: parse_rfc3339(&args.start).map_err(anyhow::Error::msg).context("--start")?,
        ticks: 1,
        json_chunk_size: args.chunk_size,
        time_format: args.time_format,
    };
    if args.pairs == 0 {
        bail!("--pairs must be at least 1");
    }
    let fleet = Fleet::new(config.clone());
    config.ticks = if let Some(points) = args.points {
        points.div_ceil(fleet.points_per_tick()).max(1)
    } else if let Some(target) = &args.target_bytes {
        let target = parse_bytes(target)?;
        // Size one tick by writing it to nowhere, then enough ticks to reach the target.
        let one = Fleet::new(Config { ticks: 1, ..config.clone() }).write(args.format, &mut std::io::sink())?;
        target.div_ceil(one.bytes.max(1)).max(1)
    } else {
        let d = parse_duration(&args.duration).map_err(anyhow::Error::msg).context("--duration")?;
        (d / INTERVAL_NS).max(1) as u64
    };
    let fleet = Fleet { config, ..fleet };
    let stats = match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
            let stats = fleet.write(args.format, &mut w).with_context(|| format!("writing {}", path.display()))?;
            w.flush().with_context(|| format!("writing {}", path.display()))?;
            stats
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            let stats = fleet.write(args.format, &mut w).context("writing to stdout")?;
            w.flush().context("writing to stdout")?;
            stats
        }
    };
    let (mut first, mut end) = (String::new(), String::new());
    rfc3339_nano(fleet.config.start_ns, &mut first);
    rfc3339_nano(fleet.end_ns(), &mut end);
    eprintln!(
        "planet-fleetgen: {} points ({} series x {} ticks), {} lines, {} bytes, times [{first}, {end})",
        stats.points,
        fleet.series.len(),
        fleet.config.ticks,
        stats.lines,
        stats.bytes
    );
    Ok(())
}
