#!/usr/bin/env python3
"""Generates planet-federator data as line protocol, deterministically.

    gen.py --end RFC3339 --hours H --pairs N --edges M [--step-seconds S] [--seed X] > data.lp

Traffic: N service pairs per direction (ingress, egress), one point per pair every S seconds
over [end - H hours, end). Dependency: M edges split between upstream and downstream, each seen
in a few random 30 s samples a day over the same range. About one in ten points lacks an
address tag, as InfluxDB drops empty tags. Times are whole seconds (precision=s).
"""
import argparse
import datetime as dt
import random
import sys


def parse_time(text):
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def esc(v):
    return v.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def tags(pairs):
    return ",".join(f"{k}={esc(v)}" for k, v in pairs if v != "")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--end", required=True)
    p.add_argument("--hours", type=int, default=26)
    p.add_argument("--pairs", type=int, default=300)
    p.add_argument("--edges", type=int, default=400)
    p.add_argument("--step-seconds", type=int, default=600)
    p.add_argument("--dependency-samples-per-day", type=int, default=3)
    p.add_argument("--traffic-hours", type=int, default=None, help="traffic only over the last H hours (default: --hours)")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rnd = random.Random(a.seed)
    end = parse_time(a.end)
    start = end - a.hours * 3600
    services = [f"svc{i:04d}" for i in range(max(10, a.pairs // 5))]
    out = sys.stdout
    for direction in ("ingress", "egress"):
        for i in range(a.pairs):
            local = services[i % len(services)]
            remote = services[(i * 7 + 3) % len(services)] if i % 50 else ""
            address = "" if i % 10 == 3 else f"{local}.service.consul"
            remote_address = "" if i % 10 == 5 else f"10.{i // 250}.{i % 250}.{7 if direction == 'ingress' else 9}"
            t_series = tags([("address", address), ("remote_address", remote_address),
                             ("remote_service", remote), ("service", local)])
            base = rnd.uniform(2000, 5_000_000)
            # A per-series phase, so points do not all share the same second.
            traffic_start = end - (a.traffic_hours or a.hours) * 3600
            t = traffic_start + (i * 13) % a.step_seconds
            lines = []
            while t < end:
                value = round(base * rnd.uniform(0.2, 1.8), 3)
                lines.append(f"{direction},{t_series} bandwidth_bps={value} {t}\n")
                t += a.step_seconds
            out.write("".join(lines))
    protocols = ["tcp", "udp"]
    day = 86400
    for i in range(a.edges):
        up = i % 2 == 0
        local = services[i % len(services)]
        remote = services[(i * 11 + 1) % len(services)]
        process = "" if i % 9 == 4 else ["nginx", "java", "envoy", "postgres"][i % 4]
        address = "" if i % 10 == 7 else f"{local}.service.consul"
        port = str(1000 + (i * 37) % 60000)
        if up:
            name = "upstream"
            t_series = tags([("address", address), ("process_name", process), ("protocol", protocols[i % 2]),
                             ("service", local), ("upstream_address", "" if i % 8 == 2 else f"{remote}.service.consul"),
                             ("upstream_port", "" if i % 12 == 6 else port), ("upstream_service", remote)])
        else:
            name = "downstream"
            t_series = tags([("address", address), ("downstream_address", "" if i % 8 == 3 else f"10.1.{i % 250}.{i % 7}"),
                             ("downstream_service", remote), ("port", "" if i % 12 == 1 else port),
                             ("process_name", process), ("protocol", protocols[i % 2]), ("service", local)])
        # Some edges appear only in the first hours, so windows differ.
        days = max(1, (end - start) // day + 1)
        for d in range(days):
            for _ in range(a.dependency_samples_per_day):
                t = start + d * day + rnd.randrange(0, day)
                if start <= t < end and not (i % 5 == 0 and t > start + 6 * 3600):
                    out.write(f"{name},{t_series} service_dependency=1i {t}\n")


if __name__ == "__main__":
    main()
