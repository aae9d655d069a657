// Every record the incident stage writes, produced by the real core on examples/cascade-week, round-trips
// through its Avro schema (schemas/tier-record.avsc, schemas/incident-record.avsc) with avsc: no broker.
import { deepStrictEqual, ok } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import avro from 'avsc';
import { parse as parseYaml } from 'yaml';
import { avroValueOf } from '../../../src/adapters/registry/codec.ts';
import {
  incidentFromWire,
  incidentToWire,
  type TierRecord,
  tierRecordFromWire,
  tierRecordToWire,
} from '../../../src/adapters/registry/tier-wire.ts';
import { parseConfig } from '../../../src/config.ts';
import { drillIdOf, drillOfTierRecord, markDrillRecord } from '../../../src/core/drill.ts';
import type { ScoredAlert } from '../../../src/core/events.ts';
import type { IncidentRecord } from '../../../src/core/incidents/types.ts';
import { runOffline } from '../../../src/runtime/offline-pipeline.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const WEEK = join(ROOT, 'examples', 'cascade-week');
const schema = (file: string) =>
  avro.Type.forSchema(JSON.parse(readFileSync(join(ROOT, 'schemas', file), 'utf8')), { wrapUnions: 'auto' });

/** avsc decodes records as class instances: compare their plain JSON form. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

async function cascadeWeek() {
  const catalog = parseYaml(readFileSync(join(WEEK, 'catalog.yaml'), 'utf8')) as Record<string, unknown>;
  const config = parseConfig({ ...catalog, kafka: { incident_stage: true } });
  const tier: TierRecord[] = [];
  const incidents: IncidentRecord[] = [];
  const scored: ScoredAlert[] = [];
  await runOffline(
    config,
    {
      alerts: join(WEEK, 'alerts.ndjson'),
      deploys: join(WEEK, 'deploys.ndjson'),
      feedback: join(WEEK, 'feedback.ndjson'),
    },
    {
      scored: (a) => void scored.push(a),
      rejected: () => undefined,
      page: (p) => void tier.push(p),
      acknowledge: (a) => void tier.push(a),
      resolve: (r) => void tier.push(r),
      incident: (i) => void incidents.push(i),
    },
  );
  return { tier, incidents, scored };
}

describe('incident stage records against their Avro schemas (cascade week)', async () => {
  const { tier, incidents, scored } = await cascadeWeek();

  it('every page, acknowledge and resolve round-trips through tier-record.avsc', () => {
    const type = schema('tier-record.avsc');
    ok(tier.some((r) => r.action === 'trigger') && tier.some((r) => r.action === 'resolve'));
    for (const r of tier) {
      const wire = tierRecordToWire(r);
      ok(type.isValid(wire), `${r.page_id} does not fit tier-record.avsc`);
      deepStrictEqual(plain(tierRecordFromWire(type.fromBuffer(type.toBuffer(wire)))), r);
    }
  });

  it('every incident record round-trips through incident-record.avsc', () => {
    const type = schema('incident-record.avsc');
    ok(incidents.length > 0);
    for (const i of incidents) {
      const wire = incidentToWire(i);
      const paths: string[] = [];
      type.isValid(wire, { errorHook: (p) => paths.push(p.join('.')) });
      deepStrictEqual(paths, [], `${i.incident_id}: ${paths.join(', ')}`);
      deepStrictEqual(plain(incidentFromWire(type.fromBuffer(type.toBuffer(wire)))), i);
    }
  });

  it('every scored alert, with incident_id, page, silenced_by and its note, fits scored-alert.avsc as the codec writes it', () => {
    const type = schema('scored-alert.avsc');
    ok(scored.some((a) => a.incident_id !== undefined && a.incident !== undefined && a.page === true));
    for (const a of scored) {
      const value = avroValueOf(type, 'scored', a);
      const paths: string[] = [];
      type.isValid(value, { errorHook: (p) => paths.push(p.join('.')) });
      deepStrictEqual(paths, [], `${a.alert_id}: ${paths.join(', ')}`);
      const back = plain(type.fromBuffer(type.toBuffer(value)));
      deepStrictEqual(
        [back.incident_id, back.page, back.silenced_by, back.incident],
        [a.incident_id, a.page, a.silenced_by ?? null, a.incident],
      );
    }
  });

  it("a drill's marked page and resolve keep their drill id through tier-record.avsc", () => {
    const type = schema('tier-record.avsc');
    const drill = drillIdOf('bad-deploy', Date.UTC(2026, 11, 3, 9, 30), 7);
    const kinds = new Set<string>();
    for (const r of tier) {
      if (kinds.has(r.action)) continue;
      kinds.add(r.action);
      const marked = markDrillRecord(r, drill);
      const back = tierRecordFromWire(
        plain(type.fromBuffer(type.toBuffer(avroValueOf(type, 'page', marked)))),
      );
      deepStrictEqual(back, marked);
      ok(drillOfTierRecord(back) === drill);
    }
    deepStrictEqual([...kinds].sort(), ['resolve', 'trigger']);
  });

  it('the codec writes page and incident records through the same mappings', () => {
    const tierType = schema('tier-record.avsc');
    for (const r of tier) ok(tierType.isValid(avroValueOf(tierType, 'page', r)), r.page_id);
    const incType = schema('incident-record.avsc');
    for (const i of incidents) ok(incType.isValid(avroValueOf(incType, 'incident', i)), i.incident_id);
  });
});
