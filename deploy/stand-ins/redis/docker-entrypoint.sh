#!/bin/sh
# Entry point of the redis stand-in, after the official image's: a first argument that is a flag or a
# .conf file means redis-server; as root it owns /data to redis and drops to that user.
set -eu

case "${1:-}" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "${1:-}" = redis-server ]; then
  # The official image builds Redis with protected mode off (the container's network is the boundary);
  # Debian's build has it on, which refuses every client from another container when no password is set.
  case " $* " in
    *protected-mode* | *.conf\ *) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    chown redis:redis . 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
