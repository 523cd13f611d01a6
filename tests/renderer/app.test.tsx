import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBridgeApi, type BridgeTransport } from '../../src-preload/bridge-api';
import type { ViewState } from '../../src-common/ipc-contract';
import { baseState, connectedState } from './fake-bridge';

let push: (state: ViewState) => void = () => undefined;
const invoked: string[] = [];
const invokedArgs: unknown[] = [];
const disconnected = { wasConnected: true, dataKept: false, garminUserId: 'user-1', deregisteredAtGarmin: true, garminError: null, otherComputers: 0, othersLastSeenAt: null };
let disconnectAnswer: typeof disconnected = disconnected;

beforeEach(() => {
  vi.resetModules(); // fresh stores for every test
  invoked.length = 0;
  invokedArgs.length = 0;
  disconnectAnswer = disconnected;
  const transport: BridgeTransport = {
    async invoke(channel, args) {
      invoked.push(channel);
      invokedArgs.push(args);
      switch (channel) {
        case 'companion:state.get':
          return { ok: true, value: baseState } as never;
        case 'companion:agents.list':
        case 'companion:audit.list':
          return { ok: true, value: [] } as never;
        case 'companion:auth.connect':
          return new Promise(() => undefined); // stays waiting, like a runner who has not approved yet
        case 'companion:auth.disconnect':
          return { ok: true, value: disconnectAnswer } as never;
        case 'companion:data.activities':
        case 'companion:data.weekly':
        case 'companion:workouts.list':
          return { ok: true, value: { data: [], last_sync_at: null, stale: true } } as never;
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

describe('App', () => {
  it('walks from "Connect Garmin" through waiting to connected, with accessible names', async () => {
    await renderApp();
    expect(screen.getByTestId('connection-state').textContent).toBe('Not connected');
    fireEvent.click(screen.getByRole('button', { name: 'Connect Garmin' }));
    expect(invoked).toContain('companion:auth.connect');
    act(() => push({ ...baseState, signIn: { kind: 'waitingForBrowser', expiresAt: '2026-11-23T10:05:00.000Z', browserOpened: true } }));
    expect(screen.getByText('Waiting for you to approve in your browser…')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(invoked).toContain('companion:auth.cancel');
    act(() => push({ ...connectedState, signIn: { kind: 'connected', garminUserId: 'user-1', permissions: ['ACTIVITY_EXPORT'] } }));
    const facts = screen.getByText('Garmin account ID').closest('dl')!;
    expect(within(facts).getByText('user-1')).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Permissions granted' })).getByText('Activities')).toBeTruthy();
  });

  it('says on the data card which records Garmin sent could not be read, per type, and that the rest is stored', async () => {
    await renderApp();
    const streams = [
      { stream: 'dailies', state: 'ok', lastErrorCode: null, skippedRecords: 2 },
      { stream: 'sleeps', state: 'ok', lastErrorCode: null, skippedRecords: 0 },
      { stream: 'epochs', state: 'ok', lastErrorCode: null, skippedRecords: 1 },
    ];
    act(() => push({ ...connectedState, connection: { ...connectedState.connection, sync: { ...connectedState.connection.sync, streams } } }));
    expect(screen.getByTestId('unreadable-records').textContent).toBe(
      'Garmin sent records R42 could not read, so they are left out: daily summaries 2, intraday activity 1. Everything else is stored.',
    );
    act(() => push(connectedState));
    expect(screen.queryByTestId('unreadable-records')).toBeNull();
  });

  it('asks before disconnecting, and Escape keeps the link', async () => {
    await renderApp();
    act(() => push(connectedState));
    fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Disconnect Garmin?' });
    expect(dialog.textContent).toContain('registration is deleted');
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(invoked).not.toContain('companion:auth.disconnect');
    fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    const checkbox = screen.getByRole('checkbox', { name: 'Also delete my synced training data from this computer' }) as HTMLInputElement;
    expect(checkbox.checked).toBe(false); // keeping the data is the default
    expect(checkbox.getAttribute('aria-describedby')).toBe('delete-data-help');
    expect(document.getElementById('delete-data-help')!.textContent).toContain('stay on this computer');
    fireEvent.click(checkbox);
    expect(document.getElementById('delete-data-help')!.textContent).toContain('erased from this computer');
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Disconnect' }));
    await act(async () => undefined);
    expect(invokedArgs[invoked.indexOf('companion:auth.disconnect')]).toEqual({ keepData: false });
  });

  it('says which happened at Garmin: deleted by the last computer, kept while another computer uses the link', async () => {
    for (const [answer, says] of [
      [disconnected, 'Garmin removed R42 Companion’s access'],
      [{ ...disconnected, deregisteredAtGarmin: false, otherComputers: 1, othersLastSeenAt: '2026-12-01T09:00:00.000Z' }, 'Garmin keeps R42 Companion linked for your other computer'],
    ] as const) {
      cleanup();
      disconnectAnswer = answer;
      await renderApp();
      act(() => push(connectedState));
      fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
      fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Disconnect' }));
      await act(async () => undefined);
      act(() => push(baseState));
      expect(screen.getByText(/^Disconnected/).textContent).toContain(says);
    }
  });

  it('shows the reconnect banner and the refresh-token warning', async () => {
    await renderApp();
    act(() => push({ ...connectedState, connection: { ...connectedState.connection, state: 'reauth_required', connected: false } }));
    expect(screen.getByRole('alert').textContent).toContain('Reconnect needed.');
    expect(screen.getByRole('button', { name: 'Reconnect Garmin' })).toBeTruthy();
    act(() => push({ ...connectedState, connection: { ...connectedState.connection, refreshTokenExpiresSoon: true } }));
    expect(screen.getByText(/Garmin’s authorization ends/)).toBeTruthy();
  });
});
