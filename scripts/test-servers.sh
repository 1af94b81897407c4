#!/usr/bin/env bash
# Installs and starts the real servers the integration tests use (PostgreSQL, Redis, RabbitMQ) from
# Debian packages, on loopback only, and prints the env exports the tests read.
#
#   scripts/test-servers.sh install   # apt-get install the servers (root)
#   scripts/test-servers.sh start     # start them; prints `export MESH_TEST_…=…` lines
#   eval "$(scripts/test-servers.sh env)"
#   scripts/test-servers.sh stop
set -euo pipefail

PG_ROLE=mesh
PG_PASSWORD=mesh
REDIS_PORT=6379

log() { printf '[test-servers] %s\n' "$*" >&2; }

pg_version() {
  pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1}'
}

install_servers() {
  if command -v pg_ctlcluster >/dev/null && command -v redis-server >/dev/null && command -v rabbitmq-server >/dev/null; then
    log "servers already installed"
    return
  fi
  log "installing postgresql, redis-server, rabbitmq-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql redis-server rabbitmq-server >/dev/null
}

start_postgres() {
  local version
  version=$(pg_version)
  if [ -z "$version" ]; then
    log "no PostgreSQL cluster found"; exit 1
  fi
  if ! pg_lsclusters --no-header | awk 'NR==1 {print $4}' | grep -q online; then
    pg_ctlcluster "$version" main start
  fi
  for _ in $(seq 1 50); do
    if su postgres -c "pg_isready -q -h 127.0.0.1" 2>/dev/null; then break; fi
    sleep 0.2
  done
  su postgres -c "psql -q -v ON_ERROR_STOP=1 -d postgres" >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
    CREATE ROLE $PG_ROLE LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;
SQL
  log "postgresql $version ready"
}

start_redis() {
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    log "redis already running"; return
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then break; fi
    sleep 0.1
  done
  log "redis ready"
}

start_rabbitmq() {
  if rabbitmqctl -q status >/dev/null 2>&1; then
    log "rabbitmq already running"; return
  fi
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 rabbitmq-server -detached >/dev/null 2>&1 || true
  # await_startup fails while the node has not registered with epmd yet, so retry it (bounded: ~60 s).
  for _ in $(seq 1 60); do
    if timeout 20 rabbitmqctl -q await_startup >/dev/null 2>&1; then
      log "rabbitmq ready"
      return
    fi
    sleep 1
  done
  log "rabbitmq did not start within 60 s"
  exit 1
}

print_env() {
  cat <<ENV
export MESH_TEST_POSTGRES_URL=postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:5432/postgres
export MESH_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export MESH_TEST_RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672
ENV
}

stop_servers() {
  local version
  version=$(pg_version)
  [ -n "$version" ] && pg_ctlcluster "$version" main stop 2>/dev/null || true
  redis-cli -p "$REDIS_PORT" shutdown nosave 2>/dev/null || true
  rabbitmqctl -q stop 2>/dev/null || true
  log "stopped"
}

case "${1:-}" in
  install) install_servers ;;
  # Only the export lines may reach stdout (callers eval it): the servers' own messages, such as
  # pg_ctlcluster's "Removed stale pid file.", go to stderr.
  start) { start_postgres; start_redis; start_rabbitmq; } >&2; print_env ;;
  env) print_env ;;
  stop) stop_servers ;;
  *) echo "usage: $0 install|start|env|stop" >&2; exit 2 ;;
esac
