/**
 * The desktop's calls to R42's relay (`/v1/relay/…` on R42_SERVER_URL): a page of notifications
 * (long-polled), its acknowledgement, and this computer's goodbye. Each with the runner's token
 * (refreshed once on a 401) and this computer's name at the relay, under one deadline, the answer
 * read whole up to a bound. Garmin's own origin is garmin/garmin-http.ts's; this is R42's server only.
 * @see docs/server.md, "The relay"
 */
import { MAX_JSON_DEPTH, valueNestsDeeperThan } from '../../../src-common/json-depth.js';
import {
  RELAY_COMPUTER_HEADER,
  RELAY_READS_ACTIVITY_FILE,
  RELAY_READS_HEADER,
  RELAY_COMPUTERS_HEADER,
  RELAY_PAGE_MAX_RESPONSE_BYTES,
  relayForgotten,
  relayPage,
  type RelayForgotten,
  type RelayPage,
} from '../../../src-common/relay-contract.js';
import { CompanionError, isCompanionError } from '../errors.js';
import { withDeadline } from '../garmin/deadline.js';
import { readAtMost } from '../garmin/garmin-http.js';
import type { Fetch, Logger } from '../ports.js';
import type { RelayRepo } from '../store/relay-repo.js';
import { readJsonAnswer } from './json-answer.js';

/** The relay's other answers (an ack, a registration deleted, an error) are a few bytes of JSON. */
const SERVER_ANSWER_MAX_BYTES = 64 * 1024;

export interface RelayClientDeps {
  /** R42's server: `/v1/relay/…`. */
  readonly serverUrl: URL;
  readonly fetch: Fetch;
  readonly timeoutMs: number;
  /** The runner's access token (refreshed first when `force`). */
  readonly token: (force: boolean) => Promise<string>;
  /** This data folder's name at the relay, and the relay's count of the runner's computers. */
  readonly relay: Pick<RelayRepo, 'computerId' | 'setComputers'>;
  readonly logger: Logger;
}

