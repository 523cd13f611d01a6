import { describe, expect, it, vi } from 'vitest';
import { SyncScheduler } from '../../src-main/core/sync/sync-scheduler.js';
import { TokenScheduler } from '../../src-main/core/auth/token-scheduler.js';
import { silentLogger } from '../../src-main/core/ports.js';

describe('schedulers never get stuck on a run that ended at once', () => {
  it('sync: runs again after a run with nothing linked', async () => {
    let linked = false;
    let runs = 0;
    const scheduler = new SyncScheduler(
      async () => {
        runs++;
        return { outcome: 'completed', windows: 0, stored: 0, skipped: 0, permissionMissing: [] };
      },
      () => linked,
      silentLogger,
      3_600_000,
    );
    expect(await scheduler.now()).toBeNull();
    linked = true;
    expect(await scheduler.now()).toMatchObject({ outcome: 'completed' });
    expect(runs).toBe(1);
    // Concurrent callers join the run under way.
    const [a, b] = await Promise.all([scheduler.now(), scheduler.now()]);
    expect(a).toBe(b);
    expect(runs).toBe(2);
    await scheduler.stop();
  });

  it('sync: after an offline run it tries again in 30 s, doubling, and back to the interval once online', async () => {
    vi.useFakeTimers();
    try {
      const outcomes: Array<'offline' | 'completed'> = ['offline', 'offline', 'completed', 'completed'];
      const at: number[] = [];
      const scheduler = new SyncScheduler(
        async () => {
          at.push(Date.now());
          return { outcome: outcomes.shift() ?? 'completed', windows: 0, stored: 0, skipped: 0, permissionMissing: [] };
        },
        () => true,
        silentLogger,
        15 * 60_000,
      );
      const t0 = Date.now();
      scheduler.start();
      await vi.advanceTimersByTimeAsync(30_000); // first retry
      await vi.advanceTimersByTimeAsync(60_000); // second retry, doubled
      await vi.advanceTimersByTimeAsync(15 * 60_000); // back to the interval
      expect(at.map((t) => t - t0)).toEqual([0, 30_000, 90_000, 90_000 + 15 * 60_000]);
      await scheduler.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('token: checks again after a check that had nothing to do', async () => {
    let expiresAt: number | null = Date.now() + 86_400_000;
    let refreshes = 0;
    const scheduler = new TokenScheduler({
      clock: { now: () => Date.now() },
      logger: silentLogger,
      refreshMarginSeconds: 600,
      accessTokenExpiresAt: () => expiresAt,
      refresh: async () => {
        refreshes++;
        expiresAt = Date.now() + 86_400_000;
      },
    });
    await scheduler.check('tick');
    expiresAt = Date.now() + 60_000;
    await scheduler.check('tick');
    expect(refreshes).toBe(1);
  });

  it('token: checks at the moment the token becomes due when that comes before the next tick', async () => {
    vi.useFakeTimers();
    try {
      let expiresAt = Date.now() + 600_000 + 10_000; // due in 10 s; the next tick is in 30 s
      const refreshedAt: number[] = [];
      const t0 = Date.now();
      const scheduler = new TokenScheduler({
        clock: { now: () => Date.now() },
        logger: silentLogger,
        refreshMarginSeconds: 600,
        tickMs: 30_000,
        accessTokenExpiresAt: () => expiresAt,
        refresh: async () => {
          refreshedAt.push(Date.now() - t0);
          expiresAt = Date.now() + 86_400_000;
        },
      });
      scheduler.start();
      await vi.advanceTimersByTimeAsync(9_999);
      expect(refreshedAt).toEqual([]);
      await vi.advanceTimersByTimeAsync(2);
      expect(refreshedAt).toEqual([10_001]);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(refreshedAt).toEqual([10_001]);
      scheduler.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
