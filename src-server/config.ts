import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { RELAY_PAGE_MAX_RESPONSE_BYTES } from '../src-common/relay-contract.js';
import { serviceUrl } from '../src-common/urls.js';
import { MAX_NOTIFICATIONS_PER_BODY } from './relay/webhook-envelope.js';

/** A setting that is missing or wrong; the message names the key and what to do. */
export class ServerConfigError extends Error {
  override readonly name = 'ServerConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Garmin's URLs: https, or plain http to a loopback host (the Garmin simulator in tests and the
 * demo). The client secret travels to the token URL, so nothing else is accepted.
 */
const upstreamUrl = serviceUrl;

/** The exact redirect URIs registered at Garmin, comma-separated. @see RFC 6749 §3.1.2 */
const redirectUris = z.string().transform((value, ctx) => {
  const uris = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (uris.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must list at least one redirect URI' });
    return z.NEVER;
  }
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      ctx.addIssue({ code: 'custom', message: `holds "${uri}", which is not a URL` });
      return z.NEVER;
    }
    if (url.hash) {
      ctx.addIssue({ code: 'custom', message: `holds "${uri}": a redirect URI has no fragment (RFC 6749 §3.1.2)` });
      return z.NEVER;
    }
  }
  return Object.freeze(uris);
});

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .transform((value, ctx) => {
    if (['1', 'true', 'yes', 'on'].includes(value)) return 1;
    if (['0', 'false', 'no', 'off', ''].includes(value)) return 0;
    const hops = Number(value);
    if (Number.isInteger(hops) && hops >= 0 && hops <= 10) return hops;
    ctx.addIssue({ code: 'custom', message: 'must be true/false or the number of proxies in front of the server (1–10)' });
    return z.NEVER;
  });

const MIB = 1024 * 1024;

/**
 * Source addresses allowed to deliver webhooks: comma-separated CIDRs or single addresses, IPv4
 * or IPv6 (Garmin's published ranges). Checked with node:net's BlockList.
 */
