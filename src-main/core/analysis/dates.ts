/**
 * Calendar arithmetic on YYYY-MM-DD strings (the runner's local dates, as stored), in UTC so a
 * daylight-saving change never makes a day 23 or 25 hours long.
 */
import { z } from 'zod';

const DAY_MS = 86_400_000;

/** A YYYY-MM-DD calendar date. */
export const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * The YYYY-MM-DD date of a day number. Years 1000–9999 by arithmetic (the civil-from-days
 * algorithm of H. Hinnant, "chrono-compatible low-level date algorithms"): a load series formats
 * thousands of days, and a Date and its ISO string per day cost more than the rest of the series.
 * Anything else (and NaN) as Date's toISOString.
 */
export function dateOfDay(day: number): string {
  if (Number.isInteger(day) && day >= -354_285 && day <= 2_932_896) {
    const z = day + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return `${y}-${pad2(m)}-${pad2(d)}`;
  }
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** `date` moved by `n` days. */
export const addDays = (date: string, n: number) => dateOfDay(dayNumber(date) + n);

/** Monday of the ISO week of a date (the weekly tables start on Monday, like the weekly summary). */
export function isoWeekStart(date: string): string {
  const day = dayNumber(date);
  // Day 0 (1970-01-01) was a Thursday: (day + 3) mod 7 counts days since Monday.
  return dateOfDay(day - ((((day + 3) % 7) + 7) % 7));
}
