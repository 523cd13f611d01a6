import { MAX_JSON_DEPTH } from '../../../src-common/json-depth.js';
import { MAX_FIT_BYTES } from '../../../src-common/limits.js';
import { GarminAnswerTooLarge, type GarminAnswer, type GarminHttp } from '../garmin/garmin-http.js';
import { recordList } from '../garmin/records.js';
import type { Logger } from '../ports.js';
import { withRetry } from '../retry.js';
import { blankTooDeep, parseJsonAnswer } from './json-answer.js';
import { tryLater } from './relay-client.js';

export interface GarminCallbacksDeps {
  /** The one Garmin client (one refresh on 401, bounded reads, the failure mapping). */
  readonly garmin: GarminHttp;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  /** Longest 429 Retry-After waited for inside one pass. */
  readonly maxRetryAfterSeconds?: number;
}

/**
 * What the relay's pings point at, fetched from Garmin with the runner's token: a ping's records,
 * an activity file's bytes, and the GETs the backfill makes. Only Garmin's data paths are ever
 * called; a 429 is waited out within a bound.
 */
export class GarminCallbacks {
  constructor(private readonly deps: GarminCallbacksDeps) {}

  /**
   * A ping's callback URL, or null when it cannot be one: only Garmin gets the runner's token, so a
   * callback anywhere but Garmin's data paths is refused (and logged), whatever the relay says.
   */
  private target(callbackUrl: string): URL | null {
    let url: URL;
    try {
      url = new URL(callbackUrl);
    } catch {
      return null;
    }
    if (this.deps.garmin.isGarmin(url, '/wellness-api/rest/')) return url;
    this.deps.logger.log('warn', 'relay.callback_refused', { origin: url.origin });
    return null;
  }

  /** GETs a ping's callback URL from Garmin: its records, or why there are none. */
  async records(callbackUrl: string, signal: AbortSignal | undefined): Promise<unknown[] | 'permission_missing' | 'gone'> {
    const url = this.target(callbackUrl);
    if (url === null) return 'gone';
    const response = await this.get(url, signal, 'a notification');
    if (response.status === 412) return 'permission_missing';
    if (response.status >= 500) throw this.deps.garmin.failure(response, 'a notification')!;
    // An expired or spent pull token (400 InvalidPullTokenException): Garmin will not give it again.
    if (!response.ok) return 'gone';
    let answer;
    try {
      answer = parseJsonAnswer(response.bytes);
    } catch {
      throw tryLater('Garmin', 'its data is not JSON');
    }
    const records = recordList(answer.value);
    if (!records) {
      // Not Garmin's shape: nothing to store, and said so.
      this.deps.logger.log('warn', 'relay.callback_unexpected_shape', { path: url.pathname });
      return [];
    }
    if (!answer.tooDeep) return records;
    const { items, blanked } = blankTooDeep(records, MAX_JSON_DEPTH - 1);
    this.deps.logger.log('warn', 'sync.records_too_deep', { count: blanked, limit: MAX_JSON_DEPTH, source: 'relay' });
    return items;
  }

  /**
   * GETs an activity file (the FIT file of an upload) from Garmin with the runner's token: its
   * bytes (at most MAX_FIT_BYTES, a larger one refused unread), or why there are none. Garmin
   * serves each file once, within 24 h.
   */
  async activityFile(callbackUrl: string, activityId: string | null, signal: AbortSignal | undefined): Promise<{ name: string; bytes: Uint8Array } | 'gone' | 'permission_missing' | 'too_large'> {
    const url = this.target(callbackUrl);
    if (url === null) return 'gone';
    let response;
    try {
      response = await this.get(url, signal, 'an activity file', MAX_FIT_BYTES);
    } catch (error) {
      if (!(error instanceof GarminAnswerTooLarge)) throw error;
      this.deps.logger.log('warn', 'relay.answer_too_large', { origin: url.origin, path: url.pathname, limit: error.limit });
      return 'too_large';
    }
    if (response.status === 412) return 'permission_missing';
    if (response.status >= 500) throw this.deps.garmin.failure(response, 'an activity file')!;
    if (!response.ok) return 'gone';
    if (activityId !== null) return { name: `garmin-activity-${activityId}.fit`, bytes: response.bytes };
    const id = (url.searchParams.get('id') ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) || 'file';
    return { name: `garmin-activity-file-${id}.fit`, bytes: response.bytes };
  }

  /** A GET to Garmin (one refresh on 401, garmin-http.ts) that waits out its 429s within a bound. */
  get(url: URL, signal: AbortSignal | undefined, what: string, maxBytes?: number): Promise<GarminAnswer> {
    // A 429 (its Retry-After within a bound) and a request that got no answer are retried by the one
    // retry helper; past that, the pass ends as offline and the next one starts over.
    return withRetry(
      async () => {
        const response = await this.deps.garmin.request({ target: url, signal, ...(maxBytes === undefined ? {} : { maxBytes }) });
        if (response.status === 429) throw this.deps.garmin.failure(response, what)!;
        return response;
      },
      {
        retries: 3,
        sleep: this.deps.sleep,
        maxRetryAfterSeconds: this.deps.maxRetryAfterSeconds ?? 120,
        onRetry: (_error, _attempt, waitMs) => this.deps.logger.log('info', 'sync.rate_limited', { retryAfterSeconds: Math.round(waitMs / 1000) }),
      },
    );
  }
}
