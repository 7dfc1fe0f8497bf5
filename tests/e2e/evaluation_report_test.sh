#!/usr/bin/env bash
# The evaluation's HTML report, opened in headless Chromium: the screenshots must show
# the charts, not just text. A classifier (ROC and PR curves, confusion matrix,
# per-class bars) and a regression (predicted vs actual, residual histogram); both with
# their explanations (importance and SHAP summary bars, partial dependence).
# Usage: evaluation_report_test.sh STRATA_BINARY SOURCE_DIR
source "$(dirname "$0")/report_test_lib.sh" "$@"

run datasets import "$src/samples/customers.csv" --output json > /dev/null
run train --dataset customers --target churned --hp num_round=30 --wait --output json > /dev/null
run models evaluate customers-churned 1 --dataset customers --html "$work/cls.html" --output json > /dev/null
grep -q "<svg" "$work/cls.html"
for part in "Permutation importance" "Importance: gain" "SHAP summary" "Partial dependence"; do
  grep -q "$part" "$work/cls.html" || { echo "the classifier's report lacks '$part'"; exit 1; }
done
no_network "$work/cls.html"
shot "$work/cls.html" "$work/cls.png"
# Bars #4f7cc9, ROC curve #e4572e, PR curve #2a9d8f, the confusion matrix's largest
# cell #1f4e99.
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/cls.png" 79,124,201:1500 228,87,46:300 42,157,143:300 \
  31,78,153:1500

run datasets import "$src/samples/houses.csv" --output json > /dev/null
run train --dataset houses --target price --hp num_round=30 --wait --output json > /dev/null
run models evaluate houses-price 1 --dataset houses --html "$work/reg.html" --output json > /dev/null
shot "$work/reg.html" "$work/reg.png"
# Scatter dots, residual and importance bars, all #4f7cc9; the partial dependence lines
# #e4572e (the only lines of a regression report).
grep -q "Partial dependence" "$work/reg.html" || { echo "the regression report lacks partial dependence"; exit 1; }
/usr/bin/python3 "$src/tests/e2e/png_colors.py" "$work/reg.png" 79,124,201:2000 228,87,46:300
echo "evaluation reports render their charts"
