import { isCompanionError } from '../errors.js';
import { DAY_S } from '../../../src-common/dates.js';
import type { Clock, Logger } from '../ports.js';
import { STREAMS, type Stream, type TrainingRepo } from '../store/training-repo.js';
import { withRetry } from '../retry.js';
import { PermissionMissing, type DataSource } from './data-source.js';


export interface SyncProgress {
  readonly phase: 'incremental' | 'backfill';
  readonly done: number;
  readonly total: number;
  readonly stream: Stream;
}

export interface SyncResult {
  /** `completed`; `offline` when the network went away (it resumes from the cursors next time). */
  readonly outcome: 'completed' | 'offline';
  readonly windows: number;
  readonly stored: number;
  readonly skipped: number;
  readonly permissionMissing: readonly Stream[];
}

export interface SyncEngineDeps {
  readonly repo: TrainingRepo;
  readonly source: DataSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  /** Longest wait for a 429's Retry-After before giving up this run. */
  readonly maxRetryAfterSeconds?: number;
}

/**
 * Brings the local copy up to date: first the new upload windows since each stream's cursor
 * (oldest first, so the cursor only moves forward), then the backfill, newest first, down to the
 * floor. Every window commits its rows with its position, so a kill never loses or duplicates.
 * The caller holds the data folder's sync lease (sync-service.ts); `renewLease` keeps it after
 * each window and throws when another process took it over.
 */
export class SyncEngine {
  constructor(private readonly deps: SyncEngineDeps) {}

  async run(options: { days: number; renewLease: () => void; signal?: AbortSignal; onProgress?: (p: SyncProgress) => void }): Promise<SyncResult> {
    const { repo, clock } = this.deps;
    const now = Math.floor(clock.now() / 1000);
    for (const stream of STREAMS) repo.ensureStream(stream, now, options.days);
    const states = new Map(repo.streams().map((s) => [s.stream, s]));
    const tasks: Array<{ stream: Stream; phase: SyncProgress['phase']; start: number; end: number }> = [];
    for (const stream of STREAMS) {
      const s = states.get(stream)!;
      for (let start = s.cursor; start < now; start += DAY_S) tasks.push({ stream, phase: 'incremental', start, end: Math.min(start + DAY_S, now) });
    }
    const backfill = STREAMS.map((stream) => {
      const s = states.get(stream)!;
      const windows: Array<{ start: number; end: number }> = [];
      for (let end = s.backfillNextEnd; end > s.backfillFloor; end -= DAY_S) windows.push({ start: Math.max(s.backfillFloor, end - DAY_S), end });
      return { stream, windows };
    });
    // Newest first across streams: the same days fill in for every stream together.
    for (let i = 0; backfill.some((b) => i < b.windows.length); i++) {
      for (const b of backfill) if (i < b.windows.length) tasks.push({ stream: b.stream, phase: 'backfill', ...b.windows[i]! });
    }

    const skippedStreams = new Set<Stream>();
    let stored = 0;
    let skipped = 0;
    let done = 0;
    for (const task of tasks) {
      options.signal?.throwIfAborted();
      if (skippedStreams.has(task.stream)) {
        done++;
        continue;
      }
      let records: unknown[];
      try {
        records = await this.fetchWithRetry(task.stream, task.start, task.end, options.signal);
      } catch (error) {
        if (error instanceof PermissionMissing) {
          skippedStreams.add(task.stream);
          repo.markStream(task.stream, 'permission_missing', 'permission_missing', clock.now());
          this.deps.logger.log('info', 'sync.permission_missing', { stream: task.stream });
          done++;
          continue;
        }
        if (isCompanionError(error, 'garmin_unreachable')) {
          this.deps.logger.log('warn', 'sync.offline', { stream: task.stream });
          for (const stream of STREAMS) if (!skippedStreams.has(stream)) repo.markStream(stream, 'error', 'garmin_unreachable', clock.now());
          return { outcome: 'offline', windows: done, stored, skipped, permissionMissing: [...skippedStreams] };
        }
        if (isCompanionError(error)) for (const stream of STREAMS) repo.markStream(stream, 'error', error.code, clock.now());
        throw error;
      }
      const result = repo.applyWindow(task.stream, records, task.phase === 'incremental' ? { cursor: task.end } : { backfillNextEnd: task.start }, Math.floor(clock.now() / 1000));
      if (result.skipped) this.deps.logger.log('warn', 'sync.records_skipped', { stream: task.stream, count: result.skipped, windowStart: task.start });
      stored += result.stored;
      skipped += result.skipped;
      done++;
      options.renewLease();
      options.onProgress?.({ phase: task.phase, done, total: tasks.length, stream: task.stream });
    }
    for (const stream of STREAMS) if (!skippedStreams.has(stream)) repo.markStream(stream, 'ok', null, clock.now());
    this.deps.logger.log('info', 'sync.completed', { windows: tasks.length, stored, skipped });
    return { outcome: 'completed', windows: tasks.length, stored, skipped, permissionMissing: [...skippedStreams] };
  }

  /** One window, retried on what Garmin marks retryable: a 5xx with backoff, a 429 after its Retry-After (within a bound). */
  private fetchWithRetry(stream: Stream, start: number, end: number, signal?: AbortSignal): Promise<unknown[]> {
    return withRetry(() => this.deps.source.fetchWindow(stream, start, end, signal), {
      retries: 3,
      sleep: this.deps.sleep,
      maxRetryAfterSeconds: this.deps.maxRetryAfterSeconds ?? 120,
      onRetry: (error) => {
        const retryAfterSeconds = isCompanionError(error) ? error.retryAfterSeconds : undefined;
        if (retryAfterSeconds !== undefined) this.deps.logger.log('info', 'sync.rate_limited', { stream, retryAfterSeconds });
      },
    });
  }
}
