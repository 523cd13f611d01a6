import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../src-common/dates.js';
import { parseWorkout, type Workout } from '../../src-common/workout.js';
import { trainingApiWorkout } from '../../src-main/core/workouts/garmin-workout.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { createKeytarSecretStore } from '../../src-main/adapters/keytar-secret-store.js';
import type { Companion } from '../../src-main/core/companion.js';
import { createCompanion } from '../../src-main/core/wiring.js';
import { loadConfig } from '../../src-main/core/config.js';
import { approveAtGarmin, browse, CapturingBrowser, makeCoreWorld, type CoreWorld } from '../support/core-world.js';
import { makeWorld, runCli, secretsIn, startSimulator } from '../support/harness.js';
import { freePort } from '../support/postgres.js';
import { serverEnv, startTestServer } from '../support/r42-server.js';
import { intervalsOn } from '../support/workouts.js';

const ALL_PERMISSIONS = ['ACTIVITY_EXPORT', 'HEALTH_EXPORT', 'WORKOUT_IMPORT'];
const COACH = { agent: 'coach-gpt', grant: 'coach' };

let sim: GarminSimulator | undefined;
let world: CoreWorld | undefined;

afterEach(async () => {
  await world?.cleanup();
  world = undefined;
  await sim?.stop();
  sim = undefined;
});

/** Plays the runner through Garmin's consent page. */
async function signIn(w: { companion: Companion; browser: CapturingBrowser }): Promise<void> {
  const opened = w.browser.next();
  const outcome = w.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
}

/** A runner linked with the simulator (sharing `permissions`), no data synced. */
async function linked(permissions = ALL_PERMISSIONS): Promise<{ sim: GarminSimulator; world: CoreWorld }> {
  sim = await startSimulator({ permissions });
  world = makeCoreWorld(sim);
  await signIn(world);
  return { sim, world };
}

const inTwoDays = () => addDays(localDate(Date.now()), 2);
const plan = (date: string) => (parseWorkout(intervalsOn(date)) as { value: Workout }).value;
const endpoints = (s: GarminSimulator) => s.training.requests.map((r) => `${r.method} ${r.endpoint} ${r.status}`);

