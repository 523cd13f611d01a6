import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import { STREAMS } from '../../src-main/core/store/training-repo.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { signInAtGarmin, type CoreWorld } from '../support/core-world.js';
import { relayComputer, startRelayGarmin, type RelayGarmin } from '../support/relay-world.js';

const DAY = 86_400;

/** A longer history asked for after the first (`sync --days`, the app's "Load N weeks of history"), with data arriving through the relay. */
describe('relay: a longer history asked for later', () => {
  let store: SqlStore;
  let sim: GarminSimulator;
  let server: RelayGarmin['server'];
  let world: CoreWorld;

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
  });

  it('asks Garmin for the older ranges only, and the history progress counts them', async () => {
    const now = Math.floor(Date.now() / 1000);
    const relay = await startRelayGarmin(store, () => now);
    ({ sim, server } = relay);
    world = relayComputer(relay, 20);
    await signInAtGarmin(world);

    await world.companion.sync();
    expect(sim.backfillRequests).toHaveLength(STREAMS.length);
    expect(world.companion.status().sync.backfill).toEqual({ done: STREAMS.length, total: STREAMS.length });

    // 80 days back: 60 more days, in Garmin's chunks (30 days for activities, 90 for the rest).
    const longer = await world.companion.sync({ days: 80 });
    expect(longer.outcome).toBe('completed');
    const added = sim.backfillRequests.slice(STREAMS.length).map((r) => [r.type, r.start, r.end, r.status]);
    expect(added.sort()).toEqual(
      [
        ...(['activities', 'activityDetails'] as const).flatMap((t) => [
          [t, now - 50 * DAY, now - 20 * DAY, 202],
          [t, now - 80 * DAY, now - 50 * DAY, 202],
        ]),
        ...STREAMS.filter((t) => t !== 'activities' && t !== 'activityDetails').map((t) => [t, now - 80 * DAY, now - 20 * DAY, 202]),
      ].sort(),
    );
    expect(world.companion.status().sync.backfill).toEqual({ done: 2 * STREAMS.length + 2, total: 2 * STREAMS.length + 2 });
    // Asked once: the next pass asks nothing again.
    await world.companion.sync({ days: 80 });
    expect(sim.backfillRequests).toHaveLength(2 * STREAMS.length + 2);
  });
});
