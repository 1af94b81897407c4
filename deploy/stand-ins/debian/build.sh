#!/usr/bin/env bash
# Makes the base image of every stand-in, tagged like Debian's own slim image, without a registry:
# debootstrap's minimal Debian, trimmed the way the slim images are, imported with `docker import`.
#
#   deploy/stand-ins/debian/build.sh TAG MIRROR [SECURITY_MIRROR [LABEL]]
#
# MIRROR (and SECURITY_MIRROR) are the Debian mirrors the host's apt uses; the image's apt uses them too, so
# the stand-ins' `apt-get install` reaches the same place. LABEL (key=value) is set on the image. Needs root
# and debootstrap.
set -euo pipefail

SUITE=bookworm
usage='usage: build.sh TAG MIRROR [SECURITY_MIRROR [LABEL]]'
tag=${1:?$usage}
mirror=${2:?$usage}
security=${3:-}
label=${4:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

work=$(mktemp -d "${TMPDIR:-/tmp}/mesh-rootfs.XXXXXX")
root="$work/rootfs"
cleanup() {
  # debootstrap mounts /proc and /sys inside the root while it works; a failed run can leave them mounted,
  # and rm -rf must never walk into them.
  local mounts
  mounts=$(findmnt -R -n -l -o TARGET "$root" 2>/dev/null | sort -r || true)
  [ -z "$mounts" ] || printf '%s\n' "$mounts" | xargs -r -n 1 umount -l
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log" >&2
  exit 1
}

# Keep docs, man pages and translations out of this image and every image built on it (as the slim
# images do), and keep apt's caches out of the layers.
cp -r "$here/rootfs/." "$root/"
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
  "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old "$root"/var/log/* \
  "$root"/etc/hostname "$root"/etc/resolv.conf "$root"/etc/apt/sources.list
: >"$root/etc/machine-id"

# apt inside images uses the host's mirrors.
{
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$SUITE" "$SUITE"
  printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  if [ -n "$security" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$SUITE"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  fi
} >"$root/etc/apt/sources.list.d/debian.sources"

tar --numeric-owner -C "$root" -c . |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    ${label:+--change "LABEL $label"} \
    - "$tag" >/dev/null
