import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src-renderer/bridge';
import { createCoachingStore, selectTopPage } from '../../src-renderer/stores/coaching-store';
import { addDays } from '../../src-common/dates';
import { formatDistance, formatHoursMinutes, formatNumber, formatPaceSeconds, formatSeconds, formatSignedPercent, localToday } from '../../src-renderer/format';
import * as fixtures from './coaching-fixtures';
import { fakeBridge, fresh } from './fake-bridge';

const today = () => '2026-11-30';
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('coaching store', () => {
  it('opens pages on a stack and loads what each shows; back answers the page with its opener', async () => {
    const { bridge, calls } = fakeBridge();
    const store = createCoachingStore(bridge, today);
    const opener = { focus: () => undefined } as unknown as HTMLElement;
    store.getState().open({ kind: 'records' }, opener);
    await settle();
    expect(store.getState().records.data).toEqual(fixtures.records);
    store.getState().open({ kind: 'activity', id: 'run-9' });
    await settle();
    expect(selectTopPage(store.getState())).toEqual({ kind: 'activity', id: 'run-9' });
    expect(store.getState().activities['run-9']!.data!.summary_id).toBe('run-9');
    expect(store.getState().profile).toEqual(fixtures.hrProfile);
    expect(store.getState().back()!.page).toEqual({ kind: 'activity', id: 'run-9' });
    expect(store.getState().back()).toEqual({ page: { kind: 'records' }, opener });
    expect(store.getState().back()).toBeNull();
    expect(calls).toEqual(['records', 'activity run-9 km']);
  });

  it('asks for whole weeks and days ending today', async () => {
    const { bridge, calls } = fakeBridge();
    const store = createCoachingStore(bridge, today);
    store.getState().open({ kind: 'load' });
    store.getState().open({ kind: 'trends' });
    await settle();
    await store.getState().setLoadWeeks(52);
    await store.getState().setTrendDays(30);
    expect(calls).toEqual(['load 2026-09-08 2026-11-30', 'trends 2026-09-02 2026-11-30', 'load 2025-12-02 2026-11-30', 'trends 2026-11-01 2026-11-30']);
  });

  it('keeps the answer to the latest choice when an earlier one arrives late', async () => {
    const pending: Array<() => void> = [];
    const { bridge } = fakeBridge({
      activityDetails: (id, unit) => new Promise((resolve) => pending.push(() => resolve(fresh(unit === 'mi' ? fixtures.runMiles : { ...fixtures.run, summary_id: id })))),
    });
    const store = createCoachingStore(bridge, today);
    store.getState().open({ kind: 'activity', id: 'run-1' });
    void store.getState().setUnit('mi');
    pending[1]!(); // miles first
    await settle();
    pending[0]!(); // then the stale kilometres
    await settle();
    expect(store.getState().activities['run-1']!.data!.unit).toBe('mi');
    expect(store.getState().unit).toBe('mi');
  });

  it('keeps a failure as the app shows it, and a retry clears it', async () => {
    let fail = true;
    const { bridge } = fakeBridge({
      personalRecords: async () => {
        if (fail) throw new BridgeError({ code: 'storage_error', message: 'disk' });
        return fresh(fixtures.records);
      },
    });
    const store = createCoachingStore(bridge, today);
    store.getState().open({ kind: 'records' });
    await settle();
    expect(store.getState().records).toEqual({ data: null, freshness: null, error: { code: 'storage_error', message: 'disk' }, loading: false });
    fail = false;
    await store.getState().loadRecords();
    expect(store.getState().records.error).toBeNull();
    expect(store.getState().records.data).toEqual(fixtures.records);
  });
});

describe('number formatting', () => {
  it('never writes NaN, undefined or Infinity', () => {
    for (const bad of [null, undefined, NaN, Infinity, -Infinity]) {
      expect(formatNumber(bad)).toBe('—');
      expect(formatSeconds(bad)).toBe('—');
      expect(formatPaceSeconds(bad)).toBe('—');
      expect(formatDistance(bad)).toBe('—');
      expect(formatHoursMinutes(bad)).toBe('—');
      expect(formatSignedPercent(bad)).toBe('—');
    }
    expect(formatPaceSeconds(0)).toBe('—');
  });

  it('writes paces, times and distances as a runner reads them', () => {
    expect(formatPaceSeconds(299.6)).toBe('5:00 /km');
    expect(formatPaceSeconds(482.8, 'mi')).toBe('8:03 /mi');
    expect(formatSeconds(6590)).toBe('1:49:50');
    expect(formatSeconds(59.6)).toBe('1:00');
    expect(formatDistance(10_500)).toBe('10.50 km');
    expect(formatDistance(10_500, 'mi')).toBe('6.52 mi');
    expect(formatHoursMinutes(26_700)).toBe('7 h 25 min');
    expect(formatSignedPercent(3.21)).toBe('+3.2 %');
    expect(formatSignedPercent(-1)).toBe('−1.0 %');
  });

  it('counts local dates across month and year ends', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(localToday(new Date(2026, 10, 30, 23, 59))).toBe('2026-11-30');
  });
});
