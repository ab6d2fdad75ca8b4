#!/usr/bin/env python3
"""Makes the `exporter-*` vectors of tests/vectors/ from a real Prometheus and a real InfluxDB.

planet-exporter's raw metrics go straight into planet-bq (`--profile planet-exporter`); the
rows must be what the Go chain would have written: planet-federator (every 30 s, its PromQL at
`t - 15s`, stamped `t`) and then planet-federator-influxdb-to-bq. Both halves run for real here:

1. the case's samples (hand-written below, explicit ms timestamps) become TSDB blocks with
   `promtool tsdb create-blocks-from openmetrics`; a throwaway `prometheus` (Debian's 2.42)
   answers planet-federator's exact PromQL (tests/oracle/promql/*.txt) with `/api/v1/query`
   at `T = t - 15s` for every tick `t` of the 30-s grid from before the dependency window's
   start through `at`;
2. each answer becomes the line protocol planet-federator writes (measurements `ingress`,
   `egress`, `upstream`, `downstream`), written into a throwaway influxd; the expected rows are
   InfluxDB's answers to the original tool's reference queries over `[at - window, at)`
   (tests/oracle/influxlib.py, the same as every other vector).

The inputs are the same samples in the shapes users have: Prometheus `remote_write` into
InfluxDB 1.x, Telegraf `inputs.prometheus` metric_version 1 and 2, and Prometheus's own
`/api/v1/query` answer for a range selector. Nothing here calls planet-bq.

    prometheus_vectors.py             rewrite tests/vectors/exporter-* and their README section
    prometheus_vectors.py --out DIR   write them into DIR instead
    prometheus_vectors.py --check     regenerate into a temporary directory and diff
    prometheus_vectors.py --random N  compare the written semantics with the real chain on N
                                      random fleets (jitter, gaps, resets, excluded labels)

Python 3 standard library only.
"""

import argparse
import decimal
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import influxlib as ix  # noqa: E402
import exporter_model  # noqa: E402
import make_vectors  # noqa: E402  (the InfluxDB oracle: its tree diff and the README's split)
import promlib  # noqa: E402

VECTORS = os.path.join(ix.REPO, "tests", "vectors")
PREFIX = make_vectors.EXPORTER_PREFIX
# tests/vectors/README.md is written by make_vectors.py up to this line and by this script from it.
README_MARKER = make_vectors.README_MARKER

MS = 1_000_000  # ns per ms
DAY = "2026-11-20"
AT = f"{DAY}T14:00:00Z"
JOB = "planet-exporter"
TICK = 30_000
TRAFFIC_METRIC = "planet_traffic_bytes_total"
QUERIES = {name: promlib.federator_query(name) for name in ("traffic", "upstream", "downstream")}


def clock(text):
    """`13:45:02.5` on the cases' day, in ms."""
    main, _, frac = text.partition(".")
    return ix.parse_rfc3339(f"{DAY}T{main}Z") // MS + int((frac + "000")[:3])


def scrapes(first, last, every_s, skip=None):
    """Scrape times in ms from `first` through `last` every `every_s` seconds, none inside
    `skip` = (from, to) (both included)."""
    t, end, out = clock(first), clock(last), []
    gap = (clock(skip[0]), clock(skip[1])) if skip else None
    while t <= end:
        if not gap or not gap[0] <= t <= gap[1]:
            out.append(t)
        t += int(every_s * 1000)
    return out


def at_times(*texts):
    return [clock(x) for x in texts]


def traffic(direction, local_hostgroup="", local_domain="", remote_hostgroup="", remote_domain="", remote_ip=""):
    labels = {"direction": direction, "local_hostgroup": local_hostgroup, "local_domain": local_domain,
              "remote_hostgroup": remote_hostgroup, "remote_domain": remote_domain, "remote_ip": remote_ip}
    return {k: v for k, v in labels.items() if v}


def dep(local_hostgroup="", local_address="", remote_hostgroup="", remote_address="", port="", protocol="tcp",
        process_name=""):
    labels = {"local_hostgroup": local_hostgroup, "local_address": local_address, "remote_hostgroup": remote_hostgroup,
              "remote_address": remote_address, "port": port, "protocol": protocol, "process_name": process_name}
    return {k: v for k, v in labels.items() if v}


def series(metric, instance, labels, samples):
    # Empty labels do not exist in Prometheus: absent, as the exporters' series are stored.
    full = {k: v for k, v in labels.items() if v}
    full.update({"__name__": metric, "job": JOB, "instance": instance})
    return {"labels": full, "samples": samples}


def counter(instance, labels, times, rates, resets=None):
    """A byte counter scraped at `times`: starts at 0 and grows by rate * elapsed seconds, where
    `rates` = [(from, bytes/s), ...] gives the rate of the interval ending at each scrape (from:
    a clock text or ms);
    `resets` = {clock: value}: the counter restarted and reads `value` at that scrape.
    Rates are multiples of 1/8 and intervals whole milliseconds, so every value, every irate
    and every bit rate is exact in binary floating point."""
    steps = sorted((clock(c) if isinstance(c, str) else c, r) for c, r in rates)
    resets = {clock(c): v for c, v in (resets or {}).items()}
    samples, value = [], 0.0
    for i, t in enumerate(times):
        if i:
            rate = [r for start, r in steps if start <= t][-1]
            value += rate * (t - times[i - 1]) / 1000
        if t in resets:
            value = float(resets[t])
        samples.append((t, value))
    return series(TRAFFIC_METRIC, instance, labels, samples)


def gauge(metric, instance, labels, times):
    return series(metric, instance, labels, [(t, 1.0) for t in times])


CASES = []


ALL_SHAPES = ("telegraf-v1", "telegraf-v2", "prometheus-json")


def case(name, about, samples, shapes=(), trafficWindow="1h", dependencyWindow="2h"):
    """shapes: the other input shapes of the same samples, each its own vector dir."""
    CASES.append({"name": PREFIX + name, "about": about, "series": samples, "shapes": shapes,
                  "options": {"profile": "planet-exporter", "at": AT, "trafficWindow": trafficWindow,
                              "dependencyWindow": dependencyWindow}})


