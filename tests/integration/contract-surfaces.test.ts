import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentErrorAnswer, connectionStatus, tokenPayload } from '../../src-common/contract.js';
import { API_ROUTES } from '../../src-main/core/agent/agent-api.js';
import type { AgentService } from '../../src-main/core/companion.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

let sim: GarminSimulator | undefined;
let world: CoreWorld | undefined;
let service: AgentService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await world?.cleanup();
  world = undefined;
  await sim?.stop();
  sim = undefined;
});

describe('one contract on the agent endpoint', () => {
  it('every answer an agent gets parses with the shared schema: status, token, each data route, and errors', async () => {
    sim = await startSimulator();
    sim.dataNow = () => Math.floor(Date.now() / 1000);
    world = makeCoreWorld(sim);
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    await browse(await approveAtGarmin(await opened));
    await outcome;
    expect((await world.companion.sync({ days: 7 })).outcome).toBe('completed');
    service = await world.companion.serveAgents({ syncOnStart: false });
    const { token } = JSON.parse(readFileSync(path.join(world.home, 'agent.json'), 'utf8')) as { token: string };
    const get = async (target: string) => {
      const res = await fetch(`${service!.url}${target}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as unknown };
    };

    // Strict: a field the contract does not declare would fail these parses.
    const status = await get('/v1/status');
    expect(status.status).toBe(200);
    expect(connectionStatus.parse(status.body)).toMatchObject({ connected: true, state: 'connected', sync: { stale: false } });
    expect(status.body).toEqual(world.companion.status());

    const handedOut = await get('/v1/token?min_valid=60');
    expect(handedOut.status).toBe(200);
    expect(tokenPayload.parse(handedOut.body)).toMatchObject({ token_type: 'Bearer', garmin_user_id: world.companion.status().garminUserId });

    for (const [routePath, route] of Object.entries(API_ROUTES)) {
      if (routePath.includes('{')) continue;
      const answer = await get(routePath);
      expect({ routePath, status: answer.status }).toEqual({ routePath, status: 200 });
      const parsed = route.answer.safeParse(answer.body);
      expect({ routePath, issues: parsed.error?.issues ?? [] }).toEqual({ routePath, issues: [] });
    }
    const activities = (await get('/v1/activities')).body as { data: unknown[] };
    expect(activities.data.length).toBeGreaterThan(0);

    const refused = await get('/v1/activities?from=2026-02-30');
    expect(refused.status).toBe(400);
    expect(agentErrorAnswer.parse(refused.body).error.code).toBe('bad_request');
  });
});
