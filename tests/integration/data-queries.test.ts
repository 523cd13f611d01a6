import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentService } from '../../src-main/core/companion.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { recordingCli, startSimulator } from '../support/harness.js';
import { makeCoreWorld, type CoreWorld } from '../support/core-world.js';

let sim: GarminSimulator;
let world: CoreWorld;
let service: AgentService | undefined;
const { cli } = recordingCli(() => world);

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await world?.cleanup();
  await sim?.stop();
});

/** The endpoint of a fresh data folder; data routes read the local database, so nothing needs linking. */
async function endpoint() {
  sim = await startSimulator();
  world = makeCoreWorld(sim);
  service = await world.companion.serveAgents({ syncOnStart: false });
  const { token } = JSON.parse(readFileSync(path.join(world.home, 'agent.json'), 'utf8')) as { token: string };
  return async (pathAndQuery: string) => {
    const res = await fetch(`${service!.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };
}

const BAD_DATES = ['2026-13-45', '0000-00-00', '', '2026-00-10', '%2B2026-01-01', '2026-02-30', '9999-99-99', '2026-1-05', '20260105'];

describe('data queries: one schema, 400 bad_request for anything malformed', () => {
  it('refuses impossible or malformed dates on every data route, naming the parameter', async () => {
    const get = await endpoint();
    for (const route of ['/v1/activities', '/v1/dailies', '/v1/sleeps']) {
      for (const param of ['from', 'to']) {
        for (const bad of BAD_DATES) {
          const res = await get(`${route}?${param}=${bad}`);
          expect({ route, param, bad, status: res.status, code: res.body.error?.code }).toEqual({ route, param, bad, status: 400, code: 'bad_request' });
          expect(res.body.error!.message).toMatch(new RegExp(`^${param} must be a real calendar date written YYYY-MM-DD`));
        }
      }
    }
  });

  it('refuses a reversed range, also against the default end (today)', async () => {
    const get = await endpoint();
    for (const route of ['/v1/activities', '/v1/dailies', '/v1/sleeps']) {
      const reversed = await get(`${route}?from=2026-05-01&to=2026-04-01`);
      expect(reversed.status).toBe(400);
      expect(reversed.body.error).toEqual({ code: 'bad_request', message: 'from must be on or before to (2026-04-01), but is 2026-05-01.' });
      const future = await get(`${route}?from=9999-12-31`);
      expect(future.status).toBe(400);
      expect(future.body.error?.code).toBe('bad_request');
    }
  });

  it('refuses weeks that are not plain digits from 1 to 520, a bad type, and a parameter given twice', async () => {
    const get = await endpoint();
    for (const weeks of ['0x10', '1e2', '%2012', '12%20', '0', '521', '', '-1', '1.5']) {
      const res = await get(`/v1/summary/weekly?weeks=${weeks}`);
      expect({ weeks, status: res.status, code: res.body.error?.code }).toEqual({ weeks, status: 400, code: 'bad_request' });
      expect(res.body.error!.message).toMatch(/^weeks must be/);
    }
    expect((await get('/v1/activities?type=running')).body.error?.code).toBe('bad_request');
    const twice = await get('/v1/dailies?to=2026-04-01&to=2026-05-01');
    expect(twice).toEqual({ status: 400, body: { error: { code: 'bad_request', message: 'to must be given at most once.' } } });
    // The token route speaks the same code.
    expect((await get('/v1/token?min_valid=abc')).body.error?.code).toBe('bad_request');
  });

  it('accepts what is well formed: real dates (29 February in a leap year), an equal from and to, and weeks in digits', async () => {
    const get = await endpoint();
    for (const query of [
      '/v1/activities',
      '/v1/activities?from=2024-02-29&to=2024-03-01&type=RUNNING',
      '/v1/dailies?from=2026-04-01&to=2026-04-01',
      '/v1/sleeps?to=2026-04-01',
      '/v1/summary/weekly?weeks=520',
      '/v1/summary/weekly',
    ]) {
      const res = await get(query);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
    }
  });
});

describe('data queries in the CLI', () => {
  it('activities: a bad date or a reversed range is a usage error (exit 2) that says what is wrong, not an unexpected failure', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    const impossible = await cli(['activities', '--to', '2026-13-45']);
    expect(impossible.code).toBe(2);
    expect(impossible.stderr).toContain('--to must be a real calendar date written YYYY-MM-DD, like 2026-11-23.');
    expect(impossible.stderr).toContain('[usage]');
    expect(impossible.stderr).not.toContain('unexpected failure');
    const reversed = await cli(['activities', '--from', '2026-05-01', '--to', '2026-04-01']);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain('--from must be on or before to (2026-04-01), but is 2026-05-01.');
    const fine = await cli(['activities', '--from', '2026-02-28', '--to', '2026-03-01', '--json']);
    expect(fine.code).toBe(0);
    expect(JSON.parse(fine.stdout)).toMatchObject({ data: [] });
  });
});
