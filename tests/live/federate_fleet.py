"""A planet-exporter fleet for the federate tests, made up here (deterministic), in promlib's
series shape: eight hostgroups of two hosts each, scraped every 10 s from 13:45 to 13:58 UTC on
2026-11-20 (inside the windows of the exporter-fleet vector, whose samples go with it).

- Traffic: every hostgroup sends to the next four (`egress` on the sender, `ingress` on the
  receiver): 64 (direction, local, remote) groups. The first of the four is sent from both
  hosts (Prometheus sums the instances). The rates vary per sample; the fourth pair's ingress
  crosses planet-federator's 1000 bit/s threshold both ways; one counter is reset midway.
- Dependencies: every hostgroup calls the next four on their service port (`upstream` on the
  caller, `downstream` on the callee): 64 groups. Some gauges stop before the end.
- What planet-federator's queries exclude, mixed in: an ssh upstream (port 22), a DNS one
  (port 53, udp), a remote address that is an IP, traffic from an excluded address range.

Standard library only.
"""

import random

START_MS = 1_795_183_200_000 - 15 * 60_000  # 2026-11-20T13:45:00Z
END_MS = 1_795_183_200_000 - 2 * 60_000  # 13:58:00Z (exclusive)
STEP_MS = 10_000
GROUPS = ["web", "api", "auth", "db", "cache", "queue", "search", "billing"]
PORTS = {"web": "443", "api": "8080", "auth": "8443", "db": "5432", "cache": "6379", "queue": "5672",
         "search": "9200", "billing": "8081"}
PEERS = 4


def domain(group):
    return f"{group}.service.consul"


def host_ip(g, host):
    return f"10.20.{g}.{host + 1}"


def instance(g, host):
    return f"{host_ip(g, host)}:9100"


def times():
    return list(range(START_MS, END_MS, STEP_MS))


def traffic_series(rng, labels, low, high, reset_at=None):
    """A bytes counter growing by a random rate in [low, high] bytes/s per step."""
    total, samples = 0.0, []
    for i, ms in enumerate(times()):
        if reset_at is not None and i == reset_at:
            total = 0.0
        total += rng.randint(low, high) * STEP_MS // 1000
        samples.append((ms, total))
    return {"labels": {"__name__": "planet_traffic_bytes_total", "job": "planet-exporter", **labels},
            "samples": samples}


def gauge_series(metric, labels, until_ms=END_MS):
    return {"labels": {"__name__": metric, "job": "planet-exporter", **labels},
            "samples": [(ms, 1.0) for ms in times() if ms < until_ms]}


def fleet():
    rng = random.Random(20261120)
    series = []
    n = len(GROUPS)
    for g, local in enumerate(GROUPS):
        for k in range(1, PEERS + 1):
            r = (g + k) % n
            remote = GROUPS[r]
            # Traffic: egress on local's hosts, ingress on remote's first host.
            senders = (0, 1) if k == 1 else (0,)
            for host in senders:
                series.append(traffic_series(rng, {
                    "direction": "egress", "instance": instance(g, host), "local_hostgroup": local,
                    "local_domain": domain(local), "remote_hostgroup": remote, "remote_domain": domain(remote),
                    "remote_ip": host_ip(r, 0)}, 500, 40_000, reset_at=40 if (g, k, host) == (2, 2, 0) else None))
            # 50-250 bytes/s is 400-2000 bit/s: around the threshold of 1000.
            low, high = (50, 250) if k == PEERS else (300, 30_000)
            series.append(traffic_series(rng, {
                "direction": "ingress", "instance": instance(r, 0), "local_hostgroup": remote,
                "local_domain": domain(remote), "remote_hostgroup": local, "remote_domain": domain(local),
                "remote_ip": host_ip(g, 0)}, low, high))
            # Dependencies: local calls remote on remote's port.
            common = {"protocol": "tcp", "port": PORTS[remote]}
            until = END_MS - 4 * 60_000 if k == 3 else END_MS
            series.append(gauge_series("planet_upstream", {
                **common, "instance": instance(g, 0), "local_hostgroup": local, "local_address": domain(local),
                "process_name": f"{local}-server", "remote_hostgroup": remote, "remote_address": domain(remote)},
                until))
            series.append(gauge_series("planet_downstream", {
                **common, "instance": instance(r, 0), "local_hostgroup": remote, "local_address": domain(remote),
                "process_name": f"{remote}d", "remote_hostgroup": local, "remote_address": domain(local)}, until))
    # What the queries leave out.
    series.append(gauge_series("planet_upstream", {
        "protocol": "tcp", "port": "22", "instance": instance(0, 0), "local_hostgroup": "web",
        "local_address": domain("web"), "process_name": "ssh", "remote_hostgroup": "api",
        "remote_address": domain("api")}))
    series.append(gauge_series("planet_upstream", {
        "protocol": "udp", "port": "53", "instance": instance(1, 0), "local_hostgroup": "api",
        "local_address": domain("api"), "process_name": "api-server", "remote_hostgroup": "dns",
        "remote_address": domain("dns")}))
    series.append(gauge_series("planet_downstream", {
        "protocol": "tcp", "port": "5432", "instance": instance(3, 0), "local_hostgroup": "db",
        "local_address": domain("db"), "process_name": "dbd", "remote_hostgroup": "api",
        "remote_address": "10.20.1.1"}))
    series.append(traffic_series(rng, {
        "direction": "egress", "instance": instance(4, 0), "local_hostgroup": "cache",
        "local_domain": domain("cache"), "remote_hostgroup": "ext", "remote_domain": "ext.example",
        "remote_ip": "192.168.7.7"}, 500, 40_000))
    return series
