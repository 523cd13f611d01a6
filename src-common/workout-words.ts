/**
 * A workout (src-common/workout.ts) in words and in numbers a chart can draw: the one way the MCP
 * tools' summaries, the CLI, the app's approval card and the plan-against-done answer say it. Plain
 * TypeScript, no zod and no Node module: the renderer bundles it.
 */
import { clockTime } from './format.js';
import type { StepEnd, StepKind, StepTarget, Workout, WorkoutItem, WorkoutStep } from './workout.js';
import type { WorkoutStatus } from './workout-contract.js';

/** Where a workout is, in words (the CLI, the app). */
export const STATUS_WORDS: Readonly<Record<WorkoutStatus, string>> = {
  awaiting_approval: 'awaiting your approval',
  approved: 'approved, not on Garmin yet',
  on_garmin: 'on Garmin (no date to schedule it on)',
  scheduled: 'scheduled on Garmin',
  done: 'done',
  missed: 'missed',
  rejected: 'rejected',
};

export const STEP_KIND_WORDS: Readonly<Record<StepKind, string>> = {
  warmup: 'Warm-up',
  active: 'Active',
  interval: 'Interval',
  recovery: 'Recovery',
  rest: 'Rest',
  cooldown: 'Cool-down',
};

/** 800 m, 1 km, 1.61 km. */
export function distanceWords(meters: number): string {
  if (meters < 1000) return `${Math.round(meters)} m`;
  return `${Number((meters / 1000).toFixed(2))} km`;
}

/** m:ss per km. */
export const paceWords = (secondsPerKm: number) => `${clockTime(secondsPerKm)}/km`;

export function endWords(end: StepEnd): string {
  switch (end.by) {
    case 'time':
      return clockTime(end.seconds);
    case 'distance':
      return distanceWords(end.meters);
    case 'lap_button':
      return 'until you press lap';
    case 'hr_below':
      return `until heart rate drops below ${end.bpm} bpm`;
    case 'hr_above':
      return `until heart rate rises above ${end.bpm} bpm`;
  }
}

/** The target in words, or null for an open step. */
export function targetWords(target: StepTarget | undefined): string | null {
  if (!target) return null;
  switch (target.type) {
    case 'none':
      return null;
    case 'pace':
      return `at ${clockTime(target.fast_s_per_km)}–${clockTime(target.slow_s_per_km)}/km`;
    case 'heart_rate':
      return `at ${target.low}–${target.high} bpm`;
    case 'heart_rate_zone':
      return `in heart-rate zone ${target.zone}`;
    case 'cadence':
      return `at ${target.low}–${target.high} steps/min`;
    case 'power':
      return `at ${target.low}–${target.high} W`;
    case 'power_zone':
      return `in power zone ${target.zone}`;
  }
}

/** "Interval: 800 m at 3:55–4:05/km". */
export function stepWords(step: WorkoutStep): string {
  const target = targetWords(step.target);
  return `${STEP_KIND_WORDS[step.kind]}: ${endWords(step.end)}${target ? ` ${target}` : ''}`;
}

/** A step, or a repeat as "6 × (Interval: 800 m at …; Recovery: 1:30)". */
export function itemWords(item: WorkoutItem): string {
  return item.kind === 'repeat' ? `${item.times} × (${item.steps.map(stepWords).join('; ')})` : stepWords(item);
}

/** One step as the watch runs it: repeats written out, in order. */
export interface PlannedStep {
  /** 0-based, in the order the watch runs them. */
  readonly index: number;
  readonly step: WorkoutStep;
  /** For a step inside a repeat: which round of how many. */
  readonly round: number | null;
  readonly rounds: number | null;
  /** "Interval 2 of 6", "Warm-up". */
  readonly label: string;
}

export function expandSteps(workout: Pick<Workout, 'steps'>): PlannedStep[] {
  const out: PlannedStep[] = [];
  for (const item of workout.steps) {
    if (item.kind !== 'repeat') {
      out.push({ index: out.length, step: item, round: null, rounds: null, label: STEP_KIND_WORDS[item.kind] });
      continue;
    }
    for (let round = 1; round <= item.times; round++) {
      for (const step of item.steps) out.push({ index: out.length, step, round, rounds: item.times, label: `${STEP_KIND_WORDS[step.kind]} ${round} of ${item.times}` });
    }
  }
  return out;
}

/** Seconds per km assumed where a step has no pace to go by (estimates only). */
const ASSUMED_PACE: Readonly<Record<Workout['sport'], number>> = { running: 360, cycling: 144 };

