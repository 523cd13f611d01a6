/**
 * The units a split, a pace or a distance is given in, as plain constants (no zod): the renderer
 * bundles them, and coaching-contract.ts builds its `splitUnit` schema from the same list.
 */

/** Kilometres or (international) miles. */
export const SPLIT_UNITS = ['km', 'mi'] as const;

/** Metres in one unit. */
export const UNIT_METRES: Readonly<Record<(typeof SPLIT_UNITS)[number], number>> = { km: 1000, mi: 1609.344 };
