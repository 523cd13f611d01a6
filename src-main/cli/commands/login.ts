import { positiveInt } from '../args.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const login: Command = {
  name: 'login',
  group: 'core',
  synopsis: 'login [--timeout SECONDS] [--no-browser]',
  summary: 'Link your Garmin account: approve in your browser, R42 never sees your password.',
  flags: [
    { name: 'timeout', value: 'SECONDS', description: 'how long to wait for your approval (default: R42_SIGN_IN_TIMEOUT_SECONDS, 300)' },
    { name: 'no-browser', description: 'print the sign-in address instead of opening a browser (headless computers)' },
  ],
  examples: ['r42-companion login', 'r42-companion login --no-browser --timeout 600'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    const timeoutSeconds = positiveInt(flags.string('timeout'), '--timeout', 'seconds');
    return withCompanion(ctx, async (companion) => {
      const abort = new AbortController();
      const unhook = io.onInterrupt(() => abort.abort());
      try {
        const result = await companion.signIn({
          timeoutMs: (timeoutSeconds ?? companion.config.signInTimeoutSeconds) * 1000,
          openBrowser: !flags.boolean('no-browser'),
          signal: abort.signal,
          onStep: (step) => {
            if (step.kind === 'waitingForBrowser') {
              const seconds = Math.max(1, Math.round((step.expiresAt - Date.now()) / 1000));
              const span = seconds >= 90 ? `${Math.round(seconds / 60)} minutes` : `${seconds} seconds`;
              io.stderr(
                `${step.browserOpened ? 'Your browser is opening Garmin so you can approve R42 Companion there.\nIf it did not open, visit this address' : 'Open this address in a browser on this computer'} (your Garmin password stays with Garmin):\n\n  ${step.authorizeUrl}\n\nWaiting up to ${span} for your approval… (Ctrl-C cancels)\n`,
              );
            } else if (step.kind === 'exchanging') {
              io.stderr('Garmin approved; finishing the link…\n');
            }
          },
        });
        io.stderr(`Linked Garmin user ${result.garminUserId}. Permissions: ${result.permissions.join(', ') || 'none granted'}.\n`);
        io.stdout(`${result.garminUserId}\n`);
        return 0;
      } finally {
        unhook();
      }
    });
  },
};

export default login;
