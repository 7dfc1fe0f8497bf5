#!/usr/bin/env bash
# The pca and anomaly benchmark of issue 5, side by side in one run on one generated
# CSV (ROWS x 20 numeric columns from 5 latent factors, 1% planted anomalies labelled
# is_anomaly): `strata datasets import` + `strata train --algorithm pca|anomaly` against
# pandas.read_csv + scikit-learn (StandardScaler + PCA, IsolationForest on all cores)
# with the same settings; Strata's train time with the import in parentheses. Metrics
# on all rows for both: Strata's through
# `strata models evaluate` (not timed), the total explained variance ratio of 5
# components and the ROC AUC of the anomaly scores against the labels.
# Usage: bench/pca_anomaly_bench.sh [rows, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
STRATA=$PWD/build/strata
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
strata() { "$STRATA" --data-dir "$WORK/data" "$@"; }
now() { date +%s.%N; }
field() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }

/usr/bin/python3 bench/gen_latent_anomalies.py "$WORK/data.csv" "$ROWS"
t0=$(now)
strata datasets import "$WORK/data.csv" --name bench -o json >/dev/null
t1=$(now)
strata train --dataset bench --algorithm pca --hp components=5 --model pca \
  --preprocessing '{"drop": ["is_anomaly"]}' --wait -o json >"$WORK/pca.json"
t2=$(now)
strata train --dataset bench --algorithm anomaly --target is_anomaly --model anomaly \
  --hp trees=100 --hp sample_size=256 --hp contamination=0.01 --wait -o json >"$WORK/anomaly.json"
t3=$(now)
strata models evaluate pca 1 --dataset bench -o json >"$WORK/pca_eval.json"
strata models evaluate anomaly 1 --dataset bench -o json >"$WORK/anomaly_eval.json"
py_pca=$(/usr/bin/python3 bench/sklearn_pca_anomaly.py pca "$WORK/data.csv")
py_anomaly=$(/usr/bin/python3 bench/sklearn_pca_anomaly.py anomaly "$WORK/data.csv")
py() { /usr/bin/python3 -c "import json; print(json.loads('$1')['$2'])"; }

imp=$(echo "$t1 - $t0" | bc)
echo "# pca and anomaly: $ROWS rows x 20 columns"
printf '| algorithm | rows x cols | Strata train (import) | Python | Strata metric | Python metric |\n'
printf '|---|---|---|---|---|---|\n'
printf '| `pca` vs sklearn PCA | %s x 20 | %.2f s (%.2f s) | %.2f s | explained variance %.4f | %.4f |\n' \
  "$ROWS" "$(echo "$t2 - $t1" | bc)" "$imp" "$(py "$py_pca" total_s)" \
  "$(field "$WORK/pca_eval.json" "['metrics']['total_explained_variance_ratio']")" "$(py "$py_pca" metric)"
printf '| `anomaly` vs sklearn IsolationForest | %s x 20 | %.2f s (%.2f s) | %.2f s | ROC AUC %.4f | %.4f |\n' \
  "$ROWS" "$(echo "$t3 - $t2" | bc)" "$imp" "$(py "$py_anomaly" total_s)" \
  "$(field "$WORK/anomaly_eval.json" "['metrics']['roc_auc']")" "$(py "$py_anomaly" metric)"
