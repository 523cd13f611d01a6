// Bundles everything that is not the renderer (Vite builds that): the CLI, the Electron main
// process, the preload (CommonJS, as sandboxed preloads must be) and the web bridge.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', packages: 'external' };
const only = process.argv[2];
const targets = {
  cli: { ...common, entryPoints: ['src-main/cli/index.ts'], format: 'esm', outfile: 'dist/cli/index.js' },
  main: { ...common, entryPoints: ['src-main/main.ts'], format: 'esm', outfile: 'dist/main/main.js', external: ['electron', 'keytar', 'better-sqlite3'] },
  preload: { ...common, entryPoints: ['src-preload/preload.ts'], format: 'cjs', outfile: 'dist/preload/preload.cjs', packages: undefined, external: ['electron'] },
  'web-bridge': { bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', logLevel: 'warning', entryPoints: ['src-preload/web-bridge.ts'], outfile: 'dist/web-bridge/r42-web-bridge.js' },
};
for (const [name, options] of Object.entries(targets)) {
  if (!only || only === name) await build(options);
}
