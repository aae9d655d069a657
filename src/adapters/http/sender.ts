// Sends one notification request (fetch, with a timeout) and says what came back: the status, its
// Retry-After and the start of the body (for the log of a refusal), or that nothing came back.
import type { HttpOutcome, HttpRequest } from '../../core/notify/types.ts';

/** What of a response body is kept: enough to say why a receiver refused. */
const MAX_BODY_CHARS = 2_048;

export async function sendRequest(request: HttpRequest, timeoutMs: number): Promise<HttpOutcome> {
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    const body = await res.text().catch((e: Error) => `(body unreadable: ${e.message})`);
    return {
      kind: 'response',
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: body.slice(0, MAX_BODY_CHARS),
    };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const message =
      err.name === 'TimeoutError'
        ? `timeout after ${timeoutMs} ms`
        : [err.message, err.cause?.code ?? err.cause?.message].filter(Boolean).join(': ');
    return { kind: 'network', message };
  }
}
