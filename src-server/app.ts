import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { clientAddress } from './client-address.js';
import { postToGarmin, UpstreamError, type UpstreamAnswer } from './broker/garmin-upstream.js';
import { RotationReplays } from './broker/rotation-replays.js';
import { garminForm, isRefusal, parseTokenRequest } from './broker/token-request.js';
import type { ServerDeps, ServerLogFields } from './ports.js';
import { RateLimiter } from './store/rate-limiter.js';

/** The largest token request body accepted: a real one is a few hundred bytes. */
export const MAX_TOKEN_BODY_BYTES = 8 * 1024;

type Vars = { requestId: string; log: Record<string, string | number | null> };

/** The R42 server as a web-standard fetch handler (`app.fetch`), its ports passed in. */
export interface ServerApp {
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** Deletes expired rate-limit counters and rotation answers; the host runs it every minute. */
  maintenance(): Promise<void>;
}

/** A JSON answer that no cache keeps and no browser may read across origins (no CORS, ever). */
function answer(c: Context, status: number, body: string, extra: Record<string, string> = {}): Response {
  return c.body(body, status as 200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
}

function refuse(c: Context<{ Variables: Vars }>, status: number, error: string, description: string, extra: Record<string, string> = {}): Response {
  c.get('log').outcome = error;
  return answer(c, status, JSON.stringify({ error, error_description: description }), extra);
}

/** Reads at most `max` bytes of the body; null when there is more. */
async function readLimited(request: Request, max: number): Promise<string | null> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > max) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Builds the server's routes. Nothing here keeps state between requests: any number of instances can run. */
export function createServerApp(deps: ServerDeps): ServerApp {
  const { config, store, logger } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limiter = new RateLimiter(store, config.rateLimitPerMinute);
  const replays = new RotationReplays(store, {
    replayMs: config.rotationReplayMs,
    pendingMs: config.upstreamTimeoutMs + 5_000,
    now: deps.now,
    sleep,
  });
  const app = new Hono<{ Variables: Vars }>();

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('log', {});
    await next();
    c.header('x-request-id', requestId);
    const fields: ServerLogFields = {
      request_id: requestId,
      method: c.req.method,
      route: c.req.routePath === '/*' ? 'unknown' : c.req.routePath,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      ...c.get('log'),
    };
    logger.log(c.res.status >= 500 ? 'error' : c.res.status >= 400 ? 'warn' : 'info', 'request', fields);
  });

  app.get('/healthz', (c) => answer(c, 200, '{"status":"ok"}'));

  app.get('/readyz', async (c) => {
    try {
      await store.query('select 1');
      return answer(c, 200, '{"status":"ready"}');
    } catch {
      return refuse(c, 503, 'store_unavailable', 'The database does not answer.');
    }
  });

  app.all('/v1/garmin/token', async (c) => {
    const log = c.get('log');
    if (c.req.method !== 'POST') return refuse(c, 405, 'method_not_allowed', 'Use POST.', { allow: 'POST' });
    // No browser may use the broker: a page could otherwise spend a runner's refresh token.
    if (c.req.header('origin') !== undefined) return refuse(c, 403, 'origin_forbidden', 'Browsers may not call the token broker.');

    const address = clientAddress(deps.peerAddress(c), c.req.header('x-forwarded-for'), config.trustProxyHops);
    let decision;
    try {
      decision = await limiter.hit(address, deps.now());
    } catch {
      return refuse(c, 503, 'store_unavailable', 'The broker cannot check its rate limit right now. Try again shortly.', { 'retry-after': '5' });
    }
    if (!decision.allowed) {
      return refuse(c, 429, 'rate_limited', `Too many token requests from this address. Try again in ${decision.retryAfterSeconds} s.`, {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }

    const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      return refuse(c, 415, 'unsupported_media_type', 'Send the form as application/x-www-form-urlencoded.');
    }
    const body = await readLimited(c.req.raw, MAX_TOKEN_BODY_BYTES);
    if (body === null) return refuse(c, 413, 'request_too_large', `The body is larger than ${MAX_TOKEN_BODY_BYTES} bytes.`);

    const request = parseTokenRequest(body, config.garmin);
    if (isRefusal(request)) return refuse(c, request.status, request.error, request.description);
    log.grant_type = request.grant_type;

    const forward = async (): Promise<UpstreamAnswer> => {
      const result = await postToGarmin(deps.upstreamFetch, config.garmin.tokenUrl, garminForm(request, config.garmin.clientSecret), config.upstreamTimeoutMs);
      log.upstream_status = result.status;
      return result;
    };
    let result: UpstreamAnswer & { replayed?: boolean };
    try {
      result = request.grant_type === 'refresh_token' ? await replays.refresh(request.refresh_token, forward) : await forward();
    } catch (error) {
      if (error instanceof UpstreamError) {
        log.upstream_status = error.upstreamStatus;
        return error.kind === 'timeout'
          ? refuse(c, 504, 'upstream_unavailable', 'Garmin did not answer in time. Try again.', { 'retry-after': '5' })
          : refuse(c, 502, 'upstream_unavailable', error.kind === 'network' ? 'Garmin cannot be reached. Try again.' : 'Garmin answered something that is not JSON. Try again.', {
              'retry-after': '5',
            });
      }
      throw error;
    }
    if (result.body === null) return refuse(c, 504, 'upstream_unavailable', 'The same refresh is still under way elsewhere. Try again.', { 'retry-after': '5' });
    log.outcome = result.replayed ? 'replayed' : result.status === 200 ? 'ok' : 'upstream_refused';
    return answer(c, result.status, result.body, result.retryAfter ? { 'retry-after': result.retryAfter } : {});
  });

  app.notFound((c) => refuse(c, 404, 'not_found', 'No such route.'));

  app.onError((error, c) => {
    // The name only: a library's message can echo a request body.
    c.get('log').error_name = error.name;
    return refuse(c, 500, 'server_error', 'The server failed. Try again.');
  });

  return {
    fetch: app.fetch,
    async maintenance() {
      const now = deps.now();
      const [counters, rotations] = await Promise.all([limiter.prune(now), replays.prune(now)]);
      if (counters || rotations) logger.log('debug', 'maintenance', { rate_limit_counters: counters, rotation_answers: rotations });
    },
  };
}