/** A step's pace target's middle, seconds per km, or null. */
const targetPace = (step: WorkoutStep): number | null => (step.target?.type === 'pace' ? (step.target.fast_s_per_km + step.target.slow_s_per_km) / 2 : null);

/** How long and how far a planned step is expected to be: exact where it is given, else from its pace (or an assumed one); null for an open end. */
export function stepEstimate(step: WorkoutStep, sport: Workout['sport']): { seconds: number | null; meters: number | null } {
  const pace = targetPace(step) ?? ASSUMED_PACE[sport];
  switch (step.end.by) {
    case 'time':
      return { seconds: step.end.seconds, meters: (step.end.seconds / pace) * 1000 };
    case 'distance':
      return { seconds: (step.end.meters / 1000) * pace, meters: step.end.meters };
    default:
      return { seconds: null, meters: null };
  }
}

/** The whole workout's expected time and distance, and how many steps end open (lap button, heart rate) and are not counted. */
export function workoutEstimate(workout: Pick<Workout, 'steps' | 'sport'>): { seconds: number; meters: number; openSteps: number } {
  let seconds = 0;
  let meters = 0;
  let openSteps = 0;
  for (const planned of expandSteps(workout)) {
    const e = stepEstimate(planned.step, workout.sport);
    if (e.seconds === null || e.meters === null) openSteps++;
    else {
      seconds += e.seconds;
      meters += e.meters;
    }
  }
  return { seconds, meters, openSteps };
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** "Tuesday 2026-11-24". */
export function dayWords(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const weekday = WEEKDAYS[new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay()];
  return `${weekday} ${date}`;
}

/**
 * The workout in one paragraph: what, when, its steps in words, and about how long and far. What
 * `propose_workout` answers and the approval card shows above the steps.
 */
export function summarizeWorkout(workout: Workout): string {
  const when = workout.date ? ` for ${dayWords(workout.date)}` : ' with no date (it goes to Garmin unscheduled)';
  const steps = workout.steps.map(itemWords).join('; then ');
  const e = workoutEstimate(workout);
  const size =
    e.seconds > 0
      ? ` About ${clockTime(Math.round(e.seconds / 60) * 60).replace(/:00$/, '')} ${e.seconds >= 3600 ? 'h' : 'min'} and ${distanceWords(Math.round(e.meters / 10) * 10)}${e.openSteps ? `, plus ${e.openSteps} step${e.openSteps > 1 ? 's that end' : ' that ends'} open` : ''}.`
      : '';
  return `“${workout.name}”, ${workout.sport}${when}: ${steps}.${size}${workout.notes ? ` Notes: ${workout.notes}` : ''}`;
}

/** One block of the planned-intensity chart: where it starts, how wide, how hard (0–1). */
export interface IntensityBlock {
  readonly startS: number;
  readonly seconds: number;
  /** 0 (rest) to 1 (the hardest effort), from the target where there is one, else from the kind of step. */
  readonly level: number;
  readonly kind: StepKind;
  readonly label: string;
  /** The width is a guess: the step ends on the lap button or a heart rate. */
  readonly open: boolean;
}

const KIND_LEVEL: Readonly<Record<StepKind, number>> = { rest: 0.08, recovery: 0.2, warmup: 0.3, cooldown: 0.3, active: 0.55, interval: 0.85 };
const clamp01 = (x: number) => Math.min(1, Math.max(0.05, x));

function levelOf(step: WorkoutStep, sport: Workout['sport']): number {
  const t = step.target;
  if (!t) return KIND_LEVEL[step.kind];
  switch (t.type) {
    case 'pace': {
      // Speed between an easy and a very fast one for the sport.
      const speed = 1000 / ((t.fast_s_per_km + t.slow_s_per_km) / 2);
      const [easy, fast] = sport === 'cycling' ? [5, 14] : [2.2, 5.8];
      return clamp01((speed - easy) / (fast - easy));
    }
    case 'heart_rate':
      return clamp01(((t.low + t.high) / 2 - 100) / 90);
    case 'heart_rate_zone':
      return t.zone / 5;
    case 'power_zone':
      return t.zone / 7;
    default:
      return KIND_LEVEL[step.kind];
  }
}

/** The planned intensity over time, a block per step as the watch runs them (an open-ended step drawn a minute wide). */
export function intensityBlocks(workout: Pick<Workout, 'steps' | 'sport'>): IntensityBlock[] {
  let at = 0;
  return expandSteps(workout).map((planned) => {
    const e = stepEstimate(planned.step, workout.sport);
    const seconds = e.seconds ?? 60;
    const block = { startS: at, seconds, level: levelOf(planned.step, workout.sport), kind: planned.step.kind, label: planned.label, open: e.seconds === null };
    at += seconds;
    return block;
  });
}
