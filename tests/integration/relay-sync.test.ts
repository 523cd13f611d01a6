import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompanionDeps } from '../../src-main/core/companion.js';
import { relayAck, relayPage } from '../../src-common/relay-contract.js';
import { loadConfig } from '../../src-main/core/config.js';
import { STREAMS } from '../../src-main/core/store/training-repo.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import { DATA_STREAMS, recordsUploadedBetween, type DataStream } from '../simulator/garmin-data.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { signInAtGarmin, type CoreWorld } from '../support/core-world.js';
import { keychainItems, TEST_CLIENT_SECRET } from '../support/harness.js';
import { postWebhook, serverEnv, startTestServer } from '../support/r42-server.js';
import { relayComputer, startRelayGarmin } from '../support/relay-world.js';

const DAY = 86_400;
const TABLE: Record<DataStream, string> = { activities: 'activities', dailies: 'dailies', sleeps: 'sleeps', hrv: 'hrv', userMetrics: 'user_metrics' };

/**
 * Garmin's production data path, whole: the simulator in production mode (unsolicited pulls
 * refused) POSTs pings and pushes to the R42 server's webhook; the desktop picks its runner's up
 * from the relay, fetches pings with its own token and stores everything once.
 */
describe('training data through the R42 server relay (webhooks → relay → desktop)', () => {
  let store: SqlStore;
  let sim: GarminSimulator;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let world: CoreWorld;
  let now: number;
  let redirect: string;

  beforeAll(async () => {
    store = await openPgliteStore(null);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });
  afterEach(async () => {
    await world?.cleanup();
    await server?.stop();
    await sim?.stop();
    for (const table of ['garmin_notifications', 'relay_token_owners', 'rate_limit_hits', 'refresh_rotations', 'relay_computers', 'webhook_intake']) await store.query(`delete from ${table}`);
  });

  async function linkedThroughRelay(overrides: Partial<CompanionDeps> = {}, env: Record<string, string> = {}, at = Date.now(), serverExtra: Record<string, string> = {}) {
    now = Math.floor(at / 1000);
    const relay = await startRelayGarmin(store, () => now, { serverExtra });
    ({ sim, server, redirect } = relay);
    // What a runner's computer has: R42's public client id and server URL; no secret, no token URL.
    world = relayComputer(relay, 20, env, overrides);
    await signInAtGarmin(world);
    return world;
  }

  const db = () => new BetterSqlite3(path.join(world.home, 'companion.db'), { readonly: true });
  const storedIds = (stream: DataStream) => {
    const conn = db();
    try {
      return (conn.prepare(`SELECT summary_id FROM ${TABLE[stream]} ORDER BY summary_id`).all() as Array<{ summary_id: string }>).map((r) => r.summary_id);
    } finally {
      conn.close();
    }
  };
  const expectedIds = (stream: DataStream, from: number, to: number) => {
    const ids: string[] = [];
    for (let t = from; t < to; t += DAY) ids.push(...recordsUploadedBetween(stream, t, Math.min(t + DAY, to), now).map((r) => r.summaryId as string));
    return [...new Set(ids)].sort();
  };
  const pendingAtServer = async () => Number((await store.query<{ n: number }>('select count(*)::int as n from garmin_notifications'))[0]!.n);

  it('links through the broker, asks Garmin for the history, and stores exactly what arrives through the relay; offline it still answers', async () => {
    const w = await linkedThroughRelay();
    expect(w.companion.status().sync.delivery).toBe('relay');
    const first = await w.companion.sync();
    expect(first.outcome).toBe('completed');
    // 20 days: one 30-day chunk for activities, one 90-day chunk for each other type; all accepted.
    expect(sim.backfillRequests.map((r) => [r.type, r.end - r.start, r.status]).sort()).toEqual(
      STREAMS.map((t) => [t, 20 * DAY, 202]).sort(),
    );
    expect(w.companion.status().sync.relay).toMatchObject({ historyRequested: STREAMS.length, historyTotal: STREAMS.length });
    await sim.deliveriesSettled();
    const second = await w.companion.sync();
    expect(second.outcome).toBe('completed');
    for (const stream of DATA_STREAMS) expect({ stream, ids: storedIds(stream) }).toEqual({ stream, ids: expectedIds(stream, now - 20 * DAY, now) });
    expect(storedIds('activities').length).toBeGreaterThan(5);
    // The relay holds nothing once the desktop has it, and no pull went to Garmin without a pull token.
    expect(await pendingAtServer()).toBe(0);
    expect(sim.counts.refusedPulls).toBe(0);
    // A second backfill pass asks nothing again (202s are remembered), and a relink of the same user neither.
    await w.companion.sync();
    expect(sim.backfillRequests).toHaveLength(STREAMS.length);

    await sim.stop();
    const from = new Date((now - 19 * DAY) * 1000).toISOString().slice(0, 10);
    const to = new Date(now * 1000).toISOString().slice(0, 10);
    expect(w.companion.data.activities({ from, to }).data.length).toBeGreaterThan(0);
    expect(w.companion.data.dailies({ from, to }).data.length).toBeGreaterThan(10);
    // The client secret is on R42's server only.
    expect((await keychainItems(w.keychainService)).some((i) => i.password.includes(TEST_CLIENT_SECRET))).toBe(false);
  });

  it('brings a run the runner just synced from their watch into an open app within seconds', async () => {
    const w = await linkedThroughRelay();
    const agents = await w.companion.serveAgents({ schedulerTickMs: 60_000 });
    try {
      await expect.poll(() => w.companion.status().sync.relay?.historyRequested, { timeout: 10_000 }).toBe(STREAMS.length);
      await sim.deliveriesSettled();
      await expect.poll(() => storedIds('dailies').length, { timeout: 10_000 }).toBe(expectedIds('dailies', now - 20 * DAY, now).length);
      // A week later (the generator's days), the watch uploads; Garmin notifies; the open app has it.
      const before = now;
      now += 7 * DAY;
      const expected = expectedIds('activities', before, now);
      expect(expected.length).toBeGreaterThan(0);
      await sim.notifyUploads(before, now);
      await expect.poll(() => expected.every((id) => storedIds('activities').includes(id)), { timeout: 10_000, interval: 100 }).toBe(true);
    } finally {
      await agents.stop();
    }
  });

  it('never lets a push replace a record it fetched from Garmin itself: a forged daily keeps Garmin’s values, a push of a record never fetched is stored', async () => {
    const w = await linkedThroughRelay();
    await w.companion.sync();
    await sim.deliveriesSettled();
    await w.companion.sync();
    const daily = () => {
      const conn = db();
      try {
        return conn.prepare('SELECT summary_id, calendar_date, steps, resting_hr FROM dailies ORDER BY summary_id LIMIT 1').get() as { summary_id: string; calendar_date: string; steps: number; resting_hr: number };
      } finally {
        conn.close();
      }
    };
    const fetched = daily();
    expect(fetched.steps).toBeLessThan(100_000);
    // Anyone who learned the webhook URL pushes the runner's day with absurd figures, under the id Garmin gave it.
    const forged = { userId: sim.userId, summaryId: fetched.summary_id, calendarDate: fetched.calendar_date, steps: 123_456_789, restingHeartRateInBeatsPerMinute: 3 };
    expect((await postWebhook(server.url, { dailies: [forged] })).status).toBe(200);
    await w.companion.sync();
    expect(daily()).toEqual(fetched);
    expect(await pendingAtServer()).toBe(0);
    // A push under an id never fetched is stored: Garmin sends the types set to push only that way.
    expect((await postWebhook(server.url, { dailies: [{ ...forged, summaryId: 'pushed-day', calendarDate: '2020-01-01' }] })).status).toBe(200);
    await w.companion.sync();
    expect(storedIds('dailies')).toContain('pushed-day');
    const conn = db();
    expect(conn.prepare("SELECT steps FROM dailies WHERE summary_id = 'pushed-day'").get()).toEqual({ steps: 123_456_789 });
    conn.close();
  });

  it('shows a deregistration as reconnect-needed and a permission change as the new permissions', async () => {
    const w = await linkedThroughRelay();
    await w.companion.sync();
    sim.changePermissions(['ACTIVITY_EXPORT']);
    await sim.deliveriesSettled();
    await w.companion.sync();
    expect(w.companion.status().permissions).toEqual(['ACTIVITY_EXPORT']);
    // Anyone who knows the public client id can post to the webhook: a forged deregistration is
    // checked with Garmin, which still accepts the token, so the link stays.
    expect((await postWebhook(server.url, { deregistrations: [{ userId: sim.userId }] })).status).toBe(200);
    await w.companion.sync();
    expect(w.companion.status().state).toBe('connected');
    expect(w.companion.auditLog(20).some((e) => e.event === 'relay.deregistration_ignored')).toBe(true);
    sim.removeAppInGarminConnect();
    await sim.deliveriesSettled();
    await w.companion.sync().catch(() => undefined);
    const status = w.companion.status();
    expect(status.state).toBe('reauth_required');
    expect(status.lastError?.code).toBe('deregistered');
    expect((await keychainItems(w.keychainService)).filter((i) => i.account.startsWith('garmin-tokens:'))).toEqual([]);
  });

  it('asks Garmin for a data type’s history once the runner shares it', async () => {
    const w = await linkedThroughRelay();
    sim.permissions = ['ACTIVITY_EXPORT'];
    // The link was made with both shared; the runner narrows it in Garmin Connect before the first sync.
    sim.changePermissions(['ACTIVITY_EXPORT']);
    await sim.deliveriesSettled();
    await w.companion.sync();
    await w.companion.sync();
    const refused = sim.backfillRequests.filter((r) => r.status === 412).map((r) => r.type);
    expect(refused.length).toBeGreaterThan(0);
    expect(w.companion.status().sync.streams.filter((st) => st.state === 'permission_missing').map((st) => st.stream).sort()).toEqual(['bloodPressures', 'bodyComps', 'dailies', 'epochs', 'healthSnapshot', 'hrv', 'pulseOx', 'respiration', 'skinTemp', 'sleeps', 'stressDetails', 'userMetrics']);
    sim.changePermissions(['ACTIVITY_EXPORT', 'HEALTH_EXPORT']);
    await sim.deliveriesSettled();
    await w.companion.sync(); // the permission change arrives
    await w.companion.sync(); // the history of what is now shared is asked for
    expect(sim.backfillRequests.filter((r) => r.type === 'dailies' && r.status === 202)).toHaveLength(1);
    await sim.deliveriesSettled();
    await w.companion.sync();
    expect(storedIds('dailies')).toEqual(expectedIds('dailies', now - 20 * DAY, now));
    expect(w.companion.status().sync.streams.every((st) => st.state === 'ok')).toBe(true);
  });

  it('loses nothing when the laptop was closed longer than Garmin’s callback URLs live: those windows are asked for again', async () => {
    // A day whose lost sleep windows, re-asked from a day before, start where the first history
    // request started: asked again unchanged, Garmin would answer 409 and send nothing.
    const w = await linkedThroughRelay({}, {}, Date.UTC(2026, 11, 1, 5, 50));
    await w.companion.sync();
    await sim.deliveriesSettled();
    // A week later: every pull token in the relay's pings has expired.
    sim.expirePullTokens();
    await w.companion.sync();
    expect(sim.counts.refusedPulls).toBeGreaterThan(0);
    const pinged = DATA_STREAMS.filter((s) => s !== 'activities');
    expect(pinged.some((s) => storedIds(s).length < expectedIds(s, now - 20 * DAY, now).length)).toBe(true);
    // The next pass asks Garmin's backfill for exactly those windows; their data comes again with fresh tokens.
    await w.companion.sync();
    expect(sim.backfillRequests.filter((r) => r.status === 202).length).toBeGreaterThan(STREAMS.length);
    await sim.deliveriesSettled();
    await w.companion.sync();
    // Everything, and at most a day more: a lost window is asked again from a day before it (a summary uploaded in it can start earlier).
    for (const stream of DATA_STREAMS) {
      const stored = storedIds(stream);
      expect(expectedIds(stream, now - 20 * DAY, now).every((id) => stored.includes(id))).toBe(true);
      expect(stored.every((id) => expectedIds(stream, now - 21 * DAY, now).includes(id))).toBe(true);
    }
  });

  it('waits out Garmin’s 429 on a callback (its Retry-After) and still stores everything; a Garmin error ends the pass as offline, the next completes', async () => {
    const waits: number[] = [];
    let hideRelay = true;
    const fetching: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname === '/v1/relay/notifications' && hideRelay) {
        return new Response(JSON.stringify({ notifications: [], cursor: null, more: false }), { headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    };
    const w = await linkedThroughRelay({ sleep: async (ms) => void waits.push(ms), fetch: fetching });
    await w.companion.sync();
    await sim.deliveriesSettled();
    hideRelay = false;
    sim.fail('dailies', { kind: 'status', status: 429, retryAfterSeconds: 7, times: 2 });
    sim.fail('sleeps', { kind: 'status', status: 503, times: 1 });
    expect((await w.companion.sync()).outcome).toBe('offline');
    expect(waits).toEqual(expect.arrayContaining([7_000, 7_000]));
    expect((await w.companion.sync()).outcome).toBe('completed');
    for (const stream of DATA_STREAMS) expect({ stream, ids: storedIds(stream) }).toEqual({ stream, ids: expectedIds(stream, now - 20 * DAY, now) });
  });

  it('stores nothing twice when the ack is lost or the desktop stops mid-batch, and the relay is emptied later', async () => {
    let hideRelay = true;
    let failAcks = 0;
    let abortAfterCallbacks = -1;
    const controller = new AbortController();
    const fetching: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname === '/v1/relay/notifications' && hideRelay) {
        return new Response(JSON.stringify({ notifications: [], cursor: null, more: false }), { headers: { 'content-type': 'application/json' } });
      }
      if (url.pathname === '/v1/relay/ack' && failAcks > 0) {
        failAcks--;
        throw new TypeError('fetch failed');
      }
      if (url.searchParams.has('token') && abortAfterCallbacks >= 0 && abortAfterCallbacks-- === 0) controller.abort(new Error('killed'));
      return fetch(input, init);
    };
    const w = await linkedThroughRelay({ fetch: fetching });
    await w.companion.sync();
    await sim.deliveriesSettled();
    hideRelay = false;
    // Stopped after a few callbacks: nothing of the page is committed.
    abortAfterCallbacks = 3;
    await expect(w.companion.sync({ signal: controller.signal })).rejects.toThrow();
    expect(DATA_STREAMS.every((s) => storedIds(s).length === 0)).toBe(true);
    // Again, and both of the pass’s acks are lost: the rows are stored once; the relay still holds them.
    failAcks = 2;
    await w.companion.sync();
    for (const stream of DATA_STREAMS) expect(storedIds(stream)).toEqual(expectedIds(stream, now - 20 * DAY, now));
    expect(await pendingAtServer()).toBeGreaterThan(0);
    // The server restarts; the next pass acks what is stored, fetches nothing again, and the relay is empty.
    await server.stop();
    server = await startTestServer(serverEnv(sim, [redirect], { PORT: new URL(server.url).port }), { store });
    const callbacksBefore = Object.values(sim.dataRequests).reduce((a, b) => a + b, 0);
    await w.companion.sync();
    expect(await pendingAtServer()).toBe(0);
    expect(Object.values(sim.dataRequests).reduce((a, b) => a + b, 0)).toBe(callbacksBefore);
    for (const stream of DATA_STREAMS) expect(storedIds(stream)).toEqual(expectedIds(stream, now - 20 * DAY, now));
  });

  it('asks for the next page while this one’s callbacks are fetched, acks every page in order, and never stores a page read ahead of one that failed', async () => {
    let hideRelay = true;
    // What the desktop asked the relay and Garmin, in the order it asked.
    const events: string[] = [];
    // Each page's callback URLs, in the order the relay handed the pages out; a page whose callbacks Garmin fails.
    const pageCallbacks: string[][] = [];
    let failPage = -1;
    const fetching: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname === '/v1/relay/notifications') {
        if (hideRelay) return new Response(JSON.stringify({ notifications: [], cursor: null, more: false }), { headers: { 'content-type': 'application/json' } });
        events.push(`page after ${url.searchParams.get('after')}`);
        const response = await fetch(input, init);
        const page = relayPage.parse(await response.clone().json());
        if (page.notifications.length > 0) pageCallbacks.push(page.notifications.flatMap((n) => (n.kind === 'ping' ? [n.callbackURL] : [])));
        events.push(`page ${page.cursor} more ${page.more}`);
        return response;
      }
      if (url.pathname === '/v1/relay/ack') {
        events.push(`ack ${relayAck.parse(JSON.parse(String(init?.body))).cursor}`);
        return fetch(input, init);
      }
      if (url.searchParams.has('token') && failPage >= 0 && pageCallbacks[failPage]?.includes(url.href)) return new Response('{}', { status: 503 });
      return fetch(input, init);
    };
    // Relay pages of 64 KiB: 90 days of pings for every stream come in several (five or so).
    const w = await linkedThroughRelay({ fetch: fetching }, { R42_BACKFILL_DAYS: '90' }, Date.now(), { RELAY_PAGE_MAX_BYTES: String(64 * 1024) });
    await w.companion.sync();
    await sim.deliveriesSettled();
    hideRelay = false;
    // Garmin fails the second page's callbacks: the pass ends offline with the first page stored and
    // acked, and nothing of the second, nor of the third read ahead while it was fetched.
    failPage = 1;
    expect((await w.companion.sync()).outcome).toBe('offline');
    const firstCursor = events.find((e) => e.startsWith('page ') && !e.startsWith('page after'))!.split(' ')[1]!;
    expect(events.filter((e) => e.startsWith('ack'))).toEqual([`ack ${firstCursor}`]);
    expect(events.filter((e) => e.startsWith('page after')).length).toBeGreaterThanOrEqual(2);
    events.length = 0;
    pageCallbacks.length = 0;
    failPage = -1;
    // The next pass starts after the first page: the second page is asked for again, then every page once, each acked once, in order.
    expect((await w.companion.sync()).outcome).toBe('completed');
    const asked = events.filter((e) => e.startsWith('page after')).map((e) => e.split(' ')[2]);
    const handed = events.filter((e) => /^page \d+ more/.test(e)).map((e) => ({ cursor: e.split(' ')[1]!, more: e.endsWith('true') }));
    expect(asked[0]).toBe(firstCursor);
    expect(handed.length).toBeGreaterThanOrEqual(2);
    expect(asked).toEqual([firstCursor, ...handed.slice(0, -1).map((p) => p.cursor)]);
    expect(events.filter((e) => e.startsWith('ack'))).toEqual(handed.map((p) => `ack ${p.cursor}`));
    // Read ahead: each next page was asked for before this page's ack (which follows its callbacks and its commit).
    for (const page of handed.filter((p) => p.more)) expect(events.indexOf(`page after ${page.cursor}`)).toBeLessThan(events.indexOf(`ack ${page.cursor}`));
    for (const stream of DATA_STREAMS) expect({ stream, ids: storedIds(stream) }).toEqual({ stream, ids: expectedIds(stream, now - 90 * DAY, now) });
    expect(await pendingAtServer()).toBe(0);
  });

  it('never sends the runner’s token to a callback URL outside Garmin’s API, whatever the relay says', async () => {
    const hits: string[] = [];
    const elsewhere = createServer((req, res) => {
      hits.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const evilUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/wellness-api/rest/dailies?token=x`;
    // A relay that lies: one ping pointing away from Garmin.
    const lyingRelay = createServer((req, res) => {
      req.resume();
      if (req.url?.startsWith('/v1/relay/notifications')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ notifications: [{ cursor: '1', kind: 'ping', type: 'dailies', callbackURL: evilUrl, uploadStartTimeInSeconds: 0, uploadEndTimeInSeconds: 1 }], cursor: '1', more: false }),
        );
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => lyingRelay.listen(0, '127.0.0.1', resolve));
    try {
      const w = await linkedThroughRelay();
      const liar = w.another({ config: loadConfig({ ...w.env, R42_SERVER_URL: `http://127.0.0.1:${(lyingRelay.address() as AddressInfo).port}` }) });
      expect((await liar.sync()).outcome).toBe('completed');
      expect(hits).toEqual([]);
    } finally {
      elsewhere.close();
      lyingRelay.close();
    }
  });
});
