import { describe, expect, it, vi } from 'vitest';

// A stand-in for Electron's ipcMain: the real module (and its binary) is never loaded in tests.
const handlers = new Map<string, (event: unknown, args: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: (event: unknown, args: unknown) => Promise<unknown>) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { registerIpc } = await import('../../src-main/electron/ipc-router.js');
const { CHANNELS } = await import('../../src-common/ipc-contract.js');

describe('Electron IPC router', () => {
  const appUrl = 'file:///opt/R42%20Companion/resources/app.asar/dist/renderer/index.html';
  const window = { webContents: { id: 7 } } as never;
  const event = (overrides: { senderId?: number; url?: string; parent?: unknown } = {}) => ({
    sender: { id: overrides.senderId ?? 7 },
    senderFrame: { url: overrides.url ?? appUrl, parent: overrides.parent ?? null },
  });

  it('handles every contract channel, only from the app’s own top frame and page', async () => {
    const calls: Array<[string, unknown]> = [];
    const unregister = registerIpc(window, async (channel, args) => {
      calls.push([channel, args]);
      return { ok: true, value: null };
    }, (url) => url === appUrl);
    expect([...handlers.keys()].sort()).toEqual(Object.keys(CHANNELS).sort());

    const handler = handlers.get('companion:auth.connect')!;
    expect(await handler(event(), undefined)).toEqual({ ok: true, value: null });
    const forbidden = { ok: false, error: { code: 'forbidden_sender', message: 'Not allowed.' } };
    expect(await handler(event({ senderId: 8 }), undefined)).toEqual(forbidden); // another window
    expect(await handler(event({ url: 'https://evil.example/' }), undefined)).toEqual(forbidden); // navigated away
    expect(await handler(event({ parent: {} }), undefined)).toEqual(forbidden); // an iframe
    expect(calls).toEqual([['companion:auth.connect', undefined]]);

    unregister();
    expect(handlers.size).toBe(0);
  });
});
