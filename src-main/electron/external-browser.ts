import { shell } from 'electron';
import { isLoopbackHost } from '../core/config.js';
import { CompanionError } from '../core/errors.js';
import type { BrowserLauncher } from '../core/ports.js';

/** Opens only https URLs and loopback http URLs in the runner's browser. */
export function createExternalBrowser(): BrowserLauncher {
  return {
    async open(url) {
      const parsed = new URL(url);
      const loopback = parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname);
      if (parsed.protocol !== 'https:' && !loopback) throw new CompanionError('browser_launch_failed', 'Only https:// addresses are opened in the browser.');
      try {
        await shell.openExternal(parsed.href, { activate: true });
      } catch (error) {
        throw new CompanionError('browser_launch_failed', 'Could not open the browser. Use the address from `r42-companion login --no-browser`.', { cause: error });
      }
    },
  };
}
