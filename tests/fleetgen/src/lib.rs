//! `planet-fleetgen`: deterministic, realistic planet-federator data for tests and benchmarks.
//!
//! A fleet is `hostgroups` services and `pairs` series. Each series is one of the four
//! measurements planet-federator writes (docs/REFERENCE.md, "InfluxDB schema written by
//! planet-federator"): `ingress`/`egress` with a `bandwidth_bps` float, `upstream`/`downstream`
//! with `service_dependency=1i`. Every 30 s tick writes one point per series, all stamped with
//! the same time (the federator job's start time, a little after the half minute). Tags look
//! like production: consul domains or IPs, process names with spaces, ports, tcp/udp, and some
//! empty tags (which line protocol leaves out, CSV leaves empty and JSON writes as `null`).
//!
//! Everything is a pure function of the [`Config`]: the value of a point is a hash of (seed,
//! series, tick), so the formats can be written in different orders (time-major as the
//! federator writes, series-major as `influx_inspect export` writes) and still hold exactly the
//! same points. Output is streamed: memory is the fleet description, whatever the size written.
//!
//! ```
//! use planet_fleetgen::{Config, Fleet, Format};
//! let fleet = Fleet::new(Config { hostgroups: 5, pairs: 8, ticks: 2, ..Config::default() });
//! let mut out = Vec::new();
//! let stats = fleet.write(Format::Lp, &mut out).unwrap();
//! assert_eq!(stats.points, 16);
//! assert_eq!(String::from_utf8(out).unwrap().lines().count(), 16);
//! ```

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The federator's schedule: one point per series every 30 s.
pub const INTERVAL_NS: i64 = 30_000_000_000;

/// Default start of the generated data: 2026-11-22T00:00:00Z.
pub const DEFAULT_START_NS: i64 = 1_795_305_600_000_000_000;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Bare line protocol, time-major (as planet-federator writes it).
    Lp,
    /// `influx_inspect export` output: header, DDL/DML comments, then series-major lines.
    LpExport,
    /// `influx -format csv` of `SELECT * FROM <measurement>` per measurement (header per series).
    Csv,
    /// `/query?chunked=true` answers of `SELECT * FROM <measurement>`, one JSON object per line.
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "lp" => Ok(Format::Lp),
            "lp-export" => Ok(Format::LpExport),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("{other:?} is not one of lp, lp-export, csv, json")),
        }
    }
}

/// How times are written in CSV and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// The format's default: nanoseconds in CSV (`influx -format csv`), RFC3339 in JSON (`/query`).
    Default,
    /// Epoch nanoseconds (`-precision ns`, `epoch=ns`).
    Ns,
    /// RFC3339 with nanoseconds, trailing zeros trimmed (Go's `RFC3339Nano`).
    Rfc3339,
}

impl std::str::FromStr for TimeFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "default" => Ok(TimeFormat::Default),
            "ns" => Ok(TimeFormat::Ns),
            "rfc3339" => Ok(TimeFormat::Rfc3339),
            other => Err(format!("{other:?} is not one of default, ns, rfc3339")),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Seed of every choice. Default 1.
    pub seed: u64,
    /// Number of hostgroups (services). Default 50.
    pub hostgroups: usize,
    /// Number of series (traffic pairs and dependencies). Default 400.
    pub pairs: usize,
    /// Time of the first tick, epoch ns. Default 2026-11-22T00:00:00Z.
    pub start_ns: i64,
    /// Number of 30 s ticks. Default 120 (one hour).
    pub ticks: u64,
    /// Rows per JSON chunk (`chunk_size`). Default 10000 (InfluxDB's default).
    pub json_chunk_size: usize,
    /// Time format of CSV and JSON. Default: the format's own default.
    pub time_format: TimeFormat,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            hostgroups: 50,
            pairs: 400,
            start_ns: DEFAULT_START_NS,
            ticks: 120,
            json_chunk_size: 10_000,
            time_format: TimeFormat::Default,
        }
    }
}

/// The measurement of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `ingress`, traffic.
    Ingress,
    /// `egress`, traffic.
    Egress,
    /// `upstream`, dependency.
    Upstream,
    /// `downstream`, dependency.
    Downstream,
}

