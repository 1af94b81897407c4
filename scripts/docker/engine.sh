#!/usr/bin/env bash
# Makes this machine able to run the compose files: a Docker engine that answers, Compose v2+ as the docker
# CLI plugin, and a build that has BuildKit (deploy/Dockerfile uses RUN --mount).
#
#   scripts/docker/engine.sh up       when `docker info` fails: install Debian's engine if dockerd is missing,
#                                     start dockerd (pid file and log in .mesh/docker/), wait until it answers;
#                                     then make sure `docker compose` works (builds the plugin once, cached)
#   scripts/docker/engine.sh down     stop dockerd, only if `up` started it (an engine started otherwise is
#                                     left alone)
#   scripts/docker/engine.sh build ARGS...
#                                     `docker build ARGS...` with BuildKit: through buildx where the client has
#                                     it, else through a client with the built-in BuildKit (Debian's 20.10
#                                     client, /usr/bin/docker, with DOCKER_BUILDKIT=1)
#
# Environment: MESH_CACHE_DIR (default ~/.cache/agent-mesh: the Compose binary), DOCKER_CONFIG (where the
# plugin goes, default ~/.docker), MESH_DOCKERD_FLAGS (extra dockerd flags, e.g. a second engine's --host,
# --data-root, --exec-root and --iptables=false for testing; give it a bridge of its own with --bridge=NAME,
# never --bridge=none, with which dockerd deletes docker0 from under the first engine), MESH_ENGINE_WAIT
# (seconds to wait for dockerd, default 60).
set -euo pipefail
LOG_PREFIX=engine
# shellcheck source=scripts/docker/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Compose v5 talks to dockerd 20.10 (API 1.41): `up --wait`, healthchecks and `down -v` were run against it.
COMPOSE_MODULE=${MESH_COMPOSE_MODULE:-github.com/docker/compose/v5}
COMPOSE_VERSION=${MESH_COMPOSE_VERSION:-v5.6.0}

STATE_DIR="$MESH_ROOT/.mesh/docker"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="$STATE_DIR/dockerd.log"
PLUGIN="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose"

engine_answers() {
  docker info >/dev/null 2>&1
}

