#!/usr/bin/env bash
# Measures the local store as history grows (docs/benchmarks.md, "History"):
# starts FerretDB (through our launcher) and MinIO on free ports with data
# in a temporary directory, then runs backend/cmd/shotline-history once per
# size, each on its own database: it fills the history, starts the app on
# it, and prints a table of sign-in, board list, cold open, open after a
# SIGKILL, resume and live ack latencies.
#
# Usage: scripts/history-bench.sh [OPS:BOARDS ...]   (default 10000:500 100000:500 1000000:5000)
# Environment: USERS (default 10000), SAMPLES (default 20), HISTORY_DATA (a
# directory that keeps the store between runs, so that a history is filled
# once and measured again; default: a temporary one).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SHOTLINE_ROOT"
"$SHOTLINE_ROOT/scripts/setup.sh"

sizes=("$@")
((${#sizes[@]})) || sizes=(10000:500 100000:500 1000000:5000)

if [[ -n ${HISTORY_DATA:-} ]]; then
	tmp=$HISTORY_DATA
	mkdir -p "$tmp"
	trap 'stop_servers' EXIT
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/shotline-history-XXXXXX")
	trap 'stop_servers; rm -rf "$tmp"' EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM
ferret_port=$(free_port)
minio_port=$(free_port)
console_port=$(free_port)
start_ferretdb "$ferret_port" "$tmp/ferretdb" "$tmp/ferretdb.log"
start_minio "$minio_port" "$console_port" "$tmp/minio" "$tmp/minio.log"
build_app
go build -o "$TOOLS/bin/shotline-history" ./backend/cmd/shotline-history

export SHOTLINE_S3_ENDPOINT="127.0.0.1:$minio_port" SHOTLINE_S3_SECURE=false SHOTLINE_S3_BUCKET=shotline-history \
	SHOTLINE_S3_ACCESS_KEY="$LOCAL_S3_ACCESS_KEY" SHOTLINE_S3_SECRET_KEY="$LOCAL_S3_SECRET_KEY"
for size in "${sizes[@]}"; do
	ops=${size%%:*} boards=${size##*:}
	say "history of $ops ops over $boards boards"
	"$TOOLS/bin/shotline-history" -mongo-uri "mongodb://127.0.0.1:$ferret_port" -db "history_${ops}_${boards}" \
		-app "$SHOTLINE_BIN" -addr "127.0.0.1:$(free_port)" -ops "$ops" -boards "$boards" \
		-users "${USERS:-10000}" -samples "${SAMPLES:-20}"
done