impl Kind {
    /// All kinds in the order the measurement names sort.
    pub const ALL: [Kind; 4] = [Kind::Downstream, Kind::Egress, Kind::Ingress, Kind::Upstream];

    /// The measurement name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ingress => "ingress",
            Kind::Egress => "egress",
            Kind::Upstream => "upstream",
            Kind::Downstream => "downstream",
        }
    }

    /// The field of the measurement.
    pub fn field(self) -> &'static str {
        match self {
            Kind::Ingress | Kind::Egress => "bandwidth_bps",
            Kind::Upstream | Kind::Downstream => "service_dependency",
        }
    }

    /// Tag keys and the field, sorted as InfluxDB lists the columns of `SELECT *`.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Kind::Ingress | Kind::Egress => {
                &["address", "bandwidth_bps", "remote_address", "remote_service", "service"]
            }
            Kind::Upstream => &[
                "address",
                "process_name",
                "protocol",
                "service",
                "service_dependency",
                "upstream_address",
                "upstream_port",
                "upstream_service",
            ],
            Kind::Downstream => &[
                "address",
                "downstream_address",
                "downstream_service",
                "port",
                "process_name",
                "protocol",
                "service",
                "service_dependency",
            ],
        }
    }

    /// Whether the measurement is traffic (a float field) rather than a dependency.
    pub fn is_traffic(self) -> bool {
        matches!(self, Kind::Ingress | Kind::Egress)
    }
}

/// One series: a measurement and its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The measurement.
    pub kind: Kind,
    /// Tag values by key, sorted by key; an empty value means the tag is absent.
    pub tags: Vec<(&'static str, String)>,
    /// Typical bandwidth of a traffic series, bits per second.
    base_bps: u64,
    /// Stable identity, for the point values.
    id: u64,
}

impl Series {
    /// The value of a tag, `""` when absent.
    pub fn tag(&self, key: &str) -> &str {
        self.tags.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v.as_str())
    }
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Points written.
    pub points: u64,
    /// Lines written (points plus headers and comments).
    pub lines: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// A generated fleet: hostgroups, series and the time range.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// What it was generated from.
    pub config: Config,
    /// The series, sorted by measurement then tags (InfluxDB's series key order).
    pub series: Vec<Series>,
}

/// splitmix64: a fast, well-mixed hash; the generator's only source of "randomness".
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic stream of numbers.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const NAMES: [&str; 40] = [
    "api",
    "auth",
    "db",
    "frontend",
    "cache",
    "search",
    "payment",
    "checkout",
    "cart",
    "catalog",
    "inventory",
    "user",
    "session",
    "notification",
    "mail",
    "report",
    "billing",
    "ledger",
    "gateway",
    "ingest",
    "kafka",
    "zookeeper",
    "redis",
    "memcached",
    "elasticsearch",
    "postgres",
    "mysql",
    "consul",
    "vault",
    "nginx",
    "haproxy",
    "worker",
    "scheduler",
    "recommendation",
    "image-resizer",
    "video",
    "geo",
    "ads",
    "fraud",
    "analytics",
];

const PROCESSES: [&str; 10] = [
    "java",
    "nginx worker",
    "python3",
    "node",
    "envoy",
    "postgres",
    "redis-server",
    "haproxy",
    "php-fpm: pool www",
    "ruby",
];

const TCP_PORTS: [u16; 12] = [80, 443, 8080, 5432, 6379, 3306, 9092, 11211, 5000, 8443, 9200, 27017];
const UDP_PORTS: [u16; 4] = [514, 8125, 6831, 4789];

#[derive(Debug)]
struct Hostgroup {
    name: String,
    address: String,
    ip: String,
    process: String,
    port: u16,
    udp: bool,
}

