import { describe, expect, it } from 'vitest';
import { localDateOf, normalizeRecord, recordList, readActivity, readDaily, readHrv, readSleep, readUserMetrics } from '../../src-main/core/garmin/records.js';
import { readBloodPressure, readBodyComp, readEpoch, readHealthSnapshot, readRespiration, readSkinTemp } from '../../src-main/core/garmin/wellness-records.js';

describe('Garmin records as Garmin prints them', () => {
  it('reads keys with stray spaces as the key, unless the record also has the key itself; never a prototype', () => {
    expect(normalizeRecord({ ' weightInGrams': 1, 'startTimeInSeconds ': 2, summaryId: 'x' })).toEqual({ weightInGrams: 1, startTimeInSeconds: 2, summaryId: 'x' });
    expect(normalizeRecord({ ' steps': 1, steps: 2 })).toEqual({ ' steps': 1, steps: 2 });
    expect(normalizeRecord({ summary: { ' durationInSeconds': 5 } })).toEqual({ summary: { durationInSeconds: 5 } });
    const clean = { summaryId: 'a', steps: 3 };
    expect(normalizeRecord(clean)).toBe(clean);
    const hostile = normalizeRecord(JSON.parse('{" __proto__": {"polluted": true}, "summaryId": "p"}'));
    expect(Object.getPrototypeOf(hostile)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const value of [null, 'text', 42, [1, 2]]) expect(normalizeRecord(value)).toBeNull();
  });

  it('reads an answer of one bare record as a list of one, and nothing else as a list', () => {
    const night = { summaryId: 'example-65f83c38', calendarDate: '2024-03-18', avgDeviationCelsius: -1.6 };
    expect(recordList([night])).toEqual([night]);
    expect(recordList(night)).toEqual([night]);
    for (const value of [null, 'text', 3]) expect(recordList(value)).toBeNull();
  });

  it('trims ids and reads numeric ones as text; a record without an id or a time to date it cannot be read', () => {
    expect(readDaily({ summaryId: ' EXAMPLE_67891', calendarDate: '2016-01-11', steps: 4210 })).toMatchObject({ summaryId: 'EXAMPLE_67891', calendarDate: '2016-01-11', steps: 4210 });
    expect(readActivity({ summaryId: 5001968355, activityId: 5001968355, startTimeInSeconds: 1452470400.6 })).toMatchObject({ summaryId: '5001968355', activityId: '5001968355', startTime: 1452470401 });
    expect(readDaily({ summaryId: '   ', calendarDate: '2016-01-11' })).toBeNull();
    expect(readDaily({ summaryId: 'd', steps: 1 })).toBeNull(); // neither calendarDate nor a start
    expect(readUserMetrics({ summaryId: 'm', vo2Max: 48 })).toBeNull(); // Garmin dates these by calendarDate only
  });

  it('dates a record without calendarDate by its start and offset, a night by the morning it ends', () => {
    expect(localDateOf(null, 1452556800, 3600)).toBe('2016-01-12');
    expect(localDateOf('2016-01-11', 1452556800, 3600)).toBe('2016-01-11');
    // 23:00 local for 8 h at UTC-5: the runner wakes the next day.
    const bedtime = Date.UTC(2026, 0, 10, 4) / 1000;
    expect(readSleep({ summaryId: 's', startTimeInSeconds: bedtime, startTimeOffsetInSeconds: -18_000, durationInSeconds: 28_800 })!.calendarDate).toBe('2026-01-10');
    expect(readSleep({ summaryId: 's', startTimeInSeconds: bedtime - 3_600, startTimeOffsetInSeconds: -18_000, durationInSeconds: 28_800 })!.calendarDate).toBe('2026-01-10');
    expect(readHrv({ summaryId: 'h', startTimeInSeconds: bedtime, startTimeOffsetInSeconds: -18_000, durationInSeconds: 28_800, lastNightAvg: 50 })).toMatchObject({ calendarDate: '2026-01-10', lastNightAvgMs: 50 });
    expect(readRespiration({ summaryId: 'r', startTimeInSeconds: 1568171700, startTimeOffsetInSeconds: -18000 })!.localDate).toBe('2019-09-10');
    expect(readBloodPressure({ summaryId: 'b', measurementTimeInSeconds: 1663776000, measurementTimeOffsetInSeconds: -18000, systolic: 120 })).toMatchObject({ localDate: '2022-09-21', systolic: 120 });
  });

  it('reads the documented oddities: leading-space keys, a trailing-space start, the snapshot offset, wrong types as null', () => {
    expect(readBodyComp({ summaryId: 'b', ' measurementTimeInSeconds': 1439741130, ' measurementTimeOffsetInSeconds': 0, ' weightInGrams': 75450 })).toMatchObject({ localDate: '2015-08-16', weightG: 75450 });
    expect(readEpoch({ summaryId: 'e', 'startTimeInSeconds ': 1519679700, startTimeOffsetInSeconds: -21600, steps: 93, intensity: 'ACTIVE' })).toMatchObject({ localDate: '2018-02-26', localMinute: 15 * 60 + 15, steps: 93 });
    const snapshot = readHealthSnapshot({ summaryId: 'x', startTimeInSeconds: 1630409178, offsetStartTimeInSeconds: 7200, summaries: [{ summaryType: 'spo2', avgValue: 85.04 }, { summaryType: 'rmssd_hrv', avgValue: 20 }, 'noise'] });
    expect(snapshot).toMatchObject({ calendarDate: '2021-08-31', spo2: { min: null, max: null, avg: 85 }, rmssdMs: 20, heartRate: null });
    expect(readSkinTemp({ summaryId: 't', calendarDate: '2024-03-18', avgDeviationCelsius: '-1.6' })).toMatchObject({ deviationC: null });
    expect(readDaily({ summaryId: 'd', calendarDate: '2016-01-11', steps: '4210', averageStresslevel: 43 })).toMatchObject({ steps: null, avgStress: 43 });
  });
});
