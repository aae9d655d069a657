// `--tier --product-area --region --segment --model --since --until`: which scored alerts `score` writes
// and shows and `explain` explains. They filter the output only: every alert is still processed, in the
// same order, so state (dedup, the deploy window, learned rates) and every score are the same as without.
import { type Command, InvalidArgumentError } from 'commander';
import { TIERS } from '../core/events.ts';
import type { IncidentRecord } from '../core/incidents/types.ts';
import { toEpochMillis } from '../core/parse-record.ts';
import type { ScoredAlert } from '../core/processor.ts';

export interface FilterOptions {
  tier?: string[];
  productArea?: string[];
  region?: string[];
  segment?: string[];
  model?: string[];
  since?: number;
  until?: number;
}

export interface AlertFilter {
  /** False when no filter was given (everything matches). */
  readonly active: boolean;
  /** The filters as they were given, for the summary line: `--tier P1,P2 --since 2026-11-19T00:00:00.000Z`. */
  readonly description: string;
  matches(a: ScoredAlert): boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EPOCH_MS = /^\d{1,16}$/;

/** RFC 3339 (`2026-11-19T14:00:00Z`), a UTC date (`2026-11-19`, its midnight) or epoch milliseconds. */
export function parseTime(v: string): number {
  const text = v.trim();
  const ms = EPOCH_MS.test(text)
    ? toEpochMillis(Number(text))
    : toEpochMillis(DATE.test(text) ? `${text}T00:00:00Z` : text);
  if (ms === undefined) {
    throw new InvalidArgumentError(
      'must be an RFC 3339 time (2026-11-19T14:00:00Z), a date (2026-11-19) or epoch ms',
    );
  }
  return ms;
}

/** Comma-separated and repeatable: `--tier P1,P2` is `--tier P1 --tier P2`. */
function list(normalize: (s: string) => string = (s) => s) {
  return (v: string, previous: string[] | undefined): string[] => {
    const values = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(normalize);
    if (values.length === 0) throw new InvalidArgumentError('must name at least one value');
    return [...(previous ?? []), ...values];
  };
}

function tierOf(s: string): string {
  const t = s.toUpperCase();
  if (!(TIERS as readonly string[]).includes(t))
    throw new InvalidArgumentError(`${s} is not a tier (P1, P2, P3, P4)`);
  return t;
}

export function filterOptions(cmd: Command): Command {
  return cmd
    .option(
      '--tier <tiers>',
      'only alerts of these tiers (P1,P2,…); comma-separated or repeated',
      list(tierOf),
    )
    .option('--product-area <areas>', 'only alerts of these product areas', list())
    .option('--region <regions>', 'only alerts from these regions', list())
    .option('--segment <segments>', 'only alerts of these customer segments', list())
    .option('--model <models>', 'only alerts about these models', list())
    .option(
      '--since <time>',
      'only alerts at or after this event time (RFC 3339, a date, or epoch ms)',
      parseTime,
    )
    .option(
      '--until <time>',
      'only alerts before this event time (RFC 3339, a date, or epoch ms)',
      parseTime,
    );
}

export function alertFilter(o: FilterOptions): AlertFilter {
  const sets = {
    tier: o.tier && new Set(o.tier),
    product_area: o.productArea && new Set(o.productArea),
    region: o.region && new Set(o.region),
    customer_segment: o.segment && new Set(o.segment),
    model_id: o.model && new Set(o.model),
  };
  const parts: string[] = [];
  const flag = (name: string, v: string[] | undefined) => v && parts.push(`--${name} ${v.join(',')}`);
  flag('tier', o.tier);
  flag('product-area', o.productArea);
  flag('region', o.region);
  flag('segment', o.segment);
  flag('model', o.model);
  if (o.since !== undefined) parts.push(`--since ${new Date(o.since).toISOString()}`);
  if (o.until !== undefined) parts.push(`--until ${new Date(o.until).toISOString()}`);
  const inTime = (t: number) =>
    (o.since === undefined || t >= o.since) && (o.until === undefined || t < o.until);
  const has = (set: Set<string> | undefined, v: string | null) => !set || (v !== null && set.has(v));
  return {
    active: parts.length > 0,
    description: parts.join(' '),
    matches: (a) =>
      has(sets.tier, a.tier) &&
      has(sets.model_id, a.model_id) &&
      has(sets.product_area, a.product_area) &&
      has(sets.region, a.region) &&
      has(sets.customer_segment, a.customer_segment) &&
      inTime(a.event_time),
  };
}

export interface IncidentFilter {
  readonly active: boolean;
  readonly description: string;
  matches(i: IncidentRecord): boolean;
}

/**
 * The same filters over incidents: its tier, any of its models, product areas, regions or segments, and a
 * time span (first to last member) that overlaps [--since, --until).
 */
export function incidentFilter(o: FilterOptions): IncidentFilter {
  const alerts = alertFilter(o);
  const set = (v: string[] | undefined) => v && new Set(v);
  const tiers = set(o.tier);
  const areas = set(o.productArea);
  const regions = set(o.region);
  const segments = set(o.segment);
  const models = set(o.model);
  const any = (s: Set<string> | undefined, values: readonly string[]) => !s || values.some((v) => s.has(v));
  return {
    active: alerts.active,
    description: alerts.description,
    matches: (i) =>
      (!tiers || tiers.has(i.tier)) &&
      any(
        models,
        i.models.map((m) => m.model_id),
      ) &&
      any(areas, i.product_areas) &&
      any(regions, i.regions) &&
      any(segments, i.customer_segments) &&
      (o.since === undefined || i.last_event_time >= o.since) &&
      (o.until === undefined || i.first_event_time < o.until),
  };
}
