/**
 * The training data as the surfaces read it: activities (a family of types or one), dailies,
 * sleeps, HRV, user metrics and the weekly running volume, each row parsed by zod as it leaves
 * SQLite into its src-common/contract.ts shape. TrainingRepo (training-repo.ts) adds the writes.
 */
import { z } from 'zod';
import { dailySummary, hrvNight, sleepNight, userMetricsDay, type ActivityView, type DailySummary, type HrvNight, type SleepNight, type UserMetricsDay, type WeekSummary } from '../../../src-common/contract.js';
import { ACTIVITY_FAMILIES, type ActivityFamily } from '../../../src-common/data-query.js';
import { addDays, isoWeekLabel, isoWeekStart } from '../../../src-common/dates.js';
import { paceSecondsPerKm } from '../../../src-common/units.js';
import { columnsOf, rowOrNull } from './rows.js';
import type { Database } from './database.js';
import { wholeSeconds } from './summary-rows.js';

/** The rows the reads select, parsed as they leave SQLite (never cast): the contract's shapes, or the columns they are made from. */
const dailyRows = z.array(dailySummary);
const hrvRows = z.array(hrvNight);
const userMetricsRows = z.array(userMetricsDay);
const sleepRows = z.array(z.strictObject({ ...sleepNight.shape, start_time: z.number().nullable() }));
/** An activities row as the reads select it (coaching-reads.ts picks the columns it needs). */
export const activityRow = z.strictObject({
  summary_id: z.string(),
  activity_id: z.string().nullable(),
  activity_type: z.string(),
  name: z.string().nullable(),
  start_time: z.number(),
  local_date: z.string(),
  duration_s: z.number().nullable(),
  distance_m: z.number().nullable(),
  avg_pace_min_km: z.number().nullable(),
  avg_speed_mps: z.number().nullable(),
  avg_hr: z.number().nullable(),
  max_hr: z.number().nullable(),
  avg_cadence_spm: z.number().nullable(),
  elevation_gain_m: z.number().nullable(),
  active_kcal: z.number().nullable(),
  device_name: z.string().nullable(),
});
const activityRows = z.array(activityRow);
const weekRows = z.array(
  z.strictObject({
    week_start: z.string(),
    runs: z.number(),
    distance_m: z.number(),
    duration_s: z.number(),
    long_run_m: z.number(),
    paced_s: z.number().nullable(),
    paced_m: z.number().nullable(),
    hr_weighted: z.number().nullable(),
    hr_s: z.number().nullable(),
  }),
);

/** Up to four LIKE patterns for a family of types; never matching for a single type. */
const FAMILY_SQL = '(activity_type LIKE ? OR activity_type LIKE ? OR activity_type LIKE ? OR activity_type LIKE ?)';
function familyPatterns(type: string | undefined): string[] {
  const parts: readonly string[] = type && type in ACTIVITY_FAMILIES ? ACTIVITY_FAMILIES[type as ActivityFamily] : [];
  return [0, 1, 2, 3].map((i) => (parts[i] ? `%${parts[i]}%` : '\u0000'));
}

/** Activity types that count as runs in the weekly summary. */
export const isRunType = (type: string) => /RUN/.test(type);

const activityDateRow = z.object({ summary_id: z.string(), local_date: z.string() });

export class TrainingReads {
  constructor(
    protected readonly db: Database,
    protected readonly profileId: string,
  ) {}

  /** An activity's summary_id and local date, by its summary_id or Garmin activity id; null when not stored. */
  activityDate(id: string): { summaryId: string; localDate: string } | null {
    const row = rowOrNull(activityDateRow, this.db.prepare('SELECT summary_id, local_date FROM activities WHERE profile_id = ? AND (summary_id = ? OR activity_id = ?) LIMIT 1').get(this.profileId, id, id));
    if (!row) return null;
    return { summaryId: row.summary_id, localDate: row.local_date };
  }

  /** Newest first; at most `limit` when given. */
  activities(from: string, to: string, type?: string, limit = -1): ActivityView[] {
    const rows = activityRows.parse(
      this.db
        .prepare(
          `SELECT ${columnsOf(activityRow)}
           FROM activities WHERE profile_id = ? AND local_date BETWEEN ? AND ? AND (? IS NULL OR activity_type = ? OR ${FAMILY_SQL})
           ORDER BY start_time DESC LIMIT ?`,
        )
        .all(this.profileId, from, to, type ?? null, type ?? null, ...familyPatterns(type), limit),
    );
    return rows.map((r) => {
      // A pace means nothing for a ride or a swim: runs only.
      const pace = isRunType(r.activity_type) ? r.avg_pace_min_km : null;
      return {
        summary_id: r.summary_id,
        activity_id: r.activity_id,
        type: r.activity_type,
        name: r.name,
        start_time: new Date(r.start_time * 1000).toISOString(),
        local_date: r.local_date,
        duration_s: r.duration_s,
        distance_m: r.distance_m,
        avg_pace_min_km: pace,
        // From the speed when Garmin sent one (more precise than its minutes per km), to the whole second as every surface writes it.
        avg_pace_s_per_km: isRunType(r.activity_type) ? wholeSeconds(paceSecondsPerKm({ avg_speed_mps: r.avg_speed_mps, avg_pace_min_km: r.avg_pace_min_km })) : null,
        avg_speed_mps: r.avg_speed_mps,
        avg_hr: r.avg_hr,
        max_hr: r.max_hr,
        avg_cadence_spm: r.avg_cadence_spm,
        elevation_gain_m: r.elevation_gain_m,
        active_kcal: r.active_kcal,
        device_name: r.device_name,
      };
    });
  }

