import { DAY_MS } from '../../src-common/dates.js';
import { activityFileFields, type ActivityFileFields, type RelayNotification } from '../../src-common/relay-contract.js';
import type { SqlExecutor, SqlStore } from '../store/sql-store.js';
import { open, seal } from '../sealing.js';
import type { IncomingNotification } from './webhook-envelope.js';

/** Undelivered pings are kept 7 days (Garmin's callback URLs are dead long before). */
export const PING_RETENTION_MS = 7 * DAY_MS;
/** Undelivered pushes (and deregistrations, permission changes) are kept 14 days. */
export const PUSH_RETENTION_MS = 14 * DAY_MS;
const ROWS_PER_INSERT = 500;

/** A pushed summary as it was sealed (base64 in its row); throws when the data key or the row does not match. */
function openSealed(dataKey: Buffer, dedupeKey: string, sealed: string): string {
  const text = open(dataKey, dedupeKey, Buffer.from(sealed, 'base64'));
  if (text === null) throw new Error('A pushed summary cannot be opened with the data key: the key changed, or the row was altered.');
  return text;
}
/** The additional data an activity file ping's fields are sealed with: its row's, and what they are. */
const fieldsAad = (dedupeKey: string) => `${dedupeKey}:activityFile`;
/** How an activity file ping's fields travel in a page, beside its callback URL. */
const fieldsJson = (fields: ActivityFileFields) => `,"activityFile":${JSON.stringify(fields)}`;

/** A ping's sealed fields, or undefined when they cannot be opened (a changed data key): the ping works without them. */
function openFields(dataKey: Buffer, dedupeKey: string, sealed: string): ActivityFileFields | undefined {
  const text = open(dataKey, fieldsAad(dedupeKey), Buffer.from(sealed, 'base64'));
  if (text === null) return undefined;
  const parsed = activityFileFields.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/** What a desktop reads beyond the contract's required fields (its `R42-Relay-Reads` header). */
export interface RelayReads {
  /** An activity file ping's identifying fields (`activityFile`). */
  readonly activityFile?: boolean;
}

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
      return Buffer.byteLength(n.callbackUrl, 'utf8') + (n.activityFile ? Buffer.byteLength(fieldsJson(n.activityFile), 'utf8') : 0);
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
  /** An activity file ping's sealed fields (migration 5), base64 like `sealed`. */
  ping_fields: string | null;
  permissions: string | null;
  dedupe_key: string;
}

/**
 * A row's payload size: `payload_bytes`, or for a row stored without it (before migration 3, or by
 * an older instance during a rolling deploy) what it holds, measured without reading it (a sealed
 * summary counts its 28 bytes of IV and tag).
 */
const STORED_BYTES = `coalesce(payload_bytes, coalesce(octet_length(sealed), 0) + coalesce(octet_length(callback_url), 0) + coalesce(octet_length(permissions), 0))`;

/**
 * The advisory lock space (two-key form: this, then `hashtext(garmin_user_id)`) in which each
 * notification row takes its runner's lock before its id (migration 4's trigger), held to the
 * commit. Migrations use a one-key lock; versions before migration 4 locked 64 buckets in 4204202.
 */
export const RUNNER_LOCK_NAMESPACE = 4_204_203;
/** The lock space in which a computer's disconnect counts the runner's other computers. */
const FORGET_LOCK_NAMESPACE = 4_204_204;

/** The computer a desktop that sends no `R42-Computer` header is counted as (a version before it). */
export const UNNAMED_COMPUTER = 'unnamed';

/**
 * The notifications in the order they are stored: by runner (every delivery takes its runners'
 * locks in the same order, so none waits on another in a circle), and within a runner in the
 * order Garmin sent them (a stable sort).
 */
export function inRunnerOrder(notifications: readonly IncomingNotification[]): IncomingNotification[] {
  return [...notifications].sort((a, b) => (a.garminUserId < b.garminUserId ? -1 : a.garminUserId > b.garminUserId ? 1 : 0));
}

/** What a computer's disconnect did at the relay, and whether the runner has other computers linked. */
export interface Forgotten {
  /** Notifications deleted: all of the runner's when this was their last computer, else those every other computer has. */
  readonly deleted: number;
  /** The runner's other computers the relay still delivers to (each until it disconnects, or 14 days unseen). */
  readonly computersLeft: number;
  /** When the most recently seen of them last asked, epoch ms; null when none is left. */
  readonly othersLastSeenAt: number | null;
}

/** Garmin's notifications held for each of a runner's computers until every one has acknowledged them. */
export class NotificationStore {
  constructor(
    private readonly store: SqlStore,
    private readonly dataKey: Buffer,
  ) {}

