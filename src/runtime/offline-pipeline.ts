// The offline pipeline: NDJSON files → event-time order → decode → merge by event time → step → sinks.
// The same step function as the Kafka service; only the sources and sinks differ. Each file is put in
// event-time order first (checked, and sorted when it is not), so an unsorted file gives the answers a
// sorted one gives; an alerts file in another tool's format is mapped payload by payload on the way.

import { tmpdir } from 'node:os';
import {
  DEFAULT_SORT_MEMORY_BYTES,
  type FileOrder,
  inEventTimeOrder,
  type OrderedRecords,
  type SortOptions,
} from '../adapters/file/event-time-order.ts';
import { readNdjsonBatches } from '../adapters/file/ndjson-source.ts';
import { readPayloadRecords } from '../adapters/file/payload-source.ts';
import type { SourceRecord } from '../adapters/file/source-record.ts';
import type { Config } from '../config.ts';
import type { Action } from '../core/actions.ts';
import type { InvalidRecord } from '../core/errors.ts';
import type { CoreInput, DeployEvent, Tier } from '../core/events.ts';
import { createIncidentState, createIncidentStep } from '../core/incidents/book.ts';
import type {
  AcknowledgeRecord,
  IncidentEvent,
  IncidentOutput,
  IncidentRecord,
  PageRecord,
  ResolveRecord,
} from '../core/incidents/types.ts';
import { guessFormat, type InputFormat } from '../core/inputs/index.ts';
import {
  type CoreEvent,
  createState,
  createStep,
  type Output,
  type ProcessorOptions,
  type ScoredAlert,
} from '../core/processor.ts';
import type { Silence } from '../core/silences.ts';
import { type Decoded, decodeJsonText, decodeValue, type InputKind } from './decode.ts';
import { regressionOutputs, regressionWatchOf } from './version-watch.ts';

export interface OfflineFiles {
  alerts: string;
  deploys?: string;
  feedback?: string;
  /** How the alerts file is written: AnomalyAlert records (`alerttriage`, the default) or another tool's payloads. */
  alertFormat?: InputFormat;
}

export interface Rejected {
  file: string;
  line: number;
  record_type: string;
  error: { code: string; message: string; issues: InvalidRecord['issues'] };
  raw: string;
  /** Which input it was read from. */
  input?: InputKind;
  /** Where in a native payload the rejected item was (`alerts[2]`). */
  item?: string;
}

/** How one input file was read: its record count, how many were out of event-time order, and how it was ordered. */
export interface InputOrder extends FileOrder {
  kind: InputKind;
}

export interface OfflineHandlers {
  scored(alert: ScoredAlert): Promise<void> | undefined;
  rejected(r: Rejected): Promise<void> | undefined;
  action?(a: Action): Promise<void> | undefined;
  /** A page on its tier topic (incidents on). */
  page?(p: PageRecord): Promise<void> | undefined;
  /** A resolve on the tier topic of the page it resolves (incidents on): not a page. */
  resolve?(r: ResolveRecord): Promise<void> | undefined;
  /** An acknowledge on the tier topic of the page it acknowledges (feedback with acked_at): not a page. */
  acknowledge?(r: AcknowledgeRecord): Promise<void> | undefined;
  /** An incident record, on every change of the incident (incidents on). */
  incident?(i: IncidentRecord): Promise<void> | undefined;
  event?(e: CoreEvent): void;
  /** Every valid deploy event, as the step is given it (the version ledger reads them). */
  deploy?(d: DeployEvent): void;
  incidentEvent?(e: IncidentEvent): void;
  /** Once every input is in event-time order, before the first record is processed. */
  started?(inputs: readonly InputOrder[]): void;
}

export interface IncidentStats {
  opened: number;
  /** Pages by tier are `paged`; this is their sum. */
  pages: number;
  /** Resolves on the tier topics (one per page of an incident that resolved); not in `pages` nor `paged`. */
  resolves: number;
  /** Acknowledges on the tier topics (one per page acknowledged by feedback); not pages. */
  acknowledges: number;
  silenced: number;
  inhibited: number;
}

export interface OfflineStats {
  read: Record<InputKind, number>;
  scored: number;
  /** Pages on each tier topic: with incidents on, their triggers (resolves are not pages), else every alert not suppressed. */
  paged: Record<Tier, number>;
  /** Null when the run had incidents off. */
  incidents: IncidentStats | null;
  suppressed: number;
  rejected: number;
  /** Alerts further behind the stream time than `windows.allowed_lateness` when they were processed. */
  late: number;
  actions: number;
  /** Versions the regression watch called regressed (null when it was off). */
  regressions: number | null;
  configVersion: string;
  inputs: InputOrder[];
}

