/**
 * Activity details (50–500 KB of JSON each) pushed by Garmin through the R42 server to the desktop:
 * a backfill's worth arrives in relay pages bounded by bytes, each stored and committed before the
 * next is asked for; and a relay answer larger than the desktop reads is refused unread, with
 * nothing of it written.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RELAY_PAGE_MAX_RESPONSE_BYTES, relayPage } from '../../src-common/relay-contract.js';
import type { CompanionDeps } from '../../src-main/core/companion.js';
import { loadConfig } from '../../src-main/core/config.js';
import type { LogFields, LogLevel } from '../../src-main/core/ports.js';
import { decodeSamples } from '../../src-main/core/store/sample-codec.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { signInAtGarmin, type CoreWorld } from '../support/core-world.js';
import { postWebhook } from '../support/r42-server.js';
import { relayComputer, startRelayGarmin, type RelayGarmin } from '../support/relay-world.js';

const MIB = 1024 * 1024;
const PAGE_BUDGET = 4 * MIB;

/** A Garmin activityDetails record of about `bytes` bytes of JSON: 1 s samples with HR, distance, speed, cadence, GPS. */
function details(id: number, bytes: number, userId: string): Record<string, unknown> {
  const start = 1_760_000_000 + id * 86_400;
  const samples: Array<Record<string, number>> = [];
  for (let t = 0, size = 0; size < bytes; t++) {
    const sample = {
      startTimeInSeconds: start + t,
      heartRate: 130 + ((t * 7 + id) % 35),
      totalDistanceInMeters: Math.round(t * 3.05 * 100) / 100,
      speedMetersPerSecond: 3.05,
      stepsPerMinute: 168 + (t % 5),
      latitudeInDegree: Math.round((52.358 + t * 1e-5) * 1e7) / 1e7,
      longitudeInDegree: Math.round((4.868 + t * 1e-5) * 1e7) / 1e7,
    };
    samples.push(sample);
    size += JSON.stringify(sample).length + 1;
  }
  const duration = samples.length - 1;
  return {
    userId,
    summaryId: `big-${id}-detail`,
    activityId: 8_000_000 + id,
    summary: { summaryId: `big-${id}`, startTimeInSeconds: start, startTimeOffsetInSeconds: 3600, activityType: 'RUNNING', durationInSeconds: duration, distanceInMeters: samples.at(-1)!.totalDistanceInMeters },
    samples,
    laps: [{ startTimeInSeconds: start }, { startTimeInSeconds: start + 600 }],
  };
}

