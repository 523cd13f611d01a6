/**
 * The refresh that survives the process that asked for it, on the own-developer-app path.
 *
 * Garmin spends the refresh token the moment it handles the request: a process killed (kill -9,
 * a crash, the OS ending it) between that moment and the keychain write comes back with a spent
 * token and the link is lost. No journal in the asking process can help when it dies before the
 * answer even arrives; R42's broker covers that with a replay, a direct request to Garmin has
 * none. So on that path the request, the keychain write and the database update are made by a
 * short-lived helper: this program again (`__refresh-helper`), started detached in its own session,
 * holding the refresh lease. Whatever happens to the process that asked, the helper finishes the
 * write and releases the lease; the next process reads the rotated pair.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { CompanionError, ERROR_CODES } from '../errors.js';
import { REFRESH_HELPER_COMMAND } from './refresh-helper-name.js';

/** How to start the helper: this program (absolute command and arguments), with its environment. */
export interface RefreshHelperLauncher {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** What the helper prints, one line on stdout, after it finished: never a token. */
export const helperOutcome = z.union([
  z.strictObject({ ok: z.literal(true) }),
  z.strictObject({ error: z.strictObject({ code: z.enum(ERROR_CODES), message: z.string().max(1_000) }) }),
]);
export type HelperOutcome = z.infer<typeof helperOutcome>;

/**
 * Starts the helper for `profileId`, handing it the refresh lease `owner`, and waits until it
 * finished (its outcome is in the keychain and the database), at most `waitMs`. Resolves when it
 * refreshed (or kept a still valid token), rejects with its CompanionError otherwise. A helper
 * still running after `waitMs` is left to finish: it holds the lease, so no one else refreshes.
 */
export function runRefreshHelper(launcher: RefreshHelperLauncher, profileId: string, owner: string, waitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(launcher.command, [...launcher.args, REFRESH_HELPER_COMMAND, '--profile', profileId, '--lease', owner], {
        // Its own session: a kill of this process (or of its terminal's process group) does not reach it.
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
        env: launcher.env,
        windowsHide: true,
      });
    } catch {
      reject(new CompanionError('garmin_unreachable', 'R42 Companion could not start its token refresh. Try again.'));
      return;
    }
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (out.length < 16 * 1024) out += chunk;
    });
    const timer = setTimeout(() => {
      child.stdout.destroy();
      child.unref();
      reject(new CompanionError('garmin_unreachable', 'The Garmin token refresh is taking too long; it goes on in the background. Try again in a minute.'));
    }, waitMs);
    timer.unref();
    child.once('error', () => {
      clearTimeout(timer);
      reject(new CompanionError('garmin_unreachable', 'R42 Companion could not start its token refresh. Try again.'));
    });
    child.once('close', () => {
      clearTimeout(timer);
      let parsed: HelperOutcome | null = null;
      try {
        const result = helperOutcome.safeParse(JSON.parse(out.trim().split('\n').at(-1) ?? ''));
        parsed = result.success ? result.data : null;
      } catch {
        parsed = null;
      }
      if (parsed === null) reject(new CompanionError('garmin_unreachable', 'The Garmin token refresh ended without an answer. Try again.'));
      else if ('ok' in parsed) resolve();
      else reject(new CompanionError(parsed.error.code, parsed.error.message));
    });
  });
}
