#!/usr/bin/env bash
# Loopback load test for issue 2, all with one tool (wrk), in one run:
#   a.  GET /verify on a bare axum server (bench-baseline)                 -> rps
#   b0. GET /verify on Tessera without a cookie (401; diagnostic: no token work) -> rps
#   b.  GET /verify on Tessera (weplanx dialect, valid TOKEN cookie)       -> rps, b/a (target >= 70%)
#   c0. hash-rate --verify: argon2id verifies/s of Tessera's hasher on every core (the sign-in ceiling)
#   c.  POST /login on Tessera with the right password, several accounts   -> sign-ins/s, c/c0 (target >= 90%)
#   d.  GET /verify at a low, paced rate while (c) runs again in the background -> p99 (target < 5 ms)
# and prints a summary table. See benches/README.md.
#
# Everything listens on 127.0.0.1 only, every step is bounded in time, and every server this
# script starts is stopped on exit. Settings (environment):
#   DURATION=10             seconds per wrk phase (and for hash-rate)
#   THREADS=2 CONNECTIONS=64                   wrk threads / connections for (a) and (b)
#   SIGNIN_CONNECTIONS=8 SIGNIN_USERS=16       connections / accounts for (c) and (d)
#   LATENCY_CONNECTIONS=4 PACE_MS=10           verify connections and pause between requests in (d)
#   BASELINE_PORT=8090 TESSERA_PORT=8091
#   BUILD=1                 0 = use the release binaries already built
#   KEEP=0                  1 = keep the temporary data directory
#   RESULTS_DIR=target/bench-load/<time>   wrk outputs and the server log
# Other TESSERA_* variables reach the server (e.g. TESSERA_DATABASE_URL to measure PostgreSQL);
# data dir, listen address, mode and log level are set here.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-10}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
SIGNIN_CONNECTIONS="${SIGNIN_CONNECTIONS:-8}"
SIGNIN_USERS="${SIGNIN_USERS:-16}"
LATENCY_CONNECTIONS="${LATENCY_CONNECTIONS:-4}"
PACE_MS="${PACE_MS:-10}"
BASELINE_PORT="${BASELINE_PORT:-8090}"
TESSERA_PORT="${TESSERA_PORT:-8091}"
BUILD="${BUILD:-1}"
KEEP="${KEEP:-0}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
RESULTS_DIR="${RESULTS_DIR:-$TARGET_DIR/bench-load/$(date +%Y%m%d-%H%M%S)}"
BENCH_PASSWORD="quiet-load-harbor-7319"
export SIGNIN_USERS BENCH_PASSWORD PACE_MS

# Each wrk run gets this much longer than its -d before it is killed.
SLACK=30
LUA="$ROOT/benches/lua"
BIN="$TARGET_DIR/release"

die() {
    echo "load.sh: $*" >&2
    exit 1
}
log() { echo "==> $*" >&2; }

# --- tools --------------------------------------------------------------------------------
command -v curl >/dev/null || die "curl is needed"
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing wrk (apt-get install -y wrk)"
        apt-get install -y -qq wrk >/dev/null 2>&1 ||
            { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } ||
            die "could not install wrk"
    else
        die "wrk is needed: sudo apt-get install -y wrk (or build it from source)"
    fi
fi

for port in "$BASELINE_PORT" "$TESSERA_PORT"; do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
        die "port $port is already in use on 127.0.0.1 (set BASELINE_PORT / TESSERA_PORT)"
    fi
done

# --- build ---------------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
    log "building release binaries (cargo build --release -p tessera -p tessera-bench)"
    (cd "$ROOT" && cargo build --release -p tessera -p tessera-bench)
fi
for b in tessera bench-baseline hash-rate; do
    [ -x "$BIN/$b" ] || die "$BIN/$b is missing (run with BUILD=1)"
done

mkdir -p "$RESULTS_DIR"
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench.XXXXXX")"
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        # Bounded: a server that ignores SIGTERM for 10 s is killed.
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ "$KEEP" = 1 ]; then
        echo "data directory kept: $DATA_DIR" >&2
    else
        rm -rf "$DATA_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (at most 60 s) until http://127.0.0.1:$1$2 answers and process $3 is still alive.
wait_ready() {
    local port=$1 path=$2 pid=$3
    for _ in $(seq 1 600); do
        kill -0 "$pid" 2>/dev/null || die "the server on port $port exited (see $RESULTS_DIR)"
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port$path"; then
            return 0
        fi
        sleep 0.1
    done
    die "the server on port $port did not answer within 60 s"
}

# wrk with a hard time bound; output to $1.
run_wrk() {
    local out=$1 secs=$2
    shift 2
    timeout $((secs + SLACK)) wrk "$@" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
}

rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
# Non-2xx/3xx responses plus socket errors, 0 when wrk printed neither.
failures() {
    awk '/Non-2xx or 3xx responses:/ { n += $NF }
         /Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
         END { print n + 0 }' "$1"
}
# A percentile line of wrk's latency distribution ("99%" ...), in milliseconds.
percentile_ms() {
    awk -v want="$2" '/Latency Distribution/ { f = 1; next }
        f && $1 == want {
            v = $2
            if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 }
            else if (v ~ /ms$/) { sub(/ms$/, "", v) }
            else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 }
            printf "%.3f\n", v; exit
        }' "$1"
}
ratio_pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "n/a" }'; }
meets() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    ok = (op == ">=") ? (v + 0 >= t) : (v + 0 < t); print (v == "n/a" || v == "") ? "n/a" : (ok ? "yes" : "NO") }'; }
check_clean() {
    local f
    f=$(failures "$1")
    [ "$f" = 0 ] || die "$2: $f failed requests (non-2xx or socket errors), see $1"
}

# --- a. bare axum baseline -----------------------------------------------------------------
log "a. bare axum GET /verify: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
"$BIN/bench-baseline" --port "$BASELINE_PORT" 2>"$RESULTS_DIR/baseline.log" &
BASE_PID=$!
PIDS+=("$BASE_PID")
wait_ready "$BASELINE_PORT" /verify "$BASE_PID"
run_wrk "$RESULTS_DIR/a-baseline.txt" "$DURATION" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
    "http://127.0.0.1:$BASELINE_PORT/verify"
check_clean "$RESULTS_DIR/a-baseline.txt" "baseline"
BASE_RPS=$(rps "$RESULTS_DIR/a-baseline.txt")
kill "$BASE_PID" 2>/dev/null || true
wait "$BASE_PID" 2>/dev/null || true

# --- Tessera: accounts, server, a session ---------------------------------------------------
export TESSERA_DATA_DIR="$DATA_DIR"
export TESSERA_LISTEN="127.0.0.1:$TESSERA_PORT"
export TESSERA_MODE=development
export TESSERA_LOG_LEVEL=warn
log "creating $((SIGNIN_USERS + 1)) accounts with tessera user add (data dir $DATA_DIR)"
for n in $(seq 0 "$SIGNIN_USERS"); do
    printf '%s\n' "$BENCH_PASSWORD" |
        timeout 60 "$BIN/tessera" user add --email "bench$n@example.com" --name "Bench $n" \
            --password-stdin >/dev/null ||
        die "tessera user add bench$n@example.com failed"
done

log "starting tessera serve on 127.0.0.1:$TESSERA_PORT"
"$BIN/tessera" serve 2>"$RESULTS_DIR/tessera.log" &
TESSERA_PID=$!
PIDS+=("$TESSERA_PID")
wait_ready "$TESSERA_PORT" / "$TESSERA_PID"

# bench0 is only used for GET /verify: the weplanx dialect keeps one session per account, so
# the sign-in load (bench1..N) must not end this one.
status=$(curl -sS --max-time 10 -o /dev/null -D "$RESULTS_DIR/login-headers.txt" -w '%{http_code}' \
    -H 'content-type: application/json' \
    -d "{\"email\":\"bench0@example.com\",\"password\":\"$BENCH_PASSWORD\"}" \
    "http://127.0.0.1:$TESSERA_PORT/login")
[ "$status" = 204 ] || die "POST /login answered $status, expected 204"
TOKEN=$(sed -n 's/^[Ss]et-[Cc]ookie: TOKEN=\([^;]*\).*/\1/p' "$RESULTS_DIR/login-headers.txt" | tr -d '\r' | head -n 1)
[ -n "$TOKEN" ] || die "POST /login set no TOKEN cookie"
COOKIE="Cookie: TOKEN=$TOKEN"
status=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "$COOKIE" "http://127.0.0.1:$TESSERA_PORT/verify")
[ "$status" = 204 ] || die "GET /verify with the session cookie answered $status, expected 204"

# --- b0. the same request without a cookie: routing, middleware and a 401 body, no token ----
log "b0. Tessera GET /verify without a cookie (401): wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
run_wrk "$RESULTS_DIR/b0-verify-401.txt" "$DURATION" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
    "http://127.0.0.1:$TESSERA_PORT/verify"
UNAUTH_RPS=$(rps "$RESULTS_DIR/b0-verify-401.txt")

# --- b. Tessera GET /verify ----------------------------------------------------------------
log "b. Tessera GET /verify: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
run_wrk "$RESULTS_DIR/b-verify.txt" "$DURATION" -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
    -H "$COOKIE" "http://127.0.0.1:$TESSERA_PORT/verify"
check_clean "$RESULTS_DIR/b-verify.txt" "Tessera GET /verify"
VERIFY_RPS=$(rps "$RESULTS_DIR/b-verify.txt")

# --- c0. hash rate, right before the sign-ins, with the server idle ------------------------
log "c0. hash-rate --verify for ${DURATION}s on every core (Tessera's hasher, default parameters)"
timeout $((DURATION + SLACK)) "$BIN/hash-rate" --verify --seconds "$DURATION" | tee "$RESULTS_DIR/hash-rate.txt" >&2
HASH_RATE=$(sed -n 's/.*hash_rate_per_s=\([0-9.]*\).*/\1/p' "$RESULTS_DIR/hash-rate.txt")
HASH_PER_CORE=$(sed -n 's/.*hash_rate_per_core_per_s=\([0-9.]*\).*/\1/p' "$RESULTS_DIR/hash-rate.txt")
[ -n "$HASH_RATE" ] || die "hash-rate printed no figure"

