#!/usr/bin/env bash
# The CLI and the service under hostile input, closed pipes, full disks, signals, broken
# upstreams and secrets in addresses. Usage: tests/robustness/run.sh PATH/TO/planet-bq
# Each case prints "ok: <name>" or "FAIL: <name>: why"; the script exits non-zero on any FAIL.
# Expected values are written here by hand (file names, counts, exit codes), never taken from
# planet-bq's own output. Memory is asserted as a bound (peak RSS), never a time.
set -uo pipefail
BIN=$(realpath "${1:?usage: run.sh PATH/TO/planet-bq}")
for tool in /usr/bin/time python3 gzip; do
    command -v "$tool" >/dev/null || { echo "robustness: needs $tool (GNU time: apt-get install time)"; exit 1; }
done
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d /tmp/planet-bq-robustness.XXXXXX)
MOUNTS=()
cleanup() {
    for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
FAILED=0
ok() { echo "ok: $1"; }
fail() { echo "FAIL: $1: $2"; FAILED=$((FAILED + 1)); }
EXAMPLE="$ROOT/examples/fleet-export.lp"
# One traffic point, in the window of the example's default --at.
POINT='ingress,service=api,address=10.0.0.1,remote_service=web,remote_address=10.0.0.2 bandwidth_bps=1500 1795349886000000000'

# N distinct traffic series in one hour: N traffic rows of about 300 bytes each.
series() {
    python3 -c '
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    out.write(f"ingress,service=svc{i},address=10.0.{i//250%250}.{i%250},remote_service=peer{i},remote_address=10.1.{i//250%250}.{i%250} bandwidth_bps={1000+i} 1795349886000000000\n")
' "$1"
}

# Runs a command: its peak resident memory (KiB) in $RSS, its exit code in $STATUS, its
# stderr in the file $1.
peak_rss() {
    local err=$1; shift
    /usr/bin/time -f '%M' -o "$WORK/rss" "$@" >/dev/null 2>"$err"
    STATUS=$?
    RSS=$(tail -1 "$WORK/rss")
}

no_temp_files() { # DIR: nothing but the expected names
    find "$1" -name '.*tmp-*' -o -name '.*old-*' | grep -q . && return 1 || return 0
}

# --- 1. standard output closed or full -----------------------------------------------------
python3 - "$BIN" "$EXAMPLE" >"$WORK/pipe.out" 2>&1 <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)  # every write gets EPIPE: the reader is gone before the first byte
p = subprocess.run([sys.argv[1], "analyze", sys.argv[2]], stdout=w, stderr=subprocess.PIPE)
sys.stdout.write(f"{p.returncode}\n{p.stderr.decode()}")
PY
code=$(head -1 "$WORK/pipe.out")
if [ "$code" = 0 ] && ! grep -q -e panicked -e 'error' "$WORK/pipe.out"; then ok "closed stdout: exit 0, no message"; else fail "closed stdout" "$(cat "$WORK/pipe.out")"; fi

series 3000 >"$WORK/big.lp"
"$BIN" analyze "$WORK/big.lp" 2>"$WORK/head.err" | head -1 >/dev/null
status=("${PIPESTATUS[@]}")
if [ "${status[0]}" = 0 ] && ! grep -q panicked "$WORK/head.err"; then ok "analyze | head -1"; else fail "analyze | head -1" "exit ${status[0]}: $(cat "$WORK/head.err")"; fi

"$BIN" analyze "$EXAMPLE" >/dev/full 2>"$WORK/full.err"
code=$?
if [ "$code" = 1 ] && grep -q 'error: writing to standard output: No space left on device' "$WORK/full.err" && ! grep -q panicked "$WORK/full.err"; then
    ok "stdout on a full disk: error, exit 1"
else fail "stdout on a full disk" "exit $code: $(cat "$WORK/full.err")"; fi

# --- 2. --out: both files or neither, never a temporary file left ---------------------------
old_pair() { mkdir -p "$1"; echo old-traffic >"$1/traffic.ndjson"; echo old-dependency >"$1/dependency.ndjson"; }
pair_is_old() { [ "$(cat "$1/traffic.ndjson")" = old-traffic ] && [ "$(cat "$1/dependency.ndjson")" = old-dependency ]; }

