// Pure functions of the what-if page: options, units, the dependency graph, the baseline
// comparison and the graph exports. No DOM here, so Node can import this module too.

/**
 * Column names of the tables, from the core's schema (`tables()` of the WebAssembly package), so
 * the page keeps no copy of them: `{ traffic, dependency, percentiles }`.
 */
export function columnNames(tables) {
  const names = (columns) => columns.map((c) => c.name);
  return {
    traffic: names(tables.traffic.columns),
    dependency: names(tables.dependency.columns),
    percentiles: names(tables.percentileColumns),
  };
}

/**
 * The form's initial values from the core's defaults (`defaults()` of the WebAssembly package):
 * the window lengths, and the federator's filters as prefills (off until ticked).
 */
export function formDefaults(defaults) {
  return {
    trafficWindow: defaults.trafficWindow,
    dependencyWindow: defaults.dependencyWindow,
    excludePorts: defaults.federatorExcludedPorts,
    excludeAddresses: defaults.federatorExcludedAddresses,
    minBandwidthHint: `off (the federator uses ${defaults.federatorMinBandwidth})`,
    profile: defaults.profile,
    profiles: defaults.profiles,
  };
}

/**
 * Parses the rename box: one `from=to` per line (blank lines and `#` comments ignored).
 * Returns `{ rename, error }`; `error` names the first line that is not `from=to`.
 */
export function parseRename(text) {
  const rename = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) return { rename, error: `rename line ${i + 1}: expected from=to, got "${line}"` };
    rename[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { rename, error: null };
}

/**
 * Core options (the keys of `planet-bq analyze`'s flags, camelCase) from the form's values.
 * Empty fields are left out so that the core's defaults apply.
 */
export function buildOptions(form) {
  const options = {};
  if (form.at) options.at = form.at;
  if (form.trafficWindow) options.trafficWindow = form.trafficWindow;
  if (form.dependencyWindow) options.dependencyWindow = form.dependencyWindow;
  if (form.format) options.format = form.format;
  if (form.profile) options.profile = form.profile;
  if (form.minBandwidth !== "" && form.minBandwidth != null) options.minBandwidth = Number(form.minBandwidth);
  if (form.excludePortsOn && form.excludePorts) options.excludePorts = form.excludePorts;
  if (form.excludeAddressesOn && form.excludeAddresses) options.excludeAddresses = form.excludeAddresses;
  if (form.hideEmptyRemote) options.hideEmptyRemote = true;
  if (form.rename && Object.keys(form.rename).length > 0) options.rename = form.rename;
  if (form.percentiles) options.percentiles = true;
  // The inventory's text: the core tells arrayjson from ndjson by its first character.
  if (form.inventory) options.inventory = form.inventory;
  return options;
}

/**
 * The same options as `planet-bq analyze` flags (for the page's "equivalent command"); the
 * inventory, given as text, is named by its file name.
 */
