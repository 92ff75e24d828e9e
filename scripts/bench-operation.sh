#!/bin/bash
# Operation monitoring at province scale, against pandas on the same rollups (docs/benchmarks.md).
# usage: scripts/bench-operation.sh DBURL   (WEIYUAN=path/to/weiyuan, default the release build)
# The database must hold the province data set: weiyuan demo --scale province --no-serve --database-url DBURL
set -e
DB=$1
W=${WEIYUAN:-target/release/weiyuan}
python3 -c "import pandas" 2>/dev/null || pip install --quiet pandas
echo "== Weiyuan: $W bench operation --database-url $DB"
$W bench operation --database-url "$DB" 2>&1 | grep -v ' INFO '
# The day checked: yesterday in Asia/Shanghai.
DAY=$(TZ=Asia/Shanghai date -d yesterday +%F)
echo "== pandas: python3 scripts/bench_operation.py $DB $DAY"
python3 scripts/bench_operation.py "$DB" "$DAY"