  /**
   * Stores a webhook body's notifications, all or none; a redelivered one is stored once. A body
   * that fits one statement is one statement (no transaction around it); a larger one is one
   * transaction. A deregistration is stored like any notification and deletes nothing: the webhook
   * is not authenticated enough for that (docs/server.md, "What a forged webhook can and cannot
   * do"); the runner's computers confirm it with Garmin. Returns what was new, and for whom.
   */
  async add(notifications: readonly IncomingNotification[], now: number): Promise<{ stored: number; duplicates: number; users: Set<string> }> {
    if (notifications.length <= ROWS_PER_INSERT) return this.insert(this.store, inRunnerOrder(notifications), now, notifications.length);
    return this.store.transaction((tx) => this.addWithin(tx, notifications, now));
  }

  /** `add` inside a transaction the caller holds (and commits): the runners' locks are held until then. */
  async addWithin(tx: SqlExecutor, notifications: readonly IncomingNotification[], now: number): Promise<{ stored: number; duplicates: number; users: Set<string> }> {
    const ordered = inRunnerOrder(notifications);
    let stored = 0;
    const users = new Set<string>();
    for (let i = 0; i < ordered.length; i += ROWS_PER_INSERT) {
      const chunk = await this.insert(tx, ordered.slice(i, i + ROWS_PER_INSERT), now, 0);
      stored += chunk.stored;
      for (const user of chunk.users) users.add(user);
    }
    return { stored, duplicates: notifications.length - stored, users };
  }

  /**
   * One insert statement. A row's id is what the relay hands out and acks by, and it is seen at
   * its commit: so each row takes its runner's lock and only then its id (migration 4's trigger),
   * and the lock is held to the commit. Two deliveries for one runner commit in id order, and the
   * desktop's cursor can never pass rows still being stored; deliveries for other runners never
   * wait on each other. `offered` is the count the answer's duplicates are counted from (0 within
   * a larger delivery).
   */
  private async insert(sql: SqlExecutor, notifications: readonly IncomingNotification[], now: number, offered: number): Promise<{ stored: number; duplicates: number; users: Set<string> }> {
    const values: unknown[] = [];
    const rows = notifications.map((n) => {
      const base = values.length;
      values.push(
        n.garminUserId,
        n.kind,
        n.kind === 'ping' || n.kind === 'push' ? n.type : null,
        n.kind === 'ping' ? n.callbackUrl : null,
        n.kind === 'ping' ? n.uploadStart : null,
        n.kind === 'ping' ? n.uploadEnd : null,
        n.kind === 'push' ? seal(this.dataKey, n.dedupeKey, n.summaryJson).toString('base64') : null,
        n.kind === 'permissions' ? JSON.stringify(n.permissions) : null,
        n.dedupeKey,
        now,
        payloadBytes(n),
        n.kind === 'ping' && n.activityFile ? seal(this.dataKey, fieldsAad(n.dedupeKey), JSON.stringify(n.activityFile)).toString('base64') : null,
      );
      // The sealed summary travels as base64 text, decoded by the database: PGlite encodes a
      // bytea parameter six times slower (a 20 MB webhook body took 18 s, Garmin waits 30).
      return `(${Array.from({ length: 12 }, (_, k) => (k === 6 || k === 11 ? `decode($${base + k + 1}, 'base64')` : `$${base + k + 1}`)).join(', ')})`;
    });
    const inserted = await sql.query<{ garmin_user_id: string }>(
      `insert into garmin_notifications (garmin_user_id, kind, summary_type, callback_url, upload_start, upload_end, sealed, permissions, dedupe_key, received_at, payload_bytes, ping_fields)
       values ${rows.join(', ')} on conflict (dedupe_key) do nothing returning garmin_user_id`,
      values,
    );
    return { stored: inserted.length, duplicates: offered - inserted.length, users: new Set(inserted.map((row) => row.garmin_user_id)) };
  }

