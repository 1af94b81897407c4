#!/usr/bin/env bash
# Chaos test against the running mesh, local processes or Docker (start it first with
# ./scripts/start-multi-agent.sh).
#
# Sends a bounded stream of orders through the gateway (loopback only), kills one random agent replica with
# SIGKILL a third of the way in (by pid; in Docker, `docker kill` of one of the agent's containers), starts it
# again, waits for every order to settle, then verifies:
#   - no lost order: every accepted order ends completed or failed
#   - no double charge: each completed order has exactly one standing charge at the payment sandbox
#   - stock conserved: units gone per SKU equal the units of completed orders
# Exits non-zero on any violation.
#
#   ./scripts/chaos-test.sh [--orders 60] [--concurrency 4] [--victims user-agent,order-agent] [--system FILE]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
require_build
exec "$MESHCTL" chaos --root "$MESH_ROOT" "$@"
