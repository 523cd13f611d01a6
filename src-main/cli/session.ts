import { createKeytarSecretStore } from '../adapters/keytar-secret-store.js';
import { createSystemBrowser } from '../adapters/system-browser.js';
import type { Companion } from '../core/companion.js';
import { createCompanion } from '../core/wiring.js';
import { loadConfig, readPackagedDefaults } from '../core/config.js';
import { createFileLogger } from '../core/logging.js';
import type { Logger } from '../core/ports.js';
import type { CommandContext } from './commands/command.js';
import { insecureWarning } from './io.js';
import { selfLaunch } from './self-launch.js';

/**
 * Runs `run` with the full core facade for this data folder, closed afterwards. This loads the
 * whole core (zod, the sync engine, the agent endpoint's types): commands that must start fast
 * (`token`) try a lighter path first. `warned`: a lighter path already printed the INSECURE
 * warnings and logged them, so neither is repeated.
 */
export async function withCompanion<T>(
  ctx: Pick<CommandContext, 'io' | 'packagedDefaultsFile' | 'fitWorkerFile'>,
  run: (companion: Companion) => Promise<T>,
  options: { warned?: boolean; asRefreshHelper?: boolean } = {},
): Promise<T> {
  const { io } = ctx;
  // A bundled CLI (dist/cli) reads the defaults `npm run dist` wrote beside it (dist/defaults.json).
  const config = loadConfig(io.env, process.platform, readPackagedDefaults(ctx.packagedDefaultsFile));
  const fileLogger = createFileLogger(config.paths.logFile, config.logLevel);
  if (!options.warned) for (const origin of config.insecureHttpUrls) io.stderr(insecureWarning(origin));
  const logger: Logger = options.warned
    ? {
        log(level, event, fields) {
          if (event !== 'config.insecure_http') fileLogger.log(level, event, fields);
        },
      }
    : fileLogger;
  const companion = createCompanion({
    config,
    secrets: createKeytarSecretStore(config.keychainService),
    browser: createSystemBrowser(config.browserCommand),
    logger,
    holdExit: io.holdExit,
    fitWorker: ctx.fitWorkerFile,
    // A refresh on the own-developer-app path is made by this CLI again, detached, so that it
    // survives this process (auth/refresh-helper.ts); the helper itself refreshes in-process.
    ...(options.asRefreshHelper ? {} : { refreshHelper: { ...selfLaunch(), env: io.env } }),
  });
  try {
    return await run(companion);
  } finally {
    companion.close();
  }
}
