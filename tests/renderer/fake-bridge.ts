import type { Bridge } from '../../src-renderer/bridge';
import { BridgeError } from '../../src-renderer/bridge';
import type { GrantView, ViewState } from '../../src-common/ipc-contract';
import * as coaching from './coaching-fixtures';

export const baseState: ViewState = {
  connection: {
    configured: true,
    connected: false,
    state: 'not_connected',
    garminUserId: null,
    permissions: [],
    scope: null,
    connectedAt: null,
    accessTokenExpiresAt: null,
    refreshTokenExpiresAt: null,
    refreshTokenExpiresSoon: false,
    lastRefreshAt: null,
    lastError: null,
    sync: { running: false, lastSyncAt: null, stale: true, backfill: { done: 0, total: 0 }, streams: [], delivery: 'pull', relay: null },
    link: { via: 'r42_server', tokenOrigin: 'https://api.r42.app' },
  },
  signIn: { kind: 'idle' },
  agentEndpoint: { url: 'http://127.0.0.1:40000' },
};

export const connectedState: ViewState = {
  ...baseState,
  connection: {
    ...baseState.connection,
    connected: true,
    state: 'connected',
    garminUserId: 'user-1',
    permissions: ['ACTIVITY_EXPORT'],
    connectedAt: '2026-11-20T10:00:00.000Z',
    accessTokenExpiresAt: '2026-11-24T10:00:00.000Z',
    refreshTokenExpiresAt: '2027-02-18T10:00:00.000Z',
  },
};

/** A data answer as the facade gives it: the figures and how fresh the data under them is. */
export const fresh = <T>(data: T, last_sync_at: string | null = '2026-11-30T08:00:00.000Z', stale = false) => ({ data, last_sync_at, stale });

/** A bridge whose answers a test scripts, recording the calls. */
export function fakeBridge(overrides: Partial<Bridge> = {}) {
  const calls: string[] = [];
  let push: (state: ViewState) => void = () => undefined;
  let grants: GrantView[] = [];
  const bridge: Bridge = {
    getState: async () => baseState,
    onState: (listener) => {
      push = listener;
      return () => undefined;
    },
    connect: async () => {
      calls.push('connect');
      return { garminUserId: 'user-1', permissions: ['ACTIVITY_EXPORT'] };
    },
    cancel: async () => {
      calls.push('cancel');
      return null;
    },
    disconnect: async (keepData) => {
      calls.push(`disconnect keepData=${keepData}`);
      return { wasConnected: true, dataKept: keepData, garminUserId: 'user-1', deregisteredAtGarmin: false, garminError: { code: 'garmin_unreachable', message: 'x' }, otherComputers: 0, othersLastSeenAt: null };
    },
    syncNow: async () => {
      calls.push('sync');
      return { outcome: 'completed', windows: 5, stored: 12, skipped: 1, permissionMissing: [] };
    },
    loadHistory: async (days) => {
      calls.push(`history ${days}`);
      return { outcome: 'completed', windows: 5, stored: 40, skipped: 0, permissionMissing: [] };
    },
    activities: async () => ({ data: [], last_sync_at: null, stale: true }),
    weekly: async (weeks) => ({
      data: Array.from({ length: weeks }, (_, i) => ({ week: `2026-W${String(i + 1).padStart(2, '0')}`, week_start: `2026-01-0${(i % 9) + 1}`, runs: 1, distance_km: 10 + i, duration_s: 3000, long_run_km: 10, avg_pace_min_km: 5, avg_hr: 150 })),
      last_sync_at: null,
      stale: true,
    }),
    workouts: async () => ({ data: [], last_sync_at: null, stale: true }),
    approveWorkout: async (id) => {
      calls.push(`approve ${id}`);
      throw new BridgeError({ code: 'not_found', message: `There is no workout ${id}.` });
    },
    rejectWorkout: async (id) => {
      calls.push(`reject ${id}`);
      throw new BridgeError({ code: 'not_found', message: `There is no workout ${id}.` });
    },
    plannedWorkout: async () => null,
    listAgents: async () => grants,
    addAgent: async (name) => {
      calls.push(`add ${name}`);
      if (name === 'taken') throw new BridgeError({ code: 'usage', message: 'An agent named "taken" already exists.' });
      grants = [...grants, { name, kind: 'named', createdAt: '2026-11-23T10:00:00.000Z', lastUsedAt: null, useCount: 0 }];
      return { name, secret: 'r42a_secret' };
    },
    revokeAgent: async (name) => {
      calls.push(`revoke ${name}`);
      grants = grants.filter((g) => g.name !== name);
      return { revoked: true };
    },
    audit: async () => [],
    settings: async () => ({ openAtLogin: false, openAtLoginAvailable: false }),
    setOpenAtLogin: async (openAtLogin) => ({ openAtLogin, openAtLoginAvailable: false }),
    activityDetails: async (id, unit) => {
      calls.push(`activity ${id} ${unit}`);
      return fresh(unit === 'mi' ? coaching.runMiles : { ...coaching.run, summary_id: id });
    },
    trainingLoad: async (from, to) => {
      calls.push(`load ${from} ${to}`);
      return fresh(coaching.trainingLoad);
    },
    trends: async (from, to) => {
      calls.push(`trends ${from} ${to}`);
      return fresh(coaching.trends);
    },
    personalRecords: async () => {
      calls.push('records');
      return fresh(coaching.records);
    },
    hrProfile: async () => fresh(coaching.hrProfile),
    ...overrides,
  };
  return { bridge, calls, push: (state: ViewState) => push(state) };
}
