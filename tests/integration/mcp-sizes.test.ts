import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../src-common/dates.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';
import { startSimulator } from '../support/harness.js';

/**
 * What the MCP tools cost a model's context, over the simulator's 90 days: compact by default
 * (aims from the issue that asked for them), with the rest one argument away.
 */
const KB = 1024;
let sim: GarminSimulator;
let world: CoreWorld;
let client: Client;
const sizes: Record<string, number> = {};

beforeAll(async () => {
  sim = await startSimulator();
  sim.dataNow = () => Math.floor(Date.now() / 1000);
  world = makeCoreWorld(sim);
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  expect((await world.companion.sync({ days: 90 })).outcome).toBe('completed');
  // The answers as a client receives them: the real server over an in-memory transport.
  const server = await world.companion.mcpServer({ transport: 'stdio', grant: 'runner' });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  client = new Client({ name: 'size-probe', version: '1' });
  await client.connect(clientSide);
}, 300_000);

afterAll(async () => {
  // The figures for the record (README, docs/metrics.md's neighbour docs/agents.md quote them).
  console.log(`MCP answer sizes (bytes of JSON) over 90 days:\n${Object.entries(sizes).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
  await client?.close();
  await world?.cleanup();
  await sim?.stop();
});

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const call = async (name: string, args: Record<string, unknown> = {}) => {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, `${name} ${JSON.stringify(args)}: ${JSON.stringify(result.content)}`).toBeFalsy();
  return result;
};
const structured = <T>(result: CallToolResult) => result.structuredContent as T;
const today = () => localDate(Date.now());

describe('MCP answers sized for a model (the simulator’s 90 days)', () => {
  it('tools/list is at most 12 KB, the three workout tools included (at most 3 KB of it)', async () => {
    const list = await client.listTools();
    const workoutTools = ['propose_workout', 'list_workouts', 'get_workout'];
    sizes['tools/list'] = bytes(list);
    sizes['tools/list (data tools)'] = bytes({ ...list, tools: list.tools.filter((t) => !workoutTools.includes(t.name)) });
    expect(sizes['tools/list']).toBeLessThanOrEqual(12 * KB);
    expect(sizes['tools/list'] - sizes['tools/list (data tools)']).toBeLessThanOrEqual(3 * KB);
  });

  it('every tool answers within 16 KB with its defaults, its text a short summary rather than the JSON again', async () => {
    // Every tool but those that need an argument (get_activity_details measured below for each activity; the workout tools in workouts-agents.test.ts).
    const names = (await client.listTools()).tools.map((t) => t.name).filter((name) => !['get_activity_details', 'propose_workout', 'get_workout'].includes(name));
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const result = await call(name);
      sizes[name] = bytes(result);
      expect(sizes[name], name).toBeLessThanOrEqual(16 * KB);
      expect(result.content, name).toHaveLength(1);
      const text = result.content[0]!.type === 'text' ? result.content[0]!.text : '';
      expect(text.length, name).toBeLessThan(400);
      expect(text.startsWith('{'), name).toBe(false);
    }
  });

  it('lists 28 days of activities in at most 6 KB, and pages through 90 days to exactly what the HTTP API lists', async () => {
    const to = today();
    const from = addDays(to, -27);
    const page = await call('list_activities', { from, to });
    sizes['list_activities, 28 days'] = bytes(page);
    expect(sizes['list_activities, 28 days']).toBeLessThanOrEqual(6 * KB);

    // The rest is a cursor away: every activity of 90 days, once each, newest first, in pages of 10.
    const everything = world.companion.data.activities({ from: addDays(to, -89), to }).data;
    expect(everything.length).toBeGreaterThan(30);
    const seen: string[] = [];
    let next: string | null = null;
    let first = true;
    while (first || next) {
      const answer: { activities: Array<{ summary_id: string }>; next_cursor: string | null } = structured(await call('list_activities', first ? { from: addDays(to, -89), to, limit: 10 } : { cursor: next, limit: 10 }));
      seen.push(...answer.activities.map((a) => a.summary_id));
      expect(answer.activities.length).toBeLessThanOrEqual(10);
      next = answer.next_cursor;
      first = false;
    }
    expect(seen).toEqual(everything.map((a) => a.summary_id));

    // Every field, as the HTTP API gives them, when asked.
    const all = structured<{ activities: unknown[] }>(await call('list_activities', { from, to, fields: 'all' }));
    expect(all.activities).toEqual(world.companion.data.activities({ from, to, limit: 25 }).data);
  });

  it('details every activity in at most 4 KB by default, and adds the series over distance only when asked', async () => {
    const activities = world.companion.data.activities({ from: addDays(today(), -89), to: today() }).data;
    let largest = 0;
    for (const a of activities) largest = Math.max(largest, bytes(await call('get_activity_details', { id: a.summary_id })));
    sizes['get_activity_details, largest of 90 days'] = largest;
    expect(largest).toBeLessThanOrEqual(4 * KB);

    const run = activities.find((a) => a.type === 'RUNNING' && world.companion.data.activity(a.summary_id).data.has_details)!;
    const full = world.companion.data.activity(run.summary_id, { maxPoints: 120 }).data;
    type Table = { columns: string[]; rows: unknown[][] };
    const plain = structured<{ activity: { splits: Table; laps: Table | null; series: Table | null } }>(await call('get_activity_details', { id: run.summary_id }));
    expect(plain.activity.series).toBeNull();
    // The splits table: the HTTP answer's split objects, to the whole second, metre and beat.
    const round = (v: unknown) => (typeof v === 'number' ? Math.round(v) : v);
    expect(plain.activity.splits.columns).toEqual(['index', 'distance_m', 'moving_s', 'pace_s', 'avg_hr', 'max_hr', 'elevation_gain_m']);
    expect(plain.activity.splits.rows).toEqual(full.splits.map((s) => plain.activity.splits.columns.map((c) => round(s[c as keyof typeof s]))));
    const withSeries = structured<{ activity: { series: Table } }>(await call('get_activity_details', { id: run.summary_id, series_points: 120 }));
    expect(withSeries.activity.series.columns).toEqual(['elapsed_s', 'distance_m', 'pace_s', 'hr', 'elevation_m']);
    expect(withSeries.activity.series.rows).toEqual(full.series.map((p) => [p.elapsed_s, p.distance_m, p.pace_s, p.hr, p.elevation_m].map(round)));
    // Every lap and figure unrounded, as the HTTP API answers, when asked.
    const all = structured<{ activity: unknown }>(await call('get_activity_details', { id: run.summary_id, series_points: 120, fields: 'all' }));
    expect(all.activity).toEqual(full);

    // Automatic laps (the watch's, at the split distance) would only repeat the splits: null unless asked.
    const ride = activities.find((a) => {
      const d = world.companion.data.activity(a.summary_id).data;
      return d.laps.length > 3 && d.laps.slice(0, -1).every((l) => Math.abs(l.distance_m - 1000) <= 50);
    });
    expect(ride, 'the simulator records rides with automatic 1 km laps').toBeDefined();
    expect(structured<{ activity: { laps: unknown } }>(await call('get_activity_details', { id: ride!.summary_id })).activity.laps).toBeNull();
    expect(structured<{ activity: { laps: unknown[] } }>(await call('get_activity_details', { id: ride!.summary_id, fields: 'all' })).activity.laps.length).toBeGreaterThan(3);
  });

  it('pages the days of a long range, and gives every field when asked', async () => {
    const to = today();
    const from = addDays(to, -89);
    const days: string[] = [];
    let answer = structured<{ days: Array<{ calendar_date: string }>; next_cursor: string | null }>(await call('get_daily_summaries', { from, to }));
    sizes['get_daily_summaries, first page of 90 days'] = bytes(answer);
    days.push(...answer.days.map((d) => d.calendar_date));
    while (answer.next_cursor) {
      answer = structured(await call('get_daily_summaries', { cursor: answer.next_cursor }));
      days.push(...answer.days.map((d) => d.calendar_date));
    }
    expect(days).toEqual(world.companion.data.dailies({ from, to }).data.map((d) => d.calendar_date));
    const all = structured<{ days: unknown[] }>(await call('get_daily_summaries', { fields: 'all', limit: 7 }));
    expect(all.days).toEqual(world.companion.data.dailies({ from: addDays(to, -27), to }).data.slice(0, 7));
    const trends = structured<{ trends: { hrv: Array<Record<string, unknown>> } }>(await call('get_trends', { fields: 'all' }));
    expect(trends.trends).toEqual(world.companion.data.trends({ from: addDays(to, -27), to }).data);
    sizes['get_trends, fields all'] = bytes(trends);
    // Its summary in words a runner would use: HRV within (or below, above) its baseline, never "balanced its baseline".
    const summary = await call('get_trends');
    const words = summary.content[0]!.type === 'text' ? summary.content[0]!.text : '';
    expect(words).toMatch(/: HRV (within|below|above) its baseline on \d{4}-\d\d-\d\d/);
    expect(words).not.toContain('balanced its baseline');

    // A cursor stands for its question: given with a range, or made up, it is refused in words.
    const refused = (await client.callTool({ name: 'get_sleep', arguments: { cursor: 'bm9wZQ', from } })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(refused.content[0]).toMatchObject({ text: expect.stringContaining('cursor carries the question it continues: give it without from') });
    const madeUp = (await client.callTool({ name: 'get_sleep', arguments: { cursor: 'bm9wZQ' } })) as CallToolResult;
    expect(madeUp.content[0]).toMatchObject({ text: expect.stringContaining('cursor is not a next_cursor this tool gave') });
  });
});
