/**
 * Coaching answers for the renderer tests, shaped exactly as the service answers (each is parsed
 * with its strict schema in coaching-pages.test.tsx, so a fixture cannot drift from the contract).
 */
import type { ActivityDetailsAnswer, HrProfileAnswer, PersonalRecordsAnswer, TrainingLoadAnswer, TrendsAnswer } from '../../src-common/coaching-contract';

const day = (start: string, offset: number) => {
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
};

export const hrProfile: HrProfileAnswer = {
  maxHr: 190,
  restingHr: 48,
  model: 'hrr',
  zones: [
    { zone: 1, from_bpm: 119, to_bpm: 133.2 },
    { zone: 2, from_bpm: 133.2, to_bpm: 147.4 },
    { zone: 3, from_bpm: 147.4, to_bpm: 161.6 },
    { zone: 4, from_bpm: 161.6, to_bpm: 175.8 },
    { zone: 5, from_bpm: 175.8, to_bpm: null },
  ],
  source: 'settings',
  maxHrSource: 'settings',
  restingHrSource: 'settings',
  note: null,
};

/** A 10.5 km run at about 5:00 /km with HR and GPS, two laps, a pause. */
export const run: ActivityDetailsAnswer = {
  summary_id: 'run-1',
  activity_id: '9001',
  type: 'RUNNING',
  name: 'Tempo Tuesday',
  start_time: '2026-11-24T06:30:00.000Z',
  local_date: '2026-11-24',
  unit: 'km',
  has_details: true,
  summary: {
    elapsed_s: 3200,
    moving_s: 3150,
    distance_m: 10_500,
    avg_pace_s: 300,
    avg_hr: 152.4,
    max_hr: 174,
    avg_cadence_spm: 172,
    elevation_gain_m: 64.2,
    has_hr: true,
    has_gps: true,
    samples: 3200,
  },
  splits: Array.from({ length: 11 }, (_, i) => ({
    index: i + 1,
    distance_m: i < 10 ? 1000 : 500,
    moving_s: i < 10 ? 298 + i : 152,
    pace_s: i < 10 ? 298 + i : 304,
    avg_hr: 140 + i * 2,
    max_hr: 150 + i * 2,
    elevation_gain_m: i % 3 === 0 ? 8 : 4,
  })),
  laps: [
    { index: 1, start_s: 0, elapsed_s: 1600, distance_m: 5200, moving_s: 1560, pace_s: 300, avg_hr: 146, max_hr: 160, elevation_gain_m: 30 },
    { index: 2, start_s: 1600, elapsed_s: 1600, distance_m: 5300, moving_s: 1590, pace_s: 300, avg_hr: 158.8, max_hr: 174, elevation_gain_m: 34.2 },
  ],
  zones: { below_s: 60, z1_s: 300, z2_s: 900, z3_s: 1200, z4_s: 600, z5_s: 90, no_hr_s: 0 },
  hr_profile: { max_hr: 190, resting_hr: 48, model: 'hrr', source: 'settings' },
  drift: { pace_drift_pct: 1.2, hr_drift_pct: 4.1, decoupling_pct: 3.2 },
  best_efforts: [
    { label: '1k', distance_m: 1000, time_s: 281.4, pace_s_per_km: 281.4, start_m: 8200 },
    { label: '5k', distance_m: 5000, time_s: 1482.5, pace_s_per_km: 296.5, start_m: 5400 },
    { label: '10k', distance_m: 10_000, time_s: 2995, pace_s_per_km: 299.5, start_m: 300 },
  ],
  load: { trimp: 112.6, method: 'hr_samples' },
  cleaning: { dropped_samples: 0, reordered: false, duplicates: 0, absurd: { hr: 0, speed: 0, cadence: 0, elevation: 0, position: 0 }, distance_glitches: 0, gps_gaps: 0, pauses: 1, paused_s: 50 },
  series: Array.from({ length: 60 }, (_, i) => ({
    elapsed_s: (i + 1) * 53,
    distance_m: (i + 1) * 175,
    // A stop at a crossing in the middle: a wild pace the axis must not follow.
    pace_s: i === 30 ? 1800 : 290 + (i % 7) * 3,
    hr: i === 0 ? null : 130 + i * 0.7,
    elevation_m: 40 + (i % 10),
  })),
};

