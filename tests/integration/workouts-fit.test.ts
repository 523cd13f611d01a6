/**
 * A workout as a FIT workout file: written with Garmin's encoder, read back with Garmin's decoder
 * into the same steps, compared field by field with the FIT SDK's own example workout files
 * (../shared/fit-samples/Workout*.fit; where ../shared is absent that part says so and skips), and
 * saved where the runner chooses or into a watch's GARMIN/NewFiles.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Decoder, Stream, type WorkoutStepMesg } from '@garmin/fitsdk';
import { afterEach, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../src-common/dates.js';
import { parseWorkout, type Workout } from '../../src-common/workout.js';
import { findGarminFolders } from '../../src-main/core/fit/watch-finder.js';
import { MTP_WORKOUT_NOTE, saveFit } from '../../src-main/core/workouts/fit-export.js';
import { decodeWorkoutFit, encodeWorkoutFit, fitText } from '../../src-main/core/workouts/fit-workout.js';
import { isCompanionError } from '../../src-main/core/errors.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';
import { runCli, startSimulator } from '../support/harness.js';
import { sharedDir } from '../support/shared.js';
import { INTERVALS, intervalsOn } from '../support/workouts.js';

const SAMPLES = sharedDir('fit-samples');
if (!SAMPLES) console.warn("The FIT SDK's example workout files (../shared/fit-samples/Workout*.fit) are not here: their comparison in workouts-fit.test.ts is skipped; the rest runs.");

const model = (input: unknown) => {
  const parsed = parseWorkout(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};

/** Garmin's decoder, straight: what a watch or Garmin Connect would read. */
function garminReads(bytes: Uint8Array) {
  const stream = Stream.fromByteArray(bytes);
  expect(Decoder.isFIT(stream)).toBe(true);
  const decoder = new Decoder(stream);
  expect(decoder.checkIntegrity()).toBe(true);
  const { messages, errors } = decoder.read();
  expect(errors).toEqual([]);
  return messages;
}

/** A step message without its name (the SDK's examples name theirs _A_, B1_ …; ours carry none). */
const unnamed = ({ wktStepName: _name, ...rest }: WorkoutStepMesg) => rest;

/** The FIT SDK's "Example 2" (WorkoutRepeatSteps.fit) in R42's model: a warm-up, 3 × two 500 m power steps, a cool-down until HR drops below 125. */
const EXAMPLE_2 = {
  name: 'Example 2',
  sport: 'running',
  steps: [
    { kind: 'warmup', end: { by: 'time', seconds: 60 }, target: { type: 'heart_rate_zone', zone: 2 } },
    {
      kind: 'repeat',
      times: 3,
      steps: [
        { kind: 'active', end: { by: 'distance', meters: 500 }, target: { type: 'power_zone', zone: 5 } },
        { kind: 'active', end: { by: 'distance', meters: 500 }, target: { type: 'power_zone', zone: 3 } },
      ],
    },
    { kind: 'cooldown', end: { by: 'hr_below', bpm: 125 }, target: { type: 'power_zone', zone: 1 } },
  ],
};

