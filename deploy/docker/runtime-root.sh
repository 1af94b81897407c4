#!/bin/bash
# Builds the production image's root filesystem in DIR: deploy/Dockerfile's `rootfs` stage runs it as root on
# the Node base image, and the runtime stage is `FROM scratch` plus that directory. It holds
#   - the base's `node`, stripped of its symbol table (binutils' strip; 125 MB -> 107 MB for Node 22: only
#     native stack frames and perf lose C++ function names, JavaScript stack traces are unchanged);
#   - the complete files (less documentation and glibc's iconv modules) of the Debian packages the container
#     scripts need, TOOL_PACKAGES below, and of every package owning a shared library that node or those tools
#     load (ldd, dpkg -S, until nothing new turns up), with their dpkg records in /var/lib/dpkg/status so image
#     scanners see them;
#   - /etc/passwd and /etc/group with root and node (uid/gid 1000), /tmp, /root, /home/node, the loader cache;
#   - the CAs of the base's NODE_EXTRA_CA_CERTS in $EXTRA_CA (empty when it names none: Node then adds none).
# Left behind: npm, corepack, apt, dpkg, perl, the rest of the Debian userland and the symbols (85 of 210 MB).
# It fails unless every command the entry point, mesh-certs.sh and probe.sh call runs inside DIR.
#
#   runtime-root.sh DIR
set -euo pipefail

root=${1:?usage: runtime-root.sh DIR}
# entrypoint.sh and mesh-certs.sh are sh scripts (dash) calling tr, hostname (coreutils/hostname) and cmp
# (diffutils); probe.sh needs bash's /dev/tcp; base-files gives /etc/os-release and the licence texts.
TOOL_PACKAGES=(base-files bash dash coreutils diffutils hostname)
# Every command the container scripts run, checked inside DIR at the end.
COMMANDS=(node bash sh tr hostname cmp cp mv chown chmod basename)
EXTRA_CA=/etc/ssl/certs/node-extra-ca.crt
# Nothing at run time reads these: documentation, and glibc's iconv modules (8 MB; Node has ICU).
SKIP='^/usr/share/(doc|doc-base|man|info|locale|lintian|bug|bash-completion)/|/gconv/'
MAX_ROUNDS=8

fail() {
  printf 'runtime-root: error %s: %s\n' "$1" "$2" >&2
  exit 1
}

command -v strip >/dev/null || fail NO_STRIP 'strip missing: install binutils in this stage'
node_bin=$(command -v node) || fail NO_NODE 'no node on PATH: run this on the Node base image'
dpkg-query -W "${TOOL_PACKAGES[@]}" >/dev/null ||
  fail PACKAGE_MISSING "the base image lacks one of ${TOOL_PACKAGES[*]}: install it in this stage"
[ ! -e "$root" ] || [ -z "$(ls -A "$root")" ] || fail ROOT_NOT_EMPTY "$root is not empty"
mkdir -p "$root"

# The base's merged /usr: /bin, /lib, /lib64 and /sbin are symlinks into /usr, and so they stay.
for dir in /*; do
  [ -L "$dir" ] && cp -a "$dir" "$root/"
done

# The package owning FILE (name:arch as dpkg knows it). dpkg records a library under /lib or /usr/lib as its
# package shipped it, and ldd prints either, so both spellings are asked.
owner_of() {
  local file=$1 other
  case $file in
    /usr/*) other=${file#/usr} ;;
    *) other=/usr$file ;;
  esac
  { dpkg-query -S "$file" "$other" 2>/dev/null || true; } | awk -F': ' '!/^diversion/ && !seen++ { print $1 }'
}

# The shared libraries FILE... load, as absolute paths (nothing for files that are no dynamic ELF objects).
libraries_of() {
  local file
  for file in "$@"; do
    { ldd "$file" 2>/dev/null || true; } | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
  done | sort -u
}

# The files (not directories) of PACKAGE... that the runtime keeps.
files_of() {
  dpkg-query -L "$@" | grep -Ev "$SKIP" | sort -u | while IFS= read -r file; do
    if [ -L "$file" ] || [ -f "$file" ]; then printf '%s\n' "$file"; fi
  done
}

# The package set: the tools, then the owners of every library the set's programs and node load.
packages=("${TOOL_PACKAGES[@]}")
declare -A chosen=()
for package in "${packages[@]}"; do chosen[$package]=1; done
round=0
while :; do
  round=$((round + 1))
  [ "$round" -le "$MAX_ROUNDS" ] || fail LIBRARY_CLOSURE "libraries still adding packages after $MAX_ROUNDS rounds"
  mapfile -t programs < <(files_of "${packages[@]}" | grep -E '/s?bin/|\.so(\.|$)')
  added=0
  while IFS= read -r library; do
    owner=$(owner_of "$library")
    [ -n "$owner" ] || fail LIBRARY_UNOWNED "no package owns $library (needed by node or a tool)"
    if [ -z "${chosen[$owner]:-}" ]; then
      chosen[$owner]=1
      packages+=("$owner")
      added=$((added + 1))
    fi
  done < <(libraries_of "$node_bin" "${programs[@]}")
  [ "$added" -gt 0 ] || break
done

# Copy each file to the same path in DIR, through the real directory (/bin/bash lands in /usr/bin, as here).
files_of "${packages[@]}" | while IFS= read -r file; do
  dir=$(realpath "$(dirname "$file")")
  mkdir -p "$root$dir"
  cp -a "$file" "$root$dir/"
done
mkdir -p "$root/var/lib/dpkg"
dpkg-query --status "${packages[@]}" >"$root/var/lib/dpkg/status"

mkdir -p "$root/usr/local/bin"
strip --strip-all -o "$root/usr/local/bin/node" "$node_bin"
if [ -f /usr/local/share/doc/node/LICENSE ]; then
  mkdir -p "$root/usr/local/share/doc/node"
  cp /usr/local/share/doc/node/LICENSE "$root/usr/local/share/doc/node/"
fi

mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/root" "$root/home/node"
printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' 'node:x:1000:1000::/home/node:/bin/bash' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'node:x:1000:' >"$root/etc/group"
cp /etc/nsswitch.conf "$root/etc/"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
chown 1000:1000 "$root/home/node"
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  cp "$NODE_EXTRA_CA_CERTS" "$root$EXTRA_CA"
else
  : >"$root$EXTRA_CA"
fi
chmod 0644 "$root$EXTRA_CA"

# The loader's cache for exactly these libraries (the base's would name libraries that are not here).
cp -a /etc/ld.so.conf "$root/etc/"
[ ! -d /etc/ld.so.conf.d ] || cp -a /etc/ld.so.conf.d "$root/etc/"
ldconfig -r "$root"

# Every command the scripts call must run inside the new root, with only its libraries.
for name in "${COMMANDS[@]}"; do
  case $name in
    node) check=(env "NODE_EXTRA_CA_CERTS=$EXTRA_CA" node -e 'require("node:tls").createSecureContext()') ;;
    sh) check=(sh -c 'exit 0') ;; # dash has no --version
    *) check=("$name" --version) ;;
  esac
  chroot "$root" /bin/sh -c "command -v $name" >/dev/null || fail COMMAND_MISSING "$name is not in $root"
  chroot "$root" "${check[@]}" >/dev/null || fail COMMAND_BROKEN "$name does not run in $root"
done
echo "runtime-root: ${packages[*]} and node in $root ($(du -sh "$root" | cut -f1))"
