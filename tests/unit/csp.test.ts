import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RENDERER_CSP } from '../../src-main/core/ui/csp.js';
import { ROOT } from '../support/harness.js';

describe('renderer Content-Security-Policy', () => {
  it('is the same in index.html as in what the app and the web transport send, and allows nothing remote', () => {
    const html = readFileSync(path.join(ROOT, 'src-renderer/index.html'), 'utf8');
    expect(/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(RENDERER_CSP).toContain("object-src 'none'");
  });
});
