import type { Context } from 'hono';
import type { ServerConfig } from './config.js';
import type { SqlStore } from './store/sql-store.js';

export type ServerLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured log fields. Never a token, code, verifier, secret or request body. */
export type ServerLogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface ServerLogger {
  log(level: ServerLogLevel, event: string, fields?: ServerLogFields): void;
}

/** Everything the server's fetch handler needs from its host: passed in, never imported. */
export interface ServerDeps {
  readonly config: ServerConfig;
  readonly store: SqlStore;
  readonly now: () => number;
  /** How the server reaches Garmin. */
  readonly upstreamFetch: typeof fetch;
  readonly logger: ServerLogger;
  /** The TCP peer of a request, as the host knows it (Node: the socket's remote address). */
  readonly peerAddress: (c: Context) => string | undefined;
  readonly sleep?: (ms: number) => Promise<void>;
  /** AES-256 key that seals pushed summaries at rest (config.dataKey, or the embedded store's own). */
  readonly dataKey: Buffer;
  /** The webhook URL's secret path segment (config.webhookSecret, or the embedded store's own). Never logged. */
  readonly webhookSecret: string;
}
