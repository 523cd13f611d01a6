/**
 * Limits every surface shares, as plain constants (no zod): the CLI's `token` fast path reads them
 * without loading a schema library.
 */

/** The most validity a token request may ask for (`min_valid`, `--min-valid`): a 24 h Garmin token cannot promise more without a refresh storm. */
export const MAX_MIN_VALID_SECONDS = 12 * 3600;

/**
 * The largest FIT file read (an import, a drop on the app, an activity file from Garmin): a 48-hour
 * ultra recorded every second with every sensor is under 20 MB, and Garmin's decoder holds a whole
 * file and its messages in memory (about ten times the file).
 */
export const MAX_FIT_BYTES = 32 * 1024 * 1024;
