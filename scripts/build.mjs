// Bundles everything that is not the renderer (Vite builds that): the CLI, the Electron main
// process, the preload (CommonJS, as sandboxed preloads must be), the web bridge and the R42 server.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', packages: 'external' };
const only = process.argv[2];
const targets = {
  // Split: what only some commands need (the MCP SDK, the OAuth client, the HTTP servers) is a chunk loaded on use, so `token` starts light.
  cli: { ...common, entryPoints: ['src-main/cli/index.ts'], format: 'esm', splitting: true, outdir: 'dist/cli', chunkNames: 'chunks/[name]-[hash]' },
  main: { ...common, entryPoints: ['src-main/main.ts'], format: 'esm', outfile: 'dist/main/main.js', external: ['electron', 'keytar', 'better-sqlite3'] },
  preload: { ...common, entryPoints: ['src-preload/preload.ts'], format: 'cjs', outfile: 'dist/preload/preload.cjs', packages: undefined, external: ['electron'] },
  // The R42 server: never part of the Electron app (electron-builder.yml lists what the app ships).
  server: { ...common, entryPoints: ['src-server/main.ts'], format: 'esm', outfile: 'dist/server/main.js' },
  'web-bridge': { bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', logLevel: 'warning', entryPoints: ['src-preload/web-bridge.ts'], outfile: 'dist/web-bridge/r42-web-bridge.js' },
};
for (const [name, options] of Object.entries(targets)) {
  if (only && only !== name) continue;
  // A split build names its chunks by content hash: start empty so no stale chunk ships.
  if (options.outdir) rmSync(options.outdir, { recursive: true, force: true });
  await build(options);
}
