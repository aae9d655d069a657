// POST /v1/ingest/<format> behind the HTTP checks (adapters/http/server.ts: token, size, content type):
// the payload mapped by the core (core/inputs/ingest.ts), each valid alert encoded like the service's
// records (codec: JSON, or Avro through the registry with output.format avro) and produced to the alerts
// topic keyed by model_id; the answer comes once the broker has acknowledged them.
import type { AnomalyAlert } from '../core/events.ts';
import type { InputFormat } from '../core/inputs/index.ts';
import { ingestFormatOf, mapIngest } from '../core/inputs/ingest.ts';

export interface IngestPorts {
  codec: { encode(kind: 'alert', topic: string, record: object): Promise<Buffer> };
  producer: { send(topic: string, messages: { key: string; value: Buffer }[]): Promise<void> };
}

export interface IngestAnswer {
  status: number;
  body: Record<string, unknown>;
  /** For metrics and logs: how many alerts were produced and refused. */
  accepted: number;
  rejected: number;
}

export interface IngestLog {
  warn(obj: object, msg: string): void;
}

/** `ingest(formatName, payload)`: the answer to one request whose body parsed as JSON. */
export function createIngest(options: { topic: string; ports: IngestPorts; log: IngestLog }) {
  const { topic, ports, log } = options;
  return async (name: string, payload: unknown): Promise<IngestAnswer> => {
    const format = ingestFormatOf(name) as InputFormat;
    const m = mapIngest(format, payload);
    const rejects = m.rejected.map((r) => ({
      index: r.index,
      code: r.code,
      field: r.field,
      message: r.message,
    }));
    if (m.alerts.length === 0) {
      const first = rejects[0];
      return {
        status: 400,
        accepted: 0,
        rejected: rejects.length,
        body: {
          status: 'rejected',
          format: name,
          accepted: 0,
          rejected: rejects.length,
          code: first?.code ?? 'MISSING_FIELD',
          field: first?.field ?? '',
          message: first?.message ?? 'the payload carries no alert',
          alert_ids: [],
          rejects,
        },
      };
    }
    let messages: { key: string; value: Buffer }[];
    try {
      messages = await Promise.all(
        m.alerts.map(async (a: AnomalyAlert) => ({
          key: a.model_id,
          value: await ports.codec.encode('alert', topic, a),
        })),
      );
    } catch (err) {
      const e = err as { canRetry?: boolean; code?: string; message: string };
      log.warn({ err, format: name }, 'ingest: alerts not encodable');
      return unavailable(e.canRetry ? 503 : 500, e.code ?? 'ENCODE_FAILED', e.message, m.alerts.length);
    }
    try {
      await ports.producer.send(topic, messages);
    } catch (err) {
      const e = err as { message: string; name?: string };
      log.warn({ err, format: name, alerts: messages.length }, 'ingest: the broker did not acknowledge');
      return unavailable(503, 'BROKER_UNAVAILABLE', `${topic}: ${e.message}`, m.alerts.length);
    }
    const partial = rejects.length > 0;
    return {
      status: partial ? 207 : 202,
      accepted: m.alerts.length,
      rejected: rejects.length,
      body: {
        status: partial ? 'partial' : 'accepted',
        format: name,
        topic,
        accepted: m.alerts.length,
        rejected: rejects.length,
        alert_ids: m.alerts.map((a) => a.alert_id),
        ...(partial ? { rejects } : {}),
      },
    };
  };
}

function unavailable(status: number, code: string, message: string, alerts: number): IngestAnswer {
  return {
    status,
    accepted: 0,
    rejected: 0,
    body: {
      status: status === 503 ? 'unavailable' : 'error',
      code,
      message,
      // Nothing is known to be written: the client sends the same body again (alert_ids are stable).
      accepted: 0,
      not_acknowledged: alerts,
    },
  };
}
