import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../src-common/dates.js';
import { activityWithPlanAnswer, plannedWorkout, workoutView } from '../../src-common/workout-contract.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';
import { runCli, startSimulator } from '../support/harness.js';
import { intervalRun, intervalSession, intervalsOn } from '../support/workouts.js';

let sim: GarminSimulator | undefined;
let world: CoreWorld | undefined;
let client: Client | undefined;

afterEach(async () => {
  await client?.close();
  await world?.cleanup();
  await sim?.stop();
});

/** The runner's clock: real time plus days moved on by the test. */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

describe('plan against done: the run on a scheduled workout’s day, step by step', () => {
  it('matches the simulated interval run that hits and misses its targets by known amounts, and says so in get_workout, get_activity_details and the CLI; a day without a run is missed', async () => {
    sim = await startSimulator({ permissions: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT', 'WORKOUT_IMPORT'] });
    // The simulator's own generated history ends long ago: today's only run is the one uploaded below.
    sim.dataNow = () => Math.floor(Date.now() / 1000) - 40 * 86_400;
    world = makeCoreWorld(sim, { GARMIN_DATA_DELIVERY: 'pull' }, { clock });
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    await browse(await approveAtGarmin(await opened));
    await outcome;

    const today = localDate(clock.now());
    const coach = { agent: 'coach-gpt', grant: 'coach' };
    const session = world.companion.workouts.propose(intervalSession(today), coach);
    const tomorrow = world.companion.workouts.propose(intervalsOn(addDays(today, 1)), coach);
    for (const id of [session.id, tomorrow.id]) expect((await world.companion.workouts.approve(id, { via: 'app' })).workout.status).toBe('scheduled');
    expect(world.companion.workouts.get(session.id).data.plan_vs_done).toBeNull();

    // The runner does it this morning (the watch started at the local day's start, plus an hour at most), and the watch syncs.
    const offsetS = -new Date(clock.now()).getTimezoneOffset() * 60;
    const dayStartS = Math.floor((Date.parse(`${today}T00:00:00Z`) / 1000) - offsetS);
    const startS = Math.max(dayStartS + 60, Math.floor(clock.now() / 1000) - 2 * 3600);
    const run = intervalRun(startS, { offsetS });
    sim.uploadRecords('activities', [run.summary]);
    sim.uploadRecords('activityDetails', [run.details]);
    // Upload windows end before "now" ([start, end)): the sync runs a moment after the upload's second.
    clock.offsetMs = 2_000;
    expect((await world.companion.sync({ days: 2 })).outcome).toBe('completed');
    expect(world.companion.data.activities({ from: today, to: today }).data.map((a) => a.summary_id)).toEqual([run.summary.summaryId]);

    // get_workout over MCP (the real server, an in-memory transport).
    const server = await world.companion.mcpServer({ transport: 'stdio', grant: 'runner' });
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'coach-gpt', version: '1' });
    await client.connect(clientSide);
    const got = (await client.callTool({ name: 'get_workout', arguments: { id: session.id } })) as CallToolResult;
    const view = workoutView.parse((got.structuredContent as { workout: unknown }).workout);
    expect(view.status).toBe('done');
    const done = view.plan_vs_done!;
    expect(done).toMatchObject({ activity_id: run.summary.summaryId, local_date: today, steps_found_by: 'plan', completed: 8, cut_short: 0, skipped: 0, in_target_pct: 65 });
    expect(done.steps.map((s) => [s.label, s.status, s.seconds, s.pace_s_per_km, s.in_target_s, s.under_s, s.over_s])).toEqual([
      ['Warm-up', 'completed', 300, 333, 300, 0, 0],
      ['Interval 1 of 3', 'completed', 240, 240, 240, 0, 0],
      ['Recovery 1 of 3', 'completed', 120, 400, null, null, null],
      ['Interval 2 of 3', 'completed', 250, 250, 120, 130, 0],
      ['Recovery 2 of 3', 'completed', 120, 400, null, null, null],
      ['Interval 3 of 3', 'completed', 225, 225, 0, 0, 225],
      ['Recovery 3 of 3', 'completed', 120, 400, null, null, null],
      ['Cool-down', 'completed', 300, 333, null, null, null],
    ]);
    const summaryLine = (got.content[0] as { text: string }).text;
    expect(summaryLine).toContain('8 of 8 steps completed; 65 % of the time in steps with a target within it; mostly off target: Interval 2 of 3, Interval 3 of 3');

    // The same from the run's side.
    const details = (await client.callTool({ name: 'get_activity_details', arguments: { id: run.summary.summaryId } })) as CallToolResult;
    const planned = plannedWorkout.parse((details.structuredContent as { planned_workout: unknown }).planned_workout);
    expect(planned).toMatchObject({ workout_id: session.id, name: 'Intervals 3 × 1 km', date: today, plan_vs_done: { in_target_pct: 65 } });
    expect((details.content[0] as { text: string }).text).toContain('the workout “Intervals 3 × 1 km”: 8 of 8 steps completed');
    expect(world.companion.workouts.forActivity(String(run.summary.activityId))?.workout_id).toBe(session.id);

    // And over the agent endpoint's HTTP route: GET /v1/activities/{id} carries the same planned workout.
    const service = await world.companion.serveAgents({ syncOnStart: false });
    try {
      const { secret } = world.companion.agents.add('coach');
      const res = await fetch(`${service.url}/v1/activities/${encodeURIComponent(run.summary.summaryId)}`, { headers: { authorization: `Bearer ${secret}` } });
      expect(res.status).toBe(200);
      const answer = activityWithPlanAnswer.parse(await res.json());
      expect(answer.data.summary_id).toBe(run.summary.summaryId);
      expect(answer.planned_workout).toEqual(planned);
      // A run no workout planned says so with null.
      expect(world.companion.workouts.forActivity('no-such-run')).toBeNull();
    } finally {
      await service.stop();
    }

    // At a terminal.
    const shown = await runCli(['workouts', 'show', session.id], world.env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('done');
    expect(shown.stdout).toMatch(/Interval 2 of 3\s+completed\s+4:10\s+1000\s+4:10\s+171\s+48 %/);
    expect(shown.stdout).toMatch(/Interval 3 of 3\s+completed\s+3:45\s+1000\s+3:45\s+178\s+0 %/);

    // Two days on: tomorrow's workout passed without a run.
    clock.offsetMs = 2 * 86_400_000;
    const list = world.companion.workouts.list();
    expect(list.data.map((w) => [w.id, w.status])).toEqual([
      [tomorrow.id, 'missed'],
      [session.id, 'done'],
    ]);
    clock.offsetMs = 0;
  });
});
