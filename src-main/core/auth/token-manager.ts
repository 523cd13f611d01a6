import { randomUUID } from 'node:crypto';
import { CompanionError, isCompanionError, isRetryable } from '../errors.js';
import type { GarminClient } from '../garmin/garmin-client.js';
import type { Clock, Logger } from '../ports.js';
import { withRetry } from '../retry.js';
import type { AccountRow, AccountsRepo, AuditRepo, RefreshLocksRepo } from '../store/repos.js';
import { DEFAULT_REFRESH_TOKEN_LIFETIME_S, type TokenRecord, type TokenVault } from './token-vault.js';

/** A valid access token, as handed to the CLI and to agents. */
export interface AccessToken {
  readonly accessToken: string;
  readonly expiresAt: number;
  readonly garminUserId: string;
  readonly scope: string | null;
}

export interface TokenManagerDeps {
  readonly accounts: AccountsRepo;
  readonly audit: AuditRepo;
  readonly locks: RefreshLocksRepo;
  readonly vault: TokenVault;
  readonly garmin: () => Promise<GarminClient>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Refresh when the token expires within this many seconds (Garmin asks for at least 600). */
  readonly refreshMarginSeconds: number;
  /** How long a refresh may hold the cross-process lock before others may take it over. */
  readonly lockTtlMs: number;
  readonly pid: number;
  readonly isProcessAlive: (pid: number) => boolean;
  readonly sleep: (ms: number) => Promise<void>;
  /** Test seam: runs at named points of a refresh, so a test can stop the process there. */
  readonly faultPoint?: (point: 'after-garmin-refresh' | 'after-keychain-write') => void;
  /**
   * Called when a refresh is about to spend the refresh token; the release it returns is called
   * once the rotated pair is in the keychain (or the refresh failed). A host that can be stopped by
   * a signal (the CLI) defers its exit in between: Garmin spends the old refresh token the moment
   * it answers, so stopping before the keychain write would lose the link.
   */
  readonly holdExit?: () => () => void;
  /** Retries of a refresh that failed in a way Garmin's client marks retryable (network, 5xx, 429, unreadable answer), with backoff and jitter. */
  readonly refreshRetries?: number;
  /**
   * Where a refresh must outlive the process that asked (the own-developer-app path: no broker to
   * replay a rotation its asker did not live to store), a helper process does it; see
   * refresh-helper.ts. Absent: every refresh runs in this process.
   */
  readonly refreshHelper?: RefreshHelper;
}

/** A refresh done by another process that survives this one. */
export interface RefreshHelper {
  /** Whether this account's refreshes go through the helper (asked when one is due, never on a cached token). */
  applies(): Promise<boolean>;
  /**
   * Has the helper take over the refresh lease `owner` and refresh; resolves once the outcome is in
   * the keychain and the database (the helper released the lease), rejects with its error.
   */
  run(profileId: string, owner: string): Promise<void>;
}

/** Whether `pid` is a running process on this machine. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const reauthMessage = 'Garmin no longer accepts this link (the authorization was revoked or expired). Run `r42-companion login` to link Garmin again.';

/**
 * Hands out valid access tokens and refreshes them before they expire: one refresh at a time per
 * profile, in this process (shared promise) and across processes (a lease in SQLite).
 * Garmin rotates refresh tokens, so two refreshes with the same one would lose the account.
 * @see RFC 6749 §6, RFC 9700 §2.2.2
 */
export class TokenManager {
  private readonly inFlight = new Map<string, Promise<AccessToken>>();
  private readonly cache = new Map<string, { generation: string; record: TokenRecord; token: AccessToken }>();

  constructor(private readonly deps: TokenManagerDeps) {}

  /** A token valid for at least `minValidSeconds` (and the refresh margin), refreshing first if needed. */
  async getAccessToken(profileId: string, options: { minValidSeconds?: number; forceRefresh?: boolean } = {}): Promise<AccessToken> {
    const minValidMs = Math.max(options.minValidSeconds ?? 0, this.deps.refreshMarginSeconds) * 1000;
    const { account, record } = await this.current(profileId);
    // A process died holding the refresh lease: its refresh may have spent the refresh token at
    // Garmin without storing the new one. Only a refresh tells whether Garmin still accepts the
    // link, and one is made now, rather than a token that may be dead being handed out as if all were well.
    const interrupted = this.interruptedRefresh(profileId) !== null;
    if (!options.forceRefresh && !interrupted && record.accessTokenExpiresAt - this.deps.clock.now() > minValidMs) return toAccessToken(record);
    let shared = this.inFlight.get(profileId);
    if (!shared) {
      shared = this.refreshExclusive(profileId, account, minValidMs, options.forceRefresh === true || interrupted).finally(() => this.inFlight.delete(profileId));
      this.inFlight.set(profileId, shared);
    }
    return shared;
  }

