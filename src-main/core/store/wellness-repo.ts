/**
 * The health types a coach reads beside the sleeps and dailies: epochs (steps and intensity per 15
 * minutes), health snapshots, blood pressure and skin temperature. Rows are written inside the
 * caller's transaction (a sync window or a relay page), so they commit with the cursor that
 * brought them; the raw record is kept beside the figures read from it (core/garmin/wellness-records.ts).
 */
import { readBloodPressure, readEpoch, readHealthSnapshot, readSkinTemp } from '../garmin/wellness-records.js';
import { z } from 'zod';
import { fitnessDay, healthSnapshot, skinTempNight, type EpochRow, type HealthMeasurements } from '../../../src-common/contract.js';
import type { Database } from './database.js';
import { upsertStatement } from './rows.js';

export const WELLNESS_STREAMS = ['epochs', 'healthSnapshot', 'bloodPressures', 'skinTemp'] as const;
export type WellnessStream = (typeof WELLNESS_STREAMS)[number];

/** The table holding each stream's rows, keyed by (profile_id, summary_id). */
export const WELLNESS_TABLE: Record<WellnessStream, string> = { epochs: 'epochs', healthSnapshot: 'health_snapshots', bloodPressures: 'blood_pressures', skinTemp: 'skin_temps' };

/** Each stream's columns (besides profile_id), the keys of its row below: the compiler holds the two to each other. */
const COLUMNS = {
  epochs: ['summary_id', 'start_time', 'local_date', 'local_minute', 'activity_type', 'intensity', 'duration_s', 'active_s', 'steps', 'distance_m', 'active_kcal', 'met', 'mean_motion', 'max_motion', 'raw', 'synced_at'],
  healthSnapshot: ['summary_id', 'calendar_date', 'start_time', 'duration_s', 'hr_avg', 'hr_min', 'hr_max', 'spo2_avg', 'spo2_min', 'respiration_avg', 'stress_avg', 'rmssd_ms', 'sdrr_ms', 'raw', 'synced_at'],
  bloodPressures: ['summary_id', 'measured_at', 'local_date', 'systolic', 'diastolic', 'pulse', 'source_type', 'raw', 'synced_at'],
  skinTemp: ['summary_id', 'calendar_date', 'start_time', 'duration_s', 'deviation_c', 'raw', 'synced_at'],
} as const satisfies Record<WellnessStream, readonly string[]>;

/** A stream's row: a value for each of its columns, no other. */
type WellnessRow<S extends WellnessStream> = Record<(typeof COLUMNS)[S][number], unknown>;

/** One row of a wellness table, ready to write, or null for a record that cannot be read. */
function toRow(stream: WellnessStream, record: unknown, now: number): Record<string, unknown> | null {
  const raw = JSON.stringify(record);
  switch (stream) {
    case 'epochs': {
      const e = readEpoch(record);
      if (!e) return null;
      return {
        summary_id: e.summaryId, start_time: e.startTime, local_date: e.localDate, local_minute: e.localMinute, activity_type: e.activityType, intensity: e.intensity,
        duration_s: e.durationS, active_s: e.activeS, steps: e.steps, distance_m: e.distanceM, active_kcal: e.activeKcal, met: e.met,
        mean_motion: e.meanMotion, max_motion: e.maxMotion, raw, synced_at: now,
      } satisfies WellnessRow<'epochs'>;
    }
    case 'healthSnapshot': {
      const h = readHealthSnapshot(record);
      if (!h) return null;
      return {
        summary_id: h.summaryId, calendar_date: h.calendarDate, start_time: h.startTime, duration_s: h.durationS,
        hr_avg: h.heartRate?.avg ?? null, hr_min: h.heartRate?.min ?? null, hr_max: h.heartRate?.max ?? null,
        spo2_avg: h.spo2?.avg ?? null, spo2_min: h.spo2?.min ?? null, respiration_avg: h.respiration?.avg ?? null, stress_avg: h.stress?.avg ?? null,
        rmssd_ms: h.rmssdMs, sdrr_ms: h.sdrrMs, raw, synced_at: now,
      } satisfies WellnessRow<'healthSnapshot'>;
    }
    case 'bloodPressures': {
      const b = readBloodPressure(record);
      if (!b) return null;
      return { summary_id: b.summaryId, measured_at: b.measuredAt, local_date: b.localDate, systolic: b.systolic, diastolic: b.diastolic, pulse: b.pulse, source_type: b.sourceType, raw, synced_at: now } satisfies WellnessRow<'bloodPressures'>;
    }
    case 'skinTemp': {
      const t = readSkinTemp(record);
      if (!t) return null;
      return { summary_id: t.summaryId, calendar_date: t.calendarDate, start_time: t.startTime, duration_s: t.durationS, deviation_c: t.deviationC, raw, synced_at: now } satisfies WellnessRow<'skinTemp'>;
    }
  }
}