  /** The rows of a table of days (dailies, sleeps, HRV, user metrics) within [from, to], newest first: the columns its row schema names. */
  private byDay<S extends z.ZodObject>(rows: z.ZodArray<S>, table: string, from: string, to: string): Array<z.output<S>> {
    return rows.parse(
      this.db.prepare(`SELECT ${columnsOf(rows.element)} FROM ${table} WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`).all(this.profileId, from, to),
    );
  }

  dailies(from: string, to: string): DailySummary[] {
    return this.byDay(dailyRows, 'dailies', from, to);
  }

  sleeps(from: string, to: string): SleepNight[] {
    return this.byDay(sleepRows, 'sleeps', from, to).map((row) => ({ ...row, start_time: row.start_time === null ? null : new Date(row.start_time * 1000).toISOString() }));
  }

  /** Overnight HRV per night (`calendar_date`: the day the runner woke up), newest first. */
  hrv(from: string, to: string): HrvNight[] {
    return this.byDay(hrvRows, 'hrv', from, to);
  }

  /** VO2 max and fitness age as Garmin computed them per day, newest first. */
  userMetrics(from: string, to: string): UserMetricsDay[] {
    return this.byDay(userMetricsRows, 'user_metrics', from, to);
  }

  /**
   * Running volume per ISO week (Monday to Sunday, in the runner's local dates), for the `weeks`
   * weeks ending with the week of `today`; weeks without runs are included with zeros.
   */
  weeklySummary(weeks: number, today: string): WeekSummary[] {
    const lastWeek = isoWeekStart(today);
    const firstWeek = addDays(lastWeek, -7 * (weeks - 1));
    const rows = weekRows.parse(
      this.db
      .prepare(
        `SELECT date(local_date, '-6 days', 'weekday 1') AS week_start,
                count(*) AS runs,
                COALESCE(sum(distance_m), 0) AS distance_m,
                COALESCE(sum(duration_s), 0) AS duration_s,
                COALESCE(max(distance_m), 0) AS long_run_m,
                sum(CASE WHEN distance_m > 0 AND duration_s > 0 THEN duration_s END) AS paced_s,
                sum(CASE WHEN distance_m > 0 AND duration_s > 0 THEN distance_m END) AS paced_m,
                sum(CASE WHEN avg_hr IS NOT NULL AND duration_s > 0 THEN avg_hr * duration_s END) AS hr_weighted,
                sum(CASE WHEN avg_hr IS NOT NULL AND duration_s > 0 THEN duration_s END) AS hr_s
         FROM activities
         WHERE profile_id = ? AND local_date BETWEEN ? AND ? AND activity_type LIKE '%RUN%'
         GROUP BY week_start`,
      )
      .all(this.profileId, firstWeek, addDays(lastWeek, 6)),
    );
    const byWeek = new Map(rows.map((r) => [r.week_start, r]));
    const out: WeekSummary[] = [];
    for (let i = 0; i < weeks; i++) {
      const weekStart = addDays(firstWeek, 7 * i);
      const r = byWeek.get(weekStart);
      out.push({
        week: isoWeekLabel(weekStart),
        week_start: weekStart,
        runs: r?.runs ?? 0,
        distance_km: r ? Math.round(r.distance_m / 10) / 100 : 0,
        duration_s: r ? Math.round(r.duration_s) : 0,
        long_run_km: r ? Math.round(r.long_run_m / 10) / 100 : 0,
        avg_pace_min_km: r?.paced_m && r.paced_s !== null ? Math.round((r.paced_s / 60 / (r.paced_m / 1000)) * 100) / 100 : null,
        avg_pace_s_per_km: r?.paced_m && r.paced_s !== null ? Math.round(r.paced_s / (r.paced_m / 1000)) : null,
        avg_hr: r?.hr_s && r.hr_weighted !== null ? Math.round((r.hr_weighted / r.hr_s) * 10) / 10 : null,
      });
    }
    return out;
  }
}