fn hostgroups(config: &Config) -> Vec<Hostgroup> {
    let mut rng = Rng(config.seed ^ 0x686f_7374);
    (0..config.hostgroups.max(1))
        .map(|i| {
            let base = NAMES[i % NAMES.len()];
            let name = if i < NAMES.len() { base.to_string() } else { format!("{base}-{}", i / NAMES.len()) };
            let ip = format!("10.{}.{}.{}", (i >> 8) & 255, i & 255, 2 + rng.below(250));
            let address = match rng.below(100) {
                0..=59 => format!("{name}.service.consul"),
                60..=94 => ip.clone(),
                _ => String::new(),
            };
            let process = if rng.chance(5) { String::new() } else { PROCESSES[rng.below(10) as usize].to_string() };
            let udp = rng.chance(10);
            let port = if udp { UDP_PORTS[rng.below(4) as usize] } else { TCP_PORTS[rng.below(12) as usize] };
            Hostgroup { name, address, ip, process, port, udp }
        })
        .collect()
}

impl Fleet {
    /// Builds the fleet of a configuration (deterministic).
    pub fn new(config: Config) -> Fleet {
        let groups = hostgroups(&config);
        let n = groups.len() as u64;
        let mut seen: HashSet<(Kind, Vec<(&'static str, String)>)> = HashSet::new();
        let mut series = Vec::with_capacity(config.pairs);
        for k in 0..config.pairs as u64 {
            let mut rng = Rng(mix(config.seed) ^ mix(k.wrapping_add(0x7061_6972)));
            // Draw until the series is new: two series with the same key would overwrite each
            // other's points in InfluxDB, and then its answers could not match ours.
            let mut attempt = 0u64;
            loop {
                let local_index = rng.below(n);
                let local = &groups[local_index as usize];
                // A peer other than itself when there is one.
                let remote = &groups[((local_index + 1 + rng.below(n.max(2) - 1)) % n) as usize];
                let kind = match rng.below(100) {
                    0..=34 => Kind::Ingress,
                    35..=69 => Kind::Egress,
                    70..=84 => Kind::Upstream,
                    _ => Kind::Downstream,
                };
                let mut tags: Vec<(&'static str, String)> = Vec::new();
                // 1% of series lose their local service: the original leaves them out.
                let service = if rng.chance(1) { String::new() } else { local.name.clone() };
                let mut remote_address = if rng.chance(5) {
                    String::new()
                } else if rng.chance(50) {
                    remote.ip.clone()
                } else {
                    remote.address.clone()
                };
                if attempt >= 20 {
                    // Small fleets run out of distinct pairs: a unique peer IP keeps series distinct.
                    remote_address = format!("172.{}.{}.{}", 16 + ((k >> 16) & 15), (k >> 8) & 255, k & 255);
                }
                tags.push(("address", local.address.clone()));
                tags.push(("service", service));
                match kind {
                    Kind::Ingress | Kind::Egress => {
                        let remote_service = if rng.chance(3) { String::new() } else { remote.name.clone() };
                        tags.push(("remote_service", remote_service));
                        tags.push(("remote_address", remote_address));
                    }
                    Kind::Upstream => {
                        tags.push(("upstream_service", remote.name.clone()));
                        tags.push(("upstream_address", remote_address));
                        tags.push(("upstream_port", remote.port.to_string()));
                        tags.push(("process_name", local.process.clone()));
                        tags.push(("protocol", if remote.udp { "udp" } else { "tcp" }.to_string()));
                    }
                    Kind::Downstream => {
                        tags.push(("downstream_service", remote.name.clone()));
                        tags.push(("downstream_address", remote_address));
                        tags.push(("port", local.port.to_string()));
                        tags.push(("process_name", local.process.clone()));
                        tags.push(("protocol", if local.udp { "udp" } else { "tcp" }.to_string()));
                    }
                }
                tags.sort();
                // Log-uniform between 2 kbit/s and 500 Mbit/s, as real pairs spread.
                let base_bps = (2_000f64 * (250_000f64).powf((rng.next() % 10_000) as f64 / 10_000.0)) as u64;
                if seen.insert((kind, tags.clone())) {
                    series.push(Series { kind, tags, base_bps, id: k });
                    break;
                }
                attempt += 1;
            }
        }
        series.sort_by(|a, b| (a.kind.name(), &a.tags).cmp(&(b.kind.name(), &b.tags)));
        Fleet { config, series }
    }

    /// Points per tick (the number of series).
    pub fn points_per_tick(&self) -> u64 {
        self.series.len() as u64
    }

    /// Total points.
    pub fn points(&self) -> u64 {
        self.points_per_tick() * self.config.ticks
    }

    /// The time of a tick: the job's start, a little after each half minute, in ns.
    pub fn tick_time(&self, tick: u64) -> i64 {
        let jitter = (mix(self.config.seed ^ mix(tick ^ 0x7469_636b)) % 900_000_000) as i64;
        self.config.start_ns + tick as i64 * INTERVAL_NS + jitter
    }

    /// The end of the data: one interval after the start of the last tick.
    pub fn end_ns(&self) -> i64 {
        self.config.start_ns + self.config.ticks as i64 * INTERVAL_NS
    }

    /// The `bandwidth_bps` of a traffic series at a tick: thousandths, as the federator rounds.
    pub fn bandwidth(&self, series: &Series, tick: u64) -> f64 {
        let h = mix(self.config.seed ^ mix(series.id.wrapping_mul(0x1_0000_0001) ^ tick));
        // Between 0.2 and 1.8 times the series' typical rate.
        let factor = 0.2 + (h % 1_600_000) as f64 / 1_000_000.0;
        let thousandths = (series.base_bps as f64 * factor * 1000.0).round();
        // At least 1000 bit/s: the federator keeps only pairs above that.
        thousandths.max(1_000_000.0) / 1000.0
    }

    /// Whether a value is written in exponent form (`3.38e+07`), as Go writes large floats.
    fn exponent_form(&self, series: &Series, tick: u64) -> bool {
        // One value in ten.
        mix(series.id ^ tick.rotate_left(17) ^ self.config.seed) % 10 < 1
    }

    fn value_text(&self, series: &Series, tick: u64, lp: bool, out: &mut String) {
        if !series.kind.is_traffic() {
            out.push_str(if lp { "1i" } else { "1" });
            return;
        }
        let v = self.bandwidth(series, tick);
        if self.exponent_form(series, tick) {
            // Rust's shortest round-trip mantissa, Go's exponent spelling: same f64 back.
            let text = format!("{v:e}");
            let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
            let exp: i32 = exp.parse().unwrap_or(0);
            let sign = if exp < 0 { '-' } else { '+' };
            let _ = write!(out, "{mantissa}e{sign}{:02}", exp.abs());
        } else {
            let _ = write!(out, "{v}");
        }
    }

    fn time_text(&self, time: i64, default: TimeFormat, out: &mut String) {
        let format = if self.config.time_format == TimeFormat::Default { default } else { self.config.time_format };
        match format {
            TimeFormat::Rfc3339 => rfc3339_nano(time, out),
            _ => {
                let _ = write!(out, "{time}");
            }
        }
    }

    /// Writes the whole fleet in a format; returns what was written.
    pub fn write(&self, format: Format, out: &mut dyn Write) -> io::Result<WriteStats> {
        let mut w = Counting { inner: out, stats: WriteStats::default() };
        match format {
            Format::Lp => self.write_lp(&mut w)?,
            Format::LpExport => self.write_lp_export(&mut w)?,
            Format::Csv => self.write_csv(&mut w)?,
            Format::Json => self.write_json(&mut w)?,
        }
        w.inner.flush()?;
        Ok(w.stats)
    }

    fn write_lp(&self, w: &mut Counting<'_>) -> io::Result<()> {
        let prefixes: Vec<String> = self.series.iter().map(lp_prefix).collect();
        let mut line = String::with_capacity(256);
        for tick in 0..self.config.ticks {
            let time = self.tick_time(tick);
            let mut buf = String::with_capacity(prefixes.len() * 160);
            for (series, prefix) in self.series.iter().zip(&prefixes) {
                line.clear();
                line.push_str(prefix);
                self.value_text(series, tick, true, &mut line);
                let _ = writeln!(line, " {time}");
                buf.push_str(&line);
            }
            w.points(&buf, self.series.len() as u64)?;
        }
        Ok(())
    }

    fn write_lp_export(&self, w: &mut Counting<'_>) -> io::Result<()> {
        w.meta("# INFLUXDB EXPORT: 1677-09-21T00:12:43Z - 2262-04-11T23:47:16Z\n")?;
        w.meta("# DDL\n")?;
        w.meta("CREATE DATABASE mothership WITH NAME autogen\n")?;
        w.meta("# DML\n")?;
        w.meta("# CONTEXT-DATABASE:mothership\n")?;
        w.meta("# CONTEXT-RETENTION-POLICY:autogen\n")?;
        w.meta("# writing tsm data\n")?;
        let times: Vec<i64> = (0..self.config.ticks).map(|t| self.tick_time(t)).collect();
        let mut buf = String::with_capacity(1 << 20);
        for series in &self.series {
            let prefix = lp_prefix(series);
            for (tick, time) in times.iter().enumerate() {
                buf.push_str(&prefix);
                self.value_text(series, tick as u64, true, &mut buf);
                let _ = writeln!(buf, " {time}");
                w.points_buffered(&mut buf)?;
            }
            w.flush_buffered(&mut buf)?;
        }
        Ok(())
    }

    /// Series of one measurement, in series key order.
    fn of_kind(&self, kind: Kind) -> Vec<&Series> {
        self.series.iter().filter(|s| s.kind == kind).collect()
    }

    /// The cells of a `SELECT *` row around the field: before and after the value.
    fn row_parts(series: &Series, json: bool) -> (String, String) {
        let mut before = String::new();
        let mut after = String::new();
        let mut seen_field = false;
        for &column in series.kind.columns() {
            if column == series.kind.field() {
                seen_field = true;
                continue;
            }
            let out = if seen_field { &mut after } else { &mut before };
            let value = series.tag(column);
            if json {
                if value.is_empty() {
                    out.push_str("null");
                } else {
                    json_string(value, out);
                }
                out.push(',');
            } else {
                csv_cell(value, out);
                out.push(',');
            }
        }
        // `before` ends with the separator before the value; `after` starts with one.
        if !after.is_empty() {
            after.pop();
            after.insert(0, ',');
        }
        (before, after)
    }

    fn write_csv(&self, w: &mut Counting<'_>) -> io::Result<()> {
        let mut buf = String::with_capacity(1 << 20);
        for kind in Kind::ALL {
            let series = self.of_kind(kind);
            if series.is_empty() {
                continue;
            }
            let parts: Vec<(String, String)> = series.iter().map(|s| Self::row_parts(s, false)).collect();
            w.meta(&format!("name,time,{}\n", kind.columns().join(",")))?;
            for tick in 0..self.config.ticks {
                let mut time = String::new();
                self.time_text(self.tick_time(tick), TimeFormat::Ns, &mut time);
                for (s, (before, after)) in series.iter().zip(&parts) {
                    let _ = write!(buf, "{},{time},{before}", kind.name());
                    self.value_text(s, tick, false, &mut buf);
                    buf.push_str(after);
                    buf.push('\n');
                    w.points_buffered(&mut buf)?;
                }
            }
            w.flush_buffered(&mut buf)?;
        }
        Ok(())
    }

    fn write_json(&self, w: &mut Counting<'_>) -> io::Result<()> {
        let chunk = self.config.json_chunk_size.max(1) as u64;
        for (statement, kind) in Kind::ALL.into_iter().enumerate() {
            let series = self.of_kind(kind);
            let total = series.len() as u64 * self.config.ticks;
            if total == 0 {
                w.meta(&format!("{{\"results\":[{{\"statement_id\":{statement}}}]}}\n"))?;
                continue;
            }
            let parts: Vec<(String, String)> = series.iter().map(|s| Self::row_parts(s, true)).collect();
            let columns: Vec<String> = std::iter::once("\"time\"".to_string())
                .chain(kind.columns().iter().map(|c| format!("\"{c}\"")))
                .collect();
            let head = format!(
                "{{\"results\":[{{\"statement_id\":{statement},\"series\":[{{\"name\":\"{}\",\"columns\":[{}],\"values\":[",
                kind.name(),
                columns.join(",")
            );
            let mut buf = String::with_capacity(1 << 20);
            let mut written = 0u64;
            let mut in_chunk = 0u64;
            let mut time = String::new();
            for tick in 0..self.config.ticks {
                time.clear();
                self.time_text(self.tick_time(tick), TimeFormat::Rfc3339, &mut time);
                let time_json = if time.contains('T') { format!("\"{time}\"") } else { time.clone() };
                for (s, (before, after)) in series.iter().zip(&parts) {
                    if in_chunk == 0 {
                        buf.push_str(&head);
                    } else {
                        buf.push(',');
                    }
                    let _ = write!(buf, "[{time_json},{before}");
                    self.value_text(s, tick, false, &mut buf);
                    buf.push_str(after);
                    buf.push(']');
                    in_chunk += 1;
                    written += 1;
                    if in_chunk == chunk || written == total {
                        // InfluxDB marks every chunk but the last of a statement as partial.
                        if written == total {
                            buf.push_str("]}]}]}\n");
                        } else {
                            buf.push_str("],\"partial\":true}],\"partial\":true}]}\n");
                        }
                        w.points(&buf, in_chunk)?;
                        buf.clear();
                        in_chunk = 0;
                    }
                }
            }
        }
        Ok(())
    }
}

/// `measurement,k=v,... field=` with line protocol escapes; absent (empty) tags left out.
fn lp_prefix(series: &Series) -> String {
    let mut out = String::from(series.kind.name());
    for (k, v) in &series.tags {
        if v.is_empty() {
            continue;
        }
        out.push(',');
        out.push_str(k);
        out.push('=');
        for c in v.chars() {
            if matches!(c, ',' | '=' | ' ') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push(' ');
    out.push_str(series.kind.field());
    out.push('=');
    out
}

/// A CSV cell as Go's encoding/csv writes it (quoted when it holds a comma, quote or newline,
/// or starts with a space).
fn csv_cell(value: &str, out: &mut String) {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with([' ', '\t']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn json_string(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `time.RFC3339Nano` in UTC: fractional seconds with trailing zeros trimmed.
pub fn rfc3339_nano(ns: i64, out: &mut String) {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000) as u32;
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(t) => {
            let _ = write!(out, "{}", t.format("%Y-%m-%dT%H:%M:%S"));
        }
        None => {
            let _ = write!(out, "{secs}");
        }
    }
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
}

/// Parses a Go-style duration with days: `30s`, `90m`, `1h30m`, `7d`; returns ns.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let mut total: i64 = 0;
    let mut number = String::new();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1_000_000_000,
            'm' => 60_000_000_000,
            'h' => 3_600_000_000_000,
            'd' => 86_400_000_000_000,
            _ => return Err(format!("{text:?}: unknown unit {c:?} (use s, m, h, d)")),
        };
        let n: i64 = number.parse().map_err(|_| format!("{text:?}: a number must come before {c:?}"))?;
        total =
            n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(|| format!("{text:?} is too long"))?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!("{text:?}: the last number has no unit"));
    }
    Ok(total)
}

/// Parses an RFC3339 time into epoch ns.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    let t = chrono::DateTime::parse_from_rfc3339(text).map_err(|e| format!("{text:?} is not RFC3339: {e}"))?;
    t.timestamp_nanos_opt().ok_or_else(|| format!("{text:?} is out of range"))
}

/// A writer that counts points, lines and bytes.
struct Counting<'a> {
    inner: &'a mut dyn Write,
    stats: WriteStats,
}

