#!/usr/bin/env bash
# Runs a command with a real Kafka broker and schema registry: when KAFKA_BROKERS is not set, starts the
# local ones (scripts/infra/infra.sh), exports KAFKA_BROKERS and SCHEMA_REGISTRY_URL, runs the command,
# and stops them again if this script started them (ALERT_TRIAGE_KEEP_INFRA=1 keeps them up).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
started=0
# The console's browser test needs Debian's Chromium (a fresh clone may not have it).
bash "$here/ensure-chromium.sh" || echo "with-infra: chromium not installed: the console browser test will fail" >&2
if [ -z "${KAFKA_BROKERS:-}" ]; then
  if ! bash "$here/infra.sh" status >/dev/null 2>&1; then started=1; fi
  bash "$here/infra.sh" up || { echo "with-infra: could not start Kafka and the schema registry (see above)" >&2; exit 1; }
  while IFS='=' read -r name value; do export "$name=$value"; done < <(bash "$here/infra.sh" env)
fi
"$@"
rc=$?
if [ "$started" = 1 ] && [ -z "${ALERT_TRIAGE_KEEP_INFRA:-}" ]; then bash "$here/infra.sh" down >/dev/null 2>&1 || true; fi
exit $rc
