/**
 * Every stable error code, and what each surface does with it: the CLI's exit code and the agent
 * endpoint's HTTP status here, the app's wording in src-renderer/messages.ts. Both tables are
 * `Record<ErrorCode, …>`, so adding a code without its exit code, status and words fails to
 * compile. Agents, the CLI and the UI switch on these codes: never rename one.
 */

export const ERROR_CODES = [
  'config_invalid',
  'not_configured',
  'config_secret_in_file',
  'storage_error',
  'keychain_unavailable',
  'keychain_locked',
  'keychain_error',
  'keychain_corrupt',
  'port_in_use',
  'browser_launch_failed',
  'sign_in_in_progress',
  'sign_in_declined',
  'sign_in_refused',
  'sign_in_timeout',
  'sign_in_cancelled',
  'sign_in_expired',
  'garmin_unreachable',
  'garmin_bad_response',
  'garmin_rejected',
  'garmin_rate_limited',
  'not_connected',
  'reauth_required',
  'agent_already_running',
  'sync_in_progress',
  'agent_not_running',
  'agents_paused',
  'usage',
  'bad_request',
  'not_found',
  'workout_import_missing',
  'runner_only',
  'conflict',
  'delivery_uncertain',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorSurfaces {
  /** `r42-companion`'s exit code (README, "Exit codes"). */
  readonly exit: number;
  /** The agent endpoint's HTTP status. */
  readonly http: number;
}

export const ERROR_SURFACES = {
  config_invalid: { exit: 7, http: 500 },
  not_configured: { exit: 7, http: 503 },
  config_secret_in_file: { exit: 7, http: 500 },
  storage_error: { exit: 1, http: 500 },
  keychain_unavailable: { exit: 6, http: 503 },
  keychain_locked: { exit: 6, http: 503 },
  keychain_error: { exit: 6, http: 503 },
  keychain_corrupt: { exit: 6, http: 503 },
  port_in_use: { exit: 1, http: 500 },
  browser_launch_failed: { exit: 1, http: 500 },
  sign_in_in_progress: { exit: 1, http: 409 },
  sign_in_declined: { exit: 1, http: 409 },
  sign_in_refused: { exit: 1, http: 502 },
  sign_in_timeout: { exit: 1, http: 504 },
  sign_in_cancelled: { exit: 130, http: 409 },
  sign_in_expired: { exit: 1, http: 409 },
  garmin_unreachable: { exit: 5, http: 503 },
  garmin_bad_response: { exit: 5, http: 502 },
  garmin_rejected: { exit: 1, http: 502 },
  garmin_rate_limited: { exit: 5, http: 503 },
  not_connected: { exit: 3, http: 409 },
  reauth_required: { exit: 4, http: 409 },
  agent_already_running: { exit: 8, http: 409 },
  sync_in_progress: { exit: 1, http: 409 },
  agent_not_running: { exit: 1, http: 503 },
  agents_paused: { exit: 1, http: 503 },
  usage: { exit: 2, http: 400 },
  bad_request: { exit: 2, http: 400 },
  not_found: { exit: 1, http: 404 },
  // Garmin's 412 on the Training API: the runner did not allow workouts; reconnecting asks again.
  workout_import_missing: { exit: 4, http: 409 },
  // What only the runner may decide (approving a workout): refused to every agent grant.
  runner_only: { exit: 1, http: 403 },
  conflict: { exit: 1, http: 409 },
  // A workout create whose answer was lost: Garmin may have it, and a blind retry could make a second.
  delivery_uncertain: { exit: 1, http: 409 },
} as const satisfies Record<ErrorCode, ErrorSurfaces>;
