/**
 * `r42-companion token` when the keychain holds a token valid long enough: answered from SQLite
 * (read-only) and the keychain alone, without the core facade (zod, the sync engine, the agent endpoint, the
 * OAuth client). It only reads: anything else (a refresh, which must run under the refresh lease;
 * a missing or unreadable keychain item; a link to repair; settings it cannot vouch for) is left
 * to the full path, which does what it always did. The token goes to stdout only, as there.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type BetterSqlite3Type from 'better-sqlite3';
import { readSecretNow } from '../adapters/keytar-secret-store.js';
import { createFileLogger } from '../core/logging.js';
import { secureDataFolder } from '../core/store/data-folder.js';
import { SCHEMA_VERSION } from '../core/store/schema-version.js';
import { insecureWarning, type CliIo } from './io.js';
import { quickConfig } from './quick-config.js';

/** store/repos.ts DEFAULT_PROFILE_ID (the test compares them). */
export const QUICK_PROFILE_ID = 'default';

interface LinkedAccount {
  readonly keychainKey: string;
  readonly accessTokenExpiresAt: number | null;
  readonly refreshTokenExpiresAt: number | null;
}

const isExpiry = (value: unknown): value is number | null => value === null || typeof value === 'number';

/**
 * The account row when it is linked and every column the full path reads is well formed
 * (AccountsRepo parses the permissions column and would fail on a bad one), else null.
 */
function linkedAccount(row: unknown): LinkedAccount | null {
  if (typeof row !== 'object' || row === null) return null;
  const { status, keychain_key: keychainKey, access_token_expires_at: access, refresh_token_expires_at: refresh, permissions } = row as Record<string, unknown>;
  if (status !== 'connected' || typeof keychainKey !== 'string' || !isExpiry(access) || !isExpiry(refresh) || typeof permissions !== 'string') return null;
  try {
    const list: unknown = JSON.parse(permissions);
    if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) return null;
  } catch {
    return null;
  }
  return { keychainKey, accessTokenExpiresAt: access, refreshTokenExpiresAt: refresh };
}

interface CachedRecord {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: number;
  readonly refreshTokenExpiresAt: number;
}

const RECORD_KEYS = ['v', 'garminUserId', 'accessToken', 'accessTokenExpiresAt', 'refreshToken', 'refreshTokenExpiresAt', 'scope'];
const filled = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const safeInteger = (value: unknown): value is number => Number.isSafeInteger(value);

/** The keychain item, held to auth/token-vault.ts's schema (strict, same types), or null for the vault to judge. */
function parseRecord(raw: string): CachedRecord | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const keys = Object.keys(json);
  if (keys.length !== RECORD_KEYS.length || !RECORD_KEYS.every((k) => keys.includes(k))) return null;
  const r = json as Record<string, unknown>;
  if (r.v !== 1 || !filled(r.garminUserId) || !filled(r.accessToken) || !filled(r.refreshToken) || !(r.scope === null || typeof r.scope === 'string')) return null;
  if (!safeInteger(r.accessTokenExpiresAt) || !safeInteger(r.refreshTokenExpiresAt)) return null;
  return { accessToken: r.accessToken, accessTokenExpiresAt: r.accessTokenExpiresAt, refreshTokenExpiresAt: r.refreshTokenExpiresAt };
}

/**
 * The name of the keychain item the last `token` read (`garmin-tokens:<profile>:<Garmin user id>`, not a
 * secret), kept beside the database so the next run can ask the keychain for it before SQLite is
 * even open: the two then overlap instead of adding up. The database row stays the authority: a
 * hint that no longer matches it (another account linked since) is ignored and rewritten.
 */
export const KEYCHAIN_HINT_FILE = 'keychain-item.hint';

function readHint(home: string): string | null {
  try {
    const text = readFileSync(path.join(home, KEYCHAIN_HINT_FILE), 'utf8').trim();
    return text.length > 0 && text.length <= 512 ? text : null;
  } catch {
    return null;
  }
}

function writeHint(home: string, key: string): void {
  try {
    writeFileSync(path.join(home, KEYCHAIN_HINT_FILE), `${key}\n`, { mode: 0o600 });
  } catch {
    // Only a speed-up: the next run reads the row first, as this one did.
  }
}

