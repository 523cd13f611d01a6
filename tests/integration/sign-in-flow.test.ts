import { request } from 'node:http';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { CompanionError } from '../../src-main/core/errors.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { filesContaining, keychainItems, startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

let sim: GarminSimulator;
let world: CoreWorld;

afterEach(async () => {
  await world?.cleanup();
  await sim?.stop();
});

async function setup(options: Parameters<typeof startSimulator>[0] = {}, env: Record<string, string> = {}) {
  sim = await startSimulator(options);
  world = makeCoreWorld(sim, env);
  return world;
}

/** Starts a sign-in and waits until the browser was asked to open Garmin. */
async function begin(w: CoreWorld, options: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const opened = w.browser.next();
  const outcome = w.companion.signIn({ timeoutMs: options.timeoutMs ?? 15_000, signal: options.signal, onStep: (s) => w.steps.push(s) });
  outcome.catch(() => undefined);
  const authorizeUrl = await opened;
  return { authorizeUrl, outcome, redirectUri: new URL(authorizeUrl).searchParams.get('redirect_uri')! };
}

async function failure(promise: Promise<unknown>): Promise<CompanionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CompanionError) return error;
    throw error;
  }
  throw new Error('expected the sign-in to fail');
}

async function nothingStored(w: CoreWorld) {
  expect(w.companion.status().state).toBe('not_connected');
  expect((await keychainItems(w.keychainService)).filter((i) => i.account.startsWith('garmin-tokens:'))).toEqual([]);
}

async function listenerClosed(redirectUri: string) {
  await expect(fetch(redirectUri)).rejects.toThrow();
}

function rawGet(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sign-in: the authorization request', () => {
  it('sends PKCE S256, a fresh state and the exact loopback redirect URI, with no scope', async () => {
    const w = await setup();
    const { authorizeUrl, outcome } = await begin(w);
    const url = new URL(authorizeUrl);
    expect(url.origin + url.pathname).toBe(`${sim.url}/oauth2Confirm`);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe('r42-test-client');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(url.searchParams.has('scope')).toBe(false);
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(w.steps.map((s) => s.kind)).toEqual(['waitingForBrowser']);

    const page = await browse(await approveAtGarmin(authorizeUrl));
    expect(page).toMatchObject({ status: 200, title: expect.stringContaining('Garmin is linked') });
    expect(page.hops[1]).not.toMatch(/code=/);
    await expect(outcome).resolves.toEqual({ garminUserId: sim.userId, permissions: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'] });
    expect(w.steps.map((s) => s.kind)).toEqual(['waitingForBrowser', 'exchanging', 'connected']);
    expect(w.companion.status()).toMatchObject({ connected: true, garminUserId: sim.userId });
  });

  it('binds the listener to loopback only', async () => {
    const w = await setup();
    const { redirectUri, outcome } = await begin(w, { timeoutMs: 3_000 });
    const port = new URL(redirectUri).port;
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) await expect(fetch(`http://${external.address}:${port}/callback`)).rejects.toThrow();
    expect((await failure(outcome)).code).toBe('sign_in_timeout');
  });

  it('works in token-broker mode: no client secret is configured or sent', async () => {
    const w = await setup({ secret: false }, { GARMIN_CLIENT_SECRET: '' });
    const { authorizeUrl, outcome } = await begin(w);
    await browse(await approveAtGarmin(authorizeUrl));
    await expect(outcome).resolves.toMatchObject({ garminUserId: sim.userId });
    expect((await keychainItems(w.keychainService)).map((i) => i.account)).toEqual([`garmin-tokens:default:${sim.userId}`]);
  });

  it('accepts Garmin’s other permissions shape ({"permissions": [...]})', async () => {
    const w = await setup({ permissionsShape: 'object', permissions: ['HEALTH_EXPORT'] });
    const { authorizeUrl, outcome } = await begin(w);
    await browse(await approveAtGarmin(authorizeUrl));
    await expect(outcome).resolves.toMatchObject({ permissions: ['HEALTH_EXPORT'] });
  });
});

