/**
 * An activity's recorded samples and the HR histogram kept per activity, as every layer of the
 * core carries them: Garmin's activityDetails and a FIT file are read into them
 * (src-main/core/garmin, src-main/core/fit), the store keeps them (compact samples, the histogram
 * beside them), the analysis cleans and measures them. Declared here, below all of those, so the
 * store never imports the analysis for a type (docs/architecture.md rule 16). Types only: nothing
 * here reaches an answer as it is.
 */

/** One recorded moment of an activity, as it arrives: any field may be missing or absurd. */
export interface RawSample {
  /** Seconds since the activity started (wall clock, pauses included). */
  readonly t: number;
  /** Cumulative distance in metres, as the device counted it. */
  readonly distance?: number | null;
  readonly hr?: number | null;
  /** Metres per second. */
  readonly speed?: number | null;
  /** Steps per minute (both feet). */
  readonly cadence?: number | null;
  /** Metres above sea level. */
  readonly elevation?: number | null;
  readonly lat?: number | null;
  readonly lon?: number | null;
}

/** An activity's details, parsed: the sample series (times relative to the start) and lap starts. */
export interface ActivityDetails {
  readonly summaryId: string;
  readonly startTime: number | null;
  readonly activityType: string | null;
  readonly durationS: number | null;
  readonly distanceM: number | null;
  readonly avgHr: number | null;
  readonly samples: readonly RawSample[];
  /** Lap start times in seconds since the activity started. */
  readonly lapStarts: readonly number[];
}

/** [heart rate, moving seconds] pairs, sorted by heart rate. */
export type HrHistogram = ReadonlyArray<readonly [number, number]>;

/** An activity's moving seconds, those with a heart rate, and the moving seconds at each heart rate. */
export interface HrSummary {
  readonly movingS: number;
  /** Moving seconds that carry a heart rate. */
  readonly hrS: number;
  readonly histogram: HrHistogram;
}
