import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompanionDeps } from '../../src-main/core/companion.js';
import type { SyncProgress } from '../../src-main/core/sync/sync-engine.js';
import { STREAMS } from '../../src-main/core/store/training-repo.js';
import { DATA_STREAMS, recordsUploadedBetween, type DataStream } from '../simulator/garmin-data.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CLI, ROOT, filesContaining, startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

const DAY = 86_400;
const TABLE: Record<DataStream, string> = { activities: 'activities', dailies: 'dailies', sleeps: 'sleeps', hrv: 'hrv', userMetrics: 'user_metrics' };

let sim: GarminSimulator;
let world: CoreWorld;

afterEach(async () => {
  await world?.cleanup();
  await sim?.stop();
});

async function linked(env: Record<string, string> = {}, overrides: Partial<CompanionDeps> = {}, simOptions: Parameters<typeof startSimulator>[0] = {}) {
  sim = await startSimulator(simOptions);
  world = makeCoreWorld(sim, env, { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))), ...overrides });
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  return world;
}

const db = (w: CoreWorld) => new BetterSqlite3(path.join(w.home, 'companion.db'), { readonly: true });

/** summaryIds stored for a stream. */
function storedIds(w: CoreWorld, stream: DataStream): string[] {
  const conn = db(w);
  try {
    return (conn.prepare(`SELECT summary_id FROM ${TABLE[stream]} ORDER BY summary_id`).all() as Array<{ summary_id: string }>).map((r) => r.summary_id);
  } finally {
    conn.close();
  }
}

/** What Garmin holds for a stream between two upload times, by summaryId. */
function expectedIds(stream: DataStream, from: number, to: number, now: number): string[] {
  const ids: string[] = [];
  for (let t = from; t < to; t += DAY) ids.push(...recordsUploadedBetween(stream, t, Math.min(t + DAY, to), now).map((r) => r.summaryId as string));
  return ids.sort();
}

function streamRow(w: CoreWorld, stream: DataStream) {
  const conn = db(w);
  try {
    return conn.prepare('SELECT * FROM sync_streams WHERE stream = ?').get(stream) as { backfill_floor: number; backfill_start: number; cursor: number; backfill_next_end: number };
  } finally {
    conn.close();
  }
}

describe('sync: backfill and incremental', () => {
  it('backfills N days newest first in ≤24 h windows, with progress, and loses nothing', async () => {
    const w = await linked();
    sim.dataNow = () => Math.floor(Date.now() / 1000);
    const progress: SyncProgress[] = [];
    const result = await w.companion.sync({ days: 14, onProgress: (p) => progress.push(p) });
    expect(result.outcome).toBe('completed');
    expect(result.skipped).toBe(0);
    // 14 backfill windows per stream (+ at most one incremental window each).
    for (const stream of DATA_STREAMS) expect(sim.dataRequests[stream]).toBeGreaterThanOrEqual(14);
    expect(progress.at(-1)).toMatchObject({ done: progress.at(-1)!.total });
    expect(progress.map((p) => p.done)).toEqual([...progress.keys()].map((i) => i + 1));
    const backfill = progress.filter((p) => p.phase === 'backfill');
    expect(backfill[0]!.stream).toBe('activities'); // streams interleave, newest day first
    for (const stream of DATA_STREAMS) {
      const row = streamRow(w, stream);
      expect(row.backfill_start - row.backfill_floor).toBe(14 * DAY);
      expect(row.backfill_next_end).toBe(row.backfill_floor);
      expect(storedIds(w, stream)).toEqual(expectedIds(stream, row.backfill_floor, row.cursor, row.cursor));
    }
    expect(storedIds(w, 'dailies').length).toBeGreaterThanOrEqual(12);
    const status = w.companion.status().sync;
    expect(status).toMatchObject({ running: false, stale: false, backfill: { done: STREAMS.length * 14, total: STREAMS.length * 14 } });
    expect(status.streams.every((s) => s.state === 'ok')).toBe(true);
    expect(filesContaining(w.home, sim.issuedSecrets)).toEqual([]);
  });

  it('then syncs incrementally from each stream’s cursor, without refetching history', async () => {
    // A clock that moves only when the test says: "three days later" is exactly three days, so the
    // count of windows does not depend on whether the first sync crossed a second boundary.
    let nowMs = Date.now() - 3 * DAY * 1000;
    const clock = { now: () => nowMs };
    const w = await linked({}, { clock });
    sim.dataNow = () => Math.floor(clock.now() / 1000);
    await w.companion.sync({ days: 5 });
    const before = { ...sim.dataRequests };
    const firstCursor = streamRow(w, 'dailies').cursor;
    nowMs += 3 * DAY * 1000; // three days later
    const progress: SyncProgress[] = [];
    const result = await w.companion.sync({ days: 5, onProgress: (p) => progress.push(p) });
    expect(result.outcome).toBe('completed');
    expect(progress.every((p) => p.phase === 'incremental')).toBe(true);
    for (const stream of DATA_STREAMS) expect(sim.dataRequests[stream] - before[stream]).toBe(3);
    for (const stream of DATA_STREAMS) {
      const row = streamRow(w, stream);
      expect(row.cursor).toBe(firstCursor + 3 * DAY);
      expect(storedIds(w, stream)).toEqual(expectedIds(stream, row.backfill_floor, row.cursor, row.cursor));
    }
    // Asking for more days later extends the history downwards: 10 days back from now.
    await w.companion.sync({ days: 10 });
    const extended = streamRow(w, 'activities');
    expect(extended.cursor - extended.backfill_floor).toBe(10 * DAY);
    expect(extended.backfill_next_end).toBe(extended.backfill_floor);
  });
});

