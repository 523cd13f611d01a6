import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompanionDeps } from '../../src-main/core/companion.js';
import type { CheckReason } from '../../src-main/core/auth/token-scheduler.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { keychainItems, startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

let sim: GarminSimulator;
let world: CoreWorld;

afterEach(async () => {
  await world?.cleanup();
  await sim?.stop();
});

/** Links an account whose access token lives `lifetime` seconds (300 is inside the 600 s margin). */
async function linked(lifetime = 300, env: Record<string, string> = {}, overrides: Partial<CompanionDeps> = {}) {
  sim = await startSimulator({ accessTokenLifetimeSeconds: lifetime });
  world = makeCoreWorld(sim, env, overrides);
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  sim.accessTokenLifetimeSeconds = 86_400;
  return world;
}

async function storedPair(w: CoreWorld) {
  const item = (await keychainItems(w.keychainService)).find((i) => i.account.startsWith('garmin-tokens:'));
  return item ? (JSON.parse(item.password) as { accessToken: string; refreshToken: string; accessTokenExpiresAt: number }) : null;
}

describe('token manager: refresh', () => {
  it('serves a fresh token without refreshing, and refreshes proactively inside the margin', async () => {
    const w = await linked(86_400);
    const a = await w.companion.getAccessToken();
    expect(sim.counts.refreshes).toBe(0);
    const b = await w.companion.getAccessToken({ minValidSeconds: 90_000 });
    expect(sim.counts.refreshes).toBe(1);
    expect(b.accessToken).not.toBe(a.accessToken);
    expect(w.companion.status().lastRefreshAt).not.toBeNull();
  });

  it('single flight in one process: 25 concurrent callers share one refresh', async () => {
    const w = await linked();
    sim.fail('refresh', { kind: 'delay', ms: 200, times: 1 });
    const tokens = await Promise.all(Array.from({ length: 25 }, () => w.companion.getAccessToken()));
    expect(sim.counts.refreshes).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
  });

  it('single flight across companions on one data folder: the SQLite lease lets one refresh', async () => {
    const w = await linked();
    const others = [w.another(), w.another(), w.another()];
    sim.fail('refresh', { kind: 'delay', ms: 300, times: 1 });
    const tokens = await Promise.all([w.companion, ...others].flatMap((c) => [c.getAccessToken(), c.getAccessToken()]));
    expect(sim.counts.refreshes).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(w.companion.status()).toMatchObject({ connected: true, lastError: null });
  });

  it('takes over a lock left by a dead process, and one held too long by a live one', async () => {
    const w = await linked();
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
    const db = new BetterSqlite3(`${w.home}/companion.db`);
    db.prepare("INSERT INTO refresh_locks (profile_id, owner, pid, acquired_at, expires_at) VALUES ('default', 'crashed', ?, ?, ?)").run(deadPid, Date.now(), Date.now() + 3_600_000);
    const started = Date.now();
    await w.companion.getAccessToken();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sim.counts.refreshes).toBe(1);

    // Held by a live process (this one) but expired: also taken over.
    db.prepare("INSERT INTO refresh_locks (profile_id, owner, pid, acquired_at, expires_at) VALUES ('default', 'stuck', ?, ?, ?)").run(process.pid, Date.now() - 100_000, Date.now() - 1);
    await w.companion.getAccessToken({ minValidSeconds: 90_000 });
    expect(sim.counts.refreshes).toBe(2);
    expect(db.prepare('SELECT count(*) AS n FROM refresh_locks').get()).toEqual({ n: 0 });
    db.close();
  });

  it('retries 5xx and network failures with backoff, then succeeds', async () => {
    const w = await linked();
    sim.fail('refresh', { kind: 'status', status: 503, times: 2 });
    const token = await w.companion.getAccessToken();
    expect(sim.counts.refreshes).toBe(3);
    expect(sim.isAccessTokenLive(token.accessToken)).toBe(true);
    expect(w.companion.status().lastError).toBeNull();
  });

  it('treats a Garmin that does not answer in time like an unreachable one', async () => {
    const w = await linked(300, { R42_HTTP_TIMEOUT_SECONDS: '1' });
    const before = await storedPair(w);
    sim.fail('refresh', { kind: 'delay', ms: 1_500, times: 1 });
    const token = await w.companion.getAccessToken();
    expect(token.accessToken).not.toBe(before!.accessToken);
    expect(sim.isAccessTokenLive(token.accessToken)).toBe(true);
  });

  it('invalid_grant: reauth_required for everyone, tokens deleted, metadata and audit kept', async () => {
    const w = await linked();
    sim.revokeAll();
    await expect(w.companion.getAccessToken()).rejects.toMatchObject({ code: 'reauth_required' });
    await expect(w.another().getAccessToken()).rejects.toMatchObject({ code: 'reauth_required' });
    expect(await storedPair(w)).toBeNull();
    expect(w.companion.status()).toMatchObject({ state: 'reauth_required', garminUserId: sim.userId, lastError: { code: 'invalid_grant' } });
    expect(w.companion.auditLog().map((e) => e.event)).toContain('account.reauth_required');
    expect(sim.counts.refreshes).toBe(1);
  });

  it('warns 14 days before the refresh token itself expires', async () => {
    sim = await startSimulator({ refreshTokenLifetimeSeconds: 10 * 24 * 3600 });
    world = makeCoreWorld(sim);
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    await browse(await approveAtGarmin(await opened));
    await outcome;
    expect(world.companion.status().refreshTokenExpiresSoon).toBe(true);
  });
});

