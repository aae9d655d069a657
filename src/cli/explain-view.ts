// `alert-triage explain`: one alert's score, taken apart for a human.
import type { Action } from '../core/actions.ts';
import type { ScoredAlert } from '../core/processor.ts';
import { DIMENSIONS, money } from '../core/score.ts';

const iso = (t: number | null) => (t === null ? '—' : new Date(t).toISOString().replace('.000Z', 'Z'));

export function renderExplanation(a: ScoredAlert, actions: readonly Action[] = []): string {
  const al = a.alert;
  const what = [al.signal, al.feature, al.metric].filter(Boolean).join(' · ');
  const out: string[] = [];
  out.push(`alert ${a.alert_id} — ${a.model_id} — ${what} — observed ${iso(a.event_time)}`);
  out.push(
    `${a.tier}  priority ${a.priority.toFixed(1)}/100  expected impact ${money(a.expected_impact_per_hour)}/h  owner ${a.owner}` +
      (a.tier_adjustment ? `  (${a.tier_adjustment})` : ''),
  );
  out.push(`SLA: ack by ${iso(a.sla.ack_by)}, resolve by ${iso(a.sla.resolve_by)}`);
  out.push('');
  out.push('dimension           value  weight  contribution');
  for (const d of DIMENSIONS) {
    const c = a.components[d];
    out.push(
      `${d.padEnd(18)} ${c.value.toFixed(2).padStart(6)} ${c.weight.toFixed(2).padStart(7)} ${c.contribution.toFixed(1).padStart(13)}`,
    );
  }
  const sum = DIMENSIONS.reduce((s, d) => s + a.components[d].contribution, 0);
  out.push(`${'weighted sum'.padEnd(18)} ${''.padStart(6)} ${''.padStart(7)} ${sum.toFixed(1).padStart(13)}`);
  out.push('');
  out.push('why:');
  for (const r of a.reasons) out.push(`  - ${r}`);
  out.push('');
  if (a.context.deploys.length > 0) {
    out.push('changes in the correlation window:');
    for (const c of a.context.deploys) {
      const subject = c.via === 'model' ? (c.model_id ?? c.service) : `upstream ${c.service}`;
      const v = c.version ? ` ${c.previous_version ? `${c.previous_version} → ` : ''}${c.version}` : '';
      out.push(
        `  - ${c.kind}${v} of ${subject}, ${c.minutes_before} min before (${c.event_id}${c.actor ? `, by ${c.actor}` : ''})`,
      );
    }
  } else {
    out.push('changes in the correlation window: none');
  }
  out.push(
    `versions: current ${a.context.current_version ?? 'unknown'}, previous ${a.context.previous_version ?? 'unknown'}`,
  );
  out.push(
    `root cause: ${a.root_cause.label} (confidence ${a.root_cause.confidence.toFixed(2)}, by ${a.root_cause.by})`,
  );
  out.push(
    `dedup: ${a.dedup.fingerprint}, occurrence ${a.dedup.occurrences}, ${a.dedup.suppressed ? 'suppressed (not paged again)' : 'routed'}`,
  );
  if (a.incident_id !== undefined) {
    const page = a.page ? 'paged' : a.silenced_by ? `silenced by ${a.silenced_by}` : 'not paged';
    out.push(`incident: ${a.incident_id} (${a.incident?.key ?? '—'}), ${page}`);
    for (const r of a.incident?.reasons ?? []) out.push(`  - ${r}`);
  }
  out.push(`escalation: ${a.escalation.length ? a.escalation.join(' → ') : '—'}`);
  out.push(`playbook: ${a.playbook ?? '—'}`);
  if (actions.length > 0) {
    out.push('actions:');
    for (const x of actions)
      out.push(`  - ${x.type}: ${x.operation} ${JSON.stringify(x.params)} — ${x.reason}`);
  }
  out.push(`config: ${a.config_version}`);
  return out.join('\n');
}