describe('sign-in: bad callbacks', () => {
  it('answers a wrong or missing state with an error page, without ending or using the sign-in', async () => {
    const w = await setup();
    const { authorizeUrl, outcome, redirectUri } = await begin(w);
    const callback = await approveAtGarmin(authorizeUrl);

    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state');
    expect(await browse(forged)).toMatchObject({ status: 400, title: expect.stringContaining('does not belong') });
    const missing = new URL(callback);
    missing.searchParams.delete('state');
    expect(await browse(missing)).toMatchObject({ status: 400, title: expect.stringContaining('does not belong') });
    expect(await browse(`${redirectUri}?error=access_denied&state=forged`)).toMatchObject({ status: 400 });
    expect(await browse(new URL('/elsewhere', redirectUri))).toMatchObject({ status: 404 });
    expect(await browse(redirectUri + callback.search, { method: 'POST' })).toMatchObject({ status: 404 });
    expect(await rawGet(callback.href, `evil.example:${new URL(redirectUri).port}`)).toBe(400);

    // The real callback still completes the sign-in.
    expect(await browse(callback)).toMatchObject({ status: 200, title: expect.stringContaining('Garmin is linked') });
    await expect(outcome).resolves.toMatchObject({ garminUserId: sim.userId });
    expect(sim.counts.codeExchanges).toBe(1);
    const events = w.companion.auditLog().map((e) => `${e.event}:${String(e.detail.reason ?? '')}`);
    expect(events).toContain('sign_in.callback_rejected:state_mismatch');
    expect(events).toContain('sign_in.callback_rejected:missing_state');
    await listenerClosed(redirectUri);
  });

  it('a stray request for the result page neither gets it nor closes the listener before the runner’s browser has it', async () => {
    const w = await setup();
    const { authorizeUrl, outcome, redirectUri } = await begin(w);
    // Before approval, another local program asks for "the" result page, the old way and with a guessed nonce.
    const stray = [];
    for (const path of ['/r42-result?outcome=connected', '/r42-result/AAAAAAAAAAAAAAAAAAAAAA', '/r42-result/']) {
      stray.push((await fetch(`${redirectUri}${path}`)).status);
    }
    const page = await browse(await approveAtGarmin(authorizeUrl));
    expect(page).toMatchObject({ status: 200, title: 'Garmin is linked · R42 Companion' });
    expect(page.hops[1]).toMatch(/^\/callback\/r42-result\/[A-Za-z0-9_-]{22}$/);
    expect(stray).toEqual([404, 404, 404]);
    await expect(outcome).resolves.toMatchObject({ garminUserId: sim.userId });
    await listenerClosed(redirectUri);
  });

  it('shows "You declined access on Garmin" and stores nothing when the runner declines', async () => {
    const w = await setup({ consent: 'decline' });
    const { authorizeUrl, outcome, redirectUri } = await begin(w);
    const page = await browse(await approveAtGarmin(authorizeUrl));
    expect(page).toMatchObject({ status: 200, title: 'You declined access on Garmin · R42 Companion' });
    const error = await failure(outcome);
    expect(error.code).toBe('sign_in_declined');
    expect(error.message).toMatch(/declined access on Garmin/);
    await nothingStored(w);
    expect(sim.counts.codeExchanges).toBe(0);
    expect(w.companion.auditLog()[0]).toMatchObject({ event: 'sign_in.failed', detail: { code: 'sign_in_declined' } });
    await listenerClosed(redirectUri);
  });

  it('reports other authorization errors by their OAuth code', async () => {
    const w = await setup();
    const { authorizeUrl, outcome, redirectUri } = await begin(w);
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    const page = await browse(`${redirectUri}?error=server_error&state=${encodeURIComponent(state)}`);
    expect(page.title).toContain('did not work');
    const error = await failure(outcome);
    expect(error.code).toBe('sign_in_refused');
    expect(error.message).toContain('server_error');
    await nothingStored(w);
  });

  it('treats a callback after the 15-minute session as expired', async () => {
    let offset = 0;
    sim = await startSimulator();
    world = makeCoreWorld(sim, {}, { clock: { now: () => Date.now() + offset } });
    const { authorizeUrl, outcome } = await begin(world, { timeoutMs: 60_000 });
    const callback = await approveAtGarmin(authorizeUrl);
    offset = 16 * 60 * 1000;
    const page = await browse(callback);
    expect(page.title).toContain('This sign-in link expired');
    const error = await failure(outcome);
    expect(error.code).toBe('sign_in_expired');
    expect(sim.counts.codeExchanges).toBe(0);
    await nothingStored(world);
  });

  it('uses a callback once: a replay while the code is being exchanged gets "already used"', async () => {
    const w = await setup();
    sim.fail('token', { kind: 'delay', ms: 1_500, times: 1 });
    const { authorizeUrl, outcome } = await begin(w);
    const callback = await approveAtGarmin(authorizeUrl);
    const first = browse(callback);
    await expect.poll(() => sim.faultsLeft('token'), { timeout: 5_000 }).toBe(0); // the exchange is at Garmin now
    expect(await browse(callback)).toMatchObject({ status: 400, title: expect.stringContaining('already used') });
    expect((await first).title).toContain('Garmin is linked');
    await outcome;
    expect(sim.counts.codeExchanges).toBe(1);
  });
});