describe('a workout as a FIT file (Garmin’s encoder and decoder)', () => {
  it('writes the raw units the facts file gives, and Garmin’s decoder reads it back into the same steps', () => {
    const plan = model(INTERVALS);
    const bytes = encodeWorkoutFit(plan, { timeCreated: new Date('2026-11-20T08:00:00Z'), serialNumber: 4242 });
    const messages = garminReads(bytes);
    expect(messages.fileIdMesgs).toEqual([expect.objectContaining({ type: 'workout', manufacturer: 'development', product: 42, serialNumber: 4242, timeCreated: new Date('2026-11-20T08:00:00Z') })]);
    expect(messages.workoutMesgs).toEqual([expect.objectContaining({ sport: 'running', wktName: 'Tuesday 6 × 800 m', numValidSteps: 5, wktDescription: 'Even splits; jog the recoveries.' })]);
    const steps = messages.workoutStepMesgs!.map((m) => ({
      messageIndex: m.messageIndex,
      intensity: m.intensity,
      durationType: m.durationType,
      durationValue: m.durationValue,
      targetType: m.targetType,
      targetValue: m.targetValue,
      customTargetValueLow: m.customTargetValueLow,
      customTargetValueHigh: m.customTargetValueHigh,
    }));
    expect(steps).toEqual([
      // 15:00 in ms, heart-rate zone 2.
      { messageIndex: 0, intensity: 'warmup', durationType: 'time', durationValue: 900_000, targetType: 'heartRate', targetValue: 2, customTargetValueLow: undefined, customTargetValueHigh: undefined },
      // 800 m in cm; 4:05–3:55/km as 4.082–4.255 m/s in mm/s.
      { messageIndex: 1, intensity: 'interval', durationType: 'distance', durationValue: 80_000, targetType: 'speed', targetValue: 0, customTargetValueLow: 4082, customTargetValueHigh: 4255 },
      { messageIndex: 2, intensity: 'recovery', durationType: 'time', durationValue: 90_000, targetType: 'open', targetValue: 0, customTargetValueLow: undefined, customTargetValueHigh: undefined },
      // The repeat after its steps: back to step 1, 6 rounds.
      { messageIndex: 3, intensity: 'active', durationType: 'repeatUntilStepsCmplt', durationValue: 1, targetType: 'open', targetValue: 6, customTargetValueLow: undefined, customTargetValueHigh: undefined },
      { messageIndex: 4, intensity: 'cooldown', durationType: 'open', durationValue: undefined, targetType: 'open', targetValue: 0, customTargetValueLow: undefined, customTargetValueHigh: undefined },
    ]);
    // The SDK's own reading of the raw units (its sub-fields) agrees.
    expect(messages.workoutStepMesgs![0]).toMatchObject({ durationTime: 900, targetHrZone: 2 });
    expect(messages.workoutStepMesgs![1]).toMatchObject({ durationDistance: 800, customTargetSpeedLow: 4.082, customTargetSpeedHigh: 4.255 });
    expect(messages.workoutStepMesgs![3]).toMatchObject({ durationStep: 1, repeatSteps: 6 });

    const back = decodeWorkoutFit(bytes);
    expect(back).toMatchObject({ ok: true, name: plan.name, sport: 'running', notes: plan.notes });
    expect(back.ok && back.steps).toEqual(plan.steps);

    // Every other end and target the model has, there and back: bpm + 100, W + 1000, cadence as is.
    const all = model({
      name: 'Everything',
      sport: 'cycling',
      steps: [
        { kind: 'warmup', end: { by: 'hr_above', bpm: 120 } },
        { kind: 'active', end: { by: 'time', seconds: 600 }, target: { type: 'heart_rate', low: 140, high: 150 } },
        { kind: 'active', end: { by: 'time', seconds: 600 }, target: { type: 'cadence', low: 85, high: 95 } },
        { kind: 'interval', end: { by: 'time', seconds: 300 }, target: { type: 'power', low: 250, high: 280 }, note: 'seated' },
        { kind: 'interval', end: { by: 'distance', meters: 1609.34 }, target: { type: 'power_zone', zone: 7 } },
        { kind: 'rest', end: { by: 'hr_below', bpm: 110 } },
      ],
    });
    const allBytes = encodeWorkoutFit(all, { timeCreated: new Date(), serialNumber: 1 });
    const raw = garminReads(allBytes).workoutStepMesgs!;
    expect(raw.map((m) => [m.durationType, m.durationValue, m.targetType, m.targetValue, m.customTargetValueLow, m.customTargetValueHigh])).toEqual([
      ['hrGreaterThan', 220, 'open', 0, undefined, undefined],
      ['time', 600_000, 'heartRate', 0, 240, 250],
      ['time', 600_000, 'cadence', 0, 85, 95],
      ['time', 300_000, 'power', 0, 1250, 1280],
      ['distance', 160_934, 'power', 7, undefined, undefined],
      ['hrLessThan', 210, 'open', 0, undefined, undefined],
    ]);
    expect(raw[3]!.notes).toBe('seated');
    expect((decodeWorkoutFit(allBytes) as { steps: unknown }).steps).toEqual(all.steps);
  });

  it('keeps every string within FIT’s 255 bytes, cut at a character, where the encoder would throw', () => {
    const long = model({ ...INTERVALS, name: 'Ü'.repeat(80), notes: 'é'.repeat(1000) });
    const messages = garminReads(encodeWorkoutFit(long, { timeCreated: new Date(), serialNumber: 1 }));
    expect(Buffer.byteLength(messages.workoutMesgs![0]!.wktName as string)).toBeLessThanOrEqual(254);
    expect(messages.workoutMesgs![0]!.wktDescription).toBe('é'.repeat(127));
    expect(fitText('aé'.repeat(200), 6)).toBe('aéaé');
  });

  describe.skipIf(!SAMPLES)('compared with the FIT SDK’s example workout files (../shared/fit-samples)', () => {
    const sample = (name: string) => new Uint8Array(readFileSync(path.join(SAMPLES!, name)));

    it('Example 2 (WorkoutRepeatSteps.fit) and its steps one by one (WorkoutIndividualSteps.fit): our file holds the same step messages, and Garmin’s files read into the same model', () => {
      const ours = garminReads(encodeWorkoutFit(model(EXAMPLE_2), { timeCreated: new Date(), serialNumber: 1 })).workoutStepMesgs!;
      const garmins = garminReads(sample('WorkoutRepeatSteps.fit')).workoutStepMesgs!;
      expect(garmins).toHaveLength(5);
      expect(ours.map(unnamed)).toEqual(garmins.map(unnamed));
      const read = decodeWorkoutFit(sample('WorkoutRepeatSteps.fit'));
      expect(read.ok && read.steps).toEqual(model(EXAMPLE_2).steps);

      const individual = { ...EXAMPLE_2, steps: [EXAMPLE_2.steps[0]!, ...(EXAMPLE_2.steps[1] as { steps: unknown[] }).steps, EXAMPLE_2.steps[2]!] };
      const oursFlat = garminReads(encodeWorkoutFit(model(individual), { timeCreated: new Date(), serialNumber: 1 })).workoutStepMesgs!;
      expect(oursFlat.map(unnamed)).toEqual(garminReads(sample('WorkoutIndividualSteps.fit')).workoutStepMesgs!.map(unnamed));
    });

    it('custom ranges (WorkoutCustomTargetValues.fit): watts as W + 1000 the same as Garmin writes them; what the model does not hold is said, not guessed', () => {
      const garmins = garminReads(sample('WorkoutCustomTargetValues.fit')).workoutStepMesgs!;
      const ours = garminReads(
        encodeWorkoutFit(
          model({
            name: 'Example 1',
            sport: 'cycling',
            steps: [
              { kind: 'warmup', end: { by: 'time', seconds: 60 }, target: { type: 'heart_rate_zone', zone: 1 } },
              { kind: 'active', end: { by: 'distance', meters: 500 }, target: { type: 'power', low: 300, high: 310 } },
              { kind: 'active', end: { by: 'distance', meters: 500 }, target: { type: 'power', low: 260, high: 270 } },
              { kind: 'cooldown', end: { by: 'hr_below', bpm: 125 }, target: { type: 'power', low: 220, high: 230 } },
            ],
          }),
          { timeCreated: new Date(), serialNumber: 1 },
        ),
      ).workoutStepMesgs!;
      expect(ours.slice(1).map(unnamed)).toEqual(garmins.slice(1).map(unnamed));
      // Garmin's first step aims at 50–60 % of max HR: R42 workouts give bpm, and the reader says so.
      expect(decodeWorkoutFit(sample('WorkoutCustomTargetValues.fit'))).toEqual({ ok: false, message: 'Step 0 has a heart rate in % of max (R42 workouts give bpm).' });
      expect(decodeWorkoutFit(sample('WorkoutRepeatGreaterThanStep.fit'))).toEqual({ ok: false, message: 'Step 3 repeats until HrGreaterThan: R42 workouts repeat a number of times.' });
      // An activity is no workout.
      expect(decodeWorkoutFit(sample('Activity.fit'))).toEqual({ ok: false, message: 'The FIT file is not a workout.' });
    });
  });
});