/** The same in miles (as the service answers for unit mi). */
export const runMiles: ActivityDetailsAnswer = {
  ...run,
  unit: 'mi',
  summary: { ...run.summary, avg_pace_s: 482.8 },
  splits: [
    { index: 1, distance_m: 1609.3, moving_s: 480, pace_s: 480, avg_hr: 141, max_hr: 150, elevation_gain_m: 10 },
    { index: 2, distance_m: 1609.3, moving_s: 482, pace_s: 482, avg_hr: 148, max_hr: 158, elevation_gain_m: 9 },
  ],
  series: run.series.map((p) => ({ ...p, pace_s: p.pace_s === null ? null : p.pace_s * 1.609344 })),
};

/** A treadmill run: no HR strap, no GPS (distance from the watch's own count). */
export const treadmill: ActivityDetailsAnswer = {
  ...run,
  summary_id: 'run-2',
  activity_id: null,
  name: null,
  type: 'TREADMILL_RUNNING',
  local_date: '2026-11-20',
  summary: { ...run.summary, avg_hr: null, max_hr: null, has_hr: false, has_gps: false },
  splits: run.splits.map((s) => ({ ...s, avg_hr: null, max_hr: null })),
  laps: run.laps.map((l) => ({ ...l, avg_hr: null, max_hr: null })),
  zones: null,
  drift: { pace_drift_pct: 0.8, hr_drift_pct: null, decoupling_pct: null },
  load: { trimp: 45, method: 'duration' },
  series: run.series.map((p) => ({ ...p, hr: null })),
};

/** Only the summary synced: nothing but nulls and empty tables. */
export const summaryOnly: ActivityDetailsAnswer = {
  summary_id: 'run-3',
  activity_id: null,
  type: null,
  name: null,
  start_time: null,
  local_date: null,
  unit: 'km',
  has_details: false,
  summary: { elapsed_s: null, moving_s: null, distance_m: null, avg_pace_s: null, avg_hr: null, max_hr: null, avg_cadence_spm: null, elevation_gain_m: null, has_hr: false, has_gps: false, samples: 0 },
  splits: [],
  laps: [],
  zones: null,
  hr_profile: null,
  drift: { pace_drift_pct: null, hr_drift_pct: null, decoupling_pct: null },
  best_efforts: [],
  load: { trimp: 0, method: 'duration' },
  cleaning: null,
  series: [],
};

/** Zones from an estimated profile. */
export const estimatedRun: ActivityDetailsAnswer = { ...run, summary_id: 'run-4', hr_profile: { max_hr: 186, resting_hr: 50, model: 'hrr', source: 'estimated' } };

const LOAD_FROM = '2026-09-08';
export const trainingLoad: TrainingLoadAnswer = {
  from: LOAD_FROM,
  to: '2026-11-30',
  history_start: '2026-08-01',
  hr_source: 'settings',
  days: Array.from({ length: 84 }, (_, i) => {
    const load = i % 7 === 6 ? 0 : 60 + (i % 5) * 12;
    const chronic = 55 + i * 0.2;
    const acute = i < 3 ? null : 50 + (i % 9) * 6;
    return {
      date: day(LOAD_FROM, i),
      load,
      acute,
      chronic,
      acwr: acute === null ? null : Math.round((acute / chronic) * 100) / 100,
      monotony: i < 6 ? null : 1.4 + (i % 4) * 0.1,
      strain: i < 6 ? null : 600 + i * 3,
    };
  }),
  weeks: Array.from({ length: 12 }, (_, w) => ({
    week_start: day(LOAD_FROM, w * 7),
    load: 400 + w * 10,
    monotony: 1.5,
    strain: 700 + w * 15,
    acwr: 0.9 + w * 0.03,
    zones: { below_s: 100, z1_s: 1200, z2_s: 5400, z3_s: 1800, z4_s: 600, z5_s: 60, no_hr_s: 0 },
  })),
  methods: { hr_samples: 30, avg_hr: 4, duration: 2 },
};