describe('sync: Garmin’s answers', () => {
  it('412: skips the streams the runner did not share and says so', async () => {
    const w = await linked({}, {}, { permissions: ['ACTIVITY_EXPORT'] });
    const result = await w.companion.sync({ days: 3 });
    expect(result.outcome).toBe('completed');
    expect([...result.permissionMissing].sort()).toEqual(['bloodPressures', 'bodyComps', 'dailies', 'epochs', 'healthSnapshot', 'hrv', 'pulseOx', 'respiration', 'skinTemp', 'sleeps', 'stressDetails', 'userMetrics']);
    expect(sim.dataRequests.dailies).toBe(1); // asked once, then skipped for this run
    expect(storedIds(w, 'activities').length).toBeGreaterThan(0);
    expect(storedIds(w, 'dailies')).toEqual([]);
    const streams = w.companion.status().sync.streams;
    expect(streams.find((s) => s.stream === 'dailies')).toMatchObject({ state: 'permission_missing' });
    expect(streams.find((s) => s.stream === 'activities')).toMatchObject({ state: 'ok' });
    expect(w.companion.status().sync.lastSyncAt).not.toBeNull();
  });

  it('429: waits as long as Retry-After says, then goes on', async () => {
    const waits: number[] = [];
    const w = await linked({}, { sleep: async (ms) => void waits.push(ms) });
    sim.fail('sleeps', { kind: 'status', status: 429, times: 2, retryAfterSeconds: 7 });
    const result = await w.companion.sync({ days: 2 });
    expect(result.outcome).toBe('completed');
    expect(waits.filter((ms) => ms === 7_000)).toHaveLength(2);
    const row = streamRow(w, 'sleeps');
    expect(storedIds(w, 'sleeps')).toEqual(expectedIds('sleeps', row.backfill_floor, row.cursor, row.cursor));
  });

  it('401: refreshes the token once through the token manager and retries', async () => {
    const w = await linked();
    sim.expireAccessTokens();
    const result = await w.companion.sync({ days: 2 });
    expect(result.outcome).toBe('completed');
    expect(sim.counts.refreshes).toBe(1);
    expect(storedIds(w, 'dailies').length).toBeGreaterThan(0);
  });

  it('5xx: retried with backoff', async () => {
    const w = await linked();
    sim.fail('hrv', { kind: 'status', status: 503, times: 2 });
    expect((await w.companion.sync({ days: 2 })).outcome).toBe('completed');
    expect(w.companion.status().sync.streams.find((s) => s.stream === 'hrv')).toMatchObject({ state: 'ok' });
  });

  it('offline: pauses, keeps what it has, and resumes from the cursors when the network is back', async () => {
    const w = await linked();
    sim.dataNow = () => Math.floor(Date.now() / 1000) - 3600;
    // The network goes away after the first few windows.
    let served = 0;
    const realFetch = fetch;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes('/wellness-api/rest/') && !String(input).includes('/user/') && ++served > 12) throw new TypeError('fetch failed');
      return realFetch(input, init);
    };
    const other = w.another({ fetch: flaky });
    const paused = await other.sync({ days: 6 });
    expect(paused.outcome).toBe('offline');
    expect(other.status().sync.backfill.done).toBeLessThan(other.status().sync.backfill.total);
    expect(other.status().sync.streams[0]).toMatchObject({ state: 'error', lastErrorCode: 'garmin_unreachable' });
    const requestsBefore = Object.values(sim.dataRequests).reduce((a, b) => a + b, 0);
    const resumed = await w.companion.sync({ days: 6 });
    expect(resumed.outcome).toBe('completed');
    const requestsAfter = Object.values(sim.dataRequests).reduce((a, b) => a + b, 0);
    expect(requestsAfter - requestsBefore).toBeLessThanOrEqual(STREAMS.length * 6 + STREAMS.length - 12 + STREAMS.length); // only what was left
    for (const stream of DATA_STREAMS) {
      const row = streamRow(w, stream);
      expect(storedIds(w, stream)).toEqual(expectedIds(stream, row.backfill_floor, row.cursor, Math.floor(Date.now() / 1000) - 3600));
    }
  });

  it('schema drift never fails a sync; malformed records are logged and skipped', async () => {
    const w = await linked();
    sim.driftingStreams.add('activities');
    sim.driftingStreams.add('dailies');
    sim.malformedRecords.add('sleeps');
    const result = await w.companion.sync({ days: 3 });
    expect(result.outcome).toBe('completed');
    expect(result.skipped).toBeGreaterThanOrEqual(2 * 3);
    const conn = db(w);
    const activity = conn.prepare('SELECT avg_cadence_spm, elevation_gain_m, raw FROM activities LIMIT 1').get() as { avg_cadence_spm: number | null; elevation_gain_m: number | null; raw: string } | undefined;
    const daily = conn.prepare('SELECT resting_hr, steps FROM dailies LIMIT 1').get() as { resting_hr: number | null; steps: number };
    conn.close();
    if (activity) {
      expect(activity.avg_cadence_spm).toBeNull();
      expect(activity.elevation_gain_m).toBeNull();
      expect(JSON.parse(activity.raw)).toHaveProperty('newGarminField');
    }
    expect(daily.resting_hr).toBeNull();
    expect(daily.steps).toBeGreaterThan(0);
    expect(w.companion.status().sync.streams.find((s) => s.stream === 'sleeps')!.skippedRecords).toBe(result.skipped);
    const log = readFileSync(path.join(w.home, 'logs/companion.log'), 'utf8');
    expect(log).toContain('"event":"sync.records_skipped"');
  });

  it('one sync at a time per data folder', async () => {
    const w = await linked();
    sim.fail('activities', { kind: 'delay', ms: 1_000, times: 1 });
    const first = w.companion.sync({ days: 1 });
    await expect.poll(() => sim.faultsLeft('activities'), { timeout: 5_000 }).toBe(0); // the first sync is waiting for Garmin
    await expect(w.another().sync({ days: 1 })).rejects.toMatchObject({ code: 'sync_in_progress' });
    expect(w.companion.status().sync.running).toBe(true);
    await first;
    expect(w.companion.status().sync.running).toBe(false);
  });
});

