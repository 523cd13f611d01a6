import { describe, expect, it } from 'vitest';
import { activitiesQuery, dateRange, isoDate, parseQuery, weeklyQuery } from '../../src-common/data-query.js';
import { addDays } from '../../src-common/dates.js';

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

describe('min_valid: the hot path regex and the shared schema agree', () => {
  it('gives the same answer for every target the regex takes, and the schema refuses what it does not', async () => {
    const { TOKEN_TARGET, MAX_MIN_VALID_SECONDS } = await import('../../src-main/core/agent/agent-server.js');
    const { parseQuery, tokenQuery } = await import('../../src-common/data-query.js');
    const values = ['0', '1', '0012', '600', '43200', '43201', '999999', '1e3', '-1', ' 5', '0x10', '1.5', '', '1234567'];
    for (const value of values) {
      const schema = parseQuery(tokenQuery, { min_valid: value });
      const hot = TOKEN_TARGET.exec(`/v1/token?min_valid=${value}`);
      if (hot) {
        const n = Number(hot[1]);
        expect({ value, ok: n <= MAX_MIN_VALID_SECONDS, n }).toEqual({ value, ok: schema.ok, n: schema.ok ? schema.value.min_valid : n });
      } else {
        expect({ value, ok: schema.ok }).toEqual({ value, ok: false });
      }
    }
    expect(parseQuery(tokenQuery, { min_valid: '43201' })).toEqual({ ok: false, message: `min_valid must be a whole number of seconds from 0 to ${MAX_MIN_VALID_SECONDS}.` });
    expect(TOKEN_TARGET.test('/v1/token')).toBe(true);
  });
});
