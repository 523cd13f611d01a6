import type { SqlStore } from '../store/sql-store.js';
import { payloadBytes } from './notification-store.js';
import type { IncomingNotification } from './webhook-envelope.js';

const HOUR_MS = 3_600_000;
/** How often an instance adds what it counted to the shared counts and reads them back. */
export const INTAKE_FLUSH_MS = 1_000;
/** Everyone's row in `webhook_intake` (a runner's is `r:` and their Garmin user id). */
const EVERYONE = '*';
/** Runners whose shared counts an instance remembers within an hour; past it, it asks again. */
const MAX_REMEMBERED_RUNNERS = 100_000;

export interface IntakeLimits {
  /** Per runner per hour. */
  readonly runnerNotifications: number;
  readonly runnerBytes: number;
  /** For all runners together per hour. */
  readonly notifications: number;
  readonly bytes: number;
}

export type IntakeDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** Which quota is used up: one of the body's runners', or everyone's. */
      readonly scope: 'runner' | 'all';
      /** How many of the body's runners are past their quota. */
      readonly runners: number;
      /** Seconds until the hour ends. */
      readonly retryAfterSeconds: number;
    };

interface Count {
  n: number;
  bytes: number;
  refused: number;
}

/**
 * How much Garmin's webhook may store per hour, per runner and for everyone (docs/server.md,
 * "Bounded intake"). A delivery is counted against what this instance counted since it last
 * shared its counts plus what every instance had shared then: no database round trip on the
 * delivery's way. Every second (and at each maintenance run) an instance adds its counts to the
 * shared ones in one statement and reads back the totals, so instances together can pass a quota
 * by about a second of their deliveries. A body past any quota is refused whole (429, Retry-After:
 * the end of the hour): Garmin delivers it again later, and nothing is lost. Refusals are counted
 * in the same rows (`refused`), where an operator finds the runner.
 */
export class IntakeQuota {
  private window = 0;
  /** Counted here and not yet shared. */
  private unshared = new Map<string, Count>();
  /** Being shared right now (counted until the totals come back). */
  private inFlight = new Map<string, Count>();
  /** The shared totals as last read back. */
  private shared = new Map<string, { n: number; bytes: number }>();
  private lastFlushAt = 0;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: SqlStore,
    private readonly limits: IntakeLimits,
    private readonly onFlushFailed: () => void = () => undefined,
  ) {}

  /** Counts a delivery if it fits every quota it touches; otherwise counts its refusal. */
  claim(notifications: readonly IncomingNotification[], now: number): IntakeDecision {
    this.roll(now);
    const perRunner = new Map<string, { n: number; bytes: number }>();
    let bytes = 0;
    for (const n of notifications) {
      const size = payloadBytes(n);
      const entry = perRunner.get(n.garminUserId) ?? { n: 0, bytes: 0 };
      entry.n++;
      entry.bytes += size;
      perRunner.set(n.garminUserId, entry);
      bytes += size;
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((this.window + HOUR_MS - now) / 1000));
    const everyone = this.total(EVERYONE);
    let decision: IntakeDecision = { allowed: true };
    if (everyone.n + notifications.length > this.limits.notifications || everyone.bytes + bytes > this.limits.bytes) {
      this.add(EVERYONE, 0, 0, 1);
      decision = { allowed: false, scope: 'all', runners: 0, retryAfterSeconds };
    } else {
      const over = [...perRunner].filter(([user, want]) => {
        const has = this.total(`r:${user}`);
        return has.n + want.n > this.limits.runnerNotifications || has.bytes + want.bytes > this.limits.runnerBytes;
      });
      if (over.length > 0) {
        for (const [user] of over) this.add(`r:${user}`, 0, 0, 1);
        decision = { allowed: false, scope: 'runner', runners: over.length, retryAfterSeconds };
      } else {
        this.add(EVERYONE, notifications.length, bytes, 0);
        for (const [user, want] of perRunner) this.add(`r:${user}`, want.n, want.bytes, 0);
      }
    }
    if (now - this.lastFlushAt >= INTAKE_FLUSH_MS) void this.flush(now).catch(() => this.onFlushFailed());
    return decision;
  }

  /**
   * Adds this instance's counts to the shared ones and reads the totals back (one statement). On
   * failure the counts stay here and go with the next flush.
   */
  flush(now: number): Promise<void> {
    if (this.flushing) return this.flushing;
    this.lastFlushAt = now;
    this.roll(now);
    const window = this.window;
    const sending = this.unshared;
    this.unshared = new Map();
    // Everyone's row always: its total is what this instance checks against, counted by all.
    if (!sending.has(EVERYONE)) sending.set(EVERYONE, { n: 0, bytes: 0, refused: 0 });
    const buckets = [...sending.keys()].sort();
    this.inFlight = sending;
    this.flushing = this.store
      .query<{ bucket: string; notifications: string | number; bytes: string | number }>(
        `insert into webhook_intake as q (bucket, window_start, notifications, bytes, refused)
         select bucket, $1, n, b, r from unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) as c (bucket, n, b, r) order by bucket
         on conflict (bucket, window_start) do update
           set notifications = q.notifications + excluded.notifications, bytes = q.bytes + excluded.bytes, refused = q.refused + excluded.refused
         returning bucket, notifications, bytes`,
        [window, buckets, buckets.map((b) => sending.get(b)!.n), buckets.map((b) => sending.get(b)!.bytes), buckets.map((b) => sending.get(b)!.refused)],
      )
      .then((rows) => {
        this.inFlight = new Map();
        if (window !== this.window) return;
        if (this.shared.size > MAX_REMEMBERED_RUNNERS) this.shared = new Map([...this.shared].filter(([bucket]) => bucket === EVERYONE));
        for (const row of rows) this.shared.set(row.bucket, { n: Number(row.notifications), bytes: Number(row.bytes) });
      })
      .catch((error: unknown) => {
        // Not shared: counted again with the next flush.
        this.inFlight = new Map();
        if (window === this.window) for (const [bucket, count] of sending) this.add(bucket, count.n, count.bytes, count.refused);
        throw error;
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  /** Deletes the counts of hours that have ended. */
  async prune(now: number): Promise<number> {
    const rows = await this.store.query<{ n: number }>('with gone as (delete from webhook_intake where window_start < $1 returning 1) select count(*)::int as n from gone', [
      Math.floor(now / HOUR_MS) * HOUR_MS,
    ]);
    return Number(rows[0]?.n ?? 0);
  }

  /** A new hour: every count starts again. */
  private roll(now: number): void {
    const window = Math.floor(now / HOUR_MS) * HOUR_MS;
    if (window === this.window) return;
    this.window = window;
    this.unshared = new Map();
    this.inFlight = new Map();
    this.shared = new Map();
  }

  private total(bucket: string): { n: number; bytes: number } {
    const shared = this.shared.get(bucket);
    const unshared = this.unshared.get(bucket);
    const inFlight = this.inFlight.get(bucket);
    return {
      n: (shared?.n ?? 0) + (unshared?.n ?? 0) + (inFlight?.n ?? 0),
      bytes: (shared?.bytes ?? 0) + (unshared?.bytes ?? 0) + (inFlight?.bytes ?? 0),
    };
  }

  private add(bucket: string, n: number, bytes: number, refused: number): void {
    const count = this.unshared.get(bucket) ?? { n: 0, bytes: 0, refused: 0 };
    count.n += n;
    count.bytes += bytes;
    count.refused += refused;
    this.unshared.set(bucket, count);
  }
}
