// Benchmark (not a test): time from file drop to tables in Chromium, with one Worker and with
// one per core (`navigator.hardwareConcurrency`), against the native CLI on one thread
// (`analyze --threads 1`) on the same exports, with the tab's peak memory; and the time of
// what-if changes that the kept windows answer without reading the files again, as a ratio to
// the first load (both until the tables and the graph are drawn; the time views follow, and
// their time is printed too). `make bench-web` (PLANET_BQ should be a release build). Prints two
// Markdown tables for BENCHMARKS.md. SIZES (MB, default 10,100,1000); exports over 100 MB are
// generated for the run and deleted after it, and timed RUNS_LARGE times (default 1).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";
import { generate } from "./fleetgen.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WORK = join(ROOT, "tests/.work/web");
const PLANET_BQ = process.env.PLANET_BQ ?? join(ROOT, "target/release/planet-bq");
const RUNS = Number(process.env.RUNS ?? 3);
const RUNS_LARGE = Number(process.env.RUNS_LARGE ?? 1);
const SIZES = (process.env.SIZES ?? "10,100,1000").split(",").map(Number);
/** Exports larger than this (MB) are not kept in tests/.work after the run. */
const KEPT_MB = 100;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

mkdirSync(WORK, { recursive: true });
const server = await serve();
const profile = mkdtempSync(join(tmpdir(), "planet-web-bench-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = context.pages()[0] ?? (await context.newPage());
const cores = await page.evaluate(() => navigator.hardwareConcurrency);

/** Resident memory (bytes) of this browser's renderer processes, which run the tab and its Workers. */
function rendererBytes() {
  const procs = new Map();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)[1]);
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      procs.set(Number(pid), { cmd, ppid, rss });
    } catch {
      // A process that ended meanwhile.
    }
  }
  const ours = (pid) => {
    for (let p = procs.get(pid); p; p = procs.get(p.ppid)) if (p.cmd.includes(profile)) return true;
    return false;
  };
  let total = 0;
  for (const [pid, p] of procs) if (p.cmd.includes("--type=renderer") && ours(pid)) total += p.rss;
  return total;
}

/** Loads `file` on a fresh page with `workers` Workers; its timings, longest task and peak memory. */
async function dropToTables(file, workers) {
  await page.goto(`${server.url}?workers=${workers}`);
  await page.waitForFunction(() => document.getElementById("status").textContent === "waiting for files");
  await page.evaluate(() => {
    window.longest = 0;
    new PerformanceObserver((l) => l.getEntries().forEach((e) => (window.longest = Math.max(window.longest, e.duration)))).observe({ type: "longtask" });
  });
  let peak = rendererBytes();
  const sampler = setInterval(() => (peak = Math.max(peak, rendererBytes())), 100);
  await page.setInputFiles("#export-files", file);
  await page.waitForFunction(() => document.getElementById("status").textContent === "ready", null, { timeout: 0 });
  clearInterval(sampler);
  peak = Math.max(peak, rendererBytes());
  const t = await page.evaluate(() => ({ ...window.planetTimings(), longest: window.longest }));
  return { ...t, peak };
}

const rows = [];
const whatIfRows = [];

/** Changes a control as a person does and returns the page's timings of that computation. */
async function whatIf(act) {
  const n = await page.evaluate(() => Number(document.body.dataset.computations ?? 0));
  await act();
  await page.waitForFunction(
    (n) => Number(document.body.dataset.computations ?? 0) > n && document.getElementById("status").textContent === "ready",
    n,
    { timeout: 0 },
  );
  return page.evaluate(() => window.planetTimings());
}

const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;

