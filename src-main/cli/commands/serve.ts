import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const serve: Command = {
  name: 'serve',
  group: 'agents',
  synopsis: 'serve',
  summary: 'Run the local agent endpoint on 127.0.0.1, refresh tokens and sync in the background.\nWrites agent.json (url, owner secret, pid) in the data folder while it runs.',
  examples: ['r42-companion serve'],
  async run(ctx, args) {
    const { io } = ctx;
    ctx.parse(args);
    return withCompanion(ctx, async (companion) => {
      const service = await companion.serveAgents();
      io.stderr(`Serving agents at ${service.url}; agent.json is in ${companion.config.paths.home}. Ctrl-C stops.\n`);
      await new Promise<void>((resolve) => {
        const unhook = io.onInterrupt(() => {
          unhook();
          resolve();
        });
      });
      await service.stop();
      io.stderr('Stopped serving agents.\n');
      return 0;
    });
  },
};

export default serve;
