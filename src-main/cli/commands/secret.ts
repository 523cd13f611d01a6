import { usageError } from '../args.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const secret: Command = {
  name: 'secret',
  group: 'additional',
  synopsis: 'secret set | secret clear',
  summary: 'Keep your own Garmin developer app’s client secret in the OS keychain (read from stdin),\nor remove it (then token requests go to the R42 server or a token broker).',
  examples: ['r42-companion secret set < client-secret.txt', 'r42-companion secret clear'],
  async run(ctx, args) {
    const { io } = ctx;
    const action = ctx.parse(args).positionals[0];
    if (action === 'set') {
      const value = (await io.readStdin()).trim();
      if (!value) throw usageError('Give the client secret on stdin, for example: r42-companion secret set < secret.txt');
      return withCompanion(ctx, async (companion) => {
        await companion.setClientSecret(value);
        io.stderr('The Garmin client secret is stored in the OS keychain.\n');
        return 0;
      });
    }
    if (action === 'clear') {
      return withCompanion(ctx, async (companion) => {
        const removed = await companion.clearClientSecret();
        io.stderr(removed ? 'The Garmin client secret is removed from the OS keychain.\n' : 'No client secret was stored.\n');
        return 0;
      });
    }
    throw usageError('Use `secret set` or `secret clear`.');
  },
};

export default secret;
