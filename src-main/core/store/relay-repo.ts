import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { rowOrNull } from './rows.js';
import type { Database } from './database.js';
import { STREAMS, type Stream } from './training-repo.js';

/** The rows read here, parsed as they leave SQLite (never cast). */
const stateRow = z.object({
  cursor: z.string().nullable(),
  notifications_applied: z.number(),
  summaries_received: z.number(),
  last_delivery_at: z.number().nullable(),
  backfill_for_user: z.string().nullable(),
  computers: z.number().nullable(),
});
const computerRow = z.object({ computer_id: z.string() });
const backfillRows = z.array(z.object({ stream: z.enum(STREAMS), start_s: z.number(), end_s: z.number(), state: z.enum(['pending', 'requested', 'permission_missing']) }));

export interface RelayState {
  readonly cursor: string | null;
  readonly notificationsApplied: number;
  readonly summariesReceived: number;
  readonly lastDeliveryAt: number | null;
  /** The Garmin user whose history was asked for; a new link asks again. */
  readonly backfillForUser: string | null;
  /** The runner's computers the relay delivered to at its last answer, this one included; null before one said. */
  readonly computers: number | null;
}

export interface BackfillChunk {
  readonly stream: Stream;
  readonly start: number;
  readonly end: number;
  readonly state: 'pending' | 'requested' | 'permission_missing';
}

/** Where the desktop stands in the relay's notifications, and which history it asked Garmin for. */
export class RelayRepo {
  private readonly selectState;
  private readonly upsertState;

  constructor(
    private readonly db: Database,
    private readonly profileId: string,
  ) {
    this.selectState = db.prepare('SELECT * FROM relay_state WHERE profile_id = ?');
    this.upsertState = db.prepare(
      `INSERT INTO relay_state (profile_id, cursor, notifications_applied, summaries_received, last_delivery_at)
       VALUES (@profile_id, @cursor, @applied, @summaries, @now)
       ON CONFLICT (profile_id) DO UPDATE SET cursor = excluded.cursor,
         notifications_applied = notifications_applied + excluded.notifications_applied,
         summaries_received = summaries_received + excluded.summaries_received,
         last_delivery_at = excluded.last_delivery_at`,
    );
  }

  state(): RelayState {
    const row = rowOrNull(stateRow, this.selectState.get(this.profileId));
    return {
      cursor: row?.cursor ?? null,
      notificationsApplied: row?.notifications_applied ?? 0,
      summariesReceived: row?.summaries_received ?? 0,
      lastDeliveryAt: row?.last_delivery_at ?? null,
      backfillForUser: row?.backfill_for_user ?? null,
      computers: row?.computers ?? null,
    };
  }

  /**
   * This data folder's name at the relay (`R42-Computer`): a random id made the first time and
   * kept across relinks, so the relay delivers to it and to the runner's other computers alike.
   */
  computerId(): string {
    const read = () => this.db.prepare('SELECT computer_id FROM relay_computer WHERE id = 1').get();
    const row: unknown = read();
    if (row !== undefined) return computerRow.parse(row).computer_id;
    this.db.prepare('INSERT OR IGNORE INTO relay_computer (id, computer_id) VALUES (1, ?)').run(randomBytes(18).toString('base64url'));
    return computerRow.parse(read()).computer_id;
  }

  /** How many computers the relay said it delivers to for this runner (written only when it changed). */
  setComputers(computers: number): void {
    this.db
      .prepare(
        `INSERT INTO relay_state (profile_id, computers) VALUES (?, ?)
         ON CONFLICT (profile_id) DO UPDATE SET computers = excluded.computers WHERE relay_state.computers IS NOT excluded.computers`,
      )
      .run(this.profileId, computers);
  }

  /**
   * Runs `store` (the rows a page of notifications brought) and moves the cursor past the page in
   * one transaction: a crash before it leaves the page to be delivered again, never half applied.
   */
  commit(page: { cursor: string; notifications: number; summaries: number }, now: number, store: () => void): void {
    this.db.transaction(() => {
      store();
      this.upsertState.run({ profile_id: this.profileId, cursor: page.cursor, applied: page.notifications, summaries: page.summaries, now });
    })();
  }

  /** What the runner shares changed on Garmin's side. */
  setPermissions(permissions: readonly string[]): void {
    this.db.prepare('UPDATE garmin_accounts SET permissions = ? WHERE profile_id = ?').run(JSON.stringify([...permissions].sort()), this.profileId);
  }

  /** Plans the history to ask Garmin for, once per linked Garmin user (a relink of the same user keeps the plan). */
  planBackfill(garminUserId: string, chunks: ReadonlyArray<Omit<BackfillChunk, 'state'>>): boolean {
    if (this.state().backfillForUser === garminUserId) return false;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM relay_backfill WHERE profile_id = ?').run(this.profileId);
      const insert = this.db.prepare('INSERT INTO relay_backfill (profile_id, stream, start_s, end_s) VALUES (?, ?, ?, ?)');
      for (const chunk of chunks) insert.run(this.profileId, chunk.stream, chunk.start, chunk.end);
      this.db
        .prepare(
          `INSERT INTO relay_state (profile_id, backfill_for_user) VALUES (?, ?)
           ON CONFLICT (profile_id) DO UPDATE SET backfill_for_user = excluded.backfill_for_user`,
        )
        .run(this.profileId, garminUserId);
    })();
    return true;
  }

  backfill(): BackfillChunk[] {
    return backfillRows
      .parse(this.db.prepare('SELECT stream, start_s, end_s, state FROM relay_backfill WHERE profile_id = ? ORDER BY end_s DESC, stream').all(this.profileId))
      .map((r) => ({ stream: r.stream, start: r.start_s, end: r.end_s, state: r.state }));
  }

  /** Adds a range to ask Garmin for (a ping whose callback expired); a range already planned is kept as it is. */
  addBackfill(stream: Stream, start: number, end: number): void {
    this.db
      .prepare(
        `INSERT INTO relay_backfill (profile_id, stream, start_s, end_s) VALUES (?, ?, ?, ?)
         ON CONFLICT (profile_id, stream, start_s) DO UPDATE SET end_s = MAX(end_s, excluded.end_s), state = 'pending'`,
      )
      .run(this.profileId, stream, start, end);
  }

  markChunk(stream: Stream, start: number, state: BackfillChunk['state']): void {
    this.db.prepare('UPDATE relay_backfill SET state = ? WHERE profile_id = ? AND stream = ? AND start_s = ?').run(state, this.profileId, stream, start);
  }

  /** Forgets the relay position and the history plan (disconnect). */
  reset(): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM relay_state WHERE profile_id = ?').run(this.profileId);
      this.db.prepare('DELETE FROM relay_backfill WHERE profile_id = ?').run(this.profileId);
    })();
  }
}