A, B, C = "10.0.0.1:9100", "10.0.0.2:9100", "10.0.1.1:9100"

# --- the main case, in every input shape ----------------------------------------------------------
# Three instances with their own scrape offsets (10 s at :00, 10 s at +2.5 s, 5 s at +1.25 s).
A10 = scrapes("13:44:00", "14:01:00", 10)
B10 = scrapes("13:44:02.5", "14:01:00", 10)
C5 = scrapes("13:44:01.25", "14:01:00", 5)
API_DB = dict(local_hostgroup="api", local_domain="api.service.consul", remote_hostgroup="db",
              remote_domain="db.service.consul")
case("fleet", "three instances with different scrape offsets (10 s at :00, 10 s at +2.5 s, 5 s at +1.25 s); "
     "one group summed over two instances and two remote IPs, with a rate change at 13:52 (the worked example); "
     "a group under the threshold; ingress from frontend.service.consul excluded by the `f.*` regex on remote_domain "
     "(a quirk of planet-federator's regexes); an upstream seen from two instances is one row; port 53 excluded", [
    counter(A, traffic("egress", remote_ip="10.0.2.1", **API_DB), A10, [("13:44:00", 1000), ("13:52:00", 2000)]),
    counter(A, traffic("egress", remote_ip="10.0.2.2", **API_DB), A10, [("13:44:00", 125)]),
    counter(B, traffic("egress", remote_ip="10.0.2.1", **API_DB), B10, [("13:44:00", 500)]),
    counter(A, traffic("ingress", "api", "api.service.consul", "frontend", "frontend.service.consul", "10.0.3.1"),
            A10, [("13:44:00", 250)]),
    counter(C, traffic("ingress", "db", "db.service.consul", "api", "api.service.consul", "10.0.0.1"),
            C5, [("13:44:00", 1500), ("13:55:00", 1750)]),
    counter(C, traffic("egress", "db", "db.service.consul", "api", "api.service.consul", "10.0.0.1"),
            C5, [("13:44:00", 40)]),
    gauge("planet_upstream", A, dep("api", "api.service.consul", "db", "db.service.consul", "5432", "tcp", "api-server"), A10),
    gauge("planet_upstream", B, dep("api", "api.service.consul", "db", "db.service.consul", "5432", "tcp", "api-server"), B10),
    gauge("planet_upstream", B, dep("api", "api.service.consul", "dns", "dns.service.consul", "53", "udp", "api-server"), B10),
    gauge("planet_downstream", C, dep("db", "db.service.consul", "api", "api.service.consul", "5432", "tcp", "postgres"), C5),
], shapes=ALL_SHAPES)

# --- counter resets ------------------------------------------------------------------------------
A5 = scrapes("13:40:00", "14:00:00", 5)
case("counter-reset", "counter resets: a restart reading 10000 bytes 5 s later gives 10000/5 B/s (the maximum); "
     "a restart to 0 gives 0, so that instance adds nothing and the sum falls under the threshold for that tick", [
    counter(A, traffic("ingress", "web", "web.consul", "lb", "lb.consul", "10.1.0.1"), A5, [("13:40:00", 1000)],
            resets={"13:50:15": 10000}),
    counter(B, traffic("egress", "web", "web.consul", "cache", "cache.consul", "10.1.0.2"),
            scrapes("13:40:05", "14:00:00", 10), [("13:40:00", 500)], resets={"13:48:45": 0}),
    counter(C, traffic("egress", "web", "web.consul", "cache", "cache.consul", "10.1.0.2"),
            scrapes("13:40:00", "14:00:00", 10), [("13:40:00", 100)]),
])

# --- scrape gaps ---------------------------------------------------------------------------------
case("scrape-gap", "scrape gaps over 30 s (60 s and 40 s): ticks whose range holds fewer than two samples give "
     "nothing; the faster rate inside the gaps is never seen by irate", [
    counter(A, traffic("ingress", "web", "web.consul", "lb", "lb.consul", "10.1.0.1"),
            [t for t in scrapes("13:40:00", "13:56:00", 10)
             if not clock("13:45:00") <= t <= clock("13:45:40") and not clock("13:50:00") <= t <= clock("13:50:20")],
            [("13:40:00", 1000), ("13:45:50", 4000), ("13:46:00", 1000), ("13:50:30", 4000), ("13:50:40", 1000)]),
])

# --- series starting and stopping mid-window ----------------------------------------------------
case("start-stop", "series starting (13:40:05) and stopping (13:50:05) mid-window: a stopped series keeps its last "
     "rate while two samples remain in the range; the group sum changes while it runs", [
    counter(A, traffic("egress", "api", "api.consul", "db", "db.consul", "10.0.2.1"),
            scrapes("13:35:00", "14:00:00", 10), [("13:35:00", 300)]),
    counter(B, traffic("egress", "api", "api.consul", "db", "db.consul", "10.0.2.1"),
            scrapes("13:40:05", "13:50:05", 10), [("13:40:00", 600)]),
    counter(B, traffic("egress", "batch", "batch.consul", "db", "db.consul", "10.0.2.1"),
            scrapes("13:40:05", "13:50:05", 10), [("13:40:00", 200)]),
    gauge("planet_upstream", B, dep("batch", "batch.consul", "db", "db.consul", "5432", "tcp", "batch"),
          scrapes("13:40:05", "13:50:05", 10)),
])

# --- the 1000 bit/s threshold --------------------------------------------------------------------
A5T = scrapes("13:50:00", "14:00:00", 5)
B5T = scrapes("13:50:02.5", "14:00:00", 5)


def threshold(name):
    return traffic("egress", "api", "api.consul", name, f"{name}.consul", "10.3.0.1")


