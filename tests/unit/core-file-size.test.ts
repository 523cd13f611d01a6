import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../support/harness.js';

/**
 * No file under src-main/core holds more than 400 lines (docs/architecture.md rule 17): a module
 * that grows past it does more than one thing, and is split where its parts meet (a repo's reads
 * and writes, a service's SQL, a table and its entries).
 */
const MAX_LINES = 400;

/** Every .ts file below `dir` with its line count, largest first. */
function lineCounts(dir: string): Array<{ file: string; lines: number }> {
  const out: Array<{ file: string; lines: number }> = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const file = path.join(folder, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts')) {
        const text = readFileSync(file, 'utf8');
        out.push({ file: path.relative(ROOT, file), lines: text.length === 0 ? 0 : text.replace(/\n$/, '').split('\n').length });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => b.lines - a.lines);
}

describe(`every file under src-main/core stays under ${MAX_LINES} lines`, () => {
  const scratch = tempDir('r42-core-size-');
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('counts lines the way an editor shows them, in every folder below', () => {
    mkdirSync(path.join(scratch, 'deep', 'er'), { recursive: true });
    writeFileSync(path.join(scratch, 'deep', 'er', 'long.ts'), 'x\n'.repeat(MAX_LINES + 1));
    writeFileSync(path.join(scratch, 'short.ts'), 'a\nb');
    writeFileSync(path.join(scratch, 'notes.md'), 'y\n'.repeat(1000));
    const counts = lineCounts(scratch).map((c) => ({ ...c, file: path.basename(c.file) }));
    expect(counts).toEqual([
      { file: 'long.ts', lines: MAX_LINES + 1 },
      { file: 'short.ts', lines: 2 },
    ]);
  });

  it('holds for the core as it is', () => {
    const counts = lineCounts(path.join(ROOT, 'src-main/core'));
    expect(counts.length).toBeGreaterThan(50);
    expect(counts.filter((c) => c.lines > MAX_LINES)).toEqual([]);
  });
});
