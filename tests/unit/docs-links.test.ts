import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/harness.js';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{Letter}\p{Number} _-]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a Markdown file's headings (outside code blocks). */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  let inCode = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    else if (!inCode && /^#{1,6} /.test(line)) anchors.add(slug(line.replace(/^#+ /, '')));
  }
  return anchors;
}

describe('README and docs/', () => {
  it('link only to files and headings that exist (the README’s sections moved to docs/ keep their links working)', () => {
    const files = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto:
        const [where, anchor] = target!.split('#');
        const resolved = where ? path.join(ROOT, path.dirname(file), where) : path.join(ROOT, file);
        checked++;
        if (!existsSync(resolved)) broken.push(`${file}: ${target} (no such file)`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });

  it('keep the newcomer’s order in the README: prerequisites, set-up, the demo, the walk-through, agents with MCP first', () => {
    const headings = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
      .split('\n')
      .filter((line) => /^##+ /.test(line))
      .map((line) => line.replace(/^#+ /, ''));
    const at = (name: string) => headings.findIndex((h) => h.startsWith(name));
    const order = ['Prerequisites', 'Set up', 'The demo', 'Try it without a Garmin developer account', 'For agent authors', 'MCP'].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Internals live in docs/, not in the README.
    for (const internal of ['Benchmarks', 'Development']) expect(headings).not.toContain(internal);
  });
});
