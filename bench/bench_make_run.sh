#!/usr/bin/env bash
# Time `make run` from a fresh clone to the first HTTP 200 on /login/.
#
# Clones the committed HEAD of the repository (or, with no commit yet, copies the working tree
# without .venv, db.sqlite3, media and staticfiles) into a temporary directory, starts
# `make run PORT=<free port>` in its own process group (so it creates .venv, pip installs,
# migrates, loads geography and demo data, then serves), polls /login/ every 0.5 s, reports
# the seconds from start to the first 200, then kills the process group and deletes the copy.
# pip's download/wheel cache (~/.cache/pip) is left as it is: the first run on a machine
# downloads from PyPI, later runs reuse cached wheels; the cache size before/after is reported.
#
#   bash bench/bench_make_run.sh        # last line: RESULT {...json...}
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
TIMEOUT="${TIMEOUT:-1200}"
WORK="$(mktemp -d /tmp/cdd-make-run-XXXXXX)"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PIP_CACHE="${PIP_CACHE_DIR:-$HOME/.cache/pip}"
PGID=""

cleanup() {
    if [[ -n "$PGID" ]]; then
        kill -TERM -- "-$PGID" 2>/dev/null || true
        sleep 1
        kill -KILL -- "-$PGID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

cache_mb() { du -sm "$PIP_CACHE" 2>/dev/null | cut -f1 || echo 0; }

if git -C "$REPO" rev-parse --verify -q HEAD >/dev/null; then
    git clone -q "$REPO" "$WORK/app"
    SOURCE="git clone of HEAD $(git -C "$WORK/app" rev-parse --short HEAD)"
else
    rsync -a --exclude .venv --exclude db.sqlite3 --exclude media --exclude staticfiles \
        "$REPO/" "$WORK/app/"
    SOURCE="copy of the working tree (no commit yet)"
fi
echo "source: $SOURCE; port $PORT; pip cache before: $(cache_mb) MB"
CACHE_BEFORE="$(cache_mb)"

START="$(date +%s.%N)"
(cd "$WORK/app" && exec setsid make run PORT="$PORT" >"$WORK/make.log" 2>&1) &
PGID=$!   # setsid makes make the leader of a new process group with this pid

CODE=000
while :; do
    CODE="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/login/" || true)"
    NOW="$(date +%s.%N)"
    ELAPSED="$(python3 -c "print(round($NOW - $START, 1))")"
    [[ "$CODE" == 200 ]] && break
    if ! kill -0 "$PGID" 2>/dev/null || python3 -c "exit(not $ELAPSED > $TIMEOUT)"; then
        echo "make run failed or timed out after ${ELAPSED}s (last HTTP code $CODE); log tail:"
        tail -n 30 "$WORK/make.log"
        echo "RESULT {\"seconds\": null, \"ok\": false, \"source\": \"$SOURCE\"}"
        exit 1
    fi
    sleep 0.5
done

echo "first 200 on /login/ after ${ELAPSED}s; pip cache after: $(cache_mb) MB"
echo "RESULT {\"seconds\": $ELAPSED, \"ok\": true, \"source\": \"$SOURCE\"," \
    "\"pip_cache_mb_before\": $CACHE_BEFORE, \"pip_cache_mb_after\": $(cache_mb)}"
