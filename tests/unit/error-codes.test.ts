import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_SURFACES, type ErrorCode, type ErrorSurfaces } from '../../src-common/error-codes.js';
import { exitCodeFor } from '../../src-main/cli/index.js';

describe('one table of error codes for every surface', () => {
  it('gives every code an exit code and an HTTP status, and the CLI and the endpoint use it', () => {
    expect(Object.keys(ERROR_SURFACES).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const { exit, http } = ERROR_SURFACES[code];
      expect(exitCodeFor(code)).toBe(exit);
      expect(exit).toBeGreaterThan(0);
      expect(exit).toBeLessThan(256);
      expect(http).toBeGreaterThanOrEqual(400);
      expect(http).toBeLessThan(600);
    }
    // The documented ones (README, the CLI section) stay what scripts rely on.
    expect([exitCodeFor('usage'), exitCodeFor('not_connected'), exitCodeFor('reauth_required'), exitCodeFor('garmin_unreachable'), exitCodeFor('keychain_locked'), exitCodeFor('config_invalid'), exitCodeFor('agent_already_running'), exitCodeFor('sign_in_cancelled')]).toEqual([
      2, 3, 4, 5, 6, 7, 8, 130,
    ]);
  });

  it('does not compile a table that leaves a code out (checked by tsc in npm test)', () => {
    // @ts-expect-error a table without every code is a type error
    const partial: Record<ErrorCode, ErrorSurfaces> = { usage: { exit: 2, http: 400 } };
    expect(Object.keys(partial)).toHaveLength(1);
  });
});
