/**
 * Issue 11, served everywhere the data is: the coaching figures over the agent endpoint
 * (/v1/activities/{id}, /v1/training-load, /v1/records, /v1/trends), as MCP tools through the SDK's
 * own client, and in the CLI (`activities show`, `load`, `records`, `trends`): each the same
 * figures as the core's answer, parsed with the shared strict schemas, downsampled for a model,
 * bad input refused with a stable code, and no Garmin token in any answer.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityDetailsData, agentErrorAnswer, recordsData, trainingLoadData, trendsData } from '../../src-common/contract.js';
import type { AgentService } from '../../src-main/core/companion.js';
import { localDate } from '../../src-common/dates.js';
import { activityWithPlanAnswer } from '../../src-common/workout-contract.js';
import { clockTime } from '../../src-common/format.js';
import { paceSecondsPerKm } from '../../src-common/units.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { runCli, startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

const DAY_MS = 86_400_000;
let sim: GarminSimulator;
let world: CoreWorld;
let service: AgentService;
let ownerToken: string;
let liveToken: string;
/** Every answer any surface gave, searched for the live Garmin token at the end. */
const answers: string[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  sim.dataNow = () => Math.floor(Date.now() / 1000);
  world = makeCoreWorld(sim, { R42_MAX_HR: '190', R42_RESTING_HR: '48' });
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  expect((await world.companion.sync({ days: 21 })).outcome).toBe('completed');
  liveToken = (await world.companion.getAccessToken()).accessToken;
  service = await world.companion.serveAgents({ syncOnStart: false });
  ownerToken = (JSON.parse(readFileSync(path.join(world.home, 'agent.json'), 'utf8')) as { token: string }).token;
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await world?.cleanup();
  await sim?.stop();
});

const get = async (target: string) => {
  const res = await fetch(`${service.url}${target}`, { headers: { authorization: `Bearer ${ownerToken}` } });
  const text = await res.text();
  answers.push(text);
  return { status: res.status, body: JSON.parse(text) as unknown };
};

/** The newest run that has samples, and one activity Garmin sent no samples for (the simulator leaves some out). */
function pickRuns() {
  const today = localDate(Date.now());
  const list = world.companion.data.activities({ from: localDate(Date.now() - 21 * DAY_MS), to: today, type: 'running', limit: 1000 }).data;
  const withDetails = list.find((a) => world.companion.data.activity(a.summary_id).data.has_details && (a.distance_m ?? 0) > 3000);
  expect(withDetails, 'a run with samples').toBeDefined();
  return { run: withDetails! };
}

