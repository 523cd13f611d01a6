import { spawn } from 'node:child_process';
import { childEnvironment } from '../../core/agent/child-env.js';
import { CompanionError } from '../../core/errors.js';
import { usageError } from '../args.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const run: Command = {
  name: 'run',
  group: 'agents',
  synopsis: 'run -- <command…>',
  summary: 'Run a command with R42_AGENT_URL and R42_AGENT_TOKEN set, on a grant that ends\nwhen the command exits.',
  examples: ['r42-companion run -- python coach.py', 'r42-companion run -- sh -c \'curl -H "Authorization: Bearer $R42_AGENT_TOKEN" "$R42_AGENT_URL/v1/token"\''],
  // Everything after `run` belongs to the command it starts, its flags too: nothing is parsed here.
  async run(ctx, args) {
    const { io } = ctx;
    const command = args[0] === '--' ? args.slice(1) : args;
    if (command.length === 0) throw usageError('Give the command to run: r42-companion run -- <command…>');
    return withCompanion(ctx, async (companion) => {
      const grant = await companion.grantForChild();
      try {
        return await new Promise<number>((resolve, reject) => {
          const child = spawn(command[0]!, command.slice(1), {
            stdio: 'inherit',
            env: childEnvironment(io.env, grant),
          });
          const unhook = io.onInterrupt(() => child.kill('SIGTERM'));
          child.once('error', (error: NodeJS.ErrnoException) => {
            unhook();
            reject(new CompanionError('usage', `Cannot start "${command[0]}" (${error.code ?? 'error'}).`));
          });
          child.once('exit', (code, signal) => {
            unhook();
            resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15) : 1));
          });
        });
      } finally {
        await grant.end();
      }
    });
  },
};

export default run;
