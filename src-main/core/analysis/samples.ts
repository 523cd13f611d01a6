/**
 * An activity's sample series and the rules that clean it. Every per-activity figure (splits, laps,
 * zones, drift, best efforts, TRIMP) is computed from the cleaned series, so a bad sample is judged
 * once, here, by one documented rule (docs/metrics.md, "Cleaning the samples").
 */
import { z } from 'zod';
import type { CleaningReport } from '../../../src-common/coaching-contract.js';

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

/** One interval between consecutive samples, with the part of it that a window covers. */
export interface IntervalShare {
  readonly i: number;
  /** The share of the interval inside the window, 0–1. */
  readonly f: number;
}

/** What a window of a series holds: moving time, distance, HR and climb, time-weighted. */
export interface WindowTotals {
  readonly movingS: number;
  readonly distanceM: number;
  /** Moving seconds that carry a heart rate. */
  readonly hrS: number;
  /** Time-weighted mean HR, or null without HR. */
  readonly avgHr: number | null;
  readonly maxHr: number | null;
  readonly elevationGainM: number | null;
}

/** Receives each interval's share of a window, in interval order. */
type Visit = (i: number, f: number) => void;

/** The running sums of `totals` (one interval share at a time, in the order given). */
function accumulator(series: Series): { readonly add: Visit; readonly result: () => WindowTotals } {
  const { samples, moving } = series;
  let movingS = 0;
  let distanceM = 0;
  let hrS = 0;
  let hrSum = 0;
  let maxHr: number | null = null;
  let gain = 0;
  let hasElevation = false;
  const add: Visit = (i, f) => {
    if (f <= 0) return;
    const a = samples[i]!;
    const b = samples[i + 1]!;
    const active = moving[i + 1]! - moving[i]!;
    movingS += f * active;
    if (a.distance !== null && b.distance !== null) distanceM += f * (b.distance - a.distance);
    if (a.hr !== null && active > 0) {
      hrS += f * active;
      hrSum += f * active * a.hr;
      maxHr = Math.max(maxHr ?? 0, a.hr);
    }
    if (a.elevation !== null && b.elevation !== null && !series.paused[i]) {
      hasElevation = true;
      if (b.elevation > a.elevation) gain += f * (b.elevation - a.elevation);
    }
  };
  return { add, result: () => ({ movingS, distanceM, hrS, avgHr: hrS > 0 ? hrSum / hrS : null, maxHr, elevationGainM: hasElevation ? gain : null }) };
}

/**
 * Sums a window of a series. Each interval i (sample i to i + 1) holds sample i's values for its
 * whole length (a sample describes the time until the next one) and counts by the share `f` the
 * window covers, so a window may cut an interval anywhere.
 */
export function totals(series: Series, shares: Iterable<IntervalShare>): WindowTotals {
  const acc = accumulator(series);
  for (const { i, f } of shares) acc.add(i, f);
  return acc.result();
}

// The windows below are walked by callbacks, and summed without an object per interval: the
// generators' {i, f} and iterator results were a third of a details query's garbage. totals of a
// window walk equals totals of its generator (the same shares, in the same order).

/** totals(series, byDistance(series, from, to, last)). */
export function totalsByDistance(series: Series, from: number, to: number, last = false): WindowTotals {
  const acc = accumulator(series);
  walkByDistance(series, from, to, last, acc.add);
  return acc.result();
}

/** totals(series, byElapsed(series, from, to)). */
export function totalsByElapsed(series: Series, from: number, to: number): WindowTotals {
  const acc = accumulator(series);
  walkByElapsed(series, from, to, acc.add);
  return acc.result();
}

/** totals(series, byMoving(series, from, to)). */
export function totalsByMoving(series: Series, from: number, to: number): WindowTotals {
  const acc = accumulator(series);
  walkByMoving(series, from, to, acc.add);
  return acc.result();
}

/** totals(series, everything(series)). */
export function totalsOfAll(series: Series): WindowTotals {
  const acc = accumulator(series);
  for (let i = 0; i + 1 < series.samples.length; i++) acc.add(i, 1);
  return acc.result();
}

