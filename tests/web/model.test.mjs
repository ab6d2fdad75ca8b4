// Unit tests of the page's pure functions (web/model.js), in Node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import {
  buildOptions,
  cliFlags,
  columnNames,
  compare,
  dependencyEdges,
  formDefaults,
  formatBandwidth,
  graphModel,
  parseRename,
  toDot,
} from "../../web/model.js";

/** The core's Node package (`make wasm`): the page takes its columns and defaults from it. */
const planet = createRequire(import.meta.url)("../../host-wasm/pkg-node");

const up = (local, remote, port, protocol = "tcp") => ({
  dependency_direction: "upstream",
  protocol,
  local_hostgroup: local,
  remote_hostgroup: remote,
  local_hostgroup_address_port: null,
  remote_hostgroup_address_port: port,
});
const down = (local, remote, port, protocol = "tcp") => ({
  dependency_direction: "downstream",
  protocol,
  local_hostgroup: local,
  remote_hostgroup: remote,
  local_hostgroup_address_port: port,
  remote_hostgroup_address_port: null,
});

test("bandwidth reads in 1000-based units with three significant digits", () => {
  assert.equal(formatBandwidth(999), "999 bit/s");
  assert.equal(formatBandwidth(1000), "1.00 Kbit/s");
  assert.equal(formatBandwidth(26580648), "26.6 Mbit/s");
  assert.equal(formatBandwidth(123456789012), "123 Gbit/s");
});

test("rename lines parse as from=to and a line without = is reported with its number", () => {
  assert.deepEqual(parseRename("a=b\n\n# note\n c = d "), { rename: { a: "b", c: "d" }, error: null });
  assert.match(parseRename("a=b\noops").error, /line 2/);
});

test("options leave out empty fields and map to the same analyze flags", () => {
  const options = buildOptions({
    at: "",
    trafficWindow: "30m",
    dependencyWindow: "7d",
    minBandwidth: "1000",
    excludePortsOn: false,
    excludePorts: "22",
    excludeAddressesOn: true,
    excludeAddresses: "10.*",
    hideEmptyRemote: true,
    rename: { "web-a": "web" },
    percentiles: false,
  });
  assert.deepEqual(options, {
    trafficWindow: "30m",
    dependencyWindow: "7d",
    minBandwidth: 1000,
    excludeAddresses: "10.*",
    hideEmptyRemote: true,
    rename: { "web-a": "web" },
  });
  assert.deepEqual(cliFlags(options), [
    "--traffic-window", "30m", "--dependency-window", "7d", "--min-bandwidth", "1000",
    "--exclude-addresses", "'10.*'", "--hide-empty-remote", "--rename", "web-a=web",
  ]);
});

test("an upstream row and the matching downstream row are one dependency", () => {
  const edges = dependencyEdges([up("api", "db", "5432"), down("db", "api", "5432"), up("api", "db", "6432")]);
  assert.deepEqual(
    edges.map((e) => [e.source, e.target, e.port, e.protocol, e.seenBy.sort().join("+")]),
    [
      ["api", "db", "5432", "tcp", "downstream+upstream"],
      ["api", "db", "6432", "tcp", "upstream"],
    ],
  );
});

test("the graph has a node per hostgroup and edge widths from the pair's traffic", () => {
  const traffic = [
    { traffic_direction: "egress", local_hostgroup: "api", remote_hostgroup: "db", traffic_bandwidth_bits_avg_1h: 700 },
    { traffic_direction: "egress", local_hostgroup: "db", remote_hostgroup: "api", traffic_bandwidth_bits_avg_1h: 300 },
    { traffic_direction: "ingress", local_hostgroup: "db", remote_hostgroup: "api", traffic_bandwidth_bits_avg_1h: 5 },
  ];
  const g = graphModel([up("api", "db", "5432"), up("web", "api", "80")], traffic);
  assert.deepEqual(g.nodes.map((n) => n.id), ["api", "db", "web"]);
  assert.equal(g.edges.find((e) => e.target === "db").bandwidth_bps, 1000);
  assert.equal(g.edges.find((e) => e.target === "api").label, "80/tcp");
  const dot = toDot(g);
  assert.match(dot, /"api" -> "db" \[label="5432\/tcp"/);
});

test("comparison lists added and removed dependencies and traffic deltas", () => {
  const row = (remote, avg) => ({
    traffic_direction: "egress",
    local_hostgroup: "api",
    local_hostgroup_address: null,
    remote_hostgroup: remote,
    remote_hostgroup_address: null,
    traffic_bandwidth_bits_avg_1h: avg,
  });
  const c = compare(
    { dependency: [up("api", "db", "5432"), up("api", "search", "9200")], traffic: [row("db", 150), row("search", 10)] },
    { dependency: [up("api", "db", "5432"), up("api", "cache", "6379")], traffic: [row("db", 100), row("cache", 20)] },
  );
  assert.deepEqual(c.added.map((e) => e.target), ["search"]);
  assert.deepEqual(c.removed.map((e) => e.target), ["cache"]);
  assert.deepEqual(
    c.traffic.map((t) => [t.remote_hostgroup, t.change, t.delta]),
    [["db", "changed", 50], ["search", "added", 10], ["cache", "removed", -20]],
  );
});

test("the page's columns and form defaults are the core's", () => {
  const columns = columnNames(planet.tables());
  assert.equal(columns.traffic[0], "inventory_date");
  assert.equal(columns.traffic.length, 9);
  assert.equal(columns.dependency.length, 10);
  assert.deepEqual(columns.percentiles, [
    "traffic_bandwidth_bits_p50_1h",
    "traffic_bandwidth_bits_p95_1h",
    "traffic_bandwidth_bits_p99_1h",
  ]);
  const form = formDefaults(planet.defaults());
  assert.equal(form.trafficWindow, "1h");
  assert.equal(form.dependencyWindow, "7d");
  assert.match(form.excludePorts, /^22\|53\|111\|/);
  assert.equal(form.minBandwidthHint, "off (the federator uses 1000)");
  assert.equal(form.profile, "planet-federator");
  assert.ok(form.profiles.includes("planet-federator"), "the picker offers the core's built-in profiles");
});

test("a picked profile reaches the options and the equivalent command", () => {
  const options = buildOptions({ profile: "planet-exporter" });
  assert.deepEqual(options, { profile: "planet-exporter" });
  assert.deepEqual(cliFlags(options), ["--profile", "planet-exporter"]);
  assert.deepEqual(buildOptions({ profile: "" }), {}, "the default profile is left to the core");
});

test("a dropped inventory reaches the options as text and the equivalent command by its name", () => {
  const text = '{"ip_address":"10.1.2.0/24","domain":"db.consul","hostgroup":"db"}\n';
  const options = buildOptions({ profile: "contiv-svcstats", inventory: text });
  assert.deepEqual(options, { profile: "contiv-svcstats", inventory: text });
  assert.deepEqual(cliFlags(options, "hosts.ndjson"), ["--profile", "contiv-svcstats", "--inventory", "hosts.ndjson"]);
  assert.deepEqual(buildOptions({ inventory: "" }), {}, "no inventory, no option");
});
