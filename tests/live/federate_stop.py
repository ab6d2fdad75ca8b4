#!/usr/bin/env python3
"""`planet-bq federate` (the cron loop) stopped by SIGTERM, against a real Prometheus 2.x and a
real influxd 1.x, with influxd down so that points are pending when the signal comes.

The loop runs with a schedule of one or two seconds a minute, shifted by
`-cron-job-time-offset` onto the samples of federate.py's fleet, so each tick's points are
known exactly (planet-federator's queries evaluated by Prometheus, federate.go_points):

1. Pending points flushed on stop: influxd is down during two ticks (their points stay
   pending), comes back, then SIGTERM: federate writes the pending points once more and exits
   0; influxd then holds exactly the two ticks' points.
2. A tick in flight, then points lost: influxd is down and stays down; SIGTERM comes while the
   tick's write is being retried. The tick still ends (its `federated` line comes after the
   signal), no new tick starts, the last attempt is a single one (no retry after the stop line),
   and the exit status is 1 with an error that counts the lost points and gives the
   `federate --from --to` command that writes them again. That command, once influxd is back,
   writes exactly that tick's points.

Standard library only.
"""

import argparse
import atexit
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "oracle"))
sys.path.insert(0, HERE)
import influxlib  # noqa: E402
import promlib  # noqa: E402
from federate import compare, fail, go_points, restart_influxd, stop_influxd, stored_points, wait_ping  # noqa: E402
from federate_fleet import START_MS, fleet  # noqa: E402
from prometheus_source import series_of  # noqa: E402

VECTOR = os.path.join(ROOT, "tests", "vectors", "exporter-fleet")
CHILDREN = []  # federate and restarted influxd processes, killed if the test ends early


