#!/usr/bin/env bash
# Validates the chart's rendered manifests offline against the Kubernetes API schemas (kubernetes-validate
# --strict: unknown fields are errors), for every way the chart renders: the defaults (strict mTLS, hook
# Job, the recommendation model on a ReadWriteOnce claim), cert-manager, plain HTTP, the ingress, and the
# model in an emptyDir or on a ReadWriteMany claim. No cluster needed.
#
# Usage: deploy/helm/validate-offline.sh
#   needs helm on PATH (deploy/helm/install-helm.sh) and python3 with venv; kubernetes-validate is installed
#   once into a venv under ${MESH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-mesh}/kubernetes-validate/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
chart="$here/agent-mesh"
validator_version="1.37.0"
kube_schema_version="${KUBE_SCHEMA_VERSION:-1.37.0}"
cache_root="${MESH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-mesh}"
venv="$cache_root/kubernetes-validate/$validator_version"

fail() {
  echo "validate-offline: $*" >&2
  exit 1
}
command -v helm >/dev/null 2>&1 || fail "E_NO_HELM: helm is not on PATH (deploy/helm/install-helm.sh)"

if [[ ! -x "$venv/bin/kubernetes-validate" ]]; then
  echo "validate-offline: installing kubernetes-validate $validator_version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || fail "E_NO_VENV: python3 -m venv failed (apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$validator_version" ||
    fail "E_INSTALL: pip could not install kubernetes-validate==$validator_version"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# name|helm template arguments
renderings=(
  "defaults|"
  "cert-manager|--api-versions cert-manager.io/v1 --set tls.certManager.issuer=mesh-ca"
  "plain-http|--set tls.mode=off"
  "ingress|--set ingress.enabled=true"
  "model-in-emptydir|--set recommendations.persistence.enabled=false"
  "model-shared-rwx|--set recommendations.persistence.accessMode=ReadWriteMany"
)
total=0
for rendering in "${renderings[@]}"; do
  name="${rendering%%|*}"
  read -r -a args <<<"${rendering#*|}"
  out="$work/$name.yaml"
  helm template mesh "$chart" --namespace mesh "${args[@]}" >"$out" 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; fail "E_RENDER: helm template ($name) failed"; }
  # cert-manager's Certificate is a CRD: kubernetes-validate has no schema for it and warns (the chart's
  # render test checks those documents instead).
  if ! "$venv/bin/kubernetes-validate" --strict --quiet -k "$kube_schema_version" "$out" >"$work/$name.log" 2>&1; then
    grep -v "^WARN .*Couldn't find schema for kind Certificate" "$work/$name.log" >&2 || true
    fail "E_INVALID: the $name rendering does not pass kubernetes-validate --strict"
  fi
  count="$(grep -c '^kind: ' "$out")"
  certificates="$(grep -c '^kind: Certificate$' "$out" || true)"
  note=""
  [[ "$certificates" -gt 0 ]] && note=" ($certificates cert-manager Certificates have no schema here)"
  echo "validate-offline: $name: $((count - certificates)) resources pass$note"
  total=$((total + count - certificates))
done
echo "validate-offline: $total resources in ${#renderings[@]} renderings pass kubernetes-validate --strict (Kubernetes $kube_schema_version)"
