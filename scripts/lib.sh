# shellcheck shell=bash
# Shared by scripts/setup.sh, run.sh and test.sh: paths, messages, and
# starting, waiting for and stopping the local servers (FerretDB, MinIO, the
# app). Source it; it defines functions and variables and runs nothing.
#
# Environment honoured here:
#   SHOTLINE_TOOLS_DIR     where setup.sh puts built tools (default <repo>/.tools)
#   SHOTLINE_FERRETDB_BIN  FerretDB launcher binary (default $TOOLS/bin/ferretdb)
#   SHOTLINE_MINIO_BIN     MinIO server binary (default $TOOLS/bin/minio)
#   SHOTLINE_VERSITYGW_BIN versitygw S3 gateway binary, the second S3 server
#                          the Go tests run against (default $TOOLS/bin/versitygw)
#   SHOTLINE_WAIT_TIMEOUT  seconds to wait for each server to answer (default 60)
#   SHOTLINE_S3_ACCESS_KEY, SHOTLINE_S3_SECRET_KEY  root user of a MinIO we start
#                          (default shotline / shotline-local-secret)

SHOTLINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${SHOTLINE_TOOLS_DIR:-$SHOTLINE_ROOT/.tools}"
FERRETDB_BIN="${SHOTLINE_FERRETDB_BIN:-$TOOLS/bin/ferretdb}"
MINIO_BIN="${SHOTLINE_MINIO_BIN:-$TOOLS/bin/minio}"
# shellcheck disable=SC2034 # used by test.sh
VERSITYGW_BIN="${SHOTLINE_VERSITYGW_BIN:-$TOOLS/bin/versitygw}"
# The app is built from this checkout, so it lives in this checkout (a
# tools folder may be shared by several checkouts: SHOTLINE_TOOLS_DIR).
SHOTLINE_BIN="$SHOTLINE_ROOT/.data/bin/shotline"
WAIT_TIMEOUT="${SHOTLINE_WAIT_TIMEOUT:-60}"

# The MinIO server is built from source: its repository was archived in
# February 2026 and its published binaries and images withdrawn.
# shellcheck disable=SC2034 # used by setup.sh
MINIO_MODULE="github.com/minio/minio"
# shellcheck disable=SC2034
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"

# versitygw (Versity's S3 gateway, maintained, Apache-2.0) is the second S3
# server: the object-store tests run against it as well as MinIO, so the app
# keeps to the plain S3 API. Only the tests start it (backend/testenv).
# shellcheck disable=SC2034 # used by setup.sh
VERSITYGW_PACKAGE="github.com/versity/versitygw/cmd/versitygw"
# shellcheck disable=SC2034
VERSITYGW_VERSION="v1.8.0"

# Credentials of a MinIO we start (its root user), also handed to the app as
# SHOTLINE_S3_ACCESS_KEY / SHOTLINE_S3_SECRET_KEY. The defaults are only for
# servers bound to 127.0.0.1.
LOCAL_S3_ACCESS_KEY="${SHOTLINE_S3_ACCESS_KEY:-shotline}"
LOCAL_S3_SECRET_KEY="${SHOTLINE_S3_SECRET_KEY:-shotline-local-secret}"

say() { printf '==> %s\n' "$*" >&2; }
warn() { printf '\n!!! %s\n\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# as_root runs a command as root: directly when we are root, else with sudo.
as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $* (not root and no sudo)"
	fi
}

# port_open HOST PORT: true if something accepts TCP connections there.
port_open() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# http_ok URL: true if URL answers 2xx.
http_ok() {
	curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
}

# free_port prints a loopback TCP port nobody listens on, from 20000–32767
# (below Linux's ephemeral range, so outgoing connections do not take it),
# never one it already handed out in this shell.
_SHOTLINE_PORTS_GIVEN=" "
free_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + RANDOM % 12768))
		[[ $_SHOTLINE_PORTS_GIVEN == *" $p "* ]] && continue
		if ! port_open 127.0.0.1 "$p"; then
			_SHOTLINE_PORTS_GIVEN+="$p "
			echo "$p"
			return 0
		fi
	done
	die "no free port found"
}

# alive PID: true while the process runs (a zombie child that exited but was
# not yet reaped by wait counts as gone, unlike with kill -0).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

# Servers started with start_server, in start order.
SHOTLINE_PIDS=()
SHOTLINE_NAMES=()

