import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ProgressNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentService } from '../../src-main/core/companion.js';
import { localDate } from '../../src-common/dates.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CLI, readJsonLines, ROOT, runCli, secretsIn, startSimulator, tempDir } from '../support/harness.js';
import { startAgentServer } from '../../src-main/core/agent/agent-server.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

const DAY_MS = 86_400_000;
const TOOL_NAMES = [
  'get_status',
  'list_activities',
  'get_weekly_summary',
  'get_daily_summaries',
  'get_sleep',
  'get_hrv',
  'get_activity_details',
  'get_training_load',
  'get_personal_records',
  'get_trends',
  'get_health_metrics',
  'get_intraday_activity',
  'sync_now',
  'propose_workout',
  'list_workouts',
  'get_workout',
];
/** The tools that write (every other one only reads). */
const WRITING_TOOLS = ['sync_now', 'propose_workout'];

let sim: GarminSimulator | undefined;
let world: CoreWorld | undefined;
const clients: Client[] = [];
let service: AgentService | undefined;

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
  await service?.stop();
  service = undefined;
  await world?.cleanup();
  world = undefined;
  await sim?.stop();
  sim = undefined;
});

/** A linked runner with `days` days of synced data. */
async function linkedWorld(days = 21): Promise<CoreWorld> {
  sim = await startSimulator();
  sim.dataNow = () => Math.floor(Date.now() / 1000);
  world = makeCoreWorld(sim);
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  expect((await world.companion.sync({ days })).outcome).toBe('completed');
  return world;
}