export function cliFlags(options, inventoryName = "INVENTORY") {
  const flags = [];
  const quote = (s) => (/^[A-Za-z0-9_.:\-+=/]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  if (options.at) flags.push("--at", options.at);
  if (options.trafficWindow) flags.push("--traffic-window", options.trafficWindow);
  if (options.dependencyWindow) flags.push("--dependency-window", options.dependencyWindow);
  if (options.format) flags.push("--format", options.format);
  if (options.profile) flags.push("--profile", options.profile);
  if (options.minBandwidth != null) flags.push("--min-bandwidth", String(options.minBandwidth));
  if (options.excludePorts) flags.push("--exclude-ports", options.excludePorts);
  if (options.excludeAddresses) flags.push("--exclude-addresses", options.excludeAddresses);
  if (options.hideEmptyRemote) flags.push("--hide-empty-remote");
  for (const [from, to] of Object.entries(options.rename || {})) flags.push("--rename", `${from}=${to}`);
  if (options.percentiles) flags.push("--percentiles");
  if (options.inventory) flags.push("--inventory", inventoryName);
  return flags.map(quote);
}

/** A bandwidth in bit/s as people read it: 1000-based units, three significant digits. */
export function formatBandwidth(bps) {
  if (bps == null) return "";
  const units = ["bit/s", "Kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
  let value = Math.abs(bps);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const sign = bps < 0 ? "-" : "";
  if (unit === 0) return `${sign}${value} ${units[0]}`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${sign}${value.toFixed(digits)} ${units[unit]}`;
}

/**
 * One dependency per (client, server, port, protocol): an upstream row says that its local
 * hostgroup calls the remote one on the remote port; a downstream row says that the remote
 * hostgroup calls the local one on the local port. Both sides of one link give one edge.
 */
export function dependencyEdges(rows) {
  const edges = new Map();
  for (const r of rows) {
    const upstream = r.dependency_direction === "upstream";
    const source = upstream ? r.local_hostgroup : r.remote_hostgroup;
    const target = upstream ? r.remote_hostgroup : r.local_hostgroup;
    const port = (upstream ? r.remote_hostgroup_address_port : r.local_hostgroup_address_port) ?? "";
    const protocol = r.protocol ?? "";
    const id = edgeId(source, target, port, protocol);
    const edge = edges.get(id) ?? { id, source, target, port, protocol, seenBy: [] };
    if (!edge.seenBy.includes(r.dependency_direction)) edge.seenBy.push(r.dependency_direction);
    edges.set(id, edge);
  }
  return [...edges.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function edgeId(source, target, port, protocol) {
  return JSON.stringify([source, target, port, protocol]);
}

/**
 * Average bandwidth exchanged by each unordered pair of hostgroups: the sum of the mean of the
 * egress rows between them (both ways), or of the ingress rows when no host reported egress.
 */
export function pairBandwidth(trafficRows) {
  const egress = new Map();
  const ingress = new Map();
  for (const r of trafficRows) {
    const key = pairKey(r.local_hostgroup, r.remote_hostgroup);
    const map = r.traffic_direction === "egress" ? egress : ingress;
    map.set(key, (map.get(key) ?? 0) + r.traffic_bandwidth_bits_avg_1h);
  }
  const out = new Map(ingress);
  for (const [k, v] of egress) out.set(k, v);
  return out;
}

export function pairKey(a, b) {
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}

/** The graph: one node per hostgroup of the dependency table, one edge per dependency. */
export function graphModel(dependencyRows, trafficRows) {
  const edges = dependencyEdges(dependencyRows);
  const bandwidth = pairBandwidth(trafficRows);
  const nodes = new Set();
  for (const e of edges) {
    nodes.add(e.source);
    nodes.add(e.target);
  }
  return {
    nodes: [...nodes].sort().map((id) => ({ id, label: id === "" ? "(empty)" : id })),
    edges: edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      port: e.port,
      protocol: e.protocol,
      label: edgeLabel(e),
      bandwidth_bps: bandwidth.get(pairKey(e.source, e.target)) ?? 0,
    })),
  };
}

export function edgeLabel(e) {
  if (e.port && e.protocol) return `${e.port}/${e.protocol}`;
  return e.port || e.protocol || "";
}

/**
 * Groups of hostgroups by name prefix: the part before the first `separator` ("api" of
 * "api-03" with "-"). Returns name -> prefix for the names whose prefix at least two share;
 * the others stay alone. The empty hostgroup never joins a group.
 */
export function prefixGroups(names, separator) {
  const prefixOf = new Map();
  const members = new Map();
  if (!separator) return new Map();
  for (const name of names) {
    const at = name.indexOf(separator);
    if (name === "" || at <= 0) continue;
    const prefix = name.slice(0, at);
    prefixOf.set(name, prefix);
    members.set(prefix, (members.get(prefix) ?? 0) + 1);
  }
  return new Map([...prefixOf].filter(([, prefix]) => members.get(prefix) >= 2));
}

/** Edge width in pixels from the bandwidth of its pair (log scale, 1 to 12). */
export function edgeWidth(bps) {
  if (!bps || bps <= 0) return 1;
  return Math.max(1, Math.min(12, 1 + (Math.log10(bps) - 3) * 1.6));
}

/**
 * Compares the current tables with a baseline: dependencies added and removed, and the change
 * of mean bandwidth per traffic pair (direction, local, remote, with addresses).
 */
export function compare(current, baseline) {
  const now = new Map(dependencyEdges(current.dependency).map((e) => [e.id, e]));
  const before = new Map(dependencyEdges(baseline.dependency).map((e) => [e.id, e]));
  const added = [...now.values()].filter((e) => !before.has(e.id));
  const removed = [...before.values()].filter((e) => !now.has(e.id));
  const key = (r) =>
    JSON.stringify([
      r.traffic_direction,
      r.local_hostgroup,
      r.local_hostgroup_address,
      r.remote_hostgroup,
      r.remote_hostgroup_address,
    ]);
  const base = new Map(baseline.traffic.map((r) => [key(r), r]));
  const seen = new Set();
  const traffic = [];
  for (const r of current.traffic) {
    const k = key(r);
    seen.add(k);
    const b = base.get(k);
    traffic.push(trafficChange(r, b ? b.traffic_bandwidth_bits_avg_1h : null, r.traffic_bandwidth_bits_avg_1h));
  }
  for (const [k, b] of base) {
    if (!seen.has(k)) traffic.push(trafficChange(b, b.traffic_bandwidth_bits_avg_1h, null));
  }
  const byKey = new Map(traffic.map((t) => [t.key, t]));
  return { added, removed, traffic, byKey, key };
}

function trafficChange(row, before, after) {
  const key = JSON.stringify([
    row.traffic_direction,
    row.local_hostgroup,
    row.local_hostgroup_address,
    row.remote_hostgroup,
    row.remote_hostgroup_address,
  ]);
  const change = before == null ? "added" : after == null ? "removed" : "changed";
  const delta = (after ?? 0) - (before ?? 0);
  const ratio = before ? delta / before : null;
  return {
    key,
    traffic_direction: row.traffic_direction,
    local_hostgroup: row.local_hostgroup,
    remote_hostgroup: row.remote_hostgroup,
    local_hostgroup_address: row.local_hostgroup_address,
    remote_hostgroup_address: row.remote_hostgroup_address,
    baseline_avg: before,
    current_avg: after,
    delta,
    ratio,
    change,
  };
}

/** The graph as Graphviz DOT: nodes, then edges labelled port/protocol, pen width from traffic. */
export function toDot(graph) {
  const q = (s) => `"${String(s).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  const lines = ["digraph dependencies {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="sans-serif"];'];
  for (const n of graph.nodes) lines.push(`  ${q(n.id)} [label=${q(n.label)}];`);
  for (const e of graph.edges) {
    const attrs = [`label=${q(e.label)}`, `penwidth=${edgeWidth(e.bandwidth_bps).toFixed(1)}`];
    if (e.status === "added") attrs.push('color="#1a7f37"');
    if (e.status === "removed") attrs.push('color="#cf222e"', "style=dashed");
    lines.push(`  ${q(e.source)} -> ${q(e.target)} [${attrs.join(", ")}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** The graph as JSON: `{ nodes: [{id,label}], edges: [{source,target,port,protocol,bandwidth_bps,...}] }`. */
export function toGraphJson(graph) {
  const edges = graph.edges.map(({ id: _id, ...rest }) => rest);
  return JSON.stringify({ nodes: graph.nodes, edges }, null, 2) + "\n";
}

/** CSV of arbitrary rows (for the comparison table): RFC 4180, NULL as an empty cell. */
export function toCsv(columns, rows) {
  const cell = (v) => {
    if (v == null) return "";
    const s = String(v);
    if (s === "") return '""';
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}
