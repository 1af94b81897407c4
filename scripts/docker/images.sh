#!/usr/bin/env bash
# Makes sure every image the compose files (and deploy/Dockerfile's NODE_IMAGE) name exists in the local
# engine, so they run on a machine that cannot pull from Docker Hub. For each missing image, in order:
#   1. load it from the cache (<cache>/images/<name>-<key>.tar, saved by an earlier build),
#   2. pull it (once, with a short timeout; after one failed pull no other is tried),
#   3. build its stand-in from deploy/stand-ins/<dir> (deploy/stand-ins/images.txt maps names to folders)
#      and save it into the cache.
# The key is a hash of the stand-in's folder, of its base image's key and of the host inputs (apt mirrors,
# the CAs in /usr/local/share/ca-certificates); an image built from an older stand-in (its label differs) is
# replaced.
# The project image (MESH_IMAGE, default agent-mesh:latest) is not handled here: it is built from the
# checkout. Grafana and Jaeger have no stand-in and are skipped.
#
#   scripts/docker/images.sh            make every image present
#   scripts/docker/images.sh --list     print the names and what stands in for each
#
# Environment: MESH_CACHE_DIR (default ~/.cache/agent-mesh), MESH_IMAGES_PULL=0 (never pull: build or load
# stand-ins), MESH_PULL_TIMEOUT (seconds, default 20), MESH_DEBIAN_MIRROR / MESH_DEBIAN_SECURITY_MIRROR
# (default: the host's apt sources).
set -euo pipefail
LOG_PREFIX=images
# shellcheck source=scripts/docker/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STAND_INS="$MESH_ROOT/deploy/stand-ins"
IMAGE_CACHE="$MESH_CACHE_DIR/images"
KEY_LABEL=org.agent-mesh.stand-in-key
PULL=${MESH_IMAGES_PULL:-1}
declare -A KEYS=() ENSURED=()
summary=()

# Image names the deployment uses: every `image:` of the compose files, plus deploy/Dockerfile's NODE_IMAGE.
# YAML aliases (*image) and the project image (${MESH_IMAGE...}) are left out; any other variable is refused.
deployment_images() {
  local name
  {
    sed -n 's/^[[:space:]]*image:[[:space:]]*//p' "$MESH_ROOT"/deploy/docker-compose*.yml
    node_image
  } | tr -d "\"'" | sed 's/[[:space:]]*#.*$//; s/[[:space:]]*$//' | sort -u | while read -r name; do
    # shellcheck disable=SC2016 # '${MESH_IMAGE' is the compose file's text, not a variable of ours
    case "$name" in
      '' | '*'* | '${MESH_IMAGE'*) ;;
      *'$'*) fail IMAGE_VARIABLE "image name with a variable: $name (only MESH_IMAGE is known)" ;;
      *) printf '%s\n' "$name" ;;
    esac
  done
}

