/**
 * What the app says about a failure, per stable error code, in the app's own words. The core's
 * messages are written for the command line too ("Run `r42-companion login`"); the app never shows
 * a command: it names the button that fixes it instead.
 */
import type { ErrorView } from '../src-preload/contract';

export interface Described {
  readonly title: string;
  readonly action: string;
}

const WORDS: Record<string, Described> = {
  not_connected: { title: 'Garmin is not connected.', action: 'Connect Garmin above, then try again.' },
  reauth_required: { title: 'Garmin no longer accepts the link.', action: 'Choose Reconnect Garmin above to link it again.' },
  deregistered: { title: 'You removed R42 in Garmin Connect.', action: 'Choose Reconnect Garmin above to share your data again.' },
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
  const known = WORDS[error.code];
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
export const problemTitle = (code: string): string => WORDS[code]?.title ?? `${code.charAt(0).toUpperCase()}${code.slice(1).replaceAll('_', ' ')}.`;
