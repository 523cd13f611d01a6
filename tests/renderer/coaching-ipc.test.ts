/**
 * The coaching pages' IPC channels: what the bridge sends, what main accepts, and what crosses back.
 * (The dispatcher is the same for Electron IPC and the web transport.)
 */
import { describe, expect, it } from 'vitest';
import { activityDetailsData, hrProfileData, recordsData, trainingLoadData, trendsData } from '../../src-common/contract';
import { CompanionError } from '../../src-main/core/errors';
import { silentLogger } from '../../src-main/core/ports';
import { createDispatcher } from '../../src-main/core/ui/dispatch';
import type { UiService } from '../../src-main/core/ui/ui-service';
import { createBridgeApi, type BridgeTransport } from '../../src-preload/bridge-api';
import { CHANNELS } from '../../src-common/ipc-contract';
import * as fixtures from './coaching-fixtures';
import { fresh } from './fake-bridge';

const TOKEN = 'garmin-access-token-that-must-stay-in-main';

/** The dispatcher over a UI service whose handlers answer what the test gives, recording the arguments. */
function dispatcherAnswering(answers: Record<string, unknown>) {
  const seen: Array<[string, unknown]> = [];
  const service = {
    handlers: () => Object.fromEntries(Object.entries(answers).map(([channel, value]) => [channel, (args: unknown) => (seen.push([channel, args]), value)])),
  } as unknown as UiService;
  return { dispatch: createDispatcher(service, silentLogger), seen };
}

const ANSWERS = {
  'companion:data.activity': fresh(fixtures.run),
  'companion:data.trainingLoad': fresh(fixtures.trainingLoad),
  'companion:data.trends': fresh(fixtures.trends),
  'companion:data.records': fresh(fixtures.records),
  'companion:data.hrProfile': fresh(fixtures.hrProfile),
};

describe('the coaching channels', () => {
  it('answer with the shared schemas the agent endpoint uses', () => {
    expect(CHANNELS['companion:data.activity'].result).toBe(activityDetailsData);
    expect(CHANNELS['companion:data.trainingLoad'].result).toBe(trainingLoadData);
    expect(CHANNELS['companion:data.trends'].result).toBe(trendsData);
    expect(CHANNELS['companion:data.records'].result).toBe(recordsData);
    expect(CHANNELS['companion:data.hrProfile'].result).toBe(hrProfileData);
  });

  it('the bridge sends each page’s question on its channel, and whole answers cross', async () => {
    const { dispatch, seen } = dispatcherAnswering(ANSWERS);
    const transport: BridgeTransport = { invoke: (channel, args) => dispatch(channel, args) as never, onState: () => () => undefined };
    const api = createBridgeApi(transport);
    expect(await api.data.activity('run-1', 'mi')).toEqual({ ok: true, value: fresh(fixtures.run) });
    expect(await api.data.trainingLoad('2026-09-08', '2026-11-30')).toEqual({ ok: true, value: fresh(fixtures.trainingLoad) });
    expect(await api.data.trends('2026-09-02', '2026-11-30')).toEqual({ ok: true, value: fresh(fixtures.trends) });
    expect(await api.data.records()).toEqual({ ok: true, value: fresh(fixtures.records) });
    expect(await api.data.hrProfile()).toEqual({ ok: true, value: fresh(fixtures.hrProfile) });
    expect(seen).toEqual([
      ['companion:data.activity', { id: 'run-1', unit: 'mi' }],
      ['companion:data.trainingLoad', { from: '2026-09-08', to: '2026-11-30' }],
      ['companion:data.trends', { from: '2026-09-02', to: '2026-11-30' }],
      ['companion:data.records', undefined],
      ['companion:data.hrProfile', undefined],
    ]);
  });

  it('refuse bad arguments before the core is asked', async () => {
    const { dispatch, seen } = dispatcherAnswering(ANSWERS);
    for (const args of [{ id: '', unit: 'km' }, { id: 'run 1; drop', unit: 'km' }, { id: 'run-1', unit: 'yards' }, { id: 'run-1' }, { id: 'run-1', unit: 'km', extra: 1 }]) {
      expect(await dispatch('companion:data.activity', args)).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    }
    for (const args of [{ from: '2026-02-30', to: '2026-03-01' }, { from: 'yesterday', to: '2026-03-01' }, { from: '2026-03-01' }]) {
      expect(await dispatch('companion:data.trainingLoad', args)).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
      expect(await dispatch('companion:data.trends', args)).toMatchObject({ ok: false, error: { code: 'invalid_arguments' } });
    }
    expect(seen).toEqual([]);
  });

  it('an answer carrying a field no schema declares (a token) fails the call, and the token is nowhere in what crosses', async () => {
    const leaky = {
      'companion:data.activity': fresh({ ...fixtures.run, summary: { ...fixtures.run.summary, access_token: TOKEN } }),
      'companion:data.records': { ...fresh(fixtures.records), access_token: TOKEN },
      'companion:data.trends': fresh({ ...fixtures.trends, days: [{ ...fixtures.trends.days[0]!, token: TOKEN }] }),
    };
    const { dispatch } = dispatcherAnswering(leaky);
    for (const [channel, args] of [
      ['companion:data.activity', { id: 'run-1', unit: 'km' }],
      ['companion:data.records', undefined],
      ['companion:data.trends', { from: '2026-09-02', to: '2026-11-30' }],
    ] as const) {
      const envelope = await dispatch(channel, args);
      expect(envelope).toEqual({ ok: false, error: { code: 'internal_error', message: expect.any(String) } });
      expect(JSON.stringify(envelope)).not.toContain(TOKEN);
    }
  });

  it('a core refusal crosses as its code and words (the page puts them in the app’s words)', async () => {
    const service = {
      handlers: () => ({
        'companion:data.activity': () => {
          throw new CompanionError('not_found', 'No activity "x" in the synced data.');
        },
      }),
    } as unknown as UiService;
    const dispatch = createDispatcher(service, silentLogger);
    expect(await dispatch('companion:data.activity', { id: 'x', unit: 'km' })).toEqual({ ok: false, error: { code: 'not_found', message: 'No activity "x" in the synced data.' } });
  });
});
