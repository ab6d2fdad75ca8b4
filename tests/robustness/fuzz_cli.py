#!/usr/bin/env python3
"""Fuzzes whole `planet-bq analyze` runs: arbitrary files, flags and chunkings.

Each run takes seed inputs (examples/, tests/vectors/), mutates them (bytes flipped, cut,
duplicated or spliced, lines shuffled across formats, gzip, binary noise), picks flags at
random (valid values and hostile ones), and feeds the input either as files or through
standard input in random-sized chunks with pauses. It asserts what must hold for any input:

- the exit code is 0, 1 or 2 (never a panic's 101 or a signal), and a panic message never shows;
- peak memory (the child's max RSS, from the kernel) stays under a bound (--rss-mib): the
  inputs are small, so anything near the bound is a leak or an unbounded buffer;
- with --out: both files or neither, never a temporary file left behind.

A failing case is saved under --keep (input, flags, output) so it can be replayed. The run is
deterministic for a --seed and --runs; `make test` runs a short fixed one, `make fuzz-cli`
a long one (FUZZ_SECONDS).
"""
import argparse
import gzip
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FLAG_CHOICES = [
    [],
    ["--strict"],
    ["--all-warnings"],
    ["--percentiles"],
    ["--at", "2026-11-22T13:00:00Z"],
    ["--at", "1970-01-01T00:00:00Z"],
    ["--at", "2262-04-11T23:00:00Z"],
    ["--traffic-window", "90m"],
    ["--dependency-window", "36500d"],
    ["--format", "lp"], ["--format", "csv"], ["--format", "json"], ["--format", "annotated-csv"],
    ["--format", "prometheus-json"],
    ["--precision", "ms"], ["--precision", "s"], ["--precision", "ns"],
    ["--profile", "planet-exporter"],
    ["--min-bandwidth", "1000"],
    ["--exclude-ports", "22|53"], ["--exclude-addresses", ".*"],
    ["--hide-empty-remote"], ["--rename", "api=web"],
    ["--max-line-bytes", "64"], ["--max-line-bytes", "1048576"],
    ["--out-format", "csv"],
]

# Values the CLI must refuse with a message (exit 2, or 1 for a missing profile file).
HOSTILE_FLAGS = [
    ["--at", "not-a-time"], ["--traffic-window", "0s"], ["--format", "nope"],
    ["--profile", "/nonexistent.json"], ["--min-bandwidth", "-1"], ["--min-bandwidth", "NaN"],
    ["--exclude-ports", "("], ["--rename", "="], ["--max-line-bytes", "0"], ["--max-line-bytes", "1K"],
]


def seeds():
    files = []
    for base in (os.path.join(ROOT, "examples"), os.path.join(ROOT, "tests", "vectors")):
        for dirpath, _, names in os.walk(base):
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                if name.endswith((".md", ".ndjson", ".json5")) or os.path.getsize(path) > 256 * 1024:
                    continue
                if "expected" in name:
                    continue
                with open(path, "rb") as f:
                    files.append(f.read())
    return files


def mutate(rng, data, pool):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(10)
        if op == 0 and data:  # flip bytes
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1 and data:  # cut
            data = data[: rng.randrange(len(data) + 1)]
        elif op == 2 and data:  # duplicate a slice (duplicate points, repeated headers)
            a = rng.randrange(len(data))
            b = min(len(data), a + rng.randint(1, 4096))
            data[b:b] = data[a:b]
        elif op == 3:  # splice another seed's lines in (mixed formats)
            other = rng.choice(pool).splitlines(keepends=True)
            lines = bytes(data).splitlines(keepends=True)
            for line in rng.sample(other, min(len(other), rng.randint(1, 5))):
                lines.insert(rng.randrange(len(lines) + 1), line)
            data = bytearray(b"".join(lines))
        elif op == 4:  # shuffle lines
            lines = bytes(data).splitlines(keepends=True)
            rng.shuffle(lines)
            data = bytearray(b"".join(lines))
        elif op == 5:  # binary noise
            data[rng.randrange(len(data) + 1):0] = os.urandom(rng.randint(1, 512))
        elif op == 6:  # a long line without an end
            data += b"x" * rng.randint(1, 300_000)
        elif op == 7:  # CRLF, NULs, a BOM
            data = bytearray(rng.choice([b"\xef\xbb\xbf", b"", b"\0"]) + bytes(data).replace(b"\n", rng.choice([b"\r\n", b"\n", b"\n\n"])))
        elif op == 8 and data:  # numbers at the edges
            text = bytes(data)
            for old, new in ((b"=1", b"=1e400"), (b"=2", b"=-0"), (b" 17", b" 99999999999999999999")):
                if rng.random() < 0.3:
                    text = text.replace(old, new, 1)
            data = bytearray(text)
    if rng.random() < 0.15:
        data = bytearray(gzip.compress(bytes(data)))
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data) + 1)]
    return bytes(data)


