/**
 * Stands in for the Electron preload when the renderer is served by the loopback web transport
 * (development and browser tests): the same `window.r42` API over fetch and Server-Sent Events.
 */
import { createBridgeApi, type BridgeTransport } from './bridge-api.js';
import type { Envelope, ViewState } from '../src-common/ipc-contract.js';

const session = document.querySelector<HTMLMetaElement>('meta[name="r42-session"]')?.content ?? '';
const unreachable = { ok: false as const, error: { code: 'transport_unavailable', message: 'R42 Companion is not reachable. Is it still running?' } };

const transport: BridgeTransport = {
  async invoke(channel, args) {
    try {
      const response = await fetch(`/api/invoke/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-r42-session': session },
        body: JSON.stringify({ args }),
      });
      return (await response.json()) as Envelope<never>;
    } catch {
      return unreachable;
    }
  },
  onState(listener) {
    const events = new EventSource(`/api/events?session=${encodeURIComponent(session)}`);
    events.addEventListener('state', (event) => listener(JSON.parse((event as MessageEvent<string>).data) as ViewState));
    return () => events.close();
  },
};

Object.defineProperty(window, 'r42', { value: Object.freeze(createBridgeApi(transport)), writable: false, configurable: false });
