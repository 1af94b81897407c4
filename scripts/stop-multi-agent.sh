#!/usr/bin/env bash
# Stops everything start-multi-agent.sh started: SIGTERM to every pid in .mesh/state.json (agents first, consumers
# before the agents they depend on, e.g. the gateway, then the order agent, ... then the database agent; then
# infrastructure and registry), a bounded wait per group (MESH_STOP_GRACE, default 10s), then SIGKILL of any
# survivor's process group. Nothing is left behind; data in .mesh/postgres stays for the next start.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
require_build
exec "$MESHCTL" down --root "$MESH_ROOT" "$@"