/** The real CLI's `mcp` in a child process, driven by the SDK's own client, as an MCP client would start it. */
async function stdioClient(env: NodeJS.ProcessEnv, launch: { command: string; args: string[]; cwd?: string } = { command: process.execPath, args: ['--import', 'tsx', CLI, 'mcp'], cwd: ROOT }) {
  const transport = new StdioClientTransport({ ...launch, env: env as Record<string, string>, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'r42-test-agent', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  // Progress as the server sent it, in order. The SDK's client runs a notification's handler a
  // microtask after reading it but drops a request's progress handler as soon as its answer is
  // read, so a last progress read together with the answer never reaches `onprogress`.
  const progressSent: Array<{ progress: number; total?: number }> = [];
  const deliver = transport.onmessage;
  transport.onmessage = (message) => {
    const progress = ProgressNotificationSchema.safeParse(message);
    if (progress.success) progressSent.push(progress.data.params);
    deliver?.(message);
  };
  const answers: string[] = [];
  const call = async (name: string, args: Record<string, unknown> = {}, options?: Parameters<Client['callTool']>[2]) => {
    const result = (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
    answers.push(JSON.stringify(result));
    return result;
  };
  return { client, call, answers, progressSent, stderr: () => stderr };
}

const text = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('MCP over stdio (r42-companion mcp)', () => {
  it('lists sixteen tools, each with a description for a model, an input schema that refuses unknown arguments, and an output schema', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    const { client } = await stdioClient(world.env);
    expect(client.getServerVersion()).toMatchObject({ name: 'r42-companion' });
    expect(client.getInstructions()).toContain('local calendar dates');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(200);
      expect(tool.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(tool.outputSchema, tool.name).toMatchObject({ type: 'object' });
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(!WRITING_TOOLS.includes(tool.name));
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName.list_activities!.inputSchema.properties!)).toEqual(['from', 'to', 'type', 'limit', 'cursor', 'fields']);
    expect(Object.keys(byName.get_weekly_summary!.inputSchema.properties!)).toEqual(['weeks', 'fields']);
    for (const name of ['get_daily_summaries', 'get_sleep', 'get_hrv']) expect(Object.keys(byName[name]!.inputSchema.properties!)).toEqual(['from', 'to', 'limit', 'cursor', 'fields']);
    expect(Object.keys(byName.get_training_load!.inputSchema.properties!)).toEqual(['from', 'to']);
    expect(Object.keys(byName.get_trends!.inputSchema.properties!)).toEqual(['from', 'to', 'fields']);
    expect(Object.keys(byName.get_activity_details!.inputSchema.properties!)).toEqual(['id', 'unit', 'series_points', 'fields']);
    expect(byName.get_activity_details!.inputSchema.required).toEqual(['id']);
    // Output schemas name each field of the answer; what they hold is in the description.
    for (const name of TOOL_NAMES.filter((n) => n !== 'get_status' && !WRITING_TOOLS.includes(n))) {
      expect(Object.keys(byName[name]!.outputSchema!.properties!), name).toEqual(expect.arrayContaining(['last_sync_at', 'stale']));
    }
    expect(byName.list_activities!.outputSchema).toEqual({ type: 'object', properties: { from: {}, to: {}, type: {}, activities: {}, next_cursor: {}, last_sync_at: {}, stale: {} } });
  });

  it('answers every tool from the synced data (structuredContent and a short text, last_sync_at and stale), reports sync progress, audits each call, and no answer holds a Garmin token', async () => {
    const w = await linkedWorld();
    const liveToken = (await w.companion.getAccessToken()).accessToken;
    const mcp = await stdioClient(w.env);
    const today = localDate(Date.now());
    const from = localDate(Date.now() - 20 * DAY_MS);

    const status = await mcp.call('get_status');
    expect(status.isError).toBeFalsy();
    expect(status.structuredContent).toMatchObject({ state: 'connected', garmin_user_id: sim!.userId, stale: false, not_shared: [] });
    expect(text(status)).toMatch(/^Garmin linked \(user /);

    // `running` is the family (every kind of run); `road_running`-style names are Garmin types, upper-cased.
    const activities = await mcp.call('list_activities', { from, to: today, type: 'running', limit: 3 });
    const expected = w.companion.data.activities({ from, to: today, type: 'running' });
    expect(expected.data.length).toBeGreaterThan(3);
    // The fields a coach reads, by default.
    const coach = (a: (typeof expected.data)[number]) => ({
      summary_id: a.summary_id,
      local_date: a.local_date,
      type: a.type,
      name: a.name,
      duration_s: a.duration_s,
      distance_m: a.distance_m,
      avg_pace_s_per_km: a.avg_pace_s_per_km,
      avg_hr: a.avg_hr,
      max_hr: a.max_hr,
      elevation_gain_m: a.elevation_gain_m,
    });
    expect(activities.structuredContent).toEqual({
      from,
      to: today,
      type: 'running',
      activities: expected.data.slice(0, 3).map(coach),
      next_cursor: expect.any(String),
      last_sync_at: expected.last_sync_at,
      stale: false,
    });
    // One short text: what the answer holds, and that there is more.
    expect(activities.content).toHaveLength(1);
    expect(text(activities)).toMatch(new RegExp(`^3 running activities from ${from} to ${today}, newest first, 3 of them runs \\(\\d+\\.\\d km\\); more: call again with cursor = next_cursor; last sync `));
    const exact = await mcp.call('list_activities', { from, to: today, type: 'trail_running' });
    expect((exact.structuredContent as { type: string; activities: Array<{ type: string }> }).activities.every((a) => a.type === 'TRAIL_RUNNING')).toBe(true);

    const weekly = await mcp.call('get_weekly_summary', { weeks: 4, fields: 'all' });
    expect((weekly.structuredContent as { weeks: unknown[] }).weeks).toEqual(w.companion.data.weekly(4).data);

    const dailies = await mcp.call('get_daily_summaries', { from, to: today, fields: 'all' });
    expect((dailies.structuredContent as { days: unknown[] }).days).toEqual(w.companion.data.dailies({ from, to: today }).data);
    const sleeps = await mcp.call('get_sleep', { from, to: today });
    expect((sleeps.structuredContent as { nights: unknown[] }).nights).toEqual(
      w.companion.data.sleeps({ from, to: today }).data.map(({ summary_id: _id, start_time: _start, ...night }) => night),
    );
    const hrv = await mcp.call('get_hrv', { from, to: today });
    const hrvRows = (hrv.structuredContent as { nights: Array<{ last_night_avg_ms: number }> }).nights;
    expect(hrvRows.length).toBeGreaterThanOrEqual(19);
    expect(hrvRows).toEqual(w.companion.data.hrv({ from, to: today }).data.map(({ summary_id: _id, ...night }) => night));
    // Defaults: the last 28 days up to today.
    expect(await mcp.call('get_hrv')).toMatchObject({ structuredContent: { from: localDate(Date.now() - 27 * DAY_MS), to: today } });

    // The coaching figures, computed from the stored samples (coaching-surfaces.test.ts checks them in depth).
    const run = expected.data.find((a) => w.companion.data.activity(a.summary_id).data.has_details)!;
    const details = await mcp.call('get_activity_details', { id: run.summary_id, series_points: 40, fields: 'all' });
    expect(details.structuredContent).toMatchObject({ activity: w.companion.data.activity(run.summary_id, { maxPoints: 40 }).data, stale: false });
    expect((await mcp.call('get_training_load', { from, to: today })).structuredContent).toMatchObject({ load: w.companion.data.trainingLoad({ from, to: today }).data });
    expect((await mcp.call('get_personal_records')).structuredContent).toMatchObject({ records: w.companion.data.records().data });
    expect((await mcp.call('get_trends', { from, to: today, fields: 'all' })).structuredContent).toMatchObject({ trends: w.companion.data.trends({ from, to: today }).data });
    // What Garmin measured (the simulator's Monday snapshots, Saturday blood pressure, nightly skin temperature) and the day in epochs.
    const health = await mcp.call('get_health_metrics', { from, to: today });
    expect(health.structuredContent).toMatchObject({ health: w.companion.data.health({ from, to: today }).data, stale: false });
    expect((health.structuredContent as { health: { skin_temperature: unknown[] } }).health.skin_temperature.length).toBeGreaterThanOrEqual(19);
    const yesterday = localDate(Date.now() - DAY_MS);
    const intraday = (await mcp.call('get_intraday_activity', { from: yesterday, to: yesterday })).structuredContent as { days: Array<{ date: string; steps: number; hourly_steps: number[] }> };
    const epochs = w.companion.data.epochs({ from: yesterday, to: yesterday }).data;
    expect(intraday.days).toHaveLength(1);
    expect(intraday.days[0]!.steps).toBe(epochs.reduce((n, e) => n + (e.steps ?? 0), 0));
    expect(intraday.days[0]!.hourly_steps).toHaveLength(24);

    // The sync reports progress (windows done of total) to a client that asks for it.
    const synced = await mcp.call('sync_now', {}, { onprogress: () => undefined });
    const progress = mcp.progressSent;
    expect(synced.isError).toBeFalsy();
    expect(synced.structuredContent).toMatchObject({ outcome: 'completed', not_shared: [], stale: false });
    expect((synced.structuredContent as { windows: number }).windows).toBeGreaterThan(0);
    expect(synced.structuredContent).toHaveProperty('last_sync_at', w.companion.status().sync.lastSyncAt);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ progress: (synced.structuredContent as { windows: number }).windows, total: (synced.structuredContent as { windows: number }).windows });

    // The token Garmin issued (and every other the simulator ever issued) appears in no answer and nowhere on stderr.
    expect(mcp.answers.length).toBe(15);
    for (const answer of [...mcp.answers, mcp.stderr()]) expect(secretsIn(answer, [liveToken, ...sim!.issuedSecrets])).toEqual([]);

    await mcp.client.close();
    // One audit row per tool and client per minute (the run is well inside one or two minutes), with the client's name and the grant.
    const rows = w.companion.auditLog(100).filter((e) => e.event === 'mcp.tool_called');
    const calls = Object.fromEntries(TOOL_NAMES.map((tool) => [tool, rows.filter((r) => r.detail.tool === tool).reduce((n, r) => n + (r.detail.count as number), 0)]));
    expect(calls).toEqual({
      get_status: 1,
      list_activities: 2,
      get_weekly_summary: 1,
      get_daily_summaries: 1,
      get_sleep: 1,
      get_hrv: 2,
      get_activity_details: 1,
      get_training_load: 1,
      get_personal_records: 1,
      get_trends: 1,
      get_health_metrics: 1,
      get_intraday_activity: 1,
      sync_now: 1,
      propose_workout: 0,
      list_workouts: 0,
      get_workout: 0,
    });
    for (const row of rows) expect(row.detail).toMatchObject({ client: 'r42-test-agent', grant: 'runner', transport: 'stdio', errors: 0 });
    expect(rows.length).toBeLessThanOrEqual(2 * TOOL_NAMES.length);
  }, 60_000);

  it('answers bad arguments with a tool error that says what is wrong, and keeps serving', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    const mcp = await stdioClient(world.env);
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['list_activities', { from: '2026-02-30' }, 'from must be a real calendar date written YYYY-MM-DD, like 2026-11-23.'],
      ['list_activities', { from: '2026-05-01', to: '2026-04-01' }, 'from must be on or before to (2026-04-01), but is 2026-05-01.'],
      ['list_activities', { type: 'run ning' }, 'type must be running, cycling, swimming or walking (a family), or one Garmin activity type such as TRAIL_RUNNING.'],
      ['list_activities', { limit: 0 }, 'limit must be from 1 to 200.'],
      ['list_activities', { cursor: 'not-ours' }, 'cursor is not a next_cursor this tool gave'],
      ['get_activity_details', { id: 'x', max_points: 40 }, 'get_activity_details has no argument "max_points": it takes id, unit, series_points, fields.'],
      ['get_sleep', { fields: 'everything' }, 'fields must be coach or all.'],
      ['list_activities', { limit: '10' }, 'limit must be a number.'],
      ['get_weekly_summary', { weeks: 521 }, 'weeks must be from 1 to 520.'],
      ['get_weekly_summary', { weeks: 1.5 }, 'weeks must be a whole number.'],
      ['get_daily_summaries', { to: 20260401 }, 'to must be text.'],
      ['get_sleep', { from: '9999-12-31' }, 'from must be on or before to'],
      ['get_hrv', { start_date: '2026-04-01' }, 'get_hrv has no argument "start_date": it takes from, to, limit, cursor, fields.'],
      ['get_status', { verbose: true }, 'get_status has no argument "verbose": it takes no arguments.'],
      ['delete_everything', {}, 'There is no tool "delete_everything"'],
    ];
    for (const [tool, args, message] of cases) {
      const result = await mcp.call(tool, args);
      expect({ tool, args, isError: result.isError }).toEqual({ tool, args, isError: true });
      expect(text(result)).toContain(message);
      expect(text(result)).toContain('[bad_request]');
    }
    expect((await mcp.call('get_status')).isError).toBeFalsy();
    await mcp.client.close();
    const rows = world.companion.auditLog(100).filter((e) => e.event === 'mcp.tool_called');
    expect(rows.reduce((n, r) => n + (r.detail.errors as number), 0)).toBe(cases.length);
    // An invented tool name is counted under one name, so made-up names cannot multiply audit rows.
    expect(rows.map((r) => r.detail.tool)).toContain('unknown_tool');
    expect(rows.map((r) => r.detail.tool)).not.toContain('delete_everything');
  });

  it('works with the network gone and no `serve` running: data from the local database, sync_now a clear tool error', async () => {
    const w = await linkedWorld(14);
    const liveToken = (await w.companion.getAccessToken()).accessToken;
    const issued = [...sim!.issuedSecrets];
    await sim!.stop(); // Garmin (and the network to it) is gone
    sim = undefined;
    expect(existsSync(path.join(w.home, 'agent.json'))).toBe(false);
    const mcp = await stdioClient(w.env);
    const activities = await mcp.call('list_activities');
    expect(activities.isError).toBeFalsy();
    expect((activities.structuredContent as { activities: unknown[] }).activities.length).toBeGreaterThan(3);
    expect(activities.structuredContent).toMatchObject({ stale: false });
    expect((await mcp.call('get_weekly_summary', { weeks: 3 })).isError).toBeFalsy();
    expect((await mcp.call('get_status')).structuredContent).toMatchObject({ state: 'connected', stale: false });
    const sync = await mcp.call('sync_now');
    expect(sync.isError).toBe(true);
    expect(text(sync)).toMatch(/^Garmin could not be reached .*what is already stored is still served.* \[garmin_unreachable\]$/);
    for (const answer of [...mcp.answers, mcp.stderr()]) expect(secretsIn(answer, [liveToken, ...issued])).toEqual([]);
  }, 60_000);

  it('writes nothing but JSON-RPC to stdout, even when it warns (stderr) about plain-http Garmin URLs', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'mcp'], { cwd: ROOT, env: world.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const send = (message: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    send({ id: 3, method: 'tools/call', params: { name: 'get_weekly_summary', arguments: { weeks: 2 } } });
    await expect.poll(() => stdout.split('\n').filter(Boolean).length, { timeout: 20_000 }).toBe(3);
    child.stdin.end(); // how a client stops a stdio server
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { jsonrpc: string; id: number });
    expect(lines.map((l) => [l.jsonrpc, l.id])).toEqual([['2.0', 1], ['2.0', 2], ['2.0', 3]]);
    expect(stderr).toContain('INSECURE');
  });
});

