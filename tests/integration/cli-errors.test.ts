import { spawn } from 'node:child_process';
import { mkdirSync, chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CLI, ROOT, filesContaining, keychainItems, makeWorld, readJsonLines, recordingCli, secretsIn, startSimulator, tempDir, type World } from '../support/harness.js';

let sim: GarminSimulator;
let world: World;
const { cli, outputs } = recordingCli(() => world);

beforeEach(async () => {
  sim = await startSimulator();
  world = makeWorld(sim);
  outputs.length = 0;
});

afterEach(async () => {
  await sim.stop();
  await world.cleanup();
});

const linked = async () => {
  const login = await cli(['login', '--timeout', '20']);
  expect(login.code).toBe(0);
};

describe('CLI sign-in failures', () => {
  it('declined on Garmin: non-zero exit, the reason, nothing linked', async () => {
    sim.consent = 'decline';
    const result = await cli(['login', '--timeout', '20']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('You declined access on Garmin');
    expect(result.stderr).toContain('[sign_in_declined]');
    expect(result.stdout).toBe('');
    const [visit] = readJsonLines<{ hops: Array<{ title: string }> }>(world.browserLog);
    expect(visit!.hops.at(-1)!.title).toContain('You declined access on Garmin');
    expect(JSON.parse((await cli(['status', '--json'])).stdout)).toMatchObject({ connected: false });
  });

  it('a forged callback first does not spoil the real one', async () => {
    const result = await cli(['login', '--timeout', '20'], { RUNNER_MODE: 'wrong-state' });
    expect(result.code).toBe(0);
    const [visit] = readJsonLines<{ hops: Array<{ forged?: boolean; status: number; title: string }> }>(world.browserLog);
    expect(visit!.hops.find((h) => h.forged)).toMatchObject({ status: 400 });
    expect(visit!.hops.at(-1)!.title).toContain('Garmin is linked');
  });

  it('times out when the runner never approves, and says so', async () => {
    const result = await cli(['login', '--timeout', '2'], { RUNNER_MODE: 'ignore' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Waiting up to 2 seconds');
    expect(result.stderr).toMatch(/No answer from Garmin within 2 seconds.*\[sign_in_timeout\]/);
    expect(JSON.parse((await cli(['audit', '--json'])).stdout)[0]).toMatchObject({ event: 'sign_in.failed', detail: { code: 'sign_in_timeout' } });
  });

  it('Ctrl-C cancels cleanly with exit 130, and --no-browser still prints the address', async () => {
    const result = await cli(['login', '--no-browser'], {}, {
      onStderr: (text, child) => {
        if (text.includes('Waiting up to') && !child.killed) child.kill('SIGINT');
      },
    });
    expect(result.stderr).toContain('Open this address in a browser');
    expect(result.stderr).toContain('[sign_in_cancelled]');
    expect(result.code).toBe(130);
    expect(readJsonLines(world.browserLog)).toEqual([]); // no browser was started
  });

  it('says what to set when GARMIN_CLIENT_ID is missing', async () => {
    const result = await cli(['login'], { GARMIN_CLIENT_ID: '' });
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/set GARMIN_CLIENT_ID.*\[not_configured\]/);
    const status = await cli(['status'], { GARMIN_CLIENT_ID: '' });
    expect(status.stdout).toContain('GARMIN_CLIENT_ID is not set');
  });

  it('names a bad setting', async () => {
    const result = await cli(['status'], { GARMIN_TOKEN_URL: 'http://garmin.example/token' });
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/GARMIN_TOKEN_URL \(environment\) must be an https:\/\/ URL.*\[config_invalid\]/);
  });

  it('rejects unknown commands and bad flags with usage errors', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    const bad = await cli(['login', '--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--timeout needs a whole number of seconds');
    expect((await cli(['status', '--jsn'])).code).toBe(2);
  });

  it('warns loudly about plain-http Garmin URLs', async () => {
    const result = await cli(['status']);
    expect(result.stderr).toContain('warning: INSECURE plain-http Garmin URL');
  });
});

describe('CLI keychain failures', () => {
  it('no Secret Service: keychain_unavailable with what to install, before the browser opens', async () => {
    const result = await cli(['login', '--timeout', '5'], { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(/No OS keychain is reachable.*gnome-keyring.*\[keychain_unavailable\]/s);
    expect(readJsonLines(world.browserLog)).toEqual([]);
  });

  it('a locked keyring (no unlocked collection): keychain_locked with how to unlock, before the browser opens', async () => {
    const keyring = tempDir('r42-locked-keyring-');
    mkdirSync(path.join(keyring, 'run'));
    mkdirSync(path.join(keyring, 'data'));
    chmodSync(path.join(keyring, 'run'), 0o700);
    const env = { ...world.env, XDG_RUNTIME_DIR: path.join(keyring, 'run'), XDG_DATA_HOME: path.join(keyring, 'data'), DBUS_SESSION_BUS_ADDRESS: undefined, DISPLAY: undefined };
    const script = `gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec "${process.execPath}" --import tsx "${CLI}" login --timeout 5`;
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('dbus-run-session', ['--', 'sh', '-c', script], { cwd: ROOT, env });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.stderr).toMatch(/The OS keychain is locked.*\[keychain_locked\]/s);
    expect(result.code).toBe(6);
    expect(readJsonLines(world.browserLog)).toEqual([]);
  });
});

describe('CLI token lifecycle', () => {
  it('refreshes with rotation when the token is about to expire; the spent refresh token is refused by Garmin', async () => {
    sim.accessTokenLifetimeSeconds = 300; // inside the 600 s margin: every `token` refreshes
    await linked();
    const before = (await keychainItems(world.keychainService)).find((i) => i.account.startsWith('garmin-tokens:'))!;
    const oldRefresh = (JSON.parse(before.password) as { refreshToken: string }).refreshToken;

    const token = await cli(['token']);
    expect(token.code).toBe(0);
    expect(sim.counts.refreshes).toBe(1);
    expect(sim.isAccessTokenLive(token.stdout.trim())).toBe(true);
    expect(sim.isRefreshTokenLive(oldRefresh)).toBe(false);
    const after = (await keychainItems(world.keychainService)).find((i) => i.account.startsWith('garmin-tokens:'))!;
    const stored = JSON.parse(after.password) as { refreshToken: string; accessToken: string };
    expect(stored.refreshToken).not.toBe(oldRefresh);
    expect(sim.isRefreshTokenLive(stored.refreshToken)).toBe(true);
    expect(stored.accessToken).toBe(token.stdout.trim());
  });

  it('several CLI processes asking at once refresh exactly once, and all get the new token', async () => {
    sim.accessTokenLifetimeSeconds = 300;
    await linked();
    sim.accessTokenLifetimeSeconds = 86_400;
    sim.fail('refresh', { kind: 'delay', ms: 300, times: 1 }); // widen the race window
    const results = await Promise.all(Array.from({ length: 6 }, () => cli(['token'])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(sim.counts.refreshes).toBe(1);
    expect(new Set(results.map((r) => r.stdout.trim())).size).toBe(1);
    expect(JSON.parse((await cli(['status', '--json'])).stdout)).toMatchObject({ connected: true, state: 'connected' });
  });

  it('when Garmin refuses the refresh token: reconnect needed, tokens deleted, metadata kept', async () => {
    sim.accessTokenLifetimeSeconds = 300;
    await linked();
    sim.revokeAll();
    const token = await cli(['token']);
    expect(token.code).toBe(4);
    expect(token.stderr).toMatch(/link Garmin again.*\[reauth_required\]/);
    expect(token.stdout).toBe('');
    expect((await keychainItems(world.keychainService)).filter((i) => i.account.startsWith('garmin-tokens:'))).toEqual([]);
    const status = JSON.parse((await cli(['status', '--json'])).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ connected: false, state: 'reauth_required', garminUserId: sim.userId, lastError: { code: 'invalid_grant' } });
    expect((await cli(['status'])).stdout).toContain('RECONNECT NEEDED');
    // Logging in again repairs it.
    await linked();
    expect(JSON.parse((await cli(['status', '--json'])).stdout)).toMatchObject({ connected: true, state: 'connected', lastError: null });
  });

  it('keeps serving a still-valid token while Garmin is down', async () => {
    sim.accessTokenLifetimeSeconds = 300;
    await linked();
    const current = JSON.parse((await keychainItems(world.keychainService)).find((i) => i.account.startsWith('garmin-tokens:'))!.password) as { accessToken: string };
    sim.fail('refresh', { kind: 'status', status: 503 });
    const token = await cli(['token']);
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).toBe(current.accessToken);
    expect(JSON.parse((await cli(['status', '--json'])).stdout)).toMatchObject({ connected: true, lastError: { code: 'garmin_unreachable' } });
  });

  it('fails with garmin_unreachable (exit 5) when the token has expired and Garmin is down', async () => {
    sim.accessTokenLifetimeSeconds = 1;
    await linked();
    await new Promise((r) => setTimeout(r, 1_100));
    sim.fail('refresh', { kind: 'drop' });
    const token = await cli(['token']);
    expect(token.code).toBe(5);
    expect(token.stdout).toBe('');
    expect(token.stderr).toMatch(/Cannot reach Garmin.*\[garmin_unreachable\]/);
    expect(sim.counts.refreshes).toBe(4); // the first try and three retries with backoff
  });
});

describe('CLI logout', () => {
  it('removes everything locally even when Garmin cannot be reached, and says Garmin keeps the registration', async () => {
    await linked();
    sim.fail('registration', { kind: 'status', status: 503 });
    const result = await cli(['logout']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Garmin could not be told \(garmin_unreachable\).*until you remove R42 Companion in Garmin Connect/s);
    expect(sim.deregistered.has(sim.userId)).toBe(false);
    expect((await keychainItems(world.keychainService)).filter((i) => i.account.startsWith('garmin-tokens:'))).toEqual([]);
    expect(JSON.parse((await cli(['status', '--json'])).stdout)).toMatchObject({ connected: false, state: 'not_connected' });
    expect((await cli(['logout'])).stderr).toContain('No Garmin account is linked.');
  });
});

describe('CLI client secret', () => {
  it('stores the secret from stdin in the keychain and uses it without the environment variable', async () => {
    const env = { GARMIN_CLIENT_SECRET: '' };
    // Tokens living 11 h: `token --min-valid 43200` (the most it takes) then refreshes.
    sim.accessTokenLifetimeSeconds = 40_000;
    const set = await cli(['secret', 'set'], env, { stdin: 'sim-client-secret-5f1f0d7e3a9b4c2d\n' });
    expect(set.code).toBe(0);
    const items = await keychainItems(world.keychainService);
    expect(items).toEqual([{ account: 'garmin-client-secret:r42-test-client', password: 'sim-client-secret-5f1f0d7e3a9b4c2d' }]);
    expect((await cli(['login', '--timeout', '20'], env)).code).toBe(0);
    const cleared = await cli(['secret', 'clear'], env);
    expect(cleared.stderr).toContain('removed');
    // Without a secret the simulator (which requires one) refuses the client.
    const refused = await cli(['token', '--min-valid', '43200'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/client credentials.*\[garmin_rejected\]/);
    expect(refused.stdout).toBe('');
    expect(JSON.parse((await cli(['status', '--json'], env)).stdout).lastError).toMatchObject({ code: 'garmin_rejected' });
  });

  it('refuses a secret in config.json', async () => {
    writeFileSync(path.join(world.home, 'config.json'), JSON.stringify({ GARMIN_CLIENT_SECRET: 'file-secret-value' }));
    const result = await cli(['status']);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('[config_secret_in_file]');
    expect(result.stderr).not.toContain('file-secret-value');
  });
});

afterEach(() => {
  // Whatever happened, nothing secret leaked into the outputs (but `token` on stdout) or the files.
  const leaked = secretsIn(outputs.join('\n'), sim.issuedSecrets).filter((s) => !s.startsWith('sim-at-'));
  expect(leaked).toEqual([]);
  expect(filesContaining(world.home, [...sim.issuedSecrets, ...sim.seenStates])).toEqual([]);
});
