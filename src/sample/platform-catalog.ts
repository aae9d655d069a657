// The 60-model platform of the `cascades` profile: the 17 models of the sample world plus 43 more that
// share its pipelines and platform services, so one upstream change can reach many models at once.
// Static like the sample catalog: every seed writes the same catalog.yaml. The simulation facts of the
// added models (features, quality metrics, segments) come from their product area, features drawn by a
// hash of the model id so the file never depends on a seed.
import { hash32, Rng } from './prng.ts';
import {
  type Catalog,
  type CatalogEntry,
  catalogOf,
  MODELS,
  type ModelProfile,
  model,
  type QualityMetric,
  q,
} from './world-catalog.ts';

/** How a service changes: pipelines by pipeline and schema changes, platform services by deploys and config. */
export type ServiceRole = 'pipeline' | 'platform';

/** Every upstream service of the platform, with its role (which change kinds cascades.ts gives it). */
export const SERVICE_ROLES: Readonly<Record<string, ServiceRole>> = {
  'ads-event-stream': 'pipeline',
  'catalog-sync': 'pipeline',
  'clickstream-etl': 'pipeline',
  'competitor-price-feed': 'pipeline',
  'credit-bureau-ingest': 'pipeline',
  'crm-export': 'pipeline',
  'document-ocr-service': 'platform',
  'ehr-ingest': 'pipeline',
  'embedding-service': 'platform',
  'feature-pipeline-payments': 'pipeline',
  'feature-store-core': 'platform',
  'fx-rates-service': 'platform',
  'geo-enrichment-service': 'platform',
  'gps-stream': 'pipeline',
  'identity-graph': 'platform',
  'orders-cdc-stream': 'pipeline',
  'search-index-builder': 'pipeline',
  'user-profile-etl': 'pipeline',
  'warehouse-daily-etl': 'pipeline',
};

interface AreaSim {
  regions?: string[];
  segments: string[];
  features: string[];
  quality: QualityMetric[];
}

const AREAS: Readonly<Record<string, AreaSim>> = {
  payments: {
    segments: ['consumer', 'smb', 'enterprise'],
    features: [
      'txn_amount',
      'merchant_category',
      'billing_country',
      'bin_risk',
      'payout_velocity_24h',
      'refund_ratio_30d',
    ],
    quality: [q('auc', 'down', 0.88, 0.12), q('precision_at_k', 'down', 0.4, 0.2)],
  },
  search: {
    segments: ['web', 'ios', 'android'],
    features: ['query_length', 'query_intent', 'locale', 'result_count', 'click_through_7d', 'typo_rate'],
    quality: [q('ndcg_at_10', 'down', 0.45, 0.15), q('mrr', 'down', 0.55, 0.2)],
  },
  recommendations: {
    segments: ['new_users', 'returning', 'loyalty_members'],
    features: [
      'user_embedding_norm',
      'item_embedding_norm',
      'recent_views_24h',
      'cart_size',
      'category_affinity',
      'price_bucket',
    ],
    quality: [q('precision_at_k', 'down', 0.27, 0.12), q('recall_at_k', 'down', 0.4, 0.18)],
  },
  ads: {
    segments: ['self_serve', 'managed', 'agency'],
    features: [
      'predicted_ctr',
      'placement',
      'audience_size',
      'creative_age_days',
      'spend_pacing',
      'ip_risk_score',
    ],
    quality: [q('auc', 'down', 0.77, 0.1), q('calibration_error', 'up', 0.05, 4)],
  },
  lending: {
    regions: ['us-east-1'],
    segments: ['prime', 'near_prime', 'thin_file'],
    features: ['bureau_score', 'debt_to_income', 'stated_income', 'employment_months', 'days_past_due'],
    quality: [q('auc', 'down', 0.8, 0.1), q('approval_rate_disparity', 'up', 0.05, 3)],
  },
  telehealth: {
    regions: ['eu-west-1', 'us-east-1'],
    segments: ['adult', 'pediatric', 'geriatric'],
    features: ['visit_type', 'age_band', 'note_length', 'prior_no_shows', 'lead_time_days'],
    quality: [q('recall', 'down', 0.9, 0.12), q('precision', 'down', 0.85, 0.12)],
  },
  retention: {
    segments: ['free', 'pro', 'business'],
    features: ['days_since_last_login', 'plan_tier', 'seats_used', 'orders_90d', 'nps_score'],
    quality: [q('auc', 'down', 0.73, 0.12)],
  },
  marketing: {
    segments: ['free', 'pro', 'business'],
    features: ['engagement_score', 'timezone', 'campaign_id', 'lead_source', 'open_hour_hist'],
    quality: [q('auc', 'down', 0.7, 0.12)],
  },
  pricing: {
    segments: ['grocery', 'electronics', 'apparel'],
    features: ['competitor_price_delta', 'inventory_days', 'distance_km', 'fx_rate', 'promo_depth'],
    quality: [q('conversion_rate', 'down', 0.03, 0.012), q('mape', 'up', 0.12, 1.5)],
  },
  logistics: {
    segments: ['same_day', 'standard', 'freight'],
    features: ['distance_km', 'traffic_index', 'courier_load', 'order_volume_1h', 'geo_cell'],
    quality: [q('mae_minutes', 'up', 7, 1.5, 2)],
  },
  identity: {
    segments: ['consumer', 'smb', 'enterprise'],
    features: [
      'device_fingerprint_age',
      'geo_velocity',
      'name_match_score',
      'ocr_confidence',
      'login_failures_1h',
    ],
    quality: [q('precision', 'down', 0.93, 0.1), q('recall', 'down', 0.88, 0.12)],
  },
  'customer-support': {
    segments: ['free', 'pro', 'business'],
    features: ['ticket_length', 'language', 'product_tag', 'sentiment'],
    quality: [q('accuracy', 'down', 0.85, 0.2)],
  },
  'internal-forecasting': {
    regions: ['eu-west-1', 'us-east-1'],
    segments: ['grocery', 'electronics', 'apparel'],
    features: ['sku_sales_7d', 'order_volume_1d', 'holiday_flag', 'fx_rate'],
    quality: [q('mape', 'up', 0.15, 1.5)],
  },
};

