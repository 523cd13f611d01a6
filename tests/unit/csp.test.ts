import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RENDERER_CSP, RENDERER_META_CSP, withRendererCsp } from '../../src-main/core/ui/csp.js';
import { ROOT } from '../support/harness.js';

describe('renderer Content-Security-Policy', () => {
  it('is sent whole as a header; index.html carries the same policy but frame-ancestors, which a <meta> cannot carry', () => {
    const html = readFileSync(path.join(ROOT, 'src-renderer/index.html'), 'utf8');
    expect(/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]).toBe(RENDERER_META_CSP);
    expect(RENDERER_CSP).toContain("frame-ancestors 'none'");
    // Chromium: "The Content Security Policy directive 'frame-ancestors' is ignored when delivered via a <meta> element."
    expect(RENDERER_META_CSP).not.toContain('frame-ancestors');
    expect(RENDERER_CSP).toBe(`${RENDERER_META_CSP}; frame-ancestors 'none'`);
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(RENDERER_CSP).toContain("object-src 'none'");
  });

  it('replaces whatever policy a response brought in the desktop session, in any letter case, and keeps the other headers', () => {
    expect(withRendererCsp({ 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'], 'X-One': 'a' })).toEqual({
      'Content-Type': ['text/html'],
      'X-One': ['a'],
      'Content-Security-Policy': [RENDERER_CSP],
    });
    expect(withRendererCsp({ 'CONTENT-SECURITY-POLICY': 'script-src *' })).toEqual({ 'Content-Security-Policy': [RENDERER_CSP] });
    expect(withRendererCsp(undefined)).toEqual({ 'Content-Security-Policy': [RENDERER_CSP] });
  });
});
