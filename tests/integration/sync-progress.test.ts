import { afterEach, describe, expect, it } from 'vitest';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

let sim: GarminSimulator;
let world: CoreWorld;

afterEach(async () => {
  await world?.cleanup();
  await sim?.stop();
});

async function linked(permissions: string[]) {
  sim = await startSimulator({ permissions });
  world = makeCoreWorld(sim, {}, { sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) });
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  return world;
}

describe('sync status: the history progress', () => {
  it('reaches its total when Garmin refuses the streams the runner did not share (412)', async () => {
    const w = await linked(['ACTIVITY_EXPORT']);
    const result = await w.companion.sync({ days: 3 });
    expect(result.outcome).toBe('completed');
    // Everything under HEALTH_EXPORT: the dailies, sleeps, HRV, user metrics, the four wellness and the four health types.
    const refused = ['bloodPressures', 'bodyComps', 'dailies', 'epochs', 'healthSnapshot', 'hrv', 'pulseOx', 'respiration', 'skinTemp', 'sleeps', 'stressDetails', 'userMetrics'];
    expect([...result.permissionMissing].sort()).toEqual(refused);
    const { backfill, streams } = w.companion.status().sync;
    expect(streams.filter((s) => s.state === 'permission_missing')).toHaveLength(refused.length);
    // Every stream for three days: the refused ones have nothing left to load, so the history is complete.
    expect(backfill).toEqual({ done: streams.length * 3, total: streams.length * 3 });
    expect(streams.length).toBe(14);
  });
});
