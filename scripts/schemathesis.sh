#!/usr/bin/env bash
# API contract check: schemathesis against a fresh server on a temporary SQLite file.
# Usage: scripts/schemathesis.sh [EXAMPLES_PER_OPERATION] (default 20; seed via SEED, default 1)
# Needs: cargo build -p seo-architects; python3 -m venv .venv-st && .venv-st/bin/pip install schemathesis
# Left out: /auth/logout and the password change (they end the run's own session),
# /api/agents/create-all (re-registers agents), /ws/dashboard (an upgrade; see tests/e2e/ws.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/seo-architects}
ST=${ST:-.venv-st/bin/schemathesis}
PORT=18380
work=$(mktemp -d)
export DATABASE_URL=sqlite://$work/st.db ADMIN_PASSWORD=st-password-1
export JWT_SECRET_KEY=st-secret-st-secret-st-secret-st-secret-1 RATE_LIMIT_ENABLED=false LOG_LEVEL=error
PORT=$PORT $BIN > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/live"; do sleep 0.05; done
TOKEN=$(curl -s "http://127.0.0.1:$PORT/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"st-password-1"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
"$ST" run "http://127.0.0.1:$PORT/api/openapi.json" --checks all -H "Authorization: Bearer $TOKEN" \
  --exclude-path /auth/logout --exclude-path /api/users/me/password \
  --exclude-path /api/agents/create-all --exclude-path /ws/dashboard \
  -n "${1:-20}" --workers 2 --seed "${SEED:-1}"
