import { describe, expect, it } from 'vitest';
import { keychainError, createKeytarSecretStore } from '../../src-main/adapters/keytar-secret-store.js';
import { browserCommand, createSystemBrowser } from '../../src-main/adapters/system-browser.js';

describe('system browser', () => {
  it('uses $BROWSER with the URL as one argument, or the OS default', () => {
    const url = 'https://connect.garmin.com/oauth2Confirm?a=1&b=$(rm -rf ~)';
    expect(browserCommand(url, 'firefox --new-window', 'linux')).toEqual(['firefox', ['--new-window', url]]);
    expect(browserCommand(url, 'my-browser %s --flag', 'linux')).toEqual(['my-browser', [url, '--flag']]);
    expect(browserCommand(url, undefined, 'linux')).toEqual(['xdg-open', [url]]);
    expect(browserCommand(url, undefined, 'darwin')).toEqual(['open', [url]]);
    expect(browserCommand(url, undefined, 'win32')).toEqual(['rundll32', ['url.dll,FileProtocolHandler', url]]);
  });

  it('refuses to open anything but https and loopback http, and reports a missing browser', async () => {
    const browser = createSystemBrowser('/nonexistent/browser');
    await expect(browser.open('file:///etc/passwd')).rejects.toMatchObject({ code: 'browser_launch_failed' });
    await expect(browser.open('http://example.com/')).rejects.toMatchObject({ code: 'browser_launch_failed' });
    await expect(browser.open('https://connect.garmin.com/')).rejects.toMatchObject({ code: 'browser_launch_failed' });
  });
});

describe('keychain errors', () => {
  it('tells a missing Secret Service from a locked one', () => {
    expect(keychainError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')).code).toBe('keychain_unavailable');
    expect(keychainError(new Error('The name org.freedesktop.secrets was not provided by any .service files')).code).toBe('keychain_unavailable');
    expect(keychainError(new Error('Object does not exist at path “/org/freedesktop/secrets/collection/login”')).code).toBe('keychain_locked');
    expect(keychainError(new Error('Cannot create an item in a locked collection')).code).toBe('keychain_locked');
    expect(keychainError(new Error('something else')).code).toBe('keychain_error');
  });

  it('reports a keytar that cannot load as an unavailable keychain', async () => {
    const store = createKeytarSecretStore('svc', () => Promise.reject(new Error('libsecret-1.so.0: cannot open shared object file')));
    await expect(store.get('k')).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('applies operations on one key in call order', async () => {
    const log: string[] = [];
    const values = new Map<string, string>();
    const fake = {
      getPassword: async (_s: string, k: string) => values.get(k) ?? null,
      setPassword: async (_s: string, k: string, v: string) => {
        await new Promise((r) => setTimeout(r, v === 'slow' ? 30 : 0));
        log.push(`set ${v}`);
        values.set(k, v);
      },
      deletePassword: async (_s: string, k: string) => {
        log.push('delete');
        return values.delete(k);
      },
    };
    const store = createKeytarSecretStore('svc', async () => fake as never);
    await Promise.all([store.set('k', 'slow'), store.set('k', 'fast'), store.delete('k'), store.set('k', 'last')]);
    expect(log).toEqual(['set slow', 'set fast', 'delete', 'set last']);
    expect(await store.get('k')).toBe('last');
  });
});
