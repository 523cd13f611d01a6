import { z } from 'zod';
import { DAY_S } from '../../../src-common/dates.js';
import { id, normalizeRecord } from '../garmin/records.js';
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';
import { TrainingReads } from './training-reads.js';
import { DETAIL_STREAMS, DETAIL_TABLE, DetailsRepo, type DetailsIngest, type DetailStream } from './details-repo.js';
import { SUMMARY_COLUMNS as COLUMNS, SUMMARY_STREAMS, SUMMARY_TABLE as TABLE, toRow, type SummaryStream } from './summary-rows.js';
import { WELLNESS_STREAMS, WELLNESS_TABLE, WellnessRepo, type WellnessStream } from './wellness-repo.js';

export { SUMMARY_STREAMS, type SummaryStream } from './summary-rows.js';
export { isRunType } from './training-reads.js';
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
const streamRows = z.array(
  z.object({
    stream: z.enum(STREAMS),
    backfill_start: z.number(),
    backfill_floor: z.number(),
    backfill_next_end: z.number(),
    cursor: z.number(),
    state: z.enum(['pending', 'ok', 'permission_missing', 'error']),
    last_error_code: z.string().nullable(),
    last_success_at: z.number().nullable(),
    skipped_records: z.number(),
  }),
);
/**
 * Training data: idempotent upserts keyed by summaryId, each window's rows with its cursor; the
 * reads are TrainingReads' (training-reads.ts). `ingest` computes the figures kept with an
 * activity's details (coaching/activity-ingest.ts, given by wiring.ts).
 */
export class TrainingRepo extends TrainingReads {
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

  constructor(db: Database, profileId: string, ingest: DetailsIngest) {
    super(db, profileId);
    this.selectStreams = db.prepare('SELECT * FROM sync_streams WHERE profile_id = ?');
    this.moveStream = db.prepare(
      `UPDATE sync_streams SET backfill_next_end = COALESCE(?, backfill_next_end), cursor = COALESCE(?, cursor),
         skipped_records = skipped_records + ?, state = CASE WHEN state = 'permission_missing' THEN 'pending' ELSE state END
       WHERE profile_id = ? AND stream = ?`,
    );
    this.countSkipped = db.prepare('UPDATE sync_streams SET skipped_records = skipped_records + ? WHERE profile_id = ? AND stream = ?');
    this.details = new DetailsRepo(db, profileId, ingest);
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
    return streamRows.parse(this.selectStreams.all(this.profileId)).map((r) => ({
      stream: r.stream,
      backfillStart: r.backfill_start,
      backfillFloor: r.backfill_floor,
      backfillNextEnd: r.backfill_next_end,
      cursor: r.cursor,
      state: r.state,
      lastErrorCode: r.last_error_code,
      lastSuccessAt: r.last_success_at,
      skippedRecords: r.skipped_records,
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
    const summaries = {} as Record<SummaryStream, number>;
    for (const stream of SUMMARY_STREAMS) summaries[stream] = z.number().parse(this.db.prepare(`SELECT count(*) FROM ${TABLE[stream]} WHERE profile_id = ?`).pluck().get(this.profileId));
    return { ...summaries, ...this.details.counts(), ...this.wellness.counts() };
  }

}
