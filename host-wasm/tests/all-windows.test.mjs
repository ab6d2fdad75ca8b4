// Every window in one pass from Node: `analyzeAll` and `allWindows` against one `analyze` per
// window (the released single-window path, the oracle) on a generated week, and the row
// filters recomputed from the partials against a fresh analysis with those filters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { planet } from "./vectors.mjs";

const HOUR_NS = 3600n * 1_000_000_000n;
// 2026-11-16T00:00:00Z: a Monday, so the week's dependency windows end at 11:00 each day.
const START_NS = 1794787200n * 1_000_000_000n;

/** A week of a small fleet, one point per series every 10 minutes, with gaps and quiet edges. */
function week() {
  const services = ["api", "web", "db", "cache", "auth", "queue"];
  const lines = [];
  for (let step = 0n; step < 7n * 24n * 6n; step++) {
    const t = START_NS + step * 600n * 1_000_000_000n;
    const hour = Number(step / 6n);
    services.forEach((local, i) => {
      const remote = services[(i + 1) % services.length];
      // Every fifth hour of one pair is missing, so some windows lack a row.
      if (!(i === 2 && hour % 5 === 0)) {
        const value = ((i + 1) * 1000 + Number(step % 97n) * 13.37 + hour / 3).toFixed(3);
        lines.push(`ingress,service=${local},remote_service=${remote},remote_address=10.0.${i}.1 bandwidth_bps=${value} ${t}`);
        lines.push(`egress,service=${local},remote_service=${remote} bandwidth_bps=${Number(value) / 7} ${t}`);
      }
      // Each dependency is seen on some days only, so the daily windows differ.
      if ((hour / 24 + i) % 3 !== 0 || i === 0) {
        const port = 5430 + i;
        lines.push(`upstream,service=${local},upstream_service=${remote},upstream_port=${port},protocol=tcp service_dependency=1i ${t}`);
      }
    });
  }
  return lines.join("\n") + "\n";
}

const WEEK = week();

function iso(ns) {
  return new Date(Number(ns / 1_000_000n)).toISOString().replace(".000Z", "Z");
}

test("every window of a generated week equals analyze with that window's at", () => {
  const all = planet.analyzeAll(WEEK);
  const ends = all.ends();
  // The oracle of the ends: the data runs from Monday 00:00 to Sunday 23:50, so hourly windows
  // end from 01:00 Monday to 00:00 the next Monday, daily ones at 11:00 from Monday to Sunday,
  // then the next Monday 11:00 (the window holding the last points).
  const hours = Array.from({ length: 168 }, (_, i) => iso(START_NS + BigInt(i + 1) * HOUR_NS));
  assert.deepEqual(ends.traffic, hours);
  const days = Array.from({ length: 8 }, (_, d) => iso(START_NS + BigInt(d * 24 + 11) * HOUR_NS));
  assert.deepEqual(ends.dependency, days);

  let traffic = "";
  for (const at of ends.traffic) traffic += planet.analyze(WEEK, { at }).trafficNdjson;
  let dependency = "";
  for (const at of ends.dependency) dependency += planet.analyze(WEEK, { at }).dependencyNdjson;
  const rows = all.allRows();
  assert.equal(rows.trafficNdjson, traffic);
  assert.equal(rows.dependencyNdjson, dependency);
  assert.ok(traffic.split("\n").length > 168 * 10, "every hour has rows");

  // The same through the option of analyze, as the CLI's --all-windows.
  const option = planet.analyze(WEEK, { allWindows: true });
  assert.equal(option.trafficNdjson, traffic);
  assert.equal(option.dependencyNdjson, dependency);
  assert.deepEqual(option.windows, ends);
  assert.equal(option.window.end, ends.traffic.at(-1));
});

test("row filters and renames recompute from the partials as a fresh analysis gives them", () => {
  const all = planet.analyzeAll(WEEK, { percentiles: true });
  const filters = [
    {},
    { percentiles: true },
    { rename: { db: "web", cache: "web" } },
    { excludePorts: "5431|5433", excludeAddresses: "10\\.0\\.1\\..*", hideEmptyRemote: true, percentiles: true },
  ];
  for (const at of ["2026-11-17T05:00:00Z", "2026-11-19T11:00:00Z", "2026-11-23T00:00:00Z"]) {
    for (const f of filters) {
      const derived = all.windowRows(at, f);
      const fresh = planet.analyze(WEEK, { at, ...f });
      assert.equal(derived.trafficNdjson, fresh.trafficNdjson, `${at} ${JSON.stringify(f)}`);
      assert.equal(derived.dependencyNdjson, fresh.dependencyNdjson, `${at} ${JSON.stringify(f)}`);
      assert.deepEqual(derived.window, fresh.window);
    }
  }
});

test("options that act on points say they need a re-read instead of answering wrongly", () => {
  const all = planet.analyzeAll(WEEK);
  assert.deepEqual(all.needsReread({ excludePorts: "22", rename: { a: "b" } }), []);
  assert.deepEqual(all.needsReread({ minBandwidth: 5000, percentiles: true }), ["minBandwidth", "percentiles"]);
  assert.throws(() => all.windowRows("2026-11-17T05:00:00Z", { minBandwidth: 5000 }), /minBandwidth.*read again/);
  assert.throws(() => all.windowRows("2026-11-17T05:30:00Z"), /not a whole hour/);
  // With the bandwidth given at read time, the windows are exact for it.
  const filtered = planet.analyzeAll(WEEK, { minBandwidth: 5000 });
  const at = "2026-11-18T09:00:00Z";
  assert.equal(filtered.windowRows(at).trafficNdjson, planet.analyze(WEEK, { at, minBandwidth: 5000 }).trafficNdjson);
});

test("a streaming analyzer ends with every window too", () => {
  const analyzer = new planet.Analyzer({ allWindows: true, dependencyHour: 3 });
  const bytes = new TextEncoder().encode(WEEK);
  for (let i = 0; i < bytes.length; i += 100_003) analyzer.push(bytes.subarray(i, i + 100_003));
  const all = analyzer.finishAllWindows();
  assert.equal(all.ends().dependency[0], "2026-11-16T03:00:00Z");
  assert.equal(all.stats().lines, WEEK.split("\n").length - 1);
  const at = all.ends().dependency[3];
  assert.equal(all.windowRows(at).dependencyNdjson, planet.analyze(WEEK, { at }).dependencyNdjson);
});

test("every window with a profile of raw exporter metrics is refused before any input, saying why", () => {
  for (const make of [
    () => new planet.Analyzer({ allWindows: true, profile: "planet-exporter" }),
    () => planet.analyzeAll(WEEK, { profile: "planet-exporter" }),
  ]) {
    assert.throws(make, (e) => /allWindows/.test(e.message) && /raw exporter metrics/.test(e.message) && /`at`/.test(e.message));
  }
  // Without allWindows the same profile is accepted.
  assert.doesNotThrow(() => new planet.Analyzer({ profile: "planet-exporter" }).free());
});
