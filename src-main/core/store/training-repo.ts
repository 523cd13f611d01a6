import { z } from 'zod';
import { ACTIVITY_FAMILIES, type ActivityFamily } from '../../../src-common/data-query.js';
import type { Database } from './database.js';
import { DETAIL_STREAMS, DetailsRepo, type DetailStream } from './details-repo.js';

/** Summary types kept in one row each (typed columns and the raw record). */
export const SUMMARY_STREAMS = ['activities', 'dailies', 'sleeps', 'hrv', 'userMetrics'] as const;
export type SummaryStream = (typeof SUMMARY_STREAMS)[number];
/** Every type synced, in sync order: an upload window's activities before their details. */
export const STREAMS = [...SUMMARY_STREAMS, ...DETAIL_STREAMS] as const;
export type Stream = SummaryStream | DetailStream;
const isDetailStream = (stream: Stream): stream is DetailStream => (DETAIL_STREAMS as readonly string[]).includes(stream);

const DAY_S = 86_400;

/** A number where Garmin sent one; anything else (missing, drifted type) becomes null. */
const num = z.number().finite().nullable().optional().catch(null).transform((v) => v ?? null);
const str = z.string().nullable().optional().catch(null).transform((v) => v ?? null);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

// Required fields decide whether a record is usable; everything else is lenient (schema drift).
const activitySchema = z.looseObject({
  summaryId: z.string().min(1),
  startTimeInSeconds: z.number().int(),
  startTimeOffsetInSeconds: z.number().int().optional().catch(0),
  activityId: z.union([z.string(), z.number()]).optional().catch(undefined),
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
  manual: z.boolean().optional().catch(undefined),
});
const dailySchema = z.looseObject({
  summaryId: z.string().min(1),
  calendarDate: date,
  startTimeInSeconds: num,
  startTimeOffsetInSeconds: num,
  steps: num,
  distanceInMeters: num,
  activeKilocalories: num,
  restingHeartRateInBeatsPerMinute: num,
  averageHeartRateInBeatsPerMinute: num,
  maxHeartRateInBeatsPerMinute: num,
  averageStressLevel: num,
  bodyBatteryChargedValue: num,
  bodyBatteryDrainedValue: num,
});
const sleepSchema = z.looseObject({
  summaryId: z.string().min(1),
  calendarDate: date,
  startTimeInSeconds: num,
  startTimeOffsetInSeconds: num,
  durationInSeconds: num,
  deepSleepDurationInSeconds: num,
  lightSleepDurationInSeconds: num,
  remSleepInSeconds: num,
  awakeDurationInSeconds: num,
});
const hrvSchema = z.looseObject({ summaryId: z.string().min(1), calendarDate: date, lastNightAvg: num, lastNight5MinHigh: num });
const metricsSchema = z.looseObject({ summaryId: z.string().min(1), calendarDate: date, vo2Max: num, fitnessAge: num });

const isoDay = (epochS: number) => new Date(epochS * 1000).toISOString().slice(0, 10);

