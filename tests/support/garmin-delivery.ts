/**
 * Garmin's production path, whole, for tests that deliver given payloads: the simulator in
 * production mode POSTs to a real R42 server (PGlite or a throwaway PostgreSQL), and two real
 * companions are linked through it, one whose data Garmin pings (the desktop pulls the callback
 * from the simulator) and one whose data Garmin pushes. Each runs its agent endpoint, so a test
 * reads what it delivered where a coach reads it: the HTTP routes and the MCP tools.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AgentService } from '../../src-main/core/companion.js';
import { openPgliteStore } from '../../src-server/store/pglite-store.js';
import { openPostgresStore } from '../../src-server/store/postgres-store.js';
import type { SqlStore } from '../../src-server/store/sql-store.js';
import type { Delivery, GarminSimulator } from '../simulator/garmin-simulator.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from './core-world.js';
import { startSimulator } from './harness.js';
import { freePort, startTestPostgres, type TestPostgres } from './postgres.js';
import { serverEnv, startTestServer } from './r42-server.js';

/** A linked companion and how a test reads it. */
export interface Runner {
  readonly garminUserId: string;
  readonly delivery: Delivery;
  readonly world: CoreWorld;
  readonly service: AgentService;
  /** GET on its agent endpoint with the owner's secret: status and parsed JSON. */
  get(target: string): Promise<{ status: number; body: unknown }>;
  /** A tools/call over MCP (Streamable HTTP, a named grant): the structured content, or throws on a tool error. */
  tool(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface DeliveryWorld {
  readonly sim: GarminSimulator;
  readonly server: Awaited<ReturnType<typeof startTestServer>>;
  readonly store: SqlStore;
  readonly runners: { readonly ping: Runner; readonly push: Runner };
  /** Every runner, pinged and pushed. */
  readonly all: readonly Runner[];
  /** Uploads records under a documented key for each runner, delivered the runner's way. */
  upload(key: string, records: ReadonlyArray<Record<string, unknown>>): void;
  /** Waits for every webhook delivery, then syncs each runner (one relay pass). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** "Now" for the simulator and the companions: generated data then lies far from any documented example. */
export const DELIVERY_NOW_S = Math.floor(Date.UTC(2026, 2, 15, 11, 0, 0) / 1000);

export async function startDeliveryWorld(kind: 'pglite' | 'postgres'): Promise<DeliveryWorld> {
  let pg: TestPostgres | undefined;
  let store: SqlStore;
  if (kind === 'postgres') {
    pg = await startTestPostgres();
    store = await openPostgresStore(pg.url);
  } else store = await openPgliteStore(null);
  const sim = await startSimulator();
  sim.dataNow = () => DELIVERY_NOW_S;
  const redirect = `http://127.0.0.1:${await freePort()}/callback`;
  const server = await startTestServer(serverEnv(sim, [redirect]), { store });
  sim.production = { webhookUrl: server.webhookUrl, firstBackoffMs: 50, maxAttempts: 3 };
  const clients: Client[] = [];

  const link = async (garminUserId: string, delivery: Delivery): Promise<Runner> => {
    sim.userId = garminUserId;
    const world = makeCoreWorld(sim, { R42_SERVER_URL: server.url, GARMIN_REDIRECT_URI: redirect, R42_BACKFILL_DAYS: '1', GARMIN_CLIENT_SECRET: '', GARMIN_TOKEN_URL: '' }, {
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    });
    const opened = world.browser.next();
    const outcome = world.companion.signIn({ timeoutMs: 15_000 });
    await browse(await approveAtGarmin(await opened));
    await outcome;
    const service = await world.companion.serveAgents({ syncOnStart: false });
    const owner = (JSON.parse(readFileSync(path.join(world.home, 'agent.json'), 'utf8')) as { token: string }).token;
    const { secret } = world.companion.agents.add('documented-payloads');
    const client = new Client({ name: 'documented-payloads', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${secret}` } } }));
    clients.push(client);
    return {
      garminUserId,
      delivery,
      world,
      service,
      async get(target) {
        const res = await fetch(`${service.url}${target}`, { headers: { authorization: `Bearer ${owner}` } });
        return { status: res.status, body: (await res.json()) as unknown };
      },
      async tool(name, args = {}) {
        const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
        if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.content)}`);
        return result.structuredContent as Record<string, unknown>;
      },
    };
  };

  // Garmin's two documented user id forms: 32 hex and a UUID.
  const ping = await link('4aacafe82427c251df9c9592d0c06768', 'ping');
  const push = await link('31be9cac-5bf9-406b-9fa8-89879bcaceac', 'push');
  const all = [ping, push];
  const settle = async () => {
    await sim.deliveriesSettled();
    for (const runner of all) {
      const result = await runner.world.companion.sync();
      if (result.outcome !== 'completed') throw new Error(`the ${runner.delivery} runner's sync ended ${result.outcome}`);
    }
  };
  // The history asked for after the link (one day of the simulator's own data) is in before any test delivers.
  for (const runner of all) await runner.world.companion.sync();
  await settle();
  return {
    sim,
    server,
    store,
    runners: { ping, push },
    all,
    upload(key, records) {
      for (const runner of all) sim.uploadRecords(key, records, { delivery: runner.delivery, userId: runner.garminUserId });
    },
    settle,
    async close() {
      for (const client of clients) await client.close().catch(() => undefined);
      for (const runner of all) {
        await runner.service.stop();
        await runner.world.cleanup();
      }
      await server.stop();
      await sim.stop();
      await store.close();
      pg?.stop();
    },
  };
}