describe('r42-companion mcp config', () => {
  it('prints a snippet with absolute paths and the keychain\'s session bus that starts the server from any folder with a client\'s minimal environment (sync_now included), and no secret', async () => {
    const w = await linkedWorld(3);
    const result = await runCli(['mcp', 'config', '--client', 'claude-desktop'], w.env);
    expect(result.code).toBe(0);
    const snippet = JSON.parse(result.stdout) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
    const entry = snippet.mcpServers['r42-companion']!;
    expect(path.isAbsolute(entry.command)).toBe(true);
    expect(entry.args.at(-1)).toBe('mcp');
    expect(entry.args.at(-2)).toBe(CLI);
    expect(entry.env).toMatchObject({ R42_HOME: w.home, R42_KEYCHAIN_SERVICE: w.keychainService, GARMIN_CLIENT_ID: w.env.GARMIN_CLIENT_ID });
    expect(result.stdout).not.toContain(w.env.GARMIN_CLIENT_SECRET!);
    expect(result.stderr).toMatch(/claude_desktop_config\.json/);

    // The keychain's session bus: this test's private one is not where the server would look by itself.
    expect(w.env.DBUS_SESSION_BUS_ADDRESS).toMatch(/^unix:/);
    expect(entry.env.DBUS_SESSION_BUS_ADDRESS).toBe(w.env.DBUS_SESSION_BUS_ADDRESS);

    // Started exactly as Claude Desktop or the MCP Inspector would: its own folder, no usable PATH,
    // only the snippet's environment over the few variables a client passes on (HOME, USER, SHELL …).
    const elsewhere = tempDir('r42-client-');
    const mcp = await stdioClient({ ...entry.env, PATH: '/nonexistent' }, { command: entry.command, args: entry.args, cwd: elsewhere });
    const status = await mcp.call('get_status');
    expect(status.structuredContent).toMatchObject({ state: 'connected', garmin_user_id: sim!.userId });
    // sync_now needs the token from the keychain.
    const synced = await mcp.call('sync_now');
    expect(text(synced)).not.toContain('keychain');
    expect(synced.isError).toBeFalsy();
    expect(synced.structuredContent).toMatchObject({ outcome: 'completed', stale: false });
    await mcp.client.close();
    rmSync(elsewhere, { recursive: true, force: true });

    for (const client of ['cursor', 'claude-code']) {
      const other = await runCli(['mcp', 'config', '--client', client], w.env);
      expect(other.code).toBe(0);
      expect(other.stdout).toContain(CLI);
      expect(other.stdout).not.toContain(w.env.GARMIN_CLIENT_SECRET!);
    }
    const code = await runCli(['mcp', 'config', '--client', 'claude-code'], w.env);
    expect(code.stdout).toMatch(/^claude mcp add --transport stdio --scope user r42-companion --env R42_HOME=\S+ .* -- \S+ /);
    expect(code.stderr).toContain('Claude Code');
    const bad = await runCli(['mcp', 'config', '--client', 'vscode'], w.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--client must be one of claude-desktop, claude-code, cursor.');
  }, 60_000);
});

/** A raw HTTP request to the endpoint, with full control over the headers (fetch would add or refuse some). */
function raw(url: string, headers: Record<string, string>, body = '', method = 'POST'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, setHost: !('host' in headers) }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('MCP over HTTP (POST /mcp on the agent endpoint)', () => {
  it('serves the same tools to the SDK client with a grant (stateless), audits each call under the grant, and never returns a token', async () => {
    const w = await linkedWorld(14);
    const liveToken = (await w.companion.getAccessToken()).accessToken;
    service = await w.companion.serveAgents({ syncOnStart: false });
    const { secret } = w.companion.agents.add('coach-http');
    const transport = new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${secret}` } } });
    const client = new Client({ name: 'http-coach', version: '2.0.0' });
    await client.connect(transport);
    clients.push(client);
    expect(transport.sessionId).toBeUndefined(); // stateless
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    const answers: string[] = [];
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      answers.push(JSON.stringify(result));
      return result;
    };
    const today = localDate(Date.now());
    const from = localDate(Date.now() - 13 * DAY_MS);
    expect((await call('get_status')).structuredContent).toMatchObject({ state: 'connected', stale: false });
    expect((await call('list_activities', { from, to: today, fields: 'all' })).structuredContent).toMatchObject({ activities: w.companion.data.activities({ from, to: today, limit: 25 }).data });
    expect((await call('get_weekly_summary', { weeks: 2 })).isError).toBeFalsy();
    expect((await call('get_daily_summaries', { from, to: today })).isError).toBeFalsy();
    expect((await call('get_sleep', { from, to: today })).isError).toBeFalsy();
    expect((await call('get_hrv', { from, to: today, fields: 'all' })).structuredContent).toMatchObject({ nights: w.companion.data.hrv({ from, to: today }).data });
    expect((await call('sync_now')).structuredContent).toMatchObject({ outcome: 'completed' });
    const bad = await call('get_weekly_summary', { weeks: 0 });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('weeks must be from 1 to 520. [bad_request]');
    for (const answer of answers) expect(secretsIn(answer, [liveToken, ...sim!.issuedSecrets])).toEqual([]);

    await service.stop(); // flushes the counts
    service = undefined;
    const rows = w.companion.auditLog(200).filter((e) => e.event === 'mcp.tool_called');
    expect(rows.reduce((n, r) => n + (r.detail.count as number), 0)).toBe(8);
    for (const row of rows) expect(row.detail).toMatchObject({ client: 'http-coach', grant: 'coach-http', transport: 'http' });
    expect(w.companion.agents.list().find((g) => g.name === 'coach-http')!.useCount).toBe(8);
  }, 60_000);

  it('refuses without a grant (401), from a web page (403), for a foreign Host (403), other methods (405) and bodies over 1 MiB (413), and audits the refusals', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    service = await world.companion.serveAgents({ syncOnStart: false });
    const { token } = JSON.parse(readFileSync(path.join(world.home, 'agent.json'), 'utf8')) as { token: string };
    const port = new URL(service.url).port;
    const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const url = `${service.url}/mcp`;

    const ok = await raw(url, { ...mcpHeaders, authorization: `Bearer ${token}` }, list);
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as { result: { tools: unknown[] } }).result.tools).toHaveLength(TOOL_NAMES.length);
    expect(ok.headers['access-control-allow-origin']).toBeUndefined();

    const none = await raw(url, mcpHeaders, list);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect((await raw(url, { ...mcpHeaders, authorization: 'Bearer r42a_not-a-grant' }, list)).status).toBe(401);
    world.companion.agents.add('gone');
    const revoked = world.companion.agents.add('revoked-later');
    world.companion.agents.revoke('revoked-later');
    expect((await raw(url, { ...mcpHeaders, authorization: `Bearer ${revoked.secret}` }, list)).status).toBe(401);

    const origin = await raw(url, { ...mcpHeaders, authorization: `Bearer ${token}`, origin: 'https://evil.example' }, list);
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.body)).toMatchObject({ error: { code: 'forbidden_origin' } });
    const host = await raw(url, { ...mcpHeaders, authorization: `Bearer ${token}`, host: `evil.example:${port}` }, list);
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body)).toMatchObject({ error: { code: 'forbidden_host' } });

    const get = await raw(url, { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, '', 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await raw(`${service.url}/v1/token`, { ...mcpHeaders, authorization: `Bearer ${token}` }, list)).status).toBe(413); // bodies stay refused elsewhere

    const big = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { pad: 'x'.repeat(1024 * 1024) } } });
    const tooBig = await raw(url, { ...mcpHeaders, authorization: `Bearer ${token}` }, big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.connection).toBe('close');

    // The endpoint still serves afterwards.
    expect((await raw(url, { ...mcpHeaders, authorization: `Bearer ${token}` }, list)).status).toBe(200);
    await service.stop();
    service = undefined;
    const refusals = world.companion.auditLog(200).filter((e) => e.event === 'agent.request_refused');
    const reasons = Object.fromEntries(refusals.map((r) => [r.detail.reason, r.detail.count]));
    expect(reasons).toMatchObject({ unauthorized: 3, forbidden_origin: 1, forbidden_host: 1, method_not_allowed: 1, payload_too_large: 2 });
  });
});

/** `{"a":{"a":…1}}` nested `depth` levels, as JSON text (a test's own JSON.stringify would overflow): about 24 KB at 4,111 levels. */
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('deep JSON at POST /mcp (issue 23, finding 5)', () => {
  it('a tools/call with arguments nested 4,111 deep is a 400 naming the limit, never a silent 500; shallow nesting is a tool error; the endpoint keeps serving', async () => {
    sim = await startSimulator();
    world = makeCoreWorld(sim);
    service = await world.companion.serveAgents({ syncOnStart: false });
    const { token } = JSON.parse(readFileSync(path.join(world.home, 'agent.json'), 'utf8')) as { token: string };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` };
    const url = `${service.url}/mcp`;
    const call = (args: string) => `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_status","arguments":${args}}}`;

    // The cached read-only path (get_status is read-only: its answer is kept under a key of its arguments).
    // 4,111 levels as in the finding (a 500 in `serve`, whose stack is smaller than a test worker's), and 20,000 that overflow any stack.
    for (const depth of [4_111, 20_000]) {
      const deep = await raw(url, headers, call(`{"deep":${nested(depth)}}`));
      expect({ depth, status: deep.status }).toEqual({ depth, status: 400 });
      expect(JSON.parse(deep.body)).toEqual({ error: { code: 'bad_request', message: 'The JSON nests arrays and objects more than 64 levels deep; at most 64 are accepted.' } });
    }
    // The SDK's path (initialize is answered by its transport) and a deep array.
    const arrays = `{"jsonrpc":"2.0","id":8,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"},"pad":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`;
    const viaSdk = await raw(url, headers, arrays);
    expect(viaSdk.status).toBe(400);
    expect(viaSdk.body).toContain('at most 64');
    // Brackets inside strings do not count.
    const inAString = await raw(url, headers, call(JSON.stringify({ note: '['.repeat(10_000) })));
    expect(inAString.status).toBe(200);
    expect(inAString.body).toContain('get_status has no argument');
    // Nesting within the limit reaches the tool, which says what is wrong.
    const shallow = await raw(url, headers, call(`{"deep":${nested(40)}}`));
    expect(shallow.status).toBe(200);
    expect(shallow.body).toContain('get_status has no argument \\"deep\\"');

    const ok = await raw(url, headers, call('{}'));
    expect(ok.status).toBe(200);
    const log = readJsonLines<{ event: string }>(world.companion.config.paths.logFile);
    expect(log.filter((l) => l.event === 'agent.internal_error')).toEqual([]);
    await service.stop();
    service = undefined;
    const refusals = world.companion.auditLog(200).filter((e) => e.event === 'agent.request_refused');
    expect(Object.fromEntries(refusals.map((r) => [r.detail.reason, r.detail.count]))).toMatchObject({ bad_request: 3 });
  });

  it('every 500 of the endpoint is logged (name and code, never the message)', async () => {
    const lines: Array<{ level: string; event: string; fields: Record<string, unknown> }> = [];
    const logger = { log: (level: string, event: string, fields: Record<string, unknown> = {}) => void lines.push({ level, event, fields }) };
    const grant = { id: 'g', name: 'coach', kind: 'named' as const };
    const server = await startAgentServer(
      {
        authenticate: () => grant,
        issueToken: () => Promise.reject(new TypeError('secret-looking message r42a_abc')),
        status: () => ({}),
        recordRefusal: () => undefined,
        mcp: () => Promise.reject(new RangeError('boom')),
        mcpDirect: () => Promise.reject(new RangeError('Maximum call stack size exceeded')),
      },
      { port: 0, logger: logger as never },
    );
    try {
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer r42a_x' };
      const mcp = await raw(`${server.url}/mcp`, headers, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
      expect(mcp.status).toBe(500);
      const token = await raw(`${server.url}/v1/token`, { authorization: 'Bearer r42a_x' }, '', 'GET');
      expect(token.status).toBe(500);
      expect(lines.filter((l) => l.event === 'agent.internal_error').map((l) => l.fields)).toEqual([
        { path: '/mcp', name: 'RangeError' },
        { path: '/v1/token', name: 'TypeError' },
      ]);
      expect(JSON.stringify(lines)).not.toContain('r42a_abc');
    } finally {
      await server.close();
    }
  });
});

