#!/usr/bin/env python3
"""`planet-bq federate` between a real Prometheus 2.x and a real influxd 1.x.

The samples of an exporter vector (tests/vectors/exporter-fleet/input.lp) and of a bigger fleet
made up in federate_fleet.py (eight hostgroups, 64 traffic and 64 dependency groups, and what
planet-federator's queries leave out) are loaded into a throwaway Prometheus (promtool blocks);
`planet-bq federate --from --to` writes every tick of their time range into a throwaway influxd
over the v1 `/write` API. Then:

1. the points read back from influxd are exactly planet-federator's: for every tick t, its
   three PromQL queries (tests/oracle/promql/) evaluated by Prometheus at t - 15s, mapped as
   its Go code maps them (federator/influxdb/influxdb.go: measurement `ingress`/`egress`, any
   other direction `unknown`; its tags, empty ones left out; `bandwidth_bps` float,
   `service_dependency` integer 1; time t);
2. `planet-bq once all` (default profile) on that influxd writes the same rows as
   `planet-bq once all --source prometheus` straight from Prometheus (at least 50 traffic rows
   and 50 dependency rows, so the comparison covers many groups);
3. with influxd stopped when the run starts and started again while the first write is being
   retried, the run still writes every point (nothing lost).

Standard library only.
"""

import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle"))
sys.path.insert(0, HERE)
import influxlib  # noqa: E402
import promlib  # noqa: E402
from federate_fleet import fleet  # noqa: E402
from prometheus_source import outputs, read, series_of  # noqa: E402

VECTOR = os.path.join(ROOT, "tests", "vectors", "exporter-fleet")
MEASUREMENTS = ("ingress", "egress", "unknown", "upstream", "downstream")
TICK_MS = 30_000


def fail(message):
    sys.exit(f"FAIL - {message}")


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{' '.join(cmd)}\n{result.stdout}{result.stderr}")
    return result


def rfc3339_ms(ms):
    return influxlib.rfc3339(ms * 1_000_000)


def go_points(prom, tick_ms):
    """planet-federator's points of one tick: its queries at t - 15s, mapped as its Go code does."""
    points = set()
    at = tick_ms - 15_000
    for name in ("traffic", "upstream", "downstream"):
        data = prom.query(promlib.federator_query(name), at)
        for sample in data["result"]:
            m = sample["metric"]
            value = sample["value"][1]
            if name == "traffic":
                direction = m.get("direction", "")
                measurement = direction if direction in ("ingress", "egress") else "unknown"
                tags = {"service": m.get("local_hostgroup", ""), "address": m.get("local_domain", ""),
                        "remote_service": m.get("remote_hostgroup", ""), "remote_address": m.get("remote_domain", "")}
                field = ("bandwidth_bps", float(value))
            else:
                measurement = name
                tags = {"service": m.get("local_hostgroup", ""), "address": m.get("local_address", ""),
                        "process_name": m.get("process_name", ""), "protocol": m.get("protocol", "")}
                if name == "upstream":
                    tags.update({"upstream_service": m.get("remote_hostgroup", ""),
                                 "upstream_address": m.get("remote_address", ""), "upstream_port": m.get("port", "")})
                else:
                    tags.update({"port": m.get("port", ""), "downstream_service": m.get("remote_hostgroup", ""),
                                 "downstream_address": m.get("remote_address", "")})
                field = ("service_dependency", 1)
            tags = tuple(sorted((k, v) for k, v in tags.items() if v))
            points.add((measurement, tags, field, tick_ms * 1_000_000))
    return points


def stored_points(influx):
    """Every point of the federator's measurements in influxd, with its field's stored type."""
    points = set()
    for measurement in MEASUREMENTS:
        types = influxlib.field_types(influx, measurement)
        answer = influx.query_json(f'SELECT * FROM "{measurement}" GROUP BY *', epoch="ns")
        for result in answer.get("results", []):
            for series in result.get("series", []) or []:
                tags = tuple(sorted((k, v) for k, v in (series.get("tags") or {}).items() if v))
                columns = series["columns"]
                for row in series["values"]:
                    values = dict(zip(columns, row))
                    for name, kind in types.items():
                        if values.get(name) is None:
                            continue
                        value = values[name]
                        if kind == "integer":
                            value = int(value)
                        elif kind == "float":
                            value = float(value)
                        else:
                            fail(f"{measurement}.{name} stored as {kind}")
                        if name == "service_dependency" and kind != "integer":
                            fail(f"service_dependency stored as {kind}, planet-federator writes an integer")
                        points.add((measurement, tags, (name, value), values["time"]))
    return points


def compare(got, want, what):
    if got != want:
        missing = sorted(want - got)[:5]
        extra = sorted(got - want)[:5]
        fail(f"{what}: {len(got)} points stored, {len(want)} expected\nmissing: {missing}\nextra: {extra}")


