#!/usr/bin/env bash
# Creates the mesh databases on a PostgreSQL server if they do not exist yet (safe to run again).
#
#   scripts/init-databases.sh [URL] [db…]      default URL: $DATABASE_URL; default dbs: mcp_mesh auth_db business_db
#
# Uses psql when present (the Postgres container's init path), else meshctl (node + pg).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

url=${1:-${DATABASE_URL:-}}
[ -n "$url" ] || die "usage: $0 postgres://user:pass@host:port/postgres [db…] (or set DATABASE_URL)"
shift || true
dbs=("$@")
[ ${#dbs[@]} -gt 0 ] || dbs=(mcp_mesh auth_db business_db)
for db in "${dbs[@]}"; do
  [[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || die "invalid database name: $db"
done

if command -v psql >/dev/null 2>&1; then
  for db in "${dbs[@]}"; do
    if [ "$(psql "$url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" = "1" ]; then
      echo "$db: exists"
    else
      psql "$url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$db\"" && echo "$db: created"
    fi
  done
else
  require_build
  "$MESHCTL" init-db --root "$MESH_ROOT" --url "$url" "${dbs[@]}"
fi
