#!/usr/bin/env bash
# Peak memory of `weiyuan import` on hostile and large files (issue 16 §1): a far-corner cell,
# a zip bomb, a file of empty cells up to the upload limit, and a real 100,000-row CSV.
# Usage: scripts/bench-import-memory.sh [path/to/weiyuan]   (default: target/release/weiyuan)
# Needs python3 and GNU time (/usr/bin/time). Writes files under a temp dir and removes them.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-target/release/weiyuan}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
DB="sqlite://$DIR/bench.db"
$W migrate --database-url "$DB" >/dev/null 2>&1

python3 - "$DIR" <<'PY'
import sys, zipfile, os
d = sys.argv[1]
def xlsx(path, sheet_xml, shared_strings=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
        rels = '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        if shared_strings is not None:
            rels += '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + rels + '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_strings is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
                shared_strings(f)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
# 1. A1 and XFD1048576: before the fix, 512 GiB asked for and the process aborted.
xlsx(f"{d}/corner.xlsx", f'<?xml version="1.0"?><worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>')
# 2. One shared string of 1 GiB, zipped to about 1 MB.
def bomb(f):
    f.write(b'<?xml version="1.0"?><sst ' + NS.encode() + b' count="1" uniqueCount="1"><si><t>')
    block = b"A" * (1 << 20)
    for _ in range(1024):
        f.write(block)
    f.write(b"</t></si></sst>")
xlsx(f"{d}/bomb.xlsx", f'<?xml version="1.0"?><worksheet {NS}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>', bomb)
# 3. 60 MB of commas and line breaks: empty cells only, at the upload limit.
with open(f"{d}/commas.csv", "w") as f:
    line = "," * 200 + "\n"
    for _ in range(60 * 1024 * 1024 // len(line)):
        f.write(line)
# 4. 100,000 well-formed enterprise rows with a bad park code each (checked, refused, 200 errors listed).
with open(f"{d}/rows.csv", "w", encoding="utf-8") as f:
    f.write("园区编号,企业名称,统一社会信用代码,行业代码,规模\n")
    for i in range(100_000):
        f.write(f"PX{i:05d},测试企业{i}有限公司,91330326MA2H{i:06d},C3670,规下\n")
for name in os.listdir(d):
    if not name.endswith(".db"):
        print(f"{name}: {os.path.getsize(os.path.join(d, name)):,} bytes")
PY

for case in corner.xlsx:enterprises bomb.xlsx:enterprises commas.csv:parks rows.csv:enterprises; do
  file=${case%%:*}; kind=${case##*:}
  /usr/bin/time -f "%M KB peak, %e s" -o "$DIR/time" $W import "$kind" "$DIR/$file" --database-url "$DB" >"$DIR/out" 2>&1 || true
  printf '%-12s %-32s %s\n' "$file" "$(tr -d '\r' <"$DIR/time")" "$(grep -v '^校验\|^$' "$DIR/out" | tail -n 3 | head -c 160 | tr '\n' ' ')"
done
