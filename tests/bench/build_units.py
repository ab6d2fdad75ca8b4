#!/usr/bin/env python3
"""How many compile units `make test` builds, and how many of them twice.

Cargo compiles a crate again whenever it is asked for it with other features, another
profile or other dependencies; the cascade makes one differing feature of a small crate
(num-traits with or without `std`) recompile everything above it (chrono, then planet-core,
then wasmtime's users...). This asks cargo for the unit graph of each build `make test` runs
(`-Z unstable-options --unit-graph`, on stable through RUSTC_BOOTSTRAP; nothing is compiled)
and counts the units a later build does not share with the earlier ones.

Usage: python3 tests/bench/build_units.py [--compare 'cargo build -p planet-bq']
"""

import argparse
import json
import os
import shlex
import subprocess
import sys

# The cargo builds of `make test`, in order (Makefile: clippy, unit = DEBUG_BIN, wasm-check,
# make/wasm.mk, the .deb's release build).
MAKE_TEST = [
    "cargo clippy --workspace --all-targets",
    "cargo test --workspace --no-run",
    "cargo check -p planet-core --target wasm32-unknown-unknown",
    "cargo build -p planet-wasm --target wasm32-unknown-unknown --profile wasm-release",
    "cargo build -p planet-wasm-abi --target wasm32-unknown-unknown --profile wasm-release",
    "cargo build --release -p planet-bq",
]


def units(command):
    """The units of one cargo command, each keyed by what makes cargo build it anew."""
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    argv = shlex.split(command) + ["-Z", "unstable-options", "--unit-graph"]
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"FAIL - {command}: {out.stderr}")
    graph = json.loads(out.stdout)["units"]
    keys = {}

    def key(i):
        if i not in keys:
            u = graph[i]
            p = u["profile"]
            keys[i] = hash((u["pkg_id"], u["target"]["name"], tuple(u["target"]["kind"]), tuple(sorted(u["features"])),
                            u["mode"], p["opt_level"], str(p.get("debuginfo")), str(p.get("lto")), u.get("platform"),
                            tuple(sorted(key(d["index"]) for d in u["dependencies"]))))
        return keys[i]

    return {key(i): graph[i] for i in range(len(graph))}


def name(unit):
    return unit["pkg_id"].split("#")[-1].split("@")[0].split("/")[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", action="append", default=[],
                        help="another cargo command to count against the units of make test (repeatable)")
    args = parser.parse_args()
    seen, total = set(), 0
    print(f"{'units':>6} {'new':>5}  cargo command of make test")
    for command in MAKE_TEST:
        u = units(command)
        new = [k for k in u if k not in seen]
        total += len(new)
        print(f"{len(u):>6} {len(new):>5}  {command}")
        seen.update(u)
    print(f"{'':>6} {total:>5}  units compiled by make test from a cold target directory")
    for command in args.compare:
        u = units(command)
        again = [v for k, v in u.items() if k not in seen]
        heavy = sorted({name(v) for v in again})
        print(f"{len(u):>6} {len(again):>5}  {command}: compiled again after make test's builds")
        if heavy:
            print("        " + " ".join(heavy))


if __name__ == "__main__":
    main()
