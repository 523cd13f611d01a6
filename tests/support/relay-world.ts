/**
 * Garmin's production data path for the relay tests: the simulator in production mode ("now"
 * fixed) POSTs to a real R42 server, and runners' computers are linked through it as they are in
 * production — R42's public client id and the server's URL, no client secret, no token URL.
 */
import type { CompanionDeps } from '../../src-main/core/companion.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { GarminSimulator, ProductionMode } from '../simulator/garmin-simulator.js';
import { makeCoreWorld, type CoreWorld } from './core-world.js';
import { startSimulator } from './harness.js';
import { freePort } from './postgres.js';
import { serverEnv, startTestServer } from './r42-server.js';

export interface RelayGarmin {
  readonly sim: GarminSimulator;
  readonly server: Awaited<ReturnType<typeof startTestServer>>;
  /** The redirect URI the server's client is registered with (the computers' loopback callback). */
  readonly redirect: string;
  /** "Now" for the simulator's data and the computers' clocks, in epoch seconds (a test may move it). */
  readonly now: () => number;
}

/**
 * The simulator (its data at `now()`) delivering by webhook to an R42 server on `store`:
 * activities pushed, the other types pinged, unless `delivery` says otherwise.
 */
export async function startRelayGarmin(
  store: SqlStore,
  now: () => number,
  options: { delivery?: ProductionMode['delivery']; serverExtra?: Record<string, string> } = {},
): Promise<RelayGarmin> {
  const sim = await startSimulator();
  try {
    sim.dataNow = now;
    const redirect = `http://127.0.0.1:${await freePort()}/callback`;
    const server = await startTestServer(serverEnv(sim, [redirect], options.serverExtra ?? {}), { store });
    sim.production = { webhookUrl: server.webhookUrl, delivery: options.delivery ?? { activities: 'push' }, firstBackoffMs: 50 };
    return { sim, server, redirect, now };
  } catch (error) {
    await sim.stop();
    throw error;
  }
}

/**
 * A runner's computer for the relay, not signed in yet: what it has in production (R42's public
 * client id and server URL; no secret, no token URL), `days` of history asked for, its clock at
 * the relay's "now" and its waits cut to 20 ms.
 */
export function relayComputer(relay: RelayGarmin, days: number, env: Record<string, string> = {}, overrides: Partial<CompanionDeps> = {}): CoreWorld {
  return makeCoreWorld(
    relay.sim,
    { R42_SERVER_URL: relay.server.url, GARMIN_REDIRECT_URI: relay.redirect, R42_BACKFILL_DAYS: String(days), GARMIN_CLIENT_SECRET: '', GARMIN_TOKEN_URL: '', ...env },
    {
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
      clock: { now: () => relay.now() * 1000 },
      ...overrides,
    },
  );
}
