import { notificationOfRelayType } from '../../../src-common/garmin-notifications.js';
import type { RelayForgotten, RelayNotification, RelayPage } from '../../../src-common/relay-contract.js';
import { isCompanionError, isRetryable, type CompanionError } from '../errors.js';
import { GarminHttp } from '../garmin/garmin-http.js';
import type { Clock, Fetch, Logger } from '../ports.js';
import type { RelayRepo } from '../store/relay-repo.js';
import { STREAMS, type Stream, type TrainingRepo } from '../store/training-repo.js';
import { GarminCallbacks } from './garmin-callbacks.js';
import { permissionFor, RelayBackfill } from './relay-backfill.js';
import { RelayClient } from './relay-client.js';
import type { SyncProgress, SyncResult } from './sync-engine.js';

/**
 * Callback URLs fetched at once: enough to hide Garmin's latency, few enough to stay polite (as
 * many as a browser opens to one host; Garmin states no limit on parallel calls, and a 429 is
 * waited out with its Retry-After).
 */
export const RELAY_FETCH_CONCURRENCY = 8;

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
   * absent when this computer keeps nothing of activity files. Idempotent: a file seen before
   * changes nothing. `activityId`: Garmin's id of the activity the ping named, when the relay
   * carried it, so the file is that activity whatever the two starts say.
   */
  readonly importActivityFile?: (name: string, bytes: Uint8Array, activityId: string | null) => Promise<void>;
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
  /** The acks sent and not yet answered, in order. */
  private acking: Promise<void> = Promise.resolve();
  private working = 0;

  /** Whether this process is fetching or storing right now (not merely waiting on the long poll). */
  get busy(): boolean {
    return this.working > 0;
  }

  /** R42's relay (its pages, acks, this computer's goodbye). */
  private readonly server: RelayClient;
  /** Garmin's API origin: the pings' callbacks and the backfill requests. */
  private readonly garmin: GarminHttp;
  /** What the pings point at, fetched on Garmin's data paths only (and the backfill's GETs). */
  private readonly callbacks: GarminCallbacks;

  /** The history asked of Garmin, range by range. */
  private readonly backfill: RelayBackfill;

  constructor(private readonly deps: RelaySyncDeps) {
    this.backfill = new RelayBackfill({
      relay: deps.relay,
      permissions: deps.permissions,
      logger: deps.logger,
      ask: (url, signal) => this.callbacks.get(url, signal, 'a backfill'),
      url: (path, query) => this.garmin.url(path, query),
      failure: (answer) => this.garmin.failure(answer, 'a backfill')!,
    });
    this.server = new RelayClient({ serverUrl: deps.serverUrl, fetch: deps.fetch, timeoutMs: deps.timeoutMs, token: deps.token, relay: deps.relay, logger: deps.logger });
    this.garmin = new GarminHttp({ apiUrl: deps.apiUrl, fetch: deps.fetch, timeoutMs: deps.timeoutMs, token: deps.token, clock: deps.clock });
    this.callbacks = new GarminCallbacks({ garmin: this.garmin, logger: deps.logger, sleep: deps.sleep, ...(deps.maxRetryAfterSeconds === undefined ? {} : { maxRetryAfterSeconds: deps.maxRetryAfterSeconds }) });
  }

  /**
   * One `sync`: asks for any history not asked for yet, then drains what the relay holds (waiting
   * up to `waitSeconds` when nothing is there). The caller holds the data folder's sync lease
   * (sync-service.ts); `renewLease` keeps it after each page and throws when another process took it over.
   */
  async run(options: { days: number; garminUserId: string; renewLease: () => void; waitSeconds?: number; signal?: AbortSignal; onProgress?: (p: SyncProgress) => void }): Promise<SyncResult> {
    const now = Math.floor(this.deps.clock.now() / 1000);
    for (const stream of STREAMS) this.deps.training.ensureStream(stream, now, options.days);
    this.backfill.plan(options.garminUserId, options.days, now);
    let notifications = 0;
    let stored = 0;
    let skipped = 0;
    const permissionMissing = new Set<Stream>();
    this.acking = Promise.resolve();
    try {
      const asked = await this.backfill.request(options.signal, permissionMissing);
      const stored0 = this.deps.relay.state().cursor;
      if (stored0 && stored0 !== this.acked) await this.ack(stored0, options.signal);
      let wait = options.waitSeconds ?? 0;
      let ahead: Promise<RelayPage> | null = null;
      for (;;) {
        options.signal?.throwIfAborted();
        const page: RelayPage = await (ahead ?? this.fetchPage(wait, options.signal));
        // Read ahead: the next page is asked for while this one's callbacks are fetched, so no round
        // trip waits between pages (it is stored only after this one; dropped if this one fails).
        // Not past a deregistration: the next page is asked for only once it has been dealt with.
        const readAhead = page.more && page.notifications.length > 0 && page.cursor !== null && !page.notifications.some((n) => n.kind === 'deregistration');
        ahead = readAhead ? this.server.page(page.cursor, 0, options.signal) : null;
        ahead?.catch(() => undefined);
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
      await this.acking;
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
      // The acks already sent are answered (or fail) before the pass ends, so none overtakes the next pass's.
      await this.acking.catch(() => undefined);
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
  forget(): Promise<RelayForgotten> {
    return this.server.forget();
  }

  private fetchPage(waitSeconds: number, signal: AbortSignal | undefined): Promise<RelayPage> {
    return this.server.page(this.deps.relay.state().cursor, waitSeconds, signal);
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
    const files: Array<{ name: string; bytes: Uint8Array; activityId: string | null }> = [];
    let next = 0;
    const worker = async () => {
      while (next < pings.length) {
        const ping = pings[next++]!;
        if (ping.type === 'activityFiles' && this.deps.importActivityFile) {
          // What the ping named (a relay that carries it): Garmin's activity id, and a TCX or GPX file, which is not fetched (only FIT files are imported).
          const named = ping.activityFile;
          if (named?.fileType && named.fileType !== 'FIT') {
            this.deps.logger.log('info', 'relay.activity_file_not_fit', { fileType: named.fileType });
            continue;
          }
          const file = await this.callbacks.activityFile(ping.callbackURL, named?.activityId ?? null, signal);
          if (file === 'permission_missing') permissionMissing.add('activities');
          else if (typeof file !== 'string') files.push({ name: file.name, bytes: file.bytes, activityId: named?.activityId ?? null });
          else this.deps.logger.log('warn', 'relay.activity_file_not_fetched', { reason: file });
          continue;
        }
        const target = targetOf(ping.type);
        if (!target) continue;
        const stream = target.stream;
        const fetched = await this.callbacks.records(ping.callbackURL, signal);
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
    for (const file of files) await this.deps.importActivityFile!(file.name, file.bytes, file.activityId);
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
      for (const [stream, range] of lost) this.backfill.askAgain(stream, range);
    });
    if (skipped) this.deps.logger.log('warn', 'sync.records_skipped', { count: skipped, source: 'relay' });
    // Types this app keeps nothing of yet (activity files, Move IQ): acknowledged with the page, and said so.
    if (notKept.size) this.deps.logger.log('info', 'relay.types_not_kept', { types: [...notKept].map(([type, n]) => `${type}:${n}`).join(',') });
    if (keptFetched) this.deps.logger.log('warn', 'relay.push_kept_fetched', { count: keptFetched, note: 'a push never replaces a record fetched from Garmin' });
    if (lost.size) this.deps.logger.log('warn', 'relay.callbacks_expired', { streams: [...lost.keys()].join(','), note: 'asked again through the backfill' });
    if (permissions?.kind === 'permissions') {
      for (const stream of STREAMS) if (!permissions.permissions.includes(permissionFor(stream))) permissionMissing.add(stream);
    }
    // Stored first, acknowledged second (a lost ack is repeated at the next pass), in order, while
    // the next page goes on: the pass waits for the acks before it ends.
    const cursor = page.cursor;
    this.acking = this.acking.then(() => this.ack(cursor, signal));
    // Observed here, awaited when the pass ends: a pass that fails first must not leave it unhandled.
    this.acking.catch(() => undefined);
    if (deregistered) {
      await this.acking;
      await this.deps.onDeregistered();
    }
    return { stored, skipped };
  }

  /** Tells the relay everything up to `cursor` is stored here; a failure is logged and retried next pass. */
  private async ack(cursor: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.server.ack(cursor, signal);
      this.acked = cursor;
    } catch (error) {
      if (signal?.aborted) throw error;
      this.deps.logger.log('warn', 'relay.ack_failed', { code: isCompanionError(error) ? error.code : (error as Error).name });
    }
  }
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
