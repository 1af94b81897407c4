#!/bin/bash
# Runs once, on the first start of an empty data directory (docker-entrypoint-initdb.d): creates every
# database named in POSTGRES_MULTIPLE_DATABASES (comma separated), owned by POSTGRES_USER.
set -euo pipefail
IFS=',' read -ra databases <<< "${POSTGRES_MULTIPLE_DATABASES:-}"
for db in "${databases[@]}"; do
  db=$(echo "$db" | tr -d '[:space:]')
  [ -n "$db" ] || continue
  if [[ ! $db =~ ^[a-z_][a-z0-9_]*$ ]]; then
    echo "refusing database name '$db'" >&2
    exit 1
  fi
  exists=$(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$db'")
  if [ "$exists" != "1" ]; then
    echo "creating database $db"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
      -c "CREATE DATABASE \"$db\" OWNER \"$POSTGRES_USER\""
  fi
done
