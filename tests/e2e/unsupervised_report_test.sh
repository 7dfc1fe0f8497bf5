#!/usr/bin/env bash
# The evaluation report of a pca and an anomaly model, opened in headless Chromium: the
# screenshots must show their charts (explained variance bars, the anomaly score
# histogram), not just text.
# Usage: unsupervised_report_test.sh STRATA_BINARY SOURCE_DIR
source "$(dirname "$0")/report_test_lib.sh" "$@"

run datasets import "$src/samples/houses.csv" --output json > /dev/null
# sale_date is left out: the recipe does not scale timestamp parts, and days since the epoch
# would be the only component.
run train --dataset houses --algorithm pca --hp components=3 --preprocessing '{"drop": ["house_id", "sale_date"]}' \
  --wait --output json > /dev/null
run models evaluate houses-pca 1 --dataset houses --html "$work/pca.html" --output json > /dev/null
grep -q "Explained variance" "$work/pca.html"
no_network "$work/pca.html"
shot "$work/pca.html" "$work/pca.png" 1400,1400
# The explained variance bars, #4f7cc9.
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/pca.png" 79,124,201:600

run train --dataset houses --algorithm anomaly --hp contamination=0.05 --preprocessing '{"drop": ["house_id"]}' \
  --wait --output json > /dev/null
run models evaluate houses-anomaly 1 --dataset houses --html "$work/anomaly.html" --output json > /dev/null
grep -q "Anomaly scores" "$work/anomaly.html"
shot "$work/anomaly.html" "$work/anomaly.png" 1400,1400
# The score histogram's bars, #4f7cc9.
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/anomaly.png" 79,124,201:1500
echo "pca and anomaly evaluation reports render their charts"
