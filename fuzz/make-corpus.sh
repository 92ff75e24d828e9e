#!/usr/bin/env bash
# Writes the seed corpus in fuzz/corpus/: for every import layout, a small export of the demo data
# in xlsx and csv (header and title rows as the county's files have them, a dozen data rows), and
# for the telemetry decoder a few bodies as devices and gateways send them. Run it again when a
# layout changes:   WEIYUAN=target/debug/weiyuan fuzz/make-corpus.sh   (needs python3 + openpyxl)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${WEIYUAN:-target/debug/weiyuan}
tmp=$(mktemp -d /tmp/wy-corpus.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db="sqlite://$tmp/demo.db"
RUST_LOG=warn "$bin" demo --no-serve --database-url "$db" >/dev/null
for kind in parks plans progress enterprises reports; do
  for fmt in xlsx csv; do
    dir="fuzz/corpus/import_${fmt}_${kind}"
    rm -rf "$dir" && mkdir -p "$dir"
    "$bin" export "$kind" --format "$fmt" --output "$tmp/$kind.$fmt" --database-url "$db" >/dev/null
    python3 - "$tmp/$kind.$fmt" "$dir/demo-$kind.$fmt" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
KEEP = 16  # title, header and the first data rows of each sheet
if src.endswith(".csv"):
    lines = open(src, encoding="utf-8-sig").read().splitlines(keepends=True)
    open(dst, "w", encoding="utf-8").write("".join(lines[:KEEP]))
else:
    import openpyxl
    book = openpyxl.load_workbook(src)
    for ws in book.worksheets:
        if ws.max_row > KEEP:
            ws.delete_rows(KEEP + 1, ws.max_row - KEEP)
    book.save(dst)
PY
  done
done
dir=fuzz/corpus/telemetry_body
rm -rf "$dir" && mkdir -p "$dir"
printf '%s' '{"token":"wyd_x","readings":[{"device":"EM-1","metric":"energy_kwh","ts":1764547200000,"value":1234.5}]}' >"$dir/device.json"
printf '%s' '{"tokens":{"ENV-1":"wyd_a","PC-1":"wyd_b"},"readings":[{"device":"ENV-1","metric":"pm25","ts":"2026-12-01T08:00:00+08:00","value":35},{"device":"PC-1","metric":"people_in","ts":1764547200,"value":12},{"device":"FP-1","token":"wyd_c","metric":"fire_alarm","ts":"2026-12-01 08:00:00Z","value":true}]}' >"$dir/gateway.json"
printf '%s' '{"readings":[{"metric":"water_m3","ts":1764547200000,"value":-1e308},{"metric":"noise_db","ts":9.99e15,"value":"x"}]}' >"$dir/odd.json"
ls -l fuzz/corpus/*/ | awk 'NF > 5 {n++; s += $5} END {print n " seed files, " s " bytes"}'