out="$WORK/rename-dir"; mkdir -p "$out/dependency.ndjson"; echo old-traffic >"$out/traffic.ndjson"
"$BIN" analyze --out "$out" "$EXAMPLE" 2>"$WORK/rename.err"; code=$?
if [ "$code" != 0 ] && [ "$(cat "$out/traffic.ndjson")" = old-traffic ] && no_temp_files "$out" && grep -q 'nothing written' "$WORK/rename.err"; then
    ok "--out: a rename onto a directory changes nothing and leaves no temp"
else fail "--out rename onto a directory" "exit $code; $(ls -A "$out"); $(cat "$WORK/rename.err")"; fi

if [ "$(id -u)" = 0 ] && mkdir -p "$WORK/small" && mount -t tmpfs -o size=64k tmpfs "$WORK/small" 2>/dev/null; then
    MOUNTS+=("$WORK/small")
    old_pair "$WORK/small/out"
    series 1000 >"$WORK/k1.lp" # about 300 KB of traffic rows: more than the disk holds
    "$BIN" analyze --out "$WORK/small/out" "$WORK/k1.lp" 2>"$WORK/enospc.err"; code=$?
    if [ "$code" = 1 ] && pair_is_old "$WORK/small/out" && no_temp_files "$WORK/small/out" && grep -q 'No space left on device' "$WORK/enospc.err"; then
        ok "--out on a full disk: error, old pair kept, no temp"
    else fail "--out on a full disk" "exit $code; $(ls -A "$WORK/small/out"); $(cat "$WORK/enospc.err")"; fi
    mkdir -p "$WORK/ro" && mount -t tmpfs -o size=1m tmpfs "$WORK/ro" && MOUNTS+=("$WORK/ro")
    old_pair "$WORK/ro/out"; mount -o remount,ro "$WORK/ro"
    "$BIN" analyze --out "$WORK/ro/out" "$EXAMPLE" 2>"$WORK/ro.err"; code=$?
    if [ "$code" = 1 ] && pair_is_old "$WORK/ro/out" && grep -q 'Read-only file system' "$WORK/ro.err"; then
        ok "--out on a read-only disk: error, old pair kept"
    else fail "--out on a read-only disk" "exit $code; $(cat "$WORK/ro.err")"; fi
else
    echo "skip: full and read-only disks need root and mount (tmpfs)"
fi

# SIGINT and SIGTERM while the temporary file is being written: 200,000 rows, about 60 MB.
# The process is stopped (SIGSTOP) as soon as its temporary file is seen; only if the file is
# still there is it sent the signal and continued, so the signal surely arrives mid-write. If
# the write had already finished (a fast machine), that attempt says nothing and is made again.
series 200000 >"$WORK/many.lp"
for sig in INT TERM; do
    out="$WORK/signal-$sig"
    verdict=""
    for attempt in 1 2 3 4 5; do
        rm -rf "$out"; old_pair "$out"
        # SIGINT back to its default: a background job of a script starts with it ignored, and
        # so does everything under a CI started in the background (planet-bq then rightly keeps
        # it ignored). exec keeps the pid.
        python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
            "$BIN" analyze --out "$out" "$WORK/many.lp" 2>"$WORK/signal.err" &
        pid=$!
        while kill -0 "$pid" 2>/dev/null && ! compgen -G "$out/.traffic.ndjson.tmp-*" >/dev/null; do sleep 0.01; done
        kill -STOP "$pid" 2>/dev/null
        if compgen -G "$out/.traffic.ndjson.tmp-*" >/dev/null; then
            kill -s "$sig" "$pid"; kill -CONT "$pid"; wait "$pid"; code=$?
            expected=$([ "$sig" = INT ] && echo 130 || echo 143)
            if [ "$code" = "$expected" ] && pair_is_old "$out" && no_temp_files "$out"; then
                verdict="ok"
            else verdict="exit $code; $(ls -A "$out"); $(cat "$WORK/signal.err")"; fi
            break
        fi
        kill -CONT "$pid" 2>/dev/null; wait "$pid"
        verdict="the temporary file was never seen while the process ran ($attempt attempts; too fast to interrupt?)"
    done
    if [ "$verdict" = ok ]; then
        ok "SIG$sig during --out: exit $expected, old pair kept, temp removed"
    else fail "SIG$sig during --out" "$verdict"; fi
done

