#!/usr/bin/env bash
# Runs each image that scripts/docker/images.sh provides the way the compose files use it, on a network of
# its own, and checks what the deployment relies on:
#   postgres   password login over TCP from another container; the init scripts made mcp_mesh, auth_db,
#              business_db; a wrong password is refused; pg_isready (the healthcheck)
#   redis      PING from another container (the compose command line); redis-cli (the healthcheck)
#   rabbitmq   AMQP login on 5672 as RABBITMQ_DEFAULT_USER; management API; /metrics on 15692;
#              rabbitmq-diagnostics ping (the healthcheck)
#   nginx      deploy/nginx/nginx.conf: /nginx-health, proxying to api-gateway, following a gateway that
#              comes back with a new address, HTTPS; wget (the healthcheck)
#   prometheus deploy/prometheus/{prometheus,alerts}.yml load, /-/ready, promtool test rules alerts.test.yml
#   alertmanager deploy/prometheus/alertmanager.yml loads (amtool), /-/ready
# Works for the real images too. Removes every container and network it made, also on failure.
#
#   scripts/docker/check-stand-ins.sh [postgres|redis|rabbitmq|nginx|prometheus|alertmanager]...
set -euo pipefail
LOG_PREFIX=check
# shellcheck source=scripts/docker/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUN_ID="mesh-check-$$"
NET="$RUN_ID"
WORK=$(mktemp -d)
NODE_IMAGE=$(node_image)
failures=0