type Row = [
  id: string,
  owner: string,
  area: string,
  revenuePerHour: number,
  trafficPerHour: number,
  upstream: string[],
  extra?: Partial<Omit<CatalogEntry, 'playbook'>> & { playbook?: boolean; note?: string },
];

// Revenue is what flows through the model per hour; internal planning models have none.
// biome-ignore format: one model per line reads as a table
const ADDED: readonly Row[] = [
  ['card-auth-risk', 'risk-ml', 'payments', 9000, 45000, ['feature-pipeline-payments', 'identity-graph', 'feature-store-core'], { compliance: ['pci'] }],
  ['merchant-risk-scorer', 'risk-ml', 'payments', 2500, 3000, ['feature-pipeline-payments', 'orders-cdc-stream'], { compliance: ['pci'] }],
  ['payout-anomaly-detector', 'payments-ml', 'payments', 1800, 6000, ['feature-pipeline-payments', 'fx-rates-service'], { compliance: ['pci'] }],
  ['refund-abuse-classifier', 'risk-ml', 'payments', 1200, 4000, ['orders-cdc-stream', 'crm-export'], { compliance: ['pci'] }],
  ['search-query-classifier', 'search-relevance', 'search', 5000, 600000, ['clickstream-etl', 'search-index-builder']],
  ['spell-corrector', 'search-relevance', 'search', 800, 700000, ['clickstream-etl'], { playbook: false }],
  ['search-ads-blender', 'search-relevance', 'search', 7000, 400000, ['search-index-builder', 'ads-event-stream', 'feature-store-core']],
  ['visual-search-embedder', 'search-relevance', 'search', 1500, 50000, ['embedding-service', 'catalog-sync']],
  ['cart-recommender', 'recs-ml', 'recommendations', 9000, 150000, ['clickstream-etl', 'feature-store-core', 'embedding-service']],
  ['email-recs', 'recs-ml', 'recommendations', 1200, 80000, ['user-profile-etl', 'embedding-service', 'catalog-sync']],
  ['trending-items', 'recs-ml', 'recommendations', 2000, 250000, ['clickstream-etl', 'catalog-sync']],
  ['personalized-push', 'recs-ml', 'recommendations', 900, 60000, ['user-profile-etl', 'feature-store-core']],
  ['bundle-suggester', 'recs-ml', 'recommendations', 3000, 90000, ['catalog-sync', 'embedding-service', 'orders-cdc-stream']],
  ['ads-cvr-predictor', 'ads-ml', 'ads', 16000, 900000, ['ads-event-stream', 'feature-store-core', 'clickstream-etl']],
  ['ads-budget-pacer', 'ads-ml', 'ads', 11000, 50000, ['ads-event-stream']],
  ['ads-audience-expander', 'ads-ml', 'ads', 4000, 300000, ['user-profile-etl', 'embedding-service', 'identity-graph']],
  ['ads-creative-ranker', 'ads-ml', 'ads', 6000, 800000, ['ads-event-stream', 'embedding-service']],
  ['ads-fraud-filter', 'ads-ml', 'ads', 5000, 1000000, ['ads-event-stream', 'geo-enrichment-service', 'identity-graph']],
  ['loan-pricing-model', 'credit-ml', 'lending', 6000, 1500, ['credit-bureau-ingest', 'feature-store-core'], { compliance: ['fcra', 'ecoa'], rollback_allowed: false, note: 'adverse-action pricing: rollback needs model-risk sign-off' }],
  ['income-verifier', 'credit-ml', 'lending', 2500, 1200, ['document-ocr-service', 'credit-bureau-ingest'], { compliance: ['fcra'] }],
  ['collections-prioritizer', 'credit-ml', 'lending', 1500, 2500, ['crm-export', 'credit-bureau-ingest'], { compliance: ['fcra'] }],
  ['appointment-no-show', 'clinical-ml', 'telehealth', 400, 3000, ['ehr-ingest', 'crm-export'], { compliance: ['hipaa'] }],
  ['clinician-note-summarizer', 'clinical-ml', 'telehealth', 700, 1500, ['ehr-ingest', 'document-ocr-service'], { compliance: ['hipaa'], safety: true, note: 'safety-critical: summaries clinicians act on' }],
  ['upsell-propensity', 'growth-analytics', 'retention', 600, 5000, ['crm-export', 'user-profile-etl', 'feature-store-core']],
  ['winback-offer-optimizer', 'growth-analytics', 'retention', 300, 3000, ['crm-export', 'user-profile-etl']],
  ['lead-scorer', 'growth-analytics', 'marketing', 250, 1000, ['crm-export'], { playbook: false }],
  ['ltv-predictor', 'growth-analytics', 'retention', 500, 2000, ['user-profile-etl', 'orders-cdc-stream', 'feature-store-core']],
  ['markdown-optimizer', 'pricing-ml', 'pricing', 5000, 20000, ['catalog-sync', 'orders-cdc-stream', 'competitor-price-feed'], { rollback_allowed: false }],
  ['shipping-fee-model', 'pricing-ml', 'pricing', 4000, 70000, ['geo-enrichment-service', 'orders-cdc-stream', 'fx-rates-service']],
  ['promo-eligibility', 'pricing-ml', 'pricing', 2000, 90000, ['user-profile-etl', 'catalog-sync']],
  ['route-optimizer', 'logistics-ml', 'logistics', 5000, 20000, ['gps-stream', 'geo-enrichment-service']],
  ['warehouse-slotting', 'logistics-ml', 'logistics', 600, 500, ['warehouse-daily-etl', 'orders-cdc-stream']],
  ['delivery-window-predictor', 'logistics-ml', 'logistics', 2500, 50000, ['gps-stream', 'orders-cdc-stream', 'geo-enrichment-service']],
  ['courier-supply-forecaster', 'logistics-ml', 'logistics', 400, 200, ['gps-stream', 'warehouse-daily-etl'], { playbook: false }],
  ['account-takeover-detector', 'trust-safety-ml', 'identity', 4000, 30000, ['identity-graph', 'clickstream-etl', 'geo-enrichment-service']],
  ['selfie-liveness-check', 'trust-safety-ml', 'identity', 1500, 3000, ['document-ocr-service', 'identity-graph'], { compliance: ['kyc'], rollback_allowed: false }],
  ['sanctions-name-matcher', 'trust-safety-ml', 'identity', 1000, 5000, ['identity-graph', 'crm-export'], { compliance: ['aml'], rollback_allowed: false }],
  ['content-moderation-classifier', 'trust-safety-ml', 'identity', 800, 200000, ['embedding-service', 'clickstream-etl']],
  ['support-reply-suggester', 'support-tools', 'customer-support', 300, 2000, ['crm-export', 'embedding-service'], { playbook: false }],
  ['csat-predictor', 'support-tools', 'customer-support', 100, 1500, ['crm-export'], { playbook: false }],
  ['inventory-forecaster', 'supply-chain-analytics', 'internal-forecasting', 0, 24, ['warehouse-daily-etl', 'orders-cdc-stream'], { playbook: false }],
  ['capacity-planner', 'supply-chain-analytics', 'internal-forecasting', 0, 12, ['warehouse-daily-etl', 'clickstream-etl'], { playbook: false }],
  ['revenue-forecaster', 'supply-chain-analytics', 'internal-forecasting', 0, 24, ['orders-cdc-stream', 'fx-rates-service'], { playbook: false }],
];

