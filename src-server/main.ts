/* The R42 server on Node: `npm run server`, or `node dist/server/main.js` in a container. */
import { pino } from 'pino';
import { loadServerConfig, ServerConfigError } from './config.js';
import { startNodeServer } from './node-host.js';
import type { ServerLogger } from './ports.js';

function fail(message: string): never {
  process.stderr.write(`R42 server: ${message}\n`);
  process.exit(2);
}

let config;
try {
  config = loadServerConfig();
} catch (error) {
  if (error instanceof ServerConfigError) fail(`${error.message} (see docs/server.md for every setting)`);
  throw error;
}

const base = pino({ level: config.logLevel, base: { service: 'r42-server' }, timestamp: pino.stdTimeFunctions.isoTime });
const logger: ServerLogger = { log: (level, event, fields = {}) => base[level]({ event, ...fields }) };

let server;
try {
  server = await startNodeServer(config, { logger });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail(`port ${config.port} on ${config.host} is in use: stop what uses it or set PORT.`);
  if (code === 'EACCES') fail(`not allowed to listen on ${config.host}:${config.port}: choose a PORT above 1023 or check HOST.`);
  // Database errors carry the database's own words, never a secret of ours.
  fail(`cannot start: ${(error as Error).message || (error as Error).name}`);
}
process.stdout.write(`R42 server listening on ${server.url}\n`);
logger.log('info', 'server.started', { url: server.url, store: server.store.kind, rate_limit_per_minute: config.rateLimitPerMinute, trust_proxy_hops: config.trustProxyHops });

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.log('info', 'server.stopping', { signal });
  server
    .stop()
    .then(() => process.exit(0))
    .catch(() => process.exit(1));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
