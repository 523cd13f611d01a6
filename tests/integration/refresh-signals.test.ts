import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CLI, makeWorld, ROOT, runCli, startSimulator, type World } from '../support/harness.js';

/** More validity than the simulator's 11 h tokens have: the command must refresh. */
const FORCE_REFRESH = ['token', '--min-valid', '43200'];

describe('a signal during a refresh does not lose the link', () => {
  let sim: GarminSimulator;
  let world: World;

  afterEach(async () => {
    await sim.stop();
    await world.cleanup();
  });

  /** A linked runner: with their own developer app (the secret on the desktop), or through a token broker of their own (no secret here). */
  async function linked(route: 'own_developer_app' | 'token_broker') {
    sim = await startSimulator({ accessTokenLifetimeSeconds: 40_000, secret: route === 'own_developer_app' });
    world = makeWorld(sim);
    if (route === 'token_broker') delete world.env.GARMIN_CLIENT_SECRET;
    expect((await runCli(['login', '--timeout', '20'], world.env)).code).toBe(0);
    expect(JSON.parse((await runCli(['status', '--json'], world.env)).stdout)).toMatchObject({ link: { via: route } });
  }

  /** Starts a forced refresh that Garmin answers after 1.5 s, and signals the CLI once the request reached Garmin. */
  async function signalDuringRefresh(signal: NodeJS.Signals) {
    sim.fail('refresh', { kind: 'delay', ms: 1500, times: 1 });
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...FORCE_REFRESH], { cwd: ROOT, env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    await expect.poll(() => sim.faultsLeft('refresh'), { timeout: 15_000 }).toBe(0);
    child.kill(signal);
    const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    return { stoppedBy: killedBy ?? code, stderr };
  }

  /** The rotated refresh token was stored: the next refresh spends it, and the link lives. */
  async function linkLives() {
    const next = await runCli(FORCE_REFRESH, world.env);
    expect(next.stderr).not.toContain('reauth_required');
    expect(next.code).toBe(0);
    expect(sim.counts.refreshes).toBe(2);
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} while Garmin is rotating, through a token broker: the rotated pair reaches the keychain first, then the CLI stops`, async () => {
      await linked('token_broker');
      const { stoppedBy, stderr } = await signalDuringRefresh(signal);
      // It stopped as asked, after the refresh, not before.
      expect(stoppedBy).toBe(signal);
      expect(stderr).toContain('Finishing the Garmin token refresh before stopping');
      expect(sim.counts.refreshes).toBe(1);
      await linkLives();
    });

    it(`${signal} while Garmin is rotating, own developer app: the CLI stops at once, its refresh helper stores the rotated pair`, async () => {
      await linked('own_developer_app');
      const { stoppedBy } = await signalDuringRefresh(signal);
      expect(stoppedBy).toBe(signal);
      expect(sim.counts.refreshes).toBe(1);
      // The next refresh waits for the helper's lease, then spends the pair it stored.
      await linkLives();
    });
  }
});