function added(row: Row): ModelProfile {
  const [id, owner, area, revenue, traffic, upstream, extra = {}] = row;
  const sim = AREAS[area];
  if (!sim) throw new Error(`platform catalog: no simulation facts for product area ${area}`);
  const { note, ...fields } = extra;
  return model(
    id,
    {
      owner,
      product_area: area,
      revenue_per_hour: revenue,
      traffic_per_hour: traffic,
      compliance: [],
      safety: false,
      rollback_allowed: true,
      upstream,
      ...fields,
    },
    {
      ...(sim.regions === undefined ? {} : { regions: sim.regions }),
      segments: sim.segments,
      features: new Rng(hash32(`features:${id}`)).sample(sim.features, 4),
      quality: sim.quality,
      ...(note === undefined ? {} : { note }),
    },
  );
}

export const PLATFORM_CATALOG: Catalog = catalogOf(
  [...MODELS, ...ADDED.map(added)],
  [
    ' Model catalog of the synthetic 60-model platform (PRODUCT.md catalog format): shared pipelines and',
    ' platform services feed several models each, so one upstream change can break many at once.',
    ' GENERATED by scripts/sample/generate-world.ts - do not edit by hand. Regenerate with:',
    '   npm run sample:cascade',
    ' The catalog is static: every --seed / --start of --profile cascades writes this same file.',
  ],
);

for (const s of PLATFORM_CATALOG.services)
  if (SERVICE_ROLES[s] === undefined) throw new Error(`platform catalog: service ${s} has no role`);
