import { createHash, timingSafeEqual } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { CompanionError, isCompanionError } from '../errors.js';
import type { RedirectTarget } from '../config.js';
import type { GarminClient } from '../garmin/garmin-client.js';
import type { BrowserLauncher, Clock, Logger } from '../ports.js';
import type { AccountsRepo, AuditRepo, SignInSessionsRepo } from '../store/repos.js';
import type { Database } from '../store/database.js';
import { startLoopbackListener, type CallbackReply } from './loopback-listener.js';
import { DEFAULT_REFRESH_TOKEN_LIFETIME_S, tokenKeyFor, type TokenVault } from './token-vault.js';
import type { PageKind } from './pages.js';

/** A sign-in session lives 15 minutes at most, whatever the timeout. */
export const SIGN_IN_SESSION_TTL_MS = 15 * 60 * 1000;
/** Callbacks with a wrong state that get their own audit row per sign-in; the rest are counted in one. */
export const REJECTED_CALLBACKS_AUDITED = 10;
/** Refresh tokens whose lifetime Garmin does not state are taken to last 90 days. */
export { DEFAULT_REFRESH_TOKEN_LIFETIME_S };

/** The steps of a sign-in, as the CLI and the UI show them. @see docs/architecture.md rule 9 */
export type SignInStep =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'waitingForBrowser';
      /** Holds the state: shown to the runner in a terminal, never logged or sent to the renderer. */
      readonly authorizeUrl: string;
      readonly expiresAt: number;
      readonly browserOpened: boolean;
    }
  | { readonly kind: 'exchanging' }
  | { readonly kind: 'connected'; readonly garminUserId: string; readonly permissions: readonly string[] }
  | { readonly kind: 'failed'; readonly error: { readonly code: string; readonly message: string } };

export interface SignInOptions {
  readonly profileId: string;
  readonly timeoutMs: number;
  readonly openBrowser: boolean;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: SignInStep) => void;
}

export interface SignInResult {
  readonly garminUserId: string;
  readonly permissions: readonly string[];
}

