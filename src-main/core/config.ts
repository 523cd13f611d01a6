import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isLoopbackHost, serviceUrl } from '../../src-common/urls.js';
import { MAX_HR_RANGE, RESTING_HR_RANGE } from './analysis/zones.js';
import { CompanionError } from './errors.js';
import type { AppPaths } from './ports.js';

export const PRODUCT_NAME = 'R42 Companion';

// The https-or-loopback rule is shared with the R42 server.
export { isLoopbackHost };

/** A loopback redirect URI with a fixed port, or port 0 for an ephemeral one. @see RFC 8252 §7.3 */
const redirectUri = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL' });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be http:// on 127.0.0.1, [::1] or localhost, for example http://127.0.0.1:0/callback',
    });
    return z.NEVER;
  }
  if (url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not have a query, fragment or user info' });
    return z.NEVER;
  }
  const port = url.port === '' ? 80 : Number(url.port);
  return { host: url.hostname, port, path: url.pathname } as const;
});

const positiveSeconds = z.coerce.number().int().positive();

/** Every setting, as environment variables or the same keys in R42_HOME/config.json. */
const settingsSchema = z.strictObject({
  GARMIN_CLIENT_ID: z.string().trim().min(1).optional(),
  GARMIN_CLIENT_SECRET: z.string().min(1).optional(),
  GARMIN_AUTHORIZE_URL: serviceUrl.prefault('https://connect.garmin.com/oauth2Confirm'),
  GARMIN_TOKEN_URL: serviceUrl.optional(),
  R42_SERVER_URL: serviceUrl.optional(),
  GARMIN_DATA_DELIVERY: z.enum(['relay', 'pull']).optional(),
  GARMIN_API_URL: serviceUrl.prefault('https://apis.garmin.com'),
  GARMIN_REDIRECT_URI: redirectUri.prefault('http://127.0.0.1:0/callback'),
  R42_KEYCHAIN_SERVICE: z.string().trim().min(1).default('r42-companion'),
  R42_REFRESH_MARGIN_SECONDS: positiveSeconds.default(600),
  R42_SIGN_IN_TIMEOUT_SECONDS: positiveSeconds.default(300),
  R42_HTTP_TIMEOUT_SECONDS: positiveSeconds.default(30),
  R42_AGENT_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  R42_BACKFILL_DAYS: z.coerce.number().int().min(1).max(3660).default(90),
  R42_SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  R42_STALE_AFTER_MINUTES: z.coerce.number().int().min(1).default(360),
  R42_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** The runner's max and resting HR for zones and load; each is estimated from their data when unset. */
  R42_MAX_HR: z.coerce.number().int().min(MAX_HR_RANGE[0]).max(MAX_HR_RANGE[1]).optional(),
  R42_RESTING_HR: z.coerce.number().int().min(RESTING_HR_RANGE[0]).max(RESTING_HR_RANGE[1]).optional(),
  /** `hrr`: % of heart rate reserve (Karvonen); `max`: % of max HR. */
  R42_HR_ZONE_MODEL: z.enum(['hrr', 'max']).default('hrr'),
  BROWSER: z.string().trim().min(1).optional(),
});

/** Garmin's own token endpoint. */
export const GARMIN_TOKEN_URL = new URL('https://diauth.garmin.com/di-oauth2-service/oauth/token');

/** How token requests reach Garmin: with the runner's own developer app's secret, or through a broker that adds R42's. */
export type LinkVia = 'own_developer_app' | 'r42_server' | 'token_broker' | 'not_configured';

export interface TokenRoute {
  readonly via: LinkVia;
  readonly tokenUrl: URL | null;
}

/**
 * Where token requests go. An explicit GARMIN_TOKEN_URL wins; else a client secret means Garmin
 * itself (the runner's own developer app); else R42's server brokers them (it holds the secret
 * that Garmin requires and that an installed app must not carry, RFC 8252 §8.5).
 */
export function tokenRoute(config: Pick<CompanionConfig, 'garmin' | 'serverUrl'>, hasClientSecret: boolean): TokenRoute {
  if (config.garmin.tokenUrl) return { via: hasClientSecret ? 'own_developer_app' : 'token_broker', tokenUrl: config.garmin.tokenUrl };
  if (hasClientSecret) return { via: 'own_developer_app', tokenUrl: GARMIN_TOKEN_URL };
  if (config.serverUrl) return { via: 'r42_server', tokenUrl: new URL('v1/garmin/token', config.serverUrl.href.endsWith('/') ? config.serverUrl : `${config.serverUrl.href}/`) };
  return { via: 'not_configured', tokenUrl: null };
}

