/**
 * Garmin's wellness summaries read as Garmin prints them, with records.ts's helpers (the same rules:
 * keys and ids trimmed, a local date from start + offset where calendarDate is missing, wrong types
 * as null, unreadable records as null for the caller to count): stress details, body composition,
 * pulse ox, all-day respiration, epochs, health snapshots, blood pressure and skin temperature.
 * A record's map of readings (stress, Body Battery, SpO2, breaths) is read as the figures the store
 * keeps of it: lowest, highest and mean of its plausible values.
 */
import { z } from 'zod';
import { dateOfEpochSeconds, DAY_S } from '../../../src-common/dates.js';
import { calendarDate, datedFields, datedReader, flag, id, isPlainObject, localDateOf, num, second, str, timedReader, valueMap, valuesOf } from './records.js';

/** Figures of a series: its lowest, highest and mean value (a health snapshot's HRV carries only the mean). */
export interface Figures {
  readonly min: number | null;
  readonly max: number | null;
  readonly avg: number | null;
}

/** The figures of a record's values within [low, high] (Garmin's map of offset to value), the mean to 0.1; null where none is. */
function figuresOf(map: Record<string, unknown>, low: number, high: number): Figures {
  const values = valuesOf(map, low, high);
  if (values.length === 0) return { min: null, max: null, avg: null };
  return { min: Math.min(...values), max: Math.max(...values), avg: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10 };
}

const stressFields = z.looseObject({ ...datedFields, timeOffsetStressLevelValues: valueMap, timeOffsetBodyBatteryValues: valueMap });

export interface StressRecord {
  readonly summaryId: string;
  readonly calendarDate: string;
  readonly startTime: number | null;
  readonly offset: number | null;
  readonly durationS: number | null;
  /** The stress levels (0–100) over the day. */
  readonly stress: Figures;
  /** The Body Battery levels (0–100) over the day. */
  readonly bodyBattery: Figures;
}

export const readStress = datedReader(stressFields, (s, summaryId, date): StressRecord => ({
  summaryId,
  calendarDate: date,
  startTime: second(s.startTimeInSeconds),
  offset: s.startTimeOffsetInSeconds,
  durationS: s.durationInSeconds,
  stress: figuresOf(s.timeOffsetStressLevelValues, 0, 100),
  bodyBattery: figuresOf(s.timeOffsetBodyBatteryValues, 0, 100),
}));

const bodyCompFields = z.looseObject({
  summaryId: id,
  measurementTimeInSeconds: num,
  measurementTimeOffsetInSeconds: num,
  weightInGrams: num,
  bodyFatInPercent: num,
  bodyMassIndex: num,
  muscleMassInGrams: num,
});

export interface BodyCompRecord {
  readonly summaryId: string;
  readonly measuredAt: number;
  readonly localDate: string;
  readonly weightG: number | null;
  readonly bodyFatPct: number | null;
  readonly bmi: number | null;
  readonly muscleMassG: number | null;
}

/** A weigh-in (Garmin prints every key but summaryId with a leading space: read the same). */
export const readBodyComp = timedReader(bodyCompFields, (b) => b.measurementTimeInSeconds, (b, summaryId, measuredAt): BodyCompRecord => ({
  summaryId,
  measuredAt,
  localDate: dateOfEpochSeconds(measuredAt + (b.measurementTimeOffsetInSeconds ?? 0)),
  weightG: b.weightInGrams,
  bodyFatPct: b.bodyFatInPercent,
  bmi: b.bodyMassIndex,
  muscleMassG: b.muscleMassInGrams,
}));

const pulseOxFields = z.looseObject({ ...datedFields, timeOffsetSpo2Values: valueMap, onDemand: flag });

export interface PulseOxRecord {
  readonly summaryId: string;
  readonly calendarDate: string;
  readonly startTime: number | null;
  readonly durationS: number | null;
  /** The SpO2 readings (50–100 %). */
  readonly spo2: Figures;
  readonly onDemand: boolean | null;
}

export const readPulseOx = datedReader(pulseOxFields, (p, summaryId, date): PulseOxRecord => ({ summaryId, calendarDate: date, startTime: second(p.startTimeInSeconds), durationS: p.durationInSeconds, spo2: figuresOf(p.timeOffsetSpo2Values, 50, 100), onDemand: p.onDemand }));

const respirationFields = z.looseObject({ ...datedFields, timeOffsetEpochToBreaths: valueMap });

export interface RespirationRecord {
  readonly summaryId: string;
  readonly startTime: number;
  readonly localDate: string;
  readonly durationS: number | null;
  /** Breaths per minute (1–80) over the block. */
  readonly breaths: Figures;
}

/** All-day respiration (the `allDayRespiration` key; pulled from /respiration): 15-minute blocks without a calendarDate. */
export const readRespiration = timedReader(respirationFields, (r) => r.startTimeInSeconds, (r, summaryId, start): RespirationRecord => ({ summaryId, startTime: start, localDate: localDateOf(r.calendarDate, start, r.startTimeOffsetInSeconds)!, durationS: r.durationInSeconds, breaths: figuresOf(r.timeOffsetEpochToBreaths, 1, 80) }));

const epochFields = z.looseObject({
  summaryId: id,
  startTimeInSeconds: num,
  startTimeOffsetInSeconds: num,
  activityType: str,
  intensity: str,
  durationInSeconds: num,
  activeTimeInSeconds: num,
  steps: num,
  distanceInMeters: num,
  activeKilocalories: num,
  met: num,
  meanMotionIntensity: num,
  maxMotionIntensity: num,
});

