import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_STREAMS as DATA_STREAMS, simRecordsUploadedBetween as recordsUploadedBetween, type SimStream as DataStream } from '../simulator/streams.js';
import { GarminSimulator, notificationKeyOf, type ProductionMode } from '../simulator/garmin-simulator.js';

/* The simulator's production mode against a real HTTP receiver standing in for the R42 server's
   webhook: what the lead's relay will see from "Garmin". */

const DAY = 86_400;
const CLIENT_ID = 'r42-production-client';
const CLIENT_SECRET = 'r42-production-secret-0c1d2e3f';
const REDIRECT = 'http://127.0.0.1:1/callback';
/** A fixed "now" (2025-06-15 12:00 UTC) so the expected records can be computed here. */
const NOW = Date.UTC(2025, 5, 15, 12) / 1000;

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, Array<Record<string, unknown>>>;
}

/** A webhook receiver on 127.0.0.1: records every POST and answers what `answer` says ('hang' never answers). */
class Receiver {
  readonly received: Received[] = [];
  answer: (n: number) => number | 'hang' = () => 200;
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'] });
      const status = this.answer(this.received.length);
      if (status !== 'hang') res.writeHead(status).end();
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/garmin/webhook`;
  }

  /** Every item received under `key`, in arrival order. */
  items(key: string): Array<Record<string, unknown>> {
    return this.received.flatMap((r) => r.body[key] ?? []);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

let sim: GarminSimulator | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await sim?.stop();
  await receiver?.stop();
  sim = undefined;
  receiver = undefined;
});

/** A simulator in production mode whose webhook is a fresh receiver, with data as of NOW. */
async function production(mode: Partial<ProductionMode> = {}, permissions?: string[]) {
  receiver = await new Receiver().start();
  sim = await new GarminSimulator({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT] }],
    consent: 'approve',
    ...(permissions ? { permissions } : {}),
    production: { webhookUrl: receiver.url, firstBackoffMs: 10, ...mode },
  }).start();
  sim.dataNow = () => NOW;
  return { sim, receiver, token: await link(sim) };
}

/** Links the runner as the desktop does (PKCE code flow) and returns the access token. */
async function link(s: GarminSimulator): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${s.url}/oauth2Confirm`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'st',
  }).toString();
  const consent = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const answer = await fetch(`${s.url}/di-oauth2-service/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, code, code_verifier: verifier, redirect_uri: REDIRECT }),
  });
  return ((await answer.json()) as { access_token: string }).access_token;
}

const get = (url: string, token?: string) => fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});

/** The 24 h windows from `start` that hold records of a stream, as Garmin would notify them. */
function windowsWithRecords(stream: DataStream, start: number, end: number): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  for (let from = start; from < end; from += DAY) {
    const to = Math.min(from + DAY, end);
    if (recordsUploadedBetween(stream, from, to, NOW).length > 0) windows.push([from, to]);
  }
  return windows;
}

const windowOf = (callbackURL: unknown): [number, number] => {
  const p = new URL(String(callbackURL)).searchParams;
  return [Number(p.get('uploadStartTimeInSeconds')), Number(p.get('uploadEndTimeInSeconds'))];
};

describe('simulator production mode: pulls', () => {
  it('refuses a pull without a pull token it issued (InvalidPullTokenException), still needs the access token, and pulls freely when off', async () => {
    const { sim, token } = await production();
    const pull = `${sim.url}/wellness-api/rest/dailies?uploadStartTimeInSeconds=${NOW - DAY}&uploadEndTimeInSeconds=${NOW}`;
    for (const url of [pull, `${pull}&token=made-up`]) {
      const refused = await get(url, token);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { errorMessage: string }).errorMessage).toMatch(/^InvalidPullTokenException: /);
    }
    expect(sim.counts.refusedPulls).toBe(2);
    expect((await get(pull)).status).toBe(401);

    sim.production = null;
    const free = await get(pull, token);
    expect(free.status).toBe(200);
    expect(await free.json()).toEqual(recordsUploadedBetween('dailies', NOW - DAY, NOW, NOW));
  });

  it('pings a callback URL per 24 h window with records; the URL returns exactly those records, more than once, and nothing else', async () => {
    const { sim, receiver, token } = await production();
    const start = NOW - 3 * DAY;
    expect(await sim.notifyUploads(start, NOW)).toBe(DATA_STREAMS.reduce((n, s) => n + windowsWithRecords(s, start, NOW).length, 0));
    await sim.deliveriesSettled();

    for (const r of receiver.received) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['garmin-client-id']).toBe(CLIENT_ID);
      expect(Object.keys(r.body)).toHaveLength(1);
    }
    for (const stream of DATA_STREAMS) {
      // Keyed as Garmin documents them (pulseox, allDayRespiration), pulled from the type's REST path.
      const items = receiver.items(notificationKeyOf(stream));
      expect(items.map((i) => windowOf(i.callbackURL))).toEqual(windowsWithRecords(stream, start, NOW));
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual(['callbackURL', 'userId']);
        expect(item.userId).toBe(sim.userId);
        const callback = new URL(String(item.callbackURL));
        expect(callback.origin + callback.pathname).toBe(`${sim.url}/wellness-api/rest/${stream}`);
        expect(sim.issuedSecrets.has(callback.searchParams.get('token') ?? '')).toBe(true);
        const [from, to] = windowOf(item.callbackURL);
        const expected = recordsUploadedBetween(stream, from, to, NOW);
        for (let attempt = 0; attempt < 2; attempt++) {
          const pulled = await get(callback.href, token);
          expect(pulled.status).toBe(200);
          expect(await pulled.json()).toEqual(expected);
        }
      }
    }

    // The token is bound to its type and window: another window or another type is an unsolicited pull.
    const callback = new URL(String(receiver.items('dailies')[0]?.callbackURL));
    const shifted = new URL(callback);
    shifted.searchParams.set('uploadEndTimeInSeconds', String(Number(callback.searchParams.get('uploadEndTimeInSeconds')) - 1));
    const otherType = new URL(callback.href.replace('/dailies?', '/sleeps?'));
    for (const url of [shifted, otherType]) {
      const refused = await get(url.href, token);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('InvalidPullTokenException');
    }
    expect((await get(callback.href)).status).toBe(401);
    expect(sim.deliveriesPending()).toBe(0);
  });

  it('refuses a pull token once its lifetime is over', async () => {
    const { sim, receiver, token } = await production({ pullTokenLifetimeSeconds: 0.3 });
    await sim.notifyUploads(NOW - DAY, NOW);
    await sim.deliveriesSettled();
    const [hrv, dailies] = [receiver.items('hrv')[0]?.callbackURL, receiver.items('dailies')[0]?.callbackURL].map(String) as [string, string];
    expect((await get(hrv, token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const expired = await get(hrv, token);
    expect(expired.status).toBe(400);
    expect(((await expired.json()) as { errorMessage: string }).errorMessage).toBe('InvalidPullTokenException: the pull token has expired');

    sim.production = { ...sim.production!, pullTokenLifetimeSeconds: 86_400 };
    await sim.notifyUploads(NOW - DAY, NOW);
    await sim.deliveriesSettled();
    const fresh = String(receiver.items('dailies').at(-1)?.callbackURL);
    expect(fresh).not.toBe(dailies);
    expect((await get(fresh, token)).status).toBe(200);
    sim.expirePullTokens();
    expect((await get(fresh, token)).status).toBe(400);
  });
});

describe('simulator production mode: backfill', () => {
  it('answers 202/400/409/412 like Garmin and delivers the backfilled windows through the webhook, batched', async () => {
    const { sim, receiver, token } = await production({}, ['ACTIVITY_EXPORT']);
    const backfill = (stream: string, start: number, end: number, bearer: string | null = token) =>
      get(`${sim.url}/wellness-api/rest/backfill/${stream}?summaryStartTimeInSeconds=${start}&summaryEndTimeInSeconds=${end}`, bearer ?? undefined);
    const end = NOW - 2 * 3600;

    const accepted = await backfill('activities', end - 30 * DAY, end);
    expect(accepted.status).toBe(202);
    expect(await accepted.text()).toBe('');
    expect(sim.deliveriesPending()).toBeGreaterThan(0);
    expect((await backfill('activities', end - 30 * DAY, end)).status).toBe(409);
    expect((await backfill('activities', end - 30 * DAY - 1, end)).status).toBe(400);
    expect((await backfill('activities', end, end)).status).toBe(400);
    expect((await backfill('activities', end, end - DAY)).status).toBe(400);
    expect((await backfill('dailies', end - 10 * DAY, end)).status).toBe(412);
    expect((await backfill('activities', end - DAY, end, null)).status).toBe(401);
    expect((await backfill('solarIntensity', end - DAY, end)).status).toBe(404);

    sim.permissions = ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'];
    expect((await backfill('dailies', end - 90 * DAY - 1, end)).status).toBe(400);
    expect((await backfill('dailies', end - 90 * DAY, end)).status).toBe(202);
    expect(sim.backfillRequests.map(({ type, start, end: e, status }) => [type, e - start, status])).toEqual([
      ['activities', 30 * DAY, 202],
      ['activities', 30 * DAY, 409],
      ['activities', 30 * DAY + 1, 400],
      ['activities', 0, 400],
      ['activities', -DAY, 400],
      ['dailies', 10 * DAY, 412],
      ['dailies', 90 * DAY + 1, 400],
      ['dailies', 90 * DAY, 202],
    ]);
    expect(sim.backfillRequests.every((r) => r.userId === sim.userId)).toBe(true);

    await sim.deliveriesSettled();
    const activityWindows = windowsWithRecords('activities', end - 30 * DAY, end);
    const dailyWindows = windowsWithRecords('dailies', end - 90 * DAY, end);
    expect(dailyWindows).toHaveLength(90);
    expect(receiver.items('activities').map((i) => windowOf(i.callbackURL))).toEqual(activityWindows);
    expect(receiver.items('dailies').map((i) => windowOf(i.callbackURL))).toEqual(dailyWindows);
    // 50 per body at most: activities first (the order they were asked for), then 50 + 40 dailies.
    expect(receiver.received.map((r) => [Object.keys(r.body)[0], Object.values(r.body)[0]?.length])).toEqual([
      ['activities', activityWindows.length],
      ['dailies', 50],
      ['dailies', 40],
    ]);
    expect(sim.webhookLog.map((a) => [a.attempt, a.status, a.types, a.count])).toEqual([
      [1, 200, ['activities'], activityWindows.length],
      [1, 200, ['dailies'], 50],
      [1, 200, ['dailies'], 40],
    ]);
    const [from, to] = dailyWindows[17]!;
    const pulled = await get(String(receiver.items('dailies')[17]?.callbackURL), token);
    expect(await pulled.json()).toEqual(recordsUploadedBetween('dailies', from, to, NOW));
  });

  it('pushes the summaries themselves, with userId, for a push type and pings the others; batchSize splits bodies', async () => {
    const { sim, receiver } = await production({ delivery: { activities: 'push', sleeps: 'push' }, batchSize: 3 });
    const start = NOW - 7 * DAY;
    await sim.notifyUploads(start, NOW);
    await sim.deliveriesSettled();

    for (const stream of ['activities', 'sleeps'] as const) {
      const expected = windowsWithRecords(stream, start, NOW).flatMap(([from, to]) => recordsUploadedBetween(stream, from, to, NOW).map((r) => ({ ...r, userId: sim.userId })));
      expect(expected.length).toBeGreaterThan(3);
      expect(receiver.items(stream)).toEqual(expected);
    }
    expect(receiver.items('dailies').map((i) => windowOf(i.callbackURL))).toEqual(windowsWithRecords('dailies', start, NOW));
    for (const r of receiver.received) expect(Object.values(r.body)[0]!.length).toBeLessThanOrEqual(3);
    const dailyBodies = receiver.received.filter((r) => 'dailies' in r.body).map((r) => r.body.dailies!.length);
    expect(dailyBodies).toEqual([3, 3, 1]);
  });
});

describe('simulator production mode: records uploaded under a documented key', () => {
  it('pings them (the callback answers them without userId, as Garmin’s pull examples) or pushes them with userId, under the key as given', async () => {
    const { sim, receiver, token } = await production();
    const records = [{ summaryId: 'ox-1', calendarDate: '2026-03-14', timeOffsetSpo2Values: { '0': 97 } }];
    const configure = (body: unknown) => fetch(`${sim.url}/__simulator/configure`, { method: 'POST', body: JSON.stringify(body) });
    expect(await (await configure({ upload: { key: 'pulseox', records } })).json()).toEqual({ ok: true, notified: 1 });
    expect(await (await configure({ upload: { key: 'allDayRespiration', records: [{ summaryId: 'r-1' }], delivery: 'push' } })).json()).toEqual({ ok: true, notified: 1 });
    expect((await configure({ upload: { key: 'solarIntensity', records } })).status).toBe(400);
    await sim.deliveriesSettled();
    const [ping] = receiver.items('pulseox');
    expect(Object.keys(ping!).sort()).toEqual(['callbackURL', 'userId']);
    const callback = new URL(String(ping!.callbackURL));
    expect(callback.pathname).toBe('/wellness-api/rest/pulseOx');
    expect(await (await get(callback.href, token)).json()).toEqual(records);
    expect(receiver.items('allDayRespiration')).toEqual([{ summaryId: 'r-1', userId: sim.userId }]);
  });
});

describe('simulator production mode: delivery', () => {
  it('retries a failed delivery with backoff until it succeeds, in order, and drops it after maxAttempts', async () => {
    const { sim, receiver } = await production({ maxAttempts: 3, firstBackoffMs: 40 });
    receiver.answer = (n) => (n <= 2 ? 500 : 200);
    sim.changePermissions(['HEALTH_EXPORT']);
    sim.removeAppInGarminConnect();
    const began = Date.now();
    await sim.deliveriesSettled();
    // 40 ms then 80 ms of backoff before the third attempt.
    expect(Date.now() - began).toBeGreaterThanOrEqual(115);
    expect(sim.webhookLog.map((a) => [a.attempt, a.status, a.types[0]])).toEqual([
      [1, 500, 'userPermissionsChange'],
      [2, 500, 'userPermissionsChange'],
      [3, 200, 'userPermissionsChange'],
      [1, 200, 'deregistrations'],
    ]);
    expect(receiver.received.map((r) => Object.keys(r.body)[0])).toEqual(['userPermissionsChange', 'userPermissionsChange', 'userPermissionsChange', 'deregistrations']);
    expect(sim.droppedDeliveries).toBe(0);

    receiver.answer = () => 503;
    sim.changePermissions(['HEALTH_EXPORT', 'ACTIVITY_EXPORT']);
    expect(sim.deliveriesPending()).toBe(1);
    await sim.deliveriesSettled();
    expect(sim.webhookLog.slice(4).map((a) => [a.attempt, a.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 503],
    ]);
    expect(sim.droppedDeliveries).toBe(1);
    expect(sim.deliveriesPending()).toBe(0);
  });

  it("counts a refused connection and an answer that never comes as network errors", async () => {
    const { sim, receiver } = await production({ maxAttempts: 2, deliveryTimeoutMs: 150 });
    receiver.answer = (n) => (n === 1 ? 'hang' : 200);
    sim.changePermissions(['HEALTH_EXPORT']);
    await sim.deliveriesSettled();
    expect(sim.webhookLog.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'network_error'],
      [2, 200],
    ]);

    const gone = await new Receiver().start();
    const closedUrl = gone.url;
    await gone.stop();
    sim.production = { ...sim.production!, webhookUrl: closedUrl };
    sim.removeAppInGarminConnect();
    await sim.deliveriesSettled();
    expect(sim.webhookLog.slice(2).map((a) => [a.attempt, a.status])).toEqual([
      [1, 'network_error'],
      [2, 'network_error'],
    ]);
    expect(sim.droppedDeliveries).toBe(1);
  });
});

describe('simulator production mode: registrations and permissions', () => {
  it('notifies a deregistration when the runner removes the app, and when the desktop deletes its registration', async () => {
    const { sim, receiver, token } = await production();
    sim.removeAppInGarminConnect();
    await sim.deliveriesSettled();
    expect(receiver.received.map((r) => r.body)).toEqual([{ deregistrations: [{ userId: sim.userId }] }]);
    expect((await get(`${sim.url}/wellness-api/rest/user/id`, token)).status).toBe(401);
    // Garmin notifies no uploads for a runner who removed the app.
    expect(await sim.notifyUploads(NOW - DAY, NOW)).toBe(0);

    const relinked = await link(sim);
    const deleted = await fetch(`${sim.url}/wellness-api/rest/user/registration`, { method: 'DELETE', headers: { authorization: `Bearer ${relinked}` } });
    expect(deleted.status).toBe(204);
    await sim.deliveriesSettled();
    expect(receiver.received.map((r) => r.body)).toEqual([{ deregistrations: [{ userId: sim.userId }] }, { deregistrations: [{ userId: sim.userId }] }]);
    expect(sim.counts.registrationDeletes).toBe(1);
    expect((await get(`${sim.url}/wellness-api/rest/user/id`, relinked)).status).toBe(401);
  });

  it('notifies a permission change, then notifies and backfills only what is still shared', async () => {
    const { sim, receiver, token } = await production();
    sim.changePermissions(['HEALTH_EXPORT']);
    await sim.deliveriesSettled();
    const change = receiver.items('userPermissionsChange');
    expect(change).toHaveLength(1);
    expect(change[0]).toMatchObject({ userId: sim.userId, permissions: ['HEALTH_EXPORT'] });
    expect(sim.permissions).toEqual(['HEALTH_EXPORT']);

    const start = NOW - 4 * DAY;
    await sim.notifyUploads(start, NOW);
    await sim.deliveriesSettled();
    expect(receiver.items('activities')).toEqual([]);
    expect(windowsWithRecords('activities', start, NOW).length).toBeGreaterThan(0);
    for (const stream of ['dailies', 'sleeps', 'hrv'] as const) expect(receiver.items(stream).length).toBe(windowsWithRecords(stream, start, NOW).length);
    const refused = await get(`${sim.url}/wellness-api/rest/backfill/activities?summaryStartTimeInSeconds=${start}&summaryEndTimeInSeconds=${NOW}`, token);
    expect(refused.status).toBe(412);
  });

  it('notifyUploads needs production mode', async () => {
    const { sim } = await production();
    sim.production = null;
    await expect(sim.notifyUploads(NOW - DAY, NOW)).rejects.toThrow(/production mode/);
  });
});
