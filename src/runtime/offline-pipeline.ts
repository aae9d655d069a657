// The offline pipeline: NDJSON files → decode → merge by event time → step → sinks.
// The same step function as the Kafka service; only the sources and sinks differ.

import { readNdjson, type SourceLine } from '../adapters/file/ndjson-source.ts';
import type { Config } from '../config.ts';
import type { Action } from '../core/actions.ts';
import type { InvalidRecord } from '../core/errors.ts';
import type { Tier } from '../core/events.ts';
import {
  type CoreEvent,
  createState,
  createStep,
  type Output,
  type ProcessorOptions,
  type ScoredAlert,
} from '../core/processor.ts';
import { type Decoded, decodeJsonText, type InputKind } from './decode.ts';

export interface OfflineFiles {
  alerts: string;
  deploys?: string;
  feedback?: string;
}

export interface Rejected {
  file: string;
  line: number;
  record_type: string;
  error: { code: string; message: string; issues: InvalidRecord['issues'] };
  raw: string;
}

export interface OfflineHandlers {
  scored(alert: ScoredAlert): Promise<void> | undefined;
  rejected(r: Rejected): Promise<void> | undefined;
  action?(a: Action): Promise<void> | undefined;
  event?(e: CoreEvent): void;
}

export interface OfflineStats {
  read: Record<InputKind, number>;
  scored: number;
  paged: Record<Tier, number>;
  suppressed: number;
  rejected: number;
  actions: number;
  configVersion: string;
}

interface Head {
  kind: InputKind;
  lines: AsyncIterator<SourceLine>;
  next?: Decoded;
}

export async function runOffline(
  config: Config,
  files: OfflineFiles,
  handlers: OfflineHandlers,
  options: ProcessorOptions & { clock?: () => number } = {},
): Promise<OfflineStats> {
  const clock = options.clock ?? Date.now;
  const step = createStep(config, options);
  const state = createState(config);
  const stats: OfflineStats = {
    read: { alert: 0, deploy: 0, feedback: 0 },
    scored: 0,
    paged: { P1: 0, P2: 0, P3: 0, P4: 0 },
    suppressed: 0,
    rejected: 0,
    actions: 0,
    configVersion: config.version,
  };

  // Deploys first on equal event times: a change at the alert's own millisecond is its context.
  const heads: Head[] = [];
  if (files.deploys) heads.push({ kind: 'deploy', lines: readNdjson(files.deploys) });
  heads.push({ kind: 'alert', lines: readNdjson(files.alerts) });
  if (files.feedback) heads.push({ kind: 'feedback', lines: readNdjson(files.feedback) });

  const advance = async (head: Head): Promise<void> => {
    head.next = undefined;
    for (;;) {
      const r = await head.lines.next();
      if (r.done) return;
      stats.read[head.kind]++;
      const decoded = decodeJsonText(head.kind, r.value.text, 0);
      if (decoded.ok) {
        head.next = decoded.value;
        return;
      }
      stats.rejected++;
      const e = decoded.error;
      await handlers.rejected({
        file: r.value.file,
        line: r.value.line,
        record_type: e.recordType,
        error: { code: e.code, message: e.message, issues: e.issues },
        raw: r.value.text,
      });
    }
  };

  const emit = async (outputs: Output[]) => {
    for (const o of outputs) {
      if (o.kind === 'scored') {
        stats.scored++;
        if (o.alert.dedup.suppressed) stats.suppressed++;
        await handlers.scored(o.alert);
      } else if (o.kind === 'tier') {
        stats.paged[o.tier]++;
      } else if (o.kind === 'action') {
        stats.actions++;
        await handlers.action?.(o.action);
      }
    }
  };

  await Promise.all(heads.map(advance));
  for (;;) {
    let pick: Head | undefined;
    for (const h of heads) if (h.next && (!pick || h.next.eventTime < pick.next!.eventTime)) pick = h;
    if (!pick) break;
    const input = pick.next!.input;
    input.at = clock();
    const result = step(state, input);
    if (handlers.event) for (const e of result.events) handlers.event(e);
    await emit(result.outputs);
    await advance(pick);
  }
  return stats;
}
