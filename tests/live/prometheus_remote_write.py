#!/usr/bin/env python3
"""`--profile planet-exporter` against a real influxd filled by a real Prometheus `remote_write`.

Two tiny HTTP servers play planet-exporter (two instances: `/metrics` text whose counters grow
with real time, one of them resetting); a real Prometheus 2.x scrapes them every second and
`remote_write`s every sample into a real influxd 1.x (`/api/v1/prom/write`). remote_write only
sends newly scraped samples, so this test waits for real time (about `--seconds`, default 100).
Once the exporters stop and influxd holds as many samples as Prometheus, the same window is
read three ways and must give the same rows:

- `once --source influxdb --profile planet-exporter` (the raw metrics remote_write stored),
- `once --source prometheus --prometheus-fetch raw`,
- `once --source prometheus --prometheus-fetch pushdown`.

The data path differs, the answer must not. The rows must also hold exactly the groups worked
out by hand below (exclusions, the threshold across instances) and not be empty. Standard
library only.
"""

import argparse
import datetime
import glob
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle"))
import influxlib  # noqa: E402
import promlib  # noqa: E402

LOCAL = {"local_hostgroup": "api", "local_domain": "api.service.consul"}
# (labels, bytes per second on instance 0, on instance 1, seconds between resets or None)
TRAFFIC = [
    # 2 x 300 B/s = 4800 bit/s: kept.
    ({"direction": "egress", "remote_hostgroup": "db", "remote_domain": "db.service.consul", "remote_ip": "10.1.2.3"},
     300, 300, None),
    # 800 + 640 bit/s: each instance under 1000, their sum over it: kept. (Not "frontend":
    # the federator's exclusion `f.*` meant for IPv6 drops every remote_domain starting with f.)
    ({"direction": "ingress", "remote_hostgroup": "web", "remote_domain": "web.service.consul",
      "remote_ip": "10.3.3.3"}, 100, 80, None),
    # One instance, its counter reset every 40 s: kept.
    ({"direction": "egress", "remote_hostgroup": "cache", "remote_domain": "cache.service.consul",
      "remote_ip": "10.4.4.4"}, 500, 0, 40),
    # 60 bit/s: under the threshold.
    ({"direction": "egress", "remote_hostgroup": "tiny", "remote_domain": "tiny.service.consul",
      "remote_ip": "10.5.5.5"}, 7.5, 0, None),
    # Excluded: remote_ip 192.168.*, remote_domain 52.*, no remote_hostgroup.
    ({"direction": "egress", "remote_hostgroup": "nas", "remote_domain": "nas.service.consul",
      "remote_ip": "192.168.1.2"}, 1000, 1000, None),
    ({"direction": "egress", "remote_hostgroup": "s3", "remote_domain": "52.219.32.222", "remote_ip": "10.6.6.6"},
     1000, 0, None),
    ({"direction": "ingress", "remote_hostgroup": "", "remote_domain": "x.service.consul", "remote_ip": "10.7.7.7"},
     1000, 0, None),
]
DEP = {"local_hostgroup": "api", "local_address": "api.service.consul", "process_name": "api", "protocol": "tcp"}
UPSTREAM = [
    {"remote_hostgroup": "db", "remote_address": "db.service.consul", "port": "5432"},
    # Excluded: port 22, remote_address localhost.
    {"remote_hostgroup": "bastion", "remote_address": "bastion.service.consul", "port": "22"},
    {"remote_hostgroup": "redis", "remote_address": "localhost", "port": "6379"},
]
DOWNSTREAM = [{"remote_hostgroup": "web", "remote_address": "web.service.consul", "port": "8080"}]
# Worked out by hand from the lists above.
WANT_TRAFFIC = {("egress", "api", "db"), ("ingress", "api", "web"), ("egress", "api", "cache")}
WANT_DEPENDENCY = {("upstream", "api", "db", None, "5432"), ("downstream", "api", "web", "8080", None)}


def labels_text(labels):
    return ",".join(f'{k}="{promlib.om_escape(v)}"' for k, v in sorted(labels.items()))


class Exporter:
    """One planet-exporter instance: `/metrics` computed from the clock at each scrape."""

    def __init__(self, index, started):
        self.index, self.started = index, started
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = exporter.text().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def text(self):
        elapsed = time.time() - self.started
        out = ["# TYPE planet_traffic_bytes_total gauge\n"]
        for labels, *rates, reset in TRAFFIC:
            rate = rates[self.index]
            if rate == 0:
                continue
            seconds = elapsed % reset if reset else elapsed
            out.append(f"planet_traffic_bytes_total{{{labels_text({**LOCAL, **labels})}}} {1000 + rate * seconds!r}\n")
        if self.index == 0:
            for metric, groups in (("planet_upstream", UPSTREAM), ("planet_downstream", DOWNSTREAM)):
                out.append(f"# TYPE {metric} gauge\n")
                out += [f"{metric}{{{labels_text({**DEP, **g})}}} 1\n" for g in groups]
        return "".join(out)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    """A real Prometheus scraping the exporters every second, remote_writing into influxd."""

    def __init__(self, targets, influx_url):
        self.dir = tempfile.mkdtemp(prefix="planet-remote-write-prometheus-")
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1h
scrape_configs:
  - job_name: planet-exporter
    static_configs:
      - targets: [{", ".join(repr(t) for t in targets)}]
