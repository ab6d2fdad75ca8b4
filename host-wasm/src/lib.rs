//! `planet-wasm`: planet-bq's analysis core for JavaScript, in the browser and in Node.
//!
//! A thin binding: options go straight to the core's `Options` (through JSON, profile
//! included), the core does the work, results come back as plain objects whose rows are exactly
//! the lines of `planet-bq analyze --out` NDJSON (they are `JSON.parse` of those lines), and core
//! errors become JavaScript `Error`s with the CLI's message (file, line, quote). The core's
//! defaults and table schema are exported too ([`defaults`], [`tables`]), so a page needs no
//! copy of them.
//!
//! JavaScript objects speak camelCase (`trafficWindow`, `window.trafficStart`,
//! `stats.skippedLines`); rows keep their BigQuery column names.
//!
//! ```js
//! import { analyze } from "planet-wasm";
//! const result = analyze(fs.readFileSync("export.lp"), { at: "2026-11-22T13:00:00Z" });
//! console.log(result.traffic.length, result.trafficNdjson);
//! ```

use planet_core::rows::{Encoding, TableTexts};
use planet_core::{
    defaults as core_defaults, schema, Analysis, Options, Profile, Timestamp, WhatIf, Window, WindowEnds, WindowsRows,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub mod slices;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Options of an analysis; every key is optional and defaults as in `planet-bq analyze`. */
export interface Options {
  /** Window end and `inventory_date`, RFC3339. Default: the next whole hour after the newest point. */
  at?: string;
  /** Traffic window length, Go syntax with days (`90m`, `1h30m`, `7d`). Default `"1h"`. */
  trafficWindow?: string;
  /** Dependency window length. Default `"7d"`. */
  dependencyWindow?: string;
  /** `auto`, `lp` (`line-protocol`), `csv`, `annotated-csv`, `json`, `prometheus-json`. Default `"auto"` (per input). */
  format?: string;
  /** Unit of bare epoch integers: `auto`, `ns`, `us`, `ms`, `s`. Default `"auto"`. */
  precision?: string;
  /** Throw at the first malformed line instead of skipping it into `warnings`. Default `false`. */
  strict?: boolean;
  /** What-if (as `analyze --min-bandwidth`): keep only traffic points above this many bit/s. */
  minBandwidth?: number;
  /** What-if: drop dependency rows whose port fully matches this regular expression. */
  excludePorts?: string;
  /** What-if: drop rows whose remote address fully matches this regular expression. */
  excludeAddresses?: string;
  /** What-if: drop rows whose remote hostgroup is empty. */
  hideEmptyRemote?: boolean;
  /** What-if: hostgroup renames `{ from: to }`; names renamed to one merge. */
  rename?: Record<string, string>;
  /** What-if: add `traffic_bandwidth_bits_p50_1h`, `_p95_1h`, `_p99_1h` to traffic rows and their NDJSON/CSV. */
  percentiles?: boolean;
  /** Schema profile: a built-in one's name (`defaults().profile`, see `profile(name)`) or a whole profile. */
  profile?: string | Profile;
  /**
   * planet-exporter's IP-to-hostgroup inventory (as `analyze --inventory`): the file's text,
   * `arrayjson` or `ndjson` (told apart by the first character), or its array of entries. It
   * names the addresses the data could not; the `contiv-svcstats` profile needs one.
   */
  inventory?: string | { ip_address: string; domain?: string; hostgroup?: string }[];
  /** Every window the schedule produces within the data, in one pass (`analyze --all-windows`): the
   * tables hold every window's rows one after the other, and `windows` lists their ends. `at` is ignored. */
  allWindows?: boolean;
  /** Hour of the day (UTC, 0-23) at which the daily dependency windows of `allWindows` end. Default 11. */
  dependencyHour?: number;
  /** Keys the core does not know are ignored. */
  [key: string]: unknown;
}

/** One input: bytes or text, optionally with the name that errors and warnings quote. */
export type Input = Uint8Array | string | { name: string; data: Uint8Array | string };

/** A row of the hourly traffic table (BigQuery column names; NULL is `null`). */
export interface TrafficRow {
  inventory_date: string;
  traffic_direction: string;
  local_hostgroup: string;
  local_hostgroup_address: string | null;
  remote_hostgroup: string;
  remote_hostgroup_address: string | null;
  traffic_bandwidth_bits_min_1h: number;
  traffic_bandwidth_bits_max_1h: number;
  traffic_bandwidth_bits_avg_1h: number;
  /** Only with the `percentiles` option; `null` for rows built from pre-aggregated answers. */
  traffic_bandwidth_bits_p50_1h?: number | null;
  traffic_bandwidth_bits_p95_1h?: number | null;
  traffic_bandwidth_bits_p99_1h?: number | null;
}

/** A row of the daily dependency table (BigQuery column names; NULL is `null`). */
export interface DependencyRow {
  inventory_date: string;
  dependency_direction: string;
  protocol: string;
  local_hostgroup_process_name: string | null;
  local_hostgroup: string;
  local_hostgroup_address: string | null;
  local_hostgroup_address_port: string | null;
  remote_hostgroup: string;
  remote_hostgroup_address: string | null;
  remote_hostgroup_address_port: string | null;
}

/** The windows used (RFC3339; starts inclusive, end exclusive and equal to `inventory_date`). */
export interface Window {
  end: string;
  trafficStart: string;
  dependencyStart: string;
}

/** A malformed line that was skipped. */
export interface Warning {
  input: string;
  line: number;
  message: string;
  quote: string;
}

/** Counters of one analysis. */
export interface Stats {
  inputs: number;
  lines: number;
  bytes: number;
  skippedLines: number;
  groups: number;
  points: number;
  aggregateRows: number;
  otherMeasurements: number;
  withoutLocalHostgroup: number;
  withoutTrafficValue: number;
  outsideWindow: number;
  /** Traffic points (and pre-aggregated rows) left out by `minBandwidth`. */
  belowMinBandwidth: number;
}

/** The result of an analysis. */
export interface Analysis {
  traffic: TrafficRow[];
  dependency: DependencyRow[];
  /** `null` when the input held no point to place a window. */
  window: Window | null;
  /** The first 1000 skipped lines; `stats.skippedLines` counts all. */
  warnings: Warning[];
  stats: Stats;
  /** The traffic table byte for byte as `planet-bq analyze --out` writes `traffic.ndjson`. */
  trafficNdjson: string;
  /** The dependency table byte for byte as `planet-bq analyze --out` writes `dependency.ndjson`. */
  dependencyNdjson: string;
  /** The traffic table as `--out-format csv` writes it. */
  trafficCsv: string;
  /** The dependency table as `--out-format csv` writes it. */
  dependencyCsv: string;
  /** With `allWindows`: the ends of every window, whose rows follow one another in the tables. */
  windows?: WindowEnds;
}

/** The ends (RFC3339, ascending) of every window within the data: hourly traffic, daily dependency. */
export interface WindowEnds {
  traffic: string[];
  dependency: string[];
}

/** The what-if keys of `Options` that act on rows (`minBandwidth` and `percentiles` act on points). */
export type Filters = Pick<Options, "minBandwidth" | "excludePorts" | "excludeAddresses" | "hideEmptyRemote" | "rename" | "percentiles">;

/**
 * The format in which an input whose first bytes are `head` can be cut at line boundaries and
 * read in slices (`Analyzer.beginSlice`): `"line-protocol"` or `"csv"`; `undefined` for one to
 * read whole (compressed, JSON, annotated CSV, not text, or not decided by `head`).
 */
export function sliceFormat(head: Uint8Array, options?: Options): "line-protocol" | "csv" | undefined;

/** Analyzes whole inputs once and keeps every window's bucket partials (see `AllWindows`). */
export function analyzeAll(inputs: Input | Input[], options?: Options): AllWindows;

/** Analyzes whole inputs in one call. Throws an `Error` with the CLI's message on bad options or, with `strict`, bad input. */
export function analyze(inputs: Input | Input[], options?: Options): Analysis;

/** A schema profile: which measurements, tags and fields make the two tables (the core's JSON form). */
export interface Profile {
  name: string;
  [key: string]: unknown;
}

/** The defaults of `planet-bq analyze` and of the service, and the federator's own filters as suggestions. */
export interface Defaults {
  /** `"1h"`. */
  trafficWindow: string;
  /** `"7d"`. */
  dependencyWindow: string;
  /** The profile used when none is named: `"planet-federator"`. */
  profile: string;
  /** Names of the built-in profiles. */
  profiles: string[];
  /** The federator keeps pairs above this many bit/s (a suggestion for `minBandwidth`; not applied by default). */
  federatorMinBandwidth: number;
  /** The federator's excluded ports (a suggestion for `excludePorts`). */
  federatorExcludedPorts: string;
  /** The federator's excluded addresses (a suggestion for `excludeAddresses`). */
  federatorExcludedAddresses: string;
}

/** A column of a BigQuery table. */
export interface Column {
  name: string;
  type: "TIMESTAMP" | "STRING" | "INTEGER";
  mode: "REQUIRED" | "NULLABLE";
  description: string;
}

/** A BigQuery table: its columns in order; the first `keyLen` identify a row. */
export interface Table {
  name: string;
  description: string;
  columns: Column[];
  keyLen: number;
  clustering: string[];
  partitioning: string;
}

/** The two tables, and the extra traffic columns of the `percentiles` option. */
export interface Tables {
  traffic: Table;
  dependency: Table;
  percentileColumns: Column[];
}

/** The core's defaults. */
export function defaults(): Defaults;

/** The core's table schema. */
export function tables(): Tables;

/** A built-in profile by name (to show it, or to change it and pass it as `options.profile`). */
export function profile(name: string): Profile;
"#;

/// The one place where errors become JavaScript `Error`s.
fn js_error(message: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&message.to_string()).into()
}

