import { statSync, existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentService } from '../../src-main/core/companion.js';
import { getGarminAccessToken, CompanionClientError } from '../../src-main/client/index.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { filesContaining, startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';
import { exchange } from '../support/raw-http.js';

let sim: GarminSimulator;
let world: CoreWorld;
let service: AgentService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await world?.cleanup();
  await sim?.stop();
});

async function linkedWorld(env: Record<string, string> = {}, simOptions: Parameters<typeof startSimulator>[0] = {}) {
  sim = await startSimulator(simOptions);
  world = makeCoreWorld(sim, env);
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  return world;
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests control every header (Host, Origin, …). */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; path?: string } = {}): Promise<Raw> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: u.port, method: options.method ?? 'GET', path: options.path ?? u.pathname + u.search, headers: { host: u.host, ...options.headers }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const agentFile = (w: CoreWorld) => JSON.parse(readFileSync(path.join(w.home, 'agent.json'), 'utf8')) as { url: string; token: string; pid: number };
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

describe('agent endpoint', () => {
  it('writes agent.json (0600) and hands a valid token to the owner; health needs no secret', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const file = agentFile(w);
    expect(file.url).toBe(service.url);
    expect(file.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(file.token).toMatch(/^r42a_[A-Za-z0-9_-]{43}$/);
    expect(file.pid).toBe(process.pid);
    expect(statSync(path.join(w.home, 'agent.json')).mode & 0o777).toBe(0o600);
    // Another process on the same data folder (the app while serve runs) finds it.
    expect(w.another().runningEndpointUrl()).toBe(service.url);

    const health = await raw(`${service.url}/v1/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ ok: true, service: 'r42-companion' });

    const res = await raw(`${service.url}/v1/token`, { headers: bearer(file.token) });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', garmin_user_id: sim.userId, scope: 'PARTNER_WRITE PARTNER_READ CONNECT_READ CONNECT_WRITE' });
    expect(sim.isAccessTokenLive(body.access_token as string)).toBe(true);
    expect(body.expires_in).toBeGreaterThan(86_000);
    expect(Date.parse(body.expires_at as string)).toBeGreaterThan(Date.now());
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);

    const status = await raw(`${service.url}/v1/status`, { headers: bearer(file.token) });
    expect(JSON.parse(status.body)).toMatchObject({ connected: true, garminUserId: sim.userId });
    expect(status.body).not.toContain(body.access_token as string);

    // The hand-out is audited with a fingerprint, never the token.
    const issued = w.companion.auditLog().find((e) => e.event === 'agent.token_issued')!;
    expect(issued.detail.grant).toMatch(/^owner-/);
    expect(issued.detail.tokenSha256).toMatch(/^[0-9a-f]{8}$/);
    expect(JSON.stringify(w.companion.auditLog())).not.toContain(body.access_token as string);

    await service.stop();
    service = undefined;
    expect(existsSync(path.join(w.home, 'agent.json'))).toBe(false);
    expect(w.companion.runningEndpointUrl()).toBeNull();
    await expect(raw(`${file.url}/v1/health`)).rejects.toThrow();
    expect(filesContaining(w.home, sim.issuedSecrets)).toEqual([]);
  });

  it('refuses every request that is not from an allowed local agent, and audits the refusals', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const { url, token } = agentFile(w);
    const port = new URL(url).port;
    const cases: Array<[string, Promise<Raw>, number, string]> = [
      ['no secret', raw(`${url}/v1/token`), 401, 'unauthorized'],
      ['wrong secret', raw(`${url}/v1/token`, { headers: bearer('r42a_' + 'x'.repeat(43)) }), 401, 'unauthorized'],
      ['not bearer', raw(`${url}/v1/token`, { headers: { authorization: `Basic ${token}` } }), 401, 'unauthorized'],
      ['a web page (Origin)', raw(`${url}/v1/token`, { headers: { ...bearer(token), origin: 'https://evil.example' } }), 403, 'forbidden_origin'],
      ['a null Origin', raw(`${url}/v1/token`, { headers: { ...bearer(token), origin: 'null' } }), 403, 'forbidden_origin'],
      ['DNS rebinding (Host)', raw(`${url}/v1/token`, { headers: { ...bearer(token), host: `evil.example:${port}` } }), 403, 'forbidden_host'],
      ['wrong port in Host', raw(`${url}/v1/token`, { headers: { ...bearer(token), host: '127.0.0.1:1' } }), 403, 'forbidden_host'],
      ['a proxy (X-Forwarded-For)', raw(`${url}/v1/token`, { headers: { ...bearer(token), 'x-forwarded-for': '203.0.113.9' } }), 403, 'forbidden_forwarded'],
      ['a body', raw(`${url}/v1/token`, { method: 'GET', headers: { ...bearer(token), 'content-length': '5000' }, body: 'x'.repeat(5000) }), 413, 'payload_too_large'],
      ['a long URL', raw(`${url}/v1/token?${'a'.repeat(3000)}`, { headers: bearer(token) }), 414, 'uri_too_long'],
      ['POST', raw(`${url}/v1/token`, { method: 'POST', headers: bearer(token) }), 405, 'method_not_allowed'],
    ];
    for (const [name, pending, status, code] of cases) {
      const res = await pending;
      expect([name, res.status]).toEqual([name, status]);
      expect([name, (JSON.parse(res.body) as { error: { code: string } }).error.code]).toEqual([name, code]);
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      expect(res.body).not.toContain('sim-at-');
    }
    const huge = await raw(`${url}/v1/token`, { headers: { ...bearer(token), 'x-padding': 'p'.repeat(20_000) } });
    expect(huge.status).toBe(431);
    const localhost = await raw(`${url}/v1/token`, { headers: { ...bearer(token), host: `localhost:${port}` } });
    expect(localhost.status).toBe(200);
    expect((await raw(`${url}/v1/token?min_valid=999999`, { headers: bearer(token) })).status).toBe(400);
    expect((await raw(`${url}/v1/token?min_valid=abc`, { headers: bearer(token) })).status).toBe(400);
    expect((await raw(`${url}/v1/nothing`, { headers: bearer(token) })).status).toBe(404);

    // Refusals are counted per reason per minute, not a row each (a flood must not fill the disk).
    const refused = w.companion.auditLog(200).filter((e) => e.event === 'agent.request_refused');
    expect(refused.map((e) => e.detail.reason)).toEqual(
      expect.arrayContaining(['unauthorized', 'forbidden_origin', 'forbidden_host', 'forbidden_forwarded', 'payload_too_large', 'uri_too_long', 'method_not_allowed']),
    );
    expect(refused.reduce((n, e) => n + (e.detail.count as number), 0)).toBeGreaterThanOrEqual(cases.length);
    const unauthorized = refused.filter((e) => e.detail.reason === 'unauthorized');
    expect(unauthorized.reduce((n, e) => n + (e.detail.count as number), 0)).toBe(3);
  });

  it('cuts off a client that sends its headers too slowly', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const port = Number(new URL(service.url).port);
    const started = Date.now();
    const closed = await new Promise<number>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
      socket.on('data', () => undefined);
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', () => undefined);
      setTimeout(() => socket.destroy(), 15_000);
    });
    expect(closed).toBeLessThan(12_000);
  }, 20_000);

  it('named grants: shown once, listed with use, revoked at once', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const { secret } = w.companion.agents.add('my-coach');
    expect(secret).toMatch(/^r42a_/);
    expect(() => w.companion.agents.add('my-coach')).toThrow(/already exists/);
    expect(() => w.companion.agents.add('bad name!')).toThrow(/not a valid agent name/);
    const ok = await raw(`${service.url}/v1/token`, { headers: bearer(secret) });
    expect(ok.status).toBe(200);
    const listed = w.companion.agents.list().find((g) => g.name === 'my-coach')!;
    expect(listed).toMatchObject({ kind: 'named', useCount: 1 });
    expect(listed.lastUsedAt).not.toBeNull();
    // Revoked from another process (a second companion on the same data folder), seen at once.
    expect(w.another().agents.revoke('my-coach')).toBe(true);
    const after = await raw(`${service.url}/v1/token`, { headers: bearer(secret) });
    expect(after.status).toBe(401);
    expect(w.companion.agents.list().some((g) => g.name === 'my-coach')).toBe(false);
    // The secret is stored only as a hash.
    expect(filesContaining(w.home, [secret])).toEqual([]);
  });

  it('a keep-alive connection keeps its grant only while the grant is active: revoked elsewhere, its next request is refused', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const { secret } = w.companion.agents.add('kept-coach');
    const { url, token: owner } = agentFile(w);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (presented: string) =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = request(`${url}/v1/token`, { agent: keepAlive, headers: bearer(presented) }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get(secret)).toEqual({ status: 200, reused: false });
      expect(await get(secret)).toEqual({ status: 200, reused: true });
      // Another secret on the same connection is its own grant; a wrong one is refused; the first works again.
      expect(await get(owner)).toEqual({ status: 200, reused: true });
      expect(await get(`${secret.slice(0, -1)}x`)).toEqual({ status: 401, reused: true });
      expect(await get(secret)).toEqual({ status: 200, reused: true });
      // Revoked from another process: the very next request on this connection is refused.
      expect(w.another().agents.revoke('kept-coach')).toBe(true);
      expect(await get(secret)).toEqual({ status: 401, reused: true });
      expect(await get(owner)).toEqual({ status: 200, reused: true });
    } finally {
      keepAlive.destroy();
    }
    // Each hand-out was counted for the grant that asked.
    await service.stop();
    service = undefined;
    const issued = w.companion.auditLog().filter((e) => e.event === 'agent.token_issued');
    const count = (grant: RegExp) => issued.filter((e) => grant.test(String(e.detail.grant))).reduce((n, e) => n + Number(e.detail.count), 0);
    expect([count(/^kept-coach$/), count(/^owner-/)]).toEqual([3, 2]);
  });

  it('answers not_connected, reauth_required and garmin_unreachable with their codes', async () => {
    // Tokens that live 300 s are always inside the 600 s refresh margin.
    const w = await linkedWorld({ R42_HTTP_TIMEOUT_SECONDS: '1' }, { accessTokenLifetimeSeconds: 300 });
    let startChecked!: () => void;
    const started = new Promise<void>((resolve) => (startChecked = resolve));
    service = await w.companion.serveAgents({ schedulerTickMs: 3_600_000, syncOnStart: false, onCheck: () => startChecked() });
    const { url, token } = agentFile(w);
    await started; // the scheduler's start check (a refresh) is over before Garmin goes down

    // Garmin down, token still valid: served as it is, Garmin asked once plus three retries.
    const before = sim.counts.refreshes;
    sim.fail('refresh', { kind: 'status', status: 502 });
    const expiring = await raw(`${url}/v1/token`, { headers: bearer(token) });
    expect(expiring.status).toBe(200);
    expect(sim.counts.refreshes - before).toBe(4);
    sim.clearFaults();

    sim.revokeAll();
    const reauth = await raw(`${url}/v1/token`, { headers: bearer(token) });
    expect(reauth.status).toBe(409);
    expect(JSON.parse(reauth.body).error.code).toBe('reauth_required');
    const again = await raw(`${url}/v1/token`, { headers: bearer(token) });
    expect(JSON.parse(again.body).error.code).toBe('reauth_required');

    await w.companion.disconnect();
    const none = await raw(`${url}/v1/token`, { headers: bearer(token) });
    expect(none.status).toBe(409);
    expect(JSON.parse(none.body).error.code).toBe('not_connected');
  });

  it('serves 503 garmin_unreachable once the token has expired and Garmin is down', async () => {
    sim = await startSimulator({ accessTokenLifetimeSeconds: 1 });
    world = makeCoreWorld(sim, { R42_HTTP_TIMEOUT_SECONDS: '1' });
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    await browse(await approveAtGarmin(await opened));
    await outcome;
    await new Promise((r) => setTimeout(r, 1_100));
    sim.fail('refresh', { kind: 'drop' });
    service = await world.companion.serveAgents({ syncOnStart: false });
    const { url, token } = agentFile(world);
    const res = await raw(`${url}/v1/token`, { headers: bearer(token) });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('garmin_unreachable');
  });

  it('the typed client finds the endpoint from the environment or agent.json', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const fromFile = await getGarminAccessToken({ env: { R42_HOME: w.home }, minValidSeconds: 900 });
    expect(fromFile.garminUserId).toBe(sim.userId);
    expect(sim.isAccessTokenLive(fromFile.accessToken)).toBe(true);
    expect(fromFile.expiresAt.getTime()).toBeGreaterThan(Date.now() + 900_000);
    const { secret } = w.companion.agents.add('typed-client');
    const fromEnv = await getGarminAccessToken({ env: { R42_AGENT_URL: service.url, R42_AGENT_TOKEN: secret } });
    expect(fromEnv.accessToken).toBe(fromFile.accessToken);
    await expect(getGarminAccessToken({ env: { R42_AGENT_URL: service.url, R42_AGENT_TOKEN: 'r42a_nope' } })).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    await service.stop();
    service = undefined;
    const error = await getGarminAccessToken({ env: { R42_HOME: w.home } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompanionClientError);
    expect((error as CompanionClientError).code).toBe('agent_not_running');
  });

  it('one endpoint per data folder; a lock left by a dead process is taken over', async () => {
    const w = await linkedWorld();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(w.home, 'serve.lock'), '999999'); // no such process
    service = await w.companion.serveAgents({ syncOnStart: false });
    expect(agentFile(w).pid).toBe(process.pid);
  });
});

describe('agent endpoint: HTTP framing (issue 12, finding 8)', () => {
  it('refuses bodies, a second Host, foreign absolute URLs and Expect with 4xx, and closes the connection', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const { token } = agentFile(w);
    const port = Number(new URL(service.url).port);
    const host = `Host: 127.0.0.1:${port}\r\n`;
    const auth = `Authorization: Bearer ${token}\r\n`;
    const cases: Array<[string, string, number]> = [
      ['a GET with a 10-byte body', `GET /v1/token HTTP/1.1\r\n${host}${auth}Content-Length: 10\r\n\r\n0123456789`, 413],
      ['a GET with a chunked body', `GET /v1/token HTTP/1.1\r\n${host}${auth}Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n`, 413],
      ['a second Host after a valid one', `GET /v1/token HTTP/1.1\r\n${host}Host: evil.example\r\n${auth}\r\n`, 400],
      ['a second Authorization', `GET /v1/token HTTP/1.1\r\n${host}${auth}Authorization: Bearer r42a_other\r\n\r\n`, 400],
      ['no Host at all', `GET /v1/token HTTP/1.1\r\n${auth}\r\n`, 400],
      ['a foreign absolute URL', `GET http://evil.example/v1/token HTTP/1.1\r\n${host}${auth}\r\n`, 400],
      ['our own absolute URL', `GET http://127.0.0.1:${port}/v1/token HTTP/1.1\r\n${host}${auth}\r\n`, 400],
      ['a scheme-relative target', `GET //evil.example/v1/token HTTP/1.1\r\n${host}${auth}\r\n`, 400],
      ['Expect: 100-continue without a secret', `GET /v1/token HTTP/1.1\r\n${host}Expect: 100-continue\r\nContent-Length: 5\r\n\r\n`, 417],
      ['Expect: 100-continue with a secret', `GET /v1/token HTTP/1.1\r\n${host}${auth}Expect: 100-continue\r\n\r\n`, 417],
    ];
    for (const [name, request, status] of cases) {
      const got = await exchange(port, request);
      // Exactly one answer (no "100 Continue" first), the expected refusal, and the server hung up.
      expect([name, got.statuses, got.closedByServer]).toEqual([name, [status], true]);
      expect([name, got.text.includes('access_token')]).toEqual([name, false]);
    }
    // A body of zero bytes is no body.
    expect((await exchange(port, `GET /v1/health HTTP/1.1\r\n${host}Content-Length: 0\r\nConnection: close\r\n\r\n`)).statuses).toEqual([200]);
    expect(filesContaining(w.home, sim.issuedSecrets)).toEqual([]);
  });

  it('answers Upgrade and CONNECT and closes the connection, so a pipeline behind them does not hang; plain pipelining still works', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const port = Number(new URL(service.url).port);
    const host = `Host: 127.0.0.1:${port}\r\n`;
    const health = `GET /v1/health HTTP/1.1\r\n${host}\r\n`;
    const upgrade = await exchange(port, `GET /v1/health HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n${health}`);
    expect([upgrade.statuses, upgrade.closedByServer]).toEqual([[400], true]);
    const connectMethod = await exchange(port, `CONNECT evil.example:443 HTTP/1.1\r\n${host}\r\n${health}`);
    expect([connectMethod.statuses, connectMethod.closedByServer]).toEqual([[405], true]);
    const pipelined = await exchange(port, `${health}${health}GET /v1/health HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
    expect([pipelined.statuses, pipelined.closedByServer]).toEqual([[200, 200, 200], true]);
  });
});

describe('agent endpoint: idle connections (issue 12, finding 2)', () => {
  it('closes connections that send nothing, half a request, a late first byte, or nothing after an answer', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false, http: { idleTimeoutMs: 200, headersTimeoutMs: 1_000 } });
    const port = Number(new URL(service.url).port);
    const host = `Host: 127.0.0.1:${port}\r\n`;
    // Give up at 20 times the idle timeout, still less than the 5 s today's code keeps a silent
    // socket (and a socket whose first byte comes late gets 5 s more from that byte).
    const giveUpMs = 4_000;
    const silent = Array.from({ length: 10 }, () => exchange(port, '', giveUpMs));
    const halfSent = Array.from({ length: 5 }, () => exchange(port, 'GET /v1/he', giveUpMs));
    const lateByte = Array.from({ length: 5 }, () => exchange(port, '', giveUpMs, { after: 100, data: 'G' }));
    const keptAlive = Array.from({ length: 5 }, () => exchange(port, `GET /v1/health HTTP/1.1\r\n${host}\r\n`, giveUpMs));
    const all = await Promise.all([...silent, ...halfSent, ...lateByte, ...keptAlive]);
    expect(all.map((r) => r.closedByServer)).toEqual(all.map(() => true));
    expect((await Promise.all(keptAlive)).map((r) => r.statuses)).toEqual(keptAlive.map(() => [200]));
  });

  it('caps open connections: beyond the cap the idlest is closed, and a real /v1/token request still gets its token', async () => {
    const w = await linkedWorld();
    // A long idle timeout, so only the cap can be what closes them.
    service = await w.companion.serveAgents({ syncOnStart: false, http: { idleTimeoutMs: 60_000, maxConnections: 16 } });
    const { token } = agentFile(w);
    const port = Number(new URL(service.url).port);
    const closed = new Set<number>();
    const sockets = [];
    for (let i = 0; i < 40; i++) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      // Half of them hold a request open the slow way (headers never finished).
      if (i % 2 === 1) socket.write('GET /v1/token HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      socket.on('error', () => undefined);
      socket.on('close', () => closed.add(i));
      sockets.push(socket);
    }
    await expect.poll(() => closed.size, { timeout: 5_000 }).toBeGreaterThanOrEqual(40 - 16);
    const res = await raw(`${service.url}/v1/token`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(sim.isAccessTokenLive((JSON.parse(res.body) as { access_token: string }).access_token)).toBe(true);
    expect((await raw(`${service.url}/v1/health`)).status).toBe(200);
    // The oldest were the ones closed; the newest attacker sockets are still held.
    for (let i = 0; i < 24; i++) expect([i, closed.has(i)]).toEqual([i, true]);
    expect(closed.has(39)).toBe(false);
    for (const socket of sockets) socket.destroy();
  });
});
