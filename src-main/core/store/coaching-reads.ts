/**
 * The stored summaries the coaching service reads (coaching/coaching-service.ts): an activity's
 * row, the HR estimates' inputs, the recovery series and the database's change fingerprint. SQL
 * here, rows parsed as they leave SQLite (never cast); the figures are the coaching service's.
 */
import { z } from 'zod';
import type { Database } from './database.js';
import { columnsOf, rowOrNull } from './rows.js';
import { activityRow as storedActivity } from './training-reads.js';

/** A number column: a finite number, else null. */
const metric = z.number().nullable().catch(null);

/** The activity's columns an activity's details answer reads. */
const activityRow = storedActivity.pick({
  summary_id: true,
  activity_id: true,
  activity_type: true,
  name: true,
  start_time: true,
  local_date: true,
  duration_s: true,
  distance_m: true,
  avg_hr: true,
  max_hr: true,
  avg_cadence_spm: true,
  elevation_gain_m: true,
});
export type ActivityRow = z.infer<typeof activityRow>;

/** A value per day, oldest first (a day may come twice: the caller keeps the first). */
const dayValues = z.array(z.object({ date: z.string(), value: metric }));
type DayValue = z.infer<typeof dayValues>[number];

const sleepRows = z.array(
  z.object({ calendar_date: z.string(), duration_s: metric, deep_s: metric, light_s: metric, rem_s: metric, awake_s: metric }),
);
export type SleepRow = z.infer<typeof sleepRows>[number];

const scoreRows = z.array(z.object({ date: z.string(), score: z.number() }));
const maybeNumber = z.number().nullable();
const maybeDate = z.string().nullable();
const numbers = z.array(z.number());

export class CoachingReads {
  private readonly activityBySummaryId;
  private readonly activityByActivityId;
  private readonly maxPlausibleHrStmt;
  private readonly restingHrsStmt;
  private readonly firstActivity;
  private readonly totalChanges;
  private readonly dataVersion;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    // The activity by its summaryId, else by its Garmin activity id: two indexed lookups (an OR of
    // both scans every activity of the profile).
    const columns = columnsOf(activityRow);
    this.activityBySummaryId = db.prepare(`SELECT ${columns} FROM activities WHERE profile_id = ? AND summary_id = ?`);
    this.activityByActivityId = db.prepare(`SELECT ${columns} FROM activities WHERE profile_id = ? AND activity_id = ? LIMIT 1`);
    // The estimates' inputs, already within the plausible ranges (analysis/zones.ts hrProfile).
    this.maxPlausibleHrStmt = db.prepare('SELECT max(max_hr) FROM activities WHERE profile_id = ? AND local_date BETWEEN ? AND ? AND max_hr BETWEEN ? AND ?').pluck();
    this.restingHrsStmt = db.prepare('SELECT resting_hr FROM dailies WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? AND resting_hr BETWEEN ? AND ?').pluck();
    this.firstActivity = db.prepare('SELECT min(local_date) FROM activities WHERE profile_id = ?').pluck();
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** The activity summary by its summaryId, else by its Garmin activity id. */
  activity(id: string): ActivityRow | null {
    return rowOrNull(activityRow, this.activityBySummaryId.get(this.profileId, id) ?? this.activityByActivityId.get(this.profileId, id));
  }

  /** The highest activity max HR within [from, to] and [min, max] bpm, or null. */
  maxPlausibleHr(from: string, to: string, min: number, max: number): number | null {
    return maybeNumber.parse(this.maxPlausibleHrStmt.get(this.profileId, from, to, min, max) ?? null);
  }

  /** The daily resting HRs within [from, to] and [min, max] bpm. */
  restingHrs(from: string, to: string, min: number, max: number): number[] {
    return numbers.parse(this.restingHrsStmt.all(this.profileId, from, to, min, max));
  }

  /** The local date of the first stored activity, or null. */
  firstActivityDate(): string | null {
    return maybeDate.parse(this.firstActivity.get(this.profileId) ?? null);
  }

  /** Moves on any write, by this connection or another (data_version and this connection's total_changes()). */
  fingerprint(): string {
    return `${String(this.dataVersion.get())}:${String(this.totalChanges.get())}`;
  }

  /** Overnight HRV per night within [from, to], oldest first. */
  hrvNights(from: string, to: string): DayValue[] {
    return dayValues.parse(
      this.db.prepare('SELECT calendar_date AS date, last_night_avg_ms AS value FROM hrv WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date').all(this.profileId, from, to),
    );
  }

  /** Resting HR per day within [from, to], oldest first. */
  restingHrDays(from: string, to: string): DayValue[] {
    return dayValues.parse(
      this.db.prepare('SELECT calendar_date AS date, resting_hr AS value FROM dailies WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date').all(this.profileId, from, to),
    );
  }

  /** The nights' stages within [from, to], oldest first. */
  sleepNights(from: string, to: string): SleepRow[] {
    return sleepRows.parse(
      this.db
        .prepare('SELECT calendar_date, duration_s, deep_s, light_s, rem_s, awake_s FROM sleeps WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date')
        .all(this.profileId, from, to),
    );
  }

  /** Garmin's sleep score per night within [from, to] (the last synced wins). */
  sleepScores(from: string, to: string): Map<string, number> {
    const rows = scoreRows.parse(
      this.db.prepare('SELECT calendar_date AS date, score FROM sleeps WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? AND score IS NOT NULL ORDER BY synced_at').all(this.profileId, from, to),
    );
    return new Map(rows.map((r) => [r.date, r.score]));
  }
}
