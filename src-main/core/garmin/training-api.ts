/**
 * Garmin's Training API V2 (../shared/garmin-training-api.md): create and delete a workout, create,
 * list and delete its schedule, with the runner's own access token, straight to Garmin's API origin
 * (GARMIN_API_URL) on both link paths: the R42 server only brokers tokens and never sees a workout.
 *
 * A narrow interface (five calls) over the one Garmin client (garmin-http.ts: the token and one
 * refresh on 401, the deadline, bounded reads). Every call goes through the project's one retry
 * helper (core/retry.ts): a 429 waits for Retry-After, a 5xx or a connection never made is tried again. What cannot be
 * retried blindly is said: a create whose answer was lost may have made the workout at Garmin
 * (`mayHaveApplied`), and there is no call to list workouts to find out.
 */
import { z } from 'zod';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../../src-common/json-depth.js';
import { CompanionError, isCompanionError, type ErrorCode } from '../errors.js';
import { systemClock, type Clock, type Fetch, type Logger } from '../ports.js';
import { withRetry } from '../retry.js';
import { GarminHttp, GarminUnreachable, retryAfterSeconds, type GarminAnswer } from './garmin-http.js';

/** Garmin's paths, from V2 (create under /workoutportal, the rest under /training-api). */
export const TRAINING_PATHS = {
  createWorkout: 'workoutportal/workout/v2',
  workout: (id: string) => `training-api/workout/v2/${id}`,
  createSchedule: 'training-api/schedule/',
  schedule: (id: string) => `training-api/schedule/${id}`,
  schedules: 'training-api/schedule',
} as const;

/** A schedule as Garmin lists it. Ids are kept as text: Garmin's Longs can pass 2^53. */
export interface GarminSchedule {
  readonly scheduleId: string;
  readonly workoutId: string;
  readonly date: string;
}

/** What the delivery needs of the Training API. */
export interface TrainingApi {
  /** Creates the workout (the body has no workoutId) and answers Garmin's new workoutId. */
  createWorkout(body: unknown): Promise<string>;
  /** Deletes a workout; one already gone (404, 410) counts as deleted. */
  deleteWorkout(workoutId: string): Promise<void>;
  /** Schedules a workout on a date; answers the scheduleId, or null when Garmin's answer names none. */
  createSchedule(workoutId: string, date: string): Promise<string | null>;
  /** The runner's schedules between two dates (inclusive). */
  schedulesBetween(startDate: string, endDate: string): Promise<GarminSchedule[]>;
  deleteSchedule(scheduleId: string): Promise<void>;
}

/** A Training API call that failed; `mayHaveApplied` when Garmin may have done it anyway (the answer was lost). */
export class TrainingApiFailure extends CompanionError {
  readonly mayHaveApplied: boolean;
  readonly httpStatus: number | null;

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; retryAfterSeconds?: number; mayHaveApplied?: boolean; httpStatus?: number | null; cause?: unknown } = {}) {
    super(code, message, options);
    this.mayHaveApplied = options.mayHaveApplied === true;
    this.httpStatus = options.httpStatus ?? null;
  }
}

export interface TrainingApiOptions {
  readonly apiUrl: URL;
  readonly fetch: Fetch;
  readonly timeoutMs: number;
  /** The runner's access token; `force` after a 401 asks for a refreshed one. */
  token(force: boolean): Promise<string>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: Logger;
  /** For a Retry-After given as a date. */
  readonly clock?: Clock;
  /** Retries after the first attempt (429, 5xx, a connection never made). */
  readonly retries?: number;
  /** The longest Retry-After waited for; a 429 asking more fails with its words. */
  readonly maxRetryAfterSeconds?: number;
}

/** Garmin's ids are Longs: quoted before parsing, so one past 2^53 stays exact. */
const quoteIds = (text: string) => text.replace(/("(?:workoutId|scheduleId|id|ownerId)"\s*:\s*)(-?\d+)/g, '$1"$2"');
const garminId = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]).transform(String);
const SCHEDULE = z.object({ scheduleId: garminId, workoutId: garminId, date: z.string() });
const CREATED_WORKOUT = z.union([z.object({ workoutId: garminId }).transform((w) => w.workoutId), z.object({ id: garminId }).transform((w) => w.id)]);
const CREATED_SCHEDULE = z.union([
  garminId,
  z.object({ scheduleId: garminId }).transform((s) => s.scheduleId),
  z.object({ id: garminId }).transform((s) => s.id),
]);
const ID_TEXT = /^\d{1,20}$/;