/** Whether a series' times and distances never decrease (cleanSamples guarantees both), checked once per series. */
const ORDER = new WeakMap<Series, { readonly time: boolean; readonly distance: boolean }>();
function orderOf(series: Series): { readonly time: boolean; readonly distance: boolean } {
  let order = ORDER.get(series);
  if (!order) {
    const { samples } = series;
    let time = true;
    let distance = true;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (!Number.isFinite(s.t) || (i > 0 && s.t < samples[i - 1]!.t)) time = false;
      if (s.distance === null || !Number.isFinite(s.distance) || (i > 0 && s.distance < samples[i - 1]!.distance!)) distance = false;
    }
    ORDER.set(series, (order = { time, distance }));
  }
  return order;
}

/** The first i in [0, n) for which `ok(i)` holds, `ok` being false then true (binary search); n when none. */
function firstIndex(n: number, ok: (i: number) => boolean): number {
  let lo = 0;
  let hi = Math.max(0, n);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function walkByDistance(series: Series, from: number, to: number, last: boolean, visit: Visit): void {
  const { samples } = series;
  // A cleaned series' distance never decreases: the intervals before the first one ending at or
  // after `from`, and from the first one starting past `to`, give nothing, so they are skipped
  // (what is given, and in which order, is the same; a split is then O(its samples), not O(all)).
  const sorted = orderOf(series).distance;
  const start = sorted ? firstIndex(samples.length - 1, (i) => samples[i + 1]!.distance! >= from) : 0;
  for (let i = start; i + 1 < samples.length; i++) {
    const d0 = samples[i]!.distance;
    const d1 = samples[i + 1]!.distance;
    if (sorted && (d0! > to || (!last && d0! >= to))) break;
    if (d0 === null || d1 === null) continue;
    if (d1 > d0) {
      const overlap = Math.min(d1, to) - Math.max(d0, from);
      if (overlap > 0) visit(i, overlap / (d1 - d0));
    } else if (d0 >= from && (d0 < to || (last && d0 <= to))) {
      // Standing still (shorter than a pause): the time belongs where the runner stood.
      visit(i, 1);
    }
  }
}

function walkByElapsed(series: Series, from: number, to: number, visit: Visit): void {
  const { samples } = series;
  // Times never decrease in a cleaned series: intervals ending by `from` or starting at or after
  // `to` overlap nothing and are skipped (see walkByDistance).
  const sorted = orderOf(series).time;
  const start = sorted ? firstIndex(samples.length - 1, (i) => samples[i + 1]!.t > from) : 0;
  for (let i = start; i + 1 < samples.length; i++) {
    const t0 = samples[i]!.t;
    const t1 = samples[i + 1]!.t;
    if (sorted && t0 >= to) break;
    const overlap = Math.min(t1, to) - Math.max(t0, from);
    if (overlap > 0) visit(i, overlap / (t1 - t0));
  }
}

function walkByMoving(series: Series, from: number, to: number, visit: Visit): void {
  const { moving } = series;
  for (let i = 0; i + 1 < moving.length; i++) {
    const m0 = moving[i]!;
    const m1 = moving[i + 1]!;
    if (m1 <= m0) continue;
    const overlap = Math.min(m1, to) - Math.max(m0, from);
    if (overlap > 0) visit(i, overlap / (m1 - m0));
  }
}

/** The shares a walk gives, as a list (for the generators below). */
function sharesOf(walk: (visit: Visit) => void): IntervalShare[] {
  const out: IntervalShare[] = [];
  walk((i, f) => out.push({ i, f }));
  return out;
}

/** Each interval's share inside the distance window [from, to) (to inclusive when `last`). */
export function* byDistance(series: Series, from: number, to: number, last = false): Generator<IntervalShare> {
  yield* sharesOf((visit) => walkByDistance(series, from, to, last, visit));
}

/** Each interval's share inside the elapsed-time window [from, to) (seconds since the start). */
export function* byElapsed(series: Series, from: number, to: number): Generator<IntervalShare> {
  yield* sharesOf((visit) => walkByElapsed(series, from, to, visit));
}

/** Each interval's share inside the moving-time window [from, to); pauses belong to no window. */
export function* byMoving(series: Series, from: number, to: number): Generator<IntervalShare> {
  yield* sharesOf((visit) => walkByMoving(series, from, to, visit));
}

/** Every interval whole. */
export function* everything(series: Series): Generator<IntervalShare> {
  for (let i = 0; i + 1 < series.samples.length; i++) yield { i, f: 1 };
}

/** A number where Garmin sent one; anything else (missing, drifted type) becomes null. */
const num = z.number().nullable().optional().catch(null).transform((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));

/**
 * A field of one sample: a finite number, else null. Samples are read with this guard rather than a
 * zod schema each: a long run has thousands, and a per-sample schema tripled the details query.
 */
function sampleNumber(sample: Record<string, unknown>, key: string): number | null {
  const v = sample[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Garmin's activityDetails record (Activity API): the activity's summary, its samples and lap starts. */
export const activityDetailsSchema = z.looseObject({
  summaryId: z.string().min(1),
  activityId: z.union([z.string(), z.number()]).optional().catch(undefined),
  summary: z
    .looseObject({
      startTimeInSeconds: num,
      startTimeOffsetInSeconds: num,
      activityType: z.string().optional().catch(undefined),
      durationInSeconds: num,
      distanceInMeters: num,
      averageHeartRateInBeatsPerMinute: num,
      maxHeartRateInBeatsPerMinute: num,
    })
    .optional()
    .catch(undefined),
  // A malformed sample or lap is skipped, not the whole record (schema drift must not cost a run).
  samples: z.array(z.unknown()).optional().catch(undefined),
  laps: z.array(z.unknown()).optional().catch(undefined),
});

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

/**
 * Parses Garmin's activityDetails record (rule 4 of docs/architecture.md: parse, never cast), or
 * null when it has no summaryId. Sample times become seconds since the activity's start (the
 * summary's start, else the first sample's).
 */
export function parseActivityDetails(record: unknown): ActivityDetails | null {
  const parsed = activityDetailsSchema.safeParse(record);
  if (!parsed.success) return null;
  const { summaryId, summary } = parsed.data;
  const rows = (parsed.data.samples ?? []).filter(isRecord);
  const firstTime = rows.map((r) => sampleNumber(r, 'startTimeInSeconds')).find((t) => t !== null) ?? null;
  const startTime = summary?.startTimeInSeconds ?? firstTime;
  const origin = startTime ?? 0;
  const samples: RawSample[] = rows.map((r) => {
    const time = sampleNumber(r, 'startTimeInSeconds');
    return {
      // No time: NaN here, so cleaning drops the sample by its first rule and counts it.
      t: time === null ? Number.NaN : time - origin,
      distance: sampleNumber(r, 'totalDistanceInMeters'),
      hr: sampleNumber(r, 'heartRate'),
      speed: sampleNumber(r, 'speedMetersPerSecond'),
      cadence: sampleNumber(r, 'stepsPerMinute'),
      elevation: sampleNumber(r, 'elevationInMeters'),
      lat: sampleNumber(r, 'latitudeInDegree'),
      lon: sampleNumber(r, 'longitudeInDegree'),
    };
  });
  const lapStarts = (parsed.data.laps ?? []).flatMap((lap) => {
    const t = isRecord(lap) ? sampleNumber(lap, 'startTimeInSeconds') : null;
    return t === null ? [] : [t - origin];
  });
  return {
    summaryId,
    startTime,
    activityType: summary?.activityType ?? null,
    durationS: summary?.durationInSeconds ?? null,
    distanceM: summary?.distanceInMeters ?? null,
    avgHr: summary?.averageHeartRateInBeatsPerMinute ?? null,
    samples,
    lapStarts,
  };
}
