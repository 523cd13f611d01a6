import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../src-main/core/companion.js';
import { decideNotifications, SYNC_FAILING_NOTIFY_AFTER_MS } from '../../src-main/core/ui/notification-rules.js';
import { closeAction, Presence, presenceModel, type PresenceModel } from '../../src-main/core/ui/presence.js';
import { DesktopSettings } from '../../src-main/core/ui/desktop-settings.js';
import type { DesktopNotification } from '../../src-main/core/ui/notification-rules.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A status as companion.status() returns it, linked and synced at T0 unless overridden. */
function status(overrides: Partial<ConnectionStatus> & { syncRunning?: boolean; streamError?: boolean; lastSyncAt?: string | null } = {}): ConnectionStatus {
  const { syncRunning = false, streamError = false, lastSyncAt = iso(T0), ...rest } = overrides;
  return {
    configured: true,
    connected: true,
    state: 'connected',
    garminUserId: 'user-1',
    permissions: ['ACTIVITY_EXPORT'],
    scope: null,
    connectedAt: iso(T0 - 30 * DAY),
    accessTokenExpiresAt: iso(T0 + DAY),
    refreshTokenExpiresAt: iso(T0 + 60 * DAY),
    refreshTokenExpiresSoon: false,
    lastRefreshAt: null,
    lastError: null,
    sync: {
      running: syncRunning,
      lastSyncAt,
      stale: false,
      backfill: { done: 0, total: 0 },
      streams: [
        { stream: 'activities', state: streamError ? 'error' : 'ok', lastErrorCode: streamError ? 'garmin_unreachable' : null, skippedRecords: 0 },
        { stream: 'dailies', state: 'ok', lastErrorCode: null, skippedRecords: 0 },
      ],
      delivery: 'pull',
      relay: null,
    },
    link: { via: 'r42_server', tokenOrigin: 'https://api.r42.app' },
    ...rest,
  } as ConnectionStatus;
}
const reauth = () => status({ state: 'reauth_required', connected: false, lastError: { code: 'invalid_grant', at: iso(T0) } });

describe('tray model', () => {
  it('icon: linked, syncing, reconnect needed, not linked', () => {
    const agents = { served: true, paused: false };
    expect(presenceModel(status(), agents).icon).toBe('linked');
    expect(presenceModel(status({ syncRunning: true }), agents).icon).toBe('syncing');
    expect(presenceModel(reauth(), agents).icon).toBe('reauth');
    expect(presenceModel(status({ state: 'not_connected', connected: false }), agents).icon).toBe('not_linked');
    expect(presenceModel(reauth(), agents).tooltip).toBe('R42 Companion: Reconnect needed');
  });

  it('menu: open, sync now (only when linked and idle), pause agents (a toggle, only when this process serves them), quit', () => {
    const model = presenceModel(status(), { served: true, paused: false });
    expect(model.items.map((i) => (i.kind === 'separator' ? '-' : `${i.id}:${i.label}:${i.enabled}`))).toEqual([
      'open:Open R42 Companion:true',
      'sync_now:Sync now:true',
      'pause_agents:Pause agents:true',
      '-',
      'quit:Quit R42 Companion:true',
    ]);
    const sync = (m: PresenceModel) => m.items.find((i) => i.kind !== 'separator' && i.id === 'sync_now');
    expect(sync(presenceModel(status({ syncRunning: true }), { served: true, paused: false }))).toMatchObject({ label: 'Syncing…', enabled: false });
    expect(sync(presenceModel(reauth(), { served: true, paused: false }))).toMatchObject({ enabled: false });
    const paused = presenceModel(status(), { served: true, paused: true });
    expect(paused.items.find((i) => i.kind === 'toggle')).toMatchObject({ checked: true, enabled: true });
    expect(paused.tooltip).toBe('R42 Companion: Garmin linked · agents paused');
    expect(presenceModel(status(), { served: false, paused: false }).items.find((i) => i.kind === 'toggle')).toMatchObject({ enabled: false });
  });

  it('closing the window hides it while a tray shows; quitting (or no tray) really closes', () => {
    expect(closeAction({ quitting: false, trayShown: true })).toBe('hide');
    expect(closeAction({ quitting: true, trayShown: true })).toBe('close');
    expect(closeAction({ quitting: false, trayShown: false })).toBe('close');
  });
});