/** The calendar date (YYYY-MM-DD) of a moment in this computer's time zone: the runner's "today". */
export function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The stream's row, ready for its table, or null for a record that cannot be stored. */
function toRow(stream: SummaryStream, record: unknown): Record<string, unknown> | null {
  const raw = JSON.stringify(record);
  switch (stream) {
    case 'activities': {
      const r = activitySchema.safeParse(record);
      if (!r.success) return null;
      const a = r.data;
      const offset = a.startTimeOffsetInSeconds ?? 0;
      return {
        summary_id: a.summaryId,
        activity_id: a.activityId === undefined ? null : String(a.activityId),
        activity_type: a.activityType ?? 'UNKNOWN',
        name: a.activityName,
        start_time: a.startTimeInSeconds,
        start_offset: offset,
        local_date: isoDay(a.startTimeInSeconds + offset),
        duration_s: a.durationInSeconds,
        distance_m: a.distanceInMeters,
        avg_speed_mps: a.averageSpeedInMetersPerSecond,
        avg_pace_min_km: a.averagePaceInMinutesPerKilometer,
        avg_hr: a.averageHeartRateInBeatsPerMinute,
        max_hr: a.maxHeartRateInBeatsPerMinute,
        avg_cadence_spm: a.averageRunCadenceInStepsPerMinute,
        elevation_gain_m: a.totalElevationGainInMeters,
        active_kcal: a.activeKilocalories,
        device_name: a.deviceName,
        manual: a.manual === undefined ? null : a.manual ? 1 : 0,
        raw,
      };
    }
    case 'dailies': {
      const r = dailySchema.safeParse(record);
      if (!r.success) return null;
      const d = r.data;
      return {
        summary_id: d.summaryId,
        calendar_date: d.calendarDate,
        start_time: d.startTimeInSeconds,
        start_offset: d.startTimeOffsetInSeconds,
        steps: d.steps === null ? null : Math.round(d.steps),
        distance_m: d.distanceInMeters,
        active_kcal: d.activeKilocalories,
        resting_hr: d.restingHeartRateInBeatsPerMinute,
        avg_hr: d.averageHeartRateInBeatsPerMinute,
        max_hr: d.maxHeartRateInBeatsPerMinute,
        avg_stress: d.averageStressLevel,
        body_battery_charged: d.bodyBatteryChargedValue,
        body_battery_drained: d.bodyBatteryDrainedValue,
        raw,
      };
    }
    case 'sleeps': {
      const r = sleepSchema.safeParse(record);
      if (!r.success) return null;
      const s = r.data;
      return {
        summary_id: s.summaryId,
        calendar_date: s.calendarDate,
        start_time: s.startTimeInSeconds,
        start_offset: s.startTimeOffsetInSeconds,
        duration_s: s.durationInSeconds,
        deep_s: s.deepSleepDurationInSeconds,
        light_s: s.lightSleepDurationInSeconds,
        rem_s: s.remSleepInSeconds,
        awake_s: s.awakeDurationInSeconds,
        raw,
      };
    }
    case 'hrv': {
      const r = hrvSchema.safeParse(record);
      if (!r.success) return null;
      return { summary_id: r.data.summaryId, calendar_date: r.data.calendarDate, last_night_avg_ms: r.data.lastNightAvg, last_night_5min_high_ms: r.data.lastNight5MinHigh, raw };
    }
    case 'userMetrics': {
      const r = metricsSchema.safeParse(record);
      if (!r.success) return null;
      return { summary_id: r.data.summaryId, calendar_date: r.data.calendarDate, vo2max: r.data.vo2Max, fitness_age: r.data.fitnessAge, raw };
    }
  }
}

const TABLE: Record<SummaryStream, string> = { activities: 'activities', dailies: 'dailies', sleeps: 'sleeps', hrv: 'hrv', userMetrics: 'user_metrics' };
const COLUMNS: Record<SummaryStream, readonly string[]> = {
  activities: ['summary_id', 'activity_id', 'activity_type', 'name', 'start_time', 'start_offset', 'local_date', 'duration_s', 'distance_m', 'avg_speed_mps', 'avg_pace_min_km', 'avg_hr', 'max_hr', 'avg_cadence_spm', 'elevation_gain_m', 'active_kcal', 'device_name', 'manual', 'raw'],
  dailies: ['summary_id', 'calendar_date', 'start_time', 'start_offset', 'steps', 'distance_m', 'active_kcal', 'resting_hr', 'avg_hr', 'max_hr', 'avg_stress', 'body_battery_charged', 'body_battery_drained', 'raw'],
  sleeps: ['summary_id', 'calendar_date', 'start_time', 'start_offset', 'duration_s', 'deep_s', 'light_s', 'rem_s', 'awake_s', 'raw'],
  hrv: ['summary_id', 'calendar_date', 'last_night_avg_ms', 'last_night_5min_high_ms', 'raw'],
  userMetrics: ['summary_id', 'calendar_date', 'vo2max', 'fitness_age', 'raw'],
};

export interface StreamState {
  readonly stream: Stream;
  readonly backfillStart: number;
  readonly backfillFloor: number;
  readonly backfillNextEnd: number;
  readonly cursor: number;
  readonly state: 'pending' | 'ok' | 'permission_missing' | 'error';
  readonly lastErrorCode: string | null;
  readonly lastSuccessAt: number | null;
  readonly skippedRecords: number;
}

