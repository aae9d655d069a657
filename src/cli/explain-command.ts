// `alert-triage explain [alert_id]`: one alert's score taken apart, or, without an id, the top alerts
// that match the filters (`explain --tier P1 --since 2026-11-19`), from a scored file or by scoring.
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { checkInputFile, InputFileError } from '../adapters/file/input-file.ts';
import { readNdjson } from '../adapters/file/ndjson-source.ts';
import type { Action } from '../core/actions.ts';
import type { ScoredAlert } from '../core/processor.ts';
import { runOffline } from '../runtime/offline-pipeline.ts';
import { renderExplanation } from './explain-view.ts';
import { alertFilter, type FilterOptions } from './filters.ts';
import {
  type CliIo,
  EXIT,
  filesOf,
  type InputOptions,
  reportOrder,
  silencesOf,
  sortOf,
} from './score-command.ts';
import { TopAlerts } from './top-alerts.ts';

export interface ExplainOptions extends Partial<InputOptions>, FilterOptions {
  scored?: string;
  json?: boolean;
  top: number;
}

/** Actions are kept for the alerts that can still be shown; past this many, the others are dropped. */
const MAX_TRACKED_ACTIONS = 10_000;

export async function explainCommand(
  alertId: string | undefined,
  opts: ExplainOptions,
  io: CliIo,
): Promise<number> {
  const filter = alertFilter(opts);
  const top = new TopAlerts(opts.top);
  let found: ScoredAlert | undefined;
  const actions = new Map<string, Action[]>();
  const offer = (a: ScoredAlert) => {
    if (alertId !== undefined) {
      if (a.alert_id === alertId) found = a;
    } else if (filter.matches(a)) top.offer(a);
  };
  if (opts.scored) {
    checkInputFile('--scored', opts.scored);
    for await (const line of readNdjson(opts.scored)) {
      if (alertId !== undefined && !line.text.includes(alertId)) continue;
      let a: ScoredAlert;
      try {
        a = JSON.parse(line.text) as ScoredAlert;
      } catch (e) {
        throw new InputFileError(
          `${opts.scored}:${line.line} is not a ScoredAlert line: ${(e as Error).message}`,
        );
      }
      offer(a);
    }
  } else if (opts.alerts) {
    const files = filesOf({ ...opts, alerts: opts.alerts, inputFormat: opts.inputFormat ?? 'alerttriage' });
    const config = loadConfigFile(opts.config);
    const silences = await silencesOf(opts, config);
    await runOffline(
      config,
      files,
      {
        started: (inputs) => reportOrder(inputs, io.stderr),
        scored: (a) => {
          offer(a);
          return undefined;
        },
        rejected: () => undefined,
        action: (a) => {
          if (
            alertId !== undefined
              ? a.alert_id !== alertId
              : !top.ranked.some((t) => t.alert_id === a.alert_id)
          )
            return undefined;
          const list = actions.get(a.alert_id) ?? [];
          list.push(a);
          actions.set(a.alert_id, list);
          if (actions.size > MAX_TRACKED_ACTIONS) pruneTo(actions, top.ranked);
          return undefined;
        },
      },
      { sort: sortOf({ sortMemory: opts.sortMemory ?? 128 }), silences },
    );
  } else {
    io.stderr.write(
      'explain needs --scored <file>, or --alerts <file> (with --deploys/--feedback/--config)\n',
    );
    return EXIT.failure;
  }
  const source = opts.scored ?? opts.alerts;
  if (alertId !== undefined) {
    if (!found) {
      io.stderr.write(`alert ${alertId} not found in ${source}\n`);
      return EXIT.failure;
    }
    if (!filter.matches(found)) {
      io.stderr.write(
        `alert ${alertId} (${found.tier}, ${found.model_id}) does not match ${filter.description}\n`,
      );
      return EXIT.failure;
    }
    io.stdout.write(
      opts.json
        ? `${JSON.stringify(found, null, 2)}\n`
        : `${renderExplanation(found, actions.get(alertId) ?? [])}\n`,
    );
    return EXIT.ok;
  }
  const chosen = top.ranked;
  if (chosen.length === 0) {
    io.stderr.write(`no routed alert in ${source}${filter.active ? ` matches ${filter.description}` : ''}\n`);
    return EXIT.failure;
  }
  io.stdout.write(
    opts.json
      ? `${JSON.stringify(chosen, null, 2)}\n`
      : `${chosen.map((a) => renderExplanation(a, actions.get(a.alert_id) ?? [])).join('\n\n')}\n`,
  );
  return EXIT.ok;
}

function pruneTo(actions: Map<string, Action[]>, keep: readonly ScoredAlert[]): void {
  const ids = new Set(keep.map((a) => a.alert_id));
  for (const id of actions.keys()) if (!ids.has(id)) actions.delete(id);
}
