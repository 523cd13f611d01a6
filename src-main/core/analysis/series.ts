/**
 * An activity's series for a chart or a model: the cleaned samples (samples.ts) cut into at most
 * a given number of points, each with its distance, pace over the bucket, average HR and elevation.
 */
import type { SeriesPoint } from '../../../src-common/coaching-contract.js';
import type { Series } from './samples.js';
import { roundOrNull } from './stats.js';

/** The series cut into at most `maxPoints` buckets of consecutive samples; a point closes each. */
export function downsample(series: Series, maxPoints: number, unitM: number): SeriesPoint[] {
  const { samples, moving } = series;
  const n = samples.length;
  if (n === 0) return [];
  const buckets = Math.min(maxPoints, n);
  const out: SeriesPoint[] = [];
  let prevEnd = 0;
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets) - 1;
    let hrSum = 0;
    let hrN = 0;
    let elSum = 0;
    let elN = 0;
    for (let i = lo; i <= hi; i++) {
      const s = samples[i]!;
      if (s.hr !== null) {
        hrSum += s.hr;
        hrN++;
      }
      if (s.elevation !== null) {
        elSum += s.elevation;
        elN++;
      }
    }
    const end = samples[hi]!;
    const start = samples[prevEnd]!;
    const dd = end.distance !== null && start.distance !== null ? end.distance - start.distance : null;
    const dm = moving[hi]! - moving[prevEnd]!;
    out.push({
      elapsed_s: roundOrNull(end.t, 1) ?? 0,
      distance_m: roundOrNull(end.distance, 1),
      pace_s: dd !== null && dd >= 1 && dm > 0 ? roundOrNull((dm / dd) * unitM, 1) : null,
      hr: hrN ? roundOrNull(hrSum / hrN, 1) : null,
      elevation_m: elN ? roundOrNull(elSum / elN, 1) : null,
    });
    prevEnd = hi;
  }
  return out;
}
