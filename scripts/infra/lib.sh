# shellcheck shell=bash
# Sourced by infra.sh (the plain broker and registry) and secure.sh (the SASL_SSL / HTTPS pair): what
# both do the same way — java selection, AppCDS options, process bookkeeping, the single-node KRaft
# broker's common settings and logging, waiting for health.
# Expects from the script that sources it: POM, KAFKA_LIBS, USE_CDS, STOP_TIMEOUT, UP_TIMEOUT, die(),
# log(), and, for wait_healthy, <svc>_healthy and pid_of <svc>.

pom_prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$POM" | sed -n 1p; }

# ---------------------------------------------------------------- java
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

CDS_OPTS=()
# shellcheck disable=SC2034  # CDS_OPTS is read by the scripts that source this file
set_cds_opts() { # java jsa-prefix : sets CDS_OPTS for an AppCDS dynamic archive keyed by the exact JVM build
  CDS_OPTS=()
  [[ "$USE_CDS" == 1 ]] || return 0
  local java="$1" prefix="$2" props ver major jsa
  props="$("$java" -XshowSettings:properties -version 2>&1)"
  ver="$(sed -n 's/^ *java\.vm\.version = //p' <<<"$props" | sed -n 1p)"
  major="$(sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' <<<"$props" | sed -n 1p)"
  [[ -n "$ver" && -n "$major" ]] || return 0
  mkdir -p "$(dirname "$prefix")"
  jsa="$prefix-jdk-${ver//[^A-Za-z0-9._-]/_}.jsa"
  if ((major >= 19)); then CDS_OPTS=(-XX:+AutoCreateSharedArchive "-XX:SharedArchiveFile=$jsa")
  elif [[ -s "$jsa" ]]; then CDS_OPTS=("-XX:SharedArchiveFile=$jsa")
  else CDS_OPTS=("-XX:ArchiveClassesAtExit=$jsa")   # JDK 17: the archive is written when the JVM exits (at `down`)
  fi
}

# ---------------------------------------------------------------- processes
# Each JVM carries -D<marker>=<svc>, so a stale pid file can never make us signal an unrelated
# process that reused the pid.
marked_pid() { # pidfile marker svc : prints the pid if it is alive and carries -D<marker>=<svc>
  local f="$1" marker="$2" svc="$3" pid cmdline
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"-D$marker=$svc "* ]] || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

spawn() { # svc logfile cmd... : detached (own session), nohup; the child itself writes <logfile minus .log>.pid
  local svc="$1" logf="$2"; shift 2
  local pidf="${logf%.log}.pid" i
  rm -f "$pidf"
  : >"$logf"
  # 9>&- : do not let the daemon inherit the flock fd of `up`/`down`.
  # shellcheck disable=SC2016  # $$, $0 and $@ are the inner shell's
  setsid nohup sh -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" >>"$logf" 2>&1 </dev/null 9>&- &
  for i in $(seq 1 50); do [[ -s "$pidf" ]] && return 0; sleep 0.1; done
  die "$svc: process did not start (see $logf)"
}

terminate() { # pid... : SIGTERM all at once, wait up to STOP_TIMEOUT s, SIGKILL stragglers
  local pids=("$@") pid i alive
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < STOP_TIMEOUT * 10 && ${#pids[@]}; i++)); do
    alive=()
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    pids=("${alive[@]}")
    ((${#pids[@]})) && sleep 0.1
  done
  for pid in "${pids[@]}"; do
    log "pid $pid still alive after ${STOP_TIMEOUT}s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
}

wait_healthy() { # t0 on-failure svc... : poll <svc>_healthy until every service is; when a process dies or
  # UP_TIMEOUT s pass, call `on-failure <message> <svc...>`, which must not return
  local t0="$1" fail="$2"; shift 2
  local to_wait=("$@") pending svc deadline=$(($(date +%s) + UP_TIMEOUT))
  while ((${#to_wait[@]})); do
    pending=()
    for svc in "${to_wait[@]}"; do
      if "${svc}_healthy"; then
        log "$svc: up after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')s (pid $(pid_of "$svc" || echo '?'))"
      elif ! pid_of "$svc" >/dev/null; then
        "$fail" "process exited during startup" "$svc"
      else pending+=("$svc"); fi
    done
    ((${#pending[@]})) || break
    (($(date +%s) < deadline)) || "$fail" "not healthy after ${UP_TIMEOUT}s" "${pending[@]}"
    to_wait=("${pending[@]}")
    sleep 0.2
  done
}

# ---------------------------------------------------------------- the single-node KRaft broker
kafka_classpath() { # the broker's jars, explicit and sorted (stable across runs, as AppCDS requires)
  local cp="" j
  for j in "$KAFKA_LIBS"/*.jar; do cp="${cp:+$cp:}$j"; done
  echo "$cp"
}

single_node_properties() { # data-dir auto-create-topics : what every single-node test broker sets alike
  cat <<EOF
log.dirs=$1
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=$2
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=67108864
EOF
}

write_broker_log4j() { # file : the broker's log4j2 config (info to stdout, the chatty loggers at warn)
  cat >"$1" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="STDOUT" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="STDOUT"/></Root>
    <Logger name="kafka.request.logger" level="warn"/>
    <Logger name="state.change.logger" level="warn"/>
    <Logger name="org.apache.kafka.clients" level="warn"/>
    <Logger name="org.apache.kafka.common.config.AbstractConfig" level="warn"/>
  </Loggers>
</Configuration>
EOF
}
