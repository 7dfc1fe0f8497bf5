#!/usr/bin/env bash
# The bias report's HTML, opened in headless Chromium: the screenshot must show the
# bars of the metric charts, not just text. Facet 'plan' of the customers sample, with
# a model's predictions (post-training charts).
# Usage: bias_report_test.sh STRATA_BINARY SOURCE_DIR
set -euo pipefail
strata=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { "$strata" --data-dir "$work/data" "$@"; }

run datasets import "$src/samples/customers.csv" --output json > /dev/null
run train --dataset customers --target churned --facet plan --hp num_round=20 --wait --output json > /dev/null
run bias --dataset customers --facet plan --model customers-churned --html "$work/bias.html" --output json > /dev/null
grep -q "<svg" "$work/bias.html"
grep -q "Disparate impact" "$work/bias.html"
if grep -qE "(src|href)=['\"]?https?:" "$work/bias.html"; then echo "the report loads network resources"; exit 1; fi
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
  --window-size=1400,2000 --screenshot="$work/bias.png" "file://$work/bias.html" > "$work/chromium.log" 2>&1 ||
  { cat "$work/chromium.log"; exit 1; }
[ -s "$work/bias.png" ] || { echo "no screenshot"; cat "$work/chromium.log"; exit 1; }
# Bars #4f7cc9: nine charts of a bar per plan (the legend swatches alone are ~1300 pixels).
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/bias.png" 79,124,201:4000
echo "the bias report renders its charts"
