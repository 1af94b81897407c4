#!/bin/sh
# Container entry point: the first argument names what to run. Agents advertise the container's hostname to
# the registry (each replica has its own), listen on 0.0.0.0:8080, and get SIGTERM directly (exec).
set -eu
what=${1:-registry}
[ $# -gt 0 ] && shift

case "$what" in
  registry)
    export MCP_MESH_REGISTRY_HOST="${MCP_MESH_REGISTRY_HOST:-0.0.0.0}"
    export HEALTHCHECK_URL="${HEALTHCHECK_URL:-http://127.0.0.1:${MCP_MESH_REGISTRY_PORT:-8000}/health}"
    exec node /app/packages/registry/dist/main.js "$@" ;;
  payment-sandbox)
    export HOST="${HOST:-0.0.0.0}"
    exec node /app/packages/sandboxes/dist/payment-sandbox.js "$@" ;;
  smtp-sink)
    export HOST="${HOST:-0.0.0.0}"
    exec node /app/packages/sandboxes/dist/smtp-sink.js "$@" ;;
  meshctl)
    exec node /app/packages/meshctl/dist/cli.js "$@" ;;
  *-agent|api-gateway)
    dir=${what%-agent}
    main=/app/agents/$dir/dist/main.js
    [ -f "$main" ] || { echo "unknown agent $what (no $main)" >&2; exit 64; }
    export MCP_MESH_HTTP_HOST="${MCP_MESH_HTTP_HOST:-$(hostname)}"
    exec node "$main" "$@" ;;
  *)
    exec "$what" "$@" ;;
esac
