#!/usr/bin/env bash
# A SECURED local broker and schema registry for the security tests, without Docker, next to (never
# instead of) the plain ones of scripts/infra/infra.sh:
#   * Apache Kafka, single node, KRaft combined mode, whose only client listener is SASL_SSL:
#     TLS with a server certificate from a throw-away CA made at every `up` (SAN IP:127.0.0.1,
#     DNS:localhost), then SASL/SCRAM (SCRAM-SHA-512 and SCRAM-SHA-256). The SCRAM users are
#     written into the KRaft metadata when the storage is formatted (StorageTool --add-scram).
#     No authorizer: any authenticated user may do anything (authentication is what is tested).
#   * Apicurio Registry 3 (in-memory H2), Confluent-compatible API at
#     https://127.0.0.1:${ALERT_TRIAGE_SECURE_REGISTRY_PORT}/apis/ccompat/v7 (HTTPS only, the same CA and
#     server certificate), which demands HTTP basic auth on every /apis/* path. Apicurio itself does it,
#     no proxy: its Quarkus bundle carries the elytron-security-properties-file extension with the
#     embedded user realm enabled at build time (quarkus.security.users.embedded.enabled=true in its
#     application.properties), so basic auth (quarkus.http.auth.basic), one embedded user and an
#     `authenticated` HTTP permission on /apis/* are runtime settings. The management port (health)
#     stays plain HTTP without auth, as infra.sh's.
# Same jars as infra.sh (Kafka from Maven Central, Apicurio's quarkus-app): read from infra.sh's
# artifacts cache, and fetched there with `infra.sh fetch` when missing. Nothing of infra.sh's own
# instance (its ports, run dirs, processes) is touched.
#
# Credentials are random per `up` (openssl rand) and are never put on a command line (a JVM argument
# file and a Quarkus config file, both 0600, carry them): they are in $HOME_DIR/run/secure.env (0600),
# which `env` prints, and `down` deletes along with the CA, the keys and the data.
#
# Usage: scripts/infra/secure.sh <command>
#   up       generate CA, certificates and credentials, format the storage with the SCRAM users, start
#            broker and registry, wait until both are healthy. Idempotent: when both are up and healthy it
#            returns at once, keeping the credentials; a half-running pair is stopped and started afresh.
#   down     SIGTERM (SIGKILL after ${ALERT_TRIAGE_STOP_TIMEOUT}s), then wipe data, keys, certificates
#            and credentials (the logs stay, for a look after a failure).
#   status   print state; exit 0 only if both are up and healthy.
#   env      print KAFKA_BROKERS, KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
#            KAFKA_SASL_PASSWORD, SCHEMA_REGISTRY_URL, SCHEMA_REGISTRY_SSL_CA_FILE, SCHEMA_REGISTRY_USERNAME,
#            SCHEMA_REGISTRY_PASSWORD lines (NAME=value; values hold no spaces or quotes). Fails when not up.
#   logs     tail the broker and registry logs.
#
# Environment overrides (defaults in brackets):
#   ALERT_TRIAGE_SECURE_HOME           run dir, keys, credentials, logs [$HOME/.cache/alert-triage-secure]
#   ALERT_TRIAGE_INFRA_HOME            infra.sh's cache, whose artifacts/ are used [$HOME/.cache/alert-triage-infra]
#   ALERT_TRIAGE_SECURE_KAFKA_PORT     broker SASL_SSL listener on 127.0.0.1 [19092]
#   ALERT_TRIAGE_SECURE_CONTROLLER_PORT KRaft controller listener on 127.0.0.1 (PLAINTEXT) [19093]
#   ALERT_TRIAGE_SECURE_REGISTRY_PORT  Apicurio HTTPS port on 127.0.0.1 [18081]
#   ALERT_TRIAGE_SECURE_REGISTRY_MGMT_PORT  Apicurio management (health) port on 127.0.0.1 [19081]
#   ALERT_TRIAGE_SECURE_KAFKA_HEAP     broker -Xmx [512m]
#   ALERT_TRIAGE_SECURE_REGISTRY_HEAP  registry -Xmx [384m]
#   ALERT_TRIAGE_KAFKA_JAVA, ALERT_TRIAGE_REGISTRY_JAVA, ALERT_TRIAGE_CDS, ALERT_TRIAGE_UP_TIMEOUT,
#   ALERT_TRIAGE_STOP_TIMEOUT          as for infra.sh
set -euo pipefail
umask 077   # keys, passwords and the config files that hold them: owner only

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/pom.xml"
# shellcheck source=scripts/infra/lib.sh
source "$SCRIPT_DIR/lib.sh"

