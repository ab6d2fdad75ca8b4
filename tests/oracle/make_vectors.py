#!/usr/bin/env python3
"""Regenerates tests/vectors/ from a real InfluxDB: the oracle of planet-bq's tables.

For every case: start from an empty database on a throwaway influxd (tests/scripts/influxd.sh),
write the case's hand-written line protocol (defined below), produce the case's INPUT files by
asking the server in the format the case covers, and produce the EXPECTED tables only from the
server's answers to the reference queries of the original tool, with explicit half-open time
bounds [at - window, at). Nothing here calls planet-bq.

    make_vectors.py                 rewrite tests/vectors/
    make_vectors.py --out DIR       write the vectors into DIR (and DIR-known-differences) instead
    make_vectors.py --check         regenerate into a temporary directory and diff with tests/vectors/

Python 3 standard library only.
"""

import argparse
import difflib
import filecmp
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import influxlib as ix  # noqa: E402

VECTORS = os.path.join(ix.REPO, "tests", "vectors")


def lp(text):
    """Hand-written line protocol with readable times: `@2026-11-22T13:00:00Z` becomes ns.

    Lines starting with `#` and blank lines are dropped; everything else is written verbatim.
    """
    out = []
    for line in text.strip("\n").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append(re.sub(r"@(\S+Z)$", lambda m: str(ix.parse_rfc3339(m.group(1))), line))
    return "".join(x + "\n" for x in out)


AT = "2026-11-22T14:00:00Z"

# The common source of the format cases: every format must give the same tables from it.
# Whole seconds only, so that even an `epoch=s` answer loses nothing.
BASE = lp(r"""
# A pair with addresses: on the window start (kept), inside, before (dropped), on the end (dropped).
ingress,service=api,address=api.service.consul,remote_service=frontend,remote_address=frontend.service.consul bandwidth_bps=31367249.298 @2026-11-22T13:00:00Z
ingress,service=api,address=api.service.consul,remote_service=frontend,remote_address=frontend.service.consul bandwidth_bps=2.0730820826e+07 @2026-11-22T13:20:00Z
ingress,service=api,address=api.service.consul,remote_service=frontend,remote_address=frontend.service.consul bandwidth_bps=4349482.793 @2026-11-22T13:59:59Z
ingress,service=api,address=api.service.consul,remote_service=frontend,remote_address=frontend.service.consul bandwidth_bps=99999999 @2026-11-22T14:00:00Z
ingress,service=api,address=api.service.consul,remote_service=frontend,remote_address=frontend.service.consul bandwidth_bps=1 @2026-11-22T12:59:59Z
# No remote_service nor remote_address: REQUIRED "" and NULL.
egress,service=api,address=api.service.consul bandwidth_bps=1500.75 @2026-11-22T13:10:00Z
egress,service=api,address=api.service.consul bandwidth_bps=2500.5 @2026-11-22T13:40:00Z
# No address: NULL. The mean truncates (6823.9 -> 6823).
ingress,service=db,remote_service=api,remote_address=10.0.0.2 bandwidth_bps=6823.9 @2026-11-22T13:30:00Z
# Escapes: spaces, quotes, backslashes (literal in InfluxDB 1.x tags), unicode.
ingress,service=my\ service,address=C:\path\to,remote_service=say\ "hi",remote_address=back\\slash bandwidth_bps=12.5 @2026-11-22T13:30:00Z
egress,service=サービス,address=ünïcode.consul,remote_service=😀 bandwidth_bps=3.5e3 @2026-11-22T13:45:00Z
# No service: left out. Only another field: no row.
ingress,address=orphan.consul,remote_service=api bandwidth_bps=1000 @2026-11-22T13:30:00Z
egress,service=metrics,remote_service=api packets=12 @2026-11-22T13:30:00Z
# Dependencies: one series seen twice, empty tags, ports, escapes, unicode, edges of the 7d window.
upstream,service=frontend,address=10.0.0.1,upstream_service=api,upstream_address=10.0.0.2,upstream_port=8080,process_name=nginx\ worker,protocol=tcp service_dependency=1i @2026-11-20T10:00:00Z
upstream,service=frontend,address=10.0.0.1,upstream_service=api,upstream_address=10.0.0.2,upstream_port=8080,process_name=nginx\ worker,protocol=tcp service_dependency=1i @2026-11-22T13:59:30Z
downstream,service=api,address=10.0.0.2,port=8080,process_name=java,downstream_service=frontend,downstream_address=10.0.0.1,protocol=tcp service_dependency=1i @2026-11-21T00:00:00Z
upstream,service=worker,upstream_service=queue,protocol=udp service_dependency=1i @2026-11-19T12:00:00Z
downstream,service=old,downstream_service=gone,protocol=tcp service_dependency=1i @2026-11-14T00:00:00Z
downstream,service=サービス,port=8\ 443,process_name=C:\java\ "x",downstream_service=😀,protocol=tcp service_dependency=1i @2026-11-22T01:00:00Z
upstream,upstream_service=api,protocol=tcp service_dependency=1i @2026-11-22T01:00:00Z
# Another field instead of service_dependency: COUNT(*) still counts it (count_seen).
downstream,service=odd,downstream_service=api,protocol=tcp seen=1i @2026-11-22T01:00:00Z
# Both fields in one series, only `seen` inside the window: COUNT(*) answers count_seen=1 and
# count_service_dependency=0 on the same row; still one dependency.
downstream,service=odd2,downstream_service=api,protocol=tcp service_dependency=1i @2026-11-01T00:00:00Z
downstream,service=odd2,downstream_service=api,protocol=tcp seen=1i @2026-11-22T02:00:00Z
upstream,service=edge,upstream_service=start,protocol=tcp service_dependency=1i @2026-11-15T14:00:00Z
upstream,service=edge,upstream_service=before-start,protocol=tcp service_dependency=1i @2026-11-15T13:59:59Z
downstream,service=edge,downstream_service=end,protocol=tcp service_dependency=1i @2026-11-22T14:00:00Z
""")

