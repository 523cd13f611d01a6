/**
 * The runner's Garmin account on this computer: signing in, what the link's status is,
 * disconnecting (this computer only while the runner's other computers still use the relay, else
 * Garmin's registration too), and a deregistration the relay heard of, confirmed with Garmin
 * before the link is given up.
 */
import type { ConnectionStatus, DisconnectResult } from '../../../src-common/contract.js';
import { DAY_MS } from '../../../src-common/dates.js';
import type { SignInResult, SignInStep } from '../auth/sign-in.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { TokenVault } from '../auth/token-vault.js';
import type { CompanionConfig } from '../config.js';
import { CompanionError, isCompanionError } from '../errors.js';
import type { BrowserLauncher, Clock, Logger } from '../ports.js';
import type { Database } from '../store/database.js';
import type { RelayRepo } from '../store/relay-repo.js';
import type { AccountsRepo, AuditRepo, SignInSessionsRepo } from '../store/repos.js';
import type { TrainingRepo } from '../store/training-repo.js';
import type { SyncService } from '../sync/sync-service.js';
import type { GarminLink } from './garmin-link.js';

/** Warn this long before the refresh token's own end (about 90 days after the last sign-in). */
export const REFRESH_TOKEN_WARNING_MS = 14 * DAY_MS;

