/**
 * The coaching service's answers: plain, JSON-serialisable data (no NaN, no Infinity, no Date).
 * Field names follow the analysis library (snake_case), except hrProfile's, named as issue 11 asks.
 * Another module turns these into zod schemas in src-common/; keep names and shapes stable.
 */
import type { BestEffort, EffortLabel } from '../analysis/efforts.js';
import type { HrvAssessment } from '../analysis/hrv.js';
import type { ActivityLoad, LoadDay, LoadMethod } from '../analysis/load.js';
import type { CleaningReport } from '../analysis/samples.js';
import type { Drift, Lap, Split } from '../analysis/splits.js';
import type { Trend } from '../analysis/trends.js';
import type { Zone, ZoneModel, ZoneTime } from '../analysis/zones.js';
import type { PersonalRecord } from '../analysis/records.js';

export type { BestEffort, CleaningReport, Drift, EffortLabel, HrvAssessment, Lap, LoadDay, LoadMethod, PersonalRecord, Split, Trend, Zone, ZoneModel, ZoneTime, ActivityLoad };

/** The split unit an answer is given in: kilometres or miles. */
export type SplitUnit = 'km' | 'mi';

/** Where the HR numbers come from: both set by the runner, or at least one estimated from their data. */
export type HrSource = 'settings' | 'estimated';

/** `hrProfile()`: the runner's max and resting HR and their zones. */
export interface HrProfileAnswer {
  /** Null when neither set nor estimable (no activity with a plausible max HR yet). */
  readonly maxHr: number | null;
  readonly restingHr: number | null;
  readonly model: ZoneModel;
  /** Five zones, empty when maxHr or restingHr is null. */
  readonly zones: readonly Zone[];
  /** `settings` only when both numbers are the runner's settings. */
  readonly source: HrSource;
  readonly maxHrSource: 'settings' | 'estimated' | null;
  readonly restingHrSource: 'settings' | 'estimated' | null;
  /** Plain words on how an estimate was made, or null for settings. */
  readonly note: string | null;
}

/** One point of the downsampled series: the end of a bucket of samples. */
export interface SeriesPoint {
  /** Seconds since the start (wall clock, pauses included). */
  readonly elapsed_s: number;
  /** Metres from the start, or null without distance. */
  readonly distance_m: number | null;
  /** Seconds per unit (km or mile) over the bucket, or null when standing still or without distance. */
  readonly pace_s: number | null;
  /** Mean HR over the bucket. */
  readonly hr: number | null;
  /** Mean elevation over the bucket, metres. */
  readonly elevation_m: number | null;
}

/** `activityDetails(id, { unit, maxPoints })`. */
export interface ActivityDetailsAnswer {
  /** The activity's summaryId (as in the activity list). */
  readonly summary_id: string;
  readonly activity_id: string | null;
  readonly type: string | null;
  readonly name: string | null;
  /** ISO 8601 UTC, or null when unknown. */
  readonly start_time: string | null;
  readonly local_date: string | null;
  readonly unit: SplitUnit;
  /** False when only the summary is stored (details not synced yet, or none exist): tables are empty. */
  readonly has_details: boolean;
  readonly summary: {
    readonly elapsed_s: number | null;
    readonly moving_s: number | null;
    readonly distance_m: number | null;
    /** Seconds per unit over the moving time. */
    readonly avg_pace_s: number | null;
    readonly avg_hr: number | null;
    readonly max_hr: number | null;
    readonly avg_cadence_spm: number | null;
    readonly elevation_gain_m: number | null;
    readonly has_hr: boolean;
    readonly has_gps: boolean;
    readonly samples: number;
  };
  readonly splits: readonly Split[];
  readonly laps: readonly Lap[];
  /** Null without an HR profile or without HR samples. */
  readonly zones: ZoneTime | null;
  readonly hr_profile: { readonly max_hr: number; readonly resting_hr: number; readonly model: ZoneModel; readonly source: HrSource } | null;
  readonly drift: Drift;
  readonly best_efforts: readonly BestEffort[];
  readonly load: ActivityLoad;
  /** What cleaning changed (null without details). */
  readonly cleaning: CleaningReport | null;
  /** At most `maxPoints` points (default 300). */
  readonly series: readonly SeriesPoint[];
}

/** One ISO week of `trainingLoad`. */
export interface LoadWeekAnswer {
  /** Monday, YYYY-MM-DD. */
  readonly week_start: string;
  readonly load: number;
  readonly monotony: number | null;
  readonly strain: number | null;
  readonly acwr: number | null;
  /** Moving seconds per HR zone, added up over the week's activities with details. */
  readonly zones: ZoneTime;
}

/** `trainingLoad({ from, to })`. */
export interface TrainingLoadAnswer {
  readonly from: string;
  readonly to: string;
  /** The first day with any activity: windows reaching before it are null, not zero. */
  readonly history_start: string | null;
  readonly hr_source: HrSource | null;
  readonly days: readonly LoadDay[];
  readonly weeks: readonly LoadWeekAnswer[];
  /** How many activities' loads came from HR samples, the average HR, or the duration only. */
  readonly methods: Readonly<Record<LoadMethod, number>>;
}

/** `personalRecords()`. */
export interface PersonalRecordsAnswer {
  /** In distance order (1k, 5k, 10k, half, marathon); a distance never run is absent. */
  readonly records: readonly PersonalRecord[];
  /** Runs with details that were looked at. */
  readonly runs_with_details: number;
}

/** One day of wellness figures in `trends`. */
export interface WellnessDay {
  readonly date: string;
  readonly resting_hr: number | null;
  readonly hrv_ms: number | null;
  /** Seconds asleep (deep + light + REM). */
  readonly sleep_s: number | null;
  readonly avg_stress: number | null;
  readonly spo2_avg: number | null;
  readonly respiration_avg: number | null;
  readonly weight_kg: number | null;
}

/** `trends({ from, to })`: per day, HRV status against the 60-day baseline, resting HR and sleep trends. */
export interface TrendsAnswer {
  readonly from: string;
  readonly to: string;
  readonly hrv: readonly HrvAssessment[];
  readonly resting_hr: readonly Trend[];
  readonly sleep: readonly Trend[];
  readonly days: readonly WellnessDay[];
}

/** The coaching service: synchronous reads of the stored data. Method names are stable. */
export interface Coaching {
  activityDetails(id: string, options?: { unit?: SplitUnit; maxPoints?: number }): ActivityDetailsAnswer;
  trainingLoad(range: { from: string; to: string }): TrainingLoadAnswer;
  personalRecords(): PersonalRecordsAnswer;
  trends(range: { from: string; to: string }): TrendsAnswer;
  hrProfile(): HrProfileAnswer;
}