describe('approved workouts go to Garmin’s Training API with the runner’s token', () => {
  it('nothing reaches Garmin before approval; the CLI’s approve creates one workout and one schedule, as the facts file documents; approving again changes nothing; reject removes the schedule, then the workout', async () => {
    const { sim, world } = await linked();
    const date = inTwoDays();
    const proposal = world.companion.workouts.propose(intervalsOn(date), COACH);
    expect(proposal).toMatchObject({ status: 'awaiting_approval' });
    expect(proposal.summary).toContain('6 × (Interval: 800 m at 3:55–4:05/km; Recovery: 1:30)');
    expect(sim.training.requests).toEqual([]);
    expect(world.companion.workouts.get(proposal.id).data).toMatchObject({ status: 'awaiting_approval', proposed_by: COACH, garmin: { workout_id: null, schedule_id: null } });

    const approve = await runCli(['workouts', 'approve', proposal.id], world.env);
    expect(approve.stderr).toContain(`Approved “Tuesday 6 × 800 m”. It is on your Garmin calendar for`);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain('scheduled on Garmin');

    // Exactly one workout and one schedule, made in that order.
    expect(endpoints(sim)).toEqual(['POST workoutCreate 200', 'POST scheduleCreate 200']);
    const [workout] = sim.training.workouts();
    const [schedule] = sim.training.schedules();
    expect(sim.training.workouts()).toHaveLength(1);
    expect(sim.training.schedules()).toHaveLength(1);
    // The create body is V2's single-segment shape, built from the plan; the schedule names the workout as a JSON number (a Long past 2^53, exact).
    const created = JSON.parse(sim.training.requests[0]!.body!) as Record<string, unknown>;
    expect(created).toEqual(trainingApiWorkout(plan(date)));
    expect(created).not.toHaveProperty('workoutId');
    expect(sim.training.requests[1]!.body).toBe(`{"workoutId":${workout!.workoutId},"date":"${date}"}`);
    expect(workout!.workoutId).toBe('9007199254740993');
    expect(schedule).toMatchObject({ workoutId: workout!.workoutId, date });
    const steps = (created.segments as Array<{ steps: Array<Record<string, unknown>> }>)[0]!.steps;
    expect(steps.map((s) => [s.type, s.stepOrder])).toEqual([
      ['WorkoutStep', 1],
      ['WorkoutRepeatStep', 2],
      ['WorkoutStep', 5],
    ]);
    expect(steps[0]).toMatchObject({ intensity: 'WARMUP', durationType: 'TIME', durationValue: 900, targetType: 'HEART_RATE', targetValue: 2, targetValueLow: null });
    expect(steps[1]).toMatchObject({ repeatType: 'REPEAT_UNTIL_STEPS_CMPLT', repeatValue: 6, skipLastRestStep: false });
    const [interval, recovery] = steps[1]!.steps as Array<Record<string, unknown>>;
    // Pace as speed in m/s: the slow end (4:05/km) low, the fast end (3:55/km) high.
    expect(interval).toMatchObject({ stepOrder: 3, intensity: 'INTERVAL', durationType: 'DISTANCE', durationValue: 800, durationValueType: 'METER', targetType: 'PACE', targetValueLow: 4.082, targetValueHigh: 4.255 });
    expect(recovery).toMatchObject({ stepOrder: 4, intensity: 'RECOVERY', durationType: 'TIME', durationValue: 90, targetType: 'OPEN' });
    expect(steps[2]).toMatchObject({ intensity: 'COOLDOWN', durationType: 'OPEN', durationValue: null });

    const view = world.companion.workouts.get(proposal.id).data;
    expect(view).toMatchObject({ status: 'scheduled', garmin: { workout_id: workout!.workoutId, schedule_id: schedule!.scheduleId }, delivery: { state: 'scheduled', last_error: null } });

    // A retry of the approval (a second click, the other surface) sends nothing.
    const again = await world.companion.workouts.approve(proposal.id, { via: 'app' });
    expect(again.delivery_error).toBeNull();
    expect(sim.training.requests).toHaveLength(2);

    const reject = await runCli(['workouts', 'reject', proposal.id], world.env);
    expect(reject.code).toBe(0);
    expect(reject.stderr).toContain('It was removed from your Garmin calendar and workouts.');
    expect(endpoints(sim).slice(2)).toEqual(['DELETE scheduleDelete 200', 'DELETE workoutDelete 200']);
    expect(sim.training.workouts()).toEqual([]);
    expect(sim.training.schedules()).toEqual([]);
    expect(world.companion.workouts.get(proposal.id).data).toMatchObject({ status: 'rejected', delivery: { state: 'removed' }, garmin: { workout_id: null, schedule_id: null } });

    // Every proposal, decision and delivery is in the audit log with the agent's name.
    const events = world.companion
      .auditLog(50)
      .filter((e) => e.event.startsWith('workout.'))
      .reverse();
    expect(events.map((e) => e.event)).toEqual(['workout.proposed', 'workout.approved', 'workout.sent_to_garmin', 'workout.scheduled', 'workout.rejected', 'workout.unscheduled', 'workout.removed_from_garmin']);
    for (const e of events) expect(e.detail).toMatchObject({ workout: proposal.id, agent: 'coach-gpt', grant: 'coach' });
    expect(events[1]!.detail.via).toBe('cli');
    // No token in what the CLI printed.
    expect(secretsIn(approve.stdout + approve.stderr + reject.stdout + reject.stderr, sim.issuedSecrets)).toEqual([]);
  });

  it('a 429 waits for Retry-After through the retry helper; a schedule that keeps failing leaves the workout on Garmin, and the retry schedules that one instead of making a second', async () => {
    const { sim, world } = await linked();
    const { id } = world.companion.workouts.propose(intervalsOn(inTwoDays()), COACH);
    sim.fail('workoutCreate', { kind: 'status', status: 429, retryAfterSeconds: 1, times: 1 });
    sim.fail('scheduleCreate', { kind: 'status', status: 503, times: 4 });
    const first = await world.companion.workouts.approve(id, { via: 'cli' });
    expect(first.delivery_error).toMatchObject({ code: 'garmin_unreachable' });
    expect(first.workout).toMatchObject({ status: 'on_garmin', delivery: { state: 'created', last_error: { code: 'garmin_unreachable' } } });
    expect(endpoints(sim)).toEqual(['POST workoutCreate 429', 'POST workoutCreate 200', ...Array(4).fill('POST scheduleCreate 503')]);

    const retry = await world.companion.workouts.approve(id, { via: 'cli' });
    expect(retry.delivery_error).toBeNull();
    expect(retry.workout).toMatchObject({ status: 'scheduled', delivery: { state: 'scheduled', last_error: null } });
    // After a failed schedule the calendar is read first (nothing there), then the schedule made.
    expect(endpoints(sim).slice(6)).toEqual(['GET scheduleList 200', 'POST scheduleCreate 200']);
    expect(sim.training.workouts()).toHaveLength(1);
    expect(sim.training.schedules()).toHaveLength(1);
    const failures = world.companion.auditLog(50).filter((e) => e.event === 'workout.delivery_failed');
    expect(failures.map((e) => e.detail)).toEqual([expect.objectContaining({ stage: 'schedule', code: 'garmin_unreachable', agent: 'coach-gpt' })]);
  });

  it('a create whose answer is lost is never sent again blindly (Garmin has no way to look it up); a schedule whose answer is lost is found on the calendar', async () => {
    const { sim, world } = await linked();
    const { id } = world.companion.workouts.propose(intervalsOn(inTwoDays()), COACH);
    sim.training.loseAnswers('workoutCreate');
    const first = await world.companion.workouts.approve(id, { via: 'cli' });
    expect(first.delivery_error).toMatchObject({ code: 'delivery_uncertain' });
    expect(first.delivery_error!.message).toContain('Garmin may have made the workout anyway');
    expect(first.delivery_error!.message).toContain(`workouts approve ${id} --resend`);
    expect(first.workout.delivery.state).toBe('create_uncertain');
    expect(sim.training.workouts()).toHaveLength(1);

    const retry = await world.companion.workouts.approve(id, { via: 'cli' });
    expect(retry.delivery_error).toMatchObject({ code: 'delivery_uncertain' });
    expect(sim.training.requests.filter((r) => r.endpoint === 'workoutCreate')).toHaveLength(1);
    expect(sim.training.workouts()).toHaveLength(1);

    // The runner looked in Garmin Connect and asks for it again: now a second create, then its schedule, whose answer is lost too.
    for (const w of sim.training.workouts()) await fetch(`${sim.url}/training-api/workout/v2/${w.workoutId}`, { method: 'DELETE', headers: { authorization: `Bearer ${(await world.companion.getAccessToken()).accessToken}` } });
    sim.training.loseAnswers('scheduleCreate');
    const resent = await world.companion.workouts.approve(id, { via: 'cli', resend: true });
    expect(resent.delivery_error).toMatchObject({ code: 'garmin_unreachable' });
    expect(resent.workout.delivery.state).toBe('created');
    expect(sim.training.schedules()).toHaveLength(1);
    const settled = await world.companion.workouts.approve(id, { via: 'cli' });
    expect(settled.delivery_error).toBeNull();
    expect(settled.workout.garmin.schedule_id).toBe(sim.training.schedules()[0]!.scheduleId);
    expect(sim.training.schedules()).toHaveLength(1);
    expect(sim.training.workouts()).toHaveLength(1);
  });

  it('without WORKOUT_IMPORT among the permissions it says so and offers to reconnect, sending nothing; after reconnecting it goes; Garmin’s own 412 says the same', async () => {
    const { sim, world } = await linked(['ACTIVITY_EXPORT', 'HEALTH_EXPORT']);
    const { id } = world.companion.workouts.propose(intervalsOn(inTwoDays()), COACH);
    const cli = await runCli(['workouts', 'approve', id], world.env);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toContain('Garmin has not given R42 Companion permission to add workouts to your account (Workout import, WORKOUT_IMPORT');
    expect(cli.stderr).toContain('reconnect Garmin (`r42-companion login`)');
    expect(cli.stderr).toContain('[workout_import_missing]');
    expect(sim.training.requests).toEqual([]);
    // Approved all the same: it waits for the reconnect.
    expect(world.companion.workouts.get(id).data).toMatchObject({ status: 'approved', delivery: { state: 'none', last_error: { code: 'workout_import_missing' } } });

    // The runner reconnects and ticks Workout import: approving again sends it.
    sim.permissions = [...ALL_PERMISSIONS];
    await signIn(world);
    expect((await world.companion.workouts.approve(id, { via: 'app' })).workout.status).toBe('scheduled');

    // Later they switch it off in Garmin Connect: Garmin answers 412, and the words are the same.
    const second = world.companion.workouts.propose(intervalsOn(inTwoDays()), COACH);
    sim.permissions = ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'];
    const refused = await world.companion.workouts.approve(second.id, { via: 'app' });
    expect(refused.delivery_error).toMatchObject({ code: 'workout_import_missing' });
    expect(refused.delivery_error!.message).toContain('Reconnect Garmin');
    expect(endpoints(sim).at(-1)).toBe('POST workoutCreate 412');
    expect(refused.workout).toMatchObject({ status: 'approved', delivery: { state: 'none' } });
  });
});

