/**
 * What `r42-companion mcp config` prints: the snippet that registers the stdio MCP server with an
 * MCP client, and where it goes. Paths are absolute: Claude Desktop and Cursor start servers
 * without the shell's PATH or working folder.
 */
import path from 'node:path';
import { isOurSecretVariable } from '../agent/child-env.js';
import { SETTING_KEYS } from '../config.js';
import { sessionBusForSnippet, type BusLookup } from '../session-bus.js';

export const MCP_CLIENTS = ['claude-desktop', 'claude-code', 'cursor'] as const;
export type McpClient = (typeof MCP_CLIENTS)[number];

/** How to start `r42-companion mcp`: an absolute program and its arguments. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
}

/** The name the server is registered under in every client. */
export const MCP_SERVER_NAME = 'r42-companion';

/**
 * The environment the server needs to find the same data folder, settings and keychain as this
 * shell: the data folder, always (a client's environment may resolve the default differently); our
 * settings that are set here, minus every secret (those stay in the keychain, never in a client's
 * config file); and on Linux the D-Bus session bus the keychain is reached through, unless it is
 * the standard one the server finds by itself (session-bus.ts). Clients start servers with a
 * minimal environment, without it.
 */
export function serverEnvironment(env: NodeJS.ProcessEnv, home: string, lookup: BusLookup): Record<string, string> {
  const out: Record<string, string> = { R42_HOME: home };
  for (const key of SETTING_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '' && !isOurSecretVariable(key)) out[key] = value;
  }
  const bus = sessionBusForSnippet(env, lookup);
  if (bus) out.DBUS_SESSION_BUS_ADDRESS = bus;
  return out;
}

const posixQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);
const windowsQuote = (arg: string) => (/^[\w@%+=:,./\\-]+$/.test(arg) ? arg : `"${arg.replaceAll('"', '\\"')}"`);

/** The snippet for `client`, and one paragraph saying where it goes. */
export function mcpClientConfig(options: {
  client: McpClient;
  launch: Launch;
  env: Readonly<Record<string, string>>;
  platform: NodeJS.Platform;
  /** The user's home folder, and %APPDATA% on Windows. */
  userHome: string;
  appData?: string;
}): { snippet: string; where: string } {
  const { client, launch, env, platform, userHome } = options;
  const entry = { command: launch.command, args: [...launch.args], env: { ...env } };
  const json = JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: entry } }, null, 2);
  switch (client) {
    case 'claude-desktop': {
      const file =
        platform === 'darwin'
          ? path.posix.join(userHome, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json')
          : platform === 'win32'
            ? path.win32.join(options.appData ?? path.win32.join(userHome, 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json')
            : path.posix.join(userHome, '.config', 'Claude', 'claude_desktop_config.json');
      return {
        snippet: json,
        where:
          `Claude Desktop: put the "${MCP_SERVER_NAME}" entry under "mcpServers" in ${file} (Settings → Developer → Edit Config opens it; keep any servers already there), then quit and reopen Claude Desktop.` +
          (platform === 'darwin' || platform === 'win32' ? '' : ' Claude Desktop has no official Linux release; community builds read that file.'),
      };
    }
    case 'cursor':
      return {
        snippet: json,
        where: `Cursor: put the "${MCP_SERVER_NAME}" entry under "mcpServers" in ${path.join(userHome, '.cursor', 'mcp.json')} (every project) or in .cursor/mcp.json inside one project, keeping any servers already there; Cursor picks it up in Settings → MCP.`,
      };
    case 'claude-code': {
      const quote = platform === 'win32' ? windowsQuote : posixQuote;
      // The name before --env: Claude Code's --env takes several values and would swallow a name after it.
      const words = [
        'claude', 'mcp', 'add', '--transport', 'stdio', '--scope', 'user', MCP_SERVER_NAME,
        ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
        '--', launch.command, ...launch.args,
      ];
      return {
        snippet: words.map(quote).join(' '),
        where: 'Claude Code: run this command once in a terminal (`--scope user` makes the server available in every project; Claude Code keeps it in ~/.claude.json). `claude mcp list` shows it.',
      };
    }
  }
}
