#!/usr/bin/env bash
# Dataset import and profiling, Strata against pandas, side by side in one run.
# Usage: bench/datasets_bench.sh [ROWS]   (default 1,000,000 rows x 20 mixed columns)
# Needs python3-pandas (scripts/install-deps --bench installs it) and build/strata.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
work=${BENCH_DIR:-/tmp/strata-bench}
mkdir -p "$work"
csv="$work/mixed-$rows.csv"
[ -f "$csv" ] || { echo "generating $csv"; /usr/bin/python3 bench/gen_mixed_csv.py "$csv" "$rows"; }
size=$(stat -c %s "$csv")
strata=build/strata

measure() {  # measure OUT_PREFIX CMD...: wall seconds and peak RSS (MB) of a command
  /usr/bin/time -f "%e %M" -o "$work/$1.time" "${@:2}" > "$work/$1.out" 2> "$work/$1.err" ||
    { cat "$work/$1.err"; exit 1; }
  read -r secs kb < "$work/$1.time"
  echo "$secs $((kb / 1024))"
}

rm -rf "$work/data"
cat "$csv" > /dev/null  # both sides read from the page cache
read -r imp_s imp_mb < <(measure import $strata --data-dir "$work/data" datasets import "$csv" --name bench -o json)
read -r prof_s prof_mb < <(measure profile $strata --data-dir "$work/data" datasets profile bench -o json)
/usr/bin/python3 bench/pandas_import_profile.py "$csv" > "$work/pandas.json"
read -r pd_read pd_prof pd_mb < <(/usr/bin/python3 -c "import json; d=json.load(open('$work/pandas.json')); print(d['read_csv_s'], d['profile_s'], int(d['peak_rss_mb']))")

printf '\n%s rows x 20 columns, %.0f MB CSV, %s cores\n\n' "$rows" "$(echo "$size / 1000000" | bc -l)" "$(nproc)"
printf '| step | Strata | pandas %s | speed-up |\n|---|---|---|---|\n' "$(/usr/bin/python3 -c 'import pandas; print(pandas.__version__)')"
printf '| import (read_csv) | %.2f s | %.2f s | %.1fx |\n' "$imp_s" "$pd_read" "$(echo "$pd_read / $imp_s" | bc -l)"
printf '| profile (describe + corr) | %.2f s | %.2f s | %.1fx |\n' "$prof_s" "$pd_prof" "$(echo "$pd_prof / $prof_s" | bc -l)"
printf '| peak memory | %s MB import, %s MB profile | %s MB | |\n' "$imp_mb" "$prof_mb" "$pd_mb"
