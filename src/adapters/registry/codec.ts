// Record codec for Kafka values: bytes ⇄ plain JS values, in JSON or in Avro framed with the Confluent wire
// format and a schema registry (Confluent's, or Apicurio's ccompat API). Decoding only turns bytes into a plain
// value; validation stays in parseAlert / parseDeploy / parseFeedback.
//
// Avro records are read as the service's own schema (schemas/*.avsc, the reader): the writer's schema (by the
// id in the frame) is resolved against it, Avro's schema resolution (avsc's createResolver, cached per writer
// id), so a producer's compatible change — a new optional field, a new enum symbol where the reader's enum has a
// default, a removed optional field — reads as before. A writer schema that cannot be resolved is
// SCHEMA_UNRESOLVABLE, which the registry's FORWARD_TRANSITIVE check on the input subjects keeps from happening.
//
// Errors are CodecErrors with a stable code. Only REGISTRY_UNAVAILABLE (connection refused, timeout, 5xx, 408,
// 429) and REGISTRY_AUTH_FAILED (401/403: credentials refused, which an operator fixes on either side, so the
// record waits rather than going to the DLQ) can be retried: every other code is a property of the record or of
// the schemas, and retrying would give the same answer.

import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import avro from 'avsc';
import type { IncidentRecord } from '../../core/incidents/types.ts';
import { JSON_LIMITS, parseJsonText } from '../../core/json-text.ts';
import { incidentToWire, type TierRecord, tierRecordToWire } from './tier-wire.ts';
import { frame, HEADER_BYTES, isConfluentFramed, MAGIC_BYTE, schemaIdOf } from './wire-format.ts';

/** `page`: a tier topic's record with the incident stage (trigger, acknowledge, resolve); `incident`: ml.incidents. */
export type OutputKind = 'scored' | 'action' | 'page' | 'incident';
/** What encode writes: the outputs, and AnomalyAlerts the ingest endpoint produces to the alerts topic. */
export type EncodeKind = OutputKind | 'alert';

export type CodecErrorCode =
  | 'MALFORMED_JSON'
  | 'UNKNOWN_SCHEMA_ID'
  | 'AVRO_DECODE_FAILED'
  | 'TRUNCATED_FRAME'
  | 'RECORD_TOO_LARGE'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_AUTH_FAILED'
  | 'SCHEMA_INCOMPATIBLE'
  | 'SCHEMA_UNRESOLVABLE'
  | 'ENCODE_FAILED';

export class CodecError extends Error {
  readonly code: CodecErrorCode;
  /** True only for REGISTRY_UNAVAILABLE and REGISTRY_AUTH_FAILED: retry the record later, never dead-letter it. */
  readonly canRetry: boolean;

  constructor(code: CodecErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CodecError';
    this.code = code;
    this.canRetry = code === 'REGISTRY_UNAVAILABLE' || code === 'REGISTRY_AUTH_FAILED';
  }
}

/** The schemas the service reads and writes (one .avsc each). */
export type SchemaKind = 'alert' | 'deploy' | 'feedback' | OutputKind;

export interface RecordCodec {
  /**
   * Message value bytes → plain JS value. Magic byte 0 and ≥5 bytes → Avro via the registry; otherwise UTF-8 JSON.
   * With `reader`, Avro is read as that schema of ours (the writer's resolved against it: new fields dropped,
   * missing ones defaulted, unknown enum symbols mapped to the enum's default); without, as the writer wrote it.
   * Throws CodecError.
   */
  decode(value: Buffer, reader?: SchemaKind): Promise<unknown>;
  /** A record → bytes in the configured output format (json | avro). For avro, uses the schema registered for that topic's subject. */
  encode(kind: EncodeKind, topic: string, record: object): Promise<Buffer>;
  /**
   * Registers the .avsc schemas under TopicNameStrategy subjects (`<topic>-value`) for the given topics and
   * returns subject → id. A subject with no compatibility level of its own gets one first — FORWARD_TRANSITIVE
   * for the input subjects (what producers register must stay readable by our reader schema, of every release),
   * BACKWARD for the outputs — and a level someone set (NONE included) is never changed (`onCompatibility` says
   * which). A schema incompatible with what is registered → CodecError SCHEMA_INCOMPATIBLE naming
   * the subject. Idempotent: registering the same schema again returns the same id.
   */
  registerSchemas(topics: RegistryTopics): Promise<Record<string, number>>;
}

