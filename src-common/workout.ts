/**
 * A structured workout as an agent proposes it and the runner approves it: one strict schema
 * (docs/architecture.md rule 13) that every surface parses with (the MCP tool `propose_workout`,
 * `POST /v1/workouts`, the CLI, the app), and that the Garmin Training API body and the FIT file
 * are written from. Plain zod, no Node module.
 *
 * The model is what a watch can run: steps (warm-up, active, interval, recovery, rest, cool-down)
 * that end after a time, a distance, a press of the lap button or a heart rate; a target per step
 * (a pace range, a heart-rate range or zone, a cadence range, a power range or zone, or none);
 * repeats nested one level, as on the watch. Limits are Garmin's where Garmin has one (100 steps in
 * a workout, 1024 characters of description, zones 1–5 and 1–7) and plain sense elsewhere.
 */
import { z } from 'zod';
import { isoDate } from './data-query.js';
import { clockTime } from './format.js';

export const WORKOUT_SPORTS = ['running', 'cycling'] as const;
export type WorkoutSport = (typeof WORKOUT_SPORTS)[number];

/** Step kinds, as Garmin's intensities: WARMUP, ACTIVE, INTERVAL, RECOVERY, REST, COOLDOWN. */
export const STEP_KINDS = ['warmup', 'active', 'interval', 'recovery', 'rest', 'cooldown'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Garmin's limit for a single-sport workout: 100 steps, a repeat counting as one beside its own steps. */
export const MAX_WORKOUT_STEPS = 100;
/** No step runs longer than this (12 hours). */
export const MAX_STEP_SECONDS = 12 * 3600;
/** No step covers more than this (200 km). */
export const MAX_STEP_METRES = 200_000;
/** Garmin truncates a workout's description past 1024 characters. */
export const MAX_WORKOUT_NOTES = 1024;
export const MAX_WORKOUT_NAME = 80;
export const MAX_STEP_NOTE = 200;
export const MAX_REPEATS = 99;
export const HR_ZONES = 5;
export const POWER_ZONES = 7;
/**
 * Paces a runner or rider may aim at, seconds per km: 1:00/km (60 km/h) to 17:00/km (a slow walk).
 * Garmin carries a pace as a speed to the mm/s (the Training API's m/s to three decimals, a FIT
 * file's mm/s): up to 17:00/km that speed still says the pace to the second.
 */
export const PACE_RANGE_S_PER_KM = [60, 1020] as const;
export const HR_RANGE_BPM = [30, 250] as const;
export const CADENCE_RANGE = [20, 250] as const;
export const POWER_RANGE_W = [1, 2500] as const;

const pace = (text: number) => `${clockTime(text)}/km`;
const custom = (ctx: z.RefinementCtx, message: string, path: PropertyKey[] = []) => ctx.addIssue({ code: 'custom', message, path });

/** A whole number within [min, max], or an issue that says the bounds (and the unit) in words. */
const bounded = (what: string, [min, max]: readonly [number, number], unit: string) =>
  z
    .number()
    .int(`${what} must be a whole number of ${unit}`)
    .superRefine((value, ctx) => {
      if (value < min || value > max) custom(ctx, `${what} must be from ${min} to ${max} ${unit}, not ${value}`);
    });

const bpm = (what: string) => bounded(what, HR_RANGE_BPM, 'bpm');

// --- How a step ends -----------------------------------------------------------------------------

const byTime = z.strictObject({
  by: z.literal('time'),
  seconds: z
    .number()
    .int('seconds must be a whole number')
    .superRefine((s, ctx) => {
      if (s < 1) custom(ctx, `a step lasts at least 1 second, not ${s}`);
      else if (s > MAX_STEP_SECONDS) custom(ctx, `a step lasts at most 12 hours (${MAX_STEP_SECONDS} s); ${clockTime(s)} (${s} s) is longer: split it, or end it by distance or the lap button`);
    }),
});
const byDistance = z.strictObject({
  by: z.literal('distance'),
  meters: z.number().superRefine((m, ctx) => {
    if (!(m >= 1) || m > MAX_STEP_METRES) custom(ctx, `a step covers from 1 m to ${MAX_STEP_METRES / 1000} km, not ${m} m`);
  }),
});
const byLapButton = z.strictObject({ by: z.literal('lap_button') });
const byHrBelow = z.strictObject({ by: z.literal('hr_below'), bpm: bpm('bpm') });
const byHrAbove = z.strictObject({ by: z.literal('hr_above'), bpm: bpm('bpm') });

/** When a step ends: after a time, a distance, a press of the lap button, or once the heart rate drops below or rises above a value. */
export const stepEnd = z.discriminatedUnion('by', [byTime, byDistance, byLapButton, byHrBelow, byHrAbove]);
export type StepEnd = z.infer<typeof stepEnd>;

// --- What a step aims at -------------------------------------------------------------------------

const paceTarget = z
  .strictObject({
    type: z.literal('pace'),
    /** The quicker end of the range: fewer seconds per km. */
    fast_s_per_km: bounded('fast_s_per_km', PACE_RANGE_S_PER_KM, 'seconds per km'),
    /** The slower end: more seconds per km. */
    slow_s_per_km: bounded('slow_s_per_km', PACE_RANGE_S_PER_KM, 'seconds per km'),
  })
  .superRefine((t, ctx) => {
    if (t.fast_s_per_km > t.slow_s_per_km) {
      custom(
        ctx,
        `the pace range is backwards: fast_s_per_km (${pace(t.fast_s_per_km)}) must be the quicker pace, fewer seconds per km than slow_s_per_km (${pace(t.slow_s_per_km)}); swap them`,
      );
    } else if (t.fast_s_per_km === t.slow_s_per_km) {
      custom(ctx, `the pace range is one pace (${pace(t.fast_s_per_km)}): give a range, e.g. ${pace(t.fast_s_per_km - 5)} to ${pace(t.slow_s_per_km + 5)}`);
    }
  });

/** A low–high range that must be given in that order, in words. */
const range = <T extends string>(type: T, what: string, bounds: readonly [number, number], unit: string) =>
  z
    .strictObject({ type: z.literal(type), low: bounded('low', bounds, unit), high: bounded('high', bounds, unit) })
    .superRefine((t, ctx) => {
      if (t.low > t.high) custom(ctx, `the ${what} range is backwards: low (${t.low} ${unit}) is above high (${t.high} ${unit}); swap them`);
      else if (t.low === t.high) custom(ctx, `the ${what} range is one value (${t.low} ${unit}): give a range, e.g. ${t.low - 5} to ${t.high + 5}`);
    });

const zone = <T extends string>(type: T, what: string, zones: number) =>
  z.strictObject({
    type: z.literal(type),
    zone: z
      .number()
      .int('zone must be a whole number')
      .superRefine((n, ctx) => {
        if (n < 1 || n > zones) custom(ctx, `${what} zone ${n} does not exist: Garmin's ${what} zones are 1 to ${zones}`);
      }),
  });

/** A step's target; `none` (or no target at all) is an open step. */
export const stepTarget = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  paceTarget,
  range('heart_rate', 'heart-rate', HR_RANGE_BPM, 'bpm'),
  zone('heart_rate_zone', 'heart-rate', HR_ZONES),
  range('cadence', 'cadence', CADENCE_RANGE, 'steps per minute'),
  range('power', 'power', POWER_RANGE_W, 'W'),
  zone('power_zone', 'power', POWER_ZONES),
]);
export type StepTarget = z.infer<typeof stepTarget>;

