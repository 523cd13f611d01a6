// Proves the packaging layout without downloading Electron: validates electron-builder.yml, builds
// an unpacked Linux app with a stand-in Electron folder, checks the bundles and unpacked native
// modules are where the app loads them from, then runs electronegativity over the built app and
// fails on any HIGH or MEDIUM finding (the tool itself always exits 0). The native modules in this
// output are built for Node, not Electron: it proves layout, never a shippable package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const work = mkdtempSync(path.join(tmpdir(), 'r42-package-'));
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

try {
  const stub = path.join(work, 'electron-stub');
  mkdirSync(stub);
  writeFileSync(path.join(stub, 'electron'), '#!/bin/sh\necho stand-in electron\n');
  chmodSync(path.join(stub, 'electron'), 0o755);
  writeFileSync(path.join(stub, 'version'), require('electron/package.json').version);
  writeFileSync(path.join(stub, 'LICENSE'), 'stand-in');
  const out = path.join(work, 'release');
  execFileSync(
    process.execPath,
    [require.resolve('electron-builder/cli.js'), '--linux', 'dir', '--publish', 'never', `-c.electronDist=${stub}`, '-c.npmRebuild=false', `-c.directories.output=${out}`],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } },
  );
  const resources = path.join(out, 'linux-unpacked', 'resources');
  const archive = path.join(resources, 'app.asar');
  check(existsSync(archive), 'app.asar built');
  const files = new Set(asar.listPackage(archive).map((f) => f.replaceAll('\\', '/')));
  for (const f of ['/dist/main/main.js', '/dist/preload/preload.cjs', '/dist/renderer/index.html', '/dist/cli/index.js', '/package.json', '/resources/tray/tray-linked.png', '/resources/tray/tray-reauth@2x.png']) check(files.has(f), `app.asar has ${f}`);
  check([...files].some((f) => /^\/dist\/renderer\/assets\/index-.*\.js$/.test(f)), 'app.asar has the renderer bundle');
  check(![...files].some((f) => f.startsWith('/src-') || f.startsWith('/tests/')), 'app.asar has no sources or tests');
  const serverParts = [...files].filter((f) => /^\/dist\/server\/|^\/node_modules\/(@electric-sql|hono|@hono|pg|pino)\//.test(f));
  check(serverParts.length === 0, `app.asar has none of the R42 server or its dependencies${serverParts.length ? ` (found ${serverParts.slice(0, 3).join(', ')})` : ''}`);
  const unpacked = path.join(resources, 'app.asar.unpacked', 'node_modules');
  check(existsSync(path.join(unpacked, 'keytar/build/Release/keytar.node')), 'keytar.node unpacked from the asar');
  check(existsSync(path.join(unpacked, 'better-sqlite3/build/Release/better_sqlite3.node')), 'better_sqlite3.node unpacked from the asar');
  // The FIT decoder's worker thread starts from a plain file, where src-main/main.ts names it.
  check(existsSync(path.join(resources, 'app.asar.unpacked', 'dist/cli/fit-worker.mjs')), 'the FIT worker (dist/cli/fit-worker.mjs) unpacked from the asar');
  const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString());
  check(pkg.main === 'dist/main/main.js', 'package.json main points at the bundled main process');

  // electronegativity over the built app (its sources extracted from the asar).
  const extracted = path.join(work, 'app');
  asar.extractAll(archive, extracted);
  rmSync(path.join(extracted, 'node_modules'), { recursive: true, force: true });
  const csv = path.join(work, 'electronegativity.csv');
  execFileSync(process.execPath, [require.resolve('@doyensec/electronegativity/dist/index.js'), '-i', extracted, '-o', csv, '-r', '-e', require('electron/package.json').version], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const rows = readFileSync(csv, 'utf8').split('\n').slice(1).filter(Boolean);
  const serious = rows.filter((r) => /,\s*"?(HIGH|MEDIUM)"?\s*,/.test(r));
  const { reviewed } = JSON.parse(readFileSync(path.join(root, 'docs/security/electronegativity-reviewed.json'), 'utf8'));
  const isReviewed = (row) => reviewed.some((r) => row.startsWith(`${r.check},`) && row.includes(`"${r.file}"`));
  const open = serious.filter((row) => !isReviewed(row));
  console.log(`electronegativity: ${rows.length} findings, ${serious.length} HIGH or MEDIUM, ${serious.length - open.length} of them reviewed (docs/security/electronegativity-reviewed.json), ${open.length} open`);
  for (const row of rows) console.log(`  ${serious.includes(row) ? (isReviewed(row) ? 'reviewed' : 'OPEN    ') : 'low     '} ${row.split(',').slice(0, 5).join(',')}`);
  check(open.length === 0, 'electronegativity: no unreviewed HIGH or MEDIUM finding');
  const stale = reviewed.filter((r) => !serious.some((row) => row.startsWith(`${r.check},`) && row.includes(`"${r.file}"`)));
  check(stale.length === 0, `every reviewed entry still matches a finding${stale.length ? ` (stale: ${stale.map((r) => r.check).join(', ')})` : ''}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length) {
  console.error(`package check failed: ${failures.length} problem(s)`);
  process.exit(1);
}
