#!/usr/bin/env bash
# The bias report's HTML, opened in headless Chromium: the screenshot must show the
# bars of the metric charts, not just text. Facet 'plan' of the customers sample, with
# a model's predictions (post-training charts).
# Usage: bias_report_test.sh STRATA_BINARY SOURCE_DIR
source "$(dirname "$0")/report_test_lib.sh" "$@"

run datasets import "$src/samples/customers.csv" --output json > /dev/null
run train --dataset customers --target churned --facet plan --hp num_round=20 --wait --output json > /dev/null
run bias --dataset customers --facet plan --model customers-churned --html "$work/bias.html" --output json > /dev/null
grep -q "<svg" "$work/bias.html"
grep -q "Disparate impact" "$work/bias.html"
no_network "$work/bias.html"
shot "$work/bias.html" "$work/bias.png"
# Bars #4f7cc9: nine charts of a bar per plan (the legend swatches alone are ~1300 pixels).
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/bias.png" 79,124,201:4000
echo "the bias report renders its charts"
