// The static business side of the synthetic world: the model catalog (PRODUCT.md format) plus the
// simulation-only facts the catalog does not carry (features, quality metrics, regions, segments).
import { Document, visit } from 'yaml';
import type { ModelProfile as CatalogModel } from '../core/settings.ts';

export type Direction = 'up' | 'down'; // "up": bad when value rises above threshold; "down": bad when it drops below

export interface QualityMetric {
  name: string;
  dir: Direction;
  threshold: number;
  /** how far a full-magnitude breach goes: relative for "up", absolute for "down" */
  span: number;
  digits: number;
}

/** A model of the catalog, as the core reads it (settings.ts), with the product area always given. */
export type CatalogEntry = Omit<CatalogModel, 'product_area' | 'escalation'> & { product_area: string };

export interface ModelProfile {
  id: string;
  entry: CatalogEntry;
  regions: string[];
  segments: string[];
  features: string[];
  quality: QualityMetric[];
  /** a comment written above the model in catalog.yaml */
  note?: string;
}

export const q = (
  name: string,
  dir: Direction,
  threshold: number,
  span: number,
  digits = 4,
): QualityMetric => ({
  name,
  dir,
  threshold,
  span,
  digits,
});

const ALL_REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1'];
const RUNBOOKS = 'https://runbooks.example';

export function model(
  id: string,
  entry: Omit<CatalogEntry, 'playbook'> & { playbook?: boolean },
  sim: {
    regions?: string[];
    segments: string[];
    features: string[];
    quality: QualityMetric[];
    note?: string;
  },
): ModelProfile {
  const { playbook, ...rest } = entry;
  const full: CatalogEntry = playbook === false ? rest : { ...rest, playbook: `${RUNBOOKS}/${id}` };
  return {
    id,
    entry: full,
    regions: sim.regions ?? ALL_REGIONS,
    segments: sim.segments,
    features: sim.features,
    quality: sim.quality,
    ...(sim.note === undefined ? {} : { note: sim.note }),
  };
}

