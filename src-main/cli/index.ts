/**
 * The headless entry: `r42-companion <command>`. The commands are modules under ./commands/,
 * registered in ./commands/index.ts and imported only when they run, so a command loads what it
 * needs and no more (`token` answers a cached token without loading the core facade).
 */
import { fileURLToPath } from 'node:url';
import { ERROR_SURFACES } from '../../src-common/error-codes.js';
import { REFRESH_HELPER_COMMAND } from '../core/auth/refresh-helper-name.js';
import { isCompanionError, type ErrorCode } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { parseFlags } from './args.js';
import type { CommandContext } from './commands/command.js';
import { COMMAND_CATALOG, loadCommand } from './commands/index.js';
import { processIo, type CliIo } from './io.js';
import { isProcessEntry } from './process-entry.js';

export { processIo };

export { VERSION };
export { createExitHold, type CliIo } from './io.js';
export { MAX_MIN_VALID_SECONDS } from './commands/token.js';

/** Exit codes scripts can rely on. */
export function exitCodeFor(code: ErrorCode): number {
  return ERROR_SURFACES[code].exit;
}

/**
 * R42's defaults that `npm run dist` writes beside the bundles (dist/defaults.json), resolved from
 * this entry: the commands' own modules may sit in dist/cli/chunks/ when the bundle is split.
 */
const PACKAGED_DEFAULTS_FILE = fileURLToPath(new URL('../defaults.json', import.meta.url));
/** The FIT decoder's worker thread, built beside this file (scripts/build.mjs); unused from a checkout (core/fit/fit-decoder.ts). */
const FIT_WORKER_FILE = fileURLToPath(new URL('./fit-worker.mjs', import.meta.url));

/** What the process entry (entry.ts) hands on: `token`'s fast path, already tried. */
export interface RunOptions {
  readonly quickToken?: CommandContext['quickToken'];
}

/** Runs one CLI command; returns the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  try {
    return await dispatch(argv, io, options);
  } catch (error) {
    if (isCompanionError(error)) {
      io.stderr(`r42-companion: ${error.message} [${error.code}]\n`);
      return exitCodeFor(error.code);
    }
    io.stderr(`r42-companion: unexpected failure (${error instanceof Error ? error.name : typeof error}). See the log in the data folder.\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[], io: CliIo, options: RunOptions): Promise<number> {
  const [name, ...rest] = argv;
  // `r42-companion sync --help`, `help sync`: that command's own help (`run` passes its flags on).
  if (name && name !== 'run' && name !== 'help' && (rest.includes('--help') || rest.includes('-h'))) {
    // A subcommand's own help when it has one (`mcp config --help`, `activities show 123 --help`).
    const sub = rest[0] !== undefined && !rest[0].startsWith('-') ? `${name} ${rest[0]}` : null;
    const { findHelp } = await import('./help.js');
    const own = sub === null ? null : await findHelp(sub, COMMAND_CATALOG).catch(() => null);
    return runCommand('help', [own ? sub! : name], io);
  }
  switch (name) {
    case undefined: {
      const { usage } = await import('./help.js');
      io.stdout(`${await usage(COMMAND_CATALOG)}\n`);
      return 2;
    }
    case '--help':
    case '-h':
      return runCommand('help', name === '--help' ? rest : [], io);
    case '--version':
    case 'version':
      io.stdout(`${VERSION}\n`);
      return 0;
    case REFRESH_HELPER_COMMAND: {
      // Not a command of the table (not in the usage text): this CLI started again by itself to
      // make a refresh that outlives the process that asked (core/auth/refresh-helper.ts).
      const { runRefreshHelperCommand } = await import('./refresh-helper-command.js');
      return runRefreshHelperCommand(rest, io, PACKAGED_DEFAULTS_FILE);
    }
    default:
      return runCommand(name, rest, io, options);
  }
}

async function runCommand(name: string, args: readonly string[], io: CliIo, options: RunOptions = {}): Promise<number> {
  const command = await loadCommand(name);
  if (!command) {
    // The usage follows the error, as `gh` does, on stderr: stdout stays clean for scripts.
    const { usage } = await import('./help.js');
    io.stderr(`r42-companion: Unknown command "${name}". [usage]\n\n${await usage(COMMAND_CATALOG)}\n`);
    return exitCodeFor('usage');
  }
  const flags = [...(command.flags ?? []), ...(command.subcommands ?? []).flatMap((s) => s.flags ?? [])];
  const ctx: CommandContext = {
    io,
    packagedDefaultsFile: PACKAGED_DEFAULTS_FILE,
    fitWorkerFile: FIT_WORKER_FILE,
    parse: (args) => parseFlags(name, flags, args),
    commands: COMMAND_CATALOG,
    ...(options.quickToken ? { quickToken: options.quickToken } : {}),
  };
  return command.run(ctx, args);
}

/** The process entry: real stdio, Ctrl-C, exit code. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}

if (isProcessEntry(import.meta.url)) await main();
