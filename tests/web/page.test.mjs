// Browser tests of the what-if page: Debian's Chromium driven by playwright-core, the page
// served from 127.0.0.1, expectations from the test vectors and from the real `planet-bq`
// binary run with the same flags (PLANET_BQ, default target/debug/planet-bq).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";
import { generate } from "./fleetgen.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WORK = join(ROOT, "tests/.work/web");
const VECTORS = join(ROOT, "tests/vectors");
const PLANET_BQ =
  process.env.PLANET_BQ ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "debug/planet-bq");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** A computation of the 100 MB file may take minutes on a busy 2-core machine: not a speed limit. */
const LARGE_TIMEOUT_MS = 15 * 60 * 1000;

let server;
let context;
let page;
let profile;
const requests = [];
/** The addresses of servers a test started besides `server` (on 127.0.0.1 too). */
const extraServers = [];

before(async () => {
  mkdirSync(WORK, { recursive: true });
  assert.ok(existsSync(PLANET_BQ), `the planet-bq binary is needed at ${PLANET_BQ} (cargo build -p planet-bq)`);
  assert.ok(existsSync(join(ROOT, "web/pkg/planet_wasm.js")), "web/pkg/ is built by `make web`");
  server = await serve();
  profile = mkdtempSync(join(tmpdir(), "planet-web-profile-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1366, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context.on("request", (r) => requests.push(r.url()));
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => console.error("page error:", e));
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** `query`: the page's address parameters, e.g. `?workers=3` (how many Workers read a file). */
async function openPage(query = "") {
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => document.getElementById("status")?.textContent === "waiting for files");
}

function computations() {
  return page.evaluate(() => Number(document.body.dataset.computations ?? 0));
}

async function waitReady(previous, timeout = 120_000) {
  await page.waitForFunction(
    (n) =>
      Number(document.body.dataset.computations ?? 0) > n && document.getElementById("status").textContent === "ready",
    previous,
    { timeout },
  );
}

/** Sets the window fields without events, then uploads: one computation. */
async function load(files, options = {}, baseline = []) {
  await page.evaluate((o) => {
    document.getElementById("at").value = o.at ?? "";
    document.getElementById("traffic-window").value = o.trafficWindow ?? "1h";
    document.getElementById("dependency-window").value = o.dependencyWindow ?? "7d";
    document.getElementById("format").value = o.format ?? "";
    // The picker's empty value is the core's default profile.
    const profile = document.getElementById("profile");
    profile.value = o.profile && o.profile !== "planet-federator" ? o.profile : "";
    if (profile.value !== (o.profile && o.profile !== "planet-federator" ? o.profile : "")) {
      throw new Error(`the page offers no profile ${o.profile}`);
    }
  }, options);
  if (baseline.length > 0) {
    const n = await computations();
    await page.setInputFiles("#baseline-files", baseline);
    // No export yet: nothing to compute.
    assert.equal(await computations(), n);
  }
  const n = await computations();
  await page.setInputFiles("#export-files", files);
  await waitReady(n);
}

/** Changes a form control the way a person does (type or click, then leave it), and waits. */
async function change(id, value) {
  const n = await computations();
  const el = page.locator(`#${id}`);
  if (typeof value === "boolean") {
    await el.setChecked(value);
  } else {
    await el.fill(value);
    await el.press("Tab");
  }
  await waitReady(n);
}

/**
 * The data rows of a table: column -> exact value (integers as numbers, NULL as null). The
 * result tables are virtual (only the rows in view are in the document), so this scrolls the
 * table's box from top to bottom like a person would and keeps every row it sees, by index.
 */
async function tableRows(id) {
  const { rows, indices } = await page.evaluate(async (id) => {
    const table = document.getElementById(id);
    const wrap = table.parentElement;
    const seen = new Map();
    const frame = () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
    const collect = () => {
      for (const tr of table.querySelectorAll("tr[data-row]")) {
        const row = Object.fromEntries(
          [...tr.querySelectorAll("td[data-col]")].map((td) => [td.dataset.col, td.dataset.null === "true" ? null : td.dataset.value]),
        );
        seen.set(Number(tr.dataset.row), row);
      }
    };
    wrap.scrollTop = 0;
    await frame();
    collect();
    for (let guard = 0; guard < 100_000 && wrap.scrollTop + wrap.clientHeight < wrap.scrollHeight - 1; guard++) {
      wrap.scrollTop += Math.max(1, Math.floor(wrap.clientHeight / 2));
      await frame();
      collect();
    }
    wrap.scrollTop = 0;
    const indices = [...seen.keys()].sort((a, b) => a - b);
    return { rows: indices.map((i) => seen.get(i)), indices };
  }, id);
  assert.deepEqual(indices, indices.map((_, i) => i), `${id}: every row from the first to the last, none missing`);
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v !== null && /^traffic_bandwidth_bits_/.test(k) ? Number(v) : v])),
  );
}

function parseNdjson(text) {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

/** Only the given rows' columns of the page's rows (the page may add a comparison column). */
function project(pageRows, expected) {
  const keys = expected.length > 0 ? Object.keys(expected[0]) : [];
  return pageRows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));
}

async function downloadText(buttonId) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(`#${buttonId}`)]);
  return readFileSync(await download.path(), "utf8");
}

/** The real CLI: `planet-bq analyze FILES --out DIR FLAGS`, returning both NDJSON texts. */
function cli(files, flags = []) {
  const out = mkdtempSync(join(WORK, "cli-"));
  const run = spawnSync(PLANET_BQ, ["analyze", ...files, "--out", out, ...flags], { encoding: "utf8" });
  assert.equal(run.status, 0, `planet-bq analyze failed: ${run.stderr}`);
  const result = {
    traffic: readFileSync(join(out, "traffic.ndjson"), "utf8"),
    dependency: readFileSync(join(out, "dependency.ndjson"), "utf8"),
  };
  rmSync(out, { recursive: true, force: true });
  return result;
}

async function assertPageEqualsCli(files, flags, label) {
  const expected = cli(files, flags);
  const traffic = parseNdjson(expected.traffic);
  const dependency = parseNdjson(expected.dependency);
  assert.deepEqual(project(await tableRows("traffic-table"), traffic), traffic, `${label}: traffic table`);
  assert.deepEqual(project(await tableRows("dependency-table"), dependency), dependency, `${label}: dependency table`);
  assert.equal(await downloadText("download-traffic-ndjson"), expected.traffic, `${label}: traffic NDJSON`);
  assert.equal(await downloadText("download-dependency-ndjson"), expected.dependency, `${label}: dependency NDJSON`);
}

/** A dependency is (caller, service, port, protocol); written here apart from the page's code. */
function dependencySet(rows) {
  const set = new Set();
  for (const r of rows) {
    const [caller, service, port] =
      r.dependency_direction === "upstream"
        ? [r.local_hostgroup, r.remote_hostgroup, r.remote_hostgroup_address_port]
        : [r.remote_hostgroup, r.local_hostgroup, r.local_hostgroup_address_port];
    set.add(`${caller} -> ${service} ${port ?? ""}/${r.protocol}`);
  }
  return set;
}

