import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UpstreamError } from '../broker/garmin-upstream.js';
import type { SqlStore } from '../store/sql-store.js';

/** How long the relay trusts what Garmin said about an access token before it asks again. */
export const TOKEN_OWNER_TTL_MS = 60 * 60_000;

const USER_ID = z.object({ userId: z.string().min(1).max(128) });

/**
 * Whose a Garmin access token is: asked of Garmin (`/wellness-api/rest/user/id`) once, then
 * remembered as the token's SHA-256 (never the token) for an hour. The relay uses the token for
 * nothing else.
 */
export class TokenOwners {
  constructor(
    private readonly store: SqlStore,
    private readonly options: { apiUrl: URL; fetch: typeof fetch; timeoutMs: number; now: () => number },
  ) {}

  /** The digest under which a token is remembered. */
  static digest(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  /** The Garmin user id remembered for this token, if any (no call to Garmin). */
  async remembered(token: string): Promise<string | null> {
    const rows = await this.store.query<{ garmin_user_id: string }>('select garmin_user_id from relay_token_owners where token_sha256 = $1 and expires_at > $2', [
      TokenOwners.digest(token),
      this.options.now(),
    ]);
    return rows[0]?.garmin_user_id ?? null;
  }

  /** Asks Garmin whose the token is; null when Garmin does not accept it. Throws UpstreamError when Garmin cannot answer. */
  async askGarmin(token: string): Promise<string | null> {
    const base = this.options.apiUrl.href.endsWith('/') ? this.options.apiUrl.href : `${this.options.apiUrl.href}/`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    let response: Response;
    let body: unknown;
    try {
      response = await this.options.fetch(new URL('wellness-api/rest/user/id', base), {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        redirect: 'manual',
        signal: controller.signal,
      });
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new UpstreamError('network', response.status);
      }
      body = await response.json();
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw new UpstreamError(controller.signal.aborted ? 'timeout' : 'not_json');
    } finally {
      clearTimeout(timer);
    }
    const parsed = USER_ID.safeParse(body);
    if (!parsed.success) throw new UpstreamError('not_json', response.status);
    await this.store.query(
      `insert into relay_token_owners (token_sha256, garmin_user_id, expires_at) values ($1, $2, $3)
       on conflict (token_sha256) do update set garmin_user_id = excluded.garmin_user_id, expires_at = excluded.expires_at`,
      [TokenOwners.digest(token), parsed.data.userId, this.options.now() + TOKEN_OWNER_TTL_MS],
    );
    return parsed.data.userId;
  }

  async prune(now: number): Promise<number> {
    const rows = await this.store.query<{ n: number }>('with gone as (delete from relay_token_owners where expires_at <= $1 returning 1) select count(*)::int as n from gone', [now]);
    return Number(rows[0]?.n ?? 0);
  }
}
