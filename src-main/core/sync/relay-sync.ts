import { readStreamAtMost } from '../../../src-common/body-limit.js';
import { MAX_FIT_BYTES } from '../../../src-common/limits.js';
import { DAY_S } from '../../../src-common/dates.js';
import { notificationOfRelayType, notificationOfStream } from '../../../src-common/garmin-notifications.js';
import { recordList } from '../garmin/records.js';
import { MAX_JSON_DEPTH, valueNestsDeeperThan } from '../../../src-common/json-depth.js';
import {
  RELAY_COMPUTER_HEADER,
  RELAY_COMPUTERS_HEADER,
  RELAY_PAGE_MAX_RESPONSE_BYTES,
  relayForgotten,
  relayPage,
  type RelayForgotten,
  type RelayNotification,
  type RelayPage,
} from '../../../src-common/relay-contract.js';
import { CompanionError, isCompanionError, isRetryable } from '../errors.js';
import { withRetry } from '../retry.js';
import { withDeadline } from '../garmin/deadline.js';
import type { Clock, Fetch, Logger } from '../ports.js';
import type { RelayRepo } from '../store/relay-repo.js';
import { STREAMS, type Stream, type TrainingRepo } from '../store/training-repo.js';
import type { SyncProgress, SyncResult } from './sync-engine.js';
import { blankTooDeep, readJsonAnswer } from './json-answer.js';

/** Garmin's backfill limits per request: 30 days for the Activity API's types, 90 for the Health API's. */
const backfillChunkDays = (stream: Stream) => (notificationOfStream(stream)?.api === 'activity' ? 30 : 90);
/** Callback URLs fetched at once: enough to hide Garmin's latency, few enough to stay polite. */
export const RELAY_FETCH_CONCURRENCY = 6;
/** The relay's other answers (an ack, a registration deleted, an error) are a few bytes of JSON. */
const SERVER_ANSWER_MAX_BYTES = 64 * 1024;
/** The permission a stream needs (src-common/garmin-notifications.ts). */
const permissionFor = (stream: Stream) => notificationOfStream(stream)?.permission ?? 'HEALTH_EXPORT';

export interface RelaySyncDeps {
  readonly training: TrainingRepo;
  readonly relay: RelayRepo;
  /** R42's server: `/v1/relay/…`. */
  readonly serverUrl: URL;
  /** Garmin's API: callback URLs are fetched only on its origin, backfill is asked of it. */
  readonly apiUrl: URL;
  readonly fetch: Fetch;
  readonly timeoutMs: number;
  /** The runner's access token (refreshed first when `force`). */
  readonly token: (force: boolean) => Promise<string>;
  /** The runner removed R42 in Garmin Connect: the link must be made again. */
  readonly onDeregistered: () => Promise<void>;
  /** What the runner shares on Garmin's side now (the account's permissions). */
  readonly permissions: () => readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  /** Longest 429 Retry-After waited for inside one pass. */
  readonly maxRetryAfterSeconds?: number;
  /**
   * Imports an activity file's FIT bytes (core/fit: the same importer as a file from the watch), or
   * absent when this computer keeps nothing of activity files. Idempotent: a file seen before changes nothing.
   */
  readonly importActivityFile?: (name: string, bytes: Uint8Array) => Promise<void>;
}

