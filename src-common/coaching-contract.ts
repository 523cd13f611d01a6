/**
 * The coaching service's answers as strict zod schemas (docs/architecture.md rules 3 and 13), so a
 * surface can parse them: the IPC results of the app's coaching pages (src-preload/contract.ts),
 * and the renderer's types by z.infer. They mirror src-main/core/coaching/coaching-types.ts field
 * for field; src-main/core/ui/ui-service.ts returns the service's answers as these types, so the
 * compiler tells when the two part ways. Arrays are readonly, as the service's are.
 * Plain zod, no Node module.
 */
import { z } from 'zod';

const numberOrNull = z.number().nullable();
const list = <T extends z.ZodType>(item: T) => z.array(item).readonly();

export const SPLIT_UNITS = ['km', 'mi'] as const;
export const splitUnit = z.enum(SPLIT_UNITS);
export type SplitUnit = z.infer<typeof splitUnit>;

export const zoneModel = z.enum(['hrr', 'max']);
export const hrSource = z.enum(['settings', 'estimated']);
export type HrSource = z.infer<typeof hrSource>;

/** The distances of best efforts and records, shortest first. */
export const EFFORT_LABELS = ['1k', '5k', '10k', 'half_marathon', 'marathon'] as const;
export const effortLabel = z.enum(EFFORT_LABELS);
export type EffortLabel = z.infer<typeof effortLabel>;

export const hrZone = z.strictObject({ zone: z.number().int(), from_bpm: z.number(), to_bpm: numberOrNull });
export type HrZone = z.infer<typeof hrZone>;

/** Moving seconds below zone 1, in zones 1–5, and without a heart rate. */
export const zoneTime = z.strictObject({
  below_s: z.number(),
  z1_s: z.number(),
  z2_s: z.number(),
  z3_s: z.number(),
  z4_s: z.number(),
  z5_s: z.number(),
  no_hr_s: z.number(),
});
export type ZoneTime = z.infer<typeof zoneTime>;

export const hrProfileAnswer = z.strictObject({
  maxHr: numberOrNull,
  restingHr: numberOrNull,
  model: zoneModel,
  zones: list(hrZone),
  source: hrSource,
  maxHrSource: hrSource.nullable(),
  restingHrSource: hrSource.nullable(),
  note: z.string().nullable(),
});
export type HrProfileAnswer = z.infer<typeof hrProfileAnswer>;

export const seriesPoint = z.strictObject({
  elapsed_s: z.number(),
  distance_m: numberOrNull,
  /** Seconds per unit (km or mile). */
  pace_s: numberOrNull,
  hr: numberOrNull,
  elevation_m: numberOrNull,
});
export type SeriesPoint = z.infer<typeof seriesPoint>;

export const split = z.strictObject({
  index: z.number().int(),
  distance_m: z.number(),
  moving_s: z.number(),
  pace_s: numberOrNull,
  avg_hr: numberOrNull,
  max_hr: numberOrNull,
  elevation_gain_m: numberOrNull,
});
export type Split = z.infer<typeof split>;

export const lap = z.strictObject({
  index: z.number().int(),
  start_s: z.number(),
  elapsed_s: z.number(),
  distance_m: z.number(),
  moving_s: z.number(),
  /** Seconds per kilometre. */
  pace_s: numberOrNull,
  avg_hr: numberOrNull,
  max_hr: numberOrNull,
  elevation_gain_m: numberOrNull,
});
export type Lap = z.infer<typeof lap>;

export const drift = z.strictObject({ pace_drift_pct: numberOrNull, hr_drift_pct: numberOrNull, decoupling_pct: numberOrNull });

export const bestEffort = z.strictObject({ label: effortLabel, distance_m: z.number(), time_s: z.number(), pace_s_per_km: z.number(), start_m: z.number() });
export type BestEffort = z.infer<typeof bestEffort>;

export const loadMethod = z.enum(['hr_samples', 'avg_hr', 'duration']);
export const activityLoad = z.strictObject({ trimp: z.number(), method: loadMethod });

export const cleaningReport = z.strictObject({
  droppedSamples: z.number(),
  reordered: z.boolean(),
  duplicates: z.number(),
  absurd: z.strictObject({ hr: z.number(), speed: z.number(), cadence: z.number(), elevation: z.number(), position: z.number() }),
  distanceGlitches: z.number(),
  gpsGaps: z.number(),
  pauses: z.number(),
  pausedS: z.number(),
});