# --- 3. line length bound -------------------------------------------------------------------
long_line() { # 200 MB without a newline, then one good point
    { head -c 200000000 /dev/zero | tr '\0' 'a'; printf '\n%s\n' "$POINT"; }
}
peak_rss "$WORK/long.err" bash -c "$(declare -f long_line); POINT='$POINT'; long_line | '$BIN' analyze --out '$WORK/long-out' -"; rss=$RSS
# 64 MiB of line at most, plus the program: far below the 1.6 GB the whole line took.
if [ "$STATUS" = 0 ] && [ "$rss" -lt 200000 ] && grep -q -- '-:1: line longer than 67108864 bytes' "$WORK/long.err" && [ "$(wc -l <"$WORK/long-out/traffic.ndjson")" = 1 ]; then
    ok "a 200 MB line: one warning naming -:1, next line read, peak RSS ${rss} KiB"
else fail "a 200 MB line" "exit $STATUS, peak RSS ${rss} KiB; $(head -c 600 "$WORK/long.err")"; fi
peak_rss "$WORK/long1m.err" bash -c "$(declare -f long_line); POINT='$POINT'; long_line | '$BIN' analyze --max-line-bytes 1048576 --strict -"; rss=$RSS
if [ "$STATUS" = 1 ] && [ "$rss" -lt 100000 ] && grep -q -- '-:1: line longer than 1048576 bytes' "$WORK/long1m.err"; then
    ok "--max-line-bytes 1M --strict: error at line 1, peak RSS ${rss} KiB"
else fail "--max-line-bytes --strict" "exit $STATUS, peak RSS ${rss} KiB; $(head -c 600 "$WORK/long1m.err")"; fi
peak_rss "$WORK/zero.err" timeout 120 "$BIN" analyze /dev/zero; rss=$RSS
if [ "$STATUS" = 1 ] && [ "$rss" -lt 100000 ] && grep -q '/dev/zero: not text: a NUL byte at byte 0' "$WORK/zero.err"; then
    ok "analyze /dev/zero: one error, peak RSS ${rss} KiB"
else fail "analyze /dev/zero" "exit $STATUS, peak RSS ${rss} KiB; $(head -c 600 "$WORK/zero.err")"; fi

# --- 4. gzip, binary and unreadable input ---------------------------------------------------
gzip -c "$EXAMPLE" >"$WORK/fleet.lp.gz"
"$BIN" analyze --out "$WORK/plain" "$EXAMPLE" 2>/dev/null
"$BIN" analyze --out "$WORK/gz" "$WORK/fleet.lp.gz" 2>"$WORK/gz.err"; code=$?
"$BIN" analyze --out "$WORK/gz-stdin" - <"$WORK/fleet.lp.gz" 2>/dev/null
if [ "$code" = 0 ] && [ -s "$WORK/plain/traffic.ndjson" ] && cmp -s "$WORK/plain/traffic.ndjson" "$WORK/gz/traffic.ndjson" \
    && cmp -s "$WORK/plain/dependency.ndjson" "$WORK/gz/dependency.ndjson" && cmp -s "$WORK/plain/traffic.ndjson" "$WORK/gz-stdin/traffic.ndjson" \
    && ! grep -q warning "$WORK/gz.err"; then
    ok "gzip input (file and stdin): the rows of the plain file"
else fail "gzip input" "exit $code; $(head -c 600 "$WORK/gz.err")"; fi
head -c $(($(stat -c %s "$WORK/fleet.lp.gz") - 10)) "$WORK/fleet.lp.gz" >"$WORK/cut.gz" # without the end of its trailer
old_pair "$WORK/cut-out"
"$BIN" analyze --out "$WORK/cut-out" "$WORK/cut.gz" 2>"$WORK/cut.err"; code=$?
if [ "$code" = 1 ] && pair_is_old "$WORK/cut-out" && grep -q 'cut.gz: not a valid gzip stream' "$WORK/cut.err"; then ok "a cut gzip file: error, output kept"; else fail "cut gzip" "exit $code; $(cat "$WORK/cut.err")"; fi
head -c 100000 /dev/urandom | tr -d '\0' >"$WORK/random.bin"
"$BIN" analyze "$WORK/random.bin" 2>"$WORK/random.err"; code=$?
if [ "$code" = 1 ] && [ "$(wc -l <"$WORK/random.err")" -le 2 ] && grep -q 'random.bin: not text' "$WORK/random.err"; then ok "random bytes: one error"; else fail "random bytes" "exit $code; $(head -c 600 "$WORK/random.err")"; fi
printf 'hello\nthis is not an export\n' >"$WORK/notes.txt"
"$BIN" analyze "$WORK/notes.txt" 2>"$WORK/notes.err"; code=$?
if [ "$code" = 1 ] && grep -q 'notes.txt: no line could be read (2 malformed line(s) skipped)' "$WORK/notes.err"; then ok "every line malformed: exit 1"; else fail "every line malformed" "exit $code; $(cat "$WORK/notes.err")"; fi

