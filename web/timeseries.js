// Every window's rows (all-windows analysis) as what the time views draw: traffic per pair of
// hostgroups across the hourly windows, and the daily windows in which each dependency was
// present. Pure (no DOM), so the worker and Node tests import it.

import { dependencyEdges } from "./model.js";

/**
 * Traffic per pair across the windows: `[{ key, local, remote, direction, ends, avg, min, max,
 * total }]`, largest total first. A pair's value in a window sums its rows (one per pair of
 * addresses): `avg` the sum of the hourly means (the pair's mean bandwidth), `min` and `max` the
 * sums of the per-address minimum and maximum (a band around it, not the minimum of the sum).
 * Egress rows make the pair; a pair that only ingress rows report uses those. `ends` are the
 * windows' ends (`inventory_date`) ascending; a window without the pair holds null.
 */
export function pairSeries(trafficRows, ends) {
  const index = new Map(ends.map((e, i) => [e, i]));
  const byDirection = { egress: new Map(), ingress: new Map() };
  for (const r of trafficRows) {
    const map = byDirection[r.traffic_direction];
    const i = index.get(r.inventory_date);
    if (!map || i === undefined) continue;
    const key = JSON.stringify([r.local_hostgroup, r.remote_hostgroup]);
    let s = map.get(key);
    if (!s) {
      s = {
        key,
        local: r.local_hostgroup,
        remote: r.remote_hostgroup,
        direction: r.traffic_direction,
        ends,
        avg: ends.map(() => null),
        min: ends.map(() => null),
        max: ends.map(() => null),
        total: 0,
      };
      map.set(key, s);
    }
    s.avg[i] = (s.avg[i] ?? 0) + r.traffic_bandwidth_bits_avg_1h;
    s.min[i] = (s.min[i] ?? 0) + r.traffic_bandwidth_bits_min_1h;
    s.max[i] = (s.max[i] ?? 0) + r.traffic_bandwidth_bits_max_1h;
    s.total += r.traffic_bandwidth_bits_avg_1h;
  }
  const out = new Map(byDirection.egress);
  for (const [key, s] of byDirection.ingress) if (!out.has(key)) out.set(key, s);
  return [...out.values()].sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : 1));
}

/**
 * The dependency windows in which each dependency (caller, service, port, protocol) was present:
 * `[{ id, source, target, port, protocol, present: boolean[] }]` over `ends` (ascending), sorted
 * by first appearance, then by id.
 */
export function edgePresence(dependencyRows, ends) {
  const index = new Map(ends.map((e, i) => [e, i]));
  const byWindow = new Map();
  for (const r of dependencyRows) {
    if (!index.has(r.inventory_date)) continue;
    const rows = byWindow.get(r.inventory_date) ?? [];
    rows.push(r);
    byWindow.set(r.inventory_date, rows);
  }
  const edges = new Map();
  for (const [end, rows] of byWindow) {
    for (const e of dependencyEdges(rows)) {
      const edge = edges.get(e.id) ?? {
        id: e.id,
        source: e.source,
        target: e.target,
        port: e.port,
        protocol: e.protocol,
        present: ends.map(() => false),
      };
      edge.present[index.get(end)] = true;
      edges.set(e.id, edge);
    }
  }
  const first = (e) => e.present.indexOf(true);
  return [...edges.values()].sort((a, b) => first(a) - first(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
