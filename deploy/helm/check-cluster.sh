#!/usr/bin/env bash
# Installs the chart on a real Kubernetes API server and checks that every object is accepted and every
# Deployment becomes ready: etcd, kube-apiserver, kube-controller-manager and kube-scheduler run on loopback
# with certificates made here, and kwok plays the nodes and the kubelet (pods are scheduled, get an IP and
# turn Ready; no container runs). Then: kubectl apply --dry-run=server of the rendered chart, helm install
# --wait, checks, helm uninstall, and everything started here is stopped by pid.
#
# Usage: deploy/helm/check-cluster.sh
#   needs go (deploy/helm/install-kube.sh builds and caches the binaries), helm on PATH or in .mesh/bin,
#   node, openssl, python3, and a built meshctl (pnpm build): the hook Job's program runs on this machine.
#   CHECK_CLUSTER_KEEP=1 keeps the work folder (certificates, logs, etcd data) after a run.
#
# The hook Job: its container would run the image's tls-secrets, but under kwok nothing runs. So this script
# runs that same program (deploy/docker/tls-secrets.mjs) here, as the Job's service account (a token from
# the TokenRequest API, so the chart's Role is what allows or refuses it) against this API server, and
# records its exit code on the Job's pod; kwok's stage (kwok-stages.yaml) then ends the pod with it, the Job
# controller completes the Job and helm goes on. The Secrets the Deployments mount are the real ones.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
chart="$here/agent-mesh"
namespace="mesh"
release="mesh"
node_count=3
started=$(date +%s)

say() { echo "check-cluster: $* (+$(($(date +%s) - started))s)"; }
fail() {
  echo "check-cluster: $*" >&2
  exit 1
}

for tool in openssl python3 node; do
  command -v "$tool" >/dev/null 2>&1 || fail "E_NO_TOOL: $tool is required"
done
[[ -f "$root/packages/meshctl/dist/cli.js" ]] ||
  fail "E_NO_MESHCTL: packages/meshctl/dist/cli.js is missing (pnpm build): the hook Job's program needs it"
export PATH="$root/.mesh/bin:$PATH"
command -v helm >/dev/null 2>&1 || fail "E_NO_HELM: helm is not on PATH (deploy/helm/install-helm.sh)"

say "offline validation"
"$here/validate-offline.sh"

say "binaries (deploy/helm/install-kube.sh)"
# Progress shows on stderr; the last line is the folder. (Not `tee /dev/stderr`: opening it again truncates a
# log file that stderr is redirected to, erasing everything written before.)
bin_dir=""
while IFS= read -r line; do
  printf '%s\n' "$line" >&2
  bin_dir=$line
done < <("$here/install-kube.sh")
[[ -x "$bin_dir/kube-apiserver" ]] || fail "E_NO_KUBE: install-kube.sh did not produce the binaries"
export PATH="$bin_dir:$PATH"

run="$(mktemp -d "${TMPDIR:-/tmp}/check-cluster.XXXXXX")"
logs="$run/logs"
mkdir -p "$logs" "$run/pki"
declare -A pids=()
order=()
helm_pid=""

# Tails every component's log, so a failure says which part failed and why: the running ones first, then
# helm's and the hook's, then the ones that died, last, where a reader looks first.
report_failure() {
  local name pid exited=()
  echo "check-cluster: FAILED; component logs (last 40 lines each) follow; all logs: $run/logs" >&2
  for name in "${order[@]}"; do
    pid="${pids[$name]}"
    if ! kill -0 "$pid" 2>/dev/null; then
      exited+=("$name")
      continue
    fi
    echo "---- $name (pid $pid, running)" >&2
    tail -n 40 "$logs/$name.log" >&2 || true
  done
  for name in helm hook; do
    [[ -s "$logs/$name.log" ]] && { echo "---- $name" >&2; tail -n 40 "$logs/$name.log" >&2; }
  done
  for name in "${exited[@]}"; do
    echo "---- $name (pid ${pids[$name]}, EXITED)" >&2
    tail -n 40 "$logs/$name.log" >&2 || true
  done
  return 0
}

