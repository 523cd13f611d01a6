import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBridgeApi, type BridgeTransport } from '../../src-preload/bridge-api';
import type { ViewState } from '../../src-common/ipc-contract';
import { baseState } from './fake-bridge';

let push: (state: ViewState) => void = () => undefined;
const invoked: Array<[string, unknown]> = [];
let openAtLogin = false;
let available = true;

beforeEach(() => {
  vi.resetModules();
  invoked.length = 0;
  openAtLogin = false;
  available = true;
  const transport: BridgeTransport = {
    async invoke(channel, args) {
      invoked.push([channel, args]);
      switch (channel) {
        case 'companion:state.get':
          return { ok: true, value: baseState } as never;
        case 'companion:agents.list':
        case 'companion:audit.list':
          return { ok: true, value: [] } as never;
        case 'companion:auth.connect':
          return new Promise(() => undefined);
        case 'companion:data.activities':
        case 'companion:data.weekly':
          return { ok: true, value: { data: [], last_sync_at: null, stale: true } } as never;
        case 'companion:settings.get':
          return { ok: true, value: { openAtLogin, openAtLoginAvailable: available } } as never;
        case 'companion:settings.set':
          openAtLogin = (args as { openAtLogin: boolean }).openAtLogin;
          return { ok: true, value: { openAtLogin, openAtLoginAvailable: true } } as never;
        default:
          return { ok: true, value: null } as never;
      }
    },
    onState(listener) {
      push = listener;
      return () => undefined;
    },
  };
  Object.defineProperty(window, 'r42', { value: createBridgeApi(transport), configurable: true });
});

afterEach(cleanup);

async function renderApp() {
  const { App } = await import('../../src-renderer/App');
  render(<App />);
  await screen.findByRole('button', { name: 'Connect Garmin' });
}

const AUTHORIZE_URL = 'https://connect.garmin.com/oauth2Confirm?client_id=r42&response_type=code&state=abc';

describe('sign-in address', () => {
  it('is shown while waiting, with a copy button that puts it on the clipboard', async () => {
    const written: string[] = [];
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (text: string) => void written.push(text) }, configurable: true });
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: 'Connect Garmin' }));
    act(() => push({ ...baseState, signIn: { kind: 'waitingForBrowser', expiresAt: '2026-11-23T10:05:00.000Z', browserOpened: false, authorizeUrl: AUTHORIZE_URL } }));
    expect(screen.getByText('Your browser could not be opened automatically.')).toBeTruthy();
    expect(screen.getByLabelText('Sign-in address').textContent).toBe(AUTHORIZE_URL);
    fireEvent.click(screen.getByRole('button', { name: 'Copy address' }));
    await screen.findByText(/^Copied\./);
    expect(written).toEqual([AUTHORIZE_URL]);
    // Gone once the sign-in moves on.
    act(() => push({ ...baseState, signIn: { kind: 'exchanging' } }));
    expect(screen.queryByLabelText('Sign-in address')).toBeNull();
  });
});

describe('start at login switch', () => {
  it('off by default; turning it on goes through the contract', async () => {
    await renderApp();
    const toggle = (await screen.findByRole('switch', { name: 'Start R42 Companion when I log in' })) as HTMLInputElement;
    await vi.waitFor(() => expect(toggle.disabled).toBe(false));
    expect(toggle.checked).toBe(false);
    fireEvent.click(toggle);
    await vi.waitFor(() => expect(toggle.checked).toBe(true));
    expect(invoked).toContainEqual(['companion:settings.set', { openAtLogin: true }]);
  });

  it('disabled with a reason where it cannot be set (the app in a browser)', async () => {
    available = false;
    await renderApp();
    await screen.findByText(/Only the desktop app can start at login/);
    expect((screen.getByRole('switch') as HTMLInputElement).disabled).toBe(true);
  });
});