/// Options from a JavaScript object through JSON, so that the core's serde rules (camelCase,
/// defaults, unknown keys ignored) apply unchanged; `undefined` and `null` mean all defaults.
fn options_from(value: &JsValue) -> Result<Options, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Options::default());
    }
    let text = js_sys::JSON::stringify(value)?.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| js_error(format!("invalid options: {e}")))
}

/// The bytes of a chunk given as `Uint8Array` (or any typed array view) or string.
fn bytes_of(value: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(array.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(buffer).to_vec());
    }
    Err(js_error("expected a Uint8Array, an ArrayBuffer or a string"))
}

/// A JavaScript value from JSON text.
fn js_value(json: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(json)
}

/// A serializable value as a JavaScript object, its keys in camelCase (in their order).
fn js_object(value: &impl Serialize) -> Result<JsValue, JsValue> {
    Ok(camel_case_keys(js_value(&serde_json::to_string(value).map_err(js_error)?)?))
}

/// Renames the keys of every object in a JavaScript value from snake_case to camelCase.
fn camel_case_keys(value: JsValue) -> JsValue {
    if js_sys::Array::is_array(&value) {
        return js_sys::Array::from(&value).iter().map(camel_case_keys).collect::<js_sys::Array>().into();
    }
    if !value.is_object() {
        return value;
    }
    let out = js_sys::Object::new();
    for entry in js_sys::Object::entries(value.unchecked_ref()).iter() {
        let pair = js_sys::Array::from(&entry);
        let key = camel_case(&pair.get(0).as_string().unwrap_or_default());
        // Setting a plain property on a fresh object cannot fail.
        let _ = js_sys::Reflect::set(&out, &JsValue::from_str(&key), &camel_case_keys(pair.get(1)));
    }
    out.into()
}

fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// Rows of NDJSON as a JavaScript array: each row is the `JSON.parse` of its line.
fn js_rows(ndjson: &str) -> Result<JsValue, JsValue> {
    js_value(&format!("[{}]", ndjson.lines().collect::<Vec<_>>().join(",")))
}

/// Converts an analysis into the plain result object.
fn result_of(analysis: &Analysis) -> Result<JsValue, JsValue> {
    let ndjson = analysis.render(Encoding::Ndjson);
    let TableTexts { traffic: traffic_csv, dependency: dependency_csv } = analysis.render(Encoding::Csv);
    let object = js_sys::Object::new();
    let fields = [
        ("traffic", js_rows(&ndjson.traffic)?),
        ("dependency", js_rows(&ndjson.dependency)?),
        ("window", js_object(&analysis.window)?),
        ("warnings", js_object(&analysis.warnings)?),
        ("stats", js_object(&analysis.stats)?),
        ("trafficNdjson", JsValue::from_str(&ndjson.traffic)),
        ("dependencyNdjson", JsValue::from_str(&ndjson.dependency)),
        ("trafficCsv", JsValue::from_str(&traffic_csv)),
        ("dependencyCsv", JsValue::from_str(&dependency_csv)),
    ];
    for (key, value) in fields {
        js_sys::Reflect::set(&object, &JsValue::from_str(key), &value)?;
    }
    if let Some(windows) = &analysis.windows {
        js_sys::Reflect::set(&object, &JsValue::from_str("windows"), &js_object(windows)?)?;
    }
    Ok(object.into())
}

