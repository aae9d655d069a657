#!/usr/bin/env bash
# Local integration-test infrastructure for alert-triage, without Docker:
#   * Apache Kafka broker, single node, KRaft combined mode (broker+controller)
#   * Apicurio Registry 3 (in-memory H2 storage), Confluent-compatible API at
#     http://127.0.0.1:${ALERT_TRIAGE_REGISTRY_PORT}/apis/ccompat/v7
# Both are fetched from Maven Central with Maven (versions pinned in ./pom.xml)
# into a cache outside git, and run as plain background JVMs.
#
# Usage: scripts/infra/infra.sh <command> [service...]     (service: kafka | registry; default both)
#   up [svc...]        fetch if missing, start, wait until healthy. Idempotent: already-healthy
#                      services are left alone (returns in well under a second).
#   down [svc...]      SIGTERM (SIGKILL after ${ALERT_TRIAGE_STOP_TIMEOUT}s), then wipe data dirs.
#   stop [svc...]      like down, but keep the data (fault tests: a broker restart keeps its log).
#   start [svc...]     like up, but on the data a `stop` left (a fresh one if there is none).
#   pause / resume [svc...]  SIGSTOP / SIGCONT: the service hangs (connections accepted, no answers),
#                      as an overloaded or partitioned one does. The registry keeps its in-memory
#                      schemas across a pause, which it would not across a stop.
#   status [svc...]    print state; exit 0 only if every named service is up and healthy.
#   fetch              only download/unpack the artifacts.
#   env                print KAFKA_BROKERS=... and SCHEMA_REGISTRY_URL=... lines (for `export $(...)`).
#   smoke              end-to-end check against the running infra (topic, produce/consume,
#                      transactional producer, ccompat schema POST). Uses a throwaway topic.
#   perf-classpath     print a java classpath holding the Kafka CLI/perf tools
#                      (org.apache.kafka.tools.ProducerPerformance / ConsumerPerformance, ...).
#   kafka-run CLASS [args...]   run a Kafka tool main class with that classpath, e.g.
#                      infra.sh kafka-run org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   logs [svc]         tail the service logs.
#
# Environment overrides (defaults in brackets):
#   ALERT_TRIAGE_INFRA_HOME            cache root for artifacts, data, logs [$HOME/.cache/alert-triage-infra]
#   ALERT_TRIAGE_KAFKA_PORT            broker PLAINTEXT listener on 127.0.0.1 [9092]
#   ALERT_TRIAGE_KAFKA_CONTROLLER_PORT KRaft controller listener on 127.0.0.1 [9093]
#   ALERT_TRIAGE_KAFKA_HEAP            broker -Xmx [1g]
#   ALERT_TRIAGE_KAFKA_AUTO_CREATE_TOPICS  auto.create.topics.enable [true]; Kafka's own default, so
#                                      producers/consumers of tests never race topic creation. Set
#                                      to false to prove that the app creates its topics itself.
#   ALERT_TRIAGE_KAFKA_CLUSTER_ID      KRaft cluster id, 22-char base64url UUID [6Sr1l63cT62sNQIU1QFbHA]
#   ALERT_TRIAGE_KAFKA_JAVA            java binary for Kafka (needs >= 17) [$JAVA_HOME/bin/java, else java]
#   ALERT_TRIAGE_KAFKA_JAVA_OPTS       extra JVM options for the broker []
#   ALERT_TRIAGE_REGISTRY_PORT         Apicurio HTTP port on 127.0.0.1 [8081]
#   ALERT_TRIAGE_REGISTRY_MGMT_PORT    Apicurio/Quarkus management (health/metrics) port on 127.0.0.1 [9081]
#   ALERT_TRIAGE_REGISTRY_HEAP         registry -Xmx [512m]
#   ALERT_TRIAGE_REGISTRY_JAVA         java binary for Apicurio 3.3 (needs >= 21) [first java >= 21
#                                      among $JAVA_HOME, `java`, /usr/lib/jvm/*]
#   ALERT_TRIAGE_REGISTRY_JAVA_OPTS    extra JVM options for the registry []
#   ALERT_TRIAGE_TOOLS_JAVA_OPTS       extra JVM options for `kafka-run` []
#   ALERT_TRIAGE_CDS                   1 = use AppCDS class-data archives (kept next to the artifacts) to cut
#                                      JVM start-up by ~1 s per service; 0 = off [1]
#   ALERT_TRIAGE_UP_TIMEOUT            seconds `up` waits for health [120]
#   ALERT_TRIAGE_STOP_TIMEOUT          seconds between SIGTERM and SIGKILL in `down` [20]
#   ALERT_TRIAGE_MAVEN_REPO            Maven local repository used for fetching [Maven's default, ~/.m2/repository]
#   MVN                                maven binary [mvn]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/pom.xml"
# shellcheck source=scripts/infra/lib.sh
source "$SCRIPT_DIR/lib.sh"