/** Pixels of a PNG that differ from its most common colour, counted by the browser itself. */
async function nonBackgroundPixels(png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = new OffscreenCanvas(img.width, img.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const background = Math.max(...counts.values());
    return { total: img.width * img.height, other: img.width * img.height - background, colours: counts.size };
  }, png.toString("base64"));
}

function fleetFile(name, megabytes, hostgroups, stepSeconds = 30, partners = undefined) {
  const path = join(WORK, name);
  const ensure = async () =>
    existsSync(path) || (await generate(path, megabytes * 1_000_000, hostgroups, stepSeconds, partners));
  return { path, ensure };
}

// ---------------------------------------------------------------------------------------------
// Tests

test("every test vector gives exactly the expected rows and NDJSON", async (t) => {
  const cases = existsSync(VECTORS)
    ? readdirSync(VECTORS).filter((d) => statSync(join(VECTORS, d)).isDirectory()).sort()
    : [];
  assert.ok(cases.length > 0, `test vectors are expected in ${VECTORS}`);
  for (const name of cases) {
    const dir = join(VECTORS, name);
    const optionsPath = join(dir, "options.json");
    const options = existsSync(optionsPath) ? JSON.parse(readFileSync(optionsPath, "utf8")) : {};
    // The page's tables show one window at a time; the time-views test checks every window.
    const skip = options.allWindows ? "every window at once: the time-views test covers it" : false;
    await t.test(name, { skip }, async () => {
      const entries = readdirSync(dir).sort();
      const inputs = entries.filter((f) => f.startsWith("input")).map((f) => join(dir, f));
      const expectedText = (file) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : "");
      await openPage();
      // A case's inventory goes to the inventory drop, before the exports (no computation yet).
      const inventory = ["inventory.json", "inventory.ndjson"].find((f) => existsSync(join(dir, f)));
      if (inventory) {
        await page.setInputFiles("#inventory-file", join(dir, inventory));
        // The page reads the file's text before listing it: then the next computation has it.
        await page.waitForFunction(() => document.querySelectorAll("#inventory-list li").length === 1);
      }
      await load(inputs, options);
      // Once each, whatever the profile (one that cannot keep every window is refused before the
      // read); only data found to span years after the read is read again, for one window.
      const spanRefused = /spans more than/.test((await howComputed()).text);
      assert.equal(await page.evaluate(() => window.planetFileReads()), inputs.length * (spanRefused ? 2 : 1), "files read");
      const traffic = parseNdjson(expectedText("traffic.ndjson"));
      const dependency = parseNdjson(expectedText("dependency.ndjson"));
      assert.deepEqual(project(await tableRows("traffic-table"), traffic), traffic);
      assert.deepEqual(project(await tableRows("dependency-table"), dependency), dependency);
      assert.match(await page.textContent("#traffic-count"), new RegExp(`^${traffic.length} rows$`));
      const flags = [];
      if (options.at) flags.push("--at", options.at);
      if (options.trafficWindow) flags.push("--traffic-window", options.trafficWindow);
      if (options.dependencyWindow) flags.push("--dependency-window", options.dependencyWindow);
      if (options.format) flags.push("--format", options.format);
      if (options.profile) flags.push("--profile", options.profile);
      if (inventory) flags.push("--inventory", join(dir, inventory));
      const fromCli = cli(inputs, flags);
      const trafficNdjson = await downloadText("download-traffic-ndjson");
      const dependencyNdjson = await downloadText("download-dependency-ndjson");
      assert.equal(trafficNdjson, fromCli.traffic, "traffic NDJSON equals the CLI's, byte for byte");
      assert.equal(dependencyNdjson, fromCli.dependency, "dependency NDJSON equals the CLI's, byte for byte");
      if (existsSync(join(dir, "traffic.ndjson"))) assert.equal(trafficNdjson, expectedText("traffic.ndjson"));
      if (existsSync(join(dir, "dependency.ndjson"))) assert.equal(dependencyNdjson, expectedText("dependency.ndjson"));
    });
  }
});

test("changing the window and every what-if parameter gives what analyze gives with the same flags", async () => {
  const fleet = fleetFile("fleet-12.lp", 2, 12, 600);
  await fleet.ensure();
  await openPage();
  await load([fleet.path]);
  const flags = [];
  await assertPageEqualsCli([fleet.path], flags, "defaults");
  const steps = [
    ["traffic-window", "30m", ["--traffic-window", "30m"]],
    ["at", "2026-11-22T12:40:00Z", ["--at", "2026-11-22T12:40:00Z"]],
    ["dependency-window", "20m", ["--dependency-window", "20m"]],
    ["min-bandwidth", "1000", ["--min-bandwidth", "1000"]],
    ["exclude-ports-on", true, ["--exclude-ports", await page.inputValue("#exclude-ports")]],
    ["exclude-addresses-on", true, ["--exclude-addresses", await page.inputValue("#exclude-addresses")]],
    ["hide-empty-remote", true, ["--hide-empty-remote"]],
    ["rename", "web-00=frontend\nauth-00=frontend", ["--rename", "web-00=frontend", "--rename", "auth-00=frontend"]],
    ["percentiles", true, ["--percentiles"]],
  ];
  let previous = JSON.stringify(await tableRows("traffic-table")) + JSON.stringify(await tableRows("dependency-table"));
  for (const [id, value, stepFlags] of steps) {
    await change(id, value);
    flags.push(...stepFlags);
    await assertPageEqualsCli([fleet.path], flags, `after #${id}`);
    const now = JSON.stringify(await tableRows("traffic-table")) + JSON.stringify(await tableRows("dependency-table"));
    assert.notEqual(now, previous, `#${id} changes the tables of this fleet`);
    previous = now;
  }
  const command = await page.textContent("#cli-command");
  assert.match(command, /--percentiles/);
  assert.match(command, /--rename web-00=frontend/);
});

