#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `<compose> -f docker-compose.yml config`, plus a
# check that every bind-mounted host path exists (compose `config` does not look at the disk).
#
# The compose implementation, first found wins:
#   1. `docker compose` (the Compose v2 plugin), when installed;
#   2. `docker-compose` on PATH;
#   3. Debian's `docker-compose` package (1.29.2 on bookworm), installed with apt-get when running as root.
#      It validates against its bundled Compose Specification schema and needs no engine for `config`.
# Exit codes: 0 valid, or SKIPPED (no compose implementation could be found or installed: says so on a
# line starting with SKIPPED); 1 invalid file or a missing bind-mount source.
# Environment: CHECK_COMPOSE_NO_INSTALL=1 never installs anything (SKIPPED when no tool is present).
set -euo pipefail
cd "$(dirname "$0")/.."

FILE=docker-compose.yml
log() { printf 'check-compose: %s\n' "$*"; }
skip() {
  printf 'SKIPPED: docker-compose.yml not validated: %s\n' "$*"
  exit 0
}

compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif [[ "${CHECK_COMPOSE_NO_INSTALL:-0}" == 1 ]]; then
  skip "no compose implementation on PATH and CHECK_COMPOSE_NO_INSTALL=1"
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  log "installing Debian's docker-compose package"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq >/dev/null 2>&1 &&
    apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 &&
    command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
  else
    skip "apt-get could not install the docker-compose package"
  fi
else
  skip "no compose implementation on PATH, and apt-get is unavailable (or not root) to install one"
fi

log "using: ${compose[*]} ($("${compose[@]}" version 2>/dev/null | sed -n 1p))"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
if ! "${compose[@]}" -f "$FILE" config >"$out" 2>&1; then
  cat "$out"
  log "INVALID: $FILE"
  exit 1
fi
head -n 5 "$out"
log "... ($(wc -l <"$out") lines of resolved config)"

# Bind-mount sources (`- ./path:/in/container[:ro]`) must exist, or Docker would create empty directories.
missing=0
while IFS= read -r src; do
  if [[ ! -e "$src" ]]; then
    log "missing bind-mount source: $src"
    missing=1
  fi
done < <(sed -n 's/^[[:space:]]*-[[:space:]]*\(\.\/[^:]*\):.*/\1/p' "$FILE")
((missing == 0)) || {
  log "INVALID: $FILE"
  exit 1
}

log "OK: $FILE is valid"