# Commas and equals signs in tag values, in the formats that escape them (line protocol, JSON
# tags objects, /query CSV tags cells). `influx -format csv` writes GROUP BY tags unescaped, so
# BASE keeps them out to stay unambiguous there.
COMMAS = lp(r"""
ingress,service=a\,b,address=x\=y,remote_service=k\=v\,w,remote_address=10.0.0.9 bandwidth_bps=7.25 @2026-11-22T13:15:00Z
ingress,service=a\,b,address=x\=y,remote_service=k\=v\,w,remote_address=10.0.0.9 bandwidth_bps=8.5 @2026-11-22T13:16:00Z
downstream,service=a\,b,address=x\=y,port=1\,2,process_name=p\=q,downstream_service=z\ \,\=,protocol=tcp service_dependency=1i @2026-11-21T00:00:00Z
""")


def json_answer(q, **params):
    return lambda s: s.raw_query(q, params)


def csv_answer(q, **params):
    return lambda s: s.raw_query(q, params, headers={"Accept": "application/csv"})


def cli(q, *args):
    return lambda s: s.cli(q, *args)


def reference_answers(options, aggregates, epoch=None, accept_csv=False, influx_cli_csv=False):
    """The live pipeline's queries: traffic aggregates and dependency COUNT(*) with time(1000d),
    over the case's windows. Pre-aggregated answers are kept whatever their time, so the bounds
    here must be the case's own `at` and windows."""

    def make(s):
        at = ix.parse_rfc3339(options["at"])
        tw = ix.parse_duration(options.get("trafficWindow", "1h"))
        dw = ix.parse_duration(options.get("dependencyWindow", "7d"))
        qs = [ix.traffic_query(d, at - tw, at, aggregates) for d in ("ingress", "egress")]
        qs += [ix.dependency_query(d, at - dw, at) for d in ("upstream", "downstream")]
        if influx_cli_csv:
            return b"".join(s.cli(q, "-format", "csv") for q in qs)
        return ix.reference_answer(s, at, tw, dw, aggregates, epoch=epoch, accept_csv=accept_csv)

    return make


ALL = ix.select_all()
ALL_GROUPED = ix.select_all(group_by=True)

CASES = []


def case(name, about, source, inputs, **options):
    """inputs: {file name: "source" (the hand-written line protocol itself) or a function of the server}."""
    CASES.append({"name": name, "about": about, "source": source, "inputs": inputs, "options": options})


# --- every input format, from the same source ----------------------------------------------------
case("lp-bare", "bare line protocol: the hand-written source itself (escapes, `i` integers, exponent floats)",
     BASE + COMMAS, {"input.lp": "source"}, at=AT)
case("lp-export", "line protocol as `influx_inspect export` writes it: header, DDL/DML comments, one field per line "
     "(converted from the server's `SELECT * GROUP BY *`; there is no influx_inspect here)",
     BASE + COMMAS, {"input.lp": lambda s: ix.export_lp(s, header=True).encode()}, at=AT)
case("query-json-rfc3339", "`/query` JSON, RFC3339 times, plain `SELECT *` (absent tags are null)",
     BASE + COMMAS, {"input.json": json_answer(ALL)}, at=AT)
case("query-json-epoch-ns", "`/query` JSON with `epoch=ns`", BASE + COMMAS, {"input.json": json_answer(ALL, epoch="ns")}, at=AT)
case("query-json-epoch-ms", "`/query` JSON with `epoch=ms`", BASE + COMMAS, {"input.json": json_answer(ALL, epoch="ms")}, at=AT)
case("query-json-epoch-s", "`/query` JSON with `epoch=s`", BASE + COMMAS, {"input.json": json_answer(ALL, epoch="s")}, at=AT)
case("query-json-epoch-u", "`/query` JSON with `epoch=u` (microseconds)", BASE + COMMAS,
     {"input.json": json_answer(ALL, epoch="u")}, at=AT)
case("query-json-chunked", "`/query` chunked NDJSON (`chunk_size=3`, `partial` flags), `GROUP BY *` (tags objects)",
     BASE + COMMAS, {"input.ndjson": json_answer(ALL_GROUPED, chunked="true", chunk_size="3")}, at=AT)
case("query-csv", "`/query` with `Accept: application/csv`, `GROUP BY *`: tags escaped in one cell, ns times",
     BASE + COMMAS, {"input.csv": csv_answer(ALL_GROUPED)}, at=AT)
case("query-csv-plain", "`/query` with `Accept: application/csv`, plain `SELECT *`: empty tags cell, tags as columns; "
     "`format` given explicitly",
     BASE + COMMAS, {"input.csv": csv_answer(ALL)}, at=AT, format="csv")
case("influx-cli-csv", "`influx -format csv` (ns times), plain `SELECT *`",
     BASE + COMMAS, {"input.csv": cli(ALL, "-format", "csv")}, at=AT)
