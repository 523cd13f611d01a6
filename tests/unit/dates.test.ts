import { describe, expect, it } from 'vitest';
import { addDays, dateOfDay, dateOfEpochSeconds, dayNumber, isDateShaped, isoWeekLabel, isoWeekStart, localDate } from '../../src-common/dates.js';

/** The project's one dates module (src-common/dates.ts): the core, the CLI and the renderer count days with it. */
describe('calendar dates', () => {
  it('writes every day from year 0001 to 9999 as Date does, and reads it back to the same day number', () => {
    for (let day = dayNumber('0001-01-01'); day <= dayNumber('9999-12-31'); day += 97) {
      const date = dateOfDay(day);
      expect(date).toBe(new Date(day * 86_400_000).toISOString().slice(0, 10));
      expect(dayNumber(date)).toBe(day);
    }
    expect(dateOfDay(dayNumber('2024-02-29'))).toBe('2024-02-29');
  });

  it('moves a date across months, leap days and years, stopping at 0000-01-01, and refuses what is not a date', () => {
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-11-23', -84 + 1)).toBe('2026-09-01');
    expect(addDays('0050-01-01', -1)).toBe('0049-12-31');
    expect(addDays('0000-01-05', -100)).toBe('0000-01-01');
    expect(() => addDays('23.11.2026', 1)).toThrow(TypeError);
    expect(() => addDays('2026-11-23', Number.NaN)).toThrow(TypeError);
  });

  it('finds the Monday and the ISO week of a date, the week belonging to the year of its Thursday', () => {
    expect(isoWeekStart('2026-11-23')).toBe('2026-11-23'); // a Monday
    expect(isoWeekStart('2026-11-29')).toBe('2026-11-23'); // its Sunday
    expect(isoWeekStart('2027-01-01')).toBe('2026-12-28');
    expect(isoWeekLabel('2026-11-23')).toBe('2026-W48');
    expect(isoWeekLabel('2027-01-01')).toBe('2026-W53');
    expect(isoWeekLabel('2024-12-30')).toBe('2025-W01');
  });

  it("reads a runner's local date from Garmin's start time plus its offset, on either side of midnight UTC", () => {
    const start = Date.parse('2026-11-22T23:30:00Z') / 1000;
    expect(dateOfEpochSeconds(start)).toBe('2026-11-22');
    expect(dateOfEpochSeconds(start + 3600)).toBe('2026-11-23'); // UTC+1
    expect(dateOfEpochSeconds(Date.parse('2026-11-23T01:00:00Z') / 1000 - 5 * 3600)).toBe('2026-11-22'); // UTC−5
    expect(dateOfEpochSeconds(-1)).toBe('1969-12-31');
  });

  it("gives today's date in this computer's time zone, and tells a date's shape from anything else", () => {
    expect(localDate(new Date(2026, 10, 30, 23, 59).getTime())).toBe('2026-11-30');
    expect(localDate(new Date(2026, 0, 1, 0, 0).getTime())).toBe('2026-01-01');
    expect(isDateShaped('2026-11-23')).toBe(true);
    for (const text of ['2026-11-3', '2026/11/23', ' 2026-11-23', 20261123, null, undefined]) expect(isDateShaped(text)).toBe(false);
  });
});
