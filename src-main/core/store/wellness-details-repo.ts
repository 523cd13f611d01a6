/**
 * Garmin's wellness detail types: stressDetails, bodyComps, pulseOx and respiration, each a row
 * with the day's typed figures beside the record (kept compact where large), and the figures per
 * day the trends read. Written inside the caller's transaction (details-repo.ts store).
 */
import { z } from 'zod';
import { readBodyComp, readPulseOx, readRespiration, readStress } from '../garmin/wellness-records.js';
import type { Database } from './database.js';
import { upsertStatement } from './rows.js';
import { packJson } from './sample-codec.js';

export const WELLNESS_DETAIL_STREAMS = ['stressDetails', 'bodyComps', 'pulseOx', 'respiration'] as const;
export type WellnessDetailStream = (typeof WELLNESS_DETAIL_STREAMS)[number];

export const WELLNESS_DETAIL_TABLE: Record<WellnessDetailStream, string> = {
  stressDetails: 'stress_details',
  bodyComps: 'body_comps',
  pulseOx: 'pulse_ox',
  respiration: 'respiration',
};

const round1 = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10) / 10);

/** A day's figure (an average, a weight): parsed as it leaves SQLite. */
const dayFigures = z.array(z.object({ d: z.string(), v: z.number().nullable() }));

/** The wellness figures of one day that the trends read. */
export interface WellnessDayFigures {
  avgStress: number | null;
  spo2: number | null;
  respiration: number | null;
  weightKg: number | null;
}

export class WellnessDetailsRepo {
  private readonly upsertStress;
  private readonly upsertBodyComp;
  private readonly upsertPulseOx;
  private readonly upsertRespiration;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    this.upsertStress = upsertStatement(db, 'stress_details', ['summary_id', 'calendar_date', 'start_time', 'start_offset', 'duration_s', 'avg_stress', 'max_stress', 'body_battery_high', 'body_battery_low', 'raw_z', 'synced_at']);
    this.upsertBodyComp = upsertStatement(db, 'body_comps', ['summary_id', 'measured_at', 'local_date', 'weight_g', 'body_fat_pct', 'bmi', 'muscle_mass_g', 'raw', 'synced_at']);
    this.upsertPulseOx = upsertStatement(db, 'pulse_ox', ['summary_id', 'calendar_date', 'start_time', 'duration_s', 'avg_spo2', 'min_spo2', 'on_demand', 'raw_z', 'synced_at']);
    this.upsertRespiration = upsertStatement(db, 'respiration', ['summary_id', 'start_time', 'local_date', 'duration_s', 'avg_breaths', 'min_breaths', 'max_breaths', 'raw', 'synced_at']);
  }

  /** Stores one record of a stream; false when it cannot be stored (no id, no time). Call inside a transaction. */
  store(stream: WellnessDetailStream, record: unknown, now: number): boolean {
    switch (stream) {
      case 'stressDetails': {
        const s = readStress(record);
        if (!s) return false;
        this.upsertStress.run({
          profile_id: this.profileId, summary_id: s.summaryId, calendar_date: s.calendarDate, start_time: s.startTime, start_offset: s.offset,
          duration_s: s.durationS, avg_stress: s.stress.avg, max_stress: s.stress.max, body_battery_high: s.bodyBattery.max, body_battery_low: s.bodyBattery.min,
          raw_z: packJson(record), synced_at: now,
        });
        return true;
      }
      case 'bodyComps': {
        const b = readBodyComp(record);
        if (!b) return false;
        this.upsertBodyComp.run({
          profile_id: this.profileId, summary_id: b.summaryId, measured_at: b.measuredAt, local_date: b.localDate,
          weight_g: b.weightG, body_fat_pct: b.bodyFatPct, bmi: b.bmi, muscle_mass_g: b.muscleMassG, raw: JSON.stringify(record), synced_at: now,
        });
        return true;
      }
      case 'pulseOx': {
        const p = readPulseOx(record);
        if (!p) return false;
        this.upsertPulseOx.run({
          profile_id: this.profileId, summary_id: p.summaryId, calendar_date: p.calendarDate, start_time: p.startTime, duration_s: p.durationS,
          avg_spo2: p.spo2.avg, min_spo2: p.spo2.min, on_demand: p.onDemand === null ? null : Number(p.onDemand), raw_z: packJson(record), synced_at: now,
        });
        return true;
      }
      case 'respiration': {
        const r = readRespiration(record);
        if (!r) return false;
        this.upsertRespiration.run({
          profile_id: this.profileId, summary_id: r.summaryId, start_time: r.startTime, local_date: r.localDate,
          duration_s: r.durationS, avg_breaths: r.breaths.avg, min_breaths: r.breaths.min, max_breaths: r.breaths.max, raw: JSON.stringify(record), synced_at: now,
        });
        return true;
      }
    }
  }

  /** Wellness per day for trends: stress, SpO2, respiration averages and weight. */
  wellnessBetween(from: string, to: string): Map<string, WellnessDayFigures> {
    const out = new Map<string, WellnessDayFigures>();
    const at = (d: string) => {
      let v = out.get(d);
      if (!v) out.set(d, (v = { avgStress: null, spo2: null, respiration: null, weightKg: null }));
      return v;
    };
    const rows = (sql: string) => dayFigures.parse(this.db.prepare(sql).all(this.profileId, from, to));
    for (const r of rows('SELECT calendar_date AS d, avg(avg_stress) AS v FROM stress_details WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? GROUP BY d')) at(r.d).avgStress = round1(r.v);
    for (const r of rows('SELECT calendar_date AS d, avg(avg_spo2) AS v FROM pulse_ox WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? GROUP BY d')) at(r.d).spo2 = round1(r.v);
    for (const r of rows('SELECT local_date AS d, avg(avg_breaths) AS v FROM respiration WHERE profile_id = ? AND local_date BETWEEN ? AND ? GROUP BY d')) at(r.d).respiration = round1(r.v);
    // The day's last plausible weigh-in (20-300 kg: Garmin's own example prints 751,732 g).
    for (const r of rows('SELECT local_date AS d, weight_g AS v FROM body_comps WHERE profile_id = ? AND local_date BETWEEN ? AND ? AND weight_g BETWEEN 20000 AND 300000 ORDER BY measured_at')) {
      if (r.v !== null) at(r.d).weightKg = Math.round(r.v / 100) / 10;
    }
    return out;
  }
}
