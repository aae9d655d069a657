// The offline pipeline: NDJSON files → decode → merge by event time → step → sinks.
// The same step function as the Kafka service; only the sources and sinks differ.

import { readNdjsonBatches, type SourceLine } from '../adapters/file/ndjson-source.ts';
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
  batches: AsyncIterator<SourceLine[]>;
  /** The batch being read, and the index of its next line. */
  lines: SourceLine[];
  at: number;
  next?: Decoded;
}

export async function runOffline(
  config: Config,
  files: OfflineFiles,
  handlers: OfflineHandlers,
  options: ProcessorOptions & { clock?: () => number } = {},
): Promise<OfflineStats> {
  const clock = options.clock ?? Date.now;
  // Without a feedback file no feedback can arrive: the step need not remember alerts for it.
  const step = createStep(config, { ...options, feedback: options.feedback ?? Boolean(files.feedback) });
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
  const open = (kind: InputKind, file: string): Head => ({
    kind,
    batches: readNdjsonBatches(file),
    lines: [],
    at: 0,
  });
  if (files.deploys) heads.push(open('deploy', files.deploys));
  heads.push(open('alert', files.alerts));
  if (files.feedback) heads.push(open('feedback', files.feedback));

  // The per-record path is synchronous: a promise is made and awaited only when a batch of lines runs
  // out or a sink asks to wait. Awaiting a plain value still costs a turn of the microtask queue, and
  // at a million records those turns were a good share of the run.

  /** Decodes the head's next valid record into `head.next` (undefined at the end of its file). */
  const advance = (head: Head): Promise<void> | undefined => {
    head.next = undefined;
    while (head.at < head.lines.length) {
      const line = head.lines[head.at++]!;
      stats.read[head.kind]++;
      const decoded = decodeJsonText(head.kind, line.text, 0);
      if (decoded.ok) {
        head.next = decoded.value;
        return undefined;
      }
      stats.rejected++;
      const e = decoded.error;
      const wait = handlers.rejected({
        file: line.file,
        line: line.line,
        record_type: e.recordType,
        error: { code: e.code, message: e.message, issues: e.issues },
        raw: line.text,
      });
      if (wait) return wait.then(() => advance(head));
    }
    return refill(head);
  };

  const refill = async (head: Head): Promise<void> => {
    const r = await head.batches.next();
    if (r.done) return;
    head.lines = r.value;
    head.at = 0;
    await advance(head);
  };

  /** Hands outputs from `from` on to the handlers, in order, waiting only where a handler asks to. */
  const emit = (outputs: Output[], from = 0): Promise<void> | undefined => {
    for (let i = from; i < outputs.length; i++) {
      const o = outputs[i]!;
      let wait: Promise<void> | undefined;
      if (o.kind === 'scored') {
        stats.scored++;
        if (o.alert.dedup.suppressed) stats.suppressed++;
        wait = handlers.scored(o.alert);
      } else if (o.kind === 'tier') {
        stats.paged[o.tier]++;
      } else if (o.kind === 'action') {
        stats.actions++;
        wait = handlers.action?.(o.action);
      }
      if (wait) return wait.then(() => emit(outputs, i + 1));
    }
    return undefined;
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
    const emitted = emit(result.outputs);
    if (emitted) await emitted;
    const read = advance(pick);
    if (read) await read;
  }
  return stats;
}
