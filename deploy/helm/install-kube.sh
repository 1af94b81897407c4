#!/usr/bin/env bash
# Builds and caches what deploy/helm/check-cluster.sh runs: a Kubernetes control plane (kube-apiserver,
# kube-controller-manager, kube-scheduler), kubectl, kwok (simulated nodes and pods) and etcd.
#
# Usage: deploy/helm/install-kube.sh        -> prints the binaries' folder on its last line
#   MESH_CACHE_DIR       cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/agent-mesh); binaries go into
#                        <root>/kube/<kubernetes version>/, outside the checkout, so clean checkouts reuse them
#   KUBE_BUILD_JOBS      parallel Go compile jobs (default 1: the machine's cores are shared)
#
# All are Go programs built through the Go module proxy in one module (deploy/helm/kube/go.mod pins
# k8s.io/kubernetes and its staging modules; kwok and etcd share them: one compile of the k8s.io libraries).
# etcd is the version k8s.io/kubernetes pins (see deploy/helm/kube/etcd/main.go for why not Debian's).
# A cold build (empty Go build cache) took 17 minutes at -p 1 on two shared cores and leaves about 4 GB in the
# Go build cache; the binaries take 440 MB. With the stamp below a later run takes a second.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module_dir="$here/kube"
jobs="${KUBE_BUILD_JOBS:-1}"

fail() {
  echo "install-kube: $*" >&2
  exit 1
}
command -v go >/dev/null 2>&1 || fail "E_NO_GO: the Go toolchain (go 1.26+) is required"

kube_version="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$module_dir/go.mod")"
[[ "$kube_version" =~ ^v1\.[0-9]+\.[0-9]+$ ]] || fail "E_NO_VERSION: no k8s.io/kubernetes version in $module_dir/go.mod"
cache_root="${MESH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-mesh}"
bin_dir="$cache_root/kube/$kube_version"
binaries=(kube-apiserver kube-controller-manager kube-scheduler kubectl kwok etcd)

# The stamp names what the binaries were built from: a change to the module (comments aside) rebuilds.
stamp="$(grep -hv "^//" "$module_dir/go.mod" "$module_dir/go.sum" "$module_dir/etcd/main.go" | sha256sum | cut -c1-16)"
all_present() {
  local name
  for name in "${binaries[@]}"; do [[ -x "$bin_dir/$name" ]] || return 1; done
}
if all_present && [[ "$(cat "$bin_dir/.stamp" 2>/dev/null)" == "$stamp" ]]; then
  echo "install-kube: cached in $bin_dir"
  echo "$bin_dir"
  exit 0
fi

mkdir -p "$bin_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
say() { echo "install-kube: $* (+$(($(date +%s) - started))s)"; }

# What `kubectl version` and the components report (a module build stamps no tag by itself); the
# components derive their emulation version from it.
minor="${kube_version#v1.}"
minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

say "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl $kube_version, kwok, etcd (-p $jobs)"
(cd "$module_dir" && CGO_ENABLED=0 go build -p "$jobs" -trimpath -ldflags "$ldflags" -o "$work/" tool ./etcd)

for name in "${binaries[@]}"; do
  [[ -x "$work/$name" ]] || fail "E_BUILD: $name was not built"
  mv -f "$work/$name" "$bin_dir/$name"
done
echo "$stamp" >"$bin_dir/.stamp"
say "installed into $bin_dir ($(du -sh "$bin_dir" | cut -f1))"
echo "$bin_dir"
