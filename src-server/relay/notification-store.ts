import { createHash } from 'node:crypto';
import type { RelayNotification } from '../../src-common/relay-contract.js';
import type { SqlExecutor, SqlStore } from '../store/sql-store.js';
import { openWithDataKey, sealWithDataKey } from './sealing.js';
import type { IncomingNotification } from './webhook-envelope.js';

const DAY_MS = 86_400_000;
/** Undelivered pings are kept 7 days (Garmin's callback URLs are dead long before). */
export const PING_RETENTION_MS = 7 * DAY_MS;
/** Undelivered pushes (and deregistrations, permission changes) are kept 14 days. */
export const PUSH_RETENTION_MS = 14 * DAY_MS;
const ROWS_PER_INSERT = 500;
/**
 * What a relay page adds around each notification's payload, at most: its cursor, kind, type, the
 * field names and the ping's upload window (a ping is about 180 bytes plus its URL).
 */
export const NOTIFICATION_OVERHEAD_BYTES = 200;
/** A page's own JSON around its notifications: `{"notifications":[…],"cursor":"…","more":false}`. */
export const PAGE_ENVELOPE_BYTES = 80;

/**
 * The bytes of a notification's payload as a relay page carries it (UTF-8): a push's summary, a
 * ping's callback URL, a permission change's list; stored with the row, so a page is bounded by
 * size without opening a sealed summary.
 */
export function payloadBytes(n: IncomingNotification): number {
  switch (n.kind) {
    case 'push':
      return Buffer.byteLength(n.summaryJson, 'utf8');
    case 'ping':
      return Buffer.byteLength(n.callbackUrl, 'utf8');
    case 'permissions':
      return Buffer.byteLength(JSON.stringify(n.permissions), 'utf8');
    case 'deregistration':
      return 0;
  }
}

interface Row extends Record<string, unknown> {
  id: string | number;
  kind: 'ping' | 'push' | 'deregistration' | 'permissions';
  summary_type: string | null;
  callback_url: string | null;
  upload_start: string | number | null;
  upload_end: string | number | null;
  /** Base64 (with PostgreSQL's line breaks): read as text, as PGlite reads bytea slowly. */
  sealed: string | null;
  permissions: string | null;
  dedupe_key: string;
}

/**
 * A row's payload size: `payload_bytes`, or for a row stored without it (before migration 3, or by
 * an older instance during a rolling deploy) what it holds, measured without reading it (a sealed
 * summary counts its 28 bytes of IV and tag).
 */
const STORED_BYTES = `coalesce(payload_bytes, coalesce(octet_length(sealed), 0) + coalesce(octet_length(callback_url), 0) + coalesce(octet_length(permissions), 0))`;

/** The advisory lock space (two-key form) of the per-runner store locks; migrations use a one-key lock. */
export const STORE_LOCK_NAMESPACE = 4_204_202;
const LOCK_BUCKETS = 64;

/**
 * The lock buckets of the runners in a delivery, ascending (every delivery takes them in the same
 * order, so none waits on another in a circle). Runners share 64 buckets: a body of thousands of
 * runners takes at most 64 locks.
 */
export function lockBuckets(notifications: readonly IncomingNotification[]): number[] {
  const buckets = new Set<number>();
  for (const user of new Set(notifications.map((n) => n.garminUserId))) buckets.add(createHash('sha256').update(user).digest().readUInt32BE(0) % LOCK_BUCKETS);
  return [...buckets].sort((a, b) => a - b);
}

/** Garmin's notifications held for each runner's desktop until it acknowledges them. */
export class NotificationStore {
  constructor(
    private readonly store: SqlStore,
    private readonly dataKey: Buffer,
  ) {}

  /**
   * Stores a webhook body's notifications in one transaction; a redelivered one is stored once.
   * A deregistration also drops that runner's other pending notifications (they can no longer be
   * fetched). The tokens the relay already knew stay known until they expire: Garmin has revoked
   * them, and they are the desktop's only way to hear why. Returns what was new, and for whom.
   */
  async add(notifications: readonly IncomingNotification[], now: number): Promise<{ stored: number; duplicates: number; users: Set<string> }> {
    return this.store.transaction((tx) => this.addWithin(tx, notifications, now));
  }

  /** `add` inside a transaction the caller holds (and commits): the runners' lock is held until then. */
  async addWithin(tx: SqlExecutor, notifications: readonly IncomingNotification[], now: number): Promise<{ stored: number; duplicates: number; users: Set<string> }> {
    // A row's id is taken when it is inserted but seen when its transaction commits, and the relay
    // hands a runner's rows out by id (a cursor, then an ack deleting all up to it). Two deliveries
    // for one runner storing at once (a large backfill body takes seconds) could commit out of id
    // order: the desktop would move past the slower one's rows before they were visible, and its
    // next ack would delete them unseen. So a delivery holds a lock for its runners from before its
    // first id to its commit; deliveries for other runners still store side by side.
    await tx.query('select pg_advisory_xact_lock($1::int, k) from unnest($2::int[]) as k', [STORE_LOCK_NAMESPACE, lockBuckets(notifications)]);
    let stored = 0;
    const users = new Set<string>();
    for (let i = 0; i < notifications.length; i += ROWS_PER_INSERT) {
      const chunk = notifications.slice(i, i + ROWS_PER_INSERT);
      const values: unknown[] = [];
      const rows = chunk.map((n) => {
        const base = values.length;
        values.push(
          n.garminUserId,
          n.kind,
          n.kind === 'ping' || n.kind === 'push' ? n.type : null,
          n.kind === 'ping' ? n.callbackUrl : null,
          n.kind === 'ping' ? n.uploadStart : null,
          n.kind === 'ping' ? n.uploadEnd : null,
          n.kind === 'push' ? sealWithDataKey(this.dataKey, n.dedupeKey, n.summaryJson).toString('base64') : null,
          n.kind === 'permissions' ? JSON.stringify(n.permissions) : null,
          n.dedupeKey,
          now,
          payloadBytes(n),
        );
        // The sealed summary travels as base64 text, decoded by the database: PGlite encodes a
        // bytea parameter six times slower (a 20 MB webhook body took 18 s, Garmin waits 30).
        return `(${Array.from({ length: 11 }, (_, k) => (k === 6 ? `decode($${base + k + 1}, 'base64')` : `$${base + k + 1}`)).join(', ')})`;
      });
      const inserted = await tx.query<{ garmin_user_id: string }>(
        `insert into garmin_notifications (garmin_user_id, kind, summary_type, callback_url, upload_start, upload_end, sealed, permissions, dedupe_key, received_at, payload_bytes)
         values ${rows.join(', ')} on conflict (dedupe_key) do nothing returning garmin_user_id`,
        values,
      );
      stored += inserted.length;
      for (const row of inserted) users.add(row.garmin_user_id);
    }
    const gone = [...new Set(notifications.filter((n) => n.kind === 'deregistration').map((n) => n.garminUserId))];
    if (gone.length) await tx.query(`delete from garmin_notifications where garmin_user_id = any($1) and kind in ('ping', 'push')`, [gone]);
    return { stored, duplicates: notifications.length - stored, users };
  }