const sourceRanges = z.string().transform((value, ctx) => {
  const list = new BlockList();
  const entries = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
    if (!family || extra !== undefined || !(prefix >= 0 && prefix <= (family === 6 ? 128 : 32))) {
      ctx.addIssue({ code: 'custom', message: `holds "${entry.slice(0, 60)}", which is not an address or a CIDR range (e.g. 203.0.113.0/24, 2001:db8::/32)` });
      return z.NEVER;
    }
    list.addSubnet(address!, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  if (entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must list at least one address or CIDR range, or be unset' });
    return z.NEVER;
  }
  return { list, count: entries.length };
});

const schema = z.object({
  PORT: z.coerce.number().int().min(0, 'must be from 0 to 65535').max(65535, 'must be from 0 to 65535').default(8788),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  GARMIN_CLIENT_ID: z.string().trim().min(1, 'is required: the client id of R42’s Garmin developer app'),
  GARMIN_TOKEN_URL: upstreamUrl.prefault('https://diauth.garmin.com/di-oauth2-service/oauth/token'),
  GARMIN_REDIRECT_URIS: redirectUris,
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  R42_SERVER_DATA_DIR: z.string().trim().min(1).default('./.r42-server'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
  TRUST_PROXY: flag.default(0),
  UPSTREAM_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(15),
  /** How long the broker keeps the last rotation's answer for the old refresh token. */
  ROTATION_REPLAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  GARMIN_API_URL: upstreamUrl.prefault('https://apis.garmin.com'),
  /**
   * Garmin retries a refused body with the same body, so a body over this limit is lost unless
   * the limit is raised within Garmin's retry window (docs/server.md, "How big a webhook body").
   * At most the desktop's page limit less 1 MiB: one notification is delivered whole in one page.
   */
  WEBHOOK_MAX_MEGABYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(
      RELAY_PAGE_MAX_RESPONSE_BYTES / MIB - 1,
      `must be at most ${RELAY_PAGE_MAX_RESPONSE_BYTES / MIB - 1}: one notification of up to this size travels to the desktop in one relay page, and the desktop reads pages of at most ${RELAY_PAGE_MAX_RESPONSE_BYTES / MIB} MiB`,
    )
    .default(32),
  /** Webhook bodies read, parsed and stored at once, by their declared size (a flood waits, then 503). */
  WEBHOOK_MEMORY_MEGABYTES: z.coerce.number().int().min(1).max(4096).default(64),
  /** Per runner per hour: notifications and megabytes stored (429 past them; Garmin retries). */
  WEBHOOK_QUOTA_RUNNER_NOTIFICATIONS: z.coerce
    .number()
    .int()
    .min(MAX_NOTIFICATIONS_PER_BODY, `must be at least ${MAX_NOTIFICATIONS_PER_BODY}: one webhook body may carry that many for one runner`)
    .default(20_000),
  WEBHOOK_QUOTA_RUNNER_MEGABYTES: z.coerce.number().int().min(1).max(1_000_000).default(128),
  /** For all runners together, per hour. */
  WEBHOOK_QUOTA_NOTIFICATIONS: z.coerce.number().int().min(1).max(1_000_000_000).default(500_000),
  WEBHOOK_QUOTA_MEGABYTES: z.coerce.number().int().min(1).max(100_000_000).default(2048),
  WEBHOOK_ALLOWED_SOURCES: sourceRanges.optional(),
  /** A relay page stops adding notifications at this many bytes (it always holds at least one). */
  RELAY_PAGE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024, 'must be at least 65536 (64 KiB)')
    .max(32 * MIB, `must be at most ${32 * MIB} (32 MiB)`)
    .default(4 * MIB),
});

export const SERVER_SETTING_KEYS = [
  ...Object.keys(schema.shape),
  'GARMIN_CLIENT_SECRET',
  'GARMIN_CLIENT_SECRET_FILE',
  'R42_SERVER_DATA_KEY',
  'R42_SERVER_DATA_KEY_FILE',
  'R42_WEBHOOK_SECRET',
  'R42_WEBHOOK_SECRET_FILE',
] as const;

/** The webhook secret: a path segment of at least 32 URL-safe characters (`openssl rand -hex 32`). */
export const WEBHOOK_SECRET_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly garmin: {
    readonly clientId: string;
    /** Never logged, never echoed, never stored. */
    readonly clientSecret: string;
    readonly tokenUrl: URL;
    readonly redirectUris: readonly string[];
  };
  /** A PostgreSQL URL, or undefined for the embedded PGlite store in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly rateLimitPerMinute: number;
  /** How many proxies in front of the server may append to X-Forwarded-For; 0 ignores the header. */
  readonly trustProxyHops: number;
  readonly upstreamTimeoutMs: number;
  readonly rotationReplayMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Garmin's API base: the relay asks it whose an access token is, and callback URLs must be on its origin. */
  readonly garminApiUrl: URL;
  /**
   * AES-256 key for pushed summaries at rest. Null only for the embedded store, where the host
   * keeps a generated key beside the data (node-host.ts); PostgreSQL deployments must set one.
   */
  readonly dataKey: Buffer | null;
  readonly webhookMaxBytes: number;
  /** A relay page's byte budget: notifications are added while their sizes fit in it (at least one). */
  readonly relayPageMaxBytes: number;
  /**
   * The secret path segment of the webhook URL registered at Garmin (`/v1/garmin/webhook/<secret>`).
   * Null only for the embedded store, where the host keeps a generated one beside the data
   * (node-host.ts); PostgreSQL deployments must set one. Never logged.
   */
  readonly webhookSecret: string | null;
  /** Garmin's source ranges when configured: a webhook from anywhere else is refused. */
  readonly webhookSources: { readonly list: BlockList; readonly count: number } | null;
  /** Bytes of webhook bodies handled at once (by declared size), bounding the server's memory. */
  readonly webhookMemoryBytes: number;
  /** Notifications and bytes stored per hour, per runner and for all. */
  readonly webhookQuota: { readonly runnerNotifications: number; readonly runnerBytes: number; readonly notifications: number; readonly bytes: number };
  /** Plain-http upstream URLs (loopback only): warned about at start. */
  readonly insecureHttpUrls: readonly string[];
}

