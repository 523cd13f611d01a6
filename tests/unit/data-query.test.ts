import { describe, expect, it } from 'vitest';
import { activitiesQuery, addDays, dateRange, isoDate, parseQuery, weeklyQuery } from '../../src-common/data-query.js';

describe('the shared data-query schema', () => {
  it('knows the calendar: month lengths and leap years (2000 is one, 1900 and 2100 are not)', () => {
    for (const good of ['2024-02-29', '2000-02-29', '2026-12-31', '2026-04-30', '0000-01-01']) expect(isoDate.safeParse(good).success, good).toBe(true);
    for (const bad of ['2026-02-29', '1900-02-29', '2100-02-29', '2026-04-31', '2026-12-32', '2026-00-01', '2026-01-00', ' 2026-01-01', '2026-01-01 ', '２０２６-01-01']) {
      expect(isoDate.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('fills the default range back from to, across months, years and leap days, without Date.UTC’s 1900s for small years', () => {
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('0050-01-01', -1)).toBe('0049-12-31');
    expect(addDays('0000-01-05', -100)).toBe('0000-01-01');
    expect(parseQuery(dateRange({ today: '2026-05-10', days: 84 }), {})).toEqual({ ok: true, value: { from: '2026-02-16', to: '2026-05-10' } });
    expect(parseQuery(activitiesQuery({ today: '2026-05-10', days: 28 }), { to: '2026-03-01' })).toEqual({ ok: true, value: { from: '2026-02-02', to: '2026-03-01' } });
  });

  it('spells parameters as the caller does, and weeks default to 12', () => {
    expect(parseQuery(dateRange({ today: '2026-05-10', days: 28 }), { from: '2026-06-01' }, (f) => `--${f}`)).toEqual({
      ok: false,
      message: '--from must be on or before to (2026-05-10), but is 2026-06-01.',
    });
    expect(parseQuery(weeklyQuery, {})).toEqual({ ok: true, value: { weeks: 12 } });
    expect(parseQuery(weeklyQuery, { weeks: 7 })).toEqual({ ok: false, message: 'weeks must be text.' });
  });
});
