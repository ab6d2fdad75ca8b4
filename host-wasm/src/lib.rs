//! `planet-wasm`: planet-bq's analysis core for JavaScript, in the browser and in Node.
//!
//! A thin binding: inputs and options are converted, the core does the work, results come back
//! as plain objects whose rows are exactly the lines of `planet-bq analyze --out` NDJSON
//! (they are built by `JSON.parse` of the core's own JSON), and core errors become JavaScript
//! `Error`s with the CLI's message (file, line, quote).
//!
//! ```js
//! import { analyze } from "planet-wasm";
//! const result = analyze(fs.readFileSync("export.lp"), { at: "2026-11-22T13:00:00Z" });
//! console.log(result.traffic.length, result.trafficNdjson);
//! ```

use planet_core::rows::{to_csv, to_ndjson};
use planet_core::whatif::{with_percentiles, TrafficRowWithPercentiles};
use planet_core::{Analysis, AnalysisStats, DependencyRow, Options, ParseIssue, TrafficRow, Window};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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
  /** `auto`, `lp` (`line-protocol`), `csv`, `annotated-csv`, `json`. Default `"auto"` (per input). */
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
  traffic_start: string;
  dependency_start: string;
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
  skipped_lines: number;
  groups: number;
  points: number;
  aggregate_rows: number;
  other_measurements: number;
  without_local_hostgroup: number;
  without_traffic_value: number;
  outside_window: number;
  /** Traffic points (and pre-aggregated rows) left out by `minBandwidth`. */
  below_min_bandwidth: number;
}

/** The result of an analysis. */
export interface Analysis {
  traffic: TrafficRow[];
  dependency: DependencyRow[];
  /** `null` when the input held no point to place a window. */
  window: Window | null;
  /** The first 1000 skipped lines; `stats.skipped_lines` counts all. */
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
}

/** Analyzes whole inputs in one call. Throws an `Error` with the CLI's message on bad options or, with `strict`, bad input. */
export function analyze(inputs: Input | Input[], options?: Options): Analysis;
"#;

/// The JSON shape of a result; rows serialize exactly as the NDJSON lines do.
#[derive(Serialize)]
struct ResultJson<'a> {
    traffic: TrafficRows<'a>,
    dependency: &'a [DependencyRow],
    window: &'a Option<Window>,
    warnings: &'a [ParseIssue],
    stats: &'a AnalysisStats,
}

/// Traffic rows, with the percentile columns when the `percentiles` option asked for them.
#[derive(Serialize)]
#[serde(untagged)]
enum TrafficRows<'a> {
    Plain(&'a [TrafficRow]),
    WithPercentiles(&'a [TrafficRowWithPercentiles]),
}

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

/// Converts an analysis into the plain result object.
fn result_of(analysis: &Analysis) -> Result<JsValue, JsValue> {
    let extended = (!analysis.traffic_percentiles.is_empty())
        .then(|| with_percentiles(&analysis.traffic, &analysis.traffic_percentiles));
    let traffic = match &extended {
        Some(rows) => TrafficRows::WithPercentiles(rows),
        None => TrafficRows::Plain(&analysis.traffic),
    };
    let json = serde_json::to_string(&ResultJson {
        traffic,
        dependency: &analysis.dependency,
        window: &analysis.window,
        warnings: &analysis.warnings,
        stats: &analysis.stats,
    })
    .map_err(js_error)?;
    let object = js_sys::JSON::parse(&json)?;
    let texts = [
        ("trafficNdjson", extended.as_deref().map_or_else(|| to_ndjson(&analysis.traffic), to_ndjson)),
        ("dependencyNdjson", to_ndjson(&analysis.dependency)),
        ("trafficCsv", extended.as_deref().map_or_else(|| to_csv(&analysis.traffic), to_csv)),
        ("dependencyCsv", to_csv(&analysis.dependency)),
    ];
    for (key, text) in texts {
        js_sys::Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(&text))?;
    }
    Ok(object)
}

/// Analyzes whole inputs: a `Uint8Array`, a string, `{name, data}`, or an array of them.
#[wasm_bindgen(skip_typescript)]
pub fn analyze(inputs: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let mut analyzer = Analyzer::new(Some(options))?;
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
    analyzer.finish()
}

/// Streaming analysis: `push` chunks cut anywhere (even inside a UTF-8 character), then `finish`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Analyzer {
    inner: Option<planet_core::Analyzer>,
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
        Ok(Analyzer { inner: Some(planet_core::Analyzer::new(options)) })
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
        self.core()?.push(&bytes).map_err(js_error)
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
}