export interface EpochRecord {
  readonly summaryId: string;
  readonly startTime: number;
  readonly localDate: string;
  /** Minutes since the runner's local midnight at the start. */
  readonly localMinute: number;
  readonly activityType: string | null;
  /** SEDENTARY, ACTIVE or HIGHLY_ACTIVE. */
  readonly intensity: string | null;
  readonly durationS: number | null;
  readonly activeS: number | null;
  readonly steps: number | null;
  readonly distanceM: number | null;
  readonly activeKcal: number | null;
  readonly met: number | null;
  readonly meanMotion: number | null;
  readonly maxMotion: number | null;
}

/** A 15-minute epoch (one per activity type in it). */
export const readEpoch = timedReader(epochFields, (e) => e.startTimeInSeconds, (e, summaryId, start): EpochRecord => {
  const local = start + (e.startTimeOffsetInSeconds ?? 0);
  return {
    summaryId,
    startTime: start,
    localDate: dateOfEpochSeconds(local),
    localMinute: Math.floor((((local % DAY_S) + DAY_S) % DAY_S) / 60),
    activityType: e.activityType,
    intensity: e.intensity,
    durationS: e.durationInSeconds,
    activeS: e.activeTimeInSeconds,
    steps: e.steps,
    distanceM: e.distanceInMeters,
    activeKcal: e.activeKilocalories,
    met: e.met,
    meanMotion: e.meanMotionIntensity,
    maxMotion: e.maxMotionIntensity,
  };
});

const snapshotFields = z.looseObject({
  ...datedFields,
  // What Garmin's example prints (its table says startTimeOffsetInSeconds).
  offsetStartTimeInSeconds: num,
  summaries: z.unknown().optional().transform((v) => (Array.isArray(v) ? v.filter(isPlainObject) : [])),
});

export interface HealthSnapshotRecord {
  readonly summaryId: string;
  readonly calendarDate: string;
  readonly startTime: number | null;
  readonly durationS: number | null;
  readonly heartRate: Figures | null;
  readonly spo2: Figures | null;
  readonly respiration: Figures | null;
  readonly stress: Figures | null;
  readonly rmssdMs: number | null;
  readonly sdrrMs: number | null;
}

/** A 2-minute health snapshot the runner took on the watch: one figure per `summaryType`. */
export const readHealthSnapshot = datedReader(snapshotFields, (s, summaryId, date): HealthSnapshotRecord => {
  const figure = (type: string): Figures | null => {
    const entry = s.summaries.find((x) => typeof x.summaryType === 'string' && x.summaryType.trim().toLowerCase() === type);
    if (!entry) return null;
    const f = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 10) / 10 : null);
    return { min: f(entry.minValue), max: f(entry.maxValue), avg: f(entry.avgValue) };
  };
  return {
    summaryId,
    calendarDate: date,
    startTime: second(s.startTimeInSeconds),
    durationS: s.durationInSeconds,
    heartRate: figure('heart_rate'),
    spo2: figure('spo2'),
    respiration: figure('respiration'),
    stress: figure('stress'),
    rmssdMs: figure('rmssd_hrv')?.avg ?? null,
    sdrrMs: figure('sdrr_hrv')?.avg ?? null,
  };
}, { offset: (f) => f.startTimeOffsetInSeconds ?? f.offsetStartTimeInSeconds });

const bloodPressureFields = z.looseObject({
summaryId: id,
calendarDate,
measurementTimeInSeconds: num,
measurementTimeOffsetInSeconds: num,
// An older revision adds a start time; used when the measurement time is missing.
startTimeInSeconds: num,
systolic: num,
diastolic: num,
pulse: num,
sourceType: str,
});

export interface BloodPressureRecord {
readonly summaryId: string;
readonly measuredAt: number;
readonly localDate: string;
readonly systolic: number | null;
readonly diastolic: number | null;
readonly pulse: number | null;
/** MANUAL (typed in) or DEVICE (a connected cuff). */
readonly sourceType: string | null;
}

export const readBloodPressure = timedReader(bloodPressureFields, (b) => b.measurementTimeInSeconds ?? b.startTimeInSeconds, (b, summaryId, measuredAt): BloodPressureRecord => ({
  summaryId,
  measuredAt,
  localDate: localDateOf(b.calendarDate, measuredAt, b.measurementTimeOffsetInSeconds)!,
  systolic: b.systolic,
  diastolic: b.diastolic,
  pulse: b.pulse,
  sourceType: b.sourceType,
}));

const skinTempFields = z.looseObject({ ...datedFields, avgDeviationCelsius: num });

export interface SkinTempRecord {
  readonly summaryId: string;
  readonly calendarDate: string;
  readonly startTime: number | null;
  readonly durationS: number | null;
  /** The night's skin temperature against the runner's own baseline, in °C. */
  readonly deviationC: number | null;
}

/** Skin temperature (Garmin's example prints one bare object rather than a list: the caller lists it). */
export const readSkinTemp = datedReader(skinTempFields, (t, summaryId, date): SkinTempRecord => ({ summaryId, calendarDate: date, startTime: second(t.startTimeInSeconds), durationS: t.durationInSeconds, deviationC: t.avgDeviationCelsius }), { endDated: true });
