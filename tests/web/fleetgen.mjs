// A deterministic planet-federator fleet as line protocol, for the page's large-file test and
// benchmark: `node tests/web/fleetgen.mjs OUT.lp MEGABYTES [HOSTGROUPS [STEP_SECONDS [PARTNERS]]]`.
//
// 60 hostgroups, each calling 5 others (PARTNERS; 9 gives the graph test's 540 dependencies), one
// port each, a few of them the federator's noisy ports or addresses; traffic and dependency
// points every 30 s going back in time from 2026-11-22T12:59:30Z until the file reaches the
// requested size. Some pairs run below
// 1000 bit/s and some peers have no hostgroup, so every what-if filter has something to do.
import { createWriteStream } from "node:fs";
import { once } from "node:events";

const NAMES = ["api", "web", "auth", "db", "cache", "queue", "search", "billing", "mail", "cdn", "log", "metrics"];
const HOSTGROUPS = 60;
const PARTNERS = 5;
const HOSTS = 5;
const END_NS = 1795352370n * 1_000_000_000n; // 2026-11-22T12:59:30Z

/** Mulberry32: a small seeded generator, so every run writes the same bytes. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hostgroup(i) {
  return `${NAMES[i % NAMES.length]}-${String(Math.floor(i / NAMES.length)).padStart(2, "0")}`;
}

/** The fleet's series: traffic per (direction, local, remote, remote host) and dependencies. */
export function fleet(hostgroups = HOSTGROUPS, partners = PARTNERS) {
  const random = rng(42);
  const traffic = [];
  const deps = [];
  for (let i = 0; i < hostgroups; i++) {
    const local = hostgroup(i);
    for (let p = 0; p < partners; p++) {
      const j = (i + 1 + p * 7) % hostgroups;
      // Every 17th peer is outside the inventory: no hostgroup, as the exporter reports it.
      const remote = (i * partners + p) % 17 === 0 ? "" : hostgroup(j);
      const port = [22, 53, 80, 443, 5432, 6379, 8080, 9100][(i + p) % 8];
      const process = ["nginx", "envoy", "java", "python"][(i + p) % 4];
      // Some dependencies went quiet a while ago, so the dependency window matters.
      const quietSteps = ((i * partners + p) % 4) * 3;
      deps.push({ local, remote, port, process, quietSteps, address: remote ? `${remote}.service.consul` : `10.9.${i}.${p}` });
      for (let h = 0; h < HOSTS; h++) {
        const ip = (i + h) % 13 === 0 ? `192.168.${j}.${h + 10}` : `10.${j}.${h}.${10 + p}`;
        // Log-uniform bandwidth from 100 bit/s to 100 Mbit/s, so some pairs are below 1000.
        const base = 10 ** (2 + random() * 6);
        for (const direction of ["ingress", "egress"]) traffic.push({ direction, local, remote, ip, base });
      }
    }
  }
  return { traffic, deps, random };
}

function tags(pairs) {
  return pairs
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `,${k}=${v}`)
    .join("");
}

/**
 * Writes at least `bytes` bytes of line protocol of a fleet of `hostgroups` each calling
 * `partners` others, one point per series every `stepSeconds`, to `path`; resolves to the bytes
 * written.
 */
export async function generate(path, bytes, hostgroups = HOSTGROUPS, stepSeconds = 30, partners = PARTNERS) {
  const stepNs = BigInt(stepSeconds) * 1_000_000_000n;
  const { traffic, deps, random } = fleet(hostgroups, partners);
  const out = createWriteStream(path);
  let written = 0;
  for (let step = 0n; written < bytes; step++) {
    const t = END_NS - step * stepNs;
    const lines = [];
    for (const s of traffic) {
      const value = (s.base * (0.5 + random())).toFixed(2);
      const tagText = tags([
        ["address", `${s.local}.service.consul`],
        ["remote_address", s.ip],
        ["remote_service", s.remote],
        ["service", s.local],
      ]);
      lines.push(`${s.direction}${tagText} bandwidth_bps=${value} ${t}`);
    }
    for (const d of deps) {
      if (step < d.quietSteps) continue;
      lines.push(
        `upstream${tags([
          ["address", `${d.local}.service.consul`],
          ["process_name", d.process],
          ["protocol", "tcp"],
          ["service", d.local],
          ["upstream_address", d.address],
          ["upstream_port", String(d.port)],
          ["upstream_service", d.remote],
        ])} service_dependency=1i ${t}`,
      );
      if (d.remote !== "") {
        lines.push(
          `downstream${tags([
            ["address", d.address],
            ["downstream_address", `${d.local}.service.consul`],
            ["downstream_service", d.local],
            ["port", String(d.port)],
            ["process_name", d.process],
            ["protocol", "tcp"],
            ["service", d.remote],
          ])} service_dependency=1i ${t}`,
        );
      }
    }
    const chunk = lines.join("\n") + "\n";
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, megabytes, hostgroups, stepSeconds, partners] = process.argv.slice(2);
  if (!path || !megabytes) {
    console.error("usage: node tests/web/fleetgen.mjs OUT.lp MEGABYTES [HOSTGROUPS [STEP_SECONDS [PARTNERS]]]");
    process.exit(2);
  }
  const n = await generate(
    path,
    Number(megabytes) * 1_000_000,
    Number(hostgroups ?? HOSTGROUPS),
    Number(stepSeconds ?? 30),
    Number(partners ?? PARTNERS),
  );
  console.log(`wrote ${n} bytes to ${path}`);
}
