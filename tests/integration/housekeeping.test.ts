import { chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REJECTED_CALLBACKS_AUDITED } from '../../src-main/core/auth/sign-in.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { readJsonLines, startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

let sim: GarminSimulator;
let world: CoreWorld;

afterEach(async () => {
  await world?.cleanup();
  await sim?.stop();
});

const DAY = 24 * 3600_000;

describe('wrong-state callbacks do not grow the audit log without bound', () => {
  it('are counted past the first few of a sign-in, and pruned after 30 days like other high-volume rows', async () => {
    let offset = 0;
    // 40-day tokens, so the daemon a month later has nothing to refresh.
    sim = await startSimulator({ accessTokenLifetimeSeconds: 40 * 86_400 });
    world = makeCoreWorld(sim, {}, { clock: { now: () => Date.now() + offset } });
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    const callback = await approveAtGarmin(await opened);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state');
    const flood = REJECTED_CALLBACKS_AUDITED + 25;
    for (let i = 0; i < flood; i++) expect((await browse(forged)).status).toBe(400);
    expect((await browse(callback)).title).toContain('Garmin is linked');
    await outcome;

    const rejected = () => world.companion.auditLog(500).filter((e) => e.event === 'sign_in.callback_rejected');
    expect(rejected().length).toBe(REJECTED_CALLBACKS_AUDITED + 1);
    expect(rejected()[0]!.detail).toEqual({ reason: 'more_rejected', count: 25 });

    // A month later the daemon starts: the rejected callbacks go, the sign-in itself stays.
    offset = 31 * DAY;
    const service = await world.companion.serveAgents({ syncOnStart: false });
    await service.stop();
    expect(rejected()).toEqual([]);
    expect(world.companion.auditLog(500).map((e) => e.event)).toContain('sign_in.succeeded');
  });
});

describe('the data folder', () => {
  it('is tightened from 0755 to 0700 when opened, and the log says so', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    expect(statSync(world.home).mode & 0o777).toBe(0o700);
    chmodSync(world.home, 0o755);
    world.another();
    expect(statSync(world.home).mode & 0o777).toBe(0o700);
    const lines = readJsonLines<{ event: string; from?: string; to?: string }>(path.join(world.home, 'logs', 'companion.log'));
    expect(lines.filter((l) => l.event === 'data_folder.permissions_tightened')).toEqual([expect.objectContaining({ from: '0755', to: '0700' })]);
  });
});
