import { commandHelpText, findHelp, usage } from '../help.js';
import type { Command } from './command.js';

const help: Command = {
  name: 'help',
  group: 'additional',
  synopsis: 'help [COMMAND]',
  summary: 'Show this text, or one command’s help (also: COMMAND --help).',
  examples: ['r42-companion help token', 'r42-companion token --help'],
  async run(ctx, args) {
    ctx.io.stdout(`${args[0] ? commandHelpText(await findHelp(args[0], ctx.commands)) : await usage(ctx.commands)}\n`);
    return 0;
  },
};

export default help;
