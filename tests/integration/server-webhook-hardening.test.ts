/**
 * Garmin's webhook and the relay against what an attacker on the internet can send (issue 23):
 * the webhook exists only under its secret path (and, when configured, for Garmin's addresses),
 * a forged deregistration deletes nothing, stored bytes and notifications are bounded per runner
 * and for everyone per hour, nesting is bounded before anything walks a body, cursors are bounded
 * to the id column, and a connection never carries two answers to one request. Real HTTP, PGlite.
 */
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { relayPage } from '../../src-common/relay-contract.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { startSimulator, TEST_CLIENT_ID } from '../support/harness.js';
import { postWebhook, serverEnv, simulatorAccessToken, startTestServer, TEST_WEBHOOK_SECRET } from '../support/r42-server.js';

const REDIRECT = 'http://127.0.0.1:43117/callback';
const HOUR = 3_600_000;

describe('R42 server: the webhook and the relay under attack (real HTTP, PGlite)', () => {
  let sim: GarminSimulator;
  let store: SqlStore;
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let now = Date.UTC(2026, 11, 1, 10, 15);

  beforeAll(async () => {
    store = await openPgliteStore(null);
    sim = await startSimulator();
  }, 120_000);
  afterAll(async () => {
    await sim.stop();
    await store.close();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    for (const table of ['garmin_notifications', 'relay_token_owners', 'rate_limit_hits', 'relay_computers', 'webhook_intake']) await store.query(`delete from ${table}`);
  });

  const start = async (extra: Record<string, string> = {}) => {
    server = await startTestServer(serverEnv(sim, [REDIRECT], extra), { store, now: () => now });
    return server;
  };
  const rows = async (user?: string) =>
    Number((await store.query<{ n: number }>(`select count(*)::int as n from garmin_notifications ${user ? 'where garmin_user_id = $1' : ''}`, user ? [user] : []))[0]!.n);
  const ping = (userId: string, i: number) => ({
    userId,
    callbackURL: `${sim.url}/wellness-api/rest/dailies?uploadStartTimeInSeconds=${i}&uploadEndTimeInSeconds=${i + 86_400}&token=pull-${userId}-${i}`,
  });
  const post = async (body: unknown, headers: Record<string, string> = {}, secret?: string) => {
    const response = await postWebhook(server!.url, body, headers, secret);
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
  };

  it('answers the webhook only under its secret path: the bare path and a wrong secret are refused and store nothing', async () => {
    const s = await start();
    const body = { dailies: [ping('victim', 1)] };
    const bare = await fetch(`${s.url}/v1/garmin/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'garmin-client-id': TEST_CLIENT_ID }, body: JSON.stringify(body) });
    expect(bare.status).toBe(404);
    await bare.body?.cancel();
    expect((await post(body, {}, 'x'.repeat(TEST_WEBHOOK_SECRET.length))).status).toBe(404);
    expect((await post(body, {}, `${TEST_WEBHOOK_SECRET}x`)).status).toBe(404);
    expect(await rows()).toBe(0);
    expect(s.webhookUrl).toBe(`${s.url}/v1/garmin/webhook/${TEST_WEBHOOK_SECRET}`);
    const stored = await postWebhook(s.url, body);
    expect(stored.status).toBe(200);
    await stored.body?.cancel();
    expect(await rows()).toBe(1);
    // The answer names its log line.
    expect(s.lines.filter((l) => l.event === 'request' && l.fields.status === 200).map((l) => l.fields.request_id)).toEqual([stored.headers.get('x-request-id')]);
    // Refusals are logged (an operator who forgot to change the URL at Garmin sees why), never the secret.
    expect(s.lines.filter((l) => l.event === 'webhook.refused').map((l) => l.fields.reason)).toEqual(['no_secret', 'wrong_secret', 'wrong_secret']);
    expect(JSON.stringify(s.lines)).not.toContain(TEST_WEBHOOK_SECRET);
  });

  it('keeps a runner’s pending data when someone posts their deregistration, and never lets a webhook delete anything', async () => {
    const s = await start();
    sim.userId = 'victim';
    const token = await simulatorAccessToken(sim);
    await post({ dailies: [ping('victim', 1), ping('victim', 2)], activities: [{ userId: 'victim', summaryId: 'run-1', activityType: 'RUNNING' }] });
    expect((await post({ deregistrations: [{ userId: 'victim' }] })).status).toBe(200);
    expect(await rows('victim')).toBe(4);
    // The desktop sees everything, the deregistration last, and checks it with Garmin itself.
    const page = await fetch(`${s.url}/v1/relay/notifications`, { headers: { authorization: `Bearer ${token}` } });
    expect(relayPage.parse(await page.json()).notifications.map((n) => n.kind)).toEqual(['ping', 'ping', 'push', 'deregistration']);
  });

  it('accepts webhooks only from the configured source ranges, reading the address behind TRUST_PROXY proxies', async () => {
    const s = await start({ WEBHOOK_ALLOWED_SOURCES: '203.0.113.0/24, 2001:db8::/32', TRUST_PROXY: '1' });
    const body = { dailies: [ping('runner', 1)] };
    expect((await post(body)).status).toBe(403);
    expect((await post(body, { 'x-forwarded-for': '198.51.100.7' })).status).toBe(403);
    // Only what the proxy appended counts: an address the sender wrote further left is ignored.
    expect((await post(body, { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' })).status).toBe(403);
    expect((await post(body, { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' })).status).toBe(200);
    expect((await post({ dailies: [ping('runner', 2)] }, { 'x-forwarded-for': '2001:db8::5' })).status).toBe(200);
    expect(await rows()).toBe(2);
    expect(s.lines.filter((l) => l.event === 'webhook.refused').map((l) => l.fields.reason)).toEqual(['source_not_allowed', 'source_not_allowed', 'source_not_allowed']);
  });

  it('refuses a runner past their hourly quota of bytes (429 with Retry-After, counted) while other runners go on; Garmin’s redelivery next hour is stored', async () => {
    now = Date.UTC(2026, 11, 1, 10, 15);
    const s = await start({ WEBHOOK_MAX_MEGABYTES: '1', WEBHOOK_QUOTA_RUNNER_MEGABYTES: '1', WEBHOOK_QUOTA_MEGABYTES: '3' });
    const push = (userId: string, id: string) => ({ activityDetails: [{ userId, summaryId: id, samples: 'x'.repeat(400_000) }] });
    expect((await post(push('flooded', 'a'))).status).toBe(200);
    expect((await post(push('flooded', 'b'))).status).toBe(200);
    const refused = await post(push('flooded', 'c'));
    expect(refused).toMatchObject({ status: 429, body: { error: 'quota_exceeded' } });
    // Until the hour ends: 10:15 → 11:00.
    expect(refused.retryAfter).toBe(String(45 * 60));
    expect((await post(push('another', 'a'))).status).toBe(200);
    expect(await rows('flooded')).toBe(2);
    await s.app.maintenance();
    const counted = await store.query<{ bucket: string; refused: number }>("select bucket, refused::int from webhook_intake where bucket = 'r:flooded'");
    expect(counted).toEqual([{ bucket: 'r:flooded', refused: 1 }]);
    expect(s.lines.filter((l) => l.event === 'webhook.quota_exceeded').map((l) => l.fields.scope)).toEqual(['runner']);
    // Everyone's quota: 3 MiB an hour across runners, seven of these (what was refused is not counted).
    for (const [user, id] of [['third', 'a'], ['third', 'b'], ['fourth', 'a'], ['fifth', 'a']] as const) expect((await post(push(user, id))).status).toBe(200);
    expect(await post(push('sixth', 'a'))).toMatchObject({ status: 429, body: { error: 'quota_exceeded' } });
    expect(s.lines.filter((l) => l.event === 'webhook.quota_exceeded').map((l) => l.fields.scope)).toEqual(['runner', 'all']);
    // The next hour, Garmin's redeliveries of the same bodies are stored.
    now += HOUR;
    expect((await post(push('flooded', 'c'))).status).toBe(200);
    expect((await post(push('sixth', 'a'))).status).toBe(200);
    expect(await rows('flooded')).toBe(3);
  });

  it('refuses a runner past their hourly quota of notifications, counting across instances', async () => {
    now = Date.UTC(2026, 11, 1, 10, 15);
    const a = await start({ WEBHOOK_QUOTA_RUNNER_NOTIFICATIONS: '10000' });
    const b = await startTestServer(serverEnv(sim, [REDIRECT], { WEBHOOK_QUOTA_RUNNER_NOTIFICATIONS: '10000' }), { store, now: () => now });
    try {
      const pings = (from: number, n: number) => ({ dailies: Array.from({ length: n }, (_, i) => ping('busy', from + i)) });
      expect((await post(pings(0, 6_000))).status).toBe(200);
      expect((await postWebhook(b.url, pings(6_000, 3_000))).status).toBe(200);
      // Each instance adds its counts to the shared ones and reads them back (every second, and at
      // each maintenance run): B then knows the 6,000 A took as well as its own 3,000.
      await a.app.maintenance();
      await b.app.maintenance();
      const onB = await postWebhook(b.url, pings(9_000, 2_000));
      expect(onB.status).toBe(429);
      await onB.body?.cancel();
      expect((await postWebhook(b.url, pings(9_000, 1_000))).status).toBe(200);
      expect((await post({ dailies: [ping('quiet', 1)] })).status).toBe(200);
      expect(await rows('busy')).toBe(10_000);
    } finally {
      await b.stop();
    }
  });

  it('refuses JSON nested past the limit before anything walks it (400 naming the limit), logs no error', async () => {
    const s = await start();
    const deep = (depth: number) => `{"activities":[{"userId":"u1","summaryId":"s1","x":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;
    for (const depth of [4_000, 100]) {
      const response = await postWebhook(s.url, deep(depth));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'too_deep', error_description: expect.stringContaining('more than 64 levels') });
    }
    // Within the limit it is an ordinary push.
    expect((await postWebhook(s.url, deep(50))).status).toBe(200);
    expect(s.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('refuses relay cursors past the id column (a PostgreSQL bigint) with 400', async () => {
    const s = await start();
    sim.userId = 'runner-c';
    const token = await simulatorAccessToken(sim);
    const get = (query: string) => fetch(`${s.url}/v1/relay/notifications${query}`, { headers: { authorization: `Bearer ${token}` } });
    const ack = (cursor: string) =>
      fetch(`${s.url}/v1/relay/ack`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ cursor }) });
    for (const response of [await get('?after=9999999999999999999'), await get('?after=9223372036854775808'), await ack('9223372036854775808'), await ack('9999999999999999999')]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
    // The largest bigint itself is a cursor like any other.
    expect((await get('?after=9223372036854775807')).status).toBe(200);
    expect((await ack('9223372036854775807')).status).toBe(200);
  });

  /**
   * One connection: sends `head`, then `body` once the server has answered (or at once when
   * `early` is false), and returns every status line the server wrote before it closed.
   */
  const exchange = (head: string, body: string, early = true) =>
    new Promise<string[]>((resolve, reject) => {
      const socket = connect(Number(new URL(server!.url).port), '127.0.0.1');
      let received = '';
      let sent = !early;
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (!sent) {
          sent = true;
          socket.write(body);
        }
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(received.match(/HTTP\/1\.1 \d{3}/g) ?? []));
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the server kept the connection open after: ${JSON.stringify(received.match(/HTTP\/1\.1 \d{3}/g))}`));
      }, 5_000);
      socket.on('close', () => clearTimeout(timer));
      socket.write(early ? head : head + body);
    });

  it('never answers one request twice on a connection: an answer sent before the body arrived closes it, a broken framing after an answer gets nothing more', async () => {
    const s = await start();
    const path = `/v1/garmin/webhook/${TEST_WEBHOOK_SECRET}`;
    const broken = 'zzzzz\r\n\r\n';
    const cases: Array<[string, string]> = [
      // Refused before the body is read (another client id), then the chunked body is malformed.
      ['webhook, refused early', `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\ngarmin-client-id: someone-else\r\nTransfer-Encoding: chunked\r\n\r\n`],
      // Routes that read no body answer at once; the body that follows is malformed.
      ['relay page', 'GET /v1/relay/notifications HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'],
      ['health', 'GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'],
      ['token broker, refused early', 'POST /v1/garmin/token HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ];
    for (const [what, head] of cases) expect({ what, answers: await exchange(head, broken) }).toEqual({ what, answers: [expect.any(String)] });
    // A framing Node refuses outright: one bare 400, then closed.
    expect(await exchange(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\ngarmin-client-id: ${TEST_CLIENT_ID}\r\nTransfer-Encoding: xchunked\r\n\r\n`, '5\r\nhello\r\n0\r\n\r\n', false)).toEqual([
      'HTTP/1.1 400',
    ]);
    // After an early answer no further request on that connection is served.
    expect(await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', '0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')).toEqual(['HTTP/1.1 200']);
    // Requests framed whole still share a connection.
    expect(await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '', false)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(s.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