# The pid in PID_FILE when it is a live dockerd (a stale file or a reused pid gives nothing).
our_dockerd_pid() {
  [ -f "$PID_FILE" ] || return 0
  local pid
  pid=$(cat "$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && printf '%s\n' "$pid"
  return 0
}

install_engine() {
  command -v dockerd >/dev/null && return
  local started
  started=$(now_tenths)
  say "dockerd missing: installing Debian's docker.io"
  apt_install docker.io iptables
  say "docker.io installed ($(elapsed_since "$started"))"
}

start_engine() {
  local pid started waited=0 limit=${MESH_ENGINE_WAIT:-60}
  mkdir -p "$STATE_DIR"
  pid=$(our_dockerd_pid)
  if [ -z "$pid" ]; then
    rm -f "$PID_FILE"
    started=$(now_tenths)
    # setsid: dockerd outlives this script and its terminal; `down` stops it by the pid it writes.
    # shellcheck disable=SC2086 # MESH_DOCKERD_FLAGS is a list of flags on purpose
    setsid dockerd --pidfile "$PID_FILE" ${MESH_DOCKERD_FLAGS:-} </dev/null >>"$LOG_FILE" 2>&1 &
    pid=$!
    say "started dockerd (pid $pid, log ${LOG_FILE#"$MESH_ROOT"/})"
  else
    started=$(now_tenths)
    say "dockerd started earlier by this script (pid $pid): waiting for it"
  fi
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOG_FILE" >&2 || true
      fail ENGINE_EXITED "dockerd exited before answering (log above, full log in $LOG_FILE)"
    fi
    [ "$waited" -lt "$((limit * 2))" ] || fail ENGINE_TIMEOUT "dockerd did not answer within ${limit} s ($LOG_FILE)"
    sleep 0.5
    waited=$((waited + 1))
    [ $((waited % 20)) -ne 0 ] || say "waiting for dockerd ($((waited / 2)) s)"
  done
  say "dockerd answers ($(elapsed_since "$started"))"
}

compose_works() {
  docker compose version >/dev/null 2>&1
}

# Builds the Compose plugin from its Go module into the cache. `go install` refuses this module (its go.mod
# has exclude directives), so it is built from a writable copy of the module's source.
build_compose() {
  local out=$1 mod_dir work started
  command -v go >/dev/null || fail GO_MISSING "building Compose needs the Go toolchain (go) on PATH"
  started=$(now_tenths)
  say "building Compose $COMPOSE_VERSION from the Go module proxy (minutes the first time; cached after)"
  mod_dir=$(go mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -d "$mod_dir" ] || fail COMPOSE_DOWNLOAD "go mod download $COMPOSE_MODULE@$COMPOSE_VERSION gave no source"
  work=$(mktemp -d)
  cp -r "$mod_dir/." "$work"
  chmod -R u+w "$work"
  mkdir -p "$(dirname "$out")"
  if ! (cd "$work" && timeout 1800 go build -trimpath \
    -ldflags "-s -w -X ${COMPOSE_MODULE}/internal.Version=$COMPOSE_VERSION" -o "$out.tmp" ./cmd); then
    rm -rf "$work" "$out.tmp"
    fail COMPOSE_BUILD "go build of $COMPOSE_MODULE@$COMPOSE_VERSION failed"
  fi
  rm -rf "$work"
  mv "$out.tmp" "$out"
  say "built Compose $COMPOSE_VERSION ($(elapsed_since "$started"))"
}

ensure_compose() {
  if compose_works; then
    say "$(docker compose version)"
    return
  fi
  local cached="$MESH_CACHE_DIR/bin/docker-compose-$COMPOSE_VERSION"
  [ -x "$cached" ] || build_compose "$cached"
  mkdir -p "$(dirname "$PLUGIN")"
  install -m 0755 "$cached" "$PLUGIN"
  compose_works || fail COMPOSE_BROKEN "docker compose version fails with $PLUGIN"
  # `ls` calls the engine's API, so an engine too old for this Compose shows up here rather than mid-run.
  docker compose ls >/dev/null || fail COMPOSE_API "docker compose cannot talk to this engine"
  say "$(docker compose version) installed as $PLUGIN"
}

up() {
  if engine_answers; then
    say "engine answers ($(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}'))"
  else
    install_engine
    start_engine
  fi
  ensure_compose
}

down() {
  local pid waited=0
  pid=$(our_dockerd_pid)
  if [ -z "$pid" ]; then
    say "no dockerd started by this script is running: nothing to stop"
    rm -f "$PID_FILE"
    return
  fi
  # dockerd's own containerd is its child: remembered now, since it may outlive a killed parent.
  local children
  children=$(ps -o pid= --ppid "$pid" | tr -d ' ' | tr '\n' ' ')
  say "stopping dockerd (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  # dockerd gives running containers up to 15 s to stop before it exits.
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 60 ]; do
    sleep 0.5
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "dockerd still running after 30 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    local child
    for child in $children; do
      kill -KILL "$child" 2>/dev/null || true
    done
  fi
  rm -f "$PID_FILE"
  say "dockerd stopped"
}

# A docker client that builds with BuildKit, printed as the command to run (words separated by spaces).
buildkit_client() {
  if docker buildx version >/dev/null 2>&1; then
    echo docker
    return
  fi
  local client version
  while read -r client; do
    version=$("$client" version --format '{{.Client.Version}}' 2>/dev/null || true)
    # Clients before 23 have BuildKit built in (DOCKER_BUILDKIT=1); later ones need the buildx plugin.
    if [[ $version =~ ^(1[89]|2[0-2])\. ]]; then
      printf '%s\n' "$client"
      return
    fi
  done < <(type -ap docker; [ -x /usr/bin/docker ] && echo /usr/bin/docker)
  return 0
}

build() {
  local client
  client=$(buildkit_client)
  [ -n "$client" ] || fail NO_BUILDKIT "no docker client with BuildKit: install the buildx plugin, or \
Debian's docker.io whose client (/usr/bin/docker) has BuildKit built in"
  DOCKER_BUILDKIT=1 exec "$client" build "$@"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  build)
    shift
    build "$@"
    ;;
  *) die "usage: $0 up|down|build <docker build args>" ;;
esac
