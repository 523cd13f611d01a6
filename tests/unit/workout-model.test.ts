import { describe, expect, it } from 'vitest';
import { MAX_WORKOUT_STEPS, parseWorkout, stepCount, type Workout } from '../../src-common/workout.js';
import { expandSteps, intensityBlocks, itemWords, summarizeWorkout, workoutEstimate } from '../../src-common/workout-words.js';
import { INTERVALS } from '../support/workouts.js';


/** A proposal as loose JSON, to spoil one field at a time. */
interface Loose {
  [key: string]: unknown;
  steps: LooseStep[];
}
interface LooseStep {
  [key: string]: unknown;
  steps?: LooseStep[];
}
const variant = (change: (w: Loose) => void): unknown => {
  const w = structuredClone(INTERVALS) as unknown as Loose;
  change(w);
  return w;
};
const refusal = (input: unknown): string => {
  const parsed = parseWorkout(input);
  if (parsed.ok) throw new Error('expected a refusal');
  return parsed.message;
};

describe('the workout model (src-common/workout.ts)', () => {
  it('accepts steps ending by time, distance, lap button and heart rate, with every kind of target, and a repeat', () => {
    const parsed = parseWorkout(INTERVALS);
    expect(parsed.ok).toBe(true);
    const all = parseWorkout({
      name: 'Everything',
      sport: 'cycling',
      steps: [
        { kind: 'warmup', end: { by: 'hr_above', bpm: 120 }, target: { type: 'none' } },
        { kind: 'active', end: { by: 'time', seconds: 600 }, target: { type: 'heart_rate', low: 140, high: 150 } },
        { kind: 'active', end: { by: 'time', seconds: 600 }, target: { type: 'cadence', low: 85, high: 95 } },
        { kind: 'interval', end: { by: 'time', seconds: 300 }, target: { type: 'power', low: 250, high: 280 } },
        { kind: 'interval', end: { by: 'time', seconds: 300 }, target: { type: 'power_zone', zone: 7 } },
        { kind: 'rest', end: { by: 'hr_below', bpm: 110 } },
        { kind: 'cooldown', end: { by: 'lap_button' }, note: 'easy spin' },
      ],
    });
    expect(all.ok).toBe(true);
  });

  it('refuses, in clear words naming the place, a pace range given backwards, a 40-hour step, 101 steps and a zone that does not exist', () => {
    expect(refusal(variant((w) => (w.steps[1]!.steps![0]!.target = { type: 'pace', fast_s_per_km: 245, slow_s_per_km: 235 })))).toBe(
      'The workout is not valid: steps[1].steps[0].target: the pace range is backwards: fast_s_per_km (4:05/km) must be the quicker pace, fewer seconds per km than slow_s_per_km (3:55/km); swap them.',
    );
    expect(refusal(variant((w) => (w.steps[0]!.end = { by: 'time', seconds: 40 * 3600 })))).toContain(
      'steps[0].end.seconds: a step lasts at most 12 hours (43200 s); 40:00:00 (144000 s) is longer',
    );
    const hundredAndOne = variant((w) => (w.steps = Array.from({ length: 101 }, () => ({ kind: 'active', end: { by: 'lap_button' } }))));
    expect(refusal(hundredAndOne)).toContain('steps: a workout holds at most 100 steps (each repeat counts as one, beside its own steps); this one has 101');
    // A repeat counts as one beside its steps: 1 + 33 × 3 = 100 is allowed, one more is not.
    const exactly = variant((w) => (w.steps = [{ kind: 'repeat', times: 2, steps: Array.from({ length: 99 }, () => ({ kind: 'active', end: { by: 'time', seconds: 60 } })) }]));
    expect(parseWorkout(exactly).ok).toBe(true);
    expect(stepCount((parseWorkout(exactly) as { value: Workout }).value.steps)).toBe(MAX_WORKOUT_STEPS);
    expect(refusal(variant((w) => (w.steps[0]!.target = { type: 'heart_rate_zone', zone: 6 })))).toContain("steps[0].target.zone: heart-rate zone 6 does not exist: Garmin's heart-rate zones are 1 to 5");
    expect(refusal(variant((w) => (w.steps[0]!.target = { type: 'power_zone', zone: 0 })))).toContain("power zone 0 does not exist: Garmin's power zones are 1 to 7");
  });

  it('refuses the rest of what a watch cannot run, each with its place and words', () => {
    const cases: Array<[(w: Loose) => void, string]> = [
      [(w) => w.steps[1]!.steps!.push({ kind: 'repeat', times: 2, steps: [] }), 'steps[1].steps[2]: repeats nest one level, as on the watch'],
      [(w) => (w.steps[0]!.target = { type: 'heart_rate', low: 170, high: 160 }), 'the heart-rate range is backwards: low (170 bpm) is above high (160 bpm)'],
      [(w) => (w.steps[0]!.target = { type: 'pace', fast_s_per_km: 240, slow_s_per_km: 240 }), 'the pace range is one pace (4:00/km)'],
      [(w) => (w.steps[0]!.kind = 'sprint'), 'steps[0].kind: must be one of repeat, warmup, active, interval, recovery, rest, cooldown'],
      [(w) => (w.steps[0]!.end = { by: 'calories', kcal: 300 }), 'steps[0].end.by: must be one of time, distance, lap_button, hr_below, hr_above'],
      [(w) => (w.date = '2026-02-30'), 'date: must be a real calendar date written YYYY-MM-DD'],
      [(w) => (w.colour = 'red'), 'has no field "colour"'],
      [(w) => void delete w.sport, 'sport: is missing: it must be running or cycling'],
      [(w) => (w.steps[1]!.times = 1), 'steps[1].times: a repeat runs its steps from 2 to 99 times, not 1'],
      [(w) => (w.steps[0]!.end = { by: 'distance', meters: 0 }), 'a step covers from 1 m to 200 km, not 0 m'],
      [(w) => (w.steps[0]!.end = { by: 'hr_below', bpm: 400 }), 'bpm must be from 30 to 250 bpm, not 400'],
      [(w) => (w.steps = []), 'steps: a workout needs at least one step'],
      [(w) => (w.notes = 'x'.repeat(1025)), 'notes have at most 1024 characters'],
    ];
    for (const [change, words] of cases) expect(refusal(variant(change))).toContain(words);
  });

  it('says the workout in words: one paragraph, each step, repeats written out for the watch', () => {
    const w = (parseWorkout(INTERVALS) as { value: Workout }).value;
    expect(itemWords(w.steps[1]!)).toBe('6 × (Interval: 800 m at 3:55–4:05/km; Recovery: 1:30)');
    expect(summarizeWorkout(w)).toBe(
      '“Tuesday 6 × 800 m”, running for Tuesday 2026-11-24: Warm-up: 15:00 in heart-rate zone 2; then 6 × (Interval: 800 m at 3:55–4:05/km; Recovery: 1:30); then Cool-down: until you press lap. About 43 min and 8.8 km, plus 1 step that ends open. Notes: Even splits; jog the recoveries.',
    );
    const steps = expandSteps(w);
    expect(steps).toHaveLength(14);
    expect(steps.map((s) => s.label).slice(0, 4)).toEqual(['Warm-up', 'Interval 1 of 6', 'Recovery 1 of 6', 'Interval 2 of 6']);
    // 900 s + 6 × (800 m at 4:00/km = 192 s) + 6 × 90 s; distance 2.5 km at the assumed 6:00/km + 4.8 km + 6 × 0.25 km.
    expect(workoutEstimate(w)).toEqual({ seconds: 900 + 6 * 192 + 540, meters: 2500 + 4800 + 1500, openSteps: 1 });
    const blocks = intensityBlocks(w);
    expect(blocks).toHaveLength(14);
    expect(blocks[1]!.level).toBeGreaterThan(blocks[0]!.level);
    expect(blocks[2]!.level).toBeLessThan(blocks[1]!.level);
    expect(blocks.at(-1)).toMatchObject({ open: true, kind: 'cooldown' });
  });
});