export const activityDetailsAnswer = z.strictObject({
  summary_id: z.string(),
  activity_id: z.string().nullable(),
  type: z.string().nullable(),
  name: z.string().nullable(),
  start_time: z.string().nullable(),
  local_date: z.string().nullable(),
  unit: splitUnit,
  has_details: z.boolean(),
  summary: z.strictObject({
    elapsed_s: numberOrNull,
    moving_s: numberOrNull,
    distance_m: numberOrNull,
    avg_pace_s: numberOrNull,
    avg_hr: numberOrNull,
    max_hr: numberOrNull,
    avg_cadence_spm: numberOrNull,
    elevation_gain_m: numberOrNull,
    has_hr: z.boolean(),
    has_gps: z.boolean(),
    samples: z.number().int(),
  }),
  splits: list(split),
  laps: list(lap),
  zones: zoneTime.nullable(),
  hr_profile: z.strictObject({ max_hr: z.number(), resting_hr: z.number(), model: zoneModel, source: hrSource }).nullable(),
  drift,
  best_efforts: list(bestEffort),
  load: activityLoad,
  cleaning: cleaningReport.nullable(),
  series: list(seriesPoint),
});
export type ActivityDetailsAnswer = z.infer<typeof activityDetailsAnswer>;

export const loadDay = z.strictObject({
  date: z.string(),
  load: z.number(),
  acute: numberOrNull,
  chronic: numberOrNull,
  acwr: numberOrNull,
  monotony: numberOrNull,
  strain: numberOrNull,
});
export type LoadDay = z.infer<typeof loadDay>;

export const loadWeek = z.strictObject({
  week_start: z.string(),
  load: z.number(),
  monotony: numberOrNull,
  strain: numberOrNull,
  acwr: numberOrNull,
  zones: zoneTime,
});
export type LoadWeek = z.infer<typeof loadWeek>;

export const trainingLoadAnswer = z.strictObject({
  from: z.string(),
  to: z.string(),
  history_start: z.string().nullable(),
  hr_source: hrSource.nullable(),
  days: list(loadDay),
  weeks: list(loadWeek),
  methods: z.strictObject({ hr_samples: z.number(), avg_hr: z.number(), duration: z.number() }),
});
export type TrainingLoadAnswer = z.infer<typeof trainingLoadAnswer>;

export const personalRecord = z.strictObject({
  label: effortLabel,
  distance_m: z.number(),
  time_s: z.number(),
  pace_s_per_km: z.number(),
  summary_id: z.string(),
  date: z.string(),
});
export type PersonalRecord = z.infer<typeof personalRecord>;

export const personalRecordsAnswer = z.strictObject({ records: list(personalRecord), runs_with_details: z.number().int() });
export type PersonalRecordsAnswer = z.infer<typeof personalRecordsAnswer>;

export const hrvStatus = z.enum(['below', 'balanced', 'above']);
export type HrvStatus = z.infer<typeof hrvStatus>;

export const hrvAssessment = z.strictObject({
  date: z.string(),
  seven_day_avg: numberOrNull,
  baseline: z.strictObject({ mean: z.number(), sd: z.number(), low: z.number(), high: z.number(), nights: z.number().int() }).nullable(),
  status: hrvStatus.nullable(),
});
export type HrvAssessment = z.infer<typeof hrvAssessment>;

export const trend = z.strictObject({
  date: z.string(),
  mean_7d: numberOrNull,
  mean_28d: numberOrNull,
  delta: numberOrNull,
  slope_per_week: numberOrNull,
  direction: z.enum(['rising', 'falling', 'stable']).nullable(),
});
export type Trend = z.infer<typeof trend>;

export const wellnessDay = z.strictObject({
  date: z.string(),
  resting_hr: numberOrNull,
  hrv_ms: numberOrNull,
  sleep_s: numberOrNull,
  avg_stress: numberOrNull,
  spo2_avg: numberOrNull,
  respiration_avg: numberOrNull,
  weight_kg: numberOrNull,
});
export type WellnessDay = z.infer<typeof wellnessDay>;

export const trendsAnswer = z.strictObject({
  from: z.string(),
  to: z.string(),
  hrv: list(hrvAssessment),
  resting_hr: list(trend),
  sleep: list(trend),
  days: list(wellnessDay),
});
export type TrendsAnswer = z.infer<typeof trendsAnswer>;

