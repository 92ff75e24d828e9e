#!/bin/bash
# The per-mu evaluation at province scale against pandas (docs/benchmarks.md).
# usage: scripts/bench-evaluate.sh DBURL FIRST_MONTH   (WEIYUAN=path/to/weiyuan, default the release build)
# The database must hold the province data set: weiyuan demo --scale province --no-serve --database-url DBURL
set -e
DB=$1; FIRST=${2:-2025-01}
W=${WEIYUAN:-target/release/weiyuan}
python3 -c "import pandas, pyarrow" 2>/dev/null || pip install --quiet pandas pyarrow
echo "== Weiyuan: $W bench evaluate --database-url $DB --first-month $FIRST"
$W bench evaluate --database-url "$DB" --first-month "$FIRST" --export /tmp/weiyuan-evaluation.csv --save
python3 -c "import pandas as pd; pd.read_csv('/tmp/weiyuan-evaluation.csv', dtype={'division': str}).to_parquet('/tmp/weiyuan-evaluation.parquet')"
echo "== pandas: python3 scripts/bench_evaluate.py /tmp/weiyuan-evaluation.parquet"
python3 scripts/bench_evaluate.py /tmp/weiyuan-evaluation.parquet
