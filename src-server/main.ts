/* The R42 server on Node: `npm run server`, or `node dist/server/main.js` in a container. */
import { pino } from 'pino';
import { loadServerConfig, ServerConfigError, startFailureMessage } from './config.js';
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
  fail(startFailureMessage(error, config));
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
