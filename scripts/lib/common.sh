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
