import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { relayPage, type RelayPage } from '../../src-common/relay-contract.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { startSimulator } from '../support/harness.js';
import { postWebhook, serverEnv, simulatorAccessToken, startTestServer, TEST_WEBHOOK_SECRET } from '../support/r42-server.js';

const REDIRECT = 'http://127.0.0.1:43117/callback';

describe('R42 server: Garmin’s webhook and the relay to the desktop (real HTTP, PGlite)', () => {
  let sim: GarminSimulator;
  let store: SqlStore;
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    store = await openPgliteStore(null);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });
  beforeEach(async () => {
    sim = await startSimulator();
    server = await startTestServer(serverEnv(sim, [REDIRECT], { WEBHOOK_MAX_MEGABYTES: '2' }), { store });
  });
  afterEach(async () => {
    await server.stop();
    await sim.stop();
    await store.query('delete from garmin_notifications');
    await store.query('delete from relay_token_owners');
    await store.query('delete from rate_limit_hits');
    await store.query('delete from relay_computers');
    await store.query('delete from webhook_intake');
  });

  /** A webhook POST over node:http: the 413 comes back before the server stops reading a huge body. */
  const rawPost = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v1/garmin/webhook/${TEST_WEBHOOK_SECRET}`, { method: 'POST', headers: { 'content-type': 'application/json', 'garmin-client-id': 'r42-test-client', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', () => undefined);
      req.on('close', () => reject(new Error('closed without an answer')));
      req.end(body);
    });
  const rows = async () => Number((await store.query<{ n: number }>('select count(*)::int as n from garmin_notifications'))[0]!.n);
  const ping = (userId: string, type: string, start: number) => ({
    userId,
    callbackURL: `${sim.url}/wellness-api/rest/${type}?uploadStartTimeInSeconds=${start}&uploadEndTimeInSeconds=${start + 86_400}&token=pull-${userId}-${start}`,
  });
  const relay = async (token: string | null, query = '', headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}/v1/relay/notifications${query}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    const body = (await response.json()) as unknown;
    return { status: response.status, body };
  };
  const ack = (token: string, cursor: string) =>
    fetch(`${server.url}/v1/relay/ack`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ cursor }) });

  it('refuses forged and malformed deliveries, storing nothing', async () => {
    const good = { dailies: [ping('u1', 'dailies', 1_700_000_000)] };
    const cases: Array<[string, () => Promise<Response | number>, number]> = [
      ['no garmin-client-id', () => postWebhook(server.url, good, { 'garmin-client-id': '' }), 401],
      ['another client id', () => postWebhook(server.url, good, { 'garmin-client-id': 'someone-else' }), 401],
      ['not JSON', () => postWebhook(server.url, '{"dailies": ['), 400],
      ['not an envelope', () => postWebhook(server.url, [1, 2]), 400],
      ['an empty envelope', () => postWebhook(server.url, {}), 400],
      ['a known key holding neither a list nor a notification', () => postWebhook(server.url, { dailies: 'u1' }), 400],
      ['a callback URL elsewhere', () => postWebhook(server.url, { dailies: [{ userId: 'u1', callbackURL: 'https://evil.example/wellness-api/rest/dailies?token=x' }] }), 400],
      ['a callback URL off the API path', () => postWebhook(server.url, { dailies: [{ userId: 'u1', callbackURL: `${sim.url}/oauth2Confirm` }] }), 400],
      ['a body over the limit', () => rawPost(JSON.stringify({ activities: [{ userId: 'u1', summaryId: 'x', padding: 'x'.repeat(2_200_000) }] })), 413],
      // 1.5 MB as sent, 6.6 MB once 1e20 is written out: it could not travel whole in a relay page.
      ['a notification that outgrows the limit re-encoded', () => postWebhook(server.url, `{"activities":[{"userId":"u1","summaryId":"x","n":[${'1e20,'.repeat(300_000)}1]}]}`), 413],
      ['more than 10,000 notifications', () => postWebhook(server.url, { dailies: Array.from({ length: 10_001 }, (_, i) => ping('u1', 'dailies', i)) }), 400],
      ['plain text', () => postWebhook(server.url, JSON.stringify(good), { 'content-type': 'text/plain' }), 415],
      ['an Origin', () => postWebhook(server.url, good, { origin: 'https://evil.example' }), 403],
    ];
    for (const [what, send, status] of cases) {
      const response = await send();
      expect({ what, status: typeof response === 'number' ? response : response.status }).toEqual({ what, status });
      if (typeof response !== 'number') await response.body?.cancel();
    }
    expect((await fetch(`${server.url}/v1/garmin/webhook/${TEST_WEBHOOK_SECRET}`)).status).toBe(405);
    expect(await rows()).toBe(0);
    // Garmin redelivers a refused body as it was: too large is an error to alert on (raise the limit).
    expect(server.lines.filter((l) => l.event === 'webhook.too_large').map((l) => [l.level, l.fields.what])).toEqual([
      ['error', 'body'],
      ['error', 'notification'],
    ]);
    // The log never holds a body.
    expect(JSON.stringify(server.lines)).not.toContain('pull-u1');
  });

  it('acknowledges what it cannot use (a key Garmin does not document, an item naming no runner) and stores the known ones beside it', async () => {
    const response = await postWebhook(server.url, {
      mysteries: [{ userId: 'u1', secretField: 'do-not-log-me' }, { userId: 'u2' }],
      'bad\nkey': 'x',
      // Garmin's Health ping example ends its list with an empty object.
      dailies: [ping('u1', 'dailies', 1), {}, { nope: true }],
      userPermissionsChange: [{ userId: 'u1' }],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ stored: 1, duplicates: 0, ignored: { mysteries: 2, 'bad?key': 1 }, unreadable: { dailies: 2, userPermissionsChange: 1 } });
    expect(await rows()).toBe(1);
    // Only unknown keys: acknowledged, nothing stored, nothing refused.
    const only = await postWebhook(server.url, { mysteries: [{ userId: 'u1' }] });
    expect(await only.json()).toEqual({ stored: 0, duplicates: 0, ignored: { mysteries: 1 } });
    // Logged as what and how many, never what it held.
    const warnings = server.lines.filter((l) => l.event === 'webhook.not_stored');
    expect(warnings.map((l) => [l.level, l.fields.unknown_keys ?? null, l.fields.unreadable ?? null])).toEqual([
      ['warn', 'mysteries:2,bad?key:1', 'dailies:2,userPermissionsChange:1'],
      ['warn', 'mysteries:1', null],
    ]);
    expect(JSON.stringify(server.lines)).not.toContain('do-not-log-me');
  });

  it('reads every documented key in any spelling partners see, and hands the desktop the type it stores', async () => {
    sim.userId = 'runner-k';
    const token = await simulatorAccessToken(sim);
    const push = (summaryId: string) => ({ userId: 'runner-k', summaryId, userAccessToken: 'legacy-user-access-token' });
    const response = await postWebhook(server.url, {
      pulseox: [push('ox-1')],
      pulseOx: [push('ox-2')],
      allDayRespiration: [push('resp-1')],
      MoveIQActivities: [push('move-1')],
      manuallyUpdatedActivities: [push('edit-1')],
      skinTemp: [push('skin-1')],
    });
    expect(await response.json()).toEqual({ stored: 6, duplicates: 0 });
    const page = relayPage.parse((await relay(token)).body);
    expect(page.notifications.map((n) => (n.kind === 'push' ? [n.type, n.summary.summaryId] : n.kind))).toEqual([
      ['pulseOx', 'ox-1'],
      ['pulseOx', 'ox-2'],
      ['respiration', 'resp-1'],
      ['moveIQActivities', 'move-1'],
      ['manuallyUpdatedActivities', 'edit-1'],
      ['skinTemp', 'skin-1'],
    ]);
    // An older push's user access token is never kept.
    expect(JSON.stringify(page)).not.toContain('legacy-user-access-token');
  });

  it('stores 10,000 notifications in one delivery once, however often Garmin delivers it', async () => {
    const body = { dailies: Array.from({ length: 10_000 }, (_, i) => ping(`u${i % 7}`, 'dailies', 1_600_000_000 + i * 86_400)) };
    const first = await postWebhook(server.url, body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ stored: 10_000, duplicates: 0 });
    const again = await postWebhook(server.url, body);
    expect(await again.json()).toEqual({ stored: 0, duplicates: 10_000 });
    expect(await rows()).toBe(10_000);
  });

  it('takes a backfill push of 50 activity details of 500 KB (25 MB) in one body with the default limit, within Garmin’s 30 s', async () => {
    await server.stop();
    server = await startTestServer(serverEnv(sim, [REDIRECT]), { store });
    const samples = Array.from({ length: 4_700 }, (_, t) => ({ startTimeInSeconds: 1_764_000_000 + t, heartRate: 140 + (t % 30), totalDistanceInMeters: t * 3.1, speedMetersPerSecond: 3.1 }));
    const body = JSON.stringify({ activityDetails: Array.from({ length: 50 }, (_, i) => ({ userId: 'u1', summaryId: `d${i}-detail`, activityId: i, samples })) });
    expect(body.length).toBeGreaterThan(50 * 500_000);
    expect(body.length).toBeLessThan(server.config.webhookMaxBytes);
    const started = Date.now();
    const response = await postWebhook(server.url, body);
    expect(await response.json()).toEqual({ stored: 50, duplicates: 0 });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('hands each runner only their own notifications, in order, and deletes what they acknowledge', async () => {
    sim.userId = 'runner-a';
    const tokenA = await simulatorAccessToken(sim);
    sim.userId = 'runner-b';
    const tokenB = await simulatorAccessToken(sim);
    const summary = { summaryId: 'act-1', activityName: 'Tempo run, secret route', activityType: 'RUNNING', startTimeInSeconds: 1_764_000_000 };
    await postWebhook(server.url, { dailies: [ping('runner-a', 'dailies', 100), ping('runner-b', 'dailies', 100)] });
    await postWebhook(server.url, { activities: [{ ...summary, userId: 'runner-a' }] });
    await postWebhook(server.url, { userPermissionsChange: [{ userId: 'runner-a', permissions: ['HEALTH_EXPORT', 'ACTIVITY_EXPORT'] }] });

    const a = await relay(tokenA);
    expect(a.status).toBe(200);
    const pageA = relayPage.parse(a.body);
    expect(pageA.notifications.map((n) => n.kind)).toEqual(['ping', 'push', 'permissions']);
    expect(pageA.notifications[0]).toMatchObject({ type: 'dailies', uploadStartTimeInSeconds: 100, uploadEndTimeInSeconds: 86_500 });
    expect(pageA.notifications[1]).toMatchObject({ type: 'activities', summary: { ...summary, userId: 'runner-a' } });
    expect(pageA.notifications[2]).toMatchObject({ permissions: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'] });
    const pageB = relayPage.parse((await relay(tokenB)).body);
    expect(pageB.notifications).toHaveLength(1);
    expect(pageB.notifications[0]!.kind === 'ping' && pageB.notifications[0]!.callbackURL).toContain('pull-runner-b-100');

    // The pushed summary is sealed at rest; the token is known by its digest only; Garmin was asked once per token.
    const stored = JSON.stringify(await store.query('select * from garmin_notifications')) + JSON.stringify(await store.query('select * from relay_token_owners'));
    expect(stored).not.toContain('secret route');
    expect(stored).not.toContain(tokenA);
    const askedBefore = sim.counts.userId;
    await relay(tokenA);
    expect(sim.counts.userId).toBe(askedBefore);

    // Ack up to the push: only the permission change remains for runner A; B's are untouched.
    const acked = await ack(tokenA, pageA.notifications[1]!.cursor);
    expect(await acked.json()).toEqual({ deleted: 2 });
    const rest = relayPage.parse((await relay(tokenA)).body);
    expect(rest.notifications.map((n) => n.kind)).toEqual(['permissions']);
    // A cursor only moves forward: asking after it gives nothing, with the same cursor back.
    const after = relayPage.parse((await relay(tokenA, `?after=${rest.cursor}`)).body);
    expect(after).toEqual({ notifications: [], cursor: rest.cursor, more: false } satisfies RelayPage);
    expect(relayPage.parse((await relay(tokenB)).body).notifications).toHaveLength(1);
  });

  it('holds a long poll open until a notification for that runner arrives', async () => {
    sim.userId = 'runner-a';
    const token = await simulatorAccessToken(sim);
    const started = Date.now();
    const polling = relay(token, '?wait=10');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await postWebhook(server.url, { dailies: [ping('someone-else', 'dailies', 5)] });
    await postWebhook(server.url, { sleeps: [ping('runner-a', 'sleeps', 7)] });
    const answered = await polling;
    expect(relayPage.parse(answered.body).notifications.map((n) => n.kind === 'ping' && n.type)).toEqual(['sleeps']);
    expect(Date.now() - started).toBeLessThan(9_000);
    // With nothing pending, wait=1 answers empty after about a second.
    const empty = relayPage.parse((await relay(token, `?after=${relayPage.parse(answered.body).cursor}&wait=1`)).body);
    expect(empty.notifications).toEqual([]);
  });

  it('refuses requests without the runner’s valid Garmin token, from browsers, and with bad parameters', async () => {
    expect((await relay(null)).status).toBe(401);
    const forged = await relay('not-a-garmin-token');
    expect(forged).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    sim.userId = 'runner-a';
    const token = await simulatorAccessToken(sim);
    expect((await relay(token, '', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await relay(token, '?wait=31')).status).toBe(400);
    expect((await relay(token, '?after=abc')).status).toBe(400);
    expect((await relay(token, '?bogus=1')).status).toBe(400);
    expect((await ack(token, 'x')).status).toBe(400);
    // An expired token is refused once Garmin says so (it is not remembered yet).
    const other = await simulatorAccessToken(sim);
    sim.expireAccessTokens();
    expect((await relay(other)).status).toBe(401);
    // Garmin down: 502, and the relay lives on.
    const third = 'another-token-garmin-cannot-check';
    await sim.stop();
    expect((await relay(third)).status).toBe(502);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('keeps a runner’s pending data through a deregistration (the webhook cannot prove it came from Garmin), drops it when their last computer disconnects, and keeps nothing past retention', async () => {
    sim.userId = 'runner-a';
    const token = await simulatorAccessToken(sim);
    await postWebhook(server.url, { dailies: [ping('runner-a', 'dailies', 1)], activities: [{ userId: 'runner-a', summaryId: 'a1' }] });
    expect(relayPage.parse((await relay(token)).body).notifications).toHaveLength(2);
    expect(await store.query('select 1 from relay_token_owners')).toHaveLength(1);
    await postWebhook(server.url, { deregistrations: [{ userId: 'runner-a' }] });
    // Nothing goes: the runner's computer checks with Garmin, and acks or disconnects itself.
    expect(await store.query('select 1 from relay_token_owners')).toHaveLength(1);
    expect(relayPage.parse((await relay(token)).body).notifications.map((n) => n.kind)).toEqual(['ping', 'push', 'deregistration']);

    await postWebhook(server.url, { dailies: [ping('runner-a', 'dailies', 2)] });
    const forgot = await fetch(`${server.url}/v1/relay/registration`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(await forgot.json()).toEqual({ deleted: 4, computersLeft: 0, othersLastSeenAt: null });
    expect(await rows()).toBe(0);
    expect(await store.query('select 1 from relay_token_owners')).toHaveLength(0);
    // An ack that was on its way when the computer disconnected does not bring it back.
    sim.userId = 'runner-a';
    const again = await simulatorAccessToken(sim);
    expect((await ack(again, '5')).status).toBe(200);
    expect(await store.query('select 1 from relay_computers')).toEqual([]);

    const day = 86_400_000;
    await postWebhook(server.url, { dailies: [ping('u9', 'dailies', 3), ping('u9', 'dailies', 4)], activities: [{ userId: 'u9', summaryId: 'old' }, { userId: 'u9', summaryId: 'new' }] });
    const now = Date.now();
    await store.query(`update garmin_notifications set received_at = $1 where callback_url like '%u9-3' or dedupe_key in (select dedupe_key from garmin_notifications where kind = 'push' order by id limit 1)`, [now - 8 * day]);
    await server.app.maintenance();
    expect(await rows()).toBe(3); // the 8-day-old ping went; the 8-day-old push stays until day 14
    await store.query('update garmin_notifications set received_at = $1', [now - 15 * day]);
    await server.app.maintenance();
    expect(await rows()).toBe(0);
  });
});
