// WebAssembly benchmark: >= 1M-point line-protocol inputs (a traffic-heavy and a
// dependency-heavy fleet; BENCH_FLEETS=traffic,dependency) analyzed natively on one thread
// (planet-bq --engine native --threads 1, as the wasm engine and Node read on one), under
// wasmtime (planet-bq --engine wasm) and under Node (the Node package), as ratios from one
// run; and the size of the browser .wasm, raw and gzipped.
// PLANET_BQ is a release planet-bq with the module inside (`make bench-wasm` builds it).
// This prints figures; it asserts nothing about time.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, openSync, readSync, closeSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { planet, root } from "../tests/vectors.mjs";

const POINTS = Number(process.env.BENCH_POINTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const bin = process.env.PLANET_BQ;
if (!bin) throw new Error("set PLANET_BQ to a release planet-bq binary");
const work = join(root, "tests", ".work", "bench-wasm");
mkdirSync(work, { recursive: true });
const FLEETS = (process.env.BENCH_FLEETS ?? "traffic,dependency").split(",");
/** Tenths of the points that are traffic (the rest are dependencies), per fleet. */
const TRAFFIC_TENTHS = { traffic: 8, dependency: 2 };
const AT = "2026-11-22T13:00:00Z";

/**
 * A deterministic fleet: 300 services, traffic every 10 s over the last hour, dependencies over
 * the week; `trafficTenths` of ten points are traffic.
 */
async function generate(path, trafficTenths) {
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const end = 1795352400n * 1_000_000_000n; // AT in ns
  const out = createWriteStream(path);
  let buf = "";
  for (let i = 0; i < POINTS; i++) {
    const a = next() % 300, b = next() % 300, r = next();
    const kind = r % 10;
    let line;
    if (kind < trafficTenths) {
      const t = end - BigInt(1 + (next() % 3600)) * 1_000_000_000n;
      const m = kind % 2 === 0 ? "ingress" : "egress";
      line = `${m},service=svc-${a},address=10.0.${a >> 8}.${a & 255},remote_service=svc-${b},remote_address=10.0.${b >> 8}.${b & 255} bandwidth_bps=${next() % 100000000}.${next() % 1000} ${t}`;
    } else {
      const t = end - BigInt(1 + (next() % (7 * 86400))) * 1_000_000_000n;
      line = kind % 2 === 0
        ? `upstream,service=svc-${a},address=10.0.${a >> 8}.${a & 255},process_name=p${a % 7},protocol=tcp,upstream_service=svc-${b},upstream_address=10.0.${b >> 8}.${b & 255},upstream_port=${5000 + (b % 50)} service_dependency=1i ${t}`
        : `downstream,service=svc-${a},address=10.0.${a >> 8}.${a & 255},process_name=p${a % 7},protocol=tcp,port=${8000 + (a % 50)},downstream_service=svc-${b},downstream_address=10.0.${b >> 8}.${b & 255} service_dependency=1i ${t}`;
    }
    buf += line + "\n";
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once("drain", r));
      buf = "";
    }
  }
  out.write(buf);
  await new Promise((r) => out.end(r));
}


// The wasm engine keeps the module's machine code in this cache (primed by the first run);
// "wasm-cold" compiles it at every start, as the first run after an upgrade does.
const cache = join(work, "wasmtime-cache");
const engineFlags = {
  native: ["--engine", "native", "--threads", "1"],
  wasm: ["--engine", "wasm", "--wasm-cache", cache],
  "wasm-cold": ["--engine", "wasm", "--no-wasm-cache"],
};

