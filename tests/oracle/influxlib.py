"""A real InfluxDB 1.x as the oracle: start it, write line protocol, ask it questions.

Python 3 standard library only. Everything the test vectors and the parity test expect comes
from the answers of the server to the reference queries of the original tool (docs/REFERENCE.md),
never from planet-bq's own code.
"""

import csv
import decimal
import io
import json
import math
import os
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INFLUXD_SH = os.path.join(REPO, "tests", "scripts", "influxd.sh")
DB = "mothership"
SECOND = 1_000_000_000
HOUR = 3600 * SECOND
DAY = 24 * HOUR

TRAFFIC_COLUMNS = [
    "inventory_date",
    "traffic_direction",
    "local_hostgroup",
    "local_hostgroup_address",
    "remote_hostgroup",
    "remote_hostgroup_address",
    "traffic_bandwidth_bits_min_1h",
    "traffic_bandwidth_bits_max_1h",
    "traffic_bandwidth_bits_avg_1h",
]
DEPENDENCY_COLUMNS = [
    "inventory_date",
    "dependency_direction",
    "protocol",
    "local_hostgroup_process_name",
    "local_hostgroup",
    "local_hostgroup_address",
    "local_hostgroup_address_port",
    "remote_hostgroup",
    "remote_hostgroup_address",
    "remote_hostgroup_address_port",
]
# The GROUP BY tags of the reference dependency queries, and how each becomes a column
# (None: the column is always NULL for that direction).
DEPENDENCY_QUERY = {
    "upstream": {
        "group_by": ["service", "address", "upstream_service", "upstream_address", "process_name", "upstream_port", "protocol"],
        "columns": {
            "protocol": "protocol",
            "local_hostgroup_process_name": "process_name",
            "local_hostgroup": "service",
            "local_hostgroup_address": "address",
            "local_hostgroup_address_port": None,
            "remote_hostgroup": "upstream_service",
            "remote_hostgroup_address": "upstream_address",
            "remote_hostgroup_address_port": "upstream_port",
        },
    },
    "downstream": {
        "group_by": ["service", "address", "downstream_service", "downstream_address", "process_name", "port", "protocol"],
        "columns": {
            "protocol": "protocol",
            "local_hostgroup_process_name": "process_name",
            "local_hostgroup": "service",
            "local_hostgroup_address": "address",
            "local_hostgroup_address_port": "port",
            "remote_hostgroup": "downstream_service",
            "remote_hostgroup_address": "downstream_address",
            "remote_hostgroup_address_port": None,
        },
    },
}
# Columns that are REQUIRED strings: an empty tag stays "" there; every other string is NULLABLE.
REQUIRED_STRINGS = {"traffic_direction", "local_hostgroup", "remote_hostgroup", "dependency_direction", "protocol"}


def rfc3339(ns):
    """RFC3339 UTC ending in Z, with the fraction only when needed (as the tables want it)."""
    seconds, frac = divmod(ns, SECOND)
    text = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def parse_rfc3339(text):
    """RFC3339 with up to nanoseconds, UTC `Z` only (what the cases and InfluxDB use)."""
    assert text.endswith("Z"), text
    main, _, frac = text[:-1].partition(".")
    dt = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(dt.timestamp()) * SECOND + int((frac + "000000000")[:9])


def parse_duration(text):
    """The window durations the cases use: a number and one unit of d, h, m, s."""
    units = {"d": DAY, "h": HOUR, "m": 60 * SECOND, "s": SECOND}
    return int(text[:-1]) * units[text[-1]]


