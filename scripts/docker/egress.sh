#!/usr/bin/env bash
# Keeps the containers of compose projects from reaching anything outside this machine while they run:
# traffic that enters from a user-defined bridge (br-*, the networks compose makes) and would leave through
# any other interface is refused, in Docker's DOCKER-USER chain. Still allowed: containers talking to each
# other on their network, answers on connections opened to them (published ports), and everything on the
# default bridge (docker0), which image builds use to reach package registries.
#
#   scripts/docker/egress.sh block     add the rules (idempotent)
#   scripts/docker/egress.sh unblock   remove them
#   scripts/docker/egress.sh status    say whether they are in place
#   scripts/docker/egress.sh check     prove it: a container on a compose-like network cannot reach the apt
#                                      mirror while one on docker0 can, two containers on that network talk,
#                                      a published port answers on the host's loopback (blocks for the check
#                                      when not blocked, and restores the state after)
#
# Refused rather than dropped: a client fails at once instead of waiting for its timeout. DNS queries to the
# host's resolvers stay allowed (see block). Without iptables or without Docker's DOCKER-USER chain, block
# and unblock say so and exit 0. Not covered: traffic from a container to the host's own addresses (the
# INPUT chain), IPv6 (Docker leaves it off by default), and bridges given a name other than br-*.
set -euo pipefail
LOG_PREFIX=egress
# shellcheck source=scripts/docker/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHAIN=MESH-EGRESS
NODE_IMAGE=$(node_image)
JUMP=(DOCKER-USER -i br-+ -j "$CHAIN")

# True when iptables and Docker's DOCKER-USER chain are there; else says why not.
usable() {
  if ! command -v iptables >/dev/null; then
    say "iptables not found: egress of compose networks is NOT blocked"
    return 1
  fi
  if ! iptables -n -L DOCKER-USER >/dev/null 2>&1; then
    say "no DOCKER-USER chain (is dockerd running, with its iptables rules?): egress is NOT blocked"
    return 1
  fi
}

# The IPv4 name servers of the host (those Docker's DNS forwards to; loopback ones it does not use).
host_resolvers() {
  awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ && $2 !~ /^127\./ { print $2 }' /etc/resolv.conf 2>/dev/null || true
}

blocked() {
  iptables -C "${JUMP[@]}" 2>/dev/null
}

block() {
  usable || return 0
  iptables -N "$CHAIN" 2>/dev/null || iptables -F "$CHAIN"
  iptables -A "$CHAIN" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
  # To another container (Docker's own isolation rules still keep different networks apart).
  iptables -A "$CHAIN" -o br-+ -j RETURN
  # Docker's DNS forwards names it does not know (a service that is not up, an outside host) to the host's
  # resolvers from inside the container's network: refused, each such lookup would hang for 20 s; allowed,
  # it fails or answers at once (and an outside address it gives stays unreachable).
  local resolver
  for resolver in $(host_resolvers); do
    iptables -A "$CHAIN" -d "$resolver" -p udp --dport 53 -j RETURN
    iptables -A "$CHAIN" -d "$resolver" -p tcp --dport 53 -j RETURN
  done
  iptables -A "$CHAIN" -p tcp -j REJECT --reject-with tcp-reset
  iptables -A "$CHAIN" -j REJECT --reject-with icmp-port-unreachable
  blocked || iptables -I "${JUMP[@]}"
  say "blocked: containers on br-* networks reach only each other"
}

unblock() {
  usable || return 0
  local tries=0
  while blocked && [ "$tries" -lt 10 ]; do
    iptables -D "${JUMP[@]}"
    tries=$((tries + 1))
  done
  if iptables -n -L "$CHAIN" >/dev/null 2>&1; then
    iptables -F "$CHAIN"
    iptables -X "$CHAIN"
  fi
  say "unblocked"
}

status() {
  usable || return 0
  if blocked; then say "blocked"; else say "not blocked"; fi
}

# --- check ---------------------------------------------------------------------------------------------------

CHECK_ID="mesh-egress-check-$$"
failures=0
unblock_after_check=no

check_cleanup() {
  [ "$unblock_after_check" = no ] || unblock
  local ids
  mapfile -t ids < <(docker ps -aq --filter "label=$CHECK_ID" 2>/dev/null || true)
  [ ${#ids[@]} -eq 0 ] || docker rm -f "${ids[@]}" >/dev/null 2>&1 || true
  docker network rm "$CHECK_ID" >/dev/null 2>&1 || true
}

expect() {
  local want=$1 what=$2
  shift 2
  local got=ok
  "$@" >/dev/null 2>&1 || got=fail
  if [ "$got" = "$want" ]; then
    say "ok   $what"
  else
    say "FAIL $what (expected $want, got $got)"
    failures=$((failures + 1))
  fi
}

# Opens a TCP connection from a container: can_connect NETWORK HOST PORT (bash's /dev/tcp, 5 s at most).
can_connect() {
  docker run --rm --label "$CHECK_ID" --network "$1" "$NODE_IMAGE" \
    timeout 5 bash -c "exec 3<>/dev/tcp/$2/$3"
}

check() {
  usable || return 0
  local mirror host port address
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || fail NO_MIRROR "no apt mirror to try (set MESH_DEBIAN_MIRROR)"
  host=${mirror#*://}
  host=${host%%/*}
  port=80
  [[ $mirror != https://* ]] || port=443
  if [[ $host == *:* ]]; then
    port=${host##*:}
    host=${host%:*}
  fi
  # By address, so that the check is about the connection, not about name resolution.
  address=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
  [ -n "$address" ] || fail NO_ADDRESS "cannot resolve $host"
  docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 ||
    fail NO_IMAGE "the check needs $NODE_IMAGE (scripts/docker/images.sh)"
  trap check_cleanup EXIT
  docker network create --label "$CHECK_ID" "$CHECK_ID" >/dev/null
  if ! blocked; then
    block
    unblock_after_check=yes
  fi

  expect fail "a container on a compose-like network cannot reach the apt mirror ($address:$port)" \
    can_connect "$CHECK_ID" "$address" "$port"
  expect ok "a container on the default bridge (image builds) still reaches it" \
    can_connect bridge "$address" "$port"
  expect ok "names still resolve at once on that network" docker run --rm --label "$CHECK_ID" \
    --network "$CHECK_ID" "$NODE_IMAGE" timeout 5 getent hosts "$host"
  docker run -d --label "$CHECK_ID" --network "$CHECK_ID" --network-alias server -p 127.0.0.1::8080 \
    "$NODE_IMAGE" node -e \
    "require('node:http').createServer((q, s) => s.end('ok')).listen(8080)" >/dev/null
  local server published tries=0
  server=$(docker ps -q --filter "label=$CHECK_ID" | head -n 1)
  published=$(docker port "$server" 8080/tcp | head -n 1)
  until can_connect "$CHECK_ID" server 8080 || [ "$tries" -ge 10 ]; do
    sleep 0.5
    tries=$((tries + 1))
  done
  expect ok "two containers on that network talk" can_connect "$CHECK_ID" server 8080
  expect ok "its published port answers on the host's loopback ($published)" \
    curl -sf --max-time 5 "http://$published/"

  [ "$failures" -eq 0 ] || fail CHECK_FAILED "$failures egress check(s) failed"
  say "all egress checks passed"
}

case "${1:-}" in
  block) block ;;
  unblock) unblock ;;
  status) status ;;
  check) check ;;
  *) die "usage: $0 block|unblock|status|check" ;;
esac
