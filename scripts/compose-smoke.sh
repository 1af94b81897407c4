#!/usr/bin/env bash
# Proves the Docker deployment on this machine, end to end, with the README's own commands:
#   1. a Docker engine that answers (Debian's docker.io is installed and dockerd started when none does; stopped
#      again at the end if this script started it) and Compose v2;
#   2. the images the compose files name (pulled, or stand-ins made from Debian packages when they cannot be
#      pulled; cached under $MESH_CACHE_DIR) and the project image;
#   3. the base stack, then + event-driven (RabbitMQ), then + monitoring (Prometheus, Alertmanager), each started
#      with `./scripts/start-multi-agent.sh` in Docker mode (every wave `up --wait`, gated by healthchecks);
#   4. on each layer: the README's order commands through nginx on :8080; on the base layer the k6 short profile
#      while one user-agent container is killed (SIGKILL) and the chaos invariants are checked (no lost order,
#      no double charge, stock conserved); on event-driven: the order events reach analytics, and each completed
#      order's confirmation email goes out (one Message-ID each), through RabbitMQ while each consumer is
#      killed; on monitoring:
#      Prometheus scrapes every agent and Alertmanager is ready;
#   5. `./scripts/stop-multi-agent.sh --volumes` (compose down -v).
# Containers reach nothing outside the networks compose creates (scripts/docker/egress.sh). It prints a closing
# line such as `compose: 3 layers up, 212 orders completed, 0 failed, invariants hold` and exits non-zero on any
# failure, after printing the state and logs of the services that failed.
#
#   scripts/compose-smoke.sh
#   MESH_CACHE_DIR   where images and tools are cached (default ${XDG_CACHE_HOME:-~/.cache}/agent-mesh)
#   SMOKE_KEEP=1     leave the last stack running (for a look around; stop it with ./scripts/stop-multi-agent.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.mesh/bin:$PATH"
export MESH_MODE=docker
# The image the compose files run is the one built below.
unset MESH_IMAGE

started=$(date +%s)
step() { printf '\n== compose: %s (+%ss)\n' "$*" "$(($(date +%s) - started))"; }
fail() {
  printf 'compose: FAILED: %s\n' "$*" >&2
  exit 1
}

completed_total=0
failed_total=0
layers_up=0
stack_up=false
egress_blocked=false

# On failure: what compose sees, and the last lines of every service that is not running and healthy.
report_failure() {
  echo "== compose: services at the failure" >&2
  docker compose -p "${COMPOSE_PROJECT_NAME:-agent-mesh}" ps -a >&2 || true
  local service
  for service in $(docker compose -p "${COMPOSE_PROJECT_NAME:-agent-mesh}" ps -a --format '{{.Service}} {{.State}} {{.Health}}' 2>/dev/null |
    awk '$2 != "running" || ($3 != "" && $3 != "healthy") {print $1}' | sort -u); do
    echo "== compose: logs of $service (last 60 lines)" >&2
    docker compose -p "${COMPOSE_PROJECT_NAME:-agent-mesh}" logs --no-color --tail 60 "$service" >&2 || true
  done
}

cleanup() {
  local status=$?
  set +e
  if [ "$status" -ne 0 ] && [ "$stack_up" = true ]; then report_failure; fi
  if [ "$stack_up" = true ] && [ "${SMOKE_KEEP:-}" != 1 ]; then ./scripts/stop-multi-agent.sh --volumes >/dev/null; fi
  if [ "$egress_blocked" = true ]; then scripts/docker/egress.sh unblock; fi
  scripts/docker/engine.sh down
  exit "$status"
}
trap cleanup EXIT

step "engine and Compose v2"
scripts/docker/engine.sh up

step "images the compose files name"
scripts/docker/images.sh

step "project image (agent-mesh:latest)"
scripts/docker/engine.sh build -f deploy/Dockerfile -t agent-mesh:latest .

step "egress: containers reach only each other"
scripts/docker/egress.sh block
egress_blocked=true

# The README's order, verbatim (README.md, the block from `PRICE=$(curl` to its sample answer): price, login, one
# order through :8080 (nginx). On a later layer the same order id answers as a replay of the completed order.
readme_order() {
  local answer
  answer=$(sed -n '/^PRICE=\$(curl/,/^# {"status"/p' README.md | sed '$d' | bash) ||
    fail "the README's order commands failed"
  echo "$answer"
  case "$answer" in
    *'"status":"completed"'*'"replayed":false'*) completed_total=$((completed_total + 1)) ;;
    *'"status":"completed"'*'"replayed":true'*) ;;
    *) fail "the README's order did not complete: $answer" ;;
  esac
}

# Chaos with one victim while orders flow: adds its completed/failed counts; fails on any violated invariant.
chaos() {
  local log=.mesh/compose-chaos.log
  bin/meshctl chaos --orders "$1" --concurrency 4 --victims "$2" | tee "$log" ||
    fail "chaos with $2 killed: invariants violated (above)"
  read -r ok failed < <(sed -n 's/^orders: \([0-9]*\) completed, \([0-9]*\) failed.*/\1 \2/p' "$log")
  completed_total=$((completed_total + ${ok:-0}))
  failed_total=$((failed_total + ${failed:-0}))
  chaos_completed=${ok:-0}
}

