import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createServerApp, type ServerApp } from './app.js';
import { parseDataKey, type ServerConfig } from './config.js';
import type { ServerLogger } from './ports.js';
import { migrate } from './store/migrations.js';
import { openPgliteStore } from './store/pglite-store.js';
import { openPostgresStore } from './store/postgres-store.js';
import type { SqlStore } from './store/sql-store.js';

export interface RunningServer {
  readonly url: string;
  readonly app: ServerApp;
  readonly store: SqlStore;
  /** Stops accepting, ends open connections, stops maintenance, closes the store if it opened it. */
  stop(): Promise<void>;
}

/** Opens the configured store: PostgreSQL when DATABASE_URL is set, else PGlite in the data folder. */
export async function openConfiguredStore(config: ServerConfig): Promise<SqlStore> {
  return config.databaseUrl ? openPostgresStore(config.databaseUrl) : openPgliteStore(config.dataDir);
}

/**
 * The data key: the configured one, or for the embedded store a key generated once and kept
 * beside the data (0600), so `npm run server` needs no set-up. PostgreSQL deployments must
 * configure R42_SERVER_DATA_KEY (config.ts refuses to start without it).
 */
export function dataKeyFor(config: ServerConfig, logger: ServerLogger): Buffer {
  if (config.dataKey) return config.dataKey;
  const file = path.join(config.dataDir, 'data-key');
  try {
    const existing = parseDataKey(readFileSync(file, 'utf8'));
    if (existing) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  logger.log('warn', 'config.data_key_generated', { file, note: 'set R42_SERVER_DATA_KEY in production' });
  return key;
}

/**
 * Hosts the fetch handler on Node: migrations first, then an HTTP server with timeouts that
 * close idle and slow connections, and a maintenance job every minute.
 */
export async function startNodeServer(
  config: ServerConfig,
  options: { logger: ServerLogger; store?: SqlStore; upstreamFetch?: typeof fetch; now?: () => number; maintenanceEveryMs?: number },
): Promise<RunningServer> {
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openConfiguredStore(config));
  try {
    const applied = await migrate(store);
    if (applied.length) options.logger.log('info', 'store.migrated', { store: store.kind, versions: applied.join(',') });
  } catch (error) {
    if (ownsStore) await store.close().catch(() => undefined);
    throw error;
  }
  for (const origin of config.insecureHttpUrls) options.logger.log('warn', 'config.insecure_http', { origin });
  const app = createServerApp({
    config,
    store,
    dataKey: dataKeyFor(config, options.logger),
    now: options.now ?? Date.now,
    upstreamFetch: options.upstreamFetch ?? fetch,
    logger: options.logger,
    peerAddress: (c) => getConnInfo(c).remote.address,
  });
  const server: Server = createServer(
    {
      // Headers within 10 s of connecting, a whole request within 30 s, idle keep-alive 5 s.
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      maxHeaderSize: 16 * 1024,
    },
    getRequestListener(app.fetch),
  );
  server.maxConnections = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const maintenance = setInterval(() => {
    app.maintenance().catch(() => options.logger.log('warn', 'maintenance.failed', {}));
  }, options.maintenanceEveryMs ?? 60_000);
  maintenance.unref();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    app,
    store,
    async stop() {
      clearInterval(maintenance);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsStore) await store.close();
    },
  };
}