describe('notification rules', () => {
  it('reconnect needed: once, and again only after the link was healthy in between', () => {
    let memory = decideNotifications([], status(), T0).notified;
    const first = decideNotifications(memory, reauth(), T0 + 1_000);
    expect(first.show.map((n) => n.kind)).toEqual(['reauth_required']);
    expect(first.show[0]!.title).toBe('Reconnect Garmin');
    memory = first.notified;
    expect(decideNotifications(memory, reauth(), T0 + 2 * DAY).show).toEqual([]);
    memory = decideNotifications(memory, status(), T0 + 3 * DAY).notified;
    expect(decideNotifications(memory, reauth(), T0 + 4 * DAY).show.map((n) => n.kind)).toEqual(['reauth_required']);
  });

  it('the authorization ending in 14 days: once per authorization, with the days left', () => {
    const ending = status({ refreshTokenExpiresSoon: true, refreshTokenExpiresAt: iso(T0 + 14 * DAY) });
    const first = decideNotifications([], ending, T0);
    expect(first.show).toHaveLength(1);
    expect(first.show[0]!.body).toContain('ends in 14 days');
    expect(decideNotifications(first.notified, ending, T0 + 5 * DAY).show).toEqual([]);
    // Reconnected, then (90 days later) the new authorization ends: that is a new condition.
    const later = status({ refreshTokenExpiresSoon: true, refreshTokenExpiresAt: iso(T0 + 104 * DAY) });
    expect(decideNotifications(first.notified, later, T0 + 90 * DAY).show.map((n) => n.kind)).toEqual(['authorization_ending']);
  });

  it('sync failing: only after more than a day of failed attempts, not for old data without a failure', () => {
    const failing = (now: number) => decideNotifications([], status({ streamError: true, lastSyncAt: iso(T0) }), now).show;
    expect(failing(T0 + 6 * 3600_000)).toEqual([]);
    expect(failing(T0 + SYNC_FAILING_NOTIFY_AFTER_MS)).toEqual([]);
    expect(failing(T0 + SYNC_FAILING_NOTIFY_AFTER_MS + 60_000).map((n) => n.kind)).toEqual(['sync_failing']);
    // A computer asleep for three days: old data, but nothing failed; no notification.
    expect(decideNotifications([], status({ lastSyncAt: iso(T0) }), T0 + 3 * DAY).show).toEqual([]);
  });

  it('nothing for routine events: linking, syncing, a sync that failed minutes ago', () => {
    let memory = decideNotifications([], status({ state: 'not_connected', connected: false }), T0).notified;
    for (const s of [status(), status({ syncRunning: true }), status({ streamError: true }), status()]) {
      const d = decideNotifications(memory, s, T0 + 60_000);
      expect(d.show).toEqual([]);
      memory = d.notified;
    }
  });
});

describe('Presence', () => {
  let home: string;
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('renders the model on change, notifies once even across restarts (desktop.json), and carries out the menu', async () => {
    home = mkdtempSync(path.join(tmpdir(), 'r42-presence-'));
    const settings = new DesktopSettings(home);
    let current = status();
    let now = T0;
    let paused = false;
    const rendered: PresenceModel[] = [];
    const shown: DesktopNotification[] = [];
    const calls: string[] = [];
    const make = () =>
      new Presence({
        status: () => current,
        agents: () => ({ setPaused: (p) => (paused = p), isPaused: () => paused }),
        syncNow: async () => calls.push('sync'),
        notified: { get: () => settings.get().notified, set: (notified) => settings.update({ notified }) },
        clock: { now: () => now },
        logger: { log: () => undefined },
        render: (m) => rendered.push(m),
        notify: (n) => shown.push(n),
        showWindow: () => calls.push('show'),
        quit: () => calls.push('quit'),
      });
    const presence = make();
    presence.refresh();
    presence.refresh();
    expect(rendered.map((m) => m.icon)).toEqual(['linked']);

    current = reauth();
    now += 60_000;
    presence.refresh();
    presence.refresh();
    expect(rendered.map((m) => m.icon)).toEqual(['linked', 'reauth']);
    expect(shown.map((n) => n.kind)).toEqual(['reauth_required']);
    expect(JSON.parse(readFileSync(path.join(home, 'desktop.json'), 'utf8'))).toEqual({ openAtLogin: false, notified: ['reauth_required:user-1'] });

    // The app restarts while the condition still holds: no second notification.
    make().refresh();
    expect(shown).toHaveLength(1);

    await presence.activate('pause_agents');
    expect(paused).toBe(true);
    expect(rendered.at(-1)!.items.find((i) => i.kind === 'toggle')).toMatchObject({ checked: true });
    await presence.activate('pause_agents');
    expect(paused).toBe(false);
    await presence.activate('sync_now');
    await presence.activate('open');
    await presence.activate('quit');
    expect(calls).toEqual(['sync', 'show', 'quit']);
  });
});