HOME_DIR="${ALERT_TRIAGE_SECURE_HOME:-$HOME/.cache/alert-triage-secure}"
INFRA_HOME="${ALERT_TRIAGE_INFRA_HOME:-$HOME/.cache/alert-triage-infra}"
KAFKA_PORT="${ALERT_TRIAGE_SECURE_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${ALERT_TRIAGE_SECURE_CONTROLLER_PORT:-19093}"
REGISTRY_PORT="${ALERT_TRIAGE_SECURE_REGISTRY_PORT:-18081}"
REGISTRY_MGMT_PORT="${ALERT_TRIAGE_SECURE_REGISTRY_MGMT_PORT:-19081}"
KAFKA_HEAP="${ALERT_TRIAGE_SECURE_KAFKA_HEAP:-512m}"
REGISTRY_HEAP="${ALERT_TRIAGE_SECURE_REGISTRY_HEAP:-384m}"
UP_TIMEOUT="${ALERT_TRIAGE_UP_TIMEOUT:-120}"
STOP_TIMEOUT="${ALERT_TRIAGE_STOP_TIMEOUT:-20}"
USE_CDS="${ALERT_TRIAGE_CDS:-1}"
CLUSTER_ID="Sec0rEdTeStClusterId0A"   # 22-char base64url UUID; the data is wiped at every up anyway

KAFKA_VERSION="$(pom_prop kafka.version)"
APICURIO_VERSION="$(pom_prop apicurio.version)"
KAFKA_LIBS="$INFRA_HOME/artifacts/kafka-$KAFKA_VERSION/libs"
APICURIO_DIR="$INFRA_HOME/artifacts/apicurio-registry-$APICURIO_VERSION"

RUN_DIR="$HOME_DIR/run"
TLS_DIR="$RUN_DIR/tls"
KAFKA_RUN="$RUN_DIR/kafka"
REGISTRY_RUN="$RUN_DIR/registry"
ENV_FILE="$RUN_DIR/secure.env"
CDS_DIR="$HOME_DIR/cds"

CCOMPAT_URL="https://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"
KAFKA_USER="alert-triage"
REGISTRY_USER="alert-triage"
SASL_MECHANISM="scram-sha-512"   # what `env` hands the clients; SCRAM-SHA-256 works as well

log() { printf '[secure] %s\n' "$*" >&2; }
die() { printf '[secure] ERROR: %s\n' "$*" >&2; exit 1; }

fetch_artifacts() {
  [[ -f "$KAFKA_LIBS/.complete" && -f "$APICURIO_DIR/.complete" ]] && return 0
  log "artifacts missing in $INFRA_HOME/artifacts: fetching them with infra.sh fetch"
  ALERT_TRIAGE_INFRA_HOME="$INFRA_HOME" bash "$SCRIPT_DIR/infra.sh" fetch
}

# ---------------------------------------------------------------- processes
pid_of() { marked_pid "$RUN_DIR/$1/$1.pid" alert.triage.secure "$1"; }

