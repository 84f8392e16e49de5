#!/usr/bin/env bash
# Builds FerretDB v1 (a MongoDB wire-protocol server with an SQLite backend) into $1.
# `go install` of the published module panics at start because the module zip lacks the
# generated build/version/version.txt, so build from a copy of the module with that file.
set -euo pipefail
out="$1"
version="v1.24.2"
[ -x "$out" ] && "$out" --version >/dev/null 2>&1 && exit 0
export GOFLAGS=-mod=mod
go mod download "github.com/FerretDB/FerretDB@$version"
src="$(go env GOMODCACHE)/github.com/!ferret!d!b/!ferret!d!b@$version"
work="$(mktemp -d)"
cp -r "$src/." "$work/"
chmod -R u+w "$work"
echo "$version" > "$work/build/version/version.txt"
(cd "$work" && go build -o "$out" ./cmd/ferretdb)
rm -rf "$work"
"$out" --version
