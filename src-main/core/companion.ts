import type { CompanionConfig } from './config.js';
import { CompanionError, isCompanionError } from './errors.js';
import { GarminClient } from './garmin/garmin-client.js';
import { resolveClientSecret } from './auth/client-secret.js';
import { signIn, type SignInResult, type SignInStep } from './auth/sign-in.js';
import { isProcessAlive, TokenManager, type AccessToken } from './auth/token-manager.js';
import { clientSecretKeyFor, TokenVault } from './auth/token-vault.js';
import { systemClock, silentLogger, type BrowserLauncher, type Clock, type Fetch, type Logger, type SecretStore } from './ports.js';
import { openDatabase, type Database } from './store/database.js';
import { AccountsRepo, AuditRepo, DEFAULT_PROFILE_ID, RefreshLocksRepo, SignInSessionsRepo, type AuditEntry } from './store/repos.js';

/** Warn this long before the refresh token's own end (about 90 days after the last sign-in). */
export const REFRESH_TOKEN_WARNING_MS = 14 * 24 * 3600 * 1000;

export interface CompanionDeps {
  readonly config: CompanionConfig;
  readonly secrets: SecretStore;
  readonly browser: BrowserLauncher;
  readonly clock?: Clock;
  readonly fetch?: Fetch;
  readonly logger?: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Test seam, see TokenManagerDeps.faultPoint. */
  readonly faultPoint?: (point: 'after-garmin-refresh' | 'after-keychain-write') => void;
}

/** What status shows. Plain data with no secret in it: safe for the CLI, IPC and agents. */
export interface ConnectionStatus {
  readonly configured: boolean;
  readonly connected: boolean;
  readonly state: 'not_connected' | 'connected' | 'reauth_required';
  readonly garminUserId: string | null;
  readonly permissions: readonly string[];
  readonly scope: string | null;
  readonly connectedAt: string | null;
  readonly accessTokenExpiresAt: string | null;
  readonly refreshTokenExpiresAt: string | null;
  readonly refreshTokenExpiresSoon: boolean;
  readonly lastRefreshAt: string | null;
  readonly lastError: { readonly code: string; readonly at: string } | null;
}

export interface DisconnectResult {
  readonly wasConnected: boolean;
  readonly garminUserId: string | null;
  /** True when Garmin confirmed the registration is deleted. */
  readonly deregisteredAtGarmin: boolean;
  /** Why Garmin was not told, when it was not. */
  readonly garminError: { readonly code: string; readonly message: string } | null;
}