remote_write:
  - url: "{influx_url}/api/v1/prom/write?db={influxlib.DB}"
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
""")
        self.url = f"http://127.0.0.1:{promlib.free_port()}"
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
             f"--web.listen-address={self.url[len('http://'):]}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        promlib.Prometheus._wait_ready(self)

    def count(self, metric):
        """Samples of a metric in the last hour, as Prometheus counts them."""
        q = urllib.parse.urlencode({"query": f"sum(count_over_time({metric}[1h]))"})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{q}", timeout=30) as resp:
            result = json.loads(resp.read())["data"]["result"]
        return int(result[0]["value"][1]) if result else 0

    def stop(self):
        promlib.Prometheus.stop(self)


def influx_count(influx, metric):
    series = influx.series(f'SELECT count("value") FROM "{metric}" WHERE time > now() - 1h')
    return sum(row[1] for s in series for row in s["values"])


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL - {' '.join(cmd)}\n{result.stdout}{result.stderr}")


def rows(directory):
    found = {}
    for job in ("traffic", "dependency"):
        found[job] = sorted(line for path in sorted(glob.glob(os.path.join(directory, f"{job}-*.ndjson")))
                            for line in open(path).read().splitlines())
    found["parsed"] = {job: [json.loads(line) for line in found[job]] for job in ("traffic", "dependency")}
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="the planet-bq binary")
    parser.add_argument("--seconds", type=int, default=100, help="how long Prometheus scrapes")
    args = parser.parse_args()
    metrics = ("planet_traffic_bytes_total", "planet_upstream", "planet_downstream")
    with influxlib.Server() as influx, tempfile.TemporaryDirectory() as work:
        # remote_write needs the database before its first batch.
        influx.reset()
        started = time.time()
        exporters = [Exporter(i, started) for i in range(2)]
        prom = Prometheus([e.address for e in exporters], influx.url)
        try:
            time.sleep(args.seconds)
            for e in exporters:
                e.stop()
            # remote_write lags by its batch deadline: wait until influxd holds every sample.
            deadline = time.monotonic() + 120
            while True:
                counts = {m: (prom.count(m), influx_count(influx, m)) for m in metrics}
                if all(p == i and p > 0 for p, i in counts.values()):
                    break
                if time.monotonic() > deadline:
                    sys.exit(f"FAIL - influxd never caught up with Prometheus (prometheus, influxd): {counts}")
                time.sleep(1)
            print(f"ok - remote_write delivered every sample: {counts}")
            # The window: the hour boundary after the last sample, two hours long (the run may
            # straddle an hour).
            now = datetime.datetime.now(datetime.timezone.utc)
            end = (now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1))
            at = end.strftime("%Y-%m-%dT%H:%M:%SZ")
            common = ["once", "all", "--at", at, "--traffic-window", "2h", "--dependency-window", "2h",
                      "--retries", "0", "--log-disable-colors"]
            ways = {
                "influxdb": ["--source", "influxdb", "--profile", "planet-exporter", "--influxdb-addr", influx.url],
                "prometheus-raw": ["--source", "prometheus", "--prometheus-addr", prom.url, "--prometheus-fetch", "raw"],
                "prometheus-pushdown": ["--source", "prometheus", "--prometheus-addr", prom.url,
                                        "--prometheus-fetch", "pushdown"],
            }
            got = {}
            for name, flags in ways.items():
                out = os.path.join(work, name)
                run([args.bin, *common, *flags, "--out", out, "--state-file", os.path.join(work, f"{name}.json")])
                got[name] = rows(out)
        finally:
            prom.stop()
    base = got["influxdb"]
    for name in ("prometheus-raw", "prometheus-pushdown"):
        for job in ("traffic", "dependency"):
            if got[name][job] != base[job]:
                sys.exit(f"FAIL - {job} rows of {name} differ from --source influxdb --profile planet-exporter\n"
                         f"--- {name}\n" + "\n".join(got[name][job]) + "\n--- influxdb\n" + "\n".join(base[job]))
    traffic = {(r["traffic_direction"], r["local_hostgroup"], r["remote_hostgroup"]) for r in base["parsed"]["traffic"]}
    dependency = {(r["dependency_direction"], r["local_hostgroup"], r["remote_hostgroup"],
                   r["local_hostgroup_address_port"], r["remote_hostgroup_address_port"])
                  for r in base["parsed"]["dependency"]}
    if traffic != WANT_TRAFFIC or dependency != WANT_DEPENDENCY:
        sys.exit(f"FAIL - rows hold other groups than worked out by hand:\ntraffic {traffic}\ndependency {dependency}")
    db = next(r for r in base["parsed"]["traffic"] if r["remote_hostgroup"] == "db")
    # 2 x 300 B/s x 8, give or take the scrape timing (the exporter reads its clock after
    # Prometheus stamps the scrape).
    if not 4000 <= db["traffic_bandwidth_bits_avg_1h"] <= 5600:
        sys.exit(f"FAIL - egress api -> db averages {db['traffic_bandwidth_bits_avg_1h']} bit/s, not about 4800")
    print(f"ok - remote_write into influxd, Prometheus raw and Prometheus push-down give the same rows "
          f"({len(base['traffic'])} traffic, {len(base['dependency'])} dependency)")


if __name__ == "__main__":
    main()