/** No history at all: every figure null. */
export const emptyLoad: TrainingLoadAnswer = {
  from: LOAD_FROM,
  to: '2026-11-30',
  history_start: null,
  hr_source: null,
  days: Array.from({ length: 84 }, (_, i) => ({ date: day(LOAD_FROM, i), load: 0, acute: null, chronic: null, acwr: null, monotony: null, strain: null })),
  weeks: [],
  methods: { hr_samples: 0, avg_hr: 0, duration: 0 },
};

const TREND_FROM = '2026-09-02';
export const trends: TrendsAnswer = {
  from: TREND_FROM,
  to: '2026-11-30',
  hrv: Array.from({ length: 90 }, (_, i) => ({
    date: day(TREND_FROM, i),
    seven_day_avg: 60 + (i % 6),
    baseline: i < 20 ? null : { mean: 63, sd: 5, low: 59.3, high: 66.8, nights: Math.min(60, i) },
    status: i < 20 ? null : i === 89 ? 'below' : 'balanced',
  })),
  resting_hr: Array.from({ length: 90 }, (_, i) => ({ date: day(TREND_FROM, i), mean_7d: 49 + (i % 3), mean_28d: 50, delta: (i % 3) - 1, slope_per_week: 0.1, direction: 'stable' as const })),
  sleep: Array.from({ length: 90 }, (_, i) => ({ date: day(TREND_FROM, i), mean_7d: 26_000 + i * 10, mean_28d: 26_500, delta: -100, slope_per_week: 30, direction: 'stable' as const })),
  days: Array.from({ length: 90 }, (_, i) => ({
    date: day(TREND_FROM, i),
    resting_hr: i % 11 === 0 ? null : 48 + (i % 4),
    hrv_ms: i % 13 === 0 ? null : 58 + (i % 9),
    sleep_s: i % 17 === 0 ? null : 25_000 + (i % 5) * 900,
    sleep_score: i % 17 === 0 ? null : 80,
    avg_stress: 30,
    spo2_avg: null,
    respiration_avg: 14.2,
    weight_kg: null,
    intensity_min: 45,
    vo2max: i % 7 === 3 ? 52 : null,
    fitness_age: i % 7 === 3 ? 33 : null,
    skin_temp_dev_c: -0.2,
    bp_systolic: null,
    bp_diastolic: null,
  })),
};

/** No wellness data synced: every figure null. */
export const emptyTrends: TrendsAnswer = {
  ...trends,
  hrv: trends.hrv.map((h) => ({ ...h, seven_day_avg: null, baseline: null, status: null })),
  resting_hr: trends.resting_hr.map((t) => ({ ...t, mean_7d: null, mean_28d: null, delta: null, slope_per_week: null, direction: null })),
  sleep: trends.sleep.map((t) => ({ ...t, mean_7d: null, mean_28d: null, delta: null, slope_per_week: null, direction: null })),
  days: trends.days.map((d) => ({ ...d, resting_hr: null, hrv_ms: null, sleep_s: null, avg_stress: null, respiration_avg: null })),
};

export const records: PersonalRecordsAnswer = {
  records: [
    { label: '1k', distance_m: 1000, time_s: 271.2, pace_s_per_km: 271.2, summary_id: 'run-1', date: '2026-11-24' },
    { label: '5k', distance_m: 5000, time_s: 1443, pace_s_per_km: 288.6, summary_id: 'run-7', date: '2026-10-12' },
    { label: 'half_marathon', distance_m: 21_097.5, time_s: 6590, pace_s_per_km: 312.4, summary_id: 'run-9', date: '2026-09-20' },
  ],
  runs_with_details: 23,
};