# --- 5. flag validation ---------------------------------------------------------------------
check_refused() { # NAME EXPECTED-TEXT ARGS...
    local name=$1 text=$2; shift 2
    "$BIN" "$@" >"$WORK/flag.out" 2>&1; local code=$?
    if [ "$code" = 2 ] && grep -qF -- "$text" "$WORK/flag.out"; then ok "refused: $name"; else fail "refused: $name" "exit $code; $(head -c 400 "$WORK/flag.out")"; fi
}
check_refused "--traffic-window=-1h" 'must be greater than zero' analyze --traffic-window=-1h "$EXAMPLE"
check_refused "--dependency-window=0s" 'must be greater than zero' analyze --dependency-window=0s "$EXAMPLE"
check_refused "--wasm-timeout=-1s" 'must be greater than zero' analyze --wasm-timeout=-1s "$EXAMPLE"
check_refused "once --traffic-window=-1h" 'must be greater than zero' once traffic --traffic-window=-1h --dry-run
check_refused "--min-bandwidth NaN" 'must be a finite number' analyze --min-bandwidth NaN "$EXAMPLE"
check_refused "--min-bandwidth inf" 'must be a finite number' analyze --min-bandwidth inf "$EXAMPLE"
check_refused "--at 9999" 'out of range: supported from 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z' analyze --at 9999-01-01T00:00:00Z "$EXAMPLE"
"$BIN" analyze --profile nosuch.json "$EXAMPLE" >"$WORK/profile.out" 2>&1; code=$?
if [ "$code" = 1 ] && grep -q 'nosuch.json: file not found' "$WORK/profile.out"; then ok "--profile nosuch.json: file not found"; else fail "--profile nosuch.json" "exit $code; $(cat "$WORK/profile.out")"; fi

# --- 6. credentials in --influxdb-addr ------------------------------------------------------
state="$WORK/state.json"
for run in 1 2; do
    "$BIN" once traffic --influxdb-addr 'http://bob:SECRET@127.0.0.1:9/' --retries 0 --state-file "$state" \
        --out "$WORK/secret-out" --at 2026-11-22T12:00:00Z >"$WORK/secret.$run" 2>&1
    echo "exit $?" >>"$WORK/secret.$run"
done
if grep -q 'exit 1' "$WORK/secret.1" && grep -q 'exit 1' "$WORK/secret.2" && [ -s "$state" ] && ! grep -q SECRET "$WORK/secret.1" "$WORK/secret.2" "$state" && grep -q '127.0.0.1:9' "$WORK/secret.1"; then
    ok "credentials in the address: not in errors, logs nor the state file"
else fail "credentials in the address" "$(grep -h SECRET "$WORK/secret.1" "$WORK/secret.2" "$state" | head -5)"; fi
for addr in 'http://127.0.0.1:9/p?x=1' 'http://127.0.0.1:9/p#f' 'http://'; do
    "$BIN" once traffic --influxdb-addr "$addr" --dry-run --state-file "$state" >"$WORK/addr.out" 2>&1; code=$?
    if [ "$code" = 1 ] && grep -q -e 'is not allowed' -e 'no host' -e 'empty host' "$WORK/addr.out"; then ok "--influxdb-addr $addr refused"; else fail "--influxdb-addr $addr" "exit $code; $(head -c 400 "$WORK/addr.out")"; fi
done