export interface RegistryTopics {
  alerts: string;
  deployments: string;
  feedback: string;
  scored: string;
  tiers: string[];
  actions: string;
  /** With kafka.incident_stage: the tier topics carry tier records (tier-record.avsc), and ml.incidents its own. */
  incidents?: string;
}

/** The topics whose subjects carry a schema, from the configured topic names. */
export function registryTopicsOf(
  topics: {
    alerts: string;
    deployments: string;
    feedback: string;
    scored: string;
    P1: string;
    P2: string;
    P3: string;
    P4: string;
    actions: string;
    incidents?: string;
  },
  incidentStage = false,
): RegistryTopics {
  return {
    alerts: topics.alerts,
    deployments: topics.deployments,
    feedback: topics.feedback,
    scored: topics.scored,
    tiers: [topics.P1, topics.P2, topics.P3, topics.P4],
    actions: topics.actions,
    ...(incidentStage && topics.incidents !== undefined ? { incidents: topics.incidents } : {}),
  };
}

export interface CodecOptions {
  registryUrl: string;
  username?: string;
  password?: string;
  /** PEM CA file trusted for an https registry, on top of Node's built-in CAs (a private CA). Read once, here. */
  caFile?: string;
  outputFormat: 'json' | 'avro';
  /** Largest value decode accepts, in bytes. Default 1 MiB. */
  maxRecordBytes?: number;
  /** Where the .avsc files are. Default: the repository's `schemas/`. */
  schemasDir?: string;
  /** Per registry request. Default 10 s. */
  requestTimeoutMs?: number;
  /** Told, per subject registerSchemas visits, the level it has and whether we set it (for the log). */
  onCompatibility?: (outcome: CompatibilityOutcome) => void;
}

export interface CompatibilityOutcome {
  subject: string;
  /** The level in force after the visit (as the registry reports it). */
  level: string;
  /** True when we set it (the subject had no level of its own); false when a level set before was kept. */
  set: boolean;
  /** The level we set where none is set: FORWARD_TRANSITIVE on input subjects, BACKWARD on outputs. */
  wanted: string;
}

/** The level set on a subject that has none of its own (docs/ARCHITECTURE.md says why). */
export const SUBJECT_LEVEL = { input: 'FORWARD_TRANSITIVE', output: 'BACKWARD' } as const;

export const DEFAULT_MAX_RECORD_BYTES = JSON_LIMITS.maxBytes;
/** Deeper JSON (or Avro) values are refused: later recursive code (logging, DLQ serialization) must not overflow. */
export const MAX_NESTING_DEPTH = JSON_LIMITS.maxDepth;
const DEFAULT_TIMEOUT_MS = 10_000;

/** The schema file of each kind of record, and the subjects it is registered under. */
export const SCHEMA_FILES = {
  alert: 'anomaly-alert.avsc',
  deploy: 'deploy-event.avsc',
  feedback: 'alert-feedback.avsc',
  scored: 'scored-alert.avsc',
  action: 'alert-action.avsc',
  page: 'tier-record.avsc',
  incident: 'incident-record.avsc',
} as const;
type SchemaKey = keyof typeof SCHEMA_FILES;

export const subjectOf = (topic: string): string => `${topic}-value`;

interface LocalSchema {
  /** Compact JSON text: what is registered and looked up. */
  text: string;
  type: avro.Type;
}

interface Writer {
  id: number;
  type: avro.Type;
}

/** A fresh object per call: avsc stores the named types it defines in `opts.registry`, mutating the options. */
const typeOptions = (registry: Record<string, avro.Type> = {}) => ({ wrapUnions: 'auto' as const, registry });

