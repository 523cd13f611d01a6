import { describe, expect, it } from 'vitest';
import { parseWorkout, type Workout } from '../../src-common/workout.js';
import { comparePlan } from '../../src-main/core/analysis/plan-vs-done.js';
import { cleanSamples } from '../../src-main/core/analysis/samples.js';
import { parseActivityDetails } from '../../src-main/core/garmin/activity-details.js';
import { zonesFor } from '../../src-main/core/analysis/zones.js';
import { intervalRun, intervalSession } from '../support/workouts.js';

const plan = (input: unknown) => (parseWorkout(input) as { value: Workout }).value;
const START = 1_795_000_000;

function compare(run: ReturnType<typeof intervalRun>, workout = plan(intervalSession('2026-11-24')), zones = null as ReturnType<typeof zonesFor> | null) {
  const details = parseActivityDetails(run.details)!;
  return comparePlan(workout, cleanSamples(details.samples), details.lapStarts, zones);
}

describe('plan against done (analysis/plan-vs-done.ts)', () => {
  it('cuts a run without laps by the plan, and finds each step’s time in its target range to the second', () => {
    const result = compare(intervalRun(START));
    expect(result.steps_found_by).toBe('plan');
    const rows = result.steps.map((s) => [s.label, s.status, s.seconds, s.meters, s.pace_s_per_km, s.avg_hr, s.in_target_s, s.under_s, s.over_s, s.in_target_pct]);
    expect(rows).toEqual([
      ['Warm-up', 'completed', 300, 900, 333, 135, 300, 0, 0, 100],
      ['Interval 1 of 3', 'completed', 240, 1000, 240, 168, 240, 0, 0, 100],
      ['Recovery 1 of 3', 'completed', 120, 300, 400, 140, null, null, null, null],
      // 500 m at 4:00 within 3:55–4:05, then 500 m at 4:20: 130 s slower than the range.
      ['Interval 2 of 3', 'completed', 250, 1000, 250, 171, 120, 130, 0, 48],
      ['Recovery 2 of 3', 'completed', 120, 300, 400, 145, null, null, null, null],
      // 3:45/km throughout: 225 s faster than the range.
      ['Interval 3 of 3', 'completed', 225, 1000, 225, 178, 0, 0, 225, 0],
      ['Recovery 3 of 3', 'completed', 120, 300, 400, 150, null, null, null, null],
      ['Cool-down', 'completed', 300, 900, 333, 138, null, null, null, null],
    ]);
    expect(result.steps[3]).toMatchObject({ planned: 'Interval: 1 km at 3:55–4:05/km', target: 'at 3:55–4:05/km' });
    // (300 + 240 + 120 + 0) of (300 + 240 + 250 + 225) seconds with a target.
    expect(result.in_target_pct).toBe(65);
    expect(result).toMatchObject({ completed: 8, cut_short: 0, skipped: 0 });
    expect(result.summary).toBe('8 of 8 steps completed; 65 % of the time in steps with a target within it; mostly off target: Interval 2 of 3, Interval 3 of 3.');
  });

  it('a run stopped in the middle of rep 3: that step cut short, the rest skipped', () => {
    // 113 s into rep 3 (502 m of 1000).
    const result = compare(intervalRun(START, { stopAfterS: 300 + 240 + 120 + 250 + 120 + 113 }));
    expect(result.steps.slice(5).map((s) => [s.label, s.status, s.seconds, s.over_s])).toEqual([
      ['Interval 3 of 3', 'cut_short', 113, 113],
      ['Recovery 3 of 3', 'skipped', null, null],
      ['Cool-down', 'skipped', null, null],
    ]);
    expect(result.summary).toMatch(/^5 of 8 steps completed, 1 cut short, 2 skipped; /);
  });

  it('takes the laps as the steps when there is one per step (a watch running the workout), and a lap of seconds as a step skipped', () => {
    const withLaps = compare(intervalRun(START, { laps: true }));
    expect(withLaps.steps_found_by).toBe('laps');
    expect(withLaps.steps.map((s) => [s.status, s.seconds])).toEqual([
      ['completed', 300],
      ['completed', 240],
      ['completed', 120],
      ['completed', 250],
      ['completed', 120],
      ['completed', 225],
      ['completed', 120],
      ['completed', 300],
    ]);
    // The runner pressed lap 5 s into the second recovery: it counts as skipped, the laps still line up.
    const run = intervalRun(START, { laps: true });
    const skipAt = run.summary.startTimeInSeconds + 300 + 240 + 120 + 250 + 5;
    run.details.laps = run.details.laps.map((lap) => (lap.startTimeInSeconds === skipAt - 5 + 120 ? { startTimeInSeconds: skipAt } : lap));
    const skipped = compare(run);
    expect(skipped.steps[4]).toMatchObject({ label: 'Recovery 2 of 3', status: 'skipped', seconds: 5 });
    expect(skipped.skipped).toBe(1);
  });

  it('judges a heart-rate zone by the runner’s zones, and says nothing where the samples cannot (no zones, power)', () => {
    const workout = plan({
      name: 'Zones',
      sport: 'running',
      steps: [
        { kind: 'warmup', end: { by: 'time', seconds: 300 }, target: { type: 'heart_rate_zone', zone: 2 } },
        { kind: 'active', end: { by: 'time', seconds: 240 }, target: { type: 'power', low: 250, high: 300 } },
        { kind: 'recovery', end: { by: 'hr_below', bpm: 150 } },
      ],
    });
    // Max 190, rest 50, % of reserve: zone 2 is 134–148 bpm; the warm-up's 135 bpm is within.
    const zones = zonesFor('hrr', 190, 50);
    const judged = compare(intervalRun(START), workout, zones);
    expect(judged.steps[0]).toMatchObject({ in_target_s: 300, in_target_pct: 100 });
    expect(judged.steps[1]).toMatchObject({ in_target_s: null, in_target_pct: null });
    // The recovery ends when HR first drops below 150 bpm: the first jog (140 bpm), 10 s in.
    expect(judged.steps[2]).toMatchObject({ status: 'completed', seconds: 10 });
    expect(compare(intervalRun(START), workout, null).steps[0]).toMatchObject({ in_target_s: null });
  });
});
