"""A real Prometheus 2.x as the oracle of the `planet-exporter` profile.

Python 3 standard library only. Samples are loaded with `promtool tsdb create-blocks-from
openmetrics` (explicit timestamps, so nothing waits for real time), then a throwaway
`prometheus` with no scrape jobs answers planet-federator's own PromQL.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PROMQL_DIR = os.path.join(HERE, "promql")


def federator_query(name):
    """planet-federator's PromQL text (tests/oracle/promql/NAME.txt) without the comment lines."""
    with open(os.path.join(PROMQL_DIR, f"{name}.txt")) as f:
        return "".join(line for line in f if not line.startswith("#"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def om_escape(value):
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def om_timestamp(ms):
    """OpenMetrics timestamps are seconds; milliseconds as an exact decimal fraction."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def openmetrics(series):
    """OpenMetrics text of every series: one family per metric (families not interleaved, as
    the format requires), every sample with its timestamp, `# EOF` at the end. Every planet
    metric is declared `gauge`, as planet-exporter declares them."""
    by_metric = {}
    for s in series:
        by_metric.setdefault(s["labels"]["__name__"], []).append(s)
    out = []
    for metric in sorted(by_metric):
        out.append(f"# TYPE {metric} gauge\n")
        for s in by_metric[metric]:
            labels = ",".join(f'{k}="{om_escape(v)}"' for k, v in sorted(s["labels"].items()) if k != "__name__")
            for ms, value in s["samples"]:
                out.append(f"{metric}{{{labels}}} {float(value)!r} {om_timestamp(ms)}\n")
    out.append("# EOF\n")
    return "".join(out)


class Prometheus:
    """A throwaway prometheus on loopback over TSDB blocks made from the given series."""

    def __init__(self, series):
        for tool in ("prometheus", "promtool"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} not installed: run tests/scripts/ensure-prometheus.sh")
        self.dir = tempfile.mkdtemp(prefix="planet-oracle-prometheus-")
        data = os.path.join(self.dir, "data")
        os.makedirs(data)
        source = os.path.join(self.dir, "samples.om")
        with open(source, "w") as f:
            f.write(openmetrics(series))
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", source, data],
                       check=True, capture_output=True)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            # No scrape jobs: the only samples are the backfilled ones.
            f.write("global:\n  evaluation_interval: 1h\n")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
             f"--web.listen-address=127.0.0.1:{port}",
             # The samples are in the past: keep them whatever their age.
             "--storage.tsdb.retention.time=100y"],
            stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready()
        except Exception:
            self.stop()
            raise

    def _wait_ready(self):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus did not become ready")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def raw_query(self, query, at_ms):
        """The body of an `/api/v1/query` answer at a time in ms, exactly as the server sent it."""
        args = urllib.parse.urlencode({"query": query, "time": om_timestamp(at_ms)})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{args}", timeout=60) as resp:
            return resp.read()

    def query(self, query, at_ms):
        answer = json.loads(self.raw_query(query, at_ms))
        if answer.get("status") != "success":
            raise RuntimeError(f"prometheus: {answer} for {query}")
        if answer.get("warnings"):
            raise RuntimeError(f"prometheus warned: {answer['warnings']} for {query}")
        return answer["data"]