case("threshold", "cross-instance sums around the 1000 bit/s threshold (kept only when > 1000 after * 8 and the "
     "sum over instances): 999 and 992 dropped, exactly 1000 dropped, 1001 and 1008 kept, two instances of 800 "
     "each kept (1600); a group alternating 999/1001 every 2 min keeps only its 1001 ticks", [
    counter(A, threshold("below-999"), A5T, [("13:50:00", 124.875)]),
    counter(A, threshold("exact-1000"), A5T, [("13:50:00", 62.5)]),
    counter(B, threshold("exact-1000"), B5T, [("13:50:00", 62.5)]),
    counter(A, threshold("above-1001"), A5T, [("13:50:00", 62.5)]),
    counter(B, threshold("above-1001"), B5T, [("13:50:00", 62.625)]),
    counter(A, threshold("below-992"), A5T, [("13:50:00", 60)]),
    counter(B, threshold("below-992"), B5T, [("13:50:00", 64)]),
    counter(A, threshold("above-1008"), A5T, [("13:50:00", 60)]),
    counter(B, threshold("above-1008"), B5T, [("13:50:00", 66)]),
    counter(A, threshold("sum-1600"), A5T, [("13:50:00", 100)]),
    counter(B, threshold("sum-1600"), B5T, [("13:50:00", 100)]),
    counter(A, threshold("alternating"), A5T,
            [(f"13:{m:02d}:00", 124.875 if (m // 2) % 2 else 125.125) for m in range(50, 60, 2)]),
])

# --- every matcher and exclusion regex (fully anchored, as PromQL anchors them) -------------------
EX = scrapes("13:55:00", "14:00:00", 10)
EXCLUDED_IPS = ["100.64.0.1", "100.100.0.1", "100.127.0.1", "52.1.2.3", "192.168.1.1", "203.0.113.5", "163.18.0.1",
                "130.211.0.1", "169.254.1.1", "111.1.1.1", "fe80::1", "10.prometheus.local"]
KEPT_IPS = ["100.13.0.1", "100.5.0.1", "152.1.2.3", "10.192.168.1", "1.111.1.1", "10.0.0.52", "2001:db8::1"]
EXCLUDED_DOMAINS = ["my-prometheus.consul", "fast.consul", "52.example.com", "192.168.example"]
KEPT_DOMAINS = ["Frontend.consul", "afoo.consul", "x.52.example.com"]
EXCLUDED_PORTS = ["22", "53", "111", "8301", "8300", "8500", "3025", "3022", "51666", "9100", "19100", "5666", "25",
                  "8600", "11910", "11560"]
KEPT_PORTS = ["220", "2", "5432", "1953"]
EXCLUDED_ADDRESSES = ["localhost", "10.0.0.5", "1host.consul", "frontend.consul", "prometheus.consul",
                      "x-prometheus-y"]
KEPT_ADDRESSES = ["LOCALHOST", "localhost.localdomain", "db10.consul", "afrontend.consul"]


def exclusions():
    out = []
    for ip in EXCLUDED_IPS + KEPT_IPS:
        out.append(counter(A, traffic("egress", "api", "api.consul", f"ip-{ip}", "", ip), EX, [("13:55:00", 1000)]))
    for domain in EXCLUDED_DOMAINS + KEPT_DOMAINS:
        out.append(counter(A, traffic("egress", "api", "api.consul", f"domain-{domain}", domain, "10.9.0.1"), EX,
                           [("13:55:00", 1000)]))
    out.append(counter(A, traffic("ingress", "api", "api.consul", "", "noremote.consul", "10.9.0.2"), EX,
                       [("13:55:00", 1000)]))
    out.append(counter(A, traffic("ingress", "", "nolocal.consul", "lb", "lb.consul", "10.9.0.3"), EX,
                       [("13:55:00", 1000)]))
    for port in EXCLUDED_PORTS + KEPT_PORTS:
        out.append(gauge("planet_upstream", A, dep("api", "api.consul", f"port-{port}", "svc.consul", port, "tcp", "api"),
                         EX))
    for address in EXCLUDED_ADDRESSES + KEPT_ADDRESSES:
        out.append(gauge("planet_upstream", A, dep("api", "api.consul", f"addr-{address}", address, "443", "tcp", "api"),
                         EX))
    out.append(gauge("planet_upstream", A, dep("api", "api.consul", "noprocess", "np.consul", "443", "tcp", ""), EX))
    out.append(gauge("planet_upstream", A, dep("", "nolocal.consul", "nolocal", "nl.consul", "443", "tcp", "api"), EX))
    out.append(gauge("planet_upstream", A, dep("api", "api.consul", "", "noremote.consul", "443", "tcp", "api"), EX))
    out.append(gauge("planet_downstream", A, dep("api", "api.consul", "ssh", "bastion.consul", "22", "tcp", "sshd"), EX))
    out.append(gauge("planet_downstream", A, dep("api", "api.consul", "web", "web.consul", "8080", "tcp", "api"), EX))
    out.append(gauge("planet_downstream", A, dep("api", "api.consul", "fe", "frontend.consul", "8080", "tcp", "api"), EX))
    out.append(gauge("planet_downstream", A, dep("api", "api.consul", "web", "web.consul", "8081", "tcp", ""), EX))
    return out


case("exclusions", "every matcher and exclusion regex of the three queries, fully anchored: each excluded remote_ip, "
     "remote_domain, port and remote_address next to near misses that are kept (152.1.2.3, 10.192.168.1, port 220, "
     "LOCALHOST, afrontend.consul, Frontend.consul); empty local_hostgroup, remote_hostgroup (traffic only) and "
     "process_name; a dependency without remote_hostgroup is kept", exclusions())

# --- missing labels ------------------------------------------------------------------------------
MI = scrapes("13:55:00", "14:00:00", 10)
case("missing-labels", "absent labels: no local_domain / remote_domain / remote_ip (NULL addresses); dependencies "
     "without local_address, port, protocol (REQUIRED \"\") or remote_address; traffic without direction or with "
     "another direction goes to planet-federator's `unknown` measurement: no row", [
    counter(A, {k: v for k, v in traffic("ingress", "web", "web.consul", "nodir", "nodir.consul", "10.1.0.3").items()
                if k != "direction"}, MI, [("13:55:00", 1000)]),
    counter(A, traffic("sideways", "web", "web.consul", "otherdir", "otherdir.consul", "10.1.0.4"), MI,
            [("13:55:00", 1000)]),
    counter(A, traffic("ingress", "web", "", "lb", "lb.consul", "10.1.0.1"), MI, [("13:55:00", 1000)]),
    counter(A, traffic("egress", "web", "web.consul", "cache"), MI, [("13:55:00", 2000)]),
    gauge("planet_upstream", A, dep("web", "", "db", "db.consul", "5432", "tcp", "web"), MI),
    gauge("planet_upstream", A, dep("web", "web.consul", "db", "db.consul", "", "tcp", "web"), MI),
    gauge("planet_upstream", A, dep("web", "web.consul", "queue", "queue.consul", "5672", "", "web"), MI),
    gauge("planet_downstream", A, dep("web", "web.consul", "lb", "", "8080", "tcp", "web"), MI),
    gauge("planet_downstream", A, dep("web", "web.consul", "lb", "lb.consul", "", "tcp", "web"), MI),
], shapes=ALL_SHAPES)

# --- samples exactly on the range edges and the windows' edges ----------------------------------
case("range-edges", "samples exactly on the range edges: a 30 s scrape at :15/:45 has its two samples at T-30s and T "
     "(irate sees both: Prometheus 2.x ranges are closed); dependencies scraped at T-15s and at T are seen; the tick "
     "at - 1h (13:00) is in the traffic window, 12:59:30 is not; a dependency seen only at the tick at - 2h is a row, "
     "one seen only at the tick before is not, one seen only at the last tick (13:59:30) is a row, one scraped "
     "at 13:59:45 (seen only by the tick at `at`) is not", [
    counter(A, traffic("ingress", "edge", "edge.consul", "src", "src.consul", "10.2.0.1"),
            scrapes("12:58:45", "14:00:15", 30),
            [("12:58:45", 150), ("12:59:15", 1000), ("12:59:45", 300), ("13:00:15", 150), ("13:59:15", 140),
             ("13:59:45", 500), ("14:00:15", 150)]),
    gauge("planet_upstream", B, dep("edge", "edge.consul", "left", "left.consul", "80", "tcp", "edge"),
          scrapes("13:00:00", "14:00:00", 30)),
    gauge("planet_upstream", C, dep("edge", "edge.consul", "right", "right.consul", "80", "tcp", "edge"),
          scrapes("13:00:15", "14:00:15", 30)),
    gauge("planet_upstream", B, dep("edge", "edge.consul", "dw-start", "a.consul", "80", "tcp", "edge"),
          at_times("11:59:30")),
    gauge("planet_upstream", B, dep("edge", "edge.consul", "dw-before", "b.consul", "80", "tcp", "edge"),
          at_times("11:59:15")),
    gauge("planet_upstream", B, dep("edge", "edge.consul", "dw-last", "c.consul", "80", "tcp", "edge"),
          at_times("13:59:15")),
    gauge("planet_upstream", B, dep("edge", "edge.consul", "dw-at", "d.consul", "80", "tcp", "edge"),
          at_times("13:59:45")),
], shapes=("prometheus-json",))

# --- quirks of the 30 s grid ----------------------------------------------------------------------
case("second-half", "a dependency scraped every 30 s at :20/:50 (the second half of each period) is never seen, "
     "one at :10/:40 is; a counter scraped every 30 s at :20/:50 never has two samples in an irate range", [
    gauge("planet_upstream", A, dep("job", "job.consul", "never-seen", "n.consul", "80", "tcp", "job"),
          scrapes("13:50:20", "14:00:00", 30)),
    gauge("planet_upstream", A, dep("job", "job.consul", "first-half", "h1.consul", "80", "tcp", "job"),
          scrapes("13:50:10", "14:00:00", 30)),
    counter(A, traffic("egress", "job", "job.consul", "slow", "slow.consul", "10.4.0.1"),
            scrapes("13:50:20", "14:00:00", 30), [("13:50:00", 1000)]),
])


def alternating(first, every_s, low, high):
    """Rates that alternate per scrape interval, so that which two samples irate uses shows."""
    times = scrapes(first, "14:00:00", every_s)
    rates = [(t, high if i % 2 else low) for i, t in enumerate(times)]
    return times, rates


def slow_scrapes():
    out = []
    for name, first, every_s in (("s15-at0", "13:40:00", 15), ("s15-at5", "13:40:05", 15),
                                 ("s16-at0", "13:40:00", 16), ("s20-at0", "13:40:00", 20)):
        times, rates = alternating(first, every_s, 200, 400)
        out.append(counter(A, traffic("egress", "app", "app.consul", name, f"{name}.consul", "10.5.0.1"), times, rates))
    return out


case("scrape-15s", "slow scrapes, the rate alternating 200/400 B/s per scrape interval so that the pair irate used "
     "shows: exactly 15 s at :00 (three samples in each closed range, irate takes the last two: 3200 at all 39 "
     "ticks), 15 s at +5 s (38 of 39 ticks), 16 s (34 of 39) and 20 s (19 of 39: ticks with one sample in range "
     "give nothing)", slow_scrapes())


# ---------------------------------------------------------------------------------------------
# Input shapes.


def key(measurement, tags):
    k = ix.lp_escape(measurement, ", ")
    for name in sorted(tags):
        if tags[name]:
            k += f",{ix.lp_escape(name, ',= ')}={ix.lp_escape(tags[name], ',= ')}"
    return k


def go_float_f(v):
    """Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent."""
    text = format(decimal.Decimal(repr(float(v))), "f")
    return text[:-2] if text.endswith(".0") else text


def sorted_lines(lines):
    return "".join(line for _, line in sorted(lines))


def remote_write_lp(series_list):
    """What Prometheus `remote_write` stores in InfluxDB 1.x, exported: measurement = metric name,
    tags = every label with `__name__`, `job`, `instance`, one float field `value`, ns times."""
    lines = []
    for s in series_list:
        k = key(s["labels"]["__name__"], s["labels"])
        lines += [((k, t), f"{k} value={ix.go_float(v)} {t * MS}\n") for t, v in s["samples"]]
    return sorted_lines(lines)


def telegraf_tags(labels):
    tags = {k: v for k, v in labels.items() if k not in ("__name__", "job", "instance")}
    tags["url"] = f"http://{labels['instance']}/metrics"
    tags["host"] = "telegraf-01"
    return tags


def telegraf_v1_lp(series_list):
    """Telegraf `inputs.prometheus`, metric_version = 1: measurement = metric name, field `gauge`
    (every planet metric is declared gauge), tags = labels + `url` + `host`."""
    lines = []
    for s in series_list:
        k = key(s["labels"]["__name__"], telegraf_tags(s["labels"]))
        lines += [((k, t), f"{k} gauge={go_float_f(v)} {t * MS}\n") for t, v in s["samples"]]
    return sorted_lines(lines)


def telegraf_v2_lp(series_list):
    """Telegraf `inputs.prometheus`, metric_version = 2: measurement `prometheus`, field key =
    metric name, tags = labels + `url` + `host`."""
    lines = []
    for s in series_list:
        metric = s["labels"]["__name__"]
        k = key("prometheus", telegraf_tags(s["labels"]))
        lines += [((k, t, metric), f"{k} {metric}={go_float_f(v)} {t * MS}\n") for t, v in s["samples"]]
    return sorted_lines(lines)


def prometheus_json(prom, c):
    """Prometheus's own answer to a range selector over every planet metric, from before the
    first sample through `at`: raw samples as a matrix."""
    at = ix.parse_rfc3339(c["options"]["at"]) // MS
    first = min(t for s in c["series"] for t, _ in s["samples"])
    seconds = (at - first) // 1000 + 60
    return prom.raw_query(f'{{__name__=~"planet_.*"}}[{seconds}s]', at)


# ---------------------------------------------------------------------------------------------
# planet-federator, with a real Prometheus: its points per tick.


def point(measurement, tags, fields, t_ms):
    return f"{key(measurement, tags)} {fields} {t_ms * MS}\n"


def federator_points(prom, first_tick, last_tick):
    """The line protocol planet-federator writes for every tick first_tick..last_tick (ms): its
    three queries at T = t - 15s, stamped t. Labels map to tags as in its Go source; empty tags
    are left out, as the InfluxDB client leaves them out."""
    out = []
    for t in range(first_tick, last_tick + 1, TICK):
        at = t - 15_000
        for r in prom.query(QUERIES["traffic"], at)["result"]:
            m = r["metric"]
            # Any other direction, or none, goes to a measurement no table reads.
            direction = m.get("direction", "")
            measurement = direction if direction in ("ingress", "egress") else "unknown"
            tags = {"service": m.get("local_hostgroup", ""), "address": m.get("local_domain", ""),
                    "remote_service": m.get("remote_hostgroup", ""), "remote_address": m.get("remote_domain", "")}
            out.append(point(measurement, tags, f"bandwidth_bps={float(r['value'][1])!r}", t))
        for r in prom.query(QUERIES["upstream"], at)["result"]:
            m = r["metric"]
            tags = {"service": m.get("local_hostgroup", ""), "address": m.get("local_address", ""),
                    "upstream_service": m.get("remote_hostgroup", ""), "upstream_address": m.get("remote_address", ""),
                    "upstream_port": m.get("port", ""), "process_name": m.get("process_name", ""),
                    "protocol": m.get("protocol", "")}
            out.append(point("upstream", tags, "service_dependency=1i", t))
        for r in prom.query(QUERIES["downstream"], at)["result"]:
            m = r["metric"]
            tags = {"service": m.get("local_hostgroup", ""), "address": m.get("local_address", ""),
                    "downstream_service": m.get("remote_hostgroup", ""),
                    "downstream_address": m.get("remote_address", ""), "port": m.get("port", ""),
                    "process_name": m.get("process_name", ""), "protocol": m.get("protocol", "")}
            out.append(point("downstream", tags, "service_dependency=1i", t))
    return "".join(out)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def build_case(influx, c, out_dir):
    opts = c["options"]
    at = ix.parse_rfc3339(opts["at"])
    tw = ix.parse_duration(opts["trafficWindow"])
    dw = ix.parse_duration(opts["dependencyWindow"])
    at_ms, start_ms = at // MS, (at - max(tw, dw)) // MS
    makers = {"telegraf-v1": ("input.lp", telegraf_v1_lp), "telegraf-v2": ("input.lp", telegraf_v2_lp),
              "prometheus-json": ("input.json", None)}
    dirs = {c["name"]: ("input.lp", remote_write_lp)}
    dirs.update({f"{c['name']}-{shape}": makers[shape] for shape in c["shapes"]})
    with promlib.Prometheus(c["series"]) as prom:
        # Ticks from a minute before the dependency window through `at` itself: InfluxDB's
        # half-open bounds, not this loop, decide which ticks count.
        points = federator_points(prom, start_ms - 2 * TICK, at_ms)
        inputs = {name: (file, make(c["series"]) if make else prometheus_json(prom, c))
                  for name, (file, make) in dirs.items()}
    influx.reset()
    influx.write(points)
    traffic = ix.traffic_rows(influx, at, tw)
    dependency = ix.dependency_rows(influx, at, dw)
    for name, (file, data) in inputs.items():
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, file), data)
        write(os.path.join(d, "options.json"), json.dumps(opts, indent=2) + "\n")
        write(os.path.join(d, "traffic.ndjson"), ix.to_ndjson(traffic, ix.TRAFFIC_COLUMNS))
        write(os.path.join(d, "dependency.ndjson"), ix.to_ndjson(dependency, ix.DEPENDENCY_COLUMNS))
    return list(inputs), traffic, dependency


# ---------------------------------------------------------------------------------------------
# The oracle checked by hand: the worked example of the README, computed from the samples above.


def worked_example(traffic):
    """fleet, egress api -> db. Instance A (10 s scrapes at :00) counts 1000 B/s to 10.0.2.1
    until 13:52:00, then 2000 B/s, and 125 B/s to 10.0.2.2; instance B (10 s at +2.5 s) 500 B/s
    to 10.0.2.1. irate over the last two samples of [T-30s, T]: A = 1125 or 2125 B/s, B = 500.
    Sum per instance * 8, summed: 13000 bit/s while the last A pair ends before 13:52:00 (ticks
    13:44:30 .. 13:52:00, T = 13:44:15 .. 13:51:45: 16 ticks), 21000 after (ticks 13:52:30 ..
    13:59:30: 15 ticks). min 13000, max 21000, mean 523000 / 31 = 16870.97 -> 16870."""
    rows = [r for r in traffic if r["traffic_direction"] == "egress" and r["local_hostgroup"] == "api"
            and r["remote_hostgroup"] == "db"]
    got = [(r["traffic_bandwidth_bits_min_1h"], r["traffic_bandwidth_bits_max_1h"],
            r["traffic_bandwidth_bits_avg_1h"]) for r in rows]
    expected = [(13000, 21000, (16 * 13000 + 15 * 21000) // 31)]
    if got != expected:
        raise AssertionError(f"the oracle disagrees with the hand computation: {got} != {expected}")


def check_model(c, traffic, dependency):
    """The written semantics (exporter_model.py) must give the real chain's rows exactly."""
    opts = c["options"]
    model = exporter_model.rows(c["series"], ix.parse_rfc3339(opts["at"]), ix.parse_duration(opts["trafficWindow"]),
                                ix.parse_duration(opts["dependencyWindow"]))
    for name, real, modelled in (("traffic", traffic, model[0]), ("dependency", dependency, model[1])):
        if real != modelled:
            only_real = [r for r in real if r not in modelled]
            only_model = [r for r in modelled if r not in real]
            raise AssertionError(f"{c['name']} {name}: the written semantics disagree with Prometheus + InfluxDB:\n"
                                 f"  only from the real chain: {only_real}\n  only from the model: {only_model}")


README_HEAD = """
## `exporter-*`: planet-exporter's raw metrics (`--profile planet-exporter`)

Generated by `tests/oracle/prometheus_vectors.py` (`make vectors-exporter-regen`) from a real
Prometheus 2.42 and a real InfluxDB 1.x; `make vectors-exporter-check` regenerates them and
diffs. Do not edit by hand. `options.json` names the profile (`"profile": "planet-exporter"`).
The rows are what planet-federator followed by planet-federator-influxdb-to-bq would write
from the same samples; both halves of that chain run for real:
1. The case's samples (hand-written in the script: a few planet-exporter instances, explicit
   millisecond timestamps on 2026-11-20) are written as OpenMetrics text and turned into TSDB
   blocks with `promtool tsdb create-blocks-from openmetrics`; a throwaway `prometheus` (no
   scrape jobs, retention 100y) serves them.
2. For every tick `t` of the 30-s grid from a minute before `at - dependencyWindow` through
   `at`, planet-federator's exact PromQL (`tests/oracle/promql/*.txt`) is asked with
   `/api/v1/query` at `time = t - 15s` (planet-federator asks a range query from `t - 15s` to
   `t` with a 1-minute step: one evaluation, at `t - 15s`). Each answer becomes the points
   planet-federator writes, stamped `t`, empty labels giving no tag:
   `ingress`/`egress` (measurement = `direction`, any other direction goes to `unknown`;
   `service` = local_hostgroup, `address` = local_domain, `remote_service` = remote_hostgroup,
   `remote_address` = remote_domain, `bandwidth_bps` = the value); `upstream` (`service` =
   local_hostgroup, `address` = local_address, `upstream_service` = remote_hostgroup,
   `upstream_address` = remote_address, `upstream_port` = port, `process_name`, `protocol`);
   `downstream` (the same but `downstream_service`, `downstream_address`, and `port` = port);
   both with `service_dependency=1i`.
3. Those points go into a throwaway influxd; the rows are InfluxDB's answers to the original
   tool's reference queries over `[at - window, at)`, exactly as for the vectors above, so
   only ticks `at - window <= t < at` count.

Two checks keep the oracle honest: the script computes every case's rows again from the
written rules alone (`tests/oracle/exporter_model.py`: closed ranges, irate of the last two
samples, the anchored matchers, the sums, the threshold, the ticks) and fails if they differ
from the real chain's; and it fails if the worked example below is not what the chain gives.
`prometheus_vectors.py --random N [--seed S]` repeats the first check on random fleets (scrape
jitter, gaps, resets, excluded labels, arbitrary float rates, where an integer may differ by 1
with the summation order) and writes nothing.

The inputs are the same samples in the shapes users have; empty labels are absent everywhere:
- `exporter-<case>/input.lp`: Prometheus `remote_write` into InfluxDB 1.x, exported as
  `influx_inspect` would (floats like Go's `%g`: `2.4e+06`): measurement = metric name, tags =
  every label including `__name__`, `job`, `instance`, one float field `value`, ns times;
- `exporter-<case>-telegraf-v1/input.lp` (`fleet`, `missing-labels`): Telegraf
  `inputs.prometheus` with `metric_version = 1`: measurement = metric name, field `gauge`
  (every planet metric is declared gauge), tags = labels + `url` (`http://<instance>/metrics`,
  in the role of `instance`) + `host`, no `__name__`, `job` or `instance`; floats without
  exponent;
- `exporter-<case>-telegraf-v2/input.lp` (`fleet`, `missing-labels`): the same with
  `metric_version = 2`: measurement `prometheus`, field key = metric name;
- `exporter-<case>-prometheus-json/input.json` (`fleet`, `missing-labels`, `range-edges`): the
  real Prometheus's answer to `/api/v1/query?query={__name__=~"planet_.*"}[<range>]&time=<at>`,
  a matrix of the raw samples up to `at` (samples after `at` are only in the other shapes; no
  tick uses them).

What the rows show (Prometheus 2.x; Prometheus 3 differs on the first point):
- a range `[T - r, T]` includes both ends (`range-edges`: a 30 s scrape has both its samples in
  one irate range);
- backfilled blocks carry no staleness markers (nor does InfluxDB), so a stopped series keeps
  its last rate while two of its samples remain in the range (`start-stop`);
- irate uses only the last two samples in range; a drop is a reset and the new value counts as
  the increase (`counter-reset`);
- the threshold applies to the sum over instances, strictly above 1000 (`threshold`);
- the exclusion regexes are fully anchored, and `f.*` also drops every remote domain or address
  starting with `f` (`frontend...`: `fleet`, `exclusions`);
- a dependency scraped only in the second half of each 30 s period is never seen
  (`second-half`); irate needs two samples in 30 s: exactly 15 s scrapes still give a value at
  every tick, 20 s scrapes at about half the ticks (`scrape-15s`); real scrape jitter makes 15 s
  fragile.

Every rate in these cases is a multiple of 1/8 byte/s and every counter increment exactly rate
times interval, so every sample, irate, product and sum is exact in binary floating point and
every tick's value an integer: no integer column depends on summation order here (MEAN of
integers below 2^53 is one exact sum and one division).

### Worked example (checked by the script: it fails if the oracle disagrees)
`exporter-fleet`, egress api (api.service.consul) -> db (db.service.consul):
- samples: instance 10.0.0.1:9100 scrapes every 10 s at :00; its counter to remote_ip 10.0.2.1
  grows 1000 B/s (10000 bytes per scrape) until 13:52:00, then 2000 B/s; to 10.0.2.2 125 B/s.
  Instance 10.0.0.2:9100 scrapes every 10 s at +2.5 s; to 10.0.2.1 500 B/s.
- tick 13:50:00, T = 13:49:45: irate takes the last two samples in [13:49:15, 13:49:45]:
  10.0.0.1: 13:49:30 and 13:49:40, (10000 bytes) / 10 s = 1000 B/s, plus 1250 / 10 = 125 B/s;
  10.0.0.2: 13:49:32.5 and 13:49:42.5, 5000 / 10 = 500 B/s.
- sum by instance, * 8: 1125 * 8 = 9000 and 500 * 8 = 4000; summed over instances: 13000 >
  1000, kept. The same at every tick from 13:44:30 (the first with two samples of each
  instance) to 13:52:00: 16 ticks of 13000.
- tick 13:52:30, T = 13:52:15: 10.0.0.1's last pair is 13:52:00 and 13:52:10 (2000 B/s):
  (2125 * 8) + 4000 = 21000; 15 ticks (13:52:30 .. 13:59:30) of 21000.
- row: min 13000, max 21000, mean (16 * 13000 + 15 * 21000) / 31 = 523000 / 31 = 16870.97,
  truncated: 16870.

| case | traffic rows | dependency rows | covers |
|---|---|---|---|
"""


def readme_section(lines):
    return README_MARKER + "\n" + README_HEAD + "".join(lines)


def splice_readme(path, section):
    """Replaces the exporter section of tests/vectors/README.md (from the marker on), keeping
    what make_vectors.py wrote before it."""
    with open(path) as f:
        text = f.read()
    head = text.split(README_MARKER)[0].rstrip("\n") + "\n\n"
    return head + section


def generate(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    lines = []
    with ix.Server() as influx:
        for c in CASES:
            names, traffic, dependency = build_case(influx, c, out_dir)
            if c["name"] == PREFIX + "fleet":
                worked_example(traffic)
            check_model(c, traffic, dependency)
            for name in names:
                about = c["about"] if name == c["name"] else f"`{c['name']}` as {name[len(c['name']) + 1:]} input"
                lines.append(f"| `{name}` | {len(traffic)} | {len(dependency)} | {about} |\n")
            print(f"{c['name']}: {len(traffic)} traffic, {len(dependency)} dependency rows", file=sys.stderr)
    with open(os.path.join(out_dir, "README-exporter.md"), "w") as f:
        f.write(readme_section(lines))


# ---------------------------------------------------------------------------------------------
# Random fleets: the written semantics against the real chain beyond the hand-written cases.

# Mostly values that pass the matchers, some that do not.
POOL_HOSTGROUPS = ["api", "db", "web", "api", "db", "web", ""]
POOL_DOMAINS = ["api.consul", "db.consul", "web.consul", "api.consul", "db.consul", "", "frontend.consul",
                "52.example", "x.prometheus.y"]
POOL_IPS = ["10.0.0.7", "10.0.0.8", "10.0.0.7", "10.0.0.8", "", "100.64.0.1", "52.1.2.3", "152.1.2.3"]
POOL_PORTS = ["80", "443", "5432", "80", "443", "", "220", "22", "8500"]
POOL_ADDRESSES = ["db.consul", "api.consul", "cache.consul", "db.consul", "", "localhost", "10.0.0.9",
                  "frontend.consul"]


def jittered_scrapes(rng, first_ms, last_ms, every_ms, jitter_ms, gap_chance):
    out, t = [], first_ms
    while t <= last_ms:
        if rng.random() >= gap_chance:
            out.append(t + rng.randint(-jitter_ms, jitter_ms))
        t += every_ms
    return sorted(set(out))


def random_case(rng, n):
    at = ix.parse_rfc3339(AT) // MS
    instances = [f"10.1.0.{i}:9100" for i in range(rng.randint(1, 4))]
    series_list = []
    for instance in instances:
        every = rng.choice([5000, 7500, 10000, 15000, 20000])
        first = at - rng.randint(15, 70) * 60_000 + rng.randint(0, every)
        last = at - rng.randint(0, 10) * 60_000
        jitter = rng.choice([0, 0, 50, 400])
        gaps = rng.choice([0, 0, 0.05, 0.2])
        for _ in range(rng.randint(2, 6)):
            times = jittered_scrapes(rng, first, last, every, jitter, gaps)
            value, samples = rng.uniform(0, 1e6), []
            for i, t in enumerate(times):
                if i:
                    value += rng.uniform(0, 400) * (t - times[i - 1]) / 1000
                if rng.random() < 0.02:
                    value = rng.uniform(0, 5000)
                samples.append((t, value))
            labels = traffic(rng.choice(["ingress", "egress", "egress", "other"]), rng.choice(POOL_HOSTGROUPS),
                             rng.choice(POOL_DOMAINS), rng.choice(POOL_HOSTGROUPS), rng.choice(POOL_DOMAINS),
                             rng.choice(POOL_IPS))
            series_list.append(series(TRAFFIC_METRIC, instance, labels, samples))
        for _ in range(rng.randint(1, 5)):
            times = jittered_scrapes(rng, first, last, every, jitter, gaps)
            labels = dep(rng.choice(POOL_HOSTGROUPS), rng.choice(POOL_DOMAINS), rng.choice(POOL_HOSTGROUPS),
                         rng.choice(POOL_ADDRESSES), rng.choice(POOL_PORTS), rng.choice(["tcp", "udp", ""]),
                         rng.choice(["app", "app", ""]))
            series_list.append(gauge(rng.choice(["planet_upstream", "planet_downstream"]), instance, labels, times))
    return {"name": f"random-{n}", "series": series_list, "shapes": (),
            "options": {"profile": "planet-exporter", "at": AT, "trafficWindow": "1h", "dependencyWindow": "2h"}}


def close_enough(real, modelled):
    """Same rows; an integer column may differ by 1 where float summation order does."""
    if len(real) != len(modelled):
        return False
    for a, b in zip(real, modelled):
        for column in a:
            if a[column] != b[column] and not (isinstance(a[column], int) and abs(a[column] - b[column]) <= 1):
                return False
    return True


def random_fleets(count, seed):
    import random

    rng = random.Random(seed)
    failures = 0
    out_dir = tempfile.mkdtemp(prefix="planet-exporter-random-")
    try:
        with ix.Server() as influx:
            for n in range(count):
                c = random_case(rng, n)
                _, traffic_rows, dependency_rows = build_case(influx, c, out_dir)
                opts = c["options"]
                model = exporter_model.rows(c["series"], ix.parse_rfc3339(opts["at"]),
                                            ix.parse_duration(opts["trafficWindow"]),
                                            ix.parse_duration(opts["dependencyWindow"]))
                ok = close_enough(traffic_rows, model[0]) and dependency_rows == model[1]
                exact = traffic_rows == model[0]
                print(f"random-{n}: {len(traffic_rows)} traffic, {len(dependency_rows)} dependency rows: "
                      f"{'exact' if exact else 'within 1' if ok else 'DIFFERENT'}", file=sys.stderr)
                if not ok:
                    failures += 1
                    print(json.dumps({"case": c, "real": [traffic_rows, dependency_rows], "model": model}),
                          file=sys.stderr)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    print(f"random fleets: {count - failures} of {count} agree (seed {seed})")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="write the exporter vectors here instead of tests/vectors")
    parser.add_argument("--check", action="store_true", help="regenerate into a temporary directory and diff")
    parser.add_argument("--random", type=int, metavar="N",
                        help="write nothing: compare the written semantics with the real chain on N random fleets")
    parser.add_argument("--seed", type=int, default=1, help="seed of --random")
    args = parser.parse_args()
    if args.random:
        return random_fleets(args.random, args.seed)
    if args.check:
        tmp = tempfile.mkdtemp(prefix="planet-exporter-vectors-")
        try:
            generate(tmp)
            problems = []
            committed = sorted(n for n in os.listdir(VECTORS) if n.startswith(PREFIX))
            fresh = sorted(n for n in os.listdir(tmp) if n.startswith(PREFIX))
            problems += [f"only in committed vectors: {n}" for n in committed if n not in fresh]
            problems += [f"only in regenerated vectors: {n}" for n in fresh if n not in committed]
            for n in sorted(set(committed) & set(fresh)):
                problems += make_vectors.diff_trees(os.path.join(VECTORS, n), os.path.join(tmp, n))
            with open(os.path.join(tmp, "README-exporter.md")) as f:
                section = f.read()
            readme = os.path.join(VECTORS, "README.md")
            with open(readme) as f:
                if f.read() != splice_readme(readme, section):
                    problems.append("tests/vectors/README.md: the exporter section differs")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if problems:
            print("\n".join(problems))
            print(f"exporter vectors differ from what Prometheus + InfluxDB answer now ({len(problems)} problem(s)): "
                  "run `make vectors-exporter-regen`")
            return 1
        print(f"vectors-exporter-check: the {len(CASES)} committed exporter cases are exactly what Prometheus and "
              "InfluxDB answer")
        return 0
    if args.out:
        generate(args.out)
        return 0
    tmp = tempfile.mkdtemp(prefix="planet-exporter-vectors-")
    try:
        generate(tmp)
        for n in os.listdir(VECTORS):
            if n.startswith(PREFIX):
                shutil.rmtree(os.path.join(VECTORS, n))
        for n in os.listdir(tmp):
            if n.startswith(PREFIX):
                shutil.copytree(os.path.join(tmp, n), os.path.join(VECTORS, n))
        with open(os.path.join(tmp, "README-exporter.md")) as f:
            section = f.read()
        readme = os.path.join(VECTORS, "README.md")
        text = splice_readme(readme, section)
        with open(readme, "w") as f:
            f.write(text)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