/** A day of epochs: steps and the minutes spent at each intensity. */
export interface EpochDay {
  readonly date: string;
  readonly steps: number;
  readonly activeMin: number;
  readonly highlyActiveMin: number;
}

/** What a coach reads of the day's measurements (trends). */
export interface MeasurementDay {
  readonly vo2max: number | null;
  readonly fitnessAge: number | null;
  readonly skinTempDeviationC: number | null;
  readonly systolic: number | null;
  readonly diastolic: number | null;
}

/** The rows the reads select, parsed as they leave SQLite (never cast). */
const n = z.number().nullable();
const epochRows = z.array(
  z.object({ start_time: z.number(), local_date: z.string(), local_minute: z.number(), activity_type: z.string().nullable(), intensity: z.string().nullable(), steps: n, active_s: n, distance_m: n, active_kcal: n, met: n }),
);
const epochDayRows = z.array(z.object({ date: z.string(), steps: z.number(), active_s: z.number(), highly_active_s: z.number() }));
const fitnessRows = z.array(fitnessDay);
const pressureRows = z.array(z.object({ measured_at: z.number(), local_date: z.string(), systolic: n, diastolic: n, pulse: n, source_type: z.string().nullable() }));
const skinRows = z.array(skinTempNight);
const snapshotRows = z.array(z.strictObject({ ...healthSnapshot.shape, start_time: n }));
const metricDays = z.array(z.object({ d: z.string(), vo2max: n, fitness_age: n }));
const valueDays = z.array(z.object({ d: z.string(), v: n }));
const pressureDays = z.array(z.object({ d: z.string(), systolic: n, diastolic: n }));
const count = z.number();