export interface SignInDeps {
  readonly db: Database;
  readonly accounts: AccountsRepo;
  readonly sessions: SignInSessionsRepo;
  readonly audit: AuditRepo;
  readonly vault: TokenVault;
  readonly garmin: GarminClient;
  readonly browser: BrowserLauncher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redirect: RedirectTarget;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

const FAILURE_PAGE: Partial<Record<string, PageKind>> = {
  sign_in_declined: 'declined',
  sign_in_expired: 'expired',
  sign_in_cancelled: 'cancelled',
  sign_in_timeout: 'cancelled',
};

/**
 * Links a Garmin account: PKCE authorization code flow through the system browser and a loopback
 * redirect. @see RFC 7636, RFC 8252 §7.3, RFC 9700 §2.1
 *
 * Nothing is stored unless every step succeeds; a failure leaves an earlier link as it was.
 */
export async function signIn(deps: SignInDeps, options: SignInOptions): Promise<SignInResult> {
  const { clock, logger, audit, sessions } = deps;
  const step = (s: SignInStep) => options.onStep?.(s);
  // Cancelled while the keychain was checked: stop before anything starts.
  if (options.signal?.aborted) throw new CompanionError('sign_in_cancelled', 'Sign-in cancelled. Nothing was linked.');

  // @see RFC 7636 §4.1–4.2: a fresh high-entropy verifier per attempt, S256 only.
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
  const state = oauth.generateRandomState();
  const stateHash = sha256(state);

  const flow = new AbortController();
  const timeout = setTimeout(() => flow.abort(new CompanionError('sign_in_timeout', timeoutMessage(options.timeoutMs))), options.timeoutMs);
  const onExternalAbort = () => flow.abort(new CompanionError('sign_in_cancelled', 'Sign-in cancelled. Nothing was linked.'));
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });

  let settle!: { resolve: (r: SignInResult) => void; reject: (e: CompanionError) => void };
  const outcome = new Promise<SignInResult>((resolve, reject) => (settle = { resolve, reject }));
  outcome.catch(() => undefined); // awaited below only once the browser is open; early failures are rethrown there
  let phase = 'waiting' as 'waiting' | 'exchanging' | 'done';
  let sessionId = '';
  let expiresAt = 0;
  // Anyone on this computer can send wrong-state callbacks: past a few, count them instead of writing each.
  let rejectedCallbacks = 0;
  const auditRejectedOverflow = () => {
    if (rejectedCallbacks <= REJECTED_CALLBACKS_AUDITED) return;
    audit.append(options.profileId, clock.now(), 'sign_in.callback_rejected', { reason: 'more_rejected', count: rejectedCallbacks - REJECTED_CALLBACKS_AUDITED });
    logger.log('warn', 'sign_in.callback_rejected', { reason: 'more_rejected', count: rejectedCallbacks - REJECTED_CALLBACKS_AUDITED });
    rejectedCallbacks = 0;
  };

  const fail = (error: CompanionError) => {
    if (phase === 'done') return;
    phase = 'done';
    const status = error.code === 'sign_in_cancelled' ? 'cancelled' : error.code === 'sign_in_timeout' || error.code === 'sign_in_expired' ? 'expired' : 'failed';
    if (sessionId) sessions.end(sessionId, status, clock.now(), error.code);
    audit.append(options.profileId, clock.now(), 'sign_in.failed', { code: error.code });
    logger.log('warn', 'sign_in.failed', { code: error.code });
    settle.reject(error);
  };

  flow.signal.addEventListener('abort', () => {
    const reason: unknown = flow.signal.reason;
    fail(isCompanionError(reason) ? reason : new CompanionError('sign_in_cancelled', 'Sign-in cancelled. Nothing was linked.'));
  });

  const handleCallback = async (url: URL): Promise<CallbackReply> => {
    const given = url.searchParams.get('state');
    // @see RFC 6749 §10.12: a request without our state is not ours; it neither ends nor uses the sign-in.
    if (given === null || !timingSafeEqual(sha256(given), stateHash)) {
      rejectedCallbacks++;
      if (rejectedCallbacks <= REJECTED_CALLBACKS_AUDITED) {
        audit.append(options.profileId, clock.now(), 'sign_in.callback_rejected', { reason: given === null ? 'missing_state' : 'state_mismatch' });
        logger.log('warn', 'sign_in.callback_rejected', { reason: given === null ? 'missing_state' : 'state_mismatch' });
      }
      return { page: 'wrong_state' };
    }
    if (phase !== 'waiting') return { page: 'already_used' };
    phase = 'exchanging';
    if (clock.now() > expiresAt) {
      fail(new CompanionError('sign_in_expired', 'This sign-in link expired. Start the sign-in again.'));
      return { redirectTo: 'expired' };
    }
    let params: URLSearchParams;
    try {
      params = deps.garmin.validateCallback(url.searchParams, state);
    } catch (error) {
      const refusal = callbackRefusal(error);
      fail(refusal);
      return { redirectTo: FAILURE_PAGE[refusal.code] ?? 'failed', failureCode: refusal.code };
    }
    step({ kind: 'exchanging' });
    try {
      const result = await exchangeAndStore(deps, options.profileId, params, redirectUri, codeVerifier, flow.signal, () => {
        // Past this point the link is written; a late cancel must not undo half of it.
        if (flow.signal.aborted) throw flow.signal.reason;
        clearTimeout(timeout);
      });
      phase = 'done';
      sessions.end(sessionId, 'succeeded', clock.now());
      audit.append(options.profileId, clock.now(), 'sign_in.succeeded', { garminUserId: result.garminUserId });
      logger.log('info', 'sign_in.succeeded', { garminUserId: result.garminUserId });
      settle.resolve(result);
      return { redirectTo: 'connected' };
    } catch (error) {
      const failure = isCompanionError(error) ? error : new CompanionError('storage_error', 'Linking failed while saving. Nothing was linked; try again.', { cause: error });
      fail(failure);
      return { redirectTo: FAILURE_PAGE[failure.code] ?? 'failed', failureCode: failure.code };
    }
  };

  let listener: Awaited<ReturnType<typeof startLoopbackListener>> | undefined;
  let redirectUri = '';
  try {
    listener = await startLoopbackListener(deps.redirect, handleCallback);
    redirectUri = listener.redirectUri;
    const now = clock.now();
    sessions.expireStale(now);
    expiresAt = now + SIGN_IN_SESSION_TTL_MS;
    sessionId = sessions.create({ profileId: options.profileId, stateSha256: stateHash.toString('hex'), redirectUri, createdAt: now, expiresAt });
    audit.append(options.profileId, now, 'sign_in.started', { redirectUri });
    logger.log('info', 'sign_in.started', { redirectUri });

    const authorizeUrl = deps.garmin.authorizeUrl({ codeChallenge, state, redirectUri }).href;
    let browserOpened = false;
    if (options.openBrowser) {
      try {
        await deps.browser.open(authorizeUrl);
        browserOpened = true;
      } catch (error) {
        logger.log('warn', 'sign_in.browser_launch_failed', { code: isCompanionError(error) ? error.code : 'unknown' });
      }
    }
    if (flow.signal.aborted) throw flow.signal.reason;
    step({ kind: 'waitingForBrowser', authorizeUrl, expiresAt: Math.min(expiresAt, now + options.timeoutMs), browserOpened });
    const result = await outcome;
    step({ kind: 'connected', garminUserId: result.garminUserId, permissions: result.permissions });
    await listener.closeAfterResult(2_000);
    return result;
  } catch (error) {
    const failure = isCompanionError(error) ? error : new CompanionError('storage_error', 'The sign-in could not start. Try again.', { cause: error });
    fail(failure);
    step({ kind: 'failed', error: failure.toJSON() });
    // A callback that just failed: give the browser a moment to fetch its result page.
    if (listener) await (flow.signal.aborted ? listener.closeNow() : listener.closeAfterResult(1_000));
    throw failure;
  } finally {
    clearTimeout(timeout);
    options.signal?.removeEventListener('abort', onExternalAbort);
    auditRejectedOverflow();
  }
}

