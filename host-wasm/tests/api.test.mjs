// The JavaScript API of the Node package: input kinds, options, result shape, errors, streaming.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { planet, root } from "./vectors.mjs";

const at = "2026-11-22T13:00:00Z";
// Two ingress points of one pair inside the hour before `at` (12:18:06 and 12:19:06), one
// upstream point; the expected rows below are worked out by hand from REFERENCE.md's rules
// (min/max/avg truncated toward zero; empty tags NULL in NULLABLE columns).
const LP =
  "ingress,service=api,remote_service=web bandwidth_bps=1500.7 1795349886000000000\n" +
  "ingress,service=api,remote_service=web bandwidth_bps=2500 1795349946000000000\n" +
  "upstream,service=api,upstream_service=db,upstream_port=5432,protocol=tcp service_dependency=1i 1795349886000000000\n";
const TRAFFIC =
  '{"inventory_date":"2026-11-22T13:00:00Z","traffic_direction":"ingress","local_hostgroup":"api",' +
  '"local_hostgroup_address":null,"remote_hostgroup":"web","remote_hostgroup_address":null,' +
  '"traffic_bandwidth_bits_min_1h":1500,"traffic_bandwidth_bits_max_1h":2500,"traffic_bandwidth_bits_avg_1h":2000}\n';
const DEPENDENCY =
  '{"inventory_date":"2026-11-22T13:00:00Z","dependency_direction":"upstream","protocol":"tcp",' +
  '"local_hostgroup_process_name":null,"local_hostgroup":"api","local_hostgroup_address":null,' +
  '"local_hostgroup_address_port":null,"remote_hostgroup":"db","remote_hostgroup_address":null,' +
  '"remote_hostgroup_address_port":"5432"}\n';

test("analyze takes a string, bytes, or an array of them, and returns the documented shape", () => {
  const bytes = new TextEncoder().encode(LP);
  const firstLine = LP.indexOf("\n") + 1;
  // An array holds separate inputs (files), here cut at a line end.
  for (const input of [LP, bytes, [LP], [bytes.subarray(0, firstLine), LP.slice(firstLine)]]) {
    const r = planet.analyze(input, { at });
    assert.equal(r.trafficNdjson, TRAFFIC);
    assert.equal(r.dependencyNdjson, DEPENDENCY);
    assert.deepEqual(Object.keys(r).slice(0, 5), ["traffic", "dependency", "window", "warnings", "stats"]);
    assert.equal(r.traffic[0].local_hostgroup_address, null, "NULL is null, not undefined");
    assert.equal(r.traffic[0].traffic_bandwidth_bits_avg_1h, 2000);
    assert.equal(Object.getPrototypeOf(r.traffic[0]), Object.prototype, "rows are plain objects");
    assert.deepEqual(r.window, {
      end: at,
      trafficStart: "2026-11-22T12:00:00Z",
      dependencyStart: "2026-11-15T13:00:00Z",
    });
    assert.equal(r.stats.points, 3);
    assert.equal(r.stats.inputs, Array.isArray(input) ? input.length : 1);
    assert.deepEqual(r.warnings, []);
  }
});

test("without at, the window ends at the next whole hour after the newest point, as the CLI does", () => {
  const r = planet.analyze(LP);
  assert.equal(r.window.end, at);
  assert.equal(r.traffic[0].inventory_date, at);
});

test("options take the CLI's spellings and ignore keys they do not know", () => {
  const r = planet.analyze(LP, { at, trafficWindow: "90m", dependencyWindow: "1d", format: "lp", strict: true, later: 1 });
  assert.equal(r.window.trafficStart, "2026-11-22T11:30:00Z");
  assert.equal(r.window.dependencyStart, "2026-11-21T13:00:00Z");
  assert.deepEqual(planet.analyze(LP, null), planet.analyze(LP, undefined));
});

test("bad options throw an Error with the reason", () => {
  assert.throws(() => planet.analyze(LP, { trafficWindow: "90" }), (e) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /invalid duration "90"/);
    return true;
  });
  assert.throws(() => new planet.Analyzer({ format: "xml" }), /invalid options/);
});

test("a bad line in strict mode throws an Error with the file name, line number and a quote", () => {
  const bad = LP + "ingress,service=api,remote_service=web bandwidth_bps=oops 1795349886000000000\n";
  assert.throws(() => planet.analyze({ name: "export.lp", data: bad }, { strict: true }), (e) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /^export\.lp:4: /);
    assert.match(e.message, /bandwidth_bps=oops/);
    return true;
  });
});

test("a bad line without strict is skipped into warnings with its line number", () => {
  const bad = "ingress,service=api garbage\n" + LP;
  const r = planet.analyze([{ name: "a.lp", data: bad }], { at });
  assert.equal(r.trafficNdjson, TRAFFIC);
  assert.equal(r.stats.skippedLines, 1);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0].input, "a.lp");
  assert.equal(r.warnings[0].line, 1);
  assert.equal(r.warnings[0].quote, "ingress,service=api garbage");
});

