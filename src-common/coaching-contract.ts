/**
 * The coaching service's answers as strict zod schemas (docs/architecture.md rules 3 and 13), and
 * their types by z.infer: the one declaration of each shape. The analysis (src-main/core/analysis/)
 * returns these types where its results become part of an answer, the coaching service
 * (src-main/core/coaching/) answers in them, and the IPC results of the app's coaching pages
 * (src-preload/contract.ts), the agent endpoint, the MCP tools and the renderer parse or read them.
 * Plain JSON-serialisable data (no NaN, no Infinity, no Date); arrays are readonly. Field names are
 * snake_case, except hrProfile's and the cleaning report's, named as issue 11 asked.
 * Plain zod, no Node module.
 */
import { z } from 'zod';
import { SPLIT_UNITS } from './units.js';

const numberOrNull = z.number().nullable();
const list = <T extends z.ZodType>(item: T) => z.array(item).readonly();

/** The split unit an answer is given in: kilometres or miles (metres in each: src-common/units.ts). */
export const splitUnit = z.enum(SPLIT_UNITS);
export type SplitUnit = z.infer<typeof splitUnit>;

/**
 * `hrr`: % of heart rate reserve (Karvonen: rest + p × (max − rest)); `max`: % of max HR.
 * Both use the same five bands: 50–60, 60–70, 70–80, 80–90, 90–100 %.
 */
export const zoneModel = z.enum(['hrr', 'max']);
export type ZoneModel = z.infer<typeof zoneModel>;
/** Where the HR numbers come from: both set by the runner, or at least one estimated from their data. */
export const hrSource = z.enum(['settings', 'estimated']);
export type HrSource = z.infer<typeof hrSource>;

/** The distances of best efforts and records, shortest first. */
export const EFFORT_LABELS = ['1k', '5k', '10k', 'half_marathon', 'marathon'] as const;
export const effortLabel = z.enum(EFFORT_LABELS);
export type EffortLabel = z.infer<typeof effortLabel>;

export const hrZone = z.strictObject({
  /** 1–5. */
  zone: z.number().int(),
  /** Lower bound in bpm (inclusive), to one decimal. */
  from_bpm: z.number(),
  /** Upper bound in bpm (exclusive; zone 5 has none: anything above max HR is still zone 5). */
  to_bpm: numberOrNull,
});
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

/** `hrProfile()`: the runner's max and resting HR and their zones. */
export const hrProfileAnswer = z.strictObject({
  /** Null when neither set nor estimable (no activity with a plausible max HR yet). */
  maxHr: numberOrNull,
  restingHr: numberOrNull,
  model: zoneModel,
  /** Five zones, empty when maxHr or restingHr is null. */
  zones: list(hrZone),
  /** `settings` only when both numbers are the runner's settings. */
  source: hrSource,
  maxHrSource: hrSource.nullable(),
  restingHrSource: hrSource.nullable(),
  /** Plain words on how an estimate was made, or null for settings. */
  note: z.string().nullable(),
});
export type HrProfileAnswer = z.infer<typeof hrProfileAnswer>;

/** One point of the downsampled series: the end of a bucket of samples. */
export const seriesPoint = z.strictObject({
  /** Seconds since the start (wall clock, pauses included). */
  elapsed_s: z.number(),
  /** Metres from the start, or null without distance. */
  distance_m: numberOrNull,
  /** Seconds per unit (km or mile) over the bucket, or null when standing still or without distance. */
  pace_s: numberOrNull,
  /** Mean HR over the bucket. */
  hr: numberOrNull,
  /** Mean elevation over the bucket, metres. */
  elevation_m: numberOrNull,
});
export type SeriesPoint = z.infer<typeof seriesPoint>;

/** One split (per km or mile) of moving time: a pause counts in no split. */
export const split = z.strictObject({
  /** 1-based. */
  index: z.number().int(),
  distance_m: z.number(),
  moving_s: z.number(),
  /** Seconds per unit (km or mile), or null for a split of no distance. */
  pace_s: numberOrNull,
  avg_hr: numberOrNull,
  max_hr: numberOrNull,
  elevation_gain_m: numberOrNull,
});
export type Split = z.infer<typeof split>;

