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

  it('keeps keytar in its adapter', async () => {
    expect(await ruleIds('src-main/core/auth/x.ts', "import keytar from 'keytar';\nexport const k = keytar;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('src-main/electron/x.ts', "import keytar from 'keytar';\nexport const k = keytar;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('src-main/adapters/keytar-secret-store.ts', "import keytar from 'keytar';\nexport const k = keytar;\n")).toEqual([]);
  });

  it('keeps the core from reaching into the shell, and Node out of the renderer', async () => {
    expect(await ruleIds('src-main/core/x.ts', "import { a } from '../adapters/system-browser.js';\nexport const b = a;\n")).toContain('no-restricted-imports');
    expect(await ruleIds('src-renderer/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toContain('no-restricted-imports');
  });
});
