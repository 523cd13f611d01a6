/**
 * The refresh helper's name and arguments (see refresh-helper.ts), apart from it: the CLI's entry
 * recognises the name, and must not load a schema library to do so (`token` starts light).
 */

/** What the helper is started as, after the launcher's arguments; not a command of the CLI's table. */
export const REFRESH_HELPER_COMMAND = '__refresh-helper';

/** The lease owner handed to the helper: what randomUUID makes. */
export const LEASE_OWNER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