export const MODELS: readonly ModelProfile[] = [
  model(
    'fraud-scorer',
    {
      owner: 'risk-ml',
      product_area: 'payments',
      revenue_per_hour: 12000,
      traffic_per_hour: 50000,
      compliance: ['pci'],
      safety: false,
      rollback_allowed: true,
      upstream: ['feature-pipeline-payments', 'feature-store-core'],
    },
    {
      segments: ['consumer', 'smb', 'enterprise'],
      features: [
        'txn_amount',
        'merchant_category',
        'card_age_days',
        'ip_risk_score',
        'device_age_days',
        'txn_velocity_1h',
      ],
      quality: [q('auc', 'down', 0.91, 0.14), q('recall_at_1pct_fpr', 'down', 0.62, 0.3)],
    },
  ),
  model(
    'chargeback-predictor',
    {
      owner: 'risk-ml',
      product_area: 'payments',
      revenue_per_hour: 3500,
      traffic_per_hour: 20000,
      compliance: ['pci'],
      safety: false,
      rollback_allowed: true,
      upstream: ['feature-pipeline-payments'],
    },
    {
      segments: ['consumer', 'smb', 'enterprise'],
      features: ['dispute_history_90d', 'merchant_category', 'txn_amount', 'shipping_mismatch'],
      quality: [q('auc', 'down', 0.84, 0.12), q('precision_at_k', 'down', 0.41, 0.2)],
    },
  ),
  model(
    'search-ranker',
    {
      owner: 'search-relevance',
      product_area: 'search',
      revenue_per_hour: 30000,
      traffic_per_hour: 600000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['clickstream-etl', 'feature-store-core', 'search-index-builder'],
    },
    {
      segments: ['web', 'ios', 'android'],
      features: [
        'query_length',
        'device_type',
        'session_hour',
        'category_mix',
        'click_through_7d',
        'dwell_time_p50',
      ],
      quality: [q('ndcg_at_10', 'down', 0.47, 0.15), q('precision_at_k', 'down', 0.32, 0.12)],
    },
  ),
  model(
    'query-autocomplete',
    {
      owner: 'search-relevance',
      product_area: 'search',
      revenue_per_hour: 2500,
      traffic_per_hour: 900000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['clickstream-etl'],
      playbook: false,
    },
    {
      segments: ['web', 'ios', 'android'],
      features: ['prefix_length', 'locale', 'query_popularity_24h'],
      quality: [q('mrr', 'down', 0.58, 0.2), q('precision_at_k', 'down', 0.36, 0.15)],
      note: 'no playbook yet',
    },
  ),
  model(
    'home-recommender',
    {
      owner: 'recs-ml',
      product_area: 'recommendations',
      revenue_per_hour: 18000,
      traffic_per_hour: 350000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['clickstream-etl', 'feature-store-core', 'embedding-service'],
    },
    {
      segments: ['new_users', 'returning', 'loyalty_members'],
      features: ['user_embedding_norm', 'recent_views_24h', 'category_affinity', 'item_freshness_days'],
      quality: [q('precision_at_k', 'down', 0.28, 0.12), q('recall_at_k', 'down', 0.44, 0.18)],
    },
  ),
  model(
    'similar-items',
    {
      owner: 'recs-ml',
      product_area: 'recommendations',
      revenue_per_hour: 6000,
      traffic_per_hour: 200000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['embedding-service', 'catalog-sync'],
    },
    {
      segments: ['new_users', 'returning', 'loyalty_members'],
      features: ['item_embedding_norm', 'price_bucket', 'category_id'],
      quality: [q('precision_at_k', 'down', 0.31, 0.12)],
    },
  ),
  model(
    'ads-bidder',
    {
      owner: 'ads-ml',
      product_area: 'ads',
      revenue_per_hour: 22000,
      traffic_per_hour: 1200000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['clickstream-etl', 'ads-event-stream'],
    },
    {
      segments: ['self_serve', 'managed', 'agency'],
      features: ['predicted_ctr', 'floor_price', 'budget_pacing_ratio', 'auction_density'],
      quality: [q('roas', 'down', 3.2, 1.6, 3), q('calibration_error', 'up', 0.05, 4)],
    },
  ),
  model(
    'ads-ctr-predictor',
    {
      owner: 'ads-ml',
      product_area: 'ads',
      revenue_per_hour: 15000,
      traffic_per_hour: 1200000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['ads-event-stream', 'feature-store-core'],
    },
    {
      segments: ['self_serve', 'managed', 'agency'],
      features: ['ad_position', 'creative_age_days', 'user_ctr_30d', 'placement'],
      quality: [q('auc', 'down', 0.79, 0.1), q('log_loss', 'up', 0.21, 0.8)],
    },
  ),
  model(
    'credit-risk-scorer',
    {
      owner: 'credit-ml',
      product_area: 'lending',
      revenue_per_hour: 9000,
      traffic_per_hour: 3000,
      compliance: ['fcra', 'ecoa'],
      safety: false,
      rollback_allowed: false,
      upstream: ['credit-bureau-ingest', 'feature-store-core'],
    },
    {
      regions: ['us-east-1'],
      segments: ['prime', 'near_prime', 'thin_file'],
      features: [
        'bureau_score',
        'debt_to_income',
        'utilization_ratio',
        'months_since_delinquency',
        'income_verified',
      ],
      quality: [q('auc', 'down', 0.82, 0.1), q('approval_rate_disparity', 'up', 0.05, 3)],
      note: 'rollback needs model-risk sign-off (SR 11-7), so automation must not roll it back',
    },
  ),
  model(
    'triage-assist',
    {
      owner: 'clinical-ml',
      product_area: 'telehealth',
      revenue_per_hour: 1500,
      traffic_per_hour: 800,
      compliance: ['hipaa'],
      safety: true,
      rollback_allowed: true,
      upstream: ['ehr-ingest'],
    },
    {
      regions: ['eu-west-1', 'us-east-1'],
      segments: ['adult', 'pediatric', 'geriatric'],
      features: ['symptom_code', 'age_band', 'vitals_hr', 'vitals_spo2', 'chief_complaint_len'],
      quality: [q('urgent_recall', 'down', 0.97, 0.12), q('undertriage_rate', 'up', 0.01, 4)],
      note: 'safety-critical: medical triage suggestions',
    },
  ),
  model(
    'churn-predictor',
    {
      owner: 'growth-analytics',
      product_area: 'retention',
      revenue_per_hour: 150,
      traffic_per_hour: 2000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['crm-export', 'feature-store-core'],
      playbook: false,
    },
    {
      segments: ['free', 'pro', 'business'],
      features: ['days_since_last_login', 'plan_tier', 'support_tickets_30d', 'nps_score'],
      quality: [q('auc', 'down', 0.74, 0.12)],
    },
  ),
  model(
    'demand-forecaster',
    {
      owner: 'supply-chain-analytics',
      product_area: 'internal-forecasting',
      revenue_per_hour: 0,
      traffic_per_hour: 24,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['warehouse-daily-etl'],
      playbook: false,
    },
    {
      regions: ['eu-west-1', 'us-east-1'],
      segments: ['grocery', 'electronics', 'apparel'],
      features: ['sku_sales_7d', 'promo_flag', 'holiday_flag', 'store_id'],
      quality: [q('mape', 'up', 0.15, 1.5)],
      note: 'internal planning only: no direct revenue',
    },
  ),
  model(
    'dynamic-pricing',
    {
      owner: 'pricing-ml',
      product_area: 'pricing',
      revenue_per_hour: 14000,
      traffic_per_hour: 80000,
      compliance: [],
      safety: false,
      rollback_allowed: false,
      upstream: ['catalog-sync', 'feature-store-core', 'competitor-price-feed'],
    },
    {
      segments: ['grocery', 'electronics', 'apparel'],
      features: ['competitor_price_delta', 'inventory_days', 'demand_elasticity', 'price_bucket'],
      quality: [q('conversion_rate', 'down', 0.034, 0.012, 4), q('mape', 'up', 0.12, 1.5)],
      note: 'price changes are not safely reversible mid-day: rollback goes through pricing ops',
    },
  ),
  model(
    'eta-predictor',
    {
      owner: 'logistics-ml',
      product_area: 'logistics',
      revenue_per_hour: 3000,
      traffic_per_hour: 60000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['gps-stream'],
    },
    {
      segments: ['same_day', 'standard', 'freight'],
      features: ['distance_km', 'traffic_index', 'courier_load', 'weather_code'],
      quality: [q('mae_minutes', 'up', 6.5, 1.5, 2)],
    },
  ),
  model(
    'support-ticket-router',
    {
      owner: 'support-tools',
      product_area: 'customer-support',
      revenue_per_hour: 200,
      traffic_per_hour: 1500,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['crm-export'],
      playbook: false,
    },
    {
      segments: ['free', 'pro', 'business'],
      features: ['ticket_length', 'language', 'product_tag'],
      quality: [q('accuracy', 'down', 0.88, 0.2)],
    },
  ),
  model(
    'email-send-time-optimizer',
    {
      owner: 'growth-analytics',
      product_area: 'marketing',
      revenue_per_hour: 80,
      traffic_per_hour: 5000,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream: ['crm-export', 'clickstream-etl'],
      playbook: false,
    },
    {
      segments: ['free', 'pro', 'business'],
      features: ['open_hour_hist', 'timezone', 'engagement_score'],
      quality: [q('open_rate_lift', 'down', 0.02, 0.03)],
    },
  ),
  model(
    'kyc-document-classifier',
    {
      owner: 'trust-safety-ml',
      product_area: 'identity',
      revenue_per_hour: 2000,
      traffic_per_hour: 4000,
      compliance: ['kyc', 'aml'],
      safety: false,
      rollback_allowed: false,
      upstream: ['document-ocr-service'],
    },
    {
      segments: ['consumer', 'smb', 'enterprise'],
      features: ['ocr_confidence', 'doc_type', 'image_blur_score'],
      quality: [q('precision', 'down', 0.95, 0.1), q('recall', 'down', 0.9, 0.12)],
    },
  ),
];

