import { describe, expect, it } from 'vitest';
import { rendererUrlPolicy } from '../../src-main/core/ui/renderer-urls.js';

describe('which URLs are the packaged renderer', () => {
  it('works for an install folder with a space, and refuses everything else', () => {
    const policy = rendererUrlPolicy('/opt/R42 Companion/resources/app.asar');
    expect(policy.indexUrl).toBe('file:///opt/R42%20Companion/resources/app.asar/dist/renderer/index.html');
    expect(policy.isTrustedUrl(policy.indexUrl)).toBe(true);
    expect(policy.isTrustedUrl(`${policy.indexUrl}#agents`)).toBe(true);
    expect(policy.isAllowedRequest('file:///opt/R42%20Companion/resources/app.asar/dist/renderer/assets/index-abc.js')).toBe(true);
    expect(policy.isAllowedRequest('devtools://devtools/bundled/inspector.html')).toBe(true);
    for (const url of [
      'https://evil.example/x.js',
      'file:///etc/passwd',
      'file:///opt/R42%20Companion/resources/app.asar/dist/renderer-evil/x.js',
      'file:///opt/R42%20Companion/resources/app.asar/dist/main/main.js',
    ]) {
      expect([url, policy.isAllowedRequest(url)]).toEqual([url, false]);
    }
    expect(policy.isTrustedUrl('file:///opt/R42%20Companion/resources/app.asar/dist/renderer/other.html')).toBe(false);
    expect(policy.isTrustedUrl('https://evil.example/')).toBe(false);
  });
});
