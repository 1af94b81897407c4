#!/bin/sh
# Container entry point: the first argument names what to run. Agents advertise MCP_MESH_HTTP_HOST to the
# registry (compose sets the service name, which their certificate names; Kubernetes a per-pod DNS name;
# else the container's hostname), listen on 0.0.0.0:8080, and get SIGTERM directly (exec).
set -eu
what=${1:-registry}
[ $# -gt 0 ] && shift

case "$what" in
  registry)
    export MCP_MESH_REGISTRY_HOST="${MCP_MESH_REGISTRY_HOST:-0.0.0.0}"
    exec node /app/packages/registry/dist/main.js "$@" ;;
  payment-sandbox)
    export HOST="${HOST:-0.0.0.0}"
    exec node /app/packages/sandboxes/dist/payment-sandbox.js "$@" ;;
  smtp-sink)
    export HOST="${HOST:-0.0.0.0}"
    exec node /app/packages/sandboxes/dist/smtp-sink.js "$@" ;;
  meshctl)
    exec node /app/packages/meshctl/dist/cli.js "$@" ;;
  mesh-certs)
    exec /app/deploy/docker/mesh-certs.sh "$@" ;;
  tls-secrets)
    exec node /app/deploy/docker/tls-secrets.mjs "$@" ;;
  train-recommendations)
    # The recommendation model from business_db (DB_*, ML_MODEL_PATH): the Helm chart's training CronJob.
    # The same training as scripts/train-recommendations.mjs, without its search for a local system.
    exec node /app/agents/recommendation/dist/train-main.js "$@" ;;
  *-agent|api-gateway)
    dir=${what%-agent}
    main=/app/agents/$dir/dist/main.js
    [ -f "$main" ] || { echo "unknown agent $what (no $main)" >&2; exit 64; }
    # Kubernetes: a per-pod DNS name (<pod-ip-dashed>.<MESH_POD_DNS_SUFFIX>) that the agent's wildcard
    # certificate names; otherwise the container's hostname.
    if [ -z "${MCP_MESH_HTTP_HOST:-}" ] && [ -n "${MESH_POD_IP:-}" ] && [ -n "${MESH_POD_DNS_SUFFIX:-}" ]; then
      MCP_MESH_HTTP_HOST="$(printf %s "$MESH_POD_IP" | tr '.:' '--').$MESH_POD_DNS_SUFFIX"
    fi
    export MCP_MESH_HTTP_HOST="${MCP_MESH_HTTP_HOST:-$(hostname)}"
    exec node "$main" "$@" ;;
  *)
    exec "$what" "$@" ;;
esac
