/**
 * Windows of a cleaned series (samples.ts): each interval's share of a distance, elapsed-time or
 * moving-time window, and what the window holds (moving time, distance, HR, climb). Splits, laps,
 * best efforts and the plan against what was done are read through these.
 */
import type { Series } from './samples.js';

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
