import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build.mjs';
import { ROOT, tempDir } from '../support/harness.js';

describe('the installed CLI (bin entry on the bundled build)', () => {
  beforeAll(async () => {
    // As `npm run build:cli` writes it: the entry, token's fast path and the split CLI.
    await buildCli(path.join(ROOT, 'dist/cli'), { absWorkingDir: ROOT });
  }, 60_000);

  it('runs from bin/r42-companion.js without TypeScript tooling', () => {
    const home = tempDir();
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/r42-companion.js'), ...args], { env: { PATH: process.env.PATH, R42_HOME: home }, encoding: 'utf8' });
    expect(run('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const status = run('status', '--json');
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ connected: false, state: 'not_connected', configured: false });
    const help = run('help');
    expect(help.stdout).toContain('login [--timeout SECONDS] [--no-browser]');
  });
});
