import { CompanionError } from '../../core/errors.js';
import { usageError } from '../args.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const agents: Command = {
  name: 'agents',
  group: 'agents',
  synopsis: 'agents add <name> | agents list [--json] | agents revoke <name>',
  summary: 'Manage which local agents may fetch a token (the secret is shown once).',
  flags: [{ name: 'json', description: 'with `list`: as JSON' }],
  examples: ['r42-companion agents add my-coach', 'r42-companion agents list', 'r42-companion agents revoke my-coach'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    const [action, name] = flags.positionals;
    return withCompanion(ctx, async (companion) => {
      if (action === 'add' && name) {
        const { secret } = companion.agents.add(name);
        io.stderr(`Agent "${name}" may now fetch Garmin tokens from R42 Companion. Its secret is shown only this once:\n`);
        io.stdout(`${secret}\n`);
        return 0;
      }
      if (action === 'revoke' && name) {
        if (!companion.agents.revoke(name)) throw new CompanionError('usage', `No active agent is named "${name}". See \`r42-companion agents list\`.`);
        io.stderr(`Agent "${name}" can no longer fetch tokens.\n`);
        return 0;
      }
      if (action === 'list' && !name) {
        const list = companion.agents.list();
        if (flags.boolean('json')) {
          io.stdout(`${JSON.stringify(list.map((g) => ({ name: g.name, kind: g.kind, createdAt: new Date(g.createdAt).toISOString(), lastUsedAt: g.lastUsedAt ? new Date(g.lastUsedAt).toISOString() : null, useCount: g.useCount })), null, 2)}\n`);
        } else if (list.length === 0) {
          io.stdout('No agents. Add one with `r42-companion agents add <name>`.\n');
        } else {
          io.stdout(`${'NAME'.padEnd(32)} ${'KIND'.padEnd(6)} ${'CREATED'.padEnd(24)} ${'LAST USED'.padEnd(24)} USES\n`);
          for (const g of list) {
            io.stdout(`${g.name.padEnd(32)} ${g.kind.padEnd(6)} ${new Date(g.createdAt).toISOString().padEnd(24)} ${(g.lastUsedAt ? new Date(g.lastUsedAt).toISOString() : 'never').padEnd(24)} ${g.useCount}\n`);
          }
        }
        return 0;
      }
      throw usageError('Use `agents add <name>`, `agents list` or `agents revoke <name>`.');
    });
  },
};

export default agents;
