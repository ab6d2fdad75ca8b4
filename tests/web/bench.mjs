// Benchmark (not a test): time from file drop to tables in Chromium against the native CLI on
// the same exports, and the time of what-if changes that the kept windows answer without reading
// the files again, as a ratio to the first load (both until the tables and the graph are drawn;
// the time views follow, and their time is printed too). `make bench-web` (PLANET_BQ should be a release
// build). Prints two Markdown tables for BENCHMARKS.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
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
const SIZES = (process.env.SIZES ?? "10,100").split(",").map(Number);

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

for (const mb of SIZES) {
  const file = join(WORK, mb === 100 ? "fleet-100mb.lp" : `fleet-${mb}mb.lp`);
  if (!existsSync(file)) await generate(file, mb * 1_000_000, 60);
  const bytes = statSync(file).size;
  const native = [];
  for (let i = 0; i < RUNS; i++) {
    const out = mkdtempSync(join(WORK, "bench-"));
    const t0 = performance.now();
    const run = spawnSync(PLANET_BQ, ["analyze", file, "--out", out], { encoding: "utf8" });
    native.push(performance.now() - t0);
    if (run.status !== 0) throw new Error(run.stderr);
    rmSync(out, { recursive: true, force: true });
  }
  const browser = [];
  const longest = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById("status").textContent === "waiting for files");
    await page.evaluate(() => {
      window.longest = 0;
      new PerformanceObserver((l) => l.getEntries().forEach((e) => (window.longest = Math.max(window.longest, e.duration)))).observe({ type: "longtask" });
    });
    await page.setInputFiles("#export-files", file);
    await page.waitForFunction(() => document.getElementById("status").textContent === "ready", null, { timeout: 0 });
    const t = await page.evaluate(() => ({ ...window.planetTimings(), longest: window.longest }));
    browser.push(t.rendered);
    longest.push(t.longest);
  }
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
  const n = median(native);
  const b = median(browser);
  rows.push(
    `| ${(bytes / 1e6).toFixed(0)} MB | ${(n / 1000).toFixed(2)} s | ${(b / 1000).toFixed(2)} s | ${(b / n).toFixed(2)}× | ${median(longest).toFixed(0)} ms |`,
  );
  console.error(`${mb} MB: native ${native.map((x) => x.toFixed(0))} ms, browser ${browser.map((x) => x.toFixed(0))} ms`);
}
await context.close();
await server.close();
rmSync(profile, { recursive: true, force: true });
console.log("| export | native CLI (release) | Chromium, drop to tables | ratio | longest main-thread task |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log("");
console.log(
  "| export | first load, drop to tables and graph | row filter (hide empty remote): tables and graph (ratio); time views too | window move: tables and graph (ratio); time views too | computed from | graph |",
);
console.log("|---|---|---|---|---|---|");
for (const r of whatIfRows) console.log(r);
