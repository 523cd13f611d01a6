import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../support/harness.js';

describe('the installed CLI (bin entry on the bundled build)', () => {
  beforeAll(async () => {
    await build({
      entryPoints: [path.join(ROOT, 'src-main/cli/index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile: path.join(ROOT, 'dist/cli/index.js'),
      logLevel: 'warning',
    });
  });

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