/** Garmin's words from an error body, short and printable, or ''. */
async function garminWords(response: Response): Promise<string> {
  try {
    const text = (await response.text()).slice(0, 2000);
    const parsed = z.object({ errorMessage: z.string() }).or(z.object({ message: z.string() })).safeParse(JSON.parse(text));
    const words = parsed.success ? ('errorMessage' in parsed.data ? parsed.data.errorMessage : parsed.data.message) : '';
    return words.replace(/[^\x20-\x7e]/g, '').slice(0, 200);
  } catch {
    return '';
  }
}

export class GarminTrainingApi implements TrainingApi {
  /** Garmin's API origin, through the one Garmin client (the token, one refresh on 401, the deadline). */
  private readonly http: GarminHttp;

  constructor(private readonly options: TrainingApiOptions) {
    this.http = new GarminHttp({ apiUrl: options.apiUrl, fetch: options.fetch, timeoutMs: options.timeoutMs, token: options.token, ...(options.clock ? { clock: options.clock } : {}) });
  }

  async createWorkout(body: unknown): Promise<string> {
    const answer = await this.call('POST', TRAINING_PATHS.createWorkout, JSON.stringify(body), 'create the workout');
    const parsed = CREATED_WORKOUT.safeParse(answer);
    if (!parsed.success) {
      // Garmin made it (2xx) but its id cannot be read: the delivery must not make another.
      throw new TrainingApiFailure('garmin_bad_response', 'Garmin created the workout but its answer names no workoutId R42 Companion can read.', { mayHaveApplied: true });
    }
    return parsed.data;
  }

  async deleteWorkout(workoutId: string): Promise<void> {
    await this.call('DELETE', TRAINING_PATHS.workout(checkedId(workoutId)), null, 'delete the workout', { goneIsDone: true });
  }

  async createSchedule(workoutId: string, date: string): Promise<string | null> {
    // workoutId as a JSON number, written from its digits: Garmin wants a Long, not text, and a
    // JavaScript number would round one past 2^53.
    const body = `{"workoutId":${checkedId(workoutId)},"date":${JSON.stringify(date)}}`;
    const answer = await this.call('POST', TRAINING_PATHS.createSchedule, body, 'schedule the workout');
    if (answer === null) return null;
    const parsed = CREATED_SCHEDULE.safeParse(answer);
    return parsed.success ? parsed.data : null;
  }

  async schedulesBetween(startDate: string, endDate: string): Promise<GarminSchedule[]> {
    const path = `${TRAINING_PATHS.schedules}?startDate=${encodeURIComponent(startDate)}&endDate=${encodeURIComponent(endDate)}`;
    const answer = await this.call('GET', path, null, 'read the calendar');
    if (answer === null) return [];
    const list = z.array(z.unknown()).safeParse(answer);
    if (!list.success) throw new TrainingApiFailure('garmin_bad_response', 'Garmin answered the calendar with something other than a list of schedules.', { retryable: true });
    // A schedule that cannot be read is left out, not the whole calendar.
    return list.data.flatMap((item) => {
      const s = SCHEDULE.safeParse(item);
      return s.success ? [s.data] : [];
    });
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.call('DELETE', TRAINING_PATHS.schedule(checkedId(scheduleId)), null, 'remove the workout from the calendar', { goneIsDone: true });
  }

  /** One call with the retry helper around it: the parsed JSON answer, or null for an empty one. */
  private call(method: 'GET' | 'POST' | 'DELETE', path: string, body: string | null, what: string, options: { goneIsDone?: boolean } = {}): Promise<unknown> {
    const { logger } = this.options;
    return withRetry(() => this.once(method, path, body, what, options), {
      retries: this.options.retries ?? 3,
      sleep: this.options.sleep,
      baseMs: 500,
      maxRetryAfterSeconds: this.options.maxRetryAfterSeconds ?? 120,
      onRetry: (error, attempt, waitMs) =>
        logger.log('warn', 'training_api.retry', { what: path.split('?')[0]!.replace(/\d{3,}/g, '{id}'), method, attempt, waitMs: Math.round(waitMs), code: isCompanionError(error) ? error.code : 'unexpected' }),
    });
  }

