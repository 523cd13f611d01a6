/**
 * The Activity API's activity files end to end: the simulator (production mode) keeps the FIT file
 * of an upload and pings the R42 server's webhook under `activityFiles`; the desktop reads the
 * ping from the relay, fetches the file from Garmin's origin with the runner's own token (once, as
 * Garmin serves it once) and imports it with the same importer as a file from the watch: the run
 * the API already delivered stays one activity, with the file's richer samples and what the watch
 * recorded beyond the API.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoaching } from '../../src-main/core/coaching/coaching-service.js';
import { openDatabase } from '../../src-main/core/store/database.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { simRecordsUploadedBetween } from '../simulator/streams.js';
import { encodeRun } from '../support/fit-files.js';
import { signInAtGarmin, type CoreWorld } from '../support/core-world.js';
import { relayComputer, startRelayGarmin, type RelayGarmin } from '../support/relay-world.js';

const DAY = 86_400;

describe('activity files through the relay (webhook ping → relay → Garmin’s file → import)', () => {
  let store: SqlStore;
  let sim: GarminSimulator;
  let server: RelayGarmin['server'];
  let world: CoreWorld;
  const now = Math.floor(Date.UTC(2026, 2, 15, 11, 0, 0) / 1000);

  beforeAll(async () => {
    store = await openPgliteStore(null);
    const relay = await startRelayGarmin(store, () => now);
    ({ sim, server } = relay);
    world = relayComputer(relay, 5);
    await signInAtGarmin(world);
    await world.companion.sync();
    await sim.deliveriesSettled();
    expect((await world.companion.sync()).outcome).toBe('completed');
  }, 180_000);

  afterAll(async () => {
    await world?.cleanup();
    await server?.stop();
    await sim?.stop();
    await store?.close();
  });

  it('imports the file once, as the same activity as the API’s run, its richer samples winning', async () => {
    const run = simRecordsUploadedBetween('activities', now - 5 * DAY, now, now).find((a) => a.activityType === 'RUNNING')!;
    const start = run.startTimeInSeconds as number;
    const file = encodeRun({ start: start + 12, seconds: run.durationInSeconds as number, power: true, dynamics: true, lapMetres: 1000, offsetS: 3600 }).bytes;
    sim.uploadActivityFile(file, { activityType: 'RUNNING', startTimeInSeconds: start, activityId: run.activityId, deviceName: 'Forerunner 245' });
    // A ride the API never sent: a new activity.
    const ride = encodeRun({ start: now - 2 * DAY, seconds: 1800, sport: 'cycling', seed: 5 }).bytes;
    sim.uploadActivityFile(ride, { activityType: 'CYCLING', startTimeInSeconds: now - 2 * DAY });
    await sim.deliveriesSettled();
    expect((await world.companion.sync()).outcome).toBe('completed');
    expect(sim.activityFileRequests.map((r) => r.status)).toEqual([200, 200]);

    const db = openDatabase(path.join(world.home, 'companion.db'));
    try {
      const coaching = createCoaching({ db, config: { hr: { maxHr: 190, restingHr: 48, zoneModel: 'hrr' } }, clock: { now: () => now * 1000 } });
      const answer = coaching.activityDetails(String(run.summaryId));
      expect(answer.recorded).toMatchObject({ source: 'activity_file', samples_from_file: true, channels: { power_w: expect.objectContaining({ avg: expect.any(Number) }) } });
      expect(answer.summary.samples).toBe((run.durationInSeconds as number) + 1);
      expect(db.prepare('SELECT count(*) FROM activities WHERE start_time BETWEEN ? AND ?').pluck().get(start - 60, start + 60)).toBe(1);
      const rides = db.prepare("SELECT summary_id FROM activities WHERE summary_id LIKE 'fit-%'").pluck().all() as string[];
      expect(rides).toHaveLength(1);
      expect(coaching.activityDetails(rides[0]!).type).toBe('CYCLING');
    } finally {
      db.close();
    }
    // Nothing is asked twice: the pings were acknowledged with their page.
    expect((await world.companion.sync()).outcome).toBe('completed');
    expect(sim.activityFileRequests).toHaveLength(2);
  }, 60_000);

  it('the ping’s Garmin activity id makes the file that activity though the two starts differ by more than 60 s; a TCX file is not fetched', async () => {
    const runs = simRecordsUploadedBetween('activities', now - 5 * DAY, now, now).filter((a) => a.activityType === 'RUNNING');
    const run = runs.at(-1)!;
    expect(run.summaryId).not.toBe(runs[0]!.summaryId);
    const start = run.startTimeInSeconds as number;
    // The watch's file starts five minutes after the API's summary says (a start pressed late, a clock off).
    const file = encodeRun({ start: start + 300, seconds: 1500, power: true, dynamics: true, lapMetres: 1000, seed: 11 }).bytes;
    sim.uploadActivityFile(file, { activityType: 'RUNNING', startTimeInSeconds: start, activityId: run.activityId, deviceName: 'Forerunner 245' });
    // Garmin sends TCX or GPX when asked to: nothing to import, so not downloaded.
    sim.uploadActivityFile(new TextEncoder().encode('<TrainingCenterDatabase/>'), { fileType: 'TCX', activityType: 'RUNNING', startTimeInSeconds: start, activityId: run.activityId });
    const asked = sim.activityFileRequests.length;
    await sim.deliveriesSettled();
    expect((await world.companion.sync()).outcome).toBe('completed');
    expect(sim.activityFileRequests.slice(asked).map((r) => r.status)).toEqual([200]);

    const db = openDatabase(path.join(world.home, 'companion.db'));
    try {
      // One activity: the API's, with the file's samples and what the watch recorded; no activity of the file's own.
      expect(db.prepare('SELECT summary_id FROM activities WHERE activity_id = ?').pluck().all(String(run.activityId))).toEqual([String(run.summaryId)]);
      expect(db.prepare("SELECT count(*) FROM activities WHERE summary_id LIKE 'fit-%'").pluck().get()).toBe(1);
      const coaching = createCoaching({ db, config: { hr: { maxHr: 190, restingHr: 48, zoneModel: 'hrr' } }, clock: { now: () => now * 1000 } });
      expect(coaching.activityDetails(String(run.summaryId)).recorded).toMatchObject({ source: 'activity_file', samples_from_file: true });
      expect(db.prepare('SELECT name FROM fit_files ORDER BY imported_at DESC, rowid DESC LIMIT 1').pluck().get()).toBe(`garmin-activity-${run.activityId}.fit`);
    } finally {
      db.close();
    }
  }, 60_000);
});