// --- Steps and repeats ---------------------------------------------------------------------------

export const workoutStep = z.strictObject({
  kind: z.enum(STEP_KINDS, `must be one of ${STEP_KINDS.join(', ')} (or repeat)`),
  end: stepEnd,
  target: stepTarget.optional(),
  note: z.string().max(MAX_STEP_NOTE, `a step's note has at most ${MAX_STEP_NOTE} characters`).optional(),
});
export type WorkoutStep = z.infer<typeof workoutStep>;

export const workoutRepeat = z.strictObject({
  kind: z.literal('repeat'),
  times: z
    .number()
    .int('times must be a whole number')
    .superRefine((n, ctx) => {
      if (n < 2 || n > MAX_REPEATS) custom(ctx, `a repeat runs its steps from 2 to ${MAX_REPEATS} times, not ${n}`);
    }),
  steps: z
    .array(
      z.unknown().superRefine((item, ctx) => {
        // Checked before the step schema, so the words say what is wrong rather than "invalid kind".
        if (typeof item === 'object' && item !== null && (item as { kind?: unknown }).kind === 'repeat') {
          custom(ctx, 'repeats nest one level, as on the watch: a repeat cannot hold another repeat; write its steps out instead');
        }
      }).pipe(workoutStep),
    )
    .min(1, 'a repeat needs at least one step'),
});
export type WorkoutRepeat = z.infer<typeof workoutRepeat>;

