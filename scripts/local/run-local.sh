#!/usr/bin/env bash
# `npm run local`: the whole stream on one machine. Starts Kafka and the schema registry, creates the
# topics, runs the processor, replays the bundled sample week into Kafka, and prints each page as
# the processor publishes it. Ctrl-C stops the processor (the infrastructure stays up: npm run infra:down).
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${CONFIG:-examples/sample-week/catalog.yaml}
RATE=${RATE:-200}
mkdir -p .local
bash scripts/infra/infra.sh up
while IFS='=' read -r name value; do export "$name=$value"; done < <(bash scripts/infra/infra.sh env)
export HTTP_PORT=${HTTP_PORT:-9464}
node bin/alert-triage.js topics --config "$CONFIG"
node bin/alert-triage.js run --config "$CONFIG" > .local/processor.log 2>&1 &
processor=$!
trap 'kill -TERM $processor 2>/dev/null; wait $processor 2>/dev/null; echo "processor stopped (log: .local/processor.log)"' EXIT
echo "processor pid $processor — logs in .local/processor.log, metrics on http://127.0.0.1:$HTTP_PORT/metrics"
until curl -fs "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null; do
  kill -0 $processor 2>/dev/null || { echo "processor exited:"; tail -20 .local/processor.log; exit 1; }
  sleep 1
done
echo "ready; replaying examples/sample-week at $RATE alerts/s"
node scripts/local/replay-sample.ts --config "$CONFIG" --rate "$RATE" --feedback &
node scripts/local/watch-pages.ts --config "$CONFIG"
