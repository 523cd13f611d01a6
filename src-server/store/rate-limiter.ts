import { createHash } from 'node:crypto';
import type { SqlExecutor } from './sql-store.js';

export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the client's minute ends (for Retry-After). */
  readonly retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * Requests per client address per calendar minute, counted in the shared database: every
 * instance behind a load balancer sees the same count. The address is kept only as its SHA-256,
 * and only for the minute it counts in (plus one, until `prune`).
 */
export class RateLimiter {
  constructor(
    private readonly sql: SqlExecutor,
    private readonly limitPerMinute: number,
  ) {}

  /** Counts one request from `clientAddress` and says whether it is within the limit. */
  async hit(clientAddress: string, now: number): Promise<RateDecision> {
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const bucket = createHash('sha256').update(clientAddress).digest('hex');
    const [row] = await this.sql.query<{ hits: number }>(
      `insert into rate_limit_hits (bucket, window_start, hits) values ($1, $2, 1)
       on conflict (bucket, window_start) do update set hits = rate_limit_hits.hits + 1
       returning hits`,
      [bucket, windowStart],
    );
    const hits = Number(row?.hits ?? 1);
    return { allowed: hits <= this.limitPerMinute, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)) };
  }

  /** Deletes the counters of minutes that have ended. */
  async prune(now: number): Promise<number> {
    const rows = await this.sql.query<{ n: number }>(
      'with gone as (delete from rate_limit_hits where window_start < $1 returning 1) select count(*)::int as n from gone',
      [Math.floor(now / WINDOW_MS) * WINDOW_MS],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
