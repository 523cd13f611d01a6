/**
 * A workout as a FIT workout file, written with Garmin's own encoder (`@garmin/fitsdk`) and read
 * back with its decoder: what a watch takes from `GARMIN/NewFiles` over USB, for runners whose
 * Garmin link cannot add workouts (no WORKOUT_IMPORT) or who want it on the watch now.
 *
 * The file is `file_id` (type workout), one `workout`, then one `workout_step` per step, repeats
 * flat as the watch keeps them: the repeat step comes after its steps, its durationValue naming
 * the first of them and its targetValue the rounds (as in the SDK's WorkoutRepeatSteps.fit). The
 * encoder ignores sub-field names (durationTime, customTargetSpeedLow…), so the parent fields are
 * written in raw units (../shared/garmin-training-api.md): time in ms, distance in cm, speed in
 * mm/s, heart rate as bpm + 100, power as W + 1000; a zone in targetValue, 0 with a custom range.
 * Strings longer than 255 bytes make the encoder throw, so they are cut at a character boundary.
 */
import { Decoder, Encoder, Profile, Stream, type FileIdMesg, type WorkoutMesg, type WorkoutStepMesg } from '@garmin/fitsdk';
import type { StepKind, StepTarget, Workout, WorkoutItem, WorkoutStep } from '../../../src-common/workout.js';
import { STEP_KINDS } from '../../../src-common/workout.js';

/** The FIT profile's enum names, which the encoder takes and the decoder gives. */
const DURATION = { time: 'time', distance: 'distance', open: 'open', hrLessThan: 'hrLessThan', hrGreaterThan: 'hrGreaterThan', repeat: 'repeatUntilStepsCmplt' } as const;
/** Heart rate above this is bpm + 100; at or below, percent of max HR. Power likewise with 1000 and % FTP. */
const HR_OFFSET = 100;
const POWER_OFFSET = 1000;
/** The most bytes a FIT string field may hold, its terminating zero included. */
const MAX_STRING_BYTES = 255;

/** Text cut to fit a FIT string field (UTF-8, with its terminator), never in the middle of a character. */
export function fitText(text: string, maxBytes = MAX_STRING_BYTES - 1): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function targetFields(t: StepTarget | undefined): Pick<WorkoutStepMesg, 'targetType' | 'targetValue' | 'customTargetValueLow' | 'customTargetValueHigh'> {
  if (!t || t.type === 'none') return { targetType: 'open', targetValue: 0 };
  switch (t.type) {
    case 'pace':
      // The slow end is the low speed.
      return { targetType: 'speed', targetValue: 0, customTargetValueLow: Math.round((1000 / t.slow_s_per_km) * 1000), customTargetValueHigh: Math.round((1000 / t.fast_s_per_km) * 1000) };
    case 'heart_rate':
      return { targetType: 'heartRate', targetValue: 0, customTargetValueLow: t.low + HR_OFFSET, customTargetValueHigh: t.high + HR_OFFSET };
    case 'heart_rate_zone':
      return { targetType: 'heartRate', targetValue: t.zone };
    case 'cadence':
      return { targetType: 'cadence', targetValue: 0, customTargetValueLow: t.low, customTargetValueHigh: t.high };
    case 'power':
      return { targetType: 'power', targetValue: 0, customTargetValueLow: t.low + POWER_OFFSET, customTargetValueHigh: t.high + POWER_OFFSET };
    case 'power_zone':
      return { targetType: 'power', targetValue: t.zone };
  }
}

function stepMesg(step: WorkoutStep, messageIndex: number): WorkoutStepMesg {
  const end = step.end;
  const duration: Pick<WorkoutStepMesg, 'durationType' | 'durationValue'> =
    end.by === 'time'
      ? { durationType: DURATION.time, durationValue: end.seconds * 1000 }
      : end.by === 'distance'
        ? { durationType: DURATION.distance, durationValue: Math.round(end.meters * 100) }
        : end.by === 'lap_button'
          ? { durationType: DURATION.open }
          : { durationType: end.by === 'hr_below' ? DURATION.hrLessThan : DURATION.hrGreaterThan, durationValue: end.bpm + HR_OFFSET };
  return { messageIndex, ...duration, ...targetFields(step.target), intensity: step.kind, ...(step.note ? { notes: fitText(step.note) } : {}) };
}

