"""The `planet-exporter` semantics as written down (tests/vectors/README.md), in plain Python.

Not an oracle: prometheus_vectors.py gets the rows from a real Prometheus and a real InfluxDB.
This model computes the same rows from the same samples by following the written rules, and
prometheus_vectors.py fails when the two disagree, so the description that implementations
follow is checked against the real chain on every case. Python 3 standard library only.
"""

import re

import influxlib as ix

TICK_MS = 30_000
# planet-federator's exclusions (tests/oracle/promql/*.txt); PromQL anchors them (fullmatch)
# and uses RE2, whose \d is ASCII only.
EXCLUDED_ADDRESSES = re.compile(
    r"(100.([6-9]|1[0-2]).*|52.*|192.168.*|.*prometheus.*|203.*|163.18.*|130.211.*|f.*|169.254.*|111.*)", re.ASCII)
EXCLUDED_PORTS = re.compile(r"(22|53|111|8301|8300|8500|3025|3022|51666|9100|19100|5666|25|8600|11910|11560)",
                            re.ASCII)
DIGIT_FIRST = re.compile(r"\d.*", re.ASCII)


def in_range(samples, start, end):
    """Prometheus 2.x range selector: both ends included."""
    return [(t, v) for t, v in samples if start <= t <= end]


def irate(samples, at):
    """Per-second rate from the last two samples in [at - 30s, at]; a drop is a reset, and
    then the new value is the increase. None without two samples."""
    window = in_range(samples, at - 30_000, at)
    if len(window) < 2:
        return None
    (t1, v1), (t2, v2) = window[-2], window[-1]
    increase = v2 if v2 < v1 else v2 - v1
    return increase / ((t2 - t1) / 1000)


def traffic_kept(labels):
    get = lambda k: labels.get(k, "")  # noqa: E731  an absent label is the empty string
    return (get("local_hostgroup") != "" and get("remote_hostgroup") != ""
            and not EXCLUDED_ADDRESSES.fullmatch(get("remote_ip"))
            and not EXCLUDED_ADDRESSES.fullmatch(get("remote_domain")))


def dependency_kept(labels):
    get = lambda k: labels.get(k, "")  # noqa: E731
    address = get("remote_address")
    return (get("local_hostgroup") != "" and get("process_name") != ""
            and not EXCLUDED_PORTS.fullmatch(get("port"))
            and not EXCLUDED_ADDRESSES.fullmatch(address) and address != "localhost"
            and not DIGIT_FIRST.fullmatch(address))


TRAFFIC_GROUP = ("direction", "local_hostgroup", "local_domain", "remote_hostgroup", "remote_domain")
DEPENDENCY_GROUP = ("local_hostgroup", "local_address", "remote_address", "remote_hostgroup", "port",
                    "process_name", "protocol")


def traffic_at(series, at):
    """{group: bit/s} at one evaluation time: irate, sum per instance, * 8, sum, > 1000."""
    per_instance = {}
    for s in series:
        labels = s["labels"]
        if labels["__name__"] != "planet_traffic_bytes_total" or not traffic_kept(labels):
            continue
        rate = irate(s["samples"], at)
        if rate is None:
            continue
        k = tuple(labels.get(g, "") for g in TRAFFIC_GROUP) + (labels.get("instance", ""),)
        per_instance[k] = per_instance.get(k, 0.0) + rate
    sums = {}
    for k, rate in per_instance.items():
        sums[k[:-1]] = sums.get(k[:-1], 0.0) + rate * 8
    return {k: v for k, v in sums.items() if v > 1000}


def dependencies_at(series, metric, at):
    """The groups with a sample in [at - 15s, at]."""
    out = set()
    for s in series:
        labels = s["labels"]
        if labels["__name__"] == metric and dependency_kept(labels) and in_range(s["samples"], at - 15_000, at):
            out.add(tuple(labels.get(g, "") for g in DEPENDENCY_GROUP))
    return out


def rows(series, at_ns, traffic_window_ns, dependency_window_ns):
    """The two tables for the window ending at `at`: ticks t on the 30-s grid with
    at - window <= t < at, each evaluated at t - 15s."""
    at = at_ns // 1_000_000
    values = {}
    for t in range(at - traffic_window_ns // 1_000_000, at, TICK_MS):
        for k, v in traffic_at(series, t - 15_000).items():
            values.setdefault(k, []).append(v)
    traffic = []
    for (direction, lh, ld, rh, rd), vs in values.items():
        if direction not in ("ingress", "egress"):
            continue
        traffic.append({
            "inventory_date": ix.rfc3339(at_ns), "traffic_direction": direction, "local_hostgroup": lh,
            "local_hostgroup_address": ix.nullable(ld), "remote_hostgroup": rh,
            "remote_hostgroup_address": ix.nullable(rd), "traffic_bandwidth_bits_min_1h": int(min(vs)),
            "traffic_bandwidth_bits_max_1h": int(max(vs)), "traffic_bandwidth_bits_avg_1h": int(sum(vs) / len(vs)),
        })
    seen = {"upstream": set(), "downstream": set()}
    for t in range(at - dependency_window_ns // 1_000_000, at, TICK_MS):
        for direction in seen:
            seen[direction] |= dependencies_at(series, f"planet_{direction}", t - 15_000)
    dependency = []
    for direction, groups in seen.items():
        for lh, la, ra, rh, port, process, protocol in groups:
            dependency.append({
                "inventory_date": ix.rfc3339(at_ns), "dependency_direction": direction, "protocol": protocol,
                "local_hostgroup_process_name": ix.nullable(process), "local_hostgroup": lh,
                "local_hostgroup_address": ix.nullable(la),
                "local_hostgroup_address_port": ix.nullable(port) if direction == "downstream" else None,
                "remote_hostgroup": rh, "remote_hostgroup_address": ix.nullable(ra),
                "remote_hostgroup_address_port": ix.nullable(port) if direction == "upstream" else None,
            })
    return ix.sort_rows(traffic, ix.TRAFFIC_COLUMNS), ix.sort_rows(dependency, ix.DEPENDENCY_COLUMNS)