/// The core's defaults (`Defaults`).
#[wasm_bindgen(skip_typescript)]
pub fn defaults() -> Result<JsValue, JsValue> {
    js_object(&serde_json::json!({
        "traffic_window": core_defaults::TRAFFIC_WINDOW_TEXT,
        "dependency_window": core_defaults::DEPENDENCY_WINDOW_TEXT,
        "profile": core_defaults::PROFILE,
        "profiles": core_defaults::PROFILES,
        "federator_min_bandwidth": core_defaults::FEDERATOR_MIN_BANDWIDTH,
        "federator_excluded_ports": core_defaults::FEDERATOR_EXCLUDED_PORTS,
        "federator_excluded_addresses": core_defaults::FEDERATOR_EXCLUDED_ADDRESSES,
    }))
}

/// The core's table schema (`Tables`).
#[wasm_bindgen(skip_typescript)]
pub fn tables() -> Result<JsValue, JsValue> {
    js_object(&serde_json::json!({
        "traffic": schema::TRAFFIC,
        "dependency": schema::DEPENDENCY,
        "percentile_columns": schema::PERCENTILE_COLUMNS,
    }))
}

/// A built-in profile by name (`Profile`), as the core's JSON form has it.
#[wasm_bindgen(skip_typescript)]
pub fn profile(name: &str) -> Result<JsValue, JsValue> {
    let profile = Profile::by_name(name).map_err(js_error)?;
    js_value(&serde_json::to_string(&profile).map_err(js_error)?)
}

/// Analyzes whole inputs: a `Uint8Array`, a string, `{name, data}`, or an array of them.
#[wasm_bindgen(skip_typescript)]
pub fn analyze(inputs: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let mut analyzer = Analyzer::new(Some(options))?;
    feed(&mut analyzer, inputs)?;
    analyzer.finish()
}

/// Analyzes whole inputs once with `allWindows`, keeping the bucket partials (`AllWindows`).
#[wasm_bindgen(js_name = analyzeAll, skip_typescript)]
pub fn analyze_all(inputs: JsValue, options: JsValue) -> Result<AllWindows, JsValue> {
    let mut options = options_from(&options)?;
    options.all_windows = true;
    options.check_inventory().map_err(js_error)?;
    options.check_all_windows().map_err(js_error)?;
    let mut analyzer = Analyzer { inner: Some(planet_core::Analyzer::new(options)), push_error: None };
    feed(&mut analyzer, inputs)?;
    analyzer.finish_all_windows()
}

