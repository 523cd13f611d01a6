import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build.mjs';
import { encodeRun } from '../support/fit-files.js';
import { ROOT, tempDir } from '../support/harness.js';

describe('the installed CLI (bin entry on the bundled build)', () => {
  beforeAll(async () => {
    // As `npm run build:cli` writes it: the entry, token's fast path, the split CLI and the FIT worker.
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

  it('imports a FIT file with the FIT worker built beside it (dist/cli/fit-worker.mjs), not the sources', () => {
    const home = tempDir();
    const file = path.join(tempDir(), 'run.fit');
    writeFileSync(file, encodeRun({ start: Date.UTC(2026, 4, 2, 6) / 1000, seconds: 1800, seed: 3 }).bytes);
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/r42-companion.js'), 'import', file, '--json'], { env: { PATH: process.env.PATH, R42_HOME: home }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ imported: 1, activities: 1, skipped: 0 });
  });
});
