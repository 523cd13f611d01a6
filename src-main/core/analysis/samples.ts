/**
 * An activity's sample series and the rules that clean it. Every per-activity figure (splits, laps,
 * zones, drift, best efforts, TRIMP) is computed from the cleaned series, so a bad sample is judged
 * once, here, by one documented rule (docs/metrics.md, "Cleaning the samples").
 */
import type { RawSample } from '../../../src-common/activity-samples.js';
import type { CleaningReport } from '../../../src-common/coaching-contract.js';

export type { ActivityDetails, RawSample } from '../../../src-common/activity-samples.js';

/** A sample after cleaning: sorted, one per second value, absurd fields set to null. */
export interface Sample {
  readonly t: number;
  /** Cumulative distance rebuilt from plausible increments (pauses add none); null when the activity has no distance at all. */
  readonly distance: number | null;
  readonly hr: number | null;
  readonly speed: number | null;
  readonly cadence: number | null;
  readonly elevation: number | null;
  readonly lat: number | null;
  readonly lon: number | null;
}

/** A cleaned activity: samples plus, per sample, the moving time and distance so far. */
export interface Series {
  readonly samples: readonly Sample[];
  /** Moving seconds from the start up to sample i (pauses excluded). */
  readonly moving: readonly number[];
  /** True for the interval from sample i to i + 1 when it was a pause. */
  readonly paused: readonly boolean[];
  readonly elapsedS: number;
  readonly movingS: number;
  /** Metres, or null when neither distance nor speed was recorded. */
  readonly distanceM: number | null;
  readonly hasHr: boolean;
  readonly hasGps: boolean;
  readonly report: CleaningReport;
}

/** Heart rates outside this range are sensor noise (0 = no contact; no runner reaches 300). */
export const HR_RANGE = [25, 250] as const;
/** Faster than this is a GPS or sensor glitch: the fastest humans sprint about 12.4 m/s. */
export const MAX_SPEED_MPS = 12.5;
export const CADENCE_RANGE = [0, 260] as const;
/** From the Dead Sea shore to above Everest. */
export const ELEVATION_RANGE = [-500, 9_000] as const;
/** A gap between samples longer than this, covered slower than MIN_MOVING_SPEED_MPS, is a pause. */
export const PAUSE_GAP_S = 10;
/** Slower than anyone walks: a gap covered at less than this is standing still. */
export const MIN_MOVING_SPEED_MPS = 0.5;

const plausible = (v: number | null | undefined, min: number, max: number): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : null;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Cleans a raw sample series. The rules, in order:
 * 1. a sample without a finite time ≥ 0 is dropped;
 * 2. samples are sorted by time (stable);
 * 3. samples with the same time are merged: each field keeps the first non-null value;
 * 4. a value outside its plausible range becomes null (HR outside 25–250 bpm, speed above 12.5 m/s
 *    or negative, cadence outside 0–260 spm, elevation outside −500–9,000 m, a position outside the
 *    globe or at exactly 0°, 0°); the sample keeps its other fields;
 * 5. a missing distance between two known ones is interpolated in time (the runner kept moving
 *    through a GPS gap); with no distance at all, distance is integrated from speed; with neither,
 *    distance stays null;
 * 6. a distance step that goes backwards, or faster than 12.5 m/s, counts as 0 m;
 * 7. an interval longer than 10 s covered slower than 0.5 m/s (or of unknown distance) is a pause:
 *    it adds neither moving time nor distance, and no HR time.
 */