describe('through the R42 server (no developer app on this computer)', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await openPgliteStore(null);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  it('the Training API is called straight at Garmin’s API origin with the runner’s token: the server brokers tokens and never sees the workout', async () => {
    sim = await startSimulator({ permissions: ALL_PERMISSIONS });
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const server = await startTestServer(serverEnv(sim, [redirect]), { store });
    const runner = makeWorld(sim, { R42_SERVER_URL: server.url, GARMIN_REDIRECT_URI: redirect, GARMIN_DATA_DELIVERY: 'pull' });
    // What a runner's computer has: R42's public client id and server URL, nothing secret.
    delete runner.env.GARMIN_CLIENT_SECRET;
    delete runner.env.GARMIN_TOKEN_URL;
    const calls: string[] = [];
    const recording: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      calls.push(`${init?.method ?? 'GET'} ${url.origin}${url.pathname}`);
      return fetch(input, init);
    };
    const config = loadConfig(runner.env);
    const browser = new CapturingBrowser();
    const companion = createCompanion({ config, secrets: createKeytarSecretStore(config.keychainService), browser, fetch: recording });
    try {
      await signIn({ companion, browser });
      expect(companion.status().link.via).toBe('r42_server');
      expect(calls.some((c) => c.startsWith(`POST ${server.url}/v1/garmin/token`))).toBe(true);
      const { id } = companion.workouts.propose(intervalsOn(inTwoDays()), COACH);
      calls.length = 0;
      const approved = await companion.workouts.approve(id, { via: 'cli' });
      expect(approved.delivery_error).toBeNull();
      expect(calls).toEqual([`POST ${sim.url}/workoutportal/workout/v2`, `POST ${sim.url}/training-api/schedule/`]);
      expect(sim.training.workouts()).toHaveLength(1);
      expect(sim.training.schedules()).toHaveLength(1);
    } finally {
      companion.close();
      await runner.cleanup();
      await server.stop();
    }
  });
});