# Stops what this script started, newest first, by pid: TERM, up to 10 s, then KILL.
stop_all() {
  local status=$? index name pid tries
  trap - EXIT INT TERM
  [[ $status -ne 0 ]] && report_failure
  if [[ -n "$helm_pid" ]] && kill -0 "$helm_pid" 2>/dev/null; then kill "$helm_pid" 2>/dev/null || true; fi
  for ((index = ${#order[@]} - 1; index >= 0; index--)); do
    name="${order[$index]}"
    pid="${pids[$name]}"
    kill -TERM "$pid" 2>/dev/null || continue
    for ((tries = 0; tries < 100; tries++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $status -eq 0 && "${CHECK_CLUSTER_KEEP:-}" != "1" ]]; then
    rm -rf "$run"
  else
    echo "check-cluster: work folder kept: $run" >&2
  fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start NAME COMMAND...: runs it in the background with its own log.
start() {
  local name="$1"
  shift
  "$@" >"$logs/$name.log" 2>&1 &
  pids[$name]=$!
  order+=("$name")
}

# wait_for SECONDS WHAT COMMAND...: polls every half second; fails naming WHAT when time runs out or a
# component has died.
wait_for() {
  local seconds="$1" what="$2" deadline name
  shift 2
  deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    for name in "${order[@]}"; do
      kill -0 "${pids[$name]}" 2>/dev/null || fail "E_DIED: $name exited while waiting for $what"
    done
    (($(date +%s) < deadline)) || fail "E_TIMEOUT: $what not within ${seconds}s"
    sleep 0.5
  done
}

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
sockets = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    sockets.append(s)
print(" ".join(str(s.getsockname()[1]) for s in sockets))
PY
}
read -r etcd_port etcd_peer_port api_port cm_port sched_port <<<"$(free_ports 5)"

say "certificates (openssl)"
"$here/kube-pki.sh" "$run/pki" >"$logs/pki.log" 2>&1 || { cat "$logs/pki.log" >&2; fail "E_PKI: kube-pki.sh failed"; }
pki="$run/pki"
api_url="https://127.0.0.1:$api_port"
kubeconfig() { # kubeconfig NAME -> $run/NAME.kubeconfig for the client certificate pki/NAME.crt
  local file="$run/$1.kubeconfig"
  KUBECONFIG="$file" kubectl config set-cluster check --server="$api_url" --certificate-authority="$pki/ca.crt" --embed-certs >/dev/null
  KUBECONFIG="$file" kubectl config set-credentials "$1" --client-certificate="$pki/$1.crt" --client-key="$pki/$1.key" --embed-certs >/dev/null
  KUBECONFIG="$file" kubectl config set-context check --cluster=check --user="$1" --namespace="$namespace" >/dev/null
  KUBECONFIG="$file" kubectl config use-context check >/dev/null
}
for identity in admin controller-manager scheduler kwok; do kubeconfig "$identity"; done
export KUBECONFIG="$run/admin.kubeconfig"

say "etcd on 127.0.0.1:$etcd_port"
start etcd etcd --name check --data-dir "$run/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
  --initial-cluster "check=http://127.0.0.1:$etcd_peer_port" --log-level warn \
  --unsafe-no-fsync # a throwaway cluster: durability buys nothing here
wait_for 30 "etcd health" python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$etcd_port/health', timeout=2)"

say "kube-apiserver on $api_url"
# Service IPs are numbers the API server hands out; nothing routes to them. The endpoint reconciler is off
# because the only address here is loopback, which Endpoints refuse.
start kube-apiserver kube-apiserver \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" --authorization-mode Node,RBAC \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/service-account.pub" \
  --service-account-signing-key-file "$pki/service-account.key" \
  --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
  --profiling=false --v 1
wait_for 90 "kube-apiserver /readyz" kubectl get --raw /readyz
server_version="$(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"

say "kube-controller-manager and kube-scheduler"
start kube-controller-manager kube-controller-manager \
  --kubeconfig "$run/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$run/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$run/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$cm_port" --leader-elect=false \
  --use-service-account-credentials --service-account-private-key-file "$pki/service-account.key" \
  --root-ca-file "$pki/ca.crt" --service-cluster-ip-range 10.96.0.0/16 --profiling=false --v 1
start kube-scheduler kube-scheduler \
  --kubeconfig "$run/scheduler.kubeconfig" \
  --authentication-kubeconfig "$run/scheduler.kubeconfig" \
  --authorization-kubeconfig "$run/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$sched_port" --leader-elect=false --profiling=false --v 1

say "kwok with $node_count nodes"
# kwok keeps the nodes' leases fresh, so the node lifecycle controller sees live nodes.
start kwok kwok --kubeconfig "$run/kwok.kubeconfig" --config "$here/kwok-stages.yaml" \
  --manage-all-nodes=true --node-lease-duration-seconds 40
for ((index = 0; index < node_count; index++)); do
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$index
  labels:
    kubernetes.io/hostname: kwok-node-$index
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: '0'
YAML
done
wait_for 60 "$node_count Ready nodes" kubectl wait --for=condition=Ready node --all --timeout=2s

say "namespace $namespace and the chart's external Secret"
kubectl create namespace "$namespace" >/dev/null
wait_for 60 "the default ServiceAccount in $namespace" kubectl -n "$namespace" get serviceaccount default
# The secret the README says to create before installing (values.yaml existingSecret).
kubectl -n "$namespace" create secret generic agent-mesh-secrets \
  --from-literal=DB_PASSWORD=check-cluster \
  --from-literal=REGISTRY_DATABASE_URL=postgres://mesh:check-cluster@postgres:5432/mcp_mesh \
  --from-literal=PAYMENT_API_KEY=check-cluster >/dev/null

# The recommendation model's claim (ReadWriteOnce by default) needs a volume; no provisioner runs here, so one
# PersistentVolume without a class stands ready for it. Nothing is ever written to it: kwok runs no container.
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata:
  name: check-cluster-models
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  hostPath: { path: $run/models }
YAML

say "kubectl apply --dry-run=server of the rendered chart"
helm template "$release" "$chart" --namespace "$namespace" >"$run/rendered.yaml"
kubectl apply --dry-run=server -n "$namespace" -f "$run/rendered.yaml" >"$logs/dry-run.log" 2>&1 ||
  { cat "$logs/dry-run.log" >&2; fail "E_DRY_RUN: the API server refused the rendered chart"; }
say "dry run: $(grep -c 'created (server dry run)' "$logs/dry-run.log") objects accepted"

# Runs the hook Job's program for each of its pods, as the Job's service account, and records the exit code
# on the pod (kwok ends the pod with it).
run_hook_pods() {
  local pod args_json args_text token sa_dir code
  for pod in $(kubectl -n "$namespace" get pods -l app.kubernetes.io/name=mesh-tls-issuer \
    -o jsonpath='{range .items[?(@.spec.nodeName)]}{.metadata.name}{" "}{.metadata.annotations.check-cluster\.agent-mesh/exit-code}{"\n"}{end}' |
    awk 'NF == 1 { print $1 }'); do
    args_json="$(kubectl -n "$namespace" get pod "$pod" -o jsonpath='{.spec.containers[0].args}')"
    # The container's args are the image entrypoint's: "tls-secrets" then the program's own arguments.
    args_text="$(python3 -c 'import json,sys; a=json.loads(sys.argv[1]); assert a[0]=="tls-secrets", a; print("\n".join(a[1:]))' "$args_json")" ||
      fail "E_HOOK: unexpected hook container args $args_json"
    mapfile -t args <<<"$args_text"
    sa_dir="$run/serviceaccount-$pod"
    mkdir -p "$sa_dir"
    token="$(kubectl -n "$namespace" create token "$(kubectl -n "$namespace" get pod "$pod" -o jsonpath='{.spec.serviceAccountName}')" --duration 10m)"
    printf '%s' "$token" >"$sa_dir/token"
    printf '%s' "$namespace" >"$sa_dir/namespace"
    cp "$pki/ca.crt" "$sa_dir/ca.crt"
    code=0
    KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$api_port" \
      MESH_K8S_SERVICE_ACCOUNT_DIR="$sa_dir" MESH_ROOT="$root" \
      timeout 180 node "$root/deploy/docker/tls-secrets.mjs" "${args[@]}" >>"$logs/hook.log" 2>&1 || code=$?
    echo "check-cluster: hook pod $pod ran tls-secrets here, exit $code" >>"$logs/hook.log"
    kubectl -n "$namespace" annotate pod "$pod" "check-cluster.agent-mesh/exit-code=$code" >/dev/null
    [[ $code -eq 0 ]] || fail "E_HOOK: the hook Job's tls-secrets exited with $code"
  done
}

say "helm install --wait (the hook Job's program runs here as its service account)"
helm install "$release" "$chart" --namespace "$namespace" --wait --timeout 5m >"$logs/helm.log" 2>&1 &
helm_pid=$!
deadline=$(($(date +%s) + 330))
while kill -0 "$helm_pid" 2>/dev/null; do
  (($(date +%s) < deadline)) || fail "E_TIMEOUT: helm install did not finish within 330s"
  run_hook_pods
  sleep 1
done
helm_status=0
wait "$helm_pid" || helm_status=$?
helm_pid=""
[[ $helm_status -eq 0 ]] || fail "E_INSTALL: helm install exited with $helm_status"
say "helm install done; hook output: $(grep -c '^tls-secrets: created' "$logs/hook.log" || true) Secrets created"

say "checking what the cluster made of the release"
deployments="$(kubectl -n "$namespace" get deployments -o jsonpath='{range .items[*]}{.metadata.name}={.status.readyReplicas}/{.spec.replicas}{"\n"}{end}')"
expected_deployments="$(grep -c '^kind: Deployment$' "$run/rendered.yaml")"
ready=0
while IFS='=' read -r name counts; do
  [[ -n "$name" ]] || continue
  [[ "${counts%/*}" == "${counts#*/}" ]] || fail "E_NOT_READY: deployment $name has $counts replicas ready"
  ready=$((ready + 1))
done <<<"$deployments"
[[ $ready -eq $expected_deployments ]] || fail "E_NOT_READY: $ready of $expected_deployments deployments ready"
# Each workload's certificate Secret exists (what every Deployment mounts), with the CA and the operator's.
for name in $(kubectl -n "$namespace" get deployments -o jsonpath='{.items[*].metadata.name}') ca operator-meshctl; do
  kubectl -n "$namespace" get secret "mesh-tls-$name" >/dev/null 2>&1 || fail "E_NO_SECRET: Secret mesh-tls-$name is missing"
done
# The disruption controller has counted every budget's healthy pods.
pdbs="$(kubectl -n "$namespace" get pdb -o jsonpath='{range .items[*]}{.metadata.name}={.status.currentHealthy}/{.status.expectedPods}{"\n"}{end}')"
pdb_count=0
while IFS='=' read -r name counts; do
  [[ -n "$name" ]] || continue
  [[ "${counts%/*}" == "${counts#*/}" && "${counts%/*}" -ge 2 ]] || fail "E_PDB: budget $name counts $counts healthy pods"
  pdb_count=$((pdb_count + 1))
done <<<"$pdbs"
# Services select their pods: every ready endpoint comes from a Ready pod.
for service in $(kubectl -n "$namespace" get services -o jsonpath='{.items[*].metadata.name}'); do
  wait_for 30 "endpoints of service $service" bash -c \
    "kubectl -n '$namespace' get endpointslices -l kubernetes.io/service-name=$service -o jsonpath='{.items[*].endpoints[*].addresses[0]}' | grep -q ."
done
say "$ready deployments ready, $pdb_count PodDisruptionBudgets healthy, every Service has endpoints"

say "the recommendation model: its claim bound, a training Job from the CronJob placed on the agent's node"
[[ "$(kubectl -n "$namespace" get pvc recommendation-models -o jsonpath='{.status.phase}')" == "Bound" ]] ||
  fail "E_MODELS: the claim recommendation-models is not Bound"
# A Job made from the CronJob, as an operator would to train at once: its pod must share the agent's node
# (the claim is ReadWriteOnce). kwok runs no container, so the Job is deleted once its pod is placed.
kubectl -n "$namespace" create job --from=cronjob/recommendation-training check-training >/dev/null
wait_for 60 "the training pod to be scheduled" bash -c \
  "kubectl -n '$namespace' get pods -l job-name=check-training -o jsonpath='{.items[0].spec.nodeName}' | grep -q ."
training_node="$(kubectl -n "$namespace" get pods -l job-name=check-training -o jsonpath='{.items[0].spec.nodeName}')"
agent_node="$(kubectl -n "$namespace" get pods -l app.kubernetes.io/name=recommendation-agent -o jsonpath='{.items[0].spec.nodeName}')"
[[ "$training_node" == "$agent_node" ]] ||
  fail "E_MODELS: the training pod is on $training_node, the recommendation agent on $agent_node"
kubectl -n "$namespace" delete job check-training --wait=false >/dev/null
say "model claim Bound; the training pod shares $agent_node with the agent"

say "helm uninstall"
helm uninstall "$release" --namespace "$namespace" --wait --timeout 2m >>"$logs/helm.log" 2>&1 ||
  fail "E_UNINSTALL: helm uninstall failed"
wait_for 60 "the release's pods to go" bash -c "[[ -z \"\$(kubectl -n '$namespace' get pods -o name)\" ]]"

echo "helm: chart installed on kube-apiserver $server_version with kwok, $ready deployments ready ($(($(date +%s) - started))s)"