export interface ActivityView {
  readonly summary_id: string;
  readonly activity_id: string | null;
  readonly type: string;
  readonly name: string | null;
  readonly start_time: string;
  readonly local_date: string;
  readonly duration_s: number | null;
  readonly distance_m: number | null;
  /** Decimal minutes per km as Garmin sends it (5.32 is 5:19 /km); runs only. */
  readonly avg_pace_min_km: number | null;
  /** Seconds per km (319 is 5:19 /km): the one to read or show; runs only. */
  readonly avg_pace_s_per_km: number | null;
  readonly avg_speed_mps: number | null;
  readonly avg_hr: number | null;
  readonly max_hr: number | null;
  readonly avg_cadence_spm: number | null;
  readonly elevation_gain_m: number | null;
  readonly active_kcal: number | null;
  readonly device_name: string | null;
}

export interface HrvView {
  readonly summary_id: string;
  readonly calendar_date: string;
  readonly last_night_avg_ms: number | null;
  readonly last_night_5min_high_ms: number | null;
}

export interface UserMetricsView {
  readonly summary_id: string;
  readonly calendar_date: string;
  readonly vo2max: number | null;
  readonly fitness_age: number | null;
}

export interface WeekSummary {
  readonly week: string;
  readonly week_start: string;
  readonly runs: number;
  readonly distance_km: number;
  readonly duration_s: number;
  readonly long_run_km: number;
  /** Decimal minutes per km (5.32 is 5:19 /km). */
  readonly avg_pace_min_km: number | null;
  /** Seconds per km (319 is 5:19 /km): the one to read or show. */
  readonly avg_pace_s_per_km: number | null;
  readonly avg_hr: number | null;
}

/** Up to four LIKE patterns for a family of types; never matching for a single type. */
const FAMILY_SQL = '(activity_type LIKE ? OR activity_type LIKE ? OR activity_type LIKE ? OR activity_type LIKE ?)';
function familyPatterns(type: string | undefined): string[] {
  const parts: readonly string[] = type && type in ACTIVITY_FAMILIES ? ACTIVITY_FAMILIES[type as ActivityFamily] : [];
  return [0, 1, 2, 3].map((i) => (parts[i] ? `%${parts[i]}%` : '\u0000'));
}

