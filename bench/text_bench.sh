#!/usr/bin/env bash
# text-classifier benchmark of issue 5, side by side in one run: a generated 20-class
# text set (bench/gen_text_classification.py; 12 words a row, overlapping classes),
# `strata train --algorithm text-classifier` with a separate validation dataset against
# the fasttext Python package (Debian's python3-fasttext) on the same two CSV files with
# the same hyperparameters: 5 epochs, lr 0.5, word bigrams, dim 50, 200,000 buckets,
# all cores. Validation accuracy of both.
# Usage: bench/text_bench.sh [training rows, default 500000]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-500000}
VALID=$((ROWS / 5))
STRATA=$PWD/build/strata
THREADS=$(nproc)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

/usr/bin/python3 bench/gen_text_classification.py "$WORK/train.csv" "$ROWS" 1
/usr/bin/python3 bench/gen_text_classification.py "$WORK/valid.csv" "$VALID" 2
now() { date +%s.%N; }
t0=$(now)
"$STRATA" --data-dir "$WORK/data" datasets import "$WORK/train.csv" --name texts -o json >/dev/null
"$STRATA" --data-dir "$WORK/data" datasets import "$WORK/valid.csv" --name texts-valid -o json >/dev/null
t1=$(now)
"$STRATA" --data-dir "$WORK/data" train --dataset texts --target label --algorithm text-classifier \
  --validation-dataset texts-valid --hp epochs=5 --hp lr=0.5 --hp word_ngrams=2 --hp dim=50 \
  --hp bucket=200000 --hp threads="$THREADS" --wait -o json >"$WORK/train.json"
t2=$(now)
strata_acc=$(/usr/bin/python3 -c "import json; print(json.load(open('$WORK/train.json'))['metrics']['accuracy'])")
py=$(/usr/bin/python3 bench/fasttext_train.py "$WORK/train.csv" "$WORK/valid.csv" 5 0.5 2 50 200000 "$THREADS")
py_total=$(/usr/bin/python3 -c "import json; print(json.loads('$py')['total_s'])")
py_acc=$(/usr/bin/python3 -c "import json; print(json.loads('$py')['accuracy'])")
imp=$(echo "$t1 - $t0" | bc); trn=$(echo "$t2 - $t1" | bc); all=$(echo "$t2 - $t0" | bc)
echo "# text-classifier: $ROWS training + $VALID validation rows, 20 classes, 5 epochs, bigrams, dim 50, $THREADS threads"
printf '| | Strata | python3-fasttext | ratio |\n|---|---|---|---|\n'
printf '| import (train + valid) | %.2f s | | |\n' "$imp"
printf '| train + validate (import excluded) | %.2f s | | |\n' "$trn"
printf '| end to end | %.2f s | %.2f s | %.2fx |\n' "$all" "$py_total" "$(echo "$all / $py_total" | bc -l)"
printf '| validation accuracy | %.4f | %.4f | |\n' "$strata_acc" "$py_acc"
