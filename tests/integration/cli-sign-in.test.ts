import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { filesContaining, keychainItems, makeWorld, readJsonLines, recordingCli, secretsIn, startSimulator, type World } from '../support/harness.js';

interface BrowserVisit {
  opened: boolean;
  followed: boolean;
  hops?: Array<{ host?: string; path?: string; status: number; title: string | null; forged?: boolean }>;
}

describe('CLI: link, use and unlink a Garmin account (real keychain, SQLite and HTTP)', () => {
  let sim: GarminSimulator;
  let world: World;
  const { cli, outputs } = recordingCli(() => world);

  beforeEach(async () => {
    // Tokens living 11 h: `token --min-valid 43200` (the most it takes) then refreshes.
    sim = await startSimulator({ accessTokenLifetimeSeconds: 40_000 });
    world = makeWorld(sim);
    outputs.length = 0;
  });

  afterEach(async () => {
    await sim.stop();
    await world.cleanup();
  });

  it('logs in through the browser, shows status, hands out and refreshes tokens, and logs out', async () => {
    const login = await cli(['login', '--timeout', '20']);
    expect(login.stderr).toContain('Linked Garmin user');
    expect(login.code).toBe(0);
    expect(login.stdout.trim()).toBe(sim.userId);
    expect(login.stderr).toContain(`${sim.url}/oauth2Confirm?`); // the URL is printed for headless boxes

    // The runner's browser went Garmin → loopback callback → a result page without the code.
    const [visit] = readJsonLines<BrowserVisit>(world.browserLog);
    const hops = visit!.hops!;
    expect(hops.map((h) => h.status)).toEqual([302, 303, 200]);
    expect(hops[2]!.title).toContain('Garmin is linked');
    expect(hops[2]!.path).not.toContain('code');

    // The tokens are in the keychain, one item for the account, and nowhere else.
    const items = await keychainItems(world.keychainService);
    const tokenItems = items.filter((i) => i.account.startsWith('garmin-tokens:'));
    expect(tokenItems).toHaveLength(1);
    expect(tokenItems[0]!.account).toBe(`garmin-tokens:default:${sim.userId}`);
    // The client secret given in the environment went to the keychain too.
    expect(items.some((i) => i.account === 'garmin-client-secret:r42-test-client')).toBe(true);

    const status = await cli(['status', '--json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(parsed).toMatchObject({ connected: true, state: 'connected', garminUserId: sim.userId, permissions: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'] });
    expect(Date.parse(parsed.accessTokenExpiresAt as string)).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(Date.parse(parsed.refreshTokenExpiresAt as string)).toBeGreaterThan(Date.now() + 89 * 24 * 3600_000);

    const human = await cli(['status']);
    expect(human.stdout).toContain(`linked (user ${sim.userId})`);

    // A fresh token is served as it is: no refresh.
    const token = await cli(['token']);
    expect(token.code).toBe(0);
    const first = token.stdout.trim();
    expect(sim.isAccessTokenLive(first)).toBe(true);
    expect(token.stdout).toBe(`${first}\n`);
    expect(sim.counts.refreshes).toBe(0);

    // Asking for more validity than the token has left refreshes first, with rotation.
    const refreshed = await cli(['token', '--min-valid', '43200']);
    expect(refreshed.code).toBe(0);
    const second = refreshed.stdout.trim();
    expect(second).not.toBe(first);
    expect(sim.isAccessTokenLive(second)).toBe(true);
    expect(sim.counts.refreshes).toBe(1);
    const after = JSON.parse((await cli(['status', '--json'])).stdout) as Record<string, unknown>;
    expect(after.lastRefreshAt).not.toBeNull();

    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.stderr).toContain('Garmin deleted');
    expect(sim.counts.registrationDeletes).toBe(1);
    expect(sim.deregistered.has(sim.userId)).toBe(true);
    expect((await keychainItems(world.keychainService)).filter((i) => i.account.startsWith('garmin-tokens:'))).toHaveLength(0);
    const gone = JSON.parse((await cli(['status', '--json'])).stdout) as Record<string, unknown>;
    expect(gone).toMatchObject({ connected: false, state: 'not_connected', garminUserId: null });
    const tokenAfter = await cli(['token']);
    expect(tokenAfter.code).toBe(3);
    expect(tokenAfter.stderr).toContain('[not_connected]');

    const audit = await cli(['audit', '--json']);
    const events = (JSON.parse(audit.stdout) as Array<{ event: string }>).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['sign_in.started', 'sign_in.succeeded', 'token.refreshed', 'account.disconnected']));

    // No token, code, verifier or client secret in any output or any file of the data folder,
    // with the one intended exception: `token` prints the access token on stdout.
    const secrets = [...sim.issuedSecrets];
    const printedOnPurpose = new Set([first, second]);
    const leaks = secretsIn(outputs.join('\n'), secrets).filter((s) => !printedOnPurpose.has(s));
    expect(leaks).toEqual([]);
    expect(filesContaining(world.home, secrets)).toEqual([]);
    expect(existsSync(path.join(world.home, 'companion.db'))).toBe(true);
    expect(existsSync(path.join(world.home, 'logs', 'companion.log'))).toBe(true);
  });
});