case("influx-cli-csv-rfc3339", "`influx -format csv -precision rfc3339` with `GROUP BY *` (header repeated per series; "
     "the CLI writes tags unescaped, so this source has no commas or equals signs in tags)",
     BASE, {"input.csv": cli(ALL_GROUPED, "-format", "csv", "-precision", "rfc3339")}, at=AT)
case("influx-cli-csv-ms", "`influx -format csv -precision ms` (millisecond integers), plain `SELECT *`",
     BASE + COMMAS, {"input.csv": cli(ALL, "-format", "csv", "-precision", "ms")}, at=AT)
case("influx-cli-json-s", "`influx -format json -precision s` (second integers)",
     BASE + COMMAS, {"input.json": cli(ALL, "-format", "json", "-precision", "s")}, at=AT)
case("influx-cli-json", "`influx -format json` (one document on one line)",
     BASE + COMMAS, {"input.json": cli(ALL, "-format", "json")}, at=AT)
case("influx-cli-json-pretty", "`influx -format json -pretty` with `GROUP BY *` (a document over many lines)",
     BASE + COMMAS, {"input.json": cli(ALL_GROUPED, "-format", "json", "-pretty")}, at=AT)
case("annotated-csv", "InfluxDB 2.x annotated CSV, converted from the 1.x server's answer (no 2.x server here)",
     BASE + COMMAS, {"input.csv": lambda s: ix.annotated_csv(s).encode()}, at=AT)

# --- pre-aggregated answers (the live pipeline's queries) ---------------------------------------
GROUPBY_NOTE = ("pre-aggregated rows are kept whatever their time: the oracle asked with this case's `at` and windows")
case("groupby-json", "`/query` JSON of `MIN, MAX, SUM, COUNT ... GROUP BY <tags>` per direction and "
     "`COUNT(*) ... GROUP BY <tags>, time(1000d)`; " + GROUPBY_NOTE,
     BASE + COMMAS, {"input.json": reference_answers({"at": AT}, ("MIN", "MAX", "SUM", "COUNT"), epoch="ns")}, at=AT)
case("groupby-csv", "`/query` CSV (`Accept: application/csv`) of the reference queries themselves (MIN, MAX, MEAN); "
     + GROUPBY_NOTE, BASE + COMMAS, {"input.csv": reference_answers({"at": AT}, ("MIN", "MAX", "MEAN"), accept_csv=True)}, at=AT)
case("groupby-influx-cli-csv", "`influx -format csv` of the reference queries (MIN, MAX, MEAN; header per series); "
     + GROUPBY_NOTE, BASE, {"input.csv": reference_answers({"at": AT}, ("MIN", "MAX", "MEAN"), influx_cli_csv=True)}, at=AT)

# --- semantics ----------------------------------------------------------------------------------
case("empty-tags", "absent tags: remote_service absent gives REQUIRED \"\", address absent gives null; "
     "dependencies without process_name, address or ports", lp(r"""
ingress,service=api bandwidth_bps=100 @2026-11-22T13:10:00Z
ingress,service=api,remote_service=web bandwidth_bps=200 @2026-11-22T13:10:00Z
egress,service=api,remote_address=10.1.1.1 bandwidth_bps=300 @2026-11-22T13:10:00Z
upstream,service=api service_dependency=1i @2026-11-22T10:00:00Z
downstream,service=api,protocol=udp service_dependency=1i @2026-11-22T10:00:00Z
upstream,service=api,upstream_service=db,upstream_port=5432 service_dependency=1i @2026-11-22T10:00:00Z
"""), {"input.lp": "source"}, at=AT)

case("escaped-tags", "spaces, commas, equals signs, quotes and backslashes in tag values and keys; also written as CSV "
     "(`traffic.csv`, `dependency.csv`: the `--out-format csv` expectation)", lp(r"""
ingress,service=a\ b,address=c\,d,remote_service=e\=f,remote_address=g"h bandwidth_bps=1 @2026-11-22T13:10:00Z
ingress,service=a\ b,address=c\,d,remote_service=e\=f,remote_address=g"h bandwidth_bps=2 @2026-11-22T13:20:00Z
egress,service=back\\slash,address=C:\dir\file,remote_service=\"quoted\",remote_address=x\\\\y bandwidth_bps=3 @2026-11-22T13:10:00Z
egress,service=lead\ ,address=\ trail,remote_address=a\,\,b bandwidth_bps=4 @2026-11-22T13:10:00Z
upstream,service=p\,q,address=r\=s,upstream_service=t\ u,upstream_address=v"w",upstream_port=x\\y,process_name=java\ -jar\ "a\,b".jar,protocol=tcp service_dependency=1i @2026-11-22T10:00:00Z
downstream,service=one\ two,port=80\,443,process_name=\\server,downstream_service=eq\=sign,protocol=tcp service_dependency=1i @2026-11-22T10:00:00Z
"""), {"input.lp": "source"}, at=AT, _csv=True)

case("unicode", "unicode tag values (CJK, accents, emoji, right-to-left) in both tables", lp(r"""
ingress,service=支付,address=ödeme.service.consul,remote_service=🚀,remote_address=שלום bandwidth_bps=123.456 @2026-11-22T13:10:00Z
egress,service=Ωmega,remote_service=naïve bandwidth_bps=99.9 @2026-11-22T13:10:00Z
upstream,service=支付,upstream_service=データベース,process_name=питон,protocol=tcp service_dependency=1i @2026-11-22T10:00:00Z
"""), {"input.lp": "source"}, at=AT)

