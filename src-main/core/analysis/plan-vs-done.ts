/**
 * A planned workout against the run that did it, step by step (docs/metrics.md, "Plan against
 * done"). Pure: the plan, the cleaned samples, the lap starts and the HR zones in; figures out.
 *
 * Where the steps are in the run: a watch running a workout starts a lap at each step, so when the
 * run has exactly one lap per planned step (repeats written out) the laps are the steps. Otherwise
 * the samples are cut by the plan itself: a time step takes that much moving time, a distance step
 * that much distance, a lap-button step runs to the next lap, a heart-rate step until the heart rate
 * crosses its value; the run's end cuts whatever step it falls in.
 *
 * Per step: completed (90 % of its time or distance covered, or its end reached), cut short
 * (started, less covered), skipped (not run, or a lap of under 10 s: the lap button pressed to skip
 * it); its moving time, distance, pace and average HR; and the moving seconds whose value (speed
 * for a pace target, heart rate, cadence) was within, under or over the target range. Power is not
 * in Garmin's samples: a power step has no time in target.
 */
import type { HrZone } from '../../../src-common/coaching-contract.js';
import type { StepResult } from '../../../src-common/workout-contract.js';
import type { Workout, WorkoutStep } from '../../../src-common/workout.js';
import { expandSteps, stepWords, targetWords, type PlannedStep } from '../../../src-common/workout-words.js';
import type { Series } from './samples.js';
import { byElapsed, totalsByElapsed } from './windows.js';
import { round } from './stats.js';

/** A step covered this much of its time or distance is completed. */
export const COMPLETED_SHARE = 0.9;
/** A lap this short is a step skipped with the lap button. */
export const SKIPPED_LAP_S = 10;
/** A heart-rate end is looked for only after this long in the step (the heart rate takes a while to answer). */
const HR_END_AFTER_S = 10;

export interface PlanComparison {
  readonly steps_found_by: 'laps' | 'plan';
  readonly steps: StepResult[];
  readonly completed: number;
  readonly cut_short: number;
  readonly skipped: number;
  readonly in_target_pct: number | null;
  readonly summary: string;
}

/** A value range the samples are judged against, or null when the samples cannot say (power, no zones). */
type Judge = { readonly value: (i: number) => number | null; readonly low: number; readonly high: number } | null;

function judgeOf(step: WorkoutStep, series: Series, zones: readonly HrZone[] | null): Judge {
  const t = step.target;
  const { samples } = series;
  const hr = (i: number) => samples[i]!.hr;
  switch (t?.type) {
    case 'pace': {
      // The interval's speed: the sample's, else its distance over its time.
      const speed = (i: number) => {
        const a = samples[i]!;
        const b = samples[i + 1]!;
        if (a.speed !== null) return a.speed;
        return a.distance !== null && b.distance !== null && b.t > a.t ? (b.distance - a.distance) / (b.t - a.t) : null;
      };
      return { value: speed, low: 1000 / t.slow_s_per_km, high: 1000 / t.fast_s_per_km };
    }
    case 'heart_rate':
      return { value: hr, low: t.low, high: t.high };
    case 'heart_rate_zone': {
      const zone = zones?.find((z) => z.zone === t.zone);
      return zone ? { value: hr, low: zone.from_bpm, high: zone.to_bpm ?? Infinity } : null;
    }
    case 'cadence':
      return { value: (i) => samples[i]!.cadence, low: t.low, high: t.high };
    default:
      return null;
  }
}

/** Moving seconds of [from, to) within, under and over the judge's range (only those with a value). */
function timeInTarget(series: Series, from: number, to: number, judge: Judge): { inS: number; underS: number; overS: number } | null {
  if (!judge) return null;
  let inS = 0;
  let underS = 0;
  let overS = 0;
  for (const { i, f } of byElapsed(series, from, to)) {
    const active = (series.moving[i + 1]! - series.moving[i]!) * f;
    if (active <= 0) continue;
    const v = judge.value(i);
    if (v === null) continue;
    if (v < judge.low) underS += active;
    else if (v > judge.high) overS += active;
    else inS += active;
  }
  return { inS, underS, overS };
}