  /**
   * The runner's pending notifications after `after`, oldest first: at most `limit` of them, and
   * only as many as fit in `maxBytes` of page (their stored sizes plus what a page adds around
   * each), but always the first one, however large. The sizes are read from `payload_bytes`; only
   * the rows that go into the page are read whole (and their summaries opened).
   */
  async page(garminUserId: string, after: string | null, limit: number, maxBytes: number): Promise<{ notifications: RelayNotification[]; more: boolean }> {
    // `head` is the next limit + 1 pending rows with their running page size; a row goes in when
    // it is the first or when the page still fits with it. The running size only grows, so what
    // goes in is a prefix, and `more` is whether head held anything past it.
    const rows = await this.store.query<Row & { head_rows: string | number }>(
      `with head as (
         select id, row_number() over (order by id) as n,
                sum(bytes + $4) over (order by id rows between unbounded preceding and current row) as upto
         from (select id, ${STORED_BYTES} as bytes from garmin_notifications where garmin_user_id = $1 and id > $2 order by id limit $3) pending)
       select g.id, g.kind, g.summary_type, g.callback_url, g.upload_start, g.upload_end, encode(g.sealed, 'base64') as sealed, g.permissions, g.dedupe_key,
              (select count(*) from head) as head_rows
       from head join garmin_notifications g on g.id = head.id
       where head.n = 1 or (head.n <= $6 and head.upto <= $5)
       order by g.id`,
      [garminUserId, after ?? '0', limit + 1, NOTIFICATION_OVERHEAD_BYTES, Math.max(0, maxBytes - PAGE_ENVELOPE_BYTES), limit],
    );
    const more = rows.length > 0 && Number(rows[0]!.head_rows) > rows.length;
    const notifications = rows.map((row): RelayNotification => {
      const cursor = String(row.id);
      switch (row.kind) {
        case 'ping':
          return {
            cursor,
            kind: 'ping',
            type: row.summary_type as never,
            callbackURL: row.callback_url!,
            uploadStartTimeInSeconds: row.upload_start === null ? null : Number(row.upload_start),
            uploadEndTimeInSeconds: row.upload_end === null ? null : Number(row.upload_end),
          };
        case 'push':
          return { cursor, kind: 'push', type: row.summary_type as never, summary: JSON.parse(openWithDataKey(this.dataKey, row.dedupe_key, Buffer.from(row.sealed!, 'base64'))) as Record<string, unknown> };
        case 'deregistration':
          return { cursor, kind: 'deregistration' };
        case 'permissions':
          return { cursor, kind: 'permissions', permissions: JSON.parse(row.permissions ?? '[]') as string[] };
      }
    });
    return { notifications, more };
  }

  /** Whether anything is pending for the runner after `after` (the long-poll's cheap check). */
  async hasPending(garminUserId: string, after: string | null): Promise<boolean> {
    const rows = await this.store.query('select 1 from garmin_notifications where garmin_user_id = $1 and id > $2 limit 1', [garminUserId, after ?? '0']);
    return rows.length > 0;
  }

  /** Deletes what the desktop has stored: everything of the runner's up to `cursor`. */
  async ack(garminUserId: string, cursor: string): Promise<number> {
    const rows = await this.store.query<{ n: number }>(
      'with gone as (delete from garmin_notifications where garmin_user_id = $1 and id <= $2 returning 1) select count(*)::int as n from gone',
      [garminUserId, cursor],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** A runner disconnected: every row of theirs goes. */
  async forget(garminUserId: string): Promise<number> {
    const rows = await this.store.query<{ n: number }>(
      'with gone as (delete from garmin_notifications where garmin_user_id = $1 returning 1) select count(*)::int as n from gone',
      [garminUserId],
    );
    await this.store.query('delete from relay_token_owners where garmin_user_id = $1', [garminUserId]);
    return Number(rows[0]?.n ?? 0);
  }

  /** Deletes undelivered pings after 7 days and everything else after 14 (docs/server.md, Retention). */
  async prune(now: number): Promise<number> {
    const rows = await this.store.query<{ n: number }>(
      `with gone as (
         delete from garmin_notifications
         where (kind = 'ping' and received_at < $1) or received_at < $2
         returning 1)
       select count(*)::int as n from gone`,
      [now - PING_RETENTION_MS, now - PUSH_RETENTION_MS],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
