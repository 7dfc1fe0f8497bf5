#!/usr/bin/env bash
# The profile's HTML report, opened in headless Chromium: the screenshot must show the
# histogram bars and the correlation heatmap, not just text.
# Usage: profile_report_test.sh STRATA_BINARY SOURCE_DIR
source "$(dirname "$0")/report_test_lib.sh" "$@"

run datasets import "$src/samples/customers.csv" --output json > /dev/null
run datasets profile customers --target churned --html "$work/report.html"
grep -q "<svg" "$work/report.html"

shot "$work/report.html" "$work/report.png" 1400,1800

# Bar fill #4f7cc9 (histograms, top values, class balance) and the heatmap's full red
# diagonal (r = 1).
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/report.png" 79,124,201:20000 255,55,55:2000
echo "profile report renders its charts"