def feed(proc, data, rng):
    """Writes data to the child's stdin in random chunks with short pauses."""
    try:
        i = 0
        while i < len(data):
            n = rng.randint(1, 65536)
            proc.stdin.write(data[i:i + n])
            proc.stdin.flush()
            i += n
            if rng.random() < 0.05:
                time.sleep(0.001)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def run_case(binary, rng, pool, work, rss_bound_kib):
    inputs = [mutate(rng, rng.choice(pool), pool) for _ in range(rng.randint(1, 3))]
    # Each option once (a repeated one is a usage error, which the hostile list covers).
    picked = {}
    for choice in rng.sample(FLAG_CHOICES, rng.randint(0, 4)):
        if choice:
            picked.setdefault(choice[0], choice)
    flags = [f for choice in picked.values() for f in choice]
    if rng.random() < 0.1:
        flags += rng.choice(HOSTILE_FLAGS)
    out_dir = os.path.join(work, "out") if rng.random() < 0.4 else None
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    argv = [binary, "analyze", *flags]
    if out_dir:
        argv += ["--out", out_dir]
    use_stdin = rng.random() < 0.4
    stdin_data = None
    if use_stdin:
        stdin_data = inputs[0]
        argv.append("-")
        inputs = inputs[1:]
    for k, data in enumerate(inputs):
        path = os.path.join(work, f"input{k}")
        with open(path, "wb") as f:
            f.write(data)
        argv.append(path)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if use_stdin else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    captured = {}

    def drain(name, stream):
        captured[name] = stream.read()

    threads = [threading.Thread(target=drain, args=("stdout", proc.stdout)),
               threading.Thread(target=drain, args=("stderr", proc.stderr))]
    if use_stdin:
        threads.append(threading.Thread(target=feed, args=(proc, stdin_data, random.Random(rng.random()))))
    for t in threads:
        t.start()
    timer = threading.Timer(120, proc.kill)
    timer.start()
    # wait4 gives this child's own peak RSS (KiB on Linux).
    _, status, usage = os.wait4(proc.pid, 0)
    hung = not timer.is_alive()
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join()
    stderr = captured.get("stderr", b"")
    rss = usage.ru_maxrss
    if hung:
        return argv, stdin_data, "hung for 120 s (killed)", stderr, None
    problems = []
    if proc.returncode not in (0, 1, 2):
        problems.append(f"exit code {proc.returncode}")
    if b"panicked" in stderr or b"RUST_BACKTRACE" in stderr:
        problems.append("a panic message")
    if rss > rss_bound_kib:
        problems.append(f"peak RSS {rss} KiB over the bound of {rss_bound_kib} KiB")
    if out_dir and os.path.isdir(out_dir):
        names = sorted(os.listdir(out_dir))
        temps = [n for n in names if ".tmp" in n]
        if temps:
            problems.append(f"temporary files left in --out: {temps}")
        pair = [n for n in names if n.startswith(("traffic.", "dependency."))]
        if len(pair) not in (0, 2):
            problems.append(f"--out holds half a pair: {names}")
    return argv, stdin_data, "; ".join(problems), stderr, proc.returncode


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--planet-bq", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=150)
    p.add_argument("--seconds", type=float, default=0, help="run for this long instead of --runs")
    p.add_argument("--rss-mib", type=int, default=256)
    p.add_argument("--keep", default=os.path.join(ROOT, "tests", ".work", "fuzz-cli-failures"))
    a = p.parse_args()
    binary = os.path.abspath(a.planet_bq)
    pool = seeds()
    if not pool:
        sys.exit("fuzz-cli: no seed inputs found under examples/ and tests/vectors/")
    rng = random.Random(a.seed)
    work_root = tempfile.mkdtemp(prefix="planet-bq-fuzz-cli.")
    failures = 0
    runs = 0
    deadline = time.time() + a.seconds if a.seconds else None
    codes = {}
    try:
        while (deadline and time.time() < deadline) or (not deadline and runs < a.runs):
            argv, stdin_data, problem, stderr, code = run_case(binary, rng, pool, os.path.join(work_root, "case"), a.rss_mib * 1024)
            runs += 1
            codes[code] = codes.get(code, 0) + 1
            if problem:
                failures += 1
                keep = os.path.join(a.keep, f"case-{a.seed}-{runs}")
                shutil.copytree(os.path.join(work_root, "case"), keep, dirs_exist_ok=True)
                if stdin_data is not None:
                    with open(os.path.join(keep, "stdin"), "wb") as f:
                        f.write(stdin_data)
                with open(os.path.join(keep, "argv"), "w") as f:
                    f.write(" ".join(argv) + "\n")
                with open(os.path.join(keep, "stderr"), "wb") as f:
                    f.write(stderr)
                print(f"FAIL run {runs}: {problem} (kept in {keep})")
                print("  " + " ".join(argv[1:]))
                print("  " + stderr.decode("utf-8", "replace")[-600:].replace("\n", "\n  "))
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    spread = ", ".join(f"exit {c}: {n}" for c, n in sorted(codes.items(), key=lambda kv: str(kv[0])))
    print(f"fuzz-cli: {runs} runs (seed {a.seed}; {spread}), {failures} failing")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