# --- 7. an InfluxDB answer that never ends its line -----------------------------------------
port_file="$WORK/endless.port"
python3 - "$port_file" <<'PY' &
import http.server, socketserver, sys
class Endless(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self): self.answer()
    def do_POST(self): self.answer()
    def answer(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Influxdb-Version", "1.8.10")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        head = b'{"results":[{"statement_id":0,"series":[{"name":"ingress","columns":["time","v"],"values":['
        body = b"[1,1]," * 100000
        try:
            for piece in [head] + [body] * 100000:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        except OSError:
            pass  # planet-bq hung up, as it should
class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    def handle_error(self, *a): pass  # a closed connection is the expected end
server = Server(("127.0.0.1", 0), Endless)
open(sys.argv[1], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
server=$!
while [ ! -s "$port_file" ]; do sleep 0.05; done
peak_rss "$WORK/endless.err" timeout 300 "$BIN" once traffic --influxdb-addr "http://127.0.0.1:$(cat "$port_file")" --retries 0 \
    --state-file "$WORK/endless-state.json" --out "$WORK/endless-out" --at 2026-11-22T12:00:00Z
rss=$RSS
kill "$server"
if [ "$STATUS" = 1 ] && [ "$rss" -lt 400000 ] && grep -q 'line longer than 67108864 bytes' "$WORK/endless.err"; then
    ok "an endless InfluxDB answer line: error, peak RSS ${rss} KiB"
else fail "an endless InfluxDB answer line" "exit $STATUS, peak RSS ${rss} KiB; $(head -c 600 "$WORK/endless.err")"; fi

# --- 8. smaller cases -----------------------------------------------------------------------
printf 'name,host=a value=1 1795349886000000000\n%s\n' "$POINT" >"$WORK/name.lp"
"$BIN" analyze --strict --out "$WORK/name-out" "$WORK/name.lp" 2>"$WORK/name.err"; code=$?
if [ "$code" = 0 ] && [ "$(wc -l <"$WORK/name-out/traffic.ndjson")" = 1 ]; then ok "line protocol starting with measurement 'name' is read as line protocol"; else fail "measurement 'name'" "exit $code; $(cat "$WORK/name.err")"; fi
printf 'ingress,service=a,remote_service=b bandwidth_bps=1 9223372036854775807\n' >"$WORK/max.lp"
"$BIN" analyze "$WORK/max.lp" >"$WORK/max.out" 2>&1
if grep -q 'inventory_date 2262-04-11T23:00:00Z' "$WORK/max.out"; then ok "a point at i64::MAX: the window ends on the hour"; else fail "i64::MAX point" "$(head -3 "$WORK/max.out")"; fi

for value in 'NaN' '1e400' '18446744073709551615u' '"x"' 'true'; do
    printf '%s\ningress,service=api,remote_service=web bandwidth_bps=%s 1795349886000000000\n' "$POINT" "$value" >"$WORK/value.lp"
    "$BIN" analyze --strict "$WORK/value.lp" >/dev/null 2>"$WORK/value.err"; code=$?
    if [ "$code" = 1 ] && grep -q "value.lp:2: field bandwidth_bps: " "$WORK/value.err"; then ok "--strict: bandwidth_bps=$value is an error at line 2"; else fail "--strict bandwidth_bps=$value" "exit $code; $(cat "$WORK/value.err")"; fi
done

# The same in the formats without types in the syntax: CSV (a cell that is no number), annotated
# CSV (a string or boolean column), query JSON (a row of the series; its other rows still count).
printf 'name,tags,time,bandwidth_bps,remote_service,service\ningress,,1795349886000000000,1000,web,api\ningress,,1795349887000000000,x,web,api\ningress,,1795349888000000000,NaN,web,api\n' >"$WORK/value.csv"
printf '#datatype,string,long,dateTime:RFC3339,boolean,string,string,string,string\n#group,false,false,false,false,true,true,true,true\n#default,_result,,,,,,,\n,result,table,_time,_value,_field,_measurement,remote_service,service\n,,0,2026-11-22T12:00:00Z,true,bandwidth_bps,ingress,web,api\n\n#datatype,string,long,dateTime:RFC3339,double,string,string,string,string\n#group,false,false,false,false,true,true,true,true\n#default,_result,,,,,,,\n,result,table,_time,_value,_field,_measurement,remote_service,service\n,,1,2026-11-22T12:00:30Z,2000,bandwidth_bps,ingress,web,api\n' >"$WORK/value.annotated.csv"
printf '{"results":[{"statement_id":0,"series":[{"name":"ingress","tags":{"service":"api","remote_service":"web"},"columns":["time","bandwidth_bps"],"values":[["2026-11-22T12:00:00Z",1000],["2026-11-22T12:00:30Z","x"],["2026-11-22T12:01:00Z",3000]]}]}]}\n' >"$WORK/value.json"
for case in 'value.csv:3:field bandwidth_bps: a string' 'value.annotated.csv:5:field bandwidth_bps: a boolean' 'value.json:1:series "ingress", row 2: field bandwidth_bps: a string'; do
    file=${case%%:*}; rest=${case#*:}; line=${rest%%:*}; text=${rest#*:}
    "$BIN" analyze --strict "$WORK/$file" >/dev/null 2>"$WORK/strict.err"; code=$?
    if [ "$code" = 1 ] && grep -qF "$file:$line: $text" "$WORK/strict.err"; then ok "--strict: $text in $file at line $line"; else fail "--strict $file" "exit $code; $(cat "$WORK/strict.err")"; fi
    "$BIN" analyze --out "$WORK/lenient-$file" "$WORK/$file" 2>"$WORK/lenient.err"; code=$?
    if [ "$code" = 0 ] && grep -qF "warning: $WORK/$file:$line: $text" "$WORK/lenient.err" && [ "$(wc -l <"$WORK/lenient-$file/traffic.ndjson")" = 1 ]; then
        ok "without --strict: a warning for $file, the good points still counted"
    else fail "lenient $file" "exit $code; $(cat "$WORK/lenient.err")"; fi
done
grep -q '"traffic_bandwidth_bits_avg_1h":2000' "$WORK/lenient-value.json/traffic.ndjson" && ok "query JSON: rows 1 and 3 of the series still averaged" || fail "query JSON rows" "$(cat "$WORK/lenient-value.json/traffic.ndjson")"

# The same point twice: overlapping exports, a file given twice. Counted once, as InfluxDB does.
printf 'ingress,service=api,remote_service=web bandwidth_bps=1000 1795348800000000000\ningress,service=api,remote_service=web bandwidth_bps=2000 1795348830000000000\n' >"$WORK/dup1.lp"
printf 'ingress,service=api,remote_service=web bandwidth_bps=2000 1795348830000000000\ningress,service=api,remote_service=web bandwidth_bps=6000 1795348860000000000\n' >"$WORK/dup2.lp"
"$BIN" analyze --out "$WORK/dup-out" "$WORK/dup1.lp" "$WORK/dup2.lp" "$WORK/dup2.lp" 2>"$WORK/dup.err"; code=$?
# 1000, 2000, 6000: avg 3000 (not 2750 nor 3400 as with duplicates counted).
if [ "$code" = 0 ] && grep -q '"traffic_bandwidth_bits_avg_1h":3000' "$WORK/dup-out/traffic.ndjson" && grep -q '^3 duplicate point(s)' "$WORK/dup.err"; then
    ok "duplicate points across files: counted once, and said"
else fail "duplicate points" "exit $code; $(cat "$WORK/dup-out/traffic.ndjson" "$WORK/dup.err")"; fi

# The wasm engine's code cache on a read-only disk: a warning, and the module compiled instead.
module=${PLANET_BQ_WASM_MODULE:-$(dirname "$BIN")/../wasm32-unknown-unknown/wasm-release/planet_wasm_abi.wasm}
if [ -f "$module" ] && [ "$(id -u)" = 0 ] && mkdir -p "$WORK/rocache" && mount -t tmpfs -o size=1m,ro tmpfs "$WORK/rocache" 2>/dev/null; then
    MOUNTS+=("$WORK/rocache")
    "$BIN" analyze --engine wasm --wasm-module "$module" --wasm-cache "$WORK/rocache/cache" --out "$WORK/wasm-out" "$EXAMPLE" 2>"$WORK/rocache.err"; code=$?
    if [ "$code" = 0 ] && grep -q 'warning: cannot use the WebAssembly code cache; compiling the module instead:.*Read-only file system' "$WORK/rocache.err" \
        && cmp -s "$WORK/wasm-out/traffic.ndjson" "$WORK/plain/traffic.ndjson"; then
        ok "--wasm-cache on a read-only disk: a warning, same rows"
    else fail "--wasm-cache on a read-only disk" "exit $code; $(head -c 600 "$WORK/rocache.err")"; fi
else
    echo "skip: --wasm-cache on a read-only disk needs root, mount and the wasm module (make wasm-abi, or PLANET_BQ_WASM_MODULE)"
fi

if [ "$FAILED" = 0 ]; then echo "robustness: all cases passed"; else echo "robustness: $FAILED case(s) failed"; exit 1; fi
