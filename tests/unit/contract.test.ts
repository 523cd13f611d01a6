import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { activitiesAnswer, connectionStatus, type ActivityView, type ConnectionStatus } from '../../src-common/contract.js';
import { CHANNELS } from '../../src-common/ipc-contract.js';
import { API_ROUTES, createApiRouter, route, type ApiContext } from '../../src-main/core/agent/agent-api.js';
import { isCompanionError } from '../../src-main/core/errors.js';
import { TOOLS } from '../../src-main/core/mcp/tools.js';
import { silentLogger } from '../../src-main/core/ports.js';
import { createDispatcher } from '../../src-main/core/ui/dispatch.js';
import type { UiService } from '../../src-main/core/ui/ui-service.js';
import { STREAMS, type StreamState } from '../../src-main/core/store/training-repo.js';
import { createSyncStatus, lastCompleteSync, pullBackfill } from '../../src-main/core/sync/sync-status.js';

const TOKEN = 'garmin-access-token-that-must-stay-in-main';

const status: ConnectionStatus = {
  configured: true,
  connected: true,
  state: 'connected',
  garminUserId: 'u-1',
  permissions: ['ACTIVITY_EXPORT'],
  scope: null,
  connectedAt: '2026-04-01T08:00:00.000Z',
  accessTokenExpiresAt: '2026-04-02T08:00:00.000Z',
  refreshTokenExpiresAt: '2026-06-30T08:00:00.000Z',
  refreshTokenExpiresSoon: false,
  lastRefreshAt: null,
  lastError: null,
  sync: { running: false, lastSyncAt: null, stale: true, backfill: { done: 0, total: 0 }, streams: [], delivery: 'pull', relay: null },
  link: { via: 'own_developer_app', tokenOrigin: 'https://connectapi.garmin.com' },
};

const run: ActivityView = {
  summary_id: 's1',
  activity_id: 'a1',
  type: 'RUNNING',
  name: 'Easy',
  start_time: '2026-04-01T06:00:00.000Z',
  local_date: '2026-04-01',
  duration_s: 1800,
  distance_m: 5600,
  avg_pace_min_km: 5.36,
  avg_pace_s_per_km: 322,
  avg_speed_mps: 3.1,
  avg_hr: 141,
  max_hr: 160,
  avg_cadence_spm: 170,
  elevation_gain_m: 20,
  active_kcal: 380,
  device_name: 'Forerunner',
};

/** The IPC dispatcher over a UI service whose handlers answer what the test gives. */
function dispatcherAnswering(answers: Record<string, unknown>) {
  const service = { handlers: () => Object.fromEntries(Object.entries(answers).map(([channel, value]) => [channel, () => value])) } as unknown as UiService;
  return createDispatcher(service, silentLogger);
}

