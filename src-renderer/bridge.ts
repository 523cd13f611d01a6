/** The renderer's only way to main: `window.r42`, with envelopes turned into values or BridgeError. */
import type { SplitUnit } from '../src-common/coaching-contract';
import type { Envelope, ErrorView, ViewState } from '../src-common/ipc-contract';

export class BridgeError extends Error {
  readonly code: string;
  constructor(error: ErrorView) {
    super(error.message);
    this.code = error.code;
  }
  toView(): ErrorView {
    return { code: this.code, message: this.message };
  }
}

async function unwrap<T>(pending: Promise<Envelope<T>>): Promise<T> {
  const envelope = await pending;
  if (!envelope.ok) throw new BridgeError(envelope.error);
  return envelope.value;
}

export const bridge = {
  getState: () => unwrap(window.r42.state.get()),
  onState: (listener: (state: ViewState) => void) => window.r42.state.subscribe(listener),
  connect: () => unwrap(window.r42.auth.connect()),
  cancel: () => unwrap(window.r42.auth.cancel()),
  disconnect: (keepData: boolean) => unwrap(window.r42.auth.disconnect(keepData)),
  syncNow: () => unwrap(window.r42.sync.now()),
  loadHistory: (days: number) => unwrap(window.r42.sync.history(days)),
  activities: (limit: number) => unwrap(window.r42.data.activities(limit)),
  weekly: (weeks: number) => unwrap(window.r42.data.weekly(weeks)),
  activityDetails: (id: string, unit: SplitUnit) => unwrap(window.r42.data.activity(id, unit)),
  trainingLoad: (from: string, to: string) => unwrap(window.r42.data.trainingLoad(from, to)),
  trends: (from: string, to: string) => unwrap(window.r42.data.trends(from, to)),
  personalRecords: () => unwrap(window.r42.data.records()),
  hrProfile: () => unwrap(window.r42.data.hrProfile()),
  workouts: (limit: number) => unwrap(window.r42.workouts.list(limit)),
  approveWorkout: (id: string) => unwrap(window.r42.workouts.approve(id)),
  rejectWorkout: (id: string) => unwrap(window.r42.workouts.reject(id)),
  plannedWorkout: (activityId: string) => unwrap(window.r42.workouts.forActivity(activityId)),
  listAgents: () => unwrap(window.r42.agents.list()),
  addAgent: (name: string) => unwrap(window.r42.agents.add(name)),
  revokeAgent: (name: string) => unwrap(window.r42.agents.revoke(name)),
  audit: (limit: number) => unwrap(window.r42.audit.list(limit)),
  importFile: (name: string, data: string) => unwrap(window.r42.imports.file(name, data)),
  importFromWatch: () => unwrap(window.r42.imports.watch()),
  settings: () => unwrap(window.r42.settings.get()),
  setOpenAtLogin: (openAtLogin: boolean) => unwrap(window.r42.settings.setOpenAtLogin(openAtLogin)),
};

export type Bridge = typeof bridge;

export const toErrorView = (error: unknown): ErrorView =>
  error instanceof BridgeError ? error.toView() : { code: 'internal_error', message: 'Something went wrong. Try again.' };