test("the graph has one node per hostgroup and one edge per dependency, drawn and clickable", async () => {
  const fleet = fleetFile("fleet-12.lp", 2, 12, 600);
  await fleet.ensure();
  await openPage();
  await load([fleet.path]);
  const rows = parseNdjson(cli([fleet.path]).dependency);
  const dependencies = dependencySet(rows);
  const hostgroups = new Set(rows.flatMap((r) => [r.local_hostgroup, r.remote_hostgroup]));
  const model = await page.evaluate(() => ({
    nodes: window.planetGraph.nodes().map((n) => n.data("name")),
    edges: window.planetGraph.edges().map((e) => ({
      source: e.source().data("name"),
      target: e.target().data("name"),
      label: e.data("label"),
    })),
  }));
  assert.deepEqual(new Set(model.nodes), hostgroups);
  assert.equal(model.nodes.length, hostgroups.size, "one node per hostgroup");
  const edges = model.edges.map((e) => {
    const [port, protocol] = e.label.split("/");
    return `${e.source} -> ${e.target} ${port}/${protocol}`;
  });
  assert.equal(edges.length, dependencies.size, "one edge per dependency");
  assert.deepEqual(new Set(edges), dependencies);

  const shot = await page.locator("#graph").screenshot();
  writeFileSync(join(WORK, "graph.png"), shot);
  const pixels = await nonBackgroundPixels(shot);
  assert.ok(pixels.other > pixels.total * 0.01 && pixels.colours > 10, `graph screenshot is not blank: ${JSON.stringify(pixels)}`);

  // Click a node where the graph library drew it: the page focuses on its neighbours.
  const target = await page.evaluate(() => {
    const node = window.planetGraph.nodes().max((n) => n.degree()).ele;
    const p = node.renderedPosition();
    return { name: node.data("name"), x: p.x, y: p.y };
  });
  const box = await page.locator("#graph").boundingBox();
  await page.mouse.click(box.x + target.x, box.y + target.y);
  await page.waitForFunction((name) => document.getElementById("graph-focus").textContent.startsWith(name), target.name);
  const expectedUpstreams = [...dependencies].filter((d) => d.startsWith(`${target.name} -> `)).length;
  const focused = await page.evaluate(() => window.planetGraph.nodes(".upstream").length);
  assert.ok(expectedUpstreams === 0 || focused > 0, "upstreams of the clicked node are highlighted");

  const graph = JSON.parse(await downloadText("download-graph-json"));
  assert.equal(graph.nodes.length, hostgroups.size);
  assert.equal(graph.edges.length, dependencies.size);
  const dot = await downloadText("download-graph-dot");
  assert.match(dot, /^digraph dependencies \{/);
  assert.equal(dot.split("\n").filter((l) => l.includes(" -> ")).length, dependencies.size);
  await page.screenshot({ path: join(WORK, "page.png"), fullPage: false });
});

test("the baseline comparison reports the dependencies added and removed", async () => {
  const dir = mkdtempSync(join(WORK, "baseline-"));
  const t0 = 1795348800n * 1_000_000_000n; // 2026-11-22T12:00:00Z
  const dep = (local, remote, port, t) =>
    `upstream,service=${local},upstream_service=${remote},upstream_port=${port},protocol=tcp service_dependency=1i ${t}\n`;
  const traffic = (local, remote, bps, t) =>
    `egress,service=${local},remote_service=${remote} bandwidth_bps=${bps} ${t}\n`;
  const week = 7n * 24n * 3600n * 1_000_000_000n;
  const before = join(dir, "last-week.lp");
  const now = join(dir, "this-week.lp");
  writeFileSync(
    before,
    dep("api", "db", 5432, t0 - week) + dep("api", "cache", 6379, t0 - week) + dep("web", "api", 8080, t0 - week) +
      traffic("api", "db", 1000, t0 - week) + traffic("web", "api", 5000, t0 - week),
  );
  writeFileSync(
    now,
    dep("api", "db", 5432, t0) + dep("api", "search", 9200, t0) + dep("web", "api", 8080, t0) + dep("web", "api", 8443, t0) +
      traffic("api", "db", 3000, t0) + traffic("web", "api", 5000, t0),
  );
  await openPage();
  await load([now], {}, [before]);
  const changes = await tableRows("dependency-changes");
  const summary = changes.map((c) => `${c.change} ${c.caller} -> ${c.service} ${c.port}/${c.protocol}`).sort();
  assert.deepEqual(summary, [
    "added api -> search 9200/tcp",
    "added web -> api 8443/tcp",
    "removed api -> cache 6379/tcp",
  ]);
  const trafficChanges = await page.$$eval("table#traffic-changes tr[data-row]", (trs) =>
    trs.map((tr) => ({
      pair: `${tr.querySelector('[data-col="local_hostgroup"]').dataset.value} -> ${tr.querySelector('[data-col="remote_hostgroup"]').dataset.value}`,
      delta: Number(tr.querySelector('[data-col="delta"]').dataset.value),
    })),
  );
  assert.deepEqual(trafficChanges.sort((a, b) => (a.pair < b.pair ? -1 : 1)), [
    { pair: "api -> db", delta: 2000 },
    { pair: "web -> api", delta: 0 },
  ]);
  const classes = await page.evaluate(() => ({
    added: window.planetGraph.edges(".added").length,
    removed: window.planetGraph.edges(".removed").length,
  }));
  assert.deepEqual(classes, { added: 2, removed: 1 });
  await page.locator("#graph").screenshot({ path: join(WORK, "graph-baseline.png") });
  rmSync(dir, { recursive: true, force: true });
});

test("a malformed file shows its name and line, and the other files still load", async () => {
  const dir = mkdtempSync(join(WORK, "bad-"));
  const good = join(dir, "good.lp");
  const bad = join(dir, "bad.lp");
  const t = 1795349400n * 1_000_000_000n;
  writeFileSync(good, `egress,service=api,remote_service=db bandwidth_bps=2500 ${t}\n`);
  writeFileSync(
    bad,
    `egress,service=web,remote_service=api bandwidth_bps=100 ${t}\n` +
      `egress,service=web,remote_service=api bandwidth_bps=300 ${t + 1n}\n` +
      `egress,service=web remote_service=api,bandwidth_bps= not a point\n`,
  );
  await openPage();
  await load([good, bad]);
  const error = await page.textContent("#error");
  assert.match(error, /bad\.lp, line 3: /);
  assert.equal(await page.isVisible("#error"), true);
  await assertPageEqualsCli([good, bad], [], "with a malformed file");
  assert.equal((await tableRows("traffic-table")).length, 2, "rows of both files");
  // The page still works: a parameter change recomputes.
  await change("traffic-window", "2h");
  await assertPageEqualsCli([good, bad], ["--traffic-window", "2h"], "after the error");
  rmSync(dir, { recursive: true, force: true });
});

test("a 100 MB export loads with the progress bar advancing and the page responsive", { timeout: LARGE_TIMEOUT_MS }, async () => {
  const fleet = fleetFile("fleet-100mb.lp", 100, 60);
  await fleet.ensure();
  assert.ok(statSync(fleet.path).size >= 100_000_000);
  await openPage();
  await page.evaluate(() => {
    window.probe = { longest: 0, tasks: 0, progress: [], ticksWhileReading: 0 };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.probe.tasks++;
        window.probe.longest = Math.max(window.probe.longest, e.duration);
      }
    }).observe({ type: "longtask", buffered: false });
    // A timer on the main thread: it only runs when the thread is free. Short, so that even a
    // fast read (a few hundred ms on a quiet machine) gives it several turns.
    window.probe.timer = setInterval(() => {
      const value = document.getElementById("progress").value;
      if (document.getElementById("status").textContent.startsWith("reading")) window.probe.ticksWhileReading++;
      const p = window.probe.progress;
      if (p[p.length - 1] !== value) p.push(value);
    }, 20);
  });
  const n = await computations();
  await page.setInputFiles("#export-files", fleet.path);
  await waitReady(n, LARGE_TIMEOUT_MS);
  const probe = await page.evaluate(() => {
    clearInterval(window.probe.timer);
    return { ...window.probe, timings: window.planetTimings() };
  });
  const inBetween = probe.progress.filter((v) => v > 0 && v < 1);
  assert.ok(inBetween.length >= 3, `the progress bar advanced: ${probe.progress.slice(0, 20).join(", ")}`);
  assert.deepEqual(inBetween, [...inBetween].sort((a, b) => a - b), "progress only goes forward");
  assert.ok(probe.ticksWhileReading >= 3, `the main thread ran timers while the file was read (${probe.ticksWhileReading})`);
  console.log(
    `100 MB: ${probe.timings.total.toFixed(0)} ms to result, ${probe.timings.rendered.toFixed(0)} ms to tables; ` +
      `longest main-thread task ${probe.longest.toFixed(0)} ms (${probe.tasks} tasks over 50 ms); ` +
      `${probe.ticksWhileReading} timer ticks while reading`,
  );
  // The page answers input while showing the result: the filter box narrows the table.
  await page.fill("#hostgroup-filter", "api-00");
  await page.waitForFunction(() => /of \d+ rows/.test(document.getElementById("traffic-count").textContent));
  const expected = cli([fleet.path]);
  assert.equal(await downloadText("download-traffic-ndjson"), expected.traffic);
  assert.equal(await downloadText("download-dependency-ndjson"), expected.dependency);
});

