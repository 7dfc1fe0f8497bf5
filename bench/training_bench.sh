#!/usr/bin/env bash
# Training benchmark of issue 4, side by side in one run: a generated 1,000,000-row x
# 30-column classification CSV; `strata train` (import reported separately) against
# pandas.read_csv + one-hot + xgboost.train with the same hyperparameters (100 rounds,
# eta 0.3, depth 6, hist, all cores), and the validation AUC of both.
# Usage: bench/training_bench.sh [rows, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
STRATA=$PWD/build/strata
THREADS=$(nproc)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

/usr/bin/python3 bench/gen_numeric_classification.py "$WORK/train.csv" "$ROWS"
now() { date +%s.%N; }
t0=$(now)
"$STRATA" --data-dir "$WORK/data" datasets import "$WORK/train.csv" --name bench -o json >/dev/null
t1=$(now)
"$STRATA" --data-dir "$WORK/data" train --dataset bench --target y --model bench --problem binary_classification \
  --hp num_round=100 --hp eta=0.3 --hp max_depth=6 --hp tree_method=hist --hp early_stopping_rounds=0 \
  --hp nthread="$THREADS" --wait -o json >"$WORK/train.json"
t2=$(now)
strata_auc=$(/usr/bin/python3 -c "import json; print(json.load(open('$WORK/train.json'))['metrics']['roc_auc'])")
py=$(/usr/bin/python3 bench/pandas_xgboost_train.py "$WORK/train.csv" y 100 "$THREADS")
py_total=$(/usr/bin/python3 -c "import json; print(json.loads('$py')['total_s'])")
py_auc=$(/usr/bin/python3 -c "import json; print(json.loads('$py')['auc'])")
imp=$(echo "$t1 - $t0" | bc); trn=$(echo "$t2 - $t1" | bc); all=$(echo "$t2 - $t0" | bc)
echo "# Training: $ROWS rows x 30 columns, 100 rounds, depth 6, hist, $THREADS threads"
printf '| | Strata | pandas + xgboost | ratio |\n|---|---|---|---|\n'
printf '| import | %.2f s | | |\n' "$imp"
printf '| train (import excluded) | %.2f s | | |\n' "$trn"
printf '| end to end | %.2f s | %.2f s | %.2fx |\n' "$all" "$py_total" "$(echo "$all / $py_total" | bc -l)"
printf '| validation AUC | %.4f | %.4f | |\n' "$strata_auc" "$py_auc"
