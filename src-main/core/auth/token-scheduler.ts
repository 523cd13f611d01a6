import { isCompanionError } from '../errors.js';
import type { Clock, Logger } from '../ports.js';

export type CheckReason = 'start' | 'tick' | 'wake' | 'resume';

export interface TokenSchedulerDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** When the current access token expires, or null when nothing is linked/usable. */
  readonly accessTokenExpiresAt: () => number | null;
  /**
   * Refreshes through the token manager (so the single-flight and lock rules hold), asking for no
   * more than the margin: the manager then refreshes exactly when this scheduler finds it due.
   */
  readonly refresh: () => Promise<void>;
  /** The token manager's margin: a token is due when it expires within this. */
  readonly refreshMarginSeconds: number;
  /** How often to look; also the resolution of wake detection. */
  readonly tickMs?: number;
  readonly onCheck?: (reason: CheckReason, refreshed: boolean) => void;
}

/**
 * Refreshes the access token in the background when it becomes due (expires within the margin),
 * while the app or `serve` runs, and again at once after the computer wakes (seen as a gap in
 * wall-clock time between ticks, or told by the shell through `resume()`). "Due" is the token
 * manager's own rule, never an earlier one: a token that lives barely longer than the margin is
 * refreshed once when due, not at every tick.
 */
export class TokenScheduler {
  private timer: NodeJS.Timeout | null = null;
  private lastTick = 0;
  private running: Promise<void> | null = null;
  /** A one-shot check at the moment the token becomes due, when that comes before the next tick. */
  private dueTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: TokenSchedulerDeps) {}

  start(): void {
    if (this.timer) return;
    this.lastTick = this.deps.clock.now();
    const tickMs = this.deps.tickMs ?? 30_000;
    this.timer = setInterval(() => {
      const now = this.deps.clock.now();
      const slept = now - this.lastTick > tickMs * 2 + 5_000;
      this.lastTick = now;
      void this.check(slept ? 'wake' : 'tick');
    }, tickMs);
    this.timer.unref();
    void this.check('start');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
  }

  /** For the shell's power-resume event. */
  resume(): Promise<void> {
    return this.check('resume');
  }

  /** Refreshes when the token expires within the margin. Never throws. */
  check(reason: CheckReason): Promise<void> {
    if (this.running) return this.running;
    const run = this.runCheck(reason);
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = null;
    });
    return run;
  }

  private async runCheck(reason: CheckReason): Promise<void> {
    let refreshed = false;
    try {
      const expiresAt = this.deps.accessTokenExpiresAt();
      const due = expiresAt !== null && expiresAt - this.deps.clock.now() <= this.deps.refreshMarginSeconds * 1000;
      if (due) {
        await this.deps.refresh();
        refreshed = true;
      }
      this.checkAgainWhenDue();
      if (reason === 'wake' || reason === 'resume') this.deps.logger.log('info', 'token.scheduler_wake', { reason, refreshed });
    } catch (error) {
      this.deps.logger.log('warn', 'token.scheduled_refresh_failed', { reason, code: isCompanionError(error) ? error.code : 'unexpected' });
    } finally {
      this.deps.onCheck?.(reason, refreshed);
    }
  }

  /** Without this, a token due between two ticks would make the next agent wait for its refresh. */
  private checkAgainWhenDue(): void {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    const expiresAt = this.deps.accessTokenExpiresAt();
    if (!this.timer || expiresAt === null) return;
    const untilDue = expiresAt - this.deps.refreshMarginSeconds * 1000 - this.deps.clock.now();
    if (untilDue <= 0 || untilDue >= (this.deps.tickMs ?? 30_000)) return;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      void this.check('tick');
    }, untilDue + 1);
    this.dueTimer.unref();
  }
}