export const SETTING_KEYS = Object.keys(settingsSchema.shape) as ReadonlyArray<keyof typeof settingsSchema.shape>;

export type RedirectTarget = { readonly host: string; readonly port: number; readonly path: string };

export interface CompanionConfig {
  readonly paths: AppPaths;
  readonly garmin: {
    readonly clientId: string | undefined;
    /** Given in the environment this run; kept in the keychain from then on, never in a file. */
    readonly clientSecretFromEnv: string | undefined;
    readonly authorizeUrl: URL;
    /** GARMIN_TOKEN_URL when set: it wins over every other way of reaching the token endpoint. */
    readonly tokenUrl: URL | undefined;
    readonly apiUrl: URL;
    readonly redirect: RedirectTarget;
  };
  /** R42's server (R42_SERVER_URL): its token broker adds the client secret when the runner has none. */
  readonly serverUrl: URL | undefined;
  /**
   * How training data arrives: `relay` (Garmin's production webhooks, picked up from R42's server)
   * or `pull` (24 h windows with the runner's token, Garmin's evaluation environment only).
   */
  readonly dataDelivery: 'relay' | 'pull';
  readonly keychainService: string;
  readonly refreshMarginSeconds: number;
  readonly signInTimeoutSeconds: number;
  readonly httpTimeoutMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The agent endpoint's port on 127.0.0.1; 0 picks a free one. */
  readonly agentPort: number;
  readonly sync: { readonly backfillDays: number; readonly intervalMs: number; readonly staleAfterMs: number };
  /** HR zones and load: R42_MAX_HR, R42_RESTING_HR (undefined: estimated from the runner's data), R42_HR_ZONE_MODEL. */
  readonly hr: { readonly maxHr: number | undefined; readonly restingHr: number | undefined; readonly zoneModel: 'hrr' | 'max' };
  readonly browserCommand: string | undefined;
  /** URLs that use plain http (loopback only). Shown as a warning wherever the config is used. */
  readonly insecureHttpUrls: readonly string[];
}

/** The OS app-data folder for the product: the folder Electron's `app.getPath('userData')` returns. */
export function defaultHome(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home = homedir()): string {
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
    case 'win32':
      return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    default:
      return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), PRODUCT_NAME);
  }
}

/** File locations under a data folder. */
export function appPathsFor(home: string): AppPaths {
  return {
    home,
    database: path.join(home, 'companion.db'),
    logFile: path.join(home, 'logs', 'companion.log'),
    configFile: path.join(home, 'config.json'),
  };
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CompanionError('config_invalid', `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CompanionError('config_invalid', `${file} is not valid JSON. Fix it or remove it.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CompanionError('config_invalid', `${file} must hold a JSON object of settings.`);
  }
  const settings = parsed as Record<string, unknown>;
  if ('GARMIN_CLIENT_SECRET' in settings) {
    throw new CompanionError(
      'config_secret_in_file',
      `${file} holds GARMIN_CLIENT_SECRET. A client secret must never sit in a file: remove it from ` +
        'the file and run `r42-companion secret set` (it goes to the OS keychain), or set it in the environment.',
    );
  }
  if ('R42_HOME' in settings) {
    throw new CompanionError('config_invalid', `${file}: R42_HOME cannot be set inside the data folder it names; set it in the environment.`);
  }
  // Numbers and booleans in JSON are fine; the schema coerces what it needs.
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, typeof value === 'number' ? String(value) : value]));
}

/** The settings a packaged app may carry as its defaults: public values only, never a secret. */
export const PACKAGED_DEFAULT_KEYS = ['GARMIN_CLIENT_ID', 'R42_SERVER_URL', 'GARMIN_REDIRECT_URI', 'GARMIN_AUTHORIZE_URL', 'GARMIN_API_URL'] as const;

/** The name of the defaults file `npm run dist` writes beside the bundles (dist/defaults.json). */
export const PACKAGED_DEFAULTS_FILE = 'defaults.json';

/**
 * R42's defaults shipped inside a packaged app (client id, server URL, redirect URI), so that an
 * installed app links with no configuration. Missing file: none. Anything but the public keys of
 * PACKAGED_DEFAULT_KEYS is refused, so a build can never ship a secret this way.
 */