export interface Companion {
  readonly config: CompanionConfig;
  signIn(options?: { timeoutMs?: number; openBrowser?: boolean; signal?: AbortSignal; onStep?: (step: SignInStep) => void }): Promise<SignInResult>;
  status(): ConnectionStatus;
  getAccessToken(options?: { minValidSeconds?: number; forceRefresh?: boolean }): Promise<AccessToken>;
  disconnect(): Promise<DisconnectResult>;
  setClientSecret(secret: string): Promise<void>;
  clearClientSecret(): Promise<boolean>;
  auditLog(limit?: number): AuditEntry[];
  close(): void;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Builds the one facade that the Electron shell, the CLI and the agent endpoint use. */
export function createCompanion(deps: CompanionDeps): Companion {
  const { config, secrets } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const db: Database = openDatabase(config.paths.database);
  const accounts = new AccountsRepo(db);
  const sessions = new SignInSessionsRepo(db);
  const audit = new AuditRepo(db);
  const locks = new RefreshLocksRepo(db);
  const vault = new TokenVault(secrets);
  const profileId = DEFAULT_PROFILE_ID;

  for (const origin of config.insecureHttpUrls) logger.log('warn', 'config.insecure_http', { origin });

  const requireClientId = (): string => {
    if (!config.garmin.clientId) {
      throw new CompanionError(
        'not_configured',
        'Garmin is not configured: set GARMIN_CLIENT_ID (your Garmin Connect developer app’s client id) in the environment or in config.json in the data folder.',
      );
    }
    return config.garmin.clientId;
  };

  let garminClient: Promise<GarminClient> | null = null;
  const garmin = (): Promise<GarminClient> => {
    garminClient ??= (async () => {
      const clientId = requireClientId();
      const clientSecret = await resolveClientSecret(secrets, audit, clientId, config.garmin.clientSecretFromEnv, clock.now());
      return new GarminClient({
        authorizeUrl: config.garmin.authorizeUrl,
        tokenUrl: config.garmin.tokenUrl,
        apiUrl: config.garmin.apiUrl,
        clientId,
        clientSecret,
        timeoutMs: config.httpTimeoutMs,
        fetch: deps.fetch ?? fetch,
      });
    })();
    garminClient.catch(() => (garminClient = null));
    return garminClient;
  };

  const tokens = new TokenManager({
    accounts,
    audit,
    locks,
    vault,
    garmin,
    clock,
    logger,
    refreshMarginSeconds: config.refreshMarginSeconds,
    lockTtlMs: config.httpTimeoutMs * 4 + 5_000,
    pid: process.pid,
    isProcessAlive,
    sleep,
    faultPoint: deps.faultPoint,
  });

  let signInRunning = false;

  return {
    config,

    async signIn(options = {}) {
      if (signInRunning) throw new CompanionError('sign_in_in_progress', 'A Garmin sign-in is already waiting for the browser. Finish or cancel it first.');
      signInRunning = true;
      try {
        await vault.checkWritable();
        return await signIn(
          { db, accounts, sessions, audit, vault, garmin: await garmin(), browser: deps.browser, clock, logger, redirect: config.garmin.redirect },
          {
            profileId,
            timeoutMs: options.timeoutMs ?? config.signInTimeoutSeconds * 1000,
            openBrowser: options.openBrowser ?? true,
            signal: options.signal,
            onStep: options.onStep,
          },
        );
      } finally {
        signInRunning = false;
      }
    },

    status() {
      const account = accounts.get(profileId);
      const now = clock.now();
      return {
        configured: Boolean(config.garmin.clientId),
        connected: account?.status === 'connected',
        state: account ? account.status : 'not_connected',
        garminUserId: account?.garminUserId ?? null,
        permissions: account?.permissions ?? [],
        scope: account?.scope ?? null,
        connectedAt: iso(account?.connectedAt ?? null),
        accessTokenExpiresAt: iso(account?.accessTokenExpiresAt ?? null),
        refreshTokenExpiresAt: iso(account?.refreshTokenExpiresAt ?? null),
        refreshTokenExpiresSoon: account?.refreshTokenExpiresAt != null && account.refreshTokenExpiresAt - now < REFRESH_TOKEN_WARNING_MS,
        lastRefreshAt: iso(account?.refreshedAt ?? null),
        lastError: account?.lastErrorCode ? { code: account.lastErrorCode, at: iso(account.lastErrorAt ?? now)! } : null,
      };
    },

    getAccessToken(options = {}) {
      return tokens.getAccessToken(profileId, options);
    },

    async disconnect() {
      const account = accounts.get(profileId);
      if (!account) return { wasConnected: false, garminUserId: null, deregisteredAtGarmin: false, garminError: null };
      let deregisteredAtGarmin = false;
      let garminError: DisconnectResult['garminError'] = null;
      try {
        const token = await tokens.getAccessToken(profileId);
        await (await garmin()).deleteRegistration(token.accessToken);
        deregisteredAtGarmin = true;
      } catch (error) {
        const failure = isCompanionError(error) ? error : new CompanionError('garmin_unreachable', 'Garmin could not be told.', { cause: error });
        garminError = failure.toJSON();
        logger.log('warn', 'account.deregister_failed', { code: failure.code });
      }
      await vault.remove(account.keychainKey);
      db.transaction(() => {
        accounts.remove(profileId);
        audit.append(profileId, clock.now(), 'account.disconnected', {
          garminUserId: account.garminUserId,
          deregisteredAtGarmin,
          garminError: garminError?.code ?? null,
        });
      })();
      logger.log('info', 'account.disconnected', { deregisteredAtGarmin });
      return { wasConnected: true, garminUserId: account.garminUserId, deregisteredAtGarmin, garminError };
    },

    async setClientSecret(secret) {
      const clientId = requireClientId();
      await secrets.set(clientSecretKeyFor(clientId), secret);
      garminClient = null;
      audit.append(null, clock.now(), 'client_secret.stored', { source: 'cli' });
    },

    async clearClientSecret() {
      const clientId = requireClientId();
      const removed = await secrets.delete(clientSecretKeyFor(clientId));
      garminClient = null;
      if (removed) audit.append(null, clock.now(), 'client_secret.cleared', {});
      return removed;
    },

    auditLog(limit) {
      return audit.list(limit);
    },

    close() {
      db.close();
    },
  };
}
