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

/** The YYYY-MM-DD date of a day number. */
export const dateOfDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** `date` moved by `n` days. */
export const addDays = (date: string, n: number) => dateOfDay(dayNumber(date) + n);

/** Monday of the ISO week of a date (the weekly tables start on Monday, like the weekly summary). */
export function isoWeekStart(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}