describe('token manager: rotation survives a crash at any point', () => {
  it('crash after Garmin answered but before the keychain write: the old pair stays, whole', async () => {
    let crash = false;
    const w = await linked(300, {}, { faultPoint: (p) => {
      if (crash && p === 'after-garmin-refresh') throw new Error('simulated crash');
    } });
    const before = await storedPair(w);
    crash = true;
    await expect(w.companion.getAccessToken()).rejects.toThrow('simulated crash');
    expect(await storedPair(w)).toEqual(before);
    // Garmin rotated, so the old refresh token is spent: the next refresh says reconnect, clearly.
    crash = false;
    await expect(w.another().getAccessToken()).rejects.toMatchObject({ code: 'reauth_required' });
  });

  it('crash after the keychain write but before the database: the new pair is used, metadata catches up', async () => {
    let crash = false;
    const w = await linked(300, {}, { faultPoint: (p) => {
      if (crash && p === 'after-keychain-write') throw new Error('simulated crash');
    } });
    const before = await storedPair(w);
    crash = true;
    await expect(w.companion.getAccessToken()).rejects.toThrow('simulated crash');
    const after = await storedPair(w);
    expect(after!.refreshToken).not.toBe(before!.refreshToken);
    expect(sim.isRefreshTokenLive(after!.refreshToken)).toBe(true);
    crash = false;
    // Another process starts from what is durable: the new pair, no extra refresh needed for a 24 h token.
    sim.accessTokenLifetimeSeconds = 86_400;
    const other = w.another();
    const token = await other.getAccessToken();
    expect(token.accessToken).toBe(after!.accessToken);
    expect(Date.parse(other.status().accessTokenExpiresAt!)).toBe(after!.accessTokenExpiresAt);
    expect(sim.counts.refreshes).toBe(1);
  });
});

describe('token scheduler', () => {
  it('refreshes in the background before expiry, once, while the endpoint runs', async () => {
    const w = await linked();
    const checks: Array<[CheckReason, boolean]> = [];
    const service = await w.companion.serveAgents({ syncOnStart: false, schedulerTickMs: 100, onCheck: (r, refreshed) => checks.push([r, refreshed]) });
    try {
      await expect.poll(() => sim.counts.refreshes, { timeout: 5_000 }).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.counts.refreshes).toBe(1); // the new token lives 24 h: nothing more to do
      expect(checks[0]).toEqual(['start', true]);
      expect(checks.filter(([r]) => r === 'tick').length).toBeGreaterThan(2);
      expect(Date.parse(w.companion.status().accessTokenExpiresAt!)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    } finally {
      await service.stop();
    }
  });

  it('refreshes a short-lived token exactly when due: not at start, not per tick, once for a storm', async () => {
    // 640 s: longer than the 600 s margin, shorter than the old 600 + 60 s the scheduler used to call due.
    let offset = 0;
    const w = await linked(640, {}, { clock: { now: () => Date.now() + offset } });
    sim.accessTokenLifetimeSeconds = 640;
    const checks: Array<[CheckReason, boolean]> = [];
    const service = await w.companion.serveAgents({ syncOnStart: false, schedulerTickMs: 50, onCheck: (r, refreshed) => checks.push([r, refreshed]) });
    const ticks = () => checks.filter(([r]) => r === 'tick').length;
    try {
      await expect.poll(ticks, { timeout: 5_000 }).toBeGreaterThanOrEqual(5);
      expect(sim.counts.refreshes).toBe(0); // 640 s left is not due
      expect(checks.every(([, refreshed]) => !refreshed)).toBe(true);

      offset = 60_000; // now it expires within the margin
      const { token } = JSON.parse(readFileSync(path.join(w.home, 'agent.json'), 'utf8')) as { token: string };
      const storm = await Promise.all([
        ...Array.from({ length: 40 }, () => fetch(`${service.url}/v1/token`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ access_token: string }>)),
        service.resume().then(() => null),
      ]);
      const handed = new Set(storm.filter((t) => t !== null).map((t) => t.access_token));
      expect(handed.size).toBe(1);
      const after = ticks();
      await expect.poll(ticks, { timeout: 5_000 }).toBeGreaterThanOrEqual(after + 5);
      // The new token lives 640 s again: not due, so no tick refreshes it.
      expect(sim.counts.refreshes).toBe(1);
      expect(sim.isAccessTokenLive([...handed][0]!)).toBe(true);
    } finally {
      await service.stop();
    }
  });

  it('checks at once after the computer wakes (a jump in wall-clock time) and on resume', async () => {
    let offset = 0;
    const w = await linked(86_400, {}, { clock: { now: () => Date.now() + offset } });
    const checks: Array<[CheckReason, boolean]> = [];
    const service = await w.companion.serveAgents({ syncOnStart: false, schedulerTickMs: 100, onCheck: (r, refreshed) => checks.push([r, refreshed]) });
    try {
      await new Promise((r) => setTimeout(r, 250));
      expect(sim.counts.refreshes).toBe(0);
      offset = 23.9 * 3600_000; // slept nearly a day: the token is now inside the margin
      await expect.poll(() => checks.some(([r, refreshed]) => r === 'wake' && refreshed), { timeout: 3_000 }).toBe(true);
      expect(sim.counts.refreshes).toBe(1);
      await service.resume();
      expect(checks.at(-1)).toEqual(['resume', false]);
    } finally {
      await service.stop();
    }
  });
});
