import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src-renderer/bridge';
import { createAgentsStore, selectNamedGrants } from '../../src-renderer/stores/agents-store';
import { describeEntry } from '../../src-renderer/stores/activity-store';
import { createConnectionStore, describeFailure, selectCardState } from '../../src-renderer/stores/connection-store';
import { baseState, connectedState, fakeBridge } from './fake-bridge';

describe('connection store', () => {
  it('follows the state main pushes', async () => {
    const { bridge, push } = fakeBridge();
    const store = createConnectionStore(bridge);
    store.getState().init();
    await Promise.resolve();
    expect(store.getState().view).toEqual(baseState);
    push(connectedState);
    expect(store.getState().view?.connection.garminUserId).toBe('user-1');
  });

  it('keeps the failure a connect ended with, in plain words', async () => {
    const { bridge } = fakeBridge({
      connect: async () => {
        throw new BridgeError({ code: 'sign_in_declined', message: 'You declined access on Garmin.' });
      },
    });
    const store = createConnectionStore(bridge);
    await store.getState().connect();
    expect(store.getState().error).toEqual({ code: 'sign_in_declined', message: 'You declined access on Garmin.' });
    expect(store.getState().busy).toBeNull();
    expect(describeFailure(store.getState().error!).title).toBe('You declined access on Garmin.');
  });

  it('says when Garmin could not be told about a disconnect', async () => {
    const { bridge, calls } = fakeBridge();
    const store = createConnectionStore(bridge);
    await store.getState().disconnect(false);
    expect(calls).toEqual(['disconnect keepData=false']);
    expect(store.getState().disconnectNotice).toContain('Garmin could not be told (garmin_unreachable)');
    expect(store.getState().disconnectNotice).toContain('training data is deleted');
  });

  it('derives the card face from the view', () => {
    expect(selectCardState(null, null)).toBe('loading');
    expect(selectCardState(baseState, null)).toBe('disconnected');
    expect(selectCardState({ ...baseState, connection: { ...baseState.connection, configured: false } }, null)).toBe('not_configured');
    expect(selectCardState({ ...baseState, signIn: { kind: 'waitingForBrowser', expiresAt: '', browserOpened: true } }, null)).toBe('waiting');
    expect(selectCardState({ ...baseState, signIn: { kind: 'exchanging' } }, null)).toBe('exchanging');
    expect(selectCardState(connectedState, null)).toBe('connected');
    expect(selectCardState({ ...connectedState, connection: { ...connectedState.connection, state: 'reauth_required', connected: false } }, null)).toBe('reauth');
  });
});

describe('agents store', () => {
  it('adds (keeping the secret to show once), lists and revokes', async () => {
    const { bridge, calls } = fakeBridge();
    const store = createAgentsStore(bridge);
    await store.getState().add(' coach ');
    expect(store.getState().newSecret).toEqual({ name: 'coach', secret: 'r42a_secret' });
    expect(selectNamedGrants(store.getState().grants).map((g) => g.name)).toEqual(['coach']);
    await store.getState().revoke('coach');
    expect(store.getState().newSecret).toBeNull();
    expect(store.getState().grants).toEqual([]);
    await store.getState().add('taken');
    expect(store.getState().error?.message).toContain('already exists');
    expect(calls).toEqual(['add coach', 'revoke coach', 'add taken']);
  });
});

describe('training store', () => {
  it('loads the weekly summary for the chosen number of weeks and reports a sync', async () => {
    const { bridge, calls } = fakeBridge();
    const { createTrainingStore, formatDuration } = await import('../../src-renderer/stores/training-store');
    const { formatPaceSeconds } = await import('../../src-renderer/format');
    const store = createTrainingStore(bridge);
    await store.getState().load();
    expect(store.getState().weeks).toHaveLength(12);
    await store.getState().setWeekCount(52);
    expect(store.getState().weeks).toHaveLength(52);
    await store.getState().syncNow();
    expect(calls).toContain('sync');
    expect(store.getState().lastResult).toBe('Synced: 12 records, 1 unreadable records skipped.');
    expect(formatPaceSeconds(315)).toBe('5:15 /km');
    // To the nearest second, as the CLI and the MCP tools write it: 311.6 s is 5:12, never 5:11.
    expect(formatPaceSeconds(311.6)).toBe('5:12 /km');
    expect(formatPaceSeconds(359.7)).toBe('6:00 /km');
    expect(formatPaceSeconds(null)).toBe('—');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(305)).toBe('5:05');
  });
});

describe('activity', () => {
  it('describes audit entries without raw event names', () => {
    expect(describeEntry({ id: 1, at: '', event: 'agent.token_issued', detail: { grant: 'coach', tokenSha256: 'abcd1234', count: 1 } })).toEqual({ label: 'Token given to an agent', detail: 'agent coach' });
    expect(describeEntry({ id: 2, at: '', event: 'sign_in.failed', detail: { code: 'sign_in_timeout' } })).toEqual({ label: 'Sign-in failed', detail: 'Garmin was not approved in time' });
  });
});