# --- c. sign-ins per second ----------------------------------------------------------------
log "c. Tessera POST /login: wrk -t$THREADS -c$SIGNIN_CONNECTIONS -d${DURATION}s -s login.lua ($SIGNIN_USERS accounts)"
run_wrk "$RESULTS_DIR/c-login.txt" "$DURATION" -t"$THREADS" -c"$SIGNIN_CONNECTIONS" -d"${DURATION}s" \
    --timeout 10s -s "$LUA/login.lua" "http://127.0.0.1:$TESSERA_PORT"
check_clean "$RESULTS_DIR/c-login.txt" "POST /login"
LOGIN_RPS=$(rps "$RESULTS_DIR/c-login.txt")

# --- d. GET /verify latency while sign-ins saturate the hash pool -------------------------
log "d. GET /verify p99 (wrk -t1 -c$LATENCY_CONNECTIONS, ${PACE_MS} ms pace) under sign-in load"
run_wrk "$RESULTS_DIR/d-login-background.txt" $((DURATION + 2)) -t"$THREADS" -c"$SIGNIN_CONNECTIONS" \
    -d"$((DURATION + 2))s" --timeout 10s -s "$LUA/login.lua" "http://127.0.0.1:$TESSERA_PORT" &
BG=$!
sleep 1
run_wrk "$RESULTS_DIR/d-verify-latency.txt" "$DURATION" -t1 -c"$LATENCY_CONNECTIONS" -d"${DURATION}s" \
    --latency -s "$LUA/paced.lua" -H "$COOKIE" "http://127.0.0.1:$TESSERA_PORT/verify"
wait "$BG" || die "the background sign-in load failed"
check_clean "$RESULTS_DIR/d-verify-latency.txt" "GET /verify under load"
check_clean "$RESULTS_DIR/d-login-background.txt" "POST /login under load"
P50=$(percentile_ms "$RESULTS_DIR/d-verify-latency.txt" 50%)
P99=$(percentile_ms "$RESULTS_DIR/d-verify-latency.txt" 99%)
LAT_RPS=$(rps "$RESULTS_DIR/d-verify-latency.txt")
BG_LOGIN_RPS=$(rps "$RESULTS_DIR/d-login-background.txt")

# --- summary -------------------------------------------------------------------------------
VERIFY_PCT=$(ratio_pct "$VERIFY_RPS" "$BASE_RPS")
LOGIN_PCT=$(ratio_pct "$LOGIN_RPS" "$HASH_RATE")
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
{
    echo
    echo "Tessera load test — $(nproc) cores${CPU:+ ($CPU)}, DURATION=${DURATION}s, loopback, wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }')"
    echo
    printf '| %-52s | %12s | %-30s | %-10s |\n' "figure" "value" "vs" "target"
    printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..32})" "$(printf -- '-%.0s' {1..12})"
    printf '| %-52s | %12s | %-30s | %-10s |\n' "a. bare axum GET /verify rps (-c$CONNECTIONS)" "$BASE_RPS" "" ""
    printf '| %-52s | %12s | %-30s | %-10s |\n' "b0. Tessera GET /verify, no cookie (401) rps" "$UNAUTH_RPS" "$(ratio_pct "$UNAUTH_RPS" "$BASE_RPS")% of a (diagnostic)" ""
    printf '| %-52s | %12s | %-30s | %-10s |\n' "b. Tessera GET /verify rps (-c$CONNECTIONS)" "$VERIFY_RPS" "$VERIFY_PCT% of a" ">= 70% $(meets "$VERIFY_PCT" ">=" 70)"
    printf '| %-52s | %12s | %-30s | %-10s |\n' "c0. argon2id verifies/s, all cores (hash-rate)" "$HASH_RATE" "$HASH_PER_CORE per core" ""
    printf '| %-52s | %12s | %-30s | %-10s |\n' "c. Tessera sign-ins/s, POST /login (-c$SIGNIN_CONNECTIONS)" "$LOGIN_RPS" "$LOGIN_PCT% of hash rate" ">= 90% $(meets "$LOGIN_PCT" ">=" 90)"
    printf '| %-52s | %12s | %-30s | %-10s |\n' "d. GET /verify p99 ms under sign-in load" "$P99" "p50 $P50 ms, $LAT_RPS rps" "< 5 $(meets "$P99" "<" 5)"
    printf '| %-52s | %12s | %-30s | %-10s |\n' "d. sign-ins/s meanwhile" "$BG_LOGIN_RPS" "" ""
    echo
    echo "wrk outputs and server log: $RESULTS_DIR"
} | tee "$RESULTS_DIR/summary.txt"
