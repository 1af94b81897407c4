#!/usr/bin/env bash
# Starts the whole agent mesh described by architecture.yml.
#
# With a working Docker engine (docker info succeeds) and compose, it runs deploy/docker-compose.yml wave by
# wave, each wave gated by healthchecks. Otherwise it starts the same topology as local processes: registry,
# embedded PostgreSQL, payment sandbox and SMTP sink, then every agent and replica as soon as its dependencies
# answer /ready. Set DATABASE_URL, REDIS_URL, RABBITMQ_URL, SMTP_HOST or PAYMENT_GATEWAY_URL to use real servers.
#
#   ./scripts/start-multi-agent.sh [--env-file FILE]
#   DEPENDENCY_TIMEOUT=30s   how long each step may take to become ready
#   MESH_MODE=local          never use Docker, even where an engine answers
# Logs, pids and data go to .mesh/ (see bin/meshctl status, bin/meshctl logs <agent>).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
require_build
exec "$MESHCTL" up --root "$MESH_ROOT" "$@"
