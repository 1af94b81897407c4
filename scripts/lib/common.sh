# Shared helpers for the mesh scripts (sourced, not executed).
# shellcheck shell=bash

MESH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
export MESH_ROOT
MESHCTL="$MESH_ROOT/bin/meshctl"

die() {
  printf '%s\n' "$*" >&2
  exit 1
}

# Fails with a hint when the workspace has not been built.
require_build() {
  [ -f "$MESH_ROOT/packages/meshctl/dist/cli.js" ] ||
    die "Not built yet. Run: pnpm install && pnpm build"
}

# A throwaway local system for scripts that start one of their own: `new_system_home NAME OFFSET` makes a
# fresh MESH_HOME under TMPDIR and exports it with MESH_MODE=local and MESH_PORT_OFFSET (OFFSET unless set);
# `start_system_in_home` starts the whole system there and sets `gateway`; `stop_system_in_home` stops it and
# removes the directory (safe to call from an EXIT trap before or after the start).
new_system_home() {
  home=$(mktemp -d "${TMPDIR:-/tmp}/mesh-$1-XXXXXX")
  # As root, embedded PostgreSQL runs as another user, which must be able to enter the data directory's parents.
  chmod 755 "$home"
  export MESH_HOME=$home MESH_MODE=local MESH_PORT_OFFSET=${MESH_PORT_OFFSET:-$2}
}

start_system_in_home() {
  echo "== starting the system in $home"
  "$MESH_ROOT/scripts/start-multi-agent.sh" >"$home/start.log" 2>&1 || { cat "$home/start.log"; die "the start failed"; }
  gateway=$(node -p 'require(process.argv[1]).gatewayUrl' "$home/state.json")
}

stop_system_in_home() {
  "$MESH_ROOT/scripts/stop-multi-agent.sh" >/dev/null 2>&1 || true
  [ -n "${home:-}" ] && rm -rf "$home"
  return 0
}

# A bearer token for the demo shopper, from the gateway at $gateway.
demo_token() {
  curl -fsS -X POST "$gateway/auth/login" -H 'content-type: application/json' \
    -d '{"username":"user-1","password":"demo"}' | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token'
}

# `place_demo_order ID N TOKEN`: one order of the demo shopper through $gateway, a unit of one of ITEM-1…5;
# every seventh N pays with a card the sandbox declines, so the graphs show failures too. Never fails.
place_demo_order() {
  local method=''
  [ $(($2 % 7)) -eq 0 ] && method=',"payment_method":"tok_chargeDeclined"'
  curl -sS -o /dev/null -X POST "$gateway/orders" -H "authorization: Bearer $3" \
    -H 'content-type: application/json' --max-time 30 \
    -d "{\"order_id\":\"$1\",\"user_id\":\"user-1\",\"items\":[{\"sku\":\"ITEM-$(($2 % 5 + 1))\",\"quantity\":1}]$method}" || true
}