export function readPackagedDefaults(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CompanionError('config_invalid', `Cannot read the packaged defaults ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}. Reinstall R42 Companion.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const parsed = z.strictObject(Object.fromEntries(PACKAGED_DEFAULT_KEYS.map((key) => [key, z.string().optional()]))).safeParse(json);
  if (!parsed.success) {
    throw new CompanionError('config_invalid', `The packaged defaults ${file} hold something other than ${PACKAGED_DEFAULT_KEYS.join(', ')}. Reinstall R42 Companion.`);
  }
  return Object.fromEntries(Object.entries(parsed.data).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * Reads the configuration from the environment, R42_HOME/config.json and the packaged defaults
 * (in that order of precedence), validated in one place. A bad value fails with `config_invalid`
 * naming the key.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  packagedDefaults: Readonly<Record<string, string>> = {},
): CompanionConfig {
  const home = env.R42_HOME?.trim() ? path.resolve(env.R42_HOME) : defaultHome(env, platform);
  const paths = appPathsFor(home);
  const fileSettings = readConfigFile(paths.configFile);
  const fromFile = { ...packagedDefaults, ...fileSettings };
  const fromEnv = Object.fromEntries(
    SETTING_KEYS.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]),
  );
  const result = settingsSchema.safeParse({ ...fromFile, ...fromEnv });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path.join('.') || '(file)';
    const source = key in fromEnv ? 'environment' : key in fileSettings ? paths.configFile : key in packagedDefaults ? 'packaged defaults' : paths.configFile;
    const message =
      issue.code === 'unrecognized_keys'
        ? `${paths.configFile}: unknown setting ${issue.keys.join(', ')}. Known settings: ${SETTING_KEYS.join(', ')}.`
        : `${key} (${source}) ${issue.message}.`;
    throw new CompanionError('config_invalid', message);
  }
  const s = result.data;
  if (s.GARMIN_DATA_DELIVERY === 'relay' && !s.R42_SERVER_URL) {
    throw new CompanionError('config_invalid', 'GARMIN_DATA_DELIVERY=relay needs R42_SERVER_URL: the relay is part of the R42 server.');
  }
  if (s.R42_MAX_HR !== undefined && s.R42_RESTING_HR !== undefined && s.R42_MAX_HR - s.R42_RESTING_HR < 20) {
    throw new CompanionError('config_invalid', `R42_MAX_HR (${s.R42_MAX_HR}) must be at least 20 above R42_RESTING_HR (${s.R42_RESTING_HR}).`);
  }
  const insecureHttpUrls = [s.GARMIN_AUTHORIZE_URL, s.GARMIN_TOKEN_URL, s.GARMIN_API_URL, s.R42_SERVER_URL]
    .filter((url): url is URL => url?.protocol === 'http:')
    .map((url) => url.origin);
  return {
    paths,
    garmin: {
      clientId: s.GARMIN_CLIENT_ID,
      clientSecretFromEnv: s.GARMIN_CLIENT_SECRET,
      authorizeUrl: s.GARMIN_AUTHORIZE_URL,
      tokenUrl: s.GARMIN_TOKEN_URL,
      apiUrl: s.GARMIN_API_URL,
      redirect: s.GARMIN_REDIRECT_URI,
    },
    serverUrl: s.R42_SERVER_URL,
    dataDelivery: s.GARMIN_DATA_DELIVERY ?? (s.R42_SERVER_URL ? 'relay' : 'pull'),
    keychainService: s.R42_KEYCHAIN_SERVICE,
    refreshMarginSeconds: s.R42_REFRESH_MARGIN_SECONDS,
    signInTimeoutSeconds: s.R42_SIGN_IN_TIMEOUT_SECONDS,
    httpTimeoutMs: s.R42_HTTP_TIMEOUT_SECONDS * 1000,
    logLevel: s.R42_LOG_LEVEL,
    agentPort: s.R42_AGENT_PORT,
    sync: { backfillDays: s.R42_BACKFILL_DAYS, intervalMs: s.R42_SYNC_INTERVAL_MINUTES * 60_000, staleAfterMs: s.R42_STALE_AFTER_MINUTES * 60_000 },
    hr: { maxHr: s.R42_MAX_HR, restingHr: s.R42_RESTING_HR, zoneModel: s.R42_HR_ZONE_MODEL },
    browserCommand: s.BROWSER,
    insecureHttpUrls: [...new Set(insecureHttpUrls)],
  };
}
