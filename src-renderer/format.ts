/**
 * Dates as a runner reads them, in one style across the app: "Nov 20, 2026" for a day,
 * "Nov 20, 2026, 10:05 AM" for a moment, "Nov 20" on a chart axis (the runner's locale decides the order).
 */
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