/** The codec's options from a config's `registry` block and output format (the service, notify). */
export function codecOptionsOf(c: {
  registry: {
    url: string;
    ssl_ca_file?: string | undefined;
    username?: string | undefined;
    password?: string | undefined;
  };
  output: { format: 'json' | 'avro' };
}): CodecOptions {
  return {
    registryUrl: c.registry.url,
    outputFormat: c.output.format,
    ...(c.registry.ssl_ca_file ? { caFile: c.registry.ssl_ca_file } : {}),
    ...(c.registry.username ? { username: c.registry.username } : {}),
    ...(c.registry.password ? { password: c.registry.password } : {}),
  };
}

export function createCodec(options: CodecOptions): RecordCodec {
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const registry = new RegistryClient(options);
  const local = loadSchemas(options.schemasDir ?? defaultSchemasDir());
  const byId = new Map<number, Promise<avro.Type>>();
  const writers = new Map<string, Promise<Writer>>();
  /** Per reader kind and writer id: the resolver, or why there is none (permanent: the schema id never changes). */
  const resolvers = new Map<string, Promise<Resolution>>();

  const typeOf = (id: number): Promise<avro.Type> => {
    let found = byId.get(id);
    if (!found) {
      found = fetchType(registry, id);
      byId.set(id, found);
      // A failed lookup is not cached: the registry may be back, or the id registered, next time.
      const pending = found;
      pending.catch(() => byId.get(id) === pending && byId.delete(id));
    }
    return found;
  };

  const writerFor = (kind: EncodeKind, subject: string): Promise<Writer> => {
    const key = `${kind}\u0000${subject}`;
    let found = writers.get(key);
    if (!found) {
      found = findWriter(registry, local[kind], subject);
      writers.set(key, found);
      const pending = found;
      pending.catch(() => writers.get(key) === pending && writers.delete(key));
      found.then((w) => {
        if (w.type === local[kind].type && !byId.has(w.id)) byId.set(w.id, Promise.resolve(w.type));
      }, noop);
    }
    return found;
  };

  const resolutionOf = (reader: SchemaKind, id: number): Promise<Resolution> => {
    const key = `${reader}\u0000${id}`;
    let found = resolvers.get(key);
    if (!found) {
      found = typeOf(id).then((writer) => resolve(local[reader], writer, id, reader));
      resolvers.set(key, found);
      // Only a failed lookup (registry away, unknown id) is retried; a resolution's answer is kept.
      const pending = found;
      pending.catch(() => resolvers.get(key) === pending && resolvers.delete(key));
    }
    return found;
  };

  return {
    async decode(value: Buffer, reader?: SchemaKind): Promise<unknown> {
      if (value.length > maxBytes) {
        throw new CodecError('RECORD_TOO_LARGE', `value is ${value.length} bytes, the limit is ${maxBytes}`);
      }
      if (isConfluentFramed(value)) {
        const id = schemaIdOf(value);
        if (reader === undefined) return decodeAvro(await typeOf(id), id, value.subarray(HEADER_BYTES));
        const r = await resolutionOf(reader, id);
        if (!r.ok) throw new CodecError('SCHEMA_UNRESOLVABLE', r.message);
        return decodeAvro(r.reader, id, value.subarray(HEADER_BYTES), r.resolver);
      }
      if (value.length > 0 && value[0] === MAGIC_BYTE) {
        throw new CodecError(
          'TRUNCATED_FRAME',
          `value starts with the Avro magic byte but has ${value.length} bytes, fewer than the ${HEADER_BYTES}-byte header`,
        );
      }
      return decodeJson(value);
    },

    async encode(kind: EncodeKind, topic: string, record: object): Promise<Buffer> {
      if (options.outputFormat === 'json') {
        try {
          return Buffer.from(JSON.stringify(record), 'utf8');
        } catch (e) {
          throw new CodecError('ENCODE_FAILED', `${kind} record is not JSON-serializable: ${messageOf(e)}`, {
            cause: e,
          });
        }
      }
      const { id, type } = await writerFor(kind, subjectOf(topic));
      const value = avroValueOf(type, kind, record);
      let payload: Buffer;
      try {
        payload = type.toBuffer(value);
      } catch (e) {
        throw new CodecError(
          'ENCODE_FAILED',
          `${kind} record does not fit schema ${id} of ${subjectOf(topic)}: ${invalidPaths(type, value) || messageOf(e)}`,
          { cause: e },
        );
      }
      return frame(id, payload);
    },

    async registerSchemas(topics: RegistryTopics): Promise<Record<string, number>> {
      const plan = new Map<string, SchemaKey>([
        [subjectOf(topics.alerts), 'alert'],
        [subjectOf(topics.deployments), 'deploy'],
        [subjectOf(topics.feedback), 'feedback'],
        [subjectOf(topics.scored), 'scored'],
        ...topics.tiers.map(
          (t) => [subjectOf(t), topics.incidents === undefined ? 'scored' : 'page'] as [string, SchemaKey],
        ),
        [subjectOf(topics.actions), 'action'],
        ...(topics.incidents === undefined
          ? []
          : [[subjectOf(topics.incidents), 'incident'] as [string, SchemaKey]]),
      ]);
      const ids: Record<string, number> = {};
      for (const [subject, key] of plan) {
        const output = key === 'scored' || key === 'action' || key === 'page' || key === 'incident';
        const wanted = output ? SUBJECT_LEVEL.output : SUBJECT_LEVEL.input;
        const outcome = await ensureCompatibility(registry, subject, wanted);
        options.onCompatibility?.(outcome);
        const schema = local[key];
        const id = await registerOne(registry, subject, schema.text);
        ids[subject] = id;
        if (!byId.has(id)) byId.set(id, Promise.resolve(schema.type));
        if (output) {
          writers.set(`${key}\u0000${subject}`, Promise.resolve({ id, type: schema.type }));
        }
      }
      return ids;
    },
  };
}