describe('saving the file where the runner chooses', () => {
  const dirs: string[] = [];
  const temp = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'r42-fit-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('finds a watch connected as a drive (GARMIN in any case, /media/<user>/<label> deep), creates NewFiles, and says what to do when there is none (MTP)', async () => {
    const root = temp();
    const bytes = encodeWorkoutFit(model(INTERVALS), { timeCreated: new Date(), serialNumber: 1 });
    const none = await saveFit(bytes, 'w.fit', { kind: 'watch', roots: [root, path.join(root, 'no-such-root')] }).catch((e: unknown) => e);
    expect(isCompanionError(none, 'not_found') && none.message).toBe(MTP_WORKOUT_NOTE);
    mkdirSync(path.join(root, 'runner', 'FR255', 'Garmin', 'Activity'), { recursive: true });
    expect(await findGarminFolders([root])).toEqual([path.join(root, 'runner', 'FR255', 'Garmin')]);
    const saved = await saveFit(bytes, 'w.fit', { kind: 'watch', roots: [root] });
    expect(saved).toEqual({ path: path.join(root, 'runner', 'FR255', 'Garmin', 'NewFiles', 'w.fit'), to: 'watch' });
    expect(new Uint8Array(readFileSync(saved.path))).toEqual(bytes);
    // No temporary file left beside it.
    expect(readdirSync(path.dirname(saved.path))).toEqual(['w.fit']);
    mkdirSync(path.join(root, 'runner', 'EDGE', 'GARMIN'), { recursive: true });
    const two = await saveFit(bytes, 'w.fit', { kind: 'watch', roots: [root] }).catch((e: unknown) => e);
    expect(isCompanionError(two, 'usage') && two.message).toContain('More than one Garmin drive is connected');
  });
});

