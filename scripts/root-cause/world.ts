// A generated world as labelled root-cause examples: each alert's RootCauseInput, exactly as the
// processor builds it (the offline pipeline runs with a classifier that records its input and answers
// with the rules), paired with the confirmed `root_cause` of the alert's feedback, when it has one.
import { loadConfigFile } from '../../src/adapters/file/config-file.ts';
import { readNdjson } from '../../src/adapters/file/ndjson-source.ts';
import type { RootCauseLabel } from '../../src/core/events.ts';
import { parseFeedback } from '../../src/core/parse-record.ts';
import { classifyByRules, type RootCause, type RootCauseInput } from '../../src/core/root-cause.ts';
import { rootCauseLabelOf } from '../../src/core/root-cause-model.ts';
import { runOffline } from '../../src/runtime/offline-pipeline.ts';

export interface LabelledExample {
  alertId: string;
  input: RootCauseInput;
  label: RootCauseLabel;
  /** What the rules said when the pipeline ran. */
  rules: RootCause;
}

/** The labelled alerts of `dir` (alerts, deploys, catalog and feedback NDJSON), in event-time order. */
export async function labelledExamples(dir: string): Promise<LabelledExample[]> {
  const config = loadConfigFile(`${dir}/catalog.yaml`);
  const seen: { input: RootCauseInput; rules: RootCause }[] = [];
  // The feedback file is not given to the pipeline: labels must not leak into the inputs.
  await runOffline(
    config,
    { alerts: `${dir}/alerts.ndjson`, deploys: `${dir}/deploys.ndjson` },
    { scored: () => undefined, rejected: () => undefined },
    {
      clock: () => 0,
      classifyRootCause: (input) => {
        const rules = classifyByRules(input);
        seen.push({ input, rules });
        return rules;
      },
    },
  );
  const labels = new Map<string, RootCauseLabel>();
  for await (const line of readNdjson(`${dir}/feedback.ndjson`)) {
    const f = parseFeedback(JSON.parse(line.text));
    const label = f.ok ? rootCauseLabelOf(f.value.root_cause) : undefined;
    if (f.ok && label) labels.set(f.value.alert_id, label);
  }
  return seen.flatMap(({ input, rules }) => {
    const label = labels.get(input.alert.alert_id);
    return label ? [{ alertId: input.alert.alert_id, input, label, rules }] : [];
  });
}
