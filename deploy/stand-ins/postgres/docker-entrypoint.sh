#!/bin/bash
# Entry point of the postgres stand-in, after the official image's, for what the compose file uses:
# - as root: owns PGDATA and the socket directory to postgres, then runs itself again as postgres;
# - on an empty PGDATA: initdb with superuser POSTGRES_USER (default postgres) and the password from
#   POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, creates POSTGRES_DB (default: the user's name), runs
#   /docker-entrypoint-initdb.d/* (*.sh: run if executable, else sourced; *.sql, *.sql.gz: through psql)
#   against a temporary server that listens on the socket only, and stops it;
# - then runs postgres listening on every interface, password (scram-sha-256) logins over TCP.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

# VAR from VAR or VAR_FILE (Docker secrets), never both.
file_env() {
  local var=$1 file_var="${1}_FILE"
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    echo "error: both $var and $file_var are set" >&2
    exit 1
  fi
  if [ -n "${!file_var:-}" ]; then
    export "$var"="$(<"${!file_var}")"
  fi
}

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

init_database() {
  file_env POSTGRES_PASSWORD
  export POSTGRES_USER=${POSTGRES_USER:-postgres}
  export POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "error: no password: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
    exit 1
  fi
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"

  # The init scripts run against a server that nothing outside the container can reach yet.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  local psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres)
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          echo "running $f"
          "$f"
        else
          echo "sourcing $f"
          # shellcheck disable=SC1090 # the init scripts are the user's
          . "$f"
        fi
        ;;
      *.sql)
        echo "running $f"
        "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f"
        ;;
      *.sql.gz)
        echo "running $f"
        gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB"
        ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "database initialised; starting the server"
}

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  init_database
fi
exec "$@"
