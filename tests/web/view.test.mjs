// Unit tests of the page's pure view helpers, in Node: column filters (web/table-filter.js), the
// URL of a view (web/view-url.js), the grouping of hostgroups by prefix (web/model.js) and the
// time series of every window (web/timeseries.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseColumnFilter, rowFilter } from "../../web/table-filter.js";
import { viewFromHash, viewToHash } from "../../web/view-url.js";
import { prefixGroups } from "../../web/model.js";
import { edgePresence, pairSeries } from "../../web/timeseries.js";

const values = ["api-00", "API-01", "web", "", null, 1500, 999.5, 0];

/** The values a filter keeps, for a table written out by hand below. */
function kept(filter) {
  const test = parseColumnFilter(filter);
  return test === null ? null : values.filter((v) => test(v));
}

test("column filters: text, exact, negation, null and numeric comparisons", () => {
  assert.equal(kept(""), null, "an empty box filters nothing");
  assert.equal(kept("   "), null);
  assert.deepEqual(kept("api"), ["api-00", "API-01"], "contains, any case");
  assert.deepEqual(kept("=api-00"), ["api-00"], "exact");
  assert.deepEqual(kept("="), [""], "= alone is the empty string");
  assert.deepEqual(kept("!api"), ["web", "", null, 1500, 999.5, 0], "does not contain (NULL included)");
  assert.deepEqual(kept("null"), [null]);
  assert.deepEqual(kept(">1000"), [1500]);
  assert.deepEqual(kept(">=999.5"), [1500, 999.5]);
  assert.deepEqual(kept("<1e3"), [999.5, 0], "exponent form");
  assert.deepEqual(kept("=0"), [0], "a number equal, NULL and the empty string are not 0");
  assert.deepEqual(kept("!=0"), [1500, 999.5], "strings that are not numbers never compare");
  assert.deepEqual(kept("15"), [1500], "a bare number is text: 1500 contains 15");
});

test("a row filter needs every non-empty column filter to hold", () => {
  const rows = [
    { local_hostgroup: "api", remote_hostgroup: "db", bw: 5000 },
    { local_hostgroup: "api", remote_hostgroup: "cache", bw: 50 },
    { local_hostgroup: "web", remote_hostgroup: "db", bw: 9000 },
  ];
  const keep = (filters) => rows.filter(rowFilter(filters)).map((r) => `${r.local_hostgroup}>${r.remote_hostgroup}`);
  assert.deepEqual(keep({}), ["api>db", "api>cache", "web>db"]);
  assert.deepEqual(keep({ local_hostgroup: "api", bw: "" }), ["api>db", "api>cache"]);
  assert.deepEqual(keep({ local_hostgroup: "api", bw: ">100" }), ["api>db"]);
  assert.deepEqual(keep({ remote_hostgroup: "=db", bw: "<8000" }), ["api>db"]);
});

