// Bundles everything that is not the renderer (Vite builds that): the CLI, the Electron main
// process, the preload (CommonJS, as sandboxed preloads must be), the web bridge and the R42 server.
import { realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', packages: 'external' };

/**
 * The CLI as three outputs in `outdir` (dist/cli): index.js, the process entry (src-main/cli/entry.ts,
 * one small file with `token`'s cached answer, src-main/cli/token-fast-path.ts, bundled in); cli.js,
 * the CLI itself (src-main/cli/index.ts), split: what only some commands need (the MCP SDK, the OAuth
 * client, the HTTP servers) is a chunk loaded on use. The entry's import of the CLI stays an import
 * of that file. fit-worker.mjs, the FIT decoder's worker thread (src-main/core/fit/fit-worker.ts),
 * self-contained (its packages bundled in, only Node's own modules imported), so the CLI starts it
 * beside itself and the app from outside its asar (electron-builder.yml unpacks it). Returns the
 * builds' metafiles when asked (the startup test maps loaded files to sources).
 */
export async function buildCli(outdir, options = {}) {
  // A split build names its chunks by content hash: start empty so no stale chunk ships.
  rmSync(outdir, { recursive: true, force: true });
  const shared = { ...common, format: 'esm', metafile: options.metafile === true, ...(options.absWorkingDir ? { absWorkingDir: options.absWorkingDir } : {}) };
  const siblings = {
    name: 'cli-siblings',
    setup(b) {
      b.onResolve({ filter: /^\.\/index\.js$/ }, (args) =>
        args.importer.endsWith(path.join('src-main', 'cli', 'entry.ts')) ? { path: './cli.js', external: true } : undefined,
      );
    },
  };
  // better-sqlite3's JavaScript bundled into the entry (its addon stays where npm built it): `token`
  // then reads no dozen files of it while the keychain answers. Its own require() calls (Node's
  // modules, the addon) need a require in an ES module: the banner gives one.
  const sqliteInEntry = {
    name: 'better-sqlite3-in-entry',
    setup(b) {
      b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: createRequire(import.meta.url).resolve('better-sqlite3') }));
    },
  };
  const requireBanner = "import { createRequire as __entryCreateRequire } from 'node:module'; const require = __entryCreateRequire(import.meta.url);";
  const results = await Promise.all([
    build({ ...shared, entryPoints: { index: 'src-main/cli/entry.ts' }, outdir, plugins: [siblings, sqliteInEntry], banner: { js: requireBanner } }),
    build({ ...shared, entryPoints: { cli: 'src-main/cli/index.ts' }, outdir, splitting: true, chunkNames: 'chunks/[name]-[hash]' }),
    buildFitWorker(outdir, shared),
  ]);
  return results.map((r) => r.metafile).filter(Boolean);
}

/** The FIT decoder's worker thread alone, as `outdir`/fit-worker.mjs (the bench runs the built one, as the CLI and the app do). */
export function buildFitWorker(outdir, options = {}) {
  return build({ ...common, format: 'esm', ...options, packages: undefined, entryPoints: { 'fit-worker': 'src-main/core/fit/fit-worker.ts' }, outdir, outExtension: { '.js': '.mjs' } });
}

const targets = {
  main: { ...common, entryPoints: ['src-main/main.ts'], format: 'esm', outfile: 'dist/main/main.js', external: ['electron', 'keytar', 'better-sqlite3'] },
  preload: { ...common, entryPoints: ['src-preload/preload.ts'], format: 'cjs', outfile: 'dist/preload/preload.cjs', packages: undefined, external: ['electron'] },
  // The R42 server: never part of the Electron app (electron-builder.yml lists what the app ships).
  server: { ...common, entryPoints: ['src-server/main.ts'], format: 'esm', outfile: 'dist/server/main.js' },
  'web-bridge': { bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', logLevel: 'warning', entryPoints: ['src-preload/web-bridge.ts'], outfile: 'dist/web-bridge/r42-web-bridge.js' },
};

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedDirectly) {
  const only = process.argv[2];
  if (!only || only === 'cli') await buildCli('dist/cli');
  for (const [name, options] of Object.entries(targets)) {
    if (only && only !== name) continue;
    await build(options);
  }
}