kafka_healthy() {
  # The TLS handshake on the SASL_SSL port verifies against our CA (and the SAN 127.0.0.1), and the
  # broker has finished starting. SASL itself is proven by the clients (the test).
  grep -qF "Kafka Server started" "$KAFKA_RUN/kafka.log" 2>/dev/null || return 1
  timeout 5 openssl s_client -connect "127.0.0.1:$KAFKA_PORT" -CAfile "$TLS_DIR/ca.pem" \
    -verify_return_error -verify_ip 127.0.0.1 </dev/null >/dev/null 2>&1
}
registry_healthy() {
  # Up, TLS verified against our CA, auth enforced: 401 without credentials, 200 with them (curl reads
  # them from stdin, not argv).
  local c=(curl -s -m 3 --cacert "$TLS_DIR/ca.pem" -o /dev/null -w '%{http_code}')
  [[ "$("${c[@]}" "$CCOMPAT_URL/subjects" 2>/dev/null)" == 401 ]] || return 1
  [[ "$(printf 'user = "%s:%s"\n' "$REGISTRY_USER" "$(env_value SCHEMA_REGISTRY_PASSWORD)" |
    "${c[@]}" -K - "$CCOMPAT_URL/subjects" 2>/dev/null)" == 200 ]]
}
env_value() { sed -n "s/^$1=//p" "$ENV_FILE" 2>/dev/null | sed -n 1p; }

stop_all() { # SIGTERM both, wait, SIGKILL stragglers, then wipe everything but the logs and CDS archives
  local svc pid pids=()
  for svc in kafka registry; do
    if pid="$(pid_of "$svc")"; then log "$svc: stopping pid $pid"; pids+=("$pid"); fi
  done
  terminate "${pids[@]}"
  rm -rf "$TLS_DIR" "$ENV_FILE" "$KAFKA_RUN/data" "$KAFKA_RUN"/*.properties "$KAFKA_RUN"/*.args "$KAFKA_RUN/kafka.pid" \
    "$REGISTRY_RUN/tmp" "$REGISTRY_RUN"/*.properties "$REGISTRY_RUN/registry.pid"
}

# ---------------------------------------------------------------- secrets and TLS
make_secrets() {
  local kafka_pw broker_pw registry_pw store_pw
  kafka_pw="$(openssl rand -hex 24)"; broker_pw="$(openssl rand -hex 24)"
  registry_pw="$(openssl rand -hex 24)"; store_pw="$(openssl rand -hex 16)"
  mkdir -p "$TLS_DIR"
  # Throw-away CA (1 day) and a server certificate it signs, valid for 127.0.0.1 and localhost.
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=alert-triage throw-away test CA" \
    -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$TLS_DIR/server.key" \
    -out "$TLS_DIR/server.csr" 2>/dev/null
  printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'extendedKeyUsage=serverAuth' \
    'keyUsage=critical,digitalSignature,keyEncipherment' >"$TLS_DIR/server.ext"
  openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" -CAcreateserial \
    -days 1 -extfile "$TLS_DIR/server.ext" -out "$TLS_DIR/server.pem" 2>/dev/null
  # PKCS#12 keystore for the broker (the password comes from a file descriptor, not argv).
  openssl pkcs12 -export -name kafka -in "$TLS_DIR/server.pem" -inkey "$TLS_DIR/server.key" \
    -certfile "$TLS_DIR/ca.pem" -out "$TLS_DIR/server.p12" -passout fd:3 3<<<"$store_pw"
  rm -f "$TLS_DIR/server.csr" "$TLS_DIR/server.ext" "$TLS_DIR/ca.key"   # nothing more will be signed
  chmod 644 "$TLS_DIR/ca.pem"   # the CA certificate is public; clients read it
  cat >"$ENV_FILE" <<EOF
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
KAFKA_SSL=true
KAFKA_SSL_CA_FILE=$TLS_DIR/ca.pem
KAFKA_SASL_MECHANISM=$SASL_MECHANISM
KAFKA_SASL_USERNAME=$KAFKA_USER
KAFKA_SASL_PASSWORD=$kafka_pw
SCHEMA_REGISTRY_URL=$CCOMPAT_URL
SCHEMA_REGISTRY_SSL_CA_FILE=$TLS_DIR/ca.pem
SCHEMA_REGISTRY_USERNAME=$REGISTRY_USER
SCHEMA_REGISTRY_PASSWORD=$registry_pw
EOF
  # Not for clients: the broker's own SCRAM user (inter-broker connections, e.g. the transaction
  # coordinator writing markers to itself) and the keystore password.
  printf 'BROKER_PASSWORD=%s\nKEYSTORE_PASSWORD=%s\n' "$broker_pw" "$store_pw" >"$RUN_DIR/broker.secrets"
}

# ---------------------------------------------------------------- kafka
start_kafka() {
  local java cp broker_pw store_pw kafka_pw
  java="$(kafka_java)"; cp="$(kafka_classpath)"
  broker_pw="$(sed -n 's/^BROKER_PASSWORD=//p' "$RUN_DIR/broker.secrets")"
  store_pw="$(sed -n 's/^KEYSTORE_PASSWORD=//p' "$RUN_DIR/broker.secrets")"
  kafka_pw="$(env_value KAFKA_SASL_PASSWORD)"
  mkdir -p "$KAFKA_RUN"
  cat >"$KAFKA_RUN/server.properties" <<EOF
# generated by scripts/infra/secure.sh -- single-node KRaft, SASL_SSL only for clients; tests only
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=SASL_SSL://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=SASL_SSL://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$broker_pw";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/server.p12
ssl.keystore.password=$store_pw
ssl.key.password=$store_pw
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
ssl.client.auth=none
ssl.endpoint.identification.algorithm=https
$(single_node_properties "$KAFKA_RUN/data" false)
EOF
  write_broker_log4j "$KAFKA_RUN/log4j2.xml"
  # Format with the SCRAM users. The passwords go in a java argument file (0600), so they never show in
  # `ps`; the data is formatted afresh at every up (the users are new each time).
  rm -rf "$KAFKA_RUN/data"
  cat >"$KAFKA_RUN/format.args" <<EOF
kafka.tools.StorageTool format -t $CLUSTER_ID -c $KAFKA_RUN/server.properties
--add-scram SCRAM-SHA-512=[name=$KAFKA_USER,password=$kafka_pw]
--add-scram SCRAM-SHA-256=[name=$KAFKA_USER,password=$kafka_pw]
--add-scram SCRAM-SHA-512=[name=broker,password=$broker_pw]
EOF
  "$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$KAFKA_RUN/log4j2.xml" \
    -cp "$cp" "@$KAFKA_RUN/format.args" >"$KAFKA_RUN/format.log" 2>&1 \
    || { tail -n 30 "$KAFKA_RUN/format.log" >&2; die "kafka: StorageTool format failed (log: $KAFKA_RUN/format.log)"; }
  rm -f "$KAFKA_RUN/format.args"
  set_cds_opts "$java" "$CDS_DIR/kafka-broker"
  spawn kafka "$KAFKA_RUN/kafka.log" "$java" -Dalert.triage.secure=kafka \
    -Xms128m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_RUN/log4j2.xml" -Dkafka.logs.dir="$KAFKA_RUN" \
    "${CDS_OPTS[@]}" -cp "$cp" kafka.Kafka "$KAFKA_RUN/server.properties"
}

# ---------------------------------------------------------------- registry
start_registry() {
  resolve_registry_java
  mkdir -p "$REGISTRY_RUN/tmp"
  # Runtime Quarkus settings in a file of our own (0600), read through quarkus.config.locations, so the
  # password is on no command line. HTTPS only (insecure-requests=disabled: the plain HTTP port is not opened). The embedded realm holds one user with Apicurio's admin role; Apicurio's
  # own role checks stay off (apicurio.auth.role-based-authorization=false), so any authenticated user may write.
  cat >"$REGISTRY_RUN/secure.properties" <<EOF
quarkus.http.ssl-port=$REGISTRY_PORT
quarkus.http.insecure-requests=disabled
quarkus.http.ssl.certificate.files=$TLS_DIR/server.pem
quarkus.http.ssl.certificate.key-files=$TLS_DIR/server.key
quarkus.http.auth.basic=true
quarkus.security.users.embedded.enabled=true
quarkus.security.users.embedded.plain-text=true
quarkus.security.users.embedded.users.$REGISTRY_USER=$(env_value SCHEMA_REGISTRY_PASSWORD)
quarkus.security.users.embedded.roles.$REGISTRY_USER=sr-admin
quarkus.http.auth.permission.apis.paths=/apis/*
quarkus.http.auth.permission.apis.policy=authenticated
EOF
  set_cds_opts "$REGISTRY_JAVA" "$CDS_DIR/registry"
  spawn registry "$REGISTRY_RUN/registry.log" "$REGISTRY_JAVA" -Dalert.triage.secure=registry \
    -Xms64m "-Xmx$REGISTRY_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.io.tmpdir="$REGISTRY_RUN/tmp" \
    -Dquarkus.config.locations="file:$REGISTRY_RUN/secure.properties" \
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$REGISTRY_MGMT_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.storage.snapshot.location="$REGISTRY_RUN/tmp" \
    "${CDS_OPTS[@]}" -jar "$APICURIO_DIR/quarkus-run.jar"
}

# ---------------------------------------------------------------- commands
both_healthy() { pid_of kafka >/dev/null && pid_of registry >/dev/null && kafka_healthy && registry_healthy; }

fail_up() { # message svc... : print each log tail, stop both, exit 1
  local msg="$1" svc; shift
  for svc in "$@"; do tail -n 40 "$RUN_DIR/$svc/$svc.log" >&2 || true; done
  stop_all; die "$msg: $*"
}

cmd_up() {
  local t0=$EPOCHREALTIME p
  for c in curl openssl setsid; do command -v "$c" >/dev/null || die "$c is required"; done
  if both_healthy; then log "already up (kafka pid $(pid_of kafka), registry pid $(pid_of registry))"; return 0; fi
  if pid_of kafka >/dev/null || pid_of registry >/dev/null; then log "half up or unhealthy: restarting both afresh"; fi
  stop_all
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT" "$REGISTRY_PORT" "$REGISTRY_MGMT_PORT"; do
    port_open "$p" && die "port $p on 127.0.0.1 is taken by a process secure.sh did not start; pick another ALERT_TRIAGE_SECURE_*_PORT"
  done
  resolve_registry_java
  fetch_artifacts
  mkdir -p "$KAFKA_RUN" "$REGISTRY_RUN"
  make_secrets
  log "registry: starting"; start_registry   # first: it takes longest, and runs while the broker formats
  log "kafka: formatting storage with the SCRAM users, starting"; start_kafka
  wait_healthy "$t0" fail_up kafka registry
  log "ready: kafka SASL_SSL 127.0.0.1:$KAFKA_PORT, registry $CCOMPAT_URL (basic auth); credentials: secure.sh env"
}

cmd_status() {
  local svc pid rc=0
  for svc in kafka registry; do
    if pid="$(pid_of "$svc")"; then
      if "${svc}_healthy"; then echo "$svc: up (pid $pid)"; else echo "$svc: running but not healthy (pid $pid)"; rc=1; fi
    else echo "$svc: down"; rc=1; fi
  done
  return $rc
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up | down)
      mkdir -p "$HOME_DIR"
      exec 9>"$HOME_DIR/.lock"
      flock -w 300 9 || die "another secure.sh up/down holds $HOME_DIR/.lock"
      if [[ "$cmd" == up ]]; then cmd_up; else stop_all; log "down: data, keys and credentials wiped (logs kept in $RUN_DIR)"; fi ;;
    status) cmd_status ;;
    env)
      if ! [[ -s "$ENV_FILE" ]] || ! pid_of kafka >/dev/null || ! pid_of registry >/dev/null; then die "not up (run: secure.sh up)"; fi
      cat "$ENV_FILE" ;;
    logs) tail -n 100 -F "$KAFKA_RUN/kafka.log" "$REGISTRY_RUN/registry.log" ;;
    *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; [[ -z "$cmd" || "$cmd" =~ ^(-h|--help|help)$ ]] || exit 2 ;;
  esac
}

main "$@"
