import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROOT, tempDir } from '../support/harness.js';

/**
 * The import-circle check of `npm test` (`npm run check:cycles`, .dependency-cruiser.mjs;
 * docs/architecture.md rule 16), run as npm runs it: its CLI with the repository's config, over a
 * throwaway tree with circles of each kind, and over the real source.
 */
const CONFIG = path.join(ROOT, '.dependency-cruiser.mjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

const Cruise = z.object({
  summary: z.object({
    violations: z.array(z.object({ type: z.string(), from: z.string(), to: z.string(), rule: z.object({ name: z.string() }) })),
  }),
  modules: z.array(z.object({ source: z.string(), dependencies: z.array(z.object({ resolved: z.string(), circular: z.boolean() })) })),
});

/** What the check reports, run in `cwd` over `folders`. It exits non-zero when it finds a circle: that is an answer here. */
async function cruise(cwd: string, folders: readonly string[]) {
  const { stdout } = await promisify(execFile)(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...folders], { cwd, maxBuffer: 64 << 20 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return Cruise.parse(JSON.parse(stdout));
}

describe('the import-circle check (docs/architecture.md rule 16)', () => {
  const tree = tempDir('r42-import-cycles-');
  /** Each circle the check reports (once, whichever way round), as the pair of files of its first import, sorted. */
  let found: string[][] = [];

  const write = (file: string, code: string) => {
    mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
    writeFileSync(path.join(tree, file), code);
  };

  beforeAll(async () => {
    // A circle made only of type imports: erased when compiled, still a circle.
    write('src-main/core/alpha.ts', "import type { Beta } from './beta.js';\nexport interface Alpha { readonly beta?: Beta }\n");
    write('src-main/core/beta.ts', "import type { Alpha } from './alpha.js';\nexport interface Beta { readonly alpha?: Alpha }\n");
    // A circle closed by a lazy import.
    write('src-common/lazy.ts', "export const loadEager = () => import('./eager.js');\n");
    write('src-common/eager.ts', "import { loadEager } from './lazy.js';\nexport const again = loadEager;\n");
    // The facade's old circle (a module it builds naming its type) is no exception any more, nor is
    // any other module joining it.
    write('src-main/core/mcp/tools.ts', "import type { Companion } from '../companion.js';\nexport type Tools = (c: Companion) => void;\n");
    write('src-main/core/newcomer.ts', "import type { Companion } from './companion.js';\nexport type Newcomer = (c: Companion) => void;\n");
    write(
      'src-main/core/companion.ts',
      "import type { Tools } from './mcp/tools.js';\nimport type { Newcomer } from './newcomer.js';\nexport interface Companion { readonly tools?: Tools; readonly newcomer?: Newcomer }\n",
    );
    // Imports that go one way only.
    write('src-renderer/straight-a.ts', "import { b } from './straight-b.js';\nexport const a = b + 1;\n");
    write('src-renderer/straight-b.ts', 'export const b = 1;\n');

    const result = await cruise(tree, ['src-main', 'src-common', 'src-renderer']);
    found = result.summary.violations.map((v) => {
      expect({ type: v.type, rule: v.rule.name }).toEqual({ type: 'cycle', rule: 'no-circular' });
      return [v.from, v.to].sort();
    });
  });

  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('fails on a new circle of type-only imports', () => {
    expect(found).toContainEqual(['src-main/core/alpha.ts', 'src-main/core/beta.ts']);
  });

  it('fails on a circle closed by a dynamic import', () => {
    expect(found).toContainEqual(['src-common/eager.ts', 'src-common/lazy.ts']);
  });

  it('fails on the facade and a module it builds naming its type back: the check has no exception', () => {
    expect(found).toContainEqual(['src-main/core/companion.ts', 'src-main/core/mcp/tools.ts']);
    expect(found).toContainEqual(['src-main/core/companion.ts', 'src-main/core/newcomer.ts']);
  });

  it('reports nothing else: imports that go one way pass', () => {
    expect(found).toHaveLength(4);
    expect(found.flat().some((file) => file.includes('straight-'))).toBe(false);
  });

  it('runs in npm test over every source folder, which has no circle at all and no exception in its config', async () => {
    const config = z.object({ CHECKED_FOLDERS: z.array(z.string()) }).parse(await import(pathToFileURL(CONFIG).href));
    expect(readFileSync(CONFIG, 'utf8')).not.toMatch(/TEMPORARY|pathNot/);
    const scripts = z.object({ scripts: z.record(z.string(), z.string()) }).parse(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))).scripts;
    expect(scripts.test).toContain('npm run --silent check:cycles');
    expect(scripts['check:cycles']).toBe(`depcruise --config .dependency-cruiser.mjs ${config.CHECKED_FOLDERS.join(' ')}`);
    expect(config.CHECKED_FOLDERS).toEqual(['src-main', 'src-common', 'src-server', 'src-preload', 'src-renderer']);

    const result = await cruise(ROOT, config.CHECKED_FOLDERS);
    expect(result.summary.violations).toEqual([]);
    // No file of the source is in a circle, not even one the rule would let pass.
    const inCircles = result.modules.filter((m) => m.dependencies.some((d) => d.circular)).map((m) => m.source);
    expect(inCircles).toEqual([]);
  });
});