/** Activity types that count as runs in the weekly summary. */
export const isRunType = (type: string) => /RUN/.test(type);

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_S * 1000).toISOString().slice(0, 10);
/** Monday of the ISO week of a YYYY-MM-DD date. */
export function isoWeekStart(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}
/** ISO week label, e.g. 2026-W48. */
export function isoWeekLabel(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * DAY_S * 1000);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / (7 * DAY_S * 1000)) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Training data: idempotent upserts keyed by summaryId, each window's rows with its cursor. */
export class TrainingRepo {
  private readonly upserts: Record<SummaryStream, ReturnType<Database['prepare']>>;
  /** activityDetails and the wellness types: compact samples, derived figures, records. */
  readonly details: DetailsRepo;
  // Statements run once per upload window (9,130 times in a 5-year backfill): prepared once.
  private readonly selectStreams;
  private readonly moveStream;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    this.selectStreams = db.prepare('SELECT * FROM sync_streams WHERE profile_id = ?');
    this.moveStream = db.prepare(
      `UPDATE sync_streams SET backfill_next_end = COALESCE(?, backfill_next_end), cursor = COALESCE(?, cursor),
         skipped_records = skipped_records + ?, state = CASE WHEN state = 'permission_missing' THEN 'pending' ELSE state END
       WHERE profile_id = ? AND stream = ?`,
    );
    this.details = new DetailsRepo(db, profileId);
    this.upserts = Object.fromEntries(
      SUMMARY_STREAMS.map((stream) => {
        const cols = COLUMNS[stream];
        const sql = `INSERT INTO ${TABLE[stream]} (profile_id, ${cols.join(', ')}, synced_at) VALUES (@profile_id, ${cols.map((c) => `@${c}`).join(', ')}, @synced_at)
          ON CONFLICT (profile_id, summary_id) DO UPDATE SET ${[...cols.filter((c) => c !== 'summary_id'), 'synced_at'].map((c) => `${c} = excluded.${c}`).join(', ')}`;
        return [stream, db.prepare(sql)];
      }),
    ) as Record<SummaryStream, ReturnType<Database['prepare']>>;
  }

  /** Stores one record; false when it cannot be stored. The caller holds the transaction. */
  private storeRecord(stream: Stream, record: unknown, now: number): boolean {
    if (isDetailStream(stream)) return this.details.store(stream, record, now);
    const row = toRow(stream, record);
    if (!row) return false;
    this.upserts[stream].run({ ...row, profile_id: this.profileId, synced_at: now });
    return true;
  }

  streams(): StreamState[] {
    const rows = this.selectStreams.all(this.profileId) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      stream: r.stream as Stream,
      backfillStart: r.backfill_start as number,
      backfillFloor: r.backfill_floor as number,
      backfillNextEnd: r.backfill_next_end as number,
      cursor: r.cursor as number,
      state: r.state as StreamState['state'],
      lastErrorCode: r.last_error_code as string | null,
      lastSuccessAt: r.last_success_at as number | null,
      skippedRecords: r.skipped_records as number,
    }));
  }

  /** Creates the stream's state on first sync, or lowers the backfill floor when more days are asked for. */
  ensureStream(stream: Stream, now: number, days: number): void {
    const floor = now - days * DAY_S;
    this.db
      .prepare(
        `INSERT INTO sync_streams (profile_id, stream, backfill_start, backfill_floor, backfill_next_end, cursor) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (profile_id, stream) DO UPDATE SET backfill_floor = MIN(backfill_floor, excluded.backfill_floor)`,
      )
      .run(this.profileId, stream, now, floor, now, now);
  }

  /**
   * Stores one window's records and moves the stream's position past it, in one transaction:
   * a kill at any moment leaves the window either fully applied or not at all.
   */
  applyWindow(stream: Stream, records: readonly unknown[], move: { backfillNextEnd?: number; cursor?: number }, now: number): { stored: number; skipped: number } {
    let stored = 0;
    let skipped = 0;
    this.db.transaction(() => {
      for (const record of records) {
        if (this.storeRecord(stream, record, now)) stored++;
        else skipped++;
      }
      this.moveStream.run(move.backfillNextEnd ?? null, move.cursor ?? null, skipped, this.profileId, stream);
    })();
    return { stored, skipped };
  }

  /** Stores records without moving any position; the caller holds the transaction (a relay page). */
  upsertRecords(stream: Stream, records: readonly unknown[], now: number): { stored: number; skipped: number } {
    let stored = 0;
    let skipped = 0;
    for (const record of records) {
      if (this.storeRecord(stream, record, now)) stored++;
      else skipped++;
    }
    return { stored, skipped };
  }

  markStream(stream: Stream, state: StreamState['state'], errorCode: string | null, now: number): void {
    this.db
      .prepare(
        `UPDATE sync_streams SET state = ?, last_error_code = ?, last_success_at = CASE WHEN ? = 'ok' THEN ? ELSE last_success_at END WHERE profile_id = ? AND stream = ?`,
      )
      .run(state, errorCode, state, now, this.profileId, stream);
  }

  /** Deletes every synced row and the sync positions (disconnect without keeping data). */
  deleteAll(): void {
    this.db.transaction(() => {
      for (const stream of SUMMARY_STREAMS) this.db.prepare(`DELETE FROM ${TABLE[stream]} WHERE profile_id = ?`).run(this.profileId);
      this.details.deleteAll();
      this.db.prepare('DELETE FROM sync_streams WHERE profile_id = ?').run(this.profileId);
    })();
  }

  counts(): Record<Stream, number> {
    return {
      ...(Object.fromEntries(
        SUMMARY_STREAMS.map((s) => [s, (this.db.prepare(`SELECT count(*) AS n FROM ${TABLE[s]} WHERE profile_id = ?`).get(this.profileId) as { n: number }).n]),
      ) as Record<SummaryStream, number>),
      ...this.details.counts(),
    };
  }

  /** Newest first; at most `limit` when given. */
  activities(from: string, to: string, type?: string, limit = -1): ActivityView[] {
    const rows = this.db
      .prepare(
        `SELECT summary_id, activity_id, activity_type, name, start_time, local_date, duration_s, distance_m, avg_pace_min_km, avg_speed_mps,
                avg_hr, max_hr, avg_cadence_spm, elevation_gain_m, active_kcal, device_name
         FROM activities WHERE profile_id = ? AND local_date BETWEEN ? AND ? AND (? IS NULL OR activity_type = ? OR ${FAMILY_SQL})
         ORDER BY start_time DESC LIMIT ?`,
      )
      .all(this.profileId, from, to, type ?? null, type ?? null, ...familyPatterns(type), limit) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      summary_id: r.summary_id as string,
      activity_id: r.activity_id as string | null,
      type: r.activity_type as string,
      name: r.name as string | null,
      start_time: new Date((r.start_time as number) * 1000).toISOString(),
      local_date: r.local_date as string,
      duration_s: r.duration_s as number | null,
      distance_m: r.distance_m as number | null,
      // A pace means nothing for a ride or a swim: runs only.
      avg_pace_min_km: isRunType(r.activity_type as string) ? (r.avg_pace_min_km as number | null) : null,
      avg_pace_s_per_km: isRunType(r.activity_type as string) && r.avg_pace_min_km !== null ? Math.round((r.avg_pace_min_km as number) * 60) : null,
      avg_speed_mps: r.avg_speed_mps as number | null,
      avg_hr: r.avg_hr as number | null,
      max_hr: r.max_hr as number | null,
      avg_cadence_spm: r.avg_cadence_spm as number | null,
      elevation_gain_m: r.elevation_gain_m as number | null,
      active_kcal: r.active_kcal as number | null,
      device_name: r.device_name as string | null,
    }));
  }

  dailies(from: string, to: string): Array<Record<string, unknown>> {
    return this.db
      .prepare(
        `SELECT summary_id, calendar_date, steps, distance_m, active_kcal, resting_hr, avg_hr, max_hr, avg_stress, body_battery_charged, body_battery_drained
         FROM dailies WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`,
      )
      .all(this.profileId, from, to) as Array<Record<string, unknown>>;
  }

  sleeps(from: string, to: string): Array<Record<string, unknown>> {
    return this.db
      .prepare(
        `SELECT summary_id, calendar_date, duration_s, deep_s, light_s, rem_s, awake_s, start_time
         FROM sleeps WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`,
      )
      .all(this.profileId, from, to)
      .map((r) => {
        const row = r as Record<string, unknown>;
        return { ...row, start_time: row.start_time === null ? null : new Date((row.start_time as number) * 1000).toISOString() };
      });
  }

  /** Overnight HRV per night (`calendar_date`: the day the runner woke up), newest first. */
  hrv(from: string, to: string): HrvView[] {
    return this.db
      .prepare(
        `SELECT summary_id, calendar_date, last_night_avg_ms, last_night_5min_high_ms
         FROM hrv WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`,
      )
      .all(this.profileId, from, to) as HrvView[];
  }

  /** VO2 max and fitness age as Garmin computed them per day, newest first. */
  userMetrics(from: string, to: string): UserMetricsView[] {
    return this.db
      .prepare(
        `SELECT summary_id, calendar_date, vo2max, fitness_age
         FROM user_metrics WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`,
      )
      .all(this.profileId, from, to) as UserMetricsView[];
  }

  /**
   * Running volume per ISO week (Monday to Sunday, in the runner's local dates), for the `weeks`
   * weeks ending with the week of `today`; weeks without runs are included with zeros.
   */
  weeklySummary(weeks: number, today: string): WeekSummary[] {
    const lastWeek = isoWeekStart(today);
    const firstWeek = addDays(lastWeek, -7 * (weeks - 1));
    const rows = this.db
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
      .all(this.profileId, firstWeek, addDays(lastWeek, 6)) as Array<{
      week_start: string;
      runs: number;
      distance_m: number;
      duration_s: number;
      long_run_m: number;
      paced_s: number | null;
      paced_m: number | null;
      hr_weighted: number | null;
      hr_s: number | null;
    }>;
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
        avg_pace_min_km: r?.paced_m ? Math.round((r.paced_s! / 60 / (r.paced_m / 1000)) * 100) / 100 : null,
        avg_pace_s_per_km: r?.paced_m ? Math.round(r.paced_s! / (r.paced_m / 1000)) : null,
        avg_hr: r?.hr_s ? Math.round((r.hr_weighted! / r.hr_s) * 10) / 10 : null,
      });
    }
    return out;
  }
}
