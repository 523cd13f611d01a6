/* `npm start`'s first step: makes sure the Electron binary is there before anything needs it.
   Electron 45's npm package downloads its binary on first use, not at install; where that cannot
   happen (no network, a blocked download, CI) `electron .` would end in a raw stack trace. This
   says what failed and what works instead, and exits 1.
   `node scripts/preflight-electron.mjs [electron package folder]` (the folder only for its test). */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const dir = process.argv[2] ? path.resolve(process.argv[2]) : path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));

/** The binary Electron's package would start, or null when it is not on disk. */
function binary() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return process.env.ELECTRON_OVERRIDE_DIST_PATH;
  try {
    const file = path.join(dir, 'dist', readFileSync(path.join(dir, 'path.txt'), 'utf8').trim());
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

if (binary() === null) {
  process.stderr.write('npm start: the Electron binary is not installed yet; downloading it (once)…\n');
  // Electron's own installer, as its package would run it on first use, with its output shown.
  const install = spawnSync(process.execPath, [path.join(dir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10 * 60_000 });
  if (install.status !== 0 || binary() === null) {
    const reason = (install.stderr || install.error?.message || '').trim().split('\n').find((line) => line.trim()) ?? 'no reason given';
    const [major, minor] = process.versions.node.split('.').map(Number);
    const oldNode = major < 22 || (major === 22 && minor < 12);
    process.stderr.write(
      [
        '',
        'npm start: R42 Companion cannot start: the Electron binary could not be downloaded.',
        `  Electron's installer said: ${reason.slice(0, 300)}`,
        ...(oldNode ? [`  Electron 45's tooling wants Node 22.12 or newer; this is Node ${process.versions.node}.`] : []),
        '',
        'Without Electron, the whole app runs in your browser:',
        '  npm run demo      the Garmin simulator, the R42 server and the app, no account needed',
        '  npm run dev:web   the app on your own configuration',
        'To get Electron: run `npm start` again where github.com is reachable (or set ELECTRON_MIRROR).',
        '',
      ].join('\n'),
    );
    process.exit(1);
  }
}
