import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Whether the module at `moduleUrl` is the file Node was asked to run (reached through any link,
 * as npm's bin is), rather than a module another one imported. Node's modules only: the installed
 * entry (entry.ts) and the CLI run from source (index.ts) both ask it.
 */
export function isProcessEntry(moduleUrl: string): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
