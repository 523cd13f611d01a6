/**
 * The only web permission the window grants: writing plain text to the clipboard, for the copy
 * buttons (the sign-in address, an agent's secret). Reading the clipboard, notifications from the
 * page, media, location and everything else stay denied.
 */
const ALLOWED = new Set(['clipboard-sanitized-write']);

/** Whether the renderer may have `permission`. */
export const isPermissionAllowed = (permission: string): boolean => ALLOWED.has(permission);

/** Passed to Electron with `--hidden` when it starts the app at login: start in the tray, no window. */
export const START_HIDDEN_ARG = '--hidden';

/** Whether to start without showing the window: started at login (by our argument, or macOS's flag). */
export const shouldStartHidden = (argv: readonly string[], wasOpenedAtLogin: boolean): boolean => wasOpenedAtLogin || argv.includes(START_HIDDEN_ARG);