test("a view survives the URL: every parameter, and nothing that is data", () => {
  const view = {
    form: {
      at: "2026-11-22T12:00:00Z",
      trafficWindow: "30m",
      dependencyWindow: "2d",
      format: "lp",
      profile: "planet-exporter",
      minBandwidth: "1000",
      excludePortsOn: true,
      excludePorts: "^(22|53)$",
      excludeAddressesOn: false,
      excludeAddresses: "ignored when off",
      hideEmptyRemote: true,
      percentiles: false,
      renameText: "web-blue=web\n\nweb-green = web & co",
    },
    filter: "api",
    columnFilters: { traffic: { traffic_bandwidth_bits_avg_1h: ">1e6", remote_hostgroup: "=東京" }, dependency: {} },
    sort: { traffic: { column: "traffic_bandwidth_bits_max_1h", descending: true }, dependency: { column: "protocol", descending: false } },
    focus: "db#1",
    search: "a b",
    groupBy: "-",
    pair: '["api","db"]',
  };
  const hash = viewToHash(view);
  assert.match(hash, /^#/);
  const back = viewFromHash(hash);
  assert.deepEqual(back.form, {
    at: "2026-11-22T12:00:00Z",
    trafficWindow: "30m",
    dependencyWindow: "2d",
    format: "lp",
    profile: "planet-exporter",
    minBandwidth: "1000",
    excludePortsOn: true,
    excludePorts: "^(22|53)$",
    hideEmptyRemote: true,
    renameText: "web-blue=web\nweb-green = web & co",
  });
  assert.deepEqual(back.columnFilters, view.columnFilters);
  assert.deepEqual(back.sort, view.sort);
  for (const key of ["filter", "focus", "search", "groupBy", "pair"]) assert.equal(back[key], view[key], key);
  assert.equal(viewToHash({ form: {} }), "", "an empty view is no fragment");
  // A hand-written fragment, as someone might edit it.
  const edited = viewFromHash("#tw=2h&pct=1&f.dependency.protocol=tcp&sort.dependency=port&unknown=x");
  assert.deepEqual(edited.form, { trafficWindow: "2h", percentiles: true });
  assert.deepEqual(edited.columnFilters.dependency, { protocol: "tcp" });
  assert.deepEqual(edited.sort.dependency, { column: "port", descending: false });
});

test("hostgroups group by the prefix before the separator, when at least two share it", () => {
  const groups = prefixGroups(["api-00", "api-01", "web-00", "db", "", "-x", "cache-a-b", "cache-c"], "-");
  assert.deepEqual(
    [...groups].sort(),
    [
      ["api-00", "api"],
      ["api-01", "api"],
      ["cache-a-b", "cache"],
      ["cache-c", "cache"],
    ],
  );
  assert.deepEqual([...prefixGroups(["a.b", "a.c"], ".")], [["a.b", "a"], ["a.c", "a"]]);
  assert.equal(prefixGroups(["api-00", "api-01"], "").size, 0, "no separator, no groups");
});

test("traffic per pair across windows: sums per window, egress first, gaps as null", () => {
  const ends = ["2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z", "2026-11-22T12:00:00Z"];
  const row = (end, direction, local, remote, min, avg, max) => ({
    inventory_date: end,
    traffic_direction: direction,
    local_hostgroup: local,
    remote_hostgroup: remote,
    traffic_bandwidth_bits_min_1h: min,
    traffic_bandwidth_bits_avg_1h: avg,
    traffic_bandwidth_bits_max_1h: max,
  });
  const rows = [
    // api -> db: two addresses in the first window, one in the third, none in the second.
    row(ends[0], "egress", "api", "db", 10, 20, 30),
    row(ends[0], "egress", "api", "db", 1, 2, 3),
    row(ends[2], "egress", "api", "db", 5, 6, 7),
    row(ends[0], "ingress", "api", "db", 1000, 1000, 1000),
    // web -> api reported by ingress only.
    row(ends[1], "ingress", "web", "api", 100, 200, 300),
    // A window that is not one of the ends is left out.
    row("2026-11-22T09:00:00Z", "egress", "api", "db", 9, 9, 9),
  ];
  const series = pairSeries(rows, ends);
  assert.deepEqual(
    series.map((s) => ({ local: s.local, remote: s.remote, direction: s.direction, min: s.min, avg: s.avg, max: s.max, total: s.total })),
    [
      { local: "web", remote: "api", direction: "ingress", min: [null, 100, null], avg: [null, 200, null], max: [null, 300, null], total: 200 },
      { local: "api", remote: "db", direction: "egress", min: [11, null, 5], avg: [22, null, 6], max: [33, null, 7], total: 28 },
    ],
  );
});

test("dependency presence per window: both sides of a link are one dependency", () => {
  const ends = ["2026-11-20T11:00:00Z", "2026-11-21T11:00:00Z", "2026-11-22T11:00:00Z"];
  const dep = (end, direction, local, remote, port) => ({
    inventory_date: end,
    dependency_direction: direction,
    protocol: "tcp",
    local_hostgroup: local,
    remote_hostgroup: remote,
    local_hostgroup_address_port: direction === "downstream" ? port : null,
    remote_hostgroup_address_port: direction === "upstream" ? port : null,
  });
  const rows = [
    dep(ends[0], "upstream", "api", "db", "5432"),
    dep(ends[1], "downstream", "db", "api", "5432"), // the same dependency, seen by the server
    dep(ends[2], "upstream", "web", "api", "8080"),
    dep(ends[1], "upstream", "web", "api", "8080"),
  ];
  const edges = edgePresence(rows, ends);
  assert.deepEqual(
    edges.map((e) => `${e.source}->${e.target}:${e.port} ${e.present.map((p) => (p ? "x" : ".")).join("")}`),
    ["api->db:5432 xx.", "web->api:8080 .xx"],
  );
});
