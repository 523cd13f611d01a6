import { positiveInt } from '../args.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const audit: Command = {
  name: 'audit',
  group: 'additional',
  synopsis: 'audit [--json] [--limit N]',
  summary: 'Show the security events: sign-ins, refreshes, disconnects, token hand-outs.',
  flags: [
    { name: 'json', description: 'as JSON' },
    { name: 'limit', value: 'N', description: 'the newest N events (default 50)' },
  ],
  examples: ['r42-companion audit', 'r42-companion audit --limit 200 --json'],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    const limit = positiveInt(flags.string('limit'), '--limit', 'entries') ?? 50;
    return withCompanion(ctx, async (companion) => {
      const entries = companion.auditLog(limit);
      if (flags.boolean('json')) {
        io.stdout(`${JSON.stringify(entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })), null, 2)}\n`);
      } else {
        for (const e of entries) {
          const detail = Object.entries(e.detail).map(([k, v]) => `${k}=${String(v)}`).join(' ');
          io.stdout(`${new Date(e.at).toISOString()}  ${e.event.padEnd(28)} ${detail}\n`);
        }
        if (entries.length === 0) io.stdout('No events yet.\n');
      }
      return 0;
    });
  },
};

export default audit;
