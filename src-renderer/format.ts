/** Dates as a runner reads them. */
export function formatWhen(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const date = new Date(iso);
  const diff = date.getTime() - now;
  const abs = Math.abs(diff);
  const rel =
    abs < 60_000 ? 'now' : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} days`;
  const relative = rel === 'now' ? 'just now' : diff > 0 ? `in ${rel}` : `${rel} ago`;
  return `${date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })} (${relative})`;
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
