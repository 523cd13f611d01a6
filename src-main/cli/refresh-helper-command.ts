/**
 * `__refresh-helper --profile P --lease L`: this CLI started again, detached, by a process that
 * needs a refresh on the own-developer-app path (core/auth/refresh-helper.ts). It takes the lease
 * over, refreshes, stores the rotated pair in the keychain and the database, releases the lease,
 * and prints one line of JSON (`{"ok":true}` or `{"error":{code,message}}`, never a token) for the
 * process that asked, if that one is still there.
 */
import { LEASE_OWNER } from '../core/auth/refresh-helper-name.js';
import type { HelperOutcome } from '../core/auth/refresh-helper.js';
import { CompanionError, isCompanionError } from '../core/errors.js';
import { DEFAULT_PROFILE_ID } from '../core/store/repos.js';
import type { CliIo } from './io.js';
import { withCompanion } from './session.js';

export async function runRefreshHelperCommand(args: readonly string[], io: CliIo, packagedDefaultsFile: string): Promise<number> {
  // The process that asked may be gone: writing to its closed pipe must not stop the work.
  process.stdout.on('error', () => undefined);
  let outcome: HelperOutcome;
  try {
    const [profileFlag, profile, leaseFlag, lease] = args;
    if (args.length !== 4 || profileFlag !== '--profile' || profile !== DEFAULT_PROFILE_ID || leaseFlag !== '--lease' || !LEASE_OWNER.test(lease ?? '')) {
      throw new CompanionError('usage', 'The refresh helper is started by R42 Companion itself, not by hand.');
    }
    await withCompanion({ io, packagedDefaultsFile }, (companion) => companion.refreshAsHelper(lease!), { warned: true, asRefreshHelper: true });
    outcome = { ok: true };
  } catch (error) {
    outcome = { error: isCompanionError(error) ? error.toJSON() : { code: 'garmin_unreachable', message: 'The Garmin token refresh failed unexpectedly. Try again.' } };
  }
  io.stdout(`${JSON.stringify(outcome)}\n`);
  return 'ok' in outcome ? 0 : 1;
}
