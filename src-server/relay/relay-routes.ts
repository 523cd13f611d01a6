import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { Hono } from 'hono';
import { z } from 'zod';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH, tooDeepMessage } from '../../src-common/json-depth.js';
import {
  RELAY_COMPUTER_HEADER,
  RELAY_COMPUTERS_HEADER,
  RELAY_MAX_WAIT_SECONDS,
  RELAY_READS_ACTIVITY_FILE,
  RELAY_READS_HEADER,
  relayAck,
  relayComputerId,
  relayCursor,
  relayForgotten,
  relayPage,
} from '../../src-common/relay-contract.js';
import { UpstreamError } from '../broker/garmin-upstream.js';
import { clientAddress } from '../client-address.js';
import { answer, bodyText, mediaType, readBytesLimited, refuse, type AppContext, type Vars } from '../http.js';
import type { ServerDeps } from '../ports.js';
import type { RateLimiter } from '../store/rate-limiter.js';
import { ByteGate } from './byte-gate.js';
import type { IntakeQuota } from './intake-quota.js';
import { NOTIFICATION_OVERHEAD_BYTES, payloadBytes, UNNAMED_COMPUTER, type NotificationStore, type RelayReads } from './notification-store.js';
import type { TokenOwners } from './token-owners.js';
import { EnvelopeError, readWebhookBody } from './webhook-envelope.js';

/** Most notifications in one relay page; `RELAY_PAGE_MAX_BYTES` bounds its size as well. */
const PAGE_SIZE = 500;
/** Another instance may have stored a notification: a long poll looks again this often. */
const POLL_MS = 1_000;
const BEARER = /^Bearer ([\x21-\x7e]{1,4096})$/;
/** How long a webhook body waits for room beside those being handled before it is refused 503. */
const GATE_WAIT_MS = 10_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The address to check against Garmin's ranges: an IPv4 peer of a dual-stack socket as IPv4. */
function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return { address: mapped, family: 'ipv4' };
  return { address, family: isIPv4(address) ? 'ipv4' : 'ipv6' };
}

const pageQuery = z.strictObject({
  after: relayCursor.optional(),
  wait: z
    .string()
    .regex(/^\d{1,2}$/, `must be a whole number of seconds from 0 to ${RELAY_MAX_WAIT_SECONDS}`)
    .transform(Number)
    .refine((n) => n <= RELAY_MAX_WAIT_SECONDS, `must be a whole number of seconds from 0 to ${RELAY_MAX_WAIT_SECONDS}`)
    .optional(),
});

/**
 * Garmin's webhook, and the relay that hands each runner's notifications to their desktop.
 * @see docs/server.md, "The relay"
 */