export interface OfflineOptions extends ProcessorOptions {
  clock?: () => number;
  /** Silences in force besides the config's (a silence file): the incident stage matches them. */
  silences?: readonly Silence[];
  /** Bounds of the sort an unsorted file gets (default 128 MiB in memory, runs in the OS temp dir). */
  sort?: Partial<SortOptions>;
  /**
   * `watch` (default): the regression watch judges every model's current version each serving hour and
   * calls a regressed one once, as a version_regression incident and an action (core/versions/regression-watch.ts).
   */
  versions?: 'watch' | 'off';
}

interface Head {
  kind: InputKind;
  batches: AsyncIterator<SourceRecord[]>;
  /** The batch being read, and the index of its next record. */
  lines: SourceRecord[];
  at: number;
  next?: Decoded;
}

export async function runOffline(
  config: Config,
  files: OfflineFiles,
  handlers: OfflineHandlers,
  options: OfflineOptions = {},
): Promise<OfflineStats> {
  const clock = options.clock ?? Date.now;
  const sort: SortOptions = {
    memoryBytes: options.sort?.memoryBytes ?? DEFAULT_SORT_MEMORY_BYTES,
    tmpDir: options.sort?.tmpDir ?? tmpdir(),
  };
  // Without a feedback file no feedback can arrive: the step need not remember alerts for it.
  // Incidents run inline: stage 1 in the step, stage 2 here, its watermark the stream time after each alert.
  const incidents = options.incidents ?? 'inline';
  const step = createStep(config, {
    ...options,
    incidents,
    feedback: options.feedback ?? Boolean(files.feedback),
  });
  const state = createState(config);
  const incidentStep = incidents === 'inline' ? createIncidentStep(config) : undefined;
  const book = createIncidentState(config);
  for (const silence of options.silences ?? []) incidentStep?.(book, { kind: 'silence', silence });
  const watch = (options.versions ?? 'watch') === 'watch' ? regressionWatchOf(config) : undefined;
  const stats: OfflineStats = {
    read: { alert: 0, deploy: 0, feedback: 0 },
    scored: 0,
    paged: { P1: 0, P2: 0, P3: 0, P4: 0 },
    incidents: incidentStep
      ? { opened: 0, pages: 0, resolves: 0, acknowledges: 0, silenced: 0, inhibited: 0 }
      : null,
    suppressed: 0,
    rejected: 0,
    late: 0,
    actions: 0,
    regressions: watch ? 0 : null,
    configVersion: config.version,
    inputs: [],
  };

  // Deploys first on equal event times: a change at the alert's own millisecond is its context.
  const inputs: [InputKind, string][] = [];
  if (files.deploys) inputs.push(['deploy', files.deploys]);
  inputs.push(['alert', files.alerts]);
  if (files.feedback) inputs.push(['feedback', files.feedback]);
  const format = files.alertFormat ?? 'alerttriage';
  const reader = (kind: InputKind, file: string) =>
    kind === 'alert' && format !== 'alerttriage'
      ? () => readPayloadRecords(file, format)
      : () => readNdjsonBatches(file);
  const ordered: OrderedRecords[] = [];
  try {
    for (const [kind, file] of inputs) {
      const o = await inEventTimeOrder(file, reader(kind, file), sort);
      ordered.push(o);
      stats.inputs.push({ kind, ...o.order });
    }
    handlers.started?.(stats.inputs);
    const heads = ordered.map(
      (o, i): Head => ({
        kind: inputs[i]![0],
        batches: o.batches[Symbol.asyncIterator](),
        lines: [],
        at: 0,
      }),
    );
    await mergeAndStep(heads);
  } finally {
    await Promise.all(ordered.map((o) => o.close()));
  }
  return stats;

  async function mergeAndStep(heads: Head[]): Promise<void> {
    // The per-record path is synchronous: a promise is made and awaited only when a batch of lines runs
    // out or a sink asks to wait. Awaiting a plain value still costs a turn of the microtask queue, and
    // at a million records those turns were a good share of the run.

    /** Decodes the head's next valid record into `head.next` (undefined at the end of its file). */
    const advance = (head: Head): Promise<void> | undefined => {
      head.next = undefined;
      while (head.at < head.lines.length) {
        const line = head.lines[head.at++]!;
        stats.read[head.kind]++;
        let error: InvalidRecord | undefined;
        if (line.refused === undefined) {
          const decoded =
            line.value === undefined
              ? decodeJsonText(head.kind, line.text, 0)
              : decodeValue(head.kind, line.value, 0);
          if (decoded.ok) {
            head.next = decoded.value;
            return undefined;
          }
          error = decoded.error;
        }
        stats.rejected++;
        const wait = handlers.rejected(rejectionOf(head.kind, line, error));
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
    const emit = (outputs: (Output | IncidentOutput)[], from = 0): Promise<void> | undefined => {
      for (let i = from; i < outputs.length; i++) {
        const o = outputs[i]!;
        let wait: Promise<void> | undefined;
        if (o.kind === 'scored') {
          stats.scored++;
          if (o.alert.dedup.suppressed) stats.suppressed++;
          if (o.alert.late) stats.late++;
          wait = handlers.scored(o.alert);
        } else if (o.kind === 'tier') {
          stats.paged[o.tier]++;
        } else if (o.kind === 'page') {
          stats.paged[o.tier]++;
          stats.incidents!.pages++;
          wait = handlers.page?.(o.page);
        } else if (o.kind === 'resolve') {
          stats.incidents!.resolves++;
          wait = handlers.resolve?.(o.resolve);
        } else if (o.kind === 'acknowledge') {
          stats.incidents!.acknowledges++;
          wait = handlers.acknowledge?.(o.acknowledge);
        } else if (o.kind === 'incident') {
          wait = handlers.incident?.(o.incident);
        } else if (o.kind === 'action') {
          stats.actions++;
          wait = handlers.action?.(o.action);
        }
        if (wait) return wait.then(() => emit(outputs, i + 1));
      }
      return undefined;
    };

    const countIncidentEvents = (events: readonly IncidentEvent[]) => {
      const s = stats.incidents!;
      for (const e of events) {
        if (e.type === 'incident_opened') s.opened++;
        else if (e.type === 'member_silenced') s.silenced++;
        else if (e.type === 'member_inhibited') s.inhibited++;
        handlers.incidentEvent?.(e);
      }
    };

    /** Stage 2 of incidents on the step's outputs: members in, the final outputs out (dedup entries stay behind). */
    const throughIncidents = (outputs: Output[], input: CoreInput): (Output | IncidentOutput)[] => {
      if (!incidentStep) return outputs;
      const final: IncidentOutput[] = [];
      const run = (r: { outputs: IncidentOutput[]; events: IncidentEvent[] }) => {
        for (const o of r.outputs) final.push(o);
        countIncidentEvents(r.events);
      };
      for (const o of outputs)
        if (o.kind === 'member') run(incidentStep(book, { kind: 'member', member: o.member }));
      if (input.kind === 'feedback') run(incidentStep(book, { kind: 'feedback', feedback: input.feedback }));
      if (input.kind === 'alert') run(incidentStep(book, { kind: 'watermark', time: state.streamTime }));
      return final;
    };

    await Promise.all(heads.map(advance));
    for (;;) {
      let pick: Head | undefined;
      for (const h of heads) if (h.next && (!pick || h.next.eventTime < pick.next!.eventTime)) pick = h;
      if (!pick) break;
      const input = pick.next!.input;
      input.at = clock();
      if (input.kind === 'deploy') {
        handlers.deploy?.(input.deploy);
        watch?.deploy(input.deploy);
      }
      const result = step(state, input);
      if (handlers.event) for (const e of result.events) handlers.event(e);
      const called = watch ? regressionOutputs(watch, result.outputs) : [];
      for (const o of called) if (o.kind === 'incident') stats.regressions!++;
      const final = throughIncidents(result.outputs, input);
      const emitted = emit(called.length > 0 ? [...called, ...final] : final);
      if (emitted) await emitted;
      const read = advance(pick);
      if (read) await read;
    }
    // The end of the input: every member is taken, and every incident times out (the period is over).
    if (incidentStep) {
      const last = incidentStep(book, { kind: 'watermark', time: Number.POSITIVE_INFINITY });
      countIncidentEvents(last.events);
      const emitted = emit(last.outputs);
      if (emitted) await emitted;
    }
  }
}

/** A record that could not be decoded (or that its payload's mapper refused), as the rejects file holds it. */
function rejectionOf(kind: InputKind, line: SourceRecord, error: InvalidRecord | undefined): Rejected {
  const base = {
    file: line.file,
    line: line.line,
    raw: line.text,
    input: kind,
    ...(line.item ? { item: line.item } : {}),
  };
  const refused = line.refused;
  if (refused) {
    const issue = {
      code: refused.code as InvalidRecord['code'],
      field: refused.field,
      reason: refused.message,
    };
    return {
      ...base,
      record_type: refused.recordType,
      error: { code: refused.code, message: refused.message, issues: [issue] },
    };
  }
  const e = error!;
  // A mapped alert's fields are the contract's, not the payload's: say which item of the payload it was.
  // Another tool's payload read as our own record: say which --input-format it looks like.
  const message = line.item ? `${line.item}: ${e.message}` : `${e.message}${formatHint(kind, line, e)}`;
  return { ...base, record_type: e.recordType, error: { code: e.code, message, issues: e.issues } };
}

function formatHint(kind: InputKind, line: SourceRecord, e: InvalidRecord): string {
  if (kind !== 'alert' || line.value !== undefined || e.code !== 'MISSING_FIELD') return '';
  let format: string | undefined;
  try {
    format = guessFormat(JSON.parse(line.text));
  } catch {
    return '';
  }
  return format ? ` (it looks like ${format} input: try --input-format ${format})` : '';
}