// ---------------------------------------------------------------- JSON

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeJson(value: Buffer): unknown {
  let text: string;
  try {
    text = UTF8.decode(value);
  } catch (e) {
    throw new CodecError('MALFORMED_JSON', 'value is neither Avro (magic byte 0) nor valid UTF-8 text', {
      cause: e,
    });
  }
  // The product's one JSON reader and its limits (the offline CLI reads files with the same).
  const r = parseJsonText(text, 'record');
  if (r.ok) return r.value;
  const issue = r.error.issues[0];
  throw new CodecError(
    issue?.code === 'TOO_LARGE' ? 'RECORD_TOO_LARGE' : 'MALFORMED_JSON',
    issue?.reason ?? r.error.message,
  );
}

// ---------------------------------------------------------------- Avro

type AvroResolver = ReturnType<avro.Type['createResolver']>;

type Resolution =
  | { ok: true; reader: avro.Type; resolver: AvroResolver | undefined }
  | { ok: false; message: string };

/** The writer's schema resolved against our reader schema (none needed when they are the same schema). */
function resolve(local: LocalSchema, writer: avro.Type, id: number, kind: SchemaKind): Resolution {
  if (writer === local.type || writer.equals(local.type))
    return { ok: true, reader: local.type, resolver: undefined };
  try {
    // Names compare without namespaces, as the registry's compatibility check (Avro's SchemaCompatibility) does.
    const resolver = local.type.createResolver(writer, { ignoreNamespaces: true });
    return { ok: true, reader: local.type, resolver };
  } catch (e) {
    return {
      ok: false,
      message: `schema id ${id} cannot be read as the service's ${READER_NAMES[kind]} schema (${SCHEMA_FILES[kind]}): ${messageOf(e)}`,
    };
  }
}

const READER_NAMES: Record<SchemaKind, string> = {
  alert: 'AnomalyAlert',
  deploy: 'DeployEvent',
  feedback: 'AlertFeedback',
  scored: 'ScoredAlert',
  action: 'Action',
  page: 'PageRecord | AcknowledgeRecord | ResolveRecord',
  incident: 'IncidentRecord',
};

function decodeAvro(type: avro.Type, id: number, payload: Buffer, resolver?: AvroResolver): unknown {
  let raw: unknown;
  try {
    raw = resolver ? type.fromBuffer(payload, resolver) : type.fromBuffer(payload);
  } catch (e) {
    throw new CodecError('AVRO_DECODE_FAILED', `payload does not decode with schema ${id}: ${messageOf(e)}`, {
      cause: e,
    });
  }
  try {
    return plain(type, raw, 0);
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw new CodecError('AVRO_DECODE_FAILED', `decoded value of schema ${id} is unusable: ${messageOf(e)}`, {
      cause: e,
    });
  }
}

