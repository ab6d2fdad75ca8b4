"""Writes the `contiv-*` and `inventory-*` vectors of tests/vectors/: inventories and the
`contiv-svcstats` profile.

    contiv_vectors.py            rewrite tests/vectors/contiv-* and inventory-*
    contiv_vectors.py --check    regenerate into a temporary directory and diff

No server speaks these semantics, so the expected rows come from models written here from the
documented rules (docs/PROFILES.md), in plain Python, sharing no code with planet-bq:
- the inventory: planet-exporter's inventory task (collector/task/inventory/inventory.go):
  entries with neither domain nor hostgroup left out, 127.0.0.1 = localhost appended, an exact
  `ip_address` first, then the longest CIDR prefix (the first given among equal ones), with
  Python's `ipaddress`;
- `contiv-svcstats`: local = the endpoint (EndpointIP), remote = the provider (ProviderIP, or the
  service IP's entry when the provider has none); at each 30-s tick t, evaluated at T = t - 15s:
  traffic = irate over [T - 30s, T] of BytesOut (egress) and BytesIn (ingress) per series,
  summed per (local, remote) hostgroup and domain, times 8, kept when > 1000 (series with an
  empty local or remote hostgroup left out); a dependency per series with a BytesOut sample in
  [T - 15s, T]: upstream (endpoint -> provider) when the endpoint has a hostgroup, downstream
  (provider -> endpoint) when the provider has one;
- `inventory-exporter`: the planet-exporter model of exporter_model.py (itself checked against
  a real Prometheus by prometheus_vectors.py), after the inventory fills the labels of series
  without a remote hostgroup (traffic: remote_ip -> remote_hostgroup, remote_domain;
  dependencies: remote_address -> remote_hostgroup, and the domain, when the entry has one,
  replaces the address).

Every rate is a whole number of bytes per second and every counter step exactly rate times
interval, so every value is exact in floating point and no integer depends on summation order.
Python 3 standard library only.
"""

import argparse
import ipaddress
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exporter_model as em  # noqa: E402
import influxlib as ix  # noqa: E402
import make_vectors  # noqa: E402  (its tree diff)

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors")
PREFIXES = ("contiv-", "inventory-")
SECOND_NS = 1_000_000_000


def ns(text):
    return ix.parse_rfc3339(text)


# --- planet-exporter's inventory resolution -------------------------------------------------

def resolver(hosts):
    kept = [h for h in hosts + [{"ip_address": "127.0.0.1", "domain": "localhost", "hostgroup": "localhost"}]
            if h.get("domain", "") or h.get("hostgroup", "")]
    exact, networks = {}, []
    for h in kept:
        if "/" in h["ip_address"]:
            networks.append((ipaddress.ip_network(h["ip_address"], strict=False), h))
        else:
            exact[h["ip_address"]] = h

    def resolve(address):
        if address in exact:
            return exact[address]
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        best = None
        for network, h in networks:
            if network.version == ip.version and ip in network and (best is None or network.prefixlen > best[0]):
                best = (network.prefixlen, h)
        return best[1] if best else None

    return resolve


def fill(labels, resolve, address, hostgroup, domain):
    """A lookup: where the hostgroup label is empty and the address resolves."""
    if labels.get(hostgroup, "") or not labels.get(address, ""):
        return
    h = resolve(labels[address])
    if h is None:
        return
    if h.get("hostgroup", ""):
        labels[hostgroup] = h["hostgroup"]
    if domain and h.get("domain", ""):
        labels[domain] = h["domain"]


# --- contiv-svcstats --------------------------------------------------------------------------

def contiv_series(endpoint, provider, service, host, start, end, step_s, offset_s, out, inn, resets=()):
    """One endpoint-provider series scraped every step_s s from start + offset_s while < end;
    `out`/`inn` are B/s, or functions of the sample's ns time giving B/s for the step ending
    there. `resets`: times (ns) from which the counters restart at 0."""
    rate = lambda r, t: r(t) if callable(r) else r  # noqa: E731
    samples, t = [], ns(start) + offset_s * SECOND_NS
    b_out = b_in = 0
    first = True
    while t < ns(end):
        if not first:
            b_out += rate(out, t) * step_s
            b_in += rate(inn, t) * step_s
        if t in resets:
            b_out = b_in = 0
        samples.append((t, b_in, b_out))
        first = False
        t += step_s * SECOND_NS
    return {"tags": {"EndpointIP": endpoint, "ProviderIP": provider, "ServiceIP": service, "host": host,
                     "server": f"http://{host}:9999/{endpoint}"}, "samples": samples}