test("Analyzer takes chunks cut inside a UTF-8 character", () => {
  const text = "ingress,service=café,remote_service=naïve bandwidth_bps=8 1795349886000000000\n";
  const bytes = new TextEncoder().encode(text);
  const split = text.indexOf("é") + 1; // between the two bytes of "é"
  const analyzer = new planet.Analyzer({ at });
  analyzer.push(bytes.subarray(0, split));
  analyzer.push(bytes.subarray(split));
  const r = analyzer.finish();
  assert.equal(r.traffic[0].local_hostgroup, "café");
  assert.equal(r.traffic[0].remote_hostgroup, "naïve");
  assert.deepEqual(r, planet.analyze(text, { at }));
});

test("a finished Analyzer refuses more input", () => {
  const analyzer = new planet.Analyzer({ at });
  analyzer.push(LP);
  analyzer.finish();
  assert.throws(() => analyzer.push(LP), /finished/);
});

test("the CSV strings follow --out-format csv: header, NULL empty, quoting", () => {
  const r = planet.analyze(LP, { at });
  assert.equal(
    r.trafficCsv,
    "inventory_date,traffic_direction,local_hostgroup,local_hostgroup_address,remote_hostgroup," +
      "remote_hostgroup_address,traffic_bandwidth_bits_min_1h,traffic_bandwidth_bits_max_1h,traffic_bandwidth_bits_avg_1h\n" +
      "2026-11-22T13:00:00Z,ingress,api,,web,,1500,2500,2000\n",
  );
});

test("the package loads from ESM too (named exports of the CommonJS module)", async () => {
  const esm = await import(join(root, "host-wasm", "pkg-node", "planet_wasm.js"));
  assert.equal(typeof esm.analyze, "function");
  assert.equal(esm.analyze(LP, { at }).trafficNdjson, TRAFFIC);
});

test("result objects speak camelCase; rows keep their BigQuery column names", () => {
  const r = planet.analyze(LP, { at, minBandwidth: 2000 });
  assert.deepEqual(Object.keys(r.window), ["end", "trafficStart", "dependencyStart"]);
  assert.ok(Object.keys(r.stats).every((k) => !k.includes("_")), Object.keys(r.stats).join());
  assert.equal(r.stats.belowMinBandwidth, 1);
  assert.ok("traffic_bandwidth_bits_avg_1h" in r.traffic[0]);
});

test("the core's defaults and table schema are exported, and rows follow the schema's columns", () => {
  const d = planet.defaults();
  assert.equal(d.trafficWindow, "1h");
  assert.equal(d.dependencyWindow, "7d");
  assert.equal(d.profile, "planet-federator");
  assert.ok(d.profiles.includes(d.profile));
  assert.equal(d.federatorMinBandwidth, 1000);
  assert.match(d.federatorExcludedPorts, /^22\|53\|/);
  assert.ok(d.federatorExcludedAddresses.includes("prometheus"));
  const t = planet.tables();
  const r = planet.analyze(LP, { at, percentiles: true });
  const names = (columns) => columns.map((c) => c.name);
  assert.deepEqual(Object.keys(r.traffic[0]), [...names(t.traffic.columns), ...names(t.percentileColumns)]);
  assert.deepEqual(Object.keys(r.dependency[0]), names(t.dependency.columns));
  assert.equal(t.traffic.keyLen, 6);
  assert.deepEqual(t.traffic.columns[3], {
    name: "local_hostgroup_address",
    type: "STRING",
    mode: "NULLABLE",
    description: "Local service address (tag address); NULL when empty",
  });
  // The defaults are the options' defaults: giving them changes nothing.
  const given = { trafficWindow: d.trafficWindow, dependencyWindow: d.dependencyWindow, profile: d.profile };
  assert.deepEqual(planet.analyze(LP, { at, ...given }), planet.analyze(LP, { at }));
});

test("a profile is chosen by name or given whole; an unknown one is refused", () => {
  const federator = planet.profile("planet-federator");
  assert.equal(federator.name, "planet-federator");
  assert.equal(planet.analyze(LP, { at, profile: federator }).trafficNdjson, TRAFFIC);
  // The same profile reading another measurement as ingress traffic.
  const renamed = structuredClone(federator);
  renamed.name = "inbound";
  renamed.traffic[0].measurement = "inbound";
  const r = planet.analyze(LP.replaceAll("ingress,", "inbound,"), { at, profile: renamed });
  assert.equal(r.trafficNdjson, TRAFFIC);
  assert.throws(() => planet.analyze(LP, { profile: "nope" }), /unknown profile "nope"/);
  assert.throws(() => planet.profile("nope"), /unknown profile/);
});