// ---------------------------------------------------------------------------------------------
// The graph at fleet size, the virtual tables, the URL of a view and fonts

/** The page's URL as the page itself sees it now (Playwright's `page.url()` may lag a replaceState). */
function pageUrl() {
  return page.evaluate(() => location.href);
}

/** Edge crossings (straight segments between node centres) and overlapping node boxes. */
async function layoutQuality() {
  return page.evaluate(() => {
    const cy = window.planetGraph;
    const leaves = cy.nodes().filter((n) => !n.isParent());
    const at = new Map(leaves.map((n) => [n.id(), { ...n.position() }]));
    const segments = cy.edges().map((e) => [e.source().id(), e.target().id()]);
    // Orientation of r against the line p->q: the sign of the cross product.
    const side = (p, q, r) => Math.sign((q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x));
    let crossings = 0;
    for (let i = 0; i < segments.length; i++) {
      for (let j = i + 1; j < segments.length; j++) {
        const [a, b] = segments[i];
        const [c, d] = segments[j];
        if (a === c || a === d || b === c || b === d) continue; // edges that share a node meet there
        const [pa, pb, pc, pd] = [at.get(a), at.get(b), at.get(c), at.get(d)];
        if (side(pa, pb, pc) * side(pa, pb, pd) < 0 && side(pc, pd, pa) * side(pc, pd, pb) < 0) crossings++;
      }
    }
    const boxes = leaves.map((n) => n.boundingBox({ includeLabels: true }));
    let overlaps = 0;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [p, q] = [boxes[i], boxes[j]];
        if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) overlaps++;
      }
    }
    return { crossings, overlaps, nodes: leaves.length, edges: segments.length };
  });
}

test("60 hostgroups, 540 dependencies: the layered layout crosses far fewer edges than the old circle, callers above", async () => {
  const fleet = fleetFile("fleet-60x9.lp", 9, 60, 600, 9);
  await fleet.ensure();
  await openPage();
  await load([fleet.path]);
  const rows = parseNdjson(cli([fleet.path]).dependency);
  const dependencies = dependencySet(rows);
  assert.ok(dependencies.size >= 500, `the fleet has ${dependencies.size} dependencies`);
  const layered = await layoutQuality();
  assert.equal(layered.edges, dependencies.size);
  assert.equal(layered.nodes, 61, "60 hostgroups and the empty one");
  // Callers above what they call: most edges point down (a cyclic fleet cannot have all).
  const downward = await page.evaluate(
    () => window.planetGraph.edges().filter((e) => e.target().position().y > e.source().position().y).length,
  );
  assert.ok(downward > layered.edges * 0.6, `${downward} of ${layered.edges} edges point down`);
  // The page's layout before this change, for 60 nodes: a circle sorted by name.
  await page.evaluate(() =>
    window.planetGraph
      .layout({ name: "circle", animate: false, padding: 12, sort: (a, b) => (a.id() < b.id() ? -1 : 1) })
      .run(),
  );
  const circle = await layoutQuality();
  console.log(`crossings: layered ${layered.crossings}, circle ${circle.crossings}; overlaps ${layered.overlaps}`);
  assert.ok(layered.crossings < circle.crossings * 0.7, `layered ${layered.crossings} vs circle ${circle.crossings}`);
  assert.equal(layered.overlaps, 0, "no two hostgroup labels overlap");

  // Grouping by prefix: one box per name prefix that at least two hostgroups share.
  await page.check("#graph-group");
  const groups = await page.evaluate(() => ({
    parents: window.planetGraph.nodes(":parent").map((n) => n.data("label")).sort(),
    children: window.planetGraph.nodes(":child").length,
  }));
  const prefixes = new Map();
  for (const name of new Set(rows.flatMap((r) => [r.local_hostgroup, r.remote_hostgroup]))) {
    if (name.includes("-")) prefixes.set(name.split("-")[0], (prefixes.get(name.split("-")[0]) ?? 0) + 1);
  }
  const expected = [...prefixes].filter(([, n]) => n >= 2).map(([p]) => p).sort();
  assert.deepEqual(groups.parents, expected);
  assert.equal(groups.children, [...prefixes].filter(([, n]) => n >= 2).reduce((a, [, n]) => a + n, 0));
  assert.match(await pageUrl(), /group=-/);
  await page.uncheck("#graph-group");

  // Search: marks the matches; Enter focuses on one and zooms to it.
  await page.fill("#graph-search", "billing");
  assert.equal(await page.textContent("#graph-search-count"), "5 matches");
  await page.press("#graph-search", "Enter");
  await page.waitForFunction(() => document.getElementById("graph-focus").textContent.startsWith("billing-00 depends on"));
  const focused = await page.evaluate(() => {
    const cy = window.planetGraph;
    const p = cy.getElementById("n:billing-00").renderedPosition();
    return { zoom: cy.zoom(), x: p.x, y: p.y, width: cy.width(), height: cy.height() };
  });
  assert.ok(focused.zoom >= 1, `zoomed in to read the focused hostgroup (zoom ${focused.zoom})`);
  assert.ok(
    focused.x > 0 && focused.x < focused.width && focused.y > 0 && focused.y < focused.height,
    `the focused hostgroup is in view: ${JSON.stringify(focused)}`,
  );
  await page.locator("#graph").screenshot({ path: join(WORK, "graph-60-focus.png") });
  await page.click("#graph-reset");
  await page.locator("#graph").screenshot({ path: join(WORK, "graph-60.png") });

  // PNG export: a real PNG of the whole graph, not blank.
  const [pngDownload] = await Promise.all([page.waitForEvent("download"), page.click("#download-graph-png")]);
  const png = readFileSync(await pngDownload.path());
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  const pixels = await nonBackgroundPixels(png);
  assert.ok(pixels.other > pixels.total * 0.01, `PNG export is not blank: ${JSON.stringify(pixels)}`);
  // SVG export: well-formed (the browser's XML parser), one shape per hostgroup and dependency.
  const svg = await downloadText("download-graph-svg");
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    if (doc.querySelector("parsererror")) return { error: doc.querySelector("parsererror").textContent };
    return {
      edges: doc.querySelectorAll("g.edge").length,
      nodes: doc.querySelectorAll("g.node").length,
      texts: [...doc.querySelectorAll("g.node text")].map((t) => t.textContent),
    };
  }, svg);
  assert.equal(parsed.error, undefined);
  assert.equal(parsed.edges, dependencies.size);
  assert.equal(parsed.nodes, 61);
  const names = [...new Set(rows.flatMap((r) => [r.local_hostgroup, r.remote_hostgroup]))].map((n) => (n === "" ? "(empty)" : n));
  assert.deepEqual(new Set(parsed.texts), new Set(names));
  writeFileSync(join(WORK, "graph-60.svg"), svg);
});