cleanup() {
  local ids
  mapfile -t ids < <(docker ps -aq --filter "label=$RUN_ID" 2>/dev/null || true)
  [ ${#ids[@]} -eq 0 ] || docker rm -f "${ids[@]}" >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Starts a container on the check network: start NAME IMAGE [docker run options...] -- [command...]
start() {
  local name=$1 image=$2 options=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    options+=("$1")
    shift
  done
  [ $# -eq 0 ] || shift
  docker run -d --label "$RUN_ID" --name "$RUN_ID-$name" --network "$NET" --network-alias "$name" \
    "${options[@]}" "$image" "$@" >/dev/null
}

# Runs a command in a container until it succeeds: wait_for SECONDS NAME command...
wait_for() {
  local limit=$1 name=$2 tries=0
  shift 2
  until docker exec "$RUN_ID-$name" "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$((limit * 2))" ]; then
      docker logs --tail 30 "$RUN_ID-$name" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

# A throwaway Node container on the network, running probe.mjs.
probe() {
  docker run --rm --label "$RUN_ID" --network "$NET" -v "$MESH_ROOT/scripts/docker/probe.mjs:/probe.mjs:ro" \
    "$NODE_IMAGE" node /probe.mjs "$@"
}

check() {
  local what=$1
  shift
  if "$@" >"$WORK/out" 2>&1; then
    say "ok   $what"
  else
    say "FAIL $what"
    sed 's/^/       /' "$WORK/out" | tail -n 20
    failures=$((failures + 1))
  fi
}

expect_fail() {
  ! "$@"
}

check_postgres() {
  local image=postgres:15-alpine sql="SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"
  printf 'check-secret\n' >"$WORK/pg-password"
  start postgres "$image" -e POSTGRES_USER=mesh -e POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password \
    -e POSTGRES_MULTIPLE_DATABASES=mcp_mesh,auth_db,business_db \
    -v "$WORK/pg-password:/run/secrets/postgres_password:ro" \
    -v "$MESH_ROOT/deploy/postgres/init:/docker-entrypoint-initdb.d:ro" --
  check "postgres: pg_isready over TCP (the healthcheck)" \
    wait_for 60 postgres pg_isready -h 127.0.0.1 -U mesh -d business_db
  check "postgres: password login from another container; init scripts made the databases" bash -c "
    out=\$(docker run --rm --label $RUN_ID --network $NET -e PGPASSWORD=check-secret $image \
      psql -h postgres -U mesh -d business_db -tAc \"$sql\") && echo \"\$out\" &&
    [ \"\$out\" = auth_db,business_db,mcp_mesh,mesh,postgres,template0,template1 ]"
  check "postgres: a wrong password is refused" expect_fail docker run --rm --label "$RUN_ID" --network "$NET" \
    -e PGPASSWORD=wrong "$image" psql -h postgres -U mesh -d business_db -tAc 'SELECT 1'
}

check_redis() {
  local image=redis:7-alpine
  start redis "$image" -- redis-server --save 60 1000 --appendonly no
  check "redis: redis-cli ping (the healthcheck)" wait_for 20 redis redis-cli ping
  check "redis: PING from another container" bash -c \
    "[ \"\$(docker run --rm --label $RUN_ID --network $NET $image redis-cli -h redis ping)\" = PONG ]"
}

check_rabbitmq() {
  start rabbitmq rabbitmq:3.13-management-alpine -e RABBITMQ_DEFAULT_USER=mesh \
    -e RABBITMQ_DEFAULT_PASS=check-secret --
  check "rabbitmq: rabbitmq-diagnostics -q ping (the healthcheck)" \
    wait_for 90 rabbitmq rabbitmq-diagnostics -q ping
  # ping answers once the Erlang node runs, seconds before RabbitMQ opens its ports.
  check "rabbitmq: its listeners accept connections" \
    wait_for 60 rabbitmq rabbitmq-diagnostics -q check_port_connectivity
  check "rabbitmq: AMQP login on 5672 as the configured user" probe amqp rabbitmq 5672 mesh check-secret
  check "rabbitmq: AMQP login with a wrong password is refused" expect_fail probe amqp rabbitmq 5672 mesh wrong
  check "rabbitmq: management API (15672) as the configured user" \
    probe http http://rabbitmq:15672/api/whoami mesh check-secret
  check "rabbitmq: Prometheus metrics on 15692" bash -c \
    "docker run --rm --label $RUN_ID --network $NET -v $MESH_ROOT/scripts/docker/probe.mjs:/probe.mjs:ro \
      $NODE_IMAGE node /probe.mjs http http://rabbitmq:15692/metrics | grep -q '^200 # TYPE'"
}

# A stand-in for the API gateway: busybox's httpd from the prometheus image, serving one file.
start_fake_gateway() {
  start api-gateway prom/prometheus:v2.55.1 --entrypoint sh -- \
    -c "mkdir -p /tmp/www && echo gateway-$1 > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www"
}

check_nginx() {
  mkdir -p "$WORK/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=nginx -addext subjectAltName=DNS:nginx \
    -keyout "$WORK/tls/tls.key" -out "$WORK/tls/tls.crt" >/dev/null 2>&1
  chmod 644 "$WORK/tls/tls.key"
  start_fake_gateway one
  start nginx nginx:1.27-alpine -v "$MESH_ROOT/deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" \
    -v "$WORK/tls:/etc/nginx/tls:ro" --
  check "nginx: wget /nginx-health (the healthcheck)" \
    wait_for 20 nginx wget -q -O /dev/null http://127.0.0.1/nginx-health
  check "nginx: proxies to api-gateway" bash -c "probe_out=\$(docker run --rm --label $RUN_ID --network $NET \
    -v $MESH_ROOT/scripts/docker/probe.mjs:/probe.mjs:ro $NODE_IMAGE node /probe.mjs http http://nginx/) &&
    echo \"\$probe_out\" && [[ \$probe_out == *gateway-one* ]]"
  # A gateway that comes back with another address: nginx re-resolves the name (`resolve`, valid=10s).
  docker rm -f "$RUN_ID-api-gateway" >/dev/null
  start filler prom/prometheus:v2.55.1 --entrypoint sleep -- 60
  start_fake_gateway two
  check "nginx: follows api-gateway to its new address (within 20 s)" bash -c "
    for i in \$(seq 1 40); do
      docker exec $RUN_ID-nginx wget -q -O - http://127.0.0.1/ 2>/dev/null | grep -q gateway-two && exit 0
      sleep 0.5
    done
    exit 1"
  check "nginx: HTTPS on 443 with the edge certificate" docker run --rm --label "$RUN_ID" --network "$NET" \
    -e NODE_EXTRA_CA_CERTS=/tls/tls.crt -v "$WORK/tls/tls.crt:/tls/tls.crt:ro" \
    -v "$MESH_ROOT/scripts/docker/probe.mjs:/probe.mjs:ro" "$NODE_IMAGE" node /probe.mjs http https://nginx/nginx-health
}

check_prometheus() {
  mkdir -p "$WORK/mesh-tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=mesh-ca -keyout "$WORK/ca.key" \
    -out "$WORK/mesh-tls/ca.crt" >/dev/null 2>&1
  start prometheus prom/prometheus:v2.55.1 \
    -v "$MESH_ROOT/deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" \
    -v "$MESH_ROOT/deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro" \
    -v "$MESH_ROOT/deploy/prometheus/alerts.test.yml:/etc/prometheus/alerts.test.yml:ro" \
    -v "$WORK/mesh-tls:/etc/prometheus/mesh-tls:ro" -- \
    --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.retention.time=7d
  check "prometheus: wget /-/ready (the healthcheck)" \
    wait_for 30 prometheus wget -q -O /dev/null http://127.0.0.1:9090/-/ready
  check "prometheus: promtool check config" docker exec "$RUN_ID-prometheus" \
    promtool check config /etc/prometheus/prometheus.yml
  check "prometheus: promtool test rules alerts.test.yml" docker exec -w /etc/prometheus "$RUN_ID-prometheus" \
    promtool test rules alerts.test.yml
}

check_alertmanager() {
  start alertmanager prom/alertmanager:v0.27.0 \
    -v "$MESH_ROOT/deploy/prometheus/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro" -- \
    --config.file=/etc/alertmanager/alertmanager.yml --storage.path=/alertmanager
  check "alertmanager: wget /-/ready (the healthcheck)" \
    wait_for 30 alertmanager wget -q -O /dev/null http://127.0.0.1:9093/-/ready
  check "alertmanager: amtool check-config" docker exec "$RUN_ID-alertmanager" \
    amtool check-config /etc/alertmanager/alertmanager.yml
}

main() {
  local targets=("$@") target started
  [ ${#targets[@]} -gt 0 ] || targets=(postgres redis rabbitmq nginx prometheus alertmanager)
  docker network create --label "$RUN_ID" "$NET" >/dev/null
  for target in "${targets[@]}"; do
    case "$target" in
      postgres | redis | rabbitmq | nginx | prometheus | alertmanager) ;;
      *) die "unknown image to check: $target" ;;
    esac
    started=$(now_tenths)
    "check_$target"
    say "$target checked ($(elapsed_since "$started"))"
  done
  [ "$failures" -eq 0 ] || fail CHECK_FAILED "$failures check(s) failed"
  say "all checks passed"
}

main "$@"
