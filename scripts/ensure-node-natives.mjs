// `npm start` and `npm run dist` rebuild keytar and better-sqlite3 for Electron's ABI inside
// node_modules. The tests run on plain Node, so before them this puts Node builds back (about a
// minute) when, and only when, the installed ones cannot load in this Node.
import { execFileSync, spawnSync } from 'node:child_process';

const probe = spawnSync(process.execPath, ['-e', "require('better-sqlite3'); require('keytar')"], { encoding: 'utf8' });
if (probe.status === 0) process.exit(0);
if (!/NODE_MODULE_VERSION|compiled against a different Node\.js version|invalid ELF|wrong ELF class/.test(probe.stderr)) {
  process.stderr.write(probe.stderr);
  process.stderr.write('ensure-node-natives: keytar or better-sqlite3 cannot load (see above). Run `npm ci` (Linux needs libsecret-1-dev).\n');
  process.exit(1);
}
process.stderr.write('ensure-node-natives: the native modules are built for Electron; rebuilding them for Node…\n');
execFileSync('npm', ['rebuild', 'better-sqlite3', 'keytar'], { stdio: 'inherit', env: process.env });
