// What kind of platform a generated world simulates: its catalog and how often each scenario happens.
// `sample` is the 17-model platform of examples/sample-week and other-week; its numbers must not change,
// or those weeks stop being reproducible. `cascades` is a 60-model platform whose shared pipelines and
// platform services break several models at once (examples/cascade-week).
import { PLATFORM_CATALOG } from './platform-catalog.ts';
import { type Catalog, SAMPLE_CATALOG } from './world-catalog.ts';

export interface WorldProfile {
  readonly name: string;
  readonly catalog: Catalog;
  /** episodes per 7 days at scale 1 */
  readonly perWeek: {
    readonly quietCredit: number;
    readonly quietTriage: number;
    readonly badDeploy: number;
    /** a change on a shared pipeline that breaks every model it feeds */
    readonly pipelineChange: number;
    readonly schemaChange: number;
    readonly infraBurst: number;
    readonly flapping: number;
    /** an upstream change that breaks 2-8 of the models it feeds (cascades.ts) */
    readonly cascade: number;
    /** an upstream change that breaks just one of them */
    readonly upstreamBreak: number;
    /** a version raising a trickle of low-severity alerts for days (versions.ts) */
    readonly slowRegression?: number;
    /** a version serving days and changing nothing (versions.ts) */
    readonly goodVersion?: number;
  };
  readonly perHour: { readonly background: number; readonly noisyMonitor: number; readonly routine: number };
  /** share of background alerts that are a minor real incident */
  readonly backgroundRealShare: number;
  /** share of upstream changes in cascades.ts that nobody recorded */
  readonly silentShare: number;
  readonly pipelineServices: readonly string[];
  readonly schemaServices: readonly string[];
  /** Write versions.ndjson, what each planted version was (the `versions` profile). */
  readonly versionTruth?: boolean;
}

export const SAMPLE_PROFILE: WorldProfile = {
  name: 'sample',
  catalog: SAMPLE_CATALOG,
  perWeek: {
    quietCredit: 1,
    quietTriage: 1,
    badDeploy: 7,
    pipelineChange: 3,
    schemaChange: 2,
    infraBurst: 4,
    flapping: 8,
    cascade: 0,
    upstreamBreak: 0,
  },
  perHour: { background: 19, noisyMonitor: 3.6, routine: 2 },
  backgroundRealShare: 0.04,
  silentShare: 0,
  pipelineServices: [
    'feature-pipeline-payments',
    'clickstream-etl',
    'embedding-service',
    'crm-export',
    'catalog-sync',
    'feature-store-core',
  ],
  schemaServices: [
    'credit-bureau-ingest',
    'ads-event-stream',
    'catalog-sync',
    'ehr-ingest',
    'crm-export',
    'gps-stream',
    'document-ocr-service',
  ],
};

export const CASCADES_PROFILE: WorldProfile = {
  name: 'cascades',
  catalog: PLATFORM_CATALOG,
  perWeek: {
    quietCredit: 1,
    quietTriage: 1,
    badDeploy: 7,
    pipelineChange: 0,
    schemaChange: 0,
    infraBurst: 2,
    flapping: 3,
    cascade: 6,
    upstreamBreak: 8,
  },
  perHour: { background: 5, noisyMonitor: 1, routine: 3 },
  backgroundRealShare: 0.12,
  silentShare: 0.35,
  pipelineServices: [],
  schemaServices: [],
};

/**
 * The sample platform with versions that serve for days (the version gate's worlds): fewer routine
 * changes (a model is retrained every few days, not twice a day), slow regressions and good versions.
 */
export const VERSIONS_PROFILE: WorldProfile = {
  ...SAMPLE_PROFILE,
  name: 'versions',
  perWeek: { ...SAMPLE_PROFILE.perWeek, slowRegression: 4, goodVersion: 4 },
  perHour: { ...SAMPLE_PROFILE.perHour, routine: 0.5 },
  versionTruth: true,
};

export const PROFILES: Readonly<Record<string, WorldProfile>> = {
  sample: SAMPLE_PROFILE,
  cascades: CASCADES_PROFILE,
  versions: VERSIONS_PROFILE,
};
