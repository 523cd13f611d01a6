/**
 * The units a split, a pace or a distance is given in, as plain constants (no zod): the renderer
 * bundles them, and coaching-contract.ts builds its `splitUnit` schema from the same list.
 */

/** Kilometres or (international) miles. */
export const SPLIT_UNITS = ['km', 'mi'] as const;

/** Metres in one unit. */
export const UNIT_METRES: Readonly<Record<(typeof SPLIT_UNITS)[number], number>> = { km: 1000, mi: 1609.344 };

/**
 * An activity's average pace in seconds per km, from the most precise figure Garmin sent: its
 * average speed (m/s, three decimals) when there is one, else its decimal minutes per km (two
 * decimals: 5.19 is anything from 311.1 to 311.7 s). Unrounded: every surface writes a pace through
 * one formatter (clockTime, to the nearest second), so the list and the activity's page agree.
 */
export function paceSecondsPerKm(activity: { readonly avg_speed_mps: number | null; readonly avg_pace_min_km: number | null }): number | null {
  const { avg_speed_mps: speed, avg_pace_min_km: minutes } = activity;
  if (typeof speed === 'number' && Number.isFinite(speed) && speed > 0) return 1000 / speed;
  return typeof minutes === 'number' && Number.isFinite(minutes) && minutes > 0 ? minutes * 60 : null;
}