/// Pushes every input of `inputs` (one, or an array) as its own named input.
fn feed(analyzer: &mut Analyzer, inputs: JsValue) -> Result<(), JsValue> {
    let list: Vec<JsValue> =
        if js_sys::Array::is_array(&inputs) { js_sys::Array::from(&inputs).iter().collect() } else { vec![inputs] };
    let count = list.len();
    for (n, input) in list.into_iter().enumerate() {
        let is_named = input.is_object() && !input.is_instance_of::<js_sys::Uint8Array>();
        let (name, data) = if is_named && js_sys::Reflect::has(&input, &JsValue::from_str("data"))? {
            let name = js_sys::Reflect::get(&input, &JsValue::from_str("name"))?.as_string();
            (name, js_sys::Reflect::get(&input, &JsValue::from_str("data"))?)
        } else {
            (None, input)
        };
        let name = name.unwrap_or_else(|| if count == 1 { "input".to_string() } else { format!("input {}", n + 1) });
        analyzer.begin_input(&name)?;
        analyzer.push(data)?;
        analyzer.end_input()?;
    }
    Ok(())
}

/// Streaming analysis: `push` chunks cut anywhere (even inside a UTF-8 character), then `finish`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Analyzer {
    inner: Option<planet_core::Analyzer>,
    /// The first error `push` threw, which a slice's `endSlice` hands on to the merge (where
    /// the line number becomes the whole input's).
    push_error: Option<planet_core::Error>,
}

impl Analyzer {
    fn core(&mut self) -> Result<&mut planet_core::Analyzer, JsValue> {
        self.inner.as_mut().ok_or_else(|| js_error("this analyzer is finished; create a new one"))
    }
}

#[wasm_bindgen]
impl Analyzer {
    /// A new analysis with these options (`Options`; all keys optional).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Options")] options: Option<JsValue>,
    ) -> Result<Analyzer, JsValue> {
        let options = options_from(&options.unwrap_or(JsValue::UNDEFINED))?;
        // A missing (or unusable) inventory, or allWindows with a profile it cannot take, is
        // said now, before any input is read.
        options.check_inventory().map_err(js_error)?;
        options.check_all_windows().map_err(js_error)?;
        Ok(Analyzer { inner: Some(planet_core::Analyzer::new(options)), push_error: None })
    }

    /// Starts a new input (a file) whose name errors and warnings quote; ends the previous one.
    /// Without it, chunks go to one input named `input`.
    #[wasm_bindgen(js_name = beginInput)]
    pub fn begin_input(&mut self, name: &str) -> Result<(), JsValue> {
        self.core()?.begin_input(name);
        Ok(())
    }

    /// Feeds a chunk (`Uint8Array` or string) of the current input.
    pub fn push(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] chunk: JsValue,
    ) -> Result<(), JsValue> {
        let bytes = bytes_of(&chunk)?;
        self.core()?.push(&bytes).map_err(|error| {
            let thrown = js_error(&error);
            self.push_error.get_or_insert(error);
            thrown
        })
    }

    /// Ends the current input: reads its last line even without a newline. `finish` does it too.
    #[wasm_bindgen(js_name = endInput)]
    pub fn end_input(&mut self) -> Result<(), JsValue> {
        self.core()?.end_input().map_err(js_error)
    }

    /// Ends the analysis and returns the result; the analyzer cannot be used afterwards.
    #[wasm_bindgen(unchecked_return_type = "Analysis")]
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let analyzer = self.inner.take().ok_or_else(|| js_error("this analyzer is already finished"))?;
        result_of(&analyzer.finish().map_err(js_error)?)
    }

    /// Ends an analysis created with `allWindows: true` and keeps every window's bucket
    /// partials; the analyzer cannot be used afterwards.
    #[wasm_bindgen(js_name = finishAllWindows)]
    pub fn finish_all_windows(&mut self) -> Result<AllWindows, JsValue> {
        let analyzer = self.inner.take().ok_or_else(|| js_error("this analyzer is already finished"))?;
        Ok(AllWindows { inner: analyzer.finish_all_windows().map_err(js_error)? })
    }
}

