/**
 * Everything derived from one activity's details, in one call: what the details query answers and
 * what the load and records keep per activity.
 */
import type { ActivityLoad, BestEffort, CleaningReport, Drift, Lap, Split, SplitUnit, ZoneTime } from '../../../src-common/coaching-contract.js';
import { bestEfforts } from './efforts.js';
import { activityLoad } from './load.js';
import { cleanSamples, type ActivityDetails } from './samples.js';
import { drift, laps, splits } from './splits.js';
import { roundOrNull } from './stats.js';
import { timeInZones, type HrProfile } from './zones.js';

export interface ActivityAnalysis {
  readonly summary_id: string;
  readonly elapsed_s: number;
  readonly moving_s: number;
  readonly distance_m: number | null;
  readonly has_hr: boolean;
  readonly has_gps: boolean;
  readonly splits: readonly Split[];
  readonly split_unit: SplitUnit;
  readonly laps: readonly Lap[];
  /** Null without an HR profile (neither set nor estimable). */
  readonly zones: ZoneTime | null;
  readonly drift: Drift;
  readonly best_efforts: readonly BestEffort[];
  readonly load: ActivityLoad;
  readonly cleaning: CleaningReport;
}

/** Analyses one activity's details with the runner's HR profile and preferred split unit. */
export function analyzeActivity(details: ActivityDetails, profile: HrProfile | null, unit: SplitUnit = 'km', trimpK?: number): ActivityAnalysis {
  const series = cleanSamples(details.samples);
  return {
    summary_id: details.summaryId,
    elapsed_s: roundOrNull(series.elapsedS, 1) ?? 0,
    moving_s: roundOrNull(series.movingS, 1) ?? 0,
    distance_m: roundOrNull(series.distanceM, 1),
    has_hr: series.hasHr,
    has_gps: series.hasGps,
    splits: splits(series, unit),
    split_unit: unit,
    laps: laps(series, details.lapStarts),
    zones: profile ? timeInZones(series, profile.zones) : null,
    drift: drift(series),
    best_efforts: bestEfforts(series),
    load: activityLoad(
      { series: series.samples.length > 1 ? series : null, avgHr: details.avgHr, durationS: details.durationS },
      profile ? { maxHr: profile.max_hr, restingHr: profile.resting_hr, ...(trimpK === undefined ? {} : { k: trimpK }) } : null,
    ),
    cleaning: series.report,
  };
}
