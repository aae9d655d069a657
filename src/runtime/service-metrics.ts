// The service's observations, counted in the Prometheus metrics.
import { type Metrics, recordCoreEvents, recordOutputs, recordScored } from '../telemetry.ts';
import type { ServiceObserver } from './stream-service.ts';

export function metricsObserver(metrics: Metrics): ServiceObserver {
  return {
    consumed: (topic, count) => metrics.recordsConsumed.inc({ topic }, count),
    coreEvents: (events) => recordCoreEvents(metrics, events),
    outputs: (outputs) => {
      recordOutputs(metrics, outputs);
      for (const o of outputs) if (o.kind === 'scored') recordScored(metrics, o.alert);
    },
    deadLettered: (reason) => metrics.dlqRecords.inc({ reason }),
    transaction: (result) => metrics.transactions.inc({ result }),
    retry: (reason) => metrics.retries.inc({ reason }),
    chunkProcessed: (seconds, records) => {
      if (records > 0) metrics.processingLatency.observe(seconds / records);
    },
    rebalance: () => metrics.rebalances.inc(),
    watermarkTimeout: () => metrics.retries.inc({ reason: 'watermark_timeout' }),
    gauges: ({ windowEntries, dedupEntries, lag }) => {
      metrics.windowStoreEntries.set(windowEntries);
      metrics.dedupEntries.set(dedupEntries);
      for (const l of lag) metrics.consumerLag.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
    },
  };
}