describe('sync: crash safety and offline reads', () => {
  it('kill -9 mid-sync, then restart: nothing lost, nothing duplicated', async () => {
    const w = await linked({ R42_HTTP_TIMEOUT_SECONDS: '5' });
    const dataNow = Math.floor(Date.now() / 1000) - 600;
    sim.dataNow = () => dataNow;
    for (const stream of DATA_STREAMS) sim.fail(stream, { kind: 'delay', ms: 15 });
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'sync', '--days', '40'], { cwd: ROOT, env: w.env, stdio: 'ignore' });
    // Killed once Garmin has answered at least 35 % of the 200 windows (the CLI draws no progress into a pipe).
    const answered = () => DATA_STREAMS.reduce((n, stream) => n + sim.dataRequests[stream], 0);
    await new Promise<void>((resolve) => {
      const watch = setInterval(() => {
        if (answered() >= 72 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      }, 5);
      child.on('exit', () => {
        clearInterval(watch);
        resolve();
      });
    });
    expect(child.signalCode).toBe('SIGKILL');
    const partial = w.companion.status().sync.backfill;
    expect(partial.done).toBeGreaterThan(0);
    expect(partial.done).toBeLessThan(partial.total);

    sim.clearFaults();
    const restart = spawn(process.execPath, ['--import', 'tsx', CLI, 'sync', '--days', '40'], { cwd: ROOT, env: w.env, stdio: 'ignore' });
    expect(await new Promise((resolve) => restart.on('exit', resolve))).toBe(0);
    for (const stream of DATA_STREAMS) {
      const row = streamRow(w, stream);
      expect(row.backfill_next_end).toBe(row.backfill_floor);
      const ids = storedIds(w, stream);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expectedIds(stream, row.backfill_floor, row.cursor, dataNow));
    }
    expect(w.companion.status().sync.backfill).toEqual({ done: STREAMS.length * 40, total: STREAMS.length * 40 });
  }, 120_000);

  it('serves activities, dailies, sleeps and the weekly summary with the network gone', async () => {
    const w = await linked();
    await w.companion.sync({ days: 21 });
    const service = await w.companion.serveAgents({ syncOnStart: false });
    try {
      await sim.stop(); // Garmin (and the network to it) is gone
      const { token } = JSON.parse(readFileSync(path.join(w.home, 'agent.json'), 'utf8')) as { token: string };
      const get = async (p: string) => {
        const res = await fetch(`${service.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: (await res.json()) as { data: Array<Record<string, unknown>>; last_sync_at: string | null; stale: boolean } };
      };
      const today = new Date().toISOString().slice(0, 10);
      const from = new Date(Date.now() - 20 * DAY * 1000).toISOString().slice(0, 10);
      const activities = await get(`/v1/activities?from=${from}&to=${today}`);
      expect(activities.status).toBe(200);
      expect(activities.body.data.length).toBeGreaterThan(5);
      expect(activities.body.last_sync_at).not.toBeNull();
      expect(activities.body.stale).toBe(false);
      const runs = await get(`/v1/activities?from=${from}&to=${today}&type=RUNNING`);
      expect(runs.body.data.every((a) => a.type === 'RUNNING')).toBe(true);
      expect((await get(`/v1/dailies?from=${from}&to=${today}`)).body.data.length).toBeGreaterThanOrEqual(19);
      expect((await get(`/v1/sleeps?from=${from}&to=${today}`)).body.data.length).toBeGreaterThanOrEqual(19);
      const weekly = await get('/v1/summary/weekly?weeks=12');
      expect(weekly.body.data).toHaveLength(12);
      expect(weekly.body.data.slice(-3).some((wk) => (wk.distance_km as number) > 0)).toBe(true);
      expect((await get('/v1/summary/weekly?weeks=0')).status).toBe(400);
      expect((await get('/v1/activities?from=yesterday')).status).toBe(400);
    } finally {
      await service.stop();
    }
  });

  it('stopping the daemon mid-sync cancels the sync cleanly; the next one resumes from the cursors', async () => {
    const w = await linked({ R42_BACKFILL_DAYS: '30' });
    for (const stream of DATA_STREAMS) sim.fail(stream, { kind: 'delay', ms: 20 });
    const service = await w.companion.serveAgents();
    await expect.poll(() => w.companion.status().sync.backfill.done, { timeout: 10_000 }).toBeGreaterThan(10);
    await service.stop();
    const stopped = w.companion.status().sync;
    expect(stopped.running).toBe(false); // the lease is released
    expect(stopped.backfill.done).toBeLessThan(stopped.backfill.total);
    sim.clearFaults();
    expect((await w.companion.sync({ days: 30 })).outcome).toBe('completed');
    expect(w.companion.status().sync.backfill).toEqual({ done: STREAMS.length * 30, total: STREAMS.length * 30 });
  });

  it('disconnect deletes the cached data by default, or keeps it when asked', async () => {
    const w = await linked();
    await w.companion.sync({ days: 2 });
    await w.companion.disconnect({ keepData: true });
    expect(storedIds(w, 'dailies').length).toBeGreaterThan(0);
    await w.companion.disconnect();
    expect(storedIds(w, 'dailies')).toEqual([]);
    expect(w.companion.status().sync.backfill).toEqual({ done: 0, total: 0 });
  });
});