/** One lap as the watch marked it. */
export const lap = z.strictObject({
  index: z.number().int(),
  /** Seconds since the activity started. */
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

export const drift = z.strictObject({
  /** Second half's pace against the first's, in %: positive = slowed down. */
  pace_drift_pct: numberOrNull,
  /** Second half's HR against the first's, in %: positive = HR rose. */
  hr_drift_pct: numberOrNull,
  /** Aerobic decoupling (Pa:HR): loss of speed per beat from the first half to the second, in %. */
  decoupling_pct: numberOrNull,
});
export type Drift = z.infer<typeof drift>;

/** The fastest stretch of one of the effort distances found inside one activity. */
export const bestEffort = z.strictObject({
  label: effortLabel,
  distance_m: z.number(),
  /** Moving seconds, to one decimal. */
  time_s: z.number(),
  /** Seconds per kilometre. */
  pace_s_per_km: z.number(),
  /** Where the stretch began, in metres from the start. */
  start_m: z.number(),
});
export type BestEffort = z.infer<typeof bestEffort>;

/** How an activity's TRIMP was found: from HR samples, the average HR, or the duration only. */
export const loadMethod = z.enum(['hr_samples', 'avg_hr', 'duration']);
export type LoadMethod = z.infer<typeof loadMethod>;
export const activityLoad = z.strictObject({
  /** TRIMP, to one decimal. */
  trimp: z.number(),
  method: loadMethod,
});
export type ActivityLoad = z.infer<typeof activityLoad>;

/** What cleaning changed, so an answer can say why a figure is missing or smaller than expected. */
export const cleaningReport = z.strictObject({
  /** Samples without a usable time (missing, negative, not finite). */
  dropped_samples: z.number(),
  /** True when the samples did not arrive in time order. */
  reordered: z.boolean(),
  /** Samples merged into an earlier one with the same time. */
  duplicates: z.number(),
  /** Field values outside the plausible range, set to null. */
  absurd: z.strictObject({ hr: z.number(), speed: z.number(), cadence: z.number(), elevation: z.number(), position: z.number() }),
  /** Distance steps that went backwards or faster than the fastest plausible speed, counted as 0 m. */
  distance_glitches: z.number(),
  /** Samples without a position inside an activity that has GPS (tunnels, lost fix). */
  gps_gaps: z.number(),
  pauses: z.number(),
  paused_s: z.number(),
});
export type CleaningReport = z.infer<typeof cleaningReport>;

/** Where an activity's file came from: a file or folder given, the watch as a drive, Garmin Connect's export, the Activity API's activity files. */
export const FIT_SOURCES = ['file', 'watch', 'export', 'activity_file'] as const;
export const fitSource = z.enum(FIT_SOURCES);
export type FitSource = z.infer<typeof fitSource>;

/** A lap as the watch recorded it: its own totals, not recomputed from the samples. */
export const watchLap = z.strictObject({
  index: z.number().int(),
  /** Seconds since the activity (leg) started. */
  start_s: z.number(),
  elapsed_s: numberOrNull,
  /** Timer time (pauses excluded), seconds. */
  timer_s: numberOrNull,
  distance_m: numberOrNull,
  avg_hr: numberOrNull,
  max_hr: numberOrNull,
  avg_speed_mps: numberOrNull,
  /** Steps per minute (both feet) for runs and walks, rpm otherwise. */
  avg_cadence_spm: numberOrNull,
  avg_power_w: numberOrNull,
  max_power_w: numberOrNull,
  ascent_m: numberOrNull,
  /** What closed the lap: `manual`, `distance`, `time`, `sessionEnd`… as the watch says. */
  trigger: z.string().nullable(),
  /** `active`, `rest`, `warmup`, `cooldown` for a workout's steps. */
  intensity: z.string().nullable(),
});
export type WatchLap = z.infer<typeof watchLap>;

/** A session's totals as the watch recorded them. */
export const watchTotals = z.strictObject({
  elapsed_s: numberOrNull,
  timer_s: numberOrNull,
  distance_m: numberOrNull,
  avg_hr: numberOrNull,
  max_hr: numberOrNull,
  avg_speed_mps: numberOrNull,
  max_speed_mps: numberOrNull,
  avg_cadence_spm: numberOrNull,
  avg_power_w: numberOrNull,
  max_power_w: numberOrNull,
  normalized_power_w: numberOrNull,
  ascent_m: numberOrNull,
  descent_m: numberOrNull,
  kcal: numberOrNull,
  avg_temperature_c: numberOrNull,
  max_temperature_c: numberOrNull,
  avg_vertical_oscillation_mm: numberOrNull,
  /** Ground contact time, milliseconds. */
  avg_ground_contact_ms: numberOrNull,
  avg_stride_length_m: numberOrNull,
  avg_vertical_ratio_pct: numberOrNull,
  training_effect: numberOrNull,
});
export type WatchTotals = z.infer<typeof watchTotals>;

/** One per-sample channel beyond the API's: the mean of its samples (each sample counts once, whatever its interval) and its highest value, over the samples that have it. */
export const watchChannel = z.strictObject({ avg: z.number(), max: z.number(), samples: z.number().int() }).nullable();

/** What the watch's FIT file recorded beyond Garmin's API, for an activity imported from one (absent otherwise). */
export const watchRecorded = z.strictObject({
  source: fitSource,
  device: z.string().nullable(),
  sport: z.string(),
  sub_sport: z.string().nullable(),
  /** 1-based leg of a multisport file, of `legs`; transitions are legs of their own (type TRANSITION). */
  leg: z.number().int(),
  legs: z.number().int(),
  /** The watch's UTC offset (seconds), from the file's own local time; null when the file does not say. */
  local_offset_s: numberOrNull,
  /** True when the activity's samples (and so every figure above) come from the file, false when the API's were richer. */
  samples_from_file: z.boolean(),
  /** The file ended early (its CRC failed): what it held was imported. */
  truncated: z.boolean(),
  warnings: list(z.string()),
  session: watchTotals,
  laps: list(watchLap),
  channels: z.strictObject({
    power_w: watchChannel,
    temperature_c: watchChannel,
    vertical_oscillation_mm: watchChannel,
    ground_contact_ms: watchChannel,
    stride_length_m: watchChannel,
    cadence_rpm: watchChannel,
  }),
  /** Developer (Connect IQ) fields, kept raw in the store: each field's name, units and how many samples carry it. */
  developer_fields: list(z.strictObject({ key: z.number().int(), name: z.string().nullable(), units: z.string().nullable(), samples: z.number().int() })),
});
export type WatchRecorded = z.infer<typeof watchRecorded>;

/** `activityDetails(id, { unit, maxPoints })`. */
export const activityDetailsAnswer = z.strictObject({
  /** The activity's summaryId (as in the activity list). */
  summary_id: z.string(),
  activity_id: z.string().nullable(),
  type: z.string().nullable(),
  name: z.string().nullable(),
  /** ISO 8601 UTC, or null when unknown. */
  start_time: z.string().nullable(),
  local_date: z.string().nullable(),
  unit: splitUnit,
  /** False when only the summary is stored (details not synced yet, or none exist): tables are empty. */
  has_details: z.boolean(),
  summary: z.strictObject({
    elapsed_s: numberOrNull,
    moving_s: numberOrNull,
    distance_m: numberOrNull,
    /** Seconds per unit over the moving time. */
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
  /** Null without an HR profile or without HR samples. */
  zones: zoneTime.nullable(),
  hr_profile: z.strictObject({ max_hr: z.number(), resting_hr: z.number(), model: zoneModel, source: hrSource }).nullable(),
  drift,
  best_efforts: list(bestEffort),
  load: activityLoad,
  /** What cleaning changed (null without details). */
  cleaning: cleaningReport.nullable(),
  /** At most `maxPoints` points (default 300). */
  series: list(seriesPoint),
  /** What the watch's own file recorded beyond the API (laps, session totals, power, running dynamics, temperature), for an activity imported from a FIT file. */
  recorded: watchRecorded.optional(),
});
export type ActivityDetailsAnswer = z.infer<typeof activityDetailsAnswer>;

/** A day of the load series. Nulls mean "not enough history yet", never 0 (formulas: docs/metrics.md). */
export const loadDay = z.strictObject({
  date: z.string(),
  /** The day's TRIMP, all activities added up. */
  load: z.number(),
  /** Acute load: the mean daily load of the 7 days ending this day. */
  acute: numberOrNull,
  /** Chronic load: the mean daily load of the 28 days ending this day. */
  chronic: numberOrNull,
  /** Acute:chronic workload ratio, acute / chronic. */
  acwr: numberOrNull,
  /** Foster's monotony: mean / population SD of the 7 daily loads ending this day. */
  monotony: numberOrNull,
  /** Foster's strain: the 7 days' load × monotony. */
  strain: numberOrNull,
});
export type LoadDay = z.infer<typeof loadDay>;

/** One ISO week of `trainingLoad` (Monday to Sunday). */
export const loadWeek = z.strictObject({
  /** Monday, YYYY-MM-DD. */
  week_start: z.string(),
  load: z.number(),
  /** Monotony and strain of the week's seven days (the series' values on its Sunday). */
  monotony: numberOrNull,
  strain: numberOrNull,
  /** Acute:chronic ratio on the week's Sunday. */
  acwr: numberOrNull,
  /** Moving seconds per HR zone, added up over the week's activities with details. */
  zones: zoneTime,
});
export type LoadWeek = z.infer<typeof loadWeek>;

/** `trainingLoad({ from, to })`. */
export const trainingLoadAnswer = z.strictObject({
  from: z.string(),
  to: z.string(),
  /** The first day with any activity: windows reaching before it are null, not zero. */
  history_start: z.string().nullable(),
  hr_source: hrSource.nullable(),
  days: list(loadDay),
  weeks: list(loadWeek),
  /** How many activities' loads came from HR samples, the average HR, or the duration only. */
  methods: z.strictObject({ hr_samples: z.number(), avg_hr: z.number(), duration: z.number() }),
});
export type TrainingLoadAnswer = z.infer<typeof trainingLoadAnswer>;

export const personalRecord = z.strictObject({
  label: effortLabel,
  distance_m: z.number(),
  time_s: z.number(),
  pace_s_per_km: z.number(),
  summary_id: z.string(),
  /** The activity's local date (YYYY-MM-DD). */
  date: z.string(),
});
export type PersonalRecord = z.infer<typeof personalRecord>;
/** The records by distance label, a distance never run absent: what the store keeps and the analysis updates (not an answer). */
export type RecordsByLabel = Readonly<Partial<Record<EffortLabel, PersonalRecord>>>;

/** `personalRecords()`. */
export const personalRecordsAnswer = z.strictObject({
  /** In distance order (1k, 5k, 10k, half, marathon); a distance never run is absent. */
  records: list(personalRecord),
  /** Runs with details that were looked at. */
  runs_with_details: z.number().int(),
});
export type PersonalRecordsAnswer = z.infer<typeof personalRecordsAnswer>;

export const hrvStatus = z.enum(['below', 'balanced', 'above']);
export type HrvStatus = z.infer<typeof hrvStatus>;

/** A day's HRV status: this week's overnight HRV against the runner's own 60-day normal range. */
export const hrvAssessment = z.strictObject({
  date: z.string(),
  /** Mean of the nights in the 7 days ending `date`. */
  seven_day_avg: numberOrNull,
  baseline: z.strictObject({ mean: z.number(), sd: z.number(), low: z.number(), high: z.number(), nights: z.number().int() }).nullable(),
  /** Null while the baseline or the week has too few nights. */
  status: hrvStatus.nullable(),
});
export type HrvAssessment = z.infer<typeof hrvAssessment>;

/** A day of a wellness trend (resting HR, sleep). */
export const trend = z.strictObject({
  date: z.string(),
  /** Mean of the values in the 7 days ending `date`. */
  mean_7d: numberOrNull,
  /** Mean of the values in the 28 days ending `date`. */
  mean_28d: numberOrNull,
  /** mean_7d − mean_28d. */
  delta: numberOrNull,
  /** Least-squares slope over the 28 days, per week. */
  slope_per_week: numberOrNull,
  /** `stable` while |delta| is within the metric's band. */
  direction: z.enum(['rising', 'falling', 'stable']).nullable(),
});
export type Trend = z.infer<typeof trend>;

/** One day of wellness figures in `trends`. */
export const wellnessDay = z.strictObject({
  date: z.string(),
  resting_hr: numberOrNull,
  hrv_ms: numberOrNull,
  /** Seconds asleep (deep + light + REM). */
  sleep_s: numberOrNull,
  /** Garmin's overall sleep score (0-100) of the night that ended that morning. */
  sleep_score: numberOrNull,
  avg_stress: numberOrNull,
  spo2_avg: numberOrNull,
  /** Breaths per minute, the day's average of the all-day respiration. */
  respiration_avg: numberOrNull,
  weight_kg: numberOrNull,
  /** Minutes active or highly active (the day's epochs). */
  intensity_min: numberOrNull,
  /** VO2 max and fitness age on the day Garmin computed them (userMetrics). */
  vo2max: numberOrNull,
  fitness_age: numberOrNull,
  /** The night's skin temperature against the runner's own baseline, °C. */
  skin_temp_dev_c: numberOrNull,
  /** The day's last blood pressure reading, mmHg. */
  bp_systolic: numberOrNull,
  bp_diastolic: numberOrNull,
});
export type WellnessDay = z.infer<typeof wellnessDay>;

/** `trends({ from, to })`: per day, HRV status against the 60-day baseline, resting HR and sleep trends. */
export const trendsAnswer = z.strictObject({
  from: z.string(),
  to: z.string(),
  hrv: list(hrvAssessment),
  resting_hr: list(trend),
  sleep: list(trend),
  days: list(wellnessDay),
});
export type TrendsAnswer = z.infer<typeof trendsAnswer>;

