import { spawn } from 'node:child_process';
import { isLoopbackHost } from '../core/config.js';
import { CompanionError } from '../core/errors.js';
import type { BrowserLauncher } from '../core/ports.js';

/** The program and arguments that open `url`: `$BROWSER` when set, else the OS default browser. */
export function browserCommand(url: string, browserEnv: string | undefined, platform: NodeJS.Platform): [string, string[]] {
  if (browserEnv) {
    // Like Python's webbrowser: `%s` marks where the URL goes, else it is the last argument.
    const parts = browserEnv.split(/\s+/).filter(Boolean);
    const withUrl = parts.some((p) => p.includes('%s')) ? parts.map((p) => p.replaceAll('%s', url)) : [...parts, url];
    return [withUrl[0]!, withUrl.slice(1)];
  }
  switch (platform) {
    case 'darwin':
      return ['open', [url]];
    case 'win32':
      return ['rundll32', ['url.dll,FileProtocolHandler', url]];
    default:
      return ['xdg-open', [url]];
  }
}

/**
 * Opens https and loopback http URLs in the system browser (never a shell: the URL is one argument).
 * Resolves when the program started, not when the page loaded.
 */
export function createSystemBrowser(browserEnv: string | undefined, platform: NodeJS.Platform = process.platform): BrowserLauncher {
  return {
    open(url) {
      const parsed = new URL(url);
      const loopback = parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname);
      if (parsed.protocol !== 'https:' && !loopback) {
        return Promise.reject(new CompanionError('browser_launch_failed', 'Only https:// addresses are opened in the browser.'));
      }
      const [command, args] = browserCommand(url, browserEnv, platform);
      return new Promise<void>((resolve, reject) => {
        const child = spawn(command, args, { detached: true, stdio: 'ignore', shell: false, windowsHide: true });
        child.once('error', (error: NodeJS.ErrnoException) =>
          reject(new CompanionError('browser_launch_failed', `Could not start the browser (${command}: ${error.code ?? 'error'}). Open the address shown yourself.`)),
        );
        child.once('spawn', () => {
          child.unref();
          resolve();
        });
      });
    },
  };
}
