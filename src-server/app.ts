import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { RotationReplays } from './broker/rotation-replays.js';
import { registerTokenRoute } from './broker/token-route.js';
import { answer, refuse, UnreadableBodyError, type Vars } from './http.js';
import type { ServerDeps, ServerLogFields } from './ports.js';
import { IntakeQuota } from './relay/intake-quota.js';
import { NotificationStore } from './relay/notification-store.js';
import { registerRelayRoutes } from './relay/relay-routes.js';
import { TokenOwners } from './relay/token-owners.js';
import { RateLimiter } from './store/rate-limiter.js';

export { MAX_TOKEN_BODY_BYTES } from './broker/token-route.js';

/** The R42 server as a web-standard fetch handler (`app.fetch`), its ports passed in. */
export interface ServerApp {
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** Deletes expired rate-limit counters, rotation answers and notifications past retention; the host runs it every minute. */
  maintenance(): Promise<void>;
}

/** Builds the server's routes. Nothing here keeps state between requests: any number of instances can run. */
export function createServerApp(deps: ServerDeps): ServerApp {
  const { config, store, logger } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const limiter = new RateLimiter(store, config.rateLimitPerMinute);
  const replays = new RotationReplays(store, { replayMs: config.rotationReplayMs, pendingMs: config.upstreamTimeoutMs + 5_000, now: deps.now, sleep });
  const notifications = new NotificationStore(store, deps.dataKey);
  const quota = new IntakeQuota(store, config.webhookQuota, () => logger.log('warn', 'webhook.quota_flush_failed', {}));
  const owners = new TokenOwners(store, { apiUrl: config.garminApiUrl, fetch: deps.upstreamFetch, timeoutMs: config.upstreamTimeoutMs, now: deps.now });
  const app = new Hono<{ Variables: Vars }>();

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('log', {});
    // Set before the handler answers: added to its answer as it is made. Set on a finished answer,
    // it would turn the answer into a web Response with a stream body (half the CPU of a webhook).
    c.header('x-request-id', requestId);
    await next();
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
  registerTokenRoute(app, deps, limiter, replays);
  registerRelayRoutes(app, deps, { limiter, notifications, owners, quota, sleep });

  app.notFound((c) => refuse(c, 404, 'not_found', 'No such route.'));
  app.onError((error, c) => {
    if (error instanceof UnreadableBodyError) return refuse(c, 400, 'invalid_request', error.message);
    // The name only: a library's message can echo a request body. Logged at error level.
    c.get('log').error_name = error.name;
    return refuse(c, 500, 'server_error', 'The server failed. Try again.');
  });

  return {
    fetch: app.fetch,
    async maintenance() {
      const now = deps.now();
      await quota.flush(now).catch(() => logger.log('warn', 'webhook.quota_flush_failed', {}));
      const [counters, rotations, pruned, tokens, intake] = await Promise.all([limiter.prune(now), replays.prune(now), notifications.prune(now), owners.prune(now), quota.prune(now)]);
      if (counters || rotations || pruned || tokens || intake) {
        logger.log('info', 'maintenance', { rate_limit_counters: counters, rotation_answers: rotations, notifications_past_retention: pruned, token_owners: tokens, intake_counters: intake });
      }
    },
  };
}
