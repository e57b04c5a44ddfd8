#!/usr/bin/env bash
# Fails when an import points the wrong way (see docs: CONVENTIONS, layout):
#
#   backend/shotline   the domain: imports only the standard library
#   backend/board      a board's content (shots, comments, ops, text merge,
#                      fractional keys): pure, imports only the domain; any
#                      package may import it
#   backend/typeset    fonts and text layout for ffmpeg's drawtext: imports
#                      nothing of ours; export and render both use it
#   backend/http, backend/cmd/...
#                      on top: may import any package of ours
#   policies           leaf: imports nothing of ours
#   backend/testenv    test harness: exempt, but only tests may import it
#   any other backend/X (mongo, objectstore, authz, …)
#                      adapters: the domain, policies/, their own subtree
#                      (backend/X/...) and third-party drivers; never each
#                      other, nor backend/http or backend/cmd
#
# Only non-test imports are checked: tests may wire anything together.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mod=$(go list -m)
listing=$(go list -e -f '{{.ImportPath}} {{join .Imports " "}}' ./backend/... ./policies/...)

violations=()
while read -r pkg imports; do
	rel=${pkg#"$mod"/}
	for imp in $imports; do
		own=false
		[[ $imp == "$mod" || $imp == "$mod"/* ]] && own=true
		irel=${imp#"$mod"/}
		if [[ $irel == backend/testenv || $irel == backend/testenv/* ]] && [[ $rel != backend/testenv* ]]; then
			violations+=("$rel imports $irel: only tests may use the test harness")
			continue
		fi
		case $rel in
		backend/shotline | backend/shotline/*)
			# Standard library paths have no dot in their first element.
			first=${imp%%/*}
			if [[ $first == *.* ]]; then
				violations+=("$rel imports $imp: the domain imports only the standard library")
			fi
			;;
		backend/board | backend/board/*)
			first=${imp%%/*}
			if [[ $first == *.* && $irel != backend/shotline && $irel != backend/board* ]]; then
				violations+=("$rel imports $imp: a board's content imports only the domain and the standard library")
			fi
			;;
		backend/typeset | backend/typeset/*)
			if $own; then
				violations+=("$rel imports $irel: typeset imports nothing of ours")
			fi
			;;
		backend/http | backend/http/* | backend/cmd/* | backend/testenv | backend/testenv/*) ;;
		policies | policies/*)
			if $own && [[ $irel != policies* ]]; then
				violations+=("$rel imports $irel: policies is a leaf and imports nothing of ours")
			fi
			;;
		backend/*)
			$own || continue
			top=${rel#backend/}
			top=${top%%/*}
			case $irel in
			backend/shotline | backend/board | backend/typeset | policies | "backend/$top" | "backend/$top"/*) ;;
			backend/http | backend/http/* | backend/cmd/*)
				violations+=("$rel imports $irel: adapters never import the layers on top of them") ;;
			*)
				violations+=("$rel imports $irel: adapters import the domain (backend/shotline), not each other") ;;
			esac
			;;
		esac
	done
done <<<"$listing"

if ((${#violations[@]} > 0)); then
	printf 'check-imports: %d import(s) point the wrong way:\n' "${#violations[@]}" >&2
	printf '  %s\n' "${violations[@]}" >&2
	exit 1
fi
