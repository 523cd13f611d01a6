import { create } from 'zustand';
import type { ErrorView, ViewState } from '../../src-common/ipc-contract';
import { bridge as defaultBridge, toErrorView, type Bridge } from '../bridge';
import { describeError, withoutCliHints } from '../messages';

export interface ConnectionStore {
  readonly view: ViewState | null;
  readonly busy: 'connecting' | 'disconnecting' | null;
  readonly error: ErrorView | null;
  readonly online: boolean;
  readonly disconnectNotice: string | null;
  init(): () => void;
  connect(): Promise<void>;
  cancel(): Promise<void>;
  disconnect(keepData: boolean): Promise<void>;
  setOnline(online: boolean): void;
  dismissError(): void;
}

/** One store for the Garmin link: the view from main, and the actions that change it. */
export function createConnectionStore(bridge: Bridge = defaultBridge) {
  return create<ConnectionStore>()((set, get) => ({
    view: null,
    busy: null,
    error: null,
    online: typeof navigator === 'undefined' ? true : navigator.onLine,
    disconnectNotice: null,
    init() {
      const unsubscribe = bridge.onState((view) => set({ view }));
      bridge
        .getState()
        .then((view) => set({ view }))
        .catch((error: unknown) => set({ error: toErrorView(error) }));
      return unsubscribe;
    },
    async connect() {
      if (get().busy) return;
      set({ busy: 'connecting', error: null, disconnectNotice: null });
      try {
        await bridge.connect();
      } catch (error) {
        set({ error: toErrorView(error) });
      } finally {
        set({ busy: null });
      }
    },
    async cancel() {
      await bridge.cancel().catch(() => undefined);
    },
    async disconnect(keepData) {
      set({ busy: 'disconnecting', error: null });
      try {
        const result = await bridge.disconnect(keepData);
        const data = result.dataKept ? ' Your synced training data stays on this computer.' : ' Your synced training data is deleted from this computer.';
        set({
          disconnectNotice: (result.deregisteredAtGarmin
            ? 'Disconnected. Garmin removed R42 Companion’s access and the tokens are deleted from this computer.'
            : result.otherComputers > 0
              ? `Disconnected on this computer. Garmin keeps R42 Companion linked for ${result.otherComputers === 1 ? 'your other computer' : `your ${result.otherComputers} other computers`}, which still receive your data; disconnect there too to end the link at Garmin.`
              : `Disconnected on this computer. Garmin could not be told (${result.garminError?.code ?? 'unknown'}); remove R42 Companion in Garmin Connect → Settings → Connected Apps.`) + data,
        });
      } catch (error) {
        set({ error: toErrorView(error) });
      } finally {
        set({ busy: null });
      }
    },
    setOnline(online) {
      set({ online });
    },
    dismissError() {
      set({ error: null });
    },
  }));
}

export type CardState = 'loading' | 'not_configured' | 'disconnected' | 'waiting' | 'exchanging' | 'connected' | 'reauth';

/** Which face the connection card shows. */
export function selectCardState(view: ViewState | null, busy: ConnectionStore['busy']): CardState {
  if (!view) return 'loading';
  if (view.signIn.kind === 'waitingForBrowser') return 'waiting';
  if (view.signIn.kind === 'exchanging') return 'exchanging';
  if (busy === 'connecting' && view.signIn.kind !== 'connected') return 'waiting';
  if (view.connection.state === 'connected') return 'connected';
  if (view.connection.state === 'reauth_required') return 'reauth';
  return view.connection.configured ? 'disconnected' : 'not_configured';
}

/** Plain words and the action that fixes it, per error code. */
export function describeFailure(error: ErrorView): { title: string; action: string } {
  switch (error.code) {
    case 'sign_in_declined':
      return { title: 'You declined access on Garmin.', action: 'Nothing was linked. Connect again and choose Agree on Garmin’s page.' };
    case 'sign_in_timeout':
      return { title: 'The sign-in timed out.', action: 'Garmin’s page was not approved in time. Connect again when you are ready.' };
    case 'sign_in_cancelled':
      return { title: 'Sign-in cancelled.', action: 'Nothing was linked. Connect again whenever you like.' };
    case 'sign_in_expired':
      return { title: 'That sign-in link expired.', action: 'Start again with Connect Garmin.' };
    case 'port_in_use':
      return { title: 'The sign-in port is busy.', action: withoutCliHints(error.message) };
    case 'not_configured':
      return { title: 'Garmin is not configured.', action: withoutCliHints(error.message) };
    default: {
      // The app's own words for every other code; a core message never reaches the screen with a command in it.
      const described = describeError(error);
      return described.action ? described : { title: 'Linking Garmin did not work.', action: described.title };
    }
  }
}