describe('r42-companion workouts export', () => {
  let sim: GarminSimulator | undefined;
  let world: CoreWorld | undefined;
  afterEach(async () => {
    await world?.cleanup();
    await sim?.stop();
  });

  it('writes an approved workout to a file or into a named watch drive, refuses one not approved, and says so in the audit log', async () => {
    // A runner whose link cannot add workouts (no WORKOUT_IMPORT): the approval stands, the file is the way to the watch.
    sim = await startSimulator({ permissions: ['ACTIVITY_EXPORT', 'HEALTH_EXPORT'] });
    world = makeCoreWorld(sim);
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    await browse(await approveAtGarmin(await opened));
    await outcome;
    const { id } = world.companion.workouts.propose(intervalsOn(addDays(localDate(Date.now()), 1)), { agent: 'coach-gpt', grant: 'coach' });

    const early = await runCli(['workouts', 'export', id, '--out', world.home], world.env);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('is not approved yet: approve it first');
    expect((await world.companion.workouts.approve(id, { via: 'cli' })).delivery_error?.code).toBe('workout_import_missing');

    const folder = mkdtempSync(path.join(tmpdir(), 'r42-fit-out-'));
    try {
      const toFile = await runCli(['workouts', 'export', id, '--out', folder], world.env);
      expect(toFile.stderr).toContain('Saved (5 steps,');
      expect(toFile.code).toBe(0);
      const file = toFile.stdout.trim();
      expect(path.dirname(file)).toBe(folder);
      expect(path.basename(file)).toBe(`tuesday-6-800-m-${id.slice(2, 10)}.fit`);
      const plan = world.companion.workouts.get(id).data;
      expect((decodeWorkoutFit(new Uint8Array(readFileSync(file))) as { steps: Workout['steps'] }).steps).toEqual(plan.steps);

      const drive = path.join(folder, 'FR965');
      mkdirSync(path.join(drive, 'GARMIN'), { recursive: true });
      const toWatch = await runCli(['workouts', 'export', id, '--watch', drive, '--json'], world.env);
      expect(toWatch.code).toBe(0);
      expect(JSON.parse(toWatch.stdout)).toEqual({ path: path.join(drive, 'GARMIN', 'NewFiles', path.basename(file)), to: 'watch', bytes: expect.any(Number), steps: 5 });
      expect(existsSync(path.join(drive, 'GARMIN', 'NewFiles', path.basename(file)))).toBe(true);

      const notWatch = await runCli(['workouts', 'export', id, '--watch', path.join(folder, 'nothing-here')], world.env);
      expect(notWatch.code).toBe(1);
      expect(notWatch.stderr).toContain('has no GARMIN folder');
      expect(notWatch.stderr).toContain('connect over MTP');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    const exported = world.companion.auditLog(50).filter((e) => e.event === 'workout.exported');
    expect(exported.map((e) => e.detail.to)).toEqual(['watch', 'file']);
    expect(exported[0]!.detail).toMatchObject({ workout: id, agent: 'coach-gpt' });
    // Nothing went to Garmin's Training API.
    expect(sim.training.workouts()).toEqual([]);
  });
});