def contiv_lp(series):
    lines = []
    for s in series:
        tags = "".join(f",{k}={v}" for k, v in sorted(s["tags"].items()))
        for i, (t, b_in, b_out) in enumerate(s["samples"]):
            lines.append(f"httpjson_svcstats{tags} BytesIn={b_in},BytesOut={b_out},PacketsIn={i},PacketsOut={i} {t}\n")
    return "".join(lines)


def contiv_rows(series, hosts, at_ns, traffic_ns, dependency_ns):
    resolve = resolver(hosts)
    labelled = []
    for s in series:
        labels = dict(s["tags"])
        fill(labels, resolve, "EndpointIP", "local_hostgroup", "local_domain")
        fill(labels, resolve, "ProviderIP", "remote_hostgroup", "remote_domain")
        fill(labels, resolve, "ServiceIP", "remote_hostgroup", "remote_domain")
        group = tuple(labels.get(k, "") for k in ("local_hostgroup", "local_domain", "remote_hostgroup",
                                                   "remote_domain"))
        ms = [(t // 1_000_000, b_in, b_out) for t, b_in, b_out in s["samples"]]
        labelled.append((group, ms))
    at = at_ns // 1_000_000
    values = {}
    for t in range(at - traffic_ns // 1_000_000, at, 30_000):
        sums = {}
        for group, ms in labelled:
            if not group[0] or not group[2]:
                continue
            for direction, column in (("ingress", 1), ("egress", 2)):
                r = em.irate([(m[0], m[column]) for m in ms], t - 15_000)
                if r is not None:
                    sums[(direction,) + group] = sums.get((direction,) + group, 0.0) + r
        for k, v in sums.items():
            if v * 8 > 1000:
                values.setdefault(k, []).append(v * 8)
    traffic = [{
        "inventory_date": ix.rfc3339(at_ns), "traffic_direction": d, "local_hostgroup": lh,
        "local_hostgroup_address": ix.nullable(ld), "remote_hostgroup": rh,
        "remote_hostgroup_address": ix.nullable(rd), "traffic_bandwidth_bits_min_1h": int(min(vs)),
        "traffic_bandwidth_bits_max_1h": int(max(vs)), "traffic_bandwidth_bits_avg_1h": int(sum(vs) / len(vs)),
    } for (d, lh, ld, rh, rd), vs in values.items()]
    seen = set()
    for t in range(at - dependency_ns // 1_000_000, at, 30_000):
        T = t - 15_000
        for (lh, ld, rh, rd), ms in labelled:
            if any(T - 15_000 <= m[0] <= T for m in ms):
                if lh:
                    seen.add(("upstream", lh, ld, rh, rd))
                if rh:
                    seen.add(("downstream", rh, rd, lh, ld))
    dependency = [{
        "inventory_date": ix.rfc3339(at_ns), "dependency_direction": d, "protocol": "",
        "local_hostgroup_process_name": None, "local_hostgroup": lh, "local_hostgroup_address": ix.nullable(la),
        "local_hostgroup_address_port": None, "remote_hostgroup": rh, "remote_hostgroup_address": ix.nullable(ra),
        "remote_hostgroup_address_port": None,
    } for d, lh, la, rh, ra in seen]
    return ix.sort_rows(traffic, ix.TRAFFIC_COLUMNS), ix.sort_rows(dependency, ix.DEPENDENCY_COLUMNS)


CONTIV_INVENTORY = [
    {"ip_address": "10.1.1.2", "domain": "web.service.consul", "hostgroup": "web"},
    {"ip_address": "10.1.1.3", "domain": "web.service.consul", "hostgroup": "web"},
    {"ip_address": "10.1.2.0/24", "domain": "db.service.consul", "hostgroup": "db"},
    {"ip_address": "10.1.2.128/25", "domain": "db-replica.service.consul", "hostgroup": "db-replica"},
    {"ip_address": "10.1.0.0/16", "domain": "", "hostgroup": "cluster"},
    {"ip_address": "10.254.0.9", "domain": "cache.service.consul", "hostgroup": "cache"},
    {"ip_address": "10.1.3.3", "domain": "", "hostgroup": ""},
]

AT = "2026-11-20T14:00:00Z"


def contiv_fleet():
    start, end = "2026-11-20T11:58:00Z", "2026-11-20T14:00:30Z"
    step_up_at = ns("2026-11-20T13:30:00Z")
    return [
        # web 10.1.1.2 -> db 10.1.2.5 (the /24), node1 every 10 s at :00: 1000 B/s out until
        # 13:30, then 3000; 250 B/s in.
        contiv_series("10.1.1.2", "10.1.2.5", "10.254.0.1", "node1", start, end, 10, 0,
                      lambda t: 1000 if t <= step_up_at else 3000, 250),
        # web 10.1.1.3 -> db 10.1.2.6, node2 every 10 s at +5 s: 500 B/s out, 125 in; its
        # counters restart at 0 at 13:10:15 (a reset: that step's increase is the new value, 0).
        contiv_series("10.1.1.3", "10.1.2.6", "10.254.0.1", "node2", start, end, 10, 5, 500, 125,
                      resets=(ns("2026-11-20T13:10:15Z"),)),
        # web -> 10.1.2.200: the /25 beats the /24 (db-replica); 100 B/s out (800 bit/s: under
        # the threshold), 200 in (1600).
        contiv_series("10.1.1.2", "10.1.2.200", "10.254.0.2", "node1", start, end, 10, 0, 100, 200),
        # 10.1.9.9 (only the /16: cluster, no domain) -> 10.9.9.9 (no entry), named by its
        # service IP's entry (cache).
        contiv_series("10.1.9.9", "10.9.9.9", "10.254.0.9", "node2", start, end, 10, 5, 2000, 1000),
        # An endpoint in no entry (192.0.2.7) -> db: no traffic, no upstream; db's downstream.
        contiv_series("192.0.2.7", "10.1.2.5", "10.254.0.1", "node3", start, end, 10, 0, 4000, 4000),
        # 10.1.3.3's entry has neither domain nor hostgroup: left out, so the /16 names it.
        contiv_series("10.1.3.3", "10.1.2.5", "10.254.0.1", "node3", start, end, 10, 0, 150, 150),
        # web -> 10.200.0.1, neither provider nor service IP known: no traffic (the remote
        # hostgroup is empty), an upstream to "".
        contiv_series("10.1.1.3", "10.200.0.1", "10.254.0.77", "node2", start, end, 10, 5, 5000, 5000),
        # Stopped at 12:30 (in the 2-hour dependency window only): dependencies, no traffic.
        contiv_series("10.1.1.2", "10.254.0.9", "10.254.0.9", "node1", start, "2026-11-20T12:30:00Z", 10, 0,
                      3000, 3000),
        # Stopped at 11:59: before both windows.
        contiv_series("10.1.1.3", "10.1.2.77", "10.254.0.1", "node2", start, "2026-11-20T11:59:00Z", 10, 0,
                      3000, 3000),
    ]


# --- inventory-exporter: planet-exporter metrics resolved through the inventory -------------

EXPORTER_INVENTORY = [
    {"ip_address": "10.3.0.0/16", "domain": "", "hostgroup": "unknown-but-its-network-xyz"},
    {"ip_address": "10.3.4.0/24", "domain": "search.service.consul", "hostgroup": "search"},
    {"ip_address": "10.3.9.9", "domain": "mail.service.consul", "hostgroup": "mail"},
]


def exporter_series():
    start = ns("2026-11-20T12:58:00Z") // 1_000_000
    end = ns("2026-11-20T14:00:30Z") // 1_000_000

    def counter(labels, rate):
        base = {"__name__": "planet_traffic_bytes_total", "job": "planet-exporter", "instance": "10.0.0.1:9100",
                "direction": "egress", "local_hostgroup": "api", "local_domain": "api.service.consul"}
        base.update(labels)
        return {"labels": base, "samples": [(t, float(rate * (t - start) // 1000)) for t in range(start, end, 10_000)]}

    def dependency(labels):
        base = {"__name__": "planet_upstream", "job": "planet-exporter", "instance": "10.0.0.1:9100",
                "local_hostgroup": "api", "local_address": "api.service.consul", "port": "9200",
                "process_name": "api", "protocol": "tcp"}
        base.update(labels)
        return {"labels": base, "samples": [(t, 1.0) for t in range(start, end, 10_000)]}

    return [
        # Unresolved at scrape time (remote_ip only): the /24 names it search (search.service.consul).
        counter({"remote_ip": "10.3.4.5"}, 1000),
        # Only the /16: a hostgroup, no domain (remote_hostgroup_address NULL).
        counter({"remote_ip": "10.3.200.1"}, 2000),
        # Already resolved: kept as scraped, whatever the inventory says of its IP.
        counter({"remote_ip": "10.3.4.6", "remote_hostgroup": "old", "remote_domain": "old.service.consul"}, 500),
        # In no entry: still no hostgroup, dropped as planet-federator drops it.
        counter({"remote_ip": "10.9.0.1"}, 3000),
        # A dependency on an IP (dropped by `\\d.*` unresolved): resolved, its address is the domain.
        dependency({"remote_address": "10.3.9.9"}),
        # A network entry without domain: the address stays the IP, and `\\d.*` still drops it.
        dependency({"remote_address": "10.3.7.7"}),
    ]


def exporter_lp(series):
    lines = []
    for s in series:
        tags = "".join(f",{k}={v}" for k, v in sorted(s["labels"].items()) if v)
        for t, v in s["samples"]:
            lines.append(f"{s['labels']['__name__']}{tags} value={ix.go_float(v)} {t * 1_000_000}\n")
    return "".join(lines)


def exporter_rows(series, hosts, at_ns, traffic_ns, dependency_ns):
    resolve = resolver(hosts)
    resolved = []
    for s in series:
        labels = dict(s["labels"])
        if labels["__name__"] == "planet_traffic_bytes_total":
            fill(labels, resolve, "remote_ip", "remote_hostgroup", "remote_domain")
        else:
            fill(labels, resolve, "remote_address", "remote_hostgroup", "remote_address")
        resolved.append({"labels": labels, "samples": s["samples"]})
    return em.rows(resolved, at_ns, traffic_ns, dependency_ns)


# --- the cases --------------------------------------------------------------------------------

def cases():
    hour, two_hours = 3600 * SECOND_NS, 7200 * SECOND_NS
    fleet = contiv_fleet()
    contiv_traffic, contiv_dependency = contiv_rows(fleet, CONTIV_INVENTORY, ns(AT), hour, two_hours)
    exporter = exporter_series()
    ex_traffic, ex_dependency = exporter_rows(exporter, EXPORTER_INVENTORY, ns(AT), hour, two_hours)
    contiv_options = {"at": AT, "dependencyWindow": "2h", "profile": "contiv-svcstats"}
    # The ndjson case: the first three pairs over the last hour only (a smaller file).
    small = [dict(s, samples=[x for x in s["samples"] if x[0] >= ns("2026-11-20T12:58:00Z")]) for s in fleet[:3]]
    small_traffic, small_dependency = contiv_rows(small, CONTIV_INVENTORY, ns(AT), hour, hour)
    return [
        {"name": "contiv-svcstats", "input.lp": contiv_lp(fleet), "options": contiv_options,
         "inventory.json": json.dumps(CONTIV_INVENTORY, indent=2) + "\n",
         "rows": (contiv_traffic, contiv_dependency)},
        {"name": "contiv-svcstats-ndjson", "input.lp": contiv_lp(small),
         "options": {"at": AT, "dependencyWindow": "1h", "profile": "contiv-svcstats"},
         "inventory.ndjson": "".join(json.dumps(h) + "\n" for h in CONTIV_INVENTORY),
         "rows": (small_traffic, small_dependency)},
        {"name": "inventory-exporter", "input.lp": exporter_lp(exporter),
         "options": {"at": AT, "dependencyWindow": "2h", "profile": "planet-exporter"},
         "inventory.ndjson": "".join(json.dumps(h) + "\n" for h in EXPORTER_INVENTORY),
         "rows": (ex_traffic, ex_dependency)},
    ]


def check_by_hand(by_name):
    """A few rows computed by hand from the comments of contiv_fleet, so the model itself is
    checked: web -> db egress sums 10.1.1.2 (1000 B/s, 3000 after 13:30) and 10.1.1.3 (500 B/s).
    Ticks 13:00:00 .. 13:59:30 (T = t - 15s). Until tick 13:30:00 (T 13:29:45) 10.1.1.2 gives
    1000; from tick 13:30:30 (T 13:30:15, pair 13:30:00-13:30:10) 3000: 61 ticks of 1000, 59 of
    3000. 10.1.1.3 (samples at :05, :15, ...) gives 500 except where its last pair spans the reset
    at 13:10:15 (new value 0, a drop: the increase is 0): tick 13:10:30 only (T 13:10:15, pair
    13:10:05-13:10:15, both ends of the range included), where it gives 0. So egress: 60 ticks of 1500 * 8 = 12000, 1 tick (13:10:30) of 8000, and 59
    ticks of 3500 * 8 = 28000: min 8000, max 28000, mean (60 * 12000 + 8000 + 59 * 28000) / 120
    = 2380000 / 120 = 19833.33 -> 19833."""
    traffic = by_name["contiv-svcstats"]["rows"][0]
    row = next(r for r in traffic if r["traffic_direction"] == "egress" and r["remote_hostgroup"] == "db"
               and r["local_hostgroup"] == "web")
    got = (row["traffic_bandwidth_bits_min_1h"], row["traffic_bandwidth_bits_max_1h"],
           row["traffic_bandwidth_bits_avg_1h"])
    assert got == (8000, 28000, 19833), got


def write(out_dir):
    all_cases = cases()
    check_by_hand({c["name"]: c for c in all_cases})
    for c in all_cases:
        d = os.path.join(out_dir, c["name"])
        os.makedirs(d, exist_ok=True)
        for name in ("input.lp", "inventory.json", "inventory.ndjson"):
            if name in c:
                with open(os.path.join(d, name), "w") as f:
                    f.write(c[name])
        with open(os.path.join(d, "options.json"), "w") as f:
            f.write(json.dumps(c["options"], indent=2) + "\n")
        traffic, dependency = c["rows"]
        with open(os.path.join(d, "traffic.ndjson"), "w") as f:
            f.write(ix.to_ndjson(traffic, ix.TRAFFIC_COLUMNS))
        with open(os.path.join(d, "dependency.ndjson"), "w") as f:
            f.write(ix.to_ndjson(dependency, ix.DEPENDENCY_COLUMNS))
        print(f"{c['name']}: {len(traffic)} traffic, {len(dependency)} dependency rows", file=sys.stderr)
    return all_cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="regenerate into a temporary directory and diff")
    args = parser.parse_args()
    if args.check:
        tmp = tempfile.mkdtemp(prefix="planet-contiv-vectors-")
        try:
            all_cases = write(tmp)
            problems = []
            for c in all_cases:
                problems += make_vectors.diff_trees(os.path.join(VECTORS, c["name"]), os.path.join(tmp, c["name"]))
            committed = sorted(n for n in os.listdir(VECTORS) if n.startswith(PREFIXES))
            if committed != sorted(c["name"] for c in all_cases):
                problems.append(f"committed cases {committed} are not the script's")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if problems:
            print("\n".join(problems))
            print("the contiv and inventory vectors differ from the models: run `make vectors-contiv-regen`")
            return 1
        print(f"vectors-contiv-check: the {len(all_cases)} committed cases are exactly the models' rows")
        return 0
    for name in os.listdir(VECTORS):
        if name.startswith(PREFIXES):
            shutil.rmtree(os.path.join(VECTORS, name))
    write(VECTORS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