/** The workout's steps as the watch's flat list of workout_step messages. */
export function workoutStepMesgs(items: readonly WorkoutItem[]): WorkoutStepMesg[] {
  const out: WorkoutStepMesg[] = [];
  for (const item of items) {
    if (item.kind !== 'repeat') {
      out.push(stepMesg(item, out.length));
      continue;
    }
    const first = out.length;
    for (const step of item.steps) out.push(stepMesg(step, out.length));
    out.push({ messageIndex: out.length, durationType: DURATION.repeat, durationValue: first, targetType: 'open', targetValue: item.times, intensity: 'active' });
  }
  return out;
}

/** A FIT workout file for `workout`; `serialNumber` tells the watch this file from another (type, maker, product and serial together). */
export function encodeWorkoutFit(workout: Workout, options: { timeCreated: Date; serialNumber: number }): Uint8Array {
  const steps = workoutStepMesgs(workout.steps);
  const fileId: FileIdMesg = { type: 'workout', manufacturer: 'development', product: 42, serialNumber: options.serialNumber >>> 0, timeCreated: options.timeCreated };
  const header: WorkoutMesg = { sport: workout.sport, wktName: fitText(workout.name), numValidSteps: steps.length, ...(workout.notes ? { wktDescription: fitText(workout.notes) } : {}) };
  const encoder = new Encoder();
  encoder.onMesg(Profile.MesgNum.FILE_ID!, fileId);
  encoder.onMesg(Profile.MesgNum.WORKOUT!, header);
  for (const step of steps) encoder.onMesg(Profile.MesgNum.WORKOUT_STEP!, step);
  return encoder.close();
}

/** A FIT workout file read back with Garmin's decoder, in the model's terms, or why it cannot be. */
export type WorkoutFitRead =
  | { readonly ok: true; readonly name: string; readonly sport: string | null; readonly notes: string | null; readonly steps: WorkoutItem[]; readonly messages: WorkoutStepMesg[] }
  | { readonly ok: false; readonly message: string };

const isKind = (value: unknown): value is StepKind => typeof value === 'string' && (STEP_KINDS as readonly string[]).includes(value);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function readTarget(m: WorkoutStepMesg): StepTarget | undefined | string {
  const zone = num(m.targetValue) ?? 0;
  const low = num(m.customTargetValueLow);
  const high = num(m.customTargetValueHigh);
  switch (m.targetType) {
    case undefined:
    case 'open':
      return undefined;
    case 'speed':
      if (zone !== 0 || low === null || high === null) return 'a speed zone (R42 workouts give a pace range)';
      return { type: 'pace', fast_s_per_km: Math.round(1000 / (high / 1000)), slow_s_per_km: Math.round(1000 / (low / 1000)) };
    case 'heartRate':
      if (zone !== 0) return { type: 'heart_rate_zone', zone };
      if (low === null || high === null || low <= HR_OFFSET) return 'a heart rate in % of max (R42 workouts give bpm)';
      return { type: 'heart_rate', low: low - HR_OFFSET, high: high - HR_OFFSET };
    case 'cadence':
      if (low === null || high === null) return 'a cadence zone';
      return { type: 'cadence', low, high };
    case 'power':
      if (zone !== 0) return { type: 'power_zone', zone };
      if (low === null || high === null || low <= POWER_OFFSET) return 'a power in % of FTP (R42 workouts give watts)';
      return { type: 'power', low: low - POWER_OFFSET, high: high - POWER_OFFSET };
    default:
      return `a ${String(m.targetType)} target`;
  }
}