  /** When a process died holding the refresh lease (the refresh it made may be lost): the lease's start, or null. */
  interruptedRefresh(profileId: string): number | null {
    return this.deps.locks.abandoned(profileId, this.deps.isProcessAlive)?.acquiredAt ?? null;
  }

  /**
   * In the refresh helper: takes over the lease `owner` that the asking process holds, and refreshes
   * as that process would have (retries, reauth on invalid_grant, the current token kept on a
   * passing failure), then releases the lease. Refuses when the lease is no longer that owner's:
   * the asker died before handing it over and another process took over (and refreshes itself).
   */
  async refreshAsHelper(profileId: string, owner: string): Promise<void> {
    const { locks, clock } = this.deps;
    if (!locks.handOver(profileId, owner, this.deps.pid, clock.now() + this.deps.lockTtlMs)) {
      throw new CompanionError('garmin_unreachable', 'The token refresh was handed over too late (another process took it over). Try again.');
    }
    try {
      const { account, record } = await this.current(profileId, true);
      await this.refreshWithRetry(profileId, account, record);
    } finally {
      locks.release(profileId, owner, this.deps.pid);
    }
  }

  /**
   * The token in memory when it is valid for `minValidSeconds` (and the margin) and the account row
   * says nothing changed since it was read: no keychain, no await. Null when `getAccessToken` must
   * decide (a refresh is due, the keychain was not read yet, the link changed or is gone).
   */
  peek(profileId: string, minValidSeconds?: number): AccessToken | null {
    const cached = this.cache.get(profileId);
    if (!cached) return null;
    const account = this.deps.accounts.get(profileId);
    if (!account || account.status !== 'connected' || cached.generation !== generationOf(account)) return null;
    const minValidMs = Math.max(minValidSeconds ?? 0, this.deps.refreshMarginSeconds) * 1000;
    return cached.record.accessTokenExpiresAt - this.deps.clock.now() > minValidMs ? cached.token : null;
  }

  /**
   * The account and its tokens. The keychain is read once and cached while the account row says
   * nothing changed (another process refreshing or relinking changes it); `fresh` bypasses the
   * cache, as every read under the refresh lock must.
   */
  private async current(profileId: string, fresh = false): Promise<{ account: AccountRow; record: TokenRecord }> {
    const account = this.deps.accounts.get(profileId);
    if (!account) {
      this.cache.delete(profileId);
      throw new CompanionError('not_connected', 'No Garmin account is linked. Run `r42-companion login` to link one.');
    }
    if (account.status === 'reauth_required') {
      this.cache.delete(profileId);
      throw new CompanionError('reauth_required', reauthMessage);
    }
    const cached = this.cache.get(profileId);
    const generation = generationOf(account);
    if (!fresh && cached && cached.generation === generation) return { account, record: cached.record };
    const record = await this.deps.vault.read(account.keychainKey);
    if (!record) {
      this.cache.delete(profileId);
      this.deps.accounts.markReauthRequired(profileId, 'keychain_item_missing', this.deps.clock.now());
      this.deps.audit.append(profileId, this.deps.clock.now(), 'account.reauth_required', { reason: 'keychain_item_missing' });
      throw new CompanionError(
        'reauth_required',
        'The Garmin tokens are missing from the OS keychain (the item was deleted outside R42 Companion). Run `r42-companion login` to link Garmin again.',
      );
    }
    if (record.accessTokenExpiresAt !== account.accessTokenExpiresAt || record.refreshTokenExpiresAt !== account.refreshTokenExpiresAt) {
      // The keychain is the truth: a process stopped between writing it and the database.
      this.deps.accounts.syncExpiry(profileId, record.accessTokenExpiresAt, record.refreshTokenExpiresAt);
      const synced = this.deps.accounts.get(profileId)!;
      this.cache.set(profileId, { generation: generationOf(synced), record, token: toAccessToken(record) });
      return { account: synced, record };
    }
    this.cache.set(profileId, { generation, record, token: toAccessToken(record) });
    return { account, record };
  }

  private async refreshExclusive(profileId: string, account: AccountRow, minValidMs: number, force: boolean): Promise<AccessToken> {
    const owner = randomUUID();
    const { locks, clock } = this.deps;
    const startedAt = clock.now();
    let waited = false;
    while (!locks.tryAcquire(profileId, owner, this.deps.pid, clock.now(), this.deps.lockTtlMs, this.deps.isProcessAlive)) {
      waited = true;
      if (clock.now() - startedAt > this.deps.lockTtlMs * 2) {
        throw new CompanionError('garmin_unreachable', 'Another R42 Companion process has been refreshing the Garmin token for too long. Try again in a minute.');
      }
      await this.deps.sleep(20 + Math.random() * 40);
    }
    try {
      // Another process may have refreshed while we waited: read again before spending the refresh token.
      const { record } = await this.current(profileId, true);
      if ((waited || !force) && record.accessTokenExpiresAt - clock.now() > minValidMs) return toAccessToken(record);
      const helper = this.deps.refreshHelper;
      if (helper && (await helper.applies())) {
        // The helper takes the lease over (it stays held while it works, whatever becomes of us)
        // and leaves the outcome in the keychain and the database.
        await helper.run(profileId, owner);
        return toAccessToken((await this.current(profileId, true)).record);
      }
      return await this.refreshWithRetry(profileId, account, record);
    } finally {
      // Not once handed over to the helper: a helper that died holding it leaves the lease as the
      // sign of an interrupted refresh (see interruptedRefresh), which must not be wiped here.
      locks.release(profileId, owner, this.deps.pid);
    }
  }

