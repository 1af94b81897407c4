#!/bin/sh
# Entry point of the rabbitmq stand-in: as root it owns the data directory to rabbitmq and drops to that
# user; it writes rabbitmq.conf (console logs, the official image's ports, the default user from
# RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS, which RabbitMQ creates on the first start of an empty
# data directory), then runs RabbitMQ itself, not Debian's wrapper (which sends the logs to files).
set -eu

if [ "${1:-}" = rabbitmq-server ]; then
  if [ "$(id -u)" = 0 ]; then
    chown -R rabbitmq:rabbitmq /var/lib/rabbitmq
    exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$0" "$@"
  fi
  user=${RABBITMQ_DEFAULT_USER:-guest}
  pass=${RABBITMQ_DEFAULT_PASS:-guest}
  case "$user$pass" in
    *'
'*)
      echo "error: RABBITMQ_DEFAULT_USER and RABBITMQ_DEFAULT_PASS must be one line each" >&2
      exit 1
      ;;
  esac
  umask 077
  cat >/etc/rabbitmq/rabbitmq.conf <<CONF
loopback_users.guest = false
listeners.tcp.default = 5672
management.tcp.port = 15672
prometheus.tcp.port = 15692
log.console = true
log.console.level = info
log.file = false
default_user = $user
default_pass = $pass
CONF
  shift
  exec /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
fi
exec "$@"