class Server:
    """A throwaway influxd on loopback (tests/scripts/influxd.sh), with database `mothership`."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="planet-oracle-influxd-")
        out = subprocess.run(["bash", INFLUXD_SH, "start", self.dir], check=True, capture_output=True, text=True)
        self.url = out.stdout.strip().splitlines()[-1]
        parsed = urllib.parse.urlparse(self.url)
        self.host, self.port = parsed.hostname, parsed.port

    def stop(self):
        subprocess.run(["bash", INFLUXD_SH, "stop", self.dir], check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def reset(self):
        """An empty `mothership`, so that every case starts from nothing."""
        self.query_json(f"DROP DATABASE {DB}", method="POST")
        self.query_json(f"CREATE DATABASE {DB}", method="POST")

    def write(self, lp):
        """Writes line protocol (ns timestamps); raises on any rejected point."""
        body = lp.encode("utf-8")
        if not body.strip():
            return
        url = f"{self.url}/write?db={DB}&precision=ns"
        req = urllib.request.Request(url, data=body, method="POST")
        try:
            with urllib.request.urlopen(req) as resp:
                assert resp.status == 204, resp.status
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"influxd rejected the write: {e.read().decode()}") from e

    def raw_query(self, q, params=None, headers=None, method="GET"):
        """The body of a /query answer, as bytes, exactly as the server sent it."""
        args = {"db": DB, "q": q}
        args.update(params or {})
        data = None
        url = f"{self.url}/query"
        if method == "POST":
            data = urllib.parse.urlencode(args).encode()
        else:
            url += "?" + urllib.parse.urlencode(args)
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        with urllib.request.urlopen(req) as resp:
            return resp.read()

    def query_json(self, q, method="GET", **params):
        answer = json.loads(self.raw_query(q, params, method=method))
        for result in answer.get("results", []):
            if "error" in result:
                raise RuntimeError(f"influxd: {result['error']} in {q}")
        return answer

    def series(self, q, **params):
        """Every series of every statement of a query (epoch=ns unless told)."""
        params.setdefault("epoch", "ns")
        answer = self.query_json(q, **params)
        out = []
        for result in answer["results"]:
            assert not result.get("partial"), "partial answer: raise max-row-limit"
            out.extend(result.get("series", []))
        return out

    def cli(self, q, *args):
        """The real `influx` CLI's output for a query."""
        cmd = ["influx", "-host", self.host, "-port", str(self.port), "-database", DB, *args, "-execute", q]
        return subprocess.run(cmd, check=True, capture_output=True).stdout

    def oldest_time(self, measurements):
        """The oldest point of these measurements, in ns (None when there is none)."""
        oldest = None
        for m in measurements:
            for s in self.series(f'SELECT * FROM "{m}" ORDER BY time ASC LIMIT 1'):
                for row in s["values"]:
                    oldest = row[0] if oldest is None else min(oldest, row[0])
        return oldest

    def newest_time(self, measurements):
        """The newest point of these measurements, in ns (None when there is none)."""
        newest = None
        for m in measurements:
            for s in self.series(f'SELECT * FROM "{m}" ORDER BY time DESC LIMIT 1'):
                for row in s["values"]:
                    newest = row[0] if newest is None else max(newest, row[0])
        return newest


# ---------------------------------------------------------------------------------------------
# The reference queries, with explicit half-open bounds [start, end), and the rows they make.


def time_bounds(start, end):
    return f"time >= '{rfc3339(start)}' AND time < '{rfc3339(end)}'"


def traffic_query(direction, start, end, aggregates=("MIN", "MAX", "MEAN")):
    select = ", ".join(f'{a}("bandwidth_bps")' for a in aggregates)
    return (
        f'SELECT {select} FROM "{direction}" WHERE ("service" != \'\') AND {time_bounds(start, end)} '
        f"GROUP BY service, address, remote_service, remote_address"
    )


def dependency_query(direction, start, end):
    tags = ", ".join(DEPENDENCY_QUERY[direction]["group_by"])
    return (
        f'SELECT COUNT(*) FROM "{direction}" WHERE ("service" != \'\') AND {time_bounds(start, end)} '
        f"GROUP BY {tags}, time(1000d)"
    )


def reference_answer(server, at, traffic_window, dependency_window, aggregates, epoch=None, accept_csv=False):
    """One `/query` answer holding the four reference statements (traffic aggregates per
    direction, dependency COUNT(*) with time(1000d)) over [at - window, at), as the live
    pipeline fetches them."""
    qs = [traffic_query(d, at - traffic_window, at, aggregates) for d in ("ingress", "egress")]
    qs += [dependency_query(d, at - dependency_window, at) for d in ("upstream", "downstream")]
    params = {"epoch": epoch} if epoch else {}
    headers = {"Accept": "application/csv"} if accept_csv else None
    return server.raw_query(";".join(qs), params, headers=headers)


def nullable(value):
    return value if value else None


def truncate(value):
    """Drops the decimals (toward zero), as the original's int64(x) conversion does."""
    return int(value)


