#!/usr/bin/env bash
# Builds k6 from source with the Go toolchain (k6 is not packaged in Debian).
# Usage: loadtest/install-k6.sh            -> installs into .mesh/bin/k6 (repo root)
#        K6_VERSION=v1.8.1 K6_BIN_DIR=/usr/local/bin loadtest/install-k6.sh
# The first build downloads modules through the Go module proxy and takes several minutes;
# later builds reuse the Go build cache.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${K6_VERSION:-v1.8.1}"
bin_dir="${K6_BIN_DIR:-$root/.mesh/bin}"

if ! command -v go >/dev/null 2>&1; then
  echo "install-k6: the Go toolchain (go) is required; install Go 1.23+ first" >&2
  exit 1
fi

if [[ -x "$bin_dir/k6" ]] && "$bin_dir/k6" version 2>/dev/null | grep -q "${version#v}"; then
  echo "install-k6: $bin_dir/k6 is already ${version}"
  exit 0
fi

mkdir -p "$bin_dir"
echo "install-k6: building go.k6.io/k6@${version} into ${bin_dir} (may take minutes the first time)"
GOBIN="$bin_dir" GOFLAGS="-mod=mod ${GOFLAGS:-}" CGO_ENABLED=0 go install "go.k6.io/k6@${version}"
"$bin_dir/k6" version
