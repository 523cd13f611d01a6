import { createCompanion, type AgentService, type Companion } from '../companion.js';
import type { CompanionConfig } from '../config.js';
import { isCompanionError } from '../errors.js';
import type { BrowserLauncher, Logger, SecretStore } from '../ports.js';
import { createDispatcher } from './dispatch.js';
import { UiService } from './ui-service.js';

export interface AppCore {
  readonly companion: Companion;
  readonly service: UiService;
  readonly dispatch: ReturnType<typeof createDispatcher>;
  /** Null when another process already serves agents for this data folder. */
  readonly agents: AgentService | null;
  /** For the shell's power-resume event. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Everything the desktop app runs, whatever shows it (the Electron window or the loopback web
 * transport): the companion, the agent endpoint with its token scheduler, and the UI service.
 */
export async function startAppCore(deps: { config: CompanionConfig; secrets: SecretStore; browser: BrowserLauncher; logger: Logger; uiPollMs?: number }): Promise<AppCore> {
  const companion = createCompanion({ config: deps.config, secrets: deps.secrets, browser: deps.browser, logger: deps.logger });
  let agents: AgentService | null = null;
  try {
    agents = await companion.serveAgents();
  } catch (error) {
    // `serve` may already run for this data folder; the app then works without its own endpoint.
    deps.logger.log('warn', 'app.agent_endpoint_not_started', { code: isCompanionError(error) ? error.code : 'unexpected' });
  }
  const service = new UiService(companion, () => agents, { pollMs: deps.uiPollMs });
  const dispatch = createDispatcher(service, deps.logger);
  return {
    companion,
    service,
    dispatch,
    agents,
    async resume() {
      await agents?.resume();
      service.emit();
    },
    async stop() {
      service.cancel();
      await agents?.stop();
      companion.close();
    },
  };
}