for (const mb of SIZES) {
  const file = join(WORK, mb === 100 ? "fleet-100mb.lp" : `fleet-${mb}mb.lp`);
  const generated = !existsSync(file);
  if (generated) await generate(file, mb * 1_000_000, 60);
  const runs = mb > KEPT_MB ? RUNS_LARGE : RUNS;
  const bytes = statSync(file).size;
  const native = [];
  for (let i = 0; i < runs; i++) {
    const out = mkdtempSync(join(WORK, "bench-"));
    const t0 = performance.now();
    const run = spawnSync(PLANET_BQ, ["analyze", file, "--out", out, "--threads", "1"], { encoding: "utf8" });
    native.push(performance.now() - t0);
    if (run.status !== 0) throw new Error(run.stderr);
    rmSync(out, { recursive: true, force: true });
  }
  const n = median(native);
  const loadCell = (runs) => {
    const t = median(runs.map((r) => r.rendered));
    return `${(t / 1000).toFixed(2)} s (${(t / n).toFixed(2)}×), ${mib(median(runs.map((r) => r.peak)))}`;
  };
  const one = [];
  const all = [];
  for (let i = 0; i < runs; i++) one.push(await dropToTables(file, 1));
  for (let i = 0; cores > 1 && i < runs; i++) all.push(await dropToTables(file, cores));
  const last = all.length > 0 ? all : one;
  rows.push(
    `| ${(bytes / 1e6).toFixed(0)} MB | ${(n / 1000).toFixed(2)} s | ${loadCell(one)} | ${all.length > 0 ? loadCell(all) : "n/a (1 core)"} | ` +
      `${last[0].slices} | ${median(last.map((r) => r.longest)).toFixed(0)} ms |`,
  );
  console.error(
    `${mb} MB: native ${native.map((x) => x.toFixed(0))} ms, 1 Worker ${one.map((r) => r.rendered.toFixed(0))} ms, ` +
      `${cores} Workers ${all.map((r) => r.rendered.toFixed(0))} ms`,
  );
  if (mb > KEPT_MB) {
    if (generated) rmSync(file, { force: true });
    continue;
  }
  const browser = last.map((r) => r.rendered);
  // What-if changes on the page as the last run left it: each alternates, so each recomputes.
  const filter = [];
  const filterAll = [];
  const move = [];
  const moveAll = [];
  const how = new Set();
  const layouts = new Set();
  const reads = await page.evaluate(() => window.planetFileReads());
  for (let i = 0; i < RUNS; i++) {
    const t = await whatIf(() => page.locator("#hide-empty-remote").setChecked(i % 2 === 0));
    filter.push(t.rendered);
    filterAll.push(t.timeViewsDrawn);
    how.add(t.how);
    layouts.add(t.graphLayout);
    const m = await whatIf(() =>
      page.$eval("#window-slider", (s, i) => {
        s.value = String(Math.max(0, Number(s.max) - 1 - (i % 2)));
        s.dispatchEvent(new Event("change"));
      }, i),
    );
    move.push(m.rendered);
    moveAll.push(m.timeViewsDrawn);
    how.add(m.how);
    layouts.add(m.graphLayout);
  }
  const reread = (await page.evaluate(() => window.planetFileReads())) - reads;
  const first = median(browser);
  const cell = (xs, all) => `${median(xs).toFixed(0)} ms (**${(median(xs) / first).toFixed(3)}**); ${median(all).toFixed(0)} ms`;
  whatIfRows.push(
    `| ${(bytes / 1e6).toFixed(0)} MB | ${(first / 1000).toFixed(2)} s | ${cell(filter, filterAll)} | ${cell(move, moveAll)} | ${[...how].join(", ")}; ${reread} files read | ${[...layouts].join(", ")} |`,
  );
  console.error(`${mb} MB what-if: filter ${filter.map((x) => x.toFixed(0))} ms, window ${move.map((x) => x.toFixed(0))} ms`);
}
await context.close();
await server.close();
rmSync(profile, { recursive: true, force: true });
console.log(
  `| export | native CLI, 1 thread (release) | Chromium, 1 Worker: drop to tables (ratio), tab's peak memory | Chromium, ${cores} Workers: same | slices | longest main-thread task |`,
);
console.log("|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log("");
console.log(
  "| export | first load, drop to tables and graph | row filter (hide empty remote): tables and graph (ratio); time views too | window move: tables and graph (ratio); time views too | computed from | graph |",
);
console.log("|---|---|---|---|---|---|");
for (const r of whatIfRows) console.log(r);