type AnyType = avro.Type & {
  fields?: avro.types.Field[];
  itemsType?: avro.Type;
  valuesType?: avro.Type;
  types?: avro.Type[];
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/**
 * avsc's decoded value → plain objects: records become object literals (not avsc Record instances), wrapped
 * unions are unwrapped, `long`s (and so `timestamp-millis`) are numbers, nulls stay null.
 */
function plain(type: AnyType, v: unknown, depth: number): unknown {
  if (depth > MAX_NESTING_DEPTH) {
    throw new CodecError('RECORD_TOO_LARGE', `Avro value nested deeper than ${MAX_NESTING_DEPTH} levels`);
  }
  switch (type.typeName) {
    case 'record':
    case 'error': {
      if (!isObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const f of type.fields!) out[f.name] = plain(f.type, v[f.name], depth + 1);
      return out;
    }
    case 'array':
      return Array.isArray(v) ? v.map((x) => plain(type.itemsType!, x, depth + 1)) : v;
    case 'map':
      return isObject(v)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(type.valuesType!, x, depth + 1)]))
        : v;
    case 'union:wrapped': {
      if (!isObject(v)) return v;
      const [branch] = Object.keys(v);
      const t = type.types!.find((b) => b.branchName === branch);
      return t && branch !== undefined ? plain(t, v[branch], depth + 1) : v;
    }
    case 'union:unwrapped': {
      if (v === null || v === undefined) return null;
      const branches = type.types!.filter((b) => b.typeName !== 'null');
      const t = branches.length === 1 ? branches[0] : branches.find((b) => b.isValid(v));
      return t ? plain(t, v, depth + 1) : v;
    }
    default:
      return v;
  }
}

/**
 * The core's objects → what avsc writes: absent or undefined optionals become null, and a value no branch of a
 * union accepts is written as its JSON text when the union has a string branch (pagerduty.custom_details).
 */
/** The value avsc writes for a record of this kind: parts kept as JSON text, optional fields as null. */
export function avroValueOf(type: avro.Type, kind: EncodeKind, record: object): unknown {
  return prepare(type as AnyType, toWire(kind, record));
}

/** The tier records and incident records keep some parts as JSON text in Avro (tier-wire.ts says which). */
function toWire(kind: EncodeKind, record: object): object {
  if (kind === 'page') return tierRecordToWire(record as TierRecord);
  if (kind === 'incident') return incidentToWire(record as IncidentRecord);
  return record;
}

function prepare(type: AnyType, v: unknown): unknown {
  switch (type.typeName) {
    case 'record':
    case 'error': {
      if (!isObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const f of type.fields!) out[f.name] = prepare(f.type, v[f.name]);
      return out;
    }
    case 'array':
      return Array.isArray(v) ? v.map((x) => prepare(type.itemsType!, x)) : v;
    case 'map':
      return isObject(v)
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, prepare(type.valuesType!, x)]))
        : v;
    case 'union:unwrapped': {
      const branches = type.types!;
      if (v === undefined || v === null) return branches.some((b) => b.typeName === 'null') ? null : v;
      const nonNull = branches.filter((b) => b.typeName !== 'null');
      if (nonNull.length === 1) return prepare(nonNull[0]!, v);
      if (nonNull.some((b) => b.isValid(v))) return v;
      if (typeof v === 'object' && nonNull.some((b) => b.typeName === 'string')) return JSON.stringify(v);
      return v;
    }
    default:
      return v;
  }
}

function invalidPaths(type: avro.Type, value: unknown): string {
  const paths: string[] = [];
  type.isValid(value, {
    errorHook: (path, v) => {
      if (paths.length < 5) paths.push(`${path.join('.') || '(record)'}: ${describe(v)}`);
    },
  });
  return paths.join('; ');
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 64));
  if (typeof v === 'object') return v === null ? 'null' : Array.isArray(v) ? 'array' : 'object';
  return String(v);
}