INFRA_HOME="${ALERT_TRIAGE_INFRA_HOME:-$HOME/.cache/alert-triage-infra}"
KAFKA_PORT="${ALERT_TRIAGE_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${ALERT_TRIAGE_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${ALERT_TRIAGE_KAFKA_HEAP:-1g}"
KAFKA_AUTO_CREATE="${ALERT_TRIAGE_KAFKA_AUTO_CREATE_TOPICS:-true}"
KAFKA_CLUSTER_ID="${ALERT_TRIAGE_KAFKA_CLUSTER_ID:-6Sr1l63cT62sNQIU1QFbHA}"
REGISTRY_PORT="${ALERT_TRIAGE_REGISTRY_PORT:-8081}"
REGISTRY_MGMT_PORT="${ALERT_TRIAGE_REGISTRY_MGMT_PORT:-9081}"
REGISTRY_HEAP="${ALERT_TRIAGE_REGISTRY_HEAP:-512m}"
UP_TIMEOUT="${ALERT_TRIAGE_UP_TIMEOUT:-120}"
USE_CDS="${ALERT_TRIAGE_CDS:-1}"
STOP_TIMEOUT="${ALERT_TRIAGE_STOP_TIMEOUT:-20}"
MVN="${MVN:-mvn}"
KEEP_DATA=0

KAFKA_VERSION="$(pom_prop kafka.version)"
APICURIO_VERSION="$(pom_prop apicurio.version)"

ART_DIR="$INFRA_HOME/artifacts"
KAFKA_LIBS="$ART_DIR/kafka-$KAFKA_VERSION/libs"
APICURIO_DIR="$ART_DIR/apicurio-registry-$APICURIO_VERSION"
RUN_DIR="$INFRA_HOME/run"
KAFKA_RUN="$RUN_DIR/kafka"
REGISTRY_RUN="$RUN_DIR/registry"
CONF_DIR="$INFRA_HOME/conf"

REGISTRY_BASE="http://127.0.0.1:$REGISTRY_PORT"
CCOMPAT_URL="$REGISTRY_BASE/apis/ccompat/v7"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- fetching
mvn_fetch() { # goal, extra -D...
  command -v "$MVN" >/dev/null || die "maven ('$MVN') not found; it is needed once to fetch the artifacts"
  local repo=()
  [[ -n "${ALERT_TRIAGE_MAVEN_REPO:-}" ]] && repo=("-Dmaven.repo.local=$ALERT_TRIAGE_MAVEN_REPO")
  mkdir -p "$INFRA_HOME"
  local mlog="$INFRA_HOME/maven-fetch.log"
  "$MVN" -B -Dstyle.color=never -f "$POM" "${repo[@]}" "$@" >"$mlog" 2>&1 \
    || { tail -n 40 "$mlog" >&2; die "maven fetch failed: $MVN -f $POM $* (full log: $mlog)"; }
}