function timeCli(engine, input) {
  const dir = join(work, `out-${engine}`);
  const t0 = process.hrtime.bigint();
  const run = spawnSync(bin, ["analyze", ...engineFlags[engine], "--at", AT, "--out", dir, input], { encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (run.status !== 0) throw new Error(`${engine}: ${run.stderr}`);
  return { seconds, traffic: readFileSync(join(dir, "traffic.ndjson"), "utf8") };
}

function timeNode(input) {
  const t0 = process.hrtime.bigint();
  const analyzer = new planet.Analyzer({ at: AT });
  analyzer.beginInput(input);
  const fd = openSync(input, "r");
  const chunk = Buffer.alloc(1 << 20);
  let n;
  while ((n = readSync(fd, chunk, 0, chunk.length, null)) > 0) analyzer.push(chunk.subarray(0, n));
  closeSync(fd);
  const result = analyzer.finish();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, traffic: result.trafficNdjson };
}

// Module compilation of the wasm engine, measured apart on an empty input.
const empty = join(work, "empty.lp");
spawnSync("sh", ["-c", `: > ${empty}`]);
function startup(engine) {
  const t0 = process.hrtime.bigint();
  const run = spawnSync(bin, ["analyze", ...engineFlags[engine], "--at", AT, "--out", join(work, "out-empty"), empty], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`${engine} on an empty input: ${run.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function benchFleet(fleet) {
  const input = join(work, `fleet-${fleet}-${POINTS}.lp`);
  if (!existsSync(input)) await generate(input, TRAFFIC_TENTHS[fleet]);
  const bytes = statSync(input).size;
  const best = { native: Infinity, wasm: Infinity, "wasm-cold": Infinity, node: Infinity };
  let reference;
  for (let i = 0; i < RUNS; i++) {
    const runs = [
      ["native", () => timeCli("native", input)],
      ["wasm", () => timeCli("wasm", input)],
      ["wasm-cold", () => timeCli("wasm-cold", input)],
      ["node", () => timeNode(input)],
    ];
    for (const [name, run] of runs) {
      const r = run();
      if (reference === undefined) reference = r.traffic;
      if (r.traffic !== reference) throw new Error(`${fleet}: ${name} gave different tables`);
      best[name] = Math.min(best[name], r.seconds);
    }
  }
  const mb = bytes / 1e6;
  const fmt = (s) => `${s.toFixed(2)} s (${(mb / s).toFixed(0)} MB/s, ${(POINTS / s / 1e6).toFixed(2)} M points/s)`;
  console.log(
    `${fleet}-heavy fleet (${TRAFFIC_TENTHS[fleet] * 10}% traffic points): ${POINTS} points, ${mb.toFixed(1)} MB of line protocol; ` +
      `best of ${RUNS} runs; same tables from all three`,
  );
  console.log(`| engine | time | ratio to native |`);
  console.log(`|---|---|---|`);
  console.log(`| native (planet-bq --engine native --threads 1) | ${fmt(best.native)} | 1.00 |`);
  console.log(`| wasmtime (planet-bq --engine wasm, code from the cache) | ${fmt(best.wasm)} | ${(best.wasm / best.native).toFixed(2)} |`);
  console.log(`| wasmtime, compiling the module (--no-wasm-cache) | ${fmt(best["wasm-cold"])} | ${(best["wasm-cold"] / best.native).toFixed(2)} |`);
  console.log(`| Node ${process.version} (Node package, Analyzer.push) | ${fmt(best.node)} | ${(best.node / best.native).toFixed(2)} |`);
  console.log("");
}

const start = { native: Infinity, wasm: Infinity, "wasm-cold": Infinity };
rmSync(cache, { recursive: true, force: true });
startup("wasm"); // fills the cache
for (const fleet of FLEETS) {
  if (!(fleet in TRAFFIC_TENTHS)) throw new Error(`BENCH_FLEETS: unknown fleet ${fleet} (traffic, dependency)`);
  await benchFleet(fleet);
}
for (let i = 0; i < RUNS; i++) {
  for (const engine of Object.keys(start)) start[engine] = Math.min(start[engine], startup(engine));
}
rmSync(join(work, "out-empty"), { recursive: true, force: true });

const wasmFile = join(root, "web", "pkg", "planet_wasm_bg.wasm");
const raw = readFileSync(wasmFile);
const gz = gzipSync(raw, { level: 9 });
console.log(
  `process start + empty input: native ${start.native.toFixed(2)} s, wasm from the cache ${start.wasm.toFixed(2)} s, ` +
    `wasm compiling ${start["wasm-cold"].toFixed(2)} s`,
);
console.log(`browser .wasm (web/pkg/planet_wasm_bg.wasm, wasm-opt -Oz): ${raw.length} bytes raw, ${gz.length} bytes gzipped (-9)`);
