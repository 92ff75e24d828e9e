#!/bin/bash
# The ingest benchmarks of docs/benchmarks.md against one database.
# usage: scripts/bench-ingest.sh DBURL PORT LABEL   (WEIYUAN=path/to/weiyuan; a broker on 127.0.0.1:1883)
DB=$1; PORT=$2; L=$3; W=${WEIYUAN:-target/release/weiyuan}
$W serve --database-url "$DB" --bind 127.0.0.1:$PORT --mqtt-url mqtt://127.0.0.1:1883 --mqtt-client-id wy-bench-$L > /tmp/weiyuan-bench-ingest-$L.log 2>&1 &
PID=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 1; done
run() { for n in 1 2; do $W bench ingest --database-url "$DB" "$@" 2>&1 | tail -n 1; done; }
run --to raw
run --to raw --batch 50000 --concurrency 1
run --to http://127.0.0.1:$PORT
run --to http://127.0.0.1:$PORT --concurrency 16
run --to mqtt://127.0.0.1:1883
kill $PID; wait $PID 2>/dev/null
