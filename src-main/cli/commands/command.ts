import type { CliIo } from '../io.js';
import type { Flag, ParsedFlags } from '../args.js';

/** What `help` shows of a command (or of a subcommand such as `mcp config`). */
export interface CommandHelp {
  /** As typed after `r42-companion`: `sync`, `mcp config`. */
  readonly name: string;
  /** The command line with its flags: `sync [--days N]`. */
  readonly synopsis: string;
  /** What it does, for a runner; `\n` breaks a long line. */
  readonly summary: string;
  readonly flags?: readonly Flag[];
  /** Whole command lines, without the `$ ` prompt. */
  readonly examples?: readonly string[];
}

/** The headings of the usage text, in this order. */
export const COMMAND_GROUPS = {
  core: 'CORE COMMANDS',
  data: 'TRAINING DATA COMMANDS',
  agents: 'AGENT COMMANDS',
  additional: 'ADDITIONAL COMMANDS',
} as const;

export type CommandGroup = keyof typeof COMMAND_GROUPS;

/** One CLI command: one module under src-main/cli/commands/, registered in commands/index.ts. */
export interface Command extends CommandHelp {
  readonly group: CommandGroup;
  /** Subcommands that have their own help but run in this module (`mcp config`). Their flags are parsed with the command's. */
  readonly subcommands?: readonly CommandHelp[];
  /** Runs the command with the arguments after its name; returns the exit code. Throws CompanionError for the exit codes of its code. */
  run(ctx: CommandContext, args: readonly string[]): Promise<number>;
}

/**
 * The command table as the dispatcher hands it to a command that shows the others (`help`), so no
 * command module imports the table that imports it.
 */
export interface CommandCatalog {
  /** The command registered under `name`, loaded; undefined when there is none. */
  load(name: string): Promise<Command | undefined>;
  /** Every command, loaded, in the table's order. */
  loadAll(): Promise<Command[]>;
}

export interface CommandContext {
  readonly io: CliIo;
  /** R42's packaged defaults beside the bundle (dist/defaults.json), resolved from the CLI's entry. */
  readonly packagedDefaultsFile: string;
  /** The FIT decoder's worker beside the bundle (dist/cli/fit-worker.mjs), resolved from the CLI's entry; a checkout runs the TypeScript one. */
  readonly fitWorkerFile?: string;
  /** This command's flags from `args` (node:util parseArgs, strict), or a usage error naming them. */
  parse(args: readonly string[]): ParsedFlags;
  /** The registered commands (for `help`). */
  readonly commands: CommandCatalog;
  /** What `token`'s fast path already found when the process entry (entry.ts) tried it first: `token` does not try again. */
  readonly quickToken?: { readonly answered: boolean; readonly warned: boolean };
}