/** The network, Garmin or the relay failed for now: nothing was committed, the same page comes again. */
export function tryLater(where: string, detail: string, retryAfterSeconds?: number): CompanionError {
  return new CompanionError('garmin_unreachable', `${where} cannot be used right now (${detail}); the sync goes on by itself later.`, {
    retryable: true,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

export class RelayClient {
  private computerId: string | null = null;

  constructor(private readonly deps: RelayClientDeps) {}

  /** This data folder's name at the relay (made once, kept in the database). */
  private computer(): string {
    this.computerId ??= this.deps.relay.computerId();
    return this.computerId;
  }

  /** The notifications after `cursor`, waiting up to `waitSeconds` when there are none. */
  async page(cursor: string | null, waitSeconds: number, signal: AbortSignal | undefined): Promise<RelayPage> {
    const path = `v1/relay/notifications?wait=${waitSeconds}${cursor ? `&after=${cursor}` : ''}`;
    const response = await this.call('GET', path, signal, waitSeconds * 1000, undefined, RELAY_PAGE_MAX_RESPONSE_BYTES);
    // How many of the runner's computers the relay delivers to: remembered for a disconnect that cannot reach it.
    const computers = response.headers.get(RELAY_COMPUTERS_HEADER);
    if (computers !== null && /^\d{1,6}$/.test(computers)) this.deps.relay.setComputers(Number(computers));
    let answer;
    try {
      answer = await readJsonAnswer(response);
    } catch {
      throw tryLater('The R42 server', 'its answer is not JSON');
    }
    let body = answer.value;
    if (answer.tooDeep && typeof body === 'object' && body !== null && 'notifications' in body && Array.isArray(body.notifications)) {
      // A notification nested past the limit (a forged push) is dropped before anything walks it;
      // the rest of the page is stored and the cursor still moves past it, so it cannot stall the relay.
      const notifications: unknown[] = body.notifications;
      const kept = notifications.filter((n) => !valueNestsDeeperThan(n, MAX_JSON_DEPTH - 2));
      this.deps.logger.log('warn', 'relay.notifications_too_deep', { count: notifications.length - kept.length, limit: MAX_JSON_DEPTH });
      body = { ...body, notifications: kept };
    }
    const parsed = relayPage.safeParse(body);
    if (!parsed.success) throw new CompanionError('garmin_bad_response', 'The R42 server sent notifications R42 Companion cannot read. Update R42 Companion.');
    return parsed.data;
  }

  /** Tells the relay everything up to `cursor` is stored here. */
  async ack(cursor: string, signal: AbortSignal | undefined): Promise<void> {
    const response = await this.call('POST', 'v1/relay/ack', signal, 0, JSON.stringify({ cursor }));
    await response.body?.cancel();
  }

  /**
   * Tells the relay this computer disconnects: it stops delivering here, and when this was the
   * runner's last computer it drops everything it holds for them. Says how many of the runner's
   * computers are left (Garmin's registration must stay while there are any).
   */
  async forget(): Promise<RelayForgotten> {
    const response = await this.call('DELETE', 'v1/relay/registration');
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw tryLater('The R42 server', 'its answer is not JSON');
    }
    const parsed = relayForgotten.safeParse(body);
    if (parsed.success) return parsed.data;
    // A relay from before computers were counted dropped everything: this was the last.
    if (typeof body === 'object' && body !== null && 'deleted' in body && typeof body.deleted === 'number') return { deleted: body.deleted, computersLeft: 0, othersLastSeenAt: null };
    throw new CompanionError('garmin_bad_response', 'The R42 server answered the disconnect in a way R42 Companion cannot read. Update R42 Companion.');
  }

  /** A call to R42's server with the runner's token; its answer is read whole, up to `maxBytes` (a small answer unless said). */
  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, signal?: AbortSignal, extraMs = 0, body?: string, maxBytes = SERVER_ANSWER_MAX_BYTES): Promise<Response> {
    const base = this.deps.serverUrl.href.endsWith('/') ? this.deps.serverUrl.href : `${this.deps.serverUrl.href}/`;
    const url = new URL(path, base);
    for (let attempt = 0; ; attempt++) {
      const token = await this.deps.token(attempt > 0);
      // The optional fields this desktop reads: an activity file ping's Garmin activity id, file type and start.
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        [RELAY_COMPUTER_HEADER]: this.computer(),
        [RELAY_READS_HEADER]: RELAY_READS_ACTIVITY_FILE,
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await this.request(url, { method, headers, ...(body !== undefined ? { body } : {}) }, signal, extraMs, maxBytes);
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        continue;
      }
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        throw tryLater('The R42 server', `HTTP ${response.status}`);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new CompanionError('garmin_rejected', `The R42 server refused the request (HTTP ${response.status}).`);
      }
      return response;
    }
  }

  /** A request whose answer is read whole under the same deadline; more than `maxBytes` of it is refused unread (retryable: nothing was stored). */
  private async request(url: URL, init: RequestInit, signal: AbortSignal | undefined, extraMs: number, maxBytes: number): Promise<Response> {
    try {
      return await withDeadline(this.deps.timeoutMs + extraMs, signal, async (deadline) => {
        const response = await this.deps.fetch(url, { ...init, redirect: 'manual', signal: deadline });
        const body = await readAtMost(response, maxBytes);
        if (body === null) {
          this.deps.logger.log('warn', 'relay.answer_too_large', { origin: url.origin, path: url.pathname, status: response.status, limit: maxBytes });
          throw tryLater('The R42 server', `its answer is larger than ${maxBytes} bytes, refused unread`);
        }
        return new Response(body, { status: response.status, headers: response.headers });
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isCompanionError(error)) throw error;
      throw tryLater(url.origin, 'no connection or no answer in time');
    }
  }
}