export function registerRelayRoutes(
  app: Hono<{ Variables: Vars }>,
  deps: ServerDeps,
  parts: { limiter: RateLimiter; notifications: NotificationStore; owners: TokenOwners; quota: IntakeQuota; sleep: (ms: number) => Promise<void> },
): void {
  const { config } = deps;
  const { notifications, owners, limiter, quota } = parts;
  const secretDigest = sha256(deps.webhookSecret);
  // Bodies being read, parsed and stored at once, by declared size (docs/server.md, "Bounded intake").
  const gate = new ByteGate(config.webhookMemoryBytes);
  // Long polls waiting on this instance, woken at once when this instance stores for their runner.
  const waiters = new Map<string, Set<() => void>>();
  const wake = (garminUserId: string) => {
    for (const resolve of waiters.get(garminUserId) ?? []) resolve();
  };
  const waitForWake = (garminUserId: string, ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const set = waiters.get(garminUserId) ?? new Set();
      waiters.set(garminUserId, set);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) waiters.delete(garminUserId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });

  // The URL registered at Garmin carries the secret (R42_WEBHOOK_SECRET): Garmin's client id, the
  // only credential it sends, is public. Without it, or with another, the webhook does not exist.
  app.all('/v1/garmin/webhook', (c) => {
    deps.logger.log('warn', 'webhook.refused', { reason: 'no_secret', note: 'register /v1/garmin/webhook/<R42_WEBHOOK_SECRET> at Garmin' });
    return refuse(c, 404, 'not_found', 'No such route.');
  });
  app.all('/v1/garmin/webhook/:secret', async (c) => {
    const log = c.get('log');
    if (!timingSafeEqual(sha256(c.req.param('secret')), secretDigest)) {
      deps.logger.log('warn', 'webhook.refused', { reason: 'wrong_secret' });
      return refuse(c, 404, 'not_found', 'No such route.');
    }
    if (config.webhookSources) {
      const from = plainAddress(clientAddress(deps.peerAddress(c), c.req.header('x-forwarded-for'), config.trustProxyHops));
      if (!config.webhookSources.list.check(from.address, from.family)) {
        deps.logger.log('warn', 'webhook.refused', { reason: 'source_not_allowed' });
        return refuse(c, 403, 'forbidden_source', 'Webhooks are accepted from Garmin’s addresses only.');
      }
    }
    if (c.req.method !== 'POST') return refuse(c, 405, 'method_not_allowed', 'Use POST.', { allow: 'POST' });
    if (c.req.header('origin') !== undefined) return refuse(c, 403, 'origin_forbidden', 'Browsers may not call the webhook.');
    if (c.req.header('garmin-client-id') !== config.garmin.clientId) return refuse(c, 401, 'invalid_client', 'garmin-client-id is missing or not this server’s client.');
    if (mediaType(c) !== 'application/json') return refuse(c, 415, 'unsupported_media_type', 'Send JSON.');
    // Garmin answers a refusal by delivering the same body again, for days: a body over the limit
    // is lost unless the limit is raised meanwhile, so it is logged as an error to alert on.
    const tooLarge = (what: 'body' | 'notification') => {
      const declared = Number(c.req.header('content-length'));
      deps.logger.log('error', 'webhook.too_large', {
        what,
        declared_bytes: Number.isFinite(declared) ? declared : null,
        limit: config.webhookMaxBytes,
        note: 'Garmin delivers it again for days: raise WEBHOOK_MAX_MEGABYTES',
      });
      return refuse(c, 413, 'request_too_large', `${what === 'body' ? 'The body' : 'A notification'} is larger than ${config.webhookMaxBytes} bytes.`);
    };
    const declared = c.req.header('content-length');
    const declaredBytes = declared !== undefined && /^\d{1,16}$/.test(declared) ? Number(declared) : null;
    if (declaredBytes !== null && declaredBytes > config.webhookMaxBytes) return tooLarge('body');
    // A body holds memory from its first byte to its commit (about eight times its size at the
    // peak): it waits for room first, sized by what it declares (the largest allowed when it does
    // not say), so a flood of large bodies waits here unread instead of growing the heap.
    const leave = await gate.enter(declaredBytes ?? config.webhookMaxBytes, GATE_WAIT_MS, c.req.raw.signal);
    if (!leave) {
      deps.logger.log('warn', 'webhook.busy', { waited_ms: GATE_WAIT_MS, in_progress_bytes: gate.used });
      return refuse(c, 503, 'busy', 'Too many webhook bodies at once; deliver again shortly.', { 'retry-after': '30' });
    }
    try {
      const bytes = await readBytesLimited(c.req.raw, config.webhookMaxBytes);
      if (bytes === null) return tooLarge('body');
      // Nothing walks a value nested past the limit (the dedupe digest, JSON.stringify): found by one
      // scan of the bytes, before parsing.
      if (jsonNestsDeeperThan(bytes, MAX_JSON_DEPTH)) return refuse(c, 400, 'too_deep', tooDeepMessage(MAX_JSON_DEPTH));
      let body;
      try {
        body = readWebhookBody(JSON.parse(bodyText(bytes)), config.garminApiUrl.origin);
      } catch (error) {
        // Logged without the body: it can hold a runner's health data.
        if (error instanceof SyntaxError) return refuse(c, 400, 'invalid_request', 'The body is not JSON.');
        if (error instanceof EnvelopeError) return refuse(c, 400, 'invalid_request', error.message);
        throw error;
      }
      const parsed = body.notifications;
      // Keys Garmin does not document and items naming no runner are acknowledged and counted (never
      // refused: Garmin would redeliver the whole body for a week, then drop it with its known keys).
      const ignored = countsText(body.ignored);
      const unreadable = countsText(body.unreadable);
      if (ignored) c.get('log').ignored = ignored;
      if (unreadable) c.get('log').unreadable = unreadable;
      if (ignored || unreadable) deps.logger.log('warn', 'webhook.not_stored', { ...(ignored ? { unknown_keys: ignored } : {}), ...(unreadable ? { unreadable } : {}) });
      // A notification travels to the desktop whole, in one page: none may outgrow the body limit
      // (re-encoded JSON can be larger than what was sent: 1e20 is written out in full).
      if (parsed.some((n) => payloadBytes(n) + NOTIFICATION_OVERHEAD_BYTES > config.webhookMaxBytes)) return tooLarge('notification');
      log.notifications = parsed.length;
      log.kinds = [...new Set(parsed.map((n) => (n.kind === 'ping' || n.kind === 'push' ? `${n.kind}:${n.type}` : n.kind)))].sort().join(',');
      let result: { stored: number; duplicates: number; users: Iterable<string> } = { stored: 0, duplicates: 0, users: [] };
      try {
        if (parsed.length > 0) {
          // Stored bytes and notifications per runner and for everyone, per hour: past either, the
          // whole body waits for the next hour (Garmin delivers a refused body again for days).
          const decision = quota.claim(parsed, deps.now());
          if (!decision.allowed) {
            deps.logger.log('warn', 'webhook.quota_exceeded', { scope: decision.scope, runners: decision.runners, notifications: parsed.length });
            return refuse(c, 429, 'quota_exceeded', `${decision.scope === 'all' ? 'The server’s' : 'A runner’s'} hourly webhook quota is used up; deliver again in ${decision.retryAfterSeconds} s.`, {
              'retry-after': String(decision.retryAfterSeconds),
            });
          }
          result = await notifications.add(parsed, deps.now());
        }
      } catch {
        // Garmin retries a failed delivery for days: nothing is lost by saying so.
        return refuse(c, 503, 'store_unavailable', 'Not stored; deliver again later.', { 'retry-after': '30' });
      }
      for (const user of result.users) wake(user);
      log.stored = result.stored;
      log.duplicates = result.duplicates;
      log.outcome = 'ok';
      return answer(
        c,
        200,
        JSON.stringify({ stored: result.stored, duplicates: result.duplicates, ...(ignored ? { ignored: body.ignored } : {}), ...(unreadable ? { unreadable: body.unreadable } : {}) }),
      );
    } finally {
      leave();
    }
  });

  /** The optional fields a desktop reads (its `R42-Relay-Reads` header): none from an older desktop; names it does not know are ignored. */
  const readsOf = (c: AppContext): RelayReads => {
    const names = (c.req.header(RELAY_READS_HEADER) ?? '').slice(0, 256).split(',').map((name) => name.trim());
    return { activityFile: names.includes(RELAY_READS_ACTIVITY_FILE) };
  };

  /** The computer a relay request comes from (its `R42-Computer` header), or the refusal to send. */
  const computerOf = (c: AppContext): string | Response => {
    const header = c.req.header(RELAY_COMPUTER_HEADER);
    if (header === undefined) return UNNAMED_COMPUTER;
    const parsed = relayComputerId.safeParse(header);
    return parsed.success ? parsed.data : refuse(c, 400, 'invalid_request', `${RELAY_COMPUTER_HEADER} ${parsed.error.issues[0]!.message}.`);
  };

  /** The runner a request speaks for, from their own Garmin access token; or the refusal to send. */
  const authenticate = async (c: AppContext): Promise<{ garminUserId: string } | Response> => {
    if (c.req.header('origin') !== undefined) return refuse(c, 403, 'origin_forbidden', 'Browsers may not call the relay.');
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    const challenge = { 'www-authenticate': 'Bearer realm="r42-relay"' };
    if (!token) return refuse(c, 401, 'invalid_token', 'Send the runner’s Garmin access token as Authorization: Bearer.', challenge);
    try {
      const known = await owners.remembered(token);
      if (known) return { garminUserId: known };
      // Asking Garmin costs a call: an unknown token counts against the address's limit.
      const address = clientAddress(deps.peerAddress(c), c.req.header('x-forwarded-for'), config.trustProxyHops);
      const decision = await limiter.hit(`relay|${address}`, deps.now());
      if (!decision.allowed) {
        return refuse(c, 429, 'rate_limited', `Too many new tokens from this address. Try again in ${decision.retryAfterSeconds} s.`, {
          'retry-after': String(decision.retryAfterSeconds),
        });
      }
      const owner = await owners.askGarmin(token);
      if (!owner) return refuse(c, 401, 'invalid_token', 'Garmin does not accept this access token.', challenge);
      return { garminUserId: owner };
    } catch (error) {
      if (error instanceof UpstreamError) {
        return refuse(c, error.kind === 'timeout' ? 504 : 502, 'upstream_unavailable', 'Garmin cannot say whose this token is right now. Try again.', { 'retry-after': '5' });
      }
      return refuse(c, 503, 'store_unavailable', 'The relay’s database does not answer. Try again shortly.', { 'retry-after': '5' });
    }
  };

  app.get('/v1/relay/notifications', async (c) => {
    const query = pageQuery.safeParse(c.req.query());
    if (!query.success) {
      const issue = query.error.issues[0]!;
      return refuse(c, 400, 'invalid_request', `${issue.path.join('.') || 'query'} ${issue.message}.`);
    }
    const computer = computerOf(c);
    if (computer instanceof Response) return computer;
    const who = await authenticate(c);
    if (who instanceof Response) return who;
    const after = query.data.after ?? null;
    const reads = readsOf(c);
    const deadline = deps.now() + (query.data.wait ?? 0) * 1000;
    const signal = c.req.raw.signal;
    try {
      // The relay delivers to each computer that asked: this one counts from now on.
      const computers = await notifications.touch(who.garminUserId, computer, deps.now());
      c.header(RELAY_COMPUTERS_HEADER, String(computers));
      for (;;) {
        const page = await notifications.page(who.garminUserId, after, PAGE_SIZE, config.relayPageMaxBytes, reads);
        const now = deps.now();
        if (page.notifications.length > 0 || now >= deadline || signal.aborted) {
          c.get('log').notifications = page.notifications.length;
          c.get('log').outcome = 'ok';
          const body = JSON.stringify(relayPage.parse({ notifications: page.notifications, cursor: page.notifications.at(-1)?.cursor ?? after, more: page.more }));
          c.get('log').bytes = Buffer.byteLength(body, 'utf8');
          return answer(c, 200, body);
        }
        await waitForWake(who.garminUserId, Math.min(POLL_MS, deadline - now), signal);
      }
    } catch {
      return refuse(c, 503, 'store_unavailable', 'The relay’s database does not answer. Try again shortly.', { 'retry-after': '5' });
    }
  });

  app.post('/v1/relay/ack', async (c) => {
    if (mediaType(c) !== 'application/json') return refuse(c, 415, 'unsupported_media_type', 'Send JSON: {"cursor": "…"}.');
    const bytes = await readBytesLimited(c.req.raw, 1024);
    if (bytes === null) return refuse(c, 413, 'request_too_large', 'The body is larger than 1 KiB.');
    if (jsonNestsDeeperThan(bytes, MAX_JSON_DEPTH)) return refuse(c, 400, 'too_deep', tooDeepMessage(MAX_JSON_DEPTH));
    let body;
    try {
      body = relayAck.safeParse(JSON.parse(bodyText(bytes)));
    } catch {
      return refuse(c, 400, 'invalid_request', 'The body is not JSON.');
    }
    if (!body.success) return refuse(c, 400, 'invalid_request', 'Send {"cursor": "…"} with a cursor the relay gave.');
    const computer = computerOf(c);
    if (computer instanceof Response) return computer;
    const who = await authenticate(c);
    if (who instanceof Response) return who;
    try {
      const deleted = await notifications.ack(who.garminUserId, computer, body.data.cursor, deps.now());
      c.get('log').deleted = deleted;
      c.get('log').outcome = 'ok';
      return answer(c, 200, JSON.stringify({ deleted }));
    } catch {
      return refuse(c, 503, 'store_unavailable', 'Not acknowledged; try again.', { 'retry-after': '5' });
    }
  });

  app.delete('/v1/relay/registration', async (c) => {
    const computer = computerOf(c);
    if (computer instanceof Response) return computer;
    const who = await authenticate(c);
    if (who instanceof Response) return who;
    try {
      const forgotten = await notifications.forget(who.garminUserId, computer);
      c.get('log').deleted = forgotten.deleted;
      c.get('log').computers_left = forgotten.computersLeft;
      c.get('log').outcome = 'ok';
      const body = relayForgotten.parse({
        deleted: forgotten.deleted,
        computersLeft: forgotten.computersLeft,
        othersLastSeenAt: forgotten.othersLastSeenAt === null ? null : new Date(forgotten.othersLastSeenAt).toISOString(),
      });
      return answer(c, 200, JSON.stringify(body));
    } catch {
      return refuse(c, 503, 'store_unavailable', 'Not deleted; try again.', { 'retry-after': '5' });
    }
  });
}

/** `key:count,…` for a log line, at most ten keys (a body may hold thousands), or '' for none. */
function countsText(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  const shown = entries.slice(0, 10).map(([key, n]) => `${key}:${n}`);
  return entries.length > 10 ? `${shown.join(',')},…(${entries.length} keys)` : shown.join(',');
}
