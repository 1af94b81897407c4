# Shared helpers for scripts/docker/*.sh (sourced, not executed).
# shellcheck shell=bash

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

# Downloads and builds are kept outside the checkout, so a clean CI checkout reuses them.
MESH_CACHE_DIR=${MESH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-mesh}
export MESH_CACHE_DIR

# The Node image deploy/Dockerfile builds on (its NODE_IMAGE default), which the checks run their probes in.
node_image() {
  sed -n 's/^ARG NODE_IMAGE=//p' "$MESH_ROOT/deploy/Dockerfile"
}

# One progress line, prefixed with the step ("engine: ...", "images: ...").
say() {
  printf '%s: %s\n' "$LOG_PREFIX" "$*"
}

# Fails with a code the caller's logs can be searched for, e.g. fail IMAGE_UNKNOWN "no stand-in for x".
fail() {
  local code=$1
  shift
  printf '%s: error %s: %s\n' "$LOG_PREFIX" "$code" "$*" >&2
  exit 1
}

# Seconds since the epoch with tenths, for "(3.1 s)" in progress lines.
now_tenths() {
  local ns
  ns=$(date +%s%N)
  printf '%s\n' "$((ns / 100000000))"
}

# Elapsed time since a now_tenths value, as "3.1 s".
elapsed_since() {
  local tenths=$(($(now_tenths) - $1))
  printf '%d.%d s\n' "$((tenths / 10))" "$((tenths % 10))"
}

# Installs Debian packages quietly; refreshes the package lists once when apt does not know a package yet.
apt_install() {
  [ "$(id -u)" = 0 ] || fail NOT_ROOT "installing $* needs root (apt-get)"
  local pkg
  for pkg in "$@"; do
    if ! apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || fail APT_UPDATE "apt-get update failed"
      break
    fi
  done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
    fail APT_INSTALL "apt-get install $* failed"
}

# Prints "URI" of the host's apt source for the given suite with the main component (deb lines and deb822
# .sources stanzas), or nothing. Read at run time so the repository names no mirror.
apt_source_uri() {
  local suite=$1 file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$file" ] || continue
    awk -v suite="$suite" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        uri = $i; s = $(i + 1)
        for (j = i + 2; j <= NF; j++) if (s == suite && $j == "main") { print uri; exit }
      }' "$file"
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -r "$file" ] || continue
    # deb822: stanzas are separated by blank lines; comment lines may sit inside a stanza.
    awk -v suite="$suite" '
      function check() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " suite " ") &&
            (" " comps " ") ~ / main /) { split(uris, u, " "); print u[1]; found = 1 }
        types = ""; uris = ""; suites = ""; comps = ""; enabled = ""
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { check(); if (found) exit; next }
      { key = tolower($1); sub(/^[^:]*:[[:space:]]*/, "") }
      key == "types:" { types = $0 } key == "uris:" { uris = $0 } key == "suites:" { suites = $0 }
      key == "components:" { comps = $0 } key == "enabled:" { enabled = tolower($0) }
      END { if (!found) check() }' "$file"
  done | head -n 1
}

# One field of /etc/os-release (ID, VERSION_CODENAME...), unquoted.
os_release() {
  sed -n "s/^$1=[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\}\$/\1/p" /etc/os-release 2>/dev/null | head -n 1
}

# The Debian mirror the host's apt uses (MESH_DEBIAN_MIRROR overrides), for debootstrap and for apt inside
# image builds.
debian_mirror() {
  if [ -n "${MESH_DEBIAN_MIRROR:-}" ]; then
    printf '%s\n' "$MESH_DEBIAN_MIRROR"
    return
  fi
  local codename
  codename=$(os_release VERSION_CODENAME)
  if [ "$(os_release ID)" = debian ] && [ -n "$codename" ]; then
    apt_source_uri "$codename"
  fi
}

# The host's Debian security mirror, or nothing (MESH_DEBIAN_SECURITY_MIRROR overrides).
debian_security_mirror() {
  if [ -n "${MESH_DEBIAN_SECURITY_MIRROR:-}" ]; then
    printf '%s\n' "$MESH_DEBIAN_SECURITY_MIRROR"
    return
  fi
  local codename
  codename=$(os_release VERSION_CODENAME)
  [ -n "$codename" ] && apt_source_uri "$codename-security"
}
