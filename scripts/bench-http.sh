#!/usr/bin/env bash
# HTTP benchmark of the deep health check and the client list and create endpoints (wrk, 64 connections, 2 threads).
# Usage: scripts/bench-http.sh [DATABASE_URL]   (default: a fresh SQLite file)
# Needs: cargo build --release -p seo-architects && cargo build --release -p seo-transport --examples;
#        apt-get install wrk
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/seo-architects}
BARE=target/release/examples/bare_list
PORT=18290; BARE_PORT=18291
work=$(mktemp -d)
DB=${1:-sqlite://$work/bench.db}
export DATABASE_URL=$DB ADMIN_PASSWORD=bench-password-1 JWT_SECRET_KEY=bench-secret-bench-secret-bench-secret-1
export RATE_LIMIT_REQUESTS_PER_MINUTE=100000000 LOG_LEVEL=warn
PORT=$PORT $BIN > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid ${bare:-} 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready"; do sleep 0.05; done
TOKEN=$(curl -s "http://127.0.0.1:$PORT/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"bench-password-1"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
for i in $(seq 1 200); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/api/clients" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -d "{\"company_name\":\"Seed $i $RANDOM\",\"industry\":\"Retail\",\"country\":\"DE\"}"
done
rss() { ps -o rss= -p "$1" | awk '{printf "%.1f MiB", $1/1024}'; }
run() { # label, extra wrk args...
  local label=$1; shift
  echo "== $label"
  wrk -t2 -c64 -d10s --latency "$@" | grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx'
  echo "   server RSS after: $(rss $pid)"
}
echo "backend: ${DB%%://*}   idle RSS: $(rss $pid)"
run "GET /health/live (baseline: no database, no auth)" "http://127.0.0.1:$PORT/health/live"
run "GET /health (deep: database, kv, queue, agents; cached HEALTH_CACHE_MS)" "http://127.0.0.1:$PORT/health"
run "GET /health as admin (deep, with instance and pool details)" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/health"
run "GET /api/clients?size=50 (full stack, authenticated)" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/clients?size=50"
if [ -x "$BARE" ]; then
  PORT=$BARE_PORT $BARE > "$work/bare.log" 2>&1 &
  bare=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$BARE_PORT/api/clients"; do sleep 0.05; done
  run "GET /api/clients?size=50 (bare: no middleware, no auth)" "http://127.0.0.1:$BARE_PORT/api/clients"
  kill $bare
fi
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  n = 0
end
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"company_name":"Load ' .. tid .. '-' .. n .. '","country":"DE"}')
end
LUA
run "POST /api/clients (full stack, authenticated)" -s "$work/post.lua" "http://127.0.0.1:$PORT/api/clients"
