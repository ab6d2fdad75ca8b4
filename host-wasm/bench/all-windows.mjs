// Memory and time of every window in one pass (BENCHMARKS.md, not part of `make test`): a week
// of a fleet of 100 hostgroups (5000 traffic series, ~970 dependency series), one point per
// series per STEP seconds (memory depends on groups × hours, not on points per hour), read once
// with `allWindows`, then one window re-derived with other row filters.
//   node host-wasm/bench/all-windows.mjs [DIR] [STEP_SECONDS]
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { generate } from "../../tests/web/fleetgen.mjs";
import { planet } from "../tests/vectors.mjs";

const dir = process.argv[2] ?? "/tmp";
const step = Number(process.argv[3] ?? 600);
const hostgroups = 100;
const probe = join(dir, "probe.lp");
await generate(probe, 1, hostgroups, step);
const stepBytes = statSync(probe).size;
const path = join(dir, `week-${step}s.lp`);
// Later steps write a few more bytes than the first, hence the margin to cover the whole week.
await generate(path, stepBytes * Math.ceil((7 * 24 * 3600) / step) * 1.2, hostgroups, step);
const data = readFileSync(path);
const rssBefore = process.memoryUsage().rss;

let t = performance.now();
const analyzer = new planet.Analyzer({ allWindows: true });
for (let i = 0; i < data.length; i += 1 << 20) analyzer.push(data.subarray(i, i + (1 << 20)));
const all = analyzer.finishAllWindows();
const readMs = performance.now() - t;
// The wasm memory only grows, so the resident size after the read holds its peak.
const memory = process.memoryUsage().rss - rssBefore;
t = performance.now();
const rows = all.allRows();
const allMs = performance.now() - t;
const ends = all.ends();
t = performance.now();
const one = all.windowRows(ends.traffic[100], { excludePorts: "22|53", rename: { "api-00": "web-00" } });
const oneMs = performance.now() - t;
t = performance.now();
const single = planet.analyze(data, { at: ends.traffic[100] });
const singleMs = performance.now() - t;
console.log(JSON.stringify({
  bytes: data.length, step, groups: all.stats().groups, points: all.stats().points,
  trafficWindows: ends.traffic.length, dependencyWindows: ends.dependency.length,
  trafficRows: rows.traffic.length, dependencyRows: rows.dependency.length,
  rssGrowthMiB: Math.round(memory / 2 ** 20),
  readMs: Math.round(readMs), allRowsMs: Math.round(allMs), windowRowsMs: Math.round(oneMs),
  oneWindowAnalyzeMs: Math.round(singleMs), oneWindowRows: one.traffic.length,
}));
