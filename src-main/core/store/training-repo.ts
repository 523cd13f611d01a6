import { z } from 'zod';
import { dailySummary, hrvNight, sleepNight, userMetricsDay, type ActivityView, type DailySummary, type HrvNight, type SleepNight, type UserMetricsDay, type WeekSummary } from '../../../src-common/contract.js';
import { paceSecondsPerKm } from '../../../src-common/units.js';
import { ACTIVITY_FAMILIES, type ActivityFamily } from '../../../src-common/data-query.js';
import { addDays, DAY_S, isoWeekLabel, isoWeekStart } from '../../../src-common/dates.js';
import { id, normalizeRecord, readActivity, readDaily, readHrv, readSleep, readUserMetrics } from '../garmin/records.js';
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';
import { DETAIL_STREAMS, DETAIL_TABLE, DetailsRepo, type DetailStream } from './details-repo.js';
import { WELLNESS_STREAMS, WELLNESS_TABLE, WellnessRepo, type WellnessStream } from './wellness-repo.js';

const wholeSeconds = (seconds: number | null) => (seconds === null ? null : Math.round(seconds));

/** Summary types kept in one row each (typed columns and the raw record). */
export const SUMMARY_STREAMS = ['activities', 'dailies', 'sleeps', 'hrv', 'userMetrics'] as const;
export type SummaryStream = (typeof SUMMARY_STREAMS)[number];
/** Every type synced, in sync order: an upload window's activities before their details. */
export const STREAMS = [...SUMMARY_STREAMS, ...DETAIL_STREAMS, ...WELLNESS_STREAMS] as const;
export type Stream = SummaryStream | DetailStream | WellnessStream;
const isDetailStream = (stream: Stream): stream is DetailStream => (DETAIL_STREAMS as readonly string[]).includes(stream);
const isWellnessStream = (stream: Stream): stream is WellnessStream => (WELLNESS_STREAMS as readonly string[]).includes(stream);

/**
 * How records are stored: `edited` for activities the runner edited in Garmin Connect
 * (manuallyUpdatedActivities); `origin` for records of a relay page: `fetched` from Garmin with
 * the runner's own token (a ping's callback), or `pushed` in the notification itself, which the
 * webhook cannot prove came from Garmin: a push never replaces a fetched record.
 */
export interface StoreOptions {
  readonly edited?: boolean;
  readonly origin?: 'fetched' | 'pushed';
}


/** The stream's row, ready for its table, or null for a record that cannot be read (core/garmin/records.ts). */
function toRow(stream: SummaryStream, record: unknown): Record<string, unknown> | null {
  const raw = JSON.stringify(record);
  switch (stream) {
    case 'activities': {
      const a = readActivity(record);
      if (!a) return null;
      return {
        summary_id: a.summaryId,
        activity_id: a.activityId,
        activity_type: a.activityType,
        name: a.name,
        start_time: a.startTime,
        start_offset: a.offset,
        local_date: a.localDate,
        duration_s: a.durationS,
        distance_m: a.distanceM,
        avg_speed_mps: a.avgSpeedMps,
        avg_pace_min_km: a.avgPaceMinKm,
        avg_hr: a.avgHr,
        max_hr: a.maxHr,
        avg_cadence_spm: a.avgCadenceSpm,
        elevation_gain_m: a.elevationGainM,
        active_kcal: a.activeKcal,
        device_name: a.deviceName,
        manual: a.manual === null ? null : a.manual ? 1 : 0,
        raw,
      };
    }
    case 'dailies': {
      const d = readDaily(record);
      if (!d) return null;
      return {
        summary_id: d.summaryId,
        calendar_date: d.calendarDate,
        start_time: d.startTime,
        start_offset: d.offset,
        steps: d.steps,
        distance_m: d.distanceM,
        active_kcal: d.activeKcal,
        resting_hr: d.restingHr,
        avg_hr: d.avgHr,
        max_hr: d.maxHr,
        avg_stress: d.avgStress,
        body_battery_charged: d.bodyBatteryCharged,
        body_battery_drained: d.bodyBatteryDrained,
        raw,
      };
    }
    case 'sleeps': {
      const s = readSleep(record);
      if (!s) return null;
      return {
        summary_id: s.summaryId,
        calendar_date: s.calendarDate,
        start_time: s.startTime,
        start_offset: s.offset,
        duration_s: s.durationS,
        deep_s: s.deepS,
        light_s: s.lightS,
        rem_s: s.remS,
        awake_s: s.awakeS,
        score: s.score,
        raw,
      };
    }
    case 'hrv': {
      const h = readHrv(record);
      if (!h) return null;
      return { summary_id: h.summaryId, calendar_date: h.calendarDate, last_night_avg_ms: h.lastNightAvgMs, last_night_5min_high_ms: h.lastNight5MinHighMs, raw };
    }
    case 'userMetrics': {
      const m = readUserMetrics(record);
      if (!m) return null;
      return { summary_id: m.summaryId, calendar_date: m.calendarDate, vo2max: m.vo2max, fitness_age: m.fitnessAge, raw };
    }
  }
}

