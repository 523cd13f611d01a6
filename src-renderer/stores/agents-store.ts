import { create } from 'zustand';
import type { ErrorView, GrantView } from '../../src-common/ipc-contract';
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

/** Grants the runner manages. The endpoint's own owner grant is no agent and is not listed; per-run grants are shown apart. */
export const selectNamedGrants = (grants: readonly GrantView[]) => grants.filter((g) => g.kind === 'named');
export const selectRunGrants = (grants: readonly GrantView[]) => grants.filter((g) => g.kind === 'run');

/** What is wrong with an agent name, in plain words (the same rule as the core's), or null. */
export function agentNameProblem(raw: string): string | null {
  const name = raw.trim();
  if (!name) return 'Type a name for the agent.';
  if (name.length > 64) return `That name has ${name.length} characters; use at most 64.`;
  if (/\s/.test(name)) return 'Use no spaces: for example coach-gpt.';
  if (!/^[A-Za-z0-9]/.test(name)) return 'Start the name with a letter or a digit.';
  const bad = [...new Set(name.replace(/[A-Za-z0-9._-]/g, ''))];
  if (bad.length) return `Use only letters, digits, dots, dashes and underscores (not ${bad.map((c) => `“${c}”`).join(' ')}).`;
  return null;
}
