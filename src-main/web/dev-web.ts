/* `npm run dev:web`: the desktop app's UI in your browser, on the real core and your real
   configuration, through the loopback web transport instead of Electron. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeytarSecretStore } from '../adapters/keytar-secret-store.js';
import { createSystemBrowser } from '../adapters/system-browser.js';
import { loadConfig } from '../core/config.js';
import type { BrowserLauncher, SecretStore } from '../core/ports.js';
import type { LoginItemPort } from '../core/ui/app-core.js';
import { createFileLogger } from '../core/logging.js';
import { startAppCore } from '../core/ui/app-core.js';
import { startWebTransport } from './web-transport.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts the core and the web transport; returns its URL and a stop function. */
export async function startDevWeb(
  env: NodeJS.ProcessEnv,
  options: { port?: number; browser?: BrowserLauncher; secrets?: SecretStore; uiPollMs?: number; /** Browser tests stand in for the desktop shell's. */ loginItem?: LoginItemPort; /** Import from watch's mount roots (a test's fake volume). */ watchRoots?: readonly string[] } = {},
) {
  const config = loadConfig(env);
  const logger = createFileLogger(config.paths.logFile, config.logLevel);
  const core = await startAppCore({ config, secrets: options.secrets ?? createKeytarSecretStore(config.keychainService), browser: options.browser ?? createSystemBrowser(config.browserCommand), logger, uiPollMs: options.uiPollMs, loginItem: options.loginItem, ...(options.watchRoots ? { watchRoots: options.watchRoots } : {}) });
  const web = await startWebTransport({
    dispatch: core.dispatch,
    subscribe: (listener) => core.service.subscribe(listener),
    state: () => core.service.state(),
    rendererDir: path.join(ROOT, 'dist/renderer'),
    bridgeFile: path.join(ROOT, 'dist/web-bridge/r42-web-bridge.js'),
    port: options.port,
    logger,
  });
  return {
    url: web.url,
    core,
    async stop() {
      await web.close();
      await core.stop();
    },
  };
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const app = await startDevWeb(process.env, { port: Number(process.env.R42_DEV_WEB_PORT ?? 0) });
  process.stdout.write(`R42 Companion (web transport) at ${app.url}\nAgent endpoint: ${app.core.agents?.url ?? 'not started (another process serves agents)'}\nCtrl-C stops.\n`);
  const stop = () => void app.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
