#!/bin/bash
# The analysis and the big screen under load (docs/benchmarks.md). Needs wrk and curl.
# usage: scripts/bench-analysis.sh DBURL PORT LABEL   (WEIYUAN=path/to/weiyuan, default the release build)
set -e
DB=$1; PORT=$2; L=$3
${WEIYUAN:-target/release/weiyuan} serve --database-url "$DB" --bind 127.0.0.1:$PORT > /tmp/weiyuan-bench-serve-$L.log 2>&1 &
PID=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 1; done
TOKEN=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/auth/login -H 'content-type: application/json' -d '{"username":"county","password":"weiyuan-demo"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
echo "== $L single requests"
for i in 1 2 3; do curl -s -o /dev/null -w "analysis %{time_total}s\n" -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/analysis; done
for i in 1 2 3; do curl -s -o /dev/null -w "dashboard %{time_total}s\n" -H "Cookie: wy_session=$TOKEN" http://127.0.0.1:$PORT/dashboard; done
for i in 1 2; do curl -s -o /dev/null -w "behind(all) %{time_total}s\n" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/analysis/enterprises"; done
echo "== $L wrk analysis"
wrk -t2 -c8 -d20s --latency -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/analysis | grep -E "50%|99%|Requests/sec|requests in|Non-2xx"
echo "== $L wrk dashboard"
wrk -t2 -c8 -d20s --latency -H "Cookie: wy_session=$TOKEN" http://127.0.0.1:$PORT/dashboard | grep -E "50%|99%|Requests/sec|requests in|Non-2xx"
kill $PID
