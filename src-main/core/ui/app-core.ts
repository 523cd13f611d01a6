import type { RefreshHelperLauncher } from '../auth/refresh-helper.js';
import type { AgentService, Companion } from '../companion.js';
import { createCompanion } from '../wiring.js';
import type { CompanionConfig } from '../config.js';
import { isCompanionError } from '../errors.js';
import { systemClock, type BrowserLauncher, type Logger, type SecretStore } from '../ports.js';
import { DesktopSettings } from './desktop-settings.js';
import { createDispatcher } from './dispatch.js';
import { Presence, type PresenceDeps } from './presence.js';
import { UiService, type DesktopSettingsPort } from './ui-service.js';

/** Starting the app when the runner logs in to the computer: the shell's OS call. */
export interface LoginItemPort {
  apply(openAtLogin: boolean): void;
}

export interface AppCore {
  readonly companion: Companion;
  readonly service: UiService;
  readonly dispatch: ReturnType<typeof createDispatcher>;
  /** Null when another process already serves agents for this data folder. */
  readonly agents: AgentService | null;
  /** The tray and notifications, on the shell's callbacks (the desktop app only). */
  startPresence(shell: Pick<PresenceDeps, 'render' | 'notify' | 'showWindow' | 'quit'>): Presence;
  /** For the shell's power-resume event. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Everything the desktop app runs, whatever shows it (the Electron window or the loopback web
 * transport): the companion, the agent endpoint with its token scheduler, and the UI service.
 * With a `loginItem` (the Electron shell) the UI can switch starting at login on and off.
 */
export async function startAppCore(deps: {
  config: CompanionConfig;
  secrets: SecretStore;
  browser: BrowserLauncher;
  logger: Logger;
  uiPollMs?: number;
  /** Where Import from watch looks; the OS's mount roots by default (a test passes a fake volume). */
  watchRoots?: readonly string[];
  loginItem?: LoginItemPort;
  /** How to start the app's CLI as the refresh helper (see auth/refresh-helper.ts); without it refreshes run in this process. */
  refreshHelper?: RefreshHelperLauncher;
  /** The FIT decoder's worker as built (the app: dist/cli/fit-worker.mjs, unpacked from the asar); a checkout runs the TypeScript one. */
  fitWorker?: string;
}): Promise<AppCore> {
  const companion = createCompanion({ config: deps.config, secrets: deps.secrets, browser: deps.browser, logger: deps.logger, refreshHelper: deps.refreshHelper, fitWorker: deps.fitWorker });
  let agents: AgentService | null = null;
  try {
    agents = await companion.serveAgents();
  } catch (error) {
    // `serve` may already run for this data folder; the app then works without its own endpoint.
    deps.logger.log('warn', 'app.agent_endpoint_not_started', { code: isCompanionError(error) ? error.code : 'unexpected' });
  }
  const desktop = new DesktopSettings(deps.config.paths.home);
  const loginItem = deps.loginItem;
  const settings: DesktopSettingsPort | undefined = loginItem && {
    get: () => ({ openAtLogin: desktop.get().openAtLogin, openAtLoginAvailable: true }),
    setOpenAtLogin(openAtLogin) {
      // The OS first: a setting saved but not applied would claim something that is not so.
      loginItem.apply(openAtLogin);
      desktop.update({ openAtLogin });
      deps.logger.log('info', 'app.open_at_login_changed', { openAtLogin });
      return { openAtLogin, openAtLoginAvailable: true };
    },
  };
  const service = new UiService(companion, () => agents, { pollMs: deps.uiPollMs, settings, ...(deps.watchRoots ? { watchRoots: deps.watchRoots } : {}) });
  const dispatch = createDispatcher(service, deps.logger);
  let presence: Presence | null = null;
  let unsubscribePresence: (() => void) | null = null;
  return {
    companion,
    service,
    dispatch,
    agents,
    startPresence(shell) {
      presence?.stop();
      unsubscribePresence?.();
      const started = new Presence({
        ...shell,
        status: () => companion.status(),
        agents: () => agents,
        syncNow: () => service.syncNow(),
        notified: { get: () => desktop.get().notified, set: (notified) => desktop.update({ notified }) },
        clock: systemClock,
        logger: deps.logger,
      });
      presence = started;
      unsubscribePresence = service.subscribe(() => started.refresh());
      started.start();
      return started;
    },
    async resume() {
      await agents?.resume();
      service.emit();
    },
    async stop() {
      presence?.stop();
      unsubscribePresence?.();
      service.cancel();
      await agents?.stop();
      companion.close();
    },
  };
}