export function cleanSamples(raw: readonly RawSample[]): Series {
  const absurd = { hr: 0, speed: 0, cadence: 0, elevation: 0, position: 0 };
  // Copies only when needed (a details query cleans thousands of samples): all valid and already
  // in order is the usual case, and a stable sort of a sorted list changes nothing.
  const valid = raw.every((s) => isNumber(s.t) && s.t >= 0) ? raw : raw.filter((s) => isNumber(s.t) && s.t >= 0);
  const droppedSamples = raw.length - valid.length;
  let inOrder = true;
  for (let i = 1; i < valid.length && inOrder; i++) if (valid[i]!.t < valid[i - 1]!.t) inOrder = false;
  const sorted = inOrder ? valid : [...valid].sort((a, b) => a.t - b.t);
  const reordered = !inOrder && sorted.some((s, i) => s !== valid[i]);

  // Rules 3 and 4: merge same-time samples, null the absurd fields. The device's distance of
  // each merged sample is kept beside it (rawDistances), so the samples need no copy at the end.
  type Mutable = { -readonly [K in keyof Sample]: Sample[K] };
  const merged: Mutable[] = [];
  const rawDistances: Array<number | null> = [];
  let duplicates = 0;
  for (const s of sorted) {
    const hr = plausible(s.hr, HR_RANGE[0], HR_RANGE[1]);
    if (s.hr != null && hr === null) absurd.hr++;
    const speed = plausible(s.speed, 0, MAX_SPEED_MPS);
    if (s.speed != null && speed === null) absurd.speed++;
    const cadence = plausible(s.cadence, CADENCE_RANGE[0], CADENCE_RANGE[1]);
    if (s.cadence != null && cadence === null) absurd.cadence++;
    const elevation = plausible(s.elevation, ELEVATION_RANGE[0], ELEVATION_RANGE[1]);
    if (s.elevation != null && elevation === null) absurd.elevation++;
    let lat = plausible(s.lat, -90, 90);
    let lon = plausible(s.lon, -180, 180);
    const hadPosition = s.lat != null || s.lon != null;
    if (lat === null || lon === null || (lat === 0 && lon === 0)) {
      if (hadPosition) absurd.position++;
      lat = null;
      lon = null;
    }
    const rawDistance = isNumber(s.distance) && s.distance >= 0 ? s.distance : null;
    const last = merged[merged.length - 1];
    if (last && last.t === s.t) {
      duplicates++;
      last.hr ??= hr;
      last.speed ??= speed;
      last.cadence ??= cadence;
      last.elevation ??= elevation;
      if (last.lat === null && lat !== null) {
        last.lat = lat;
        last.lon = lon;
      }
      rawDistances[merged.length - 1] ??= rawDistance;
      continue;
    }
    merged.push({ t: s.t, distance: null, hr, speed, cadence, elevation, lat, lon });
    rawDistances.push(rawDistance);
  }

  const n = merged.length;
  // Rule 5: fill the device's cumulative distance.
  const known: number[] = [];
  for (let i = 0; i < n; i++) if (rawDistances[i] !== null) known.push(i);
  const filled: Array<number | null> = new Array(n).fill(null);
  if (known.length > 0) {
    for (let k = 0; k < known.length; k++) {
      const i = known[k]!;
      filled[i] = rawDistances[i]!;
      const next = known[k + 1];
      if (next === undefined) break;
      const a = merged[i]!;
      const b = merged[next]!;
      const da = rawDistances[i]!;
      const db = rawDistances[next]!;
      for (let j = i + 1; j < next; j++) filled[j] = da + ((db - da) * (merged[j]!.t - a.t)) / (b.t - a.t);
    }
    // Before the first and after the last known distance the runner is taken as not having moved.
    for (let j = 0; j < known[0]!; j++) filled[j] = rawDistances[known[0]!]!;
    for (let j = known[known.length - 1]! + 1; j < n; j++) filled[j] = rawDistances[known[known.length - 1]!]!;
  } else if (merged.some((s) => s.speed !== null)) {
    let d = 0;
    for (let j = 0; j < n; j++) {
      filled[j] = d;
      const s = merged[j]!;
      if (j + 1 < n) d += (s.speed ?? 0) * (merged[j + 1]!.t - s.t);
    }
  }
  const hasDistance = filled.some((d) => d !== null);

  // Rules 6 and 7: rebuild distance from plausible increments, find the pauses.
  const moving: number[] = new Array(n).fill(0);
  const paused: boolean[] = new Array(Math.max(0, n - 1)).fill(false);
  let distanceGlitches = 0;
  let pauses = 0;
  let pausedS = 0;
  let d = 0;
  let m = 0;
  if (n > 0 && hasDistance) merged[0]!.distance = 0;
  for (let i = 0; i + 1 < n; i++) {
    const dt = merged[i + 1]!.t - merged[i]!.t;
    let inc = hasDistance ? filled[i + 1]! - filled[i]! : 0;
    if (hasDistance && (inc < 0 || inc > MAX_SPEED_MPS * dt)) {
      distanceGlitches++;
      inc = 0;
    }
    if (dt > PAUSE_GAP_S && (!hasDistance || inc < MIN_MOVING_SPEED_MPS * dt)) {
      paused[i] = true;
      pauses++;
      pausedS += dt;
      inc = 0;
    } else {
      m += dt;
    }
    d += inc;
    moving[i + 1] = m;
    if (hasDistance) merged[i + 1]!.distance = d;
  }

  const hasGps = merged.some((s) => s.lat !== null);
  const samples: Sample[] = merged;
  return {
    samples,
    moving,
    paused,
    elapsedS: n > 0 ? merged[n - 1]!.t - merged[0]!.t : 0,
    movingS: m,
    distanceM: hasDistance ? d : null,
    hasHr: samples.some((s) => s.hr !== null),
    hasGps,
    // snake_case like every other field of the answers it goes into.
    report: {
      dropped_samples: droppedSamples,
      reordered,
      duplicates,
      absurd,
      distance_glitches: distanceGlitches,
      gps_gaps: hasGps ? samples.filter((s) => s.lat === null).length : 0,
      pauses,
      paused_s: pausedS,
    },
  };
}
