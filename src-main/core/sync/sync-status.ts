/**
 * How fresh the local training data is and how far the history load has come, from the streams'
 * cursors (pull) or the relay's progress: what `status`, every data answer (`last_sync_at`,
 * `stale`) and the app's progress bar show. Reads only; the shapes are src-common/contract.ts's.
 */
import { STREAMS, type StreamState } from '../store/training-repo.js';
import { DAY_S } from '../../../src-common/dates.js';
import type { Freshness, SyncStatus } from '../../../src-common/contract.js';
import type { Clock } from '../ports.js';


const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What the status reads: the store's streams, the sync lease, and the relay when there is one. */
export interface SyncStatusDeps {
  readonly streams: () => readonly StreamState[];
  /** Whether a pull sync holds the data folder's lease right now. */
  readonly pullRunning: () => boolean;
  readonly relay: {
    /** A relay pass is moving data now (the lease is held through each long poll). */
    readonly busy: () => boolean;
    readonly progress: () => { readonly requested: number; readonly total: number };
    readonly state: () => { readonly summariesReceived: number; readonly lastDeliveryAt: number | null };
  } | null;
  readonly delivery: 'relay' | 'pull';
  readonly staleAfterMs: number;
  readonly clock: Clock;
}

/**
 * The pulled history in 24 h windows: done and total over all streams. A stream Garmin refuses
 * (412: not shared) has nothing left to load: its windows count as done.
 */
export function pullBackfill(streams: readonly StreamState[]): { done: number; total: number } {
  const done = streams.reduce((n, st) => n + Math.ceil((st.backfillStart - (st.state === 'permission_missing' ? st.backfillFloor : st.backfillNextEnd)) / DAY_S), 0);
  const total = streams.reduce((n, st) => n + Math.ceil((st.backfillStart - st.backfillFloor) / DAY_S), 0);
  return { done: Math.min(done, total), total };
}

/**
 * When the data was last complete: the oldest of the streams' last successes, once every stream
 * has succeeded (or those not shared are the only ones missing); null before that.
 */
export function lastCompleteSync(streams: readonly StreamState[]): number | null {
  const successes = streams.map((st) => st.lastSuccessAt).filter((t): t is number => t !== null);
  const complete = successes.length === STREAMS.length || (successes.length > 0 && streams.some((st) => st.state === 'permission_missing'));
  return complete ? Math.min(...successes) : null;
}

export function createSyncStatus(deps: SyncStatusDeps): { status(): SyncStatus; freshness(): Freshness } {
  const isStale = (last: number | null) => last === null || deps.clock.now() - last > deps.staleAfterMs;
  return {
    status() {
      const streams = deps.streams();
      const last = lastCompleteSync(streams);
      const relay = deps.relay;
      const progress = relay?.progress() ?? null;
      const relayState = relay?.state() ?? null;
      return {
        // With the relay the lease is held through each long poll: "running" means data is moving now.
        running: relay ? relay.busy() : deps.pullRunning(),
        lastSyncAt: iso(last),
        stale: isStale(last),
        backfill: progress ? { done: progress.requested, total: progress.total } : pullBackfill(streams),
        streams: STREAMS.map((stream) => {
          const st = streams.find((x) => x.stream === stream);
          return { stream, state: st?.state ?? 'pending', lastErrorCode: st?.lastErrorCode ?? null, skippedRecords: st?.skippedRecords ?? 0 };
        }),
        delivery: deps.delivery,
        relay:
          progress && relayState
            ? { historyRequested: progress.requested, historyTotal: progress.total, summariesReceived: relayState.summariesReceived, lastDeliveryAt: iso(relayState.lastDeliveryAt) }
            : null,
      };
    },
    /** The same `last_sync_at` and `stale` as status() gives, from the streams alone. */
    freshness() {
      const last = lastCompleteSync(deps.streams());
      return { last_sync_at: iso(last), stale: isStale(last) };
    },
  };
}
