/**
 * Calendar dates for the whole project: YYYY-MM-DD strings (the runner's local dates, as Garmin
 * sends them and the store keeps them). Arithmetic counts days in UTC, so a daylight-saving change
 * never makes a day 23 or 25 hours long; only `localDate` reads this computer's time zone. Plain
 * functions, no Node module and no zod (the renderer bundles them): the core, the CLI, the servers
 * and the renderer share them.
 */

/** A day in milliseconds and in seconds (Garmin's times are epoch seconds). */
export const DAY_MS = 86_400_000;
export const DAY_S = 86_400;
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Whether `text` is written YYYY-MM-DD (data-query.ts's `isoDate` also refuses 2026-02-30). A
 * plain test, not a zod schema: a load series asks it once per activity.
 */
export const isDateShaped = (text: unknown): text is string => typeof text === 'string' && DATE_SHAPE.test(text);

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

/** 0000-01-01: the earliest date a moved date stops at, so a far-back default stays a date. */
const FIRST_DAY = dayNumber('0000-01-01');

/** `date` moved by `days` (negative: back), stopping at 0000-01-01. */
export function addDays(date: string, days: number): string {
  const day = isDateShaped(date) ? dayNumber(date) + days : Number.NaN;
  if (!Number.isFinite(day)) throw new TypeError('addDays needs a YYYY-MM-DD date and a number of days');
  return day < FIRST_DAY ? '0000-01-01' : dateOfDay(day);
}

/** Monday of the ISO week of a date (the weekly tables start on Monday, like the weekly summary). */
export function isoWeekStart(date: string): string {
  const day = dayNumber(date);
  // Day 0 (1970-01-01) was a Thursday: (day + 3) mod 7 counts days since Monday.
  return dateOfDay(day - ((((day + 3) % 7) + 7) % 7));
}

/** ISO week label of a date, e.g. 2026-W48 (the week belongs to the year of its Thursday). */
export function isoWeekLabel(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * DAY_MS);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - yearStart) / (7 * DAY_MS)) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * The date of a moment given in seconds since the epoch, read on UTC's calendar. Garmin's start
 * time plus its offset (`startTimeInSeconds + startTimeOffsetInSeconds`) gives the runner's local date.
 */
export const dateOfEpochSeconds = (seconds: number) => dateOfDay(Math.floor(seconds / DAY_S));

/** The calendar date of a moment (ms) in this computer's time zone: the runner's "today". */
export function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}
