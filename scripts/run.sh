#!/usr/bin/env bash
# Runs Shotline locally without Docker: FerretDB (MongoDB protocol on SQLite)
# and MinIO with their data under .data/, then the app with the built
# frontend. Ctrl-C stops everything.
#
# Environment (defaults in brackets):
#   SHOTLINE_MONGO_URI       use this MongoDB instead of starting FerretDB
#   SHOTLINE_FERRETDB_PORT   port of the FerretDB we start [27017]
#   SHOTLINE_S3_ENDPOINT     use this S3 server instead of starting MinIO
#   SHOTLINE_MINIO_PORT      port of the MinIO we start [9000]
#   SHOTLINE_MINIO_CONSOLE_PORT  its web console [MinIO port + 1]
#   SHOTLINE_S3_ACCESS_KEY / SHOTLINE_S3_SECRET_KEY
#                            S3 credentials; for the MinIO we start, its root
#                            user [shotline / shotline-local-secret]
#   SHOTLINE_DATA_DIR        data and logs of FerretDB and MinIO [<repo>/.data]
#   SHOTLINE_ADDR            the app's listen address [:8080]
#   SHOTLINE_STATIC_DIR      the built frontend [<repo>/frontend/dist]
#   SHOTLINE_TOOLS_DIR, SHOTLINE_WAIT_TIMEOUT: see scripts/lib.sh.
# Every other SHOTLINE_* variable goes to the app unchanged.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$SHOTLINE_ROOT/scripts/setup.sh"

DATA="${SHOTLINE_DATA_DIR:-$SHOTLINE_ROOT/.data}"
LOGS="$DATA/logs"
export SHOTLINE_ADDR="${SHOTLINE_ADDR:-:8080}"
export SHOTLINE_STATIC_DIR="${SHOTLINE_STATIC_DIR:-$SHOTLINE_ROOT/frontend/dist}"
export SHOTLINE_MODERATION_POLICY="${SHOTLINE_MODERATION_POLICY:-$SHOTLINE_ROOT/policies/moderation.json}"

# Build first, so a compile error does not leave servers starting for nothing.
if [[ -f $SHOTLINE_ROOT/frontend/package.json ]]; then
	say "building the frontend"
	(cd "$SHOTLINE_ROOT/frontend" && npm run --silent build >/dev/null)
else
	warn "frontend/package.json does not exist: serving the API without a frontend"
fi
say "building the app"
build_app

trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z ${SHOTLINE_MONGO_URI:-} ]]; then
	port="${SHOTLINE_FERRETDB_PORT:-27017}"
	say "starting FerretDB on 127.0.0.1:$port (data $DATA/ferretdb, log $LOGS/ferretdb.log)"
	start_ferretdb "$port" "$DATA/ferretdb" "$LOGS/ferretdb.log"
	export SHOTLINE_MONGO_URI="mongodb://127.0.0.1:$port"
else
	say "using the MongoDB at SHOTLINE_MONGO_URI"
fi

if [[ -z ${SHOTLINE_S3_ENDPOINT:-} ]]; then
	port="${SHOTLINE_MINIO_PORT:-9000}"
	console="${SHOTLINE_MINIO_CONSOLE_PORT:-$((port + 1))}"
	say "starting MinIO on 127.0.0.1:$port, console 127.0.0.1:$console (data $DATA/minio, log $LOGS/minio.log)"
	start_minio "$port" "$console" "$DATA/minio" "$LOGS/minio.log"
	export SHOTLINE_S3_ENDPOINT="127.0.0.1:$port" SHOTLINE_S3_SECURE=false
	export SHOTLINE_S3_ACCESS_KEY="$LOCAL_S3_ACCESS_KEY" SHOTLINE_S3_SECRET_KEY="$LOCAL_S3_SECRET_KEY"
else
	say "using the S3 server at $SHOTLINE_S3_ENDPOINT"
fi

# The app logs to this terminal; it reads its settings from SHOTLINE_*.
host="${SHOTLINE_ADDR%:*}"
[[ -z $host || $host == 0.0.0.0 || $host == "[::]" ]] && host=localhost
url="http://$host:${SHOTLINE_ADDR##*:}"
say "starting Shotline on $SHOTLINE_ADDR"
start_server shotline /dev/stderr "$SHOTLINE_BIN"
wait_ready shotline "$SERVER_PID" /dev/null http_ok "$url/readyz"
say "Shotline is running at $url (Ctrl-C to stop)"

# Run until Ctrl-C (the traps stop everything) or until a server exits.
status=0
wait -n -p exited "${SHOTLINE_PIDS[@]}" || status=$?
for i in "${!SHOTLINE_PIDS[@]}"; do
	[[ ${SHOTLINE_PIDS[i]} == "${exited:-}" ]] && say "${SHOTLINE_NAMES[i]} exited with status $status; stopping the rest"
done
exit $((status == 0 ? 1 : status))