/// Every window of an analysis, from its bucket partials: any window's rows, with other row
/// filters and renames, without reading the inputs again. `minBandwidth` and turning
/// `percentiles` on act on the points, so they throw (`needsReread` names them): analyze again.
/// Memory grows with groups × hours of data.
#[wasm_bindgen]
#[derive(Debug)]
pub struct AllWindows {
    inner: planet_core::AllWindows,
}

impl AllWindows {
    /// The what-if options of `filters`, or those of the read when `undefined`/`null`.
    fn what_if(&self, filters: Option<JsValue>) -> Result<WhatIf, JsValue> {
        match filters {
            Some(f) if !f.is_undefined() && !f.is_null() => Ok(options_from(&f)?.what_if),
            _ => Ok(self.inner.read_with().clone()),
        }
    }

    /// An analysis result holding these rows, with the read's warnings and counters.
    fn result(
        &self,
        window: Option<Window>,
        rows: WindowsRows,
        windows: Option<WindowEnds>,
    ) -> Result<JsValue, JsValue> {
        result_of(&Analysis {
            window,
            traffic: rows.traffic,
            dependency: rows.dependency,
            traffic_percentiles: rows.traffic_percentiles,
            warnings: self.inner.warnings.clone(),
            stats: self.inner.stats,
            windows,
        })
    }
}

#[wasm_bindgen]
impl AllWindows {
    /// The ends of every window within the data (`WindowEnds`).
    #[wasm_bindgen(unchecked_return_type = "WindowEnds")]
    pub fn ends(&self) -> Result<JsValue, JsValue> {
        js_object(self.inner.ends())
    }

    /// The options of `filters` (`Filters`) that the partials cannot answer: they need the
    /// inputs analyzed again. Empty when `windowRows`/`allRows` can take them.
    #[wasm_bindgen(js_name = needsReread, unchecked_return_type = "string[]")]
    pub fn needs_reread(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Filters")] filters: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let what_if = self.what_if(filters)?;
        Ok(self.inner.needs_reread(&what_if).into_iter().map(JsValue::from_str).collect::<js_sys::Array>().into())
    }

    /// The rows of the window ending at `end` (RFC3339, a whole hour), exactly what `analyze`
    /// with `at: end` and these filters gives; `filters` default to the options of the read.
    #[wasm_bindgen(js_name = windowRows, unchecked_return_type = "Analysis")]
    pub fn window_rows(
        &self,
        end: &str,
        #[wasm_bindgen(unchecked_param_type = "Filters")] filters: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let end: Timestamp = end.parse().map_err(js_error)?;
        let what_if = self.what_if(filters)?;
        let tables = self.inner.window(end, &what_if).map_err(js_error)?;
        let rows = WindowsRows {
            traffic: tables.traffic,
            dependency: tables.dependency,
            traffic_percentiles: tables.traffic_percentiles,
        };
        self.result(tables.window, rows, None)
    }

    /// Every window's rows one after the other (as `analyze` with `allWindows`), with these
    /// filters; `filters` default to the options of the read.
    #[wasm_bindgen(js_name = allRows, unchecked_return_type = "Analysis")]
    pub fn all_rows(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Filters")] filters: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let what_if = self.what_if(filters)?;
        let rows = self.inner.rows(&what_if).map_err(js_error)?;
        self.result(self.inner.last_window(), rows, Some(self.inner.ends().clone()))
    }

    /// The skipped lines of the read (`Warning[]`).
    #[wasm_bindgen(unchecked_return_type = "Warning[]")]
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        js_object(&self.inner.warnings)
    }

    /// The counters of the read (`Stats`).
    #[wasm_bindgen(unchecked_return_type = "Stats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        js_object(&self.inner.stats)
    }
}
