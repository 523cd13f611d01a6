import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../support/harness.js';

const SCRIPT = path.join(ROOT, 'scripts/preflight-electron.mjs');
const REAL = path.join(ROOT, 'node_modules/electron');
let dir: string;

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Electron's real npm package without its binary, as `npm install` leaves it (the binary comes on first use). */
function electronWithoutBinary(): string {
  dir = tempDir('r42-preflight-');
  const pkg = path.join(dir, 'electron');
  mkdirSync(pkg);
  for (const file of ['package.json', 'install.js', 'index.js', 'checksums.json']) copyFileSync(path.join(REAL, file), path.join(pkg, file));
  symlinkSync(path.join(REAL, 'node_modules'), path.join(pkg, 'node_modules'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return pkg;
}

describe('npm start preflight', () => {
  it('without the Electron binary and no way to download it: says what failed, points at npm run demo, exits 1 (no stack trace)', () => {
    const pkg = electronWithoutBinary();
    // Nothing listens on port 9: the download fails at once, as it does offline.
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/', electron_config_cache: path.join(dir, 'cache') };
    delete env.ELECTRON_OVERRIDE_DIST_PATH;
    const run = spawnSync(process.execPath, [SCRIPT, pkg], { encoding: 'utf8', env, timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('R42 Companion cannot start: the Electron binary could not be downloaded.');
    expect(run.stderr).toContain('npm run demo');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('with the binary in place it lets npm start go on', () => {
    const pkg = electronWithoutBinary();
    writeFileSync(path.join(pkg, 'path.txt'), 'electron');
    mkdirSync(path.join(pkg, 'dist'));
    writeFileSync(path.join(pkg, 'dist', 'electron'), '');
    const run = spawnSync(process.execPath, [SCRIPT, pkg], { encoding: 'utf8', env: { ...process.env, ELECTRON_MIRROR: 'http://127.0.0.1:9/' }, timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
