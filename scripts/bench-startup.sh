#!/usr/bin/env bash
# Start-up to the first 200 on /health/ready, on an empty SQLite database.
# Usage: scripts/bench-startup.sh [BIN] [PORT]   (run from an empty folder)
BIN=${1:-target/release/seo-architects}; PORT=${2:-18181}
rm -rf data
start=$(date +%s%N)
PORT=$PORT $BIN >/dev/null 2>&1 &
pid=$!
until curl -sf -o /dev/null http://127.0.0.1:$PORT/health/ready; do sleep 0.002; done
end=$(date +%s%N)
echo "$(( (end-start)/1000000 )) ms"
sleep 1
echo "idle RSS: $(ps -o rss= -p $pid) KiB"
kill $pid; wait $pid
