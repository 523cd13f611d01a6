import { isCompanionError } from '../errors.js';
import type { Logger } from '../ports.js';
import type { SyncResult } from './sync-engine.js';

/**
 * Runs the sync while the app or `serve` runs: at start, every `intervalMs`, when asked, and after
 * the computer wakes. When Garmin cannot be reached it tries again sooner (30 s, doubling up to the
 * interval), so the copy catches up by itself once the network is back.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SyncResult | null> | null = null;
  private retryMs = 30_000;
  private stopped = false;
  private abort: AbortController | null = null;

  constructor(
    private readonly run: (signal: AbortSignal) => Promise<SyncResult>,
    private readonly canSync: () => boolean,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    /** The wait after a completed run; the interval when unset (a long-polling run needs almost none). */
    private readonly afterSuccessMs?: number,
  ) {}

  start(): void {
    this.stopped = false;
    void this.now().catch(() => undefined); // failures are logged in runOnce
  }

  /** Stops scheduling, cancels a sync under way (it resumes from its cursors next time) and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    await this.running?.catch(() => undefined);
  }

  /** Syncs now (or joins the sync under way); null when nothing is linked. */
  now(): Promise<SyncResult | null> {
    if (this.running) return this.running;
    const run = this.runOnce();
    this.running = run;
    // Cleared here, not inside runOnce: a run that ends synchronously must not leave itself behind.
    void run.then(
      () => this.afterRun(run),
      () => this.afterRun(run),
    );
    return run;
  }

  private afterRun(run: Promise<SyncResult | null>): void {
    if (this.running === run) this.running = null;
  }

  private async runOnce(): Promise<SyncResult | null> {
    if (this.timer) clearTimeout(this.timer);
    let next = this.intervalMs;
    try {
      if (!this.canSync()) return null;
      this.abort = new AbortController();
      const result = await this.run(this.abort.signal);
      if (result.outcome === 'offline') {
        next = Math.min(this.retryMs, this.intervalMs);
        this.retryMs = Math.min(this.retryMs * 2, this.intervalMs);
      } else {
        this.retryMs = 30_000;
        if (this.afterSuccessMs !== undefined) next = this.afterSuccessMs;
      }
      return result;
    } catch (error) {
      if (this.stopped) return null;
      this.logger.log('warn', 'sync.failed', { code: isCompanionError(error) ? error.code : 'unexpected' });
      if (isCompanionError(error)) throw error;
      return null;
    } finally {
      this.abort = null;
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.now().catch(() => undefined), next);
        this.timer.unref();
      }
    }
  }
}
