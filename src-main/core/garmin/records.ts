/**
 * Garmin's summaries as Garmin really prints them, read into what the store keeps: one module of
 * wire parsing for every summary type (the repos only store what these give).
 *
 * What Garmin's documented examples show, and how each is read (../shared/garmin-doc-samples):
 * - keys with stray spaces (`" weightInGrams"`, `"startTimeInSeconds "`) are read as the key;
 * - ids are strings or numbers, with stray spaces (`" EXAMPLE_67891"`): trimmed, as text;
 * - a record without `calendarDate` gets its local date from `startTimeInSeconds +
 *   startTimeOffsetInSeconds` (a sleep or an overnight HRV: the day it ends, as Garmin's own
 *   `calendarDate` does);
 * - start times the tables call floats are accepted and rounded to the second;
 * - a field of the wrong type or missing becomes null; fields nobody reads stay in the raw column.
 * A record without an id or without a time to date it is unreadable: the caller counts it.
 */
import { z } from 'zod';
import { dateOfEpochSeconds } from '../../../src-common/dates.js';

/** A number where Garmin sent a finite one; anything else (missing, drifted type) becomes null. */
export const num = z.unknown().optional().transform((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
/** Text where Garmin sent text; anything else becomes null. */
export const str = z.unknown().optional().transform((v) => (typeof v === 'string' ? v : null));
/** A flag where Garmin sent one. */
export const flag = z.unknown().optional().transform((v) => (typeof v === 'boolean' ? v : null));
/** A `YYYY-MM-DD` date; anything else is as if there were none. */
export const calendarDate = z.unknown().optional().transform((v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.trim()) ? v.trim() : null));
/** A map of time offsets to values; anything that is not one becomes empty. */
export const valueMap = z.unknown().optional().transform((v) => (isPlainObject(v) ? v : {}));
/** Garmin's summaryId (or any id): text or a number, stray spaces dropped; empty is none. */
export const id = z.unknown().optional().transform((v) => {
  const text = typeof v === 'string' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
  return text === '' ? null : text;
});

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The record with its keys as Garmin meant them: a key with stray spaces is read as the trimmed
 * key (unless the record also has that key itself), one level down too (activityDetails' summary).
 * Null for anything that is not an object.
 */
export function normalizeRecord(record: unknown, depth = 1): Record<string, unknown> | null {
  if (!isPlainObject(record)) return null;
  let out: Record<string, unknown> | null = null;
  for (const [key, value] of Object.entries(record)) {
    const trimmed = key.trim();
    if (trimmed === '__proto__') continue;
    const nested = depth > 0 && isPlainObject(value) ? normalizeRecord(value, depth - 1) : value;
    if ((trimmed !== key && !Object.hasOwn(record, trimmed)) || nested !== value) {
      out ??= { ...record };
      if (trimmed !== key && !Object.hasOwn(record, trimmed)) {
        delete out[key];
        out[trimmed] = nested;
      } else out[key] = nested;
    }
  }
  return out ?? record;
}

/**
 * A record's local date: its `calendarDate` when it has one; else from its start and offset (or,
 * for what is dated by the day it ends, start + duration); null when there is no time to date it.
 */
export function localDateOf(given: string | null, startS: number | null, offsetS: number | null, endDated = false, durationS: number | null = null): string | null {
  if (given) return given;
  if (startS === null) return null;
  return dateOfEpochSeconds(startS + (endDated ? (durationS ?? 0) : 0) + (offsetS ?? 0));
}

/**
 * The records of a Garmin answer: a list as documented, or one bare record as a list of one (Garmin's
 * skin temperature example prints a bare object); null for anything else.
 */
export function recordList(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  return isPlainObject(value) ? [value] : null;
}

/** The finite values of a map within [min, max]. */
export function valuesOf(map: Record<string, unknown> | undefined, min: number, max: number): number[] {
  if (!map) return [];
  return Object.values(map).filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max);
}

export const second = (v: number | null) => (v === null ? null : Math.round(v));

/** Parses `record` with `schema` after normalizing its keys; null when it cannot be read. */
export function read<S extends z.ZodType>(schema: S, record: unknown): z.output<S> | null {
  const normalized = normalizeRecord(record);
  if (!normalized) return null;
  const parsed = schema.safeParse(normalized);
  return parsed.success ? parsed.data : null;
}

/** The fields a summary of a day or a night is dated by: its id, calendarDate, start, offset and duration. */
export const datedFields = { summaryId: id, calendarDate, startTimeInSeconds: num, startTimeOffsetInSeconds: num, durationInSeconds: num };
type Dated = { summaryId: string | null; calendarDate: string | null; startTimeInSeconds: number | null; startTimeOffsetInSeconds: number | null; durationInSeconds: number | null };

/**
 * The reader of a summary of a day or a night (`datedFields` and its own): `build` makes the record
 * from its fields, id and local date (localDateOf: `endDated` for what is dated by the day it ends,
 * `offset` where Garmin prints the offset under another key). It answers null without an id or a
 * date.
 */
export function datedReader<S extends z.ZodType<Dated>, R>(
  schema: S,
  build: (fields: z.output<S>, summaryId: string, date: string) => R,
  options: { endDated?: boolean; offset?: (fields: z.output<S>) => number | null } = {},
): (record: unknown) => R | null {
  return (record) => {
    const fields = read(schema, record);
    if (!fields || fields.summaryId === null) return null;
    const offset = options.offset ? options.offset(fields) : fields.startTimeOffsetInSeconds;
    const date = localDateOf(fields.calendarDate, fields.startTimeInSeconds, offset, options.endDated, fields.durationInSeconds);
    return date ? build(fields, fields.summaryId, date) : null;
  };
}

/** The reader of a record that needs an id and a time (`timeOf`, in seconds): `build` gets its fields, id and time rounded to the second; null without either. */
export function timedReader<S extends z.ZodType<{ summaryId: string | null }>, R>(
  schema: S,
  timeOf: (fields: z.output<S>) => number | null,
  build: (fields: z.output<S>, summaryId: string, at: number) => R,
): (record: unknown) => R | null {
  return (record) => {
    const fields = read(schema, record);
    if (!fields || fields.summaryId === null) return null;
    const time = timeOf(fields);
    return time === null ? null : build(fields, fields.summaryId, Math.round(time));
  };
}

// --- Activities ---------------------------------------------------------------------------------

const activityFields = z.looseObject({
  summaryId: id,
  activityId: id,
  startTimeInSeconds: num,
  startTimeOffsetInSeconds: num,
  activityType: str,
  activityName: str,
  durationInSeconds: num,
  distanceInMeters: num,
  averageSpeedInMetersPerSecond: num,
  averagePaceInMinutesPerKilometer: num,
  averageHeartRateInBeatsPerMinute: num,
  maxHeartRateInBeatsPerMinute: num,
  averageRunCadenceInStepsPerMinute: num,
  totalElevationGainInMeters: num,
  activeKilocalories: num,
  deviceName: str,
  manual: flag,
});

export interface ActivityRecord {
  readonly summaryId: string;
  readonly activityId: string | null;
  readonly startTime: number;
  readonly offset: number;
  readonly localDate: string;
  readonly activityType: string;
  readonly name: string | null;
  readonly durationS: number | null;
  readonly distanceM: number | null;
  readonly avgSpeedMps: number | null;
  readonly avgPaceMinKm: number | null;
  readonly avgHr: number | null;
  readonly maxHr: number | null;
  readonly avgCadenceSpm: number | null;
  readonly elevationGainM: number | null;
  readonly activeKcal: number | null;
  readonly deviceName: string | null;
  readonly manual: boolean | null;
}

/** An activity summary (activities, manuallyUpdatedActivities): needs an id and a start. */
export const readActivity = timedReader(activityFields, (a) => a.startTimeInSeconds, (a, summaryId, start): ActivityRecord => {
  const offset = a.startTimeOffsetInSeconds ?? 0;
  return {
    summaryId,
    activityId: a.activityId,
    startTime: start,
    offset,
    localDate: dateOfEpochSeconds(start + offset),
    activityType: a.activityType ?? 'UNKNOWN',
    name: a.activityName,
    durationS: a.durationInSeconds,
    distanceM: a.distanceInMeters,
    avgSpeedMps: a.averageSpeedInMetersPerSecond,
    avgPaceMinKm: a.averagePaceInMinutesPerKilometer,
    avgHr: a.averageHeartRateInBeatsPerMinute,
    maxHr: a.maxHeartRateInBeatsPerMinute,
    avgCadenceSpm: a.averageRunCadenceInStepsPerMinute,
    elevationGainM: a.totalElevationGainInMeters,
    activeKcal: a.activeKilocalories,
    deviceName: a.deviceName,
    manual: a.manual,
  };
});

// --- Days and nights ----------------------------------------------------------------------------

const dailyFields = z.looseObject({
  ...datedFields,
  steps: num,
  distanceInMeters: num,
  activeKilocalories: num,
  restingHeartRateInBeatsPerMinute: num,
  averageHeartRateInBeatsPerMinute: num,
  maxHeartRateInBeatsPerMinute: num,
  averageStressLevel: num,
  // An older revision spells it with a lower-case l.
  averageStresslevel: num,
  bodyBatteryChargedValue: num,
  bodyBatteryDrainedValue: num,
});

export interface DailyRecord {
  readonly summaryId: string;
  readonly calendarDate: string;
  readonly startTime: number | null;
  readonly offset: number | null;
  readonly steps: number | null;
  readonly distanceM: number | null;
  readonly activeKcal: number | null;
  readonly restingHr: number | null;
  readonly avgHr: number | null;
  readonly maxHr: number | null;
  readonly avgStress: number | null;
  readonly bodyBatteryCharged: number | null;
  readonly bodyBatteryDrained: number | null;
}

export const readDaily = datedReader(dailyFields, (d, summaryId, date): DailyRecord => ({
  summaryId,
  calendarDate: date,
  startTime: second(d.startTimeInSeconds),
  offset: d.startTimeOffsetInSeconds,
  steps: d.steps === null ? null : Math.round(d.steps),
  distanceM: d.distanceInMeters,
  activeKcal: d.activeKilocalories,
  restingHr: d.restingHeartRateInBeatsPerMinute,
  avgHr: d.averageHeartRateInBeatsPerMinute,
  maxHr: d.maxHeartRateInBeatsPerMinute,
  avgStress: d.averageStressLevel ?? d.averageStresslevel,
  bodyBatteryCharged: d.bodyBatteryChargedValue,
  bodyBatteryDrained: d.bodyBatteryDrainedValue,
}));

const sleepFields = z.looseObject({
  ...datedFields,
  deepSleepDurationInSeconds: num,
  lightSleepDurationInSeconds: num,
  remSleepInSeconds: num,
  awakeDurationInSeconds: num,
  overallSleepScore: z.unknown().optional().transform((v) => (isPlainObject(v) && typeof v.value === 'number' && Number.isFinite(v.value) ? v.value : null)),
});

export interface SleepRecord {
  readonly summaryId: string;
  /** The day the runner woke up. */
  readonly calendarDate: string;
  readonly startTime: number | null;
  readonly offset: number | null;
  readonly durationS: number | null;
  readonly deepS: number | null;
  readonly lightS: number | null;
  readonly remS: number | null;
  readonly awakeS: number | null;
  readonly score: number | null;
}

export const readSleep = datedReader(sleepFields, (s, summaryId, date): SleepRecord => ({
  summaryId,
  calendarDate: date,
  startTime: second(s.startTimeInSeconds),
  offset: s.startTimeOffsetInSeconds,
  durationS: s.durationInSeconds,
  deepS: s.deepSleepDurationInSeconds,
  lightS: s.lightSleepDurationInSeconds,
  remS: s.remSleepInSeconds,
  awakeS: s.awakeDurationInSeconds,
  score: s.overallSleepScore,
}), { endDated: true });

const hrvFields = z.looseObject({ ...datedFields, lastNightAvg: num, lastNight5MinHigh: num });

export interface HrvRecord {
  readonly summaryId: string;
  readonly calendarDate: string;
  readonly lastNightAvgMs: number | null;
  readonly lastNight5MinHighMs: number | null;
}

/** Overnight HRV, dated (without a calendarDate) by the morning it ends. */
export const readHrv = datedReader(hrvFields, (f, summaryId, date): HrvRecord => ({ summaryId, calendarDate: date, lastNightAvgMs: f.lastNightAvg, lastNight5MinHighMs: f.lastNight5MinHigh }), { endDated: true });

const userMetricsFields = z.looseObject({ summaryId: id, calendarDate, vo2Max: num, fitnessAge: num });

export interface UserMetricsRecord {
  readonly summaryId: string;
  readonly calendarDate: string;
  readonly vo2max: number | null;
  readonly fitnessAge: number | null;
}

/** VO2 max and fitness age: Garmin dates them by calendarDate alone (there is no start time). */
export function readUserMetrics(record: unknown): UserMetricsRecord | null {
  const m = read(userMetricsFields, record);
  if (!m || m.summaryId === null || m.calendarDate === null) return null;
  return { summaryId: m.summaryId, calendarDate: m.calendarDate, vo2max: m.vo2Max, fitnessAge: m.fitnessAge };
}
