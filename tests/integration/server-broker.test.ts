import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { secretsIn, startSimulator, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../support/harness.js';
import { authorizeAtSimulator, postToken, serverEnv, startTestServer } from '../support/r42-server.js';

const REDIRECT = 'http://127.0.0.1:43117/callback';

/** Plays the runner at the simulator's consent page: a real code for a fresh verifier. */
const authorize = (sim: GarminSimulator, redirectUri = REDIRECT) => authorizeAtSimulator(sim, redirectUri);

describe('R42 server: the token broker (real HTTP, PGlite, the Garmin simulator)', () => {
  let sim: GarminSimulator;
  let store: SqlStore;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const answers: string[] = [];

  beforeAll(async () => {
    store = await openPgliteStore(null);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  beforeEach(async () => {
    sim = await startSimulator();
    server = await startTestServer(serverEnv(sim, [REDIRECT], { RATE_LIMIT_PER_MINUTE: '1000', UPSTREAM_TIMEOUT_SECONDS: '2' }), { store });
    answers.length = 0;
  });

  afterEach(async () => {
    await server.stop();
    await sim.stop();
    await store.query('delete from rate_limit_hits');
    await store.query('delete from refresh_rotations');
  });

  const post = async (form: Record<string, string> | string, headers: Record<string, string> = {}) => {
    const response = await postToken(server.url, form, headers);
    const text = await response.text();
    answers.push(text);
    return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
  };
  const upstreamCalls = () => sim.counts.codeExchanges + sim.counts.refreshes;

  it('exchanges a code and refreshes with rotation, adding the secret, and passes Garmin’s answers on unchanged', async () => {
    const { code, verifier } = await authorize(sim);
    const exchanged = await post({ grant_type: 'authorization_code', client_id: TEST_CLIENT_ID, code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('cache-control')).toBe('no-store');
    expect(exchanged.body).toMatchObject({ token_type: 'bearer', expires_in: 86_400 });
    const first = exchanged.body as { access_token: string; refresh_token: string };
    expect(sim.isAccessTokenLive(first.access_token)).toBe(true);

    const refreshed = await post({ grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: first.refresh_token });
    expect(refreshed.status).toBe(200);
    const second = refreshed.body as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(sim.isRefreshTokenLive(first.refresh_token)).toBe(false);
    expect(sim.isRefreshTokenLive(second.refresh_token)).toBe(true);

    // Garmin's own refusal reaches the app as Garmin wrote it, so its reconnect logic still works.
    const spentCode = await post({ grant_type: 'authorization_code', client_id: TEST_CLIENT_ID, code, code_verifier: verifier, redirect_uri: REDIRECT });
    expect(spentCode).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const unknown = await post({ grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: 'not-a-token-garmin-knows' });
    expect(unknown).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    sim.fail('refresh', { kind: 'status', status: 429, retryAfterSeconds: 42, times: 1 });
    const limited = await postToken(server.url, { grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: second.refresh_token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('42');
    await limited.body?.cancel();

    // The log says what happened, with no token, code, verifier or secret in it.
    const log = JSON.stringify(server.lines);
    expect(secretsIn(log, [...sim.issuedSecrets, TEST_CLIENT_SECRET, verifier, code])).toEqual([]);
    const requests = server.lines.filter((l) => l.event === 'request');
    expect(requests[0]!.fields).toMatchObject({ route: '/v1/garmin/token', grant_type: 'authorization_code', upstream_status: 200, outcome: 'ok', status: 200 });
    expect(requests[0]!.fields.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof requests[0]!.fields.duration_ms).toBe('number');
  });

  it('refuses, before anything reaches Garmin, every request it must not forward', async () => {
    const { code, verifier } = await authorize(sim);
    const good = { grant_type: 'authorization_code', client_id: TEST_CLIENT_ID, code, code_verifier: verifier, redirect_uri: REDIRECT };
    const cases: Array<[string, Promise<{ status: number; body: Record<string, unknown> }>, number, string]> = [
      ['another grant type', post({ ...good, grant_type: 'password' }), 400, 'unsupported_grant_type'],
      ['client credentials', post({ grant_type: 'client_credentials', client_id: TEST_CLIENT_ID }), 400, 'unsupported_grant_type'],
      ['no grant type', post({ client_id: TEST_CLIENT_ID, code }), 400, 'invalid_request'],
      ['no verifier', post({ ...good, code_verifier: '' }), 400, 'invalid_request'],
      ['a short verifier', post({ ...good, code_verifier: 'a'.repeat(42) }), 400, 'invalid_request'],
      ['a long verifier', post({ ...good, code_verifier: 'a'.repeat(129) }), 400, 'invalid_request'],
      ['a verifier with foreign characters', post({ ...good, code_verifier: `${'a'.repeat(42)}+` }), 400, 'invalid_request'],
      ['no code', post({ grant_type: 'authorization_code', client_id: TEST_CLIENT_ID, code_verifier: verifier, redirect_uri: REDIRECT }), 400, 'invalid_request'],
      ['a code with spaces', post({ ...good, code: 'a b' }), 400, 'invalid_request'],
      ['an unregistered redirect URI', post({ ...good, redirect_uri: 'http://127.0.0.1:43118/callback' }), 400, 'invalid_request'],
      ['another client id', post({ ...good, client_id: 'someone-else' }), 401, 'invalid_client'],
      ['no client id', post({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(20) }), 401, 'invalid_client'],
      ['a client secret from the caller', post({ ...good, client_secret: TEST_CLIENT_SECRET }), 400, 'invalid_request'],
      ['a refresh token with a space', post({ grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: 'a b' }), 400, 'invalid_request'],
      ['a parameter twice', post(`${new URLSearchParams(good).toString()}&code=other`), 400, 'invalid_request'],
      ['JSON instead of a form', post(JSON.stringify(good), { 'content-type': 'application/json' }), 415, 'unsupported_media_type'],
      ['plain text', post(new URLSearchParams(good).toString(), { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
      ['a body over 8 KiB', post({ ...good, padding: 'x'.repeat(9000) }), 413, 'request_too_large'],
      ['an Origin header', post(good, { origin: 'https://evil.example' }), 403, 'origin_forbidden'],
      ['a null Origin', post(good, { origin: 'null' }), 403, 'origin_forbidden'],
    ];
    for (const [what, pending, status, error] of cases) {
      const result = await pending;
      expect({ what, status: result.status, error: result.body.error }).toEqual({ what, status, error });
      expect(typeof result.body.error_description).toBe('string');
    }
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${server.url}/v1/garmin/token`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      await response.body?.cancel();
    }
    // A chunked body with no length that grows past the limit is cut off the same way.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v1/garmin/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('x'.repeat(1024));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(upstreamCalls()).toBe(0);
    // The code was never spent: the real request still works.
    expect((await post(good)).status).toBe(200);
    // No answer carries a CORS header, not even to a request with an Origin.
    const preflight = await fetch(`${server.url}/v1/garmin/token`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect([...preflight.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect(preflight.status).toBe(405);
    await preflight.body?.cancel();
  });

  it('says 502/504 upstream_unavailable when Garmin is down, too slow or not JSON, and lives on', async () => {
    const refresh = { grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: 'some-refresh-token-value' };
    sim.fail('refresh', { kind: 'drop', times: 1 });
    expect(await post(refresh)).toMatchObject({ status: 502, body: { error: 'upstream_unavailable' } });
    sim.fail('refresh', { kind: 'malformed', times: 1 });
    expect(await post(refresh)).toMatchObject({ status: 502, body: { error: 'upstream_unavailable' } });
    sim.fail('refresh', { kind: 'delay', ms: 3_000, times: 1 });
    expect(await post(refresh)).toMatchObject({ status: 504, body: { error: 'upstream_unavailable' } });
    await sim.stop();
    expect(await post(refresh)).toMatchObject({ status: 502, body: { error: 'upstream_unavailable' } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('limits requests per client address and minute, with Retry-After', async () => {
    await server.stop();
    server = await startTestServer(serverEnv(sim, [REDIRECT], { RATE_LIMIT_PER_MINUTE: '3' }), { store });
    const refresh = { grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: 'some-refresh-token-value' };
    for (let i = 0; i < 3; i++) expect((await post(refresh)).status).toBe(400);
    const limited = await postToken(server.url, refresh);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    expect(sim.counts.refreshes).toBe(3);
    // The store keeps the address only as a hash.
    const buckets = await store.query<{ bucket: string }>('select bucket from rate_limit_hits');
    expect(buckets.map((b) => b.bucket)).toEqual([createHash('sha256').update('127.0.0.1').digest('hex')]);
    // Health checks are never limited.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('takes the client address from X-Forwarded-For only when TRUST_PROXY says so', async () => {
    const refresh = { grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: 'some-refresh-token-value' };
    const bucketsAfter = async (env: Record<string, string>) => {
      await server.stop();
      await store.query('delete from rate_limit_hits');
      server = await startTestServer(serverEnv(sim, [REDIRECT], env), { store });
      await post(refresh, { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' });
      return (await store.query<{ bucket: string }>('select bucket from rate_limit_hits')).map((b) => b.bucket);
    };
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(await bucketsAfter({})).toEqual([sha('127.0.0.1')]);
    expect(await bucketsAfter({ TRUST_PROXY: 'true' })).toEqual([sha('198.51.100.7')]);
    expect(await bucketsAfter({ TRUST_PROXY: '2' })).toEqual([sha('203.0.113.9')]);
  });

  it('answers the same old refresh token with the same rotation for a short time, sealed so the server cannot read it', async () => {
    const { code, verifier } = await authorize(sim);
    const first = (await post({ grant_type: 'authorization_code', client_id: TEST_CLIENT_ID, code, code_verifier: verifier, redirect_uri: REDIRECT })).body as {
      refresh_token: string;
    };
    const refresh = { grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: first.refresh_token };
    const rotated = await post(refresh);
    expect(rotated.status).toBe(200);
    // The desktop died before storing the new pair and asks again with the spent token.
    const again = await post(refresh);
    expect({ status: again.status, body: again.body }).toEqual({ status: rotated.status, body: rotated.body });
    expect(sim.counts.refreshes).toBe(1);
    const next = rotated.body as { access_token: string; refresh_token: string };
    expect(sim.isRefreshTokenLive(next.refresh_token)).toBe(true);
    const rows = await store.query<{ token_sha256: string; sealed: Uint8Array }>('select token_sha256, sealed from refresh_rotations');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_sha256).toBe(createHash('sha256').update(first.refresh_token).digest('hex'));
    const stored = Buffer.from(rows[0]!.sealed).toString('latin1');
    expect(secretsIn(stored, [next.access_token, next.refresh_token, first.refresh_token])).toEqual([]);
    expect(server.lines.filter((l) => l.event === 'request').map((l) => l.fields.outcome)).toEqual(['ok', 'ok', 'replayed']);

    // Once the window has passed, maintenance deletes the answer and Garmin decides (spent → invalid_grant).
    await store.query('update refresh_rotations set expires_at = 0');
    await server.app.maintenance();
    expect(await store.query('select 1 from refresh_rotations')).toHaveLength(0);
    expect(await post(refresh)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('lets one refresh through per refresh token while others with the same token wait for its answer', async () => {
    const { code, verifier } = await authorize(sim);
    const first = (await post({ grant_type: 'authorization_code', client_id: TEST_CLIENT_ID, code, code_verifier: verifier, redirect_uri: REDIRECT })).body as {
      refresh_token: string;
    };
    sim.fail('refresh', { kind: 'delay', ms: 400, times: 1 });
    const refresh = { grant_type: 'refresh_token', client_id: TEST_CLIENT_ID, refresh_token: first.refresh_token };
    const results = await Promise.all(Array.from({ length: 5 }, () => post(refresh)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(sim.counts.refreshes).toBe(1);
  });

  it('answers health and readiness, and 404 elsewhere', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
    const missing = await fetch(`${server.url}/v1/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});