// ---------------------------------------------------------------- schemas

function defaultSchemasDir(): string {
  // src/adapters/registry (or dist/adapters/registry): walk up to the package root holding schemas/.
  let dir = import.meta.dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schemas');
    if (existsSync(join(candidate, SCHEMA_FILES.alert))) return candidate;
    dir = dirname(dir);
  }
  return join(import.meta.dirname, '..', '..', '..', 'schemas');
}

function loadSchemas(dir: string): Record<SchemaKey, LocalSchema> {
  const out = {} as Record<SchemaKey, LocalSchema>;
  for (const [key, file] of Object.entries(SCHEMA_FILES) as [SchemaKey, string][]) {
    const path = join(dir, file);
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    out[key] = {
      text: JSON.stringify(parsed),
      type: avro.Type.forSchema(parsed as avro.Schema, typeOptions()),
    };
  }
  return out;
}

interface SchemaResponse {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
  id?: unknown;
}

async function fetchType(registry: RegistryClient, id: number): Promise<avro.Type> {
  const res = await registry.request('GET', `/schemas/ids/${id}`);
  if (res.status === 404) {
    throw new CodecError('UNKNOWN_SCHEMA_ID', `schema id ${id} is not in the registry (${res.message})`);
  }
  if (res.status !== 200) {
    throw new CodecError('UNKNOWN_SCHEMA_ID', `registry refused schema id ${id}: ${res.message}`);
  }
  const body = res.body as SchemaResponse;
  const registryTypes: Record<string, avro.Type> = {};
  await loadReferences(registry, body.references, registryTypes, new Set(), id);
  return parseAvroSchema(body, `schema id ${id}`, registryTypes);
}

/** Referenced schemas (Confluent schema references) are parsed first into a shared avsc registry of named types. */
async function loadReferences(
  registry: RegistryClient,
  references: unknown,
  types: Record<string, avro.Type>,
  seen: Set<string>,
  id: number,
): Promise<void> {
  if (!Array.isArray(references)) return;
  for (const ref of references as { subject?: unknown; version?: unknown }[]) {
    const key = `${ref.subject}/${ref.version}`;
    if (typeof ref.subject !== 'string' || seen.has(key)) continue;
    seen.add(key);
    const res = await registry.request(
      'GET',
      `/subjects/${encodeURIComponent(ref.subject)}/versions/${encodeURIComponent(String(ref.version))}`,
    );
    if (res.status !== 200) {
      throw new CodecError(
        'UNKNOWN_SCHEMA_ID',
        `schema id ${id} references ${ref.subject} version ${ref.version}, which the registry does not have (${res.message})`,
      );
    }
    const body = res.body as SchemaResponse;
    await loadReferences(registry, body.references, types, seen, id);
    parseAvroSchema(body, `reference ${key} of schema id ${id}`, types);
  }
}

function parseAvroSchema(body: SchemaResponse, what: string, types: Record<string, avro.Type>): avro.Type {
  const kind = body.schemaType ?? 'AVRO';
  if (kind !== 'AVRO') {
    throw new CodecError('AVRO_DECODE_FAILED', `${what} is a ${String(kind)} schema; only Avro is supported`);
  }
  try {
    const schema: unknown = typeof body.schema === 'string' ? JSON.parse(body.schema) : body.schema;
    return avro.Type.forSchema(schema as avro.Schema, typeOptions(types));
  } catch (e) {
    throw new CodecError('AVRO_DECODE_FAILED', `${what} is not a usable Avro schema: ${messageOf(e)}`, {
      cause: e,
    });
  }
}

/**
 * The id to frame our records with: our own schema's id under the subject when it is registered there, else the
 * subject's latest schema (another compatible version registered by the platform team).
 */
