// Determinism, proven: every vector through the native core (`planet-bq analyze --engine
// native`), through wasmtime inside the native binary (`--engine wasm`) and through Node (the
// Node package) gives byte-identical NDJSON, equal to the vector's expected tables.
// PLANET_BQ is the planet-bq binary to run (`make test-three-way` builds it with the module inside).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planet, vectors, vectorsDir } from "./vectors.mjs";

const bin = process.env.PLANET_BQ;
const all = vectors();

/** CLI flags for a vector's options.json (the inventory as its file); an option the CLI lacks fails loudly. */
function flags(v) {
  const options = v.options;
  const names = {
    at: "--at",
    trafficWindow: "--traffic-window",
    dependencyWindow: "--dependency-window",
    format: "--format",
    precision: "--precision",
    profile: "--profile",
    dependencyHour: "--dependency-hour",
  };
  const out = [];
  for (const [key, value] of Object.entries(options)) {
    if (key === "strict" || key === "allWindows") {
      if (value) out.push(key === "strict" ? "--strict" : "--all-windows");
    } else if (key === "inventory") {
      out.push("--inventory", v.inventoryPath);
    } else if (names[key]) {
      out.push(names[key], String(value));
    } else {
      throw new Error(`options.json key ${key} has no planet-bq analyze flag in this test`);
    }
  }
  return out;
}

function cli(engine, v, dir) {
  const args = ["analyze", "--engine", engine, "--out", dir, ...flags(v), ...v.inputs.map((i) => i.path)];
  const run = spawnSync(bin, args, { encoding: "utf8" });
  assert.equal(run.status, 0, `planet-bq ${args.join(" ")} failed:\n${run.stderr}`);
  return {
    traffic: readFileSync(join(dir, "traffic.ndjson"), "utf8"),
    dependency: readFileSync(join(dir, "dependency.ndjson"), "utf8"),
  };
}

test("the planet-bq binary and the vectors are there", () => {
  assert.ok(bin, "set PLANET_BQ to the planet-bq binary (make test-three-way does)");
  assert.ok(all.length > 0, `no vectors in ${vectorsDir}`);
});

for (const v of all) {
  test(`vector ${v.name}: native, wasmtime and Node give the same bytes`, { skip: !bin }, () => {
    const tmp = mkdtempSync(join(tmpdir(), "planet-three-way-"));
    try {
      const native = cli("native", v, join(tmp, "native"));
      const wasmtime = cli("wasm", v, join(tmp, "wasm"));
      const node = planet.analyze(v.inputs.map(({ name, data }) => ({ name, data })), v.options);
      for (const table of ["traffic", "dependency"]) {
        const fromNode = node[`${table}Ndjson`];
        assert.equal(wasmtime[table], native[table], `${table}: wasmtime differs from native`);
        assert.equal(fromNode, native[table], `${table}: Node differs from native`);
        assert.equal(native[table], v[table], `${table}: all three differ from the expected table`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

test("a bad file gives the same error message natively and in wasmtime", { skip: !bin }, () => {
  const tmp = mkdtempSync(join(tmpdir(), "planet-three-way-"));
  try {
    const file = join(tmp, "bad.lp");
    const text = "ingress,service=api,remote_service=web bandwidth_bps=1 1795349886000000000\nthis is not line protocol\n";
    writeFileSync(file, text);
    const runs = ["native", "wasm"].map((engine) =>
      spawnSync(bin, ["analyze", "--engine", engine, "--strict", file], { encoding: "utf8" }),
    );
    for (const run of runs) assert.notEqual(run.status, 0);
    assert.equal(runs[1].stderr, runs[0].stderr);
    assert.match(runs[0].stderr, /bad\.lp:2: /);
    assert.throws(() => planet.analyze({ name: file, data: text }, { strict: true }), (e) => {
      assert.equal(`error: ${e.message}\n`, runs[0].stderr);
      return true;
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

