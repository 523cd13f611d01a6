import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/harness.js';

const eslint = new ESLint({ cwd: ROOT });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${file}` });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('architecture boundaries are enforced by lint (docs/architecture.md rule 1)', () => {
  it('keeps electron out of the core, the CLI and the adapters', async () => {
    for (const file of ['src-main/core/x.ts', 'src-main/cli/x.ts', 'src-main/adapters/x.ts']) {
      expect(await ruleIds(file, "import { app } from 'electron';\nexport const a = app;\n")).toContain('no-restricted-imports');
    }
    expect(await ruleIds('src-main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('catches dynamic imports and require too, not only static imports', async () => {
    const loads = (name: string) => [
      `export const a = await import('${name}');\n`,
      `declare const require: (id: string) => unknown;\nexport const a = require('${name}');\n`,
      `import { createRequire } from 'node:module';\nexport const a = createRequire(import.meta.url)('${name}');\n`,
    ];
    for (const file of ['src-main/core/x.ts', 'src-main/cli/x.ts', 'src-main/adapters/x.ts', 'src-main/core/mcp/x.ts']) {
      for (const code of [...loads('electron'), ...loads('keytar')]) expect(await ruleIds(file, code)).toContain('no-restricted-syntax');
    }
    for (const code of loads('keytar')) expect(await ruleIds('src-main/electron/x.ts', code)).toContain('no-restricted-syntax');
    for (const code of loads('electron')) expect(await ruleIds('src-main/adapters/keytar-secret-store.ts', code)).toContain('no-restricted-syntax');
    // Where each belongs, a dynamic import is fine.
    expect(await ruleIds('src-main/electron/x.ts', "export const a = await import('electron');\n")).toEqual([]);
    expect(await ruleIds('src-main/adapters/keytar-secret-store.ts', "export const a = await import('keytar');\n")).toEqual([]);
  });

  it('keeps keytar in its adapter', async () => {
    expect(await ruleIds('src-main/core/auth/x.ts', "import keytar from 'keytar';\nexport const k = keytar;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('src-main/electron/x.ts', "import keytar from 'keytar';\nexport const k = keytar;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('src-main/adapters/keytar-secret-store.ts', "import keytar from 'keytar';\nexport const k = keytar;\n")).toEqual([]);
  });

  it('keeps the core from reaching into the shell, and Node out of the renderer', async () => {
    expect(await ruleIds('src-main/core/x.ts', "import { a } from '../adapters/system-browser.js';\nexport const b = a;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('src-renderer/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toContain('no-restricted-imports');
  });

  it('keeps the core out of the preload: the IPC contract is read from src-common', async () => {
    for (const code of ["import type { Channel } from '../../../src-preload/bridge-api.js';\nexport type C = Channel;\n", "import { exposeBridge } from '../../src-preload/preload.js';\nexport const e = exposeBridge;\n"]) {
      expect(await ruleIds('src-main/core/ui/x.ts', code)).toContain('no-restricted-imports');
    }
    expect(await ruleIds('src-main/core/ui/x.ts', "import type { Channel } from '../../../src-common/ipc-contract.js';\nexport type C = Channel;\n")).toEqual([]);
  });

  it('keeps the store to storing: no store module imports the analysis or the coaching service, not even a type (rule 16)', async () => {
    const reaches = [
      "import { hrHistogram } from '../analysis/histogram.js';\nexport const h = hrHistogram;\n",
      "import type { Series } from '../analysis/samples.js';\nexport type S = Series;\n",
      "import { activityIngest } from '../coaching/activity-ingest.js';\nexport const i = activityIngest;\n",
      "import type { Coaching } from '../coaching/coaching-service.js';\nexport type C = Coaching;\n",
    ];
    for (const code of reaches) expect(await ruleIds('src-main/core/store/x.ts', code)).toContain('no-restricted-imports');
    expect(await ruleIds('src-main/core/store/x.ts', "export const m = await import('../analysis/records.js');\n")).toContain('no-restricted-syntax');
    // The store's own modules, its shared shapes in src-common, and the layers above it are fine.
    expect(await ruleIds('src-main/core/store/x.ts', "import { AnalysisRepo } from './analysis-repo.js';\nexport const a = AnalysisRepo;\n")).toEqual([]);
    expect(await ruleIds('src-main/core/store/x.ts', "import type { HrSummary } from '../../../src-common/activity-samples.js';\nexport type H = HrSummary;\n")).toEqual([]);
    expect(await ruleIds('src-main/core/coaching/x.ts', "import { hrHistogram } from '../analysis/histogram.js';\nexport const h = hrHistogram;\n")).toEqual([]);
    // The core's other bans still hold in the store.
    expect(await ruleIds('src-main/core/store/x.ts', "import { a } from '../../cli/args.js';\nexport const b = a;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('src-main/core/store/x.ts', "export const k = await import('keytar');\n")).toContain('no-restricted-syntax');
  });

  it('finds no store module importing the analysis or the coaching service today', async () => {
    const results = await eslint.lintFiles([`${ROOT}/src-main/core/store/**/*.ts`]);
    expect(results.length).toBeGreaterThan(10);
    const reaches = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => `${r.filePath}: ${m.message}`));
    expect(reaches).toEqual([]);
  });
});