def traffic_rows(server, at, window, exact_mean=False):
    """The traffic rows InfluxDB gives; with exact_mean, the mean is instead the correctly
    rounded sum of the group's raw values (math.fsum) over their count, for documented
    differences only."""
    start = at - window
    rows = []
    for direction in ("ingress", "egress"):
        for s in server.series(traffic_query(direction, start, at)):
            tags = s["tags"]
            cols = s["columns"]
            for values in s["values"]:
                v = dict(zip(cols, values))
                # A group without any bandwidth_bps in the window has no series, or null values.
                if v["min"] is None:
                    continue
                mean = v["mean"]
                if exact_mean:
                    mean = exact_means(server, direction, start, at)[tuple(sorted(tags.items()))]
                rows.append(
                    {
                        "inventory_date": rfc3339(at),
                        "traffic_direction": direction,
                        "local_hostgroup": tags["service"],
                        "local_hostgroup_address": nullable(tags["address"]),
                        "remote_hostgroup": tags["remote_service"],
                        "remote_hostgroup_address": nullable(tags["remote_address"]),
                        "traffic_bandwidth_bits_min_1h": truncate(v["min"]),
                        "traffic_bandwidth_bits_max_1h": truncate(v["max"]),
                        "traffic_bandwidth_bits_avg_1h": truncate(mean),
                    }
                )
    return sort_rows(rows, TRAFFIC_COLUMNS)


def exact_means(server, direction, start, end):
    """Correctly rounded mean of each traffic group's raw values in [start, end)."""
    q = (f'SELECT "bandwidth_bps" FROM "{direction}" WHERE ("service" != \'\') AND {time_bounds(start, end)} '
         f"GROUP BY service, address, remote_service, remote_address")
    out = {}
    for s in server.series(q):
        values = [row[1] for row in s["values"] if row[1] is not None]
        if values:
            out[tuple(sorted(s["tags"].items()))] = math.fsum(values) / len(values)
    return out


def dependency_rows(server, at, window):
    start = at - window
    rows = []
    for direction, spec in DEPENDENCY_QUERY.items():
        for s in server.series(dependency_query(direction, start, at)):
            tags = s["tags"]
            # time(1000d) buckets are epoch-aligned: one series may answer with two buckets
            # (and empty buckets count 0). It is one dependency if any bucket counted a point.
            counts = [
                value
                for values in s["values"]
                for column, value in zip(s["columns"], values)
                if column.startswith("count")
            ]
            if not any(c for c in counts if c):
                continue
            row = {"inventory_date": rfc3339(at), "dependency_direction": direction}
            for column, tag in spec["columns"].items():
                value = tags[tag] if tag else ""
                row[column] = value if column in REQUIRED_STRINGS else nullable(value)
            rows.append(row)
    return sort_rows(rows, DEPENDENCY_COLUMNS)


def sort_rows(rows, columns):
    # Rows sort by their columns in table order; NULL sorts before any string. Python compares
    # strings by code point, which is the byte order of UTF-8 that the core's String Ord uses.
    def key(row):
        return tuple((0, "") if row[c] is None else (1, row[c]) for c in columns)

    return sorted(rows, key=key)


