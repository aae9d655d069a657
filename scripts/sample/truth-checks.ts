// What must hold between truth.ndjson and the rest of a generated world. Pure, so check-world.ts and the
// tests ask the same questions.
import type { TruthLine } from '../../src/sample/truth.ts';

export interface WorldFiles {
  /** alert_id, model_id and the event time in ms (`t`) of every alert, in file order */
  alerts: readonly { alert_id: string; model_id: string; t: number }[];
  deploys: readonly { event_id: string; kind: string; model_id?: string; service?: string; t: number }[];
  feedback: ReadonlyMap<string, { outcome: string; true_tier?: string }>;
  /** each catalogued model's upstream services */
  upstream: ReadonlyMap<string, readonly string[]>;
  truth: readonly TruthLine[];
}

const CHANGE_KINDS = new Set([
  'model_deploy',
  'code_deploy',
  'feature_flag',
  'config_change',
  'data_pipeline_change',
  'schema_change',
]);

/** The problems found (empty when the truth is consistent), at most `limit` of them. */
export function checkTruth(w: WorldFiles, limit = 30): string[] {
  const problems: string[] = [];
  const fail = (msg: string): void => {
    if (problems.length < limit) problems.push(msg);
  };
  if (w.truth.length !== w.alerts.length)
    fail(`truth has ${w.truth.length} lines for ${w.alerts.length} alerts`);
  const alertById = new Map(w.alerts.map((a) => [a.alert_id, a]));
  const deployById = new Map(w.deploys.map((d) => [d.event_id, d]));
  const seen = new Set<string>();
  w.truth.forEach((t, i) => {
    const a = w.alerts[i];
    if (a?.alert_id !== t.alert_id)
      fail(`truth line ${i + 1} is ${t.alert_id}, alert ${i + 1} is ${a?.alert_id}`);
    if (!alertById.has(t.alert_id)) fail(`truth names an alert that does not exist: ${t.alert_id}`);
    if (seen.has(t.alert_id)) fail(`truth repeats ${t.alert_id}`);
    seen.add(t.alert_id);
    const f = w.feedback.get(t.alert_id);
    if (f && (f.outcome !== t.outcome || f.true_tier !== t.true_tier))
      fail(`${t.alert_id}: truth says ${t.outcome}/${t.true_tier}, feedback ${f.outcome}/${f.true_tier}`);
    if (t.incident_id === null) {
      if (
        t.cause_event_id !== null ||
        t.cause_recorded !== null ||
        t.models_in_incident !== null ||
        t.multi_model
      )
        fail(`${t.alert_id}: noise with incident fields set`);
      if (t.outcome === 'actionable') fail(`${t.alert_id}: actionable but in no incident`);
    }
  });

  const incidents = new Map<string, TruthLine[]>();
  for (const t of w.truth)
    if (t.incident_id !== null) incidents.set(t.incident_id, [...(incidents.get(t.incident_id) ?? []), t]);
  for (const [id, members] of incidents) {
    const first = members[0] as TruthLine;
    const same = (k: keyof TruthLine): boolean => members.every((m) => m[k] === first[k]);
    if (
      !same('cause_event_id') ||
      !same('cause_recorded') ||
      !same('models_in_incident') ||
      !same('multi_model')
    )
      fail(`${id}: members disagree on the cause or the model count`);
    const models = new Set(members.map((m) => alertById.get(m.alert_id)?.model_id));
    if (first.models_in_incident !== models.size)
      fail(`${id}: models_in_incident ${first.models_in_incident}, its alerts name ${models.size}`);
    if (first.multi_model !== models.size > 1)
      fail(`${id}: multi_model ${first.multi_model} for ${models.size}`);
    if (!members.some((m) => m.outcome === 'actionable'))
      fail(`${id}: a real incident with no actionable alert`);
    const cause = first.cause_event_id;
    if (cause === null) {
      if (first.cause_recorded !== null) fail(`${id}: cause_recorded without a cause`);
      continue;
    }
    const d = deployById.get(cause);
    if (first.cause_recorded === false) {
      if (d) fail(`${id}: silent change ${cause} is in deploys.ndjson`);
      continue;
    }
    if (first.cause_recorded !== true)
      fail(`${id}: cause ${cause} with cause_recorded ${first.cause_recorded}`);
    if (!d) {
      fail(`${id}: cause ${cause} is not in deploys.ndjson`);
      continue;
    }
    if (!CHANGE_KINDS.has(d.kind)) fail(`${id}: cause ${cause} is a ${d.kind}`);
    const firstAlert = Math.min(
      ...members.map((m) => alertById.get(m.alert_id)?.t ?? Number.POSITIVE_INFINITY),
    );
    if (d.t > firstAlert) fail(`${id}: cause ${cause} comes after the incident's first alert`);
    // the change reaches every model of the incident: it is that model, or one of its upstream services
    for (const m of models) {
      const reaches =
        d.model_id === m ||
        d.service === m ||
        (d.service !== undefined && w.upstream.get(m ?? '')?.includes(d.service));
      if (!reaches) fail(`${id}: cause ${cause} (${d.model_id ?? d.service}) does not reach ${m}`);
    }
  }
  return problems;
}