  private async once(method: 'GET' | 'POST' | 'DELETE', path: string, body: string | null, what: string, options: { goneIsDone?: boolean }): Promise<unknown> {
    let response: GarminAnswer;
    try {
      response = await this.http.request({ method, target: path, ...(body === null ? {} : { body }) });
    } catch (error) {
      // The token's own failures (not linked, reconnect needed) are said as they are.
      if (!(error instanceof GarminUnreachable)) {
        if (isCompanionError(error, 'garmin_bad_response')) throw new TrainingApiFailure('garmin_bad_response', error.message, { mayHaveApplied: method === 'POST', cause: error });
        throw error;
      }
      // A request that reached Garmin may have been done there: only a create cannot tell, and must not be sent again.
      const mayHaveApplied = method === 'POST' && error.sent;
      throw new TrainingApiFailure('garmin_unreachable', `Cannot reach Garmin at ${this.http.origin} to ${what} (${error.timedOut ? 'no answer in time' : 'network error'}).`, {
        retryable: !mayHaveApplied,
        mayHaveApplied,
        cause: error,
      });
    }
    const url = response.url;
    const text = response.status === 401 ? '' : response.text();
    const status = response.status;
    if (status === 204 || (status >= 200 && status < 300 && text.trim() === '')) return null;
    if (status >= 200 && status < 300) {
      if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) throw new TrainingApiFailure('garmin_bad_response', `Garmin's answer to ${what} nests deeper than ${MAX_JSON_DEPTH} levels.`, { mayHaveApplied: method === 'POST' });
      // A bare id (how partners see a schedule create answered) stays digits: a JavaScript number would round it.
      const bare = /^\s*(\d{1,20})\s*$/.exec(text);
      if (bare) return bare[1];
      try {
        return JSON.parse(quoteIds(text)) as unknown;
      } catch {
        throw new TrainingApiFailure('garmin_bad_response', `Garmin's answer to ${what} is not JSON.`, { mayHaveApplied: method === 'POST' });
      }
    }
    if ((status === 404 || status === 410) && options.goneIsDone) return null;
    const words = await garminWords(new Response(text));
    const said = words ? `: ${words}` : '';
    if (status === 412) {
      throw new TrainingApiFailure(
        'workout_import_missing',
        'Garmin refused: you have not allowed R42 Companion to add workouts to your Garmin account (Workout import, WORKOUT_IMPORT). Reconnect Garmin (`r42-companion login`) and tick it on Garmin’s page, or allow it in Garmin Connect’s account settings.',
        { httpStatus: status },
      );
    }
    if (status === 429) {
      const wait = retryAfterSeconds(response.headers.get('retry-after'), (this.options.clock ?? systemClock).now());
      throw new TrainingApiFailure('garmin_rate_limited', `Garmin asks to wait ${wait} s before more Training API calls (its limit per runner and day, or per minute); try again then.`, {
        retryable: true,
        retryAfterSeconds: wait,
        httpStatus: status,
      });
    }
    if (status >= 500) throw new TrainingApiFailure('garmin_unreachable', `Garmin at ${url.origin} failed to ${what} (server error ${status}).`, { retryable: true, httpStatus: status });
    if (status === 401) throw new TrainingApiFailure('garmin_rejected', 'Garmin did not accept the access token for the Training API, even after a refresh.', { httpStatus: status });
    if (status === 403) {
      throw new TrainingApiFailure('garmin_rejected', `Garmin does not allow R42 Companion to ${what} (HTTP 403${said}): the Training API may not be enabled for this app.`, { httpStatus: status });
    }
    if (status === 400) throw new TrainingApiFailure('garmin_rejected', `Garmin refused to ${what} (HTTP 400${said}).`, { httpStatus: status });
    throw new TrainingApiFailure('garmin_bad_response', `Garmin answered HTTP ${status} when asked to ${what}${said}.`, { httpStatus: status });
  }
}

function checkedId(id: string): string {
  if (!ID_TEXT.test(id)) throw new CompanionError('storage_error', 'A stored Garmin id is not a number.');
  return id;
}
