/**
 * A workout (src-common/workout.ts) as Garmin's Training API V2 takes it on create: the body of
 * `POST /workoutportal/workout/v2`, shaped like V2's single-segment example (one segment, every
 * documented step field present, null where unused; stepOrder counts through the whole workout, a
 * repeat's steps continuing it). Units as ../shared/garmin-training-api.md says: seconds, metres,
 * speed in m/s (a pace range's slow end is targetValueLow, its fast end targetValueHigh), bpm,
 * watts, zones 1–5 (heart rate) and 1–7 (power).
 */
import type { StepEnd, StepKind, StepTarget, Workout, WorkoutStep } from '../../../src-common/workout.js';

/** What R42 signs its workouts with in Garmin Connect (at most 20 characters). */
export const WORKOUT_PROVIDER = 'R42';

const INTENSITY: Readonly<Record<StepKind, string>> = {
  warmup: 'WARMUP',
  active: 'ACTIVE',
  interval: 'INTERVAL',
  recovery: 'RECOVERY',
  rest: 'REST',
  cooldown: 'COOLDOWN',
};
const SPORT: Readonly<Record<Workout['sport'], string>> = { running: 'RUNNING', cycling: 'CYCLING' };

/** Metres per second, to the millimetre (as precise as a FIT file carries it). */
const mps = (secondsPerKm: number) => Math.round((1000 / secondsPerKm) * 1000) / 1000;

function duration(end: StepEnd): { durationType: string; durationValue: number | null; durationValueType: string | null } {
  switch (end.by) {
    case 'time':
      return { durationType: 'TIME', durationValue: end.seconds, durationValueType: null };
    case 'distance':
      return { durationType: 'DISTANCE', durationValue: end.meters, durationValueType: 'METER' };
    case 'lap_button':
      return { durationType: 'OPEN', durationValue: null, durationValueType: null };
    case 'hr_below':
      return { durationType: 'HR_LESS_THAN', durationValue: end.bpm, durationValueType: null };
    case 'hr_above':
      return { durationType: 'HR_GREATER_THAN', durationValue: end.bpm, durationValueType: null };
  }
}

function target(t: StepTarget | undefined): { targetType: string; targetValue: number | null; targetValueLow: number | null; targetValueHigh: number | null } {
  const none = { targetValue: null, targetValueLow: null, targetValueHigh: null };
  if (!t) return { targetType: 'OPEN', ...none };
  switch (t.type) {
    case 'none':
      return { targetType: 'OPEN', ...none };
    case 'pace':
      return { targetType: 'PACE', targetValue: null, targetValueLow: mps(t.slow_s_per_km), targetValueHigh: mps(t.fast_s_per_km) };
    case 'heart_rate':
      return { targetType: 'HEART_RATE', targetValue: null, targetValueLow: t.low, targetValueHigh: t.high };
    case 'heart_rate_zone':
      return { targetType: 'HEART_RATE', targetValue: t.zone, targetValueLow: null, targetValueHigh: null };
    case 'cadence':
      return { targetType: 'CADENCE', targetValue: null, targetValueLow: t.low, targetValueHigh: t.high };
    case 'power':
      return { targetType: 'POWER', targetValue: null, targetValueLow: t.low, targetValueHigh: t.high };
    case 'power_zone':
      return { targetType: 'POWER', targetValue: t.zone, targetValueLow: null, targetValueHigh: null };
  }
}

function step(s: WorkoutStep, stepOrder: number) {
  return {
    type: 'WorkoutStep',
    stepOrder,
    intensity: INTENSITY[s.kind],
    description: s.note ?? null,
    ...duration(s.end),
    ...target(s.target),
    targetValueType: null,
    secondaryTargetType: null,
    secondaryTargetValue: null,
    secondaryTargetValueLow: null,
    secondaryTargetValueHigh: null,
    secondaryTargetValueType: null,
    strokeType: null,
    drillType: null,
    equipmentType: null,
    exerciseCategory: null,
    exerciseName: null,
    weightValue: null,
    weightDisplayUnit: null,
  };
}

/** The create body for Garmin's Training API V2: no workoutId, no ownerId, one segment. */
export function trainingApiWorkout(workout: Workout) {
  let order = 0;
  const steps = workout.steps.map((item) => {
    if (item.kind !== 'repeat') return step(item, ++order);
    const repeatOrder = ++order;
    return {
      type: 'WorkoutRepeatStep',
      stepOrder: repeatOrder,
      repeatType: 'REPEAT_UNTIL_STEPS_CMPLT',
      repeatValue: item.times,
      skipLastRestStep: false,
      steps: item.steps.map((s) => step(s, ++order)),
    };
  });
  const sport = SPORT[workout.sport];
  return {
    workoutName: workout.name,
    description: workout.notes ?? null,
    sport,
    estimatedDurationInSecs: null,
    estimatedDistanceInMeters: null,
    poolLength: null,
    poolLengthUnit: null,
    workoutProvider: WORKOUT_PROVIDER,
    workoutSourceId: WORKOUT_PROVIDER,
    isSessionTransitionEnabled: false,
    segments: [{ segmentOrder: 1, sport, poolLength: null, poolLengthUnit: null, estimatedDurationInSecs: null, estimatedDistanceInMeters: null, steps }],
  };
}
