import { homedir } from 'node:os';
import path from 'node:path';
import type { Companion } from '../../core/companion.js';
import { defaultHome } from '../../core/config.js';
import { MCP_CLIENTS, mcpClientConfig, serverEnvironment, type McpClient } from '../../core/mcp/client-config.js';
import { usageError } from '../args.js';
import type { CliIo } from '../io.js';
import { selfLaunch } from '../self-launch.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

/**
 * The MCP server on this process's own stdin and stdout, until the client closes stdin or a
 * signal arrives. Nothing but protocol may reach stdout: messages go to stderr, events to the log.
 */
async function serveMcpOnStdio(companion: Companion, io: CliIo): Promise<number> {
  const server = await companion.mcpServer({ transport: 'stdio', grant: 'runner' });
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  let unhook = () => {};
  const ended = new Promise<'input_ended' | 'stopped'>((resolve) => {
    // The SDK's transport does not watch for the end of stdin; a client closes it to stop us.
    process.stdin.once('end', () => resolve('input_ended'));
    process.stdin.once('close', () => resolve('input_ended'));
    unhook = io.onInterrupt(() => resolve('stopped'));
    server.onclose = () => resolve('stopped');
  });
  await server.connect(new StdioServerTransport());
  const why = await ended;
  unhook();
  // A client that closed stdin right after its last request still gets the answer (a signal stops at once).
  if (why === 'input_ended') await server.idle();
  await server.close();
  return 0;
}

const isMcpClient = (name: string): name is McpClient => (MCP_CLIENTS as readonly string[]).includes(name);

const mcp: Command = {
  name: 'mcp',
  group: 'agents',
  synopsis: 'mcp',
  summary: 'Run the MCP server on stdin/stdout (MCP clients start it; it reads the local\ndata, works offline and needs no running `serve`).',
  examples: ['r42-companion mcp config --client claude-code'],
  subcommands: [
    {
      name: 'mcp config',
      synopsis: 'mcp config [--client claude-desktop|claude-code|cursor]',
      summary: 'Print the snippet that registers the MCP server with that client, and where it goes.',
      flags: [{ name: 'client', value: 'CLIENT', description: `the MCP client: ${MCP_CLIENTS.join(', ')} (default claude-desktop)` }],
      examples: ['r42-companion mcp config', 'r42-companion mcp config --client cursor'],
    },
  ],
  async run(ctx, args) {
    const { io } = ctx;
    const flags = ctx.parse(args);
    const { positionals } = flags;
    const chosen = flags.string('client');
    if (positionals[0] === 'config' && positionals.length === 1) {
      const client = chosen ?? 'claude-desktop';
      if (!isMcpClient(client)) throw usageError(`--client must be one of ${MCP_CLIENTS.join(', ')}.`);
      const home = io.env.R42_HOME?.trim() ? path.resolve(io.env.R42_HOME) : defaultHome(io.env, process.platform);
      const config = mcpClientConfig({
        client,
        // How an MCP client starts this CLI again: `mcp` after this program's own launch.
        launch: selfLaunch('mcp'),
        env: serverEnvironment(io.env, home, { platform: process.platform, uid: process.getuid?.() }),
        platform: process.platform,
        userHome: homedir(),
        appData: io.env.APPDATA,
      });
      io.stdout(`${config.snippet}\n`);
      io.stderr(`${config.where}\n`);
      return 0;
    }
    if (positionals.length > 0 || chosen !== undefined) throw usageError('Use `mcp` (the stdio server) or `mcp config [--client …]`.');
    return withCompanion(ctx, (companion) => serveMcpOnStdio(companion, io));
  },
};

export default mcp;
