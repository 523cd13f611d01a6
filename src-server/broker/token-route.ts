import type { Hono } from 'hono';
import { clientAddress } from '../client-address.js';
import { answer, mediaType, readLimited, refuse, type Vars } from '../http.js';
import type { ServerDeps } from '../ports.js';
import type { RateLimiter } from '../store/rate-limiter.js';
import { postToGarmin, UpstreamError, type UpstreamAnswer } from './garmin-upstream.js';
import type { RotationReplays } from './rotation-replays.js';
import { garminForm, isRefusal, parseTokenRequest } from './token-request.js';

/** The largest token request body accepted: a real one is a few hundred bytes. */
export const MAX_TOKEN_BODY_BYTES = 8 * 1024;

/**
 * `POST /v1/garmin/token`: the desktop's code exchange or refresh, forwarded to Garmin with the
 * client secret added; everything the broker must not forward is refused before Garmin sees it.
 * @see docs/server.md, "Routes"
 */
export function registerTokenRoute(app: Hono<{ Variables: Vars }>, deps: ServerDeps, limiter: RateLimiter, replays: RotationReplays): void {
  const { config } = deps;
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

    if (mediaType(c) !== 'application/x-www-form-urlencoded') return refuse(c, 415, 'unsupported_media_type', 'Send the form as application/x-www-form-urlencoded.');
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
      if (!(error instanceof UpstreamError)) throw error;
      log.upstream_status = error.upstreamStatus;
      if (error.kind === 'timeout') return refuse(c, 504, 'upstream_unavailable', 'Garmin did not answer in time. Try again.', { 'retry-after': '5' });
      return refuse(c, 502, 'upstream_unavailable', error.kind === 'network' ? 'Garmin cannot be reached. Try again.' : 'Garmin answered something that is not JSON. Try again.', {
        'retry-after': '5',
      });
    }
    if (result.body === null) return refuse(c, 504, 'upstream_unavailable', 'The same refresh is still under way elsewhere. Try again.', { 'retry-after': '5' });
    log.outcome = result.replayed ? 'replayed' : result.status === 200 ? 'ok' : 'upstream_refused';
    return answer(c, result.status, result.body, result.retryAfter ? { 'retry-after': result.retryAfter } : {});
  });
}