/**
 * The database, read-only, when it exists at exactly the schema this build knows; else null and
 * the full path opens it (creating, migrating, or refusing a newer one, with its usual words).
 * Read-only, it never migrates or checkpoints (closing the last read-write connection writes the
 * WAL back into the database). better-sqlite3 is loaded here, after the keychain request has left
 * (the installed entry has its JavaScript bundled in, scripts/build.mjs: no module search and no
 * dozen files read while the keychain answers), and given its addon's file when it is where npm
 * builds it (`bindings` searches a dozen paths).
 */
async function openReadOnly(file: string): Promise<BetterSqlite3Type.Database | null> {
  if (!existsSync(file)) return null;
  const require = createRequire(import.meta.url);
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  let addon: string | undefined;
  try {
    const built = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    if (existsSync(built)) addon = built;
  } catch {
    // Its own search, then.
  }
  let db: BetterSqlite3Type.Database | null = null;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, ...(addon ? { nativeBinding: addon } : {}) });
    db.pragma('busy_timeout = 5000');
    if (db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return db;
  } catch {
    // Whatever it is, the full path meets it again and says it in its own words.
  }
  db?.close();
  return null;
}

export interface QuickAnswer {
  /** The token is on stdout: nothing more to do. */
  readonly answered: boolean;
  /** The INSECURE warnings were printed and logged: the full path must not repeat them. */
  readonly warned: boolean;
}

/**
 * Prints the cached access token when it is valid for `minValidSeconds` (and the refresh margin),
 * as the token manager would hand it out. A database it cannot read (missing, another schema,
 * unreadable) is left to the full path, which opens it its own way; an error the full path would
 * meet in the same place (the keychain is locked) is thrown as it is.
 */
export async function cachedToken(
  ctx: { readonly io: Pick<CliIo, 'env' | 'stdout' | 'stderr'>; readonly packagedDefaultsFile: string },
  minValidSeconds: number | undefined,
): Promise<QuickAnswer> {
  const { io } = ctx;
  const config = quickConfig(io.env, process.platform, ctx.packagedDefaultsFile);
  if (!config) return { answered: false, warned: false };
  // The keychain request first: it runs in a native thread while SQLite opens below.
  const hint = readHint(config.home);
  const early = hint === null ? null : readSecretNow(config.keychainService, hint);
  // Observed now, judged below: a hint that turns out stale must not leave an unhandled rejection.
  early?.catch(() => undefined);
  // The steps and their order are those of withCompanion and createCompanion.
  const logger = createFileLogger(config.logFile, config.logLevel);
  for (const origin of config.insecureHttpUrls) io.stderr(insecureWarning(origin));
  secureDataFolder(config.home, logger);
  const db = await openReadOnly(config.database);
  if (!db) {
    for (const origin of config.insecureHttpUrls) logger.log('warn', 'config.insecure_http', { origin });
    return { answered: false, warned: true };
  }
  try {
    for (const origin of config.insecureHttpUrls) logger.log('warn', 'config.insecure_http', { origin });
    const account = linkedAccount(db.prepare('SELECT * FROM garmin_accounts WHERE profile_id = ?').get(QUICK_PROFILE_ID));
    if (!account) return { answered: false, warned: true };
    // A refresh lease is held (a refresh under way), or was left by a process that died making one:
    // the full path judges (it verifies an interrupted refresh before handing anything out).
    if (db.prepare('SELECT 1 FROM refresh_locks WHERE profile_id = ?').get(QUICK_PROFILE_ID) !== undefined) return { answered: false, warned: true };
    let raw: string | null;
    if (early && account.keychainKey === hint) raw = await early;
    else {
      raw = await readSecretNow(config.keychainService, account.keychainKey);
      writeHint(config.home, account.keychainKey);
    }
    const record = raw === null ? null : parseRecord(raw);
    // The keychain is the truth; when the row disagrees (a process stopped between the two), the token manager repairs it.
    if (!record || record.accessTokenExpiresAt !== account.accessTokenExpiresAt || record.refreshTokenExpiresAt !== account.refreshTokenExpiresAt) return { answered: false, warned: true };
    const minValidMs = Math.max(minValidSeconds ?? 0, config.refreshMarginSeconds) * 1000;
    if (record.accessTokenExpiresAt - Date.now() <= minValidMs) return { answered: false, warned: true };
    io.stdout(`${record.accessToken}\n`);
    return { answered: true, warned: true };
  } finally {
    db.close();
  }
}
