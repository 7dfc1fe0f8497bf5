#!/usr/bin/env bash
# Serving benchmark of issue 6, side by side in one run:
#  1. single-row JSON invocations over keep-alive connections (wrk) at 1, 16 and 64
#     connections against a Strata endpoint and against Flask + python3-xgboost under
#     gunicorn, both serving the same 200-tree XGBoost model on 30 raw columns;
#  2. batch prediction of a 1,000,000-row CSV: `strata transform` against pandas.read_csv
#     + xgboost predict.
# Debian's python3 (/usr/bin/python3) is used explicitly: a python3 earlier on PATH may lack
# the packages scripts/install-deps --bench installs.
# Usage: bench/endpoints_bench.sh [seconds per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
STRATA=$PWD/build/strata
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PORT=18431
FLASK_PORT=18432

/usr/bin/python3 bench/gen_numeric_classification.py "$WORK/train.csv" 20000
"$STRATA" server --data-dir "$WORK/data" --port $PORT --log-level warn >"$WORK/server.log" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
S="--server http://127.0.0.1:$PORT"
"$STRATA" datasets import "$WORK/train.csv" --name bench $S -o json >/dev/null
"$STRATA" train --dataset bench --target y --model bench --hp num_round=200 --hp early_stopping_rounds=0 \
  --hp max_depth=6 --wait $S -o json >/dev/null
"$STRATA" endpoints create bench --model bench $S -o json >/dev/null
MODEL_FILE=$(find "$WORK/data/objects/models/bench" -name xgboost.json | head -1)

ROW=$(/usr/bin/python3 -c 'import random; r=random.Random(1); print("{" + ",".join(f"\"f{i}\": {r.gauss(0,1):.5f}" for i in range(30)) + "}")')
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"instances": [$ROW]}'
LUA
# The same paced: each connection waits 1 ms between its requests, so N connections
# offer about N x 1000 requests/s (Debian has no wrk2 for a fixed rate).
{ cat "$WORK/post.lua"; echo 'function delay() return 1 end'; } >"$WORK/paced.lua"
curl -sf -X POST -H 'Content-Type: application/json' -d "{\"instances\": [$ROW]}" \
  "http://127.0.0.1:$PORT/api/v1/endpoints/bench/invocations" >/dev/null

MODEL="$MODEL_FILE" gunicorn --chdir bench -w 2 -k gthread --threads 8 -b 127.0.0.1:$FLASK_PORT \
  --log-level warning flask_xgboost_server:app >"$WORK/flask.log" 2>&1 &
for _ in $(seq 100); do curl -sf -X POST -H 'Content-Type: application/json' -d "{\"instances\": [$ROW]}" \
  "http://127.0.0.1:$FLASK_PORT/invocations" >/dev/null && break; sleep 0.2; done

run_wrk() {  # url connections [script] -> "rps p50_ms p99_ms"
  local out
  out=$(wrk -t "$(( $2 < 2 ? 1 : 2 ))" -c "$2" -d "${DURATION}s" --latency -s "${3:-$WORK/post.lua}" "$1")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() {  # wrk prints 812.00us, 1.23ms, 2.01s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /s$/ && v !~ /ms$/) n *= 1000; printf "%.3f", n }'
}

echo "# Serving: 200-tree XGBoost, 30 raw columns, one row per request, keep-alive ($DURATION s per run)"
printf "%-12s %6s %12s %9s %9s\n" server conns "requests/s" "p50 ms" "p99 ms"
declare -A RPS
for c in 1 16 64; do
  read -r rps p50 p99 <<<"$(run_wrk "http://127.0.0.1:$PORT/api/v1/endpoints/bench/invocations" $c)"
  RPS[strata$c]=$rps
  printf "%-12s %6s %12s %9s %9s\n" strata "$c" "$rps" "$p50" "$p99"
  read -r rps p50 p99 <<<"$(run_wrk "http://127.0.0.1:$FLASK_PORT/invocations" $c)"
  RPS[flask$c]=$rps
  printf "%-12s %6s %12s %9s %9s\n" flask+gunicorn "$c" "$rps" "$p50" "$p99"
done
echo "throughput ratio at 64 connections: $(awk -v a="${RPS[strata64]}" -v b="${RPS[flask64]}" 'BEGIN{printf "%.1fx", a/b}')"

# p99 at half of Strata's maximum throughput: paced connections (1 ms between requests)
# offering half of the best rate above.
MAX=$(printf "%s\n" "${RPS[strata1]}" "${RPS[strata16]}" "${RPS[strata64]}" | sort -g | tail -1)
PACED=$(awk -v m="$MAX" 'BEGIN { c = int(m / 2 / 1000 + 0.5); print (c < 1 ? 1 : c) }')
read -r rps p50 p99 <<<"$(run_wrk "http://127.0.0.1:$PORT/api/v1/endpoints/bench/invocations" "$PACED" "$WORK/paced.lua")"
# wrk's timers fire late, so a connection offers less than 1000/s: scale the connections
# by what the first paced run reached, and measure again.
PACED=$(awk -v m="$MAX" -v c="$PACED" -v r="$rps" 'BEGIN { n = int(c * m / 2 / r + 0.5); print (n < 1 ? 1 : n) }')
read -r rps p50 p99 <<<"$(run_wrk "http://127.0.0.1:$PORT/api/v1/endpoints/bench/invocations" "$PACED" "$WORK/paced.lua")"
echo "strata at about half its maximum of $MAX requests/s ($PACED paced connections): $rps requests/s, p50 $p50 ms, p99 $p99 ms"
echo
echo "# Batch: 1,000,000 rows x 30 columns, CSV in, CSV out"
/usr/bin/python3 bench/gen_numeric_classification.py "$WORK/big.csv" 1000000 --no-label
t0=$(date +%s.%N)
"$STRATA" transform --model bench --input "$WORK/big.csv" --output "$WORK/strata_out.csv" --wait $S -o json >"$WORK/tf.json"
t1=$(date +%s.%N)
/usr/bin/python3 bench/batch_predict_pandas.py "$MODEL_FILE" "$WORK/big.csv" "$WORK/pandas_out.csv"
t2=$(date +%s.%N)
st=$(echo "$t1 - $t0" | bc); pt=$(echo "$t2 - $t1" | bc)
printf "strata transform      %6.2f s  %9.0f rows/s\n" "$st" "$(echo "1000000 / $st" | bc -l)"
printf "pandas + xgboost      %6.2f s  %9.0f rows/s\n" "$pt" "$(echo "1000000 / $pt" | bc -l)"
echo "speed-up: $(echo "scale=2; $pt / $st" | bc)x"
