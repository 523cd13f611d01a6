/**
 * The core coaching service: figures derived from the STORED training data (activity samples,
 * summaries, wellness), as plain data for the HTTP, MCP, CLI and UI surfaces. Every method is a
 * synchronous read of SQLite; nothing here calls Garmin.
 */
import type { Clock } from '../ports.js';
import type { Database } from '../store/database.js';
import type { Coaching } from './coaching-types.js';

export type * from './coaching-types.js';

/** The runner's HR settings (R42_MAX_HR, R42_RESTING_HR, R42_HR_ZONE_MODEL); absent numbers are estimated. */
export interface CoachingConfig {
  readonly hr: { readonly maxHr: number | undefined; readonly restingHr: number | undefined; readonly zoneModel: 'hrr' | 'max' };
}

export interface CoachingDeps {
  readonly db: Database;
  /** CompanionConfig satisfies this. */
  readonly config: CoachingConfig;
  readonly clock: Clock;
  /** The profile whose data is read; DEFAULT_PROFILE_ID when absent. */
  readonly profileId?: string;
}

export function createCoaching(deps: CoachingDeps): Coaching {
  void deps;
  throw new Error('createCoaching: not implemented yet');
}