# analytics_report's completed count over the last hour, through the registry's proxy (operator certificate).
analytics_completed() {
  bin/meshctl call analytics_report '{"window_minutes":60}' --proxy |
    node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).completed)'
}

# The SMTP sink's inbox (HTTP :8025): "<orders emailed> <distinct Message-IDs>" (one subject per order
# confirmation). A consumer killed between the SMTP server's acceptance and its ledger's mark sends a copy with
# the same Message-ID, which mail systems drop: copies are allowed, a second Message-ID for an order is not.
inbox_counts() {
  curl -sf "http://127.0.0.1:$((8025 + ${MESH_PORT_OFFSET:-0}))/messages" |
    node -e 'const list = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const ids = new Set(list.map((m) => `${m.subject} ${m.message_id}`));
      console.log(new Set(list.map((m) => m.subject)).size, ids.size)'
}

# Polls a command until it prints the expected value; bounded by $3 seconds.
await_value() {
  local want=$1 command=$2 deadline=$(($(date +%s) + $3)) got=
  while [ "$(date +%s)" -lt "$deadline" ]; do
    got=$(eval "$command" 2>/dev/null || true)
    [ "$got" = "$want" ] && return 0
    sleep 2
  done
  echo "expected $want from '$command', last got '${got}'" >&2
  return 1
}

# -- layer 1: base -------------------------------------------------------------------------------------------
step "layer 1: base (registry, PostgreSQL, Redis, every agent, nginx)"
stack_up=true
./scripts/start-multi-agent.sh
layers_up=1
readme_order

step "layer 1: k6 short profile through nginx while a user-agent container is killed"
command -v k6 >/dev/null || loadtest/install-k6.sh
PROFILE=short k6 run --quiet --summary-export .mesh/compose-k6.json loadtest/orders.js &
k6_pid=$!
sleep 5
chaos 60 user-agent
k6_status=0
wait "$k6_pid" || k6_status=$?
[ "$k6_status" -eq 0 ] || fail "k6 thresholds failed (exit $k6_status)"
read -r k6_ok k6_failed < <(node -e '
  const m = JSON.parse(require("fs").readFileSync(".mesh/compose-k6.json", "utf8")).metrics;
  console.log(m.orders_completed?.count ?? 0, m.orders_failed?.count ?? 0);')
echo "k6: $k6_ok orders completed, $k6_failed failed"
completed_total=$((completed_total + k6_ok))
failed_total=$((failed_total + k6_failed))
./scripts/stop-multi-agent.sh

# -- layer 2: + event-driven ---------------------------------------------------------------------------------
step "layer 2: + event-driven (RabbitMQ): order events reach analytics and notification while each is killed"
./scripts/start-multi-agent.sh --layer event-driven
layers_up=2
readme_order
before=$(analytics_completed)
chaos 30 analytics-agent
await_value "$((before + chaos_completed))" analytics_completed 60 ||
  fail "analytics did not count every completed order's event (before $before, + $chaos_completed)"
echo "analytics: $chaos_completed more completed orders counted from the bus"
emailed=$chaos_completed
chaos 30 notification-agent
emailed=$((emailed + chaos_completed))
# The sink starts empty with the layer (the README's order was a replay): one email per order completed here.
await_value "$emailed $emailed" inbox_counts 90 ||
  fail "expected a confirmation email for each completed order ($emailed), each with one Message-ID"
echo "notification: $emailed orders emailed from the bus with notification killed mid-flow, one Message-ID each"
./scripts/stop-multi-agent.sh

# -- layer 3: + monitoring -----------------------------------------------------------------------------------
step "layer 3: + monitoring (Prometheus, Alertmanager; Grafana and Jaeger have no image here)"
MESH_COMPOSE_SKIP=grafana,jaeger ./scripts/start-multi-agent.sh --layer event-driven --layer monitoring
layers_up=3
readme_order
prometheus=http://127.0.0.1:$(node -p 'require("./.mesh/state.json").compose.ports.prometheus')
targets_down() {
  curl -fsS "$prometheus/api/v1/targets?state=active" |
    node -e 'const t = JSON.parse(require("fs").readFileSync(0, "utf8")).data.activeTargets;
      console.log(t.length === 0 ? "none" : t.filter((x) => x.health !== "up").map((x) => x.scrapeUrl).join(" ") || 0)'
}
await_value 0 targets_down 90 || fail "Prometheus does not scrape every target (down: $(targets_down))"
echo "prometheus: every target up"
await_value 200 "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$(node -p 'require("./.mesh/state.json").compose.ports.alertmanager')/-/ready" 30 ||
  fail "Alertmanager is not ready"

step "tear down"
if [ "${SMOKE_KEEP:-}" != 1 ]; then
  ./scripts/stop-multi-agent.sh --volumes
  stack_up=false
fi

[ "$failed_total" -eq 0 ] || fail "$failed_total orders failed"
echo "compose: $layers_up layers up, $completed_total orders completed, $failed_total failed, invariants hold ($(($(date +%s) - started)) s)"