function readStep(m: WorkoutStepMesg): WorkoutStep | string {
  const kind = isKind(m.intensity) ? m.intensity : 'active';
  const value = num(m.durationValue);
  let end: WorkoutStep['end'];
  switch (m.durationType) {
    case 'time':
      if (value === null) return 'a timed step without its time';
      end = { by: 'time', seconds: value / 1000 };
      break;
    case 'distance':
      if (value === null) return 'a distance step without its distance';
      end = { by: 'distance', meters: value / 100 };
      break;
    case 'open':
      end = { by: 'lap_button' };
      break;
    case 'hrLessThan':
    case 'hrGreaterThan':
      if (value === null || value <= HR_OFFSET) return 'a step ending at a % of max heart rate (R42 workouts give bpm)';
      end = { by: m.durationType === 'hrLessThan' ? 'hr_below' : 'hr_above', bpm: value - HR_OFFSET };
      break;
    default:
      return `a step ending by ${String(m.durationType)}`;
  }
  const target = readTarget(m);
  if (typeof target === 'string') return target;
  const note = typeof m.notes === 'string' && m.notes !== '' ? m.notes : undefined;
  return { kind, end, ...(target ? { target } : {}), ...(note ? { note } : {}) };
}

/** Reads a FIT workout file with Garmin's decoder (CRC and header checked) into the model's steps. */
export function decodeWorkoutFit(bytes: Uint8Array): WorkoutFitRead {
  const stream = Stream.fromByteArray(bytes);
  if (!Decoder.isFIT(stream)) return { ok: false, message: 'This is not a FIT file.' };
  const decoder = new Decoder(stream);
  if (!decoder.checkIntegrity()) return { ok: false, message: 'The FIT file is damaged (its CRC does not match).' };
  const { messages, errors } = decoder.read();
  if (errors.length) return { ok: false, message: `Garmin's decoder could not read the file (${errors.length} errors).` };
  if (messages.fileIdMesgs?.[0]?.type !== 'workout') return { ok: false, message: 'The FIT file is not a workout.' };
  const workout = messages.workoutMesgs?.[0];
  const mesgs = [...(messages.workoutStepMesgs ?? [])].sort((a, b) => (num(a.messageIndex) ?? 0) - (num(b.messageIndex) ?? 0));
  // The steps as read, by message index; a repeat takes the steps from the one it names.
  const items: Array<{ index: number; item: WorkoutItem }> = [];
  for (const m of mesgs) {
    const index = num(m.messageIndex) ?? items.length;
    if (m.durationType === DURATION.repeat) {
      const from = num(m.durationValue) ?? index;
      const times = num(m.targetValue) ?? 0;
      const children = items.filter((entry) => entry.index >= from);
      if (children.length === 0 || children.some((c) => c.item.kind === 'repeat')) return { ok: false, message: `Step ${index} repeats steps this model cannot hold.` };
      items.splice(items.length - children.length);
      items.push({ index: children[0]!.index, item: { kind: 'repeat', times, steps: children.map((c) => c.item as WorkoutStep) } });
      continue;
    }
    if (typeof m.durationType === 'string' && m.durationType.startsWith('repeat')) return { ok: false, message: `Step ${index} repeats until ${m.durationType.slice(11)}: R42 workouts repeat a number of times.` };
    const step = readStep(m);
    if (typeof step === 'string') return { ok: false, message: `Step ${index} has ${step}.` };
    items.push({ index, item: step });
  }
  return {
    ok: true,
    name: typeof workout?.wktName === 'string' ? workout.wktName : '',
    sport: typeof workout?.sport === 'string' ? workout.sport : null,
    notes: typeof workout?.wktDescription === 'string' ? workout.wktDescription : null,
    steps: items.map((entry) => entry.item),
    messages: mesgs,
  };
}

/** A workout's steps as FIT says them: an open target and no target are the same step on a watch. */
export function stepsAsOnWatch(items: readonly WorkoutItem[]): WorkoutItem[] {
  const step = (s: WorkoutStep): WorkoutStep => {
    const { target, note, ...rest } = s;
    return { ...rest, ...(target && target.type !== 'none' ? { target } : {}), ...(note ? { note: fitText(note) } : {}) };
  };
  return items.map((item) => (item.kind === 'repeat' ? { ...item, steps: item.steps.map(step) } : step(item)));
}