function timeoutMessage(timeoutMs: number): string {
  const minutes = Math.round(timeoutMs / 60_000);
  const span = minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(timeoutMs / 1000)} seconds`;
  return `No answer from Garmin within ${span}, so the sign-in stopped. Nothing was linked; run it again when you are ready (or give more time with --timeout).`;
}

/** Turns an authorization error response into words. @see RFC 6749 §4.1.2.1 */
function callbackRefusal(error: unknown): CompanionError {
  if (error instanceof oauth.AuthorizationResponseError) {
    if (error.error === 'access_denied') {
      return new CompanionError('sign_in_declined', 'You declined access on Garmin, so nothing was linked. Run the sign-in again to link Garmin.');
    }
    const safe = /^[a-z_]{1,64}$/.test(error.error) ? error.error : 'unknown_error';
    return new CompanionError('sign_in_refused', `Garmin did not grant access (${safe}). Nothing was linked; try again.`);
  }
  return new CompanionError('sign_in_refused', 'Garmin sent the browser back without an authorization code. Nothing was linked; try again.');
}

async function exchangeAndStore(
  deps: SignInDeps,
  profileId: string,
  params: URLSearchParams,
  redirectUri: string,
  codeVerifier: string,
  signal: AbortSignal,
  beforeWrite: () => void,
): Promise<SignInResult> {
  const { garmin, clock } = deps;
  const tokens = await garmin.exchangeCode(params, redirectUri, codeVerifier, signal).catch((error: unknown) => {
    if (isCompanionError(error, 'garmin_rejected')) {
      throw new CompanionError('sign_in_refused', `${error.message} The authorization code was not accepted. Nothing was linked; start the sign-in again.`);
    }
    throw error;
  });
  const garminUserId = await garmin.userId(tokens.accessToken, signal);
  const permissions = await garmin.permissions(tokens.accessToken, signal);
  const now = clock.now();
  const accessTokenExpiresAt = now + tokens.expiresInSeconds * 1000;
  const refreshTokenExpiresAt = now + (tokens.refreshTokenExpiresInSeconds ?? DEFAULT_REFRESH_TOKEN_LIFETIME_S) * 1000;

  beforeWrite();
  const previous = deps.accounts.get(profileId);
  const keychainKey = tokenKeyFor(profileId, garminUserId);
  await deps.vault.write(keychainKey, {
    v: 1,
    garminUserId,
    accessToken: tokens.accessToken,
    accessTokenExpiresAt,
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresAt,
    scope: tokens.scope,
  });
  try {
    deps.db.transaction(() => {
      deps.accounts.link({ profileId, garminUserId, keychainKey, scope: tokens.scope, permissions, accessTokenExpiresAt, refreshTokenExpiresAt, connectedAt: now });
      if (previous && previous.garminUserId !== garminUserId) {
        deps.audit.append(profileId, now, 'account.replaced', { previousGarminUserId: previous.garminUserId, garminUserId });
      }
    })();
  } catch (error) {
    if (previous?.keychainKey !== keychainKey) await deps.vault.remove(keychainKey).catch(() => undefined);
    throw new CompanionError('storage_error', 'Garmin agreed, but R42 Companion could not save the link in its database. Nothing was linked; try again.', { cause: error });
  }
  if (previous && previous.keychainKey !== keychainKey) await deps.vault.remove(previous.keychainKey).catch(() => undefined);
  return { garminUserId, permissions };
}