test("virtual tables: thousands of rows with a few in the document, column filters, every row reachable", async () => {
  const fleet = fleetFile("fleet-60x9.lp", 9, 60, 600, 9);
  await fleet.ensure();
  await openPage();
  await load([fleet.path]);
  const expected = parseNdjson(cli([fleet.path]).traffic);
  assert.ok(expected.length > 3000, `${expected.length} traffic rows`);
  assert.equal(await page.textContent("#traffic-count"), `${expected.length} rows`);
  const inDocument = await page.$$eval("#traffic-table tr[data-row]", (trs) => trs.length);
  assert.ok(inDocument < 200, `${inDocument} rows in the document`);
  // The last row, reached by scrolling to the bottom.
  await page.$eval("#traffic-table", (t) => (t.parentElement.scrollTop = t.parentElement.scrollHeight));
  await page.waitForFunction((n) => document.querySelector(`#traffic-table tr[data-row="${n - 1}"]`), expected.length);
  const last = await page.$eval(`#traffic-table tr[data-row="${expected.length - 1}"]`, (tr) =>
    Object.fromEntries([...tr.querySelectorAll("td[data-col]")].map((td) => [td.dataset.col, td.dataset.value ?? null])),
  );
  const want = expected[expected.length - 1];
  assert.equal(last.remote_hostgroup_address, want.remote_hostgroup_address);
  assert.equal(Number(last.traffic_bandwidth_bits_avg_1h), want.traffic_bandwidth_bits_avg_1h);
  // Column filters, counted here from the CLI's rows.
  await page.fill('#traffic-table input.column-filter[data-col="traffic_bandwidth_bits_avg_1h"]', ">1e6");
  await page.fill('#traffic-table input.column-filter[data-col="local_hostgroup"]', "api");
  const kept = expected.filter((r) => r.traffic_bandwidth_bits_avg_1h > 1e6 && r.local_hostgroup.includes("api"));
  assert.ok(kept.length > 0 && kept.length < expected.length);
  assert.equal(await page.textContent("#traffic-count"), `${kept.length} of ${expected.length} rows`);
  assert.deepEqual(project(await tableRows("traffic-table"), kept), kept);
  assert.match(decodeURIComponent(await pageUrl()), /f\.traffic\.traffic_bandwidth_bits_avg_1h=>1e6/);
});

test("the URL keeps the view's parameters (never the data): a reload gives the same view", async () => {
  const fleet = fleetFile("fleet-12.lp", 2, 12, 600);
  await fleet.ensure();
  await openPage();
  await load([fleet.path]);
  await change("traffic-window", "30m");
  await change("exclude-ports-on", true);
  await change("rename", "web-00=frontend");
  await page.fill("#hostgroup-filter", "frontend");
  await page.click('#dependency-table th button[title="Sort by protocol"]');
  await page.fill('#dependency-table input.column-filter[data-col="dependency_direction"]', "=upstream");
  const url = await pageUrl();
  assert.ok(!url.includes("fleet-12"), "no file name in the URL");
  assert.ok(url.length < 1000, "parameters only");
  const flags = ["--traffic-window", "30m", "--exclude-ports", await page.inputValue("#exclude-ports"), "--rename", "web-00=frontend"];
  const before = { traffic: await tableRows("traffic-table"), dependency: await tableRows("dependency-table") };

  // A new tab at the same URL: the form comes back; dropping the same file gives the same view.
  const other = await context.newPage();
  try {
    await other.goto(url);
    await other.waitForFunction(() => document.getElementById("status")?.textContent === "waiting for files");
    assert.equal(await other.inputValue("#traffic-window"), "30m");
    assert.equal(await other.isChecked("#exclude-ports-on"), true);
    assert.equal(await other.inputValue("#rename"), "web-00=frontend");
    assert.equal(await other.inputValue("#hostgroup-filter"), "frontend");
    assert.match(await other.textContent("#cli-command"), /--traffic-window 30m/);
    await other.setInputFiles("#export-files", fleet.path);
    await other.waitForFunction(() => document.getElementById("status").textContent === "ready", null, { timeout: 120_000 });
    const previous = page;
    page = other;
    try {
      assert.deepEqual(await tableRows("traffic-table"), before.traffic);
      assert.deepEqual(await tableRows("dependency-table"), before.dependency);
      assert.equal(await page.inputValue('#dependency-table input.column-filter[data-col="dependency_direction"]'), "=upstream");
    } finally {
      page = previous;
    }
  } finally {
    await other.close();
  }
  // And what the tables hold is what the CLI gives with the same flags, filtered as the view says.
  const cliRows = parseNdjson(cli([fleet.path], flags).dependency)
    .filter((r) => r.dependency_direction === "upstream")
    .filter((r) => r.local_hostgroup.includes("frontend") || r.remote_hostgroup.includes("frontend"));
  assert.equal(before.dependency.length, cliRows.length);
  assert.deepEqual(before.dependency.map((r) => r.protocol), [...before.dependency.map((r) => r.protocol)].sort());
});

