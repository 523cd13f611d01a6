import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createServerApp, type ServerApp } from './app.js';
import { parseDataKey, WEBHOOK_SECRET_PATTERN, type ServerConfig } from './config.js';
import type { ServerLogger } from './ports.js';
import { migrate } from './store/migrations.js';
import { openPgliteStore } from './store/pglite-store.js';
import { openPostgresStore } from './store/postgres-store.js';
import type { SqlStore } from './store/sql-store.js';

export interface RunningServer {
  readonly url: string;
  /** What to register in Garmin's portal as the webhook: `<url>/v1/garmin/webhook/<secret>`. Never logged. */
  readonly webhookUrl: string;
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
 * A secret of the embedded store kept beside its data (0600): read when there, else generated
 * once. Only for PGlite, so `npm run server` needs no set-up; config.ts refuses to start on
 * PostgreSQL without the configured one.
 */
function keptBesideData<T>(config: ServerConfig, logger: ServerLogger, what: { file: string; event: string; setting: string; parse: (text: string) => T | null; generate: () => { value: T; text: string } }): T {
  const file = path.join(config.dataDir, what.file);
  try {
    const existing = what.parse(readFileSync(file, 'utf8'));
    if (existing) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const made = what.generate();
  writeFileSync(file, `${made.text}\n`, { mode: 0o600, flag: 'wx' });
  // The file's path only, never what it holds.
  logger.log('warn', what.event, { file, note: `set ${what.setting} in production` });
  return made.value;
}

/** The data key: the configured one, or for the embedded store one kept in `R42_SERVER_DATA_DIR/data-key`. */
export function dataKeyFor(config: ServerConfig, logger: ServerLogger): Buffer {
  if (config.dataKey) return config.dataKey;
  return keptBesideData(config, logger, {
    file: 'data-key',
    event: 'config.data_key_generated',
    setting: 'R42_SERVER_DATA_KEY',
    parse: parseDataKey,
    generate: () => {
      const key = randomBytes(32);
      return { value: key, text: key.toString('base64') };
    },
  });
}

/** The webhook secret: the configured one, or for the embedded store one kept in `R42_SERVER_DATA_DIR/webhook-secret`. */
export function webhookSecretFor(config: ServerConfig, logger: ServerLogger): string {
  if (config.webhookSecret) return config.webhookSecret;
  return keptBesideData(config, logger, {
    file: 'webhook-secret',
    event: 'config.webhook_secret_generated',
    setting: 'R42_WEBHOOK_SECRET',
    parse: (text) => (WEBHOOK_SECRET_PATTERN.test(text.trim()) ? text.trim() : null),
    generate: () => {
      const secret = randomBytes(32).toString('hex');
      return { value: secret, text: secret };
    },
  });
}

/**
 * One answer per request, then close: Node's parser finds a bad framing (`Transfer-Encoding:
 * xchunked`, a broken chunk) only when it reaches the body, which may be after the handler has
 * answered (a refusal before reading, or a route that reads nothing). Node would then write a bare
 * 400 on the same connection, which a proxy in front takes for the answer to a next request. So:
 * an answer sent before its request's body has arrived whole closes the connection after it (no
 * further request on it is served), and a framing error on a connection that has carried an answer
 * closes it without writing anything.
 */
function oneAnswerPerRequest(server: Server, listener: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
  const answered = new WeakSet<Socket>();
  const untrusted = new WeakSet<Socket>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (answered.has(socket) || !socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    // Node's own answers for a request it could not parse, as its default does.
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    answered.add(socket);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.setTimeout(1_000, () => socket.destroy());
  });
  return (req, res) => {
    const socket = req.socket;
    if (untrusted.has(socket)) {
      socket.destroy();
      return;
    }
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      answered.add(socket);
      if (!req.complete) {
        untrusted.add(socket);
        this.setHeader('connection', 'close');
      }
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
    listener(req, res);
  };
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
  const webhookSecret = webhookSecretFor(config, options.logger);
  const app = createServerApp({
    config,
    store,
    dataKey: dataKeyFor(config, options.logger),
    webhookSecret,
    now: options.now ?? Date.now,
    upstreamFetch: options.upstreamFetch ?? fetch,
    logger: options.logger,
    peerAddress: (c) => getConnInfo(c).remote.address,
  });
  const server: Server = createServer({
    // Headers within 10 s of connecting, a whole request within 30 s, idle keep-alive 5 s.
    headersTimeout: 10_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    maxHeaderSize: 16 * 1024,
  });
  server.on('request', oneAnswerPerRequest(server, getRequestListener(app.fetch)));
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
  const url = `http://${host}:${address.port}`;
  return {
    url,
    webhookUrl: `${url}/v1/garmin/webhook/${webhookSecret}`,
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
