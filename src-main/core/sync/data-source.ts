import { notificationOfStream } from '../../../src-common/garmin-notifications.js';
import { recordList } from '../garmin/records.js';
import { CompanionError, isCompanionError } from '../errors.js';
import { withDeadline } from '../garmin/deadline.js';
import type { Fetch } from '../ports.js';
import type { Stream } from '../store/training-repo.js';
import { MAX_JSON_DEPTH } from '../../../src-common/json-depth.js';
import { blankTooDeep, readJsonAnswer } from './json-answer.js';

/** Garmin's answer that a data type was not shared by the runner (HTTP 412). */
export class PermissionMissing extends Error {
  override readonly name = 'PermissionMissing';
}


/**
 * Where training data comes from, one upload window (at most 24 h) at a time. Today: pulling with
 * the runner's token. Later: a relay that received Garmin's push notifications, with no change to
 * storage or the sync engine.
 */
export interface DataSource {
  fetchWindow(stream: Stream, startS: number, endS: number, signal?: AbortSignal): Promise<unknown[]>;
}

/** Pulls from GARMIN_API_URL/wellness-api/rest/<type>; refreshes the token once on a 401. */
export class GarminPullSource implements DataSource {
  constructor(
    private readonly apiUrl: URL,
    private readonly fetch: Fetch,
    private readonly timeoutMs: number,
    private readonly token: (forceRefresh: boolean) => Promise<string>,
  ) {}

  async fetchWindow(stream: Stream, startS: number, endS: number, signal?: AbortSignal): Promise<unknown[]> {
    const base = this.apiUrl.href.endsWith('/') ? this.apiUrl.href : `${this.apiUrl.href}/`;
    const url = new URL((notificationOfStream(stream)?.restPath ?? `/wellness-api/rest/${stream}`).slice(1), base);
    url.searchParams.set('uploadStartTimeInSeconds', String(startS));
    url.searchParams.set('uploadEndTimeInSeconds', String(endS));
    for (let attempt = 0; ; attempt++) {
      const response = await this.request(url, await this.token(attempt > 0), signal);
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        continue;
      }
      return this.read(response, url.origin);
    }
  }

  private async request(url: URL, token: string, signal?: AbortSignal): Promise<Response> {
    try {
      return await withDeadline(this.timeoutMs, signal, async (deadline) => {
        const response = await this.fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, redirect: 'manual', signal: deadline });
        // Read the body under the same deadline.
        return new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers });
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isCompanionError(error)) throw error;
      // Not retryable: offline, the sync stops here and its scheduler tries again sooner (30 s, doubling).
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      throw new CompanionError('garmin_unreachable', `Cannot reach Garmin at ${url.origin} (${timedOut ? 'no answer in time' : 'network error'}).`, { cause: error });
    }
  }

  private async read(response: Response, origin: string): Promise<unknown[]> {
    if (response.status === 412) throw new PermissionMissing();
    if (response.status === 429) {
      const header = Number(response.headers.get('retry-after'));
      const retryAfterSeconds = Number.isFinite(header) && header >= 0 ? header : 60;
      throw new CompanionError('garmin_rate_limited', `Garmin asks to wait ${retryAfterSeconds} s before more data requests; the sync continues later.`, { retryable: true, retryAfterSeconds });
    }
    // A 5xx is retried within the sync; a network failure is not (see request): the computer is likely offline.
    if (response.status >= 500) throw new CompanionError('garmin_unreachable', `Garmin at ${origin} answered with a server error (${response.status}).`, { retryable: true });
    if (response.status === 401 || response.status === 403) throw new CompanionError('garmin_rejected', 'Garmin did not accept the access token for data.');
    if (!response.ok) throw new CompanionError('garmin_bad_response', `Garmin at ${origin} refused the data request (HTTP ${response.status}).`);
    let answer;
    try {
      answer = await readJsonAnswer(response);
    } catch {
      throw new CompanionError('garmin_bad_response', `Garmin at ${origin} sent data that is not JSON.`);
    }
    const records = recordList(answer.value);
    if (!records) throw new CompanionError('garmin_bad_response', `Garmin at ${origin} sent data in an unexpected shape.`);
    if (!answer.tooDeep) return records;
    // A record nested past the limit is skipped like any malformed one (storing it would
    // stringify it), and counted with them in the engine's `sync.records_skipped`.
    return blankTooDeep(records, MAX_JSON_DEPTH - 1).items;
  }
}
