import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS, type Channel, type Envelope, type ViewState } from '../../src-common/ipc-contract.js';

/**
 * Electron IPC for the contract: one handler per channel. Each checks that the call comes from
 * the app's own top frame and page before the dispatcher parses the arguments.
 */
export function registerIpc(
  window: BrowserWindow,
  dispatch: (channel: string, args: unknown) => Promise<Envelope<unknown>>,
  isTrustedUrl: (url: string) => boolean,
): () => void {
  const trusted = (event: IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    return event.sender.id === window.webContents.id && frame !== null && frame.parent === null && isTrustedUrl(frame.url);
  };
  const channels = Object.keys(CHANNELS) as Channel[];
  for (const channel of channels) {
    ipcMain.handle(channel, async (event, args: unknown) => {
      if (!trusted(event)) return { ok: false, error: { code: 'forbidden_sender', message: 'Not allowed.' } } satisfies Envelope<never>;
      return dispatch(channel, args);
    });
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

/** Pushes state changes to the window. */
export function sendState(window: BrowserWindow, state: ViewState): void {
  if (!window.isDestroyed()) window.webContents.send('companion:state.changed', state);
}