  private async refreshWithRetry(profileId: string, account: AccountRow, record: TokenRecord): Promise<AccessToken> {
    const retries = this.deps.refreshRetries ?? 3;
    try {
      return await withRetry(() => this.refreshOnce(profileId, account, record), {
        retries,
        sleep: this.deps.sleep,
        onRetry: (error) => this.deps.accounts.recordError(profileId, (error as CompanionError).code, this.deps.clock.now()),
      });
    } catch (error) {
      const now = this.deps.clock.now();
      if (!isRetryable(error)) {
        // Refused for another reason (client credentials, configuration): the runner must act.
        if (isCompanionError(error) && error.code !== 'reauth_required') {
          this.deps.accounts.recordError(profileId, error.code, now);
          this.deps.audit.append(profileId, now, 'token.refresh_failed', { code: error.code });
        }
        throw error;
      }
      const { code } = error as CompanionError;
      this.deps.accounts.recordError(profileId, code, now);
      this.deps.audit.append(profileId, now, 'token.refresh_failed', { code });
      this.deps.logger.log('warn', 'token.refresh_failed', { code, attempts: retries + 1 });
      // Keep serving the current token while it is still valid.
      if (record.accessTokenExpiresAt > now) return toAccessToken(record);
      throw error;
    }
  }

  private async refreshOnce(profileId: string, account: AccountRow, record: TokenRecord): Promise<AccessToken> {
    const garmin = await this.deps.garmin();
    const release = this.deps.holdExit?.() ?? (() => undefined);
    try {
      return await this.rotate(profileId, account, record, garmin);
    } finally {
      release();
    }
  }

  /** Spends the refresh token and makes the rotated pair durable: the span no signal may cut. */
  private async rotate(profileId: string, account: AccountRow, record: TokenRecord, garmin: GarminClient): Promise<AccessToken> {
    const { clock, vault, accounts, audit, logger } = this.deps;
    let tokens;
    try {
      tokens = await garmin.refresh(record.refreshToken);
    } catch (error) {
      // By shape: this module does not load the Garmin client (and its OAuth library) for a cached token.
      if (isCompanionError(error) && (error as { oauthError?: unknown }).oauthError === 'invalid_grant') {
        const now = clock.now();
        await vault.remove(account.keychainKey);
        accounts.markReauthRequired(profileId, 'invalid_grant', now);
        audit.append(profileId, now, 'account.reauth_required', { reason: 'invalid_grant' });
        logger.log('warn', 'token.reauth_required', { reason: 'invalid_grant' });
        throw new CompanionError('reauth_required', reauthMessage);
      }
      throw error;
    }
    this.deps.faultPoint?.('after-garmin-refresh');
    const now = clock.now();
    const next: TokenRecord = {
      v: 1,
      garminUserId: record.garminUserId,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: now + tokens.expiresInSeconds * 1000,
      refreshToken: tokens.refreshToken,
      refreshTokenExpiresAt: now + (tokens.refreshTokenExpiresInSeconds ?? DEFAULT_REFRESH_TOKEN_LIFETIME_S) * 1000,
      scope: tokens.scope ?? record.scope,
    };
    // The rotated refresh token is durable before the new access token is used by anyone.
    await vault.write(account.keychainKey, next);
    this.deps.faultPoint?.('after-keychain-write');
    accounts.recordRefresh(profileId, now, next.accessTokenExpiresAt, next.refreshTokenExpiresAt, next.scope);
    audit.append(profileId, now, 'token.refreshed', {});
    logger.log('info', 'token.refreshed', {});
    return toAccessToken(next);
  }
}

/** What changes in the account row whenever the tokens in the keychain do (a refresh, a relink, a repair). */
/** Worked out once per row read (rows are read again only when the database changed): `peek` runs per agent request. */
const generations = new WeakMap<AccountRow, string>();

function generationOf(account: AccountRow): string {
  let generation = generations.get(account);
  if (generation === undefined) {
    generation = `${account.keychainKey}|${account.connectedAt}|${account.refreshedAt}|${account.accessTokenExpiresAt}`;
    generations.set(account, generation);
  }
  return generation;
}

function toAccessToken(record: TokenRecord): AccessToken {
  return { accessToken: record.accessToken, expiresAt: record.accessTokenExpiresAt, garminUserId: record.garminUserId, scope: record.scope };
}
