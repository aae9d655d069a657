// Publishes what the live regression watch called (runtime/version-watch.ts): the version_regression
// incident on topics.incidents (the incident codec: Avro with output.format avro, else JSON; keyed by incident_id; only with the incident stage, which owns
// that topic — without it the incident record is logged, not written) and its action on topics.actions
// (the action codec, keyed by model_id). Outside the pipeline's transactions: the watch is fed what has
// committed, and both records are keyed by ids derived from the model and version, so a record written
// again after a restart replaces itself on the compacted incident topic and repeats its action_id.
import type { IncidentOutput } from '../core/incidents/types.ts';
import type { Codec, OutputRecord, PlainSink } from './ports.ts';
import { incidentRouteOf, type OutputTopics } from './routing.ts';

interface Log {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RegressionPublisherOptions {
  codec: Codec;
  sink: PlainSink;
  topics: OutputTopics;
  log: Log;
  /** Attempts per batch before it is given up (logged at error with what was lost). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class RegressionPublisher {
  private readonly o: RegressionPublisherOptions;
  private chain: Promise<void> = Promise.resolve();
  /** Records written, and batches given up. */
  written = 0;
  lost = 0;

  constructor(o: RegressionPublisherOptions) {
    this.o = o;
  }

  /** Queues the outputs; they are written in the order given. Never rejects. */
  publish(outputs: readonly IncidentOutput[]): Promise<void> {
    this.chain = this.chain.then(() => this.write(outputs));
    return this.chain;
  }

  /** Resolves when everything queued is written (or given up). */
  drain(): Promise<void> {
    return this.chain;
  }

  private async write(outputs: readonly IncidentOutput[]): Promise<void> {
    const kept = outputs.filter((o) => {
      if (o.kind !== 'incident' || this.o.topics.incidents !== undefined) return true;
      this.o.log.info(
        { incident: o.incident },
        `version regression: ${o.incident.title} (no incident topic without kafka.incident_stage: the action carries it)`,
      );
      return false;
    });
    if (kept.length === 0) return;
    const routes = kept.map((o) => incidentRouteOf(o, this.o.topics));
    const where = routes.map((r) => ({ topic: r.topic, key: r.key }));
    const attempts = this.o.attempts ?? 5;
    const sleep = this.o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let i = 1; ; i++) {
      try {
        const records: OutputRecord[] = [];
        for (const route of routes) {
          const value =
            'json' in route.value
              ? JSON.stringify(route.value.json)
              : await this.o.codec.encode(route.value.codec, route.topic, route.value.record);
          records.push({ topic: route.topic, key: route.key, headers: route.headers, value });
        }
        await this.o.sink.send(records);
        this.written += records.length;
        this.o.log.info({ records: where }, 'version regression published');
        return;
      } catch (err) {
        if (i >= attempts) {
          this.lost++;
          this.o.log.error(
            { err, records: where },
            `version regression not published after ${attempts} attempts (GET /v1/gate still answers it)`,
          );
          return;
        }
        await sleep(Math.min(30_000, 500 * 2 ** (i - 1)));
      }
    }
  }
}