/** Model ids that monitors report on but the catalog does not know (exercise the defaults). */
export const UNCATALOGUED_MODELS = ['legacy-segmenter', 'geo-ip-resolver', 'sandbox-ranker-exp42'];

export const DEFAULTS = {
  owner: 'ml-platform',
  revenue_per_hour: 0,
  traffic_per_hour: 1,
  compliance: [] as string[],
  safety: false,
  rollback_allowed: false,
};

/** The models a world is planned on, and what scenarios ask of them; catalog.yaml is rendered from it. */
export interface Catalog {
  readonly models: readonly ModelProfile[];
  readonly byId: ReadonlyMap<string, ModelProfile>;
  /** every upstream service the models name, sorted */
  readonly services: readonly string[];
  readonly mostValuable: ModelProfile;
  /** the comment at the top of catalog.yaml (how to regenerate it) */
  readonly header: readonly string[];
}

export function catalogOf(models: readonly ModelProfile[], header: readonly string[]): Catalog {
  return {
    models,
    byId: new Map(models.map((m) => [m.id, m])),
    services: [...new Set(models.flatMap((m) => m.entry.upstream))].sort(),
    mostValuable: models.reduce((a, b) => (b.entry.revenue_per_hour > a.entry.revenue_per_hour ? b : a)),
    header,
  };
}

/** The models a service feeds, in catalog order. */
export function downstreamOf(cat: Catalog, service: string): ModelProfile[] {
  return cat.models.filter((m) => m.entry.upstream.includes(service));
}

/** The 17-model platform of sample-week and other-week. */
export const SAMPLE_CATALOG: Catalog = catalogOf(MODELS, [
  ' Model catalog of the synthetic sample world (PRODUCT.md catalog format).',
  ' GENERATED by scripts/sample/generate-world.ts - do not edit by hand. Regenerate with:',
  '   node scripts/sample/generate-world.ts --seed 7 --start 2026-11-16 --out examples/sample-week',
  ' The catalog is static: every --seed / --start writes this same file.',
]);

export function renderCatalogYaml(cat: Catalog): string {
  const models: Record<string, CatalogEntry> = {};
  for (const m of cat.models) models[m.id] = m.entry;
  const doc = new Document({ models, defaults: DEFAULTS });
  visit(doc, {
    Seq(_, node) {
      node.flow = true;
    },
  });
  const modelsNode = doc.get('models', true);
  if (modelsNode && typeof modelsNode === 'object' && 'items' in modelsNode) {
    for (const pair of (modelsNode as { items: { key: { value: string; commentBefore?: string } }[] })
      .items) {
      const note = cat.byId.get(pair.key.value)?.note;
      if (note) pair.key.commentBefore = ` ${note}`;
    }
  }
  doc.commentBefore = cat.header.join('\n');
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
