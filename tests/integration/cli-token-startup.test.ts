import { spawn } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { buildCli } from '../../scripts/build.mjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { KEYCHAIN_HINT_FILE } from '../../src-main/cli/token-fast-path.js';
import { keychainItems, makeWorld, ROOT, runCli, startSimulator, tempDir, type World } from '../support/harness.js';

/**
 * `r42-companion token` with a cached token loads only what it needs: built by scripts/build.mjs
 * as the installed CLI is (the entry, token's fast path, the split CLI), run with a module hook
 * that records every ESM module it resolves, and each loaded file traced back to its source files
 * through esbuild's metafiles.
 */
describe('the bundled CLI: what `token` loads', () => {
  const outdir = tempDir('r42-cli-split-');
  let metafiles: Metafile[];
  let sim: GarminSimulator;
  let world: World;

  beforeAll(async () => {
    metafiles = await buildCli(outdir, { metafile: true, absWorkingDir: ROOT });
    writeFileSync(path.join(outdir, 'package.json'), '{"type":"module"}');
    // The bundle sits outside the checkout and NODE_PATH does not reach ESM: node_modules beside it.
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(outdir, 'node_modules'));
  }, 60_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  afterEach(async () => {
    await sim?.stop();
    await world?.cleanup();
  });

  /** Runs the bundle's `token`; returns its result and the source files and packages it loaded. */
  async function bundledToken(args: string[] = []) {
    const log = path.join(tempDir('r42-loaded-'), 'loaded.txt');
    writeFileSync(log, '');
    const hook = `import { appendFileSync } from 'node:fs'; export async function resolve(specifier, context, next) { const r = await next(specifier, context); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }`;
    const probe = path.join(path.dirname(log), 'probe.mjs');
    writeFileSync(probe, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`);
    // Not spawnSync: the simulator answers from this process.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', pathToFileURL(probe).href, path.join(outdir, 'index.js'), 'token', ...args], { env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const sources = new Set<string>();
    const ours = urls.filter((u) => u.startsWith('file:') && u.includes(path.basename(outdir)));
    const files = [...new Set(ours.map((u) => path.relative(outdir, new URL(u).pathname)))];
    for (const url of ours) {
      const output = path.relative(ROOT, new URL(url).pathname);
      for (const metafile of metafiles) for (const input of Object.keys(metafile.outputs[output]?.inputs ?? {})) sources.add(input);
    }
    const packages = new Set(urls.filter((u) => u.includes('/node_modules/')).map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)![1]!));
    return { run, files, sources: [...sources], packages: [...packages] };
  }

  async function login(lifetimeSeconds: number) {
    sim = await startSimulator({ accessTokenLifetimeSeconds: lifetimeSeconds });
    world = makeWorld(sim);
    expect((await runCli(['login', '--timeout', '20'], world.env)).code).toBe(0);
  }

  const HEAVY_SOURCES = [/src-main\/core\/companion\.ts$/, /src-main\/core\/wiring\.ts$/, /src-main\/core\/account\//, /src-main\/core\/data\//, /src-main\/core\/sync\//, /src-main\/core\/mcp\//, /src-main\/core\/agent\//, /src-main\/core\/garmin\//, /src-main\/core\/config\.ts$/, /src-main\/cli\/session\.ts$/, /src-main\/cli\/commands\/(?!token|index|command)/, /src-main\/core\/store\/migrations/];
  const HEAVY_PACKAGES = ['zod', '@modelcontextprotocol/sdk', 'hono', '@hono/node-server', 'oauth4webapi', 'pino'];

  it('answers a cached token from SQLite and the keychain alone: no zod, MCP SDK, sync engine, OAuth client or core facade', async () => {
    await login(86_400);
    const { run, files, sources, packages } = await bundledToken();
    expect(run.status, run.stderr).toBe(0);
    const [item] = (await keychainItems(world.keychainService)).filter((i) => i.account.startsWith('garmin-tokens:'));
    expect(run.stdout).toBe(`${(JSON.parse(item!.password) as { accessToken: string }).accessToken}\n`);
    // One file of ours: the entry with the fast path bundled in, nothing of the CLI's command table or its chunks.
    expect(files).toEqual(['index.js']);
    expect(sources).toContain('src-main/cli/token-fast-path.ts');
    expect(sources.filter((s) => HEAVY_SOURCES.some((re) => re.test(s)))).toEqual([]);
    expect(packages.filter((p) => HEAVY_PACKAGES.includes(p))).toEqual([]);
    expect(sim.counts.refreshes).toBe(0);

    // The keychain item's name (not a secret) is kept so the next run asks the keychain while SQLite opens.
    const hint = path.join(world.home, KEYCHAIN_HINT_FILE);
    expect(readFileSync(hint, 'utf8')).toBe(`${item!.account}\n`);
    expect(readFileSync(hint, 'utf8')).not.toContain((JSON.parse(item!.password) as { accessToken: string }).accessToken);
    expect((await bundledToken()).run.stdout).toBe(run.stdout);
    // A hint that no longer matches the linked account (another one linked since) is ignored and rewritten.
    writeFileSync(hint, 'garmin-tokens:default:someone-else\n');
    const again = (await bundledToken()).run;
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe(run.stdout);
    expect(readFileSync(hint, 'utf8')).toBe(`${item!.account}\n`);
  });

  it('takes the full path, with the refresh lease, when the token must be refreshed', async () => {
    await login(300); // inside the 600 s margin: `token` must refresh
    const { run, sources, packages } = await bundledToken();
    expect(run.status, run.stderr).toBe(0);
    expect(sim.counts.refreshes).toBe(1);
    const [item] = (await keychainItems(world.keychainService)).filter((i) => i.account.startsWith('garmin-tokens:'));
    expect(run.stdout).toBe(`${(JSON.parse(item!.password) as { accessToken: string }).accessToken}\n`);
    expect(sources).toContain('src-main/core/wiring.ts');
    expect(packages).toContain('oauth4webapi');
    // The INSECURE warning (the simulator is plain http) is printed once, not once per path.
    expect(run.stderr.match(/INSECURE/g)).toHaveLength(1);
  });
});
