import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../src-main/cli/args.js';
import { COMMAND_GROUPS } from '../../src-main/cli/commands/command.js';
import { COMMANDS, loadAllCommands } from '../../src-main/cli/commands/index.js';
import { commandHelpText, helpEntries, usageText } from '../../src-main/cli/help.js';
import { runCli, type CliIo } from '../../src-main/cli/index.js';

/** runCli in this process with captured stdio and no keychain or data folder (help and usage need neither). */
async function cli(argv: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: { R42_HOME: '/nonexistent/r42-cli-commands-test' },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => '',
    onInterrupt: () => () => undefined,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('the CLI command table', () => {
  it('registers one module per command, each named as in the table, with a synopsis, a summary and a group', async () => {
    const commands = await loadAllCommands();
    expect(commands.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    expect(new Set(commands.map((c) => c.name)).size).toBe(commands.length);
    for (const command of commands) {
      expect(command.synopsis.startsWith(command.name), command.name).toBe(true);
      expect(command.summary.length, command.name).toBeGreaterThan(10);
      expect(Object.keys(COMMAND_GROUPS)).toContain(command.group);
      for (const sub of command.subcommands ?? []) expect(sub.name.startsWith(`${command.name} `)).toBe(true);
    }
  });

  it("gives every command and subcommand a --help that lists each of its flags, and the parser accepts exactly those", async () => {
    for (const entry of helpEntries(await loadAllCommands())) {
      // `run -- cmd --help` passes --help to the command it runs, and `help --help` asks for a command named --help: `help NAME` serves all.
      const help = await cli(['run', 'help'].includes(entry.name) ? ['help', entry.name] : [...entry.name.split(' '), '--help']);
      expect({ name: entry.name, code: help.code }).toEqual({ name: entry.name, code: 0 });
      expect(help.stdout).toBe(`${commandHelpText(entry)}\n`);
      expect(help.stdout.startsWith(`Usage: r42-companion ${entry.synopsis}\n\n${entry.summary}\n`)).toBe(true);
      for (const heading of ['INHERITED FLAGS', 'LEARN MORE']) expect(help.stdout).toContain(`\n${heading}\n`);
      for (const flag of entry.flags ?? []) {
        expect(help.stdout, entry.name).toMatch(new RegExp(`\\n  --${flag.name}${flag.value ? ` ${flag.value}` : ''} +${flag.description.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        // What help lists, the parser takes (a value for a flag with a placeholder).
        const parsed = parseFlags(entry.name, entry.flags ?? [], flag.value ? [`--${flag.name}`, '1'] : [`--${flag.name}`]);
        expect(flag.value ? parsed.string(flag.name) : parsed.boolean(flag.name)).toBe(flag.value ? '1' : true);
      }
    }
  });

  it('makes the usage text from the table, in the GitHub CLI layout, with every command under its group', async () => {
    const commands = await loadAllCommands();
    const usage = usageText(commands);
    const headings = ['USAGE', ...Object.values(COMMAND_GROUPS), 'FLAGS', 'EXAMPLES', 'LEARN MORE'];
    const positions = headings.map((h) => usage.indexOf(`\n\n${h}\n`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const entry of helpEntries(commands)) expect(usage).toContain(`\n  ${entry.synopsis}\n        ${entry.summary.split('\n')[0]}`);
    const help = await cli(['help']);
    expect(help).toEqual({ code: 0, stdout: `${usage}\n`, stderr: '' });
    expect((await cli([])).code).toBe(2);
  });

  it('answers an unknown command with exit 2 and the usage on stderr, nothing on stdout', async () => {
    const unknown = await cli(['tokn']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(`r42-companion: Unknown command "tokn". [usage]\n\n${usageText(await loadAllCommands())}\n`);
  });

  it('names the command and its flags when a flag is unknown, from the same declaration', async () => {
    const bad = await cli(['activities', '--nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('`activities` has no option --nope. Its options: --json, --from VALUE, --to VALUE, --type VALUE, --unit VALUE, --points VALUE.');
    const sub = await cli(['mcp', '--nope']);
    expect(sub.stderr).toContain('`mcp` has no option --nope. Its options: --client VALUE.');
  });
});
