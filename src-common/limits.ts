/**
 * Limits every surface shares, as plain constants (no zod): the CLI's `token` fast path reads them
 * without loading a schema library.
 */

/** The most validity a token request may ask for (`min_valid`, `--min-valid`): a 24 h Garmin token cannot promise more without a refresh storm. */
export const MAX_MIN_VALID_SECONDS = 12 * 3600;
