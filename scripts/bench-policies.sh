#!/bin/bash
# Every policy matched against every enterprise at province scale, against pandas (docs/benchmarks.md).
# usage: scripts/bench-policies.sh DBURL   (WEIYUAN=path/to/weiyuan, default the release build)
# The database must hold the province data set: weiyuan demo --scale province --no-serve --database-url DBURL
set -e
DB=$1
W=${WEIYUAN:-target/release/weiyuan}
python3 -c "import pandas, pyarrow" 2>/dev/null || pip install --quiet pandas pyarrow
echo "== Weiyuan: $W bench policies --database-url $DB --export /tmp/weiyuan-facts.csv"
$W bench policies --database-url "$DB" --export /tmp/weiyuan-facts.csv
python3 -c "import pandas as pd; pd.read_csv('/tmp/weiyuan-facts.csv', dtype=str).to_parquet('/tmp/weiyuan-facts.parquet')"
TODAY=$(TZ=Asia/Shanghai date +%F)
echo "== pandas: python3 scripts/bench_policies.py /tmp/weiyuan-facts.parquet $TODAY"
python3 scripts/bench_policies.py /tmp/weiyuan-facts.parquet "$TODAY"