/** The elapsed time at which the moving time reaches `moving`, or null past the end. */
function elapsedAtMoving(series: Series, moving: number): number | null {
  const { samples, moving: m } = series;
  for (let i = 0; i + 1 < samples.length; i++) {
    if (m[i + 1]! >= moving && m[i + 1]! > m[i]!) return samples[i]!.t + ((moving - m[i]!) / (m[i + 1]! - m[i]!)) * (samples[i + 1]!.t - samples[i]!.t);
  }
  return null;
}

/** The elapsed time at which the distance reaches `meters`, or null past the end (or without distance). */
function elapsedAtDistance(series: Series, meters: number): number | null {
  const { samples } = series;
  for (let i = 0; i + 1 < samples.length; i++) {
    const d0 = samples[i]!.distance;
    const d1 = samples[i + 1]!.distance;
    if (d0 !== null && d1 !== null && d1 >= meters && d1 > d0) return samples[i]!.t + ((meters - d0) / (d1 - d0)) * (samples[i + 1]!.t - samples[i]!.t);
  }
  return null;
}

/** The distance (or moving time) covered at an elapsed time. */
function atElapsed(series: Series, t: number, what: 'distance' | 'moving'): number | null {
  const { samples } = series;
  const value = (i: number) => (what === 'moving' ? series.moving[i]! : samples[i]!.distance);
  for (let i = 0; i + 1 < samples.length; i++) {
    if (samples[i + 1]!.t >= t) {
      const a = value(i);
      const b = value(i + 1);
      if (a === null || b === null) return null;
      const span = samples[i + 1]!.t - samples[i]!.t;
      return span > 0 ? a + ((t - samples[i]!.t) / span) * (b - a) : b;
    }
  }
  const last = samples.length ? value(samples.length - 1) : null;
  return last;
}

/** Where a step ends when the samples are cut by the plan, and whether its own end was reached. */
function planEnd(series: Series, step: WorkoutStep, start: number, laps: readonly number[], runEnd: number): { end: number; reached: boolean } {
  const e = step.end;
  let end: number | null = null;
  if (e.by === 'time') {
    const m = atElapsed(series, start, 'moving');
    end = m === null ? null : elapsedAtMoving(series, m + e.seconds);
  } else if (e.by === 'distance') {
    const d = atElapsed(series, start, 'distance');
    end = d === null ? null : elapsedAtDistance(series, d + e.meters);
  } else if (e.by === 'lap_button') {
    end = laps.find((lap) => lap > start + 1) ?? null;
  } else {
    const below = e.by === 'hr_below';
    const hit = series.samples.find((s) => s.t >= start + HR_END_AFTER_S && s.hr !== null && (below ? s.hr < e.bpm : s.hr > e.bpm));
    end = hit ? hit.t : null;
  }
  return end === null || end > runEnd ? { end: runEnd, reached: e.by === 'lap_button' && end === null } : { end, reached: true };
}

/** How much of a step's time or distance [from, to) covers: 1 for an end that was reached, else the share. */
function coveredShare(series: Series, step: WorkoutStep, from: number, to: number, reached: boolean): number {
  const e = step.end;
  if (e.by === 'time') return Math.min(1, ((atElapsed(series, to, 'moving') ?? 0) - (atElapsed(series, from, 'moving') ?? 0)) / e.seconds);
  if (e.by === 'distance') {
    const a = atElapsed(series, from, 'distance');
    const b = atElapsed(series, to, 'distance');
    return a === null || b === null ? 0 : Math.min(1, (b - a) / e.meters);
  }
  return reached ? 1 : 0;
}

const roundOr = (x: number | null, digits = 0) => (x === null || !Number.isFinite(x) ? null : round(x, digits));