describe('one contract: the IPC results are the shared schemas, strict', () => {
  it('a status that carries a token never reaches the renderer: the call fails and the token is nowhere in what crosses', async () => {
    const leaky = { ...status, access_token: TOKEN };
    expect(connectionStatus.safeParse(leaky).success).toBe(false);
    const dispatch = dispatcherAnswering({ 'companion:state.get': { connection: leaky, signIn: { kind: 'idle' }, agentEndpoint: { url: null } } });
    const envelope = await dispatch('companion:state.get', undefined);
    expect(envelope).toEqual({ ok: false, error: { code: 'internal_error', message: expect.any(String) } });
    expect(JSON.stringify(envelope)).not.toContain(TOKEN);
  });

  it('a token nested in the sync status or in an activity row is refused too; the clean answers cross whole', async () => {
    const nested = { connection: { ...status, sync: { ...status.sync, access_token: TOKEN } }, signIn: { kind: 'idle' }, agentEndpoint: { url: null } };
    const rows = { data: [{ ...run, access_token: TOKEN }], last_sync_at: null, stale: true };
    const dispatch = dispatcherAnswering({ 'companion:state.get': nested, 'companion:data.activities': rows });
    expect(await dispatch('companion:state.get', undefined)).toMatchObject({ ok: false });
    expect(await dispatch('companion:data.activities', { limit: 5 })).toMatchObject({ ok: false });

    const clean = dispatcherAnswering({
      'companion:state.get': { connection: status, signIn: { kind: 'idle' }, agentEndpoint: { url: null } },
      'companion:data.activities': { data: [run], last_sync_at: null, stale: true },
    });
    expect(await clean('companion:state.get', undefined)).toEqual({ ok: true, value: { connection: status, signIn: { kind: 'idle' }, agentEndpoint: { url: null } } });
    expect(await clean('companion:data.activities', { limit: 5 })).toEqual({ ok: true, value: { data: [run], last_sync_at: null, stale: true } });
  });

  it('the IPC, the agent endpoint and MCP answer activities with the same shape', () => {
    expect(CHANNELS['companion:data.activities'].result).toBe(activitiesAnswer);
    expect(API_ROUTES['/v1/activities']!.answer).toBe(activitiesAnswer);
    const listActivities = TOOLS.find((tool) => tool.name === 'list_activities')!;
    // Every field (`fields: "all"`), or the coach's, which are some of the same.
    const [full, coach] = (listActivities.output.shape.activities as z.ZodArray<z.ZodUnion<[z.ZodObject, z.ZodObject]>>).element.options;
    expect(Object.keys(full.shape)).toEqual(Object.keys(activitiesAnswer.shape.data.element.shape));
    for (const key of Object.keys(coach.shape)) expect(activitiesAnswer.shape.data.element.shape).toHaveProperty(key);
    // MCP strips what the shape does not declare instead of failing the tool call.
    const page = { from: '2026-04-01', to: '2026-04-01', type: null, next_cursor: null, last_sync_at: null, stale: true };
    const parsed = listActivities.output.parse({ ...page, activities: [{ ...run, access_token: TOKEN }] });
    expect(JSON.stringify(parsed)).not.toContain(TOKEN);
    expect((parsed as { activities: unknown[] }).activities).toEqual([run]);
    const { summary_id, local_date, type, name, duration_s, distance_m, avg_pace_s_per_km, avg_hr, max_hr, elevation_gain_m } = run;
    const coachRow = { summary_id, local_date, type, name, duration_s, distance_m, avg_pace_s_per_km, avg_hr, max_hr, elevation_gain_m };
    const parsedCoach = listActivities.output.parse({ ...page, activities: [{ ...coachRow, access_token: TOKEN }] });
    expect(JSON.stringify(parsedCoach)).not.toContain(TOKEN);
    expect((parsedCoach as { activities: unknown[] }).activities).toEqual([coachRow]);
  });
});

describe('the agent API route table', () => {
  const context: ApiContext = { data: {} as ApiContext['data'], today: () => '2026-04-10' };
  const things = route({
    query: z.object({ id: z.string().regex(/^\d+$/, 'must be digits'), detail: z.enum(['full', 'short']).optional() }),
    answer: z.strictObject({ id: z.string(), detail: z.string() }),
    handle: (query) => ({ id: query.id, detail: query.detail ?? 'short' }),
  });
  const router = createApiRouter({ '/v1/things/{id}': things, '/v1/things': route({ query: z.object({}), answer: z.array(z.string()), handle: () => ['a'] }) }, context);
  const at = (target: string) => router(new URL(`http://127.0.0.1:1${target}`));

  it('a {name} segment is a path parameter, parsed by the route’s query schema beside the query string', async () => {
    expect(await at('/v1/things/42')).toEqual({ id: '42', detail: 'short' });
    expect(await at('/v1/things/42?detail=full')).toEqual({ id: '42', detail: 'full' });
    expect(await at('/v1/things')).toEqual(['a']);
    // The path's value wins over a query parameter of the same name.
    expect(await at('/v1/things/42?id=7')).toEqual({ id: '42', detail: 'short' });
  });

  it('answers null (404) for other paths, and 400 bad_request for a bad parameter, never a 500', () => {
    expect(at('/v1/things/42/more')).toBeNull();
    expect(at('/v1/things/')).toBeNull();
    expect(at('/v1/other')).toBeNull();
    for (const target of ['/v1/things/abc', '/v1/things/%E0%A4%A', '/v1/things/42?detail=long', '/v1/things/42?detail=full&detail=short']) {
      let thrown: unknown;
      try {
        void at(target);
      } catch (error) {
        thrown = error;
      }
      expect({ target, code: isCompanionError(thrown) ? thrown.code : thrown }).toEqual({ target, code: 'bad_request' });
    }
  });

  it('ranges default to the context’s today', async () => {
    const seen: unknown[] = [];
    const data = { dailies: (query: unknown) => (seen.push(query), { data: [], last_sync_at: null, stale: true }) } as unknown as ApiContext['data'];
    const api = createApiRouter(API_ROUTES, { data, today: () => '2026-04-10' });
    expect(await api(new URL('http://127.0.0.1:1/v1/dailies?from=2026-04-08'))).toEqual({ data: [], last_sync_at: null, stale: true });
    expect(seen).toEqual([{ from: '2026-04-08', to: '2026-04-10' }]);
  });
});

