// The ranked triage table printed on a terminal (and by `npm run demo`): the top incidents with their
// models beneath when the run grouped alerts into incidents, else the top routed alerts.
import type { IncidentRecord } from '../core/incidents/types.ts';
import type { ScoredAlert } from '../core/processor.ts';
import { money } from '../core/score.ts';
import type { OfflineStats } from '../runtime/offline-pipeline.ts';
import { renderIncidentRows } from './incident-table.ts';

const TIERS = ['P1', 'P2', 'P3', 'P4'] as const;

/** The run in one sentence: alerts, incidents opened, pages, silenced, inhibited, repeats, late, rejected. */
export function runSummary(stats: OfflineStats): string {
  const head = `alert-triage: ${fmtInt(stats.scored)} alerts scored with ${stats.configVersion}`;
  const regressions = stats.regressions ? `${fmtInt(stats.regressions)} version regressions, ` : '';
  const tail = `${regressions}${fmtInt(stats.suppressed)} suppressed as repeats, ${fmtInt(stats.late)} late, ${fmtInt(stats.rejected)} rejected`;
  const i = stats.incidents;
  if (i === null) {
    const routed = TIERS.reduce((n, t) => n + stats.paged[t], 0);
    const tiers = TIERS.map((t) => `${t} ${fmtInt(stats.paged[t])}`).join(' · ');
    return `${head}: ${fmtInt(routed)} routed (${tiers}), ${tail}`;
  }
  const tiers = TIERS.filter((t) => stats.paged[t] > 0)
    .map((t) => `${t} ${fmtInt(stats.paged[t])}`)
    .join(' · ');
  return (
    `${head}: ${fmtInt(i.opened)} incidents opened, ${fmtInt(i.pages)} pages${tiers ? ` (${tiers})` : ''}, ` +
    `${fmtInt(i.silenced)} silenced, ${fmtInt(i.inhibited)} inhibited, ${tail}`
  );
}

/**
 * `top`: the top routed alerts (incidents off) or `incidents`: the top incidents. `shown`: how many alerts
 * the filters kept (the table ranks those, or their incidents), when filters were given.
 */
export function renderTriageTable(
  stats: OfflineStats,
  top: readonly ScoredAlert[],
  width = 120,
  shown?: { shown: number; filter: string },
  incidents?: readonly IncidentRecord[],
): string {
  const lines: string[] = [runSummary(stats)];
  if (stats.incidents !== null) {
    lines.push(`actions: ${fmtInt(stats.actions)} (once per incident and type, for the alerts that paged)`);
    if (shown)
      lines.push(
        `shown: ${fmtInt(shown.shown)} alerts match ${shown.filter}; the table ranks the incidents that match`,
      );
    lines.push('');
    for (const l of renderIncidentRows(incidents ?? [], width)) lines.push(l);
    return lines.join('\n');
  }
  lines.push(
    `routed by tier: ${TIERS.map((t) => `${t} ${fmtInt(stats.paged[t])}`).join('  ·  ')}   (actions: ${fmtInt(stats.actions)})`,
  );
  if (shown) lines.push(`shown: ${fmtInt(shown.shown)} of them match ${shown.filter}; the table ranks those`);
  lines.push('');
  if (top.length === 0) {
    lines.push('no alerts routed');
    return lines.join('\n');
  }
  const header = ['#', 'tier', 'prio', 'impact/h', 'when (UTC)', 'model', 'signal', 'det.sev', 'root cause'];
  const rows = top.map((a, i) => [
    String(i + 1),
    a.tier,
    a.priority.toFixed(1),
    money(a.expected_impact_per_hour),
    new Date(a.event_time).toISOString().slice(5, 16).replace('T', ' '),
    a.model_id,
    a.alert.signal,
    a.alert.severity,
    a.root_cause.label,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const right = new Set([0, 2, 3]);
  const fmtRow = (r: string[]) =>
    r
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  lines.push(fmtRow(header));
  lines.push(widths.map((w) => '─'.repeat(w)).join('  '));
  top.forEach((a, i) => {
    lines.push(fmtRow(rows[i]!));
    lines.push(`      why: ${truncate(keyReason(a), width - 11)}`);
  });
  return lines.join('\n');
}

/** The one sentence that best says why this alert ranks where it does. */
export function keyReason(a: ScoredAlert): string {
  const parts: string[] = [];
  const change = a.context.deploys[0];
  if (change) {
    const subject = change.via === 'model' ? a.model_id : `upstream ${change.service}`;
    parts.push(
      `${change.kind}${change.version ? ` ${change.version}` : ''} of ${subject} ${Math.round(change.minutes_before)} min before`,
    );
  }
  parts.push(`${money(a.expected_impact_per_hour)}/h expected impact`);
  parts.push(`likelihood ${a.components.likelihood.value.toFixed(2)}`);
  const adjusted = a.reasons.find((r) => r.includes('not below') || r.includes('held at'));
  if (adjusted) parts.push(adjusted);
  return parts.join('; ');
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(0, n - 1))}…`;
}

export function fmtInt(n: number): string {
  return money(n);
}
