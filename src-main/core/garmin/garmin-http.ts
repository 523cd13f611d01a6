/**
 * The one HTTP client for Garmin's API origin (GARMIN_API_URL): every data call goes through it —
 * pull windows, a relay ping's callback, backfill requests, the user's id and permissions, the
 * registration's deletion, the Training API. It makes the request with the runner's token and
 * refreshes it once on a 401, joins paths under the API URL (a URL Garmin gave, a callback, only on
 * its origin), never follows a redirect, holds one deadline over the request and its body, and
 * reads at most `maxBytes` of the answer. `garminFailure` is the one mapping of Garmin's statuses
 * to error codes (429 `garmin_rate_limited` with its Retry-After in seconds or as an HTTP date,
 * 5xx `garmin_unreachable`, 401/403 `garmin_rejected`, anything else `garmin_bad_response`).
 * The OAuth token endpoint is not here: oauth4webapi speaks to it (garmin-client.ts).
 */
import { readStreamAtMost } from '../../../src-common/body-limit.js';
import { CompanionError, isCompanionError } from '../errors.js';
import { systemClock, type Clock, type Fetch } from '../ports.js';
import { withDeadline } from './deadline.js';

/** The most of one Garmin answer held in memory: a day's samples of several long activities fit many times over. */
export const GARMIN_ANSWER_MAX_BYTES = 64 * 1024 * 1024;
/** How long to wait after a 429 that names no (readable) Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

export interface GarminHttpDeps {
  readonly apiUrl: URL;
  readonly fetch: Fetch;
  readonly timeoutMs: number;
  /** The runner's access token; `force` (after a 401) asks for a refreshed one. Absent: each call brings its token. */
  readonly token?: (force: boolean) => Promise<string>;
  /** For an HTTP-date Retry-After. */
  readonly clock?: Clock;
}

export interface GarminCall {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path under GARMIN_API_URL (`wellness-api/rest/dailies`), or a URL Garmin gave (a callback): refused off its origin. */
  readonly target: string | URL;
  readonly query?: Readonly<Record<string, string>>;
  /** A JSON body. */
  readonly body?: string;
  /** A token used as it is, with no refresh (a call made while the account is being linked). */
  readonly accessToken?: string;
  readonly signal?: AbortSignal;
  /** Answers larger than this are refused unread (GarminAnswerTooLarge); GARMIN_ANSWER_MAX_BYTES unless said. */
  readonly maxBytes?: number;
}

/** Garmin's answer, read whole within the deadline and the size limit. */
export class GarminAnswer {
  constructor(
    readonly url: URL,
    readonly status: number,
    readonly headers: Headers,
    readonly bytes: Uint8Array,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes);
  }
}

/**
 * The request never got an answer: no connection, a reset, or no answer in time. `sent` is false
 * when it cannot have reached Garmin (the connection was never made), so even a create may be sent again.
 */
export class GarminUnreachable extends CompanionError {
  readonly sent: boolean;
  readonly timedOut: boolean;

  constructor(origin: string, timedOut: boolean, sent: boolean, cause: unknown) {
    super('garmin_unreachable', `Cannot reach Garmin at ${origin} (${timedOut ? 'no answer in time' : 'network error'}).`, { retryable: true, cause });
    this.sent = sent;
    this.timedOut = timedOut;
  }
}

/** Garmin's answer was larger than the call's bound: refused unread (not retried: the same request would bring the same answer). */
export class GarminAnswerTooLarge extends CompanionError {
  constructor(origin: string, readonly limit: number) {
    super('garmin_bad_response', `Garmin's answer from ${origin} is larger than ${limit} bytes; it was refused unread.`);
  }
}

/** Network errors that happen before a request is sent: nothing reached Garmin. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL']);

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const code = cause?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A Retry-After header in seconds: either form of RFC 9110 §10.2.3, delay-seconds or an HTTP date
 * (a date already past is 0); absent or unreadable, a minute.
 */
export function retryAfterSeconds(header: string | null, nowMs: number): number {
  if (header === null) return DEFAULT_RETRY_AFTER_SECONDS;
  const text = header.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text);
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - nowMs) / 1000)) : DEFAULT_RETRY_AFTER_SECONDS;
}

/**
 * What a Garmin status means, as the error every caller throws for a status it does not handle
 * itself; `what` says what was asked ("the data", "the user id"). Null for a 2xx.
 */
