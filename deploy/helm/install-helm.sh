#!/usr/bin/env bash
# Builds helm from source with the Go toolchain (helm is not packaged in Debian), for the chart's render test.
# Usage: deploy/helm/install-helm.sh            -> installs into .mesh/bin/helm (repo root)
#        HELM_VERSION=v3.21.4 HELM_BIN_DIR=/usr/local/bin deploy/helm/install-helm.sh
# The first build downloads modules through the Go module proxy and takes minutes; later builds reuse the
# Go build cache, and an installed binary of the same version is kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="${HELM_VERSION:-v3.21.4}"
bin_dir="${HELM_BIN_DIR:-$root/.mesh/bin}"

if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: the Go toolchain (go) is required; install Go 1.23+ first" >&2
  exit 1
fi

# A module build reports only major.minor (no tag is stamped into it): compare that.
if [[ -x "$bin_dir/helm" ]] && "$bin_dir/helm" version --short 2>/dev/null | grep -q "^${version%.*}"; then
  echo "install-helm: $bin_dir/helm is already ${version}"
  exit 0
fi

mkdir -p "$bin_dir"
echo "install-helm: building helm.sh/helm/v3@${version} into ${bin_dir} (may take minutes the first time)"
GOBIN="$bin_dir" GOFLAGS="-mod=mod ${GOFLAGS:-}" CGO_ENABLED=0 go install "helm.sh/helm/v3/cmd/helm@${version}"
"$bin_dir/helm" version --short