/** The network, Garmin or the relay failed for now: nothing was committed, the same page comes again. */
function tryLater(where: string, detail: string, retryAfterSeconds?: number): CompanionError {
  return new CompanionError('garmin_unreachable', `${where} cannot be used right now (${detail}); the sync goes on by itself later.`, {
    retryable: true,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
}

/**
 * Training data the way Garmin delivers it in production: R42's server received Garmin's
 * notifications, and this reads them (long-polling when asked), fetches each ping's callback URL
 * from Garmin with the runner's own token (at most RELAY_FETCH_CONCURRENCY at once, honouring
 * 429 Retry-After), stores the rows and the relay cursor in one SQLite transaction, then acks.
 * After a link it asks Garmin for the history (backfill), whose data arrives the same way.
 * @see docs/server.md, "The relay"
 */
export class RelaySync {
  /** The cursor this process last acknowledged: a lost ack is repeated at the next pass. */
  private acked: string | null = null;
  private working = 0;

  /** Whether this process is fetching or storing right now (not merely waiting on the long poll). */
  get busy(): boolean {
    return this.working > 0;
  }

  private computerId: string | null = null;

  constructor(private readonly deps: RelaySyncDeps) {}

  /** This data folder's name at the relay (made once, kept in the database). */
  private computer(): string {
    this.computerId ??= this.deps.relay.computerId();
    return this.computerId;
  }

  /**
   * One `sync`: asks for any history not asked for yet, then drains what the relay holds (waiting
   * up to `waitSeconds` when nothing is there). The caller holds the data folder's sync lease
   * (sync-service.ts); `renewLease` keeps it after each page and throws when another process took it over.
   */
  async run(options: { days: number; garminUserId: string; renewLease: () => void; waitSeconds?: number; signal?: AbortSignal; onProgress?: (p: SyncProgress) => void }): Promise<SyncResult> {
    const now = Math.floor(this.deps.clock.now() / 1000);
    for (const stream of STREAMS) this.deps.training.ensureStream(stream, now, options.days);
    this.planBackfill(options.garminUserId, options.days, now);
    let notifications = 0;
    let stored = 0;
    let skipped = 0;
    const permissionMissing = new Set<Stream>();
    try {
      const asked = await this.requestBackfill(options.signal, permissionMissing);
      const stored0 = this.deps.relay.state().cursor;
      if (stored0 && stored0 !== this.acked) await this.ack(stored0, options.signal);
      let wait = options.waitSeconds ?? 0;
      for (;;) {
        options.signal?.throwIfAborted();
        const page = await this.fetchPage(wait, options.signal);
        this.working++;
        let applied;
        try {
          applied = await this.apply(page, options.signal, permissionMissing);
        } finally {
          this.working--;
        }
        notifications += page.notifications.length;
        stored += applied.stored;
        skipped += applied.skipped;
        options.renewLease();
        const progress = this.backfillProgress();
        options.onProgress?.({ phase: 'backfill', done: progress.requested, total: progress.total, stream: 'activities' });
        if (!page.more) break;
        // More pending but nothing handed over: a broken relay; asking again at once would spin.
        if (page.notifications.length === 0) {
          this.deps.logger.log('warn', 'relay.empty_page_with_more');
          break;
        }
        wait = 0;
      }
      // An ack lost earlier (a relay restarting, a dropped connection) is repeated before the pass ends.
      const last = this.deps.relay.state().cursor;
      if (last && last !== this.acked) await this.ack(last, options.signal);
      const mark = Math.floor(this.deps.clock.now() / 1000) * 1000;
      for (const stream of STREAMS) {
        if (permissionMissing.has(stream)) this.deps.training.markStream(stream, 'permission_missing', 'permission_missing', mark);
        else this.deps.training.markStream(stream, 'ok', null, mark);
      }
      this.deps.logger.log('info', 'relay.pass', { notifications, stored, skipped, backfillRequested: asked });
      return { outcome: 'completed', windows: notifications, stored, skipped, permissionMissing: [...permissionMissing] };
    } catch (error) {
      // Retryable failures (marked where they are made) end the pass as offline: it resumes by itself.
      if (isRetryable(error)) {
        this.deps.logger.log('warn', 'relay.offline', { code: (error as CompanionError).code });
        for (const stream of STREAMS) this.deps.training.markStream(stream, 'error', 'garmin_unreachable', this.deps.clock.now());
        return { outcome: 'offline', windows: notifications, stored, skipped, permissionMissing: [...permissionMissing] };
      }
      throw error;
    }
  }

  /** How much of the history plan Garmin has accepted. */
  backfillProgress(): { requested: number; total: number } {
    const chunks = this.deps.relay.backfill();
    return { requested: chunks.filter((c) => c.state !== 'pending').length, total: chunks.length };
  }

  /**
   * Tells the relay this computer disconnects: it stops delivering here, and when this was the
   * runner's last computer it drops everything it holds for them. Says how many of the runner's
   * computers are left (Garmin's registration must stay while there are any).
   */
  async forget(): Promise<RelayForgotten> {
    const response = await this.serverCall('DELETE', 'v1/relay/registration');
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

  private planBackfill(garminUserId: string, days: number, now: number): void {
    const floor = now - days * DAY_S;
    const chunks = STREAMS.flatMap((stream) => {
      const size = backfillChunkDays(stream) * DAY_S;
      const out: Array<{ stream: Stream; start: number; end: number }> = [];
      for (let end = now; end > floor; end -= size) out.push({ stream, start: Math.max(floor, end - size), end });
      return out;
    });
    if (this.deps.relay.planBackfill(garminUserId, chunks)) {
      this.deps.logger.log('info', 'relay.backfill_planned', { chunks: chunks.length, days });
      return;
    }
    // A longer history asked for later (`sync --days`, the app's "Load N weeks of history"): the ranges older than the plan are added.
    const planned = this.deps.relay.backfill();
    let added = 0;
    for (const stream of STREAMS) {
      const oldest = Math.min(...planned.filter((c) => c.stream === stream).map((c) => c.start));
      if (!Number.isFinite(oldest)) continue;
      const size = backfillChunkDays(stream) * DAY_S;
      for (let end = oldest; end > floor; end -= size, added++) this.deps.relay.addBackfill(stream, Math.max(floor, end - size), end);
    }
    if (added) this.deps.logger.log('info', 'relay.backfill_extended', { chunks: added, days });
  }

  /** Asks Garmin for each planned range not yet accepted; 409 (already asked) counts as done. */
  private async requestBackfill(signal: AbortSignal | undefined, permissionMissing: Set<Stream>): Promise<number> {
    let asked = 0;
    const granted = this.deps.permissions();
    for (const chunk of this.deps.relay.backfill()) {
      if (chunk.state === 'permission_missing') {
        if (!granted.includes(permissionFor(chunk.stream))) {
          permissionMissing.add(chunk.stream);
          continue;
        }
        // Shared since Garmin refused it: ask again.
        this.deps.relay.markChunk(chunk.stream, chunk.start, 'pending');
      } else if (chunk.state !== 'pending') continue;
      signal?.throwIfAborted();
      const url = this.apiUrl((notificationOfStream(chunk.stream)?.backfillPath ?? `/wellness-api/rest/backfill/${chunk.stream}`).slice(1));
      url.searchParams.set('summaryStartTimeInSeconds', String(chunk.start));
      url.searchParams.set('summaryEndTimeInSeconds', String(chunk.end));
      const response = await this.garminGet(url, signal);
      await response.body?.cancel();
      if (response.status === 202 || response.status === 409) {
        this.deps.relay.markChunk(chunk.stream, chunk.start, 'requested');
        asked++;
      } else if (response.status === 412) {
        this.deps.relay.markChunk(chunk.stream, chunk.start, 'permission_missing');
        permissionMissing.add(chunk.stream);
      } else if (response.status >= 500) {
        throw tryLater('Garmin', `backfill answered ${response.status}`);
      } else {
        this.deps.logger.log('warn', 'relay.backfill_refused', { stream: chunk.stream, status: response.status });
        this.deps.relay.markChunk(chunk.stream, chunk.start, 'requested');
      }
    }
    return asked;
  }

  private async fetchPage(waitSeconds: number, signal: AbortSignal | undefined): Promise<RelayPage> {
    const cursor = this.deps.relay.state().cursor;
    const path = `v1/relay/notifications?wait=${waitSeconds}${cursor ? `&after=${cursor}` : ''}`;
    const response = await this.serverCall('GET', path, signal, waitSeconds * 1000, undefined, RELAY_PAGE_MAX_RESPONSE_BYTES);
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

  /** Fetches the page's data, then stores it and moves the cursor in one transaction, then acks. */
  private async apply(page: RelayPage, signal: AbortSignal | undefined, permissionMissing: Set<Stream>): Promise<{ stored: number; skipped: number }> {
    if (page.notifications.length === 0 || page.cursor === null) return { stored: 0, skipped: 0 };
    // Per stream what the page brought, fetched from Garmin or pushed in the notification; the
    // runner's edits in Garmin Connect apart (they replace).
    const records = new Map<string, { readonly target: Target; readonly origin: Origin; readonly items: unknown[] }>();
    const add = (target: Target, origin: Origin, items: readonly unknown[]) => {
      const key = `${target.edited ? 'edit' : 'plain'}|${origin}|${target.stream}`;
      const entry = records.get(key) ?? { target, origin, items: [] };
      for (const item of items) entry.items.push(item);
      records.set(key, entry);
    };
    const pings = page.notifications.filter((n): n is Extract<RelayNotification, { kind: 'ping' }> => n.kind === 'ping');
    // Pings whose callback Garmin no longer honours (a laptop closed past the pull token's life):
    // their upload windows are asked for again through the backfill, so nothing is lost.
    const lost = new Map<Stream, { start: number; end: number }>();
    // Activity files (the watch's FIT file of each upload): imported before the page is committed, so a crash re-delivers them (a file seen before changes nothing).
    const files: Array<{ name: string; bytes: Uint8Array }> = [];
    let next = 0;
    const worker = async () => {
      while (next < pings.length) {
        const ping = pings[next++]!;
        if (ping.type === 'activityFiles' && this.deps.importActivityFile) {
          const file = await this.fetchActivityFile(ping.callbackURL, signal);
          if (file === 'permission_missing') permissionMissing.add('activities');
          else if (typeof file !== 'string') files.push({ name: file.name, bytes: file.bytes });
          else this.deps.logger.log('warn', 'relay.activity_file_not_fetched', { reason: file });
          continue;
        }
        const target = targetOf(ping.type);
        if (!target) continue;
        const stream = target.stream;
        const fetched = await this.fetchCallback(ping.callbackURL, signal);
        if (fetched === 'permission_missing') permissionMissing.add(stream);
        else if (fetched === 'gone') {
          if (ping.uploadStartTimeInSeconds !== null && ping.uploadEndTimeInSeconds !== null) {
            const range = lost.get(stream);
            lost.set(stream, {
              start: Math.min(range?.start ?? Infinity, ping.uploadStartTimeInSeconds),
              end: Math.max(range?.end ?? -Infinity, ping.uploadEndTimeInSeconds),
            });
          }
        }
        else add(target, 'fetched', fetched);
      }
    };
    await Promise.all(Array.from({ length: Math.min(RELAY_FETCH_CONCURRENCY, pings.length) }, worker));
    for (const file of files) await this.deps.importActivityFile!(file.name, file.bytes);
    if (files.length) this.deps.logger.log('info', 'relay.activity_files_imported', { count: files.length });
    let deregistered = false;
    const notKept = new Map<string, number>();
    for (const n of page.notifications) {
      if ((n.kind === 'push' || n.kind === 'ping') && !targetOf(n.type) && !(n.type === 'activityFiles' && n.kind === 'ping' && this.deps.importActivityFile)) notKept.set(n.type, (notKept.get(n.type) ?? 0) + 1);
      if (n.kind === 'push') {
        const target = targetOf(n.type);
        if (target) add(target, 'pushed', [n.summary]);
      } else if (n.kind === 'deregistration') deregistered = true;
    }
    const permissions = page.notifications.filter((n) => n.kind === 'permissions').at(-1);
    let stored = 0;
    let skipped = 0;
    const now = Math.floor(this.deps.clock.now() / 1000);
    let keptFetched = 0;
    const summaries = [...records.values()].reduce((n, entry) => n + entry.items.length, 0);
    // Fetched before pushed (a push never replaces what Garmin gave the runner's own token), and the
    // page's activities before the edits (an edit replaces the activity even when both came together).
    const order = (entry: { target: Target; origin: Origin }) => ((entry.target.edited ? 2 : 0) + (entry.origin === 'pushed' ? 1 : 0)) * STREAMS.length + STREAMS.indexOf(entry.target.stream);
    const batches = [...records.values()].sort((a, b) => order(a) - order(b));
    this.deps.relay.commit({ cursor: page.cursor, notifications: page.notifications.length, summaries }, this.deps.clock.now(), () => {
      for (const { target, origin, items } of batches) {
        const result = this.deps.training.upsertRecords(target.stream, items, now, { edited: target.edited, origin });
        stored += result.stored;
        skipped += result.skipped;
        keptFetched += result.keptFetched;
      }
      if (permissions?.kind === 'permissions') this.deps.relay.setPermissions(permissions.permissions);
      for (const [stream, range] of lost) {
        // Backfill ranges are summary times; a summary uploaded in a window can start a day earlier.
        const start = range.start - DAY_S;
        const limit = backfillChunkDays(stream) * DAY_S;
        // A range starting where one already asked for starts would be merged into it and asked for
        // again unchanged, which Garmin answers 409 ("already asked") with nothing sent: such a
        // range starts a second earlier instead (or, when that would pass Garmin's limit, ends one
        // second earlier too: a second at the end of a window Garmin already served).
        const asked = new Set(this.deps.relay.backfill().filter((c) => c.stream === stream && c.state !== 'pending').map((c) => c.start));
        for (let end = range.end; end > start; end -= limit) {
          let from = Math.max(start, end - limit);
          let to = end;
          while (asked.has(from)) {
            from--;
            if (to - from > limit) to--;
          }
          this.deps.relay.addBackfill(stream, from, to);
        }
      }
    });
    if (skipped) this.deps.logger.log('warn', 'sync.records_skipped', { count: skipped, source: 'relay' });
    // Types this app keeps nothing of yet (activity files, Move IQ): acknowledged with the page, and said so.
    if (notKept.size) this.deps.logger.log('info', 'relay.types_not_kept', { types: [...notKept].map(([type, n]) => `${type}:${n}`).join(',') });
    if (keptFetched) this.deps.logger.log('warn', 'relay.push_kept_fetched', { count: keptFetched, note: 'a push never replaces a record fetched from Garmin' });
    if (lost.size) this.deps.logger.log('warn', 'relay.callbacks_expired', { streams: [...lost.keys()].join(','), note: 'asked again through the backfill' });
    if (permissions?.kind === 'permissions') {
      for (const stream of STREAMS) if (!permissions.permissions.includes(permissionFor(stream))) permissionMissing.add(stream);
    }
    // Stored first, acknowledged second: a lost ack is repeated at the next pass.
    await this.ack(page.cursor, signal);
    if (deregistered) await this.deps.onDeregistered();
    return { stored, skipped };
  }

  /** Tells the relay everything up to `cursor` is stored here; a failure is logged and retried next pass. */
  private async ack(cursor: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      const response = await this.serverCall('POST', 'v1/relay/ack', signal, 0, JSON.stringify({ cursor }));
      await response.body?.cancel();
      this.acked = cursor;
    } catch (error) {
      if (signal?.aborted) throw error;
      this.deps.logger.log('warn', 'relay.ack_failed', { code: isCompanionError(error) ? error.code : (error as Error).name });
    }
  }

  /** GETs a ping's callback URL from Garmin: its records, or why there are none. */
  private async fetchCallback(callbackUrl: string, signal: AbortSignal | undefined): Promise<unknown[] | 'permission_missing' | 'gone'> {
    let url: URL;
    try {
      url = new URL(callbackUrl);
    } catch {
      return 'gone';
    }
    // Only Garmin gets the runner's token: a callback anywhere else is refused, whatever the relay says.
    if (url.origin !== this.deps.apiUrl.origin || !url.pathname.startsWith('/wellness-api/rest/')) {
      this.deps.logger.log('warn', 'relay.callback_refused', { origin: url.origin });
      return 'gone';
    }
    const response = await this.garminGet(url, signal);
    if (response.status === 412) {
      await response.body?.cancel();
      return 'permission_missing';
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw tryLater('Garmin', `HTTP ${response.status}`);
    }
    if (!response.ok) {
      // An expired or spent pull token (400 InvalidPullTokenException): Garmin will not give it again.
      await response.body?.cancel();
      return 'gone';
    }
    let answer;
    try {
      answer = await readJsonAnswer(response);
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
  private async fetchActivityFile(callbackUrl: string, signal: AbortSignal | undefined): Promise<{ name: string; bytes: Uint8Array } | 'gone' | 'permission_missing' | 'too_large'> {
    let url: URL;
    try {
      url = new URL(callbackUrl);
    } catch {
      return 'gone';
    }
    // Only Garmin gets the runner's token, as for every callback.
    if (url.origin !== this.deps.apiUrl.origin || !url.pathname.startsWith('/wellness-api/rest/')) {
      this.deps.logger.log('warn', 'relay.callback_refused', { origin: url.origin });
      return 'gone';
    }
    const response = await this.garminGet(url, signal, MAX_FIT_BYTES);
    if (response.status === 413) return 'too_large';
    if (response.status === 412) return 'permission_missing';
    if (response.status >= 500) throw tryLater('Garmin', `HTTP ${response.status}`);
    if (!response.ok) return 'gone';
    const id = (url.searchParams.get('id') ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) || 'file';
    return { name: `garmin-activity-file-${id}.fit`, bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  /** A GET to Garmin with the runner's token: one refresh on 401, waits out 429s within a bound. */
  private async garminGet(url: URL, signal: AbortSignal | undefined, maxBytes = Infinity): Promise<Response> {
    // A 429 is retried (its Retry-After within a bound) by the one retry helper; past it, the pass
    // ends as offline and the next one starts over.
    return withRetry(
      async () => {
        const response = await this.authorizedGet(url, signal, maxBytes);
        if (response.status !== 429) return response;
        await response.body?.cancel();
        const retryAfter = Number(response.headers.get('retry-after'));
        throw tryLater('Garmin', 'rate limited', Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : 60);
      },
      {
        retries: 3,
        sleep: this.deps.sleep,
        maxRetryAfterSeconds: this.deps.maxRetryAfterSeconds ?? 120,
        onRetry: (_error, _attempt, waitMs) => this.deps.logger.log('info', 'sync.rate_limited', { retryAfterSeconds: Math.round(waitMs / 1000) }),
      },
    );
  }

  /** A GET to Garmin with the runner's token, refreshed once when Garmin answers 401. */
  private async authorizedGet(url: URL, signal: AbortSignal | undefined, maxBytes = Infinity): Promise<Response> {
    for (let refresh = false; ; refresh = true) {
      const token = await this.deps.token(refresh);
      // Past maxBytes (an activity file over the FIT bound) the answer is a bare 413, refused unread.
      const response = await this.request(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, signal, 0, maxBytes, maxBytes !== Infinity);
      if (response.status !== 401 || refresh) return response;
      await response.body?.cancel();
    }
  }

  /** A call to R42's server with the runner's token; its answer is read whole, up to `maxBytes` (a small answer unless said). */
  private async serverCall(method: 'GET' | 'POST' | 'DELETE', path: string, signal?: AbortSignal, extraMs = 0, body?: string, maxBytes = SERVER_ANSWER_MAX_BYTES): Promise<Response> {
    const base = this.deps.serverUrl.href.endsWith('/') ? this.deps.serverUrl.href : `${this.deps.serverUrl.href}/`;
    const url = new URL(path, base);
    for (let attempt = 0; ; attempt++) {
      const token = await this.deps.token(attempt > 0);
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', [RELAY_COMPUTER_HEADER]: this.computer() };
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
  private async request(url: URL, init: RequestInit, signal: AbortSignal | undefined, extraMs: number, maxBytes = Infinity, tooLargeAsAnswer = false): Promise<Response> {
    try {
      return await withDeadline(this.deps.timeoutMs + extraMs, signal, async (deadline) => {
        const response = await this.deps.fetch(url, { ...init, redirect: 'manual', signal: deadline });
        const body = await readAtMost(response, maxBytes);
        if (body === null && tooLargeAsAnswer) {
          this.deps.logger.log('warn', 'relay.answer_too_large', { origin: url.origin, path: url.pathname, status: response.status, limit: maxBytes });
          return new Response(null, { status: 413 });
        }
        if (body === null) {
          this.deps.logger.log('warn', 'relay.answer_too_large', { origin: url.origin, path: url.pathname, status: response.status, limit: maxBytes });
          throw tryLater(url.origin === this.deps.serverUrl.origin ? 'The R42 server' : url.origin, `its answer is larger than ${maxBytes} bytes, refused unread`);
        }
        return new Response(body, { status: response.status, headers: response.headers });
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isCompanionError(error)) throw error;
      throw tryLater(url.origin, 'no connection or no answer in time');
    }
  }

  private apiUrl(path: string): URL {
    const base = this.deps.apiUrl.href.endsWith('/') ? this.deps.apiUrl.href : `${this.deps.apiUrl.href}/`;
    return new URL(path, base);
  }
}

/**
 * The body of `response`, or null (and the body cancelled) when it is larger than `max` bytes:
 * a declared Content-Length over it is refused before reading, and a body without one (or with a
 * false one, or compressed) is counted as it streams in, so no more than `max` is ever held.
 */
async function readAtMost(response: Response, max: number): Promise<Uint8Array | null> {
  if (max === Infinity) return new Uint8Array(await response.arrayBuffer());
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  return readStreamAtMost(response.body, max);
}

/** Where a page's records came from: Garmin, fetched with the runner's token, or the notification itself. */
type Origin = 'fetched' | 'pushed';

/** Where a relay notification's records go: its stream, and whether they are the runner's edits. */
interface Target {
  readonly stream: Stream;
  readonly edited: boolean;
}

/**
 * The stream a relay type is stored in (src-common/garmin-notifications.ts), or null for a type
 * the desktop keeps nothing of (activity files, Move IQ): acknowledged with its page all the same.
 */
function targetOf(type: string): Target | null {
  const entry = notificationOfRelayType(type);
  const stream = entry?.stream;
  if (!stream || !(STREAMS as readonly string[]).includes(stream)) return null;
  return { stream: stream as Stream, edited: entry.key === 'manuallyUpdatedActivities' };
}
