#!/usr/bin/env bash
# Installs and starts the real servers the integration tests use (PostgreSQL, Redis, RabbitMQ with its
# Prometheus plugin) from Debian packages, on loopback only, and prints the env exports the tests read.
#
#   scripts/test-servers.sh install   # apt-get install the servers (root)
#   scripts/test-servers.sh start     # start them; prints `export MESH_TEST_…=…` lines
#   eval "$(scripts/test-servers.sh env)"
#   scripts/test-servers.sh stop
set -euo pipefail

PG_ROLE=mesh
PG_PASSWORD=mesh
REDIS_PORT=6379
RABBITMQ_METRICS_PORT=15692

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
    log "rabbitmq already running"
  else
    # The Prometheus plugin's listener on loopback too (it binds every interface by default); the plugin is
    # enabled below, so a node started here before it was enabled gets the same address.
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-rabbitmq_prometheus tcp_config [{ip,\"127.0.0.1\"},{port,$RABBITMQ_METRICS_PORT}]" \
      rabbitmq-server -detached >/dev/null 2>&1 || true
    # await_startup fails while the node has not registered with epmd yet, so retry it (bounded: ~60 s).
    local ready=false
    for _ in $(seq 1 60); do
      if timeout 20 rabbitmqctl -q await_startup >/dev/null 2>&1; then
        ready=true
        break
      fi
      sleep 1
    done
    if [ "$ready" != true ]; then
      log "rabbitmq did not start within 60 s"
      exit 1
    fi
    log "rabbitmq ready"
  fi
  enable_rabbitmq_metrics
}

# The broker's own metrics (queue depth, consumers per queue) for Prometheus: the rabbitmq_prometheus plugin on
# 127.0.0.1:15692. A node that runs already (started without the address above) gets the loopback address
# before the plugin starts.
enable_rabbitmq_metrics() {
  if ! timeout 30 rabbitmq-plugins -q is_enabled rabbitmq_prometheus >/dev/null 2>&1; then
    timeout 30 rabbitmqctl -q eval "application:load(rabbitmq_prometheus), application:set_env(rabbitmq_prometheus, tcp_config, [{ip,\"127.0.0.1\"},{port,$RABBITMQ_METRICS_PORT}])." >/dev/null
    timeout 60 rabbitmq-plugins -q enable rabbitmq_prometheus >/dev/null
  fi
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$RABBITMQ_METRICS_PORT") 2>/dev/null; then
      log "rabbitmq metrics on 127.0.0.1:$RABBITMQ_METRICS_PORT"
      return
    fi
    sleep 0.2
  done
  log "the rabbitmq_prometheus plugin does not answer on 127.0.0.1:$RABBITMQ_METRICS_PORT"
  exit 1
}

print_env() {
  cat <<ENV
export MESH_TEST_POSTGRES_URL=postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:5432/postgres
export MESH_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export MESH_TEST_RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672
export MESH_TEST_RABBITMQ_METRICS_URL=http://127.0.0.1:$RABBITMQ_METRICS_PORT
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
