import { createHash, hkdfSync } from 'node:crypto';
import { open, seal } from '../sealing.js';
import type { SqlStore } from '../store/sql-store.js';
import type { UpstreamAnswer } from './garmin-upstream.js';

const KEY_INFO = 'r42-broker/rotation-replay/v1';

/** The refresh token's SHA-256: the only form of it the server ever stores. */
export function tokenDigest(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex');
}

/** A key only the holder of the old refresh token can derive. @see RFC 5869 */
function keyFor(refreshToken: string, digest: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(refreshToken, 'utf8'), Buffer.from(digest, 'hex'), KEY_INFO, 32));
}

export interface RotationReplaysOptions {
  /** How long the last rotation's answer is kept for the old refresh token; 0 turns replays off. */
  readonly replayMs: number;
  /** How long a refresh in flight (at any instance) holds its claim before another may take over. */
  readonly pendingMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Makes a rotating refresh idempotent for a short time, across every instance sharing the store.
 *
 * Garmin spends a refresh token the moment it rotates it. A desktop killed after Garmin rotated
 * but before the new pair reached its keychain would present the old token again and lose the
 * link (`invalid_grant`). So the broker keeps Garmin's answer, sealed with a key derived from the
 * old refresh token and indexed by that token's SHA-256: the server cannot read it, and only the
 * holder of the old token gets the same answer again, for `replayMs`. While one refresh is in
 * flight, the same token presented elsewhere waits for its answer instead of racing it to Garmin.
 * @see RFC 9700 §2.2.2 (refresh token rotation), RFC 6749 §10.4
 */
export class RotationReplays {
  constructor(
    private readonly store: SqlStore,
    private readonly options: RotationReplaysOptions,
  ) {}

  /** Runs `forward` once per refresh token; a repeat within the window gets the same answer. */
  async refresh(refreshToken: string, forward: () => Promise<UpstreamAnswer>): Promise<UpstreamAnswer & { readonly replayed: boolean }> {
    if (this.options.replayMs <= 0) return { ...(await forward()), replayed: false };
    const digest = tokenDigest(refreshToken);
    const waitUntil = this.options.now() + this.options.pendingMs;
    for (;;) {
      const now = this.options.now();
      const claimed = await this.store.query(
        `insert into refresh_rotations (token_sha256, state, sealed, expires_at) values ($1, 'pending', null, $2)
         on conflict (token_sha256) do nothing returning 1 as claimed`,
        [digest, now + this.options.pendingMs],
      );
      if (claimed.length === 1) return { ...(await this.forwardClaimed(refreshToken, digest, forward)), replayed: false };

      const [row] = await this.store.query<{ state: string; sealed: Uint8Array | null; expires_at: string | number }>(
        'select state, sealed, expires_at from refresh_rotations where token_sha256 = $1',
        [digest],
      );
      if (!row) continue;
      const expiresAt = Number(row.expires_at);
      if (expiresAt <= now) {
        // A stale claim (its instance died mid-flight) or an old answer: Garmin decides now.
        await this.store.query('delete from refresh_rotations where token_sha256 = $1 and expires_at = $2', [digest, row.expires_at]);
        continue;
      }
      if (row.state === 'done' && row.sealed) {
        const body = open(keyFor(refreshToken, digest), Buffer.from(digest, 'hex'), row.sealed);
        if (body !== null) return { status: 200, body, retryAfter: null, replayed: true };
        await this.store.query('delete from refresh_rotations where token_sha256 = $1', [digest]);
        continue;
      }
      if (now >= waitUntil) return { status: 504, body: null, retryAfter: '5', replayed: false };
      await this.options.sleep(25);
    }
  }

  /** Deletes answers and claims that have expired. */
  async prune(now: number): Promise<number> {
    const rows = await this.store.query<{ n: number }>(
      'with gone as (delete from refresh_rotations where expires_at <= $1 returning 1) select count(*)::int as n from gone',
      [now],
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async forwardClaimed(refreshToken: string, digest: string, forward: () => Promise<UpstreamAnswer>): Promise<UpstreamAnswer> {
    let answer: UpstreamAnswer;
    try {
      answer = await forward();
    } catch (error) {
      await this.release(digest);
      throw error;
    }
    if (answer.status === 200 && answer.body !== null && rotated(answer.body)) {
      await this.store.query(`update refresh_rotations set state = 'done', sealed = $2, expires_at = $3 where token_sha256 = $1`, [
        digest,
        seal(keyFor(refreshToken, digest), Buffer.from(digest, 'hex'), answer.body),
        this.options.now() + this.options.replayMs,
      ]);
    } else {
      await this.release(digest);
    }
    return answer;
  }

  private async release(digest: string): Promise<void> {
    await this.store.query(`delete from refresh_rotations where token_sha256 = $1 and state = 'pending'`, [digest]);
  }
}

function rotated(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { refresh_token?: unknown };
    return typeof parsed.refresh_token === 'string' && parsed.refresh_token.length > 0;
  } catch {
    return false;
  }
}