def restart_influxd(directory):
    """influxd again on the same config (port, data) that tests/scripts/influxd.sh wrote."""
    log = open(os.path.join(directory, "influxd.log"), "ab")
    proc = subprocess.Popen(["influxd", "run", "-config", os.path.join(directory, "influxd.conf")],
                            stdout=log, stderr=subprocess.STDOUT)
    with open(os.path.join(directory, "influxd.pid"), "w") as f:
        f.write(str(proc.pid))
    return proc


def stop_influxd(directory):
    with open(os.path.join(directory, "influxd.pid")) as f:
        pid = int(f.read().strip())
    os.kill(pid, signal.SIGTERM)
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    # influxd.sh started it in the background of a shell: not our child, so poll only.
    fail("influxd did not stop within 10 s")


def wait_ping(url):
    for _ in range(400):
        try:
            with urllib.request.urlopen(url + "/ping", timeout=1) as resp:
                if resp.status == 204:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    fail("influxd did not answer /ping after its restart")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="the planet-bq binary")
    args = parser.parse_args()
    series = series_of(os.path.join(VECTOR, "input.lp")) + fleet()
    times = [ms for s in series for ms, _ in s["samples"]]
    # Every tick whose ranges ([t - 45s, t - 15s]) can hold a sample.
    first = (min(times) // TICK_MS + 1) * TICK_MS
    last = (max(times) + 45_000) // TICK_MS * TICK_MS + TICK_MS
    ticks = list(range(first, last, TICK_MS))
    options = json.loads(read(os.path.join(VECTOR, "options.json")))
    with promlib.Prometheus(series) as prom, influxlib.Server() as influx, tempfile.TemporaryDirectory() as work:
        influx.reset()
        want = set()
        for t in ticks:
            want |= go_points(prom, t)
        if not any(p[0] in ("ingress", "egress") for p in want) or not any(p[0] == "upstream" for p in want):
            fail("the oracle found no traffic or no upstream point: the vector does not exercise federate")
        federate = [args.bin, "federate", "-prometheus-addr", prom.url + "/", "-influxdb-addr", influx.url,
                    "--influxdb-write-api", "v1", "--influxdb-database", influxlib.DB,
                    "-influxdb-batch-size", "7", "--from", rfc3339_ms(first), "--to", rfc3339_ms(last),
                    "-log-disable-colors"]
        result = run(federate + ["--retries", "0"])
        if result.stderr.count("federated") != len(ticks):
            fail(f"expected one log line per tick ({len(ticks)}):\n{result.stderr}")
        compare(stored_points(influx), want, "federate into influxd")
        print(f"ok - federate wrote {len(want)} points over {len(ticks)} ticks, equal to planet-federator's "
              "queries evaluated by Prometheus and mapped as its Go code maps them")

        # The tables from what federate wrote equal the tables straight from Prometheus.
        window = ["--traffic-window", options["trafficWindow"], "--dependency-window", options["dependencyWindow"],
                  "--retries", "0", "--log-disable-colors"]
        via_influx, direct = os.path.join(work, "via-influxdb"), os.path.join(work, "direct")
        run([args.bin, "once", "all", "--at", options["at"], "--out", via_influx, "--influxdb-addr", influx.url,
             "--state-file", os.path.join(work, "state-influx.json"), *window])
        run([args.bin, "once", "all", "--at", options["at"], "--out", direct, "--source", "prometheus",
             "--prometheus-addr", prom.url, "--state-file", os.path.join(work, "state-prom.json"), *window])
        got, expected = outputs(via_influx), outputs(direct)
        if got != expected:
            fail(f"once on federate's points differs from once --source prometheus\n--- via influxdb\n{got}\n--- direct\n{expected}")
        rows = {job: sum(text.count("\n") for text in texts) for job, texts in expected.items()}
        if rows["traffic"] < 50 or rows["dependency"] < 50:
            fail(f"too few rows for the comparison to cover many groups: {rows}")
        print("ok - once (default profile) on federate's points gives the rows of once --source prometheus "
              f"({rows['traffic']} traffic rows, {rows['dependency']} dependency rows)")

        # influxd down when the writes start, back while they are retried: nothing lost.
        influx.reset()
        stop_influxd(influx.dir)
        proc = subprocess.Popen(federate + ["--retries", "5", "--retry-delay", "1s"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        restart_influxd(influx.dir)
        wait_ping(influx.url)
        out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            fail(f"federate with influxd restarted exited {proc.returncode}\n{out}{err}")
        if "retrying" not in err:
            fail(f"no retry was logged while influxd was down:\n{err}")
        compare(stored_points(influx), want, "federate with influxd stopped, then started")
        print("ok - influxd stopped when federate starts writing and started again: the writes are retried, no point is lost")


if __name__ == "__main__":
    main()
