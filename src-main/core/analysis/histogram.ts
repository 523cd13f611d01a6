/**
 * An activity's moving seconds at each heart rate: enough to give its zone times and its TRIMP for
 * ANY HR profile without reading the samples again, so a store can cache it once per activity and
 * a changed max or resting HR costs no recomputation. The figures equal timeInZones and
 * activityLoad's `hr_samples` method on the same series (same intervals, same rules).
 */
import type { ActivityLoad, HrZone, ZoneTime } from '../../../src-common/coaching-contract.js';
import { activityLoad, MIN_TRIMP_HR_COVERAGE, trimpPerMinute, type TrimpInput } from './load.js';
import type { Series } from './samples.js';
import type { HrSummary } from '../../../src-common/activity-samples.js';
import { round } from './stats.js';
import { zoneOf } from './zones.js';

export type { HrHistogram, HrSummary } from '../../../src-common/activity-samples.js';

/** Moving seconds per heart rate of a cleaned series: each interval holds its first sample's HR; pauses count nowhere. */
export function hrHistogram(series: Series): HrSummary {
  const byHr = new Map<number, number>();
  let hrS = 0;
  for (let i = 0; i + 1 < series.samples.length; i++) {
    const active = series.moving[i + 1]! - series.moving[i]!;
    const hr = series.samples[i]!.hr;
    if (active <= 0 || hr === null) continue;
    hrS += active;
    byHr.set(hr, (byHr.get(hr) ?? 0) + active);
  }
  return { movingS: series.movingS, hrS, histogram: [...byHr].sort((a, b) => a[0] - b[0]) };
}

/** Zone times from a histogram (timeInZones' rules). */
export function zonesFromHistogram(summary: HrSummary, zones: readonly HrZone[]): ZoneTime {
  const acc = [0, 0, 0, 0, 0, 0];
  for (const [hr, s] of summary.histogram) acc[zoneOf(hr, zones)]! += s;
  const noHr = Math.max(0, summary.movingS - summary.hrS);
  return { below_s: round(acc[0]!), z1_s: round(acc[1]!), z2_s: round(acc[2]!), z3_s: round(acc[3]!), z4_s: round(acc[4]!), z5_s: round(acc[5]!), no_hr_s: round(noHr) };
}

/**
 * An activity's TRIMP from its histogram by activityLoad's rules: HR samples covering at least half
 * the moving time, else the summary's average HR, else the duration alone. Without a histogram (no
 * details stored) it is activityLoad on the summary.
 */
export function loadFromHistogram(summary: HrSummary | null, input: { avgHr?: number | null; durationS?: number | null }, profile: TrimpInput | null): ActivityLoad {
  if (summary && summary.movingS > 0 && profile !== null && profile.maxHr > profile.restingHr && summary.hrS >= MIN_TRIMP_HR_COVERAGE * summary.movingS && summary.hrS > 0) {
    let sum = 0;
    for (const [hr, s] of summary.histogram) sum += (s / 60) * trimpPerMinute(hr, profile);
    return { trimp: round((sum * summary.movingS) / summary.hrS, 1), method: 'hr_samples' };
  }
  // The summary's rules, with the moving time from the samples when there is one.
  return activityLoad({ avgHr: input.avgHr ?? null, durationS: summary && summary.movingS > 0 ? summary.movingS : (input.durationS ?? null) }, profile);
}