export class WellnessRepo {
  private readonly upserts: Record<WellnessStream, ReturnType<Database['prepare']>>;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    this.upserts = Object.fromEntries(WELLNESS_STREAMS.map((stream) => [stream, upsertStatement(db, WELLNESS_TABLE[stream], COLUMNS[stream])])) as Record<WellnessStream, ReturnType<Database['prepare']>>;
  }

  /** Stores one record; false when it cannot be read. Call inside a transaction. */
  store(stream: WellnessStream, record: unknown, now: number): boolean {
    const row = toRow(stream, record, now);
    if (!row) return false;
    this.upserts[stream].run({ ...row, profile_id: this.profileId });
    return true;
  }

  /** Epochs of [from, to] (local dates) in time order, as the agent endpoint answers them. */
  epochs(from: string, to: string): EpochRow[] {
    const found = this.db
      .prepare(
        `SELECT start_time, local_date, local_minute, activity_type, intensity, steps, active_s, distance_m, active_kcal, met
         FROM epochs WHERE profile_id = ? AND local_date BETWEEN ? AND ? ORDER BY start_time, summary_id`,
      )
      .all(this.profileId, from, to);
    const rows = epochRows.parse(found);
    return rows.map((r) => ({
      start_time: new Date(r.start_time * 1000).toISOString(),
      local_date: r.local_date,
      local_time: `${String(Math.floor(r.local_minute / 60)).padStart(2, '0')}:${String(r.local_minute % 60).padStart(2, '0')}`,
      activity_type: r.activity_type,
      intensity: r.intensity,
      steps: r.steps,
      active_s: r.active_s,
      distance_m: r.distance_m,
      active_kcal: r.active_kcal,
      met: r.met,
    }));
  }

  /** Per day of [from, to]: steps and minutes active and highly active from the epochs. */
  epochDays(from: string, to: string): Map<string, EpochDay> {
    const rows = epochDayRows.parse(
      this.db
      .prepare(
        `SELECT local_date AS date, COALESCE(sum(steps), 0) AS steps,
                COALESCE(sum(CASE WHEN intensity = 'ACTIVE' THEN active_s END), 0) AS active_s,
                COALESCE(sum(CASE WHEN intensity = 'HIGHLY_ACTIVE' THEN active_s END), 0) AS highly_active_s
         FROM epochs WHERE profile_id = ? AND local_date BETWEEN ? AND ? GROUP BY local_date`,
        )
        .all(this.profileId, from, to),
    );
    return new Map(rows.map((r) => [r.date, { date: r.date, steps: Math.round(r.steps), activeMin: Math.round(r.active_s / 60), highlyActiveMin: Math.round(r.highly_active_s / 60) }]));
  }

  /** What Garmin measured of the runner's health in [from, to], newest first in each list. */
  measurements(from: string, to: string): HealthMeasurements {
    const p = this.profileId;
    const iso = (s: number | null) => (s === null ? null : new Date(s * 1000).toISOString());
    const fitness = fitnessRows.parse(
      this.db.prepare('SELECT calendar_date, vo2max, fitness_age FROM user_metrics WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC').all(p, from, to),
    );
    const pressures = pressureRows.parse(
      this.db
        .prepare('SELECT measured_at, local_date, systolic, diastolic, pulse, source_type FROM blood_pressures WHERE profile_id = ? AND local_date BETWEEN ? AND ? ORDER BY measured_at DESC')
        .all(p, from, to),
    );
    const skin = skinRows.parse(
      this.db.prepare('SELECT calendar_date, deviation_c FROM skin_temps WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC').all(p, from, to),
    );
    const snapshots = snapshotRows.parse(
      this.db
        .prepare(
          `SELECT calendar_date, start_time, hr_avg, spo2_avg, respiration_avg, stress_avg, rmssd_ms, sdrr_ms
           FROM health_snapshots WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC, start_time DESC`,
        )
        .all(p, from, to),
    );
    return {
      fitness,
      blood_pressure: pressures.map((r) => ({ measured_at: new Date(r.measured_at * 1000).toISOString(), local_date: r.local_date, systolic: r.systolic, diastolic: r.diastolic, pulse: r.pulse, source: r.source_type })),
      skin_temperature: skin,
      snapshots: snapshots.map((r) => ({ ...r, start_time: iso(r.start_time) })),
    };
  }

  /**
   * Per day of [from, to] what a coach reads beside recovery: VO2 max and fitness age (userMetrics),
   * the night's skin temperature deviation, and the day's last blood pressure reading.
   */
  measurementDays(from: string, to: string): Map<string, MeasurementDay> {
    const out = new Map<string, MeasurementDay>();
    const at = (date: string): { -readonly [K in keyof MeasurementDay]: MeasurementDay[K] } => {
      let day = out.get(date) as { -readonly [K in keyof MeasurementDay]: MeasurementDay[K] } | undefined;
      if (!day) out.set(date, (day = { vo2max: null, fitnessAge: null, skinTempDeviationC: null, systolic: null, diastolic: null }));
      return day;
    };
    const p = this.profileId;
    for (const r of metricDays.parse(this.db.prepare('SELECT calendar_date AS d, vo2max, fitness_age FROM user_metrics WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY synced_at').all(p, from, to))) {
      const day = at(r.d);
      day.vo2max = r.vo2max ?? day.vo2max;
      day.fitnessAge = r.fitness_age ?? day.fitnessAge;
    }
    for (const r of valueDays.parse(this.db.prepare('SELECT calendar_date AS d, avg(deviation_c) AS v FROM skin_temps WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? GROUP BY d').all(p, from, to))) {
      at(r.d).skinTempDeviationC = r.v === null ? null : Math.round(r.v * 10) / 10;
    }
    for (const r of pressureDays.parse(this.db.prepare('SELECT local_date AS d, systolic, diastolic FROM blood_pressures WHERE profile_id = ? AND local_date BETWEEN ? AND ? ORDER BY measured_at').all(p, from, to))) {
      const day = at(r.d);
      day.systolic = r.systolic;
      day.diastolic = r.diastolic;
    }
    return out;
  }

  deleteAll(): void {
    for (const table of Object.values(WELLNESS_TABLE)) this.db.prepare(`DELETE FROM ${table} WHERE profile_id = ?`).run(this.profileId);
  }

  counts(): Record<WellnessStream, number> {
    const counted = (stream: WellnessStream) => count.parse(this.db.prepare(`SELECT count(*) FROM ${WELLNESS_TABLE[stream]} WHERE profile_id = ?`).pluck().get(this.profileId));
    return { epochs: counted('epochs'), healthSnapshot: counted('healthSnapshot'), bloodPressures: counted('bloodPressures'), skinTemp: counted('skinTemp') };
  }
}