fetch_kafka() {
  [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
  log "fetching Kafka $KAFKA_VERSION jars with Maven -> $KAFKA_LIBS"
  local tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  mvn_fetch dependency:copy-dependencies "-Dinfra.kafka.libs=$tmp"
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar "$tmp"/kafka-tools-"$KAFKA_VERSION".jar >/dev/null \
    || die "Kafka jars missing after fetch in $tmp"
  rm -rf "$KAFKA_LIBS"; mv "$tmp" "$KAFKA_LIBS"; touch "$KAFKA_LIBS/.complete"
}

fetch_registry() {
  [[ -f "$APICURIO_DIR/.complete" ]] && return 0
  log "fetching Apicurio Registry $APICURIO_VERSION (quarkus-app, ~160 MB) with Maven -> $APICURIO_DIR"
  local tmp="$APICURIO_DIR.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  mvn_fetch dependency:unpack "-Dinfra.apicurio.dir=$tmp/app" "-Dinfra.markers.dir=$tmp/markers"
  [[ -f "$tmp/app/quarkus-run.jar" ]] || die "quarkus-run.jar missing after unpack in $tmp/app"
  rm -rf "$APICURIO_DIR"; mv "$tmp/app" "$APICURIO_DIR"; rm -rf "$tmp"; touch "$APICURIO_DIR/.complete"
}

write_tools_log4j() { # log4j2.xml on the tools classpath: warnings only, to stderr
  mkdir -p "$CONF_DIR/tools"
  cat >"$CONF_DIR/tools/log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="STDERR" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers><Root level="warn"><AppenderRef ref="STDERR"/></Root></Loggers>
</Configuration>
EOF
}

tools_classpath() {
  fetch_kafka
  [[ -f "$CONF_DIR/tools/log4j2.xml" ]] || write_tools_log4j
  local cp="$CONF_DIR/tools" j
  for j in "$KAFKA_LIBS"/*.jar; do cp="$cp:$j"; done
  echo "$cp"
}

# ---------------------------------------------------------------- process helpers
pid_of() { # prints pid if the service's process is alive
  case "$1" in
    kafka) marked_pid "$KAFKA_RUN/kafka.pid" alert.triage.infra kafka ;;
    registry) marked_pid "$REGISTRY_RUN/registry.pid" alert.triage.infra registry ;;
  esac
}

kafka_healthy() {
  # A real Kafka round trip: ApiVersions v0 request (correlation id 1, client id "probe"),
  # expect correlation id 1 and error code 0 back.
  local out
  out="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x01\x00\x05probe" >&3
    head -c 10 <&3 | od -An -tx1' _ "$KAFKA_PORT" 2>/dev/null | tr -d ' \n')" || return 1
  [[ "${out:8:12}" == "000000010000" ]] || return 1
  # ...and the broker has finished starting (it is unfenced by then, so topics can be created).
  grep -qF "Kafka Server started" "$KAFKA_RUN/kafka.log" 2>/dev/null
}

registry_healthy() {
  [[ "$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$CCOMPAT_URL/subjects" 2>/dev/null)" == 200 ]]
}

healthy() { "${1}_healthy"; }
log_file() { case "$1" in kafka) echo "$KAFKA_RUN/kafka.log" ;; registry) echo "$REGISTRY_RUN/registry.log" ;; esac; }
svc_port() { case "$1" in kafka) echo "$KAFKA_PORT" ;; registry) echo "$REGISTRY_PORT" ;; esac; }

# ---------------------------------------------------------------- kafka
start_kafka() {
  local java; java="$(kafka_java)"
  cat >"$KAFKA_RUN/server.properties" <<EOF
# generated by scripts/infra/infra.sh -- single-node KRaft (combined broker+controller), tests only
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
$(single_node_properties "$KAFKA_RUN/data" "$KAFKA_AUTO_CREATE")
EOF
  write_broker_log4j "$KAFKA_RUN/log4j2.xml"
  local cp; cp="$(kafka_classpath)"
  # KRaft storage: `kafka.tools.StorageTool format` runs once per Kafka version + cluster id into a
  # pristine template (it holds only meta.properties + bootstrap.checkpoint, no paths or ports); each
  # `up` copies the template into the empty data dir, which saves a JVM launch.
  local tmpl="$ART_DIR/kafka-$KAFKA_VERSION/formatted-$KAFKA_CLUSTER_ID"
  if [[ ! -f "$tmpl/meta.properties" ]]; then
    rm -rf "$tmpl.tmp"; mkdir -p "$tmpl.tmp"
    sed "s:^log.dirs=.*:log.dirs=$tmpl.tmp:" "$KAFKA_RUN/server.properties" >"$KAFKA_RUN/format.properties"
    "$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$KAFKA_RUN/log4j2.xml" \
      -cp "$cp" kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$KAFKA_RUN/format.properties" \
      >"$KAFKA_RUN/format.log" 2>&1 \
      || { tail -n 30 "$KAFKA_RUN/format.log" >&2; die "kafka: StorageTool format failed (log: $KAFKA_RUN/format.log)"; }
    rm -rf "$tmpl"; mv "$tmpl.tmp" "$tmpl"
  fi
  if [[ "$KEEP_DATA" == 1 && -f "$KAFKA_RUN/data/meta.properties" ]]; then log "kafka: keeping the data in $KAFKA_RUN/data"
  else rm -rf "$KAFKA_RUN/data"; cp -a "$tmpl" "$KAFKA_RUN/data"; fi
  set_cds_opts "$java" "$ART_DIR/kafka-$KAFKA_VERSION/broker"
  # JVM flags as in Kafka's kafka-server-start.sh / kafka-run-class.sh (G1, short pauses), smaller heap.
  # shellcheck disable=SC2086
  spawn kafka "$KAFKA_RUN/kafka.log" "$java" -Dalert.triage.infra=kafka \
    -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_RUN/log4j2.xml" -Dkafka.logs.dir="$KAFKA_RUN" \
    "${CDS_OPTS[@]}" \
    ${ALERT_TRIAGE_KAFKA_JAVA_OPTS:-} -cp "$cp" kafka.Kafka "$KAFKA_RUN/server.properties"
}

# ---------------------------------------------------------------- registry
start_registry() {
  resolve_registry_java
  local java="$REGISTRY_JAVA"
  mkdir -p "$REGISTRY_RUN/tmp"
  set_cds_opts "$java" "$APICURIO_DIR-registry"
  # In-memory H2 storage (the default); everything bound to 127.0.0.1. Deletion is enabled so tests can
  # DELETE subjects/versions through ccompat. C1-only JIT + Serial GC: faster start, small footprint.
  # shellcheck disable=SC2086
  spawn registry "$REGISTRY_RUN/registry.log" "$java" -Dalert.triage.infra=registry \
    -Xms64m "-Xmx$REGISTRY_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Djava.io.tmpdir="$REGISTRY_RUN/tmp" \
    -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 "-Dquarkus.management.port=$REGISTRY_MGMT_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.storage.snapshot.location="$REGISTRY_RUN/tmp" \
    -Dapicurio.rest.deletion.group.enabled=true -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    "${CDS_OPTS[@]}" \
    ${ALERT_TRIAGE_REGISTRY_JAVA_OPTS:-} -jar "$APICURIO_DIR/quarkus-run.jar"
}

# ---------------------------------------------------------------- commands
stop_svcs() { # svc... : SIGTERM all at once, wait, SIGKILL stragglers, then wipe their data dirs (unless KEEP_DATA=1)
  local svc pid pids=()
  for svc in "$@"; do
    if pid="$(pid_of "$svc")"; then log "$svc: stopping pid $pid"; pids+=("$pid"); fi
  done
  terminate "${pids[@]}"
  for svc in "$@"; do
    if [[ "$KEEP_DATA" == 1 ]]; then
      case "$svc" in kafka) rm -f "$KAFKA_RUN/kafka.pid" ;; registry) rm -f "$REGISTRY_RUN/registry.pid" ;; esac
      continue
    fi
    case "$svc" in
      kafka) rm -rf "$KAFKA_RUN/data" "$KAFKA_RUN/kafka.pid" ;;
      registry) rm -rf "$REGISTRY_RUN/tmp" "$REGISTRY_RUN/registry.pid" ;;
    esac
  done
}

fail_svc() { # message svc... : print each log tail, stop the half-started processes, exit 1
  local msg="$1" svc logf; shift
  for svc in "$@"; do
    logf="$(log_file "$svc")"
    printf '[infra] ERROR: %s: %s\n[infra] ---- last 40 lines of %s ----\n' "$svc" "$msg" "$logf" >&2
    tail -n 40 "$logf" >&2 2>/dev/null || true
    printf '[infra] ----\n' >&2
  done
  stop_svcs "$@"
  exit 1
}

cmd_up() {
  local svcs=("$@") svc t0 pid to_wait=()
  t0=$EPOCHREALTIME
  command -v curl >/dev/null || die "curl is required (registry health check)"
  mkdir -p "$KAFKA_RUN" "$REGISTRY_RUN"
  for svc in "${svcs[@]}"; do
    if pid="$(pid_of "$svc")"; then
      if healthy "$svc"; then log "$svc: already up (pid $pid)"; else log "$svc: pid $pid is starting, waiting"; to_wait+=("$svc"); fi
      continue
    fi
    if port_open "$(svc_port "$svc")"; then
      die "$svc: port $(svc_port "$svc") on 127.0.0.1 is taken by a process infra.sh did not start (and no pid file under $INFRA_HOME/run). Stop it or pick another ALERT_TRIAGE_*_PORT."
    fi
    [[ "$svc" != registry ]] || resolve_registry_java   # fail fast, before any download
    "fetch_$svc"
    # a crashed previous run may have left data behind: start from a clean slate (but `start` keeps it)
    if [[ "$KEEP_DATA" != 1 ]]; then
      case "$svc" in kafka) rm -rf "$KAFKA_RUN/data" ;; registry) rm -rf "$REGISTRY_RUN/tmp" ;; esac
    fi
    log "$svc: starting"
    "start_$svc"
    to_wait+=("$svc")
  done
  wait_healthy "$t0" fail_svc "${to_wait[@]}"
  log "ready: kafka 127.0.0.1:$KAFKA_PORT, registry $CCOMPAT_URL"
}

cmd_down() {
  stop_svcs "$@"
  log "down: $* (data wiped; artifacts kept in $ART_DIR)"
}

cmd_stop() {
  stop_svcs "$@"
  log "stopped: $* (data kept; \`start\` resumes on it, \`down\` wipes it)"
}

cmd_start() { cmd_up "$@"; }

cmd_signal() { # SIG verb svc...
  local sig="$1" verb="$2" svc pid; shift 2
  for svc in "$@"; do
    pid="$(pid_of "$svc")" || die "$svc: not running"
    kill "-$sig" "$pid"
    log "$svc: $verb (pid $pid)"
  done
}

cmd_status() {
  local svc pid rc=0
  for svc in "$@"; do
    if pid="$(pid_of "$svc")"; then
      if healthy "$svc"; then echo "$svc: up (pid $pid, 127.0.0.1:$(svc_port "$svc"))"
      else echo "$svc: running but not healthy (pid $pid; starting or broken, see $(log_file "$svc"))"; rc=1; fi
    else
      echo "$svc: down"; rc=1
    fi
  done
  return $rc
}

cmd_env() {
  echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  echo "SCHEMA_REGISTRY_URL=$CCOMPAT_URL"
}

cmd_kafka_run() {
  (($#)) || die "usage: infra.sh kafka-run <main class> [args...]"
  local cls="$1"; shift
  local cp; cp="$(tools_classpath)"
  # shellcheck disable=SC2086
  exec "$(kafka_java)" -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 ${ALERT_TRIAGE_TOOLS_JAVA_OPTS:-} -cp "$cp" "$cls" "$@"
}

cmd_smoke() {
  cmd_status kafka registry >/dev/null || die "infra is not up (run: infra.sh up)"
  local java cp bs="127.0.0.1:$KAFKA_PORT" topic="infra-smoke-$$-$RANDOM" out
  java="$(kafka_java)"; cp="$(tools_classpath)"
  local J=("$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$cp")
  log "smoke: create topic $topic"
  "${J[@]}" org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" --create --topic "$topic" --partitions 1 --replication-factor 1
  log "smoke: produce 1 message (ConsoleProducer, acks=all)"
  echo "hello-$topic" | "${J[@]}" org.apache.kafka.tools.ConsoleProducer --bootstrap-server "$bs" --topic "$topic" --command-property acks=all
  log "smoke: consume it back (ConsoleConsumer)"
  out="$("${J[@]}" org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$bs" --topic "$topic" \
    --from-beginning --max-messages 1 --timeout-ms 20000 --group "$topic-g")"
  [[ "$out" == "hello-$topic" ]] || die "smoke: consumed '$out', expected 'hello-$topic'"
  log "smoke: transactional producer (ProducerPerformance, 2000 records, tx every 200 ms)"
  "${J[@]}" org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records 2000 --record-size 100 \
    --throughput -1 --bootstrap-server "$bs" --command-property acks=all \
    --transactional-id "$topic-tx" --transaction-duration-ms 200
  log "smoke: read_committed consumer sees the committed records"
  out="$("${J[@]}" org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$bs" --topic "$topic" \
    --from-beginning --max-messages 2001 --timeout-ms 20000 --isolation-level read_committed | wc -l)"
  [[ "$out" -eq 2001 ]] || die "smoke: read_committed consumer got $out records, expected 2001"
  "${J[@]}" org.apache.kafka.tools.TopicCommand --bootstrap-server "$bs" --delete --topic "$topic"
  log "smoke: ccompat POST schema"
  out="$(curl -sf -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data '{"schema":"{\"type\":\"string\"}"}' "$CCOMPAT_URL/subjects/$topic-value/versions")" \
    || die "smoke: POST $CCOMPAT_URL/subjects/$topic-value/versions failed"
  [[ "$out" =~ \"id\":[0-9]+ ]] || die "smoke: unexpected ccompat answer: $out"
  log "smoke: ccompat answered $out"
  curl -sf -X DELETE "$CCOMPAT_URL/subjects/$topic-value" >/dev/null || die "smoke: ccompat DELETE subject failed"
  log "smoke: OK"
}

main() {
  local cmd="${1:-}"; shift || true
  local svcs=("$@")
  ((${#svcs[@]})) || svcs=(kafka registry)
  if [[ "$cmd" =~ ^(up|down|stop|start|pause|resume|status|logs)$ ]]; then
    local s; for s in "${svcs[@]}"; do [[ "$s" =~ ^(kafka|registry)$ ]] || die "unknown service '$s' (kafka|registry)"; done
  fi
  case "$cmd" in
    up | down | stop | start)
      mkdir -p "$INFRA_HOME"
      exec 9>"$INFRA_HOME/.lock"
      flock -w 300 9 || die "another infra.sh up/down holds $INFRA_HOME/.lock"
      [[ "$cmd" =~ ^(stop|start)$ ]] && KEEP_DATA=1
      "cmd_$cmd" "${svcs[@]}" ;;
    pause) cmd_signal STOP paused "${svcs[@]}" ;;
    resume) cmd_signal CONT resumed "${svcs[@]}" ;;
    status) cmd_status "${svcs[@]}" ;;
    fetch) fetch_kafka; fetch_registry; write_tools_log4j; log "artifacts in $ART_DIR" ;;
    env) cmd_env ;;
    smoke) cmd_smoke ;;
    perf-classpath) tools_classpath ;;
    kafka-run) cmd_kafka_run "$@" ;;
    logs) local f=(); for s in "${svcs[@]}"; do f+=("$(log_file "$s")"); done; tail -n 100 -F "${f[@]}" ;;
    *) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; [[ -z "$cmd" || "$cmd" =~ ^(-h|--help|help)$ ]] || exit 2 ;;
  esac
}

main "$@"
