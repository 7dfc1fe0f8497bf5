#!/usr/bin/env bash
# kmeans and knn benchmark of issue 5, side by side in one run on the same generated CSV
# files: `strata train` (import reported separately) against the same algorithm from
# its library's Python package (pandas.read_csv + standardization + fit, all cores).
#   kmeans: ROWS x 20 columns around 10 centres; k=10, 25 iterations, 3 runs (seeds);
#           Strata's kmeans vs faiss.Kmeans (random init) and sklearn KMeans
#           (k-means++); inertia of all rows, silhouette on 4,000 sampled rows
#   knn:    KNN_ROWS training rows x 20 columns, 5 classes, KNN_ROWS/5 test rows; k=5,
#           uniform weights, exact search; Strata's knn vs sklearn KNeighborsClassifier;
#           test accuracy. Strata's time includes predicting the test rows (validation).
# Usage: bench/faiss_bench.sh [ROWS, default 300000] [KNN_ROWS, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-300000}
KNN_ROWS=${2:-100000}
STRATA=$PWD/build/strata
PY=bench/faiss_python.py
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'d': d}))" "$@"; }

/usr/bin/python3 $PY gen-clusters "$WORK/clusters.csv" "$ROWS"
/usr/bin/python3 $PY gen-classes "$WORK/train.csv" "$WORK/test.csv" "$KNN_ROWS"
S() { "$STRATA" --data-dir "$WORK/data" "$@"; }

# kmeans: validation on the same dataset, so the metrics are of every row.
t0=$(now)
S datasets import "$WORK/clusters.csv" --name clusters -o json >/dev/null
t1=$(now)
S train --dataset clusters --algorithm kmeans --validation-dataset clusters --hp k=10 --hp iterations=25 \
  --wait -o json >"$WORK/kmeans.json"
t2=$(now)
/usr/bin/python3 $PY kmeans "$WORK/clusters.csv" 10 25 >"$WORK/kmeans_py.json"

# knn: train on train.csv, validate on test.csv.
t3=$(now)
S datasets import "$WORK/train.csv" --name knn-train -o json >/dev/null
S datasets import "$WORK/test.csv" --name knn-test -o json >/dev/null
t4=$(now)
S train --dataset knn-train --target y --algorithm knn --validation-dataset knn-test --hp k=5 \
  --wait -o json >"$WORK/knn.json"
t5=$(now)
/usr/bin/python3 $PY knn "$WORK/train.csv" "$WORK/test.csv" 5 >"$WORK/knn_py.json"

echo "# kmeans and knn: $(nproc) threads; import excluded from Strata's train time"
printf '| algorithm | data | Strata import | Strata train | Python (read + fit) | Strata metric | Python metric |\n'
printf '|---|---|---|---|---|---|---|\n'
printf '| kmeans vs faiss.Kmeans | %s x 20, k=10 | %.2f s | %.2f s | %.2f s | inertia %.0f, silhouette %.4f | inertia %.0f, silhouette %.4f |\n' \
  "$ROWS" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" \
  "$(json "$WORK/kmeans_py.json" "d['faiss']['seconds']")" \
  "$(json "$WORK/kmeans.json" "d['metrics']['inertia']")" "$(json "$WORK/kmeans.json" "d['metrics']['silhouette']")" \
  "$(json "$WORK/kmeans_py.json" "d['faiss']['inertia']")" "$(json "$WORK/kmeans_py.json" "d['faiss']['silhouette']")"
printf '| kmeans vs sklearn KMeans | %s x 20, k=10 | | | %.2f s | | inertia %.0f, silhouette %.4f |\n' \
  "$ROWS" "$(json "$WORK/kmeans_py.json" "d['sklearn']['seconds']")" \
  "$(json "$WORK/kmeans_py.json" "d['sklearn']['inertia']")" "$(json "$WORK/kmeans_py.json" "d['sklearn']['silhouette']")"
printf '| knn vs sklearn KNeighborsClassifier | %s (+%s test) x 20, k=5 | %.2f s | %.2f s | %.2f s | accuracy %.4f | accuracy %.4f |\n' \
  "$KNN_ROWS" "$((KNN_ROWS / 5))" "$(echo "$t4 - $t3" | bc)" "$(echo "$t5 - $t4" | bc)" \
  "$(json "$WORK/knn_py.json" "d['sklearn']['seconds']")" \
  "$(json "$WORK/knn.json" "d['metrics']['accuracy']")" "$(json "$WORK/knn_py.json" "d['sklearn']['accuracy']")"
