#!/usr/bin/env bash
# Stops everything start-multi-agent.sh started, as .mesh/state.json records it.
#
# Local processes: SIGTERM to every pid (agents first, consumers before the agents they depend on, e.g. the
# gateway, then the order agent, ... then the database agent; then infrastructure, a profile's balancer and
# the registry), a bounded wait per group (MESH_STOP_GRACE, default 10s), then SIGKILL of any survivor's
# process group. Nothing is left behind; data in .mesh/postgres stays for the next start.
# Docker: compose down of the recorded project and files (containers and network); volumes (data, the mesh CA)
# stay for the next start unless --volumes.
#
#   ./scripts/stop-multi-agent.sh [--volumes]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
require_build
exec "$MESHCTL" down --root "$MESH_ROOT" "$@"
