#!/bin/bash
# Container health check without Node, curl or TLS: one HTTP/1.0 GET through bash's /dev/tcp, exit 0 on a
# 2xx. It asks HEALTHCHECK_URL when set (plain http:// only: the sandboxes and the gateway's public port),
# else the plain-HTTP probe listener the registry and agents open on 127.0.0.1:$MCP_MESH_PROBE_PORT, which
# answers /ready exactly as their (TLS) port does. A check costs a bash process (a few ms of CPU) where a
# Node TLS client cost ~0.1 s, which matters at 16 containers every few seconds.
set -u
url=${HEALTHCHECK_URL:-http://127.0.0.1:${MCP_MESH_PROBE_PORT:-8079}/ready}
case $url in
  http://*) ;;
  *) echo "probe: $url: only http:// URLs (point it at the plain-HTTP probe listener)" >&2; exit 2 ;;
esac
rest=${url#http://}
authority=${rest%%/*}
path=${rest#"$authority"}
path=/${path#/}
host=${authority%:*}
port=${authority##*:}
[ "$host" = "$authority" ] && port=80

if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "probe: cannot connect to $authority" >&2
  exit 1
fi
printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$authority" >&3
# The status line: "HTTP/1.1 200 OK". Docker kills the check at its own timeout; this one is shorter.
if ! read -r -t 2 _ status _ <&3; then
  echo "probe: $url: no answer within 2 s" >&2
  exit 1
fi
case $status in
  2??) exit 0 ;;
esac
echo "probe: $url answered $status" >&2
exit 1
