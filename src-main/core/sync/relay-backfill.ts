/**
 * The history asked of Garmin through the relay (its Backfill API): a plan of ranges per stream
 * in Garmin's limits (30 days for the Activity API's types, 90 for the Health API's), asked range by
 * range (202 or 409: asked; 412: not shared), and the upload windows of pings whose callback
 * Garmin no longer honours, asked again. The data itself arrives as notifications (relay-sync.ts).
 */
import { DAY_S } from '../../../src-common/dates.js';
import { notificationOfStream } from '../../../src-common/garmin-notifications.js';
import type { CompanionError } from '../errors.js';
import type { GarminAnswer } from '../garmin/garmin-http.js';
import type { Logger } from '../ports.js';
import type { RelayRepo } from '../store/relay-repo.js';
import { STREAMS, type Stream } from '../store/training-repo.js';

/** Garmin's backfill limits per request: 30 days for the Activity API's types, 90 for the Health API's. */
const backfillChunkDays = (stream: Stream) => (notificationOfStream(stream)?.api === 'activity' ? 30 : 90);
/** The permission a stream needs (src-common/garmin-notifications.ts). */
export const permissionFor = (stream: Stream) => notificationOfStream(stream)?.permission ?? 'HEALTH_EXPORT';

export interface RelayBackfillDeps {
  readonly relay: RelayRepo;
  /** What the runner shares on Garmin's side now (the account's permissions). */
  readonly permissions: () => readonly string[];
  readonly logger: Logger;
  /** GETs a backfill URL on Garmin's origin (garmin-http.ts, 429s waited out). */
  ask(url: URL, signal: AbortSignal | undefined): Promise<GarminAnswer>;
  /** A path under GARMIN_API_URL with its query. */
  url(path: string, query: Readonly<Record<string, string>>): URL;
  /** Garmin's status as its error (garmin-http.ts garminFailure). */
  failure(answer: GarminAnswer): CompanionError;
}

export class RelayBackfill {
  constructor(private readonly deps: RelayBackfillDeps) {}

  /** Plans the history of `days` before `now` in Garmin's chunks, once per link; a longer history asked later is added to the plan. */
  plan(garminUserId: string, days: number, now: number): void {
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
  async request(signal: AbortSignal | undefined, permissionMissing: Set<Stream>): Promise<number> {
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
      const url = this.deps.url(notificationOfStream(chunk.stream)?.backfillPath ?? `/wellness-api/rest/backfill/${chunk.stream}`, {
        summaryStartTimeInSeconds: String(chunk.start),
        summaryEndTimeInSeconds: String(chunk.end),
      });
      const response = await this.deps.ask(url, signal);
      if (response.status === 202 || response.status === 409) {
        this.deps.relay.markChunk(chunk.stream, chunk.start, 'requested');
        asked++;
      } else if (response.status === 412) {
        this.deps.relay.markChunk(chunk.stream, chunk.start, 'permission_missing');
        permissionMissing.add(chunk.stream);
      } else if (response.status >= 500) {
        throw this.deps.failure(response);
      } else {
        this.deps.logger.log('warn', 'relay.backfill_refused', { stream: chunk.stream, status: response.status });
        this.deps.relay.markChunk(chunk.stream, chunk.start, 'requested');
      }
    }
    return asked;
  }

  /**
   * Asks again for the upload window of pings whose callback Garmin no longer honours (a laptop
   * closed past the pull token's life), so nothing is lost. Inside the page's transaction.
   */
  askAgain(stream: Stream, range: { start: number; end: number }): void {
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
}