describe('sign-in: timeout, cancel and a taken port', () => {
  it('times out cleanly: listener closed, nothing stored, a clear message', async () => {
    const w = await setup();
    const { outcome, redirectUri } = await begin(w, { timeoutMs: 800 });
    const error = await failure(outcome);
    expect(error.code).toBe('sign_in_timeout');
    expect(error.message).toMatch(/No answer from Garmin within \d+ seconds/);
    await listenerClosed(redirectUri);
    await nothingStored(w);
    expect(w.steps.at(-1)).toMatchObject({ kind: 'failed', error: { code: 'sign_in_timeout' } });
  });

  it('cancels on an abort signal, even while the code is being exchanged', async () => {
    const w = await setup();
    const abort = new AbortController();
    const { outcome, redirectUri } = await begin(w, { signal: abort.signal });
    abort.abort();
    expect((await failure(outcome)).code).toBe('sign_in_cancelled');
    await listenerClosed(redirectUri);

    sim.fail('token', { kind: 'delay', ms: 2_000, times: 1 });
    const second = new AbortController();
    const again = await begin(w, { signal: second.signal });
    const callback = await approveAtGarmin(again.authorizeUrl);
    const page = browse(callback).catch(() => ({ status: 0, title: 'connection closed', hops: [] }));
    await expect.poll(() => sim.faultsLeft('token'), { timeout: 5_000 }).toBe(0); // the exchange is at Garmin now
    second.abort();
    expect((await failure(again.outcome)).code).toBe('sign_in_cancelled');
    await page;
    await nothingStored(w);
  });

  it('says which port is taken when the configured redirect port is busy', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const w = await setup({}, { GARMIN_REDIRECT_URI: `http://127.0.0.1:${port}/callback` });
      const error = await failure(w.companion.signIn({ timeoutMs: 5_000 }));
      expect(error.code).toBe('port_in_use');
      expect(error.message).toContain(`Port ${port} on 127.0.0.1`);
      expect(w.browser.opened).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('uses a fixed configured port when it is free', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const w = await setup({}, { GARMIN_REDIRECT_URI: `http://127.0.0.1:${port}/callback` });
    const { authorizeUrl, outcome, redirectUri } = await begin(w);
    expect(redirectUri).toBe(`http://127.0.0.1:${port}/callback`);
    await browse(await approveAtGarmin(authorizeUrl));
    await expect(outcome).resolves.toMatchObject({ garminUserId: sim.userId });
  });
});

describe('sign-in: Garmin failing at each step leaves the earlier link untouched', () => {
  const steps = [
    { name: 'token endpoint down (503)', endpoint: 'token', fault: { kind: 'status', status: 503 }, code: 'garmin_unreachable' },
    { name: 'token endpoint drops the connection', endpoint: 'token', fault: { kind: 'drop' }, code: 'garmin_unreachable' },
    { name: 'token response that does not parse', endpoint: 'token', fault: { kind: 'malformed' }, code: 'garmin_bad_response' },
    { name: 'code refused (invalid_grant)', endpoint: 'token', fault: { kind: 'oauthError', error: 'invalid_grant' }, code: 'sign_in_refused' },
    { name: 'user id endpoint down', endpoint: 'userId', fault: { kind: 'status', status: 500 }, code: 'garmin_unreachable' },
    { name: 'permissions endpoint drops', endpoint: 'permissions', fault: { kind: 'drop' }, code: 'garmin_unreachable' },
    { name: 'token endpoint too slow', endpoint: 'token', fault: { kind: 'delay', ms: 7_000 }, code: 'garmin_unreachable' },
  ] as const;

  for (const step of steps) {
    it(`${step.name} → ${step.code}`, async () => {
      const w = await setup();
      // A first, working link.
      const first = await begin(w);
      await browse(await approveAtGarmin(first.authorizeUrl));
      await first.outcome;
      const before = w.companion.status();
      const tokenBefore = (await w.companion.getAccessToken()).accessToken;

      sim.fail(step.endpoint, step.fault);
      const second = await begin(w);
      const page = await browse(await approveAtGarmin(second.authorizeUrl));
      expect(page.title).toContain('did not work');
      const error = await failure(second.outcome);
      expect(error.code).toBe(step.code);
      expect(error.message).not.toMatch(/sim-(at|rt)-/);

      sim.clearFaults();
      expect(w.companion.status()).toEqual(before);
      expect((await w.companion.getAccessToken()).accessToken).toBe(tokenBefore);
      expect(sim.isAccessTokenLive(tokenBefore)).toBe(true);
      expect(filesContaining(w.home, sim.issuedSecrets)).toEqual([]);
    }, 30_000);
  }

  it('Garmin not running at all → garmin_unreachable, nothing stored', async () => {
    const w = await setup();
    const { authorizeUrl, outcome } = await begin(w);
    const callback = await approveAtGarmin(authorizeUrl);
    await sim.stop();
    await browse(callback);
    expect((await failure(outcome)).code).toBe('garmin_unreachable');
    await nothingStored(w);
  });

  it('a wrong client secret is refused with words about the client credentials', async () => {
    const w = await setup({}, { GARMIN_CLIENT_SECRET: 'wrong-secret-value-123' });
    const { authorizeUrl, outcome } = await begin(w);
    await browse(await approveAtGarmin(authorizeUrl));
    const error = await failure(outcome);
    expect(error.code).toBe('sign_in_refused');
    expect(error.message).toContain('client credentials');
    expect(error.message).not.toContain('wrong-secret-value-123');
    await nothingStored(w);
  });
});

describe('sign-in: cancelled before it started', () => {
  it('an abort that arrives while the keychain is being checked ends as sign_in_cancelled, with no listener and no browser', async () => {
    const w = await setup();
    const abort = new AbortController();
    const outcome = w.companion.signIn({ timeoutMs: 5_000, signal: abort.signal });
    abort.abort(); // before the keychain check has answered
    expect((await failure(outcome)).code).toBe('sign_in_cancelled');
    expect(w.browser.opened).toEqual([]);
    await nothingStored(w);
  });
});
