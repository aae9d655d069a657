// The service's observations, counted in the Prometheus metrics.
import type { Config } from '../config.ts';
import { drillOfId } from '../core/drill.ts';
import {
  type Metrics,
  recordCoreEvents,
  recordDrill,
  recordFeedbackOutcome,
  recordIncidentEvents,
  recordOutputs,
  recordScored,
  recordSli,
} from '../telemetry.ts';
import type { ServiceObserver } from './stream-service.ts';

export function metricsObserver(metrics: Metrics, config: Config): ServiceObserver {
  return {
    consumed: (topic, count) => metrics.recordsConsumed.inc({ topic }, count),
    coreEvents: (events) => {
      recordCoreEvents(metrics, events);
      for (const e of events) {
        if (e.type !== 'feedback_applied') continue;
        // A drill's acknowledge is on-call rehearsing: its SLIs are the drill_* metrics, not the real ones.
        if (drillOfId(e.alert_id) !== null) continue;
        recordFeedbackOutcome(metrics, e.outcome, e.source);
        // SLIs measure the tier the alert was given against that tier's SLA.
        if (e.tier) {
          recordSli(metrics, {
            tier: e.tier,
            alertEventTime: e.alert_event_time,
            ...(e.acked_at !== null ? { ackedAt: e.acked_at } : {}),
            ...(e.resolved_at !== null ? { resolvedAt: e.resolved_at } : {}),
            slaAckMs: config.sla[e.tier].ack,
            slaResolveMs: config.sla[e.tier].resolve,
          });
        }
      }
    },
    outputs: (outputs) => {
      recordOutputs(metrics, outputs);
      for (const o of outputs) if (o.kind === 'scored') recordScored(metrics, o.alert);
    },
    deadLettered: (reason) => metrics.dlqRecords.inc({ reason }),
    drill: (d) => recordDrill(metrics, d),
    transaction: (result) => metrics.transactions.inc({ result }),
    retry: (reason) => metrics.retries.inc({ reason }),
    chunkProcessed: (seconds, records) => {
      if (records > 0) metrics.processingLatency.observe(seconds / records);
    },
    rebalance: () => metrics.rebalances.inc(),
    incidentEvents: (events) => recordIncidentEvents(metrics, events),
    incidentOutputs: (outputs) => {
      for (const o of outputs) {
        if (o.kind === 'scored') recordScored(metrics, o.alert);
        else if (o.kind === 'action') metrics.actions.inc({ type: o.action.type });
      }
    },
    incidentGauges: ({ open, pending }) => {
      metrics.incidentsOpen.set(open);
      metrics.incidentMembersWaiting.set(pending);
    },
    watermarkTimeout: () => metrics.retries.inc({ reason: 'watermark_timeout' }),
    gauges: ({ windowEntries, dedupEntries, rootCauseExamples, lag }) => {
      metrics.windowStoreEntries.set(windowEntries);
      metrics.rootCauseTrainingExamples.set(rootCauseExamples);
      metrics.dedupEntries.set(dedupEntries);
      for (const l of lag) metrics.consumerLag.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
    },
  };
}
