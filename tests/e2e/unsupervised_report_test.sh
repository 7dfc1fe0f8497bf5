#!/usr/bin/env bash
# The evaluation report of a pca and an anomaly model, opened in headless Chromium: the
# screenshots must show their charts (explained variance bars, the anomaly score
# histogram), not just text.
# Usage: unsupervised_report_test.sh STRATA_BINARY SOURCE_DIR
set -euo pipefail
strata=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { "$strata" --data-dir "$work/data" "$@"; }

shot() {  # HTML PNG
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
    --window-size=1400,1400 --screenshot="$2" "file://$1" > "$work/chromium.log" 2>&1 ||
    { cat "$work/chromium.log"; exit 1; }
  [ -s "$2" ] || { echo "no screenshot"; cat "$work/chromium.log"; exit 1; }
}

run datasets import "$src/samples/houses.csv" --output json > /dev/null
# sale_date is left out: the recipe does not scale timestamp parts, and days since the epoch
# would be the only component.
run train --dataset houses --algorithm pca --hp components=3 --preprocessing '{"drop": ["house_id", "sale_date"]}' \
  --wait --output json > /dev/null
run models evaluate houses-pca 1 --dataset houses --html "$work/pca.html" --output json > /dev/null
grep -q "Explained variance" "$work/pca.html"
if grep -qE "(src|href)=['\"]?https?:" "$work/pca.html"; then echo "the report loads network resources"; exit 1; fi
shot "$work/pca.html" "$work/pca.png"
# The explained variance bars, #4f7cc9.
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/pca.png" 79,124,201:600

run train --dataset houses --algorithm anomaly --hp contamination=0.05 --preprocessing '{"drop": ["house_id"]}' \
  --wait --output json > /dev/null
run models evaluate houses-anomaly 1 --dataset houses --html "$work/anomaly.html" --output json > /dev/null
grep -q "Anomaly scores" "$work/anomaly.html"
shot "$work/anomaly.html" "$work/anomaly.png"
# The score histogram's bars, #4f7cc9.
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/anomaly.png" 79,124,201:1500
echo "pca and anomaly evaluation reports render their charts"
