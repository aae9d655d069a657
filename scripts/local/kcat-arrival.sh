#!/usr/bin/env bash
# The arrival check of issue 10, with a non-kafkajs producer: a running, idle `alert-triage run` (default
# windows, topics of its own), then one input topic and, GAP seconds later, the other, each in one kcat burst
# (librdkafka partitioner, keyed by model_id / service); compares every alert with `alert-triage score`.
#   bash scripts/local/kcat-arrival.sh examples/cascade-week deploys-first 5     (or alerts-first: late side input)
#   GRACE=10s … sets kafka.side_input_grace; REPO=<checkout> runs another checkout. Needs kcat (apt-get install
#   kcat), python3 with PyYAML, a broker on 127.0.0.1:9092 and a registry (bash scripts/infra/infra.sh up).
set -euo pipefail
week=$(cd "$1" && pwd); order=$2; gap=$3
repo=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}; id=kc-$RANDOM$RANDOM; port=$((20000 + RANDOM % 10000))
work=$(mktemp -d); cd "$work"
node24=$repo/node_modules/.bin/node
python3 - "$week/catalog.yaml" "$id" "$port" > $id.yaml <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
i = sys.argv[2]
names = dict(alerts='anomalies', deployments='deployments', feedback='feedback', scored='scored', P1='p1', P2='p2', P3='p3', P4='p4', actions='actions', dlq='dlq', dedup_changelog='dedup')
doc['topics'] = {k: f'{i}.{v}' for k, v in names.items()}
doc['kafka'] = {'group_id': i, 'transactional_id_prefix': i, 'client_id': i}
import os
if os.environ.get('GRACE'): doc['kafka']['side_input_grace'] = os.environ['GRACE']
doc['http'] = {'port': int(sys.argv[3])}
print(yaml.safe_dump(doc))
PY
$node24 $repo/bin/alert-triage.js topics --config $id.yaml >/dev/null
$node24 $repo/bin/alert-triage.js run --config $id.yaml > $id.log 2>&1 & pid=$!
until curl -sf localhost:$port/readyz >/dev/null; do sleep 0.5; done
keyed() { python3 -c "import json,sys
for l in open(sys.argv[1]):
  l=l.strip()
  if l: print(json.loads(l).get('model_id') or json.loads(l).get('service') or '', l, sep='\t')" "$1"; }
keyed $week/deploys.ndjson > $id.deploys.kv; keyed $week/alerts.ndjson > $id.alerts.kv
if [ "$order" = deploys-first ]; then first=(deployments deploys); second=(anomalies alerts); else first=(anomalies alerts); second=(deployments deploys); fi
kcat -P -b 127.0.0.1:9092 -t $id.${first[0]} -l -K$'\t' $id.${first[1]}.kv
sleep $gap
kcat -P -b 127.0.0.1:9092 -t $id.${second[0]} -l -K$'\t' $id.${second[1]}.kv
n=$(wc -l < $week/alerts.ndjson)
for i in $(seq 1 240); do
  got=$(kcat -C -b 127.0.0.1:9092 -t $id.scored -o beginning -e -q -X isolation.level=read_committed 2>/dev/null | wc -l)
  [ "$got" -ge "$n" ] && break; sleep 1
done
kcat -C -b 127.0.0.1:9092 -t $id.scored -o beginning -e -q -X isolation.level=read_committed > $id.stream.ndjson
kill -TERM $pid; wait $pid || true
$node24 $repo/bin/alert-triage.js score --alerts $week/alerts.ndjson --deploys $week/deploys.ndjson --config $week/catalog.yaml --out $id.offline.ndjson 2>/dev/null
python3 - $id.stream.ndjson $id.offline.ndjson "$week $order gap=${gap}s" <<'PY'
import json, sys
v = lambda a: (a['priority'], a['tier'], a['reasons'], a['dedup']['suppressed'])
s = {}; dup = 0
for l in open(sys.argv[1]):
    a = json.loads(l); dup += a['alert_id'] in s; s[a['alert_id']] = v(a)
o = {json.loads(l)['alert_id']: v(json.loads(l)) for l in open(sys.argv[2])}
diff = sum(1 for k in o if s.get(k) != o[k])
print(f"{sys.argv[3]}: {len(s)} of {len(o)} alerts scored by the stream, {dup} twice, {diff} differ from score")
PY