impl Counting<'_> {
    fn meta(&mut self, text: &str) -> io::Result<()> {
        self.inner.write_all(text.as_bytes())?;
        self.stats.bytes += text.len() as u64;
        self.stats.lines += text.matches('\n').count() as u64;
        Ok(())
    }

    fn points(&mut self, text: &str, points: u64) -> io::Result<()> {
        self.meta(text)?;
        self.stats.points += points;
        Ok(())
    }

    /// Counts one point already appended to `buf`; writes `buf` out when it is large.
    fn points_buffered(&mut self, buf: &mut String) -> io::Result<()> {
        self.stats.points += 1;
        self.stats.lines += 1;
        if buf.len() >= 1 << 20 {
            self.flush_buffered(buf)?;
        }
        Ok(())
    }

    fn flush_buffered(&mut self, buf: &mut String) -> io::Result<()> {
        self.inner.write_all(buf.as_bytes())?;
        self.stats.bytes += buf.len() as u64;
        buf.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Fleet {
        Fleet::new(Config { hostgroups: 6, pairs: 40, ticks: 3, ..Config::default() })
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
        let write = |seed| {
            let mut out = Vec::new();
            Fleet::new(Config { seed, ..Config::default() }).write(Format::Lp, &mut out).expect("in memory");
            out
        };
        assert_eq!(write(7), write(7));
        assert_ne!(write(7), write(8));
    }

    #[test]
    fn series_are_distinct_even_when_the_fleet_is_too_small_for_its_pairs() {
        let fleet = Fleet::new(Config { hostgroups: 2, pairs: 300, ticks: 1, ..Config::default() });
        let keys: HashSet<String> = fleet.series.iter().map(lp_prefix).collect();
        assert_eq!(keys.len(), 300);
    }

    #[test]
    fn every_format_holds_one_line_per_point_plus_its_headers() {
        let fleet = small();
        for (format, extra) in [(Format::Lp, 0), (Format::LpExport, 7), (Format::Csv, 4)] {
            let mut out = Vec::new();
            let stats = fleet.write(format, &mut out).expect("in memory");
            let text = String::from_utf8(out).expect("utf-8");
            assert_eq!(stats.points, 120, "{format:?}");
            assert_eq!(text.lines().count() as u64, 120 + extra, "{format:?}");
            assert_eq!(stats.lines, 120 + extra, "{format:?}");
            assert_eq!(stats.bytes, text.len() as u64);
        }
    }

    #[test]
    fn all_points_of_a_tick_share_one_time_thirty_seconds_apart() {
        let fleet = small();
        let mut out = Vec::new();
        fleet.write(Format::Lp, &mut out).expect("in memory");
        let text = String::from_utf8(out).expect("utf-8");
        let times: Vec<i64> =
            text.lines().map(|l| l.rsplit(' ').next().and_then(|t| t.parse().ok()).expect("a time")).collect();
        let distinct: std::collections::BTreeSet<i64> = times.iter().copied().collect();
        assert_eq!(distinct.len(), 3);
        let v: Vec<i64> = distinct.into_iter().collect();
        assert!(v[1] - v[0] > 29_000_000_000 && v[1] - v[0] < 31_000_000_000);
        assert!(times[..40].iter().all(|&t| t == v[0]));
    }

    #[test]
    fn json_chunks_are_objects_marked_partial_except_the_last_of_a_statement() {
        let fleet = Fleet::new(Config { json_chunk_size: 7, ..small().config });
        let mut out = Vec::new();
        fleet.write(Format::Json, &mut out).expect("in memory");
        let text = String::from_utf8(out).expect("utf-8");
        let mut rows = 0;
        for line in text.lines() {
            rows += line.matches("],[").count() + usize::from(line.contains("\"values\":[["));
            let partial = line.ends_with("\"partial\":true}]}");
            assert!(partial || line.ends_with("]}]}]}") || line.ends_with("}]}"), "{line}");
        }
        assert_eq!(rows, 120);
    }

    #[test]
    fn exponent_form_reads_back_as_the_same_float() {
        let fleet = small();
        let mut checked = 0;
        for s in fleet.series.iter().filter(|s| s.kind.is_traffic()) {
            for tick in 0..50 {
                if fleet.exponent_form(s, tick) {
                    let mut text = String::new();
                    fleet.value_text(s, tick, true, &mut text);
                    assert!(text.contains("e+"), "{text}");
                    assert_eq!(text.parse::<f64>().expect("a float"), fleet.bandwidth(s, tick));
                    checked += 1;
                }
            }
        }
        assert!(checked > 10);
    }

    #[test]
    fn durations_and_times_parse_like_the_cli_documents() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("7d"), Ok(7 * 86_400_000_000_000));
        assert!(parse_duration("90").is_err());
        assert_eq!(parse_rfc3339("2026-11-22T00:00:00Z"), Ok(DEFAULT_START_NS));
        let mut s = String::new();
        rfc3339_nano(DEFAULT_START_NS + 897_417_000, &mut s);
        assert_eq!(s, "2026-11-22T00:00:00.897417Z");
    }
}
