import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../src-common/dates.js';
import { parseWorkout, type Workout } from '../../src-common/workout.js';
import { decisionAnswer, proposalAnswer, WORKOUT_STATUS_FILTERS, workoutAnswer, workoutsAnswer } from '../../src-common/workout-contract.js';
import type { AgentService } from '../../src-main/core/companion.js';
import { trainingApiWorkout } from '../../src-main/core/workouts/garmin-workout.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';
import { CLI, ROOT, runCli, secretsIn, startSimulator } from '../support/harness.js';
import { intervalsOn } from '../support/workouts.js';

let sim: GarminSimulator | undefined;
let world: CoreWorld | undefined;
let service: AgentService | undefined;
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
  await service?.stop();
  service = undefined;
  await world?.cleanup();
  world = undefined;
  await sim?.stop();
  sim = undefined;
});

async function linkedWorld(): Promise<{ sim: GarminSimulator; world: CoreWorld }> {
  sim = await startSimulator({ permissions: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT', 'WORKOUT_IMPORT'] });
  world = makeCoreWorld(sim);
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  return { sim, world };
}

const text = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('agents propose, only the runner approves', () => {
  it('propose over MCP (the SDK client with a grant) → nothing reaches Garmin → an agent cannot approve (403) → the CLI approves → one workout and one schedule at Garmin → reject removes both', async () => {
    const { sim, world } = await linkedWorld();
    service = await world.companion.serveAgents({ syncOnStart: false });
    const { secret } = world.companion.agents.add('coach');
    const transport = new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${secret}` } } });
    const client = new Client({ name: 'coach-gpt', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;

    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.propose_workout!.annotations?.readOnlyHint).toBe(false);
    expect(byName.list_workouts!.annotations?.readOnlyHint).toBe(true);
    expect(Object.keys(byName.propose_workout!.inputSchema.properties!)).toEqual(['name', 'sport', 'date', 'notes', 'steps']);
    expect(byName.propose_workout!.description).toContain('you cannot');
    expect(tools.map((t) => t.name)).not.toContain('approve_workout');

    // A mistake is answered in words that name its place, and stores nothing.
    const date = addDays(localDate(Date.now()), 3);
    const backwards = structuredClone(intervalsOn(date)) as unknown as { steps: Array<{ steps?: Array<{ target?: unknown }> }> };
    backwards.steps[1]!.steps![0]!.target = { type: 'pace', fast_s_per_km: 250, slow_s_per_km: 240 };
    const refused = await call('propose_workout', backwards as unknown as Record<string, unknown>);
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('steps[1].steps[0].target: the pace range is backwards');
    expect(text(refused)).toContain('[bad_request]');

    const proposed = await call('propose_workout', intervalsOn(date));
    expect(proposed.isError).toBeFalsy();
    const proposal = proposalAnswer.parse(proposed.structuredContent);
    expect(proposal.status).toBe('awaiting_approval');
    expect(proposal.summary).toContain('6 × (Interval: 800 m at 3:55–4:05/km; Recovery: 1:30)');
    expect(text(proposed)).toContain("it waits for the runner's approval");
    expect(text(proposed).length).toBeLessThan(400);

    // Nothing reaches Garmin before the runner decides.
    expect(sim.training.requests).toEqual([]);
    const listed = await call('list_workouts');
    expect(listed.structuredContent).toMatchObject({ workouts: [{ id: proposal.id, status: 'awaiting_approval', proposed_by: 'coach-gpt', steps: 5 }] });

    // The same over the agent endpoint's HTTP routes.
    const get = async (target: string) => {
      const res = await fetch(`${service!.url}${target}`, { headers: { authorization: `Bearer ${secret}` } });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const post = async (target: string, body: unknown, bearer = secret, contentType = 'application/json') => {
      const res = await fetch(`${service!.url}${target}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
    };
    const list = await get('/v1/workouts?status=awaiting_approval');
    expect(list.status).toBe(200);
    expect(workoutsAnswer.parse(list.body).data.map((w) => w.id)).toEqual([proposal.id]);
    // Every status word the HTTP route takes, list_workouts takes too, with the same workouts (`proposed` is awaiting_approval).
    for (const status of WORKOUT_STATUS_FILTERS) {
      const byTool = await call('list_workouts', { status });
      expect({ status, error: byTool.isError ?? false }).toEqual({ status, error: false });
      const toolIds = (byTool.structuredContent as { workouts: Array<{ id: string }> }).workouts.map((w) => w.id);
      const httpIds = workoutsAnswer.parse((await get(`/v1/workouts?status=${status}`)).body).data.map((w) => w.id);
      expect({ status, ids: toolIds }).toEqual({ status, ids: httpIds });
    }
    expect((await call('list_workouts', { status: 'proposed' })).structuredContent).toMatchObject({ workouts: [{ id: proposal.id }] });
    // A word neither takes, refused by both in the same words.
    const badTool = await call('list_workouts', { status: 'pending' });
    const badHttp = await get('/v1/workouts?status=pending');
    expect(badTool.isError).toBe(true);
    expect(badHttp.status).toBe(400);
    expect(text(badTool)).toContain('must be one of awaiting_approval');
    expect((badHttp.body as { error: { message: string } }).error.message).toContain('must be one of awaiting_approval');
    expect(workoutAnswer.parse((await get(`/v1/workouts/${proposal.id}`)).body).data).toMatchObject({ status: 'awaiting_approval', proposed_by: { agent: 'coach-gpt', grant: 'coach' } });

    // No grant can approve or reject: not a named one, not the endpoint's owner.
    const owner = (JSON.parse(readFileSync(path.join(world.home, 'agent.json'), 'utf8')) as { token: string }).token;
    for (const [target, bearer] of [
      [`/v1/workouts/${proposal.id}/approve`, secret],
      [`/v1/workouts/${proposal.id}/reject`, secret],
      [`/v1/workouts/${proposal.id}/approve`, owner],
    ] as const) {
      const denied = await post(target, {}, bearer);
      expect({ target, status: denied.status, code: denied.body.error?.code }).toEqual({ target, status: 403, code: 'runner_only' });
      expect(denied.body.error!.message).toContain('Only the runner can');
    }
    expect(await post(`/v1/workouts/${proposal.id}/approve`, {}, 'r42a_not-a-grant')).toMatchObject({ status: 401 });
    expect(sim.training.requests).toEqual([]);
    expect(world.companion.workouts.get(proposal.id).data.status).toBe('awaiting_approval');

    // The runner approves at a terminal: one workout and one schedule, the JSON as built from the plan.
    const approved = await runCli(['workouts', 'approve', proposal.id, '--json'], world.env);
    expect(approved.code).toBe(0);
    expect(decisionAnswer.parse(JSON.parse(approved.stdout))).toMatchObject({ workout: { status: 'scheduled' }, delivery_error: null });
    expect(sim.training.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /workoutportal/workout/v2 200', 'POST /training-api/schedule/ 200']);
    const plan = (parseWorkout(intervalsOn(date)) as { value: Workout }).value;
    expect(JSON.parse(sim.training.requests[0]!.body!)).toEqual(trainingApiWorkout(plan));
    const [workout] = sim.training.workouts();
    expect(sim.training.requests[1]!.body).toBe(`{"workoutId":${workout!.workoutId},"date":"${date}"}`);
    expect(sim.training.schedules()).toEqual([expect.objectContaining({ workoutId: workout!.workoutId, date })]);

    const fetched = await call('get_workout', { id: proposal.id });
    expect(fetched.structuredContent).toMatchObject({ workout: { status: 'scheduled', garmin: { workout_id: workout!.workoutId }, plan_vs_done: null } });

    // The runner changes their mind: the schedule goes, then the workout.
    const rejected = await runCli(['workouts', 'reject', proposal.id], world.env);
    expect(rejected.code).toBe(0);
    expect(sim.training.requests.slice(2).map((r) => `${r.method} ${r.endpoint} ${r.status}`)).toEqual(['DELETE scheduleDelete 200', 'DELETE workoutDelete 200']);
    expect(sim.training.workouts()).toEqual([]);
    expect(sim.training.schedules()).toEqual([]);
    expect((await call('get_workout', { id: proposal.id })).structuredContent).toMatchObject({ workout: { status: 'rejected' } });

    // POST /v1/workouts proposes too, in the grant's name; bad bodies get 400 or 415 with words.
    const byHttp = await post('/v1/workouts', intervalsOn(date));
    expect(byHttp.status).toBe(200);
    const httpProposal = proposalAnswer.parse(byHttp.body);
    expect(world.companion.workouts.get(httpProposal.id).data.proposed_by).toEqual({ agent: 'coach', grant: 'coach' });
    const tooMany = await post('/v1/workouts', { ...intervalsOn(date), steps: Array.from({ length: 101 }, () => ({ kind: 'active', end: { by: 'lap_button' } })) });
    expect(tooMany).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(tooMany.body.error!.message).toContain('at most 100 steps');
    expect(await post('/v1/workouts', '{"name":')).toMatchObject({ status: 400, body: { error: { code: 'bad_request', message: 'The body is not JSON.' } } });
    expect(await post('/v1/workouts', 'name=x', secret, 'application/x-www-form-urlencoded')).toMatchObject({ status: 415 });
    expect(await post('/v1/workouts', `${'['.repeat(70)}${']'.repeat(70)}`)).toMatchObject({ status: 400 });

    // The audit log: who proposed, that the runner decided, what reached Garmin, and the refused approvals.
    const audit = world.companion.auditLog(200);
    const proposedRow = audit.find((e) => e.event === 'workout.proposed' && e.detail.workout === proposal.id);
    expect(proposedRow?.detail).toMatchObject({ agent: 'coach-gpt', grant: 'coach' });
    expect(audit.filter((e) => e.event.startsWith('workout.') && e.detail.workout === proposal.id).map((e) => e.event).reverse()).toEqual([
      'workout.proposed',
      'workout.approved',
      'workout.sent_to_garmin',
      'workout.scheduled',
      'workout.rejected',
      'workout.unscheduled',
      'workout.removed_from_garmin',
    ]);
    const refusals = audit.filter((e) => e.detail.reason === 'runner_only');
    expect(refusals.reduce((n, e) => n + Number(e.detail.count ?? 1), 0)).toBe(3);
    expect(secretsIn(JSON.stringify(await call('get_workout', { id: proposal.id })) + approved.stdout + approved.stderr, [...sim.issuedSecrets, secret, owner])).toEqual([]);
  });

  it('over stdio (what `mcp config` registers) the proposal is the MCP client’s, under the runner’s own grant', async () => {
    const { sim, world } = await linkedWorld();
    const transport = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', CLI, 'mcp'], cwd: ROOT, env: world.env as Record<string, string>, stderr: 'pipe' });
    const client = new Client({ name: 'claude-desktop', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    const proposed = (await client.callTool({ name: 'propose_workout', arguments: intervalsOn(addDays(localDate(Date.now()), 1)) })) as CallToolResult;
    const { id } = proposalAnswer.parse(proposed.structuredContent);
    expect(world.companion.workouts.get(id).data.proposed_by).toEqual({ agent: 'claude-desktop', grant: 'runner' });
    expect(sim.training.requests).toEqual([]);
  });
});
