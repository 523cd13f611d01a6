import { parseArgs } from 'node:util';
import { CompanionError } from '../core/errors.js';

export function usageError(message: string): CompanionError {
  return new CompanionError('usage', `${message}\nRun \`r42-companion help\` for the commands.`);
}

/** One flag of a command: what the parser accepts and what its help shows, declared once. */
export interface Flag {
  /** Without the dashes: `days` for `--days`. */
  readonly name: string;
  /** The placeholder of a flag that takes a value (`N`, `SECONDS`); none for a switch. */
  readonly value?: string;
  readonly description: string;
}

/** A command's parsed flags. Reading a flag the command did not declare is a bug, and throws. */
export interface ParsedFlags {
  readonly positionals: readonly string[];
  /** The value of a flag that takes one, or undefined when it was not given. */
  string(name: string): string | undefined;
  /** Whether a switch was given. */
  boolean(name: string): boolean;
}

type ParseOptions = Record<string, { type: 'string' | 'boolean' }>;

/** Node's option-parsing errors in plain words, naming the command's own options. */
function describeParseError(error: unknown, command: string, options: ParseOptions): string {
  const code = (error as { code?: string }).code;
  const flag = /'(-{1,2}[^' ]+)/.exec((error as Error).message)?.[1] ?? '';
  const known = Object.entries(options).map(([name, o]) => (o.type === 'string' ? `--${name} VALUE` : `--${name}`));
  const list = known.length ? `Its options: ${known.join(', ')}.` : 'It takes no options.';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `\`${command}\` has no option ${flag}. ${list} (r42-companion ${command} --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${flag || 'An option'} of \`${command}\` needs a value, or takes none. ${list}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `\`${command}\` takes no such argument. ${list}`;
    default:
      return `The options of \`${command}\` could not be read. ${list}`;
  }
}

/** Parses `args` against `flags` (strict: an unknown flag is a usage error that lists the known ones). */
export function parseFlags(command: string, flags: readonly Flag[], args: readonly string[]): ParsedFlags {
  const options: ParseOptions = Object.fromEntries(flags.map((f) => [f.name, { type: f.value === undefined ? 'boolean' : 'string' }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(describeParseError(error, command, options));
  }
  const declared = (name: string, type: 'string' | 'boolean') => {
    if (options[name]?.type !== type) throw new Error(`\`${command}\` reads --${name} as a ${type} flag, and declares no such flag`);
  };
  const { values, positionals } = parsed;
  return {
    positionals,
    string(name) {
      declared(name, 'string');
      const value = values[name];
      return typeof value === 'string' ? value : undefined;
    },
    boolean(name) {
      declared(name, 'boolean');
      return values[name] === true;
    },
  };
}

export function positiveInt(value: string | undefined, flag: string, unit: 'seconds' | 'days' | 'entries'): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw usageError(`${flag} needs a whole number of ${unit} above 0, not "${value}".`);
  return Number(value);
}