describe('coaching figures on the agent endpoint', () => {
  it('answers an activity’s details, in km or miles, downsampled to the points asked, as the core computes them', async () => {
    const { run } = pickRuns();
    const km = await get(`/v1/activities/${encodeURIComponent(run.summary_id)}`);
    expect(km.status).toBe(200);
    // The details as the core computes them, and beside them the workout the run did (none here).
    const { planned_workout, ...details } = activityWithPlanAnswer.parse(km.body);
    expect(planned_workout).toBeNull();
    const parsed = activityDetailsData.parse(details);
    expect(parsed).toEqual(world.companion.data.activity(run.summary_id, { unit: 'km', maxPoints: 300 }));
    const d = parsed.data;
    expect(d.summary_id).toBe(run.summary_id);
    expect(d.has_details).toBe(true);
    // One split per started km, each about 1000 m but the last.
    expect(d.splits).toHaveLength(Math.ceil((d.summary.distance_m! - 0.5) / 1000));
    for (const split of d.splits.slice(0, -1)) expect(split.distance_m).toBeCloseTo(1000, -1);
    expect(d.series.length).toBeLessThanOrEqual(300);
    expect(d.zones).not.toBeNull();
    expect(d.hr_profile).toMatchObject({ max_hr: 190, resting_hr: 48, source: 'settings' });
    expect(JSON.stringify(km.body)).not.toMatch(/NaN|Infinity|undefined/);

    const miles = activityWithPlanAnswer.parse((await get(`/v1/activities/${encodeURIComponent(run.summary_id)}?unit=mi&points=20`)).body).data;
    expect(miles.unit).toBe('mi');
    expect(miles.splits).toHaveLength(Math.ceil((d.summary.distance_m! - 0.5) / 1609.344));
    expect(miles.series.length).toBeLessThanOrEqual(20);
    expect(miles.series.at(-1)!.distance_m).toBeCloseTo(d.series.at(-1)!.distance_m!, 0);
  });

  it('answers training load, records and trends with their freshness, parsed with the shared strict schemas', async () => {
    const today = localDate(Date.now());
    const from = localDate(Date.now() - 13 * DAY_MS);
    const load = trainingLoadData.parse((await get(`/v1/training-load?from=${from}&to=${today}`)).body);
    expect(load).toEqual(world.companion.data.trainingLoad({ from, to: today }));
    expect(load.data.days.map((d) => d.date)).toHaveLength(14);
    expect(load.data.days.some((d) => d.load > 0)).toBe(true);
    expect(load.stale).toBe(false);
    // Default: the 84 days ending today, as every range on the endpoint.
    expect(trainingLoadData.parse((await get('/v1/training-load')).body).data.days).toHaveLength(84);

    const records = recordsData.parse((await get('/v1/records')).body);
    expect(records).toEqual(world.companion.data.records());
    expect(records.data.records.map((r) => r.label)).toContain('1k');

    const trends = trendsData.parse((await get(`/v1/trends?from=${from}&to=${today}`)).body);
    expect(trends).toEqual(world.companion.data.trends({ from, to: today }));
    expect(trends.data.days.length).toBeGreaterThan(0);
  });

  it('refuses what it cannot answer with a stable code: unknown activity 404, bad unit, points or range 400', async () => {
    const missing = await get('/v1/activities/no-such-activity');
    expect(missing.status).toBe(404);
    expect(agentErrorAnswer.parse(missing.body).error.code).toBe('not_found');
    const { run } = pickRuns();
    for (const query of ['unit=furlong', 'points=1', 'points=2001', 'points=0x10', 'unit=km&unit=mi']) {
      const bad = await get(`/v1/activities/${encodeURIComponent(run.summary_id)}?${query}`);
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
      expect(agentErrorAnswer.parse(bad.body).error.code).toBe('bad_request');
    }
    for (const target of ['/v1/activities/a%2Fb%zz', '/v1/training-load?from=2026-02-30', '/v1/trends?from=2026-05-02&to=2026-05-01', '/v1/trends?from=2020-01-01&to=2026-01-01']) {
      const bad = await get(target);
      expect({ target, status: bad.status }).toEqual({ target, status: 400 });
    }
    const unauthorised = await fetch(`${service.url}/v1/records`);
    expect(unauthorised.status).toBe(401);
  });
});

