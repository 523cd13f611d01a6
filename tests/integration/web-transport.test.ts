import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RENDERER_CSP } from '../../src-main/core/ui/csp.js';
import { startDevWeb } from '../../src-main/web/dev-web.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CapturingBrowser } from '../support/core-world.js';
import { makeWorld, startSimulator, type World } from '../support/harness.js';

let sim: GarminSimulator;
let world: World;
let app: Awaited<ReturnType<typeof startDevWeb>>;

afterEach(async () => {
  await app?.stop();
  await sim?.stop();
  await world?.cleanup();
});

function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search, method: options.method ?? 'GET', headers: { host: u.host, ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('loopback web transport (dev:web, demo, browser tests)', () => {
  it('serves the renderer with the session and CSP, and refuses calls without the session, from other origins or hosts', async () => {
    sim = await startSimulator();
    world = makeWorld(sim);
    app = await startDevWeb(world.env, { browser: new CapturingBrowser() });
    const page = await raw(`${app.url}/`);
    expect(page.status).toBe(200);
    // The whole policy as a header, frame-ancestors included (a <meta> cannot carry it).
    expect(page.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    // The favicon the page names is served (a browser asks for /favicon.ico, and gets a 404, when none is named).
    const icon = /<link rel="icon" type="image\/svg\+xml" href="\.(\/assets\/[^"]+\.svg)"/.exec(page.body)?.[1];
    expect(icon).toBeDefined();
    const favicon = await raw(`${app.url}${icon}`);
    expect(favicon.status).toBe(200);
    expect(favicon.headers['content-type']).toBe('image/svg+xml');
    expect(favicon.body).toContain('<svg');
    const session = /name="r42-session" content="([^"]+)"/.exec(page.body)![1]!;
    const call = (headers: Record<string, string>, channel = 'companion:state.get', body = '{}') =>
      raw(`${app.url}/api/invoke/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    const ok = await call({ 'x-r42-session': session });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, value: { connection: { state: 'not_connected' } } });
    expect((await call({})).status).toBe(401);
    expect((await call({ 'x-r42-session': 'guess' })).status).toBe(401);
    expect((await call({ 'x-r42-session': session, origin: 'https://evil.example' })).status).toBe(403);
    expect((await call({ 'x-r42-session': session, host: 'evil.example' })).status).toBe(403);
    const unknown = JSON.parse((await call({ 'x-r42-session': session }, 'companion:tokens.dump')).body);
    expect(unknown).toEqual({ ok: false, error: { code: 'unknown_channel', message: 'No such operation.' } });
    const invalid = JSON.parse((await call({ 'x-r42-session': session }, 'companion:agents.add', JSON.stringify({ args: { name: 42 } }))).body);
    expect(invalid.error.code).toBe('invalid_arguments');
    expect((await raw(`${app.url}/../../etc/passwd`)).status).toBe(404);
    expect((await raw(`${app.url}/api/events?session=wrong`)).status).toBe(401);
  });

  it('refuses arguments nested past the limit with a message naming it, on the web transport and on the dispatcher Electron IPC uses (issue 23, build point 5)', async () => {
    sim = await startSimulator();
    world = makeWorld(sim);
    app = await startDevWeb(world.env, { browser: new CapturingBrowser() });
    const page = await raw(`${app.url}/`);
    const session = /name="r42-session" content="([^"]+)"/.exec(page.body)![1]!;
    const call = (body: string, channel = 'companion:agents.add') =>
      raw(`${app.url}/api/invoke/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-r42-session': session }, body });
    const limit = 'The JSON nests arrays and objects more than 64 levels deep; at most 64 are accepted.';
    // Deep JSON text: refused before it is parsed or walked.
    for (const depth of [65, 20_000]) {
      const deep = await call(`{"args":{"name":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
      expect({ depth, status: deep.status, body: JSON.parse(deep.body) as unknown }).toEqual({ depth, status: 400, body: { error: 'too_deep', message: limit } });
    }
    // Within the limit, the contract decides as before.
    const shallow = JSON.parse((await call(`{"args":{"name":${'['.repeat(10)}${']'.repeat(10)}}}`)).body);
    expect(shallow.error.code).toBe('invalid_arguments');
    // What Electron's IPC hands the dispatcher: a structured clone, which can be cyclic or share one object many times.
    const cyclic: Record<string, unknown> = { name: 'coach' };
    cyclic.self = cyclic;
    expect(await app.core.dispatch('companion:agents.add', cyclic)).toEqual({ ok: false, error: { code: 'invalid_arguments', message: limit } });
    let shared: unknown = 'leaf';
    for (let i = 0; i < 30; i++) shared = [shared, shared];
    expect(await app.core.dispatch('companion:agents.add', { name: shared })).toEqual({ ok: false, error: { code: 'invalid_arguments', message: limit } });
    let deepValue: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deepValue = [deepValue];
    expect(await app.core.dispatch('companion:agents.add', { name: deepValue })).toEqual({ ok: false, error: { code: 'invalid_arguments', message: limit } });
    // And the transport still answers.
    expect(JSON.parse((await call('{}', 'companion:state.get')).body)).toMatchObject({ ok: true });
  });
});
