import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CLI, makeWorld, ROOT, runCli, startSimulator, type World } from '../support/harness.js';

/** More validity than the simulator's 11 h tokens have: the command must refresh. */
const FORCE_REFRESH = ['token', '--min-valid', '43200'];

describe('a signal during a refresh does not lose the link', () => {
  let sim: GarminSimulator;
  let world: World;

  beforeEach(async () => {
    sim = await startSimulator({ accessTokenLifetimeSeconds: 40_000 });
    world = makeWorld(sim);
    expect((await runCli(['login', '--timeout', '20'], world.env)).code).toBe(0);
  });

  afterEach(async () => {
    await sim.stop();
    await world.cleanup();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} while Garmin is rotating: the rotated pair reaches the keychain first, then the CLI stops`, async () => {
      sim.fail('refresh', { kind: 'delay', ms: 1500, times: 1 });
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...FORCE_REFRESH], { cwd: ROOT, env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      await expect.poll(() => sim.faultsLeft('refresh'), { timeout: 15_000 }).toBe(0);
      child.kill(signal);
      const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
      // It stopped as asked, after the refresh, not before.
      expect(killedBy ?? code).toBe(signal);
      expect(stderr).toContain('Finishing the Garmin token refresh before stopping');
      expect(sim.counts.refreshes).toBe(1);
      // The rotated refresh token was stored: the next refresh spends it, and the link lives.
      const next = await runCli(FORCE_REFRESH, world.env);
      expect(next.stderr).not.toContain('reauth_required');
      expect(next.code).toBe(0);
      expect(sim.counts.refreshes).toBe(2);
    });
  }
});
