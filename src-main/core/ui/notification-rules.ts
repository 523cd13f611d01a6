import type { ConnectionStatus } from '../companion.js';
import { DAY_MS } from '../../../src-common/dates.js';

/** How long the sync may keep failing before the runner is told: a night offline is routine, a day is not. */
export const SYNC_FAILING_NOTIFY_AFTER_MS = DAY_MS;

export type NotificationKind = 'reauth_required' | 'authorization_ending' | 'sync_failing';

/** A desktop notification: plain words, never a token or an address. */
export interface DesktopNotification {
  readonly kind: NotificationKind;
  readonly title: string;
  readonly body: string;
}

/**
 * The conditions already notified, each as a key naming what it was about (the account, the
 * authorization's end). Kept while the condition holds, dropped once it ends, so each is shown at
 * most once per occurrence, also across restarts when the caller stores it.
 */
export type NotifiedConditions = readonly string[];

/** The conditions that hold in `status` at `now`, keyed as in NotifiedConditions, with what to say. */
function conditions(status: ConnectionStatus, now: number): Map<string, DesktopNotification> {
  const found = new Map<string, DesktopNotification>();
  if (status.state === 'reauth_required') {
    const why =
      status.lastError?.code === 'deregistered' ? 'You removed R42 in Garmin Connect.' : 'Garmin no longer accepts the link (access was revoked or expired).';
    found.set(`reauth_required:${status.garminUserId ?? ''}`, {
      kind: 'reauth_required',
      title: 'Reconnect Garmin',
      body: `${why} Your agents get no token until you reconnect in R42 Companion.`,
    });
  }
  if (status.state === 'connected' && status.refreshTokenExpiresSoon && status.refreshTokenExpiresAt) {
    const days = Math.max(0, Math.ceil((Date.parse(status.refreshTokenExpiresAt) - now) / DAY_MS));
    found.set(`authorization_ending:${status.refreshTokenExpiresAt}`, {
      kind: 'authorization_ending',
      title: 'Garmin authorization ends soon',
      body: `Garmin’s authorization ends in ${days} day${days === 1 ? '' : 's'}. Reconnect in R42 Companion before then to keep your agents working.`,
    });
  }
  // Failing, not merely old: a computer asleep for two days has old data but no failed attempt.
  const failing = status.sync.streams.some((s) => s.state === 'error');
  const since = status.sync.lastSyncAt ?? status.connectedAt;
  if (status.state === 'connected' && failing && since !== null && now - Date.parse(since) > SYNC_FAILING_NOTIFY_AFTER_MS) {
    found.set('sync_failing', {
      kind: 'sync_failing',
      title: 'Garmin data is not syncing',
      body: 'R42 Companion has not been able to sync your Garmin data for more than a day. Open it to see why; your agents get older data meanwhile.',
    });
  }
  return found;
}

/**
 * Which notifications to show now, from the conditions already notified, the current status and
 * the clock: only what needs the runner (reconnect, the authorization ending, a sync failing for
 * over a day), never routine events, each once per occurrence. Returns the new memory to keep.
 */
export function decideNotifications(
  notified: NotifiedConditions,
  status: ConnectionStatus,
  now: number,
): { readonly show: readonly DesktopNotification[]; readonly notified: NotifiedConditions } {
  const current = conditions(status, now);
  const already = new Set(notified);
  const show = [...current].filter(([key]) => !already.has(key)).map(([, notification]) => notification);
  return { show, notified: [...current.keys()] };
}
