import { MAX_MIN_VALID_SECONDS } from '../../../src-common/limits.js';
import { positiveInt, usageError } from '../args.js';
import type { Command } from './command.js';

export { MAX_MIN_VALID_SECONDS };

const token: Command = {
  name: 'token',
  group: 'core',
  synopsis: 'token [--min-valid SECONDS]',
  summary: 'Print a valid Garmin access token alone on stdout (refreshed first when needed).',
  flags: [{ name: 'min-valid', value: 'SECONDS', description: 'refresh first unless the token is valid at least this long (at most 43200, 12 hours)' }],
  examples: ['export GARMIN_TOKEN="$(r42-companion token)"', 'r42-companion token --min-valid 3600'],
  async run(ctx, args) {
    const minValidSeconds = positiveInt(ctx.parse(args).string('min-valid'), '--min-valid', 'seconds');
    if (minValidSeconds !== undefined && minValidSeconds > MAX_MIN_VALID_SECONDS) {
      // Garmin's access tokens last 24 h: asking for more than 12 h would refresh at every call.
      throw usageError(`--min-valid is at most ${MAX_MIN_VALID_SECONDS} seconds (12 hours), as the agent endpoint's min_valid; Garmin's tokens last 24 hours.`);
    }
    // Agents' scripts call `token` often: a token in the keychain that is valid long enough is
    // answered without loading the whole core. Anything else (a refresh, an error to report, a
    // setting the quick check does not vouch for) goes the full way, with the refresh lease.
    const quick = ctx.quickToken ?? (await (await import('../token-fast-path.js')).cachedToken(ctx, minValidSeconds));
    if (quick.answered) return 0;
    const { withCompanion } = await import('../session.js');
    return withCompanion(
      ctx,
      async (companion) => {
        const fresh = await companion.getAccessToken({ minValidSeconds });
        ctx.io.stdout(`${fresh.accessToken}\n`);
        return 0;
      },
      { warned: quick.warned },
    );
  },
};

export default token;
