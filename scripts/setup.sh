#!/usr/bin/env bash
# Installs what Shotline needs to run and test without Docker. Idempotent and
# silent when there is nothing to do; safe to run before every run or test.
#
#   - Debian packages: ffmpeg, curl and the fonts of PDF storyboards
#     (fonts-dejavu-core, fonts-droid-fallback for CJK) to run; chromium,
#     docker-compose and poppler-utils (pdftotext, pdfimages) too with
#     --tests (the browser tests, the compose file's check, the PDF tests)
#   - $TOOLS/bin/ferretdb: our FerretDB launcher (scripts/ferretdb)
#   - $TOOLS/bin/minio: the MinIO server, built from source (~6 min cold)
#   - $TOOLS/bin/versitygw: the versitygw S3 gateway, the second S3 server the
#     Go tests use (~1 min cold); only with --tests (scripts/test.sh)
#   - frontend/node_modules (npm ci), when frontend/package.json exists
#
# Usage: setup.sh [--tests]
# Environment: SHOTLINE_TOOLS_DIR (default <repo>/.tools).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# install_debian_packages PKG... installs the packages that are missing.
install_debian_packages() {
	local pkg missing=()
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	((${#missing[@]} == 0)) && return 0
	say "installing Debian packages: ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

check_toolchains() {
	command -v go >/dev/null 2>&1 || die "Go is not installed (need Go 1.26+: https://go.dev/dl/)"
	if [[ -f $SHOTLINE_ROOT/frontend/package.json ]]; then
		command -v npm >/dev/null 2>&1 || die "Node.js/npm is not installed (need Node.js 20.19+)"
	fi
}

# build_ferretdb rebuilds the launcher when its sources changed since the
# last build (a stamp holds their checksum).
build_ferretdb() {
	local src=$SHOTLINE_ROOT/scripts/ferretdb stamp=$TOOLS/bin/ferretdb.stamp sum
	sum=$(cat "$src"/*.go "$src/go.mod" "$src/go.sum" | sha256sum | cut -d' ' -f1)
	if [[ -x $TOOLS/bin/ferretdb && -f $stamp && $(<"$stamp") == "$sum" ]]; then
		return 0
	fi
	say "building the FerretDB launcher into $TOOLS/bin/ferretdb (about a minute the first time)"
	mkdir -p "$TOOLS/bin"
	(cd "$src" && go build -o "$TOOLS/bin/ferretdb" .)
	echo "$sum" >"$stamp"
}

# go_install_tool NAME MODULE@VERSION WHAT HOW_LONG builds a server from the
# Go module proxy into $TOOLS/bin/NAME, unless the stamp says that version
# is there.
go_install_tool() {
	local name=$1 want=$2 what=$3 how_long=$4
	local stamp=$TOOLS/bin/$name.stamp
	if [[ -x $TOOLS/bin/$name && -f $stamp && $(<"$stamp") == "$want" ]]; then
		return 0
	fi
	say "building $what ($want) into $TOOLS/bin/$name; $how_long the first time"
	mkdir -p "$TOOLS/bin"
	# From a neutral directory, so the repository's go.mod plays no part.
	(cd "$TOOLS" && GOBIN="$TOOLS/bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "$want")
	echo "$want" >"$stamp"
}

build_minio() {
	go_install_tool minio "$MINIO_MODULE@$MINIO_VERSION" "the MinIO server" "about 6 minutes on 2 cores"
}

build_versitygw() {
	go_install_tool versitygw "$VERSITYGW_PACKAGE@$VERSITYGW_VERSION" "the versitygw S3 gateway" "about a minute"
}

# install_frontend_deps runs npm ci when node_modules is missing or older
# than package.json / package-lock.json (npm writes node_modules/.package-lock.json
# on every install, so its mtime says when the tree was last installed).
install_frontend_deps() {
	local fe=$SHOTLINE_ROOT/frontend marker=$SHOTLINE_ROOT/frontend/node_modules/.package-lock.json
	[[ -f $fe/package.json ]] || return 0
	if [[ -f $marker && ! $fe/package.json -nt $marker && ! ( -f $fe/package-lock.json && $fe/package-lock.json -nt $marker ) ]]; then
		return 0
	fi
	# The e2e tests drive Debian's /usr/bin/chromium: never download browsers.
	export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
	if [[ -f $fe/package-lock.json ]]; then
		say "installing frontend dependencies (npm ci)"
		(cd "$fe" && npm ci --no-audit --no-fund --loglevel=error)
	else
		say "installing frontend dependencies (npm install: no package-lock.json yet)"
		(cd "$fe" && npm install --no-audit --no-fund --loglevel=error)
	fi
}

for_tests=0
case "${1:-}" in
--tests) for_tests=1 ;;
"") ;;
*) die "usage: setup.sh [--tests]" ;;
esac

if ((for_tests)); then
	install_debian_packages ffmpeg curl fonts-dejavu-core fonts-droid-fallback chromium docker-compose poppler-utils
else
	install_debian_packages ffmpeg curl fonts-dejavu-core fonts-droid-fallback
fi
check_toolchains
build_ferretdb
build_minio
if ((for_tests)); then
	build_versitygw
fi
install_frontend_deps
