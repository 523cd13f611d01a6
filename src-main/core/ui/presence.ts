import type { ConnectionStatus } from '../companion.js';
import type { Clock, Logger } from '../ports.js';
import { isCompanionError } from '../errors.js';
import { decideNotifications, type DesktopNotification, type NotifiedConditions } from './notification-rules.js';

/** The tray or menu-bar icon's state. */
export type TrayIcon = 'linked' | 'syncing' | 'reauth' | 'not_linked';

export type PresenceAction = 'open' | 'sync_now' | 'pause_agents' | 'quit';

export type PresenceMenuItem =
  | { readonly kind: 'action'; readonly id: PresenceAction; readonly label: string; readonly enabled: boolean }
  | { readonly kind: 'toggle'; readonly id: PresenceAction; readonly label: string; readonly enabled: boolean; readonly checked: boolean }
  | { readonly kind: 'separator' };

/** Everything the tray shows: the shell maps it to a Tray and a Menu, nothing more. */
export interface PresenceModel {
  readonly icon: TrayIcon;
  readonly tooltip: string;
  readonly items: readonly PresenceMenuItem[];
}

/** Whether this process serves agents, and whether the runner paused them. */
export interface AgentsPresence {
  readonly served: boolean;
  readonly paused: boolean;
}

/** The icon for a status: reconnect needed wins, then data moving, then linked. */
export function trayIcon(status: ConnectionStatus): TrayIcon {
  if (status.state === 'reauth_required') return 'reauth';
  if (status.state !== 'connected') return 'not_linked';
  return status.sync.running ? 'syncing' : 'linked';
}

const TOOLTIP: Record<TrayIcon, string> = {
  linked: 'Garmin linked',
  syncing: 'Syncing Garmin data…',
  reauth: 'Reconnect needed',
  not_linked: 'Garmin not linked',
};

/** The tray's icon, tooltip and menu: open, sync now, pause agents (a toggle), quit. */
export function presenceModel(status: ConnectionStatus, agents: AgentsPresence): PresenceModel {
  const icon = trayIcon(status);
  return {
    icon,
    tooltip: `R42 Companion: ${TOOLTIP[icon]}${agents.paused ? ' · agents paused' : ''}`,
    items: [
      { kind: 'action', id: 'open', label: 'Open R42 Companion', enabled: true },
      { kind: 'action', id: 'sync_now', label: status.sync.running ? 'Syncing…' : 'Sync now', enabled: status.state === 'connected' && !status.sync.running },
      // Another process (`serve`) may hold the endpoint; pausing it from here is not possible then.
      { kind: 'toggle', id: 'pause_agents', label: 'Pause agents', enabled: agents.served, checked: agents.paused },
      { kind: 'separator' },
      { kind: 'action', id: 'quit', label: 'Quit R42 Companion', enabled: true },
    ],
  };
}

/**
 * What closing the window does: with a tray the app keeps running there (agents keep their token);
 * without one (a Linux desktop with no status area) closing quits, or the app would be unreachable.
 * A quit already under way always closes.
 */
export function closeAction(options: { readonly quitting: boolean; readonly trayShown: boolean }): 'hide' | 'close' {
  return options.quitting || !options.trayShown ? 'close' : 'hide';
}

export interface PresenceDeps {
  readonly status: () => ConnectionStatus;
  readonly agents: () => { setPaused(paused: boolean): void; isPaused(): boolean } | null;
  readonly syncNow: () => Promise<unknown>;
  /** The conditions already notified, as stored in the data folder. */
  readonly notified: { get(): NotifiedConditions; set(value: NotifiedConditions): void };
  readonly clock: Clock;
  readonly logger: Logger;
  /** The shell's side: show the model, show a notification, show the window, quit. */
  readonly render: (model: PresenceModel) => void;
  readonly notify: (notification: DesktopNotification) => void;
  readonly showWindow: () => void;
  readonly quit: () => void;
}

/**
 * The app's background presence: keeps the tray's model and the notifications in step with the
 * status, and carries out the tray's actions. The shell calls `refresh` on every state change (and
 * the presence re-checks every minute: "failing for a day" becomes true with no change at all).
 */
export class Presence {
  private lastModel = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: PresenceDeps) {}

  model(): PresenceModel {
    const agents = this.deps.agents();
    return presenceModel(this.deps.status(), { served: agents !== null, paused: agents?.isPaused() ?? false });
  }

  /** Re-renders the tray when its model changed, and shows the notifications now due. */
  refresh(): void {
    const status = this.deps.status();
    const model = this.model();
    const text = JSON.stringify(model);
    if (text !== this.lastModel) {
      this.lastModel = text;
      this.deps.render(model);
    }
    const before = this.deps.notified.get();
    const decision = decideNotifications(before, status, this.deps.clock.now());
    for (const notification of decision.show) this.deps.notify(notification);
    if (JSON.stringify(decision.notified) !== JSON.stringify(before)) this.deps.notified.set(decision.notified);
  }

  start(intervalMs = 60_000): void {
    this.refresh();
    this.timer ??= setInterval(() => this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Carries out a tray menu item. */
  async activate(action: PresenceAction): Promise<void> {
    switch (action) {
      case 'open':
        return this.deps.showWindow();
      case 'quit':
        return this.deps.quit();
      case 'pause_agents': {
        const agents = this.deps.agents();
        agents?.setPaused(!agents.isPaused());
        return this.refresh();
      }
      case 'sync_now':
        try {
          await this.deps.syncNow();
        } catch (error) {
          // The window shows sync failures; the tray only must not leave an unhandled rejection.
          this.deps.logger.log('warn', 'presence.sync_failed', { code: isCompanionError(error) ? error.code : 'unexpected' });
        }
        return this.refresh();
    }
  }
}
