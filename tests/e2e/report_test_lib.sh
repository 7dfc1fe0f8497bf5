# Sourced by the *_report_test.sh scripts (usage: SCRIPT STRATA_BINARY SOURCE_DIR): a
# scratch data directory removed on exit, `run` for the CLI on it, and `shot` for a
# headless Chromium screenshot of an HTML report.
set -euo pipefail
strata=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { "$strata" --data-dir "$work/data" "$@"; }

shot() {  # HTML PNG [WIDTH,HEIGHT, default 1400,2000]
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
    --window-size="${3:-1400,2000}" --screenshot="$2" "file://$1" > "$work/chromium.log" 2>&1 ||
    { cat "$work/chromium.log"; exit 1; }
  [ -s "$2" ] || { echo "no screenshot"; cat "$work/chromium.log"; exit 1; }
}

no_network() {  # HTML: a self-contained report loads nothing from the network
  if grep -qE "(src|href)=['\"]?https?:" "$1"; then echo "the report loads network resources"; exit 1; fi
}
