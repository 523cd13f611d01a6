import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/harness.js';

/**
 * SQL lives in src-main/core/store (docs/architecture.md, the layers): services, the agent
 * endpoint, workouts and coaching ask a repo, whose rows are parsed by zod as they leave SQLite.
 * One file is allowed its two reads: `token`'s fast path, which answers a cached token before the
 * store's modules (and zod) are loaded (tests/integration/cli-token-startup.test.ts).
 */
const ALLOWED = new Set(['src-main/cli/token-fast-path.ts']);
const SQL_CALL = /\.prepare(<[^>]*>)?\(|\.exec\(`|\.pragma\(/;

function filesWithSql(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const file = path.join(folder, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (/\.tsx?$/.test(file) && SQL_CALL.test(readFileSync(file, 'utf8'))) out.push(path.relative(ROOT, file));
    }
  };
  walk(dir);
  return out.sort();
}

describe('SQL only in the store', () => {
  it('finds SQL calls where they are', () => {
    const store = filesWithSql(path.join(ROOT, 'src-main/core/store'));
    expect(store).toContain('src-main/core/store/training-reads.ts');
    expect(store).toContain('src-main/core/store/coaching-reads.ts');
  });

  it('has none outside src-main/core/store but the token fast path', () => {
    const outside = filesWithSql(path.join(ROOT, 'src-main')).filter((file) => !file.startsWith('src-main/core/store/') && !ALLOWED.has(file));
    expect(outside).toEqual([]);
  });
});