@atexit.register
def kill_children():
    for proc in CHILDREN:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def parse_time(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class Federate:
    """`planet-bq federate` in its cron loop, its JSON log lines read as they come."""

    def __init__(self, binary, prom, influx, seconds, offset_s, extra):
        # What a replay (`--from --to`) needs the same: servers, schedule, offset.
        self.same = [binary, "federate", "-prometheus-addr", prom.url + "/", "-influxdb-addr", influx.url,
                     "--influxdb-write-api", "v1", "--influxdb-database", influxlib.DB,
                     "-cron-job-schedule", f"{','.join(str(s) for s in seconds)} * * * * *",
                     "-cron-job-time-offset", f"{offset_s}s"]
        self.cmd = self.same + ["--log-format", "json", *extra]
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        CHILDREN.append(self.proc)
        self.lines = []  # every stderr line, parsed when JSON
        self.error = ""  # the final `error: ...` line

    def until(self, predicate, what, limit=120):
        """Reads log lines until one satisfies `predicate`; fails if the process ends first."""
        for raw in self.proc.stderr:
            line = self.record(raw)
            if line is not None and predicate(line):
                return line
            if len(self.lines) > 10_000:
                break
        fail(f"federate ended before {what}:\n{self.log_text()}")

    def record(self, raw):
        raw = raw.rstrip("\n")
        if raw.startswith("error: "):
            self.error = raw
            self.lines.append({"message": raw})
            return None
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            line = {"message": raw}
        self.lines.append(line)
        return line

    def finish(self):
        """Waits for the exit; the rest of the log; the exit status."""
        for raw in self.proc.stderr:
            self.record(raw)
        return self.proc.wait(timeout=120)

    def log_text(self):
        return "\n".join(json.dumps(line) for line in self.lines)

    def index(self, predicate):
        return next((i for i, line in enumerate(self.lines) if predicate(line)), None)


def stop_child(proc):
    """Stops an influxd this script restarted (its child: waited for, not polled)."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        fail("influxd did not stop within 30 s")


def federated(line):
    return line.get("message") == "federated"


def next_seconds(count, gap):
    """`count` second-of-minute values starting 4 s from now, `gap` apart: the loop's only ticks
    for the next minute, so nothing else ticks while the test acts."""
    now = int(time.time())
    return [(now + 4 + i * gap) % 60 for i in range(count)]


def offset_onto_fleet(seconds_ahead=4):
    """Whole seconds that move the next ticks onto the fleet's samples (two minutes in)."""
    target = START_MS // 1000 + 120
    return target - (int(time.time()) + seconds_ahead)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="the planet-bq binary")
    args = parser.parse_args()
    series = series_of(os.path.join(VECTOR, "input.lp")) + fleet()
    with promlib.Prometheus(series) as prom, influxlib.Server() as influx:
        # 1. Pending points flushed on SIGTERM.
        influx.reset()
        stop_influxd(influx.dir)
        offset = offset_onto_fleet()
        fed = Federate(args.bin, prom, influx, next_seconds(2, 2), offset, ["--retries", "0"])
        ticks = []
        for _ in range(2):
            line = fed.until(federated, "a tick")
            if not line.get("pending"):
                fail(f"influxd is down, yet the tick left no point pending:\n{fed.log_text()}")
            ticks.append(parse_time(line["tick"]))
        pending = fed.lines[-1]["pending"]
        influxd = restart_influxd(influx.dir)
        CHILDREN.append(influxd)
        wait_ping(influx.url)
        fed.proc.send_signal(signal.SIGTERM)
        status = fed.finish()
        if status != 0:
            fail(f"federate exited {status} after flushing on SIGTERM\n{fed.log_text()}")
        stop = fed.index(lambda l: l.get("message", "").startswith("stopping"))
        if stop is None or fed.lines[stop].get("signal") != "SIGTERM" or fed.lines[stop].get("pending") != pending:
            fail(f"no stop line naming SIGTERM and the {pending} pending points:\n{fed.log_text()}")
        flushed = fed.index(lambda l: l.get("message") == "flushed the pending points")
        if flushed is None or fed.lines[flushed].get("written") != pending:
            fail(f"the {pending} pending points were not written on stop:\n{fed.log_text()}")
        if sum(1 for line in fed.lines if federated(line)) != 2:
            fail(f"a tick ran after SIGTERM:\n{fed.log_text()}")
        want = go_points(prom, ticks[0]) | go_points(prom, ticks[1])
        if len(want) != pending:
            fail(f"the oracle has {len(want)} points for the two ticks, federate had {pending} pending")
        compare(stored_points(influx), want, "points flushed on SIGTERM")
        print(f"ok - SIGTERM with influxd back: the {pending} pending points of 2 ticks are written, exit 0")

        # 2. SIGTERM during a tick whose write is being retried; influxd stays down.
        influx.reset()
        stop_child(influxd)
        offset = offset_onto_fleet()
        fed = Federate(args.bin, prom, influx, next_seconds(1, 0), offset,
                       ["--retries", "3", "--retry-delay", "2s", "-cron-job-timeout-second", "60"])
        fed.until(lambda l: "retrying" in l.get("message", ""), "a retried write")
        fed.proc.send_signal(signal.SIGTERM)
        signalled = len(fed.lines)
        status = fed.finish()
        if status != 1:
            fail(f"federate exited {status}, not 1, with points lost\n{fed.log_text()}")
        done = fed.index(federated)
        if done is None or done < signalled:
            fail(f"the tick in flight did not end after SIGTERM:\n{fed.log_text()}")
        tick, lost = parse_time(fed.lines[done]["tick"]), fed.lines[done]["pending"]
        stop = fed.index(lambda l: l.get("message", "").startswith("stopping"))
        if stop is None or stop < done:
            fail(f"no stop line after the tick:\n{fed.log_text()}")
        if any("retrying" in line.get("message", "") for line in fed.lines[stop:]):
            fail(f"the last attempt after the stop was retried:\n{fed.log_text()}")
        if sum(1 for line in fed.lines if federated(line)) != 1:
            fail(f"a tick ran after SIGTERM:\n{fed.log_text()}")
        match = re.search(r"error: (\d+) point\(s\) could not be written to InfluxDB and are lost: "
                          r"the ticks stamped (\S+) to (\S+); `planet-bq federate --from (\S+) --to (\S+)`", fed.error)
        if not match:
            fail(f"the error does not say what is lost and how to write it again: {fed.error!r}")
        if int(match[1]) != lost or parse_time(match[2]) != tick or parse_time(match[3]) != tick:
            fail(f"the error names {match[1]} points of {match[2]}..{match[3]}, the tick was {lost} points at "
                 f"{fed.lines[done]['tick']}")
        print(f"ok - SIGTERM during a retried write: the tick ends, one last attempt, exit 1 naming the {lost} lost points")

        # The command the error gives writes them again.
        influxd = restart_influxd(influx.dir)
        CHILDREN.append(influxd)
        wait_ping(influx.url)
        replay = subprocess.run(fed.same + ["--from", match[4], "--to", match[5], "--retries", "0"],
                                capture_output=True, text=True)
        if replay.returncode != 0:
            fail(f"the replay command failed:\n{replay.stderr}")
        want = go_points(prom, tick)
        if len(want) != lost:
            fail(f"the oracle has {len(want)} points for the tick, federate had {lost} pending")
        compare(stored_points(influx), want, "points written again by the command of the error")
        print("ok - the command in the error writes exactly the lost tick's points")
        stop_child(influxd)


if __name__ == "__main__":
    main()