describe('sync status arithmetic', () => {
  const DAY = 86_400;
  const stream = (name: StreamState['stream'], overrides: Partial<StreamState> = {}): StreamState => ({
    stream: name,
    backfillStart: 100 * DAY,
    backfillFloor: 90 * DAY,
    backfillNextEnd: 95 * DAY,
    cursor: 100 * DAY,
    state: 'ok',
    lastErrorCode: null,
    lastSuccessAt: null,
    skippedRecords: 0,
    ...overrides,
  });

  it('counts the history in days per stream; a stream not shared counts as loaded', () => {
    expect(pullBackfill([stream('activities'), stream('dailies')])).toEqual({ done: 10, total: 20 });
    expect(pullBackfill([stream('activities'), stream('dailies', { state: 'permission_missing' })])).toEqual({ done: 15, total: 20 });
    expect(pullBackfill([])).toEqual({ done: 0, total: 0 });
  });

  it('the last complete sync is the oldest stream’s, once every stream (or every shared one) has succeeded', () => {
    const all = STREAMS;
    expect(lastCompleteSync(all.map((name, i) => stream(name, { lastSuccessAt: 1000 + i })))).toBe(1000);
    expect(lastCompleteSync(all.slice(1).map((name) => stream(name, { lastSuccessAt: 1000 })))).toBeNull();
    expect(lastCompleteSync([stream('activities', { lastSuccessAt: 1000 }), stream('hrv', { state: 'permission_missing' })])).toBe(1000);
  });

  it('freshness says what status says', () => {
    let now = 10_000;
    const streams = STREAMS.map((name) => stream(name, { lastSuccessAt: 5_000 }));
    const sync = createSyncStatus({ streams: () => streams, pullRunning: () => false, relay: null, delivery: 'pull', staleAfterMs: 6_000, clock: { now: () => now } });
    expect(sync.freshness()).toEqual({ last_sync_at: new Date(5_000).toISOString(), stale: false });
    now = 11_001;
    const st = sync.status();
    expect(sync.freshness()).toEqual({ last_sync_at: st.lastSyncAt, stale: true });
    expect(st.stale).toBe(true);
  });
});

describe('snake_case answers', () => {
  /** Every key of a JSON Schema's objects, however deep (properties, items, unions). */
  function keysOf(schema: unknown, path = ''): string[] {
    if (typeof schema !== 'object' || schema === null) return [];
    const node = schema as Record<string, unknown>;
    const own = node.properties && typeof node.properties === 'object' ? Object.entries(node.properties as Record<string, unknown>).flatMap(([key, value]) => [`${path}${key}`, ...keysOf(value, `${path}${key}.`)]) : [];
    const nested = Object.entries(node)
      .filter(([key]) => key !== 'properties')
      .flatMap(([, value]) => (Array.isArray(value) ? value.flatMap((v) => keysOf(v, path)) : typeof value === 'object' ? keysOf(value, path) : []));
    return [...own, ...nested];
  }
  const snake = /^[a-z0-9]+(_[a-z0-9]+)*$/;

  it('every field of every agent route and MCP tool answer is snake_case, the cleaning report’s included', () => {
    const answers: Array<[string, z.ZodType]> = [
      ...Object.entries(API_ROUTES).map(([route, spec]) => [route, spec.answer] as [string, z.ZodType]),
      ...TOOLS.map((tool) => [tool.name, tool.output] as [string, z.ZodType]),
    ];
    expect(answers.map(([name]) => name)).toEqual(expect.arrayContaining(['/v1/activities/{id}', 'get_activity_details']));
    const bad = answers.flatMap(([name, schema]) => keysOf(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' })).filter((key) => !snake.test(key.split('.').at(-1)!)).map((key) => `${name}: ${key}`));
    expect([...new Set(bad)]).toEqual([]);
    expect(keysOf(z.toJSONSchema(API_ROUTES['/v1/activities/{id}']!.answer, { io: 'output' }))).toEqual(expect.arrayContaining(['data.cleaning.dropped_samples', 'data.cleaning.gps_gaps', 'data.cleaning.paused_s']));
  });
});