case("window-edges", "points exactly on both window edges, to the nanosecond: at - window kept, at dropped, "
     "at - 1ns kept, at - window - 1ns dropped (one group per point)", lp(r"""
ingress,service=edge,remote_service=start bandwidth_bps=1 @2026-11-22T13:00:00Z
ingress,service=edge,remote_service=before-start bandwidth_bps=2 @2026-11-22T12:59:59.999999999Z
ingress,service=edge,remote_service=last-ns bandwidth_bps=3 @2026-11-22T13:59:59.999999999Z
ingress,service=edge,remote_service=end bandwidth_bps=4 @2026-11-22T14:00:00Z
upstream,service=edge,upstream_service=start service_dependency=1i @2026-11-15T14:00:00Z
upstream,service=edge,upstream_service=before-start service_dependency=1i @2026-11-15T13:59:59.999999999Z
upstream,service=edge,upstream_service=last-ns service_dependency=1i @2026-11-22T13:59:59.999999999Z
upstream,service=edge,upstream_service=end service_dependency=1i @2026-11-22T14:00:00Z
"""), {"input.lp": "source"}, at=AT)

case("other-fields-and-no-service", "a traffic group with only another field gives no row; another field beside "
     "bandwidth_bps is ignored; points without service are left out of both tables; a dependency point with another "
     "field is still a dependency (COUNT(*) counts every field)", lp(r"""
egress,service=metrics,remote_service=api packets=12 @2026-11-22T13:30:00Z
egress,service=mixed,remote_service=api packets=12 @2026-11-22T13:30:00Z
egress,service=mixed,remote_service=api bandwidth_bps=500 @2026-11-22T13:31:00Z
ingress,remote_service=api bandwidth_bps=1000 @2026-11-22T13:30:00Z
ingress,address=orphan,remote_service=api bandwidth_bps=1000 @2026-11-22T13:30:00Z
upstream,upstream_service=api,protocol=tcp service_dependency=1i @2026-11-22T01:00:00Z
downstream,service=odd,downstream_service=api,protocol=tcp seen=1i @2026-11-22T01:00:00Z
"""), {"input.lp": "source"}, at=AT)

SEVERAL = lp(r"""
ingress,service=api,remote_service=web bandwidth_bps=10 @2026-11-22T13:05:00Z
ingress,service=api,remote_service=web bandwidth_bps=20 @2026-11-22T13:25:00Z
ingress,service=api,remote_service=web bandwidth_bps=35 @2026-11-22T13:45:00Z
egress,service=web,remote_service=api bandwidth_bps=1.5 @2026-11-22T13:05:00Z
egress,service=web,remote_service=api bandwidth_bps=2.25 @2026-11-22T13:50:00Z
upstream,service=api,upstream_service=db,protocol=tcp service_dependency=1i @2026-11-18T00:00:00Z
downstream,service=db,downstream_service=api,protocol=tcp service_dependency=1i @2026-11-22T00:00:00Z
""")
case("several-files", "three inputs in three formats merged; the same groups are split across files "
     "(a JSON answer before 13:30, a CSV answer from 13:30, and an lponly export of the dependencies)", SEVERAL, {
    "input-1.json": json_answer('SELECT * FROM "ingress","egress" WHERE time < \'2026-11-22T13:30:00Z\''),
    "input-2.csv": cli('SELECT * FROM "ingress","egress" WHERE time >= \'2026-11-22T13:30:00Z\'', "-format", "csv"),
    "input-3.lp": lambda s: "".join(l for l in ix.export_lp(s, header=False).splitlines(keepends=True)
                                    if l.startswith(("upstream", "downstream"))).encode(),
}, at=AT)

case("empty-input", "an empty file: no rows", "", {"input.lp": "source"}, at=AT)

STRADDLE = lp(r"""
# 1000d buckets are epoch-aligned: 2024-10-04T00:00:00Z is day 20000. The 7d window ending at
# 2024-10-06T11:00:00Z starts 2024-09-29T11:00:00Z and spans two buckets.
upstream,service=api,upstream_service=both-buckets,protocol=tcp service_dependency=1i @2024-10-01T00:00:00Z
upstream,service=api,upstream_service=both-buckets,protocol=tcp service_dependency=1i @2024-10-05T00:00:00Z
upstream,service=api,upstream_service=old-bucket,protocol=tcp service_dependency=1i @2024-09-30T00:00:00Z
downstream,service=api,downstream_service=new-bucket,port=443,protocol=tcp service_dependency=1i @2024-10-05T12:00:00Z
downstream,service=api,downstream_service=on-boundary,port=443,protocol=tcp service_dependency=1i @2024-10-04T00:00:00Z
downstream,service=api,downstream_service=before-window,port=443,protocol=tcp service_dependency=1i @2024-09-29T10:59:59Z
ingress,service=api,remote_service=web bandwidth_bps=5 @2024-10-06T10:30:00Z
""")
STRADDLE_AT = "2024-10-06T11:00:00Z"
case("dependency-1000d-straddle", "a 7d window across a 1000-day epoch boundary (2024-10-04): a series with points in "
     "both `time(1000d)` buckets is one row", STRADDLE, {"input.lp": "source"}, at=STRADDLE_AT)
case("dependency-1000d-straddle-groupby", "the same as a `/query` JSON GROUP BY answer: series answer with two 1000d "
     "buckets (one of them maybe 0), merged into one row; " + GROUPBY_NOTE, STRADDLE,
     {"input.json": reference_answers({"at": STRADDLE_AT}, ("MIN", "MAX", "SUM", "COUNT"))}, at=STRADDLE_AT)

