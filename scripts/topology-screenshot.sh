#!/usr/bin/env bash
# Makes docs/img/topology.png: starts the whole system locally (its own MESH_HOME, ports moved by
# MESH_PORT_OFFSET), starts `meshctl ui` against it, places orders (every seventh with a card that is
# declined, so an edge shows errors), kills one user-agent replica so its node shows degraded, and renders the
# page in headless Chromium once the registry has noticed. Stops everything it started.
#
#   scripts/topology-screenshot.sh [OUT_FILE]          (default docs/img/topology.png)
#   SCREENSHOT_TRAFFIC_SECONDS=30   how long orders flow before the replica is killed
#
# Needs a build (pnpm build), chromium (Debian package), curl and node.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
require_build

out_file=${1:-docs/img/topology.png}
out=$(cd "$MESH_ROOT" && mkdir -p "$(dirname "$out_file")" && cd "$(dirname "$out_file")" && pwd -P)/$(basename "$out_file")
traffic_seconds=${SCREENSHOT_TRAFFIC_SECONDS:-30}
for tool in chromium curl node; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install chromium curl)"
done

new_system_home topology 26000
ui_pid=
traffic_pid=
# Each step may fail (a process already gone, `wait` reporting the signal) without skipping the next: set -e
# would otherwise end the trap early and leave the system running.
cleanup() {
  if [ -n "$traffic_pid" ]; then kill "$traffic_pid" 2>/dev/null || true; wait "$traffic_pid" 2>/dev/null || true; fi
  if [ -n "$ui_pid" ]; then kill "$ui_pid" 2>/dev/null || true; wait "$ui_pid" 2>/dev/null || true; fi
  stop_system_in_home
}
trap cleanup EXIT
start_system_in_home

echo "== starting meshctl ui"
"$MESH_ROOT/bin/meshctl" ui 0 >"$home/ui.log" 2>&1 &
ui_pid=$!
ui=
for _ in $(seq 1 100); do
  ui=$(sed -n 's/.* at \(http:[^ ]*\) .*/\1/p' "$home/ui.log")
  [ -n "$ui" ] && break
  sleep 0.2
done
[ -n "$ui" ] || { cat "$home/ui.log"; die "meshctl ui did not start"; }
echo "   $ui"

echo "== placing orders"
token=$(demo_token)
(
  # Bounded: stops on its own after ten minutes if nothing kills it first.
  end=$((SECONDS + 600))
  n=0
  while [ "$SECONDS" -lt "$end" ]; do
    n=$((n + 1))
    place_demo_order "topology-$$-$n" "$n" "$token"
    sleep 0.1
  done
) &
traffic_pid=$!
sleep "$traffic_seconds"

victim=$(node -p 'require(process.argv[1]).processes.filter((p) => p.name === "user-agent").at(-1).pid' "$home/state.json")
echo "== killing one user-agent replica (pid $victim); waiting for the registry to notice"
kill -KILL "$victim"
degraded=
for _ in $(seq 1 120); do
  degraded=$(curl -fsS "${ui}api/topology" | node -p \
    'JSON.parse(require("fs").readFileSync(0, "utf8")).nodes.find((n) => n.name === "user-agent")?.health === "degraded" ? "yes" : ""')
  [ -n "$degraded" ] && break
  sleep 0.5
done
[ -n "$degraded" ] || die "user-agent was not reported degraded within 60 s"

echo "== screenshot"
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,1000 \
  --virtual-time-budget=5000 --screenshot="$out" "${ui}?static" >/dev/null 2>&1
echo "   $out ($(($(stat -c %s "$out") / 1024)) KB)"