def to_ndjson(rows, columns):
    out = []
    for row in rows:
        ordered = {c: row[c] for c in columns}
        out.append(json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n")
    return "".join(out)


def to_csv(rows, columns):
    """RFC 4180 with a header; NULL an empty cell, an empty string `""`. Written independently
    of the core: Python's csv module with minimal quoting for each cell, plus the rule that
    keeps an empty string distinct from NULL."""

    def cell(value):
        if value is None:
            return ""
        if value == "":
            return '""'
        one = io.StringIO()
        csv.writer(one, lineterminator="", quoting=csv.QUOTE_MINIMAL).writerow([str(value)])
        return one.getvalue()

    lines = [",".join(columns) + "\n"]
    lines += [",".join(cell(row[c]) for c in columns) + "\n" for row in rows]
    return "".join(lines)


# ---------------------------------------------------------------------------------------------
# Exports in the formats users have, produced from the server's answers.

MEASUREMENTS = ["downstream", "egress", "ingress", "upstream"]


def field_types(server, measurement):
    types = {}
    for s in server.series(f'SHOW FIELD KEYS FROM "{measurement}"'):
        for key, typ in s["values"]:
            types[key] = typ
    return types


def go_float(v):
    """Go's strconv.FormatFloat(v, 'g', -1, 64), as influx_inspect export writes floats."""
    if v == 0:
        return "0"
    sign = "-" if v < 0 else ""
    # repr gives the shortest digits that round-trip, as Go's shortest formatting does.
    t = decimal.Decimal(repr(abs(v))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    dp = len(digits) + t.exponent
    exp = dp - 1
    # Go's ftoa: %e when the exponent is < -4 or >= 6 (the precision used for the shortest form).
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{digits}"
    if dp >= len(digits):
        return f"{sign}{digits}{'0' * (dp - len(digits))}"
    return f"{sign}{digits[:dp]}.{digits[dp:]}"


def lp_escape(text, chars):
    for c in chars:
        text = text.replace(c, "\\" + c)
    return text


def export_lp(server, header=True):
    """`influx_inspect export` style: header (unless lponly), one field per line, series-key order.

    There is no influx_inspect in Debian's package; this writes what it writes (see
    shared/samples/line-protocol) from the server's own `SELECT * GROUP BY *` answers, with the
    field types of `SHOW FIELD KEYS`.
    """
    lines = []
    for m in MEASUREMENTS:
        types = field_types(server, m)
        for s in server.series(f'SELECT * FROM "{m}" GROUP BY *'):
            key = lp_escape(m, ", ")
            for tk in sorted(s["tags"]):
                tv = s["tags"][tk]
                if tv:
                    key += f",{lp_escape(tk, ',= ')}={lp_escape(tv, ',= ')}"
            cols = s["columns"]
            for field in sorted(c for c in cols if c != "time"):
                i = cols.index(field)
                for row in s["values"]:
                    v = row[i]
                    if v is None:
                        continue
                    typ = types.get(field, "float")
                    if typ == "float":
                        text = go_float(float(v))
                    elif typ == "integer":
                        text = f"{int(v)}i"
                    elif typ == "boolean":
                        text = "true" if v else "false"
                    else:
                        text = '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
                    lines.append((key, field, row[0], f"{key} {lp_escape(field, ',= ')}={text} {row[0]}\n"))
    lines.sort(key=lambda x: (x[0], x[1], x[2]))
    body = "".join(x[3] for x in lines)
    if not header:
        return body
    head = (
        "# INFLUXDB EXPORT: 1677-09-21T00:12:43Z - 2262-04-11T23:47:16Z\n"
        "# DDL\n"
        f"CREATE DATABASE {DB} WITH NAME autogen\n"
        "# DML\n"
        f"# CONTEXT-DATABASE:{DB}\n"
        "# CONTEXT-RETENTION-POLICY:autogen\n"
        "# writing tsm data\n"
    )
    return head + body


def select_all(group_by=False):
    q = "SELECT * FROM " + ",".join(f'"{m}"' for m in MEASUREMENTS)
    return q + (" GROUP BY *" if group_by else "")


def annotated_csv(server):
    """InfluxDB 2.x annotated CSV, converted from the 1.x server's `SELECT * GROUP BY *` answer.

    No 2.x server can be installed here: this follows the format's documentation, as
    shared/samples/influxdb2 does. One table per series and field; 2.x leaves empty tags out,
    so a table's tag columns are its non-empty tags; a new annotation block whenever the
    columns or types change; `_start`/`_stop` span the data like a `range()` would.
    """
    tables = []
    everything = []
    for m in MEASUREMENTS:
        types = field_types(server, m)
        for s in server.series(f'SELECT * FROM "{m}" GROUP BY *'):
            tags = {k: v for k, v in sorted(s["tags"].items()) if v}
            cols = s["columns"]
            for field in sorted(c for c in cols if c != "time"):
                i = cols.index(field)
                rows = [(row[0], row[i]) for row in s["values"] if row[i] is not None]
                if rows:
                    tables.append((m, tags, field, types.get(field, "float"), rows))
                    everything.extend(t for t, _ in rows)
    if not tables:
        return ""
    start, stop = min(everything) // HOUR * HOUR, (max(everything) // HOUR + 1) * HOUR
    datatype = {"float": "double", "integer": "long", "boolean": "boolean", "string": "string"}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    previous = None
    for n, (m, tags, field, typ, rows) in enumerate(tables):
        header = ["", "result", "table", "_start", "_stop", "_time", "_value", "_field", "_measurement", *tags]
        types = ["#datatype", "string", "long", "dateTime:RFC3339", "dateTime:RFC3339", "dateTime:RFC3339",
                 datatype[typ], "string", "string", *["string"] * len(tags)]
        if (header, types) != previous:
            if previous is not None:
                out.write("\n")
            writer.writerow(["#group", "false", "false", "true", "true", "false", "false", "true", "true", *["true"] * len(tags)])
            writer.writerow(types)
            writer.writerow(["#default", "_result", *[""] * (len(header) - 2)])
            writer.writerow(header)
            previous = (header, types)
        for t, v in rows:
            if typ == "float":
                value = repr(float(v))
            elif typ == "boolean":
                value = "true" if v else "false"
            else:
                value = str(v)
            writer.writerow(["", "", n, rfc3339(start), rfc3339(stop), rfc3339(t), value, field, m, *tags.values()])
    return out.getvalue()
