/**
 * What the app says about a failure, per stable error code, in the app's own words. The core's
 * messages are written for the command line too ("Run `r42-companion login`"); the app never shows
 * a command: it names the button that fixes it instead.
 */
import type { ErrorCode } from '../src-common/error-codes';
import type { ErrorView } from '../src-common/ipc-contract';

export interface Described {
  readonly title: string;
  readonly action: string;
}

/** Every core code has the app's words (adding a code without them fails to compile), plus the app's own. */
const WORDS: Record<ErrorCode | 'deregistered' | 'refresh_interrupted' | 'transport_unavailable' | 'internal_error' | 'invalid_arguments', Described> = {
  config_invalid: { title: 'A setting of R42 Companion is wrong.', action: 'Fix it as the message in the log says, then restart R42 Companion.' },
  not_configured: { title: 'R42 Companion is not set up to reach Garmin.', action: 'Reinstall R42 Companion, or set it up as the README says.' },
  config_secret_in_file: { title: 'A client secret sits in a settings file.', action: 'Remove it from config.json; secrets belong in the system keychain.' },
  port_in_use: { title: 'Another program uses the port the sign-in needs.', action: 'Close it, then try again.' },
  browser_launch_failed: { title: 'Your browser could not be opened.', action: 'Open the sign-in address shown below in your browser yourself.' },
  sign_in_declined: { title: 'You declined access on Garmin.', action: 'Choose Connect Garmin to try again.' },
  sign_in_refused: { title: 'Garmin refused the sign-in.', action: 'Try again. If it keeps happening, R42 Companion may need an update.' },
  sign_in_timeout: { title: 'Garmin was not approved in time.', action: 'Choose Connect Garmin to try again.' },
  sign_in_cancelled: { title: 'The sign-in was cancelled.', action: 'Choose Connect Garmin when you are ready.' },
  sign_in_expired: { title: 'This sign-in expired.', action: 'Choose Connect Garmin to start a new one.' },
  agent_already_running: { title: 'Another R42 Companion already serves your agents.', action: 'It keeps doing so; nothing to do here.' },
  agent_not_running: { title: 'The agent endpoint is not running.', action: 'Restart R42 Companion.' },
  agents_paused: { title: 'Agents are paused.', action: 'Resume them from the tray menu.' },
  usage: { title: 'That request was not understood.', action: 'Try again.' },
  bad_request: { title: 'That request was not understood.', action: 'Check the dates or numbers given, then try again.' },
  not_found: { title: 'That activity is not in your synced data.', action: 'Sync, then look for it again in the activity list.' },
  workout_import_missing: { title: 'Garmin does not let R42 add workouts.', action: 'Choose Reconnect Garmin and tick “Workout import” on Garmin’s page, or allow it in Garmin Connect’s account settings.' },
  runner_only: { title: 'Only you can decide that.', action: 'Approve or reject the workout here.' },
  conflict: { title: 'That changed in the meantime.', action: 'Look at the workout again, then decide.' },
  delivery_uncertain: {
    title: 'Garmin may already have this workout: its answer was lost.',
    action: 'Look in Garmin Connect’s workouts. If it is not there, send it again.',
  },
  not_connected: { title: 'Garmin is not connected.', action: 'Connect Garmin above, then try again.' },
  reauth_required: { title: 'Garmin no longer accepts the link.', action: 'Choose Reconnect Garmin above to link it again.' },
  deregistered: { title: 'You removed R42 in Garmin Connect.', action: 'Choose Reconnect Garmin above to share your data again.' },
  // Status only: a process died in the middle of a token refresh; the next refresh tells whether Garmin still accepts the link.
  refresh_interrupted: { title: 'A Garmin token refresh was cut off.', action: 'R42 Companion checks the link at its next refresh; reconnect if it then asks.' },
  garmin_unreachable: { title: 'Garmin could not be reached.', action: 'Check your internet connection, then try again. Nothing was changed.' },
  garmin_rate_limited: { title: 'Garmin asks R42 to slow down.', action: 'The sync goes on by itself in a few minutes.' },
  garmin_bad_response: { title: 'Garmin sent an answer R42 Companion cannot read.', action: 'Try again later. If it keeps happening, update R42 Companion.' },
  garmin_rejected: { title: 'Garmin refused the request.', action: 'Try again. If it keeps happening, reconnect Garmin.' },
  sync_in_progress: { title: 'A sync is already running.', action: 'It finishes by itself; the data shows up here when it is done.' },
  keychain_locked: { title: 'Your keychain is locked.', action: 'Unlock your system keychain (log in to your desktop keyring), then try again.' },
  keychain_unavailable: {
    title: 'No system keychain is available.',
    action: 'R42 Companion keeps Garmin tokens only in the OS keychain. Install or start it (see Troubleshooting in the README).',
  },
  keychain_error: { title: 'The system keychain did not answer.', action: 'Try again. If it keeps happening, restart your desktop session.' },
  keychain_corrupt: { title: 'The Garmin link in your keychain cannot be read.', action: 'Choose Connect Garmin to link it again.' },
  storage_error: { title: 'R42 Companion could not save its data.', action: 'Check that your disk is not full, then try again.' },
  sign_in_in_progress: { title: 'A Garmin sign-in is already waiting.', action: 'Finish it in your browser or cancel it first.' },
  transport_unavailable: { title: 'R42 Companion is not reachable.', action: 'Is it still running? Restart it, then try again.' },
  internal_error: { title: 'Something went wrong.', action: 'Try again.' },
  // Main refused what the window asked (a channel's arguments): never the runner's doing, and its message names a channel.
  invalid_arguments: { title: 'R42 Companion could not ask for that.', action: 'Try again. If it keeps happening, restart R42 Companion.' },
};

/** A core message without the command-line instructions it may carry. */
export function withoutCliHints(message: string): string {
  const sentences = message.match(/[^.!?]+[.!?]*(\s+|$)/g) ?? [message];
  return sentences
    .filter((s) => !/`|r42-companion\b/.test(s))
    .join('')
    .trim();
}

/** Plain words and the action that fixes it, for any error the app may meet. */
export function describeError(error: ErrorView): Described {
  const known = (WORDS as Record<string, Described | undefined>)[error.code];
  if (known) return known;
  const cleaned = withoutCliHints(error.message);
  return { title: cleaned || 'That did not work.', action: cleaned ? '' : 'Try again.' };
}

/** One line: title and action. */
export const errorText = (error: ErrorView): string => {
  const { title, action } = describeError(error);
  return action ? `${title} ${action}` : title;
};

/** A short name for a problem known only by its code (the card's "Last problem"). */
export const problemTitle = (code: string): string => (WORDS as Record<string, Described | undefined>)[code]?.title ?? `${code.charAt(0).toUpperCase()}${code.slice(1).replaceAll('_', ' ')}.`;