test("a Japanese hostgroup name renders as glyphs, not empty boxes, in the tables and the graph", async () => {
  const dir = mkdtempSync(join(WORK, "cjk-"));
  const file = join(dir, "cjk.lp");
  const t = 1795349400n * 1_000_000_000n;
  writeFileSync(
    file,
    `upstream,service=決済,upstream_service=東京データベース,upstream_port=5432,protocol=tcp service_dependency=1i ${t}\n` +
      `egress,service=決済,remote_service=東京データベース bandwidth_bps=2500 ${t}\n`,
  );
  await openPage();
  await load([file]);
  const names = (await tableRows("traffic-table")).map((r) => r.remote_hostgroup);
  assert.deepEqual(names, ["東京データベース"]);
  // Each character drawn with the font the table cell uses: a missing glyph draws the same
  // ".notdef" box for every character, so distinct characters must give distinct pictures, and
  // none may look like the box of a private-use character that no font has.
  const probe = await page.evaluate(() => {
    const td = document.querySelector('#traffic-table td[data-col="remote_hostgroup"]');
    const font = getComputedStyle(td).font;
    const canvas = new OffscreenCanvas(40, 40);
    const ctx = canvas.getContext("2d");
    const draw = (ch) => {
      ctx.clearRect(0, 0, 40, 40);
      ctx.font = font.replace(/\d+(\.\d+)?px/, "24px");
      ctx.fillStyle = "#000";
      ctx.textBaseline = "top";
      ctx.fillText(ch, 4, 4);
      const data = ctx.getImageData(0, 0, 40, 40).data;
      let ink = 0;
      let hash = 0;
      for (let i = 3; i < data.length; i += 4) {
        if (data[i] > 0) ink++;
        hash = (hash * 31 + data[i]) >>> 0;
      }
      return { ink, hash, width: ctx.measureText(ch).width };
    };
    return { font, chars: ["東", "京", "デ", "決"].map(draw), tofu: draw("\uE000") };
  });
  const hashes = new Set(probe.chars.map((c) => c.hash));
  assert.equal(hashes.size, probe.chars.length, `four characters, four pictures (${probe.font})`);
  for (const c of probe.chars) {
    assert.ok(c.ink > 20 && c.width > 0, `the glyph has ink and width: ${JSON.stringify(c)}`);
    assert.notEqual(c.hash, probe.tofu.hash, "not the missing-glyph box");
  }
  // The graph's canvas uses the same font stack.
  const graphFont = await page.evaluate(() => window.planetGraph.nodes()[0].style("font-family"));
  assert.match(graphFont, /Noto Sans CJK JP/);
  await page.locator("#graph").screenshot({ path: join(WORK, "graph-cjk.png") });
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Time: every window of an export, kept after one read

/** The rows of one pair in a CLI table, summed as the chart sums them (egress, else ingress). */
function pairFromCli(trafficRows, local, remote, direction) {
  const rows = trafficRows.filter(
    (r) => r.traffic_direction === direction && r.local_hostgroup === local && r.remote_hostgroup === remote,
  );
  if (rows.length === 0) return null;
  const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
  return {
    min: sum("traffic_bandwidth_bits_min_1h"),
    avg: sum("traffic_bandwidth_bits_avg_1h"),
    max: sum("traffic_bandwidth_bits_max_1h"),
  };
}

async function howComputed() {
  return page.$eval("#recompute-note", (el) => ({ how: el.dataset.how, text: el.textContent }));
}

test("time views: the chart, the timeline and the slider agree with analyze --at for each window", { timeout: LARGE_TIMEOUT_MS }, async () => {
  // Four days of a 6-hostgroup fleet, a point an hour; a 2-hour dependency window, so the
  // dependencies that went quiet lately are absent from the last daily window.
  const fleet = fleetFile("fleet-6-hourly.lp", 6, 6, 3600);
  await fleet.ensure();
  await openPage();
  await load([fleet.path], { dependencyWindow: "2h" });
  assert.equal(await page.isVisible("#time-panel"), true);
  const view = await page.evaluate(() => ({
    ends: window.planetSeries().ends,
    pair: document.getElementById("traffic-chart").dataset.pair,
    data: window.planetChart().data.map((column) => [...column]),
    sliderMax: Number(document.getElementById("window-slider").max),
    sliderValue: Number(document.getElementById("window-slider").value),
  }));
  const hours = view.ends.traffic;
  assert.ok(hours.length >= 90, `${hours.length} hourly windows`);
  assert.equal(view.sliderMax, hours.length - 1);
  assert.equal(view.sliderValue, hours.length - 1, "the newest window at first");
  for (let i = 1; i < hours.length; i++) assert.equal(Date.parse(hours[i]) - Date.parse(hours[i - 1]), 3_600_000);

  // The chart: the pair's sums per hour, against analyze --at of a few hours.
  const [local, remote] = JSON.parse(view.pair);
  const direction = await page.$eval("#pair-select", (s) => (s.selectedOptions[0].textContent.includes("(egress)") ? "egress" : "ingress"));
  assert.deepEqual(view.data[0], hours.map((h) => Date.parse(h) / 1000));
  for (const i of [0, 1, Math.floor(hours.length / 2), hours.length - 2, hours.length - 1]) {
    const rows = parseNdjson(cli([fleet.path], ["--at", hours[i], "--dependency-window", "2h"]).traffic);
    const want = pairFromCli(rows, local, remote, direction);
    const got = { min: view.data[1][i], avg: view.data[2][i], max: view.data[3][i] };
    if (want === null) assert.deepEqual(got, { min: null, avg: null, max: null }, hours[i]);
    else {
      for (const k of ["min", "avg", "max"]) assert.ok(Math.abs(got[k] - want[k]) <= 1e-9 * Math.max(1, want[k]), `${hours[i]} ${k}: ${got[k]} vs ${want[k]}`);
    }
  }
  await page.locator("#traffic-chart").screenshot({ path: join(WORK, "chart.png") });
  const chartPixels = await nonBackgroundPixels(await page.locator("#traffic-chart canvas").first().screenshot());
  assert.ok(chartPixels.other > chartPixels.total * 0.01, `the chart is drawn: ${JSON.stringify(chartPixels)}`);

  // The timeline: for each daily window, the dependencies analyze --at finds there.
  const timeline = await page.$$eval("#timeline .tl-row[data-edge]", (rows) =>
    rows.map((r) => ({ id: JSON.parse(r.dataset.edge), present: [...r.querySelectorAll(".tl-cell")].map((c) => c.dataset.present === "true") })),
  );
  const days = view.ends.dependency;
  assert.ok(days.length >= 3, `${days.length} daily windows`);
  let absences = 0;
  for (let d = 0; d < days.length; d++) {
    const want = dependencySet(parseNdjson(cli([fleet.path], ["--at", days[d], "--dependency-window", "2h"]).dependency));
    const got = new Set(
      timeline.filter((e) => e.present[d]).map((e) => `${e.id[0]} -> ${e.id[1]} ${e.id[2]}/${e.id[3]}`),
    );
    assert.deepEqual(got, want, `dependencies of the window ending ${days[d]}`);
    absences += timeline.filter((e) => !e.present[d]).length;
  }
  assert.ok(absences > 0, "some dependency is absent from some window (the test sees a difference)");
  await page.locator("#timeline").screenshot({ path: join(WORK, "timeline.png") });

  // The slider: an earlier window, from the kept partials; tables and graph follow.
  const k = hours.length - 30;
  let n = await computations();
  await page.$eval("#window-slider", (s, k) => {
    s.value = String(k);
    s.dispatchEvent(new Event("input"));
    s.dispatchEvent(new Event("change"));
  }, k);
  await waitReady(n);
  assert.equal(await page.inputValue("#at"), hours[k]);
  assert.equal((await howComputed()).how, "partials");
  await assertPageEqualsCli([fleet.path], ["--at", hours[k], "--dependency-window", "2h"], `slider at ${hours[k]}`);
  const graphEdges = await page.evaluate(() => window.planetGraph.edges().length);
  const wantEdges = dependencySet(parseNdjson(cli([fleet.path], ["--at", hours[k], "--dependency-window", "2h"]).dependency));
  assert.equal(graphEdges, wantEdges.size, "the graph follows the window");
  assert.match(await pageUrl(), new RegExp(`at=${encodeURIComponent(hours[k])}`));

  // A what-if filter on rows: from the partials too.
  await change("hide-empty-remote", true);
  assert.equal((await howComputed()).how, "partials");
  await assertPageEqualsCli([fleet.path], ["--at", hours[k], "--dependency-window", "2h", "--hide-empty-remote"], "hide empty, from partials");
  // A minimum bandwidth acts on the points: the page reads again and says so.
  await change("min-bandwidth", "1000");
  const how = await howComputed();
  assert.equal(how.how, "read");
  assert.match(how.text, /minBandwidth/);
  await assertPageEqualsCli(
    [fleet.path],
    ["--at", hours[k], "--dependency-window", "2h", "--hide-empty-remote", "--min-bandwidth", "1000"],
    "min bandwidth, read again",
  );
  // The pair picker redraws the chart for another pair.
  const other = await page.$eval("#pair-select", (s) => s.options[s.options.length - 1].value);
  await page.selectOption("#pair-select", other);
  assert.equal(await page.$eval("#traffic-chart", (el) => el.dataset.pair), other);
  await page.screenshot({ path: join(WORK, "page-time.png"), fullPage: true });
});

/** Bandwidth per unordered pair of hostgroups, written here apart from the page's code: the
 * egress means summed both ways, or the ingress ones for a pair that no host reported egress for. */
function pairBandwidthOf(trafficRows) {
  const sums = { egress: new Map(), ingress: new Map() };
  for (const r of trafficRows) {
    const key = [r.local_hostgroup, r.remote_hostgroup].sort().join(" <-> ");
    const map = sums[r.traffic_direction];
    map.set(key, (map.get(key) ?? 0) + r.traffic_bandwidth_bits_avg_1h);
  }
  return new Map([...sums.ingress, ...sums.egress]);
}

async function drawnGraph() {
  return page.evaluate(() => ({
    positions: Object.fromEntries(window.planetGraph.nodes().map((n) => [n.data("name") ?? n.id(), { ...n.position() }])),
    bandwidth: window.planetGraph.edges().map((e) => [e.source().data("name"), e.target().data("name"), e.data("bandwidth")]),
    layouts: window.planetGraphLayouts(),
    fileReads: window.planetFileReads(),
  }));
}

test("what-if changes that need no re-read open no file and keep the graph's layout; the graph follows the rows", { timeout: LARGE_TIMEOUT_MS }, async () => {
  const fleet = fleetFile("fleet-6-hourly.lp", 6, 6, 3600);
  await fleet.ensure();
  await openPage();
  await load([fleet.path]);
  const first = await drawnGraph();
  assert.equal(first.fileReads, 1, "the first load reads the one file");
  assert.equal(first.layouts.full, 1);
  const ends = await page.evaluate(() => window.planetSeries().ends.traffic);
  const at = ends[ends.length - 2];
  const checkBandwidth = (drawn, flags, label) => {
    const want = pairBandwidthOf(parseNdjson(cli([fleet.path], flags).traffic));
    for (const [source, target, bandwidth] of drawn.bandwidth) {
      const expected = want.get([source, target].sort().join(" <-> ")) ?? 0;
      assert.ok(Math.abs(bandwidth - expected) <= 1e-9 * Math.max(1, expected), `${label}: ${source} -> ${target}: ${bandwidth} vs ${expected}`);
    }
  };
  checkBandwidth(first, [], "newest window");

  // One hour earlier: the same dependencies over the 7-day window, other bandwidths.
  let n = await computations();
  await page.$eval("#window-slider", (s) => {
    s.value = String(Number(s.max) - 1);
    s.dispatchEvent(new Event("change"));
  });
  await waitReady(n);
  assert.equal((await howComputed()).how, "partials");
  const moved = await drawnGraph();
  assert.equal(moved.fileReads, 1, "moving the window opens no file");
  assert.deepEqual(moved.layouts, { ...first.layouts, kept: first.layouts.kept + 1 }, "the layout is kept");
  assert.deepEqual(moved.positions, first.positions, "every hostgroup stays where it was");
  assert.notDeepEqual(moved.bandwidth, first.bandwidth, "the edges carry the earlier window's bandwidth");
  checkBandwidth(moved, ["--at", at], `window ending ${at}`);
  await assertPageEqualsCli([fleet.path], ["--at", at], "window moved, graph kept");

  // Hiding the empty remote hostgroup removes its node; the others stay put.
  await change("hide-empty-remote", true);
  const hidden = await drawnGraph();
  assert.equal(hidden.fileReads, 1, "a row filter opens no file");
  assert.equal(hidden.layouts.full, 1, "no new layout");
  const hiddenRows = parseNdjson(cli([fleet.path], ["--at", at, "--hide-empty-remote"]).dependency);
  const wantNodes = new Set(hiddenRows.flatMap((r) => [r.local_hostgroup, r.remote_hostgroup]));
  assert.deepEqual(new Set(Object.keys(hidden.positions)), wantNodes);
  assert.ok(Object.keys(first.positions).length > wantNodes.size, "the filter removes a node (the test sees a difference)");
  for (const name of wantNodes) assert.deepEqual(hidden.positions[name], first.positions[name], `${name} stays`);
  checkBandwidth(hidden, ["--at", at, "--hide-empty-remote"], "empty remote hidden");

  // Back again: the earlier picture, not a new layout.
  await change("hide-empty-remote", false);
  const back = await drawnGraph();
  assert.equal(back.fileReads, 1);
  assert.equal(back.layouts.full, 1, "no new layout");
  assert.deepEqual(back.positions, first.positions);
  checkBandwidth(back, ["--at", at], "empty remote shown again");

  // A minimum bandwidth acts on the points: the file is read again.
  await change("min-bandwidth", "1000");
  assert.equal((await howComputed()).how, "read");
  assert.equal((await drawnGraph()).fileReads, 2, "a change on the points reads the file again");
});

/**
 * An `influx -format csv` export written for slicing: traffic series of two hours at 30 s (a
 * cut falls inside a series), the header changing to the upstream columns and back (a slice
 * starts under either), a malformed row past the middle (its line number comes from a later
 * slice), and at the end points read again, some with another value (duplicates across slices:
 * counted once, the later value wins). Remote 4 has no hostgroup, so "hide empty remote" acts.
 */
function slicingCsv(path) {
  const end = 1795352400n * 1_000_000_000n; // 2026-11-22T13:00:00Z
  const services = ["api", "db", "web", "cache", "queue"];
  const trafficHeader = "name,time,address,bandwidth_bps,remote_service,service";
  const rows = [];
  for (let s = 0; s < 5; s++) {
    for (let r = 0; r < 5; r++) {
      if (r === s) continue;
      for (const direction of ["ingress", "egress"]) {
        for (let k = 0; k < 240; k++) {
          const time = end - BigInt(k * 30 + 1) * 1_000_000_000n;
          const value = ((s * 7919 + r * 104729 + k * 31) % 99991) + 0.25;
          rows.push(`${direction},${time},10.0.${s}.${r},${value},${r === 4 ? "" : services[r]},${services[s]}`);
        }
      }
    }
  }
  const upstream = ["name,time,protocol,service,service_dependency,upstream_port,upstream_service"];
  for (let s = 0; s < 5; s++) {
    for (let u = 0; u < 5; u++) {
      if (u !== s) upstream.push(`upstream,${end - BigInt(600 + u) * 1_000_000_000n},tcp,${services[s]},1,${5432 + u},${services[u]}`);
    }
  }
  const again = rows.filter((_, i) => i % 97 === 0);
  const changed = rows.filter((_, i) => i % 389 === 5).map((row) => row.replace(/,(\d+\.25),/, (_, v) => `,${Number(v) + 1000},`));
  const cut = Math.floor(rows.length * 0.45);
  const lines = [
    trafficHeader,
    ...rows.slice(0, cut),
    ...upstream,
    "ingress,not a time,x",
    trafficHeader,
    ...rows.slice(cut),
    trafficHeader,
    ...again,
    ...changed,
  ];
  writeFileSync(path, `${lines.join("\n")}\n`);
  return { again: again.length, changed: changed.length };
}

test("several Workers give the tables, warnings and partials of one Worker and of analyze", { timeout: LARGE_TIMEOUT_MS }, async () => {
  const dir = mkdtempSync(join(WORK, "slices-"));
  const csv = join(dir, "export.csv");
  const { again, changed } = slicingCsv(csv);
  assert.ok(again > 10 && changed > 5, "the export repeats points");
  const fleet = fleetFile("fleet-12.lp", 2, 12, 600);
  await fleet.ensure();
  const files = [csv, fleet.path];
  const sizes = files.map((f) => statSync(f).size);
  // Three slices of each file: small slices, so that these small files are cut.
  const minSliceBytes = Math.floor(Math.min(...sizes) / 3);
  const seen = {};
  for (const workers of [1, 3]) {
    await openPage(`?workers=${workers}&min-slice-bytes=${minSliceBytes}`);
    await load(files);
    const timings = await page.evaluate(() => window.planetTimings());
    seen[workers] = {
      slices: timings.slices,
      traffic: await downloadText("download-traffic-ndjson"),
      dependency: await downloadText("download-dependency-ndjson"),
      warnings: await page.textContent("#error"),
    };
  }
  assert.equal(seen[1].slices, 2, "one Worker reads each file whole");
  assert.equal(seen[3].slices, 6, "three Workers read each file in three slices");
  assert.match(seen[1].warnings, /export\.csv, line \d+: /, "the malformed row is reported");
  assert.equal(seen[3].warnings, seen[1].warnings, "the same warnings, with the same line numbers");
  assert.equal(seen[3].traffic, seen[1].traffic, "traffic NDJSON of 3 Workers == of 1");
  assert.equal(seen[3].dependency, seen[1].dependency, "dependency NDJSON of 3 Workers == of 1");
  const expected = cli(files, ["--threads", "1"]);
  assert.equal(seen[3].traffic, expected.traffic, "traffic NDJSON == analyze's");
  assert.equal(seen[3].dependency, expected.dependency, "dependency NDJSON == analyze's");

  // The merged analysis is the one kept: what-ifs on the rows come from its partials.
  const reads = await page.evaluate(() => window.planetFileReads());
  await change("hide-empty-remote", true);
  assert.equal((await howComputed()).how, "partials");
  await assertPageEqualsCli(files, ["--hide-empty-remote"], "3 Workers, empty remote hidden");
  const n = await computations();
  await page.$eval("#window-slider", (s) => {
    s.value = String(Number(s.max) - 1);
    s.dispatchEvent(new Event("change"));
  });
  await waitReady(n);
  assert.equal((await howComputed()).how, "partials");
  const at = await page.inputValue("#at");
  await assertPageEqualsCli(files, ["--hide-empty-remote", "--at", at], "3 Workers, an earlier window");
  assert.equal(await page.evaluate(() => window.planetFileReads()), reads, "no file read again");
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Prepended to slice-worker.js by a server of the test: the last slice's read of the File fails
 * after its first chunk, as Chromium fails a read of a File changed on disk since it was chosen
 * (a NotReadableError). The rest of the page, and the other slices, are the real code.
 */
const LAST_SLICE_READ_FAILS = `
self.addEventListener("message", ({ data }) => { self.failThisSlice = data.end === data.file.size; });
const realStream = Blob.prototype.stream;
Blob.prototype.stream = function () {
  const real = realStream.call(this);
  if (!self.failThisSlice) return real;
  const reader = real.getReader();
  let pulls = 0;
  return new ReadableStream({
    async pull(controller) {
      if (pulls++ === 1) {
        controller.error(new DOMException("The requested file could not be read, typically due to permission problems that have occurred after a reference to a file was acquired.", "NotReadableError"));
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
};
`;

test("a slice Worker failing mid-read: the page names the file, the bytes and the cause, and the tables are the part before, said to be incomplete", { timeout: LARGE_TIMEOUT_MS }, async () => {
  const fleet = fleetFile("fleet-12.lp", 2, 12, 600);
  await fleet.ensure();
  const size = statSync(fleet.path).size;
  const faulty = await serve(undefined, 0, {
    "/slice-worker.js": LAST_SLICE_READ_FAILS + readFileSync(join(ROOT, "web/slice-worker.js"), "utf8"),
  });
  extraServers.push(faulty.url);
  try {
    // Three Workers, three slices: the second slice is merged, the third fails.
    await page.goto(`${faulty.url}?workers=3&min-slice-bytes=${Math.floor(size / 3)}`);
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "waiting for files");
    // `load` waits for the computation to end: a hang fails here. The file spans three hours,
    // newest first: a traffic window of 7 days takes the failed slice's hour too.
    await load([fleet.path], { trafficWindow: "7d" });
    assert.equal(await page.isVisible("#error"), true, "the problem is shown");
    const error = await page.textContent("#error");
    const said = error.match(/fleet-12\.lp: not read past byte (\d+) of (\d+): its bytes (\d+)–(\d+), read by another Worker, could not be read \(NotReadableError: The requested file could not be read/);
    assert.ok(said, `the file, the bytes and the cause are named: ${error}`);
    assert.match(error, /the tables hold only the part before: they are incomplete/);
    const [kept, total, start, end] = said.slice(1).map(Number);
    assert.equal(total, size);
    assert.equal(end, size, "the last slice failed");
    assert.equal(kept, start, "the tables stop where the failed slice starts");
    assert.ok(kept > size / 2 && kept < size, "the second slice was merged");
    const bytes = readFileSync(fleet.path);
    assert.equal(bytes[kept - 1], 10, "the cut is at a line end");
    // The tables are exactly analyze's of the part before the failed slice: nothing of it merged.
    const dir = mkdtempSync(join(WORK, "slice-fails-"));
    const part = join(dir, "fleet-12.lp");
    writeFileSync(part, bytes.subarray(0, kept));
    const flags = ["--traffic-window", "7d"];
    assert.notEqual(cli([part], flags).traffic, cli([fleet.path], flags).traffic, "the part differs from the whole file");
    await assertPageEqualsCli([part], flags, "the part before the failed slice");
    const timings = await page.evaluate(() => window.planetTimings());
    assert.equal(timings.how, "read");
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await page.goto("about:blank");
    await faulty.close();
  }
});

test("no request leaves 127.0.0.1", () => {
  assert.ok(requests.length > 0);
  const origins = [server.url, ...extraServers].map((u) => new URL(u).origin);
  const outside = requests.filter(
    (u) => !origins.some((origin) => u.startsWith(`${origin}/`)) && !u.startsWith("blob:") && !u.startsWith("data:"),
  );
  assert.deepEqual(outside, []);
});
