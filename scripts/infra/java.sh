# shellcheck shell=bash
# Sourced by infra.sh and secure.sh: which java runs the broker (>= 17) and which the registry (>= 21).
# Expects die(), KAFKA_VERSION and APICURIO_VERSION from the script that sources it.
java_major() { # prints the feature version of a java binary, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | sed -n 1p
}
kafka_java() {
  if [[ -n "${ALERT_TRIAGE_KAFKA_JAVA:-}" ]]; then echo "$ALERT_TRIAGE_KAFKA_JAVA"
  elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"
  else command -v java || die "no java found (Kafka $KAFKA_VERSION needs Java >= 17); set ALERT_TRIAGE_KAFKA_JAVA"
  fi
}
REGISTRY_JAVA=""
resolve_registry_java() { # sets REGISTRY_JAVA (no subshell, so `die` exits the script)
  [[ -n "$REGISTRY_JAVA" ]] && return 0
  if [[ -n "${ALERT_TRIAGE_REGISTRY_JAVA:-}" ]]; then REGISTRY_JAVA="$ALERT_TRIAGE_REGISTRY_JAVA"; return 0; fi
  local c m
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [[ -n "$c" && -x "$c" ]] || continue
    m="$(java_major "$c")"
    if [[ -n "$m" && "$m" -ge 21 ]]; then REGISTRY_JAVA="$c"; return 0; fi
  done
  die "Apicurio Registry $APICURIO_VERSION needs Java >= 21 and none was found (looked at \$JAVA_HOME, java on PATH, /usr/lib/jvm/*). Set ALERT_TRIAGE_REGISTRY_JAVA=/path/to/java"
}