async function findWriter(registry: RegistryClient, schema: LocalSchema, subject: string): Promise<Writer> {
  const path = `/subjects/${encodeURIComponent(subject)}`;
  const found = await registry.request('POST', path, { schema: schema.text });
  if (found.status === 200 && typeof (found.body as SchemaResponse).id === 'number') {
    return { id: (found.body as SchemaResponse).id as number, type: schema.type };
  }
  if (found.status === 404 && found.errorCode !== 40401) {
    const latest = await registry.request('GET', `${path}/versions/latest`);
    const body = latest.body as SchemaResponse;
    if (latest.status === 200 && typeof body.id === 'number') {
      try {
        return { id: body.id, type: parseAvroSchema(body, `latest schema of ${subject}`, {}) };
      } catch (e) {
        throw new CodecError('ENCODE_FAILED', messageOf(e), { cause: e });
      }
    }
  }
  throw new CodecError(
    'ENCODE_FAILED',
    `no schema registered for subject ${subject} (${found.message}); register them first (registerSchemas)`,
  );
}

/**
 * Sets `wanted` on a subject that has no compatibility level of its own, and never touches one that has.
 * Confluent's GET /config/<subject> answers 404 (40401 no such subject, 40408 no level of its own) — then we set
 * it. Apicurio's ccompat API answers 404 only for a subject that does not exist: for an existing one without a
 * rule it answers 200 with the global level (NONE by default), the same answer as a deliberate NONE. There the
 * artifact's own rules (Apicurio's v3 API, `…/artifacts/<subject>/rules`) tell the two apart; when they cannot be
 * read, a 200 is taken as a level someone set, and kept.
 */
async function ensureCompatibility(
  registry: RegistryClient,
  subject: string,
  wanted: string,
): Promise<CompatibilityOutcome> {
  const path = `/config/${encodeURIComponent(subject)}`;
  const levelOf = (body: unknown): string | undefined => {
    const b = (body as { compatibilityLevel?: unknown; compatibility?: unknown } | undefined) ?? {};
    const l = b.compatibilityLevel ?? b.compatibility;
    return typeof l === 'string' ? l : undefined;
  };
  const current = await registry.request('GET', path);
  if (current.status === 200) {
    const own = await registry.hasOwnCompatibilityRule(subject);
    if (own !== false) return { subject, level: levelOf(current.body) ?? 'unknown', set: false, wanted };
  } else if (current.status !== 404) {
    throw new CodecError(
      'SCHEMA_INCOMPATIBLE',
      `could not read the compatibility level of subject ${subject}: ${current.message}`,
    );
  }
  const res = await registry.request('PUT', path, { compatibility: wanted });
  if (res.status === 200) return { subject, level: wanted, set: true, wanted };
  // Another instance starting at the same time set it first (Apicurio answers 409 "already exists"): whatever
  // is there now was set on purpose.
  if (res.status === 409) {
    const again = await registry.request('GET', path);
    const now = levelOf(again.body);
    if (again.status === 200 && now) return { subject, level: now, set: false, wanted };
  }
  throw new CodecError(
    'SCHEMA_INCOMPATIBLE',
    `could not set compatibility ${wanted} on subject ${subject}: ${res.message}`,
  );
}

async function registerOne(registry: RegistryClient, subject: string, text: string): Promise<number> {
  const res = await registry.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
    schema: text,
  });
  const id = (res.body as SchemaResponse | undefined)?.id;
  if (res.status === 200 && typeof id === 'number') return id;
  const why =
    res.status === 409
      ? 'is incompatible with the schema registered'
      : res.status === 422
        ? 'was rejected as invalid'
        : 'was refused';
  throw new CodecError('SCHEMA_INCOMPATIBLE', `schema for subject ${subject} ${why}: ${res.message}`);
}

// ---------------------------------------------------------------- registry HTTP

interface RegistryResponse {
  status: number;
  body: unknown;
  errorCode: number | undefined;
  message: string;
}

/** Statuses worth retrying: the registry is down or overloaded. (401/403, credentials to fix, are retried too.) */
const TRANSIENT = new Set([408, 425, 429]);
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

class RegistryClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  /** Whether credentials are sent: says what a 401 means. Never the credentials themselves. */
  private readonly authenticates: boolean;
  /** Extra trusted CAs for https (kept with Node's own), from caFile. */
  private readonly ca: string[] | undefined;

  constructor(options: CodecOptions) {
    this.base = options.registryUrl.replace(/\/+$/, '');
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.headers = {
      accept: 'application/vnd.schemaregistry.v1+json, application/json',
      'content-type': 'application/vnd.schemaregistry.v1+json',
    };
    this.authenticates = options.username !== undefined;
    this.ca = options.caFile ? [...rootCertificates, readFileSync(options.caFile, 'utf8')] : undefined;
    if (options.username !== undefined) {
      const token = Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64');
      this.headers.authorization = `Basic ${token}`;
    }
  }

  /**
   * Whether an Apicurio artifact (the subject) has a COMPATIBILITY rule of its own, from Apicurio's v3 API beside
   * the ccompat one (group `default`, where ccompat keeps subjects unless configured otherwise); undefined when
   * that cannot be told (not Apicurio, another group mapping, no such artifact).
   */
  async hasOwnCompatibilityRule(subject: string): Promise<boolean | undefined> {
    const root = /^(.*)\/apis\/ccompat\/v[67]$/.exec(this.base)?.[1];
    if (root === undefined) return undefined;
    const url = `${root}/apis/registry/v3/groups/default/artifacts/${encodeURIComponent(subject)}/rules`;
    const res = await this.request('GET', url, undefined, true);
    if (res.status !== 200 || !Array.isArray(res.body)) return undefined;
    return res.body.includes('COMPATIBILITY');
  }

  /** Returns 2xx and permanent 4xx answers; throws REGISTRY_UNAVAILABLE for everything transient. */
  async request(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    absolute = false,
  ): Promise<RegistryResponse> {
    const what = `${method} ${path}`;
    let res: { status: number; text: string };
    try {
      res = await this.send(
        method,
        new URL(absolute ? path : this.base + path),
        body === undefined ? undefined : JSON.stringify(body),
      );
    } catch (e) {
      throw new CodecError('REGISTRY_UNAVAILABLE', `schema registry ${what} failed: ${networkReason(e)}`, {
        cause: e,
      });
    }
    const text = res.text;
    let parsed: unknown;
    try {
      parsed = text.length ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const err = parsed as { message?: unknown; error_code?: unknown; detail?: unknown } | undefined;
    const errorCode = typeof err?.error_code === 'number' ? err.error_code : undefined;
    const detail = typeof err?.message === 'string' ? err.message : text.slice(0, 200);
    const message = `HTTP ${res.status}${errorCode === undefined ? '' : ` (${errorCode})`}: ${detail}`;
    if (res.status === 401 || res.status === 403) {
      // Registries answer these with an empty or generic body: say what it means and which settings to fix.
      const why =
        res.status === 403
          ? 'the registry user may not do this (check its role)'
          : this.authenticates
            ? 'the registry refused the credentials'
            : 'the registry demands credentials and none are configured';
      throw new CodecError(
        'REGISTRY_AUTH_FAILED',
        `schema registry ${what} answered ${message.replace(/: $/, '')}: ${why} ` +
          '(registry.username / registry.password, or SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD)',
      );
    }
    if (res.status >= 500 || TRANSIENT.has(res.status)) {
      throw new CodecError('REGISTRY_UNAVAILABLE', `schema registry ${what} answered ${message}`);
    }
    if (res.status >= 200 && res.status < 300 && parsed === undefined) {
      throw new CodecError(
        'REGISTRY_UNAVAILABLE',
        `schema registry ${what} answered ${res.status} without JSON`,
      );
    }
    return { status: res.status, body: parsed, errorCode, message };
  }

  // node:http rather than fetch: fetch refuses the Fetch spec's "bad ports" (1, 6000, 6665-6669, 10080, ...)
  // without trying to connect, so a registry listening on one would be unreachable.
  private send(
    method: string,
    url: URL,
    payload: string | undefined,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.headers };
      if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
      const https = url.protocol === 'https:';
      const send = https ? httpsRequest : httpRequest;
      const opts = {
        method,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(https && this.ca ? { ca: this.ca } : {}),
      };
      const req = send(url, opts, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES)
            req.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function networkReason(e: unknown): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return 'timed out';
  const cause =
    e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string')
    return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return messageOf(e);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function noop(): void {}
