import { chmodSync, mkdirSync, statSync } from 'node:fs';
import type { Logger } from '../ports.js';

/**
 * Makes the data folder owner-only (0700), creating it if needed. A folder made by an older
 * version, by hand or by a umask of 022 may be 0755; it holds the audit log and the synced
 * training data, so it is tightened and the log says so. Windows has no modes to tighten.
 */
export function secureDataFolder(home: string, logger: Logger, platform: NodeJS.Platform = process.platform): void {
  let mode: number;
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    mode = statSync(home).mode & 0o777;
  } catch {
    return; // Opening the database next reports an unusable folder, with its reason.
  }
  if (platform === 'win32') return;
  if ((mode & 0o077) === 0) return;
  const from = mode.toString(8).padStart(4, '0');
  try {
    chmodSync(home, 0o700);
    logger.log('warn', 'data_folder.permissions_tightened', { from, to: '0700' });
  } catch (error) {
    // Not ours to change (another owner): say so and go on, the files themselves are 0600.
    logger.log('warn', 'data_folder.permissions_not_tightened', { from, code: (error as NodeJS.ErrnoException).code ?? 'unknown' });
  }
}
