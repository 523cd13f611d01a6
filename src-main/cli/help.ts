/**
 * The usage text and each command's help, made from the command modules (GitHub CLI's layout:
 * USAGE, the command groups, FLAGS, EXAMPLES, LEARN MORE), so a new command documents itself.
 */
import { VERSION } from '../core/version.js';
import { usageError } from './args.js';
import { COMMAND_GROUPS, type Command, type CommandCatalog, type CommandHelp } from './commands/command.js';

const BIN = 'r42-companion';

/** A block under a heading, each line indented by two spaces. */
const section = (heading: string, lines: readonly string[]) => `${heading}\n${lines.map((line) => `  ${line}`).join('\n')}`;

/** `text` with every line after the first indented by `by` spaces. */
const hang = (text: string, by: number) => text.replaceAll('\n', `\n${' '.repeat(by)}`);

/** Two columns: the left padded to the widest entry (at least `min`). */
function columns(rows: ReadonlyArray<readonly [string, string]>, min = 0): string[] {
  const width = Math.max(min, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${left.padEnd(width)}  ${hang(right, width + 4)}`);
}

const INHERITED_FLAGS = [['-h, --help', 'show help for the command']] as const;

/** The text of `r42-companion help`, and of `r42-companion` alone. */
export function usageText(commands: readonly Command[]): string {
  const groups = (Object.keys(COMMAND_GROUPS) as Array<keyof typeof COMMAND_GROUPS>)
    .map((group) => {
      const entries = commands.filter((c) => c.group === group).flatMap((c): CommandHelp[] => [c, ...(c.subcommands ?? [])]);
      return entries.length ? section(COMMAND_GROUPS[group], entries.map((c) => `${c.synopsis}\n      ${hang(c.summary, 6)}`).join('\n').split('\n')) : '';
    })
    .filter(Boolean);
  return [
    `R42 Companion ${VERSION}: links your Garmin account without your password and hands a valid token to your coaching agent.`,
    section('USAGE', [`${BIN} <command> [flags]`]),
    ...groups,
    section('FLAGS', columns([...INHERITED_FLAGS, ['--version', 'show the version']])),
    section('EXAMPLES', [`$ ${BIN} login`, `$ ${BIN} token --min-valid 3600`, `$ ${BIN} run -- python coach.py`, `$ ${BIN} mcp config --client claude-code`]),
    section('LEARN MORE', [`Use \`${BIN} <command> --help\` for more about a command.`, 'Configuration comes from the environment and R42_HOME/config.json; see README.md.']),
  ].join('\n\n');
}

/** One command's help. The first line stays `Usage: …` (scripts and tests read it). */
export function commandHelpText(command: CommandHelp): string {
  const flags = (command.flags ?? []).map((f): readonly [string, string] => [`--${f.name}${f.value === undefined ? '' : ` ${f.value}`}`, f.description]);
  return [
    `Usage: ${BIN} ${command.synopsis}`,
    command.summary,
    ...(flags.length ? [section('FLAGS', columns(flags, 22))] : []),
    section('INHERITED FLAGS', columns(INHERITED_FLAGS, 22)),
    ...(command.examples?.length ? [section('EXAMPLES', command.examples.map((e) => `$ ${e}`))] : []),
    section('LEARN MORE', [`Use \`${BIN} help\` for every command. Exit codes and settings: README.md.`]),
  ].join('\n\n');
}

/** Every help entry: the commands and their subcommands (`mcp config`). */
export function helpEntries(commands: readonly Command[]): CommandHelp[] {
  return commands.flatMap((c): CommandHelp[] => [c, ...(c.subcommands ?? [])]);
}

/** The help of `name` (`sync`, `mcp config`): loads only that command's module. */
export async function findHelp(name: string, commands: CommandCatalog): Promise<CommandHelp> {
  const command = await commands.load(name.split(' ')[0]!);
  const found = command && helpEntries([command]).find((c) => c.name === name);
  if (!found) throw usageError(`There is no command "${name}".`);
  return found;
}

export async function usage(commands: CommandCatalog): Promise<string> {
  return usageText(await commands.loadAll());
}
