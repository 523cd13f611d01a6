import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { filesContaining, keychainItems, makeWorld, recordingCli, secretsIn, startSimulator, TEST_CLIENT_SECRET, type World } from '../support/harness.js';
import { freePort } from '../support/postgres.js';
import { serverEnv, startTestServer } from '../support/r42-server.js';

/** A runner with no Garmin developer account: no client secret anywhere on the desktop, R42's server in the path. */
describe('CLI through the R42 server: link, refresh and unlink with no secret on the desktop', () => {
  let sim: GarminSimulator;
  let store: SqlStore;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let world: World;
  const { cli, outputs } = recordingCli(() => world);

  beforeAll(async () => {
    store = await openPgliteStore(null);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  beforeEach(async () => {
    // Tokens living 11 h: `token --min-valid 43200` (the most it takes) then refreshes.
    sim = await startSimulator({ accessTokenLifetimeSeconds: 40_000 });
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    server = await startTestServer(serverEnv(sim, [redirect]), { store });
    world = makeWorld(sim, { R42_SERVER_URL: server.url, GARMIN_REDIRECT_URI: redirect });
    // What a runner's computer has: R42's public client id and server URL, nothing secret.
    delete world.env.GARMIN_CLIENT_SECRET;
    delete world.env.GARMIN_TOKEN_URL;
    outputs.length = 0;
  });

  afterEach(async () => {
    await server.stop();
    await sim.stop();
    await world.cleanup();
  });

  it('links through the broker, says so, refreshes with rotation through it, and unlinks', async () => {
    const before = await cli(['status']);
    expect(before.stdout).toContain(`Links through:       R42 server at ${server.url}`);

    const login = await cli(['login', '--timeout', '20']);
    expect(login.code).toBe(0);
    expect(login.stdout.trim()).toBe(sim.userId);
    expect(sim.counts.codeExchanges).toBe(1);

    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { state: string; link: unknown };
    expect(status.state).toBe('connected');
    expect(status.link).toEqual({ via: 'r42_server', tokenOrigin: server.url });

    const first = (await cli(['token'])).stdout.trim();
    const refreshed = await cli(['token', '--min-valid', '43200']);
    expect(refreshed.code).toBe(0);
    const second = refreshed.stdout.trim();
    expect(second).not.toBe(first);
    expect(sim.isAccessTokenLive(second)).toBe(true);
    expect(sim.counts.refreshes).toBe(1);

    // Garmin refusing the refresh token still reaches the app as reconnect-needed.
    sim.revokeAll();
    const refused = await cli(['token', '--min-valid', '43200']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('[reauth_required]');
    expect((await cli(['login', '--timeout', '20'])).code).toBe(0);

    const logout = await cli(['logout']);
    expect(logout.code).toBe(0);
    expect(sim.counts.registrationDeletes).toBe(1);

    // The client secret never reached this computer: not the keychain, not a file, not an output.
    const items = await keychainItems(world.keychainService);
    expect(items.filter((i) => i.account.startsWith('garmin-client-secret:'))).toEqual([]);
    expect(items.filter((i) => i.password.includes(TEST_CLIENT_SECRET))).toEqual([]);
    expect(filesContaining(world.home, [TEST_CLIENT_SECRET, ...sim.issuedSecrets])).toEqual([]);
    const printedOnPurpose = new Set([first, second]);
    expect(secretsIn(outputs.join('\n'), [TEST_CLIENT_SECRET, ...sim.issuedSecrets]).filter((s) => !printedOnPurpose.has(s))).toEqual([]);
    // And the server's whole log holds no token, code, verifier or secret either.
    expect(secretsIn(JSON.stringify(server.lines), [TEST_CLIENT_SECRET, ...sim.issuedSecrets])).toEqual([]);
    expect(server.lines.filter((l) => l.event === 'request').map((l) => l.fields.grant_type)).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token']),
    );
  });

  it('says what to set when there is neither a client secret nor an R42 server', async () => {
    delete world.env.R42_SERVER_URL;
    const status = await cli(['status']);
    expect(status.stdout).toContain('Links through:       not configured: set R42_SERVER_URL');
    const login = await cli(['login', '--timeout', '5']);
    expect(login.code).not.toBe(0);
    expect(login.stderr).toContain('[not_configured]');
    expect(sim.counts.authorize).toBe(0);
  });
});