# start_server NAME LOGFILE COMMAND... starts COMMAND in the background, in
# its own session (so a terminal's Ctrl-C reaches only the script, which then
# stops servers in order), with SIGTERM sent to it should this shell die
# without cleaning up. Its output is appended to LOGFILE. Sets SERVER_PID, and
# SERVER_LOG_START (where this run's output starts in LOGFILE) for wait_ready.
start_server() {
	local name=$1 log=$2
	shift 2
	SERVER_LOG_START=0
	if [[ $log != /dev/* ]]; then
		mkdir -p "$(dirname "$log")"
		[[ -f $log ]] && SERVER_LOG_START=$(stat -c %s "$log")
		printf '\n--- %s: starting %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
	fi
	local wrap=()
	command -v setsid >/dev/null 2>&1 && wrap+=(setsid)
	command -v setpriv >/dev/null 2>&1 && wrap+=(setpriv --pdeathsig TERM --)
	"${wrap[@]}" "$@" >>"$log" 2>&1 </dev/null &
	SERVER_PID=$!
	SHOTLINE_PIDS+=("$SERVER_PID")
	SHOTLINE_NAMES+=("$name")
}

# wait_ready NAME PID LOGFILE CHECK... polls CHECK (a command) until it
# succeeds. Fails with the log's tail if the process exits first or
# WAIT_TIMEOUT seconds pass.
wait_ready() {
	local name=$1 pid=$2 log=$3
	shift 3
	local deadline=$((SECONDS + WAIT_TIMEOUT))
	until "$@"; do
		if ! alive "$pid"; then
			_server_failed "$name" "$log" "exited before it was ready"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			_server_failed "$name" "$log" "did not answer within ${WAIT_TIMEOUT}s"
			return 1
		fi
		sleep 0.2
	done
}

_server_failed() {
	if [[ -f $2 ]]; then
		printf '\nerror: %s %s. Last lines of %s:\n' "$1" "$3" "$2" >&2
		tail -c +"$((${SERVER_LOG_START:-0} + 1))" "$2" | tail -n 30 | sed 's/^/    /' >&2
		printf '\n' >&2
	else
		printf '\nerror: %s %s (see its output above)\n' "$1" "$3" >&2
	fi
}

# start_ferretdb PORT DATADIR LOGFILE starts FerretDB on 127.0.0.1:PORT and
# waits until it accepts connections.
start_ferretdb() {
	local port=$1 dir=$2 log=$3
	[[ -x $FERRETDB_BIN ]] || die "FerretDB not found at $FERRETDB_BIN: run scripts/setup.sh"
	port_open 127.0.0.1 "$port" && die "port $port is already taken; set SHOTLINE_FERRETDB_PORT or SHOTLINE_MONGO_URI"
	start_server ferretdb "$log" "$FERRETDB_BIN" -listen-addr "127.0.0.1:$port" -sqlite-dir "$dir"
	wait_ready ferretdb "$SERVER_PID" "$log" port_open 127.0.0.1 "$port"
}

# start_minio PORT CONSOLE_PORT DATADIR LOGFILE starts MinIO on 127.0.0.1 with
# the local credentials and waits until its liveness probe answers.
start_minio() {
	local port=$1 console=$2 dir=$3 log=$4
	[[ -x $MINIO_BIN ]] || die "MinIO not found at $MINIO_BIN: run scripts/setup.sh"
	port_open 127.0.0.1 "$port" && die "port $port is already taken; set SHOTLINE_MINIO_PORT or SHOTLINE_S3_ENDPOINT"
	mkdir -p "$dir"
	# Credentials go through the environment, so they stay out of the log.
	MINIO_ROOT_USER="$LOCAL_S3_ACCESS_KEY" MINIO_ROOT_PASSWORD="$LOCAL_S3_SECRET_KEY" MINIO_UPDATE=off \
		start_server minio "$log" "$MINIO_BIN" server "$dir" \
		--address "127.0.0.1:$port" --console-address "127.0.0.1:$console"
	wait_ready minio "$SERVER_PID" "$log" http_ok "http://127.0.0.1:$port/minio/health/live"
}

# build_app builds the server into $SHOTLINE_BIN.
build_app() {
	mkdir -p "$(dirname "$SHOTLINE_BIN")"
	(cd "$SHOTLINE_ROOT" && go build -o "$SHOTLINE_BIN" ./backend/cmd/shotline)
}

# start_app URL LOGFILE starts the built app (configured by the SHOTLINE_*
# variables in the environment) and waits until URL/readyz answers 200, that
# is until it reaches its database and object store.
start_app() {
	local url=$1 log=$2
	start_server shotline "$log" "$SHOTLINE_BIN"
	wait_ready shotline "$SERVER_PID" "$log" http_ok "$url/readyz"
}

# stop_servers stops every server started by start_server, newest first
# (the app before what it depends on): SIGTERM, up to 20 s, then SIGKILL.
stop_servers() {
	local i pid name deadline
	for ((i = ${#SHOTLINE_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${SHOTLINE_PIDS[i]}
		name=${SHOTLINE_NAMES[i]}
		if alive "$pid"; then
			kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
			deadline=$((SECONDS + 20))
			while alive "$pid" && ((SECONDS < deadline)); do
				sleep 0.1
			done
			if alive "$pid"; then
				say "$name did not stop within 20s; killing it"
				kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
			fi
		fi
		wait "$pid" 2>/dev/null || true
	done
	SHOTLINE_PIDS=()
	SHOTLINE_NAMES=()
}
