/**
 * The few settings `r42-companion token` needs, read without zod (loading zod alone costs more
 * than the whole answer of a cached token). It vouches for an input only when it is sure that
 * core/config.ts's `loadConfig` accepts it and derives the same values; for anything else it
 * answers null and the caller runs `loadConfig`, which reports the problem with its usual words and
 * code. So it may be stricter than the schema, never looser.
 * tests/unit/cli-quick-config.test.ts holds it to loadConfig: same keys, same values, same defaults.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { LogLevel } from '../core/ports.js';

export interface QuickConfig {
  readonly home: string;
  readonly database: string;
  readonly logFile: string;
  readonly keychainService: string;
  readonly refreshMarginSeconds: number;
  readonly logLevel: LogLevel;
  /** As loadConfig's insecureHttpUrls: the origins of the plain-http URLs in use, in its order. */
  readonly insecureHttpUrls: readonly string[];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

type Check = (value: string) => boolean;

const text: Check = (value) => value.trim().length > 0;
const nonEmpty: Check = (value) => value.length > 0;
/** Plain digits only: what `z.coerce.number().int()` surely reads as the same whole number. */
const whole =
  (min: number, max = 999_999_999): Check =>
  (value) =>
    /^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const isLogLevel = (value: string | undefined): value is LogLevel => (LOG_LEVELS as readonly (string | undefined)[]).includes(value);

const oneOf =
  (...allowed: readonly string[]): Check =>
  (value) =>
    allowed.includes(value);

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** src-common/urls.ts serviceUrl: https, or plain http to a loopback host. */
const serviceUrl: Check = (value) => {
  const url = parseUrl(value);
  return url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)));
};

/** config.ts redirectUri: http on a loopback host, no query, fragment or user info. */
const redirectUri: Check = (value) => {
  const url = parseUrl(value);
  return url !== null && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && !(url.search || url.hash || url.username || url.password);
};

/** Every key of config.ts's settings schema (the test compares it with SETTING_KEYS), with a check no looser than the schema's. */
export const QUICK_CHECKS: Readonly<Record<string, Check>> = {
  GARMIN_CLIENT_ID: text,
  GARMIN_CLIENT_SECRET: nonEmpty,
  GARMIN_AUTHORIZE_URL: serviceUrl,
  GARMIN_TOKEN_URL: serviceUrl,
  R42_SERVER_URL: serviceUrl,
  GARMIN_DATA_DELIVERY: oneOf('relay', 'pull'),
  GARMIN_API_URL: serviceUrl,
  GARMIN_REDIRECT_URI: redirectUri,
  R42_KEYCHAIN_SERVICE: text,
  R42_REFRESH_MARGIN_SECONDS: whole(1),
  R42_SIGN_IN_TIMEOUT_SECONDS: whole(1),
  R42_HTTP_TIMEOUT_SECONDS: whole(1),
  R42_AGENT_PORT: whole(0, 65535),
  R42_BACKFILL_DAYS: whole(1, 3660),
  R42_SYNC_INTERVAL_MINUTES: whole(1, 1440),
  R42_STALE_AFTER_MINUTES: whole(1),
  R42_LOG_LEVEL: oneOf(...LOG_LEVELS),
  // analysis/zones.ts MAX_HR_RANGE and RESTING_HR_RANGE (the test compares them).
  R42_MAX_HR: whole(120, 230),
  R42_RESTING_HR: whole(25, 120),
  R42_HR_ZONE_MODEL: oneOf('hrr', 'max'),
  BROWSER: text,
};

/** config.ts PACKAGED_DEFAULT_KEYS. */
const PACKAGED_DEFAULT_KEYS = new Set(['GARMIN_CLIENT_ID', 'R42_SERVER_URL', 'GARMIN_REDIRECT_URI', 'GARMIN_AUTHORIZE_URL', 'GARMIN_API_URL']);

/** Reads a JSON object from `file`: {} when there is no file, null when it cannot be read or is no object. */
function readJsonObject(file: string): Record<string, unknown> | null {
  let textValue: string;
  try {
    textValue = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? {} : null;
  }
  try {
    const parsed: unknown = JSON.parse(textValue);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** config.ts defaultHome. */
function defaultHome(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const home = homedir();
  switch (platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'R42 Companion');
    case 'win32':
      return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), 'R42 Companion');
    default:
      return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'R42 Companion');
  }
}

/** The settings as loadConfig would derive them, or null when this reader cannot vouch for the inputs. */
export function quickConfig(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, packagedDefaultsFile: string): QuickConfig | null {
  const home = env.R42_HOME?.trim() ? path.resolve(env.R42_HOME) : defaultHome(env, platform);
  const packaged = readJsonObject(packagedDefaultsFile);
  const file = readJsonObject(path.join(home, 'config.json'));
  if (!packaged || !file) return null;
  if (!Object.entries(packaged).every(([key, value]) => PACKAGED_DEFAULT_KEYS.has(key) && typeof value === 'string')) return null;
  // A secret or R42_HOME in the file, an unknown key, a value of another type: loadConfig says what is wrong.
  const settings: Record<string, string> = {};
  for (const source of [packaged, file]) {
    for (const [key, value] of Object.entries(source)) {
      if (source === file && (key === 'GARMIN_CLIENT_SECRET' || key === 'R42_HOME')) return null;
      if (!Object.hasOwn(QUICK_CHECKS, key)) return null;
      if (typeof value === 'string') settings[key] = value;
      else if (typeof value === 'number' && source === file) settings[key] = String(value);
      else return null;
    }
  }
  for (const key of Object.keys(QUICK_CHECKS)) {
    const value = env[key];
    if (value !== undefined && value !== '') settings[key] = value;
  }
  for (const [key, value] of Object.entries(settings)) if (!QUICK_CHECKS[key]!(value)) return null;
  if (settings.GARMIN_DATA_DELIVERY === 'relay' && settings.R42_SERVER_URL === undefined) return null;
  if (settings.R42_MAX_HR !== undefined && settings.R42_RESTING_HR !== undefined && Number(settings.R42_MAX_HR) - Number(settings.R42_RESTING_HR) < 20) return null;
  const urls = [settings.GARMIN_AUTHORIZE_URL, settings.GARMIN_TOKEN_URL, settings.GARMIN_API_URL, settings.R42_SERVER_URL];
  const insecure = urls.flatMap((value) => {
    const url = value === undefined ? null : parseUrl(value);
    return url?.protocol === 'http:' ? [url.origin] : [];
  });
  return {
    home,
    database: path.join(home, 'companion.db'),
    logFile: path.join(home, 'logs', 'companion.log'),
    keychainService: settings.R42_KEYCHAIN_SERVICE?.trim() ?? 'r42-companion',
    refreshMarginSeconds: settings.R42_REFRESH_MARGIN_SECONDS === undefined ? 600 : Number(settings.R42_REFRESH_MARGIN_SECONDS),
    logLevel: isLogLevel(settings.R42_LOG_LEVEL) ? settings.R42_LOG_LEVEL : 'info',
    insecureHttpUrls: [...new Set(insecure)],
  };
}
