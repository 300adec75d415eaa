# Sourced by the example scripts: starts a fresh release server on a temp SQLite file and signs
# in as admin. Expects BIN and PORT (extra environment for the server may be exported before);
# sets `work` (a temp directory removed on exit), `pid`, `base`, `token`, `auth` (curl
# arguments), and the helpers `post PATH JSON` and `id_of` (reads `id` from JSON on stdin).
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
# `exec`: the server replaces the subshell, so the trap stops the server itself.
(cd "$work" && PORT=$PORT ADMIN_PASSWORD=example-admin-pw LOG_LEVEL=warn \
    exec "$OLDPWD/$BIN" >"$work/log" 2>&1) &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready"; do sleep 0.1; done
base="http://127.0.0.1:$PORT"
token=$(curl -sf "$base/auth/login" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"example-admin-pw"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
auth=(-H "Authorization: Bearer $token")
post() { curl -sf "$base$1" "${auth[@]}" -H 'content-type: application/json' -d "$2"; }
id_of() { python3 -c 'import sys,json;print(json.load(sys.stdin)["id"])'; }
