/**
 * Small numeric helpers shared by the analysis modules. Every one of them answers null rather than
 * NaN or Infinity, so no figure the runner or an agent sees is ever "NaN".
 */

/** A finite number rounded to `digits` decimals; anything else (NaN, ±Infinity, null) becomes null. */
export function roundOrNull(value: number | null | undefined, digits = 1): number | null {
  if (value == null || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  // + 0 turns a -0 into 0, so a JSON answer never shows "-0".
  return Math.round(value * scale) / scale + 0;
}

/** A finite number rounded to `digits` decimals (0 when it is not finite: only for sums that start at 0). */
export function round(value: number, digits = 1): number {
  return roundOrNull(value, digits) ?? 0;
}

/** A channel's figures over the samples that carry it: the mean to 0.1, the highest to 0.001, how many; null when none does. */
export function channelFigures(values: ReadonlyArray<number | null>): { avg: number; max: number; samples: number } | null {
  let sum = 0;
  let n = 0;
  let max = -Infinity;
  for (const v of values) {
    if (v === null) continue;
    sum += v;
    n++;
    if (v > max) max = v;
  }
  return n === 0 ? null : { avg: Math.round((sum / n) * 10) / 10, max: Math.round(max * 1000) / 1000, samples: n };
}

/** The arithmetic mean, or null for an empty list. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** The population standard deviation (divides by n, not n − 1), or null for an empty list. */
export function populationSd(values: readonly number[]): number | null {
  const m = mean(values);
  if (m === null) return null;
  let sq = 0;
  for (const v of values) sq += (v - m) ** 2;
  return Math.sqrt(sq / values.length);
}

/** The median, or null for an empty list. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `value` limited to [min, max]. */
export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** True for a finite number inside [min, max]. */
export const within = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/**
 * The least-squares slope of y over x, or null with fewer than two distinct x values
 * (a single point has no direction).
 */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number | null {
  const n = points.length;
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}
