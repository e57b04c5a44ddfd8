#!/usr/bin/env bash
# shellcheck disable=SC2317 # functions run through step(), unseen by shellcheck
# Runs every check Shotline has, as CI does: go vet, the import rules, the Go
# tests (against real FerretDB and MinIO, and for the object-store tests
# versitygw too, all started by backend/testenv), the frontend's type check,
# unit tests and build, then the Playwright end-to-end tests against a
# throwaway stack (FerretDB + MinIO + the app) on free ports.
# Runs every step even after a failure, prints a summary, and exits non-zero
# if any step failed.
#
# Environment: SHOTLINE_TOOLS_DIR, SHOTLINE_WAIT_TIMEOUT (scripts/lib.sh);
# SHOTLINE_CHROMIUM (the browser for Playwright, default /usr/bin/chromium);
# CI=true makes Playwright refuse test.only.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SHOTLINE_ROOT"

FRONTEND="$SHOTLINE_ROOT/frontend"
SUMMARY=()
FAILED=0

# step NAME COMMAND... runs COMMAND in a subshell with errexit and records
# the outcome; a failure does not stop the other steps.
step() {
	local name=$1 start=$SECONDS rc=0
	shift
	printf '\n==> %s\n' "$name" >&2
	set +e
	(
		set -e
		"$@"
	)
	rc=$?
	set -e
	if ((rc == 0)); then
		SUMMARY+=("$(printf 'PASS  %-28s %4ds' "$name" $((SECONDS - start)))")
	else
		SUMMARY+=("$(printf 'FAIL  %-28s %4ds  (exit %d)' "$name" $((SECONDS - start)) "$rc")")
		FAILED=1
	fi
	return 0
}

# skip NAME REASON records a step that could not run, loudly.
skip() {
	warn "SKIPPED $1: $2"
	SUMMARY+=("$(printf 'SKIP  %-28s        %s' "$1" "$2")")
}

summary() {
	printf '\n==> summary\n' >&2
	printf '  %s\n' "${SUMMARY[@]}" >&2
	if ((FAILED)); then
		printf '\nFAILED\n' >&2
	else
		printf '\nall checks passed\n' >&2
	fi
}

go_tests() {
	export SHOTLINE_FERRETDB_BIN="$FERRETDB_BIN" SHOTLINE_MINIO_BIN="$MINIO_BIN" SHOTLINE_VERSITYGW_BIN="$VERSITYGW_BIN"
	go test -count=1 ./...
}

npm_run() { (cd "$FRONTEND" && npm run --silent "$@"); }

# e2e starts FerretDB, MinIO and the app on free ports with data in a
# temporary directory, runs Playwright against it, and stops the stack
# whatever happens. Server logs are kept in .data/test-logs.
e2e() {
	local tmp logs ferret_port minio_port console_port app_port url
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/shotline-e2e-XXXXXX")
	E2E_TMP=$tmp
	trap 'stop_servers; rm -rf "$E2E_TMP"' EXIT
	logs="$SHOTLINE_ROOT/.data/test-logs"
	mkdir -p "$logs"
	: >"$logs/ferretdb.log"
	: >"$logs/minio.log"
	: >"$logs/shotline.log"
	trap 'exit 130' INT
	trap 'exit 143' TERM

	ferret_port=$(free_port)
	minio_port=$(free_port)
	console_port=$(free_port)
	app_port=$(free_port)
	url="http://127.0.0.1:$app_port"

	start_ferretdb "$ferret_port" "$tmp/ferretdb" "$logs/ferretdb.log"
	start_minio "$minio_port" "$console_port" "$tmp/minio" "$logs/minio.log"
	# Only what the stack needs: nothing from the caller's SHOTLINE_* setup.
	SHOTLINE_ADDR="127.0.0.1:$app_port" \
		SHOTLINE_MONGO_URI="mongodb://127.0.0.1:$ferret_port" SHOTLINE_MONGO_DB=shotline_e2e \
		SHOTLINE_S3_ENDPOINT="127.0.0.1:$minio_port" SHOTLINE_S3_SECURE=false SHOTLINE_S3_BUCKET=shotline-e2e \
		SHOTLINE_S3_ACCESS_KEY="$LOCAL_S3_ACCESS_KEY" SHOTLINE_S3_SECRET_KEY="$LOCAL_S3_SECRET_KEY" \
		SHOTLINE_STATIC_DIR="$FRONTEND/dist" SHOTLINE_COOKIE_SECURE=false \
		SHOTLINE_MODERATION_POLICY="$SHOTLINE_ROOT/policies/moderation.json" \
		start_app "$url" "$logs/shotline.log"
	say "stack up at $url (logs in $logs)"

	local rc=0
	(cd "$FRONTEND" && SHOTLINE_E2E_URL="$url" npx --no-install playwright test) || rc=$?
	if ((rc != 0)); then
		printf '\nLast lines of the app log (%s):\n' "$logs/shotline.log" >&2
		tail -n 40 "$logs/shotline.log" | sed 's/^/    /' >&2
	fi
	return "$rc"
}

trap 'exit 130' INT
trap 'exit 143' TERM

printf '==> setup\n' >&2
"$SHOTLINE_ROOT/scripts/setup.sh" --tests

step "go vet" go vet ./...
step "go vet (ferretdb launcher)" bash -c 'cd scripts/ferretdb && go vet ./...'
step "go test (ferretdb launcher)" bash -c 'cd scripts/ferretdb && go test ./...'
step "check imports" "$SHOTLINE_ROOT/scripts/check-imports.sh"
step "go test" go_tests
step "build app" build_app
app_built=$([[ ${SUMMARY[-1]} == PASS* ]] && echo 1 || echo 0)

frontend_built=0
if [[ -f $FRONTEND/package.json ]]; then
	step "frontend typecheck" npm_run typecheck
	step "frontend unit tests" npm_run test
	step "frontend build" npm_run build
	[[ ${SUMMARY[-1]} == PASS* ]] && frontend_built=1
else
	skip "frontend" "frontend/package.json does not exist yet"
fi

if [[ ! -f $FRONTEND/package.json ]]; then
	skip "e2e" "no frontend yet"
elif ! compgen -G "$FRONTEND/playwright.config.*" >/dev/null; then
	skip "e2e" "frontend/playwright.config.* does not exist yet"
elif ((!app_built || !frontend_built)); then
	SUMMARY+=("$(printf 'FAIL  %-28s        %s' "e2e" "not run: the app or the frontend did not build")")
	FAILED=1
else
	step "e2e (playwright)" e2e
fi

summary
exit "$FAILED"
