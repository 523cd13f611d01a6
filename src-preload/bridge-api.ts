/**
 * The small, domain-shaped API the renderer sees as `window.r42`, built on any transport that can
 * invoke a channel and deliver events: Electron IPC in the app (preload.ts), HTTP and
 * Server-Sent Events in development and browser tests (web-bridge.ts).
 */
import type { SplitUnit } from '../src-common/coaching-contract.js';
import type { ArgsOf, Channel, Envelope, ResultOf, ViewState } from '../src-common/ipc-contract.js';

export interface BridgeTransport {
  invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<Envelope<ResultOf<C>>>;
  onState(listener: (state: ViewState) => void): () => void;
}

export interface R42Api {
  readonly state: { get(): Promise<Envelope<ViewState>>; subscribe(listener: (state: ViewState) => void): () => void };
  readonly auth: {
    connect(): Promise<Envelope<ResultOf<'companion:auth.connect'>>>;
    cancel(): Promise<Envelope<null>>;
    disconnect(keepData: boolean): Promise<Envelope<ResultOf<'companion:auth.disconnect'>>>;
  };
  readonly sync: { now(): Promise<Envelope<ResultOf<'companion:sync.now'>>>; history(days: number): Promise<Envelope<ResultOf<'companion:sync.history'>>> };
  readonly data: {
    activities(limit: number): Promise<Envelope<ResultOf<'companion:data.activities'>>>;
    weekly(weeks: number): Promise<Envelope<ResultOf<'companion:data.weekly'>>>;
    activity(id: string, unit: SplitUnit): Promise<Envelope<ResultOf<'companion:data.activity'>>>;
    trainingLoad(from: string, to: string): Promise<Envelope<ResultOf<'companion:data.trainingLoad'>>>;
    trends(from: string, to: string): Promise<Envelope<ResultOf<'companion:data.trends'>>>;
    records(): Promise<Envelope<ResultOf<'companion:data.records'>>>;
    hrProfile(): Promise<Envelope<ResultOf<'companion:data.hrProfile'>>>;
  };
  readonly workouts: {
    list(limit: number): Promise<Envelope<ResultOf<'companion:workouts.list'>>>;
    approve(id: string): Promise<Envelope<ResultOf<'companion:workouts.approve'>>>;
    reject(id: string): Promise<Envelope<ResultOf<'companion:workouts.reject'>>>;
    forActivity(id: string): Promise<Envelope<ResultOf<'companion:workouts.forActivity'>>>;
  };
  readonly agents: {
    list(): Promise<Envelope<ResultOf<'companion:agents.list'>>>;
    add(name: string): Promise<Envelope<ResultOf<'companion:agents.add'>>>;
    revoke(name: string): Promise<Envelope<ResultOf<'companion:agents.revoke'>>>;
  };
  readonly imports: {
    file(name: string, data: string): Promise<Envelope<ResultOf<'companion:import.file'>>>;
    watch(): Promise<Envelope<ResultOf<'companion:import.watch'>>>;
  };
  readonly audit: { list(limit: number): Promise<Envelope<ResultOf<'companion:audit.list'>>> };
  readonly settings: {
    get(): Promise<Envelope<ResultOf<'companion:settings.get'>>>;
    setOpenAtLogin(openAtLogin: boolean): Promise<Envelope<ResultOf<'companion:settings.set'>>>;
  };
}

export function createBridgeApi(transport: BridgeTransport): R42Api {
  return {
    state: {
      get: () => transport.invoke('companion:state.get', undefined),
      subscribe: (listener) => transport.onState(listener),
    },
    auth: {
      connect: () => transport.invoke('companion:auth.connect', undefined),
      cancel: () => transport.invoke('companion:auth.cancel', undefined),
      disconnect: (keepData) => transport.invoke('companion:auth.disconnect', { keepData }),
    },
    sync: { now: () => transport.invoke('companion:sync.now', undefined), history: (days) => transport.invoke('companion:sync.history', { days }) },
    data: {
      activities: (limit) => transport.invoke('companion:data.activities', { limit }),
      weekly: (weeks) => transport.invoke('companion:data.weekly', { weeks }),
      activity: (id, unit) => transport.invoke('companion:data.activity', { id, unit }),
      trainingLoad: (from, to) => transport.invoke('companion:data.trainingLoad', { from, to }),
      trends: (from, to) => transport.invoke('companion:data.trends', { from, to }),
      records: () => transport.invoke('companion:data.records', undefined),
      hrProfile: () => transport.invoke('companion:data.hrProfile', undefined),
    },
    workouts: {
      list: (limit) => transport.invoke('companion:workouts.list', { limit }),
      approve: (id) => transport.invoke('companion:workouts.approve', { id }),
      reject: (id) => transport.invoke('companion:workouts.reject', { id }),
      forActivity: (id) => transport.invoke('companion:workouts.forActivity', { id }),
    },
    agents: {
      list: () => transport.invoke('companion:agents.list', undefined),
      add: (name) => transport.invoke('companion:agents.add', { name }),
      revoke: (name) => transport.invoke('companion:agents.revoke', { name }),
    },
    imports: {
      file: (name, data) => transport.invoke('companion:import.file', { name, data }),
      watch: () => transport.invoke('companion:import.watch', undefined),
    },
    audit: { list: (limit) => transport.invoke('companion:audit.list', { limit }) },
    settings: {
      get: () => transport.invoke('companion:settings.get', undefined),
      setOpenAtLogin: (openAtLogin) => transport.invoke('companion:settings.set', { openAtLogin }),
    },
  };
}
