import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../support/harness.js';

/**
 * The README's walk-through, run as a newcomer runs it on a machine with no desktop, no D-Bus
 * session and no display: its exact commands, read from README.md, so the test fails when the
 * README and the product part ways.
 */
const HEADING = '## Try it without a Garmin developer account';

/** The ```bash blocks of the walk-through section (up to the next heading), as lists of lines. */
function walkthroughBlocks(): string[][] {
  const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  const start = lines.indexOf(HEADING);
  expect(start, `README.md has no "${HEADING}" section`).toBeGreaterThan(-1);
  const blocks: string[][] = [];
  let block: string[] | null = null;
  for (const line of lines.slice(start + 1)) {
    if (block) {
      if (line.startsWith('```')) {
        blocks.push(block);
        block = null;
      } else if (line.trim() !== '') block.push(line);
    } else if (line === '```bash') block = [];
    else if (/^#{1,3} /.test(line)) break;
  }
  return blocks;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function run(command: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('bash', ['-c', command], { cwd: ROOT, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('the README walk-through on a headless machine', () => {
  it('links with login, and the same keychain session serves status, sync, activities and an MCP sync_now, until the shell exits', async () => {
    const [simulatorBlock, shellBlock] = walkthroughBlocks();
    expect(simulatorBlock, 'the walk-through starts the simulator in its own block').toHaveLength(1);
    const simulatorCommand = simulatorBlock![0]!.replace(/\s+#.*$/, '');
    expect(simulatorCommand).toMatch(/^npm run simulator -- /);
    expect(shellBlock![0]).toMatch(/^npm run --silent keyring-shell\b/);
    for (const step of ['login', 'sync', 'activities', 'mcp']) expect(shellBlock!.some((line) => line.includes(`companion -- ${step}`)), step).toBe(true);

    // No D-Bus session, no display, a fresh home: a server, a container, an SSH session.
    const tmp = tempDir('r42-walkthrough-tmp-');
    const env = { PATH: process.env.PATH, HOME: tempDir('r42-walkthrough-home-'), TMPDIR: tmp, LANG: 'C.UTF-8' } as NodeJS.ProcessEnv;

    // Terminal 1. The README's port (8790) may be taken on a shared machine: the test asks for any free one.
    const simulator = run(`${simulatorCommand} --port 0`, env);
    await expect.poll(simulator.output, { timeout: 60_000 }).toMatch(/^export R42_KEYCHAIN_SERVICE=.*$/m);
    const exports = simulator.output().split('\n').filter((line) => line.startsWith('export '));
    expect(exports.map((line) => line.split('=')[0])).toEqual(expect.arrayContaining(['export GARMIN_CLIENT_ID', 'export GARMIN_API_URL', 'export R42_HOME']));

    // Terminal 2: the shell command, then typed into it, line by line, the rest, with the exports pasted where the README says.
    const shell = run(shellBlock![0]!.replace(/\s+#.*$/, ''), env);
    const typed = shellBlock!.slice(1).flatMap((line) => (/^# paste the simulator's export lines here/.test(line) ? [line, ...exports] : [line]));
    shell.child.stdin!.end(`${typed.join('\n')}\n`);
    expect(await shell.exited).toBe(0);
    const out = shell.output();

    expect(out).toContain('using a private gnome-keyring for this shell');
    expect(out).not.toContain('keychain_unavailable');
    expect(out).toMatch(/Linked Garmin user [0-9a-f]{32}\./);
    expect(out).toMatch(/^Garmin: linked \(user [0-9a-f]{32}\)$/m);
    const synced = /Synced (\d+) records/.exec(out);
    expect(Number(synced?.[1])).toBeGreaterThan(100);
    // `activities`: a table of the last 28 days.
    expect(out).toMatch(/^DATE +TYPE +KM +TIME +PACE +HR$/m);
    expect(out.match(/^\d{4}-\d\d-\d\d +[A-Z_]+ +\d+\.\d\d /gm)?.length ?? 0).toBeGreaterThan(5);
    expect(out).toContain('claude mcp add --transport stdio --scope user r42-companion');
    // The MCP server answered initialize and then sync_now, with the token from the same keychain.
    const answers = out
      .split('\n')
      .filter((line) => line.startsWith('{"'))
      .map((line) => JSON.parse(line) as { id?: number; result?: { isError?: boolean; structuredContent?: Record<string, unknown> } });
    expect(answers.map((a) => a.id)).toEqual([1, 2]);
    expect(answers[1]!.result?.isError).toBeUndefined();
    expect(answers[1]!.result?.structuredContent).toMatchObject({ outcome: 'completed', stale: false });

    // `exit`: the private keyring is gone with the shell.
    expect(readdirSync(tmp).filter((name) => name.startsWith('r42-keyring.'))).toEqual([]);
    // Ctrl-C in terminal 1: the whole foreground group gets SIGINT.
    process.kill(-simulator.child.pid!, 'SIGINT');
    await simulator.exited;
  }, 180_000);
});
