/**
 * Dates as a runner reads them, in one style across the app: "Nov 20, 2026" for a day,
 * "Nov 20, 2026, 10:05 AM" for a moment, "Nov 20" on a chart axis (the runner's locale decides the order).
 */
import type { SplitUnit } from '../src-common/coaching-contract';
import { localDate } from '../src-common/dates';
import { clockTime } from '../src-common/format';
import { UNIT_METRES } from '../src-common/units';

const DAY: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };

/** A calendar day given as YYYY-MM-DD (a local date, not a moment): no time-zone shift. */
const fromLocalDate = (day: string) => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, (m ?? 1) - 1, d ?? 1);
};

export const formatDay = (day: string): string => fromLocalDate(day).toLocaleDateString(undefined, DAY);
export const formatShortDay = (day: string): string => fromLocalDate(day).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
export const formatDateTime = (iso: string): string => new Date(iso).toLocaleString(undefined, { ...DAY, ...TIME });

/** A moment with how long ago (or until) it is. */
export function formatWhen(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const date = new Date(iso);
  const diff = date.getTime() - now;
  const abs = Math.abs(diff);
  const rel =
    abs < 60_000 ? 'now' : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} days`;
  const relative = rel === 'now' ? 'just now' : diff > 0 ? `in ${rel}` : `${rel} ago`;
  return `${formatDateTime(iso)} (${relative})`;
}

const PERMISSION_LABELS: Record<string, string> = {
  ACTIVITY_EXPORT: 'Activities',
  HEALTH_EXPORT: 'Health data',
  WORKOUT_IMPORT: 'Send workouts',
  COURSE_IMPORT: 'Send courses',
  MCT_EXPORT: 'Menstrual cycle',
  HISTORICAL_DATA_EXPORT: 'History',
};

export const permissionLabel = (p: string) => PERMISSION_LABELS[p] ?? p;

// --- Numbers --------------------------------------------------------------------------------
// Every figure the app shows goes through one of these: a missing or non-finite number (null,
// NaN, Infinity) is written "—", never "NaN" or "undefined".

export const isFiniteNumber = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

/** A number with a fixed count of decimals and an optional unit: "12.5 km", or "—". */
export function formatNumber(value: number | null | undefined, digits = 0, unit = ''): string {
  if (!isFiniteNumber(value)) return '—';
  const text = value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}

/** Seconds as h:mm:ss or m:ss (src-common/format.ts, as the CLI and the MCP tools write them). */
export const formatSeconds = clockTime;

/** Seconds per km or mile as "5:02 /km". */
export function formatPaceSeconds(secondsPerUnit: number | null | undefined, unit: SplitUnit = 'km'): string {
  if (!isFiniteNumber(secondsPerUnit) || secondsPerUnit <= 0) return '—';
  return `${formatSeconds(secondsPerUnit)} /${unit}`;
}

/** Metres in km or miles, two decimals: "10.02 km". */
export function formatDistance(metres: number | null | undefined, unit: SplitUnit = 'km'): string {
  if (!isFiniteNumber(metres)) return '—';
  return formatNumber(metres / UNIT_METRES[unit], 2, unit);
}

/** Seconds asleep as "7 h 25 min". */
export function formatHoursMinutes(seconds: number | null | undefined): string {
  if (!isFiniteNumber(seconds)) return '—';
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? `${h} h ${m} min` : `${m} min`;
}

/** A signed percentage: "+3.2 %", "−1.0 %". */
export function formatSignedPercent(value: number | null | undefined, digits = 1): string {
  if (!isFiniteNumber(value)) return '—';
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  return `${sign}${formatNumber(Math.abs(value), digits)} %`;
}

// --- Local dates ------------------------------------------------------------------------------

/** Today on the runner's calendar, YYYY-MM-DD (moving a date: addDays of src-common/dates.ts). */
export const localToday = (now: Date = new Date()): string => localDate(now.getTime());
