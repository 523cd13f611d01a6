/**
 * Best efforts: the fastest stretch of a given distance found anywhere inside one activity.
 */
import type { BestEffort, EffortLabel } from '../../../src-common/coaching-contract.js';
import type { Series } from './samples.js';
import { round } from './stats.js';

/** The store reads efforts in the contract's type (src-common/coaching-contract.ts). */
export type { BestEffort };

/** The distances a runner compares, in metres (a half and a full marathon by their official lengths). */
export const EFFORT_DISTANCES: ReadonlyArray<{ readonly label: EffortLabel; readonly distance_m: number }> = [
  { label: '1k', distance_m: 1000 },
  { label: '5k', distance_m: 5000 },
  { label: '10k', distance_m: 10_000 },
  { label: 'half_marathon', distance_m: 21_097.5 },
  { label: 'marathon', distance_m: 42_195 },
];

/**
 * The fastest moving time over exactly `target` metres, or null when the activity is shorter.
 * Distance is piecewise linear in moving time between samples, so the fastest window starts or
 * ends on a sample: two two-pointer passes (each sample as the end, then as the start) with the
 * other end interpolated find it exactly in O(n).
 */
export function fastestOver(series: Series, target: number): { time: number; start: number } | null {
  const d = series.samples.map((s) => s.distance);
  const m = series.moving;
  const n = d.length;
  const total = series.distanceM;
  if (total === null || target <= 0 || total < target || n < 2) return null;
  const dist = d as number[];
  let best: { time: number; start: number } | null = null;
  const consider = (time: number, start: number) => {
    if (best === null || time < best.time - 1e-9) best = { time, start };
  };
  // Each sample j as the end: the start lies at dist[j] − target, in interval [i, i + 1].
  let i = 0;
  for (let j = 0; j < n; j++) {
    const x = dist[j]! - target;
    if (x < 0) continue;
    while (i + 1 < n && dist[i + 1]! <= x) i++;
    // dist[i] ≤ x < dist[i + 1] (or x is the last distance): the latest moment at distance x.
    const span = i + 1 < n ? dist[i + 1]! - dist[i]! : 0;
    const startTime = span > 0 ? m[i]! + ((x - dist[i]!) / span) * (m[i + 1]! - m[i]!) : m[i]!;
    consider(m[j]! - startTime, x);
  }
  // Each sample i as the start: the end lies at dist[i] + target, in interval [j − 1, j].
  let j = 0;
  for (let s = 0; s < n; s++) {
    const y = dist[s]! + target;
    if (y > total) break;
    while (j < n && dist[j]! < y) j++;
    if (j >= n) break;
    // dist[j − 1] < y ≤ dist[j]: the earliest moment at distance y.
    const span = j > 0 ? dist[j]! - dist[j - 1]! : 0;
    const endTime = span > 0 ? m[j - 1]! + ((y - dist[j - 1]!) / span) * (m[j]! - m[j - 1]!) : m[j]!;
    consider(endTime - m[s]!, dist[s]!);
  }
  return best;
}

/** Every standard best effort the activity is long enough for (none without distance). */
export function bestEfforts(series: Series): BestEffort[] {
  const out: BestEffort[] = [];
  for (const { label, distance_m } of EFFORT_DISTANCES) {
    const best = fastestOver(series, distance_m);
    // A zero time would mean distance without time: cleaning makes that impossible, guard anyway.
    if (!best || best.time <= 0) continue;
    out.push({ label, distance_m, time_s: round(best.time, 1), pace_s_per_km: round((best.time / distance_m) * 1000, 1), start_m: round(best.start, 1) });
  }
  return out;
}
