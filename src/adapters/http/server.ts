// The service's HTTP surface, on node:http alone: /metrics (Prometheus text format), /healthz
// (liveness), /readyz (readiness, with details) and, when given a gate, /v1/gate (the version gate's
// verdict, docs/GATE.md). Everything else is 404; other methods than GET (and HEAD, which HTTP
// requires alongside GET) are 405.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  metrics: Metrics;
  health: () => Health;
  /** GET /v1/gate: the answer to its query (status and JSON body). Without it, /v1/gate is 404. */
  gate?: (query: URLSearchParams) => { status: number; body: object };
  /** How long stop() lets in-flight responses finish before cutting their connections. Default 1000. */
  stopGraceMs?: number;
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
