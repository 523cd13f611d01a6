import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentService } from '../../src-main/core/companion.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { localDate } from '../../src-common/dates.js';
import { recordingCli, startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

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
    for (const route of ['/v1/activities', '/v1/dailies', '/v1/sleeps', '/v1/hrv', '/v1/metrics']) {
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
    for (const route of ['/v1/activities', '/v1/dailies', '/v1/sleeps', '/v1/hrv', '/v1/metrics']) {
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
    expect((await get('/v1/activities?type=Running')).body.error?.code).toBe('bad_request');
    for (const limit of ['0', '1001', '1e2', '-1', '']) {
      const res = await get(`/v1/activities?limit=${limit}`);
      expect({ limit, status: res.status }).toEqual({ limit, status: 400 });
      expect(res.body.error!.message).toMatch(/^limit must be/);
    }
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
      '/v1/activities?limit=1000',
      '/v1/hrv?from=2024-02-29&to=2024-03-01',
      '/v1/metrics',
      '/v1/summary/weekly',
    ]) {
      const res = await get(query);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
    }
  });
});

describe('HRV and user metrics over HTTP', () => {
  it('GET /v1/hrv and /v1/metrics serve the stored nights and days, newest first, with freshness; limit cuts /v1/activities', async () => {
    sim = await startSimulator();
    sim.dataNow = () => Math.floor(Date.now() / 1000);
    world = makeCoreWorld(sim);
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    await browse(await approveAtGarmin(await opened));
    await outcome;
    expect((await world.companion.sync({ days: 10 })).outcome).toBe('completed');
    service = await world.companion.serveAgents({ syncOnStart: false });
    const { token } = JSON.parse(readFileSync(path.join(world.home, 'agent.json'), 'utf8')) as { token: string };
    const get = async (p: string) => (await (await fetch(`${service!.url}${p}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { data: Array<Record<string, unknown>>; last_sync_at: string | null; stale: boolean };
    const today = localDate(Date.now());
    const from = localDate(Date.now() - 9 * 86_400_000);
    const hrv = await get(`/v1/hrv?from=${from}&to=${today}`);
    expect(hrv.data.length).toBeGreaterThanOrEqual(8);
    expect(Object.keys(hrv.data[0]!).sort()).toEqual(['calendar_date', 'last_night_5min_high_ms', 'last_night_avg_ms', 'summary_id']);
    expect(hrv.data.every((n) => typeof n.last_night_avg_ms === 'number' && (n.calendar_date as string) >= from && (n.calendar_date as string) <= today)).toBe(true);
    expect(hrv.data.map((n) => n.calendar_date)).toEqual(hrv.data.map((n) => n.calendar_date).sort().reverse());
    expect(hrv).toMatchObject({ stale: false, last_sync_at: world.companion.status().sync.lastSyncAt });
    // Garmin computes user metrics about once a week (the simulator: Wednesdays).
    const metrics = await get(`/v1/metrics?from=${from}&to=${today}`);
    expect(metrics.data.length).toBeGreaterThanOrEqual(1);
    expect(metrics.data.every((m) => new Date(`${m.calendar_date as string}T00:00:00Z`).getUTCDay() === 3)).toBe(true);
    expect(Object.keys(metrics.data[0]!).sort()).toEqual(['calendar_date', 'fitness_age', 'summary_id', 'vo2max']);
    expect(metrics.data.every((m) => (m.vo2max as number) >= 52 && (m.vo2max as number) <= 56)).toBe(true);
    const all = await get(`/v1/activities?from=${from}&to=${today}`);
    expect(all.data.length).toBeGreaterThan(2);
    expect((await get(`/v1/activities?from=${from}&to=${today}&limit=2`)).data).toEqual(all.data.slice(0, 2));
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
