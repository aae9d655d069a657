// `alert-triage notify`: delivers the tier topics' pages to PagerDuty, Opsgenie, Slack or a webhook
// (docs/NOTIFY.md). From Kafka (a consumer group on the tier topics) or, with --from-file, from an NDJSON
// file of page records; the same Notifier does the delivering.
import { loadConfigFile } from '../adapters/file/config-file.ts';
import { DeliveryLogFile } from '../adapters/file/delivery-log-file.ts';
import { readNdjson } from '../adapters/file/ndjson-source.ts';
import { Notifier } from '../runtime/notifier.ts';
import { livePorts, notifyObserver, summaryOf } from '../runtime/notify-observer.ts';
import { buildReceivers } from '../runtime/notify-receivers.ts';
import { createLogger, createNotifyMetrics } from '../telemetry.ts';
import { type CliIo, EXIT } from './score-command.ts';

export interface NotifyOptions {
  config?: string;
  fromFile?: string;
  deliveryLog?: string;
  /** Deliver drill records too (else drills.deliver of the config decides). */
  deliverDrills?: boolean;
}

export async function notifyCommand(opts: NotifyOptions, io: CliIo): Promise<number> {
  if (!opts.fromFile) {
    const { runNotifyService } = await import('../runtime/notify-service.ts');
    return runNotifyService({
      ...(opts.config ? { config: opts.config } : {}),
      env: process.env,
      ...(opts.deliverDrills ? { deliverDrills: true } : {}),
    });
  }
  const config = loadConfigFile(opts.config, process.env);
  const receivers = buildReceivers(config.notify, process.env, opts.config);
  const logger = createLogger({ level: config.log.level, destination: io.stderr });
  const metrics = createNotifyMetrics();
  const { observe, tally } = notifyObserver(logger, metrics);
  const opened = opts.deliveryLog ? await DeliveryLogFile.open(opts.deliveryLog) : undefined;
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  const onSignal = () => {
    notifier.stop();
    stop();
  };
  const notifier = new Notifier(
    config.notify,
    receivers,
    livePorts(opened ? (e) => opened.log.append(e) : async () => {}, metrics, stopping.signal),
    observe,
    { deliverDrills: opts.deliverDrills === true || config.drills.deliver },
  );
  if (opened) notifier.restore(opened.entries);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let interrupted = false;
  try {
    for await (const line of readNdjson(opts.fromFile)) {
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch (e) {
        observe({
          type: 'invalid',
          source: `${line.file}:${line.line}`,
          error: { code: 'MALFORMED_JSON', field: '', message: `not JSON: ${(e as Error).message}` },
        });
        tally.records++;
        continue;
      }
      tally.records++;
      if ((await notifier.deliver(value, `${line.file}:${line.line}`)) === 'stopped') {
        interrupted = true;
        break;
      }
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    stop();
    await opened?.log.close();
  }
  io.stdout.write(`${summaryOf(tally)}${interrupted ? ' (stopped before the end)' : ''}\n`);
  return tally.failed > 0 || tally.invalid > 0 || interrupted ? EXIT.rejected : EXIT.ok;
}