export const workoutItem = z.discriminatedUnion('kind', [workoutRepeat, workoutStep]);
export type WorkoutItem = z.infer<typeof workoutItem>;

/** How many steps the watch holds for these items: each step, and each repeat beside its own steps. */
export function stepCount(items: readonly WorkoutItem[]): number {
  return items.reduce((n, item) => n + (item.kind === 'repeat' ? 1 + item.steps.length : 1), 0);
}

/** A workout as proposed: the one schema every surface parses with. */
export const workoutInput = z
  .strictObject({
    name: z.string().trim().min(1, 'a workout needs a name').max(MAX_WORKOUT_NAME, `a workout's name has at most ${MAX_WORKOUT_NAME} characters`),
    sport: z.enum(WORKOUT_SPORTS, `must be ${WORKOUT_SPORTS.join(' or ')}`),
    /** The runner's local date to do it on; without one it goes to Garmin unscheduled. */
    date: isoDate.optional(),
    notes: z.string().max(MAX_WORKOUT_NOTES, `notes have at most ${MAX_WORKOUT_NOTES} characters (Garmin cuts the rest)`).optional(),
    steps: z.array(workoutItem).min(1, 'a workout needs at least one step'),
  })
  .superRefine((w, ctx) => {
    const count = stepCount(w.steps);
    if (count > MAX_WORKOUT_STEPS) {
      custom(ctx, `a workout holds at most ${MAX_WORKOUT_STEPS} steps (each repeat counts as one, beside its own steps); this one has ${count}`, ['steps']);
    }
  });
export type Workout = z.infer<typeof workoutInput>;

/** A JSON path as an agent reads it: steps[2].target.low. */
function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out;
}

/** What `parseWorkout` gives: the workout, or what is wrong with it in words (at most three problems, each with where). */
export type WorkoutParse = { readonly ok: true; readonly value: Workout } | { readonly ok: false; readonly message: string };

const EXPECTED: Record<string, string> = { string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'an object', array: 'a list' };

/** Parses a proposed workout; the message names each problem's place (`steps[2].target`) and says what is wrong. */
export function parseWorkout(input: unknown): WorkoutParse {
  const result = workoutInput.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.slice(0, 3).map((issue) => {
    let words = issue.message;
    if (issue.code === 'invalid_type') words = issue.input === undefined ? 'is missing' : `must be ${EXPECTED[issue.expected] ?? issue.expected}`;
    else if (issue.code === 'invalid_value' && issue.input === undefined) words = `is missing: it ${words}`;
    else if (issue.code === 'unrecognized_keys') words = `has no field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    else if (issue.code === 'invalid_union' && 'discriminator' in issue) words = `must be one of ${(issue as { options?: unknown[] }).options?.map(String).join(', ') ?? 'the documented values'}`;
    const where = pathText(issue.path);
    return where ? `${where}: ${words}` : words;
  });
  const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : '';
  return { ok: false, message: `The workout is not valid: ${problems.join('; ')}${more}.` };
}