describe('coaching tools over MCP', () => {
  it('answers the four coaching tools to the SDK client, a model-sized series, tool errors for bad arguments, and never a token', async () => {
    const { secret } = world.companion.agents.add('coach-figures');
    const transport = new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${secret}` } } });
    const client = new Client({ name: 'figures-coach', version: '1.0.0' });
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['get_activity_details', 'get_training_load', 'get_personal_records', 'get_trends']));
      const call = async (name: string, args: Record<string, unknown> = {}) => {
        const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
        answers.push(JSON.stringify(result));
        return result;
      };
      const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
      const { run } = pickRuns();

      // A model gets a few KB by default (tables, no series), never the whole sample series.
      const details = await call('get_activity_details', { id: run.summary_id });
      expect(details.isError).toBeFalsy();
      expect((details.structuredContent as { activity: { series: unknown } }).activity.series).toBeNull();
      expect(JSON.stringify(details).length).toBeLessThan(4096);
      expect(text(details)).toMatch(/splits/);
      // The series on request, and every figure as the HTTP API answers with `fields: "all"`.
      const full = await call('get_activity_details', { id: run.summary_id, series_points: 100, fields: 'all' });
      const activity = (full.structuredContent as { activity: { series: unknown[] } }).activity;
      expect(activity.series.length).toBeLessThanOrEqual(100);
      expect(activity).toEqual(world.companion.data.activity(run.summary_id, { unit: 'km', maxPoints: 100 }).data);

      const today = localDate(Date.now());
      const load = await call('get_training_load', {});
      expect((load.structuredContent as { load: { days: unknown[]; to: string } }).load.days).toHaveLength(28);
      expect((load.structuredContent as { load: { to: string } }).load.to).toBe(today);
      expect((await call('get_personal_records')).structuredContent).toMatchObject({ records: world.companion.data.records().data, stale: false });
      const trends = await call('get_trends', { from: localDate(Date.now() - 6 * DAY_MS), to: today });
      expect(trends.isError).toBeFalsy();
      expect(text(trends)).toContain('HRV');

      for (const [name, args] of [
        ['get_activity_details', { id: 'no-such-activity' }],
        ['get_activity_details', { id: run.summary_id, series_points: 5000 }],
        ['get_activity_details', { id: run.summary_id, unit: 'furlong' }],
        ['get_training_load', { from: '2026-13-01' }],
        ['get_trends', { from: '2020-01-01', to: '2026-01-01' }],
      ] as const) {
        const bad = await call(name, args);
        expect({ name, args, isError: bad.isError }).toEqual({ name, args, isError: true });
        expect(text(bad).length).toBeGreaterThan(10);
      }
      expect(text(await call('get_activity_details', { id: 'no-such-activity' }))).toMatch(/No activity/);
    } finally {
      await client.close();
    }
  });
});

describe('one pace for a run, everywhere', () => {
  it('the list (HTTP, app, CLI) and the activity’s page (app, CLI, MCP) write a run without pauses at the same pace, to the nearest second', async () => {
    const today = localDate(Date.now());
    const runs = world.companion.data.activities({ from: localDate(Date.now() - 21 * DAY_MS), to: today, type: 'running', limit: 1000 }).data;
    const cliList = (await runCli(['activities', '--from', localDate(Date.now() - 21 * DAY_MS)], world.env)).stdout;
    let compared = 0;
    for (const run of runs) {
      const page = world.companion.data.activity(run.summary_id).data;
      // A run with pauses has an average over its whole time in the list and a moving one on its page: two figures.
      if (!page.has_details || page.summary.moving_s !== page.summary.elapsed_s) continue;
      const listed = clockTime(run.avg_pace_s_per_km);
      expect({ run: run.summary_id, page: clockTime(page.summary.avg_pace_s) }).toEqual({ run: run.summary_id, page: listed });
      // The CLI's list row of that run, and its `activities show`.
      const row = cliList.split('\n').find((line) => line.startsWith(run.local_date) && line.includes(` ${((run.distance_m ?? 0) / 1000).toFixed(2)} `));
      expect(row, run.summary_id).toContain(` ${listed} `);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
    // The run of the issue: 6232.5 m in 32:22 is 311.6 s per km, which Garmin's 5.19 min/km rounds to 311.4.
    expect(clockTime(paceSecondsPerKm({ avg_speed_mps: 3.209, avg_pace_min_km: 5.19 }))).toBe('5:12');
  });
});

describe('coaching figures in the CLI', () => {
  it('`activities show`, `load`, `records` and `trends` print tables and JSON equal to the core’s, and refuse bad input with exit 2', async () => {
    const { run } = pickRuns();
    const show = await runCli(['activities', 'show', run.summary_id], world.env);
    answers.push(show.stdout, show.stderr);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^SPLIT\s+KM\s+TIME\s+PACE\s+HR\s+ELEV$/m);
    expect(show.stdout).toMatch(/^Z2\s+\d+:\d{2}/m);
    expect(show.stdout).toContain('HR zones from max 190, resting 48');
    expect(show.stdout).not.toMatch(/NaN|undefined/);
    const json = await runCli(['activities', 'show', run.summary_id, '--json', '--unit', 'mi', '--points', '50'], world.env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(world.companion.data.activity(run.summary_id, { unit: 'mi', maxPoints: 50 }))));

    const load = await runCli(['load'], world.env);
    answers.push(load.stdout, load.stderr);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toMatch(/^DATE\s+LOAD\s+ACUTE\s+CHRONIC\s+RATIO\s+MONOTONY\s+STRAIN$/m);
    expect(load.stdout.trim().split('\n').filter((l) => /^\d{4}-\d{2}-\d{2}\s/.test(l)).length).toBeGreaterThanOrEqual(28);
    const records = await runCli(['records', '--json'], world.env);
    expect(records.code, records.stderr).toBe(0);
    expect(JSON.parse(records.stdout).data).toEqual(world.companion.data.records().data);
    const trends = await runCli(['trends'], world.env);
    expect(trends.code, trends.stderr).toBe(0);
    expect(trends.stdout).toMatch(/^DATE\s+HRV\s+HRV 7D\s+BASELINE\s+STATUS/m);

    const missing = await runCli(['activities', 'show', 'no-such-activity'], world.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No activity/);
    for (const args of [['activities', 'show'], ['activities', 'show', run.summary_id, '--unit', 'furlong'], ['load', '--from', '2026-02-30'], ['activities', '--unit', 'mi']]) {
      const bad = await runCli(args, world.env);
      expect({ args, code: bad.code }).toEqual({ args, code: 2 });
    }
  }, 120_000);

  it('no surface ever answered the Garmin token', () => {
    expect(answers.length).toBeGreaterThan(10);
    for (const answer of answers) expect(answer).not.toContain(liveToken);
  });
});