export function garminFailure(answer: Pick<GarminAnswer, 'status' | 'headers' | 'url'>, what: string, nowMs: number): CompanionError | null {
  const { status } = answer;
  const origin = answer.url.origin;
  if (status >= 200 && status < 300) return null;
  if (status === 429) {
    const wait = retryAfterSeconds(answer.headers.get('retry-after'), nowMs);
    return new CompanionError('garmin_rate_limited', `Garmin asks to wait ${wait} s before more requests for ${what}; R42 Companion goes on after that.`, { retryable: true, retryAfterSeconds: wait });
  }
  if (status >= 500) return new CompanionError('garmin_unreachable', `Garmin at ${origin} answered with a server error (${status}) for ${what}.`, { retryable: true });
  if (status === 401 || status === 403) return new CompanionError('garmin_rejected', `Garmin did not accept the access token for ${what} (HTTP ${status}).`);
  return new CompanionError('garmin_bad_response', `Garmin at ${origin} refused the request for ${what} (HTTP ${status}).`);
}

export class GarminHttp {
  private readonly base: string;
  readonly origin: string;

  constructor(private readonly deps: GarminHttpDeps) {
    this.base = deps.apiUrl.href.endsWith('/') ? deps.apiUrl.href : `${deps.apiUrl.href}/`;
    this.origin = deps.apiUrl.origin;
  }

  /** `path` under GARMIN_API_URL (a leading slash stays under it too), with `query` set. */
  url(path: string, query: Readonly<Record<string, string>> = {}): URL {
    const url = new URL(path.replace(/^\/+/, ''), this.base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url;
  }

  /** Whether `url` is on Garmin's API origin (and, given, under `pathPrefix`): the only place the runner's token goes. */
  isGarmin(url: URL, pathPrefix = '/'): boolean {
    return url.origin === this.origin && url.pathname.startsWith(pathPrefix);
  }

  /** Garmin's answer to one call, whatever its status; throws GarminUnreachable when there is none. */
  async request(call: GarminCall): Promise<GarminAnswer> {
    const url = typeof call.target === 'string' ? this.url(call.target, call.query) : new URL(call.target);
    if (!this.isGarmin(url)) throw new CompanionError('garmin_bad_response', `R42 Companion sends the runner's token to Garmin only, not to ${url.origin}.`);
    const token = call.accessToken === undefined ? this.deps.token : undefined;
    if (!token && call.accessToken === undefined) throw new CompanionError('not_connected', 'No Garmin token to call Garmin with.');
    for (let refreshed = false; ; refreshed = true) {
      const accessToken = token ? await token(refreshed) : call.accessToken!;
      const answer = await this.once(url, call, accessToken);
      // A 401 refreshes the token once: Garmin refused the request, so nothing happened.
      if (answer.status !== 401 || refreshed || !token) return answer;
    }
  }

  private async once(url: URL, call: GarminCall, accessToken: string): Promise<GarminAnswer> {
    const maxBytes = call.maxBytes ?? GARMIN_ANSWER_MAX_BYTES;
    const headers: Record<string, string> = { authorization: `Bearer ${accessToken}`, accept: 'application/json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await withDeadline(this.deps.timeoutMs, call.signal, async (deadline) => {
        const response = await this.deps.fetch(url, { method: call.method ?? 'GET', headers, ...(call.body === undefined ? {} : { body: call.body }), redirect: 'manual', signal: deadline });
        const bytes = await readAtMost(response, maxBytes);
        if (bytes === null) throw new GarminAnswerTooLarge(url.origin, maxBytes);
        return new GarminAnswer(url, response.status, response.headers, bytes);
      });
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (isCompanionError(error)) throw error;
      const code = networkCode(error);
      const timedOut = (error as { name?: string }).name === 'TimeoutError' || (error as { name?: string }).name === 'AbortError';
      throw new GarminUnreachable(url.origin, timedOut, !(code !== undefined && NOT_SENT.has(code)), error);
    }
  }

  /** `garminFailure` at this client's clock. */
  failure(answer: GarminAnswer, what: string): CompanionError | null {
    return garminFailure(answer, what, (this.deps.clock ?? systemClock).now());
  }
}

/**
 * The body of `response`, or null (and the body cancelled) when it is larger than `max` bytes: a
 * declared Content-Length over it is refused before reading, and a body without one (or with a
 * false one, or compressed) is counted as it streams in, so no more than `max` is ever held.
 */
export async function readAtMost(response: Response, max: number): Promise<Uint8Array | null> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  return readStreamAtMost(response.body, max);
}