/** Compares a planned workout with the run that did it. */
export function comparePlan(plan: Pick<Workout, 'steps' | 'sport'>, series: Series, lapStarts: readonly number[], zones: readonly HrZone[] | null): PlanComparison {
  const planned = expandSteps(plan);
  const first = series.samples[0]?.t ?? 0;
  const runEnd = series.samples.at(-1)?.t ?? 0;
  const laps = [...new Set(lapStarts.filter((t) => Number.isFinite(t) && t > first && t < runEnd))].sort((a, b) => a - b);
  const byLaps = laps.length + 1 === planned.length && planned.length > 1;
  const windows: Array<{ step: PlannedStep; from: number; to: number; reached: boolean } | { step: PlannedStep; from: null }> = [];
  let cursor = first;
  planned.forEach((step, k) => {
    if (byLaps) {
      const from = k === 0 ? first : laps[k - 1]!;
      const to = laps[k] ?? runEnd;
      // A lap at the step's end means the watch moved on: the runner reached it, or pressed lap.
      windows.push({ step, from, to, reached: k < laps.length || step.step.end.by === 'lap_button' });
      return;
    }
    if (cursor >= runEnd) {
      windows.push({ step, from: null });
      return;
    }
    const { end, reached } = planEnd(series, step.step, cursor, laps, runEnd);
    windows.push({ step, from: cursor, to: end, reached });
    cursor = end;
  });

  let inAll = 0;
  let judgedAll = 0;
  const steps: StepResult[] = windows.map((w) => {
    const base = { index: w.step.index, label: w.step.label, planned: stepWords(w.step.step), target: targetWords(w.step.step.target) };
    if (w.from === null) return { ...base, status: 'skipped', seconds: null, meters: null, pace_s_per_km: null, avg_hr: null, in_target_s: null, in_target_pct: null, under_s: null, over_s: null };
    const totals = totalsByElapsed(series, w.from, w.to);
    const share = coveredShare(series, w.step.step, w.from, w.to, w.reached);
    const lapSkipped = byLaps && w.to - w.from < SKIPPED_LAP_S;
    const endReached = w.step.step.end.by === 'time' || w.step.step.end.by === 'distance' ? share >= COMPLETED_SHARE : w.reached || w.step.step.end.by === 'lap_button';
    const status = lapSkipped || totals.movingS < 1 ? 'skipped' : endReached ? 'completed' : 'cut_short';
    const judged = timeInTarget(series, w.from, w.to, judgeOf(w.step.step, series, zones));
    const judgedS = judged ? judged.inS + judged.underS + judged.overS : 0;
    if (judged && status !== 'skipped') {
      inAll += judged.inS;
      judgedAll += judgedS;
    }
    return {
      ...base,
      status,
      seconds: roundOr(totals.movingS),
      meters: roundOr(totals.distanceM),
      pace_s_per_km: totals.distanceM >= 10 ? roundOr(totals.movingS / (totals.distanceM / 1000)) : null,
      avg_hr: roundOr(totals.avgHr),
      in_target_s: judged ? roundOr(judged.inS) : null,
      in_target_pct: judged && judgedS > 0 ? roundOr((judged.inS / judgedS) * 100) : null,
      under_s: judged ? roundOr(judged.underS) : null,
      over_s: judged ? roundOr(judged.overS) : null,
    };
  });
  const count = (status: StepResult['status']) => steps.filter((s) => s.status === status).length;
  const completed = count('completed');
  const cutShort = count('cut_short');
  const skipped = count('skipped');
  const inTarget = judgedAll > 0 ? roundOr((inAll / judgedAll) * 100) : null;
  const missedTargets = steps.filter((s) => s.in_target_pct !== null && s.in_target_pct < 50).map((s) => s.label);
  const summary = [
    `${completed} of ${steps.length} steps completed${cutShort ? `, ${cutShort} cut short` : ''}${skipped ? `, ${skipped} skipped` : ''}`,
    inTarget !== null ? `${inTarget} % of the time in steps with a target within it` : null,
    missedTargets.length ? `mostly off target: ${missedTargets.slice(0, 4).join(', ')}${missedTargets.length > 4 ? ' …' : ''}` : null,
  ]
    .filter((part): part is string => part !== null)
    .join('; ');
  return { steps_found_by: byLaps ? 'laps' : 'plan', steps, completed, cut_short: cutShort, skipped, in_target_pct: inTarget, summary: `${summary}.` };
}
