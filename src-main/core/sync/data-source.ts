import { notificationOfStream } from '../../../src-common/garmin-notifications.js';
import { MAX_JSON_DEPTH } from '../../../src-common/json-depth.js';
import { CompanionError } from '../errors.js';
import { GarminHttp, GarminUnreachable } from '../garmin/garmin-http.js';
import { recordList } from '../garmin/records.js';
import type { Fetch } from '../ports.js';
import type { Stream } from '../store/training-repo.js';
import { blankTooDeep, parseJsonAnswer } from './json-answer.js';

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

/** Pulls from GARMIN_API_URL/wellness-api/rest/<type> through the one Garmin client (garmin/garmin-http.ts). */
export class GarminPullSource implements DataSource {
  private readonly garmin: GarminHttp;

  constructor(apiUrl: URL, fetch: Fetch, timeoutMs: number, token: (forceRefresh: boolean) => Promise<string>) {
    this.garmin = new GarminHttp({ apiUrl, fetch, timeoutMs, token });
  }

  async fetchWindow(stream: Stream, startS: number, endS: number, signal?: AbortSignal): Promise<unknown[]> {
    const path = notificationOfStream(stream)?.restPath ?? `/wellness-api/rest/${stream}`;
    let answer;
    try {
      answer = await this.garmin.request({ target: path, query: { uploadStartTimeInSeconds: String(startS), uploadEndTimeInSeconds: String(endS) }, signal });
    } catch (error) {
      // Not retried: offline, the sync stops here and its scheduler tries again sooner (30 s, doubling).
      if (error instanceof GarminUnreachable) throw new CompanionError('garmin_unreachable', error.message, { cause: error });
      throw error;
    }
    if (answer.status === 412) throw new PermissionMissing();
    // A 5xx and a 429 are retried within the sync (garminFailure marks them).
    const failure = this.garmin.failure(answer, 'data');
    if (failure) throw failure;
    const origin = this.garmin.origin;
    let parsed;
    try {
      parsed = parseJsonAnswer(answer.bytes);
    } catch {
      throw new CompanionError('garmin_bad_response', `Garmin at ${origin} sent data that is not JSON.`);
    }
    const records = recordList(parsed.value);
    if (!records) throw new CompanionError('garmin_bad_response', `Garmin at ${origin} sent data in an unexpected shape.`);
    if (!parsed.tooDeep) return records;
    // A record nested past the limit is skipped like any malformed one (storing it would
    // stringify it), and counted with them in the engine's `sync.records_skipped`.
    return blankTooDeep(records, MAX_JSON_DEPTH - 1).items;
  }
}