describe('activity details pushed through the relay in pages bounded by bytes', () => {
  let store: SqlStore;
  let sim: GarminSimulator;
  let server: RelayGarmin['server'];
  let world: CoreWorld;
  const now = Math.floor(Date.UTC(2026, 0, 10, 12) / 1000);

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

  async function linkedThroughRelay(overrides: Partial<CompanionDeps> = {}) {
    // The server's defaults: a 32 MiB webhook body, 4 MiB relay pages.
    const relay = await startRelayGarmin(store, () => now);
    ({ sim, server } = relay);
    world = relayComputer(relay, 3, {}, overrides);
    await signInAtGarmin(world);
    return world;
  }

  const sqlite = () => new BetterSqlite3(path.join(world.home, 'companion.db'), { readonly: true });
  const relayCursor = () => {
    const db = sqlite();
    try {
      return (db.prepare('SELECT cursor FROM relay_state').pluck().get() as string | null | undefined) ?? null;
    } finally {
      db.close();
    }
  };
  const pendingAtServer = async () => Number((await store.query<{ n: number }>('select count(*)::int as n from garmin_notifications'))[0]!.n);

  it('stores 40 details of ~300 KB from one webhook body, page by page, none larger than the budget, with the figures Garmin pushed', async () => {
    const pages: Array<{ bytes: number; count: number; more: boolean; cursorAtRequest: string | null; after: string | null }> = [];
    let record = false;
    const recording: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (!record || url.pathname !== '/v1/relay/notifications') return fetch(input, init);
      // What the desktop has committed when it asks for the next page.
      const cursorAtRequest = relayCursor();
      const response = await fetch(input, init);
      const body = Buffer.from(await response.arrayBuffer());
      const page = relayPage.parse(JSON.parse(body.toString('utf8')));
      pages.push({ bytes: body.byteLength, count: page.notifications.length, more: page.more, cursorAtRequest, after: url.searchParams.get('after') });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const w = await linkedThroughRelay({ fetch: recording });
    await w.companion.sync();
    await sim.deliveriesSettled();
    await w.companion.sync();
    expect(await pendingAtServer()).toBe(0);

    // Garmin's backfill push: 40 activities' details in one body of about 12 MB (under the 32 MiB default).
    const pushed = Array.from({ length: 40 }, (_, i) => details(i, 300 * 1024, sim.userId));
    const body = JSON.stringify({ activityDetails: pushed });
    expect(body.length).toBeGreaterThan(11_000_000);
    const delivered = await postWebhook(server.url, body);
    expect(await delivered.json()).toEqual({ stored: 40, duplicates: 0 });

    record = true;
    expect((await w.companion.sync()).outcome).toBe('completed');
    // Several pages, each within the budget (a page of one may be larger, none is here), the last saying no more.
    const withData = pages.filter((p) => p.count > 0);
    expect(withData.length).toBeGreaterThanOrEqual(3);
    expect(withData.reduce((n, p) => n + p.count, 0)).toBe(40);
    for (const page of pages) expect(page.bytes).toBeLessThanOrEqual(PAGE_BUDGET);
    expect(pages.at(-1)!.more).toBe(false);
    // Each page was stored and its cursor committed before the next was asked for: the desktop
    // never holds more than one page of the backfill.
    for (const page of pages) expect(page.cursorAtRequest).toBe(page.after);
    expect(await pendingAtServer()).toBe(0);

    const db = sqlite();
    try {
      const rows = db.prepare(`SELECT summary_id, activity_summary_id, activity_id, start_time, duration_s, distance_m, sample_count, has_hr, has_gps, lap_starts, samples FROM activity_samples WHERE summary_id LIKE 'big-%' ORDER BY start_time`).all() as Array<Record<string, unknown>>;
      expect(rows.map((r) => r.summary_id)).toEqual(pushed.map((d) => d.summaryId));
      for (const [i, row] of rows.entries()) {
        const sent = pushed[i]!;
        const summary = sent.summary as Record<string, number>;
        const samples = sent.samples as Array<Record<string, number>>;
        expect({ ...row, samples: undefined }).toEqual({
          summary_id: sent.summaryId,
          activity_summary_id: `big-${i}`,
          activity_id: String(sent.activityId),
          start_time: summary.startTimeInSeconds,
          duration_s: summary.durationInSeconds,
          distance_m: summary.distanceInMeters,
          sample_count: samples.length,
          has_hr: 1,
          has_gps: 1,
          lap_starts: '[0,600]',
          samples: undefined,
        });
        // Every sample as Garmin sent it (the codec keeps HR to 0.1, distance to 1 cm, positions to 1e-7°).
        const decoded = decodeSamples(row.samples as Buffer);
        expect(decoded.length).toBe(samples.length);
        expect(decoded.map((s) => [s.t, s.hr, s.distance, s.cadence, s.lat, s.lon])).toEqual(
          samples.map((s) => [s.startTimeInSeconds! - summary.startTimeInSeconds!, s.heartRate, s.totalDistanceInMeters, s.stepsPerMinute, s.latitudeInDegree, s.longitudeInDegree]),
        );
      }
    } finally {
      db.close();
    }
  });

  it('refuses a relay answer larger than it reads, unread, and writes nothing of it; the next pass on a sane relay completes', async () => {
    let sent = 0;
    let mode: 'streamed' | 'declared' = 'streamed';
    const fake: Server = createServer((req, res) => {
      req.resume();
      if (!req.url?.startsWith('/v1/relay/notifications')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      // A page that goes on and on (chunked, no length), or one whose length says it is too large.
      const head = '{"notifications":[{"cursor":"7","kind":"push","type":"activities","summary":{"summaryId":"never-stored","pad":"';
      if (mode === 'declared') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(RELAY_PAGE_MAX_RESPONSE_BYTES + 1) });
        res.write(head);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(head);
      const chunk = 'x'.repeat(MIB);
      const pump = () => {
        while (sent < 4 * RELAY_PAGE_MAX_RESPONSE_BYTES && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('"}}],"cursor":"7","more":false}');
      };
      pump();
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const w = await linkedThroughRelay();
      expect((await w.companion.sync()).outcome).toBe('completed');
      const cursorBefore = relayCursor();
      const lines: Array<{ level: LogLevel; event: string; fields?: LogFields }> = [];
      const liar = w.another({
        config: loadConfig({ ...w.env, R42_SERVER_URL: `http://127.0.0.1:${(fake.address() as AddressInfo).port}` }),
        logger: { log: (level, event, fields) => void lines.push({ level, event, ...(fields ? { fields } : {}) }) },
      });
      expect((await liar.sync()).outcome).toBe('offline');
      // Refused as soon as the limit was passed: the server could not push its 256 MiB through.
      expect(sent).toBeLessThan(2 * RELAY_PAGE_MAX_RESPONSE_BYTES);
      expect(lines).toContainEqual({ level: 'warn', event: 'relay.answer_too_large', fields: expect.objectContaining({ path: '/v1/relay/notifications', limit: RELAY_PAGE_MAX_RESPONSE_BYTES }) });
      expect(lines).toContainEqual({ level: 'warn', event: 'relay.offline', fields: { code: 'garmin_unreachable' } });
      // A Content-Length over the limit is refused before a byte of the body is read.
      mode = 'declared';
      lines.length = 0;
      expect((await liar.sync()).outcome).toBe('offline');
      expect(lines.filter((l) => l.event === 'relay.answer_too_large')).toHaveLength(1);
      // Nothing of the page was written: the cursor stands, no summary of it exists.
      expect(relayCursor()).toBe(cursorBefore);
      const db = sqlite();
      try {
        expect(db.prepare(`SELECT count(*) FROM activities WHERE summary_id = 'never-stored'`).pluck().get()).toBe(0);
      } finally {
        db.close();
      }
      // The real relay still works for the same runner.
      expect((await w.companion.sync()).outcome).toBe('completed');
    } finally {
      fake.closeAllConnections();
      fake.close();
    }
  });

  it('drops a push or a record nested past the depth limit before storing anything of it, stores the rest and moves on (issue 23, build point 5)', async () => {
    // 20,000 levels: storing the record would stringify it, which overflows the stack.
    const deep = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const activity = (id: string, extra = '') =>
      `{"summaryId":"${id}","startTimeInSeconds":${now - 7200},"activityType":"RUNNING","durationInSeconds":1800,"distanceInMeters":5000${extra}}`;
    let origin = '';
    let pageAsked = 0;
    const acks: string[] = [];
    const fake: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', origin);
        const json = (text: string, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(text);
        if (url.pathname === '/v1/relay/notifications') {
          if (pageAsked++ > 0) return json('{"notifications":[],"cursor":"3","more":false}');
          return json(
            `{"notifications":[` +
              `{"cursor":"1","kind":"push","type":"activities","summary":${activity('deep-ok-push')}},` +
              `{"cursor":"2","kind":"push","type":"activities","summary":${activity('deep-bad-push', `,"pad":${deep}`)}},` +
              `{"cursor":"3","kind":"ping","type":"activities","callbackURL":"${origin}/wellness-api/rest/activities?uploadStartTimeInSeconds=${now - 3600}&uploadEndTimeInSeconds=${now}&token=t","uploadStartTimeInSeconds":${now - 3600},"uploadEndTimeInSeconds":${now}}` +
              `],"cursor":"3","more":false}`,
          );
        }
        if (url.pathname === '/v1/relay/ack') {
          acks.push(body);
          return json('{"acked":true}');
        }
        // Garmin's data (a ping's callback, or a pull window): one sane record and one nested past any stack.
        if (url.pathname === '/wellness-api/rest/activities') return json(`[${activity('deep-ok-fetched')},${activity('deep-bad-fetched', `,"pad":${deep}`)}]`);
        if (url.pathname.startsWith('/wellness-api/rest/backfill/')) return res.writeHead(202).end();
        if (url.pathname.startsWith('/wellness-api/rest/')) return json('[]');
        return json('{}');
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    try {
      const w = await linkedThroughRelay();
      const lines: Array<{ level: LogLevel; event: string; fields?: LogFields }> = [];
      const logger = { log: (level: LogLevel, event: string, fields?: LogFields) => void lines.push({ level, event, ...(fields ? { fields } : {}) }) };
      const relayed = w.another({ config: loadConfig({ ...w.env, R42_SERVER_URL: origin, GARMIN_API_URL: origin }), logger });
      const result = await relayed.sync();
      expect(result).toMatchObject({ outcome: 'completed', stored: 2, skipped: 1 });
      expect(lines).toContainEqual({ level: 'warn', event: 'relay.notifications_too_deep', fields: { count: 1, limit: 64 } });
      expect(lines).toContainEqual({ level: 'warn', event: 'sync.records_too_deep', fields: { count: 1, limit: 64, source: 'relay' } });
      // The page was stored and acknowledged past the dropped push: it cannot stall the relay.
      expect(relayCursor()).toBe('3');
      expect(acks).toContain('{"cursor":"3"}');

      // The pull path (Garmin's evaluation environment) reads Garmin's windows through the same door.
      const pulled = w.another({ config: loadConfig({ ...w.env, R42_SERVER_URL: '', GARMIN_DATA_DELIVERY: 'pull', GARMIN_API_URL: origin, R42_BACKFILL_DAYS: '1' }), logger });
      const pull = await pulled.sync({ days: 1 });
      expect(pull.outcome).toBe('completed');
      expect(pull.skipped).toBeGreaterThanOrEqual(1);
      const db = sqlite();
      try {
        const ids = db.prepare(`SELECT summary_id FROM activities WHERE summary_id LIKE 'deep-%' ORDER BY summary_id`).pluck().all();
        expect(ids).toEqual(['deep-ok-fetched', 'deep-ok-push']);
      } finally {
        db.close();
      }
    } finally {
      fake.closeAllConnections();
      fake.close();
    }
  });
});

