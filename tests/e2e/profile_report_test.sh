#!/usr/bin/env bash
# The profile's HTML report, opened in headless Chromium: the screenshot must show the
# histogram bars and the correlation heatmap, not just text.
# Usage: profile_report_test.sh STRATA_BINARY SOURCE_DIR
set -euo pipefail
strata=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$strata" --data-dir "$work/data" datasets import "$src/samples/customers.csv" --output json > /dev/null
"$strata" --data-dir "$work/data" datasets profile customers --target churned --html "$work/report.html"
grep -q "<svg" "$work/report.html"

chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
  --window-size=1400,1800 --screenshot="$work/report.png" "file://$work/report.html" > "$work/chromium.log" 2>&1 ||
  { cat "$work/chromium.log"; exit 1; }
[ -s "$work/report.png" ] || { echo "no screenshot"; cat "$work/chromium.log"; exit 1; }

# Bar fill #4f7cc9 (histograms, top values, class balance) and the heatmap's full red
# diagonal (r = 1).
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/report.png" 79,124,201:20000 255,55,55:2000
echo "profile report renders its charts"