export interface AccountServiceDeps {
  readonly config: CompanionConfig;
  readonly db: Database;
  readonly accounts: AccountsRepo;
  readonly sessions: SignInSessionsRepo;
  readonly audit: AuditRepo;
  readonly vault: TokenVault;
  readonly training: TrainingRepo;
  readonly relayRepo: RelayRepo;
  readonly tokens: TokenManager;
  readonly link: GarminLink;
  /** The sync's status (for `status`) and the relay this computer is known to, if any. */
  readonly sync: Pick<SyncService, 'status' | 'relay'>;
  readonly browser: BrowserLauncher;
  readonly profileId: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface AccountService {
  signIn(options?: { timeoutMs?: number; openBrowser?: boolean; signal?: AbortSignal; onStep?: (step: SignInStep) => void }): Promise<SignInResult>;
  status(): ConnectionStatus;
  disconnect(options?: { keepData?: boolean }): Promise<DisconnectResult>;
  /** The relay says the runner removed R42 in Garmin Connect: given up only once Garmin refuses the runner's token. */
  confirmDeregistration(): Promise<void>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createAccountService(deps: AccountServiceDeps): AccountService {
  const { config, db, accounts, audit, vault, training, relayRepo, tokens, link, profileId, clock, logger } = deps;
  let signInRunning = false;

  /**
   * The account's last error; a refresh cut off by the death of the process making it comes first:
   * the link may be lost, and status must not say all is well until a refresh has told.
   */
  const lastError = (account: ReturnType<typeof accounts.get>, now: number): ConnectionStatus['lastError'] => {
    const interrupted = account?.status === 'connected' ? tokens.interruptedRefresh(profileId) : null;
    if (interrupted !== null) return { code: 'refresh_interrupted', at: iso(interrupted)! };
    return account?.lastErrorCode ? { code: account.lastErrorCode, at: iso(account.lastErrorAt ?? now)! } : null;
  };

  return {
    async signIn(options = {}) {
      if (signInRunning) throw new CompanionError('sign_in_in_progress', 'A Garmin sign-in is already waiting for the browser. Finish or cancel it first.');
      signInRunning = true;
      try {
        await vault.checkWritable();
        const { signIn } = await import('../auth/sign-in.js');
        return await signIn(
          { db, accounts, sessions: deps.sessions, audit, vault, garmin: await link.client(), browser: deps.browser, clock, logger, redirect: config.garmin.redirect },
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
        permissions: [...(account?.permissions ?? [])],
        scope: account?.scope ?? null,
        connectedAt: iso(account?.connectedAt ?? null),
        accessTokenExpiresAt: iso(account?.accessTokenExpiresAt ?? null),
        refreshTokenExpiresAt: iso(account?.refreshTokenExpiresAt ?? null),
        refreshTokenExpiresSoon: account?.refreshTokenExpiresAt != null && account.refreshTokenExpiresAt - now < REFRESH_TOKEN_WARNING_MS,
        lastRefreshAt: iso(account?.refreshedAt ?? null),
        lastError: lastError(account, now),
        sync: deps.sync.status(),
        link: link.view(),
      };
    },

    async disconnect(options = {}) {
      const keepData = options.keepData === true;
      const relaySync = deps.sync.relay;
      const account = accounts.get(profileId);
      if (!account) {
        if (!keepData) training.deleteAll();
        return { wasConnected: false, dataKept: keepData, garminUserId: null, deregisteredAtGarmin: false, garminError: null, otherComputers: 0, othersLastSeenAt: null };
      }
      let deregisteredAtGarmin = false;
      let garminError: DisconnectResult['garminError'] = null;
      let otherComputers = 0;
      let othersLastSeenAt: string | null = null;
      if (relaySync && account.status === 'connected') {
        // While the token still works: the relay stops delivering here, and drops everything it
        // holds for this runner when this is their last computer.
        try {
          const forgotten = await relaySync.forget();
          otherComputers = forgotten.computersLeft;
          othersLastSeenAt = forgotten.othersLastSeenAt;
        } catch (error) {
          // The relay cannot say now: its last count of this runner's computers decides.
          otherComputers = Math.max(0, (relayRepo.state().computers ?? 1) - 1);
          logger.log('warn', 'relay.forget_failed', { code: isCompanionError(error) ? error.code : 'unexpected', other_computers: otherComputers });
        }
      }
      // Garmin's registration is the runner's, not this computer's: deleting it ends every
      // computer's link, so only the last one to disconnect deletes it.
      if (otherComputers === 0) {
        try {
          const token = await tokens.getAccessToken(profileId);
          await (await link.client()).deleteRegistration(token.accessToken);
          deregisteredAtGarmin = true;
        } catch (error) {
          const failure = isCompanionError(error) ? error : new CompanionError('garmin_unreachable', 'Garmin could not be told.', { cause: error });
          garminError = failure.toJSON();
          logger.log('warn', 'account.deregister_failed', { code: failure.code });
        }
      }
      await vault.remove(account.keychainKey);
      db.transaction(() => {
        accounts.remove(profileId);
        relayRepo.reset();
        if (!keepData) training.deleteAll();
        audit.append(profileId, clock.now(), 'account.disconnected', {
          garminUserId: account.garminUserId,
          deregisteredAtGarmin,
          garminError: garminError?.code ?? null,
          dataKept: keepData,
          otherComputers,
        });
      })();
      logger.log('info', 'account.disconnected', { deregisteredAtGarmin, dataKept: keepData, otherComputers });
      return { wasConnected: true, dataKept: keepData, garminUserId: account.garminUserId, deregisteredAtGarmin, garminError, otherComputers, othersLastSeenAt };
    },

    async confirmDeregistration() {
      const account = accounts.get(profileId);
      if (!account) return;
      // The webhook's only credential is the public client id, so a deregistration could be forged:
      // Garmin itself must confirm by refusing the runner's token before the link is given up.
      try {
        const token = await tokens.getAccessToken(profileId);
        await (await link.client()).userId(token.accessToken);
        logger.log('warn', 'relay.deregistration_unconfirmed', {});
        audit.append(profileId, clock.now(), 'relay.deregistration_ignored', { reason: 'garmin_still_accepts_the_token' });
        return;
      } catch (error) {
        if (isCompanionError(error, 'reauth_required')) return;
        // Garmin refusing the token (401/403) is the confirmation; anything else is not.
        if (!isCompanionError(error, 'garmin_rejected')) {
          // Garmin cannot say now; the next use of the token will tell (invalid_grant → reconnect).
          logger.log('warn', 'relay.deregistration_unchecked', { code: isCompanionError(error) ? error.code : 'unexpected' });
          return;
        }
      }
      // Confirmed: the relay stops delivering here (it still knows the token for up to an hour), and
      // drops what it holds once the runner's last computer has heard.
      await deps.sync.relay?.forget().catch(() => logger.log('warn', 'relay.forget_failed', { code: 'after_deregistration' }));
      const now = clock.now();
      accounts.markReauthRequired(profileId, 'deregistered', now);
      audit.append(profileId, now, 'account.reauth_required', { reason: 'deregistered' });
      logger.log('warn', 'token.reauth_required', { reason: 'deregistered' });
      await vault.remove(account.keychainKey).catch(() => undefined);
    },
  };
}
