// The service's HTTP surface, on node:http alone: /metrics (Prometheus text format), /healthz
// (liveness), /readyz (readiness, with details) and, when given a gate, /v1/gate (the version gate's
// verdict, docs/GATE.md) and, when given an ingest, POST /v1/ingest/<format> (docs/INPUTS.md). Everything
// else is 404; other methods than GET (and HEAD, which HTTP requires alongside GET) are 405, and than
// POST on /v1/ingest.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJsonText } from '../../core/json-text.ts';
import type { Metrics } from '../../telemetry.ts';

export interface Health {
  live: boolean;
  ready: boolean;
  details: Record<string, unknown>;
}

export interface HttpServerOptions {
  port: number;
  /** Default 0.0.0.0, so a container's port mapping and Prometheus can reach it. */
  host?: string;
  /** Only its registry is read (served on /metrics). */
  metrics: Pick<Metrics, 'registry'>;
  health: () => Health;
  /** GET /v1/gate: the answer to its query (status and JSON body). Without it, /v1/gate is 404. */
  gate?: (query: URLSearchParams) => { status: number; body: object };
  /**
   * POST /v1/ingest/<format>: on only with a token (without one, /v1/ingest/* is 404). The server checks
   * the bearer token (constant time), the content type (JSON, 415) and the body size (413); `handle` gets
   * the parsed body of a known format and answers.
   */
  ingest?: IngestRoute;
  /** The triage console (GET /, /incident/<id>, /alert/<id>, POST /silences): answers true when it handled the request. */
  console?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** How long stop() lets in-flight responses finish before cutting their connections. Default 1000. */
  stopGraceMs?: number;
}

export interface IngestRoute {
  token: string;
  maxBodyBytes: number;
  /** The formats that have a route: /v1/ingest/<one of them>. */
  formats: readonly string[];
  handle(format: string, body: unknown): Promise<{ status: number; body: object }>;
  /** Every answer, for metrics: the format (or null when unknown) and the status. */
  answered?(format: string | null, status: number): void;
}

export interface HttpServer {
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

const ROUTES = new Set(['/metrics', '/healthz', '/readyz', '/v1/gate']);
const JSON_TYPE = 'application/json; charset=utf-8';

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { metrics, health } = options;
  const host = options.host ?? '0.0.0.0';
  const graceMs = options.stopGraceMs ?? 1000;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, req, 500, JSON_TYPE, JSON.stringify({ status: 'error', error: messageOf(error) }));
    });
  });
  // A scrape or probe needs no long-lived connection; keep-alive ones are closed by stop().
  server.keepAliveTimeout = 5000;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path.startsWith(INGEST_PREFIX)) return ingest(req, res, path.slice(INGEST_PREFIX.length));
    if (options.console && !ROUTES.has(path) && (await options.console(req, res))) return;
    if (!ROUTES.has(path) || (path === '/v1/gate' && !options.gate))
      return send(res, req, 404, JSON_TYPE, JSON.stringify({ status: 'not_found', path }));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, req, 405, JSON_TYPE, JSON.stringify({ status: 'method_not_allowed' }));
    }
    if (path === '/metrics') {
      const body = await metrics.registry.metrics();
      return send(res, req, 200, metrics.registry.contentType, body);
    }
    if (path === '/v1/gate') {
      const { status, body } = options.gate!(url.searchParams);
      return send(res, req, status, JSON_TYPE, JSON.stringify(body));
    }
    let state: Health;
    try {
      state = health();
    } catch (error) {
      return send(res, req, 503, JSON_TYPE, JSON.stringify({ status: 'error', error: messageOf(error) }));
    }
    if (path === '/healthz') {
      return state.live
        ? send(res, req, 200, JSON_TYPE, JSON.stringify({ status: 'ok' }))
        : send(res, req, 503, JSON_TYPE, JSON.stringify({ status: 'not_live', details: state.details }));
    }
    const body = JSON.stringify({ status: state.ready ? 'ready' : 'not_ready', details: state.details });
    return send(res, req, state.ready ? 200 : 503, JSON_TYPE, body);
  };

  const ingest = async (req: IncomingMessage, res: ServerResponse, format: string): Promise<void> => {
    const route = options.ingest;
    const answer = (status: number, body: object, headers: Record<string, string> = {}) => {
      route?.answered?.(route.formats.includes(format) ? format : null, status);
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      // A body not read (refused before it) is not drained: the connection closes after the answer.
      if (!req.complete) res.setHeader('Connection', 'close');
      send(res, req, status, JSON_TYPE, JSON.stringify(body));
    };
    if (!route)
      return answer(404, {
        status: 'not_found',
        path: `${INGEST_PREFIX}${format}`,
        message: 'ingest is off: set ALERT_TRIAGE_INGEST_TOKEN to turn it on',
      });
    if (!route.formats.includes(format))
      return answer(404, {
        status: 'not_found',
        path: `${INGEST_PREFIX}${format}`,
        message: `no such input format; one of ${route.formats.join(', ')}`,
      });
    if (req.method !== 'POST') return answer(405, { status: 'method_not_allowed' }, { Allow: 'POST' });
    if (!bearerMatches(req.headers.authorization, route.token))
      return answer(
        401,
        { status: 'unauthorized', message: 'a bearer token is required (Authorization: Bearer <token>)' },
        { 'WWW-Authenticate': 'Bearer realm="alert-triage ingest"' },
      );
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!isJsonType(type))
      return answer(415, {
        status: 'unsupported_media_type',
        message: `the body must be JSON (Content-Type application/json or */*+json), got ${JSON.stringify(type || 'none')}`,
      });
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > route.maxBodyBytes) return answer(413, tooLarge(route.maxBodyBytes));
    const text = await readBody(req, route.maxBodyBytes);
    if (text === undefined) return answer(413, tooLarge(route.maxBodyBytes));
    const parsed = parseJsonText(text, 'ingest body');
    if (!parsed.ok)
      return answer(400, {
        status: 'rejected',
        code: parsed.error.code,
        field: '',
        message: parsed.error.message,
        accepted: 0,
        rejected: 1,
      });
    const out = await route.handle(format, parsed.value);
    return answer(out.status, out.body, out.status === 503 ? { 'Retry-After': '5' } : {});
  };

  return {
    start() {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen(options.port, host, () => {
          server.off('error', onError);
          resolve({ port: (server.address() as AddressInfo).port });
        });
      });
    },
    stop() {
      if (!server.listening) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        cut.unref();
        server.close((error) => {
          clearTimeout(cut);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

const INGEST_PREFIX = '/v1/ingest/';

/** `Authorization: Bearer <token>` against the configured token, in constant time (digests of equal length). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const given = createHash('sha256')
    .update(m?.[1] ?? '')
    .digest();
  const wanted = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, wanted) && m !== null;
}

function isJsonType(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function tooLarge(max: number): object {
  return {
    status: 'payload_too_large',
    message: `the body is over ${max} bytes (http.ingest.max_body_bytes)`,
  };
}

/** The body as UTF-8 text, or undefined once it passes `max` bytes (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