  /**
   * The runner's pending notifications after `after`, oldest first: at most `limit` of them, and
   * only as many as fit in `maxBytes` of page (their stored sizes plus what a page adds around
   * each), but always the first one, however large. The sizes are read from `payload_bytes`; only
   * the rows that go into the page are read whole (and their summaries opened). An activity file
   * ping carries its identifying fields only when the desktop `reads` them.
   */
  async page(garminUserId: string, after: string | null, limit: number, maxBytes: number, reads: RelayReads = {}): Promise<{ notifications: RelayNotification[]; more: boolean }> {
    // `head` is the next limit + 1 pending rows with their running page size; a row goes in when
    // it is the first or when the page still fits with it. The running size only grows, so what
    // goes in is a prefix, and `more` is whether head held anything past it.
    const rows = await this.store.query<Row & { head_rows: string | number }>(
      `with head as (
         select id, row_number() over (order by id) as n,
                sum(bytes + $4) over (order by id rows between unbounded preceding and current row) as upto
         from (select id, ${STORED_BYTES} as bytes from garmin_notifications where garmin_user_id = $1 and id > $2 order by id limit $3) pending)
       select g.id, g.kind, g.summary_type, g.callback_url, g.upload_start, g.upload_end, encode(g.sealed, 'base64') as sealed, g.permissions, g.dedupe_key,
              ${reads.activityFile ? `encode(g.ping_fields, 'base64')` : 'null'} as ping_fields,
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
        case 'ping': {
          const activityFile = row.ping_fields === null ? undefined : openFields(this.dataKey, row.dedupe_key, row.ping_fields);
          return {
            cursor,
            kind: 'ping',
            type: row.summary_type as never,
            callbackURL: row.callback_url!,
            uploadStartTimeInSeconds: row.upload_start === null ? null : Number(row.upload_start),
            uploadEndTimeInSeconds: row.upload_end === null ? null : Number(row.upload_end),
            ...(activityFile ? { activityFile } : {}),
          };
        }
        case 'push':
          return { cursor, kind: 'push', type: row.summary_type as never, summary: JSON.parse(openSealed(this.dataKey, row.dedupe_key, row.sealed!)) as Record<string, unknown> };
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

  /**
   * Counts a computer's request: the relay delivers to each computer that asked in the last 14
   * days. Returns how many computers the runner has linked, this one included.
   */
  async touch(garminUserId: string, computerId: string, now: number): Promise<number> {
    const rows = await this.store.query<{ n: number }>(
      `with me as (
         insert into relay_computers (garmin_user_id, computer_id, acked_id, seen_at) values ($1, $2, 0, $3)
         on conflict (garmin_user_id, computer_id) do update set seen_at = excluded.seen_at
         returning 1)
       select (select count(*)::int from relay_computers where garmin_user_id = $1 and computer_id <> $2) + (select count(*)::int from me) as n`,
      [garminUserId, computerId, now],
    );
    return Number(rows[0]?.n ?? 1);
  }

  /**
   * A computer has stored everything up to `cursor`: its position moves there (never back), and
   * what every one of the runner's computers has stored is deleted. Returns how many went. Only a
   * computer the relay delivers to moves: an ack arriving after its disconnect (an answer that was
   * on its way) does not bring it back.
   */
  async ack(garminUserId: string, computerId: string, cursor: string, now: number): Promise<number> {
    await this.store.query('update relay_computers set acked_id = greatest(acked_id, $3), seen_at = $4 where garmin_user_id = $1 and computer_id = $2', [
      garminUserId,
      computerId,
      cursor,
      now,
    ]);
    return this.deleteAckedByAll(this.store, garminUserId);
  }

  /** Deletes the runner's notifications every one of their computers has acknowledged. */
  private async deleteAckedByAll(sql: SqlExecutor, garminUserId: string): Promise<number> {
    const rows = await sql.query<{ n: number }>(
      `with gone as (
         delete from garmin_notifications
         where garmin_user_id = $1 and id <= (select coalesce(min(acked_id), 0) from relay_computers where garmin_user_id = $1)
         returning 1)
       select count(*)::int as n from gone`,
      [garminUserId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * A computer disconnected: the relay stops delivering to it. When it was the runner's last,
   * every row of theirs goes (and the tokens the relay knew); otherwise only what the others have
   * all stored, and theirs stay. Disconnects of one runner's computers are counted one at a time,
   * so two computers leaving together cannot both believe the other is still there.
   */
  async forget(garminUserId: string, computerId: string): Promise<Forgotten> {
    return this.store.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1::int, hashtext($2))', [FORGET_LOCK_NAMESPACE, garminUserId]);
      await tx.query('delete from relay_computers where garmin_user_id = $1 and computer_id = $2', [garminUserId, computerId]);
      const [others] = await tx.query<{ n: number; seen: string | number | null }>('select count(*)::int as n, max(seen_at) as seen from relay_computers where garmin_user_id = $1', [
        garminUserId,
      ]);
      const computersLeft = Number(others?.n ?? 0);
      if (computersLeft > 0) {
        return { deleted: await this.deleteAckedByAll(tx, garminUserId), computersLeft, othersLastSeenAt: others?.seen === null || others?.seen === undefined ? null : Number(others.seen) };
      }
      const rows = await tx.query<{ n: number }>('with gone as (delete from garmin_notifications where garmin_user_id = $1 returning 1) select count(*)::int as n from gone', [garminUserId]);
      await tx.query('delete from relay_token_owners where garmin_user_id = $1', [garminUserId]);
      return { deleted: Number(rows[0]?.n ?? 0), computersLeft: 0, othersLastSeenAt: null };
    });
  }

  /**
   * Deletes undelivered pings after 7 days and everything else after 14 (docs/server.md,
   * Retention), and forgets computers not seen for 14 days (a laptop given away without
   * disconnecting): the relay stops keeping rows for them.
   */
  async prune(now: number): Promise<number> {
    const rows = await this.store.query<{ n: number }>(
      `with gone as (
         delete from garmin_notifications
         where (kind = 'ping' and received_at < $1) or received_at < $2
         returning 1)
       select count(*)::int as n from gone`,
      [now - PING_RETENTION_MS, now - PUSH_RETENTION_MS],
    );
    await this.store.query('delete from relay_computers where seen_at < $1', [now - PUSH_RETENTION_MS]);
    return Number(rows[0]?.n ?? 0);
  }
}
