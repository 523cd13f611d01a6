import { create } from 'zustand';
import type { ErrorView, GrantView } from '../../src-preload/contract';
import { bridge as defaultBridge, toErrorView, type Bridge } from '../bridge';

export interface AgentsStore {
  readonly grants: readonly GrantView[];
  readonly newSecret: { readonly name: string; readonly secret: string } | null;
  readonly error: ErrorView | null;
  load(): Promise<void>;
  add(name: string): Promise<void>;
  revoke(name: string): Promise<void>;
  forgetSecret(): void;
}

export function createAgentsStore(bridge: Bridge = defaultBridge) {
  return create<AgentsStore>()((set, get) => ({
    grants: [],
    newSecret: null,
    error: null,
    async load() {
      try {
        set({ grants: await bridge.listAgents() });
      } catch (error) {
        set({ error: toErrorView(error) });
      }
    },
    async add(name) {
      set({ error: null });
      try {
        const created = await bridge.addAgent(name.trim());
        set({ newSecret: created });
        await get().load();
      } catch (error) {
        set({ error: toErrorView(error) });
      }
    },
    async revoke(name) {
      set({ error: null });
      try {
        await bridge.revokeAgent(name);
        if (get().newSecret?.name === name) set({ newSecret: null });
        await get().load();
      } catch (error) {
        set({ error: toErrorView(error) });
      }
    },
    forgetSecret() {
      set({ newSecret: null });
    },
  }));
}

/** Grants the runner manages: the endpoint's own owner grant and per-run grants are shown apart. */
export const selectNamedGrants = (grants: readonly GrantView[]) => grants.filter((g) => g.kind === 'named');
export const selectSessionGrants = (grants: readonly GrantView[]) => grants.filter((g) => g.kind !== 'named');
