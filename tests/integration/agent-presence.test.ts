import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentService } from '../../src-main/core/companion.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';
import { freePort } from '../support/postgres.js';

let sim: GarminSimulator;
let world: CoreWorld;
let service: AgentService | undefined;
let squatter: Server | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve()));
  squatter = undefined;
  await world?.cleanup();
  await sim?.stop();
});

const portOf = (url: string) => Number(new URL(url).port);
const agentFile = (w: CoreWorld) => JSON.parse(readFileSync(path.join(w.home, 'agent.json'), 'utf8')) as { url: string; token: string };
const portFile = (w: CoreWorld) => JSON.parse(readFileSync(path.join(w.home, 'agent-port.json'), 'utf8')) as unknown;
const logEvents = (w: CoreWorld) =>
  readFileSync(path.join(w.home, 'logs', 'companion.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('a stable agent port', () => {
  it('remembers the first free port and reuses it; when it is taken, picks another and says so', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    service = await world.companion.serveAgents({ syncOnStart: false });
    const first = portOf(service.url);
    // Only the port: no secret in this file.
    expect(portFile(world)).toEqual({ port: first });
    await service.stop();

    service = await world.companion.serveAgents({ syncOnStart: false });
    expect(portOf(service.url)).toBe(first);
    expect(agentFile(world).url).toBe(`http://127.0.0.1:${first}`);
    await service.stop();
    service = undefined;

    // Another program took the port while the app was closed.
    squatter = createServer();
    await new Promise<void>((resolve) => squatter!.listen(first, '127.0.0.1', resolve));
    service = await world.companion.serveAgents({ syncOnStart: false });
    const second = portOf(service.url);
    expect(second).not.toBe(first);
    expect(agentFile(world).url).toBe(`http://127.0.0.1:${second}`);
    expect(portFile(world)).toEqual({ port: second });
    expect(logEvents(world).find((e) => e.event === 'agent.port_changed')).toMatchObject({ previous: first, port: second });
  });

  it('R42_AGENT_PORT wins over the remembered port and is not remembered', async () => {
    sim = await startSimulator();
    const configured = await freePort();
    world = makeCoreWorld(sim, { R42_AGENT_PORT: String(configured) });
    service = await world.companion.serveAgents({ syncOnStart: false });
    expect(portOf(service.url)).toBe(configured);
    expect(existsSync(path.join(world.home, 'agent-port.json'))).toBe(false);
  });
});

describe('pausing agents', () => {
  it('refuses token hand-outs with 503 agents_paused while paused, counted in the audit log, and hands out again after', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    await browse(await approveAtGarmin(await opened));
    await outcome;
    service = await world.companion.serveAgents({ syncOnStart: false });
    const ask = () => fetch(`${service!.url}/v1/token`, { headers: { authorization: `Bearer ${agentFile(world).token}` } });

    expect((await ask()).status).toBe(200);
    service.setPaused(true);
    expect(service.isPaused()).toBe(true);
    const refused = await ask();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('agents_paused');
    const audit = world.companion.auditLog(20);
    expect(audit.map((e) => e.event)).toContain('agent.paused');
    expect(audit.find((e) => e.event === 'agent.request_refused' && e.detail.reason === 'agents_paused')).toBeDefined();

    service.setPaused(false);
    expect((await ask()).status).toBe(200);
    expect(world.companion.auditLog(20).map((e) => e.event)).toContain('agent.resumed');
  });
});