const TABLE: Record<SummaryStream, string> = { activities: 'activities', dailies: 'dailies', sleeps: 'sleeps', hrv: 'hrv', userMetrics: 'user_metrics' };
const COLUMNS: Record<SummaryStream, readonly string[]> = {
  activities: ['summary_id', 'activity_id', 'activity_type', 'name', 'start_time', 'start_offset', 'local_date', 'duration_s', 'distance_m', 'avg_speed_mps', 'avg_pace_min_km', 'avg_hr', 'max_hr', 'avg_cadence_spm', 'elevation_gain_m', 'active_kcal', 'device_name', 'manual', 'raw'],
  dailies: ['summary_id', 'calendar_date', 'start_time', 'start_offset', 'steps', 'distance_m', 'active_kcal', 'resting_hr', 'avg_hr', 'max_hr', 'avg_stress', 'body_battery_charged', 'body_battery_drained', 'raw'],
  sleeps: ['summary_id', 'calendar_date', 'start_time', 'start_offset', 'duration_s', 'deep_s', 'light_s', 'rem_s', 'awake_s', 'score', 'raw'],
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

/** The rows the reads select, parsed as they leave SQLite (never cast): the contract's shapes, or the columns they are made from. */
const dailyRows = z.array(dailySummary);
const hrvRows = z.array(hrvNight);
const userMetricsRows = z.array(userMetricsDay);
const sleepRows = z.array(z.strictObject({ ...sleepNight.shape, start_time: z.number().nullable() }));
const activityRows = z.array(
  z.strictObject({
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
  }),
);
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

/** Training data: idempotent upserts keyed by summaryId, each window's rows with its cursor. */
export class TrainingRepo {
  private readonly upserts: Record<SummaryStream, ReturnType<Database['prepare']>>;
  /** activityDetails and the wellness types: compact samples, derived figures, records. */
  readonly details: DetailsRepo;
  /** Epochs, health snapshots, blood pressure, skin temperature. */
  readonly wellness: WellnessRepo;
  /** An activity the runner edited in Garmin Connect: replaces the row, and marks it so a re-delivered original does not undo the edit. */
  private readonly upsertEdited;
  private readonly dropReplacedActivity;
  private readonly editedSibling;
  // Statements run once per upload window (9,130 times in a 5-year backfill): prepared once.
  private readonly selectStreams;
  private readonly moveStream;
  private readonly countSkipped;
  private readonly pushedHolds;
  private readonly markPushed;
  private readonly unmarkPushed;
  private readonly fetchedActivityOf;
  private readonly holds = new Map<Stream, Statement<[string, string]>>();

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
    this.countSkipped = db.prepare('UPDATE sync_streams SET skipped_records = skipped_records + ? WHERE profile_id = ? AND stream = ?');
    this.details = new DetailsRepo(db, profileId);
    this.wellness = new WellnessRepo(db, profileId);
    const upsertSql = (stream: SummaryStream, edited: boolean | null) => {
      const cols = stream === 'activities' ? [...COLUMNS[stream], 'edited'] : COLUMNS[stream];
      const updated = [...cols.filter((c) => c !== 'summary_id'), 'synced_at'].map((c) => `${c} = excluded.${c}`).join(', ');
      // A plain summary never overwrites the runner's own edit of it.
      const guard = stream === 'activities' && !edited ? ' WHERE activities.edited = 0' : '';
      return `INSERT INTO ${TABLE[stream]} (profile_id, ${cols.join(', ')}, synced_at) VALUES (@profile_id, ${cols.map((c) => (c === 'edited' ? (edited ? '1' : '0') : `@${c}`)).join(', ')}, @synced_at)
        ON CONFLICT (profile_id, summary_id) DO UPDATE SET ${updated}${guard}`;
    };
    this.upserts = Object.fromEntries(SUMMARY_STREAMS.map((stream) => [stream, db.prepare(upsertSql(stream, false))])) as Record<SummaryStream, ReturnType<Database['prepare']>>;
    this.upsertEdited = db.prepare(upsertSql('activities', true));
    this.dropReplacedActivity = db.prepare('DELETE FROM activities WHERE profile_id = ? AND activity_id = ? AND summary_id <> ?');
    this.editedSibling = db.prepare('SELECT 1 FROM activities WHERE profile_id = ? AND activity_id = ? AND summary_id <> ? AND edited = 1 LIMIT 1').pluck();
    this.pushedHolds = db.prepare('SELECT 1 FROM pushed_records WHERE profile_id = ? AND stream = ? AND summary_id = ?');
    this.markPushed = db.prepare('INSERT OR IGNORE INTO pushed_records (profile_id, stream, summary_id) VALUES (?, ?, ?)');
    this.unmarkPushed = db.prepare('DELETE FROM pushed_records WHERE profile_id = ? AND stream = ? AND summary_id = ?');
    this.fetchedActivityOf = db.prepare(
      `SELECT 1 FROM activities a WHERE a.profile_id = ? AND a.activity_id = ?
         AND NOT EXISTS (SELECT 1 FROM pushed_records p WHERE p.profile_id = a.profile_id AND p.stream = 'activities' AND p.summary_id = a.summary_id) LIMIT 1`,
    );
  }

  /** Whether the stream already holds a row under this summary id. */
  private holdsRow(stream: Stream, summaryId: string): boolean {
    let statement = this.holds.get(stream);
    if (!statement) {
      const table = isDetailStream(stream) ? DETAIL_TABLE[stream] : isWellnessStream(stream) ? WELLNESS_TABLE[stream] : TABLE[stream];
      statement = this.db.prepare<[string, string]>(`SELECT 1 FROM ${table} WHERE profile_id = ? AND summary_id = ?`);
      this.holds.set(stream, statement);
    }
    return statement.get(this.profileId, summaryId) !== undefined;
  }

  /**
   * Whether a pushed record would replace one fetched from Garmin: a row under its summary id
   * that no push stored (or, for an edit, a fetched activity with its activityId).
   */
  private wouldReplaceFetched(stream: Stream, record: unknown, options: StoreOptions): boolean {
    const normalized = normalizeRecord(record);
    const summaryId = id.parse(normalized?.summaryId);
    if (summaryId !== null && this.holdsRow(stream, summaryId) && this.pushedHolds.get(this.profileId, stream, summaryId) === undefined) return true;
    if (options.edited) {
      const activityId = id.parse(normalized?.activityId);
      if (activityId !== null && this.fetchedActivityOf.get(this.profileId, activityId) !== undefined) return true;
    }
    return false;
  }

  /** Remembers where a stored record came from: a fetch makes it Garmin's own again. */
  private noteOrigin(stream: Stream, record: unknown, origin: 'fetched' | 'pushed'): void {
    const summaryId = id.parse(normalizeRecord(record)?.summaryId);
    if (summaryId === null) return;
    if (origin === 'pushed') this.markPushed.run(this.profileId, stream, summaryId);
    else this.unmarkPushed.run(this.profileId, stream, summaryId);
  }

  /** Stores one record; false when it cannot be read. The caller holds the transaction. */
  private storeRecord(stream: Stream, record: unknown, now: number, options: StoreOptions = {}): boolean {
    if (isDetailStream(stream)) return this.details.store(stream, record, now);
    if (isWellnessStream(stream)) return this.wellness.store(stream, record, now);
    const row = toRow(stream, record);
    if (!row) return false;
    // The same activity imported from a FIT file before Garmin sent it becomes Garmin's (fit-repo.ts).
    if (stream === 'activities' && typeof row.summary_id === 'string' && typeof row.activity_type === 'string' && typeof row.start_time === 'number') {
      this.details.fit.adoptFileTwin(row.summary_id, row.activity_type, row.start_time, typeof row.activity_id === 'string' ? row.activity_id : null);
    }
    if (stream === 'activities' && options.edited) {
      // The edit stands for the activity it was made to, under whichever summaryId Garmin gave it.
      if (row.activity_id !== null) this.dropReplacedActivity.run(this.profileId, row.activity_id, row.summary_id);
      this.upsertEdited.run({ ...row, profile_id: this.profileId, synced_at: now });
      return true;
    }
    // The original of an activity the runner edited under another summaryId: the edit stands.
    if (stream === 'activities' && row.activity_id !== null && this.editedSibling.get(this.profileId, row.activity_id, row.summary_id) !== undefined) return true;
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

  /**
   * Stores records without moving any position; the caller holds the transaction (a relay page).
   * A record that cannot be read is skipped (its neighbours are stored) and counted on its stream.
   */
  upsertRecords(stream: Stream, records: readonly unknown[], now: number, options: StoreOptions = {}): { stored: number; skipped: number; keptFetched: number } {
    let stored = 0;
    let skipped = 0;
    let keptFetched = 0;
    for (const record of records) {
      if (options.origin === 'pushed' && this.wouldReplaceFetched(stream, record, options)) {
        keptFetched++;
        continue;
      }
      if (this.storeRecord(stream, record, now, options)) {
        stored++;
        if (options.origin) this.noteOrigin(stream, record, options.origin);
      } else skipped++;
    }
    if (skipped) this.countSkipped.run(skipped, this.profileId, stream);
    return { stored, skipped, keptFetched };
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
      this.details.fit.deleteAll();
      this.wellness.deleteAll();
      this.db.prepare('DELETE FROM pushed_records WHERE profile_id = ?').run(this.profileId);
      this.db.prepare('DELETE FROM sync_streams WHERE profile_id = ?').run(this.profileId);
    })();
  }

  counts(): Record<Stream, number> {
    return {
      ...(Object.fromEntries(
        SUMMARY_STREAMS.map((s) => [s, (this.db.prepare(`SELECT count(*) AS n FROM ${TABLE[s]} WHERE profile_id = ?`).get(this.profileId) as { n: number }).n]),
      ) as Record<SummaryStream, number>),
      ...this.details.counts(),
      ...this.wellness.counts(),
    };
  }

  /** Newest first; at most `limit` when given. */
  activities(from: string, to: string, type?: string, limit = -1): ActivityView[] {
    const rows = activityRows.parse(
      this.db
        .prepare(
          `SELECT summary_id, activity_id, activity_type, name, start_time, local_date, duration_s, distance_m, avg_pace_min_km, avg_speed_mps,
                  avg_hr, max_hr, avg_cadence_spm, elevation_gain_m, active_kcal, device_name
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

  dailies(from: string, to: string): DailySummary[] {
    return dailyRows.parse(
      this.db
        .prepare(
          `SELECT summary_id, calendar_date, steps, distance_m, active_kcal, resting_hr, avg_hr, max_hr, avg_stress, body_battery_charged, body_battery_drained
           FROM dailies WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`,
        )
        .all(this.profileId, from, to),
    );
  }

  sleeps(from: string, to: string): SleepNight[] {
    const rows = sleepRows.parse(
      this.db
        .prepare(
          `SELECT summary_id, calendar_date, duration_s, deep_s, light_s, rem_s, awake_s, score, start_time
           FROM sleeps WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`,
        )
        .all(this.profileId, from, to),
    );
    return rows.map((row) => ({ ...row, start_time: row.start_time === null ? null : new Date(row.start_time * 1000).toISOString() }));
  }

  /** Overnight HRV per night (`calendar_date`: the day the runner woke up), newest first. */
  hrv(from: string, to: string): HrvNight[] {
    return hrvRows.parse(
      this.db
        .prepare(
          `SELECT summary_id, calendar_date, last_night_avg_ms, last_night_5min_high_ms
           FROM hrv WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`,
        )
        .all(this.profileId, from, to),
    );
  }

  /** VO2 max and fitness age as Garmin computed them per day, newest first. */
  userMetrics(from: string, to: string): UserMetricsDay[] {
    return userMetricsRows.parse(
      this.db
        .prepare(
          `SELECT summary_id, calendar_date, vo2max, fitness_age
           FROM user_metrics WHERE profile_id = ? AND calendar_date BETWEEN ? AND ? ORDER BY calendar_date DESC`,
        )
        .all(this.profileId, from, to),
    );
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
