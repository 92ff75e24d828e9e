#!/bin/bash
# The analysis and the big screen under load (docs/benchmarks.md). Needs wrk, curl and python3.
# usage: scripts/bench-analysis.sh DBURL PORT LABEL   (WEIYUAN=path/to/weiyuan, default the release build)
#   1. a cold server hit by 64 connections for 20 s on /api/v1/analysis (nothing computed yet:
#      every request must be answered, one computation serves them all);
#   2. single requests (the first of each computes);
#   3. 64 connections for 20 s on the analysis API and on the big screen, warm (each plain, then
#      gzipped as browsers take it).
set -e
DB=$1; PORT=$2; L=$3
BIN=${WEIYUAN:-target/release/weiyuan}
start() {
  $BIN serve --database-url "$DB" --bind 127.0.0.1:$PORT > /tmp/weiyuan-bench-serve-$L.log 2>&1 &
  PID=$!
  for i in $(seq 60); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 1; done
  TOKEN=$(curl -s -X POST http://127.0.0.1:$PORT/api/v1/auth/login -H 'content-type: application/json' -d '{"username":"county","password":"weiyuan-demo"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
}
trap 'kill $PID 2>/dev/null || true' EXIT
start
echo "== $L cold server, 64 connections on the analysis"
wrk -t2 -c64 -d20s --latency -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/analysis | grep -E "50%|99%|Requests/sec|requests in|Non-2xx|timeout"
kill $PID; wait $PID 2>/dev/null || true
start
echo "== $L single requests"
for i in 1 2 3; do curl -s -o /dev/null -w "analysis %{time_total}s\n" -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/analysis; done
for i in 1 2 3; do curl -s -o /dev/null -w "dashboard %{time_total}s\n" -H "Cookie: wy_session=$TOKEN" http://127.0.0.1:$PORT/dashboard; done
for i in 1 2; do curl -s -o /dev/null -w "behind(all) %{time_total}s\n" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/analysis/enterprises"; done
echo "== $L wrk analysis, 64 connections"
wrk -t2 -c64 -d20s --latency -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/analysis | grep -E "50%|99%|Requests/sec|requests in|Non-2xx|timeout"
echo "== $L wrk analysis as a browser asks for it (Accept-Encoding: gzip), 64 connections"
wrk -t2 -c64 -d20s --latency -H "Authorization: Bearer $TOKEN" -H "Accept-Encoding: gzip, deflate, br" http://127.0.0.1:$PORT/api/v1/analysis | grep -E "50%|99%|Requests/sec|requests in|Non-2xx|timeout"
curl -s -o /dev/null -w "analysis reply: %{size_download} bytes gzipped, " -H "Authorization: Bearer $TOKEN" -H "Accept-Encoding: gzip" http://127.0.0.1:$PORT/api/v1/analysis
curl -s -o /dev/null -w "%{size_download} bytes plain\n" -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/api/v1/analysis
echo "== $L wrk dashboard, 64 connections"
wrk -t2 -c64 -d20s --latency -H "Cookie: wy_session=$TOKEN" http://127.0.0.1:$PORT/dashboard | grep -E "50%|99%|Requests/sec|requests in|Non-2xx|timeout"
echo "== $L wrk dashboard as a browser asks for it (Accept-Encoding: gzip), 64 connections"
wrk -t2 -c64 -d20s --latency -H "Cookie: wy_session=$TOKEN" -H "Accept-Encoding: gzip, deflate, br" http://127.0.0.1:$PORT/dashboard | grep -E "50%|99%|Requests/sec|requests in|Non-2xx|timeout"
curl -s -o /dev/null -w "dashboard page: %{size_download} bytes gzipped, " -H "Cookie: wy_session=$TOKEN" -H "Accept-Encoding: gzip" http://127.0.0.1:$PORT/dashboard
curl -s -o /dev/null -w "%{size_download} bytes plain\n" -H "Cookie: wy_session=$TOKEN" http://127.0.0.1:$PORT/dashboard
echo "== $L server memory (RSS)"
grep VmRSS /proc/$PID/status
