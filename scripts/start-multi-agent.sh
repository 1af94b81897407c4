#!/usr/bin/env bash
# Starts the whole agent mesh described by architecture.yml.
#
# With a working Docker engine (docker info succeeds) and Docker Compose v2 or later (docker compose version),
# it runs deploy/docker-compose.yml as compose project agent-mesh, wave by wave, each wave gated by
# healthchecks (up --wait), with the ports of a local start (gateway 8080, registry 8000, ...) on 127.0.0.1.
# With only Compose v1 it says so and, like without Docker, starts the same topology as local processes:
# registry, embedded PostgreSQL, payment sandbox and SMTP sink, then every agent and replica as soon as its
# dependencies answer /ready. Set DATABASE_URL, REDIS_URL, RABBITMQ_URL, SMTP_HOST or PAYMENT_GATEWAY_URL to
# use real servers.
#
#   ./scripts/start-multi-agent.sh [--env-file FILE] [--parallel] [--layer event-driven --layer monitoring]
#                                  [--profile microservices]
#   --profile P / MESH_PROFILE=P     a variant of architecture.yml (its profiles: section): microservices runs the
#                                    gateway x2 behind a local balancer on 8080 (replicas on 8081, 8082) and more
#                                    replicas; in Docker it adds deploy/docker-compose.P.yml
#   DEPENDENCY_TIMEOUT=30s   how long each step may take to become ready (a Docker wave: at least 120 s)
#   MESH_PORT_OFFSET=0       added to every fixed or published port, to run a second system beside the first
#   MESH_MODE=local          never use Docker, even where an engine answers (docker: Docker or fail)
#   Docker only: --layer L / MESH_COMPOSE_LAYERS=a,b (deploy/docker-compose.<L>.yml), COMPOSE_PROJECT_NAME
#   (agent-mesh), MESH_PUBLISH_HOST (127.0.0.1; 0.0.0.0 publishes the ports on every interface)
# "All … ready in N s" counts from the moment this script started.
# Logs, pids, data and the record of what runs go to .mesh/ (see bin/meshctl status, bin/meshctl logs <agent>).
set -euo pipefail
# The printed "ready in" counts from here, the shell's and meshctl's own start-up included (GNU date; where
# date lacks %N, meshctl counts from its own process start).
MESH_START_EPOCH_MS=$(date +%s%3N)
export MESH_START_EPOCH_MS
source "$(dirname "$0")/lib/common.sh"
require_build
exec "$MESHCTL" up --root "$MESH_ROOT" "$@"
