/**
 * Issue 11 through Garmin's production path: activityDetails and the wellness types arrive as
 * webhook pings at the R42 server, the desktop fetches them through the relay and stores them with
 * the relay cursor; the coaching service then reads them like pulled data.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoaching } from '../../src-main/core/coaching/coaching-service.js';
import { openDatabase } from '../../src-main/core/store/database.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { simRecordsUploadedBetween } from '../simulator/streams.js';
import { signInAtGarmin, type CoreWorld } from '../support/core-world.js';
import { relayComputer, startRelayGarmin, type RelayGarmin } from '../support/relay-world.js';

const DAY = 86_400;

describe('coaching from data delivered through the relay', () => {
  let store: SqlStore;
  let sim: GarminSimulator;
  let server: RelayGarmin['server'];
  let world: CoreWorld;
  const now = Math.floor(Date.UTC(2026, 2, 15, 11, 0, 0) / 1000);

  beforeAll(async () => {
    store = await openPgliteStore(null);
    // Bodies pushed for the small types, pings (callback URLs) for the details, as Garmin's portal allows.
    const relay = await startRelayGarmin(store, () => now, { delivery: { activities: 'push', bodyComps: 'push' } });
    ({ sim, server } = relay);
    world = relayComputer(relay, 14);
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

  it('stores every activity’s details and the wellness types exactly once, and answers from them', () => {
    const db = openDatabase(path.join(world.home, 'companion.db'));
    try {
      const held = (stream: Parameters<typeof simRecordsUploadedBetween>[0]) => simRecordsUploadedBetween(stream, now - 14 * DAY, now, now);
      const ids = (table: string) => (db.prepare(`SELECT summary_id FROM ${table} ORDER BY summary_id`).pluck().all() as string[]);
      const sorted = (records: Array<Record<string, unknown>>) => records.map((r) => String(r.summaryId)).sort();
      expect(ids('activity_samples')).toEqual(sorted(held('activityDetails')));
      expect(ids('stress_details')).toEqual(sorted(held('stressDetails')));
      expect(ids('body_comps')).toEqual(sorted(held('bodyComps')));
      expect(ids('pulse_ox')).toEqual(sorted(held('pulseOx')));
      expect(ids('respiration')).toEqual(sorted(held('respiration')));
      const coaching = createCoaching({ db, config: { hr: { maxHr: 190, restingHr: 48, zoneModel: 'hrr' } }, clock: { now: () => now * 1000 } });
      const run = held('activities').find((a) => a.activityType === 'RUNNING')!;
      const answer = coaching.activityDetails(String(run.summaryId));
      expect(answer.has_details).toBe(true);
      expect(answer.splits.length).toBe(Math.ceil((run.distanceInMeters as number) / 1000 - 0.001));
      expect(coaching.personalRecords().records.length).toBeGreaterThan(0);
      expect(JSON.stringify(coaching.trainingLoad({ from: '2026-03-01', to: '2026-03-14' }))).not.toMatch(/NaN/);
    } finally {
      db.close();
    }
  });
});
