/**
 * The Electron preload: exposes the domain-shaped `window.r42` API through contextBridge. It never
 * exposes ipcRenderer itself; every call goes to one channel of the contract.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createBridgeApi, type BridgeTransport } from './bridge-api.js';
import type { Envelope, ViewState } from '../src-common/ipc-contract.js';

const transport: BridgeTransport = {
  invoke: (channel, args) => ipcRenderer.invoke(channel, args) as Promise<Envelope<never>>,
  onState(listener) {
    const handler = (_event: IpcRendererEvent, state: ViewState) => listener(state);
    ipcRenderer.on('companion:state.changed', handler);
    return () => ipcRenderer.removeListener('companion:state.changed', handler);
  },
};

contextBridge.exposeInMainWorld('r42', createBridgeApi(transport));
