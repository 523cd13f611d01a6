/**
 * Training data into the local copy, one way or the other: pulled from Garmin in windows
 * (sync-engine.ts over data-source.ts) or drained from R42's relay (relay-sync.ts), under one sync
 * lease per data folder whichever it is, and the status and freshness that follow (sync-status.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Freshness, SyncStatus } from '../../../src-common/contract.js';
import type { CompanionConfig } from '../config.js';
import { CompanionError } from '../errors.js';
import type { Clock, Fetch, Logger } from '../ports.js';
import type { RelayRepo } from '../store/relay-repo.js';
import type { AccountsRepo, RefreshLocksRepo } from '../store/repos.js';
import type { TrainingRepo } from '../store/training-repo.js';
import { GarminPullSource, type DataSource } from './data-source.js';
import { RelaySync } from './relay-sync.js';
import { SyncEngine, type SyncProgress, type SyncResult } from './sync-engine.js';
import { createSyncStatus } from './sync-status.js';

/** How long the app's and `serve`'s relay pass waits for new notifications before asking again. */
export const RELAY_LONG_POLL_SECONDS = 25;
/** The sync lease's life: one window's or page's worst case (a Retry-After wait plus a slow request); renewed after each. */
const LEASE_MS = 5 * 60_000;

export interface SyncServiceDeps {
  readonly config: CompanionConfig;
  readonly training: TrainingRepo;
  readonly relayRepo: RelayRepo;
  readonly accounts: AccountsRepo;
  /** The `sync_leases` table: one sync per data folder, across processes. */
  readonly leases: RefreshLocksRepo;
  readonly profileId: string;
  /** Whether the process holding a lease is still alive (a dead holder's lease is taken over). */
  isProcessAlive(pid: number): boolean;
  /** The runner's access token (refreshed first when `force`). */
  token(force: boolean): Promise<string>;
  /** The relay heard that the runner removed R42 in Garmin Connect (account-service.ts confirms it). */
  onDeregistered(): Promise<void>;
  /** Where pulled data comes from; Garmin's pull API by default. */
  readonly dataSource?: DataSource;
  readonly fetch: Fetch;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  /** Imports an activity file's FIT bytes (the Activity API's activityFiles pings through the relay). */
  readonly importActivityFile?: (name: string, bytes: Uint8Array, activityId: string | null) => Promise<void>;
}

export interface SyncService {
  sync(options?: { days?: number; signal?: AbortSignal; onProgress?: (p: SyncProgress) => void; waitSeconds?: number }): Promise<SyncResult>;
  status(): SyncStatus;
  freshness(): Freshness;
  /** The relay's side of this computer, when data comes through R42's server. */
  readonly relay: RelaySync | null;
}

export function createSyncService(deps: SyncServiceDeps): SyncService {
  const { config, training, relayRepo, accounts, leases, profileId, clock, logger, isProcessAlive } = deps;
  const source: DataSource = deps.dataSource ?? new GarminPullSource(config.garmin.apiUrl, deps.fetch, config.httpTimeoutMs, (force) => deps.token(force));
  const engine = new SyncEngine({ repo: training, source, clock, logger, sleep: deps.sleep });
  const relay =
    config.dataDelivery === 'relay' && config.serverUrl
      ? new RelaySync({
          training,
          relay: relayRepo,
          serverUrl: config.serverUrl,
          apiUrl: config.garmin.apiUrl,
          fetch: deps.fetch,
          timeoutMs: config.httpTimeoutMs,
          token: (force) => deps.token(force),
          onDeregistered: () => deps.onDeregistered(),
          permissions: () => accounts.get(profileId)?.permissions ?? [],
          clock,
          logger,
          sleep: deps.sleep,
          ...(deps.importActivityFile ? { importActivityFile: deps.importActivityFile } : {}),
        })
      : null;
  const syncState = createSyncStatus({
    streams: () => training.streams(),
    pullRunning: () => leases.isHeld(profileId, clock.now(), isProcessAlive),
    relay: relay ? { busy: () => relay.busy, progress: () => relay.backfillProgress(), state: () => relayRepo.state() } : null,
    delivery: config.dataDelivery,
    staleAfterMs: config.sync.staleAfterMs,
    clock,
  });

  return {
    relay,
    status: () => syncState.status(),
    freshness: () => syncState.freshness(),

    async sync(options = {}) {
      const account = accounts.get(profileId);
      if (!account) throw new CompanionError('not_connected', 'No Garmin account is linked. Run `r42-companion login` first.');
      if (account.status === 'reauth_required') throw new CompanionError('reauth_required', 'Garmin needs you to reconnect before data can sync. Run `r42-companion login`.');
      const days = options.days ?? config.sync.backfillDays;
      const owner = randomUUID();
      if (!leases.tryAcquire(profileId, owner, process.pid, clock.now(), LEASE_MS, isProcessAlive)) {
        throw new CompanionError('sync_in_progress', 'Another R42 Companion process is syncing Garmin data right now; it will finish the job.');
      }
      const renewLease = () => {
        if (!leases.renew(profileId, owner, clock.now() + LEASE_MS)) throw new CompanionError('sync_in_progress', 'Another process took over the sync.');
      };
      try {
        if (!relay) return await engine.run({ days, renewLease, signal: options.signal, onProgress: options.onProgress });
        return await relay.run({ days, garminUserId: account.garminUserId, renewLease, waitSeconds: options.waitSeconds, signal: options.signal, onProgress: options.onProgress });
      } finally {
        leases.release(profileId, owner);
      }
    },
  };
}