case("windows-non-default", "trafficWindow 90m and dependencyWindow 1d, with points on and just outside both starts",
     lp(r"""
ingress,service=w,remote_service=start bandwidth_bps=1 @2026-11-22T12:30:00Z
ingress,service=w,remote_service=before bandwidth_bps=2 @2026-11-22T12:29:59Z
ingress,service=w,remote_service=inside bandwidth_bps=3 @2026-11-22T12:45:00Z
upstream,service=w,upstream_service=start service_dependency=1i @2026-11-21T14:00:00Z
upstream,service=w,upstream_service=before service_dependency=1i @2026-11-21T13:59:59Z
"""), {"input.lp": "source"}, at=AT, trafficWindow="90m", dependencyWindow="1d")


def days_of_traffic(start_day, days, step_minutes, skip):
    """Line protocol of a few pairs over `days` days, one point every `step_minutes`; `skip(pair,
    hour)` leaves a pair out for an hour and the dependencies come and go by the day, so windows
    differ. Values have decimals, and one point of every hour sits exactly on it."""
    out = []
    start = ix.parse_rfc3339(start_day)
    pairs = [("api", "db", "10.0.0.5"), ("web", "api", ""), ("db", "", "10.9.9.9"), ("cache", "api", "10.0.1.7")]
    for minute in range(0, days * 24 * 60, step_minutes):
        t = start + minute * 60 * ix.SECOND
        hour = minute // 60
        for i, (local, remote, address) in enumerate(pairs):
            if skip(i, hour):
                continue
            value = (i + 1) * 1000 + (minute * 37 % 1013) / 8 + hour / 3
            tags = f",service={local}" + (f",remote_service={remote}" if remote else "")
            tags += f",remote_address={address}" if address else ""
            direction = "ingress" if (i + hour) % 3 else "egress"
            out.append(f"{direction}{tags} bandwidth_bps={value!r} {t}")
            if (hour // 24 + i) % 3 != 2 and minute % 60 == 0 and remote:
                out.append(f"upstream,service={local},upstream_service={remote},upstream_port={5430 + i},"
                           f"protocol=tcp service_dependency=1i {t}")
                out.append(f"downstream,service={remote},downstream_service={local},port={5430 + i},"
                           f"process_name=p{i},protocol=tcp service_dependency=1i {t}")
    return "".join(x + "\n" for x in out)


ALL_WINDOWS_NOTE = ("the rows of every window the schedule produces within the data (hourly traffic, daily "
                    "dependency at `dependencyHour`), each window's rows the reference queries' answer for its "
                    "bounds, by window end")
case("all-windows", "`allWindows`: three days, 1h/7d windows, " + ALL_WINDOWS_NOTE,
     days_of_traffic("2026-11-20T00:00:00Z", 3, 20, lambda i, h: i == 1 and h % 5 == 0),
     {"input.lp": "source"}, allWindows=True)
case("all-windows-90m", "`allWindows` with trafficWindow 90m, dependencyWindow 1d, dependencyHour 5: " +
     ALL_WINDOWS_NOTE + "; a window of 90 min overlaps the next one",
     days_of_traffic("2026-11-20T00:07:00Z", 3, 15, lambda i, h: i == 2 and h % 7 < 2),
     {"input.lp": "source"}, allWindows=True, trafficWindow="90m", dependencyWindow="1d", dependencyHour=5)

DEFAULT_AT = lp(r"""
ingress,service=d,remote_service=start bandwidth_bps=1 @2026-11-22T13:00:00Z
ingress,service=d,remote_service=before bandwidth_bps=2 @2026-11-22T12:59:59Z
ingress,service=d,remote_service=start bandwidth_bps=4 @2026-11-22T13:37:11Z
upstream,service=d,upstream_service=start service_dependency=1i @2026-11-15T14:00:00Z
upstream,service=d,upstream_service=before service_dependency=1i @2026-11-15T13:59:59Z
downstream,service=d,downstream_service=newest service_dependency=1i @2026-11-22T13:37:12Z
""")
case("default-at", "no `at`: the window ends at the next whole hour after the newest point (13:37:12 -> 14:00); "
     "the oracle computes that bound from the server's newest point", DEFAULT_AT, {"input.lp": "source"})
case("default-at-on-hour", "no `at`, the newest point exactly on an hour (14:00:00): the window ends at 15:00, "
     "strictly after it", lp(r"""
ingress,service=h,remote_service=newest bandwidth_bps=7 @2026-11-22T14:00:00Z
ingress,service=h,remote_service=old bandwidth_bps=8 @2026-11-22T13:59:59Z
upstream,service=h,upstream_service=newest service_dependency=1i @2026-11-22T14:00:00Z
"""), {"input.lp": "source"})
case("default-at-json", "no `at`, with a `/query` JSON export (epoch=ms)", DEFAULT_AT,
     {"input.json": json_answer(ALL, epoch="ms")})

case("integers-and-exponents", "integer fields (`i`) in egress, floats in exponent form in ingress, means truncated "
     "toward zero, negative values", lp(r"""
egress,service=int,remote_service=a bandwidth_bps=1500i @2026-11-22T13:10:00Z
egress,service=int,remote_service=a bandwidth_bps=2501i @2026-11-22T13:20:00Z
egress,service=int,remote_service=b bandwidth_bps=-7i @2026-11-22T13:20:00Z
egress,service=int,remote_service=b bandwidth_bps=2i @2026-11-22T13:21:00Z
ingress,service=exp,remote_service=a bandwidth_bps=3.38e+07 @2026-11-22T13:10:00Z
ingress,service=exp,remote_service=a bandwidth_bps=1.5E3 @2026-11-22T13:11:00Z
ingress,service=exp,remote_service=a bandwidth_bps=2.5e-1 @2026-11-22T13:12:00Z
ingress,service=exp,remote_service=b bandwidth_bps=6823.9 @2026-11-22T13:12:00Z
ingress,service=neg,remote_service=a bandwidth_bps=-2.5 @2026-11-22T13:12:00Z
ingress,service=neg,remote_service=a bandwidth_bps=-0.5 @2026-11-22T13:13:00Z
ingress,service=big,remote_service=a bandwidth_bps=1.2345678901e+12 @2026-11-22T13:13:00Z
ingress,service=big,remote_service=a bandwidth_bps=9.87654321e11 @2026-11-22T13:14:00Z
"""), {"input.lp": "source"}, at=AT)

MEAN_ORDER = lp(r"""
# The same three values in two time orders. InfluxDB's MEAN is a naive float sum in time order:
# 4.1 + 4.3 + 3.6 = 11.999999999999998 -> 3.9999999999999996 -> avg 3, but 3.6 + 4.3 + 4.1 -> 4.
ingress,service=a bandwidth_bps=4.1 @2026-11-22T13:00:00Z
ingress,service=a bandwidth_bps=4.3 @2026-11-22T13:01:00Z
ingress,service=a bandwidth_bps=3.6 @2026-11-22T13:02:00Z
ingress,service=b bandwidth_bps=3.6 @2026-11-22T13:00:00Z
ingress,service=b bandwidth_bps=4.3 @2026-11-22T13:01:00Z
ingress,service=b bandwidth_bps=4.1 @2026-11-22T13:02:00Z
""")
case("mean-summation-order-groupby", "InfluxDB's MEAN depends on the order of the points (naive float sum); from a "
     "`MIN, MAX, SUM, COUNT` answer the core divides InfluxDB's own SUM, so it gives InfluxDB's avg exactly "
     "(3 and 4); see ../vectors-known-differences for raw points", MEAN_ORDER,
     {"input.json": reference_answers({"at": AT}, ("MIN", "MAX", "SUM", "COUNT"), epoch="ns")}, at=AT)

# Documented differences: the expected tables are still InfluxDB's, but the core deliberately
# computes something else; `exact-*.ndjson` hold what the core must give, computed here with
# math.fsum from the server's raw values (not by the core).
KNOWN = [{
    "name": "mean-summation-order",
    "about": "raw points whose InfluxDB MEAN (naive sum in time order) truncates to 3 for `a` and 4 for `b` (same "
             "values, other order); the core's exact sum gives 4 for both, independent of order and of how the "
             "input is split",
    "source": MEAN_ORDER,
    "inputs": {"input.lp": "source"},
    "options": {"at": AT},
}]

case("dependency-ports", "downstream rows take `port` as the local port, upstream rows `upstream_port` as the remote "
     "port; the other port tag is not grouped by (two points differing only by it are one row)", lp(r"""
downstream,service=api,port=8080,downstream_service=web,protocol=tcp service_dependency=1i @2026-11-22T10:00:00Z
downstream,service=api,port=8080,upstream_port=1,downstream_service=web,protocol=tcp service_dependency=1i @2026-11-22T10:01:00Z
downstream,service=api,port=9090,downstream_service=web,protocol=tcp service_dependency=1i @2026-11-22T10:00:00Z
upstream,service=web,upstream_port=8080,upstream_service=api,protocol=tcp service_dependency=1i @2026-11-22T10:00:00Z
upstream,service=web,upstream_port=8080,port=2,upstream_service=api,protocol=tcp service_dependency=1i @2026-11-22T10:01:00Z
"""), {"input.lp": "source"}, at=AT)

case("extra-tags-ignored", "tags outside the GROUP BY are ignored: points differing only by an extra tag are one row "
     "(min, max and mean over both)", lp(r"""
ingress,service=api,remote_service=web,host=node-1 bandwidth_bps=10 @2026-11-22T13:10:00Z
ingress,service=api,remote_service=web,host=node-2 bandwidth_bps=31 @2026-11-22T13:10:00Z
upstream,service=api,upstream_service=db,protocol=tcp,pid=1 service_dependency=1i @2026-11-22T10:00:00Z
upstream,service=api,upstream_service=db,protocol=tcp,pid=2 service_dependency=1i @2026-11-22T10:00:00Z
"""), {"input.lp": "source"}, at=AT)


# ---------------------------------------------------------------------------------------------

def all_window_ends(server, dependency_hour):
    """The ends of the schedule's windows within the data: whole hours from the first after the
    oldest point to the first after the newest; days at `dependency_hour` likewise."""
    oldest, newest = server.oldest_time(ix.MEASUREMENTS), server.newest_time(ix.MEASUREMENTS)
    first, last = (oldest // ix.HOUR + 1) * ix.HOUR, (newest // ix.HOUR + 1) * ix.HOUR
    traffic = list(range(first, last + 1, ix.HOUR))
    day = 24 * ix.HOUR
    first_day = next(t for t in range(first, first + day, ix.HOUR) if t % day == dependency_hour * ix.HOUR)
    dependency = [first_day]
    while dependency[-1] < last:
        dependency.append(dependency[-1] + day)
    return traffic, dependency


def check_traffic_model(source, rows, ends, window):
    """A second oracle beside the server: min, max and mean of every window recomputed here from
    the source's points (plain Python over the line protocol), which must be the server's."""
    points = {}
    for line in source.splitlines():
        head, field, t = line.split(" ")
        if not field.startswith("bandwidth_bps="):
            continue
        measurement, *tags = head.split(",")
        tags = dict(tag.split("=") for tag in tags)
        key = (measurement, tags["service"], tags.get("remote_service", ""), tags.get("remote_address"))
        points.setdefault(key, []).append((int(t), float(field.split("=")[1])))
    expected = []
    for end in ends:
        for (direction, local, remote, address), series in sorted(points.items(), key=lambda kv: str(kv[0])):
            values = [v for t, v in series if end - window <= t < end]
            if values:
                expected.append((end, direction, local, remote, address,
                                 int(min(values)), int(max(values)), int(sum(values) / len(values))))
    got = [(ix.parse_rfc3339(r["inventory_date"]) if isinstance(r["inventory_date"], str) else r["inventory_date"],
            r["traffic_direction"], r["local_hostgroup"], r["remote_hostgroup"], r["remote_hostgroup_address"],
            r["traffic_bandwidth_bits_min_1h"], r["traffic_bandwidth_bits_max_1h"], r["traffic_bandwidth_bits_avg_1h"])
           for r in rows]
    if sorted(map(str, got)) != sorted(map(str, expected)):
        raise SystemExit(f"the Python model and influxd disagree: {len(got)} vs {len(expected)} rows")


def build_case(server, c, out_dir):
    server.reset()
    server.write(c["source"])
    d = os.path.join(out_dir, c["name"])
    os.makedirs(d, exist_ok=True)
    for name, make in c["inputs"].items():
        data = c["source"].encode() if make == "source" else make(server)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    opts = {k: v for k, v in c["options"].items() if not k.startswith("_")}
    with open(os.path.join(d, "options.json"), "w") as f:
        f.write(json.dumps(opts, indent=2) + "\n")
    if "at" in opts:
        at = ix.parse_rfc3339(opts["at"])
    else:
        # The default `at`: the next whole hour strictly after the newest point.
        newest = server.newest_time(ix.MEASUREMENTS)
        at = None if newest is None else (newest // ix.HOUR + 1) * ix.HOUR
    tw = ix.parse_duration(opts.get("trafficWindow", "1h"))
    dw = ix.parse_duration(opts.get("dependencyWindow", "7d"))
    if opts.get("allWindows"):
        traffic_ends, dependency_ends = all_window_ends(server, opts.get("dependencyHour", 11))
        traffic = [row for end in traffic_ends for row in ix.traffic_rows(server, end, tw)]
        dependency = [row for end in dependency_ends for row in ix.dependency_rows(server, end, dw)]
        check_traffic_model(c["source"], traffic, traffic_ends, tw)
    else:
        traffic = ix.traffic_rows(server, at, tw) if at is not None else []
        dependency = ix.dependency_rows(server, at, dw) if at is not None else []
    with open(os.path.join(d, "traffic.ndjson"), "w") as f:
        f.write(ix.to_ndjson(traffic, ix.TRAFFIC_COLUMNS))
    with open(os.path.join(d, "dependency.ndjson"), "w") as f:
        f.write(ix.to_ndjson(dependency, ix.DEPENDENCY_COLUMNS))
    if c.get("known"):
        exact = ix.traffic_rows(server, at, tw, exact_mean=True)
        with open(os.path.join(d, "exact-traffic.ndjson"), "w") as f:
            f.write(ix.to_ndjson(exact, ix.TRAFFIC_COLUMNS))
    if c["options"].get("_csv"):
        with open(os.path.join(d, "traffic.csv"), "w") as f:
            f.write(ix.to_csv(traffic, ix.TRAFFIC_COLUMNS))
        with open(os.path.join(d, "dependency.csv"), "w") as f:
            f.write(ix.to_csv(dependency, ix.DEPENDENCY_COLUMNS))
    return len(traffic), len(dependency)


INDEX_HEAD = """# Test vectors

Generated by `tests/oracle/make_vectors.py` (`make vectors-regen`) from a real InfluxDB 1.x;
`make vectors-oracle-check` regenerates them and diffs. Do not edit by hand.

Each folder holds:
- `input*`: the input files, read in name order (several files are merged);
- `options.json`: the analysis options (keys of the core's `Options`: `at`, `trafficWindow`,
  `dependencyWindow`, `allWindows`, `dependencyHour`; defaults when absent);
- `traffic.ndjson`, `dependency.ndjson`: the expected tables, one JSON object per row, BigQuery
  column names in table order, rows sorted by their columns (NULL first);
- `inventory.json` (`arrayjson`) or `inventory.ndjson` (`ndjson`), in some cases only: the
  inventory every host is given (`--inventory FILE --inventory-format <by extension>`, the
  `inventory` option as text, the page's inventory drop).

The `contiv-*` and `inventory-*` cases are written by `tests/oracle/contiv_vectors.py` (`make
vectors-contiv-regen`, checked by `make vectors-contiv-check`; its docstring says how their rows
are computed); the `exporter-*` cases by `tests/oracle/prometheus_vectors.py` (below).

How the expectations are made: the case's hand-written line protocol (in the script) is written
into an empty `mothership` database; the inputs are the server's own answers in the format of the
case (or the source itself for bare line protocol); the expected rows come only from the server's
answers to the original tool's reference queries with explicit bounds `time >= at - window AND
time < at`: traffic `SELECT MIN, MAX, MEAN(bandwidth_bps) ... WHERE "service" != '' GROUP BY
service, address, remote_service, remote_address` per direction (decimals dropped); dependency
`SELECT COUNT(*) ... GROUP BY <the original's tags>, time(1000d)`, one row per series with a
count above zero in any bucket. Empty tags become NULL in NULLABLE columns and stay "" in
REQUIRED ones. Without `at`, the bound is the next whole hour after the server's newest point.
With `allWindows`, the tables are those of every window one after the other: hourly ends from
the first whole hour after the server's oldest point to the first after its newest, daily ends at
`dependencyHour` likewise; the traffic rows are also checked against min, max and mean computed
in Python from the case's source.

Inputs that are GROUP BY answers (`groupby-*`, `*-groupby`) hold pre-aggregated rows, which the
core keeps whatever their time: the oracle asked for them with the case's own `at` and windows.

| case | traffic rows | dependency rows | covers |
|---|---|---|---|
"""


KNOWN_HEAD = """# Known differences from InfluxDB

Generated with tests/vectors by `tests/oracle/make_vectors.py`. Same layout, but here the core
deliberately differs from InfluxDB's answer: `traffic.ndjson` and `dependency.ndjson` are still
what InfluxDB gives, and `exact-traffic.ndjson` is what the core must give, computed by the
oracle from the server's raw values with `math.fsum` (the correctly rounded sum). The core test
checks both: that the core gives the exact tables, and that they differ from InfluxDB's only
where documented. On the generated fleet of the parity test this never changed an integer.

| case | traffic rows | dependency rows | what differs |
|---|---|---|---|
"""


def generate(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    lines = []
    with ix.Server() as server:
        for c in CASES:
            nt, nd = build_case(server, c, out_dir)
            lines.append(f"| `{c['name']}` | {nt} | {nd} | {c['about']} |\n")
            print(f"{c['name']}: {nt} traffic, {nd} dependency rows", file=sys.stderr)
        known_dir = out_dir + "-known-differences"
        known_lines = []
        for c in KNOWN:
            c = dict(c, known=True)
            nt, nd = build_case(server, c, known_dir)
            known_lines.append(f"| `{c['name']}` | {nt} | {nd} | {c['about']} |\n")
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write(INDEX_HEAD + "".join(lines) + exporter_section())
    with open(os.path.join(known_dir, "README.md"), "w") as f:
        f.write(KNOWN_HEAD + "".join(known_lines))


# The `exporter-*` vectors and the README from this marker on belong to prometheus_vectors.py
# (the Prometheus oracle), the `contiv-*` and `inventory-*` vectors to contiv_vectors.py: this
# script keeps them as they are and does not compare them.
EXPORTER_PREFIX = "exporter-"
# Every case another script writes (contiv_vectors.py: `contiv-*`, `inventory-*`).
OTHER_ORACLES = (EXPORTER_PREFIX, "contiv-", "inventory-")
README_MARKER = "<!-- exporter vectors: written by tests/oracle/prometheus_vectors.py -->"


def exporter_section():
    """The committed README's exporter section (empty when there is none), kept verbatim."""
    path = os.path.join(VECTORS, "README.md")
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        text = f.read()
    if README_MARKER not in text:
        return ""
    return "\n" + README_MARKER + text.split(README_MARKER, 1)[1]


def diff_trees(a, b, skip_prefix=None):
    """Unified diffs of every file that differs between two trees; empty when identical."""
    problems = []
    cmp = filecmp.dircmp(a, b)

    def walk(cmp, rel):
        for name in cmp.left_only:
            if skip_prefix and rel == "." and name.startswith(skip_prefix):
                continue
            problems.append(f"only in committed vectors: {os.path.join(rel, name)}")
        for name in cmp.right_only:
            problems.append(f"only in regenerated vectors: {os.path.join(rel, name)}")
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        for name in mismatch + errors:
            with open(os.path.join(cmp.left, name), errors="replace") as f1, open(os.path.join(cmp.right, name), errors="replace") as f2:
                problems.append("".join(difflib.unified_diff(f1.readlines(), f2.readlines(),
                                                             f"committed/{rel}/{name}", f"regenerated/{rel}/{name}")))
        for sub, subcmp in cmp.subdirs.items():
            walk(subcmp, os.path.join(rel, sub))

    walk(cmp, ".")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="write the vectors here instead of tests/vectors")
    parser.add_argument("--check", action="store_true", help="regenerate into a temporary directory and diff")
    args = parser.parse_args()
    if args.check:
        tmp = tempfile.mkdtemp(prefix="planet-vectors-")
        try:
            generate(os.path.join(tmp, "vectors"))
            problems = diff_trees(VECTORS, os.path.join(tmp, "vectors"), skip_prefix=OTHER_ORACLES)
            problems += diff_trees(VECTORS + "-known-differences", os.path.join(tmp, "vectors-known-differences"))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if problems:
            print("\n".join(problems))
            print(f"vectors differ from what InfluxDB answers now ({len(problems)} problem(s)): run `make vectors-regen`")
            return 1
        print(f"vectors-oracle-check: the {len(CASES)} + {len(KNOWN)} committed cases are exactly what InfluxDB answers")
        return 0
    out = args.out or VECTORS
    if not args.out:
        # Start clean so that removed cases or inputs do not linger.
        for root in (out, out + "-known-differences"):
            for name in os.listdir(root) if os.path.isdir(root) else []:
                path = os.path.join(root, name)
                if os.path.isdir(path) and not name.startswith(OTHER_ORACLES):
                    shutil.rmtree(path)
    generate(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