test("gzip input (influx_inspect export -compress) is read by the core, whole or streamed in pieces", async () => {
  const { gzipSync } = await import("node:zlib");
  const compressed = gzipSync(Buffer.from(LP));
  const r = planet.analyze({ name: "export.lp.gz", data: compressed }, { at });
  assert.equal(r.trafficNdjson, TRAFFIC);
  assert.equal(r.dependencyNdjson, DEPENDENCY);
  assert.deepEqual(r.warnings, []);
  const a = new planet.Analyzer({ at });
  a.beginInput("export.lp.gz");
  for (let i = 0; i < compressed.length; i += 7) a.push(compressed.subarray(i, i + 7));
  assert.equal(a.finish().trafficNdjson, TRAFFIC);
  // A cut stream is one error naming the input, not rows from half a file.
  assert.throws(
    () => planet.analyze({ name: "cut.gz", data: compressed.subarray(0, compressed.length - 8) }, { at }),
    /cut\.gz: not a valid gzip stream/,
  );
});

test("an inventory is given as text; contiv-svcstats refuses to start without one", () => {
  // One Contiv series, 10 s apart, the endpoint sending 1000 B/s: at every tick of the hour
  // irate gives 1000 B/s, 8000 bit/s (by hand: (10000 bytes) / 10 s * 8).
  const base = 1795348800; // 2026-11-22T12:00:00Z
  let lp = "";
  for (let i = -6; i <= 360; i++) {
    const bytes = 10000 * (i + 6);
    lp += `httpjson_svcstats,EndpointIP=10.1.1.2,ProviderIP=10.1.2.5,ServiceIP=10.254.0.1 BytesIn=0,BytesOut=${bytes} ${base + i * 10}000000000\n`;
  }
  const inventory =
    '{"ip_address":"10.1.1.2","domain":"web.consul","hostgroup":"web"}\n' +
    '{"ip_address":"10.1.2.0/24","domain":"db.consul","hostgroup":"db"}\n';
  const r = planet.analyze(lp, { at, profile: "contiv-svcstats", inventory, dependencyWindow: "1h" });
  assert.equal(r.traffic.length, 1);
  assert.equal(r.traffic[0].remote_hostgroup, "db");
  assert.equal(r.traffic[0].traffic_bandwidth_bits_avg_1h, 8000);
  assert.throws(() => new planet.Analyzer({ profile: "contiv-svcstats" }), /only through an inventory/);
  assert.throws(() => planet.analyze(lp, { at, inventory }), /resolves no address through an inventory/);
  assert.throws(() => planet.analyze(lp, { at, profile: "contiv-svcstats", inventory: "{\"ip\":1}\n" }), /unknown field `ip`/);
});

test("slices read by separate analyzers and merged from their bytes give the tables of one pass", () => {
  // A CSV export whose header changes (traffic, then upstream, then traffic again), a point
  // repeated with another value in the last slice, and a malformed row in the second slice.
  const csv =
    "name,time,address,bandwidth_bps,remote_service,service\n" +
    "ingress,1795349886000000000,10.0.0.1,1500.7,web,api\n" +
    "ingress,1795349946000000000,10.0.0.1,2500,web,api\n" +
    "name,time,protocol,service,service_dependency,upstream_port,upstream_service\n" +
    "upstream,1795349886000000000,tcp,api,1,5432,db\n" +
    "upstream,not a time,tcp,api,1,5432,db\n" +
    "name,time,address,bandwidth_bps,remote_service,service\n" +
    "ingress,1795349886000000000,10.0.0.1,3500.7,web,api\n";
  const lines = csv.split("\n");
  const at = (n) => lines.slice(0, n).join("\n").length + 1;
  const options = { at: "2026-11-22T13:00:00Z" };
  const whole = planet.analyze({ name: "export.csv", data: csv }, options);
  assert.equal(planet.sliceFormat(new TextEncoder().encode(csv), options), "csv");
  assert.equal(planet.sliceFormat(new TextEncoder().encode("{}\n"), options), undefined, "JSON is read whole");
  // Cuts after lines 2 and 5: the second slice starts under the traffic header, the third under the upstream one.
  const bounds = [0, at(2), at(5), csv.length];
  const headers = ["name,time,address,bandwidth_bps,remote_service,service", lines[3]];
  const first = new planet.Analyzer(options);
  first.beginInput("export.csv");
  first.push(csv.slice(0, bounds[1]));
  const states = [1, 2].map((k) => {
    const later = new planet.Analyzer(options);
    later.beginSlice("export.csv", "csv", [headers[k - 1]]);
    later.push(csv.slice(bounds[k], bounds[k + 1]));
    const state = later.endSlice();
    assert.ok(state instanceof Uint8Array && state.length > 0);
    return state;
  });
  for (const state of states) first.mergeSlice(state);
  const merged = first.finish();
  assert.equal(merged.trafficNdjson, whole.trafficNdjson);
  assert.equal(merged.dependencyNdjson, whole.dependencyNdjson);
  assert.deepEqual(merged.warnings, whole.warnings);
  assert.equal(merged.warnings[0].line, 6, "the malformed row's line in the whole file");
  assert.deepEqual(merged.stats, whole.stats);
  // The repeated point replaced the first (3500.7 instead of 1500.7): (3500.7 + 2500) / 2.
  assert.equal(merged.traffic[0].traffic_bandwidth_bits_avg_1h, 3000);
  assert.throws(() => first.mergeSlice(new Uint8Array([1, 2, 3])), /not the state of a slice/);
});
