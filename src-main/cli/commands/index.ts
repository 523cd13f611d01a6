/**
 * The CLI's commands: one module each in this folder, registered here. A module is imported only
 * when its command runs (or when help lists them all), so `r42-companion token` loads the token
 * command and nothing of `sync`, `serve` or `mcp`.
 *
 * A new command: a module exporting a `Command` as its default (see ./command.ts and ./status.ts),
 * and its line below. The usage text, its `--help` and the flag parsing all come from the module.
 */
import type { Command, CommandCatalog } from './command.js';

export interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<{ readonly default: Command }>;
}

/** In the order of the usage text (within each group). */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'login', load: () => import('./login.js') },
  { name: 'status', load: () => import('./status.js') },
  { name: 'token', load: () => import('./token.js') },
  { name: 'logout', load: () => import('./logout.js') },
  { name: 'sync', load: () => import('./sync.js') },
  { name: 'activities', load: () => import('./activities.js') },
  { name: 'import', load: () => import('./import.js') },
  { name: 'load', load: () => import('./load.js') },
  { name: 'records', load: () => import('./records.js') },
  { name: 'trends', load: () => import('./trends.js') },
  { name: 'serve', load: () => import('./serve.js') },
  { name: 'agents', load: () => import('./agents.js') },
  { name: 'run', load: () => import('./run.js') },
  { name: 'mcp', load: () => import('./mcp.js') },
  { name: 'workouts', load: () => import('./workouts.js') },
  { name: 'secret', load: () => import('./secret.js') },
  { name: 'audit', load: () => import('./audit.js') },
  { name: 'help', load: () => import('./help.js') },
];

/** The command registered under `name`, loaded; undefined when there is none. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const entry = COMMANDS.find((c) => c.name === name);
  return entry ? (await entry.load()).default : undefined;
}

/** Every command, loaded (for the usage text). */
export async function loadAllCommands(): Promise<Command[]> {
  return Promise.all(COMMANDS.map(async (c) => (await c.load()).default));
}

/** The table as commands see it (`ctx.commands`). */
export const COMMAND_CATALOG: CommandCatalog = { load: loadCommand, loadAll: loadAllCommands };
