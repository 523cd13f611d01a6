import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import { makeWorld, ROOT, runCli, startSimulator, type World } from '../support/harness.js';
import { freePort } from '../support/postgres.js';
import { serverEnv, startTestServer } from '../support/r42-server.js';

/**
 * Garmin spends a refresh token the moment it rotates it. A desktop killed right then, before the
 * new pair reaches its keychain, comes back with a spent token. These series kill the real CLI
 * (bundled, as installed) with SIGKILL 0–10 ms after the simulator rotated, over and over, and
 * count the links lost.
 */
const BUNDLE_DIR = path.join(ROOT, 'dist/test-kill-series');
const BUNDLE = path.join(BUNDLE_DIR, 'index.js');
const ACCESS_TOKEN_SECONDS = 650;
/** More validity than any token has, so every run refreshes. */
const MIN_VALID = String(ACCESS_TOKEN_SECONDS + 50);

interface SeriesResult {
  readonly runs: number;
  readonly killed: number;
  readonly lost: number;
}

/** The run that a kill hook (Garmin rotating, or the broker replaying a rotation) may kill now. */
let victim: { child: ReturnType<typeof spawn>; afterMs: number } | null = null;
const killVictim = () => {
  const target = victim;
  if (!target) return;
  victim = null;
  if (target.afterMs === 0) target.child.kill('SIGKILL');
  else setTimeout(() => target.child.kill('SIGKILL'), target.afterMs);
};

async function runToken(world: World, killAfterMs: number | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [BUNDLE, 'token', '--min-valid', MIN_VALID], { cwd: ROOT, env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  victim = killAfterMs === null ? null : { child, afterMs: killAfterMs };
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  victim = null;
  return { code, signal, stderr };
}

async function login(world: World): Promise<void> {
  const result = await runCli(['login', '--timeout', '20'], world.env);
  if (result.code !== 0) throw new Error(`login failed: ${result.stderr}`);
}

/**
 * Refreshes until `kills` runs were killed 0–10 ms after Garmin rotated, or (through the broker)
 * 0–10 ms after the broker answered a spent token with the kept rotation: the same window, hit a
 * second and third time. After three kills in a row a run is left alone, so the link is proven to
 * work before the next kill. A lost link is counted and linked again.
 */
async function series(world: World, kills: number, delays: (i: number) => number = (i) => i % 11): Promise<SeriesResult> {
  let killed = 0;
  let lost = 0;
  let runs = 0;
  let inARow = 0;
  for (let i = 0; killed < kills && i < kills * 3; i++, runs++) {
    const result = await runToken(world, inARow >= 3 ? null : delays(i));
    if (result.signal === 'SIGKILL') {
      killed++;
      inARow++;
      continue;
    }
    inARow = 0;
    if (result.code === 4) {
      // A kill cost the link: Garmin refused the spent refresh token.
      lost++;
      await login(world);
    } else if (result.code !== 0) throw new Error(`token failed (${result.code}): ${result.stderr}`);
  }
  const last = await runToken(world, null);
  if (last.code === 4) lost++;
  return { runs, killed, lost };
}

describe('kill -9 right after Garmin rotated the refresh token', () => {
  let store: SqlStore;

  beforeAll(async () => {
    await build({
      entryPoints: [path.join(ROOT, 'src-main/cli/index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      // As scripts/build.mjs builds the installed CLI: split, so `token` loads only what it needs.
      splitting: true,
      outdir: BUNDLE_DIR,
      chunkNames: 'chunks/[name]-[hash]',
      logLevel: 'warning',
    });
    store = await openPgliteStore(null);
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  async function brokerWorld(replaySeconds: string) {
    const sim = await startSimulator({ accessTokenLifetimeSeconds: ACCESS_TOKEN_SECONDS });
    sim.onRotate = killVictim;
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const server = await startTestServer(serverEnv(sim, [redirect], { RATE_LIMIT_PER_MINUTE: '100000', ROTATION_REPLAY_SECONDS: replaySeconds }), {
      store,
      // The request's log line is written just before its answer: a kill here lands in the same window.
      onLog: (line) => {
        if (line.fields.outcome === 'replayed') killVictim();
      },
    });
    const world = makeWorld(sim, { R42_SERVER_URL: server.url, GARMIN_REDIRECT_URI: redirect });
    delete world.env.GARMIN_CLIENT_SECRET;
    delete world.env.GARMIN_TOKEN_URL;
    await login(world);
    return {
      sim,
      world,
      server,
      async close() {
        await server.stop();
        await sim.stop();
        await world.cleanup();
      },
    };
  }

  it('loses no link in 200 kills through the R42 server: the broker answers the spent token with the same rotation', { timeout: 420_000 }, async () => {
    const w = await brokerWorld('300');
    try {
      const result = await series(w.world, 200);
      console.log(`kill series through the broker: ${JSON.stringify(result)}, refreshes at Garmin: ${w.sim.counts.refreshes}`);
      expect(result.killed).toBe(200);
      expect(result.lost).toBe(0);
      // Every kill after a rotation was answered by a replay (some of them killed again).
      expect(w.server.lines.filter((l) => l.fields.outcome === 'replayed').length).toBeGreaterThanOrEqual(result.killed / 2);
    } finally {
      await w.close();
    }
  });

  it('loses links without the broker’s replay, and in the own-secret mode (the figures the broker closes)', { timeout: 300_000 }, async () => {
    const w = await brokerWorld('0');
    let withoutReplay: SeriesResult;
    try {
      // Killed the moment Garmin rotates (before its answer leaves): the control case, whatever the machine's load.
      withoutReplay = await series(w.world, 5, () => 0);
    } finally {
      await w.close();
    }
    const sim = await startSimulator({ accessTokenLifetimeSeconds: ACCESS_TOKEN_SECONDS });
    sim.onRotate = killVictim;
    const world = makeWorld(sim);
    let ownSecret: SeriesResult;
    try {
      await login(world);
      ownSecret = await series(world, 5, () => 0);
    } finally {
      await sim.stop();
      await world.cleanup();
    }
    console.log(`kill series, broker without replay: ${JSON.stringify(withoutReplay)}; own developer app (secret on the desktop): ${JSON.stringify(ownSecret)}`);
    expect(withoutReplay.lost).toBeGreaterThan(0);
    expect(ownSecret.lost).toBeGreaterThan(0);
  });
});