# The stand-in folder for an image ("skip" for repositories with none); nothing when images.txt lacks it.
stand_in_of() {
  local name=$1 repo=${1%:*}
  awk -v name="$name" -v repo="$repo" '
    /^[[:space:]]*(#|$)/ { next }
    $1 == name { print $2; exit }
    $1 == repo && $2 == "skip" { print "skip"; exit }' "$STAND_INS/images.txt"
}

# The image a stand-in's Dockerfile starts from (nothing for a folder without one).
base_of() {
  local dockerfile="$STAND_INS/$1/Dockerfile"
  [ -f "$dockerfile" ] || return 0
  awk 'toupper($1) == "FROM" { print $2; exit }' "$dockerfile"
}

sha() {
  sha256sum | cut -c 1-12
}

# The cache key of an image's stand-in (see the header), computed once per run.
key_of() {
  local name=$1 dir base base_key=''
  if [ -z "${KEYS[$name]:-}" ]; then
    dir=$(stand_in_of "$name")
    base=$(base_of "$dir")
    [ -z "$base" ] || base_key=$(key_of "$base")
    KEYS[$name]=$(
      cd "$STAND_INS/$dir"
      {
        find . -type f -print0 | sort -z | xargs -0 sha256sum
        printf 'base %s\nmirror %s %s\n' "$base_key" "$MIRROR" "$SECURITY_MIRROR"
        find /usr/local/share/ca-certificates -name '*.crt' -type f 2>/dev/null | sort | xargs -r cat | sha256sum
      } | sha
    )
  fi
  printf '%s\n' "${KEYS[$name]}"
}

# Present means: the image exists and is no stand-in of another key (a pulled image has no key label; with
# no key given, any image of that name will do).
present() {
  local label
  label=$(docker image inspect --format "{{index .Config.Labels \"$KEY_LABEL\"}}" "$1" 2>/dev/null) || return 1
  [ -z "$2" ] || [ -z "$label" ] || [ "$label" = "<no value>" ] || [ "$label" = "$2" ]
}

size_of() {
  docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB\n", $1 / 1000000 }'
}

try_pull() {
  local name=$1
  [ "$PULL" = 1 ] || return 1
  if timeout "${MESH_PULL_TIMEOUT:-20}" docker pull -q "$name" >/dev/null 2>&1; then
    return 0
  fi
  say "pull of $name failed: no registry for images here, so no other pull is tried (stand-ins instead)"
  PULL=0
  return 1
}

build_stand_in() {
  local name=$1 dir=$2 key=$3 context log
  context=$(mktemp -d "${TMPDIR:-/tmp}/mesh-stand-in.XXXXXX")
  log="$context.log"
  if [ -x "$STAND_INS/$dir/build.sh" ]; then
    [ -n "$MIRROR" ] || fail NO_MIRROR "no Debian mirror in the host's apt sources: set MESH_DEBIAN_MIRROR"
    command -v debootstrap >/dev/null || apt_install debootstrap
    "$STAND_INS/$dir/build.sh" "$name" "$MIRROR" "$SECURITY_MIRROR" "$KEY_LABEL=$key" >"$log" 2>&1 || {
      tail -n 30 "$log" >&2
      rm -rf "$context" "$log"
      fail STAND_IN_BUILD "building the stand-in for $name failed (deploy/stand-ins/$dir/build.sh)"
    }
  else
    cp -r "$STAND_INS/$dir/." "$context"
    if ! { [ ! -x "$context/prepare.sh" ] || "$context/prepare.sh" "$context"; } >"$log" 2>&1 ||
      ! "$MESH_ROOT/scripts/docker/engine.sh" build --progress=plain --label "$KEY_LABEL=$key" -t "$name" \
        "$context" >>"$log" 2>&1; then
      tail -n 30 "$log" >&2
      rm -rf "$context" "$log"
      fail STAND_IN_BUILD "building the stand-in for $name failed (deploy/stand-ins/$dir)"
    fi
  fi
  rm -rf "$context" "$log"
}

save_to_cache() {
  local name=$1 tar=$2
  mkdir -p "$IMAGE_CACHE"
  docker save -o "$tar.tmp" "$name"
  mv "$tar.tmp" "$tar"
  # Older keys of the same image are of no further use.
  find "$IMAGE_CACHE" -maxdepth 1 -name "$(basename "${tar%-*}")-*.tar" ! -name "$(basename "$tar")" -delete
}

# Removes the image a new stand-in replaced (a stale one), unless a container still uses it.
drop_replaced() {
  local old=$1 name=$2
  [ -n "$old" ] || return 0
  [ "$old" = "$(docker image inspect --format '{{.Id}}' "$name")" ] || docker rmi "$old" >/dev/null 2>&1 || true
}

ensure() {
  local name=$1 dir key tar started base old
  [ -z "${ENSURED[$name]:-}" ] || return 0
  ENSURED[$name]=1
  dir=$(stand_in_of "$name")
  key=''
  [ -z "$dir" ] || key=$(key_of "$name")
  if present "$name" "$key"; then
    say "$name present"
    summary+=("$name present")
    return
  fi
  started=$(now_tenths)
  old=$(docker image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
  tar="$IMAGE_CACHE/${name//[\/:]/_}-$key.tar"
  if [ -n "$dir" ] && [ -f "$tar" ] && docker load -q -i "$tar" >/dev/null && present "$name" "$key"; then
    drop_replaced "$old" "$name"
    say "$name loaded from cache ($(elapsed_since "$started"))"
    summary+=("$name loaded from cache")
    return
  fi
  if try_pull "$name"; then
    drop_replaced "$old" "$name"
    say "$name pulled ($(elapsed_since "$started"))"
    summary+=("$name pulled")
    return
  fi
  [ -n "$dir" ] || fail IMAGE_UNKNOWN "$name cannot be pulled and has no stand-in: add a folder under \
deploy/stand-ins and a line to deploy/stand-ins/images.txt"
  base=$(base_of "$dir")
  [ -z "$base" ] || ensure "$base"
  started=$(now_tenths)
  say "$name: building its stand-in (deploy/stand-ins/$dir)"
  build_stand_in "$name" "$dir" "$key"
  save_to_cache "$name" "$tar"
  drop_replaced "$old" "$name"
  say "$name built from its stand-in ($(elapsed_since "$started"), $(size_of "$name"), cached)"
  summary+=("$name built ($(size_of "$name"))")
}

main() {
  local names name dir skipped=() started
  started=$(now_tenths)
  names=$(deployment_images)
  if [ "${1:-}" = --list ]; then
    while read -r name; do
      printf '%-36s %s\n' "$name" "$(stand_in_of "$name" || true)"
    done <<<"$names"
    return
  fi
  [ -z "${1:-}" ] || die "usage: $0 [--list]"
  docker info >/dev/null 2>&1 || fail NO_ENGINE "the Docker engine does not answer (scripts/docker/engine.sh up)"
  MIRROR=$(debian_mirror)
  SECURITY_MIRROR=$(debian_security_mirror)
  while read -r name; do
    dir=$(stand_in_of "$name")
    if [ "$dir" = skip ]; then
      skipped+=("$name")
    else
      ensure "$name"
    fi
  done <<<"$names"
  [ ${#skipped[@]} -eq 0 ] ||
    say "skipped (no stand-in can be built here; compose files that use them need a registry): ${skipped[*]}"
  say "done in $(elapsed_since "$started"): $(IFS=';' && printf '%s' "${summary[*]}" | sed 's/;/; /g')"
}

main "$@"
