#!/bin/sh
# Compose's certificate step (service mesh-certs, runs before every mesh service and exits 0). It issues the
# mesh CA and every certificate of architecture.yml into the private volume at $MESH_PKI_DIR (kept between
# runs: the CA is made once, certificates re-issued only when new, changed or expiring; --rotate re-issues
# all), then copies each workload's certificate, key and the CA into that workload's own volume mounted at
# $MESH_TLS_OUT/<name> as tls.crt, tls.key and ca.crt, 0600 and owned by the image's user, so a service
# sees only its own key. $MESH_TLS_OUT/public gets the CA alone (0644) for Prometheus. Files are replaced
# atomically and only when they changed, so running agents reload rotated certificates without a restart.
# Runs as root (it must chown the fresh volumes); everything else runs as uid $MESH_TLS_UID.
set -eu
pki=${MESH_PKI_DIR:-/mesh-pki}
out=${MESH_TLS_OUT:-/mesh-tls}
uid=${MESH_TLS_UID:-1000}
root=${MESH_ROOT:-/app}

node "$root/packages/meshctl/dist/cli.js" --root "$root" tls init --dir "$pki" "$@"

# put SOURCE TARGET MODE: replace TARGET by SOURCE through a rename, unless they are already equal.
put() {
  if ! cmp -s "$1" "$2" 2>/dev/null; then
    cp "$1" "$2.tmp"
    chown "$uid:$uid" "$2.tmp"
    chmod "$3" "$2.tmp"
    mv -f "$2.tmp" "$2"
    echo "mesh-certs: wrote $2"
  fi
}

found=0
for dir in "$out"/*/; do
  [ -d "$dir" ] || continue
  dir=${dir%/}
  name=$(basename "$dir")
  found=$((found + 1))
  if [ "$name" = public ]; then
    chmod 0755 "$dir"
    put "$pki/ca.crt" "$dir/ca.crt" 0644
    continue
  fi
  if [ "$name" = edge ]; then
    # The public edge (nginx, whose master reads it as root): a server certificate for $EDGE_HOSTS from an
    # edge CA of its own, with no mesh identity, so the internet-facing proxy holds nothing that opens the mesh.
    node "$root/packages/meshctl/dist/cli.js" --root "$root" tls edge --dir "$pki/edge" \
      --hosts "${EDGE_HOSTS:-localhost,127.0.0.1}"
    chmod 0700 "$dir"
    uid_was=$uid
    uid=${EDGE_UID:-0}
    put "$pki/edge/edge.crt" "$dir/tls.crt" 0600
    put "$pki/edge/edge.key" "$dir/tls.key" 0600
    put "$pki/edge/edge-ca.crt" "$dir/ca.crt" 0644
    uid=$uid_was
    continue
  fi
  if [ ! -f "$pki/agent/$name.crt" ]; then
    echo "mesh-certs: no certificate for $name: mount only volumes named after architecture.yml's agents or 'registry'" >&2
    exit 1
  fi
  chown "$uid:$uid" "$dir"
  chmod 0700 "$dir"
  put "$pki/ca.crt" "$dir/ca.crt" 0600
  put "$pki/agent/$name.key" "$dir/tls.key" 0600
  put "$pki/agent/$name.crt" "$dir/tls.crt" 0600
done
[ "$found" -gt 0 ] || { echo "mesh-certs: nothing mounted under $out" >&2; exit 1; }
echo "mesh-certs: $found volumes current"
