#!/usr/bin/env python3
"""Small BigQuery REST helper for the live suite (emulator on loopback, no credentials).

    bq.py URL PROJECT rows DATASET TABLE [WHERE]   every row as NDJSON, TIMESTAMP as RFC3339, INTEGER as numbers, sorted
    bq.py URL PROJECT sql "SQL"                    the rows of a query as JSON arrays
    bq.py URL PROJECT create-table DATASET TABLE SCHEMA_JSON
"""
import datetime as dt
import json
import sys
import urllib.request


def call(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


def query(base, project, sql):
    r = call(f"{base}/bigquery/v2/projects/{project}/queries", "POST",
             {"query": sql, "useLegacySql": False, "maxResults": 100000})
    fields = r.get("schema", {}).get("fields", [])
    rows = [[c.get("v") for c in row["f"]] for row in r.get("rows", [])]
    while r.get("pageToken"):
        job = r["jobReference"]["jobId"]
        r = call(f"{base}/bigquery/v2/projects/{project}/queries/{job}?pageToken={r['pageToken']}")
        rows += [[c.get("v") for c in row["f"]] for row in r.get("rows", [])]
    return fields, rows


def convert(field, value):
    if value is None:
        return None
    if field["type"] == "TIMESTAMP":
        t = dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc)
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if field["type"] in ("INTEGER", "INT64"):
        return int(value)
    return value


def main():
    base, project, cmd = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "rows":
        dataset, table = sys.argv[4], sys.argv[5]
        where = f" WHERE {sys.argv[6]}" if len(sys.argv) > 6 else ""
        fields, rows = query(base, project, f"SELECT * FROM `{project}.{dataset}.{table}`{where}")
        out = [json.dumps({f["name"]: convert(f, v) for f, v in zip(fields, row)}, sort_keys=True) for row in rows]
        for line in sorted(out):
            print(line)
    elif cmd == "sql":
        _, rows = query(base, project, sys.argv[4])
        for row in rows:
            print(json.dumps(row))
    elif cmd == "create-table":
        dataset, table, schema = sys.argv[4], sys.argv[5], json.loads(sys.argv[6])
        call(f"{base}/bigquery/v2/projects/{project}/datasets/{dataset}/tables", "POST",
             {"tableReference": {"projectId": project, "datasetId": dataset, "tableId": table},
              "schema": {"fields": schema}})
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
