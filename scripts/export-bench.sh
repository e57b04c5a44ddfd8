#!/usr/bin/env bash
# Measures exports (docs/benchmarks.md, "Exports"): starts FerretDB and MinIO
# on free ports with data in a temporary directory, builds and starts the
# app, and runs backend/cmd/shotline-exportbench:
#
#   1. a board of SHOTS shots (default 100), each rendered by the animatic
#      provider, exported as an MP4 animatic and as a PDF storyboard (timed);
#   2. a project of BUNDLE_BYTES (default 1 GiB) of clips (one noise clip,
#      made by ffmpeg, uploaded again and again), then the app is restarted
#      and the project exported as a bundle while the app's resident memory
#      is sampled every 20 ms (/proc/PID/status VmRSS): peak minus idle;
#   3. the app restarted again, that bundle imported back (a new project in
#      the same workspace), streamed from disk, memory sampled the same way.
#
# Usage: scripts/export-bench.sh
#        SKIP_BOARD=1 scripts/export-bench.sh   (only the bundle's parts, 2 and 3)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SHOTLINE_ROOT"
"$SHOTLINE_ROOT/scripts/setup.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shotline-exportbench-XXXXXX")
trap 'stop_servers; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ferret_port=$(free_port)
minio_port=$(free_port)
console_port=$(free_port)
app_port=$(free_port)
url="http://127.0.0.1:$app_port"
start_ferretdb "$ferret_port" "$tmp/ferretdb" "$tmp/ferretdb.log"
start_minio "$minio_port" "$console_port" "$tmp/minio" "$tmp/minio.log"
build_app
go build -o "$TOOLS/bin/shotline-exportbench" ./backend/cmd/shotline-exportbench

export SHOTLINE_ADDR="127.0.0.1:$app_port" \
	SHOTLINE_MONGO_URI="mongodb://127.0.0.1:$ferret_port" SHOTLINE_MONGO_DB=shotline_exportbench \
	SHOTLINE_S3_ENDPOINT="127.0.0.1:$minio_port" SHOTLINE_S3_SECURE=false SHOTLINE_S3_BUCKET=shotline-exportbench \
	SHOTLINE_S3_ACCESS_KEY="$LOCAL_S3_ACCESS_KEY" SHOTLINE_S3_SECRET_KEY="$LOCAL_S3_SECRET_KEY" \
	SHOTLINE_COOKIE_SECURE=false SHOTLINE_MODERATION_POLICY="$SHOTLINE_ROOT/policies/moderation.json" \
	SHOTLINE_WORKSPACE_QUOTA=$((16 << 30))
start_app "$url" "$tmp/shotline.log"
say "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
if [[ -z "${SKIP_BOARD:-}" ]]; then
	"$TOOLS/bin/shotline-exportbench" -url "$url" -pid "$SERVER_PID" -shots "${SHOTS:-100}"
fi

say "making a noise clip for the bundle's project"
ffmpeg -nostdin -loglevel error -y -f lavfi -i "nullsrc=s=1280x720:r=24,geq=lum='random(1)*255':cb=128:cr=128" -t 6 \
	-c:v mpeg4 -q:v 1 -pix_fmt yuv420p "$tmp/clip.mp4"
"$TOOLS/bin/shotline-exportbench" -url "$url" -clip "$tmp/clip.mp4" -bundle-bytes "${BUNDLE_BYTES:-1073741824}" -state "$tmp/state.json"

# A fresh app, so that idle memory is not what the uploads (then the
# export) left behind.
restart_app() {
	local app_pid=${SHOTLINE_PIDS[-1]}
	kill -TERM "$app_pid"
	while kill -0 "$app_pid" 2>/dev/null; do sleep 0.2; done
	unset 'SHOTLINE_PIDS[-1]' 'SHOTLINE_NAMES[-1]'
	start_app "$url" "$tmp/shotline.log"
	say "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
}
restart_app
"$TOOLS/bin/shotline-exportbench" -url "$url" -pid "$SERVER_PID" -state "$tmp/state.json" -bundle-out "$tmp/bundle.zip"
restart_app
"$TOOLS/bin/shotline-exportbench" -url "$url" -pid "$SERVER_PID" -state "$tmp/state.json" -import "$tmp/bundle.zip"
say "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