/** A secret from `KEY` or from the file `KEY_FILE` names (container secrets); undefined when neither is set. */
function readSecretSetting(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const fileKey = `${key}_FILE`;
  const inline = env[key];
  const file = env[fileKey]?.trim();
  if (inline && file) throw new ServerConfigError(key, `${key} and ${fileKey} are both set: set only one.`);
  if (!file) return inline || undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ServerConfigError(fileKey, `${fileKey}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  // Container secrets usually end with a newline; the secret itself never does.
  const secret = text.replace(/\r?\n$/, '');
  if (!secret) throw new ServerConfigError(fileKey, `${fileKey}: ${file} is empty.`);
  return secret;
}

/** A 256-bit key written as 64 hex digits or 44 characters of base64. */
export function parseDataKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return Buffer.from(trimmed, 'base64');
  return null;
}

/** Reads and validates the server's settings from the environment; a bad one names its key. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  const input = Object.fromEntries(Object.keys(schema.shape).filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]));
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? 'environment');
    const given = input[key];
    const message =
      issue.code === 'invalid_type' && given === undefined
        ? 'is required'
        : issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int')
          ? // A number setting given something else: zod's words would be "expected number, received NaN".
            `must be a whole number written in digits, not ${JSON.stringify(String(given).slice(0, 40))}`
          : issue.message;
    throw new ServerConfigError(key, /^[a-z]/.test(message) ? `${key} ${message}.` : `${key}: ${message}.`);
  }
  const s = result.data;
  const clientSecret = readSecretSetting(env, 'GARMIN_CLIENT_SECRET');
  if (!clientSecret) {
    throw new ServerConfigError(
      'GARMIN_CLIENT_SECRET',
      'GARMIN_CLIENT_SECRET is required (or GARMIN_CLIENT_SECRET_FILE naming a file that holds it): the client secret of R42’s Garmin developer app.',
    );
  }
  const dataKeyText = readSecretSetting(env, 'R42_SERVER_DATA_KEY');
  const dataKey = dataKeyText === undefined ? null : parseDataKey(dataKeyText);
  if (dataKeyText !== undefined && !dataKey) {
    throw new ServerConfigError('R42_SERVER_DATA_KEY', 'R42_SERVER_DATA_KEY must be 32 random bytes written as 64 hex digits or base64 (`openssl rand -base64 32`).');
  }
  if (!dataKey && s.DATABASE_URL) {
    throw new ServerConfigError(
      'R42_SERVER_DATA_KEY',
      'R42_SERVER_DATA_KEY (or R42_SERVER_DATA_KEY_FILE) is required with DATABASE_URL: it encrypts pushed training data at rest (`openssl rand -base64 32`).',
    );
  }
  const webhookSecret = readSecretSetting(env, 'R42_WEBHOOK_SECRET');
  if (webhookSecret !== undefined && !WEBHOOK_SECRET_PATTERN.test(webhookSecret)) {
    throw new ServerConfigError('R42_WEBHOOK_SECRET', 'R42_WEBHOOK_SECRET must be 32 to 256 URL-safe characters (A-Z a-z 0-9 - _), e.g. `openssl rand -hex 32`.');
  }
  if (!webhookSecret && s.DATABASE_URL) {
    throw new ServerConfigError(
      'R42_WEBHOOK_SECRET',
      'R42_WEBHOOK_SECRET (or R42_WEBHOOK_SECRET_FILE) is required with DATABASE_URL: it is the secret part of the webhook URL you register at Garmin (`openssl rand -hex 32`).',
    );
  }
  const rangeCheck = (key: string, value: number, min: number, why: string) => {
    if (value < min) throw new ServerConfigError(key, `${key} must be at least ${min}: ${why}.`);
  };
  rangeCheck('WEBHOOK_MEMORY_MEGABYTES', s.WEBHOOK_MEMORY_MEGABYTES, s.WEBHOOK_MAX_MEGABYTES, 'the largest webhook body (WEBHOOK_MAX_MEGABYTES) must fit in it');
  rangeCheck('WEBHOOK_QUOTA_RUNNER_MEGABYTES', s.WEBHOOK_QUOTA_RUNNER_MEGABYTES, s.WEBHOOK_MAX_MEGABYTES, 'one webhook body (WEBHOOK_MAX_MEGABYTES) may be one runner’s');
  rangeCheck('WEBHOOK_QUOTA_MEGABYTES', s.WEBHOOK_QUOTA_MEGABYTES, s.WEBHOOK_QUOTA_RUNNER_MEGABYTES, 'it holds every runner’s quota (WEBHOOK_QUOTA_RUNNER_MEGABYTES)');
  rangeCheck('WEBHOOK_QUOTA_NOTIFICATIONS', s.WEBHOOK_QUOTA_NOTIFICATIONS, s.WEBHOOK_QUOTA_RUNNER_NOTIFICATIONS, 'it holds every runner’s quota (WEBHOOK_QUOTA_RUNNER_NOTIFICATIONS)');
  return {
    port: s.PORT,
    host: s.HOST,
    garmin: { clientId: s.GARMIN_CLIENT_ID, clientSecret, tokenUrl: s.GARMIN_TOKEN_URL, redirectUris: s.GARMIN_REDIRECT_URIS },
    databaseUrl: s.DATABASE_URL,
    dataDir: path.resolve(cwd, s.R42_SERVER_DATA_DIR),
    rateLimitPerMinute: s.RATE_LIMIT_PER_MINUTE,
    trustProxyHops: s.TRUST_PROXY,
    upstreamTimeoutMs: s.UPSTREAM_TIMEOUT_SECONDS * 1000,
    rotationReplayMs: s.ROTATION_REPLAY_SECONDS * 1000,
    logLevel: s.LOG_LEVEL,
    garminApiUrl: s.GARMIN_API_URL,
    dataKey,
    webhookMaxBytes: s.WEBHOOK_MAX_MEGABYTES * MIB,
    relayPageMaxBytes: s.RELAY_PAGE_MAX_BYTES,
    webhookSecret: webhookSecret ?? null,
    webhookSources: s.WEBHOOK_ALLOWED_SOURCES ?? null,
    webhookMemoryBytes: s.WEBHOOK_MEMORY_MEGABYTES * MIB,
    webhookQuota: {
      runnerNotifications: s.WEBHOOK_QUOTA_RUNNER_NOTIFICATIONS,
      runnerBytes: s.WEBHOOK_QUOTA_RUNNER_MEGABYTES * MIB,
      notifications: s.WEBHOOK_QUOTA_NOTIFICATIONS,
      bytes: s.WEBHOOK_QUOTA_MEGABYTES * MIB,
    },
    insecureHttpUrls: [...new Set([s.GARMIN_TOKEN_URL, s.GARMIN_API_URL].filter((url) => url.protocol === 'http:').map((url) => url.origin))],
  };
}

/**
 * Why the server could not start, in words that name the setting to fix. A database it cannot
 * reach names DATABASE_URL and where it points (host, port, database; never the user or password
 * the URL may hold), with the driver's own words.
 */
export function startFailureMessage(error: unknown, config: Pick<ServerConfig, 'databaseUrl' | 'port' | 'host'>): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `port ${config.port} on ${config.host} is in use: stop what uses it or set PORT.`;
  if (code === 'EACCES') return `not allowed to listen on ${config.host}:${config.port}: choose a PORT above 1023 or check HOST.`;
  const words = error instanceof Error ? error.message || error.name : String(error);
  if (config.databaseUrl) {
    let where = 'the database';
    try {
      const url = new URL(config.databaseUrl);
      where = `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname.length > 1 ? url.pathname : ''}`;
    } catch {
      // config.ts accepted it as a postgres:// URL; the driver's words say the rest.
    }
    // The driver's words may quote the URL: its credentials are cut out of them.
    const safe = words.replaceAll(config.databaseUrl, '<DATABASE_URL>').replace(/\/\/[^@/\s]*@/g, '//');
    return `cannot reach the database in DATABASE_URL (${where}): ${safe}. Check that PostgreSQL runs there and accepts this server, or fix DATABASE_URL.`;
  }
  return `cannot start: ${words}`;
}

